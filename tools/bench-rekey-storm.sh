#!/bin/bash
# Rekey storm: N tunnels (N/2 connections) rekey their Child SAs within
# about half a minute while the bundled generator sends through every one
# of them. A benchmark: it prints the rekeys, what the generator lost (by
# sequence number, it must be none) and the gateways' packet rates before,
# during and after the storm; it fails when a packet is lost or dropped,
# or a tunnel carried nothing or kept its Child SA.
#
#   host A (vpngw-gen) -- vpngw 1 ====== N tunnels ====== vpngw 2 -- host B
#   198.51.100.10         outside 203.0.113.1-.NOUT       .101-      (vpngw-gen's
#                                                                     RX port)
# vpngw 1 is the appliance measured: its worker has CPU 1 to itself, its
# control core CPU 0; it starts every tunnel (DH 19, AES-128-GCM) and its
# Child SAs live LIFETIME s (lab), rekeyed MARGIN to 2 x MARGIN s before
# they end (rekey_fuzz 100), i.e. from LIFETIME - 2 MARGIN s on: all of
# them within MARGIN s. vpngw 2 plays every customer gateway (default
# lifetimes: it never rekeys first) on CPU 0, its worker napping while
# idle, beside the generator. Connection k's network is the k-th /28 of
# 169.254.128.0/17, steered over both tunnels (active-active); the
# generator's flows (16 per connection and more) reach both.
#
#   tools/bench-rekey-storm.sh [--build DIR] [--tunnels 1000] [--rate 50000]
#                              [--size 200] [--lifetime 80] [--margin 30]
#   (root; after tools/setup.sh and tools/build.sh; WORKDIR= keeps logs)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build tunnels=1000 rate=50000 size=200 life=80 margin=30
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--tunnels) tunnels=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--lifetime) life=$2; shift 2 ;;
	--margin) margin=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR] [--tunnels N] [--rate PPS] [--size B] [--lifetime S] [--margin S]" >&2
		exit 2 ;;
	esac
done
[ $((tunnels % 2)) = 0 ] && [ "$tunnels" -ge 2 ] && [ "$tunnels" -le 2048 ] ||
	{ echo "bench-rekey-storm: --tunnels must be even, 2 to 2048" >&2; exit 2; }
[ "$margin" -ge 1 ] && [ $((2 * margin)) -le "$life" ] ||
	{ echo "bench-rekey-storm: --margin must be 1 to half the --lifetime" >&2; exit 2; }
vpngw=$build/app/vpngw/vpngw
[ -x "$vpngw" ] || { echo "bench-rekey-storm: no $vpngw (tools/build.sh)" >&2; exit 2; }
. "$root/tests/e2e/lib.sh" "$vpngw" "${WORKDIR:-}"
storm() { /usr/bin/python3 "$root/tools/benchlib/storm.py" "$@"; }

# Outside addresses at either end: NOUT x NOUT pairs hold the tunnels.
nout=2
while [ $((nout * nout)) -lt "$tunnels" ]; do nout=$((nout + 1)); done
[ "$nout" -le 64 ] || fail "too many tunnels for 64 outside addresses"
conns=$((tunnels / 2))

e2e_underlay_direct
gen_attach
storm conf "$work" "$id" "$tunnels" "$nout" "$life" "$margin" || fail "the configurations"
for g in gw1 gw2; do
	"$vpngw" -n "$work/$g.conf" >"$work/$g.check" 2>&1 ||
		{ tail "$work/$g.check"; fail "$g.conf does not check"; }
done
# vpngw 2 first: its customer gateways answer once vpngw 1 starts.
t0=$SECONDS
ip netns exec "$G2" "$vpngw" "$work/gw2.conf" >"$work/gw2.log" 2>&1 &
pids+=($!)
wait_for 120 "vpngw 2 running" grep -q "vpngw: running" "$work/gw2.log"
ip netns exec "$G1" "$vpngw" "$work/gw1.conf" >"$work/gw1.log" 2>&1 &
pids+=($!)
wait_for 120 "vpngw 1 running" grep -q "vpngw: running" "$work/gw1.log"
t_run=$SECONDS
all_up() { [ "$(tel gw1 /vpngw/ike "d['child_up']")" -ge "$tunnels" ] 2>/dev/null; }
wait_for 300 "$tunnels tunnels up" all_up
echo "bench-rekey-storm: $tunnels tunnels up $((SECONDS - t_run)) s after vpngw 1 ran ($((SECONDS - t0)) s with start-up)"

# The generator sends from the first rekey's earliest time on and past
# the last one's latest, and the sampler watches both gateways meanwhile.
secs=$((life - margin + 10))
storm sample "$work" "$id" "$tunnels" $((secs + 6)) >"$work/sample.log" 2>&1 &
spid=$!
pids+=($spid)
# The generator's rings as big as vpngw 2's: it shares CPU 0 too.
AFP="$AFP,framecnt=4096"
gen_start "$work/gen.json" --rate "$rate" --size "$size" --seconds "$secs" \
	--dst 169.254.128.1 --dsts "$conns" --dst-step 16 \
	--flows $((16 * conns + 1)) --drain-ms 2000
wait "$gen_pid" || fail "vpngw-gen: $(cat "$work/gen.json.log")"
wait "$spid" || fail "the sampler: $(cat "$work/sample.log")"
storm report "$work" "$id" "$tunnels" "$size" "$work/gen.json"
rc=$?
stop_pids # (their last counters into the logs)
for g in gw1 gw2; do
	grep "vpngw: IKE:" "$work/$g.log" | sed "s/^/$g: /"
done
[ "$rc" = 0 ] || fail "the storm lost or dropped traffic (above)"
status=0
