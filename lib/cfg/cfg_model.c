/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_priv.h"

struct vpn_cfg *
vpn_cfg_new(void)
{
	struct vpn_cfg *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL)
		return NULL;
	vpn_obj_defaults(VPN_OBJ_APPLIANCE, &cfg->appliance);
	vpn_obj_defaults(VPN_OBJ_CONSOLE, &cfg->appliance.console);
	vpn_obj_defaults(VPN_OBJ_PKI, &cfg->appliance.pki);
	return cfg;
}

void
vpn_cfg_free(struct vpn_cfg *cfg)
{
	if (cfg == NULL)
		return;
	/* PSKs are secrets: don't leave them in freed memory. */
	for (unsigned int i = 0; i < cfg->n_conns; i++)
		for (int t = 0; t < VPN_TUNNELS; t++)
			explicit_bzero(cfg->conns[i].tunnels[t].psk,
			               sizeof(cfg->conns[i].tunnels[t].psk));
	free(cfg->cgws);
	free(cfg->conns);
	free(cfg->file);
	free(cfg);
}

struct vpn_cfg *
vpn_cfg_dup(const struct vpn_cfg *cfg)
{
	struct vpn_cfg *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	*n = *cfg;
	n->file = cfg->file ? strdup(cfg->file) : NULL;
	n->cgws = cfg->n_cgws ? calloc(cfg->n_cgws, sizeof(*n->cgws)) : NULL;
	n->conns =
	        cfg->n_conns ? calloc(cfg->n_conns, sizeof(*n->conns)) : NULL;
	if ((cfg->file && n->file == NULL) || (cfg->n_cgws && !n->cgws) ||
	    (cfg->n_conns && !n->conns)) {
		n->n_conns = 0;
		vpn_cfg_free(n);
		return NULL;
	}
	if (cfg->n_cgws)
		memcpy(n->cgws, cfg->cgws, cfg->n_cgws * sizeof(*n->cgws));
	if (cfg->n_conns)
		memcpy(n->conns, cfg->conns, cfg->n_conns * sizeof(*n->conns));
	return n;
}

/* One more zeroed element at the end of *arr (n of them, at most max);
 * NULL with errno (ENOSPC, ENOMEM). */
static void *
append(void **arr, unsigned int *n, size_t size, unsigned int max)
{
	char *v;

	if (*n >= max) {
		errno = ENOSPC;
		return NULL;
	}
	v = realloc(*arr, (*n + 1) * size);
	if (v == NULL)
		return NULL;
	*arr = v;
	memset(v + *n * size, 0, size);
	return v + (*n)++ * size;
}

struct vpn_cfg_conn *
vpn_cfg_conn_find(const struct vpn_cfg *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->n_conns; i++)
		if (strcmp(cfg->conns[i].name, name) == 0)
			return &cfg->conns[i];
	return NULL;
}

struct vpn_cfg_conn *
vpn_cfg_conn_add(struct vpn_cfg *cfg, const char *name, const char *cgw,
                 unsigned int slot)
{
	struct vpn_cfg_conn *c;

	if (vpn_cfg_conn_find(cfg, name) != NULL) {
		errno = EEXIST;
		return NULL;
	}
	c = append((void **)&cfg->conns, &cfg->n_conns, sizeof(*c),
	           VPN_MAX_CONNS);
	if (c == NULL)
		return NULL;
	vpn_obj_defaults(VPN_OBJ_CONN, c);
	for (int t = 0; t < VPN_TUNNELS; t++)
		vpn_obj_defaults(VPN_OBJ_TUNNEL, &c->tunnels[t]);
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->customer_gateway, sizeof(c->customer_gateway), "%s", cgw);
	c->src.set |= 1ull << vpn_opt_find(VPN_OBJ_CONN, "name");
	c->src.set |= 1ull << vpn_opt_find(VPN_OBJ_CONN, "customer_gateway");
	c->cgw = -1;
	c->slot = slot;
	return c;
}

int
vpn_cfg_conn_del(struct vpn_cfg *cfg, const char *name)
{
	struct vpn_cfg_conn *c = vpn_cfg_conn_find(cfg, name);
	size_t i;

	if (c == NULL)
		return -ENOENT;
	i = (size_t)(c - cfg->conns);
	for (int t = 0; t < VPN_TUNNELS; t++)
		explicit_bzero(c->tunnels[t].psk, sizeof(c->tunnels[t].psk));
	memmove(c, c + 1, (cfg->n_conns - i - 1) * sizeof(*c));
	cfg->n_conns--;
	return 0;
}

struct vpn_cfg_cgw *
vpn_cfg_cgw_find(const struct vpn_cfg *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->n_cgws; i++)
		if (strcmp(cfg->cgws[i].name, name) == 0)
			return &cfg->cgws[i];
	return NULL;
}

struct vpn_cfg_cgw *
vpn_cfg_cgw_add(struct vpn_cfg *cfg, const char *name)
{
	struct vpn_cfg_cgw *g;

	if (vpn_cfg_cgw_find(cfg, name) != NULL) {
		errno = EEXIST;
		return NULL;
	}
	g = append((void **)&cfg->cgws, &cfg->n_cgws, sizeof(*g), VPN_MAX_CGWS);
	if (g == NULL)
		return NULL;
	vpn_obj_defaults(VPN_OBJ_CGW, g);
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->src.set |= 1ull << vpn_opt_find(VPN_OBJ_CGW, "name");
	return g;
}

int
vpn_cfg_cgw_del(struct vpn_cfg *cfg, const char *name)
{
	struct vpn_cfg_cgw *g = vpn_cfg_cgw_find(cfg, name);
	size_t i;

	if (g == NULL)
		return -ENOENT;
	for (unsigned int c = 0; c < cfg->n_conns; c++)
		if (strcmp(cfg->conns[c].customer_gateway, name) == 0)
			return -EBUSY;
	i = (size_t)(g - cfg->cgws);
	memmove(g, g + 1, (cfg->n_cgws - i - 1) * sizeof(*g));
	cfg->n_cgws--;
	/* Keep the connections' indices pointing at the same gateways until
	 * vpn_cfg_check resolves them again by name. */
	for (unsigned int c = 0; c < cfg->n_conns; c++)
		if (cfg->conns[c].cgw > (int)i)
			cfg->conns[c].cgw--;
	return 0;
}

static const char *
enum_name(const char *const *names, int v)
{
	for (int i = 0; names[i] != NULL; i++)
		if (i == v)
			return names[i];
	return "?";
}

#define NAMER(fn, names)                    \
	const char *fn(int v)               \
	{                                   \
		return enum_name(names, v); \
	}

NAMER(vpn_routing_name, cfg_routing_names)
NAMER(vpn_attachment_name, cfg_attach_names)
NAMER(vpn_steering_name, cfg_steer_names)
NAMER(vpn_dpd_action_name, cfg_dpd_names)
NAMER(vpn_startup_name, cfg_startup_names)
NAMER(vpn_auth_name, cfg_auth_names)
NAMER(vpn_port_role_name, cfg_role_names)
NAMER(vpn_encap_name, cfg_encap_names)
