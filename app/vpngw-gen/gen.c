/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpngw-gen: the bundled DPDK traffic generator. It sends IPv4/UDP
 * packets on one port and counts what comes back on another (or the
 * same), on one lcore: any DPDK port (net_ring and net_memif on one
 * machine, PCI/VF ports for real tests).
 *
 * Each packet carries, after its UDP header, a magic word, a sequence
 * number and the TSC when it was sent. The receive side counts
 * packets and bytes, and from the sequence numbers: lost (missing ones),
 * reordered (arriving after a higher one), duplicated; from the TSC:
 * latency percentiles (p50, p99, p99.9, max; sender and receiver share
 * the clock). A rate is kept by the TSC (packets due by now, sent in
 * bursts); every packet asked for is sent, exactly: a full TX ring is
 * retried, never dropped.
 *
 *   vpngw-gen [EAL args] -- [--tx PORT] [--rx PORT|none]
 *       [--count N] [--seconds S] [--rate PPS | --bitrate BPS]
 *       [--size B | --sizes B,B,... | --imix | --mix B:W,B:W,...]
 *       [--flows N] [--src A.B.C.D] [--dst A.B.C.D] [--sport P]
 *       [--srcs N] [--dsts N [--dst-step S]] [--esp-udp] [--line-rate]
 *       [--dport P] [--dmac XX:..] [--gap SEQ] [--swap SEQ]
 *       [--rfc2544 [--trials N] [--loss PCT]] [--drain-ms MS] [--json]
 *
 * Sizes are Ethernet frames with their FCS (RFC 2544's 64 B is 60 bytes
 * in the mbuf); IMIX is 7:4:1 of 64/594/1518, interleaved. --flows N
 * varies the UDP source port over N values, --dsts N the destination
 * address over N addresses S apart (packet i goes to dst + (i % N) * S:
 * one destination behind each of N tunnels), --srcs N the source address
 * over N consecutive ones. --line-rate: the tx port's link speed in
 * frames of these sizes (with preamble and gap: 20 bytes more each);
 * without a rate the generator sends as fast as the port takes them.
 * --esp-udp puts the ESP of --esp-out in UDP 4500 (RFC 3948) and expects
 * it so from --esp-in. --gap SEQ never sends that sequence number, --swap
 * SEQ sends SEQ+1 before SEQ: the receive side must find them
 * (tests/app/gen.sh). --rfc2544 searches for the highest rate (up to
 * --rate) whose trial of --seconds loses nothing (or at most --loss %), by
 * bisection over --trials trials (below what came back in the first trial
 * at --rate, when that one loses; nothing back ends the search).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "gen.h"

static struct vpn_crypto *eng;
static struct vpn_esp_worker *esp_w;
static struct vpn_esp_sa *sa_out;
static struct vpn_esp_sad *sad_in;

/* Latency histogram: log-linear buckets of TSC cycles (16 per power of
 * two), exact enough for percentiles. */
#define LAT_SUB     16
#define LAT_BUCKETS (64 * LAT_SUB)

struct rx_stats {
	uint64_t packets, bytes, other;
	uint64_t reordered, duplicates;
	uint64_t max_seq;
	bool any;
	uint8_t *seen; /* bit per sequence number (up to seen_bits) */
	uint64_t seen_bits;
	uint64_t lat[LAT_BUCKETS];
	uint64_t lat_max;
};

struct run {
	uint64_t sent, tx_bytes, retries;
	uint64_t start_tsc, end_tsc;
	struct rx_stats rx;
};

static struct rte_mempool *pool;
static uint16_t pattern[1024]; /* the size of the i-th packet (mod n) */
static unsigned int npattern;

/* Smooth weighted round robin: IMIX 7:4:1 comes out interleaved. */
static void
build_pattern(const struct opts *o)
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

static double
mean_frame(void)
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
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
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

static unsigned int
lat_bucket(uint64_t c)
{
	unsigned int msb;

	if (c < LAT_SUB)
		return (unsigned int)c;
	msb = 63u - (unsigned int)__builtin_clzll(c);
	return (msb - 3) * LAT_SUB +
	       (unsigned int)((c >> (msb - 4)) & (LAT_SUB - 1));
}

/* The smallest value in bucket b (its representative). */
static uint64_t
lat_value(unsigned int b)
{
	unsigned int msb;

	if (b < LAT_SUB)
		return b;
	msb = b / LAT_SUB + 3;
	return (1ull << msb) | ((uint64_t)(b % LAT_SUB) << (msb - 4));
}

/* A packet back: an Ethernet frame, or (l2 false) a decrypted inner IPv4
 * packet. */
static void
rx_packet(struct rx_stats *st, struct rte_mbuf *m, uint64_t now, bool l2)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int off = l2 ? 14 : 0;
	struct gen_payload pl;

	if (m->data_len < off + 28 + sizeof(pl) ||
	    (l2 && (p[12] != 0x08 || p[13] != 0)) ||
	    p[off + 9] != IPPROTO_UDP) {
		st->other++;
		return;
	}
	memcpy(&pl, p + off + 28, sizeof(pl));
	if (pl.magic != rte_cpu_to_be_16(GEN_MAGIC)) {
		st->other++;
		return;
	}
	st->packets++;
	st->bytes += m->pkt_len + 4;
	if (pl.seq < st->seen_bits) {
		uint8_t bit = (uint8_t)(1u << (pl.seq & 7));

		if (st->seen[pl.seq >> 3] & bit)
			st->duplicates++;
		st->seen[pl.seq >> 3] |= bit;
	}
	if (st->any && pl.seq < st->max_seq)
		st->reordered++;
	if (!st->any || pl.seq > st->max_seq)
		st->max_seq = pl.seq;
	st->any = true;
	if (now >= pl.tsc) {
		uint64_t c = now - pl.tsc;

		st->lat[lat_bucket(c)]++;
		if (c > st->lat_max)
			st->lat_max = c;
	}
}

static void
rx_poll(const struct opts *o, struct rx_stats *st)
{
	struct rte_mbuf *m[BURST];
	uint16_t n;

	if (!o->rx_on)
		return;
	n = rte_eth_rx_burst(o->rx, 0, m, BURST);
	if (n == 0)
		return;
	if (sad_in != NULL) {
		uint64_t now = rte_rdtsc();
		uint8_t why[BURST];
		uint16_t ok;

		/* ESP back: decrypted, then counted; what is not ESP (or
		 * fails) is "other". */
		for (uint16_t i = 0; i < n; i++)
			rte_pktmbuf_adj(m[i], 14);
		ok = vpn_esp_inbound(esp_w, sad_in, m, n, why, NULL);
		for (uint16_t i = 0; i < ok; i++)
			rx_packet(st, m[i], now, false);
		st->other += n - ok;
	} else {
		uint64_t now = rte_rdtsc();

		for (uint16_t i = 0; i < n; i++)
			rx_packet(st, m[i], now, true);
	}
	rte_pktmbuf_free_bulk(m, n);
}

static int
rx_reset(struct rx_stats *st, uint64_t expect)
{
	uint8_t *seen = st->seen;
	uint64_t bits = st->seen_bits;

	/* Room for every sequence number sent, up to 2^30 (128 MB). */
	if (expect + 2 > bits) {
		free(seen);
		bits = expect + 2 < (1ull << 30) ? expect + 2 : (1ull << 30);
		seen = calloc((bits + 7) / 8, 1);
		if (seen == NULL)
			return -ENOMEM;
	} else
		memset(seen, 0, (bits + 7) / 8);
	memset(st, 0, sizeof(*st));
	st->seen = seen;
	st->seen_bits = bits;
	return 0;
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
	if (vpn_esp_outbound(esp_w, sa_out, m, (uint16_t)n, why) != n)
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
static int
run_once(const struct opts *o, double pps, struct run *r)
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
	if (rx_reset(&r->rx, expect) != 0)
		return -ENOMEM;
	/* Nothing from an earlier run is counted. */
	for (int i = 0; i < 64; i++)
		rx_poll(o, &(struct rx_stats){0});
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
			if (sa_out != NULL && npend > 0 &&
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
		rx_poll(o, &r->rx);
	}
	r->end_tsc = rte_rdtsc();
	/* What is still on its way: until the receive side is quiet. */
	last_rx = rte_rdtsc();
	while (o->rx_on &&
	       rte_rdtsc() - last_rx < (uint64_t)o->drain_ms * hz / 1000) {
		uint64_t before = r->rx.packets;

		rx_poll(o, &r->rx);
		if (r->rx.packets != before)
			last_rx = rte_rdtsc();
	}
	return 0;
}

static uint64_t
percentile(const struct rx_stats *st, double q)
{
	uint64_t n = 0, want;

	for (unsigned int b = 0; b < LAT_BUCKETS; b++)
		n += st->lat[b];
	if (n == 0)
		return 0;
	want = (uint64_t)ceil(q * (double)n);
	if (want == 0)
		want = 1;
	for (uint64_t b = 0, c = 0; b < LAT_BUCKETS; b++) {
		c += st->lat[b];
		if (c >= want)
			return lat_value((unsigned int)b);
	}
	return st->lat_max;
}

/* Lost: sequence numbers up to the highest seen that never came. */
static uint64_t
lost(const struct run *r)
{
	const struct rx_stats *st = &r->rx;
	uint64_t unique = st->packets - st->duplicates;

	if (!st->any)
		return r->sent;
	return st->max_seq + 1 > unique ? st->max_seq + 1 - unique : 0;
}

static void
report(const struct opts *o, const char *what, double pps, const struct run *r)
{
	const double hz = (double)rte_get_tsc_hz(), us = hz / 1e6;
	double secs = (double)(r->end_tsc - r->start_tsc) / hz;
	const struct rx_stats *st = &r->rx;

	if (o->json) {
		printf("{\"run\": \"%s\", \"asked_pps\": %.0f, \"sent\": %llu, "
		       "\"tx_bytes\": %llu, \"seconds\": %.6f, \"tx_pps\": "
		       "%.0f, \"tx_gbps\": %.4f, \"tx_retries\": %llu, "
		       "\"received\": %llu, \"rx_bytes\": %llu, \"lost\": "
		       "%llu, \"reordered\": %llu, \"duplicates\": %llu, "
		       "\"other\": %llu, \"lat_us\": {\"p50\": %.2f, \"p99\": "
		       "%.2f, \"p99.9\": %.2f, \"max\": %.2f}}\n",
		       what, pps, (unsigned long long)r->sent,
		       (unsigned long long)r->tx_bytes, secs,
		       secs > 0 ? (double)r->sent / secs : 0,
		       secs > 0 ? (double)r->tx_bytes * 8 / secs / 1e9 : 0,
		       (unsigned long long)r->retries,
		       (unsigned long long)st->packets,
		       (unsigned long long)st->bytes,
		       (unsigned long long)(o->rx_on ? lost(r) : 0),
		       (unsigned long long)st->reordered,
		       (unsigned long long)st->duplicates,
		       (unsigned long long)st->other,
		       (double)percentile(st, 0.5) / us,
		       (double)percentile(st, 0.99) / us,
		       (double)percentile(st, 0.999) / us,
		       (double)st->lat_max / us);
		fflush(stdout);
		return;
	}
	printf("vpngw-gen: %s: sent %llu packets in %.3f s (%.3f Mpps, %.3f "
	       "Gbit/s, asked %.0f pps), %llu TX retries\n",
	       what, (unsigned long long)r->sent, secs,
	       secs > 0 ? (double)r->sent / secs / 1e6 : 0,
	       secs > 0 ? (double)r->tx_bytes * 8 / secs / 1e9 : 0, pps,
	       (unsigned long long)r->retries);
	if (o->rx_on)
		printf("vpngw-gen: %s: received %llu (%llu bytes), lost %llu, "
		       "reordered %llu, duplicates %llu, other %llu; latency "
		       "us p50 %.2f p99 %.2f p99.9 %.2f max %.2f\n",
		       what, (unsigned long long)st->packets,
		       (unsigned long long)st->bytes,
		       (unsigned long long)lost(r),
		       (unsigned long long)st->reordered,
		       (unsigned long long)st->duplicates,
		       (unsigned long long)st->other,
		       (double)percentile(st, 0.5) / us,
		       (double)percentile(st, 0.99) / us,
		       (double)percentile(st, 0.999) / us,
		       (double)st->lat_max / us);
	fflush(stdout);
}

static bool
passes(const struct opts *o, const struct run *r)
{
	uint64_t l = lost(r) +
	             (r->sent > r->rx.packets ? r->sent - r->rx.packets : 0);

	return (double)l <= o->loss_pct / 100.0 * (double)r->sent;
}

/* RFC 2544 throughput: a trial at the asked rate, then bisection between
 * 0 and the lower of that rate and 1.05 x what came back in it. */
static int
rfc2544(const struct opts *o)
{
	double lo = 0, hi = o->rate, best = 0;
	struct run r = {0};
	int rc = 0;

	for (unsigned int t = 0; t < o->trials; t++) {
		double pps = t == 0 ? hi : (lo + hi) / 2;
		char what[32];

		if (run_once(o, pps, &r) != 0) {
			rc = -1;
			break;
		}
		snprintf(what, sizeof(what), "trial %u", t + 1);
		report(o, what, pps, &r);
		if (passes(o, &r)) {
			/* What was sent, if the port took less than asked. */
			double got = (double)r.sent * (double)rte_get_tsc_hz() /
			             (double)(r.end_tsc - r.start_tsc);

			got = got < pps ? got : pps;
			best = got > best ? got : best;
			lo = pps;
			if (t == 0)
				break; /* the top rate passes */
		} else if (t == 0) {
			/* What came back at the top rate is about what the
			 * device under test can do: search below a little
			 * more than that, not below the (maybe far higher)
			 * rate asked for. */
			double rx = (double)r.rx.packets *
			            (double)rte_get_tsc_hz() /
			            (double)(r.end_tsc - r.start_tsc);

			if (rx <= 0)
				break; /* nothing forwarded: nothing to find
				        * (and a rate of 0 is "no limit") */
			hi = fmin(pps, 1.05 * rx);
		} else
			hi = pps;
	}
	if (o->json)
		printf("{\"run\": \"rfc2544\", \"throughput_pps\": %.0f, "
		       "\"throughput_gbps\": %.4f, \"loss_pct\": %g}\n",
		       best, best * mean_frame() * 8 / 1e9, o->loss_pct);
	else
		printf("vpngw-gen: RFC 2544 throughput: %.0f pps (%.3f Gbit/s "
		       "of %.0f-byte frames on average), loss allowed %g %%\n",
		       best, best * mean_frame() * 8 / 1e9, mean_frame(),
		       o->loss_pct);
	free(r.rx.seen);
	return rc;
}

static int
port_start(uint16_t port)
{
	struct rte_eth_conf conf = {0};
	int rc;

	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(
		        port, 0, 1024, rte_eth_dev_socket_id(port), NULL, pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, 1024,
		                            rte_eth_dev_socket_id(port), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc == 0)
		rte_eth_promiscuous_enable(port);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct run r = {0};
	int n = rte_eal_init(argc, argv);

	if (n < 0) {
		fprintf(stderr, "vpngw-gen: EAL: %s\n",
		        rte_strerror(rte_errno));
		return 1;
	}
	argc -= n;
	argv += n;
	if (gen_parse(argc, argv, &o) != 0) {
		gen_usage();
		rte_eal_cleanup();
		return 2;
	}
	build_pattern(&o);
	if (o.bitrate > 0)
		o.rate = o.bitrate / (mean_frame() * 8);
	pool = rte_pktmbuf_pool_create("gen", 8191, 256, 0,
	                               RTE_PKTMBUF_HEADROOM + 9216,
	                               rte_socket_id());
	if (pool == NULL || !rte_eth_dev_is_valid_port(o.tx) ||
	    (o.rx_on && !rte_eth_dev_is_valid_port(o.rx)) ||
	    port_start(o.tx) != 0 ||
	    (o.rx_on && o.rx != o.tx && port_start(o.rx) != 0)) {
		fprintf(stderr, "vpngw-gen: cannot start ports %u/%u\n", o.tx,
		        o.rx);
		rte_eal_cleanup();
		return 1;
	}
	if (o.esp_out_on || o.esp_in_on) {
		eng = vpn_crypto_open(VPN_CRYPTO_IMB);
		esp_w = eng ? vpn_esp_worker_new(eng, 0) : NULL;
		sa_out = o.esp_out_on && esp_w ? vpn_esp_sa_new(eng, &o.esp_out)
		                               : NULL;
		sad_in = o.esp_in_on && esp_w ? vpn_esp_sad_new(16) : NULL;
		if (esp_w == NULL || (o.esp_out_on && sa_out == NULL) ||
		    (o.esp_in_on &&
		     (sad_in == NULL ||
		      vpn_esp_sad_add(sad_in, vpn_esp_sa_new(eng, &o.esp_in)) !=
		              0))) {
			fprintf(stderr,
			        "vpngw-gen: cannot set up the ESP SAs\n");
			rte_eal_cleanup();
			return 1;
		}
	}
	explicit_bzero(&o.esp_out, sizeof(o.esp_out));
	explicit_bzero(&o.esp_in, sizeof(o.esp_in));
	if (o.wait_link_s) {
		printf("vpngw-gen: ports started, waiting up to %u s for their "
		       "links\n",
		       o.wait_link_s);
		fflush(stdout);
	}
	/* Links (memif: once the peer has connected), up to wait_link_s. */
	for (unsigned int i = 0; i < o.wait_link_s * 10; i++) {
		struct rte_eth_link a = {0}, b = {0};

		rte_eth_link_get_nowait(o.tx, &a);
		if (o.rx_on)
			rte_eth_link_get_nowait(o.rx, &b);
		if (a.link_status && (!o.rx_on || b.link_status))
			break;
		rte_delay_ms(100);
	}
	if (o.line_rate) {
		struct rte_eth_link l = {0};

		rte_eth_link_get_nowait(o.tx, &l);
		if (l.link_speed != RTE_ETH_SPEED_NUM_NONE &&
		    l.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN)
			o.rate = l.link_speed * 1e6 / ((mean_frame() + 20) * 8);
		else
			o.rate = 0;
		printf("vpngw-gen: line rate of port %u: %s%.0f pps\n", o.tx,
		       o.rate > 0 ? "" : "unknown, as fast as it takes: ",
		       o.rate);
		if (o.rfc2544 && o.rate <= 0) {
			fprintf(stderr, "vpngw-gen: no link speed for an RFC "
			                "2544 search: give --rate\n");
			rte_eal_cleanup();
			return 2;
		}
	}
	if (o.rfc2544)
		n = rfc2544(&o);
	else if ((n = run_once(&o, o.rate, &r)) == 0)
		report(&o, "run", o.rate, &r);
	free(r.rx.seen);
	rte_eth_dev_stop(o.tx);
	if (o.rx_on && o.rx != o.tx)
		rte_eth_dev_stop(o.rx);
	rte_eal_cleanup();
	return n == 0 ? 0 : 1;
}
