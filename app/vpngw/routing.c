/* SPDX-License-Identifier: BSD-3-Clause */
/* Routing on the control core: the RIB and what it publishes
 * (gw_routing.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gw_dp.h"
#include "gw_log.h"
#include "gw_routing.h"
#include "vpn_pkt.h"
#include "vpn_route.h"

static struct vpn_rib *rib;
static bool pending; /* a selection the workers don't have yet */

const struct vpn_rib *
vpngw_routing_rib(void)
{
	return rib;
}

void
vpngw_routing_stop(void)
{
	vpn_rib_free(rib);
	rib = NULL;
}

/* An IPv4 prefix of cfg into the RIB as a src path of conn (IPv6 inner
 * routing is to come). 0 or -errno. */
static int
rib_add_prefix(const struct vpn_prefix *p, enum vpn_rib_src src, uint32_t conn)
{
	uint32_t mask = p->len ? ~0u << (32 - p->len) : 0;
	struct vpn_rib_path path = {.addr = vpn_prefix_v4_addr(p) & mask,
	                            .len = (uint8_t)p->len,
	                            .src = (uint8_t)src,
	                            .conn = conn};
	int rc;

	if (p->family != AF_INET)
		return 0;
	rc = vpn_rib_add(rib, &path);
	return rc < 0 ? rc : 0;
}

/* Which tunnels a selection uses, as the FIB says it (enum vpn_via). */
static uint8_t
via_of(const struct vpn_rib_nh *nh)
{
	if (nh->mode == VPN_RIB_STEER)
		return VPN_VIA_STEER;
	if (nh->mode == VPN_RIB_ACTIVE && nh->tunnels == 3)
		return VPN_VIA_BOTH;
	/* A path over one tunnel only, or the better of two: that one
	 * while it is up (its session's hold timer takes longer than
	 * the tunnel's own liveness), else the other. */
	if (nh->mode == VPN_RIB_ACTIVE)
		return nh->tunnels == 2 ? VPN_VIA_PREFER2 : VPN_VIA_PREFER1;
	return nh->primary == 1 ? VPN_VIA_PREFER2 : VPN_VIA_PREFER1;
}

/* A tunnel's inside /30 when the connection uses it (BGP, health
 * checks), or false. */
static bool
inside_net(const struct vpn_cfg_conn *c, int t, struct vpn_route *r)
{
	const struct vpn_prefix *p = &c->tunnels[t].inside_cidr;

	if (!vpn_cfg_uses_inside(c) || p->family != AF_INET)
		return false;
	*r = (struct vpn_route){
	        .addr = vpn_prefix_v4_addr(p) & ~3u,
	        .len = 30,
	        .via = (uint8_t)(t == 0 ? VPN_VIA_ONLY1 : VPN_VIA_ONLY2),
	        .conn = c->slot};
	return true;
}

/* The selection as the FIB takes it (connected networks are the ports'
 * own: the workers reach them without the FIB; a BGP connection's
 * inside /30s each go into their own tunnel and nowhere else), and
 * cfg's remote networks (with those /30s); published. */
static int
publish(const struct vpn_cfg *cfg)
{
	unsigned int n = vpn_rib_prefixes(rib), nr = 0, nrem = 0, max = 0;
	unsigned int nin = VPN_TUNNELS * cfg->n_conns;
	struct vpn_rib_route *sel = calloc(n ? n : 1, sizeof(*sel));
	struct vpn_route *routes = calloc(n + nin + 1, sizeof(*routes));
	struct vpn_route *remote;
	int rc;

	for (unsigned int i = 0; i < cfg->n_conns; i++)
		max += cfg->conns[i].remote_networks.n;
	remote = calloc(max + nin + 1, sizeof(*remote));
	if (sel == NULL || routes == NULL || remote == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	n = vpn_rib_routes(rib, sel, n);
	for (unsigned int i = 0; i < n; i++)
		if (sel[i].nh.src != VPN_RIB_CONNECTED)
			routes[nr++] =
			        (struct vpn_route){.addr = sel[i].addr,
			                           .len = sel[i].len,
			                           .via = via_of(&sel[i].nh),
			                           .conn = sel[i].nh.conn};
	/* After the RIB's: the same prefix twice, the later one wins. */
	for (unsigned int i = 0; i < cfg->n_conns; i++)
		for (int t = 0; t < VPN_TUNNELS; t++)
			if (inside_net(&cfg->conns[i], t, &routes[nr])) {
				remote[nrem] = routes[nr++];
				remote[nrem++].via = 0;
			}
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_prefix_list *l =
		        &cfg->conns[i].remote_networks;

		for (unsigned int k = 0; k < l->n; k++)
			if (l->v[k].family == AF_INET)
				remote[nrem++] = (struct vpn_route){
				        .addr = vpn_prefix_v4_addr(&l->v[k]),
				        .len = (uint8_t)l->v[k].len,
				        .conn = cfg->conns[i].slot};
	}
	rc = vpngw_dp_set_routes(routes, nr, remote, nrem);
out:
	free(sel);
	free(routes);
	free(remote);
	return rc;
}

int
vpngw_routing_bgp_route(uint32_t addr, uint8_t len,
                        const struct vpn_rib_path *paths, unsigned int n)
{
	int rc = 0;

	if (rib == NULL)
		return -EINVAL;
	vpn_rib_flush_prefix(rib, addr, len, VPN_RIB_BGP);
	for (unsigned int i = 0; rc >= 0 && i < n; i++)
		rc = vpn_rib_add(rib, &paths[i]);
	return rc < 0 ? rc : 0;
}

unsigned int
vpngw_routing_bgp_flush(int conn, int tunnel)
{
	return rib ? vpn_rib_flush(rib, VPN_RIB_BGP, conn, tunnel) : 0;
}

int
vpngw_routing_publish(const struct vpn_cfg *cfg)
{
	int rc;

	if (rib == NULL || cfg == NULL || (!vpn_rib_changed(rib) && !pending))
		return 0;
	rc = publish(cfg);
	/* Failed: the workers keep the old FIB; tried again next time. */
	if (rc != 0 && !pending)
		vpngw_log("routing: cannot publish the routes: %s",
		          strerror(-rc));
	pending = rc != 0;
	return rc;
}

int
vpngw_routing_apply(const struct vpn_cfg *cfg)
{
	const struct vpn_cfg_appliance *a = &cfg->appliance;
	int rc = 0;

	if (rib == NULL && (rib = vpn_rib_new()) == NULL) {
		vpngw_log("routing: out of memory");
		return -ENOMEM;
	}
	vpn_rib_flush(rib, VPN_RIB_CONNECTED, VPN_RIB_ANY, VPN_RIB_ANY);
	vpn_rib_flush(rib, VPN_RIB_STATIC, VPN_RIB_ANY, VPN_RIB_ANY);
	for (unsigned int i = 0; rc == 0 && i < a->n_ports; i++)
		if (a->ports[i].address.family != 0)
			rc = rib_add_prefix(&a->ports[i].address,
			                    VPN_RIB_CONNECTED, i);
	for (unsigned int i = 0; rc == 0 && i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];

		for (unsigned int k = 0; rc == 0 && k < c->static_routes.n; k++)
			rc = rib_add_prefix(&c->static_routes.v[k],
			                    VPN_RIB_STATIC, c->slot);
	}
	if (rc == 0)
		rc = publish(cfg);
	(void)vpn_rib_changed(rib);
	pending = rc != 0;
	if (rc != 0)
		vpngw_log("routing: cannot publish the routes: %s",
		          strerror(-rc));
	return rc;
}
