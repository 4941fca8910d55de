/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 fragmentation before encryption (RFC 791 3.2, RFC 4459): a packet
 * larger than the tunnel MTU, with DF clear, is cut into fragments that
 * each fit, so the peer reassembles the inner packet and the outer ESP is
 * never fragmented. A slow path: fragments are fresh single-segment mbufs
 * (the ESP library takes no chains).
 */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>

#include "vpn_pkt.h"

#define IP_DF      0x4000
#define IP_MF      0x2000
#define IP_OFFMASK 0x1fff

/* The options a non-first fragment carries: those with the copy flag,
 * padded to 4 bytes. Returns the length written to out. */
static unsigned int
copied_options(const uint8_t *opt, unsigned int len, uint8_t *out)
{
	unsigned int i = 0, n = 0;

	while (i < len) {
		uint8_t type = opt[i];
		unsigned int olen;

		if (type == 0) /* end of options */
			break;
		if (type == 1) { /* NOP */
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			break; /* malformed: copy no more */
		olen = opt[i + 1];
		if (type & 0x80) {
			memcpy(out + n, opt + i, olen);
			n += olen;
		}
		i += olen;
	}
	while (n % 4)
		out[n++] = 0; /* end of options, padding */
	return n;
}

int
vpn_ipv4_fragment(const struct rte_mbuf *m, unsigned int mtu,
                  struct rte_mempool *pool, struct rte_mbuf **out,
                  unsigned int max)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int len = rte_pktmbuf_data_len(m), ihl, tot, off0, data;
	unsigned int hl_rest, chunk, n = 0;
	uint8_t rest_hdr[60];
	uint16_t frag;

	if (m->nb_segs != 1 || len < 20 || ip[0] >> 4 != 4)
		return -EINVAL;
	ihl = (ip[0] & 0xf) * 4u;
	tot = (unsigned int)(ip[2] << 8 | ip[3]);
	frag = (uint16_t)(ip[6] << 8 | ip[7]);
	if (ihl < 20 || tot < ihl || tot > len || (frag & IP_DF) ||
	    mtu < ihl + 8)
		return -EINVAL;
	off0 = (frag & IP_OFFMASK) * 8u;
	data = tot - ihl;
	/* Later fragments carry only the copied options. */
	memcpy(rest_hdr, ip, 20);
	hl_rest = 20 + copied_options(ip + 20, ihl - 20, rest_hdr + 20);
	rest_hdr[0] = (uint8_t)(0x40 | hl_rest / 4);

	for (unsigned int done = 0; done < data; done += chunk) {
		const uint8_t *hdr = n == 0 ? ip : rest_hdr;
		unsigned int hl = n == 0 ? ihl : hl_rest, flen;
		bool last;
		uint8_t *p;
		uint16_t v;

		chunk = (mtu - hl) & ~7u; /* offsets count 8-byte units */
		last = done + chunk >= data;
		if (last)
			chunk = data - done;
		if (n == max)
			goto too_many;
		out[n] = rte_pktmbuf_alloc(pool);
		flen = hl + chunk;
		if (out[n] == NULL ||
		    (p = (uint8_t *)rte_pktmbuf_append(
		             out[n], (uint16_t)flen)) == NULL) {
			if (out[n] != NULL)
				rte_pktmbuf_free(out[n]);
			goto no_mem;
		}
		n++;
		memcpy(p, hdr, hl);
		memcpy(p + hl, ip + ihl + done, chunk);
		p[2] = (uint8_t)(flen >> 8);
		p[3] = (uint8_t)flen;
		/* MF on all but the last, and on the last if the original
		 * was itself a non-final fragment. */
		v = (uint16_t)(((off0 + done) / 8) |
		               (!last || (frag & IP_MF) ? IP_MF : 0));
		p[6] = (uint8_t)(v >> 8);
		p[7] = (uint8_t)v;
		p[10] = p[11] = 0;
		v = rte_ipv4_cksum((const struct rte_ipv4_hdr *)p);
		memcpy(p + 10, &v, 2);
	}
	return (int)n;
too_many:
	while (n > 0)
		rte_pktmbuf_free(out[--n]);
	return -EMSGSIZE;
no_mem:
	while (n > 0)
		rte_pktmbuf_free(out[--n]);
	return -ENOMEM;
}
