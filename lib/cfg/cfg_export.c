/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the customer gateway needs to reach a connection's two tunnels:
 * AWS's "download configuration", for strongSwan (swanctl.conf), FRR
 * (BGP over the tunnels' inside addresses) or as plain text. Everything
 * comes from the model: the proposals from the tunnel options, the
 * traffic selectors from vpn_cfg_tunnel_ts() (what our IKE offers).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "cfg_priv.h"

int
vpn_cfg_tunnel_ts(const struct vpn_cfg_conn *c, int ti, bool local,
                  struct vpn_prefix *out, unsigned int max)
{
	const struct vpn_prefix_list *l =
	        local ? &c->local_networks : &c->remote_networks;
	const struct vpn_prefix *inside = &c->tunnels[ti].inside_cidr;
	bool covered = false;
	unsigned int n = 0;

	for (unsigned int i = 0; i < l->n; i++) {
		if (l->v[i].family != AF_INET)
			continue;
		if (n >= max)
			return -ENOSPC;
		out[n++] = l->v[i];
		covered |= vpn_prefix_contains(&l->v[i], inside);
	}
	/* With BGP (its sessions) or health checks (their answers come
	 * back to our inside address) the tunnel's inside /30 carries
	 * traffic: in the selectors. */
	if (vpn_cfg_uses_inside(c) && !covered && inside->family == AF_INET) {
		if (n >= max)
			return -ENOSPC;
		out[n++] = vpn_prefix_v4(vpn_prefix_v4_addr(inside) & ~3u, 30);
	}
	return (int)n;
}

bool
vpn_cfg_uses_inside(const struct vpn_cfg_conn *c)
{
	return c->routing == VPN_ROUTING_BGP || c->health_check_target != 0;
}

uint32_t
vpn_cfg_inside_addr(const struct vpn_cfg_tunnel *t, bool ours)
{
	/* AWS's convention: the first host of the /30 is the VPN
	 * gateway's, the second the customer gateway's. */
	return (vpn_prefix_v4_addr(&t->inside_cidr) & ~3u) + (ours ? 1 : 2);
}

int
vpn_cfg_outside_port(const struct vpn_cfg_appliance *a, uint32_t addr)
{
	int rank = 0, subnet = -1;

	for (unsigned int i = 0; i < a->n_ports; i++) {
		const struct vpn_cfg_port *p = &a->ports[i];
		uint32_t pa = vpn_prefix_v4_addr(&p->address);
		uint32_t mask =
		        p->address.len ? ~0u << (32 - p->address.len) : 0;

		if (p->role != VPN_PORT_OUTSIDE)
			continue;
		if (p->address.family == AF_INET && pa == addr)
			return rank;
		if (subnet < 0 && p->address.family == AF_INET &&
		    ((pa ^ addr) & mask) == 0)
			subnet = rank;
		rank++;
	}
	return subnet >= 0 ? subnet : rank == 1 ? 0 : -1;
}

static const char *const swan_enc[] = {"aes128", "aes256", "aes128gcm16",
                                       "aes256gcm16"};
static const char *const swan_integ[] = {"sha1", "sha256", "sha384", "sha512"};

static const char *
swan_dh(int g)
{
	switch (g) {
	case 2:
		return "modp1024";
	case 5:
		return "modp1536";
	case 14:
		return "modp2048";
	case 15:
		return "modp3072";
	case 16:
		return "modp4096";
	case 17:
		return "modp6144";
	case 18:
		return "modp8192";
	case 19:
		return "ecp256";
	case 20:
		return "ecp384";
	case 21:
		return "ecp521";
	case 22:
		return "modp1024s160";
	case 23:
		return "modp2048s224";
	case 24:
		return "modp2048s256";
	default:
		return NULL;
	}
}

/*
 * strongSwan proposals: AEAD (GCM) and CBC+HMAC algorithms can't share
 * one, so up to two, comma separated. IKE AEAD proposals name their
 * PRFs; ESP ones take the DH groups for PFS on rekeying.
 */
static void
swan_proposals(uint32_t enc, uint32_t integ, uint32_t dh, bool ike, FILE *out)
{
	bool any = false;

	for (int aead = 0; aead < 2; aead++) {
		bool has = false;

		for (int i = aead ? 2 : 0; i < (aead ? 4 : 2); i++)
			has |= (enc >> i) & 1;
		if (!has || (!aead && integ == 0))
			continue;
		fprintf(out, "%s", any ? "," : "");
		any = true;
		has = false;
		for (int i = aead ? 2 : 0; i < (aead ? 4 : 2); i++)
			if ((enc >> i) & 1) {
				fprintf(out, "%s%s", has ? "-" : "",
				        swan_enc[i]);
				has = true;
			}
		if (!aead || ike)
			for (int i = 0; i < 4; i++)
				if ((integ >> i) & 1)
					fprintf(out, "-%s%s", aead ? "prf" : "",
					        swan_integ[i]);
		for (int g = 1; g < 32; g++)
			if ((dh & VPN_DH(g)) && swan_dh(g))
				fprintf(out, "-%s", swan_dh(g));
	}
}

static void
ts_list(const struct vpn_cfg_conn *c, int ti, bool local, FILE *out)
{
	struct vpn_prefix ts[VPN_MAX_PREFIXES + 1];
	char p[VPN_PREFIX_STRLEN];
	int n = vpn_cfg_tunnel_ts(c, ti, local, ts, VPN_MAX_PREFIXES + 1);

	if (n <= 0) {
		fprintf(out, "0.0.0.0/0");
		return;
	}
	for (int i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? "," : "",
		        vpn_prefix_format(&ts[i], p));
}

static void
export_strongswan(const struct vpn_cfg *cfg, const struct vpn_cfg_conn *c,
                  const char *our_id, FILE *out)
{
	const struct vpn_cfg_cgw *g = &cfg->cgws[c->cgw];
	char cgw[16], ours[16];

	fprintf(out,
	        "# swanctl.conf for customer gateway %s, VPN connection %s "
	        "of %s:\n# two tunnels; load with swanctl --load-all.\n",
	        g->name, c->name, cfg->appliance.name);
	if (g->auth == VPN_AUTH_CERT)
		fprintf(out,
		        "# Certificates: this gateway's in "
		        "swanctl/x509/%s.crt, "
		        "its key in\n# swanctl/private/, and the CA's "
		        "certificate (vpngw's appliance.pki.ca)\n# in "
		        "swanctl/x509ca/.\n",
		        g->name);
	fprintf(out, "connections {\n");
	for (int ti = 0; ti < VPN_TUNNELS; ti++) {
		const struct vpn_cfg_tunnel *t = &c->tunnels[ti];
		bool cgw_known =
		        opt_given(&g->src, OPT_IDX(VPN_OBJ_CGW, "address"));

		vpn_ipv4_format(g->address, cgw);
		vpn_ipv4_format(t->outside_address, ours);
		fprintf(out, "    %s-%d {\n        version = 2\n", c->name,
		        ti + 1);
		fprintf(out, "        local_addrs = %s\n",
		        cgw_known ? cgw : "%any");
		fprintf(out, "        remote_addrs = %s\n", ours);
		fprintf(out, "        proposals = ");
		swan_proposals(t->phase1_encryption, t->phase1_integrity,
		               t->phase1_dh_groups, true, out);
		fprintf(out,
		        "\n        rekey_time = %llds\n"
		        "        dpd_delay = 10s\n"
		        "        keyingtries = 0\n"
		        "        mobike = no\n"
		        "        encap = %s\n",
		        (long long)(t->phase1_lifetime - t->rekey_margin),
		        c->acceleration ? "yes" : "no");
		if (g->auth == VPN_AUTH_CERT) {
			fprintf(out,
			        "        local {\n            auth = pubkey\n"
			        "            certs = %s.crt\n            id = "
			        "\"%s\"\n"
			        "        }\n        remote {\n"
			        "            auth = pubkey\n",
			        g->name, g->certificate_identity);
			/* Our certificate's subject, when it is loaded. */
			if (our_id != NULL && our_id[0] != '\0')
				fprintf(out, "            id = \"%s\"\n",
				        our_id);
			else
				fprintf(out,
				        "            # id = \"<the subject "
				        "of vpngw's certificate>\"\n");
			fprintf(out, "        }\n");
		} else
			fprintf(out,
			        "        local {\n            auth = psk\n"
			        "            id = %s\n        }\n"
			        "        remote {\n            auth = psk\n"
			        "            id = %s\n        }\n",
			        cgw_known ? cgw : "%any", ours);
		fprintf(out, "        children {\n            %s-%d {\n",
		        c->name, ti + 1);
		/* The customer's side is our remote one. */
		fprintf(out, "                local_ts = ");
		ts_list(c, ti, false, out);
		fprintf(out, "\n                remote_ts = ");
		ts_list(c, ti, true, out);
		fprintf(out, "\n                esp_proposals = ");
		swan_proposals(t->phase2_encryption, t->phase2_integrity,
		               t->phase2_dh_groups, false, out);
		fprintf(out,
		        "\n                mode = tunnel\n"
		        "                rekey_time = %llds\n"
		        "                replay_window = %lld\n"
		        "                start_action = %s\n"
		        "                dpd_action = %s\n"
		        "            }\n        }\n    }\n",
		        (long long)(t->phase2_lifetime - t->rekey_margin),
		        (long long)t->replay_window,
		        /* One side starts: if we wait, they start. */
		        t->startup_action == VPN_STARTUP_START ? "none"
		                                               : "start",
		        t->dpd_action == VPN_DPD_RESTART ? "restart"
		        : t->dpd_action == VPN_DPD_NONE  ? "none"
		                                         : "clear");
	}
	fprintf(out, "}\n");
	if (g->auth == VPN_AUTH_CERT)
		return;
	fprintf(out, "secrets {\n");
	for (int ti = 0; ti < VPN_TUNNELS; ti++) {
		const struct vpn_cfg_tunnel *t = &c->tunnels[ti];

		vpn_ipv4_format(t->outside_address, ours);
		fprintf(out,
		        "    ike-%s-%d {\n        id-1 = %s\n"
		        "        secret = \"%s\"\n    }\n",
		        c->name, ti + 1, ours, t->psk);
	}
	fprintf(out, "}\n");
}

static void
export_frr(const struct vpn_cfg *cfg, const struct vpn_cfg_conn *c, FILE *out)
{
	const struct vpn_cfg_cgw *g = &cfg->cgws[c->cgw];
	char a[16], p[VPN_PREFIX_STRLEN];

	fprintf(out, "! FRR for customer gateway %s, VPN connection %s of %s\n",
	        g->name, c->name, cfg->appliance.name);
	if (c->routing != VPN_ROUTING_BGP || g->bgp_asn == 0) {
		fprintf(out, "! routing is static: route our networks into the "
		             "tunnels, no BGP\n");
		for (unsigned int i = 0; i < c->local_networks.n; i++)
			fprintf(out, "! ip route %s <tunnel interface>\n",
			        vpn_prefix_format(&c->local_networks.v[i], p));
		return;
	}
	fprintf(out, "router bgp %lld\n", (long long)g->bgp_asn);
	fprintf(out, " no bgp ebgp-requires-policy\n");
	/* Both tunnels used at once when their paths are equal. */
	fprintf(out, " bgp bestpath as-path multipath-relax\n");
	for (int ti = 0; ti < VPN_TUNNELS; ti++) {
		const struct vpn_cfg_tunnel *t = &c->tunnels[ti];
		char b[16];

		vpn_ipv4_format(vpn_cfg_inside_addr(t, true), a);
		fprintf(out, " neighbor %s remote-as %lld\n", a,
		        (long long)cfg->appliance.bgp_asn);
		fprintf(out, " neighbor %s timers 10 30\n", a);
		/* Over a tunnel that has just come up, try again soon (FRR
		 * waits 120 s by default). */
		fprintf(out, " neighbor %s timers connect 10\n", a);
		fprintf(out, " neighbor %s update-source %s\n", a,
		        vpn_ipv4_format(vpn_cfg_inside_addr(t, false), b));
		/* bfdd must run, with the same timers (a bfd profile). */
		if (c->bgp_bfd)
			fprintf(out, " neighbor %s bfd profile vpngw\n", a);
	}
	fprintf(out, " address-family ipv4 unicast\n");
	for (unsigned int i = 0; i < c->remote_networks.n; i++) {
		const struct vpn_prefix *r = &c->remote_networks.v[i];

		if (r->family != AF_INET)
			continue;
		/* Any network (the default selector) is no network to
		 * announce: the CGW says which of its own it has. */
		fprintf(out, "  %snetwork %s%s\n", r->len ? "" : "! ",
		        r->len ? vpn_prefix_format(r, p) : "A.B.C.D/M",
		        r->len ? "" : "   (each network behind this gateway)");
	}
	fprintf(out, "  maximum-paths 2\n");
	fprintf(out, " exit-address-family\n!\n");
	if (c->bgp_bfd)
		fprintf(out,
		        "! BFD (start FRR's bfdd):\nbfd\n profile vpngw\n"
		        "  receive-interval %lld\n  transmit-interval %lld\n"
		        "  detect-multiplier %lld\n exit\nexit\n!\n",
		        (long long)c->bfd_interval, (long long)c->bfd_interval,
		        (long long)c->bfd_multiplier);
	for (int ti = 0; ti < VPN_TUNNELS; ti++) {
		vpn_ipv4_format(vpn_cfg_inside_addr(&c->tunnels[ti], false), a);
		fprintf(out,
		        "! tunnel %d: give the tunnel interface %s/30 "
		        "(ours is the other host)\n",
		        ti + 1, a);
	}
}

static void
names(const char *const *tbl, uint32_t set, FILE *out)
{
	bool first = true;

	for (int i = 0; tbl[i]; i++)
		if ((set >> i) & 1) {
			fprintf(out, "%s%s", first ? "" : ", ", tbl[i]);
			first = false;
		}
}

static void
groups(uint32_t set, FILE *out)
{
	bool first = true;

	for (int g = 1; g < 32; g++)
		if (set & VPN_DH(g)) {
			fprintf(out, "%s%d", first ? "" : ", ", g);
			first = false;
		}
}

static void
export_generic(const struct vpn_cfg *cfg, const struct vpn_cfg_conn *c,
               const char *our_id, FILE *out)
{
	const struct vpn_cfg_cgw *g = &cfg->cgws[c->cgw];
	char a[16], b[16], p[VPN_PREFIX_STRLEN];

	fprintf(out,
	        "VPN connection %s of %s, customer gateway %s\n"
	        "Routing: %s; %s%s\n",
	        c->name, cfg->appliance.name, g->name,
	        vpn_routing_name(c->routing),
	        vpn_attachment_name(c->attachment),
	        c->acceleration ? ", accelerated (ESP always in UDP 4500)"
	                        : "");
	for (int ti = 0; ti < VPN_TUNNELS; ti++) {
		const struct vpn_cfg_tunnel *t = &c->tunnels[ti];

		fprintf(out, "\nTunnel %d\n", ti + 1);
		fprintf(out, "  #1 IKE (IKEv2)\n    Authentication: %s\n",
		        g->auth == VPN_AUTH_CERT ? "certificate"
		                                 : "pre-shared key");
		if (g->auth != VPN_AUTH_CERT)
			fprintf(out, "    Pre-shared key: %s\n", t->psk);
		else
			fprintf(out,
			        "    Your identity: %s\n    Ours: %s\n"
			        "    Signatures: RFC 7427 (ECDSA, RSA PKCS#1 "
			        "v1.5 or RSASSA-PSS), SHA-256/384/512\n",
			        g->certificate_identity,
			        our_id && our_id[0]
			                ? our_id
			                : "(our certificate's subject)");
		fprintf(out, "    Encryption: ");
		names(cfg_enc_names, t->phase1_encryption, out);
		fprintf(out, "\n    Integrity/PRF: ");
		names(cfg_integ_names, t->phase1_integrity, out);
		fprintf(out, "\n    DH groups: ");
		groups(t->phase1_dh_groups, out);
		fprintf(out,
		        "\n    Lifetime: %lld s\n    DPD: every 10 s, dead "
		        "after "
		        "%lld s (%s)\n",
		        (long long)t->phase1_lifetime,
		        (long long)t->dpd_timeout,
		        vpn_dpd_action_name(t->dpd_action));
		fprintf(out, "  #2 IPsec\n    Protocol: ESP, tunnel mode\n"
		             "    Encryption: ");
		names(cfg_enc_names, t->phase2_encryption, out);
		fprintf(out, "\n    Integrity: ");
		names(cfg_integ_names, t->phase2_integrity, out);
		fprintf(out, "\n    PFS groups: ");
		groups(t->phase2_dh_groups, out);
		fprintf(out,
		        "\n    Lifetime: %lld s\n    Replay window: %lld "
		        "packets\n",
		        (long long)t->phase2_lifetime,
		        (long long)t->replay_window);
		fprintf(out, "    Traffic selectors: yours ");
		ts_list(c, ti, false, out);
		fprintf(out, ", ours ");
		ts_list(c, ti, true, out);
		fprintf(out, "\n  #3 Tunnel\n    Outside: yours %s, ours %s\n",
		        opt_given(&g->src, OPT_IDX(VPN_OBJ_CGW, "address"))
		                ? vpn_ipv4_format(g->address, a)
		                : "any",
		        vpn_ipv4_format(t->outside_address, b));
		fprintf(out, "    Inside: %s (yours %s, ",
		        vpn_prefix_format(&t->inside_cidr, p),
		        vpn_ipv4_format(vpn_cfg_inside_addr(t, false), a));
		fprintf(out, "ours %s)\n",
		        vpn_ipv4_format(vpn_cfg_inside_addr(t, true), b));
		if (c->routing != VPN_ROUTING_BGP)
			continue;
		/* What vpngw's bgpd runs (cfg_frr.c): eBGP between the
		 * inside addresses, AWS's timers. */
		fprintf(out,
		        "  #4 BGP\n    Your ASN: %lld, ours: %lld\n"
		        "    Neighbor: %s, from your %s (over this tunnel)\n"
		        "    Hold time: 30 s, keepalive 10 s\n"
		        "    Announce: at most %lld prefixes, within your "
		        "traffic selectors, not the inside /30\n",
		        (long long)g->bgp_asn,
		        (long long)cfg->appliance.bgp_asn, b, a,
		        (long long)c->bgp_max_prefixes);
		if (c->bgp_bfd)
			fprintf(out,
			        "    BFD: single hop, %lld ms, multiplier "
			        "%lld\n",
			        (long long)c->bfd_interval,
			        (long long)c->bfd_multiplier);
	}
}

int
vpn_cfg_export(const struct vpn_cfg *cfg, const char *conn, const char *fmt,
               FILE *out)
{
	return vpn_cfg_export_as(cfg, conn, fmt, NULL, out);
}

int
vpn_cfg_export_as(const struct vpn_cfg *cfg, const char *conn, const char *fmt,
                  const char *our_id, FILE *out)
{
	const struct vpn_cfg_conn *c = vpn_cfg_conn_find(cfg, conn);

	if (c == NULL || c->cgw < 0 || (unsigned int)c->cgw >= cfg->n_cgws)
		return -ENOENT;
	if (fmt == NULL || strcmp(fmt, "strongswan") == 0)
		export_strongswan(cfg, c, our_id, out);
	else if (strcmp(fmt, "frr") == 0)
		export_frr(cfg, c, out);
	else if (strcmp(fmt, "generic") == 0)
		export_generic(cfg, c, our_id, out);
	else
		return -EINVAL;
	return 0;
}
