/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rules between options, run after a whole model is loaded (or changed):
 * every rule that a single value can't tell by itself. Each problem names the
 * line of the option at fault, and the other party where there is one.
 * Derived defaults (a tunnel's outside address) are filled in here.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_priv.h"
#include "vpn_crypto.h"

struct checker {
	struct vpn_cfg *cfg;
	struct vpn_diag *d;
	const char *file;
};

__attribute__((format(printf, 4, 5))) static void
say(struct checker *c, enum vpn_severity sev, unsigned int line,
    const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	vpn_diag_add(c->d, sev, c->file, line, "%s", buf);
}

#define ERR(c, line, ...)  say(c, VPN_DIAG_ERROR, line, __VA_ARGS__)
#define WARN(c, line, ...) say(c, VPN_DIAG_WARNING, line, __VA_ARGS__)

static bool
given(enum vpn_obj kind, const void *obj, const char *name)
{
	return opt_given(obj_src(kind, (void *)(uintptr_t)obj),
	                 vpn_opt_find(kind, name));
}

/* Mark a value filled in from elsewhere: set (the model has it), and
 * derived (checked again it is filled in again, so it follows what it
 * came from; -nv shows it as a comment). */
static void
mark_derived(enum vpn_obj kind, void *obj, const char *name)
{
	struct vpn_src *s = obj_src(kind, obj);
	int i = vpn_opt_find(kind, name);

	s->set |= 1ull << i;
	s->derived |= 1ull << i;
}

/* Given by the file or the console, not filled in by us. */
static bool
given_own(enum vpn_obj kind, const void *obj, const char *name)
{
	const struct vpn_src *s = obj_src(kind, (void *)(uintptr_t)obj);
	int i = vpn_opt_find(kind, name);

	return opt_given(s, i) && !(s->derived & (1ull << i));
}

/* A unicast address that can be a tunnel endpoint on the internet. */
static bool
endpoint_ok(uint32_t a)
{
	uint8_t top = (uint8_t)(a >> 24);

	return top != 0 && top != 127 && top < 224 &&
	       (a & 0xffff0000u) != 0xa9fe0000u /* 169.254/16 */;
}

static const char *
ip(uint32_t a, char buf[16])
{
	return vpn_ipv4_format(a, buf);
}

bool
vpn_device_is_pci(const char *dev)
{
	const char *f = "xxxx:xx:xx.x", *s = dev;
	size_t n = strlen(dev);

	if (n == 7) /* BB:DD.F */
		f += 5;
	else if (n != 12)
		return false;
	for (; *f; f++, s++)
		if (*f == 'x' ? !isxdigit((unsigned char)*s) : *s != *f)
			return false;
	return true;
}

/* ---- appliance ------------------------------------------------------------
 */

static void
check_appliance(struct checker *c)
{
	struct vpn_cfg_appliance *a = &c->cfg->appliance;
	const struct vpn_cfg_console *con = &a->console;
	const struct vpn_cfg_pki *pki = &a->pki;
	int outside = 0, inside = 0;
	char b[16];

	for (unsigned int i = 0; i < a->n_ports; i++) {
		const struct vpn_cfg_port *p = &a->ports[i];

		if (p->role == VPN_PORT_OUTSIDE)
			outside++;
		else
			inside++;
		for (unsigned int j = 0; j < i; j++)
			if (strcmp(p->name, a->ports[j].name) == 0)
				ERR(c, p->src.line,
				    "port name '%s' is used twice (also line "
				    "%u)",
				    p->name, a->ports[j].src.line);
			else if (strcmp(p->device, a->ports[j].device) == 0)
				ERR(c, opt_line(VPN_OBJ_PORT, p, "device"),
				    "ports '%s' and '%s' use the same device",
				    a->ports[j].name, p->name);
		if (!vpn_device_is_pci(p->device) &&
		    strncmp(p->device, "net_", 4) != 0)
			ERR(c, opt_line(VPN_OBJ_PORT, p, "device"),
			    "device '%s' is neither a PCI address "
			    "(0000:03:00.0) nor a DPDK vdev (net_...)",
			    p->device);
		for (unsigned int k = 0; k < p->n_static_arp; k++) {
			uint32_t nip,
			        mask = p->address.len
			                       ? ~0u << (32 - p->address.len)
			                       : 0;
			uint8_t mac[6];

			if (vpn_neighbor_parse(p->static_arp[k], &nip, mac) ==
			            0 &&
			    (!given(VPN_OBJ_PORT, p, "address") ||
			     (nip & mask) !=
			             (vpn_prefix_v4_addr(&p->address) & mask)))
				ERR(c, opt_line(VPN_OBJ_PORT, p, "static_arp"),
				    "static_arp %s is not on the subnet of "
				    "port '%s'",
				    ip(nip, b), p->name);
		}
		if (p->queues > (int64_t)a->n_workers)
			ERR(c, opt_line(VPN_OBJ_PORT, p, "queues"),
			    "port '%s' has %lld queues but there are only %u "
			    "workers to poll them",
			    p->name, (long long)p->queues, a->n_workers);
	}
	if (outside < 1 || outside > VPN_MAX_OUT_PORTS || inside != 1)
		ERR(c, a->src.line,
		    "the appliance needs one inside port and one to %d "
		    "outside ports (has %d outside, %d inside)",
		    VPN_MAX_OUT_PORTS, outside, inside);

	if (a->n_workers == 0)
		ERR(c, opt_line(VPN_OBJ_APPLIANCE, a, "workers"),
		    "at least one worker lcore is needed");
	for (unsigned int i = 0; i < a->n_workers; i++)
		if (a->workers[i] == a->control_lcore)
			ERR(c, opt_line(VPN_OBJ_APPLIANCE, a, "workers"),
			    "lcore %lld is the control lcore; workers need "
			    "their own",
			    (long long)a->workers[i]);

	for (unsigned int i = 0; i < a->n_outside; i++) {
		if (!endpoint_ok(a->outside_addresses[i]))
			ERR(c,
			    opt_line(VPN_OBJ_APPLIANCE, a, "outside_addresses"),
			    "outside address %s is not a unicast address",
			    ip(a->outside_addresses[i], b));
		/* With several outside ports, each address says which:
		 * the port's own, or on its subnet. */
		else if (outside > 1 &&
		         vpn_cfg_outside_port(a, a->outside_addresses[i]) < 0)
			ERR(c,
			    opt_line(VPN_OBJ_APPLIANCE, a, "outside_addresses"),
			    "outside address %s is on no outside port's subnet "
			    "(with several outside ports, each address leaves "
			    "by the port whose subnet holds it)",
			    ip(a->outside_addresses[i], b));
	}
	if (c->cfg->n_conns > 0 && a->n_outside == 0)
		ERR(c, a->src.line,
		    "VPN connections need outside_addresses (our tunnel "
		    "endpoints)");
	if (vpn_asn_reserved(a->bgp_asn))
		ERR(c, opt_line(VPN_OBJ_APPLIANCE, a, "bgp_asn"),
		    "ASN %lld is reserved", (long long)a->bgp_asn);

	/* An open console without a password is a back door. */
	if (con->password_hash[0] == '\0' && (con->listen_addr >> 24) != 127)
		ERR(c, opt_line(VPN_OBJ_CONSOLE, con, "listen"),
		    "the console listens on %s without a password_hash; "
		    "set one or listen on 127.0.0.1",
		    ip(con->listen_addr, b));

	/* The metrics endpoint has no login: loopback only (a collector
	 * beside the appliance, or a proxy that authenticates). */
	if (a->metrics_port != 0 && (a->metrics_addr >> 24) != 127)
		ERR(c, opt_line(VPN_OBJ_APPLIANCE, a, "metrics_listen"),
		    "metrics_listen %s is not on loopback (127.0.0.0/8): the "
		    "endpoint has no authentication",
		    ip(a->metrics_addr, b));

	if ((pki->certificate[0] != '\0') != (pki->private_key[0] != '\0'))
		ERR(c, pki->src.line,
		    "pki needs both certificate and private_key");
}

/* ---- customer gateways ------------------------------------------------------
 */

static void
check_cgws(struct checker *c)
{
	const struct vpn_cfg_pki *pki = &c->cfg->appliance.pki;
	char b[16];

	for (unsigned int i = 0; i < c->cfg->n_cgws; i++) {
		struct vpn_cfg_cgw *g = &c->cfg->cgws[i];
		bool has_addr = given(VPN_OBJ_CGW, g, "address");

		for (unsigned int j = 0; j < i; j++) {
			const struct vpn_cfg_cgw *o = &c->cfg->cgws[j];

			if (strcmp(g->name, o->name) == 0)
				ERR(c, g->src.line,
				    "customer gateway name '%s' is used twice "
				    "(also line %u)",
				    g->name, o->src.line);
			else if (has_addr && given(VPN_OBJ_CGW, o, "address") &&
			         g->address == o->address &&
			         g->bgp_asn == o->bgp_asn)
				ERR(c, opt_line(VPN_OBJ_CGW, g, "address"),
				    "customer gateways '%s' and '%s' have the "
				    "same address and ASN",
				    o->name, g->name);
		}
		if (!has_addr && g->auth == VPN_AUTH_PSK)
			ERR(c, g->src.line,
			    "customer gateway '%s' has no address; only "
			    "certificate authentication may omit it",
			    g->name);
		if (has_addr && !endpoint_ok(g->address))
			ERR(c, opt_line(VPN_OBJ_CGW, g, "address"),
			    "customer gateway address %s is not a unicast "
			    "address",
			    ip(g->address, b));
		if (given(VPN_OBJ_CGW, g, "bgp_asn") &&
		    vpn_asn_reserved(g->bgp_asn))
			ERR(c, opt_line(VPN_OBJ_CGW, g, "bgp_asn"),
			    "ASN %lld is reserved (7224, 9059, 10124 and 17943 "
			    "are AWS's; 0, 23456, 65535 and 4294967295 are "
			    "never a peer's)",
			    (long long)g->bgp_asn);
		if (g->auth == VPN_AUTH_CERT) {
			if (g->certificate_identity[0] == '\0')
				ERR(c,
				    opt_line(VPN_OBJ_CGW, g, "authentication"),
				    "certificate authentication needs the "
				    "customer gateway's certificate_identity");
			if (pki->ca[0] == '\0' || pki->certificate[0] == '\0')
				ERR(c,
				    opt_line(VPN_OBJ_CGW, g, "authentication"),
				    "certificate authentication needs "
				    "appliance.pki (ca, certificate, "
				    "private_key)");
		} else if (g->certificate_identity[0] != '\0') {
			WARN(c,
			     opt_line(VPN_OBJ_CGW, g, "certificate_identity"),
			     "certificate_identity is not used with psk "
			     "authentication");
		}
	}
}

/* ---- connections and tunnels ------------------------------------------------
 */

static int
find_cgw(const struct vpn_cfg *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->n_cgws; i++)
		if (strcmp(cfg->cgws[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool
is_outside_address(const struct vpn_cfg_appliance *a, uint32_t addr)
{
	for (unsigned int i = 0; i < a->n_outside; i++)
		if (a->outside_addresses[i] == addr)
			return true;
	return false;
}

/* A hex key of exactly want bytes, or an error at its line. */
static void
check_key_len(struct checker *c, const struct vpn_cfg_manual *m,
              const char *opt, const char *hex, unsigned int want,
              const char *alg)
{
	/* A missing required key was reported by the loader. */
	if (hex[0] == '\0' &&
	    (strcmp(opt, "key_in") == 0 || strcmp(opt, "key_out") == 0))
		return;
	if (strlen(hex) != 2 * want)
		ERR(c, opt_line(VPN_OBJ_MANUAL, m, opt),
		    "%s must be %u bytes (%u hex digits) for %s, not %zu", opt,
		    want, 2 * want, alg, strlen(hex) / 2);
}

static void
check_manual(struct checker *c, const struct vpn_cfg_conn *conn,
             const struct vpn_cfg_tunnel *t, const struct vpn_cfg_cgw *g)
{
	const struct vpn_cfg_manual *m = &t->manual;
	const struct vpn_crypto_alg *alg = vpn_crypto_alg_find(m->algorithm);
	bool gcm;

	if (alg == NULL) /* reported by the loader */
		return;
	gcm = alg->cipher == VPN_CIPHER_AES_GCM;
	/* RFC 4106: a GCM key carries the 4-byte salt after it. */
	check_key_len(c, m, "key_in", m->key_in, alg->key_len + (gcm ? 4 : 0),
	              alg->name);
	check_key_len(c, m, "key_out", m->key_out, alg->key_len + (gcm ? 4 : 0),
	              alg->name);
	if (gcm) {
		if (m->auth_key_in[0] || m->auth_key_out[0])
			ERR(c, m->src.line,
			    "%s has no HMAC: auth_key_in/out are not used",
			    alg->name);
	} else {
		check_key_len(c, m, "auth_key_in", m->auth_key_in,
		              alg->auth_key_len, alg->name);
		check_key_len(c, m, "auth_key_out", m->auth_key_out,
		              alg->auth_key_len, alg->name);
	}
	if (conn->acceleration && m->encapsulation != VPN_ENCAP_UDP)
		ERR(c, opt_line(VPN_OBJ_MANUAL, m, "encapsulation"),
		    "connection '%s' is accelerated: its ESP is always "
		    "encapsulation \"udp\"",
		    conn->name);
	if (!m->replay_check)
		WARN(c, opt_line(VPN_OBJ_MANUAL, m, "replay_check"),
		     "anti-replay is off on connection '%s': replayed ESP is "
		     "accepted (benchmarks only)",
		     conn->name);
	if (g != NULL && !given(VPN_OBJ_CGW, g, "address"))
		ERR(c, m->src.line,
		    "manual keys need the customer gateway's address "
		    "('%s' has none)",
		    g->name);
}

/* The line of lab option a when given, else of b, else the tunnel's. */
static unsigned int
lab_line(const struct vpn_cfg_tunnel *t, const char *a, const char *b)
{
	if (given(VPN_OBJ_TUNNEL, t, a))
		return opt_line(VPN_OBJ_TUNNEL, t, a);
	if (given(VPN_OBJ_TUNNEL, t, b))
		return opt_line(VPN_OBJ_TUNNEL, t, b);
	return t->src.line;
}

/* The lab lifetimes: warned about, and consistent with what they
 * replace or with each other. */
static void
check_lab(struct checker *c, struct vpn_cfg_conn *conn, int ti)
{
	struct vpn_cfg_tunnel *t = &conn->tunnels[ti];
	int64_t p1 = t->lab_phase1_lifetime ? t->lab_phase1_lifetime
	                                    : t->phase1_lifetime,
	        p2 = t->lab_phase2_lifetime ? t->lab_phase2_lifetime
	                                    : t->phase2_lifetime,
	        m = t->lab_rekey_margin ? t->lab_rekey_margin : t->rekey_margin;
	static const char *const names[] = {
	        "lab_phase1_lifetime", "lab_phase2_lifetime",
	        "lab_rekey_margin", "lab_rekey_packets"};

	for (int i = 0; i < 4; i++)
		if (given(VPN_OBJ_TUNNEL, t, names[i]))
			WARN(c, opt_line(VPN_OBJ_TUNNEL, t, names[i]),
			     "tunnel %d of '%s': %s is a LAB setting %s; not "
			     "for production",
			     ti + 1, conn->name, names[i],
			     i < 3 ? "below AWS's minimums"
			           : "(AWS has no packet limit)");
	if (t->lab_rekey_packets && t->manual.present)
		ERR(c, opt_line(VPN_OBJ_TUNNEL, t, "lab_rekey_packets"),
		    "tunnel %d of '%s': lab_rekey_packets needs IKE (manual "
		    "keys are never rekeyed)",
		    ti + 1, conn->name);
	if (!t->lab_phase1_lifetime && !t->lab_phase2_lifetime &&
	    !t->lab_rekey_margin)
		return;
	if (p2 >= p1)
		ERR(c,
		    lab_line(t, "lab_phase2_lifetime", "lab_phase1_lifetime"),
		    "tunnel %d of '%s': the Child SA lifetime (%lld) must be "
		    "below the IKE SA's (%lld)",
		    ti + 1, conn->name, (long long)p2, (long long)p1);
	if (m > p2 / 2)
		ERR(c, lab_line(t, "lab_rekey_margin", "lab_phase2_lifetime"),
		    "tunnel %d of '%s': the rekey margin (%lld) must be at "
		    "most half of the Child SA lifetime (%lld)",
		    ti + 1, conn->name, (long long)m, (long long)p2);
}

static void
check_tunnel(struct checker *c, struct vpn_cfg_conn *conn, int ti)
{
	const struct vpn_cfg_appliance *a = &c->cfg->appliance;
	struct vpn_cfg_tunnel *t = &conn->tunnels[ti];
	const struct vpn_cfg_cgw *g =
	        conn->cgw >= 0 ? &c->cfg->cgws[conn->cgw] : NULL;
	char b[16];

	if (!given_own(VPN_OBJ_TUNNEL, t, "outside_address") && a->n_outside) {
		t->outside_address = a->outside_addresses[ti % a->n_outside];
		mark_derived(VPN_OBJ_TUNNEL, t, "outside_address");
	} else if (given_own(VPN_OBJ_TUNNEL, t, "outside_address") &&
	           !is_outside_address(a, t->outside_address)) {
		ERR(c, opt_line(VPN_OBJ_TUNNEL, t, "outside_address"),
		    "%s is not one of the appliance's outside_addresses",
		    ip(t->outside_address, b));
	}
	if (given_own(VPN_OBJ_TUNNEL, t, "remote_address") &&
	    !endpoint_ok(t->remote_address))
		ERR(c, opt_line(VPN_OBJ_TUNNEL, t, "remote_address"),
		    "remote address %s is not a unicast address",
		    ip(t->remote_address, b));
	else if (!given_own(VPN_OBJ_TUNNEL, t, "remote_address")) {
		/* The customer gateway's, now: it may have changed, or
		 * gone (certificate authentication without an address). */
		bool has = g != NULL && given(VPN_OBJ_CGW, g, "address");
		struct vpn_src *s = obj_src(VPN_OBJ_TUNNEL, t);
		int i = vpn_opt_find(VPN_OBJ_TUNNEL, "remote_address");

		t->remote_address = has ? g->address : 0;
		if (has)
			mark_derived(VPN_OBJ_TUNNEL, t, "remote_address");
		else {
			s->set &= ~(1ull << i);
			s->derived &= ~(1ull << i);
		}
	}
	if (t->phase2_lifetime >= t->phase1_lifetime)
		ERR(c, opt_line(VPN_OBJ_TUNNEL, t, "phase2_lifetime"),
		    "phase2_lifetime (%lld) must be below phase1_lifetime "
		    "(%lld)",
		    (long long)t->phase2_lifetime,
		    (long long)t->phase1_lifetime);
	if (t->rekey_margin > t->phase2_lifetime / 2)
		ERR(c, opt_line(VPN_OBJ_TUNNEL, t, "rekey_margin"),
		    "rekey_margin (%lld) must be at most half of "
		    "phase2_lifetime (%lld)",
		    (long long)t->rekey_margin,
		    (long long)t->phase2_lifetime / 2);
	check_lab(c, conn, ti);
	if (g == NULL)
		return;
	if (g->auth == VPN_AUTH_CERT && given(VPN_OBJ_TUNNEL, t, "psk"))
		ERR(c, opt_line(VPN_OBJ_TUNNEL, t, "psk"),
		    "customer gateway '%s' uses certificate authentication; "
		    "a psk is not used",
		    g->name);
	if (t->startup_action == VPN_STARTUP_START &&
	    !given(VPN_OBJ_CGW, g, "address"))
		ERR(c, opt_line(VPN_OBJ_TUNNEL, t, "startup_action"),
		    "startup_action start needs the customer gateway's "
		    "address ('%s' has none)",
		    g->name);
	if (t->manual.present)
		check_manual(c, conn, t, g);
	else if (a->exception_iface[0] == '\0')
		ERR(c, t->src.line,
		    "tunnel %d of '%s' is negotiated by IKE, whose sockets "
		    "live on the exception path: set "
		    "appliance.exception_iface (e.g. \"vpngw0\")",
		    ti + 1, conn->name);
}

static void
check_conn(struct checker *c, struct vpn_cfg_conn *conn)
{
	const struct vpn_cfg_appliance *a = &c->cfg->appliance;
	const struct vpn_cfg_cgw *g = NULL;
	char b[16], p1[VPN_PREFIX_STRLEN];

	conn->cgw = find_cgw(c->cfg, conn->customer_gateway);
	if (conn->cgw >= 0)
		g = &c->cfg->cgws[conn->cgw];
	else if (conn->customer_gateway[0] != '\0')
		ERR(c, opt_line(VPN_OBJ_CONN, conn, "customer_gateway"),
		    "no customer gateway named '%s'", conn->customer_gateway);

	if (conn->acceleration && conn->attachment != VPN_ATTACH_TGW)
		ERR(c, opt_line(VPN_OBJ_CONN, conn, "acceleration"),
		    "acceleration needs attachment \"tgw\"");

	if (conn->routing == VPN_ROUTING_BGP) {
		if (conn->static_routes.n > 0)
			ERR(c, opt_line(VPN_OBJ_CONN, conn, "static_routes"),
			    "static_routes need routing \"static\"; with bgp "
			    "the routes are learned");
		if (g != NULL && !given(VPN_OBJ_CGW, g, "bgp_asn"))
			ERR(c, opt_line(VPN_OBJ_CONN, conn, "routing"),
			    "bgp routing needs a bgp_asn on customer gateway "
			    "'%s'",
			    g->name);
		else if (g != NULL && g->bgp_asn == a->bgp_asn)
			ERR(c, opt_line(VPN_OBJ_CONN, conn, "routing"),
			    "customer gateway '%s' has our own ASN %lld; the "
			    "session is eBGP",
			    g->name, (long long)a->bgp_asn);
	} else if (conn->static_routes.n == 0) {
		WARN(c, opt_line(VPN_OBJ_CONN, conn, "routing"),
		     "connection '%s' has static routing but no "
		     "static_routes: nothing is routed into it",
		     conn->name);
	}
	for (unsigned int i = 0; i < conn->static_routes.n; i++) {
		bool inside = false;

		for (unsigned int j = 0; j < conn->remote_networks.n; j++)
			inside |=
			        vpn_prefix_contains(&conn->remote_networks.v[j],
			                            &conn->static_routes.v[i]);
		if (!inside)
			WARN(c, opt_line(VPN_OBJ_CONN, conn, "static_routes"),
			     "static route %s is outside remote_networks; its "
			     "traffic would not match the tunnel's selectors",
			     vpn_prefix_format(&conn->static_routes.v[i], p1));
	}

	if (conn->bgp_bfd && conn->routing != VPN_ROUTING_BGP)
		ERR(c, opt_line(VPN_OBJ_CONN, conn, "bgp_bfd"),
		    "bgp_bfd needs routing \"bgp\" (for a static connection, "
		    "health checks: health_check_target)");
	if (conn->health_check_target != 0) {
		struct vpn_prefix h =
		        vpn_prefix_v4(conn->health_check_target, 32);
		bool inside = false;

		/* The answer comes back to the appliance's kernel. */
		if (a->exception_iface[0] == '\0')
			ERR(c,
			    opt_line(VPN_OBJ_CONN, conn, "health_check_target"),
			    "health checks are answered on the exception "
			    "path: set appliance.exception_iface (e.g. "
			    "\"vpngw0\")");
		for (unsigned int j = 0; j < conn->remote_networks.n; j++)
			inside |= vpn_prefix_contains(
			        &conn->remote_networks.v[j], &h);
		if (!inside)
			ERR(c,
			    opt_line(VPN_OBJ_CONN, conn, "health_check_target"),
			    "health_check_target %s is outside "
			    "remote_networks: "
			    "no tunnel may carry its probes",
			    vpn_ipv4_format(conn->health_check_target, b));
	}
	for (int t = 0; t < VPN_TUNNELS; t++)
		check_tunnel(c, conn, t);
	/* The two tunnels need two address pairs: ours differ (the AWS
	 * side), or the peer's do (we play the CGW). */
	if (a->n_outside > 0 &&
	    conn->tunnels[0].outside_address ==
	            conn->tunnels[1].outside_address &&
	    conn->tunnels[0].remote_address == conn->tunnels[1].remote_address)
		ERR(c,
		    opt_line(VPN_OBJ_TUNNEL, &conn->tunnels[1],
		             "outside_address"),
		    "tunnels 1 and 2 of connection '%s' both use outside "
		    "address %s to the same peer address; each tunnel needs "
		    "its "
		    "own (give the appliance two outside_addresses)",
		    conn->name, ip(conn->tunnels[0].outside_address, b));
}

/* An identity as IKE compares it: a strongSwan type prefix dropped; a
 * DN (it has '=') as its attributes, each "attr=value" trimmed, sorted;
 * all of it without case. */
#define ID_PARTS 16

static int
cmp_part(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
identity_key(const char *id, char *out, size_t len)
{
	static const char *const prefixes[] = {
	        "asn1dn:", "fqdn:", "dns:", "email:",
	        "rfc822:", "ipv4:", "ip:"};
	char buf[VPN_IDENTITY_MAX], *part[ID_PARTS], *p;
	size_t o = 0;
	int n = 0;

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncasecmp(id, prefixes[i], strlen(prefixes[i])) == 0) {
			id += strlen(prefixes[i]);
			break;
		}
	snprintf(buf, sizeof(buf), "%s", id);
	if (strchr(buf, '=') == NULL) {
		for (p = buf; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		snprintf(out, len, "%s", buf);
		return;
	}
	/* Split at commas that are not escaped ("\,"). */
	for (p = buf; n < ID_PARTS;) {
		char *e = p, *eq;

		while (*e && !(*e == ',' && (e == buf || e[-1] != '\\')))
			e++;
		part[n] = p;
		p = *e ? e + 1 : e;
		*e = '\0';
		while (isspace((unsigned char)*part[n]))
			part[n]++;
		for (e = part[n] + strlen(part[n]);
		     e > part[n] && isspace((unsigned char)e[-1]); e--)
			e[-1] = '\0';
		eq = strchr(part[n], '=');
		for (e = part[n]; eq != NULL && e < eq; e++)
			*e = (char)toupper((unsigned char)*e);
		if (eq != NULL) { /* no spaces around '=' */
			char *v = eq + 1, *k = eq;

			while (k > part[n] && isspace((unsigned char)k[-1]))
				k--;
			while (isspace((unsigned char)*v))
				v++;
			memmove(k + 1, v, strlen(v) + 1);
			*k = '=';
		}
		n++;
		if (*p == '\0')
			break;
	}
	qsort(part, (size_t)n, sizeof(part[0]), cmp_part);
	out[0] = '\0';
	for (int i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? "," : "",
		                      part[i]);
	/* (Values compare without case too, as IKE compares them.) */
	for (p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

static bool
same_identity(const char *a, const char *b)
{
	char ka[VPN_IDENTITY_MAX], kb[VPN_IDENTITY_MAX];

	identity_key(a, ka, sizeof(ka));
	identity_key(b, kb, sizeof(kb));
	return strcmp(ka, kb) == 0;
}

/* Tunnel i of ci and tunnel j of cj wait on one of our addresses for
 * customer gateways without an address. */
static void
check_roaming_pair(struct checker *c, const struct vpn_cfg_conn *ci,
                   unsigned int i, const struct vpn_cfg_conn *cj,
                   unsigned int j)
{
	const struct vpn_cfg_tunnel *ti = &ci->tunnels[i % VPN_TUNNELS];
	const struct vpn_cfg_tunnel *tj = &cj->tunnels[j % VPN_TUNNELS];
	const char *id = c->cfg->cgws[ci->cgw].certificate_identity;
	char b[16];

	if (same_identity(id, c->cfg->cgws[cj->cgw].certificate_identity))
		ERR(c, ti->src.line,
		    "tunnel %u of '%s' and tunnel %u of '%s' both wait on %s "
		    "for a customer gateway without an address named \"%s\"; "
		    "IKE can't tell them apart",
		    i % VPN_TUNNELS + 1, ci->name, j % VPN_TUNNELS + 1,
		    cj->name, ip(ti->outside_address, b), id);
	if (ti->phase1_encryption != tj->phase1_encryption ||
	    ti->phase1_integrity != tj->phase1_integrity ||
	    ti->phase1_dh_groups != tj->phase1_dh_groups)
		WARN(c, ti->src.line,
		     "tunnel %u of '%s' and tunnel %u of '%s' wait on %s for "
		     "customer gateways without an address with different "
		     "phase 1 algorithms: an IKE SA is answered before its "
		     "gateway is known, and one the other tunnel does not take "
		     "is refused",
		     i % VPN_TUNNELS + 1, ci->name, j % VPN_TUNNELS + 1,
		     cj->name, ip(ti->outside_address, b));
}

/* Pairs of tunnels that can't both exist. */
static void
check_tunnel_pairs(struct checker *c)
{
	const struct vpn_cfg *cfg = c->cfg;
	char b1[16], b2[16], p[VPN_PREFIX_STRLEN];
	/* Looked up once: the pairs grow as the square of the tunnels. */
	const int cidr = vpn_opt_find(VPN_OBJ_TUNNEL, "inside_cidr"),
	          remote = vpn_opt_find(VPN_OBJ_TUNNEL, "remote_address");

	for (unsigned int i = 0; i < cfg->n_conns * VPN_TUNNELS; i++) {
		const struct vpn_cfg_conn *ci = &cfg->conns[i / VPN_TUNNELS];
		const struct vpn_cfg_tunnel *ti = &ci->tunnels[i % VPN_TUNNELS];

		for (unsigned int j = 0; j < i; j++) {
			const struct vpn_cfg_conn *cj =
			        &cfg->conns[j / VPN_TUNNELS];
			const struct vpn_cfg_tunnel *tj =
			        &cj->tunnels[j % VPN_TUNNELS];

			/* All our tunnels share one routing table, so an
			 * inside CIDR must be unique across the appliance
			 * (AWS: unique per gateway). */
			if (opt_given(&ti->src, cidr) &&
			    opt_given(&tj->src, cidr) &&
			    vpn_prefix_overlap(&ti->inside_cidr,
			                       &tj->inside_cidr))
				ERR(c,
				    opt_line(VPN_OBJ_TUNNEL, ti, "inside_cidr"),
				    "inside_cidr %s is also used by tunnel %u "
				    "of connection '%s'",
				    vpn_prefix_format(&ti->inside_cidr, p),
				    j % VPN_TUNNELS + 1, cj->name);
			/* Our inbound SPIs pick the SA of a packet. */
			if (ti->manual.present && tj->manual.present &&
			    ti->manual.spi_in == tj->manual.spi_in)
				ERR(c,
				    opt_line(VPN_OBJ_MANUAL, &ti->manual,
				             "spi_in"),
				    "spi_in 0x%llx is also tunnel %u of '%s''s",
				    (unsigned long long)ti->manual.spi_in,
				    j % VPN_TUNNELS + 1, cj->name);
			/* Customer gateways without an address on one of
			 * our addresses: told apart by their certificate's
			 * identity, and their IKE SA answered before
			 * IKE_AUTH says which one it is (under proposals
			 * all of them take). */
			if (ci != cj && ci->cgw >= 0 && cj->cgw >= 0 &&
			    !ti->manual.present && !tj->manual.present &&
			    ti->remote_address == 0 &&
			    tj->remote_address == 0 &&
			    ti->outside_address == tj->outside_address)
				check_roaming_pair(c, ci, i, cj, j);
			/* IKE tells tunnels apart by the address pair
			 * (manual SAs by their SPIs, checked above). */
			if (ci != cj &&
			    !(ti->manual.present && tj->manual.present) &&
			    opt_given(&ti->src, remote) &&
			    opt_given(&tj->src, remote) &&
			    ti->remote_address == tj->remote_address &&
			    ti->outside_address == tj->outside_address)
				ERR(c, ti->src.line,
				    "tunnel %u of '%s' and tunnel %u of '%s' "
				    "both join %s to %s; IKE can't tell them "
				    "apart",
				    i % VPN_TUNNELS + 1, ci->name,
				    j % VPN_TUNNELS + 1, cj->name,
				    ip(ti->outside_address, b1),
				    ip(ti->remote_address, b2));
		}
	}
}

/* ---- overlapping networks -------------------------------------------------
 */

enum net_role { NET_LOCAL, NET_REMOTE, NET_STATIC, NET_INSIDE };

static const char *const role_text[] = {"local network", "remote network",
                                        "static route", "inside network"};

struct net_ref {
	const struct vpn_prefix *p;
	enum net_role role;
	const char *conn; /* NULL for the appliance */
	unsigned int line;
};

static bool
overlap_matters(const struct net_ref *x, const struct net_ref *y)
{
	bool same_conn = x->conn && y->conn && strcmp(x->conn, y->conn) == 0;

	/* Ours against theirs, anywhere. */
	if ((x->role == NET_LOCAL || x->role == NET_INSIDE) &&
	    (y->role == NET_REMOTE || y->role == NET_STATIC))
		return true;
	if ((y->role == NET_LOCAL || y->role == NET_INSIDE) &&
	    (x->role == NET_REMOTE || x->role == NET_STATIC))
		return true;
	/* Two connections claiming the same remote space. */
	return !same_conn && x->role == y->role &&
	       (x->role == NET_REMOTE || x->role == NET_STATIC);
}

/* A network's place in the sweep: by family, masked address, length, so
 * that a network comes right after every network that contains it. */
struct net_key {
	uint8_t family, len;
	uint8_t net[16];
	unsigned int ref; /* index in the file's order */
};

static int
net_key_cmp(const void *a, const void *b)
{
	const struct net_key *x = a, *y = b;
	int d;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	d = memcmp(x->net, y->net, sizeof(x->net));
	if (d != 0)
		return d;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->ref < y->ref ? -1 : x->ref > y->ref;
}

static void
overlap_warn(struct checker *c, const struct net_ref *r, unsigned int a,
             unsigned int b)
{
	/* Said at the later one, naming the earlier (as a reader meets
	 * them in the file). */
	unsigned int i = a > b ? a : b, j = a > b ? b : a;
	char p1[VPN_PREFIX_STRLEN], p2[VPN_PREFIX_STRLEN];

	if (!overlap_matters(&r[i], &r[j]))
		return;
	WARN(c, r[i].line, "%s %s%s%s%s overlaps %s %s%s%s%s (line %u)",
	     role_text[r[i].role], vpn_prefix_format(r[i].p, p1),
	     r[i].conn ? " of '" : "", r[i].conn ? r[i].conn : "",
	     r[i].conn ? "'" : "", role_text[r[j].role],
	     vpn_prefix_format(r[j].p, p2), r[j].conn ? " of '" : "",
	     r[j].conn ? r[j].conn : "", r[j].conn ? "'" : "", r[j].line);
}

/*
 * Every pair of r[0..n) that overlaps, in O(n log n) plus the pairs
 * found (the model allows 1024 connections of 100 routes: comparing
 * every pair took 45 s). Two prefixes overlap only when one holds the
 * other, so in the order of net_key_cmp the networks holding the current
 * one are a stack: pop what does not hold it, the rest all do.
 */
static void
overlaps_sweep(struct checker *c, const struct net_ref *r, unsigned int n)
{
	struct net_key *k = calloc(n ? n : 1, sizeof(*k));
	unsigned int *stack = calloc(n ? n : 1, sizeof(*stack));
	unsigned int nk = 0, depth = 0;

	if (k == NULL || stack == NULL)
		goto out;
	for (unsigned int i = 0; i < n; i++) {
		const struct vpn_prefix *p = r[i].p;

		/* A /0 is the "any" selector of a route-based tunnel, not a
		 * network anybody claims. */
		if (p->len == 0)
			continue;
		k[nk] = (struct net_key){
		        .family = p->family, .len = p->len, .ref = i};
		for (unsigned int b = 0; b < 16 && b * 8 < p->len; b++)
			k[nk].net[b] =
			        p->addr[b] &
			        (uint8_t)(p->len >= b * 8 + 8
			                          ? 0xff
			                          : 0xff << (8 - p->len % 8));
		nk++;
	}
	qsort(k, nk, sizeof(*k), net_key_cmp);
	for (unsigned int i = 0; i < nk; i++) {
		const struct vpn_prefix *p = r[k[i].ref].p;

		while (depth > 0 &&
		       !vpn_prefix_contains(r[stack[depth - 1]].p, p))
			depth--;
		for (unsigned int s = 0; s < depth; s++)
			overlap_warn(c, r, stack[s], k[i].ref);
		stack[depth++] = k[i].ref;
	}
out:
	free(k);
	free(stack);
}

static void
check_overlaps(struct checker *c)
{
	const struct vpn_cfg *cfg = c->cfg;
	const struct vpn_cfg_appliance *a = &cfg->appliance;
	unsigned int max = a->inside_networks.n +
	                   cfg->n_conns * 3 * VPN_MAX_PREFIXES,
	             n = 0;
	struct net_ref *r = calloc(max ? max : 1, sizeof(*r));

	if (r == NULL)
		return;
	for (unsigned int i = 0; i < a->inside_networks.n; i++)
		r[n++] = (struct net_ref){
		        &a->inside_networks.v[i], NET_INSIDE, NULL,
		        opt_line(VPN_OBJ_APPLIANCE, a, "inside_networks")};
	for (unsigned int k = 0; k < cfg->n_conns; k++) {
		const struct vpn_cfg_conn *cn = &cfg->conns[k];
		/* Default 0.0.0.0/0 selectors mean "route-based, anything":
		 * only networks written in the file are compared. */
		static const char *const opts[] = {
		        "local_networks", "remote_networks", "static_routes"};
		const struct vpn_prefix_list *lists[] = {&cn->local_networks,
		                                         &cn->remote_networks,
		                                         &cn->static_routes};

		for (int w = 0; w < 3; w++) {
			if (!given(VPN_OBJ_CONN, cn, opts[w]))
				continue;
			for (unsigned int i = 0; i < lists[w]->n; i++)
				r[n++] = (struct net_ref){
				        &lists[w]->v[i], (enum net_role)w,
				        cn->name,
				        opt_line(VPN_OBJ_CONN, cn, opts[w])};
		}
	}
	overlaps_sweep(c, r, n);
	free(r);
}

void
vpn_cfg_check(struct vpn_cfg *cfg, struct vpn_diag *d)
{
	struct checker c = {.cfg = cfg, .d = d, .file = cfg->file};

	unsigned int routes = 0;

	check_appliance(&c);
	check_cgws(&c);
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		routes += cfg->conns[i].static_routes.n;
		if (routes > VPN_MAX_STATIC_ROUTES &&
		    routes - cfg->conns[i].static_routes.n <=
		            VPN_MAX_STATIC_ROUTES)
			ERR(&c,
			    opt_line(VPN_OBJ_CONN, &cfg->conns[i],
			             "static_routes"),
			    "more than %d static routes in all connections "
			    "together (this one reaches %u)",
			    VPN_MAX_STATIC_ROUTES, routes);
		for (unsigned int j = 0; j < i; j++)
			if (strcmp(cfg->conns[i].name, cfg->conns[j].name) == 0)
				ERR(&c, cfg->conns[i].src.line,
				    "connection name '%s' is used twice (also "
				    "line %u)",
				    cfg->conns[i].name, cfg->conns[j].src.line);
		check_conn(&c, &cfg->conns[i]);
	}
	check_tunnel_pairs(&c);
	check_overlaps(&c);
}
