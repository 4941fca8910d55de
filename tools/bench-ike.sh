#!/bin/bash
# IKE SA + Child SA setups per second with vpngw as the responder, beside
# strongSwan's charon measured the same way in the same run: ike-load
# (app/ike-load, on lib/ike) runs N initiators from N addresses of its own
# namespace, each setting its tunnel up, deleting it and starting again,
# for SECONDS after a warm-up. PSK, AES-128-GCM, PRF SHA2-256, ECP-256
# (DH 19) by default; --auth ecdsa or rsa: certificates instead (a PKI
# made by tools/vpngw-pki.sh: ECDSA P-256 or RSA 2048 keys, the responder
# signing and verifying one signature per setup).
#
#   namespace L (ike-load, CPU 0) ---- veth ---- namespace R (CPU 1)
#   203.0.113.100 ...                            vpngw (af_packet), then charon
#                                                203.0.113.1, .11
#
# The responder's IKE work has CPU 1: vpngw's control lcore, or charon
# with all its threads. vpngw's worker shares CPU 0 with ike-load; it
# sleeps while its ports are idle (appliance.worker_idle_sleep = 50 µs,
# as on a host whose cores are not the data plane's own), and the report
# gives the share of CPU 0 it took. charon's run has all of CPU 0 for
# ike-load.
#
# ike-load is built on lib/ike, which keeps at most 64 of its setups
# waiting for an answer: past 64 tunnels the initiators are paced too.
# --helpers N: vpngw's appliance.ike_helpers (default 1, vpngw's own),
# threads that make DH key pairs ahead at SCHED_IDLE on CPU 1.
#
#   tools/bench-ike.sh [--build DIR] [--tunnels N] [--seconds S] [--group G]
#                      [--auth psk|ecdsa|rsa] [--helpers N]
set -u
cd "$(dirname "$0")/.." || exit 2
build=build tunnels=16 seconds=10 group=19 auth=psk helpers=1
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--tunnels) tunnels=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--group) group=$2; shift 2 ;;
	--auth) auth=$2; shift 2 ;;
	--helpers) helpers=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR] [--tunnels N] [--seconds S] [--group G] [--auth psk|ecdsa|rsa] [--helpers N]" >&2; exit 2 ;;
	esac
done
# strongSwan's name of the DH group.
case $group in
2) swan_group=modp1024 ;; 5) swan_group=modp1536 ;; 14) swan_group=modp2048 ;;
15) swan_group=modp3072 ;; 16) swan_group=modp4096 ;; 17) swan_group=modp6144 ;;
18) swan_group=modp8192 ;; 19) swan_group=ecp256 ;; 20) swan_group=ecp384 ;;
21) swan_group=ecp521 ;; 22) swan_group=modp1024s160 ;;
23) swan_group=modp2048s224 ;; 24) swan_group=modp2048s256 ;;
*) echo "bench-ike: --group is one of AWS's: 2, 5, 14-24" >&2; exit 2 ;;
esac
case $auth in
psk | ecdsa | rsa) ;;
*) echo "bench-ike: --auth is psk, ecdsa or rsa" >&2; exit 2 ;;
esac
[ $((tunnels % 2)) = 0 ] && [ "$tunnels" -ge 2 ] && [ "$tunnels" -le 100 ] ||
	{ echo "bench-ike: --tunnels must be even, 2 to 100" >&2; exit 2; }
NAME=bench-ike
. tools/benchlib/ike_lab.sh
. tests/e2e/swan.sh

ike_lab_up
for i in $(seq 0 $((tunnels - 1))); do
	ip -n "$L" addr add "203.0.113.$((100 + i))/24" dev l0
done

# Certificates: vpngw (and charon in its place) is "vpngw", every
# initiator "cgw", one private CA.
cred=(--psk bench.psk)
if [ "$auth" != psk ]; then
	tools/vpngw-pki.sh "$work/pki" $([ "$auth" = rsa ] && echo --rsa) vpngw cgw \
		>"$work/pki.log" 2>&1 || fail "vpngw-pki.sh: $(cat "$work/pki.log")"
	cred=(--pki "$work/pki")
fi

# run_load LABEL: ike-load on CPU 0 against 203.0.113.1 / .11
run_load() {
	ip netns exec "$L" taskset -c 0 "$load" --remote 203.0.113.1 \
		--remote2 203.0.113.11 --base 203.0.113.100 --tunnels "$tunnels" \
		"${cred[@]}" --group "$group" --seconds "$seconds" --warmup 2 \
		>"$work/load-$1.txt" 2>&1
	cat "$work/load-$1.txt" | sed "s/^/$1: /" >&2
	grep -o "[0-9.]* setups/s" "$work/load-$1.txt" | awk '{print $1}'
}

# --- vpngw: one connection per two tunnels, each a CGW address of L's.
{
	pki=
	[ "$auth" = psk ] ||
		pki="  pki: { ca = \"$work/pki/ca.pem\"; certificate = \"$work/pki/vpngw.pem\"; private_key = \"$work/pki/vpngw.key\"; };"
	ike_lab_appliance bench-ike '["203.0.113.1", "203.0.113.11"]' "$pki
  ike_helpers = $helpers;"
	echo "customer_gateways = ("
	certs=
	[ "$auth" = psk ] || certs=' authentication = "certificate"; certificate_identity = "cgw";'
	for k in $(seq 0 $((tunnels / 2 - 1))); do
		sep=,; [ "$k" = $((tunnels / 2 - 1)) ] && sep=
		echo "  { name = \"g$k\"; address = \"203.0.113.$((100 + 2 * k))\";$certs }$sep"
	done
	echo ");"
	echo "vpn_connections = ("
	for k in $(seq 0 $((tunnels / 2 - 1))); do
		sep=,; [ "$k" = $((tunnels / 2 - 1)) ] && sep=
		p1="psk = \"bench.psk.$((2 * k))\";" p2="psk = \"bench.psk.$((2 * k + 1))\";"
		[ "$auth" = psk ] || p1= p2=
		cat <<EOF
  { name = "c$k"; customer_gateway = "g$k"; static_routes = ["192.0.2.$k/32"];
    tunnels = ( { $p1 },
                { $p2 remote_address = "203.0.113.$((101 + 2 * k))"; } ); }$sep
EOF
	done
	echo ");"
} >"$work/vpngw.conf"
"$vpngw" -n "$work/vpngw.conf" >"$work/check.txt" 2>&1 ||
	{ cat "$work/check.txt" >&2; fail "the generated vpngw.conf does not check"; }
ike_lab_vpngw "$vpngw" "$work/vpngw.conf" "$work/vpngw.log"
echo "bench-ike: vpngw as responder, $tunnels tunnels, DH $group, $auth, ${seconds} s, $helpers DH helper(s)" >&2
# The worker's CPU time (its thread is DPDK's rte-worker-1), in ticks.
worker_ticks() {
	local t
	for t in /proc/"$vpid"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = rte-worker-1 ] &&
			awk '{print $14 + $15}' "$t/stat" && return
	done
	echo 0
}
w0=$(worker_ticks) t0=$(date +%s.%N)
v=$(run_load vpngw)
w1=$(worker_ticks) t1=$(date +%s.%N)
wshare=$(awk -v a="$w0" -v b="$w1" -v s="$t0" -v e="$t1" -v hz="$(getconf CLK_TCK)" \
	'BEGIN { printf "%.0f", 100 * (b - a) / hz / (e - s) }')
kill -INT "$vpid"
wait "$vpid" 2>/dev/null
grep "vpngw: IKE:" "$work/vpngw.log" | sed 's/^/vpngw: /' >&2

# --- charon: the same tunnels, on R's kernel.
ip -n "$G2" addr add 203.0.113.1/24 dev r0
ip -n "$G2" addr add 203.0.113.11/24 dev r0
ip -n "$G2" addr add 192.0.2.129/25 dev lo
swan_write_conf
sed -i 's/^            ike = 2$/            ike = 0/' "$swan/strongswan.conf"
{
	echo "connections {"
	for i in $(seq 0 $((tunnels - 1))); do
		me=203.0.113.1
		[ $((i % 2)) = 1 ] && me=203.0.113.11
		cat <<EOF
    t$i {
        version = 2
        local_addrs = $me
        remote_addrs = 203.0.113.$((100 + i))
        proposals = aes128gcm16-prfsha256-$swan_group
        mobike = no
        $(if [ "$auth" = psk ]; then
			echo "local { auth = psk
                id = $me }
        remote { auth = psk
                 id = 203.0.113.$((100 + i)) }"
		else
			echo "local { auth = pubkey
                certs = vpngw.pem
                id = vpngw }
        remote { auth = pubkey
                 id = \"C=US, O=vpngw, CN=cgw\" }"
		fi)
        children {
            t$i {
                local_ts = 192.0.2.128/25
                remote_ts = 198.51.100.$i/32
                esp_proposals = aes128gcm16
            }
        }
    }
EOF
	done
	echo "}"
	echo "secrets {"
	for i in $(seq 0 $((tunnels - 1))); do
		me=203.0.113.1
		[ $((i % 2)) = 1 ] && me=203.0.113.11
		echo "    ike-$i { id-a = $me
            id-b = 203.0.113.$((100 + i))
            secret = \"bench.psk.$i\" }"
	done
	echo "}"
} >"$swan/swanctl.conf"
if [ "$auth" != psk ]; then
	mkdir -p "$swan/private" "$swan/x509" "$swan/x509ca"
	cp "$work/pki/vpngw.key" "$swan/private/"
	cp "$work/pki/vpngw.pem" "$swan/x509/"
	cp "$work/pki/ca.pem" "$swan/x509ca/"
fi
swan_start
taskset -cp 1 "$swan_pid" >/dev/null
for t in /proc/"$swan_pid"/task/*; do taskset -cp 1 "${t##*/}" >/dev/null; done
echo "bench-ike: charon as responder, the same" >&2
s=$(run_load charon)
swan_stop
/usr/bin/python3 - "$v" "$s" "$tunnels" "$group" "$auth" "$wshare" <<'PY'
import sys
v, s = float(sys.argv[1] or 0), float(sys.argv[2] or 0)
auth = {"psk": "PSK", "ecdsa": "ECDSA P-256 certificates", "rsa": "RSA 2048 certificates"}[sys.argv[5]]
print(f"IKE SA + Child SA setups/s, responder on one CPU, {sys.argv[3]} initiators, DH {sys.argv[4]}, {auth}:")
print(f"  vpngw      {v:8.1f}   (its worker: {sys.argv[6]} % of CPU 0, beside ike-load)")
print(f"  strongSwan {s:8.1f}")
print(f"  ratio vpngw/strongSwan {v / s:.2f}" if s else "  ratio: strongSwan gave no figure")
PY
