/* SPDX-License-Identifier: BSD-3-Clause */
/* Input: a datagram to its SA and exchange, fragments put together, SK opened.
 * See ike_sa.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_priv.h"

/* ---- input ------------------------------------------------------------------
 */

static void
fragments_drop(struct ike_sa *sa)
{
	for (int i = 0; i < IKE_MAX_FRAGS; i++) {
		free(sa->rf_chunk[i]);
		sa->rf_chunk[i] = NULL;
	}
	sa->rf_have = sa->rf_total = 0;
}

/*
 * One fragment (RFC 7383 2.6): verified and decrypted alone, kept until
 * all of its message are in. 1 with the whole plaintext in *pt (and the
 * first inner payload's type in *first), 0 while waiting, -1 dropped.
 */
static int
fragment_in(struct vpn_ike *ike, struct ike_sa *sa, const struct ike_hdr *h,
            const struct ike_payload *skf, size_t len, uint8_t **pt,
            size_t *ptlen, uint8_t *first)
{
	uint16_t num, total;
	uint8_t *chunk;
	size_t clen, sum = 0;

	if (!sa->frag || skf->len < 4) {
		ike->st.malformed++;
		return -1;
	}
	num = get16(skf->body);
	total = get16(skf->body + 2);
	if (num == 0 || num > total || total > IKE_MAX_FRAGS) {
		ike->st.malformed++;
		return -1;
	}
	/* The SKF header is four bytes longer than SK's: what follows it is
	 * sealed the same way (and those four bytes authenticated). */
	if (ike_sk_open(keys_in(sa), ike->in, len,
	                (size_t)(skf->body - ike->in), &chunk, &clen) != 0) {
		ike->st.bad_icv++;
		return -1;
	}
	ike->st.fragments_received++;
	if (sa->rf_total == 0 || sa->rf_id != h->msg_id ||
	    sa->rf_total != total) {
		fragments_drop(sa);
		sa->rf_id = h->msg_id;
		sa->rf_total = total;
	}
	if (sa->rf_chunk[num - 1] != NULL)
		return 0; /* a duplicate */
	/* What is kept is bounded by what can be put together. */
	for (unsigned int i = 0; i < total; i++)
		sum += sa->rf_chunk[i] ? sa->rf_len[i] : 0;
	if (sum + clen > sizeof(ike->reasm)) {
		ike->st.malformed++;
		fragments_drop(sa);
		return -1;
	}
	sum = 0;
	sa->rf_chunk[num - 1] = dup_bytes(chunk, clen);
	if (sa->rf_chunk[num - 1] == NULL)
		return -1;
	sa->rf_len[num - 1] = (uint16_t)clen;
	if (num == 1)
		sa->rf_first = skf->next;
	if (++sa->rf_have < total)
		return 0;
	for (unsigned int i = 0; i < total; i++)
		sum += sa->rf_len[i];
	if (sum > sizeof(ike->reasm)) {
		ike->st.malformed++;
		fragments_drop(sa);
		return -1;
	}
	sum = 0;
	for (unsigned int i = 0; i < total; i++) {
		memcpy(ike->reasm + sum, sa->rf_chunk[i], sa->rf_len[i]);
		sum += sa->rf_len[i];
	}
	*pt = ike->reasm;
	*ptlen = sum;
	*first = sa->rf_first;
	fragments_drop(sa);
	return 1;
}

/*
 * An authenticated message from somewhere else than the SA knew: a NAT
 * that mapped the peer anew, or a customer gateway without an address
 * that moved. IKE answers there from now on; ESP follows with a new Child
 * SA (a rekey now, make-before-break), whose endpoints are the new ones.
 * A peer with an address and no NAT does not move (its ESP stays).
 */
static void
moved(struct vpn_ike *ike, struct ike_sa *sa, uint32_t remote, uint16_t rport)
{
	struct peer *p = &ike->peers[sa->peer];

	if (sa->state != S_ESTABLISHED || sa->pending || p->sa != sa ||
	    (!udp_encap(ike, sa) && !roaming(p)))
		return;
	plog(ike, sa->peer,
	     "the peer moved from %u.%u.%u.%u:%u to %u.%u.%u.%u:%u: its Child "
	     "SA is rekeyed to follow",
	     sa->remote >> 24, sa->remote >> 16 & 0xff, sa->remote >> 8 & 0xff,
	     sa->remote & 0xff, sa->rport, remote >> 24, remote >> 16 & 0xff,
	     remote >> 8 & 0xff, remote & 0xff, rport);
	ike->st.peer_moves++;
	for (int i = 0; i < IKE_MAX_CHILDREN; i++)
		if (p->ch[i].used && p->ch[i].routed && !p->ch[i].rekeyed)
			p->ch[i].rekey_at = ike->now;
}

void
vpn_ike_input(struct vpn_ike *ike, uint64_t now_ms, uint32_t local,
              uint16_t lport, uint32_t remote, uint16_t rport,
              const uint8_t *msg, size_t len)
{
	struct ike_payload pl[IKE_MAX_PAYLOADS], inner[IKE_MAX_PAYLOADS];
	const struct ike_payload *sk;
	unsigned int n, ni;
	struct ike_hdr h;
	struct ike_sa *sa;
	uint8_t bad, *pt, first;
	size_t ptlen;
	bool response;

	ike->now = now_ms;
	ike->st.rx++;
	if (len > sizeof(ike->in) ||
	    vpn_ike_hdr_parse(msg, len, &h) != IKE_ERR_OK) {
		ike->st.malformed++;
		return;
	}
	memcpy(ike->in, msg, len);
	if (vpn_ike_payloads(ike->in + IKE_HDR_LEN, len - IKE_HDR_LEN, h.next,
	                     pl, IKE_MAX_PAYLOADS, &n, &bad) != IKE_ERR_OK) {
		ike->st.malformed++;
		return;
	}
	response = h.flags & IKE_FLAG_RESPONSE;
	if (h.exchange == IKE_SA_INIT && !response) {
		if (h.spi_r != 0 || !(h.flags & IKE_FLAG_INITIATOR)) {
			ike->st.malformed++;
			return;
		}
		init_request(ike, &h, pl, n, ike->in, local, lport, remote,
		             rport);
		return;
	}
	sa = sa_index_find(ike, &h);
	if (sa == NULL) {
		ike->st.unknown_spi++;
		return;
	}
	if (response) {
		if (sa->req == NULL || h.msg_id != sa->my_id - 1 ||
		    h.exchange != sa->req_exch) {
			ike->st.bad_msg_id++;
			return;
		}
	} else if (h.msg_id == sa->peer_id - 1 && sa->resp != NULL &&
	           sa->state != S_INIT_DONE) {
		/* A retransmission: the same answer, from where it came; for a
		 * fragmented one, on its first fragment only (RFC 7383
		 * 2.6.1), so fragments do not multiply answers. */
		const struct ike_payload *l = n ? &pl[n - 1] : NULL;

		if (l != NULL && l->type == IKE_PT_SKF &&
		    (l->len < 4 || get16(l->body) != 1))
			return;
		resend(ike, sa);
		return;
	} else if (h.msg_id != sa->peer_id) {
		ike->st.bad_msg_id++;
		return;
	}
	if (h.exchange == IKE_SA_INIT) {
		if (sa->state != S_INIT_SENT) {
			ike->st.unexpected++;
			return;
		}
		sa->last_rx = now_ms;
		init_response(ike, sa, &h, pl, n, ike->in);
		return;
	}
	/* Everything after IKE_SA_INIT is in one SK payload, or in the SKF
	 * payloads of its fragments. */
	sk = n ? &pl[n - 1] : NULL;
	if (sk == NULL || (sk->type != IKE_PT_SK && sk->type != IKE_PT_SKF) ||
	    sa->state == S_INIT_SENT) {
		ike->st.unexpected++;
		return;
	}
	first = sk->next;
	if (sk->type == IKE_PT_SKF) {
		int r = fragment_in(ike, sa, &h, sk, len, &pt, &ptlen, &first);

		if (r <= 0)
			return; /* dropped (counted), or waiting for more */
	} else if (ike_sk_open(keys_in(sa), ike->in, len,
	                       (size_t)(sk->body - IKE_PAYLOAD_HDR - ike->in),
	                       &pt, &ptlen) != 0) {
		ike->st.bad_icv++;
		return;
	}
	if (vpn_ike_payloads(pt, ptlen, first, inner, IKE_MAX_PAYLOADS, &ni,
	                     &bad) != IKE_ERR_OK) {
		ike->st.malformed++;
		return;
	}
	/* Authenticated: this is where the peer is now (RFC 7296 2.11). */
	sa->last_rx = now_ms;
	if (sa->remote != remote || sa->rport != rport)
		moved(ike, sa, remote, rport);
	sa->remote = remote;
	sa->rport = rport;
	sa->lport = lport;
	if (response) {
		enum req_kind kind = sa->req_kind;
		struct child *c;

		free(sa->req);
		sa->req = NULL;
		switch (kind) {
		case R_AUTH:
			if (sa->state == S_AUTH_SENT)
				auth_response(ike, sa, inner, ni);
			break;
		case R_REKEY_CHILD:
			rekey_child_response(ike, sa, inner, ni);
			break;
		case R_REKEY_IKE:
			rekey_ike_response(ike, sa, inner, ni);
			break;
		case R_DELETE_CHILD:
			c = child_find(&ike->peers[sa->peer], sa->req_spi);
			if (c != NULL)
				child_remove(ike, sa->peer, c, "deleted");
			break;
		case R_DELETE_IKE:
			sa_state(ike, sa, S_DEAD, "deleted");
			break;
		default:
			break; /* DPD: last_rx is now */
		}
		return;
	}
	sa->peer_id++;
	switch (h.exchange) {
	case IKE_AUTH:
		if (sa->state != S_INIT_DONE) {
			ike->st.unexpected++;
			return;
		}
		auth_request(ike, sa, h.msg_id, inner, ni);
		break;
	case IKE_INFORMATIONAL:
		if (sa->state != S_ESTABLISHED) {
			ike->st.unexpected++;
			return;
		}
		info_request(ike, sa, h.msg_id, inner, ni);
		break;
	case IKE_CREATE_CHILD_SA:
		if (sa->state != S_ESTABLISHED) {
			ike->st.unexpected++;
			return;
		}
		ccs_request(ike, sa, h.msg_id, inner, ni);
		break;
	default:
		ike->st.unexpected++;
	}
}
