/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpngw-gen's receive side: what comes back (decrypted with --esp-in)
 * counted, its sequence numbers checked for loss, reordering and
 * duplicates, its TSC stamps into a latency histogram and percentiles.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "gen_priv.h"

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
	if (pl.magic == rte_cpu_to_be_16(GEN_MAGIC_LEARN)) {
		st->learning++;
		return;
	}
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

void
gen_rx_poll(const struct opts *o, struct rx_stats *st)
{
	struct rte_mbuf *m[BURST];
	uint16_t n;

	if (!o->rx_on)
		return;
	n = rte_eth_rx_burst(o->rx, 0, m, BURST);
	if (n == 0)
		return;
	if (gen_sad_in != NULL) {
		uint64_t now = rte_rdtsc();
		uint8_t why[BURST];
		uint16_t ok;

		/* ESP back: decrypted, then counted; what is not ESP (or
		 * fails) is "other". */
		for (uint16_t i = 0; i < n; i++)
			rte_pktmbuf_adj(m[i], 14);
		ok = vpn_esp_inbound(gen_esp_w, gen_sad_in, m, n, why, NULL);
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

int
gen_rx_reset(struct rx_stats *st, uint64_t expect)
{
	uint8_t *seen = st->seen;
	uint64_t bits = st->seen_bits;

	/* Room for every sequence number sent, up to 2^30 (128 MB). */
	if (expect + 2 > bits) {
		free(seen);
		st->seen = NULL; /* not freed again by the caller */
		st->seen_bits = 0;
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

uint64_t
gen_percentile(const struct rx_stats *st, double q)
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
uint64_t
gen_lost(const struct run *r)
{
	const struct rx_stats *st = &r->rx;
	uint64_t unique = st->packets - st->duplicates;

	if (!st->any)
		return r->sent;
	return st->max_seq + 1 > unique ? st->max_seq + 1 - unique : 0;
}
