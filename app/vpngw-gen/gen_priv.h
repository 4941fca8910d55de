/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GEN_PRIV_H
#define GEN_PRIV_H

/*
 * The generator's own state, shared by its files (gen.h: the options):
 *
 *   gen.c          main: EAL, ports, the ESP SAs, links; one run or a search
 *   gen_opts.c     the command line
 *   gen_tx.c       the packets' sizes, packets built (and sealed in ESP)
 *                  and sent at a rate: one run
 *   gen_rx.c       what comes back: counted, sequence numbers checked,
 *                  latency histogram and percentiles, loss
 *   gen_rfc2544.c  the RFC 2544 throughput search
 *   gen_report.c   a run's figures, as text or JSON
 */
#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "gen.h"
#include "vpn_esp.h"

/* Latency histogram: log-linear buckets of TSC cycles (16 per power of
 * two), exact enough for percentiles. */
#define LAT_SUB     16
#define LAT_BUCKETS (64 * LAT_SUB)

struct rx_stats {
	uint64_t packets, bytes, other;
	uint64_t reordered, duplicates;
	uint64_t learning; /* learning packets back (never in a run's) */
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

/* Set up by main (gen.c): the packet pool; the ESP worker, the SA that
 * seals what is sent (--esp-out) and the SAD that opens what comes back
 * (--esp-in), each NULL without its option. */
extern struct rte_mempool *gen_pool;
extern struct vpn_esp_worker *gen_esp_w;
extern struct vpn_esp_sa *gen_sa_out;
extern struct vpn_esp_sad *gen_sad_in;

/* gen_tx.c */
void gen_build_pattern(const struct opts *o);
/* The mean frame size of the pattern, FCS included. */
double gen_mean_frame(void);
/* One run at rate pps (0: as fast as the port takes): 0 or -errno. */
int gen_run_once(const struct opts *o, double pps, struct run *r);
/* The learning phase (RFC 2544 section 23) before any run: a packet
 * every 10 ms until one comes back through the device under test, up to
 * o->warmup_s; then quiet for drain_ms. The milliseconds it took, or -1
 * if nothing came back (-errno on failure). */
int64_t gen_warmup(const struct opts *o);

/* gen_rx.c */
/* A burst from the rx port (if any) counted into st. */
void gen_rx_poll(const struct opts *o, struct rx_stats *st);
/* st zeroed, with room for expect sequence numbers: 0 or -ENOMEM. */
int gen_rx_reset(struct rx_stats *st, uint64_t expect);
/* The q-quantile of the latency in TSC cycles (its bucket's smallest
 * value). */
uint64_t gen_percentile(const struct rx_stats *st, double q);
uint64_t gen_lost(const struct run *r);

/* gen_report.c: a run's figures on stdout, as text or JSON. */
void gen_report(const struct opts *o, const char *what, double pps,
                const struct run *r);

/* gen_rfc2544.c: 0, or -1 if a trial could not run. */
int gen_rfc2544(const struct opts *o);

#endif /* GEN_PRIV_H */
