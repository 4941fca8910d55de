#!/bin/bash
# vpngw on net_memif: DPDK's testpmd replays a pcap of plaintext (net_pcap)
# into a memif link (it is the server), vpngw is the memif client on its
# inside port, encrypts into the tunnel and sends to net_null. vpngw's SA
# must count the packets. This is how a generator on the same machine
# drives vpngw.
#
#   memif.sh VPNGW PCAPGEN
set -u
vpngw=$1 pcapgen=$2
work=$(mktemp -d)
id=$$
sock=$work/memif.sock
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill -INT "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		for _ in $(seq 1 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$work" "/var/run/dpdk/vpngw-memif-$id" "/var/run/dpdk/testpmd-memif-$id"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	head -n 40 "$work"/*.log
	exit 1
}

/usr/bin/python3 "$pcapgen" --size 200 --count 100 --out "$work/plain.pcap" \
	--src 198.51.100.10 --dst 192.0.2.130 >/dev/null || fail pcapgen

# testpmd: port 0 the memif server, port 1 the pcap; io forwarding sends
# what port 1 reads to port 0. --no-huge: memif shares its own regions.
# Its stdin stays open (at end of input it stops forwarding and exits).
K=0123456789abcdef0123456789abcdefc0ffee01
keys() { # keys SPI_IN SPI_OUT
	echo "manual_keys: { algorithm = \"aes128gcm16\"; spi_in = $1; spi_out = $2; key_in = \"$K\"; key_out = \"$K\"; };"
}
cat >"$work/vpngw.conf" <<EOF
appliance:
{
  name = "memif";
  state_dir = "$work/state";
  eal_args = ["--no-huge", "--no-shconf", "-m", "512",
              "--file-prefix", "vpngw-memif-$id", "--log-level", "*:warning"];
  workers = [1];
  ports = (
    { name = "outside"; role = "outside"; device = "net_null0,no-rx=1";
      address = "203.0.113.10/24"; static_arp = ["203.0.113.1 02:00:00:00:00:02"]; },
    { name = "inside"; role = "inside";
      device = "net_memif0,role=client,socket=$sock,socket-abstract=no";
      address = "198.51.100.1/24"; }
  );
  outside_addresses = ["203.0.113.10", "203.0.113.11"];
};
customer_gateways = ( { name = "cgw"; address = "203.0.113.1"; } );
vpn_connections = (
  { name = "memif"; customer_gateway = "cgw"; static_routes = ["192.0.2.0/24"];
    tunnels = ( { $(keys 0x2001 0x1001) }, { $(keys 0x2002 0x1002) } ); }
);
EOF
mkfifo "$work/stdin"
exec 3<>"$work/stdin" # held open by this shell: testpmd never reads EOF
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
"$vpngw" "$work/vpngw.conf" >"$work/vpngw.log" 2>&1 &
vp=$!
pids=("$vp" "${pids[@]}")
for _ in $(seq 1 100); do
	grep -q "vpngw: running" "$work/vpngw.log" && break
	sleep 0.1
done
grep -q "vpngw: running" "$work/vpngw.log" || fail "vpngw did not start"
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
kill -INT "$vp"
for _ in $(seq 1 50); do
	kill -0 "$vp" 2>/dev/null || break
	sleep 0.1
done
n=$(awk '$3 == "0x00001001:" {print $4}' "$work/vpngw.log")
echo "vpngw encrypted ${n:-0} packets that came in over memif"
[ "${n:-0}" -ge 1000 ] || fail "too few packets through memif"
echo "ok: vpngw forwards from net_memif"
