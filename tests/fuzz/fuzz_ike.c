/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the IKEv2 message codec: any datagram must parse or
 * fail with a code, never read outside itself; and every SA payload that
 * parses must round-trip: written again by vpn_ike_add_sa, it parses to
 * the same proposals.
 */
#include <stdlib.h>
#include <string.h>

#include "vpn_ike.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
sa_round_trip(const struct ike_payload *sa)
{
	static struct ike_proposal a[IKE_MAX_PROPOSALS], b[IKE_MAX_PROPOSALS];
	static uint8_t buf[IKE_MAX_MSG];
	static const struct ike_hdr h = {.version = 0x20};
	struct ike_payload pl[2];
	struct ike_writer w;
	unsigned int na, nb;
	uint8_t bad;
	size_t len;

	if (vpn_ike_sa_parse(sa->body, sa->len, a, IKE_MAX_PROPOSALS, &na) !=
	    IKE_ERR_OK)
		return;
	vpn_ike_begin(&w, buf, sizeof(buf), &h);
	vpn_ike_add_sa(&w, a, na);
	len = vpn_ike_finish(&w);
	if (len == 0 ||
	    vpn_ike_payloads(buf + IKE_HDR_LEN, len - IKE_HDR_LEN, IKE_PT_SA,
	                     pl, 2, &nb, &bad) != IKE_ERR_OK ||
	    nb != 1 ||
	    vpn_ike_sa_parse(pl[0].body, pl[0].len, b, IKE_MAX_PROPOSALS,
	                     &nb) != IKE_ERR_OK ||
	    nb != na)
		abort();
	for (unsigned int i = 0; i < na; i++)
		if (a[i].protocol != b[i].protocol || a[i].n != b[i].n ||
		    a[i].spi_len != b[i].spi_len ||
		    memcmp(a[i].spi, b[i].spi, a[i].spi_len) != 0 ||
		    memcmp(a[i].t, b[i].t, a[i].n * sizeof(a[i].t[0])) != 0)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_payload pl[32];
	struct ike_hdr h;
	unsigned int n;
	uint8_t bad;

	if (vpn_ike_hdr_parse(data, size, &h) != IKE_ERR_OK)
		return 0;
	if (vpn_ike_payloads(data + IKE_HDR_LEN, size - IKE_HDR_LEN, h.next, pl,
	                     32, &n, &bad) != IKE_ERR_OK)
		return 0;
	for (unsigned int i = 0; i < n; i++)
		if (pl[i].type == IKE_PT_SA)
			sa_round_trip(&pl[i]);
	return 0;
}
