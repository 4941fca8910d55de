/* SPDX-License-Identifier: BSD-3-Clause */
/* The initiator: IKE_SA_INIT and IKE_AUTH requests and their answers. See
 * ike_sa.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_priv.h"

/* ---- initiator ----------------------------------------------------------- */

static void
init_send(struct vpn_ike *ike, struct ike_sa *sa)
{
	const struct vpn_ike_peer *cfg = &ike->peers[sa->peer].cfg;
	struct ike_proposal props[2];
	struct ike_hdr h = {.spi_i = sa->spi_i,
	                    .version = 0x20,
	                    .exchange = IKE_SA_INIT,
	                    .flags = IKE_FLAG_INITIATOR};
	uint8_t ke[4 + IKE_MAX_DH_LEN];
	struct ike_writer w;
	size_t n, kl = ike_dh_len(sa->dh_group), pklen;
	uint8_t *pk;
	unsigned int np = build_proposals(&cfg->ike, PM_IKE, 0, props);

	vpn_ike_begin(&w, ike->out, sizeof(ike->out), &h);
	if (sa->cookie_len)
		add_notify(&w, 0, 0, IKE_N_COOKIE, sa->cookie, sa->cookie_len);
	vpn_ike_add_sa(&w, props, np);
	put16(ke, sa->dh_group);
	put16(ke + 2, 0);
	memcpy(ke + 4, ike_dh_public(sa->dh), kl);
	vpn_ike_add(&w, IKE_PT_KE, false, ke, 4 + kl);
	vpn_ike_add(&w, IKE_PT_NONCE, false, sa->ni, sa->ni_len);
	add_nat_d(ike, &w, sa, 0);
	add_notify(&w, 0, 0, IKE_N_FRAGMENTATION_SUPPORTED, NULL, 0);
	add_sig_hashes(cfg, &w);
	n = vpn_ike_finish(&w);
	if (n == 0)
		return;
	free(sa->msg1);
	sa->msg1 = dup_bytes(ike->out, n);
	sa->msg1_len = sa->msg1 ? n : 0;
	sa->my_id = 1;
	pklen = 0;
	pk = pack_append(NULL, &pklen, ike->out, n);
	if (pk != NULL)
		send_request(ike, sa, IKE_SA_INIT, pk, pklen, R_INIT);
}

/* Begin (or begin again) a tunnel we initiate. */
void
initiate(struct vpn_ike *ike, unsigned int peer)
{
	struct peer *p = &ike->peers[peer];
	struct ike_sa *sa;

	sa_free(ike, p->sa, "starting again");
	p->sa = NULL;
	sa = sa_new(ike, peer, true);
	if (sa == NULL)
		return;
	sa->spi_i = rand64();
	sa_index_add(ike, sa);
	/* The group this peer took or asked for last, else our strongest
	 * (the list is in that order: dh_order). */
	sa->dh_group = dh_allowed(&p->cfg.ike, p->ke_group) ? p->ke_group
	                                                    : p->cfg.ike.dh[0];
	sa->dh = dh_take(ike, sa->dh_group);
	sa->ni_len = IKE_NONCE_LEN;
	if (sa->dh == NULL || ike_random(sa->ni, sa->ni_len) != 0) {
		plog(ike, peer, "cannot start: no DH key for group %u",
		     sa->dh_group);
		sa_free(ike, sa, "no DH key");
		p->next_try = ike->now + IKE_RETRY_MS;
		return;
	}
	p->sa = sa;
	p->next_try = 0;
	sa_state(ike, sa, S_INIT_SENT, "initiating");
	init_send(ike, sa);
}

/* Whether we (re)start the tunnel: we initiate it, or DPD's restart. */
bool
starts(const struct peer *p)
{
	/* A customer gateway without an address is only ever answered. */
	return !p->down && !roaming(p) && (p->cfg.initiate || p->restart);
}

static void
give_up(struct vpn_ike *ike, unsigned int peer, const char *why)
{
	struct peer *p = &ike->peers[peer];

	sa_free(ike, p->sa, why);
	p->sa = NULL;
	if (starts(p))
		p->next_try = ike->now + IKE_RETRY_MS;
}

static void
auth_send(struct vpn_ike *ike, struct ike_sa *sa)
{
	size_t alen, il;
	const struct vpn_ike_peer *cfg = &ike->peers[sa->peer].cfg;
	uint8_t id[IKE_MAX_ID], auth[IKE_MAX_AUTH];
	struct ike_proposal props[2];
	struct ts_set tsi, tsr;
	struct ike_writer w;
	unsigned int np;

	sa->req_spi = new_spi(ike);
	np = build_proposals(&cfg->esp, PM_ESP_AUTH, sa->req_spi, props);
	il = make_id(ike, cfg, sa, id, sizeof(id));
	alen = il ? auth_make(ike, cfg, sa, true, id, il, auth, sizeof(auth))
	          : 0;
	if (alen == 0) {
		plog(ike, sa->peer, "IKE_AUTH: could not make our AUTH%s",
		     cfg->cert ? " (no certificate loaded?)" : "");
		return;
	}
	ts_from_cfg(cfg->lts, cfg->n_lts, &tsi);
	ts_from_cfg(cfg->rts, cfg->n_rts, &tsr);
	inner_begin(ike, &w);
	vpn_ike_add(&w, IKE_PT_IDI, false, id, il);
	add_certs(ike, cfg, &w, true);
	vpn_ike_add(&w, IKE_PT_AUTH, false, auth, alen);
	/* "The only IKE SA between these identities" (RFC 7296 3.16):
	 * with certificates both tunnels share ours and the peer's, and
	 * the peer would delete the other tunnel's IKE SA. */
	if (!cfg->cert)
		add_notify(&w, 0, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	vpn_ike_add_sa(&w, props, np);
	add_ts(&w, IKE_PT_TSI, &tsi);
	add_ts(&w, IKE_PT_TSR, &tsr);
	explicit_bzero(auth, sizeof(auth));
	if (send_sk(ike, sa, IKE_AUTH, false, sa->my_id, &w, R_AUTH) == 0) {
		sa->my_id++;
		sa_state(ike, sa, S_AUTH_SENT, "keys derived");
	}
}

/* The response to our IKE_SA_INIT. */
void
init_response(struct vpn_ike *ike, struct ike_sa *sa, const struct ike_hdr *h,
              const struct ike_payload *pl, unsigned int n, const uint8_t *msg)
{
	const struct vpn_ike_peer *cfg = &ike->peers[sa->peer].cfg;
	const struct ike_payload *psa, *ke, *nonce;
	uint8_t gir[IKE_MAX_DH_LEN];
	struct choice c;
	size_t gl;

	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *d;
		size_t len;
		uint16_t t;

		if (pl[i].type != IKE_PT_NOTIFY)
			continue;
		t = notify_type(&pl[i], &d, &len);
		if (t == IKE_N_COOKIE && len >= 1 &&
		    len <= sizeof(sa->cookie)) {
			/* RFC 7296 2.6: the same request with the cookie. */
			memcpy(sa->cookie, d, len);
			sa->cookie_len = len;
			plog(ike, sa->peer, "the responder asks for a cookie");
			init_send(ike, sa);
			return;
		}
		if (t == IKE_N_INVALID_KE_PAYLOAD && len == 2) {
			uint16_t g = get16(d);

			ike->st.invalid_ke++;
			for (unsigned int k = 0; k < cfg->ike.n_dh; k++)
				if (cfg->ike.dh[k] == g && g != sa->dh_group) {
					plog(ike, sa->peer,
					     "the responder wants DH group %u",
					     g);
					ike_dh_free(sa->dh);
					sa->dh_group = g;
					ike->peers[sa->peer].ke_group = g;
					sa->dh = dh_take(ike, g);
					if (sa->dh == NULL)
						break;
					init_send(ike, sa);
					return;
				}
			give_up(ike, sa->peer, "INVALID_KE_PAYLOAD");
			return;
		}
		if (t != 0 && t < 16384) {
			char why[48];

			snprintf(why, sizeof(why), "IKE_SA_INIT refused: %u",
			         t);
			give_up(ike, sa->peer, why);
			return;
		}
	}
	psa = vpn_ike_find(pl, n, IKE_PT_SA);
	ke = vpn_ike_find(pl, n, IKE_PT_KE);
	nonce = vpn_ike_find(pl, n, IKE_PT_NONCE);
	if (psa == NULL || ke == NULL || nonce == NULL || ke->len < 4 ||
	    nonce->len < 16 || nonce->len > IKE_MAX_NONCE || h->spi_r == 0) {
		ike->st.malformed++;
		return;
	}
	if (!check_answer(&cfg->ike, psa, PM_IKE, &c, ike) ||
	    c.dh != sa->dh_group || get16(ke->body) != sa->dh_group) {
		ike->st.no_proposal++;
		give_up(ike, sa->peer,
		        "the responder chose what we did not offer");
		return;
	}
	gl = ike_dh_shared(sa->dh, ke->body + 4, ke->len - 4u, gir);
	if (gl == 0) {
		ike->st.malformed++;
		give_up(ike, sa->peer, "bad KE payload");
		return;
	}
	sa->spi_r = h->spi_r;
	sa->encr = c.encr;
	sa->key_bits = c.key_bits;
	sa->integ = c.integ;
	sa->prf = c.prf;
	memcpy(sa->nr, nonce->body, nonce->len);
	sa->nr_len = nonce->len;
	free(sa->msg2);
	sa->msg2 = dup_bytes(msg, h->length);
	sa->msg2_len = sa->msg2 ? h->length : 0;
	nat_check(sa, pl, n, sa->spi_r);
	sa->frag = has_notify(pl, n, IKE_N_FRAGMENTATION_SUPPORTED);
	sa->sig_hashes = peer_sig_hashes(pl, n);
	free(sa->req);
	sa->req = NULL;
	if (derive_ike_keys(sa, gir, gl, NULL) != 0) {
		explicit_bzero(gir, sizeof(gir));
		give_up(ike, sa->peer, "key derivation failed");
		return;
	}
	explicit_bzero(gir, sizeof(gir));
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	/* Float to 4500 when there is a NAT (RFC 7296 2.23). */
	if (udp_encap(ike, sa))
		sa->lport = sa->rport = IKE_NATT_PORT;
	auth_send(ike, sa);
}

/* The response to our IKE_AUTH (decrypted payloads). */
void
auth_response(struct vpn_ike *ike, struct ike_sa *sa,
              const struct ike_payload *pl, unsigned int n)
{
	const struct vpn_ike_peer *cfg = &ike->peers[sa->peer].cfg;
	struct peer *p = &ike->peers[sa->peer];
	const struct ike_payload *id, *auth, *psa;
	struct auth_result ar;
	struct ts_set tsi, tsr;
	struct keysrc ks;
	struct choice c;

	for (unsigned int i = 0; i < n; i++) {
		uint16_t t = pl[i].type == IKE_PT_NOTIFY
		                     ? notify_type(&pl[i], NULL, NULL)
		                     : 0;

		if (t == IKE_N_AUTHENTICATION_FAILED) {
			ike->st.auth_failed++;
			give_up(ike, sa->peer, "the peer refused our AUTH");
			return;
		}
	}
	id = vpn_ike_find(pl, n, IKE_PT_IDR);
	auth = vpn_ike_find(pl, n, IKE_PT_AUTH);
	if (id == NULL || auth == NULL || id->len < 4 || auth->len < 4) {
		ike->st.malformed++;
		give_up(ike, sa->peer, "IKE_AUTH response without IDr/AUTH");
		return;
	}
	if (!auth_verify(ike, cfg, sa, false, id, auth, pl, n, &ar)) {
		ike->st.auth_failed++;
		plog(ike, sa->peer, "IKE_AUTH: the responder%s%s%s: %s",
		     ar.subject[0] ? " (\"" : "", ar.subject,
		     ar.subject[0] ? "\")" : "", ar.why);
		give_up(ike, sa->peer, "the responder's AUTH did not verify");
		return;
	}
	note_peer(ike, sa->peer, &ar);
	free(sa->req);
	sa->req = NULL;
	sa_established(ike, sa,
	               cfg->cert ? "certificate authenticated"
	                         : "PSK authenticated");
	psa = vpn_ike_find(pl, n, IKE_PT_SA);
	for (unsigned int i = 0; i < n; i++) {
		uint16_t t = pl[i].type == IKE_PT_NOTIFY
		                     ? notify_type(&pl[i], NULL, NULL)
		                     : 0;

		if (t != 0 && t < 16384) {
			plog(ike, sa->peer, "no Child SA: the peer said %u", t);
			if (t == IKE_N_TS_UNACCEPTABLE)
				ike->st.ts_unacceptable++;
			if (t == IKE_N_NO_PROPOSAL_CHOSEN)
				ike->st.no_proposal++;
			return;
		}
	}
	if (psa == NULL ||
	    !check_answer(&cfg->esp, psa, PM_ESP_AUTH, &c, ike) ||
	    !parse_ts(vpn_ike_find(pl, n, IKE_PT_TSI), &tsi) ||
	    !parse_ts(vpn_ike_find(pl, n, IKE_PT_TSR), &tsr) || tsi.n == 0 ||
	    tsr.n == 0) {
		plog(ike, sa->peer, "no Child SA: a bad SA or TS answer");
		ike->st.malformed++;
		return;
	}
	p->ts_local = tsi;
	p->ts_remote = tsr;
	ks = (struct keysrc){true,   NULL,       0,         sa->ni,
	                     sa->nr, sa->ni_len, sa->nr_len};
	if (child_install(ike, sa, &c, sa->req_spi, &ks, true) == NULL)
		plog(ike, sa->peer, "Child SA could not be installed");
}
