/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console's commands (lib/console runs the sessions). Each command
 * runs on its session's thread under the control lock, writing into a
 * memory buffer; the buffer goes to the client after the lock is dropped,
 * so a slow client never holds the control core up. Changes go through
 * vpngw_apply() on a copy of the running model: the same checks and the
 * same application as the file read again.
 *
 *   show version | vpn connections | tunnels [detail] | ipsec sa [detail]
 *        | ike sa | routes | interfaces | counters | log [tunnel NAME]
 *        | running-config | customer-gateway-config CONN [FORMAT]
 *        (each also takes "json")
 *   tunnel NAME up|down|reset        clear counters        write
 *   configure [terminal]
 *     connection NAME [customer-gateway CGW]    no connection NAME
 *       static-route PREFIX   no static-route PREFIX
 *       set OPTION VALUE...   tunnel 1|2 OPTION VALUE...
 *     customer-gateway NAME [address A.B.C.D]   no customer-gateway NAME
 *       set OPTION VALUE...
 *     end
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_version.h>

#include "vpn_console.h"
#include "gw_console.h"
#include "gw_dp.h"
#include "gw_eal.h"
#include "gw_ike.h"
#include "gw_log.h"
#include "gw_running.h"
#include "gw_sa.h"

#define MODE_CONN 2 /* connection NAME */
#define MODE_CGW  3 /* customer-gateway NAME */

/* A session's own state: which connection or customer gateway it is
 * configuring. */
struct sess {
	char conn[VPN_NAME_MAX + 1];
	char cgw[VPN_NAME_MAX + 1];
	/* A mode to enter once the command's output is out (enter()). */
	int next_mode;
	char next_prompt[VPN_NAME_MAX + 8];
};

static struct sess *
sess_of(struct cli_def *cli)
{
	return cli_get_context(cli);
}

/* clear counters: what the counters read then, subtracted when shown;
 * every SA there was then (as many as there were). */
static struct {
	struct vpngw_dp_stats dp;
	struct vpn_ike_stats ike;
	struct vpn_console_stats con;
	struct vpn_esp_stats esp; /* over every SA and none */
	unsigned int nsa;
	struct base_sa {
		const struct vpn_esp_sa *sa;
		struct vpn_esp_stats st;
	} * sa;
} base;

static struct vpn_console *console;
static time_t started;

/* ---- output helpers ------------------------------------------------------ */

static void
json_str(FILE *o, const char *s)
{
	fputc('"', o);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", c);
		else if (c < 0x20)
			fprintf(o, "\\u%04x", c);
		else
			fputc(c, o);
	}
	fputc('"', o);
}

static const char *
ip(uint32_t a, char *b)
{
	return vpn_ipv4_format(a, b);
}

static void
uptime(FILE *o, double s)
{
	unsigned long long t = s < 0 ? 0 : (unsigned long long)s;

	if (s < 0)
		fprintf(o, "never");
	else if (t >= 86400)
		fprintf(o, "%llud%02lluh%02llum", t / 86400, t / 3600 % 24,
		        t / 60 % 60);
	else
		fprintf(o, "%02llu:%02llu:%02llu", t / 3600, t / 60 % 60,
		        t % 60);
}

static bool
has_flag(struct cli_def *cli, const char *name)
{
	return cli_get_optarg_value(cli, name, NULL) != NULL;
}

typedef void (*cmd_fn)(struct cli_def *cli, FILE *o);

/* Run fn under the control lock into a buffer, then print it. */
static int
run(struct cli_def *cli, cmd_fn fn)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);

	if (o == NULL) {
		cli_error(cli, "%% out of memory");
		return CLI_ERROR;
	}
	vpngw_ctl_lock();
	fn(cli, o);
	vpngw_ctl_unlock();
	fclose(o);
	vpn_console_print(cli, buf, len);
	free(buf);
	struct sess *ss = sess_of(cli);

	if (ss != NULL && ss->next_mode) {
		cli_set_configmode(cli, ss->next_mode, ss->next_prompt);
		ss->next_mode = 0;
	}
	return CLI_OK;
}

#define CMD(name)                                                          \
	static void name##_do(struct cli_def *cli, FILE *o);               \
	static int name(struct cli_def *cli, const char *cmd, char **argv, \
	                int argc)                                          \
	{                                                                  \
		(void)cmd;                                                 \
		(void)argv;                                                \
		(void)argc;                                                \
		return run(cli, name##_do);                                \
	}                                                                  \
	static void name##_do(struct cli_def *cli, FILE *o)

/* ---- what the tables say --------------------------------------------------
 */

/* The IKE view of tunnel name, or NULL. */
static const struct vpngw_ike_info *
ike_of(const struct vpngw_ike_info *ike, unsigned int n, const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(ike[i].name, name) == 0)
			return &ike[i];
	return NULL;
}

static const struct vpngw_tunnel_info *
dp_of(const struct vpngw_tunnel_info *t, unsigned int n, unsigned int slot,
      unsigned int ti)
{
	for (unsigned int i = 0; i < n; i++)
		if (t[i].conn == slot && t[i].ti == ti)
			return &t[i];
	return NULL;
}

#define MAXT (VPN_MAX_CONNS * VPN_TUNNELS)
static struct vpngw_tunnel_info g_dp[MAXT];
static struct vpngw_ike_info g_ike[MAXT];
static unsigned int g_ndp, g_nike;

/* Read the tunnel tables (under the control lock: one reader at once). */
static void
snapshot(void)
{
	g_ndp = vpngw_dp_tunnels(g_dp, MAXT);
	g_nike = vpngw_ike_read(NULL, g_ike, MAXT);
}

static const char *
phase1(const struct vpngw_ike_info *k, const struct vpn_cfg_tunnel *t)
{
	if (t->manual.present)
		return "manual";
	return k ? (k->ike.admin_down ? "admin-down" : k->ike.ike_state)
	         : "no-ike";
}

/* ---- show version, connections, tunnels -------------------------------- */

CMD(show_version)
{
	const struct vpn_cfg *cfg = vpngw_running();
	bool json = has_flag(cli, "json");
	double up = difftime(time(NULL), started);

	if (json) {
		fprintf(o, "{\"version\": \"%s\", \"dpdk\": ", VPNGW_VERSION);
		json_str(o, rte_version());
		fprintf(o, ", \"name\": ");
		json_str(o, cfg->appliance.name);
		fprintf(o,
		        ", \"uptime_s\": %.0f, \"workers\": %u, "
		        "\"connections\": %u}\n",
		        up, cfg->appliance.n_workers, cfg->n_conns);
		return;
	}
	fprintf(o, "vpngw %s (%s)\n", VPNGW_VERSION, rte_version());
	fprintf(o, "appliance %s, up ", cfg->appliance.name);
	uptime(o, up);
	fprintf(o, ", %u worker(s), %u connection(s), TSC %.0f MHz\n",
	        cfg->appliance.n_workers, cfg->n_conns,
	        (double)rte_get_tsc_hz() / 1e6);
}

CMD(show_connections)
{
	const struct vpn_cfg *cfg = vpngw_running();
	bool json = has_flag(cli, "json");
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
			const struct vpngw_tunnel_info *d =
			        dp_of(g_dp, g_ndp, c->slot, t);

			up += d && d->up;
		}
		if (json) {
			fprintf(o, "%s{\"name\": ", i ? ", " : "");
			json_str(o, c->name);
			fprintf(o, ", \"customer_gateway\": ");
			json_str(o, g->name);
			fprintf(o,
			        ", \"cgw_address\": \"%s\", \"routing\": "
			        "\"%s\", \"acceleration\": %s, "
			        "\"tunnels_up\": %u}",
			        ip(g->address, b), vpn_routing_name(c->routing),
			        c->acceleration ? "true" : "false", up);
			continue;
		}
		fprintf(o, "%-20s %-16s %-15s %-7s %-6s %u of 2\n", c->name,
		        g->name, ip(g->address, b),
		        vpn_routing_name(c->routing),
		        up == 2 ? "UP"
		        : up    ? "DEGRADED"
		                : "DOWN",
		        up);
	}
	if (json)
		fprintf(o, "]\n");
}

static void
tunnel_json(FILE *o, const struct vpn_cfg_conn *c, int t,
            const struct vpngw_tunnel_info *d, const struct vpngw_ike_info *k)
{
	const struct vpn_cfg_tunnel *tu = &c->tunnels[t];
	char a[16], b[16], p[VPN_PREFIX_STRLEN], name[VPN_NAME_MAX + 8];

	snprintf(name, sizeof(name), "%s/%d", c->name, t + 1);
	fprintf(o, "{\"name\": ");
	json_str(o, name);
	fprintf(o,
	        ", \"state\": \"%s\", \"admin_down\": %s, \"outside\": "
	        "\"%s\", \"remote\": \"%s\", \"inside_cidr\": \"%s\", "
	        "\"phase1\": \"%s\", \"phase2\": \"%s\", "
	        "\"since_last_change_s\": %.0f, \"last_change\": ",
	        d && d->up ? "up" : "down",
	        vpngw_tunnel_admin_down(c->slot, (unsigned int)t) ? "true"
	                                                          : "false",
	        ip(tu->outside_address, a), ip(tu->remote_address, b),
	        vpn_prefix_format(&tu->inside_cidr, p), phase1(k, tu),
	        d && d->up ? "up" : "down", d ? d->since_s : -1);
	json_str(o, d ? d->why : "");
	fprintf(o, ", \"ike_last\": ");
	json_str(o, k ? k->ike.last : "");
	fprintf(o, ", \"nat\": %s, \"spi_in\": %u, \"spi_out\": %u}",
	        k && k->ike.nat ? "true" : "false", k ? k->ike.spi_in : 0,
	        k ? k->ike.spi_out : 0);
}

CMD(show_tunnels)
{
	const struct vpn_cfg *cfg = vpngw_running();
	bool json = has_flag(cli, "json"), detail = has_flag(cli, "detail");
	char a[16], b[16], p[VPN_PREFIX_STRLEN];
	bool first = true;

	snapshot();
	if (json)
		fprintf(o, "[");
	else if (!detail)
		fprintf(o, "%-24s %-5s %-15s %-15s %-18s %-11s %-6s %s\n",
		        "Tunnel", "State", "Outside", "Remote", "Inside",
		        "Phase 1", "Ph. 2", "Since change");
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];

		for (int t = 0; t < VPN_TUNNELS; t++) {
			const struct vpn_cfg_tunnel *tu = &c->tunnels[t];
			const struct vpngw_tunnel_info *d =
			        dp_of(g_dp, g_ndp, c->slot, (unsigned int)t);
			char name[VPN_NAME_MAX + 8];
			const struct vpngw_ike_info *k;

			snprintf(name, sizeof(name), "%s/%d", c->name, t + 1);
			k = ike_of(g_ike, g_nike, name);
			if (json) {
				fprintf(o, "%s", first ? "" : ", ");
				tunnel_json(o, c, t, d, k);
				first = false;
				continue;
			}
			if (!detail) {
				fprintf(o,
				        "%-24s %-5s %-15s %-15s %-18s %-11s "
				        "%-6s ",
				        name, d && d->up ? "up" : "down",
				        ip(tu->outside_address, a),
				        ip(tu->remote_address, b),
				        vpn_prefix_format(&tu->inside_cidr, p),
				        phase1(k, tu),
				        d && d->up ? "up" : "down");
				uptime(o, d ? d->since_s : -1);
				fprintf(o, "\n");
				continue;
			}
			fprintf(o, "Tunnel %s is %s%s\n", name,
			        d && d->up ? "up" : "down",
			        vpngw_tunnel_admin_down(c->slot,
			                                (unsigned int)t)
			                ? " (administratively down)"
			                : "");
			fprintf(o, "  outside %s -> %s, ",
			        ip(tu->outside_address, a),
			        ip(tu->remote_address, b));
			fprintf(o, "inside %s (ours %s)\n",
			        vpn_prefix_format(&tu->inside_cidr, p),
			        ip(vpn_cfg_inside_addr(tu, true), a));
			fprintf(o, "  phase 1 %s, phase 2 %s, keying %s\n",
			        phase1(k, tu), d && d->up ? "up" : "down",
			        tu->manual.present ? "manual" : "IKEv2");
			if (d && d->since_s >= 0) {
				fprintf(o, "  last change ");
				uptime(o, d->since_s);
				fprintf(o, " ago: %s\n", d->why);
			} else
				fprintf(o, "  no change since the start\n");
			if (k)
				fprintf(o,
				        "  IKE: %s; NAT-T %s; Child SA in "
				        "0x%08x out 0x%08x\n",
				        k->ike.last, k->ike.nat ? "yes" : "no",
				        k->ike.spi_in, k->ike.spi_out);
			if (d)
				fprintf(o,
				        "  ESP last heard %.1f s ago, %llu "
				        "keepalives sent, %llu state changes\n",
				        d->silent_s,
				        (unsigned long long)d->keepalives,
				        (unsigned long long)d->changes);
			fprintf(o,
			        "  dpd %llds %s, startup %s, lifetimes IKE "
			        "%llds Child %llds\n",
			        (long long)tu->dpd_timeout,
			        vpn_dpd_action_name(tu->dpd_action),
			        vpn_startup_name(tu->startup_action),
			        (long long)tu->phase1_lifetime,
			        (long long)tu->phase2_lifetime);
		}
	}
	if (json)
		fprintf(o, "]\n");
}

/* ---- show ipsec sa, ike sa ---------------------------------------------- */

static const struct vpn_esp_stats *
sa_base(const struct vpn_esp_sa *sa)
{
	for (unsigned int i = 0; i < base.nsa; i++)
		if (base.sa[i].sa == sa)
			return &base.sa[i].st;
	return NULL;
}

/* An SA's counters since clear counters. */
static void
sa_stats(const struct vpn_esp_sa *sa, struct vpn_esp_stats *s)
{
	const struct vpn_esp_stats *b = sa_base(sa);

	vpn_esp_sa_stats(sa, s);
	if (b == NULL)
		return;
	s->packets -= b->packets;
	s->bytes -= b->bytes;
	for (int r = 0; r < VPN_ESP_REASON_MAX; r++)
		s->drops[r] -= b->drops[r];
}

static const char *
sa_alg(const struct vpn_esp_sa_params *p, char *buf, size_t len)
{
	static const char *const auths[] = {
	        [VPN_AUTH_NONE] = "",
	        [VPN_AUTH_HMAC_SHA1_96] = "-hmac-sha1-96",
	        [VPN_AUTH_HMAC_SHA256_128] = "-hmac-sha256-128",
	        [VPN_AUTH_HMAC_SHA384_192] = "-hmac-sha384-192",
	        [VPN_AUTH_HMAC_SHA512_256] = "-hmac-sha512-256"};

	snprintf(buf, len, "aes%u-%s%s", p->cipher_key_len * 8,
	         p->cipher == VPN_CIPHER_AES_GCM ? "gcm16" : "cbc",
	         (unsigned)p->auth < sizeof(auths) / sizeof(auths[0])
	                 ? auths[p->auth]
	                 : "");
	return buf;
}

/* The tunnel name of an SA, from its connection slot and endpoints. */
static void
sa_tunnel(const struct vpn_esp_sa_params *p, char *buf, size_t len)
{
	const struct vpn_cfg *cfg = vpngw_running();

	snprintf(buf, len, "-");
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];

		if (c->slot != p->tag)
			continue;
		for (int t = 0; t < VPN_TUNNELS; t++)
			if (c->tunnels[t].outside_address == p->tun_src &&
			    c->tunnels[t].remote_address == p->tun_dst)
				snprintf(buf, len, "%s/%d", c->name, t + 1);
	}
}

CMD(show_ipsec_sa)
{
	struct vpngw_sas *sas = vpngw_running_sas();
	bool json = has_flag(cli, "json"), detail = has_flag(cli, "detail");

	if (json)
		fprintf(o, "[");
	else if (!detail)
		fprintf(o, "%-24s %-10s %-3s %-26s %12s %14s %8s %8s\n",
		        "Tunnel", "SPI", "Dir", "Algorithm", "Packets", "Bytes",
		        "Drops", "Life s");
	pthread_mutex_lock(&sas->lock);
	for (unsigned int i = 0; i < sas->n; i++) {
		const struct vpn_esp_sa *sa = sas->sas[i];
		const struct vpn_esp_sa_params *p = vpn_esp_sa_params(sa);
		char alg[48], tun[VPN_NAME_MAX + 8], life[16], a[16], b[16];
		struct vpn_esp_stats s;
		uint64_t drops = 0;
		uint32_t left;

		sa_stats(sa, &s);
		for (int r = 1; r < VPN_ESP_REASON_MAX; r++)
			drops += r == VPN_ESP_DUMMY ? 0 : s.drops[r];
		sa_alg(p, alg, sizeof(alg));
		sa_tunnel(p, tun, sizeof(tun));
		if (vpngw_ike_sa_life(vpn_esp_sa_spi(sa), &left) == 0)
			snprintf(life, sizeof(life), "%u", left);
		else
			snprintf(life, sizeof(life), "-");
		if (json) {
			fprintf(o,
			        "%s{\"tunnel\": \"%s\", \"spi\": %u, "
			        "\"direction\": \"%s\", \"algorithm\": \"%s\", "
			        "\"esn\": %s, \"udp_encap\": %s, \"packets\": "
			        "%llu, \"bytes\": %llu, \"seq\": %llu, "
			        "\"replay_window\": %u, \"lifetime_left_s\": "
			        "%s, \"lifetime_bytes_left\": %lld, \"drops\": "
			        "{",
			        i ? ", " : "", tun, p->spi,
			        p->inbound ? "in" : "out", alg,
			        p->esn ? "true" : "false",
			        p->udp_encap ? "true" : "false",
			        (unsigned long long)s.packets,
			        (unsigned long long)s.bytes,
			        (unsigned long long)vpn_esp_sa_seq(sa),
			        p->replay_window,
			        strcmp(life, "-") ? life : "null",
			        p->hard_bytes
			                ? (long long)(p->hard_bytes -
			                              vpn_esp_sa_bytes(sa))
			                : -1LL);
			for (int r = 1; r < VPN_ESP_REASON_MAX; r++)
				fprintf(o, "%s\"%s\": %llu", r > 1 ? ", " : "",
				        vpn_esp_reason_name(r),
				        (unsigned long long)s.drops[r]);
			fprintf(o, "}}");
			continue;
		}
		if (!detail) {
			fprintf(o,
			        "%-24s 0x%08x %-3s %-26s %12llu %14llu %8llu "
			        "%8s\n",
			        tun, p->spi, p->inbound ? "in" : "out", alg,
			        (unsigned long long)s.packets,
			        (unsigned long long)s.bytes,
			        (unsigned long long)drops, life);
			continue;
		}
		fprintf(o, "SA 0x%08x %s, tunnel %s\n", p->spi,
		        p->inbound ? "inbound" : "outbound", tun);
		fprintf(o, "  %s%s%s, %s -> %s\n", alg, p->esn ? ", ESN" : "",
		        p->udp_encap ? ", ESP in UDP 4500" : "",
		        ip(p->tun_src, a), ip(p->tun_dst, b));
		fprintf(o,
		        "  %s %llu packets, %llu bytes; sequence number %llu\n",
		        p->inbound ? "decaps" : "encaps",
		        (unsigned long long)s.packets,
		        (unsigned long long)s.bytes,
		        (unsigned long long)vpn_esp_sa_seq(sa));
		fprintf(o, "  lifetime left: %s s, ", life);
		if (p->hard_bytes)
			fprintf(o, "%llu bytes\n",
			        (unsigned long long)(p->hard_bytes -
			                             vpn_esp_sa_bytes(sa)));
		else
			fprintf(o, "no byte limit\n");
		if (p->inbound)
			fprintf(o, "  replay window %u packets%s\n",
			        p->replay_window,
			        p->replay_window ? "" : " (replay check off)");
		fprintf(o, "  drops:");
		for (int r = 1; r < VPN_ESP_REASON_MAX; r++)
			fprintf(o, " %s %llu", vpn_esp_reason_name(r),
			        (unsigned long long)s.drops[r]);
		fprintf(o, "\n");
	}
	pthread_mutex_unlock(&sas->lock);
	if (json)
		fprintf(o, "]\n");
}

CMD(show_ike_sa)
{
	bool json = has_flag(cli, "json");
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
			json_str(o, g_ike[i].name);
			fprintf(o,
			        ", \"state\": \"%s\", \"local\": \"%s\", "
			        "\"remote\": \"%s\", \"spi_i\": \"%016llx\", "
			        "\"spi_r\": \"%016llx\", \"encr\": %u, "
			        "\"key_bits\": %u, \"integ\": %u, \"dh\": %u, "
			        "\"nat\": %s, \"child_up\": %s, \"last\": ",
			        st, ip(k->local, a), ip(k->remote, b),
			        (unsigned long long)k->spi_i,
			        (unsigned long long)k->spi_r, k->encr,
			        k->key_bits, k->integ, k->dh,
			        k->nat ? "true" : "false",
			        k->child_up ? "true" : "false");
			json_str(o, k->last);
			fprintf(o, "}");
			continue;
		}
		fprintf(o, "%-24s %-12s %-15s %-15s %016llx %016llx ",
		        g_ike[i].name, st, ip(k->local, a), ip(k->remote, b),
		        (unsigned long long)k->spi_i,
		        (unsigned long long)k->spi_r);
		if (k->encr)
			fprintf(o, "encr %u/%u integ %u dh %u%s\n", k->encr,
			        k->key_bits, k->integ, k->dh,
			        k->nat ? " NAT-T" : "");
		else
			fprintf(o, "- (%s)\n", k->last);
	}
	if (json)
		fprintf(o, "]\n");
}

/* ---- show routes, interfaces, counters, log -------------------------- */

CMD(show_routes)
{
	const struct vpn_cfg *cfg = vpngw_running();
	const struct vpn_cfg_appliance *ap = &cfg->appliance;
	bool json = has_flag(cli, "json"), first = true;
	char p[VPN_PREFIX_STRLEN];

	snapshot();
	if (json)
		fprintf(o, "[");
	else
		fprintf(o, "%-10s %-20s %-9s %s\n", "Type", "Prefix",
		        "Selected", "Next hop");
	for (unsigned int i = 0; i < ap->n_ports; i++) {
		const struct vpn_cfg_port *pt = &ap->ports[i];
		struct vpn_prefix net = pt->address;

		if (pt->address.len == 0)
			continue;
		net = vpn_prefix_v4(
		        vpn_prefix_v4_addr(&pt->address) &
		                (pt->address.len ? ~0u << (32 - pt->address.len)
		                                 : 0),
		        pt->address.len);
		if (json)
			fprintf(o,
			        "%s{\"type\": \"connected\", \"prefix\": "
			        "\"%s\", \"selected\": true, \"via\": \"%s\"}",
			        first ? "" : ", ", vpn_prefix_format(&net, p),
			        pt->name);
		else
			fprintf(o, "%-10s %-20s %-9s port %s\n", "connected",
			        vpn_prefix_format(&net, p), "yes", pt->name);
		first = false;
	}
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];
		const struct vpngw_tunnel_info *d[2] = {
		        dp_of(g_dp, g_ndp, c->slot, 0),
		        dp_of(g_dp, g_ndp, c->slot, 1)};
		bool up[2] = {d[0] && d[0]->up, d[1] && d[1]->up};
		char via[2 * VPN_NAME_MAX + 64];

		if (up[0] && up[1])
			snprintf(via, sizeof(via),
			         c->steering == VPN_STEER_ACTIVE_ACTIVE
			                 ? "%s/1 and %s/2 (flow hash)"
			                 : "%s/1 (standby %s/2)",
			         c->name, c->name);
		else if (up[0] || up[1])
			snprintf(via, sizeof(via), "%s/%d", c->name,
			         up[0] ? 1 : 2);
		else
			snprintf(via, sizeof(via), "%s: no tunnel up", c->name);
		for (unsigned int k = 0; k < c->static_routes.n; k++) {
			vpn_prefix_format(&c->static_routes.v[k], p);
			if (json)
				fprintf(o,
				        "%s{\"type\": \"static\", \"prefix\": "
				        "\"%s\", \"selected\": %s, \"via\": "
				        "\"%s\"}",
				        first ? "" : ", ", p,
				        up[0] || up[1] ? "true" : "false", via);
			else
				fprintf(o, "%-10s %-20s %-9s %s\n", "static", p,
				        up[0] || up[1] ? "yes" : "no", via);
			first = false;
		}
	}
	if (json)
		fprintf(o, "]\n");
	else
		fprintf(o, "(BGP routes appear here once BGP runs over the "
		           "tunnels)\n");
}

CMD(show_interfaces)
{
	const struct vpn_cfg *cfg = vpngw_running();
	bool json = has_flag(cli, "json");

	if (json)
		fprintf(o, "[");
	for (unsigned int i = 0; i < cfg->appliance.n_ports; i++) {
		const struct vpn_cfg_port *pt = &cfg->appliance.ports[i];
		struct rte_eth_stats s;
		struct rte_eth_link l;
		struct rte_ether_addr mac;
		char m[RTE_ETHER_ADDR_FMT_SIZE], p[VPN_PREFIX_STRLEN];
		uint16_t id;

		if (vpngw_port_id(pt->device, &id) != 0 ||
		    rte_eth_stats_get(id, &s) != 0)
			continue;
		rte_eth_link_get_nowait(id, &l);
		rte_eth_macaddr_get(id, &mac);
		rte_ether_format_addr(m, sizeof(m), &mac);
		if (json) {
			fprintf(o,
			        "%s{\"name\": \"%s\", \"port\": %u, \"role\": "
			        "\"%s\", \"link\": %s, \"speed_mbps\": %u, "
			        "\"mac\": \"%s\", \"ipackets\": %llu, "
			        "\"opackets\": %llu, \"ibytes\": %llu, "
			        "\"obytes\": %llu, \"imissed\": %llu, "
			        "\"ierrors\": %llu, \"oerrors\": %llu, "
			        "\"rx_nombuf\": %llu}",
			        i ? ", " : "", pt->name, id,
			        vpn_port_role_name(pt->role),
			        l.link_status ? "true" : "false", l.link_speed,
			        m, (unsigned long long)s.ipackets,
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
		        l.link_status ? "up" : "down", id, pt->device, m,
		        (long long)pt->mtu);
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

/* Every counter with its value since clear counters, as "name value"
 * pairs (one function for the text and the JSON form). */
static void
counters(void (*put)(FILE *o, const char *group, const char *name, uint64_t v,
                     bool *first),
         FILE *o)
{
	struct vpngw_dp_stats st;
	struct vpn_ike_stats ik;
	struct vpn_console_stats cs = {0};
	struct vpn_esp_stats e;
	bool first = true;

	vpngw_dp_read(&st, NULL, NULL);
	vpngw_ike_read(&ik, NULL, 0);
	if (console)
		vpn_console_stats(console, &cs);
	put(o, "ports", "outside_rx", st.rx[0] - base.dp.rx[0], &first);
	put(o, "ports", "outside_tx", st.tx[0] - base.dp.tx[0], &first);
	put(o, "ports", "inside_rx", st.rx[1] - base.dp.rx[1], &first);
	put(o, "ports", "inside_tx", st.tx[1] - base.dp.tx[1], &first);
#define PUT_DP(f) put(o, "dataplane", #f, st.f - base.dp.f, &first);
	VPNGW_DP_COUNTERS(PUT_DP)
#undef PUT_DP
	/* The workers' own totals: every SA there ever was (rekeyed ones
	 * too) and packets with none (an unknown SPI), so these never go
	 * back but on clear counters. */
	vpngw_dp_esp_read(&e);
	for (int r = 1; r < VPN_ESP_REASON_MAX; r++)
		put(o, "esp", vpn_esp_reason_name(r),
		    e.drops[r] - base.esp.drops[r], &first);
#define PUT_IKE(f, d) put(o, "ike", #f, ik.f - base.ike.f, &first);
	VPN_IKE_COUNTERS(PUT_IKE)
#undef PUT_IKE
#define PUT_CON(f, d) put(o, "console", #f, cs.f - base.con.f, &first);
	VPN_CONSOLE_COUNTERS(PUT_CON)
#undef PUT_CON
}

static void
put_text(FILE *o, const char *group, const char *name, uint64_t v, bool *first)
{
	(void)first;
	fprintf(o, "%-10s %-28s %llu\n", group, name, (unsigned long long)v);
}

static void
put_json(FILE *o, const char *group, const char *name, uint64_t v, bool *first)
{
	fprintf(o, "%s\"%s.%s\": %llu", *first ? "{" : ", ", group, name,
	        (unsigned long long)v);
	*first = false;
}

CMD(show_counters)
{
	if (has_flag(cli, "json")) {
		counters(put_json, o);
		fprintf(o, "}\n");
	} else
		counters(put_text, o);
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
			json_str(o, line);
			fprintf(o, ", \"line\": ");
			json_str(o, line + 20);
			fprintf(o, "}");
		} else
			json_str(o, line);
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
	if (!has_flag(cli, "json")) {
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

/* An object's options as JSON: each value is its text in the file's
 * (libconfig) syntax. */
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
		json_str(o, v);
		first = false;
	}
}

CMD(show_running)
{
	const struct vpn_cfg *cfg = vpngw_running();
	const struct vpn_cfg_appliance *a = &cfg->appliance;

	if (!has_flag(cli, "json")) {
		vpn_cfg_write(cfg, o);
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
}

CMD(show_cgw_config)
{
	const char *conn = cli_get_optarg_value(cli, "connection", NULL);
	const char *fmt = has_flag(cli, "frr")       ? "frr"
	                  : has_flag(cli, "generic") ? "generic"
	                                             : "strongswan";
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int rc;

	if (m == NULL)
		return;
	rc = conn ? vpn_cfg_export(vpngw_running(), conn, fmt, m) : -ENOENT;
	fclose(m);
	if (rc != 0)
		fprintf(o, "%% no connection %s\n", conn ? conn : "");
	else if (has_flag(cli, "json")) {
		fprintf(o, "{\"connection\": ");
		json_str(o, conn);
		fprintf(o, ", \"format\": \"%s\", \"config\": ", fmt);
		json_lines(o, buf, false);
		fprintf(o, "}\n");
	} else
		fputs(buf, o);
	free(buf);
}

/* ---- tunnel, clear, write ------------------------------------------------ */

CMD(tunnel_cmd)
{
	const char *name = cli_get_optarg_value(cli, "name", NULL);
	const char *act = cli_get_optarg_value(cli, "action", NULL);
	int what = strcmp(act, "up") == 0     ? VPNGW_TUNNEL_UP
	           : strcmp(act, "down") == 0 ? VPNGW_TUNNEL_DOWN
	                                      : VPNGW_TUNNEL_RESET;

	if (vpngw_tunnel_admin(name, what, o) == 0)
		fprintf(o, "tunnel %s: %s\n", name, act);
}

CMD(clear_counters)
{
	struct vpngw_sas *sas = vpngw_running_sas();

	(void)cli;
	vpngw_dp_read(&base.dp, NULL, NULL);
	vpngw_ike_read(&base.ike, NULL, 0);
	if (console)
		vpn_console_stats(console, &base.con);
	vpngw_dp_esp_read(&base.esp);
	pthread_mutex_lock(&sas->lock);
	free(base.sa);
	base.nsa = 0;
	base.sa = calloc(sas->n ? sas->n : 1, sizeof(*base.sa));
	for (unsigned int i = 0; base.sa != NULL && i < sas->n; i++) {
		base.sa[base.nsa].sa = sas->sas[i];
		vpn_esp_sa_stats(sas->sas[i], &base.sa[base.nsa++].st);
	}
	pthread_mutex_unlock(&sas->lock);
	vpngw_log("counters cleared by the console");
	fprintf(o, "counters cleared\n");
}

CMD(write_cmd)
{
	(void)cli;
	vpngw_save(o);
}

/* ---- configure ----------------------------------------------------------- */

static int
configure(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	(void)argv;
	(void)argc;
	cli_set_configmode(cli, MODE_CONFIG, NULL);
	return CLI_OK;
}

static int
end_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	(void)argv;
	(void)argc;
	cli_set_configmode(cli, MODE_EXEC, NULL);
	return CLI_OK;
}

/* Apply a change made by edit() to a copy of the running model. */
static int
change(FILE *o, int (*edit)(struct vpn_cfg *cand, void *arg, FILE *o),
       void *arg)
{
	struct vpn_cfg *cand = vpn_cfg_dup(vpngw_running());

	if (cand == NULL) {
		fprintf(o, "%% out of memory\n");
		return -ENOMEM;
	}
	if (edit(cand, arg, o) != 0) {
		vpn_cfg_free(cand);
		return -EINVAL;
	}
	return vpngw_apply(cand, o);
}

struct conn_arg {
	const char *name, *cgw;
};

static int
edit_conn_add(struct vpn_cfg *cand, void *arg, FILE *o)
{
	const struct conn_arg *a = arg;
	char err[256];

	if (vpn_check_name(a->name, err, sizeof(err)) != 0) {
		fprintf(o, "%% %s\n", err);
		return -EINVAL;
	}
	/* Its slot is chosen when applied. */
	if (vpn_cfg_conn_add(cand, a->name, a->cgw, VPN_MAX_CONNS) == NULL) {
		fprintf(o, "%% cannot add connection %s: %s\n", a->name,
		        strerror(errno));
		return -errno;
	}
	return 0;
}

static int
edit_conn_del(struct vpn_cfg *cand, void *arg, FILE *o)
{
	const struct conn_arg *a = arg;

	if (vpn_cfg_conn_del(cand, a->name) != 0) {
		fprintf(o, "%% no connection %s\n", a->name);
		return -ENOENT;
	}
	return 0;
}

/* Once the command's output is out, the session enters mode for name
 * (kept in field, VPN_NAME_MAX + 1 bytes; the prompt shows prefix-name). */
static void
enter(struct cli_def *cli, char *field, const char *name, int mode,
      const char *prefix)
{
	struct sess *ss = sess_of(cli);

	snprintf(field, VPN_NAME_MAX + 1, "%s", name);
	snprintf(ss->next_prompt, sizeof(ss->next_prompt), "%s-%s", prefix,
	         name);
	ss->next_mode = mode;
}

CMD(conn_cmd)
{
	struct conn_arg a = {
	        cli_get_optarg_value(cli, "name", NULL),
	        cli_get_optarg_value(cli, "customer-gateway", NULL)};
	bool ok = vpn_cfg_conn_find(vpngw_running(), a.name) != NULL;

	if (!ok && a.cgw == NULL)
		fprintf(o,
		        "%% no connection %s; to create one: connection "
		        "%s customer-gateway CGW\n",
		        a.name, a.name);
	else if (!ok)
		ok = change(o, edit_conn_add, &a) == 0;
	if (ok)
		enter(cli, sess_of(cli)->conn, a.name, MODE_CONN, "conn");
}

CMD(no_conn_cmd)
{
	struct conn_arg a = {cli_get_optarg_value(cli, "name", NULL), NULL};

	change(o, edit_conn_del, &a);
}

/* customer-gateway NAME [address A.B.C.D]: name and, when given, the
 * address (a new one needs it unless it authenticates by certificate). */
struct cgw_arg {
	const char *name, *address;
};

static int
edit_cgw_add(struct vpn_cfg *cand, void *arg, FILE *o)
{
	const struct cgw_arg *a = arg;
	struct vpn_cfg_cgw *g = vpn_cfg_cgw_find(cand, a->name);
	char err[256];

	if (g == NULL) {
		if (vpn_check_name(a->name, err, sizeof(err)) != 0) {
			fprintf(o, "%% %s\n", err);
			return -EINVAL;
		}
		g = vpn_cfg_cgw_add(cand, a->name);
		if (g == NULL) {
			fprintf(o, "%% cannot add customer gateway %s: %s\n",
			        a->name, strerror(errno));
			return -errno;
		}
	}
	if (a->address != NULL &&
	    vpn_opt_set(VPN_OBJ_CGW, g, vpn_opt_find(VPN_OBJ_CGW, "address"),
	                &a->address, 1, err, sizeof(err)) != 0) {
		fprintf(o, "%% address: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

static int
edit_cgw_del(struct vpn_cfg *cand, void *arg, FILE *o)
{
	const struct cgw_arg *a = arg;
	int rc = vpn_cfg_cgw_del(cand, a->name);

	if (rc == -ENOENT)
		fprintf(o, "%% no customer gateway %s\n", a->name);
	else if (rc == -EBUSY)
		for (unsigned int i = 0; i < cand->n_conns; i++)
			if (strcmp(cand->conns[i].customer_gateway, a->name) ==
			    0)
				fprintf(o,
				        "%% customer gateway %s: connection "
				        "%s is on it (delete that first)\n",
				        a->name, cand->conns[i].name);
	return rc;
}

CMD(cgw_cmd)
{
	struct cgw_arg a = {cli_get_optarg_value(cli, "name", NULL),
	                    cli_get_optarg_value(cli, "address", NULL)};
	bool ok = vpn_cfg_cgw_find(vpngw_running(), a.name) != NULL &&
	          a.address == NULL;

	if (!ok)
		ok = change(o, edit_cgw_add, &a) == 0;
	if (ok)
		enter(cli, sess_of(cli)->cgw, a.name, MODE_CGW, "cgw");
}

CMD(no_cgw_cmd)
{
	struct cgw_arg a = {cli_get_optarg_value(cli, "name", NULL), NULL};

	change(o, edit_cgw_del, &a);
}

/* An option of the connection being configured (tunnel 0: the
 * connection's own, 1 or 2: a tunnel's). */
struct opt_arg {
	const char *conn; /* NULL: the customer gateway cgw's option */
	const char *cgw;
	int tunnel;
	const char *name;
	const char *const *vals;
	unsigned int n;
	bool add, del; /* static-route add / remove */
};

static int
edit_opt(struct vpn_cfg *cand, void *arg, FILE *o)
{
	const struct opt_arg *a = arg;
	struct vpn_cfg_conn *c =
	        a->conn ? vpn_cfg_conn_find(cand, a->conn) : NULL;
	struct vpn_cfg_cgw *g = a->conn ? NULL : vpn_cfg_cgw_find(cand, a->cgw);
	enum vpn_obj kind = g           ? VPN_OBJ_CGW
	                    : a->tunnel ? VPN_OBJ_TUNNEL
	                                : VPN_OBJ_CONN;
	const char *what = g           ? "customer gateway"
	                   : a->tunnel ? "tunnel"
	                               : "connection";
	void *obj;
	char err[256];
	int idx;

	if (c == NULL && g == NULL) {
		fprintf(o, "%% %s %s is gone\n", what,
		        a->conn ? a->conn : a->cgw);
		return -ENOENT;
	}
	obj = g           ? (void *)g
	      : a->tunnel ? (void *)&c->tunnels[a->tunnel - 1]
	                  : (void *)c;
	idx = vpn_opt_find(kind, a->name);
	if (idx < 0 || strcmp(a->name, "name") == 0 ||
	    strcmp(a->name, "tunnels") == 0) {
		fprintf(o, "%% no %s option %s\n", what, a->name);
		return -EINVAL;
	}
	if (a->add || a->del) {
		/* static-route PREFIX: the list with it added or taken
		 * out, set as a whole like the file sets it. */
		struct vpn_prefix p;
		const char *v[VPN_MAX_PREFIXES + 1];
		char txt[VPN_MAX_PREFIXES + 1][VPN_PREFIX_STRLEN];
		unsigned int n = 0;
		bool found = false;

		if (vpn_prefix_parse(a->vals[0], VPN_PREFIX_NET, &p) != 0) {
			fprintf(o, "%% %s is not a network (A.B.C.D/N)\n",
			        a->vals[0]);
			return -EINVAL;
		}
		for (unsigned int i = 0; i < c->static_routes.n; i++) {
			if (vpn_prefix_equal(&c->static_routes.v[i], &p)) {
				found = true;
				if (a->del)
					continue;
			}
			vpn_prefix_format(&c->static_routes.v[i], txt[n]);
			v[n] = txt[n];
			n++;
		}
		if (a->del && !found) {
			fprintf(o, "%% no static route %s\n", a->vals[0]);
			return -ENOENT;
		}
		if (a->add && found)
			return 0;
		if (a->add) {
			vpn_prefix_format(&p, txt[n]);
			v[n] = txt[n];
			n++;
		}
		if (vpn_opt_set(kind, obj, idx, v, n, err, sizeof(err)) != 0) {
			fprintf(o, "%% %s\n", err);
			return -EINVAL;
		}
		return 0;
	}
	if (vpn_opt_set(kind, obj, idx, a->vals, a->n, err, sizeof(err)) != 0) {
		fprintf(o, "%% %s: %s\n", a->name, err);
		return -EINVAL;
	}
	return 0;
}

/* Split "a b, c" (the rest of the line) into values. */
static unsigned int
split(char *s, const char **v, unsigned int max)
{
	unsigned int n = 0;

	for (char *t = strtok(s, " ,[]\""); t && n < max;
	     t = strtok(NULL, " ,[]\""))
		v[n++] = t;
	return n;
}

static void
opt_run(struct cli_def *cli, FILE *o, bool cgw, int tunnel, const char *name,
        const char *value, bool add, bool del)
{
	/* cgw: the customer gateway's option, else the connection's. */
	struct opt_arg a = {cgw ? NULL : sess_of(cli)->conn,
	                    sess_of(cli)->cgw,
	                    tunnel,
	                    name,
	                    NULL,
	                    0,
	                    add,
	                    del};
	const char *v[VPN_MAX_PREFIXES + 1];
	char buf[CLI_MAX_LINE_LENGTH];

	snprintf(buf, sizeof(buf), "%s", value ? value : "");
	a.n = split(buf, v, VPN_MAX_PREFIXES + 1);
	a.vals = v;
	if (a.n == 0) {
		fprintf(o, "%% %s needs a value\n", name);
		return;
	}
	if (a.n > VPN_MAX_PREFIXES) {
		fprintf(o, "%% at most %d values\n", VPN_MAX_PREFIXES);
		return;
	}
	change(o, edit_opt, &a);
}

CMD(route_add)
{
	opt_run(cli, o, false, 0, "static_routes",
	        cli_get_optarg_value(cli, "prefix", NULL), true, false);
}

CMD(route_del)
{
	opt_run(cli, o, false, 0, "static_routes",
	        cli_get_optarg_value(cli, "prefix", NULL), false, true);
}

CMD(set_cmd)
{
	opt_run(cli, o, false, 0, cli_get_optarg_value(cli, "option", NULL),
	        cli_get_optarg_value(cli, "value", NULL), false, false);
}

CMD(cgw_set_cmd)
{
	opt_run(cli, o, true, 0, cli_get_optarg_value(cli, "option", NULL),
	        cli_get_optarg_value(cli, "value", NULL), false, false);
}

CMD(tunnel_set_cmd)
{
	const char *t = cli_get_optarg_value(cli, "tunnel", NULL);

	opt_run(cli, o, false, t[0] == '2' ? 2 : 1,
	        cli_get_optarg_value(cli, "option", NULL),
	        cli_get_optarg_value(cli, "value", NULL), false, false);
}

/* ---- completions and validators ----------------------------------------- */

static int
complete_tunnels(struct cli_def *cli, const char *name, const char *word,
                 struct cli_comphelp *ch)
{
	const struct vpn_cfg *cfg;

	(void)cli;
	(void)name;
	vpngw_ctl_lock();
	cfg = vpngw_running();
	for (unsigned int i = 0; i < cfg->n_conns; i++)
		for (int t = 1; t <= VPN_TUNNELS; t++) {
			char n[VPN_NAME_MAX + 8];

			snprintf(n, sizeof(n), "%s/%d", cfg->conns[i].name, t);
			if (word == NULL || strncmp(n, word, strlen(word)) == 0)
				cli_add_comphelp_entry(ch, n);
		}
	vpngw_ctl_unlock();
	return CLI_OK;
}

/* The names of the running model's connections, or of its customer
 * gateways, that start with word. */
static int
complete_names(const char *word, struct cli_comphelp *ch, bool cgws)
{
	const struct vpn_cfg *cfg;

	vpngw_ctl_lock();
	cfg = vpngw_running();
	for (unsigned int i = 0; i < (cgws ? cfg->n_cgws : cfg->n_conns); i++) {
		const char *n = cgws ? cfg->cgws[i].name : cfg->conns[i].name;

		if (word == NULL || strncmp(n, word, strlen(word)) == 0)
			cli_add_comphelp_entry(ch, n);
	}
	vpngw_ctl_unlock();
	return CLI_OK;
}

static int
complete_conns(struct cli_def *cli, const char *name, const char *word,
               struct cli_comphelp *ch)
{
	(void)cli;
	(void)name;
	return complete_names(word, ch, false);
}

static int
complete_cgws(struct cli_def *cli, const char *name, const char *word,
              struct cli_comphelp *ch)
{
	(void)cli;
	(void)name;
	return complete_names(word, ch, true);
}

static void
complete_words(const char *const *w, const char *word, struct cli_comphelp *ch)
{
	for (; *w; w++)
		if (word == NULL || strncmp(*w, word, strlen(word)) == 0)
			cli_add_comphelp_entry(ch, *w);
}

static const char *const actions[] = {"up", "down", "reset", NULL};
static const char *const tunnel_nums[] = {"1", "2", NULL};

static int
complete_action(struct cli_def *cli, const char *name, const char *word,
                struct cli_comphelp *ch)
{
	(void)cli;
	(void)name;
	complete_words(actions, word, ch);
	return CLI_OK;
}

static bool
in_words(const char *const *w, const char *value)
{
	for (; *w; w++)
		if (strcmp(*w, value) == 0)
			return true;
	return false;
}

static int
valid_action(struct cli_def *cli, const char *name, const char *value)
{
	(void)cli;
	(void)name;
	return in_words(actions, value) ? CLI_OK : CLI_ERROR;
}

static int
complete_tunnel_num(struct cli_def *cli, const char *name, const char *word,
                    struct cli_comphelp *ch)
{
	(void)cli;
	(void)name;
	complete_words(tunnel_nums, word, ch);
	return CLI_OK;
}

static int
valid_tunnel_num(struct cli_def *cli, const char *name, const char *value)
{
	(void)cli;
	(void)name;
	return in_words(tunnel_nums, value) ? CLI_OK : CLI_ERROR;
}

static void
complete_opts(enum vpn_obj kind, const char *word, struct cli_comphelp *ch)
{
	for (unsigned int i = 0; i < vpn_opt_count(kind); i++) {
		const char *n = vpn_opt_name(kind, (int)i);

		if (strcmp(n, "name") != 0 &&
		    (word == NULL || strncmp(n, word, strlen(word)) == 0))
			cli_add_comphelp_entry(ch, n);
	}
}

static int
complete_conn_opt(struct cli_def *cli, const char *name, const char *word,
                  struct cli_comphelp *ch)
{
	(void)cli;
	(void)name;
	complete_opts(VPN_OBJ_CONN, word, ch);
	return CLI_OK;
}

static int
complete_tunnel_opt(struct cli_def *cli, const char *name, const char *word,
                    struct cli_comphelp *ch)
{
	(void)cli;
	(void)name;
	complete_opts(VPN_OBJ_TUNNEL, word, ch);
	return CLI_OK;
}

static int
complete_cgw_opt(struct cli_def *cli, const char *name, const char *word,
                 struct cli_comphelp *ch)
{
	(void)cli;
	(void)name;
	complete_opts(VPN_OBJ_CGW, word, ch);
	return CLI_OK;
}

/* ---- the command tree --------------------------------------------------- */

static struct cli_command *
reg(struct cli_def *cli, struct cli_command *parent, const char *name,
    int (*fn)(struct cli_def *, const char *, char **, int), int priv, int mode,
    const char *help)
{
	return cli_register_command(cli, parent, name, fn, priv, mode, help);
}

static void
flag(struct cli_command *c, const char *name, const char *help)
{
	cli_register_optarg(c, name, CLI_CMD_OPTIONAL_FLAG,
	                    PRIVILEGE_UNPRIVILEGED, MODE_ANY, help, NULL, NULL,
	                    NULL);
}

static void
arg(struct cli_command *c, const char *name, int flags, int priv,
    const char *help,
    int (*comp)(struct cli_def *, const char *, const char *,
                struct cli_comphelp *),
    int (*valid)(struct cli_def *, const char *, const char *))
{
	cli_register_optarg(c, name, flags, priv, MODE_ANY, help, comp, valid,
	                    NULL);
}

static void
setup(struct cli_def *cli, void *ctx)
{
	const int U = PRIVILEGE_UNPRIVILEGED, P = PRIVILEGE_PRIVILEGED;
	struct cli_command *show, *c, *sub;
	struct sess *s = calloc(1, sizeof(*s));

	(void)ctx;
	cli_set_context(cli, s);
	show = reg(cli, NULL, "show", NULL, U, MODE_ANY, "Show the state");
	c = reg(cli, show, "version", show_version, U, MODE_ANY,
	        "Version and uptime");
	flag(c, "json", "As JSON");
	sub = reg(cli, show, "vpn", NULL, U, MODE_ANY, "VPN connections");
	c = reg(cli, sub, "connections", show_connections, U, MODE_ANY,
	        "Each VPN connection and how many tunnels are up");
	flag(c, "json", "As JSON");
	c = reg(cli, show, "tunnels", show_tunnels, U, MODE_ANY,
	        "Each tunnel: state, addresses, phase 1/2, last change");
	flag(c, "detail", "Everything about each tunnel");
	flag(c, "json", "As JSON");
	sub = reg(cli, show, "ipsec", NULL, U, MODE_ANY, "ESP");
	c = reg(cli, sub, "sa", show_ipsec_sa, U, MODE_ANY,
	        "Each ESP SA: SPI, algorithm, counters, lifetime");
	flag(c, "detail", "Every drop counter, replay window");
	flag(c, "json", "As JSON");
	sub = reg(cli, show, "ike", NULL, U, MODE_ANY, "IKEv2");
	c = reg(cli, sub, "sa", show_ike_sa, U, MODE_ANY, "Each IKE SA");
	flag(c, "json", "As JSON");
	c = reg(cli, show, "routes", show_routes, U, MODE_ANY,
	        "Connected and static routes, selected, next tunnel");
	flag(c, "json", "As JSON");
	c = reg(cli, show, "interfaces", show_interfaces, U, MODE_ANY,
	        "DPDK ports and their counters");
	flag(c, "json", "As JSON");
	c = reg(cli, show, "counters", show_counters, U, MODE_ANY,
	        "Every counter: ports, drops by reason, IKE, console");
	flag(c, "json", "As JSON");
	c = reg(cli, show, "log", show_log, U, MODE_ANY,
	        "The recent log (last 200 lines)");
	arg(c, "tunnel", CLI_CMD_OPTIONAL_ARGUMENT, U,
	    "Only lines about tunnel CONNECTION/N", complete_tunnels, NULL);
	flag(c, "json", "As JSON");
	c = reg(cli, show, "running-config", show_running, U, MODE_ANY,
	        "The running configuration, every option");
	flag(c, "json", "As JSON (each value in the file's syntax)");
	c = reg(cli, show, "customer-gateway-config", show_cgw_config, U,
	        MODE_ANY, "What the customer gateway needs for a connection");
	arg(c, "connection", CLI_CMD_ARGUMENT, U, "VPN connection",
	    complete_conns, NULL);
	flag(c, "strongswan", "swanctl.conf (the default)");
	flag(c, "frr", "FRR BGP configuration");
	flag(c, "generic", "Plain text, every parameter");
	flag(c, "json", "As JSON (the configuration's lines)");

	c = reg(cli, NULL, "tunnel", tunnel_cmd, P, MODE_EXEC,
	        "Take a tunnel up, down, or renegotiate it");
	arg(c, "name", CLI_CMD_ARGUMENT, P, "CONNECTION/1 or /2",
	    complete_tunnels, NULL);
	arg(c, "action", CLI_CMD_ARGUMENT, P, "up, down or reset",
	    complete_action, valid_action);
	sub = reg(cli, NULL, "clear", NULL, P, MODE_EXEC, "Clear");
	reg(cli, sub, "counters", clear_counters, P, MODE_EXEC,
	    "Count from zero again (what show displays)");
	reg(cli, NULL, "write", write_cmd, P, MODE_ANY,
	    "Save the running configuration to its file (old one kept as "
	    ".bak)");

	/* libcli's configure needs "terminal": ours takes it or not. */
	cli_unregister_command(cli, "configure");
	c = reg(cli, NULL, "configure", configure, P, MODE_EXEC,
	        "Enter configuration mode");
	reg(cli, c, "terminal", configure, P, MODE_EXEC,
	    "Enter configuration mode");
	reg(cli, NULL, "end", end_cmd, P, MODE_CONFIG,
	    "Leave configuration mode");
	reg(cli, NULL, "end", end_cmd, P, MODE_CONN,
	    "Leave configuration mode");
	reg(cli, NULL, "end", end_cmd, P, MODE_CGW, "Leave configuration mode");
	c = reg(cli, NULL, "connection", conn_cmd, P, MODE_CONFIG,
	        "Configure a VPN connection (created with customer-gateway)");
	arg(c, "name", CLI_CMD_ARGUMENT, P, "Connection name", complete_conns,
	    NULL);
	arg(c, "customer-gateway", CLI_CMD_OPTIONAL_ARGUMENT, P,
	    "Create it on this customer gateway", NULL, NULL);
	sub = reg(cli, NULL, "no", NULL, P, MODE_CONFIG, "Delete");
	c = reg(cli, sub, "connection", no_conn_cmd, P, MODE_CONFIG,
	        "Delete a VPN connection (its tunnels go down)");
	arg(c, "name", CLI_CMD_ARGUMENT, P, "Connection name", complete_conns,
	    NULL);
	c = reg(cli, sub, "customer-gateway", no_cgw_cmd, P, MODE_CONFIG,
	        "Delete a customer gateway no connection is on");
	arg(c, "name", CLI_CMD_ARGUMENT, P, "Customer gateway name",
	    complete_cgws, NULL);
	c = reg(cli, NULL, "customer-gateway", cgw_cmd, P, MODE_CONFIG,
	        "Configure a customer gateway (created when new)");
	arg(c, "name", CLI_CMD_ARGUMENT, P, "Customer gateway name",
	    complete_cgws, NULL);
	arg(c, "address", CLI_CMD_OPTIONAL_ARGUMENT, P,
	    "Its outside IPv4 address", NULL, NULL);
	c = reg(cli, NULL, "set", cgw_set_cmd, P, MODE_CGW,
	        "Set a customer gateway option (as in the file): its "
	        "connections' tunnels negotiate again");
	arg(c, "option", CLI_CMD_ARGUMENT, P, "Option name", complete_cgw_opt,
	    NULL);
	arg(c, "value", CLI_CMD_ARGUMENT | CLI_CMD_REMAINDER_OF_LINE, P,
	    "Value, or values for a list", NULL, NULL);

	c = reg(cli, NULL, "static-route", route_add, P, MODE_CONN,
	        "Add a static route into this connection");
	arg(c, "prefix", CLI_CMD_ARGUMENT, P, "A.B.C.D/N", NULL, NULL);
	sub = reg(cli, NULL, "no", NULL, P, MODE_CONN, "Remove");
	c = reg(cli, sub, "static-route", route_del, P, MODE_CONN,
	        "Remove a static route");
	arg(c, "prefix", CLI_CMD_ARGUMENT, P, "A.B.C.D/N", NULL, NULL);
	c = reg(cli, NULL, "set", set_cmd, P, MODE_CONN,
	        "Set a connection option (as in the file)");
	arg(c, "option", CLI_CMD_ARGUMENT, P, "Option name", complete_conn_opt,
	    NULL);
	arg(c, "value", CLI_CMD_ARGUMENT | CLI_CMD_REMAINDER_OF_LINE, P,
	    "Value, or values for a list", NULL, NULL);
	c = reg(cli, NULL, "tunnel", tunnel_set_cmd, P, MODE_CONN,
	        "Set a tunnel option (as in the file): only that tunnel "
	        "negotiates again");
	arg(c, "tunnel", CLI_CMD_ARGUMENT, P, "1 or 2", complete_tunnel_num,
	    valid_tunnel_num);
	arg(c, "option", CLI_CMD_ARGUMENT, P, "Option name",
	    complete_tunnel_opt, NULL);
	arg(c, "value", CLI_CMD_ARGUMENT | CLI_CMD_REMAINDER_OF_LINE, P,
	    "Value, or values for a list", NULL, NULL);
}

static void
teardown(struct cli_def *cli, void *ctx)
{
	(void)ctx;
	free(cli_get_context(cli));
}

void
vpngw_console_start(const struct vpn_cfg *cfg)
{
	const struct vpn_cfg_console *c = &cfg->appliance.console;
	struct vpn_console_params p = {
	        .addr = c->listen_addr,
	        .port = c->listen_port,
	        .user = c->user,
	        .password_hash = c->password_hash,
	        .max_sessions = (unsigned int)c->max_sessions,
	        .idle_timeout = (unsigned int)c->idle_timeout,
	        .login_delay_ms = 2000,
	        .login_attempts = 3,
	        .hostname = cfg->appliance.name,
	        .banner = c->password_hash[0]
	                          ? "vpngw console"
	                          : "vpngw console (no password: loopback "
	                            "only)",
	        .setup = setup,
	        .teardown = teardown,
	};
	char err[128], b[16];

	started = time(NULL);
	if (c->listen_port == 0) {
		vpngw_log("console: off (listen port 0)");
		return;
	}
	console = vpn_console_start(&p, err, sizeof(err));
	if (console == NULL)
		vpngw_log("console: cannot listen on %s:%u: %s (vpngw runs "
		          "on without it)",
		          vpn_ipv4_format(c->listen_addr, b), c->listen_port,
		          err);
	else
		vpngw_log("console: listening on %s:%u (telnet), %s",
		          vpn_ipv4_format(c->listen_addr, b),
		          vpn_console_port(console),
		          c->password_hash[0] ? "login required"
		                              : "no password");
}

void
vpngw_console_stop(void)
{
	vpn_console_stop(console);
	console = NULL;
}
