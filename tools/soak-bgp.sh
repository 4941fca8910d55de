#!/bin/bash
# Soak run of a BGP connection (not part of the test suite): vpngw and a
# customer gateway of strongSwan and BIRD 2 (tests/e2e/bgp_lib.sh), for
# MINUTES (default 30). Throughout, iperf3 sends UDP from host A to host
# B through the tunnels at 1,000 datagrams a second; each tunnel's Child
# SA is rekeyed every minute (lab_rekey_packets at that rate); every
# EVERY minutes (default 3) an event, in turn: a BGP session flap (BIRD
# takes session 1 down for 10 s), or a CGW restart (charon and BIRD
# killed and started again). Printed: datagrams lost in the minute after
# each event, lost outside those windows (there should be none), the
# total, rekeys done, and vpngw's memory at the start and the end.
#
#   tools/soak-bgp.sh [MINUTES] [EVERY]   (root; after tools/setup.sh and
#                                         tools/build.sh; WORKDIR= keep the
#                                         logs, VPNGW= another binary)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
MINUTES=${1:-30}
EVERY=${2:-3}
vpngw=${VPNGW:-$root/build/app/vpngw/vpngw}
[ -x "$vpngw" ] || { echo "soak-bgp: no $vpngw (tools/build.sh build)"; exit 2; }
. "$root/tests/e2e/lib.sh" "$vpngw" "${WORKDIR:-}"
. "$root/tests/e2e/swan.sh"
. "$root/tests/e2e/bgp_lib.sh"

RATE=1000
# charon tries a tunnel again after its DPD gives up on it.
SWAN_DPD=2 SWAN_DPD_ACTION=restart SWAN_TRIES=2
export SWAN_DPD SWAN_DPD_ACTION SWAN_TRIES
# A Child SA carries about half the datagrams (flows hashed over two
# tunnels): rekeyed after a minute's worth.
bgp_setup ""
sed -i -e "s|psk = \"$PSK1\";|& lab_rekey_packets = $((RATE * 60 / 2));|" \
	-e "s|psk = \"$PSK2\";|& lab_rekey_packets = $((RATE * 60 / 2));|" "$work/gw1.conf"
[ "$(grep -o lab_rekey_packets "$work/gw1.conf" | wc -l)" = 2 ] || fail "gw1.conf"
bgp_start
wait_for 30 "192.0.2.128/25 over both tunnels" route_both
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$gw_pid/status"; }
rss0=$(rss_kb)
echo "soak-bgp: $MINUTES min, an event every $EVERY min, $RATE datagrams/s; vpngw RSS $rss0 kB"

ip netns exec "$B" iperf3 -s -B 192.0.2.130 -1 >"$work/iperf3-server.log" 2>&1 &
pids+=($!)
iperf3_ready "$B"
secs=$((MINUTES * 60))
start=$(date +%s)
ip netns exec "$A" timeout $((secs + 60)) iperf3 -c 192.0.2.130 -u -b $((RATE * 200 * 8)) \
	-l 200 -t "$secs" -i 1 -J --get-server-output >"$work/iperf3-soak.json" 2>&1 &
client=$!
pids+=($client)

cgw_restart() { # charon and BIRD killed, started again
	swan_stop
	kill -KILL "$(cat "$work/cgw-bird.pid" 2>/dev/null)" 2>/dev/null
	sleep 2
	SWAN_INSIDE="169.254.20.2/30 169.254.21.2/30" swan_start
	cgw_start
}
: >"$work/events"
n=0
while [ $(($(date +%s) - start + EVERY * 60)) -lt "$secs" ]; do
	sleep $((EVERY * 60))
	n=$((n + 1))
	t=$(($(date +%s) - start))
	if [ $((n % 2)) = 1 ]; then
		echo "$t flap" >>"$work/events"
		echo "soak-bgp: +${t}s BGP session 1 flapped (10 s)"
		cgw_session 1 down
		sleep 10
		cgw_session 1 up
	else
		echo "$t restart" >>"$work/events"
		echo "soak-bgp: +${t}s customer gateway restarted (charon, BIRD)"
		cgw_restart
	fi
done
wait "$client"
rss1=$(rss_kb)
rekeys=$(tel gw1 /vpngw/ike "d.get('child_rekeys', d.get('counters', {}).get('child_rekeys', '?'))")
/usr/bin/python3 - "$work/iperf3-soak.json" "$work/events" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
# The server's per-second report (its text: --get-server-output).
lost = [(float(m.group(1)), int(m.group(2)))
        for m in re.finditer(r'^\[\s*\d+\]\s+([\d.]+)-[\d.]+\s+sec.*?(-?\d+)/\d+ \(',
                             d["server_output_text"], re.M)]
events = [(int(t), what) for t, what in (l.split() for l in open(sys.argv[2]) if l.strip())]
# The last line is the whole run's: not an interval.
lost = lost[:-1] if len(lost) > 1 and lost[-1][0] == 0 else lost
total = sum(max(l, 0) for _, l in lost)
sent = d["end"]["sum"]["packets"]
inside = 0
for t, what in events:
    w = sum(max(l, 0) for s, l in lost if t <= s < t + 60)
    inside += w
    print("soak-bgp: %-7s at +%4d s: %d datagrams lost in the minute after" % (what, t, w))
print("soak-bgp: %d datagrams sent, %d lost in all, %d outside the event windows" % (sent, total, total - inside))
PY
echo "soak-bgp: Child SA rekeys done: $rekeys; vpngw RSS $rss0 kB at the start, $rss1 kB at the end"
status=0
