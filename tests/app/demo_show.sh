#!/bin/bash
# tools/demo-run.sh, the show README's first command ends with, does what
# it says: both tunnels up, host A's pings through them, tunnel 2 carrying
# the traffic while the customer gateway has dropped tunnel 1, tunnel 1
# carrying it again once back, and it ends by itself.
#
#   demo_show.sh VPNGW
set -u
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 300 "$(dirname "$0")/../../tools/demo-run.sh" "$1" >"$out" 2>&1
rc=$?
cat "$out"
fail() { echo "FAIL: $*"; exit 1; }
[ "$rc" -eq 0 ] || fail "demo-run.sh exited with $rc"
grep -q "ok: both tunnels up" "$out" || fail "the tunnels did not come up"
# Counter lines: "T s  demo/1 STATE out N in N  demo/2 STATE out N in N".
/usr/bin/python3 - "$out" <<'PY' || fail "the traffic did not move as the demo says"
import re, sys
rows = [re.findall(r"(demo/[12]) (up|down) +out +(\d+) in +(\d+)", l)
        for l in open(sys.argv[1]) if re.match(r" *\d+ s  demo/1", l)]
rows = [{t: (s, int(o)) for t, s, o, _ in r} for r in rows if len(r) == 2]
cut = [r for r in rows if r["demo/1"][0] == "down"]
assert len(cut) >= 2, "tunnel 1 never down"
assert cut[-1]["demo/2"][1] - cut[0]["demo/2"][1] >= 20, "tunnel 2 carried nothing while 1 was down"
assert cut[-1]["demo/1"][1] == cut[0]["demo/1"][1], "tunnel 1 carried traffic while down"
after = [r for r in rows[rows.index(cut[-1]) + 1:] if r["demo/1"][0] == "up"]
assert len(after) >= 2 and after[-1]["demo/1"][1] - after[0]["demo/1"][1] >= 20, "tunnel 1 not used again"
print("demo: tunnel 2 carried %d packets while tunnel 1 was down, tunnel 1 %d after it came back"
      % (cut[-1]["demo/2"][1] - cut[0]["demo/2"][1], after[-1]["demo/1"][1] - after[0]["demo/1"][1]))
PY
n=$(grep -o "[0-9]* received" "$out" | grep -o "[0-9]*")
[ "${n:-0}" -ge 270 ] || fail "only ${n:-0} of 300 pings answered"
grep -q "=== done: both appliances stopped" "$out" || fail "the demo did not end cleanly"
echo "ok: the demo's show, $n of 300 pings"
