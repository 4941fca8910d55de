#!/bin/bash
# The exception path: what is addressed to a vpngw itself and is not ESP
# goes to its kernel over a TAP interface (exception_iface), and what that
# kernel sends is routed by the data plane. Two vpngw through a router
# namespace U (lib.sh: e2e_underlay_routed):
#   - the TAP carries the appliance's addresses and routes;
#   - U pings vpngw 1's outside addresses (ICMP in, the kernel's reply out);
#   - a UDP socket on port 500 in vpngw 1's namespace gets a datagram from U
#     and answers it (IKE's path); one on 4500 gets a datagram behind the
#     non-ESP marker (RFC 3948);
#   - host B pings vpngw 2's inside address;
#   - vpngw 1's kernel pings host B through the tunnel, from its inside
#     address, and gets the replies back through the tunnel.
#
#   exception.sh VPNGW [WORKDIR]
. "$(dirname "$0")/lib.sh" "$@"

e2e_underlay_routed
e2e_configs
for g in gw1 gw2; do
	sed -i 's|^  workers = \[1\];|& exception_iface = "vpngw0";|' "$work/$g.conf"
	grep -q exception_iface "$work/$g.conf" || fail "no exception_iface"
done
e2e_start

# The kernel side: our addresses on the TAP, no ARP, routes to the peer.
ip -n "$G1" -4 addr show dev vpngw0 >"$work/vpngw0.addr" 2>&1
ip -n "$G1" route show dev vpngw0 >"$work/vpngw0.route" 2>&1
cat "$work/vpngw0.addr" "$work/vpngw0.route"
for a in 203.0.113.1/25 203.0.113.11/32 198.51.100.1/24; do
	grep -q "inet $a " "$work/vpngw0.addr" || fail "vpngw0 lacks $a"
done
grep -q NOARP "$work/vpngw0.addr" || fail "vpngw0 does ARP"
grep -q "^192.0.2.128/25" "$work/vpngw0.route" || fail "no route to B's network"

# ICMP to the outside addresses, answered by the kernel.
for a in 203.0.113.1 203.0.113.11; do
	ip netns exec "$U" ping -c 3 -i 0.2 -W 1 "$a" >"$work/ping-$a.log" 2>&1
	cat "$work/ping-$a.log"
	n=$(grep -c "bytes from $a" "$work/ping-$a.log")
	echo "ping $a from the underlay: $n of 3 answered"
	[ "$n" -ge 2 ] || fail "no answer from $a"
done

# UDP 500 and 4500 (behind the non-ESP marker) to a kernel socket and back.
udp_echo() { # udp_echo PORT: a one-shot UDP echo server in G1's kernel
	ip netns exec "$G1" timeout 15 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.1", int(sys.argv[1])))
data, peer = s.recvfrom(2048)
s.sendto(b"echo:" + data, peer)
' "$1" &
	pids+=($!)
	sleep 0.5
}
udp_ask() { # udp_ask PORT PAYLOAD_HEX: what U gets back, as text
	ip netns exec "$U" timeout 10 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.126", int(sys.argv[1])))
s.settimeout(3)
for _ in range(3):
    s.sendto(bytes.fromhex(sys.argv[2]), ("203.0.113.1", int(sys.argv[1])))
    try:
        print(s.recvfrom(2048)[0][:5].decode(errors="replace"))
        break
    except socket.timeout:
        pass
' "$1" "$2"
}
udp_echo 500
r=$(udp_ask 500 "$(printf 'ike-sa-init' | od -An -tx1 | tr -d ' \n')")
echo "UDP 500 from the underlay: '$r'"
[ "$r" = "echo:" ] || fail "UDP 500 did not reach vpngw 1's kernel and back"
udp_echo 4500
r=$(udp_ask 4500 "00000000$(printf 'ike-auth' | od -An -tx1 | tr -d ' \n')")
echo "UDP 4500 with the non-ESP marker: '$r'"
[ "$r" = "echo:" ] || fail "IKE on UDP 4500 did not reach vpngw 1's kernel and back"

# The inside address of vpngw 2, from host B.
n=$(ip netns exec "$B" ping -c 3 -i 0.2 -W 1 192.0.2.129 2>/dev/null |
	grep -c "bytes from 192.0.2.129")
echo "ping vpngw 2's inside address from host B: $n of 3 answered"
[ "$n" -ge 2 ] || fail "vpngw 2's inside address does not answer"

# vpngw 1's kernel to host B, through the tunnel, from its inside address.
n=$(ip netns exec "$G1" ping -c 5 -i 0.2 -W 1 -I 198.51.100.1 192.0.2.130 \
	2>/dev/null | grep -c "bytes from 192.0.2.130")
echo "ping host B from vpngw 1's kernel through the tunnel: $n of 5 answered"
[ "$n" -ge 3 ] || fail "the kernel's packets were not routed into the tunnel"

cleanup
for g in gw1 gw2; do
	grep -o "to_kernel [0-9]* from_kernel [0-9]*" "$work/$g.log" |
		sed "s/^/$g: /"
done
echo "ok: the exception path carries ICMP, IKE and the kernel's own traffic"
exit 0
