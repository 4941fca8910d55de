#!/bin/sh
# Run a libFuzzer target for SECONDS from a seed corpus made here.
#   run_fuzz.sh FUZZER SECONDS esp
#   run_fuzz.sh FUZZER SECONDS cfg SEED_DIR...   (every *.conf there)
#   run_fuzz.sh FUZZER SECONDS ike
set -eu
fuzzer=$1 seconds=$2 kind=$3
shift 3
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
case $kind in
esp)
	# Crafted plaintexts (mode bit 0) for each SA: an IPv4 header with
	# padding 1,2 / pad length 2 / next header 4, and an IPv6 one; and
	# the start of a raw outer packet.
	ip4='\105\000\000\024\000\000\000\000\100\021\000\000\306\063\144\012\300\000\002\202\001\002\002\004'
	ip6='\140\000\000\000\000\000\021\100\040\001\015\270\000\000\000\000\000\000\000\000\000\000\000\020\040\001\015\270\000\001\000\000\000\000\000\000\000\000\001\060\001\002\002\051'
	for k in 0 1 2 3; do
		printf "\\$(printf %o $((k * 2 + 1)))$ip4" >"$corpus/ip4-$k"
		printf "\\$(printf %o $((k * 2 + 1)))$ip6" >"$corpus/ip6-$k"
	done
	printf '\000\105\000\000\034\000\000\000\000\100\062' >"$corpus/raw"
	;;
ike)
	# An IKE_SA_INIT header with one SA payload: an ESP proposal,
	# ENCR_AES_GCM_16 with Key Length 256, ESN none.
	/usr/bin/python3 -c '
import sys
sa = bytes([0, 0, 0, 32, 1, 3, 4, 2, 0x11, 0x22, 0x33, 0x44,
            3, 0, 0, 12, 1, 0, 0, 20, 0x80, 14, 1, 0,
            0, 0, 0, 8, 5, 0, 0, 0])
pl = bytes([0, 0, 0, 4 + len(sa)]) + sa
hdr = bytes.fromhex("0123456789abcdef" + "00" * 8) + bytes([33, 0x20, 34, 8])
hdr += bytes(4) + (28 + len(pl)).to_bytes(4, "big")
sys.stdout.buffer.write(hdr + pl)' >"$corpus/sa-init"
	;;
cfg)
	for dir in "$@"; do
		cp "$dir"/*.conf "$corpus"/
	done
	;;
esac
# A known leak inside libconfig 1.5 (see lsan.supp); ours still count.
LSAN_OPTIONS=suppressions=$(dirname "$0")/lsan.supp
export LSAN_OPTIONS
"$fuzzer" -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=10 \
	-print_final_stats=1 "$corpus"
