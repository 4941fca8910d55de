/* SPDX-License-Identifier: BSD-3-Clause */
/* IKEv2 message codec: round trips, and every lie a peer can tell. */
#include <string.h>

#include <CUnit/CUnit.h>

#include "vpn_ike.h"

static const struct ike_hdr HDR = {
        .spi_i = 0x0123456789abcdefull,
        .spi_r = 0,
        .version = 0x20,
        .exchange = IKE_SA_INIT,
        .flags = IKE_FLAG_INITIATOR,
        .msg_id = 0,
};

/* Two proposals as AWS would offer: AES-GCM-16-128 + PRF-SHA256 + DH19,
 * and AES-CBC-256 + SHA1 + PRF-SHA1 + DH14. */
static void
proposals(struct ike_proposal p[2])
{
	memset(p, 0, 2 * sizeof(*p));
	p[0].protocol = IKE_PROTO_IKE;
	p[0].n = 3;
	p[0].t[0] = (struct ike_transform){IKE_TT_ENCR, 20, 128};
	p[0].t[1] = (struct ike_transform){IKE_TT_PRF, 5, 0};
	p[0].t[2] = (struct ike_transform){IKE_TT_DH, 19, 0};
	p[1].protocol = IKE_PROTO_IKE;
	p[1].n = 4;
	p[1].t[0] = (struct ike_transform){IKE_TT_ENCR, 12, 256};
	p[1].t[1] = (struct ike_transform){IKE_TT_INTEG, 2, 0};
	p[1].t[2] = (struct ike_transform){IKE_TT_PRF, 2, 0};
	p[1].t[3] = (struct ike_transform){IKE_TT_DH, 14, 0};
}

/* An IKE_SA_INIT request: SA, KE, Nonce, Notify. */
static size_t
sa_init(uint8_t *buf, size_t cap)
{
	struct ike_proposal p[2];
	struct ike_writer w;
	uint8_t ke[4 + 64] = {0, 19, 0, 0}, nonce[32], notify[4 + 20] = {0};

	proposals(p);
	memset(ke + 4, 0xab, 64);
	memset(nonce, 0x5a, sizeof(nonce));
	notify[2] = 0x40; /* NAT_DETECTION_SOURCE_IP, 16388 */
	notify[3] = 0x04;
	vpn_ike_begin(&w, buf, cap, &HDR);
	vpn_ike_add_sa(&w, p, 2);
	vpn_ike_add(&w, IKE_PT_KE, false, ke, sizeof(ke));
	vpn_ike_add(&w, IKE_PT_NONCE, false, nonce, sizeof(nonce));
	vpn_ike_add(&w, IKE_PT_NOTIFY, false, notify, sizeof(notify));
	return vpn_ike_finish(&w);
}

/* strongSwan's `proposals = default` is one proposal of 38 transforms
 * (13 encryption, 4 integrity, 4 PRF, 17 groups): all of it read. */
static void
test_many_transforms(void)
{
	static struct ike_proposal p[1], got[2];
	static uint8_t buf[2048];
	struct ike_payload pl[4];
	struct ike_writer w;
	unsigned int n, np;
	uint8_t bad;

	memset(p, 0, sizeof(p));
	p[0].protocol = IKE_PROTO_IKE;
	for (unsigned int i = 0; i < 40; i++)
		p[0].t[p[0].n++] = (struct ike_transform){
		        i < 13   ? IKE_TT_ENCR
		        : i < 17 ? IKE_TT_INTEG
		        : i < 21 ? IKE_TT_PRF
		                 : IKE_TT_DH,
		        (uint16_t)(i + 1), i < 13 ? 128 : 0};
	vpn_ike_begin(&w, buf, sizeof(buf), &HDR);
	vpn_ike_add_sa(&w, p, 1);
	CU_ASSERT_FATAL(vpn_ike_finish(&w) > 0);
	CU_ASSERT_EQUAL_FATAL(vpn_ike_payloads(buf + IKE_HDR_LEN,
	                                       w.len - IKE_HDR_LEN, IKE_PT_SA,
	                                       pl, 4, &np, &bad),
	                      IKE_ERR_OK);
	CU_ASSERT_EQUAL(vpn_ike_sa_parse(pl[0].body, pl[0].len, got, 2, &n),
	                IKE_ERR_OK);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(got[0].n, 40);
	CU_ASSERT_EQUAL(got[0].t[39].id, 40);
}

static void
test_round_trip(void)
{
	uint8_t buf[1024];
	size_t len = sa_init(buf, sizeof(buf));
	struct ike_payload pl[8];
	struct ike_proposal got[4], want[2];
	const struct ike_payload *sa;
	struct ike_hdr h;
	unsigned int n;
	uint8_t bad;

	CU_ASSERT_FATAL(len > IKE_HDR_LEN);
	CU_ASSERT_EQUAL(vpn_ike_hdr_parse(buf, len, &h), IKE_ERR_OK);
	CU_ASSERT_EQUAL(h.spi_i, HDR.spi_i);
	CU_ASSERT_EQUAL(h.exchange, IKE_SA_INIT);
	CU_ASSERT_EQUAL(h.flags, IKE_FLAG_INITIATOR);
	CU_ASSERT_EQUAL(h.next, IKE_PT_SA);
	CU_ASSERT_EQUAL(h.length, len);
	CU_ASSERT_EQUAL(vpn_ike_payloads(buf + IKE_HDR_LEN, len - IKE_HDR_LEN,
	                                 h.next, pl, 8, &n, &bad),
	                IKE_ERR_OK);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_EQUAL(pl[0].type, IKE_PT_SA);
	CU_ASSERT_EQUAL(pl[1].type, IKE_PT_KE);
	CU_ASSERT_EQUAL(pl[1].len, 68);
	CU_ASSERT_EQUAL(pl[2].type, IKE_PT_NONCE);
	CU_ASSERT_EQUAL(pl[2].len, 32);
	CU_ASSERT_EQUAL(pl[3].type, IKE_PT_NOTIFY);
	sa = vpn_ike_find(pl, n, IKE_PT_SA);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	CU_ASSERT_PTR_NULL(vpn_ike_find(pl, n, IKE_PT_AUTH));
	CU_ASSERT_EQUAL(vpn_ike_sa_parse(sa->body, sa->len, got, 4, &n),
	                IKE_ERR_OK);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	proposals(want);
	for (unsigned int i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(got[i].num, i + 1);
		CU_ASSERT_EQUAL(got[i].protocol, IKE_PROTO_IKE);
		CU_ASSERT_EQUAL_FATAL(got[i].n, want[i].n);
		for (unsigned int k = 0; k < want[i].n; k++) {
			CU_ASSERT_EQUAL(got[i].t[k].type, want[i].t[k].type);
			CU_ASSERT_EQUAL(got[i].t[k].id, want[i].t[k].id);
			CU_ASSERT_EQUAL(got[i].t[k].key_bits,
			                want[i].t[k].key_bits);
		}
	}
}

/* The SA payload's bytes as RFC 7296 3.3 lays them out, by hand: one ESP
 * proposal, SPI 0x11223344, ENCR_AES_GCM_16 key 256, ESN none. */
static void
test_sa_bytes(void)
{
	static const uint8_t sa[] = {
	        /* last proposal, 32 B, #1, ESP, 4-byte SPI, 2 transforms */
	        0, 0, 0, 32, 1, 3, 4, 2, 0x11, 0x22, 0x33, 0x44,
	        /* transform: more, length 12, ENCR 20, Key Length 256 */
	        3, 0, 0, 12, 1, 0, 0, 20, 0x80, 14, 0x01, 0x00,
	        /* transform: last, length 8, ESN 0 */
	        0, 0, 0, 8, 5, 0, 0, 0};
	uint8_t longer[sizeof(sa) + 2] = {0};
	struct ike_proposal p;
	unsigned int n;

	memcpy(longer, sa, sizeof(sa)); /* 2 bytes past its length */
	CU_ASSERT_EQUAL(vpn_ike_sa_parse(longer, sizeof(longer), &p, 1, &n),
	                IKE_ERR_BAD_PROPOSAL);
	CU_ASSERT_EQUAL_FATAL(vpn_ike_sa_parse(sa, sizeof(sa), &p, 1, &n),
	                      IKE_ERR_OK);
	CU_ASSERT_EQUAL(p.protocol, IKE_PROTO_ESP);
	CU_ASSERT_EQUAL(p.spi_len, 4);
	CU_ASSERT_EQUAL(memcmp(p.spi, "\x11\x22\x33\x44", 4), 0);
	CU_ASSERT_EQUAL(p.n, 2);
	CU_ASSERT_EQUAL(p.t[0].id, 20);
	CU_ASSERT_EQUAL(p.t[0].key_bits, 256);
	CU_ASSERT_EQUAL(p.t[1].type, IKE_TT_ESN);
}

static void
test_hostile_header(void)
{
	uint8_t buf[1024];
	size_t len = sa_init(buf, sizeof(buf));
	struct ike_hdr h;

	for (size_t l = 0; l < IKE_HDR_LEN; l++)
		CU_ASSERT_EQUAL(vpn_ike_hdr_parse(buf, l, &h), IKE_ERR_SHORT);
	/* Every truncation: the length field no longer matches. */
	for (size_t l = IKE_HDR_LEN; l < len; l++)
		CU_ASSERT_EQUAL(vpn_ike_hdr_parse(buf, l, &h),
		                IKE_ERR_BAD_LENGTH);
	buf[17] = 0x30; /* IKEv3 */
	CU_ASSERT_EQUAL(vpn_ike_hdr_parse(buf, len, &h), IKE_ERR_BAD_VERSION);
	buf[17] = 0x10; /* IKEv1 */
	CU_ASSERT_EQUAL(vpn_ike_hdr_parse(buf, len, &h), IKE_ERR_BAD_VERSION);
}

static void
test_hostile_payloads(void)
{
	uint8_t buf[1024], copy[1024];
	size_t len = sa_init(buf, sizeof(buf)), body = len - IKE_HDR_LEN;
	struct ike_payload pl[8];
	unsigned int n;
	uint8_t bad = 0;

	/* Every value of every payload length byte: a clean error or the
	 * right answer, never a read outside the buffer (ASan watches). */
	for (size_t off = 0; off + 4 <= body;) {
		uint16_t plen = (uint16_t)(buf[IKE_HDR_LEN + off + 2] << 8 |
		                           buf[IKE_HDR_LEN + off + 3]);

		for (int b = 2; b < 4; b++)
			for (int v = 0; v < 256; v++) {
				enum ike_err e;

				memcpy(copy, buf, len);
				copy[IKE_HDR_LEN + off + b] = (uint8_t)v;
				e = vpn_ike_payloads(copy + IKE_HDR_LEN, body,
				                     IKE_PT_SA, pl, 8, &n,
				                     &bad);
				CU_ASSERT(e == IKE_ERR_OK ||
				          e == IKE_ERR_BAD_LENGTH);
			}
		off += plen;
	}
	/* Cut short anywhere: an error. */
	for (size_t l = 0; l < body; l++)
		CU_ASSERT_NOT_EQUAL(vpn_ike_payloads(buf + IKE_HDR_LEN, l,
		                                     IKE_PT_SA, pl, 8, &n,
		                                     &bad),
		                    IKE_ERR_OK);
	/* Room for fewer payloads than there are. */
	CU_ASSERT_EQUAL(vpn_ike_payloads(buf + IKE_HDR_LEN, body, IKE_PT_SA, pl,
	                                 3, &n, &bad),
	                IKE_ERR_TOO_MANY);
}

static void
test_unknown_and_sk(void)
{
	uint8_t buf[256], body[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct ike_payload pl[8];
	struct ike_writer w;
	unsigned int n;
	uint8_t bad = 0;
	size_t len;

	/* An unknown payload is skipped; marked critical, it is refused. */
	vpn_ike_begin(&w, buf, sizeof(buf), &HDR);
	vpn_ike_add(&w, 200, false, body, 8);
	vpn_ike_add(&w, IKE_PT_NONCE, false, body, 8);
	len = vpn_ike_finish(&w);
	CU_ASSERT_EQUAL(vpn_ike_payloads(buf + IKE_HDR_LEN, len - IKE_HDR_LEN,
	                                 200, pl, 8, &n, &bad),
	                IKE_ERR_OK);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(pl[0].type, IKE_PT_NONCE);
	vpn_ike_begin(&w, buf, sizeof(buf), &HDR);
	vpn_ike_add(&w, 200, true, body, 8);
	len = vpn_ike_finish(&w);
	CU_ASSERT_EQUAL(vpn_ike_payloads(buf + IKE_HDR_LEN, len - IKE_HDR_LEN,
	                                 200, pl, 8, &n, &bad),
	                IKE_ERR_UNSUPPORTED_CRITICAL);
	CU_ASSERT_EQUAL(bad, 200);

	/* SK ends the chain: its next field names what is inside it. */
	vpn_ike_begin(&w, buf, sizeof(buf), &HDR);
	vpn_ike_add(&w, IKE_PT_SK, false, body, 8);
	len = vpn_ike_finish(&w);
	buf[IKE_HDR_LEN] = IKE_PT_IDI;
	CU_ASSERT_EQUAL(vpn_ike_payloads(buf + IKE_HDR_LEN, len - IKE_HDR_LEN,
	                                 IKE_PT_SK, pl, 8, &n, &bad),
	                IKE_ERR_OK);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(pl[0].next, IKE_PT_IDI);
	vpn_ike_begin(&w, buf, sizeof(buf), &HDR);
	vpn_ike_add(&w, IKE_PT_SK, false, body, 8);
	vpn_ike_add(&w, IKE_PT_NONCE, false, body, 8);
	len = vpn_ike_finish(&w);
	CU_ASSERT_EQUAL(vpn_ike_payloads(buf + IKE_HDR_LEN, len - IKE_HDR_LEN,
	                                 IKE_PT_SK, pl, 8, &n, &bad),
	                IKE_ERR_AFTER_SK);
}

static void
test_hostile_sa(void)
{
	uint8_t buf[1024];
	size_t len = sa_init(buf, sizeof(buf));
	struct ike_payload pl[8];
	struct ike_proposal p[4];
	uint8_t sa[512], bad;
	unsigned int n;

	CU_ASSERT_EQUAL_FATAL(vpn_ike_payloads(buf + IKE_HDR_LEN,
	                                       len - IKE_HDR_LEN, IKE_PT_SA, pl,
	                                       8, &n, &bad),
	                      IKE_ERR_OK);
	CU_ASSERT_FATAL(pl[0].len <= sizeof(sa));
	/* Every byte of the SA body set to every value: parsed or refused,
	 * never read past. */
	for (unsigned int i = 0; i < pl[0].len; i++)
		for (int v = 0; v < 256; v++) {
			memcpy(sa, pl[0].body, pl[0].len);
			sa[i] = (uint8_t)v;
			(void)vpn_ike_sa_parse(sa, pl[0].len, p, 4, &n);
		}
	memcpy(sa, pl[0].body, pl[0].len);
	sa[4] = 0; /* a proposal numbered 0 */
	CU_ASSERT_EQUAL(vpn_ike_sa_parse(sa, pl[0].len, p, 4, &n),
	                IKE_ERR_BAD_PROPOSAL);
	memcpy(sa, pl[0].body, pl[0].len);
	sa[4] = 2; /* the first numbered like the second: not upwards */
	CU_ASSERT_EQUAL(vpn_ike_sa_parse(sa, pl[0].len, p, 4, &n),
	                IKE_ERR_BAD_PROPOSAL);
	/* One proposal numbered 2 alone: a response accepting the second. */
	{
		size_t first = (size_t)(sa[2] << 8 | sa[3]);

		memcpy(sa, pl[0].body + first, pl[0].len - first);
		CU_ASSERT_EQUAL(
		        vpn_ike_sa_parse(sa, pl[0].len - first, p, 4, &n),
		        IKE_ERR_OK);
		CU_ASSERT_EQUAL(n, 1);
		CU_ASSERT_EQUAL(p[0].num, 2);
	}
	memcpy(sa, pl[0].body, pl[0].len);
	sa[8] = 0; /* the first transform claims to be the last */
	CU_ASSERT_EQUAL(vpn_ike_sa_parse(sa, pl[0].len, p, 4, &n),
	                IKE_ERR_BAD_TRANSFORM);
	memcpy(sa, pl[0].body, pl[0].len);
	sa[16] = 0x00; /* Key Length in TLV form */
	CU_ASSERT_EQUAL(vpn_ike_sa_parse(sa, pl[0].len, p, 4, &n),
	                IKE_ERR_BAD_TRANSFORM);
	CU_ASSERT_EQUAL(vpn_ike_sa_parse(pl[0].body, pl[0].len, p, 1, &n),
	                IKE_ERR_TOO_MANY);
	CU_ASSERT_EQUAL(vpn_ike_sa_parse(pl[0].body, 0, p, 4, &n),
	                IKE_ERR_BAD_PROPOSAL);
}

static void
test_writer_bounds(void)
{
	uint8_t buf[64], big[100] = {0};
	struct ike_writer w;

	vpn_ike_begin(&w, buf, 20, &HDR);
	CU_ASSERT_EQUAL(w.err, IKE_ERR_NO_ROOM);
	CU_ASSERT_EQUAL(vpn_ike_finish(&w), 0);
	vpn_ike_begin(&w, buf, sizeof(buf), &HDR);
	vpn_ike_add(&w, IKE_PT_NONCE, false, big, sizeof(big));
	CU_ASSERT_EQUAL(w.err, IKE_ERR_NO_ROOM);
	vpn_ike_add(&w, IKE_PT_NONCE, false, big, 4); /* ignored after */
	CU_ASSERT_EQUAL(vpn_ike_finish(&w), 0);
	vpn_ike_begin(&w, buf, sizeof(buf), &HDR);
	vpn_ike_add(&w, IKE_PT_NONCE, false, big, 32);
	CU_ASSERT_EQUAL(vpn_ike_finish(&w), IKE_HDR_LEN + 4 + 32);
}

void register_ike_tests(void);

void
register_ike_tests(void)
{
	CU_pSuite s = CU_add_suite("ike messages", NULL, NULL);

	CU_add_test(s, "round trip", test_round_trip);
	CU_add_test(s, "a proposal of 40 transforms (strongSwan default)",
	            test_many_transforms);
	CU_add_test(s, "SA payload bytes", test_sa_bytes);
	CU_add_test(s, "hostile header", test_hostile_header);
	CU_add_test(s, "hostile payload chain", test_hostile_payloads);
	CU_add_test(s, "unknown and SK payloads", test_unknown_and_sk);
	CU_add_test(s, "hostile SA payload", test_hostile_sa);
	CU_add_test(s, "writer bounds", test_writer_bounds);
}
