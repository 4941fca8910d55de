/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpngw-gen's report of a run: what was sent and at what rate, what came
 * back, lost, reordered, duplicated, and latency percentiles; a line of
 * text or, with --json, a JSON object.
 */
#include <stdio.h>

#include <rte_cycles.h>

#include "gen_priv.h"

void
gen_report(const struct opts *o, const char *what, double pps,
           const struct run *r)
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
		       (unsigned long long)(o->rx_on ? gen_lost(r) : 0),
		       (unsigned long long)st->reordered,
		       (unsigned long long)st->duplicates,
		       (unsigned long long)st->other,
		       (double)gen_percentile(st, 0.5) / us,
		       (double)gen_percentile(st, 0.99) / us,
		       (double)gen_percentile(st, 0.999) / us,
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
		       (unsigned long long)gen_lost(r),
		       (unsigned long long)st->reordered,
		       (unsigned long long)st->duplicates,
		       (unsigned long long)st->other,
		       (double)gen_percentile(st, 0.5) / us,
		       (double)gen_percentile(st, 0.99) / us,
		       (double)gen_percentile(st, 0.999) / us,
		       (double)st->lat_max / us);
	fflush(stdout);
}
