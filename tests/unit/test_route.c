/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/route: the workers' FIB built from plain lists. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "vpn_pkt.h"
#include "vpn_nh.h"
#include "vpn_route.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static void
test_fib_lookup(void)
{
	const struct vpn_route r[] = {
	        {IP(192, 0, 2, 0), 24, VPN_VIA_STEER, 0},
	        /* longer: wins in its half */
	        {IP(192, 0, 2, 128), 25, VPN_VIA_BOTH, 1},
	        {IP(192, 0, 2, 77), 32, VPN_VIA_ONLY2, 2}, /* a host route */
	        /* host bits are ignored */
	        {IP(198, 51, 100, 9), 24, VPN_VIA_STEER, 1},
	        {0, 0, VPN_VIA_PREFER2, 3}, /* default */
	        /* again: the later one */
	        {IP(198, 51, 100, 0), 24, VPN_VIA_PREFER1, 2},
	};
	const struct vpn_route rn[] = {
	        {IP(203, 0, 113, 0), 25, 0, 1},
	        {IP(192, 0, 2, 0), 24, 0, 0},
	        {IP(203, 0, 113, 200), 30, 0, 1}, /* .200-.203 */
	};
	struct vpn_fib *f;
	unsigned int via = 99;
	uint32_t c = 99;

	f = vpn_fib_build("t_fib", SOCKET_ID_ANY, 4, r, 6, rn, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(vpn_fib_lookup(f, IP(192, 0, 2, 1), &c, &via), 0);
	CU_ASSERT_EQUAL(c, 0);
	CU_ASSERT_EQUAL(via, VPN_VIA_STEER);
	CU_ASSERT_EQUAL(vpn_fib_lookup(f, IP(192, 0, 2, 129), &c, &via), 0);
	CU_ASSERT_EQUAL(c, 1);
	CU_ASSERT_EQUAL(via, VPN_VIA_BOTH);
	CU_ASSERT_EQUAL(vpn_fib_lookup(f, IP(192, 0, 2, 77), &c, &via), 0);
	CU_ASSERT_EQUAL(c, 2);
	CU_ASSERT_EQUAL(via, VPN_VIA_ONLY2);
	CU_ASSERT_EQUAL(vpn_fib_lookup(f, IP(192, 0, 2, 78), &c, &via), 0);
	CU_ASSERT_EQUAL(c, 0);
	CU_ASSERT_EQUAL(via, VPN_VIA_STEER);
	CU_ASSERT_EQUAL(vpn_fib_lookup(f, IP(198, 51, 100, 250), &c, &via), 0);
	CU_ASSERT_EQUAL(c, 2);
	CU_ASSERT_EQUAL(via, VPN_VIA_PREFER1);
	CU_ASSERT_EQUAL(vpn_fib_lookup(f, IP(203, 0, 113, 1), &c, &via), 0);
	CU_ASSERT_EQUAL(c, 3);
	CU_ASSERT_EQUAL(via, VPN_VIA_PREFER2);
	/* remote networks: per connection, by mask */
	CU_ASSERT_TRUE(vpn_fib_from_remote(f, 1, IP(203, 0, 113, 127)));
	CU_ASSERT_FALSE(vpn_fib_from_remote(f, 1, IP(203, 0, 113, 128)));
	CU_ASSERT_TRUE(vpn_fib_from_remote(f, 1, IP(203, 0, 113, 203)));
	CU_ASSERT_FALSE(vpn_fib_from_remote(f, 1, IP(203, 0, 113, 204)));
	CU_ASSERT_TRUE(vpn_fib_from_remote(f, 0, IP(192, 0, 2, 5)));
	CU_ASSERT_FALSE(vpn_fib_from_remote(f, 0, IP(203, 0, 113, 5)));
	CU_ASSERT_FALSE(vpn_fib_from_remote(f, 2, IP(192, 0, 2, 5)));
	CU_ASSERT_FALSE(vpn_fib_from_remote(f, 4, IP(192, 0, 2, 5)));
	/* names are rte_lpm's: one at a time */
	errno = 0;
	CU_ASSERT_PTR_NULL(
	        vpn_fib_build("t_fib", SOCKET_ID_ANY, 4, r, 6, rn, 3));
	CU_ASSERT_EQUAL(errno, EEXIST);
	vpn_fib_free(f);

	/* empty: no route at all, no remote network */
	f = vpn_fib_build("t_fib", SOCKET_ID_ANY, 0, NULL, 0, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(vpn_fib_lookup(f, IP(192, 0, 2, 1), &c, &via), -1);
	CU_ASSERT_FALSE(vpn_fib_from_remote(f, 0, IP(192, 0, 2, 1)));
	vpn_fib_free(f);
	vpn_fib_free(NULL);
}

static void
test_fib_refused(void)
{
	struct vpn_route bad_len = {IP(192, 0, 2, 0), 33, 0, 0};
	struct vpn_route bad_conn = {IP(192, 0, 2, 0), 24, 0, 2};
	struct vpn_route bad_via = {IP(192, 0, 2, 0), 24, 8, 0};

	errno = 0;
	CU_ASSERT_PTR_NULL(
	        vpn_fib_build("t_bad", SOCKET_ID_ANY, 2, &bad_len, 1, NULL, 0));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(vpn_fib_build("t_bad", SOCKET_ID_ANY, 2, &bad_conn,
	                                 1, NULL, 0));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(vpn_fib_build("t_bad", SOCKET_ID_ANY, 2, NULL, 0,
	                                 &bad_conn, 1));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(
	        vpn_fib_build("t_bad", SOCKET_ID_ANY, 2, &bad_via, 1, NULL, 0));
	CU_ASSERT_EQUAL(errno, EINVAL);
}

/* The largest configuration the model accepts: 1024 connections of 100
 * static routes each (a quarter of them longer than /24, so rte_lpm's
 * second-level groups are needed too) and 100 remote networks each. */
static void
test_fib_largest(void)
{
	enum { CONNS = 1024, PER = 100, N = CONNS * PER };
	struct vpn_route *r = calloc(N, sizeof(*r));
	struct vpn_fib *f;
	unsigned int bad = 0, from = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (unsigned int i = 0; i < N; i++) {
		/* distinct /24s; every fourth a /28 inside its /24 */
		r[i].addr = (uint32_t)(i + 1) << 8 | (i % 4 == 0 ? 0x40 : 0);
		r[i].len = i % 4 == 0 ? 28 : 24;
		r[i].conn = i / PER;
		r[i].via = (uint8_t)(i % VPN_VIA_N);
	}
	f = vpn_fib_build("t_big", SOCKET_ID_ANY, CONNS, r, N, r, N);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (unsigned int i = 0; i < N; i++) {
		unsigned int via;
		uint32_t c;

		if (vpn_fib_lookup(f, r[i].addr | 1, &c, &via) != 0 ||
		    c != r[i].conn || via != r[i].via)
			bad++;
		from += vpn_fib_from_remote(f, r[i].conn, r[i].addr | 1);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(from, N);
	CU_ASSERT_EQUAL(f->nroutes, N);
	vpn_fib_free(f);
	free(r);
}

/* ---- next hops published under concurrent readers -------------------- */

#define NH_CONNS    1024
#define NH_VERSIONS 500
#define NH_READERS  2

static struct vpn_nh_table *nh_slot;
static struct rte_rcu_qsbr *nh_qs;
static volatile int nh_stop;
static uint32_t nh_seen; /* the newest version a reader has begun */

struct nh_reader {
	pthread_t th;
	unsigned int id;
	uint64_t reads, torn, versions;
};

/* Version g's entry k: its SA "pointer", MTU and MSS agree with each
 * other, so a torn or stale-and-freed entry shows. */
static void
nh_fill(struct vpn_nh_table *t, uint32_t g)
{
	for (unsigned int k = 0; k < t->n; k++) {
		uint32_t v = g * 1000 + k + 1;

		t->nh[k].steer = (uint8_t)(g & 1);
		t->nh[k].t[0] = (struct vpn_nh_tunnel){(void *)(uintptr_t)v, v,
		                                       (uint16_t)(g + k)};
		t->nh[k].t[1] = t->nh[k].t[0];
	}
}

/* Torn, stale or freed entries seen in t, read as version g. */
static uint64_t
nh_check(const struct vpn_nh_table *t, uint32_t g)
{
	uint64_t torn = 0;

	for (unsigned int k = 0; k < NH_CONNS; k++) {
		const struct vpn_nh *nh = &t->nh[k];
		uint32_t v = g * 1000 + k + 1;

		if ((uintptr_t)nh->t[0].sa != v || nh->t[0].inner_mtu != v ||
		    nh->t[1].mss != (uint16_t)(g + k) || nh->steer != (g & 1))
			torn++;
	}
	return torn;
}

/* A worker's loop: the table is held for a whole "burst" (read, a pause,
 * read again) and let go only at the quiescent point. */
static void *
nh_read(void *arg)
{
	struct nh_reader *r = arg;
	uint32_t last = UINT32_MAX;

	/* Off the writer's CPU (the EAL pinned this process's threads to
	 * lcore 0's), so reading and publishing really overlap. */
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1) {
		cpu_set_t cpus;

		CPU_ZERO(&cpus);
		for (long c = 1; c < sysconf(_SC_NPROCESSORS_ONLN) && c < 64;
		     c++)
			CPU_SET(c, &cpus);
		(void)pthread_setaffinity_np(pthread_self(), sizeof(cpus),
		                             &cpus);
	}
	rte_rcu_qsbr_thread_register(nh_qs, r->id);
	rte_rcu_qsbr_thread_online(nh_qs, r->id);
	while (!nh_stop) {
		const struct vpn_nh_table *t =
		        __atomic_load_n(&nh_slot, __ATOMIC_ACQUIRE);
		uint32_t g =
		        (uint32_t)(((uintptr_t)t->nh[0].t[0].sa - 1) / 1000);

		__atomic_store_n(&nh_seen, g, __ATOMIC_RELEASE);
		r->torn += nh_check(t, g);
		rte_delay_us_block(5);
		r->torn += nh_check(t, g);
		r->versions += g != last;
		last = g;
		r->reads++;
		rte_rcu_qsbr_quiescent(nh_qs, r->id);
		sched_yield(); /* two CPUs: let the writer run */
	}
	rte_rcu_qsbr_thread_offline(nh_qs, r->id);
	rte_rcu_qsbr_thread_unregister(nh_qs, r->id);
	return NULL;
}

static void
test_nh_publish(void)
{
	struct nh_reader rd[NH_READERS];
	struct vpn_rcu_versions vs = {0};
	struct vpn_nh_table *t;

	/* a clone keeps what there was, grows zeroed, shrinks */
	t = vpn_nh_table_clone(NULL, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	nh_fill(t, 7);
	nh_slot = vpn_nh_table_clone(t, 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nh_slot);
	CU_ASSERT_EQUAL(nh_slot->n, 4);
	CU_ASSERT_EQUAL(nh_slot->nh[1].t[0].inner_mtu, 7002);
	CU_ASSERT_PTR_NULL(nh_slot->nh[2].t[0].sa);
	free(nh_slot);
	nh_slot = vpn_nh_table_clone(t, 1);
	CU_ASSERT_EQUAL(nh_slot->nh[0].t[1].inner_mtu, 7001);
	free(nh_slot);
	free(t);

	nh_qs = rte_zmalloc("t_qs", rte_rcu_qsbr_get_memsize(NH_READERS),
	                    RTE_CACHE_LINE_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nh_qs);
	CU_ASSERT_EQUAL_FATAL(rte_rcu_qsbr_init(nh_qs, NH_READERS), 0);
	for (unsigned int i = 0; i < VPN_RCU_VERSIONS; i++) {
		vs.v[i] = vpn_nh_table_clone(NULL, NH_CONNS);
		CU_ASSERT_PTR_NOT_NULL_FATAL(vs.v[i]);
	}
	nh_slot = vs.v[0];
	nh_fill(nh_slot, 0);
	nh_stop = 0;
	nh_seen = 0;
	for (unsigned int i = 0; i < NH_READERS; i++) {
		rd[i] = (struct nh_reader){.id = i};
		CU_ASSERT_EQUAL_FATAL(
		        pthread_create(&rd[i].th, NULL, nh_read, &rd[i]), 0);
	}
	/* Each version: a spare one poisoned (what a reader still holding
	 * it would see), filled, published without waiting. */
	for (uint32_t g = 1; g <= NH_VERSIONS; g++) {
		struct vpn_nh_table *n;
		uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz();

		/* The first half in step with the readers: one holds
		 * version g - 1 (or has just let it go) when g replaces it.
		 * The second as fast as the writer goes, many versions to a
		 * reader's burst: a spare still read would show torn. */
		while (g <= NH_VERSIONS / 2 &&
		       __atomic_load_n(&nh_seen, __ATOMIC_ACQUIRE) < g - 1 &&
		       rte_get_timer_cycles() < deadline)
			sched_yield();

		n = vpn_rcu_spare(&vs, (void *const *)&nh_slot, nh_qs);
		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		CU_ASSERT_FATAL(n != nh_slot);
		memset(n->nh, 0xa5, NH_CONNS * sizeof(n->nh[0]));
		nh_fill(n, g);
		vpn_rcu_publish(&vs, (void **)&nh_slot, n, nh_qs);
	}
	nh_stop = 1;
	for (unsigned int i = 0; i < NH_READERS; i++) {
		pthread_join(rd[i].th, NULL);
		CU_ASSERT_EQUAL(rd[i].torn, 0);
		CU_ASSERT(rd[i].reads > 0);
		CU_ASSERT(rd[i].versions >= 2);
	}
	/* Some versions were reused without a wait (the readers had passed
	 * a quiescent point since): the point of having several. */
	CU_ASSERT(vs.waits < NH_VERSIONS);
	printf("\n  next hops: %u versions published, %llu waits for the "
	       "readers\n",
	       NH_VERSIONS, (unsigned long long)vs.waits);
	for (unsigned int i = 0; i < VPN_RCU_VERSIONS; i++)
		free(vs.v[i]);
	nh_slot = NULL;
	rte_free(nh_qs);
}

void register_route_tests(void);

void
register_route_tests(void)
{
	CU_pSuite s = CU_add_suite("route", NULL, NULL);

	CU_add_test(s, "FIB: longest prefix, remote networks", test_fib_lookup);
	CU_add_test(s, "FIB: bad lists refused", test_fib_refused);
	CU_add_test(s, "FIB: the largest configuration", test_fib_largest);
	CU_add_test(s, "next hops published under concurrent readers",
	            test_nh_publish);
}
