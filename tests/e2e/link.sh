#!/bin/bash
# Link state: two vpngw with manual keys through a router namespace
# (lib.sh: e2e_underlay_routed). The router sets its end of vpngw 1's
# outside veth down: the carrier of vpngw 1's outside port goes (af_packet
# over g1out), and vpngw 1 takes both tunnels down at once (lib/health's
# LINK source), not after dpd_timeout (30 s); `show interfaces` says the
# link is down and counts the change. With the link back, the tunnels
# come up again and pings pass through tunnel 1 as before.
#
#   link.sh VPNGW [WORKDIR]
. "$(dirname "$0")/lib.sh" "$@"

e2e_underlay_routed
e2e_configs
e2e_start

field() { # field GW TUNNEL KEY: a tunnel's KEY, as telemetry says
	tel "$1" /vpngw/tunnels "d['e2e/$2']['$3']"
}
both() { # both GW STATE: both of GW's tunnels are STATE
	[ "$(field "$1" 1 state)" = "$2" ] && [ "$(field "$1" 2 state)" = "$2" ]
}
wait_for 30 "both tunnels up on vpngw 1" both gw1 up
n=$(pings 10)
echo "before: $n of 10 pings answered"
[ "$n" -ge 7 ] || fail "no traffic through the tunnels before the link went down"

# The router's end down: vpngw 1's outside veth loses its carrier.
ip -n "$U" link set u1 down || fail "u1 down"
t0=$(date +%s%N)
wait_for 10 "vpngw 1: both tunnels down with the link" both gw1 down
took=$((($(date +%s%N) - t0) / 1000000))
echo "vpngw 1: tunnels down ${took} ms after the link (dpd_timeout 30 s)"
why=$(field gw1 1 last_change)
[ "$why" = "port outside: link down" ] || fail "tunnel 1's reason: '$why'"
grep -q "vpngw: port outside: link down (g1out's carrier)" "$work/gw1.log" ||
	fail "the link change was not logged"
console linkdown "show interfaces" "show interfaces json"
grep -q "^outside (outside) is down" "$work/linkdown-console.txt" &&
	grep -q "^  link down; 1 change, the last [0-9]* s ago (polled every 250 ms; carrier of g1out)" \
		"$work/linkdown-console.txt" &&
	grep -q "^  driver net_af_packet, device net_af_packet10, NUMA node [0-9a-z]*, 1 RX and 1 TX queues$" "$work/linkdown-console.txt" ||
	{ cat "$work/linkdown-console.txt"; fail "show interfaces: outside's link not shown down"; }
grep -q '"name": "outside", .*"link": false, .*"link_changes": 1, .*"carrier_of": "g1out", "driver": "net_af_packet"' \
	"$work/linkdown-console.txt" || fail "show interfaces json"
echo "ok: show interfaces says the outside link is down (1 change)"
n=$(pings 5)
echo "link down: $n of 5 pings answered"
[ "$n" -eq 0 ] || fail "pings answered with the outside link down"

# Back up: the tunnels follow, traffic returns to tunnel 1.
ip -n "$U" link set u1 up || fail "u1 up"
wait_for 30 "vpngw 1: both tunnels up with the link" both gw1 up
grep -q "vpngw: port outside: link up (g1out's carrier)" "$work/gw1.log" ||
	fail "the link coming back was not logged"
pings_carried "link back (tunnel 1)" 0x2001 7

cleanup
grep -h "tunnel e2e/.:\|link" "$work/gw1.log"
echo "ok: the outside link takes the tunnels down and back up"
exit 0
