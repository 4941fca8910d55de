/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP for IPv4 over Ethernet (RFC 826): parse and build. */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>

#include "vpn_pkt.h"

#define ARP_LEN 28

int
vpn_arp_parse(const uint8_t *p, unsigned int len, struct vpn_arp *a)
{
	uint32_t v;

	/* Ethernet (1), IPv4 (0x0800), 6-byte and 4-byte addresses. */
	if (len < ARP_LEN || p[0] != 0 || p[1] != 1 || p[2] != 0x08 ||
	    p[3] != 0 || p[4] != 6 || p[5] != 4)
		return -EINVAL;
	a->op = (uint16_t)(p[6] << 8 | p[7]);
	if (a->op != 1 && a->op != 2)
		return -EINVAL;
	memcpy(a->sha, p + 8, 6);
	memcpy(&v, p + 14, 4);
	a->spa = rte_be_to_cpu_32(v);
	memcpy(a->tha, p + 18, 6);
	memcpy(&v, p + 24, 4);
	a->tpa = rte_be_to_cpu_32(v);
	return 0;
}

void
vpn_arp_write(uint8_t *p, const struct vpn_arp *a)
{
	uint32_t v;

	p[0] = 0;
	p[1] = 1;
	p[2] = 0x08;
	p[3] = 0;
	p[4] = 6;
	p[5] = 4;
	p[6] = (uint8_t)(a->op >> 8);
	p[7] = (uint8_t)a->op;
	memcpy(p + 8, a->sha, 6);
	v = rte_cpu_to_be_32(a->spa);
	memcpy(p + 14, &v, 4);
	memcpy(p + 18, a->tha, 6);
	v = rte_cpu_to_be_32(a->tpa);
	memcpy(p + 24, &v, 4);
}
