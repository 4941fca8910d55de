/* SPDX-License-Identifier: BSD-3-Clause */
/* The engine's public calls (vpn_ike.h): peers added, changed, reset; input;
 * ticks; state. See ike_sa.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_priv.h"

/* ---- the engine -------------------------------------------------------------
 */

struct vpn_ike *
vpn_ike_new(const struct vpn_ike_ops *ops, void *ctx)
{
	struct vpn_ike *ike;

	if (ops == NULL || ops->send == NULL || ops->child_add == NULL ||
	    ops->child_route == NULL || ops->child_del == NULL) {
		errno = EINVAL;
		return NULL;
	}
	ike = calloc(1, sizeof(*ike));
	if (ike == NULL)
		return NULL;
	ike->pend_milli = IKE_PENDING_BURST * 1000ull; /* a full bucket */
	ike->ops = *ops;
	ike->ctx = ctx;
	if (ike_random(ike->cookie_secret[0], sizeof(ike->cookie_secret)) !=
	            0 ||
	    index_init(ike) != 0) {
		index_free(ike);
		free(ike);
		errno = EIO;
		return NULL;
	}
	return ike;
}

void
vpn_ike_free(struct vpn_ike *ike)
{
	if (ike == NULL)
		return;
	dh_pool_free(ike);
	while (ike->n_pend > 0)
		sa_free(ike, ike->pend[0], "shutting down");
	for (unsigned int i = 0; i < ike->n; i++) {
		children_clear(ike, i, "shutting down");
		sa_free(ike, ike->peers[i].nego, "shutting down");
		sa_free(ike, ike->peers[i].old, "shutting down");
		sa_free(ike, ike->peers[i].doomed, "shutting down");
		sa_free(ike, ike->peers[i].sa, "shutting down");
	}
	if (ike->peers)
		explicit_bzero(ike->peers, ike->cap * sizeof(*ike->peers));
	free(ike->peers);
	index_free(ike);
	explicit_bzero(ike, sizeof(*ike));
	free(ike);
}

static int
peer_check(const struct vpn_ike_peer *p)
{
	if ((!p->cert && p->psk_len == 0) || p->psk_len > VPN_IKE_PSK_MAX ||
	    p->ike.n_encr == 0 || p->ike.n_integ == 0 || p->ike.n_dh == 0 ||
	    p->esp.n_encr == 0 || p->n_lts > VPN_IKE_MAX_TS ||
	    p->n_rts > VPN_IKE_MAX_TS)
		return -EINVAL;
	/* No address: found by its certificate, and never started. */
	if (p->remote == 0 && (!p->cert || p->initiate))
		return -EINVAL;
	for (unsigned int i = 0; i < p->ike.n_dh; i++)
		if (!ike_dh_supported(p->ike.dh[i]))
			return -ENOTSUP;
	return 0;
}

void
vpn_ike_set_pki(struct vpn_ike *ike, const struct vpn_pki *pki)
{
	ike->pki = pki;
	/* A CRL now loaded may revoke a peer that is up: its SAs go (and
	 * a tunnel we start tries again, and is refused). */
	for (unsigned int i = 0; pki != NULL && i < ike->n; i++) {
		struct peer *p = &ike->peers[i];

		if (!p->cfg.cert || p->sa == NULL ||
		    p->sa->state != S_ESTABLISHED || p->n_chain == 0 ||
		    !vpn_pki_revoked(pki, p->chain, p->n_chain))
			continue;
		plog(ike, i,
		     "the peer's certificate \"%s\" (or one that issued it) "
		     "is revoked by a CRL now loaded: its SAs go",
		     p->subject);
		ike->st.auth_failed++;
		vpn_ike_reset(ike, i, true);
	}
}

int
vpn_ike_add_peer(struct vpn_ike *ike, const struct vpn_ike_peer *p)
{
	struct peer *np;
	int rc = peer_check(p);

	if (rc != 0)
		return rc;
	if (ike->n == ike->cap) {
		unsigned int cap = ike->cap ? 2 * ike->cap : 4;

		np = calloc(cap, sizeof(*np));
		if (np == NULL)
			return -ENOMEM;
		if (ike->n)
			memcpy(np, ike->peers, ike->n * sizeof(*np));
		free(ike->peers);
		ike->peers = np;
		ike->cap = cap;
	}
	np = &ike->peers[ike->n];
	memset(np, 0, sizeof(*np));
	np->cfg = *p;
	np->cfg.name[sizeof(np->cfg.name) - 1] = '\0';
	np->cfg.identity[sizeof(np->cfg.identity) - 1] = '\0';
	dh_order(&np->cfg.ike);
	dh_order(&np->cfg.esp);
	snprintf(np->last, sizeof(np->last), "configured");
	if (p->initiate)
		np->next_try = 1; /* at the first tick */
	ike->peers_changed = true;
	dh_want(ike, np->cfg.ike.dh[0]);
	dh_want(ike, np->cfg.esp.dh[0]);
	return (int)ike->n++;
}

int
vpn_ike_set_peer(struct vpn_ike *ike, unsigned int peer,
                 const struct vpn_ike_peer *p)
{
	struct peer *np;
	int rc = peer_check(p);

	if (rc != 0)
		return rc;
	if (peer >= ike->n)
		return -ENOENT;
	np = &ike->peers[peer];
	/* Whatever was agreed was agreed under the old settings. */
	vpn_ike_reset(ike, peer, false);
	explicit_bzero(&np->cfg, sizeof(np->cfg));
	np->cfg = *p;
	np->cfg.name[sizeof(np->cfg.name) - 1] = '\0';
	np->cfg.identity[sizeof(np->cfg.identity) - 1] = '\0';
	dh_order(&np->cfg.ike);
	dh_order(&np->cfg.esp);
	ike->peers_changed = true;
	dh_want(ike, np->cfg.ike.dh[0]);
	dh_want(ike, np->cfg.esp.dh[0]);
	np->ke_group = 0;
	np->restart = false;
	snprintf(np->last, sizeof(np->last), "reconfigured");
	status_log(ike, peer, "settings changed: negotiating again");
	if (starts(np))
		np->next_try = ike->now + 1;
	return 0;
}

int
vpn_ike_set_admin(struct vpn_ike *ike, unsigned int peer, bool up)
{
	struct peer *p;

	if (peer >= ike->n)
		return -ENOENT;
	p = &ike->peers[peer];
	if (!up) {
		vpn_ike_reset(ike, peer, false);
		p->down = true;
		p->restart = false;
		snprintf(p->last, sizeof(p->last), "administratively down");
		status_log(ike, peer, "administratively down");
		return 0;
	}
	if (!p->down)
		return 0;
	p->down = false;
	snprintf(p->last, sizeof(p->last), "administratively up");
	status_log(ike, peer, "administratively up");
	if (starts(p))
		p->next_try = ike->now + 1;
	return 0;
}

int
vpn_ike_child_expiring(struct vpn_ike *ike, unsigned int peer, uint32_t spi_in,
                       bool hard)
{
	struct child *c;

	if (peer >= ike->n)
		return -ENOENT;
	c = child_find(&ike->peers[peer], spi_in);
	if (c == NULL)
		return -ENOENT;
	/* Soft: rekeyed at the next tick (make-before-break, as at its soft
	 * lifetime); hard: it carries nothing any more, so it goes. */
	if (!c->rekeyed && c->rekey_at > ike->now) {
		c->rekey_at = ike->now;
		plog(ike, peer, "Child SA %08x_i: %s packet/byte limit reached",
		     spi_in, hard ? "hard" : "soft");
	}
	if (hard && c->expire_at > ike->now)
		c->expire_at = ike->now;
	return 0;
}

void
vpn_ike_reset(struct vpn_ike *ike, unsigned int peer, bool restart)
{
	struct peer *p;

	if (peer >= ike->n)
		return;
	p = &ike->peers[peer];
	if (p->sa && p->sa->state == S_ESTABLISHED)
		send_info(ike, p->sa, R_DELETE_IKE, 0);
	children_clear(ike, peer, "reset");
	sa_free(ike, p->nego, "reset");
	sa_free(ike, p->old, "reset");
	sa_free(ike, p->doomed, "reset");
	sa_free(ike, p->sa, "reset");
	p->sa = p->nego = p->old = p->doomed = NULL;
	p->next_try = restart && starts(p) ? ike->now + 1 : 0;
}

const struct vpn_ike_stats *
vpn_ike_stats(const struct vpn_ike *ike)
{
	return &ike->st;
}

int
vpn_ike_peer_info(const struct vpn_ike *ike, unsigned int peer,
                  struct vpn_ike_peer_info *info)
{
	const struct peer *p;
	const struct ike_sa *sa;

	if (peer >= ike->n)
		return -ENOENT;
	p = &ike->peers[peer];
	sa = p->sa;
	memset(info, 0, sizeof(*info));
	snprintf(info->last, sizeof(info->last), "%s", p->last);
	snprintf(info->peer_subject, sizeof(info->peer_subject), "%s",
	         p->subject);
	snprintf(info->peer_issuer, sizeof(info->peer_issuer), "%s", p->issuer);
	info->admin_down = p->down;
	info->local = p->cfg.local;
	info->remote = p->cfg.remote;
	if (sa == NULL || sa->state == S_DEAD) {
		info->ike_state = "down";
		return 0;
	}
	info->ike_state =
	        sa->state == S_ESTABLISHED ? "established" : "connecting";
	info->remote = sa->remote;
	info->rport = sa->rport;
	for (int i = 0; i < IKE_MAX_CHILDREN; i++) {
		const struct child *c = &p->ch[i];

		if (!c->used)
			continue;
		info->children++;
		if (c->routed) {
			info->child_up = true;
			info->spi_in = c->spi_in;
			info->spi_out = c->spi_out;
		}
	}
	info->nat = udp_encap(ike, sa);
	info->spi_i = sa->spi_i;
	info->spi_r = sa->spi_r;
	info->encr = sa->encr;
	info->key_bits = sa->key_bits;
	info->integ = sa->integ;
	info->dh = sa->dh_group;
	info->established_ms = sa->established;
	return 0;
}
