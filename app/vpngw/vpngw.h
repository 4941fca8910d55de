/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPNGW_H
#define VPNGW_H

#include <pthread.h>
#include <stdio.h>

#include "vpn_cfg.h"
#include "vpn_esp.h"
#include "vpn_ike.h"

/*
 * Start the DPDK EAL for cfg: lcores from the control and worker lcores,
 * one -a (PCI) or --vdev per port, --no-pci when no port is PCI, then
 * appliance.eal_args and the n extra arguments from the command line.
 * Checks that every configured port exists. 0 or -1 (message printed).
 */
int vpngw_eal_init(const struct vpn_cfg *cfg, int n, char **extra);
void vpngw_eal_cleanup(void);
/* The DPDK port of a configured device string. 0 or -errno. */
int vpngw_port_id(const char *device, uint16_t *id);
void vpngw_ports_summary(const struct vpn_cfg *cfg, FILE *out);

/* Every SA of the appliance: the engine, the inbound SPI table, and the
 * SAs (both directions) to free at the end. The list changes on the
 * control core as IKE adds and removes SAs; lock is held for that and by
 * readers on other threads (telemetry). */
struct vpngw_sas {
	struct vpn_crypto *eng;
	struct vpn_esp_sad *sad;
	struct vpn_esp_sa **sas;
	unsigned int n, cap;
	pthread_mutex_t lock;
	/* The outbound and inbound SA of tunnel t of connection c at
	 * [c * 2 + t], or NULL (no SA yet: the tunnel is down). */
	struct vpn_esp_sa **out_by_tunnel;
	struct vpn_esp_sa **in_by_tunnel;
};

/* Install the SAs of every tunnel with manual keys (logged loudly on log).
 * 0 or -errno (message printed). */
int vpngw_sa_install_manual(const struct vpn_cfg *cfg, struct vpngw_sas *s,
                            FILE *log);
void vpngw_sa_free(struct vpngw_sas *s);
/* Add an SA to the list, or take one out of it (not freeing it). 0 or
 * -ENOMEM / -ENOENT. */
int vpngw_sa_track(struct vpngw_sas *s, struct vpn_esp_sa *sa);
int vpngw_sa_untrack(struct vpngw_sas *s, struct vpn_esp_sa *sa);

/* IKE on the control core (ike.c): one engine for every tunnel without
 * manual keys, its sockets on the exception path's addresses (ports 500
 * and 4500), Child SAs installed through sas and the data plane. 0 (also
 * when no tunnel uses IKE) or -1 (logged). */
int vpngw_ike_start(const struct vpn_cfg *cfg, struct vpngw_sas *sas);
/* A tunnel of a connection (a new one, or at start) into IKE; nothing
 * for manual keys. 0 or -1 (logged). */
int vpngw_ike_tunnel_add(const struct vpn_cfg *cfg,
                         const struct vpn_cfg_conn *c, int ti);
/* Its settings changed: it negotiates again under the new ones. */
int vpngw_ike_tunnel_update(const struct vpn_cfg_conn *c, int ti);
/* Its connection was deleted: SAs deleted, the tunnel forgotten. */
void vpngw_ike_tunnel_remove(unsigned int slot, unsigned int ti);
enum { VPNGW_TUNNEL_UP, VPNGW_TUNNEL_DOWN, VPNGW_TUNNEL_RESET };
/* tunnel N up|down|reset. 0 or -ENOENT (not an IKE tunnel). */
int vpngw_ike_tunnel_admin(unsigned int slot, unsigned int ti, int what);
/* Seconds left of the Child SA with this SPI (either direction). 0 or
 * -ENOENT. */
int vpngw_ike_sa_life(uint32_t spi, uint32_t *left_s);
/* Read what arrived and run the timers: call it every loop turn. */
void vpngw_ike_poll(void);
/* Sleep up to ms milliseconds, waking early when an IKE datagram
 * arrives (so IKE answers without the loop's tick in its latency). */
void vpngw_ike_wait(int ms);
/* Delete every IKE SA with its peer, close the sockets. */
void vpngw_ike_stop(void);
/* A tunnel's IKE state as last published by the control core (every
 * 100 ms), for other threads (telemetry). */
struct vpngw_ike_info {
	char name[VPN_NAME_MAX + 8];
	struct vpn_ike_peer_info ike;
};
/* The engine's counters and up to max tunnels' states: how many. */
unsigned int vpngw_ike_read(struct vpn_ike_stats *st,
                            struct vpngw_ike_info *info, unsigned int max);

/* The data plane's event and drop counters, in the order they are shown
 * (the final counters, telemetry). */
/* clang-format off */
#define VPNGW_DP_COUNTERS(_) \
	_(tx_full) \
	_(bad_frame) \
	_(not_ip) \
	_(bad_arp) \
	_(arp_miss) \
	_(arp_refresh) \
	_(arp_expired) \
	_(arp_held) \
	_(arp_unresolved) \
	_(for_us) \
	_(to_kernel) \
	_(from_kernel) \
	_(not_for_us) \
	_(bad_inner) \
	_(no_route) \
	_(tunnel_down) \
	_(frag_needed) \
	_(fragmented) \
	_(frag_failed) \
	_(ttl_expired) \
	_(too_big_inside) \
	_(esp_out_drop) \
	_(esp_in_drop) \
	_(keepalive_in) \
	_(inner_src)
/* clang-format on */

/* Forwarding counters (rx/tx index 0: outside port, 1: inside port). */
struct vpngw_dp_stats {
	uint64_t rx[2], tx[2];
#define VPNGW_DP_FIELD(f) uint64_t f;
	VPNGW_DP_COUNTERS(VPNGW_DP_FIELD)
#undef VPNGW_DP_FIELD
};

/* Give the kernel interface ifname (the exception path's TAP) our
 * addresses and routes to what lies behind the data plane: outside and
 * inside port addresses, the other outside addresses, each tunnel's
 * remote endpoint and the static routes; no ARP on it. 0 or -1 (logged). */
int vpngw_kernel_setup(const struct vpn_cfg *cfg, const char *ifname);
/* The kernel routes of one connection (its tunnels' remote endpoints and
 * static routes), for one made or changed while running. 0 or -1. */
int vpngw_kernel_conn(const char *ifname, const struct vpn_cfg_conn *c);
/* Take a connection's kernel routes (as it was before a change, or before
 * it was deleted) off ifname, those that no connection of the new model
 * now still routes. 0 or -1 (logged). */
int vpngw_kernel_conn_withdraw(const char *ifname,
                               const struct vpn_cfg_conn *old,
                               const struct vpn_cfg *now);

/* Start the ports and the forwarding loop on every worker lcore; it runs
 * until *quit. 0 or -errno (logged). */
int vpngw_dp_start(const struct vpn_cfg *cfg, const struct vpngw_sas *sas,
                   volatile int *quit);
/* Rebuild the FIB and remote networks from cfg (the same connections as
 * at start) and publish them to the workers with RCU while they forward.
 * 0 or -errno. */
int vpngw_dp_set_routes(const struct vpn_cfg *cfg);
/*
 * A tunnel's Child SA from IKE: out carries its traffic, in (already in
 * the SPI table) is watched for liveness; the tunnel joins steering.
 * Returns the outbound SA it replaces (free it after vpngw_dp_sync()), or
 * NULL.
 */
struct vpn_esp_sa *vpngw_dp_tunnel_attach(unsigned int conn, unsigned int ti,
                                          struct vpn_esp_sa *out,
                                          struct vpn_esp_sa *in,
                                          const char *why);
/* Take a tunnel out of steering (without waiting): its SAs may be freed
 * once the grace period of a token taken after this call has passed. */
void vpngw_dp_tunnel_detach(unsigned int conn, unsigned int ti,
                            const char *why);
/* A connection's slot takes its settings (names, steering, liveness);
 * routes to it follow with the next vpngw_dp_set_routes(). */
void vpngw_dp_conn_set(const struct vpn_cfg_conn *c);
/* A deleted connection's slot: its tunnels out of steering. */
void vpngw_dp_conn_clear(unsigned int slot);
/* A manually keyed tunnel out of steering, or back in with its SA. */
void vpngw_dp_tunnel_admin(unsigned int conn, unsigned int ti, bool up,
                           const struct vpngw_sas *sas);
/* Wait until no worker holds anything unpublished before the call. */
void vpngw_dp_sync(void);
/* The same without waiting: a token now, and whether every worker has
 * passed a quiescent point since. */
uint64_t vpngw_dp_token(void);
bool vpngw_dp_passed(uint64_t token);
/* The control core's share of the data plane (ARP: learn, answer, ask,
 * age, publish to the workers): call it every millisecond or so. */
void vpngw_dp_control(void);
/* The live counters, summed over the workers and the control core; with
 * per_worker, also up to *n workers' own (*n becomes the worker count). */
void vpngw_dp_read(struct vpngw_dp_stats *st, struct vpngw_dp_stats *per_worker,
                   unsigned int *n);
/* lib/esp's counters over every SA there ever was and packets with none,
 * summed over the workers and the control core: cumulative. */
void vpngw_dp_esp_read(struct vpn_esp_stats *s);
/* A tunnel's liveness, for telemetry and the final report. */
struct vpngw_tunnel_info {
	char name[VPN_NAME_MAX + 8]; /* connection/N */
	bool up;
	double silent_s; /* since ESP last came in */
	uint64_t keepalives, changes;
	unsigned int conn, ti; /* slot, tunnel index */
	bool manual;
	double since_s; /* since the last change; -1: none */
	char why[64];   /* the last change's reason */
};
/* Up to max tunnels with SAs; how many were filled. */
unsigned int vpngw_dp_tunnels(struct vpngw_tunnel_info *info, unsigned int max);
/* A log line (printf format, no newline): on stdout as "vpngw: ...",
 * and kept in memory for the console's show log (log.c). */
void vpngw_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The last up to max kept lines, oldest first, each with its time; with
 * match, only those containing it. How many. */
unsigned int vpngw_log_read(FILE *out, const char *match, unsigned int max);

/* Register the /vpngw/... telemetry commands (telemetry.c). */
void vpngw_telemetry_init(struct vpngw_sas *sas);
/* Wait for the workers, stop the ports, hand back the counters (as
 * vpngw_dp_read). */
void vpngw_dp_stop(struct vpngw_dp_stats *st, struct vpngw_dp_stats *per_worker,
                   unsigned int *n);

/* ---- the running configuration (apply.c) ------------------------------
 * Under the control lock: the control core holds it for each turn of its
 * loop (main.c), the console for each command. */
void vpngw_ctl_lock(void);
void vpngw_ctl_unlock(void);

void vpngw_running_init(struct vpn_cfg *cfg, const char *state_dir,
                        struct vpngw_sas *sas);
struct vpn_cfg *vpngw_running(void);
struct vpngw_sas *vpngw_running_sas(void);
/* Make cand (a changed copy of the running model, or a file read again)
 * the running configuration: checked like a file, what can't change
 * while running refused (acceleration of a connection, manual keys,
 * appliance settings are kept), connections created and deleted, only
 * the tunnels whose settings changed negotiate again, routes published.
 * Messages to msg. Takes cand (freed when refused). 0 or -errno. */
int vpngw_apply(struct vpn_cfg *cand, FILE *msg);
/* The running configuration to its file, atomically; the old file is
 * kept as FILE.bak. 0 or -errno (message to msg). */
int vpngw_save(FILE *msg);
/* A tunnel "CONNECTION/N" of the running model. 0, -EINVAL, -ENOENT. */
int vpngw_tunnel_find(const char *name, unsigned int *slot, unsigned int *ti,
                      const struct vpn_cfg_conn **conn);
/* tunnel NAME up|down|reset (VPNGW_TUNNEL_*). 0 or -errno (msg). */
int vpngw_tunnel_admin(const char *name, int what, FILE *msg);
bool vpngw_tunnel_admin_down(unsigned int slot, unsigned int ti);
/* Once IKE and the data plane run: the tunnels the file has with
 * enabled = false go administratively down. */
void vpngw_running_start(void);

/* ---- the console (console.c) ------------------------------------------ */
/* Start it as the configuration says (a failure is logged: the appliance
 * runs on without it). */
void vpngw_console_start(const struct vpn_cfg *cfg);
void vpngw_console_stop(void);

#endif /* VPNGW_H */
