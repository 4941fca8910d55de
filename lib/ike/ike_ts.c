/* SPDX-License-Identifier: BSD-3-Clause */
/* Traffic selectors: ours, narrowing the peer's, checking its answer. See
 * ike_sa.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_priv.h"

/* ---- traffic selectors --------------------------------------------------- */

void
add_ts(struct ike_writer *w, uint8_t type, const struct ts_set *s)
{
	uint8_t b[4 + VPN_IKE_MAX_TS * 16];
	uint8_t *p = b + 4;

	memset(b, 0, 4);
	b[0] = (uint8_t)s->n;
	for (unsigned int i = 0; i < s->n; i++, p += 16) {
		p[0] = IKE_TS_IPV4;
		p[1] = s->v[i].proto;
		put16(p + 2, 16);
		put16(p + 4, s->v[i].sport);
		put16(p + 6, s->v[i].eport);
		put32(p + 8, s->v[i].start);
		put32(p + 12, s->v[i].end);
	}
	vpn_ike_add(w, type, false, b, 4 + s->n * 16u);
}

/* The IPv4 selectors of a TS payload (IPv6 ones are skipped). false when
 * it is malformed. */
bool
parse_ts(const struct ike_payload *pl, struct ts_set *s)
{
	size_t off = 4;
	unsigned int count;

	s->n = 0;
	if (pl == NULL || pl->len < 4)
		return false;
	count = pl->body[0];
	for (unsigned int i = 0; i < count; i++) {
		uint16_t len;

		if (pl->len - off < 4)
			return false;
		len = get16(pl->body + off + 2);
		if (len < 8 || len > pl->len - off)
			return false;
		if (pl->body[off] == IKE_TS_IPV4) {
			const uint8_t *p = pl->body + off;

			if (len != 16)
				return false;
			if (s->n < VPN_IKE_MAX_TS)
				s->v[s->n++] = (struct ts){
				        p[1], get16(p + 4), get16(p + 6),
				        get32(p + 8), get32(p + 12)};
		}
		off += len;
	}
	return off == pl->len;
}

void
ts_from_cfg(const struct vpn_ike_ts *v, unsigned int n, struct ts_set *s)
{
	s->n = 0;
	for (unsigned int i = 0; i < n && i < VPN_IKE_MAX_TS; i++)
		s->v[s->n++] = (struct ts){0, 0, 65535, v[i].start, v[i].end};
}

/* theirs narrowed to ours (RFC 7296 2.9): the intersections. */
void
ts_narrow(const struct ts_set *theirs, const struct ts_set *ours,
          struct ts_set *out)
{
	out->n = 0;
	for (unsigned int i = 0; i < theirs->n; i++)
		for (unsigned int j = 0; j < ours->n; j++) {
			const struct ts *a = &theirs->v[i], *b = &ours->v[j];
			uint32_t s = a->start > b->start ? a->start : b->start;
			uint32_t e = a->end < b->end ? a->end : b->end;

			if (s <= e && a->sport <= a->eport &&
			    out->n < VPN_IKE_MAX_TS)
				out->v[out->n++] = (struct ts){
				        a->proto, a->sport, a->eport, s, e};
		}
}
