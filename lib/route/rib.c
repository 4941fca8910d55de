/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control core's RIB (vpn_rib.h): prefixes in an open-addressing
 * hash (linear probing, deletion by backward shift), each with its paths
 * and its selection kept up to date as paths come and go.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vpn_rib.h"

struct prefix {
	uint32_t addr;
	uint8_t len;
	bool used;
	unsigned int n, cap; /* paths */
	struct vpn_rib_path *paths;
	struct vpn_rib_nh nh; /* the selection (n > 0) */
};

struct vpn_rib {
	struct prefix *slot;
	unsigned int size, used; /* slots (a power of two), prefixes */
	unsigned int *count;     /* paths by [conn][src][tunnel] */
	unsigned int count_conns;
	bool changed;
};

static const char *const src_names[VPN_RIB_NSRC] = {
        [VPN_RIB_CONNECTED] = "connected",
        [VPN_RIB_STATIC] = "static",
        [VPN_RIB_BGP] = "bgp",
};

const char *
vpn_rib_src_name(enum vpn_rib_src src)
{
	return (unsigned int)src < VPN_RIB_NSRC ? src_names[src] : "?";
}

static unsigned int
hash(uint32_t addr, uint8_t len, unsigned int size)
{
	uint64_t h = ((uint64_t)addr << 8 | len) * 0x9e3779b97f4a7c15ull;

	return (unsigned int)(h >> 32) & (size - 1);
}

struct vpn_rib *
vpn_rib_new(void)
{
	struct vpn_rib *rib = calloc(1, sizeof(*rib));

	if (rib == NULL)
		return NULL;
	rib->size = 64;
	rib->slot = calloc(rib->size, sizeof(*rib->slot));
	if (rib->slot == NULL) {
		free(rib);
		errno = ENOMEM;
		return NULL;
	}
	return rib;
}

void
vpn_rib_free(struct vpn_rib *rib)
{
	if (rib == NULL)
		return;
	for (unsigned int i = 0; i < rib->size; i++)
		free(rib->slot[i].paths);
	free(rib->slot);
	free(rib->count);
	free(rib);
}

/* The slot of addr/len, or of the empty slot where it would go. */
static unsigned int
find(const struct vpn_rib *rib, uint32_t addr, uint8_t len)
{
	unsigned int i = hash(addr, len, rib->size);

	while (rib->slot[i].used &&
	       (rib->slot[i].addr != addr || rib->slot[i].len != len))
		i = (i + 1) & (rib->size - 1);
	return i;
}

/* Twice the slots, every prefix moved over. 0 or -ENOMEM. */
static int
grow(struct vpn_rib *rib)
{
	struct prefix *old = rib->slot;
	unsigned int n = rib->size;

	rib->slot = calloc((size_t)n * 2, sizeof(*rib->slot));
	if (rib->slot == NULL) {
		rib->slot = old;
		return -ENOMEM;
	}
	rib->size = n * 2;
	for (unsigned int i = 0; i < n; i++)
		if (old[i].used)
			rib->slot[find(rib, old[i].addr, old[i].len)] = old[i];
	free(old);
	return 0;
}

/* Slot i emptied; later prefixes of its probe run shift back so that
 * each is still found from its home slot. */
static void
unlink_slot(struct vpn_rib *rib, unsigned int i)
{
	unsigned int mask = rib->size - 1, j = i;

	free(rib->slot[i].paths);
	for (;;) {
		unsigned int k;

		j = (j + 1) & mask;
		if (!rib->slot[j].used)
			break;
		k = hash(rib->slot[j].addr, rib->slot[j].len, rib->size);
		/* j's prefix stays if its home k lies cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		rib->slot[i] = rib->slot[j];
		i = j;
	}
	memset(&rib->slot[i], 0, sizeof(rib->slot[i]));
	rib->used--;
}

/* ---- path counts, per connection, source and tunnel -------------------- */

static int
count_room(struct vpn_rib *rib, uint32_t conn)
{
	unsigned int n = rib->count_conns, want;
	unsigned int *c;

	if (conn < n)
		return 0;
	want = n ? n : 16;
	while (want <= conn)
		want *= 2;
	c = realloc(rib->count, (size_t)want * VPN_RIB_NSRC * 2 * sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	memset(c + (size_t)n * VPN_RIB_NSRC * 2, 0,
	       (size_t)(want - n) * VPN_RIB_NSRC * 2 * sizeof(*c));
	rib->count = c;
	rib->count_conns = want;
	return 0;
}

static unsigned int *
count_of(struct vpn_rib *rib, const struct vpn_rib_path *p)
{
	return &rib->count[((size_t)p->conn * VPN_RIB_NSRC + p->src) * 2 +
	                   p->tunnel];
}

unsigned int
vpn_rib_count(const struct vpn_rib *rib, enum vpn_rib_src src, int conn,
              int tunnel)
{
	unsigned int sum = 0;

	if ((unsigned int)src >= VPN_RIB_NSRC)
		return 0;
	for (unsigned int c = 0; c < rib->count_conns; c++)
		for (unsigned int t = 0; t < 2; t++)
			if ((conn == VPN_RIB_ANY || (unsigned int)conn == c) &&
			    (tunnel == VPN_RIB_ANY ||
			     (unsigned int)tunnel == t))
				sum += rib->count[((size_t)c * VPN_RIB_NSRC +
				                   src) * 2 +
				                  t];
	return sum;
}

/* ---- selection ---------------------------------------------------------- */

/* a better than b among BGP paths: AS_PATH, MED, connection. */
static bool
bgp_better(const struct vpn_rib_path *a, const struct vpn_rib_path *b)
{
	if (a->as_path != b->as_path)
		return a->as_path < b->as_path;
	if (a->med != b->med)
		return a->med < b->med;
	return a->conn < b->conn;
}

static struct vpn_rib_nh
select_nh(const struct prefix *e)
{
	const struct vpn_rib_path *best = NULL, *t[2] = {NULL, NULL};
	struct vpn_rib_nh nh;

	memset(&nh, 0, sizeof(nh));
	for (unsigned int i = 0; i < e->n; i++) {
		const struct vpn_rib_path *p = &e->paths[i];

		if (best == NULL || p->src < best->src ||
		    (p->src == best->src && p->src == VPN_RIB_BGP &&
		     bgp_better(p, best)) ||
		    (p->src == best->src && p->src != VPN_RIB_BGP &&
		     p->conn < best->conn))
			best = p;
	}
	nh.src = best->src;
	nh.conn = best->conn;
	nh.as_path = best->as_path;
	nh.med = best->med;
	if (best->src != VPN_RIB_BGP) {
		nh.mode = VPN_RIB_STEER;
		nh.tunnels = best->src == VPN_RIB_STATIC ? 3 : 0;
		return nh;
	}
	/* The best connection's paths over each of its tunnels. */
	for (unsigned int i = 0; i < e->n; i++)
		if (e->paths[i].src == VPN_RIB_BGP &&
		    e->paths[i].conn == best->conn)
			t[e->paths[i].tunnel] = &e->paths[i];
	nh.tunnels = (uint8_t)((t[0] != NULL) | (t[1] != NULL) << 1);
	nh.mode = VPN_RIB_ACTIVE;
	/* Over both and equal: no tunnel first (whichever came first). */
	nh.primary = t[0] != NULL && t[1] != NULL ? 0 : best->tunnel;
	if (t[0] != NULL && t[1] != NULL &&
	    (t[0]->as_path != t[1]->as_path || t[0]->med != t[1]->med)) {
		nh.mode = VPN_RIB_STANDBY;
		nh.primary = best->tunnel;
	}
	return nh;
}

/* e's selection again: 1 when it moved. */
static int
reselect(struct vpn_rib *rib, struct prefix *e)
{
	struct vpn_rib_nh nh = select_nh(e);

	if (memcmp(&nh, &e->nh, sizeof(nh)) == 0)
		return 0;
	e->nh = nh;
	rib->changed = true;
	return 1;
}

static bool
same_path(const struct vpn_rib_path *a, const struct vpn_rib_path *b)
{
	return a->src == b->src && a->conn == b->conn && a->tunnel == b->tunnel;
}

static bool
path_ok(const struct vpn_rib_path *p)
{
	return p->len <= 32 && p->src < VPN_RIB_NSRC && p->tunnel <= 1 &&
	       (p->len == 32 || (p->addr & (~0u >> p->len)) == 0) &&
	       p->conn < (1u << 24);
}

int
vpn_rib_add(struct vpn_rib *rib, const struct vpn_rib_path *p)
{
	struct prefix *e;
	unsigned int i;

	if (!path_ok(p))
		return -EINVAL;
	if (count_room(rib, p->conn) != 0)
		return -ENOMEM;
	if ((rib->used + 1) * 4 > rib->size * 3 && grow(rib) != 0)
		return -ENOMEM;
	i = find(rib, p->addr, p->len);
	e = &rib->slot[i];
	if (e->used)
		for (unsigned int k = 0; k < e->n; k++)
			if (same_path(&e->paths[k], p)) {
				e->paths[k] = *p;
				return reselect(rib, e);
			}
	if (e->n == e->cap) {
		unsigned int cap = e->cap ? e->cap * 2 : 2;
		struct vpn_rib_path *np = realloc(e->paths, cap * sizeof(*np));

		if (np == NULL)
			return -ENOMEM;
		e->paths = np;
		e->cap = cap;
	}
	if (!e->used) {
		e->used = true;
		e->addr = p->addr;
		e->len = p->len;
		rib->used++;
	}
	e->paths[e->n++] = *p;
	(*count_of(rib, p))++;
	if (e->n == 1) {
		e->nh = select_nh(e);
		rib->changed = true;
		return 1;
	}
	return reselect(rib, e);
}

/* Path k of the prefix in slot i goes; 1 when the selection moved. */
static int
remove_path(struct vpn_rib *rib, unsigned int i, unsigned int k)
{
	struct prefix *e = &rib->slot[i];

	(*count_of(rib, &e->paths[k]))--;
	e->paths[k] = e->paths[--e->n];
	if (e->n == 0) {
		unlink_slot(rib, i);
		rib->changed = true;
		return 1;
	}
	return reselect(rib, e);
}

int
vpn_rib_del(struct vpn_rib *rib, const struct vpn_rib_path *key)
{
	unsigned int i;

	if (!path_ok(key))
		return -ENOENT;
	i = find(rib, key->addr, key->len);
	if (!rib->slot[i].used)
		return -ENOENT;
	for (unsigned int k = 0; k < rib->slot[i].n; k++)
		if (same_path(&rib->slot[i].paths[k], key))
			return remove_path(rib, i, k);
	return -ENOENT;
}

unsigned int
vpn_rib_flush_prefix(struct vpn_rib *rib, uint32_t addr, uint8_t len,
                     enum vpn_rib_src src)
{
	unsigned int i, gone = 0;

	if (len > 32)
		return 0;
	i = find(rib, addr, len);
	for (unsigned int k = 0; rib->slot[i].used && k < rib->slot[i].n;) {
		if (rib->slot[i].paths[k].src != src) {
			k++;
			continue;
		}
		gone++;
		if (rib->slot[i].n == 1) { /* the prefix goes with it */
			remove_path(rib, i, k);
			break;
		}
		remove_path(rib, i, k);
	}
	return gone;
}

unsigned int
vpn_rib_flush(struct vpn_rib *rib, enum vpn_rib_src src, int conn, int tunnel)
{
	unsigned int gone = 0;

	for (unsigned int i = 0; i < rib->size;) {
		struct prefix *e = &rib->slot[i];
		bool emptied = false;

		for (unsigned int k = 0; e->used && k < e->n;) {
			const struct vpn_rib_path *p = &e->paths[k];

			if (p->src != src ||
			    (conn != VPN_RIB_ANY &&
			     p->conn != (uint32_t)conn) ||
			    (tunnel != VPN_RIB_ANY &&
			     p->tunnel != (uint8_t)tunnel)) {
				k++;
				continue;
			}
			gone++;
			emptied = e->n == 1;
			remove_path(rib, i, k);
			if (emptied)
				break;
		}
		/* An emptied slot took a later prefix in: look again. */
		if (!emptied)
			i++;
	}
	return gone;
}

int
vpn_rib_best(const struct vpn_rib *rib, uint32_t addr, uint8_t len,
             struct vpn_rib_nh *nh)
{
	unsigned int i;

	if (len > 32)
		return -ENOENT;
	i = find(rib, addr, len);
	if (!rib->slot[i].used)
		return -ENOENT;
	*nh = rib->slot[i].nh;
	return 0;
}

unsigned int
vpn_rib_prefixes(const struct vpn_rib *rib)
{
	return rib->used;
}

static int
route_cmp(const void *a, const void *b)
{
	const struct vpn_rib_route *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->len - (int)y->len;
}

unsigned int
vpn_rib_routes(const struct vpn_rib *rib, struct vpn_rib_route *out,
               unsigned int max)
{
	unsigned int n = 0;

	if (max < rib->used)
		return rib->used;
	for (unsigned int i = 0; i < rib->size; i++) {
		const struct prefix *e = &rib->slot[i];

		if (!e->used)
			continue;
		out[n++] = (struct vpn_rib_route){.addr = e->addr,
		                                  .len = e->len,
		                                  .nh = e->nh,
		                                  .paths = e->n};
	}
	qsort(out, n, sizeof(*out), route_cmp);
	return n;
}

bool
vpn_rib_changed(struct vpn_rib *rib)
{
	bool c = rib->changed;

	rib->changed = false;
	return c;
}
