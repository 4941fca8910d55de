#!/bin/sh
# A private CA and certificates for certificate authentication, made with
# OpenSSL (Debian's openssl): what README's "Certificates" section walks
# through, in one command.
#
#   tools/vpngw-pki.sh DIR [--rsa] [NAME...]
#
# In DIR (created, mode 700): ca.key and ca.pem, the CA (10 years); for
# each NAME (default: vpngw cgw) NAME.key and NAME.pem, signed by the CA
# for a year, with subject "C=US, O=vpngw, CN=NAME", subjectAltName
# DNS:NAME and key usage digitalSignature (IKE signs with it). Keys are
# ECDSA P-256, or RSA 2048 with --rsa; each key file has mode 600.
# appliance.pki is then { ca = "DIR/ca.pem"; certificate = "DIR/vpngw.pem";
# private_key = "DIR/vpngw.key"; }; the CGW takes cgw.pem and cgw.key, and
# the CA's certificate (never its key).
set -eu
[ $# -ge 1 ] || { echo "usage: vpngw-pki.sh DIR [--rsa] [NAME...]" >&2; exit 2; }
dir=$1
shift
alg=ec
if [ "${1:-}" = --rsa ]; then
	alg=rsa
	shift
fi
[ $# -gt 0 ] || set -- vpngw cgw
command -v openssl >/dev/null || { echo "vpngw-pki.sh: needs openssl" >&2; exit 2; }
umask 077
mkdir -p "$dir"
chmod 700 "$dir"

newkey() { # newkey FILE
	if [ "$alg" = rsa ]; then
		openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"
	else
		openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
	fi
	chmod 600 "$1"
}

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
	case $name in
	*[!A-Za-z0-9.-]* | "") echo "vpngw-pki: bad name '$name'" >&2; exit 2 ;;
	esac
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
