#!/bin/sh
# Golden test of `vpngw -n` and `vpngw -nv` for one configuration file.
#
#   golden.sh VPNGW DIR NAME [--update]
#
# In DIR, runs `vpngw -n NAME.conf` and compares its output (stdout, stderr
# and exit status) with NAME.n.out. When NAME.nv.out exists, compares the
# output of `vpngw -nv NAME.conf` with it, and checks the round trip: the
# normalised output, checked again, normalises to itself.
# --update rewrites the expected files (review the diff before committing).
set -eu
vpngw=$1 dir=$2 name=$3 update=${4:-}
pkitool=$(cd "$(dirname "$0")/../../tools" && pwd)/vpngw-pki.sh
cd "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A configuration whose pki paths start with @PKI@ gets a PKI made for
# the run (tools/vpngw-pki.sh) and is read from a copy naming it; the
# output names the placeholder and the file as given again.
conf=$name.conf
if grep -q '"@PKI@/' "$name.conf"; then
	"$pkitool" "$tmp/pki" >/dev/null
	sed "s|\"@PKI@/|\"$tmp/pki/|" "$name.conf" >"$tmp/$name.conf"
	conf=$tmp/$name.conf
fi

run() { # run OUT ARGS...: output and status of vpngw ARGS into OUT
	out=$1; shift
	set +e
	"$vpngw" "$@" >"$out.stdout" 2>"$out.stderr"
	echo "exit $?" >"$out.status"
	set -e
	cat "$out.stderr" "$out.stdout" "$out.status" |
		sed -e "s|$tmp/pki/|@PKI@/|g" -e "s|$tmp/$name.conf|$name.conf|g" >"$out"
}

check() { # check EXPECTED ACTUAL
	if [ "$update" = --update ]; then
		cp "$2" "$1"
	elif ! diff -u "$1" "$2"; then
		echo "FAIL: $name: output differs from $1"
		exit 1
	fi
}

run "$tmp/n" -n "$conf"
check "$name.n.out" "$tmp/n"
if [ -f "$name.nv.out" ]; then
	run "$tmp/nv" -nv "$conf"
	check "$name.nv.out" "$tmp/nv"
	# Round trip: the normalised file loads and normalises to itself.
	cp "$tmp/nv.stdout" "$tmp/rt.conf"
	run "$tmp/rt" -nv "$tmp/rt.conf"
	sed 1d "$tmp/nv.stdout" >"$tmp/a"
	sed 1d "$tmp/rt.stdout" >"$tmp/b"
	if ! diff -u "$tmp/a" "$tmp/b" || [ -s "$tmp/rt.stderr" ]; then
		cat "$tmp/rt.stderr"
		echo "FAIL: $name: round trip of -nv output differs"
		exit 1
	fi
fi
echo "ok: $name"
