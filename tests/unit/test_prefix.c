/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "vpn_prefix.h"

static struct vpn_prefix
P(const char *s) {
	struct vpn_prefix p;

	CU_ASSERT_EQUAL(vpn_prefix_parse(s, VPN_PREFIX_NET, &p), 0);
	return p;
}

static void
test_parse_format(void)
{
	static const char *good[] = {"0.0.0.0/0",      "192.0.2.0/24",
	                             "203.0.113.7/32", "2001:db8::/32",
	                             "::/0",           "2001:db8::1/128"};
	char buf[VPN_PREFIX_STRLEN];
	struct vpn_prefix p;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CU_ASSERT_EQUAL(vpn_prefix_parse(good[i], VPN_PREFIX_NET, &p),
		                0);
		CU_ASSERT_STRING_EQUAL(vpn_prefix_format(&p, buf), good[i]);
	}
	static const char *bad[] = {"",
	                            "/24",
	                            "192.0.2.0",
	                            "192.0.2.0/",
	                            "192.0.2.0/33",
	                            "192.0.2.0/-1",
	                            "192.0.2.0/+8",
	                            "192.0.2.0/24x",
	                            "192.0.2/24",
	                            "0300.0.0.0/8",
	                            "2001:db8::/129",
	                            "192.0.2.0/ 24",
	                            "1.2.3.4.5/32",
	                            "192.0.2.0/99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(vpn_prefix_parse(bad[i], VPN_PREFIX_NET, &p),
		                -EINVAL);
	CU_ASSERT_EQUAL(vpn_prefix_parse(NULL, VPN_PREFIX_NET, &p), -EINVAL);
	/* host bits: an error for a network, kept for an interface */
	CU_ASSERT_EQUAL(vpn_prefix_parse("192.0.2.1/24", VPN_PREFIX_NET, &p),
	                -EDOM);
	CU_ASSERT_EQUAL(vpn_prefix_parse("192.0.2.1/24", VPN_PREFIX_IFADDR, &p),
	                0);
	CU_ASSERT_STRING_EQUAL(vpn_prefix_format(&p, buf), "192.0.2.1/24");
	CU_ASSERT_EQUAL(vpn_prefix_parse("2001:db8::1/64", VPN_PREFIX_NET, &p),
	                -EDOM);
}

static void
test_ipv4(void)
{
	char buf[16];
	uint32_t a;

	CU_ASSERT_EQUAL(vpn_ipv4_parse("198.51.100.255", &a), 0);
	CU_ASSERT_EQUAL(a, 0xc63364ff);
	CU_ASSERT_STRING_EQUAL(vpn_ipv4_format(a, buf), "198.51.100.255");
	CU_ASSERT_EQUAL(vpn_ipv4_parse("198.51.100", &a), -EINVAL);
	CU_ASSERT_EQUAL(vpn_ipv4_parse("198.51.100.256", &a), -EINVAL);
	CU_ASSERT_EQUAL(vpn_ipv4_parse(NULL, &a), -EINVAL);
	struct vpn_prefix p = vpn_prefix_v4(0xc0000281, 25);
	CU_ASSERT_EQUAL(vpn_prefix_v4_addr(&p), 0xc0000280);
	CU_ASSERT_EQUAL(p.family, AF_INET);
}

static void
test_overlap(void)
{
	struct vpn_prefix a = P("192.0.2.0/24"), b = P("192.0.2.128/25"),
	                  c = P("198.51.100.0/24"), d = P("0.0.0.0/0"),
	                  e = P("2001:db8::/32"), f = P("2001:db8:1::/48"),
	                  g = P("192.0.2.0/23");

	CU_ASSERT_TRUE(vpn_prefix_overlap(&a, &b));
	CU_ASSERT_TRUE(vpn_prefix_overlap(&b, &a));
	CU_ASSERT_FALSE(vpn_prefix_overlap(&a, &c));
	CU_ASSERT_TRUE(vpn_prefix_overlap(&d, &c));
	CU_ASSERT_FALSE(vpn_prefix_overlap(&d, &e)); /* families differ */
	CU_ASSERT_TRUE(vpn_prefix_overlap(&e, &f));
	CU_ASSERT_TRUE(vpn_prefix_contains(&a, &b));
	CU_ASSERT_FALSE(vpn_prefix_contains(&b, &a));
	CU_ASSERT_TRUE(vpn_prefix_contains(&g, &a)); /* /23 bit boundary */
	CU_ASSERT_TRUE(vpn_prefix_contains(&e, &f));
	CU_ASSERT_TRUE(vpn_prefix_equal(&a, &a));
	CU_ASSERT_FALSE(vpn_prefix_equal(&a, &g));
}

void register_prefix_tests(void);

void
register_prefix_tests(void)
{
	CU_pSuite s = CU_add_suite("prefix", NULL, NULL);

	CU_add_test(s, "parse and format", test_parse_format);
	CU_add_test(s, "ipv4", test_ipv4);
	CU_add_test(s, "overlap and contains", test_overlap);
}
