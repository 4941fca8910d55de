/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CRYPTO_PRIV_H
#define CRYPTO_PRIV_H

#include <stdlib.h>
#include <string.h>

#include "vpn_crypto.h"

/* What an engine implements; crypto.c dispatches to it. */
struct crypto_engine {
	const char *name;
	int (*open)(struct vpn_crypto *c);
	void (*close)(struct vpn_crypto *c);
	int (*worker_init)(struct vpn_crypto *c, struct vpn_crypto_worker *w);
	void (*worker_fini)(struct vpn_crypto_worker *w);
	struct vpn_crypto_key *(*key_new)(
	        struct vpn_crypto *c, const struct vpn_crypto_key_params *p);
	void (*encrypt)(struct vpn_crypto_worker *w,
	                const struct vpn_crypto_key *k,
	                struct vpn_crypto_op *ops, unsigned int n);
	unsigned int (*decrypt)(struct vpn_crypto_worker *w,
	                        const struct vpn_crypto_key *k,
	                        struct vpn_crypto_op *ops, unsigned int n);
	/* Optional: ops[i] with keys[i], one algorithm. Without it,
	 * runs of one key go to encrypt. */
	void (*encrypt_keys)(struct vpn_crypto_worker *w,
	                     const struct vpn_crypto_key *const *keys,
	                     struct vpn_crypto_op *ops, unsigned int n);
	unsigned int (*decrypt_keys)(struct vpn_crypto_worker *w,
	                             const struct vpn_crypto_key *const *keys,
	                             struct vpn_crypto_op *ops, unsigned int n);
};

struct vpn_crypto {
	const struct crypto_engine *e;
	struct vpn_crypto_mem mem;
	char name[64];
	void *priv;
};

struct vpn_crypto_worker {
	const struct crypto_engine *e;
	void *priv;
};

/* The common head of every engine's key; engines embed it first. */
struct vpn_crypto_key {
	const struct crypto_engine *e;
	const struct vpn_crypto *c; /* its memory's (vpn_crypto_key_free) */
	size_t size;                /* of the whole engine key, for wiping */
	enum vpn_crypto_cipher cipher;
	enum vpn_crypto_auth auth;
	unsigned int key_len, icv_len;
};

extern const struct crypto_engine crypto_imb_engine;
extern const struct crypto_engine crypto_ossl_engine;

/* Checks a key's parameters; fills the common head. 0 or -EINVAL. */
int crypto_key_check(const struct vpn_crypto_key_params *p,
                     struct vpn_crypto_key *head);

/* HMAC block size and digest (state) size of an auth algorithm. */
unsigned int crypto_hmac_block(enum vpn_crypto_auth a);

/* Constant-time comparison, inline for the engines' per-packet ICV
 * checks: every byte is read whatever the differences, 8 at a time (ICVs
 * are 12 to 32 bytes), then the rest. 0 when equal. */
static inline int
crypto_ct_differ(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	uint64_t d = 0, u, v;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&u, x + i, 8);
		memcpy(&v, y + i, 8);
		d |= u ^ v;
	}
	for (; i < n; i++)
		d |= (uint64_t)(x[i] ^ y[i]);
	/* Keep the compiler from turning this into an early exit. */
	__asm__ volatile("" : "+r"(d));
	return d != 0;
}

/* Cache-aligned allocation (aligned_alloc wants a multiple of the
 * alignment). */
static inline void *
alloc64(size_t size)
{
	return aligned_alloc(64, (size + 63) & ~(size_t)63);
}

#endif /* CRYPTO_PRIV_H */
