/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every option of every object: name, where it lives, its range and its
 * default. The tunnel options are AWS's (the AWS name is in the help text),
 * with AWS's ranges and defaults. An option not in these tables is an error
 * in a configuration file: no silent typos.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_priv.h"
#include "vpn_crypto.h"

static int
check_inside_cidr(const char *s, char *err, size_t len)
{
	struct vpn_prefix p;

	if (vpn_prefix_parse(s, VPN_PREFIX_NET, &p) != 0)
		return -1; /* the parser has said why */
	return vpn_check_inside_cidr(&p, err, len);
}

static int
check_ike_version(const char *s, char *err, size_t len)
{
	if (strcmp(s, "ikev1") == 0) {
		snprintf(err, len,
		         "ike_versions: IKEv1 is not supported yet; use "
		         "[\"ikev2\"]");
		return -1;
	}
	return 0;
}

const char *const cfg_role_names[] = {"outside", "inside", NULL};
const char *const cfg_routing_names[] = {"static", "bgp", NULL};
const char *const cfg_attach_names[] = {"vgw", "tgw", NULL};
const char *const cfg_steer_names[] = {"active-standby", "active-active", NULL};
const char *const cfg_auth_names[] = {"psk", "certificate", NULL};
const char *const cfg_dpd_names[] = {"clear", "none", "restart", NULL};
const char *const cfg_startup_names[] = {"add", "start", NULL};
const char *const cfg_enc_names[] = {"AES128", "AES256", "AES128-GCM-16",
                                     "AES256-GCM-16", NULL};
const char *const cfg_integ_names[] = {"SHA1", "SHA2-256", "SHA2-384",
                                       "SHA2-512", NULL};
static const char *const cfg_ike_names[] = {"ikev1", "ikev2", NULL};

#define ALL_ENC      "AES128,AES256,AES128-GCM-16,AES256-GCM-16"
#define ALL_INTEG    "SHA1,SHA2-256,SHA2-384,SHA2-512"
#define GROUPS_14_24 "14,15,16,17,18,19,20,21,22,23,24"

#define INT(T, nm, fld, lo, hi, def, h, ...)                                   \
	{                                                                      \
		.name = nm, .kind = K_INT, .off = offsetof(T, fld), .min = lo, \
		.max = hi, .deflt = def, .help = h, __VA_ARGS__                \
	}
#define BOOL(T, nm, fld, def, h, ...)                                \
	{                                                            \
		.name = nm, .kind = K_BOOL, .off = offsetof(T, fld), \
		.deflt = def, .help = h, __VA_ARGS__                 \
	}
#define ENUM(T, nm, fld, names_, def, h, ...)                         \
	{                                                             \
		.name = nm, .kind = K_ENUM, .off = offsetof(T, fld),  \
		.names = names_, .deflt = def, .help = h, __VA_ARGS__ \
	}
#define STR(T, nm, fld, chk, def, h, ...)                                  \
	{                                                                  \
		.name = nm, .kind = K_STR, .off = offsetof(T, fld),        \
		.size = sizeof(((T *)0)->fld), .check = chk, .deflt = def, \
		.help = h, __VA_ARGS__                                     \
	}
#define IPV4(T, nm, fld, h, ...)                                     \
	{                                                            \
		.name = nm, .kind = K_IPV4, .off = offsetof(T, fld), \
		.help = h, __VA_ARGS__                               \
	}
#define PREFIX(T, nm, fld, chk, h, ...)                                \
	{                                                              \
		.name = nm, .kind = K_PREFIX, .off = offsetof(T, fld), \
		.check = chk, .help = h, __VA_ARGS__                   \
	}
#define PLIST(T, nm, fld, def, h, ...)                                        \
	{                                                                     \
		.name = nm, .kind = K_PREFIX_LIST, .off = offsetof(T, fld),   \
		.max = VPN_MAX_PREFIXES, .deflt = def, .help = h, __VA_ARGS__ \
	}
#define SET(T, nm, fld, names_, chk, def, h, ...)                       \
	{                                                               \
		.name = nm, .kind = K_SET, .off = offsetof(T, fld),     \
		.names = names_, .check = chk, .deflt = def, .help = h, \
		__VA_ARGS__                                             \
	}
#define DHSET(T, nm, fld, allowed, def, h, ...)                        \
	{                                                              \
		.name = nm, .kind = K_DH_SET, .off = offsetof(T, fld), \
		.mask = allowed, .deflt = def, .help = h, __VA_ARGS__  \
	}

/* ---- appliance --------------------------------------------------------- */
#define T struct vpn_cfg_appliance
static const struct opt appliance_opts[] = {
        STR(T, "name", name, vpn_check_name, "vpngw", "this appliance's name"),
        STR(T, "state_dir", state_dir, cfg_check_path, "/var/lib/vpngw",
            "where generated PSKs and inside CIDRs are kept"),
        {.name = "eal_args",
         .kind = K_STR_LIST,
         .off = offsetof(T, eal_args),
         .count_off = offsetof(T, n_eal_args),
         .size = VPN_DEVICE_MAX,
         .max = VPN_MAX_EAL_ARGS,
         .check = cfg_check_device,
         .deflt = "",
         .help = "extra DPDK EAL arguments"},
        INT(T, "control_lcore", control_lcore, 0, VPN_MAX_LCORE, "0",
            "lcore of the control core"),
        {.name = "workers",
         .kind = K_INT_LIST,
         .off = offsetof(T, workers),
         .count_off = offsetof(T, n_workers),
         .max = VPN_MAX_WORKERS,
         .deflt = "1",
         .help = "worker lcores"},
        INT(T, "worker_idle_sleep", worker_idle_sleep, 0, 1000, "0",
            "microseconds a worker sleeps at a time once its queues have "
            "stayed empty a while (a packet waits at most that); 0: poll "
            "without sleeping (the lowest latency)"),
        INT(T, "ike_helpers", ike_helpers, 0, 8, "1",
            "threads that make IKE's Diffie-Hellman key pairs ahead, on "
            "the control core's CPUs in their idle time (SCHED_IDLE); 0: "
            "made as each exchange needs one"),
        {.name = "outside_addresses",
         .kind = K_IPV4_LIST,
         .off = offsetof(T, outside_addresses),
         .count_off = offsetof(T, n_outside),
         .max = VPN_MAX_OUTSIDE,
         .help = "our tunnel endpoint (outside) IPv4 addresses"},
        PLIST(T, "inside_networks", inside_networks, "",
              "networks behind the inside port (the VPC side)"),
        INT(T, "bgp_asn", bgp_asn, 1, 4294967295LL, "64512",
            "our BGP ASN (AWS: Amazon side ASN)"),
        STR(T, "exception_iface", exception_iface, cfg_check_ifname, "",
            "kernel TAP interface for traffic to our own addresses "
            "(ICMP, IKE, BGP); empty: none"),
        STR(T, "tunnel_log", tunnel_log, cfg_check_path, NULL,
            "file for the tunnels' activity log: a JSON line per event "
            "with AWS's fields (reopened on SIGHUP)"),
        BOOL(T, "tunnel_log_syslog", tunnel_log_syslog, "false",
             "the tunnel log to syslog too (daemon.info)"),
        INT(T, "tunnel_log_max_kb", tunnel_log_max_kb, 0, 1048576, "10240",
            "KiB the tunnel log file may grow to before it becomes FILE.1 "
            "(0: no limit)"),
        {.name = "metrics_listen",
         .kind = K_HOSTPORT,
         .off = offsetof(T, metrics_addr),
         .count_off = offsetof(T, metrics_port),
         .help = "loopback address:port of a Prometheus text endpoint "
                 "(GET /metrics); not set: none"},
};
#undef T

/* ---- port -------------------------------------------------------------- */
#define T struct vpn_cfg_port
static const struct opt port_opts[] = {
        STR(T, "name", name, vpn_check_name, NULL, "port name",
            .required = true),
        ENUM(T, "role", role, cfg_role_names, NULL, "outside or inside",
             .required = true),
        STR(T, "device", device, cfg_check_device, NULL,
            "PCI address (SR-IOV VF) or DPDK vdev string", .required = true),
        INT(T, "queues", queues, 1, VPN_MAX_QUEUES, "1",
            "RX/TX queue pairs, spread over the workers"),
        INT(T, "mtu", mtu, 576, 9216, "1500", "port MTU"),
        {.name = "address",
         .kind = K_IFADDR,
         .off = offsetof(T, address),
         .help = "interface IPv4 address/length"},
        IPV4(T, "gateway", gateway, "next-hop router on this port"),
        INT(T, "vlan", vlan, 0, 4094, "0",
            "802.1Q VLAN ID of the port's frames, tagged and untagged by "
            "vpngw (0: untagged; a VF tagged by its PF is untagged here)"),
        INT(T, "arp_timeout", arp_timeout, 5, 86400, "300",
            "seconds before a learned neighbour is asked again"),
        {.name = "static_arp",
         .kind = K_STR_LIST,
         .off = offsetof(T, static_arp),
         .count_off = offsetof(T, n_static_arp),
         .size = VPN_NEIGHBOR_MAX,
         .max = VPN_MAX_STATIC_ARP,
         .check = cfg_check_neighbor,
         .deflt = "",
         .help = "permanent neighbours \"A.B.C.D xx:xx:xx:xx:xx:xx\" "
                 "(next hops that never answer ARP)"},
};
#undef T

/* ---- console ------------------------------------------------------------ */
#define T struct vpn_cfg_console
static const struct opt console_opts[] = {
        {.name = "listen",
         .kind = K_HOSTPORT,
         .off = offsetof(T, listen_addr),
         .count_off = offsetof(T, listen_port),
         .deflt = "127.0.0.1:2323",
         .help = "address:port of the telnet-style console"},
        STR(T, "user", user, vpn_check_name, "admin", "login name"),
        STR(T, "password_hash", password_hash, cfg_check_password_hash, NULL,
            "crypt(3) hash of the password (mkpasswd)"),
        INT(T, "max_sessions", max_sessions, 1, 64, "4",
            "simultaneous console sessions"),
        INT(T, "idle_timeout", idle_timeout, 0, 86400, "600",
            "seconds before an idle session is closed (0: never)"),
        INT(T, "login_timeout", login_timeout, 5, 600, "30",
            "seconds from connecting to logged in, or the connection "
            "closes"),
        INT(T, "login_block", login_block, 0, 86400, "60",
            "seconds an address is refused after 3 failed logins, "
            "doubled for each further lockout (0: never)"),
};
#undef T

/* ---- pki ---------------------------------------------------------------- */
#define T struct vpn_cfg_pki
static const struct opt pki_opts[] = {
        STR(T, "ca", ca, cfg_check_path, NULL, "private CA certificate (PEM)"),
        STR(T, "certificate", certificate, cfg_check_path, NULL,
            "our certificate (PEM)"),
        STR(T, "private_key", private_key, cfg_check_path, NULL,
            "our private key (PEM)"),
        STR(T, "crl", crl, cfg_check_path, NULL,
            "certificate revocation lists of the CA(s) (PEM; optional)"),
};
#undef T

/* ---- customer gateway -------------------------------------------------- */
#define T struct vpn_cfg_cgw
static const struct opt cgw_opts[] = {
        STR(T, "name", name, vpn_check_name, NULL, "customer gateway name",
            .required = true),
        IPV4(T, "address", address,
             "its outside IPv4 address (optional with certificate auth)"),
        INT(T, "bgp_asn", bgp_asn, 1, 4294967295LL, NULL, "its BGP ASN"),
        ENUM(T, "authentication", auth, cfg_auth_names, "psk",
             "psk or certificate"),
        STR(T, "certificate_identity", certificate_identity, cfg_check_nonempty,
            NULL, "identity in its certificate (subject DN or SAN)"),
};
#undef T

/* ---- VPN connection ------------------------------------------------------ */
#define T struct vpn_cfg_conn
static const struct opt conn_opts[] = {
        STR(T, "name", name, vpn_check_name, NULL, "connection name",
            .required = true),
        STR(T, "customer_gateway", customer_gateway, vpn_check_name, NULL,
            "name of its customer gateway", .required = true),
        ENUM(T, "routing", routing, cfg_routing_names, "static",
             "static or bgp"),
        PLIST(T, "static_routes", static_routes, "",
              "remote prefixes routed into this connection (static routing)"),
        PLIST(T, "local_networks", local_networks, "0.0.0.0/0",
              "traffic selector, our side (AWS: LocalIpv4NetworkCidr)"),
        PLIST(T, "remote_networks", remote_networks, "0.0.0.0/0",
              "traffic selector, CGW side (AWS: RemoteIpv4NetworkCidr)"),
        ENUM(T, "attachment", attachment, cfg_attach_names, "vgw",
             "vgw or tgw"),
        BOOL(T, "acceleration", acceleration, "false",
             "always UDP-encapsulate ESP (tgw only; fixed at creation)"),
        ENUM(T, "steering", steering, cfg_steer_names, "active-standby",
             "how traffic uses the two tunnels"),
        INT(T, "bgp_max_prefixes", bgp_max_prefixes, 1, 100000, "100",
            "prefixes one BGP session may announce; more: it goes down "
            "(AWS: 100)"),
        BOOL(T, "bgp_bfd", bgp_bfd, "false",
             "BFD on its BGP sessions: a dead tunnel is seen in "
             "bfd_interval x bfd_multiplier, not the 30 s hold time (the "
             "CGW must run BFD too)"),
        INT(T, "bfd_interval", bfd_interval, 50, 10000, "300",
            "milliseconds between BFD packets, each way"),
        INT(T, "bfd_multiplier", bfd_multiplier, 2, 50, "3",
            "BFD packets missed in a row that take the session down"),
        IPV4(T, "health_check_target", health_check_target,
             "a host behind the CGW that answers ping: probed through "
             "each tunnel (default: no health checks)"),
        INT(T, "health_check_interval", health_check_interval, 100, 60000,
            "1000", "milliseconds between two probes of a tunnel"),
        INT(T, "health_check_threshold", health_check_threshold, 1, 10, "3",
            "probes missed in a row that take a tunnel down (as many "
            "answered bring it back)"),
};
#undef T

/* ---- tunnel (AWS tunnel options) ------------------------------------- */
#define T struct vpn_cfg_tunnel
static const struct opt tunnel_opts[] = {
        IPV4(T, "outside_address", outside_address,
             "our endpoint; default: the appliance's Nth outside address"),
        IPV4(T, "remote_address", remote_address,
             "the peer's endpoint; default: the customer gateway's "
             "address (give it when we play the CGW, whose two tunnels "
             "go to two addresses)"),
        PREFIX(T, "inside_cidr", inside_cidr, check_inside_cidr,
               "AWS: TunnelInsideCidr; generated when absent"),
        STR(T, "psk", psk, vpn_check_psk, NULL,
            "AWS: PreSharedKey; generated when absent"),
        SET(T, "phase1_encryption", phase1_encryption, cfg_enc_names, NULL,
            ALL_ENC, "AWS: Phase1EncryptionAlgorithms"),
        SET(T, "phase1_integrity", phase1_integrity, cfg_integ_names, NULL,
            ALL_INTEG, "AWS: Phase1IntegrityAlgorithms"),
        DHSET(T, "phase1_dh_groups", phase1_dh_groups, VPN_DH_PHASE1_ALLOWED,
              "2," GROUPS_14_24, "2, 14-24"),
        SET(T, "phase2_encryption", phase2_encryption, cfg_enc_names, NULL,
            ALL_ENC, "AWS: Phase2EncryptionAlgorithms"),
        SET(T, "phase2_integrity", phase2_integrity, cfg_integ_names, NULL,
            ALL_INTEG, "AWS: Phase2IntegrityAlgorithms"),
        DHSET(T, "phase2_dh_groups", phase2_dh_groups, VPN_DH_PHASE2_ALLOWED,
              "2,5," GROUPS_14_24, "2, 5, 14-24"),
        SET(T, "ike_versions", ike_versions, cfg_ike_names, check_ike_version,
            "ikev2", "AWS: IKEVersions"),
        INT(T, "phase1_lifetime", phase1_lifetime, 900, 28800, "28800",
            "AWS: Phase1LifetimeSeconds"),
        INT(T, "phase2_lifetime", phase2_lifetime, 900, 3600, "3600",
            "AWS: Phase2LifetimeSeconds"),
        INT(T, "rekey_margin", rekey_margin, 60, 1800, "540",
            "AWS: RekeyMarginTimeSeconds"),
        INT(T, "rekey_fuzz", rekey_fuzz, 0, 100, "100",
            "AWS: RekeyFuzzPercentage"),
        INT(T, "replay_window", replay_window, 64, 2048, "1024",
            "AWS: ReplayWindowSize (packets)"),
        INT(T, "dpd_timeout", dpd_timeout, 30, 2147483647, "30",
            "AWS: DPDTimeoutSeconds"),
        ENUM(T, "dpd_action", dpd_action, cfg_dpd_names, "clear",
             "AWS: DPDTimeoutAction"),
        ENUM(T, "startup_action", startup_action, cfg_startup_names, "add",
             "AWS: StartupAction"),
        BOOL(T, "enabled", enabled, "true",
             "false: administratively down (no IKE SA either way, no ESP; "
             "traffic takes the other tunnel)"),
        /* Labs only: seconds instead of AWS's minimums, to watch many
         * rekeys in a short test; loudly warned about. */
        INT(T, "lab_phase1_lifetime", lab_phase1_lifetime, 10, 28800, NULL,
            "LAB ONLY: IKE SA lifetime, below AWS's minimum"),
        INT(T, "lab_phase2_lifetime", lab_phase2_lifetime, 5, 3600, NULL,
            "LAB ONLY: Child SA lifetime, below AWS's minimum"),
        INT(T, "lab_rekey_margin", lab_rekey_margin, 1, 1800, NULL,
            "LAB ONLY: rekey margin, below AWS's minimum"),
        INT(T, "lab_rekey_packets", lab_rekey_packets, 1000, 4294967295LL, NULL,
            "LAB ONLY: rekey the Child SA after this many packets out "
            "(stopped at 1.25 times as many)"),
};
#undef T

/* ---- manual keys (lab) ------------------------------------------------- */
static int
check_transform(const char *s, char *err, size_t len)
{
	if (vpn_crypto_alg_find(s) != NULL)
		return 0;
	size_t used = (size_t)snprintf(err, len,
	                               "algorithm: unknown ESP transform '%s' "
	                               "(one of:",
	                               s);
	for (unsigned int i = 0; vpn_crypto_alg_at(i) && used < len; i++)
		used += (size_t)snprintf(err + used, len - used, " %s",
		                         vpn_crypto_alg_at(i)->name);
	if (used < len)
		snprintf(err + used, len - used, ")");
	return -1;
}

static int
check_hex(const char *s, char *err, size_t len)
{
	uint8_t buf[VPN_KEY_HEX_MAX / 2];

	if (vpn_hex_decode(s, buf, sizeof(buf)) <= 0) {
		snprintf(err, len,
		         "'%.24s' is not a key in hex (an even number of "
		         "digits 0-9, a-f)",
		         s);
		return -1;
	}
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

const char *const cfg_encap_names[] = {"esp", "udp", NULL};

#define T struct vpn_cfg_manual
static const struct opt manual_opts[] = {
        STR(T, "algorithm", algorithm, check_transform, NULL, "ESP transform",
            .required = true),
        INT(T, "spi_in", spi_in, 256, 4294967295LL, NULL,
            "SPI of the inbound SA (ours)", .required = true),
        INT(T, "spi_out", spi_out, 256, 4294967295LL, NULL,
            "SPI of the outbound SA (the peer's)", .required = true),
        STR(T, "key_in", key_in, check_hex, NULL,
            "inbound cipher key in hex (GCM: key and 4-byte salt)",
            .required = true),
        STR(T, "key_out", key_out, check_hex, NULL,
            "outbound cipher key in hex (GCM: key and 4-byte salt)",
            .required = true),
        STR(T, "auth_key_in", auth_key_in, check_hex, NULL,
            "inbound HMAC key in hex (CBC transforms)"),
        STR(T, "auth_key_out", auth_key_out, check_hex, NULL,
            "outbound HMAC key in hex (CBC transforms)"),
        BOOL(T, "esn", esn, "false", "64-bit extended sequence numbers"),
        ENUM(T, "encapsulation", encapsulation, cfg_encap_names, "esp",
             "esp (IP protocol 50) or udp (port 4500, RFC 3948)"),
        BOOL(T, "replay_check", replay_check, "true",
             "anti-replay; false only for benchmarks replaying a pcap"),
};
#undef T

/* ---- benchmark profiles ------------------------------------------------ */
static int
check_frame_size(const char *s, char *err, size_t len)
{
	char *end;
	long v;

	if (strcmp(s, "imix") == 0)
		return 0;
	v = strtol(s, &end, 10);
	if (*s != '\0' && *end == '\0' && v >= 64 && v <= 9000)
		return 0;
	snprintf(err, len,
	         "sizes: '%s' is not a frame size (64..9000 bytes, or imix)",
	         s);
	return -1;
}

static int
check_percent(const char *s, char *err, size_t len)
{
	char *end;
	double v = strtod(s, &end);

	if (*s != '\0' && *end == '\0' && v >= 0 && v <= 100)
		return 0;
	snprintf(err, len, "max_loss: '%s' is not a percentage (0..100)", s);
	return -1;
}

/* One line of plain text (printable ASCII): it goes into reports, JSON
 * and Markdown tables. */
static int
check_text(const char *s, char *err, size_t len)
{
	for (const char *c = s; *c; c++)
		if (*c < ' ' || *c > '~') {
			snprintf(err, len,
			         "description: character %u at %zu: printable "
			         "ASCII only, one line",
			         (unsigned char)*c, (size_t)(c - s) + 1);
			return -1;
		}
	return 0;
}

static const char *const cfg_topology_names[] = {"memif", "pcap", "netns",
                                                 NULL};
static const char *const cfg_direction_names[] = {"encrypt", "decrypt", NULL};
static const char *const cfg_peer_names[] = {"ipsec-secgw", "strongswan", NULL};

#define T struct vpn_bench_profile
static const struct opt profile_opts[] = {
        STR(T, "name", name, vpn_check_name, NULL, "the profile's name",
            .required = true),
        STR(T, "description", description, check_text, "",
            "one line of printable ASCII for the report"),
        ENUM(T, "topology", topology, cfg_topology_names, NULL,
             "memif (generator <-> vpngw), pcap (replay -> vpngw -> "
             "null) or netns (generator on af_packet <-> a namespace)",
             .required = true),
        {.name = "sizes",
         .kind = K_STR_LIST,
         .off = offsetof(T, sizes),
         .count_off = offsetof(T, n_sizes),
         .size = sizeof(((T *)0)->sizes[0]),
         .max = VPN_PROF_MAX_SIZES,
         .check = check_frame_size,
         .deflt = "64,imix,1420",
         .help = "Ethernet frame sizes with FCS, or imix (7:4:1)"},
        {.name = "algorithms",
         .kind = K_STR_LIST,
         .off = offsetof(T, algorithms),
         .count_off = offsetof(T, n_algorithms),
         .size = sizeof(((T *)0)->algorithms[0]),
         .max = VPN_PROF_MAX_ALGS,
         .check = check_transform,
         .deflt = "aes128gcm16",
         .help = "ESP transforms"},
        SET(T, "directions", directions, cfg_direction_names, NULL,
            "encrypt,decrypt",
            "encrypt (inside -> ESP), decrypt (ESP -> "
            "inside)"),
        INT(T, "tunnels", tunnels, 1, VPN_PROF_TUNNELS, "1",
            "tunnels (one SA each way), traffic spread over them"),
        INT(T, "workers", workers, 1, VPN_MAX_WORKERS, "1",
            "worker lcores of the gateway under test"),
        INT(T, "seconds", seconds, 1, 60, "1", "length of one trial"),
        INT(T, "trials", trials, 1, 20, "6",
            "trials of the RFC 2544 search (memif, netns)"),
        INT(T, "rounds", rounds, 1, 10, "1",
            "runs of each case, implementations taking turns"),
        STR(T, "max_loss", max_loss, check_percent, "0.1",
            "loss (percent) a passing trial may have"),
        SET(T, "peers", peers, cfg_peer_names, NULL, "",
            "implementations measured beside vpngw", .may_be_empty = true),
        BOOL(T, "default", default_set, "false",
             "in the runner's default profile set"),
        BOOL(T, "scaling", scaling, "false",
             "run each case with 1 to workers workers and report the "
             "rate against 1 worker's (pcap)"),
};
#undef T

#define TABLE(kind_, opts_, T)                            \
	[kind_] = {.opts = opts_,                         \
	           .n = sizeof(opts_) / sizeof(opts_[0]), \
	           .src_off = offsetof(T, src)}

const struct opt_table vpn_opt_tables[VPN_OBJ_COUNT] = {
        TABLE(VPN_OBJ_APPLIANCE, appliance_opts, struct vpn_cfg_appliance),
        TABLE(VPN_OBJ_PORT, port_opts, struct vpn_cfg_port),
        TABLE(VPN_OBJ_CONSOLE, console_opts, struct vpn_cfg_console),
        TABLE(VPN_OBJ_PKI, pki_opts, struct vpn_cfg_pki),
        TABLE(VPN_OBJ_CGW, cgw_opts, struct vpn_cfg_cgw),
        TABLE(VPN_OBJ_CONN, conn_opts, struct vpn_cfg_conn),
        TABLE(VPN_OBJ_TUNNEL, tunnel_opts, struct vpn_cfg_tunnel),
        TABLE(VPN_OBJ_MANUAL, manual_opts, struct vpn_cfg_manual),
        TABLE(VPN_OBJ_PROFILE, profile_opts, struct vpn_bench_profile),
};

_Static_assert(sizeof(tunnel_opts) / sizeof(tunnel_opts[0]) <= VPN_MAX_OPTS,
               "struct vpn_src tracks at most VPN_MAX_OPTS options");
