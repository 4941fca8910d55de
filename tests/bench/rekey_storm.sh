#!/bin/bash
# tools/bench-rekey-storm.sh at a small size: 100 tunnels between two
# vpngw rekey their Child SAs (lab lifetimes of 20 s, rekeyed 5 to 10 s
# before they end) while the generator sends 5,000 packets a second
# through all of them: every tunnel carried traffic and was rekeyed, and
# not one packet was lost or dropped (the script fails otherwise). The
# rates themselves are not judged.
#
#   rekey_storm.sh SRC BUILD
. "$(dirname "$0")/lib.sh" "$@"
bench_run bench-rekey-storm --tunnels 100 \
	--lifetime 20 --margin 5 --rate 5000
grep -Eq "^rekey storm: 100 tunnels, [0-9]+ Child SA rekeys .*; 100 tunnels rekeyed$" "$out" ||
	fail "not every tunnel was rekeyed under traffic"
grep -Eq "^generator: offered [0-9]+ packets .* lost 0," "$out" ||
	fail "the generator lost packets"
grep -Eq "^vpngw 1 out \(ESP\) +[0-9]+ +[0-9]+ +[0-9]+" "$out" ||
	fail "no rates before and during the storm"
echo "PASS: 100 tunnels rekeyed under traffic, none of it lost"
