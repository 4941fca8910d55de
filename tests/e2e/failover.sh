#!/bin/bash
# Failover: two vpngw with manual keys, active/standby, joined through a
# router namespace (lib.sh: e2e_underlay_routed). Host A pings host B over
# tunnel 1; the test cuts tunnel 1's path in the router (both directions of
# 203.0.113.1 <-> 203.0.113.130; tunnel 2 from 203.0.113.11 is untouched).
# Both gateways hear nothing on tunnel 1 for its dpd_timeout (30 s, AWS's
# least), mark it down, and the pings go over tunnel 2. With the path back,
# the keepalives (dummy ESP packets) bring tunnel 1 up again and traffic
# returns to it.
#
#   failover.sh VPNGW [WORKDIR]
. "$(dirname "$0")/lib.sh" "$@"

e2e_underlay_routed
e2e_configs
e2e_start

state() { # state GW TUNNEL: up or down, as telemetry says
	tel "$1" /vpngw/tunnels "d['e2e/$2']['state']"
}
wait_state() { # wait_state GW TUNNEL STATE SECONDS
	for _ in $(seq 1 "$4"); do
		[ "$(state "$1" "$2")" = "$3" ] && return 0
		sleep 1
	done
	return 1
}
# Before: traffic takes tunnel 1 (its outbound SA on vpngw 1 is 0x2001).
n=$(pings 10)
echo "before: $n of 10 pings answered"
[ "$n" -ge 7 ] || fail "no traffic through tunnel 1 before the cut"
t1=$(sa_packets gw1 0x2001)
t2=$(sa_packets gw1 0x2002)
echo "before: vpngw 1 sent $t1 packets on tunnel 1, $t2 on tunnel 2"
[ "${t1:-0}" -ge 7 ] && [ "${t2:-99}" -le 3 ] ||
	fail "active/standby did not prefer tunnel 1"

# Cut tunnel 1's path in the underlay, both ways.
ip -n "$U" route add blackhole 203.0.113.1/32 || fail "route blackhole"
ip -n "$U" rule add from 203.0.113.1 table 100 prio 100 || fail "ip rule"
ip -n "$U" route add blackhole default table 100 || fail "route table 100"
cut=$(date +%s)
echo "cut tunnel 1's path at $(date +%T)"
wait_state gw1 1 down 45 || fail "vpngw 1 never took tunnel 1 down"
took=$(($(date +%s) - cut))
echo "vpngw 1: tunnel 1 down after ${took} s (dpd_timeout 30 s)"
[ "$took" -ge 25 ] || fail "tunnel 1 went down too early (${took} s)"
wait_state gw2 1 down 10 || fail "vpngw 2 never took tunnel 1 down"
[ "$(state gw1 2)" = up ] || fail "tunnel 2 is not up"

# After: the same pings go over tunnel 2.
pings_carried "failed over (tunnel 2)" 0x2002 7

# Back: the path heals, keepalives bring tunnel 1 up, traffic returns.
ip -n "$U" route del blackhole 203.0.113.1/32
ip -n "$U" rule del from 203.0.113.1 table 100 prio 100
wait_state gw1 1 up 25 || fail "tunnel 1 did not come back up"
wait_state gw2 1 up 15 || fail "tunnel 1 did not come back up on vpngw 2"
pings_carried "healed (tunnel 1)" 0x2001 7

cleanup
grep -h "tunnel e2e/1:" "$work/gw1.log" "$work/gw2.log"
grep -q "tunnel e2e/1: up -> down" "$work/gw1.log" &&
	grep -q "tunnel e2e/1: down -> up" "$work/gw1.log" ||
	fail "the state changes were not logged"
echo "ok: active/standby fails over to tunnel 2 and back"
exit 0
