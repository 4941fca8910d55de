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
ike-engine)
	# Mode 0: an IKE_SA_INIT from the peer; mode 1 (sealed with the real
	# keys): a Child SA rekey (REKEY_SA, SA, Ni, TSi, TSr), a DELETE, an
	# IKE SA rekey (SA with an 8-byte SPI, Ni, KE); mode 3: below.
	/usr/bin/python3 - "$corpus" <<'PY'
import os, struct, sys
d = sys.argv[1]
def pl(nxt, body):
    return struct.pack("!BBH", nxt, 0, 4 + len(body)) + body
def tr(last, t, i, attr=b""):
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attr), t, 0, i) + attr
def prop(proto, spi, ts):
    body = b"".join(tr(k == len(ts) - 1, *t) for k, t in enumerate(ts))
    return struct.pack("!BBHBBBB", 0, 0, 8 + len(spi) + len(body), 1, proto,
                       len(spi), len(ts)) + spi + body
kl = b"\x80\x0e\x00\x80"
ike = prop(1, b"", [(1, 20, kl), (2, 5), (4, 19)])
ke = struct.pack("!HH", 19, 0) + bytes(range(64))
hdr = lambda n: os.urandom(8) + bytes(8) + struct.pack("!BBBBII", 33, 0x20, 34, 8, 0, 28 + n)
body = pl(34, ike) + pl(40, ke) + pl(0, bytes(32))
open(d + "/init", "wb").write(b"\x00" + hdr(len(body)) + body)
esp = prop(3, b"\x11\x22\x33\x44", [(1, 20, kl), (4, 19), (5, 0)])
ts = struct.pack("!B3x", 1) + struct.pack("!BBHHHII", 7, 0, 16, 0, 65535, 0, 0xffffffff)
rekey = (pl(33, struct.pack("!BBH", 3, 4, 16393) + b"\x01\x02\x03\x04") +
         pl(40, esp) + pl(34, bytes(32)) + pl(44, struct.pack("!HH", 19, 0) + bytes(64)) +
         pl(45, ts) + pl(0, ts))
open(d + "/rekey-child", "wb").write(b"\x01\x24\x29" + rekey)
open(d + "/delete", "wb").write(b"\x01\x25\x2a" + pl(0, struct.pack("!BBH", 3, 4, 1) + b"\x01\x02\x03\x04"))
ikr = prop(1, bytes(range(1, 9)), [(1, 20, kl), (2, 5), (4, 19)])
open(d + "/rekey-ike", "wb").write(b"\x01\x24\x21" + pl(40, ikr) + pl(34, bytes(32)) + pl(0, ke))
# Mode 3: the certificate IKE_AUTH with bytes written at an offset (into
# IDi, the CERT's DER, CERTREQ, AUTH's AlgorithmIdentifier, signature).
# Mode 7: the same to a responder of customer gateways without an address.
for off in (0, 6, 40, 120, 400, 700, 900, 1100):
    open(d + "/cert-auth-%d" % off, "wb").write(b"\x03" + struct.pack("!H", off) + b"\x30\x82\xff\xff\x00")
    open(d + "/roam-auth-%d" % off, "wb").write(b"\x07" + struct.pack("!H", off) + b"\x30\x82\xff\xff\x00")
PY
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
