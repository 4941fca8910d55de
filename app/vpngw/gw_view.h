/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_VIEW_H
#define GW_VIEW_H

/*
 * Views (view.c): what the console (text and JSON) and telemetry show,
 * built once from the running configuration, the data plane's tunnel
 * state and IKE's, and rendered field by field by the same code
 * (vpngw_view_tunnel_fields) whatever the output. Built and read under
 * the control lock (telemetry takes it too), so a view is one moment.
 */

#include <stdbool.h>
#include <stdint.h>

#include "gw_dp.h"
#include "vpn_cfg.h"
#include "vpn_console.h"
#include "vpn_esp.h"
#include "vpn_ike.h"
#include "vpn_prefix.h"

struct vpngw_tunnel_view {
	char name[VPN_NAME_MAX + 8]; /* connection/N */
	unsigned int slot, ti;
	int ike_peer; /* IKE's peer (a tunnel made again gets another); -1 */
	const struct vpn_cfg_tunnel *cfg; /* under the control lock only */
	bool up;
	bool admin_down;
	bool manual; /* keyed by hand (no IKE) */
	bool nat;    /* IKE found a NAT (or it was forced): ESP in UDP */
	uint32_t outside, remote, ours; /* ours: its inside address */
	/* A customer gateway without an address: remote is where IKE
	 * last heard it (0: not yet), port rport. */
	bool learned;
	uint16_t rport;
	struct vpn_prefix inside;
	const char *phase1;           /* IKE SA state, "manual", "no-ike" */
	double since_s;               /* since the last change; -1: none */
	double silent_s;              /* since ESP last came in; -1: not
	                               * watched (IKE has DPD) */
	char why[64];                 /* the last change's reason */
	char ike_last[96];            /* IKE's last state change and why */
	uint32_t spi_in, spi_out;     /* the Child SA carrying it now */
	uint64_t keepalives;          /* dummy ESP packets sent */
	uint64_t changes;             /* state changes */
	struct vpn_esp_stats in, out; /* over every SA it has had */
};

/* Every tunnel of the running configuration, in its order, into
 * v[0..max): how many. Under the control lock. */
unsigned int vpngw_view_tunnels(struct vpngw_tunnel_view *v, unsigned int max);

/* One SA as the console and telemetry show it. */
struct vpngw_sa_view {
	char tunnel[VPN_NAME_MAX + 8]; /* "-" when no tunnel has it */
	uint32_t spi;
	bool inbound, esn, udp_encap;
	char algorithm[48];
	uint32_t src, dst; /* the outer addresses */
	struct vpn_esp_stats st;
	uint64_t seq;
	unsigned int replay_window;
	int64_t life_s;     /* Child SA lifetime left (IKE); -1: none */
	int64_t bytes_left; /* before the hard byte limit; -1: none */
};

/* sa's view (under the SA list's lock: sa stays while it is read). */
void vpngw_view_sa(const struct vpn_esp_sa *sa, struct vpngw_sa_view *v);

struct vpngw_view_out;

/* One prefix of the RIB and its selection (lib/route, routing.c). */
struct vpngw_route_view {
	char prefix[VPN_PREFIX_STRLEN];
	uint8_t src;        /* enum vpn_rib_src */
	bool selected;      /* usable now: a port's, or a tunnel of it up */
	unsigned int paths; /* paths to the prefix from every source */
	char tunnels[4];    /* the selected path's tunnels: "1,2", "1", "2" */
	char via[2 * VPN_NAME_MAX + 64];
};

/* Every prefix of the RIB (connected first, then by source and address)
 * into v[0..max): how many there are (more than max: only max filled).
 * Under the control lock. */
unsigned int vpngw_view_routes(struct vpngw_route_view *v, unsigned int max);
/* A BGP session (gw_bgp.h) and a health-checked tunnel (cfg: the running
 * model, for its interval and threshold), as console and telemetry
 * show them. */
struct vpngw_bgp_peer;
void vpngw_view_bgp_fields(const struct vpngw_bgp_peer *p,
                           const struct vpngw_view_out *out, void *ctx);
void vpngw_view_health_fields(const struct vpngw_tunnel_info *t,
                              const struct vpn_cfg *cfg,
                              const struct vpngw_view_out *out, void *ctx);
/* The health state as shown: "up", "down" or "in use (...)". */
const char *vpngw_view_health_state(const struct vpngw_tunnel_info *t);
void vpngw_view_route_fields(const struct vpngw_route_view *v,
                             const struct vpngw_view_out *out, void *ctx);

/* Every counter of the appliance at one moment: ports and data plane,
 * ESP drops by reason over every SA there was (and none), IKE, console. */
struct vpngw_counters {
	struct vpngw_dp_stats dp;
	struct vpn_esp_stats esp;
	struct vpn_ike_stats ike;
	struct vpn_console_stats con;
};

void vpngw_view_counters(struct vpngw_counters *c);
/* c - base, counter by counter (the console's clear counters). */
void vpngw_counters_sub(struct vpngw_counters *c,
                        const struct vpngw_counters *base);

/* A renderer: one call a field, keys as in the JSON and telemetry
 * documents (docs/ARCHITECTURE.md). ctx is the renderer's. */
struct vpngw_view_out {
	void (*str)(void *ctx, const char *key, const char *v);
	void (*u64)(void *ctx, const char *key, uint64_t v);
	void (*num)(void *ctx, const char *key, int64_t v);
	void (*flag)(void *ctx, const char *key, bool v);
	/* An SA direction's drops: by reason (JSON) or summed (telemetry). */
	void (*drops)(void *ctx, const char *key,
	              const struct vpn_esp_stats *s);
};

/* c's counters to out->u64, keyed "group.name" (ports.outside_rx,
 * dataplane.no_route, esp.AUTH_FAILED, ike.rx, console.logins, ...). */
void vpngw_view_counters_fields(const struct vpngw_counters *c,
                                const struct vpngw_view_out *out, void *ctx);
/* v's fields, in one order, to out. */
void vpngw_view_sa_fields(const struct vpngw_sa_view *v,
                          const struct vpngw_view_out *out, void *ctx);
void vpngw_view_tunnel_fields(const struct vpngw_tunnel_view *v,
                              const struct vpngw_view_out *out, void *ctx);

#endif /* GW_VIEW_H */
