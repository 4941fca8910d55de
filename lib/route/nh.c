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
vpn_rcu_swap(void **slot, void *v, struct rte_rcu_qsbr *qs)
{
	void *old = __atomic_exchange_n(slot, v, __ATOMIC_ACQ_REL);

	rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID);
	return old;
}
