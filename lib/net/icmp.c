/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP errors a router sends (RFC 792, RFC 1812 4.3): "fragmentation
 * needed" for path MTU discovery through the tunnel (RFC 1191), "time
 * exceeded" for packets whose TTL runs out here (RFC 1812 5.3.1); and the
 * TTL decrement itself. */
#include <string.h>

#include <rte_ip.h>

#include "vpn_pkt.h"

static bool
is_icmp_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* RFC 1812 4.3.2.3: an error quotes as much of the packet as fits in
 * 576 bytes of ICMP datagram. */
#define QUOTE_MAX (576 - 20 - 8)

struct rte_mbuf *
vpn_icmp_error(const struct rte_mbuf *m, uint8_t type, uint8_t code,
               uint32_t word, uint32_t src, struct rte_mempool *pool)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int len = rte_pktmbuf_data_len(m), ihl, tot, quote;
	struct rte_mbuf *r;
	uint32_t dst, src_be = rte_cpu_to_be_32(src), word_be;
	uint8_t *p;
	uint16_t v;

	if (len < 20 || ip[0] >> 4 != 4)
		return NULL;
	ihl = (ip[0] & 0xf) * 4u;
	tot = (unsigned int)(ip[2] << 8 | ip[3]);
	if (ihl < 20 || tot < ihl || tot > len)
		return NULL;
	/* Never about a non-first fragment or an ICMP error (RFC 1122
	 * 3.2.2), nor to an address that can't be a sender. */
	if ((ip[6] & 0x1f) || ip[7])
		return NULL;
	if (ip[9] == 1 && tot >= ihl + 1 && is_icmp_error(ip[ihl]))
		return NULL;
	memcpy(&dst, ip + 12, 4);
	dst = rte_be_to_cpu_32(dst);
	if (dst == 0 || dst >> 28 >= 0xe || dst >> 24 == 127)
		return NULL;
	quote = tot < QUOTE_MAX ? tot : QUOTE_MAX;
	r = rte_pktmbuf_alloc(pool);
	if (r == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(r, (uint16_t)(20 + 8 + quote));
	if (p == NULL) {
		rte_pktmbuf_free(r);
		return NULL;
	}
	memset(p, 0, 28);
	p[0] = 0x45;
	p[2] = (uint8_t)((28 + quote) >> 8);
	p[3] = (uint8_t)(28 + quote);
	p[8] = 64;
	p[9] = 1;
	memcpy(p + 12, &src_be, 4);
	memcpy(p + 16, ip + 12, 4); /* back to the sender */
	v = rte_ipv4_cksum((const struct rte_ipv4_hdr *)p);
	memcpy(p + 10, &v, 2);
	p[20] = type;
	p[21] = code;
	word_be = rte_cpu_to_be_32(word);
	memcpy(p + 24, &word_be, 4);
	memcpy(p + 28, ip, quote);
	v = (uint16_t)~rte_raw_cksum(p + 20, 8 + quote);
	memcpy(p + 22, &v, 2);
	r->packet_type = RTE_PTYPE_L3_IPV4;
	return r;
}
