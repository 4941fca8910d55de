/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_NEIGH_H
#define VPN_NEIGH_H

/*
 * A port's neighbour (ARP) table as the control core keeps it: learned
 * and static entries, aging by unicast refresh, and for each neighbour
 * not yet resolved a few packets held until it answers (as a router's
 * queue of unresolved neighbours: the first packet to a new peer is not
 * lost). No DPDK and no clock here: times are what the caller passes
 * (any monotonic unit, hz of them a second), packets are opaque pointers
 * the caller frees, and what must go on the wire comes back as actions.
 * The workers read a snapshot (vpn_neigh_snapshot) published with RCU.
 */

#include <stdbool.h>
#include <stdint.h>

#define VPN_NEIGH_HOLD  4 /* packets held per unresolved neighbour */
#define VPN_NEIGH_TRIES 3 /* requests before giving up on one */

struct vpn_neigh_params {
	unsigned int slots; /* entries at most (learned, static, pending) */
	uint64_t hz;        /* time units a second */
	uint64_t timeout;   /* a learned entry is trusted this long */
};

struct vpn_neigh_entry {
	uint32_t ip; /* host order */
	uint8_t mac[6];
};

/* What the table wants sent: a request for ip, to mac (NULL: broadcast). */
struct vpn_neigh_request {
	uint32_t ip;
	bool unicast;
	uint8_t mac[6];
};

struct vpn_neigh_stats {
	uint64_t refresh;    /* unicast refreshes of aged entries */
	uint64_t expired;    /* aged entries forgotten (no answer) */
	uint64_t held;       /* packets held for a neighbour */
	uint64_t released;   /* ... handed back once it answered */
	uint64_t overflow;   /* ... refused: its queue or the table full */
	uint64_t unresolved; /* ... dropped: it never answered */
};

struct vpn_neigh;

/* A table, or NULL (errno EINVAL or ENOMEM). */
struct vpn_neigh *vpn_neigh_new(const struct vpn_neigh_params *p);
/* Free it; packets still held go to free_pkt. */
void vpn_neigh_free(struct vpn_neigh *n, void (*free_pkt)(void *));

/*
 * ip is at mac (heard on the wire, or permanent: static_arp, never aged
 * nor overwritten by the wire). When full, the oldest learned entry makes
 * room. 1 when the workers' snapshot must change, 0 when not, -ENOSPC
 * when every slot is static or pending.
 */
int vpn_neigh_learn(struct vpn_neigh *n, uint32_t ip, const uint8_t *mac,
                    bool permanent, uint64_t now);
/* The MAC of ip, or NULL (not known, or still pending). */
const uint8_t *vpn_neigh_find(const struct vpn_neigh *n, uint32_t ip);

/*
 * A worker had a packet for ip and no MAC: hold it until ip answers. 1:
 * held and a request for ip is due now (*req filled); 0: held; -ENOSPC:
 * not held (ip's queue or the table is full; the caller drops it) but
 * *req may still be filled (return value 1 meaning) when req->ip != 0.
 */
int vpn_neigh_hold(struct vpn_neigh *n, uint32_t ip, void *pkt, uint64_t now,
                   struct vpn_neigh_request *req);
/* After ip was learned: the packets held for it, oldest first, into
 * pkts[0..max); how many (the rest stay for the next call). */
unsigned int vpn_neigh_release(struct vpn_neigh *n, uint32_t ip, void **pkts,
                               unsigned int max);

/*
 * Time passes: requests due for pending neighbours (one a second, up to
 * VPN_NEIGH_TRIES, then their packets go to free_pkt and they are
 * forgotten) and refreshes of learned entries older than the timeout
 * (unicast, at most one a second; forgotten 3 s after the first
 * unanswered one). Up to max requests into req; how many. *changed is set
 * when the workers' snapshot must change (also for an entry pushed out
 * by a new one since the last call).
 */
unsigned int vpn_neigh_age(struct vpn_neigh *n, uint64_t now,
                           struct vpn_neigh_request *req, unsigned int max,
                           void (*free_pkt)(void *), bool *changed);

/* The resolved entries (learned and static) into e[0..max); how many. */
unsigned int vpn_neigh_snapshot(const struct vpn_neigh *n,
                                struct vpn_neigh_entry *e, unsigned int max);
const struct vpn_neigh_stats *vpn_neigh_stats(const struct vpn_neigh *n);

#endif /* VPN_NEIGH_H */
