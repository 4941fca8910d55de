#!/bin/sh
# An example configuration must check with no error and no warning. An
# example that names certificate files in /etc/vpngw/pki/ is checked
# against a PKI made for the test (tools/vpngw-pki.sh), as an operator
# following README would have it: vpngw -n opens and checks those files.
set -eu
conf=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if grep -q '"/etc/vpngw/pki/' "$conf"; then
	"$(dirname "$0")/../../tools/vpngw-pki.sh" "$tmp/pki" >/dev/null
	sed "s|\"/etc/vpngw/pki/|\"$tmp/pki/|" "$conf" >"$tmp/$(basename "$conf")"
	conf=$tmp/$(basename "$conf")
fi
out=$("$1" -n "$conf" 2>&1) || { echo "$out"; echo "FAIL: $2 has errors"; exit 1; }
echo "$out"
if echo "$out" | grep -q "warning:"; then
	echo "FAIL: $2 has warnings"
	exit 1
fi
