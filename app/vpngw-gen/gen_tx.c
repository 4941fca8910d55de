/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpngw-gen's transmit side: the pattern of frame sizes, packets built
 * with their sequence numbers and TSC stamps (and sealed in ESP with
 * --esp-out), and one run: sent at a rate kept by the TSC, a full TX ring
 * retried, never dropped, the receive side polled in between and drained
 * at the end.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "gen_priv.h"

static uint16_t pattern[1024]; /* the size of the i-th packet (mod n) */
static unsigned int npattern;

/* Smooth weighted round robin: IMIX 7:4:1 comes out interleaved. */
void
gen_build_pattern(const struct opts *o)
{
	int64_t cur[MAX_SIZES] = {0};
	uint32_t total = 0;

	for (unsigned int i = 0; i < o->nsizes; i++)
		total += o->weight[i];
	npattern = total <= 1024 ? total : 1024;
	for (unsigned int k = 0; k < npattern; k++) {
		unsigned int best = 0;

		for (unsigned int i = 0; i < o->nsizes; i++) {
			cur[i] += o->weight[i];
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= total;
		pattern[k] = o->size[best];
	}
}

double
gen_mean_frame(void)
{
	double sum = 0;

	for (unsigned int k = 0; k < npattern; k++)
		sum += pattern[k];
	return sum / npattern;
}

/* The sequence number of the i-th packet sent, with the test's gap and
 * swap applied. */
static uint64_t
seq_of(const struct opts *o, uint64_t i)
{
	uint64_t s = o->gap >= 0 && i >= (uint64_t)o->gap ? i + 1 : i;

	if (o->swap >= 0 && s == (uint64_t)o->swap)
		return s + 1;
	if (o->swap >= 0 && s == (uint64_t)o->swap + 1)
		return s - 1;
	return s;
}

static struct rte_mbuf *
make_packet(const struct opts *o, const struct rte_ether_addr *smac, uint64_t i,
            uint64_t now)
{
	uint16_t frame = pattern[i % npattern];
	uint16_t len = (uint16_t)(frame - 4); /* no FCS in the mbuf */
	struct rte_mbuf *m = rte_pktmbuf_alloc(gen_pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct gen_payload *pl;
	uint32_t flow;
	char *p;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p + HDRS, 0, len - HDRS);
	eh = (struct rte_ether_hdr *)p;
	eh->dst_addr = o->dmac;
	eh->src_addr = *smac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	ip->version_ihl = 0x45;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - 14));
	ip->packet_id = 0;
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(o->src + (uint32_t)(i % o->nsrc));
	ip->dst_addr = rte_cpu_to_be_32(o->dst +
	                                (uint32_t)(i % o->ndst) * o->dst_step);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	flow = (uint32_t)(i % o->flows);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(o->sport + flow));
	udp->dst_port = rte_cpu_to_be_16(o->dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(len - 14 - 20));
	udp->dgram_cksum = 0; /* none: allowed for UDP over IPv4 */
	pl = (struct gen_payload *)(udp + 1);
	pl->magic = rte_cpu_to_be_16(GEN_MAGIC);
	pl->seq = seq_of(o, i);
	pl->tsc = now;
	return m;
}

/* Encrypt a burst of new packets into ESP tunnel mode (the outer header
 * from the SA), with the same Ethernet header in front. */
static int
esp_seal(const struct opts *o, const struct rte_ether_addr *smac,
         struct rte_mbuf **m, unsigned int n)
{
	uint8_t why[BURST];

	for (unsigned int i = 0; i < n; i++)
		rte_pktmbuf_adj(m[i], 14);
	if (vpn_esp_outbound(gen_esp_w, gen_sa_out, m, (uint16_t)n, why) != n)
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		struct rte_ether_hdr *eh =
		        (struct rte_ether_hdr *)rte_pktmbuf_prepend(
		                m[i], sizeof(*eh));

		if (eh == NULL)
			return -1;
		eh->dst_addr = o->dmac;
		eh->src_addr = *smac;
		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	}
	return 0;
}

/* One run at rate pps (0: as fast as the port takes). */
int
gen_run_once(const struct opts *o, double pps, struct run *r)
{
	const uint64_t hz = rte_get_tsc_hz();
	struct rte_ether_addr smac;
	struct rte_mbuf *pend[BURST];
	unsigned int npend = 0;
	uint64_t limit = o->count, end, last_rx;
	uint64_t expect = o->count ? o->count
	                           : (uint64_t)(o->seconds * (pps ? pps : 3e7));

	rte_eth_macaddr_get(o->tx, &smac);
	memset(r, 0, offsetof(struct run, rx));
	if (gen_rx_reset(&r->rx, expect) != 0)
		return -ENOMEM;
	/* Nothing from an earlier run is counted. */
	for (int i = 0; i < 64; i++)
		gen_rx_poll(o, &(struct rx_stats){0});
	r->start_tsc = rte_rdtsc();
	end = o->seconds > 0 ? r->start_tsc + (uint64_t)(o->seconds * hz)
	                     : UINT64_MAX;
	for (;;) {
		uint64_t now = rte_rdtsc(), due;
		uint16_t k;

		if (npend == 0) {
			if ((limit && r->sent >= limit) || now >= end)
				break;
			due = pps > 0 ? (uint64_t)((double)(now -
			                                    r->start_tsc) *
			                           pps / (double)hz) +
			                        1
			              : UINT64_MAX;
			while (npend < BURST && r->sent + npend < due &&
			       (!limit || r->sent + npend < limit)) {
				struct rte_mbuf *m = make_packet(
				        o, &smac, r->sent + npend, now);

				if (m == NULL)
					break;
				pend[npend++] = m;
			}
			if (gen_sa_out != NULL && npend > 0 &&
			    esp_seal(o, &smac, pend, npend) != 0) {
				rte_pktmbuf_free_bulk(pend, npend);
				return -EIO;
			}
		}
		if (npend > 0) {
			k = rte_eth_tx_burst(o->tx, 0, pend, (uint16_t)npend);
			for (uint16_t i = 0; i < k; i++)
				r->tx_bytes += pend[i]->pkt_len + 4;
			r->sent += k;
			if (k < npend) {
				/* The ring is full: the same packets again,
				 * none dropped. */
				memmove(pend, pend + k,
				        (npend - k) * sizeof(pend[0]));
				r->retries++;
			}
			npend -= k;
		}
		gen_rx_poll(o, &r->rx);
	}
	r->end_tsc = rte_rdtsc();
	/* What is still on its way: until the receive side is quiet. */
	last_rx = rte_rdtsc();
	while (o->rx_on &&
	       rte_rdtsc() - last_rx < (uint64_t)o->drain_ms * hz / 1000) {
		uint64_t before = r->rx.packets;

		gen_rx_poll(o, &r->rx);
		if (r->rx.packets != before)
			last_rx = rte_rdtsc();
	}
	return 0;
}

int64_t
gen_warmup(const struct opts *o)
{
	const uint64_t hz = rte_get_tsc_hz();
	struct rx_stats st = {0};
	struct rte_ether_addr smac;
	uint64_t start = rte_rdtsc(), next = start, last_rx;
	int64_t took = -1;

	rte_eth_macaddr_get(o->tx, &smac);
	for (uint64_t i = 0; rte_rdtsc() - start < o->warmup_s * hz;) {
		uint64_t now = rte_rdtsc();

		if (now >= next) {
			struct rte_mbuf *m = make_packet(o, &smac, i++, now);
			struct gen_payload *pl;

			if (m == NULL)
				return -ENOMEM;
			pl = rte_pktmbuf_mtod_offset(m, struct gen_payload *,
			                             HDRS);
			pl->magic = rte_cpu_to_be_16(GEN_MAGIC_LEARN);
			if (gen_sa_out != NULL &&
			    esp_seal(o, &smac, &m, 1) != 0) {
				rte_pktmbuf_free(m);
				return -EIO;
			}
			if (rte_eth_tx_burst(o->tx, 0, &m, 1) != 1)
				rte_pktmbuf_free(m);
			next = now + hz / 100;
		}
		gen_rx_poll(o, &st);
		if (st.learning > 0) {
			took = (int64_t)((rte_rdtsc() - start) * 1000 / hz);
			break;
		}
	}
	/* Learning packets still on their way: until none for drain_ms
	 * (other traffic does not count: a port may never be quiet), at
	 * most warmup_s more. */
	last_rx = rte_rdtsc();
	for (uint64_t t0 = last_rx;
	     rte_rdtsc() - last_rx < (uint64_t)o->drain_ms * hz / 1000 &&
	     rte_rdtsc() - t0 < o->warmup_s * hz;) {
		uint64_t before = st.learning;

		gen_rx_poll(o, &st);
		if (st.learning != before)
			last_rx = rte_rdtsc();
	}
	return took;
}
