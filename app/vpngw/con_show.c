/* SPDX-License-Identifier: BSD-3-Clause */
/* The show commands: tunnels, connections, SAs, routes, interfaces, counters,
 * the log, the running configuration and the customer gateway's. See console.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_version.h>

#include "gw_bgp.h"
#include "gw_pki.h"
#include "con_priv.h"

/* ---- what the tables say --------------------------------------------------
 */

#define MAXT (VPN_MAX_CONNS * VPN_TUNNELS)
static struct vpngw_tunnel_view g_view[MAXT];
static struct vpngw_ike_info g_ike[MAXT];
static unsigned int g_nview, g_nike;

/* Read the tunnel tables (under the control lock: one reader at once). */
static void
snapshot(void)
{
	g_nview = vpngw_view_tunnels(g_view, MAXT);
	g_nike = vpngw_ike_read(NULL, g_ike, MAXT);
}

/* Tunnel ti of connection slot in the snapshot, or NULL. */
static const struct vpngw_tunnel_view *
view_of(unsigned int slot, unsigned int ti)
{
	for (unsigned int i = 0; i < g_nview; i++)
		if (g_view[i].slot == slot && g_view[i].ti == ti)
			return &g_view[i];
	return NULL;
}

/* ---- show version, connections, tunnels -------------------------------- */

CMD(show_version)
{
	const struct vpn_cfg *cfg = vpngw_running();
	bool json = con_has_flag(cli, "json");
	double up = difftime(time(NULL), con_started);

	if (json) {
		fprintf(o, "{\"version\": \"%s\", \"dpdk\": ", VPNGW_VERSION);
		con_json_str(o, rte_version());
		fprintf(o, ", \"name\": ");
		con_json_str(o, cfg->appliance.name);
		fprintf(o,
		        ", \"uptime_s\": %.0f, \"workers\": %u, "
		        "\"connections\": %u}\n",
		        up, cfg->appliance.n_workers, cfg->n_conns);
		return;
	}
	fprintf(o, "vpngw %s (%s)\n", VPNGW_VERSION, rte_version());
	fprintf(o, "appliance %s, up ", cfg->appliance.name);
	con_uptime(o, up);
	fprintf(o, ", %u worker(s), %u connection(s), TSC %.0f MHz\n",
	        cfg->appliance.n_workers, cfg->n_conns,
	        (double)rte_get_tsc_hz() / 1e6);
}

CMD(show_connections)
{
	const struct vpn_cfg *cfg = vpngw_running();
	bool json = con_has_flag(cli, "json");
	char b[16];

	snapshot();
	if (json)
		fprintf(o, "[");
	else
		fprintf(o, "%-20s %-16s %-15s %-7s %-6s %s\n", "Connection",
		        "Customer gw", "CGW address", "Routing", "State",
		        "Tunnels up");
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];
		const struct vpn_cfg_cgw *g = &cfg->cgws[c->cgw];
		unsigned int up = 0;

		for (unsigned int t = 0; t < VPN_TUNNELS; t++) {
			const struct vpngw_tunnel_view *v = view_of(c->slot, t);

			up += v && v->up;
		}
		if (json) {
			fprintf(o, "%s{\"name\": ", i ? ", " : "");
			con_json_str(o, c->name);
			fprintf(o, ", \"customer_gateway\": ");
			con_json_str(o, g->name);
			fprintf(o,
			        ", \"cgw_address\": \"%s\", \"routing\": "
			        "\"%s\", \"acceleration\": %s, "
			        "\"tunnels_up\": %u}",
			        con_ip(g->address, b),
			        vpn_routing_name(c->routing),
			        c->acceleration ? "true" : "false", up);
			continue;
		}
		fprintf(o, "%-20s %-16s %-15s %-7s %-6s %u of 2\n", c->name,
		        g->name, con_ip(g->address, b),
		        vpn_routing_name(c->routing),
		        up == 2 ? "UP"
		        : up    ? "DEGRADED"
		                : "DOWN",
		        up);
	}
	if (json)
		fprintf(o, "]\n");
}

/* s minus the base b, counter by counter. */
static void
esp_sub(struct vpn_esp_stats *s, const struct vpn_esp_stats *b)
{
	s->packets -= b->packets;
	s->bytes -= b->bytes;
	for (int r = 0; r < VPN_ESP_REASON_MAX; r++)
		s->drops[r] -= b->drops[r];
}

/* JSON renderer of a view's fields (gw_view.h). */
struct json_out {
	FILE *o;
	bool first;
};

static void
json_key(struct json_out *j, const char *key)
{
	fprintf(j->o, "%s\"%s\": ", j->first ? "" : ", ", key);
	j->first = false;
}

static void
json_str(void *ctx, const char *key, const char *v)
{
	json_key(ctx, key);
	con_json_str(((struct json_out *)ctx)->o, v);
}

static void
json_u64(void *ctx, const char *key, uint64_t v)
{
	json_key(ctx, key);
	fprintf(((struct json_out *)ctx)->o, "%llu", (unsigned long long)v);
}

static void
json_num(void *ctx, const char *key, int64_t v)
{
	json_key(ctx, key);
	fprintf(((struct json_out *)ctx)->o, "%lld", (long long)v);
}

static void
json_flag(void *ctx, const char *key, bool v)
{
	json_key(ctx, key);
	fprintf(((struct json_out *)ctx)->o, "%s", v ? "true" : "false");
}

/* Drops by reason, every reason (DUMMY counts the keepalives heard). */
static void
json_drops(void *ctx, const char *key, const struct vpn_esp_stats *s)
{
	FILE *o = ((struct json_out *)ctx)->o;
	bool first = true;

	json_key(ctx, key);
	fprintf(o, "{");
	for (int r = 1; r < VPN_ESP_REASON_MAX; r++) {
		fprintf(o, "%s\"%s\": %llu", first ? "" : ", ",
		        vpn_esp_reason_name(r),
		        (unsigned long long)s->drops[r]);
		first = false;
	}
	fprintf(o, "}");
}

static const struct vpngw_view_out json_out = {json_str, json_u64, json_num,
                                               json_flag, json_drops};

/* v's ESP counters since clear counters (a tunnel made since, or made
 * again under the same name: another IKE peer, counts from zero). */
static void
since_clear(struct vpngw_tunnel_view *v)
{
	const struct con_tunnel_base *b = NULL;

	for (unsigned int i = 0; i < con_cleared.ntun; i++)
		if (con_cleared.tun[i].slot == v->slot &&
		    con_cleared.tun[i].ti == v->ti &&
		    con_cleared.tun[i].ike_peer == v->ike_peer &&
		    strcmp(con_cleared.tun[i].name, v->name) == 0)
			b = &con_cleared.tun[i];
	if (b == NULL)
		return;
	esp_sub(&v->in, &b->in);
	esp_sub(&v->out, &b->out);
}

/* The reasons s dropped packets for, as "NAME n, ..." or "none". */
static void
drops_text(FILE *o, const struct vpn_esp_stats *s)
{
	bool any = false;

	for (int r = 1; r < VPN_ESP_REASON_MAX; r++) {
		if (r == VPN_ESP_DUMMY || s->drops[r] == 0)
			continue;
		fprintf(o, "%s%s %llu", any ? ", " : "", vpn_esp_reason_name(r),
		        (unsigned long long)s->drops[r]);
		any = true;
	}
	fprintf(o, "%s", any ? "" : "none");
}

static void
tunnel_detail(FILE *o, const struct vpngw_tunnel_view *v)
{
	const struct vpn_cfg_tunnel *tu = v->cfg;
	char a[16], b[16], p[VPN_PREFIX_STRLEN];

	fprintf(o, "Tunnel %s is %s%s\n", v->name, v->up ? "up" : "down",
	        v->admin_down ? " (administratively down)" : "");
	fprintf(o, "  outside %s -> %s", con_ip(v->outside, a),
	        v->learned && v->remote == 0 ? "any" : con_ip(v->remote, b));
	if (v->learned && v->remote != 0)
		fprintf(o, " (no fixed address: IKE heard it at %s:%u)",
		        con_ip(v->remote, b), v->rport);
	else if (v->learned)
		fprintf(o, " (no fixed address: not heard yet)");
	fprintf(o, ", inside %s (ours %s)\n", vpn_prefix_format(&v->inside, p),
	        con_ip(v->ours, a));
	fprintf(o, "  phase 1 %s, phase 2 %s, keying %s\n", v->phase1,
	        v->up ? "up" : "down", v->manual ? "manual" : "IKEv2");
	if (v->since_s >= 0) {
		fprintf(o, "  last change ");
		con_uptime(o, v->since_s);
		fprintf(o, " ago: %s\n", v->why);
	} else
		fprintf(o, "  no change since the start\n");
	if (!v->manual)
		fprintf(o,
		        "  IKE: %s; NAT-T %s; Child SA in 0x%08x out 0x%08x\n",
		        v->ike_last, v->nat ? "yes" : "no", v->spi_in,
		        v->spi_out);
	else
		fprintf(o, "  SA in 0x%08x out 0x%08x%s\n", v->spi_in,
		        v->spi_out, v->nat ? ", ESP in UDP" : "");
	fprintf(o,
	        "  ESP%s: in %llu packets %llu bytes, out %llu packets "
	        "%llu bytes\n",
	        v->manual ? "" : " over every Child SA",
	        (unsigned long long)v->in.packets,
	        (unsigned long long)v->in.bytes,
	        (unsigned long long)v->out.packets,
	        (unsigned long long)v->out.bytes);
	fprintf(o, "  drops in: ");
	drops_text(o, &v->in);
	fprintf(o, "; out: ");
	drops_text(o, &v->out);
	fprintf(o, "\n");
	if (v->manual) {
		fprintf(o, "  ESP last heard ");
		if (v->silent_s >= 0)
			fprintf(o, "%.1f s ago", v->silent_s);
		else
			fprintf(o, "never");
		fprintf(o, ", %llu keepalives sent, %llu state changes\n",
		        (unsigned long long)v->keepalives,
		        (unsigned long long)v->changes);
	} else
		fprintf(o, "  %llu state changes\n",
		        (unsigned long long)v->changes);
	fprintf(o,
	        "  dpd %llds %s, startup %s, lifetimes IKE %llds Child "
	        "%llds\n",
	        (long long)tu->dpd_timeout, vpn_dpd_action_name(tu->dpd_action),
	        vpn_startup_name(tu->startup_action),
	        (long long)tu->phase1_lifetime, (long long)tu->phase2_lifetime);
}

/* A tunnel (CONNECTION/N) or connection name names view v. */
static bool
names(const char *want, const struct vpngw_tunnel_view *v)
{
	size_t n = strlen(want);

	return strcmp(want, v->name) == 0 ||
	       (strncmp(want, v->name, n) == 0 && v->name[n] == '/');
}

CMD(show_tunnels)
{
	bool json = con_has_flag(cli, "json"),
	     detail = con_has_flag(cli, "detail");
	const char *want = cli_get_optarg_value(cli, "name", NULL);
	char a[16], b[16], p[VPN_PREFIX_STRLEN];
	bool first = true;

	snapshot();
	if (want != NULL) {
		unsigned int k = 0;

		while (k < g_nview && !names(want, &g_view[k]))
			k++;
		if (k == g_nview) {
			fprintf(o, "%% no tunnel or connection %s\n", want);
			return;
		}
	}
	if (json)
		fprintf(o, "[");
	else if (!detail)
		fprintf(o, "%-24s %-5s %-15s %-15s %-18s %-11s %-6s %s\n",
		        "Tunnel", "State", "Outside", "Remote", "Inside",
		        "Phase 1", "Ph. 2", "Since change");
	for (unsigned int i = 0; i < g_nview; i++) {
		struct vpngw_tunnel_view *v = &g_view[i];

		if (want != NULL && !names(want, v))
			continue;
		since_clear(v);
		if (json) {
			struct json_out j = {o, true};

			fprintf(o, "%s{", first ? "" : ", ");
			first = false;
			vpngw_view_tunnel_fields(v, &json_out, &j);
			fprintf(o, "}");
		} else if (detail)
			tunnel_detail(o, v);
		else {
			fprintf(o, "%-24s %-5s %-15s %-15s %-18s %-11s %-6s ",
			        v->name, v->up ? "up" : "down",
			        con_ip(v->outside, a),
			        v->learned && v->remote == 0
			                ? "any"
			                : con_ip(v->remote, b),
			        vpn_prefix_format(&v->inside, p), v->phase1,
			        v->up ? "up" : "down");
			con_uptime(o, v->since_s);
			fprintf(o, "\n");
		}
	}
	if (json)
		fprintf(o, "]\n");
}

/* ---- show ipsec sa, ike sa ---------------------------------------------- */

static const struct vpn_esp_stats *
sa_base(const struct vpn_esp_sa *sa)
{
	for (unsigned int i = 0; i < con_cleared.nsa; i++)
		if (con_cleared.sa[i].sa == sa &&
		    con_cleared.sa[i].spi == vpn_esp_sa_spi(sa))
			return &con_cleared.sa[i].st;
	return NULL;
}

CMD(show_ipsec_sa)
{
	struct vpngw_sas *sas = vpngw_running_sas();
	bool json = con_has_flag(cli, "json"),
	     detail = con_has_flag(cli, "detail");
	char a[16], b[16], life[24];

	if (json)
		fprintf(o, "[");
	else if (!detail)
		fprintf(o, "%-24s %-10s %-3s %-26s %12s %14s %8s %8s\n",
		        "Tunnel", "SPI", "Dir", "Algorithm", "Packets", "Bytes",
		        "Drops", "Life s");
	pthread_mutex_lock(&sas->lock);
	for (unsigned int i = 0; i < sas->n; i++) {
		const struct vpn_esp_stats *base = sa_base(sas->sas[i]);
		struct vpngw_sa_view v;
		uint64_t drops = 0;

		vpngw_view_sa(sas->sas[i], &v);
		if (base != NULL)
			esp_sub(&v.st, base);
		if (json) {
			struct json_out j = {o, true};

			fprintf(o, "%s{", i ? ", " : "");
			vpngw_view_sa_fields(&v, &json_out, &j);
			fprintf(o, "}");
			continue;
		}
		for (int r = 1; r < VPN_ESP_REASON_MAX; r++)
			drops += r == VPN_ESP_DUMMY ? 0 : v.st.drops[r];
		if (v.life_s >= 0)
			snprintf(life, sizeof(life), "%lld",
			         (long long)v.life_s);
		else
			snprintf(life, sizeof(life), "-");
		if (!detail) {
			fprintf(o,
			        "%-24s 0x%08x %-3s %-26s %12llu %14llu %8llu "
			        "%8s\n",
			        v.tunnel, v.spi, v.inbound ? "in" : "out",
			        v.algorithm, (unsigned long long)v.st.packets,
			        (unsigned long long)v.st.bytes,
			        (unsigned long long)drops, life);
			continue;
		}
		fprintf(o, "SA 0x%08x %s, tunnel %s\n", v.spi,
		        v.inbound ? "inbound" : "outbound", v.tunnel);
		fprintf(o, "  %s%s%s, %s -> %s\n", v.algorithm,
		        v.esn ? ", ESN" : "",
		        v.udp_encap ? ", ESP in UDP 4500" : "",
		        con_ip(v.src, a), con_ip(v.dst, b));
		fprintf(o,
		        "  %s %llu packets, %llu bytes; sequence number %llu\n",
		        v.inbound ? "decaps" : "encaps",
		        (unsigned long long)v.st.packets,
		        (unsigned long long)v.st.bytes,
		        (unsigned long long)v.seq);
		fprintf(o, "  lifetime left: %s s, ", life);
		if (v.bytes_left >= 0)
			fprintf(o, "%lld bytes\n", (long long)v.bytes_left);
		else
			fprintf(o, "no byte limit\n");
		if (v.inbound)
			fprintf(o, "  replay window %u packets%s\n",
			        v.replay_window,
			        v.replay_window ? "" : " (replay check off)");
		fprintf(o, "  drops:");
		for (int r = 1; r < VPN_ESP_REASON_MAX; r++)
			fprintf(o, " %s %llu", vpn_esp_reason_name(r),
			        (unsigned long long)v.st.drops[r]);
		fprintf(o, "\n");
	}
	pthread_mutex_unlock(&sas->lock);
	if (json)
		fprintf(o, "]\n");
}

CMD(show_ike_sa)
{
	bool json = con_has_flag(cli, "json"),
	     detail = con_has_flag(cli, "detail");
	char a[16], b[16];

	snapshot();
	if (json)
		fprintf(o, "[");
	else
		fprintf(o, "%-24s %-12s %-15s %-15s %-18s %-18s %s\n", "Tunnel",
		        "State", "Local", "Remote", "SPI i", "SPI r",
		        "Algorithms");
	for (unsigned int i = 0; i < g_nike; i++) {
		const struct vpn_ike_peer_info *k = &g_ike[i].ike;
		const char *st = k->admin_down ? "admin-down" : k->ike_state;

		if (json) {
			fprintf(o, "%s{\"tunnel\": ", i ? ", " : "");
			con_json_str(o, g_ike[i].name);
			fprintf(o,
			        ", \"state\": \"%s\", \"local\": \"%s\", "
			        "\"remote\": \"%s\", \"spi_i\": \"%016llx\", "
			        "\"spi_r\": \"%016llx\", \"encr\": %u, "
			        "\"key_bits\": %u, \"integ\": %u, \"dh\": %u, "
			        "\"nat\": %s, \"child_up\": %s, \"rport\": %u, "
			        "\"last\": ",
			        st, con_ip(k->local, a), con_ip(k->remote, b),
			        (unsigned long long)k->spi_i,
			        (unsigned long long)k->spi_r, k->encr,
			        k->key_bits, k->integ, k->dh,
			        k->nat ? "true" : "false",
			        k->child_up ? "true" : "false", k->rport);
			con_json_str(o, k->last);
			fprintf(o, ", \"peer_subject\": ");
			con_json_str(o, k->peer_subject);
			fprintf(o, ", \"peer_issuer\": ");
			con_json_str(o, k->peer_issuer);
			fprintf(o, "}");
			continue;
		}
		fprintf(o, "%-24s %-12s %-15s %-15s %016llx %016llx ",
		        g_ike[i].name, st, con_ip(k->local, a),
		        con_ip(k->remote, b), (unsigned long long)k->spi_i,
		        (unsigned long long)k->spi_r);
		if (k->encr)
			fprintf(o, "encr %u/%u integ %u dh %u%s\n", k->encr,
			        k->key_bits, k->integ, k->dh,
			        k->nat ? " NAT-T" : "");
		else
			fprintf(o, "- (%s)\n", k->last);
		if (!detail)
			continue;
		fprintf(o, "  last: %s\n", k->last);
		if (k->remote != 0 && k->rport != 0)
			fprintf(o, "  peer at %s:%u\n", con_ip(k->remote, b),
			        k->rport);
		/* Certificates: who the peer proved to be, by which CA. */
		if (k->peer_subject[0])
			fprintf(o, "  peer certificate: %s\n  issued by: %s\n",
			        k->peer_subject, k->peer_issuer);
	}
	if (json)
		fprintf(o, "]\n");
}

/* ---- show routes, interfaces, counters, log -------------------------- */

CMD(show_routes)
{
	bool json = con_has_flag(cli, "json");
	unsigned int n = vpngw_view_routes(NULL, 0);
	struct vpngw_route_view *v = calloc(n ? n : 1, sizeof(*v));

	if (v == NULL) {
		fprintf(o, "%% out of memory\n");
		return;
	}
	n = vpngw_view_routes(v, n);
	if (json)
		fprintf(o, "[");
	else
		fprintf(o, "%-10s %-20s %-9s %s\n", "Type", "Prefix",
		        "Selected", "Next hop");
	for (unsigned int i = 0; i < n; i++) {
		if (json) {
			struct json_out j = {o, true};

			fprintf(o, "%s{", i ? ", " : "");
			vpngw_view_route_fields(&v[i], &json_out, &j);
			fprintf(o, "}");
		} else
			fprintf(o, "%-10s %-20s %-9s %s\n",
			        vpn_rib_src_name(v[i].src), v[i].prefix,
			        v[i].selected ? "yes" : "no", v[i].via);
	}
	if (json)
		fprintf(o, "]\n");
	free(v);
}

/* ---- health checks ---------------------------------------------------- */

static struct vpngw_tunnel_info g_health[MAXT];

CMD(show_health)
{
	const struct vpn_cfg *cfg = vpngw_running();
	bool json = con_has_flag(cli, "json");
	unsigned int n = vpngw_dp_tunnels(g_health, MAXT), shown = 0;

	if (json)
		fprintf(o, "[");
	else
		fprintf(o, "%-20s %-15s %8s %5s %-6s %8s %8s %9s  %s\n",
		        "Tunnel", "Target", "Every ms", "Miss", "Probes",
		        "Sent", "Answered", "Last RTT", "State");
	for (unsigned int i = 0; i < n; i++) {
		const struct vpngw_tunnel_info *t = &g_health[i];
		const struct vpn_cfg_conn *c = NULL;
		const char *st;
		char a[16];

		if (t->probe_target == 0)
			continue;
		for (unsigned int k = 0; k < cfg->n_conns; k++)
			if (cfg->conns[k].slot == t->conn)
				c = &cfg->conns[k];
		st = vpngw_view_health_state(t);
		if (json) {
			struct json_out j = {o, true};

			fprintf(o, "%s{", shown ? ", " : "");
			vpngw_view_health_fields(t, cfg, &json_out, &j);
			fprintf(o, "}");
		} else {
			fprintf(o,
			        "%-20s %-15s %8lld %5lld %-6s %8llu %8llu "
			        "%7.1f "
			        "ms  %s (%s)\n",
			        t->name, con_ip(t->probe_target, a),
			        c ? (long long)c->health_check_interval : 0,
			        c ? (long long)c->health_check_threshold : 0,
			        t->probe_ok ? "ok" : "fail",
			        (unsigned long long)t->probes_sent,
			        (unsigned long long)t->probes_answered,
			        (double)t->probe_rtt_us / 1000, st, t->why);
		}
		shown++;
	}
	if (json)
		fprintf(o, "]\n");
	else if (shown == 0)
		fprintf(o, "(no connection has health checks: set "
		           "health_check_target)\n");
}

/* ---- BGP (FRR, run by vpngw) ----------------------------------------- */

/* The session named by the command's "neighbor" (an address, or
 * CONNECTION/N), or NULL after saying why. */
static const struct vpngw_bgp_peer *
bgp_peer_arg(struct cli_def *cli, FILE *o, const char *arg)
{
	const struct vpngw_bgp_peer *p;
	unsigned int n;
	char a[16];

	p = vpngw_bgp_peers(&n);
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(arg, con_ip(p[i].addr, a)) == 0 ||
		    strcmp(arg, p[i].name) == 0)
			return &p[i];
	(void)cli;
	fprintf(o,
	        "%% no BGP session '%s' (an address or CONNECTION/N of "
	        "show bgp summary)\n",
	        arg);
	return NULL;
}

CMD(show_bgp_summary)
{
	bool json = con_has_flag(cli, "json");
	const struct vpngw_bgp_peer *p;
	unsigned int n, routes;
	int feed = vpngw_bgp_feed(&routes);
	char a[16], b[16];

	p = vpngw_bgp_peers(&n);
	if (json) {
		fprintf(o, "{\"feed\": %s, \"bgp_paths\": %u, \"sessions\": [",
		        feed ? "true" : "false", routes);
		for (unsigned int i = 0; i < n; i++) {
			struct json_out j = {o, true};

			fprintf(o, "%s{", i ? ", " : "");
			vpngw_view_bgp_fields(&p[i], &json_out, &j);
			fprintf(o, "}");
		}
		fprintf(o, "]}\n");
		return;
	}
	if (p == NULL) {
		fprintf(o, "BGP is not running (no connection has routing "
		           "\"bgp\")\n");
		return;
	}
	fprintf(o,
	        "BGP: FRR bgpd and zebra, route feed %s, %u BGP path(s) "
	        "in the RIB\n",
	        feed ? "connected" : "not connected", routes);
	fprintf(o, "%-20s %-15s %-15s %10s %-13s %10s %6s %6s %6s %5s\n",
	        "Tunnel", "Neighbor", "Local", "AS", "State", "Up/Down",
	        "PfxRcd", "Routes", "PfxSnt", "Max");
	for (unsigned int i = 0; i < n; i++) {
		bool extra = p[i].peer_state[0] &&
		             strcmp(p[i].peer_state, "OK") != 0 &&
		             strchr(p[i].state, '(') == NULL;
		char st[48];

		/* bgpd says why a session is idle (PfxCt, Admin) in its state,
		 * or beside it. */
		snprintf(st, sizeof(st), "%s%s%s%s", p[i].state,
		         extra ? " (" : "", extra ? p[i].peer_state : "",
		         extra ? ")" : "");
		fprintf(o, "%-20s %-15s %-15s %10lld %-13s ", p[i].name,
		        con_ip(p[i].addr, a), con_ip(p[i].ours, b),
		        (long long)p[i].asn, st);
		if (p[i].uptime_ms)
			con_uptime(o, (double)p[i].uptime_ms / 1000);
		else
			fprintf(o, "%10s", "never");
		fprintf(o, " %6u %6u %6u %5u\n", p[i].pfx_rcvd, p[i].routes,
		        p[i].pfx_sent, p[i].max_prefixes);
	}
}

CMD(show_bgp_neighbors)
{
	const char *arg = cli_get_optarg_value(cli, "neighbor", NULL);
	bool json = con_has_flag(cli, "json");
	const struct vpngw_bgp_peer *p = NULL;
	char cmd[96], a[16];
	unsigned int n;
	int rc;

	if (vpngw_bgp_peers(&n) == NULL) {
		fprintf(o, "BGP is not running\n");
		return;
	}
	if (arg != NULL && (p = bgp_peer_arg(cli, o, arg)) == NULL)
		return;
	/* Only an address of ours goes to bgpd's vty. */
	snprintf(cmd, sizeof(cmd), "show bgp neighbors%s%s%s", p ? " " : "",
	         p ? con_ip(p->addr, a) : "", json ? " json" : "");
	rc = vpngw_bgp_cmd(cmd, 0, o);
	if (rc != 0)
		fprintf(o, "%% bgpd did not answer (%d)\n", rc);
}

CMD(clear_bgp)
{
	const char *arg = cli_get_optarg_value(cli, "neighbor", NULL);
	const struct vpngw_bgp_peer *p = NULL;
	char cmd[64], a[16];
	unsigned int n;
	int rc;

	if (vpngw_bgp_peers(&n) == NULL) {
		fprintf(o, "%% BGP is not running\n");
		return;
	}
	if (arg == NULL || strcmp(arg, "all") != 0) {
		if (arg == NULL || (p = bgp_peer_arg(cli, o, arg)) == NULL)
			return;
	}
	snprintf(cmd, sizeof(cmd), "clear bgp %s",
	         p ? con_ip(p->addr, a) : "*");
	rc = vpngw_bgp_cmd(cmd, 1, o);
	if (rc != 0) {
		fprintf(o, "%% bgpd refused it (%d)\n", rc);
		return;
	}
	fprintf(o, "BGP session%s %s reset\n", p ? "" : "s",
	        p ? p->name : "all");
	vpngw_log("console: clear bgp %s", p ? p->name : "all");
}

/* The names of the bits of mask, name(bit) each, space-separated (or
 * "none"), into buf. */
static const char *
bit_names(char *buf, size_t len, uint64_t mask, const char *(*name)(uint64_t),
          bool json)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int b = 0; b < 64; b++) {
		const char *w;

		if (!(mask & (1ull << b)))
			continue;
		w = name(1ull << b);
		if (w == NULL || strcmp(w, "UNKNOWN") == 0)
			continue;
		/* Whole names only (JSON stays valid): one that does not
		 * fit ends the list. */
		if (n + strlen(w) + 5 >= len)
			break;
		n += (size_t)snprintf(buf + n, len - n,
		                      json ? "%s\"%s\"" : "%s%s",
		                      n ? (json ? ", " : " ") : "", w);
	}
	if (n == 0 && !json)
		snprintf(buf, len, "none");
	for (char *c = buf; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return buf;
}

static const char *
rss_name(uint64_t bit)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} n[] = {
	        {RTE_ETH_RSS_IPV4, "ipv4"},
	        {RTE_ETH_RSS_FRAG_IPV4, "ipv4-frag"},
	        {RTE_ETH_RSS_NONFRAG_IPV4_TCP, "ipv4-tcp"},
	        {RTE_ETH_RSS_NONFRAG_IPV4_UDP, "ipv4-udp"},
	        {RTE_ETH_RSS_NONFRAG_IPV4_OTHER, "ipv4-other"},
	        {RTE_ETH_RSS_ESP, "esp"},
	        {RTE_ETH_RSS_L2TPV3, "l2tpv3"},
	        {RTE_ETH_RSS_L3_SRC_ONLY, "l3-src-only"},
	        {RTE_ETH_RSS_L3_DST_ONLY, "l3-dst-only"},
	        {RTE_ETH_RSS_L4_SRC_ONLY, "l4-src-only"},
	        {RTE_ETH_RSS_L4_DST_ONLY, "l4-dst-only"},
	};

	for (size_t i = 0; i < RTE_DIM(n); i++)
		if (n[i].bit == bit)
			return n[i].name;
	return NULL;
}

static const char *
rx_name(uint64_t bit)
{
	return rte_eth_dev_rx_offload_name(bit);
}

static const char *
tx_name(uint64_t bit)
{
	return rte_eth_dev_tx_offload_name(bit);
}

CMD(show_interfaces)
{
	const struct vpn_cfg *cfg = vpngw_running();
	bool json = con_has_flag(cli, "json");

	if (json)
		fprintf(o, "[");
	for (unsigned int i = 0; i < cfg->appliance.n_ports; i++) {
		const struct vpn_cfg_port *pt = &cfg->appliance.ports[i];
		struct rte_eth_stats s;
		struct rte_eth_link l;
		struct rte_eth_dev_info info;
		struct vpngw_port_link pl;
		struct rte_ether_addr mac;
		char m[RTE_ETHER_ADDR_FMT_SIZE], p[VPN_PREFIX_STRLEN];
		char rxo[512], txo[512], rss[256], speed[32], numa[16];
		const char *dev;
		bool up;
		int node;
		uint16_t id;

		if (vpngw_port_id(pt->device, &id) != 0 ||
		    rte_eth_stats_get(id, &s) != 0 ||
		    rte_eth_dev_info_get(id, &info) != 0)
			continue;
		memset(&l, 0, sizeof(l));
		rte_eth_link_get_nowait(id, &l);
		if (!vpngw_dp_port_link(id, &pl)) {
			memset(&pl, 0, sizeof(pl));
			pl.up = l.link_status == RTE_ETH_LINK_UP;
			pl.since_s = -1;
		}
		up = pl.up;
		rte_eth_macaddr_get(id, &mac);
		rte_ether_format_addr(m, sizeof(m), &mac);
		dev = info.device != NULL ? rte_dev_name(info.device) : "?";
		node = rte_eth_dev_socket_id(id);
		if (l.link_speed == RTE_ETH_SPEED_NUM_NONE ||
		    l.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN)
			snprintf(speed, sizeof(speed), "speed unknown");
		else if (l.link_speed >= 1000 && l.link_speed % 1000 == 0)
			snprintf(speed, sizeof(speed), "%u Gbps",
			         l.link_speed / 1000);
		else if (l.link_speed >= 1000) /* 2.5, 12.5 Gbps */
			snprintf(speed, sizeof(speed), "%.1f Gbps",
			         l.link_speed / 1000.0);
		else
			snprintf(speed, sizeof(speed), "%u Mbps", l.link_speed);
		if (json) {
			fprintf(o,
			        "%s{\"name\": \"%s\", \"port\": %u, \"role\": "
			        "\"%s\", \"link\": %s, \"speed_mbps\": %u, "
			        "\"full_duplex\": %s, \"link_changes\": %llu, "
			        "\"link_since_s\": %.1f, \"link_events\": "
			        "\"%s\", \"carrier_of\": \"%s\", "
			        "\"driver\": \"%s\", \"device\": \"%s\", "
			        "\"numa_node\": %d, \"rx_queues\": %u, "
			        "\"tx_queues\": %u, \"mac\": \"%s\", ",
			        i ? ", " : "", pt->name, id,
			        vpn_port_role_name(pt->role),
			        up ? "true" : "false", l.link_speed,
			        l.link_duplex == RTE_ETH_LINK_FULL_DUPLEX
			                ? "true"
			                : "false",
			        (unsigned long long)pl.changes, pl.since_s,
			        pl.lsc ? "interrupt" : "polled", pl.ifname,
			        info.driver_name, dev, node, info.nb_rx_queues,
			        info.nb_tx_queues, m);
			fprintf(o, "\"rx_offloads\": [%s], ",
			        bit_names(rxo, sizeof(rxo), pl.rx_offloads,
			                  rx_name, true));
			fprintf(o, "\"tx_offloads\": [%s], ",
			        bit_names(txo, sizeof(txo), pl.tx_offloads,
			                  tx_name, true));
			fprintf(o, "\"rss\": [%s], ",
			        bit_names(rss, sizeof(rss), pl.rss_hf, rss_name,
			                  true));
			fprintf(o,
			        "\"ipackets\": %llu, "
			        "\"opackets\": %llu, \"ibytes\": %llu, "
			        "\"obytes\": %llu, \"imissed\": %llu, "
			        "\"ierrors\": %llu, \"oerrors\": %llu, "
			        "\"rx_nombuf\": %llu}",
			        (unsigned long long)s.ipackets,
			        (unsigned long long)s.opackets,
			        (unsigned long long)s.ibytes,
			        (unsigned long long)s.obytes,
			        (unsigned long long)s.imissed,
			        (unsigned long long)s.ierrors,
			        (unsigned long long)s.oerrors,
			        (unsigned long long)s.rx_nombuf);
			continue;
		}
		fprintf(o,
		        "%s (%s) is %s, dpdk port %u, %s, mac %s, mtu %lld\n",
		        pt->name, vpn_port_role_name(pt->role),
		        up ? "up" : "down", id, pt->device, m,
		        (long long)pt->mtu);
		if (up)
			fprintf(o, "  link up, %s%s; ", speed,
			        l.link_duplex == RTE_ETH_LINK_FULL_DUPLEX
			                ? " full-duplex"
			                : "");
		else
			fprintf(o, "  link down; ");
		fprintf(o, "%llu change%s", (unsigned long long)pl.changes,
		        pl.changes == 1 ? "" : "s");
		if (pl.since_s >= 0)
			fprintf(o, ", the last %.0f s ago", pl.since_s);
		fprintf(o, " (%s%s%s)\n",
		        pl.lsc ? "interrupts" : "polled every 250 ms",
		        pl.ifname[0] ? "; carrier of " : "", pl.ifname);
		if (node < 0)
			snprintf(numa, sizeof(numa), "any");
		else
			snprintf(numa, sizeof(numa), "%d", node);
		fprintf(o,
		        "  driver %s, device %s, NUMA node %s, %u RX and %u TX "
		        "queues\n",
		        info.driver_name, dev, numa, info.nb_rx_queues,
		        info.nb_tx_queues);
		fprintf(o, "  offloads rx %s; tx %s; RSS %s\n",
		        bit_names(rxo, sizeof(rxo), pl.rx_offloads, rx_name,
		                  false),
		        bit_names(txo, sizeof(txo), pl.tx_offloads, tx_name,
		                  false),
		        bit_names(rss, sizeof(rss), pl.rss_hf, rss_name,
		                  false));
		if (pt->address.len)
			fprintf(o, "  address %s\n",
			        vpn_prefix_format(&pt->address, p));
		fprintf(o,
		        "  rx %llu packets %llu bytes, missed %llu, errors "
		        "%llu, no mbuf %llu\n"
		        "  tx %llu packets %llu bytes, errors %llu\n",
		        (unsigned long long)s.ipackets,
		        (unsigned long long)s.ibytes,
		        (unsigned long long)s.imissed,
		        (unsigned long long)s.ierrors,
		        (unsigned long long)s.rx_nombuf,
		        (unsigned long long)s.opackets,
		        (unsigned long long)s.obytes,
		        (unsigned long long)s.oerrors);
	}
	if (json)
		fprintf(o, "]\n");
}

/* Text: "group name value" lines. */
static void
text_u64(void *ctx, const char *key, uint64_t v)
{
	const char *dot = strchr(key, '.');

	fprintf(ctx, "%-10.*s %-28s %llu\n", (int)(dot - key), key, dot + 1,
	        (unsigned long long)v);
}

CMD(show_counters)
{
	static const struct vpngw_view_out text = {.u64 = text_u64};
	struct vpngw_counters c;

	vpngw_view_counters(&c);
	vpngw_counters_sub(&c, &con_cleared.all);
	if (con_has_flag(cli, "json")) {
		struct json_out j = {o, true};

		fprintf(o, "{");
		vpngw_view_counters_fields(&c, &json_out, &j);
		fprintf(o, "}\n");
	} else
		vpngw_view_counters_fields(&c, &text, o);
}

/* Text (lines) as a JSON array of strings, or with split_time each line
 * as {"time": its first 19 characters, "line": the rest}. */
static void
json_lines(FILE *o, const char *text, bool split_time)
{
	const char *p = text;
	bool first = true;

	fprintf(o, "[");
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[512];

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		fprintf(o, "%s", first ? "" : ", ");
		if (split_time && n > 20) {
			line[19] = '\0';
			fprintf(o, "{\"time\": ");
			con_json_str(o, line);
			fprintf(o, ", \"line\": ");
			con_json_str(o, line + 20);
			fprintf(o, "}");
		} else
			con_json_str(o, line);
		first = false;
		p += n + (nl != NULL);
	}
	fprintf(o, "]");
}

CMD(show_log)
{
	const char *t = cli_get_optarg_value(cli, "tunnel", NULL);
	char match[VPN_NAME_MAX + 16], *buf = NULL;
	size_t len = 0;
	FILE *m;

	if (t != NULL)
		snprintf(match, sizeof(match), " %s:", t);
	if (!con_has_flag(cli, "json")) {
		if (vpngw_log_read(o, t ? match : NULL, 200) == 0)
			fprintf(o, "(nothing logged%s%s)\n",
			        t ? " for tunnel " : "", t ? t : "");
		return;
	}
	m = open_memstream(&buf, &len);
	if (m == NULL)
		return;
	vpngw_log_read(m, t ? match : NULL, 200);
	fclose(m);
	json_lines(o, buf, true);
	fprintf(o, "\n");
	free(buf);
}

/* A value in the file's (libconfig) syntax as JSON: numbers, booleans,
 * strings and lists are written alike but for a 64-bit number's L suffix
 * and a control character's \xHH escape. */
static void
cfg_value_json(FILE *o, const char *v)
{
	bool in_str = false;

	for (const char *p = v; *p; p++) {
		if (in_str && p[0] == '\\' && p[1] == 'x' && p[2] && p[3]) {
			fprintf(o, "\\u00%c%c", p[2], p[3]);
			p += 3;
		} else if (in_str && p[0] == '\\' && p[1]) {
			fputc(*p++, o);
			fputc(*p, o);
		} else if (*p == '"') {
			in_str = !in_str;
			fputc('"', o);
		} else if (!in_str && *p == 'L' && p > v &&
		           isdigit((unsigned char)p[-1]))
			continue;
		else
			fputc(*p, o);
	}
}

/* An object's options as JSON, each value typed as in the file. */
static void
obj_json(FILE *o, enum vpn_obj kind, const void *obj)
{
	char v[16384];
	bool first = true;

	fprintf(o, "{");
	for (unsigned int i = 0; i < vpn_opt_count(kind); i++) {
		if (!vpn_opt_format(kind, obj, (int)i, v, sizeof(v)))
			continue;
		fprintf(o, "%s\"%s\": ", first ? "" : ", ",
		        vpn_opt_name(kind, (int)i));
		cfg_value_json(o, v);
		first = false;
	}
}

#define HIDDEN "<hidden: enable to see>"

/*
 * The running model as this session may see it: an unprivileged one
 * (the '>' prompt) gets a copy with every secret hidden (pre-shared
 * keys, manual keys, the console's password hash), as a router shows
 * its configuration only to the privileged level. NULL: the model
 * itself may be shown; *copy is to be freed.
 */
static const struct vpn_cfg *
shown_cfg(struct cli_def *cli, struct vpn_cfg **copy)
{
	const struct vpn_cfg *cfg = vpngw_running();
	struct vpn_cfg *c;

	*copy = NULL;
	if (cli->privilege >= PRIVILEGE_PRIVILEGED)
		return cfg;
	c = vpn_cfg_dup(cfg);
	if (c == NULL)
		return NULL;
	if (c->appliance.console.password_hash[0] != '\0')
		snprintf(c->appliance.console.password_hash,
		         sizeof(c->appliance.console.password_hash), HIDDEN);
	for (unsigned int i = 0; i < c->n_conns; i++)
		for (int t = 0; t < VPN_TUNNELS; t++) {
			struct vpn_cfg_tunnel *tu = &c->conns[i].tunnels[t];
			struct vpn_cfg_manual *m = &tu->manual;

			if (tu->psk[0] != '\0')
				snprintf(tu->psk, sizeof(tu->psk), HIDDEN);
			if (m->key_in[0] != '\0')
				snprintf(m->key_in, sizeof(m->key_in), HIDDEN);
			if (m->key_out[0] != '\0')
				snprintf(m->key_out, sizeof(m->key_out),
				         HIDDEN);
			if (m->auth_key_in[0] != '\0')
				snprintf(m->auth_key_in, sizeof(m->auth_key_in),
				         HIDDEN);
			if (m->auth_key_out[0] != '\0')
				snprintf(m->auth_key_out,
				         sizeof(m->auth_key_out), HIDDEN);
		}
	*copy = c;
	return c;
}

/* A copy of cfg with connection name and its customer gateway only
 * (NULL: no such connection, or out of memory; said). */
static struct vpn_cfg *
only_conn(const struct vpn_cfg *cfg, const char *name, FILE *o)
{
	const struct vpn_cfg_conn *c = vpn_cfg_conn_find(cfg, name);
	struct vpn_cfg *f;

	if (c == NULL) {
		fprintf(o, "%% no connection %s\n", name);
		return NULL;
	}
	f = vpn_cfg_dup(cfg);
	if (f == NULL) {
		fprintf(o, "%% out of memory\n");
		return NULL;
	}
	while (f->n_conns > 1 &&
	       vpn_cfg_conn_del(f, strcmp(f->conns[0].name, name) != 0
	                                   ? f->conns[0].name
	                                   : f->conns[1].name) == 0)
		;
	for (unsigned int i = 0; i < f->n_cgws;)
		if (strcmp(f->cgws[i].name, f->conns[0].customer_gateway) != 0)
			vpn_cfg_cgw_del(f, f->cgws[i].name);
		else
			i++;
	return f;
}

/* The file text of cfg from its customer gateways on (a connection's
 * part, without the appliance's settings). */
static void
write_conn_part(const struct vpn_cfg *cfg, FILE *o)
{
	char *buf = NULL, *from;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (m == NULL)
		return;
	vpn_cfg_write(cfg, m);
	fclose(m);
	from = strstr(buf, "\ncustomer_gateways");
	fputs(from ? from + 1 : buf, o);
	free(buf);
}

CMD(show_running)
{
	struct vpn_cfg *copy, *conn_only = NULL;
	const struct vpn_cfg *cfg = shown_cfg(cli, &copy);
	const char *name = cli_get_optarg_value(cli, "connection", NULL);
	const struct vpn_cfg_appliance *a;

	if (cfg == NULL) {
		fprintf(o, "%% out of memory\n");
		return;
	}
	if (name != NULL) {
		conn_only = only_conn(cfg, name, o);
		vpn_cfg_free(copy);
		copy = conn_only;
		cfg = conn_only;
		if (cfg == NULL)
			return;
	}
	a = &cfg->appliance;
	if (!con_has_flag(cli, "json")) {
		if (conn_only != NULL)
			write_conn_part(cfg, o);
		else
			vpn_cfg_write(cfg, o);
		vpn_cfg_free(copy);
		return;
	}
	fprintf(o, "{\"appliance\": ");
	obj_json(o, VPN_OBJ_APPLIANCE, a);
	fprintf(o, ", \"ports\": [");
	for (unsigned int i = 0; i < a->n_ports; i++) {
		fprintf(o, "%s", i ? ", " : "");
		obj_json(o, VPN_OBJ_PORT, &a->ports[i]);
		fprintf(o, "}");
	}
	fprintf(o, "], \"console\": ");
	obj_json(o, VPN_OBJ_CONSOLE, &a->console);
	fprintf(o, "}}, \"customer_gateways\": [");
	for (unsigned int i = 0; i < cfg->n_cgws; i++) {
		fprintf(o, "%s", i ? ", " : "");
		obj_json(o, VPN_OBJ_CGW, &cfg->cgws[i]);
		fprintf(o, "}");
	}
	fprintf(o, "], \"vpn_connections\": [");
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];

		fprintf(o, "%s", i ? ", " : "");
		obj_json(o, VPN_OBJ_CONN, c);
		fprintf(o, ", \"tunnels\": [");
		for (int t = 0; t < VPN_TUNNELS; t++) {
			fprintf(o, "%s", t ? ", " : "");
			obj_json(o, VPN_OBJ_TUNNEL, &c->tunnels[t]);
			if (c->tunnels[t].manual.present) {
				fprintf(o, ", \"manual_keys\": ");
				obj_json(o, VPN_OBJ_MANUAL,
				         &c->tunnels[t].manual);
				fprintf(o, "}");
			}
			fprintf(o, "}");
		}
		fprintf(o, "]}");
	}
	fprintf(o, "]}\n");
	vpn_cfg_free(copy);
}

CMD(show_cgw_config)
{
	const char *conn = cli_get_optarg_value(cli, "connection", NULL);
	const char *fmt = con_has_flag(cli, "frr")       ? "frr"
	                  : con_has_flag(cli, "generic") ? "generic"
	                                                 : "strongswan";
	struct vpn_cfg *copy;
	const struct vpn_cfg *cfg = shown_cfg(cli, &copy);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = cfg ? open_memstream(&buf, &len) : NULL;
	int rc;

	if (m == NULL) {
		vpn_cfg_free(copy);
		return;
	}
	rc = conn ? vpn_cfg_export_as(cfg, conn, fmt,
	                              vpngw_pki() ? vpn_pki_subject(vpngw_pki())
	                                          : NULL,
	                              m)
	          : -ENOENT;
	fclose(m);
	vpn_cfg_free(copy);
	if (rc != 0)
		fprintf(o, "%% no connection %s\n", conn ? conn : "");
	else if (con_has_flag(cli, "json")) {
		fprintf(o, "{\"connection\": ");
		con_json_str(o, conn);
		fprintf(o, ", \"format\": \"%s\", \"config\": ", fmt);
		json_lines(o, buf, false);
		fprintf(o, "}\n");
	} else
		fputs(buf, o);
	free(buf);
}

/* Our certificate, its intermediates and the CA, as loaded at start (or
 * by the last reload): subject, issuer, serial, key, validity. */
CMD(show_pki)
{
	const struct vpn_pki *pki = vpngw_pki();

	(void)cli;
	if (pki == NULL) {
		fprintf(o, con_has_flag(cli, "json")
		                   ? "{}\n"
		                   : "No PKI configured (appliance.pki: ca, "
		                     "certificate, private_key)\n");
		return;
	}
	vpn_pki_show(pki, 0, con_has_flag(cli, "json"), o);
}

CMD(show_clock)
{
	struct timespec ts;
	struct tm tm;
	char b[64];

	(void)cli;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(b, sizeof(b), "%H:%M:%S", &tm);
	fprintf(o, "%s.%03ld UTC ", b, ts.tv_nsec / 1000000);
	strftime(b, sizeof(b), "%a %b %e %Y", &tm);
	fprintf(o, "%s (up ", b);
	con_uptime(o, difftime(time(NULL), con_started));
	fprintf(o, ")\n");
}

CMD(show_users)
{
	struct vpn_console_user u[64];
	unsigned int n =
	        con_console ? vpn_console_users(con_console, u, 64) : 0;
	char a[16];

	(void)cli;
	fprintf(o, "  %-21s %-12s %-12s %-10s %-9s %s\n", "From", "User",
	        "State", "Connected", "Idle", "Monitor");
	for (unsigned int i = 0; i < n; i++) {
		char from[32];

		snprintf(from, sizeof(from), "%s:%u", con_ip(u[i].addr, a),
		         u[i].port);
		fprintf(o, "%c %-21s %-12s %-12s ", u[i].self ? '*' : ' ', from,
		        u[i].user[0] ? u[i].user : "-",
		        u[i].logged_in ? "logged in" : "logging in");
		con_uptime(o, u[i].connected_s);
		fprintf(o, "   ");
		con_uptime(o, u[i].idle_s);
		fprintf(o, "  %s\n", u[i].monitor ? "on" : "off");
	}
}

CMD(terminal_monitor)
{
	vpn_console_monitor(cli, true);
	fprintf(o, "log lines will show here as they come (terminal no "
	           "monitor: stop)\n");
}

CMD(terminal_no_monitor)
{
	(void)o;
	vpn_console_monitor(cli, false);
}

/* show arp: each port's resolved neighbours, static (static_arp) or
 * learned. */
CMD(show_arp)
{
	struct vpngw_neigh_view v[2 * 64]; /* 64 a port (dp_priv.h) */
	const struct vpn_cfg_appliance *a = &vpngw_running()->appliance;
	unsigned int n = vpngw_dp_neighbours(v, sizeof(v) / sizeof(v[0]));
	bool json = con_has_flag(cli, "json");
	char ip[16];

	if (!json)
		fprintf(o, "%-10s %-15s %-17s %s\n", "Port", "Address", "MAC",
		        "Type");
	else
		fprintf(o, "[");
	for (unsigned int i = 0; i < n; i++) {
		const char *port = vpn_port_role_name(v[i].role),
		           *type = "learned";
		char mac[18];

		for (unsigned int p = 0; p < a->n_ports; p++) {
			const struct vpn_cfg_port *cp = &a->ports[p];

			if (strcmp(cp->name, v[i].port) != 0)
				continue;
			port = cp->name;
			con_ip(v[i].ip, ip);
			for (unsigned int s = 0; s < cp->n_static_arp; s++)
				if (strncmp(cp->static_arp[s], ip,
				            strlen(ip)) == 0 &&
				    cp->static_arp[s][strlen(ip)] == ' ')
					type = "static";
		}
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		         v[i].mac[0], v[i].mac[1], v[i].mac[2], v[i].mac[3],
		         v[i].mac[4], v[i].mac[5]);
		if (json)
			fprintf(o,
			        "%s{\"port\": \"%s\", \"address\": \"%s\", "
			        "\"mac\": \"%s\", \"type\": \"%s\"}",
			        i ? ", " : "", port, con_ip(v[i].ip, ip), mac,
			        type);
		else
			fprintf(o, "%-10s %-15s %-17s %s\n", port,
			        con_ip(v[i].ip, ip), mac, type);
	}
	if (json)
		fprintf(o, "]\n");
}

CMD(terminal_length)
{
	const char *v = cli_get_optarg_value(cli, "lines", NULL);
	unsigned int n = v ? (unsigned int)atoi(v) : 0;

	vpn_console_length(cli, n);
	if (n)
		fprintf(o,
		        "output stops every %u lines at --More-- (space: a "
		        "page more, Enter: a line more, q: no more)\n",
		        n);
}
