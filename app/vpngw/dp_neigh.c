/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control core's share of layer 2: each port's neighbour table
 * (lib/net's vpn_neigh: learned, static, and pending neighbours with the
 * packets held for them), ARP answered and asked, the workers' snapshot
 * published with RCU, and frames sent through worker 0 (a ring per port,
 * so no TX queue is shared).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "dp_priv.h"
#include "vpn_pkt.h"
#include "vpn_port.h"

/* Queue an ARP packet for worker 0 to send out of p. */
static void
arp_send(struct dp_port *p, uint16_t op, const uint8_t *dst_mac, uint32_t tpa,
         const uint8_t *tha, uint32_t spa)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	struct vpn_arp a = {.op = op, .spa = spa, .tpa = tpa};
	uint8_t *body;

	if (m == NULL ||
	    (body = (uint8_t *)rte_pktmbuf_append(m, 28)) == NULL) {
		if (m != NULL)
			rte_pktmbuf_free(m);
		return;
	}
	memcpy(a.sha, p->mac.addr_bytes, 6);
	memcpy(a.tha, tha, 6);
	vpn_arp_write(body, &a);
	if (!dp_eth_push(p, m, dst_mac, ET_ARP) ||
	    rte_ring_enqueue(p->ctl_tx, m) != 0)
		rte_pktmbuf_free(m);
}

/* Give the workers a new copy of p's neighbours; free the old one when no
 * worker can still be reading it. */
void
dp_arp_publish(struct dp_port *p)
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
	if (old != NULL)
		dp_defer_free(free, old);
}

void
dp_free_mbuf(void *m)
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
void
dp_ctl_ip_send(struct dp_port *p, struct rte_mbuf *m, uint32_t nh, uint64_t now)
{
	const uint8_t *mac = vpn_neigh_find(p->nb, nh);
	struct vpn_neigh_request r;
	int rc;

	if (mac == NULL) {
		rc = vpn_neigh_hold(p->nb, nh, m, now, &r);
		if (r.ip != 0)
			arp_ask(p, &r, 1);
		if (rc < 0)
			rte_pktmbuf_free(m);
		return;
	}
	if (!dp_eth_push(p, m, mac, ET_IPV4) ||
	    rte_ring_enqueue(p->ctl_tx, m) != 0)
		rte_pktmbuf_free(m);
}

/* ip answered: what was held for it goes out. */
static void
arp_release(struct dp_port *p, uint32_t ip, uint64_t now)
{
	void *held[VPN_NEIGH_HOLD];
	unsigned int n = vpn_neigh_release(p->nb, ip, held, VPN_NEIGH_HOLD);

	for (unsigned int i = 0; i < n; i++)
		dp_ctl_ip_send(p, held[i], ip, now);
}

/* An ARP packet a worker received on p: learn, answer for our
 * addresses, send what waited for the sender. True when p's table
 * changed. */
bool
dp_arp_input(struct dp_port *p, const uint8_t *pkt, unsigned int len,
             uint64_t now)
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
bool
dp_arp_age(struct dp_port *p, uint64_t now)
{
	struct vpn_neigh_request r[16];
	bool changed = false;
	unsigned int n =
	        vpn_neigh_age(p->nb, now, r, 16, dp_free_mbuf, &changed);

	arp_ask(p, r, n);
	return changed;
}

/* The neighbour tables' counters into the control core's. */
void
dp_arp_counters(void)
{
	uint64_t refresh = 0, expired = 0, held = 0, unresolved = 0;

	for (unsigned int s = 0; s <= dp.nout; s++) {
		const struct vpn_neigh_stats *t =
		        vpn_neigh_stats(dp_port_at(s)->nb);

		refresh += t->refresh;
		expired += t->expired;
		held += t->held;
		unresolved += t->unresolved + t->overflow;
	}
	__atomic_store_n(&dp.ctl_st.arp_refresh, refresh, __ATOMIC_RELAXED);
	__atomic_store_n(&dp.ctl_st.arp_expired, expired, __ATOMIC_RELAXED);
	__atomic_store_n(&dp.ctl_st.arp_held, held, __ATOMIC_RELAXED);
	__atomic_store_n(&dp.ctl_st.arp_unresolved, unresolved,
	                 __ATOMIC_RELAXED);
}

unsigned int
vpngw_dp_neighbours(struct vpngw_neigh_view *v, unsigned int max)
{
	struct vpn_neigh_entry e[ARP_SLOTS];
	unsigned int n = 0;

	for (unsigned int s = 0; s <= dp.nout; s++) {
		const struct dp_port *p = dp_port_at(s);
		unsigned int k;

		if (p->nb == NULL)
			continue;
		k = vpn_neigh_snapshot(p->nb, e, ARP_SLOTS);
		for (unsigned int i = 0; i < k && n < max; i++, n++) {
			v[n].role =
			        p->outside ? VPN_PORT_OUTSIDE : VPN_PORT_INSIDE;
			snprintf(v[n].port, sizeof(v[n].port), "%s", p->name);
			v[n].ip = e[i].ip;
			memcpy(v[n].mac, e[i].mac, 6);
		}
	}
	return n;
}
