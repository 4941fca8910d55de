/* SPDX-License-Identifier: BSD-3-Clause */
/* Views: the tunnels as the console and telemetry show them (gw_view.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_console.h"
#include "gw_dp.h"
#include "gw_ike.h"
#include "gw_routing.h"
#include "gw_running.h"
#include "gw_bgp.h"
#include "gw_view.h"

#define MAXT (VPN_MAX_CONNS * VPN_TUNNELS)

/* Scratch for one build at a time (the control lock). */
static struct vpngw_tunnel_info dp_info[MAXT];
static struct vpngw_ike_info ike_info[MAXT];
static int dp_at[MAXT], ike_at[MAXT]; /* by slot*2+ti: index, or -1 */

/* The tunnels' up states in dp_info/dp_at (the scratch above). */
static void
read_tunnels(void)
{
	unsigned int ndp = vpngw_dp_tunnels(dp_info, MAXT);

	for (unsigned int i = 0; i < MAXT; i++)
		dp_at[i] = -1;
	for (unsigned int i = 0; i < ndp; i++)
		if (dp_info[i].conn * VPN_TUNNELS + dp_info[i].ti < MAXT)
			dp_at[dp_info[i].conn * VPN_TUNNELS + dp_info[i].ti] =
			        (int)i;
}

static bool
tunnel_up(unsigned int slot, unsigned int ti)
{
	unsigned int at = slot * VPN_TUNNELS + ti;

	return at < MAXT && dp_at[at] >= 0 && dp_info[dp_at[at]].up;
}

static void
view_one(struct vpngw_tunnel_view *v, const struct vpn_cfg_conn *c,
         unsigned int ti)
{
	const struct vpn_cfg_tunnel *tu = &c->tunnels[ti];
	unsigned int at = c->slot * VPN_TUNNELS + ti;
	const struct vpngw_tunnel_info *d =
	        at < MAXT && dp_at[at] >= 0 ? &dp_info[dp_at[at]] : NULL;
	const struct vpngw_ike_info *k =
	        at < MAXT && ike_at[at] >= 0 ? &ike_info[ike_at[at]] : NULL;
	const struct vpngw_sas *sas = vpngw_running_sas();

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s/%u", c->name, ti + 1);
	v->slot = c->slot;
	v->ti = ti;
	v->cfg = tu;
	v->up = d != NULL && d->up;
	v->admin_down = vpngw_tunnel_admin_down(c->slot, ti);
	v->manual = tu->manual.present;
	v->outside = tu->outside_address;
	v->remote = tu->remote_address;
	if (tu->remote_address == 0 && !v->manual) {
		v->learned = true;
		v->remote = k ? k->ike.remote : 0;
		v->rport = k ? k->ike.rport : 0;
	}
	v->ours = vpn_cfg_inside_addr(tu, true);
	v->inside = tu->inside_cidr;
	v->phase1 = v->manual ? "manual"
	            : k ? (k->ike.admin_down ? "admin-down" : k->ike.ike_state)
	                : "no-ike";
	v->since_s = d ? d->since_s : -1;
	v->silent_s = d && v->manual ? d->silent_s : -1;
	snprintf(v->why, sizeof(v->why), "%s", d ? d->why : "");
	v->keepalives = d ? d->keepalives : 0;
	v->changes = d ? d->changes : 0;
	v->ike_peer = k ? (int)k->peer : -1;
	if (k != NULL) {
		snprintf(v->ike_last, sizeof(v->ike_last), "%s", k->ike.last);
		v->nat = k->ike.nat;
		v->spi_in = k->ike.spi_in;
		v->spi_out = k->ike.spi_out;
		v->in = k->esp_in;
		v->out = k->esp_out;
	} else if (v->manual && sas != NULL && sas->out_by_tunnel != NULL) {
		/* Never rekeyed: its SAs' counters are the tunnel's. */
		v->nat = tu->manual.encapsulation == VPN_ENCAP_UDP;
		v->spi_in = (uint32_t)tu->manual.spi_in;
		v->spi_out = (uint32_t)tu->manual.spi_out;
		vpngw_sa_stats_add(&v->in, sas->in_by_tunnel[at]);
		vpngw_sa_stats_add(&v->out, sas->out_by_tunnel[at]);
	}
}

unsigned int
vpngw_view_tunnels(struct vpngw_tunnel_view *v, unsigned int max)
{
	const struct vpn_cfg *cfg = vpngw_running();
	unsigned int nike = vpngw_ike_read(NULL, ike_info, MAXT);
	unsigned int n = 0;

	read_tunnels();
	for (unsigned int i = 0; i < MAXT; i++)
		ike_at[i] = -1;
	for (unsigned int i = 0; i < nike; i++)
		if (ike_info[i].conn * VPN_TUNNELS + ike_info[i].ti < MAXT)
			ike_at[ike_info[i].conn * VPN_TUNNELS +
			       ike_info[i].ti] = (int)i;
	for (unsigned int i = 0; cfg != NULL && i < cfg->n_conns; i++)
		for (unsigned int t = 0; t < VPN_TUNNELS && n < max; t++)
			view_one(&v[n++], &cfg->conns[i], t);
	return n;
}

void
vpngw_view_tunnel_fields(const struct vpngw_tunnel_view *v,
                         const struct vpngw_view_out *out, void *ctx)
{
	char a[16], p[VPN_PREFIX_STRLEN];

	out->str(ctx, "name", v->name);
	out->str(ctx, "state", v->up ? "up" : "down");
	out->flag(ctx, "admin_down", v->admin_down);
	out->str(ctx, "keying", v->manual ? "manual" : "ikev2");
	out->str(ctx, "outside", vpn_ipv4_format(v->outside, a));
	out->str(ctx, "remote", vpn_ipv4_format(v->remote, a));
	/* A customer gateway without an address: where it is now. */
	out->flag(ctx, "remote_learned", v->learned);
	out->str(ctx, "inside_cidr", vpn_prefix_format(&v->inside, p));
	out->str(ctx, "phase1", v->phase1);
	out->str(ctx, "phase2", v->up ? "up" : "down");
	out->num(ctx, "since_last_change_s",
	         v->since_s < 0 ? -1 : (int64_t)v->since_s);
	out->str(ctx, "last_change", v->why);
	out->u64(ctx, "changes", v->changes);
	out->str(ctx, "ike_last", v->ike_last);
	out->flag(ctx, "nat", v->nat);
	out->u64(ctx, "spi_in", v->spi_in);
	out->u64(ctx, "spi_out", v->spi_out);
	/* silent_ms: 0 where IKE's DPD watches instead */
	out->u64(ctx, "silent_ms",
	         v->silent_s < 0 ? 0 : (uint64_t)(v->silent_s * 1000));
	out->u64(ctx, "keepalives", v->keepalives);
	out->u64(ctx, "in_packets", v->in.packets);
	out->u64(ctx, "in_bytes", v->in.bytes);
	out->drops(ctx, "in_drops", &v->in);
	out->u64(ctx, "out_packets", v->out.packets);
	out->u64(ctx, "out_bytes", v->out.bytes);
	out->drops(ctx, "out_drops", &v->out);
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
			    (c->tunnels[t].remote_address == p->tun_dst ||
			     c->tunnels[t].remote_address == 0))
				snprintf(buf, len, "%s/%d", c->name, t + 1);
	}
}

void
vpngw_view_sa(const struct vpn_esp_sa *sa, struct vpngw_sa_view *v)
{
	const struct vpn_esp_sa_params *p = vpn_esp_sa_params(sa);
	uint32_t left;

	memset(v, 0, sizeof(*v));
	sa_tunnel(p, v->tunnel, sizeof(v->tunnel));
	v->spi = p->spi;
	v->inbound = p->inbound;
	v->esn = p->esn;
	v->udp_encap = p->udp_encap;
	sa_alg(p, v->algorithm, sizeof(v->algorithm));
	v->src = p->tun_src;
	v->dst = p->tun_dst;
	vpn_esp_sa_stats(sa, &v->st);
	v->seq = vpn_esp_sa_seq(sa);
	v->replay_window = p->replay_window;
	v->life_s = vpngw_ike_sa_life(p->spi, &left) == 0 ? (int64_t)left : -1;
	v->bytes_left =
	        p->hard_bytes ? (int64_t)(p->hard_bytes - vpn_esp_sa_bytes(sa))
	                      : -1;
}

void
vpngw_view_sa_fields(const struct vpngw_sa_view *v,
                     const struct vpngw_view_out *out, void *ctx)
{
	char a[16];

	out->str(ctx, "tunnel", v->tunnel);
	out->u64(ctx, "spi", v->spi);
	out->str(ctx, "direction", v->inbound ? "in" : "out");
	out->str(ctx, "algorithm", v->algorithm);
	out->flag(ctx, "esn", v->esn);
	out->flag(ctx, "udp_encap", v->udp_encap);
	out->str(ctx, "outer_src", vpn_ipv4_format(v->src, a));
	out->str(ctx, "outer_dst", vpn_ipv4_format(v->dst, a));
	out->u64(ctx, "packets", v->st.packets);
	out->u64(ctx, "bytes", v->st.bytes);
	out->u64(ctx, "seq", v->seq);
	out->u64(ctx, "replay_window", v->replay_window);
	out->num(ctx, "lifetime_left_s", v->life_s);
	out->num(ctx, "lifetime_bytes_left", v->bytes_left);
	out->drops(ctx, "drops", &v->st);
}

void
vpngw_view_counters(struct vpngw_counters *c)
{
	vpngw_dp_read(&c->dp, NULL, NULL);
	/* The workers' own totals: every SA there ever was (rekeyed ones
	 * too) and packets with none (an unknown SPI), so these never go
	 * back. */
	vpngw_dp_esp_read(&c->esp);
	vpngw_ike_read(&c->ike, NULL, 0);
	vpngw_console_counters(&c->con);
}

void
vpngw_counters_sub(struct vpngw_counters *c, const struct vpngw_counters *b)
{
	for (int i = 0; i < 2; i++) {
		c->dp.rx[i] -= b->dp.rx[i];
		c->dp.tx[i] -= b->dp.tx[i];
	}
#define SUB_DP(f) c->dp.f -= b->dp.f;
	VPNGW_DP_COUNTERS(SUB_DP)
#undef SUB_DP
	for (int r = 0; r < VPN_ESP_REASON_MAX; r++)
		c->esp.drops[r] -= b->esp.drops[r];
#define SUB(f, d) c->ike.f -= b->ike.f;
	VPN_IKE_COUNTERS(SUB)
#undef SUB
#define SUB(f, d) c->con.f -= b->con.f;
	VPN_CONSOLE_COUNTERS(SUB)
#undef SUB
}

void
vpngw_view_counters_fields(const struct vpngw_counters *c,
                           const struct vpngw_view_out *out, void *ctx)
{
	char k[64];

	out->u64(ctx, "ports.outside_rx", c->dp.rx[0]);
	out->u64(ctx, "ports.outside_tx", c->dp.tx[0]);
	out->u64(ctx, "ports.inside_rx", c->dp.rx[1]);
	out->u64(ctx, "ports.inside_tx", c->dp.tx[1]);
#define PUT_DP(f) out->u64(ctx, "dataplane." #f, c->dp.f);
	VPNGW_DP_COUNTERS(PUT_DP)
#undef PUT_DP
	for (int r = 1; r < VPN_ESP_REASON_MAX; r++) {
		snprintf(k, sizeof(k), "esp.%s", vpn_esp_reason_name(r));
		out->u64(ctx, k, c->esp.drops[r]);
	}
#define PUT(f, d) out->u64(ctx, "ike." #f, c->ike.f);
	VPN_IKE_COUNTERS(PUT)
#undef PUT
#define PUT(f, d) out->u64(ctx, "console." #f, c->con.f);
	VPN_CONSOLE_COUNTERS(PUT)
#undef PUT
}

/* Where r's traffic goes, and whether it can now. */
static void
route_via(const struct vpn_cfg *cfg, const struct vpn_rib_route *r,
          struct vpngw_route_view *v)
{
	const struct vpn_cfg_conn *c = NULL;
	bool up[2];

	if (r->nh.src == VPN_RIB_CONNECTED) {
		v->selected = true;
		snprintf(v->via, sizeof(v->via), "port %s",
		         r->nh.conn < cfg->appliance.n_ports
		                 ? cfg->appliance.ports[r->nh.conn].name
		                 : "?");
		return;
	}
	for (unsigned int i = 0; i < cfg->n_conns; i++)
		if (cfg->conns[i].slot == r->nh.conn)
			c = &cfg->conns[i];
	if (c == NULL) {
		snprintf(v->via, sizeof(v->via), "connection slot %u (gone)",
		         r->nh.conn);
		return;
	}
	for (unsigned int t = 0; t < 2; t++)
		up[t] = (r->nh.tunnels & 1u << t) && tunnel_up(c->slot, t);
	v->selected = up[0] || up[1];
	if (up[0] && up[1])
		snprintf(
		        v->via, sizeof(v->via),
		        r->nh.mode == VPN_RIB_ACTIVE ||
		                        (r->nh.mode == VPN_RIB_STEER &&
		                         c->steering == VPN_STEER_ACTIVE_ACTIVE)
		                ? "%s/1 and %s/2 (flow hash)"
		                : "%s/1 (standby %s/2)",
		        c->name, c->name);
	else if (up[0] || up[1])
		snprintf(v->via, sizeof(v->via), "%s/%d", c->name,
		         up[0] ? 1 : 2);
	else
		snprintf(v->via, sizeof(v->via), "%s: no tunnel up", c->name);
	if (up[0] && up[1] && r->nh.mode == VPN_RIB_STANDBY &&
	    r->nh.primary == 1)
		snprintf(v->via, sizeof(v->via), "%s/2 (standby %s/1)", c->name,
		         c->name);
}

static int
route_order(const void *a, const void *b)
{
	const struct vpn_rib_route *x = a, *y = b;

	if (x->nh.src != y->nh.src)
		return x->nh.src < y->nh.src ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->len - (int)y->len;
}

unsigned int
vpngw_view_routes(struct vpngw_route_view *v, unsigned int max)
{
	const struct vpn_rib *rib = vpngw_routing_rib();
	const struct vpn_cfg *cfg = vpngw_running();
	unsigned int n = rib ? vpn_rib_prefixes(rib) : 0;
	struct vpn_rib_route *r;

	if (n == 0 || cfg == NULL || max == 0)
		return cfg == NULL ? 0 : n;
	r = calloc(n, sizeof(*r));
	if (r == NULL)
		return 0;
	n = vpn_rib_routes(rib, r, n);
	qsort(r, n, sizeof(*r), route_order);
	read_tunnels();
	for (unsigned int i = 0; i < n && i < max; i++) {
		struct vpn_prefix p = vpn_prefix_v4(r[i].addr, r[i].len);

		memset(&v[i], 0, sizeof(v[i]));
		vpn_prefix_format(&p, v[i].prefix);
		v[i].src = r[i].nh.src;
		v[i].paths = r[i].paths;
		snprintf(v[i].tunnels, sizeof(v[i].tunnels), "%s%s%s",
		         r[i].nh.tunnels & 1 ? "1" : "",
		         r[i].nh.tunnels == 3 ? "," : "",
		         r[i].nh.tunnels & 2 ? "2" : "");
		route_via(cfg, &r[i], &v[i]);
	}
	free(r);
	return n;
}

void
vpngw_view_route_fields(const struct vpngw_route_view *v,
                        const struct vpngw_view_out *out, void *ctx)
{
	out->str(ctx, "type", vpn_rib_src_name(v->src));
	out->str(ctx, "prefix", v->prefix);
	out->flag(ctx, "selected", v->selected);
	out->str(ctx, "via", v->via);
	out->str(ctx, "tunnels", v->tunnels);
	out->u64(ctx, "paths", v->paths);
}

void
vpngw_view_bgp_fields(const struct vpngw_bgp_peer *p,
                      const struct vpngw_view_out *out, void *ctx)
{
	char a[16];

	out->str(ctx, "tunnel", p->name);
	out->str(ctx, "neighbor", vpn_ipv4_format(p->addr, a));
	out->str(ctx, "local", vpn_ipv4_format(p->ours, a));
	out->u64(ctx, "remote_as", (uint64_t)p->asn);
	out->str(ctx, "state", p->state);
	out->str(ctx, "peer_state", p->peer_state);
	out->u64(ctx, "uptime_ms", p->uptime_ms);
	out->u64(ctx, "prefixes_received", p->pfx_rcvd);
	out->u64(ctx, "prefixes_sent", p->pfx_sent);
	out->u64(ctx, "routes", p->routes);
	out->u64(ctx, "max_prefixes", p->max_prefixes);
	out->u64(ctx, "established", p->established);
	out->u64(ctx, "dropped", p->dropped);
}

const char *
vpngw_view_health_state(const struct vpngw_tunnel_info *t)
{
	return t->fail_open ? "in use (no tunnel answers)"
	       : t->up      ? "up"
	                    : "down";
}

void
vpngw_view_health_fields(const struct vpngw_tunnel_info *t,
                         const struct vpn_cfg *cfg,
                         const struct vpngw_view_out *out, void *ctx)
{
	const struct vpn_cfg_conn *c = NULL;
	char a[16];

	for (unsigned int k = 0; cfg && k < cfg->n_conns; k++)
		if (cfg->conns[k].slot == t->conn)
			c = &cfg->conns[k];
	out->str(ctx, "tunnel", t->name);
	out->str(ctx, "target", vpn_ipv4_format(t->probe_target, a));
	out->u64(ctx, "interval_ms",
	         c ? (uint64_t)c->health_check_interval : 0);
	out->u64(ctx, "threshold", c ? (uint64_t)c->health_check_threshold : 0);
	out->flag(ctx, "probes_ok", t->probe_ok);
	out->u64(ctx, "sent", t->probes_sent);
	out->u64(ctx, "answered", t->probes_answered);
	out->u64(ctx, "rtt_us", t->probe_rtt_us);
	out->str(ctx, "state", vpngw_view_health_state(t));
	out->str(ctx, "why", t->why);
}
