#!/bin/sh
# vpngw starts on the demo configuration's virtual devices, prints its
# summary, generates the PSKs the file leaves out, keeps them across a
# restart, and stops cleanly on SIGINT.
set -eu
vpngw=$1 conf=$2
tmp=$(mktemp -d)
pid=
prefix=vpngw-test-$$ # our own EAL runtime directory, removed at the end
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	rm -rf "$tmp" "/var/run/dpdk/$prefix"
}
trap cleanup EXIT

start() { # start LOG: run vpngw until it says it is running
	"$vpngw" -S "$tmp/state" "$conf" -- --file-prefix "$prefix" >"$1" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		grep -q "vpngw: running" "$1" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$1"
	echo "FAIL: vpngw did not start"
	exit 1
}

stop() { # stop LOG: SIGINT, then it must exit 0 within 5 s
	kill -INT "$pid"
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "FAIL: vpngw ignored SIGINT"
		exit 1
	fi
	rc=0
	wait "$pid" || rc=$?
	pid=
	[ "$rc" -eq 0 ] || { cat "$1"; echo "FAIL: exit status $rc"; exit 1; }
	grep -q "vpngw: stopping" "$1"
}

expect() { # expect LOG PATTERN
	grep -q -e "$2" "$1" || { cat "$1"; echo "FAIL: no '$2'"; exit 1; }
}

start "$tmp/run1"
expect "$tmp/run1" "connection demo: customer gateway demo-cgw (192.0.2.1)"
expect "$tmp/run1" "tunnel 1: 203.0.113.10 -> 192.0.2.1, inside 169.254.100.0/30, auth psk (generated)"
expect "$tmp/run1" "dpdk port 0 = outside (net_null0): driver net_null"
expect "$tmp/run1" "dpdk port 1 = inside (net_null1): driver net_null"
# Manual keys are installed through lib/esp, loudly marked as lab-only.
expect "$tmp/run1" "tunnel 1 of demo: MANUAL KEYS, for labs and benchmarks only.*aes128gcm16, esp, spi in 0x00001001 out 0x00002001"
expect "$tmp/run1" "tunnel 2 of demo: MANUAL KEYS.*aes256-sha256, udp, spi in 0x00001002 out 0x00002002"
stop "$tmp/run1"

state=$tmp/state/generated.conf
[ "$(stat -c %a "$state")" = 600 ] || { echo "FAIL: $state is not 0600"; exit 1; }
[ "$(grep -c 'psk = "' "$state")" = 2 ] || { cat "$state"; echo "FAIL: expected 2 PSKs"; exit 1; }
cp "$state" "$tmp/first"

start "$tmp/run2"
stop "$tmp/run2"
cmp "$tmp/first" "$state" || { echo "FAIL: generated PSKs changed across a restart"; exit 1; }

# A configuration with errors does not start.
printf 'appliance: { workers = [0]; };\n' >"$tmp/bad.conf"
if "$vpngw" -S "$tmp/state" "$tmp/bad.conf" >"$tmp/bad.log" 2>&1; then
	echo "FAIL: a bad configuration started"; exit 1
fi
expect "$tmp/bad.log" "bad.conf:1: error: lcore 0 is the control lcore"
echo "ok: demo runs, PSKs stable across restarts"
