#!/bin/bash
# config/tgw-cert.conf runs: its PCI devices swapped for null ports (one
# worker, one queue: this machine has neither the NICs nor the cores), its
# /etc/vpngw/pki files for a PKI made here (tools/vpngw-pki.sh), in a
# network namespace of its own for the exception TAP. Its customer gateway
# has no address: both tunnels run IKE, waiting for the gateway from
# anywhere, and the kernel routes what it sends from each outside address
# into the TAP (policy rules into table 4500), gone again at exit.
#
#   example_tgw_cert.sh VPNGW
set -u
vpngw=$1
work=$(mktemp -d)
id=$$
pids=()
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
ns=vpngw-tgwcert-$id
cleanup() {
	stop_pids
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work" "/var/run/dpdk/vpngw-tgwcert-$id"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	tail -n 30 "$work/vpngw.log"
	exit 1
}
# wait_for SECONDS WHAT CMD...: until CMD succeeds, or fail saying what
wait_for() {
	local limit=$1 what=$2 t0=$SECONDS
	shift 2
	while [ $((SECONDS - t0)) -lt "$limit" ]; do
		"$@" && { echo "ok: $what after $((SECONDS - t0)) s"; return 0; }
		sleep 0.2
	done
	fail "$what: not within $limit s"
}
src=$(dirname "${BASH_SOURCE[0]}")/../..
"$src/tools/vpngw-pki.sh" "$work/pki" >/dev/null || fail "vpngw-pki.sh"
sed -e "s|\"/etc/vpngw/pki/|\"$work/pki/|" \
	-e 's|device = "0000:5e:00.2";|device = "net_null0,no-rx=1";|' \
	-e 's|device = "0000:5e:00.3";|device = "net_null1,no-rx=1";|' \
	-e 's|queues = 3;|queues = 1;|' \
	-e 's|workers = \[1, 2, 3\];|workers = [1]; eal_args = ["--no-huge", "--no-shconf", "-m", "256", "--file-prefix", "vpngw-tgwcert-'"$id"'", "--log-level", "*:warning"];|' \
	"$src/config/tgw-cert.conf" >"$work/tgw-cert.conf"
grep -q net_null0 "$work/tgw-cert.conf" && grep -q "workers = \[1\];" "$work/tgw-cert.conf" &&
	! grep -q /etc/vpngw "$work/tgw-cert.conf" || fail "could not adapt the example: $(cat "$work/tgw-cert.conf")"
"$vpngw" -n "$work/tgw-cert.conf" || fail "the adapted example does not check"
ip netns add "$ns" || fail "ip netns add"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$vpngw" -S "$work/state" "$work/tgw-cert.conf" >"$work/vpngw.log" 2>&1 &
pid=$!
pids+=($pid)
wait_for 60 "vpngw runs the example" grep -q "vpngw: running" "$work/vpngw.log"
for t in 1 2; do
	grep -q "tunnel roaming-tgw/$t: IKEv2, a customer gateway without an address: we wait for it from anywhere" \
		"$work/vpngw.log" || fail "tunnel $t does not run IKE"
done
grep -q "stays down" "$work/vpngw.log" && fail "a tunnel stays down"
grep -q 'pki (start): our certificate "C=US, O=vpngw, CN=vpngw"' "$work/vpngw.log" || fail "no PKI at start"
ip -n "$ns" rule show >"$work/rules.txt"
cat "$work/rules.txt"
for a in 203.0.113.20 203.0.113.21; do
	grep -q "^4500:.*from $a lookup 4500" "$work/rules.txt" || fail "no rule for $a"
done
ip -n "$ns" route show table 4500 | grep -q "default dev vpngw0" || fail "no default route in table 4500"
kill -INT "$pid"
wait_for 30 "vpngw stopped" sh -c "! kill -0 $pid 2>/dev/null"
ip -n "$ns" rule show | grep -q "lookup 4500" && fail "the policy rules stayed after the stop"
echo "ok: config/tgw-cert.conf runs: both tunnels wait for their gateway by certificate"
exit 0
