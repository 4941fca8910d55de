#!/bin/bash
# The systemd unit (dist/vpngw.service.in): systemd-analyze verify takes
# it, and vpngw runs as it says. There is no systemd as PID 1 here (the
# sandbox's init is not systemd), so the test plays systemd's part for
# the unit's own lines: ExecStartPre, ExecStart with the unit's
# CapabilityBoundingSet, NoNewPrivileges and UMask (setpriv), and a
# NOTIFY_SOCKET it listens on. It checks READY=1 comes once vpngw runs
# with every thread's privileges dropped, ExecReload's SIGHUP gives
# RELOADING=1 then READY=1, and SIGTERM gives STOPPING=1 and exit 0.
# Usage: service.sh VPNGW SRCDIR
set -u
vpngw=$1 src=$2
work=$(mktemp -d /tmp/vpngw-service.XXXXXX)
pids=()
. "$src/tests/common.sh"
cleanup() {
	stop_pids
	rm -rf "$work" "/var/run/dpdk/vpngw-svc-$$"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	[ -f "$work/vpngw.log" ] && tail -20 "$work/vpngw.log"
	exit 1
}

# 1. The unit as installed (meson's configure_file), for this build.
bindir=$(cd "$(dirname "$vpngw")" && pwd)
sed "s|@BINDIR@|$bindir|; s|@DOCDIR@|$src|" "$src/dist/vpngw.service.in" \
	>"$work/vpngw.service"
systemd-analyze verify "$work/vpngw.service" >"$work/verify" 2>&1 ||
	{ cat "$work/verify"; fail "systemd-analyze verify"; }
[ -s "$work/verify" ] && { cat "$work/verify"; fail "systemd-analyze verify warned"; }
echo "ok: systemd-analyze verify takes the unit"

# 2. Its lines, as systemd would run them.
unit() { sed -n "s/^$1=//p" "$work/vpngw.service"; }
caps=$(unit CapabilityBoundingSet | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
[ "$(unit NoNewPrivileges)" = yes ] || fail "the unit does not set NoNewPrivileges"
[ "$(unit Type)" = notify ] || fail "the unit is not Type=notify"
umask_v=$(unit UMask)
conf=$work/etc/vpngw.conf
mkdir -p "$work/etc"
mkdir -m "$(unit StateDirectoryMode)" "$work/state" # systemd's StateDirectory=
sed 's|^  eal_args = \[|  eal_args = ["--file-prefix", "vpngw-svc-'$$'", |' \
	"$src/config/demo.conf" >"$conf"
pre=$(unit ExecStartPre | sed "s|/etc/vpngw/vpngw.conf|$conf|")
start=$(unit ExecStart | sed "s|/etc/vpngw/vpngw.conf|$conf|; s|/var/lib/vpngw|$work/state|")
$pre >"$work/pre.log" 2>&1 || { cat "$work/pre.log"; fail "ExecStartPre: $pre"; }
echo "ok: ExecStartPre ($pre)"

# systemd's side of sd_notify: each datagram, a line.
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "a", buffering=1)
while True:
    out.write(s.recv(4096).decode().replace("\n", " ") + "\n")
' "$work/notify" "$work/notify.log" &
pids+=($!)
for _ in $(seq 1 50); do [ -S "$work/notify" ] && break; sleep 0.1; done
[ -S "$work/notify" ] || fail "notify socket"
: >>"$work/notify.log"

(umask "$umask_v" && NOTIFY_SOCKET=$work/notify exec setpriv \
	--bounding-set "-all,$caps" --inh-caps -all --no-new-privs \
	$start) >"$work/vpngw.log" 2>&1 &
vpid=$!
pids=("$vpid" "${pids[@]}")
notified() { grep -c -- "$1" "$work/notify.log"; }
deadline() { # deadline SECONDS WHAT CMD...
	local s=$1 what=$2 t0=$SECONDS
	shift 2
	until "$@" >/dev/null 2>&1; do
		[ $((SECONDS - t0)) -lt "$s" ] || fail "$what: not within $s s"
		kill -0 "$vpid" 2>/dev/null || fail "vpngw exited while awaiting $what"
		sleep 0.2
	done
	echo "ok: $what after $((SECONDS - t0)) s"
}
deadline 60 "READY=1 from vpngw" grep -q "^READY=1 STATUS=running" "$work/notify.log"
grep -q "vpngw: running" "$work/vpngw.log" || fail "READY=1 before vpngw runs"
r=$(privs_dropped "$vpid")
[ "$r" = ok ] || fail "threads keep more than service.c says: $r"
echo "ok: every thread ($(ls /proc/$vpid/task | wc -l)) has only $VPNGW_CAPS and no_new_privs"
ls "$work/state"/* >/dev/null 2>&1 || fail "nothing in the state directory"
for f in "$work/state"/*; do
	m=$(stat -c %a "$f")
	[ $((8#$m & 077)) -eq 0 ] || fail "$f is mode $m under UMask $umask_v"
done
echo "ok: the files vpngw made in its state directory are the owner's only"

# 3. ExecReload: SIGHUP, RELOADING=1 then READY=1 again.
reload=$(unit ExecReload | sed "s/\$MAINPID/$vpid/")
$reload || fail "ExecReload: $reload"
deadline 30 "RELOADING=1 then READY=1" sh -c \
	"grep -A1 '^RELOADING=1' '$work/notify.log' | grep -q '^READY=1'"

# 4. Stop: SIGTERM (the unit's KillSignal), STOPPING=1, exit 0.
[ "$(unit KillSignal)" = SIGTERM ] || fail "KillSignal"
kill -TERM "$vpid"
deadline 30 "vpngw gone after SIGTERM" sh -c "! kill -0 $vpid"
wait "$vpid"
rc=$?
[ $rc -eq 0 ] || fail "vpngw exited $rc on SIGTERM"
grep -q "^STOPPING=1" "$work/notify.log" || fail "no STOPPING=1"
pids=("${pids[@]:1}")
echo "ok: SIGTERM: STOPPING=1, exit 0"
echo "notifications: $(tr '\n' '|' <"$work/notify.log")"
echo "PASS"
