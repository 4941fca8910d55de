/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_FPM_H
#define VPN_FPM_H
/*
 * The Forwarding Plane Manager protocol as FRR's zebra speaks it
 * (dplane_fpm_nl): zebra connects to the data plane over TCP and sends
 * each route it selects, and each withdrawal, as an rtnetlink message in
 * an FPM frame. This parses the frames (no sockets, no DPDK); every
 * length is checked against what arrived.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VPN_FPM_HDR    4
#define VPN_FPM_MAX    65535 /* a frame's length is 16 bits */
#define VPN_FPM_MAX_NH 8     /* next hops kept per route */

/* One IPv4 route of a frame (host order). */
struct vpn_fpm_route {
	bool del;          /* RTM_DELROUTE: withdrawn */
	uint32_t addr;     /* host bits cleared */
	uint8_t len;       /* 0..32 */
	uint8_t proto;     /* rtm_protocol: 186 is BGP */
	uint8_t type;      /* rtm_type: 1 unicast, 6 blackhole, ... */
	uint32_t table;    /* RTA_TABLE, else rtm_table */
	uint32_t oif;      /* RTA_OIF (one next hop) */
	unsigned int n_gw; /* gateways, RTA_GATEWAY or RTA_MULTIPATH's */
	uint32_t gw[VPN_FPM_MAX_NH];
	bool truncated; /* it had more next hops than gw holds */
};

/*
 * The first frame of buf[0..len): fn is called for each IPv4 route in it
 * (other families and messages are skipped). Returns the frame's length
 * (consumed), 0 when buf does not hold a whole frame yet, or -EBADMSG
 * (bad framing or a malformed message: the stream can't be trusted
 * further; routes before the bad one were passed to fn).
 */
long vpn_fpm_frame(const uint8_t *buf, size_t len,
                   void (*fn)(void *arg, const struct vpn_fpm_route *r),
                   void *arg);

#define VPN_RTPROT_BGP 186
#endif /* VPN_FPM_H */
