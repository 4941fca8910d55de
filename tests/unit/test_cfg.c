/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration model's rules: for each, the valid boundaries load and
 * the invalid values fail with the right line. Configurations are built from
 * one template whose lines are fixed, so a test knows where its option sits:
 *
 *   line 11: options of tunnel 1, line 13: of tunnel 2,
 *   line  9: connection options, line 8: customer gateway options,
 *   line  6: appliance options, line 15: a second connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "vpn_cfg.h"

/* Manual keys: 20 and 32 bytes of hex, and a manual_keys group. */
#define K20 "000102030405060708090a0b0c0d0e0f10111213"
#define K32 K20 "1415161718191a1b1c1d1e1f"
#define MK(alg, extra)                                              \
	"manual_keys: { algorithm = \"" alg "\"; spi_in = 0x1000; " \
	"spi_out = 0x2000; " extra " };"

#define L_WORKERS 2
#define L_OUTSIDE 5
#define L_APPL    6
#define L_CGW     8
#define L_CONN    9
#define L_T1      11
#define L_T2      13
#define L_CONN2   15

#define TMPL                                                          \
	"appliance: {\n" /* 1 */                                      \
	"  %s\n"         /* 2 */                                      \
	"  exception_iface = \"vpngw0\"; "                            \
	"  ports = ( { name = \"o\"; role = \"outside\"; device = "   \
	"\"net_null0\"; },\n" /* 3 */                                 \
	"            { name = \"i\"; role = \"inside\"; device = "    \
	"\"net_null1\"; } );\n"                              /* 4 */  \
	"  %s\n"                                             /* 5 */  \
	"  %s\n"                                             /* 6 */  \
	"};\n"                                               /* 7 */  \
	"customer_gateways = ( { name = \"g\"; %s %s } );\n" /* 8 */  \
	"vpn_connections = ( { name = \"c\"; %s %s\n"        /* 9 */  \
	"  tunnels = ( {\n"                                  /* 10 */ \
	"  %s\n"                                             /* 11 */ \
	"  }, {\n"                                           /* 12 */ \
	"  %s\n"                                             /* 13 */ \
	"  } ); }\n"                                         /* 14 */ \
	"  %s\n"                                             /* 15 */ \
	");\n"                                               /* 16 */

/* Each part is text on its template line; a NULL *_base takes the
 * template's own. */
struct parts {
	const char *workers, *outside, *appl, *cgw_base, *cgw, *conn_base,
	        *conn, *t1, *t2, *conn2;
};

#define D(x, d) ((x) ? (x) : (d))

static struct vpn_diag diag;
static struct vpn_cfg *cfg;

static void
load_parts(struct parts p)
{
	char text[8192];

	vpn_cfg_free(cfg);
	vpn_diag_free(&diag);
	vpn_diag_init(&diag);
	snprintf(text, sizeof(text), TMPL, D(p.workers, "workers = [1];"),
	         D(p.outside, "outside_addresses = [\"203.0.113.1\", "
	                      "\"203.0.113.2\"];"),
	         D(p.appl, ""),
	         D(p.cgw_base, "address = \"192.0.2.1\"; bgp_asn = 65000;"),
	         D(p.cgw, ""),
	         D(p.conn_base, "customer_gateway = \"g\"; static_routes = "
	                        "[\"192.0.2.128/25\"];"),
	         D(p.conn, ""), D(p.t1, ""), D(p.t2, ""), D(p.conn2, ""));
	cfg = vpn_cfg_load_string(text, "t.conf", &diag);
}

/* Whether diag holds a message of severity sev at line whose text contains
 * what. */
static bool
has(enum vpn_severity sev, unsigned int line, const char *what)
{
	for (unsigned int i = 0; i < diag.n; i++)
		if (diag.msg[i].sev == sev && diag.msg[i].line == line &&
		    strstr(diag.msg[i].text, what) != NULL)
			return true;
	return false;
}

static void
dump(void)
{
	vpn_diag_print(&diag, stderr);
}

#define OK(...)                                          \
	do {                                             \
		load_parts((struct parts){__VA_ARGS__}); \
		if (cfg == NULL || diag.errors != 0)     \
			dump();                          \
		CU_ASSERT_PTR_NOT_NULL(cfg);             \
		CU_ASSERT_EQUAL(diag.errors, 0);         \
	} while (0)

#define FAILS_AT(line, what, ...)                                           \
	do {                                                                \
		load_parts((struct parts){__VA_ARGS__});                    \
		if (!has(VPN_DIAG_ERROR, line, what)) {                     \
			fprintf(stderr, "expected error at %d: %s\n", line, \
			        what);                                      \
			dump();                                             \
		}                                                           \
		CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, line, what));            \
	} while (0)

#define WARNS_AT(line, what, ...)                                  \
	do {                                                       \
		load_parts((struct parts){__VA_ARGS__});           \
		if (!has(VPN_DIAG_WARNING, line, what))            \
			dump();                                    \
		CU_ASSERT_TRUE(has(VPN_DIAG_WARNING, line, what)); \
		CU_ASSERT_EQUAL(diag.errors, 0);                   \
	} while (0)

/* ---- the template itself ---------------------------------------------- */

static void
test_base_is_valid(void)
{
	OK(0);
	CU_ASSERT_EQUAL(diag.warnings, 0);
	CU_ASSERT_EQUAL(cfg->n_conns, 1);
	CU_ASSERT_EQUAL(cfg->conns[0].cgw, 0);
	/* AWS defaults */
	struct vpn_cfg_tunnel *t = &cfg->conns[0].tunnels[0];
	CU_ASSERT_EQUAL(t->phase1_lifetime, 28800);
	CU_ASSERT_EQUAL(t->phase2_lifetime, 3600);
	CU_ASSERT_EQUAL(t->rekey_margin, 540);
	CU_ASSERT_EQUAL(t->rekey_fuzz, 100);
	CU_ASSERT_EQUAL(t->replay_window, 1024);
	CU_ASSERT_EQUAL(t->dpd_timeout, 30);
	CU_ASSERT_EQUAL(t->dpd_action, VPN_DPD_CLEAR);
	CU_ASSERT_EQUAL(t->startup_action, VPN_STARTUP_ADD);
	CU_ASSERT_EQUAL(t->ike_versions, VPN_IKEV2);
	CU_ASSERT_EQUAL(t->phase1_encryption, 0xf);
	CU_ASSERT_EQUAL(t->phase2_integrity, 0xf);
	CU_ASSERT_EQUAL(t->phase1_dh_groups, VPN_DH_PHASE1_ALLOWED);
	CU_ASSERT_EQUAL(t->phase2_dh_groups, VPN_DH_PHASE2_ALLOWED);
	CU_ASSERT_EQUAL(cfg->conns[0].steering, VPN_STEER_ACTIVE_STANDBY);
	CU_ASSERT_EQUAL(cfg->conns[0].attachment, VPN_ATTACH_VGW);
	CU_ASSERT_EQUAL(cfg->appliance.bgp_asn, 64512);
	/* tunnel N takes the appliance's Nth outside address */
	CU_ASSERT_EQUAL(cfg->conns[0].tunnels[0].outside_address, 0xcb007101);
	CU_ASSERT_EQUAL(cfg->conns[0].tunnels[1].outside_address, 0xcb007102);
}

/* ---- per-tunnel ranges -------------------------------------------------- */

static void
test_phase1_lifetime(void)
{
	OK(.t1 = "phase1_lifetime = 28800;");
	OK(.t1 = "phase1_lifetime = 3601;");
	FAILS_AT(L_T1, "900 to 28800", .t1 = "phase1_lifetime = 899;");
	FAILS_AT(L_T1, "900 to 28800", .t1 = "phase1_lifetime = 28801;");
	FAILS_AT(L_T1, "must be a number", .t1 = "phase1_lifetime = \"900\";");
}

static void
test_phase2_lifetime(void)
{
	OK(.t1 = "phase2_lifetime = 900; rekey_margin = 450;");
	OK(.t2 = "phase2_lifetime = 3600;");
	FAILS_AT(L_T1, "900 to 3600", .t1 = "phase2_lifetime = 899;");
	FAILS_AT(L_T2, "900 to 3600", .t2 = "phase2_lifetime = 3601;");
	/* below phase 1 */
	OK(.t1 = "phase1_lifetime = 1000; phase2_lifetime = 999; "
	         "rekey_margin = 60;");
	FAILS_AT(L_T1, "below phase1_lifetime",
	         .t1 = "phase1_lifetime = 1000; phase2_lifetime = 1000;");
	FAILS_AT(L_T1, "below phase1_lifetime",
	         .t1 = "phase1_lifetime = 900; phase2_lifetime = 900;");
}

static void
test_rekey_margin(void)
{
	OK(.t1 = "rekey_margin = 60;");
	OK(.t1 = "rekey_margin = 1800;");
	FAILS_AT(L_T1, "60 to 1800", .t1 = "rekey_margin = 59;");
	FAILS_AT(L_T1, "60 to 1800", .t1 = "rekey_margin = 1801;");
	/* at most half of phase 2 */
	OK(.t1 = "phase2_lifetime = 1000; rekey_margin = 500;");
	FAILS_AT(L_T1, "at most half",
	         .t1 = "phase2_lifetime = 1000; rekey_margin = 501;");
}

static void
test_rekey_fuzz(void)
{
	OK(.t1 = "rekey_fuzz = 0;");
	OK(.t1 = "rekey_fuzz = 100;");
	FAILS_AT(L_T1, "0 to 100", .t1 = "rekey_fuzz = -1;");
	FAILS_AT(L_T1, "0 to 100", .t1 = "rekey_fuzz = 101;");
}

static void
test_replay_window(void)
{
	OK(.t1 = "replay_window = 64;");
	OK(.t2 = "replay_window = 2048;");
	FAILS_AT(L_T1, "64 to 2048", .t1 = "replay_window = 63;");
	FAILS_AT(L_T2, "64 to 2048", .t2 = "replay_window = 2049;");
}

static void
test_lab_lifetimes(void)
{
	/* Below AWS's minimums only as lab settings, warned about. */
	WARNS_AT(L_T1, "LAB setting",
	         .t1 = "lab_phase1_lifetime = 60; lab_phase2_lifetime = 12; "
	               "lab_rekey_margin = 3;");
	CU_ASSERT_EQUAL(cfg->conns[0].tunnels[0].lab_phase2_lifetime, 12);
	CU_ASSERT_EQUAL(cfg->conns[0].tunnels[1].lab_phase2_lifetime, 0);
	FAILS_AT(L_T1, "5 to 3600", .t1 = "lab_phase2_lifetime = 4;");
	FAILS_AT(L_T1, "must be below the IKE SA's",
	         .t1 = "lab_phase1_lifetime = 20; lab_phase2_lifetime = 20;");
	/* With AWS's own phase 1 lifetime: fine; a margin too big: not. */
	WARNS_AT(L_T1, "LAB setting",
	         .t1 = "lab_phase2_lifetime = 10; lab_rekey_margin = 2;");
	FAILS_AT(L_T1, "at most half of the Child SA lifetime",
	         .t1 = "lab_phase2_lifetime = 10; lab_rekey_margin = 6;");
	FAILS_AT(L_T1, "at most half of the Child SA lifetime",
	         .t1 = "lab_phase2_lifetime = 10;"); /* AWS's margin: 540 */
}

static void
test_dpd(void)
{
	OK(.t1 = "dpd_timeout = 30;");
	OK(.t1 = "dpd_timeout = 86400;");
	FAILS_AT(L_T1, "30 to", .t1 = "dpd_timeout = 29;");
	OK(.t1 = "dpd_action = \"clear\";");
	OK(.t1 = "dpd_action = \"none\";");
	OK(.t1 = "dpd_action = \"restart\";");
	FAILS_AT(L_T1, "unknown value 'reset'",
	         .t1 = "dpd_action = \"reset\";");
	FAILS_AT(L_T1, "must be a string", .t1 = "dpd_action = 1;");
}

static void
test_startup_action(void)
{
	OK(.t1 = "startup_action = \"add\";");
	OK(.t1 = "startup_action = \"start\";");
	FAILS_AT(L_T1, "unknown value", .t1 = "startup_action = \"go\";");
}

/* A tunnel administratively down in the file; enabled by default. */
static void
test_enabled(void)
{
	OK(0);
	CU_ASSERT_TRUE(cfg->conns[0].tunnels[0].enabled);
	CU_ASSERT_TRUE(cfg->conns[0].tunnels[1].enabled);
	OK(.t1 = "enabled = false;");
	CU_ASSERT_FALSE(cfg->conns[0].tunnels[0].enabled);
	CU_ASSERT_TRUE(cfg->conns[0].tunnels[1].enabled);
	FAILS_AT(L_T1, "enabled", .t1 = "enabled = \"no\";");
}

static void
test_inside_cidr(void)
{
	OK(.t1 = "inside_cidr = \"169.254.6.0/30\";");
	OK(.t1 = "inside_cidr = \"169.254.255.252/30\";");
	OK(.t1 = "inside_cidr = \"169.254.169.248/30\";");
	/* the six reserved /30s and 169.254.169.252/30 */
	FAILS_AT(L_T1, "reserved", .t1 = "inside_cidr = \"169.254.0.0/30\";");
	FAILS_AT(L_T1, "reserved", .t1 = "inside_cidr = \"169.254.3.0/30\";");
	FAILS_AT(L_T1, "reserved", .t1 = "inside_cidr = \"169.254.5.0/30\";");
	FAILS_AT(L_T1, "reserved",
	         .t1 = "inside_cidr = \"169.254.169.252/30\";");
	/* /30 in 169.254/16 only */
	FAILS_AT(L_T1, "a /30 in 169.254.0.0/16",
	         .t1 = "inside_cidr = \"169.254.10.0/29\";");
	FAILS_AT(L_T1, "a /30 in 169.254.0.0/16",
	         .t1 = "inside_cidr = \"198.51.100.0/30\";");
	FAILS_AT(L_T1, "host bits", .t1 = "inside_cidr = \"169.254.10.1/30\";");
	FAILS_AT(L_T1, "not an address/length",
	         .t1 = "inside_cidr = \"169.254.10.0\";");
	/* unique: within a connection and across connections */
	FAILS_AT(L_T2, "also used by tunnel 1 of connection 'c'",
	         .t1 = "inside_cidr = \"169.254.10.0/30\";",
	         .t2 = "inside_cidr = \"169.254.10.0/30\";");
	FAILS_AT(L_CONN2, "also used by tunnel 1 of connection 'c'",
	         .outside =
	                 "outside_addresses = [\"203.0.113.1\", "
	                 "\"203.0.113.2\", \"203.0.113.3\", \"203.0.113.4\"];",
	         .t1 = "inside_cidr = \"169.254.10.0/30\";",
	         .conn2 = ", { name = \"c2\"; customer_gateway = \"g\"; "
	                  "static_routes = [\"192.0.2.0/25\"]; tunnels = ( { "
	                  "outside_address = \"203.0.113.3\"; inside_cidr = "
	                  "\"169.254.10.0/30\"; }, { outside_address = "
	                  "\"203.0.113.4\"; } ); }");
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static void
test_psk(void)
{
	char psk[128];

	OK(.t1 = "psk = \"abcdefgh\";");
	/* 64 and 65 characters */
	snprintf(psk, sizeof(psk), "psk = \"A.b_%.60s\";", ALNUM ALNUM);
	OK(.t1 = psk);
	CU_ASSERT_EQUAL(strlen(cfg->conns[0].tunnels[0].psk), 64);
	snprintf(psk, sizeof(psk), "psk = \"A.b_%.61s\";", ALNUM ALNUM);
	FAILS_AT(L_T1, "8 to 64 characters long, not 65", .t1 = psk);
	OK(.t1 = "psk = \"a0000000\";");
	FAILS_AT(L_T1, "8 to 64", .t1 = "psk = \"abcdefg\";");
	FAILS_AT(L_T1, "character 5", .t1 = "psk = \"abcd-efgh\";");
	FAILS_AT(L_T1, "character 1", .t1 = "psk = \" abcdefgh\";");
	FAILS_AT(L_T1, "must not start with '0'", .t1 = "psk = \"0abcdefgh\";");
}

static void
test_algorithms(void)
{
	OK(.t1 = "phase1_encryption = [\"AES128\"];");
	OK(.t1 = "phase1_encryption = [\"AES256\", \"AES128-GCM-16\", "
	         "\"AES256-GCM-16\"];");
	OK(.t1 = "phase2_encryption = \"aes256-gcm-16\";");
	CU_ASSERT_EQUAL(cfg->conns[0].tunnels[0].phase2_encryption,
	                VPN_ENC_AES256_GCM16);
	FAILS_AT(L_T1, "unknown value 'AES192'",
	         .t1 = "phase1_encryption = [\"AES192\"];");
	FAILS_AT(L_T1, "must not be empty", .t1 = "phase2_encryption = [];");
	OK(.t1 = "phase1_integrity = [\"SHA1\", \"SHA2-256\", \"SHA2-384\", "
	         "\"SHA2-512\"];");
	FAILS_AT(L_T1, "unknown value 'MD5'",
	         .t1 = "phase2_integrity = [\"MD5\"];");
	FAILS_AT(L_T1, "list of strings", .t1 = "phase2_integrity = [1];");
}

static void
test_dh_groups(void)
{
	OK(.t1 = "phase1_dh_groups = [2, 14, 15, 16, 17, 18, 19, 20, 21, 22, "
	         "23, 24];");
	OK(.t1 = "phase2_dh_groups = [2, 5, 14, 24];");
	OK(.t1 = "phase1_dh_groups = 19;");
	CU_ASSERT_EQUAL(cfg->conns[0].tunnels[0].phase1_dh_groups, VPN_DH(19));
	FAILS_AT(L_T1, "5 is not an allowed DH group",
	         .t1 = "phase1_dh_groups = [5];");
	FAILS_AT(L_T1, "13 is not an allowed",
	         .t1 = "phase1_dh_groups = [13];");
	FAILS_AT(L_T1, "25 is not an allowed",
	         .t1 = "phase2_dh_groups = [25];");
	FAILS_AT(L_T1, "1 is not an allowed", .t1 = "phase2_dh_groups = [1];");
	FAILS_AT(L_T1, "list of numbers", .t1 = "phase2_dh_groups = [\"14\"];");
}

static void
test_ike_versions(void)
{
	OK(.t1 = "ike_versions = [\"ikev2\"];");
	FAILS_AT(L_T1, "IKEv1 is not supported",
	         .t1 = "ike_versions = [\"ikev1\", \"ikev2\"];");
	FAILS_AT(L_T1, "IKEv1 is not supported",
	         .t1 = "ike_versions = \"IKEv1\";");
}

/* ---- connection rules --------------------------------------------------- */

static void
test_acceleration(void)
{
	OK(.conn = "attachment = \"tgw\"; acceleration = true;");
	OK(.conn = "acceleration = false;");
	FAILS_AT(L_CONN, "acceleration needs attachment \"tgw\"",
	         .conn = "acceleration = true;");
	FAILS_AT(L_CONN, "true or false", .conn = "acceleration = \"yes\";");
}

static void
test_bgp(void)
{
	static const char *const g_only = "customer_gateway = \"g\";";

	OK(.conn_base = g_only, .conn = "routing = \"bgp\";");
	FAILS_AT(L_CONN, "static_routes need routing \"static\"",
	         .conn = "routing = \"bgp\";");
	static const char *reserved[] = {"7224",       "9059",  "10124",
	                                 "17943",      "23456", "65535",
	                                 "4294967295L"};
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		char cgw[64];

		/* a second bgp_asn is a libconfig duplicate: use a 2nd CGW */
		snprintf(cgw, sizeof(cgw),
		         "}, { name = \"g2\"; address = \"192.0.2.2\"; "
		         "bgp_asn = %s;",
		         reserved[i]);
		FAILS_AT(L_CGW, "is reserved", .cgw = cgw);
	}
	/* 4-octet ASNs: libconfig wants an L past 2^31 */
	OK(.cgw = "}, { name = \"g2\"; address = \"192.0.2.2\"; bgp_asn = "
	          "4200000000L;");
	CU_ASSERT_EQUAL(cfg->cgws[1].bgp_asn, 4200000000LL);
	FAILS_AT(L_CGW, "with an L suffix",
	         .cgw = "}, { name = \"g2\"; address = \"192.0.2.2\"; "
	                "bgp_asn = 4200000000;");
	FAILS_AT(L_CONN, "our own ASN", .appl = "bgp_asn = 65000;",
	         .conn_base = g_only, .conn = "routing = \"bgp\";");
	FAILS_AT(L_APPL, "reserved", .appl = "bgp_asn = 7224;");
}

/* Health checks: a target the tunnels may carry probes to. */
static void
test_health_check(void)
{
	OK(.conn = "health_check_target = \"192.0.2.130\"; "
	           "health_check_interval = 200;");
	CU_ASSERT_EQUAL(cfg->conns[0].health_check_target, 0xc0000282u);
	CU_ASSERT_EQUAL(cfg->conns[0].health_check_interval, 200);
	CU_ASSERT_EQUAL(cfg->conns[0].health_check_threshold, 3);
	CU_ASSERT_TRUE(vpn_cfg_uses_inside(&cfg->conns[0]));
	OK();
	CU_ASSERT_EQUAL(cfg->conns[0].health_check_target, 0);
	CU_ASSERT_FALSE(vpn_cfg_uses_inside(&cfg->conns[0]));
	FAILS_AT(L_CONN,
	         "health_check_target 203.0.113.9 is outside "
	         "remote_networks",
	         .conn = "health_check_target = \"203.0.113.9\"; "
	                 "remote_networks = [\"192.0.2.0/24\"];");
	FAILS_AT(L_CONN, "health_check_threshold must be 1 to 10",
	         .conn = "health_check_threshold = 0;");
}

static void
test_bgp_needs_asn(void)
{
	FAILS_AT(L_CONN, "needs a bgp_asn on customer gateway 'g3'",
	         .cgw = "}, { name = \"g3\"; address = \"192.0.2.3\";",
	         .conn_base = "customer_gateway = \"g3\";",
	         .conn = "routing = \"bgp\";");
}

static void
test_static_routes(void)
{
	WARNS_AT(L_CONN, "no static_routes",
	         .conn_base = "customer_gateway = \"g\";");
	WARNS_AT(L_CONN, "outside remote_networks",
	         .conn = "remote_networks = [\"192.0.2.0/25\"];");
	FAILS_AT(L_CONN, "host bits",
	         .conn_base = "customer_gateway = \"g\"; static_routes = "
	                      "[\"192.0.2.1/25\"];");
	FAILS_AT(L_CONN, "twice",
	         .conn_base = "customer_gateway = \"g\"; static_routes = "
	                      "[\"192.0.2.0/25\", \"192.0.2.0/25\"];");
}

static void
test_overlaps(void)
{
	WARNS_AT(L_CONN,
	         "remote network 198.51.100.0/25 of 'c' overlaps local "
	         "network 198.51.100.0/24 of 'c'",
	         .conn = "local_networks = [\"198.51.100.0/24\"]; "
	                 "remote_networks = [\"198.51.100.0/25\", "
	                 "\"192.0.2.0/24\"];");
	WARNS_AT(L_CONN, "overlaps inside network 198.51.100.0/24",
	         .appl = "inside_networks = [\"198.51.100.0/24\"];",
	         .conn = "remote_networks = [\"198.51.100.0/26\", "
	                 "\"192.0.2.0/24\"];");
	/* across connections */
	WARNS_AT(L_CONN2,
	         "static route 192.0.2.192/26 of 'c2' overlaps static route "
	         "192.0.2.128/25 of 'c'",
	         .outside =
	                 "outside_addresses = [\"203.0.113.1\", "
	                 "\"203.0.113.2\", \"203.0.113.3\", \"203.0.113.4\"];",
	         .conn2 = ", { name = \"c2\"; customer_gateway = \"g\"; "
	                  "static_routes = [\"192.0.2.192/26\"]; tunnels = ( { "
	                  "outside_address = \"203.0.113.3\"; }, { "
	                  "outside_address = \"203.0.113.4\"; } ); }");
	/* 0.0.0.0/0 selectors are "any", not an overlap */
	load_parts((struct parts){.conn = "local_networks = [\"0.0.0.0/0\"];"});
	CU_ASSERT_EQUAL(diag.warnings, 0);
	/* neighbours, nested and disjoint networks (c has 192.0.2.128/25):
	 * exactly the one pair where one holds the other */
	WARNS_AT(L_CONN2,
	         "static route 192.0.2.160/27 of 'c2' overlaps static route "
	         "192.0.2.128/25 of 'c'",
	         .outside =
	                 "outside_addresses = [\"203.0.113.1\", "
	                 "\"203.0.113.2\", \"203.0.113.3\", \"203.0.113.4\"];",
	         .conn2 = ", { name = \"c2\"; customer_gateway = \"g\"; "
	                  "static_routes = [\"192.0.2.0/26\", "
	                  "\"192.0.2.160/27\", \"192.0.2.64/26\"]; tunnels "
	                  "= ( { outside_address = \"203.0.113.3\"; }, { "
	                  "outside_address = \"203.0.113.4\"; } ); }");
	CU_ASSERT_EQUAL(diag.warnings, 1);
}

static void
test_two_tunnels(void)
{
	char text[2048];

	snprintf(
	        text, sizeof(text),
	        "appliance: { ports = ( { name = \"o\"; role = \"outside\"; "
	        "device = \"net_null0\"; }, { name = \"i\"; role = \"inside\"; "
	        "device = \"net_null1\"; } );\n"
	        "outside_addresses = [\"203.0.113.1\", \"203.0.113.2\"]; };\n"
	        "customer_gateways = ( { name = \"g\"; address = "
	        "\"192.0.2.1\"; "
	        "} );\n"
	        "vpn_connections = ( { name = \"c\"; customer_gateway = "
	        "\"g\";\n"
	        "tunnels = ( { } ); } );\n");
	vpn_cfg_free(cfg);
	vpn_diag_free(&diag);
	cfg = vpn_cfg_load_string(text, "t.conf", &diag);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 5, "exactly 2 tunnels, not 1"));
	FAILS_AT(10, "exactly 2 tunnels, not 3", .t2 = "}, {");
}

static void
test_outside_addresses(void)
{
	FAILS_AT(L_T1, "not one of the appliance's outside_addresses",
	         .t1 = "outside_address = \"203.0.113.9\";");
	FAILS_AT(L_T2, "both use outside address 203.0.113.1",
	         .t2 = "outside_address = \"203.0.113.1\";");
	FAILS_AT(L_T2 - 1, "both use outside address",
	         .outside = "outside_addresses = [\"203.0.113.1\"];");
	/* playing the CGW: one address of ours to two of the peer's */
	OK(.outside = "outside_addresses = [\"203.0.113.1\"];",
	   .t1 = "remote_address = \"192.0.2.1\";",
	   .t2 = "remote_address = \"192.0.2.11\";");
	CU_ASSERT_EQUAL(cfg->conns[0].tunnels[1].remote_address, 0xc000020b);
	CU_ASSERT_EQUAL(cfg->conns[0].tunnels[0].outside_address,
	                cfg->conns[0].tunnels[1].outside_address);
	FAILS_AT(L_T1, "remote address 127.0.0.1 is not a unicast address",
	         .t1 = "remote_address = \"127.0.0.1\";");
	FAILS_AT(L_OUTSIDE, "not a unicast address",
	         .outside = "outside_addresses = [\"203.0.113.1\", "
	                    "\"169.254.1.1\"];");
	FAILS_AT(L_OUTSIDE, "twice",
	         .outside = "outside_addresses = [\"203.0.113.1\", "
	                    "\"203.0.113.1\"];");
	FAILS_AT(1, "need outside_addresses", .outside = "");
	/* two connections to one CGW address over the same outside address */
	FAILS_AT(L_CONN2, "IKE can't tell them apart",
	         .conn2 = ", { name = \"c2\"; customer_gateway = \"g\"; "
	                  "static_routes = [\"192.0.2.0/26\"]; }");
	/* ... which manual SAs can (their SPIs tell them apart): the
	 * benchmarks' 1000 tunnels to one CGW */
#define MK2(spi)                                                           \
	"{ manual_keys: { algorithm = \"aes128gcm16\"; spi_in = " spi "; " \
	"spi_out = 0x2000; key_in = \"" K20 "\"; key_out = \"" K20 "\"; }; }"
	OK(.t1 = MK("aes128gcm16",
	            "key_in = \"" K20 "\"; key_out = \"" K20 "\";"),
	   .t2 = "manual_keys: { algorithm = \"aes128gcm16\"; spi_in = 0x1001; "
	         "spi_out = 0x2001; key_in = \"" K20 "\"; key_out = \"" K20
	         "\"; };",
	   .conn2 = ", { name = \"c2\"; customer_gateway = \"g\"; "
	            "static_routes = [\"192.0.2.0/26\"]; tunnels = ( " MK2(
	                    "0x1002") ", " MK2("0x1003") " ); }");
#undef MK2
}

static void
test_certificates(void)
{
	static const char pki[] =
	        "pki: { ca = \"/etc/vpngw/ca.pem\"; certificate = "
	        "\"/etc/vpngw/me.pem\"; private_key = \"/etc/vpngw/me.key\"; "
	        "};";
	static const char cert_cgw[] =
	        "}, { name = \"gc\"; bgp_asn = 65001; authentication = "
	        "\"certificate\"; certificate_identity = \"CN=gc\";";
	static const char use_gc[] = "customer_gateway = \"gc\"; static_routes "
	                             "= [\"192.0.2.0/26\"];";

	/* certificate auth may omit the address */
	OK(.appl = pki, .cgw = cert_cgw, .conn_base = use_gc);
	FAILS_AT(L_CGW, "only certificate authentication may omit it",
	         .cgw = "}, { name = \"g2\";");
	FAILS_AT(
	        L_CGW, "needs the customer gateway's certificate_identity",
	        .appl = pki,
	        .cgw = "}, { name = \"gc\"; authentication = \"certificate\";");
	FAILS_AT(L_CGW, "needs appliance.pki", .cgw = cert_cgw);
	FAILS_AT(L_T1, "a psk is not used", .appl = pki, .cgw = cert_cgw,
	         .conn_base = use_gc, .t1 = "psk = \"abcdefgh\";");
	FAILS_AT(L_T1, "startup_action start needs", .appl = pki,
	         .cgw = cert_cgw, .conn_base = use_gc,
	         .t1 = "startup_action = \"start\";");
	WARNS_AT(L_CGW, "not used with psk",
	         .cgw = "certificate_identity = \"CN=x\";");
	FAILS_AT(L_APPL + 0, "both certificate and private_key",
	         .appl = "pki: { certificate = \"/etc/vpngw/me.pem\"; };");
	FAILS_AT(L_APPL, "absolute path", .appl = "pki: { ca = \"ca.pem\"; };");
}

static void
test_console(void)
{
	OK(.appl = "console: { listen = \"127.0.0.1:2424\"; };");
	FAILS_AT(L_APPL, "without a password_hash",
	         .appl = "console: { listen = \"203.0.113.1:2323\"; };");
	OK(.appl = "console: { listen = \"203.0.113.1:2323\"; password_hash = "
	           "\"$6$saltsalt$0123456789abcdef\"; };");
	FAILS_AT(L_APPL, "not a password",
	         .appl = "console: { password_hash = \"hunter22\"; };");
	FAILS_AT(L_APPL, "ADDRESS:PORT",
	         .appl = "console: { listen = \"x\"; };");
	FAILS_AT(L_APPL, "port 1-65535",
	         .appl = "console: { listen = \"127.0.0.1:0\"; };");
	FAILS_AT(L_APPL, "1 to 64", .appl = "console: { max_sessions = 0; };");
	/* The metrics endpoint has no login: loopback only. */
	OK(.appl = "metrics_listen = \"127.0.0.1:9464\";");
	CU_ASSERT_EQUAL(cfg->appliance.metrics_port, 9464);
	OK();
	CU_ASSERT_EQUAL(cfg->appliance.metrics_port, 0);
	FAILS_AT(L_APPL, "not on loopback",
	         .appl = "metrics_listen = \"203.0.113.1:9464\";");
	FAILS_AT(L_APPL, "5 to 600",
	         .appl = "console: { login_timeout = 2; };");
}

static void
test_appliance(void)
{
	FAILS_AT(2, "is the control lcore", .appl = "control_lcore = 1;");
	FAILS_AT(L_WORKERS, "at least one worker", .workers = "workers = [];");
	FAILS_AT(L_WORKERS, "lists 1 twice", .workers = "workers = [1, 1];");
	FAILS_AT(L_WORKERS, "0 to 127", .workers = "workers = [128];");
	FAILS_AT(L_APPL, "absolute path", .appl = "state_dir = \"var\";");
	FAILS_AT(L_APPL, "may only use letters", .appl = "name = \"a b\";");
}

static void
test_ports(void)
{
	char text[1024];

	snprintf(text, sizeof(text),
	         "appliance: { workers = [1];\n"
	         "ports = ( { name = \"o\"; role = \"outside\"; device = "
	         "\"0000:03:00.0\"; queues = 2; },\n"
	         "{ name = \"o\"; role = \"inside\"; device = \"eth0\"; },\n"
	         "{ name = \"x\"; role = \"inside\"; device = \"03:00.1\"; },\n"
	         "{ role = \"sideways\"; } );\n"
	         "};\n");
	vpn_cfg_free(cfg);
	vpn_diag_free(&diag);
	cfg = vpn_cfg_load_string(text, "t.conf", &diag);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 2, "only 1 workers"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 3, "port name 'o' is used twice"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 3, "neither a PCI address"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 5, "unknown value 'sideways'"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 5, "port has no name"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 5, "port has no device"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 1,
	                   "one inside port and one to 4 outside ports"));
	/* a bad role is reported once: not also as a missing one */
	CU_ASSERT_FALSE(has(VPN_DIAG_ERROR, 5, "port has no role"));
	CU_ASSERT_TRUE(vpn_device_is_pci("0000:03:00.0"));
	CU_ASSERT_TRUE(vpn_device_is_pci("03:00.1"));
	CU_ASSERT_FALSE(vpn_device_is_pci("0000:03:00"));
	CU_ASSERT_FALSE(vpn_device_is_pci("net_null0"));
}

/* Several outside ports (an uplink per tunnel): each outside address
 * leaves by the port that has it or whose subnet holds it. */
static void
test_outside_ports(void)
{
	static const char head[] =
	        "appliance: {\n"
	        "  workers = [1];\n"
	        "  ports = ( { name = \"up1\"; role = \"outside\"; device = "
	        "\"net_null0\"; address = \"203.0.113.1/26\"; },\n"
	        "    { name = \"up2\"; role = \"outside\"; device = "
	        "\"net_null1\"; address = \"203.0.113.65/26\"; },\n"
	        "    { name = \"in\"; role = \"inside\"; device = "
	        "\"net_null2\"; address = \"198.51.100.1/24\"; } );\n";
	char text[1024];

	snprintf(text, sizeof(text), "%s%s", head,
	         "  outside_addresses = [\"203.0.113.1\", \"203.0.113.70\"];"
	         "\n};\n");
	vpn_cfg_free(cfg);
	vpn_diag_free(&diag);
	vpn_diag_init(&diag);
	cfg = vpn_cfg_load_string(text, "t.conf", &diag);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	if (diag.errors != 0)
		dump();
	CU_ASSERT_EQUAL(diag.errors, 0);
	CU_ASSERT_EQUAL(vpn_cfg_outside_port(&cfg->appliance, 0xCB007101), 0);
	CU_ASSERT_EQUAL(vpn_cfg_outside_port(&cfg->appliance, 0xCB007146), 1);
	CU_ASSERT_EQUAL(vpn_cfg_outside_port(&cfg->appliance, 0xCB007141), 1);
	CU_ASSERT_EQUAL(vpn_cfg_outside_port(&cfg->appliance, 0xCB0071C1), -1);
	/* an address on neither port's subnet */
	snprintf(text, sizeof(text), "%s%s", head,
	         "  outside_addresses = [\"203.0.113.1\", "
	         "\"203.0.113.200\"];\n};\n");
	vpn_cfg_free(cfg);
	vpn_diag_free(&diag);
	vpn_diag_init(&diag);
	cfg = vpn_cfg_load_string(text, "t.conf", &diag);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 6,
	                   "outside address 203.0.113.200 is on no outside "
	                   "port's subnet"));
}

/* ---- loader behaviour ---------------------------------------------------- */

static void
test_unknown_options(void)
{
	FAILS_AT(L_T1,
	         "unknown tunnel option 'phase1_lifetim' (did you mean "
	         "'phase1_lifetime'?)",
	         .t1 = "phase1_lifetim = 900;");
	FAILS_AT(L_CONN, "unknown connection option 'steer'",
	         .conn = "steer = \"active-active\";");
	FAILS_AT(L_CGW, "unknown customer gateway option 'asn'",
	         .cgw = "asn = 1;");
	FAILS_AT(L_APPL,
	         "unknown appliance option 'consol' (did you mean "
	         "'console'?)",
	         .appl = "consol: { };");
	FAILS_AT(L_CONN2, "unknown top-level setting 'extra'",
	         .conn2 = "); extra = 1; x = (");
}

static void
test_all_errors_reported(void)
{
	load_parts((struct parts){.t1 = "replay_window = 1; rekey_fuzz = 200;",
	                          .t2 = "dpd_timeout = 1;",
	                          .conn = "steering = \"random\";"});
	CU_ASSERT_EQUAL(diag.errors, 4);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, L_T1, "replay_window"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, L_T1, "rekey_fuzz"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, L_T2, "dpd_timeout"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, L_CONN, "steering"));
}

static void
test_names(void)
{
	FAILS_AT(L_CONN2, "name 'c' is used twice",
	         .outside =
	                 "outside_addresses = [\"203.0.113.1\", "
	                 "\"203.0.113.2\", \"203.0.113.3\", \"203.0.113.4\"];",
	         .conn2 = ", { name = \"c\"; customer_gateway = \"g\"; "
	                  "static_routes = [\"192.0.2.0/26\"]; tunnels = ( { "
	                  "outside_address = \"203.0.113.3\"; }, { "
	                  "outside_address = \"203.0.113.4\"; } ); }");
	FAILS_AT(L_CONN, "no customer gateway named 'nope'",
	         .conn_base = "customer_gateway = \"nope\";");
	FAILS_AT(L_CONN, "connection has no customer_gateway", .conn_base = "");
	FAILS_AT(L_CGW, "may only use letters",
	         .cgw = "}, { name = \"bad name\"; address = \"192.0.2.9\";");
	FAILS_AT(L_CGW, "customer gateway name 'g' is used twice",
	         .cgw = "}, { name = \"g\"; address = \"192.0.2.9\";");
}

static void
test_syntax_error(void)
{
	load_parts((struct parts){.t1 = "phase1_lifetime = ;"});
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, L_T1, "syntax"));
	vpn_diag_free(&diag);
	cfg = vpn_cfg_load("/nonexistent/vpngw.conf", &diag);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 0, "cannot read"));

	/* @include would read any file (and libconfig 1.5 exits the process
	 * on some): refused, each at its line. */
	vpn_diag_free(&diag);
	cfg = vpn_cfg_load_string(
	        "appliance: { };\n  @include \"/etc/passwd\"\n"
	        "@include \".\"\n",
	        "t.conf", &diag);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 2, "@include is not supported"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 3, "@include is not supported"));

	/* A NUL byte, and a file too large */
	char path[] = "/tmp/vpngw-test-cfg-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	fwrite("appliance: {\0};\n", 1, 17, f);
	fclose(f);
	vpn_diag_free(&diag);
	cfg = vpn_cfg_load(path, &diag);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 0, "NUL byte"));
	f = fopen(path, "w");
	for (int i = 0; i < (VPN_CFG_MAX_SIZE / 64) + 1; i++)
		fprintf(f, "%63s\n", "# padding");
	fclose(f);
	vpn_diag_free(&diag);
	cfg = vpn_cfg_load(path, &diag);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 0, "larger than"));
	unlink(path);
}

/* Static routes of all connections together: VPN_MAX_STATIC_ROUTES at
 * most (each goes on the TAP too); the connection that crosses it is
 * named at its line, and the ones before it pass. */
static void
test_static_route_total(void)
{
	enum { PER = 100, CONNS = VPN_MAX_STATIC_ROUTES / PER + 1 };
	size_t cap = (size_t)CONNS * (PER * 22 + 600) + 1024, len = 0;
	char *text = malloc(cap);
	unsigned int g = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	len += (size_t)snprintf(
	        text + len, cap - len,
	        "appliance: { workers = [1]; ports = ( { name = \"o\"; "
	        "role = \"outside\"; device = \"net_null0\"; }, { name = "
	        "\"i\"; role = \"inside\"; device = \"net_null1\"; } ); "
	        "outside_addresses = [\"203.0.113.1\", \"203.0.113.2\"]; "
	        "};\ncustomer_gateways = ( { name = \"g\"; address = "
	        "\"192.0.2.1\"; } );\nvpn_connections = (\n");
	for (unsigned int c = 0; c < CONNS; c++) {
		len += (size_t)snprintf(text + len, cap - len,
		                        "{ name = \"c%u\"; customer_gateway = "
		                        "\"g\"; static_routes = [",
		                        c);
		for (unsigned int r = 0; r < PER; r++, g++)
			len += (size_t)snprintf(text + len, cap - len,
			                        "%s\"%u.%u.%u.0/24\"",
			                        r ? "," : "", 10 + (g >> 16),
			                        g >> 8 & 255, g & 255);
		/* Manual keys: IKE tunnels would each need an address
		 * pair of their own. */
		len += (size_t)snprintf(
		        text + len, cap - len,
		        "]; tunnels = ( { manual_keys: { algorithm = "
		        "\"aes128gcm16\"; spi_in = %u; spi_out = %u; key_in = "
		        "\"" K20 "\"; key_out = \"" K20 "\"; }; }, { "
		        "manual_keys: { algorithm = \"aes128gcm16\"; spi_in = "
		        "%u; spi_out = %u; key_in = \"" K20 "\"; key_out = "
		        "\"" K20 "\"; }; } ); }%s\n",
		        0x1000 + 2 * c, 0x1000 + 2 * c, 0x1001 + 2 * c,
		        0x1001 + 2 * c, c + 1 < CONNS ? "," : "");
	}
	snprintf(text + len, cap - len, ");\n");
	vpn_cfg_free(cfg);
	vpn_diag_free(&diag);
	vpn_diag_init(&diag);
	cfg = vpn_cfg_load_string(text, "t.conf", &diag);
	/* Line 4 is the first connection's: the last one is past it. */
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 3 + CONNS,
	                   "more than 102400 static routes"));
	CU_ASSERT_EQUAL(diag.errors, 1);
	if (diag.errors != 1)
		dump();
	free(text);
}

/* A benchmark profile from text, through a file (the loader's path). */
static int
load_profile(const char *text, struct vpn_bench_profile *p)
{
	char path[] = "/tmp/vpngw-test-prof-XXXXXX";
	int fd = mkstemp(path), rc;
	FILE *f = fdopen(fd, "w");

	fputs(text, f);
	fclose(f);
	vpn_diag_free(&diag);
	vpn_diag_init(&diag);
	rc = vpn_bench_profile_load(path, p, &diag);
	unlink(path);
	return rc;
}

static void
test_bench_profiles(void)
{
	struct vpn_bench_profile p;

	/* the defaults */
	CU_ASSERT_EQUAL(load_profile("profile: { name = \"a\"; topology = "
	                             "\"memif\"; };\n",
	                             &p),
	                0);
	CU_ASSERT_STRING_EQUAL(p.name, "a");
	CU_ASSERT_EQUAL(p.topology, VPN_BENCH_MEMIF);
	CU_ASSERT_EQUAL(p.n_sizes, 3);
	CU_ASSERT_STRING_EQUAL(p.sizes[1], "imix");
	CU_ASSERT_EQUAL(p.n_algorithms, 1);
	CU_ASSERT_STRING_EQUAL(p.algorithms[0], "aes128gcm16");
	CU_ASSERT_EQUAL(p.directions, VPN_BENCH_ENCRYPT | VPN_BENCH_DECRYPT);
	CU_ASSERT_EQUAL(p.tunnels, 1);
	CU_ASSERT_EQUAL(p.trials, 6);
	CU_ASSERT_STRING_EQUAL(p.max_loss, "0.1");
	CU_ASSERT_EQUAL(p.peers, 0);
	CU_ASSERT_FALSE(p.default_set);
	/* everything given */
	CU_ASSERT_EQUAL(
	        load_profile(
	                "profile:\n{\n name = \"b\"; topology = \"pcap\";\n"
	                " sizes = [\"64\", \"9000\"]; algorithms = "
	                "[\"aes256-sha512\", \"aes128gcm16\"];\n"
	                " directions = [\"decrypt\"]; tunnels = 1000; "
	                "workers = 2; seconds = 3; trials = 4;\n rounds = "
	                "2; max_loss = \"0\"; peers = [\"ipsec-secgw\"]; "
	                "default = true; };\n",
	                &p),
	        0);
	CU_ASSERT_EQUAL(p.directions, VPN_BENCH_DECRYPT);
	CU_ASSERT_EQUAL(p.peers, VPN_BENCH_SECGW);
	CU_ASSERT_EQUAL(p.tunnels, 1000);
	CU_ASSERT_TRUE(p.default_set);
	/* each mistake at its line */
	CU_ASSERT_NOT_EQUAL(
	        load_profile("profile:\n{\n name = \"c\";\n topology = "
	                     "\"memif\";\n tunels = 3;\n sizes = [\"32\"];\n"
	                     " algorithms = [\"des\"];\n max_loss = \"lots\";\n"
	                     " tunnels = 5;\n peers = [\"strongswan\"];\n"
	                     " seconds = 0;\n};\n",
	                     &p),
	        0);
	if (diag.errors != 7)
		dump();
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 5, "did you mean 'tunnels'"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 6, "not a frame size"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 7, "unknown ESP transform"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 8, "not a percentage"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 9, "needs topology \"pcap\""));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 10, "only in topology \"netns\""));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 11, "seconds"));
	CU_ASSERT_EQUAL(diag.errors, 7);
	/* scaling: pcap only, and 2 workers or more */
	CU_ASSERT_NOT_EQUAL(load_profile("profile: { name = \"s\";\n topology "
	                                 "= \"memif\"; workers = 2;\n"
	                                 " scaling = true; };\n",
	                                 &p),
	                    0);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 3, "scaling: needs topology"));
	CU_ASSERT_NOT_EQUAL(load_profile("profile: { name = \"s\";\n topology "
	                                 "= \"pcap\";\n scaling = true; };\n",
	                                 &p),
	                    0);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 3, "needs workers of 2 or more"));
	CU_ASSERT_EQUAL(load_profile("profile: { name = \"s\"; topology = "
	                             "\"pcap\"; workers = 2; scaling = true; "
	                             "};\n",
	                             &p),
	                0);
	CU_ASSERT_TRUE(p.scaling);
	/* no name, no topology; a second top-level group; syntax */
	CU_ASSERT_NOT_EQUAL(load_profile("profile: { };\nother = 1;\n", &p), 0);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 1, "has no name"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 1, "has no topology"));
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 2, "unknown top-level setting"));
	CU_ASSERT_NOT_EQUAL(load_profile("profile: { name = ", &p), 0);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 1, "syntax"));
	/* the description goes into JSON and Markdown: plain text only */
	CU_ASSERT_NOT_EQUAL(load_profile("profile: { name = \"d\"; topology = "
	                                 "\"pcap\";\n description = "
	                                 "\"a\\x01b\"; };\n",
	                                 &p),
	                    0);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 2, "character 1 at 2"));
	CU_ASSERT_NOT_EQUAL(load_profile("profile: { name = \"d\"; topology = "
	                                 "\"pcap\"; description = "
	                                 "\"caf\xc3\xa9\"; };\n",
	                                 &p),
	                    0);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 1, "printable ASCII only"));
	CU_ASSERT_NOT_EQUAL(load_profile("# nothing\n", &p), 0);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 0, "no profile"));
	CU_ASSERT_NOT_EQUAL(load_profile("@include \"/etc/passwd\"\n", &p), 0);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, 1, "@include"));
}

/* -nv output loads again to the same model, and prints the same. */
static void
test_round_trip(void)
{
	char *a = NULL, *b = NULL;
	size_t la, lb;
	FILE *f;

	OK(.appl = "inside_networks = [\"198.51.100.0/24\", "
	           "\"2001:db8::/32\"]; "
	           "eal_args = [\"--no-huge\"]; console: { password_hash = "
	           "\"$6$saltsalt$0123456789abcdef\"; };",
	   .conn = "steering = \"active-active\"; remote_networks = "
	           "[\"192.0.2.0/24\"];",
	   .t1 = "psk = \"x.y_z12345\"; phase1_dh_groups = [2, 24]; "
	         "dpd_action = \"restart\";",
	   .t2 = "inside_cidr = \"169.254.44.4/30\"; " MK(
	           "aes128gcm16",
	           "key_in = \"" K20 "\"; key_out = \"" K20 "\"; esn = true;"));
	f = open_memstream(&a, &la);
	vpn_cfg_write(cfg, f);
	fclose(f);

	vpn_cfg_free(cfg);
	vpn_diag_free(&diag);
	cfg = vpn_cfg_load_string(a, "t.conf", &diag);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(diag.errors, 0);
	CU_ASSERT_EQUAL(diag.warnings, 0);
	f = open_memstream(&b, &lb);
	vpn_cfg_write(cfg, f);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT_STRING_EQUAL(cfg->conns[0].tunnels[0].psk, "x.y_z12345");
	CU_ASSERT_TRUE(cfg->conns[0].tunnels[1].manual.present);
	CU_ASSERT_TRUE(cfg->conns[0].tunnels[1].manual.esn);
	CU_ASSERT_EQUAL(cfg->conns[0].tunnels[0].phase1_dh_groups,
	                VPN_DH(2) | VPN_DH(24));
	free(a);
	free(b);
}

/* ---- generated values -----------------------------------------------------
 */

static void
test_psk_generate(void)
{
	char psk[VPN_PSK_MAX + 1], err[128];

	for (int i = 0; i < 2000; i++) {
		CU_ASSERT_EQUAL_FATAL(vpn_psk_generate(psk), 0);
		CU_ASSERT_EQUAL(strlen(psk), VPN_PSK_GEN_LEN);
		CU_ASSERT_EQUAL(vpn_check_psk(psk, err, sizeof(err)), 0);
	}
}

/* The state file at path holds text: the base model's state in dir is
 * refused, with what at line. */
static void
state_refused(const char *dir, const char *path, const char *text,
              unsigned int line, const char *what)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	OK(0);
	CU_ASSERT_NOT_EQUAL(vpn_cfg_apply_state(cfg, dir, &diag), 0);
	CU_ASSERT_TRUE(has(VPN_DIAG_ERROR, line, what));
}

static void
test_state(void)
{
	char dir[] = "/tmp/vpngw-test-state-XXXXXX", path[128], psk1[65],
	     psk2[65], err[128];
	struct vpn_prefix cidr;
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	OK(.t1 = "psk = \"given.psk.1\";",
	   .t2 = "inside_cidr = \"169.254.44.0/30\";");
	CU_ASSERT_EQUAL(vpn_cfg_apply_state(cfg, dir, &diag), 0);
	/* tunnel 1's psk is kept; tunnel 2's is generated */
	CU_ASSERT_STRING_EQUAL(cfg->conns[0].tunnels[0].psk, "given.psk.1");
	CU_ASSERT_FALSE(cfg->conns[0].tunnels[0].psk_generated);
	CU_ASSERT_TRUE(cfg->conns[0].tunnels[1].psk_generated);
	CU_ASSERT_EQUAL(
	        vpn_check_psk(cfg->conns[0].tunnels[1].psk, err, sizeof(err)),
	        0);
	/* tunnel 1's inside CIDR is generated, valid, and not tunnel 2's */
	CU_ASSERT_TRUE(cfg->conns[0].tunnels[0].inside_cidr_generated);
	cidr = cfg->conns[0].tunnels[0].inside_cidr;
	CU_ASSERT_EQUAL(vpn_check_inside_cidr(&cidr, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(vpn_prefix_overlap(
	        &cidr, &cfg->conns[0].tunnels[1].inside_cidr));
	snprintf(psk1, sizeof(psk1), "%s", cfg->conns[0].tunnels[1].psk);

	/* a restart uses the same values */
	OK(.t1 = "psk = \"given.psk.1\";",
	   .t2 = "inside_cidr = \"169.254.44.0/30\";");
	CU_ASSERT_EQUAL(vpn_cfg_apply_state(cfg, dir, &diag), 0);
	CU_ASSERT_STRING_EQUAL(cfg->conns[0].tunnels[1].psk, psk1);
	CU_ASSERT_TRUE(
	        vpn_prefix_equal(&cfg->conns[0].tunnels[0].inside_cidr, &cidr));
	snprintf(psk2, sizeof(psk2), "%s", cfg->conns[0].tunnels[0].psk);
	CU_ASSERT_STRING_EQUAL(psk2, "given.psk.1");

	/* a saved inside CIDR the file now gives another tunnel is
	 * generated anew */
	snprintf(path, sizeof(path), "%s/generated.conf", dir);
	f = fopen(path, "w");
	fprintf(f, "tunnels = ( { connection = \"c\"; tunnel = 1; "
	           "inside_cidr = \"169.254.44.0/30\"; } );\n");
	fclose(f);
	OK(.t2 = "inside_cidr = \"169.254.44.0/30\";");
	CU_ASSERT_EQUAL(vpn_cfg_apply_state(cfg, dir, &diag), 0);
	CU_ASSERT_TRUE(cfg->conns[0].tunnels[0].inside_cidr_generated);
	CU_ASSERT_FALSE(
	        vpn_prefix_overlap(&cfg->conns[0].tunnels[0].inside_cidr,
	                           &cfg->conns[0].tunnels[1].inside_cidr));
	CU_ASSERT_EQUAL(
	        vpn_check_inside_cidr(&cfg->conns[0].tunnels[0].inside_cidr,
	                              err, sizeof(err)),
	        0);

	/* the file is private */
	struct stat st;
	snprintf(path, sizeof(path), "%s/generated.conf", dir);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);

	/* a damaged state file is an error with its line */
	state_refused(dir, path,
	              "tunnels = (\n{ connection = \"c\"; tunnel = 2; psk = "
	              "\"0bad\"; }\n);\n",
	              2, "psk must be 8 to 64");
	state_refused(dir, path,
	              "tunnels = ( { connection = \"c\"; tunnel = 3; } );\n", 1,
	              "tunnel = 1 or 2");
	state_refused(dir, path,
	              "tunnels = (\n{ connection = \"c\"; tunnel = 1; },\n"
	              "{ connection = \"c\"; tunnel = 1; }\n);\n",
	              3, "listed twice");

	unlink(path);
	rmdir(dir);
}

/* ---- options by name (the console's path) ----------------------------------
 */

static void
test_opt_by_name(void)
{
	struct vpn_cfg_tunnel t;
	const char *v900[] = {"900"}, *vbad[] = {"899"};
	const char *algs[] = {"AES128", "AES256-GCM-16"};
	char err[256], buf[256];
	int idx;

	memset(&t, 0, sizeof(t));
	vpn_obj_defaults(VPN_OBJ_TUNNEL, &t);
	idx = vpn_opt_find(VPN_OBJ_TUNNEL, "phase2_lifetime");
	CU_ASSERT_TRUE_FATAL(idx >= 0);
	CU_ASSERT_EQUAL(vpn_opt_find(VPN_OBJ_TUNNEL, "nope"), -1);
	CU_ASSERT_EQUAL(
	        vpn_opt_set(VPN_OBJ_TUNNEL, &t, idx, v900, 1, err, sizeof(err)),
	        0);
	CU_ASSERT_EQUAL(t.phase2_lifetime, 900);
	CU_ASSERT_EQUAL(
	        vpn_opt_set(VPN_OBJ_TUNNEL, &t, idx, vbad, 1, err, sizeof(err)),
	        -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "900 to 3600"));
	CU_ASSERT_EQUAL(t.phase2_lifetime, 900); /* unchanged on error */
	CU_ASSERT_EQUAL(
	        vpn_opt_set(VPN_OBJ_TUNNEL, &t, idx, algs, 2, err, sizeof(err)),
	        -EINVAL); /* a list for a scalar */
	idx = vpn_opt_find(VPN_OBJ_TUNNEL, "phase2_encryption");
	CU_ASSERT_EQUAL(
	        vpn_opt_set(VPN_OBJ_TUNNEL, &t, idx, algs, 2, err, sizeof(err)),
	        0);
	CU_ASSERT_TRUE(
	        vpn_opt_format(VPN_OBJ_TUNNEL, &t, idx, buf, sizeof(buf)));
	CU_ASSERT_STRING_EQUAL(buf, "[\"AES128\", \"AES256-GCM-16\"]");
	idx = vpn_opt_find(VPN_OBJ_TUNNEL, "psk");
	CU_ASSERT_FALSE(
	        vpn_opt_format(VPN_OBJ_TUNNEL, &t, idx, buf, sizeof(buf)));
}

static void
test_enum_names(void)
{
	CU_ASSERT_STRING_EQUAL(vpn_routing_name(VPN_ROUTING_BGP), "bgp");
	CU_ASSERT_STRING_EQUAL(vpn_steering_name(VPN_STEER_ACTIVE_ACTIVE),
	                       "active-active");
	CU_ASSERT_STRING_EQUAL(vpn_dpd_action_name(VPN_DPD_RESTART), "restart");
	CU_ASSERT_STRING_EQUAL(vpn_startup_name(VPN_STARTUP_START), "start");
	CU_ASSERT_STRING_EQUAL(vpn_auth_name(VPN_AUTH_CERT), "certificate");
	CU_ASSERT_STRING_EQUAL(vpn_attachment_name(VPN_ATTACH_TGW), "tgw");
	CU_ASSERT_STRING_EQUAL(vpn_port_role_name(VPN_PORT_INSIDE), "inside");
	CU_ASSERT_STRING_EQUAL(vpn_routing_name(7), "?");
}

static void
test_manual_keys(void)
{
	static const char gcm128[] = MK(
	        "aes128gcm16", "key_in = \"" K20 "\"; key_out = \"" K20 "\";");
	struct vpn_cfg_manual *m;

	OK(.t1 = gcm128);
	m = &cfg->conns[0].tunnels[0].manual;
	CU_ASSERT_TRUE(m->present);
	CU_ASSERT_FALSE(cfg->conns[0].tunnels[1].manual.present);
	CU_ASSERT_EQUAL(m->spi_in, 0x1000);
	CU_ASSERT_EQUAL(m->spi_out, 0x2000);
	CU_ASSERT_EQUAL(m->encapsulation, VPN_ENCAP_ESP);
	CU_ASSERT_FALSE(m->esn);
	/* CBC needs HMAC keys of the digest's length */
	OK(.t1 = MK("aes256-sha256",
	            "key_in = \"" K32 "\"; key_out = \"" K32
	            "\"; auth_key_in = \"" K32 "\"; auth_key_out = \"" K32
	            "\"; esn = true; "
	            "encapsulation = \"udp\";"));
	FAILS_AT(L_T1, "auth_key_in must be 32 bytes (64 hex digits)",
	         .t1 = MK("aes256-sha256",
	                  "key_in = \"" K32 "\"; key_out = \"" K32
	                  "\"; auth_key_out = \"" K32 "\";"));
	/* GCM keys are key + 4-byte salt; no HMAC keys */
	FAILS_AT(L_T1, "key_out must be 20 bytes (40 hex digits)",
	         .t1 = MK("aes128gcm16",
	                  "key_in = \"" K20 "\"; key_out = \"" K32 "\";"));
	FAILS_AT(L_T1, "auth_key_in/out are not used",
	         .t1 = MK("aes128gcm16",
	                  "key_in = \"" K20 "\"; key_out = \"" K20
	                  "\"; auth_key_in = \"" K20 "\";"));
	FAILS_AT(L_T1, "is not a key in hex",
	         .t1 = MK("aes128gcm16",
	                  "key_in = \"0g\"; key_out = \"" K20 "\";"));
	FAILS_AT(L_T1, "unknown ESP transform 'aes192gcm16'",
	         .t1 = MK("aes192gcm16",
	                  "key_in = \"" K20 "\"; key_out = \"" K20 "\";"));
	FAILS_AT(L_T1, "spi_in must be 256 to 4294967295",
	         .t1 = "manual_keys: { algorithm = \"aes128gcm16\"; spi_in = "
	               "255; spi_out = 0x2000; key_in = \"" K20
	               "\"; key_out = \"" K20 "\"; };");
	FAILS_AT(L_T1, "manual_keys has no key_out",
	         .t1 = MK("aes128gcm16", "key_in = \"" K20 "\";"));
	FAILS_AT(L_T1, "unknown manual_keys option 'key_inn'",
	         .t1 = MK("aes128gcm16",
	                  "key_inn = \"" K20 "\"; key_in = \"" K20
	                  "\"; key_out = \"" K20 "\";"));
	/* our inbound SPIs are unique */
	FAILS_AT(L_T2, "spi_in 0x1000 is also tunnel 1 of 'c''s", .t1 = gcm128,
	         .t2 = gcm128);
	/* accelerated: always UDP */
	FAILS_AT(L_T1, "is accelerated",
	         .conn = "attachment = \"tgw\"; acceleration = true;",
	         .t1 = gcm128);
	FAILS_AT(L_T1,
	         "unknown tunnel option 'manual_key' (did you mean "
	         "'manual_keys'?)",
	         .t1 = "manual_key: { };");
	/* hex decoding */
	uint8_t b[4];
	CU_ASSERT_EQUAL(vpn_hex_decode("00ff7A", b, sizeof(b)), 3);
	CU_ASSERT_EQUAL(b[2], 0x7a);
	CU_ASSERT_EQUAL(vpn_hex_decode("0", b, sizeof(b)), -EINVAL);
	CU_ASSERT_EQUAL(vpn_hex_decode("", b, sizeof(b)), -EINVAL);
	CU_ASSERT_EQUAL(vpn_hex_decode("0011223344", b, sizeof(b)), -EINVAL);
	CU_ASSERT_EQUAL(vpn_hex_decode("0x11", b, sizeof(b)), -EINVAL);
}

/* ---- copies, connections added and deleted, the CGW export ----------- */

static char *export(const struct vpn_cfg *c, const char *conn, const char *fmt,
                    int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*rc = vpn_cfg_export(c, conn, fmt, f);
	fclose(f);
	return buf;
}

static void
test_dup_and_conns(void)
{
	struct vpn_cfg *d;
	struct vpn_diag d2;

	OK(.t1 = "psk = \"tunnel.one.psk\";", .t2 = "psk = \"tunnel.two.psk\";",
	   .conn2 = ", { name = \"c2\"; customer_gateway = \"g\"; "
	            "static_routes = [\"10.2.0.0/16\"]; tunnels = ( "
	            "{ remote_address = \"192.0.2.9\"; }, "
	            "{ remote_address = \"192.0.2.9\"; } ); }");
	CU_ASSERT_EQUAL(cfg->conns[0].slot, 0);
	CU_ASSERT_EQUAL(cfg->conns[1].slot, 1);
	d = vpn_cfg_dup(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT(d->conns != cfg->conns && d->cgws != cfg->cgws);
	CU_ASSERT_EQUAL(d->n_conns, 2);
	CU_ASSERT_STRING_EQUAL(d->conns[0].tunnels[0].psk, "tunnel.one.psk");
	CU_ASSERT_STRING_EQUAL(d->file, "t.conf");
	/* Added at the end with its slot; names are unique. */
	CU_ASSERT_PTR_NOT_NULL(vpn_cfg_conn_add(d, "c3", "g", 7));
	CU_ASSERT_PTR_NULL(vpn_cfg_conn_add(d, "c3", "g", 8));
	CU_ASSERT_EQUAL(errno, EEXIST);
	CU_ASSERT_EQUAL(vpn_cfg_conn_find(d, "c3")->slot, 7);
	CU_ASSERT_EQUAL(vpn_cfg_conn_del(d, "c2"), 0);
	CU_ASSERT_EQUAL(vpn_cfg_conn_del(d, "c2"), -ENOENT);
	CU_ASSERT_EQUAL(d->n_conns, 2);
	CU_ASSERT_STRING_EQUAL(d->conns[1].name, "c3");
	CU_ASSERT_EQUAL(d->conns[1].slot, 7);
	{
		const char *v = "192.0.2.10", *r = "10.3.0.0/16";
		struct vpn_cfg_conn *c3 = &d->conns[1];
		char err[128];

		for (int t = 0; t < 2; t++)
			CU_ASSERT_EQUAL(
			        vpn_opt_set(VPN_OBJ_TUNNEL, &c3->tunnels[t],
			                    vpn_opt_find(VPN_OBJ_TUNNEL,
			                                 "remote_address"),
			                    &v, 1, err, sizeof(err)),
			        0);
		CU_ASSERT_EQUAL(
		        vpn_opt_set(VPN_OBJ_CONN, c3,
		                    vpn_opt_find(VPN_OBJ_CONN, "static_routes"),
		                    &r, 1, err, sizeof(err)),
		        0);
	}
	/* The added one checks like one from a file: its customer gateway
	 * resolved, its defaults valid. The original is untouched. */
	vpn_diag_init(&d2);
	vpn_cfg_check(d, &d2);
	if (d2.errors)
		vpn_diag_print(&d2, stderr);
	CU_ASSERT_EQUAL(d2.errors, 0);
	CU_ASSERT_EQUAL(d->conns[1].cgw, 0);
	vpn_diag_free(&d2);
	CU_ASSERT_EQUAL(cfg->n_conns, 2);
	CU_ASSERT_STRING_EQUAL(cfg->conns[1].name, "c2");
	/* An unknown customer gateway is the checker's error. */
	CU_ASSERT_PTR_NOT_NULL(vpn_cfg_conn_add(d, "c4", "nope", 9));
	vpn_diag_init(&d2);
	vpn_cfg_check(d, &d2);
	CU_ASSERT(d2.errors > 0);
	vpn_diag_free(&d2);
	vpn_cfg_free(d);
}

/* Customer gateways added and removed on a copy; a tunnel's remote
 * address that came from its customer gateway follows the gateway's new
 * address, one given stays; -nv shows the derived one as a comment. */
static void
test_cgw_model(void)
{
	const char *addr = "192.0.2.50";
	struct vpn_cfg *d;
	struct vpn_cfg_cgw *g;
	struct vpn_diag d2;
	char err[128], *out = NULL;
	size_t len = 0;
	FILE *f;

	OK(.conn2 = ", { name = \"c2\"; customer_gateway = \"g\"; "
	            "tunnels = ( { remote_address = \"192.0.2.9\"; }, "
	            "{ remote_address = \"192.0.2.9\"; } ); }");
	d = vpn_cfg_dup(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_NULL(vpn_cfg_cgw_add(d, "g"));
	CU_ASSERT_EQUAL(errno, EEXIST);
	CU_ASSERT_PTR_NOT_NULL(vpn_cfg_cgw_add(d, "h"));
	g = vpn_cfg_cgw_find(d, "g"); /* after the array moved */
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(vpn_cfg_cgw_del(d, "g"), -EBUSY);
	CU_ASSERT_EQUAL(vpn_cfg_cgw_del(d, "nope"), -ENOENT);
	CU_ASSERT_EQUAL(vpn_opt_set(VPN_OBJ_CGW, g,
	                            vpn_opt_find(VPN_OBJ_CGW, "address"), &addr,
	                            1, err, sizeof(err)),
	                0);
	CU_ASSERT_EQUAL(vpn_cfg_cgw_del(d, "h"), 0);
	CU_ASSERT_EQUAL(vpn_cfg_cgw_del(d, "h"), -ENOENT);
	vpn_diag_init(&d2);
	vpn_cfg_check(d, &d2);
	if (d2.errors)
		vpn_diag_print(&d2, stderr);
	CU_ASSERT_EQUAL(d2.errors, 0);
	vpn_diag_free(&d2);
	for (int t = 0; t < 2; t++) {
		CU_ASSERT_EQUAL(d->conns[0].tunnels[t].remote_address,
		                0xc0000232u);
		CU_ASSERT_EQUAL(d->conns[1].tunnels[t].remote_address,
		                0xc0000209u);
	}
	f = open_memstream(&out, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	vpn_cfg_write(d, f);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(
	        strstr(out, "# remote_address = \"192.0.2.50\"; (derived)"));
	CU_ASSERT_PTR_NOT_NULL(
	        strstr(out, "\n        remote_address = \"192.0.2.9\";"));
	free(out);
	vpn_cfg_free(d);
}

static void
test_export(void)
{
	char *t;
	int rc;

	OK(.conn = "local_networks = [\"198.51.100.0/24\"]; remote_networks = "
	           "[\"192.0.2.128/25\"];",
	   .t1 = "psk = \"tunnel.one.psk\"; inside_cidr = \"169.254.10.0/30\"; "
	         "phase1_encryption = [\"AES128\", \"AES256-GCM-16\"]; "
	         "phase1_integrity = [\"SHA2-256\"]; phase1_dh_groups = [14, "
	         "20];",
	   .t2 = "psk = \"tunnel.two.psk\"; inside_cidr = "
	         "\"169.254.10.4/30\";");
	t = export(cfg, "c", "strongswan", &rc);
	CU_ASSERT_EQUAL(rc, 0);
	/* CBC and GCM proposals apart; GCM names its PRF. */
	CU_ASSERT_PTR_NOT_NULL(
	        strstr(t, "proposals = aes128-sha256-modp2048-ecp384,"
	                  "aes256gcm16-prfsha256-modp2048-ecp384\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "local_addrs = 192.0.2.1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "remote_addrs = 203.0.113.1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "remote_addrs = 203.0.113.2"));
	/* Their side is our remote networks (static routing: no /30). */
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "local_ts = 192.0.2.128/25\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "remote_ts = 198.51.100.0/24\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "secret = \"tunnel.two.psk\""));
	/* We wait (startup add): they start. */
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "start_action = start"));
	free(t);
	t = export(cfg, "c", "generic", &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(
	        strstr(t, "Inside: 169.254.10.4/30 (yours 169.254.10.6, ours "
	                  "169.254.10.5)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "Pre-shared key: tunnel.one.psk"));
	free(t);
	t = export(cfg, "c", "frr", &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "routing is static"));
	free(t);
	free(export(cfg, "nope", "frr", &rc));
	CU_ASSERT_EQUAL(rc, -ENOENT);
	free(export(cfg, "c", "cisco", &rc));
	CU_ASSERT_EQUAL(rc, -EINVAL);
	/* BGP: the neighbour is our inside address, their ASN the CGW's. */
	OK(.conn = "routing = \"bgp\"; remote_networks = [\"192.0.2.128/25\"];",
	   .conn_base = "customer_gateway = \"g\";",
	   .t1 = "inside_cidr = \"169.254.10.0/30\";",
	   .t2 = "inside_cidr = \"169.254.10.4/30\";");
	t = export(cfg, "c", "frr", &rc);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "router bgp 65000\n"));
	CU_ASSERT_PTR_NOT_NULL(
	        strstr(t, "neighbor 169.254.10.1 remote-as 64512"));
	CU_ASSERT_PTR_NOT_NULL(
	        strstr(t, "neighbor 169.254.10.5 remote-as 64512"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "network 192.0.2.128/25"));
	CU_ASSERT_PTR_NOT_NULL(strstr(
	        t, "neighbor 169.254.10.1 update-source 169.254.10.2\n"));
	CU_ASSERT_PTR_NOT_NULL(
	        strstr(t, "neighbor 169.254.10.5 timers connect 10\n"));
	CU_ASSERT_PTR_NULL(strstr(t, "bfd"));
	free(t);
	/* The same session in words, for any other BGP speaker. */
	t = export(cfg, "c", "generic", &rc);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "Your ASN: 65000, ours: 64512\n"));
	CU_ASSERT_PTR_NOT_NULL(
	        strstr(t, "Neighbor: 169.254.10.5, from your 169.254.10.6 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "Hold time: 30 s, keepalive 10 s\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "at most 100 prefixes"));
	CU_ASSERT_PTR_NULL(strstr(t, "BFD"));
	free(t);
	/* vpngw's own bgpd: a session per tunnel from our inside address,
	 * AWS's timers, the maximum, our networks only to a VGW peer. */
	{
		char *b = NULL, *b2 = NULL;
		size_t bl = 0, bl2 = 0;
		FILE *f = open_memstream(&b, &bl);

		CU_ASSERT_EQUAL(vpn_cfg_frr_bgpd(cfg, "/x/bgpd.log", f), 0);
		fclose(f);
		CU_ASSERT_PTR_NOT_NULL(strstr(b, "router bgp 64512\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(b, "log file /x/bgpd.log"));
		CU_ASSERT_PTR_NOT_NULL(
		        strstr(b, " neighbor 169.254.10.2 remote-as 65000\n"
		                  " neighbor 169.254.10.2 description c/1\n"
		                  " neighbor 169.254.10.2 update-source "
		                  "169.254.10.1\n"
		                  " neighbor 169.254.10.2 timers 10 30\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(b, " neighbor 169.254.10.6 "
		                                 "remote-as 65000\n"));
		CU_ASSERT_PTR_NOT_NULL(
		        strstr(b, "  neighbor 169.254.10.6 maximum-prefix 100 "
		                  "restart 1\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(
		        b, "  neighbor 169.254.10.2 prefix-list vpngw-ours "
		           "out\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(b, "  maximum-paths 8\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(
		        b,
		        "ip prefix-list vpngw-in-c seq 25 deny 169.254.10.4/30 "
		        "le 32\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(
		        b,
		        "ip prefix-list vpngw-in-c seq 30 deny 169.254.0.0/16 "
		        "le 29\n"));
		CU_ASSERT_PTR_NOT_NULL(
		        strstr(b, "permit 192.0.2.128/25 le 32\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(
		        b,
		        "  neighbor 169.254.10.2 prefix-list vpngw-in-c in\n"));
		/* no BFD asked for: no bfdd, no profile named */
		CU_ASSERT_PTR_NULL(strstr(b, "bfd"));
		f = open_memstream(&b2, &bl2);
		CU_ASSERT_EQUAL(vpn_cfg_frr_bfdd(cfg, NULL, f), -ENOENT);
		fclose(f);
		free(b2);
		/* the deny after every permit of our networks */
		CU_ASSERT_PTR_NOT_NULL(strstr(b, "seq 1000000 deny any"));
		CU_ASSERT_PTR_NULL(strstr(b, "seq 1 deny"));
		free(b);
	}
	/* BGP runs between the inside addresses: the /30 is selected. */
	t = export(cfg, "c", "strongswan", &rc);
	CU_ASSERT_PTR_NOT_NULL(
	        strstr(t, "local_ts = 192.0.2.128/25,169.254.10.0/30\n"));
	free(t);
	/* BFD asked for: a profile with its timers, named by both sessions */
	OK(.conn = "routing = \"bgp\"; bgp_bfd = true; bfd_interval = 150; "
	           "bfd_multiplier = 4;",
	   .conn_base = "customer_gateway = \"g\";",
	   .t1 = "inside_cidr = \"169.254.10.0/30\";",
	   .t2 = "inside_cidr = \"169.254.10.4/30\";");
	{
		char *b = NULL;
		size_t bl = 0;
		FILE *f = open_memstream(&b, &bl);

		CU_ASSERT_EQUAL(vpn_cfg_frr_bfdd(cfg, "/x/bfdd.log", f), 0);
		fclose(f);
		CU_ASSERT_PTR_NOT_NULL(strstr(
		        b, "bfd\n profile vpngw-c\n  receive-interval 150\n"
		           "  transmit-interval 150\n"
		           "  detect-multiplier 4\n exit\nexit\n"));
		free(b);
		b = NULL;
		f = open_memstream(&b, &bl);
		CU_ASSERT_EQUAL(vpn_cfg_frr_bgpd(cfg, NULL, f), 0);
		fclose(f);
		CU_ASSERT_PTR_NOT_NULL(strstr(
		        b, " neighbor 169.254.10.6 bfd profile vpngw-c\n"));
		free(b);
	}
	/* ... and the CGW is told the same timers. */
	t = export(cfg, "c", "frr", &rc);
	CU_ASSERT_PTR_NOT_NULL(
	        strstr(t, " neighbor 169.254.10.5 bfd profile vpngw\n"));
	CU_ASSERT_PTR_NOT_NULL(
	        strstr(t, " profile vpngw\n  receive-interval 150\n"
	                  "  transmit-interval 150\n  detect-multiplier 4\n"));
	free(t);
	t = export(cfg, "c", "generic", &rc);
	CU_ASSERT_PTR_NOT_NULL(
	        strstr(t, "BFD: single hop, 150 ms, multiplier 4\n"));
	free(t);
	FAILS_AT(L_CONN, "bgp_bfd needs routing \"bgp\"",
	         .conn = "bgp_bfd = true;");
	/* A certificate gateway: swanctl's pubkey setup with both
	 * identities (ours when loaded), no secrets; generic names them. */
	OK(.appl = "pki: { ca = \"/etc/vpngw/ca.pem\"; certificate = "
	           "\"/etc/vpngw/me.pem\"; private_key = "
	           "\"/etc/vpngw/me.key\"; };",
	   .cgw = "}, { name = \"gc\"; address = \"192.0.2.9\"; "
	          "authentication = \"certificate\"; certificate_identity = "
	          "\"C=US, O=Ex, CN=gc\";",
	   .conn_base = "customer_gateway = \"gc\"; static_routes = "
	                "[\"192.0.2.0/26\"];");
	{
		char *b = NULL;
		size_t bl = 0;
		FILE *f = open_memstream(&b, &bl);

		CU_ASSERT_EQUAL(vpn_cfg_export_as(cfg, "c", "strongswan",
		                                  "C=US, O=vpngw, CN=me", f),
		                0);
		fclose(f);
		CU_ASSERT_PTR_NOT_NULL(
		        strstr(b, "        local {\n            auth = pubkey\n"
		                  "            certs = gc.crt\n"
		                  "            id = \"C=US, O=Ex, CN=gc\"\n"
		                  "        }\n        remote {\n"
		                  "            auth = pubkey\n"
		                  "            id = \"C=US, O=vpngw, CN=me\"\n"
		                  "        }\n"));
		CU_ASSERT_PTR_NULL(strstr(b, "secrets {"));
		CU_ASSERT_PTR_NOT_NULL(strstr(b, "swanctl/x509/gc.crt"));
		free(b);
		t = export(cfg, "c", "strongswan", &rc);
		CU_ASSERT_PTR_NOT_NULL(strstr(t, "# id = \"<the subject"));
		free(t);
		b = NULL;
		f = open_memstream(&b, &bl);
		vpn_cfg_export_as(cfg, "c", "generic", "C=US, O=vpngw, CN=me",
		                  f);
		fclose(f);
		CU_ASSERT_PTR_NOT_NULL(
		        strstr(b, "    Your identity: C=US, O=Ex, CN=gc\n"
		                  "    Ours: C=US, O=vpngw, CN=me\n"));
		CU_ASSERT_PTR_NULL(strstr(b, "Pre-shared key"));
		free(b);
	}
}

/* The diff of two models: nothing for a copy; a changed option, a tunnel's
 * option, a new and a deleted object each named with old and new values. */
static void
test_diff(void)
{
	struct vpn_cfg *d;
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	const char *v40 = "40", *aa = "active-active";
	char err[128];

	OK(.conn2 = ", { name = \"c2\"; customer_gateway = \"g\"; "
	            "tunnels = ( { remote_address = \"192.0.2.9\"; }, "
	            "{ remote_address = \"192.0.2.9\"; } ); }");
	d = vpn_cfg_dup(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	m = open_memstream(&buf, &len);
	CU_ASSERT_EQUAL(vpn_cfg_diff(cfg, d, m), 0);
	fclose(m);
	CU_ASSERT_EQUAL(len, 0);
	free(buf);
	CU_ASSERT_EQUAL(vpn_opt_set(VPN_OBJ_CONN, &d->conns[0],
	                            vpn_opt_find(VPN_OBJ_CONN, "steering"), &aa,
	                            1, err, sizeof(err)),
	                0);
	CU_ASSERT_EQUAL(vpn_opt_set(VPN_OBJ_TUNNEL, &d->conns[0].tunnels[1],
	                            vpn_opt_find(VPN_OBJ_TUNNEL, "dpd_timeout"),
	                            &v40, 1, err, sizeof(err)),
	                0);
	CU_ASSERT_EQUAL(vpn_cfg_conn_del(d, "c2"), 0);
	CU_ASSERT_PTR_NOT_NULL(vpn_cfg_cgw_add(d, "g2"));
	buf = NULL;
	m = open_memstream(&buf, &len);
	CU_ASSERT_EQUAL(vpn_cfg_diff(cfg, d, m), 4);
	fclose(m);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf,
	                              "connection c\n"
	                              "-   steering = \"active-standby\";\n"
	                              "+   steering = \"active-active\";\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "connection c tunnel 2\n"
	                                   "-   dpd_timeout = 30;\n"
	                                   "+   dpd_timeout = 40;\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "connection c2 (deleted)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "customer-gateway g2 (new)\n"));
	CU_ASSERT_PTR_NULL(strstr(buf, "tunnel 1"));
	free(buf);
	vpn_cfg_free(d);
}

void register_cfg_tests(void);

void
register_cfg_tests(void)
{
	CU_pSuite s = CU_add_suite("cfg", NULL, NULL);

	CU_add_test(s, "base template is valid", test_base_is_valid);
	CU_add_test(s, "static routes in all: a limit, at its line",
	            test_static_route_total);
	CU_add_test(s, "copies; connections added, deleted",
	            test_dup_and_conns);
	CU_add_test(s, "customer gateways on a copy; derived addresses",
	            test_cgw_model);
	CU_add_test(s, "customer gateway export", test_export);
	CU_add_test(s, "health checks", test_health_check);
	CU_add_test(s, "phase1_lifetime", test_phase1_lifetime);
	CU_add_test(s, "phase2_lifetime", test_phase2_lifetime);
	CU_add_test(s, "rekey_margin", test_rekey_margin);
	CU_add_test(s, "rekey_fuzz", test_rekey_fuzz);
	CU_add_test(s, "replay_window", test_replay_window);
	CU_add_test(s, "lab lifetimes", test_lab_lifetimes);
	CU_add_test(s, "dpd", test_dpd);
	CU_add_test(s, "startup_action", test_startup_action);
	CU_add_test(s, "tunnel enabled", test_enabled);
	CU_add_test(s, "inside_cidr", test_inside_cidr);
	CU_add_test(s, "psk", test_psk);
	CU_add_test(s, "algorithms", test_algorithms);
	CU_add_test(s, "dh groups", test_dh_groups);
	CU_add_test(s, "ike_versions", test_ike_versions);
	CU_add_test(s, "acceleration", test_acceleration);
	CU_add_test(s, "bgp", test_bgp);
	CU_add_test(s, "bgp needs asn", test_bgp_needs_asn);
	CU_add_test(s, "static routes", test_static_routes);
	CU_add_test(s, "overlaps", test_overlaps);
	CU_add_test(s, "two tunnels", test_two_tunnels);
	CU_add_test(s, "outside addresses", test_outside_addresses);
	CU_add_test(s, "certificates", test_certificates);
	CU_add_test(s, "console", test_console);
	CU_add_test(s, "appliance", test_appliance);
	CU_add_test(s, "ports", test_ports);
	CU_add_test(s, "several outside ports", test_outside_ports);
	CU_add_test(s, "unknown options", test_unknown_options);
	CU_add_test(s, "all errors reported", test_all_errors_reported);
	CU_add_test(s, "names", test_names);
	CU_add_test(s, "syntax error", test_syntax_error);
	CU_add_test(s, "round trip", test_round_trip);
	CU_add_test(s, "psk generate", test_psk_generate);
	CU_add_test(s, "state", test_state);
	CU_add_test(s, "options by name", test_opt_by_name);
	CU_add_test(s, "enum names", test_enum_names);
	CU_add_test(s, "manual keys", test_manual_keys);
	CU_add_test(s, "benchmark profiles", test_bench_profiles);
	CU_add_test(s, "diff of two models", test_diff);
}

void cleanup_cfg_tests(void);

void
cleanup_cfg_tests(void)
{
	vpn_cfg_free(cfg);
	cfg = NULL;
	vpn_diag_free(&diag);
}
