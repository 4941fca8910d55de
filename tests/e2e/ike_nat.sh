#!/bin/bash
# vpngw to vpngw over IKEv2 through a router U that NATs one tunnel:
# tunnel 1 runs raw ESP (protocol 50, no NAT on its path); tunnel 2's
# packets from vpngw 2 to 203.0.113.11 are source-NATed by U to
# 203.0.113.126 with other ports, so both ends detect the NAT, float to
# UDP 4500 (which U maps to yet another port), put ESP in UDP, and vpngw 2
# (behind the NAT) sends NAT keepalives. Then an IKE_SA_INIT flood from
# the CGW's address: vpngw 1 answers with cookies and keeps its tunnels.
# IKE_AUTH=cert: all of it with certificates (a CA of the test's own).
#
#   host A -- vpngw 1 ===== U (router, SNAT for tunnel 2) ===== vpngw 2 -- host B
#            203.0.113.1, .11     .126 | .254            203.0.113.130
#
#   ike_nat.sh VPNGW [WORKDIR]
. "$(dirname "$0")/lib.sh" "$@"

e2e_underlay_routed
conf gw1 g1in 198.51.100.1/24 g1out 203.0.113.1/25 \
	'["203.0.113.1", "203.0.113.11"]' 203.0.113.130 192.0.2.128/25 \
	'psk = "nat.test.psk.1";' \
	'psk = "nat.test.psk.2"; remote_address = "203.0.113.126";' \
	>"$work/gw1.conf"
conf gw2 g2in 192.0.2.129/25 g2out 203.0.113.130/25 '["203.0.113.130"]' \
	203.0.113.1 198.51.100.0/24 \
	'remote_address = "203.0.113.1"; startup_action = "start"; psk = "nat.test.psk.1";' \
	'remote_address = "203.0.113.11"; startup_action = "start"; psk = "nat.test.psk.2";' \
	>"$work/gw2.conf"
sed -i 's|address = "203.0.113.1/25";|& gateway = "203.0.113.126";|' "$work/gw1.conf"
sed -i 's|address = "203.0.113.130/25";|& gateway = "203.0.113.254";|' "$work/gw2.conf"
for g in gw1 gw2; do
	sed -i 's|^  workers = \[1\];|& exception_iface = "vpngw0";|' "$work/$g.conf"
	grep -q exception_iface "$work/$g.conf" && grep -q gateway "$work/$g.conf" ||
		fail "$g.conf"
done
# IKE_AUTH=cert: the same with certificates instead of PSKs, each gateway
# the other's customer gateway by its subject (tools/vpngw-pki.sh).
if [ "${IKE_AUTH:-psk}" = cert ]; then
	"$(dirname "$0")/../../tools/vpngw-pki.sh" "$work/pki" gw1 gw2 >"$work/pki.log" ||
		fail "vpngw-pki.sh"
	for g in gw1 gw2; do
		other=gw2
		[ $g = gw2 ] && other=gw1
		sed -i -e 's|psk = "nat.test.psk.[12]";||g' \
			-e "s|^  workers = \[1\];|& pki: { ca = \"$work/pki/ca.pem\"; certificate = \"$work/pki/$g.pem\"; private_key = \"$work/pki/$g.key\"; };|" \
			-e "s|name = \"peer\"; address = \"\([0-9.]*\)\";|name = \"peer\"; address = \"\1\"; authentication = \"certificate\"; certificate_identity = \"C=US, O=vpngw, CN=$other\";|" \
			"$work/$g.conf"
		grep -q 'authentication = "certificate"' "$work/$g.conf" &&
			! grep -q "psk =" "$work/$g.conf" || fail "$g.conf for certificates"
	done
fi
# U: tunnel 2's traffic from vpngw 2 leaves as 203.0.113.126, ports
# remapped (so 500 and 4500 both become something else).
ip netns exec "$U" nft -f - <<'NFT' || fail "nft"
table ip nat {
	chain post {
		type nat hook postrouting priority 100;
		ip saddr 203.0.113.130 ip daddr 203.0.113.11 udp dport { 500, 4500 } snat to 203.0.113.126:30000-30999
	}
}
NFT
e2e_start
for _ in $(seq 1 150); do
	[ "$(grep -c "down -> up" "$work/gw2.log")" -ge 2 ] &&
		[ "$(grep -c "down -> up" "$work/gw1.log")" -ge 2 ] && break
	sleep 0.1
done
grep "Child SA .* installed" "$work/gw1.log" "$work/gw2.log"
if [ "${IKE_AUTH:-psk}" = cert ]; then
	for g in gw1 gw2; do
		[ "$(grep -c "established (certificate authenticated)" "$work/$g.log")" -ge 2 ] ||
			fail "$g: the tunnels did not authenticate by certificate"
	done
	echo "both gateways: both tunnels authenticated by certificate"
fi
grep -q "ike e2e/1: Child SA .*protocol 50, NAT-T no NAT" "$work/gw1.log" ||
	fail "tunnel 1 is not raw ESP without NAT"
grep -q "ike e2e/2: Child SA .*UDP 4500, NAT-T peer behind a NAT" "$work/gw1.log" ||
	fail "vpngw 1 did not see the NAT on tunnel 2"
grep -q "ike e2e/2: Child SA .*UDP 4500, NAT-T we are behind a NAT" "$work/gw2.log" ||
	fail "vpngw 2 did not see it is behind a NAT"
n=$(pings 10)
echo "ping host A -> host B over tunnel 1 (raw ESP): $n of 10"
[ "$n" -ge 9 ] || fail "tunnel 1: $n of 10"

# Tunnel 1's path cut at U (both ways, all protocols): tunnel 1 dies by
# DPD on both sides and traffic moves to tunnel 2, across the NAT.
ip netns exec "$U" tshark -n -i u1 -f "udp and host 203.0.113.11" -a duration:80 -c 20 \
	-w "$work/nat.pcap" >"$work/tshark.log" 2>&1 &
cap=$!
pids+=($cap)
capture_started "$work/tshark.log"
ip netns exec "$U" nft -f - <<'NFT' || fail "nft cut"
table inet cut {
	chain through {
		type filter hook forward priority -10;
		ip saddr 203.0.113.1 drop
		ip daddr 203.0.113.1 drop
	}
}
NFT
for _ in $(seq 1 600); do
	grep -q "tunnel e2e/1: up -> down" "$work/gw1.log" &&
		grep -q "tunnel e2e/1: up -> down" "$work/gw2.log" && break
	sleep 0.1
done
grep -q "tunnel e2e/1: up -> down" "$work/gw2.log" || fail "tunnel 1 not declared dead"
n=$(pings 10)
echo "ping host A -> host B over tunnel 2 (ESP in UDP through the NAT): $n of 10"
[ "$n" -ge 9 ] || fail "tunnel 2 through the NAT: $n of 10"
capture_done 60 "$cap"
tshark -n -r "$work/nat.pcap" -T fields -e ip.src -e udp.srcport -e ip.dst \
	-e udp.dstport 2>/dev/null | sort | uniq -c | sort -rn | head -5
tshark -n -r "$work/nat.pcap" -T fields -e udp.srcport 2>/dev/null |
	grep -q "^30[0-9][0-9][0-9]$" || fail "no NATed port seen on U's outside"

# IKE_SA_INIT flood from the CGW's own address (vpngw 2's kernel, so it
# matches tunnel 1's peer and may replace its half-open SAs): past the
# threshold vpngw 1 asks for cookies; tunnel 2 stays up.
ip netns exec "$U" nft delete table inet cut
ip netns exec "$G2" timeout 60 /usr/bin/python3 - <<'PY' || fail "flood"
import os, socket, struct
def payload(nxt, body):
    return struct.pack("!BBH", nxt, 0, 4 + len(body)) + body
# SA: one IKE proposal, AES-CBC-128, PRF-SHA1, SHA1-96, DH 2
t = [(1, 12, b"\x80\x0e\x00\x80"), (2, 2, b""), (3, 2, b""), (4, 2, b"")]
trans = b""
for i, (tt, tid, attr) in enumerate(t):
    trans += struct.pack("!BBHBBH", 0 if i == len(t) - 1 else 3, 0,
                         8 + len(attr), tt, 0, tid) + attr
prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(trans), 1, 1, 0, len(t)) + trans
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.130", 0))
for i in range(3000):
    body = (payload(34, prop) +
            payload(40, struct.pack("!HH", 2, 0) + os.urandom(128)) +
            payload(0, os.urandom(32)))
    hdr = os.urandom(8) + bytes(8) + struct.pack("!BBBBII", 33, 0x20, 34,
                                                 0x08, 0, 28 + len(body))
    s.sendto(hdr + body, ("203.0.113.1", 500))
PY
sleep 2
grep -q "tunnel e2e/2: up -> down" "$work/gw1.log" && fail "tunnel 2 went down in the flood"
n=$(pings 10)
echo "ping after 3000 IKE_SA_INIT: $n of 10"
[ "$n" -ge 9 ] || fail "after the flood: $n of 10"
cleanup
grep "vpngw: IKE:" "$work/gw1.log" | sed 's/^/gw1: /'
grep "vpngw: IKE:" "$work/gw2.log" | sed 's/^/gw2: /'
c=$(grep "vpngw: IKE:" "$work/gw1.log" | grep -o " cookies_sent [0-9]*" | awk '{print $2}')
echo "cookies asked for: $c"
[ "${c:-0}" -gt 0 ] || fail "no cookies under the flood"
echo "ok: IKE through NAT (ports remapped), raw ESP beside it, DPD failover across the NAT, cookies under a flood"
exit 0
