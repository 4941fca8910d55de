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
#include "vpn_route.h"

static struct vpn_rib *rib;

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

/* The selection as the FIB takes it (connected networks are the ports'
 * own: the workers reach them without the FIB), and cfg's remote
 * networks; published. */
static int
publish(const struct vpn_cfg *cfg)
{
	unsigned int n = vpn_rib_prefixes(rib), nr = 0, nrem = 0, max = 0;
	struct vpn_rib_route *sel = calloc(n ? n : 1, sizeof(*sel));
	struct vpn_route *routes = calloc(n ? n : 1, sizeof(*routes));
	struct vpn_route *remote;
	int rc;

	for (unsigned int i = 0; i < cfg->n_conns; i++)
		max += cfg->conns[i].remote_networks.n;
	remote = calloc(max ? max : 1, sizeof(*remote));
	if (sel == NULL || routes == NULL || remote == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	n = vpn_rib_routes(rib, sel, n);
	for (unsigned int i = 0; i < n; i++)
		if (sel[i].nh.src != VPN_RIB_CONNECTED)
			routes[nr++] = (struct vpn_route){
			        sel[i].addr, sel[i].len, sel[i].nh.conn};
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_prefix_list *l =
		        &cfg->conns[i].remote_networks;

		for (unsigned int k = 0; k < l->n; k++)
			if (l->v[k].family == AF_INET)
				remote[nrem++] = (struct vpn_route){
				        vpn_prefix_v4_addr(&l->v[k]),
				        (uint8_t)l->v[k].len,
				        cfg->conns[i].slot};
	}
	rc = vpngw_dp_set_routes(routes, nr, remote, nrem);
out:
	free(sel);
	free(routes);
	free(remote);
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
	if (rc != 0)
		vpngw_log("routing: cannot publish the routes: %s",
		          strerror(-rc));
	return rc;
}
