/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters over DPDK telemetry, for dpdk-telemetry.py and scripts:
 *   /vpngw/info          version, TSC frequency, memory in use
 *   /vpngw/tunnels       each tunnel, as show tunnels json has it
 *   /vpngw/stats         the data plane's port and drop counters
 *   /vpngw/counters      every counter, as show counters json has it
 *   /vpngw/routes        the routes, as show routes json has them
 *   /vpngw/sa            the SPIs of every SA
 *   /vpngw/sa,SPI        one SA, as show ipsec sa json has it
 *   /vpngw/ike           IKE counters and each IKE tunnel's state
 * Read from the telemetry thread while the workers count (vpngw_dp_read),
 * each command under the control lock, as a console command (tel_run).
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_telemetry.h>

#include "gw_bgp.h"
#include "gw_dp.h"
#include "gw_ike.h"
#include "gw_sa.h"
#include "gw_running.h"
#include "gw_telemetry.h"
#include "gw_view.h"

static struct vpngw_sas *tel_sas;

#define STAT(d, st, f) rte_tel_data_add_dict_u64(d, #f, (st)->f)

/* Every tunnel the model allows is read; a reply holds a page of them
 * (DPDK's telemetry takes at most 256 entries and 16 KiB a reply; a
 * /vpngw/tunnels entry is up to ~750 bytes of JSON): /vpngw/tunnels,N
 * starts at the N-th, and "next" names the next page. */
#define TEL_TUNNELS (VPN_MAX_CONNS * VPN_TUNNELS)
#define TEL_PAGE    16

/* The first tunnel of the page params asks for (0 without one), or -1. */
static long
tel_first(const char *params)
{
	char *end;
	long v;

	if (params == NULL || *params == '\0')
		return 0;
	v = strtol(params, &end, 10);
	return *end == '\0' && v >= 0 && v < TEL_TUNNELS ? v : -1;
}

/* The telemetry renderer of a view's fields (gw_view.h): a dict; numbers
 * as integers, flags as 0/1, drops by reason in a dict of their own where
 * the dict is the reply itself (DPDK nests containers one deep), else
 * summed over every reason but DUMMY (keepalives heard). */
struct tel_ctx {
	struct rte_tel_data *d;
	bool top; /* d is the reply, not a container in it */
};

/* name as DPDK's telemetry takes a key: letters, digits, '_' and '/';
 * anything else (the '.' of "group.name", a '-' or '.' in a connection's
 * name) becomes '_'. Values (a tunnel's "name") keep the real name. */
static const char *
tel_key(const char *name, char *buf, size_t len)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < len; i++) {
		char c = name[i];

		buf[i] = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		                         (c >= 'a' && c <= 'z') || c == '_' ||
		                         c == '/'
		                 ? c
		                 : '_';
	}
	buf[i] = '\0';
	return buf;
}

/* A tunnel's key in a reply: its name when DPDK takes it as a key, else
 * "tN" from its index in the list (no real tunnel's name lacks the '/'
 * of "connection/N", so it cannot collide); the entry keeps the real
 * name either way. */
static const char *
tel_tunnel_key(const char *name, unsigned int i, char *buf, size_t len)
{
	tel_key(name, buf, len);
	if (strcmp(buf, name) != 0)
		snprintf(buf, len, "t%u", i);
	return buf;
}

static void
tv_str(void *ctx, const char *key, const char *v)
{
	char k[64];

	rte_tel_data_add_dict_string(((struct tel_ctx *)ctx)->d,
	                             tel_key(key, k, sizeof(k)), v);
}

static void
tv_u64(void *ctx, const char *key, uint64_t v)
{
	char k[64];

	rte_tel_data_add_dict_u64(((struct tel_ctx *)ctx)->d,
	                          tel_key(key, k, sizeof(k)), v);
}

static void
tv_num(void *ctx, const char *key, int64_t v)
{
	struct rte_tel_data *d = ((struct tel_ctx *)ctx)->d;
	char k[64];

	tel_key(key, k, sizeof(k));
	if (v >= INT32_MIN && v <= INT32_MAX)
		rte_tel_data_add_dict_int(d, k, (int)v);
	else
		rte_tel_data_add_dict_u64(d, k, v < 0 ? 0 : (uint64_t)v);
}

static void
tv_flag(void *ctx, const char *key, bool v)
{
	rte_tel_data_add_dict_u64(((struct tel_ctx *)ctx)->d, key, v);
}

static uint64_t
drops_sum(const struct vpn_esp_stats *st)
{
	uint64_t drops = 0;

	for (int r = 1; r < VPN_ESP_REASON_MAX; r++)
		drops += r == VPN_ESP_DUMMY ? 0 : st->drops[r];
	return drops;
}

static void
tv_drops(void *ctx, const char *key, const struct vpn_esp_stats *s)
{
	struct tel_ctx *c = ctx;
	struct rte_tel_data *r = c->top ? rte_tel_data_alloc() : NULL;

	if (r == NULL) {
		rte_tel_data_add_dict_u64(c->d, key, drops_sum(s));
		return;
	}
	rte_tel_data_start_dict(r);
	for (int k = 1; k < VPN_ESP_REASON_MAX; k++)
		rte_tel_data_add_dict_u64(r, vpn_esp_reason_name(k),
		                          s->drops[k]);
	rte_tel_data_add_dict_container(c->d, key, r, 0);
}

static const struct vpngw_view_out tel_out = {tv_str, tv_u64, tv_num, tv_flag,
                                              tv_drops};

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vpngw_dp_stats sum, *st = &sum;

	(void)cmd;
	(void)params;
	vpngw_dp_read(&sum, NULL, NULL);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "outside_rx", st->rx[0]);
	rte_tel_data_add_dict_u64(d, "outside_tx", st->tx[0]);
	rte_tel_data_add_dict_u64(d, "inside_rx", st->rx[1]);
	rte_tel_data_add_dict_u64(d, "inside_tx", st->tx[1]);
#define TEL_COUNTER(f) STAT(d, st, f);
	VPNGW_DP_COUNTERS(TEL_COUNTER)
#undef TEL_COUNTER
	return 0;
}

/* One SA into d, as show ipsec sa json has it: 0, or -1 when no SA has
 * that SPI. */
static int
sa_dict(struct rte_tel_data *d, unsigned long spi)
{
	struct tel_ctx c = {d, true};
	struct vpngw_sa_view v;

	for (unsigned int i = 0; i < tel_sas->n; i++) {
		if (vpn_esp_sa_spi(tel_sas->sas[i]) != spi)
			continue;
		/* Outbound and inbound SAs may share an SPI value: the
		 * first one found is reported. */
		vpngw_view_sa(tel_sas->sas[i], &v);
		rte_tel_data_start_dict(d);
		vpngw_view_sa_fields(&v, &tel_out, &c);
		return 0;
	}
	return -1;
}

static int
tel_sa(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned long spi;
	int rc;
	char *end;

	(void)cmd;
	if (params == NULL || params[0] == '\0') {
		rte_tel_data_start_array(d, RTE_TEL_U64_VAL);
		pthread_mutex_lock(&tel_sas->lock);
		for (unsigned int i = 0; i < tel_sas->n; i++)
			rte_tel_data_add_array_u64(
			        d, vpn_esp_sa_spi(tel_sas->sas[i]));
		pthread_mutex_unlock(&tel_sas->lock);
		return 0;
	}
	spi = strtoul(params, &end, 0);
	if (*end != '\0')
		return -1;
	/* Held while reading: IKE frees SAs only after taking them out of
	 * the list under it. */
	pthread_mutex_lock(&tel_sas->lock);
	rc = sa_dict(d, spi);
	pthread_mutex_unlock(&tel_sas->lock);
	return rc;
}

/* Each tunnel as the console's show tunnels json has it (the same view,
 * the same fields), a page at once. */
static int
tel_tunnels(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vpngw_tunnel_view *v = calloc(TEL_TUNNELS, sizeof(*v));
	char key[VPN_NAME_MAX + 8];
	long first = tel_first(params);
	unsigned int n;
	int rc = 0;

	(void)cmd;
	if (v == NULL || first < 0) {
		free(v);
		return v == NULL ? -ENOMEM : -EINVAL;
	}
	n = vpngw_view_tunnels(v, TEL_TUNNELS);
	rte_tel_data_start_dict(d);
	if (first + TEL_PAGE < (long)n)
		rte_tel_data_add_dict_u64(d, "next",
		                          (uint64_t)first + TEL_PAGE);
	for (unsigned int i = (unsigned int)first;
	     i < n && i < (unsigned int)first + TEL_PAGE; i++) {
		struct tel_ctx c = {rte_tel_data_alloc(), false};
		struct rte_tel_data *t = c.d;

		if (t == NULL) {
			rc = -ENOMEM;
			break;
		}
		rte_tel_data_start_dict(t);
		vpngw_view_tunnel_fields(&v[i], &tel_out, &c);
		rte_tel_data_add_dict_container(
		        d, tel_tunnel_key(v[i].name, i, key, sizeof(key)), t,
		        0);
	}
	free(v);
	return rc;
}

/* A tunnel's ESP counters over every Child SA it had, as DIR_packets,
 * DIR_bytes and DIR_drops (every reason but dummy packets). */
static void
tel_esp(struct rte_tel_data *t, const char *dir, const struct vpn_esp_stats *st)
{
	char k[16];

	snprintf(k, sizeof(k), "%s_packets", dir);
	rte_tel_data_add_dict_u64(t, k, st->packets);
	snprintf(k, sizeof(k), "%s_bytes", dir);
	rte_tel_data_add_dict_u64(t, k, st->bytes);
	snprintf(k, sizeof(k), "%s_drops", dir);
	rte_tel_data_add_dict_u64(t, k, drops_sum(st));
}

/* IKE: the engine's counters and, per tunnel, the IKE SA and Child SA. */
static int
tel_ike(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vpngw_ike_info *info = calloc(TEL_TUNNELS, sizeof(*info));
	char key[VPN_NAME_MAX + 8];
	struct vpn_ike_stats st;
	struct rte_tel_data *t;
	unsigned int n = info ? vpngw_ike_read(&st, info, TEL_TUNNELS) : 0;
	long first = tel_first(params);

	(void)cmd;
	if (info == NULL || first < 0) {
		free(info);
		return info == NULL ? -ENOMEM : -EINVAL;
	}
	rte_tel_data_start_dict(d);
#define TEL_IKE(f, desc) rte_tel_data_add_dict_u64(d, #f, st.f);
	VPN_IKE_COUNTERS(TEL_IKE)
#undef TEL_IKE
	if (first + TEL_PAGE < (long)n)
		rte_tel_data_add_dict_u64(d, "next",
		                          (uint64_t)first + TEL_PAGE);
	for (unsigned int i = (unsigned int)first;
	     i < n && i < (unsigned int)first + TEL_PAGE; i++) {
		const struct vpn_ike_peer_info *p = &info[i].ike;

		t = rte_tel_data_alloc();
		if (t == NULL) {
			free(info);
			return -ENOMEM;
		}
		rte_tel_data_start_dict(t);
		rte_tel_data_add_dict_string(t, "name", info[i].name);
		rte_tel_data_add_dict_string(t, "ike_sa",
		                             p->ike_state ? p->ike_state : "-");
		rte_tel_data_add_dict_string(t, "child_sa",
		                             p->child_up ? "up" : "down");
		rte_tel_data_add_dict_u64(t, "children", p->children);
		rte_tel_data_add_dict_u64(t, "spi_in", p->spi_in);
		rte_tel_data_add_dict_u64(t, "spi_out", p->spi_out);
		rte_tel_data_add_dict_u64(t, "encr", p->encr);
		rte_tel_data_add_dict_u64(t, "key_bits", p->key_bits);
		rte_tel_data_add_dict_u64(t, "integ", p->integ);
		rte_tel_data_add_dict_u64(t, "dh", p->dh);
		rte_tel_data_add_dict_string(t, "nat_t", p->nat ? "yes" : "no");
		rte_tel_data_add_dict_string(t, "last", p->last);
		tel_esp(t, "in", &info[i].esp_in);
		tel_esp(t, "out", &info[i].esp_out);
		rte_tel_data_add_dict_container(
		        d, tel_tunnel_key(info[i].name, i, key, sizeof(key)), t,
		        0);
	}
	free(info);
	return 0;
}

/* The RIB's prefixes as show routes json has them, ROUTE_PAGE a reply:
 * /vpngw/routes,N from the N-th ("next" names the next page). */
#define ROUTE_PAGE 64

static int
tel_routes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vpngw_route_view *v = NULL;
	unsigned int n;
	char *end;
	long first = 0;
	int rc = 0;

	(void)cmd;
	if (params != NULL && *params != '\0') {
		first = strtol(params, &end, 10);
		if (*end != '\0' || first < 0)
			return -EINVAL;
	}
	n = vpngw_view_routes(NULL, 0);
	v = calloc(n ? n : 1, sizeof(*v));
	if (v == NULL)
		rc = -ENOMEM;
	else
		n = vpngw_view_routes(v, n);
	rte_tel_data_start_dict(d);
	if (rc == 0 && first + ROUTE_PAGE < (long)n)
		rte_tel_data_add_dict_u64(d, "next",
		                          (uint64_t)first + ROUTE_PAGE);
	for (unsigned int i = (unsigned int)first;
	     rc == 0 && i < n && i < (unsigned int)first + ROUTE_PAGE; i++) {
		struct tel_ctx c = {rte_tel_data_alloc(), false};
		char key[32];

		if (c.d == NULL) {
			rc = -ENOMEM;
			break;
		}
		rte_tel_data_start_dict(c.d);
		vpngw_view_route_fields(&v[i], &tel_out, &c);
		snprintf(key, sizeof(key), "%u", i);
		rte_tel_data_add_dict_container(d, key, c.d, 0);
	}
	free(v);
	return rc;
}

/* Every counter, as show counters json has it (keys "group_name" here:
 * telemetry takes no '.'), from the start (clear counters is the
 * console's). */
static int
tel_counters(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct tel_ctx c = {d, true};
	struct vpngw_counters all;

	(void)cmd;
	(void)params;
	vpngw_view_counters(&all);
	rte_tel_data_start_dict(d);
	vpngw_view_counters_fields(&all, &tel_out, &c);
	return 0;
}

/* BGP: the route feed, the workers' FIB and each session, as show bgp
 * summary json has them (sessions keyed by tunnel, 16 a reply:
 * /vpngw/bgp,N from the N-th; "next" names the next page). */
static int
tel_bgp(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *s;
	unsigned int n, paths, fib, published;
	const struct vpngw_bgp_peer *p = vpngw_bgp_peers(&n);
	int feed = vpngw_bgp_feed(&paths);
	long first = tel_first(params);

	(void)cmd;
	if (first < 0)
		return -EINVAL;
	s = rte_tel_data_alloc();
	if (s == NULL)
		return -ENOMEM;
	vpngw_dp_fib(&fib, &published);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "running", p != NULL);
	rte_tel_data_add_dict_u64(d, "feed", (uint64_t)feed);
	rte_tel_data_add_dict_u64(d, "bgp_paths", paths);
	rte_tel_data_add_dict_u64(d, "fib_routes", fib);
	rte_tel_data_add_dict_u64(d, "fib_published", published);
	if (first + TEL_PAGE < (long)n)
		rte_tel_data_add_dict_u64(d, "next",
		                          (uint64_t)first + TEL_PAGE);
	rte_tel_data_start_dict(s);
	for (unsigned int i = (unsigned int)first;
	     i < n && i < (unsigned int)first + TEL_PAGE; i++) {
		struct tel_ctx c = {rte_tel_data_alloc(), false};
		char key[64];

		if (c.d == NULL)
			break;
		rte_tel_data_start_dict(c.d);
		vpngw_view_bgp_fields(&p[i], &tel_out, &c);
		rte_tel_data_add_dict_container(
		        s, tel_key(p[i].name, key, sizeof(key)), c.d, 0);
	}
	rte_tel_data_add_dict_container(d, "sessions", s, 0);
	return 0;
}

/* Health checks: each probed tunnel, as show health json has it (16 a
 * reply: /vpngw/health,N from the N-th probed tunnel; "next"). */
static int
tel_health(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vpngw_tunnel_info *t;
	long first = tel_first(params);
	unsigned int n, k = 0;

	(void)cmd;
	if (first < 0)
		return -EINVAL;
	t = calloc(VPN_MAX_CONNS * VPN_TUNNELS, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	n = vpngw_dp_tunnels(t, VPN_MAX_CONNS * VPN_TUNNELS);
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < n; i++) {
		struct tel_ctx c;
		char key[64];

		if (t[i].probe_target == 0 || k++ < (unsigned int)first)
			continue;
		if (k > (unsigned int)first + TEL_PAGE) {
			rte_tel_data_add_dict_u64(d, "next",
			                          (uint64_t)first + TEL_PAGE);
			break;
		}
		c = (struct tel_ctx){rte_tel_data_alloc(), false};
		if (c.d == NULL)
			break;
		rte_tel_data_start_dict(c.d);
		vpngw_view_health_fields(&t[i], vpngw_running(), &tel_out, &c);
		rte_tel_data_add_dict_container(
		        d, tel_key(t[i].name, key, sizeof(key)), c.d, 0);
	}
	free(t);
	return 0;
}

/* What a benchmark needs to turn rates into cycles per packet. */
static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct mallinfo2 mi = mallinfo2();
	uint64_t dpdk = 0;

	for (unsigned int i = 0; i < rte_socket_count(); i++) {
		struct rte_malloc_socket_stats ms;

		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &ms) ==
		    0)
			dpdk += ms.heap_allocsz_bytes;
	}
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", VPNGW_VERSION);
	rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
	/* Memory in use: the C heap (IKE SAs, the model, tables), and
	 * DPDK's (SAs, keys, packet pools, rings). */
	rte_tel_data_add_dict_u64(d, "heap_bytes", mi.uordblks + mi.hblkhd);
	rte_tel_data_add_dict_u64(d, "dpdk_heap_bytes", dpdk);
	return 0;
}

/* Every command, run by tel_run under the control lock (one moment of
 * the appliance, as a console command sees it), and never once the
 * appliance has begun to stop (vpngw_telemetry_stop): the telemetry
 * thread outlives what the handlers read. */
static const struct tel_cmd {
	const char *path;
	telemetry_cb fn;
	const char *help;
} tel_cmds[] = {
        {"/vpngw/tunnels", tel_tunnels,
         "each tunnel's state, liveness and ESP counters, 16 a reply: "
         "/vpngw/tunnels,N from the N-th; 'next' is the next page's N"},
        {"/vpngw/ike", tel_ike,
         "IKE counters and each IKE tunnel's state, 16 tunnels a reply: "
         "/vpngw/ike,N from the N-th; 'next' as for tunnels"},
        {"/vpngw/routes", tel_routes,
         "the routes as show routes json has them (keyed by their index), "
         "64 a reply: /vpngw/routes,N from the N-th"},
        {"/vpngw/counters", tel_counters,
         "every counter, as the console's show counters json (keys "
         "group_name). No parameters"},
        {"/vpngw/bgp", tel_bgp,
         "BGP: the route feed, the workers' FIB size and each session, as "
         "show bgp summary json"},
        {"/vpngw/health", tel_health,
         "each health-checked tunnel, as show health json"},
        {"/vpngw/info", tel_info,
         "vpngw version, TSC frequency, memory in use (C heap, DPDK heap)"},
        {"/vpngw/stats", tel_stats, "vpngw data plane counters. No parameters"},
        {"/vpngw/sa", tel_sa,
         "SPIs of the SAs; with an SPI (/vpngw/sa,0x1001) that SA's "
         "counters"},
};

static bool tel_stopping; /* under the control lock */

static int
tel_run(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc = -EINVAL;

	vpngw_ctl_lock();
	for (size_t i = 0; i < RTE_DIM(tel_cmds); i++)
		if (!tel_stopping && strcmp(cmd, tel_cmds[i].path) == 0)
			rc = tel_cmds[i].fn(cmd, params, d);
	vpngw_ctl_unlock();
	return rc;
}

void
vpngw_telemetry_init(struct vpngw_sas *sas)
{
	tel_sas = sas;
	for (size_t i = 0; i < RTE_DIM(tel_cmds); i++)
		rte_telemetry_register_cmd(tel_cmds[i].path, tel_run,
		                           tel_cmds[i].help);
}

void
vpngw_telemetry_stop(void)
{
	vpngw_ctl_lock();
	tel_stopping = true;
	vpngw_ctl_unlock();
}
