#!/bin/bash
# Customer gateways without an address (certificates), against strongSwan:
# two sites behind one NAT, each a connection of vpngw with no CGW address.
# charon (G2) plays both sites, one certificate each, and starts all four
# tunnels; router U source-NATs all of it to its own address with ports
# remapped, so vpngw hears every site from 203.0.113.126, an address its
# configuration never names, from the same source ports. vpngw matches
# each IKE SA to its connection by the identity the certificate proves
# (site 1 by its subjectAltName, site 2 by its DN), learns where it is,
# and sends ESP there: host A pings host B through site 1's tunnels and
# site 2's address through site 2's. The console shows the learned
# addresses. Then U maps the sites anew (its NAT entries flushed, other
# ports): charon's next DPD comes from elsewhere, vpngw logs that the
# peer moved, rekeys the Child SA to follow, and the pings go on.
#
#   host A --- vpngw 1 ======= U (SNAT to .126) ======= charon (G2) --- host B
#   198.51.100.10  203.0.113.1, .11   .126 | .254      203.0.113.130   192.0.2.130
#                                                      site 2: 192.0.2.193
#
#   swan_roaming.sh VPNGW [WORKDIR]
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/swan.sh"
pkitool=$(cd "$(dirname "$0")/../../tools" && pwd)/vpngw-pki.sh
VPNGW_ID="C=US, O=vpngw, CN=vpngw"

e2e_underlay_routed
ip -n "$G2" addr add 192.0.2.129/26 dev g2in
ip -n "$G2" addr add 203.0.113.130/25 dev g2out
ip -n "$G2" addr add 192.0.2.193/32 dev lo
ip -n "$G2" route add default via 203.0.113.254
ip -n "$B" route replace default via 192.0.2.129
ip netns exec "$G2" sysctl -qw net.ipv4.ip_forward=1 \
	net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.g2in.rp_filter=0 \
	net.ipv4.conf.g2out.rp_filter=0
ip netns exec "$G2" ethtool -K g2out tx off >/dev/null

# U: everything from G2 to vpngw leaves as 203.0.113.126, UDP ports
# remapped into RANGE.
nat() { # nat RANGE
	ip netns exec "$U" nft -f - <<EOF || fail "nft"
flush ruleset
table ip nat {
	chain post {
		type nat hook postrouting priority 100;
		ip saddr 203.0.113.130 ip daddr 203.0.113.0/25 udp dport { 500, 4500 } snat to 203.0.113.126:$1
	}
}
EOF
}
nat 30000-30999

"$pkitool" "$work/pki" vpngw site1 site2 >/dev/null || fail "vpngw-pki.sh"

# vpngw: two customer gateways without an address, a connection each, on
# the same two outside addresses.
cat >"$work/gw1.conf" <<EOF
appliance:
{
  name = "gw1";
  state_dir = "$work/gw1.state";
  eal_args = ["--no-huge", "--no-shconf", "-m", "512",
              "--file-prefix", "vpngw-e2e-gw1-$id", "--log-level", "*:warning"];
  workers = [1];
  exception_iface = "vpngw0";
  ports = (
    { name = "outside"; role = "outside";
      device = "net_af_packet10,iface=g1out,$AFP"; address = "203.0.113.1/25";
      gateway = "203.0.113.126"; },
    { name = "inside"; role = "inside";
      device = "net_af_packet11,iface=g1in,$AFP"; address = "198.51.100.1/24"; }
  );
  outside_addresses = ["203.0.113.1", "203.0.113.11"];
  pki: { ca = "$work/pki/ca.pem"; certificate = "$work/pki/vpngw.pem";
         private_key = "$work/pki/vpngw.key"; };
};
customer_gateways = (
  { name = "site1"; authentication = "certificate"; certificate_identity = "site1"; },
  { name = "site2"; authentication = "certificate";
    certificate_identity = "C=US, O=vpngw, CN=site2"; }
);
vpn_connections = (
  { name = "s1"; customer_gateway = "site1"; static_routes = ["192.0.2.128/26"];
    local_networks = ["198.51.100.0/24"]; remote_networks = ["192.0.2.128/26"]; },
  { name = "s2"; customer_gateway = "site2"; static_routes = ["192.0.2.192/26"];
    local_networks = ["198.51.100.0/24"]; remote_networks = ["192.0.2.192/26"]; }
);
EOF

# charon: both sites, each its own certificate, all four tunnels started
# by charon, DPD every 5 s (what tells vpngw where a site went), PFS with
# group 19 on rekeys (vpngw's default phase 2 groups, as AWS's, are all
# PFS groups).
swan_write_conf
{
	echo "connections {"
	for s in 1 2; do
		net=192.0.2.128/26
		[ $s = 2 ] && net=192.0.2.192/26
		for t in 1 2; do
			addr=203.0.113.1
			[ $t = 2 ] && addr=203.0.113.11
			cat <<EOF
    site$s-$t {
        version = 2
        local_addrs = 203.0.113.130
        remote_addrs = $addr
        proposals = aes128gcm16-prfsha256-ecp256
        keyingtries = 0
        mobike = no
        dpd_delay = 5s
        local { auth = pubkey
                certs = site$s.pem
                id = "C=US, O=vpngw, CN=site$s" }
        remote { auth = pubkey
                 id = "$VPNGW_ID" }
        children {
            site$s-$t {
                local_ts = $net
                remote_ts = 198.51.100.0/24
                esp_proposals = aes128gcm16-ecp256
                start_action = start
                dpd_action = restart
            }
        }
    }
EOF
		done
	done
	echo "}"
} >"$swan/swanctl.conf"
mkdir -p "$swan/private" "$swan/x509" "$swan/x509ca"
cp "$work/pki/site1.key" "$work/pki/site2.key" "$swan/private/"
cp "$work/pki/site1.pem" "$work/pki/site2.pem" "$swan/x509/"
cp "$work/pki/ca.pem" "$swan/x509ca/"

swan_gw_start
swan_start
grep -v "opening directory" "$swan/load.log" | grep -iE "error|fail|invalid" &&
	fail "swanctl reported problems"
all_up() {
	for t in s1/1 s1/2 s2/1 s2/2; do
		grep -q "tunnel $t: down -> up" "$work/gw1.log" || return 1
	done
	[ "$(swan_installed)" -ge 4 ]
}
wait_for 90 "all four tunnels up, each site by its certificate" all_up
grep -E "certificate names tunnel|identity to come.*IKE_SA_INIT answered" "$work/gw1.log" | head -8
for t in s1/1 s1/2 s2/1 s2/2; do
	grep -q "certificate names tunnel $t\$" "$work/gw1.log" ||
		fail "no IKE SA was matched to $t by its certificate"
done

ping_to() { # ping_to ADDR N: answers from host A
	ip netns exec "$A" ping -c "$2" -i 0.2 -W 1 "$1" 2>/dev/null | grep -c "bytes from $1"
}
n1=$(ping_to 192.0.2.130 10)
n2=$(ping_to 192.0.2.193 10)
echo "ping through site 1: $n1 of 10; through site 2: $n2 of 10"
[ "$n1" -ge 8 ] && [ "$n2" -ge 8 ] || fail "pings through the sites: $n1, $n2 of 10"

console learned 'show tunnels' 'show tunnels detail' 'show ike sa detail'
grep -E "^s[12]/[12] " "$work/learned-console.txt"
[ "$(grep -cE "^s[12]/[12] +up +203\.0\.113\.(1|11) +203\.0\.113\.126 " "$work/learned-console.txt")" = 4 ] ||
	fail "show tunnels: not all four up with the NAT's address learned"
grep -q "no fixed address: IKE heard it at 203.0.113.126:30" "$work/learned-console.txt" ||
	fail "show tunnels detail: no learned address"
for s in 1 2; do
	[ "$(grep -c "peer certificate: C=US, O=vpngw, CN=site$s" "$work/learned-console.txt")" = 2 ] ||
		fail "show ike sa detail: site $s's certificate not on both of its tunnels"
done
grep -q "peer at 203.0.113.126:30" "$work/learned-console.txt" ||
	fail "show ike sa detail: no peer address"

# The NAT maps both sites anew: what was mapped is forgotten, new ports.
nat 31000-31999
ip netns exec "$U" conntrack -F >/dev/null 2>&1 || fail "conntrack -F in U"
echo "U: NAT entries flushed, ports now 31000-31999"
moved() {
	[ "$(grep -c "the peer moved from 203.0.113.126:30[0-9]* to 203.0.113.126:31" "$work/gw1.log")" -ge 4 ]
}
wait_for 90 "vpngw follows all four tunnels to their new ports" moved
grep "the peer moved" "$work/gw1.log"
followed() {
	[ "$(ping_to 192.0.2.130 3)" -ge 2 ] && [ "$(ping_to 192.0.2.193 3)" -ge 2 ]
}
wait_for 60 "pings through both sites again, on the new mappings" followed
n1=$(ping_to 192.0.2.130 10)
n2=$(ping_to 192.0.2.193 10)
echo "after the move: ping through site 1: $n1 of 10; through site 2: $n2 of 10"
[ "$n1" -ge 8 ] && [ "$n2" -ge 8 ] || fail "pings after the move: $n1, $n2 of 10"
console moved 'show ike sa detail'
[ "$(grep -c "peer at 203.0.113.126:31" "$work/moved-console.txt")" = 4 ] ||
	fail "show ike sa detail: not all four at the new ports"

swan_stop
swan_gw_stop
grep "vpngw: IKE:" "$work/gw1.log" || true
grep -q "peer_moves [4-9]" "$work/gw1.log" || fail "peer_moves not counted"
cleanup
echo "ok: two customer gateways without an address behind one NAT: matched by certificate, followed when the NAT moved them"
exit 0
