/* SPDX-License-Identifier: BSD-3-Clause */
/* Next-hop tables and their publication (see vpn_nh.h). */
#include <stdlib.h>
#include <string.h>

#include "vpn_nh.h"

struct vpn_nh_table *
vpn_nh_table_clone(const struct vpn_nh_table *t, unsigned int n)
{
	struct vpn_nh_table *c = calloc(1, sizeof(*c) + n * sizeof(c->nh[0]));

	if (c == NULL)
		return NULL;
	c->n = n;
	if (t != NULL)
		memcpy(c->nh, t->nh, (t->n < n ? t->n : n) * sizeof(c->nh[0]));
	return c;
}

void *
vpn_rcu_spare(struct vpn_rcu_versions *vs, void *const *slot,
              struct rte_rcu_qsbr *qs)
{
	const void *cur = *slot;
	int any = -1;

	for (int i = 0; i < VPN_RCU_VERSIONS; i++) {
		if (vs->v[i] == cur || vs->v[i] == NULL)
			continue;
		if (rte_rcu_qsbr_check(qs, vs->token[i], false) == 1)
			return vs->v[i];
		if (any < 0)
			any = i;
	}
	if (any < 0)
		return NULL; /* fewer than two versions */
	/* Each may still be read: wait for the readers once, after which
	 * every one replaced so far is free. */
	vs->waits++;
	rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID);
	return vs->v[any];
}

void
vpn_rcu_publish(struct vpn_rcu_versions *vs, void **slot, void *v,
                struct rte_rcu_qsbr *qs)
{
	void *old = __atomic_exchange_n(slot, v, __ATOMIC_ACQ_REL);

	for (int i = 0; i < VPN_RCU_VERSIONS; i++)
		if (vs->v[i] == old)
			vs->token[i] = rte_rcu_qsbr_start(qs);
}
