/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/health: one tunnel state from administrative state, link, SA, ESP heard,
 * health probes and BGP. Time is in seconds here (hz 1). */
#include <errno.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "vpn_health.h"

#define SRC(s) (1u << VPN_HEALTH_##s)

static struct vpn_health
tunnel(uint32_t sources, uint64_t dead, uint64_t idle)
{
	struct vpn_health_params p = {.hz = 1,
	                              .sources = sources,
	                              .dead_after = dead,
	                              .idle_after = idle,
	                              .probe_down = 3,
	                              .probe_up = 2};
	struct vpn_health h;

	CU_ASSERT_EQUAL_FATAL(vpn_health_init(&h, &p, 0), 0);
	return h;
}

static void
test_health_params(void)
{
	struct vpn_health_params p = {.hz = 0, .sources = SRC(SA)};
	struct vpn_health h;

	CU_ASSERT_EQUAL(vpn_health_init(&h, &p, 0), -EINVAL);
	p.hz = 1;
	p.sources |= SRC(PROBE); /* probes without thresholds */
	CU_ASSERT_EQUAL(vpn_health_init(&h, &p, 0), -EINVAL);
	p.sources = SRC(SA);
	CU_ASSERT_EQUAL(vpn_health_init(&h, &p, 0), 0);
	CU_ASSERT_EQUAL(vpn_health_set(&h, VPN_HEALTH_NSRC, true, "x", 1),
	                -EINVAL);
	CU_ASSERT_STRING_EQUAL(vpn_health_src_name(VPN_HEALTH_BGP), "bgp");
	CU_ASSERT_STRING_EQUAL(vpn_health_src_name(VPN_HEALTH_NSRC), "?");
}

/* An IKE tunnel: down until its SA; admin down holds it whatever the SA
 * does, and the reason shown is the first holder's. */
static void
test_health_admin_sa(void)
{
	struct vpn_health h = tunnel(SRC(ADMIN) | SRC(SA), 0, 0);

	CU_ASSERT_FALSE(vpn_health_up(&h));
	CU_ASSERT_EQUAL(vpn_health_holder(&h), VPN_HEALTH_SA);
	CU_ASSERT_STRING_EQUAL(vpn_health_why(&h), "never changed");
	CU_ASSERT_EQUAL(vpn_health_set(&h, VPN_HEALTH_SA, true, "IKE: up", 5),
	                1);
	CU_ASSERT_TRUE(vpn_health_up(&h));
	CU_ASSERT_STRING_EQUAL(vpn_health_why(&h), "IKE: up");
	CU_ASSERT_EQUAL(h.changes, 1);
	CU_ASSERT_EQUAL(h.changed, 5);
	/* the same again: no change */
	CU_ASSERT_EQUAL(vpn_health_set(&h, VPN_HEALTH_SA, true, "IKE: up", 6),
	                0);
	CU_ASSERT_EQUAL(
	        vpn_health_set(&h, VPN_HEALTH_ADMIN, false, "admin down", 7),
	        1);
	CU_ASSERT_STRING_EQUAL(vpn_health_why(&h), "admin down");
	CU_ASSERT_EQUAL(
	        vpn_health_set(&h, VPN_HEALTH_SA, false, "IKE: gone", 8), 0);
	CU_ASSERT_EQUAL(vpn_health_holder(&h), VPN_HEALTH_ADMIN);
	/* admin up, SA still gone: still down, now held by the SA */
	CU_ASSERT_EQUAL(
	        vpn_health_set(&h, VPN_HEALTH_ADMIN, true, "admin up", 9), 0);
	CU_ASSERT_FALSE(vpn_health_up(&h));
	CU_ASSERT_EQUAL(vpn_health_holder(&h), VPN_HEALTH_SA);
	CU_ASSERT_STRING_EQUAL(h.hold[VPN_HEALTH_SA], "IKE: gone");
	CU_ASSERT_EQUAL(vpn_health_set(&h, VPN_HEALTH_SA, true, "IKE: up", 10),
	                1);
	CU_ASSERT_EQUAL(h.changes, 3);
	/* a source without a say (no BGP here) holds nothing */
	CU_ASSERT_EQUAL(vpn_health_set(&h, VPN_HEALTH_BGP, false, "idle", 11),
	                0);
	CU_ASSERT_TRUE(vpn_health_up(&h));
}

/* Its port's link: down holds the tunnel whatever its SA says, and is
 * the reason shown before the SA's; up again gives the SA back its say. */
static void
test_health_link(void)
{
	struct vpn_health h = tunnel(SRC(ADMIN) | SRC(LINK) | SRC(SA), 0, 0);

	CU_ASSERT_EQUAL(vpn_health_set(&h, VPN_HEALTH_SA, true, "IKE: up", 1),
	                1);
	CU_ASSERT_EQUAL(vpn_health_set(&h, VPN_HEALTH_LINK, false,
	                               "port outside: link down", 2),
	                1);
	CU_ASSERT_FALSE(vpn_health_up(&h));
	CU_ASSERT_STRING_EQUAL(vpn_health_why(&h), "port outside: link down");
	/* the SA goes too (DPD): still the link's reason first */
	CU_ASSERT_EQUAL(
	        vpn_health_set(&h, VPN_HEALTH_SA, false, "IKE: gone", 3), 0);
	CU_ASSERT_EQUAL(vpn_health_holder(&h), VPN_HEALTH_LINK);
	/* link back, no SA yet: held by the SA */
	CU_ASSERT_EQUAL(vpn_health_set(&h, VPN_HEALTH_LINK, true,
	                               "port outside: link up", 4),
	                0);
	CU_ASSERT_EQUAL(vpn_health_holder(&h), VPN_HEALTH_SA);
	CU_ASSERT_EQUAL(vpn_health_set(&h, VPN_HEALTH_SA, true, "IKE: up", 5),
	                1);
	CU_ASSERT_TRUE(vpn_health_up(&h));
	CU_ASSERT_STRING_EQUAL(vpn_health_src_name(VPN_HEALTH_LINK), "link");
}

/* A manual-key tunnel: silence beyond dead_after takes it down, ESP heard
 * brings it back; nothing sent for idle_after asks for a keepalive. */
static void
test_health_esp(void)
{
	struct vpn_health h = tunnel(SRC(ADMIN) | SRC(SA) | SRC(ESP), 30, 10);
	bool ka;

	CU_ASSERT_EQUAL(vpn_health_set(&h, VPN_HEALTH_SA, true, "keys", 0), 1);
	CU_ASSERT_EQUAL(vpn_health_esp(&h, 0, 0, 9, &ka), 0);
	CU_ASSERT_FALSE(ka);
	CU_ASSERT_EQUAL(vpn_health_esp(&h, 0, 0, 10, &ka), 0);
	CU_ASSERT_TRUE(ka); /* 10 s with nothing sent */
	CU_ASSERT_EQUAL(vpn_health_esp(&h, 0, 1, 11, &ka), 0);
	CU_ASSERT_FALSE(ka); /* the keepalive went out */
	CU_ASSERT_EQUAL(vpn_health_esp(&h, 0, 1, 20, &ka), 0);
	CU_ASSERT_FALSE(ka);
	CU_ASSERT_EQUAL(vpn_health_esp(&h, 0, 1, 21, &ka), 0);
	CU_ASSERT_TRUE(ka);
	CU_ASSERT_EQUAL(vpn_health_esp(&h, 0, 1, 30, NULL), 0);
	CU_ASSERT_TRUE(vpn_health_up(&h));
	CU_ASSERT_EQUAL(vpn_health_silent(&h, 31), 31);
	CU_ASSERT_EQUAL(vpn_health_esp(&h, 0, 1, 31, NULL), 1);
	CU_ASSERT_FALSE(vpn_health_up(&h));
	CU_ASSERT_STRING_EQUAL(vpn_health_why(&h),
	                       "no ESP for 30 s: dpd_timeout");
	CU_ASSERT_EQUAL(vpn_health_esp(&h, 0, 1, 40, NULL), 0); /* once */
	CU_ASSERT_EQUAL(h.changes, 2);
	CU_ASSERT_EQUAL(vpn_health_esp(&h, 3, 1, 41, NULL), 1);
	CU_ASSERT_TRUE(vpn_health_up(&h));
	CU_ASSERT_STRING_EQUAL(vpn_health_why(&h), "ESP received");
	CU_ASSERT_EQUAL(vpn_health_silent(&h, 41), 0);
	/* a new SA: counters start again, and so does the silence */
	CU_ASSERT_EQUAL(vpn_health_esp_reset(&h, 0, 0, 100), 0);
	CU_ASSERT_EQUAL(vpn_health_esp(&h, 0, 0, 125, NULL), 0);
	CU_ASSERT_TRUE(vpn_health_up(&h));
	/* silent, then attached again (admin down and up): ESP holds no
	 * more, the SA decides */
	CU_ASSERT_EQUAL(vpn_health_esp(&h, 0, 0, 200, NULL), 1);
	CU_ASSERT_FALSE(vpn_health_up(&h));
	CU_ASSERT_EQUAL(
	        vpn_health_set(&h, VPN_HEALTH_SA, false, "detached", 201), 0);
	CU_ASSERT_EQUAL(vpn_health_esp_reset(&h, 0, 0, 202), 0);
	CU_ASSERT_EQUAL(
	        vpn_health_set(&h, VPN_HEALTH_SA, true, "attached", 202), 1);
	CU_ASSERT_TRUE(vpn_health_up(&h));
	/* dpd_action none: silence never takes it down */
	h = tunnel(SRC(SA) | SRC(ESP), 0, 10);
	vpn_health_set(&h, VPN_HEALTH_SA, true, "keys", 0);
	CU_ASSERT_EQUAL(vpn_health_esp(&h, 0, 0, 1000, NULL), 0);
	CU_ASSERT_TRUE(vpn_health_up(&h));
}

/* Probes: down until probe_up answers in a row; probe_down misses in a
 * row take it down, a miss between answers does not. */
static void
test_health_probe(void)
{
	struct vpn_health h = tunnel(SRC(SA) | SRC(PROBE), 0, 0);

	vpn_health_set(&h, VPN_HEALTH_SA, true, "IKE", 0);
	CU_ASSERT_FALSE(vpn_health_up(&h));
	CU_ASSERT_STRING_EQUAL(h.hold[VPN_HEALTH_PROBE],
	                       "no health probe answered yet");
	CU_ASSERT_EQUAL(vpn_health_probe(&h, true, "answered", 1), 0);
	CU_ASSERT_EQUAL(vpn_health_probe(&h, true, "answered", 2), 1);
	CU_ASSERT_TRUE(vpn_health_up(&h));
	CU_ASSERT_EQUAL(vpn_health_probe(&h, false, "lost", 3), 0);
	CU_ASSERT_EQUAL(vpn_health_probe(&h, false, "lost", 4), 0);
	CU_ASSERT_EQUAL(vpn_health_probe(&h, true, "answered", 5), 0);
	CU_ASSERT_EQUAL(vpn_health_probe(&h, false, "lost", 6), 0);
	CU_ASSERT_EQUAL(vpn_health_probe(&h, false, "lost", 7), 0);
	CU_ASSERT_EQUAL(vpn_health_probe(&h, false, "3 probes lost", 8), 1);
	CU_ASSERT_FALSE(vpn_health_up(&h));
	CU_ASSERT_STRING_EQUAL(vpn_health_why(&h), "3 probes lost");
	CU_ASSERT_EQUAL(vpn_health_probe(&h, true, "answered", 9), 0);
	CU_ASSERT_EQUAL(vpn_health_probe(&h, false, "lost", 10), 0);
	CU_ASSERT_EQUAL(vpn_health_probe(&h, true, "answered", 11), 0);
	CU_ASSERT_EQUAL(vpn_health_probe(&h, true, "answered", 12), 1);
	CU_ASSERT_TRUE(vpn_health_up(&h));
}

/* Which tunnels traffic may use: the up ones; when none is, those that
 * probes alone hold down (fail open), never one without an SA or taken
 * down by hand. */
static void
test_health_usable(void)
{
	struct vpn_health t[2] = {tunnel(SRC(SA) | SRC(PROBE), 0, 0),
	                          tunnel(SRC(SA) | SRC(PROBE), 0, 0)};

	CU_ASSERT_EQUAL(vpn_health_usable(t, 2), 0); /* no SA yet */
	vpn_health_set(&t[0], VPN_HEALTH_SA, true, "IKE", 0);
	CU_ASSERT_EQUAL(vpn_health_usable(t, 2), 1); /* probes alone hold */
	vpn_health_set(&t[1], VPN_HEALTH_SA, true, "IKE", 0);
	CU_ASSERT_EQUAL(vpn_health_usable(t, 2), 3);
	vpn_health_probe(&t[1], true, "answered", 1);
	vpn_health_probe(&t[1], true, "answered", 2);
	CU_ASSERT_TRUE(vpn_health_up(&t[1]));
	CU_ASSERT_EQUAL(vpn_health_usable(t, 2), 2); /* the one answering */
	for (uint64_t now = 3; now < 6; now++)
		vpn_health_probe(&t[1], false, "lost", now);
	CU_ASSERT_FALSE(vpn_health_up(&t[1]));
	CU_ASSERT_EQUAL(vpn_health_usable(t, 2), 3); /* both failing */
	vpn_health_set(&t[1], VPN_HEALTH_SA, false, "deleted", 6);
	CU_ASSERT_EQUAL(vpn_health_usable(t, 2), 1);
	/* without probes, a tunnel down is down */
	{
		struct vpn_health u[2] = {tunnel(SRC(SA), 0, 0),
		                          tunnel(SRC(SA), 0, 0)};

		CU_ASSERT_EQUAL(vpn_health_usable(u, 2), 0);
		vpn_health_set(&u[1], VPN_HEALTH_SA, true, "IKE", 0);
		CU_ASSERT_EQUAL(vpn_health_usable(u, 2), 2);
	}
}

/* A configuration change: a source gained holds as at start (BGP not yet
 * up), a source lost holds no more. */
static void
test_health_reconfig(void)
{
	struct vpn_health h = tunnel(SRC(SA), 0, 0);
	struct vpn_health_params p = h.p;

	vpn_health_set(&h, VPN_HEALTH_SA, true, "IKE", 0);
	p.sources |= SRC(BGP);
	CU_ASSERT_EQUAL(vpn_health_reconfig(&h, &p, 1), 1);
	CU_ASSERT_FALSE(vpn_health_up(&h));
	CU_ASSERT_STRING_EQUAL(vpn_health_why(&h),
	                       "BGP session not established");
	CU_ASSERT_EQUAL(
	        vpn_health_set(&h, VPN_HEALTH_BGP, true, "BGP established", 2),
	        1);
	CU_ASSERT_EQUAL(vpn_health_set(&h, VPN_HEALTH_BGP, false,
	                               "BGP hold timer expired", 3),
	                1);
	p.sources &= ~SRC(BGP);
	CU_ASSERT_EQUAL(vpn_health_reconfig(&h, &p, 4), 1);
	CU_ASSERT_TRUE(vpn_health_up(&h));
	CU_ASSERT_STRING_EQUAL(vpn_health_why(&h), "configuration changed");
	p.probe_down = 0;
	p.sources |= SRC(PROBE);
	CU_ASSERT_EQUAL(vpn_health_reconfig(&h, &p, 5), -EINVAL);
	CU_ASSERT_TRUE(vpn_health_up(&h)); /* unchanged */
}

void register_health_tests(void);

void
register_health_tests(void)
{
	CU_pSuite s = CU_add_suite("health", NULL, NULL);

	CU_add_test(s, "health: parameters", test_health_params);
	CU_add_test(s, "health: admin and SA", test_health_admin_sa);
	CU_add_test(s, "health: the port's link", test_health_link);
	CU_add_test(s, "health: ESP silence and keepalives", test_health_esp);
	CU_add_test(s, "health: probes", test_health_probe);
	CU_add_test(s, "health: usable tunnels, failing open",
	            test_health_usable);
	CU_add_test(s, "health: reconfiguration", test_health_reconfig);
}
