/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_PKT_H
#define VPN_PKT_H

/*
 * Packet helpers of the data plane, on single-segment rte_mbufs whose data
 * starts at an IP header (or, for ARP, at the ARP header): flow hashing and
 * two-tunnel steering, TCP MSS clamping, IPv4 fragmentation before
 * encryption, ICMP errors and the TTL, ARP. Each checks what it reads
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

/*
 * Which tunnels a route uses (the FIB's next hop carries it beside the
 * connection): the connection's steering (static routes), both with flows
 * hashed (equal BGP paths over both), one preferred while it is up and
 * the other else (unequal paths, or a path over one tunnel only), or one
 * and never the other (the tunnel's own inside /30).
 */
enum vpn_via {
	VPN_VIA_STEER,
	VPN_VIA_BOTH,
	VPN_VIA_PREFER1, /* tunnel 1 (index 0) first */
	VPN_VIA_PREFER2,
	VPN_VIA_ONLY1,
	VPN_VIA_ONLY2,
	VPN_VIA_N
};

/* Whether vpn_via_pick needs the flow hash (there is a choice to hash). */
static inline bool
vpn_via_hashes(unsigned int via, enum vpn_steer steer, unsigned int up)
{
	return (up & 3) == 3 &&
	       (via == VPN_VIA_BOTH ||
	        (via == VPN_VIA_STEER && steer == VPN_STEER_ACTIVE));
}

/* The tunnel (0, 1) a packet takes on a route with via, its connection's
 * steering and up tunnels; -1 when none may. */
static inline int
vpn_via_pick(unsigned int via, enum vpn_steer steer, unsigned int up,
             uint32_t hash)
{
	int t;

	switch (via) {
	case VPN_VIA_BOTH:
		return vpn_steer_pick(VPN_STEER_ACTIVE, up, hash);
	case VPN_VIA_PREFER1:
		return vpn_steer_pick(VPN_STEER_STANDBY, up, 0);
	case VPN_VIA_PREFER2: /* the same with the tunnels swapped */
		t = vpn_steer_pick(VPN_STEER_STANDBY,
		                   (up & 1) << 1 | (up >> 1 & 1), 0);
		return t < 0 ? t : 1 - t;
	case VPN_VIA_ONLY1:
		return up & 1 ? 0 : -1;
	case VPN_VIA_ONLY2:
		return up & 2 ? 1 : -1;
	default:
		return vpn_steer_pick(steer, up, hash);
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
 * An ICMP error (RFC 792) of type and code about the IPv4 packet in m,
 * sent from src (host order) back to its sender; word is the 32 bits after
 * the checksum (frag-needed: the next-hop MTU). The new mbuf (from pool)
 * holds IPv4 + ICMP + as much of the packet as keeps it within 576 bytes
 * (RFC 1812 4.3.2.3). NULL when m is not an IPv4 packet worth answering
 * (an ICMP error itself, a non-first fragment, a sender that can't be
 * one) or pool is empty.
 */
struct rte_mbuf *vpn_icmp_error(const struct rte_mbuf *m, uint8_t type,
                                uint8_t code, uint32_t word, uint32_t src,
                                struct rte_mempool *pool);

/* "Fragmentation needed and DF set" (type 3 code 4, RFC 1191): the
 * next-hop MTU is mtu. */
static inline struct rte_mbuf *
vpn_icmp_frag_needed(const struct rte_mbuf *m, unsigned int mtu, uint32_t src,
                     struct rte_mempool *pool)
{
	return vpn_icmp_error(m, 3, 4, mtu & 0xffff, src, pool);
}

/* "Time to live exceeded in transit" (type 11 code 0). */
static inline struct rte_mbuf *
vpn_icmp_time_exceeded(const struct rte_mbuf *m, uint32_t src,
                       struct rte_mempool *pool)
{
	return vpn_icmp_error(m, 11, 0, 0, src, pool);
}

/*
 * Forwarding an IPv4 packet (RFC 1812 5.3.1): when its TTL is above 1,
 * decrement it, update the header checksum incrementally and return true;
 * else false (the caller drops it and sends time exceeded). ip has at
 * least 20 bytes. TTL is the high byte of its 16-bit word, so the word
 * drops by 0x0100 and the checksum rises by as much, with the end-around
 * carry (RFC 1141; the one case where RFC 1624 would write 0x0000 gives
 * 0xffff, the same one's-complement zero to a receiver). Per packet: no
 * call.
 */
static inline bool
vpn_ipv4_ttl_dec(uint8_t *ip)
{
	uint32_t sum;

	if (ip[8] <= 1)
		return false;
	ip[8]--;
	sum = ((uint32_t)ip[10] << 8 | ip[11]) + 0x0100;
	sum += sum >> 16;
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	return true;
}

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
