/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What differs between two models, option by option (the console's
 * `show configuration diff`, `show startup-config diff`): each object
 * that differs is named on a line of its own, then its options as the
 * file writes them, "- " before the old value and "+ " before the new.
 */
#include <stdlib.h>
#include <string.h>

#include "vpn_cfg.h"

#define VAL_MAX 16384

struct differ {
	FILE *o;
	char *va, *vb;
	unsigned int n; /* options and objects that differ */
};

/* Object x (in a; NULL: new) against y (in b; NULL: deleted). */
static void
obj_diff(struct differ *d, enum vpn_obj kind, const void *x, const void *y,
         const char *head)
{
	bool said = false;

	if (y == NULL) {
		fprintf(d->o, "%s (deleted)\n", head);
		d->n++;
		return;
	}
	for (unsigned int i = 0; i < vpn_opt_count(kind); i++) {
		const char *name = vpn_opt_name(kind, (int)i);
		bool fa = x != NULL &&
		          vpn_opt_format(kind, x, (int)i, d->va, VAL_MAX);
		bool fb = vpn_opt_format(kind, y, (int)i, d->vb, VAL_MAX);

		if (strcmp(name, "name") == 0 ||
		    (fa == fb && (!fa || strcmp(d->va, d->vb) == 0)))
			continue;
		if (!said)
			fprintf(d->o, "%s%s\n", head,
			        x == NULL ? " (new)" : "");
		said = true;
		if (fa)
			fprintf(d->o, "-   %s = %s;\n", name, d->va);
		if (fb)
			fprintf(d->o, "+   %s = %s;\n", name, d->vb);
		d->n++;
	}
	if (x == NULL && !said) { /* new, every option at its default */
		fprintf(d->o, "%s (new)\n", head);
		d->n++;
	}
}

static const struct vpn_cfg_port *
port_find(const struct vpn_cfg *c, const char *name)
{
	for (unsigned int i = 0; i < c->appliance.n_ports; i++)
		if (strcmp(c->appliance.ports[i].name, name) == 0)
			return &c->appliance.ports[i];
	return NULL;
}

static void
conn_diff(struct differ *d, const struct vpn_cfg_conn *x,
          const struct vpn_cfg_conn *y, const char *name)
{
	char head[VPN_NAME_MAX + 48];

	snprintf(head, sizeof(head), "connection %s", name);
	obj_diff(d, VPN_OBJ_CONN, x, y, head);
	if (y == NULL)
		return;
	for (int t = 0; t < VPN_TUNNELS; t++) {
		const struct vpn_cfg_tunnel *tx = x ? &x->tunnels[t] : NULL;
		const struct vpn_cfg_tunnel *ty = &y->tunnels[t];

		snprintf(head, sizeof(head), "connection %s tunnel %d", name,
		         t + 1);
		obj_diff(d, VPN_OBJ_TUNNEL, tx, ty, head);
		snprintf(head, sizeof(head),
		         "connection %s tunnel %d manual_keys", name, t + 1);
		if (ty->manual.present)
			obj_diff(d, VPN_OBJ_MANUAL,
			         tx && tx->manual.present ? &tx->manual : NULL,
			         &ty->manual, head);
		else if (tx && tx->manual.present)
			obj_diff(d, VPN_OBJ_MANUAL, &tx->manual, NULL, head);
	}
}

unsigned int
vpn_cfg_diff(const struct vpn_cfg *a, const struct vpn_cfg *b, FILE *o)
{
	struct differ d = {o, malloc(VAL_MAX), malloc(VAL_MAX), 0};
	char head[VPN_NAME_MAX + 48];

	if (d.va == NULL || d.vb == NULL) {
		fprintf(o, "%% out of memory\n");
		free(d.va);
		free(d.vb);
		return 1;
	}
	obj_diff(&d, VPN_OBJ_APPLIANCE, &a->appliance, &b->appliance,
	         "appliance");
	obj_diff(&d, VPN_OBJ_CONSOLE, &a->appliance.console,
	         &b->appliance.console, "appliance console");
	obj_diff(&d, VPN_OBJ_PKI, &a->appliance.pki, &b->appliance.pki,
	         "appliance pki");
	for (unsigned int i = 0; i < a->appliance.n_ports; i++) {
		const char *n = a->appliance.ports[i].name;

		snprintf(head, sizeof(head), "port %s", n);
		obj_diff(&d, VPN_OBJ_PORT, &a->appliance.ports[i],
		         port_find(b, n), head);
	}
	for (unsigned int i = 0; i < b->appliance.n_ports; i++) {
		const char *n = b->appliance.ports[i].name;

		snprintf(head, sizeof(head), "port %s", n);
		if (port_find(a, n) == NULL)
			obj_diff(&d, VPN_OBJ_PORT, NULL, &b->appliance.ports[i],
			         head);
	}
	for (unsigned int i = 0; i < a->n_cgws; i++) {
		const char *n = a->cgws[i].name;

		snprintf(head, sizeof(head), "customer-gateway %s", n);
		obj_diff(&d, VPN_OBJ_CGW, &a->cgws[i], vpn_cfg_cgw_find(b, n),
		         head);
	}
	for (unsigned int i = 0; i < b->n_cgws; i++) {
		const char *n = b->cgws[i].name;

		snprintf(head, sizeof(head), "customer-gateway %s", n);
		if (vpn_cfg_cgw_find(a, n) == NULL)
			obj_diff(&d, VPN_OBJ_CGW, NULL, &b->cgws[i], head);
	}
	for (unsigned int i = 0; i < a->n_conns; i++)
		conn_diff(&d, &a->conns[i],
		          vpn_cfg_conn_find(b, a->conns[i].name),
		          a->conns[i].name);
	for (unsigned int i = 0; i < b->n_conns; i++)
		if (vpn_cfg_conn_find(a, b->conns[i].name) == NULL)
			conn_diff(&d, NULL, &b->conns[i], b->conns[i].name);
	free(d.va);
	free(d.vb);
	return d.n;
}
