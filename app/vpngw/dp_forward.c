/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The workers: each polls its RX queue of the inside and outside ports
 * (worker 0 also the exception TAP and the control core's rings) and runs
 * each burst to completion. No lock, syscall, allocation or log here;
 * the tables are read under RCU (the quiescent point is the end of a
 * loop turn).
 *
 *   inside  -> IPv4 for a remote network: FIB (lib/route) -> connection ->
 *              TTL -> tunnel (steering) -> MSS clamp -> fragment, or ICMP
 *              frag-needed when DF is set -> ESP (lib/esp) -> Ethernet to
 *              the next hop -> outside
 *   outside -> IPv4 to one of our addresses: ESP (lib/esp) -> inner packet
 *              from the connection's remote networks -> TTL, the inside
 *              MTU -> Ethernet to the next hop -> inside
 *   ARP, and packets for a next hop with no MAC yet -> the control core
 *
 * Worker i polls RX queue i of each port that has that many queues (RSS or
 * the device's fanout spreads flows over them) and sends on TX queue i.
 * See docs/ARCHITECTURE.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "dp_priv.h"
#include "vpn_pkt.h"
#include "vpn_port.h"

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
	uint32_t nh = dp_next_hop(p, dst);
	const struct rte_ether_addr *mac = arp_find(p, nh);

	if (mac == NULL) {
		wk->st.arp_miss++;
		m->hash.fdir.lo = nh;
		m->hash.fdir.hi = p->slot;
		if (rte_ring_enqueue(dp.ctl_resolve, m) != 0)
			rte_pktmbuf_free(m); /* the control core is behind */
		return false;
	}
	if (!dp_eth_push(p, m, mac->addr_bytes, ET_IPV4)) {
		rte_pktmbuf_free(m);
		return false;
	}
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

static void exc_send_one(struct dp_worker *wk, struct rte_mbuf *m);

/*
 * Hand m (data at its IP header) to the kernel over the TAP; false when
 * there is no exception path (the caller drops and counts). A packet
 * bigger than the TAP's MTU (the port's reassembly made it: an IKE
 * message from a peer without IKE fragmentation) goes as IP fragments,
 * which the kernel puts together again: net_tap drops a bigger frame.
 */
static bool
exc_send(struct dp_worker *wk, struct rte_mbuf *m)
{
	struct rte_mbuf *frags[FRAG_MAX];
	int nf;

	if (!dp.exc.on)
		return false;
	if (rte_pktmbuf_pkt_len(m) <= dp.exc.mtu) {
		exc_send_one(wk, m);
		return true;
	}
	nf = vpn_ipv4_fragment(m, dp.exc.mtu, dp.pool, frags, FRAG_MAX);
	rte_pktmbuf_free(m);
	if (nf < 0) {
		wk->st.frag_failed++;
		return true;
	}
	wk->st.fragmented++;
	for (int i = 0; i < nf; i++)
		exc_send_one(wk, frags[i]);
	return true;
}

static void
exc_send_one(struct dp_worker *wk, struct rte_mbuf *m)
{
	uint8_t *e;

	e = (uint8_t *)rte_pktmbuf_prepend(m, ETH_LEN);
	if (e == NULL) {
		wk->st.tx_full++;
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(e, dp.exc.mac.addr_bytes, 6);
	memcpy(e + 6, dp.out[0].mac.addr_bytes, 6);
	e[12] = ET_IPV4 >> 8;
	e[13] = ET_IPV4 & 0xff;
	if (rte_eth_tx_burst(dp.exc.id, (uint16_t)wk->id, &m, 1) != 1) {
		wk->st.tx_full++;
		rte_pktmbuf_free(m);
	} else
		wk->st.to_kernel++;
}

/*
 * The Ethernet layer of a frame received on p (NULL: the exception TAP,
 * untagged): its VLAN tag checked and taken off (a port with a VLAN
 * takes only frames of that VLAN, one without only untagged frames), ARP
 * to the control core, an IPv4 packet back with its Ethernet header
 * stripped (true); anything else is counted and freed (false).
 */
static bool
l2_input(struct dp_worker *wk, const struct dp_port *p, struct rte_mbuf *m)
{
	uint8_t *e = rte_pktmbuf_mtod(m, uint8_t *);
	unsigned int len = rte_pktmbuf_data_len(m);
	uint16_t et, vlan = p != NULL ? p->vlan : 0;

	if (m->nb_segs != 1 || len < ETH_LEN) {
		wk->st.bad_frame++;
		goto consumed;
	}
	et = (uint16_t)(e[12] << 8 | e[13]);
	if (unlikely(vlan != 0 || et == ET_VLAN)) {
		if (et != ET_VLAN || len < ETH_LEN + VLAN_LEN ||
		    ((e[14] << 8 | e[15]) & 0xfff) != vlan) {
			wk->st.vlan_other++;
			goto consumed;
		}
		/* Untagged: the MACs move over the tag. */
		memmove(e + VLAN_LEN, e, 12);
		e = (uint8_t *)rte_pktmbuf_adj(m, VLAN_LEN);
		len -= VLAN_LEN;
		et = (uint16_t)(e[12] << 8 | e[13]);
	}
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

/* The connection whose route holds dst, and which of its tunnels the
 * route uses (enum vpn_via): 0, or -1. */
static int
route_lookup(uint32_t dst, uint32_t *conn, unsigned int *via)
{
	return vpn_fib_lookup(__atomic_load_n(&dp.routes, __ATOMIC_ACQUIRE),
	                      dst, conn, via);
}

/*
 * Whether this worker may send one more ICMP error now (RFC 1812 4.3.2.8:
 * a router limits the rate of its ICMP errors): a token bucket of
 * ICMP_BURST refilled at ICMP_RATE a second; the ones it may not are
 * counted (icmp_limited), the packet they were about dropped as before.
 */
static bool
icmp_ok(struct dp_worker *wk)
{
	uint64_t per = rte_get_tsc_hz() / ICMP_RATE;
	uint64_t earned = (wk->now - wk->icmp_last) / per;

	if (earned > 0) {
		wk->icmp_tokens =
		        wk->icmp_tokens + earned > ICMP_BURST
		                ? ICMP_BURST
		                : wk->icmp_tokens + (unsigned int)earned;
		wk->icmp_last += earned * per;
	}
	if (wk->icmp_tokens == 0) {
		wk->st.icmp_limited++;
		return false;
	}
	wk->icmp_tokens--;
	return true;
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
	unsigned int up, via;
	uint32_t conn, dst;
	int t, n;

	if (len < 20 || ip[0] >> 4 != 4 ||
	    (unsigned int)(ip[2] << 8 | ip[3]) > len) {
		wk->st.bad_inner++;
		goto drop;
	}
	dst = ip_dst(m);
	if (route_lookup(dst, &conn, &via) != 0) {
		wk->st.no_route++;
		goto drop;
	}
	/* Forwarded (not the appliance's own): RFC 1812 5.3.1. */
	if (fwd && !vpn_ipv4_ttl_dec(rte_pktmbuf_mtod(m, uint8_t *))) {
		wk->st.ttl_expired++;
		if (icmp_ok(wk))
			icmp_to_inside(wk, vpn_icmp_time_exceeded(m, dp.in.addr,
			                                          dp.pool));
		goto drop;
	}
	/* A tunnel's own /30 (BGP, health checks' answers) goes whatever
	 * they say of the tunnel, or they could never say it is back. Read
	 * before the next hops: a tunnel is up only once its SA is
	 * published, so a worker that sees it up sees the SA (the control
	 * core does not wait for the workers to drop the old table). */
	up = __atomic_load_n(via >= VPN_VIA_ONLY1 ? &dp.live[conn].own
	                                          : &dp.live[conn].up,
	                     __ATOMIC_ACQUIRE);
	nt = __atomic_load_n(&dp.nh, __ATOMIC_ACQUIRE);
	if (conn >= nt->n) { /* a FIB ahead of its connection: not yet */
		wk->st.no_route++;
		goto drop;
	}
	nh = &nt->nh[conn];
	/* The flow hash only matters when there is a choice. */
	t = vpn_via_pick(via, nh->steer, up,
	                 vpn_via_hashes(via, nh->steer, up)
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
		if (icmp_ok(wk))
			icmp_to_inside(
			        wk, vpn_icmp_frag_needed(m, tt->inner_mtu,
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

/* Send m[0..n) (outer IPv4 from one of our outside addresses) out of the
 * outside port their source address leaves by, to their next hops. */
static void
out_send(struct dp_worker *wk, struct rte_mbuf **m, unsigned int n)
{
	struct rte_mbuf *out[ENC_MAX];
	uint8_t port[ENC_MAX];
	unsigned int nout = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct dp_port *p = dp_out_port(ip_src(m[i]));

		if (l2_out(wk, p, m[i], ip_dst(m[i]))) {
			port[nout] = p->slot;
			out[nout++] = m[i];
		}
	}
	if (likely(dp.nout == 1)) {
		for (unsigned int j = 0; j < nout; j += BURST)
			tx(wk, &dp.out[0], out + j,
			   (uint16_t)(nout - j < BURST ? nout - j : BURST));
		return;
	}
	for (unsigned int k = 0; k < dp.nout; k++) {
		struct rte_mbuf *burst[BURST];
		unsigned int nb = 0;

		for (unsigned int i = 0; i < nout; i++) {
			if (port[i] != k)
				continue;
			burst[nb++] = out[i];
			if (nb == BURST) {
				tx(wk, &dp.out[k], burst, BURST);
				nb = 0;
			}
		}
		tx(wk, &dp.out[k], burst, (uint16_t)nb);
	}
}

/* Encrypt enc[0..n) (their SAs in sas[]: the crypto of many tunnels goes
 * in one engine call per algorithm) and send what comes out to its next
 * hop. */
static void
encrypt_and_send(struct dp_worker *wk, struct rte_mbuf **enc,
                 struct vpn_esp_sa **sas, unsigned int n)
{
	uint8_t why[ENC_MAX];
	uint16_t ok;

	if (n == 0)
		return;
	ok = vpn_esp_outbound_sas(wk->w, sas, enc, (uint16_t)n, why);
	for (unsigned int i = ok; i < n; i++) {
		wk->st.esp_out_drop++;
		rte_pktmbuf_free(enc[i]);
	}
	out_send(wk, enc, ok);
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

	/* Encrypted after the whole burst is routed: the SA's lines come
	 * in meanwhile (a thousand tunnels' do not stay in the cache). */
	if (k > 0 && (*nenc == 0 || sas[*nenc - 1] != sa))
		vpn_esp_sa_prefetch(sa, wk->w);
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

		if (!l2_input(wk, &dp.in, m))
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

/* Whether dst is the appliance's own at the end of connection conn's
 * tunnels: the inside port's address, or a tunnel's inside address (a
 * BGP session). */
static inline bool
for_us_inner(unsigned int conn, uint32_t dst)
{
	const struct dp_conn *c;

	if (dst == dp.in.addr)
		return true;
	if ((dst >> 16) != (169u << 8 | 254u) || conn >= dp.nconns)
		return false;
	c = &dp.conns[conn];
	return dst == __atomic_load_n(&c->t[0].inside, __ATOMIC_RELAXED) ||
	       dst == __atomic_load_n(&c->t[1].inside, __ATOMIC_RELAXED);
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
		if (icmp_ok(wk))
			r = vpn_icmp_time_exceeded(m, dp.in.addr, dp.pool);
		goto drop;
	}
	if (len > dp.in.mtu && (ip[6] & 0x40)) {
		wk->st.too_big_inside++;
		wk->st.frag_needed++;
		if (icmp_ok(wk))
			r = vpn_icmp_frag_needed(m, dp.in.mtu, dp.in.addr,
			                         dp.pool);
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
outside_input(struct dp_worker *wk, const struct dp_port *p,
              struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *esp[BURST], *out[BURST], *enc[ENC_MAX];
	struct vpn_esp_sa *sas[BURST], *enc_sas[ENC_MAX];
	unsigned int nout = 0, nenc = 0;
	uint16_t nesp = 0, ok;
	uint8_t why[BURST];

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (!l2_input(wk, p, m))
			continue;
		if (!is_ours(p, ip_dst(m))) {
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
		/* To the appliance itself (its inside address, or a
		 * tunnel's: BGP): the kernel's. */
		if (m->packet_type == RTE_PTYPE_L3_IPV4 &&
		    for_us_inner(vpn_esp_sa_tag(sas[i]), ip_dst(m))) {
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

/* What the kernel sends from the TAP: from an outside address (IKE,
 * NAT-T, answers to the underlay) out of the outside port, whatever the
 * FIB says (a route a customer gateway announced must not pull another
 * tunnel's IKE into its tunnel); else into a tunnel when the FIB says so
 * (as if it came from the inside), else out of the port whose subnet
 * holds the destination, else out of the outside port (its gateway). */
static void
exc_input(struct dp_worker *wk, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *enc[ENC_MAX], *to_out[BURST], *to_in[BURST];
	struct dp_port *out = &dp.out[0];
	struct vpn_esp_sa *sas[ENC_MAX];
	unsigned int nenc = 0, nout = 0, nin = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		unsigned int via;
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
		if (!l2_input(wk, NULL, m))
			continue;
		dst = ip_dst(m);
		if (is_ours(out, ip_src(m)))
			to_out[nout++] = m; /* its port: out_send */
		else if (route_lookup(dst, &conn, &via) == 0)
			to_tunnel_queue(wk, m, false, enc, sas, &nenc);
		else if (((dst ^ dp.in.addr) & dp.in.mask) == 0) {
			if (l2_out(wk, &dp.in, m, dst))
				to_in[nin++] = m;
		} else if (l2_out(wk, out, m, dst))
			tx(wk, out, &m, 1); /* (rare: the underlay) */
	}
	encrypt_and_send(wk, enc, sas, nenc);
	out_send(wk, to_out, nout);
	tx(wk, &dp.in, to_in, (uint16_t)nin);
}

/* Worker 0 puts what the control core wants sent on the wire. */
static unsigned int
ctl_tx_drain(struct dp_worker *wk, struct dp_port *p)
{
	struct rte_mbuf *m[BURST];
	unsigned int n =
	        rte_ring_dequeue_burst(p->ctl_tx, (void **)m, BURST, NULL);

	tx(wk, p, m, (uint16_t)n);
	return n;
}

/*
 * A worker that has found nothing to do IDLE_POLLS times in a row sleeps
 * for appliance.worker_idle_sleep µs, and again while nothing comes.
 * Offline while asleep, so the control core does not wait for it to free
 * what it published. For hosts whose worker cores are not their own (VMs,
 * labs, a shared core): a busy worker never sleeps, an idle one costs
 * little CPU, and a packet that arrives during a nap waits at most the
 * setting (the timer's slack is set to a tenth of it).
 */
#define IDLE_POLLS 64

static void
idle_nap(struct dp_worker *wk)
{
	wk->st.idle_sleeps++;
	rte_rcu_qsbr_thread_offline(dp.qs, wk->id);
	rte_delay_us_sleep(dp.idle_sleep_us);
	rte_rcu_qsbr_thread_online(dp.qs, wk->id);
}

int
dp_worker_loop(void *arg)
{
	struct dp_worker *wk = arg;
	struct rte_mbuf *pkts[BURST];
	bool in = wk->id < dp.in.nrxq;
	unsigned int idle = 0; /* passes in a row that found nothing */

	/* Naps as long as asked (the kernel's default slack is 50 µs). */
	if (dp.idle_sleep_us != 0)
		(void)prctl(PR_SET_TIMERSLACK,
		            (unsigned long)RTE_MAX(dp.idle_sleep_us / 10, 1u) *
		                    1000UL,
		            0, 0, 0);
	rte_rcu_qsbr_thread_register(dp.qs, wk->id);
	rte_rcu_qsbr_thread_online(dp.qs, wk->id);
	while (!*dp.quit) {
		unsigned int work = 0;
		uint16_t n;

		wk->now = rte_rdtsc();
		if (in) {
			n = rte_eth_rx_burst(dp.in.id, (uint16_t)wk->id, pkts,
			                     BURST);
			wk->st.rx[1] += n;
			work += n;
			if (n)
				inside_input(wk, pkts, n);
		}
		for (unsigned int k = 0; k < dp.nout; k++) {
			const struct dp_port *p = &dp.out[k];

			if (wk->id >= p->nrxq)
				continue;
			n = rte_eth_rx_burst(p->id, (uint16_t)wk->id, pkts,
			                     BURST);
			wk->st.rx[0] += n;
			work += n;
			if (n)
				outside_input(wk, p, pkts, n);
		}
		if (wk->id == 0) {
			for (unsigned int k = 0; k < dp.nout; k++)
				work += ctl_tx_drain(wk, &dp.out[k]);
			work += ctl_tx_drain(wk, &dp.in);
			if (dp.exc.on) {
				n = rte_eth_rx_burst(dp.exc.id, 0, pkts, BURST);
				work += n;
				if (n)
					exc_input(wk, pkts, n);
			}
		}
		/* Nothing of the tables is held across this point. */
		rte_rcu_qsbr_quiescent(dp.qs, wk->id);
		if (work != 0)
			idle = 0;
		else if (dp.idle_sleep_us != 0 && ++idle >= IDLE_POLLS)
			idle_nap(wk);
	}
	rte_rcu_qsbr_thread_offline(dp.qs, wk->id);
	rte_rcu_qsbr_thread_unregister(dp.qs, wk->id);
	return 0;
}
