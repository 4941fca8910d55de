/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OpenSSL EVP engine: the reference that the intel-ipsec-mb engine is
 * checked against, packet for packet. Clear rather than fast: one EVP call
 * sequence per packet, on contexts each worker allocates once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "crypto_priv.h"

struct ossl_worker {
	EVP_CIPHER_CTX *c;
	EVP_MAC *mac;
	EVP_MAC_CTX *m;
};

struct ossl_key {
	struct vpn_crypto_key head;
	const EVP_CIPHER *cipher;
	const char *digest;
	uint8_t ckey[32];
	uint8_t akey[64];
	unsigned int akey_len;
	uint8_t ivkey[16];
};

static int
ossl_open(struct vpn_crypto *c)
{
	snprintf(c->name, sizeof(c->name), "openssl %s",
	         OPENSSL_FULL_VERSION_STR);
	return 0;
}

static void
ossl_close(struct vpn_crypto *c)
{
	(void)c;
}

static void
ossl_worker_fini(struct vpn_crypto_worker *w)
{
	struct ossl_worker *ow = w->priv;

	EVP_CIPHER_CTX_free(ow->c);
	EVP_MAC_CTX_free(ow->m);
	EVP_MAC_free(ow->mac);
	free(ow);
}

static int
ossl_worker_init(struct vpn_crypto *c, struct vpn_crypto_worker *w)
{
	struct ossl_worker *ow = calloc(1, sizeof(*ow));

	(void)c;
	if (ow == NULL)
		return -ENOMEM;
	w->priv = ow;
	ow->c = EVP_CIPHER_CTX_new();
	ow->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ow->m = ow->mac ? EVP_MAC_CTX_new(ow->mac) : NULL;
	if (ow->c == NULL || ow->m == NULL) {
		ossl_worker_fini(w);
		return -ENOMEM;
	}
	return 0;
}

static struct vpn_crypto_key *
ossl_key_new(struct vpn_crypto *c, const struct vpn_crypto_key_params *p)
{
	struct ossl_key *k = vpn_crypto_mem_alloc(c, sizeof(*k));
	bool k128 = p->cipher_key_len == 16;

	if (k == NULL)
		return NULL;
	crypto_key_check(p, &k->head);
	k->head.e = &crypto_ossl_engine;
	k->head.size = sizeof(*k);
	memcpy(k->ckey, p->cipher_key, p->cipher_key_len);
	if (p->cipher == VPN_CIPHER_AES_GCM) {
		k->cipher = k128 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
		return &k->head;
	}
	k->cipher = k128 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
	memcpy(k->akey, p->auth_key, p->auth_key_len);
	k->akey_len = p->auth_key_len;
	memcpy(k->ivkey, p->iv_key, 16);
	switch (p->auth) {
	case VPN_AUTH_HMAC_SHA1_96:
		k->digest = "SHA1";
		break;
	case VPN_AUTH_HMAC_SHA256_128:
		k->digest = "SHA256";
		break;
	case VPN_AUTH_HMAC_SHA384_192:
		k->digest = "SHA384";
		break;
	default:
		k->digest = "SHA512";
		break;
	}
	return &k->head;
}

/* Any failure of a call that can't fail on valid input is a bug. */
#define MUST(x)                  \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static void
hmac(struct ossl_worker *w, const struct ossl_key *k, const uint8_t *data,
     size_t len, uint8_t *out)
{
	OSSL_PARAM params[2] = {
	        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	                                         (char *)k->digest, 0),
	        OSSL_PARAM_construct_end()};
	size_t outl;

	MUST(EVP_MAC_init(w->m, k->akey, k->akey_len, params));
	MUST(EVP_MAC_update(w->m, data, len));
	MUST(EVP_MAC_final(w->m, out, &outl, 64));
}

static void
gcm(struct ossl_worker *w, const struct ossl_key *k, struct vpn_crypto_op *op,
    bool enc)
{
	EVP_CIPHER_CTX *c = w->c;
	int outl;

	MUST(EVP_CipherInit_ex(c, k->cipher, NULL, NULL, NULL, enc));
	MUST(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL));
	MUST(EVP_CipherInit_ex(c, NULL, NULL, k->ckey, op->iv, enc));
	MUST(EVP_CipherUpdate(c, NULL, &outl, op->aad, (int)op->aad_len));
	MUST(EVP_CipherUpdate(c, op->data, &outl, op->data, (int)op->len));
	if (enc) {
		MUST(EVP_CipherFinal_ex(c, op->data + outl, &outl));
		MUST(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, op->icv));
		return;
	}
	MUST(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, op->icv));
	/* OpenSSL compares the tag in constant time. */
	op->status = EVP_CipherFinal_ex(c, op->data + outl, &outl) > 0
	                     ? 0
	                     : VPN_CRYPTO_EAUTH;
}

static void
cbc(struct ossl_worker *w, const struct ossl_key *k, struct vpn_crypto_op *op,
    bool enc)
{
	EVP_CIPHER_CTX *c = w->c;
	int outl;

	MUST(EVP_CipherInit_ex(c, k->cipher, NULL, k->ckey, op->iv, enc));
	MUST(EVP_CIPHER_CTX_set_padding(c, 0));
	MUST(EVP_CipherUpdate(c, op->data, &outl, op->data, (int)op->len));
	MUST(EVP_CipherFinal_ex(c, op->data + outl, &outl));
}

static void
derive_iv(struct ossl_worker *w, const struct ossl_key *k,
          struct vpn_crypto_op *op)
{
	int outl;

	MUST(EVP_EncryptInit_ex(w->c, EVP_aes_128_ecb(), NULL, k->ivkey, NULL));
	MUST(EVP_CIPHER_CTX_set_padding(w->c, 0));
	MUST(EVP_EncryptUpdate(w->c, op->iv, &outl, op->iv_seed, 16));
}

static void
ossl_encrypt(struct vpn_crypto_worker *cw, const struct vpn_crypto_key *ck,
             struct vpn_crypto_op *ops, unsigned int n)
{
	const struct ossl_key *k = (const struct ossl_key *)ck;
	struct ossl_worker *w = cw->priv;
	uint8_t tag[64];

	for (unsigned int i = 0; i < n; i++) {
		if (k->head.cipher == VPN_CIPHER_AES_GCM) {
			gcm(w, k, &ops[i], true);
			continue;
		}
		derive_iv(w, k, &ops[i]);
		cbc(w, k, &ops[i], true);
		hmac(w, k, ops[i].auth, ops[i].auth_len, tag);
		memcpy(ops[i].icv, tag, k->head.icv_len);
	}
}

static unsigned int
ossl_decrypt(struct vpn_crypto_worker *cw, const struct vpn_crypto_key *ck,
             struct vpn_crypto_op *ops, unsigned int n)
{
	const struct ossl_key *k = (const struct ossl_key *)ck;
	struct ossl_worker *w = cw->priv;
	unsigned int bad = 0;
	uint8_t tag[64];

	for (unsigned int i = 0; i < n; i++) {
		if (k->head.cipher == VPN_CIPHER_AES_GCM) {
			gcm(w, k, &ops[i], false);
		} else {
			hmac(w, k, ops[i].auth, ops[i].auth_len, tag);
			ops[i].status = vpn_crypto_memcmp(tag, ops[i].icv,
			                                  k->head.icv_len)
			                        ? VPN_CRYPTO_EAUTH
			                        : 0;
			if (ops[i].status == 0)
				cbc(w, k, &ops[i], false);
		}
		bad += ops[i].status != 0;
	}
	return bad;
}

const struct crypto_engine crypto_ossl_engine = {
        .name = "openssl",
        .open = ossl_open,
        .close = ossl_close,
        .worker_init = ossl_worker_init,
        .worker_fini = ossl_worker_fini,
        .key_new = ossl_key_new,
        .encrypt = ossl_encrypt,
        .decrypt = ossl_decrypt,
};
