#!/bin/bash
# Dynamic routing end to end: a BGP connection whose customer gateway is
# strongSwan (both tunnels, ESP in UDP) with a BGP speaker that is not
# FRR (BIRD 2; CGW_SPEAKER=frr: FRR with a 4-byte ASN). vpngw starts its
# own FRR (zebra, bgpd) from its configuration. Shown here: both sessions
# Established over the tunnels' ESP; the CGW learns inside_networks;
# vpngw learns the CGW's prefixes (routes with source bgp over both
# tunnels), installs them and forwards to them; a session that goes down
# takes its tunnel's paths out and traffic stays on the other; both down:
# the route is gone; back: traffic flows again. With BIRD also: AS_PATH
# prepended on session 1 moves traffic to tunnel 2 (counted in vpngw's
# per-tunnel ESP packets); 101 more prefixes than the maximum take
# session 1 down (logged, Idle/PfxCt) while session 2 stays up and
# carries the traffic; clear bgp brings it back. The CGW's BGP is set
# up from vpngw's own export of it: FRR runs the "frr" export as it is,
# BIRD is written from the values of the "generic" one.
#
#   host A ---- vpngw 1 (FRR) ==== underlay ==== charon + BIRD (G2) ---- host B
#   198.51.100.10                                  169.254.20.2, .21.2  192.0.2.130
#
#   bgp.sh VPNGW [WORKDIR]
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/swan.sh"
. "$(dirname "$0")/bgp_lib.sh"

# With FRR the connection names the CGW's networks: its exported FRR
# configuration announces them (BIRD: any network, the default).
if [ "$speaker" = frr ]; then
	bgp_setup 'remote_networks = ["192.0.2.128/25"];'
else
	bgp_setup
fi
bgp_start
grep -E "BGP: FRR (zebra|bgpd) started|route feed connected" "$work/gw1.log"
grep "BGP dc/" "$work/gw1.log"
learned() { [ "$(cgw_has_inside_networks)" -ge 2 ]; }
wait_for 30 "the CGW learned 198.51.100.0/24 over both sessions" learned
wait_for 30 "vpngw: 192.0.2.128/25 from BGP over both tunnels" route_both
echo "vpngw routes: $(tel gw1 /vpngw/routes "[(r['prefix'], r['type'], r['tunnels'], r['via']) for r in d.values() if isinstance(r, dict)]")"
ip -n "$G1" route show proto bgp | grep -q "192.0.2.128/25" ||
	fail "zebra did not install 192.0.2.128/25 in vpngw's namespace"
n=$(pings 10)
echo "ping host A -> host B over the BGP route: $n of 10"
[ "$n" -ge 8 ] || fail "ping over the BGP route: $n of 10"

# Equal paths over both tunnels: many flows are spread over both (the
# flow hash), each tunnel's ESP counts its share.
ip netns exec "$B" iperf3 -s -B 192.0.2.130 -1 >"$work/iperf3-server.log" 2>&1 &
pids+=($!)
iperf3_ready "$B"
a1=$(esp_out 1) a2=$(esp_out 2)
ip netns exec "$A" timeout 30 iperf3 -c 192.0.2.130 -u -b 200K -l 200 -P 16 -t 3 \
	>"$work/iperf3-spread.txt" 2>&1 || fail "iperf3 (16 flows)"
b1=$(esp_out 1) b2=$(esp_out 2)
echo "16 UDP flows over equal paths: tunnel 1 carried $((b1 - a1)) packets, tunnel 2 $((b2 - a2))"
[ $((b1 - a1)) -ge 100 ] && [ $((b2 - a2)) -ge 100 ] ||
	fail "equal paths did not spread flows over both tunnels"

# The console, as an operator sees it (Debian's telnet under expect).
console bgp 'show bgp summary' 'show ip route' 'show bgp neighbors dc/1' \
	'show bgp summary json' 'enable' 'clear bgp dc/2'
sed -n '/show bgp summary$/,/show ip route$/p' "$work/bgp-console.txt"
grep -Eq "^dc/1 +169\.254\.20\.2 +169\.254\.20\.1 +$cgw_asn +Established" "$work/bgp-console.txt" ||
	fail "show bgp summary: dc/1 not Established"
grep -Eq "^bgp +192\.0\.2\.128/25 +yes +dc/1 and dc/2 \(flow hash\)" "$work/bgp-console.txt" ||
	fail "show ip route: no BGP route over both tunnels"
grep -q "BGP state = Established" "$work/bgp-console.txt" ||
	fail "show bgp neighbors dc/1: not bgpd's detail"
# dc/1's session only (the word after neighbors names one).
grep -q "BGP neighbor is 169.254.20.2" "$work/bgp-console.txt" &&
	! grep -q "BGP neighbor is 169.254.21.2" "$work/bgp-console.txt" ||
	fail "show bgp neighbors dc/1: not dc/1's session alone"
grep -q '"tunnel": "dc/2", "neighbor": "169.254.21.2"' "$work/bgp-console.txt" ||
	fail "show bgp summary json"
grep -q "BGP session dc/2 reset" "$work/bgp-console.txt" || fail "clear bgp dc/2"
echo "ok: console: show bgp summary, show ip route, show bgp neighbors, clear bgp"
# Telemetry says the same.
tel_ok() {
	[ "$(tel gw1 /vpngw/bgp "d['sessions']['dc/1']['state'] + ' ' + str(d['feed']) + ' ' + str(d['fib_routes'] >= 4)")" = "Established 1 True" ]
}
wait_for 10 "telemetry /vpngw/bgp: dc/1 Established, the feed up, the routes in the FIB" tel_ok
back2() { [ "$(grep -c "BGP dc/2 .*-> Established" "$work/gw1.log")" -ge 2 ]; }
wait_for 60 "dc/2 Established again after clear bgp" back2
wait_for 30 "192.0.2.128/25 over both tunnels again" route_both

# Session 1 down at the CGW: its paths leave, tunnel 2 carries on.
cgw_session 1 down
route_t2() { [ "$(gw_route)" = "bgp 2" ]; }
wait_for 30 "session 1 down: 192.0.2.128/25 over tunnel 2 only" route_t2
n=$(pings 10)
echo "session 1 down: $n of 10 over tunnel 2"
[ "$n" -ge 8 ] || fail "tunnel 2 alone: $n of 10"
# Both down: no route; traffic is dropped as no_route, not black-holed
# into a tunnel.
cgw_session 2 down
route_none() { [ "$(gw_route)" = "none" ]; }
wait_for 30 "both sessions down: 192.0.2.128/25 withdrawn" route_none
n=$(pings 3)
[ "$n" = 0 ] || fail "pings answered with no route: $n"
# Back.
cgw_session 1 up
cgw_session 2 up
wait_for 90 "both sessions back: 192.0.2.128/25 over both tunnels" route_both
n=$(pings 10)
echo "sessions back: $n of 10"
[ "$n" -ge 8 ] || fail "after the sessions came back: $n of 10"
grep -E "BGP (dc|:)" "$work/gw1.log" | tail -n 12

if [ "$speaker" = bird ]; then
	# AS_PATH prepended on session 1: bgpd prefers tunnel 2; traffic
	# takes it; without the prepend, both again.
	bird_reconf 2 0
	route_t2_only() { [ "$(gw_route)" = "bgp 2" ]; }
	wait_for 60 "session 1 prepends twice: 192.0.2.128/25 prefers tunnel 2" route_t2_only
	a1=$(esp_out 1) a2=$(esp_out 2)
	n=$(pings 10)
	b1=$(esp_out 1) b2=$(esp_out 2)
	echo "prepend on tunnel 1: $n of 10 answered; ESP out tunnel 1 +$((b1 - a1)), tunnel 2 +$((b2 - a2))"
	[ "$n" -ge 8 ] && [ $((b2 - a2)) -ge 8 ] && [ $((b1 - a1)) -le 2 ] ||
		fail "the prepend did not move traffic to tunnel 2"
	bird_reconf 0 0
	wait_for 60 "no prepend: 192.0.2.128/25 over both tunnels" route_both

	# Past the maximum on session 1: it goes down (logged, PfxCt),
	# session 2 and its routes stay; back with clear bgp.
	drops2=$(grep -c "BGP dc/2 .*Established ->" "$work/gw1.log")
	bird_reconf 0 1
	pfxct() { grep -q "BGP dc/1 (169.254.20.2): more than 100 prefixes" "$work/gw1.log"; }
	wait_for 60 "101 more prefixes on session 1: vpngw says it is over its maximum" pfxct
	grep "more than 100 prefixes" "$work/gw1.log"
	wait_for 30 "session 1 down, its paths gone: 192.0.2.128/25 over tunnel 2" route_t2
	console bgp2 'show bgp summary'
	grep -E "^dc/[12] " "$work/bgp2-console.txt"
	grep -Eq "^dc/1 .* Idle \(PfxCt\) " "$work/bgp2-console.txt" ||
		fail "show bgp summary: dc/1 is not Idle (PfxCt)"
	grep -Eq "^dc/2 .* Established " "$work/bgp2-console.txt" ||
		fail "show bgp summary: dc/2 is not Established"
	[ "$(grep -c "BGP dc/2 .*Established ->" "$work/gw1.log")" = "$drops2" ] ||
		fail "session 2 went down with session 1's overflow"
	n=$(pings 10)
	echo "session 1 over its maximum: $n of 10 over tunnel 2"
	[ "$n" -ge 8 ] || fail "tunnel 2 while session 1 is over its maximum: $n of 10"
	bird_reconf 0 0
	console bgp3 'enable' 'clear bgp dc/1'
	wait_for 60 "back under the maximum and cleared: both tunnels again" route_both

	# Changes while running reach bgpd as differences: a new maximum
	# resets no session; the CGW's AS changed remakes its sessions
	# whole (BIRD then refuses them: its AS is still the old one), and
	# changed back brings them up with every setting they had.
	resets=$(grep -c "BGP dc/[12] .*Established ->" "$work/gw1.log")
	console bgp4 'enable' 'configure' 'connection dc' 'set bgp_max_prefixes 50' 'commit' 'end' 'show bgp neighbors dc/2'
	grep -q "Maximum prefixes allowed 50" "$work/bgp4-console.txt" ||
		fail "bgp_max_prefixes 50 did not reach bgpd: $(grep -i maximum "$work/bgp4-console.txt")"
	sleep 3
	[ "$(grep -c "BGP dc/[12] .*Established ->" "$work/gw1.log")" = "$resets" ] ||
		fail "a new maximum reset a session"
	echo "ok: bgp_max_prefixes changed while running; no session reset"
	grep "BGP: configuration changed" "$work/gw1.log" | tail -n 1
	console bgp5 'enable' 'configure' 'customer-gateway cgw' 'set bgp_asn 65011' 'commit' 'end'
	wait_for 60 "the CGW's AS changed: sessions made again, refused by BIRD, routes gone" route_none
	grep "BGP: configuration changed" "$work/gw1.log" | tail -n 1
	console bgp6 'enable' 'configure' 'customer-gateway cgw' 'set bgp_asn 65010' 'commit' 'end'
	birdc -s "$work/cgw-bird.ctl" restart aws1 >/dev/null # out of its error wait
	birdc -s "$work/cgw-bird.ctl" restart aws2 >/dev/null
	wait_for 90 "the AS back: both sessions again, both tunnels" route_both
	console bgp7 'show bgp neighbors dc/1'
	grep -q "Maximum prefixes allowed 50" "$work/bgp7-console.txt" &&
		grep -q "vpngw-in-dc" "$work/bgp7-console.txt" &&
		grep -q "vpngw-ours" "$work/bgp7-console.txt" ||
		fail "the session made again lost its settings: $(grep -iE "maximum|prefix filter|list" "$work/bgp7-console.txt")"
	echo "ok: the remade session kept its maximum and its prefix lists"
	birdc -s "$work/cgw-bird.ctl" down >/dev/null
fi
swan_gw_stop
for d in zebra bgpd; do
	p=$(cat "$work/gw1.state/frr/$d.pid" 2>/dev/null)
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null &&
		fail "FRR $d (pid $p) still runs after vpngw stopped"
done
echo "ok: vpngw stopped its FRR"
status=0
echo "PASS"
