#!/bin/bash
# VLAN tags: the two vpngw's outside ports (one veth between them) are in
# VLAN 100 (`vlan = 100` on both: this kernel has no 802.1Q interfaces,
# so vpngw plays both tagged ends). Pings pass through the tunnels, and a
# capture on the veth sees every frame tagged 100 (ESP raw and in UDP,
# ARP); an untagged frame and one tagged 101, sent to vpngw 1's outside
# port with scapy, are refused and counted (vlan_other).
#
#   vlan.sh VPNGW [WORKDIR]
. "$(dirname "$0")/lib.sh" "$@"

e2e_underlay_direct
e2e_configs
for g in gw1 gw2; do
	sed -i -e 's|address = "203.0.113.[12]/24";|& vlan = 100;|' "$work/$g.conf"
	grep -q 'vlan = 100' "$work/$g.conf" || fail "could not set $g's VLAN"
done
ip netns exec "$G1" tshark -n -q -i g1out -w "$work/g1out.pcap" -a duration:60 \
	>"$work/tshark.log" 2>&1 &
tshark_pid=$!
pids+=("$tshark_pid")
capture_started "$work/tshark.log"
e2e_start

field() { tel "$1" /vpngw/tunnels "d['e2e/$2']['$3']"; }
up2() { [ "$(field gw1 1 state)" = up ] && [ "$(field gw1 2 state)" = up ]; }
wait_for 30 "vpngw 1: both tunnels up" up2
pings_carried "tagged (VLAN 100)" 0x2001 7

# Frames without the tag, or with another, to vpngw 1's outside MAC.
others() { tel gw1 /vpngw/counters "d['dataplane_vlan_other']"; }
mac=$(tel gw1 "/ethdev/info,0" "d['mac_addr']")
[ -n "$mac" ] || fail "vpngw 1's outside MAC"
before=$(others)
ip netns exec "$G2" /usr/bin/python3 -c '
import sys
from scapy.all import Ether, Dot1Q, IP, ICMP, sendp
d = sys.argv[1]
p = IP(src="203.0.113.2", dst="203.0.113.1") / ICMP()
sendp([Ether(dst=d) / p, Ether(dst=d) / p, Ether(dst=d) / Dot1Q(vlan=101) / p],
      iface="g2out", verbose=False)' "$mac" || fail "scapy"
others_up() { [ $(($(others) - before)) -ge 3 ]; }
wait_for 10 "vlan_other counts the 2 untagged frames and the one of VLAN 101" others_up
pings_carried "tagged, tunnel 1 still" 0x2001 7
capture_done 1 "$tshark_pid"
all=$(tshark -r "$work/g1out.pcap" -Y "eth.src == $mac" 2>/dev/null | wc -l)
tagged=$(tshark -r "$work/g1out.pcap" -Y "eth.src == $mac && vlan.id == 100" 2>/dev/null | wc -l)
esp=$(tshark -r "$work/g1out.pcap" -Y "eth.src == $mac && vlan.id == 100 && esp" 2>/dev/null | wc -l)
echo "vpngw 1 sent $all frames on its outside port: $tagged tagged 100, $esp of them ESP"
[ "$all" -gt 0 ] && [ "$tagged" -eq "$all" ] && [ "$esp" -ge 20 ] ||
	fail "not every frame vpngw 1 sent was tagged 100"

cleanup
echo "ok: VLAN 100 on both ends, frames of no or another VLAN refused"
exit 0
