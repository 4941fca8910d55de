#!/bin/bash
# BGP at scale, as a benchmark that prints figures (not a test): vpngw
# with one BGP connection to a customer gateway of strongSwan and BIRD 2
# (tests/e2e/bgp_lib.sh, in network namespaces of its own), which
# announces ROUTES more prefixes (/32s of 169.254.64.0/18) over both
# sessions. Printed:
#   - how long the ROUTES take from the CGW's announcement until all are
#     in the workers' FIB (vpngw's telemetry: /vpngw/bgp fib_routes), and
#     how many FIBs were published meanwhile;
#   - FLAPS full swaps (every route withdrawn, then announced again, each
#     a FIB rebuilt and published with RCU) while the bundled generator
#     (vpngw-gen, playing host A and host B) sends UDP through the
#     tunnels on a route that stays: the datagrams it lost, by sequence
#     number, and what vpngw itself dropped (no_route, tunnel_down);
#   - vpngw's resident memory before and after.
#
#   tools/bench-bgp.sh [ROUTES] [FLAPS]    (root; after tools/setup.sh and
#                                          tools/build.sh; VPNGW= another
#                                          binary, WORKDIR= keep the logs)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
ROUTES=${1:-10000}
FLAPS=${2:-3}
vpngw=${VPNGW:-$root/build/app/vpngw/vpngw}
[ -x "$vpngw" ] || { echo "bench-bgp: no $vpngw (tools/build.sh build)"; exit 2; }
[ "$ROUTES" -ge 1 ] && [ "$ROUTES" -le 16384 ] ||
	{ echo "bench-bgp: ROUTES is 1 to 16384"; exit 2; }
. "$root/tests/e2e/lib.sh" "$vpngw" "${WORKDIR:-}"
. "$root/tests/e2e/swan.sh"
. "$root/tests/e2e/bgp_lib.sh"

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$gw_pid/status"; }
fib() { tel gw1 /vpngw/bgp "str(d['fib_routes']) + ' ' + str(d['fib_published'])"; }
drops() { tel gw1 /vpngw/stats "d['no_route'] + d['tunnel_down']"; }
now() { date +%s.%N; }
elapsed_ms() { /usr/bin/python3 -c "import sys; print(int((float(sys.argv[2]) - float(sys.argv[1])) * 1000))" "$1" "$2"; }

# until_fib N SECONDS: until the FIB holds N routes; its "routes published"
until_fib() {
	local want=$1 limit=$2 t0=$SECONDS f
	while [ $((SECONDS - t0)) -lt "$limit" ]; do
		f=$(fib)
		[ "${f%% *}" = "$want" ] && { echo "$f"; return 0; }
		sleep 0.05
	done
	fail "the FIB did not reach $want routes in $limit s (it has ${f:-?})"
}

bgp_setup "bgp_max_prefixes = 20000;"
bgp_start
wait_for 30 "192.0.2.128/25 over both tunnels" route_both
read -r base pub0 <<<"$(fib)"
rss0=$(rss_kb)
echo "bench-bgp: before: FIB $base routes, vpngw RSS $rss0 kB"

# 1. ROUTES learned.
t0=$(now)
bird_reconf 0 0 "$ROUTES"
read -r _ pub1 <<<"$(until_fib $((base + ROUTES)) 120)"
t1=$(now)
learn_ms=$(elapsed_ms "$t0" "$t1")
echo "bench-bgp: $ROUTES routes from the CGW's announcement to the workers' FIB: $learn_ms ms ($((pub1 - pub0)) FIBs published meanwhile)"
rss1=$(rss_kb)

# 2. Full swaps under traffic.
# The bundled generator as both hosts: 1,000 datagrams a second of 200
# bytes in 16 flows (over both tunnels), counted back by sequence number.
gen_attach
d0=$(drops)
secs=$((10 + FLAPS * 20))
gen_start "$work/gen-flaps.json" --rate 1000 --size 200 --flows 16 \
	--seconds "$secs" --drain-ms 2000
sleep 3
swaps=""
for i in $(seq 1 "$FLAPS"); do
	t0=$(now)
	bird_reconf 0 0 0
	until_fib "$base" 60 >/dev/null
	t1=$(now)
	bird_reconf 0 0 "$ROUTES"
	read -r _ pub <<<"$(until_fib $((base + ROUTES)) 120)"
	t2=$(now)
	swaps="$swaps withdrawn $(elapsed_ms "$t0" "$t1") ms / back $(elapsed_ms "$t1" "$t2") ms;"
done
pub2=$pub
wait "$gen_pid"
sent=$(gen_field "$work/gen-flaps.json" sent)
lost=$(gen_field "$work/gen-flaps.json" lost)
[ -n "$sent" ] && [ -n "$lost" ] ||
	fail "vpngw-gen printed no figures: $(cat "$work/gen-flaps.json" "$work/gen-flaps.json.log")"
d1=$(drops)
rss2=$(rss_kb)
echo "bench-bgp: $FLAPS full swaps of $ROUTES routes:$swaps $((pub2 - pub1)) FIBs published"
echo "bench-bgp: under them vpngw-gen sent $sent datagrams on 192.0.2.128/25 (received $(gen_field "$work/gen-flaps.json" received)) and lost $lost (reordered $(gen_field "$work/gen-flaps.json" reordered), duplicated $(gen_field "$work/gen-flaps.json" duplicates)); vpngw dropped $((d1 - d0)) (no_route + tunnel_down)"
echo "bench-bgp: vpngw RSS: $rss0 kB before, $rss1 kB with $ROUTES routes, $rss2 kB after the swaps"
status=0
