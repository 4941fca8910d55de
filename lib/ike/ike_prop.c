/* SPDX-License-Identifier: BSD-3-Clause */
/* Proposals: ours from the algorithm lists, choosing from the peer's, checking
 * its answer; DH groups. See ike_sa.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_priv.h"

/* ---- proposals ---------------------------------------------------------- */

bool
is_aead(uint16_t encr)
{
	return encr == IKE_ENCR_AES_GCM_16;
}

/* Our proposals from an algorithm list: one for the AEAD ciphers, one for
 * the others (RFC 7296 3.3: they can't share a proposal). */

static bool
pm_ike(enum pmode m)
{
	return m == PM_IKE || m == PM_IKE_REKEY;
}

/* Our proposals from an algorithm list: one for the AEAD ciphers, one for
 * the others (RFC 7296 3.3: they can't share a proposal). */
unsigned int
build_proposals(const struct vpn_ike_algs *a, enum pmode m, uint64_t spi,
                struct ike_proposal *props)
{
	bool ike_sa = pm_ike(m);
	unsigned int n = 0;

	for (int aead = 0; aead < 2; aead++) {
		struct ike_proposal *p = &props[n];
		unsigned int k = 0;

		memset(p, 0, sizeof(*p));
		for (unsigned int i = 0; i < a->n_encr; i++)
			if (is_aead(a->encr[i].id) == (aead == 1))
				p->t[k++] = (struct ike_transform){
				        IKE_TT_ENCR, a->encr[i].id,
				        a->encr[i].key_bits};
		if (k == 0)
			continue;
		if (ike_sa)
			for (unsigned int i = 0; i < a->n_integ; i++)
				p->t[k++] = (struct ike_transform){
				        IKE_TT_PRF, integ_to_prf(a->integ[i]),
				        0};
		if (!aead)
			for (unsigned int i = 0; i < a->n_integ; i++)
				p->t[k++] = (struct ike_transform){
				        IKE_TT_INTEG, a->integ[i], 0};
		if (m != PM_ESP_AUTH)
			for (unsigned int i = 0; i < a->n_dh; i++)
				p->t[k++] = (struct ike_transform){IKE_TT_DH,
				                                   a->dh[i], 0};
		if (!ike_sa) {
			/* ESN or not: the peer chooses. */
			p->t[k++] = (struct ike_transform){IKE_TT_ESN, 1, 0};
			p->t[k++] = (struct ike_transform){IKE_TT_ESN, 0, 0};
		}
		p->n = k;
		p->protocol = ike_sa ? IKE_PROTO_IKE : IKE_PROTO_ESP;
		if (m == PM_IKE_REKEY) {
			p->spi_len = 8;
			put64(p->spi, spi);
		} else if (!ike_sa) {
			p->spi_len = 4;
			put32(p->spi, (uint32_t)spi);
		}
		n++;
	}
	return n;
}

static bool
allowed(const struct vpn_ike_algs *a, const struct ike_transform *t,
        enum pmode m)
{
	switch (t->type) {
	case IKE_TT_ENCR:
		for (unsigned int i = 0; i < a->n_encr; i++)
			if (a->encr[i].id == t->id &&
			    a->encr[i].key_bits == t->key_bits)
				return true;
		return false;
	case IKE_TT_PRF:
		for (unsigned int i = 0; i < a->n_integ; i++)
			if (integ_to_prf(a->integ[i]) == t->id)
				return true;
		return false;
	case IKE_TT_INTEG:
		for (unsigned int i = 0; i < a->n_integ; i++)
			if (a->integ[i] == t->id)
				return true;
		return false;
	case IKE_TT_DH:
		if (m == PM_ESP_AUTH)
			return true; /* no PFS in IKE_AUTH: ignored */
		if (m == PM_ESP_CCS && t->id == 0)
			return true; /* NONE: a rekey without PFS */
		for (unsigned int i = 0; i < a->n_dh; i++)
			if (a->dh[i] == t->id)
				return true;
		return false;
	case IKE_TT_ESN:
		return t->id <= 1;
	}
	return false;
}

/*
 * Pick from a proposal: for each transform type the first one we allow,
 * in the proposer's order. false when a type we need has none.
 */
static bool
choose_one(const struct vpn_ike_algs *a, const struct ike_proposal *p,
           enum pmode m, struct choice *c)
{
	bool ike_sa = pm_ike(m), have[6] = {false}, any_dh = false;

	memset(c, 0, sizeof(*c));
	c->num = p->num;
	if (p->protocol != (ike_sa ? IKE_PROTO_IKE : IKE_PROTO_ESP) ||
	    p->spi_len != (m == PM_IKE         ? 0
	                   : m == PM_IKE_REKEY ? 8
	                                       : 4))
		return false;
	if (m == PM_IKE_REKEY)
		c->spi = get64(p->spi);
	else if (!ike_sa)
		c->spi = get32(p->spi);
	for (unsigned int i = 0; i < p->n; i++) {
		const struct ike_transform *t = &p->t[i];

		any_dh |= t->type == IKE_TT_DH;
		if (t->type > IKE_TT_ESN || have[t->type] || !allowed(a, t, m))
			continue;
		/* INTEG "none" (0) is only for AEAD; skip it. */
		if (t->type == IKE_TT_INTEG && t->id == 0)
			continue;
		have[t->type] = true;
		switch (t->type) {
		case IKE_TT_ENCR:
			c->encr = t->id;
			c->key_bits = t->key_bits;
			break;
		case IKE_TT_PRF:
			c->prf = t->id;
			break;
		case IKE_TT_INTEG:
			c->integ = t->id;
			break;
		case IKE_TT_DH:
			c->dh = t->id;
			break;
		case IKE_TT_ESN:
			c->esn = t->id == 1;
			break;
		}
	}
	if (!have[IKE_TT_ENCR])
		return false;
	if (is_aead(c->encr))
		c->integ = 0;
	else if (!have[IKE_TT_INTEG])
		return false;
	if (ike_sa && (!have[IKE_TT_PRF] || !have[IKE_TT_DH]))
		return false;
	/* A rekey that offers groups must get one we take. */
	if (m == PM_ESP_CCS && any_dh && !have[IKE_TT_DH])
		return false;
	if (m == PM_ESP_AUTH)
		c->dh = 0;
	return true;
}

/* The first acceptable proposal of an SA payload, as the initiator
 * ordered them. */
bool
choose(const struct vpn_ike_algs *a, const struct ike_payload *sa, enum pmode m,
       struct choice *c, struct vpn_ike *ike)
{
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	unsigned int n;

	if (vpn_ike_sa_parse(sa->body, sa->len, props, IKE_MAX_PROPOSALS, &n) !=
	    IKE_ERR_OK) {
		ike->st.malformed++;
		return false;
	}
	for (unsigned int i = 0; i < n; i++)
		if (choose_one(a, &props[i], m, c))
			return true;
	return false;
}

/* The one proposal a responder answers with. */
void
add_choice(struct ike_writer *w, const struct choice *c, enum pmode m,
           uint64_t spi)
{
	bool ike_sa = pm_ike(m);
	struct ike_proposal p = {.num = c->num,
	                         .protocol = ike_sa ? IKE_PROTO_IKE
	                                            : IKE_PROTO_ESP};
	unsigned int k = 0;

	p.t[k++] = (struct ike_transform){IKE_TT_ENCR, c->encr, c->key_bits};
	if (ike_sa)
		p.t[k++] = (struct ike_transform){IKE_TT_PRF, c->prf, 0};
	if (c->integ)
		p.t[k++] = (struct ike_transform){IKE_TT_INTEG, c->integ, 0};
	if (ike_sa || c->dh)
		p.t[k++] = (struct ike_transform){IKE_TT_DH, c->dh, 0};
	if (!ike_sa) {
		p.t[k++] = (struct ike_transform){IKE_TT_ESN, c->esn, 0};
		p.spi_len = 4;
		put32(p.spi, (uint32_t)spi);
	} else if (m == PM_IKE_REKEY) {
		p.spi_len = 8;
		put64(p.spi, spi);
	}
	p.n = k;
	vpn_ike_add_sa(w, &p, 1);
}

/* The responder's answer must be one of our proposals, reduced to one
 * transform of each type. */
bool
check_answer(const struct vpn_ike_algs *a, const struct ike_payload *sa,
             enum pmode m, struct choice *c, struct vpn_ike *ike)
{
	struct ike_proposal p;
	unsigned int n, count[6] = {0};

	if (vpn_ike_sa_parse(sa->body, sa->len, &p, 1, &n) != IKE_ERR_OK ||
	    n != 1) {
		ike->st.malformed++;
		return false;
	}
	for (unsigned int i = 0; i < p.n; i++)
		if (p.t[i].type <= IKE_TT_ESN)
			count[p.t[i].type]++;
	for (int t = 1; t <= IKE_TT_ESN; t++)
		if (count[t] > 1)
			return false;
	return choose_one(a, &p, m, c);
}

/* Whether a takes the IKE SA transforms of c (a customer gateway
 * without an address: answered under another tunnel's proposals, before
 * its identity was known). */
bool
takes_choice(const struct vpn_ike_algs *a, const struct choice *c)
{
	struct ike_proposal p = {.num = 1, .protocol = IKE_PROTO_IKE};
	struct choice x;

	p.t[p.n++] = (struct ike_transform){IKE_TT_ENCR, c->encr, c->key_bits};
	p.t[p.n++] = (struct ike_transform){IKE_TT_PRF, c->prf, 0};
	if (c->integ)
		p.t[p.n++] = (struct ike_transform){IKE_TT_INTEG, c->integ, 0};
	p.t[p.n++] = (struct ike_transform){IKE_TT_DH, c->dh, 0};
	return choose_one(a, &p, PM_IKE, &x);
}

bool
takes_ike_sa(const struct vpn_ike_algs *a, const struct ike_sa *sa)
{
	struct choice c = {.encr = sa->encr,
	                   .key_bits = sa->key_bits,
	                   .integ = sa->integ,
	                   .prf = sa->prf,
	                   .dh = sa->dh_group};

	return takes_choice(a, &c);
}

bool
dh_allowed(const struct vpn_ike_algs *a, uint16_t group)
{
	for (unsigned int i = 0; i < a->n_dh; i++)
		if (a->dh[i] == group)
			return true;
	return false;
}

/*
 * How strong a DH group is, in bits of security (NIST SP 800-57 part 1
 * table 2 for MODP and ECP; RFC 5114's groups by their prime), and at
 * equal strength elliptic curves first (cheaper). A first KE is a guess:
 * the strongest group allowed is the one to guess (a peer that wants
 * another says INVALID_KE once, and is remembered).
 */
static unsigned int
dh_strength(uint16_t g)
{
	static const uint16_t bits[32] = {
	        [2] = 800,   [5] = 900,   [14] = 1120, [15] = 1280, [16] = 1520,
	        [17] = 1760, [18] = 2000, [19] = 1281, [20] = 1921, [21] = 2561,
	        [22] = 800,  [23] = 1120, [24] = 1121,
	};

	return g < 32 ? bits[g] : 0;
}

/* Sort a's groups strongest first (stable for equals). */
void
dh_order(struct vpn_ike_algs *a)
{
	for (unsigned int i = 1; i < a->n_dh && i < VPN_IKE_MAX_ALGS; i++) {
		uint16_t g = a->dh[i];
		unsigned int j = i;

		for (; j > 0 && dh_strength(a->dh[j - 1]) < dh_strength(g); j--)
			a->dh[j] = a->dh[j - 1];
		a->dh[j] = g;
	}
}
