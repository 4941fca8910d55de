#!/bin/bash
# Health checks for a static connection: two vpngw with manual keys,
# active/standby, joined through a router namespace (lib.sh:
# e2e_underlay_routed), each probing a host behind the other through both
# tunnels (health_check_target, every 200 ms, 3 misses take a tunnel
# down). Host A pings host B every 20 ms; the test cuts tunnel 1's path in
# the router and prints how long the pings went unanswered (the failover
# time, beside interval x threshold), then heals it and prints how long
# tunnel 1 took to come back and carry the traffic again. Without health
# checks the same cut takes dpd_timeout (30 s, e2e-failover).
#
#   health.sh VPNGW [WORKDIR]
. "$(dirname "$0")/lib.sh" "$@"

INTERVAL=200 THRESHOLD=3
e2e_underlay_routed
e2e_configs
hc() { # hc CONF TARGET: exception path and health checks on; both
	# ends agree on the tunnels' inside /30s (the answers come back
	# to our address in them), as AWS and its CGW do
	sed -i -e 's|^  workers = \[1\];|& exception_iface = "vpngw0";|' \
		-e "s|customer_gateway = \"peer\";|& health_check_target = \"$2\"; health_check_interval = $INTERVAL; health_check_threshold = $THRESHOLD;|" \
		-e 's|tunnels = ( { |&inside_cidr = "169.254.30.0/30"; |' \
		-e 's|; }, { |; }, { inside_cidr = "169.254.31.0/30"; |' \
		"$work/$1.conf"
	grep -q health_check_target "$work/$1.conf" && grep -q exception_iface "$work/$1.conf" &&
		[ "$(grep -o 'inside_cidr = "169.254.3[01].0/30"' "$work/$1.conf" | wc -l)" = 2 ] ||
		fail "$1.conf: $(cat "$work/$1.conf")"
}
hc gw1 192.0.2.130
hc gw2 198.51.100.10
e2e_start

state() { tel "$1" /vpngw/tunnels "d['e2e/$2']['state']"; }
all_up() {
	for g in gw1 gw2; do
		for t in 1 2; do
			[ "$(state $g $t)" = up ] || return 1
		done
	done
}
wait_for 30 "probes answered: both tunnels up on both gateways" all_up
grep -h "e2e/[12]: down -> up" "$work/gw1.log"
n=$(pings 10)
t1=$(sa_packets gw1 0x2001)
echo "before: $n of 10 pings answered; tunnel 1 carried $t1 packets"
[ "$n" -ge 8 ] && [ "${t1:-0}" -ge 8 ] || fail "no traffic through tunnel 1 before the cut"

# gaps PINGLOG CUT: the longest run without an answer from CUT on (ms)
gaps() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import re, sys
cut = float(sys.argv[2])
ts = [float(m.group(1)) for m in re.finditer(r'^\[(\d+\.\d+)\] \d+ bytes from', open(sys.argv[1]).read(), re.M)]
ts = [t for t in ts if t >= cut - 0.1]
if len(ts) < 2:
    print("none")
else:
    print(int(max(b - a for a, b in zip(ts, ts[1:])) * 1000))
PY
}

# 20 s of pings every 20 ms (1000 at most); the cut 2 s in.
ip netns exec "$A" ping -D -c 1000 -i 0.02 -W 1 192.0.2.130 >"$work/ping-cut.txt" 2>&1 &
ping_pid=$!
pids+=($ping_pid)
sleep 2
ip -n "$U" route add blackhole 203.0.113.1/32 || fail "route blackhole"
ip -n "$U" rule add from 203.0.113.1 table 100 prio 100 || fail "ip rule"
ip -n "$U" route add blackhole default table 100 || fail "route table 100"
cut=$(date +%s.%N)
t1_down() { [ "$(state "$1" 1)" = down ]; }
wait_for 10 "vpngw 1 takes tunnel 1 down" t1_down gw1
wait_for 10 "vpngw 2 takes tunnel 1 down" t1_down gw2
sleep 3
gap=$(gaps "$work/ping-cut.txt" "$cut")
echo "failover: pings unanswered for $gap ms after the cut (health checks every $INTERVAL ms, $THRESHOLD misses: $((INTERVAL * THRESHOLD)) ms, then steering)"
grep -h "e2e/1: up -> down" "$work/gw1.log" "$work/gw2.log"
grep -q "e2e/1: up -> down (health check: 192.0.2.130 did not answer)" "$work/gw1.log" ||
	fail "vpngw 1 did not say the health check took tunnel 1 down"
[ "$gap" != none ] && [ "$gap" -lt 5000 ] ||
	fail "traffic did not fail over by health check (gap $gap ms; DPD alone takes 30 s)"
# What the operator sees: show health (Debian's telnet under expect).
console health 'show health' 'show health json'
[ "$(tel gw1 /vpngw/health "d['e2e/1']['state'] + ' ' + d['e2e/2']['state']")" = "down up" ] ||
	fail "telemetry /vpngw/health: $(tel gw1 /vpngw/health "d")"
sed -n '/show health$/,/show health json$/p' "$work/health-console.txt"
grep -Eq "^e2e/1 +192\.0\.2\.130 +$INTERVAL +$THRESHOLD +fail .* down \(health check: 192\.0\.2\.130 did not answer\)" \
	"$work/health-console.txt" || fail "show health: tunnel 1 is not down by its health check"
grep -Eq "^e2e/2 +192\.0\.2\.130 +$INTERVAL +$THRESHOLD +ok .* up " "$work/health-console.txt" ||
	fail "show health: tunnel 2 is not up"
grep -q '"tunnel": "e2e/1", "target": "192.0.2.130", "interval_ms": 200, "threshold": 3, "probes_ok": false' \
	"$work/health-console.txt" || fail "show health json"
pings_carried "failed over (tunnel 2)" 0x2002 8

# Healed: probes answered again bring tunnel 1 back, traffic returns.
ip -n "$U" route del blackhole 203.0.113.1/32
ip -n "$U" rule del from 203.0.113.1 table 100 prio 100
healed=$SECONDS
both1() { [ "$(state gw1 1)" = up ] && [ "$(state gw2 1)" = up ]; }
wait_for 15 "tunnel 1 up again on both gateways" both1
echo "repair: tunnel 1 back after about $((SECONDS - healed)) s ($THRESHOLD answers in a row)"
pings_carried "healed (tunnel 1)" 0x2001 8
kill "$ping_pid" 2>/dev/null
status=0
echo "ok: health checks fail a static connection over in $gap ms and back"
