/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_ROUTING_H
#define GW_ROUTING_H

/*
 * Routing on the control core (routing.c): lib/route's RIB holds every
 * path (connected networks, connections' static routes, what BGP
 * learned through FRR) and
 * selects among them; the selection becomes the workers' next FIB.
 */

#include "vpn_cfg.h"
#include "vpn_rib.h"

/* cfg's connected networks and static routes replace those in the RIB,
 * and the selection (with cfg's remote networks) is published to the
 * workers. 0 or -errno (logged; the workers keep the FIB they had). */
int vpngw_routing_apply(const struct vpn_cfg *cfg);
/* BGP's paths to addr/len (from FRR's zebra, all of them at once)
 * replace those the RIB had; none: withdrawn. 0 or -errno. Published by
 * the next vpngw_routing_publish. */
int vpngw_routing_bgp_route(uint32_t addr, uint8_t len,
                            const struct vpn_rib_path *paths, unsigned int n);
/* Every BGP path of conn and tunnel (VPN_RIB_ANY: all) goes: a session
 * or the route feed lost. How many. */
unsigned int vpngw_routing_bgp_flush(int conn, int tunnel);
/* When the selection changed since it was last published: a new FIB
 * for the workers (cfg: the running model). 0 or -errno (logged). */
int vpngw_routing_publish(const struct vpn_cfg *cfg);
/* The RIB, for the console (under the control lock); NULL before the
 * first apply. */
const struct vpn_rib *vpngw_routing_rib(void);
void vpngw_routing_stop(void);

#endif /* GW_ROUTING_H */
