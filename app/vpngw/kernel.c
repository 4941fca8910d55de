/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel side of the exception path: the TAP interface gets the
 * appliance's addresses and routes, so that ordinary sockets (IKE on
 * 500/4500, BGP, ping) work, and whatever the kernel sends comes back to
 * the data plane, which routes it. Done once at start with iproute2 run
 * directly (no shell); the interface is NOARP because the data plane, not
 * the kernel, resolves next hops.
 */
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "vpngw.h"

extern char **environ;

/* Run `ip ARGS...`; 0 when it exits 0. */
static int
ip_cmd(const char *first, ...)
{
	const char *argv[16] = {"ip", first};
	int argc = 2, status;
	va_list ap;
	pid_t pid;

	va_start(ap, first);
	while (argc < 15 && (argv[argc] = va_arg(ap, const char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	if (posix_spawnp(&pid, "ip", NULL, NULL, (char *const *)argv,
	                 environ) != 0 ||
	    waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "vpngw: exception path: 'ip");
		for (int i = 1; i < argc; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, "' failed\n");
		return -1;
	}
	return 0;
}

static int
add_addr(const char *ifname, uint32_t addr, unsigned int len)
{
	char a[16], cidr[24];

	snprintf(cidr, sizeof(cidr), "%s/%u", vpn_ipv4_format(addr, a), len);
	return ip_cmd("addr", "add", cidr, "dev", ifname, NULL);
}

/* A route through the TAP; one that exists already (a duplicate static
 * route, a covered endpoint) is no error. */
static int
add_route(const char *ifname, const struct vpn_prefix *p)
{
	char buf[VPN_PREFIX_STRLEN];

	if (p->family != AF_INET)
		return 0;
	vpn_prefix_format(p, buf);
	return ip_cmd("route", "replace", buf, "dev", ifname, NULL);
}

int
vpngw_kernel_conn(const char *ifname, const struct vpn_cfg_conn *c)
{
	int rc = 0;

	for (int t = 0; t < VPN_TUNNELS; t++) {
		struct vpn_prefix ep =
		        vpn_prefix_v4(c->tunnels[t].remote_address, 32);

		if (c->tunnels[t].remote_address != 0)
			rc |= add_route(ifname, &ep);
	}
	for (unsigned int r = 0; r < c->static_routes.n; r++)
		rc |= add_route(ifname, &c->static_routes.v[r]);
	return rc == 0 ? 0 : -1;
}

int
vpngw_kernel_setup(const struct vpn_cfg *cfg, const char *ifname)
{
	const struct vpn_cfg_appliance *a = &cfg->appliance;
	int rc = 0;

	rc |= ip_cmd("link", "set", "dev", ifname, "arp", "off", NULL);
	if (ip_cmd("link", "set", "dev", ifname, "up", NULL) != 0)
		return -1;
	for (unsigned int i = 0; i < a->n_ports; i++) {
		const struct vpn_cfg_port *p = &a->ports[i];

		if (p->address.family == AF_INET)
			rc |= add_addr(ifname, vpn_prefix_v4_addr(&p->address),
			               p->address.len);
	}
	for (unsigned int i = 0; i < a->n_outside; i++) {
		bool on_port = false;

		for (unsigned int j = 0; j < a->n_ports; j++)
			on_port |= a->ports[j].address.family == AF_INET &&
			           vpn_prefix_v4_addr(&a->ports[j].address) ==
			                   a->outside_addresses[i];
		if (!on_port)
			rc |= add_addr(ifname, a->outside_addresses[i], 32);
	}
	for (unsigned int i = 0; i < cfg->n_conns; i++)
		rc |= vpngw_kernel_conn(ifname, &cfg->conns[i]);
	return rc == 0 ? 0 : -1;
}
