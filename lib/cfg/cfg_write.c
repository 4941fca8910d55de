/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The normalised configuration (vpngw -nv): every option of every object,
 * defaults filled in, in libconfig syntax that loads back to the same model.
 */
#include <string.h>

#include "cfg_priv.h"

#define LINE_MAX_LEN 16384 /* 100 IPv6 prefixes fit */

static void
write_options(enum vpn_obj kind, const void *obj, int depth, FILE *out)
{
	char buf[LINE_MAX_LEN];

	for (unsigned int i = 0; i < vpn_opt_count(kind); i++) {
		const struct opt *o = &vpn_opt_tables[kind].opts[i];

		const struct vpn_src *src =
		        obj_src(kind, (void *)(uintptr_t)obj);

		if (src->derived & (1ull << i))
			/* Filled in from another object: written down it
			 * would stop following that one. */
			fprintf(out, "%*s# %s = %s; (derived)\n", depth * 2, "",
			        o->name,
			        vpn_opt_format(kind, obj, (int)i, buf,
			                       sizeof(buf))
			                ? buf
			                : "?");
		else if (vpn_opt_format(kind, obj, (int)i, buf, sizeof(buf)))
			fprintf(out, "%*s%s = %s;\n", depth * 2, "", o->name,
			        buf);
		else
			fprintf(out, "%*s# %s: not set%s\n", depth * 2, "",
			        o->name,
			        strcmp(o->name, "psk") == 0 ||
			                        strcmp(o->name,
			                               "inside_cidr") == 0
			                ? " (generated at start, kept in "
			                  "state_dir)"
			                : "");
	}
}

static void
open_group(const char *name, int depth, FILE *out)
{
	if (name)
		fprintf(out, "%*s%s:\n", depth * 2, "", name);
	fprintf(out, "%*s{\n", depth * 2, "");
}

static void
close_group(int depth, bool last, bool named, FILE *out)
{
	fprintf(out, "%*s}%s\n", depth * 2, "", named ? ";" : last ? "" : ",");
}

void
vpn_cfg_write(const struct vpn_cfg *cfg, FILE *out)
{
	const struct vpn_cfg_appliance *a = &cfg->appliance;

	fprintf(out,
	        "# vpngw configuration, normalised by vpngw -nv from %s:\n"
	        "# every option with its value or default.\n\n",
	        cfg->file ? cfg->file : "(memory)");
	open_group("appliance", 0, out);
	write_options(VPN_OBJ_APPLIANCE, a, 1, out);
	fprintf(out, "  ports = (\n");
	for (unsigned int i = 0; i < a->n_ports; i++) {
		open_group(NULL, 2, out);
		write_options(VPN_OBJ_PORT, &a->ports[i], 3, out);
		close_group(2, i + 1 == a->n_ports, false, out);
	}
	fprintf(out, "  );\n");
	open_group("console", 1, out);
	write_options(VPN_OBJ_CONSOLE, &a->console, 2, out);
	close_group(1, true, true, out);
	open_group("pki", 1, out);
	write_options(VPN_OBJ_PKI, &a->pki, 2, out);
	close_group(1, true, true, out);
	close_group(0, true, true, out);

	fprintf(out, "\ncustomer_gateways = (\n");
	for (unsigned int i = 0; i < cfg->n_cgws; i++) {
		open_group(NULL, 1, out);
		write_options(VPN_OBJ_CGW, &cfg->cgws[i], 2, out);
		close_group(1, i + 1 == cfg->n_cgws, false, out);
	}
	fprintf(out, ");\n\nvpn_connections = (\n");
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];

		open_group(NULL, 1, out);
		write_options(VPN_OBJ_CONN, c, 2, out);
		fprintf(out, "    tunnels = (\n");
		for (int t = 0; t < VPN_TUNNELS; t++) {
			open_group(NULL, 3, out);
			write_options(VPN_OBJ_TUNNEL, &c->tunnels[t], 4, out);
			if (c->tunnels[t].manual.present) {
				open_group("manual_keys", 4, out);
				write_options(VPN_OBJ_MANUAL,
				              &c->tunnels[t].manual, 5, out);
				close_group(4, true, true, out);
			}
			close_group(3, t + 1 == VPN_TUNNELS, false, out);
		}
		fprintf(out, "    );\n");
		close_group(1, i + 1 == cfg->n_conns, false, out);
	}
	fprintf(out, ");\n");
}

void
vpn_cfg_summary(const struct vpn_cfg *cfg, FILE *out)
{
	const struct vpn_cfg_appliance *a = &cfg->appliance;
	char b1[16], b2[16], p[VPN_PREFIX_STRLEN];

	fprintf(out,
	        "appliance %s: control lcore %lld, %u worker(s), %u "
	        "outside address(es), BGP ASN %lld\n",
	        a->name, (long long)a->control_lcore, a->n_workers,
	        a->n_outside, (long long)a->bgp_asn);
	for (unsigned int i = 0; i < a->n_ports; i++)
		fprintf(out, "  port %s (%s): %s, %lld queue(s), mtu %lld\n",
		        a->ports[i].name, vpn_port_role_name(a->ports[i].role),
		        a->ports[i].device, (long long)a->ports[i].queues,
		        (long long)a->ports[i].mtu);
	fprintf(out, "  console %s:%u, user %s, password %s\n",
	        vpn_ipv4_format(a->console.listen_addr, b1),
	        a->console.listen_port, a->console.user,
	        a->console.password_hash[0] ? "set" : "none (loopback only)");
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];
		const struct vpn_cfg_cgw *g =
		        c->cgw >= 0 ? &cfg->cgws[c->cgw] : NULL;

		fprintf(out,
		        "connection %s: customer gateway %s (%s), routing %s, "
		        "%s%s, %s\n",
		        c->name, c->customer_gateway,
		        g && opt_given(&g->src, OPT_IDX(VPN_OBJ_CGW, "address"))
		                ? vpn_ipv4_format(g->address, b1)
		                : "any address",
		        vpn_routing_name(c->routing),
		        vpn_attachment_name(c->attachment),
		        c->acceleration ? " accelerated" : "",
		        vpn_steering_name(c->steering));
		for (int t = 0; t < VPN_TUNNELS; t++) {
			const struct vpn_cfg_tunnel *tu = &c->tunnels[t];
			bool has_cidr =
			        tu->inside_cidr_generated ||
			        opt_given(&tu->src, OPT_IDX(VPN_OBJ_TUNNEL,
			                                    "inside_cidr"));

			fprintf(out,
			        "  tunnel %d: %s -> %s, inside %s%s, auth "
			        "%s%s, "
			        "startup %s, dpd %llds %s\n",
			        t + 1, vpn_ipv4_format(tu->outside_address, b1),
			        opt_given(&tu->src, OPT_IDX(VPN_OBJ_TUNNEL,
			                                    "remote_address"))
			                ? vpn_ipv4_format(tu->remote_address,
			                                  b2)
			                : "any",
			        has_cidr
			                ? vpn_prefix_format(&tu->inside_cidr, p)
			                : "(generated at start)",
			        tu->inside_cidr_generated ? " (generated)" : "",
			        g ? vpn_auth_name(g->auth) : "?",
			        tu->psk_generated ? " (generated)" : "",
			        vpn_startup_name(tu->startup_action),
			        (long long)tu->dpd_timeout,
			        vpn_dpd_action_name(tu->dpd_action));
		}
	}
}
