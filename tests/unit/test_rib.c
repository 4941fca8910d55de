/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/route's RIB: paths from static routes and BGP sessions, the
 * selection among them, flushes, counts, and growth to 10,000 prefixes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "vpn_fpm.h"
#include "vpn_rib.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static struct vpn_rib_path
stat(uint32_t addr, uint8_t len, uint32_t conn)
{
	return (struct vpn_rib_path){
	        .addr = addr, .len = len, .src = VPN_RIB_STATIC, .conn = conn};
}

static struct vpn_rib_path
bgp(uint32_t addr, uint8_t len, uint32_t conn, uint8_t tunnel, uint32_t as_path,
    uint32_t med)
{
	return (struct vpn_rib_path){.addr = addr,
	                             .len = len,
	                             .src = VPN_RIB_BGP,
	                             .tunnel = tunnel,
	                             .conn = conn,
	                             .as_path = as_path,
	                             .med = med};
}

static void
test_rib_refusals(void)
{
	struct vpn_rib *rib = vpn_rib_new();
	struct vpn_rib_path p = stat(IP(10, 1, 0, 1), 16, 0);
	struct vpn_rib_nh nh;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rib);
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &p), -EINVAL); /* host bits */
	p = stat(0, 33, 0);
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &p), -EINVAL);
	p = bgp(IP(10, 1, 0, 0), 16, 0, 2, 1, 0);
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &p), -EINVAL); /* tunnel 2 */
	p = stat(IP(10, 1, 0, 0), 16, 0);
	p.src = VPN_RIB_NSRC;
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &p), -EINVAL);
	p = stat(IP(10, 1, 0, 0), 16, 0);
	CU_ASSERT_EQUAL(vpn_rib_del(rib, &p), -ENOENT);
	CU_ASSERT_EQUAL(vpn_rib_best(rib, IP(10, 1, 0, 0), 16, &nh), -ENOENT);
	CU_ASSERT_FALSE(vpn_rib_changed(rib));
	/* the default route and a host route are prefixes like others */
	p = stat(0, 0, 3);
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &p), 1);
	p = stat(IP(192, 0, 2, 7), 32, 4);
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &p), 1);
	CU_ASSERT_EQUAL(vpn_rib_best(rib, 0, 0, &nh), 0);
	CU_ASSERT_EQUAL(nh.conn, 3);
	CU_ASSERT_EQUAL(nh.mode, VPN_RIB_STEER);
	CU_ASSERT_EQUAL(nh.tunnels, 3);
	CU_ASSERT_TRUE(vpn_rib_changed(rib));
	CU_ASSERT_FALSE(vpn_rib_changed(rib));
	CU_ASSERT_STRING_EQUAL(vpn_rib_src_name(VPN_RIB_BGP), "bgp");
	CU_ASSERT_STRING_EQUAL(vpn_rib_src_name(VPN_RIB_NSRC), "?");
	vpn_rib_free(rib);
}

/* Static beats BGP for the same prefix; BGP takes over when the static
 * route goes; connected beats both. */
static void
test_rib_sources(void)
{
	struct vpn_rib *rib = vpn_rib_new();
	struct vpn_rib_path s = stat(IP(10, 1, 0, 0), 16, 2),
	                    b = bgp(IP(10, 1, 0, 0), 16, 5, 0, 1, 0),
	                    c = {.addr = IP(10, 1, 0, 0),
	                         .len = 16,
	                         .src = VPN_RIB_CONNECTED,
	                         .conn = 1};
	struct vpn_rib_nh nh;

	CU_ASSERT_EQUAL(vpn_rib_add(rib, &b), 1);
	CU_ASSERT_EQUAL(vpn_rib_best(rib, b.addr, b.len, &nh), 0);
	CU_ASSERT_EQUAL(nh.src, VPN_RIB_BGP);
	CU_ASSERT_EQUAL(nh.conn, 5);
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &s), 1);
	CU_ASSERT_EQUAL(vpn_rib_best(rib, b.addr, b.len, &nh), 0);
	CU_ASSERT_EQUAL(nh.src, VPN_RIB_STATIC);
	CU_ASSERT_EQUAL(nh.conn, 2);
	/* a better BGP path changes nothing while the static route is there */
	b.as_path = 0;
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &b), 0);
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &c), 1);
	CU_ASSERT_EQUAL(vpn_rib_best(rib, b.addr, b.len, &nh), 0);
	CU_ASSERT_EQUAL(nh.src, VPN_RIB_CONNECTED);
	CU_ASSERT_EQUAL(vpn_rib_del(rib, &c), 1);
	CU_ASSERT_EQUAL(vpn_rib_del(rib, &s), 1);
	CU_ASSERT_EQUAL(vpn_rib_best(rib, b.addr, b.len, &nh), 0);
	CU_ASSERT_EQUAL(nh.src, VPN_RIB_BGP);
	CU_ASSERT_EQUAL(vpn_rib_prefixes(rib), 1);
	CU_ASSERT_EQUAL(vpn_rib_del(rib, &b), 1);
	CU_ASSERT_EQUAL(vpn_rib_prefixes(rib), 0);
	CU_ASSERT_EQUAL(vpn_rib_del(rib, &b), -ENOENT);
	/* two static routes to one prefix: the lower connection, whatever
	 * the order */
	s = stat(IP(10, 2, 0, 0), 16, 7);
	vpn_rib_add(rib, &s);
	s.conn = 4;
	vpn_rib_add(rib, &s);
	CU_ASSERT_EQUAL(vpn_rib_best(rib, s.addr, s.len, &nh), 0);
	CU_ASSERT_EQUAL(nh.conn, 4);
	vpn_rib_free(rib);
}

/* Among BGP paths: AS_PATH, then MED, then connection; over a
 * connection's two tunnels, equal paths are active/active and unequal
 * ones active/standby with the better tunnel first. */
static void
test_rib_bgp(void)
{
	struct vpn_rib *rib = vpn_rib_new();
	uint32_t a = IP(172, 16, 0, 0);
	struct vpn_rib_path t0 = bgp(a, 12, 1, 0, 2, 100),
	                    t1 = bgp(a, 12, 1, 1, 2, 100);
	struct vpn_rib_path other = bgp(a, 12, 0, 0, 3, 0);
	struct vpn_rib_nh nh;

	vpn_rib_add(rib, &t0);
	vpn_rib_best(rib, a, 12, &nh);
	CU_ASSERT_EQUAL(nh.mode, VPN_RIB_ACTIVE);
	CU_ASSERT_EQUAL(nh.tunnels, 1); /* one tunnel only */
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &t1), 1);
	vpn_rib_best(rib, a, 12, &nh);
	CU_ASSERT_EQUAL(nh.mode, VPN_RIB_ACTIVE);
	CU_ASSERT_EQUAL(nh.tunnels, 3); /* equal: both, flows hashed */
	/* withdrawn and announced again: the same selection, no change */
	CU_ASSERT_EQUAL(vpn_rib_del(rib, &t0), 1);
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &t0), 1);
	CU_ASSERT_EQUAL(vpn_rib_del(rib, &t0), 1);
	vpn_rib_changed(rib);
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &t0), 1);
	CU_ASSERT_EQUAL(vpn_rib_best(rib, a, 12, &nh), 0);
	CU_ASSERT_EQUAL(nh.primary, 0);
	{
		/* t1 first, then t0: the same selection as t0 then t1 */
		struct vpn_rib *r2 = vpn_rib_new();
		struct vpn_rib_nh nh2;

		vpn_rib_add(r2, &t1);
		vpn_rib_add(r2, &t0);
		vpn_rib_best(r2, a, 12, &nh2);
		CU_ASSERT_EQUAL(memcmp(&nh, &nh2, sizeof(nh)), 0);
		vpn_rib_free(r2);
	}
	/* the CGW prepends on tunnel 0: tunnel 1 first, 0 standby */
	t0.as_path = 4;
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &t0), 1);
	vpn_rib_best(rib, a, 12, &nh);
	CU_ASSERT_EQUAL(nh.mode, VPN_RIB_STANDBY);
	CU_ASSERT_EQUAL(nh.primary, 1);
	CU_ASSERT_EQUAL(nh.tunnels, 3);
	CU_ASSERT_EQUAL(nh.as_path, 2);
	/* same AS_PATH, lower MED on tunnel 0: tunnel 0 first */
	t0.as_path = 2;
	t0.med = 50;
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &t0), 1);
	vpn_rib_best(rib, a, 12, &nh);
	CU_ASSERT_EQUAL(nh.mode, VPN_RIB_STANDBY);
	CU_ASSERT_EQUAL(nh.primary, 0);
	CU_ASSERT_EQUAL(nh.med, 50);
	/* the lower MED on tunnel 1 now (it came later): tunnel 1 first */
	t1.med = 10;
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &t1), 1);
	vpn_rib_best(rib, a, 12, &nh);
	CU_ASSERT_EQUAL(nh.primary, 1);
	CU_ASSERT_EQUAL(nh.med, 10);
	t1.med = 100;
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &t1), 1);
	/* another connection with a longer AS_PATH is not chosen; shorter
	 * is, even with a higher MED */
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &other), 0);
	other.as_path = 1;
	other.med = 1000;
	CU_ASSERT_EQUAL(vpn_rib_add(rib, &other), 1);
	vpn_rib_best(rib, a, 12, &nh);
	CU_ASSERT_EQUAL(nh.conn, 0);
	CU_ASSERT_EQUAL(nh.tunnels, 1);
	/* all equal: the lower connection, in either order of arrival */
	other.as_path = 2;
	other.med = 50;
	vpn_rib_add(rib, &other);
	vpn_rib_best(rib, a, 12, &nh);
	CU_ASSERT_EQUAL(nh.conn, 0);
	CU_ASSERT_EQUAL(vpn_rib_count(rib, VPN_RIB_BGP, 1, VPN_RIB_ANY), 2);
	CU_ASSERT_EQUAL(vpn_rib_count(rib, VPN_RIB_BGP, VPN_RIB_ANY, 0), 2);
	CU_ASSERT_EQUAL(vpn_rib_count(rib, VPN_RIB_BGP, 0, 1), 0);
	/* connection 0's session goes down: back to connection 1 */
	CU_ASSERT_EQUAL(vpn_rib_flush(rib, VPN_RIB_BGP, 0, 0), 1);
	vpn_rib_best(rib, a, 12, &nh);
	CU_ASSERT_EQUAL(nh.conn, 1);
	CU_ASSERT_EQUAL(nh.primary, 0);
	/* tunnel 0's session of connection 1 down: tunnel 1 alone */
	CU_ASSERT_EQUAL(vpn_rib_flush(rib, VPN_RIB_BGP, 1, 0), 1);
	vpn_rib_best(rib, a, 12, &nh);
	CU_ASSERT_EQUAL(nh.tunnels, 2);
	CU_ASSERT_EQUAL(nh.mode, VPN_RIB_ACTIVE);
	vpn_rib_free(rib);
}

/* A route replaced or withdrawn whole (FRR's zebra): every path of one
 * source to one prefix goes, other sources and prefixes stay. */
static void
test_rib_flush_prefix(void)
{
	struct vpn_rib *rib = vpn_rib_new();
	uint32_t a = IP(172, 16, 0, 0), b = IP(172, 17, 0, 0);
	struct vpn_rib_path p[] = {
	        bgp(a, 16, 1, 0, 0, 0), bgp(a, 16, 1, 1, 0, 0),
	        bgp(a, 16, 2, 0, 0, 0), stat(a, 16, 3), bgp(b, 16, 1, 0, 0, 0)};
	struct vpn_rib_nh nh;

	for (unsigned int i = 0; i < 5; i++)
		vpn_rib_add(rib, &p[i]);
	CU_ASSERT_EQUAL(vpn_rib_flush_prefix(rib, a, 15, VPN_RIB_BGP), 0);
	CU_ASSERT_EQUAL(vpn_rib_flush_prefix(rib, a, 16, VPN_RIB_BGP), 3);
	CU_ASSERT_EQUAL(vpn_rib_best(rib, a, 16, &nh), 0);
	CU_ASSERT_EQUAL(nh.src, VPN_RIB_STATIC);
	CU_ASSERT_EQUAL(vpn_rib_count(rib, VPN_RIB_BGP, 1, VPN_RIB_ANY), 1);
	CU_ASSERT_EQUAL(vpn_rib_flush_prefix(rib, a, 16, VPN_RIB_STATIC), 1);
	CU_ASSERT_EQUAL(vpn_rib_best(rib, a, 16, &nh), -ENOENT);
	CU_ASSERT_EQUAL(vpn_rib_flush_prefix(rib, a, 16, VPN_RIB_BGP), 0);
	CU_ASSERT_EQUAL(vpn_rib_flush_prefix(rib, b, 16, VPN_RIB_BGP), 1);
	CU_ASSERT_EQUAL(vpn_rib_prefixes(rib), 0);
	CU_ASSERT_EQUAL(vpn_rib_flush_prefix(rib, b, 33, VPN_RIB_BGP), 0);
	vpn_rib_free(rib);
}

/* ---- FPM frames (zebra's dplane_fpm_nl) ---------------------------------- */

struct fpm_seen {
	unsigned int n;
	struct vpn_fpm_route r[4];
};

static void
fpm_collect(void *arg, const struct vpn_fpm_route *r)
{
	struct fpm_seen *s = arg;

	if (s->n < 4)
		s->r[s->n] = *r;
	s->n++;
}

/* A little-endian netlink message in b at *n (the host's order). */
static void
put16(uint8_t *b, unsigned int *n, uint16_t v)
{
	memcpy(b + *n, &v, 2);
	*n += 2;
}

static void
put32(uint8_t *b, unsigned int *n, uint32_t v)
{
	memcpy(b + *n, &v, 4);
	*n += 4;
}

static void
put_addr(uint8_t *b, unsigned int *n, uint16_t type, uint32_t a)
{
	put16(b, n, 8);
	put16(b, n, type);
	b[(*n)++] = (uint8_t)(a >> 24);
	b[(*n)++] = (uint8_t)(a >> 16);
	b[(*n)++] = (uint8_t)(a >> 8);
	b[(*n)++] = (uint8_t)a;
}

/* An FPM frame of one route: type 24/25, dst/len, gateways (two or more:
 * RTA_MULTIPATH). Its length. */
static unsigned int
fpm_route(uint8_t *b, uint16_t type, uint8_t family, uint32_t dst, uint8_t len,
          const uint32_t *gw, unsigned int ngw)
{
	unsigned int n = 4, nl;

	b[0] = 1;
	b[1] = 1;
	nl = n;
	put32(b, &n, 0); /* nlmsg_len, below */
	put16(b, &n, type);
	put16(b, &n, 0);
	put32(b, &n, 0);
	put32(b, &n, 0);
	b[n++] = family;
	b[n++] = len;
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 254; /* main table */
	b[n++] = 186; /* BGP */
	b[n++] = 0;
	b[n++] = 1; /* unicast */
	put32(b, &n, 0);
	put_addr(b, &n, 1, dst);
	put16(b, &n, 8);
	put16(b, &n, 6);
	put32(b, &n, 20); /* RTA_PRIORITY */
	if (ngw == 1) {
		put_addr(b, &n, 5, gw[0]);
	} else if (ngw > 1) {
		put16(b, &n, (uint16_t)(4 + ngw * 16));
		put16(b, &n, 9);
		for (unsigned int i = 0; i < ngw; i++) {
			put16(b, &n, 16);
			b[n++] = 0;
			b[n++] = 0;
			put32(b, &n, 6);
			put_addr(b, &n, 5, gw[i]);
		}
	}
	{
		unsigned int m = nl;
		put32(b, &m, n - nl);
	}
	b[2] = (uint8_t)(n >> 8);
	b[3] = (uint8_t)n;
	return n;
}

static void
test_fpm(void)
{
	static const uint32_t gw[3] = {IP(169, 254, 20, 2), IP(169, 254, 21, 2),
	                               IP(169, 254, 22, 2)};
	uint8_t b[512];
	struct fpm_seen s = {0};
	unsigned int n;

	/* one next hop, host bits in the destination */
	n = fpm_route(b, 24, 2, IP(192, 0, 2, 77), 26, gw, 1);
	CU_ASSERT_EQUAL(vpn_fpm_frame(b, n - 1, fpm_collect, &s), 0);
	CU_ASSERT_EQUAL(vpn_fpm_frame(b, 3, fpm_collect, &s), 0);
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT_EQUAL(vpn_fpm_frame(b, n, fpm_collect, &s), (long)n);
	CU_ASSERT_EQUAL_FATAL(s.n, 1);
	CU_ASSERT_FALSE(s.r[0].del);
	CU_ASSERT_EQUAL(s.r[0].addr, IP(192, 0, 2, 64));
	CU_ASSERT_EQUAL(s.r[0].len, 26);
	CU_ASSERT_EQUAL(s.r[0].proto, VPN_RTPROT_BGP);
	CU_ASSERT_EQUAL(s.r[0].table, 254);
	CU_ASSERT_EQUAL(s.r[0].n_gw, 1);
	CU_ASSERT_EQUAL(s.r[0].gw[0], gw[0]);
	/* multipath over both tunnels; a withdrawal */
	s.n = 0;
	n = fpm_route(b, 24, 2, IP(192, 0, 2, 128), 25, gw, 2);
	CU_ASSERT_EQUAL(vpn_fpm_frame(b, n, fpm_collect, &s), (long)n);
	CU_ASSERT_EQUAL(s.r[0].n_gw, 2);
	CU_ASSERT_EQUAL(s.r[0].gw[1], gw[1]);
	n = fpm_route(b, 25, 2, 0, 0, NULL, 0);
	CU_ASSERT_EQUAL(vpn_fpm_frame(b, n, fpm_collect, &s), (long)n);
	CU_ASSERT_EQUAL_FATAL(s.n, 2);
	CU_ASSERT_TRUE(s.r[1].del);
	CU_ASSERT_EQUAL(s.r[1].len, 0);
	CU_ASSERT_EQUAL(s.r[1].n_gw, 0);
	/* IPv6: skipped, the frame consumed */
	s.n = 0;
	n = fpm_route(b, 24, 10, 0, 64, NULL, 0);
	CU_ASSERT_EQUAL(vpn_fpm_frame(b, n, fpm_collect, &s), (long)n);
	CU_ASSERT_EQUAL(s.n, 0);
	/* malformed: prefix length, attribute past the message, nlmsg_len
	 * past the frame, frame length below its header, a version 2 */
	n = fpm_route(b, 24, 2, 0, 33, gw, 1);
	CU_ASSERT_EQUAL(vpn_fpm_frame(b, n, fpm_collect, &s), -EBADMSG);
	n = fpm_route(b, 24, 2, IP(192, 0, 2, 0), 24, gw, 1);
	b[4 + 16 + 12] = 200; /* RTA_DST's length */
	CU_ASSERT_EQUAL(vpn_fpm_frame(b, n, fpm_collect, &s), -EBADMSG);
	n = fpm_route(b, 24, 2, IP(192, 0, 2, 0), 24, gw, 1);
	b[4] = 0xff;
	CU_ASSERT_EQUAL(vpn_fpm_frame(b, n, fpm_collect, &s), -EBADMSG);
	n = fpm_route(b, 24, 2, IP(192, 0, 2, 0), 24, gw, 3);
	b[2] = 0;
	b[3] = 3;
	CU_ASSERT_EQUAL(vpn_fpm_frame(b, n, fpm_collect, &s), -EBADMSG);
	b[0] = 2;
	CU_ASSERT_EQUAL(vpn_fpm_frame(b, n, fpm_collect, &s), -EBADMSG);
	/* a next hop inside RTA_MULTIPATH longer than the attribute */
	n = fpm_route(b, 24, 2, IP(192, 0, 2, 0), 24, gw, 2);
	b[n - 32] = 60;
	CU_ASSERT_EQUAL(vpn_fpm_frame(b, n, fpm_collect, &s), -EBADMSG);
	CU_ASSERT_EQUAL(s.n, 0);
}

/* 10,000 prefixes from two sessions: found, listed in order, counted,
 * and flushed by session, with the hash table's shifts on deletion. */
static void
test_rib_many(void)
{
	struct vpn_rib *rib = vpn_rib_new();
	struct vpn_rib_route *r = calloc(20000, sizeof(*r));
	unsigned int n, bad = 0;
	struct vpn_rib_nh nh;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (uint32_t i = 0; i < 10000; i++) {
		struct vpn_rib_path p =
		        bgp(IP(10, 0, 0, 0) + (i << 8), 24, i % 3, 0, 1, 0);

		bad += vpn_rib_add(rib, &p) != 1;
		p.tunnel = 1;
		p.as_path = 2;
		bad += vpn_rib_add(rib, &p) != 1; /* standby now */
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(vpn_rib_prefixes(rib), 10000);
	CU_ASSERT_EQUAL(vpn_rib_count(rib, VPN_RIB_BGP, VPN_RIB_ANY, 1), 10000);
	CU_ASSERT_EQUAL(vpn_rib_routes(rib, r, 10), 10000); /* no room */
	n = vpn_rib_routes(rib, r, 20000);
	CU_ASSERT_EQUAL_FATAL(n, 10000);
	for (unsigned int i = 0; i < n; i++)
		bad += r[i].addr != IP(10, 0, 0, 0) + (i << 8) ||
		       r[i].len != 24 || r[i].paths != 2 ||
		       r[i].nh.mode != VPN_RIB_STANDBY || r[i].nh.primary != 0;
	CU_ASSERT_EQUAL(bad, 0);
	/* every tunnel-0 path goes: each prefix is left on tunnel 1 */
	CU_ASSERT_EQUAL(vpn_rib_flush(rib, VPN_RIB_BGP, VPN_RIB_ANY, 0), 10000);
	for (uint32_t i = 0; i < 10000; i++)
		bad += vpn_rib_best(rib, IP(10, 0, 0, 0) + (i << 8), 24, &nh) !=
		               0 ||
		       nh.tunnels != 2;
	CU_ASSERT_EQUAL(bad, 0);
	/* connection 1's go entirely; the others are all still found */
	CU_ASSERT_EQUAL(vpn_rib_flush(rib, VPN_RIB_BGP, 1, VPN_RIB_ANY), 3333);
	for (uint32_t i = 0; i < 10000; i++)
		bad += (vpn_rib_best(rib, IP(10, 0, 0, 0) + (i << 8), 24,
		                     &nh) == 0) != (i % 3 != 1);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(vpn_rib_prefixes(rib), 6667);
	CU_ASSERT_EQUAL(
	        vpn_rib_flush(rib, VPN_RIB_BGP, VPN_RIB_ANY, VPN_RIB_ANY),
	        6667);
	CU_ASSERT_EQUAL(vpn_rib_prefixes(rib), 0);
	CU_ASSERT_EQUAL(
	        vpn_rib_count(rib, VPN_RIB_BGP, VPN_RIB_ANY, VPN_RIB_ANY), 0);
	free(r);
	vpn_rib_free(rib);
}

void register_rib_tests(void);

void
register_rib_tests(void)
{
	CU_pSuite s = CU_add_suite("rib", NULL, NULL);

	CU_add_test(s, "rib: refusals, default and host routes",
	            test_rib_refusals);
	CU_add_test(s, "rib: connected, static, BGP", test_rib_sources);
	CU_add_test(s, "rib: BGP selection and the two tunnels", test_rib_bgp);
	CU_add_test(s, "rib: a prefix's paths of one source",
	            test_rib_flush_prefix);
	CU_add_test(s, "fpm: zebra's route frames, malformed ones", test_fpm);
	CU_add_test(s, "rib: 10,000 prefixes, flushes", test_rib_many);
}
