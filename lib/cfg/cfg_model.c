/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
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
