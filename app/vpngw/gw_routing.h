/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_ROUTING_H
#define GW_ROUTING_H

/*
 * Routing on the control core (routing.c): lib/route's RIB holds every
 * path (connected networks, connections' static routes; BGP next) and
 * selects among them; the selection becomes the workers' next FIB.
 */

#include "vpn_cfg.h"
#include "vpn_rib.h"

/* cfg's connected networks and static routes replace those in the RIB,
 * and the selection (with cfg's remote networks) is published to the
 * workers. 0 or -errno (logged; the workers keep the FIB they had). */
int vpngw_routing_apply(const struct vpn_cfg *cfg);
/* The RIB, for the console (under the control lock); NULL before the
 * first apply. */
const struct vpn_rib *vpngw_routing_rib(void);
void vpngw_routing_stop(void);

#endif /* GW_ROUTING_H */
