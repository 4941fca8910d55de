#!/bin/bash
# vpngw-gen drives vpngw over memif, both directions, on one machine:
# the generator is the memif server of two links, vpngw the client on its
# inside (link 0) and outside (link 1) ports, tunnel 1 with manual keys.
#   encrypt: gen plaintext -> vpngw inside -> ESP out of vpngw's outside
#            -> gen decrypts with vpngw's outbound SA and counts
#   decrypt: gen encrypts with vpngw's inbound SA -> vpngw outside ->
#            plaintext out of vpngw's inside -> gen counts
# Each run (after the generator's learning phase: vpngw forwards once it
# has seen its links up): every packet sent comes back, none lost, latency measured
# (IMIX with 1400 for 1518: a 1518-byte frame is fragmented before
# encryption, and its second fragment is not the generator's to count).
#
#   gen_memif.sh VPNGW PCAPGEN VPNGW-GEN
gen=$3
. "$(dirname "$0")/lib.sh" "$1" "$2"
sock=$work/memif.sock
K=0123456789abcdef0123456789abcdefc0ffee01
M="socket=$sock,socket-abstract=no"

cat >"$work/vpngw.conf" <<CONF
appliance:
{
  name = "genmemif";
  state_dir = "$work/state";
  eal_args = ["--no-huge", "--no-shconf", "-m", "512", "--file-prefix", "vpngw-genmemif-$id", "--log-level", "*:warning"];
  workers = [1];
  ports = (
    { name = "outside"; role = "outside"; device = "net_memif1,role=client,id=1,mac=02:00:00:00:01:02,$M";
      address = "203.0.113.10/24"; static_arp = ["203.0.113.1 02:00:00:00:02:02"]; },
    { name = "inside"; role = "inside"; device = "net_memif0,role=client,id=0,mac=02:00:00:00:01:01,$M";
      address = "198.51.100.1/24"; static_arp = ["198.51.100.10 02:00:00:00:02:01"]; }
  );
  outside_addresses = ["203.0.113.10", "203.0.113.11"];
};
customer_gateways = ( { name = "cgw"; address = "203.0.113.1"; } );
vpn_connections = (
  { name = "gm"; customer_gateway = "cgw"; static_routes = ["192.0.2.0/24"];
    remote_networks = ["192.0.2.0/24"];
    tunnels = (
      { manual_keys: { algorithm = "aes128gcm16"; spi_in = 0x2001; spi_out = 0x1001;
                       key_in = "$K"; key_out = "$K"; }; },
      { manual_keys: { algorithm = "aes128gcm16"; spi_in = 0x2002; spi_out = 0x1002;
                       key_in = "$K"; key_out = "$K"; }; }
    ); }
);
CONF
"$vpngw" -n "$work/vpngw.conf" >/dev/null || fail "config does not check"
rundirs+=("vpngw-genmemif-$id" "gen-memif-$id")

# leg NAME GEN-ARGS...: the generator (server) first, vpngw once its
# ports are started, the generator's JSON report in $work/NAME.json.
leg() {
	local name=$1
	shift
	rm -f "$sock"
	timeout 60 "$gen" -l 0 --no-huge --no-shconf --no-pci -m 512 \
		--file-prefix "gen-memif-$id" --log-level '*:warning' \
		--vdev "net_memif0,role=server,id=0,mac=02:00:00:00:02:01,$M" \
		--vdev "net_memif1,role=server,id=1,mac=02:00:00:00:02:02,$M" \
		-- --wait-link 30 --warmup 10 --json "$@" >"$work/$name.out" 2>"$work/$name.err" &
	local gpid=$!
	pids+=($gpid)
	for _ in $(seq 1 100); do
		grep -q "waiting up to" "$work/$name.out" && break
		sleep 0.1
	done
	grep -q "waiting up to" "$work/$name.out" || fail "$name: the generator did not start"
	app_start
	wait "$gpid" || fail "$name: the generator failed: $(cat "$work/$name.err")"
	kill -INT "$vpngw_pid"
	wait "$vpngw_pid"
	grep -q "learning: the first packet came back" "$work/$name.out" ||
		fail "$name: nothing came through vpngw in the learning phase"
	echo "$name: $(grep learning: "$work/$name.out")"
	grep '^{' "$work/$name.out" >"$work/$name.json"
	echo "$name: $(cat "$work/$name.json")"
}
check() { # check NAME EXPR
	/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$work/$1.json" "$2" || fail "$1: $2"
}

leg encrypt --tx 0 --rx 1 --src 198.51.100.10 --dst 192.0.2.130 \
	--dmac 02:00:00:00:01:01 --esp-in "aes128gcm16,0x1001,$K" \
	--count 20000 --rate 50000 --mix 64:7,594:4,1400:1
check encrypt 'd["sent"] == 20000 and d["received"] == 20000'
check encrypt 'd["lost"] == 0 and d["reordered"] == 0 and d["other"] == 0'
leg decrypt --tx 1 --rx 0 --src 192.0.2.130 --dst 198.51.100.10 \
	--dmac 02:00:00:00:01:02 --esp-out "aes128gcm16,0x2001,$K" \
	--tunnel 203.0.113.1,203.0.113.10 --count 20000 --rate 50000 --mix 64:7,594:4,1400:1
check decrypt 'd["sent"] == 20000 and d["received"] == 20000'
check decrypt 'd["lost"] == 0 and d["reordered"] == 0 and d["other"] == 0'
echo "ok: vpngw-gen drives vpngw over memif both ways, nothing lost"
