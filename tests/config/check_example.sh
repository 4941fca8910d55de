#!/bin/sh
# An example configuration must check with no error and no warning.
set -eu
out=$("$1" -n "$2" 2>&1) || { echo "$out"; echo "FAIL: $2 has errors"; exit 1; }
echo "$out"
if echo "$out" | grep -q "warning:"; then
	echo "FAIL: $2 has warnings"
	exit 1
fi
