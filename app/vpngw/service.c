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
static int drop_sig;
static int drops_ok, drops_failed;

static bool
kept(int cap)
{
	for (size_t i = 0; i < NKEEP; i++)
		if (keep[i].cap == cap)
			return true;
	return false;
}

/* This thread's drop: the bounding set, then what it holds. Async-signal
 * safe (system calls only). */
static int
drop_here(void)
{
	struct __user_cap_header_struct h = {
	        .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};

	for (int c = 0; c <= last_cap; c++)
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
	int saved = errno;

	(void)sig;
	if (drop_here() == 0)
		__atomic_add_fetch(&drops_ok, 1, __ATOMIC_RELEASE);
	else
		__atomic_add_fetch(&drops_failed, 1, __ATOMIC_RELEASE);
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

int
vpngw_priv_drop(void)
{
	struct sigaction sa = {0}, old;
	char names[512] = "";
	pid_t self = (pid_t)syscall(SYS_gettid);
	unsigned int sent = 0;
	struct timespec t0, t;
	DIR *d;
	struct dirent *e;
	int rc;

	if (geteuid() != 0) {
		vpngw_log("privileges: running as uid %u: none to drop",
		          (unsigned int)geteuid());
		return 0;
	}
	last_cap = read_last_cap();
	memset(caps, 0, sizeof(caps));
	for (size_t i = 0; i < NKEEP; i++) {
		int c = keep[i].cap;

		caps[c / 32].effective |= 1u << (c % 32);
		caps[c / 32].permitted |= 1u << (c % 32);
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
		         "%s%s", i ? " " : "", keep[i].name);
	}
	/* The other threads first (this one still may drop theirs' set:
	 * each thread drops its own), then this one. */
	drop_sig = SIGRTMIN + 2;
	sa.sa_handler = on_drop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(drop_sig, &sa, &old) != 0)
		return -errno;
	d = opendir("/proc/self/task");
	if (d == NULL) {
		rc = -errno;
		sigaction(drop_sig, &old, NULL);
		return rc;
	}
	while ((e = readdir(d)) != NULL) {
		pid_t tid = (pid_t)atoi(e->d_name);

		if (tid <= 0 || tid == self)
			continue;
		if (syscall(SYS_tgkill, getpid(), tid, drop_sig) == 0)
			sent++;
	}
	closedir(d);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		unsigned int n = (unsigned int)__atomic_load_n(
		                         &drops_ok, __ATOMIC_ACQUIRE) +
		                 (unsigned int)__atomic_load_n(
		                         &drops_failed, __ATOMIC_ACQUIRE);

		if (n >= sent)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 5) {
			vpngw_log("privileges: %u of %u threads did not drop "
			          "theirs in 5 s",
			          sent - n, sent);
			return -ETIMEDOUT; /* (the handler stays: a late one) */
		}
		usleep(1000);
	}
	sigaction(drop_sig, &old, NULL);
	if (drops_failed != 0) {
		vpngw_log("privileges: %d thread(s) could not drop theirs",
		          drops_failed);
		return -EPERM;
	}
	rc = drop_here();
	if (rc != 0) {
		vpngw_log("privileges: cannot drop: %s", strerror(-rc));
		return rc;
	}
	vpngw_log("privileges: %u threads keep only %s (no_new_privs)",
	          sent + 1, names);
	return 0;
}

void
vpngw_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
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
