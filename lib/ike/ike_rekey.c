/* SPDX-License-Identifier: BSD-3-Clause */
/* CREATE_CHILD_SA: rekeying Child SAs and the IKE SA, collisions (RFC
 * 7296 1.3, 2.8). See ike_sa.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_priv.h"

/* ---- CREATE_CHILD_SA: rekeying (RFC 7296 1.3, 2.8)
 * ---------------------------
 *
 * A Child SA is rekeyed make-before-break: the new one is installed
 * (inbound at once), the exchange's initiator routes traffic onto it as
 * soon as the response is in and then deletes the old one; the responder
 * routes onto it when that DELETE arrives (or after IKE_ROUTE_WAIT_MS), so
 * neither side sends on an SA the other cannot yet take. Both sides
 * rekeying one Child SA at once both finish; the SA made with the lowest
 * of the four nonces is then deleted by its maker (2.8.1). An IKE SA is
 * rekeyed into a new one with new SPIs, and the Child SAs stay; colliding
 * IKE SA rekeys are answered with TEMPORARY_FAILURE and retried after a
 * random delay.
 */

/* The lower of two nonces, as byte strings. */
static const uint8_t *
nonce_min(const uint8_t *a, size_t al, const uint8_t *b, size_t bl, size_t *len)
{
	size_t l = al < bl ? al : bl;
	int c = memcmp(a, b, l);

	if (c < 0 || (c == 0 && al <= bl)) {
		*len = al;
		return a;
	}
	*len = bl;
	return b;
}

/* Refuse a request in one notify. */
static void
ccs_refuse(struct vpn_ike *ike, struct ike_sa *sa, uint32_t msg_id,
           uint16_t type, const void *data, size_t len)
{
	struct ike_writer w;

	inner_begin(ike, &w);
	add_notify(&w, 0, 0, type, data, len);
	send_sk(ike, sa, IKE_CREATE_CHILD_SA, true, msg_id, &w, R_NONE);
}

/* The DH of a CREATE_CHILD_SA: our key for the group the proposal chose
 * and g^ir from the peer's KE. 0, or the notify to refuse with. */
static uint16_t
ccs_dh(struct vpn_ike *ike, const struct ike_payload *ke, uint16_t group,
       struct ike_dh **dh, uint8_t *gir, size_t *gl)
{
	*gl = 0;
	if (group == 0)
		return ke == NULL ? 0 : IKE_N_INVALID_SYNTAX;
	if (ke == NULL || ke->len < 4 || get16(ke->body) != group)
		return IKE_N_INVALID_KE_PAYLOAD;
	if (*dh == NULL)
		*dh = dh_take(ike, group);
	if (*dh != NULL)
		*gl = ike_dh_shared(*dh, ke->body + 4, ke->len - 4u, gir);
	return *gl ? 0 : IKE_N_INVALID_SYNTAX;
}

static void
add_ke(struct ike_writer *w, const struct ike_dh *dh)
{
	uint8_t ke[4 + IKE_MAX_DH_LEN];
	size_t kl = ike_dh_len(ike_dh_group(dh));

	put16(ke, (uint16_t)ike_dh_group(dh));
	put16(ke + 2, 0);
	memcpy(ke + 4, ike_dh_public(dh), kl);
	vpn_ike_add(w, IKE_PT_KE, false, ke, 4 + kl);
}

/* A new IKE SA from a rekey of old: the exchange's nonces, the chosen
 * transforms, its SPIs. NULL when keys can't be made. */
static struct ike_sa *
ike_from_rekey(struct vpn_ike *ike, struct ike_sa *old, bool we_i,
               const struct choice *c, uint64_t spi_i, uint64_t spi_r,
               const uint8_t *ni, size_t ni_len, const uint8_t *nr,
               size_t nr_len, const uint8_t *gir, size_t gl)
{
	struct ike_sa *ns = sa_new(ike, old->peer, we_i);

	if (ns == NULL)
		return NULL;
	ns->spi_i = spi_i;
	sa_index_add(ike, ns);
	ns->spi_r = spi_r;
	ns->encr = c->encr;
	ns->key_bits = c->key_bits;
	ns->integ = c->integ;
	ns->prf = c->prf;
	ns->dh_group = c->dh;
	memcpy(ns->ni, ni, ni_len);
	ns->ni_len = ni_len;
	memcpy(ns->nr, nr, nr_len);
	ns->nr_len = nr_len;
	ns->local = old->local;
	ns->remote = old->remote;
	ns->lport = old->lport;
	ns->rport = old->rport;
	ns->nat_local = old->nat_local;
	ns->nat_remote = old->nat_remote;
	ns->frag = old->frag;
	ns->my_id = ns->peer_id = 0;
	if (derive_ike_keys(ns, gir, gl, old) != 0) {
		sa_free(ike, ns, "key derivation failed");
		return NULL;
	}
	return ns;
}

/* The new IKE SA takes over from old (which waits for its DELETE). */
static void
ike_switch(struct vpn_ike *ike, struct ike_sa *old, struct ike_sa *ns)
{
	struct peer *p = &ike->peers[old->peer];

	sa_free(ike, p->old, "superseded by another rekey");
	old->rekeyed = true;
	p->old = old;
	p->sa = ns;
	sa_established(ike, ns, "rekeyed");
	ike->st.ike_rekeys++;
}

/* The peer's CREATE_CHILD_SA. */
void
ccs_request(struct vpn_ike *ike, struct ike_sa *sa, uint32_t msg_id,
            const struct ike_payload *pl, unsigned int n)
{
	struct peer *p = &ike->peers[sa->peer];
	const struct ike_payload *psa = vpn_ike_find(pl, n, IKE_PT_SA),
	                         *nonce = vpn_ike_find(pl, n, IKE_PT_NONCE),
	                         *ke = vpn_ike_find(pl, n, IKE_PT_KE);
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	uint8_t gir[IKE_MAX_DH_LEN], nr[IKE_NONCE_LEN], g[2];
	struct ike_dh *dh = NULL;
	struct child *old = NULL;
	struct ike_writer w;
	unsigned int np;
	struct choice c;
	size_t gl = 0;
	uint16_t err;

	if (psa == NULL || nonce == NULL || nonce->len < 16 ||
	    nonce->len > IKE_MAX_NONCE ||
	    vpn_ike_sa_parse(psa->body, psa->len, props, IKE_MAX_PROPOSALS,
	                     &np) != IKE_ERR_OK) {
		ike->st.malformed++;
		ccs_refuse(ike, sa, msg_id, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (sa->rekeyed || ike_random(nr, sizeof(nr)) != 0) {
		ccs_refuse(ike, sa, msg_id, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	inner_begin(ike, &w);
	if (props[0].protocol == IKE_PROTO_IKE) {
		struct ike_sa *ns;

		/* Ours in flight too: the IKE SA's initiator's goes on,
		 * the responder's waits (see above). */
		if (sa->req != NULL && sa->req_kind == R_REKEY_IKE &&
		    sa->initiator) {
			ike->st.collisions++;
			ccs_refuse(ike, sa, msg_id, IKE_N_TEMPORARY_FAILURE,
			           NULL, 0);
			return;
		}
		if (!choose(&p->cfg.ike, psa, PM_IKE_REKEY, &c, ike)) {
			ike->st.no_proposal++;
			ccs_refuse(ike, sa, msg_id, IKE_N_NO_PROPOSAL_CHOSEN,
			           NULL, 0);
			return;
		}
		err = ccs_dh(ike, ke, c.dh, &dh, gir, &gl);
		if (err == 0 && gl == 0)
			err = IKE_N_INVALID_KE_PAYLOAD;
		if (err != 0) {
			put16(g, c.dh);
			ccs_refuse(ike, sa, msg_id, err, g,
			           err == IKE_N_INVALID_KE_PAYLOAD ? 2 : 0);
			ike_dh_free(dh);
			return;
		}
		ns = ike_from_rekey(ike, sa, false, &c, c.spi, rand64(),
		                    nonce->body, nonce->len, nr, sizeof(nr),
		                    gir, gl);
		explicit_bzero(gir, sizeof(gir));
		if (ns == NULL) {
			ike_dh_free(dh);
			ccs_refuse(ike, sa, msg_id, IKE_N_NO_PROPOSAL_CHOSEN,
			           NULL, 0);
			return;
		}
		add_choice(&w, &c, PM_IKE_REKEY, ns->spi_r);
		vpn_ike_add(&w, IKE_PT_NONCE, false, nr, sizeof(nr));
		add_ke(&w, dh);
		ike_dh_free(dh);
		send_sk(ike, sa, IKE_CREATE_CHILD_SA, true, msg_id, &w, R_NONE);
		plog(ike, sa->peer,
		     "IKE SA rekeyed by the peer: %016llx_i "
		     "%016llx_r",
		     (unsigned long long)ns->spi_i,
		     (unsigned long long)ns->spi_r);
		ike_switch(ike, sa, ns);
		return;
	}

	/* A Child SA: only rekeys (one tunnel, one Child SA). */
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *d;
		size_t dl;

		if (pl[i].type == IKE_PT_NOTIFY &&
		    notify_type(&pl[i], &d, &dl) == IKE_N_REKEY_SA &&
		    pl[i].len >= 8 && pl[i].body[0] == IKE_PROTO_ESP &&
		    pl[i].body[1] == 4)
			old = child_by_out(p, get32(pl[i].body + 4));
	}
	if (old == NULL) {
		ccs_refuse(ike, sa, msg_id,
		           vpn_ike_find(pl, n, IKE_PT_NOTIFY)
		                   ? IKE_N_CHILD_SA_NOT_FOUND
		                   : IKE_N_NO_ADDITIONAL_SAS,
		           NULL, 0);
		return;
	}
	{
		struct ts_set tsi, tsr, tsi_n, tsr_n;
		struct keysrc ks;
		struct child *nc;
		uint32_t spi_in;

		if (!choose(&p->cfg.esp, psa, PM_ESP_CCS, &c, ike)) {
			ike->st.no_proposal++;
			ccs_refuse(ike, sa, msg_id, IKE_N_NO_PROPOSAL_CHOSEN,
			           NULL, 0);
			return;
		}
		err = ccs_dh(ike, ke, c.dh, &dh, gir, &gl);
		if (err != 0) {
			put16(g, c.dh);
			ccs_refuse(ike, sa, msg_id, err, g,
			           err == IKE_N_INVALID_KE_PAYLOAD ? 2 : 0);
			ike_dh_free(dh);
			return;
		}
		if (!parse_ts(vpn_ike_find(pl, n, IKE_PT_TSI), &tsi) ||
		    !parse_ts(vpn_ike_find(pl, n, IKE_PT_TSR), &tsr)) {
			ike->st.malformed++;
			ike_dh_free(dh);
			ccs_refuse(ike, sa, msg_id, IKE_N_INVALID_SYNTAX, NULL,
			           0);
			return;
		}
		ts_narrow(&tsi, &p->ts_remote, &tsi_n);
		ts_narrow(&tsr, &p->ts_local, &tsr_n);
		spi_in = new_spi(ike);
		ks = (struct keysrc){false, gir,        gl,        nonce->body,
		                     nr,    nonce->len, sizeof(nr)};
		nc = tsi_n.n && tsr_n.n && spi_in
		             ? child_install(ike, sa, &c, spi_in, &ks, false)
		             : NULL;
		explicit_bzero(gir, sizeof(gir));
		if (nc == NULL) {
			ike_dh_free(dh);
			ccs_refuse(ike, sa, msg_id,
			           tsi_n.n && tsr_n.n ? IKE_N_NO_ADDITIONAL_SAS
			                              : IKE_N_TS_UNACCEPTABLE,
			           NULL, 0);
			return;
		}
		old->rekeyed = true;
		ike->st.child_rekeys++;
		/* We are rekeying it too: remember this exchange's lower
		 * nonce and what it made. */
		if (sa->req != NULL && sa->req_kind == R_REKEY_CHILD &&
		    sa->rk_old == old->spi_in) {
			const uint8_t *m;
			size_t ml;

			m = nonce_min(nonce->body, nonce->len, nr, sizeof(nr),
			              &ml);
			memcpy(sa->rk_peer_n, m, ml);
			sa->rk_peer_n_len = ml;
			sa->rk_collided = true;
			sa->rk_peer_child = spi_in;
		}
		add_choice(&w, &c, PM_ESP_CCS, spi_in);
		vpn_ike_add(&w, IKE_PT_NONCE, false, nr, sizeof(nr));
		if (dh != NULL)
			add_ke(&w, dh);
		add_ts(&w, IKE_PT_TSI, &tsi_n);
		add_ts(&w, IKE_PT_TSR, &tsr_n);
		ike_dh_free(dh);
		send_sk(ike, sa, IKE_CREATE_CHILD_SA, true, msg_id, &w, R_NONE);
	}
}

/* Offer every group, the one our KE is for first (RFC 7296 1.3). */
static void
dh_first(struct vpn_ike_algs *a, uint16_t group)
{
	unsigned int k = 1;
	uint16_t rest[VPN_IKE_MAX_ALGS];

	for (unsigned int i = 0; i < a->n_dh && k < VPN_IKE_MAX_ALGS; i++)
		if (a->dh[i] != group)
			rest[k++] = a->dh[i];
	rest[0] = group;
	memcpy(a->dh, rest, k * sizeof(rest[0]));
	a->n_dh = k;
}

/* Start rekeying Child SA c (we are the exchange's initiator). */
void
rekey_child(struct vpn_ike *ike, struct ike_sa *sa, struct child *c,
            uint16_t group)
{
	struct peer *p = &ike->peers[sa->peer];
	struct ike_proposal props[2];
	struct vpn_ike_algs esp = p->cfg.esp;
	struct ike_writer w;
	unsigned int np;

	ike_dh_free(sa->rk_dh);
	sa->rk_dh = NULL;
	/* PFS with the group asked for (INVALID_KE), else the one in use:
	 * the Child SA's own, the IKE SA's for the first rekey of one made
	 * in IKE_AUTH, else our strongest. Offering another group first
	 * costs an INVALID_KE round trip at every rekey. */
	if (group != 0 && !dh_allowed(&esp, group)) {
		sa->rk_retry = ike->now + IKE_RETRY_MS;
		return;
	}
	if (group == 0 && dh_allowed(&esp, c->dh))
		group = c->dh;
	else if (group == 0 && dh_allowed(&esp, sa->dh_group))
		group = sa->dh_group;
	else if (group == 0 && esp.n_dh > 0)
		group = esp.dh[0];
	if (group != 0) {
		dh_first(&esp, group);
		sa->rk_dh = dh_take(ike, group);
		if (sa->rk_dh == NULL)
			return;
	}
	sa->rk_old = c->spi_in;
	sa->rk_spi = new_spi(ike);
	sa->rk_n_len = IKE_NONCE_LEN;
	sa->rk_collided = false;
	if (sa->rk_spi == 0 || ike_random(sa->rk_n, sa->rk_n_len) != 0)
		return;
	np = build_proposals(&esp, PM_ESP_CCS, sa->rk_spi, props);
	inner_begin(ike, &w);
	add_notify(&w, IKE_PROTO_ESP, c->spi_in, IKE_N_REKEY_SA, NULL, 0);
	vpn_ike_add_sa(&w, props, np);
	vpn_ike_add(&w, IKE_PT_NONCE, false, sa->rk_n, sa->rk_n_len);
	if (sa->rk_dh != NULL)
		add_ke(&w, sa->rk_dh);
	add_ts(&w, IKE_PT_TSI, &p->ts_local);
	add_ts(&w, IKE_PT_TSR, &p->ts_remote);
	plog(ike, sa->peer, "rekeying Child SA %08x_i", c->spi_in);
	if (send_sk(ike, sa, IKE_CREATE_CHILD_SA, false, sa->my_id, &w,
	            R_REKEY_CHILD) == 0)
		sa->my_id++;
}

/* Start rekeying the IKE SA. */
void
rekey_ike(struct vpn_ike *ike, struct ike_sa *sa, uint16_t group)
{
	struct peer *p = &ike->peers[sa->peer];
	struct vpn_ike_algs algs = p->cfg.ike;
	struct ike_proposal props[2];
	struct ike_writer w;
	unsigned int np;

	if (group != 0 && !dh_allowed(&algs, group)) {
		sa->rk_retry = ike->now + IKE_RETRY_MS;
		return;
	}
	ike_dh_free(sa->rk_dh);
	dh_first(&algs, group ? group : sa->dh_group);
	sa->rk_dh = dh_take(ike, algs.dh[0]);
	sa->rk_ike_spi = rand64();
	sa->rk_n_len = IKE_NONCE_LEN;
	if (sa->rk_dh == NULL || ike_random(sa->rk_n, sa->rk_n_len) != 0)
		return;
	np = build_proposals(&algs, PM_IKE_REKEY, sa->rk_ike_spi, props);
	inner_begin(ike, &w);
	vpn_ike_add_sa(&w, props, np);
	vpn_ike_add(&w, IKE_PT_NONCE, false, sa->rk_n, sa->rk_n_len);
	add_ke(&w, sa->rk_dh);
	plog(ike, sa->peer, "rekeying the IKE SA");
	if (send_sk(ike, sa, IKE_CREATE_CHILD_SA, false, sa->my_id, &w,
	            R_REKEY_IKE) == 0)
		sa->my_id++;
}

/* A refusal of our rekey: try again later (or now, with the group the
 * peer wants). true when it was one. */
static bool
rekey_refused(struct vpn_ike *ike, struct ike_sa *sa,
              const struct ike_payload *pl, unsigned int n, bool ike_sa)
{
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *d;
		size_t dl;
		uint16_t t;
		uint32_t r = 0;

		if (pl[i].type != IKE_PT_NOTIFY)
			continue;
		t = notify_type(&pl[i], &d, &dl);
		if (t == 0 || t >= 16384)
			continue;
		if (t == IKE_N_INVALID_KE_PAYLOAD && dl == 2) {
			struct child *c =
			        child_find(&ike->peers[sa->peer], sa->rk_old);

			ike->st.invalid_ke++;
			if (ike_sa)
				rekey_ike(ike, sa, get16(d));
			else if (c != NULL)
				rekey_child(ike, sa, c, get16(d));
			return true;
		}
		/* TEMPORARY_FAILURE: the peer is busy (a collision); the rest
		 * are failures: a later try may fare better. */
		ike_random(&r, sizeof(r));
		if (t == IKE_N_TEMPORARY_FAILURE)
			ike->st.temporary_failures++;
		sa->rk_retry = ike->now + 1000 + r % 2000 +
		               (t == IKE_N_TEMPORARY_FAILURE ? 0 : 8000);
		plog(ike, sa->peer, "%s rekey refused (notify %u): again later",
		     ike_sa ? "IKE SA" : "Child SA", t);
		return true;
	}
	return false;
}

void
rekey_child_response(struct vpn_ike *ike, struct ike_sa *sa,
                     const struct ike_payload *pl, unsigned int n)
{
	struct peer *p = &ike->peers[sa->peer];
	const struct ike_payload *psa = vpn_ike_find(pl, n, IKE_PT_SA),
	                         *nonce = vpn_ike_find(pl, n, IKE_PT_NONCE),
	                         *ke = vpn_ike_find(pl, n, IKE_PT_KE);
	uint8_t gir[IKE_MAX_DH_LEN];
	struct child *old, *nc;
	struct keysrc ks;
	struct choice c;
	size_t gl = 0;

	if (rekey_refused(ike, sa, pl, n, false))
		return;
	if (psa == NULL || nonce == NULL || nonce->len < 16 ||
	    nonce->len > IKE_MAX_NONCE ||
	    !check_answer(&p->cfg.esp, psa, PM_ESP_CCS, &c, ike) ||
	    (sa->rk_dh ? c.dh != ike_dh_group(sa->rk_dh) : c.dh != 0) ||
	    ccs_dh(ike, ke, c.dh, &sa->rk_dh, gir, &gl) != 0) {
		ike->st.malformed++;
		sa->rk_retry = ike->now + 10000;
		return;
	}
	ks = (struct keysrc){true,        gir,          gl,        sa->rk_n,
	                     nonce->body, sa->rk_n_len, nonce->len};
	/* Routed at once (the responder takes it already), unless the
	 * peer rekeyed it too and ours may be the one to go. */
	nc = child_install(ike, sa, &c, sa->rk_spi, &ks, !sa->rk_collided);
	explicit_bzero(gir, sizeof(gir));
	ike_dh_free(sa->rk_dh);
	sa->rk_dh = NULL;
	if (nc == NULL) {
		sa->rk_retry = ike->now + 10000;
		return;
	}
	ike->st.child_rekeys++;
	old = child_find(p, sa->rk_old);
	if (old != NULL)
		old->rekeyed = true;
	if (sa->rk_collided) {
		const uint8_t *ours;
		size_t ol, ml;

		/* RFC 7296 2.8.1: the SA made with the lowest of the four
		 * nonces goes, closed by its maker. */
		ike->st.collisions++;
		ours = nonce_min(sa->rk_n, sa->rk_n_len, nonce->body,
		                 nonce->len, &ol);
		if (nonce_min(ours, ol, sa->rk_peer_n, sa->rk_peer_n_len,
		              &ml) == ours) {
			/* Traffic stays on the old one until the peer deletes
			 * it; then it moves to the peer's new one. */
			plog(ike, sa->peer,
			     "rekey collision: ours has the "
			     "lowest nonce and goes");
			nc->rekeyed = true;
			nc->route_at = 0;
			send_info(ike, sa, R_DELETE_CHILD, nc->spi_in);
			return;
		}
		plog(ike, sa->peer, "rekey collision: the peer's goes");
		child_route(ike, sa->peer, nc);
	}
	if (old != NULL)
		send_info(ike, sa, R_DELETE_CHILD, old->spi_in);
}

void
rekey_ike_response(struct vpn_ike *ike, struct ike_sa *sa,
                   const struct ike_payload *pl, unsigned int n)
{
	struct peer *p = &ike->peers[sa->peer];
	const struct ike_payload *psa = vpn_ike_find(pl, n, IKE_PT_SA),
	                         *nonce = vpn_ike_find(pl, n, IKE_PT_NONCE),
	                         *ke = vpn_ike_find(pl, n, IKE_PT_KE);
	uint8_t gir[IKE_MAX_DH_LEN];
	struct ike_sa *ns;
	struct choice c;
	size_t gl = 0;

	if (rekey_refused(ike, sa, pl, n, true))
		return;
	if (psa == NULL || nonce == NULL || nonce->len < 16 ||
	    nonce->len > IKE_MAX_NONCE || sa->rk_dh == NULL ||
	    !check_answer(&p->cfg.ike, psa, PM_IKE_REKEY, &c, ike) ||
	    c.dh != ike_dh_group(sa->rk_dh) ||
	    ccs_dh(ike, ke, c.dh, &sa->rk_dh, gir, &gl) != 0 || gl == 0) {
		ike->st.malformed++;
		sa->rk_retry = ike->now + 10000;
		return;
	}
	ns = ike_from_rekey(ike, sa, true, &c, sa->rk_ike_spi, c.spi, sa->rk_n,
	                    sa->rk_n_len, nonce->body, nonce->len, gir, gl);
	explicit_bzero(gir, sizeof(gir));
	ike_dh_free(sa->rk_dh);
	sa->rk_dh = NULL;
	if (ns == NULL) {
		sa->rk_retry = ike->now + 10000;
		return;
	}
	if (sa->rekeyed) {
		/* The peer's rekey of it went first (we answered it) and the
		 * peer took ours as well: ours is redundant, and we close
		 * what we made. */
		ike->st.collisions++;
		plog(ike, sa->peer, "IKE SA rekey collision: deleting ours");
		sa_free(ike, p->doomed, "superseded");
		p->doomed = ns;
		sa_state(ike, ns, S_ESTABLISHED, "redundant rekey");
		ns->rekeyed = true;
		send_info(ike, ns, R_DELETE_IKE, 0);
		return;
	}
	plog(ike, sa->peer, "IKE SA rekeyed: %016llx_i %016llx_r",
	     (unsigned long long)ns->spi_i, (unsigned long long)ns->spi_r);
	ike_switch(ike, sa, ns);
	/* The old one is deleted by us, the rekey's initiator. */
	send_info(ike, sa, R_DELETE_IKE, 0);
}
