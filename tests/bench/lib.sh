# Sourced by the benchmark tests (tests/bench/*.sh) with SRC BUILD: runs
# one of tools/bench-*.sh small, its output kept in $out and printed,
# its exit status checked.
#
#   . lib.sh SRC BUILD; bench_run NAME ARGS...   (tools/NAME.sh)
set -u
src=$1 build=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
bench_run() {
	local name=$1 rc
	shift
	"$src/tools/$name.sh" --build "$build" "$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	[ "$rc" = 0 ] || fail "$name.sh exited $rc"
}
