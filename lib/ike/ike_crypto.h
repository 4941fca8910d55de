/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IKE_CRYPTO_H
#define IKE_CRYPTO_H

/*
 * The IKE SA's cryptography, on OpenSSL 3: Diffie-Hellman (MODP and ECP
 * groups), the PRFs and prf+ (RFC 7296 2.13), key derivation (2.14) and
 * the SK payload's encryption and integrity (3.14; AES-GCM per RFC 5282).
 * No state beyond what a caller holds; no globals but the fetched MAC.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IANA transform IDs (RFC 7296 3.3.2 and the IKEv2 registry). */
enum {
	IKE_ENCR_AES_CBC = 12,
	IKE_ENCR_AES_GCM_16 = 20,
	IKE_PRF_HMAC_SHA1 = 2,
	IKE_PRF_HMAC_SHA2_256 = 5,
	IKE_PRF_HMAC_SHA2_384 = 6,
	IKE_PRF_HMAC_SHA2_512 = 7,
	IKE_AUTH_HMAC_SHA1_96 = 2,
	IKE_AUTH_HMAC_SHA2_256_128 = 12,
	IKE_AUTH_HMAC_SHA2_384_192 = 13,
	IKE_AUTH_HMAC_SHA2_512_256 = 14,
};

#define IKE_MAX_PRF_LEN 64   /* SHA-512 */
#define IKE_MAX_KEY_LEN 64   /* an HMAC-SHA-512 integrity key */
#define IKE_MAX_DH_LEN  1024 /* a MODP-8192 public value */
#define IKE_MAX_NONCE   256  /* RFC 7296 3.9 */

/* ---- Diffie-Hellman -------------------------------------------------- */

struct ike_dh;

/* True for the groups we can compute: 2, 5, 14-24. */
bool ike_dh_supported(unsigned int group);
/* The KE payload's key exchange data length for group, 0 if unknown. */
size_t ike_dh_len(unsigned int group);
/* A fresh key pair of group, or NULL. */
struct ike_dh *ike_dh_new(unsigned int group);
void ike_dh_free(struct ike_dh *dh);
unsigned int ike_dh_group(const struct ike_dh *dh);
/* Our public value as the KE payload carries it (ike_dh_len bytes). */
const uint8_t *ike_dh_public(const struct ike_dh *dh);
/* g^ir from the peer's public value (exactly ike_dh_len bytes, checked
 * to be a valid element of the group): its length in out (at most
 * IKE_MAX_DH_LEN), or 0. */
size_t ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t len,
                     uint8_t *out);

/* ---- PRF ----------------------------------------------------------------- */

/* Output (and preferred key) length of a PRF transform; 0 if unknown. */
size_t ike_prf_len(uint16_t prf);
/* prf(key, data[0] | data[1] | ...) into out (ike_prf_len bytes). A NULL
 * entry ends the list of n pieces. 0 or -1. */
struct ike_iov {
	const void *p;
	size_t len;
};
int ike_prf(uint16_t prf, const void *key, size_t keylen,
            const struct ike_iov *data, unsigned int n, uint8_t *out);
/* prf+ (RFC 7296 2.13): len bytes of keying material. 0 or -1. */
int ike_prf_plus(uint16_t prf, const void *key, size_t keylen,
                 const struct ike_iov *seed, unsigned int n, uint8_t *out,
                 size_t len);

/* ---- integrity and encryption of SK payloads --------------------------- */

/* Integrity: key and ICV lengths of a transform (0, 0 for none/unknown). */
size_t ike_integ_key_len(uint16_t integ);
size_t ike_integ_icv_len(uint16_t integ);

/* The algorithms and keys of one direction of an IKE SA. */
struct ike_sk_keys {
	uint16_t encr;      /* IKE_ENCR_* */
	uint16_t key_bits;  /* 128 or 256 */
	uint16_t integ;     /* IKE_AUTH_*; 0 with GCM */
	uint8_t ek[32 + 4]; /* cipher key (GCM: then the 4-byte salt) */
	uint8_t ak[IKE_MAX_KEY_LEN];
};

/* Bytes of keying material one direction takes (encryption + integrity). */
size_t ike_sk_key_material(uint16_t encr, uint16_t key_bits, uint16_t integ);
/* IV and ICV sizes in an SK payload. */
size_t ike_sk_iv_len(const struct ike_sk_keys *k);
size_t ike_sk_icv_len(const struct ike_sk_keys *k);

/*
 * Seal an SK payload in place. msg[0..len) is the whole message: IKE
 * header, any unencrypted payloads, the SK payload header at sk_off with
 * room after it for IV | plaintext (already at sk_off + 4 + iv_len,
 * ptlen bytes) | padding | pad length | ICV. The caller has sized msg with
 * ike_sk_overhead() and written every length field; the IV is random.
 * 0 or -1.
 */
size_t ike_sk_overhead(const struct ike_sk_keys *k, size_t ptlen);
int ike_sk_seal(const struct ike_sk_keys *k, uint8_t *msg, size_t len,
                size_t sk_off, size_t ptlen);
/*
 * Verify and decrypt the SK payload at sk_off (the last payload, to the
 * end of msg[0..len)). On success the plaintext payloads are at *pt
 * (inside msg), *ptlen bytes; -1 when the ICV does not verify or a length
 * is wrong.
 */
int ike_sk_open(const struct ike_sk_keys *k, uint8_t *msg, size_t len,
                size_t sk_off, uint8_t **pt, size_t *ptlen);

/* Random bytes from OpenSSL's RNG. 0 or -1. */
int ike_random(void *out, size_t len);
/* Constant-time compare. */
bool ike_equal(const void *a, const void *b, size_t len);
/* SHA-1 (NAT detection, RFC 7296 2.23). */
void ike_sha1(const struct ike_iov *data, unsigned int n, uint8_t out[20]);

#endif /* IKE_CRYPTO_H */
