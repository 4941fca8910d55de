#!/bin/bash
# End to end: two vpngw processes on DPDK net_af_packet over veth, joined by
# two tunnels with manual keys (tunnel 1 raw ESP, tunnel 2 ESP in UDP 4500);
# vpngw 1 steers active/active. Host A pings host B through ESP (small,
# fragmented, and DF-too-big), runs an iperf3 TCP stream of several flows
# whose SYNs get their MSS clamped, and a capture on the underlay shows
# nothing but ESP (raw and in UDP) and ARP, which tshark decrypts with the
# configured keys.
#
#   host A ---- vpngw 1 ======== underlay ======== vpngw 2 ---- host B
#   198.51.100.10  |  .1 (inside)                    (inside) .129 |  192.0.2.130
#                  |  203.0.113.1, .11 (outside)   203.0.113.2      |
#
#   namespaces: A, G1, G2, B (names carry this run's PID); the underlay is
#   one veth pair between G1 and G2 (lib.sh: e2e_underlay_direct), the vpngw
#   ports have no kernel address. vpngw 2 plays the customer gateway: one
#   address of its own, tunnels to vpngw 1's two.
#
#   two_gateways.sh VPNGW WORKDIR
. "$(dirname "$0")/lib.sh" "$@"

e2e_underlay_direct
e2e_configs
sed -i 's|static_routes = \["192.0.2.128/25"\];|& steering = "active-active";|' \
	"$work/gw1.conf"
# vpngw 1 runs two workers, each polling one queue of each port (the
# kernel's packet fanout hashes flows over the two af_packet sockets) and
# encrypting into the same SAs: one sequence number space for both.
# Worker 1 shares CPU 0 with the control core (this machine has two).
sed -i -e 's|workers = \[1\];|workers = [1, 2];|' \
	-e 's|"--file-prefix", "vpngw-e2e-gw1|"--lcores", "0@0,1@1,2@0", &|' \
	-e 's#iface=g1\(in\|out\),#&qpairs=2,#' \
	-e 's#role = "\(in\|out\)side";#& queues = 2;#' "$work/gw1.conf"
grep -q "workers = \[1, 2\]" "$work/gw1.conf" && grep -q "qpairs=2" "$work/gw1.conf" ||
	fail "could not give vpngw 1 two workers"
# vpngw 1 asks its underlay neighbour again after 5 s (ARP aging); vpngw 2
# knows host B from a static entry.
sed -i 's|address = "203.0.113.1/24"; }|address = "203.0.113.1/24"; arp_timeout = 5; }|' \
	"$work/gw1.conf"
# Host B's network has an MTU of 1400 (vpngw 2's inside port says so):
# what comes out of the tunnel larger than that is fragmented, or refused
# with frag-needed through the tunnel when DF is set.
sed -i 's|address = "192.0.2.129/25"; }|address = "192.0.2.129/25"; static_arp = ["192.0.2.130 02:00:00:00:0b:01"]; mtu = 1400; }|' \
	"$work/gw2.conf"
grep -q "arp_timeout = 5" "$work/gw1.conf" && grep -q static_arp "$work/gw2.conf" ||
	fail "could not set the ARP options"
grep -q "mtu = 1400" "$work/gw2.conf" || fail "could not set vpngw 2's inside MTU"
# vpngw 2's worker sleeps while its ports are idle (as on a shared host):
# everything below crosses it all the same.
sed -i 's|^  workers = \[1\];|& worker_idle_sleep = 100;|' "$work/gw2.conf"
grep -q "worker_idle_sleep = 100" "$work/gw2.conf" || fail "could not set worker_idle_sleep"
ip -n "$B" link set b0 mtu 1400
# vpngw 2 takes from the tunnels only what comes from host A's half of its
# network (its traffic selector): a packet from 198.51.100.200 is dropped.
sed -i 's|static_routes = \["198.51.100.0/24"\];|& remote_networks = ["198.51.100.0/25"];|' \
	"$work/gw2.conf"

# Every ARP packet on the underlay, for the whole run (ARP aging).
ip netns exec "$G1" tshark -n -i g1out -f arp -w "$work/arp.pcap" \
	>"$work/tshark-arp.log" 2>&1 &
pids+=($!)
capture_started "$work/tshark-arp.log"
e2e_start

# Capture the underlay (inside G1's namespace) while host A pings host B.
ip netns exec "$G1" tshark -n -i g1out -a duration:16 -c 5000 \
	-w "$work/underlay.pcap" \
	>"$work/tshark.log" 2>&1 &
cap=$!
ip netns exec "$B" tshark -n -i b0 -a duration:16 -w "$work/hostb.pcap" \
	-f "tcp[tcpflags] & tcp-syn != 0" >"$work/tshark-b.log" 2>&1 &
capb=$!
capture_started "$work/tshark.log"
capture_started "$work/tshark-b.log"
ip netns exec "$A" ping -c 8 -i 0.3 -W 2 192.0.2.130 >"$work/ping.log" 2>&1
replies=$(grep -c "bytes from 192.0.2.130" "$work/ping.log")
# Large packets: fragmented before encryption (DF clear) ...
ip netns exec "$A" ping -c 3 -i 0.3 -W 2 -s 2000 -M dont 192.0.2.130 \
	>"$work/ping-big.log" 2>&1
big=$(grep -c "bytes from 192.0.2.130" "$work/ping-big.log")
# ... or refused with ICMP fragmentation-needed (DF set).
ip netns exec "$A" ping -c 2 -i 0.3 -W 2 -s 1472 -M do 192.0.2.130 \
	>"$work/ping-df.log" 2>&1
# A TCP stream of 8 flows, 4 seconds; the underlay's ESP headers kept to
# check the sequence numbers the two workers of vpngw 1 gave out.
ip netns exec "$B" iperf3 -s -1 -p 5201 >"$work/iperf3-s.log" 2>&1 &
iperf_srv=$!
ip netns exec "$G1" tshark -n -i g1out -s 96 -a duration:8 -c 400000 \
	-f "src host 203.0.113.1 or src host 203.0.113.11" \
	-w "$work/seq.pcap" >"$work/tshark-seq.log" 2>&1 &
capseq=$!
capture_started "$work/tshark-seq.log"
ip netns exec "$A" timeout 20 iperf3 -c 192.0.2.130 -p 5201 -t 4 -P 8 \
	-f m >"$work/iperf3.log" 2>&1
kill "$iperf_srv" 2>/dev/null
capture_done 60 "$cap" "$capb" "$capseq"

echo "ping: $replies of 8 replies; 2000-byte pings: $big of 3"
[ "$replies" -ge 6 ] || fail "ping through the tunnel: only $replies replies"
# The very first packet crossed too: vpngw 1 held it while it asked for
# its underlay neighbour (a router's queue for unresolved neighbours).
grep -q "from 192.0.2.130: icmp_seq=1 " "$work/ping.log" ||
	fail "the first ping was lost (no packet held while ARP resolved)"
[ "$big" -ge 2 ] || fail "fragmented pings: only $big replies"
grep -q -i "frag needed\|message too long\|mtu" "$work/ping-df.log" ||
	fail "no fragmentation-needed for a DF packet larger than the tunnel"

# The counters over DPDK telemetry, as dpdk-telemetry.py reads them.
# A loaded machine can make one try time out: ask again until all four
# replies are there (a wrong reply still fails below, with the text).
telemetry_asked() {
	printf '/vpngw/stats\n/vpngw/sa,0x2002\n/vpngw/tunnels,1\n/vpngw/tunnels,x\n' |
		timeout 20 dpdk-telemetry.py -f "vpngw-e2e-gw1-$id" >"$work/telemetry.json" 2>&1
	[ "$(grep -c '^{' "$work/telemetry.json")" -eq 4 ]
}
wait_for 90 "four telemetry replies from vpngw 1" telemetry_asked
tel_tx=$(/usr/bin/python3 -c '
import json, sys
d = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(d[0]["/vpngw/stats"]["outside_tx"], d[1]["/vpngw/sa"]["packets"])
' "$work/telemetry.json")
echo "telemetry: vpngw 1 outside_tx and sa 0x2002 packets: $tel_tx"
# Tunnels come in pages: from the second one on, only e2e/2 and no next
# page; a page that is not a number is refused.
page=$(/usr/bin/python3 -c '
import json, sys
d = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(sorted(d[2]["/vpngw/tunnels"]), d[3]["/vpngw/tunnels"])
' "$work/telemetry.json")
echo "telemetry /vpngw/tunnels,1 and ,x: $page"
[ "$page" = "['e2e/2'] None" ] ||
	fail "telemetry paging: $page; replies: $(cat "$work/telemetry.json")"
set -- $tel_tx
[ "${1:-0}" -gt 1000 ] && [ "${2:-0}" -gt 1000 ] ||
	fail "telemetry counters missing or zero: $tel_tx; replies: $(cat "$work/telemetry.json")"

# From outside vpngw 2's remote networks: dropped after decryption.
ip -n "$A" addr add 198.51.100.200/24 dev a0
ip netns exec "$A" ping -c 3 -i 0.3 -W 1 -I 198.51.100.200 192.0.2.130 \
	>"$work/ping-spoof.log" 2>&1
spoofed=$(grep -c "bytes from 192.0.2.130" "$work/ping-spoof.log")
echo "pings from outside vpngw 2's remote networks answered: $spoofed of 3"
[ "$spoofed" -eq 0 ] || fail "vpngw 2 let in a source outside its remote networks"

# A router (RFC 1812 5.3.1): each gateway takes one from the TTL (host B
# answers with 64, host A sees 62), and a packet whose TTL runs out is
# answered with time exceeded: at vpngw 1 from its inside address (TTL 1
# from host A), at vpngw 2 after decryption, through the tunnel, from its
# inside address (TTL 2).
grep -q "ttl=62" "$work/ping.log" ||
	fail "replies through two gateways do not arrive with TTL 62: $(grep -m1 ttl= "$work/ping.log")"
ip netns exec "$A" ping -c 2 -i 0.3 -W 2 -t 1 192.0.2.130 >"$work/ping-ttl1.log" 2>&1
ip netns exec "$A" ping -c 2 -i 0.3 -W 2 -t 2 192.0.2.130 >"$work/ping-ttl2.log" 2>&1
echo "TTL 1: $(grep -m1 -i "exceeded" "$work/ping-ttl1.log")"
echo "TTL 2: $(grep -m1 -i "exceeded" "$work/ping-ttl2.log")"
grep -q "198.51.100.1 .*Time to live exceeded" "$work/ping-ttl1.log" ||
	fail "no time exceeded from vpngw 1 for TTL 1"
grep -q "192.0.2.129 .*Time to live exceeded" "$work/ping-ttl2.log" ||
	fail "no time exceeded from vpngw 2 through the tunnel for TTL 2"
# ICMP errors are rate-limited (RFC 1812 4.3.2.8: 50 at once, 1,000 a
# second a worker): 200 packets with TTL 1 sent at once get about 50.
ip netns exec "$A" ping -c 200 -l 200 -i 0.2 -W 1 -t 1 -q 192.0.2.130 \
	>"$work/ping-ttl-flood.log" 2>&1
# Larger than host B's MTU of 1400 out of the tunnel: fragmented by
# vpngw 2 (DF clear), frag-needed with 1400 through the tunnel (DF set).
ip netns exec "$A" ping -c 3 -i 0.3 -W 2 -s 1400 -M dont 192.0.2.130 \
	>"$work/ping-inside-big.log" 2>&1
ip netns exec "$A" ping -c 2 -i 0.3 -W 2 -s 1400 -M do 192.0.2.130 \
	>"$work/ping-inside-df.log" 2>&1
inbig=$(grep -c "bytes from 192.0.2.130" "$work/ping-inside-big.log")
echo "1428-byte pings into host B's 1400-byte network: $inbig of 3 answered"
echo "DF set: $(grep -m1 -i "frag needed" "$work/ping-inside-df.log")"
[ "$inbig" -ge 2 ] || fail "packets above the inside MTU not fragmented"
grep -q "192.0.2.129 .*Frag needed.*mtu = 1400" "$work/ping-inside-df.log" ||
	fail "no frag-needed (mtu 1400) from vpngw 2 through the tunnel"

# vpngw 2's worker napped between the packets (and forwarded them all).
naps_asked() {
	echo /vpngw/stats | timeout 20 dpdk-telemetry.py -f "vpngw-e2e-gw2-$id" \
		>"$work/telemetry2.json" 2>&1 && grep -q '^{' "$work/telemetry2.json"
}
wait_for 90 "a telemetry reply from vpngw 2" naps_asked
naps=$(/usr/bin/python3 -c '
import json, sys
d = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(d[0]["/vpngw/stats"]["idle_sleeps"])
' "$work/telemetry2.json")
echo "vpngw 2 (worker_idle_sleep = 100): its worker slept ${naps:-0} times"
[ "${naps:-0}" -gt 0 ] || fail "vpngw 2's worker never slept: $(cat "$work/telemetry2.json")"

mbps=$(awk '/SUM.*receiver/ {print $6}' "$work/iperf3.log")
echo "iperf3: ${mbps:-0} Mbit/s over 8 TCP flows"
[ -n "$mbps" ] || fail "the iperf3 TCP stream did not complete"
# The SYNs that reach host B carry the MSS that fits the tunnel.
mss=$(tshark -n -r "$work/hostb.pcap" -Y "ip.src == 198.51.100.10" -T fields \
	-e tcp.options.mss_val 2>/dev/null | sort -n | tail -1)
echo "largest MSS of host A's SYNs at host B: ${mss:-none}"
[ -n "$mss" ] && [ "$mss" -le 1406 ] || fail "SYN MSS not clamped ($mss)"

# The underlay carries only ESP (protocol 50 or in UDP 4500) and ARP.
total=$(tshark -n -r "$work/underlay.pcap" 2>/dev/null | wc -l)
other=$(tshark -n -r "$work/underlay.pcap" -Y "!esp && !arp" 2>/dev/null | wc -l)
esp=$(tshark -n -r "$work/underlay.pcap" -Y "esp" 2>/dev/null | wc -l)
echo "underlay: $total packets, $esp ESP, $other neither ESP nor ARP"
[ "$esp" -ge 12 ] || fail "too little ESP on the underlay ($esp)"
[ "$other" -eq 0 ] || fail "$other packets on the underlay are not ESP/ARP"
udp=$(tshark -n -r "$work/underlay.pcap" -Y "udp.port == 4500 && esp" \
	2>/dev/null | wc -l)
echo "underlay: $udp of them ESP in UDP 4500 (tunnel 2)"
# ... and Wireshark decrypts it with the configured keys: the inner ICMP.
sa1="\"IPv4\",\"203.0.113.1\",\"203.0.113.2\",\"0x00002001\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x$K2\",\"NULL\",\"\""
sa2="\"IPv4\",\"203.0.113.2\",\"203.0.113.1\",\"0x00001001\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x$K1\",\"NULL\",\"\""
sa3="\"IPv4\",\"203.0.113.11\",\"203.0.113.2\",\"0x00002002\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x$K4\",\"NULL\",\"\""
icmp=$(tshark -n -r "$work/underlay.pcap" \
	-o esp.enable_encryption_decode:TRUE -o "uat:esp_sa:$sa1" \
	-o "uat:esp_sa:$sa2" -o "uat:esp_sa:$sa3" \
	-Y "icmp.type == 0 || icmp.type == 8" 2>/dev/null | wc -l)
echo "underlay: $icmp ICMP echo packets decrypted by tshark"
[ "$icmp" -ge 12 ] || fail "tshark decrypted only $icmp echo packets"

status=0
cleanup # stops the gateways: they print their final counters
for g in gw1 gw2; do
	grep -E "^vpngw: (outside|counters|sa )" "$work/$g.log"
done
# Active/active: vpngw 1 spread the flows over both tunnels' SAs.
for spi in 0x00002001 0x00002002; do
	n=$(awk -v s="$spi:" '$3 == s {print $4}' "$work/gw1.log")
	[ "${n:-0}" -gt 100 ] || { status=1; echo "FAIL: sa $spi carried ${n:-0} packets: flows not spread over both tunnels"; }
done
counter() { # counter GW NAME: from the final counters
	grep -o " $2 [0-9]*" "$work/$1.log" | awk '{print $2}'
}
refresh=$(counter gw1 arp_refresh)
echo "vpngw 1 refreshed aged ARP entries ${refresh:-0} times, forgot $(counter gw1 arp_expired)"
[ "${refresh:-0}" -ge 1 ] || { status=1; echo "FAIL: no ARP refresh after arp_timeout"; }
# A refresh is a unicast request, and vpngw 2 answers it.
uni=$(tshark -r "$work/arp.pcap" -Y "arp.opcode == 1 && eth.dst != ff:ff:ff:ff:ff:ff" 2>/dev/null | wc -l)
rep=$(tshark -r "$work/arp.pcap" -Y "arp.opcode == 2 && arp.dst.proto_ipv4 == 203.0.113.1" 2>/dev/null | wc -l)
echo "underlay ARP: $uni unicast requests, $rep replies to vpngw 1"
[ "$uni" -ge 1 ] && [ "$rep" -ge 2 ] || { status=1; echo "FAIL: ARP refresh not seen or not answered"; }
# Two workers, one SA: both did work, no sequence number went out twice,
# and vpngw 2 accepted every one (no packet dropped on its inbound SAs).
for w in 0 1; do
	n=$(awk -v w="$w:" '$2 == "worker" && $3 == w {print $11}' "$work/gw1.log")
	echo "vpngw 1 worker $w: ${n:-0} packets in from the inside"
	[ "${n:-0}" -gt 1000 ] || { status=1; echo "FAIL: worker $w of vpngw 1 idle"; }
done
tshark -n -r "$work/seq.pcap" -Y esp -T fields -e esp.spi -e esp.sequence \
	2>/dev/null >"$work/seq.txt"
dups=$(sort "$work/seq.txt" | uniq -d | wc -l)
echo "underlay: $(wc -l <"$work/seq.txt") ESP packets from vpngw 1, $dups sequence numbers sent twice"
[ "$(wc -l <"$work/seq.txt")" -gt 10000 ] && [ "$dups" -eq 0 ] ||
	{ status=1; echo "FAIL: sequence numbers reused or too few captured"; }
for spi in 0x00002001 0x00002002; do
	d=$(awk -v s="$spi:" '$3 == s {print $8}' "$work/gw2.log")
	echo "vpngw 2 sa $spi: ${d:-?} dropped"
	[ "${d:-1}" -eq 0 ] || { status=1; echo "FAIL: vpngw 2 dropped packets of sa $spi"; }
done
src=$(counter gw2 inner_src)
echo "vpngw 2 dropped ${src:-0} packets from outside its remote networks"
[ "${src:-0}" -ge 3 ] || { status=1; echo "FAIL: inner source drops not counted"; }
for c in "gw1 ttl_expired 200" "gw2 ttl_expired 2" "gw2 too_big_inside 5" "gw1 arp_held 1" "gw1 icmp_limited 100"; do
	set -- $c
	n=$(counter "$1" "$2")
	echo "$1 $2: ${n:-0}"
	[ "${n:-0}" -ge "$3" ] || { status=1; echo "FAIL: $1 counted ${n:-0} $2 (at least $3 expected)"; }
done
[ $status = 0 ] || exit 1
echo "ok: two gateways forward through ESP"
exit $status
