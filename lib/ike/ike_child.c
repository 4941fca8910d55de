/* SPDX-License-Identifier: BSD-3-Clause */
/* A negotiated Child SA installed; an IKE SA established. See ike_sa.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_priv.h"

/* ---- the Child SA -------------------------------------------------------- */

/* Install a negotiated Child SA; route it at once, or (a rekey's
 * responder) once the peer deleted the one it replaces. NULL when it
 * could not be installed. */
struct child *
child_install(struct vpn_ike *ike, struct ike_sa *sa, const struct choice *c,
              uint32_t spi_in, const struct keysrc *ks, bool route)
{
	const struct vpn_ike_peer *cfg = &ike->peers[sa->peer].cfg;
	struct peer *p = &ike->peers[sa->peer];
	struct vpn_ike_child ch;
	struct child *slot = NULL;
	int rc;

	for (int i = 0; i < IKE_MAX_CHILDREN && slot == NULL; i++)
		if (!p->ch[i].used)
			slot = &p->ch[i];
	if (slot == NULL) {
		/* Full of replaced ones the peer never deleted: the oldest
		 * goes. */
		for (int i = 0; i < IKE_MAX_CHILDREN; i++)
			if (p->ch[i].rekeyed && !p->ch[i].routed &&
			    (slot == NULL ||
			     p->ch[i].installed < slot->installed))
				slot = &p->ch[i];
		if (slot == NULL)
			return NULL;
		child_remove(ike, sa->peer, slot, "room for a new one");
	}
	memset(&ch, 0, sizeof(ch));
	ch.spi_in = spi_in;
	ch.spi_out = (uint32_t)c->spi;
	ch.encr = c->encr;
	ch.key_bits = c->key_bits;
	ch.integ = c->integ;
	ch.esn = c->esn;
	ch.udp_encap = udp_encap(ike, sa);
	ch.sport = IKE_NATT_PORT;
	ch.dport = sa->rport == IKE_PORT ? IKE_NATT_PORT : sa->rport;
	ch.local = sa->local;
	ch.remote = sa->remote;
	ch.lifetime = cfg->esp_lifetime;
	ch.replay_window = cfg->replay_window;
	rc = derive_child_keys(sa, &ch, ks->we_i, ks->gir, ks->gl, ks->ni,
	                       ks->ni_len, ks->nr, ks->nr_len);
	if (rc == 0)
		rc = ike->ops.child_add(ike->ctx, sa->peer, &ch);
	explicit_bzero(&ch, sizeof(ch));
	if (rc != 0) {
		plog(ike, sa->peer, "Child SA %08x_i: cannot install it (%s)",
		     spi_in, strerror(rc < 0 ? -rc : rc));
		return NULL;
	}
	*slot = (struct child){
	        .used = true,
	        .spi_in = spi_in,
	        .spi_out = (uint32_t)c->spi,
	        .encr = c->encr,
	        .key_bits = c->key_bits,
	        .integ = c->integ,
	        .esn = c->esn,
	        .dh = c->dh,
	        .installed = ike->now,
	        .rekey_at = rekey_time(cfg, cfg->esp_lifetime, ike->now),
	        .expire_at = ike->now + cfg->esp_lifetime * 1000ull};
	ike->st.child_up++;
	sa->esp_rx = 0;
	plog(ike, sa->peer,
	     "Child SA %08x_i %08x_o: installed (ESP encr %u/%u integ %u%s%s, "
	     "%s, NAT-T %s)",
	     spi_in, (uint32_t)c->spi, c->encr, c->key_bits, c->integ,
	     c->esn ? " esn" : "", ks->gl ? " pfs" : "",
	     udp_encap(ike, sa) ? "UDP 4500" : "protocol 50",
	     sa->nat_local      ? "we are behind a NAT"
	     : sa->nat_remote   ? "peer behind a NAT"
	     : cfg->force_encap ? "forced (accelerated)"
	                        : "no NAT");
	if (route)
		child_route(ike, sa->peer, slot);
	else
		slot->route_at = ike->now + IKE_ROUTE_WAIT_MS;
	return slot;
}

/* A new SA for the peer is up: the old one goes (its Child SA first, so
 * the new one's is the only one installed). */
/* A new SA for the peer is up: the old one goes (with its Child SAs, so
 * the new one's are the only ones installed). */
void
sa_established(struct vpn_ike *ike, struct ike_sa *sa, const char *why)
{
	struct peer *p = &ike->peers[sa->peer];

	sa->established = ike->now;
	sa->rekey_at = rekey_time(&p->cfg, p->cfg.ike_lifetime, ike->now);
	sa->expire_at = ike->now + p->cfg.ike_lifetime * 1000ull;
	sa_state(ike, sa, S_ESTABLISHED, why);
	ike->st.ike_up++;
	p->restart = false;
	p->ke_group = sa->dh_group; /* a new IKE SA with this peer guesses it */
	if (p->nego == sa) {
		children_clear(ike, sa->peer, "replaced by a new IKE SA");
		sa_free(ike, p->sa, "replaced by a new IKE SA");
		sa_free(ike, p->old, "replaced by a new IKE SA");
		sa_free(ike, p->doomed, "replaced by a new IKE SA");
		p->old = p->doomed = NULL;
		p->sa = sa;
		p->nego = NULL;
	}
	p->next_try = 0;
}
