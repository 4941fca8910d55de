/* SPDX-License-Identifier: BSD-3-Clause */
/* The data plane's packet helpers: flow hash and steering, MSS clamping,
 * IPv4 fragmentation, ICMP fragmentation-needed, ARP. */
#include <errno.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "vpn_pkt.h"

extern struct rte_mempool *test_pool;

/* An IPv4 packet: header (ihl bytes, options after 20 zeroed unless
 * given), protocol, payload of n bytes. */
static unsigned int
ipv4(uint8_t *p, unsigned int ihl, uint8_t proto, unsigned int n, uint16_t frag)
{
	unsigned int tot = ihl + n;
	uint16_t v;

	memset(p, 0, ihl);
	p[0] = (uint8_t)(0x40 | ihl / 4);
	p[2] = (uint8_t)(tot >> 8);
	p[3] = (uint8_t)tot;
	p[4] = 0x12;
	p[5] = 0x34;
	p[6] = (uint8_t)(frag >> 8);
	p[7] = (uint8_t)frag;
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, "\xc6\x33\x64\x0a\xc0\x00\x02\x82", 8);
	for (unsigned int i = 0; i < n; i++)
		p[ihl + i] = (uint8_t)(i * 13 + 7);
	v = rte_ipv4_cksum((const struct rte_ipv4_hdr *)p);
	memcpy(p + 10, &v, 2);
	return tot;
}

static struct rte_mbuf *
mbuf_of(const uint8_t *p, unsigned int len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_pool);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rte_pktmbuf_append(m, (uint16_t)len));
	memcpy(rte_pktmbuf_mtod(m, void *), p, len);
	return m;
}

/* ---- flows and steering ------------------------------------------------- */

static void
test_flow_steer(void)
{
	uint8_t a[64], b[64];
	unsigned int n = ipv4(a, 20, 17, 20, 0), per[2] = {0, 0};

	memcpy(b, a, n);
	CU_ASSERT_EQUAL(vpn_flow_hash(a, n), vpn_flow_hash(b, n));
	b[21] ^= 1; /* another source port */
	CU_ASSERT_NOT_EQUAL(vpn_flow_hash(a, n), vpn_flow_hash(b, n));
	/* payload and TTL are not part of the flow */
	memcpy(b, a, n);
	b[8] = 3;
	b[30] ^= 0xff;
	CU_ASSERT_EQUAL(vpn_flow_hash(a, n), vpn_flow_hash(b, n));
	/* fragments hash without ports */
	ipv4(b, 20, 17, 20, 0x0010);
	uint32_t f1 = vpn_flow_hash(b, n);
	b[21] ^= 1;
	CU_ASSERT_EQUAL(vpn_flow_hash(b, n), f1);
	CU_ASSERT_EQUAL(vpn_flow_hash(a, 3), vpn_flow_hash(b, 3)); /* short */

	CU_ASSERT_EQUAL(vpn_steer_pick(VPN_STEER_STANDBY, 3, 0xffffffff), 0);
	CU_ASSERT_EQUAL(vpn_steer_pick(VPN_STEER_STANDBY, 2, 0), 1);
	CU_ASSERT_EQUAL(vpn_steer_pick(VPN_STEER_STANDBY, 0, 0), -1);
	CU_ASSERT_EQUAL(vpn_steer_pick(VPN_STEER_ACTIVE, 1, 0xffffffff), 0);
	CU_ASSERT_EQUAL(vpn_steer_pick(VPN_STEER_ACTIVE, 0, 7), -1);
	/* active/active: many flows spread over both; each stays put */
	for (unsigned int f = 0; f < 2000; f++) {
		ipv4(a, 20, 6, 20, 0);
		a[20] = (uint8_t)(f >> 8);
		a[21] = (uint8_t)f;
		a[23] = (uint8_t)(f * 7);
		int t = vpn_steer_pick(VPN_STEER_ACTIVE, 3,
		                       vpn_flow_hash(a, n));
		CU_ASSERT_FATAL(t == 0 || t == 1);
		CU_ASSERT_EQUAL(vpn_steer_pick(VPN_STEER_ACTIVE, 3,
		                               vpn_flow_hash(a, n)),
		                t);
		per[t]++;
		/* with tunnel 1 down, everything on tunnel 2 */
		CU_ASSERT_EQUAL(vpn_steer_pick(VPN_STEER_ACTIVE, 2,
		                               vpn_flow_hash(a, n)),
		                1);
	}
	CU_ASSERT_TRUE(per[0] > 800 && per[1] > 800);
	/* a route's via: which tunnels, over what is up */
	for (unsigned int up = 0; up < 4; up++)
		for (uint32_t h = 0; h < 2; h++) {
			uint32_t hash = h << 31;
			int both = vpn_steer_pick(VPN_STEER_ACTIVE, up, hash);

			CU_ASSERT_EQUAL(
			        vpn_via_pick(VPN_VIA_STEER, VPN_STEER_STANDBY,
			                     up, hash),
			        vpn_steer_pick(VPN_STEER_STANDBY, up, 0));
			CU_ASSERT_EQUAL(vpn_via_pick(VPN_VIA_STEER,
			                             VPN_STEER_ACTIVE, up,
			                             hash),
			                both);
			CU_ASSERT_EQUAL(vpn_via_pick(VPN_VIA_BOTH,
			                             VPN_STEER_STANDBY, up,
			                             hash),
			                both);
			CU_ASSERT_EQUAL(vpn_via_pick(VPN_VIA_PREFER1,
			                             VPN_STEER_ACTIVE, up,
			                             hash),
			                up == 0  ? -1
			                : up & 1 ? 0
			                         : 1);
			CU_ASSERT_EQUAL(vpn_via_pick(VPN_VIA_PREFER2,
			                             VPN_STEER_ACTIVE, up,
			                             hash),
			                up == 0  ? -1
			                : up & 2 ? 1
			                         : 0);
			CU_ASSERT_EQUAL(vpn_via_pick(VPN_VIA_ONLY1,
			                             VPN_STEER_ACTIVE, up,
			                             hash),
			                up & 1 ? 0 : -1);
			CU_ASSERT_EQUAL(vpn_via_pick(VPN_VIA_ONLY2,
			                             VPN_STEER_ACTIVE, up,
			                             hash),
			                up & 2 ? 1 : -1);
		}
	CU_ASSERT_TRUE(vpn_via_hashes(VPN_VIA_BOTH, VPN_STEER_STANDBY, 3));
	CU_ASSERT_TRUE(vpn_via_hashes(VPN_VIA_STEER, VPN_STEER_ACTIVE, 3));
	CU_ASSERT_FALSE(vpn_via_hashes(VPN_VIA_STEER, VPN_STEER_STANDBY, 3));
	CU_ASSERT_FALSE(vpn_via_hashes(VPN_VIA_BOTH, VPN_STEER_ACTIVE, 1));
	CU_ASSERT_FALSE(vpn_via_hashes(VPN_VIA_PREFER2, VPN_STEER_ACTIVE, 3));
	/* IPv6 */
	uint8_t v6[60] = {0x60};
	v6[6] = 17;
	v6[40] = 1;
	uint32_t h6 = vpn_flow_hash(v6, 60);
	v6[40] = 2;
	CU_ASSERT_NOT_EQUAL(vpn_flow_hash(v6, 60), h6);
}

/* ---- MSS ------------------------------------------------------------------
 */

/* A TCP SYN over IPv4 with the given options, checksummed. */
static unsigned int
syn(uint8_t *p, const uint8_t *opt, unsigned int olen, uint8_t flags)
{
	unsigned int tcp = 20 + olen, tot = ipv4(p, 20, 6, tcp, 0x4000);
	uint8_t *t = p + 20;

	memset(t, 0, 20);
	t[0] = 0x30; /* port 12345 -> 443 */
	t[1] = 0x39;
	t[3] = 0xbb;
	t[12] = (uint8_t)((tcp / 4) << 4);
	t[13] = flags;
	t[14] = 0xfa;
	memcpy(t + 20, opt, olen);
	uint16_t c = rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)p, t);
	memcpy(t + 16, &c, 2);
	return tot;
}

/* The TCP checksum of an IPv4 (or IPv6) packet is right: recomputed with
 * the field zeroed, it comes out the same. */
static bool
tcp_ok_at(uint8_t *p, bool v6)
{
	uint8_t *t = p + (v6 ? 40 : 20);
	uint16_t have, want, zero = 0;

	memcpy(&have, t + 16, 2);
	memcpy(t + 16, &zero, 2);
	want = v6 ? rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)p, t)
	          : rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)p, t);
	memcpy(t + 16, &have, 2);
	return have == want;
}

static bool
tcp_ok(uint8_t *p)
{
	return tcp_ok_at(p, false);
}

static void
test_mss(void)
{
	static const uint8_t even[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7};
	static const uint8_t odd[] = {1, 2, 4, 0x05, 0xb4, 1, 1, 0};
	uint8_t p[128];
	unsigned int n;

	n = syn(p, even, sizeof(even), 0x02);
	CU_ASSERT_TRUE(tcp_ok(p));
	CU_ASSERT_EQUAL(vpn_mss_clamp(p, n, 1360), 1);
	CU_ASSERT_EQUAL(p[42] << 8 | p[43], 1360);
	CU_ASSERT_TRUE(tcp_ok(p));
	/* already small enough: untouched */
	CU_ASSERT_EQUAL(vpn_mss_clamp(p, n, 1400), 0);
	/* the MSS value at an odd offset */
	n = syn(p, odd, sizeof(odd), 0x12); /* SYN-ACK */
	CU_ASSERT_EQUAL(vpn_mss_clamp(p, n, 1300), 1);
	CU_ASSERT_EQUAL(p[43] << 8 | p[44], 1300);
	CU_ASSERT_TRUE(tcp_ok(p));
	/* not a SYN */
	n = syn(p, even, sizeof(even), 0x10);
	CU_ASSERT_EQUAL(vpn_mss_clamp(p, n, 1000), 0);
	/* options that lie about their length; truncated packets */
	static const uint8_t bad[] = {3, 40, 2, 4, 0x05, 0xb4, 0, 0};
	n = syn(p, bad, sizeof(bad), 0x02);
	CU_ASSERT_EQUAL(vpn_mss_clamp(p, n, 1000), 0);
	n = syn(p, even, sizeof(even), 0x02);
	for (unsigned int l = 0; l < n; l++)
		CU_ASSERT_EQUAL(vpn_mss_clamp(p, l, 1000), 0);
	/* a fragment is left alone */
	n = syn(p, even, sizeof(even), 0x02);
	p[7] = 1;
	CU_ASSERT_EQUAL(vpn_mss_clamp(p, n, 1000), 0);
	/* IPv6 */
	uint8_t v6[80] = {0x60, 0, 0, 0, 0, 28, 6, 64};
	memcpy(v6 + 40 + 20, even, sizeof(even));
	v6[40 + 12] = 7 << 4;
	v6[40 + 13] = 0x02;
	uint16_t c =
	        rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)v6, v6 + 40);
	memcpy(v6 + 56, &c, 2);
	CU_ASSERT_EQUAL(vpn_mss_clamp(v6, 68, 1220), 1);
	CU_ASSERT_EQUAL(v6[62] << 8 | v6[63], 1220);
	CU_ASSERT_TRUE(tcp_ok_at(v6, true));
	CU_ASSERT_EQUAL(vpn_mss_for_mtu(1400, false), 1360);
	CU_ASSERT_EQUAL(vpn_mss_for_mtu(1400, true), 1340);
}

/* ---- fragmentation ----------------------------------------------------------
 */

static void
test_fragment(void)
{
	static uint8_t p[4000], re[4000];
	struct rte_mbuf *out[8];
	unsigned int n, avail = rte_mempool_avail_count(test_pool);
	int k;

	/* 3000 bytes of data, MTU 1400: 1376 + 1376 + 248 */
	n = ipv4(p, 20, 17, 3000, 0);
	struct rte_mbuf *m = mbuf_of(p, n);
	k = vpn_ipv4_fragment(m, 1400, test_pool, out, 8);
	CU_ASSERT_EQUAL_FATAL(k, 3);
	unsigned int got = 0;
	for (int i = 0; i < k; i++) {
		const uint8_t *f = rte_pktmbuf_mtod(out[i], const uint8_t *);
		unsigned int flen = rte_pktmbuf_data_len(out[i]);
		unsigned int off =
		        (unsigned int)((f[6] & 0x1f) << 8 | f[7]) * 8;

		CU_ASSERT_TRUE(flen <= 1400);
		CU_ASSERT_EQUAL((unsigned int)(f[2] << 8 | f[3]), flen);
		CU_ASSERT_EQUAL(rte_raw_cksum(f, 20), 0xffff);
		CU_ASSERT_EQUAL(!!(f[6] & 0x20), i < k - 1); /* MF */
		CU_ASSERT_EQUAL(f[4] << 8 | f[5], 0x1234);   /* same ID */
		CU_ASSERT_EQUAL(off, got);
		memcpy(re + off, f + 20, flen - 20);
		got += flen - 20;
		rte_pktmbuf_free(out[i]);
	}
	CU_ASSERT_EQUAL(got, 3000);
	CU_ASSERT_EQUAL(memcmp(re, p + 20, 3000), 0);
	rte_pktmbuf_free(m);

	/* options: only those with the copy flag go into later fragments */
	n = ipv4(p, 32, 17, 2000, 0);
	memcpy(p + 20,
	       "\x07\x07\x04\x00\x00\x00\x00" /* record route */
	       "\x82\x04\xaa\xbb"             /* copied */
	       "\x00",
	       12);
	uint16_t z = 0, c;
	memcpy(p + 10, &z, 2);
	c = rte_ipv4_cksum((const struct rte_ipv4_hdr *)p);
	memcpy(p + 10, &c, 2);
	m = mbuf_of(p, n);
	k = vpn_ipv4_fragment(m, 1000, test_pool, out, 8);
	CU_ASSERT_EQUAL_FATAL(k, 3);
	const uint8_t *f0 = rte_pktmbuf_mtod(out[0], const uint8_t *);
	const uint8_t *f1 = rte_pktmbuf_mtod(out[1], const uint8_t *);
	CU_ASSERT_EQUAL(f0[0], 0x48); /* all 32 bytes of header */
	CU_ASSERT_EQUAL(f1[0], 0x46); /* 20 + the copied 4 */
	CU_ASSERT_EQUAL(memcmp(f1 + 20, "\x82\x04\xaa\xbb", 4), 0);
	CU_ASSERT_EQUAL(rte_raw_cksum(f1, 24), 0xffff);
	for (int i = 0; i < k; i++)
		rte_pktmbuf_free(out[i]);
	rte_pktmbuf_free(m);

	/* a fragment of a fragment keeps the offset and the MF */
	n = ipv4(p, 20, 17, 1600, 0x2000 | 100);
	m = mbuf_of(p, n);
	k = vpn_ipv4_fragment(m, 1000, test_pool, out, 8);
	CU_ASSERT_EQUAL_FATAL(k, 2);
	f1 = rte_pktmbuf_mtod(out[1], const uint8_t *);
	CU_ASSERT_EQUAL(f1[6] & 0x20, 0x20);
	CU_ASSERT_EQUAL(((f1[6] & 0x1f) << 8 | f1[7]), 100 + 976 / 8);
	for (int i = 0; i < k; i++)
		rte_pktmbuf_free(out[i]);
	rte_pktmbuf_free(m);

	/* DF set, too many fragments, lies: errors, nothing leaked */
	n = ipv4(p, 20, 17, 3000, 0x4000);
	m = mbuf_of(p, n);
	CU_ASSERT_EQUAL(vpn_ipv4_fragment(m, 1400, test_pool, out, 8), -EINVAL);
	rte_pktmbuf_free(m);
	n = ipv4(p, 20, 17, 3000, 0);
	m = mbuf_of(p, n);
	CU_ASSERT_EQUAL(vpn_ipv4_fragment(m, 1400, test_pool, out, 2),
	                -EMSGSIZE);
	CU_ASSERT_EQUAL(vpn_ipv4_fragment(m, 20, test_pool, out, 8), -EINVAL);
	rte_pktmbuf_mtod(m, uint8_t *)[2] = (uint8_t)((n + 1) >> 8);
	rte_pktmbuf_mtod(m, uint8_t *)[3] = (uint8_t)(n + 1); /* > frame */
	CU_ASSERT_EQUAL(vpn_ipv4_fragment(m, 1400, test_pool, out, 8), -EINVAL);
	rte_pktmbuf_free(m);
	CU_ASSERT_EQUAL(rte_mempool_avail_count(test_pool), avail);
}

/* ---- ICMP fragmentation needed
 * ----------------------------------------------- */

static void
test_icmp(void)
{
	static uint8_t p[2000];
	unsigned int n = ipv4(p, 20, 17, 1480, 0x4000);
	struct rte_mbuf *m = mbuf_of(p, n), *r;
	const uint8_t *q;

	r = vpn_icmp_frag_needed(m, 1400, 0xc6336401, test_pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	q = rte_pktmbuf_mtod(r, const uint8_t *);
	/* RFC 1812 4.3.2.3: as much as fits in 576 bytes */
	CU_ASSERT_EQUAL(rte_pktmbuf_data_len(r), 576);
	CU_ASSERT_EQUAL(q[9], 1);
	CU_ASSERT_EQUAL(rte_raw_cksum(q, 20), 0xffff);
	CU_ASSERT_EQUAL(memcmp(q + 12, "\xc6\x33\x64\x01\xc6\x33\x64\x0a", 8),
	                0);
	CU_ASSERT_EQUAL(q[20], 3);
	CU_ASSERT_EQUAL(q[21], 4);
	CU_ASSERT_EQUAL(q[26] << 8 | q[27], 1400);
	CU_ASSERT_EQUAL(q[2] << 8 | q[3], 576);
	CU_ASSERT_EQUAL(rte_raw_cksum(q + 20, 576 - 20), 0xffff);
	CU_ASSERT_EQUAL(memcmp(q + 28, p, 576 - 28), 0);
	rte_pktmbuf_free(r);
	rte_pktmbuf_free(m);

	/* not about ICMP errors, later fragments, bad senders */
	n = ipv4(p, 20, 1, 60, 0x4000);
	p[20] = 3;
	m = mbuf_of(p, n);
	CU_ASSERT_PTR_NULL(vpn_icmp_frag_needed(m, 1400, 1, test_pool));
	rte_pktmbuf_free(m);
	n = ipv4(p, 20, 1, 60, 0x4000);
	p[20] = 8; /* an echo request is fine */
	m = mbuf_of(p, n);
	r = vpn_icmp_frag_needed(m, 1400, 1, test_pool);
	CU_ASSERT_PTR_NOT_NULL(r);
	rte_pktmbuf_free(r);
	rte_pktmbuf_free(m);
	n = ipv4(p, 20, 17, 60, 0x0001);
	m = mbuf_of(p, n);
	CU_ASSERT_PTR_NULL(vpn_icmp_frag_needed(m, 1400, 1, test_pool));
	rte_pktmbuf_free(m);
	n = ipv4(p, 20, 17, 60, 0);
	memcpy(p + 12, "\xe0\x00\x00\x01", 4); /* from multicast */
	m = mbuf_of(p, n);
	CU_ASSERT_PTR_NULL(vpn_icmp_frag_needed(m, 1400, 1, test_pool));
	rte_pktmbuf_free(m);
	m = mbuf_of(p, 10);
	CU_ASSERT_PTR_NULL(vpn_icmp_frag_needed(m, 1400, 1, test_pool));
	rte_pktmbuf_free(m);
}

/* ---- TTL and time exceeded ---------------------------------------------- */

static void
test_ttl(void)
{
	uint8_t p[128];
	unsigned int n = ipv4(p, 24, 6, 40, 0x4000);
	struct rte_mbuf *m, *r;
	const uint8_t *q;

	/* Every TTL from 255 down: the checksum stays right (the header
	 * sums to 0xffff), one less each time, refused at 1. */
	for (unsigned int ttl = 255; ttl >= 1; ttl--) {
		uint16_t v;

		p[8] = (uint8_t)ttl;
		p[10] = p[11] = 0;
		v = rte_ipv4_cksum((const struct rte_ipv4_hdr *)p);
		memcpy(p + 10, &v, 2);
		if (ttl == 1) {
			CU_ASSERT_FALSE(vpn_ipv4_ttl_dec(p));
			CU_ASSERT_EQUAL(p[8], 1);
			break;
		}
		CU_ASSERT_TRUE(vpn_ipv4_ttl_dec(p));
		CU_ASSERT_EQUAL(p[8], ttl - 1);
		CU_ASSERT_EQUAL(rte_raw_cksum(p, 24), 0xffff);
	}
	p[8] = 0;
	CU_ASSERT_FALSE(vpn_ipv4_ttl_dec(p));

	/* Time exceeded: type 11 code 0, back to the sender, the whole
	 * (small) packet quoted. */
	n = ipv4(p, 20, 17, 40, 0);
	p[8] = 1;
	m = mbuf_of(p, n);
	r = vpn_icmp_time_exceeded(m, 0xc0000201, test_pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	q = rte_pktmbuf_mtod(r, const uint8_t *);
	CU_ASSERT_EQUAL(rte_pktmbuf_data_len(r), 20 + 8 + n);
	CU_ASSERT_EQUAL(rte_raw_cksum(q, 20), 0xffff);
	CU_ASSERT_EQUAL(memcmp(q + 12, "\xc0\x00\x02\x01\xc6\x33\x64\x0a", 8),
	                0);
	CU_ASSERT_EQUAL(q[20], 11);
	CU_ASSERT_EQUAL(q[21], 0);
	CU_ASSERT_EQUAL(q[24] | q[25] | q[26] | q[27], 0);
	CU_ASSERT_EQUAL(rte_raw_cksum(q + 20, 8 + n), 0xffff);
	CU_ASSERT_EQUAL(memcmp(q + 28, p, n), 0);
	rte_pktmbuf_free(r);
	rte_pktmbuf_free(m);
	/* never about an ICMP error */
	n = ipv4(p, 20, 1, 40, 0);
	p[20] = 11;
	m = mbuf_of(p, n);
	CU_ASSERT_PTR_NULL(vpn_icmp_time_exceeded(m, 1, test_pool));
	rte_pktmbuf_free(m);
}

/* ---- ARP -------------------------------------------------------------------
 */

static void
test_arp(void)
{
	struct vpn_arp a = {.op = 1,
	                    .sha = {2, 0, 0, 0, 0, 1},
	                    .spa = 0xcb007101,
	                    .tpa = 0xcb0071fe},
	               b;
	uint8_t p[28];

	vpn_arp_write(p, &a);
	CU_ASSERT_EQUAL(memcmp(p, "\x00\x01\x08\x00\x06\x04\x00\x01", 8), 0);
	CU_ASSERT_EQUAL(vpn_arp_parse(p, 28, &b), 0);
	CU_ASSERT_EQUAL(b.op, 1);
	CU_ASSERT_EQUAL(b.spa, 0xcb007101);
	CU_ASSERT_EQUAL(b.tpa, 0xcb0071fe);
	CU_ASSERT_EQUAL(memcmp(b.sha, a.sha, 6), 0);
	CU_ASSERT_EQUAL(vpn_arp_parse(p, 27, &b), -EINVAL);
	p[7] = 3; /* not a request or reply */
	CU_ASSERT_EQUAL(vpn_arp_parse(p, 28, &b), -EINVAL);
	p[7] = 2;
	p[4] = 8; /* not 6-byte hardware addresses */
	CU_ASSERT_EQUAL(vpn_arp_parse(p, 28, &b), -EINVAL);
}

void register_pkt_tests(void);

void
register_pkt_tests(void)
{
	CU_pSuite s = CU_add_suite("pkt", NULL, NULL);

	CU_add_test(s, "flow hash and steering", test_flow_steer);
	CU_add_test(s, "MSS clamping", test_mss);
	CU_add_test(s, "IPv4 fragmentation", test_fragment);
	CU_add_test(s, "ICMP fragmentation needed", test_icmp);
	CU_add_test(s, "TTL and time exceeded", test_ttl);
	CU_add_test(s, "ARP", test_arp);
}
