/* SPDX-License-Identifier: BSD-3-Clause */
/* Timers: retransmission, initiation, rekeys, lifetimes, DPD, half-open SAs.
 * See ike_sa.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_priv.h"

/* ---- timers ---------------------------------------------------------------
 */

/* The DPD timeout ran out: the configured action. */
static void
peer_dead(struct vpn_ike *ike, struct ike_sa *sa)
{
	struct peer *p = &ike->peers[sa->peer];

	ike->st.dpd_dead++;
	plog(ike, sa->peer, "DPD: no answer for %u s: peer dead, action %s",
	     p->cfg.dpd_timeout,
	     p->cfg.dpd_action == VPN_IKE_DPD_RESTART ? "restart" : "clear");
	sa_state(ike, sa, S_DEAD, "DPD timeout");
	/* restart: we bring it up again, whoever started it first (not
	 * to a customer gateway without an address: it comes back). */
	if (p->cfg.dpd_action == VPN_IKE_DPD_RESTART && !roaming(p)) {
		p->restart = true;
		p->next_try = ike->now + 1000;
	}
}

/* An outstanding request due again: resend it, or give up on it. */
static void
req_tick(struct vpn_ike *ike, struct ike_sa *sa)
{
	const struct vpn_ike_peer *cfg = &ike->peers[sa->peer].cfg;
	uint64_t now = ike->now;
	/* Liveness: the DPD timeout; setup: its own; the rest alike. */
	uint64_t limit = sa->req_kind == R_INIT || sa->req_kind == R_AUTH
	                         ? IKE_SETUP_GIVE_UP_MS
	                         : cfg->dpd_timeout * 1000ull;

	if (now - sa->req_first < limit) {
		/* 1, 2, 4, 8 s ... between tries, at most 8. */
		sa->req_tries++;
		sa->req_next =
		        now +
		        (1000ull << (sa->req_tries < 3 ? sa->req_tries : 3));
		ike->st.retransmits++;
		wire(ike, sa, sa->req, sa->req_len);
		return;
	}
	free(sa->req);
	sa->req = NULL;
	if (sa->req_kind == R_INIT || sa->req_kind == R_AUTH) {
		plog(ike, sa->peer, "no answer to %s",
		     sa->req_kind == R_INIT ? "IKE_SA_INIT" : "IKE_AUTH");
		sa_state(ike, sa, S_DEAD, "no answer");
		if (starts(&ike->peers[sa->peer]))
			ike->peers[sa->peer].next_try = now + IKE_RETRY_MS;
	} else if (sa->rekeyed || sa->req_kind == R_DELETE_IKE)
		sa_state(ike, sa, S_DEAD, "no answer to its DELETE");
	else if (cfg->dpd_action != VPN_IKE_DPD_NONE)
		peer_dead(ike, sa);
}

static void
sa_tick(struct vpn_ike *ike, struct ike_sa *sa)
{
	struct peer *p = &ike->peers[sa->peer];
	const struct vpn_ike_peer *cfg = &p->cfg;
	uint64_t now = ike->now;
	struct child *routed = NULL;

	if (sa->state == S_INIT_DONE && now - sa->created > IKE_HALF_OPEN_MS) {
		sa_state(ike, sa, S_DEAD, "no IKE_AUTH: half-open SA expired");
		return;
	}
	if (sa->pending)
		return;
	if (sa->req != NULL) {
		if (now >= sa->req_next)
			req_tick(ike, sa);
		return;
	}
	if (sa->state != S_ESTABLISHED || sa->rekeyed || p->sa != sa)
		return;
	/* NAT keepalives from the side behind the NAT. */
	if (sa->nat_local && now - sa->last_keepalive >= IKE_KEEPALIVE_MS) {
		static const uint8_t ka = 0xff;

		sa->last_keepalive = now;
		ike->ops.send(ike->ctx, sa->local, IKE_NATT_PORT, sa->remote,
		              sa->rport, &ka, 1);
	}
	if (now >= sa->expire_at) {
		ike->st.expired++;
		sa_state(ike, sa, S_DEAD, "IKE SA lifetime over");
		return;
	}
	/* One request at a time: rekeys first, then liveness. */
	if (now >= sa->rk_retry) {
		if (now >= sa->rekey_at) {
			rekey_ike(ike, sa, 0);
			return;
		}
		for (int i = 0; i < IKE_MAX_CHILDREN; i++) {
			struct child *c = &p->ch[i];

			if (c->used && !c->rekeyed && now >= c->rekey_at) {
				rekey_child(ike, sa, c, 0);
				return;
			}
		}
	}
	for (int i = 0; i < IKE_MAX_CHILDREN; i++)
		if (p->ch[i].routed)
			routed = &p->ch[i];
	/* DPD: idle (nothing from the peer, no ESP in) for the delay.
	 * The ESP counters are summed over the workers: looked at four
	 * times a second, not at every tick of every tunnel. */
	if (cfg->dpd_action != VPN_IKE_DPD_NONE) {
		if (routed != NULL && ike->ops.child_rx &&
		    (now - sa->esp_looked >= IKE_RX_LOOK_MS ||
		     now - sa->last_rx >= IKE_DPD_DELAY_MS)) {
			uint64_t rx = ike->ops.child_rx(ike->ctx, sa->peer,
			                                routed->spi_in);

			sa->esp_looked = now;
			if (rx != sa->esp_rx) {
				sa->esp_rx = rx;
				sa->last_rx = now;
			}
		}
		if (now - sa->last_rx >= IKE_DPD_DELAY_MS)
			send_info(ike, sa, R_DPD, 0);
	}
}

/* The tunnel's Child SAs: routes a rekey responder waits for, lifetimes. */
static void
children_tick(struct vpn_ike *ike, unsigned int peer)
{
	struct peer *p = &ike->peers[peer];

	for (int i = 0; i < IKE_MAX_CHILDREN; i++) {
		struct child *c = &p->ch[i];

		if (!c->used)
			continue;
		if (c->route_at != 0 && ike->now >= c->route_at)
			child_route(ike, peer, c);
		if (ike->now >= c->expire_at) {
			ike->st.expired++;
			child_remove(ike, peer, c, "lifetime over");
		}
	}
}

/* Setups of ours waiting for the first answer to a request sent less
 * than IKE_INIT_YOUNG_MS ago. */
static unsigned int
young_setups(const struct vpn_ike *ike)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < ike->n; i++) {
		const struct ike_sa *sa = ike->peers[i].sa;

		n += sa != NULL && sa->initiator &&
		     (sa->state == S_INIT_SENT || sa->state == S_AUTH_SENT) &&
		     ike->now - sa->req_first < IKE_INIT_YOUNG_MS;
	}
	return n;
}

void
vpn_ike_tick(struct vpn_ike *ike, uint64_t now_ms)
{
	unsigned int young;

	ike->now = now_ms;
	young = young_setups(ike);
	/* Pending SAs: answered, waiting for an IKE_AUTH (sa_tick only
	 * expires them), or refused in it. */
	for (unsigned int i = ike->n_pend; i-- > 0;) {
		struct ike_sa *sa = ike->pend[i];

		sa_tick(ike, sa);
		if (sa->state == S_DEAD)
			sa_free(ike, sa, "gone");
	}
	for (unsigned int i = 0; i < ike->n; i++) {
		struct peer *p = &ike->peers[i];

		if (p->nego) {
			sa_tick(ike, p->nego);
			if (p->nego->state == S_DEAD) {
				sa_free(ike, p->nego, "gone");
				p->nego = NULL;
			}
		}
		if (p->old) {
			sa_tick(ike, p->old);
			if (p->old->state == S_DEAD) {
				sa_free(ike, p->old, "rekeyed and deleted");
				p->old = NULL;
			}
		}
		if (p->doomed) {
			sa_tick(ike, p->doomed);
			if (p->doomed->state == S_DEAD) {
				sa_free(ike, p->doomed, "deleted");
				p->doomed = NULL;
			}
		}
		if (p->sa) {
			sa_tick(ike, p->sa);
			if (p->sa->state == S_DEAD) {
				children_clear(ike, i, "its IKE SA is gone");
				sa_free(ike, p->sa, "gone");
				p->sa = NULL;
			}
		}
		children_tick(ike, i);
		if (p->sa == NULL && starts(p) && p->next_try != 0 &&
		    now_ms >= p->next_try) {
			if (young >= IKE_INIT_WINDOW) {
				ike->st.init_paced += !p->paced;
				p->paced = true;
				continue;
			}
			p->paced = false;
			young++;
			initiate(ike, i);
		} else
			p->paced = false; /* not due: a later wait counts */
	}
}
