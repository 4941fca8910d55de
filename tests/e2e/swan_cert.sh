#!/bin/bash
# Certificate authentication (RFC 7296 2.15 with RFC 7427 signatures)
# against strongSwan 5.9 as the customer gateway, both tunnels: a private
# CA made by tools/vpngw-pki.sh, vpngw's certificate and charon's. In each
# round charon starts tunnel 1 (vpngw answers) and vpngw starts tunnel 2;
# both come up, charon lists vpngw's subject as the peer's and vpngw's
# console shows charon's (show ike sa detail), and host A pings host B
# through them. Rounds: ECDSA P-256; RSA 2048 with vpngw's certificate
# issued by an intermediate CA (sent in a second CERT payload); the same
# on an accelerated connection with charon's IKE fragmentation off (vpngw
# warns that its IKE_AUTH goes whole) and charon signing with RSASSA-PSS.
# Then the
# console's strongSwan export, loaded as it is, brings both tunnels up.
# Renewed certificate files (SIGHUP, the console's reload pki) with the
# tunnels up.
# Then the refusals, each with the tunnel down and the reason in vpngw's
# log: charon's certificate from another CA, an identity vpngw was not
# told, an expired certificate, a revoked one (pki.crl).
#
#   host A ---- vpngw 1 ======== underlay ======== charon (G2) ---- host B
#   198.51.100.10  |  .1          203.0.113.1, .11   203.0.113.2  |  192.0.2.130
#
#   swan_cert.sh VPNGW [WORKDIR]
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/swan.sh"
pkitool=$(cd "$(dirname "$0")/../../tools" && pwd)/vpngw-pki.sh

e2e_underlay_direct
swan_router
unset PSK1 PSK2
VPNGW_ID="C=US, O=vpngw, CN=vpngw"
CGW_ID="C=US, O=vpngw, CN=cgw"

# charon's swanctl.conf for certificates: its certificate and key, our CA,
# vpngw's subject as the remote identity; tunnel 1 it starts, tunnel 2 it
# waits for.
swan_cert_conf() { # swan_cert_conf PKI_DIR
	local t addr start
	{
		echo "connections {"
		for t in 1 2; do
			addr=203.0.113.1 start=start
			[ $t = 2 ] && addr=203.0.113.11 start=none
			cat <<EOF
    tun$t {
        version = 2
        local_addrs = 203.0.113.2
        remote_addrs = $addr
        proposals = aes128gcm16-prfsha256-ecp256
        keyingtries = 0
        mobike = no
        send_certreq = yes
        fragmentation = ${SWAN_FRAGMENTATION:-yes}
        local { auth = pubkey
                certs = $1/cgw.pem
                id = "$CGW_ID" }
        remote { auth = pubkey
                 id = "$VPNGW_ID"
                 cacerts = $1/ca.pem }
        children {
            tun$t {
                local_ts = 192.0.2.128/25
                remote_ts = 198.51.100.0/24
                esp_proposals = aes128gcm16
                start_action = $start
            }
        }
    }
EOF
		done
		echo "}"
	} >"$swan/swanctl.conf"
	# swanctl loads keys and certificates from the directories beside
	# its swanctl.conf.
	rm -rf "$swan/private" "$swan/x509" "$swan/x509ca"
	mkdir -p "$swan/private" "$swan/x509" "$swan/x509ca"
	cp "$1/cgw.key" "$swan/private/"
	cp "$1/cgw.pem" "$swan/x509/"
	cp "$1/ca.pem" "$swan/x509ca/"
}

# vpngw 1 with certificates: the CGW by its identity, appliance.pki.
gw_cert_conf() { # gw_cert_conf PKI_DIR CGW_IDENTITY
	swan_gw_conf "" 'startup_action = "start";'
	sed -i -e "s|^customer_gateways = ( { name = \"peer\"; address = \"203.0.113.2\"; } );|customer_gateways = ( { name = \"peer\"; address = \"203.0.113.2\"; authentication = \"certificate\"; certificate_identity = \"$2\"; } );|" \
		-e "s|^  workers = \\[1\\];|& pki: { ca = \"$1/ca.pem\"; certificate = \"$1/vpngw.pem\"; private_key = \"$1/vpngw.key\"; ${GW_CRL:+crl = \"$GW_CRL\"; }};|" \
		"$work/gw1.conf"
	grep -q 'authentication = "certificate"' "$work/gw1.conf" &&
		grep -q "vpngw.key" "$work/gw1.conf" || fail "gw1.conf: $(cat "$work/gw1.conf")"
	if [ -n "${GW_ACCEL:-}" ]; then # an accelerated (tgw) connection
		sed -i 's|{ name = "e2e";|& attachment = "tgw"; acceleration = true;|' "$work/gw1.conf"
		grep -q "acceleration = true" "$work/gw1.conf" || fail "gw1.conf: no acceleration"
	fi
}

both_up() {
	grep -q "tunnel e2e/1: down -> up" "$work/gw1.log" &&
		grep -q "tunnel e2e/2: down -> up" "$work/gw1.log" &&
		[ "$(swan_installed)" -ge 2 ]
}

round() { # round NAME PKI_DIR
	local name=$1 n
	echo "=== round $name"
	gw_cert_conf "$2" "$CGW_ID"
	swan_write_conf
	swan_cert_conf "$2"
	swan_gw_start
	swan_start
	grep -v "opening directory" "$swan/load.log" | grep -iE "error|fail|invalid" &&
		fail "$name: swanctl reported problems"
	wait_for 60 "$name: both tunnels up by certificate (vpngw's log, charon's CHILD_SAs)" both_up
	sw --list-sas >"$work/sas-$name.txt"
	grep -E "ESTABLISHED|INSTALLED|remote '" "$work/sas-$name.txt"
	[ "$(grep -c "ESTABLISHED" "$work/sas-$name.txt")" = 2 ] &&
		[ "$(grep -c "remote '$VPNGW_ID' @" "$work/sas-$name.txt")" = 2 ] ||
		fail "$name: charon does not list vpngw's subject on both IKE SAs"
	grep -q "certificate authenticated" "$work/gw1.log" ||
		fail "$name: vpngw did not log certificate authentication"
	console "ike-$name" 'show ike sa detail' 'show ike sa json' 'show pki'
	grep -q "  peer certificate: $CGW_ID" "$work/ike-$name-console.txt" ||
		fail "$name: show ike sa detail: no peer certificate"
	grep -q "  issued by: C=US, O=vpngw, CN=vpngw private CA" "$work/ike-$name-console.txt" ||
		fail "$name: show ike sa detail: no issuer"
	n=$(pings 10)
	echo "$name: ping host A -> host B: $n of 10"
	[ "$n" -ge 8 ] || fail "$name: ping through the tunnels: $n of 10"
	grep "vpngw: IKE:" "$work/gw1.log" || true
	swan_stop
	swan_gw_stop
	grep "vpngw: IKE:" "$work/gw1.log"
	grep -q "auth_failed 0 " "$work/gw1.log" || fail "$name: authentication failures counted"
	cp "$work/gw1.log" "$work/gw1-$name.log"
	cp "$swan/charon.log" "$work/charon-$name.log"
}

# refused NAME PKI_DIR CGW_IDENTITY WHY: charon's certificate refused by
# vpngw (tunnel 1, charon starts it), WHY in vpngw's log, no tunnel up.
refused() {
	local name=$1 why=$4
	echo "=== refused: $name"
	gw_cert_conf "$2" "$3"
	swan_write_conf
	swan_cert_conf "$2"
	# vpngw does not start tunnel 2 here: one refusal to read.
	sed -i 's|startup_action = "start";||' "$work/gw1.conf"
	swan_gw_start
	swan_start
	saw() { grep -q "IKE_AUTH: the initiator.*$why" "$work/gw1.log"; }
	wait_for 60 "$name: vpngw refuses charon's certificate ($why)" saw
	grep "IKE_AUTH: the initiator" "$work/gw1.log" | head -1
	grep -q "down -> up" "$work/gw1.log" && fail "$name: a tunnel came up"
	[ "$(swan_installed)" = 0 ] || fail "$name: charon installed a CHILD_SA"
	swan_stop
	swan_gw_stop
	grep -q "auth_failed [1-9]" "$work/gw1.log" || fail "$name: auth_failed not counted"
	cp "$work/gw1.log" "$work/gw1-$name.log"
}

"$pkitool" "$work/ec" vpngw cgw >/dev/null || fail "vpngw-pki.sh ec"
round ecdsa "$work/ec"

# RSA, vpngw's certificate from an intermediate CA: its file holds both,
# charon trusts only the root.
"$pkitool" "$work/rsa" --rsa cgw >/dev/null || fail "vpngw-pki.sh rsa"
(
	cd "$work/rsa" || exit 1
	openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out int.key &&
		openssl req -new -key int.key -subj "/C=US/O=vpngw/CN=vpngw intermediate CA" -out int.csr &&
		printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >int.ext &&
		openssl x509 -req -in int.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 \
			-sha256 -extfile int.ext -out int.pem 2>/dev/null &&
		openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out vpngw.key &&
		chmod 600 vpngw.key &&
		openssl req -new -key vpngw.key -subj "/C=US/O=vpngw/CN=vpngw" -out vpngw.csr &&
		printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n' >ee.ext &&
		openssl x509 -req -in vpngw.csr -CA int.pem -CAkey int.key -CAcreateserial -days 365 \
			-sha256 -extfile ee.ext -out ee.pem 2>/dev/null &&
		cat ee.pem int.pem >vpngw.pem
) || fail "the intermediate CA"
round rsa-intermediate "$work/rsa"
# The same accelerated, charon without IKE fragmentation and signing with
# RSASSA-PSS: vpngw's IKE_AUTH (an RSA certificate, an intermediate and
# its signature: over 1200 bytes) goes whole, with a warning that such a
# path may drop it; vpngw names the PSS signature it verified.
GW_ACCEL=1 SWAN_FRAGMENTATION=no SWAN_RSA_PSS=yes round rsa-accelerated "$work/rsa"
grep -q 'IKE_AUTH: the peer is "C=US, O=vpngw, CN=cgw" .*signature RSASSA-PSS SHA' \
	"$work/gw1-rsa-accelerated.log" || fail "rsa-accelerated: no RSASSA-PSS signature from charon"
grep -q "signature RSA-SHA256" "$work/gw1-rsa-intermediate.log" ||
	fail "rsa-intermediate: charon's PKCS#1 v1.5 signature not named"
grep "goes whole" "$work/gw1-rsa-accelerated.log" | head -2
[ "$(grep -c "warning: a [0-9]*-byte IKE message goes whole" "$work/gw1-rsa-accelerated.log")" -ge 2 ] ||
	fail "rsa-accelerated: no warning about IKE messages going whole on both tunnels"
grep -q "goes whole" "$work/gw1-rsa-intermediate.log" &&
	fail "rsa-intermediate: a warning with IKE fragmentation on"

# Renewed certificate files, both ways, with both tunnels up: vpngw's key
# and certificate issued again, then SIGHUP; again, then the console's
# `reload pki`; a broken file, which changes nothing. The tunnels stay up
# throughout, show pki names the new serial, and tunnel 2 reset after
# comes up again under the new certificate. Then charon's certificate is
# revoked and the CRL read again: both tunnels go down, and stay down.
echo "=== renewal"
cp -r "$work/ec" "$work/renew"
GW_CRL=$work/renew/ca.crl gw_cert_conf "$work/renew" "$CGW_ID"
swan_write_conf
swan_cert_conf "$work/renew"
swan_gw_start
swan_start
wait_for 60 "renewal: both tunnels up" both_up
serial() { # the serial of our certificate in show pki (console NAME)
	console "$1" 'show pki'
	awk '/^certificate/{on=1} on && /serial/{print $2; exit}' "$work/$1-console.txt"
}
s0=$(serial pki0)
"$pkitool" "$work/renew" vpngw >/dev/null || fail "renewal: vpngw-pki.sh"
kill -HUP "$gw_pid"
hup() { grep -q "pki (reload): our certificate" "$work/gw1.log"; }
wait_for 30 "renewal: vpngw read the renewed files on SIGHUP" hup
s1=$(serial pki1)
"$pkitool" "$work/renew" vpngw >/dev/null || fail "renewal: vpngw-pki.sh again"
console reload 'enable' 'reload pki'
grep -q 'pki read again: our certificate "C=US, O=vpngw, CN=vpngw"' "$work/reload-console.txt" ||
	fail "renewal: reload pki: $(cat "$work/reload-console.txt")"
s2=$(serial pki2)
echo "renewal: serials $s0 -> $s1 (SIGHUP) -> $s2 (reload pki)"
[ -n "$s0" ] && [ "$s0" != "$s1" ] && [ "$s1" != "$s2" ] || fail "renewal: the serial did not change"
cp "$work/renew/vpngw.pem" "$work/renew/vpngw.pem.good"
echo "not a certificate" >"$work/renew/vpngw.pem"
console broken 'enable' 'reload pki'
grep -q "error(s): the loaded one stays" "$work/broken-console.txt" ||
	fail "renewal: a broken file was not refused: $(cat "$work/broken-console.txt")"
[ "$(serial pki3)" = "$s2" ] || fail "renewal: a broken file changed the PKI"
cp "$work/renew/vpngw.pem.good" "$work/renew/vpngw.pem"
grep -q "up -> down" "$work/gw1.log" && fail "renewal: a tunnel went down"
grep -q "tunnel e2e/2: down -> up" "$work/gw1.log" || fail "renewal: no tunnel 2"
[ "$(swan_installed)" -ge 2 ] || fail "renewal: charon lost a CHILD_SA"
n=$(pings 10)
echo "renewal: ping host A -> host B after the renewals: $n of 10"
[ "$n" -ge 8 ] || fail "renewal: pings: $n of 10"
# Tunnel 2 (vpngw starts it) anew: charon checks the renewed certificate.
console reset 'enable' 'tunnel e2e/2 reset'
again() { [ "$(grep -c "tunnel e2e/2: down -> up" "$work/gw1.log")" -ge 2 ]; }
wait_for 60 "renewal: tunnel 2 up again after a reset, under the renewed certificate" again
grep "up -> down" "$work/gw1.log" | grep -qv "e2e/2" && fail "renewal: tunnel 1 went down"
[ "$(swan_installed)" -ge 2 ] || fail "renewal: charon has not both CHILD_SAs after the reset"
# charon's certificate revoked while both tunnels are up: the CRL read
# again takes them down, and charon's next try is refused.
"$pkitool" "$work/renew" --revoke cgw >"$work/revoke2.log" 2>&1 ||
	fail "renewal: vpngw-pki.sh --revoke: $(cat "$work/revoke2.log")"
console revoke 'enable' 'reload pki'
revoked_down() {
	[ "$(grep -c 'certificate "C=US, O=vpngw, CN=cgw" (or one that issued it) is revoked by a CRL now loaded' "$work/gw1.log")" -ge 2 ] &&
		grep -q "tunnel e2e/1: up -> down" "$work/gw1.log" &&
		grep -q "tunnel e2e/2: up -> down" "$work/gw1.log"
}
wait_for 30 "renewal: both tunnels down once charon's certificate is revoked" revoked_down
refused_now() { grep -q "IKE_AUTH: .*certificate revoked" "$work/gw1.log"; }
wait_for 60 "renewal: a new try with the revoked certificate refused" refused_now
swan_stop
swan_gw_stop

# The console's export is charon's setup as it is: both identities, the
# certificates where it says (vpngw waits, charon starts both tunnels).
echo "=== round export"
gw_cert_conf "$work/ec" "$CGW_ID"
sed -i 's|startup_action = "start";||' "$work/gw1.conf"
swan_write_conf
swan_gw_start
console export 'show customer-gateway-config e2e strongswan'
awk '/show customer-gateway-config e2e strongswan$/{on=1; next} /^gw1[>#] /{on=0} on' \
	"$work/export-console.txt" >"$swan/swanctl.conf"
grep -q "id = \"$VPNGW_ID\"" "$swan/swanctl.conf" && ! grep -q "secrets" "$swan/swanctl.conf" ||
	fail "export: no certificate setup: $(cat "$swan/swanctl.conf")"
rm -rf "$swan/private" "$swan/x509" "$swan/x509ca"
mkdir -p "$swan/private" "$swan/x509" "$swan/x509ca"
cp "$work/ec/cgw.key" "$swan/private/"
cp "$work/ec/cgw.pem" "$swan/x509/peer.crt"
cp "$work/ec/ca.pem" "$swan/x509ca/"
swan_start
grep -v "opening directory" "$swan/load.log" | grep -iE "error|fail|invalid" &&
	fail "export: swanctl reported problems"
wait_for 60 "export: both tunnels up from the exported swanctl.conf" both_up
n=$(pings 10)
echo "export: ping host A -> host B: $n of 10"
[ "$n" -ge 8 ] || fail "export: ping through the tunnels: $n of 10"
swan_stop
swan_gw_stop

# Refusals: another CA's certificate for charon; an identity vpngw was
# not given; an expired certificate (made with a validity in the past).
"$pkitool" "$work/other" cgw >/dev/null || fail "vpngw-pki.sh other"
mkdir -p "$work/mixed"
cp "$work/ec/ca.pem" "$work/ec/vpngw.pem" "$work/ec/vpngw.key" "$work/mixed/"
cp "$work/other/cgw.pem" "$work/other/cgw.key" "$work/mixed/"
refused other-ca "$work/mixed" "$CGW_ID" "unknown CA"
refused identity "$work/ec" "C=US, O=vpngw, CN=someone-else" "identity mismatch"
# Expired: signed by our CA for January 2020 (openssl ca takes dates).
mkdir -p "$work/expired"
cp "$work/ec/ca.pem" "$work/ec/ca.key" "$work/ec/vpngw.pem" "$work/ec/vpngw.key" \
	"$work/ec/cgw.key" "$work/expired/"
(
	cd "$work/expired" || exit 1
	: >index.txt
	echo 1000 >serial
	cat >ca.cnf <<EOF
[ ca ]
default_ca = here
[ here ]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = names
[ names ]
countryName = optional
organizationName = optional
commonName = supplied
[ ee ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
EOF
	openssl req -new -key cgw.key -subj "/C=US/O=vpngw/CN=cgw" -out cgw.csr &&
		openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in cgw.csr \
			-out cgw.pem -startdate 20200101000000Z -enddate 20200201000000Z \
			-extensions ee -notext >ca.log 2>&1
) || fail "the expired certificate: $(cat "$work/expired/ca.log")"
refused expired "$work/expired" "$CGW_ID" "certificate expired"
# Revoked: the CA's CRL lists charon's certificate (as README says to
# revoke one: tools/vpngw-pki.sh DIR --revoke NAME).
mkdir -p "$work/revoked"
cp "$work/ec/ca.pem" "$work/ec/ca.key" "$work/ec/vpngw.pem" "$work/ec/vpngw.key" \
	"$work/ec/cgw.pem" "$work/ec/cgw.key" "$work/revoked/"
"$pkitool" "$work/revoked" --revoke cgw >"$work/revoke.log" 2>&1 ||
	fail "vpngw-pki.sh --revoke: $(cat "$work/revoke.log")"
GW_CRL=$work/revoked/ca.crl refused revoked "$work/revoked" "$CGW_ID" "certificate revoked"
grep -q "pki (start): .*; 1 CRL(s), 1 certificate(s) revoked, next update " "$work/gw1.log" ||
	fail "revoked: vpngw did not log its CRL at start"
cleanup
echo "ok: certificates against strongSwan: ECDSA, RSA through an intermediate, refusals"
exit 0
