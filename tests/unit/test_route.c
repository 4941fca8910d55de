/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/route: the workers' FIB built from plain lists. */
#include <errno.h>
#include <stdlib.h>

#include <CUnit/Basic.h>
#include <rte_memory.h>

#include "vpn_route.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static void
test_fib_lookup(void)
{
	const struct vpn_route r[] = {
	        {IP(192, 0, 2, 0), 24, 0},
	        {IP(192, 0, 2, 128), 25, 1},  /* longer: wins in its half */
	        {IP(192, 0, 2, 77), 32, 2},   /* a host route */
	        {IP(198, 51, 100, 9), 24, 1}, /* host bits are ignored */
	        {0, 0, 3},                    /* default */
	        {IP(198, 51, 100, 0), 24, 2}, /* again: the later one */
	};
	const struct vpn_route rn[] = {
	        {IP(203, 0, 113, 0), 25, 1},
	        {IP(192, 0, 2, 0), 24, 0},
	        {IP(203, 0, 113, 200), 30, 1}, /* .200-.203 */
	};
	struct vpn_fib *f;
	uint32_t c = 99;

	f = vpn_fib_build("t_fib", SOCKET_ID_ANY, 4, r, 6, rn, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(vpn_fib_lookup(f, IP(192, 0, 2, 1), &c), 0);
	CU_ASSERT_EQUAL(c, 0);
	CU_ASSERT_EQUAL(vpn_fib_lookup(f, IP(192, 0, 2, 129), &c), 0);
	CU_ASSERT_EQUAL(c, 1);
	CU_ASSERT_EQUAL(vpn_fib_lookup(f, IP(192, 0, 2, 77), &c), 0);
	CU_ASSERT_EQUAL(c, 2);
	CU_ASSERT_EQUAL(vpn_fib_lookup(f, IP(192, 0, 2, 78), &c), 0);
	CU_ASSERT_EQUAL(c, 0);
	CU_ASSERT_EQUAL(vpn_fib_lookup(f, IP(198, 51, 100, 250), &c), 0);
	CU_ASSERT_EQUAL(c, 2);
	CU_ASSERT_EQUAL(vpn_fib_lookup(f, IP(203, 0, 113, 1), &c), 0);
	CU_ASSERT_EQUAL(c, 3);
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
	CU_ASSERT_EQUAL(vpn_fib_lookup(f, IP(192, 0, 2, 1), &c), -1);
	CU_ASSERT_FALSE(vpn_fib_from_remote(f, 0, IP(192, 0, 2, 1)));
	vpn_fib_free(f);
	vpn_fib_free(NULL);
}

static void
test_fib_refused(void)
{
	struct vpn_route bad_len = {IP(192, 0, 2, 0), 33, 0};
	struct vpn_route bad_conn = {IP(192, 0, 2, 0), 24, 2};

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
	}
	f = vpn_fib_build("t_big", SOCKET_ID_ANY, CONNS, r, N, r, N);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (unsigned int i = 0; i < N; i++) {
		uint32_t c;

		if (vpn_fib_lookup(f, r[i].addr | 1, &c) != 0 || c != r[i].conn)
			bad++;
		from += vpn_fib_from_remote(f, r[i].conn, r[i].addr | 1);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(from, N);
	CU_ASSERT_EQUAL(f->nroutes, N);
	vpn_fib_free(f);
	free(r);
}

void register_route_tests(void);

void
register_route_tests(void)
{
	CU_pSuite s = CU_add_suite("route", NULL, NULL);

	CU_add_test(s, "FIB: longest prefix, remote networks", test_fib_lookup);
	CU_add_test(s, "FIB: bad lists refused", test_fib_refused);
	CU_add_test(s, "FIB: the largest configuration", test_fib_largest);
}
