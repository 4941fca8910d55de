/* SPDX-License-Identifier: BSD-3-Clause */
/* Sending: requests and their retransmission, cached responses, SK payloads,
 * IKE fragmentation (RFC 7383). See ike_sa.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_priv.h"

/* ---- sending ------------------------------------------------------------ */

/* Datagrams as one buffer: each after its length in two bytes. */
uint8_t *
pack_append(uint8_t *pk, size_t *len, const uint8_t *m, size_t ml)
{
	uint8_t *n = ml <= 0xffff ? realloc(pk, *len + 2 + ml) : NULL;
	uint16_t l = (uint16_t)ml;

	if (n == NULL) {
		free(pk);
		*len = 0;
		return NULL;
	}
	memcpy(n + *len, &l, 2);
	memcpy(n + *len + 2, m, ml);
	*len += 2 + ml;
	return n;
}

void
wire(struct vpn_ike *ike, struct ike_sa *sa, const uint8_t *pk, size_t len)
{
	for (size_t off = 0; off + 2 <= len;) {
		uint16_t l;

		memcpy(&l, pk + off, 2);
		off += 2;
		if (l > len - off)
			return;
		ike->st.tx++;
		ike->ops.send(ike->ctx, sa->local, sa->lport, sa->remote,
		              sa->rport, pk + off, l);
		off += l;
	}
}

/* Keep msg as the outstanding request of sa and send it. */
/* Keep the datagrams pk (pack_append's; ours now) as the outstanding
 * request of sa and send them. */
void
send_request(struct vpn_ike *ike, struct ike_sa *sa, uint8_t exch, uint8_t *pk,
             size_t len, enum req_kind kind)
{
	free(sa->req);
	sa->req = pk;
	sa->req_len = pk ? len : 0;
	sa->req_exch = exch;
	sa->req_kind = kind;
	sa->req_first = ike->now;
	sa->req_tries = 0;
	sa->req_next = ike->now + 1000;
	wire(ike, sa, sa->req, sa->req_len);
}

void
send_response(struct vpn_ike *ike, struct ike_sa *sa, uint8_t *pk, size_t len)
{
	free(sa->resp);
	sa->resp = pk;
	sa->resp_len = pk ? len : 0;
	wire(ike, sa, sa->resp, sa->resp_len);
}

/* The cached response again, for a retransmitted request. The header
 * that asks for it is not authenticated, so it goes at most once in
 * IKE_RESEND_MS: nobody can make us send many answers for one. */
void
resend(struct vpn_ike *ike, struct ike_sa *sa)
{
	if (sa->last_resend != 0 &&
	    ike->now - sa->last_resend < IKE_RESEND_MS) {
		ike->st.unexpected++;
		return;
	}
	sa->last_resend = ike->now;
	ike->st.resent_responses++;
	wire(ike, sa, sa->resp, sa->resp_len);
}

/* The keys a message from us is protected with. */
static const struct ike_sk_keys *
keys_out(const struct ike_sa *sa)
{
	return sa->initiator ? &sa->ki : &sa->kr;
}

const struct ike_sk_keys *
keys_in(const struct ike_sa *sa)
{
	return sa->initiator ? &sa->kr : &sa->ki;
}

/* Start the inner payloads of an SK payload (ike->pt). */
void
inner_begin(struct vpn_ike *ike, struct ike_writer *w)
{
	struct ike_hdr h = {.version = 0x20};

	vpn_ike_begin(w, ike->pt, sizeof(ike->pt), &h);
}

/*
 * Wrap the inner payloads of w in an SK payload of a message of exch and
 * send it: as a request (kept for retransmission) or as the response to
 * msg_id (kept for duplicates). 0 or -1.
 */
int
send_sk(struct vpn_ike *ike, struct ike_sa *sa, uint8_t exch, bool response,
        uint32_t msg_id, struct ike_writer *w, enum req_kind kind)
{
	const struct vpn_ike_peer *cfg = &ike->peers[sa->peer].cfg;
	const struct ike_sk_keys *k = keys_out(sa);
	size_t max = cfg->frag_size ? cfg->frag_size : IKE_FRAG_SIZE;
	size_t ptlen, total, room, off = 0, pklen = 0;
	const uint8_t *pt = ike->pt + IKE_HDR_LEN;
	unsigned int nfrag = 1;
	struct ike_hdr h = {0};
	uint8_t *m = ike->out, *pk = NULL;

	if (w->err != IKE_ERR_OK)
		return -1;
	ptlen = w->len - IKE_HDR_LEN;
	total = IKE_HDR_LEN + ike_sk_overhead(k, ptlen) + ptlen;
	/* Too big for one datagram and the peer takes fragments (RFC 7383
	 * 2.5): SKF payloads, each with as much of the plaintext as fits. */
	room = max > IKE_HDR_LEN + 8 + 64 + 16 + 32
	               ? max - IKE_HDR_LEN - 8 - ike_sk_iv_len(k) -
	                         ike_sk_icv_len(k) - 16
	               : 64;
	if (sa->frag && total > max) {
		nfrag = (unsigned int)((ptlen + room - 1) / room);
		if (nfrag > IKE_MAX_FRAGS)
			return -1;
	} else if (total > sizeof(ike->out))
		return -1;
	else if (total > max && cfg->force_encap && !sa->warned_ip_frag) {
		/* A message this big (with certificates, IKE_AUTH is) goes
		 * whole when the peer does not take IKE fragments, and a
		 * link with a smaller MTU cuts it into IP fragments, which
		 * an accelerated connection's path (AWS: Global
		 * Accelerator) may drop. Said once per SA. */
		sa->warned_ip_frag = true;
		ike->st.ip_fragmented++;
		plog(ike, sa->peer,
		     "warning: a %zu-byte IKE message goes whole (no IKE "
		     "fragmentation offered, RFC 7383): an accelerated path "
		     "may drop its IP fragments; enable IKE fragmentation on "
		     "the customer gateway",
		     total);
	}
	h.spi_i = sa->spi_i;
	h.spi_r = sa->spi_r;
	h.version = 0x20;
	h.exchange = exch;
	h.flags = (sa->initiator ? IKE_FLAG_INITIATOR : 0) |
	          (response ? IKE_FLAG_RESPONSE : 0);
	h.msg_id = msg_id;
	for (unsigned int f = 1; f <= nfrag; f++) {
		size_t chunk = nfrag == 1           ? ptlen
		               : ptlen - off < room ? ptlen - off
		                                    : room;
		/* SKF carries the fragment number and count after its
		 * generic header; they are part of what is authenticated. */
		size_t hl = nfrag == 1 ? 4 : 8;
		size_t len = IKE_HDR_LEN + hl - 4 + ike_sk_overhead(k, chunk) +
		             chunk;

		h.next = nfrag == 1 ? IKE_PT_SK : IKE_PT_SKF;
		h.length = (uint32_t)len;
		vpn_ike_hdr_write(m, &h);
		m[IKE_HDR_LEN] = f == 1 ? w->buf[16] : 0; /* first inner */
		m[IKE_HDR_LEN + 1] = 0;
		put16(m + IKE_HDR_LEN + 2, (uint16_t)(len - IKE_HDR_LEN));
		if (nfrag > 1) {
			put16(m + IKE_HDR_LEN + 4, (uint16_t)f);
			put16(m + IKE_HDR_LEN + 6, (uint16_t)nfrag);
		}
		memcpy(m + IKE_HDR_LEN + hl + ike_sk_iv_len(k), pt + off,
		       chunk);
		if (ike_sk_seal(k, m, len, IKE_HDR_LEN + hl - 4, chunk) != 0) {
			free(pk);
			return -1;
		}
		pk = pack_append(pk, &pklen, m, len);
		if (pk == NULL)
			return -1;
		off += chunk;
	}
	if (nfrag > 1)
		ike->st.fragments_sent += nfrag;
	if (response)
		send_response(ike, sa, pk, pklen);
	else
		send_request(ike, sa, exch, pk, pklen, kind);
	return 0;
}

/* A notify payload body: protocol, SPI, type, data. */
void
add_notify(struct ike_writer *w, uint8_t proto, uint32_t spi, uint16_t type,
           const void *data, size_t len)
{
	uint8_t b[8 + 64];
	size_t spi_len = spi ? 4 : 0;

	if (len > 64) {
		w->err = IKE_ERR_NO_ROOM;
		return;
	}
	b[0] = proto;
	b[1] = (uint8_t)spi_len;
	put16(b + 2, type);
	if (spi_len)
		put32(b + 4, spi);
	if (len)
		memcpy(b + 4 + spi_len, data, len);
	vpn_ike_add(w, IKE_PT_NOTIFY, false, b, 4 + spi_len + len);
}

/* An unencrypted IKE_SA_INIT response carrying only an error notify, to
 * the initiator (no SA is kept). */
void
send_init_error(struct vpn_ike *ike, const struct ike_hdr *req, uint32_t local,
                uint16_t lport, uint32_t remote, uint16_t rport, uint16_t type,
                const void *data, size_t len)
{
	struct ike_hdr h = {.spi_i = req->spi_i,
	                    .version = 0x20,
	                    .exchange = IKE_SA_INIT,
	                    .flags = IKE_FLAG_RESPONSE,
	                    .msg_id = 0};
	struct ike_writer w;
	size_t n;

	vpn_ike_begin(&w, ike->out, sizeof(ike->out), &h);
	add_notify(&w, 0, 0, type, data, len);
	n = vpn_ike_finish(&w);
	if (n == 0)
		return;
	ike->st.tx++;
	ike->ops.send(ike->ctx, local, lport, remote, rport, ike->out, n);
}
