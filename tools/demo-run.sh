#!/bin/bash
# The demo's show (tools/demo.sh runs it once the machine is set up and
# vpngw built): two vpngw appliances in network namespaces, a site behind
# each, one VPN connection of two IKEv2 tunnels between them.
#
#   host A ---- vpngw 1 ======== underlay ======== vpngw 2 ---- host B
#   198.51.100.10     203.0.113.1, .11        203.0.113.2      192.0.2.130
#
# The tunnels come up (vpngw 2 plays the customer gateway and starts
# them), host A pings host B 10 times a second, and every 2 s the demo
# prints what each tunnel carried, from vpngw 1's telemetry. At 8 s the
# customer gateway drops tunnel 1 (`tunnel demo/1 down` on vpngw 2's
# console: it deletes the tunnel's SAs) and vpngw 1 moves the traffic to
# tunnel 2; at 18 s the gateway brings tunnel 1 back (it initiates IKE
# again) and the traffic returns to it. It ends by itself after about
# 30 s, with the ping summary, and removes everything it made.
#
#   demo-run.sh VPNGW
. "$(dirname "$0")/../tests/e2e/lib.sh" "$1"

e2e_underlay_direct
e2e_ike_configs demo.tunnel.psk ""
for g in gw1 gw2; do
	sed -i 's|name = "e2e";|name = "demo";|' "$work/$g.conf"
	grep -q 'name = "demo"' "$work/$g.conf" || fail "could not make $g.conf"
done
echo "=== two appliances, a site behind each, one connection of two IKEv2 tunnels"
e2e_start
wait_for 60 "both tunnels up (IKEv2, PSK)" \
	eval '[ "$(grep -c "tunnel demo/.: down -> up" "$work/gw1.log")" -ge 2 ]'
console tunnels 'show tunnels'
sed -n '/^Tunnel/,/^demo\/2/p' "$work/tunnels-console.txt"

# cgw_console NAME LINE...: a session on vpngw 2's console (the customer
# gateway's).
cgw_console() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$work/$name.cmds"
	timeout 60 expect "$(dirname "$0")/../tests/e2e/console.exp" "$G2" admin "" \
		"$work/$name.cmds" >"$work/$name-console.txt" 2>&1 ||
		fail "vpngw 2's console ($name)"
}

# counters: one line of what each tunnel carried (ESP packets out and in
# at vpngw 1) and its state.
counters() {
	printf '%s\n' /vpngw/tunnels |
		timeout 10 dpdk-telemetry.py -f "vpngw-e2e-gw1-$id" 2>/dev/null |
		/usr/bin/python3 -c '
import json, sys
r = [json.loads(l) for l in sys.stdin if l.startswith("{")]
d = r[0]["/vpngw/tunnels"] if r else {}
print("  ".join("%s %-4s out %5d in %5d" % (t, d[t]["state"], d[t]["out_packets"], d[t]["in_packets"])
                for t in ("demo/1", "demo/2") if t in d))'
}

echo "=== host A pings host B, 10 a second, through the tunnels"
ip netns exec "$A" ping -i 0.1 -c 300 -W 1 192.0.2.130 >"$work/ping.txt" 2>&1 &
ping_pid=$!
pids+=($ping_pid)
t0=$SECONDS
while kill -0 "$ping_pid" 2>/dev/null && [ $((SECONDS - t0)) -lt 40 ]; do
	t=$((SECONDS - t0))
	if [ "$t" -ge 8 ] && [ -z "${cut:-}" ]; then
		cut=1
		echo "=== ${t} s: the customer gateway drops tunnel demo/1 (vpngw 2: tunnel demo/1 down)"
		cgw_console cut 'enable' 'tunnel demo/1 down'
	fi
	if [ "$t" -ge 18 ] && [ -z "${back:-}" ]; then
		back=1
		echo "=== ${t} s: the customer gateway brings tunnel demo/1 back (tunnel demo/1 up)"
		cgw_console back 'enable' 'tunnel demo/1 up'
	fi
	printf '%3d s  %s\n' "$t" "$(counters)"
	sleep 2
done
wait "$ping_pid" 2>/dev/null
echo "=== host A's ping"
tail -n 2 "$work/ping.txt"
grep "tunnel demo/" "$work/gw1.log" | sed 's/^/  /'
# Both stopped with SIGINT (each prints its final counters to its log).
stop_pids
echo "=== done: both appliances stopped"
status=0
