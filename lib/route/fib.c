/* SPDX-License-Identifier: BSD-3-Clause */
/* The FIB: rte_lpm sized for its routes, and the remote networks of each
 * connection in one array. See vpn_route.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "vpn_route.h"

static uint32_t
mask_of(uint8_t len)
{
	return len ? ~0u << (32 - len) : 0;
}

void
vpn_fib_free(struct vpn_fib *f)
{
	if (f == NULL)
		return;
	rte_lpm_free(f->lpm);
	free((void *)f->first);
	free((void *)f->net);
	free(f);
}

/* Connection c's remote networks, grouped by connection in the order
 * given. */
static int
remote_build(struct vpn_fib *f, const struct vpn_route *remote,
             unsigned int nremote)
{
	unsigned int *first = calloc(f->nconns + 1, sizeof(*first));
	unsigned int *at = calloc(f->nconns + 1, sizeof(*at));
	struct vpn_net4 *net = calloc(nremote ? nremote : 1, sizeof(*net));

	f->first = first;
	f->net = net;
	if (first == NULL || at == NULL || net == NULL) {
		free(at);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < nremote; i++)
		first[remote[i].conn + 1]++;
	for (unsigned int c = 0; c < f->nconns; c++)
		first[c + 1] += first[c];
	memcpy(at, first, (f->nconns + 1) * sizeof(*at));
	for (unsigned int i = 0; i < nremote; i++) {
		uint32_t m = mask_of(remote[i].len);

		net[at[remote[i].conn]++] =
		        (struct vpn_net4){remote[i].addr & m, m};
	}
	free(at);
	return 0;
}

/* rte_lpm's next hop for r: its connection and via. */
static uint32_t
next_hop(const struct vpn_route *r)
{
	return r->conn << VPN_FIB_VIA_BITS | r->via;
}

struct vpn_fib *
vpn_fib_build(const char *name, int socket, unsigned int nconns,
              const struct vpn_route *routes, unsigned int nroutes,
              const struct vpn_route *remote, unsigned int nremote)
{
	struct rte_lpm_config lc = {0};
	struct vpn_fib *f;
	int rc = 0;

	for (unsigned int i = 0; i < nroutes; i++)
		if (routes[i].len > 32 || routes[i].conn >= nconns ||
		    routes[i].conn >= VPN_FIB_MAX_CONNS ||
		    (routes[i].via >> VPN_FIB_VIA_BITS) != 0)
			rc = -EINVAL;
		else if (routes[i].len > 24)
			lc.number_tbl8s++; /* at most one group each */
	for (unsigned int i = 0; i < nremote; i++)
		if (remote[i].len > 32 || remote[i].conn >= nconns)
			rc = -EINVAL;
	if (rc != 0) {
		errno = -rc;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->nconns = nconns;
	f->nroutes = nroutes;
	lc.max_rules = nroutes ? nroutes : 1;
	lc.number_tbl8s = lc.number_tbl8s ? lc.number_tbl8s : 1;
	f->lpm = rte_lpm_create(name, socket, &lc);
	if (f->lpm == NULL)
		rc = rte_errno == EEXIST ? -EEXIST : -ENOMEM;
	else
		rc = remote_build(f, remote, nremote);
	for (unsigned int i = 0; rc == 0 && i < nroutes; i++) {
		if (routes[i].len == 0) {
			f->has_default = true;
			f->default_nh = next_hop(&routes[i]);
			continue;
		}
		rc = rte_lpm_add(f->lpm,
		                 routes[i].addr & mask_of(routes[i].len),
		                 routes[i].len, next_hop(&routes[i]));
	}
	if (rc != 0) {
		vpn_fib_free(f);
		errno = -rc;
		return NULL;
	}
	return f;
}
