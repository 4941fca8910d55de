#!/bin/bash
# The largest configuration the model accepts runs: 8000 connections
# (16,000 tunnels, manual keys: tools/bench-ike-start.sh brings 10,000 up
# with IKE) with 102,400 static routes in all (12 or 13 each), on null
# ports, in a network namespace of its own with the exception path's TAP.
# vpngw starts (the time is printed), the kernel has every route on the
# TAP, every tunnel is up and reachable page by page in telemetry
# (/vpngw/tunnels, 16 a page), every route is in the RIB's view
# (/vpngw/routes) with its connection, the console counts the tunnels and
# clears the counters of every SA (32,000), and SIGINT stops it.
#
#   largest.sh VPNGW
set -u
vpngw=$1
work=$(mktemp -d)
id=$$
pids=()
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
ns=vpngw-largest-$id
cleanup() {
	stop_pids
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work" "/var/run/dpdk/vpngw-largest-$id"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	tail -n 20 "$work/vpngw.log"
	exit 1
}
port=$((20000 + id % 20000)) # the console, on loopback

# 125 customer gateways of 64 connections; each connection's two tunnels
# on a pair of the 64 outside addresses; route g (of 102,400) is the g-th
# /24 from 10.0.0.0, the first 6400 connections 13 each, the others 12.
/usr/bin/python3 - "$work/vpngw.conf" "$id" "$port" <<'PY' || fail "no configuration"
import sys
path, ident, port = sys.argv[1], sys.argv[2], sys.argv[3]
tap = "vlg%d" % (int(ident) % 100000)
conns, routes = 8000, 102400
o = ['''appliance:
{
  name = "largest";
  state_dir = "%s/state";
  eal_args = ["--no-huge", "--no-shconf", "-m", "1024", "--file-prefix",
              "vpngw-largest-%s", "--log-level", "*:warning"];
  workers = [1];
  ports = (
    { name = "outside"; role = "outside"; device = "net_null0,no-rx=1";
      address = "203.0.113.10/24"; static_arp = ["203.0.113.1 02:00:00:00:00:02"]; },
    { name = "inside"; role = "inside"; device = "net_null1,no-rx=1";
      address = "198.51.100.1/24"; }
  );
  outside_addresses = [%s];
  console = { listen = "127.0.0.1:%s"; };
  exception_iface = "%s";
};
customer_gateways = (''' % (path.rsplit("/", 1)[0], ident,
       ", ".join('"203.0.113.%d"' % (10 + i) for i in range(64)), port, tap)]
o.append(",\n".join('  { name = "cgw%d"; address = "192.0.2.%d"; }' % (g, 1 + g)
                    for g in range(conns // 64)))
o.append(");\nvpn_connections = (")
cs = []
first = 0
for c in range(conns):
    mine = routes // conns + (c < routes % conns)
    def pfx(g):
        a = (10 << 24) + g * 256
        return '"%d.%d.%d.0/24"' % (a >> 24, (a >> 16) & 255, (a >> 8) & 255)
    def tunnel(t):
        spi = 0x10000 + c * 2 + t
        # Null ports bring no ESP: a day's dpd_timeout keeps every
        # tunnel up however long a loaded machine takes to look.
        return ('{ outside_address = "203.0.113.%d"; dpd_timeout = 86400; manual_keys: { algorithm = '
                '"aes128gcm16"; spi_in = %d; spi_out = %d; key_in = "%040x"; '
                'key_out = "%040x"; }; }'
                % (10 + 2 * (c % 32) + t, spi, spi + 0x100000, spi * 7 + 1, spi * 11 + 3))
    cs.append('  { name = "c%d"; customer_gateway = "cgw%d"; static_routes = [%s];\n'
              '    tunnels = ( %s,\n      %s ); }'
              % (c, c // 64, ", ".join(pfx(first + r) for r in range(mine)),
                 tunnel(0), tunnel(1)))
    first += mine
o.append(",\n".join(cs))
o.append(");")
open(path, "w").write("\n".join(o) + "\n")
PY
"$vpngw" -n "$work/vpngw.conf" || fail "vpngw -n refused the largest configuration"

ip netns add "$ns" || fail "no namespace"
ip netns exec "$ns" ip link set lo up
t0=$(date +%s.%N)
ip netns exec "$ns" "$vpngw" "$work/vpngw.conf" >"$work/vpngw.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do
	grep -q "vpngw: running" "$work/vpngw.log" && break
	kill -0 "${pids[0]}" 2>/dev/null || fail "vpngw exited"
	sleep 0.1
done
grep -q "vpngw: running" "$work/vpngw.log" || fail "vpngw did not say it runs within 60 s"
t1=$(date +%s.%N)
echo "8000 connections, 16000 tunnels, 102,400 static routes: running after $(echo "$t1 - $t0" | bc) s"
tap=vlg$((id % 100000))
nroutes=$(ip netns exec "$ns" ip route show dev "$tap" | wc -l)
echo "kernel routes on $tap: $nroutes"
[ "$nroutes" -ge 102400 ] || fail "the kernel has $nroutes routes on the TAP, not every static route"

tel() { # tel COMMAND...: one JSON reply a line
	printf '%s\n' "$@" | timeout 30 dpdk-telemetry.py -f "vpngw-largest-$id" 2>/dev/null |
		grep '^{'
}
# Every tunnel, following "next" from page to page (1000 pages: over one
# connection to the telemetry socket, as a monitoring agent would).
/usr/bin/python3 - "$id" <<'PY' || fail "telemetry tunnels"
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(30)
s.connect("/var/run/dpdk/vpngw-largest-%s/dpdk_telemetry.v2" % sys.argv[1])
s.recv(16384)
seen, up, page, pages, cidrs = set(), 0, 0, 0, set()
while page is not None:
    s.send(b"/vpngw/tunnels,%d" % page)
    d = json.loads(s.recv(1 << 20).decode())["/vpngw/tunnels"]
    page = d.pop("next", None)
    pages += 1
    for k, v in d.items():
        seen.add(v["name"])
        up += v["state"] == "up"
        cidrs.add(v["inside_cidr"])
print("telemetry: %d tunnels in %d pages, %d up, %d inside CIDRs generated"
      % (len(seen), pages, up, len(cidrs)))
want = {"c%d/%d" % (c, t) for c in range(8000) for t in (1, 2)}
# Each its own /30 of 169.254.0.0/16 (16,384 there are, 7 of them AWS's).
sys.exit(0 if seen == want and up == 16000 and pages == 1000 and
         len(cidrs) == 16000 else 1)
PY
# The routes: 2 connected, then 102,400 static, the last one c7999's.
last=$(tel /vpngw/routes,102400 | /usr/bin/python3 -c '
import json, sys
d = json.loads(sys.stdin.readline())["/vpngw/routes"]
print(len(d), "next" in d, d["102401"]["type"], d["102401"]["prefix"], d["102401"]["via"])')
echo "last routes page: $last"
[ "$last" = "2 False static 11.143.255.0/24 c7999/1 (standby c7999/2)" ] ||
	fail "the RIB's view does not end with c7999's last route"

# The console: every tunnel shown, every SA's counters cleared.
ip netns exec "$ns" /usr/bin/python3 - "$port" >"$work/console.txt" <<'PY' || fail "console"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
out = b""
for line in ["enable", "show tunnels | count", "clear counters",
             "show ipsec sa | count", "exit"]:
    s.sendall(line.encode() + b"\n")
    time.sleep(0.5)
s.settimeout(10)
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except socket.timeout:
    pass
sys.stdout.write(out.decode(errors="replace"))
PY
tr -d '\r' <"$work/console.txt" | grep -E "^[0-9]+$|counters cleared" >"$work/counts.txt"
echo "console: $(tr '\n' ' ' <"$work/counts.txt")"
[ "$(sed -n 1p "$work/counts.txt")" = 16001 ] || fail "show tunnels | count is not 16000 tunnels and a header"
grep -q "counters cleared" "$work/counts.txt" || fail "clear counters"
[ "$(sed -n 3p "$work/counts.txt")" = 32001 ] || fail "show ipsec sa | count is not 32000 SAs and a header"

t0=$(date +%s.%N)
stop_pids
t1=$(date +%s.%N)
grep -q "vpngw: stopping" "$work/vpngw.log" || fail "no clean stop"
echo "stopped in $(echo "$t1 - $t0" | bc) s"
echo "ok: the largest configuration the model accepts runs"
