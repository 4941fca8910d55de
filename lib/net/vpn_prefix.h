/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_PREFIX_H
#define VPN_PREFIX_H

/*
 * IPv4/IPv6 addresses and prefixes as the configuration, the RIB and the
 * console see them. Text forms are the usual dotted quad / RFC 5952 ones.
 */

#include <stdbool.h>
#include <stdint.h>

#define VPN_PREFIX_STRLEN 50 /* "ffff:...:ffff/128" plus NUL, rounded up */

struct vpn_prefix {
	uint8_t family;   /* AF_INET or AF_INET6 */
	uint8_t len;      /* prefix length in bits */
	uint8_t addr[16]; /* network byte order; IPv4 uses the first 4 */
};

/* Parse "a.b.c.d" into a host-order IPv4 address. 0 or -EINVAL. */
int vpn_ipv4_parse(const char *s, uint32_t *addr);
/* Format a host-order IPv4 address; buf must hold 16 bytes. */
const char *vpn_ipv4_format(uint32_t addr, char *buf);

enum vpn_prefix_mode {
	VPN_PREFIX_NET,    /* a network: host bits must be zero */
	VPN_PREFIX_IFADDR, /* an interface address: host bits kept */
};

/*
 * Parse "addr/len" (IPv4 or IPv6).
 * 0, -EINVAL (syntax or length) or -EDOM (host bits set for a network).
 */
int vpn_prefix_parse(const char *s, enum vpn_prefix_mode mode,
                     struct vpn_prefix *p);
/* Format into buf of VPN_PREFIX_STRLEN bytes; returns buf. */
const char *vpn_prefix_format(const struct vpn_prefix *p, char *buf);

/* A /len IPv4 network from a host-order address (host bits cleared). */
struct vpn_prefix vpn_prefix_v4(uint32_t addr, uint8_t len);
/* Host-order IPv4 network address of an IPv4 prefix. */
uint32_t vpn_prefix_v4_addr(const struct vpn_prefix *p);

/* True when the two prefixes share at least one address. */
bool vpn_prefix_overlap(const struct vpn_prefix *a, const struct vpn_prefix *b);
/* True when inner lies entirely inside outer. */
bool vpn_prefix_contains(const struct vpn_prefix *outer,
                         const struct vpn_prefix *inner);
bool vpn_prefix_equal(const struct vpn_prefix *a, const struct vpn_prefix *b);

#endif /* VPN_PREFIX_H */
