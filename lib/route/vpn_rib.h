/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_RIB_H
#define VPN_RIB_H

/*
 * The routing information base of the control core: every path to every
 * IPv4 prefix that a source gave (a static route of a connection, a
 * prefix a BGP session over one of its tunnels learned), and for each
 * prefix the selected one. The workers never read it: the control core
 * turns the selection into plain route lists (vpn_rib_routes) and builds
 * the next FIB from them (vpn_route.h). No DPDK and no clock.
 *
 * Selection for one prefix (longest prefix first is the FIB's lookup):
 *   1. the source: connected, then static, then BGP;
 *   2. among BGP paths, the shorter AS_PATH, then the lower MED, then the
 *      lower connection slot (so the outcome does not depend on order);
 *   3. the connection's two tunnels: a static route uses the connection's
 *      steering; BGP paths learned over both tunnels and equal by 2 are
 *      active/active (the flow hash spreads flows over both), unequal
 *      ones active/standby with the better tunnel first, a path over one
 *      tunnel only uses that tunnel.
 */

#include <stdbool.h>
#include <stdint.h>

enum vpn_rib_src {
	VPN_RIB_CONNECTED, /* a port's own network */
	VPN_RIB_STATIC,    /* a connection's static route */
	VPN_RIB_BGP,       /* learned over a tunnel's BGP session */
	VPN_RIB_NSRC
};

#define VPN_RIB_ANY (-1) /* vpn_rib_flush/count: any connection or tunnel */

/* One path to a prefix. */
struct vpn_rib_path {
	uint32_t addr;    /* host order; bits past len must be zero */
	uint8_t len;      /* 0..32 */
	uint8_t src;      /* enum vpn_rib_src */
	uint8_t tunnel;   /* BGP: the tunnel (0, 1) whose session gave it;
	                   * others: 0 */
	uint32_t conn;    /* connection slot (connected: the port's index) */
	uint32_t as_path; /* BGP: AS_PATH length (a set counts 1) */
	uint32_t med;     /* BGP: MULTI_EXIT_DISC (0 when absent) */
};

enum vpn_rib_mode {
	VPN_RIB_STEER,   /* the connection's steering decides */
	VPN_RIB_ACTIVE,  /* every tunnel in the mask, flows hashed over them */
	VPN_RIB_STANDBY, /* primary while it is up, else the other */
};

/* What a prefix's selection leads to. */
struct vpn_rib_nh {
	uint8_t src;     /* enum vpn_rib_src */
	uint8_t mode;    /* enum vpn_rib_mode */
	uint8_t tunnels; /* bit per tunnel that has the path */
	uint8_t primary; /* STANDBY: the tunnel preferred */
	uint32_t conn;
	uint32_t as_path, med; /* the selected path's (BGP) */
};

/* A prefix and its selection, as vpn_rib_routes lists them. */
struct vpn_rib_route {
	uint32_t addr;
	uint8_t len;
	struct vpn_rib_nh nh;
	unsigned int paths; /* how many paths it has in all */
};

struct vpn_rib;

/* An empty RIB, or NULL (errno ENOMEM). */
struct vpn_rib *vpn_rib_new(void);
void vpn_rib_free(struct vpn_rib *rib);

/*
 * Add p, or replace the path with p's prefix, source, connection and
 * tunnel (a BGP UPDATE for a prefix it had). 1 when the prefix's
 * selection changed, 0 when not; -EINVAL (length above 32, bits past
 * it, an unknown source, a tunnel above 1), -ENOMEM.
 */
int vpn_rib_add(struct vpn_rib *rib, const struct vpn_rib_path *p);
/* Remove the path with key's prefix, source, connection and tunnel (a
 * withdrawal). 1 when the selection changed (or the prefix is gone), 0
 * when not, -ENOENT when there was no such path. */
int vpn_rib_del(struct vpn_rib *rib, const struct vpn_rib_path *key);
/* Remove every path of source src from connection conn and tunnel
 * (either may be VPN_RIB_ANY): a session down, a connection deleted,
 * static routes replaced. How many paths went. */
unsigned int vpn_rib_flush(struct vpn_rib *rib, enum vpn_rib_src src, int conn,
                           int tunnel);
/* Remove every path of source src to exactly addr/len (a route that
 * FRR's zebra replaces or withdraws as a whole). How many went. */
unsigned int vpn_rib_flush_prefix(struct vpn_rib *rib, uint32_t addr,
                                  uint8_t len, enum vpn_rib_src src);
/* How many paths of src from conn and tunnel (or VPN_RIB_ANY) there are:
 * a BGP session's prefix count, for its maximum. */
unsigned int vpn_rib_count(const struct vpn_rib *rib, enum vpn_rib_src src,
                           int conn, int tunnel);

/* The selection for exactly addr/len: 0, or -ENOENT. */
int vpn_rib_best(const struct vpn_rib *rib, uint32_t addr, uint8_t len,
                 struct vpn_rib_nh *nh);
/* Prefixes with at least one path. */
unsigned int vpn_rib_prefixes(const struct vpn_rib *rib);
/* Every prefix with its selection into out[0..max), by address then
 * length: how many. When there are more than max, nothing is filled and
 * their number comes back: call again with room for them. */
unsigned int vpn_rib_routes(const struct vpn_rib *rib,
                            struct vpn_rib_route *out, unsigned int max);

/* Whether anything's selection changed since the last call (the caller
 * then builds and publishes a new FIB). */
bool vpn_rib_changed(struct vpn_rib *rib);

const char *vpn_rib_src_name(enum vpn_rib_src src);

#endif
