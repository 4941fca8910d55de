#!/bin/bash
# dpdk-dumpcap captures on vpngw's ports (vpngw enables rte_pdump): vpngw
# encrypts a pcap replayed on its inside port (net_pcap) to net_null, and
# dpdk-dumpcap, a secondary process, captures the outside port; tshark
# must find ESP of the tunnel's SPI in the capture. Needs hugepages (a
# secondary process shares the primary's memory); tools/setup.sh sets
# them up.
#
#   dumpcap.sh VPNGW PCAPGEN
. "$(dirname "$0")/lib.sh" "$@"

free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)
[ "$free" -ge 256 ] ||
	fail "needs 256 free 2 MB hugepages (has $free): run tools/setup.sh"
# Hugepages and a shared configuration (no --in-memory, no --no-shconf):
# the secondary process maps the primary's memory.
# The secondary maps the primary's memory at the primary's addresses;
# left to itself the primary (with ASan's shadow, more so) may pick a
# range the secondary's own libraries already hold ("Cannot reserve ...
# at [0x...]": seen in CI). 32 TiB is clear of both, and of ASan's shadow.
app_conf dumpcap "net_pcap0,rx_pcap=$work/plain.pcap,infinite_rx=1" -m 256 \
	--base-virtaddr 0x200000000000
app_start
grep -q "dpdk-dumpcap) unavailable" "$work/vpngw.log" && fail "rte_pdump off"

timeout 30 dpdk-dumpcap --file-prefix "vpngw-dumpcap-$id" -i net_null0 -c 50 \
	-w "$work/out.pcapng" >"$work/dumpcap.log" 2>&1 ||
	fail "dpdk-dumpcap failed"
esp=$(tshark -n -r "$work/out.pcapng" -Y "esp.spi == 0x1001" 2>/dev/null | wc -l)
echo "dpdk-dumpcap on the outside port: $esp ESP packets of SPI 0x1001"
[ "$esp" -ge 50 ] || fail "the capture holds $esp ESP packets, not 50"
echo "ok: dpdk-dumpcap captures vpngw's ports"
