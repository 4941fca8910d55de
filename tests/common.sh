# Sourced by the shell test harnesses (tests/app/lib.sh, tests/e2e/lib.sh).

# Stop every process in the pids array (ours, started by the test): SIGINT
# first so vpngw prints its final counters, SIGKILL after 15 s, reaped.
stop_pids() {
	for p in "${pids[@]}"; do
		kill -INT "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		for _ in $(seq 1 150); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	pids=()
}

# kill_wait SIGNAL PID: SIGNAL to one process of ours, SIGKILL when it is
# not gone in 5 s, and reaped.
kill_wait() {
	kill -"$1" "$2" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$2" 2>/dev/null
	wait "$2" 2>/dev/null
}

# Killed (meson's timeout sends SIGTERM, Ctrl-C SIGINT): exit, so that the
# harness's EXIT trap still stops its processes and deletes its
# namespaces. Without these, bash dies on the signal and runs no trap.
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

# The capabilities vpngw keeps once started (app/vpngw/service.c): chown,
# dac_override, fowner, kill, setgid, setuid, net_bind_service, net_admin,
# net_raw, ipc_lock, sys_admin, as /proc's CapBnd/CapEff mask.
VPNGW_CAPS=00000000002074eb

# privs_dropped PID: "ok" when every thread of vpngw PID has only
# VPNGW_CAPS (effective and bounding) and no_new_privs; else what differs.
privs_dropped() {
	local t bad=
	for t in /proc/"$1"/task/*; do
		[ -r "$t/status" ] || continue
		awk -v want="$VPNGW_CAPS" -v t="$t" '
			/^(CapEff|CapBnd):/ && $2 != want { print t, $1, $2; bad = 1 }
			/^NoNewPrivs:/ && $2 != 1 { print t, "NoNewPrivs", $2; bad = 1 }
			END { exit bad }' "$t/status" || bad=1
	done
	[ -z "$bad" ] && echo ok
}
