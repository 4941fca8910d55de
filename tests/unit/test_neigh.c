/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net's neighbour table: learning, static entries, packets held for
 * unresolved neighbours, requests, aging. Time is in seconds here. */
#include <errno.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "vpn_neigh.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static const uint8_t mac1[6] = {2, 0, 0, 0, 0, 1};
static const uint8_t mac2[6] = {2, 0, 0, 0, 0, 2};
static unsigned int freed;

static void
free_pkt(void *p)
{
	(void)p;
	freed++;
}

static struct vpn_neigh *
table(unsigned int slots, uint64_t timeout)
{
	struct vpn_neigh_params p = {
	        .slots = slots, .hz = 1, .timeout = timeout};
	struct vpn_neigh *n = vpn_neigh_new(&p);

	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	return n;
}

static void
test_neigh_learn(void)
{
	struct vpn_neigh_params bad = {.slots = 0, .hz = 1};
	struct vpn_neigh *n = table(2, 60);
	struct vpn_neigh_entry e[4];

	CU_ASSERT_PTR_NULL(vpn_neigh_new(&bad));
	CU_ASSERT_PTR_NULL(vpn_neigh_find(n, IP(192, 0, 2, 1)));
	CU_ASSERT_EQUAL(vpn_neigh_learn(n, IP(192, 0, 2, 1), mac1, false, 1),
	                1);
	CU_ASSERT_EQUAL(vpn_neigh_learn(n, IP(192, 0, 2, 1), mac1, false, 2),
	                0); /* the same: nothing to publish */
	CU_ASSERT_EQUAL(memcmp(vpn_neigh_find(n, IP(192, 0, 2, 1)), mac1, 6),
	                0);
	CU_ASSERT_EQUAL(vpn_neigh_learn(n, IP(192, 0, 2, 1), mac2, false, 3),
	                1); /* moved */
	/* static: the wire does not overwrite it */
	CU_ASSERT_EQUAL(vpn_neigh_learn(n, IP(192, 0, 2, 9), mac1, true, 3), 1);
	CU_ASSERT_EQUAL(vpn_neigh_learn(n, IP(192, 0, 2, 9), mac2, false, 4),
	                0);
	CU_ASSERT_EQUAL(memcmp(vpn_neigh_find(n, IP(192, 0, 2, 9)), mac1, 6),
	                0);
	/* full: the oldest learned entry makes room */
	CU_ASSERT_EQUAL(vpn_neigh_learn(n, IP(192, 0, 2, 3), mac1, false, 5),
	                1);
	CU_ASSERT_PTR_NULL(vpn_neigh_find(n, IP(192, 0, 2, 1)));
	CU_ASSERT_EQUAL(vpn_neigh_snapshot(n, e, 4), 2);
	vpn_neigh_free(n, free_pkt);

	/* all static: nothing to push out */
	n = table(1, 60);
	CU_ASSERT_EQUAL(vpn_neigh_learn(n, IP(192, 0, 2, 9), mac1, true, 1), 1);
	CU_ASSERT_EQUAL(vpn_neigh_learn(n, IP(192, 0, 2, 1), mac1, false, 1),
	                -ENOSPC);
	vpn_neigh_free(n, free_pkt);
}

static void
test_neigh_hold(void)
{
	struct vpn_neigh *n = table(4, 60);
	struct vpn_neigh_request r[4];
	int pkts[6];
	void *out[8];
	bool changed = false;

	/* The first packet asks (broadcast); four are held, the fifth is
	 * refused; the answer releases the four in order. */
	CU_ASSERT_EQUAL(vpn_neigh_hold(n, IP(192, 0, 2, 5), &pkts[0], 10, r),
	                1);
	CU_ASSERT_EQUAL(r[0].ip, IP(192, 0, 2, 5));
	CU_ASSERT_FALSE(r[0].unicast);
	for (int i = 1; i < VPN_NEIGH_HOLD; i++)
		CU_ASSERT_EQUAL(
		        vpn_neigh_hold(n, IP(192, 0, 2, 5), &pkts[i], 10, r),
		        0);
	CU_ASSERT_EQUAL(vpn_neigh_hold(n, IP(192, 0, 2, 5), &pkts[4], 10, r),
	                -ENOSPC);
	CU_ASSERT_PTR_NULL(vpn_neigh_find(n, IP(192, 0, 2, 5)));
	CU_ASSERT_EQUAL(vpn_neigh_release(n, IP(192, 0, 2, 5), out, 8), 0);
	CU_ASSERT_EQUAL(
	        vpn_neigh_snapshot(n, (struct vpn_neigh_entry[4]){0}, 4),
	        0); /* pending is not for the workers */
	CU_ASSERT_EQUAL(vpn_neigh_learn(n, IP(192, 0, 2, 5), mac1, false, 10),
	                1);
	CU_ASSERT_EQUAL(vpn_neigh_release(n, IP(192, 0, 2, 5), out, 3), 3);
	CU_ASSERT_PTR_EQUAL(out[0], &pkts[0]);
	CU_ASSERT_PTR_EQUAL(out[2], &pkts[2]);
	CU_ASSERT_EQUAL(vpn_neigh_release(n, IP(192, 0, 2, 5), out, 8), 1);
	CU_ASSERT_PTR_EQUAL(out[0], &pkts[3]);
	CU_ASSERT_EQUAL(vpn_neigh_hold(n, IP(192, 0, 2, 5), &pkts[5], 10, r),
	                -EEXIST); /* resolved: send it */
	CU_ASSERT_EQUAL(vpn_neigh_stats(n)->held, 4);
	CU_ASSERT_EQUAL(vpn_neigh_stats(n)->released, 4);
	CU_ASSERT_EQUAL(vpn_neigh_stats(n)->overflow, 1);

	/* Never answered: asked again each second, three times in all, then
	 * its packets are dropped and it is forgotten. */
	freed = 0;
	CU_ASSERT_EQUAL(vpn_neigh_hold(n, IP(192, 0, 2, 6), &pkts[0], 20, r),
	                1);
	CU_ASSERT_EQUAL(vpn_neigh_hold(n, IP(192, 0, 2, 6), &pkts[1], 20, r),
	                0);
	CU_ASSERT_EQUAL(vpn_neigh_age(n, 20, r, 4, free_pkt, &changed), 0);
	CU_ASSERT_EQUAL(vpn_neigh_age(n, 21, r, 4, free_pkt, &changed), 1);
	CU_ASSERT_EQUAL(r[0].ip, IP(192, 0, 2, 6));
	CU_ASSERT_EQUAL(vpn_neigh_age(n, 22, r, 4, free_pkt, &changed), 1);
	CU_ASSERT_EQUAL(freed, 0);
	CU_ASSERT_EQUAL(vpn_neigh_age(n, 23, r, 4, free_pkt, &changed), 0);
	CU_ASSERT_EQUAL(freed, 2);
	CU_ASSERT_EQUAL(vpn_neigh_stats(n)->unresolved, 2);
	CU_ASSERT_EQUAL(vpn_neigh_release(n, IP(192, 0, 2, 6), out, 8), 0);
	/* ... and a new packet starts over */
	CU_ASSERT_EQUAL(vpn_neigh_hold(n, IP(192, 0, 2, 6), &pkts[0], 24, r),
	                1);
	freed = 0;
	vpn_neigh_free(n, free_pkt);
	CU_ASSERT_EQUAL(freed, 1);

	/* A slot given up on and used again carries nothing over: A and B
	 * pending with packets, A given up (B moves into its slot), C new:
	 * C's answer releases C's packets only, B's stay B's. */
	n = table(4, 60);
	freed = 0;
	CU_ASSERT_EQUAL(vpn_neigh_hold(n, IP(192, 0, 2, 10), &pkts[0], 30, r),
	                1);
	CU_ASSERT_EQUAL(vpn_neigh_hold(n, IP(192, 0, 2, 11), &pkts[1], 31, r),
	                1);
	CU_ASSERT_EQUAL(vpn_neigh_hold(n, IP(192, 0, 2, 11), &pkts[2], 31, r),
	                0);
	for (uint64_t t = 31; t <= 33; t++) /* A: 3 tries, then gone */
		vpn_neigh_age(n, t, r, 4, free_pkt, &changed);
	CU_ASSERT_EQUAL(freed, 1);
	CU_ASSERT_EQUAL(vpn_neigh_hold(n, IP(192, 0, 2, 12), &pkts[3], 34, r),
	                1);
	CU_ASSERT_EQUAL(vpn_neigh_learn(n, IP(192, 0, 2, 12), mac1, false, 33),
	                1);
	CU_ASSERT_EQUAL(vpn_neigh_release(n, IP(192, 0, 2, 12), out, 8), 1);
	CU_ASSERT_PTR_EQUAL(out[0], &pkts[3]);
	vpn_neigh_free(n, free_pkt);

	/* A learned entry pushed out for a pending one: the workers' copy
	 * must change at the next tick. */
	n = table(1, 60);
	changed = false;
	vpn_neigh_learn(n, IP(192, 0, 2, 1), mac1, false, 1);
	CU_ASSERT_EQUAL(vpn_neigh_hold(n, IP(192, 0, 2, 2), &pkts[0], 2, r), 1);
	CU_ASSERT_PTR_NULL(vpn_neigh_find(n, IP(192, 0, 2, 1)));
	vpn_neigh_age(n, 2, r, 4, free_pkt, &changed);
	CU_ASSERT_TRUE(changed);
	vpn_neigh_free(n, free_pkt);

	/* The table full of pending neighbours: refused, counted. */
	n = table(1, 60);
	CU_ASSERT_EQUAL(vpn_neigh_hold(n, IP(192, 0, 2, 7), &pkts[0], 1, r), 1);
	CU_ASSERT_EQUAL(vpn_neigh_hold(n, IP(192, 0, 2, 8), &pkts[1], 1, r),
	                -ENOSPC);
	CU_ASSERT_EQUAL(vpn_neigh_learn(n, IP(192, 0, 2, 8), mac1, false, 1),
	                -ENOSPC);
	vpn_neigh_free(n, free_pkt);
}

static void
test_neigh_age(void)
{
	struct vpn_neigh *n = table(4, 5);
	struct vpn_neigh_request r[4];
	bool changed = false;

	vpn_neigh_learn(n, IP(192, 0, 2, 1), mac1, false, 100);
	vpn_neigh_learn(n, IP(192, 0, 2, 9), mac2, true, 100);
	CU_ASSERT_EQUAL(vpn_neigh_age(n, 105, r, 4, free_pkt, &changed), 0);
	/* past the timeout: a unicast refresh to the MAC it had */
	CU_ASSERT_EQUAL(vpn_neigh_age(n, 106, r, 4, free_pkt, &changed), 1);
	CU_ASSERT_TRUE(r[0].unicast);
	CU_ASSERT_EQUAL(r[0].ip, IP(192, 0, 2, 1));
	CU_ASSERT_EQUAL(memcmp(r[0].mac, mac1, 6), 0);
	CU_ASSERT_EQUAL(vpn_neigh_age(n, 106, r, 4, free_pkt, &changed), 0);
	/* answered: trusted again */
	vpn_neigh_learn(n, IP(192, 0, 2, 1), mac1, false, 107);
	CU_ASSERT_EQUAL(vpn_neigh_age(n, 110, r, 4, free_pkt, &changed), 0);
	/* not answered: asked once a second, forgotten 3 s after the first */
	CU_ASSERT_EQUAL(vpn_neigh_age(n, 113, r, 4, free_pkt, &changed), 1);
	CU_ASSERT_EQUAL(vpn_neigh_age(n, 115, r, 4, free_pkt, &changed), 1);
	CU_ASSERT_FALSE(changed);
	CU_ASSERT_EQUAL(vpn_neigh_age(n, 117, r, 4, free_pkt, &changed), 0);
	CU_ASSERT_TRUE(changed);
	CU_ASSERT_PTR_NULL(vpn_neigh_find(n, IP(192, 0, 2, 1)));
	CU_ASSERT_PTR_NOT_NULL(vpn_neigh_find(n, IP(192, 0, 2, 9)));
	CU_ASSERT_EQUAL(vpn_neigh_stats(n)->expired, 1);
	CU_ASSERT_EQUAL(vpn_neigh_stats(n)->refresh, 3);
	vpn_neigh_free(n, free_pkt);
}

void register_neigh_tests(void);

void
register_neigh_tests(void)
{
	CU_pSuite s = CU_add_suite("neigh", NULL, NULL);

	CU_add_test(s, "neighbours: learn, static, full", test_neigh_learn);
	CU_add_test(s, "neighbours: packets held until resolved",
	            test_neigh_hold);
	CU_add_test(s, "neighbours: aging", test_neigh_age);
}
