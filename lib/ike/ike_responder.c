/* SPDX-License-Identifier: BSD-3-Clause */
/* The responder: IKE_SA_INIT (cookies, INVALID_KE) and IKE_AUTH requests. See
 * ike_sa.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ike_bytes.h"
#include "ike_priv.h"

/* ---- responder ----------------------------------------------------------- */

/* A new cookie secret when the current one is old or much used; two
 * when two periods passed, so that a cookie of neither is taken. */
static void
cookie_rotate(struct vpn_ike *ike)
{
	uint64_t age = ike->now - ike->cookie_since;
	int n;

	if (ike->cookie_since == 0) {
		ike->cookie_since = ike->now ? ike->now : 1;
		return;
	}
	if (age < IKE_COOKIE_SECRET_MS &&
	    (ike->cookie_uses < IKE_COOKIE_SECRET_USES ||
	     age < IKE_COOKIE_SECRET_MIN_MS))
		return;
	n = age >= 2 * (uint64_t)IKE_COOKIE_SECRET_MS ? 2 : 1;
	for (int k = 0; k < n; k++) {
		uint8_t v = (uint8_t)(ike->cookie_ver + 1);

		if (ike_random(ike->cookie_secret[v & 1],
		               sizeof(ike->cookie_secret[0])) != 0)
			break; /* the old one stays */
		ike->cookie_ver = v;
	}
	ike->cookie_since = ike->now;
	ike->cookie_uses = 0;
}

/* The cookie for an initiator with secret version ver (RFC 7296 2.6):
 * ver, then prf of its nonce, address and SPI under that secret. Its
 * length, or 0. */
static size_t
make_cookie(struct vpn_ike *ike, uint8_t ver, const uint8_t *ni, size_t ni_len,
            uint32_t ip, uint64_t spi_i, uint8_t *out)
{
	uint8_t b[12], h[IKE_MAX_PRF_LEN];
	struct ike_iov iov[2] = {{ni, ni_len}, {b, sizeof(b)}};

	put32(b, ip);
	put64(b + 4, spi_i);
	if (ike_prf(IKE_PRF_HMAC_SHA2_256, ike->cookie_secret[ver & 1],
	            sizeof(ike->cookie_secret[0]), iov, 2, h) != 0)
		return 0;
	out[0] = ver;
	memcpy(out + 1, h, IKE_COOKIE_LEN - 1);
	return IKE_COOKIE_LEN;
}

/* Whether d is a cookie of ours for this initiator: made with the
 * current secret or the one before. */
static bool
cookie_ok(struct vpn_ike *ike, const uint8_t *d, size_t dl, const uint8_t *ni,
          size_t ni_len, uint32_t ip, uint64_t spi_i)
{
	uint8_t want[IKE_COOKIE_LEN];

	if (dl != IKE_COOKIE_LEN ||
	    (d[0] != ike->cookie_ver && d[0] != (uint8_t)(ike->cookie_ver - 1)))
		return false;
	return make_cookie(ike, d[0], ni, ni_len, ip, spi_i, want) ==
	               IKE_COOKIE_LEN &&
	       ike_equal(d, want, IKE_COOKIE_LEN);
}

/* A pending SA from remote with initiator SPI spi_i (from any port: a
 * NAT may map a retransmission anew), or NULL. */
static struct ike_sa *
pend_find(struct vpn_ike *ike, uint64_t spi_i, uint32_t remote)
{
	for (unsigned int i = 0; i < ike->n_pend; i++) {
		struct ike_sa *o = ike->pend[i];

		if (o->spi_i == spi_i && o->remote == remote)
			return o;
	}
	return NULL;
}

/* Pending SAs from remote (of any source when 0): how many, and the
 * oldest in *oldest when oldest is not NULL. */
static unsigned int
pend_from(struct vpn_ike *ike, uint32_t remote, struct ike_sa **oldest)
{
	struct ike_sa *old = NULL;
	unsigned int n = 0;

	for (unsigned int i = 0; i < ike->n_pend; i++) {
		struct ike_sa *o = ike->pend[i];

		if (remote != 0 && o->remote != remote)
			continue;
		n++;
		if (old == NULL || o->created < old->created)
			old = o;
	}
	if (oldest != NULL)
		*oldest = old;
	return n;
}

/*
 * A tunnel of a customer gateway without an address, on our address
 * local, that takes one of the proposals of psa (its choice in c), or -1;
 * *any: there is such a tunnel at all. Which gateway it is comes at
 * IKE_AUTH, so of the choices the tunnels would make, the one most of
 * them take (the first such tunnel's on a tie).
 */
static int
find_roaming(struct vpn_ike *ike, uint32_t local, const struct ike_payload *psa,
             struct choice *c, bool *any)
{
	int best = -1;
	unsigned int best_n = 0, nr = 0;
	const int *r = roaming_index(ike, &nr);

	/* Only the tunnels without an address (an IKE_SA_INIT from an
	 * unknown address costs nothing more when there are none), and a
	 * choice counted once per set of phase 1 algorithms: the checker
	 * warns when such tunnels on one address differ, so there is
	 * usually one. */
	if (r == NULL)
		nr = ike->n;
	*any = false;
	for (unsigned int j = 0; j < nr; j++) {
		unsigned int i = r ? (unsigned int)r[j] : j;
		const struct peer *p = &ike->peers[i];
		struct choice x;
		unsigned int n = 0;
		bool seen = false;

		if (!roaming(p) || p->cfg.local != local || p->down)
			continue;
		*any = true;
		for (unsigned int k = 0; k < j && !seen; k++) {
			const struct peer *o =
			        &ike->peers[r ? (unsigned int)r[k] : k];

			seen = roaming(o) && o->cfg.local == local &&
			       !o->down &&
			       memcmp(&o->cfg.ike, &p->cfg.ike,
			              sizeof(o->cfg.ike)) == 0;
		}
		if (seen || psa == NULL ||
		    !choose(&p->cfg.ike, psa, PM_IKE, &x, ike))
			continue;
		for (unsigned int k = 0; k < nr; k++) {
			const struct peer *o =
			        &ike->peers[r ? (unsigned int)r[k] : k];

			n += roaming(o) && o->cfg.local == local && !o->down &&
			     takes_choice(&o->cfg.ike, &x);
		}
		if (n > best_n) {
			best = (int)i;
			best_n = n;
			*c = x;
		}
	}
	return best;
}

static uint64_t
mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* The load windows (a second each): the one that began at init_win is
 * closed once it is over, its share kept for the next; one that ended
 * long ago says nothing of now. */
static void
init_window(struct vpn_ike *ike, uint64_t now)
{
	uint64_t span = now - ike->init_win;

	if (span < 1000000000ull)
		return;
	ike->init_busy_pm =
	        span >= 2000000000ull
	                ? 0
	                : (unsigned int)(ike->init_ns * 1000 / span > 1000
	                                         ? 1000
	                                         : ike->init_ns * 1000 / span);
	ike->init_ns = 0;
	ike->init_win = now;
}

/* Half-open SAs past which IKE_SA_INITs are asked for a cookie: fewer
 * while answering them took half of the last second. */
static unsigned int
cookie_threshold(struct vpn_ike *ike)
{
	init_window(ike, mono_ns());
	return ike->init_busy_pm >= IKE_BUSY_PERMILLE
	               ? IKE_COOKIE_HALF_OPEN_BUSY
	               : IKE_COOKIE_HALF_OPEN;
}

/* A token of IKE_PENDING_PER_S for one more pending SA from a source with
 * mine of them already, if there is one. The lower half of the bucket is
 * for sources with none: one host returning cookies as fast as it can
 * cannot take every token from the gateways that retry once a second. */
static bool
pend_budget(struct vpn_ike *ike, unsigned int mine)
{
	uint64_t cap = IKE_PENDING_BURST * 1000ull;

	if (ike->now > ike->pend_at)
		ike->pend_milli +=
		        (ike->now - ike->pend_at) * IKE_PENDING_PER_S;
	if (ike->pend_milli > cap)
		ike->pend_milli = cap;
	ike->pend_at = ike->now;
	if (ike->pend_milli < (mine > 0 ? cap / 2 + 1000 : 1000))
		return false;
	ike->pend_milli -= 1000;
	return true;
}

/* Whether the peer has a half-open SA we answered already. */
static bool
half_open_at(const struct peer *p)
{
	return (p->nego != NULL && p->nego->state == S_INIT_DONE) ||
	       (p->sa != NULL && !p->sa->initiator &&
	        p->sa->state == S_INIT_DONE);
}

void
init_request(struct vpn_ike *ike, const struct ike_hdr *h,
             const struct ike_payload *pl, unsigned int n, const uint8_t *msg,
             uint32_t local, uint16_t lport, uint32_t remote, uint16_t rport)
{
	const struct ike_payload *psa, *ke, *nonce, *first = pl;
	uint8_t gir[IKE_MAX_DH_LEN], ked[4 + IKE_MAX_DH_LEN];
	struct ike_writer w;
	struct ike_hdr rh;
	struct ike_sa *sa;
	struct peer *p;
	struct choice c;
	int pi = peer_index_find(ike, local, remote);
	size_t gl, rn, pklen;
	uint64_t t0, t1;
	uint8_t *pk;
	bool pend = false, any, bad;

	psa = vpn_ike_find(pl, n, IKE_PT_SA);
	ke = vpn_ike_find(pl, n, IKE_PT_KE);
	nonce = vpn_ike_find(pl, n, IKE_PT_NONCE);
	if (pi < 0) {
		/* From an address no tunnel has: a customer gateway without
		 * one, maybe, which its IKE_AUTH will name. */
		sa = pend_find(ike, h->spi_i, remote);
		if (sa != NULL) {
			if (sa->state == S_INIT_DONE && sa->resp)
				resend(ike, sa);
			return;
		}
		pi = find_roaming(ike, local, psa, &c, &any);
		if (!any) {
			ike->st.no_peer++;
			return;
		}
		pend = true;
	}
	if (pi >= 0) {
		p = &ike->peers[pi];
		/* A retransmitted request: answer it again. */
		for (int k = 0; k < 2 && !pend; k++) {
			struct ike_sa *o = k ? p->nego : p->sa;

			if (o && !o->initiator && o->spi_i == h->spi_i &&
			    o->state == S_INIT_DONE && o->resp) {
				resend(ike, o);
				return;
			}
		}
	}
	if (psa == NULL || ke == NULL || nonce == NULL || ke->len < 4 ||
	    nonce->len < 16 || nonce->len > IKE_MAX_NONCE || h->msg_id != 0) {
		ike->st.malformed++;
		return;
	}
	if (pi < 0) {
		/* No tunnel without an address takes any of its proposals. */
		ike->st.no_proposal++;
		send_init_error(ike, h, local, lport, remote, rport,
		                IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	p = &ike->peers[pi];
	/* Both ends starting the tunnel at once: the lower initiator nonce
	 * gives way, so both end up with the same one IKE SA. */
	if (!pend && p->sa != NULL && p->sa->initiator &&
	    (p->sa->state == S_INIT_SENT || p->sa->state == S_AUTH_SENT)) {
		size_t l =
		        p->sa->ni_len < nonce->len ? p->sa->ni_len : nonce->len;

		if (memcmp(p->sa->ni, nonce->body, l) > 0) {
			ike->st.unexpected++;
			return; /* ours goes on; the peer gives way */
		}
		sa_free(ike, p->sa, "the peer initiates too, and goes first");
		p->sa = NULL;
	}
	/* Many half-open SAs, or one of this peer's that a new SA would
	 * replace (a flood spoofing the peer's address would replace the
	 * real one's again and again): only initiators that return our
	 * cookie, which needs the address to be theirs. */
	if (ike->half_open >= cookie_threshold(ike) ||
	    (pend ? ike->n_pend >= IKE_MAX_PENDING / 2 ||
	                     pend_from(ike, remote, NULL) >= 2
	          : half_open_at(p))) {
		uint8_t want[IKE_COOKIE_LEN];
		const uint8_t *d = NULL;
		size_t dl = 0;

		cookie_rotate(ike);
		if (n == 0 || first->type != IKE_PT_NOTIFY ||
		    notify_type(first, &d, &dl) != IKE_N_COOKIE ||
		    !cookie_ok(ike, d, dl, nonce->body, nonce->len, remote,
		               h->spi_i)) {
			size_t wl =
			        make_cookie(ike, ike->cookie_ver, nonce->body,
			                    nonce->len, remote, h->spi_i, want);

			if (dl)
				ike->st.bad_cookie++;
			ike->st.cookies_sent++;
			ike->st.cookies_busy +=
			        ike->half_open >= IKE_COOKIE_HALF_OPEN_BUSY &&
			        ike->half_open < IKE_COOKIE_HALF_OPEN &&
			        (pend ? ike->n_pend < IKE_MAX_PENDING / 2 &&
			                         pend_from(ike, remote, NULL) <
			                                 2
			              : !half_open_at(p));
			ike->cookie_uses++;
			send_init_error(ike, h, local, lport, remote, rport,
			                IKE_N_COOKIE, want, wl);
			return;
		}
	}
	if (!pend && !choose(&p->cfg.ike, psa, PM_IKE, &c, ike)) {
		ike->st.no_proposal++;
		plog(ike, (unsigned)pi, "IKE_SA_INIT: no acceptable proposal");
		send_init_error(ike, h, local, lport, remote, rport,
		                IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (get16(ke->body) != c.dh) {
		uint8_t g[2];

		put16(g, c.dh);
		send_init_error(ike, h, local, lport, remote, rport,
		                IKE_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	/* The DH exchange it would cost, within the budget of those from
	 * addresses no tunnel has. */
	if (pend && !pend_budget(ike, pend_from(ike, remote, NULL))) {
		ike->st.init_limited++;
		return;
	}
	/* Room among the pending ones (their initiators returned a cookie
	 * past the first few): one source's oldest goes when it has its
	 * share, else the oldest of all. */
	if (pend) {
		struct ike_sa *old = NULL;

		if (pend_from(ike, remote, &old) < IKE_PENDING_PER_SOURCE) {
			old = NULL;
			if (ike->n_pend >= IKE_MAX_PENDING)
				pend_from(ike, 0, &old);
		}
		if (old != NULL) {
			ike->st.pending_full++;
			sa_free(ike, old,
			        "no room: the oldest pending SA goes");
		}
	}
	sa = sa_new(ike, (unsigned int)pi, false);
	if (sa == NULL)
		return;
	sa->pending = pend;
	sa->spi_i = h->spi_i;
	sa_index_add(ike, sa);
	sa->spi_r = rand64();
	sa->local = local;
	sa->remote = remote;
	sa->lport = lport;
	sa->rport = rport;
	sa->encr = c.encr;
	sa->key_bits = c.key_bits;
	sa->integ = c.integ;
	sa->prf = c.prf;
	sa->dh_group = c.dh;
	sa->peer_id = 1;
	memcpy(sa->ni, nonce->body, nonce->len);
	sa->ni_len = nonce->len;
	sa->nr_len = IKE_NONCE_LEN;
	t0 = mono_ns();
	sa->dh = dh_take(ike, c.dh);
	gl = sa->dh ? ike_dh_shared(sa->dh, ke->body + 4, ke->len - 4u, gir)
	            : 0;
	bad = gl == 0 || ike_random(sa->nr, sa->nr_len) != 0 ||
	      derive_ike_keys(sa, gir, gl, NULL) != 0;
	t1 = mono_ns();
	init_window(ike, t1);
	ike->init_ns += t1 - t0;
	if (bad) {
		ike->st.malformed++;
		explicit_bzero(gir, sizeof(gir));
		sa_free(ike, sa, "bad KE payload");
		return;
	}
	explicit_bzero(gir, sizeof(gir));
	nat_check(sa, pl, n, 0);
	sa->frag = has_notify(pl, n, IKE_N_FRAGMENTATION_SUPPORTED);
	sa->sig_hashes = peer_sig_hashes(pl, n);
	sa->msg1 = dup_bytes(msg, h->length);
	sa->msg1_len = sa->msg1 ? h->length : 0;

	rh = (struct ike_hdr){.spi_i = sa->spi_i,
	                      .spi_r = sa->spi_r,
	                      .version = 0x20,
	                      .exchange = IKE_SA_INIT,
	                      .flags = IKE_FLAG_RESPONSE};
	vpn_ike_begin(&w, ike->out, sizeof(ike->out), &rh);
	add_choice(&w, &c, PM_IKE, 0);
	put16(ked, c.dh);
	put16(ked + 2, 0);
	memcpy(ked + 4, ike_dh_public(sa->dh), ike_dh_len(c.dh));
	vpn_ike_add(&w, IKE_PT_KE, false, ked, 4 + ike_dh_len(c.dh));
	vpn_ike_add(&w, IKE_PT_NONCE, false, sa->nr, sa->nr_len);
	add_nat_d(ike, &w, sa, sa->spi_r);
	if (sa->frag)
		add_notify(&w, 0, 0, IKE_N_FRAGMENTATION_SUPPORTED, NULL, 0);
	add_sig_hashes(&p->cfg, &w);
	add_certreq(ike, &p->cfg, &w);
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	rn = vpn_ike_finish(&w);
	if (rn == 0) {
		sa_free(ike, sa, "response too big");
		return;
	}
	sa->msg2 = dup_bytes(ike->out, rn);
	sa->msg2_len = sa->msg2 ? rn : 0;
	/* It replaces the current SA only once it authenticates. */
	if (pend)
		ike->pend[ike->n_pend++] = sa;
	else if (p->sa == NULL)
		p->sa = sa;
	else {
		sa_free(ike, p->nego, "superseded");
		p->nego = sa;
	}
	sa_state(ike, sa, S_INIT_DONE, "IKE_SA_INIT from the peer");
	pklen = 0;
	pk = pack_append(NULL, &pklen, ike->out, rn);
	if (pk != NULL)
		send_response(ike, sa, pk, pklen);
}

/*
 * A pending SA's initiator proves its identity: the tunnel (of a customer
 * gateway without an address, on the address it came to, that takes the
 * SA's transforms) whose certificate_identity its certificate names, or
 * -1 (why in ar). Two gateways behind one NAT are told apart here.
 */
static int
match_roaming(struct vpn_ike *ike, const struct ike_sa *sa,
              const struct ike_payload *idi, const struct ike_payload *auth,
              const struct ike_payload *pl, unsigned int n,
              struct auth_result *ar)
{
	const char **ids = calloc(ike->n ? ike->n : 1, sizeof(*ids));
	unsigned int *idx = calloc(ike->n ? ike->n : 1, sizeof(*idx));
	unsigned int k = 0;
	int m = -1;

	if (ids == NULL || idx == NULL) {
		snprintf(ar->why, sizeof(ar->why), "out of memory");
		goto out;
	}
	for (unsigned int i = 0; i < ike->n; i++) {
		const struct peer *p = &ike->peers[i];

		if (roaming(p) && !p->down && p->cfg.cert &&
		    p->cfg.local == sa->local) {
			ids[k] = p->cfg.identity;
			idx[k++] = i;
		}
	}
	if (k == 0) {
		snprintf(ar->why, sizeof(ar->why),
		         "no customer gateway without an address is up here");
		goto out;
	}
	m = auth_verify_any(ike, sa, idi, auth, pl, n, ids, k, ar);
	if (m >= 0)
		m = (int)idx[m];
	/* Its IKE SA was made before its tunnel was known. */
	if (m >= 0 && !takes_ike_sa(&ike->peers[m].cfg.ike, sa)) {
		snprintf(ar->why, sizeof(ar->why),
		         "its tunnel %s does not take the IKE SA's "
		         "algorithms: give tunnels without an address the "
		         "same phase 1 algorithms",
		         ike->peers[m].cfg.name);
		m = -1;
	}
out:
	free(ids);
	free(idx);
	return m;
}

/* The pending SA sa proved it is tunnel pi's: the tunnel's current SA,
 * or the one that replaces it once up. */
static void
adopt(struct vpn_ike *ike, struct ike_sa *sa, unsigned int pi)
{
	struct peer *p = &ike->peers[pi];

	salog(ike, sa, "IKE_AUTH: the certificate names tunnel %s",
	      p->cfg.name);
	pend_drop(ike, sa);
	sa->peer = pi;
	if (p->sa == NULL)
		p->sa = sa;
	else {
		sa_free(ike, p->nego, "superseded");
		p->nego = sa;
	}
}

/* The IKE_AUTH request (decrypted payloads). */
void
auth_request(struct vpn_ike *ike, struct ike_sa *sa, uint32_t msg_id,
             const struct ike_payload *pl, unsigned int n)
{
	const struct vpn_ike_peer *cfg;
	struct peer *p;
	const struct ike_payload *idi, *auth, *psa;
	uint8_t id[IKE_MAX_ID], rauth[IKE_MAX_AUTH];
	struct ts_set tsi, tsr, ours, tsi_n, tsr_n;
	struct auth_result ar;
	size_t il, alen;
	struct ike_writer w;
	struct choice c;
	uint16_t err = 0;
	bool ok;

	idi = vpn_ike_find(pl, n, IKE_PT_IDI);
	auth = vpn_ike_find(pl, n, IKE_PT_AUTH);
	if (idi == NULL || auth == NULL || idi->len < 4 || auth->len < 4) {
		ike->st.malformed++;
		return;
	}
	inner_begin(ike, &w);
	/* Verified first: no signature of ours for a peer that fails. */
	il = 0;
	alen = 0;
	if (sa->pending) {
		int pi = match_roaming(ike, sa, idi, auth, pl, n, &ar);

		ok = pi >= 0;
		if (ok)
			adopt(ike, sa, (unsigned int)pi);
	} else
		ok = auth_verify(ike, &ike->peers[sa->peer].cfg, sa, true, idi,
		                 auth, pl, n, &ar);
	cfg = &ike->peers[sa->peer].cfg;
	p = &ike->peers[sa->peer];
	if (ok) {
		il = make_id(ike, cfg, sa, id, sizeof(id));
		alen = il ? auth_make(ike, cfg, sa, false, id, il, rauth,
		                      sizeof(rauth))
		          : 0;
		if (alen == 0)
			snprintf(ar.why, sizeof(ar.why),
			         "authenticated, but we could not make our "
			         "AUTH%s",
			         cfg->cert ? " (no certificate loaded?)" : "");
	}
	if (alen == 0) {
		ike->st.auth_failed++;
		salog(ike, sa, "IKE_AUTH: the initiator%s%s%s: %s",
		      ar.subject[0] ? " (\"" : "", ar.subject,
		      ar.subject[0] ? "\")" : "", ar.why);
		add_notify(&w, 0, 0, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
		send_sk(ike, sa, IKE_AUTH, true, msg_id, &w, R_NONE);
		sa_state(ike, sa, S_DEAD, "authentication failed");
		return;
	}
	note_peer(ike, sa->peer, &ar);
	vpn_ike_add(&w, IKE_PT_IDR, false, id, il);
	add_certs(ike, cfg, &w, false);
	vpn_ike_add(&w, IKE_PT_AUTH, false, rauth, alen);
	explicit_bzero(rauth, sizeof(rauth));

	psa = vpn_ike_find(pl, n, IKE_PT_SA);
	if (psa == NULL || !parse_ts(vpn_ike_find(pl, n, IKE_PT_TSI), &tsi) ||
	    !parse_ts(vpn_ike_find(pl, n, IKE_PT_TSR), &tsr)) {
		ike->st.malformed++;
		err = IKE_N_INVALID_SYNTAX;
	} else if (!choose(&cfg->esp, psa, PM_ESP_AUTH, &c, ike)) {
		ike->st.no_proposal++;
		err = IKE_N_NO_PROPOSAL_CHOSEN;
	} else {
		/* TSi are the initiator's networks: the peer's, ours remote;
		 * TSr ours. */
		ts_from_cfg(cfg->rts, cfg->n_rts, &ours);
		ts_narrow(&tsi, &ours, &tsi_n);
		ts_from_cfg(cfg->lts, cfg->n_lts, &ours);
		ts_narrow(&tsr, &ours, &tsr_n);
		if (tsi_n.n == 0 || tsr_n.n == 0) {
			ike->st.ts_unacceptable++;
			err = IKE_N_TS_UNACCEPTABLE;
		}
	}
	sa_established(ike, sa,
	               cfg->cert ? "certificate authenticated"
	                         : "PSK authenticated");
	if (err == 0) {
		uint32_t spi_in = new_spi(ike);

		struct keysrc ks = {false,  NULL,       0,         sa->ni,
		                    sa->nr, sa->ni_len, sa->nr_len};

		p->ts_local = tsr_n;
		p->ts_remote = tsi_n;
		if (spi_in == 0 ||
		    child_install(ike, sa, &c, spi_in, &ks, true) == NULL)
			err = IKE_N_NO_ADDITIONAL_SAS;
		else {
			add_choice(&w, &c, PM_ESP_AUTH, spi_in);
			add_ts(&w, IKE_PT_TSI, &tsi_n);
			add_ts(&w, IKE_PT_TSR, &tsr_n);
		}
	}
	if (err != 0) {
		plog(ike, sa->peer, "IKE_AUTH: no Child SA (notify %u)", err);
		add_notify(&w, 0, 0, err, NULL, 0);
	}
	send_sk(ike, sa, IKE_AUTH, true, msg_id, &w, R_NONE);
}
