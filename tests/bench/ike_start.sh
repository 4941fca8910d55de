#!/bin/bash
# tools/bench-ike-start.sh at a small size: 100 tunnels (50 connections)
# come up from a cold start against ike-load's customer gateways (more
# than the 64 setups vpngw lets wait for an answer at once, so some wait
# for a place), and the report has its figures: the times and the memory
# a tunnel takes. The figures themselves are not judged.
#
#   ike_start.sh SRC BUILD
. "$(dirname "$0")/lib.sh" "$@"
bench_run bench-ike-start --tunnels 100 --seconds 120
grep -q "ike-load: answered 100 tunnels, DH group 19: 100 up" "$out" ||
	fail "not every tunnel came up"
paced=$(grep -o "init_paced [0-9]*" "$out" | awk '{print $2}')
echo "vpngw: ${paced:-none} setups waited for a place"
[ "${paced:-0}" -gt 0 ] || fail "100 tunnels started without any waiting for a place"
grep -Eq "first INIT -> all 100 up +[0-9.]+ s \([0-9]+ tunnels/s\)" "$out" ||
	fail "no start-up time"
grep -Eq "per tunnel configured [0-9.]+ KiB, per tunnel up .* [1-9][0-9.]* KiB" "$out" ||
	fail "no memory per tunnel"
echo "PASS: 100 tunnels up from a cold start, figures printed"
