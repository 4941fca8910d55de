/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DP_PRIV_H
#define DP_PRIV_H

/*
 * The data plane's own state, shared by its files (none of it is seen
 * outside app/vpngw's dp_*.c and dataplane.c):
 *
 *   dp_forward.c  the workers: ports polled, packets run to completion
 *   dp_neigh.c    the control core's neighbours (lib/net's vpn_neigh),
 *                 packets it sends through worker 0
 *   dp_tunnel.c   the control core's connections and tunnels: liveness,
 *                 next hops and routes published to the workers with RCU
 *   dataplane.c   ports, pools and rings set up and torn down; counters
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mempool.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "vpn_health.h"
#include "vpn_neigh.h"
#include "vpn_nh.h"
#include "vpn_route.h"
#include "gw_dp.h"
#include "gw_eal.h"
#include "gw_log.h"
#include "gw_sa.h"
#include "vpn_port.h"

#define DP_BUF_SIZE 10240 /* data room of a packet buffer */
#define FRAG_MAX    8     /* fragments of one packet */
#define ENC_MAX     128 /* packets encrypted at once (a burst and fragments) */
#define BURST       64
#define ARP_SLOTS   64
#define CTL_RING    1024 /* frames and requests to the control core */
#define ICMP_RATE   1000 /* ICMP errors a second a worker sends at most */
#define ICMP_BURST  50   /* ... and at once */
#define ETH_LEN     14
#define ET_IPV4     0x0800
#define ET_ARP      0x0806
#define ET_VLAN     0x8100
#define VLAN_LEN    4

/* A neighbour as the workers see it. */
struct arp_entry {
	uint32_t ip;
	struct rte_ether_addr mac;
};

/* A port's neighbour table: immutable once published. */
struct arp_table {
	unsigned int n;
	struct arp_entry e[ARP_SLOTS];
};

struct dp_port {
	uint16_t id;
	bool outside;
	uint8_t slot;     /* out[slot], or DP_IN_SLOT */
	uint16_t vlan;    /* 802.1Q VLAN ID its frames carry; 0: none */
	uint16_t nrxq;    /* RX queues: workers 0..nrxq-1 poll one each */
	unsigned int mtu; /* the largest IP packet it sends (port mtu) */
	struct rte_ether_addr mac;
	uint32_t addr, mask, gateway; /* host order; gateway 0: none */
	struct arp_table *arp;        /* RCU: read by workers */
	/* The control core's: learned, static and pending neighbours
	 * (lib/net), packets held for the pending ones. */
	struct vpn_neigh *nb;
	struct rte_ring *ctl_tx; /* frames the control core sends (worker 0
	                          * puts them on the wire) */
	/* Its link (the control core's: dataplane.c's link_check). */
	char name[VPN_NAME_MAX + 1]; /* the configuration's */
	bool link;                   /* up: the device's and ifname's carrier */
	bool lsc;                    /* the device interrupts on changes */
	struct vpn_port_conf conf;   /* what it was started with */
	char ifname[16]; /* kernel interface under it (af_packet); "" */
	uint64_t link_changes;
	uint64_t link_since; /* TSC of the last change; 0: none */
};

struct dp_tunnel {
	/* The control core's (the workers read the next-hop table). */
	struct vpn_esp_sa *sa;       /* outbound; NULL: none yet */
	struct vpn_esp_sa *in;       /* liveness */
	char name[VPN_NAME_MAX + 8]; /* conn/N */
	struct vpn_health h;         /* its state, from every source */
	char why[VPN_HEALTH_WHY];    /* h's last reason (telemetry reads) */
	uint64_t keepalives;
	bool manual;      /* keyed by hand: liveness by dummy ESP, not IKE */
	uint8_t out_slot; /* the outside port it leaves by (out[]) */
	uint32_t inside;  /* our inside address (BGP), 0: none; workers read */
	/* Health checks (dp_probe.c). */
	uint64_t probe_next;    /* TSC when the next probe is due */
	uint32_t probe_round;   /* the probe in flight */
	bool probe_pending;     /* ... not answered yet */
	uint64_t probe_sent_at; /* TSC it went */
	uint64_t probe_cookie;  /* random, in it: an answer must carry it */
	uint32_t probe_src;     /* its source (the answer's destination) */
	uint64_t probes_sent, probes_answered, probe_rtt_us;
};

struct dp_conn {
	struct dp_tunnel t[VPN_TUNNELS];
	uint32_t probe_target; /* health checks: 0 none */
	uint64_t probe_every;  /* TSC between a tunnel's probes */
};

/* What the workers read of a connection's liveness for every packet:
 * apart from struct dp_conn (1.5 KB each), 8 bytes a connection, so that
 * a thousand connections' stay in the cache. */
struct dp_live {
	unsigned int up;  /* bit per live tunnel (the control core flips it;
	                   * each burst reads it once per packet) */
	unsigned int own; /* bit per tunnel that may carry its own inside
	                   * /30's traffic (BGP, health checks' answers):
	                   * SA installed, not administratively down; what
	                   * those say can't hold them back */
};

struct dp_worker {
	unsigned int id; /* also its TX queue */
	unsigned int lcore;
	struct vpn_esp_worker *w;
	struct vpngw_dp_stats st;
	uint64_t now;             /* TSC at the start of this loop turn */
	uint64_t icmp_last;       /* ICMP error tokens: last refill (TSC) */
	unsigned int icmp_tokens; /* ... and how many are left */
} __rte_cache_aligned;

/* The exception path: a kernel TAP interface (net_tap) for what is
 * addressed to the appliance itself and is not ESP. */
struct dp_exc {
	bool on;
	uint16_t id;
	uint16_t mtu;              /* net_tap drops a frame above it */
	struct rte_ether_addr mac; /* the kernel interface's */
};

/* What the workers may still read (an old ARP table, an old FIB), freed
 * once every worker has passed a quiescent point after token. */
#define DP_DEFERRED 64
struct dp_deferred {
	uint64_t token;
	void (*free)(void *);
	void *p;
};

struct dp {
	struct dp_port out[VPN_MAX_OUT_PORTS]; /* the outside ports: an
	                                        * uplink per tunnel */
	unsigned int nout;
	struct dp_port in;
	struct dp_exc exc;
	uint32_t ours[VPN_MAX_OUTSIDE];
	uint8_t ours_port[VPN_MAX_OUTSIDE]; /* each one's out[] */
	unsigned int nours;
	struct vpn_fib *routes;  /* RCU: built whole, published at start and
	                          * on each change (lib/route) */
	unsigned int routes_gen; /* names each FIB */
	struct dp_conn *conns;   /* the control core's, by slot */
	struct dp_live *live;    /* by slot, as conns */
	struct vpn_rcu_versions nh_vs; /* nh is one of them */
	unsigned int nh_used;          /* slots below it ever published: past it
	                                * every version is zero (a copy stops there) */
	struct vpn_nh_table *nh;       /* RCU: what the workers read of
	                                * them (steering, SAs, MTUs) */
	pthread_mutex_t names;         /* tunnel names: telemetry reads */
	const struct vpn_esp_sad *sad;
	struct rte_mempool *pool; /* on the control core's NUMA node: what
	                           * the control core and the workers make
	                           * (ICMP, fragments, keepalives) */
	struct rte_mempool *node_pool[RTE_MAX_NUMA_NODES]; /* ports' RX */
	struct rte_ring *ctl_arp;     /* ARP frames, workers -> control */
	struct rte_ring *ctl_resolve; /* next hops to resolve, ditto */
	struct rte_rcu_qsbr *qs;
	struct dp_deferred deferred[DP_DEFERRED]; /* oldest first */
	unsigned int ndeferred;
	struct dp_worker *wk;
	unsigned int nwk;
	unsigned int idle_sleep_us; /* a worker's longest nap; 0: none */
	unsigned int nconns;
	struct vpn_esp_worker *ctl_w; /* the control core's keepalives */
	uint64_t last_check;          /* TSC of the last liveness check */
	struct vpngw_dp_stats ctl_st; /* what the control core counts */
	bool started;                 /* ports started */
	int link_event;               /* an LSC interrupt came (atomic) */
	int ifsock;                   /* for SIOCGIFFLAGS; -1: none */
	uint64_t last_link;           /* TSC of the last link poll */
	volatile int *quit;           /* the workers stop when set */
};

extern struct dp dp;

static inline uint32_t
ip_dst(const struct rte_mbuf *m)
{
	uint32_t v;

	memcpy(&v, rte_pktmbuf_mtod_offset(m, const uint8_t *, 16), 4);
	return rte_be_to_cpu_32(v);
}

static inline uint32_t
ip_src(const struct rte_mbuf *m)
{
	uint32_t v;

	memcpy(&v, rte_pktmbuf_mtod_offset(m, const uint8_t *, 12), 4);
	return rte_be_to_cpu_32(v);
}

#define DP_IN_SLOT VPN_MAX_OUT_PORTS

/* Whether ip is one of our addresses on p's side: p's own, and for an
 * outside port any outside port's or outside address. */
static inline bool
is_ours(const struct dp_port *p, uint32_t ip)
{
	if (ip == p->addr)
		return true;
	if (!p->outside)
		return false;
	for (unsigned int i = 0; i < dp.nours; i++)
		if (dp.ours[i] == ip)
			return true;
	for (unsigned int k = 1; k < dp.nout; k++)
		if (dp.out[k].addr == ip)
			return true;
	return dp.out[0].addr == ip;
}

/* The outside port what is sent from our outside address src leaves by
 * (the configuration's vpn_cfg_outside_port, kept per address). */
static inline struct dp_port *
dp_out_port(uint32_t src)
{
	if (likely(dp.nout == 1))
		return &dp.out[0];
	for (unsigned int i = 0; i < dp.nours; i++)
		if (dp.ours[i] == src)
			return &dp.out[dp.ours_port[i]];
	for (unsigned int k = 0; k < dp.nout; k++)
		if (dp.out[k].addr == src)
			return &dp.out[k];
	return &dp.out[0];
}

/* A port by its slot (a ring's note of it) and by DPDK port id. */
static inline struct dp_port *
dp_port_at(unsigned int slot)
{
	return slot < dp.nout ? &dp.out[slot] : &dp.in;
}

static inline struct dp_port *
dp_port_of_id(uint16_t id)
{
	for (unsigned int k = 0; k < dp.nout; k++)
		if (dp.out[k].id == id)
			return &dp.out[k];
	return &dp.in;
}

/* Counters by role: 0 outside, 1 inside. */
static inline unsigned int
port_index(const struct dp_port *p)
{
	return !p->outside;
}

/* Next hop on p for dst. */
static inline uint32_t
dp_next_hop(const struct dp_port *p, uint32_t dst)
{
	return ((dst ^ p->addr) & p->mask) == 0 || p->gateway == 0 ? dst
	                                                           : p->gateway;
}

/* Prepend to m an Ethernet header to dst from p (its MAC, and its VLAN
 * tag when it has one) for ethertype et. false: no headroom (m is left
 * as it was). */
static inline bool
dp_eth_push(const struct dp_port *p, struct rte_mbuf *m, const uint8_t *dst,
            uint16_t et)
{
	uint8_t *e = (uint8_t *)rte_pktmbuf_prepend(
	        m, ETH_LEN + (p->vlan ? VLAN_LEN : 0));

	if (e == NULL)
		return false;
	memcpy(e, dst, 6);
	memcpy(e + 6, p->mac.addr_bytes, 6);
	if (p->vlan) {
		e[12] = ET_VLAN >> 8;
		e[13] = ET_VLAN & 0xff;
		e[14] = (uint8_t)(p->vlan >> 8);
		e[15] = (uint8_t)p->vlan;
		e += VLAN_LEN;
	}
	e[12] = (uint8_t)(et >> 8);
	e[13] = (uint8_t)et;
	return true;
}

/* dp_neigh.c: the control core's ARP. */
void dp_arp_publish(struct dp_port *p);
/* Free p with fn once no worker can hold it, without waiting (unless
 * DP_DEFERRED of them wait already). Control core. */
void dp_defer_free(void (*fn)(void *), void *p);
/* Free what has waited long enough (all of it, waiting, with wait). */
void dp_deferred_run(bool wait);
bool dp_arp_input(struct dp_port *p, const uint8_t *pkt, unsigned int len,
                  uint64_t now);
bool dp_arp_age(struct dp_port *p, uint64_t now);
void dp_arp_counters(void);
void dp_ctl_ip_send(struct dp_port *p, struct rte_mbuf *m, uint32_t nh,
                    uint64_t now);
void dp_free_mbuf(void *m);

/* dp_tunnel.c: connections and tunnels on the control core. */
/* Inner packet m (or NULL: nothing; a dummy when empty) encrypted with
 * sa by the control core and handed to worker 0 for the outside port;
 * false when it could not be (m freed). */
bool dp_ctl_esp_send(struct vpn_esp_sa *sa, struct rte_mbuf *m, uint64_t now);
void dp_tunnels_check(uint64_t now);
void dp_tunnels_link(const struct dp_port *p, bool up, const char *why);
void dp_nh_tunnel(unsigned int slot, unsigned int ti, struct vpn_esp_sa *out);

/* dp_probe.c: health checks, on the control core. */
void dp_probes_run(uint64_t now);
void dp_probes_stop(void);
/* The health of tunnel ti of c moved by a source (dp_tunnel.c). */
void dp_tunnel_settle(struct dp_conn *c, unsigned int ti, int rc);

/* dp_forward.c: a worker's loop (rte_eal_remote_launch). */
int dp_worker_loop(void *arg);

#endif /* DP_PRIV_H */
