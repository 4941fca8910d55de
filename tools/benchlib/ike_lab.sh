# Sourced by tools/bench-ike*.sh (from the source tree's top) after
# their options: the IKE benchmarks' lab. Two namespaces, L (the load:
# ike-load) and R (the gateway: vpngw, or charon), joined by l0-r0
# (vpngw's outside port) and l1-r1 (its inside port: a veth with nothing
# behind it, quiet, unlike net_null, whose RX never stops). The caller
# sets NAME (its name in messages) and build, and gives L its addresses.
# Sets vpngw, load, work, id, L, G2, pids; fail; cleans up on exit.

vpngw=$build/app/vpngw/vpngw load=$build/app/ike-load/ike-load
[ -x "$vpngw" ] && [ -x "$load" ] ||
	{ echo "$NAME: build $build first (tools/build.sh)" >&2; exit 2; }
work=$(mktemp -d) id=$$
L=ikeL$id G2=ikeR$id
pids=()
. tests/common.sh
fail() { echo "$NAME: $*" >&2; exit 1; }

trap ike_lab_down EXIT

# ike_lab_up: the namespaces and links
ike_lab_up() {
	ip netns add "$L" && ip netns add "$G2" || fail "ip netns add"
	ip -n "$L" link set lo up
	ip -n "$G2" link set lo up
	ip link add l0 netns "$L" type veth peer r0 netns "$G2" || fail veth
	ip link add l1 netns "$L" type veth peer r1 netns "$G2" || fail veth
	for ns in "$L:l0" "$G2:r0" "$L:l1" "$G2:r1"; do
		ip netns exec "${ns%%:*}" sysctl -qw "net.ipv6.conf.${ns#*:}.disable_ipv6=1"
		ip -n "${ns%%:*}" link set "${ns#*:}" up
	done
	# Checksums done in software: with TX offload a veth hands af_packet
	# (and so vpngw, and its kernel behind the TAP) UDP with the checksum
	# not done.
	ip netns exec "$L" ethtool -K l0 tx off >/dev/null
	# R's kernel takes IKE only from vpngw's TAP, not off the veth vpngw
	# polls (its addresses are on the TAP; a weak host would take them
	# on r0 too).
	ip netns exec "$G2" sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.r0.rp_filter=1
}

# ike_lab_down: what ike_lab_up and the runs made
ike_lab_down() {
	stop_pids
	ip netns del "$L" 2>/dev/null
	ip netns del "$G2" 2>/dev/null
	rm -rf "/var/run/dpdk/vpngw-bench-$id" "$work"
}

# ike_lab_eal: vpngw's EAL arguments here (control lcore on CPU 1, the
# worker on CPU 0), its file prefix vpngw-bench-$id (for telemetry).
ike_lab_eal() {
	echo "[\"--no-huge\", \"--no-shconf\", \"-m\", \"1024\", \"--lcores\", \"0@1,1@0\",
              \"--file-prefix\", \"vpngw-bench-$id\", \"--log-level\", \"*:warning\"]"
}

# ike_lab_appliance NAME OUTSIDE [LINE]: vpngw's appliance section here:
# its outside port r0 (203.0.113.1/24), inside r1, the exception path,
# the worker sleeping while idle; OUTSIDE its outside_addresses (a
# libconfig list), LINE one more setting (pki).
ike_lab_appliance() {
	cat <<EOF
appliance:
{
  name = "$1";
  state_dir = "$work/state";
  eal_args = $(ike_lab_eal);
  workers = [1];
  worker_idle_sleep = 50;
  exception_iface = "vpngw0";
  ports = (
    { name = "outside"; role = "outside";
      device = "net_af_packet0,iface=r0,framesz=8192,blocksz=8192";
      address = "203.0.113.1/24"; },
    { name = "inside"; role = "inside";
      device = "net_af_packet1,iface=r1,framesz=8192,blocksz=8192";
      address = "198.51.100.1/24"; }
  );
  outside_addresses = $2;
${3:-}
};
EOF
}

# ike_lab_vpngw VPNGW CONF LOG: vpngw in R until it runs; sets vpid
ike_lab_vpngw() {
	ip netns exec "$G2" "$1" "$2" >"$3" 2>&1 &
	vpid=$!
	pids+=($vpid)
	for _ in $(seq 1 600); do
		grep -q "vpngw: running" "$3" && return 0
		kill -0 "$vpid" 2>/dev/null || break
		sleep 0.1
	done
	tail "$3" >&2
	fail "vpngw did not start"
}
