# Shared by the end-to-end tests (sourced): namespaces, links, the two
# vpngw configurations, starting and stopping everything this run started.
#
#   host A ---- vpngw 1 ======== underlay ======== vpngw 2 ---- host B
#   198.51.100.10  |  .1 (inside)                  (inside) .129 |  192.0.2.130
#
# The underlay is either one veth pair (e2e_underlay_direct: vpngw 1 at
# 203.0.113.1 and .11, vpngw 2 at 203.0.113.2, all in /24) or a router
# namespace U between two pairs (e2e_underlay_routed: vpngw 1 in
# 203.0.113.0/25 behind 203.0.113.126, vpngw 2 at 203.0.113.130 behind
# 203.0.113.254), where a test can cut one tunnel's path. Names carry this
# run's PID; vpngw ports have no kernel address.
#
# Sourced with the test's arguments: VPNGW [WORKDIR] (without WORKDIR, a
# temporary directory that is removed at the end; give one to keep logs).
set -u
vpngw=$1
work=${2:-}
own_work=
if [ -z "$work" ]; then
	work=$(mktemp -d)
	own_work=$work
fi
id=$$
A=vpngwA$id G1=vpngwG1$id G2=vpngwG2$id B=vpngwB$id U=vpngwU$id
namespaces=("$A" "$G1" "$G2" "$B")
pids=()
status=1

. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

cleanup() {
	stop_pids
	# A test's own extra cleanup (processes its gateways started).
	[ "$(type -t test_cleanup)" = function ] && test_cleanup
	for ns in "${namespaces[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "/var/run/dpdk/vpngw-e2e-gw1-$id" "/var/run/dpdk/vpngw-e2e-gw2-$id" \
		"/var/run/dpdk/vpngw-e2e-gen-$id"
}
trap 'cleanup; [ -n "${own_work:-}" ] && rm -rf "$own_work"' EXIT

fail() {
	echo "FAIL: $*"
	for f in "$work"/*.log "$work"/*.json; do
		[ -f "$f" ] || continue
		echo "--- $f"
		tail -n 30 "$f"
	done
	# Again at the end: meson shows only a failed test's last 100 lines.
	echo "FAIL: $*"
	exit 1
}

mkdir -p "$work"

# capture_done SECONDS PID...: until the captures (tshark with an autostop
# of their own) have ended; one still running after SECONDS is stopped
# (SIGINT writes its file; SIGKILL 5 s later), and says so. A loaded
# machine has left tshark running past its duration.
capture_done() {
	local limit=$1 t0=$SECONDS p
	shift
	for p in "$@"; do
		while kill -0 "$p" 2>/dev/null && [ $((SECONDS - t0)) -lt "$limit" ]; do
			sleep 0.2
		done
		kill -0 "$p" 2>/dev/null &&
			echo "capture $p still running after $limit s: stopped"
		kill_wait INT "$p" # (gone already: nothing to do)
	done
}

capture_started() { # capture_started LOG: tshark is capturing (a loaded
	for _ in $(seq 1 100); do # machine can take seconds to start it)
		grep -q "Capture started" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "tshark did not start ($1)"
}

link_up() { # link_up NS IF...: up, without IPv6 chatter
	local ns=$1
	shift
	for i in "$@"; do
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"
		ip -n "$ns" link set "$i" up
	done
}

port_link_up() { # port_link_up NS IF...: a vpngw port's veth
	# vpngw reads it with af_packet, but the namespace's kernel sees it
	# too: with the exception path our addresses live on that kernel's
	# TAP, and it would answer what arrives on the veth as well. Strict
	# reverse-path filtering drops that (the way back is the TAP); the
	# af_packet socket still gets every frame.
	local ns=$1
	shift
	link_up "$ns" "$@"
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=1
	for i in "$@"; do
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.$i.rp_filter=1"
	done
}

# Namespaces and DPDK run directories that an earlier run of these tests
# left when it was killed too hard to run its trap (meson, itself killed,
# takes its tests down with SIGKILL): ours by name, whose harness PID is
# gone, and with no process left inside. Anything else is left alone.
sweep_stale() {
	local ns pid
	for ns in $(ip netns list | awk '{print $1}'); do
		[[ $ns =~ ^vpngw(A|B|U|G1|G2)([0-9]+)$ ]] || continue
		pid=${BASH_REMATCH[2]}
		kill -0 "$pid" 2>/dev/null && continue
		[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] || continue
		ip netns del "$ns" 2>/dev/null && echo "removed $ns, left by a killed run (PID $pid)"
	done
	for d in /var/run/dpdk/vpngw-e2e-gw[12]-*; do
		[ -d "$d" ] || continue
		pid=${d##*-}
		[[ $pid =~ ^[0-9]+$ ]] || continue
		kill -0 "$pid" 2>/dev/null || rm -rf "$d"
	done
}

e2e_hosts() { # the namespaces, and host A's and host B's links
	sweep_stale
	for ns in "${namespaces[@]}"; do
		ip netns add "$ns" || fail "ip netns add $ns"
		ip -n "$ns" link set lo up
	done
	ip link add a0 netns "$A" type veth peer g1in netns "$G1" || fail veth
	ip link add g2in netns "$G2" type veth peer b0 netns "$B" || fail veth
	link_up "$A" a0
	port_link_up "$G1" g1in
	port_link_up "$G2" g2in
	link_up "$B" b0
	ip -n "$A" addr add 198.51.100.10/24 dev a0
	ip -n "$A" route add default via 198.51.100.1
	ip -n "$B" link set b0 address 02:00:00:00:0b:01
	ip -n "$B" addr add 192.0.2.130/25 dev b0
	ip -n "$B" route add default via 192.0.2.129
	# The hosts compute their own checksums: with TX checksum offload a
	# veth hands af_packet (and so vpngw) TCP segments whose checksum
	# is not done.
	ip netns exec "$A" ethtool -K a0 tx off >/dev/null
	ip netns exec "$B" ethtool -K b0 tx off >/dev/null
}

# The bundled generator (vpngw-gen) as host A and host B at once:
# gen_attach moves host B's link into host A's namespace (G2 keeps a
# permanent neighbour entry for 192.0.2.130), and gen_start sends UDP
# from a0 to vpngw 1's inside port and counts what arrives on b0 by
# sequence number (lost, reordered, duplicated).
gen=$(dirname "$vpngw")/../vpngw-gen/vpngw-gen
gen_attach() {
	ip -n "$B" link set b0 netns "$A" || fail "b0 into host A's namespace"
	link_up "$A" b0
	ip -n "$G2" neigh replace 192.0.2.130 lladdr 02:00:00:00:0b:01 dev g2in \
		nud permanent || fail "neighbour 192.0.2.130 in G2"
}
# gen_start OUT ARGS...: in the background (pid in gen_pid); its JSON
# line in OUT, its log in OUT.log. ARGS: rate, count or seconds, etc.
gen_start() {
	local out=$1 dmac
	shift
	dmac=$(ip netns exec "$G1" cat /sys/class/net/g1in/address) || fail "g1in's MAC"
	ip netns exec "$A" "$gen" --no-huge --no-shconf --no-pci -m 256 -l 0 \
		--file-prefix "vpngw-e2e-gen-$id" --log-level '*:warning' \
		--vdev "net_af_packet20,iface=a0,$AFP" --vdev "net_af_packet21,iface=b0,$AFP" \
		-- --tx 0 --rx 1 --dmac "$dmac" --src 198.51.100.10 --dst 192.0.2.130 \
		--json "$@" >"$out" 2>"$out.log" &
	gen_pid=$!
	pids+=($gen_pid)
}
# gen_field OUT KEY: a number from gen_start's JSON
gen_field() {
	/usr/bin/python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])[sys.argv[2]])' "$1" "$2" 2>/dev/null
}

e2e_underlay_direct() {
	e2e_hosts
	ip link add g1out netns "$G1" type veth peer g2out netns "$G2" ||
		fail veth
	port_link_up "$G1" g1out
	port_link_up "$G2" g2out
	GW2_OUT=203.0.113.2 OUT_LEN=24
}

e2e_underlay_routed() {
	namespaces+=("$U")
	e2e_hosts
	ip link add g1out netns "$G1" type veth peer u1 netns "$U" || fail veth
	ip link add u2 netns "$U" type veth peer g2out netns "$G2" || fail veth
	port_link_up "$G1" g1out
	port_link_up "$G2" g2out
	link_up "$U" u1 u2
	ip -n "$U" addr add 203.0.113.126/25 dev u1
	ip -n "$U" addr add 203.0.113.254/25 dev u2
	ip netns exec "$U" sysctl -qw net.ipv4.ip_forward=1
	# Complete checksums on what U itself sends (see e2e_hosts).
	ip netns exec "$U" ethtool -K u1 tx off >/dev/null
	ip netns exec "$U" ethtool -K u2 tx off >/dev/null
	GW2_OUT=203.0.113.130 OUT_LEN=25
}

# The two ends' keys mirror each other: one's spi_in/key_in is the
# other's spi_out/key_out.
K1=000102030405060708090a0b0c0d0e0f10111213
K2=202122232425262728292a2b2c2d2e2f30313233
K3=404142434445464748494a4b4c4d4e4f50515253
K4=606162636465666768696a6b6c6d6e6f70717273

# net_af_packet: the kernel reassembles IP fragments for its sockets
# (PACKET_FANOUT_FLAG_DEFRAG, not optional in DPDK 22.11), so frames must
# hold a reassembled packet; qdisc_bypass=0 lets a capture on the same
# interface see what vpngw sends.
AFP="framesz=8192,blocksz=8192,qdisc_bypass=0"

conf() { # conf NAME INSIDE_IF INSIDE_ADDR OUTSIDE_IF OUTSIDE_ADDR OUTSIDES
	 #      CGW_ADDR ROUTE T1 T2
	cat <<EOF
appliance:
{
  name = "$1";
  state_dir = "$work/$1.state";
  eal_args = ["--no-huge", "--no-shconf", "-m", "512",
              "--file-prefix", "vpngw-e2e-$1-$id", "--log-level", "*:warning"];
  workers = [1];
  ports = (
    { name = "outside"; role = "outside";
      device = "net_af_packet${1: -1}0,iface=$4,$AFP"; address = "$5"; },
    { name = "inside"; role = "inside";
      device = "net_af_packet${1: -1}1,iface=$2,$AFP"; address = "$3"; }
  );
  outside_addresses = $6;
};
customer_gateways = ( { name = "peer"; address = "$7"; } );
vpn_connections = (
  { name = "e2e"; customer_gateway = "peer"; static_routes = ["$8"];
    tunnels = ( { $9 }, { ${10} } ); }
);
EOF
}
mk() { # mk SPI_IN KEY_IN SPI_OUT KEY_OUT [extra]
	echo "manual_keys: { algorithm = \"aes128gcm16\"; spi_in = $1; key_in = \"$2\"; spi_out = $3; key_out = \"$4\"; ${5:-} };"
}

# gw1.conf and gw2.conf: tunnel 1 raw ESP, tunnel 2 ESP in UDP 4500;
# vpngw 2 plays the customer gateway, one address to vpngw 1's two.
e2e_configs() {
	conf gw1 g1in 198.51.100.1/24 g1out "203.0.113.1/$OUT_LEN" \
		'["203.0.113.1", "203.0.113.11"]' "$GW2_OUT" 192.0.2.128/25 \
		"$(mk 0x1001 $K1 0x2001 $K2)" \
		"$(mk 0x1002 $K3 0x2002 $K4 'encapsulation = "udp";')" \
		>"$work/gw1.conf"
	conf gw2 g2in 192.0.2.129/25 g2out "$GW2_OUT/$OUT_LEN" \
		"[\"$GW2_OUT\"]" 203.0.113.1 198.51.100.0/24 \
		"remote_address = \"203.0.113.1\"; $(mk 0x2001 $K2 0x1001 $K1)" \
		"remote_address = \"203.0.113.11\"; $(mk 0x2002 $K4 0x1002 $K3 'encapsulation = "udp";')" \
		>"$work/gw2.conf"
	if [ "$OUT_LEN" = 25 ]; then # routed: the next hop is the router
		sed -i 's|address = "203.0.113.1/25";|& gateway = "203.0.113.126";|' \
			"$work/gw1.conf"
		sed -i 's|address = "203.0.113.130/25";|& gateway = "203.0.113.254";|' \
			"$work/gw2.conf"
		grep -q 203.0.113.126 "$work/gw1.conf" &&
			grep -q 203.0.113.254 "$work/gw2.conf" ||
			fail "could not set the gateways"
	fi
}

# e2e_ike_configs PSK T1_EXTRA: gw1.conf and gw2.conf for IKEv2 with PSKs
# PSK.1 and PSK.2, both with the exception path; vpngw 2 plays the
# customer gateway and starts both tunnels; T1_EXTRA goes into tunnel 1
# on both sides (lab lifetimes, say).
e2e_ike_configs() {
	local psk=$1 t1=$2
	conf gw1 g1in 198.51.100.1/24 g1out 203.0.113.1/24 \
		'["203.0.113.1", "203.0.113.11"]' 203.0.113.2 192.0.2.128/25 \
		"psk = \"$psk.1\"; $t1" "psk = \"$psk.2\";" >"$work/gw1.conf"
	conf gw2 g2in 192.0.2.129/25 g2out 203.0.113.2/24 '["203.0.113.2"]' \
		203.0.113.1 198.51.100.0/24 \
		"remote_address = \"203.0.113.1\"; startup_action = \"start\"; psk = \"$psk.1\"; $t1" \
		"remote_address = \"203.0.113.11\"; startup_action = \"start\"; psk = \"$psk.2\";" \
		>"$work/gw2.conf"
	for g in gw1 gw2; do
		sed -i 's|^  workers = \[1\];|& exception_iface = "vpngw0";|' "$work/$g.conf"
		grep -q exception_iface "$work/$g.conf" || fail "no exception_iface"
	done
}

links_up() { # links_up LOG: every port vpngw found down at start is up since
	local p
	for p in $(sed -n 's/^vpngw: port \(.*\): link down at start$/\1/p' "$1"); do
		grep -q "^vpngw: port $p: link up" "$1" || return 1
	done
}

e2e_start() { # check and start both gateways, wait until they run
	# and see their links up
	for g in gw1 gw2; do
		ns=$G1
		[ $g = gw2 ] && ns=$G2
		"$vpngw" -n "$work/$g.conf" >/dev/null ||
			fail "$g.conf does not check"
		ip netns exec "$ns" "$vpngw" "$work/$g.conf" >"$work/$g.log" 2>&1 &
		pids+=($!)
	done
	# 60 s: a loaded machine can take a while over EAL and the TAP.
	for g in gw1 gw2; do
		wait_for 60 "$g running" grep -q "vpngw: running" "$work/$g.log"
	done
	# A veth's carrier may come up after vpngw has looked (the kernel
	# reports it up to a second late); vpngw polls it every 250 ms and
	# forwards on a port only once it has seen it up.
	for g in gw1 gw2; do
		wait_for 30 "$g's links up" links_up "$work/$g.log"
	done
	# What forwards, rekeys and writes from here has dropped its
	# privileges (every thread).
	for p in "${pids[@]: -2}"; do
		[ "$(privs_dropped "$p")" = ok ] ||
			fail "vpngw $p kept more than it needs: $(privs_dropped "$p")"
	done
	echo "ok: both gateways run with only their capabilities ($VPNGW_CAPS)"
}

iperf3_ready() { # iperf3_ready NS: until its iperf3 server listens (10 s)
	for _ in $(seq 1 100); do
		ip netns exec "$1" ss -Hltn 'sport = :5201' | grep -q . && return 0
		sleep 0.1
	done
	fail "no iperf3 server listening in $1 after 10 s"
}

udp_loss() { # udp_loss IPERF3_JSON: "SENT LOST" of an iperf3 -u -J client run
	# What the server counted (sum_received): the client's own "sum" says
	# what it sent and never reports a loss. The server closes its count
	# when the client says the test is over, so the last few packets may
	# still be on their way (5 of 70,000 at 1,000 a second through two
	# gateways): a missing tail of up to 0.1 % (at least 10) is in
	# flight, a longer one is lost.
	/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["end"]
s, r = d["sum"], d["sum_received"]
tail = s["packets"] - r["packets"]
print(s["packets"], r["lost_packets"] +
      (tail if tail > max(10, s["packets"] // 1000) else 0))' "$1"
}

# wait_for SECONDS WHAT CMD...: until CMD succeeds (checked every 0.2 s;
# CMD is run each time, so give a function, not "$(...)"); says how long
# it took, or fails saying what was awaited.
wait_for() {
	local limit=$1 what=$2 t0=$SECONDS
	shift 2
	# A deadline in time, not a number of tries: a slow CMD gets fewer.
	while [ $((SECONDS - t0)) -lt "$limit" ]; do
		if "$@"; then
			echo "ok: $what after $((SECONDS - t0)) s"
			return 0
		fi
		sleep 0.2
	done
	"$@"
	fail "$what: not within $limit s"
}

# console NAME LINE...: a session on vpngw 1's console (Debian's telnet
# under expect) running each LINE; its text, without CRs, in
# $work/NAME-console.txt.
console() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$work/$name.cmds"
	timeout 60 expect "$(dirname "${BASH_SOURCE[0]}")/console.exp" "$G1" admin "" \
		"$work/$name.cmds" | tr -d '\r' >"$work/$name-console.txt" ||
		fail "console session $name"
}

sa_packets() { # sa_packets GW SPI: packets of GW's SA SPI, as telemetry says
	tel "$1" "/vpngw/sa,$2" "d['packets']"
}

# pings_carried WHAT SPI MIN: 10 pings from host A to host B, of which
# at least MIN answered and carried by vpngw 1's outbound SA SPI; said,
# or the test fails for WHAT.
pings_carried() {
	local before n after
	before=$(sa_packets gw1 "$2")
	n=$(pings 10)
	after=$(sa_packets gw1 "$2")
	echo "$1: $n of 10 pings answered; SA $2 carried $((after - before)) packets"
	[ "$n" -ge "$3" ] && [ $((after - before)) -ge "$3" ] ||
		fail "$1: the pings did not go through SA $2"
}

pings() { # pings N: how many of N pings from host A to host B were answered
	ip netns exec "$A" ping -c "$1" -i 0.2 -W 1 192.0.2.130 2>/dev/null |
		grep -c "bytes from 192.0.2.130"
}

tel() { # tel GW COMMAND EXPR: EXPR (Python, over d) of a telemetry reply
	printf '%s\n' "$2" |
		timeout 10 dpdk-telemetry.py -f "vpngw-e2e-$1-$id" 2>/dev/null |
		/usr/bin/python3 -c '
import json, sys
r = [json.loads(l) for l in sys.stdin if l.startswith("{")]
d = r[0][sys.argv[1].split(",")[0]]
print(eval(sys.argv[2]))
' "$2" "$3" 2>/dev/null
}
