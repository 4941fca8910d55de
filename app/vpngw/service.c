/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Running as a service: the privileges vpngw keeps, and systemd's
 * notifications.
 *
 * vpngw starts as root: the EAL maps hugepages and opens VFIO, the
 * exception TAP is created and addressed, IKE binds UDP 500 and 4500, FRR
 * is started. Once that is done, vpngw_priv_drop() takes away every
 * capability it does not need while running, from the bounding set too
 * (no child can get them back: FRR's daemons, restarted by the
 * supervisor, and the `ip` commands are limited to the same set), in
 * every thread (capabilities are per thread in Linux: the threads that
 * exist are told by a signal to drop theirs; later ones inherit), and sets
 * no_new_privs (no exec gains any). What is kept, and why, is the table
 * below; docs/ARCHITECTURE.md has it too.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "gw_log.h"
#include "gw_service.h"

static const struct {
	int cap;
	const char *name;
	const char *why;
} keep[] = {
        {CAP_NET_ADMIN, "net_admin",
         "the exception interface's routes as connections change "
         "(kernel.c); FRR's zebra and bgpd"},
        {CAP_NET_RAW, "net_raw",
         "raw ICMP sockets: health checks, ping and traceroute; FRR"},
        {CAP_NET_BIND_SERVICE, "net_bind_service",
         "IKE's UDP 500 opened again; bgpd's TCP 179"},
        {CAP_IPC_LOCK, "ipc_lock",
         "DPDK: memory added while running mapped for DMA (VFIO)"},
        {CAP_SYS_ADMIN, "sys_admin",
         "FRR's daemons ask for it at each (re)start; DPDK reads "
         "physical addresses of memory added while running (IOVA as PA)"},
        {CAP_SETUID, "setuid", "FRR's daemons become the frr user"},
        {CAP_SETGID, "setgid", "... and its groups"},
        {CAP_CHOWN, "chown", "FRR's directory and files given to frr"},
        {CAP_DAC_OVERRIDE, "dac_override",
         "FRR's files and vty sockets (owned by frr) written and reached"},
        {CAP_FOWNER, "fowner", "... and their modes set"},
        {CAP_KILL, "kill", "FRR's daemons (frr's) stopped and restarted"},
};

#define NKEEP (sizeof(keep) / sizeof(keep[0]))

static struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];
static int last_cap;
static bool drop_bset; /* the bounding set too (needs CAP_SETPCAP) */
static int drop_errno; /* a handler's first failure (atomic) */

static bool
kept(int cap)
{
	for (size_t i = 0; i < NKEEP; i++)
		if (keep[i].cap == cap)
			return true;
	return false;
}

/* This thread's drop: the bounding set (when we may), then what it
 * holds, then no_new_privs. Async-signal safe (system calls only);
 * doing it twice is harmless. */
static int
drop_here(void)
{
	struct __user_cap_header_struct h = {
	        .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};

	for (int c = 0; drop_bset && c <= last_cap; c++)
		if (!kept(c) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0)
			return -errno;
	if (syscall(SYS_capset, &h, caps) != 0)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -errno;
	return 0;
}

static void
on_drop(int sig)
{
	int saved = errno, rc;

	(void)sig;
	rc = drop_here();
	if (rc != 0) {
		int none = 0;

		__atomic_compare_exchange_n(&drop_errno, &none, -rc, false,
		                            __ATOMIC_RELEASE, __ATOMIC_RELAXED);
	}
	errno = saved;
}

static int
read_last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int v = CAP_LAST_CAP;

	if (f != NULL) {
		if (fscanf(f, "%d", &v) != 1 || v < 0 || v > 63)
			v = CAP_LAST_CAP;
		fclose(f);
	}
	return v;
}

/* A thread's (or the process's) capability sets and no_new_privs, from
 * its status file. false: gone (or unreadable). */
struct caps_seen {
	uint64_t eff, prm, bnd;
	int nnp;
};

static bool
caps_of(const char *status, struct caps_seen *c)
{
	FILE *f = fopen(status, "r");
	char line[128];
	unsigned long long v;
	int n = 0;

	if (f == NULL)
		return false;
	memset(c, 0, sizeof(*c));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			c->eff = v, n++;
		else if (sscanf(line, "CapPrm: %llx", &v) == 1)
			c->prm = v, n++;
		else if (sscanf(line, "CapBnd: %llx", &v) == 1)
			c->bnd = v, n++;
		else if (sscanf(line, "NoNewPrivs: %d", &c->nnp) == 1)
			n++;
	}
	fclose(f);
	return n == 4;
}

/*
 * Until every thread shows the sets wanted: each pass reads every
 * thread's status and signals those that have not dropped yet (a thread
 * made by one that had not dropped yet inherits its sets, and a thread
 * gone is no longer listed), so threads made or ended during the drop
 * are caught by the next pass. Returns how many threads were seen, or
 * -errno.
 */
static int
drop_all(uint64_t eff, uint64_t bnd, int sig)
{
	pid_t self = (pid_t)syscall(SYS_gettid);
	struct timespec t0, t;
	int rc;

	rc = drop_here(); /* this thread first: it makes none meanwhile */
	if (rc != 0)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		unsigned int seen = 0, behind = 0;
		DIR *d = opendir("/proc/self/task");
		struct dirent *e;

		if (d == NULL)
			return -errno;
		while ((e = readdir(d)) != NULL) {
			pid_t tid = (pid_t)atoi(e->d_name);
			char path[64];
			struct caps_seen c;

			if (tid <= 0)
				continue;
			snprintf(path, sizeof(path),
			         "/proc/self/task/%d/status", (int)tid);
			if (!caps_of(path, &c))
				continue; /* ended */
			seen++;
			if (c.eff == eff && c.prm == eff && c.nnp == 1 &&
			    (!drop_bset || c.bnd == bnd))
				continue;
			behind++;
			if (tid != self)
				(void)syscall(SYS_tgkill, getpid(), tid, sig);
		}
		closedir(d);
		rc = __atomic_load_n(&drop_errno, __ATOMIC_ACQUIRE);
		if (rc != 0)
			return -rc;
		if (behind == 0)
			return (int)seen;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 5) {
			vpngw_log(
			        "privileges: %u thread(s) did not drop theirs "
			        "in 5 s",
			        behind);
			return -ETIMEDOUT;
		}
		usleep(2000);
	}
}

int
vpngw_priv_drop(void)
{
	struct sigaction sa = {0}, ign = {0};
	char names[512] = "";
	struct caps_seen now;
	uint64_t keep_all = 0, want;
	int sig = SIGRTMIN + 2, rc;

	if (geteuid() != 0) {
		vpngw_log("privileges: running as uid %u: none to drop",
		          (unsigned int)geteuid());
		return 0;
	}
	if (!caps_of("/proc/self/status", &now))
		return -EIO;
	last_cap = read_last_cap();
	for (size_t i = 0; i < NKEEP; i++) {
		keep_all |= 1ull << keep[i].cap;
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
		         "%s%s", i ? " " : "", keep[i].name);
	}
	/* What we keep of what we have (a unit may have taken some away);
	 * the bounding set only with CAP_SETPCAP (no_new_privs keeps what
	 * children may get to this permitted set without it). */
	want = keep_all & now.prm;
	drop_bset = (now.eff >> CAP_SETPCAP) & 1;
	memset(caps, 0, sizeof(caps));
	for (int w = 0; w < _LINUX_CAPABILITY_U32S_3; w++)
		caps[w].effective = caps[w].permitted =
		        (uint32_t)(want >> (32 * w));
	sa.sa_handler = on_drop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, NULL) != 0)
		return -errno;
	rc = drop_all(want, now.bnd & keep_all, sig);
	/* Late copies of the signal are ignored (never the default action,
	 * which would end the process). */
	ign.sa_handler = SIG_IGN;
	sigaction(sig, &ign, NULL);
	if (rc < 0) {
		vpngw_log("privileges: cannot drop: %s", strerror(-rc));
		return rc;
	}
	vpngw_log("privileges: %d threads keep only %s%s (no_new_privs)", rc,
	          names,
	          drop_bset ? ""
	                    : "; the bounding set is as given (no "
	                      "CAP_SETPCAP)");
	return 0;
}

static char notify_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

void
vpngw_notify_init(void)
{
	const char *p = getenv("NOTIFY_SOCKET");

	if (p != NULL && strlen(p) < sizeof(notify_path))
		snprintf(notify_path, sizeof(notify_path), "%s", p);
	/* Ours alone: FRR's daemons (which speak sd_notify too) and the ip
	 * commands must not report to systemd as if they were vpngw. */
	unsetenv("NOTIFY_SOCKET");
}

void
vpngw_notify(const char *state)
{
	const char *path = notify_path;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t len;
	int fd;

	if (path[0] != '/' && path[0] != '@')
		return;
	len = strlen(path);
	if (len >= sizeof(a.sun_path))
		return;
	memcpy(a.sun_path, path, len);
	if (a.sun_path[0] == '@')
		a.sun_path[0] = '\0'; /* an abstract socket */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	             (const struct sockaddr *)&a,
	             (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}
