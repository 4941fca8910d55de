/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * appliance.pki loaded and checked (vpn_pki.h). Everything an operator
 * can get wrong is found here, at `vpngw -n` and at start-up, rather than
 * at the first IKE_AUTH.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki_priv.h"

#define PKI_FILE_MAX  (1 << 20) /* bytes in one PEM file */
#define PKI_CERTS_MAX 16        /* certificates in one file */

enum { F_CA, F_CERT, F_KEY, F_CRL };
static const char *const opt_names[] = {"ca", "certificate", "private_key",
                                        "crl"};

struct loader {
	const struct vpn_pki_params *p;
	struct vpn_diag *d;
	time_t now;
	unsigned int warn_days;
};

__attribute__((format(printf, 4, 5))) static void
say(struct loader *l, enum vpn_severity sev, int which, const char *fmt, ...)
{
	const struct vpn_cfg_pki *pki = l->p->pki;
	int i = vpn_opt_find(VPN_OBJ_PKI, opt_names[which]);
	unsigned int line = pki->src.line;
	char text[512];
	va_list ap;

	if (i >= 0 && pki->src.opt_line[i] != 0)
		line = pki->src.opt_line[i];
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	vpn_diag_add(l->d, sev, l->p->file, line, "pki.%s: %s",
	             opt_names[which], text);
}

/* "C=US, O=Example, CN=gw1": the order of the certificate, as
 * strongSwan writes a distinguished name. */
void
pki_name_str(const X509_NAME *n, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	unsigned long flags = (XN_FLAG_RFC2253 & ~XN_FLAG_DN_REV &
	                       ~XN_FLAG_SEP_MASK & ~ASN1_STRFLGS_ESC_MSB) |
	                      XN_FLAG_SEP_CPLUS_SPC;
	int k;

	buf[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, n, 0, flags) >= 0) {
		k = BIO_read(b, buf, (int)len - 1);
		buf[k > 0 ? k : 0] = '\0';
	}
	BIO_free(b);
}

static time_t
asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

static void
date_str(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* Open a configured file: a regular file of sane size. NULL: said why. */
static FILE *
open_pem(struct loader *l, int which, const char *path, struct stat *st)
{
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		say(l, VPN_DIAG_ERROR, which, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), st) != 0 || !S_ISREG(st->st_mode)) {
		say(l, VPN_DIAG_ERROR, which, "%s: not a regular file", path);
		fclose(f);
		return NULL;
	}
	if (st->st_size > PKI_FILE_MAX) {
		say(l, VPN_DIAG_ERROR, which, "%s: larger than %d bytes", path,
		    PKI_FILE_MAX);
		fclose(f);
		return NULL;
	}
	return f;
}

/* Every certificate in a PEM file, in order; NULL: said why. */
static STACK_OF(X509) * read_certs(struct loader *l, int which)
{
	const char *path = l->p->pki->certificate;
	STACK_OF(X509) * sk;
	struct stat st;
	X509 *x;
	FILE *f;

	if (which == F_CA)
		path = l->p->pki->ca;
	f = open_pem(l, which, path, &st);
	if (f == NULL)
		return NULL;
	sk = sk_X509_new_null();
	while (sk != NULL && sk_X509_num(sk) < PKI_CERTS_MAX &&
	       (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
		if (sk_X509_push(sk, x) <= 0)
			X509_free(x);
	ERR_clear_error(); /* the end of the file ends the loop */
	fclose(f);
	if (sk == NULL || sk_X509_num(sk) == 0) {
		say(l, VPN_DIAG_ERROR, which,
		    "%s: no PEM certificate (-----BEGIN CERTIFICATE-----)",
		    path);
		sk_X509_pop_free(sk, X509_free);
		return NULL;
	}
	return sk;
}

/* A certificate's validity against now, and the warning ahead of it. */
static void
check_dates(struct loader *l, int which, const char *what, X509 *x)
{
	time_t nb = asn1_time(X509_get0_notBefore(x));
	time_t na = asn1_time(X509_get0_notAfter(x));
	char subj[VPN_IDENTITY_MAX], date[40];

	pki_name_str(X509_get_subject_name(x), subj, sizeof(subj));
	if (l->now < nb) {
		date_str(nb, date, sizeof(date));
		say(l, VPN_DIAG_ERROR, which,
		    "%s \"%s\" is not valid before %s", what, subj, date);
	} else if (l->now > na) {
		date_str(na, date, sizeof(date));
		say(l, VPN_DIAG_ERROR, which, "%s \"%s\" expired on %s", what,
		    subj, date);
	} else if (na - l->now < (time_t)l->warn_days * 86400) {
		date_str(na, date, sizeof(date));
		say(l, VPN_DIAG_WARNING, which,
		    "%s \"%s\" expires on %s, in %lld day(s)", what, subj, date,
		    (long long)((na - l->now) / 86400));
	}
}

/* The key IKE signs with: RSA (2048 bits and up advised) or ECDSA on
 * P-256/P-384 (RFC 7427 with the hashes IKE offers for them). */
static bool
key_kind(struct loader *l, EVP_PKEY *k, char *desc, size_t len)
{
	char group[32] = "";
	size_t glen = 0;

	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		snprintf(desc, len, "RSA %d", EVP_PKEY_get_bits(k));
		if (EVP_PKEY_get_bits(k) > VPN_PKI_RSA_MAX) {
			say(l, VPN_DIAG_ERROR, F_KEY,
			    "an RSA key of %d bits; IKE here signs with up to "
			    "%d",
			    EVP_PKEY_get_bits(k), VPN_PKI_RSA_MAX);
			return false;
		}
		if (EVP_PKEY_get_bits(k) < 2048)
			say(l, VPN_DIAG_WARNING, F_KEY,
			    "an RSA key of %d bits; 2048 or more is advised",
			    EVP_PKEY_get_bits(k));
		return true;
	case EVP_PKEY_EC:
		EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME,
		                               group, sizeof(group), &glen);
		if (strcmp(group, "prime256v1") == 0) {
			snprintf(desc, len, "ECDSA P-256");
			return true;
		}
		if (strcmp(group, "secp384r1") == 0) {
			snprintf(desc, len, "ECDSA P-384");
			return true;
		}
		say(l, VPN_DIAG_ERROR, F_KEY,
		    "an EC key on curve %s; IKE signs with P-256 or P-384",
		    group[0] ? group : "(unknown)");
		return false;
	default:
		say(l, VPN_DIAG_ERROR, F_KEY,
		    "a key of type %s; IKE signs with RSA or ECDSA (P-256, "
		    "P-384)",
		    OBJ_nid2sn(EVP_PKEY_get_base_id(k)));
		return false;
	}
}

static EVP_PKEY *
read_key(struct loader *l, char *desc, size_t len)
{
	const char *path = l->p->pki->private_key;
	char head[256] = "";
	EVP_PKEY *k = NULL;
	struct stat st;
	FILE *f;

	f = open_pem(l, F_KEY, path, &st);
	if (f == NULL)
		return NULL;
	/* Read once, at start; nobody but its owner (and group) reads it. */
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		say(l, VPN_DIAG_ERROR, F_KEY,
		    "%s: readable or writable by every user (mode %04o); "
		    "chmod 600 (640 for a group)",
		    path, (unsigned int)(st.st_mode & 07777));
		fclose(f);
		return NULL;
	}
	if (fread(head, 1, sizeof(head) - 1, f) > 0 &&
	    strstr(head, "ENCRYPTED") != NULL) {
		say(l, VPN_DIAG_ERROR, F_KEY,
		    "%s: an encrypted key; the appliance starts unattended, "
		    "give it unencrypted (mode 600)",
		    path);
		fclose(f);
		return NULL;
	}
	rewind(f);
	k = PEM_read_PrivateKey(f, NULL, NULL, (void *)"");
	ERR_clear_error();
	fclose(f);
	if (k == NULL) {
		say(l, VPN_DIAG_ERROR, F_KEY,
		    "%s: no PEM private key (-----BEGIN PRIVATE KEY-----)",
		    path);
		return NULL;
	}
	if (!key_kind(l, k, desc, len)) {
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

/*
 * The CRLs (pki.crl): each issued by one of the CAs or of our
 * intermediates, and signed by it; one past its next update is a warning
 * (peers' certificates from that issuer are refused until it is renewed:
 * SIGHUP reads it again). NULL: said why.
 */
static STACK_OF(X509_CRL) * read_crls(struct loader *l, struct vpn_pki *pki)
{
	const char *path = l->p->pki->crl;
	STACK_OF(X509_CRL) * sk;
	char iss[VPN_IDENTITY_MAX], date[40];
	X509_CRL *crl;
	struct stat st;
	unsigned long err;
	bool more = false;
	FILE *f;

	f = open_pem(l, F_CRL, path, &st);
	if (f == NULL)
		return NULL;
	sk = sk_X509_CRL_new_null();
	ERR_clear_error();
	while (sk != NULL && (crl = PEM_read_X509_CRL(f, NULL, NULL, NULL))) {
		if (sk_X509_CRL_num(sk) == PKI_CRLS_MAX) {
			X509_CRL_free(crl);
			more = true;
			break;
		}
		if (sk_X509_CRL_push(sk, crl) <= 0)
			X509_CRL_free(crl);
	}
	/* The file's end, or something that is not a CRL (a damaged one, a
	 * certificate): every revocation after it would be lost unseen. */
	err = ERR_peek_last_error();
	ERR_clear_error();
	fclose(f);
	if (sk == NULL || sk_X509_CRL_num(sk) == 0 || more ||
	    (err != 0 && ERR_GET_REASON(err) != PEM_R_NO_START_LINE)) {
		if (more)
			say(l, VPN_DIAG_ERROR, F_CRL, "%s: more than %d CRLs",
			    path, PKI_CRLS_MAX);
		else if (sk != NULL && sk_X509_CRL_num(sk) > 0)
			say(l, VPN_DIAG_ERROR, F_CRL,
			    "%s: after CRL %d, a PEM block that is not a "
			    "CRL, or a damaged one",
			    path, sk_X509_CRL_num(sk));
		else
			say(l, VPN_DIAG_ERROR, F_CRL,
			    "%s: no PEM CRL (-----BEGIN X509 CRL-----)", path);
		sk_X509_CRL_pop_free(sk, X509_CRL_free);
		return NULL;
	}
	for (int i = 0; i < sk_X509_CRL_num(sk); i++) {
		X509_CRL *c = sk_X509_CRL_value(sk, i);
		time_t next = asn1_time(X509_CRL_get0_nextUpdate(c));
		bool named = false, signed_ok = false;

		/* Its issuer: one of the CAs or of our intermediates with
		 * that name (a CA renewed under the same name: any of them)
		 * whose key signed it. */
		for (int k = 0;
		     !signed_ok &&
		     k < sk_X509_num(pki->ca) +
		                     (pki->chain ? sk_X509_num(pki->chain) : 0);
		     k++) {
			int nca = sk_X509_num(pki->ca);
			X509 *by = k < nca ? sk_X509_value(pki->ca, k)
			                   : sk_X509_value(pki->chain, k - nca);

			if (k == nca)
				continue; /* our own certificate */
			if (X509_NAME_cmp(X509_CRL_get_issuer(c),
			                  X509_get_subject_name(by)) != 0)
				continue;
			named = true;
			signed_ok =
			        X509_CRL_verify(c, X509_get0_pubkey(by)) == 1;
		}
		pki_name_str(X509_CRL_get_issuer(c), iss, sizeof(iss));
		date_str(next, date, sizeof(date));
		if (!named)
			say(l, VPN_DIAG_ERROR, F_CRL,
			    "%s: CRL %d is issued by \"%s\", which is not the "
			    "CA (or an intermediate of ours)",
			    path, i + 1, iss);
		else if (!signed_ok)
			say(l, VPN_DIAG_ERROR, F_CRL,
			    "%s: CRL %d is not signed by \"%s\"'s key", path,
			    i + 1, iss);
		else if (next != 0 && next < l->now)
			say(l, VPN_DIAG_WARNING, F_CRL,
			    "%s: the CRL of \"%s\" was due for renewal on %s: "
			    "certificates it covers are refused until it is",
			    path, iss, date);
		else if (next != 0 && next - l->now < 3 * 86400)
			say(l, VPN_DIAG_WARNING, F_CRL,
			    "%s: the CRL of \"%s\" is due for renewal on %s, "
			    "in %lld hour(s); past that, certificates it "
			    "covers are refused",
			    path, iss, date, (long long)(next - l->now) / 3600);
	}
	ERR_clear_error();
	return sk;
}

/* Ours, through the intermediates in its file, to one of the CAs. The
 * dates are check_dates' (with the date in the message), not here. */
static void
check_chain(struct loader *l, struct vpn_pki *pki)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *inter = sk_X509_new_null();
	char subj[VPN_IDENTITY_MAX];
	int err, depth;

	if (store == NULL || ctx == NULL || inter == NULL) {
		say(l, VPN_DIAG_ERROR, F_CERT, "out of memory");
		goto out;
	}
	for (int i = 0; i < sk_X509_num(pki->ca); i++)
		X509_STORE_add_cert(store, sk_X509_value(pki->ca, i));
	for (int i = 1; i < sk_X509_num(pki->chain); i++)
		sk_X509_push(inter, sk_X509_value(pki->chain, i));
	if (X509_STORE_CTX_init(ctx, store, sk_X509_value(pki->chain, 0),
	                        inter) != 1) {
		say(l, VPN_DIAG_ERROR, F_CERT, "out of memory");
		goto out;
	}
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx),
	                            X509_V_FLAG_NO_CHECK_TIME);
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		depth = X509_STORE_CTX_get_error_depth(ctx);
		pki_name_str(X509_get_subject_name(
		                     X509_STORE_CTX_get_current_cert(ctx)
		                             ?: sk_X509_value(pki->chain, 0)),
		             subj, sizeof(subj));
		say(l, VPN_DIAG_ERROR, F_CERT,
		    "does not chain to the CA in %s: %s (\"%s\", depth %d)",
		    pki->path[F_CA], X509_verify_cert_error_string(err), subj,
		    depth);
	}
out:
	ERR_clear_error();
	sk_X509_free(inter); /* the certificates stay in pki->chain */
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
}

/* The CA(s): CAs, in their validity. */
static void
check_cas(struct loader *l, struct vpn_pki *pki)
{
	char subj[VPN_IDENTITY_MAX];

	for (int i = 0; i < sk_X509_num(pki->ca); i++) {
		X509 *ca = sk_X509_value(pki->ca, i);

		if (X509_check_ca(ca) == 0) {
			pki_name_str(X509_get_subject_name(ca), subj,
			             sizeof(subj));
			say(l, VPN_DIAG_ERROR, F_CA,
			    "\"%s\" is not a CA certificate (no basic "
			    "constraints CA:TRUE)",
			    subj);
		}
		check_dates(l, F_CA, "the CA", ca);
	}
}

/* Ours and its intermediates, and the key that goes with it. */
static void
check_ours(struct loader *l, struct vpn_pki *pki)
{
	X509 *ours = sk_X509_value(pki->chain, 0);

	/* What IKE puts in its CERT and ID payloads must fit them. */
	for (int i = 0; i < sk_X509_num(pki->chain); i++)
		if (i2d_X509(sk_X509_value(pki->chain, i), NULL) + 1 >
		    VPN_PKI_CERT_MAX)
			say(l, VPN_DIAG_ERROR, F_CERT,
			    "certificate %d of the file is larger than a CERT "
			    "payload here (%d bytes)",
			    i + 1, VPN_PKI_CERT_MAX - 1);
	if (i2d_X509_NAME(X509_get_subject_name(ours), NULL) + 4 >
	    VPN_PKI_ID_MAX)
		say(l, VPN_DIAG_ERROR, F_CERT,
		    "its subject is longer than an ID payload here (%d "
		    "bytes)",
		    VPN_PKI_ID_MAX - 4);

	check_dates(l, F_CERT, "our certificate", ours);
	for (int i = 1; i < sk_X509_num(pki->chain); i++)
		check_dates(l, F_CERT, "the intermediate",
		            sk_X509_value(pki->chain, i));
	/* IKE signs with it: a key usage that leaves out signing is a
	 * certificate for something else. */
	if ((X509_get_extension_flags(ours) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(ours) & KU_DIGITAL_SIGNATURE))
		say(l, VPN_DIAG_ERROR, F_CERT,
		    "its key usage has no digitalSignature: IKE can't "
		    "sign with it");
	if (pki->key != NULL && X509_check_private_key(ours, pki->key) != 1)
		say(l, VPN_DIAG_ERROR, F_KEY,
		    "%s is not the key of the certificate %s", pki->path[F_KEY],
		    pki->path[F_CERT]);
	ERR_clear_error();
}

struct vpn_pki *
vpn_pki_load(const struct vpn_pki_params *p, struct vpn_diag *d)
{
	const struct vpn_cfg_pki *c = p->pki;
	struct loader l = {.p = p, .d = d};
	unsigned int errors = d->errors;
	struct vpn_pki *pki;

	if (c->ca[0] == '\0' && c->certificate[0] == '\0' &&
	    c->private_key[0] == '\0') {
		errno = ENOENT;
		return NULL;
	}
	l.now = p->now ? p->now : time(NULL);
	l.warn_days = p->warn_days ? p->warn_days : 30;
	/* Half a PKI is a mistake, whether anything uses it yet or not. */
	for (int i = 0; i < 3; i++) {
		const char *v = i == F_CA     ? c->ca
		                : i == F_CERT ? c->certificate
		                              : c->private_key;

		if (v[0] == '\0')
			vpn_diag_add(
			        d, VPN_DIAG_ERROR, p->file, c->src.line,
			        "pki needs ca, certificate and private_key "
			        "(%s is missing)",
			        opt_names[i]);
	}
	pki = calloc(1, sizeof(*pki));
	if (pki == NULL) {
		vpn_diag_add(d, VPN_DIAG_ERROR, p->file, c->src.line,
		             "pki: out of memory");
		return NULL;
	}
	snprintf(pki->path[F_CA], VPN_PATH_MAX, "%s", c->ca);
	snprintf(pki->path[F_CERT], VPN_PATH_MAX, "%s", c->certificate);
	snprintf(pki->path[F_KEY], VPN_PATH_MAX, "%s", c->private_key);
	snprintf(pki->path[F_CRL], VPN_PATH_MAX, "%s", c->crl);
	/* The model's checker says which of the three are missing. */
	if (c->ca[0] != '\0')
		pki->ca = read_certs(&l, F_CA);
	if (c->certificate[0] != '\0')
		pki->chain = read_certs(&l, F_CERT);
	if (c->private_key[0] != '\0')
		pki->key = read_key(&l, pki->key_desc, sizeof(pki->key_desc));
	if (pki->chain != NULL)
		pki_name_str(
		        X509_get_subject_name(sk_X509_value(pki->chain, 0)),
		        pki->subject, sizeof(pki->subject));
	if (pki->ca != NULL)
		check_cas(&l, pki);
	if (pki->chain != NULL)
		check_ours(&l, pki);
	if (pki->ca != NULL && pki->chain != NULL)
		check_chain(&l, pki);
	if (c->crl[0] != '\0' && pki->ca != NULL)
		pki->crls = read_crls(&l, pki);
	if (d->errors != errors || pki->ca == NULL || pki->chain == NULL ||
	    pki->key == NULL) {
		vpn_pki_free(pki);
		errno = EINVAL;
		return NULL;
	}
	return pki;
}

void
vpn_pki_free(struct vpn_pki *pki)
{
	if (pki == NULL)
		return;
	sk_X509_pop_free(pki->ca, X509_free);
	sk_X509_pop_free(pki->chain, X509_free);
	sk_X509_CRL_pop_free(pki->crls, X509_CRL_free);
	EVP_PKEY_free(pki->key);
	free(pki);
}

const char *
vpn_pki_subject(const struct vpn_pki *pki)
{
	return pki->subject;
}

time_t
vpn_pki_not_after(const struct vpn_pki *pki)
{
	return asn1_time(X509_get0_notAfter(sk_X509_value(pki->chain, 0)));
}

unsigned int
vpn_pki_crls(const struct vpn_pki *pki, unsigned int *revoked, time_t *next)
{
	int n = sk_X509_CRL_num(pki->crls);

	*revoked = 0;
	*next = 0;
	for (int i = 0; i < n; i++) {
		X509_CRL *c = sk_X509_CRL_value(pki->crls, i);
		STACK_OF(X509_REVOKED) *r = X509_CRL_get_REVOKED(c);
		time_t t = asn1_time(X509_CRL_get0_nextUpdate(c));

		*revoked += r ? (unsigned int)sk_X509_REVOKED_num(r) : 0;
		if (t != 0 && (*next == 0 || t < *next))
			*next = t;
	}
	return n > 0 ? (unsigned int)n : 0;
}

/* ---- show pki -------------------------------------------------------- */

/* A JSON string: names and paths may hold quotes and backslashes. */
static void
jstr(FILE *out, const char *key, const char *s)
{
	fprintf(out, ", \"%s\": \"", key);
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, out);
	fputc('"', out);
}

static void
show_cert(X509 *x, const char *role, const char *path, const char *key,
          time_t now, bool json, bool first, FILE *out)
{
	char subj[VPN_IDENTITY_MAX], iss[VPN_IDENTITY_MAX], nb[40], na[40];
	time_t t_na = asn1_time(X509_get0_notAfter(x));
	long long left = (long long)(t_na - now) / 86400;
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);
	char *serial = bn ? BN_bn2hex(bn) : NULL;

	pki_name_str(X509_get_subject_name(x), subj, sizeof(subj));
	pki_name_str(X509_get_issuer_name(x), iss, sizeof(iss));
	date_str(asn1_time(X509_get0_notBefore(x)), nb, sizeof(nb));
	date_str(t_na, na, sizeof(na));
	if (json) {
		fprintf(out, "%s{\"role\": \"%s\"", first ? "" : ", ", role);
		jstr(out, "subject", subj);
		jstr(out, "issuer", iss);
		fprintf(out,
		        ", \"serial\": \"%s\", \"not_before\": \"%s\", "
		        "\"not_after\": \"%s\", \"days_left\": %lld",
		        serial ? serial : "", nb, na, left);
		if (path)
			jstr(out, "file", path);
		if (key)
			jstr(out, "key", key);
		fprintf(out, "}");
	} else {
		fprintf(out, "%s%s\n  subject    %s\n  issuer     %s\n",
		        first ? "" : "\n", role, subj, iss);
		fprintf(out, "  serial     %s\n", serial ? serial : "?");
		if (key)
			fprintf(out, "  key        %s\n", key);
		fprintf(out, "  valid      %s to %s (%s%lld day(s) %s)\n", nb,
		        na, left < 0 ? "expired " : "", left < 0 ? -left : left,
		        left < 0 ? "ago" : "left");
		if (path)
			fprintf(out, "  file       %s\n", path);
	}
	OPENSSL_free(serial);
	BN_free(bn);
}

/* A CRL: its issuer, dates and how many certificates it revokes. */
static void
show_crl(X509_CRL *c, const char *path, time_t now, bool json, bool first,
         FILE *out)
{
	char iss[VPN_IDENTITY_MAX], last[40], next[40] = "-";
	STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(c);
	time_t t_next = asn1_time(X509_CRL_get0_nextUpdate(c));

	pki_name_str(X509_CRL_get_issuer(c), iss, sizeof(iss));
	date_str(asn1_time(X509_CRL_get0_lastUpdate(c)), last, sizeof(last));
	if (t_next != 0)
		date_str(t_next, next, sizeof(next));
	if (json) {
		fprintf(out, "%s{\"revoked\": %d", first ? "" : ", ",
		        rev ? sk_X509_REVOKED_num(rev) : 0);
		jstr(out, "issuer", iss);
		jstr(out, "last_update", last);
		jstr(out, "next_update", next);
		fprintf(out, ", \"overdue\": %s",
		        t_next != 0 && t_next < now ? "true" : "false");
		jstr(out, "file", path);
		fprintf(out, "}");
		return;
	}
	fprintf(out, "\nCRL\n  issuer     %s\n  updated    %s, next %s%s\n",
	        iss, last, next,
	        t_next != 0 && t_next < now ? " (overdue)" : "");
	fprintf(out, "  revoked    %d certificate(s)\n  file       %s\n",
	        rev ? sk_X509_REVOKED_num(rev) : 0, path);
}

void
vpn_pki_show(const struct vpn_pki *pki, time_t now, bool json, FILE *out)
{
	if (now == 0)
		now = time(NULL);
	if (json)
		fprintf(out, "{\"certificates\": [");
	show_cert(sk_X509_value(pki->chain, 0), "certificate",
	          pki->path[F_CERT], pki->key_desc, now, json, true, out);
	for (int i = 1; i < sk_X509_num(pki->chain); i++)
		show_cert(sk_X509_value(pki->chain, i), "intermediate", NULL,
		          NULL, now, json, false, out);
	for (int i = 0; i < sk_X509_num(pki->ca); i++)
		show_cert(sk_X509_value(pki->ca, i), "ca", pki->path[F_CA],
		          NULL, now, json, false, out);
	if (json)
		fprintf(out, "], \"crls\": [");
	for (int i = 0; i < sk_X509_CRL_num(pki->crls); i++)
		show_crl(sk_X509_CRL_value(pki->crls, i), pki->path[F_CRL], now,
		         json, i == 0, out);
	if (json) {
		fprintf(out, "]");
		jstr(out, "private_key", pki->path[F_KEY]);
		fprintf(out, "}\n");
	} else
		fprintf(out, "\nPrivate key  %s (read at start)\n",
		        pki->path[F_KEY]);
}
