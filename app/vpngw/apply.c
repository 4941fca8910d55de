/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The running configuration and the one path that changes it. A change
 * (the file read again on SIGHUP, or a console command on a copy of the
 * running model) is a candidate model: vpngw_apply() checks it with the
 * file's rules, refuses what can't change while running, and applies the
 * difference: connections created and deleted, tunnels whose settings
 * changed negotiating again (only those), new routes published to the
 * workers. The control lock is held throughout (control core or
 * console).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw_bgp.h"
#include "gw_dp.h"
#include "gw_ike.h"
#include "gw_kernel.h"
#include "gw_log.h"
#include "gw_routing.h"
#include "gw_running.h"
#include "gw_sa.h"

static struct {
	struct vpn_cfg *cfg;
	char state_dir[VPN_PATH_MAX];
	struct vpngw_sas *sas;
	bool admin_down[VPN_MAX_CONNS][VPN_TUNNELS]; /* by slot */
	uint64_t gen; /* changes applied (the console's candidates are made
	               * from one generation and commit onto it only) */
} run;

/* ---- what the data plane runs with ---------------------------------- */

int
vpngw_dp_params_of(const struct vpn_cfg *cfg, struct vpngw_dp_params *p)
{
	const struct vpn_cfg_appliance *a = &cfg->appliance;

	memset(p, 0, sizeof(*p));
	p->n_workers = a->n_workers;
	p->idle_sleep_us = (unsigned int)a->worker_idle_sleep;
	for (unsigned int i = 0; i < a->n_workers && i < VPN_MAX_WORKERS; i++)
		p->workers[i] = (unsigned int)a->workers[i];
	p->n_ports = a->n_ports;
	for (unsigned int i = 0; i < a->n_ports; i++) {
		const struct vpn_cfg_port *c = &a->ports[i];
		struct vpngw_dp_port *d = &p->ports[i];

		snprintf(d->name, sizeof(d->name), "%s", c->name);
		snprintf(d->device, sizeof(d->device), "%s", c->device);
		d->outside = c->role == VPN_PORT_OUTSIDE;
		d->queues = (unsigned int)c->queues;
		d->mtu = (unsigned int)c->mtu;
		d->has_addr = c->address.family == AF_INET;
		d->addr = d->has_addr ? vpn_prefix_v4_addr(&c->address) : 0;
		d->len = (uint8_t)c->address.len;
		d->gateway = c->gateway;
		d->vlan = (uint16_t)c->vlan;
		d->arp_timeout = (unsigned int)c->arp_timeout;
		d->n_static_arp = c->n_static_arp;
		for (unsigned int k = 0; k < c->n_static_arp; k++)
			if (vpn_neighbor_parse(c->static_arp[k],
			                       &d->static_arp[k].ip,
			                       d->static_arp[k].mac) != 0)
				return -EINVAL; /* the checker let it by */
	}
	snprintf(p->exception_iface, sizeof(p->exception_iface), "%s",
	         a->exception_iface);
	p->n_outside = a->n_outside;
	memcpy(p->outside, a->outside_addresses, sizeof(p->outside));
	for (unsigned int i = 0; i < a->n_outside; i++) {
		int rank = vpn_cfg_outside_port(a, a->outside_addresses[i]);

		if (rank < 0)
			return -EINVAL; /* the checker let it by */
		p->outside_port[i] = (uint8_t)rank;
	}
	return 0;
}

static struct vpngw_dp_conn
dp_conn_of(const struct vpn_cfg_conn *c)
{
	struct vpngw_dp_conn d = {.slot = c->slot};

	snprintf(d.name, sizeof(d.name), "%s", c->name);
	d.active_active = c->steering == VPN_STEER_ACTIVE_ACTIVE;
	d.probe_target = c->health_check_target;
	d.probe_ms = (unsigned int)c->health_check_interval;
	d.probe_threshold = (unsigned int)c->health_check_threshold;
	for (unsigned int t = 0; t < VPN_TUNNELS; t++) {
		d.t[t].manual = c->tunnels[t].manual.present;
		d.t[t].dpd_clear = c->tunnels[t].dpd_action != VPN_DPD_NONE;
		d.t[t].dpd_timeout = (unsigned int)c->tunnels[t].dpd_timeout;
		d.t[t].local = c->tunnels[t].outside_address;
		if (vpn_cfg_uses_inside(c) &&
		    c->tunnels[t].inside_cidr.family == AF_INET)
			d.t[t].inside =
			        vpn_cfg_inside_addr(&c->tunnels[t], true);
	}
	return d;
}

int
vpngw_running_init(struct vpn_cfg *cfg, const char *state_dir,
                   struct vpngw_sas *sas)
{
	run.cfg = cfg;
	snprintf(run.state_dir, sizeof(run.state_dir), "%s", state_dir);
	run.sas = sas;
	/* The data plane takes every connection, the manual keys' SAs
	 * (given the benefit of the doubt: up, their silence counted from
	 * now) and the routes. */
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];
		struct vpngw_dp_conn d = dp_conn_of(c);

		vpngw_dp_conn_set(&d);
		for (unsigned int t = 0; t < VPN_TUNNELS; t++) {
			unsigned int k = c->slot * VPN_TUNNELS + t;

			/* Not one disabled in the file: running_start
			 * takes it administratively down. */
			if (c->tunnels[t].manual.present &&
			    c->tunnels[t].enabled &&
			    sas->out_by_tunnel[k] != NULL)
				vpngw_dp_tunnel_attach(c->slot, t,
				                       sas->out_by_tunnel[k],
				                       sas->in_by_tunnel[k],
				                       "manual keys installed");
		}
	}
	return vpngw_routing_apply(cfg);
}

struct vpn_cfg *
vpngw_running(void)
{
	return run.cfg;
}

uint64_t
vpngw_running_gen(void)
{
	return run.gen;
}

struct vpngw_sas *
vpngw_running_sas(void)
{
	return run.sas;
}

/* An object's options as text, to tell whether it changed. */
static char *
obj_text(enum vpn_obj kind, const void *obj)
{
	char *buf = NULL, v[16384];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	for (unsigned int i = 0; i < vpn_opt_count(kind); i++)
		if (vpn_opt_format(kind, obj, (int)i, v, sizeof(v)))
			fprintf(f, "%s=%s;", vpn_opt_name(kind, (int)i), v);
	fclose(f);
	return buf;
}

static bool
obj_same(enum vpn_obj kind, const void *a, const void *b)
{
	char *x = obj_text(kind, a), *y = obj_text(kind, b);
	bool same = x && y && strcmp(x, y) == 0;

	free(x);
	free(y);
	return same;
}

/* Whether tunnel ti's own settings differ between a connection of the
 * running model and the same one in the candidate. */
static bool
tunnel_own_changed(const struct vpn_cfg_conn *a, const struct vpn_cfg_conn *b,
                   int ti)
{
	const struct vpn_cfg_tunnel *x = &a->tunnels[ti], *y = &b->tunnels[ti];
	/* enabled is the administrative state, not a setting to negotiate
	 * (set_admin applies it). */
	struct vpn_cfg_tunnel xe = *x;

	xe.enabled = y->enabled;
	x = &xe;
	if (!obj_same(VPN_OBJ_TUNNEL, x, y) || strcmp(x->psk, y->psk) != 0 ||
	    !vpn_prefix_equal(&x->inside_cidr, &y->inside_cidr) ||
	    x->outside_address != y->outside_address ||
	    x->remote_address != y->remote_address)
		return true;
	return x->manual.present != y->manual.present ||
	       (x->manual.present &&
	        !obj_same(VPN_OBJ_MANUAL, &x->manual, &y->manual));
}

/* Whether what IKE negotiates for tunnel ti differs: its own settings,
 * its customer gateway, the selectors from the connection's networks. */
static bool
tunnel_changed(const struct vpn_cfg *ca, const struct vpn_cfg_conn *a,
               const struct vpn_cfg *cb, const struct vpn_cfg_conn *b, int ti)
{
	/* The CGW's ASN is BGP's (frr.c follows it), not IKE's. */
	struct vpn_cfg_cgw ga = ca->cgws[a->cgw];

	if (tunnel_own_changed(a, b, ti))
		return true;
	ga.bgp_asn = cb->cgws[b->cgw].bgp_asn;
	if (!obj_same(VPN_OBJ_CGW, &ga, &cb->cgws[b->cgw]))
		return true;
	/* The inside /30 joins or leaves the selectors (BGP, health
	 * checks: vpn_cfg_tunnel_ts). */
	return vpn_cfg_uses_inside(a) != vpn_cfg_uses_inside(b) ||
	       memcmp(&a->local_networks, &b->local_networks,
	              sizeof(a->local_networks)) != 0 ||
	       memcmp(&a->remote_networks, &b->remote_networks,
	              sizeof(a->remote_networks)) != 0;
}

static bool
has_manual(const struct vpn_cfg_conn *c)
{
	return c->tunnels[0].manual.present || c->tunnels[1].manual.present;
}

/* Give the candidate's connections their slots: a kept one its running
 * slot, a new one the lowest free. */
static int
assign_slots(struct vpn_cfg *cand)
{
	static bool used[VPN_MAX_CONNS];

	memset(used, 0, sizeof(used));
	for (unsigned int i = 0; i < run.cfg->n_conns; i++)
		used[run.cfg->conns[i].slot] = true;
	for (unsigned int i = 0; i < cand->n_conns; i++) {
		struct vpn_cfg_conn *c = &cand->conns[i];
		const struct vpn_cfg_conn *r =
		        vpn_cfg_conn_find(run.cfg, c->name);
		unsigned int s = 0;

		if (r != NULL) {
			c->slot = r->slot;
			continue;
		}
		while (s < VPN_MAX_CONNS && used[s])
			s++;
		if (s == VPN_MAX_CONNS)
			return -ENOSPC;
		used[s] = true;
		c->slot = s;
	}
	return 0;
}

/* What can't change while running: say why, refuse. */
static int
refuse(const struct vpn_cfg *cand, FILE *msg)
{
	int bad = 0;

	for (unsigned int i = 0; i < cand->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cand->conns[i];
		const struct vpn_cfg_conn *r =
		        vpn_cfg_conn_find(run.cfg, c->name);

		if (r == NULL) {
			if (has_manual(c)) {
				fprintf(msg,
				        "%% connection %s: manual keys are "
				        "installed at start only: write, then "
				        "restart\n",
				        c->name);
				bad++;
			}
			continue;
		}
		if (r->acceleration != c->acceleration) {
			fprintf(msg,
			        "%% connection %s: acceleration can't change "
			        "on an existing connection: delete it and "
			        "create it again\n",
			        c->name);
			bad++;
		}
		for (int t = 0; t < VPN_TUNNELS; t++)
			if ((r->tunnels[t].manual.present ||
			     c->tunnels[t].manual.present) &&
			    tunnel_own_changed(r, c, t)) {
				fprintf(msg,
				        "%% tunnel %s/%d: manual keys change "
				        "only at a restart: write, then "
				        "restart\n",
				        c->name, t + 1);
				bad++;
			}
	}
	for (unsigned int i = 0; i < run.cfg->n_conns; i++) {
		const struct vpn_cfg_conn *r = &run.cfg->conns[i];

		if (vpn_cfg_conn_find(cand, r->name) == NULL && has_manual(r)) {
			fprintf(msg,
			        "%% connection %s: manual keys are removed at "
			        "a restart only: write, then restart\n",
			        r->name);
			bad++;
		}
	}
	return bad ? -EPERM : 0;
}

/* Tunnel ti of c administratively down or up: no IKE SA either way (the
 * peer's IKE_SA_INIT unanswered) or negotiating again; for manual keys,
 * its SAs out of steering or back. by: who, for the log. -ENOENT when an
 * IKE tunnel has no IKE peer. */
static int
set_admin(const struct vpn_cfg_conn *c, unsigned int ti, bool down,
          const char *by)
{
	run.admin_down[c->slot][ti] = down;
	if (!c->tunnels[ti].manual.present &&
	    !vpngw_ike_tunnel_known(c->slot, ti))
		return -ENOENT;
	vpngw_dp_tunnel_admin(c->slot, ti, !down, run.sas);
	if (!c->tunnels[ti].manual.present)
		(void)vpngw_ike_tunnel_admin(c->slot, ti,
		                             down ? VPNGW_TUNNEL_DOWN
		                                  : VPNGW_TUNNEL_UP);
	vpngw_log("tunnel %s/%u: administratively %s by %s", c->name, ti + 1,
	          down ? "down" : "up", by);
	return 0;
}

void
vpngw_running_start(void)
{
	for (unsigned int i = 0; i < run.cfg->n_conns; i++)
		for (unsigned int t = 0; t < VPN_TUNNELS; t++)
			if (!run.cfg->conns[i].tunnels[t].enabled)
				set_admin(&run.cfg->conns[i], t, true,
				          "the configuration");
}

int
vpngw_apply(struct vpn_cfg *cand, FILE *msg, bool placed)
{
	unsigned int added = 0, deleted = 0, renegotiated = 0;
	struct vpn_diag d;
	int rc;

	/* The appliance's own settings (ports, lcores, console) are taken
	 * at start. */
	if (!obj_same(VPN_OBJ_APPLIANCE, &cand->appliance,
	              &run.cfg->appliance) ||
	    !obj_same(VPN_OBJ_CONSOLE, &cand->appliance.console,
	              &run.cfg->appliance.console) ||
	    !obj_same(VPN_OBJ_PKI, &cand->appliance.pki,
	              &run.cfg->appliance.pki))
		fprintf(msg, "%% appliance settings (ports, lcores, console, "
		             "addresses, pki files) apply at a restart: not "
		             "changed\n");
	cand->appliance = run.cfg->appliance;

	vpn_diag_init(&d);
	if (!placed)
		d.unplaced = cand->file;
	vpn_cfg_check(cand, &d);
	if (d.errors == 0)
		vpn_cfg_apply_state(cand, run.state_dir, &d);
	vpn_diag_print(&d, msg);
	rc = d.errors ? -EINVAL : 0;
	vpn_diag_free(&d);
	if (rc == 0 && assign_slots(cand) != 0) {
		fprintf(msg, "%% no free connection slot\n");
		rc = -ENOSPC;
	}
	if (rc == 0)
		rc = refuse(cand, msg);
	if (rc != 0) {
		vpn_cfg_free(cand);
		return rc;
	}

	for (unsigned int i = 0; i < run.cfg->n_conns; i++) {
		const struct vpn_cfg_conn *r = &run.cfg->conns[i];

		if (vpn_cfg_conn_find(cand, r->name) != NULL)
			continue;
		for (unsigned int t = 0; t < VPN_TUNNELS; t++) {
			vpngw_ike_tunnel_remove(r->slot, t);
			run.admin_down[r->slot][t] = false;
		}
		vpngw_dp_conn_clear(r->slot);
		if (cand->appliance.exception_iface[0])
			vpngw_kernel_conn_withdraw(
			        cand->appliance.exception_iface, r, cand);
		vpngw_log("connection %s deleted", r->name);
		deleted++;
	}
	for (unsigned int i = 0; i < cand->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cand->conns[i];
		const struct vpn_cfg_conn *r =
		        vpn_cfg_conn_find(run.cfg, c->name);

		struct vpngw_dp_conn dc = dp_conn_of(c);

		vpngw_dp_conn_set(&dc);
		/* The kernel (IKE's sockets) reaches new endpoints and
		 * routes through the exception path too. */
		if (cand->appliance.exception_iface[0] &&
		    (r == NULL ||
		     memcmp(&r->static_routes, &c->static_routes,
		            sizeof(c->static_routes)) != 0 ||
		     r->tunnels[0].remote_address !=
		             c->tunnels[0].remote_address ||
		     r->tunnels[1].remote_address !=
		             c->tunnels[1].remote_address ||
		     /* the inside addresses (BGP, health checks) */
		     vpn_cfg_uses_inside(r) != vpn_cfg_uses_inside(c) ||
		     !vpn_prefix_equal(&r->tunnels[0].inside_cidr,
		                       &c->tunnels[0].inside_cidr) ||
		     !vpn_prefix_equal(&r->tunnels[1].inside_cidr,
		                       &c->tunnels[1].inside_cidr))) {
			if (r != NULL)
				vpngw_kernel_conn_withdraw(
				        cand->appliance.exception_iface, r,
				        cand);
			vpngw_kernel_conn(cand->appliance.exception_iface, c);
		}
		if (r == NULL) {
			for (int t = 0; t < VPN_TUNNELS; t++) {
				vpngw_ike_tunnel_add(cand, c, t);
				if (!c->tunnels[t].enabled)
					set_admin(c, (unsigned int)t, true,
					          "the configuration");
			}
			vpngw_log("connection %s created", c->name);
			added++;
			continue;
		}
		for (int t = 0; t < VPN_TUNNELS; t++) {
			if (!c->tunnels[t].manual.present &&
			    tunnel_changed(run.cfg, r, cand, c, t)) {
				vpngw_log("tunnel %s/%d: settings changed: "
				          "negotiating again",
				          c->name, t + 1);
				vpngw_ike_tunnel_update(cand, c, t);
				renegotiated++;
			}
			if (c->tunnels[t].enabled != r->tunnels[t].enabled)
				set_admin(c, (unsigned int)t,
				          !c->tunnels[t].enabled,
				          "the configuration");
		}
	}
	if (vpngw_routing_apply(cand) != 0)
		fprintf(msg, "%% cannot build the new routes: the old ones "
		             "stay\n");
	vpn_cfg_free(run.cfg);
	run.cfg = cand;
	run.gen++;
	/* bgpd follows (its sessions that did not change stay up). */
	vpngw_bgp_apply(cand);
	fprintf(msg,
	        "applied: %u connection(s) created, %u deleted, %u "
	        "tunnel(s) negotiating again, routes of %u connection(s) "
	        "published\n",
	        added, deleted, renegotiated, cand->n_conns);
	return 0;
}

int
vpngw_tunnel_find(const char *name, unsigned int *slot, unsigned int *ti,
                  const struct vpn_cfg_conn **conn)
{
	const char *sl = strrchr(name, '/');
	char cn[VPN_NAME_MAX + 1];
	const struct vpn_cfg_conn *c;

	if (sl == NULL || (size_t)(sl - name) > VPN_NAME_MAX ||
	    (strcmp(sl, "/1") != 0 && strcmp(sl, "/2") != 0))
		return -EINVAL;
	memcpy(cn, name, (size_t)(sl - name));
	cn[sl - name] = '\0';
	c = vpn_cfg_conn_find(run.cfg, cn);
	if (c == NULL)
		return -ENOENT;
	*slot = c->slot;
	*ti = (unsigned int)(sl[1] - '1');
	if (conn)
		*conn = c;
	return 0;
}

int
vpngw_tunnel_admin(const char *name, int what, FILE *msg)
{
	const struct vpn_cfg_conn *c;
	unsigned int slot, ti;

	if (vpngw_tunnel_find(name, &slot, &ti, &c) != 0) {
		fprintf(msg, "%% no tunnel %s (CONNECTION/1 or /2)\n", name);
		return -ENOENT;
	}
	if (what != VPNGW_TUNNEL_RESET) {
		if (set_admin(c, ti, what == VPNGW_TUNNEL_DOWN,
		              "the console") == 0)
			return 0;
	} else if (c->tunnels[ti].manual.present) {
		fprintf(msg,
		        "%% tunnel %s has manual keys: nothing to "
		        "negotiate\n",
		        name);
		return -EINVAL;
	} else if (vpngw_ike_tunnel_admin(slot, ti, what) == 0) {
		vpngw_log("tunnel %s: reset by the console", name);
		return 0;
	}
	fprintf(msg,
	        "%% tunnel %s has no IKE (its customer gateway has no "
	        "address)\n",
	        name);
	return -ENOENT;
}

bool
vpngw_tunnel_admin_down(unsigned int slot, unsigned int ti)
{
	return slot < VPN_MAX_CONNS && ti < VPN_TUNNELS &&
	       run.admin_down[slot][ti];
}

int
vpngw_save(FILE *msg)
{
	const char *path = run.cfg->file;
	char real[PATH_MAX], tmp[PATH_MAX + 8], bak[PATH_MAX + 8];
	FILE *f;
	int fd;

	if (path == NULL) {
		fprintf(msg, "%% no configuration file to write\n");
		return -ENOENT;
	}
	/* A symlinked file: the file it points to is written (beside it the
	 * new and .bak files); the link stays a link. */
	if (realpath(path, real) != NULL)
		path = real;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	snprintf(bak, sizeof(bak), "%s.bak", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (f == NULL) {
		int e = errno;

		fprintf(msg, "%% %s: %s\n", tmp, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	vpn_cfg_write(run.cfg, f);
	if (fflush(f) != 0 || fsync(fd) != 0 || ferror(f)) {
		fprintf(msg, "%% %s: %s\n", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		return -EIO;
	}
	fclose(f);
	/* The old file stays as .bak; the new one replaces it at once. */
	unlink(bak);
	if ((link(path, bak) != 0 && errno != ENOENT) ||
	    rename(tmp, path) != 0) {
		int e = errno;

		fprintf(msg, "%% %s: %s\n", path, strerror(e));
		unlink(tmp);
		return -e;
	}
	fprintf(msg, "wrote %s (the previous one is %s)\n", path, bak);
	vpngw_log("configuration written to %s", path);
	return 0;
}
