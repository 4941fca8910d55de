/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What IKEv2 needs of the PKI (vpn_pki.h): our ID payload (ID_DER_ASN1_DN),
 * our CERT and CERTREQ payload bodies, AUTH by digital signature (RFC 7427)
 * made with our key, and the peer checked: its certificate chained to our
 * CA through the intermediates it sent, in its validity, allowed to sign,
 * named by its ID payload and by the identity configured for it, and its
 * AUTH verified with its key. Every refusal says why in words a log line
 * can carry.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki_priv.h"

#define ID_IPV4_ADDR   1
#define ID_FQDN        2
#define ID_RFC822_ADDR 3
#define ID_DER_ASN1_DN 9

#define CERT_X509_SIGNATURE 4 /* RFC 7296 3.6 */

size_t
vpn_pki_id(const struct vpn_pki *pki, uint8_t *out, size_t max)
{
	X509_NAME *n = X509_get_subject_name(sk_X509_value(pki->chain, 0));
	unsigned char *p = out + 4;
	int len = i2d_X509_NAME(n, NULL);

	if (len <= 0 || (size_t)len + 4 > max)
		return 0;
	memset(out, 0, 4);
	out[0] = ID_DER_ASN1_DN;
	i2d_X509_NAME(n, &p);
	return 4 + (size_t)len;
}

size_t
vpn_pki_cert(const struct vpn_pki *pki, unsigned int i, uint8_t *out,
             size_t max)
{
	unsigned char *p = out + 1;
	X509 *x;
	int len;

	if ((int)i >= sk_X509_num(pki->chain))
		return 0;
	x = sk_X509_value(pki->chain, (int)i);
	len = i2d_X509(x, NULL);
	if (len <= 0 || (size_t)len + 1 > max)
		return 0;
	out[0] = CERT_X509_SIGNATURE;
	i2d_X509(x, &p);
	return 1 + (size_t)len;
}

/* CERTREQ (RFC 7296 3.7): the SHA-1 hash of each CA's subjectPublicKeyInfo. */
size_t
vpn_pki_certreq(const struct vpn_pki *pki, uint8_t *out, size_t max)
{
	size_t len = 1;

	if (max < 1)
		return 0;
	out[0] = CERT_X509_SIGNATURE;
	for (int i = 0; i < sk_X509_num(pki->ca); i++) {
		X509_PUBKEY *pk =
		        X509_get_X509_PUBKEY(sk_X509_value(pki->ca, i));
		unsigned char *der = NULL;
		unsigned int hl = 0;
		int dl = i2d_X509_PUBKEY(pk, &der);

		if (dl > 0 && len + 20 <= max &&
		    EVP_Digest(der, (size_t)dl, out + len, &hl, EVP_sha1(),
		               NULL) == 1 &&
		    hl == 20)
			len += 20;
		OPENSSL_free(der);
	}
	return len > 1 ? len : 0;
}

/* The signature scheme for our key: SHA-256 (SHA-384 on P-384), RSA
 * with PKCS#1 v1.5 (what strongSwan verifies without rsa_pss set), or
 * the first hash of ours the peer takes when it named some. */
static const EVP_MD *
our_md(const struct vpn_pki *pki, unsigned int hashes, int *sig_nid)
{
	bool rsa = EVP_PKEY_get_base_id(pki->key) == EVP_PKEY_RSA;
	unsigned int want = !rsa && EVP_PKEY_get_bits(pki->key) > 256
	                            ? VPN_PKI_SHA384
	                            : VPN_PKI_SHA256;
	static const unsigned int order[] = {VPN_PKI_SHA256, VPN_PKI_SHA384,
	                                     VPN_PKI_SHA512};

	if (hashes != 0 && !(hashes & want))
		for (unsigned int i = 0; i < 3; i++)
			if (hashes & order[i]) {
				want = order[i];
				break;
			}
	if (want == VPN_PKI_SHA512) {
		*sig_nid = rsa ? NID_sha512WithRSAEncryption
		               : NID_ecdsa_with_SHA512;
		return EVP_sha512();
	}
	if (want == VPN_PKI_SHA384) {
		*sig_nid = rsa ? NID_sha384WithRSAEncryption
		               : NID_ecdsa_with_SHA384;
		return EVP_sha384();
	}
	*sig_nid = rsa ? NID_sha256WithRSAEncryption : NID_ecdsa_with_SHA256;
	return EVP_sha256();
}

static int
concat(const struct vpn_pki_data *d, uint8_t **buf, size_t *len)
{
	size_t n = 0;

	for (unsigned int i = 0; i < d->n; i++)
		n += d->len[i];
	*buf = malloc(n ? n : 1);
	if (*buf == NULL)
		return -ENOMEM;
	n = 0;
	for (unsigned int i = 0; i < d->n; i++) {
		memcpy(*buf + n, d->part[i], d->len[i]);
		n += d->len[i];
	}
	*len = n;
	return 0;
}

/* RFC 7427 3: AUTH data = length of the AlgorithmIdentifier (1 byte),
 * the AlgorithmIdentifier (DER), the signature. */
size_t
vpn_pki_sign(const struct vpn_pki *pki, const struct vpn_pki_data *data,
             unsigned int hashes, uint8_t *out, size_t max)
{
	X509_ALGOR *alg = X509_ALGOR_new();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *p;
	uint8_t *msg = NULL;
	size_t mlen, slen, res = 0;
	int sig_nid, alen;
	const EVP_MD *md = our_md(pki, hashes, &sig_nid);

	if (alg == NULL || ctx == NULL || concat(data, &msg, &mlen) != 0)
		goto out;
	/* RSA's AlgorithmIdentifier carries a NULL parameter, ECDSA's
	 * none (RFC 3279, RFC 5758). */
	X509_ALGOR_set0(alg, OBJ_nid2obj(sig_nid),
	                EVP_PKEY_get_base_id(pki->key) == EVP_PKEY_RSA
	                        ? V_ASN1_NULL
	                        : V_ASN1_UNDEF,
	                NULL);
	alen = i2d_X509_ALGOR(alg, NULL);
	if (alen <= 0 || alen > 255 || (size_t)alen + 1 > max)
		goto out;
	out[0] = (uint8_t)alen;
	p = out + 1;
	i2d_X509_ALGOR(alg, &p);
	slen = max - 1 - (size_t)alen;
	if (EVP_DigestSignInit(ctx, NULL, md, NULL, pki->key) != 1 ||
	    EVP_DigestSign(ctx, out + 1 + alen, &slen, msg, mlen) != 1)
		goto out;
	res = 1 + (size_t)alen + slen;
out:
	ERR_clear_error();
	free(msg);
	EVP_MD_CTX_free(ctx);
	X509_ALGOR_free(alg);
	return res;
}

/* ---- the peer ---------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int
refuse(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	ERR_clear_error();
	return -EACCES;
}

/* "a=b, c=d" as a set of (attribute, value), spaces around '=' and ','
 * ignored, "\," a comma in a value: the identity as written in the
 * configuration (and as the log writes a subject). */
struct rdn {
	char attr[16], value[256];
};

static int
parse_dn(const char *s, struct rdn *r, int max)
{
	int n = 0;

	while (*s) {
		size_t al = 0, vl = 0;

		while (*s == ' ' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		if (n == max)
			return -1;
		while (*s && *s != '=' && al + 1 < sizeof(r[n].attr))
			r[n].attr[al++] = *s++;
		if (*s != '=')
			return -1;
		while (al > 0 && r[n].attr[al - 1] == ' ')
			al--;
		r[n].attr[al] = '\0';
		s++;
		while (*s == ' ')
			s++;
		while (*s && *s != ',') {
			if (*s == '\\' && s[1] != '\0')
				s++;
			if (vl + 1 >= sizeof(r[n].value))
				return -1;
			r[n].value[vl++] = *s++;
		}
		while (vl > 0 && r[n].value[vl - 1] == ' ')
			vl--;
		r[n].value[vl] = '\0';
		if (al == 0)
			return -1;
		n++;
	}
	return n;
}

/* An attribute as the configuration may name it: OpenSSL's short name,
 * or E for the email address (strongSwan's). */
static bool
attr_is(const char *want, int nid)
{
	return strcasecmp(want, OBJ_nid2sn(nid)) == 0 ||
	       (nid == NID_pkcs9_emailAddress && strcasecmp(want, "E") == 0);
}

/* The subject has exactly the identity's attributes and values, in any
 * order (the configuration may write CN first, the certificate C), each
 * in an RDN of its own (a multi-valued RDN matches no identity). */
static bool
dn_matches(X509 *x, const char *identity)
{
	X509_NAME *n = X509_get_subject_name(x);
	struct rdn want[16];
	int nw = parse_dn(identity, want, 16), cnt = X509_NAME_entry_count(n);
	bool used[16] = {false};

	if (nw <= 0 || nw != cnt ||
	    X509_NAME_ENTRY_set(X509_NAME_get_entry(n, cnt - 1)) != cnt - 1)
		return false;
	for (int i = 0; i < cnt; i++) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
		int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
		unsigned char *v = NULL;
		int vl = ASN1_STRING_to_UTF8(&v, X509_NAME_ENTRY_get_data(e));
		bool found = false;

		for (int k = 0; k < nw && !found && vl >= 0; k++)
			if (!used[k] && attr_is(want[k].attr, nid) &&
			    strlen(want[k].value) == (size_t)vl &&
			    memcmp(want[k].value, v, (size_t)vl) == 0)
				found = used[k] = true;
		OPENSSL_free(v);
		if (!found)
			return false;
	}
	return true;
}

/* A name in the subjectAltName (DNS, email or IPv4 address). */
static bool
san_has(X509 *x, int type, const char *name)
{
	GENERAL_NAMES *gens =
	        X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	bool found = false;

	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens) && !found; i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		ASN1_STRING *s = NULL;

		if (g->type != type)
			continue;
		s = type == GEN_IPADD ? g->d.iPAddress : g->d.ia5;
		if (type == GEN_IPADD)
			found = ASN1_STRING_length(s) == 4 &&
			        memcmp(ASN1_STRING_get0_data(s), name, 4) == 0;
		else
			found = (size_t)ASN1_STRING_length(s) == strlen(name) &&
			        strncasecmp(
			                (const char *)ASN1_STRING_get0_data(s),
			                name, strlen(name)) == 0;
	}
	GENERAL_NAMES_free(gens);
	return found;
}

/* The configured identity: a DN (it has '='), else a name in the
 * subjectAltName (IPv4 address, email or DNS), as strongSwan's
 * remote.id; strongSwan's type prefixes (asn1dn:, fqdn: or dns:,
 * email: or rfc822:, ipv4: or ip:) say which, as there. */
static bool
identity_matches(X509 *x, const char *identity)
{
	static const struct {
		const char *prefix;
		int type; /* GEN_*, or 0: a DN */
	} typed[] = {{"asn1dn:", 0},         {"fqdn:", GEN_DNS},
	             {"dns:", GEN_DNS},      {"email:", GEN_EMAIL},
	             {"rfc822:", GEN_EMAIL}, {"ipv4:", GEN_IPADD},
	             {"ip:", GEN_IPADD}};
	struct in_addr a;

	for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++) {
		size_t n = strlen(typed[i].prefix);

		if (strncasecmp(identity, typed[i].prefix, n) != 0)
			continue;
		identity += n;
		if (typed[i].type == 0)
			return dn_matches(x, identity);
		if (typed[i].type == GEN_IPADD)
			return inet_pton(AF_INET, identity, &a) == 1 &&
			       san_has(x, GEN_IPADD, (const char *)&a);
		return san_has(x, typed[i].type, identity);
	}
	if (strchr(identity, '=') != NULL)
		return dn_matches(x, identity);
	if (inet_pton(AF_INET, identity, &a) == 1)
		return san_has(x, GEN_IPADD, (const char *)&a);
	return san_has(x, strchr(identity, '@') ? GEN_EMAIL : GEN_DNS,
	               identity);
}

/* The ID payload names the certificate (RFC 7296 3.5, 2.15). */
static bool
id_matches(X509 *x, const uint8_t *id, size_t len)
{
	char name[256];

	if (len < 5)
		return false;
	switch (id[0]) {
	case ID_DER_ASN1_DN: {
		const unsigned char *p = id + 4;
		X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)(len - 4));
		bool ok = n != NULL && p == id + len &&
		          X509_NAME_cmp(n, X509_get_subject_name(x)) == 0;

		X509_NAME_free(n);
		return ok;
	}
	case ID_FQDN:
	case ID_RFC822_ADDR:
		if (len - 4 >= sizeof(name) || memchr(id + 4, 0, len - 4))
			return false;
		memcpy(name, id + 4, len - 4);
		name[len - 4] = '\0';
		return san_has(x, id[0] == ID_FQDN ? GEN_DNS : GEN_EMAIL, name);
	case ID_IPV4_ADDR:
		return len == 8 && san_has(x, GEN_IPADD, (const char *)id + 4);
	default:
		return false;
	}
}

/* Why the chain did not verify, in an operator's words. */
static const char *
chain_why(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return "certificate expired";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "certificate not yet valid";
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return "unknown CA";
	case X509_V_ERR_CERT_REVOKED:
		return "certificate revoked";
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		return "bad certificate signature";
	default:
		return X509_verify_cert_error_string(err);
	}
}

/*
 * Revocation (pki.crl): each certificate of the verified chain against
 * the CRL of the one that issued it, when we have that CRL (signed by that
 * issuer's key). A CRL past its next update refuses what it covers: it
 * can no longer say whether they are revoked.
 */
static int
check_revoked(const struct vpn_pki *pki, X509_STORE_CTX *ctx, time_t now,
              char *why, size_t wlen)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	char subj[VPN_IDENTITY_MAX];

	if (now == 0)
		now = time(NULL);
	for (int i = 0; i + 1 < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);
		X509 *iss = sk_X509_value(chain, i + 1);
		bool covered = false, current = false;

		pki_name_str(X509_get_subject_name(x), subj, sizeof(subj));
		/* Any CRL of its issuer that lists it revokes it; it must
		 * have one current CRL when it has any (an old one beside
		 * the renewed one is no matter). */
		for (int k = 0; k < sk_X509_CRL_num(pki->crls); k++) {
			X509_CRL *crl = sk_X509_CRL_value(pki->crls, k);
			const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
			X509_REVOKED *rev = NULL;

			if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
			                  X509_get_subject_name(iss)) != 0 ||
			    X509_CRL_verify(crl, X509_get0_pubkey(iss)) != 1)
				continue;
			covered = true;
			current |=
			        next == NULL || X509_cmp_time(next, &now) > 0;
			if (X509_CRL_get0_by_cert(crl, &rev, x) == 1)
				return refuse(
				        why, wlen,
				        i == 0 ? "certificate revoked"
				               : "certificate revoked: its "
				                 "issuer \"%s\" is",
				        subj);
		}
		if (covered && !current)
			return refuse(why, wlen,
			              "the CRL that covers \"%s\" is past its "
			              "next update: renew it",
			              subj);
	}
	ERR_clear_error();
	return 0;
}

/* The verified chain's certificates but its anchor, as CRLs name them. */
static void
chain_refs(STACK_OF(X509) * chain, struct vpn_pki_peer *in)
{
	in->n_chain = 0;
	for (int i = 0;
	     i + 1 < sk_X509_num(chain) && in->n_chain < VPN_PKI_PEER_CERTS;
	     i++) {
		X509 *x = sk_X509_value(chain, i);
		struct vpn_pki_cert_ref *r = &in->chain[in->n_chain++];
		int sl = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), NULL);
		int il = i2d_X509_NAME(X509_get_issuer_name(x), NULL);
		unsigned char *p;

		r->serial_len = r->issuer_len = 0;
		if (sl > 0 && (size_t)sl <= sizeof(r->serial)) {
			p = r->serial;
			r->serial_len = (size_t)i2d_ASN1_INTEGER(
			        X509_get0_serialNumber(x), &p);
		}
		if (il > 0 && (size_t)il <= sizeof(r->issuer)) {
			p = r->issuer;
			r->issuer_len = (size_t)i2d_X509_NAME(
			        X509_get_issuer_name(x), &p);
		}
	}
}

static int
verify_chain(const struct vpn_pki *pki, X509 *leaf, STACK_OF(X509) * inter,
             time_t now, struct vpn_pki_peer *in, char *why, size_t wlen)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int rc = 0, err;

	if (store == NULL || ctx == NULL) {
		rc = refuse(why, wlen, "out of memory");
		goto out;
	}
	for (int i = 0; i < sk_X509_num(pki->ca); i++)
		X509_STORE_add_cert(store, sk_X509_value(pki->ca, i));
	if (X509_STORE_CTX_init(ctx, store, leaf, inter) != 1) {
		rc = refuse(why, wlen, "out of memory");
		goto out;
	}
	if (now != 0)
		X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), now);
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		rc = refuse(why, wlen, "%s", chain_why(err));
	} else {
		if (pki->crls != NULL)
			rc = check_revoked(pki, ctx, now, why, wlen);
		if (rc == 0 && in != NULL)
			chain_refs(X509_STORE_CTX_get0_chain(ctx), in);
	}
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}

/* A hash we take in a signature: SHA2-256, -384 or -512. */
static const EVP_MD *
sig_md(int nid)
{
	return nid == NID_sha256 || nid == NID_sha384 || nid == NID_sha512
	               ? EVP_get_digestbynid(nid)
	               : NULL;
}

/*
 * RSASSA-PSS parameters (RFC 4055 3.1): the hash, MGF1 with its hash, the
 * salt length, trailer 1. Absent fields are SHA-1 and 20 by the RFC,
 * which we do not take. 0, or -1 when they are malformed or not ours.
 */
static int
pss_params(const X509_ALGOR *alg, const EVP_MD **md, const EVP_MD **mgf,
           int *salt)
{
	RSA_PSS_PARAMS *pss = NULL;
	X509_ALGOR *mh = NULL;
	int rc = -1;

	if (alg->parameter == NULL || alg->parameter->type != V_ASN1_SEQUENCE)
		return -1;
	pss = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS),
	                                alg->parameter);
	if (pss == NULL || pss->hashAlgorithm == NULL ||
	    pss->maskGenAlgorithm == NULL ||
	    OBJ_obj2nid(pss->maskGenAlgorithm->algorithm) != NID_mgf1 ||
	    (pss->trailerField != NULL &&
	     ASN1_INTEGER_get(pss->trailerField) != 1))
		goto out;
	mh = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR),
	                               pss->maskGenAlgorithm->parameter);
	if (mh == NULL)
		goto out;
	*md = sig_md(OBJ_obj2nid(pss->hashAlgorithm->algorithm));
	*mgf = sig_md(OBJ_obj2nid(mh->algorithm));
	*salt = pss->saltLength ? (int)ASN1_INTEGER_get(pss->saltLength) : 20;
	if (*md != NULL && *mgf != NULL && *salt >= 0 && *salt <= 512)
		rc = 0;
out:
	X509_ALGOR_free(mh);
	RSA_PSS_PARAMS_free(pss);
	return rc;
}

/*
 * RFC 7427 3: the AlgorithmIdentifier names hash and key type; ours
 * takes ECDSA, RSA PKCS#1 v1.5 and RSASSA-PSS, each with SHA-256, -384 or
 * -512. What it was goes in alg_name ("ecdsa-with-SHA256", "RSASSA-PSS
 * SHA256").
 */
static int
verify_sig(X509 *x, const uint8_t *auth, size_t len,
           const struct vpn_pki_data *data, char *alg_name, size_t alen,
           char *why, size_t wlen)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	const unsigned char *p = auth + 1;
	const EVP_MD *md = NULL, *mgf = NULL;
	X509_ALGOR *alg = NULL;
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int md_nid = 0, pk_nid = 0, sig_nid, salt = 0, rc;
	uint8_t *msg = NULL;
	size_t mlen;

	alg_name[0] = '\0';
	if (len < 2 || (size_t)auth[0] + 1 >= len)
		return refuse(why, wlen, "malformed signature");
	alg = d2i_X509_ALGOR(NULL, &p, auth[0]);
	if (alg == NULL || p != auth + 1 + auth[0]) {
		X509_ALGOR_free(alg);
		return refuse(why, wlen, "malformed signature algorithm");
	}
	sig_nid = OBJ_obj2nid(alg->algorithm);
	if (sig_nid == NID_rsassaPss) {
		rc = EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA
		             ? pss_params(alg, &md, &mgf, &salt)
		             : -1;
		X509_ALGOR_free(alg);
		if (rc != 0)
			return refuse(
			        why, wlen,
			        "RSASSA-PSS parameters not accepted (SHA-256, "
			        "-384 or -512 and MGF1 with one of them)");
		snprintf(alg_name, alen, "RSASSA-PSS %s", EVP_MD_get0_name(md));
	} else {
		X509_ALGOR_free(alg);
		if (!OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid) ||
		    (md = sig_md(md_nid)) == NULL ||
		    (pk_nid == NID_rsaEncryption
		             ? EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA
		             : pk_nid != NID_X9_62_id_ecPublicKey ||
		                       EVP_PKEY_get_base_id(k) != EVP_PKEY_EC))
			return refuse(
			        why, wlen,
			        "signature algorithm %s not accepted for a %s "
			        "key",
			        sig_nid != NID_undef ? OBJ_nid2sn(sig_nid)
			                             : "(unknown)",
			        OBJ_nid2sn(EVP_PKEY_get_base_id(k)));
		snprintf(alg_name, alen, "%s", OBJ_nid2sn(sig_nid));
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || concat(data, &msg, &mlen) != 0) {
		EVP_MD_CTX_free(ctx);
		return refuse(why, wlen, "out of memory");
	}
	rc = EVP_DigestVerifyInit(ctx, &pctx, md, NULL, k) == 1 &&
	                     (mgf == NULL ||
	                      (EVP_PKEY_CTX_set_rsa_padding(
	                               pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	                       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) >
	                               0 &&
	                       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf) > 0)) &&
	                     EVP_DigestVerify(ctx, auth + 1 + auth[0],
	                                      len - 1 - auth[0], msg, mlen) == 1
	             ? 0
	             : refuse(why, wlen, "bad signature");
	free(msg);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

int
vpn_pki_verify_peer(const struct vpn_pki *pki, struct vpn_pki_peer *in,
                    char *why, size_t wlen)
{
	STACK_OF(X509) *inter = sk_X509_new_null();
	X509 *leaf = NULL;
	int rc;

	in->subject[0] = in->issuer[0] = in->sig_alg[0] = '\0';
	in->matched = -1;
	if (in->n_certs == 0) {
		rc = refuse(why, wlen, "no certificate (CERT payload)");
		goto out;
	}
	for (unsigned int i = 0; i < in->n_certs; i++) {
		const unsigned char *p = in->cert[i] + 1;
		X509 *x;

		if (in->cert_len[i] < 2 ||
		    in->cert[i][0] != CERT_X509_SIGNATURE) {
			rc = refuse(
			        why, wlen,
			        "a CERT payload of encoding %u (X.509 only)",
			        in->cert_len[i] ? in->cert[i][0] : 0);
			goto out;
		}
		x = d2i_X509(NULL, &p, (long)in->cert_len[i] - 1);
		if (x == NULL || p != in->cert[i] + in->cert_len[i]) {
			X509_free(x);
			rc = refuse(why, wlen, "malformed certificate");
			goto out;
		}
		if (i == 0)
			leaf = x;
		else if (inter == NULL || sk_X509_push(inter, x) <= 0)
			X509_free(x);
	}
	/* Named in the log whatever follows. */
	pki_name_str(X509_get_subject_name(leaf), in->subject,
	             sizeof(in->subject));
	pki_name_str(X509_get_issuer_name(leaf), in->issuer,
	             sizeof(in->issuer));
	in->n_chain = 0;
	rc = verify_chain(pki, leaf, inter, in->now, in, why, wlen);
	if (rc != 0)
		goto out;
	if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE)) {
		rc = refuse(why, wlen, "certificate not for signing");
		goto out;
	}
	if (!id_matches(leaf, in->id, in->id_len)) {
		rc = refuse(why, wlen,
		            "ID payload does not name the certificate");
		goto out;
	}
	in->matched = -1;
	if (in->identity != NULL) {
		if (identity_matches(leaf, in->identity))
			in->matched = 0;
	} else
		for (unsigned int i = 0; i < in->n_identities; i++) {
			if (!identity_matches(leaf, in->identities[i]))
				continue;
			/* Two gateways it could be: neither, rather than
			 * the first in the configuration. */
			if (in->matched >= 0) {
				rc = refuse(
				        why, wlen,
				        "identity ambiguous: the certificate "
				        "is both \"%s\" and \"%s\"",
				        in->identities[in->matched],
				        in->identities[i]);
				in->matched = -1;
				goto out;
			}
			in->matched = (int)i;
		}
	if (in->matched < 0) {
		char subj[VPN_IDENTITY_MAX];

		pki_name_str(X509_get_subject_name(leaf), subj, sizeof(subj));
		if (in->identity != NULL)
			rc = refuse(why, wlen,
			            "identity mismatch: \"%s\", not \"%s\"",
			            subj, in->identity);
		else
			rc = refuse(why, wlen,
			            "identity mismatch: \"%s\" is none of the "
			            "%u customer gateway(s) without an address",
			            subj, in->n_identities);
		goto out;
	}
	rc = verify_sig(leaf, in->auth, in->auth_len, &in->data, in->sig_alg,
	                sizeof(in->sig_alg), why, wlen);
out:
	X509_free(leaf);
	sk_X509_pop_free(inter, X509_free);
	return rc;
}

bool
vpn_pki_revoked(const struct vpn_pki *pki, const struct vpn_pki_cert_ref *chain,
                unsigned int n)
{
	bool revoked = false;

	for (unsigned int c = 0; c < n && !revoked; c++) {
		const unsigned char *p = chain[c].serial;
		ASN1_INTEGER *sn =
		        d2i_ASN1_INTEGER(NULL, &p, (long)chain[c].serial_len);
		X509_NAME *name;

		p = chain[c].issuer;
		name = d2i_X509_NAME(NULL, &p, (long)chain[c].issuer_len);
		for (int k = 0; sn != NULL && name != NULL && !revoked &&
		                k < sk_X509_CRL_num(pki->crls);
		     k++) {
			X509_CRL *crl = sk_X509_CRL_value(pki->crls, k);
			X509_REVOKED *rev = NULL;

			/* (Its signature was checked when it was loaded.) */
			revoked = X509_NAME_cmp(X509_CRL_get_issuer(crl),
			                        name) == 0 &&
			          X509_CRL_get0_by_serial(crl, &rev, sn) == 1;
		}
		ASN1_INTEGER_free(sn);
		X509_NAME_free(name);
	}
	ERR_clear_error();
	return revoked;
}
