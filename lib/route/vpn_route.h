/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_ROUTE_H
#define VPN_ROUTE_H

/*
 * The forwarding table the workers read: IPv4 routes to a next hop (a
 * connection's slot) on DPDK's rte_lpm, and each connection's remote
 * networks (what may come out of its tunnels). Built whole from plain
 * lists, never changed after: the control core builds a new one and
 * publishes it with RCU (the caller's part), so a worker sees one version
 * of it at a time. Sized from the lists it is built from, so any number
 * of routes the configuration allows fits.
 */

#include <stdbool.h>
#include <stdint.h>

/* rte_lpm.h's x4 lookup uses a variable-length array; we don't. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wvla"
#include <rte_lpm.h>
#pragma GCC diagnostic pop

/* An IPv4 prefix (host order) and what it leads to or belongs to. */
struct vpn_route {
	uint32_t addr;
	uint8_t len; /* 0..32 */
	uint8_t via; /* enum vpn_via (vpn_pkt.h): which tunnels; routes only */
	uint32_t conn; /* a connection's slot, below nconns */
};

/* rte_lpm's next hop holds 24 bits: the connection and its via. */
#define VPN_FIB_VIA_BITS  3
#define VPN_FIB_MAX_CONNS (1u << (24 - VPN_FIB_VIA_BITS))

/* An IPv4 network as a worker matches it (host order). */
struct vpn_net4 {
	uint32_t addr, mask;
};

struct vpn_fib {
	struct rte_lpm *lpm; /* route -> connection slot */
	unsigned int nconns, nroutes;
	/* rte_lpm takes no /0: the default route is kept here. */
	bool has_default;
	uint32_t default_nh; /* connection << VPN_FIB_VIA_BITS | via */
	/* Connection c's remote networks: net[first[c] .. first[c + 1]). */
	const unsigned int *first;
	const struct vpn_net4 *net;
};

/*
 * A FIB named name (unique among the process's FIBs: rte_lpm's names are
 * global) on NUMA socket, for connections 0..nconns-1: routes[0..nroutes)
 * (longest prefix wins; the same prefix twice: the later one), and the
 * connections' remote networks remote[0..nremote). NULL with errno:
 * EINVAL (a length above 32 or a connection not below nconns), ENOSPC
 * (rte_lpm ran out of room: should not happen, it is sized for the
 * lists), ENOMEM.
 */
struct vpn_fib *vpn_fib_build(const char *name, int socket, unsigned int nconns,
                              const struct vpn_route *routes,
                              unsigned int nroutes,
                              const struct vpn_route *remote,
                              unsigned int nremote);
void vpn_fib_free(struct vpn_fib *f);

/* The connection whose route holds dst and the route's via (enum
 * vpn_via): 0, or -1 (no route). */
static inline int
vpn_fib_lookup(const struct vpn_fib *f, uint32_t dst, uint32_t *conn,
               unsigned int *via)
{
	uint32_t v;

	if (rte_lpm_lookup(f->lpm, dst, &v) != 0) {
		if (!f->has_default)
			return -1;
		v = f->default_nh; /* connection << VPN_FIB_VIA_BITS | via */
	}
	*conn = v >> VPN_FIB_VIA_BITS;
	*via = v & ((1u << VPN_FIB_VIA_BITS) - 1);
	return 0;
}

/* Whether src is in connection conn's remote networks. */
static inline bool
vpn_fib_from_remote(const struct vpn_fib *f, unsigned int conn, uint32_t src)
{
	if (conn >= f->nconns)
		return false;
	for (unsigned int i = f->first[conn]; i < f->first[conn + 1]; i++)
		if ((src & f->net[i].mask) == f->net[i].addr)
			return true;
	return false;
}

#endif /* VPN_ROUTE_H */
