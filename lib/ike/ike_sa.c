/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKEv2 engine (RFC 7296): IKE SAs and their first Child SA, both
 * roles, PSK authentication.
 *
 *   initiator                            responder
 *   IKE_SA_INIT  SA KE Ni N(NAT_D)x2  ->
 *                                    <-  SA KE Nr N(NAT_D)x2
 *                                        (or N(COOKIE), N(INVALID_KE))
 *   IKE_AUTH SK{IDi AUTH SA TSi TSr}  ->
 *                                    <-  SK{IDr AUTH SA TSi TSr}
 *   INFORMATIONAL SK{} (liveness), SK{D} (delete), both ways.
 *
 * Messages are read into one buffer, decrypted in place and walked with
 * the bounded readers of ike_msg.c; payloads inside SK are looked at only
 * after it verified. Every change of an SA's state goes through
 * sa_state(), which logs old -> new and why.
 *
 * The engine's files, by concern (as strongSwan splits its tasks); what
 * they share is in ike_priv.h:
 *   ike_sa.c         SA and Child SA records, state changes, lifetimes
 *   ike_send.c       requests, retransmission, responses, SK, fragments
 *   ike_prop.c       proposals and DH groups
 *   ike_keys.c       key derivation, AUTH (PSK)
 *   ike_nat.c        NAT detection, notifies
 *   ike_ts.c         traffic selectors
 *   ike_child.c      a Child SA installed, an IKE SA established
 *   ike_initiator.c  IKE_SA_INIT and IKE_AUTH as initiator
 *   ike_responder.c  IKE_SA_INIT and IKE_AUTH as responder
 *   ike_info.c       INFORMATIONAL: DPD, DELETE
 *   ike_rekey.c      CREATE_CHILD_SA: Child SA and IKE SA rekeys
 *   ike_input.c      a datagram to its SA and exchange
 *   ike_timers.c     retransmissions, rekeys, lifetimes, DPD
 *   ike_engine.c     the public calls (vpn_ike.h)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_priv.h"

/* The same as single words, for key=value lines. */
static const char *const state_keys[] = {
        [S_INIT_SENT] = "ike_sa_init_sent",
        [S_AUTH_SENT] = "ike_auth_sent",
        [S_INIT_DONE] = "ike_sa_init_answered",
        [S_ESTABLISHED] = "established",
        [S_DEAD] = "down",
        [S_NEW] = "down",
};

static const char *const state_names[] = {
        [S_INIT_SENT] = "IKE_SA_INIT sent",
        [S_AUTH_SENT] = "IKE_AUTH sent",
        [S_INIT_DONE] = "IKE_SA_INIT answered",
        [S_ESTABLISHED] = "established",
        [S_DEAD] = "down",
        [S_NEW] = "new",
};

/* ---- small helpers ------------------------------------------------------ */

__attribute__((format(printf, 3, 0))) static void
vlog(struct vpn_ike *ike, const char *who, const char *fmt, va_list ap)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line), "ike %s: ", who);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (ike->ops.log)
		ike->ops.log(ike->ctx, line);
}

__attribute__((format(printf, 3, 4))) void
plog(struct vpn_ike *ike, unsigned int peer, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(ike, ike->peers[peer].cfg.name, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) void
salog(struct vpn_ike *ike, const struct ike_sa *sa, const char *fmt, ...)
{
	char who[64];
	va_list ap;

	if (sa->pending)
		snprintf(who, sizeof(who), "%u.%u.%u.%u:%u (identity to come)",
		         sa->remote >> 24, sa->remote >> 16 & 0xff,
		         sa->remote >> 8 & 0xff, sa->remote & 0xff, sa->rport);
	else
		snprintf(who, sizeof(who), "%s", ike->peers[sa->peer].cfg.name);
	va_start(ap, fmt);
	vlog(ike, who, fmt, ap);
	va_end(ap);
}

bool
roaming(const struct peer *p)
{
	return p->cfg.remote == 0;
}

void
pend_drop(struct vpn_ike *ike, struct ike_sa *sa)
{
	for (unsigned int i = 0; i < ike->n_pend; i++)
		if (ike->pend[i] == sa) {
			ike->pend[i] = ike->pend[--ike->n_pend];
			ike->pend[ike->n_pend] = NULL;
			sa->pending = false;
			return;
		}
}

void *
dup_bytes(const void *p, size_t len)
{
	void *d = malloc(len ? len : 1);

	if (d != NULL)
		memcpy(d, p, len);
	return d;
}

uint64_t
rand64(void)
{
	uint64_t v = 0;

	while (v == 0)
		if (ike_random(&v, sizeof(v)) != 0)
			return 0;
	return v;
}

static uint32_t
rand_spi(void)
{
	uint32_t v = 0;

	/* SPIs 1-255 are reserved (RFC 4303 2.1). */
	while (v < 256)
		if (ike_random(&v, sizeof(v)) != 0)
			return 0;
	return v;
}

uint32_t
new_spi(struct vpn_ike *ike)
{
	return ike->ops.spi_alloc ? ike->ops.spi_alloc(ike->ctx) : rand_spi();
}

uint16_t
integ_to_prf(uint16_t integ)
{
	switch (integ) {
	case IKE_AUTH_HMAC_SHA1_96:
		return IKE_PRF_HMAC_SHA1;
	case IKE_AUTH_HMAC_SHA2_256_128:
		return IKE_PRF_HMAC_SHA2_256;
	case IKE_AUTH_HMAC_SHA2_384_192:
		return IKE_PRF_HMAC_SHA2_384;
	case IKE_AUTH_HMAC_SHA2_512_256:
		return IKE_PRF_HMAC_SHA2_512;
	}
	return 0;
}

/* ---- SAs ---------------------------------------------------------------- */

/*
 * The tunnel's status line, with the fields of AWS's tunnel logs: phase
 * 1 and 2 state, whether DPD runs, what NAT-T detection found, and what
 * just happened.
 */
void
status_log(struct vpn_ike *ike, unsigned int peer, const char *details)
{
	const struct peer *p = &ike->peers[peer];
	const struct ike_sa *sa = p->sa;
	bool up = false;

	for (int i = 0; i < IKE_MAX_CHILDREN; i++)
		up |= p->ch[i].used && p->ch[i].routed;
	plog(ike, peer,
	     "status: ike_phase1_state=%s ike_phase2_state=%s "
	     "dpd_enabled=%s nat_t_detection=%s details=\"%s\"",
	     sa ? state_keys[sa->state] : "down", up ? "up" : "down",
	     p->cfg.dpd_action == VPN_IKE_DPD_NONE ? "false" : "true",
	     sa == NULL           ? "-"
	     : sa->nat_local      ? "local"
	     : sa->nat_remote     ? "remote"
	     : p->cfg.force_encap ? "forced"
	                          : "none",
	     details);
}

void
sa_state(struct vpn_ike *ike, struct ike_sa *sa, enum sa_state to,
         const char *why)
{
	/* The moves there are: a new SA to an initiator's INIT_SENT ->
	 * AUTH_SENT -> ESTABLISHED, a responder's INIT_DONE -> ESTABLISHED,
	 * or straight to ESTABLISHED (made by a rekey); anything to DEAD,
	 * and nothing out of it. */
	static const bool legal[][S_NEW + 1] = {
	        [S_NEW] = {[S_INIT_SENT] = true,
	                   [S_INIT_DONE] = true,
	                   [S_ESTABLISHED] = true,
	                   [S_DEAD] = true},
	        [S_INIT_SENT] = {[S_AUTH_SENT] = true, [S_DEAD] = true},
	        [S_AUTH_SENT] = {[S_ESTABLISHED] = true, [S_DEAD] = true},
	        [S_INIT_DONE] = {[S_ESTABLISHED] = true, [S_DEAD] = true},
	        [S_ESTABLISHED] = {[S_DEAD] = true},
	        [S_DEAD] = {false},
	};
	struct peer *p = &ike->peers[sa->peer];

	if (sa->state == to)
		return;
	if (!legal[sa->state][to]) {
		ike->st.illegal_state++;
		salog(ike, sa,
		      "IKE SA %016llx_i %016llx_r: %s -> %s (%s) is not a "
		      "move the state machine has: refused",
		      (unsigned long long)sa->spi_i,
		      (unsigned long long)sa->spi_r, state_names[sa->state],
		      state_names[to], why);
		return;
	}
	salog(ike, sa, "IKE SA %016llx_i %016llx_r: %s -> %s (%s)",
	      (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
	      state_names[sa->state], state_names[to], why);
	if (!sa->pending)
		snprintf(p->last, sizeof(p->last), "%s -> %s (%s)",
		         state_names[sa->state], state_names[to], why);
	if (sa->state == S_INIT_DONE && ike->half_open > 0)
		ike->half_open--;
	if (to == S_INIT_DONE)
		ike->half_open++;
	sa->state = to;
	/* A pending SA is no tunnel's yet. */
	if (!sa->pending && (p->sa == sa || p->sa == NULL))
		status_log(ike, sa->peer, p->last);
}

struct ike_sa *
sa_new(struct vpn_ike *ike, unsigned int peer, bool initiator)
{
	const struct vpn_ike_peer *c = &ike->peers[peer].cfg;
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (sa == NULL)
		return NULL;
	sa->peer = peer;
	sa->initiator = initiator;
	sa->state = S_NEW;
	sa->local = c->local;
	sa->remote = c->remote;
	sa->lport = sa->rport = c->force_encap ? IKE_NATT_PORT : IKE_PORT;
	sa->created = sa->last_rx = ike->now;
	return sa;
}

/* ---- Child SAs (the tunnel's, across IKE SA rekeys) ------------------------
 */

/* The Child SA whose inbound (or outbound) SPI is spi, or NULL. */
static struct child *
child_spi(struct peer *p, uint32_t spi, bool out)
{
	for (int i = 0; i < IKE_MAX_CHILDREN; i++)
		if (p->ch[i].used &&
		    (out ? p->ch[i].spi_out : p->ch[i].spi_in) == spi)
			return &p->ch[i];
	return NULL;
}

struct child *
child_find(struct peer *p, uint32_t spi_in)
{
	return child_spi(p, spi_in, false);
}

struct child *
child_by_out(struct peer *p, uint32_t spi_out)
{
	return child_spi(p, spi_out, true);
}

/* The newest Child SA but not x, preferring ones not yet replaced. */
static struct child *
child_newest(struct peer *p, const struct child *x)
{
	struct child *best = NULL;

	for (int i = 0; i < IKE_MAX_CHILDREN; i++) {
		struct child *c = &p->ch[i];

		if (!c->used || c == x)
			continue;
		if (best == NULL || (best->rekeyed && !c->rekeyed) ||
		    (best->rekeyed == c->rekeyed &&
		     c->installed >= best->installed))
			best = c;
	}
	return best;
}

void
child_route(struct vpn_ike *ike, unsigned int peer, struct child *c)
{
	struct peer *p = &ike->peers[peer];

	c->route_at = 0;
	if (c->routed)
		return;
	for (int i = 0; i < IKE_MAX_CHILDREN; i++)
		p->ch[i].routed = false;
	c->routed = true;
	ike->ops.child_route(ike->ctx, peer, c->spi_in);
	status_log(ike, peer, "Child SA routed");
}

void
child_remove(struct vpn_ike *ike, unsigned int peer, struct child *c,
             const char *why)
{
	struct peer *p = &ike->peers[peer];

	if (!c->used)
		return;
	/* Traffic moves to the newest other one first. */
	if (c->routed) {
		struct child *n = child_newest(p, c);

		if (n != NULL)
			child_route(ike, peer, n);
	}
	plog(ike, peer, "Child SA %08x_i %08x_o: removed (%s)", c->spi_in,
	     c->spi_out, why);
	ike->ops.child_del(ike->ctx, peer, c->spi_in);
	memset(c, 0, sizeof(*c));
	status_log(ike, peer, why);
}

/* Every Child SA of the tunnel goes (its IKE SA ended). */
void
children_clear(struct vpn_ike *ike, unsigned int peer, const char *why)
{
	struct peer *p = &ike->peers[peer];

	for (int i = 0; i < IKE_MAX_CHILDREN; i++)
		p->ch[i].routed = false;
	for (int i = 0; i < IKE_MAX_CHILDREN; i++)
		child_remove(ike, peer, &p->ch[i], why);
}

/* When to rekey what has a lifetime of life seconds from now: the
 * margin before its end, and up to fuzz % of the margin earlier. */
uint64_t
rekey_time(const struct vpn_ike_peer *cfg, uint32_t life_s, uint64_t now)
{
	uint64_t life = life_s * 1000ull, margin = cfg->rekey_margin * 1000ull;
	uint64_t fuzz = 0, at;
	uint32_t r = 0;

	if (margin > life / 2)
		margin = life / 2;
	if (cfg->rekey_fuzz > 0 && margin > 0 && ike_random(&r, sizeof(r)) == 0)
		fuzz = r % (margin * cfg->rekey_fuzz / 100 + 1);
	at = life - margin - fuzz;
	return now + (at < life / 4 ? life / 4 : at);
}

void
sa_free(struct vpn_ike *ike, struct ike_sa *sa, const char *why)
{
	if (sa == NULL)
		return;
	sa_state(ike, sa, S_DEAD, why);
	if (sa->pending)
		pend_drop(ike, sa);
	sa_index_del(ike, sa);
	ike_dh_free(sa->dh);
	ike_dh_free(sa->rk_dh);
	free(sa->msg1);
	free(sa->msg2);
	free(sa->req);
	free(sa->resp);
	for (int i = 0; i < IKE_MAX_FRAGS; i++)
		free(sa->rf_chunk[i]);
	explicit_bzero(sa, sizeof(*sa));
	free(sa);
}
