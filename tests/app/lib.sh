# Shared by the app tests that run vpngw on virtual devices with a pcap
# (sourced with VPNGW PCAPGEN): a work directory, the processes started
# (stopped by PID at exit), a pcap of plaintext, and a configuration whose
# outside port is net_null and whose inside port the test names.
set -u
vpngw=$1 pcapgen=$2
work=$(mktemp -d)
id=$$
pids=()
rundirs=()

. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
cleanup() {
	stop_pids
	rm -rf "$work"
	for d in "${rundirs[@]}"; do
		rm -rf "/var/run/dpdk/$d"
	done
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	head -n 40 "$work"/*.log
	exit 1
}

/usr/bin/python3 "$pcapgen" --size 200 --count 100 --out "$work/plain.pcap" \
	--src 198.51.100.10 --dst 192.0.2.130 >/dev/null || fail pcapgen

# app_conf NAME INSIDE_DEVICE EAL_ARG...: $work/vpngw.conf, file prefix
# vpngw-NAME-PID; tunnel 1 sends SPI 0x1001 to the CGW, a static ARP
# entry away on the null port.
app_conf() {
	local name=$1 dev=$2 eal="" k=0123456789abcdef0123456789abcdefc0ffee01
	shift 2
	for a in "$@"; do
		eal="$eal\"$a\", "
	done
	rundirs+=("vpngw-$name-$id")
	cat >"$work/vpngw.conf" <<EOF
appliance:
{
  name = "$name";
  state_dir = "$work/state";
  eal_args = [$eal"--file-prefix", "vpngw-$name-$id", "--log-level", "*:warning"];
  workers = [1];
  ports = (
    { name = "outside"; role = "outside"; device = "net_null0,no-rx=1";
      address = "203.0.113.10/24"; static_arp = ["203.0.113.1 02:00:00:00:00:02"]; },
    { name = "inside"; role = "inside"; device = "$dev";
      address = "198.51.100.1/24"; }
  );
  outside_addresses = ["203.0.113.10", "203.0.113.11"];
};
customer_gateways = ( { name = "cgw"; address = "203.0.113.1"; } );
vpn_connections = (
  { name = "$name"; customer_gateway = "cgw"; static_routes = ["192.0.2.0/24"];
    tunnels = (
      { manual_keys: { algorithm = "aes128gcm16"; spi_in = 0x2001; spi_out = 0x1001;
                       key_in = "$k"; key_out = "$k"; }; },
      { manual_keys: { algorithm = "aes128gcm16"; spi_in = 0x2002; spi_out = 0x1002;
                       key_in = "$k"; key_out = "$k"; }; }
    ); }
);
EOF
}

app_start() { # start vpngw on $work/vpngw.conf; its PID in vpngw_pid
	"$vpngw" "$work/vpngw.conf" >"$work/vpngw.log" 2>&1 &
	vpngw_pid=$!
	pids+=("$vpngw_pid")
	for _ in $(seq 1 100); do
		grep -q "vpngw: running" "$work/vpngw.log" && return 0
		sleep 0.1
	done
	fail "vpngw did not start"
}
