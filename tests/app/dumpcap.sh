#!/bin/bash
# dpdk-dumpcap captures on vpngw's ports (vpngw enables rte_pdump): vpngw
# encrypts a pcap replayed on its inside port (net_pcap) to net_null, and
# dpdk-dumpcap, a secondary process, captures the outside port; tshark
# must find ESP of the tunnel's SPI in the capture. Needs hugepages (a
# secondary process shares the primary's memory); tools/setup.sh sets
# them up.
#
#   dumpcap.sh VPNGW PCAPGEN
set -u
vpngw=$1 pcapgen=$2
work=$(mktemp -d)
prefix=vpngw-dumpcap-$$
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -INT "$pid" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -rf "$work" "/var/run/dpdk/$prefix"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	tail -n 20 "$work"/*.log
	exit 1
}

free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)
[ "$free" -ge 256 ] ||
	fail "needs 256 free 2 MB hugepages (has $free): run tools/setup.sh"
/usr/bin/python3 "$pcapgen" --size 200 --count 100 --out "$work/plain.pcap" \
	--src 198.51.100.10 --dst 192.0.2.130 >/dev/null || fail pcapgen
K=0123456789abcdef0123456789abcdefc0ffee01
keys() { # keys SPI_IN SPI_OUT
	echo "manual_keys: { algorithm = \"aes128gcm16\"; spi_in = $1; spi_out = $2; key_in = \"$K\"; key_out = \"$K\"; };"
}
cat >"$work/vpngw.conf" <<EOF
appliance:
{
  name = "dumpcap";
  state_dir = "$work/state";
  eal_args = ["-m", "256", "--file-prefix", "$prefix",
              "--log-level", "*:warning"];
  workers = [1];
  ports = (
    { name = "outside"; role = "outside"; device = "net_null0,no-rx=1";
      address = "203.0.113.10/24"; static_arp = ["203.0.113.1 02:00:00:00:00:02"]; },
    { name = "inside"; role = "inside";
      device = "net_pcap0,rx_pcap=$work/plain.pcap,infinite_rx=1";
      address = "198.51.100.1/24"; }
  );
  outside_addresses = ["203.0.113.10", "203.0.113.11"];
};
customer_gateways = ( { name = "cgw"; address = "203.0.113.1"; } );
vpn_connections = (
  { name = "dc"; customer_gateway = "cgw"; static_routes = ["192.0.2.0/24"];
    tunnels = ( { $(keys 0x2001 0x1001) }, { $(keys 0x2002 0x1002) } ); }
);
EOF
# Hugepages and a shared configuration (no --in-memory, no --no-shconf):
# the secondary process maps the primary's memory.
"$vpngw" "$work/vpngw.conf" >"$work/vpngw.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	grep -q "vpngw: running" "$work/vpngw.log" && break
	sleep 0.1
done
grep -q "vpngw: running" "$work/vpngw.log" || fail "vpngw did not start"
grep -q "dpdk-dumpcap) unavailable" "$work/vpngw.log" && fail "rte_pdump off"

timeout 30 dpdk-dumpcap --file-prefix "$prefix" -i net_null0 -c 50 \
	-w "$work/out.pcapng" >"$work/dumpcap.log" 2>&1 ||
	fail "dpdk-dumpcap failed"
esp=$(tshark -n -r "$work/out.pcapng" -Y "esp.spi == 0x1001" 2>/dev/null | wc -l)
echo "dpdk-dumpcap on the outside port: $esp ESP packets of SPI 0x1001"
[ "$esp" -ge 50 ] || fail "the capture holds $esp ESP packets, not 50"
echo "ok: dpdk-dumpcap captures vpngw's ports"
