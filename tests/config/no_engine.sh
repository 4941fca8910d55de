#!/bin/sh
# The configuration model links no crypto engine: a program built on
# lib/cfg alone (vpngw-profile; the cfg fuzzer is built the same way)
# needs no intel-ipsec-mb at run time.
#   no_engine.sh PROGRAM
set -eu
libs=$(ldd "$1") || { echo "FAIL: ldd $1"; exit 1; }
if echo "$libs" | grep -qi 'ipsec_mb\|ipsec-mb'; then
	echo "FAIL: $1 links intel-ipsec-mb:"
	echo "$libs" | grep -i ipsec
	exit 1
fi
echo "ok: $(basename "$1") links no crypto engine ($(echo "$libs" | wc -l) libraries)"
