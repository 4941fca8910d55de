/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_CRYPTO_H
#define VPN_CRYPTO_H

/*
 * Crypto engines behind one interface: intel-ipsec-mb (production) and
 * OpenSSL EVP (reference, cross-checks). The ESP library hands an engine a
 * burst of operations that share one key; the engine encrypts and computes
 * ICVs, or verifies ICVs (in constant time) and decrypts.
 *
 * Both engines produce the same bytes for the same inputs, including the
 * CBC IVs they derive (IV = AES-ECB under a per-key IV key of a 16-byte
 * seed), so their output can be compared packet for packet.
 *
 * Threads: an engine (struct vpn_crypto) and its keys are made by the
 * control core; each worker lcore has its own struct vpn_crypto_worker.
 * Keys are read-only once made and may be used by every worker.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vpn_crypto_kind { VPN_CRYPTO_IMB, VPN_CRYPTO_OPENSSL };

enum vpn_crypto_cipher { VPN_CIPHER_AES_CBC, VPN_CIPHER_AES_GCM };

/* Integrity for CBC (RFC 2404, RFC 4868); NONE with GCM. */
enum vpn_crypto_auth {
	VPN_AUTH_NONE,
	VPN_AUTH_HMAC_SHA1_96,
	VPN_AUTH_HMAC_SHA256_128,
	VPN_AUTH_HMAC_SHA384_192,
	VPN_AUTH_HMAC_SHA512_256,
};

#define VPN_CRYPTO_MAX_BURST 64
#define VPN_CRYPTO_MAX_ICV   32
#define VPN_CRYPTO_EAUTH     1 /* op status: the ICV did not verify */

struct vpn_crypto_key_params {
	enum vpn_crypto_cipher cipher;
	const uint8_t *cipher_key;
	unsigned int cipher_key_len; /* 16 or 32 */
	enum vpn_crypto_auth auth;
	const uint8_t *auth_key;   /* HMAC key */
	unsigned int auth_key_len; /* 20, 32, 48 or 64 (RFC 4868) */
	const uint8_t *iv_key;     /* CBC: 16-byte key that derives IVs */
};

/*
 * One packet's work. All regions are in place; lengths in bytes.
 * GCM: cipher region data/len, 12-byte nonce at iv, aad/aad_len, 16-byte
 *      ICV at icv.
 * CBC: cipher region data/len (multiple of 16), 16-byte IV at iv (encrypt:
 *      written by the engine from iv_seed first), HMAC over auth/auth_len
 *      (which must include the cipher region), truncated ICV at icv.
 */
struct vpn_crypto_op {
	uint8_t *data;
	uint32_t len;
	uint32_t aad_len;
	uint8_t *iv;
	const uint8_t *aad;
	const uint8_t *auth;
	uint32_t auth_len;
	int32_t status; /* decrypt: 0, or VPN_CRYPTO_EAUTH */
	uint8_t *icv;
	uint8_t iv_seed[16]; /* CBC encrypt: IV = AES(iv_key, iv_seed) */
};

struct vpn_crypto;
struct vpn_crypto_worker;
struct vpn_crypto_key;

/* An engine, or NULL with errno set. */
struct vpn_crypto *vpn_crypto_open(enum vpn_crypto_kind kind);
void vpn_crypto_close(struct vpn_crypto *c);
/* "intel-ipsec-mb (avx2)", "openssl". */
const char *vpn_crypto_name(const struct vpn_crypto *c);

struct vpn_crypto_worker *vpn_crypto_worker_new(struct vpn_crypto *c);
void vpn_crypto_worker_free(struct vpn_crypto_worker *w);

/*
 * Where the keys live (and, through vpn_crypto_mem_alloc, the callers'
 * state kept beside them: the ESP SAs). By default aligned_alloc and
 * free; a data plane gives its own: DPDK's hugepage memory, where a
 * thousand SAs and their keys take a few TLB entries, not thousands of
 * 4 KiB pages. alloc returns memory aligned to 64 bytes, or NULL. Set
 * before the first key; c keeps a copy.
 */
struct vpn_crypto_mem {
	void *(*alloc)(size_t size);
	void (*free)(void *p);
};
void vpn_crypto_set_mem(struct vpn_crypto *c, const struct vpn_crypto_mem *m);
/* size bytes from c's memory, zeroed and aligned to 64; NULL if none. */
void *vpn_crypto_mem_alloc(const struct vpn_crypto *c, size_t size);
void vpn_crypto_mem_free(const struct vpn_crypto *c, void *p);

/* Expand a key; NULL with errno (EINVAL for a bad combination). The
 * caller's key bytes may be wiped afterwards; the key is wiped on free. */
struct vpn_crypto_key *
vpn_crypto_key_new(struct vpn_crypto *c, const struct vpn_crypto_key_params *p);
void vpn_crypto_key_free(struct vpn_crypto_key *k);

/* ICV length of a cipher/auth pair (16 for GCM), 0 if invalid. */
unsigned int vpn_crypto_icv_len(enum vpn_crypto_cipher cipher,
                                enum vpn_crypto_auth auth);

/* Encrypt n (<= VPN_CRYPTO_MAX_BURST) operations sharing key k. */
void vpn_crypto_encrypt(struct vpn_crypto_worker *w,
                        const struct vpn_crypto_key *k,
                        struct vpn_crypto_op *ops, unsigned int n);
/* Encrypt n (<= VPN_CRYPTO_MAX_BURST) operations, ops[i] with keys[i]:
 * keys of one algorithm (cipher, auth, key length), not one key. An
 * engine whose work runs in parallel lanes (intel-ipsec-mb's multi-buffer
 * CBC and HMAC) fills them across keys, so a burst spread over many SAs
 * costs about what one SA's burst does. */
void vpn_crypto_encrypt_keys(struct vpn_crypto_worker *w,
                             const struct vpn_crypto_key *const *keys,
                             struct vpn_crypto_op *ops, unsigned int n);
/* Verify and decrypt as vpn_crypto_decrypt, ops[i] with keys[i] (one
 * algorithm, as vpn_crypto_encrypt_keys). */
unsigned int vpn_crypto_decrypt_keys(struct vpn_crypto_worker *w,
                                     const struct vpn_crypto_key *const *keys,
                                     struct vpn_crypto_op *ops, unsigned int n);
/* Whether a and b are keys of one algorithm (vpn_crypto_encrypt_keys). */
bool vpn_crypto_key_same_alg(const struct vpn_crypto_key *a,
                             const struct vpn_crypto_key *b);
/* Verify and decrypt n operations sharing key k; sets each status and
 * returns how many failed verification (their data is not decrypted for
 * CBC, and must not be used for GCM). */
unsigned int vpn_crypto_decrypt(struct vpn_crypto_worker *w,
                                const struct vpn_crypto_key *k,
                                struct vpn_crypto_op *ops, unsigned int n);

/* The ESP transforms by name (strongSwan-style: aes128gcm16, aes256gcm16,
 * aes128-sha1 ... aes256-sha512), for tools and tests. */
struct vpn_crypto_alg {
	const char *name;
	enum vpn_crypto_cipher cipher;
	unsigned int key_len;
	enum vpn_crypto_auth auth;
	unsigned int auth_key_len;
};

/* The i-th transform, NULL past the last. */
const struct vpn_crypto_alg *vpn_crypto_alg_at(unsigned int i);
/* A transform by name, or NULL. */
const struct vpn_crypto_alg *vpn_crypto_alg_find(const char *name);

/* Constant-time comparison: 0 when equal. */
int vpn_crypto_memcmp(const void *a, const void *b, size_t n);

#endif /* VPN_CRYPTO_H */
