/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FPM frames from FRR's zebra (vpn_fpm.h): a 4-byte header (version 1,
 * type 1 = netlink, length in network order, the header included), then
 * rtnetlink route messages. Everything is checked against the lengths
 * it arrived with; what is not an IPv4 route is skipped.
 */
#include <errno.h>
#include <string.h>

#include "vpn_fpm.h"

/* rtnetlink's numbers (linux/rtnetlink.h), written out: the parser is
 * the same on any host. */
enum {
	NLMSG_HDR = 16,
	RTMSG_LEN = 12,
	RTM_NEWROUTE_ = 24,
	RTM_DELROUTE_ = 25,
	AF_INET_ = 2,
	RTA_DST_ = 1,
	RTA_OIF_ = 4,
	RTA_GATEWAY_ = 5,
	RTA_MULTIPATH_ = 9,
	RTA_TABLE_ = 15,
	RTNH_LEN = 8,
};

static uint16_t
get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* An address attribute's 4 bytes in host order. */
static uint32_t
addr4(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static unsigned int
align4(unsigned int n)
{
	return (n + 3u) & ~3u;
}

static void
add_gw(struct vpn_fpm_route *r, uint32_t gw)
{
	if (r->n_gw < VPN_FPM_MAX_NH)
		r->gw[r->n_gw++] = gw;
	else
		r->truncated = true;
}

/* RTA_MULTIPATH's next hops (each an rtnexthop and its own attributes). */
static int
multipath(const uint8_t *p, unsigned int len, struct vpn_fpm_route *r)
{
	while (len >= RTNH_LEN) {
		unsigned int nl = get16(p), off = RTNH_LEN;

		if (nl < RTNH_LEN || nl > len)
			return -EBADMSG;
		while (off + 4 <= nl) {
			unsigned int al = get16(p + off),
			             at = get16(p + off + 2);

			if (al < 4 || off + al > nl)
				return -EBADMSG;
			if ((at & 0x3fff) == RTA_GATEWAY_ && al == 8)
				add_gw(r, addr4(p + off + 4));
			off += align4(al);
		}
		nl = align4(nl);
		if (nl >= len)
			break;
		p += nl;
		len -= nl;
	}
	return 0;
}

/* One route message (after its netlink header): 0, 1 (not an IPv4
 * route: skipped) or -EBADMSG. */
static int
route_msg(uint16_t type, const uint8_t *p, unsigned int len,
          struct vpn_fpm_route *r)
{
	unsigned int off = RTMSG_LEN;

	memset(r, 0, sizeof(*r));
	if (len < RTMSG_LEN)
		return -EBADMSG;
	if (p[0] != AF_INET_)
		return 1;
	if (p[1] > 32)
		return -EBADMSG;
	r->del = type == RTM_DELROUTE_;
	r->len = p[1];
	r->table = p[4];
	r->proto = p[5];
	r->type = p[7];
	while (off + 4 <= len) {
		unsigned int al = get16(p + off),
		             at = get16(p + off + 2) & 0x3fff;
		const uint8_t *v = p + off + 4;

		if (al < 4 || off + al > len)
			return -EBADMSG;
		switch (at) {
		case RTA_DST_:
			if (al != 8)
				return -EBADMSG;
			r->addr = addr4(v);
			break;
		case RTA_GATEWAY_:
			if (al != 8)
				return -EBADMSG;
			add_gw(r, addr4(v));
			break;
		case RTA_OIF_:
			if (al == 8)
				r->oif = get32(v);
			break;
		case RTA_TABLE_:
			if (al == 8)
				r->table = get32(v);
			break;
		case RTA_MULTIPATH_:
			if (multipath(v, al - 4, r) != 0)
				return -EBADMSG;
			break;
		default:
			break;
		}
		off += align4(al);
	}
	/* Host bits past the length are not the route's. */
	r->addr &= r->len ? ~0u << (32 - r->len) : 0;
	return 0;
}

long
vpn_fpm_frame(const uint8_t *buf, size_t len,
              void (*fn)(void *arg, const struct vpn_fpm_route *r), void *arg)
{
	unsigned int flen, off = VPN_FPM_HDR;

	if (len < VPN_FPM_HDR)
		return 0;
	flen = (unsigned int)buf[2] << 8 | buf[3];
	if (buf[0] != 1 || flen < VPN_FPM_HDR)
		return -EBADMSG;
	if (len < flen)
		return 0;
	if (buf[1] != 1) /* not netlink (protobuf): skipped */
		return flen;
	while (off + NLMSG_HDR <= flen) {
		unsigned int nl = get32(buf + off);
		uint16_t type = get16(buf + off + 4);
		struct vpn_fpm_route r;
		int rc;

		if (nl < NLMSG_HDR || nl > flen - off)
			return -EBADMSG;
		if (type == RTM_NEWROUTE_ || type == RTM_DELROUTE_) {
			rc = route_msg(type, buf + off + NLMSG_HDR,
			               nl - NLMSG_HDR, &r);
			if (rc < 0)
				return rc;
			if (rc == 0)
				fn(arg, &r);
		}
		off += align4(nl);
	}
	return flen;
}
