/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_PKT_H
#define VPN_PKT_H

/*
 * Packet helpers of the data plane, on single-segment rte_mbufs whose data
 * starts at an IP header (or, for ARP, at the ARP header): flow hashing and
 * two-tunnel steering, TCP MSS clamping, IPv4 fragmentation before
 * encryption, ICMP "fragmentation needed", ARP. Each checks what it reads
 * against the mbuf's length; none allocates except where it says so.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

/* ---- flows and steering ------------------------------------------------- */

/* A hash of the flow (addresses, protocol and, when present in the first
 * fragment, ports) of an IPv4 or IPv6 packet of len bytes; the same for
 * every packet of a flow. */
uint32_t vpn_flow_hash(const uint8_t *ip, unsigned int len);

enum vpn_steer { VPN_STEER_STANDBY, VPN_STEER_ACTIVE };

/*
 * Which of a connection's two tunnels a packet takes: up is a bitmask of
 * the tunnels that are up (bit 0: tunnel 1). Active/standby prefers tunnel
 * 1 while it is up; active/active spreads flows by hash over the tunnels
 * that are up, a flow staying on one tunnel while both are. -1 when none is
 * up.
 */
static inline int
vpn_steer_pick(enum vpn_steer mode, unsigned int up, uint32_t hash)
{
	switch (up & 3) {
	case 0:
		return -1;
	case 1:
		return 0;
	case 2:
		return 1;
	default:
		/* Both up: tunnel 1, or the hash's pick (its top bit, the
		 * best mixed of a CRC). */
		return mode == VPN_STEER_STANDBY ? 0 : (int)(hash >> 31);
	}
}

/* ---- MSS clamping ------------------------------------------------------- */

/*
 * If the packet is a TCP SYN (IPv4 or IPv6, not a fragment) whose MSS
 * option is above mss, lower it to mss and fix the TCP checksum (RFC
 * 1624). Returns 1 when it changed the packet, 0 otherwise.
 */
int vpn_mss_clamp(uint8_t *ip, unsigned int len, uint16_t mss);

/* The MSS that fits a tunnel MTU for an IPv4 (or IPv6) inner packet. */
static inline uint16_t
vpn_mss_for_mtu(unsigned int mtu, bool ipv6)
{
	return (uint16_t)(mtu - (ipv6 ? 40 : 20) - 20);
}

/* ---- IPv4 fragmentation ---------------------------------------------------
 */

/*
 * Split the IPv4 packet in m into fragments of at most mtu bytes each
 * (RFC 791), as new single-segment mbufs from pool, into out[0..max).
 * m is left untouched. Returns the number of fragments, or -EINVAL (not
 * IPv4, DF set, or a bad header), -EMSGSIZE (more than max fragments) or
 * -ENOMEM; on error no mbuf is left allocated.
 */
int vpn_ipv4_fragment(const struct rte_mbuf *m, unsigned int mtu,
                      struct rte_mempool *pool, struct rte_mbuf **out,
                      unsigned int max);

/* ---- ICMP ------------------------------------------------------------------
 */

/*
 * An ICMP "fragmentation needed" (type 3 code 4, RFC 1191) telling the
 * sender of the IPv4 packet in m that the next-hop MTU is mtu, sent from
 * src (host order). The new mbuf (from pool) holds IPv4 + ICMP + the
 * original header and 8 bytes of its data. NULL when m is not an IPv4
 * packet worth answering (an ICMP error itself, a non-first fragment) or
 * pool is empty.
 */
struct rte_mbuf *vpn_icmp_frag_needed(const struct rte_mbuf *m,
                                      unsigned int mtu, uint32_t src,
                                      struct rte_mempool *pool);

/* ---- ARP -------------------------------------------------------------------
 */

struct vpn_arp {
	uint16_t op; /* 1 request, 2 reply */
	uint8_t sha[6];
	uint32_t spa; /* host order */
	uint8_t tha[6];
	uint32_t tpa; /* host order */
};

/* Parse an Ethernet/IPv4 ARP packet of len bytes: 0 or -EINVAL. */
int vpn_arp_parse(const uint8_t *p, unsigned int len, struct vpn_arp *a);
/* Write the 28-byte ARP packet a to p. */
void vpn_arp_write(uint8_t *p, const struct vpn_arp *a);

#endif /* VPN_PKT_H */
