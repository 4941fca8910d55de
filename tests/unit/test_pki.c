/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/pki: appliance.pki loaded and checked. The PKI is made here, with
 * OpenSSL: a CA, an intermediate, RSA and ECDSA end entities, and the
 * certificates and keys an operator gets wrong (expired, from another CA,
 * not a CA, no signing usage, the wrong key, an encrypted or
 * world-readable key, an Ed25519 key). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "vpn_pki.h"

#define L_CA   10
#define L_CERT 11
#define L_KEY  12
#define L_CRL  13

static char dir[64];
static EVP_PKEY *ca_key, *ca2_key, *int_key, *rsa_key, *ec_key;
static X509 *ca, *ca2, *inter;

static EVP_PKEY *
mk_key(const char *kind)
{
	if (strcmp(kind, "RSA") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (strcmp(kind, "ED25519") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", kind);
}

/* No CUnit assertion in the helpers: the suite's set-up uses them. */
static bool
ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (e == NULL)
		return false;
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return true;
}

/* A certificate for CN, valid from `from` to `to` days from now, signed
 * by issuer (itself when NULL); ku NULL: no key usage extension. */
static X509 *
mk_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, bool is_ca,
        long from, long to, const char *ku)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), from * 86400);
	X509_gmtime_adj(X509_getm_notAfter(x), to * 86400);
	X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC,
	                           (const unsigned char *)"US", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
	                           (const unsigned char *)"vpngw test", -1, -1,
	                           0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	                           (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_NAME_free(n);
	X509_set_pubkey(x, key);
	if (!ext(x, issuer, NID_basic_constraints,
	         is_ca ? "critical,CA:TRUE" : "CA:FALSE") ||
	    !ext(x, issuer, NID_subject_key_identifier, "hash") ||
	    (ku && !ext(x, issuer, NID_key_usage, ku)) ||
	    X509_sign(x, issuer ? ikey : key, EVP_sha256()) <= 0) {
		fprintf(stderr, "test_pki: could not make %s\n", cn);
		abort();
	}
	return x;
}

static const char *
path(const char *name)
{
	static char p[4][128];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static void
write_certs(const char *name, X509 *a, X509 *b)
{
	FILE *f = fopen(path(name), "w");

	if (f == NULL)
		abort();
	PEM_write_X509(f, a);
	if (b)
		PEM_write_X509(f, b);
	fclose(f);
}

static void
write_key(const char *name, EVP_PKEY *k, mode_t mode, const char *pass)
{
	FILE *f = fopen(path(name), "w");

	if (f == NULL)
		abort();
	PEM_write_PrivateKey(f, k, pass ? EVP_aes_128_cbc() : NULL,
	                     (unsigned char *)pass,
	                     pass ? (int)strlen(pass) : 0, NULL, NULL);
	fclose(f);
	chmod(path(name), mode);
}

static int
suite_init(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vpngw-pki-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	ca_key = mk_key("P-384");
	ca2_key = mk_key("P-256");
	int_key = mk_key("RSA");
	rsa_key = mk_key("RSA");
	ec_key = mk_key("P-256");
	if (!ca_key || !ca2_key || !int_key || !rsa_key || !ec_key)
		return -1;
	ca = mk_cert("vpngw test CA", ca_key, NULL, NULL, true, -1, 3650,
	             "critical,keyCertSign,cRLSign");
	ca2 = mk_cert("another CA", ca2_key, NULL, NULL, true, -1, 3650,
	              "critical,keyCertSign,cRLSign");
	inter = mk_cert("vpngw test intermediate", int_key, ca, ca_key, true,
	                -1, 1000, "critical,keyCertSign,cRLSign");
	write_certs("ca.pem", ca, NULL);
	write_key("rsa.key", rsa_key, 0600, NULL);
	write_key("ec.key", ec_key, 0640, NULL);
	return 0;
}

static int
suite_clean(void)
{
	char cmd[128];

	X509_free(ca);
	X509_free(ca2);
	X509_free(inter);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(ca2_key);
	EVP_PKEY_free(int_key);
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(ec_key);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Load ca, cert, key and crl (names in dir; NULL: not configured). */
static struct vpn_pki *
load_crl(const char *c, const char *crt, const char *key, const char *crl,
         struct vpn_diag *d)
{
	struct vpn_cfg_pki p = {0};
	struct vpn_pki_params pp = {.pki = &p, .file = "gw.conf"};

	p.src.line = 9;
	p.src.opt_line[vpn_opt_find(VPN_OBJ_PKI, "ca")] = L_CA;
	p.src.opt_line[vpn_opt_find(VPN_OBJ_PKI, "certificate")] = L_CERT;
	p.src.opt_line[vpn_opt_find(VPN_OBJ_PKI, "private_key")] = L_KEY;
	p.src.opt_line[vpn_opt_find(VPN_OBJ_PKI, "crl")] = L_CRL;
	if (crl)
		snprintf(p.crl, sizeof(p.crl), "%s", path(crl));
	if (c)
		snprintf(p.ca, sizeof(p.ca), "%s", path(c));
	if (crt)
		snprintf(p.certificate, sizeof(p.certificate), "%s", path(crt));
	if (key)
		snprintf(p.private_key, sizeof(p.private_key), "%s", path(key));
	vpn_diag_init(d);
	return vpn_pki_load(&pp, d);
}

static struct vpn_pki *
load(const char *c, const char *crt, const char *key, struct vpn_diag *d)
{
	return load_crl(c, crt, key, NULL, d);
}

/* d has a message of that severity on that line containing text. */
static bool
said(const struct vpn_diag *d, enum vpn_severity sev, unsigned int line,
     const char *text)
{
	for (unsigned int i = 0; i < d->n; i++)
		if (d->msg[i].sev == sev && d->msg[i].line == line &&
		    strcmp(d->msg[i].file, "gw.conf") == 0 &&
		    strstr(d->msg[i].text, text) != NULL)
			return true;
	for (unsigned int i = 0; i < d->n; i++)
		fprintf(stderr, "  (said: %u: %s)\n", d->msg[i].line,
		        d->msg[i].text);
	return false;
}

static char *
shown(const struct vpn_pki *pki, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	vpn_pki_show(pki, 0, json, f);
	fclose(f);
	return buf;
}

static void
test_pki_good(void)
{
	struct vpn_diag d;
	struct vpn_pki *pki;
	char *t;
	X509 *rsa, *ecc;

	/* RSA through an intermediate (in the certificate's file). */
	rsa = mk_cert("gw1.example", rsa_key, inter, int_key, false, -1, 365,
	              "critical,digitalSignature");
	write_certs("rsa.pem", rsa, inter);
	pki = load("ca.pem", "rsa.pem", "rsa.key", &d);
	CU_ASSERT_PTR_NOT_NULL(pki);
	CU_ASSERT_EQUAL(d.errors + d.warnings, 0);
	if (pki) {
		CU_ASSERT_STRING_EQUAL(vpn_pki_subject(pki),
		                       "C=US, O=vpngw test, CN=gw1.example");
		CU_ASSERT(vpn_pki_not_after(pki) > time(NULL) + 364 * 86400);
		t = shown(pki, false);
		CU_ASSERT_PTR_NOT_NULL(strstr(t, "key        RSA 2048\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(
		        t, "intermediate\n  subject    C=US, O=vpngw test, "
		           "CN=vpngw test intermediate\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(t, "day(s) left)"));
		free(t);
		t = shown(pki, true);
		CU_ASSERT_PTR_NOT_NULL(strstr(
		        t,
		        "{\"certificates\": [{\"role\": \"certificate\", "
		        "\"subject\": \"C=US, O=vpngw test, CN=gw1.example\""));
		CU_ASSERT_PTR_NOT_NULL(strstr(t, "\"role\": \"ca\""));
		free(t);
	}
	vpn_pki_free(pki);
	vpn_diag_free(&d);
	X509_free(rsa);

	/* ECDSA P-256 straight from the CA, no key usage at all. */
	ecc = mk_cert("gw2.example", ec_key, ca, ca_key, false, -1, 365, NULL);
	write_certs("ec.pem", ecc, NULL);
	pki = load("ca.pem", "ec.pem", "ec.key", &d);
	CU_ASSERT_PTR_NOT_NULL(pki);
	CU_ASSERT_EQUAL(d.errors + d.warnings, 0);
	if (pki) {
		t = shown(pki, false);
		CU_ASSERT_PTR_NOT_NULL(strstr(t, "key        ECDSA P-256\n"));
		free(t);
	}
	vpn_pki_free(pki);
	vpn_diag_free(&d);
	X509_free(ecc);

	/* Nothing configured: nothing loaded, nothing said. */
	CU_ASSERT_PTR_NULL(load(NULL, NULL, NULL, &d));
	CU_ASSERT_EQUAL(errno, ENOENT);
	CU_ASSERT_EQUAL(d.n, 0);
	vpn_diag_free(&d);
}

/* Each broken set: no pki, an error at the option's line, why. */
static void
refused(const char *c, const char *crt, const char *key, unsigned int line,
        const char *why)
{
	struct vpn_diag d;
	struct vpn_pki *pki = load(c, crt, key, &d);

	CU_ASSERT_PTR_NULL(pki);
	CU_ASSERT(d.errors >= 1);
	CU_ASSERT(said(&d, VPN_DIAG_ERROR, line, why));
	vpn_pki_free(pki);
	vpn_diag_free(&d);
}

static void
test_pki_files(void)
{
	FILE *f;
	X509 *x = mk_cert("gw1.example", rsa_key, ca, ca_key, false, -1, 365,
	                  "critical,digitalSignature");

	write_certs("good.pem", x, NULL);
	refused("nope.pem", "good.pem", "rsa.key", L_CA,
	        "nope.pem: No such file or directory");
	refused("ca.pem", "good.pem", "nope.key", L_KEY,
	        "nope.key: No such file or directory");
	f = fopen(path("junk.pem"), "w");
	fputs("not a certificate\n", f);
	fclose(f);
	refused("ca.pem", "junk.pem", "rsa.key", L_CERT, "no PEM certificate");
	chmod(path("junk.pem"), 0600);
	refused("ca.pem", "good.pem", "junk.pem", L_KEY, "no PEM private key");
	refused(".", "good.pem", "rsa.key", L_CA, "not a regular file");
	/* Half a PKI: said at the pki block's line. */
	refused("ca.pem", NULL, NULL, 9, "(certificate is missing)");
	refused(NULL, "good.pem", "rsa.key", 9, "(ca is missing)");
	/* The key: another certificate's, readable by all, encrypted. */
	refused("ca.pem", "good.pem", "ec.key", L_KEY,
	        "is not the key of the certificate");
	write_key("open.key", rsa_key, 0644, NULL);
	refused("ca.pem", "good.pem", "open.key", L_KEY,
	        "readable or writable by every user (mode 0644)");
	write_key("locked.key", rsa_key, 0600, "secret");
	refused("ca.pem", "good.pem", "locked.key", L_KEY, "an encrypted key");
	X509_free(x);
}

static void
test_pki_certs(void)
{
	EVP_PKEY *ed = mk_key("ED25519");
	struct vpn_diag d;
	struct vpn_pki *pki;
	X509 *x;

	/* From another CA. */
	x = mk_cert("gw1.example", rsa_key, ca2, ca2_key, false, -1, 365, NULL);
	write_certs("other.pem", x, NULL);
	X509_free(x);
	refused("ca.pem", "other.pem", "rsa.key", L_CERT,
	        "does not chain to the CA in");
	/* The intermediate left out of the file. */
	x = mk_cert("gw1.example", rsa_key, inter, int_key, false, -1, 365,
	            NULL);
	write_certs("noint.pem", x, NULL);
	X509_free(x);
	refused("ca.pem", "noint.pem", "rsa.key", L_CERT,
	        "unable to get local issuer certificate");
	/* Expired; not yet valid; expiring soon (a warning only). */
	x = mk_cert("gw1.example", rsa_key, ca, ca_key, false, -30, -1, NULL);
	write_certs("expired.pem", x, NULL);
	X509_free(x);
	refused("ca.pem", "expired.pem", "rsa.key", L_CERT,
	        "our certificate \"C=US, O=vpngw test, CN=gw1.example\" "
	        "expired on ");
	x = mk_cert("gw1.example", rsa_key, ca, ca_key, false, 2, 30, NULL);
	write_certs("future.pem", x, NULL);
	X509_free(x);
	refused("ca.pem", "future.pem", "rsa.key", L_CERT,
	        "is not valid before");
	x = mk_cert("gw1.example", rsa_key, ca, ca_key, false, -1, 10, NULL);
	write_certs("soon.pem", x, NULL);
	X509_free(x);
	pki = load("ca.pem", "soon.pem", "rsa.key", &d);
	CU_ASSERT_PTR_NOT_NULL(pki);
	CU_ASSERT_EQUAL(d.errors, 0);
	CU_ASSERT(said(&d, VPN_DIAG_WARNING, L_CERT, "expires on "));
	vpn_pki_free(pki);
	vpn_diag_free(&d);
	/* A certificate for key encipherment only: IKE can't sign. */
	x = mk_cert("gw1.example", rsa_key, ca, ca_key, false, -1, 365,
	            "critical,keyEncipherment");
	write_certs("nosign.pem", x, NULL);
	X509_free(x);
	refused("ca.pem", "nosign.pem", "rsa.key", L_CERT,
	        "key usage has no digitalSignature");
	/* "CA" that is an end entity. */
	x = mk_cert("not a CA", ca2_key, NULL, NULL, false, -1, 365, NULL);
	write_certs("notca.pem", x, NULL);
	X509_free(x);
	x = mk_cert("gw1.example", rsa_key, ca2, ca2_key, false, -1, 365, NULL);
	write_certs("under-notca.pem", x, NULL);
	X509_free(x);
	refused("notca.pem", "under-notca.pem", "rsa.key", L_CA,
	        "is not a CA certificate");
	/* An Ed25519 key: IKE signs with RSA or ECDSA here. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(ed);
	write_key("ed.key", ed, 0600, NULL);
	refused("ca.pem", "good.pem", "ed.key", L_KEY,
	        "a key of type ED25519; IKE signs with RSA or ECDSA");
	EVP_PKEY_free(ed);
}

/* IKE: what one side signs with its pki, the other verifies with its
 * own (the same CA); each refusal with its reason. hashes: what the
 * verifier said it takes (RFC 7427's notify; 0: nothing). */
static unsigned int sign_hashes;

static size_t
sign_as(const struct vpn_pki *pki, const char *octets, uint8_t *id,
        size_t *id_len, uint8_t *cert, size_t *cert_len, uint8_t *auth)
{
	struct vpn_pki_data data = {.n = 2};

	data.part[0] = (const uint8_t *)octets;
	data.len[0] = 5;
	data.part[1] = (const uint8_t *)octets + 5;
	data.len[1] = strlen(octets) - 5;
	*id_len = vpn_pki_id(pki, id, 512);
	*cert_len = vpn_pki_cert(pki, 0, cert, 4096);
	return vpn_pki_sign(pki, &data, sign_hashes, auth, 1024);
}

static char verified_alg[48]; /* the last verify_as's algorithm */

static int
verify_as(const struct vpn_pki *pki, const char *octets, const uint8_t *id,
          size_t id_len, const uint8_t *cert, size_t cert_len,
          const uint8_t *auth, size_t auth_len, const char *identity, char *why)
{
	int rc;

	struct vpn_pki_peer in = {.n_certs = 1,
	                          .id = id,
	                          .id_len = id_len,
	                          .auth = auth,
	                          .auth_len = auth_len,
	                          .identity = identity};

	in.cert[0] = cert;
	in.cert_len[0] = cert_len;
	in.data.n = 1;
	in.data.part[0] = (const uint8_t *)octets;
	in.data.len[0] = strlen(octets);
	why[0] = '\0';
	rc = vpn_pki_verify_peer(pki, &in, why, 200);
	snprintf(verified_alg, sizeof(verified_alg), "%s", in.sig_alg);
	return rc;
}

static void
test_pki_ike(void)
{
	static uint8_t id[512], cert[4096], auth[1024], certreq[64], c1[4096];
	const char *octets = "message|nonce|prf(SK_p, ID)";
	struct vpn_pki *rsa, *ecc, *other;
	size_t il, cl, al;
	struct vpn_diag d;
	char why[200];
	X509 *x;

	x = mk_cert("gw-rsa", rsa_key, inter, int_key, false, -1, 365,
	            "critical,digitalSignature");
	write_certs("ike-rsa.pem", x, inter);
	X509_free(x);
	x = mk_cert("gw-ec", ec_key, ca, ca_key, false, -1, 365, NULL);
	write_certs("ike-ec.pem", x, NULL);
	X509_free(x);
	x = mk_cert("gw-other", ec_key, ca2, ca2_key, false, -1, 365, NULL);
	write_certs("ike-other.pem", x, NULL);
	write_certs("ca2.pem", ca2, NULL);
	X509_free(x);
	rsa = load("ca.pem", "ike-rsa.pem", "rsa.key", &d);
	vpn_diag_free(&d);
	ecc = load("ca.pem", "ike-ec.pem", "ec.key", &d);
	vpn_diag_free(&d);
	other = load("ca2.pem", "ike-other.pem", "ec.key", &d);
	vpn_diag_free(&d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rsa);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ecc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(other);

	/* ID_DER_ASN1_DN, CERT of encoding 4, CERTREQ of the CA's key. */
	al = sign_as(ecc, octets, id, &il, cert, &cl, auth);
	CU_ASSERT(al > 20 && il > 4 && cl > 100);
	CU_ASSERT_EQUAL(id[0], 9);
	CU_ASSERT_EQUAL(cert[0], 4);
	CU_ASSERT_EQUAL(vpn_pki_certreq(ecc, certreq, sizeof(certreq)), 21);
	CU_ASSERT_EQUAL(vpn_pki_cert(rsa, 1, c1, sizeof(c1)) > 100, true);
	CU_ASSERT_EQUAL(vpn_pki_cert(rsa, 2, c1, sizeof(c1)), 0);
	CU_ASSERT_EQUAL(vpn_pki_cert(ecc, 0, c1, 10), 0); /* no room */
	/* ECDSA P-256 with SHA-256: the RSA side takes it, by DN (in any
	 * order, spaces as written) or not at all by another name. */
	CU_ASSERT_EQUAL(verify_as(rsa, octets, id, il, cert, cl, auth, al,
	                          "CN=gw-ec, O=vpngw test, C=US", why),
	                0);
	CU_ASSERT_STRING_EQUAL(verified_alg, "ecdsa-with-SHA256");
	/* A verifier that takes only SHA2-512 (or -384) gets it. */
	sign_hashes = VPN_PKI_SHA512;
	al = sign_as(ecc, octets, id, &il, cert, &cl, auth);
	CU_ASSERT_EQUAL(verify_as(rsa, octets, id, il, cert, cl, auth, al,
	                          "CN=gw-ec, O=vpngw test, C=US", why),
	                0);
	CU_ASSERT_STRING_EQUAL(verified_alg, "ecdsa-with-SHA512");
	sign_hashes = VPN_PKI_SHA384 | VPN_PKI_SHA512;
	al = sign_as(rsa, octets, id, &il, cert, &cl, auth);
	CU_ASSERT_EQUAL(verify_as(ecc, octets, id, il, cert, cl, auth, al,
	                          "C=US, O=vpngw test, CN=gw-rsa", why),
	                -EACCES); /* (its intermediate is not sent here) */
	CU_ASSERT_STRING_EQUAL(why, "unknown CA");
	sign_hashes = 0;
	al = sign_as(ecc, octets, id, &il, cert, &cl, auth);
	CU_ASSERT_EQUAL(verify_as(rsa, octets, id, il, cert, cl, auth, al,
	                          "CN=gw-ec", why),
	                -EACCES);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "identity mismatch"));
	CU_ASSERT_EQUAL(verify_as(rsa, "message|nonce|prf(SK_p, IDx)", id, il,
	                          cert, cl, auth, al,
	                          "C=US,O=vpngw test,CN=gw-ec", why),
	                -EACCES);
	CU_ASSERT_STRING_EQUAL(why, "bad signature");
	auth[al - 1] ^= 1;
	CU_ASSERT_EQUAL(verify_as(rsa, octets, id, il, cert, cl, auth, al,
	                          "C=US,O=vpngw test,CN=gw-ec", why),
	                -EACCES);
	auth[al - 1] ^= 1;
	/* A well-formed AlgorithmIdentifier of a hash we do not take
	 * (sha1WithRSAEncryption): refused, named. */
	{
		static const uint8_t sha1rsa[] = {
		        15,   0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
		        0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00, 1,    2};

		CU_ASSERT_EQUAL(verify_as(rsa, octets, id, il, cert, cl,
		                          sha1rsa, sizeof(sha1rsa),
		                          "C=US,O=vpngw test,CN=gw-ec", why),
		                -EACCES);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "RSA-SHA1 not accepted"));
	}
	/* Its ID must be its certificate's name. */
	id[il - 1] ^= 1;
	CU_ASSERT_EQUAL(verify_as(rsa, octets, id, il, cert, cl, auth, al,
	                          "C=US,O=vpngw test,CN=gw-ec", why),
	                -EACCES);
	id[il - 1] ^= 1;
	/* RSA through the intermediate (sent as a second CERT). */
	al = sign_as(rsa, octets, id, &il, cert, &cl, auth);
	{
		struct vpn_pki_peer in = {.n_certs = 2,
		                          .id = id,
		                          .id_len = il,
		                          .auth = auth,
		                          .auth_len = al,
		                          .identity = "C=US, O=vpngw test, "
		                                      "CN=gw-rsa"};

		in.cert[0] = cert;
		in.cert_len[0] = cl;
		in.cert[1] = c1;
		in.cert_len[1] = vpn_pki_cert(rsa, 1, c1, sizeof(c1));
		in.data.n = 1;
		in.data.part[0] = (const uint8_t *)octets;
		in.data.len[0] = strlen(octets);
		CU_ASSERT_EQUAL(vpn_pki_verify_peer(ecc, &in, why, sizeof(why)),
		                0);
		CU_ASSERT_STRING_EQUAL(in.subject,
		                       "C=US, O=vpngw test, CN=gw-rsa");
		CU_ASSERT_STRING_EQUAL(in.issuer, "C=US, O=vpngw test, "
		                                  "CN=vpngw test intermediate");
		/* Without the intermediate: no chain. */
		in.n_certs = 1;
		CU_ASSERT_EQUAL(vpn_pki_verify_peer(ecc, &in, why, sizeof(why)),
		                -EACCES);
		CU_ASSERT_STRING_EQUAL(why, "unknown CA");
		/* Later than its validity: expired. */
		in.n_certs = 2;
		in.now = time(NULL) + 400 * 86400;
		CU_ASSERT_EQUAL(vpn_pki_verify_peer(ecc, &in, why, sizeof(why)),
		                -EACCES);
		CU_ASSERT_STRING_EQUAL(why, "certificate expired");
		/* No CERT, or not X.509. */
		in.now = 0;
		in.n_certs = 0;
		CU_ASSERT_EQUAL(vpn_pki_verify_peer(ecc, &in, why, sizeof(why)),
		                -EACCES);
		in.n_certs = 1;
		c1[0] = cert[0];
		cert[0] = 1;
		CU_ASSERT_EQUAL(vpn_pki_verify_peer(ecc, &in, why, sizeof(why)),
		                -EACCES);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "encoding 1"));
		cert[0] = 4;
		in.cert_len[0] = cl - 1; /* truncated DER */
		CU_ASSERT_EQUAL(vpn_pki_verify_peer(ecc, &in, why, sizeof(why)),
		                -EACCES);
		CU_ASSERT_STRING_EQUAL(why, "malformed certificate");
	}
	/* From another CA. */
	al = sign_as(other, octets, id, &il, cert, &cl, auth);
	CU_ASSERT_EQUAL(verify_as(rsa, octets, id, il, cert, cl, auth, al,
	                          "C=US,O=vpngw test,CN=gw-other", why),
	                -EACCES);
	CU_ASSERT_STRING_EQUAL(why, "unknown CA");
	/* Garbage in AUTH: refused, never read past it. */
	for (size_t n = 0; n < 24; n++) {
		memset(auth, (int)n * 37, n);
		if (n > 0)
			auth[0] = (uint8_t)(n - 1);
		CU_ASSERT_EQUAL(verify_as(ecc, octets, id, il, cert, cl, auth,
		                          n, "C=US,O=vpngw test,CN=gw-other",
		                          why),
		                -EACCES);
	}
	vpn_pki_free(rsa);
	vpn_pki_free(ecc);
	vpn_pki_free(other);
}

/* A CRL of issuer (key ikey) revoking the given serials, its next update
 * next_days from now, written to name. */
static void
write_crl(const char *name, X509 *issuer, EVP_PKEY *ikey, long next_days,
          const long *serials, int n)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	FILE *f = fopen(path(name), "w");

	if (crl == NULL || t == NULL || f == NULL)
		abort();
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
	X509_gmtime_adj(t, -86400);
	X509_CRL_set1_lastUpdate(crl, t);
	X509_gmtime_adj(t, next_days * 86400);
	X509_CRL_set1_nextUpdate(crl, t);
	for (int i = 0; i < n; i++) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *sn = ASN1_INTEGER_new();

		ASN1_INTEGER_set(sn, serials[i]);
		X509_REVOKED_set_serialNumber(r, sn);
		X509_gmtime_adj(t, -3600);
		X509_REVOKED_set_revocationDate(r, t);
		X509_CRL_add0_revoked(crl, r);
		ASN1_INTEGER_free(sn);
	}
	X509_CRL_sort(crl);
	if (X509_CRL_sign(crl, ikey, EVP_sha256()) <= 0)
		abort();
	PEM_write_X509_CRL(f, crl);
	fclose(f);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
}

static long
serial_of(X509 *x)
{
	return ASN1_INTEGER_get(X509_get0_serialNumber(x));
}

/* in's CERT payloads (x, then via when given) and ID (x's subject as
 * ID_DER_ASN1_DN), in der[0..1] and id. */
static void
peer_payloads(struct vpn_pki_peer *in, X509 *x, X509 *via, uint8_t der[2][4096],
              uint8_t *id)
{
	X509 *xs[2] = {x, via};
	unsigned char *p;

	in->n_certs = via ? 2 : 1;
	for (unsigned int i = 0; i < in->n_certs; i++) {
		der[i][0] = 4;
		p = der[i] + 1;
		in->cert[i] = der[i];
		in->cert_len[i] = (size_t)i2d_X509(xs[i], &p) + 1;
	}
	memset(id, 0, 4);
	id[0] = 9;
	p = id + 4;
	in->id = id;
	in->id_len = (size_t)i2d_X509_NAME(X509_get_subject_name(x), &p) + 4;
}

/* in (payloads and signature made) over octets, checked by pki as the
 * identity "C=US, O=vpngw test, CN=cn". */
static struct vpn_pki_cert_ref last_chain[VPN_PKI_PEER_CERTS];
static unsigned int last_n_chain; /* of the last verify_in */

static int
verify_in(const struct vpn_pki *pki, struct vpn_pki_peer *in,
          const char *octets, const char *cn, char *why)
{
	static char ident[64];
	int rc;

	in->data.n = 1;
	in->data.part[0] = (const uint8_t *)octets;
	in->data.len[0] = strlen(octets);
	snprintf(ident, sizeof(ident), "C=US, O=vpngw test, CN=%s", cn);
	in->identity = ident;
	why[0] = '\0';
	rc = vpn_pki_verify_peer(pki, in, why, 200);
	memcpy(last_chain, in->chain, sizeof(last_chain));
	last_n_chain = in->n_chain;
	return rc;
}

/* A peer (cert, with inter after it when given) signed by key, checked
 * by pki as identity CN. */
static int
peer_check(const struct vpn_pki *pki, X509 *x, X509 *via, EVP_PKEY *key,
           const char *cn, char *why)
{
	static uint8_t der[2][4096], id[512], sig[1024];
	const char *octets = "message|nonce|prf(SK_p, ID)";
	struct vpn_pki_peer in = {0};
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t sl = sizeof(sig) - 20;

	peer_payloads(&in, x, via, der, id);
	/* RFC 7427: ecdsa-with-SHA256's AlgorithmIdentifier, then the
	 * signature. */
	{
		static const uint8_t alg[] = {0x30, 0x0a, 0x06, 0x08,
		                              0x2a, 0x86, 0x48, 0xce,
		                              0x3d, 0x04, 0x03, 0x02};

		sig[0] = sizeof(alg);
		memcpy(sig + 1, alg, sizeof(alg));
		EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key);
		EVP_DigestSign(md, sig + 1 + sizeof(alg), &sl,
		               (const uint8_t *)octets, strlen(octets));
		EVP_MD_CTX_free(md);
	}
	in.auth = sig;
	in.auth_len = 1 + 12 + sl;
	return verify_in(pki, &in, octets, cn, why);
}

/* RFC 7427 A.4.3's AlgorithmIdentifier: RSASSA-PSS, SHA-256, MGF1 with
 * SHA-256, salt 32; then the same with no parameters (SHA-1). */
static const uint8_t pss256[] = {
        0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
        0x0a, 0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
        0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a,
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30,
        0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x20};
static const uint8_t pss_sha1[] = {0x30, 0x0d, 0x06, 0x09, 0x2a,
                                   0x86, 0x48, 0x86, 0xf7, 0x0d,
                                   0x01, 0x01, 0x0a, 0x30, 0x00};

/* A peer x (key, CN cn) whose AUTH is alg (DER) then an RSASSA-PSS
 * signature with SHA-256, MGF1 SHA-256 and salt, checked by pki. */
static int
pss_check(const struct vpn_pki *pki, X509 *x, EVP_PKEY *key, const char *cn,
          const uint8_t *alg, size_t alg_len, int salt, char *why,
          char *sig_alg)
{
	static uint8_t der[2][4096], id[512], sig[1024];
	const char *octets = "message|nonce|prf(SK_p, ID)";
	struct vpn_pki_peer in = {0};
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t sl = sizeof(sig) - 1 - alg_len;
	int rc;

	peer_payloads(&in, x, NULL, der, id);
	sig[0] = (uint8_t)alg_len;
	memcpy(sig + 1, alg, alg_len);
	if (EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, key) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) <= 0 ||
	    EVP_DigestSign(md, sig + 1 + alg_len, &sl, (const uint8_t *)octets,
	                   strlen(octets)) != 1)
		abort();
	EVP_MD_CTX_free(md);
	in.auth = sig;
	in.auth_len = 1 + alg_len + sl;
	rc = verify_in(pki, &in, octets, cn, why);
	strcpy(sig_alg, in.sig_alg);
	return rc;
}

static void
test_pki_pss(void)
{
	X509 *ours =
	        mk_cert("gw-pss", ec_key, ca, ca_key, false, -1, 365, NULL);
	X509 *peer = mk_cert("peer-pss", rsa_key, ca, ca_key, false, -1, 365,
	                     "critical,digitalSignature");
	struct vpn_pki *pki;
	struct vpn_diag d;
	char why[200], alg[48];

	write_certs("pss-ours.pem", ours, NULL);
	pki = load("ca.pem", "pss-ours.pem", "ec.key", &d);
	vpn_diag_free(&d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pki);
	/* RSASSA-PSS, SHA-256, salt 32: taken, and named. */
	CU_ASSERT_EQUAL(pss_check(pki, peer, rsa_key, "peer-pss", pss256,
	                          sizeof(pss256), 32, why, alg),
	                0);
	CU_ASSERT_STRING_EQUAL(alg, "RSASSA-PSS SHA256");
	/* The parameters say salt 32, the signature has 20. */
	CU_ASSERT_EQUAL(pss_check(pki, peer, rsa_key, "peer-pss", pss256,
	                          sizeof(pss256), 20, why, alg),
	                -EACCES);
	CU_ASSERT_STRING_EQUAL(why, "bad signature");
	/* Default parameters are SHA-1: not taken. */
	CU_ASSERT_EQUAL(pss_check(pki, peer, rsa_key, "peer-pss", pss_sha1,
	                          sizeof(pss_sha1), 20, why, alg),
	                -EACCES);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "RSASSA-PSS parameters not"));
	vpn_pki_free(pki);
	X509_free(ours);
	X509_free(peer);
}

static void
test_pki_crl(void)
{
	X509 *ours, *fine, *gone, *via, *inter2;
	EVP_PKEY *k2 = mk_key("P-256");
	struct vpn_pki *pki;
	struct vpn_diag d;
	char why[200], *txt;
	long rev[2];

	ours = mk_cert("gw-crl", ec_key, ca, ca_key, false, -1, 365, NULL);
	write_certs("crl-ours.pem", ours, NULL);
	fine = mk_cert("peer-fine", k2, ca, ca_key, false, -1, 365, NULL);
	gone = mk_cert("peer-gone", k2, ca, ca_key, false, -1, 365, NULL);
	/* An intermediate the CA revoked, and a peer certificate under it. */
	inter2 = mk_cert("revoked intermediate", int_key, ca, ca_key, true, -1,
	                 365, "critical,keyCertSign,cRLSign");
	via = mk_cert("peer-via", k2, inter2, int_key, false, -1, 365, NULL);
	rev[0] = serial_of(gone);
	rev[1] = serial_of(inter2);
	write_crl("ca.crl", ca, ca_key, 7, rev, 2);

	/* Loaded and shown; the CA's CRL decides. */
	pki = load_crl("ca.pem", "crl-ours.pem", "ec.key", "ca.crl", &d);
	CU_ASSERT_EQUAL(d.errors, 0);
	CU_ASSERT_EQUAL(d.warnings, 0);
	vpn_diag_free(&d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pki);
	CU_ASSERT_EQUAL(peer_check(pki, fine, NULL, k2, "peer-fine", why), 0);
	CU_ASSERT_EQUAL(peer_check(pki, gone, NULL, k2, "peer-gone", why),
	                -EACCES);
	CU_ASSERT_STRING_EQUAL(why, "certificate revoked");
	CU_ASSERT_EQUAL(peer_check(pki, via, inter2, k2, "peer-via", why),
	                -EACCES);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "revoked: its issuer"));
	txt = shown(pki, false);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "revoked    2 certificate(s)"));
	free(txt);
	txt = shown(pki, true);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"crls\": [{\"revoked\": 2"));
	free(txt);
	vpn_pki_free(pki);

	/* Without the CRL all three pass; what their chains were is what a
	 * CRL loaded later finds revoked (the peer's own certificate, or
	 * the intermediate that issued it). */
	{
		struct vpn_pki_cert_ref gone_c[VPN_PKI_PEER_CERTS],
		        via_c[VPN_PKI_PEER_CERTS], fine_c[VPN_PKI_PEER_CERTS];
		unsigned int gone_n, via_n, fine_n;
		struct vpn_pki *later;

		pki = load("ca.pem", "crl-ours.pem", "ec.key", &d);
		vpn_diag_free(&d);
		CU_ASSERT_PTR_NOT_NULL_FATAL(pki);
		CU_ASSERT_EQUAL(
		        peer_check(pki, gone, NULL, k2, "peer-gone", why), 0);
		memcpy(gone_c, last_chain, sizeof(gone_c));
		gone_n = last_n_chain;
		CU_ASSERT_EQUAL(
		        peer_check(pki, via, inter2, k2, "peer-via", why), 0);
		memcpy(via_c, last_chain, sizeof(via_c));
		via_n = last_n_chain;
		CU_ASSERT_EQUAL(
		        peer_check(pki, fine, NULL, k2, "peer-fine", why), 0);
		memcpy(fine_c, last_chain, sizeof(fine_c));
		fine_n = last_n_chain;
		CU_ASSERT_EQUAL(gone_n, 1);
		CU_ASSERT_EQUAL(via_n, 2);
		later = load_crl("ca.pem", "crl-ours.pem", "ec.key", "ca.crl",
		                 &d);
		vpn_diag_free(&d);
		CU_ASSERT_PTR_NOT_NULL_FATAL(later);
		CU_ASSERT(vpn_pki_revoked(later, gone_c, gone_n));
		CU_ASSERT(vpn_pki_revoked(later, via_c, via_n));
		CU_ASSERT(!vpn_pki_revoked(later, fine_c, fine_n));
		CU_ASSERT(!vpn_pki_revoked(pki, gone_c, gone_n));
		vpn_pki_free(later);
		vpn_pki_free(pki);
	}

	/* Past its next update: a warning at load, and what it covers is
	 * refused (it can't say any more what is revoked). */
	write_crl("old.crl", ca, ca_key, -1, rev, 1);
	pki = load_crl("ca.pem", "crl-ours.pem", "ec.key", "old.crl", &d);
	CU_ASSERT(said(&d, VPN_DIAG_WARNING, L_CRL, "due for renewal"));
	vpn_diag_free(&d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pki);
	CU_ASSERT_EQUAL(peer_check(pki, fine, NULL, k2, "peer-fine", why),
	                -EACCES);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "past its next update"));
	vpn_pki_free(pki);

	/* The overdue one beside its renewal: the renewed one decides. */
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "cat %s %s > %s", path("old.crl"),
		         path("ca.crl"), path("both.crl"));
		CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	}
	pki = load_crl("ca.pem", "crl-ours.pem", "ec.key", "both.crl", &d);
	vpn_diag_free(&d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pki);
	CU_ASSERT_EQUAL(peer_check(pki, fine, NULL, k2, "peer-fine", why), 0);
	CU_ASSERT_EQUAL(peer_check(pki, gone, NULL, k2, "peer-gone", why),
	                -EACCES);
	vpn_pki_free(pki);
	/* Due within 3 days: a warning ahead of it. */
	write_crl("soon.crl", ca, ca_key, 1, rev, 1);
	pki = load_crl("ca.pem", "crl-ours.pem", "ec.key", "soon.crl", &d);
	CU_ASSERT(said(&d, VPN_DIAG_WARNING, L_CRL, "is due for renewal on"));
	vpn_diag_free(&d);
	vpn_pki_free(pki);
	/* A damaged CRL after a good one (its end line lost): whatever
	 * follows would be lost unseen. */
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "(cat %s; head -n -1 %s) > %s",
		         path("ca.crl"), path("ca.crl"), path("mixed.crl"));
		CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	}
	pki = load_crl("ca.pem", "crl-ours.pem", "ec.key", "mixed.crl", &d);
	CU_ASSERT_PTR_NULL(pki);
	CU_ASSERT(said(&d, VPN_DIAG_ERROR, L_CRL, "not a CRL"));
	vpn_diag_free(&d);

	/* Another CA's CRL, a forged one (our CA's name, another key), a
	 * file with no CRL: errors at the crl line. */
	write_crl("ca2.crl", ca2, ca2_key, 7, rev, 1);
	pki = load_crl("ca.pem", "crl-ours.pem", "ec.key", "ca2.crl", &d);
	CU_ASSERT_PTR_NULL(pki);
	CU_ASSERT(said(&d, VPN_DIAG_ERROR, L_CRL, "which is not the CA"));
	vpn_diag_free(&d);
	write_crl("forged.crl", ca, ca2_key, 7, rev, 1);
	pki = load_crl("ca.pem", "crl-ours.pem", "ec.key", "forged.crl", &d);
	CU_ASSERT_PTR_NULL(pki);
	CU_ASSERT(said(&d, VPN_DIAG_ERROR, L_CRL, "not signed by"));
	vpn_diag_free(&d);
	pki = load_crl("ca.pem", "crl-ours.pem", "ec.key", "ca.pem", &d);
	CU_ASSERT_PTR_NULL(pki);
	CU_ASSERT(said(&d, VPN_DIAG_ERROR, L_CRL, "no PEM CRL"));
	vpn_diag_free(&d);

	X509_free(ours);
	X509_free(fine);
	X509_free(gone);
	X509_free(via);
	X509_free(inter2);
	EVP_PKEY_free(k2);
}

void register_pki_tests(void);

void
register_pki_tests(void)
{
	CU_pSuite s = CU_add_suite("pki", suite_init, suite_clean);

	CU_add_test(s, "pki: RSA through an intermediate, ECDSA",
	            test_pki_good);
	CU_add_test(s, "pki: files missing, not PEM, keys refused",
	            test_pki_files);
	CU_add_test(s, "pki: certificates refused and warned of",
	            test_pki_certs);
	CU_add_test(s, "pki: CRLs: revoked peers and intermediates, overdue",
	            test_pki_crl);
	CU_add_test(s, "pki: RSASSA-PSS signatures", test_pki_pss);
	CU_add_test(s, "pki: IKE IDs, CERT, CERTREQ, signatures, peers",
	            test_pki_ike);
}
