/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_DP_H
#define GW_DP_H

/* The data plane as the rest of the appliance sees it (dataplane.c and dp_*.c).
 */

#include <stdbool.h>
#include <stdint.h>

#include "gw_sa.h"
#include "vpn_cfg.h"
#include "vpn_esp.h"
#include "vpn_neigh.h"

struct vpn_route;

/*
 * What the data plane runs with, filled from the configuration model by
 * apply.c (vpngw_dp_params_of, vpngw_dp_conn_of): the data plane reads no
 * configuration structure (only the model's limits, VPN_MAX_*).
 */
struct vpngw_dp_port {
	char name[VPN_NAME_MAX + 1];
	char device[VPN_DEVICE_MAX]; /* DPDK device (PCI address or vdev) */
	bool outside;
	unsigned int queues, mtu;
	bool has_addr;
	uint32_t addr; /* host order */
	uint8_t len;
	uint32_t gateway;         /* 0: none */
	uint16_t vlan;            /* 802.1Q VLAN ID; 0: untagged */
	unsigned int arp_timeout; /* seconds a learned neighbour is trusted */
	unsigned int n_static_arp;
	struct vpn_neigh_entry static_arp[VPN_MAX_STATIC_ARP];
};

struct vpngw_dp_params {
	unsigned int n_workers;
	unsigned int workers[VPN_MAX_WORKERS]; /* lcores */
	unsigned int idle_sleep_us; /* the longest nap when idle; 0: none */
	unsigned int n_ports;
	struct vpngw_dp_port ports[VPN_MAX_PORTS];
	char exception_iface[VPN_NAME_MAX + 1]; /* empty: none */
	unsigned int n_outside;
	uint32_t outside[VPN_MAX_OUTSIDE];
	uint8_t outside_port[VPN_MAX_OUTSIDE]; /* each one's outside port:
	                                        * its rank among them */
};

/* A connection as the data plane keeps it (its slot's settings). */
struct vpngw_dp_conn {
	unsigned int slot;
	char name[VPN_NAME_MAX + 1];
	bool active_active; /* else active/standby, tunnel 1 first */
	/* Health checks (0: none): ICMP echo to probe_target through each
	 * tunnel every probe_ms; probe_threshold misses take it down. */
	uint32_t probe_target;
	unsigned int probe_ms, probe_threshold;
	struct {
		bool manual;    /* keyed by hand: liveness by ESP heard */
		bool dpd_clear; /* silence takes it down */
		unsigned int dpd_timeout; /* seconds of silence */
		uint32_t local;           /* our outside address: its port */
		uint32_t inside; /* our inside address (BGP): what comes
		                  * out of the tunnel to it is the kernel's;
		                  * 0: none */
	} t[VPN_TUNNELS];
};

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
	_(icmp_limited) \
	_(too_big_inside) \
	_(esp_out_drop) \
	_(esp_in_drop) \
	_(keepalive_in) \
	_(inner_src) \
	_(vlan_other) \
	_(idle_sleeps)
/* clang-format on */

/* Forwarding counters (rx/tx index 0: outside port, 1: inside port). */
struct vpngw_dp_stats {
	uint64_t rx[2], tx[2];
#define VPNGW_DP_FIELD(f) uint64_t f;
	VPNGW_DP_COUNTERS(VPNGW_DP_FIELD)
#undef VPNGW_DP_FIELD
};

/* Start the ports and the forwarding loop on every worker lcore; it runs
 * until *quit. 0 or -errno (logged). */
int vpngw_dp_start(const struct vpngw_dp_params *p, const struct vpngw_sas *sas,
                   volatile int *quit);
/* A new FIB from routes[0..nroutes) (prefix -> connection slot; longest
 * prefix wins) and the connections' remote networks remote[0..nremote),
 * published to the workers with RCU while they forward. 0 or -errno (the
 * old one stays). */
int vpngw_dp_set_routes(const struct vpn_route *routes, unsigned int nroutes,
                        const struct vpn_route *remote, unsigned int nremote);
/* The workers' FIB now: its routes, and how many FIBs were published
 * since start. */
void vpngw_dp_fib(unsigned int *routes, unsigned int *published);
/*
 * A tunnel's Child SA from IKE: out carries its traffic, in (already in
 * the SPI table) is watched for liveness; the tunnel joins steering.
 * Returns the outbound SA it replaces (free it once the grace period of
 * a token taken after this call has passed, or after vpngw_dp_sync()),
 * or NULL. Does not wait for the workers.
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
void vpngw_dp_conn_set(const struct vpngw_dp_conn *c);
/* A deleted connection's slot: its tunnels out of steering. */
void vpngw_dp_conn_clear(unsigned int slot);
/* A tunnel administratively down (out of steering whatever else it has)
 * or up; a manually keyed one's SAs leave or join too (IKE's are IKE's to
 * delete and negotiate again). */
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
	/* Health checks (probe_target 0: none). */
	uint32_t probe_target;
	uint64_t probes_sent, probes_answered, probe_rtt_us;
	bool probe_ok;  /* lib/health's PROBE source does not hold it */
	bool fail_open; /* in use though down: no tunnel answers */
};
/* Up to max tunnels with SAs; how many were filled. */
unsigned int vpngw_dp_tunnels(struct vpngw_tunnel_info *info, unsigned int max);

/* A resolved neighbour (ARP) of a port, for show arp. */
struct vpngw_neigh_view {
	int role; /* enum vpn_port_role */
	char port[VPN_NAME_MAX + 1];
	uint32_t ip;
	uint8_t mac[6];
};
/* Every port's resolved neighbours (learned and static) into v[0..max):
 * how many. Under the control lock. */
unsigned int vpngw_dp_neighbours(struct vpngw_neigh_view *v, unsigned int max);
/* A port's link as the data plane acts on it (show interfaces). */
struct vpngw_port_link {
	bool up;         /* the device's link, and its kernel interface's
	                  * carrier when it has one (af_packet, af_xdp) */
	bool lsc;        /* the device reports changes (LSC interrupt); else
	                  * polled every 250 ms */
	char ifname[16]; /* that kernel interface; "" none */
	uint64_t changes;
	double since_s; /* since the last change; -1: none */
	uint64_t rx_offloads, tx_offloads, rss_hf; /* as started */
};
/* The link of DPDK port id (false: not one of the data plane's). Under
 * the control lock. */
bool vpngw_dp_port_link(uint16_t id, struct vpngw_port_link *l);

/* Wait for the workers, stop the ports, hand back the counters (as
 * vpngw_dp_read). */
void vpngw_dp_stop(struct vpngw_dp_stats *st, struct vpngw_dp_stats *per_worker,
                   unsigned int *n);

#endif /* GW_DP_H */
