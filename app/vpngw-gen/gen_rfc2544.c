/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpngw-gen's RFC 2544 throughput search: trials of --seconds, bisection
 * for the highest rate losing at most --loss %, and its result.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>

#include "gen_priv.h"

static bool
passes(const struct opts *o, const struct run *r)
{
	uint64_t l = gen_lost(r) +
	             (r->sent > r->rx.packets ? r->sent - r->rx.packets : 0);

	return (double)l <= o->loss_pct / 100.0 * (double)r->sent;
}

/* RFC 2544 throughput: a trial at the asked rate, then bisection between
 * 0 and the lower of that rate and 1.05 x what came back in it. */
int
gen_rfc2544(const struct opts *o)
{
	double lo = 0, hi = o->rate, best = 0;
	struct run r = {0};
	int rc = 0;

	for (unsigned int t = 0; t < o->trials; t++) {
		double pps = t == 0 ? hi : (lo + hi) / 2;
		char what[32];

		if (gen_run_once(o, pps, &r) != 0) {
			rc = -1;
			break;
		}
		snprintf(what, sizeof(what), "trial %u", t + 1);
		gen_report(o, what, pps, &r);
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
		       best, best * gen_mean_frame() * 8 / 1e9, o->loss_pct);
	else
		printf("vpngw-gen: RFC 2544 throughput: %.0f pps (%.3f Gbit/s "
		       "of %.0f-byte frames on average), loss allowed %g %%\n",
		       best, best * gen_mean_frame() * 8 / 1e9,
		       gen_mean_frame(), o->loss_pct);
	fflush(stdout); /* the result is out, whatever the exit does */
	free(r.rx.seen);
	return rc;
}
