/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CON_PRIV_H
#define CON_PRIV_H

/*
 * What the console's files share (none of it is seen outside them):
 *   console.c       sessions' state, output helpers, run(), the command
 *                   tree, start and stop
 *   con_show.c      the show commands
 *   con_config.c    tunnel, clear, write, configure and its modes
 *   con_complete.c  Tab completion and value validators
 */
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "vpn_console.h"
#include "gw_console.h"
#include "gw_dp.h"
#include "gw_eal.h"
#include "gw_ike.h"
#include "gw_log.h"
#include "gw_routing.h"
#include "gw_running.h"
#include "gw_view.h"
#include "gw_sa.h"

#define MODE_CONN 2 /* connection NAME */
#define MODE_CGW  3 /* customer-gateway NAME */

/* A session's own state: which connection or customer gateway it is
 * configuring. */
struct sess {
	char conn[VPN_NAME_MAX + 1];
	char cgw[VPN_NAME_MAX + 1];
	/* A mode to enter once the command's output is out (enter()). */
	bool mode_change;
	int next_mode;
	char next_prompt[VPN_NAME_MAX + 8];
	/* Configure mode's candidate: the changes made so far (edits of
	 * them), put into effect together by commit; made from generation
	 * base of the running model (con_commit.c). NULL: none yet. */
	struct vpn_cfg *cand;
	uint64_t base;
	unsigned int edits;
	/* The command running: its full name ("tunnel 2 dpd_timeout"). */
	const char *cmd;
};

/* clear counters: what the counters read then, subtracted when shown;
 * every SA there was then (as many as there were). */
struct con_cleared {
	struct vpngw_counters all;
	unsigned int nsa;
	struct base_sa {
		const struct vpn_esp_sa *sa;
		uint32_t spi; /* with sa: a new SA at a freed one's address
		               * is not taken for it */
		struct vpn_esp_stats st;
	} * sa;
	unsigned int ntun; /* every tunnel's ESP then */
	struct con_tunnel_base {
		char name[VPN_NAME_MAX + 8];
		unsigned int slot, ti;
		int ike_peer; /* a connection made again is another tunnel */
		struct vpn_esp_stats in, out;
	} * tun;
};

extern struct con_cleared con_cleared;

/* A `commit confirmed` waiting (under the control lock): the running
 * model before it, put back at deadline unless a commit confirms it. */
struct con_confirm {
	struct vpn_cfg *prev; /* NULL: none pending */
	uint64_t deadline;    /* vpngw_now_ms() */
	unsigned int seconds;
	uint64_t gen; /* the running model's generation it made */
};
extern struct con_confirm con_confirm;
extern struct vpn_console *con_console;
extern time_t con_started;

typedef void (*cmd_fn)(struct cli_def *cli, FILE *o);
int run(struct cli_def *cli, cmd_fn fn);

/* A command: words no argument took are refused (CMD), or, when its last
 * argument takes the rest of the line (CMD_REST), left in that argument
 * (libcli passes them on as argv too). */
#define CMD_(name, rest)                                                      \
	static void name##_do(struct cli_def *cli, FILE *o);                  \
	int name(struct cli_def *cli, const char *cmd, char **argv, int argc) \
	{                                                                     \
		con_sess_of(cli)->cmd = cmd;                                  \
		if (argc > 0 && !(rest)) {                                    \
			vpn_console_invalid(cli, argv);                       \
			return CLI_ERROR;                                     \
		}                                                             \
		return run(cli, name##_do);                                   \
	}                                                                     \
	static void name##_do(struct cli_def *cli, FILE *o)
#define CMD(name)      CMD_(name, false)
#define CMD_REST(name) CMD_(name, true)

/* The commands, for the command tree. */
int cgw_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int cgw_set_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int clear_bgp(struct cli_def *cli, const char *cmd, char **argv, int argc);
int clear_counters(struct cli_def *cli, const char *cmd, char **argv, int argc);
int conn_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int no_cgw_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int no_conn_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int route_add(struct cli_def *cli, const char *cmd, char **argv, int argc);
int route_del(struct cli_def *cli, const char *cmd, char **argv, int argc);
int set_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_bgp_neighbors(struct cli_def *cli, const char *cmd, char **argv,
                       int argc);
int show_bgp_summary(struct cli_def *cli, const char *cmd, char **argv,
                     int argc);
int show_cgw_config(struct cli_def *cli, const char *cmd, char **argv,
                    int argc);
int show_connections(struct cli_def *cli, const char *cmd, char **argv,
                     int argc);
int show_counters(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_health(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_ike_sa(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_pki(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_interfaces(struct cli_def *cli, const char *cmd, char **argv,
                    int argc);
int show_ipsec_sa(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_log(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_routes(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_running(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_tunnels(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_version(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_clock(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_arp(struct cli_def *cli, const char *cmd, char **argv, int argc);
/* con_ping.c (without the control lock) */
int ping_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int traceroute_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_users(struct cli_def *cli, const char *cmd, char **argv, int argc);
int terminal_monitor(struct cli_def *cli, const char *cmd, char **argv,
                     int argc);
int terminal_length(struct cli_def *cli, const char *cmd, char **argv,
                    int argc);
int valid_lines(struct cli_def *cli, const char *name, const char *value);
int terminal_no_monitor(struct cli_def *cli, const char *cmd, char **argv,
                        int argc);
int valid_tunnel_name(struct cli_def *cli, const char *name, const char *value);
int tunnel_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int tunnel_set_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int write_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int reload_pki(struct cli_def *cli, const char *cmd, char **argv, int argc);

/* con_complete.c */
int complete_tunnels(struct cli_def *cli, const char *name, const char *word,
                     struct cli_comphelp *ch);
int complete_conns(struct cli_def *cli, const char *name, const char *word,
                   struct cli_comphelp *ch);
int complete_cgws(struct cli_def *cli, const char *name, const char *word,
                  struct cli_comphelp *ch);
int complete_action(struct cli_def *cli, const char *name, const char *word,
                    struct cli_comphelp *ch);
int valid_action(struct cli_def *cli, const char *name, const char *value);
int valid_neighbor(struct cli_def *cli, const char *name, const char *value);

/* con_config.c */
int con_configure(struct cli_def *cli, const char *cmd, char **argv, int argc);
int con_end(struct cli_def *cli, const char *cmd, char **argv, int argc);
int con_up(struct cli_def *cli, const char *cmd, char **argv, int argc);
int con_exit(struct cli_def *cli, const char *cmd, char **argv, int argc);
/* An edit of the session's candidate (nothing runs until commit). */
int con_change(struct cli_def *cli, FILE *o,
               int (*edit)(struct vpn_cfg *cand, void *con_arg, FILE *o),
               void *con_arg);

/* con_commit.c: the candidate, commit, commit confirmed, rollback, abort,
 * show configuration diff, show startup-config */
int commit_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int commit_confirmed_cmd(struct cli_def *cli, const char *cmd, char **argv,
                         int argc);
int rollback_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int abort_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_config_diff(struct cli_def *cli, const char *cmd, char **argv,
                     int argc);
int show_startup(struct cli_def *cli, const char *cmd, char **argv, int argc);
int valid_seconds(struct cli_def *cli, const char *name, const char *value);
/* The session's candidate, made from the running model when it has none. */
struct vpn_cfg *con_cand(struct cli_def *cli);
void con_cand_free(struct sess *ss);

/* console.c */
struct sess *con_sess_of(struct cli_def *cli);
void con_json_str(FILE *o, const char *s);
const char *con_ip(uint32_t a, char *b);
void con_uptime(FILE *o, double s);
bool con_has_flag(struct cli_def *cli, const char *name);
void con_arg(struct cli_command *c, const char *name, int flags, int priv,
             const char *help,
             int (*comp)(struct cli_def *, const char *, const char *,
                         struct cli_comphelp *),
             int (*valid)(struct cli_def *, const char *, const char *));

#endif /* CON_PRIV_H */
