/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connections and tunnels on the control core: each tunnel's state and
 * liveness (manual keys: dummy ESP packets), the SAs IKE attaches and
 * detaches, and what the workers read of them, published with RCU: the
 * next-hop table (steering, SA, MTU, MSS) and the FIB.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "dp_priv.h"
#include "vpn_pkt.h"
#include "vpn_port.h"

/* ---- the control core: tunnel liveness ------------------------------------
 *
 * Each tunnel's state is lib/health's, fed by every source that has a say:
 * the administrative state, an installed outbound SA (IKE attaches and
 * detaches it; manual keys at start), and for manual keys, which have no
 * DPD, ESP heard on the inbound SA: traffic, or the dummy packets (next
 * header 59, RFC 4303 2.6) each side sends on a tunnel that has carried
 * nothing for KEEPALIVE_S. Silence for the tunnel's dpd_timeout takes it
 * out of steering (dpd_action clear or restart; none keeps it), and ESP
 * heard again puts it back. Health checks (dp_probe.c) feed the same
 * state; BGP acts through the routes it gives (frr.c), not here.
 */
#define KEEPALIVE_S 10

/* rc from a lib/health call on tunnel ti of c: when its state changed,
 * steering follows (the bit the workers read), counted and logged. */
void
dp_tunnel_settle(struct dp_conn *c, unsigned int ti, int rc)
{
	struct dp_tunnel *t = &c->t[ti];
	struct dp_live *l = &dp.live[c - dp.conns];
	bool up = vpn_health_up(&t->h);
	struct vpn_health h[VPN_TUNNELS];
	unsigned int use, was;

	/* Any source may change what the workers may use (fail open when
	 * probes alone hold every tunnel), even without a state change. */
	for (unsigned int i = 0; i < VPN_TUNNELS; i++)
		h[i] = c->t[i].h;
	use = vpn_health_usable(h, VPN_TUNNELS);
	was = __atomic_exchange_n(&l->up, use, __ATOMIC_ACQ_REL);
	{
		const uint32_t basic = 1u << VPN_HEALTH_ADMIN |
		                       1u << VPN_HEALTH_LINK |
		                       1u << VPN_HEALTH_SA;
		unsigned int own = 0;

		for (unsigned int i = 0; i < VPN_TUNNELS; i++)
			own |= (unsigned int)((h[i].down & h[i].p.sources &
			                       basic) == 0 &&
			                      h[i].p.hz != 0)
			       << i;
		__atomic_store_n(&l->own, own, __ATOMIC_RELEASE);
	}
	if (use != was && use != 0 && (use & ~was) && !vpn_health_up(&h[0]) &&
	    !vpn_health_up(&h[1]))
		vpngw_log("tunnel %s: no tunnel of its connection answers "
		          "health checks: each is kept in use (the target may "
		          "be what is down)",
		          t->name);
	if (rc != 1)
		return;
	pthread_mutex_lock(&dp.names);
	snprintf(t->why, sizeof(t->why), "%s", vpn_health_why(&t->h));
	pthread_mutex_unlock(&dp.names);
	vpngw_log("tunnel %s: %s -> %s (%s)", t->name, up ? "down" : "up",
	          up ? "up" : "down", t->why);
}

/* Source src of tunnel ti of c says ok or not, for why. */
static void
tunnel_set(struct dp_conn *c, unsigned int ti, enum vpn_health_src src, bool ok,
           const char *why)
{
	if (c->t[ti].h.p.hz == 0)
		return; /* no connection in this slot (cleared) */
	dp_tunnel_settle(
	        c, ti, vpn_health_set(&c->t[ti].h, src, ok, why, rte_rdtsc()));
}

/* Outside port p's link went up or down: the tunnels that leave by it. */
void
dp_tunnels_link(const struct dp_port *p, bool up, const char *why)
{
	for (unsigned int i = 0; i < dp.nconns; i++)
		for (unsigned int ti = 0; ti < VPN_TUNNELS; ti++)
			if (dp.conns[i].t[ti].out_slot == p->slot)
				tunnel_set(&dp.conns[i], ti, VPN_HEALTH_LINK,
				           up, why);
}

/* What lib/health watches on tunnel ti of c. */
static struct vpn_health_params
health_params(const struct vpngw_dp_conn *c, unsigned int ti)
{
	uint64_t hz = rte_get_tsc_hz();
	struct vpn_health_params p = {
	        .hz = hz,
	        .sources = 1u << VPN_HEALTH_ADMIN | 1u << VPN_HEALTH_LINK |
	                   1u << VPN_HEALTH_SA,
	};

	if (c->probe_target != 0) {
		p.sources |= 1u << VPN_HEALTH_PROBE;
		p.probe_down = c->probe_threshold;
		p.probe_up = c->probe_threshold;
	}
	if (c->t[ti].manual) {
		p.sources |= 1u << VPN_HEALTH_ESP;
		p.idle_after = KEEPALIVE_S * hz;
		if (c->t[ti].dpd_clear)
			p.dead_after = (uint64_t)c->t[ti].dpd_timeout * hz;
	}
	return p;
}

bool
dp_ctl_esp_send(struct vpn_esp_sa *sa, struct rte_mbuf *m, uint64_t now)
{
	uint8_t why;

	if (m == NULL)
		return false;
	if (vpn_esp_outbound(dp.ctl_w, sa, &m, 1, &why) != 1) {
		rte_pktmbuf_free(m);
		return false;
	}
	{
		struct dp_port *p = dp_out_port(ip_src(m));

		dp_ctl_ip_send(p, m, dp_next_hop(p, ip_dst(m)), now);
	}
	return true;
}

/* A dummy ESP packet on t, for worker 0 to send. */
static void
send_keepalive(struct dp_tunnel *t, uint64_t now)
{
	if (dp_ctl_esp_send(t->sa, rte_pktmbuf_alloc(dp.pool), now))
		t->keepalives++;
}

/* ESP heard and sent on t's SAs so far (dummies heard count too). */
static void
esp_seen(const struct dp_tunnel *t, uint64_t *rx, uint64_t *tx)
{
	struct vpn_esp_stats s;

	vpn_esp_sa_stats(t->in, &s);
	*rx = s.packets + s.drops[VPN_ESP_DUMMY];
	*tx = vpn_esp_sa_seq(t->sa);
}

void
dp_tunnels_check(uint64_t now)
{
	for (unsigned int i = 0; i < dp.nconns; i++) {
		struct dp_conn *c = &dp.conns[i];

		for (unsigned int ti = 0; ti < VPN_TUNNELS; ti++) {
			struct dp_tunnel *t = &c->t[ti];
			uint64_t rx, tx;
			bool ka;

			if (!t->manual || t->sa == NULL || t->in == NULL)
				continue;
			esp_seen(t, &rx, &tx);
			dp_tunnel_settle(
			        c, ti, vpn_health_esp(&t->h, rx, tx, now, &ka));
			if (ka)
				send_keepalive(t, now);
		}
	}
}

unsigned int
vpngw_dp_tunnels(struct vpngw_tunnel_info *info, unsigned int max)
{
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz();
	unsigned int n = 0;

	pthread_mutex_lock(&dp.names);
	for (unsigned int i = 0; i < dp.nconns; i++)
		for (unsigned int ti = 0; ti < VPN_TUNNELS; ti++) {
			const struct dp_tunnel *t = &dp.conns[i].t[ti];

			if (n >= max || t->name[0] == '\0')
				continue;
			snprintf(info[n].name, sizeof(info[n].name), "%s",
			         t->name);
			info[n].up = __atomic_load_n(&dp.live[i].up,
			                             __ATOMIC_RELAXED) &
			             (1u << ti);
			/* -1: nothing heard on this SA yet. */
			info[n].silent_s =
			        t->manual && t->sa != NULL && t->h.rx_seen > 0
			                ? (double)vpn_health_silent(&t->h,
			                                            now) /
			                          hz
			                : -1;
			info[n].keepalives = t->keepalives;
			info[n].changes = t->h.changes;
			info[n].conn = i;
			info[n].ti = ti;
			info[n].manual = t->manual;
			info[n].since_s =
			        t->h.changed ? (double)(now - t->h.changed) / hz
			                     : -1;
			snprintf(info[n].why, sizeof(info[n].why), "%s",
			         t->h.changed ? t->why : "never changed");
			info[n].probe_target = dp.conns[i].probe_target;
			info[n].probes_sent = t->probes_sent;
			info[n].probes_answered = t->probes_answered;
			info[n].probe_rtt_us = t->probe_rtt_us;
			info[n].probe_ok =
			        !(t->h.down & 1u << VPN_HEALTH_PROBE);
			info[n].fail_open = info[n].up && !vpn_health_up(&t->h);
			n++;
		}
	pthread_mutex_unlock(&dp.names);
	return n;
}

/* The largest inner packet whose ESP packet fits the outside MTU. */
static unsigned int
inner_mtu(const struct vpn_esp_sa *sa, unsigned int mtu)
{
	unsigned int l = mtu;

	while (l > 68 && l + vpn_esp_sa_overhead(sa, l) > mtu)
		l--;
	return l;
}

/*
 * Connection slot's next hop becomes *e in a new version of the table the
 * workers read, published with RCU. A few versions of every slot there can
 * be take turns (lib/route's vpn_rcu_versions), so a change never
 * allocates and never fails, and waits for the workers only when every
 * version but the published one may still be read. On return a worker
 * may still hold the old version: what only it named (an SA) is freed
 * after a grace period from here (vpngw_dp_token/vpngw_dp_passed). On the
 * control core (or under the control lock).
 */
static void
nh_publish(unsigned int slot, const struct vpn_nh *e)
{
	struct vpn_nh_table *t;

	if (dp.nh == NULL || slot >= dp.nh->n)
		return; /* not started, or not a slot (VPN_MAX_CONNS) */
	t = vpn_rcu_spare(&dp.nh_vs, (void *const *)&dp.nh, dp.qs);
	if (slot >= dp.nh_used)
		dp.nh_used = slot + 1;
	memcpy(t->nh, dp.nh->nh, dp.nh_used * sizeof(t->nh[0]));
	t->n = dp.nh->n;
	t->nh[slot] = *e;
	vpn_rcu_publish(&dp.nh_vs, (void **)&dp.nh, t, dp.qs);
}

/* Slot's next hop as published now (zero when it has none yet). */
static struct vpn_nh
nh_get(unsigned int slot)
{
	struct vpn_nh e = {0};

	if (dp.nh != NULL && slot < dp.nh->n)
		e = dp.nh->nh[slot];
	return e;
}

/* Tunnel ti of slot sends on out (NULL: on nothing) from now on. */
void
dp_nh_tunnel(unsigned int slot, unsigned int ti, struct vpn_esp_sa *out)
{
	struct vpn_nh e = nh_get(slot);

	e.t[ti] = (struct vpn_nh_tunnel){0};
	if (out != NULL) {
		e.t[ti].sa = out;
		e.t[ti].inner_mtu = inner_mtu(
		        out, dp_out_port(vpn_esp_sa_params(out)->tun_src)->mtu);
		e.t[ti].mss = vpn_mss_for_mtu(e.t[ti].inner_mtu, false);
	}
	nh_publish(slot, &e);
}

struct vpn_esp_sa *
vpngw_dp_tunnel_attach(unsigned int conn, unsigned int ti,
                       struct vpn_esp_sa *out, struct vpn_esp_sa *in,
                       const char *why)
{
	struct dp_tunnel *t;
	struct vpn_esp_sa *old;

	if (!dp.started || conn >= dp.nconns || ti >= VPN_TUNNELS)
		return NULL;
	t = &dp.conns[conn].t[ti];
	/* The SA with its MTU published before the tunnel joins steering. */
	dp_nh_tunnel(conn, ti, out);
	t->in = in;
	old = t->sa;
	t->sa = out;
	if (t->manual && in != NULL) {
		uint64_t rx, tx;

		/* Its silence starts now. */
		esp_seen(t, &rx, &tx);
		dp_tunnel_settle(
		        &dp.conns[conn], ti,
		        vpn_health_esp_reset(&t->h, rx, tx, rte_rdtsc()));
	}
	tunnel_set(&dp.conns[conn], ti, VPN_HEALTH_SA, true, why);
	return old;
}

void
vpngw_dp_tunnel_detach(unsigned int conn, unsigned int ti, const char *why)
{
	if (!dp.started || conn >= dp.nconns || ti >= VPN_TUNNELS)
		return;
	/* Out of steering, then out of the next-hop table. A worker may
	 * still hold the SA when this returns: the caller frees it once a
	 * token taken after this call has passed (vpngw_dp_token,
	 * vpngw_dp_passed). */
	tunnel_set(&dp.conns[conn], ti, VPN_HEALTH_SA, false, why);
	dp_nh_tunnel(conn, ti, NULL);
	dp.conns[conn].t[ti].in = NULL;
	dp.conns[conn].t[ti].sa = NULL; /* the caller frees it */
}

void
vpngw_dp_sync(void)
{
	if (dp.started)
		rte_rcu_qsbr_synchronize(dp.qs, RTE_QSBR_THRID_INVALID);
}

void
dp_defer_free(void (*fn)(void *), void *p)
{
	if (!dp.started) {
		fn(p);
		return;
	}
	if (dp.ndeferred == DP_DEFERRED)
		dp_deferred_run(true);
	dp.deferred[dp.ndeferred++] =
	        (struct dp_deferred){rte_rcu_qsbr_start(dp.qs), fn, p};
}

void
dp_deferred_run(bool wait)
{
	unsigned int i = 0;

	if (wait && dp.ndeferred > 0 && dp.qs != NULL)
		rte_rcu_qsbr_synchronize(dp.qs, RTE_QSBR_THRID_INVALID);
	/* Tokens grow: the first that has not passed stops the rest. */
	for (; i < dp.ndeferred; i++) {
		if (!wait &&
		    rte_rcu_qsbr_check(dp.qs, dp.deferred[i].token, false) != 1)
			break;
		dp.deferred[i].free(dp.deferred[i].p);
	}
	memmove(dp.deferred, dp.deferred + i,
	        (dp.ndeferred - i) * sizeof(dp.deferred[0]));
	dp.ndeferred -= i;
}

uint64_t
vpngw_dp_token(void)
{
	return dp.started ? rte_rcu_qsbr_start(dp.qs) : 0;
}

bool
vpngw_dp_passed(uint64_t token)
{
	return !dp.started || rte_rcu_qsbr_check(dp.qs, token, false) == 1;
}

static void
fib_free(void *f)
{
	vpn_fib_free(f);
}

int
vpngw_dp_set_routes(const struct vpn_route *routes, unsigned int nroutes,
                    const struct vpn_route *remote, unsigned int nremote)
{
	struct vpn_fib *r, *old;
	char name[32];

	if (!dp.started)
		return -EINVAL;
	snprintf(name, sizeof(name), "fib%u", dp.routes_gen++);
	r = vpn_fib_build(name, rte_socket_id(), dp.nconns, routes, nroutes,
	                  remote, nremote);
	if (r == NULL) {
		int rc = -errno;

		vpngw_log("cannot build a FIB of %u routes: %s", nroutes,
		          strerror(errno));
		return rc;
	}
	/* An old FIB is large (rte_lpm's tbl24 is 64 MiB): at most one
	 * waits for the workers at a time. */
	for (unsigned int i = 0; i < dp.ndeferred; i++)
		if (dp.deferred[i].free == fib_free) {
			dp_deferred_run(true);
			break;
		}
	old = __atomic_exchange_n(&dp.routes, r, __ATOMIC_ACQ_REL);
	/* No worker reads the old tables once each has passed a
	 * quiescent point. */
	dp_defer_free(fib_free, old);
	return 0;
}

void
vpngw_dp_fib(unsigned int *routes, unsigned int *published)
{
	const struct vpn_fib *f = __atomic_load_n(&dp.routes, __ATOMIC_ACQUIRE);

	*routes = f ? f->nroutes : 0;
	*published = dp.routes_gen;
}

void
vpngw_dp_conn_set(const struct vpngw_dp_conn *c)
{
	struct dp_conn *d;
	struct vpn_nh e;

	if (c->slot >= VPN_MAX_CONNS)
		return;
	d = &dp.conns[c->slot];
	e = nh_get(c->slot);
	e.steer = c->active_active ? VPN_STEER_ACTIVE : VPN_STEER_STANDBY;
	nh_publish(c->slot, &e);
	d->probe_target = c->probe_target;
	d->probe_every = (uint64_t)c->probe_ms * rte_get_tsc_hz() / 1000;
	pthread_mutex_lock(&dp.names);
	for (int t = 0; t < VPN_TUNNELS; t++) {
		struct dp_tunnel *dt = &d->t[t];

		snprintf(dt->name, sizeof(dt->name), "%s/%d", c->name, t + 1);
		dt->manual = c->t[t].manual;
		dt->out_slot = dp_out_port(c->t[t].local)->slot;
		__atomic_store_n(&dt->inside, c->t[t].inside, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&dp.names);
	for (unsigned int t = 0; t < VPN_TUNNELS; t++) {
		struct vpn_health_params p = health_params(c, t);
		struct dp_tunnel *dt = &d->t[t];

		/* A new slot starts as lib/health starts one; a changed
		 * connection keeps what its sources said. */
		if (dt->h.p.hz == 0)
			(void)vpn_health_init(&dt->h, &p, rte_rdtsc());
		else
			dp_tunnel_settle(
			        d, t,
			        vpn_health_reconfig(&dt->h, &p, rte_rdtsc()));
		/* The link of the port it leaves by (which a changed
		 * outside address may have changed). */
		{
			const struct dp_port *op = &dp.out[dt->out_slot];
			char why[VPN_NAME_MAX + 32];

			snprintf(why, sizeof(why), "port %s: link %s", op->name,
			         op->link ? "up" : "down");
			tunnel_set(d, t, VPN_HEALTH_LINK, op->link, why);
		}
	}
	/* The workers see the slot once a route names it (next FIB). */
	if (c->slot >= dp.nconns)
		dp.nconns = c->slot + 1;
}

void
vpngw_dp_conn_clear(unsigned int slot)
{
	if (slot >= dp.nconns)
		return;
	for (unsigned int t = 0; t < VPN_TUNNELS; t++) {
		vpngw_dp_tunnel_detach(slot, t, "connection deleted");
		pthread_mutex_lock(&dp.names);
		dp.conns[slot].t[t].name[0] = '\0';
		pthread_mutex_unlock(&dp.names);
		dp.conns[slot].t[t].manual = false;
		dp.conns[slot].t[t].sa = NULL;
		dp.conns[slot].probe_target = 0;
		/* The next connection in this slot starts afresh: down,
		 * its state made at vpngw_dp_conn_set. */
		__atomic_fetch_and(&dp.live[slot].up, ~(1u << t),
		                   __ATOMIC_RELEASE);
		__atomic_fetch_and(&dp.live[slot].own, ~(1u << t),
		                   __ATOMIC_RELEASE);
		dp.conns[slot].t[t].keepalives = 0;
		dp.conns[slot].t[t].probe_pending = false;
		dp.conns[slot].t[t].probes_sent = 0;
		dp.conns[slot].t[t].probes_answered = 0;
		memset(&dp.conns[slot].t[t].h, 0,
		       sizeof(dp.conns[slot].t[t].h));
	}
}

void
vpngw_dp_tunnel_admin(unsigned int conn, unsigned int ti, bool up,
                      const struct vpngw_sas *sas)
{
	struct dp_tunnel *t;

	if (!dp.started || conn >= dp.nconns || ti >= VPN_TUNNELS)
		return;
	t = &dp.conns[conn].t[ti];
	tunnel_set(&dp.conns[conn], ti, VPN_HEALTH_ADMIN, up,
	           up ? "administratively up" : "administratively down");
	/* IKE's SAs are IKE's to delete and negotiate again. */
	if (!t->manual)
		return;
	if (!up)
		vpngw_dp_tunnel_detach(conn, ti, "administratively down");
	else if (sas->out_by_tunnel[conn * VPN_TUNNELS + ti] != NULL)
		vpngw_dp_tunnel_attach(
		        conn, ti, sas->out_by_tunnel[conn * VPN_TUNNELS + ti],
		        sas->in_by_tunnel[conn * VPN_TUNNELS + ti],
		        "administratively up");
}
