/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP MSS clamping on SYNs, so that the segments of a connection through a
 * tunnel fit its MTU without fragmentation.
 */
#include <string.h>

#include <rte_byteorder.h>

#include "vpn_pkt.h"

#define TCP_SYN 0x02

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), in ones' complement. */
static uint16_t
cksum_update(uint16_t hc, uint16_t m, uint16_t m2)
{
	uint32_t s = (uint16_t)~hc + (uint32_t)(uint16_t)~m + m2;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int
clamp_tcp(uint8_t *tcp, unsigned int len, uint16_t mss)
{
	unsigned int doff, o;
	uint16_t hc, old;

	if (len < 20 || !(tcp[13] & TCP_SYN))
		return 0;
	doff = (tcp[12] >> 4) * 4u;
	if (doff < 20 || doff > len)
		return 0;
	for (o = 20; o < doff;) {
		uint8_t kind = tcp[o];

		if (kind == 0) /* end of options */
			return 0;
		if (kind == 1) { /* NOP */
			o++;
			continue;
		}
		if (o + 1 >= doff || tcp[o + 1] < 2 || o + tcp[o + 1] > doff)
			return 0; /* a length that lies: leave it be */
		if (kind == 2 && tcp[o + 1] == 4)
			break;
		o += tcp[o + 1];
	}
	if (o >= doff)
		return 0;
	old = (uint16_t)(tcp[o + 2] << 8 | tcp[o + 3]);
	if (old <= mss)
		return 0;
	tcp[o + 2] = (uint8_t)(mss >> 8);
	tcp[o + 3] = (uint8_t)mss;
	/* The checksum sums 16-bit words from the header's start: a value at
	 * an odd offset counts byte-swapped. */
	hc = (uint16_t)(tcp[16] << 8 | tcp[17]);
	if ((o + 2) & 1)
		hc = cksum_update(hc, rte_bswap16(old), rte_bswap16(mss));
	else
		hc = cksum_update(hc, old, mss);
	tcp[16] = (uint8_t)(hc >> 8);
	tcp[17] = (uint8_t)hc;
	return 1;
}

int
vpn_mss_clamp(uint8_t *ip, unsigned int len, uint16_t mss)
{
	if (len >= 20 && ip[0] >> 4 == 4) {
		unsigned int ihl = (ip[0] & 0xf) * 4u;
		unsigned int tot = (unsigned int)(ip[2] << 8 | ip[3]);

		/* Not a fragment, TCP, lengths that agree. */
		if (ip[9] != 6 || (ip[6] & 0x3f) || ip[7] || ihl < 20 ||
		    tot > len || tot < ihl)
			return 0;
		return clamp_tcp(ip + ihl, tot - ihl, mss);
	}
	if (len >= 40 && ip[0] >> 4 == 6) {
		unsigned int plen = (unsigned int)(ip[4] << 8 | ip[5]);

		if (ip[6] != 6 || 40 + plen > len)
			return 0;
		return clamp_tcp(ip + 40, plen, mss);
	}
	return 0;
}
