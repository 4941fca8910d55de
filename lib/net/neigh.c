/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control core's neighbour table (see vpn_neigh.h). Entries are
 * resolved (learned or static) or pending (asked for, packets held).
 * Timers, all in the caller's units:
 *   pending:  a broadcast request at the first packet, again every second,
 *             VPN_NEIGH_TRIES in all; then its packets are dropped;
 *   learned:  trusted for timeout, then refreshed by unicast (at most one
 *             a second per table) and forgotten GRACE_S after the first
 *             unanswered refresh;
 *   static:   never aged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vpn_neigh.h"

#define GRACE_S 3

struct entry {
	uint32_t ip;
	uint8_t mac[6];
	bool permanent;
	bool pending;   /* no MAC yet */
	uint64_t seen;  /* learned: when it last spoke ARP */
	uint64_t asked; /* learned: first unanswered refresh (0: none);
	                 * pending: the last request */
	unsigned int tries;
	unsigned int nheld;
	void *held[VPN_NEIGH_HOLD];
};

struct vpn_neigh {
	struct vpn_neigh_params p;
	unsigned int n;
	bool dirty; /* a resolved entry was pushed out: republish */
	uint64_t last_refresh;
	struct vpn_neigh_stats st;
	struct entry e[];
};

struct vpn_neigh *
vpn_neigh_new(const struct vpn_neigh_params *p)
{
	struct vpn_neigh *n;

	if (p->slots == 0 || p->hz == 0) {
		errno = EINVAL;
		return NULL;
	}
	n = calloc(1, sizeof(*n) + p->slots * sizeof(n->e[0]));
	if (n != NULL)
		n->p = *p;
	return n;
}

static void
drop_held(struct vpn_neigh *n, struct entry *e, void (*free_pkt)(void *))
{
	for (unsigned int i = 0; i < e->nheld; i++)
		if (free_pkt != NULL)
			free_pkt(e->held[i]);
	n->st.unresolved += e->nheld;
	e->nheld = 0;
}

void
vpn_neigh_free(struct vpn_neigh *n, void (*free_pkt)(void *))
{
	if (n == NULL)
		return;
	for (unsigned int i = 0; i < n->n; i++)
		drop_held(n, &n->e[i], free_pkt);
	free(n);
}

static struct entry *
find(const struct vpn_neigh *n, uint32_t ip)
{
	for (unsigned int i = 0; i < n->n; i++)
		if (n->e[i].ip == ip)
			return (struct entry *)&n->e[i];
	return NULL;
}

/* A free slot, or the oldest learned entry's (neither static nor
 * pending: those are never pushed out), cleared: nothing of what was
 * there before (held packets, flags) may carry over. */
static struct entry *
make_room(struct vpn_neigh *n)
{
	struct entry *e = NULL;

	if (n->n < n->p.slots) {
		e = &n->e[n->n++];
	} else {
		for (unsigned int i = 0; i < n->n; i++)
			if (!n->e[i].permanent && !n->e[i].pending &&
			    (e == NULL || n->e[i].seen < e->seen))
				e = &n->e[i];
		if (e != NULL)
			n->dirty = true; /* the workers still have it */
	}
	if (e != NULL)
		memset(e, 0, sizeof(*e));
	return e;
}

/* Entry i goes: the last one takes its place, and the last slot is
 * cleared. */
static void
forget(struct vpn_neigh *n, unsigned int i)
{
	n->e[i] = n->e[--n->n];
	memset(&n->e[n->n], 0, sizeof(n->e[0]));
}

int
vpn_neigh_learn(struct vpn_neigh *n, uint32_t ip, const uint8_t *mac,
                bool permanent, uint64_t now)
{
	struct entry *e = find(n, ip);
	bool changed;

	if (e != NULL && e->permanent && !permanent)
		return 0; /* the wire does not overwrite static_arp */
	if (e == NULL) {
		e = make_room(n);
		if (e == NULL)
			return -ENOSPC;
		e->ip = ip;
		e->pending = true; /* i.e. not in the snapshot yet */
	}
	changed = e->pending || memcmp(e->mac, mac, 6) != 0;
	memcpy(e->mac, mac, 6);
	e->pending = false;
	e->permanent = permanent;
	e->seen = now;
	e->asked = 0;
	e->tries = 0;
	return changed;
}

const uint8_t *
vpn_neigh_find(const struct vpn_neigh *n, uint32_t ip)
{
	const struct entry *e = find(n, ip);

	return e != NULL && !e->pending ? e->mac : NULL;
}

static void
request(struct vpn_neigh_request *r, const struct entry *e, bool unicast)
{
	r->ip = e->ip;
	r->unicast = unicast;
	memcpy(r->mac, e->mac, 6);
}

int
vpn_neigh_hold(struct vpn_neigh *n, uint32_t ip, void *pkt, uint64_t now,
               struct vpn_neigh_request *req)
{
	struct entry *e = find(n, ip);
	int due = 0;

	req->ip = 0;
	if (e != NULL && !e->pending)
		return -EEXIST;
	if (e == NULL) {
		e = make_room(n);
		if (e == NULL) {
			n->st.overflow++;
			return -ENOSPC;
		}
		e->ip = ip;
		e->pending = true;
		e->asked = now;
		e->tries = 1;
		request(req, e, false);
		due = 1;
	}
	if (e->nheld == VPN_NEIGH_HOLD) {
		n->st.overflow++;
		return -ENOSPC;
	}
	e->held[e->nheld++] = pkt;
	n->st.held++;
	return due;
}

unsigned int
vpn_neigh_release(struct vpn_neigh *n, uint32_t ip, void **pkts,
                  unsigned int max)
{
	struct entry *e = find(n, ip);
	unsigned int k;

	if (e == NULL || e->pending)
		return 0;
	k = e->nheld < max ? e->nheld : max;
	memcpy(pkts, e->held, k * sizeof(*pkts));
	memmove(e->held, e->held + k, (e->nheld - k) * sizeof(*pkts));
	e->nheld -= k;
	n->st.released += k;
	return k;
}

unsigned int
vpn_neigh_age(struct vpn_neigh *n, uint64_t now, struct vpn_neigh_request *req,
              unsigned int max, void (*free_pkt)(void *), bool *changed)
{
	const uint64_t hz = n->p.hz;
	unsigned int k = 0;

	for (unsigned int i = 0; i < n->n; i++) {
		struct entry *e = &n->e[i];
		bool gone = false;

		if (e->pending) {
			if (now - e->asked < hz)
				continue;
			if (e->tries >= VPN_NEIGH_TRIES) {
				drop_held(n, e, free_pkt);
				gone = true;
			} else if (k < max) {
				e->tries++;
				e->asked = now;
				request(&req[k++], e, false);
			}
		} else if (!e->permanent && now - e->seen > n->p.timeout) {
			if (e->asked != 0 && now - e->asked > GRACE_S * hz) {
				n->st.expired++;
				*changed = true;
				gone = true;
			} else if ((e->asked == 0 ||
			            now - n->last_refresh > hz) &&
			           k < max) {
				if (e->asked == 0)
					e->asked = now;
				n->last_refresh = now;
				n->st.refresh++;
				request(&req[k++], e, true);
			}
		}
		if (gone) {
			forget(n, i);
			i--;
		}
	}
	if (n->dirty) {
		*changed = true;
		n->dirty = false;
	}
	return k;
}

unsigned int
vpn_neigh_snapshot(const struct vpn_neigh *n, struct vpn_neigh_entry *e,
                   unsigned int max)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < n->n && k < max; i++)
		if (!n->e[i].pending) {
			e[k].ip = n->e[i].ip;
			memcpy(e[k++].mac, n->e[i].mac, 6);
		}
	return k;
}

const struct vpn_neigh_stats *
vpn_neigh_stats(const struct vpn_neigh *n)
{
	return &n->st;
}
