/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_NH_H
#define VPN_NH_H

/*
 * Next hops as the workers read them: for each connection (the FIB's
 * next hop) its steering mode and, per tunnel, the outbound SA with the
 * inner MTU and MSS that go with it. One immutable version at a time:
 * the control core clones the current table, changes the copy and
 * publishes it (vpn_rcu_publish), so a worker never sees an SA with another
 * SA's MTU, or a connection half rewritten. Whether a tunnel is up is not
 * here: liveness flips a bit on its own, more often than this changes.
 */

#include <stdint.h>

#include <rte_rcu_qsbr.h>

struct vpn_nh_tunnel {
	void *sa;           /* outbound SA; NULL: none (down) */
	uint32_t inner_mtu; /* the largest inner packet whose ESP fits */
	uint16_t mss;       /* the TCP MSS that fits inner_mtu */
};

struct vpn_nh {
	uint8_t steer; /* enum vpn_steer (vpn_pkt.h) */
	struct vpn_nh_tunnel t[2];
};

struct vpn_nh_table {
	unsigned int n; /* connection slots */
	struct vpn_nh nh[];
};

/* A copy of t (NULL: an empty table) with n slots, those past t's zeroed;
 * NULL when out of memory. Free with free(). */
struct vpn_nh_table *vpn_nh_table_clone(const struct vpn_nh_table *t,
                                        unsigned int n);

/*
 * Versions of a table that take turns being published with RCU: the
 * control thread fills a spare one (vpn_rcu_spare) and publishes it
 * (vpn_rcu_publish); the one it replaced becomes spare again once every
 * reader has passed a quiescent point since. Neither call allocates, and
 * only vpn_rcu_spare waits, when every other version may still be held.
 */
#define VPN_RCU_VERSIONS 4

struct vpn_rcu_versions {
	void *v[VPN_RCU_VERSIONS]; /* the caller's; one of them published */
	uint64_t token[VPN_RCU_VERSIONS]; /* when each was replaced */
	uint64_t waits; /* times vpn_rcu_spare had to wait for readers */
};

/* A version no reader holds (any but the one in *slot), waiting for a
 * grace period only when none is free yet. Control thread only. */
void *vpn_rcu_spare(struct vpn_rcu_versions *vs, void *const *slot,
                    struct rte_rcu_qsbr *qs);

/* Publish v (one of vs's) in *slot for readers registered with qs,
 * without waiting for them. Control thread only. */
void vpn_rcu_publish(struct vpn_rcu_versions *vs, void **slot, void *v,
                     struct rte_rcu_qsbr *qs);

#endif /* VPN_NH_H */
