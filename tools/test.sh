#!/bin/bash
# Sets up the machine, builds vpngw twice (optimised, and with ASan+UBSan)
# and runs the whole test suite under both, then builds the libFuzzer
# targets with clang and runs each for VPNGW_FUZZ_SECONDS (default 60).
# The last line is the summary: "vpngw: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

status=0
for variant in build:"" build-asan:"-Dsanitize=true"; do
	dir=${variant%%:*}
	opts=${variant#*:}
	echo "=== $dir ${opts:-(optimised)}"
	# shellcheck disable=SC2086
	tools/build.sh "$dir" $opts || { status=1; continue; }
	meson test -C "$dir" --print-errorlogs || status=1
done

echo "=== build-fuzz (clang, libFuzzer, ASan+UBSan)"
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzz=true -Dsanitize=true \
		-Dfuzz_seconds="${VPNGW_FUZZ_SECONDS:-60}" >/dev/null || status=1
fi
if ninja -C build-fuzz >/dev/null; then
	meson test -C build-fuzz --suite fuzz --print-errorlogs || status=1
else
	status=1
fi

# One closing line over both runs, from meson's own logs.
/usr/bin/python3 - build build-asan build-fuzz <<'PY'
import json, sys
n = {"OK": 0, "FAIL": 0, "SKIP": 0}
for d in sys.argv[1:]:
    try:
        for line in open(d + "/meson-logs/testlog.json"):
            r = json.loads(line)["result"]
            key = "OK" if r in ("OK", "EXPECTEDFAIL") else "SKIP" if r == "SKIP" else "FAIL"
            n[key] += 1
    except OSError:
        n["FAIL"] += 1
print(f"vpngw: {n['OK']} passed, {n['FAIL']} failed, {n['SKIP']} skipped")
PY
exit $status
