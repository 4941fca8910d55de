/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_HEALTH_H
#define VPN_HEALTH_H

/*
 * One tunnel's liveness. Every source that has a say in whether a tunnel
 * may carry traffic feeds one up/down state here: its administrative
 * state, the link of the port it leaves by, an installed outbound SA (IKE's
 * Child SA, or manual keys), ESP heard from the peer (manual keys have no DPD:
 * silence is death, and an idle tunnel sends dummy packets), health probes
 * answered (customer gateways without BGP), and the BGP session over it. The
 * tunnel is up while no source that has a say holds it down; when down, the
 * reason is that of the first source holding it (in the order below).
 *
 * No DPDK and no clock: times are what the caller passes (any monotonic
 * unit, hz of them a second). A call that changes the state returns 1,
 * so the caller publishes it (steering) and logs it once; vpn_health_why
 * says why the last change happened.
 */

#include <stdbool.h>
#include <stdint.h>

enum vpn_health_src {
	VPN_HEALTH_ADMIN, /* administratively enabled */
	VPN_HEALTH_LINK,  /* its port's link up */
	VPN_HEALTH_SA,    /* an outbound SA installed */
	VPN_HEALTH_ESP,   /* ESP heard within dead_after */
	VPN_HEALTH_PROBE, /* health probes answered */
	VPN_HEALTH_BGP,   /* the BGP session over it established */
	VPN_HEALTH_NSRC
};

#define VPN_HEALTH_WHY 64

struct vpn_health_params {
	uint64_t hz;         /* time units a second (> 0) */
	uint32_t sources;    /* bit per vpn_health_src with a say */
	uint64_t dead_after; /* ESP: down after this much silence (0: never) */
	uint64_t idle_after; /* ESP: a keepalive due after this long with
	                      * nothing sent (0: none) */
	unsigned int probe_down; /* PROBE: misses in a row that take it down */
	unsigned int probe_up;   /* ... answers in a row that bring it up */
};

/* Embedded in the caller's tunnel; the members are this module's. */
struct vpn_health {
	struct vpn_health_params p;
	uint32_t down;                              /* bit per source holding */
	char hold[VPN_HEALTH_NSRC][VPN_HEALTH_WHY]; /* ... and its reason */
	bool up;
	uint64_t rx_seen, last_rx; /* ESP: packets heard so far, and when */
	uint64_t tx_seen, last_tx; /* ESP: packets sent so far, and when */
	int probe_run;             /* answers (> 0) or misses (< 0) in a row */
	uint64_t changes, changed; /* state changes, and when the last was */
	char why[VPN_HEALTH_WHY];  /* ... and why */
};

/*
 * A tunnel that has never been up: held down by its SA (none yet), by
 * probes until probe_up answers, and by BGP until established, for the
 * sources p has. 0, or -EINVAL (hz 0, a probe threshold 0 with PROBE).
 */
int vpn_health_init(struct vpn_health *h, const struct vpn_health_params *p,
                    uint64_t now);
/*
 * New parameters (a configuration change): sources gained start as at
 * init, sources lost stop holding it. 1 when the state changed, 0 when
 * not, -EINVAL as init.
 */
int vpn_health_reconfig(struct vpn_health *h, const struct vpn_health_params *p,
                        uint64_t now);

/* Source src says ok or not, for why. 1 when the tunnel's state changed.
 * A source without a say is remembered and counts once it has one. */
int vpn_health_set(struct vpn_health *h, enum vpn_health_src src, bool ok,
                   const char *why, uint64_t now);

/*
 * ESP: rx packets heard and tx sent on the tunnel so far (counters that
 * only grow; a smaller value starts them again, as after a new SA). New
 * packets heard clear ESP's hold; silence beyond dead_after sets it.
 * *keepalive (may be NULL) is set when nothing was sent for idle_after:
 * the caller sends one, which counts from now. 1 when the state changed.
 */
int vpn_health_esp(struct vpn_health *h, uint64_t rx, uint64_t tx, uint64_t now,
                   bool *keepalive);
/* ESP's clocks start again now and ESP holds nothing (a new SA, or one
 * attached again: given the benefit of the doubt, its silence counted
 * from here). 1 when the state changed. */
int vpn_health_esp_reset(struct vpn_health *h, uint64_t rx, uint64_t tx,
                         uint64_t now);

/* A health probe answered or missed: probe_down misses in a row take it
 * down, probe_up answers in a row bring it back. 1 when state changed. */
int vpn_health_probe(struct vpn_health *h, bool answered, const char *why,
                     uint64_t now);

static inline bool
vpn_health_up(const struct vpn_health *h)
{
	return h->up;
}

/*
 * The tunnels (bit i: t[i]) of a connection that traffic may use: those
 * up; when none is, those held down by health probes alone. Probes
 * choose between tunnels but never take the last ones away: probes lost
 * on every tunnel may be the target's fault, not the tunnels', and its
 * answers need a way back (fail open).
 */
unsigned int vpn_health_usable(const struct vpn_health *t, unsigned int n);

/* Why the last change happened ("never changed" before the first). */
const char *vpn_health_why(const struct vpn_health *h);
/* The first source holding it down, or VPN_HEALTH_NSRC when it is up. */
enum vpn_health_src vpn_health_holder(const struct vpn_health *h);
/* Time since ESP was last heard (or since its clocks started). */
uint64_t vpn_health_silent(const struct vpn_health *h, uint64_t now);
/* A source's name, for logs and the console. */
const char *vpn_health_src_name(enum vpn_health_src src);

#endif
