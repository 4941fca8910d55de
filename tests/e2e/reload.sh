#!/bin/bash
# Routes change while vpngw forwards: SIGHUP makes vpngw read its file
# again and publish a new FIB to the workers (RCU). Two vpngw over a direct
# underlay (lib.sh); host A pings host B through vpngw 1's static route
# 192.0.2.128/25. The route is narrowed so that B falls outside it (pings
# fail, counted as no_route), then put back (pings pass); a file with an
# error changes nothing, and the pings keep passing.
#
#   reload.sh VPNGW [WORKDIR]
. "$(dirname "$0")/lib.sh" "$@"

e2e_underlay_direct
e2e_configs
e2e_start
gw1=${pids[0]}

hup() { # hup MESSAGE: SIGHUP vpngw 1, wait for MESSAGE in its log
	local before
	before=$(grep -c "vpngw: reload:" "$work/gw1.log")
	kill -HUP "$gw1"
	for _ in $(seq 1 50); do
		[ "$(grep -c "vpngw: reload:" "$work/gw1.log")" -gt "$before" ] && break
		sleep 0.1
	done
	grep "vpngw: reload:" "$work/gw1.log" | tail -1 | grep -q "$1" ||
		fail "reload did not say '$1'"
}

pings 3 >/dev/null # the first ones resolve the next hops (ARP)
n=$(pings 5)
echo "route 192.0.2.128/25: $n of 5 pings answered"
[ "$n" -ge 4 ] || fail "no traffic before the reload"

sed -i 's|static_routes = \["192.0.2.128/25"\]|static_routes = ["192.0.2.0/26"]|' "$work/gw1.conf"
hup "applied"
before=$(tel gw1 /vpngw/stats "d['no_route']")
n=$(pings 5)
after=$(tel gw1 /vpngw/stats "d['no_route']")
echo "route 192.0.2.0/26: $n of 5 pings answered, no_route $before -> $after"
[ "$n" -eq 0 ] && [ "$((after - before))" -ge 5 ] ||
	fail "the narrowed route still carried host B's traffic"

sed -i 's|static_routes = \["192.0.2.0/26"\]|static_routes = ["192.0.2.128/25"]|' "$work/gw1.conf"
hup "applied"
n=$(pings 5)
echo "route 192.0.2.128/25 again: $n of 5 pings answered"
[ "$n" -ge 4 ] || fail "the route did not come back"

# A broken file changes nothing; traffic keeps flowing meanwhile.
cp "$work/gw1.conf" "$work/gw1.good"
echo "vpn_connections = oops;" >>"$work/gw1.conf"
ip netns exec "$A" ping -c 15 -i 0.2 -W 1 192.0.2.130 >"$work/ping-during.log" 2>&1 &
pinger=$!
sleep 1
hup "nothing changed"
wait "$pinger"
n=$(grep -c "bytes from 192.0.2.130" "$work/ping-during.log")
echo "during a reload of a broken file: $n of 15 pings answered"
[ "$n" -ge 13 ] || fail "a broken file disturbed the traffic"
grep -q "gw1.conf:[0-9]*: error" "$work/gw1.log" || fail "the error was not reported at its line"

cleanup
echo "ok: SIGHUP publishes new routes while vpngw forwards"
exit 0
