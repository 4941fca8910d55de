/* SPDX-License-Identifier: BSD-3-Clause */
/* One tunnel's liveness from every source that has a say (vpn_health.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vpn_health.h"

static const char *const src_names[VPN_HEALTH_NSRC] = {
        [VPN_HEALTH_ADMIN] = "admin", [VPN_HEALTH_LINK] = "link",
        [VPN_HEALTH_SA] = "sa",       [VPN_HEALTH_ESP] = "esp",
        [VPN_HEALTH_PROBE] = "probe", [VPN_HEALTH_BGP] = "bgp",
};

/* What holds a source down before it has said anything. */
static const char *const src_start[VPN_HEALTH_NSRC] = {
        [VPN_HEALTH_SA] = "no SA yet",
        [VPN_HEALTH_PROBE] = "no health probe answered yet",
        [VPN_HEALTH_BGP] = "BGP session not established",
};

const char *
vpn_health_src_name(enum vpn_health_src src)
{
	return (unsigned int)src < VPN_HEALTH_NSRC ? src_names[src] : "?";
}

static int
params_ok(const struct vpn_health_params *p)
{
	if (p->hz == 0)
		return -EINVAL;
	if ((p->sources & 1u << VPN_HEALTH_PROBE) &&
	    (p->probe_down == 0 || p->probe_up == 0))
		return -EINVAL;
	return 0;
}

static void
hold(struct vpn_health *h, enum vpn_health_src src, bool on, const char *why)
{
	if (on) {
		h->down |= 1u << src;
		snprintf(h->hold[src], sizeof(h->hold[src]), "%s", why);
	} else {
		h->down &= ~(1u << src);
		h->hold[src][0] = '\0';
	}
}

/* The state from the holds of the sources with a say: 1 when it moved,
 * for why_up (going up) or the first holder's reason (going down). */
static int
settle(struct vpn_health *h, const char *why_up, uint64_t now)
{
	enum vpn_health_src first;
	bool up;

	up = (h->down & h->p.sources) == 0;
	if (up == h->up)
		return 0;
	h->up = up;
	h->changes++;
	h->changed = now;
	first = vpn_health_holder(h);
	snprintf(h->why, sizeof(h->why), "%s", up ? why_up : h->hold[first]);
	return 1;
}

/* Sources p has and h->p had not start holding as at init. */
static void
start_sources(struct vpn_health *h, uint32_t gained, uint64_t now)
{
	for (unsigned int s = 0; s < VPN_HEALTH_NSRC; s++)
		if ((gained & 1u << s) && src_start[s] != NULL)
			hold(h, (enum vpn_health_src)s, true, src_start[s]);
	if (gained & 1u << VPN_HEALTH_ESP) {
		hold(h, VPN_HEALTH_ESP, false, NULL);
		h->last_rx = h->last_tx = now;
	}
	if (gained & 1u << VPN_HEALTH_PROBE)
		h->probe_run = 0;
}

int
vpn_health_init(struct vpn_health *h, const struct vpn_health_params *p,
                uint64_t now)
{
	int rc = params_ok(p);

	if (rc != 0)
		return rc;
	memset(h, 0, sizeof(*h));
	h->p = *p;
	start_sources(h, ~0u, now);
	h->up = (h->down & h->p.sources) == 0;
	snprintf(h->why, sizeof(h->why), "never changed");
	return 0;
}

int
vpn_health_reconfig(struct vpn_health *h, const struct vpn_health_params *p,
                    uint64_t now)
{
	uint32_t gained = p->sources & ~h->p.sources;
	int rc = params_ok(p);

	if (rc != 0)
		return rc;
	h->p = *p;
	start_sources(h, gained, now);
	return settle(h, "configuration changed", now);
}

int
vpn_health_set(struct vpn_health *h, enum vpn_health_src src, bool ok,
               const char *why, uint64_t now)
{
	if ((unsigned int)src >= VPN_HEALTH_NSRC)
		return -EINVAL;
	hold(h, src, !ok, why);
	return settle(h, why, now);
}

int
vpn_health_esp_reset(struct vpn_health *h, uint64_t rx, uint64_t tx,
                     uint64_t now)
{
	h->rx_seen = rx;
	h->tx_seen = tx;
	h->last_rx = h->last_tx = now;
	hold(h, VPN_HEALTH_ESP, false, NULL);
	return settle(h, "ESP watched afresh", now);
}

int
vpn_health_esp(struct vpn_health *h, uint64_t rx, uint64_t tx, uint64_t now,
               bool *keepalive)
{
	int changed = 0;

	if (keepalive != NULL)
		*keepalive = false;
	if (rx != h->rx_seen) {
		h->rx_seen = rx;
		h->last_rx = now;
		hold(h, VPN_HEALTH_ESP, false, NULL);
		changed = settle(h, "ESP received", now);
	} else if (h->p.dead_after != 0 && now - h->last_rx > h->p.dead_after &&
	           !(h->down & 1u << VPN_HEALTH_ESP)) {
		char why[VPN_HEALTH_WHY];

		snprintf(why, sizeof(why), "no ESP for %llu s: dpd_timeout",
		         (unsigned long long)(h->p.dead_after / h->p.hz));
		hold(h, VPN_HEALTH_ESP, true, why);
		changed = settle(h, NULL, now);
	}
	if (tx != h->tx_seen) {
		h->tx_seen = tx;
		h->last_tx = now;
	} else if (h->p.idle_after != 0 &&
	           now - h->last_tx >= h->p.idle_after) {
		if (keepalive != NULL)
			*keepalive = true;
		h->last_tx = now;
	}
	return changed;
}

int
vpn_health_probe(struct vpn_health *h, bool answered, const char *why,
                 uint64_t now)
{
	/* A run counts up to its threshold and no further (no overflow in
	 * a tunnel that answers for years). */
	if (answered)
		h->probe_run =
		        h->probe_run > 0 && h->probe_run < (int)h->p.probe_up
		                ? h->probe_run + 1
		        : h->probe_run > 0 ? h->probe_run
		                           : 1;
	else
		h->probe_run =
		        h->probe_run < 0 && -h->probe_run < (int)h->p.probe_down
		                ? h->probe_run - 1
		        : h->probe_run < 0 ? h->probe_run
		                           : -1;
	if (h->probe_run >= (int)h->p.probe_up)
		hold(h, VPN_HEALTH_PROBE, false, NULL);
	else if (-h->probe_run >= (int)h->p.probe_down)
		hold(h, VPN_HEALTH_PROBE, true, why);
	return settle(h, why, now);
}

const char *
vpn_health_why(const struct vpn_health *h)
{
	return h->why;
}

enum vpn_health_src
vpn_health_holder(const struct vpn_health *h)
{
	uint32_t d = h->down & h->p.sources;

	return d ? (enum vpn_health_src)__builtin_ctz(d) : VPN_HEALTH_NSRC;
}

uint64_t
vpn_health_silent(const struct vpn_health *h, uint64_t now)
{
	return now - h->last_rx;
}

unsigned int
vpn_health_usable(const struct vpn_health *t, unsigned int n)
{
	unsigned int up = 0, probe_only = 0;

	for (unsigned int i = 0; i < n && i < 32; i++) {
		up |= (unsigned int)t[i].up << i;
		probe_only |= (unsigned int)(!t[i].up &&
		                             (t[i].down & t[i].p.sources) ==
		                                     1u << VPN_HEALTH_PROBE)
		              << i;
	}
	return up ? up : probe_only;
}
