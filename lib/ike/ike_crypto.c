/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE SA cryptography on OpenSSL 3 (see ike_crypto.h). Every key buffer
 * that passes through here is wiped before it is released.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "ike_crypto.h"

/* ---- Diffie-Hellman ---------------------------------------------------- */

/* The groups (RFC 3526, RFC 5114, RFC 5903; group 2 from RFC 2409). */
struct dh_group {
	unsigned int id;
	bool ec;
	size_t len;       /* KE data: the modulus length, or 2 x the field */
	const char *name; /* OpenSSL's group name (NULL: built from p, g) */
};

static const struct dh_group groups[] = {
        {2, false, 128, NULL},           {5, false, 192, "modp_1536"},
        {14, false, 256, "modp_2048"},   {15, false, 384, "modp_3072"},
        {16, false, 512, "modp_4096"},   {17, false, 768, "modp_6144"},
        {18, false, 1024, "modp_8192"},  {19, true, 64, "prime256v1"},
        {20, true, 96, "secp384r1"},     {21, true, 132, "secp521r1"},
        {22, false, 128, "dh_1024_160"}, {23, false, 256, "dh_2048_224"},
        {24, false, 256, "dh_2048_256"},
};

static const struct dh_group *
dh_find(unsigned int id)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

struct ike_dh {
	const struct dh_group *g;
	EVP_PKEY *key;
	uint8_t pub[IKE_MAX_DH_LEN];
};

bool
ike_dh_supported(unsigned int group)
{
	return dh_find(group) != NULL;
}

size_t
ike_dh_len(unsigned int group)
{
	const struct dh_group *g = dh_find(group);

	return g ? g->len : 0;
}

unsigned int
ike_dh_group(const struct ike_dh *dh)
{
	return dh->g->id;
}

const uint8_t *
ike_dh_public(const struct ike_dh *dh)
{
	return dh->pub;
}

/* Group 2's domain parameters, which OpenSSL has no name for. */
static EVP_PKEY *
modp1024_params(void)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	BIGNUM *p = BN_get_rfc2409_prime_1024(NULL), *g = BN_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *dom = NULL;

	if (b == NULL || p == NULL || g == NULL || !BN_set_word(g, 2) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_P, p) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_G, g) ||
	    (params = OSSL_PARAM_BLD_to_param(b)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &dom, EVP_PKEY_KEY_PARAMETERS, params) <= 0)
		dom = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	BN_free(p);
	BN_free(g);
	return dom;
}

static EVP_PKEY *
dh_generate(const struct dh_group *g)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *key = NULL, *dom = NULL;

	if (g->name == NULL) {
		dom = modp1024_params();
		ctx = dom ? EVP_PKEY_CTX_new_from_pkey(NULL, dom, NULL) : NULL;
		if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0)
			goto out;
	} else {
		OSSL_PARAM p[2] = {
		        OSSL_PARAM_construct_utf8_string(
		                OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->name, 0),
		        OSSL_PARAM_construct_end()};

		ctx = EVP_PKEY_CTX_new_from_name(NULL, g->ec ? "EC" : "DH",
		                                 NULL);
		if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
		    EVP_PKEY_CTX_set_params(ctx, p) <= 0)
			goto out;
	}
	if (EVP_PKEY_generate(ctx, &key) <= 0)
		key = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(dom);
	return key;
}

struct ike_dh *
ike_dh_new(unsigned int group)
{
	const struct dh_group *g = dh_find(group);
	unsigned char *enc = NULL;
	struct ike_dh *dh;
	size_t n;

	if (g == NULL)
		return NULL;
	dh = OPENSSL_zalloc(sizeof(*dh));
	if (dh == NULL)
		return NULL;
	dh->g = g;
	dh->key = dh_generate(g);
	if (dh->key == NULL)
		goto fail;
	n = EVP_PKEY_get1_encoded_public_key(dh->key, &enc);
	/* DH: the public value padded to the modulus; EC: 04 | x | y,
	 * whose x | y is what the KE payload carries (RFC 5903 7). */
	if (g->ec ? n != g->len + 1 || enc[0] != 4 : n != g->len)
		goto fail;
	memcpy(dh->pub, enc + (g->ec ? 1 : 0), g->len);
	OPENSSL_free(enc);
	return dh;
fail:
	OPENSSL_free(enc);
	ike_dh_free(dh);
	return NULL;
}

void
ike_dh_free(struct ike_dh *dh)
{
	if (dh == NULL)
		return;
	EVP_PKEY_free(dh->key);
	OPENSSL_clear_free(dh, sizeof(*dh));
}

/*
 * The peer's public value, checked as RFC 6989 asks and no more: a point
 * on the curve (the ECP groups have cofactor 1, so it has the group's
 * order), 1 < y < p - 1 for the safe-prime MODP groups (whose only small
 * subgroup is {1, p - 1}), and y^q = 1 mod p only for RFC 5114's groups
 * (22-24), whose primes are not safe. OpenSSL's full check would spend
 * one more exponentiation (or point multiplication) per exchange on the
 * other groups, as much as the exchange itself.
 */
static bool
peer_valid(const struct dh_group *g, EVP_PKEY *pk)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	bool ok = c != NULL &&
	          (g->id >= 22 ? EVP_PKEY_public_check(c)
	                       : EVP_PKEY_public_check_quick(c)) == 1;

	EVP_PKEY_CTX_free(c);
	return ok;
}

size_t
ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t len, uint8_t *out)
{
	const struct dh_group *g = dh->g;
	uint8_t enc[IKE_MAX_DH_LEN + 1];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	size_t n = 0, outlen = IKE_MAX_DH_LEN;

	if (len != g->len)
		return 0;
	enc[0] = 4; /* uncompressed point */
	memcpy(enc + (g->ec ? 1 : 0), peer, len);
	pk = EVP_PKEY_new();
	if (pk == NULL || EVP_PKEY_copy_parameters(pk, dh->key) <= 0 ||
	    EVP_PKEY_set1_encoded_public_key(pk, enc, len + (g->ec ? 1 : 0)) <=
	            0)
		goto out;
	if (!peer_valid(g, pk))
		goto out;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	if (ctx == NULL || EVP_PKEY_derive_init(ctx) <= 0 ||
	    (!g->ec && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0) ||
	    EVP_PKEY_derive_set_peer_ex(ctx, pk, 0) <= 0 ||
	    EVP_PKEY_derive(ctx, out, &outlen) <= 0)
		goto out;
	n = outlen;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return n;
}

/* ---- PRF ---------------------------------------------------------------- */

static const char *
prf_digest(uint16_t prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA1:
		return "SHA1";
	case IKE_PRF_HMAC_SHA2_256:
		return "SHA2-256";
	case IKE_PRF_HMAC_SHA2_384:
		return "SHA2-384";
	case IKE_PRF_HMAC_SHA2_512:
		return "SHA2-512";
	}
	return NULL;
}

size_t
ike_prf_len(uint16_t prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA1:
		return 20;
	case IKE_PRF_HMAC_SHA2_256:
		return 32;
	case IKE_PRF_HMAC_SHA2_384:
		return 48;
	case IKE_PRF_HMAC_SHA2_512:
		return 64;
	}
	return 0;
}

/* HMAC with digest over the pieces, into out; its length or 0. */
static size_t
hmac(const char *digest, const void *key, size_t keylen,
     const struct ike_iov *data, unsigned int n, uint8_t *out, size_t cap)
{
	static EVP_MAC *mac;
	OSSL_PARAM p[2] = {OSSL_PARAM_construct_utf8_string(
	                           OSSL_MAC_PARAM_DIGEST, (char *)digest, 0),
	                   OSSL_PARAM_construct_end()};
	EVP_MAC_CTX *ctx;
	size_t len = 0;

	if (mac == NULL)
		mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac == NULL || digest == NULL)
		return 0;
	ctx = EVP_MAC_CTX_new(mac);
	if (ctx == NULL)
		return 0;
	/* HMAC takes an empty key as a key of zeros: give it a byte. */
	if (EVP_MAC_init(ctx, keylen ? key : (const void *)"", keylen, p) <= 0)
		goto out;
	for (unsigned int i = 0; i < n; i++)
		if (data[i].len > 0 &&
		    EVP_MAC_update(ctx, data[i].p, data[i].len) <= 0)
			goto out;
	if (EVP_MAC_final(ctx, out, &len, cap) <= 0)
		len = 0;
out:
	EVP_MAC_CTX_free(ctx);
	return len;
}

int
ike_prf(uint16_t prf, const void *key, size_t keylen,
        const struct ike_iov *data, unsigned int n, uint8_t *out)
{
	size_t want = ike_prf_len(prf);

	return want && hmac(prf_digest(prf), key, keylen, data, n, out,
	                    IKE_MAX_PRF_LEN) == want
	               ? 0
	               : -1;
}

int
ike_prf_plus(uint16_t prf, const void *key, size_t keylen,
             const struct ike_iov *seed, unsigned int n, uint8_t *out,
             size_t len)
{
	size_t plen = ike_prf_len(prf), done = 0;
	struct ike_iov iov[8];
	uint8_t t[IKE_MAX_PRF_LEN];
	uint8_t counter = 1;
	int rc = 0;

	/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n), n <= 255. */
	if (plen == 0 || n + 2 > 8 || len > 255 * plen)
		return -1;
	while (done < len) {
		unsigned int k = 0;

		if (counter > 1)
			iov[k++] = (struct ike_iov){t, plen};
		for (unsigned int i = 0; i < n; i++)
			iov[k++] = seed[i];
		iov[k++] = (struct ike_iov){&counter, 1};
		if (ike_prf(prf, key, keylen, iov, k, t) != 0) {
			rc = -1;
			break;
		}
		memcpy(out + done, t, len - done < plen ? len - done : plen);
		done += len - done < plen ? len - done : plen;
		counter++;
	}
	OPENSSL_cleanse(t, sizeof(t));
	return rc;
}

/* ---- integrity --------------------------------------------------------- */

static const char *
integ_digest(uint16_t integ)
{
	switch (integ) {
	case IKE_AUTH_HMAC_SHA1_96:
		return "SHA1";
	case IKE_AUTH_HMAC_SHA2_256_128:
		return "SHA2-256";
	case IKE_AUTH_HMAC_SHA2_384_192:
		return "SHA2-384";
	case IKE_AUTH_HMAC_SHA2_512_256:
		return "SHA2-512";
	}
	return NULL;
}

size_t
ike_integ_key_len(uint16_t integ)
{
	switch (integ) {
	case IKE_AUTH_HMAC_SHA1_96:
		return 20;
	case IKE_AUTH_HMAC_SHA2_256_128:
		return 32;
	case IKE_AUTH_HMAC_SHA2_384_192:
		return 48;
	case IKE_AUTH_HMAC_SHA2_512_256:
		return 64;
	}
	return 0;
}

size_t
ike_integ_icv_len(uint16_t integ)
{
	return ike_integ_key_len(integ) / 2 +
	       (integ == IKE_AUTH_HMAC_SHA1_96 ? 2 : 0);
}

/* ---- SK payload ---------------------------------------------------------- */

static bool
is_gcm(const struct ike_sk_keys *k)
{
	return k->encr == IKE_ENCR_AES_GCM_16;
}

size_t
ike_sk_key_material(uint16_t encr, uint16_t key_bits, uint16_t integ)
{
	if (encr == IKE_ENCR_AES_GCM_16)
		return key_bits / 8u + 4;
	return key_bits / 8u + ike_integ_key_len(integ);
}

size_t
ike_sk_iv_len(const struct ike_sk_keys *k)
{
	return is_gcm(k) ? 8 : 16;
}

size_t
ike_sk_icv_len(const struct ike_sk_keys *k)
{
	return is_gcm(k) ? 16 : ike_integ_icv_len(k->integ);
}

/* Pad to the block (CBC) or not at all (GCM), plus the pad length byte. */
static size_t
pad_len(const struct ike_sk_keys *k, size_t ptlen)
{
	return is_gcm(k) ? 0 : 15 - ptlen % 16;
}

size_t
ike_sk_overhead(const struct ike_sk_keys *k, size_t ptlen)
{
	return 4 + ike_sk_iv_len(k) + pad_len(k, ptlen) + 1 + ike_sk_icv_len(k);
}

static const EVP_CIPHER *
cipher(const struct ike_sk_keys *k)
{
	if (is_gcm(k))
		return k->key_bits == 256 ? EVP_aes_256_gcm()
		                          : EVP_aes_128_gcm();
	return k->key_bits == 256 ? EVP_aes_256_cbc() : EVP_aes_128_cbc();
}

static bool
key_ok(const struct ike_sk_keys *k)
{
	return (k->key_bits == 128 || k->key_bits == 256) &&
	       (is_gcm(k) ? k->integ == 0
	                  : k->encr == IKE_ENCR_AES_CBC &&
	                            integ_digest(k->integ) != NULL);
}

/* En- or decrypt data[0..len) in place; GCM with aad and tag. */
static int
crypt(const struct ike_sk_keys *k, bool enc, const uint8_t *iv, uint8_t *data,
      size_t len, const uint8_t *aad, size_t aadlen, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t nonce[12];
	int n, rc = -1;

	if (ctx == NULL || len > 0x7fffffff)
		goto out;
	if (is_gcm(k)) {
		/* RFC 5282 4: salt (the last 4 bytes of the key) | IV. */
		memcpy(nonce, k->ek + k->key_bits / 8, 4);
		memcpy(nonce + 4, iv, 8);
		iv = nonce;
	}
	if (EVP_CipherInit_ex(ctx, cipher(k), NULL, k->ek, iv, enc) <= 0 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) <= 0)
		goto out;
	if (is_gcm(k) &&
	    (EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen) <= 0 ||
	     (!enc &&
	      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) <= 0)))
		goto out;
	if (len > 0 && EVP_CipherUpdate(ctx, data, &n, data, (int)len) <= 0)
		goto out;
	if (EVP_CipherFinal_ex(ctx, data + len, &n) <= 0)
		goto out;
	if (is_gcm(k) && enc &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) <= 0)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
ike_sk_seal(const struct ike_sk_keys *k, uint8_t *msg, size_t len,
            size_t sk_off, size_t ptlen)
{
	size_t ivl = ike_sk_iv_len(k), icvl = ike_sk_icv_len(k),
	       pad = pad_len(k, ptlen);
	uint8_t *iv = msg + sk_off + 4, *pt = iv + ivl;
	size_t enclen = ptlen + pad + 1;
	uint8_t mac[IKE_MAX_PRF_LEN];
	struct ike_iov all = {msg, len - icvl};

	if (!key_ok(k) || sk_off + ike_sk_overhead(k, ptlen) + ptlen != len)
		return -1;
	if (ike_random(iv, ivl) != 0)
		return -1;
	memset(pt + ptlen, 0, pad);
	pt[ptlen + pad] = (uint8_t)pad;
	if (is_gcm(k))
		/* AAD: the header up to and including the SK header. */
		return crypt(k, true, iv, pt, enclen, msg, sk_off + 4,
		             pt + enclen);
	if (crypt(k, true, iv, pt, enclen, NULL, 0, NULL) != 0 ||
	    hmac(integ_digest(k->integ), k->ak, ike_integ_key_len(k->integ),
	         &all, 1, mac, sizeof(mac)) == 0)
		return -1;
	memcpy(pt + enclen, mac, icvl);
	return 0;
}

int
ike_sk_open(const struct ike_sk_keys *k, uint8_t *msg, size_t len,
            size_t sk_off, uint8_t **pt, size_t *ptlen)
{
	size_t ivl = ike_sk_iv_len(k), icvl = ike_sk_icv_len(k), enclen;
	uint8_t *iv = msg + sk_off + 4, *data = iv + ivl;
	uint8_t mac[IKE_MAX_PRF_LEN];
	struct ike_iov all = {msg, len - icvl};

	/* At least the pad length byte, a whole number of blocks (CBC). */
	if (!key_ok(k) || len < sk_off + 4 + ivl + 1 + icvl)
		return -1;
	enclen = len - sk_off - 4 - ivl - icvl;
	if (!is_gcm(k) && enclen % 16 != 0)
		return -1;
	if (is_gcm(k)) {
		if (crypt(k, false, iv, data, enclen, msg, sk_off + 4,
		          data + enclen) != 0)
			return -1;
	} else {
		/* Integrity first, over everything before the ICV. */
		if (hmac(integ_digest(k->integ), k->ak,
		         ike_integ_key_len(k->integ), &all, 1, mac,
		         sizeof(mac)) == 0 ||
		    !ike_equal(mac, data + enclen, icvl))
			return -1;
		if (crypt(k, false, iv, data, enclen, NULL, 0, NULL) != 0)
			return -1;
	}
	/* Padding's content is not checked (RFC 7296 3.14: any value). */
	if (data[enclen - 1] >= enclen)
		return -1;
	*pt = data;
	*ptlen = enclen - 1 - data[enclen - 1];
	return 0;
}

/* ---- small things ------------------------------------------------------ */

int
ike_random(void *out, size_t len)
{
	return len > 0x7fffffff || RAND_bytes(out, (int)len) != 1 ? -1 : 0;
}

bool
ike_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void
ike_sha1(const struct ike_iov *data, unsigned int n, uint8_t out[20])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 20;

	memset(out, 0, 20);
	if (ctx == NULL)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) > 0) {
		for (unsigned int i = 0; i < n; i++)
			EVP_DigestUpdate(ctx, data[i].p, data[i].len);
		EVP_DigestFinal_ex(ctx, out, &len);
	}
	EVP_MD_CTX_free(ctx);
}
