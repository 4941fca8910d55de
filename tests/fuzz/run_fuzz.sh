#!/bin/sh
# Run a libFuzzer target for SECONDS from a small seed corpus made here.
#   run_fuzz.sh FUZZER SECONDS
set -eu
fuzzer=$1 seconds=$2
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
# Seeds: crafted plaintexts (mode bit 0) for each SA: an IPv4 header with
# padding 1,2 / pad length 2 / next header 4, and an IPv6 one.
ip4='\105\000\000\024\000\000\000\000\100\021\000\000\306\063\144\012\300\000\002\202\001\002\002\004'
ip6='\140\000\000\000\000\000\021\100\040\001\015\270\000\000\000\000\000\000\000\000\000\000\000\020\040\001\015\270\000\001\000\000\000\000\000\000\000\000\001\060\001\002\002\051'
for k in 0 1 2 3; do
	printf "\\$(printf %o $((k * 2 + 1)))$ip4" >"$corpus/ip4-$k"
	printf "\\$(printf %o $((k * 2 + 1)))$ip6" >"$corpus/ip6-$k"
done
printf '\000\105\000\000\034\000\000\000\000\100\062' >"$corpus/raw"
"$fuzzer" -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=10 \
	-print_final_stats=1 "$corpus"
