/* SPDX-License-Identifier: BSD-3-Clause */
/* tunnel NAME up|down|reset, clear counters, write, and configure: connections,
 * customer gateways, their options, through vpngw_apply(). See console.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_version.h>

#include "con_priv.h"
#include "gw_pki.h"

/* ---- tunnel, clear, write ------------------------------------------------ */

CMD(tunnel_cmd)
{
	const char *name = cli_get_optarg_value(cli, "name", NULL);
	const char *act = cli_get_optarg_value(cli, "action", NULL);
	int what = strcmp(act, "up") == 0     ? VPNGW_TUNNEL_UP
	           : strcmp(act, "down") == 0 ? VPNGW_TUNNEL_DOWN
	                                      : VPNGW_TUNNEL_RESET;

	if (vpngw_tunnel_admin(name, what, o) == 0)
		fprintf(o, "tunnel %s: %s\n", name, act);
}

/* Every tunnel's ESP counters now, the base they are shown from. */
static void
cleared_tunnels(void)
{
	struct vpngw_tunnel_view *v =
	        calloc(VPN_MAX_CONNS * VPN_TUNNELS, sizeof(*v));
	unsigned int n =
	        v ? vpngw_view_tunnels(v, VPN_MAX_CONNS * VPN_TUNNELS) : 0;

	free(con_cleared.tun);
	con_cleared.ntun = 0;
	con_cleared.tun = calloc(n ? n : 1, sizeof(*con_cleared.tun));
	for (unsigned int i = 0; con_cleared.tun != NULL && i < n; i++) {
		struct con_tunnel_base *b =
		        &con_cleared.tun[con_cleared.ntun++];

		snprintf(b->name, sizeof(b->name), "%s", v[i].name);
		b->slot = v[i].slot;
		b->ti = v[i].ti;
		b->ike_peer = v[i].ike_peer;
		b->in = v[i].in;
		b->out = v[i].out;
	}
	free(v);
}

CMD(clear_counters)
{
	struct vpngw_sas *sas = vpngw_running_sas();

	(void)cli;
	vpngw_view_counters(&con_cleared.all);
	pthread_mutex_lock(&sas->lock);
	free(con_cleared.sa);
	con_cleared.nsa = 0;
	con_cleared.sa = calloc(sas->n ? sas->n : 1, sizeof(*con_cleared.sa));
	for (unsigned int i = 0; con_cleared.sa != NULL && i < sas->n; i++) {
		con_cleared.sa[con_cleared.nsa].sa = sas->sas[i];
		con_cleared.sa[con_cleared.nsa].spi =
		        vpn_esp_sa_spi(sas->sas[i]);
		vpn_esp_sa_stats(sas->sas[i],
		                 &con_cleared.sa[con_cleared.nsa++].st);
	}
	pthread_mutex_unlock(&sas->lock);
	cleared_tunnels();
	vpngw_log("counters cleared by the console");
	fprintf(o, "counters cleared\n");
}

CMD(write_cmd)
{
	(void)cli;
	/* Saved, an unconfirmed change would outlive its rollback. */
	if (con_confirm.prev != NULL)
		fprintf(o, "%% a commit confirmed is pending: commit to "
		           "confirm it, then write\n");
	else
		vpngw_save(o);
}

/* Renewed certificate files (and CRLs) without a restart or a SIGHUP. */
CMD(reload_pki)
{
	(void)cli;
	(void)vpngw_pki_reload(o);
}

/* ---- configure ----------------------------------------------------------- */

/* Once the output is out, the session is in mode (prompt: NULL or
 * "prefix-name"). */
static void
to_mode(struct cli_def *cli, int mode, const char *prompt)
{
	struct sess *ss = con_sess_of(cli);

	snprintf(ss->next_prompt, sizeof(ss->next_prompt), "%s",
	         prompt ? prompt : "");
	ss->next_mode = mode;
	ss->mode_change = true;
}

/* configure [terminal]: changes collect in the session's candidate. */
CMD(con_configure)
{
	struct sess *ss = con_sess_of(cli);

	if (ss->cand != NULL && ss->edits > 0)
		fprintf(o,
		        "%% %u uncommitted change(s) kept from before: commit "
		        "to apply them, abort to discard them\n",
		        ss->edits);
	if (con_cand(cli) == NULL)
		fprintf(o, "%% out of memory\n");
	else
		to_mode(cli, MODE_CONFIG, NULL);
}

/* end, and exit at the top of configure mode: the candidate stays. */
CMD(con_end)
{
	struct sess *ss = con_sess_of(cli);

	if (ss->edits > 0)
		fprintf(o,
		        "%% %u uncommitted change(s) kept: configure, then "
		        "commit to apply them or abort to discard them\n",
		        ss->edits);
	to_mode(cli, MODE_EXEC, NULL);
}

/* exit in a connection or customer gateway: back to configure mode (libcli
 * would take configure mode's exit, which leaves it). */
CMD(con_up)
{
	(void)o;
	to_mode(cli, MODE_CONFIG, NULL);
}

int
con_exit(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	if (cli->mode == MODE_EXEC) {
		if (argc > 0) {
			vpn_console_invalid(cli, argv);
			return CLI_ERROR;
		}
		return cli_quit(cli, cmd, argv, argc);
	}
	return cli->mode == MODE_CONFIG ? con_end(cli, cmd, argv, argc)
	                                : con_up(cli, cmd, argv, argc);
}

/* A change made by edit() to the session's candidate (commit applies). */
int
con_change(struct cli_def *cli, FILE *o,
           int (*edit)(struct vpn_cfg *cand, void *con_arg, FILE *o),
           void *con_arg)
{
	struct sess *ss = con_sess_of(cli);
	struct vpn_cfg *cand = con_cand(cli);
	/* On a copy: a refused edit leaves nothing half done. */
	struct vpn_cfg *next = cand ? vpn_cfg_dup(cand) : NULL;

	if (next == NULL) {
		fprintf(o, "%% out of memory\n");
		return -ENOMEM;
	}
	if (edit(next, con_arg, o) != 0) {
		vpn_cfg_free(next);
		return -EINVAL;
	}
	vpn_cfg_free(ss->cand);
	ss->cand = next;
	ss->edits++;
	return 0;
}

struct conn_arg {
	const char *name, *cgw;
};

static int
edit_conn_add(struct vpn_cfg *cand, void *con_arg, FILE *o)
{
	const struct conn_arg *a = con_arg;
	char err[256];

	if (vpn_check_name(a->name, err, sizeof(err)) != 0) {
		fprintf(o, "%% %s\n", err);
		return -EINVAL;
	}
	/* Its slot is chosen when applied. */
	if (vpn_cfg_conn_add(cand, a->name, a->cgw, VPN_MAX_CONNS) == NULL) {
		fprintf(o, "%% cannot add connection %s: %s\n", a->name,
		        strerror(errno));
		return -errno;
	}
	return 0;
}

static int
edit_conn_del(struct vpn_cfg *cand, void *con_arg, FILE *o)
{
	const struct conn_arg *a = con_arg;

	if (vpn_cfg_conn_del(cand, a->name) != 0) {
		fprintf(o, "%% no connection %s\n", a->name);
		return -ENOENT;
	}
	return 0;
}

/* Once the command's output is out, the session enters mode for name
 * (kept in field, VPN_NAME_MAX + 1 bytes; the prompt shows prefix-name). */
static void
enter(struct cli_def *cli, char *field, const char *name, int mode,
      const char *prefix)
{
	struct sess *ss = con_sess_of(cli);

	snprintf(field, VPN_NAME_MAX + 1, "%s", name);
	snprintf(ss->next_prompt, sizeof(ss->next_prompt), "%s-%s", prefix,
	         name);
	ss->next_mode = mode;
	ss->mode_change = true;
}

CMD(conn_cmd)
{
	struct conn_arg a = {
	        cli_get_optarg_value(cli, "name", NULL),
	        cli_get_optarg_value(cli, "customer-gateway", NULL)};
	struct vpn_cfg *cand = con_cand(cli);
	bool ok = cand != NULL && vpn_cfg_conn_find(cand, a.name) != NULL;

	if (!ok && a.cgw == NULL)
		fprintf(o,
		        "%% no connection %s; to create one: connection "
		        "%s customer-gateway CGW\n",
		        a.name, a.name);
	else if (!ok)
		ok = con_change(cli, o, edit_conn_add, &a) == 0;
	if (ok)
		enter(cli, con_sess_of(cli)->conn, a.name, MODE_CONN, "conn");
}

CMD(no_conn_cmd)
{
	struct conn_arg a = {cli_get_optarg_value(cli, "name", NULL), NULL};

	con_change(cli, o, edit_conn_del, &a);
}

/* customer-gateway NAME [address A.B.C.D]: name and, when given, the
 * address (a new one needs it unless it authenticates by certificate). */
struct cgw_arg {
	const char *name, *address;
};

static int
edit_cgw_add(struct vpn_cfg *cand, void *con_arg, FILE *o)
{
	const struct cgw_arg *a = con_arg;
	struct vpn_cfg_cgw *g = vpn_cfg_cgw_find(cand, a->name);
	char err[256];

	if (g == NULL) {
		if (vpn_check_name(a->name, err, sizeof(err)) != 0) {
			fprintf(o, "%% %s\n", err);
			return -EINVAL;
		}
		g = vpn_cfg_cgw_add(cand, a->name);
		if (g == NULL) {
			fprintf(o, "%% cannot add customer gateway %s: %s\n",
			        a->name, strerror(errno));
			return -errno;
		}
	}
	if (a->address != NULL &&
	    vpn_opt_set(VPN_OBJ_CGW, g, vpn_opt_find(VPN_OBJ_CGW, "address"),
	                &a->address, 1, err, sizeof(err)) != 0) {
		fprintf(o, "%% address: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

static int
edit_cgw_del(struct vpn_cfg *cand, void *con_arg, FILE *o)
{
	const struct cgw_arg *a = con_arg;
	int rc = vpn_cfg_cgw_del(cand, a->name);

	if (rc == -ENOENT)
		fprintf(o, "%% no customer gateway %s\n", a->name);
	else if (rc == -EBUSY)
		for (unsigned int i = 0; i < cand->n_conns; i++)
			if (strcmp(cand->conns[i].customer_gateway, a->name) ==
			    0)
				fprintf(o,
				        "%% customer gateway %s: connection "
				        "%s is on it (delete that first)\n",
				        a->name, cand->conns[i].name);
	return rc;
}

CMD(cgw_cmd)
{
	struct cgw_arg a = {cli_get_optarg_value(cli, "name", NULL),
	                    cli_get_optarg_value(cli, "address", NULL)};
	struct vpn_cfg *cand = con_cand(cli);
	bool ok = cand != NULL && vpn_cfg_cgw_find(cand, a.name) != NULL &&
	          a.address == NULL;

	if (!ok)
		ok = con_change(cli, o, edit_cgw_add, &a) == 0;
	if (ok)
		enter(cli, con_sess_of(cli)->cgw, a.name, MODE_CGW, "cgw");
}

CMD(no_cgw_cmd)
{
	struct cgw_arg a = {cli_get_optarg_value(cli, "name", NULL), NULL};

	con_change(cli, o, edit_cgw_del, &a);
}

/* An option of the connection being configured (tunnel 0: the
 * connection's own, 1 or 2: a tunnel's). */
struct opt_arg {
	const char *conn; /* NULL: the customer gateway cgw's option */
	const char *cgw;
	int tunnel;
	const char *name;
	const char *const *vals;
	unsigned int n;
	bool add, del; /* static-route add / remove */
};

static int
edit_opt(struct vpn_cfg *cand, void *con_arg, FILE *o)
{
	const struct opt_arg *a = con_arg;
	struct vpn_cfg_conn *c =
	        a->conn ? vpn_cfg_conn_find(cand, a->conn) : NULL;
	struct vpn_cfg_cgw *g = a->conn ? NULL : vpn_cfg_cgw_find(cand, a->cgw);
	enum vpn_obj kind = g           ? VPN_OBJ_CGW
	                    : a->tunnel ? VPN_OBJ_TUNNEL
	                                : VPN_OBJ_CONN;
	const char *what = g           ? "customer gateway"
	                   : a->tunnel ? "tunnel"
	                               : "connection";
	void *obj;
	char err[256];
	int idx;

	if (c == NULL && g == NULL) {
		fprintf(o, "%% %s %s is gone\n", what,
		        a->conn ? a->conn : a->cgw);
		return -ENOENT;
	}
	obj = g           ? (void *)g
	      : a->tunnel ? (void *)&c->tunnels[a->tunnel - 1]
	                  : (void *)c;
	idx = vpn_opt_find(kind, a->name);
	if (idx < 0 || strcmp(a->name, "name") == 0 ||
	    strcmp(a->name, "tunnels") == 0) {
		fprintf(o, "%% no %s option %s\n", what, a->name);
		return -EINVAL;
	}
	if (a->add || a->del) {
		/* static-route PREFIX: the list with it added or taken
		 * out, set as a whole like the file sets it. */
		struct vpn_prefix p;
		const char *v[VPN_MAX_PREFIXES + 1];
		char txt[VPN_MAX_PREFIXES + 1][VPN_PREFIX_STRLEN];
		unsigned int n = 0;
		bool found = false;

		if (vpn_prefix_parse(a->vals[0], VPN_PREFIX_NET, &p) != 0) {
			fprintf(o, "%% %s is not a network (A.B.C.D/N)\n",
			        a->vals[0]);
			return -EINVAL;
		}
		for (unsigned int i = 0; i < c->static_routes.n; i++) {
			if (vpn_prefix_equal(&c->static_routes.v[i], &p)) {
				found = true;
				if (a->del)
					continue;
			}
			vpn_prefix_format(&c->static_routes.v[i], txt[n]);
			v[n] = txt[n];
			n++;
		}
		if (a->del && !found) {
			fprintf(o, "%% no static route %s\n", a->vals[0]);
			return -ENOENT;
		}
		if (a->add && found)
			return 0;
		if (a->add) {
			vpn_prefix_format(&p, txt[n]);
			v[n] = txt[n];
			n++;
		}
		if (vpn_opt_set(kind, obj, idx, v, n, err, sizeof(err)) != 0) {
			fprintf(o, "%% %s\n", err);
			return -EINVAL;
		}
		return 0;
	}
	/* err names the option. */
	if (vpn_opt_set(kind, obj, idx, a->vals, a->n, err, sizeof(err)) != 0) {
		fprintf(o, "%% %s\n", err);
		return -EINVAL;
	}
	return 0;
}

/* Split "a b, c" (the rest of the line) into values. */
static unsigned int
split(char *s, const char **v, unsigned int max)
{
	unsigned int n = 0;

	for (char *t = strtok(s, " ,[]\""); t && n < max;
	     t = strtok(NULL, " ,[]\""))
		v[n++] = t;
	return n;
}

static void
opt_run(struct cli_def *cli, FILE *o, bool cgw, int tunnel, const char *name,
        const char *value, bool add, bool del)
{
	/* cgw: the customer gateway's option, else the connection's. */
	struct opt_arg a = {cgw ? NULL : con_sess_of(cli)->conn,
	                    con_sess_of(cli)->cgw,
	                    tunnel,
	                    name,
	                    NULL,
	                    0,
	                    add,
	                    del};
	const char *v[VPN_MAX_PREFIXES + 1];
	char buf[CLI_MAX_LINE_LENGTH];

	snprintf(buf, sizeof(buf), "%s", value ? value : "");
	a.n = split(buf, v, VPN_MAX_PREFIXES + 1);
	a.vals = v;
	if (a.n == 0) {
		fprintf(o, "%% %s needs a value\n", name);
		return;
	}
	if (a.n > VPN_MAX_PREFIXES) {
		fprintf(o, "%% at most %d values\n", VPN_MAX_PREFIXES);
		return;
	}
	con_change(cli, o, edit_opt, &a);
}

CMD(route_add)
{
	opt_run(cli, o, false, 0, "static_routes",
	        cli_get_optarg_value(cli, "prefix", NULL), true, false);
}

CMD(route_del)
{
	opt_run(cli, o, false, 0, "static_routes",
	        cli_get_optarg_value(cli, "prefix", NULL), false, true);
}

/* The option is the command's last word ("set steering", "tunnel 2
 * dpd_timeout": libcli gives the full names, whatever was typed). */
static const char *
opt_of(const char *cmd)
{
	const char *sp = strrchr(cmd, ' ');

	return sp ? sp + 1 : cmd;
}

CMD_REST(set_cmd)
{
	opt_run(cli, o, false, 0, opt_of(con_sess_of(cli)->cmd),
	        cli_get_optarg_value(cli, "value", NULL), false, false);
}

CMD_REST(cgw_set_cmd)
{
	opt_run(cli, o, true, 0, opt_of(con_sess_of(cli)->cmd),
	        cli_get_optarg_value(cli, "value", NULL), false, false);
}

CMD_REST(tunnel_set_cmd)
{
	/* "tunnel 1 OPTION" or "tunnel 2 OPTION" */
	opt_run(cli, o, false,
	        strncmp(con_sess_of(cli)->cmd, "tunnel 2 ", 9) == 0 ? 2 : 1,
	        opt_of(con_sess_of(cli)->cmd),
	        cli_get_optarg_value(cli, "value", NULL), false, false);
}
