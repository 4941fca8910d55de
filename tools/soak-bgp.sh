#!/bin/bash
# Soak run of a BGP connection (not part of the test suite): vpngw and a
# customer gateway of strongSwan and BIRD 2 (tests/e2e/bgp_lib.sh), for
# MINUTES (default 30). Throughout, the bundled generator (vpngw-gen,
# playing host A and host B) sends UDP through the tunnels at 1,000
# datagrams a second in 16 flows and counts them back; each tunnel's Child
# SA is rekeyed every minute (lab_rekey_packets at that rate); every
# EVERY minutes (default 3) an event, in turn: a BGP session flap (BIRD
# takes session 1 down for 10 s), or a CGW restart (charon and BIRD
# killed and started again). Printed: datagrams lost in the minute of
# each event, lost outside those minutes (there should be none), the
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
[ "$EVERY" -ge 2 ] && [ "$MINUTES" -ge "$EVERY" ] ||
	{ echo "soak-bgp: EVERY is at least 2 (minutes), MINUTES at least EVERY"; exit 2; }
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

# The bundled generator plays both hosts. It runs in turns: a quiet run
# of EVERY minutes less one, then an event run of one minute with the
# event 3 s in; each run counts its own loss by sequence number, so the
# loss of an event is its run's, and the quiet runs must lose nothing.
gen_attach
cgw_restart() { # charon and BIRD killed, started again
	swan_stop
	kill -KILL "$(cat "$work/cgw-bird.pid" 2>/dev/null)" 2>/dev/null
	sleep 2
	SWAN_INSIDE="169.254.20.2/30 169.254.21.2/30" swan_start
	cgw_start
}
flap() { # BIRD takes session 1 down for 10 s
	cgw_session 1 down
	sleep 10
	cgw_session 1 up
}
: >"$work/runs"
start=$(date +%s)
run() { # run NAME SECONDS [EVENT]: one generator run, EVENT 3 s into it
	local name=$1 secs=$2 ev=${3:-} t sent lost
	t=$(($(date +%s) - start))
	gen_start "$work/gen-$name.json" --rate "$RATE" --size 200 --flows 16 \
		--seconds "$secs" --drain-ms 3000
	if [ -n "$ev" ]; then
		sleep 3
		echo "soak-bgp: +$((t + 3))s $name"
		$ev
	fi
	wait "$gen_pid"
	sent=$(gen_field "$work/gen-$name.json" sent)
	lost=$(gen_field "$work/gen-$name.json" lost)
	[ -n "$sent" ] && [ -n "$lost" ] ||
		fail "vpngw-gen printed no figures: $(cat "$work/gen-$name.json.log")"
	echo "$name $t $sent $lost" >>"$work/runs"
	printf 'soak-bgp: %-12s +%5ds %7d datagrams sent, %5d lost\n' "$name" "$t" "$sent" "$lost"
}
# MINUTES / EVERY turns (each a little longer than EVERY minutes: the
# generator starts afresh for each run).
for n in $(seq 1 $((MINUTES / EVERY))); do
	run "quiet-$n" $((EVERY * 60 - 60))
	if [ $((n % 2)) = 1 ]; then
		run "flap-$n" 60 flap
	else
		run "restart-$n" 60 cgw_restart
	fi
done
rss1=$(rss_kb)
rekeys=$(tel gw1 /vpngw/ike "d.get('child_rekeys', d.get('counters', {}).get('child_rekeys', '?'))")
awk '
	{ sent += $3; lost += $4 }
	$1 ~ /^quiet/ { qlost += $4 }
	$1 !~ /^quiet/ { n++; elost += $4; if ($4 > emax) emax = $4 }
	END {
		printf "soak-bgp: %d datagrams sent, %d lost in all: %d in %d events (at most %d in one), %d outside them\n",
			sent, lost, elost, n, emax, qlost
	}' "$work/runs"
echo "soak-bgp: Child SA rekeys done: $rekeys; vpngw RSS $rss0 kB at the start, $rss1 kB at the end"
status=0
