#!/bin/bash
# tools/bench-ike-flood.sh, short: a customer gateway keeps getting in
# (setups every trial) under 2,000 spoofed IKE_SA_INITs a second from
# addresses no tunnel has and from its own address, and vpngw answered the
# spoofed ones of its address with cookies, not with DH exchanges. The
# figures are printed, not judged.
#
#   ike_flood.sh SRC BUILD
. "$(dirname "$0")/lib.sh" "$@"
bench_run bench-ike-flood --rate 2000 --seconds 3
for t in none random spoofed; do
	grep -Eq "^$t: ike-load: 2 tunnels, DH group 19, PSK: [1-9][0-9]* IKE SA" "$out" ||
		fail "no setups in trial $t"
done
np=$(sed -n 's/^random: vpngw IKE: .*no_peer \([0-9]*\).*/\1/p' "$out")
ck=$(sed -n 's/^spoofed: vpngw IKE: .*cookies_sent \([0-9]*\).*/\1/p' "$out")
echo "random sources: $np dropped (no tunnel); the gateway's own address: $ck cookies asked"
[ "${np:-0}" -gt 1000 ] || fail "the flood from unknown addresses was not dropped as such"
[ "${ck:-0}" -gt 1000 ] || fail "the spoofed flood was not answered with cookies"
echo "PASS: the gateway got in under both floods"
