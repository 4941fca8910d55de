/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding loop: one worker polling the inside and outside ports.
 *
 *   inside  -> ARP for our inside address | IPv4 for a remote network:
 *              FIB (rte_lpm) -> connection -> tunnel (steering) -> MSS
 *              clamp -> fragment, or ICMP frag-needed when DF is set ->
 *              ESP (lib/esp) -> Ethernet to the next hop -> outside
 *   outside -> ARP for our outside addresses | IPv4 to one of them: ESP
 *              (lib/esp) -> inner packet -> Ethernet to the next hop ->
 *              inside
 *
 * First slice of issue 4: one worker and one queue per port, FIB and ARP
 * owned by that worker; no exception path yet (IKE, BGP, ICMP echo to us
 * are counted and dropped). See docs/ARCHITECTURE.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
/* rte_lpm.h's x4 lookup uses a variable-length array; we don't. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wvla"
#include <rte_lpm.h>
#pragma GCC diagnostic pop

#include "vpn_pkt.h"
#include "vpn_port.h"
#include "vpngw.h"

#define DP_BUF_SIZE 10240 /* data room of a packet buffer */
#define FRAG_MAX    8     /* fragments of one packet */
#define ENC_MAX     64 /* packets encrypted at once (a burst and fragments) */
#define BURST       32
#define ARP_SLOTS   64
#define ETH_LEN     14
#define ET_IPV4     0x0800
#define ET_ARP      0x0806

#define ARP_GRACE_S 3 /* to answer a refresh before the entry goes */

struct arp_entry {
	uint32_t ip;
	struct rte_ether_addr mac;
	bool permanent; /* static_arp: never aged */
	uint64_t seen;  /* TSC when the neighbour last spoke ARP */
	uint64_t asked; /* TSC of the first unanswered refresh; 0: none */
};

struct dp_port {
	uint16_t id;
	struct rte_ether_addr mac;
	uint32_t addr, mask, gateway; /* host order; gateway 0: none */
	struct arp_entry arp[ARP_SLOTS];
	unsigned int narp;
	uint64_t arp_timeout;  /* TSC ticks an entry is trusted */
	uint64_t last_request; /* TSC of our last ARP request */
	uint64_t last_refresh; /* TSC of our last unicast refresh */
};

struct dp_tunnel {
	struct vpn_esp_sa *sa;
	unsigned int inner_mtu;
};

/* An IPv4 network, host order, for per-packet matching. */
struct dp_net {
	uint32_t addr, mask;
};

struct dp_conn {
	struct dp_tunnel t[VPN_TUNNELS];
	struct dp_net remote[VPN_MAX_PREFIXES]; /* what may come out of it */
	unsigned int nremote;
	unsigned int up; /* bit per tunnel with an SA */
	enum vpn_steer steer;
};

struct dp {
	struct dp_port out, in;
	uint32_t ours[VPN_MAX_OUTSIDE];
	unsigned int nours;
	struct rte_lpm *fib;
	struct dp_conn *conns;
	const struct vpn_esp_sad *sad;
	struct vpn_esp_worker *w;
	struct rte_mempool *pool;
	struct vpngw_dp_stats st;
	uint64_t now; /* TSC at the start of this loop turn */
	bool started; /* ports started */
};

static struct dp dp;

/* ---- ARP --------------------------------------------------------------- */

static void arp_send(struct dp_port *p, uint16_t op, const uint8_t *dst_mac,
                     uint32_t tpa, const uint8_t *tha, uint32_t spa);

/*
 * The neighbour's MAC, or NULL. Aging: an entry older than arp_timeout is
 * still used, and its use asks the neighbour again by unicast (at most once
 * a second per port); when ARP_GRACE_S pass from the first such request
 * without an answer it is forgotten, and the next packet broadcasts.
 */
static const struct rte_ether_addr *
arp_find(struct dp_port *p, uint32_t ip)
{
	static const uint8_t zero[6];
	uint64_t hz = rte_get_tsc_hz();

	for (unsigned int i = 0; i < p->narp; i++) {
		struct arp_entry *e = &p->arp[i];
		uint64_t age;

		if (e->ip != ip)
			continue;
		if (e->permanent)
			return &e->mac;
		age = dp.now - e->seen;
		if (age <= p->arp_timeout)
			return &e->mac;
		if (e->asked != 0 && dp.now - e->asked > ARP_GRACE_S * hz) {
			dp.st.arp_expired++;
			*e = p->arp[--p->narp];
			return NULL;
		}
		if (e->asked == 0 || dp.now - p->last_refresh > hz) {
			if (e->asked == 0)
				e->asked = dp.now;
			p->last_refresh = dp.now;
			dp.st.arp_refresh++;
			arp_send(p, 1, e->mac.addr_bytes, ip, zero, p->addr);
		}
		return &e->mac;
	}
	return NULL;
}

/* Remember (or confirm) ip at mac; when full, the oldest learned entry
 * makes room. Static entries are not overwritten by what the wire says. */
static void
arp_learn(struct dp_port *p, uint32_t ip, const uint8_t *mac, bool permanent)
{
	struct arp_entry *e = NULL, *oldest = NULL;

	for (unsigned int i = 0; i < p->narp && e == NULL; i++) {
		if (p->arp[i].ip == ip)
			e = &p->arp[i];
		else if (!p->arp[i].permanent &&
		         (oldest == NULL || p->arp[i].seen < oldest->seen))
			oldest = &p->arp[i];
	}
	if (e != NULL && e->permanent && !permanent)
		return;
	if (e == NULL && p->narp < ARP_SLOTS)
		e = &p->arp[p->narp++];
	if (e == NULL && oldest == NULL)
		return; /* all static: the config checker caps them below */
	if (e == NULL)
		e = oldest;
	e->ip = ip;
	memcpy(e->mac.addr_bytes, mac, 6);
	e->permanent = permanent;
	e->seen = dp.now;
	e->asked = 0;
}

/* Send an ARP packet out of port p. */
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
	if (rte_eth_tx_burst(p->id, 0, &m, 1) != 1)
		rte_pktmbuf_free(m);
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

/* An ARP packet received on p: learn, and answer for our addresses. */
static void
arp_input(struct dp_port *p, const uint8_t *pkt, unsigned int len)
{
	struct vpn_arp a;

	if (vpn_arp_parse(pkt, len, &a) != 0) {
		dp.st.bad_arp++;
		return;
	}
	if (!is_ours(p, a.tpa))
		return;
	arp_learn(p, a.spa, a.sha, false);
	if (a.op == 1)
		arp_send(p, 2, a.sha, a.spa, a.sha, a.tpa);
}

/*
 * Give m (data at its IP header) an Ethernet header to next hop nh on p,
 * or ask for nh's address and return false (the caller drops m).
 */
static bool
l2_out(struct dp_port *p, struct rte_mbuf *m, uint32_t dst)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t zero[6];
	uint32_t nh = ((dst ^ p->addr) & p->mask) == 0 || p->gateway == 0
	                      ? dst
	                      : p->gateway;
	const struct rte_ether_addr *mac = arp_find(p, nh);
	uint8_t *e;
	uint64_t now;

	if (mac == NULL) {
		/* Ask at most every 10 ms; the packet is dropped (counted):
		 * the sender retries, as with a kernel without a queue. */
		now = rte_rdtsc();
		if (now - p->last_request > rte_get_tsc_hz() / 100) {
			p->last_request = now;
			arp_send(p, 1, bcast, nh, zero, p->addr);
		}
		dp.st.arp_miss++;
		return false;
	}
	e = (uint8_t *)rte_pktmbuf_prepend(m, ETH_LEN);
	if (e == NULL)
		return false;
	memcpy(e, mac->addr_bytes, 6);
	memcpy(e + 6, p->mac.addr_bytes, 6);
	e[12] = ET_IPV4 >> 8;
	e[13] = ET_IPV4 & 0xff;
	return true;
}

static uint32_t
ip_dst(const struct rte_mbuf *m)
{
	uint32_t v;

	memcpy(&v, rte_pktmbuf_mtod_offset(m, const uint8_t *, 16), 4);
	return rte_be_to_cpu_32(v);
}

static void
tx(struct dp_port *p, struct rte_mbuf **m, uint16_t n)
{
	uint16_t sent = n ? rte_eth_tx_burst(p->id, 0, m, n) : 0;

	dp.st.tx[p == &dp.in] += sent;
	for (uint16_t i = sent; i < n; i++)
		rte_pktmbuf_free(m[i]);
	dp.st.tx_full += n - sent;
}

/*
 * The Ethernet layer of a frame received on p: ARP is handled here, an
 * IPv4 packet comes back with its Ethernet header stripped (true);
 * anything else is counted and freed (false).
 */
static bool
l2_input(struct dp_port *p, struct rte_mbuf *m)
{
	const uint8_t *e = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int len = rte_pktmbuf_data_len(m);
	uint16_t et;

	if (m->nb_segs != 1 || len < ETH_LEN) {
		dp.st.bad_frame++;
		goto consumed;
	}
	et = (uint16_t)(e[12] << 8 | e[13]);
	if (et == ET_ARP) {
		arp_input(p, e + ETH_LEN, len - ETH_LEN);
		goto consumed;
	}
	if (et != ET_IPV4 || len < ETH_LEN + 20) {
		dp.st.not_ip++;
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

/* One inner IPv4 packet (Ethernet stripped) towards the tunnels: the SA to
 * use, with m fragmented into frags[] when needed. Returns how many
 * packets to encrypt (m itself, or fragments), 0 when m was consumed. */
static unsigned int
to_tunnel(struct rte_mbuf *m, struct rte_mbuf **frags, struct vpn_esp_sa **sa)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int len = rte_pktmbuf_data_len(m);
	uint32_t conn, dst;
	struct dp_conn *c;
	int t, n;

	if (len < 20 || ip[0] >> 4 != 4 ||
	    (unsigned int)(ip[2] << 8 | ip[3]) > len) {
		dp.st.bad_inner++;
		goto drop;
	}
	dst = ip_dst(m);
	if (rte_lpm_lookup(dp.fib, dst, &conn) != 0) {
		dp.st.no_route++;
		goto drop;
	}
	c = &dp.conns[conn];
	/* The flow hash only matters when there is a choice. */
	t = vpn_steer_pick(c->steer, c->up,
	                   c->steer == VPN_STEER_ACTIVE && (c->up & 3) == 3
	                           ? vpn_flow_hash(ip, len)
	                           : 0);
	if (t < 0) {
		dp.st.tunnel_down++;
		goto drop;
	}
	*sa = c->t[t].sa;
	vpn_mss_clamp(rte_pktmbuf_mtod(m, uint8_t *), len,
	              vpn_mss_for_mtu(c->t[t].inner_mtu, false));
	if (len <= c->t[t].inner_mtu) {
		frags[0] = m;
		return 1;
	}
	if (ip[6] & 0x40) { /* DF: tell the sender the tunnel's MTU */
		struct rte_mbuf *r = vpn_icmp_frag_needed(m, c->t[t].inner_mtu,
		                                          dp.in.addr, dp.pool);

		dp.st.frag_needed++;
		if (r != NULL && l2_out(&dp.in, r, ip_dst(r)))
			tx(&dp.in, &r, 1);
		else if (r != NULL)
			rte_pktmbuf_free(r);
		goto drop;
	}
	n = vpn_ipv4_fragment(m, c->t[t].inner_mtu, dp.pool, frags, FRAG_MAX);
	rte_pktmbuf_free(m);
	if (n < 0) {
		dp.st.frag_failed++;
		return 0;
	}
	dp.st.fragmented++;
	return (unsigned int)n;
drop:
	rte_pktmbuf_free(m);
	return 0;
}

/* Encrypt enc[0..n) (their SAs in sas[]) a run of one SA at a time, and
 * send what comes out to its next hop. */
static void
encrypt_and_send(struct rte_mbuf **enc, struct vpn_esp_sa **sas, unsigned int n)
{
	struct rte_mbuf *out[ENC_MAX];
	unsigned int nout = 0, j, k;
	uint8_t why[ENC_MAX];

	for (j = 0; j < n; j = k) {
		uint16_t ok;

		for (k = j + 1; k < n && sas[k] == sas[j]; k++)
			;
		ok = vpn_esp_outbound(dp.w, sas[j], enc + j, (uint16_t)(k - j),
		                      why + j);
		for (unsigned int i = j; i < k; i++) {
			struct rte_mbuf *m = enc[i];

			if (i - j >= ok) {
				dp.st.esp_out_drop++;
				rte_pktmbuf_free(m);
			} else if (!l2_out(&dp.out, m, ip_dst(m))) {
				rte_pktmbuf_free(m);
			} else {
				out[nout++] = m;
			}
		}
	}
	for (j = 0; j < nout; j += BURST)
		tx(&dp.out, out + j,
		   (uint16_t)(nout - j < BURST ? nout - j : BURST));
}

static void
inside_input(struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *enc[ENC_MAX];
	struct vpn_esp_sa *sas[ENC_MAX];
	unsigned int nenc = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *frags[FRAG_MAX];
		struct vpn_esp_sa *sa = NULL;
		unsigned int k;

		if (!l2_input(&dp.in, m))
			continue;
		if (ip_dst(m) == dp.in.addr) { /* for us: no exception path */
			dp.st.for_us++;
			rte_pktmbuf_free(m);
			continue;
		}
		k = to_tunnel(m, frags, &sa);
		if (nenc + k > ENC_MAX) {
			encrypt_and_send(enc, sas, nenc);
			nenc = 0;
		}
		for (unsigned int f = 0; f < k; f++) {
			enc[nenc] = frags[f];
			sas[nenc++] = sa;
		}
	}
	encrypt_and_send(enc, sas, nenc);
}

static bool
from_remote(const struct dp_conn *c, const struct rte_mbuf *m)
{
	uint32_t v;

	memcpy(&v, rte_pktmbuf_mtod_offset(m, const uint8_t *, 12), 4);
	v = rte_be_to_cpu_32(v);
	for (unsigned int i = 0; i < c->nremote; i++)
		if ((v & c->remote[i].mask) == c->remote[i].addr)
			return true;
	return false;
}

/* ---- outside -> inside ------------------------------------------------------
 */

static void
outside_input(struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *esp[BURST], *out[BURST];
	struct vpn_esp_sa *sas[BURST];
	uint16_t nesp = 0, nout = 0, ok;
	uint8_t why[BURST];

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (!l2_input(&dp.out, m))
			continue;
		if (!is_ours(&dp.out, ip_dst(m))) {
			dp.st.not_for_us++;
			rte_pktmbuf_free(m);
			continue;
		}
		esp[nesp++] = m;
	}
	ok = vpn_esp_inbound(dp.w, dp.sad, esp, nesp, why, sas);
	for (uint16_t i = ok; i < nesp; i++) {
		/* IKE and keepalives would go to the exception path. */
		dp.st.esp_in_drop++;
		rte_pktmbuf_free(esp[i]);
	}
	for (uint16_t i = 0; i < ok; i++) {
		struct rte_mbuf *m = esp[i];

		/* Only the connection's remote networks may come out of its
		 * tunnels (its traffic selectors). */
		if (m->packet_type == RTE_PTYPE_L3_IPV4 &&
		    !from_remote(&dp.conns[vpn_esp_sa_tag(sas[i])], m)) {
			dp.st.inner_src++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (m->packet_type != RTE_PTYPE_L3_IPV4 ||
		    !l2_out(&dp.in, m, ip_dst(m))) {
			if (m->packet_type != RTE_PTYPE_L3_IPV4)
				dp.st.not_ip++;
			rte_pktmbuf_free(m);
			continue;
		}
		out[nout++] = m;
	}
	tx(&dp.in, out, nout);
}

/* ---- the loop and its setup -------------------------------------------------
 */

static volatile int *dp_quit;

static int
worker(void *arg)
{
	struct rte_mbuf *pkts[BURST];

	(void)arg;
	while (!*dp_quit) {
		uint16_t n = rte_eth_rx_burst(dp.in.id, 0, pkts, BURST);

		dp.now = rte_rdtsc();
		dp.st.rx[1] += n;
		if (n)
			inside_input(pkts, n);
		n = rte_eth_rx_burst(dp.out.id, 0, pkts, BURST);
		dp.st.rx[0] += n;
		if (n)
			outside_input(pkts, n);
	}
	return 0;
}

static int
setup_port(const struct vpn_cfg_port *cp, struct dp_port *p)
{
	if (vpngw_port_id(cp->device, &p->id) != 0 ||
	    vpn_port_start(p->id, 1, dp.pool) != 0)
		return -ENODEV;
	rte_eth_macaddr_get(p->id, &p->mac);
	if (cp->address.family == 0) {
		fprintf(stderr, "vpngw: port %s needs an address to forward\n",
		        cp->name);
		return -EINVAL;
	}
	p->addr = vpn_prefix_v4_addr(&cp->address);
	p->mask = cp->address.len ? ~0u << (32 - cp->address.len) : 0;
	p->gateway = cp->gateway;
	p->arp_timeout = (uint64_t)cp->arp_timeout * rte_get_tsc_hz();
	dp.now = rte_rdtsc();
	for (unsigned int i = 0; i < cp->n_static_arp; i++) {
		uint8_t mac[6];
		uint32_t ip;

		if (vpn_neighbor_parse(cp->static_arp[i], &ip, mac) != 0)
			return -EINVAL; /* the config checker let it through */
		arp_learn(p, ip, mac, true);
	}
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

int
vpngw_dp_start(const struct vpn_cfg *cfg, const struct vpngw_sas *sas,
               volatile int *quit)
{
	const struct vpn_cfg_appliance *a = &cfg->appliance;
	struct rte_lpm_config lc = {.max_rules = 4096, .number_tbl8s = 256};
	int rc;

	memset(&dp, 0, sizeof(dp));
	dp_quit = quit;
	/* Jumbo-sized buffers: ports hand over whole frames (net_af_packet
	 * even reassembled ones), and the ESP library takes no chains. */
	dp.pool = rte_pktmbuf_pool_create("dp", 8191, 256, 0,
	                                  RTE_PKTMBUF_HEADROOM + DP_BUF_SIZE,
	                                  rte_socket_id());
	dp.fib = rte_lpm_create("fib", rte_socket_id(), &lc);
	dp.conns = calloc(cfg->n_conns ? cfg->n_conns : 1, sizeof(*dp.conns));
	dp.w = vpn_esp_worker_new(sas->eng, 0);
	if (dp.pool == NULL || dp.fib == NULL || dp.conns == NULL ||
	    dp.w == NULL) {
		fprintf(stderr, "vpngw: data plane: out of memory\n");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < a->n_ports; i++) {
		rc = setup_port(&a->ports[i],
		                a->ports[i].role == VPN_PORT_OUTSIDE ? &dp.out
		                                                     : &dp.in);
		if (rc != 0)
			return rc;
	}
	dp.started = true;
	memcpy(dp.ours, a->outside_addresses, sizeof(dp.ours));
	dp.nours = a->n_outside;
	dp.sad = sas->sad;
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];
		struct dp_conn *d = &dp.conns[i];

		for (unsigned int r = 0; r < c->remote_networks.n; r++) {
			const struct vpn_prefix *p = &c->remote_networks.v[r];
			uint32_t mask = p->len ? ~0u << (32 - p->len) : 0;

			if (p->family != AF_INET)
				continue; /* IPv6 inner routing: to come */
			d->remote[d->nremote].addr =
			        vpn_prefix_v4_addr(p) & mask;
			d->remote[d->nremote++].mask = mask;
		}
		d->steer = c->steering == VPN_STEER_ACTIVE_ACTIVE
		                   ? VPN_STEER_ACTIVE
		                   : VPN_STEER_STANDBY;
		for (int t = 0; t < VPN_TUNNELS; t++) {
			d->t[t].sa = sas->out_by_tunnel[i * VPN_TUNNELS + t];
			if (d->t[t].sa == NULL)
				continue;
			d->up |= 1u << t;
			d->t[t].inner_mtu = inner_mtu(d->t[t].sa, 1500);
		}
		for (unsigned int r = 0; r < c->static_routes.n; r++) {
			const struct vpn_prefix *p = &c->static_routes.v[r];

			if (p->family == AF_INET &&
			    rte_lpm_add(dp.fib, vpn_prefix_v4_addr(p), p->len,
			                i) != 0)
				return -ENOSPC;
		}
	}
	if (a->n_workers == 0)
		return -EINVAL;
	rc = rte_eal_remote_launch(worker, NULL, (unsigned)a->workers[0]);
	if (rc != 0)
		fprintf(stderr,
		        "vpngw: cannot start the worker on lcore "
		        "%lld\n",
		        (long long)a->workers[0]);
	return rc;
}

const struct vpngw_dp_stats *
vpngw_dp_live(void)
{
	return &dp.st;
}

void
vpngw_dp_stop(struct vpngw_dp_stats *st)
{
	rte_eal_mp_wait_lcore();
	*st = dp.st;
	if (dp.started) {
		vpn_port_stop(dp.out.id);
		vpn_port_stop(dp.in.id);
	}
	vpn_esp_worker_free(dp.w);
	rte_lpm_free(dp.fib);
	rte_mempool_free(dp.pool);
	free(dp.conns);
	memset(&dp, 0, sizeof(dp));
}
