#!/bin/bash
# Two uplinks: vpngw 1 has two outside ports, tunnel 1's address on one
# (outside, 203.0.113.1/26) and tunnel 2's on the other (outside2,
# 203.0.113.65/26), each to its own gateway in the router namespace;
# vpngw 2 (the customer gateway, manual keys, active/standby like vpngw
# 1) is behind the router. The router sets its end of outside's veth
# down: vpngw 1 takes tunnel 1 down at once (its port's link) and sends
# into tunnel 2, out of outside2; once vpngw 2 has heard nothing on
# tunnel 1 for its dpd_timeout it answers through tunnel 2 too, and the
# pings pass. With the link back, tunnel 1 comes up and carries them
# again.
#
#   uplinks.sh VPNGW [WORKDIR]
. "$(dirname "$0")/lib.sh" "$@"

namespaces+=("$U")
e2e_hosts
ip link add g1out netns "$G1" type veth peer u1 netns "$U" || fail veth
ip link add g1out2 netns "$G1" type veth peer u3 netns "$U" || fail veth
ip link add u2 netns "$U" type veth peer g2out netns "$G2" || fail veth
port_link_up "$G1" g1out g1out2
port_link_up "$G2" g2out
link_up "$U" u1 u2 u3
ip -n "$U" addr add 203.0.113.62/26 dev u1
ip -n "$U" addr add 203.0.113.126/26 dev u3
ip -n "$U" addr add 203.0.113.254/25 dev u2
ip netns exec "$U" sysctl -qw net.ipv4.ip_forward=1
for i in u1 u2 u3; do
	ip netns exec "$U" ethtool -K $i tx off >/dev/null
done
GW2_OUT=203.0.113.130 OUT_LEN=25
e2e_configs
# vpngw 1: outside on 203.0.113.0/26, outside2 on 203.0.113.64/26.
sed -i -e "s|address = \"203.0.113.1/25\"; gateway = \"203.0.113.126\"; },|address = \"203.0.113.1/26\"; gateway = \"203.0.113.62\"; },\n    { name = \"outside2\"; role = \"outside\"; device = \"net_af_packet12,iface=g1out2,$AFP\"; address = \"203.0.113.65/26\"; gateway = \"203.0.113.126\"; },|" \
	-e 's|outside_addresses = \["203.0.113.1", "203.0.113.11"\];|outside_addresses = ["203.0.113.1", "203.0.113.65"];|' \
	"$work/gw1.conf"
sed -i 's|remote_address = "203.0.113.11";|remote_address = "203.0.113.65";|' "$work/gw2.conf"
grep -q outside2 "$work/gw1.conf" && grep -q '"203.0.113.65"\]' "$work/gw1.conf" &&
	grep -q '203.0.113.65' "$work/gw2.conf" || fail "could not set up two uplinks"
e2e_start

field() { # field GW TUNNEL KEY: a tunnel's KEY, as telemetry says
	tel "$1" /vpngw/tunnels "d['e2e/$2']['$3']"
}
is() { [ "$(field "$1" "$2" state)" = "$3" ]; }
# DPDK ports of vpngw 1 in the file's order: outside 0, outside2 1.
port_out() { tel gw1 "/ethdev/stats,$1" "d['opackets']"; }

wait_for 30 "vpngw 1: tunnel 1 up" is gw1 1 up
wait_for 30 "vpngw 1: tunnel 2 up" is gw1 2 up
pings_carried "before (tunnel 1, port outside)" 0x2001 7

# outside's link goes: tunnel 1 down on vpngw 1 at once, tunnel 2 stays.
o2=$(port_out 1)
ip -n "$U" link set u1 down || fail "u1 down"
wait_for 5 "vpngw 1: tunnel 1 down with outside's link" is gw1 1 down
[ "$(field gw1 1 last_change)" = "port outside: link down" ] ||
	fail "tunnel 1's reason: $(field gw1 1 last_change)"
is gw1 2 up || fail "tunnel 2 went down with outside's link"
# vpngw 1 sends into tunnel 2 now, out of outside2; vpngw 2 answers into
# tunnel 1 until its dpd_timeout (30 s) says it is dead.
t2=$(sa_packets gw1 0x2002)
pings 3 >/dev/null
[ $(($(sa_packets gw1 0x2002) - t2)) -ge 3 ] ||
	fail "vpngw 1 did not move its traffic to tunnel 2"
[ $(($(port_out 1) - o2)) -ge 3 ] || fail "tunnel 2's packets did not leave by outside2"
echo "ok: vpngw 1 sends into tunnel 2 out of outside2 ($(($(port_out 1) - o2)) packets)"
wait_for 45 "vpngw 2: tunnel 1 down (its dpd_timeout)" is gw2 1 down
pings_carried "failed over (tunnel 2, port outside2)" 0x2002 7

# Back: outside's link returns, tunnel 1 with it, traffic follows.
ip -n "$U" link set u1 up || fail "u1 up"
wait_for 10 "vpngw 1: tunnel 1 up with outside's link" is gw1 1 up
wait_for 30 "vpngw 2: tunnel 1 up (ESP heard again)" is gw2 1 up
pings_carried "back (tunnel 1, port outside)" 0x2001 7

cleanup
grep -h "tunnel e2e/.:\|link\|polls" "$work/gw1.log"
echo "ok: two uplinks: one link down moves the traffic to the other tunnel and back"
exit 0
