/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's two lookups per message, in constant time at ten thousand
 * tunnels: IKE SAs by initiator SPI (every message), tunnels by our
 * address and the peer's (every IKE_SA_INIT). Walking every tunnel's
 * four SA slots touched a cache line or more per tunnel and message.
 *
 * SAs: a chained hash of every SA with an initiator SPI (added where the
 * SPI is set, removed in sa_free), keyed with a secret multiplier: a peer
 * chooses the initiator SPIs of the SAs it starts, but the chain it can
 * lengthen holds only its own half-open SAs, which the cookie and
 * pending limits bound. Tunnels: rebuilt when the tunnels change, at the
 * next lookup; the chain of an address pair keeps the tunnels in index
 * order, so the first one that is not down is the one found, as before.
 */
#include <stdlib.h>

#include "ike_priv.h"

#define SA_HASH_BITS  14
#define SA_HASH_SIZE  (1u << SA_HASH_BITS)
#define PEER_HASH_MIN 64u

static unsigned int
sa_bucket(const struct vpn_ike *ike, uint64_t spi_i)
{
	return (unsigned int)(((spi_i ^ ike->hash_key) *
	                       0x9e3779b97f4a7c15ull) >>
	                      (64 - SA_HASH_BITS));
}

int
index_init(struct vpn_ike *ike)
{
	ike->sa_hash = calloc(SA_HASH_SIZE, sizeof(*ike->sa_hash));
	if (ike->sa_hash == NULL || ike_random(&ike->hash_key, 8) != 0)
		return -1;
	ike->peers_changed = true;
	return 0;
}

void
index_free(struct vpn_ike *ike)
{
	free(ike->sa_hash);
	free(ike->peer_hash);
	free(ike->peer_next);
	free(ike->roam);
	ike->sa_hash = NULL;
	ike->peer_hash = ike->peer_next = ike->roam = NULL;
}

void
sa_index_add(struct vpn_ike *ike, struct ike_sa *sa)
{
	unsigned int b = sa_bucket(ike, sa->spi_i);

	if (sa->indexed)
		sa_index_del(ike, sa);
	sa->hnext = ike->sa_hash[b];
	ike->sa_hash[b] = sa;
	sa->indexed = true;
}

void
sa_index_del(struct vpn_ike *ike, struct ike_sa *sa)
{
	struct ike_sa **pp;

	if (!sa->indexed)
		return;
	for (pp = &ike->sa_hash[sa_bucket(ike, sa->spi_i)]; *pp != NULL;
	     pp = &(*pp)->hnext)
		if (*pp == sa) {
			*pp = sa->hnext;
			break;
		}
	sa->hnext = NULL;
	sa->indexed = false;
}

/* Whether sa is where the engine keeps the SAs it answers: pending, or
 * in one of its tunnel's slots. */
static bool
sa_held(const struct vpn_ike *ike, const struct ike_sa *sa)
{
	const struct peer *p;

	if (sa->pending)
		return true;
	if (sa->peer >= ike->n)
		return false;
	p = &ike->peers[sa->peer];
	return p->sa == sa || p->nego == sa || p->old == sa || p->doomed == sa;
}

struct ike_sa *
sa_index_find(const struct vpn_ike *ike, const struct ike_hdr *h)
{
	bool from_initiator = h->flags & IKE_FLAG_INITIATOR;

	for (struct ike_sa *sa = ike->sa_hash[sa_bucket(ike, h->spi_i)];
	     sa != NULL; sa = sa->hnext) {
		if (sa->spi_i != h->spi_i || sa->state == S_DEAD ||
		    !sa_held(ike, sa))
			continue;
		/* A pending SA only ever hears from its initiator. We
		 * answer what the initiator sends, and the other way round;
		 * the responder's SPI is known once its IKE_SA_INIT
		 * response is in. */
		if (sa->pending ? from_initiator && sa->spi_r == h->spi_r
		    : from_initiator
		            ? !sa->initiator && sa->spi_r == h->spi_r
		            : sa->initiator && (sa->state == S_INIT_SENT ||
		                                sa->spi_r == h->spi_r))
			return sa;
	}
	return NULL;
}

static unsigned int
peer_bucket(uint32_t local, uint32_t remote, unsigned int mask)
{
	uint64_t k = (uint64_t)local << 32 | remote;

	return (unsigned int)((k * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

/* Every tunnel with an address into the table, chains in index order. */
static int
peer_index_build(struct vpn_ike *ike)
{
	unsigned int size = PEER_HASH_MIN;

	while (size < 2 * ike->n)
		size *= 2;
	free(ike->peer_hash);
	free(ike->peer_next);
	free(ike->roam);
	ike->peer_hash = malloc(size * sizeof(*ike->peer_hash));
	ike->peer_next = malloc((ike->n ? ike->n : 1) * sizeof(int));
	ike->roam = malloc((ike->n ? ike->n : 1) * sizeof(int));
	if (ike->peer_hash == NULL || ike->peer_next == NULL ||
	    ike->roam == NULL) {
		free(ike->peer_hash);
		free(ike->peer_next);
		free(ike->roam);
		ike->peer_hash = ike->peer_next = ike->roam = NULL;
		return -1;
	}
	ike->n_roam = 0;
	for (unsigned int i = 0; i < ike->n; i++)
		if (ike->peers[i].cfg.remote == 0)
			ike->roam[ike->n_roam++] = (int)i;
	ike->peer_mask = size - 1;
	for (unsigned int i = 0; i < size; i++)
		ike->peer_hash[i] = -1;
	for (unsigned int i = ike->n; i-- > 0;) {
		const struct vpn_ike_peer *c = &ike->peers[i].cfg;
		unsigned int b =
		        peer_bucket(c->local, c->remote, ike->peer_mask);

		ike->peer_next[i] = ike->peer_hash[b];
		ike->peer_hash[b] = (int)i;
	}
	ike->peers_changed = false;
	return 0;
}

const int *
roaming_index(struct vpn_ike *ike, unsigned int *n)
{
	if (ike->peers_changed && peer_index_build(ike) != 0)
		return NULL;
	*n = ike->n_roam;
	return ike->roam;
}

int
peer_index_find(struct vpn_ike *ike, uint32_t local, uint32_t remote)
{
	/* A tunnel that is administratively down is not there; one
	 * without an address is found by identity, later. */
	if (remote == 0)
		return -1;
	if (ike->peers_changed && peer_index_build(ike) != 0) {
		for (unsigned int i = 0; i < ike->n; i++) /* (no memory) */
			if (ike->peers[i].cfg.local == local &&
			    ike->peers[i].cfg.remote == remote &&
			    !ike->peers[i].down)
				return (int)i;
		return -1;
	}
	for (int i = ike->peer_hash[peer_bucket(local, remote, ike->peer_mask)];
	     i >= 0; i = ike->peer_next[i])
		if (ike->peers[i].cfg.local == local &&
		    ike->peers[i].cfg.remote == remote && !ike->peers[i].down)
			return i;
	return -1;
}
