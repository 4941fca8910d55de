#!/bin/bash
# vpngw on net_memif: DPDK's testpmd replays a pcap of plaintext (net_pcap)
# into a memif link (it is the server), vpngw is the memif client on its
# inside port, encrypts into the tunnel and sends to net_null. vpngw's SA
# must count the packets. This is how a generator on the same machine
# drives vpngw.
#
#   memif.sh VPNGW PCAPGEN
. "$(dirname "$0")/lib.sh" "$@"
sock=$work/memif.sock

# testpmd: port 0 the memif server, port 1 the pcap; io forwarding sends
# what port 1 reads to port 0. --no-huge: memif shares its own regions.
# Its stdin stays open (at end of input it stops forwarding and exits).
mkfifo "$work/stdin"
exec 3<>"$work/stdin" # held open by this shell: testpmd never reads EOF
rundirs+=("testpmd-memif-$id")
timeout 60 dpdk-testpmd -l 0,1 --no-pci --no-huge --no-shconf -m 512 \
	--file-prefix "testpmd-memif-$id" \
	--vdev "net_memif0,role=server,socket=$sock,socket-abstract=no" \
	--vdev "net_pcap0,rx_pcap=$work/plain.pcap,infinite_rx=1" \
	--log-level "*:warning" -- \
	--forward-mode=io --auto-start --no-lsc-interrupt \
	--total-num-mbufs=8192 >"$work/testpmd.log" 2>&1 <"$work/stdin" &
pids+=($!)
for _ in $(seq 1 100); do
	[ -S "$sock" ] && break
	sleep 0.1
done
[ -S "$sock" ] || fail "testpmd did not open the memif socket"
# The server takes a client only once its port is started: a client that
# comes earlier is turned away and memif does not try again. testpmd
# checks link statuses once it has started its ports.
for _ in $(seq 1 100); do
	grep -q "Checking link statuses" "$work/testpmd.log" && break
	sleep 0.1
done
grep -q "Checking link statuses" "$work/testpmd.log" ||
	fail "testpmd did not start its ports"
app_conf memif "net_memif0,role=client,socket=$sock,socket-abstract=no" \
	--no-huge --no-shconf -m 512
app_start
# The memif link comes up when both sides have met (and testpmd waits for
# its links before it forwards): watch vpngw's SA, up to 30 s.
for _ in $(seq 1 30); do
	n=$(echo /vpngw/sa,0x1001 |
		timeout 10 dpdk-telemetry.py -f "vpngw-memif-$id" 2>/dev/null |
		/usr/bin/python3 -c '
import json, sys
r = [json.loads(l) for l in sys.stdin if l.startswith("{")]
print(r[0]["/vpngw/sa"]["packets"] if r else 0)' 2>/dev/null)
	[ "${n:-0}" -ge 1000 ] && break
	sleep 1
done
stop_pids
n=$(awk '$3 == "0x00001001:" {print $4}' "$work/vpngw.log")
echo "vpngw encrypted ${n:-0} packets that came in over memif"
[ "${n:-0}" -ge 1000 ] || fail "too few packets through memif"
echo "ok: vpngw forwards from net_memif"
