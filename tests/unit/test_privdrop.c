/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * app/vpngw/service.c's privilege drop, on its own, as root: in a child
 * process per round, threads are made and end while vpngw_priv_drop()
 * runs; afterwards every thread left must hold only the kept set, in its
 * bounding set too, with no_new_privs, and the drop must say so. With a
 * bounding set lacking CAP_SETPCAP the drop still takes the permitted
 * and effective sets (the bounding set stays as given). Prints what it
 * checked; exit 0 when every round passed, 77 (skipped) when not root.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "gw_log.h"
#include "gw_service.h"

/* The kept set (service.c's table): chown dac_override fowner kill
 * setgid setuid net_bind_service net_admin net_raw ipc_lock sys_admin. */
#define KEPT 0x2074ebull

void
vpngw_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static volatile int stop;

static void *
short_lived(void *arg)
{
	(void)arg;
	usleep(200);
	return NULL;
}

static void *
long_lived(void *arg)
{
	(void)arg;
	while (!stop)
		usleep(1000);
	return NULL;
}

/* Makes threads all the time: some end at once, some stay. */
static void *
churn(void *arg)
{
	unsigned int n = 0;

	(void)arg;
	while (!stop) {
		pthread_t t;

		if (pthread_create(&t, NULL, n % 8 ? short_lived : long_lived,
		                   NULL) == 0)
			pthread_detach(t);
		n++;
		usleep(100);
	}
	return NULL;
}

/* Every thread's sets: 0 when each is as wanted. */
static int
check_threads(uint64_t eff, uint64_t bnd, bool bnd_checked)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int bad = 0, seen = 0;

	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[300], line[128];
		unsigned long long v;
		FILE *f;

		if (atoi(e->d_name) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status",
		         e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		seen++;
		while (fgets(line, sizeof(line), f) != NULL) {
			int nnp;

			if ((sscanf(line, "CapEff: %llx", &v) == 1 &&
			     v != eff) ||
			    (sscanf(line, "CapPrm: %llx", &v) == 1 &&
			     v != eff) ||
			    (bnd_checked &&
			     sscanf(line, "CapBnd: %llx", &v) == 1 &&
			     v != bnd) ||
			    (sscanf(line, "NoNewPrivs: %d", &nnp) == 1 &&
			     nnp != 1)) {
				printf("thread %s: %s", e->d_name, line);
				bad++;
			}
		}
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
	return bad || seen == 0;
}

/* One round in a child: 0 passed. */
static int
round_child(bool setpcap)
{
	pthread_t c, keepers[4];
	int rc;

	if (!setpcap) { /* as a unit without CAP_SETPCAP starts it */
		struct __user_cap_header_struct h = {
		        .version = _LINUX_CAPABILITY_VERSION_3};
		struct __user_cap_data_struct d[2];

		if (syscall(SYS_capget, &h, d) != 0)
			return 2;
		d[0].effective &= ~(1u << CAP_SETPCAP);
		d[0].permitted &= ~(1u << CAP_SETPCAP);
		if (syscall(SYS_capset, &h, d) != 0)
			return 2;
	}
	for (int i = 0; i < 4; i++)
		pthread_create(&keepers[i], NULL, long_lived, NULL);
	pthread_create(&c, NULL, churn, NULL);
	usleep(2000);
	rc = vpngw_priv_drop();
	if (rc != 0) {
		printf("vpngw_priv_drop: %d\n", rc);
		return 1;
	}
	usleep(2000); /* threads made just before the end settle */
	rc = check_threads(KEPT, setpcap ? KEPT : 0, setpcap);
	stop = 1;
	pthread_join(c, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(keepers[i], NULL);
	return rc;
}

int
main(void)
{
	int failed = 0, rounds = 60;

	if (geteuid() != 0) {
		printf("not root: skipped\n");
		return 77;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int r = 0; r < rounds + 2; r++) {
		bool setpcap = r < rounds;
		pid_t pid = fork();
		int st;

		if (pid == 0)
			_exit(round_child(setpcap));
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			printf("round %d (%s CAP_SETPCAP): FAILED\n", r,
			       setpcap ? "with" : "without");
			failed++;
		}
	}
	printf("privilege drop: %d rounds with threads made and ended "
	       "meanwhile, 2 without CAP_SETPCAP: %d failed\n",
	       rounds, failed);
	return failed != 0;
}
