/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration of vpngw's own BGP speaker (FRR's bgpd), generated
 * from the model so that one file stays the source of truth. One eBGP
 * session per tunnel of a BGP connection, between the tunnel's inside
 * addresses (ours .1, the customer gateway's .2), with AWS's behaviour:
 * keepalive 10 s, hold 30 s, the appliance's inside networks advertised,
 * at most bgp_max_prefixes accepted (more: the session goes down and
 * tries again after a minute), only prefixes inside the connection's
 * remote networks and none that would capture the appliance's own
 * traffic, equal paths over both tunnels used together.
 *
 * What a connection learns stays with its attachment's rules: routes
 * from a VGW connection are marked no-export (never re-advertised to
 * another customer gateway), a VGW connection is sent the inside
 * networks only; a TGW connection is sent those and what other TGW
 * connections announced, as a transit gateway's route table would.
 *
 * Indentation is FRR's: one space inside `router bgp`, two inside its
 * address family; frr.c reads the nesting back to apply a change as a
 * difference of lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/socket.h>

#include "cfg_priv.h"

bool
vpn_cfg_has_bgp(const struct vpn_cfg *cfg)
{
	for (unsigned int i = 0; i < cfg->n_conns; i++)
		if (cfg->conns[i].routing == VPN_ROUTING_BGP)
			return true;
	return false;
}

/* Call fn for each BGP session: its connection, tunnel index and the
 * neighbour's address (text). */
static void
each_session(const struct vpn_cfg *cfg,
             void (*fn)(const struct vpn_cfg *, const struct vpn_cfg_conn *,
                        int, const char *, const char *, FILE *),
             FILE *out)
{
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];

		if (c->routing != VPN_ROUTING_BGP)
			continue;
		for (int t = 0; t < VPN_TUNNELS; t++) {
			char peer[16], ours[16];

			if (c->tunnels[t].inside_cidr.family != AF_INET)
				continue;
			vpn_ipv4_format(
			        vpn_cfg_inside_addr(&c->tunnels[t], false),
			        peer);
			vpn_ipv4_format(
			        vpn_cfg_inside_addr(&c->tunnels[t], true),
			        ours);
			fn(cfg, c, t, peer, ours, out);
		}
	}
}

static void
session(const struct vpn_cfg *cfg, const struct vpn_cfg_conn *c, int t,
        const char *peer, const char *ours, FILE *out)
{
	int64_t asn = c->cgw >= 0 ? cfg->cgws[c->cgw].bgp_asn : 0;

	fprintf(out, " neighbor %s remote-as %" PRId64 "\n", peer, asn);
	fprintf(out, " neighbor %s description %s/%d\n", peer, c->name, t + 1);
	fprintf(out, " neighbor %s update-source %s\n", peer, ours);
	fprintf(out, " neighbor %s timers 10 30\n", peer);
	fprintf(out, " neighbor %s timers connect 5\n", peer);
	if (c->bgp_bfd)
		fprintf(out, " neighbor %s bfd profile vpngw-%s\n", peer,
		        c->name);
	if (!c->tunnels[t].enabled)
		fprintf(out, " neighbor %s shutdown\n", peer);
}

static void
session_af(const struct vpn_cfg *cfg, const struct vpn_cfg_conn *c, int t,
           const char *peer, const char *ours, FILE *out)
{
	bool vgw = c->attachment == VPN_ATTACH_VGW;

	(void)cfg;
	(void)t;
	(void)ours;
	fprintf(out, "  neighbor %s maximum-prefix %" PRId64 " restart 1\n",
	        peer, c->bgp_max_prefixes);
	fprintf(out, "  neighbor %s prefix-list vpngw-in-%s in\n", peer,
	        c->name);
	fprintf(out, "  neighbor %s route-map %s in\n", peer,
	        vgw ? "vpngw-from-vgw" : "vpngw-from-tgw");
	if (vgw)
		fprintf(out, "  neighbor %s prefix-list vpngw-ours out\n",
		        peer);
}

/*
 * What a connection's sessions accept: prefixes inside its remote
 * networks (what its tunnels' selectors let through), never one that
 * would pull the appliance's own traffic into the tunnel (tunnel inside
 * addresses, our inside networks, outside addresses, customer gateways'
 * endpoints) nor a martian.
 */
static void
prefix_in(const struct vpn_cfg *cfg, const struct vpn_cfg_conn *c, FILE *out)
{
	static const char *const never[] = {"0.0.0.0/8", "127.0.0.0/8",
	                                    "224.0.0.0/3"};
	const struct vpn_cfg_appliance *a = &cfg->appliance;
	char buf[VPN_PREFIX_STRLEN];
	unsigned int seq = 0;

#define PL(...)                                                             \
	do {                                                                \
		fprintf(out, "ip prefix-list vpngw-in-%s seq %u ", c->name, \
		        ++seq * 5);                                         \
		fprintf(out, __VA_ARGS__);                                  \
	} while (0)
	for (unsigned int i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		PL("deny %s le 32\n", never[i]);
	/* Every tunnel's inside /30 (BGP sessions, health checks' answers
	 * run between them), and the whole link-local /16 but as exact
	 * routes: a CGW's own 169.254 networks stay possible. */
	for (unsigned int i = 0; i < cfg->n_conns; i++)
		for (int t = 0; t < VPN_TUNNELS; t++) {
			const struct vpn_prefix *p =
			        &cfg->conns[i].tunnels[t].inside_cidr;

			if (p->family == AF_INET)
				PL("deny %s/30 le 32\n",
				   vpn_ipv4_format(vpn_prefix_v4_addr(p) & ~3u,
				                   buf));
		}
	PL("deny 169.254.0.0/16 le 29\n");
	for (unsigned int i = 0; i < a->inside_networks.n; i++)
		if (a->inside_networks.v[i].family == AF_INET)
			PL("deny %s le 32\n",
			   vpn_prefix_format(&a->inside_networks.v[i], buf));
	for (unsigned int i = 0; i < a->n_outside; i++)
		PL("deny %s/32\n",
		   vpn_ipv4_format(a->outside_addresses[i], buf));
	for (unsigned int i = 0; i < cfg->n_cgws; i++)
		if (cfg->cgws[i].address != 0)
			PL("deny %s/32\n",
			   vpn_ipv4_format(cfg->cgws[i].address, buf));
	for (unsigned int i = 0; i < c->remote_networks.n; i++)
		if (c->remote_networks.v[i].family == AF_INET)
			PL("permit %s le 32\n",
			   vpn_prefix_format(&c->remote_networks.v[i], buf));
#undef PL
}

int
vpn_cfg_frr_bgpd(const struct vpn_cfg *cfg, const char *log_file, FILE *out)
{
	const struct vpn_cfg_appliance *a = &cfg->appliance;
	char buf[VPN_PREFIX_STRLEN];
	unsigned int seq = 1;

	if (!vpn_cfg_has_bgp(cfg))
		return -ENOENT;
	fprintf(out,
	        "! vpngw's BGP speaker, generated from %s: edit that, "
	        "not this\n",
	        cfg->file ? cfg->file : "its configuration");
	fprintf(out, "hostname %s\n", a->name[0] ? a->name : "vpngw");
	if (log_file != NULL)
		fprintf(out, "log file %s informational\n", log_file);
	for (unsigned int i = 0; i < a->inside_networks.n; i++)
		if (a->inside_networks.v[i].family == AF_INET)
			fprintf(out,
			        "ip prefix-list vpngw-ours seq %u permit %s\n",
			        seq++ * 5,
			        vpn_prefix_format(&a->inside_networks.v[i],
			                          buf));
	/* Explicit: a list with no entry would permit everything. */
	fprintf(out, "ip prefix-list vpngw-ours seq 1000000 deny any\n");
	for (unsigned int i = 0; i < cfg->n_conns; i++)
		if (cfg->conns[i].routing == VPN_ROUTING_BGP)
			prefix_in(cfg, &cfg->conns[i], out);
	fprintf(out, "route-map vpngw-from-vgw permit 10\n"
	             " set community no-export additive\n"
	             "exit\n"
	             "route-map vpngw-from-tgw permit 10\n"
	             "exit\n");
	fprintf(out, "router bgp %" PRId64 "\n", a->bgp_asn);
	fprintf(out, " bgp router-id %s\n",
	        vpn_ipv4_format(a->n_outside ? a->outside_addresses[0] : 0,
	                        buf));
	fprintf(out, " bgp log-neighbor-changes\n"
	             " no bgp ebgp-requires-policy\n"
	             " no bgp network import-check\n"
	             " bgp bestpath as-path multipath-relax\n"
	             " timers bgp 10 30\n");
	each_session(cfg, session, out);
	fprintf(out, " address-family ipv4 unicast\n");
	for (unsigned int i = 0; i < a->inside_networks.n; i++)
		if (a->inside_networks.v[i].family == AF_INET)
			fprintf(out, "  network %s\n",
			        vpn_prefix_format(&a->inside_networks.v[i],
			                          buf));
	/* Both tunnels of every connection announcing a prefix alike
	 * (zebra hands up to 8 next hops over; the RIB picks among
	 * connections). */
	fprintf(out, "  maximum-paths 8\n");
	each_session(cfg, session_af, out);
	fprintf(out, " exit-address-family\n"
	             "exit\n");
	return 0;
}

int
vpn_cfg_frr_bfdd(const struct vpn_cfg *cfg, const char *log_file, FILE *out)
{
	bool any = false;

	for (unsigned int i = 0; i < cfg->n_conns; i++)
		any |= cfg->conns[i].routing == VPN_ROUTING_BGP &&
		       cfg->conns[i].bgp_bfd;
	if (!any)
		return -ENOENT;
	fprintf(out, "! vpngw's BFD (FRR bfdd), generated from %s\n",
	        cfg->file ? cfg->file : "its configuration");
	fprintf(out, "hostname %s\n",
	        cfg->appliance.name[0] ? cfg->appliance.name : "vpngw");
	if (log_file != NULL)
		fprintf(out, "log file %s informational\n", log_file);
	fprintf(out, "bfd\n");
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];

		if (c->routing != VPN_ROUTING_BGP || !c->bgp_bfd)
			continue;
		fprintf(out,
		        " profile vpngw-%s\n"
		        "  receive-interval %" PRId64 "\n"
		        "  transmit-interval %" PRId64 "\n"
		        "  detect-multiplier %" PRId64 "\n"
		        " exit\n",
		        c->name, c->bfd_interval, c->bfd_interval,
		        c->bfd_multiplier);
	}
	fprintf(out, "exit\n");
	return 0;
}
