/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpn_prefix.h"

int
vpn_ipv4_parse(const char *s, uint32_t *addr)
{
	struct in_addr a;

	/* inet_pton takes only the strict dotted-quad form, no octal. */
	if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*addr = ntohl(a.s_addr);
	return 0;
}

const char *
vpn_ipv4_format(uint32_t addr, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
	         (addr >> 8) & 0xff, addr & 0xff);
	return buf;
}

static bool
host_bits_zero(const struct vpn_prefix *p)
{
	unsigned int bits = p->family == AF_INET ? 32 : 128;

	for (unsigned int i = p->len; i < bits; i++)
		if (p->addr[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

static void
clear_host_bits(struct vpn_prefix *p)
{
	unsigned int bits = p->family == AF_INET ? 32 : 128;

	for (unsigned int i = p->len; i < bits; i++)
		p->addr[i / 8] &= ~(0x80 >> (i % 8));
}

int
vpn_prefix_parse(const char *s, enum vpn_prefix_mode mode, struct vpn_prefix *p)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash;
	char *end;
	size_t n;
	long len;

	if (s == NULL || (slash = strchr(s, '/')) == NULL)
		return -EINVAL;
	n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';

	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, host, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, host, p->addr) == 1)
		p->family = AF_INET6;
	else
		return -EINVAL;

	/* Length: decimal digits only, no sign, no spaces. */
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' ||
	    len > (p->family == AF_INET ? 32 : 128))
		return -EINVAL;
	p->len = (uint8_t)len;
	if (mode == VPN_PREFIX_NET && !host_bits_zero(p))
		return -EDOM;
	return 0;
}

const char *
vpn_prefix_format(const struct vpn_prefix *p, char *buf)
{
	char host[INET6_ADDRSTRLEN];

	if (inet_ntop(p->family, p->addr, host, sizeof(host)) == NULL)
		snprintf(host, sizeof(host), "?");
	snprintf(buf, VPN_PREFIX_STRLEN, "%s/%u", host, p->len);
	return buf;
}

struct vpn_prefix
vpn_prefix_v4(uint32_t addr, uint8_t len)
{
	struct vpn_prefix p = {.family = AF_INET, .len = len};
	uint32_t n = htonl(addr);

	memcpy(p.addr, &n, 4);
	clear_host_bits(&p);
	return p;
}

uint32_t
vpn_prefix_v4_addr(const struct vpn_prefix *p)
{
	uint32_t n;

	memcpy(&n, p->addr, 4);
	return ntohl(n);
}

/* True when the first len bits of a and b agree. */
static bool
same_bits(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	unsigned int full = len / 8, rest = len % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool
vpn_prefix_overlap(const struct vpn_prefix *a, const struct vpn_prefix *b)
{
	if (a->family != b->family)
		return false;
	return same_bits(a->addr, b->addr, a->len < b->len ? a->len : b->len);
}

bool
vpn_prefix_contains(const struct vpn_prefix *outer,
                    const struct vpn_prefix *inner)
{
	return outer->family == inner->family && outer->len <= inner->len &&
	       same_bits(outer->addr, inner->addr, outer->len);
}

bool
vpn_prefix_equal(const struct vpn_prefix *a, const struct vpn_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       memcmp(a->addr, b->addr, 16) == 0;
}
