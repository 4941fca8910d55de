/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpngw's BGP speaker is FRR (gw_bgp.h): zebra and bgpd, children of
 * vpngw in its network namespace, with their files in STATE_DIR/frr.
 *
 *   model --vpn_cfg_frr_bgpd--> bgpd.conf (at start), or a difference of
 *                               lines through bgpd's vty (a change)
 *   bgpd --zserv--> zebra --FPM (TCP 127.0.0.1, dplane_fpm_nl)--> here:
 *        each BGP route's next hops (.2 of a tunnel's inside /30) name
 *        the connection and tunnel -> RIB (BGP paths) -> FIB (RCU)
 *   bgpd's vty, once a second: `show bgp summary json` -> each session's
 *        state, logged when it changes
 *
 * A daemon that dies is started again after 1 s, doubling to 30 s while
 * it keeps dying; the feed lost takes every BGP route out (zebra sends
 * them all again when it connects). zebra installs the routes in the
 * namespace's kernel table too, so the appliance's own packets to the
 * CGW's networks go through the TAP into the right tunnel.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gw_bgp.h"
#include "gw_kernel.h"
#include "gw_log.h"
#include "gw_routing.h"
#include "gw_running.h"
#include "vpn_fpm.h"

extern char **environ;

#define FRR_BIN        "/usr/lib/frr"
#define FRR_USER       "frr"
#define RESTART_MIN_MS 1000
#define RESTART_MAX_MS 30000
#define POLL_MS        1000
#define PUBLISH_MS     100
#define VTY_TIMEOUT_S  3
#define VTY_MAX        (16u << 20) /* the largest answer read */

enum { D_ZEBRA, D_BGPD, D_BFDD, D_N };

struct daemon {
	const char *name;
	pid_t pid;          /* 0: not running */
	uint64_t start_at;  /* when to start it (ms) */
	uint64_t started;   /* when it was */
	unsigned int delay; /* before the next restart (ms) */
	bool want;          /* run it (bfdd: only when BFD is asked for) */
};

static struct {
	bool on;
	char dir[4096];
	struct daemon d[D_N];
	int fpm_lfd, fpm_fd;
	uint16_t fpm_port;
	uint8_t *fpm_buf; /* VPN_FPM_MAX */
	size_t fpm_len;
	bool dirty; /* the RIB changed: publish */
	uint64_t last_publish, last_poll;
	char *conf;     /* bgpd's configuration as last applied */
	char *bfd_conf; /* bfdd's, when BFD is asked for */
	struct vpngw_bgp_peer *peers;
	unsigned int npeers;
} f = {.fpm_lfd = -1, .fpm_fd = -1};

static void
path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", f.dir, name);
}

/* ---- the model's sessions ------------------------------------------------ */

/* The sessions of cfg, keeping what bgpd said of those that stay. */
static void
peers_of(const struct vpn_cfg *cfg)
{
	struct vpngw_bgp_peer *p =
	        calloc(cfg->n_conns * VPN_TUNNELS + 1, sizeof(*p));
	unsigned int n = 0;

	if (p == NULL)
		return;
	for (unsigned int i = 0; i < cfg->n_conns; i++) {
		const struct vpn_cfg_conn *c = &cfg->conns[i];

		if (c->routing != VPN_ROUTING_BGP)
			continue;
		for (int t = 0; t < VPN_TUNNELS; t++) {
			struct vpngw_bgp_peer *e = &p[n];

			if (c->tunnels[t].inside_cidr.family != AF_INET)
				continue;
			e->addr = vpn_cfg_inside_addr(&c->tunnels[t], false);
			e->ours = vpn_cfg_inside_addr(&c->tunnels[t], true);
			e->conn = c->slot;
			e->tunnel = t;
			snprintf(e->name, sizeof(e->name), "%s/%d", c->name,
			         t + 1);
			e->asn = c->cgw >= 0 ? cfg->cgws[c->cgw].bgp_asn : 0;
			e->max_prefixes = (unsigned int)c->bgp_max_prefixes;
			snprintf(e->state, sizeof(e->state), "Idle");
			for (unsigned int k = 0; k < f.npeers; k++) {
				const struct vpngw_bgp_peer *o = &f.peers[k];

				if (o->addr == e->addr && o->conn == e->conn &&
				    o->tunnel == e->tunnel) {
					memcpy(e->state, o->state,
					       sizeof(e->state));
					memcpy(e->peer_state, o->peer_state,
					       sizeof(e->peer_state));
					e->pfx_rcvd = o->pfx_rcvd;
					e->pfx_sent = o->pfx_sent;
					e->uptime_ms = o->uptime_ms;
					e->established = o->established;
					e->dropped = o->dropped;
				}
			}
			n++;
		}
	}
	/* Sessions gone: their routes with them (bgpd withdraws them too,
	 * but a slot may be reused before). */
	for (unsigned int k = 0; k < f.npeers; k++) {
		bool kept = false;

		for (unsigned int i = 0; i < n; i++)
			kept |= p[i].conn == f.peers[k].conn &&
			        p[i].tunnel == f.peers[k].tunnel &&
			        p[i].addr == f.peers[k].addr;
		if (!kept && vpngw_routing_bgp_flush((int)f.peers[k].conn,
		                                     f.peers[k].tunnel) > 0)
			f.dirty = true;
	}
	free(f.peers);
	f.peers = p;
	f.npeers = n;
}

static const struct vpngw_bgp_peer *
peer_by_addr(uint32_t a)
{
	for (unsigned int i = 0; i < f.npeers; i++)
		if (f.peers[i].addr == a)
			return &f.peers[i];
	return NULL;
}

/* A daemon's configuration from gen for cfg (malloc'd text; it logs to
 * log in our directory), or NULL (none asked for, or no memory). */
static char *
text_of(int (*gen)(const struct vpn_cfg *, const char *, FILE *),
        const struct vpn_cfg *cfg, const char *log)
{
	char lp[4200], *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (m == NULL)
		return NULL;
	path(lp, sizeof(lp), log);
	if (gen(cfg, lp, m) != 0) {
		fclose(m);
		free(buf);
		return NULL;
	}
	fclose(m);
	return buf;
}

static char *
conf_of(const struct vpn_cfg *cfg)
{
	return text_of(vpn_cfg_frr_bgpd, cfg, "bgpd.log");
}

/* ---- files and children ------------------------------------------------- */

static int
write_file(const char *name, const char *text)
{
	char p[4200], tmp[4210];
	struct passwd *pw = getpwnam(FRR_USER);
	FILE *o;

	int fd;

	path(p, sizeof(p), name);
	snprintf(tmp, sizeof(tmp), "%s.new", p);
	/* The directory is FRR's user's: never follow a link it left. */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	          0640);
	if (fd < 0)
		return -errno;
	if (pw != NULL && fchown(fd, pw->pw_uid, pw->pw_gid) != 0) {
		close(fd);
		return -errno;
	}
	o = fdopen(fd, "w");
	if (o == NULL) {
		close(fd);
		return -ENOMEM;
	}
	fputs(text, o);
	if (fclose(o) != 0)
		return -EIO;
	return rename(tmp, p) == 0 ? 0 : -errno;
}

static int
spawn(struct daemon *d)
{
	char conf[4200], pid[4200], zserv[4200], out[4200], bin[256];
	const char *argv[16];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int argc = 0, rc;

	snprintf(bin, sizeof(bin), "%s/%s", FRR_BIN, d->name);
	snprintf(out, sizeof(out), "%s/%s.out", f.dir, d->name);
	snprintf(conf, sizeof(conf), "%s/%s.conf", f.dir, d->name);
	snprintf(pid, sizeof(pid), "%s/%s.pid", f.dir, d->name);
	path(zserv, sizeof(zserv), "zserv.api");
	argv[argc++] = bin;
	argv[argc++] = "-f";
	argv[argc++] = conf;
	argv[argc++] = "-i";
	argv[argc++] = pid;
	argv[argc++] = "-z";
	argv[argc++] = zserv;
	argv[argc++] = "--vty_socket";
	argv[argc++] = f.dir;
	argv[argc++] = "-A";
	argv[argc++] = "127.0.0.1";
	argv[argc++] = "-P";
	argv[argc++] = "0"; /* no TCP vty: the unix socket only */
	if (d == &f.d[D_BFDD]) {
		static char ctl[4200];

		path(ctl, sizeof(ctl), "bfdd.sock");
		argv[argc++] = "--bfdctl";
		argv[argc++] = ctl;
	}
	if (d == &f.d[D_ZEBRA]) {
		argv[argc++] = "-M";
		argv[argc++] = "dplane_fpm_nl";
	}
	argv[argc] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(
	        &fa, 1, out, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0640);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	/* Nothing of ours (DPDK's devices and memory, the TAP, sockets)
	 * reaches a daemon that parses the network's input. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	/* Its own session: a terminal's Ctrl-C or hangup is vpngw's to
	 * act on, not the daemons'. */
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID);
	rc = posix_spawn(&d->pid, bin, &fa, &at, (char *const *)argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		d->pid = 0;
		d->start_at = vpngw_now_ms() + d->delay;
		vpngw_log("BGP: cannot start %s: %s; tried again in %u ms", bin,
		          strerror(rc), d->delay);
		d->delay = d->delay * 2 > RESTART_MAX_MS ? RESTART_MAX_MS
		                                         : d->delay * 2;
		return -rc;
	}
	d->started = vpngw_now_ms();
	vpngw_log("BGP: FRR %s started (pid %d)", d->name, (int)d->pid);
	return 0;
}

/* Children that exited: logged, started again later. */
static void
reap(uint64_t now)
{
	for (int i = 0; i < D_N; i++) {
		struct daemon *d = &f.d[i];
		int st;

		if (d->pid <= 0 || waitpid(d->pid, &st, WNOHANG) != d->pid)
			continue;
		/* One that ran a minute earns the short delay again. */
		if (now - d->started > 60000)
			d->delay = RESTART_MIN_MS;
		vpngw_log("BGP: FRR %s (pid %d) %s %d%s", d->name, (int)d->pid,
		          WIFEXITED(st) ? "exited with" : "killed by signal",
		          WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
		          d->want ? "; started again soon" : "");
		d->pid = 0;
		d->start_at = now + d->delay;
		d->delay = d->delay * 2 > RESTART_MAX_MS ? RESTART_MAX_MS
		                                         : d->delay * 2;
	}
	for (int i = 0; i < D_N; i++)
		if (f.d[i].want && f.d[i].pid == 0 && now >= f.d[i].start_at)
			spawn(&f.d[i]);
}

/* A daemon of an earlier vpngw on this state directory that was killed
 * before it could stop its children: its pid file names it, and its
 * command line our directory (else the pid is somebody else's now). */
static void
kill_stale(const char *name)
{
	char p[4200], cmd[8192];
	long pid = 0;
	size_t n;
	FILE *in;

	snprintf(p, sizeof(p), "%s/%s.pid", f.dir, name);
	in = fopen(p, "r");
	if (in == NULL)
		return;
	if (fscanf(in, "%ld", &pid) != 1)
		pid = 0;
	fclose(in);
	/* Gone before the daemon starts again: it writes its pid file as
	 * frr, and systemd's StateDirectory= gives everything under the
	 * state directory back to root at each start. */
	unlink(p);
	if (pid <= 1)
		return;
	snprintf(p, sizeof(p), "/proc/%ld/cmdline", pid);
	in = fopen(p, "r");
	if (in == NULL)
		return;
	n = fread(cmd, 1, sizeof(cmd) - 1, in);
	fclose(in);
	for (size_t i = 0; i < n; i++)
		cmd[i] = cmd[i] ? cmd[i] : ' ';
	cmd[n] = '\0';
	if (strstr(cmd, f.dir) == NULL || strstr(cmd, name) == NULL)
		return;
	vpngw_log("BGP: FRR %s of an earlier run (pid %ld) still runs: "
	          "stopped",
	          name, pid);
	kill((pid_t)pid, SIGTERM);
	for (int k = 0; k < 50 && kill((pid_t)pid, 0) == 0; k++)
		usleep(20 * 1000);
	kill((pid_t)pid, SIGKILL);
}

static void
stop_children(void)
{
	for (int i = 0; i < D_N; i++)
		if (f.d[i].pid > 0)
			kill(f.d[i].pid, SIGTERM);
	for (int i = 0; i < D_N; i++) {
		struct daemon *d = &f.d[i];

		for (int k = 0; d->pid > 0 && k < 50; k++) {
			if (waitpid(d->pid, NULL, WNOHANG) == d->pid)
				d->pid = 0;
			else
				usleep(20 * 1000);
		}
		if (d->pid > 0) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, NULL, 0);
			d->pid = 0;
		}
	}
}

/* ---- the route feed (FPM) ------------------------------------------------ */

static void
feed_lost(const char *why)
{
	unsigned int n = vpngw_routing_bgp_flush(VPN_RIB_ANY, VPN_RIB_ANY);

	if (f.fpm_fd >= 0)
		close(f.fpm_fd);
	f.fpm_fd = -1;
	f.fpm_len = 0;
	f.dirty |= n > 0;
	vpngw_log("BGP: zebra's route feed %s: %u BGP path(s) withdrawn", why,
	          n);
}

static void
on_route(void *arg, const struct vpn_fpm_route *r)
{
	struct vpn_rib_path p[VPN_FPM_MAX_NH];
	unsigned int n = 0;

	(void)arg;
	/* zebra feeds its whole table, one route per prefix: a connected
	 * or kernel route that replaces BGP's leaves the RIB no BGP path
	 * for the prefix (kept, it would outlive its withdrawal). */
	for (unsigned int i = 0; r->proto == VPN_RTPROT_BGP && !r->del &&
	                         r->type == 1 && i < r->n_gw;
	     i++) {
		const struct vpngw_bgp_peer *e = peer_by_addr(r->gw[i]);

		if (e == NULL)
			continue; /* not a tunnel's CGW side: not ours */
		p[n++] = (struct vpn_rib_path){.addr = r->addr,
		                               .len = r->len,
		                               .src = VPN_RIB_BGP,
		                               .tunnel = (uint8_t)e->tunnel,
		                               .conn = e->conn};
	}
	vpngw_routing_bgp_route(r->addr, r->len, p, n);
	f.dirty = true;
}

/* The owner (uid) of the socket at 127.0.0.1:port connected to our
 * listener (its /proc/net/tcp line), or -1. */
static long
tcp_owner(uint16_t port)
{
	unsigned int la, lp, ra, rp, st;
	char line[512];
	long uid = -1, u;
	FILE *in = fopen("/proc/net/tcp", "r");

	if (in == NULL)
		return -1;
	while (uid < 0 && fgets(line, sizeof(line), in) != NULL)
		if (sscanf(line,
		           " %*u: %8X:%4X %8X:%4X %2X %*x:%*x %*x:%*x %*x %ld",
		           &la, &lp, &ra, &rp, &st, &u) == 6 &&
		    lp == port && rp == f.fpm_port)
			uid = u;
	fclose(in);
	return uid;
}

static void
feed_read(void)
{
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	int fd = accept4(f.fpm_lfd, (struct sockaddr *)&peer, &pl,
	                 SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd >= 0) {
		struct passwd *pw = getpwnam(FRR_USER);
		long uid = tcp_owner(ntohs(peer.sin_port));

		/* Routes steer traffic: only FRR's zebra may give them. */
		if (pw == NULL || uid != (long)pw->pw_uid) {
			vpngw_log("BGP: route feed connection from a process "
			          "of uid %ld refused (FRR's is %ld)",
			          uid, pw ? (long)pw->pw_uid : -1L);
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0) {
		if (f.fpm_fd >= 0)
			feed_lost("replaced by a new connection");
		f.fpm_fd = fd;
		vpngw_log("BGP: zebra's route feed connected");
	}
	for (int k = 0; f.fpm_fd >= 0 && k < 16; k++) {
		ssize_t n = read(f.fpm_fd, f.fpm_buf + f.fpm_len,
		                 VPN_FPM_MAX - f.fpm_len);
		size_t off = 0;
		long used;

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			feed_lost(n == 0 ? "closed" : "failed");
			return;
		}
		if (n < 0)
			return;
		f.fpm_len += (size_t)n;
		while ((used = vpn_fpm_frame(f.fpm_buf + off, f.fpm_len - off,
		                             on_route, NULL)) > 0)
			off += (size_t)used;
		if (used < 0) {
			feed_lost("sent a malformed frame");
			return;
		}
		memmove(f.fpm_buf, f.fpm_buf + off, f.fpm_len - off);
		f.fpm_len -= off;
	}
}

static int
feed_listen(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(fd, 2) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	f.fpm_lfd = fd;
	f.fpm_port = ntohs(a.sin_port);
	return 0;
}

/* ---- bgpd's vty ---------------------------------------------------------- */

/* Send cmd on a vty connection and read its answer into *out (malloc'd,
 * NUL-terminated): bgpd's status, or -errno. */
static int
vty_run(int fd, const char *cmd, char **out, size_t *outlen)
{
	size_t cap = 4096, len = 0;
	char *b = malloc(cap);

	if (b == NULL)
		return -ENOMEM;
	if (write(fd, cmd, strlen(cmd) + 1) != (ssize_t)(strlen(cmd) + 1)) {
		free(b);
		return -EIO;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *nb = cap >= VTY_MAX ? NULL : realloc(b, cap * 2);

			if (nb == NULL) {
				free(b);
				return -EMSGSIZE;
			}
			b = nb;
			cap *= 2;
		}
		n = read(fd, b + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(b);
			return n == 0 ? -ECONNRESET : -errno;
		}
		len += (size_t)n;
		/* The answer ends in three NULs and the status byte. */
		if (len >= 4 && b[len - 4] == 0 && b[len - 3] == 0 &&
		    b[len - 2] == 0) {
			int status = (unsigned char)b[len - 1];

			len -= 4;
			b[len] = '\0';
			if (out != NULL) {
				*out = b;
				*outlen = len;
			} else {
				free(b);
			}
			return status;
		}
	}
}

static int
vty_open(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = VTY_TIMEOUT_S};
	int fd;

	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s/bgpd.vty",
	                     f.dir) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

int
vpngw_bgp_cmd(const char *cmd, int privileged, FILE *out)
{
	char *ans = NULL;
	size_t len = 0;
	int fd, rc;

	if (!f.on || f.d[D_BGPD].pid <= 0)
		return -ESRCH;
	fd = vty_open();
	if (fd < 0)
		return fd;
	rc = privileged ? vty_run(fd, "enable", NULL, NULL) : 0;
	if (rc == 0)
		rc = vty_run(fd, cmd, &ans, &len);
	if (rc >= 0 && out != NULL && ans != NULL)
		fwrite(ans, 1, len, out);
	free(ans);
	close(fd);
	return rc;
}

/* In a JSON object's text o[0..n): the string value of "key" into v, or
 * its number; false when it is not there. bgpd's summary has flat peer
 * objects, which is all this reads. */
static bool
json_str(const char *o, size_t n, const char *key, char *v, size_t vl)
{
	char k[64];
	const char *p, *e;
	size_t kl = (size_t)snprintf(k, sizeof(k), "\"%s\":\"", key);

	p = memmem(o, n, k, kl);
	if (p == NULL)
		return false;
	p += kl;
	e = memchr(p, '"', (size_t)(o + n - p));
	if (e == NULL || (size_t)(e - p) >= vl)
		return false;
	memcpy(v, p, (size_t)(e - p));
	v[e - p] = '\0';
	return true;
}

static uint64_t
json_num(const char *o, size_t n, const char *key)
{
	char k[64];
	const char *p;
	size_t kl = (size_t)snprintf(k, sizeof(k), "\"%s\":", key);

	p = memmem(o, n, k, kl);
	return p ? strtoull(p + kl, NULL, 10) : 0;
}

/* bgpd's summary into the sessions; changes logged. */
static void
summary_read(const char *js, size_t len)
{
	for (unsigned int i = 0; i < f.npeers; i++) {
		struct vpngw_bgp_peer *e = &f.peers[i];
		char key[40], a[16], st[24] = "Idle", ps[16] = "";
		const char *o, *end;
		size_t on;

		snprintf(key, sizeof(key), "\"%s\":{",
		         vpn_ipv4_format(e->addr, a));
		o = memmem(js, len, key, strlen(key));
		if (o == NULL)
			continue;
		end = memchr(o, '}', (size_t)(js + len - o));
		on = end ? (size_t)(end - o) : (size_t)(js + len - o);
		json_str(o, on, "state", st, sizeof(st));
		json_str(o, on, "peerState", ps, sizeof(ps));
		e->pfx_rcvd = (unsigned int)json_num(o, on, "pfxRcd");
		e->pfx_sent = (unsigned int)json_num(o, on, "pfxSnt");
		e->uptime_ms = json_num(o, on, "peerUptimeMsec");
		e->established =
		        (unsigned int)json_num(o, on, "connectionsEstablished");
		e->dropped =
		        (unsigned int)json_num(o, on, "connectionsDropped");
		if (strcmp(st, e->state) != 0)
			vpngw_log("BGP %s (%s, AS %lld): %s -> %s", e->name, a,
			          (long long)e->asn, e->state, st);
		if (strcmp(ps, e->peer_state) != 0 && strcmp(ps, "PfxCt") == 0)
			vpngw_log("BGP %s (%s): more than %u prefixes "
			          "(bgp_max_prefixes): the session is down, "
			          "tried again in a minute",
			          e->name, a, e->max_prefixes);
		snprintf(e->state, sizeof(e->state), "%s", st);
		snprintf(e->peer_state, sizeof(e->peer_state), "%s", ps);
	}
}

static void
summary_poll(void)
{
	char *js = NULL;
	size_t len = 0;
	int fd;

	if (f.d[D_BGPD].pid <= 0 || (fd = vty_open()) < 0)
		return;
	if (vty_run(fd, "show bgp ipv4 unicast summary json", &js, &len) == 0)
		summary_read(js, len);
	free(js);
	close(fd);
}

/* ---- a changed configuration as a difference of lines -------------------- */

/* The lines of text with their context: "router bgp N" for one-space
 * lines, that and the address family for two-space ones. Each entry is
 * "CONTEXT\tLINE" (malloc'd array of malloc'd strings). */
static char **
lines_of(const char *text, unsigned int *n)
{
	char ctx1[512] = "", ctx2[512] = "", **v = NULL;
	const char *p = text;
	unsigned int cap = 0;

	*n = 0;
	while (p != NULL && *p != '\0') {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		char line[512], *entry;
		int depth = 0;

		snprintf(line, sizeof(line), "%.*s", (int)l, p);
		p = e ? e + 1 : NULL;
		while (line[depth] == ' ')
			depth++;
		if (line[0] == '!' || line[depth] == '\0' ||
		    strcmp(line + depth, "exit") == 0 ||
		    strcmp(line + depth, "exit-address-family") == 0)
			continue;
		if (depth == 0)
			snprintf(ctx1, sizeof(ctx1), "%s", line);
		if (depth == 1)
			snprintf(ctx2, sizeof(ctx2), "%s", line + 1);
		if (asprintf(&entry, "%s\t%s\t%s", depth ? ctx1 : "",
		             depth == 2 ? ctx2 : "", line + depth) < 0)
			break;
		if (*n == cap) {
			char **nv =
			        realloc(v, (cap = cap * 2 + 16) * sizeof(*v));

			if (nv == NULL) {
				free(entry);
				break;
			}
			v = nv;
		}
		v[(*n)++] = entry;
	}
	return v;
}

static bool
in_lines(char **v, unsigned int n, const char *s)
{
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* Enter an entry's context on the vty and run its line (or its "no"). */
static int
vty_line(int fd, const char *entry, bool negate)
{
	char c1[512], c2[512], line[512], cmd[600];
	int rc = 0;

	if (sscanf(entry, "%511[^\t]\t%511[^\t]\t%511[^\n]", c1, c2, line) !=
	    3) {
		/* empty contexts: sscanf stops at them */
		const char *t1 = strchr(entry, '\t'), *t2;

		if (t1 == NULL || (t2 = strchr(t1 + 1, '\t')) == NULL)
			return -EINVAL;
		snprintf(c1, sizeof(c1), "%.*s", (int)(t1 - entry), entry);
		snprintf(c2, sizeof(c2), "%.*s", (int)(t2 - t1 - 1), t1 + 1);
		snprintf(line, sizeof(line), "%s", t2 + 1);
	}
	vty_run(fd, "end", NULL, NULL);
	vty_run(fd, "configure terminal", NULL, NULL);
	if (c1[0] != '\0')
		rc |= vty_run(fd, c1, NULL, NULL);
	if (c2[0] != '\0')
		rc |= vty_run(fd, c2, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "%s%s", negate ? "no " : "", line);
	return rc | vty_run(fd, cmd, NULL, NULL);
}

/* The neighbour an entry's line is about ("neighbor ADDR ..."), into a;
 * with remote_as, only its "remote-as" line counts. */
static bool
neighbor_of(const char *entry, char *a, size_t al, bool remote_as)
{
	const char *line = strrchr(entry, '\t');
	char addr[64], what[32];

	line = line ? line + 1 : entry;
	if (sscanf(line, "neighbor %63s %31s", addr, what) != 2 ||
	    (remote_as && strcmp(what, "remote-as") != 0))
		return false;
	snprintf(a, al, "%s", addr);
	return true;
}

/* Whether entry is about one of the neighbours in reset[0..nr). */
static bool
is_reset(const char *entry, char reset[][64], unsigned int nr)
{
	char a[64];

	if (!neighbor_of(entry, a, sizeof(a), false))
		return false;
	for (unsigned int i = 0; i < nr; i++)
		if (strcmp(a, reset[i]) == 0)
			return true;
	return false;
}

/*
 * bgpd from its configuration old to new: lines gone negated, lines new
 * added, in order; nothing else is touched, so sessions that did not
 * change stay up. A neighbour whose AS changed is removed and made again
 * whole (FRR's "no neighbor X remote-as" removes all of it). When bgpd
 * can't be told (its vty unreachable, an answer lost), it is restarted:
 * it reads the new file, which is already written.
 */
static void
conf_diff(const char *old, const char *new)
{
	unsigned int no, nn, gone = 0, added = 0, nr = 0;
	char **o = lines_of(old, &no), **n = lines_of(new, &nn);
	char(*reset)[64] = calloc(nn + 1, sizeof(*reset));
	int fd = vty_open(), io = 0;

	for (unsigned int i = 0; reset && i < nn; i++) {
		char a[64], b[64];

		if (!neighbor_of(n[i], a, sizeof(a), true) ||
		    in_lines(o, no, n[i]))
			continue;
		for (unsigned int k = 0; k < no; k++)
			if (neighbor_of(o[k], b, sizeof(b), true) &&
			    strcmp(a, b) == 0)
				snprintf(reset[nr++], sizeof(reset[0]), "%s",
				         a);
	}
	if (reset == NULL || fd < 0 || vty_run(fd, "enable", NULL, NULL) != 0)
		io = -EIO;
	/* A neighbour made again: "no neighbor X" in its old context. */
	for (unsigned int k = 0; io >= 0 && k < nr; k++)
		for (unsigned int i = 0; i < no; i++) {
			char a[64], e[700];

			if (!neighbor_of(o[i], a, sizeof(a), true) ||
			    strcmp(a, reset[k]) != 0)
				continue;
			snprintf(e, sizeof(e), "%.*s\t\tneighbor %s",
			         (int)strcspn(o[i], "\t"), o[i], reset[k]);
			io |= vty_line(fd, e, true) < 0 ? -EIO : 0;
			gone++;
			break;
		}
	/* Removals from the deepest first (a neighbour's address family
	 * lines before the neighbour). */
	for (unsigned int i = no; io >= 0 && i-- > 0;)
		if (!in_lines(n, nn, o[i]) && !is_reset(o[i], reset, nr)) {
			io |= vty_line(fd, o[i], true) < 0 ? -EIO : 0;
			gone++;
		}
	for (unsigned int i = 0; io >= 0 && i < nn; i++)
		if (!in_lines(o, no, n[i]) || is_reset(n[i], reset, nr)) {
			io |= vty_line(fd, n[i], false) < 0 ? -EIO : 0;
			added++;
		}
	if (io >= 0) {
		vty_run(fd, "end", NULL, NULL);
		vpngw_log("BGP: configuration changed: %u line(s) removed, "
		          "%u added, %u session(s) made again (AS changed)",
		          gone, added, nr);
	} else if (f.d[D_BGPD].pid > 0) {
		vpngw_log("BGP: bgpd could not be told the change: restarted "
		          "with the new configuration");
		kill(f.d[D_BGPD].pid, SIGTERM);
	}
	if (fd >= 0)
		close(fd);
	for (unsigned int i = 0; i < no; i++)
		free(o[i]);
	for (unsigned int i = 0; i < nn; i++)
		free(n[i]);
	free(o);
	free(n);
	free(reset);
}

/* ---- start, apply, poll, stop -------------------------------------------- */

/* bfdd runs while a connection asks for BFD; a changed configuration is
 * written and bfdd started again on it (its sessions come back in a few
 * packets; bgpd keeps its own). */
static void
bfd_follow(const struct vpn_cfg *cfg)
{
	char *text = text_of(vpn_cfg_frr_bfdd, cfg, "bfdd.log");
	struct daemon *d = &f.d[D_BFDD];

	if (text == NULL) {
		if (d->want && d->pid > 0)
			kill(d->pid, SIGTERM); /* reap() collects it */
		d->want = false;
		free(f.bfd_conf);
		f.bfd_conf = NULL;
		return;
	}
	if (f.bfd_conf != NULL && strcmp(text, f.bfd_conf) == 0) {
		free(text);
		return;
	}
	if (write_file("bfdd.conf", text) != 0) {
		vpngw_log("BGP: cannot write bfdd.conf in %s", f.dir);
		free(text);
		return;
	}
	free(f.bfd_conf);
	f.bfd_conf = text;
	if (!d->want) {
		*d = (struct daemon){
		        .name = "bfdd", .delay = RESTART_MIN_MS, .want = true};
		spawn(d);
	} else if (d->pid > 0) {
		kill(d->pid, SIGTERM);
	}
}

/* The listener, the feed's buffer and the configuration text go. */
static void
release(void)
{
	if (f.fpm_lfd >= 0)
		close(f.fpm_lfd);
	f.fpm_lfd = -1;
	free(f.fpm_buf);
	f.fpm_buf = NULL;
	free(f.conf);
	f.conf = NULL;
	free(f.bfd_conf);
	f.bfd_conf = NULL;
}

static int
start(const struct vpn_cfg *cfg)
{
	struct passwd *pw = getpwnam(FRR_USER);
	char zebra[4400], bin[256];
	int rc;

	snprintf(bin, sizeof(bin), "%s/bgpd", FRR_BIN);
	if (pw == NULL || access(bin, X_OK) != 0) {
		vpngw_log("BGP: FRR is not installed (%s, user %s): BGP "
		          "connections can't run; tools/setup.sh installs it",
		          bin, FRR_USER);
		return -ENOENT;
	}
	/* FRR runs as its own user: it may pass through the state
	 * directory (0700: it holds keys) to its own, and no further. */
	{
		char sd[4096];
		struct stat sb;
		char *slash;

		snprintf(sd, sizeof(sd), "%s", f.dir);
		slash = strrchr(sd, '/');
		if (slash != NULL && slash != sd)
			*slash = '\0';
		if (stat(sd, &sb) == 0 && (sb.st_mode & 0011) == 0 &&
		    (chown(sd, (uid_t)-1, pw->pw_gid) != 0 ||
		     chmod(sd, (sb.st_mode & 07777) | 0010) != 0))
			vpngw_log("BGP: %s: %s", sd, strerror(errno));
	}
	if ((mkdir(f.dir, 0750) != 0 && errno != EEXIST) ||
	    chown(f.dir, pw->pw_uid, pw->pw_gid) != 0) {
		rc = -errno;
		vpngw_log("BGP: %s: %s", f.dir, strerror(errno));
		return rc;
	}
	kill_stale("zebra");
	kill_stale("bgpd");
	kill_stale("bfdd");
	/* zebra reaches us on the loopback. */
	vpngw_kernel_lo_up();
	rc = feed_listen();
	if (rc == 0 && (f.fpm_buf = malloc(VPN_FPM_MAX)) == NULL)
		rc = -ENOMEM;
	if (rc != 0) {
		vpngw_log("BGP: route feed socket: %s", strerror(-rc));
		goto fail;
	}
	snprintf(zebra, sizeof(zebra),
	         "! vpngw's zebra: routes to vpngw over FPM\n"
	         "hostname %s\n"
	         "log file %s/zebra.log informational\n"
	         "fpm address 127.0.0.1 port %u\n"
	         "no fpm use-next-hop-groups\n",
	         cfg->appliance.name[0] ? cfg->appliance.name : "vpngw", f.dir,
	         f.fpm_port);
	free(f.conf);
	f.conf = conf_of(cfg);
	if (f.conf == NULL || (rc = write_file("zebra.conf", zebra)) != 0 ||
	    (rc = write_file("bgpd.conf", f.conf)) != 0) {
		vpngw_log("BGP: cannot write FRR's configuration in %s", f.dir);
		rc = rc ? rc : -ENOMEM;
		goto fail;
	}
	f.d[D_ZEBRA] = (struct daemon){
	        .name = "zebra", .delay = RESTART_MIN_MS, .want = true};
	f.d[D_BGPD] = (struct daemon){
	        .name = "bgpd", .delay = RESTART_MIN_MS, .want = true};
	f.d[D_BFDD] = (struct daemon){.name = "bfdd"};
	f.on = true;
	if (spawn(&f.d[D_ZEBRA]) != 0 || spawn(&f.d[D_BGPD]) != 0) {
		vpngw_bgp_stop();
		return -ECHILD;
	}
	bfd_follow(cfg);
	return 0;
fail: /* nothing started: nothing kept */
	release();
	return rc;
}

bool
vpngw_bgp_available(void)
{
	char bin[256];

	snprintf(bin, sizeof(bin), "%s/bgpd", FRR_BIN);
	return getpwnam(FRR_USER) != NULL && access(bin, X_OK) == 0 &&
	       snprintf(bin, sizeof(bin), "%s/zebra", FRR_BIN) > 0 &&
	       access(bin, X_OK) == 0;
}

int
vpngw_bgp_start(const struct vpn_cfg *cfg, const char *state_dir)
{
	snprintf(f.dir, sizeof(f.dir), "%s/frr", state_dir);
	peers_of(cfg);
	return vpn_cfg_has_bgp(cfg) ? start(cfg) : 0;
}

void
vpngw_bgp_apply(const struct vpn_cfg *cfg)
{
	char *conf;

	peers_of(cfg);
	if (!vpn_cfg_has_bgp(cfg)) {
		if (f.on) {
			vpngw_log("BGP: no BGP connection left: FRR stops");
			vpngw_bgp_stop();
		}
		/* What left with the sessions leaves the workers now. */
		vpngw_routing_publish(cfg);
		return;
	}
	if (!f.on) {
		start(cfg);
		return;
	}
	bfd_follow(cfg); /* its profiles before bgpd names them */
	conf = conf_of(cfg);
	if (conf == NULL || strcmp(conf, f.conf) == 0) {
		free(conf);
		vpngw_routing_publish(cfg); /* sessions gone (peers_of) */
		return;
	}
	write_file("bgpd.conf", conf);
	if (f.d[D_BGPD].pid > 0)
		conf_diff(f.conf, conf);
	free(f.conf);
	f.conf = conf;
	vpngw_routing_publish(cfg);
}

void
vpngw_bgp_poll(void)
{
	uint64_t now;

	if (!f.on)
		return;
	now = vpngw_now_ms();
	reap(now);
	feed_read();
	if (f.dirty && now - f.last_publish >= PUBLISH_MS) {
		f.last_publish = now;
		/* Failed (logged): tried again after the next interval. */
		f.dirty = vpngw_routing_publish(vpngw_running()) != 0;
	}
	if (now - f.last_poll >= POLL_MS) {
		f.last_poll = now;
		summary_poll();
		for (unsigned int i = 0; vpngw_routing_rib() && i < f.npeers;
		     i++)
			f.peers[i].routes = vpn_rib_count(
			        vpngw_routing_rib(), VPN_RIB_BGP,
			        (int)f.peers[i].conn, f.peers[i].tunnel);
	}
}

void
vpngw_bgp_stop(void)
{
	if (!f.on)
		return;
	stop_children();
	if (f.fpm_fd >= 0)
		feed_lost("closed: FRR stopped");
	release();
	f.on = false;
	vpngw_log("BGP: FRR stopped");
}

const struct vpngw_bgp_peer *
vpngw_bgp_peers(unsigned int *n)
{
	*n = f.on ? f.npeers : 0;
	return f.on ? f.peers : NULL;
}

int
vpngw_bgp_feed(unsigned int *routes)
{
	const struct vpn_rib *rib = vpngw_routing_rib();

	*routes =
	        rib ? vpn_rib_count(rib, VPN_RIB_BGP, VPN_RIB_ANY, VPN_RIB_ANY)
	            : 0;
	return f.fpm_fd >= 0;
}
