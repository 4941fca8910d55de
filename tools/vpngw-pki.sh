#!/bin/sh
# A private CA and certificates for certificate authentication, made with
# OpenSSL (Debian's openssl): what README's "Certificates" section walks
# through, in one command.
#
#   tools/vpngw-pki.sh DIR [--rsa] [NAME...]
#   tools/vpngw-pki.sh DIR --revoke NAME...
#   tools/vpngw-pki.sh DIR --crl
#
# In DIR (created, mode 700): ca.key and ca.pem, the CA (10 years); for
# each NAME (default: vpngw cgw) NAME.key and NAME.pem, signed by the CA
# for a year, with subject "C=US, O=vpngw, CN=NAME", subjectAltName
# DNS:NAME and key usage digitalSignature (IKE signs with it). Keys are
# ECDSA P-256, or RSA 2048 with --rsa; each key file has mode 600.
# appliance.pki is then { ca = "DIR/ca.pem"; certificate = "DIR/vpngw.pem";
# private_key = "DIR/vpngw.key"; }; the CGW takes cgw.pem and cgw.key, and
# the CA's certificate (never its key). Every run also writes the CA's
# CRL, DIR/ca.crl (appliance.pki's crl; valid 30 days: run --crl to renew
# it, then SIGHUP vpngw); --revoke adds NAME.pem's certificate to it.
set -eu
usage="usage: vpngw-pki.sh DIR [--rsa] [NAME...] | DIR --revoke NAME... | DIR --crl"
[ $# -ge 1 ] || { echo "$usage" >&2; exit 2; }
dir=$1
shift
case $dir in -*) echo "$usage" >&2; exit 2 ;; esac
alg=ec
mode=issue
case ${1:-} in
--rsa) alg=rsa; shift ;;
--revoke) mode=revoke; shift; [ $# -gt 0 ] || { echo "$usage" >&2; exit 2; } ;;
--crl) mode=crl; shift; [ $# = 0 ] || { echo "$usage" >&2; exit 2; } ;;
esac
for name in "$@"; do
	case $name in
	*[!A-Za-z0-9.-]* | "" | -*) echo "vpngw-pki: bad name '$name' ($usage)" >&2; exit 2 ;;
	# the CA's own files
	ca | index.txt* | crlnumber* | serial) echo "vpngw-pki: '$name' is the CA's; choose another name" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || [ $mode != issue ] || set -- vpngw cgw
command -v openssl >/dev/null || { echo "vpngw-pki.sh: needs openssl" >&2; exit 2; }
umask 077
if [ $mode = issue ]; then
	mkdir -p "$dir"
	chmod 700 "$dir"
fi

newkey() { # newkey FILE
	if [ "$alg" = rsa ]; then
		openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"
	else
		openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
	fi
	chmod 600 "$1"
}

# The CA's CRL from its database (openssl ca), valid 30 days.
crl() {
	[ -f "$dir/index.txt" ] || : >"$dir/index.txt"
	[ -f "$dir/crlnumber" ] || echo 01 >"$dir/crlnumber"
	printf '[ ca ]\ndefault_ca = here\n[ here ]\ndatabase = %s\ncrlnumber = %s\ncertificate = %s\nprivate_key = %s\ndefault_md = sha256\ndefault_crl_days = 30\n' \
		"$dir/index.txt" "$dir/crlnumber" "$dir/ca.pem" "$dir/ca.key" >"$dir/ca.cnf"
	openssl ca -batch -config "$dir/ca.cnf" -gencrl -out "$dir/ca.crl" 2>"$dir/ca.log" ||
		{ cat "$dir/ca.log" >&2; exit 1; }
	chmod 644 "$dir/ca.crl"
	echo "vpngw-pki: CRL $dir/ca.crl ($(grep -c '^R' "$dir/index.txt" || true) revoked)"
}

if [ $mode != issue ]; then
	[ -f "$dir/ca.pem" ] && [ -f "$dir/ca.key" ] ||
		{ echo "vpngw-pki: no CA in $dir" >&2; exit 2; }
	# All of them there, or none revoked.
	for name in "$@"; do
		[ -f "$dir/$name.pem" ] || { echo "vpngw-pki: no $dir/$name.pem: nothing revoked" >&2; exit 2; }
	done
	[ $mode = crl ] || crl # the database and its configuration
	for name in "$@"; do
		[ -f "$dir/$name.pem" ] || { echo "vpngw-pki: no $dir/$name.pem" >&2; exit 2; }
		openssl ca -batch -config "$dir/ca.cnf" -revoke "$dir/$name.pem" \
			-crl_reason keyCompromise 2>"$dir/ca.log" ||
			{ cat "$dir/ca.log" >&2; exit 1; }
		echo "vpngw-pki: $name revoked"
	done
	crl
	exit 0
fi

if [ ! -f "$dir/ca.pem" ]; then
	newkey "$dir/ca.key"
	openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 3650 \
		-subj "/C=US/O=vpngw/CN=vpngw private CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$dir/ca.pem"
	chmod 644 "$dir/ca.pem"
	echo "vpngw-pki: CA $dir/ca.pem"
fi
for name in "$@"; do
	newkey "$dir/$name.key"
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectAltName=DNS:%s\n' \
		"$name" >"$dir/$name.ext"
	openssl req -new -key "$dir/$name.key" -subj "/C=US/O=vpngw/CN=$name" \
		-out "$dir/$name.csr"
	openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
		-CAcreateserial -days 365 -sha256 -extfile "$dir/$name.ext" \
		-out "$dir/$name.pem" 2>/dev/null
	rm -f "$dir/$name.csr" "$dir/$name.ext"
	chmod 644 "$dir/$name.pem"
	echo "vpngw-pki: $name: $dir/$name.pem, key $dir/$name.key"
done
crl
