/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ephemeral Diffie-Hellman keys made ahead by helper threads, so that an
 * IKE_SA_INIT or a CREATE_CHILD_SA with PFS finds its key pair ready and
 * the engine's loop computes only the shared secret.
 *
 * The engine stays single-threaded: it only takes keys out (dh_take)
 * and says which groups it uses (dh_want). The helpers run at
 * SCHED_IDLE: they use what CPU time nothing else wants (a control
 * core's idle time, or a CPU of the control cores' set that is free).
 * The engine never waits for them: it only tries the pool's lock (a
 * helper preempted while holding it, at its idle priority, could hold it
 * for milliseconds) and makes the key itself when the lock is busy or
 * the group's pool empty, as it does without helpers: tests with two
 * engines in memory run the same either way. Each key is handed out
 * once and freed (cleared) by its SA. Stopping the helpers (reconfig,
 * shutdown) waits for a key being made to be done.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ike_priv.h"

#define POOL_KEYS   64 /* ready keys per group */
#define POOL_GROUPS 8

struct ike_dhpool {
	pthread_mutex_t lock;
	pthread_cond_t room; /* helpers wait here for a key to make */
	bool stop;
	unsigned int nthreads;
	pthread_t th[IKE_MAX_HELPERS];
	unsigned int ngroups, next; /* next: where helpers look first */
	struct {
		uint16_t group;
		unsigned int n;
		struct ike_dh *keys[POOL_KEYS];
	} g[POOL_GROUPS];
};

/* A group whose pool has room (from next on, so that every group gets
 * its turn), or -1. Under the lock. */
static int
pool_room(struct ike_dhpool *p)
{
	for (unsigned int k = 0; k < p->ngroups; k++) {
		unsigned int i = (p->next + k) % p->ngroups;

		if (p->g[i].n < POOL_KEYS) {
			p->next = (i + 1) % p->ngroups;
			return (int)i;
		}
	}
	return -1;
}

static void *
helper(void *arg)
{
	struct ike_dhpool *p = arg;
	struct sched_param sp = {0};

	(void)pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		int i = pool_room(p);
		uint16_t group;
		struct ike_dh *dh;

		if (i < 0) {
			pthread_cond_wait(&p->room, &p->lock);
			continue;
		}
		group = p->g[i].group;
		pthread_mutex_unlock(&p->lock);
		dh = ike_dh_new(group);
		pthread_mutex_lock(&p->lock);
		/* (The groups only grow: slot i is still group's.) */
		if (dh != NULL && p->g[i].n < POOL_KEYS)
			p->g[i].keys[p->g[i].n++] = dh;
		else
			ike_dh_free(dh);
		if (dh == NULL) { /* (out of memory: not in a tight loop) */
			struct timespec t;

			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_sec += 1;
			pthread_cond_timedwait(&p->room, &p->lock, &t);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void
pool_stop(struct ike_dhpool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->room);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int i = 0; i < p->nthreads; i++)
		pthread_join(p->th[i], NULL);
	for (unsigned int i = 0; i < p->ngroups; i++)
		while (p->g[i].n > 0)
			ike_dh_free(p->g[i].keys[--p->g[i].n]);
	pthread_cond_destroy(&p->room);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int
vpn_ike_set_helpers(struct vpn_ike *ike, unsigned int n)
{
	struct ike_dhpool *p;
	uint16_t want[POOL_GROUPS];
	unsigned int nwant = 0;

	if (n > IKE_MAX_HELPERS)
		return -EINVAL;
	if (ike->pool != NULL) {
		nwant = ike->pool->ngroups;
		for (unsigned int i = 0; i < nwant; i++)
			want[i] = ike->pool->g[i].group;
		pool_stop(ike->pool);
		ike->pool = NULL;
	}
	if (n == 0)
		return 0;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->room, NULL);
	for (unsigned int i = 0; i < nwant; i++)
		p->g[p->ngroups++].group = want[i];
	ike->pool = p;
	for (unsigned int i = 0; i < ike->n; i++) {
		dh_want(ike, ike->peers[i].cfg.ike.dh[0]);
		dh_want(ike, ike->peers[i].cfg.esp.dh[0]);
	}
	for (; p->nthreads < n; p->nthreads++)
		if (pthread_create(&p->th[p->nthreads], NULL, helper, p) != 0)
			break;
	if (p->nthreads == 0) {
		pool_stop(p);
		ike->pool = NULL;
		return -EAGAIN;
	}
	return 0;
}

void
dh_pool_free(struct vpn_ike *ike)
{
	if (ike->pool != NULL)
		pool_stop(ike->pool);
	ike->pool = NULL;
}

/* group into the pool's set; with wait false, not when the lock is
 * busy (the next miss asks again). */
static void
want(struct vpn_ike *ike, uint16_t group, bool wait)
{
	struct ike_dhpool *p = ike->pool;

	if (p == NULL || group == 0 || !ike_dh_supported(group))
		return;
	if (wait)
		pthread_mutex_lock(&p->lock);
	else if (pthread_mutex_trylock(&p->lock) != 0)
		return;
	for (unsigned int i = 0; i < p->ngroups; i++)
		if (p->g[i].group == group)
			goto out;
	if (p->ngroups < POOL_GROUPS) {
		p->g[p->ngroups++].group = group;
		pthread_cond_broadcast(&p->room);
	}
out:
	pthread_mutex_unlock(&p->lock);
}

void
dh_want(struct vpn_ike *ike, uint16_t group)
{
	want(ike, group, true);
}

struct ike_dh *
dh_take(struct vpn_ike *ike, uint16_t group)
{
	struct ike_dhpool *p = ike->pool;
	struct ike_dh *dh = NULL;

	if (p != NULL && pthread_mutex_trylock(&p->lock) == 0) {
		for (unsigned int i = 0; i < p->ngroups; i++)
			if (p->g[i].group == group) {
				if (p->g[i].n > 0) {
					dh = p->g[i].keys[--p->g[i].n];
					pthread_cond_signal(&p->room);
				}
				break;
			}
		pthread_mutex_unlock(&p->lock);
		if (dh == NULL)
			want(ike, group, false); /* (a group a peer chose) */
	}
	if (dh != NULL) {
		ike->st.dh_ready++;
		return dh;
	}
	ike->st.dh_inline++;
	return ike_dh_new(group);
}

unsigned int
vpn_ike_dh_ready(const struct vpn_ike *ike, uint16_t group)
{
	struct ike_dhpool *p = ike->pool;
	unsigned int n = 0;

	if (p == NULL)
		return 0;
	pthread_mutex_lock(&p->lock);
	for (unsigned int i = 0; i < p->ngroups; i++)
		if (p->g[i].group == group)
			n = p->g[i].n;
	pthread_mutex_unlock(&p->lock);
	return n;
}
