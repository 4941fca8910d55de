/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ESP_PRIV_H
#define ESP_PRIV_H

#include <rte_spinlock.h>

#include <stdlib.h>
#include <string.h>

#include "vpn_esp.h"

#define ESP_HDR_LEN  8 /* SPI + sequence number */
#define IPV4_HDR_LEN 20
#define UDP_HDR_LEN  8
#define WINDOW_WORDS (2 * VPN_ESP_MAX_WINDOW / 64)

/*
 * Big-endian loads and stores at any alignment. The compiler's byte swaps,
 * not rte_bswap16's inline assembly, so that a compare with a constant
 * folds the swap into the constant.
 */
static inline uint16_t
get_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return __builtin_bswap16(v);
}

static inline uint32_t
get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}

static inline void
put_be16(uint8_t *p, uint16_t v)
{
	v = __builtin_bswap16(v);
	memcpy(p, &v, 2);
}

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(p, &v, 4);
}

static inline void
put_be64(uint8_t *p, uint64_t v)
{
	v = __builtin_bswap64(v);
	memcpy(p, &v, 8);
}

/* Load a line the caller is about to write (an atomic add: owned, not
 * shared). PREFETCHW is a no-op where the CPU lacks it; the compiler
 * emits it only with -mprfchw, which the build does not assume. */
static inline void
esp_prefetch_write(const void *p)
{
#if defined(__x86_64__)
	__asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1, 3);
#endif
}

/* Counters of one worker for one SA, padded to whole cache lines. */
struct esp_stats_slot {
	struct vpn_esp_stats s;
} __attribute__((aligned(64)));

/*
 * The anti-replay window (RFC 6479 style): a ring of 64-bit words holding
 * one bit per sequence number, one word larger than the window so that
 * sliding only clears whole words. top is the highest authenticated
 * sequence number (64 bits, also without ESN).
 */
struct esp_replay {
	rte_spinlock_t lock;
	uint32_t window; /* packets; 0: no check */
	uint32_t mask;   /* words - 1 */
	uint64_t top;
	uint64_t bits[WINDOW_WORDS];
};

struct vpn_esp_sa {
	/* Cache line 0: read-only on the hot path. */
	uint32_t spi;
	uint32_t spi_be;
	bool inbound, esn, udp, gcm;
	uint8_t iv_len;  /* 8 (GCM) or 16 (CBC) */
	uint8_t icv_len; /* 12 to 32 */
	uint8_t align;   /* trailer alignment: 4 (GCM) or 16 (CBC) */
	uint8_t hdr_len; /* outer IPv4, plus UDP when encapsulated */
	uint8_t salt[4];
	uint32_t window;
	const struct vpn_crypto_key *key;
	uint8_t tmpl[IPV4_HDR_LEN + UDP_HDR_LEN]; /* outer header template */
	uint32_t tmpl_sum; /* ones' complement sum of the template's IPv4
	                    * header words, without length, ID, TOS, DF */

	/* Cache line 1: written by every worker using the SA (the
	 * sequence number), with the read-only limits checked beside it: a
	 * packet touches two lines of its SA, and its counters. */
	uint64_t seq __attribute__((aligned(64))); /* outbound: last used */
	uint64_t bytes;                            /* for byte lifetimes */
	uint32_t events;
	uint32_t tag; /* the owner's, e.g. the connection's index */
	uint64_t soft_packets, hard_packets, soft_bytes, hard_bytes;
	uint64_t seq_max; /* 2^32 - 1 without ESN */

	struct esp_replay replay __attribute__((aligned(64)));
	struct esp_stats_slot stats[VPN_ESP_MAX_WORKERS];

	/* Control record. */
	const struct vpn_crypto *c; /* its memory's */
	struct vpn_crypto_key *ckey;
	struct vpn_esp_sa_params params; /* keys wiped */
};

_Static_assert(__builtin_offsetof(struct vpn_esp_sa, seq) == 64 &&
                       __builtin_offsetof(struct vpn_esp_sa, replay) == 128,
               "the hot part of an SA is two cache lines");

struct vpn_esp_worker {
	unsigned int id;
	struct vpn_crypto_worker *cw;
	struct vpn_esp_stats stats; /* every packet this worker saw */
	/* Per-burst scratch. */
	struct vpn_crypto_op ops[VPN_ESP_MAX_BURST];
	struct vpn_esp_sa *sa[VPN_ESP_MAX_BURST];
	uint64_t seq[VPN_ESP_MAX_BURST];
	uint16_t off[VPN_ESP_MAX_BURST]; /* inbound: inner packet offset */
	uint8_t reason[VPN_ESP_MAX_BURST];
	uint8_t nonce[VPN_ESP_MAX_BURST][12];
	uint8_t aad[VPN_ESP_MAX_BURST][12];
	uint8_t icv[VPN_ESP_MAX_BURST][VPN_CRYPTO_MAX_ICV];
};

/* Count a failure on the worker and, when known, on the SA. */
static inline void
esp_count_drop(struct vpn_esp_worker *w, struct vpn_esp_sa *sa,
               enum vpn_esp_reason r)
{
	w->stats.drops[r]++;
	if (sa != NULL)
		sa->stats[w->id].s.drops[r]++;
}

/*
 * Put the packets with reason OK first, in order, and the rest after,
 * with their reasons in why[]. Returns how many are OK.
 */
uint16_t esp_compact(struct rte_mbuf **pkts, const uint8_t *reason, uint16_t n,
                     uint8_t *why, struct vpn_esp_sa **sa_in,
                     struct vpn_esp_sa **sa_out);

/*
 * After a slice [done, done + m) of a long burst was compacted to
 * [ok-part | failed], move its got successes up behind the ok earlier
 * successes, ahead of the earlier failures [ok, done). Returns ok + got.
 */
uint16_t esp_merge(struct rte_mbuf **pkts, uint8_t *why,
                   struct vpn_esp_sa **sa_out, uint16_t ok, uint16_t done,
                   uint16_t got);

/* Start loading the lines of the SA the SAD holds for spi that worker
 * wid's inbound path reads and writes (a hint: nothing is checked). */
void esp_sad_prefetch(const struct vpn_esp_sad *sad, uint32_t spi,
                      unsigned int wid);

/* Replay window (esp_replay.c; the per-packet checks are inline in
 * esp_replay.h). */
void esp_replay_init(struct esp_replay *r, uint32_t window);

/*
 * Self-describing padding (RFC 4303 2.4): pad bytes 1, 2, 3, ... before
 * the pad length. ESP_PAD[16 + j] is pad byte j + 1 and ESP_PAD_MASK[16 +
 * j] is 0xff, both 0 below 16: a window of 16 bytes starting at ESP_PAD +
 * pad is what the 16 bytes before the pad length hold, ESP_PAD_MASK + pad
 * the bytes of those that are padding. Static: no GOT load in PIC code.
 */
static const uint8_t ESP_PAD[32] = {0, 0, 0, 0,  0,  0,  0,  0,  0,  0, 0,
                                    0, 0, 0, 0,  0,  1,  2,  3,  4,  5, 6,
                                    7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t ESP_PAD_MASK[32] = {
        0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
        0,    0,    0,    0,    0,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* Write pad bytes 1..16 at tr (most padding needs is 15, for CBC); the
 * caller then writes the pad length and next header over tr[pad] and
 * tr[pad + 1]. There must be 16 bytes of room at tr. */
static inline void
esp_pad_write(uint8_t *tr)
{
	memcpy(tr, ESP_PAD + 16, 16);
}

/* Whether the pad bytes before end (where the pad length is) are 1, 2,
 * ..., pad. The 16 bytes before end must be readable (ESP header and IV
 * precede the payload). Up to 16 bytes of padding in two word compares;
 * more (allowed, up to 255) byte by byte. */
static inline bool
esp_pad_ok(const uint8_t *end, unsigned int pad)
{
	uint64_t a, b, ea, eb, ma, mb;

	if (pad > 16) {
		for (unsigned int j = 0; j < pad; j++)
			if ((end - pad)[j] != j + 1u)
				return false;
		return true;
	}
	memcpy(&a, end - 16, 8);
	memcpy(&b, end - 8, 8);
	memcpy(&ea, ESP_PAD + pad, 8);
	memcpy(&eb, ESP_PAD + pad + 8, 8);
	memcpy(&ma, ESP_PAD_MASK + pad, 8);
	memcpy(&mb, ESP_PAD_MASK + pad + 8, 8);
	return (((a ^ ea) & ma) | ((b ^ eb) & mb)) == 0;
}

/* Cache-aligned allocation (aligned_alloc wants a multiple of the
 * alignment). */
static inline void *
alloc64(size_t size)
{
	return aligned_alloc(64, (size + 63) & ~(size_t)63);
}

#endif /* ESP_PRIV_H */
