#!/bin/bash
# vpngw-gen's accuracy on a net_ring port (what it sends comes back to
# it): asked for N packets at a rate it sends exactly N at that rate and
# counts all N back; a deliberate gap and swap in the sequence numbers are
# found as one lost and one reordered packet; IMIX averages its 7:4:1 mix;
# ESP made with one SA is decrypted with it and counted; with no receive
# side (net_null) it still sends exactly N; --dsts and --srcs spread
# addresses and --esp-udp encapsulates (read back from a pcap); --line-rate
# takes the link's speed; the learning phase (--warmup) waits for the
# first packet back and is never counted; an RFC 2544
# search on the loopback finds the rate it was given.
#
#   gen.sh VPNGW-GEN
set -u
gen=$1
id=$$
fail() { echo "FAIL: $*"; exit 1; }

run() { # run VDEV ARGS...: one JSON line per run on stdout
	local vdev=$1
	shift
	timeout 60 "$gen" --no-huge --no-shconf --no-pci -m 256 -l 0 \
		--file-prefix "vpngw-gen-$id" --vdev "$vdev" --log-level '*:warning' \
		-- --json "$@" 2>/dev/null | grep '^{'
}
check() { # check JSON EXPR: EXPR (Python, over d) is true
	/usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}

out=$(run net_ring0 --count 50000 --rate 100000) || fail "run"
echo "50000 at 100000 pps: $out"
check "$out" 'd["sent"] == 50000 and d["received"] == 50000' || fail "not exactly 50000 sent and received"
check "$out" 'd["lost"] == 0 and d["reordered"] == 0 and d["duplicates"] == 0' || fail "loss or reorder on a clean run"
check "$out" '95000 <= d["tx_pps"] <= 105000' || fail "rate not kept"

out=$(run net_ring0 --count 20000 --rate 200000 --gap 5000 --swap 9000) || fail "run"
echo "gap at 5000, swap at 9000: $out"
check "$out" 'd["sent"] == 20000 and d["received"] == 20000' || fail "gap/swap run"
check "$out" 'd["lost"] == 1 and d["reordered"] == 1 and d["duplicates"] == 0' ||
	fail "the gap and the swap were not found exactly"

out=$(run net_ring0 --count 12000 --rate 500000 --imix --flows 100) || fail "run"
echo "IMIX: $out"
check "$out" 'abs(d["tx_bytes"] / d["sent"] - (7*64 + 4*594 + 1518) / 12) < 1' || fail "IMIX mix"
check "$out" 'd["received"] == 12000 and d["rx_bytes"] == d["tx_bytes"]' || fail "IMIX received"

# ESP on the loopback: what one SA encrypts, the same SA decrypts.
K=0123456789abcdef0123456789abcdefc0ffee01
out=$(run net_ring0 --count 10000 --rate 200000 --imix --esp-out "aes128gcm16,0x1001,$K" \
	--tunnel 203.0.113.1,203.0.113.10 --esp-in "aes128gcm16,0x1001,$K") || fail "run"
echo "ESP out and back: $out"
check "$out" 'd["sent"] == 10000 and d["received"] == 10000 and d["other"] == 0' || fail "ESP loopback"

# Destinations spread over tunnels, and ESP in UDP 4500, as written to a
# pcap (net_pcap) and read back: 64 packets over 4 destinations 16 apart.
work=$(mktemp -d)
trap 'rm -rf "$work" "/var/run/dpdk/vpngw-gen-$id"' EXIT
# Killed (meson's timeout), it still cleans up.
trap 'exit 143' TERM
trap 'exit 130' INT
out=$(run "net_pcap0,tx_pcap=$work/d.pcap" --rx none --count 64 --dsts 4 \
	--dst 169.254.128.1 --dst-step 16 --srcs 2 --src 198.51.100.10) || fail "run"
out=$(run "net_pcap0,tx_pcap=$work/u.pcap" --rx none --count 64 --esp-udp \
	--esp-out "aes128gcm16,0x1001,$K" --tunnel 203.0.113.1,203.0.113.10) || fail "run"
/usr/bin/python3 - "$work" <<'PY' || fail "destinations or UDP encapsulation"
import collections, socket, struct, sys
def frames(path):
    data = open(path, "rb").read()
    off, out = 24, []
    while off < len(data):
        n = struct.unpack_from("<I", data, off + 8)[0]
        out.append(data[off + 16:off + 16 + n])
        off += 16 + n
    return out
d = collections.Counter(socket.inet_ntoa(f[30:34]) for f in frames(sys.argv[1] + "/d.pcap"))
print("destinations:", dict(d))
assert d == {"169.254.128.1": 16, "169.254.128.17": 16, "169.254.128.33": 16, "169.254.128.49": 16}
s = collections.Counter(socket.inet_ntoa(f[26:30]) for f in frames(sys.argv[1] + "/d.pcap"))
print("sources:", dict(s))
assert s == {"198.51.100.10": 32, "198.51.100.11": 32}
u = frames(sys.argv[1] + "/u.pcap")
assert len(u) == 64
for f in u:  # IPv4, UDP, 4500 -> 4500, checksum 0, then the SPI
    assert f[23] == 17 and struct.unpack_from("!HH", f, 34) == (4500, 4500), f[:40].hex()
    assert struct.unpack_from("!H", f, 40)[0] == 0 and struct.unpack_from("!I", f, 42)[0] == 0x1001
print("ESP in UDP 4500: 64 of 64")
PY
out=$(run net_ring0 --count 10000 --rate 200000 --esp-udp --esp-out "aes128gcm16,0x1001,$K" \
	--tunnel 203.0.113.1,203.0.113.10 --esp-in "aes128gcm16,0x1001,$K") || fail "run"
echo "ESP in UDP out and back: $out"
check "$out" 'd["sent"] == 10000 and d["received"] == 10000 and d["other"] == 0' || fail "ESP-in-UDP loopback"
# Line rate: net_ring says 10 Gbit/s, so 64-byte frames (84 on the wire)
# go at 14880952 per second.
out=$(timeout 60 "$gen" --no-huge --no-shconf --no-pci -m 256 -l 0 \
	--file-prefix "vpngw-gen-$id" --vdev net_ring0 --log-level '*:warning' \
	-- --line-rate --count 1000 --json 2>/dev/null) || fail "run"
echo "$out" | grep -q "line rate of port 0: 14880952 pps" || fail "line rate: $out"
check "$(echo "$out" | grep '^{')" 'd["asked_pps"] == 14880952 and d["received"] == 1000' ||
	fail "line rate run"
# The learning phase: on the loopback the first learning packet is back at
# once and none of them is counted in the run (ESP too: they take
# sequence numbers of the same SA); on net_null nothing comes back, and
# after --warmup seconds the run goes on and says so.
out=$(timeout 60 "$gen" --no-huge --no-shconf --no-pci -m 256 -l 0 \
	--file-prefix "vpngw-gen-$id" --vdev net_ring0 --log-level '*:warning' \
	-- --warmup 5 --count 1000 --rate 100000 --esp-out "aes128gcm16,0x1001,$K" \
	--tunnel 203.0.113.1,203.0.113.10 --esp-in "aes128gcm16,0x1001,$K" --json 2>/dev/null) || fail "run"
echo "$out" | grep -q "learning: the first packet came back after" || fail "learning on a loopback: $out"
echo "learning on a loopback: $(echo "$out" | grep learning:)"
check "$(echo "$out" | grep '^{')" 'd["sent"] == 1000 and d["received"] == 1000 and d["other"] == 0 and d["lost"] == 0' ||
	fail "learning packets counted in the run: $out"
out=$(timeout 60 "$gen" --no-huge --no-shconf --no-pci -m 256 -l 0 \
	--file-prefix "vpngw-gen-$id" --vdev net_null0,no-rx=1 --log-level '*:warning' \
	-- --warmup 1 --count 1000 --json 2>/dev/null) || fail "run"
echo "$out" | grep -q "learning: nothing came back in 1 s" || fail "learning on net_null: $out"
check "$(echo "$out" | grep '^{')" 'd["sent"] == 1000 and d["received"] == 0' || fail "run after learning"
echo "learning on net_null: $(echo "$out" | grep learning:)"
out=$(run net_null0 --rx none --count 100000) || fail "run"
echo "net_null, no receive side: $out"
check "$out" 'd["sent"] == 100000' || fail "net_null count"

out=$(run net_ring0 --seconds 0.2 --rate 1000000 --rfc2544 --trials 4) || fail "run"
echo "RFC 2544: $(echo "$out" | tail -1)"
check "$(echo "$out" | tail -1)" 'd["throughput_pps"] > 900000' || fail "RFC 2544 on a loopback"
# Ranges that are empty or would wrap past 255.255.255.255 are refused
# (usage, exit 2) before anything is sent.
for bad in "--dsts 0" "--srcs 0" "--dst-step 0" "--dsts 70000" \
	"--dst 255.255.255.250 --dsts 7" "--dst 255.255.255.0 --dsts 2 --dst-step 256" \
	"--src 255.255.255.255 --srcs 2" "--warmup 1"; do
	# shellcheck disable=SC2086
	timeout 60 "$gen" --no-huge --no-shconf --no-pci -m 256 -l 0 \
		--file-prefix "vpngw-gen-$id" --vdev net_null0,no-rx=1 --log-level '*:warning' \
		-- --rx none --count 10 $bad >/dev/null 2>&1
	rc=$?
	[ "$rc" = 2 ] || fail "$bad: exit $rc, not 2"
done
echo "bad address ranges (and learning with nothing to receive) refused"
# Numbers are checked (atoi took "abc" as 0: no rate limit at all): each
# refusal names its option and exits 2.
for bad in "--rate abc" "--rate 1e999" "--flows 70000" "--seconds -1" \
	"--trials 0" "--loss 101" "--sport 0" "--count 10x" "--tx 9999" \
	"--drain-ms 1.5" "--warmup x"; do
	# shellcheck disable=SC2086
	timeout 60 "$gen" --no-huge --no-shconf --no-pci -m 256 -l 0 \
		--file-prefix "vpngw-gen-$id" --vdev net_null0,no-rx=1 --log-level '*:warning' \
		-- --rx none --count 10 $bad >"$work/bad.out" 2>&1
	rc=$?
	[ "$rc" = 2 ] || fail "$bad: exit $rc, not 2"
	grep -q "vpngw-gen: ${bad%% *}: " "$work/bad.out" ||
		fail "$bad: no message naming the option: $(cat "$work/bad.out")"
done
echo "bad numbers refused, each with its option named"
# Nothing comes back (net_null): the search ends after its first trial
# (a rate of 0 would mean "no limit") and finds 0.
out=$(run net_null0,no-rx=1 --seconds 0.2 --rate 1000000 --rfc2544 --trials 4) || fail "run"
echo "RFC 2544, nothing back: $(echo "$out" | tail -1)"
[ "$(echo "$out" | grep -c '"trial ')" = 1 ] || fail "the search went on with nothing back"
check "$(echo "$out" | tail -1)" 'd["throughput_pps"] == 0' || fail "RFC 2544 with nothing back"
echo "ok: vpngw-gen sends what it is asked and counts what comes back"
