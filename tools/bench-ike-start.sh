#!/bin/bash
# Cold start: how long vpngw takes to bring N tunnels up (N/2 connections,
# both tunnels startup_action = "start"), against ike-load --respond playing
# every customer gateway in a namespace of its own; and the memory a tunnel
# costs, configured and up. A benchmark: it prints figures and fails only
# when tunnels do not come up.
#
#   namespace L (ike-load --respond, CPU 0)  ---- veth ----  namespace R
#   customer gateways 203.0.113.NOUT+1 ... .254              vpngw, outside
#   (each address the CGW of several connections)            203.0.113.1-.NOUT
#
# Tunnel pairs: outside addresses x CGW addresses; NOUT (even, at most
# 64) is the fewest that hold N tunnels with the rest of 203.0.113.0/24
# for the CGWs: 10 for 2,000 tunnels, 50 for 10,000, 64 x 190 = 12,160
# tunnels at most (the documentation ranges hold no more).
# vpngw's control lcore has CPU 1; its worker shares CPU 0 with ike-load and
# sleeps while idle (worker_idle_sleep = 50). PSK, AES-128-GCM, PRF
# SHA2-256, DH 19 (--group G).
#
# Three runs of vpngw: one connection configured (a baseline), all of them
# configured without starting (startup_action = "add"), all started. Memory
# is what vpngw has in use, from telemetry's /vpngw/info: the C heap (IKE
# SAs, the model, tables) plus DPDK's heap (SAs, keys, packet pools).
#
#   tools/bench-ike-start.sh [--build DIR] [--tunnels 2000] [--group 19]
#                            [--seconds 120] [--helpers 1]
# --helpers N: vpngw's appliance.ike_helpers (DH key pairs made ahead).
set -u
cd "$(dirname "$0")/.." || exit 2
build=build tunnels=2000 group=19 seconds=120 helpers=1
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--tunnels) tunnels=$2; shift 2 ;;
	--group) group=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--helpers) helpers=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR] [--tunnels N] [--group G] [--seconds S] [--helpers N]" >&2; exit 2 ;;
	esac
done
[ $((tunnels % 2)) = 0 ] && [ "$tunnels" -ge 4 ] && [ "$tunnels" -le 12160 ] ||
	{ echo "bench-ike-start: --tunnels must be even, 4 to 12160" >&2; exit 2; }
NAME=bench-ike-start
. tools/benchlib/ike_lab.sh

conns=$((tunnels / 2)) NOUT=2
while [ $((NOUT / 2 * (254 - NOUT))) -lt "$conns" ]; do NOUT=$((NOUT + 2)); done
NCGW=$((254 - NOUT))
ike_lab_up
for c in $(seq 0 $((NCGW - 1))); do
	echo "addr add 203.0.113.$((NOUT + 1 + c))/24 dev l0"
done | ip -n "$L" -batch - || fail "addresses"

# Connection k: customer gateway k % NCGW, tunnels on outside addresses
# 2 (k / NCGW) + 1 and + 2. Its tunnels' PSKs: bench.K.1 and bench.K.2.
outside() { echo "203.0.113.$((2 * ($1 / NCGW) + $2))"; }
cgw() { echo "203.0.113.$((NOUT + 1 + $1 % NCGW))"; }
# write_conf N ACTION: vpngw.conf with N connections
write_conf() {
	local n=$1 action=$2 k sep outs
	outs=$(for a in $(seq 1 $NOUT); do printf '"203.0.113.%d", ' "$a"; done)
	{
		ike_lab_appliance bench-ike-start "[${outs%, }]" "  ike_helpers = $helpers;"
		echo "customer_gateways = ("
		for c in $(seq 0 $((NCGW - 1))); do
			sep=,; [ "$c" = $((NCGW - 1)) ] && sep=
			echo "  { name = \"g$c\"; address = \"$(cgw "$c")\"; }$sep"
		done
		echo ");"
		echo "vpn_connections = ("
		for k in $(seq 0 $((n - 1))); do
			sep=,; [ "$k" = $((n - 1)) ] && sep=
			t="startup_action = \"$action\"; phase1_encryption = [\"AES128-GCM-16\"]; phase1_integrity = [\"SHA2-256\"]; phase1_dh_groups = [$group]; phase2_encryption = [\"AES128-GCM-16\"]; phase2_dh_groups = [$group];"
			cat <<EOF
  { name = "c$k"; customer_gateway = "g$((k % NCGW))"; static_routes = [];
    tunnels = ( { outside_address = "$(outside "$k" 1)"; psk = "bench.$k.1"; $t },
                { outside_address = "$(outside "$k" 2)"; psk = "bench.$k.2"; $t } ); }$sep
EOF
		done
		echo ");"
	} >"$work/vpngw.conf"
	"$vpngw" -n "$work/vpngw.conf" >"$work/check.txt" 2>&1 ||
		{ cat "$work/check.txt" >&2; fail "the generated vpngw.conf does not check"; }
}
for k in $(seq 0 $((conns - 1))); do
	echo "$(cgw "$k") $(outside "$k" 1) bench.$k.1"
	echo "$(cgw "$k") $(outside "$k" 2) bench.$k.2"
done >"$work/peers.txt"

# mem: bytes in use (C heap + DPDK heap), over DPDK telemetry
mem() {
	local out
	for _ in $(seq 1 10); do
		out=$(echo /vpngw/info | timeout 10 dpdk-telemetry.py -f "vpngw-bench-$id" 2>/dev/null |
			/usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    if l.startswith("{"):
        d = json.loads(l)["/vpngw/info"]
        print(d["heap_bytes"] + d["dpdk_heap_bytes"])' 2>/dev/null)
		[ -n "$out" ] && { echo "$out"; return; }
		sleep 1
	done
	echo 0
}
# start_vpngw: vpngw on the current vpngw.conf; sets vpid and t_start
start_vpngw() {
	rm -rf "$work/state"
	t_start=$(date +%s.%N)
	ike_lab_vpngw "$vpngw" "$work/vpngw.conf" "$work/vpngw.log"
}
stop_vpngw() {
	kill_wait INT "$vpid"
	pids=()
}

# 1. One connection configured: the baseline.
write_conf 1 add
start_vpngw
sleep 1
rss1=$(mem)
stop_vpngw
# 2. Every connection configured, none started.
write_conf "$conns" add
start_vpngw
sleep 1
rssn=$(mem)
stop_vpngw
# 3. Every connection started, against the customer gateways.
write_conf "$conns" start
ip netns exec "$L" taskset -c 0 "$load" --respond --peers "$work/peers.txt" \
	--group "$group" --seconds "$seconds" >"$work/load.txt" 2>&1 &
lpid=$!
pids+=($lpid)
# The customer gateways listen before vpngw starts (a deadline, not a nap).
for _ in $(seq 1 100); do
	ip netns exec "$L" ss -Hlun 'sport = :500' | grep -q . && break
	sleep 0.1
done
ip netns exec "$L" ss -Hlun 'sport = :500' | grep -q . || fail "ike-load --respond is not listening"
start_vpngw
t_running=$(date +%s.%N)
wait "$lpid"
lrc=$?
rssup=$(mem)
kill_wait INT "$vpid"
pids=()
sed 's/^/ike-load: /; s/^ike-load: ike-load: /ike-load: /' "$work/load.txt" >&2
grep "vpngw: IKE:" "$work/vpngw.log" | sed 's/^/vpngw: /' >&2
[ "$lrc" = 0 ] || fail "not every tunnel came up in ${seconds} s"
read -r first all < <(sed -n 's/.*first IKE_SA_INIT at \([0-9.]*\), all up at \([0-9.]*\)$/\1 \2/p' "$work/load.txt")
/usr/bin/python3 - "$tunnels" "$group" "$t_start" "$t_running" "$first" "$all" "$rss1" "$rssn" "$rssup" <<'PY'
import sys
n, group = int(sys.argv[1]), sys.argv[2]
t0, trun, first, allup = (float(x) for x in sys.argv[3:7])
rss1, rssn, rssup = (int(x) for x in sys.argv[7:10])
print(f"Cold start of {n} tunnels ({n // 2} connections), PSK, AES-128-GCM, DH {group}, "
      "control core on one CPU:")
print(f"  vpngw started -> running      {trun - t0:7.2f} s (EAL, ports, configuration)")
print(f"  vpngw started -> first INIT   {first - t0:7.2f} s")
print(f"  first INIT -> all {n} up     {allup - first:7.2f} s ({n / (allup - first):.0f} tunnels/s)")
print(f"  vpngw started -> all up       {allup - t0:7.2f} s")
M, K = 1 << 20, 1 << 10
print(f"Memory in use (C heap + DPDK heap): 1 connection configured {rss1 / M:.1f} MiB, "
      f"{n // 2} configured {rssn / M:.1f} MiB, all up {rssup / M:.1f} MiB")
print(f"  per tunnel configured {(rssn - rss1) / (n - 2) / K:.1f} KiB, "
      f"per tunnel up (IKE SA, Child SA, data-plane state) {(rssup - rssn) / n / K:.1f} KiB")
PY
