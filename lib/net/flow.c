/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow hashing (the choice between the tunnels is inline in vpn_pkt.h). */
#include <string.h>

#include <rte_hash_crc.h>

#include "vpn_pkt.h"

#define IP_MF     0x20 /* in the first byte of the fragment field */
#define IP_OFF_HI 0x1f

static bool
has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132; /* TCP UDP SCTP */
}

/* CRC32-C of n bytes (a multiple of 4) at any alignment: packet data
 * need not be aligned for rte_hash_crc's word loads. */
static uint32_t
crc_words(const uint8_t *p, unsigned int n, uint32_t h)
{
	uint32_t w;

	for (unsigned int i = 0; i < n; i += 4) {
		memcpy(&w, p + i, 4);
		h = rte_hash_crc_4byte(w, h);
	}
	return h;
}

uint32_t
vpn_flow_hash(const uint8_t *ip, unsigned int len)
{
	uint32_t h = 0x9e3779b9;

	if (len >= 20 && ip[0] >> 4 == 4) {
		unsigned int ihl = (ip[0] & 0xf) * 4u;
		/* Fragments hash without ports: only the first has them. */
		bool frag = (ip[6] & (IP_MF | IP_OFF_HI)) || ip[7];

		h = crc_words(ip + 12, 8, h);
		h = rte_hash_crc_1byte(ip[9], h);
		if (!frag && has_ports(ip[9]) && ihl >= 20 && len >= ihl + 4)
			h = crc_words(ip + ihl, 4, h);
	} else if (len >= 40 && ip[0] >> 4 == 6) {
		h = crc_words(ip + 8, 32, h);
		h = rte_hash_crc_1byte(ip[6], h);
		/* Ports only right after the fixed header (no extension
		 * headers are walked). */
		if (has_ports(ip[6]) && len >= 44)
			h = crc_words(ip + 40, 4, h);
	}
	return h;
}
