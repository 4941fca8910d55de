/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 message codec (RFC 7296 3.1-3.3): header, payload chain, SA
 * payload. Every read is checked against the bytes its parent declares,
 * and the parent's declaration against what the caller holds.
 */
#include <string.h>

#include "ike_bytes.h"
#include "vpn_ike.h"

static const char *const err_names[] = {
#define IKE_ERR_NAME(e, s) s,
        IKE_ERRORS(IKE_ERR_NAME)
#undef IKE_ERR_NAME
};

const char *
vpn_ike_err_name(enum ike_err e)
{
	return (unsigned int)e < IKE_ERR_MAX ? err_names[e] : "?";
}

/* ---- header ----------------------------------------------------------- */

enum ike_err
vpn_ike_hdr_parse(const uint8_t *buf, size_t len, struct ike_hdr *h)
{
	if (len < IKE_HDR_LEN)
		return IKE_ERR_SHORT;
	h->spi_i = get64(buf);
	h->spi_r = get64(buf + 8);
	h->next = buf[16];
	h->version = buf[17];
	h->exchange = buf[18];
	h->flags = buf[19];
	h->msg_id = get32(buf + 20);
	h->length = get32(buf + 24);
	if (h->version >> 4 != 2)
		return IKE_ERR_BAD_VERSION;
	if (h->length != len)
		return IKE_ERR_BAD_LENGTH;
	return IKE_ERR_OK;
}

void
vpn_ike_hdr_write(uint8_t *buf, const struct ike_hdr *h)
{
	put64(buf, h->spi_i);
	put64(buf + 8, h->spi_r);
	buf[16] = h->next;
	buf[17] = h->version;
	buf[18] = h->exchange;
	buf[19] = h->flags;
	put32(buf + 20, h->msg_id);
	put32(buf + 24, h->length);
}

/* ---- payload chain ---------------------------------------------------- */

static bool
known_payload(uint8_t t)
{
	return (t >= IKE_PT_SA && t <= IKE_PT_EAP) || t == IKE_PT_SKF;
}

enum ike_err
vpn_ike_payloads(const uint8_t *p, size_t len, uint8_t first,
                 struct ike_payload *out, unsigned int max, unsigned int *n,
                 uint8_t *bad_type)
{
	uint8_t type = first;
	size_t off = 0;

	*n = 0;
	while (type != IKE_PT_NONE) {
		uint8_t next;
		uint16_t plen;
		bool critical;

		if (len - off < IKE_PAYLOAD_HDR)
			return IKE_ERR_BAD_LENGTH;
		next = p[off];
		critical = p[off + 1] & 0x80;
		plen = get16(p + off + 2);
		if (plen < IKE_PAYLOAD_HDR || plen > len - off)
			return IKE_ERR_BAD_LENGTH;
		if (!known_payload(type)) {
			if (critical) {
				*bad_type = type;
				return IKE_ERR_UNSUPPORTED_CRITICAL;
			}
		} else {
			if (*n >= max)
				return IKE_ERR_TOO_MANY;
			out[*n].type = type;
			out[*n].next = next;
			out[*n].critical = critical;
			out[*n].body = p + off + IKE_PAYLOAD_HDR;
			out[*n].len = (uint16_t)(plen - IKE_PAYLOAD_HDR);
			(*n)++;
		}
		off += plen;
		/* SK holds the rest: its next field names the first payload
		 * inside it, and nothing may follow it (RFC 7296 3.14). */
		if (type == IKE_PT_SK || type == IKE_PT_SKF)
			return off == len ? IKE_ERR_OK : IKE_ERR_AFTER_SK;
		type = next;
	}
	return off == len ? IKE_ERR_OK : IKE_ERR_BAD_LENGTH;
}

const struct ike_payload *
vpn_ike_find(const struct ike_payload *pl, unsigned int n, uint8_t type)
{
	for (unsigned int i = 0; i < n; i++)
		if (pl[i].type == type)
			return &pl[i];
	return NULL;
}

/* ---- SA payload ------------------------------------------------------- */

/* The attributes of one transform in b[off..end): only Key Length, in
 * TV form, is defined for IKEv2 transforms. */
static enum ike_err
parse_attrs(const uint8_t *b, size_t off, size_t end, struct ike_transform *t)
{
	while (off < end) {
		uint16_t type;

		if (end - off < 4)
			return IKE_ERR_BAD_TRANSFORM;
		type = get16(b + off);
		if (type != (0x8000 | IKE_ATTR_KEY_LENGTH))
			return IKE_ERR_BAD_TRANSFORM;
		t->key_bits = get16(b + off + 2);
		off += 4;
	}
	return IKE_ERR_OK;
}

/* One proposal at b[off..off+plen) (its header checked by the caller). */
static enum ike_err
parse_proposal(const uint8_t *b, size_t off, size_t plen,
               struct ike_proposal *pr)
{
	size_t end = off + plen, t;
	unsigned int ntrans = b[off + 7];

	pr->num = b[off + 4];
	pr->protocol = b[off + 5];
	pr->spi_len = b[off + 6];
	if (pr->spi_len > sizeof(pr->spi) || 8u + pr->spi_len > plen)
		return IKE_ERR_BAD_PROPOSAL;
	memcpy(pr->spi, b + off + 8, pr->spi_len);
	t = off + 8 + pr->spi_len;
	for (unsigned int k = 0; k < ntrans; k++) {
		struct ike_transform *tr;
		uint8_t more;
		uint16_t tlen;
		enum ike_err e;

		if (end - t < 8)
			return IKE_ERR_BAD_TRANSFORM;
		more = b[t];
		tlen = get16(b + t + 2);
		/* 3: more follow, 0: the last, and it must be the last. */
		if ((more != 0 && more != 3) ||
		    (more == 0) != (k + 1 == ntrans) || tlen < 8 ||
		    tlen > end - t)
			return IKE_ERR_BAD_TRANSFORM;
		if (pr->n >= IKE_MAX_TRANSFORMS)
			return IKE_ERR_TOO_MANY;
		tr = &pr->t[pr->n++];
		tr->type = b[t + 4];
		tr->id = get16(b + t + 6);
		tr->key_bits = 0;
		e = parse_attrs(b, t + 8, t + tlen, tr);
		if (e != IKE_ERR_OK)
			return e;
		t += tlen;
	}
	return t == end ? IKE_ERR_OK : IKE_ERR_BAD_PROPOSAL;
}

enum ike_err
vpn_ike_sa_parse(const uint8_t *body, size_t len, struct ike_proposal *props,
                 unsigned int max, unsigned int *n)
{
	size_t off = 0;

	*n = 0;
	while (off < len) {
		uint8_t more;
		uint16_t plen;
		enum ike_err e;

		if (len - off < 8)
			return IKE_ERR_BAD_PROPOSAL;
		more = body[off];
		plen = get16(body + off + 2);
		if ((more != 0 && more != 2) || plen < 8 || plen > len - off)
			return IKE_ERR_BAD_PROPOSAL;
		if (*n >= max)
			return IKE_ERR_TOO_MANY;
		memset(&props[*n], 0, sizeof(props[*n]));
		e = parse_proposal(body, off, plen, &props[*n]);
		if (e != IKE_ERR_OK)
			return e;
		/* Numbered upwards from 1 (RFC 7296 3.3.1); a response
		 * carries the one accepted with the number it was sent with. */
		if (props[*n].num == 0 ||
		    (*n > 0 && props[*n].num <= props[*n - 1].num))
			return IKE_ERR_BAD_PROPOSAL;
		(*n)++;
		off += plen;
		if (more == 0)
			return off == len ? IKE_ERR_OK : IKE_ERR_BAD_PROPOSAL;
	}
	return IKE_ERR_BAD_PROPOSAL; /* empty, or "more" with none after */
}

/* ---- writing ---------------------------------------------------------- */

void
vpn_ike_begin(struct ike_writer *w, uint8_t *buf, size_t cap,
              const struct ike_hdr *h)
{
	struct ike_hdr c = *h;

	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->last_hdr = 0;
	w->err = IKE_ERR_OK;
	if (cap < IKE_HDR_LEN) {
		w->err = IKE_ERR_NO_ROOM;
		return;
	}
	c.next = IKE_PT_NONE;
	c.length = IKE_HDR_LEN;
	vpn_ike_hdr_write(buf, &c);
	w->len = IKE_HDR_LEN;
}

/* Room for n more bytes (n at most a payload's worth), or a failure. */
static bool
room(struct ike_writer *w, size_t n)
{
	if (w->err != IKE_ERR_OK)
		return false;
	if (n > w->cap - w->len || w->len + n > IKE_MAX_MSG) {
		w->err = IKE_ERR_NO_ROOM;
		return false;
	}
	return true;
}

/* A payload header of type (length fixed later), linked to the chain. */
static uint8_t *
open_payload(struct ike_writer *w, uint8_t type, bool critical)
{
	uint8_t *p;

	if (!room(w, IKE_PAYLOAD_HDR))
		return NULL;
	w->buf[w->last_hdr ? w->last_hdr : 16] = type;
	p = w->buf + w->len;
	p[0] = IKE_PT_NONE;
	p[1] = critical ? 0x80 : 0;
	put16(p + 2, IKE_PAYLOAD_HDR);
	w->last_hdr = w->len;
	w->len += IKE_PAYLOAD_HDR;
	return p;
}

static void
close_payload(struct ike_writer *w)
{
	size_t plen = w->len - w->last_hdr;

	if (w->err == IKE_ERR_OK && plen > 0xffff)
		w->err = IKE_ERR_NO_ROOM;
	if (w->err == IKE_ERR_OK)
		put16(w->buf + w->last_hdr + 2, (uint16_t)plen);
}

void
vpn_ike_add(struct ike_writer *w, uint8_t type, bool critical, const void *body,
            size_t len)
{
	if (open_payload(w, type, critical) == NULL || !room(w, len))
		return;
	if (len > 0)
		memcpy(w->buf + w->len, body, len);
	w->len += len;
	close_payload(w);
}

void
vpn_ike_add_sa(struct ike_writer *w, const struct ike_proposal *props,
               unsigned int n)
{
	if (open_payload(w, IKE_PT_SA, false) == NULL)
		return;
	for (unsigned int i = 0; i < n; i++) {
		const struct ike_proposal *pr = &props[i];
		size_t start = w->len, plen = 8u + pr->spi_len;
		uint8_t *p;

		for (unsigned int k = 0; k < pr->n; k++)
			plen += pr->t[k].key_bits ? 12 : 8;
		if (pr->spi_len > sizeof(pr->spi) || pr->n > 255 ||
		    plen > 0xffff) {
			w->err = IKE_ERR_BAD_PROPOSAL;
			return;
		}
		if (!room(w, plen))
			return;
		p = w->buf + start;
		p[0] = i + 1 < n ? 2 : 0;
		p[1] = 0;
		put16(p + 2, (uint16_t)plen);
		p[4] = pr->num ? pr->num : (uint8_t)(i + 1);
		p[5] = pr->protocol;
		p[6] = pr->spi_len;
		p[7] = (uint8_t)pr->n;
		memcpy(p + 8, pr->spi, pr->spi_len);
		p += 8 + pr->spi_len;
		for (unsigned int k = 0; k < pr->n; k++) {
			const struct ike_transform *t = &pr->t[k];
			uint16_t tlen = t->key_bits ? 12 : 8;

			p[0] = k + 1 < pr->n ? 3 : 0;
			p[1] = 0;
			put16(p + 2, tlen);
			p[4] = t->type;
			p[5] = 0;
			put16(p + 6, t->id);
			if (t->key_bits) {
				put16(p + 8, 0x8000 | IKE_ATTR_KEY_LENGTH);
				put16(p + 10, t->key_bits);
			}
			p += tlen;
		}
		w->len = start + plen;
	}
	close_payload(w);
}

size_t
vpn_ike_finish(struct ike_writer *w)
{
	if (w->err != IKE_ERR_OK)
		return 0;
	put32(w->buf + 24, (uint32_t)w->len);
	return w->len;
}
