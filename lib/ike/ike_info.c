/* SPDX-License-Identifier: BSD-3-Clause */
/* INFORMATIONAL: liveness (DPD) and DELETE, both ways. See ike_sa.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_priv.h"

/* ---- INFORMATIONAL ---------------------------------------------------------
 */

void
info_request(struct vpn_ike *ike, struct ike_sa *sa, uint32_t msg_id,
             const struct ike_payload *pl, unsigned int n)
{
	struct peer *p = &ike->peers[sa->peer];
	struct ike_writer w;
	bool delete_ike = false;

	inner_begin(ike, &w);
	for (unsigned int i = 0; i < n; i++) {
		const struct ike_payload *d = &pl[i];

		if (d->type != IKE_PT_DELETE || d->len < 4)
			continue;
		if (d->body[0] == IKE_PROTO_IKE) {
			delete_ike = true;
			continue;
		}
		if (d->body[0] != IKE_PROTO_ESP || d->body[1] != 4 ||
		    d->len != 4 + 4u * get16(d->body + 2)) {
			ike->st.malformed++;
			continue;
		}
		for (unsigned int k = 0; k < get16(d->body + 2); k++) {
			struct child *c =
			        child_by_out(p, get32(d->body + 4 + 4 * k));
			uint8_t b[8];

			if (c == NULL)
				continue;
			/* Answer with our half (RFC 7296 1.4.1). */
			b[0] = IKE_PROTO_ESP;
			b[1] = 4;
			put16(b + 2, 1);
			put32(b + 4, c->spi_in);
			vpn_ike_add(&w, IKE_PT_DELETE, false, b, 8);
			child_remove(ike, sa->peer, c, "the peer deleted it");
		}
	}
	send_sk(ike, sa, IKE_INFORMATIONAL, true, msg_id, &w, R_NONE);
	if (delete_ike) {
		if (sa->rekeyed) {
			/* The old one of a rekey: its Child SAs live on. */
			sa_state(ike, sa, S_DEAD,
			         "rekeyed, deleted by the peer");
			return;
		}
		plog(ike, sa->peer, "the peer deleted the IKE SA");
		sa_state(ike, sa, S_DEAD, "deleted by the peer");
		if (p->cfg.dpd_action == VPN_IKE_DPD_RESTART) {
			p->restart = true;
			p->next_try = ike->now + 1000;
		}
	}
}

/* Send an INFORMATIONAL request: a DELETE of the IKE SA, or empty (DPD). */
/* An INFORMATIONAL request: empty (DPD), or a DELETE of the IKE SA or of
 * the Child SA whose inbound SPI is spi. */
void
send_info(struct vpn_ike *ike, struct ike_sa *sa, enum req_kind kind,
          uint32_t spi)
{
	struct ike_writer w;
	uint8_t b[8] = {IKE_PROTO_IKE, 0, 0, 0};

	inner_begin(ike, &w);
	if (kind == R_DELETE_IKE)
		vpn_ike_add(&w, IKE_PT_DELETE, false, b, 4);
	else if (kind == R_DELETE_CHILD) {
		b[0] = IKE_PROTO_ESP;
		b[1] = 4;
		put16(b + 2, 1);
		put32(b + 4, spi);
		vpn_ike_add(&w, IKE_PT_DELETE, false, b, 8);
	}
	if (send_sk(ike, sa, IKE_INFORMATIONAL, false, sa->my_id, &w, kind) ==
	    0) {
		sa->my_id++;
		sa->req_spi = spi;
	}
}
