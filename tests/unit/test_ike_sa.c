/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKE engine and its cryptography: DH in every group, the PRF against
 * RFC 4231, SK payloads for every algorithm, and two engines talking to
 * each other in memory (initiator and responder) for every algorithm
 * pair, wrong PSKs, INVALID_KE_PAYLOAD, cookies, duplicates, NAT
 * detection, DELETE and DPD. Interop with a real peer (strongSwan) is
 * the e2e test's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/CUnit.h>

#include "../../lib/ike/ike_crypto.h"
#include "../../lib/ike/ike_priv.h" /* pending SAs counted, below */
#include "../../lib/pki/pki_priv.h" /* a key swapped, below */
#include "vpn_ike.h"
#include "vpn_pki.h"

void register_ike_sa_tests(void);

/* ---- crypto ---------------------------------------------------------------
 */

static void
test_dh_groups(void)
{
	static const unsigned int g[] = {2,  5,  14, 15, 16, 17, 18,
	                                 19, 20, 21, 22, 23, 24};

	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		struct ike_dh *a = ike_dh_new(g[i]), *b = ike_dh_new(g[i]);
		uint8_t s1[IKE_MAX_DH_LEN], s2[IKE_MAX_DH_LEN],
		        bad[IKE_MAX_DH_LEN];
		size_t l = ike_dh_len(g[i]), n1, n2;

		CU_ASSERT_FATAL(a != NULL && b != NULL);
		n1 = ike_dh_shared(a, ike_dh_public(b), l, s1);
		n2 = ike_dh_shared(b, ike_dh_public(a), l, s2);
		CU_ASSERT(n1 > 0);
		CU_ASSERT_EQUAL(n1, n2);
		CU_ASSERT(memcmp(s1, s2, n1) == 0);
		/* MODP secrets are padded to the modulus (RFC 7296 2.14). */
		if (g[i] < 19 || g[i] > 21)
			CU_ASSERT_EQUAL(n1, l);
		/* Wrong length, zero, one: refused. */
		CU_ASSERT_EQUAL(ike_dh_shared(a, ike_dh_public(b), l - 1, s1),
		                0);
		memset(bad, 0, l);
		CU_ASSERT_EQUAL(ike_dh_shared(a, bad, l, s1), 0);
		bad[l - 1] = 1;
		CU_ASSERT_EQUAL(ike_dh_shared(a, bad, l, s1), 0);
		/* Past the modulus (MODP: p's low 64 bits are all ones, so
		 * all ones is at least p) or the field (ECP). */
		memset(bad, 0xff, l);
		CU_ASSERT_EQUAL(ike_dh_shared(a, bad, l, s1), 0);
		/* 2: in range. The generator of the safe-prime groups, taken;
		 * outside the order-q subgroup of RFC 5114's (22-24), refused
		 * (RFC 6989 2.2); for ECP, (0, 2) is off every curve. */
		memset(bad, 0, l);
		bad[l - 1] = 2;
		CU_ASSERT_EQUAL(ike_dh_shared(a, bad, l, s1),
		                g[i] >= 19 ? 0 : l);
		ike_dh_free(a);
		ike_dh_free(b);
	}
	CU_ASSERT_FALSE(ike_dh_supported(1));
	CU_ASSERT_PTR_NULL(ike_dh_new(31));
}

static void
test_prf(void)
{
	/* RFC 4231 test case 2, HMAC-SHA-256. */
	static const uint8_t want[32] = {
	        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
	        0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
	        0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
	        0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
	struct ike_iov iov[2] = {{"what do ya want ", 16},
	                         {"for nothing?", 12}};
	uint8_t out[64], plus[200], t[64];
	struct ike_iov s[2] = {{"seed", 4}, {"\x01", 1}};

	CU_ASSERT_EQUAL(ike_prf(IKE_PRF_HMAC_SHA2_256, "Jefe", 4, iov, 2, out),
	                0);
	CU_ASSERT(memcmp(out, want, 32) == 0);
	CU_ASSERT_EQUAL(ike_prf(99, "Jefe", 4, iov, 2, out), -1);
	/* prf+: T1 = prf(K, S | 0x01), T2 = prf(K, T1 | S | 0x02). */
	CU_ASSERT_EQUAL(
	        ike_prf_plus(IKE_PRF_HMAC_SHA1, "key", 3, s, 1, plus, 45), 0);
	CU_ASSERT_EQUAL(ike_prf(IKE_PRF_HMAC_SHA1, "key", 3, s, 2, t), 0);
	CU_ASSERT(memcmp(plus, t, 20) == 0);
	{
		struct ike_iov s2[3] = {{t, 20}, {"seed", 4}, {"\x02", 1}};

		CU_ASSERT_EQUAL(ike_prf(IKE_PRF_HMAC_SHA1, "key", 3, s2, 3, t),
		                0);
		CU_ASSERT(memcmp(plus + 20, t, 20) == 0);
	}
	/* At most 255 blocks. */
	CU_ASSERT_EQUAL(ike_prf_plus(IKE_PRF_HMAC_SHA1, "k", 1, s, 1, plus,
	                             255 * 20 + 1),
	                -1);
}

static const struct {
	uint16_t encr, bits, integ;
} sk_algs[] = {
        {IKE_ENCR_AES_CBC, 128, IKE_AUTH_HMAC_SHA1_96},
        {IKE_ENCR_AES_CBC, 256, IKE_AUTH_HMAC_SHA2_256_128},
        {IKE_ENCR_AES_CBC, 128, IKE_AUTH_HMAC_SHA2_384_192},
        {IKE_ENCR_AES_CBC, 256, IKE_AUTH_HMAC_SHA2_512_256},
        {IKE_ENCR_AES_GCM_16, 128, 0},
        {IKE_ENCR_AES_GCM_16, 256, 0},
};

static void
test_sk(void)
{
	for (size_t a = 0; a < sizeof(sk_algs) / sizeof(sk_algs[0]); a++)
		for (size_t ptlen = 0; ptlen < 70; ptlen += 7) {
			struct ike_sk_keys k = {.encr = sk_algs[a].encr,
			                        .key_bits = sk_algs[a].bits,
			                        .integ = sk_algs[a].integ};
			uint8_t msg[300], *pt;
			size_t len = 28 + ike_sk_overhead(&k, ptlen) + ptlen,
			       got;

			ike_random(k.ek, sizeof(k.ek));
			ike_random(k.ak, sizeof(k.ak));
			memset(msg, 0xa5, sizeof(msg));
			for (size_t i = 0; i < ptlen; i++)
				msg[28 + 4 + ike_sk_iv_len(&k) + i] =
				        (uint8_t)i;
			CU_ASSERT_EQUAL_FATAL(
			        ike_sk_seal(&k, msg, len, 28, ptlen), 0);
			CU_ASSERT_EQUAL(
			        ike_sk_open(&k, msg, len, 28, &pt, &got), 0);
			CU_ASSERT_EQUAL(got, ptlen);
			for (size_t i = 0; i < got; i++)
				CU_ASSERT_EQUAL(pt[i], (uint8_t)i);
			/* Any flipped bit, before the ICV or in it. */
			CU_ASSERT_EQUAL(ike_sk_seal(&k, msg, len, 28, ptlen),
			                0);
			for (size_t i = 0; i < len; i += 5) {
				uint8_t copy[300];

				memcpy(copy, msg, len);
				copy[i] ^= 0x10;
				CU_ASSERT_EQUAL(ike_sk_open(&k, copy, len, 28,
				                            &pt, &got),
				                -1);
			}
			/* Truncated. */
			CU_ASSERT_EQUAL(
			        ike_sk_open(&k, msg, 28 + 4, 28, &pt, &got),
			        -1);
		}
}

/* ---- two engines ----------------------------------------------------------
 */

#define MAXQ 64

struct side {
	struct vpn_ike *ike;
	struct side *other;
	uint32_t addr;
	bool mute; /* drop everything it sends */
	bool many; /* Child SAs only counted (more than kids[] holds) */
	unsigned int nq, head;
	struct {
		uint8_t m[IKE_MAX_MSG];
		size_t len;
		uint16_t sport, dport;
		uint32_t src, dst;
	} * q; /* what it sent, for the other to read */
	unsigned int children, deleted;
	struct vpn_ike_child child; /* the last one added */
	/* Installed Child SAs (inbound SPIs), and the routed one. */
	struct vpn_ike_child kids[8];
	bool live[8];
	uint32_t routed;
	uint64_t sent;
};

static void
t_send(void *ctx, uint32_t local, uint16_t lport, uint32_t remote,
       uint16_t rport, const uint8_t *msg, size_t len)
{
	struct side *s = ctx;

	s->sent++;
	if (s->mute || s->nq >= MAXQ || len == 1)
		return;
	s->q[s->nq].src = local;
	s->q[s->nq].dst = remote;
	memcpy(s->q[s->nq].m, msg, len);
	s->q[s->nq].len = len;
	s->q[s->nq].sport = lport;
	s->q[s->nq].dport = rport;
	s->nq++;
}

static int
t_child_add(void *ctx, unsigned int peer, const struct vpn_ike_child *c)
{
	struct side *s = ctx;

	(void)peer;
	s->children++;
	s->child = *c;
	if (s->many)
		return 0;
	for (int i = 0; i < 8; i++)
		if (!s->live[i]) {
			s->kids[i] = *c;
			s->live[i] = true;
			return 0;
		}
	CU_FAIL("more than 8 Child SAs installed");
	return -ENOSPC;
}

static const struct vpn_ike_child *
kid(const struct side *s, uint32_t spi_in)
{
	for (int i = 0; i < 8; i++)
		if (s->live[i] && s->kids[i].spi_in == spi_in)
			return &s->kids[i];
	return NULL;
}

static void
t_child_route(void *ctx, unsigned int peer, uint32_t spi)
{
	struct side *s = ctx;

	(void)peer;
	CU_ASSERT(s->many || kid(s, spi) != NULL);
	s->routed = spi;
}

static void
t_child_del(void *ctx, unsigned int peer, uint32_t spi)
{
	struct side *s = ctx;

	(void)peer;
	s->deleted++;
	for (int i = 0; i < 8; i++)
		if (s->live[i] && s->kids[i].spi_in == spi)
			s->live[i] = false;
	if (s->routed == spi)
		s->routed = 0;
}

/* The engines' log lines since the last logged_clear(). */
static char logged[65536];
static size_t logged_len;

static void
logged_clear(void)
{
	logged_len = 0;
	logged[0] = '\0';
}

static void
t_log(void *ctx, const char *line)
{
	int n;

	(void)ctx;
	n = snprintf(logged + logged_len, sizeof(logged) - logged_len, "%s\n",
	             line);
	if (n > 0 && logged_len + (size_t)n < sizeof(logged))
		logged_len += (size_t)n;
	if (getenv("VPNGW_TEST_IKE_LOG"))
		printf("    %s\n", line);
}

static const struct vpn_ike_ops ops = {.send = t_send,
                                       .child_add = t_child_add,
                                       .child_route = t_child_route,
                                       .child_del = t_child_del,
                                       .log = t_log};

static void
side_init(struct side *s, uint32_t addr)
{
	memset(s, 0, sizeof(*s));
	s->q = calloc(MAXQ, sizeof(*s->q));
	s->ike = vpn_ike_new(&ops, s);
	s->addr = addr;
	CU_ASSERT_FATAL(s->ike != NULL && s->q != NULL);
}

static void
side_free(struct side *s)
{
	/* Whatever the test did, the state machine never made a move it
	 * does not have (sa_state refuses and counts those). */
	CU_ASSERT_EQUAL(vpn_ike_stats(s->ike)->illegal_state, 0);
	vpn_ike_free(s->ike);
	free(s->q);
}

static void
peer_cfg(struct vpn_ike_peer *p, uint32_t local, uint32_t remote, bool init)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "t/%d", init ? 1 : 2);
	p->local = local;
	p->remote = remote;
	memcpy(p->psk, "test-psk-1234", 13);
	p->psk_len = 13;
	p->ike.n_encr = p->esp.n_encr = 1;
	p->ike.encr[0].id = p->esp.encr[0].id = IKE_ENCR_AES_CBC;
	p->ike.encr[0].key_bits = p->esp.encr[0].key_bits = 128;
	p->ike.n_integ = p->esp.n_integ = 1;
	p->ike.integ[0] = p->esp.integ[0] = IKE_AUTH_HMAC_SHA1_96;
	p->ike.n_dh = 1;
	p->ike.dh[0] = 2;
	p->ike_lifetime = 28800;
	p->esp_lifetime = 3600;
	p->dpd_timeout = 30;
	p->dpd_action = VPN_IKE_DPD_CLEAR;
	p->initiate = init;
	p->replay_window = 1024;
	p->n_lts = p->n_rts = 1;
	p->lts[0] = (struct vpn_ike_ts){0, 0xffffffff};
	p->rts[0] = (struct vpn_ike_ts){0, 0xffffffff};
}

/* What a sends on, b takes with the same keys, and the other way. */
static void
check_mirror(const struct side *a, const struct side *b)
{
	const struct side *s[2] = {a, b};

	for (int k = 0; k < 2; k++) {
		const struct vpn_ike_child *x = kid(s[k], s[k]->routed), *y;
		size_t el;

		CU_ASSERT_PTR_NOT_NULL_FATAL(x);
		y = kid(s[1 - k], x->spi_out);
		CU_ASSERT_PTR_NOT_NULL_FATAL(y);
		el = x->key_bits / 8u +
		     (x->encr == IKE_ENCR_AES_GCM_16 ? 4 : 0);
		CU_ASSERT_EQUAL(y->spi_out, x->spi_in);
		CU_ASSERT(memcmp(x->ekey_out, y->ekey_in, el) == 0);
		CU_ASSERT(memcmp(x->ekey_in, y->ekey_out, el) == 0);
		CU_ASSERT(memcmp(x->ekey_in, x->ekey_out, el) != 0);
		CU_ASSERT(memcmp(x->akey_out, y->akey_in, 64) == 0);
		CU_ASSERT_EQUAL(x->encr, y->encr);
		CU_ASSERT_EQUAL(x->integ, y->integ);
		CU_ASSERT_EQUAL(x->esn, y->esn);
	}
}

/* Make-before-break: whatever a side sends on, the other can take. */
static unsigned int gaps;

static void
check_no_gap(const struct side *a, const struct side *b)
{
	const struct side *s[2] = {a, b};

	for (int k = 0; k < 2; k++) {
		const struct vpn_ike_child *x = kid(s[k], s[k]->routed);

		if (s[k]->routed != 0 &&
		    (x == NULL || kid(s[1 - k], x->spi_out) == NULL))
			gaps++;
	}
}

/* Deliver what each side sent to the other, then tick both, until
 * nothing moves; the clock advances step ms a round. */
static uint64_t clock_ms;

/* addrs: each message to the addresses it was sent between, else to the
 * sides' own (a test that moves addresses under the engines). */
static void
pump_as(struct side *a, struct side *b, unsigned int rounds, uint64_t step,
        bool addrs)
{
	for (unsigned int r = 0; r < rounds; r++) {
		struct side *s[2] = {a, b};

		for (int k = 0; k < 2; k++) {
			struct side *from = s[k], *to = s[1 - k];

			for (unsigned int i = 0; i < from->nq; i++)
				vpn_ike_input(to->ike, clock_ms,
				              addrs ? from->q[i].dst : to->addr,
				              from->q[i].dport,
				              addrs ? from->q[i].src
				                    : from->addr,
				              from->q[i].sport, from->q[i].m,
				              from->q[i].len);
			from->nq = 0;
		}
		clock_ms += step;
		vpn_ike_tick(a->ike, clock_ms);
		vpn_ike_tick(b->ike, clock_ms);
		if (!addrs)
			check_no_gap(a, b);
	}
}

static void
pump(struct side *a, struct side *b, unsigned int rounds, uint64_t step)
{
	pump_as(a, b, rounds, step, false);
}

#define A_ADDR 0xcb007101u /* 203.0.113.1 */
#define B_ADDR 0xcb007102u /* 203.0.113.2 */

/* Bring a pair up with a's and b's settings; true when both have the
 * Child SA. */
static bool
pair_up(struct side *a, struct side *b, const struct vpn_ike_peer *pa,
        const struct vpn_ike_peer *pb)
{
	side_init(a, A_ADDR);
	side_init(b, B_ADDR);
	CU_ASSERT_EQUAL(vpn_ike_add_peer(a->ike, pa), 0);
	CU_ASSERT_EQUAL(vpn_ike_add_peer(b->ike, pb), 0);
	pump(a, b, 20, 10);
	return a->children == 1 && b->children == 1;
}

static void
test_pair_matrix(void)
{
	/* IKE and ESP algorithms, DH group: AWS's set. */
	static const struct {
		uint16_t encr, bits, integ, dh;
	} m[] = {
	        {IKE_ENCR_AES_CBC, 128, IKE_AUTH_HMAC_SHA1_96, 2},
	        {IKE_ENCR_AES_CBC, 256, IKE_AUTH_HMAC_SHA2_256_128, 14},
	        {IKE_ENCR_AES_CBC, 128, IKE_AUTH_HMAC_SHA2_384_192, 20},
	        {IKE_ENCR_AES_CBC, 256, IKE_AUTH_HMAC_SHA2_512_256, 21},
	        {IKE_ENCR_AES_GCM_16, 128, IKE_AUTH_HMAC_SHA2_256_128, 19},
	        {IKE_ENCR_AES_GCM_16, 256, IKE_AUTH_HMAC_SHA2_512_256, 24},
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct vpn_ike_peer pa, pb;
		struct side a, b;
		struct vpn_ike_peer_info ia;

		peer_cfg(&pa, A_ADDR, B_ADDR, true);
		peer_cfg(&pb, B_ADDR, A_ADDR, false);
		pa.ike.encr[0].id = pb.ike.encr[0].id = m[i].encr;
		pa.ike.encr[0].key_bits = pb.ike.encr[0].key_bits = m[i].bits;
		pa.esp.encr[0] = pb.esp.encr[0] = pa.ike.encr[0];
		pa.ike.integ[0] = pb.ike.integ[0] = m[i].integ;
		pa.esp.integ[0] = pb.esp.integ[0] = m[i].integ;
		pa.ike.dh[0] = pb.ike.dh[0] = m[i].dh;
		CU_ASSERT(pair_up(&a, &b, &pa, &pb));
		check_mirror(&a, &b);
		CU_ASSERT_EQUAL(a.child.encr, m[i].encr);
		CU_ASSERT_EQUAL(a.child.key_bits, m[i].bits);
		CU_ASSERT_EQUAL(a.child.integ, m[i].encr == IKE_ENCR_AES_GCM_16
		                                       ? 0
		                                       : m[i].integ);
		CU_ASSERT_FALSE(a.child.udp_encap);
		CU_ASSERT_EQUAL(vpn_ike_peer_info(a.ike, 0, &ia), 0);
		CU_ASSERT_STRING_EQUAL(ia.ike_state, "established");
		CU_ASSERT_EQUAL(ia.dh, m[i].dh);
		CU_ASSERT_EQUAL(vpn_ike_stats(b.ike)->ike_up, 1);
		side_free(&a);
		side_free(&b);
	}
}

static void
test_pair_choices(void)
{
	struct vpn_ike_peer pa, pb;
	struct side a, b;

	/* The initiator guesses group 14 first; the responder only takes 19:
	 * INVALID_KE_PAYLOAD, then 19. Lists: the first acceptable wins. */
	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	pa.ike.n_dh = 2;
	pa.ike.dh[0] = 14;
	pa.ike.dh[1] = 19;
	pb.ike.dh[0] = 19;
	pa.esp.n_encr = 2;
	pa.esp.encr[0].id = IKE_ENCR_AES_GCM_16;
	pa.esp.encr[0].key_bits = 256;
	pa.esp.encr[1].id = IKE_ENCR_AES_CBC;
	pa.esp.encr[1].key_bits = 128;
	CU_ASSERT(pair_up(&a, &b, &pa, &pb));
	{
		struct vpn_ike_peer_info ia;

		vpn_ike_peer_info(a.ike, 0, &ia);
		CU_ASSERT_EQUAL(ia.dh, 19);
	}
	CU_ASSERT_EQUAL(a.child.encr, IKE_ENCR_AES_CBC); /* b's only one */
	check_mirror(&a, &b);
	side_free(&a);
	side_free(&b);

	/* Nothing in common: no SA, counted. */
	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	pb.ike.integ[0] = IKE_AUTH_HMAC_SHA2_512_256;
	CU_ASSERT_FALSE(pair_up(&a, &b, &pa, &pb));
	CU_ASSERT(vpn_ike_stats(b.ike)->no_proposal >= 1);
	side_free(&a);
	side_free(&b);

	/* Wrong PSK: AUTHENTICATION_FAILED, no Child SA. */
	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	pb.psk[0] = 'X';
	CU_ASSERT_FALSE(pair_up(&a, &b, &pa, &pb));
	CU_ASSERT(vpn_ike_stats(b.ike)->auth_failed >= 1);
	CU_ASSERT(vpn_ike_stats(a.ike)->auth_failed >= 1);
	side_free(&a);
	side_free(&b);

	/* Forced encapsulation (accelerated) on one side: both see a NAT,
	 * float to 4500 and put ESP in UDP. */
	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	pa.force_encap = true;
	CU_ASSERT(pair_up(&a, &b, &pa, &pb));
	CU_ASSERT(a.child.udp_encap);
	CU_ASSERT(b.child.udp_encap);
	CU_ASSERT_EQUAL(b.child.dport, 4500);
	side_free(&a);
	side_free(&b);

	/* Narrow selectors: the responder narrows; disjoint ones fail. */
	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	pb.lts[0] = (struct vpn_ike_ts){0xc0000200, 0xc00002ff};
	CU_ASSERT(pair_up(&a, &b, &pa, &pb));
	side_free(&a);
	side_free(&b);
	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	pa.rts[0] = (struct vpn_ike_ts){0xc6336400, 0xc63364ff};
	pb.lts[0] = (struct vpn_ike_ts){0xc0000200, 0xc00002ff};
	CU_ASSERT_FALSE(pair_up(&a, &b, &pa, &pb));
	CU_ASSERT_EQUAL(vpn_ike_stats(b.ike)->ts_unacceptable, 1);
	side_free(&a);
	side_free(&b);
}

static void
test_pair_lifecycle(void)
{
	struct vpn_ike_peer pa, pb;
	struct side a, b;
	uint8_t junk[64];

	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	pa.dpd_action = VPN_IKE_DPD_RESTART;
	pb.dpd_action = VPN_IKE_DPD_RESTART;
	CU_ASSERT_FATAL(pair_up(&a, &b, &pa, &pb));

	/* Garbage and unknown SPIs: counted, nothing changes. */
	memset(junk, 0, sizeof(junk));
	vpn_ike_input(b.ike, clock_ms, B_ADDR, 500, A_ADDR, 500, junk, 10);
	CU_ASSERT_EQUAL(vpn_ike_stats(b.ike)->malformed, 1);
	junk[0] = 1;
	junk[17] = 0x20;
	junk[18] = IKE_INFORMATIONAL;
	junk[19] = IKE_FLAG_INITIATOR;
	junk[27] = 28;
	vpn_ike_input(b.ike, clock_ms, B_ADDR, 500, A_ADDR, 500, junk, 28);
	CU_ASSERT_EQUAL(vpn_ike_stats(b.ike)->unknown_spi, 1);

	/* Idle: DPD checks go and are answered; the tunnel stays. */
	pump(&a, &b, 40, 1000);
	CU_ASSERT(vpn_ike_stats(b.ike)->rx >= 4);
	CU_ASSERT_EQUAL(a.deleted, 0);
	CU_ASSERT_EQUAL(vpn_ike_stats(a.ike)->dpd_dead, 0);

	/* b goes silent: a declares it dead after dpd_timeout, removes
	 * the Child SA and (restart) tries again. */
	b.mute = true;
	pump(&a, &b, 60, 1000);
	CU_ASSERT_EQUAL(vpn_ike_stats(a.ike)->dpd_dead, 1);
	CU_ASSERT_EQUAL(a.deleted, 1);
	/* b is back: a new IKE SA; b's old one is replaced. */
	b.mute = false;
	pump(&a, &b, 60, 1000);
	CU_ASSERT_EQUAL(a.children, 2);
	CU_ASSERT_EQUAL(b.children, 2);
	CU_ASSERT_EQUAL(b.deleted, 1);
	check_mirror(&a, &b);

	/* a goes silent now: b, the responder, with DPD restart, declares
	 * it dead and brings the tunnel up again itself when a is back. */
	{
		uint64_t dead = vpn_ike_stats(b.ike)->dpd_dead;

		a.mute = true;
		pump(&a, &b, 60, 1000);
		CU_ASSERT_EQUAL(vpn_ike_stats(b.ike)->dpd_dead, dead + 1);
	}
	a.mute = false;
	pump(&a, &b, 60, 1000);
	CU_ASSERT(b.children >= 3);
	check_mirror(&a, &b);

	/* a resets the tunnel: DELETE; b removes its Child SA. */
	{
		unsigned int before = b.deleted;

		vpn_ike_reset(a.ike, 0, false);
		pump(&a, &b, 5, 10);
		CU_ASSERT_EQUAL(b.deleted, before + 1);
		CU_ASSERT_EQUAL(b.routed, 0);
	}
	side_free(&a);
	side_free(&b);
}

/* The console's controls: administratively down (either side), up again,
 * and new settings that make only that tunnel negotiate again. */
static void
test_pair_admin(void)
{
	struct vpn_ike_peer pa, pb;
	struct vpn_ike_peer_info info;
	struct side a, b;

	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	pa.dpd_action = VPN_IKE_DPD_RESTART; /* a starts again after DELETE */
	CU_ASSERT_FATAL(pair_up(&a, &b, &pa, &pb));

	/* The responder goes down: DELETE to a; a's retries get no answer
	 * (no_peer), nothing comes up while it is down. */
	CU_ASSERT_EQUAL(vpn_ike_set_admin(b.ike, 0, false), 0);
	pump(&a, &b, 200, 100);
	CU_ASSERT_EQUAL(a.routed, 0);
	CU_ASSERT_EQUAL(b.routed, 0);
	CU_ASSERT_EQUAL(b.children, 1);
	CU_ASSERT(vpn_ike_stats(b.ike)->no_peer >= 1);
	CU_ASSERT_EQUAL(vpn_ike_peer_info(b.ike, 0, &info), 0);
	CU_ASSERT(info.admin_down);
	CU_ASSERT_STRING_EQUAL(info.ike_state, "down");
	/* Up again: a's next try gets through. */
	CU_ASSERT_EQUAL(vpn_ike_set_admin(b.ike, 0, true), 0);
	pump(&a, &b, 400, 100);
	CU_ASSERT_EQUAL(b.children, 2);
	CU_ASSERT_NOT_EQUAL(a.routed, 0);
	check_mirror(&a, &b);

	/* The initiator down: it starts nothing; up: it starts again. */
	CU_ASSERT_EQUAL(vpn_ike_set_admin(a.ike, 0, false), 0);
	pump(&a, &b, 100, 100);
	CU_ASSERT_EQUAL(b.routed, 0);
	CU_ASSERT_EQUAL(a.children, 2);
	CU_ASSERT_EQUAL(vpn_ike_set_admin(a.ike, 0, true), 0);
	pump(&a, &b, 20, 10);
	CU_ASSERT_EQUAL(a.children, 3);

	/* New settings on both: the SAs go, and the new ones use them. */
	pa.esp.encr[0].id = pb.esp.encr[0].id = IKE_ENCR_AES_GCM_16;
	pa.esp.encr[0].key_bits = pb.esp.encr[0].key_bits = 256;
	pa.esp.n_integ = pb.esp.n_integ = 0;
	CU_ASSERT_EQUAL(vpn_ike_set_peer(b.ike, 0, &pb), 0);
	CU_ASSERT_EQUAL(vpn_ike_set_peer(a.ike, 0, &pa), 0);
	pump(&a, &b, 40, 10);
	CU_ASSERT_EQUAL(a.children, 4);
	CU_ASSERT_EQUAL(a.child.encr, IKE_ENCR_AES_GCM_16);
	CU_ASSERT_EQUAL(a.child.key_bits, 256);
	check_mirror(&a, &b);
	/* Bad settings and unknown tunnels are refused. */
	pa.psk_len = 0;
	CU_ASSERT_EQUAL(vpn_ike_set_peer(a.ike, 0, &pa), -EINVAL);
	CU_ASSERT_EQUAL(vpn_ike_set_peer(a.ike, 5, &pb), -ENOENT);
	CU_ASSERT_EQUAL(vpn_ike_set_admin(a.ike, 5, true), -ENOENT);
	side_free(&a);
	side_free(&b);
}

/* The established responder b takes a's next request: its bytes in m. */
static size_t
next_request(struct side *a, struct side *b, uint8_t *m)
{
	size_t len;

	vpn_ike_reset(a->ike, 0, false); /* a DELETE: a's next request */
	CU_ASSERT_FATAL(a->nq == 1);
	len = a->q[0].len;
	memcpy(m, a->q[0].m, len);
	a->nq = 0;
	(void)b;
	return len;
}

static void
test_pair_hostile(void)
{
	static uint8_t m[IKE_MAX_MSG + 16], c[IKE_MAX_MSG + 16];
	struct vpn_ike_peer pa, pb;
	const struct vpn_ike_stats *st;
	struct side a, b;
	size_t len;

	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	CU_ASSERT_FATAL(pair_up(&a, &b, &pa, &pb));
	st = vpn_ike_stats(b.ike);
	len = next_request(&a, &b, m);

	/* Every truncation: dropped and counted, never a crash. */
	for (size_t l = 0; l < len; l++) {
		uint64_t before = st->malformed + st->bad_icv;

		vpn_ike_input(b.ike, clock_ms, B_ADDR, 500, A_ADDR, 500, m, l);
		CU_ASSERT_EQUAL(st->malformed + st->bad_icv, before + 1);
	}
	/* Oversize: longer than any datagram. */
	vpn_ike_input(b.ike, clock_ms, B_ADDR, 500, A_ADDR, 500, m,
	              IKE_MAX_MSG + 1);
	CU_ASSERT(st->malformed >= len);
	/* Every bit of the header and the SK payload flipped: refused
	 * (length, SPI, message ID, ICV), never taken. */
	for (size_t i = 0; i < len * 8; i += 3) {
		memcpy(c, m, len);
		c[i / 8] ^= (uint8_t)(1u << (i % 8));
		vpn_ike_input(b.ike, clock_ms, B_ADDR, 500, A_ADDR, 500, c,
		              len);
	}
	CU_ASSERT(st->bad_icv > 0);
	CU_ASSERT(st->unknown_spi > 0);
	CU_ASSERT(st->bad_msg_id > 0);
	vpn_ike_tick(b.ike, clock_ms);
	CU_ASSERT_EQUAL(b.deleted, 0); /* nothing took effect */
	/* A wrong SPI, an unauthenticated one: counted. */
	memcpy(c, m, len);
	c[3] ^= 1;
	{
		uint64_t before = st->unknown_spi;

		vpn_ike_input(b.ike, clock_ms, B_ADDR, 500, A_ADDR, 500, c,
		              len);
		CU_ASSERT_EQUAL(st->unknown_spi, before + 1);
	}
	/* The real one takes effect once; replayed, it gets the cached
	 * answer and changes nothing. */
	vpn_ike_tick(b.ike, clock_ms);
	CU_ASSERT_EQUAL(b.deleted, 0);
	vpn_ike_input(b.ike, clock_ms, B_ADDR, 500, A_ADDR, 500, m, len);
	vpn_ike_tick(b.ike, clock_ms);
	CU_ASSERT_EQUAL(b.deleted, 1);
	{
		uint64_t before = st->resent_responses + st->unknown_spi;

		vpn_ike_input(b.ike, clock_ms, B_ADDR, 500, A_ADDR, 500, m,
		              len);
		CU_ASSERT_EQUAL(st->resent_responses + st->unknown_spi,
		                before + 1);
	}
	vpn_ike_tick(b.ike, clock_ms);
	CU_ASSERT_EQUAL(b.deleted, 1);
	side_free(&a);
	side_free(&b);
}

/* A request replayed in a burst gets one cached answer, not one each. */
static void
test_pair_resend_limit(void)
{
	static uint8_t m[IKE_MAX_MSG];
	struct vpn_ike_peer pa, pb;
	const struct vpn_ike_stats *st;
	struct side a, b;
	size_t len;

	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	CU_ASSERT_FATAL(pair_up(&a, &b, &pa, &pb));
	st = vpn_ike_stats(b.ike);
	clock_ms += 11000; /* idle: a's DPD request is due */
	vpn_ike_tick(a.ike, clock_ms);
	CU_ASSERT_FATAL(a.nq == 1);
	len = a.q[0].len;
	memcpy(m, a.q[0].m, len);
	a.nq = 0;
	vpn_ike_input(b.ike, clock_ms, B_ADDR, 500, A_ADDR, 500, m, len);
	CU_ASSERT_EQUAL(b.nq, 1); /* answered */
	for (int i = 0; i < 10; i++)
		vpn_ike_input(b.ike, clock_ms, B_ADDR, 500, A_ADDR, 500, m,
		              len);
	CU_ASSERT_EQUAL(st->resent_responses, 1);
	CU_ASSERT_EQUAL(b.nq, 2);
	clock_ms += 600;
	vpn_ike_input(b.ike, clock_ms, B_ADDR, 500, A_ADDR, 500, m, len);
	CU_ASSERT_EQUAL(st->resent_responses, 2);
	side_free(&a);
	side_free(&b);
}

/* Tunnel k of many: a's from A_ADDR + k, b's to it. */
static void
many_cfg(struct vpn_ike_peer *pa, struct vpn_ike_peer *pb, unsigned int k)
{
	peer_cfg(pa, A_ADDR + k, B_ADDR, true);
	peer_cfg(pb, B_ADDR, A_ADDR + k, false);
	snprintf(pa->name, sizeof(pa->name), "m/%u", k);
	snprintf(pb->name, sizeof(pb->name), "m/%u", k);
}

#define MANY 200

/* a and b with MANY tunnels between them, a to start them. */
static void
many_sides(struct side *a, struct side *b)
{
	struct vpn_ike_peer pa, pb;

	side_init(a, A_ADDR);
	side_init(b, B_ADDR);
	a->many = b->many = true;
	for (unsigned int k = 0; k < MANY; k++) {
		many_cfg(&pa, &pb, k);
		CU_ASSERT_EQUAL_FATAL(vpn_ike_add_peer(a->ike, &pa), (int)k);
		CU_ASSERT_EQUAL_FATAL(vpn_ike_add_peer(b->ike, &pb), (int)k);
	}
}

/* 200 tunnels starting at once: 64 setups at a time (IKE_INIT_WINDOW),
 * the next as answers come; one never answered holds its place for a
 * second only. */
static void
test_paced_start(void)
{
	struct side a, b;

	many_sides(&a, &b);
	/* Nobody answers: 64 go, the rest wait; a second later the 64
	 * are retransmitted and no longer count, and 64 more go. */
	a.mute = true;
	clock_ms += 10;
	vpn_ike_tick(a.ike, clock_ms);
	CU_ASSERT_EQUAL(a.sent, 64);
	CU_ASSERT_EQUAL(vpn_ike_stats(a.ike)->init_paced, MANY - 64);
	clock_ms += 500;
	vpn_ike_tick(a.ike, clock_ms);
	CU_ASSERT_EQUAL(a.sent, 64);
	clock_ms += 600;
	vpn_ike_tick(a.ike, clock_ms);
	CU_ASSERT_EQUAL(a.sent, 64 + 64 + 64);
	side_free(&a);
	side_free(&b);

	/* Answered: every tunnel comes up, never more than 64 in flight
	 * (what a sends in a round fits the 64 the test queues). */
	many_sides(&a, &b);
	for (unsigned int r = 0; r < 40 && a.children < MANY; r++) {
		pump_as(&a, &b, 1, 10, true);
		CU_ASSERT(a.nq <= 64);
	}
	CU_ASSERT_EQUAL(a.children, MANY);
	CU_ASSERT_EQUAL(b.children, MANY);
	CU_ASSERT_EQUAL(vpn_ike_stats(a.ike)->retransmits, 0);
	CU_ASSERT(vpn_ike_stats(a.ike)->init_paced > 0);
	side_free(&a);
	side_free(&b);
}

/* The tunnel an IKE_SA_INIT is for, by address pair (ike_index.c): of
 * two with the same pair, the first that is not administratively down;
 * one whose addresses change found at its new pair. */
static void
test_peer_index(void)
{
	struct vpn_ike_peer pa, pb;
	struct vpn_ike_peer_info info;
	struct side a, b;

	side_init(&a, A_ADDR);
	side_init(&b, B_ADDR);
	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	CU_ASSERT_EQUAL(vpn_ike_add_peer(a.ike, &pa), 0);
	/* b: tunnel 0 down, tunnel 1 the same pair, tunnel 2 another. */
	CU_ASSERT_EQUAL(vpn_ike_add_peer(b.ike, &pb), 0);
	CU_ASSERT_EQUAL(vpn_ike_add_peer(b.ike, &pb), 1);
	peer_cfg(&pb, B_ADDR, A_ADDR + 1, false);
	CU_ASSERT_EQUAL(vpn_ike_add_peer(b.ike, &pb), 2);
	CU_ASSERT_EQUAL(vpn_ike_set_admin(b.ike, 0, false), 0);
	pump(&a, &b, 20, 10);
	CU_ASSERT_EQUAL(b.children, 1);
	CU_ASSERT_FATAL(vpn_ike_peer_info(b.ike, 1, &info) == 0);
	CU_ASSERT(info.child_up);
	CU_ASSERT_FATAL(vpn_ike_peer_info(b.ike, 0, &info) == 0);
	CU_ASSERT(!info.child_up);
	/* Both ends of tunnel 1 move to another address of a's: found
	 * there, not at the old pair. */
	peer_cfg(&pb, B_ADDR, A_ADDR + 2, false);
	CU_ASSERT_EQUAL(vpn_ike_set_peer(b.ike, 1, &pb), 0);
	peer_cfg(&pa, A_ADDR + 2, B_ADDR, true);
	CU_ASSERT_EQUAL(vpn_ike_set_peer(a.ike, 0, &pa), 0);
	pump_as(&a, &b, 40, 10, true);
	CU_ASSERT_EQUAL(b.children, 2);
	CU_ASSERT_FATAL(vpn_ike_peer_info(b.ike, 1, &info) == 0);
	CU_ASSERT(info.child_up);
	CU_ASSERT_EQUAL(info.remote, A_ADDR + 2);
	CU_ASSERT_FATAL(vpn_ike_peer_info(a.ike, 0, &info) == 0);
	CU_ASSERT(info.child_up);
	side_free(&a);
	side_free(&b);
}

/* Until ike has 64 keys of group ready (its helpers full, so idle and
 * not holding the pool's lock, which the engine only tries); a deadline:
 * a loaded machine gives SCHED_IDLE threads little. */
static bool
pool_full(const struct vpn_ike *ike, uint16_t group)
{
	for (int i = 0; i < 3000; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		if (vpn_ike_dh_ready(ike, group) == 64)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/* Helper threads make DH keys ahead (ike_dhpool.c): the responder's
 * IKE_SA_INIT and the rekeys with PFS take ready ones; without helpers
 * they are made in the loop as before; helpers stop cleanly, busy or
 * not. */
static void
test_dh_helpers(void)
{
	struct vpn_ike_peer pa, pb;
	struct side a, b;

	side_init(&a, A_ADDR);
	side_init(&b, B_ADDR);
	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	pa.esp.n_dh = pb.esp.n_dh = 1; /* PFS: the rekey takes one too */
	pa.esp.dh[0] = pb.esp.dh[0] = 14;
	CU_ASSERT_EQUAL(vpn_ike_set_helpers(b.ike, 9), -EINVAL);
	CU_ASSERT_EQUAL(vpn_ike_add_peer(b.ike, &pb), 0);
	CU_ASSERT_EQUAL(vpn_ike_set_helpers(b.ike, 2), 0);
	CU_ASSERT_EQUAL(vpn_ike_add_peer(a.ike, &pa), 0);
	CU_ASSERT_FATAL(pool_full(b.ike, 2) && pool_full(b.ike, 14));
	pump(&a, &b, 20, 10);
	CU_ASSERT_EQUAL(a.children, 1);
	CU_ASSERT_EQUAL(b.children, 1);
	CU_ASSERT_EQUAL(vpn_ike_stats(b.ike)->dh_ready, 1);
	CU_ASSERT_EQUAL(vpn_ike_stats(b.ike)->dh_inline, 0);
	CU_ASSERT_EQUAL(vpn_ike_stats(a.ike)->dh_ready, 0);
	CU_ASSERT_EQUAL(vpn_ike_stats(a.ike)->dh_inline, 1);
	/* b rekeys the Child SA with PFS (group 14): a ready key. */
	CU_ASSERT_FATAL(pool_full(b.ike, 2) && pool_full(b.ike, 14));
	CU_ASSERT_EQUAL(vpn_ike_child_expiring(b.ike, 0, b.child.spi_in, false),
	                0);
	pump(&a, &b, 20, 10);
	CU_ASSERT_EQUAL(vpn_ike_stats(b.ike)->child_rekeys, 1);
	CU_ASSERT_EQUAL(vpn_ike_stats(b.ike)->dh_ready, 2);
	CU_ASSERT_EQUAL(vpn_ike_stats(b.ike)->dh_inline, 0);
	/* No helpers: no keys ready, made in the loop. */
	CU_ASSERT_EQUAL(vpn_ike_set_helpers(b.ike, 0), 0);
	CU_ASSERT_EQUAL(vpn_ike_dh_ready(b.ike, 2), 0);
	vpn_ike_reset(a.ike, 0, true);
	pump(&a, &b, 20, 10);
	CU_ASSERT_EQUAL(b.children, 3);
	CU_ASSERT_EQUAL(vpn_ike_stats(b.ike)->dh_ready, 2);
	CU_ASSERT_EQUAL(vpn_ike_stats(b.ike)->dh_inline, 1);
	/* Freed while they work. */
	CU_ASSERT_EQUAL(vpn_ike_set_helpers(b.ike, 8), 0);
	side_free(&a);
	side_free(&b);
}

/* b's IKE_SA_INIT work took busy_pm of the last second, which has just
 * ended. */
static void
set_busy(struct side *b, unsigned int busy_pm)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	b->ike->init_win =
	        (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
	b->ike->init_ns = 0;
	b->ike->init_busy_pm = busy_pm;
}

/* The cookie threshold follows the load: 64 half-open SAs while the
 * engine has time, 8 once answering IKE_SA_INITs took half of the last
 * second; the tunnels asked for a cookie return it and come up. */
static void
test_cookie_load(void)
{
	const struct vpn_ike_stats *st;
	struct side a, b;

	for (int busy = 0; busy < 2; busy++) {
		many_sides(&a, &b);
		st = vpn_ike_stats(b.ike);
		set_busy(&b, busy ? 600 : 0);
		clock_ms += 10;
		vpn_ike_tick(a.ike, clock_ms); /* 64 IKE_SA_INITs */
		CU_ASSERT_EQUAL_FATAL(a.nq, 64);
		for (unsigned int i = 0; i < a.nq; i++)
			vpn_ike_input(b.ike, clock_ms, a.q[i].dst, a.q[i].dport,
			              a.q[i].src, a.q[i].sport, a.q[i].m,
			              a.q[i].len);
		a.nq = 0;
		CU_ASSERT_EQUAL(st->cookies_sent, busy ? 64 - 8 : 0);
		CU_ASSERT_EQUAL(st->cookies_busy, busy ? 64 - 8 : 0);
		/* (b's answers are lost: a sends again, with the cookie
		 * where it was asked for one) */
		b.nq = 0;
		for (unsigned int r = 0; r < 60 && a.children < MANY; r++) {
			if (busy)
				set_busy(&b, 600);
			pump_as(&a, &b, 1, 100, true);
		}
		CU_ASSERT_EQUAL(a.children, MANY);
		side_free(&a);
		side_free(&b);
	}
}

/* A flood of IKE_SA_INIT at responder b (many SPIs from a's address):
 * past it, b asks every initiator from there for a cookie. */
static void
flood_init(struct side *b)
{
	for (int i = 0; i < 40; i++) {
		struct side f;
		struct vpn_ike_peer pf;

		side_init(&f, A_ADDR);
		peer_cfg(&pf, A_ADDR, B_ADDR, true);
		vpn_ike_add_peer(f.ike, &pf);
		vpn_ike_tick(f.ike, clock_ms);
		for (unsigned int k = 0; k < f.nq; k++)
			vpn_ike_input(b->ike, clock_ms, B_ADDR, 500, A_ADDR,
			              500, f.q[k].m, f.q[k].len);
		side_free(&f);
	}
	b->nq = 0;
}

static void
test_pair_duplicates_and_cookies(void)
{
	struct vpn_ike_peer pa, pb;
	struct side a, b;

	/* The responder's answers are lost once: the initiator resends and
	 * the responder answers from its cache. */
	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	side_init(&a, A_ADDR);
	side_init(&b, B_ADDR);
	vpn_ike_add_peer(a.ike, &pa);
	vpn_ike_add_peer(b.ike, &pb);
	vpn_ike_tick(a.ike, clock_ms);
	b.mute = true; /* IKE_SA_INIT to b, its answer lost */
	pump(&a, &b, 1, 10);
	b.mute = false;
	pump(&a, &b, 300, 10);
	CU_ASSERT_EQUAL(a.children, 1);
	CU_ASSERT(vpn_ike_stats(a.ike)->retransmits >= 1);
	CU_ASSERT(vpn_ike_stats(b.ike)->resent_responses >= 1);
	check_mirror(&a, &b);
	side_free(&a);
	side_free(&b);

	/* A flood of IKE_SA_INIT from many SPIs: past the threshold the
	 * responder asks for cookies, and an initiator that returns one
	 * still gets its tunnel. */
	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	side_init(&a, A_ADDR);
	side_init(&b, B_ADDR);
	vpn_ike_add_peer(a.ike, &pa);
	vpn_ike_add_peer(b.ike, &pb);
	flood_init(&b);
	CU_ASSERT(vpn_ike_stats(b.ike)->cookies_sent >= 1);
	pump(&a, &b, 30, 10);
	CU_ASSERT_EQUAL(a.children, 1);
	check_mirror(&a, &b);
	side_free(&a);
	side_free(&b);
}

/* An initiator's IKE_SA_INIT carrying b's cookie, made now: into m. */
static size_t
init_with_cookie(struct side *b, uint8_t *m)
{
	struct vpn_ike_peer pa;
	struct side a;
	size_t len = 0;

	side_init(&a, A_ADDR);
	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	vpn_ike_add_peer(a.ike, &pa);
	vpn_ike_tick(a.ike, clock_ms);
	CU_ASSERT_EQUAL_FATAL(a.nq, 1);
	vpn_ike_input(b->ike, clock_ms, B_ADDR, 500, A_ADDR, 500, a.q[0].m,
	              a.q[0].len);
	a.nq = 0;
	CU_ASSERT_EQUAL_FATAL(b->nq, 1); /* the cookie */
	vpn_ike_input(a.ike, clock_ms, A_ADDR, 500, B_ADDR, 500, b->q[0].m,
	              b->q[0].len);
	b->nq = 0;
	CU_ASSERT_EQUAL_FATAL(a.nq, 1); /* again, with the cookie */
	len = a.q[0].len;
	memcpy(m, a.q[0].m, len);
	side_free(&a);
	return len;
}

/* Cookies change with the responder's secret (RFC 7296 2.6): one made a
 * minute before (the secret changed once since) is still taken; one made
 * two minutes before (changed twice) is not, and a new one is asked for,
 * while b still asks every new initiator for one. */
static void
test_cookie_secret_rotates(void)
{
	static uint8_t m[IKE_MAX_MSG];
	const struct vpn_ike_stats *st;
	struct side b;
	struct vpn_ike_peer pb;
	uint64_t sent, bad;
	size_t len;

	side_init(&b, B_ADDR);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	vpn_ike_add_peer(b.ike, &pb);
	st = vpn_ike_stats(b.ike);
	flood_init(&b);
	CU_ASSERT_FATAL(st->cookies_sent >= 1);

	len = init_with_cookie(&b, m);
	clock_ms += IKE_COOKIE_SECRET_MS + 1000;
	sent = st->cookies_sent;
	bad = st->bad_cookie;
	vpn_ike_input(b.ike, clock_ms, B_ADDR, 500, A_ADDR, 500, m, len);
	CU_ASSERT_EQUAL(st->cookies_sent, sent); /* taken */
	CU_ASSERT_EQUAL(st->bad_cookie, bad);
	CU_ASSERT_EQUAL(b.nq, 1); /* its IKE_SA_INIT response */
	b.nq = 0;

	len = init_with_cookie(&b, m);
	clock_ms += 2 * IKE_COOKIE_SECRET_MS + 1000;
	sent = st->cookies_sent;
	vpn_ike_input(b.ike, clock_ms, B_ADDR, 500, A_ADDR, 500, m, len);
	CU_ASSERT_EQUAL(st->bad_cookie, bad + 1);
	CU_ASSERT_EQUAL(st->cookies_sent, sent + 1); /* a new one */
	b.nq = 0;
	/* Still under the flood: a new initiator is asked for one too. */
	len = init_with_cookie(&b, m);
	CU_ASSERT(len > 0);
	side_free(&b);
}

/* ---- certificates ------------------------------------------------------ */

/* A PKI made by tools/vpngw-pki.sh in dir (names gw-a, gw-b), and one
 * of its identities loaded. */
static struct vpn_pki *
pki_of(const char *dir, const char *name)
{
	struct vpn_cfg_pki c = {0};
	struct vpn_pki_params p = {.pki = &c, .file = "test"};
	struct vpn_diag d;
	struct vpn_pki *pki;

	snprintf(c.ca, sizeof(c.ca), "%s/ca.pem", dir);
	snprintf(c.certificate, sizeof(c.certificate), "%s/%s.pem", dir, name);
	snprintf(c.private_key, sizeof(c.private_key), "%s/%s.key", dir, name);
	vpn_diag_init(&d);
	pki = vpn_pki_load(&p, &d);
	if (d.errors)
		vpn_diag_print(&d, stdout);
	vpn_diag_free(&d);
	return pki;
}

static void
cert_cfg(struct vpn_ike_peer *p, const char *identity)
{
	p->cert = true;
	p->psk_len = 0;
	memset(p->psk, 0, sizeof(p->psk));
	snprintf(p->identity, sizeof(p->identity), "%s", identity);
}

/* One IKE_SA_INIT from src to b, with b's cookie when b asks for one:
 * fed to b. Returns whether b asked (and got the cookie back). */
static bool
init_from(struct side *b, uint32_t src)
{
	struct vpn_ike_peer pf;
	struct side f;
	bool asked = false;

	side_init(&f, src);
	peer_cfg(&pf, src, B_ADDR, true);
	vpn_ike_add_peer(f.ike, &pf);
	vpn_ike_tick(f.ike, clock_ms);
	CU_ASSERT_EQUAL_FATAL(f.nq, 1);
	b->nq = 0;
	vpn_ike_input(b->ike, clock_ms, B_ADDR, 500, src, 500, f.q[0].m,
	              f.q[0].len);
	f.nq = 0;
	if (b->nq == 1 && vpn_ike_stats(b->ike)->cookies_sent > 0 &&
	    b->q[0].len < 200) { /* a COOKIE notify, not an answer */
		vpn_ike_input(f.ike, clock_ms, src, 500, B_ADDR, 500, b->q[0].m,
		              b->q[0].len);
		b->nq = 0;
		CU_ASSERT_EQUAL_FATAL(f.nq, 1);
		vpn_ike_input(b->ike, clock_ms, B_ADDR, 500, src, 500, f.q[0].m,
		              f.q[0].len);
		asked = true;
	}
	b->nq = 0;
	side_free(&f);
	return asked;
}

/* IKE_SA_INITs from addresses no tunnel has, for a gateway without an
 * address: the first 32 answered (the pending SAs' share without a
 * cookie), then only with a cookie, and those within the DH budget of
 * 100 a second (32 at once, the lower half for sources without a pending
 * SA); the rest dropped. */
static void
test_pending_budget(void)
{
	char dir[64], cmd[320];
	const struct vpn_ike_stats *st;
	struct vpn_ike_peer p;
	struct vpn_pki *k;
	struct side b;
	uint32_t src = 0xc6336400u; /* 198.51.100.0 */
	unsigned int asked = 0;

	snprintf(dir, sizeof(dir), "/tmp/vpngw-ike-budget-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s/tools/vpngw-pki.sh %s gw-b >/dev/null",
	         VPNGW_SRCDIR, dir);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	k = pki_of(dir, "gw-b");
	CU_ASSERT_FATAL(k != NULL);
	side_init(&b, B_ADDR);
	vpn_ike_set_pki(b.ike, k);
	peer_cfg(&p, B_ADDR, 0, false);
	cert_cfg(&p, "gw-a");
	CU_ASSERT_EQUAL_FATAL(vpn_ike_add_peer(b.ike, &p), 0);
	st = vpn_ike_stats(b.ike);
	/* 40 at once, each from an address of its own: 32 answered with an
	 * SA (a DH exchange each, the whole burst), 8 asked for a cookie,
	 * returned it, and found no budget left. */
	for (unsigned int i = 0; i < 40; i++)
		asked += init_from(&b, src + i);
	CU_ASSERT_EQUAL(asked, 8);
	CU_ASSERT_EQUAL(st->init_limited, 8);
	/* 100 ms on: 10 tokens; 20 more (with cookies): 10 taken. */
	clock_ms += 100;
	for (unsigned int i = 40; i < 60; i++)
		asked += init_from(&b, src + i);
	CU_ASSERT_EQUAL(asked, 28);
	CU_ASSERT_EQUAL(st->init_limited, 18);
	/* A second on (a full bucket): one source returning cookies as fast
	 * as it can gets the upper half only (16), and a new source still
	 * gets in after it. */
	clock_ms += 1000;
	for (unsigned int i = 0; i < 30; i++)
		(void)init_from(&b, src + 100);
	CU_ASSERT_EQUAL(st->init_limited, 18 + 14);
	(void)init_from(&b, src + 101);
	CU_ASSERT_EQUAL(st->init_limited, 18 + 14);
	side_free(&b);
	vpn_pki_free(k);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* Bring a pair up with each side's PKI (NULL: none); true when both
 * have the Child SA. */
static bool
cert_pair_up(struct side *a, struct side *b, const struct vpn_pki *ka,
             const struct vpn_pki *kb, const struct vpn_ike_peer *pa,
             const struct vpn_ike_peer *pb)
{
	side_init(a, A_ADDR);
	side_init(b, B_ADDR);
	vpn_ike_set_pki(a->ike, ka);
	vpn_ike_set_pki(b->ike, kb);
	CU_ASSERT_EQUAL(vpn_ike_add_peer(a->ike, pa), 0);
	CU_ASSERT_EQUAL(vpn_ike_add_peer(b->ike, pb), 0);
	pump(a, b, 20, 10);
	return a->children == 1 && b->children == 1;
}

static void
test_pair_certs(void)
{
	char dir[64], cmd[256];
	struct vpn_pki *ka, *kb, *kx;
	struct vpn_ike_peer pa, pb;
	struct vpn_ike_peer_info ia, ib;
	struct side a, b;

	snprintf(dir, sizeof(dir), "/tmp/vpngw-ike-pki-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	for (int rsa = 0; rsa < 2; rsa++) {
		snprintf(cmd, sizeof(cmd),
		         "%s/tools/vpngw-pki.sh %s/%d %s gw-a gw-b >/dev/null "
		         "&& "
		         "%s/tools/vpngw-pki.sh %s/x >/dev/null",
		         VPNGW_SRCDIR, dir, rsa, rsa ? "--rsa" : "",
		         VPNGW_SRCDIR, dir);
		CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
		snprintf(cmd, sizeof(cmd), "%s/%d", dir, rsa);
		ka = pki_of(cmd, "gw-a");
		kb = pki_of(cmd, "gw-b");
		snprintf(cmd, sizeof(cmd), "%s/x", dir);
		kx = pki_of(cmd, "vpngw"); /* another CA's */
		CU_ASSERT_FATAL(ka && kb && kx);

		/* Both sides by certificate: up, each names the other. */
		peer_cfg(&pa, A_ADDR, B_ADDR, true);
		peer_cfg(&pb, B_ADDR, A_ADDR, false);
		/* By DN (any order), or by its subjectAltName (with
		 * strongSwan's type prefix). */
		cert_cfg(&pa, rsa ? "DNS:gw-b" : "CN=gw-b, O=vpngw, C=US");
		cert_cfg(&pb, "C=US, O=vpngw, CN=gw-a");
		CU_ASSERT(cert_pair_up(&a, &b, ka, kb, &pa, &pb));
		check_mirror(&a, &b);
		vpn_ike_peer_info(a.ike, 0, &ia);
		vpn_ike_peer_info(b.ike, 0, &ib);
		CU_ASSERT_STRING_EQUAL(ia.peer_subject,
		                       "C=US, O=vpngw, CN=gw-b");
		CU_ASSERT_STRING_EQUAL(ib.peer_subject,
		                       "C=US, O=vpngw, CN=gw-a");
		CU_ASSERT_STRING_EQUAL(ib.peer_issuer,
		                       "C=US, O=vpngw, CN=vpngw private CA");
		side_free(&a);
		side_free(&b);

		/* The responder expects another identity: refused, both
		 * count it, no Child SA. */
		cert_cfg(&pb, "C=US, O=vpngw, CN=gw-c");
		CU_ASSERT(!cert_pair_up(&a, &b, ka, kb, &pa, &pb));
		CU_ASSERT(vpn_ike_stats(b.ike)->auth_failed >= 1);
		CU_ASSERT(vpn_ike_stats(a.ike)->auth_failed >= 1);
		side_free(&a);
		side_free(&b);

		/* The initiator's certificate from another CA. */
		cert_cfg(&pb, "C=US, O=vpngw, CN=vpngw");
		CU_ASSERT(!cert_pair_up(&a, &b, kx, kb, &pa, &pb));
		CU_ASSERT(vpn_ike_stats(b.ike)->auth_failed >= 1);
		side_free(&a);
		side_free(&b);

		/* One side by PSK, the other by certificate: refused. */
		peer_cfg(&pb, B_ADDR, A_ADDR, false);
		CU_ASSERT(!cert_pair_up(&a, &b, ka, NULL, &pa, &pb));
		side_free(&a);
		side_free(&b);

		/* The initiator sends gw-a's certificate but signs with
		 * another key (gw-b's): what someone with a copy of the
		 * certificate and not its key does. Refused, and why. */
		{
			EVP_PKEY *mine = ka->key;

			ka->key = kb->key;
			peer_cfg(&pb, B_ADDR, A_ADDR, false);
			cert_cfg(&pb, "C=US, O=vpngw, CN=gw-a");
			logged_clear();
			CU_ASSERT(!cert_pair_up(&a, &b, ka, kb, &pa, &pb));
			CU_ASSERT(vpn_ike_stats(b.ike)->auth_failed >= 1);
			CU_ASSERT_PTR_NOT_NULL(strstr(
			        logged, "(\"C=US, O=vpngw, CN=gw-a\"): bad "
			                "signature"));
			CU_ASSERT_EQUAL(b.children, 0);
			side_free(&a);
			side_free(&b);
			ka->key = mine;
		}

		/* No PKI loaded: nothing to sign with, nothing up. */
		cert_cfg(&pb, "C=US, O=vpngw, CN=gw-a");
		CU_ASSERT(!cert_pair_up(&a, &b, NULL, kb, &pa, &pb));
		side_free(&a);
		side_free(&b);
		vpn_pki_free(ka);
		vpn_pki_free(kb);
		vpn_pki_free(kx);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* ---- customer gateways without an address --------------------------- */

/* Clients behind one NAT (public address A_ADDR): client k's port P
 * leaves as 10000 + 100 * (k + shift[k]) + (P == 4500). */
#define NAT_CLIENTS 3
static unsigned int nat_shift[16];
static bool nat_init_only; /* clients get no further than IKE_SA_INIT */

static uint16_t
nat_out(unsigned int k, uint16_t port)
{
	return (uint16_t)(10000 + 100 * (k + nat_shift[k]) + (port == 4500));
}

/* Deliver each client's messages to r through the NAT and r's answers
 * back to the client whose mapping they are addressed to; tick all. */
static void
pump_nat(struct side *r, struct side *cl, unsigned int n, unsigned int rounds,
         uint64_t step)
{
	for (unsigned int round = 0; round < rounds; round++) {
		for (unsigned int k = 0; k < n; k++) {
			struct side *c = &cl[k];

			for (unsigned int i = 0; i < c->nq; i++)
				if (!nat_init_only || c->q[i].m[18] == 34)
					vpn_ike_input(r->ike, clock_ms, r->addr,
					              c->q[i].dport, A_ADDR,
					              nat_out(k, c->q[i].sport),
					              c->q[i].m, c->q[i].len);
			c->nq = 0;
		}
		for (unsigned int i = 0; i < r->nq; i++)
			for (unsigned int k = 0; k < n; k++) {
				uint16_t d = r->q[i].dport;

				if (d != nat_out(k, 500) &&
				    d != nat_out(k, 4500))
					continue;
				vpn_ike_input(cl[k].ike, clock_ms, cl[k].addr,
				              d == nat_out(k, 4500) ? 4500
				                                    : 500,
				              r->addr, r->q[i].sport, r->q[i].m,
				              r->q[i].len);
			}
		r->nq = 0;
		clock_ms += step;
		vpn_ike_tick(r->ike, clock_ms);
		for (unsigned int k = 0; k < n; k++)
			vpn_ike_tick(cl[k].ike, clock_ms);
	}
}

/* The Child SA r installed whose outbound SPI is spi, or NULL. */
static const struct vpn_ike_child *
kid_out(const struct side *r, uint32_t spi)
{
	for (int i = 0; i < 8; i++)
		if (r->live[i] && r->kids[i].spi_out == spi)
			return &r->kids[i];
	return NULL;
}

static void
test_pair_roaming(void)
{
	static const char *const names[NAT_CLIENTS] = {"gw-a", "gw-c", "gw-x"};
	char dir[64], cmd[320];
	struct vpn_pki *kr, *kc[NAT_CLIENTS];
	struct vpn_ike_peer p;
	struct vpn_ike_peer_info info;
	struct side r, cl[NAT_CLIENTS];
	const struct vpn_ike_child *k0, *k1;
	uint32_t c_addr = 0xc000020au; /* 192.0.2.10, behind the NAT */

	snprintf(dir, sizeof(dir), "/tmp/vpngw-ike-roam-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
	         "%s/tools/vpngw-pki.sh %s gw-b gw-a gw-c gw-x >/dev/null",
	         VPNGW_SRCDIR, dir);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	kr = pki_of(dir, "gw-b");
	CU_ASSERT_FATAL(kr != NULL);
	for (int k = 0; k < NAT_CLIENTS; k++) {
		kc[k] = pki_of(dir, names[k]);
		CU_ASSERT_FATAL(kc[k] != NULL);
	}

	/* Without an address only by certificate, and never started. */
	side_init(&r, B_ADDR);
	vpn_ike_set_pki(r.ike, kr);
	peer_cfg(&p, B_ADDR, 0, true);
	cert_cfg(&p, "gw-a");
	CU_ASSERT_EQUAL(vpn_ike_add_peer(r.ike, &p), -EINVAL);
	peer_cfg(&p, B_ADDR, 0, false);
	CU_ASSERT_EQUAL(vpn_ike_add_peer(r.ike, &p), -EINVAL);
	/* The responder: two gateways without an address on B_ADDR (gw-c
	 * first), one on another address of ours; DPD restart, which
	 * must not start anything. */
	cert_cfg(&p, "C=US, O=vpngw, CN=gw-c");
	snprintf(p.name, sizeof(p.name), "c/1");
	p.dpd_action = VPN_IKE_DPD_RESTART;
	CU_ASSERT_EQUAL(vpn_ike_add_peer(r.ike, &p), 0);
	cert_cfg(&p, "gw-a");
	snprintf(p.name, sizeof(p.name), "a/1");
	CU_ASSERT_EQUAL(vpn_ike_add_peer(r.ike, &p), 1);
	p.local = B_ADDR + 1;
	cert_cfg(&p, "gw-x");
	snprintf(p.name, sizeof(p.name), "x/2");
	CU_ASSERT_EQUAL(vpn_ike_add_peer(r.ike, &p), 2);
	/* Three initiators behind one NAT, from the same private address:
	 * gw-a and gw-c, and gw-x, whose tunnel is on another address. */
	for (int k = 0; k < NAT_CLIENTS; k++) {
		nat_shift[k] = 0;
		side_init(&cl[k], c_addr);
		vpn_ike_set_pki(cl[k].ike, kc[k]);
		peer_cfg(&p, c_addr, B_ADDR, true);
		cert_cfg(&p, "gw-b");
		CU_ASSERT_EQUAL(vpn_ike_add_peer(cl[k].ike, &p), 0);
	}
	pump_nat(&r, cl, NAT_CLIENTS, 30, 10);
	CU_ASSERT_EQUAL(cl[0].children, 1);
	CU_ASSERT_EQUAL(cl[1].children, 1);
	CU_ASSERT_EQUAL(cl[2].children, 0);
	CU_ASSERT_EQUAL(r.children, 2);
	CU_ASSERT(vpn_ike_stats(r.ike)->auth_failed >= 1);
	/* Each tunnel has its own gateway: the certificate it proved, the
	 * NAT's address and the port its mapping has; ESP in UDP to it. */
	CU_ASSERT_EQUAL(vpn_ike_peer_info(r.ike, 1, &info), 0);
	CU_ASSERT_STRING_EQUAL(info.ike_state, "established");
	CU_ASSERT_STRING_EQUAL(info.peer_subject, "C=US, O=vpngw, CN=gw-a");
	CU_ASSERT_EQUAL(info.remote, A_ADDR);
	CU_ASSERT_EQUAL(info.rport, nat_out(0, 4500));
	CU_ASSERT(info.nat);
	CU_ASSERT_EQUAL(vpn_ike_peer_info(r.ike, 0, &info), 0);
	CU_ASSERT_STRING_EQUAL(info.peer_subject, "C=US, O=vpngw, CN=gw-c");
	CU_ASSERT_EQUAL(info.rport, nat_out(1, 4500));
	CU_ASSERT_EQUAL(vpn_ike_peer_info(r.ike, 2, &info), 0);
	CU_ASSERT_STRING_EQUAL(info.ike_state, "down");
	for (int k = 0; k < 2; k++) {
		const struct vpn_ike_child *c = kid(&cl[k], cl[k].routed);

		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		k0 = kid_out(&r, c->spi_in);
		CU_ASSERT_PTR_NOT_NULL_FATAL(k0);
		CU_ASSERT_EQUAL(k0->spi_in, c->spi_out);
		CU_ASSERT(k0->udp_encap);
		CU_ASSERT_EQUAL(k0->remote, A_ADDR);
		CU_ASSERT_EQUAL(k0->dport, nat_out((unsigned int)k, 4500));
	}
	/* gw-a's NAT mapping changes: its next message (DPD) comes from
	 * another port; the responder follows with a new Child SA there. */
	k0 = kid_out(&r, kid(&cl[0], cl[0].routed)->spi_in);
	nat_shift[0] = 50;
	pump_nat(&r, cl, NAT_CLIENTS, 40, 1000);
	CU_ASSERT_EQUAL(vpn_ike_stats(r.ike)->peer_moves, 1);
	CU_ASSERT_EQUAL(vpn_ike_peer_info(r.ike, 1, &info), 0);
	CU_ASSERT_STRING_EQUAL(info.ike_state, "established");
	CU_ASSERT_EQUAL(info.rport, nat_out(0, 4500));
	k1 = kid_out(&r, kid(&cl[0], cl[0].routed)->spi_in);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k1);
	CU_ASSERT(k0 == NULL || k1->spi_in != k0->spi_in);
	CU_ASSERT_EQUAL(k1->dport, nat_out(0, 4500));
	CU_ASSERT_EQUAL(k1->remote, A_ADDR);
	/* gw-c did not move, and stays up. */
	CU_ASSERT_EQUAL(vpn_ike_peer_info(r.ike, 0, &info), 0);
	CU_ASSERT_STRING_EQUAL(info.ike_state, "established");
	CU_ASSERT_EQUAL(info.rport, nat_out(1, 4500));
	for (int k = 0; k < NAT_CLIENTS; k++)
		side_free(&cl[k]);
	side_free(&r);

	/* Two tunnels gw-a's certificate names both (its DNS name, its DN):
	 * neither, and said why; a tunnel whose phase 1 algorithms differ
	 * from the one its IKE SA was answered under: refused, said why. */
	for (int round = 0; round < 2; round++) {
		side_init(&r, B_ADDR);
		vpn_ike_set_pki(r.ike, kr);
		peer_cfg(&p, B_ADDR, 0, false);
		cert_cfg(&p, round ? "gw-c" : "gw-a");
		if (round) { /* AES-256 only, then AES-128 only */
			p.ike.encr[0].key_bits = 256;
		}
		vpn_ike_add_peer(r.ike, &p);
		peer_cfg(&p, B_ADDR, 0, false);
		cert_cfg(&p, "C=US, O=vpngw, CN=gw-a");
		vpn_ike_add_peer(r.ike, &p);
		side_init(&cl[0], c_addr);
		vpn_ike_set_pki(cl[0].ike, kc[0]);
		peer_cfg(&p, c_addr, B_ADDR, true);
		cert_cfg(&p, "gw-b");
		p.ike.n_encr = 2; /* AES-256 first, then AES-128 */
		p.ike.encr[1] = p.ike.encr[0];
		p.ike.encr[0].key_bits = 256;
		vpn_ike_add_peer(cl[0].ike, &p);
		logged_clear();
		pump_nat(&r, cl, 1, 20, 10);
		CU_ASSERT_EQUAL(r.children, 0);
		CU_ASSERT(vpn_ike_stats(r.ike)->auth_failed >= 1);
		CU_ASSERT_PTR_NOT_NULL(strstr(
		        logged, round ? "does not take the IKE SA's algorithms"
		                      : "identity ambiguous"));
		side_free(&cl[0]);
		side_free(&r);
	}

	/* A source behind which twelve initiators (cookies returned, so
	 * real) start IKE SAs and never authenticate: past two of its
	 * pending SAs it must return cookies, it keeps at most 8, its
	 * oldest make room; then gw-a from behind it still gets in. */
	{
		static struct side fl[12];

		side_init(&r, B_ADDR);
		vpn_ike_set_pki(r.ike, kr);
		peer_cfg(&p, B_ADDR, 0, false);
		cert_cfg(&p, "gw-a");
		vpn_ike_add_peer(r.ike, &p);
		for (int k = 0; k < 12; k++) {
			nat_shift[k] = 0;
			side_init(&fl[k], c_addr);
			vpn_ike_set_pki(fl[k].ike, kc[1]);
			peer_cfg(&p, c_addr, B_ADDR, true);
			cert_cfg(&p, "gw-b");
			vpn_ike_add_peer(fl[k].ike, &p);
		}
		nat_init_only = true;
		pump_nat(&r, fl, 12, 10, 10);
		nat_init_only = false;
		CU_ASSERT(vpn_ike_stats(r.ike)->cookies_sent >= 10);
		CU_ASSERT(vpn_ike_stats(r.ike)->pending_full >= 4);
		CU_ASSERT(r.ike->n_pend <= IKE_PENDING_PER_SOURCE);
		for (int k = 0; k < 12; k++)
			side_free(&fl[k]);
		side_init(&cl[0], c_addr);
		vpn_ike_set_pki(cl[0].ike, kc[0]);
		peer_cfg(&p, c_addr, B_ADDR, true);
		cert_cfg(&p, "gw-b");
		vpn_ike_add_peer(cl[0].ike, &p);
		pump_nat(&r, cl, 1, 20, 10);
		CU_ASSERT_EQUAL(cl[0].children, 1);
		CU_ASSERT_EQUAL(r.children, 1);
		side_free(&cl[0]);
		side_free(&r);
	}

	for (int k = 0; k < NAT_CLIENTS; k++)
		vpn_pki_free(kc[k]);
	vpn_pki_free(kr);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void
test_pair_fragments(void)
{
	struct vpn_ike_peer pa, pb;
	struct side a, b;

	/* Fragments of 200 bytes: IKE_AUTH and the rekeys (with PFS over
	 * MODP-2048, whose KE alone is 256 bytes) go in several SKF
	 * payloads each way, and everything still works. */
	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	pa.frag_size = pb.frag_size = 200;
	pa.esp_lifetime = 12;
	pa.rekey_margin = 4;
	pa.esp.n_dh = pb.esp.n_dh = 1;
	pa.esp.dh[0] = pb.esp.dh[0] = 14;
	gaps = 0;
	CU_ASSERT_FATAL(pair_up(&a, &b, &pa, &pb));
	CU_ASSERT(vpn_ike_stats(a.ike)->fragments_sent >= 2);
	CU_ASSERT(vpn_ike_stats(b.ike)->fragments_received >= 2);
	pump(&a, &b, 30, 1000);
	CU_ASSERT(vpn_ike_stats(a.ike)->child_rekeys >= 2);
	CU_ASSERT(vpn_ike_stats(b.ike)->fragments_sent >= 4);
	CU_ASSERT_EQUAL(gaps, 0);
	check_mirror(&a, &b);
	side_free(&a);
	side_free(&b);
}

static unsigned int
live(const struct side *s)
{
	unsigned int n = 0;

	for (int i = 0; i < 8; i++)
		n += s->live[i];
	return n;
}

/* a (initiator) rekeys its Child SA every ~8 s, b never does. */
static void
rekeying_pair(struct vpn_ike_peer *pa, struct vpn_ike_peer *pb)
{
	peer_cfg(pa, A_ADDR, B_ADDR, true);
	peer_cfg(pb, B_ADDR, A_ADDR, false);
	pa->esp_lifetime = 12;
	pa->rekey_margin = 4;
	pb->esp_lifetime = 1000;
}

static void
test_pair_rekeys(void)
{
	struct vpn_ike_peer pa, pb;
	struct side a, b;

	/* a rekeys its Child SA every ~8 s with PFS (DH 19), b never
	 * does: make-before-break, every new pair of keys mirrored. */
	rekeying_pair(&pa, &pb);
	pa.esp.n_dh = pb.esp.n_dh = 1;
	pa.esp.dh[0] = pb.esp.dh[0] = 19;
	gaps = 0;
	CU_ASSERT_FATAL(pair_up(&a, &b, &pa, &pb));
	pump(&a, &b, 100, 1000);
	CU_ASSERT(vpn_ike_stats(a.ike)->child_rekeys >= 10);
	CU_ASSERT_EQUAL(vpn_ike_stats(a.ike)->child_rekeys,
	                vpn_ike_stats(b.ike)->child_rekeys);
	CU_ASSERT_EQUAL(gaps, 0);
	CU_ASSERT(live(&a) <= 2 && live(&b) <= 2);
	CU_ASSERT_EQUAL(vpn_ike_stats(a.ike)->expired, 0);
	check_mirror(&a, &b);
	side_free(&a);
	side_free(&b);

	/* The IKE SA every ~16 s too: the Child SAs live on, and the next
	 * Child SA rekey takes its keys from the new IKE SA. */
	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	pa.ike_lifetime = 20;
	pa.esp_lifetime = 12;
	pa.rekey_margin = 4;
	pb.esp_lifetime = pb.ike_lifetime = 1000;
	CU_ASSERT_FATAL(pair_up(&a, &b, &pa, &pb));
	pump(&a, &b, 100, 1000);
	CU_ASSERT(vpn_ike_stats(a.ike)->ike_rekeys >= 5);
	CU_ASSERT_EQUAL(vpn_ike_stats(a.ike)->ike_rekeys,
	                vpn_ike_stats(b.ike)->ike_rekeys);
	CU_ASSERT(vpn_ike_stats(a.ike)->child_rekeys >= 10);
	CU_ASSERT_EQUAL(gaps, 0);
	check_mirror(&a, &b);
	/* DPD still works over the rekeyed SA. */
	CU_ASSERT_EQUAL(vpn_ike_stats(a.ike)->dpd_dead, 0);
	side_free(&a);
	side_free(&b);

	/* Both sides rekey the same Child SA at the same moment (equal
	 * lifetimes, no fuzz): RFC 7296 2.8.1 keeps one. */
	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	pa.esp_lifetime = pb.esp_lifetime = 12;
	pa.rekey_margin = pb.rekey_margin = 4;
	CU_ASSERT_FATAL(pair_up(&a, &b, &pa, &pb));
	pump(&a, &b, 60, 1000);
	CU_ASSERT(vpn_ike_stats(a.ike)->collisions +
	                  vpn_ike_stats(b.ike)->collisions >=
	          1);
	CU_ASSERT_EQUAL(gaps, 0);
	pump(&a, &b, 3, 1000);
	CU_ASSERT(live(&a) <= 3 && live(&b) <= 3);
	check_mirror(&a, &b);
	side_free(&a);
	side_free(&b);

	/* Both sides rekey the IKE SA at once: one waits (TEMPORARY_FAILURE)
	 * and the other's goes through. */
	peer_cfg(&pa, A_ADDR, B_ADDR, true);
	peer_cfg(&pb, B_ADDR, A_ADDR, false);
	pa.ike_lifetime = pb.ike_lifetime = 20;
	pa.rekey_margin = pb.rekey_margin = 4;
	CU_ASSERT_FATAL(pair_up(&a, &b, &pa, &pb));
	gaps = 0;
	pump(&a, &b, 60, 1000);
	CU_ASSERT(vpn_ike_stats(a.ike)->ike_rekeys >= 2);
	CU_ASSERT_EQUAL(vpn_ike_stats(a.ike)->ike_rekeys,
	                vpn_ike_stats(b.ike)->ike_rekeys);
	CU_ASSERT_EQUAL(gaps, 0);
	check_mirror(&a, &b);
	side_free(&a);
	side_free(&b);

	/* A Child SA made in IKE_AUTH has no group: its first rekey takes
	 * the strongest a allows (21), b wants 19 (INVALID_KE once), and
	 * every later rekey proposes the group in use: no more INVALID_KE. */
	rekeying_pair(&pa, &pb);
	pa.esp.n_dh = 3;
	pa.esp.dh[0] = 14;
	pa.esp.dh[1] = 19;
	pa.esp.dh[2] = 21;
	pb.esp.n_dh = 1;
	pb.esp.dh[0] = 19;
	CU_ASSERT_FATAL(pair_up(&a, &b, &pa, &pb));
	pump(&a, &b, 60, 1000);
	CU_ASSERT(vpn_ike_stats(a.ike)->child_rekeys >= 5);
	CU_ASSERT_EQUAL(vpn_ike_stats(a.ike)->invalid_ke, 1);
	CU_ASSERT_EQUAL(gaps, 0);
	check_mirror(&a, &b);
	side_free(&a);
	side_free(&b);

	/* The same for the IKE SA: the first IKE_SA_INIT guesses the
	 * strongest group (20), b asks for 14, and a new IKE SA after a
	 * reset guesses 14 at once; its Child SA's first rekey takes the
	 * IKE SA's group. */
	rekeying_pair(&pa, &pb);
	pa.ike.n_dh = 3;
	pa.ike.dh[0] = 2;
	pa.ike.dh[1] = 20;
	pa.ike.dh[2] = 14;
	pb.ike.dh[0] = 14;
	pa.esp.n_dh = 2;
	pa.esp.dh[0] = 14;
	pa.esp.dh[1] = 19;
	pb.esp.n_dh = 1;
	pb.esp.dh[0] = 14;
	CU_ASSERT_FATAL(pair_up(&a, &b, &pa, &pb));
	CU_ASSERT_EQUAL(vpn_ike_stats(a.ike)->invalid_ke, 1);
	vpn_ike_reset(a.ike, 0, true);
	pump(&a, &b, 40, 1000);
	CU_ASSERT(vpn_ike_stats(a.ike)->ike_up >= 2);
	CU_ASSERT(vpn_ike_stats(a.ike)->child_rekeys >= 2);
	CU_ASSERT_EQUAL(vpn_ike_stats(a.ike)->invalid_ke, 1);
	check_mirror(&a, &b);
	side_free(&a);
	side_free(&b);

	/* The rekey's KE guess is wrong: INVALID_KE_PAYLOAD, then 19. */
	rekeying_pair(&pa, &pb);
	pa.esp.n_dh = 2;
	pa.esp.dh[0] = 14;
	pa.esp.dh[1] = 19;
	pb.esp.n_dh = 1;
	pb.esp.dh[0] = 19;
	CU_ASSERT_FATAL(pair_up(&a, &b, &pa, &pb));
	pump(&a, &b, 30, 1000);
	CU_ASSERT(vpn_ike_stats(a.ike)->child_rekeys >= 2);
	CU_ASSERT_EQUAL(gaps, 0);
	check_mirror(&a, &b);
	side_free(&a);
	side_free(&b);
}

void
register_ike_sa_tests(void)
{
	CU_pSuite s = CU_add_suite("ike_sa", NULL, NULL);

	CU_add_test(s, "DH groups 2, 5, 14-24", test_dh_groups);
	CU_add_test(s, "PRF and prf+", test_prf);
	CU_add_test(s, "SK payload seal/open, tampering", test_sk);
	CU_add_test(s, "two engines: algorithm matrix", test_pair_matrix);
	CU_add_test(s, "two engines: choices, failures, NAT, TS",
	            test_pair_choices);
	CU_add_test(s, "two engines: DPD, restart, delete",
	            test_pair_lifecycle);
	CU_add_test(s, "two engines: admin down/up, new settings",
	            test_pair_admin);
	CU_add_test(s, "two engines: rekeys, collisions", test_pair_rekeys);
	CU_add_test(s, "two engines: hostile requests", test_pair_hostile);
	CU_add_test(s, "two engines: IKE fragmentation", test_pair_fragments);
	CU_add_test(s, "two engines: certificates (ECDSA, RSA), refusals",
	            test_pair_certs);
	CU_add_test(s, "two engines: gateways without an address behind a NAT",
	            test_pair_roaming);
	CU_add_test(s, "two engines: cached answers rate-limited",
	            test_pair_resend_limit);
	CU_add_test(s, "two engines: duplicates, cookies",
	            test_pair_duplicates_and_cookies);
	CU_add_test(s, "cookie secrets change", test_cookie_secret_rotates);
	CU_add_test(s, "two engines: 200 tunnels start paced",
	            test_paced_start);
	CU_add_test(s, "tunnels found by address pair", test_peer_index);
	CU_add_test(s, "DH keys made ahead by helper threads", test_dh_helpers);
	CU_add_test(s, "cookie threshold follows the load", test_cookie_load);
	CU_add_test(s, "unknown addresses: DH work within a budget",
	            test_pending_budget);
}
