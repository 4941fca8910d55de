/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_BGP_H
#define GW_BGP_H

/*
 * BGP (frr.c): FRR's zebra and bgpd run as vpngw's children in its
 * network namespace, configured from the model (vpn_cfg_frr_bgpd),
 * restarted when they die, stopped with vpngw. zebra hands every route
 * bgpd selects to vpngw over FPM; they go into the RIB as BGP paths of
 * the tunnel whose inside /30 holds the next hop. Control core only,
 * under the control lock.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vpn_cfg.h"

/* One BGP session (a tunnel of a BGP connection) as the console shows
 * it: what the model says, and what bgpd last said of it. */
struct vpngw_bgp_peer {
	uint32_t addr, ours;         /* the CGW's and our inside address */
	unsigned int conn;           /* connection slot */
	int tunnel;                  /* 0, 1 */
	char name[VPN_NAME_MAX + 8]; /* conn/N */
	int64_t asn;                 /* the CGW's */
	unsigned int max_prefixes;
	char state[24];                  /* bgpd's: Idle, Active, Established */
	char peer_state[16];             /* OK, Admin, PfxCt (over the max) */
	unsigned int pfx_rcvd, pfx_sent; /* bgpd's counts */
	uint64_t uptime_ms;              /* in its state */
	unsigned int established, dropped;
	unsigned int routes; /* BGP paths it has in the RIB */
};

/* Whether FRR (zebra, bgpd, its user) is installed. */
bool vpngw_bgp_available(void);
/* Start FRR when cfg has a BGP connection (later ones start it on
 * vpngw_bgp_apply); state_dir/frr holds its files. 0 or -errno (logged:
 * FRR missing, its files or sockets impossible). */
int vpngw_bgp_start(const struct vpn_cfg *cfg, const char *state_dir);
/* A changed running model: bgpd's configuration follows as a difference
 * (sessions that did not change are not reset); FRR starts or stops as
 * BGP connections come and go. */
void vpngw_bgp_apply(const struct vpn_cfg *cfg);
/* The control loop's turn: children, the route feed, sessions' state. */
void vpngw_bgp_poll(void);
void vpngw_bgp_stop(void);

/* The sessions: *n of them (NULL when FRR does not run). */
const struct vpngw_bgp_peer *vpngw_bgp_peers(unsigned int *n);
/* Whether zebra's route feed is connected; *routes: the BGP paths in
 * the RIB. */
int vpngw_bgp_feed(unsigned int *routes);
/* Run one command in bgpd (its vty; enable first when privileged) and
 * copy its answer to out. bgpd's status (0: done), or -errno. */
int vpngw_bgp_cmd(const char *cmd, int privileged, FILE *out);

#endif /* GW_BGP_H */
