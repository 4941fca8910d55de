/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel side of the exception path: the TAP interface gets the
 * appliance's addresses and routes, so that ordinary sockets (IKE on
 * 500/4500, BGP, ping) work, and whatever the kernel sends comes back to
 * the data plane, which routes it. Done at start, and for each connection
 * the running model creates, changes or deletes, with iproute2 run
 * directly (no shell); the interface is NOARP because the data plane, not
 * the kernel, resolves next hops. A BGP connection's tunnels' inside
 * addresses go on it too: the sessions (FRR's bgpd) use them.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>

#include "gw_kernel.h"
#include "gw_log.h"

extern char **environ;

/*
 * iproute2's commands go into one batch (`ip -force -batch -`, a line
 * each) that batch_end runs in one process: the largest configuration
 * has 102,400 static routes, and a process each took minutes at start.
 */
static struct {
	FILE *f; /* open_memstream over buf; NULL: no batch */
	char *buf;
	size_t len;
	unsigned int n; /* commands in it */
} batch;

static int
batch_begin(void)
{
	batch.n = 0;
	batch.f = open_memstream(&batch.buf, &batch.len);
	return batch.f ? 0 : -ENOMEM;
}

/* Run the batch: 0 when every command succeeded, else -EIO (iproute2
 * says which on stderr; -force runs the rest). */
static int
batch_end(void)
{
	const char *argv[] = {"ip", "-force", "-batch", "-", NULL};
	posix_spawn_file_actions_t fa;
	int fd[2], status = -1, rc = -EIO;
	size_t off = 0;
	pid_t pid;

	if (batch.f == NULL)
		return -ENOMEM;
	fclose(batch.f);
	batch.f = NULL;
	if (batch.n == 0 || pipe(fd) != 0) {
		rc = batch.n == 0 ? 0 : -errno;
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[0], 0);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	posix_spawn_file_actions_addclose(&fa, fd[1]);
	if (posix_spawnp(&pid, "ip", &fa, NULL, (char *const *)argv, environ) !=
	    0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(fd[0]);
	/* SIGPIPE is ignored (main): a child gone early is an EPIPE. */
	while (pid > 0 && off < batch.len) {
		ssize_t w = write(fd[1], batch.buf + off, batch.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(fd[1]);
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0)
		rc = 0;
	if (rc != 0)
		vpngw_log("exception path: ip -batch of %u command(s) failed "
		          "(each failure on stderr)",
		          batch.n);
out:
	free(batch.buf);
	batch.buf = NULL;
	batch.len = 0;
	return rc;
}

/* `ip ARGV...` now (argv[0] is "ip"): 0 when it exits 0. quiet: a
 * failure is expected (nothing to delete), not logged, its stderr
 * dropped. */
static int
ip_run(const char **argv, int argc, bool quiet)
{
	posix_spawn_file_actions_t fa;
	int status, rc;
	pid_t pid;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -ENOMEM;
	if (quiet)
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY,
		                                 0);
	rc = posix_spawnp(&pid, "ip", &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		char cmd[200] = "";
		size_t n = 0;

		for (int i = 1; i < argc && n < sizeof(cmd); i++)
			n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " %s",
			                      argv[i]);
		if (!quiet)
			vpngw_log("exception path: 'ip%s' failed", cmd);
		return -EIO;
	}
	return 0;
}

/* `ip ARGS...`: into the batch when one is open, else run now; 0 when it
 * exits 0 (or was batched). */
static int
ip_cmd(const char *first, ...)
{
	const char *argv[16] = {"ip", first};
	int argc = 2;
	va_list ap;

	va_start(ap, first);
	while (argc < 15 && (argv[argc] = va_arg(ap, const char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	if (batch.f != NULL) {
		for (int i = 1; i < argc; i++)
			fprintf(batch.f, "%s%s", i > 1 ? " " : "", argv[i]);
		fprintf(batch.f, "\n");
		batch.n++;
		return 0;
	}
	return ip_run(argv, argc, false);
}

/*
 * What the kernel sends from one of our outside addresses (IKE) goes into
 * the TAP whatever its destination: to the data plane, which routes it
 * out of the outside port. Customer gateways without an address answer
 * from anywhere, and no route the kernel learns elsewhere (a host's
 * default, FRR's) may take our IKE away. A rule per outside address
 * (preference VPNGW_RULE_PREF) into a table of ours (VPNGW_TABLE) that
 * holds one default route through the TAP.
 */
#define VPNGW_TABLE     "4500"
#define VPNGW_RULE_PREF "4500"

/* Our rules gone (at start: a run that was killed left them). */
static void
rules_flush(void)
{
	/* Ours only: that preference into our table. */
	const char *argv[] = {
	        "ip",     "rule",      "del", "pref", VPNGW_RULE_PREF,
	        "lookup", VPNGW_TABLE, NULL};

	for (int i = 0; i < 2 * VPN_MAX_OUTSIDE + 2; i++)
		if (ip_run(argv, 7, true) != 0)
			break;
}

void
vpngw_kernel_teardown(void)
{
	rules_flush();
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

/* Call fn for each kernel route of a connection: its tunnels' remote
 * endpoints (/32) and its static routes. */
static int
each_route(const struct vpn_cfg_conn *c,
           int (*fn)(const char *, const struct vpn_prefix *,
                     const struct vpn_cfg *),
           const char *ifname, const struct vpn_cfg *cfg)
{
	int rc = 0;

	for (int t = 0; t < VPN_TUNNELS; t++) {
		struct vpn_prefix ep =
		        vpn_prefix_v4(c->tunnels[t].remote_address, 32);

		if (c->tunnels[t].remote_address != 0)
			rc |= fn(ifname, &ep, cfg);
	}
	for (unsigned int r = 0; r < c->static_routes.n; r++)
		rc |= fn(ifname, &c->static_routes.v[r], cfg);
	return rc == 0 ? 0 : -EIO;
}

/* A BGP connection's tunnels' inside addresses (ours, the first of each
 * /30): BGP's sessions run between them, over each tunnel's ESP. */
static unsigned int
inside_addrs(const struct vpn_cfg_conn *c, uint32_t out[VPN_TUNNELS])
{
	unsigned int n = 0;

	if (!vpn_cfg_uses_inside(c))
		return 0;
	for (int t = 0; t < VPN_TUNNELS; t++)
		if (c->tunnels[t].inside_cidr.family == AF_INET)
			out[n++] = vpn_cfg_inside_addr(&c->tunnels[t], true);
	return n;
}

static void
add_inside(const char *ifname, const struct vpn_cfg_conn *c)
{
	uint32_t a[VPN_TUNNELS];
	unsigned int n = inside_addrs(c, a);
	char buf[16], cidr[24];

	for (unsigned int i = 0; i < n; i++) {
		snprintf(cidr, sizeof(cidr), "%s/30",
		         vpn_ipv4_format(a[i], buf));
		ip_cmd("addr", "replace", cidr, "dev", ifname, NULL);
	}
}

/* Take old's inside addresses that no BGP connection of now has. */
static void
del_inside(const char *ifname, const struct vpn_cfg_conn *old,
           const struct vpn_cfg *now)
{
	uint32_t a[VPN_TUNNELS], b[VPN_TUNNELS];
	unsigned int n = inside_addrs(old, a);
	char buf[16], cidr[24];

	for (unsigned int i = 0; i < n; i++) {
		bool kept = false;

		for (unsigned int k = 0; !kept && k < now->n_conns; k++) {
			unsigned int m = inside_addrs(&now->conns[k], b);

			for (unsigned int j = 0; j < m; j++)
				kept |= b[j] == a[i];
		}
		if (kept)
			continue;
		snprintf(cidr, sizeof(cidr), "%s/30",
		         vpn_ipv4_format(a[i], buf));
		ip_cmd("addr", "del", cidr, "dev", ifname, NULL);
	}
}

static int
add_one(const char *ifname, const struct vpn_prefix *p,
        const struct vpn_cfg *unused)
{
	(void)unused;
	return add_route(ifname, p);
}

/* Whether some connection of cfg routes p through the TAP, or p is a
 * port's own network (the kernel's connected route, which a static route
 * of the same prefix replaced: it stays). */
static bool
routed(const struct vpn_cfg *cfg, const struct vpn_prefix *p)
{
	for (unsigned int i = 0; i < cfg->appliance.n_ports; i++) {
		const struct vpn_prefix *a = &cfg->appliance.ports[i].address;

		if (a->family == AF_INET && a->len == p->len &&
		    vpn_prefix_contains(p, a))
			return true;
	}
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];

		for (int t = 0; t < VPN_TUNNELS; t++)
			if (p->family == AF_INET && p->len == 32 &&
			    c->tunnels[t].remote_address != 0 &&
			    vpn_prefix_v4_addr(p) ==
			            c->tunnels[t].remote_address)
				return true;
		for (unsigned int r = 0; r < c->static_routes.n; r++)
			if (vpn_prefix_equal(&c->static_routes.v[r], p))
				return true;
	}
	return false;
}

/* Take p off the TAP unless cfg still routes it there. */
static int
del_unrouted(const char *ifname, const struct vpn_prefix *p,
             const struct vpn_cfg *cfg)
{
	char buf[VPN_PREFIX_STRLEN];

	if (p->family != AF_INET || routed(cfg, p))
		return 0;
	vpn_prefix_format(p, buf);
	return ip_cmd("route", "del", buf, "dev", ifname, NULL);
}

int
vpngw_kernel_conn(const char *ifname, const struct vpn_cfg_conn *c)
{
	int rc = batch_begin();

	if (rc != 0)
		return rc;
	add_inside(ifname, c);
	each_route(c, add_one, ifname, NULL);
	return batch_end();
}

int
vpngw_kernel_conn_withdraw(const char *ifname, const struct vpn_cfg_conn *old,
                           const struct vpn_cfg *now)
{
	int rc = batch_begin();

	if (rc != 0)
		return rc;
	del_inside(ifname, old, now);
	each_route(old, del_unrouted, ifname, now);
	return batch_end();
}

int
vpngw_kernel_setup(const struct vpn_cfg *cfg, const char *ifname)
{
	const struct vpn_cfg_appliance *a = &cfg->appliance;
	int rc = 0;

	rc |= ip_cmd("link", "set", "dev", ifname, "arp", "off", NULL);
	if (ip_cmd("link", "set", "dev", ifname, "up", NULL) != 0)
		return -EIO;
	rules_flush();
	/* The rest in one batch: addresses first, then the routes. */
	if (batch_begin() != 0)
		return -ENOMEM;
	for (unsigned int i = 0; i < a->n_ports; i++) {
		const struct vpn_cfg_port *p = &a->ports[i];

		if (p->address.family == AF_INET)
			add_addr(ifname, vpn_prefix_v4_addr(&p->address),
			         p->address.len);
	}
	for (unsigned int i = 0; i < a->n_outside; i++) {
		bool on_port = false;

		for (unsigned int j = 0; j < a->n_ports; j++)
			on_port |= a->ports[j].address.family == AF_INET &&
			           vpn_prefix_v4_addr(&a->ports[j].address) ==
			                   a->outside_addresses[i];
		if (!on_port)
			add_addr(ifname, a->outside_addresses[i], 32);
	}
	for (unsigned int i = 0; i < a->n_outside; i++) {
		char b[16], from[24];

		snprintf(from, sizeof(from), "%s/32",
		         vpn_ipv4_format(a->outside_addresses[i], b));
		ip_cmd("rule", "add", "from", from, "lookup", VPNGW_TABLE,
		       "pref", VPNGW_RULE_PREF, NULL);
	}
	if (a->n_outside > 0)
		ip_cmd("route", "replace", "default", "dev", ifname, "table",
		       VPNGW_TABLE, NULL);
	for (unsigned int i = 0; i < cfg->n_conns; i++)
		add_inside(ifname, &cfg->conns[i]);
	for (unsigned int i = 0; i < cfg->n_conns; i++)
		each_route(&cfg->conns[i], add_one, ifname, NULL);
	rc |= batch_end();
	return rc == 0 ? 0 : -EIO;
}

void
vpngw_kernel_lo_up(void)
{
	ip_cmd("link", "set", "dev", "lo", "up", NULL);
}
