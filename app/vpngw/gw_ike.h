/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_IKE_H
#define GW_IKE_H

/* IKE on the control core (ike.c). */

#include <stdint.h>

#include "gw_sa.h"
#include "vpn_cfg.h"
#include "vpn_ike.h"

/* IKE on the control core (ike.c): one engine for every tunnel without
 * manual keys, its sockets on the exception path's addresses (ports 500
 * and 4500), Child SAs installed through sas and the data plane. 0 (also
 * when no tunnel uses IKE) or -errno (logged). */
int vpngw_ike_start(const struct vpn_cfg *cfg, struct vpngw_sas *sas);
/* appliance.ike_helpers threads making DH key pairs ahead: started once
 * privileges are dropped (they run at SCHED_IDLE, and the drop waits
 * for every thread to take a signal). */
void vpngw_ike_helpers_start(const struct vpn_cfg *cfg);
/* A tunnel of a connection (a new one, or at start) into IKE; nothing
 * for manual keys. 0 or -errno (logged). */
int vpngw_ike_tunnel_add(const struct vpn_cfg *cfg,
                         const struct vpn_cfg_conn *c, int ti);
/* Its settings changed: it negotiates again under the new ones. 0 or
 * -errno (-ENOENT: IKE has no such tunnel). */
int vpngw_ike_tunnel_update(const struct vpn_cfg *cfg,
                            const struct vpn_cfg_conn *c, int ti);
/* The PKI certificate tunnels sign with from now on (a reload renewed
 * the files); established SAs stay. */
void vpngw_ike_pki(const struct vpn_pki *pki);
/* Its connection was deleted: SAs deleted, the tunnel forgotten. */
void vpngw_ike_tunnel_remove(unsigned int slot, unsigned int ti);
enum { VPNGW_TUNNEL_UP, VPNGW_TUNNEL_DOWN, VPNGW_TUNNEL_RESET };
/* Whether IKE has a peer for it. */
bool vpngw_ike_tunnel_known(unsigned int slot, unsigned int ti);
/* tunnel N up|down|reset. 0 or -ENOENT (not an IKE tunnel). */
int vpngw_ike_tunnel_admin(unsigned int slot, unsigned int ti, int what);
/* Seconds left of the Child SA with this SPI (either direction). 0 or
 * -ENOENT. */
int vpngw_ike_sa_life(uint32_t spi, uint32_t *left_s);
/* Read what arrived and run the timers: call it every loop turn. */
void vpngw_ike_poll(void);
/* Sleep up to ms milliseconds, waking early when an IKE datagram
 * arrives (so IKE answers without the loop's tick in its latency). */
void vpngw_ike_wait(int ms);
/* Delete every IKE SA with its peer, close the sockets. */
void vpngw_ike_stop(void);
/* A tunnel's IKE state as last published by the control core (every
 * 100 ms), for other threads (telemetry). */
struct vpngw_ike_info {
	char name[VPN_NAME_MAX + 8];
	unsigned int conn, ti; /* connection slot, tunnel index */
	unsigned int peer;     /* IKE's peer: never reused while running */
	struct vpn_ike_peer_info ike;
	/* ESP in and out over every Child SA the tunnel has had (across
	 * rekeys, for the life of the process). */
	struct vpn_esp_stats esp_in, esp_out;
};
/* The engine's counters and up to max tunnels' states: how many. */
unsigned int vpngw_ike_read(struct vpn_ike_stats *st,
                            struct vpngw_ike_info *info, unsigned int max);

#endif /* GW_IKE_H */
