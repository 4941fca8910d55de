/* SPDX-License-Identifier: BSD-3-Clause */
/* The engine-neutral part: dispatch, parameter checks, constant-time
 * comparison. One indirect call per burst, none per packet. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_priv.h"

void
vpn_crypto_set_mem(struct vpn_crypto *c, const struct vpn_crypto_mem *m)
{
	c->mem = *m;
}

void *
vpn_crypto_mem_alloc(const struct vpn_crypto *c, size_t size)
{
	void *p = c->mem.alloc(size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

void
vpn_crypto_mem_free(const struct vpn_crypto *c, void *p)
{
	if (p != NULL)
		c->mem.free(p);
}

struct vpn_crypto *
vpn_crypto_open(enum vpn_crypto_kind kind)
{
	struct vpn_crypto *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->e = kind == VPN_CRYPTO_IMB ? &crypto_imb_engine
	                              : &crypto_ossl_engine;
	c->mem = (struct vpn_crypto_mem){.alloc = alloc64, .free = free};
	snprintf(c->name, sizeof(c->name), "%s", c->e->name);
	if (c->e->open(c) != 0) {
		free(c);
		errno = ENOTSUP;
		return NULL;
	}
	return c;
}

void
vpn_crypto_close(struct vpn_crypto *c)
{
	if (c == NULL)
		return;
	c->e->close(c);
	free(c);
}

const char *
vpn_crypto_name(const struct vpn_crypto *c)
{
	return c->name;
}

struct vpn_crypto_worker *
vpn_crypto_worker_new(struct vpn_crypto *c)
{
	struct vpn_crypto_worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->e = c->e;
	if (c->e->worker_init(c, w) != 0) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	return w;
}

void
vpn_crypto_worker_free(struct vpn_crypto_worker *w)
{
	if (w == NULL)
		return;
	w->e->worker_fini(w);
	free(w);
}

unsigned int
vpn_crypto_icv_len(enum vpn_crypto_cipher cipher, enum vpn_crypto_auth auth)
{
	if (cipher == VPN_CIPHER_AES_GCM)
		return auth == VPN_AUTH_NONE ? 16 : 0;
	switch (auth) {
	case VPN_AUTH_HMAC_SHA1_96:
		return 12;
	case VPN_AUTH_HMAC_SHA256_128:
		return 16;
	case VPN_AUTH_HMAC_SHA384_192:
		return 24;
	case VPN_AUTH_HMAC_SHA512_256:
		return 32;
	default:
		return 0;
	}
}

unsigned int
crypto_hmac_block(enum vpn_crypto_auth a)
{
	return a == VPN_AUTH_HMAC_SHA384_192 || a == VPN_AUTH_HMAC_SHA512_256
	               ? 128
	               : 64;
}

int
crypto_key_check(const struct vpn_crypto_key_params *p,
                 struct vpn_crypto_key *head)
{
	/* RFC 4868: the HMAC key is as long as the full digest. */
	static const unsigned int auth_key_len[] = {
	        [VPN_AUTH_HMAC_SHA1_96] = 20,
	        [VPN_AUTH_HMAC_SHA256_128] = 32,
	        [VPN_AUTH_HMAC_SHA384_192] = 48,
	        [VPN_AUTH_HMAC_SHA512_256] = 64};
	unsigned int icv = vpn_crypto_icv_len(p->cipher, p->auth);

	if (icv == 0 || (p->cipher_key_len != 16 && p->cipher_key_len != 32) ||
	    p->cipher_key == NULL)
		return -EINVAL;
	if (p->cipher == VPN_CIPHER_AES_CBC &&
	    (p->auth_key == NULL || p->iv_key == NULL ||
	     p->auth_key_len != auth_key_len[p->auth]))
		return -EINVAL;
	head->cipher = p->cipher;
	head->auth = p->auth;
	head->key_len = p->cipher_key_len;
	head->icv_len = icv;
	return 0;
}

struct vpn_crypto_key *
vpn_crypto_key_new(struct vpn_crypto *c, const struct vpn_crypto_key_params *p)
{
	struct vpn_crypto_key head, *k;

	if (crypto_key_check(p, &head) != 0) {
		errno = EINVAL;
		return NULL;
	}
	k = c->e->key_new(c, p);
	if (k != NULL)
		k->c = c;
	return k;
}

void
vpn_crypto_key_free(struct vpn_crypto_key *k)
{
	const struct vpn_crypto *c;

	if (k == NULL)
		return;
	c = k->c;
	explicit_bzero(k, k->size);
	vpn_crypto_mem_free(c, k);
}

void
vpn_crypto_encrypt(struct vpn_crypto_worker *w, const struct vpn_crypto_key *k,
                   struct vpn_crypto_op *ops, unsigned int n)
{
	w->e->encrypt(w, k, ops, n);
}

bool
vpn_crypto_key_same_alg(const struct vpn_crypto_key *a,
                        const struct vpn_crypto_key *b)
{
	return a->e == b->e && a->cipher == b->cipher && a->auth == b->auth &&
	       a->key_len == b->key_len;
}

void
vpn_crypto_encrypt_keys(struct vpn_crypto_worker *w,
                        const struct vpn_crypto_key *const *keys,
                        struct vpn_crypto_op *ops, unsigned int n)
{
	unsigned int j, k;

	if (w->e->encrypt_keys != NULL) {
		w->e->encrypt_keys(w, keys, ops, n);
		return;
	}
	for (j = 0; j < n; j = k) {
		for (k = j + 1; k < n && keys[k] == keys[j]; k++)
			;
		w->e->encrypt(w, keys[j], ops + j, k - j);
	}
}

unsigned int
vpn_crypto_decrypt_keys(struct vpn_crypto_worker *w,
                        const struct vpn_crypto_key *const *keys,
                        struct vpn_crypto_op *ops, unsigned int n)
{
	unsigned int j, k, bad = 0;

	if (w->e->decrypt_keys != NULL)
		return w->e->decrypt_keys(w, keys, ops, n);
	for (j = 0; j < n; j = k) {
		for (k = j + 1; k < n && keys[k] == keys[j]; k++)
			;
		bad += w->e->decrypt(w, keys[j], ops + j, k - j);
	}
	return bad;
}

unsigned int
vpn_crypto_decrypt(struct vpn_crypto_worker *w, const struct vpn_crypto_key *k,
                   struct vpn_crypto_op *ops, unsigned int n)
{
	return w->e->decrypt(w, k, ops, n);
}

int
vpn_crypto_memcmp(const void *a, const void *b, size_t n)
{
	return crypto_ct_differ(a, b, n);
}
