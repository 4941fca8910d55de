/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ESP library: both engines make the same packets for every algorithm,
 * size and alignment, and each decrypts the other's; hostile packets fail
 * with their own counters; sequence numbers (ESN, wrap, lifetimes) and the
 * replay window; several workers on one SA.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "esp_priv.h"
#include "esp_replay.h"
#include "vpn_esp.h"

extern struct rte_mempool *test_pool; /* 10 KiB mbufs */

#define alg vpn_crypto_alg
/* Every ESP transform, in vpn_crypto_alg_at() order: 0 aes128gcm16,
 * 2 aes128-sha1, 4 aes128-sha256, ... */
static const struct alg *algs;
static unsigned int NALGS;

static struct vpn_esp_sa_params
params(const struct alg *a, bool inbound, bool esn, bool udp, uint64_t seq)
{
	struct vpn_esp_sa_params p = {
	        .spi = 0x1000,
	        .inbound = inbound,
	        .cipher = a->cipher,
	        .cipher_key_len = a->key_len,
	        .auth = a->auth,
	        .auth_key_len = a->auth_key_len,
	        .esn = esn,
	        .tun_src = 0xcb007101, /* 203.0.113.1 */
	        .tun_dst = 0xc0000201, /* 192.0.2.1 */
	        .udp_encap = udp,
	        .replay_window = 1024,
	        .seq = seq,
	        .iv_key_set = true,
	};

	for (unsigned int i = 0; i < 32; i++)
		p.cipher_key[i] = (uint8_t)(0x11 * i + 1);
	for (unsigned int i = 0; i < 64; i++)
		p.auth_key[i] = (uint8_t)(0x07 * i + 3);
	memcpy(p.salt, "\xca\xfe\xba\xbe", 4);
	memset(p.iv_key, 0x5a, 16);
	return p;
}

/* An inner IPv4/UDP packet with payload bytes, tagged with id. */
static struct rte_mbuf *
inner_from(struct rte_mempool *mp, unsigned int payload, unsigned int align,
           uint32_t id)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	unsigned int len = 20 + payload;
	uint8_t *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m->data_off += (uint16_t)align;
	CU_ASSERT_PTR_NOT_NULL_FATAL(rte_pktmbuf_append(m, (uint16_t)len));
	p = rte_pktmbuf_mtod(m, uint8_t *);
	memset(p, 0, 20);
	p[0] = 0x45;
	p[1] = 0xb8; /* DSCP EF, ECN 0 */
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[6] = 0x40; /* DF */
	p[8] = 64;
	p[9] = 17;
	memcpy(p + 12, "\xc6\x33\x64\x0a\xc0\x00\x02\x82", 8);
	for (unsigned int i = 0; i < payload; i++)
		p[20 + i] = (uint8_t)(i * 7 + id);
	if (payload >= 4)
		memcpy(p + 20, &id, 4);
	return m;
}

static struct rte_mbuf *
inner(unsigned int payload, unsigned int align, uint32_t id)
{
	return inner_from(test_pool, payload, align, id);
}

static struct rte_mbuf *
copy(const struct rte_mbuf *m)
{
	struct rte_mbuf *c = rte_pktmbuf_alloc(test_pool);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	c->data_off = m->data_off;
	memcpy(rte_pktmbuf_append(c, rte_pktmbuf_data_len(m)),
	       rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m));
	return c;
}

static bool
same(const struct rte_mbuf *a, const struct rte_mbuf *b)
{
	return rte_pktmbuf_data_len(a) == rte_pktmbuf_data_len(b) &&
	       memcmp(rte_pktmbuf_mtod(a, void *), rte_pktmbuf_mtod(b, void *),
	              rte_pktmbuf_data_len(a)) == 0;
}

/* ---- the two engines agree, and interoperate ---------------------------- */

static void
test_cross_engine(void)
{
	static const unsigned int sizes[] = {
	        0,   1,    2,    3,    4,    5,    7,    8,   13,
	        14,  15,   16,   17,   31,   63,   64,   100, 255,
	        256, 1000, 1380, 1400, 1480, 4000, 8999, 9000};
	static const unsigned int aligns[] = {0, 1, 3, 7, 13};
	struct vpn_crypto *eng[2] = {vpn_crypto_open(VPN_CRYPTO_IMB),
	                             vpn_crypto_open(VPN_CRYPTO_OPENSSL)};
	struct vpn_esp_worker *w[2] = {vpn_esp_worker_new(eng[0], 0),
	                               vpn_esp_worker_new(eng[1], 0)};
	unsigned int checked = 0;

	for (size_t a = 0; a < NALGS; a++)
		for (int mode = 0; mode < 4; mode++) {
			bool esn = mode & 1, udp = mode & 2;
			struct vpn_esp_sa_params po =
			        params(&algs[a], false, esn, udp, 0);
			struct vpn_esp_sa_params pi =
			        params(&algs[a], true, esn, udp, 0);
			struct vpn_esp_sa *out[2], *in[2];
			struct vpn_esp_sad *sad[2];

			/* ESN runs start near the 2^32 boundary, so the high
			 * half is exercised. */
			if (esn)
				po.seq = pi.seq = 0xffffff00u;
			for (int e = 0; e < 2; e++) {
				out[e] = vpn_esp_sa_new(eng[e], &po);
				in[e] = vpn_esp_sa_new(eng[e], &pi);
				sad[e] = vpn_esp_sad_new(4);
				CU_ASSERT_PTR_NOT_NULL_FATAL(out[e]);
				CU_ASSERT_PTR_NOT_NULL_FATAL(in[e]);
				CU_ASSERT_EQUAL(vpn_esp_sad_add(sad[e], in[e]),
				                0);
			}
			for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]);
			     s++)
				for (size_t l = 0;
				     l < sizeof(aligns) / sizeof(aligns[0]);
				     l++) {
					struct rte_mbuf *orig =
					        inner(sizes[s], aligns[l],
					              (uint32_t)s);
					struct rte_mbuf *m[2] = {copy(orig),
					                         copy(orig)};
					uint8_t why = 0;

					for (int e = 0; e < 2; e++)
						CU_ASSERT_EQUAL(
						        vpn_esp_outbound(
						                w[e], out[e],
						                &m[e], 1, &why),
						        1);
					if (!same(m[0], m[1])) {
						fprintf(stderr,
						        "%s esn %d udp %d "
						        "size %u: engines "
						        "differ\n",
						        algs[a].name, esn, udp,
						        sizes[s]);
						CU_FAIL("engines differ");
					}
					/* Each engine decrypts the other's. */
					for (int e = 0; e < 2; e++) {
						struct rte_mbuf *x =
						        e ? m[0] : m[1];

						CU_ASSERT_EQUAL(
						        vpn_esp_inbound(
						                w[e], sad[e],
						                &x, 1, &why,
						                NULL),
						        1);
						if (!same(x, orig)) {
							fprintf(stderr,
							        "%s size %u: "
							        "round trip "
							        "differs "
							        "(%s)\n",
							        algs[a].name,
							        sizes[s],
							        vpn_esp_reason_name(
							                why));
							CU_FAIL("round trip");
						}
					}
					checked++;
					rte_pktmbuf_free(m[0]);
					rte_pktmbuf_free(m[1]);
					rte_pktmbuf_free(orig);
				}
			for (int e = 0; e < 2; e++) {
				vpn_esp_sa_free(out[e]);
				vpn_esp_sa_free(in[e]);
				vpn_esp_sad_free(sad[e]);
			}
		}
	CU_ASSERT_EQUAL(checked, NALGS * 4 * 26 * 5);
	for (int e = 0; e < 2; e++) {
		vpn_esp_worker_free(w[e]);
		vpn_crypto_close(eng[e]);
	}
}

/* The outer packet's format, byte by byte, for one known case. */
static void
test_format(void)
{
	struct vpn_crypto *eng = vpn_crypto_open(VPN_CRYPTO_IMB);
	struct vpn_esp_worker *w = vpn_esp_worker_new(eng, 0);
	struct vpn_esp_sa_params p = params(&algs[0], false, false, true, 6);
	struct vpn_esp_sa *sa = vpn_esp_sa_new(eng, &p);
	struct rte_mbuf *m = inner(13, 0, 1); /* 33 bytes inner */
	const uint8_t *o;

	CU_ASSERT_EQUAL_FATAL(vpn_esp_outbound(w, sa, &m, 1, NULL), 1);
	o = rte_pktmbuf_mtod(m, const uint8_t *);
	/* 20 IP + 8 UDP + 8 ESP + 8 IV + (33 + 1 pad + 2) + 16 ICV */
	CU_ASSERT_EQUAL(rte_pktmbuf_data_len(m), 96);
	CU_ASSERT_EQUAL(o[0], 0x45);
	CU_ASSERT_EQUAL(o[1], 0xb8); /* DSCP copied */
	CU_ASSERT_EQUAL((o[2] << 8) | o[3], 96);
	CU_ASSERT_EQUAL(o[6] & 0x40, 0x40); /* DF copied */
	CU_ASSERT_EQUAL(o[8], 64);
	CU_ASSERT_EQUAL(o[9], 17);
	CU_ASSERT_EQUAL(rte_raw_cksum(o, 20), 0xffff); /* checksum valid */
	CU_ASSERT_EQUAL(memcmp(o + 12, "\xcb\x00\x71\x01\xc0\x00\x02\x01", 8),
	                0);
	CU_ASSERT_EQUAL((o[20] << 8) | o[21], 4500);
	CU_ASSERT_EQUAL((o[22] << 8) | o[23], 4500);
	CU_ASSERT_EQUAL((o[24] << 8) | o[25], 76); /* UDP length */
	CU_ASSERT_EQUAL((o[26] << 8) | o[27], 0);  /* UDP checksum zero */
	CU_ASSERT_EQUAL(memcmp(o + 28, "\x00\x00\x10\x00", 4), 0); /* SPI */
	CU_ASSERT_EQUAL(memcmp(o + 32, "\x00\x00\x00\x07", 4), 0); /* seq 7 */
	/* IV = 64-bit sequence number */
	CU_ASSERT_EQUAL(memcmp(o + 36, "\x00\x00\x00\x00\x00\x00\x00\x07", 8),
	                0);
	CU_ASSERT_EQUAL(vpn_esp_sa_seq(sa), 7);
	CU_ASSERT_EQUAL(vpn_esp_sa_overhead(sa, 33), 96 - 33);
	CU_ASSERT_EQUAL(m->packet_type,
	                RTE_PTYPE_L3_IPV4 | RTE_PTYPE_TUNNEL_ESP);
	rte_pktmbuf_free(m);
	vpn_esp_sa_free(sa);
	vpn_esp_worker_free(w);
	vpn_crypto_close(eng);
}

/* ---- hostile input ---------------------------------------------------------
 */

struct hostile {
	struct vpn_crypto *eng;
	struct vpn_esp_worker *w;
	struct vpn_esp_sa *out, *in;
	struct vpn_esp_sad *sad;
	struct vpn_crypto_key *key; /* the inbound SA's key, for crafting */
	struct vpn_crypto_worker *cw;
};

static struct hostile H;

static void
hostile_setup(const struct alg *a, uint32_t window)
{
	struct vpn_esp_sa_params po = params(a, false, false, false, 0);
	struct vpn_esp_sa_params pi = params(a, true, false, false, 0);

	H.eng = vpn_crypto_open(VPN_CRYPTO_IMB);
	H.w = vpn_esp_worker_new(H.eng, 1);
	pi.replay_window = window;
	H.out = vpn_esp_sa_new(H.eng, &po);
	H.in = vpn_esp_sa_new(H.eng, &pi);
	H.sad = vpn_esp_sad_new(16);
	vpn_esp_sad_add(H.sad, H.in);
	H.key = vpn_crypto_key_new(H.eng,
	                           &(struct vpn_crypto_key_params){
	                                   .cipher = pi.cipher,
	                                   .cipher_key = pi.cipher_key,
	                                   .cipher_key_len = pi.cipher_key_len,
	                                   .auth = pi.auth,
	                                   .auth_key = pi.auth_key,
	                                   .auth_key_len = pi.auth_key_len,
	                                   .iv_key = pi.iv_key});
	H.cw = vpn_crypto_worker_new(H.eng);
}

static void
hostile_teardown(void)
{
	vpn_crypto_worker_free(H.cw);
	vpn_crypto_key_free(H.key);
	vpn_esp_sad_free(H.sad);
	vpn_esp_sa_free(H.in);
	vpn_esp_sa_free(H.out);
	vpn_esp_worker_free(H.w);
	vpn_crypto_close(H.eng);
	memset(&H, 0, sizeof(H));
}

/* A good ESP packet from the outbound SA. */
static struct rte_mbuf *
good(unsigned int payload)
{
	struct rte_mbuf *m = inner(payload, 0, 9);

	CU_ASSERT_EQUAL(vpn_esp_outbound(H.w, H.out, &m, 1, NULL), 1);
	return m;
}

/* Raw bytes as a packet. */
static struct rte_mbuf *
raw(const uint8_t *b, unsigned int len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_pool);

	memcpy(rte_pktmbuf_append(m, (uint16_t)len), b, len);
	return m;
}

/*
 * An authenticated GCM ESP packet (SPI 0x1000) whose plaintext (inner
 * packet, padding, pad length, next header) is exactly pt[0..ptlen).
 */
static struct rte_mbuf *
craft(uint32_t seq, const uint8_t *pt, unsigned int ptlen)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_pool);
	unsigned int len = 20 + 8 + 8 + ptlen + 16;
	uint8_t nonce[12], *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rte_pktmbuf_append(m, (uint16_t)len));
	p = rte_pktmbuf_mtod(m, uint8_t *);
	memset(p, 0, 36);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 50;
	memcpy(p + 20, "\x00\x00\x10\x00", 4);
	p[24] = (uint8_t)(seq >> 24);
	p[25] = (uint8_t)(seq >> 16);
	p[26] = (uint8_t)(seq >> 8);
	p[27] = (uint8_t)seq;
	memcpy(p + 28, p + 24, 4); /* IV: 0 | seq */
	memcpy(p + 36, pt, ptlen);
	memcpy(nonce, "\xca\xfe\xba\xbe", 4);
	memcpy(nonce + 4, p + 28, 8);
	struct vpn_crypto_op op = {.data = p + 36,
	                           .len = ptlen,
	                           .iv = nonce,
	                           .aad = p + 20,
	                           .aad_len = 8,
	                           .icv = p + 36 + ptlen};
	vpn_crypto_encrypt(H.cw, H.key, &op, 1);
	return m;
}

/* Run one packet inbound; returns its reason. */
static enum vpn_esp_reason
in1(struct rte_mbuf *m)
{
	uint8_t why = VPN_ESP_OK;
	uint16_t ok = vpn_esp_inbound(H.w, H.sad, &m, 1, &why, NULL);

	rte_pktmbuf_free(m);
	return ok == 1 ? VPN_ESP_OK : (enum vpn_esp_reason)why;
}

static uint64_t
wdrops(enum vpn_esp_reason r)
{
	struct vpn_esp_stats s;

	vpn_esp_worker_stats(H.w, &s);
	return s.drops[r];
}

#define EXPECT(reason, pkt)                                           \
	do {                                                          \
		uint64_t before_ = wdrops(reason);                    \
		enum vpn_esp_reason got_ = in1(pkt);                  \
		if (got_ != (reason))                                 \
			fprintf(stderr, "line %d: got %s, want %s\n", \
			        __LINE__, vpn_esp_reason_name(got_),  \
			        vpn_esp_reason_name(reason));         \
		CU_ASSERT_EQUAL(got_, reason);                        \
		if ((reason) != VPN_ESP_OK)                           \
			CU_ASSERT_EQUAL(wdrops(reason), before_ + 1); \
	} while (0)

static void
set16(struct rte_mbuf *m, unsigned int off, uint16_t v)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	p[off] = (uint8_t)(v >> 8);
	p[off + 1] = (uint8_t)v;
}

static void
test_hostile_outer(void)
{
	uint8_t b[64] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17};
	struct rte_mbuf *m;

	hostile_setup(&algs[0], 64);
	EXPECT(VPN_ESP_OK, good(100));
	EXPECT(VPN_ESP_TRUNCATED, raw(b, 19));
	m = good(100);
	rte_pktmbuf_mtod(m, uint8_t *)[0] = 0x65; /* version 6 */
	EXPECT(VPN_ESP_BAD_OUTER, m);
	m = good(100);
	rte_pktmbuf_mtod(m, uint8_t *)[0] = 0x44; /* IHL 16 bytes */
	EXPECT(VPN_ESP_BAD_OUTER, m);
	m = good(100);
	set16(m, 2, (uint16_t)(rte_pktmbuf_data_len(m) + 1)); /* too long */
	EXPECT(VPN_ESP_BAD_OUTER, m);
	m = good(100);
	set16(m, 2, 19); /* shorter than its header */
	EXPECT(VPN_ESP_BAD_OUTER, m);
	m = good(100);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	EXPECT(VPN_ESP_BAD_OUTER, m);
	m = good(100);
	set16(m, 6, 0x2000); /* MF */
	EXPECT(VPN_ESP_OUTER_FRAGMENT, m);
	m = good(100);
	set16(m, 6, 0x0010); /* offset */
	EXPECT(VPN_ESP_OUTER_FRAGMENT, m);
	m = good(100);
	rte_pktmbuf_mtod(m, uint8_t *)[9] = 6; /* TCP */
	EXPECT(VPN_ESP_NOT_ESP, m);

	/* UDP: wrong port, lying length, keepalive, IKE, truncated. */
	memcpy(b, "\x45\x00\x00\x24\x00\x00\x00\x00\x40\x11", 10);
	memcpy(b + 20, "\x11\x94\x01\xf4\x00\x10\x00\x00", 8); /* to 500 */
	EXPECT(VPN_ESP_NOT_ESP, raw(b, 36));
	memcpy(b + 20, "\x11\x94\x11\x94\x00\x11\x00\x00", 8); /* len 17 */
	EXPECT(VPN_ESP_BAD_OUTER, raw(b, 36));
	memcpy(b + 2, "\x00\x1d", 2);
	memcpy(b + 20, "\x11\x94\x11\x94\x00\x09\x00\x00\xff", 9);
	EXPECT(VPN_ESP_NATT_KEEPALIVE, raw(b, 29));
	memcpy(b + 2, "\x00\x24", 2);
	memcpy(b + 20, "\x11\x94\x11\x94\x00\x10\x00\x00", 8);
	memset(b + 28, 0, 8); /* non-ESP marker */
	EXPECT(VPN_ESP_NATT_IKE, raw(b, 36));
	memcpy(b + 2, "\x00\x18", 2); /* IP says 24: no room for UDP */
	EXPECT(VPN_ESP_TRUNCATED, raw(b, 24));
	/* ESP shorter than its header */
	memcpy(b, "\x45\x00\x00\x1b\x00\x00\x00\x00\x40\x32", 10);
	EXPECT(VPN_ESP_TRUNCATED, raw(b, 27));

	/* Link-layer padding after the IP packet is cut, not an error. */
	m = good(100);
	memset(rte_pktmbuf_append(m, 6), 0xee, 6);
	EXPECT(VPN_ESP_OK, m);
	/* Unusual but fine, past the one-look path: DF set; an outer
	 * header with options (IHL 6: three NOPs and an end of list). */
	m = good(100);
	set16(m, 6, 0x4000);
	EXPECT(VPN_ESP_OK, m);
	m = good(100);
	{
		uint8_t *h = (uint8_t *)rte_pktmbuf_prepend(m, 4);

		CU_ASSERT_PTR_NOT_NULL(h);
		if (h != NULL) {
			memmove(h, h + 4, 20);
			memcpy(h + 20, "\x01\x01\x01\x00", 4);
			h[0] = 0x46;
			set16(m, 2, (uint16_t)rte_pktmbuf_data_len(m));
		}
	}
	EXPECT(VPN_ESP_OK, m);

	/* A chained mbuf */
	m = good(100);
	struct rte_mbuf *seg = rte_pktmbuf_alloc(test_pool);
	CU_ASSERT_EQUAL(rte_pktmbuf_chain(m, seg), 0);
	EXPECT(VPN_ESP_CHAINED, m);
	hostile_teardown();
}

static void
test_hostile_esp(void)
{
	struct rte_mbuf *m;

	hostile_setup(&algs[0], 64);
	/* Unknown SPI, SPI 0 */
	m = good(100);
	rte_pktmbuf_mtod(m, uint8_t *)[23] = 0x01;
	EXPECT(VPN_ESP_UNKNOWN_SPI, m);
	m = good(100);
	memset(rte_pktmbuf_mtod(m, uint8_t *) + 20, 0, 4);
	EXPECT(VPN_ESP_UNKNOWN_SPI, m);
	/* Too short for IV + ICV + trailer; not whole words */
	m = good(100);
	rte_pktmbuf_trim(
	        m, (uint16_t)(rte_pktmbuf_data_len(m) - 20 - 8 - 8 - 16 - 1));
	set16(m, 2, (uint16_t)rte_pktmbuf_data_len(m));
	EXPECT(VPN_ESP_BAD_LENGTH, m);
	m = good(100);
	rte_pktmbuf_trim(m, 1);
	set16(m, 2, (uint16_t)rte_pktmbuf_data_len(m));
	EXPECT(VPN_ESP_BAD_LENGTH, m);
	/* Any flipped bit fails authentication: header, IV, payload, ICV */
	static const unsigned int flips[] = {24, 30, 40, 60, 100};
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		m = good(100);
		rte_pktmbuf_mtod(m, uint8_t *)[flips[i]] ^= 0x10;
		EXPECT(VPN_ESP_AUTH_FAILED, m);
	}
	m = good(100);
	rte_pktmbuf_mtod(m, uint8_t *)[rte_pktmbuf_data_len(m) - 1] ^= 1;
	EXPECT(VPN_ESP_AUTH_FAILED, m);

	/* Replay and too old (window 64) */
	m = good(100);
	struct rte_mbuf *dup = copy(m);
	EXPECT(VPN_ESP_OK, m);
	EXPECT(VPN_ESP_REPLAY, dup);
	EXPECT(VPN_ESP_TOO_OLD, craft(0, (const uint8_t *)"\x00\x00\x00\x00",
	                              4)); /* seq 0 is never valid */

	/* Authenticated, but the plaintext is wrong. */
	uint8_t pt[64];
	uint8_t ip[20] = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17};

	memcpy(pt, ip, 20);
	memcpy(pt + 20, "\x01\x02\x02\x04", 4);
	EXPECT(VPN_ESP_OK, craft(200, pt, 24)); /* 20 + pad 1,2 + 2 + 4 */
	memcpy(pt + 20, "\x01\x03\x02\x04", 4);
	EXPECT(VPN_ESP_BAD_PADDING, craft(201, pt, 24));
	memcpy(pt + 20, "\x01\x02\x20\x04", 4); /* pad length 32 > 22 */
	EXPECT(VPN_ESP_BAD_PADDING, craft(202, pt, 24));
	memcpy(pt + 20, "\x01\x02\x02\x3b", 4);
	EXPECT(VPN_ESP_DUMMY, craft(203, pt, 24));
	memcpy(pt + 20, "\x01\x02\x02\x11", 4);
	EXPECT(VPN_ESP_BAD_NEXT_HEADER, craft(204, pt, 24));
	EXPECT(VPN_ESP_EMPTY, craft(205, (const uint8_t *)"\x01\x02\x02\x04",
	                            4));        /* zero-length payload */
	memcpy(pt + 20, "\x01\x02\x02\x29", 4); /* says IPv6 */
	EXPECT(VPN_ESP_BAD_INNER, craft(206, pt, 24));
	pt[3] = 21; /* inner length 21 > 20 */
	memcpy(pt + 20, "\x01\x02\x02\x04", 4);
	EXPECT(VPN_ESP_BAD_INNER, craft(207, pt, 24));
	pt[3] = 16; /* shorter than its own header */
	EXPECT(VPN_ESP_BAD_INNER, craft(208, pt, 24));
	pt[3] = 20;
	pt[0] = 0x44; /* IHL 16 */
	EXPECT(VPN_ESP_BAD_INNER, craft(209, pt, 24));
	/* TFC padding after the inner packet is cut */
	pt[0] = 0x45;
	pt[3] = 16 + 4; /* 20 */
	memset(pt + 20, 0xaa, 8);
	memcpy(pt + 28, "\x01\x02\x02\x04", 4);
	m = craft(210, pt, 32);
	uint8_t why;
	CU_ASSERT_EQUAL(vpn_esp_inbound(H.w, H.sad, &m, 1, &why, NULL), 1);
	CU_ASSERT_EQUAL(rte_pktmbuf_data_len(m), 20);
	CU_ASSERT_EQUAL(m->packet_type, RTE_PTYPE_L3_IPV4);
	rte_pktmbuf_free(m);
	/* Too old: far behind the window */
	EXPECT(VPN_ESP_TOO_OLD, craft(100, pt, 32));

	/* The SA counted what it dropped after it was known. */
	struct vpn_esp_stats s;
	vpn_esp_sa_stats(H.in, &s);
	CU_ASSERT_EQUAL(s.drops[VPN_ESP_AUTH_FAILED], 6);
	CU_ASSERT_EQUAL(s.drops[VPN_ESP_REPLAY], 1);
	CU_ASSERT_EQUAL(s.drops[VPN_ESP_BAD_PADDING], 2);
	CU_ASSERT_EQUAL(s.drops[VPN_ESP_UNKNOWN_SPI], 0);
	CU_ASSERT_EQUAL(s.packets, 3);
	hostile_teardown();
}

/* Every pad length (0-255) is accepted when it is 1, 2, 3, ... and
 * refused with any one pad byte wrong: the word-wise check of up to 16
 * bytes and the byte loop beyond. */
static void
test_padding_lengths(void)
{
	static const uint8_t ip[20] = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17};
	uint8_t pt[20 + 3 + 255 + 2];
	uint32_t seq = 1;

	hostile_setup(&algs[0], 64);
	for (unsigned int pad = 0; pad < 256; pad++) {
		/* TFC bytes after the inner packet make the whole 4-byte
		 * aligned (GCM); they are cut with the padding. */
		unsigned int tfc = (4 - (22 + pad) % 4) % 4;
		unsigned int len = 20 + tfc + pad + 2;
		uint8_t *pp = pt + 20 + tfc;

		memcpy(pt, ip, 20);
		memset(pt + 20, 0xee, tfc);
		for (unsigned int j = 0; j < pad; j++)
			pp[j] = (uint8_t)(j + 1);
		pp[pad] = (uint8_t)pad;
		pp[pad + 1] = 4;
		EXPECT(VPN_ESP_OK, craft(seq++, pt, len));
		/* Each byte wrong in turn (every one up to 40, a few
		 * beyond). */
		for (unsigned int j = 0; j < pad; j++) {
			if (j >= 40 && j % 37 != 0 && j != pad - 1)
				continue;
			pp[j] ^= 0x80;
			EXPECT(VPN_ESP_BAD_PADDING, craft(seq++, pt, len));
			pp[j] ^= 0x80;
		}
	}
	hostile_teardown();
}

static void
test_hostile_outbound(void)
{
	uint8_t junk[40] = {0x55};
	struct rte_mbuf *m[4];
	uint8_t why[4];

	hostile_setup(&algs[2], 64);
	m[0] = raw(junk, 40); /* version 5 */
	m[1] = inner(10, 0, 1);
	m[2] = inner(100, 0, 2);
	rte_pktmbuf_append(m[2], (uint16_t)(rte_pktmbuf_tailroom(m[2]) - 10));
	m[3] = inner(10, 0, 3);
	CU_ASSERT_EQUAL(vpn_esp_outbound(H.w, H.out, m, 4, why), 2);
	CU_ASSERT_EQUAL(why[2], VPN_ESP_NOT_IP);
	CU_ASSERT_EQUAL(why[3], VPN_ESP_NO_ROOM);
	/* successes first, in order */
	CU_ASSERT_EQUAL(rte_pktmbuf_mtod(m[0], uint8_t *)[9], 50);
	for (int i = 0; i < 4; i++)
		rte_pktmbuf_free(m[i]);
	/* An empty packet goes out as a dummy (next header 59), which the
	 * peer authenticates and drops as such. */
	m[0] = rte_pktmbuf_alloc(test_pool);
	CU_ASSERT_EQUAL(vpn_esp_outbound(H.w, H.out, m, 1, why), 1);
	CU_ASSERT_EQUAL(rte_pktmbuf_mtod(m[0], uint8_t *)[9], 50);
	{
		struct vpn_esp_stats s0, s1;

		vpn_esp_sa_stats(H.in, &s0);
		CU_ASSERT_EQUAL(vpn_esp_inbound(H.w, H.sad, m, 1, why, NULL),
		                0);
		CU_ASSERT_EQUAL(why[0], VPN_ESP_DUMMY);
		vpn_esp_sa_stats(H.in, &s1);
		CU_ASSERT_EQUAL(s1.drops[VPN_ESP_DUMMY],
		                s0.drops[VPN_ESP_DUMMY] + 1);
		CU_ASSERT_EQUAL(vpn_esp_sa_seq(H.in), vpn_esp_sa_seq(H.out));
	}
	/* ... once: replayed, it is a replay. */
	rte_pktmbuf_free(m[0]);
	m[0] = rte_pktmbuf_alloc(test_pool);
	CU_ASSERT_EQUAL(vpn_esp_outbound(H.w, H.out, m, 1, why), 1);
	{
		struct rte_mbuf *copy =
		        rte_pktmbuf_copy(m[0], test_pool, 0, UINT32_MAX);

		CU_ASSERT_EQUAL(vpn_esp_inbound(H.w, H.sad, m, 1, why, NULL),
		                0);
		CU_ASSERT_EQUAL(why[0], VPN_ESP_DUMMY);
		CU_ASSERT_EQUAL(
		        vpn_esp_inbound(H.w, H.sad, &copy, 1, why, NULL), 0);
		CU_ASSERT_EQUAL(why[0], VPN_ESP_REPLAY);
		rte_pktmbuf_free(copy);
	}
	rte_pktmbuf_free(m[0]);
	/* An inbound SA can't send */
	m[0] = inner(10, 0, 1);
	CU_ASSERT_EQUAL(vpn_esp_outbound(H.w, H.in, m, 1, why), 0);
	CU_ASSERT_EQUAL(why[0], VPN_ESP_WRONG_DIRECTION);
	rte_pktmbuf_free(m[0]);
	hostile_teardown();
}

/* A burst mixing good and bad packets: the good ones come first, in
 * order, with their SAs; the bad ones follow with their reasons. */
static void
test_burst_order(void)
{
	enum { N = 150 };
	struct rte_mbuf *m[N];
	struct vpn_esp_sa *sas[N];
	uint8_t why[N];
	uint16_t ok;

	hostile_setup(&algs[0], 1024);
	for (int i = 0; i < N; i++) {
		m[i] = good(20 + i);
		if (i % 3 == 1)
			rte_pktmbuf_mtod(m[i], uint8_t *)[50] ^= 1;
	}
	ok = vpn_esp_inbound(H.w, H.sad, m, N, why, sas);
	CU_ASSERT_EQUAL(ok, 100);
	for (int i = 0; i < ok; i++) {
		int orig = i / 2 * 3 + (i % 2 ? 2 : 0); /* 0, 2, 3, 5, ... */
		CU_ASSERT_EQUAL(rte_pktmbuf_data_len(m[i]), 20 + 20 + orig);
		CU_ASSERT_PTR_EQUAL(sas[i], H.in);
	}
	for (int i = ok; i < N; i++)
		CU_ASSERT_EQUAL(why[i], VPN_ESP_AUTH_FAILED);
	for (int i = 0; i < N; i++)
		rte_pktmbuf_free(m[i]);
	hostile_teardown();
}

/* ---- bursts over many SAs ------------------------------------------------ */

/*
 * A burst spread over SAs of mixed transforms (runs of one SA, single
 * packets, a failure in between): vpn_esp_outbound_sas makes byte for
 * byte what vpn_esp_outbound makes SA by SA (twin SAs, same keys: CBC
 * IVs are derived from the sequence number), on both engines; the
 * inbound side, given all of it in one burst, accepts every packet once,
 * each with its SA, but one whose ICV was changed (in the GCM packets of
 * three SAs that are verified in one engine call), and the replayed
 * burst not at all but that one, genuine this time.
 */
static void
test_many_sas(void)
{
	enum { NSA = 12, N = 60 };
	/* transforms by index: GCM, CBC-SHA1, CBC-SHA256, CBC-SHA512; SA i
	 * has pick[i / 3 % 4] */
	static const unsigned int pick[] = {0, 2, 4, 8};

	for (int e = 0; e < 2; e++) {
		struct vpn_crypto *eng = vpn_crypto_open(
		        e == 0 ? VPN_CRYPTO_IMB : VPN_CRYPTO_OPENSSL);
		struct vpn_esp_worker *w = vpn_esp_worker_new(eng, 0);
		struct vpn_esp_sa *a[NSA], *b[NSA], *in[NSA], *sas[N];
		struct vpn_esp_sa *got[N];
		struct rte_mbuf *m[N], *ref[N];
		struct vpn_esp_sad *sad = vpn_esp_sad_new(64);
		uint8_t why[N];
		unsigned int sa_of[N], bad = 0;
		uint16_t ok;

		for (int i = 0; i < NSA; i++) {
			const struct alg *al = &algs[pick[(i / 3) % 4]];
			struct vpn_esp_sa_params po =
			        params(al, false, i % 5 == 1, i % 3 == 2, 0);
			struct vpn_esp_sa_params pi =
			        params(al, true, i % 5 == 1, i % 3 == 2, 0);

			po.spi = pi.spi = 0x3000 + (uint32_t)i;
			po.cipher_key[0] = pi.cipher_key[0] = (uint8_t)i;
			a[i] = vpn_esp_sa_new(eng, &po);
			b[i] = vpn_esp_sa_new(eng, &po);
			in[i] = vpn_esp_sa_new(eng, &pi);
			CU_ASSERT_PTR_NOT_NULL_FATAL(in[i]);
			CU_ASSERT_EQUAL(vpn_esp_sad_add(sad, in[i]), 0);
		}
		/* runs of 1..4 packets per SA, three SAs of each transform
		 * one after the other (one engine call for them), then
		 * around again in another order */
		for (int i = 0, r = 0; i < N; r++)
			for (int j = 0; j <= r % 4 && i < N; j++, i++)
				sa_of[i] =
				        r < NSA ? (unsigned int)r
				                : (unsigned int)(r * 7) % NSA;
		for (int i = 0; i < N; i++) {
			m[i] = inner((unsigned int)(i * 37) % 1400, 0,
			             (uint32_t)i);
			sas[i] = a[sa_of[i]];
		}
		rte_pktmbuf_free(m[17]); /* one that fails: chained */
		m[17] = inner(100, 0, 17);
		rte_pktmbuf_chain(m[17], inner(10, 0, 99));
		for (int i = 0; i < N; i++) {
			ref[i] = copy(m[i]);
			if (i != 17 && vpn_esp_outbound(w, b[sa_of[i]], &ref[i],
			                                1, why) != 1)
				bad++;
		}
		ok = vpn_esp_outbound_sas(w, sas, m, N, why);
		CU_ASSERT_EQUAL(bad, 0);
		CU_ASSERT_EQUAL(ok, N - 1);
		CU_ASSERT_EQUAL(why[N - 1], VPN_ESP_CHAINED);
		for (int i = 0, k = 0; i < N; i++) {
			if (i == 17)
				continue;
			if (!same(m[k], ref[i])) {
				fprintf(stderr,
				        "engine %d: packet %d differs\n", e, i);
				CU_FAIL("vpn_esp_outbound_sas differs");
			}
			k++;
		}
		/* all of them in one inbound burst (packet 4 changed),
		 * then again */
		CU_ASSERT_EQUAL(sa_of[4], 2); /* SAs 0-2: GCM, 6 packets */
		for (int round = 0; round < 2; round++) {
			struct rte_mbuf *c[N];

			for (int i = 0; i < ok; i++)
				c[i] = copy(m[i]);
			if (round == 0)
				rte_pktmbuf_mtod(
				        c[4],
				        uint8_t *)[rte_pktmbuf_data_len(c[4]) -
				                   1] ^= 1;
			uint16_t back =
			        vpn_esp_inbound(w, sad, c, ok, why, got);

			CU_ASSERT_EQUAL(back, round == 0 ? ok - 1 : 1);
			for (int i = 0, k = 0; round == 0 && i < back; k++) {
				if (k == 17 || k == 4)
					continue;
				CU_ASSERT_PTR_EQUAL(got[i], in[sa_of[k]]);
				i++;
			}
			if (round == 0)
				CU_ASSERT_EQUAL(why[ok - 1],
				                VPN_ESP_AUTH_FAILED);
			if (round == 1)
				CU_ASSERT_PTR_EQUAL(got[0], in[sa_of[4]]);
			for (int i = back; i < ok - (round == 0); i++)
				CU_ASSERT_EQUAL(why[i], VPN_ESP_REPLAY);
			for (int i = 0; i < ok; i++)
				rte_pktmbuf_free(c[i]);
		}
		for (int i = 0; i < N; i++) {
			rte_pktmbuf_free(m[i]);
			rte_pktmbuf_free(ref[i]);
		}
		for (int i = 0; i < NSA; i++) {
			vpn_esp_sa_free(a[i]);
			vpn_esp_sa_free(b[i]);
			vpn_esp_sa_free(in[i]);
		}
		vpn_esp_sad_free(sad);
		vpn_esp_worker_free(w);
		vpn_crypto_close(eng);
	}
}

/* ---- sequence numbers -----------------------------------------------------
 */

static void
test_seq_wrap(void)
{
	struct vpn_crypto *eng = vpn_crypto_open(VPN_CRYPTO_IMB);
	struct vpn_esp_worker *w = vpn_esp_worker_new(eng, 0);
	struct vpn_esp_sa_params p =
	        params(&algs[4], false, false, false, 0xfffffffdu);
	struct vpn_esp_sa *sa = vpn_esp_sa_new(eng, &p);
	struct rte_mbuf *m[5];
	uint8_t why[5];

	/* Without ESN: 2^32 - 1 is the last number; then the SA stops. */
	for (int i = 0; i < 5; i++)
		m[i] = inner(10, 0, (uint32_t)i);
	CU_ASSERT_EQUAL(vpn_esp_outbound(w, sa, m, 5, why), 2);
	CU_ASSERT_EQUAL(why[2], VPN_ESP_SEQ_OVERFLOW);
	CU_ASSERT_EQUAL(why[4], VPN_ESP_SEQ_OVERFLOW);
	CU_ASSERT_EQUAL(vpn_esp_sa_events(sa), VPN_ESP_EV_SEQ_OVERFLOW);
	CU_ASSERT_EQUAL(vpn_esp_sa_events(sa), 0); /* cleared */
	for (int i = 0; i < 5; i++)
		rte_pktmbuf_free(m[i]);
	vpn_esp_sa_free(sa);

	/* With ESN the numbers go on past 2^32, and the receiver infers
	 * the high half right (or the ICV would fail). */
	for (size_t a = 0; a < NALGS; a += 2) {
		struct vpn_esp_sa_params po =
		        params(&algs[a], false, true, false, 0xfffffff0u);
		struct vpn_esp_sa_params pi =
		        params(&algs[a], true, true, false, 0xffffffe0u);
		struct vpn_esp_sa *out = vpn_esp_sa_new(eng, &po);
		struct vpn_esp_sa *in = vpn_esp_sa_new(eng, &pi);
		struct vpn_esp_sad *sad = vpn_esp_sad_new(2);
		struct rte_mbuf *b[40];

		vpn_esp_sad_add(sad, in);
		for (int i = 0; i < 40; i++)
			b[i] = inner(50, 0, (uint32_t)i);
		CU_ASSERT_EQUAL(vpn_esp_outbound(w, out, b, 40, NULL), 40);
		CU_ASSERT_EQUAL(vpn_esp_sa_seq(out), 0x100000018ull);
		/* deliver with some reordering within the window */
		struct rte_mbuf *t = b[10];
		b[10] = b[20];
		b[20] = t;
		CU_ASSERT_EQUAL(vpn_esp_inbound(w, sad, b, 40, why, NULL), 40);
		CU_ASSERT_EQUAL(vpn_esp_sa_seq(in), 0x100000018ull);
		for (int i = 0; i < 40; i++)
			rte_pktmbuf_free(b[i]);
		vpn_esp_sa_free(out);
		vpn_esp_sa_free(in);
		vpn_esp_sad_free(sad);
	}
	vpn_esp_worker_free(w);
	vpn_crypto_close(eng);
}

static void
test_lifetimes(void)
{
	struct vpn_crypto *eng = vpn_crypto_open(VPN_CRYPTO_IMB);
	struct vpn_esp_worker *w = vpn_esp_worker_new(eng, 0);
	struct vpn_esp_sa_params p = params(&algs[0], false, false, false, 0);
	struct vpn_esp_sa *sa;
	struct rte_mbuf *m[8];
	uint8_t why[8];

	p.soft_packets = 3;
	p.hard_packets = 5;
	sa = vpn_esp_sa_new(eng, &p);
	for (int i = 0; i < 6; i++)
		m[i] = inner(10, 0, (uint32_t)i);
	CU_ASSERT_EQUAL(vpn_esp_outbound(w, sa, m, 6, why), 5);
	CU_ASSERT_EQUAL(why[5], VPN_ESP_SA_EXPIRED);
	CU_ASSERT_EQUAL(vpn_esp_sa_events(sa),
	                VPN_ESP_EV_SOFT | VPN_ESP_EV_HARD);
	for (int i = 0; i < 6; i++)
		rte_pktmbuf_free(m[i]);
	vpn_esp_sa_free(sa);

	p = params(&algs[0], false, false, false, 0);
	p.soft_bytes = 100;
	p.hard_bytes = 200;
	sa = vpn_esp_sa_new(eng, &p);
	for (int i = 0; i < 3; i++) {
		m[0] = inner(60, 0, 1); /* 80 bytes */
		vpn_esp_outbound(w, sa, m, 1, why);
		rte_pktmbuf_free(m[0]);
		if (i == 1)
			CU_ASSERT_EQUAL(vpn_esp_sa_events(sa), VPN_ESP_EV_SOFT);
	}
	m[0] = inner(60, 0, 1);
	CU_ASSERT_EQUAL(vpn_esp_outbound(w, sa, m, 1, why), 0);
	CU_ASSERT_EQUAL(why[0], VPN_ESP_SA_EXPIRED);
	CU_ASSERT_TRUE(vpn_esp_sa_events(sa) & VPN_ESP_EV_HARD);
	rte_pktmbuf_free(m[0]);
	vpn_esp_sa_free(sa);

	/* Bad parameters */
	p = params(&algs[0], false, false, false, 0);
	p.spi = 255;
	CU_ASSERT_PTR_NULL(vpn_esp_sa_new(eng, &p));
	p = params(&algs[0], false, false, false, 1ull << 32);
	CU_ASSERT_PTR_NULL(vpn_esp_sa_new(eng, &p));
	p = params(&algs[0], false, false, false, 0);
	p.replay_window = VPN_ESP_MAX_WINDOW + 1;
	CU_ASSERT_PTR_NULL(vpn_esp_sa_new(eng, &p));
	CU_ASSERT_PTR_NULL(vpn_esp_worker_new(eng, VPN_ESP_MAX_WORKERS));
	CU_ASSERT_STRING_EQUAL(vpn_esp_reason_name(VPN_ESP_REPLAY), "REPLAY");
	CU_ASSERT_STRING_EQUAL(vpn_esp_reason_name(VPN_ESP_REASON_MAX), "?");
	vpn_esp_worker_free(w);
	vpn_crypto_close(eng);
}

static void
test_replay_window(void)
{
	static const uint32_t windows[] = {64, 100, 1024, 2048, 4096};
	struct esp_replay *r = malloc(sizeof(*r));

	for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		uint32_t W = windows[i];

		esp_replay_init(r, W);
		CU_ASSERT_EQUAL(esp_replay_update(r, 0), VPN_ESP_TOO_OLD);
		/* in order */
		for (uint64_t s = 1; s <= 3 * W; s++)
			CU_ASSERT_EQUAL_FATAL(esp_replay_update(r, s),
			                      VPN_ESP_OK);
		/* each seen number, and only those, is a replay */
		for (uint64_t s = 2 * W + 1; s <= 3 * W; s++)
			CU_ASSERT_EQUAL_FATAL(esp_replay_check(r, s),
			                      VPN_ESP_REPLAY);
		CU_ASSERT_EQUAL(esp_replay_check(r, 2 * W), VPN_ESP_TOO_OLD);
		CU_ASSERT_EQUAL(esp_replay_check(r, 3 * W + 1), VPN_ESP_OK);
		/* a jump leaves a hole that can be filled once */
		CU_ASSERT_EQUAL(esp_replay_update(r, 3 * W + 10), VPN_ESP_OK);
		CU_ASSERT_EQUAL(esp_replay_update(r, 3 * W + 5), VPN_ESP_OK);
		CU_ASSERT_EQUAL(esp_replay_update(r, 3 * W + 5),
		                VPN_ESP_REPLAY);
		/* the oldest number still inside the window */
		uint64_t top = 3 * W + 10;
		CU_ASSERT_EQUAL(esp_replay_update(r, top - W + 1),
		                VPN_ESP_REPLAY); /* seen in order */
		CU_ASSERT_EQUAL(esp_replay_update(r, top - W), VPN_ESP_TOO_OLD);
		/* a jump far beyond the ring clears it all */
		CU_ASSERT_EQUAL(esp_replay_update(r, top + 100 * W),
		                VPN_ESP_OK);
		for (uint64_t s = top + 100 * W - W + 1; s < top + 100 * W; s++)
			CU_ASSERT_EQUAL_FATAL(esp_replay_check(r, s),
			                      VPN_ESP_OK);
		/* random order within the window, each accepted once */
		esp_replay_init(r, W);
		for (uint64_t base = 1; base < 20 * W; base += W / 2) {
			for (uint64_t k = 0; k < W / 2; k++) {
				uint64_t s = base + (k * 7919) % (W / 2);
				CU_ASSERT_EQUAL_FATAL(esp_replay_update(r, s),
				                      VPN_ESP_OK);
			}
		}
	}
	/* ESN inference (RFC 4303 A2.2) */
	uint64_t s;
	esp_replay_init(r, 64);
	r->top = 0x1fffffff0ull;
	CU_ASSERT_TRUE(esp_replay_infer(r, true, 0xfffffff5u, &s));
	CU_ASSERT_EQUAL(s, 0x1fffffff5ull);
	CU_ASSERT_TRUE(esp_replay_infer(r, true, 0x5, &s));
	CU_ASSERT_EQUAL(s, 0x200000005ull);
	r->top = 0x200000005ull;
	CU_ASSERT_TRUE(esp_replay_infer(r, true, 0xfffffff5u, &s));
	CU_ASSERT_EQUAL(s, 0x1fffffff5ull);
	CU_ASSERT_TRUE(esp_replay_infer(r, true, 0x6, &s));
	CU_ASSERT_EQUAL(s, 0x200000006ull);
	r->top = 5;
	CU_ASSERT_FALSE(esp_replay_infer(r, true, 0xfffffff5u, &s));
	CU_ASSERT_TRUE(esp_replay_infer(r, false, 0xfffffff5u, &s));
	CU_ASSERT_EQUAL(s, 0xfffffff5u);
	free(r);
}

static uint32_t
test_rand(void)
{
	return (uint32_t)rand() << 16 ^ (uint32_t)rand();
}

/* The caller's memory (vpn_crypto_set_mem): every SA and key comes from
 * it and goes back to it, on both engines, and the SAs work. */
static unsigned int mem_live, mem_allocs;

static void *
mem_count_alloc(size_t size)
{
	mem_live++;
	mem_allocs++;
	return aligned_alloc(64, (size + 63) & ~(size_t)63);
}

static void
mem_count_free(void *p)
{
	mem_live--;
	free(p);
}

static void
test_caller_memory(void)
{
	static const struct vpn_crypto_mem mem = {.alloc = mem_count_alloc,
	                                          .free = mem_count_free};

	for (int e = 0; e < 2; e++) {
		struct vpn_crypto *eng = vpn_crypto_open(
		        e == 0 ? VPN_CRYPTO_IMB : VPN_CRYPTO_OPENSSL);
		struct vpn_esp_worker *w = vpn_esp_worker_new(eng, 0);
		struct vpn_esp_sad *sad = vpn_esp_sad_new(4);
		struct vpn_esp_sa_params po, pi;
		struct vpn_esp_sa *out, *in;
		struct rte_mbuf *m = inner(200, 0, 1);
		uint8_t why[1];

		mem_live = mem_allocs = 0;
		vpn_crypto_set_mem(eng, &mem);
		po = params(&algs[e == 0 ? 0 : 2], false, false, false, 0);
		pi = params(&algs[e == 0 ? 0 : 2], true, false, false, 0);
		out = vpn_esp_sa_new(eng, &po);
		in = vpn_esp_sa_new(eng, &pi);
		CU_ASSERT_PTR_NOT_NULL_FATAL(out);
		CU_ASSERT_PTR_NOT_NULL_FATAL(in);
		CU_ASSERT_EQUAL(mem_allocs, 4); /* two SAs, two keys */
		CU_ASSERT_EQUAL(vpn_esp_sad_add(sad, in), 0);
		CU_ASSERT_EQUAL(vpn_esp_outbound(w, out, &m, 1, why), 1);
		CU_ASSERT_EQUAL(vpn_esp_inbound(w, sad, &m, 1, why, NULL), 1);
		rte_pktmbuf_free(m);
		vpn_esp_sa_free(out);
		vpn_esp_sa_free(in);
		CU_ASSERT_EQUAL(mem_live, 0);
		vpn_esp_sad_free(sad);
		vpn_esp_worker_free(w);
		vpn_crypto_close(eng);
	}
}

static void
test_sad(void)
{
	struct vpn_crypto *eng = vpn_crypto_open(VPN_CRYPTO_IMB);
	struct vpn_esp_sad *sad = vpn_esp_sad_new(100);
	struct vpn_esp_sa *sa[300];
	int added = 0;

	for (int i = 0; i < 300; i++) {
		struct vpn_esp_sa_params p =
		        params(&algs[0], true, false, false, 0);
		p.spi = 0x1000 + (uint32_t)i * 4096;
		sa[i] = vpn_esp_sa_new(eng, &p);
		if (vpn_esp_sad_add(sad, sa[i]) == 0)
			added++;
	}
	CU_ASSERT_TRUE(added >= 100); /* at least the capacity asked for */
	CU_ASSERT_TRUE(added < 300);  /* and then ENOSPC, not a hang */
	for (int i = 0; i < added; i++)
		CU_ASSERT_PTR_EQUAL(vpn_esp_sad_lookup(sad, sa[i]->spi), sa[i]);
	CU_ASSERT_EQUAL(vpn_esp_sad_add(sad, sa[0]), -EEXIST);
	CU_ASSERT_EQUAL(vpn_esp_sad_del(sad, sa[5]->spi), 0);
	CU_ASSERT_PTR_NULL(vpn_esp_sad_lookup(sad, sa[5]->spi));
	CU_ASSERT_PTR_EQUAL(vpn_esp_sad_lookup(sad, sa[6]->spi), sa[6]);
	CU_ASSERT_EQUAL(vpn_esp_sad_del(sad, sa[5]->spi), -ENOENT);
	CU_ASSERT_EQUAL(vpn_esp_sad_add(sad, sa[5]), 0); /* reuses its slot */
	CU_ASSERT_PTR_EQUAL(vpn_esp_sad_lookup(sad, sa[5]->spi), sa[5]);
	CU_ASSERT_PTR_NULL(vpn_esp_sad_lookup(sad, 0xdead));
	CU_ASSERT_PTR_NULL(vpn_esp_sad_new(0));
	for (int i = 0; i < 300; i++)
		vpn_esp_sa_free(sa[i]);
	vpn_esp_sad_free(sad);

	/* SAs coming and going with new SPIs (rekeys) reuse the deleted
	 * slots: a small table never fills; survivors stay found. */
	sad = vpn_esp_sad_new(4);
	{
		struct vpn_esp_sa_params p =
		        params(&algs[0], true, false, false, 0);
		struct vpn_esp_sa *keep;
		int fails = 0;

		p.spi = 0x777;
		keep = vpn_esp_sa_new(eng, &p);
		CU_ASSERT_EQUAL(vpn_esp_sad_add(sad, keep), 0);
		for (uint32_t i = 0; i < 3000; i++) {
			struct vpn_esp_sa *x;

			p.spi = vpn_esp_sad_spi_alloc(sad, test_rand);
			x = vpn_esp_sa_new(eng, &p);
			fails += vpn_esp_sad_add(sad, x) != 0;
			fails += vpn_esp_sad_lookup(sad, p.spi) != x;
			fails += vpn_esp_sad_lookup(sad, 0x777) != keep;
			fails += vpn_esp_sad_del(sad, p.spi) != 0;
			fails += vpn_esp_sad_lookup(sad, p.spi) != NULL;
			vpn_esp_sa_free(x);
		}
		CU_ASSERT_EQUAL(fails, 0);
		vpn_esp_sa_free(keep);
	}
	vpn_esp_sad_free(sad);
	vpn_crypto_close(eng);
}

/* ---- several workers on one SA --------------------------------------------
 */

enum { MT_WORKERS = 2, MT_PER_WORKER = 20000, MT_BURST = 32 };

struct mt_job {
	struct vpn_crypto *eng;
	struct vpn_esp_sa *sa;
	struct vpn_esp_sad *sad;
	unsigned int id;
	/* A pool of the thread's own: DPDK's shared rings assume threads
	 * that are not preempted, as lcores are and test threads are not. */
	struct rte_mempool *pool;
	struct rte_mbuf **pkts; /* inbound: the packets to decrypt */
	unsigned int n;
	uint64_t *seqs;    /* outbound: numbers seen */
	uint8_t *accepted; /* inbound: per original index */
};

static void *
mt_outbound(void *arg)
{
	struct mt_job *j = arg;
	struct vpn_esp_worker *w = vpn_esp_worker_new(j->eng, j->id);

	for (unsigned int done = 0; done < MT_PER_WORKER; done += MT_BURST) {
		struct rte_mbuf *m[MT_BURST];

		for (int i = 0; i < MT_BURST; i++)
			m[i] = inner_from(j->pool, 16, 0, 0);
		if (vpn_esp_outbound(w, j->sa, m, MT_BURST, NULL) != MT_BURST)
			abort();
		for (int i = 0; i < MT_BURST; i++) {
			const uint8_t *p = rte_pktmbuf_mtod(m[i], uint8_t *);

			/* IPv4 20 + UDP 8 + SPI 4: the sequence number */
			j->seqs[done + i] = (uint64_t)p[32] << 24 |
			                    (uint64_t)p[33] << 16 |
			                    (uint64_t)p[34] << 8 | p[35];
			rte_pktmbuf_free(m[i]);
		}
	}
	vpn_esp_worker_free(w);
	return NULL;
}

static void *
mt_inbound(void *arg)
{
	struct mt_job *j = arg;
	struct vpn_esp_worker *w = vpn_esp_worker_new(j->eng, j->id);

	for (unsigned int done = 0; done < j->n; done += MT_BURST) {
		struct rte_mbuf **m = j->pkts + done;
		uint16_t ok =
		        vpn_esp_inbound(w, j->sad, m, MT_BURST, NULL, NULL);

		for (int i = 0; i < ok; i++) {
			uint32_t id;

			memcpy(&id, rte_pktmbuf_mtod(m[i], uint8_t *) + 20, 4);
			__atomic_fetch_add(&j->accepted[id], 1,
			                   __ATOMIC_RELAXED);
		}
	}
	vpn_esp_worker_free(w);
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
test_multi_worker(void)
{
	enum { TOTAL = MT_WORKERS * MT_PER_WORKER };
	struct vpn_crypto *eng = vpn_crypto_open(VPN_CRYPTO_IMB);
	struct vpn_esp_sa_params po = params(&algs[0], false, false, true, 0);
	struct vpn_esp_sa_params pi = params(&algs[0], true, false, true, 0);
	struct vpn_esp_sa *out = vpn_esp_sa_new(eng, &po);
	struct vpn_esp_sa *in;
	struct vpn_esp_sad *sad = vpn_esp_sad_new(2);
	uint64_t *seqs = calloc(TOTAL, sizeof(*seqs));
	uint8_t *accepted = calloc(TOTAL, 1);
	struct mt_job jobs[MT_WORKERS];
	pthread_t th[MT_WORKERS];
	struct vpn_esp_stats s;
	unsigned int dup = 0, got = 0;

	/* Outbound: every worker takes numbers from one SA at once. */
	for (unsigned int i = 0; i < MT_WORKERS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "mt%u", i);
		jobs[i] = (struct mt_job){
		        .eng = eng,
		        .sa = out,
		        .id = i,
		        .seqs = seqs + i * MT_PER_WORKER,
		        .pool = rte_pktmbuf_pool_create_by_ops(
		                name, 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
		                SOCKET_ID_ANY, "ring_sp_sc")};
		CU_ASSERT_PTR_NOT_NULL_FATAL(jobs[i].pool);
		pthread_create(&th[i], NULL, mt_outbound, &jobs[i]);
	}
	for (unsigned int i = 0; i < MT_WORKERS; i++) {
		pthread_join(th[i], NULL);
		rte_mempool_free(jobs[i].pool);
	}
	qsort(seqs, TOTAL, sizeof(*seqs), cmp_u64);
	for (unsigned int i = 0; i < TOTAL; i++)
		dup += seqs[i] != i + 1; /* exactly 1..TOTAL, once each */
	CU_ASSERT_EQUAL(dup, 0);
	CU_ASSERT_EQUAL(vpn_esp_sa_seq(out), TOTAL);
	vpn_esp_sa_stats(out, &s);
	CU_ASSERT_EQUAL(s.packets, TOTAL);

	/* Inbound: both workers get every packet of one SA (copies); each
	 * number must be accepted at most once in all. */
	pi.replay_window = VPN_ESP_MAX_WINDOW;
	in = vpn_esp_sa_new(eng, &pi);
	vpn_esp_sad_add(sad, in);
	vpn_esp_sa_free(out);
	po = params(&algs[0], false, false, true, 0);
	out = vpn_esp_sa_new(eng, &po);
	struct vpn_esp_worker *w = vpn_esp_worker_new(eng, 15);
	struct rte_mbuf **pk[MT_WORKERS];
	enum { NIN = 8192 };
	for (unsigned int t = 0; t < MT_WORKERS; t++)
		pk[t] = calloc(NIN, sizeof(*pk[t]));
	for (unsigned int i = 0; i < NIN; i++) {
		struct rte_mbuf *m = inner(16, 0, i);

		vpn_esp_outbound(w, out, &m, 1, NULL);
		pk[0][i] = m;
		for (unsigned int t = 1; t < MT_WORKERS; t++)
			pk[t][i] = copy(m);
	}
	for (unsigned int i = 0; i < MT_WORKERS; i++) {
		jobs[i] = (struct mt_job){.eng = eng,
		                          .sad = sad,
		                          .id = i,
		                          .pkts = pk[i],
		                          .n = NIN,
		                          .accepted = accepted};
		pthread_create(&th[i], NULL, mt_inbound, &jobs[i]);
	}
	for (unsigned int i = 0; i < MT_WORKERS; i++)
		pthread_join(th[i], NULL);
	dup = 0;
	for (unsigned int i = 0; i < NIN; i++) {
		dup += accepted[i] > 1;
		got += accepted[i] == 1;
	}
	CU_ASSERT_EQUAL(dup, 0);
	vpn_esp_sa_stats(in, &s);
	CU_ASSERT_EQUAL(s.packets, got);
	CU_ASSERT_EQUAL(s.packets + s.drops[VPN_ESP_REPLAY] +
	                        s.drops[VPN_ESP_TOO_OLD],
	                (uint64_t)NIN * MT_WORKERS);
	/* In-order arrival on both: every number gets in once. */
	CU_ASSERT_EQUAL(got, NIN);
	printf("\n    multi-worker: %u accepted once, %llu replays, %llu too "
	       "old\n",
	       got, (unsigned long long)s.drops[VPN_ESP_REPLAY],
	       (unsigned long long)s.drops[VPN_ESP_TOO_OLD]);
	for (unsigned int t = 0; t < MT_WORKERS; t++) {
		for (unsigned int i = 0; i < NIN; i++)
			rte_pktmbuf_free(pk[t][i]);
		free(pk[t]);
	}
	vpn_esp_worker_free(w);
	vpn_esp_sa_free(out);
	vpn_esp_sa_free(in);
	vpn_esp_sad_free(sad);
	free(seqs);
	free(accepted);
	vpn_crypto_close(eng);
}

void register_esp_tests(void);

void
register_esp_tests(void)
{
	CU_pSuite s = CU_add_suite("esp", NULL, NULL);

	algs = vpn_crypto_alg_at(0);
	while (vpn_crypto_alg_at(NALGS) != NULL)
		NALGS++;

	CU_add_test(s, "engines agree and interoperate", test_cross_engine);
	CU_add_test(s, "packet format", test_format);
	CU_add_test(s, "hostile outer headers", test_hostile_outer);
	CU_add_test(s, "hostile ESP", test_hostile_esp);
	CU_add_test(s, "padding of every length", test_padding_lengths);
	CU_add_test(s, "hostile outbound", test_hostile_outbound);
	CU_add_test(s, "burst order", test_burst_order);
	CU_add_test(s, "bursts over many SAs", test_many_sas);
	CU_add_test(s, "sequence wrap and ESN", test_seq_wrap);
	CU_add_test(s, "lifetimes", test_lifetimes);
	CU_add_test(s, "replay window", test_replay_window);
	CU_add_test(s, "SAD", test_sad);
	CU_add_test(s, "SAs in the caller's memory", test_caller_memory);
	CU_add_test(s, "several workers on one SA", test_multi_worker);
}
