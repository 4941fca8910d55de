# Sourced by tools/bench-ike*.sh: the IKE benchmarks' lab. Two namespaces,
# L (the load: ike-load) and R (the gateway: vpngw, or charon), joined by
# l0-r0 (vpngw's outside port) and l1-r1 (its inside port: a veth with
# nothing behind it, quiet, unlike net_null, whose RX never stops). The
# caller sets L, G2, work and id, has tests/common.sh sourced (pids,
# stop_pids) and a fail function, and gives L its addresses.

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
