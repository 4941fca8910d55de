/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_CFG_H
#define VPN_CFG_H

/*
 * The configuration model: the appliance, its customer gateways and its VPN
 * connections, each with two tunnels and every AWS tunnel option.
 *
 * One code path changes the model, whichever way a change comes in: the
 * libconfig loader and (later) the console both call vpn_cfg_set() with an
 * option name and its value as text, then vpn_cfg_check() for the cross-field
 * rules. Problems are collected in a struct vpn_diag as FILE:LINE messages.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vpn_prefix.h"

#define VPN_NAME_MAX       32 /* object names: [A-Za-z0-9_.-]{1,32} */
#define VPN_PSK_MIN        8
#define VPN_PSK_MAX        64
#define VPN_PSK_GEN_LEN    32 /* length of a generated PSK */
#define VPN_PATH_MAX       256
#define VPN_DEVICE_MAX     256 /* PCI address or vdev string */
#define VPN_IDENTITY_MAX   256 /* certificate identity (subject DN or SAN) */
#define VPN_HASH_MAX       128 /* crypt(3) password hash */
#define VPN_MAX_PORTS      8
#define VPN_MAX_OUT_PORTS  4 /* outside ports: an uplink per tunnel */
#define VPN_MAX_WORKERS    64
#define VPN_MAX_LCORE      127
#define VPN_MAX_QUEUES     16
#define VPN_MAX_OUTSIDE    64
#define VPN_MAX_PREFIXES   100 /* per list; AWS allows 100 static routes */
#define VPN_MAX_EAL_ARGS   32
#define VPN_MAX_STATIC_ARP 16 /* per port */
#define VPN_NEIGHBOR_MAX   40 /* "A.B.C.D xx:xx:xx:xx:xx:xx" */
#define VPN_MAX_CGWS       8000
#define VPN_MAX_CONNS      8000
/* Static routes of all connections together: what app-largest runs
 * (each also goes on the exception TAP, into the kernel). */
#define VPN_MAX_STATIC_ROUTES 102400
#define VPN_TUNNELS           2          /* per VPN connection, always */
#define VPN_MAX_OPTS          48         /* options per object kind */
#define VPN_CFG_MAX_SIZE      (16 << 20) /* bytes in a configuration file */

/* ---- diagnostics ------------------------------------------------------ */

enum vpn_severity { VPN_DIAG_WARNING, VPN_DIAG_ERROR };

struct vpn_diag_msg {
	enum vpn_severity sev;
	char *file;        /* NULL: no file (e.g. a console change) */
	unsigned int line; /* 0: no line */
	unsigned int seq;  /* order of arrival, for a stable sort */
	char *text;
};

struct vpn_diag {
	struct vpn_diag_msg *msg;
	unsigned int n, cap;
	unsigned int errors, warnings;
	/* Messages about this file are kept without file and line: a
	 * console change checked on a copy of the running model, whose
	 * objects still carry the lines of the file read at start. */
	const char *unplaced;
};

void vpn_diag_init(struct vpn_diag *d);
void vpn_diag_free(struct vpn_diag *d);
__attribute__((format(printf, 5, 6))) void
vpn_diag_add(struct vpn_diag *d, enum vpn_severity sev, const char *file,
             unsigned int line, const char *fmt, ...);
/* Print every message, sorted by file and line, as FILE:LINE: sev: text
 * (one without a file as "% text" or "% warning: text"). */
void vpn_diag_print(struct vpn_diag *d, FILE *out);

/* ---- enumerations ----------------------------------------------------- */

enum vpn_port_role { VPN_PORT_OUTSIDE, VPN_PORT_INSIDE };
enum vpn_routing { VPN_ROUTING_STATIC, VPN_ROUTING_BGP };
enum vpn_attachment { VPN_ATTACH_VGW, VPN_ATTACH_TGW };
enum vpn_steering { VPN_STEER_ACTIVE_STANDBY, VPN_STEER_ACTIVE_ACTIVE };
enum vpn_auth { VPN_AUTH_PSK, VPN_AUTH_CERT };
enum vpn_dpd_action { VPN_DPD_CLEAR, VPN_DPD_NONE, VPN_DPD_RESTART };
enum vpn_startup { VPN_STARTUP_ADD, VPN_STARTUP_START };
enum vpn_encap { VPN_ENCAP_ESP, VPN_ENCAP_UDP };

/* Encryption algorithm set bits, in AWS's (and our proposal) order. */
enum {
	VPN_ENC_AES128 = 1u << 0,
	VPN_ENC_AES256 = 1u << 1,
	VPN_ENC_AES128_GCM16 = 1u << 2,
	VPN_ENC_AES256_GCM16 = 1u << 3,
};
/* Integrity algorithm set bits. */
enum {
	VPN_INTEG_SHA1 = 1u << 0,
	VPN_INTEG_SHA2_256 = 1u << 1,
	VPN_INTEG_SHA2_384 = 1u << 2,
	VPN_INTEG_SHA2_512 = 1u << 3,
};
/* IKE version set bits. */
enum { VPN_IKEV2 = 1u << 1 };
/* DH group sets are bitmasks with bit N for group N. */
#define VPN_DH(n)             (1u << (n))
#define VPN_DH_PHASE1_ALLOWED (VPN_DH(2) | 0x1ffc000u) /* 2, 14..24 */
#define VPN_DH_PHASE2_ALLOWED \
	(VPN_DH(2) | VPN_DH(5) | 0x1ffc000u) /* 2, 5, 14..24 */

/* ---- model ------------------------------------------------------------ */

/* Where an object and each of its options came from. */
struct vpn_src {
	unsigned int line; /* the object's own line */
	uint64_t set;      /* bit i: option i was given */
	uint64_t derived;  /* bit i: option i was filled in by vpn_cfg_check
	                    * from another object (its customer gateway's
	                    * address, say), not given: it follows that one */
	unsigned int opt_line[VPN_MAX_OPTS]; /* line of option i, 0 if none */
};

struct vpn_prefix_list {
	unsigned int n;
	struct vpn_prefix v[VPN_MAX_PREFIXES];
};

struct vpn_cfg_port {
	char name[VPN_NAME_MAX + 1];
	int role; /* enum vpn_port_role */
	char device[VPN_DEVICE_MAX];
	int64_t queues;
	int64_t mtu;
	struct vpn_prefix address; /* interface address/len, optional */
	uint32_t gateway;          /* next hop, optional */
	int64_t vlan;              /* 802.1Q VLAN ID; 0: untagged */
	int64_t arp_timeout;       /* seconds a learned neighbour is trusted */
	unsigned int n_static_arp; /* permanent neighbours */
	char static_arp[VPN_MAX_STATIC_ARP][VPN_NEIGHBOR_MAX];
	struct vpn_src src;
};

struct vpn_cfg_console {
	uint32_t listen_addr;
	uint16_t listen_port;
	char user[VPN_NAME_MAX + 1];
	char password_hash[VPN_HASH_MAX + 1]; /* crypt(3); empty: none */
	int64_t max_sessions;
	int64_t idle_timeout;
	int64_t login_timeout;
	int64_t login_block;
	struct vpn_src src;
};

struct vpn_cfg_pki {
	char ca[VPN_PATH_MAX];
	char certificate[VPN_PATH_MAX];
	char private_key[VPN_PATH_MAX];
	char crl[VPN_PATH_MAX]; /* optional: CRLs of the CA(s) (PEM) */
	struct vpn_src src;
};

struct vpn_cfg_appliance {
	char name[VPN_NAME_MAX + 1];
	char state_dir[VPN_PATH_MAX];
	unsigned int n_eal_args;
	char eal_args[VPN_MAX_EAL_ARGS][VPN_DEVICE_MAX];
	int64_t control_lcore;
	unsigned int n_workers;
	int64_t workers[VPN_MAX_WORKERS];
	int64_t worker_idle_sleep; /* µs; 0: poll without sleeping */
	int64_t ike_helpers;       /* DH key pairs made ahead (0-8) */
	unsigned int n_outside;
	uint32_t outside_addresses[VPN_MAX_OUTSIDE];
	struct vpn_prefix_list inside_networks;
	int64_t bgp_asn;
	char exception_iface[16]; /* kernel TAP for our own traffic; "": none */
	char tunnel_log[VPN_PATH_MAX]; /* "": none */
	bool tunnel_log_syslog;
	int64_t tunnel_log_max_kb;
	uint32_t metrics_addr; /* Prometheus endpoint; port 0: none */
	uint16_t metrics_port;
	unsigned int n_ports;
	struct vpn_cfg_port ports[VPN_MAX_PORTS];
	struct vpn_cfg_console console;
	struct vpn_cfg_pki pki;
	struct vpn_src src;
};

struct vpn_cfg_cgw {
	char name[VPN_NAME_MAX + 1];
	uint32_t address; /* outside IPv4 address; optional with certs */
	int64_t bgp_asn;  /* 0: none */
	int auth;         /* enum vpn_auth */
	char certificate_identity[VPN_IDENTITY_MAX];
	struct vpn_src src;
};

/*
 * Manual keying (labs and benchmarks only): the tunnel's Child SAs come
 * from the file instead of IKE; no rekey, no DPD, and the replay window
 * starts afresh at every restart.
 */
#define VPN_KEY_HEX_MAX 144 /* 64-byte HMAC key, or 36 GCM bytes, in hex */

struct vpn_cfg_manual {
	bool present;       /* a manual_keys group was given */
	char algorithm[16]; /* an ESP transform: aes128gcm16, aes256-sha256 */
	int64_t spi_in, spi_out;
	char key_in[VPN_KEY_HEX_MAX + 1], key_out[VPN_KEY_HEX_MAX + 1];
	char auth_key_in[VPN_KEY_HEX_MAX + 1],
	        auth_key_out[VPN_KEY_HEX_MAX + 1];
	bool esn;
	int encapsulation; /* enum vpn_encap */
	bool replay_check; /* false: benchmarks replaying a pcap */
	struct vpn_src src;
};

struct vpn_cfg_tunnel {
	uint32_t outside_address; /* ours; default: appliance's Nth */
	uint32_t remote_address;  /* the peer's; default: the CGW's */
	struct vpn_prefix inside_cidr;
	char psk[VPN_PSK_MAX + 1];
	uint32_t phase1_encryption, phase1_integrity, phase1_dh_groups;
	uint32_t phase2_encryption, phase2_integrity, phase2_dh_groups;
	uint32_t ike_versions;
	int64_t phase1_lifetime, phase2_lifetime;
	int64_t rekey_margin, rekey_fuzz;
	/* Lab settings (0: not set) that replace the three above with
	 * values below AWS's minimums. */
	int64_t lab_phase1_lifetime, lab_phase2_lifetime, lab_rekey_margin;
	int64_t lab_rekey_packets; /* 0: none (see check_lab) */
	int64_t replay_window;
	int64_t dpd_timeout;
	int dpd_action;             /* enum vpn_dpd_action */
	int startup_action;         /* enum vpn_startup */
	bool enabled;               /* false: administratively down */
	bool psk_generated;         /* psk came from the state directory */
	bool inside_cidr_generated; /* inside_cidr came from the state dir */
	struct vpn_cfg_manual manual;
	struct vpn_src src;
};

struct vpn_cfg_conn {
	char name[VPN_NAME_MAX + 1];
	char customer_gateway[VPN_NAME_MAX + 1];
	int cgw; /* index into cfg->cgws, resolved by vpn_cfg_check() */
	int routing;
	struct vpn_prefix_list static_routes;
	struct vpn_prefix_list local_networks;
	struct vpn_prefix_list remote_networks;
	int attachment;
	bool acceleration;
	int steering;
	int64_t bgp_max_prefixes; /* per session, from the CGW */
	bool bgp_bfd;             /* BFD on its sessions (FRR's bfdd) */
	int64_t bfd_interval;     /* ms, both ways */
	int64_t bfd_multiplier;   /* packets missed: the session is down */
	/* Health checks: ICMP echo to target through each tunnel every
	 * interval ms; threshold misses in a row take the tunnel down, as
	 * many answers bring it back. Target 0: none. */
	uint32_t health_check_target;
	int64_t health_check_interval;
	int64_t health_check_threshold;
	struct vpn_cfg_tunnel tunnels[VPN_TUNNELS];
	/* Not an option: the index the running appliance knows the
	 * connection by (its place in the file at start; a connection made
	 * later gets a free one). Kept by vpn_cfg_dup(). */
	unsigned int slot;
	struct vpn_src src;
};

struct vpn_cfg {
	char *file; /* where it was loaded from */
	struct vpn_cfg_appliance appliance;
	unsigned int n_cgws;
	struct vpn_cfg_cgw *cgws;
	unsigned int n_conns;
	struct vpn_cfg_conn *conns;
};

/* ---- benchmark profiles (config/bench/NAME.conf) ---------------------- */

#define VPN_PROF_MAX_SIZES 8
#define VPN_PROF_MAX_ALGS  10
#define VPN_PROF_TUNNELS   1000 /* the most tunnels a profile may ask for */

/* What the traffic crosses: the generator and vpngw over memif, a pcap
 * replayed (net_pcap) into vpngw and out to net_null, or the generator on
 * af_packet ports into a network namespace holding the gateway. */
enum vpn_bench_topology { VPN_BENCH_MEMIF, VPN_BENCH_PCAP, VPN_BENCH_NETNS };
enum { VPN_BENCH_ENCRYPT = 1u << 0, VPN_BENCH_DECRYPT = 1u << 1 };
enum { VPN_BENCH_SECGW = 1u << 0, VPN_BENCH_STRONGSWAN = 1u << 1 };

/* One profile: a file's profile { ... } group, read by the same option
 * tables as the appliance (tools/bench.py runs it). */
struct vpn_bench_profile {
	char name[VPN_NAME_MAX + 1];
	char description[VPN_PATH_MAX];
	int topology; /* enum vpn_bench_topology */
	unsigned int n_sizes;
	char sizes[VPN_PROF_MAX_SIZES][8]; /* "64".."9000" or "imix" */
	unsigned int n_algorithms;
	char algorithms[VPN_PROF_MAX_ALGS][16]; /* ESP transforms */
	uint32_t directions;                    /* VPN_BENCH_ENCRYPT|DECRYPT */
	int64_t tunnels, workers, seconds, trials, rounds;
	char max_loss[16]; /* percent, decimal text: "0.1" */
	uint32_t peers;    /* VPN_BENCH_SECGW|STRONGSWAN: run beside vpngw */
	bool default_set;  /* one of the runner's default profiles */
	bool scaling;      /* each case with 1, 2, ... workers workers */
	struct vpn_src src;
};

/* Read a profile file; problems (FILE:LINE) go to d. Returns 0 when it
 * has no error. */
int vpn_bench_profile_load(const char *path, struct vpn_bench_profile *p,
                           struct vpn_diag *d);

/* ---- options by name: the one path for every change ------------------- */

/* The kinds of object that carry options. */
enum vpn_obj {
	VPN_OBJ_APPLIANCE,
	VPN_OBJ_PORT,
	VPN_OBJ_CONSOLE,
	VPN_OBJ_PKI,
	VPN_OBJ_CGW,
	VPN_OBJ_CONN,
	VPN_OBJ_TUNNEL,
	VPN_OBJ_MANUAL,
	VPN_OBJ_PROFILE,
	VPN_OBJ_COUNT
};

/* The libconfig shape an option's value takes. */
enum vpn_opt_shape {
	VPN_SHAPE_INT,
	VPN_SHAPE_BOOL,
	VPN_SHAPE_STRING,
	VPN_SHAPE_LIST_STRING,
	VPN_SHAPE_LIST_INT
};

/* Index of option name in kind's table, or -1. */
int vpn_opt_find(enum vpn_obj kind, const char *name);
const char *vpn_opt_name(enum vpn_obj kind, int idx);
unsigned int vpn_opt_count(enum vpn_obj kind);
enum vpn_opt_shape vpn_opt_shape(enum vpn_obj kind, int idx);

/* What option idx takes, for the console's help. */
struct vpn_opt_info {
	const char *help;  /* what it is */
	const char *deflt; /* as the file writes it; NULL: none */
	/* The words it takes (an enumeration, a set, a boolean),
	 * NULL-terminated; NULL: see syntax. */
	const char *const *names;
	bool list;       /* takes several values */
	char syntax[96]; /* "1-100000", "A.B.C.D/N", "group 2 5 14-24" */
};
void vpn_opt_info(enum vpn_obj kind, int idx, struct vpn_opt_info *in);

/*
 * Set option idx of obj (of the given kind) from n text values (one for a
 * scalar). On error, returns -EINVAL and writes a message to err. Range and
 * syntax checks happen here; rules between options in vpn_cfg_check().
 */
int vpn_opt_set(enum vpn_obj kind, void *obj, int idx, const char *const *vals,
                unsigned int n, char *err, size_t errlen);
/* Format option idx of obj in libconfig syntax ("900", "[\"a\", \"b\"]").
 * Returns false when the option is unset and has no default. */
bool vpn_opt_format(enum vpn_obj kind, const void *obj, int idx, char *buf,
                    size_t len);
/* Fill obj with the defaults of its kind. */
void vpn_obj_defaults(enum vpn_obj kind, void *obj);

/* ---- whole configurations --------------------------------------------- */

/* An empty model with the appliance defaults, or NULL (errno). */
struct vpn_cfg *vpn_cfg_new(void);
void vpn_cfg_free(struct vpn_cfg *cfg);
/* A deep copy (a candidate for a change), or NULL. */
struct vpn_cfg *vpn_cfg_dup(const struct vpn_cfg *cfg);
/* Append a connection with the defaults, named name, on the customer
 * gateway cgw (both checked by vpn_cfg_check), in the given slot; NULL
 * with errno (EEXIST, ENOSPC, ENOMEM). */
struct vpn_cfg_conn *vpn_cfg_conn_add(struct vpn_cfg *cfg, const char *name,
                                      const char *cgw, unsigned int slot);
/* The connection named name, or NULL. */
struct vpn_cfg_conn *vpn_cfg_conn_find(const struct vpn_cfg *cfg,
                                       const char *name);
/* Remove a connection (the ones after it move down). 0 or -ENOENT. */
int vpn_cfg_conn_del(struct vpn_cfg *cfg, const char *name);
/* The customer gateway named name, or NULL. */
struct vpn_cfg_cgw *vpn_cfg_cgw_find(const struct vpn_cfg *cfg,
                                     const char *name);
/* Append a customer gateway with the defaults (vpn_cfg_check judges it);
 * NULL with errno (EEXIST, ENOSPC, ENOMEM). */
struct vpn_cfg_cgw *vpn_cfg_cgw_add(struct vpn_cfg *cfg, const char *name);
/* Remove a customer gateway no connection uses. 0, -ENOENT or -EBUSY. */
int vpn_cfg_cgw_del(struct vpn_cfg *cfg, const char *name);

/* Load and check a file; every problem goes to d. NULL when the file can't
 * be read or parsed (or is over VPN_CFG_MAX_SIZE, has a NUL byte or an
 * @include); otherwise the model even if d->errors > 0. */
struct vpn_cfg *vpn_cfg_load(const char *path, struct vpn_diag *d);

/* Print what differs between a and b option by option: each object that
 * differs on a line ("connection NAME tunnel 2", "(new)", "(deleted)"),
 * then "-   option = old;" and "+   option = new;" as the file writes
 * them. Returns how many options and objects differ (0: the same). */
unsigned int vpn_cfg_diff(const struct vpn_cfg *a, const struct vpn_cfg *b,
                          FILE *o);
/* The same from text, named name in messages (tests, console). */
struct vpn_cfg *vpn_cfg_load_string(const char *text, const char *name,
                                    struct vpn_diag *d);

/* Cross-field rules over the whole model; adds to d. */
void vpn_cfg_check(struct vpn_cfg *cfg, struct vpn_diag *d);

/* Write the normalised configuration, every default filled in, in
 * libconfig syntax; loading it gives the same model. */
void vpn_cfg_write(const struct vpn_cfg *cfg, FILE *out);

/*
 * Generated values: fill every absent PSK (32 characters from OpenSSL's
 * RNG) and inside CIDR (a free /30) from STATE_DIR/generated.conf, creating
 * and saving new ones atomically, so they stay stable across restarts.
 * 0 or -errno; problems go to d.
 */
int vpn_cfg_apply_state(struct vpn_cfg *cfg, const char *state_dir,
                        struct vpn_diag *d);

/* The IPv4 traffic selectors our IKE offers for tunnel ti: the local (or
 * remote) networks, and with BGP the tunnel's inside /30 when they don't
 * cover it. How many, or -ENOSPC past max. */
int vpn_cfg_tunnel_ts(const struct vpn_cfg_conn *c, int ti, bool local,
                      struct vpn_prefix *out, unsigned int max);
/* Whether traffic runs between the tunnels' inside addresses (BGP
 * sessions, health checks' answers): each /30 then goes into its own
 * tunnel only, and our address in it is the appliance's. */
bool vpn_cfg_uses_inside(const struct vpn_cfg_conn *c);
/* Our (or the customer gateway's) address in a tunnel's inside /30. */
uint32_t vpn_cfg_inside_addr(const struct vpn_cfg_tunnel *t, bool ours);
/* The outside port (its rank among the outside ports, in file order) that
 * outside address addr leaves by: the one with that address, else the
 * one whose subnet holds it, else, when there is one outside port, that
 * one; -1: none. */
int vpn_cfg_outside_port(const struct vpn_cfg_appliance *a, uint32_t addr);
/* The customer gateway's configuration for connection conn in format fmt
 * ("strongswan", "frr" or "generic"). 0, -ENOENT or -EINVAL. */
int vpn_cfg_export(const struct vpn_cfg *cfg, const char *conn, const char *fmt,
                   FILE *out);
/* The same, naming our certificate's subject (our_id: NULL or "" when
 * none is loaded) where the customer gateway authenticates by
 * certificate. */
int vpn_cfg_export_as(const struct vpn_cfg *cfg, const char *conn,
                      const char *fmt, const char *our_id, FILE *out);

/* BFD's configuration (FRR bfdd: a profile per connection with
 * bgp_bfd), or -ENOENT when no connection asks for BFD. */
int vpn_cfg_frr_bfdd(const struct vpn_cfg *cfg, const char *log_file,
                     FILE *out);
/* Whether a connection of cfg has routing "bgp". */
bool vpn_cfg_has_bgp(const struct vpn_cfg *cfg);
/* vpngw's own BGP speaker's configuration (FRR bgpd; log_file, when not
 * NULL, is where it logs) for the model's BGP connections. 0, or -ENOENT
 * when no connection uses BGP. */
int vpn_cfg_frr_bgpd(const struct vpn_cfg *cfg, const char *log_file,
                     FILE *out);

/* Value checks shared with the console. 0 when valid, else -EINVAL and a
 * reason in err. */
int vpn_check_name(const char *s, char *err, size_t len);
int vpn_check_psk(const char *s, char *err, size_t len);
int vpn_check_inside_cidr(const struct vpn_prefix *p, char *err, size_t len);
bool vpn_asn_reserved(int64_t asn);

/* True when a port device is a PCI address (DDDD:BB:DD.F or BB:DD.F);
 * otherwise it is a DPDK vdev string ("net_af_packet0,iface=veth0"). */
bool vpn_device_is_pci(const char *dev);

/* A short human summary of the model (connections, tunnels, options). */
void vpn_cfg_summary(const struct vpn_cfg *cfg, FILE *out);

/* Generate a PSK of VPN_PSK_GEN_LEN characters into out (VPN_PSK_MAX + 1).
 * 0 or -EIO when the RNG fails. */
int vpn_psk_generate(char *out);

/* Decode hex text into at most max bytes: the byte count, or -EINVAL. */
int vpn_hex_decode(const char *hex, uint8_t *out, size_t max);

/* A static_arp entry "A.B.C.D xx:xx:xx:xx:xx:xx": 0, or -EINVAL. The
 * address is in host order. */
int vpn_neighbor_parse(const char *s, uint32_t *ip, uint8_t mac[6]);

/* Names of enumerated values, for summaries and the console. */
const char *vpn_routing_name(int v);
const char *vpn_attachment_name(int v);
const char *vpn_steering_name(int v);
const char *vpn_dpd_action_name(int v);
const char *vpn_startup_name(int v);
const char *vpn_auth_name(int v);
const char *vpn_port_role_name(int v);
const char *vpn_encap_name(int v);

#endif /* VPN_CFG_H */
