/* SPDX-License-Identifier: BSD-3-Clause */
/* NAT detection (RFC 7296 2.23) and notify helpers. See ike_sa.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_priv.h"

/* ---- NAT detection (RFC 7296 2.23) --------------------------------------- */

static void
nat_hash(uint64_t spi_i, uint64_t spi_r, uint32_t ip, uint16_t port,
         uint8_t out[20])
{
	uint8_t b[22];
	struct ike_iov iov = {b, sizeof(b)};

	put64(b, spi_i);
	put64(b + 8, spi_r);
	put32(b + 16, ip);
	put16(b + 20, port);
	ike_sha1(&iov, 1, out);
}

void
add_nat_d(struct vpn_ike *ike, struct ike_writer *w, const struct ike_sa *sa,
          uint64_t spi_r)
{
	uint8_t h[20];

	nat_hash(sa->spi_i, spi_r, sa->local, sa->lport, h);
	/* Accelerated: a source hash that can't match makes the peer see a
	 * NAT, so both sides put ESP in UDP. */
	if (ike->peers[sa->peer].cfg.force_encap)
		ike_random(h, sizeof(h));
	add_notify(w, 0, 0, IKE_N_NAT_DETECTION_SOURCE_IP, h, 20);
	nat_hash(sa->spi_i, spi_r, sa->remote, sa->rport, h);
	add_notify(w, 0, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, h, 20);
}

/* A notify's type, and its data. */
uint16_t
notify_type(const struct ike_payload *p, const uint8_t **data, size_t *len)
{
	size_t spi_len;

	if (p->len < 4)
		return 0;
	spi_len = p->body[1];
	if (4 + spi_len > p->len)
		return 0;
	if (data) {
		*data = p->body + 4 + spi_len;
		*len = p->len - 4 - spi_len;
	}
	return get16(p->body + 2);
}

bool
has_notify(const struct ike_payload *pl, unsigned int n, uint16_t type)
{
	for (unsigned int i = 0; i < n; i++)
		if (pl[i].type == IKE_PT_NOTIFY &&
		    notify_type(&pl[i], NULL, NULL) == type)
			return true;
	return false;
}

/* Compare the peer's NAT_D notifies with what we see: sets nat_local
 * (our address was changed) and nat_remote (the peer's). */
void
nat_check(struct ike_sa *sa, const struct ike_payload *pl, unsigned int n,
          uint64_t spi_r)
{
	uint8_t src[20], dst[20];
	bool saw_src = false, src_ok = false, saw_dst = false, dst_ok = false;

	nat_hash(sa->spi_i, spi_r, sa->remote, sa->rport, src);
	nat_hash(sa->spi_i, spi_r, sa->local, sa->lport, dst);
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *d;
		size_t len;
		uint16_t t;

		if (pl[i].type != IKE_PT_NOTIFY)
			continue;
		t = notify_type(&pl[i], &d, &len);
		if (t == IKE_N_NAT_DETECTION_SOURCE_IP) {
			saw_src = true;
			src_ok |= len == 20 && memcmp(d, src, 20) == 0;
		} else if (t == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			saw_dst = true;
			dst_ok |= len == 20 && memcmp(d, dst, 20) == 0;
		}
	}
	sa->nat_remote = saw_src && !src_ok;
	sa->nat_local = saw_dst && !dst_ok;
}

bool
udp_encap(const struct vpn_ike *ike, const struct ike_sa *sa)
{
	return sa->nat_local || sa->nat_remote ||
	       ike->peers[sa->peer].cfg.force_encap;
}
