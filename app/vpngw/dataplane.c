/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding loop: worker lcores polling the inside and outside ports,
 * run to completion in bursts, and the control core's part (ARP).
 *
 *   inside  -> IPv4 for a remote network: FIB (rte_lpm) -> connection ->
 *              tunnel (steering) -> MSS clamp -> fragment, or ICMP
 *              frag-needed when DF is set -> ESP (lib/esp) -> Ethernet to
 *              the next hop -> outside
 *   outside -> IPv4 to one of our addresses: ESP (lib/esp) -> inner packet
 *              from the connection's remote networks -> Ethernet to the
 *              next hop -> inside
 *   ARP     -> the control core (a ring), which learns, answers, asks, ages
 *              and publishes each port's neighbour table with RCU
 *
 * Worker i polls RX queue i of each port that has that many queues (RSS or
 * the device's fanout spreads flows over them) and sends on TX queue i.
 * Workers share the SAs (lib/esp keeps sequence numbers and replay windows
 * right across workers), the FIB and the connections; each has its own
 * counters and ESP context. See docs/ARCHITECTURE.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include "vpn_neigh.h"
#include "vpn_nh.h"
#include "vpn_pkt.h"
#include "vpn_port.h"
#include "vpn_route.h"
#include "vpngw.h"

#define DP_BUF_SIZE 10240 /* data room of a packet buffer */
#define FRAG_MAX    8     /* fragments of one packet */
#define ENC_MAX     128 /* packets encrypted at once (a burst and fragments) */
#define BURST       64
#define ARP_SLOTS   64
#define CTL_RING    1024 /* frames and requests to the control core */
#define ETH_LEN     14
#define ET_IPV4     0x0800
#define ET_ARP      0x0806

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
};

struct dp_tunnel {
	/* The control core's (the workers read the next-hop table). */
	struct vpn_esp_sa *sa;       /* outbound; NULL: none yet */
	struct vpn_esp_sa *in;       /* liveness */
	char name[VPN_NAME_MAX + 8]; /* conn/N */
	uint64_t dpd_timeout;        /* TSC ticks of silence: dead */
	bool dpd_clear;              /* dead: take it out of steering */
	uint64_t rx_seen;            /* inbound packets and dummies so far */
	uint64_t last_rx;            /* TSC when rx_seen last grew */
	uint64_t tx_seen, last_tx;   /* outbound sequence number, ditto */
	uint64_t keepalives, changes;
	uint64_t changed; /* TSC of the last change, 0: never */
	char why[64];     /* ... and its reason */
	bool manual;      /* keyed by hand: liveness by dummy ESP, not IKE */
};

struct dp_conn {
	struct dp_tunnel t[VPN_TUNNELS];
	unsigned int up; /* bit per live tunnel (the control core flips it;
	                  * each burst reads it once per packet) */
};

struct dp_worker {
	unsigned int id; /* also its TX queue */
	unsigned int lcore;
	struct vpn_esp_worker *w;
	struct vpngw_dp_stats st;
	uint64_t now; /* TSC at the start of this loop turn */
} __rte_cache_aligned;

/* The exception path: a kernel TAP interface (net_tap) for what is
 * addressed to the appliance itself and is not ESP. */
struct dp_exc {
	bool on;
	uint16_t id;
	struct rte_ether_addr mac; /* the kernel interface's */
};

struct dp {
	struct dp_port out, in;
	struct dp_exc exc;
	uint32_t ours[VPN_MAX_OUTSIDE];
	unsigned int nours;
	struct vpn_fib *routes;  /* RCU: built whole, published at start and
	                          * on each change (lib/route) */
	unsigned int routes_gen; /* names each FIB */
	struct dp_conn *conns;   /* the control core's, by slot */
	struct vpn_nh_table *nh; /* RCU: what the workers read of
	                          * them (steering, SAs, MTUs) */
	pthread_mutex_t names;   /* tunnel names: telemetry reads */
	const struct vpn_esp_sad *sad;
	struct rte_mempool *pool;
	struct rte_ring *ctl_arp;     /* ARP frames, workers -> control */
	struct rte_ring *ctl_resolve; /* next hops to resolve, ditto */
	struct rte_rcu_qsbr *qs;
	struct dp_worker *wk;
	unsigned int nwk;
	unsigned int nconns;
	struct vpn_esp_worker *ctl_w; /* the control core's keepalives */
	uint64_t last_check;          /* TSC of the last liveness check */
	struct vpngw_dp_stats ctl_st; /* what the control core counts */
	bool started;                 /* ports started */
};

static struct dp dp;

static uint32_t
ip_dst(const struct rte_mbuf *m)
{
	uint32_t v;

	memcpy(&v, rte_pktmbuf_mtod_offset(m, const uint8_t *, 16), 4);
	return rte_be_to_cpu_32(v);
}

static bool
is_ours(const struct dp_port *p, uint32_t ip)
{
	if (ip == p->addr)
		return true;
	if (p != &dp.out)
		return false;
	for (unsigned int i = 0; i < dp.nours; i++)
		if (dp.ours[i] == ip)
			return true;
	return false;
}

static unsigned int
port_index(const struct dp_port *p)
{
	return p == &dp.in;
}

/* ---- the control core: ARP ------------------------------------------------
 */

/* Queue an ARP packet for worker 0 to send out of p. */
static void
arp_send(struct dp_port *p, uint16_t op, const uint8_t *dst_mac, uint32_t tpa,
         const uint8_t *tha, uint32_t spa)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	struct vpn_arp a = {.op = op, .spa = spa, .tpa = tpa};
	uint8_t *e;

	if (m == NULL || rte_pktmbuf_append(m, ETH_LEN + 28) == NULL) {
		if (m != NULL)
			rte_pktmbuf_free(m);
		return;
	}
	e = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(e, dst_mac, 6);
	memcpy(e + 6, p->mac.addr_bytes, 6);
	e[12] = ET_ARP >> 8;
	e[13] = ET_ARP & 0xff;
	memcpy(a.sha, p->mac.addr_bytes, 6);
	memcpy(a.tha, tha, 6);
	vpn_arp_write(e + ETH_LEN, &a);
	if (rte_ring_enqueue(p->ctl_tx, m) != 0)
		rte_pktmbuf_free(m);
}

/* Give the workers a new copy of p's neighbours; free the old one when no
 * worker can still be reading it. */
static void
arp_publish(struct dp_port *p)
{
	struct arp_table *t = calloc(1, sizeof(*t)), *old;
	struct vpn_neigh_entry e[ARP_SLOTS];

	if (t == NULL)
		return; /* keep the old table; the next change retries */
	t->n = vpn_neigh_snapshot(p->nb, e, ARP_SLOTS);
	for (unsigned int i = 0; i < t->n; i++) {
		t->e[i].ip = e[i].ip;
		memcpy(t->e[i].mac.addr_bytes, e[i].mac, 6);
	}
	old = __atomic_exchange_n(&p->arp, t, __ATOMIC_ACQ_REL);
	rte_rcu_qsbr_synchronize(dp.qs, RTE_QSBR_THRID_INVALID);
	free(old);
}

static void
free_mbuf(void *m)
{
	rte_pktmbuf_free(m);
}

/* Send the requests the neighbour table asked for. */
static void
arp_ask(struct dp_port *p, const struct vpn_neigh_request *r, unsigned int n)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t zero[6];

	for (unsigned int i = 0; i < n; i++)
		arp_send(p, 1, r[i].unicast ? r[i].mac : bcast, r[i].ip, zero,
		         p->addr);
}

/* m (data at its IP header) to next hop nh on p, from the control core:
 * out through worker 0 when nh is known, else held until it answers
 * (asked for at once). */
static void
ctl_ip_send(struct dp_port *p, struct rte_mbuf *m, uint32_t nh, uint64_t now)
{
	const uint8_t *mac = vpn_neigh_find(p->nb, nh);
	struct vpn_neigh_request r;
	uint8_t *e;
	int rc;

	if (mac == NULL) {
		rc = vpn_neigh_hold(p->nb, nh, m, now, &r);
		if (r.ip != 0)
			arp_ask(p, &r, 1);
		if (rc < 0)
			rte_pktmbuf_free(m);
		return;
	}
	e = (uint8_t *)rte_pktmbuf_prepend(m, ETH_LEN);
	if (e == NULL || rte_ring_enqueue(p->ctl_tx, m) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(e, mac, 6);
	memcpy(e + 6, p->mac.addr_bytes, 6);
	e[12] = ET_IPV4 >> 8;
	e[13] = ET_IPV4 & 0xff;
}

/* ip answered: what was held for it goes out. */
static void
arp_release(struct dp_port *p, uint32_t ip, uint64_t now)
{
	void *held[VPN_NEIGH_HOLD];
	unsigned int n = vpn_neigh_release(p->nb, ip, held, VPN_NEIGH_HOLD);

	for (unsigned int i = 0; i < n; i++)
		ctl_ip_send(p, held[i], ip, now);
}

/* An ARP packet a worker received on p: learn, answer for our
 * addresses, send what waited for the sender. True when p's table
 * changed. */
static bool
arp_input(struct dp_port *p, const uint8_t *pkt, unsigned int len, uint64_t now)
{
	struct vpn_arp a;
	bool changed;

	if (vpn_arp_parse(pkt, len, &a) != 0) {
		dp.ctl_st.bad_arp++;
		return false;
	}
	if (!is_ours(p, a.tpa))
		return false;
	changed = vpn_neigh_learn(p->nb, a.spa, a.sha, false, now) == 1;
	if (a.op == 1)
		arp_send(p, 2, a.sha, a.spa, a.sha, a.tpa);
	arp_release(p, a.spa, now);
	return changed;
}

/* Requests due, aged entries refreshed or forgotten, packets given up
 * on dropped (lib/net's timers). True when p's table changed. */
static bool
arp_age(struct dp_port *p, uint64_t now)
{
	struct vpn_neigh_request r[16];
	bool changed = false;
	unsigned int n = vpn_neigh_age(p->nb, now, r, 16, free_mbuf, &changed);

	arp_ask(p, r, n);
	return changed;
}

/* The neighbour tables' counters into the control core's. */
static void
arp_counters(void)
{
	const struct vpn_neigh_stats *o = vpn_neigh_stats(dp.out.nb),
	                             *i = vpn_neigh_stats(dp.in.nb);

	__atomic_store_n(&dp.ctl_st.arp_refresh, o->refresh + i->refresh,
	                 __ATOMIC_RELAXED);
	__atomic_store_n(&dp.ctl_st.arp_expired, o->expired + i->expired,
	                 __ATOMIC_RELAXED);
	__atomic_store_n(&dp.ctl_st.arp_held, o->held + i->held,
	                 __ATOMIC_RELAXED);
	__atomic_store_n(&dp.ctl_st.arp_unresolved,
	                 o->unresolved + o->overflow + i->unresolved +
	                         i->overflow,
	                 __ATOMIC_RELAXED);
}

/* ---- the control core: tunnel liveness ------------------------------------
 *
 * Until IKE's DPD (issue 5), a tunnel is alive while ESP arrives on its
 * inbound SA: traffic, or the dummy packets (next header 59, RFC 4303 2.6)
 * each side sends on a tunnel that has carried nothing for KEEPALIVE_S.
 * Silence for the tunnel's dpd_timeout takes it out of steering (dpd_action
 * clear or restart; none keeps it), and ESP heard again puts it back.
 */
#define KEEPALIVE_S 10

/* Every change of a tunnel's state goes through here: flip, count, log. */
static void
tunnel_set(struct dp_conn *c, unsigned int ti, bool up, const char *why)
{
	struct dp_tunnel *t = &c->t[ti];
	bool was = __atomic_load_n(&c->up, __ATOMIC_RELAXED) & (1u << ti);

	if (was == up)
		return;
	if (up)
		__atomic_fetch_or(&c->up, 1u << ti, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&c->up, ~(1u << ti), __ATOMIC_RELEASE);
	t->changes++;
	t->changed = rte_rdtsc();
	pthread_mutex_lock(&dp.names);
	snprintf(t->why, sizeof(t->why), "%s", why);
	pthread_mutex_unlock(&dp.names);
	vpngw_log("tunnel %s: %s -> %s (%s)", t->name, was ? "up" : "down",
	          up ? "up" : "down", why);
}

/* Next hop on p for dst. */
static uint32_t
next_hop(const struct dp_port *p, uint32_t dst)
{
	return ((dst ^ p->addr) & p->mask) == 0 || p->gateway == 0 ? dst
	                                                           : p->gateway;
}

/* A dummy ESP packet on t, for worker 0 to send. */
static void
send_keepalive(struct dp_tunnel *t, uint64_t now)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	uint8_t why;

	if (m == NULL)
		return;
	if (vpn_esp_outbound(dp.ctl_w, t->sa, &m, 1, &why) != 1) {
		rte_pktmbuf_free(m);
		return;
	}
	ctl_ip_send(&dp.out, m, next_hop(&dp.out, ip_dst(m)), now);
	t->keepalives++;
}

static void
tunnels_check(uint64_t now)
{
	uint64_t hz = rte_get_tsc_hz();

	for (unsigned int i = 0; i < dp.nconns; i++) {
		struct dp_conn *c = &dp.conns[i];

		for (unsigned int ti = 0; ti < VPN_TUNNELS; ti++) {
			struct dp_tunnel *t = &c->t[ti];
			struct vpn_esp_stats s;
			uint64_t rx, seq;

			if (!t->manual || t->sa == NULL || t->in == NULL)
				continue;
			vpn_esp_sa_stats(t->in, &s);
			rx = s.packets + s.drops[VPN_ESP_DUMMY];
			if (rx != t->rx_seen) {
				t->rx_seen = rx;
				t->last_rx = now;
				tunnel_set(c, ti, true, "ESP received");
			} else if (t->dpd_clear &&
			           now - t->last_rx > t->dpd_timeout) {
				char why[64];

				snprintf(why, sizeof(why),
				         "no ESP for %llu s: dpd_timeout",
				         (unsigned long long)(t->dpd_timeout /
				                              hz));
				tunnel_set(c, ti, false, why);
			}
			seq = vpn_esp_sa_seq(t->sa);
			if (seq != t->tx_seen) {
				t->tx_seen = seq;
				t->last_tx = now;
			} else if (now - t->last_tx >= KEEPALIVE_S * hz) {
				send_keepalive(t, now);
				t->tx_seen = vpn_esp_sa_seq(t->sa);
				t->last_tx = now;
			}
		}
	}
}

unsigned int
vpngw_dp_tunnels(struct vpngw_tunnel_info *info, unsigned int max)
{
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz();
	unsigned int n = 0;

	pthread_mutex_lock(&dp.names);
	for (unsigned int i = 0; i < dp.nconns; i++)
		for (unsigned int ti = 0; ti < VPN_TUNNELS; ti++) {
			const struct dp_tunnel *t = &dp.conns[i].t[ti];

			if (n >= max || t->name[0] == '\0')
				continue;
			snprintf(info[n].name, sizeof(info[n].name), "%s",
			         t->name);
			info[n].up = __atomic_load_n(&dp.conns[i].up,
			                             __ATOMIC_RELAXED) &
			             (1u << ti);
			info[n].silent_s =
			        t->last_rx ? (double)(now - t->last_rx) / hz
			                   : -1;
			info[n].keepalives = t->keepalives;
			info[n].changes = t->changes;
			info[n].conn = i;
			info[n].ti = ti;
			info[n].manual = t->manual;
			info[n].since_s =
			        t->changed ? (double)(now - t->changed) / hz
			                   : -1;
			snprintf(info[n].why, sizeof(info[n].why), "%s",
			         t->changed ? t->why : "never changed");
			n++;
		}
	pthread_mutex_unlock(&dp.names);
	return n;
}

void
vpngw_dp_control(void)
{
	struct dp_port *ports[2] = {&dp.out, &dp.in};
	bool changed[2] = {false, false};
	uint64_t now = rte_rdtsc();
	void *objs[BURST];
	unsigned int n;

	if (!dp.started)
		return;
	while ((n = rte_ring_dequeue_burst(dp.ctl_arp, objs, BURST, NULL)) > 0)
		for (unsigned int i = 0; i < n; i++) {
			struct rte_mbuf *m = objs[i];
			unsigned int pi = m->port == dp.in.id;

			changed[pi] |= arp_input(
			        ports[pi],
			        rte_pktmbuf_mtod_offset(m, uint8_t *, ETH_LEN),
			        rte_pktmbuf_data_len(m) - ETH_LEN, now);
			rte_pktmbuf_free(m);
		}
	/* Packets the workers had no MAC for: the next hop and port ride
	 * in the mbuf's hash field (l2_out). */
	while ((n = rte_ring_dequeue_burst(dp.ctl_resolve, objs, BURST, NULL)) >
	       0)
		for (unsigned int i = 0; i < n; i++) {
			struct rte_mbuf *m = objs[i];

			ctl_ip_send(ports[m->hash.fdir.hi & 1], m,
			            m->hash.fdir.lo, now);
		}
	for (int pi = 0; pi < 2; pi++) {
		changed[pi] |= arp_age(ports[pi], now);
		if (changed[pi])
			arp_publish(ports[pi]);
	}
	arp_counters();
	if (now - dp.last_check >= rte_get_tsc_hz()) {
		dp.last_check = now;
		tunnels_check(now);
	}
}

/* ---- workers: layer 2 ------------------------------------------------------
 */

static const struct rte_ether_addr *
arp_find(const struct dp_port *p, uint32_t ip)
{
	const struct arp_table *t = __atomic_load_n(&p->arp, __ATOMIC_ACQUIRE);

	for (unsigned int i = 0; i < t->n; i++)
		if (t->e[i].ip == ip)
			return &t->e[i].mac;
	return NULL;
}

/*
 * Give m (data at its IP header) an Ethernet header to next hop nh on p
 * and return true; or, nh unknown, hand m to the control core, which
 * holds it while it asks (lib/net's neighbour table) and sends it once nh
 * answers, and return false. False: m is no longer the caller's.
 */
static bool
l2_out(struct dp_worker *wk, struct dp_port *p, struct rte_mbuf *m,
       uint32_t dst)
{
	uint32_t nh = next_hop(p, dst);
	const struct rte_ether_addr *mac = arp_find(p, nh);
	uint8_t *e;

	if (mac == NULL) {
		wk->st.arp_miss++;
		m->hash.fdir.lo = nh;
		m->hash.fdir.hi = port_index(p);
		if (rte_ring_enqueue(dp.ctl_resolve, m) != 0)
			rte_pktmbuf_free(m); /* the control core is behind */
		return false;
	}
	e = (uint8_t *)rte_pktmbuf_prepend(m, ETH_LEN);
	if (e == NULL) {
		rte_pktmbuf_free(m);
		return false;
	}
	memcpy(e, mac->addr_bytes, 6);
	memcpy(e + 6, p->mac.addr_bytes, 6);
	e[12] = ET_IPV4 >> 8;
	e[13] = ET_IPV4 & 0xff;
	return true;
}

static void
tx(struct dp_worker *wk, struct dp_port *p, struct rte_mbuf **m, uint16_t n)
{
	uint16_t sent = n ? rte_eth_tx_burst(p->id, (uint16_t)wk->id, m, n) : 0;

	wk->st.tx[port_index(p)] += sent;
	for (uint16_t i = sent; i < n; i++)
		rte_pktmbuf_free(m[i]);
	wk->st.tx_full += n - sent;
}

/* Hand m (data at its IP header) to the kernel over the TAP; false when
 * there is no exception path (the caller drops and counts). */
static bool
exc_send(struct dp_worker *wk, struct rte_mbuf *m)
{
	uint8_t *e;

	if (!dp.exc.on)
		return false;
	e = (uint8_t *)rte_pktmbuf_prepend(m, ETH_LEN);
	if (e == NULL)
		return false;
	memcpy(e, dp.exc.mac.addr_bytes, 6);
	memcpy(e + 6, dp.out.mac.addr_bytes, 6);
	e[12] = ET_IPV4 >> 8;
	e[13] = ET_IPV4 & 0xff;
	if (rte_eth_tx_burst(dp.exc.id, (uint16_t)wk->id, &m, 1) != 1) {
		wk->st.tx_full++;
		rte_pktmbuf_free(m);
	} else
		wk->st.to_kernel++;
	return true;
}

/*
 * The Ethernet layer of a frame received on p: ARP goes to the control
 * core, an IPv4 packet comes back with its Ethernet header stripped
 * (true); anything else is counted and freed (false).
 */
static bool
l2_input(struct dp_worker *wk, struct rte_mbuf *m)
{
	const uint8_t *e = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int len = rte_pktmbuf_data_len(m);
	uint16_t et;

	if (m->nb_segs != 1 || len < ETH_LEN) {
		wk->st.bad_frame++;
		goto consumed;
	}
	et = (uint16_t)(e[12] << 8 | e[13]);
	if (et == ET_ARP) {
		if (rte_ring_enqueue(dp.ctl_arp, m) == 0)
			return false;
		wk->st.bad_arp++; /* the control core is behind */
		goto consumed;
	}
	if (et != ET_IPV4 || len < ETH_LEN + 20) {
		wk->st.not_ip++;
		goto consumed;
	}
	rte_pktmbuf_adj(m, ETH_LEN);
	return true;
consumed:
	rte_pktmbuf_free(m);
	return false;
}

/* ---- inside -> tunnel -----------------------------------------------------
 */

/* The connection whose static routes hold dst: 0, or -1. */
static int
route_lookup(uint32_t dst, uint32_t *conn)
{
	return vpn_fib_lookup(__atomic_load_n(&dp.routes, __ATOMIC_ACQUIRE),
	                      dst, conn);
}

/* An ICMP error of ours (or NULL: nothing to send) back to a sender on
 * the inside. */
static void
icmp_to_inside(struct dp_worker *wk, struct rte_mbuf *r)
{
	if (r != NULL && l2_out(wk, &dp.in, r, ip_dst(r)))
		tx(wk, &dp.in, &r, 1);
}

/* One inner IPv4 packet (Ethernet stripped) towards the tunnels: the SA to
 * use, with m fragmented into frags[] when needed. Returns how many
 * packets to encrypt (m itself, or fragments), 0 when m was consumed. */
static unsigned int
to_tunnel(struct dp_worker *wk, struct rte_mbuf *m, bool fwd,
          struct rte_mbuf **frags, struct vpn_esp_sa **sa)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int len = rte_pktmbuf_data_len(m);
	const struct vpn_nh_table *nt;
	const struct vpn_nh_tunnel *tt;
	const struct vpn_nh *nh;
	uint32_t conn, dst;
	unsigned int up;
	int t, n;

	if (len < 20 || ip[0] >> 4 != 4 ||
	    (unsigned int)(ip[2] << 8 | ip[3]) > len) {
		wk->st.bad_inner++;
		goto drop;
	}
	dst = ip_dst(m);
	if (route_lookup(dst, &conn) != 0) {
		wk->st.no_route++;
		goto drop;
	}
	/* Forwarded (not the appliance's own): RFC 1812 5.3.1. */
	if (fwd && !vpn_ipv4_ttl_dec(rte_pktmbuf_mtod(m, uint8_t *))) {
		wk->st.ttl_expired++;
		icmp_to_inside(wk,
		               vpn_icmp_time_exceeded(m, dp.in.addr, dp.pool));
		goto drop;
	}
	nt = __atomic_load_n(&dp.nh, __ATOMIC_ACQUIRE);
	if (conn >= nt->n) { /* a FIB ahead of its connection: not yet */
		wk->st.no_route++;
		goto drop;
	}
	nh = &nt->nh[conn];
	up = __atomic_load_n(&dp.conns[conn].up, __ATOMIC_ACQUIRE);
	/* The flow hash only matters when there is a choice. */
	t = vpn_steer_pick(nh->steer, up,
	                   nh->steer == VPN_STEER_ACTIVE && (up & 3) == 3
	                           ? vpn_flow_hash(ip, len)
	                           : 0);
	/* A tunnel joins steering after its SA is published and leaves it
	 * before the SA goes: a NULL SA is a tunnel going down. */
	if (t < 0 || nh->t[t].sa == NULL) {
		wk->st.tunnel_down++;
		goto drop;
	}
	tt = &nh->t[t];
	*sa = tt->sa;
	if (ip[9] == IPPROTO_TCP) /* only a SYN can carry the MSS */
		vpn_mss_clamp(rte_pktmbuf_mtod(m, uint8_t *), len, tt->mss);
	if (len <= tt->inner_mtu) {
		frags[0] = m;
		return 1;
	}
	if (ip[6] & 0x40) { /* DF: tell the sender the tunnel's MTU */
		wk->st.frag_needed++;
		icmp_to_inside(wk, vpn_icmp_frag_needed(m, tt->inner_mtu,
		                                        dp.in.addr, dp.pool));
		goto drop;
	}
	n = vpn_ipv4_fragment(m, tt->inner_mtu, dp.pool, frags, FRAG_MAX);
	rte_pktmbuf_free(m);
	if (n < 0) {
		wk->st.frag_failed++;
		return 0;
	}
	wk->st.fragmented++;
	return (unsigned int)n;
drop:
	rte_pktmbuf_free(m);
	return 0;
}

/* Encrypt enc[0..n) (their SAs in sas[]: the crypto of many tunnels goes
 * in one engine call per algorithm) and send what comes out to its next
 * hop. */
static void
encrypt_and_send(struct dp_worker *wk, struct rte_mbuf **enc,
                 struct vpn_esp_sa **sas, unsigned int n)
{
	struct rte_mbuf *out[ENC_MAX];
	unsigned int nout = 0, j;
	uint8_t why[ENC_MAX];
	uint16_t ok;

	if (n == 0)
		return;
	ok = vpn_esp_outbound_sas(wk->w, sas, enc, (uint16_t)n, why);
	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = enc[i];

		if (i >= ok) {
			wk->st.esp_out_drop++;
			rte_pktmbuf_free(m);
		} else if (l2_out(wk, &dp.out, m, ip_dst(m))) {
			out[nout++] = m;
		}
	}
	for (j = 0; j < nout; j += BURST)
		tx(wk, &dp.out, out + j,
		   (uint16_t)(nout - j < BURST ? nout - j : BURST));
}

/* Route m into a tunnel (fwd: forwarded, not the appliance's own): its
 * packets (m or its fragments) join enc[] / sas[], which are encrypted
 * and sent first when they would overflow. */
static void
to_tunnel_queue(struct dp_worker *wk, struct rte_mbuf *m, bool fwd,
                struct rte_mbuf **enc, struct vpn_esp_sa **sas,
                unsigned int *nenc)
{
	struct rte_mbuf *frags[FRAG_MAX];
	struct vpn_esp_sa *sa = NULL;
	unsigned int k = to_tunnel(wk, m, fwd, frags, &sa);

	if (*nenc + k > ENC_MAX) {
		encrypt_and_send(wk, enc, sas, *nenc);
		*nenc = 0;
	}
	for (unsigned int f = 0; f < k; f++) {
		enc[*nenc] = frags[f];
		sas[(*nenc)++] = sa;
	}
}

static void
inside_input(struct dp_worker *wk, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *enc[ENC_MAX];
	struct vpn_esp_sa *sas[ENC_MAX];
	unsigned int nenc = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (!l2_input(wk, m))
			continue;
		if (ip_dst(m) == dp.in.addr) { /* for us: the kernel */
			if (!exc_send(wk, m)) {
				wk->st.for_us++;
				rte_pktmbuf_free(m);
			}
			continue;
		}
		to_tunnel_queue(wk, m, true, enc, sas, &nenc);
	}
	encrypt_and_send(wk, enc, sas, nenc);
}

/* ---- outside -> inside ------------------------------------------------------
 */

static bool
from_remote(unsigned int conn, const struct rte_mbuf *m)
{
	uint32_t v;

	memcpy(&v, rte_pktmbuf_mtod_offset(m, const uint8_t *, 12), 4);
	return vpn_fib_from_remote(
	        __atomic_load_n(&dp.routes, __ATOMIC_ACQUIRE), conn,
	        rte_be_to_cpu_32(v));
}

/*
 * A decrypted packet m for the inside (forwarded: TTL and the inside
 * port's MTU as RFC 1812 wants) into out[] (fragments too). What the
 * appliance must say back to its sender (time exceeded, frag-needed) goes
 * into the tunnel through enc[] / sas[].
 */
static void
to_inside(struct dp_worker *wk, struct rte_mbuf *m, struct rte_mbuf **out,
          unsigned int *nout, struct rte_mbuf **enc, struct vpn_esp_sa **sas,
          unsigned int *nenc)
{
	uint8_t *ip = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_mbuf *frags[FRAG_MAX], *r = NULL;
	unsigned int len = rte_pktmbuf_data_len(m);
	int nf;

	if (!vpn_ipv4_ttl_dec(ip)) {
		wk->st.ttl_expired++;
		r = vpn_icmp_time_exceeded(m, dp.in.addr, dp.pool);
		goto drop;
	}
	if (len > dp.in.mtu && (ip[6] & 0x40)) {
		wk->st.too_big_inside++;
		wk->st.frag_needed++;
		r = vpn_icmp_frag_needed(m, dp.in.mtu, dp.in.addr, dp.pool);
		goto drop;
	}
	if (len <= dp.in.mtu) {
		frags[0] = m;
		nf = 1;
	} else {
		wk->st.too_big_inside++;
		nf = vpn_ipv4_fragment(m, dp.in.mtu, dp.pool, frags, FRAG_MAX);
		rte_pktmbuf_free(m);
		if (nf < 0) {
			wk->st.frag_failed++;
			return;
		}
		wk->st.fragmented++;
	}
	for (int i = 0; i < nf; i++) {
		if (*nout == BURST) {
			tx(wk, &dp.in, out, BURST);
			*nout = 0;
		}
		if (l2_out(wk, &dp.in, frags[i], ip_dst(frags[i])))
			out[(*nout)++] = frags[i];
	}
	return;
drop:
	rte_pktmbuf_free(m);
	if (r != NULL)
		to_tunnel_queue(wk, r, false, enc, sas, nenc);
}

static void
outside_input(struct dp_worker *wk, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *esp[BURST], *out[BURST], *enc[ENC_MAX];
	struct vpn_esp_sa *sas[BURST], *enc_sas[ENC_MAX];
	unsigned int nout = 0, nenc = 0;
	uint16_t nesp = 0, ok;
	uint8_t why[BURST];

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (!l2_input(wk, m))
			continue;
		if (!is_ours(&dp.out, ip_dst(m))) {
			wk->st.not_for_us++;
			rte_pktmbuf_free(m);
			continue;
		}
		esp[nesp++] = m;
	}
	ok = vpn_esp_inbound(wk->w, dp.sad, esp, nesp, why, sas);
	for (uint16_t i = ok; i < nesp; i++) {
		/* Not ESP (ICMP, IKE on 500 or behind the non-ESP marker on
		 * 4500, NAT keepalives): the kernel's. Dummy packets are the
		 * peer's keepalives (tunnels_check). */
		if ((why[i] == VPN_ESP_NOT_ESP || why[i] == VPN_ESP_NATT_IKE ||
		     why[i] == VPN_ESP_NATT_KEEPALIVE) &&
		    exc_send(wk, esp[i]))
			continue;
		if (why[i] == VPN_ESP_DUMMY)
			wk->st.keepalive_in++;
		else
			wk->st.esp_in_drop++;
		rte_pktmbuf_free(esp[i]);
	}
	for (uint16_t i = 0; i < ok; i++) {
		struct rte_mbuf *m = esp[i];

		/* Only the connection's remote networks may come out of its
		 * tunnels (its traffic selectors). */
		if (m->packet_type == RTE_PTYPE_L3_IPV4 &&
		    !from_remote(vpn_esp_sa_tag(sas[i]), m)) {
			wk->st.inner_src++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* To the appliance itself (its inside address): the kernel's
		 * answer to something it sent into the tunnel. */
		if (m->packet_type == RTE_PTYPE_L3_IPV4 &&
		    ip_dst(m) == dp.in.addr) {
			if (!exc_send(wk, m)) {
				wk->st.for_us++;
				rte_pktmbuf_free(m);
			}
			continue;
		}
		if (m->packet_type != RTE_PTYPE_L3_IPV4) {
			wk->st.not_ip++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* The common case inline: it fits, its TTL has room. */
		if (likely(rte_pktmbuf_data_len(m) <= dp.in.mtu &&
		           vpn_ipv4_ttl_dec(rte_pktmbuf_mtod(m, uint8_t *)))) {
			if (unlikely(nout == BURST)) { /* after fragments */
				tx(wk, &dp.in, out, BURST);
				nout = 0;
			}
			if (l2_out(wk, &dp.in, m, ip_dst(m)))
				out[nout++] = m;
			continue;
		}
		to_inside(wk, m, out, &nout, enc, enc_sas, &nenc);
	}
	tx(wk, &dp.in, out, (uint16_t)nout);
	encrypt_and_send(wk, enc, enc_sas, nenc);
}

/* ---- kernel -> wire ---------------------------------------------------------
 */

/* What the kernel sends from the TAP: into a tunnel when the FIB says so
 * (as if it came from the inside), else out of the port whose subnet holds
 * the destination, else out of the outside port (its gateway). */
static void
exc_input(struct dp_worker *wk, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *enc[ENC_MAX], *to_out[BURST], *to_in[BURST];
	struct vpn_esp_sa *sas[ENC_MAX];
	unsigned int nenc = 0, nout = 0, nin = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t dst, conn;

		wk->st.from_kernel++;
		/* The TAP is NOARP; whatever else it says, only IPv4 goes. */
		if (rte_pktmbuf_data_len(m) >= ETH_LEN &&
		    rte_pktmbuf_mtod(m, uint8_t *)[12] == ET_ARP >> 8 &&
		    rte_pktmbuf_mtod(m, uint8_t *)[13] == (ET_ARP & 0xff)) {
			wk->st.not_ip++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (!l2_input(wk, m))
			continue;
		dst = ip_dst(m);
		if (route_lookup(dst, &conn) == 0)
			to_tunnel_queue(wk, m, false, enc, sas, &nenc);
		else if (((dst ^ dp.in.addr) & dp.in.mask) == 0) {
			if (l2_out(wk, &dp.in, m, dst))
				to_in[nin++] = m;
		} else if (l2_out(wk, &dp.out, m, dst))
			to_out[nout++] = m;
	}
	encrypt_and_send(wk, enc, sas, nenc);
	tx(wk, &dp.out, to_out, (uint16_t)nout);
	tx(wk, &dp.in, to_in, (uint16_t)nin);
}

/* ---- the loop and its setup -------------------------------------------------
 */

static volatile int *dp_quit;

/* Worker 0 puts what the control core wants sent on the wire. */
static void
ctl_tx_drain(struct dp_worker *wk, struct dp_port *p)
{
	struct rte_mbuf *m[BURST];
	unsigned int n =
	        rte_ring_dequeue_burst(p->ctl_tx, (void **)m, BURST, NULL);

	tx(wk, p, m, (uint16_t)n);
}

static int
worker(void *arg)
{
	struct dp_worker *wk = arg;
	struct rte_mbuf *pkts[BURST];
	bool in = wk->id < dp.in.nrxq, out = wk->id < dp.out.nrxq;

	rte_rcu_qsbr_thread_register(dp.qs, wk->id);
	rte_rcu_qsbr_thread_online(dp.qs, wk->id);
	while (!*dp_quit) {
		uint16_t n;

		wk->now = rte_rdtsc();
		if (in) {
			n = rte_eth_rx_burst(dp.in.id, (uint16_t)wk->id, pkts,
			                     BURST);
			wk->st.rx[1] += n;
			if (n)
				inside_input(wk, pkts, n);
		}
		if (out) {
			n = rte_eth_rx_burst(dp.out.id, (uint16_t)wk->id, pkts,
			                     BURST);
			wk->st.rx[0] += n;
			if (n)
				outside_input(wk, pkts, n);
		}
		if (wk->id == 0) {
			ctl_tx_drain(wk, &dp.out);
			ctl_tx_drain(wk, &dp.in);
			if (dp.exc.on) {
				n = rte_eth_rx_burst(dp.exc.id, 0, pkts, BURST);
				if (n)
					exc_input(wk, pkts, n);
			}
		}
		/* Nothing of the tables is held across this point. */
		rte_rcu_qsbr_quiescent(dp.qs, wk->id);
	}
	rte_rcu_qsbr_thread_offline(dp.qs, wk->id);
	rte_rcu_qsbr_thread_unregister(dp.qs, wk->id);
	return 0;
}

static int
setup_port(const struct vpn_cfg_port *cp, struct dp_port *p,
           const char *ring_name)
{
	struct vpn_neigh_entry e[ARP_SLOTS];
	struct rte_eth_dev_info info;

	if (vpngw_port_id(cp->device, &p->id) != 0 ||
	    rte_eth_dev_info_get(p->id, &info) != 0)
		return -ENODEV;
	if (info.max_tx_queues < dp.nwk || info.max_rx_queues < cp->queues) {
		fprintf(stderr,
		        "vpngw: port %s: %s has %u RX and %u TX queues; %lld "
		        "RX queues and one TX queue per worker (%u) are needed "
		        "(net_af_packet: qpairs=N)\n",
		        cp->name, cp->device, info.max_rx_queues,
		        info.max_tx_queues, (long long)cp->queues, dp.nwk);
		return -EINVAL;
	}
	p->nrxq = (uint16_t)cp->queues;
	p->mtu = (unsigned int)cp->mtu;
	if (vpn_port_start(p->id, p->nrxq, (uint16_t)dp.nwk, dp.pool,
	                   (uint16_t)p->mtu) != 0) {
		fprintf(stderr, "vpngw: port %s: %s did not start\n", cp->name,
		        cp->device);
		return -ENODEV;
	}
	rte_eth_macaddr_get(p->id, &p->mac);
	if (cp->address.family == 0) {
		fprintf(stderr, "vpngw: port %s needs an address to forward\n",
		        cp->name);
		return -EINVAL;
	}
	p->addr = vpn_prefix_v4_addr(&cp->address);
	p->mask = cp->address.len ? ~0u << (32 - cp->address.len) : 0;
	p->gateway = cp->gateway;
	p->nb = vpn_neigh_new(&(struct vpn_neigh_params){
	        .slots = ARP_SLOTS,
	        .hz = rte_get_tsc_hz(),
	        .timeout = (uint64_t)cp->arp_timeout * rte_get_tsc_hz()});
	p->ctl_tx = rte_ring_create(ring_name, CTL_RING, rte_socket_id(),
	                            RING_F_SP_ENQ | RING_F_SC_DEQ);
	p->arp = calloc(1, sizeof(*p->arp));
	if (p->ctl_tx == NULL || p->arp == NULL || p->nb == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < cp->n_static_arp; i++) {
		uint8_t mac[6];
		uint32_t ip;

		if (vpn_neighbor_parse(cp->static_arp[i], &ip, mac) != 0)
			return -EINVAL; /* the config checker let it through */
		if (vpn_neigh_learn(p->nb, ip, mac, true, rte_rdtsc()) < 0)
			return -ENOSPC;
	}
	p->arp->n = vpn_neigh_snapshot(p->nb, e, ARP_SLOTS);
	for (unsigned int i = 0; i < p->arp->n; i++) { /* no worker yet */
		p->arp->e[i].ip = e[i].ip;
		memcpy(p->arp->e[i].mac.addr_bytes, e[i].mac, 6);
	}
	return 0;
}

/* The exception path: a net_tap port whose kernel side is
 * exception_iface, configured with our addresses (vpngw_kernel_setup). */
static int
setup_exception(const struct vpn_cfg *cfg)
{
	const char *ifname = cfg->appliance.exception_iface;
	char dev[64];

	snprintf(dev, sizeof(dev), "net_tap_exc,iface=%s", ifname);
	if (rte_dev_probe(dev) != 0 ||
	    rte_eth_dev_get_port_by_name("net_tap_exc", &dp.exc.id) != 0) {
		fprintf(stderr,
		        "vpngw: cannot create the exception interface %s "
		        "(net_tap: needs /dev/net/tun and CAP_NET_ADMIN)\n",
		        ifname);
		return -ENODEV;
	}
	if (vpn_port_start(dp.exc.id, 1, (uint16_t)dp.nwk, dp.pool, 0) != 0)
		return -ENODEV;
	rte_eth_macaddr_get(dp.exc.id, &dp.exc.mac);
	if (vpngw_kernel_setup(cfg, ifname) != 0)
		return -EIO;
	dp.exc.on = true;
	printf("vpngw: exception path: kernel interface %s\n", ifname);
	return 0;
}

/* The largest inner packet whose ESP packet fits the outside MTU. */
static unsigned int
inner_mtu(const struct vpn_esp_sa *sa, unsigned int mtu)
{
	unsigned int l = mtu;

	while (l > 68 && l + vpn_esp_sa_overhead(sa, l) > mtu)
		l--;
	return l;
}

/* Append cfg's IPv4 prefixes in list to out[*n..) for connection slot. */
static void
routes_add(struct vpn_route *out, unsigned int *n,
           const struct vpn_prefix_list *list, unsigned int slot)
{
	for (unsigned int k = 0; k < list->n; k++)
		if (list->v[k].family == AF_INET)
			out[(*n)++] = (struct vpn_route){
			        vpn_prefix_v4_addr(&list->v[k]),
			        (uint8_t)list->v[k].len, slot};
}

/* The FIB and remote networks of cfg's connections (IPv4; IPv6 inner
 * routing is to come), sized for them, or NULL (logged). */
static struct vpn_fib *
routes_build(const struct vpn_cfg *cfg)
{
	struct vpn_route *routes, *remote;
	unsigned int nr = 0, nrem = 0, max = 0;
	struct vpn_fib *f;
	char name[32];

	for (unsigned int i = 0; i < cfg->n_conns; i++)
		max += cfg->conns[i].static_routes.n +
		       cfg->conns[i].remote_networks.n;
	routes = calloc(max ? max : 1, sizeof(*routes));
	remote = calloc(max ? max : 1, sizeof(*remote));
	for (unsigned int i = 0; routes && remote && i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];

		/* By slot: the index the tunnels and SAs know it by. */
		if (c->slot >= dp.nconns)
			continue;
		routes_add(routes, &nr, &c->static_routes, c->slot);
		routes_add(remote, &nrem, &c->remote_networks, c->slot);
	}
	snprintf(name, sizeof(name), "fib%u", dp.routes_gen++);
	errno = ENOMEM;
	f = routes && remote ? vpn_fib_build(name, rte_socket_id(), dp.nconns,
	                                     routes, nr, remote, nrem)
	                     : NULL;
	if (f == NULL)
		vpngw_log("cannot build a FIB of %u routes: %s", nr,
		          strerror(errno));
	free(routes);
	free(remote);
	return f;
}

/*
 * Connection slot's next hop becomes *e in a new version of the table the
 * workers read, published with RCU: once this returns, no worker holds
 * the old version (nor an SA only it named). On the control core (or
 * under the control lock); before the workers start, just the swap.
 */
static void
nh_publish(unsigned int slot, const struct vpn_nh *e)
{
	unsigned int n = dp.nh != NULL && dp.nh->n > slot ? dp.nh->n : slot + 1;
	struct vpn_nh_table *t = vpn_nh_table_clone(dp.nh, n);

	if (t == NULL) {
		vpngw_log("out of memory: connection slot %u's next hops not "
		          "changed",
		          slot);
		return;
	}
	t->nh[slot] = *e;
	free(vpn_rcu_swap((void **)&dp.nh, t, dp.qs));
}

/* Slot's next hop as published now (zero when it has none yet). */
static struct vpn_nh
nh_get(unsigned int slot)
{
	struct vpn_nh e = {0};

	if (dp.nh != NULL && slot < dp.nh->n)
		e = dp.nh->nh[slot];
	return e;
}

/* Tunnel ti of slot sends on out (NULL: on nothing) from now on. */
static void
nh_tunnel(unsigned int slot, unsigned int ti, struct vpn_esp_sa *out)
{
	struct vpn_nh e = nh_get(slot);

	e.t[ti] = (struct vpn_nh_tunnel){0};
	if (out != NULL) {
		e.t[ti].sa = out;
		e.t[ti].inner_mtu = inner_mtu(out, dp.out.mtu);
		e.t[ti].mss = vpn_mss_for_mtu(e.t[ti].inner_mtu, false);
	}
	nh_publish(slot, &e);
}

struct vpn_esp_sa *
vpngw_dp_tunnel_attach(unsigned int conn, unsigned int ti,
                       struct vpn_esp_sa *out, struct vpn_esp_sa *in,
                       const char *why)
{
	struct dp_tunnel *t;
	struct vpn_esp_sa *old;

	if (!dp.started || conn >= dp.nconns || ti >= VPN_TUNNELS)
		return NULL;
	t = &dp.conns[conn].t[ti];
	/* The SA with its MTU published before the tunnel joins steering. */
	nh_tunnel(conn, ti, out);
	t->in = in;
	t->last_rx = t->last_tx = rte_rdtsc();
	old = t->sa;
	t->sa = out;
	tunnel_set(&dp.conns[conn], ti, true, why);
	return old;
}

void
vpngw_dp_tunnel_detach(unsigned int conn, unsigned int ti, const char *why)
{
	if (!dp.started || conn >= dp.nconns || ti >= VPN_TUNNELS)
		return;
	/* Out of steering, then out of the next-hop table: once this
	 * returns no worker holds the SA (the caller frees it after a
	 * token, vpngw_dp_token/vpngw_dp_passed, as before). */
	tunnel_set(&dp.conns[conn], ti, false, why);
	nh_tunnel(conn, ti, NULL);
	dp.conns[conn].t[ti].in = NULL;
}

void
vpngw_dp_sync(void)
{
	if (dp.started)
		rte_rcu_qsbr_synchronize(dp.qs, RTE_QSBR_THRID_INVALID);
}

uint64_t
vpngw_dp_token(void)
{
	return dp.started ? rte_rcu_qsbr_start(dp.qs) : 0;
}

bool
vpngw_dp_passed(uint64_t token)
{
	return !dp.started || rte_rcu_qsbr_check(dp.qs, token, false) == 1;
}

int
vpngw_dp_set_routes(const struct vpn_cfg *cfg)
{
	struct vpn_fib *r, *old;

	if (!dp.started)
		return -EINVAL;
	r = routes_build(cfg);
	if (r == NULL)
		return -ENOMEM;
	old = __atomic_exchange_n(&dp.routes, r, __ATOMIC_ACQ_REL);
	/* No worker reads the old tables once each has passed a
	 * quiescent point. */
	rte_rcu_qsbr_synchronize(dp.qs, RTE_QSBR_THRID_INVALID);
	vpn_fib_free(old);
	return 0;
}

void
vpngw_dp_conn_set(const struct vpn_cfg_conn *c)
{
	struct dp_conn *d;
	struct vpn_nh e;

	if (c->slot >= VPN_MAX_CONNS)
		return;
	d = &dp.conns[c->slot];
	e = nh_get(c->slot);
	e.steer = c->steering == VPN_STEER_ACTIVE_ACTIVE ? VPN_STEER_ACTIVE
	                                                 : VPN_STEER_STANDBY;
	nh_publish(c->slot, &e);
	pthread_mutex_lock(&dp.names);
	for (int t = 0; t < VPN_TUNNELS; t++) {
		struct dp_tunnel *dt = &d->t[t];

		snprintf(dt->name, sizeof(dt->name), "%s/%d", c->name, t + 1);
		dt->dpd_timeout =
		        (uint64_t)c->tunnels[t].dpd_timeout * rte_get_tsc_hz();
		dt->dpd_clear = c->tunnels[t].dpd_action != VPN_DPD_NONE;
		dt->manual = c->tunnels[t].manual.present;
	}
	pthread_mutex_unlock(&dp.names);
	/* The workers see the slot once a route names it (next FIB). */
	if (c->slot >= dp.nconns)
		dp.nconns = c->slot + 1;
}

void
vpngw_dp_conn_clear(unsigned int slot)
{
	if (slot >= dp.nconns)
		return;
	for (unsigned int t = 0; t < VPN_TUNNELS; t++) {
		vpngw_dp_tunnel_detach(slot, t, "connection deleted");
		pthread_mutex_lock(&dp.names);
		dp.conns[slot].t[t].name[0] = '\0';
		pthread_mutex_unlock(&dp.names);
		dp.conns[slot].t[t].manual = false;
		dp.conns[slot].t[t].sa = NULL;
	}
}

void
vpngw_dp_tunnel_admin(unsigned int conn, unsigned int ti, bool up,
                      const struct vpngw_sas *sas)
{
	if (!dp.started || conn >= dp.nconns || ti >= VPN_TUNNELS)
		return;
	if (!up)
		vpngw_dp_tunnel_detach(conn, ti, "administratively down");
	else if (sas->out_by_tunnel[conn * VPN_TUNNELS + ti] != NULL)
		vpngw_dp_tunnel_attach(
		        conn, ti, sas->out_by_tunnel[conn * VPN_TUNNELS + ti],
		        sas->in_by_tunnel[conn * VPN_TUNNELS + ti],
		        "administratively up");
}

static int
setup_conns(const struct vpn_cfg *cfg, const struct vpngw_sas *sas)
{
	/* An empty table for the workers even with no connection. */
	dp.nh = vpn_nh_table_clone(NULL, 0);
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];
		struct dp_conn *d = &dp.conns[c->slot];

		vpngw_dp_conn_set(c);
		for (int t = 0; t < VPN_TUNNELS; t++) {
			struct dp_tunnel *dt = &d->t[t];

			dt->sa = sas->out_by_tunnel[c->slot * VPN_TUNNELS + t];
			if (dt->sa == NULL)
				continue; /* IKE's: down until it attaches one
				           */
			nh_tunnel(c->slot, (unsigned int)t, dt->sa);
			d->up |= 1u << t;
			dt->in = sas->in_by_tunnel[c->slot * VPN_TUNNELS + t];
			/* Given the benefit of the doubt at start. */
			dt->last_rx = dt->last_tx = rte_rdtsc();
		}
	}
	dp.routes = routes_build(cfg);
	return dp.routes == NULL || dp.nh == NULL ? -ENOMEM : 0;
}

int
vpngw_dp_start(const struct vpn_cfg *cfg, const struct vpngw_sas *sas,
               volatile int *quit)
{
	const struct vpn_cfg_appliance *a = &cfg->appliance;
	size_t qsz;
	int rc;

	memset(&dp, 0, sizeof(dp));
	pthread_mutex_init(&dp.names, NULL);
	dp_quit = quit;
	dp.nwk = a->n_workers;
	dp.nconns = 0; /* the highest slot in use + 1 (vpngw_dp_conn_set) */
	/* One ESP context per worker and one for the control core. */
	if (dp.nwk == 0 || dp.nwk >= VPN_ESP_MAX_WORKERS) {
		fprintf(stderr, "vpngw: 1 to %d workers, not %u\n",
		        VPN_ESP_MAX_WORKERS - 1, dp.nwk);
		return -EINVAL;
	}
	dp.ctl_w = vpn_esp_worker_new(sas->eng, dp.nwk);
	if (dp.ctl_w == NULL)
		return -ENOMEM;
	/* Jumbo-sized buffers: ports hand over whole frames (net_af_packet
	 * even reassembled ones), and the ESP library takes no chains. */
	dp.pool = rte_pktmbuf_pool_create("dp", 8191 + 4096 * (dp.nwk - 1), 256,
	                                  0, RTE_PKTMBUF_HEADROOM + DP_BUF_SIZE,
	                                  rte_socket_id());
	/* Every slot a connection can take, so that connections come and
	 * go while the workers read. */
	dp.conns = calloc(VPN_MAX_CONNS, sizeof(*dp.conns));
	dp.wk = rte_zmalloc("workers", dp.nwk * sizeof(*dp.wk),
	                    RTE_CACHE_LINE_SIZE);
	dp.ctl_arp = rte_ring_create("ctl_arp", CTL_RING, rte_socket_id(),
	                             RING_F_SC_DEQ);
	dp.ctl_resolve = rte_ring_create("ctl_resolve", CTL_RING,
	                                 rte_socket_id(), RING_F_SC_DEQ);
	qsz = rte_rcu_qsbr_get_memsize(dp.nwk);
	dp.qs = rte_zmalloc("qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (dp.pool == NULL || dp.conns == NULL || dp.wk == NULL ||
	    dp.ctl_arp == NULL || dp.ctl_resolve == NULL || dp.qs == NULL ||
	    rte_rcu_qsbr_init(dp.qs, dp.nwk) != 0) {
		fprintf(stderr, "vpngw: data plane: out of memory\n");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < dp.nwk; i++) {
		dp.wk[i].id = i;
		dp.wk[i].lcore = (unsigned int)a->workers[i];
		dp.wk[i].w = vpn_esp_worker_new(sas->eng, i);
		if (dp.wk[i].w == NULL)
			return -ENOMEM;
	}
	for (unsigned int i = 0; i < a->n_ports; i++) {
		bool outside = a->ports[i].role == VPN_PORT_OUTSIDE;

		rc = setup_port(&a->ports[i], outside ? &dp.out : &dp.in,
		                outside ? "ctl_tx_out" : "ctl_tx_in");
		if (rc != 0)
			return rc;
	}
	if (a->exception_iface[0] != '\0') {
		rc = setup_exception(cfg);
		if (rc != 0)
			return rc;
	}
	dp.started = true;
	memcpy(dp.ours, a->outside_addresses, sizeof(dp.ours));
	dp.nours = a->n_outside;
	dp.sad = sas->sad;
	rc = setup_conns(cfg, sas);
	if (rc != 0)
		return rc;
	for (unsigned int i = 0; i < dp.nwk; i++) {
		rc = rte_eal_remote_launch(worker, &dp.wk[i], dp.wk[i].lcore);
		if (rc != 0) {
			fprintf(stderr,
			        "vpngw: cannot start worker %u on lcore %u\n",
			        i, dp.wk[i].lcore);
			return rc;
		}
		printf("vpngw: worker %u on lcore %u: polls RX queue %u of "
		       "%s, sends on TX queue %u\n",
		       i, dp.wk[i].lcore, i,
		       i < dp.in.nrxq && i < dp.out.nrxq ? "both ports"
		       : i < dp.in.nrxq                  ? "the inside port"
		       : i < dp.out.nrxq                 ? "the outside port"
		                                         : "no port",
		       i);
	}
	return 0;
}

static void
add_stats(struct vpngw_dp_stats *sum, const struct vpngw_dp_stats *s)
{
	const uint64_t *src = (const uint64_t *)s;
	uint64_t *dst = (uint64_t *)sum;

	/* Read while the workers count: aligned 64-bit words, never torn. */
	for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void
vpngw_dp_read(struct vpngw_dp_stats *st, struct vpngw_dp_stats *per_worker,
              unsigned int *n)
{
	memset(st, 0, sizeof(*st));
	add_stats(st, &dp.ctl_st);
	for (unsigned int i = 0; i < dp.nwk; i++) {
		add_stats(st, &dp.wk[i].st);
		if (per_worker != NULL && i < *n) {
			memset(&per_worker[i], 0, sizeof(per_worker[i]));
			add_stats(&per_worker[i], &dp.wk[i].st);
		}
	}
	if (n != NULL)
		*n = dp.nwk;
}

void
vpngw_dp_esp_read(struct vpn_esp_stats *s)
{
	struct vpn_esp_worker *ws[VPN_ESP_MAX_WORKERS + 1];
	unsigned int n = 0;

	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; dp.wk != NULL && i < dp.nwk; i++)
		ws[n++] = dp.wk[i].w;
	if (dp.ctl_w != NULL)
		ws[n++] = dp.ctl_w;
	for (unsigned int i = 0; i < n; i++) {
		struct vpn_esp_stats w;

		vpn_esp_worker_stats(ws[i], &w);
		s->packets += w.packets;
		s->bytes += w.bytes;
		for (int r = 0; r < VPN_ESP_REASON_MAX; r++)
			s->drops[r] += w.drops[r];
	}
}

void
vpngw_dp_stop(struct vpngw_dp_stats *st, struct vpngw_dp_stats *per_worker,
              unsigned int *n)
{
	rte_eal_mp_wait_lcore();
	vpngw_dp_read(st, per_worker, n);
	if (dp.started) {
		vpn_port_stop(dp.out.id);
		vpn_port_stop(dp.in.id);
	}
	if (dp.exc.on)
		vpn_port_stop(dp.exc.id);
	for (int pi = 0; pi < 2; pi++) {
		struct dp_port *p = pi ? &dp.in : &dp.out;
		struct rte_mbuf *m;

		while (p->ctl_tx != NULL &&
		       rte_ring_dequeue(p->ctl_tx, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(p->ctl_tx);
		free(p->arp);
		vpn_neigh_free(p->nb, free_mbuf);
	}
	if (dp.ctl_arp != NULL) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(dp.ctl_arp, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	}
	if (dp.ctl_resolve != NULL) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(dp.ctl_resolve, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	}
	rte_ring_free(dp.ctl_arp);
	rte_ring_free(dp.ctl_resolve);
	for (unsigned int i = 0; dp.wk != NULL && i < dp.nwk; i++)
		vpn_esp_worker_free(dp.wk[i].w);
	vpn_esp_worker_free(dp.ctl_w);
	rte_free(dp.wk);
	rte_free(dp.qs);
	vpn_fib_free(dp.routes);
	free(dp.nh);
	rte_mempool_free(dp.pool);
	free(dp.conns);
	memset(&dp, 0, sizeof(dp));
}
