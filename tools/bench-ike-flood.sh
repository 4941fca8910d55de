#!/bin/bash
# IKE under a flood: a legitimate customer gateway's setup time (IKE_SA_INIT
# sent to Child SA up, over and over: ike-load with one connection's two
# tunnels) while RATE spoofed IKE_SA_INITs a second arrive, beside the same
# without a flood. Two floods: from random addresses no tunnel has
# (203.0.113.128/25), and spoofing the legitimate gateway's own address
# (what a cookie must stop: a responder that answered each with a DH
# exchange would spend its CPU on them, and one that let each replace the
# gateway's half-open SA would keep the gateway out). A benchmark: it
# prints figures and fails only when the gateway never gets in.
#
#   namespace L (ike-load, flood: CPU 0)  ---- veth ----  namespace R
#   203.0.113.100, .101 (the gateway)                     vpngw 203.0.113.1, .11
#
#   tools/bench-ike-flood.sh [--build DIR] [--rate 10000] [--seconds 10]
#                            [--group 19]
set -u
cd "$(dirname "$0")/.." || exit 2
build=build rate=10000 seconds=10 group=19
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--group) group=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR] [--rate R] [--seconds S] [--group G]" >&2; exit 2 ;;
	esac
done
NAME=bench-ike-flood
. tools/benchlib/ike_lab.sh
ike_lab_up
ip -n "$L" addr add 203.0.113.100/24 dev l0
ip -n "$L" addr add 203.0.113.101/24 dev l0

{
	ike_lab_appliance bench-ike-flood '["203.0.113.1", "203.0.113.11"]'
	cat <<EOF
customer_gateways = ( { name = "g0"; address = "203.0.113.100"; } );
vpn_connections = (
  { name = "c0"; customer_gateway = "g0"; static_routes = ["192.0.2.0/32"];
    tunnels = ( { psk = "bench.psk.0"; },
                { psk = "bench.psk.1"; remote_address = "203.0.113.101"; } ); }
);
EOF
} >"$work/vpngw.conf"
"$vpngw" -n "$work/vpngw.conf" >"$work/check.txt" 2>&1 ||
	{ cat "$work/check.txt" >&2; fail "the generated vpngw.conf does not check"; }

# trial LABEL [FLOOD_SRC]: the gateway's setups for SECONDS, under a flood
# from FLOOD_SRC when given; prints "LABEL setups/s median p99 worst"
trial() {
	local label=$1 src=${2:-} fpid=
	ike_lab_vpngw "$vpngw" "$work/vpngw.conf" "$work/vpngw-$label.log"
	if [ -n "$src" ]; then
		ip netns exec "$L" taskset -c 0 "$load" --flood "$rate" --flood-src "$src" \
			--remote 203.0.113.1 --group "$group" --seconds $((seconds + 3)) \
			>"$work/flood-$label.txt" 2>&1 &
		fpid=$!
		pids+=($fpid)
		sleep 1
	fi
	ip netns exec "$L" taskset -c 0 "$load" --remote 203.0.113.1 \
		--remote2 203.0.113.11 --base 203.0.113.100 --tunnels 2 \
		--psk bench.psk --group "$group" --seconds "$seconds" --warmup 1 \
		>"$work/load-$label.txt" 2>&1
	[ -n "$fpid" ] && wait "$fpid"
	kill_wait INT "$vpid"
	pids=()
	sed "s/^/$label: /" "$work/load-$label.txt" >&2
	[ -n "$src" ] && sed "s/^/$label: /" "$work/flood-$label.txt" >&2
	grep "vpngw: IKE:" "$work/vpngw-$label.log" |
		grep -o "rx [0-9]*\|no_peer [0-9]*\|cookies_sent [0-9]*\|bad_cookie [0-9]*\|ike_up [0-9]*" |
		tr '\n' ' ' | sed "s/^/$label: vpngw IKE: /; s/\$/\n/" >&2
	/usr/bin/python3 - "$label" "$work/load-$label.txt" <<'PY'
import re, sys
t = open(sys.argv[2]).read()
r = re.search(r"([0-9.]+) setups/s", t)
l = re.search(r"median ([0-9.]+) ms, p99 ([0-9.]+) ms, worst ([0-9.]+) ms", t)
print(sys.argv[1], r.group(1) if r else "0", *(l.groups() if l else ("-", "-", "-")))
PY
}

echo "bench-ike-flood: one gateway (2 tunnels) setting up again and again, ${seconds} s a trial; floods of $rate IKE_SA_INITs/s" >&2
{
	trial none
	trial random 203.0.113.128/25
	trial spoofed 203.0.113.100/32
} >"$work/results.txt"
/usr/bin/python3 - "$work/results.txt" "$rate" "$group" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(f"A customer gateway's IKE SA + Child SA setups, PSK, DH {sys.argv[3]}, "
      f"under {int(sys.argv[2]):,} spoofed IKE_SA_INITs a second:")
print(f"  {'flood':<44} {'setups/s':>9} {'median ms':>10} {'p99 ms':>8} {'worst ms':>9}")
names = {"none": "none",
         "random": "from 203.0.113.128/25 (no tunnel's address)",
         "spoofed": "from the gateway's own address"}
for r in rows:
    print(f"  {names.get(r[0], r[0]):<44} {float(r[1]):>9.1f} {r[2]:>10} {r[3]:>8} {r[4]:>9}")
ok = all(float(r[1]) > 0 for r in rows)
sys.exit(0 if ok else 1)
PY
[ $? = 0 ] || fail "the gateway did not get in under a flood"
