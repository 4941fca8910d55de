#!/bin/bash
# Failover of a BGP connection, measured: vpngw and a customer gateway of
# strongSwan and BIRD 2 (tests/e2e/bgp_lib.sh). Host A pings host B every
# 20 ms; tunnel 1's underlay is cut at the CGW (its ESP-in-UDP dropped
# both ways). Printed: how many ms until vpngw's route to the CGW's
# network uses tunnel 2 alone, how long the pings went unanswered (that
# also needs the CGW's own failover, here strongSwan's DPD), and after
# the repair how long until both tunnels carry it again. First without
# BFD: the hold timer (30 s, counted from the last keepalive) or IKE's
# DPD (dpd_timeout 30 s) moves it; then with BFD turned on from the
# console (bgp_bfd, 300 ms x 3: vpngw starts FRR's bfdd) and on BIRD:
# BFD, bgpd's withdrawal, zebra's FPM, the RIB and a new FIB move it.
#
#   bgp_failover.sh VPNGW [WORKDIR]
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/swan.sh"
. "$(dirname "$0")/bgp_lib.sh"

# charon's own DPD (2 s, then 3 tries) clears a dead Child SA, so that
# its answers find the other tunnel, and tries the tunnel again (restart)
# so that it comes back after the repair.
SWAN_DPD=2 SWAN_DPD_ACTION=restart SWAN_TRIES=2
export SWAN_DPD SWAN_DPD_ACTION SWAN_TRIES
BIRD_BFD=0
bgp_setup
bgp_start
wait_for 30 "192.0.2.128/25 over both tunnels" route_both
frr_vty() { vtysh --vty_socket "$work/gw1.state/frr" -c "$*"; }
bfd_up() { [ "$(frr_vty 'show bfd peers' 2>/dev/null | grep -c 'Status: up')" = 2 ]; }

now() { date +%s.%N; }
ms_since() { /usr/bin/python3 -c "import sys, time; print(int((time.time() - float(sys.argv[1])) * 1000))" "$1"; }
cut() { # tunnel 1's ESP in UDP, dropped both ways in the CGW's namespace
	ip netns exec "$G2" nft -f - <<'NFT' || fail "nft"
table inet cut {
	chain in { type filter hook input priority 0; ip saddr 203.0.113.1 drop; }
	chain out { type filter hook output priority 0; ip daddr 203.0.113.1 drop; }
}
NFT
}
heal() { ip netns exec "$G2" nft delete table inet cut; }
route_t2() { [ "$(gw_route)" = "bgp 2" ]; }
# gap PINGLOG CUT: the longest time without an answer from CUT on (ms)
gap() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import re, sys
cut = float(sys.argv[2])
ts = [float(m.group(1)) for m in re.finditer(r'^\[(\d+\.\d+)\] \d+ bytes from', open(sys.argv[1]).read(), re.M)]
ts = [t for t in ts if t >= cut - 0.1]
print(int(max(b - a for a, b in zip(ts, ts[1:])) * 1000) if len(ts) > 1 else "none")
PY
}

# measure NAME LIMIT: cut, time the route's move (within LIMIT s) and
# the pings' gap, heal, time the return.
measure() {
	local name=$1 limit=$2 t0 moved back
	ip netns exec "$A" ping -D -c $(((limit + 25) * 50)) -i 0.02 -W 1 192.0.2.130 \
		>"$work/ping-$name.txt" 2>&1 &
	local ping=$!
	pids+=($ping)
	sleep 2
	t0=$(now)
	cut
	for _ in $(seq 1 $((limit * 20))); do
		route_t2 && break
		sleep 0.05
	done
	route_t2 || fail "$name: the route did not leave tunnel 1 within $limit s"
	moved=$(ms_since "$t0")
	sleep 15 # the CGW's side (strongSwan's DPD) and the pings settle
	echo "failover ($name): vpngw used tunnel 2 alone $moved ms after the cut; pings unanswered for $(gap "$work/ping-$name.txt" "$t0") ms (the CGW's return path included)"
	t0=$(now)
	heal
	wait_for 60 "$name: tunnel 1 back in the route" route_both
	back=$(ms_since "$t0")
	echo "repair ($name): both tunnels in the route again $back ms after the repair"
	kill "$ping" 2>/dev/null
	wait "$ping" 2>/dev/null
	eval "moved_$name=$moved"
}

# Without BFD first: the hold timer (or IKE's DPD) moves the route.
sleep 5
measure hold 45
grep -E "tunnel dc/1: up -> down|BGP dc/1 .*Established -> " "$work/gw1.log" | tail -n 2

# BFD on, from the console (vpngw starts bfdd) and on the CGW's BIRD.
console bfd 'enable' 'configure' 'connection dc' 'set bgp_bfd true' \
	'set bfd_interval 300' 'set bfd_multiplier 3' 'commit' 'end'
grep -q "applied" "$work/bfd-console.txt" || fail "bgp_bfd true: $(cat "$work/bfd-console.txt")"
BIRD_BFD=1 bird_reconf 0 0
wait_for 30 "vpngw started bfdd" grep -q "BGP: FRR bfdd started" "$work/gw1.log"
wait_for 60 "vpngw's bfdd: both BFD sessions up" bfd_up
wait_for 60 "both sessions, both tunnels (with BFD)" route_both
measure bfd 10
[ "$moved_bfd" -lt 5000 ] ||
	fail "with BFD (300 ms x 3) the move took $moved_bfd ms"
echo "without BFD: $moved_hold ms (BGP hold 30 s, IKE dpd_timeout 30 s); with BFD: $moved_bfd ms"
birdc -s "$work/cgw-bird.ctl" down >/dev/null
status=0
echo "ok: BGP failover measured: BFD $moved_bfd ms, hold timer $moved_hold ms"
