/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console's commands (lib/console runs the sessions). Each command
 * runs on its session's thread under the control lock, writing into a
 * memory buffer; the buffer goes to the client after the lock is dropped,
 * so a slow client never holds the control core up. Changes go through
 * vpngw_apply() on a copy of the running model: the same checks and the
 * same application as the file read again.
 *
 *   show version | vpn connections | tunnels [detail] | ipsec sa [detail]
 *        | ike sa | routes | interfaces | counters | log [tunnel NAME]
 *        | running-config | customer-gateway-config CONN [FORMAT] | pki
 *        (each also takes "json")
 *   tunnel NAME up|down|reset        clear counters        write
 *   show configuration diff | startup-config [diff]
 *   configure [terminal]          (changes collect in a candidate)
 *     connection NAME [customer-gateway CGW]    no connection NAME
 *       static-route PREFIX   no static-route PREFIX
 *       set OPTION VALUE...   tunnel 1|2 OPTION VALUE...
 *     customer-gateway NAME [address A.B.C.D]   no customer-gateway NAME
 *       set OPTION VALUE...
 *     commit [confirmed [SECONDS]]   rollback   abort   end
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_version.h>

#include "vpn_console.h"
#include "gw_console.h"
#include "gw_dp.h"
#include "gw_eal.h"
#include "gw_ike.h"
#include "gw_log.h"
#include "gw_running.h"
#include "gw_sa.h"
#include "con_priv.h"

struct con_cleared con_cleared;
struct vpn_console *con_console;
time_t con_started;

struct sess *
con_sess_of(struct cli_def *cli)
{
	return cli_get_context(cli);
}

/* ---- output helpers ------------------------------------------------------ */

void
con_json_str(FILE *o, const char *s)
{
	fputc('"', o);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", c);
		else if (c < 0x20)
			fprintf(o, "\\u%04x", c);
		else
			fputc(c, o);
	}
	fputc('"', o);
}

const char *
con_ip(uint32_t a, char *b)
{
	return vpn_ipv4_format(a, b);
}

void
con_uptime(FILE *o, double s)
{
	unsigned long long t = s < 0 ? 0 : (unsigned long long)s;

	if (s < 0)
		fprintf(o, "never");
	else if (t >= 86400)
		fprintf(o, "%llud%02lluh%02llum", t / 86400, t / 3600 % 24,
		        t / 60 % 60);
	else
		fprintf(o, "%02llu:%02llu:%02llu", t / 3600, t / 60 % 60,
		        t % 60);
}

bool
con_has_flag(struct cli_def *cli, const char *name)
{
	return cli_get_optarg_value(cli, name, NULL) != NULL;
}

/* Run fn under the control lock into a buffer, then print it. */
int
run(struct cli_def *cli, cmd_fn fn)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);

	if (o == NULL) {
		cli_error(cli, "%% out of memory");
		return CLI_ERROR;
	}
	vpngw_ctl_lock();
	fn(cli, o);
	vpngw_ctl_unlock();
	fclose(o);
	vpn_console_print(cli, buf, len);
	free(buf);
	struct sess *ss = con_sess_of(cli);

	if (ss != NULL && ss->mode_change) {
		cli_set_configmode(cli, ss->next_mode,
		                   ss->next_prompt[0] ? ss->next_prompt : NULL);
		ss->mode_change = false;
	}
	return CLI_OK;
}

/* ---- the command tree --------------------------------------------------- */

static struct cli_command *
reg(struct cli_def *cli, struct cli_command *parent, const char *name,
    int (*fn)(struct cli_def *, const char *, char **, int), int priv, int mode,
    const char *help)
{
	return cli_register_command(cli, parent, name, fn, priv, mode, help);
}

static void
flag(struct cli_command *c, const char *name, const char *help)
{
	cli_register_optarg(c, name, CLI_CMD_OPTIONAL_FLAG,
	                    PRIVILEGE_UNPRIVILEGED, MODE_ANY, help, NULL, NULL,
	                    NULL);
}

void
con_arg(struct cli_command *c, const char *name, int flags, int priv,
        const char *help,
        int (*comp)(struct cli_def *, const char *, const char *,
                    struct cli_comphelp *),
        int (*valid)(struct cli_def *, const char *, const char *))
{
	cli_register_optarg(c, name, flags, priv, MODE_ANY, help, comp, valid,
	                    NULL);
}

/* Under parent, a command for each option of kind (as in the file):
 * OPTION VALUE..., its help the option's, and `?` after it says what the
 * value may be, its default, and the words it takes. */
static void
reg_opts(struct cli_def *cli, struct cli_command *parent, enum vpn_obj kind,
         int (*fn)(struct cli_def *, const char *, char **, int), int mode)
{
	for (unsigned int i = 0; i < vpn_opt_count(kind); i++) {
		const char *name = vpn_opt_name(kind, (int)i);
		struct vpn_opt_info in;
		struct cli_command *c;
		struct cli_optarg *v;
		char help[256];

		if (strcmp(name, "name") == 0 || strcmp(name, "tunnels") == 0)
			continue;
		vpn_opt_info(kind, (int)i, &in);
		c = reg(cli, parent, name, fn, PRIVILEGE_PRIVILEGED, mode,
		        in.help);
		if (c == NULL)
			continue;
		snprintf(help, sizeof(help), "%s%s; %s%s%s", in.syntax,
		         in.list ? " (space or comma between values)" : "",
		         in.deflt == NULL ? "no default"
		         : in.deflt[0]    ? "default "
		                          : "default: none",
		         in.deflt ? in.deflt : "", in.names ? ":" : "");
		v = cli_register_optarg(
		        c, "value",
		        CLI_CMD_ARGUMENT | CLI_CMD_REMAINDER_OF_LINE,
		        PRIVILEGE_PRIVILEGED, MODE_ANY, help, NULL, NULL, NULL);
		/* libcli shows a value's line only with some text. */
		for (const char *const *w = in.names; v && w && *w; w++)
			cli_optarg_addhelp(
			        v, *w,
			        in.deflt && !in.list &&
			                        strcmp(in.deflt, *w) == 0
			                ? "(the default)"
			                : "-");
	}
}

/* ping's and traceroute's target, source and timeout. */
static struct cli_command *
ping_args(struct cli_command *c)
{
	const int U = PRIVILEGE_UNPRIVILEGED;

	if (c == NULL)
		return NULL;
	con_arg(c, "target", CLI_CMD_ARGUMENT, U, "A.B.C.D", NULL, NULL);
	con_arg(c, "source", CLI_CMD_OPTIONAL_ARGUMENT, U,
	        "From this address of ours (inside, a tunnel's)", NULL, NULL);
	con_arg(c, "timeout", CLI_CMD_OPTIONAL_ARGUMENT, U,
	        "Seconds to wait for each answer, 1-10 (2)", NULL, NULL);
	return c;
}

static void
setup(struct cli_def *cli, void *ctx)
{
	const int U = PRIVILEGE_UNPRIVILEGED, P = PRIVILEGE_PRIVILEGED;
	struct cli_command *show, *c, *sub;
	struct sess *s = calloc(1, sizeof(*s));

	(void)ctx;
	if (s == NULL) /* no commands: the session can only quit */
		return;
	cli_set_context(cli, s);
	show = reg(cli, NULL, "show", NULL, U, MODE_ANY, "Show the state");
	c = reg(cli, show, "version", show_version, U, MODE_ANY,
	        "Version and uptime");
	flag(c, "json", "As JSON");
	sub = reg(cli, show, "vpn", NULL, U, MODE_ANY, "VPN connections");
	c = reg(cli, sub, "connections", show_connections, U, MODE_ANY,
	        "Each VPN connection and how many tunnels are up");
	flag(c, "json", "As JSON");
	c = reg(cli, show, "tunnels", show_tunnels, U, MODE_ANY,
	        "Each tunnel: state, addresses, phase 1/2, last change");
	flag(c, "detail", "Everything about each tunnel");
	flag(c, "json", "As JSON");
	/* After the flags: their abbreviations are theirs. */
	con_arg(c, "name", CLI_CMD_OPTIONAL_FLAG, U,
	        "Only this tunnel (CONNECTION/N) or connection's",
	        complete_tunnels, valid_tunnel_name);
	c = ping_args(reg(cli, NULL, "ping", ping_cmd, U, MODE_EXEC,
	                  "ICMP echo through the data plane (a tunnel, as "
	                  "routed)"));
	con_arg(c, "count", CLI_CMD_OPTIONAL_ARGUMENT, U, "1-100 (5)", NULL,
	        NULL);
	con_arg(c, "size", CLI_CMD_OPTIONAL_ARGUMENT, U,
	        "ICMP data bytes 0-1472 (100)", NULL, NULL);
	c = ping_args(reg(cli, NULL, "traceroute", traceroute_cmd, U, MODE_EXEC,
	                  "The hops to an address (ICMP echo, TTL 1 up)"));
	con_arg(c, "maxttl", CLI_CMD_OPTIONAL_ARGUMENT, U, "1-30 (30)", NULL,
	        NULL);
	c = reg(cli, show, "arp", show_arp, U, MODE_ANY,
	        "Each port's neighbours: address, MAC, static or learned");
	flag(c, "json", "As JSON");
	reg(cli, show, "clock", show_clock, U, MODE_ANY,
	    "The time (UTC) and how long vpngw has run");
	reg(cli, show, "users", show_users, U, MODE_ANY,
	    "The console's sessions (* is this one)");
	sub = reg(cli, NULL, "terminal", NULL, U, MODE_EXEC,
	          "This session's settings");
	reg(cli, sub, "monitor", terminal_monitor, U, MODE_EXEC,
	    "Show log lines here as they come");
	c = reg(cli, sub, "length", terminal_length, U, MODE_EXEC,
	        "Lines a page of output (--More--); 0: no paging");
	con_arg(c, "lines", CLI_CMD_ARGUMENT, U, "0-512", NULL, valid_lines);
	c = reg(cli, sub, "no", NULL, U, MODE_EXEC, "Turn off");
	reg(cli, c, "monitor", terminal_no_monitor, U, MODE_EXEC,
	    "Log lines no more");
	sub = reg(cli, show, "ipsec", NULL, U, MODE_ANY, "ESP");
	c = reg(cli, sub, "sa", show_ipsec_sa, U, MODE_ANY,
	        "Each ESP SA: SPI, algorithm, counters, lifetime");
	flag(c, "detail", "Every drop counter, replay window");
	flag(c, "json", "As JSON");
	sub = reg(cli, show, "ike", NULL, U, MODE_ANY, "IKEv2");
	c = reg(cli, sub, "sa", show_ike_sa, U, MODE_ANY, "Each IKE SA");
	flag(c, "detail", "With the last change and the peer's certificate");
	flag(c, "json", "As JSON");
	c = reg(cli, show, "routes", show_routes, U, MODE_ANY,
	        "Connected, static and BGP routes, selected, next tunnel");
	flag(c, "json", "As JSON");
	/* What a router's operator types (it was taken for "ipsec"). */
	sub = reg(cli, show, "ip", NULL, U, MODE_ANY, "IP routing");
	c = reg(cli, sub, "route", show_routes, U, MODE_ANY,
	        "The routes, as show routes");
	flag(c, "json", "As JSON");
	c = reg(cli, show, "pki", show_pki, U, MODE_ANY,
	        "Our certificate, intermediates and CA: subjects, expiry");
	flag(c, "json", "As JSON");
	c = reg(cli, show, "health", show_health, U, MODE_ANY,
	        "Health checks: each probed tunnel, its probes and state");
	flag(c, "json", "As JSON");
	sub = reg(cli, show, "bgp", NULL, U, MODE_ANY,
	          "BGP over the tunnels (FRR, run by vpngw)");
	c = reg(cli, sub, "summary", show_bgp_summary, U, MODE_ANY,
	        "Each session: tunnel, neighbor, state, prefixes");
	flag(c, "json", "As JSON");
	c = reg(cli, sub, "neighbors", show_bgp_neighbors, U, MODE_ANY,
	        "bgpd's detail of each session, or of one");
	/* A word of its own, not "neighbor X": a flag its validator
	 * recognises. */
	con_arg(c, "neighbor", CLI_CMD_OPTIONAL_FLAG, U,
	        "A session: its address or CONNECTION/N", complete_tunnels,
	        valid_neighbor);
	flag(c, "json", "As JSON (bgpd's)");
	c = reg(cli, show, "interfaces", show_interfaces, U, MODE_ANY,
	        "DPDK ports and their counters");
	flag(c, "json", "As JSON");
	c = reg(cli, show, "counters", show_counters, U, MODE_ANY,
	        "Every counter: ports, drops by reason, IKE, console");
	flag(c, "json", "As JSON");
	c = reg(cli, show, "log", show_log, U, MODE_ANY,
	        "The recent log (last 200 lines)");
	con_arg(c, "tunnel", CLI_CMD_OPTIONAL_ARGUMENT, U,
	        "Only lines about tunnel CONNECTION/N", complete_tunnels, NULL);
	flag(c, "json", "As JSON");
	c = reg(cli, show, "running-config", show_running, U, MODE_ANY,
	        "The running configuration, every option");
	con_arg(c, "connection", CLI_CMD_OPTIONAL_ARGUMENT, U,
	        "Only this connection (and its customer gateway)",
	        complete_conns, NULL);
	flag(c, "json", "As JSON (numbers, booleans, strings, lists)");
	sub = reg(cli, show, "configuration", NULL, P, MODE_ANY,
	          "The candidate configuration (configure mode)");
	reg(cli, sub, "diff", show_config_diff, P, MODE_ANY,
	    "Its uncommitted changes against the running configuration");
	c = reg(cli, show, "startup-config", show_startup, P, MODE_ANY,
	        "The configuration file, as on disk");
	flag(c, "diff",
	     "What differs between it and the running "
	     "configuration");
	c = reg(cli, show, "customer-gateway-config", show_cgw_config, U,
	        MODE_ANY, "What the customer gateway needs for a connection");
	con_arg(c, "connection", CLI_CMD_ARGUMENT, U, "VPN connection",
	        complete_conns, NULL);
	flag(c, "strongswan", "swanctl.conf (the default)");
	flag(c, "frr", "FRR BGP configuration");
	flag(c, "generic", "Plain text, every parameter");
	flag(c, "json", "As JSON (the configuration's lines)");

	c = reg(cli, NULL, "tunnel", tunnel_cmd, P, MODE_EXEC,
	        "Take a tunnel up, down, or renegotiate it");
	con_arg(c, "name", CLI_CMD_ARGUMENT, P, "CONNECTION/1 or /2",
	        complete_tunnels, NULL);
	con_arg(c, "action", CLI_CMD_ARGUMENT, P, "up, down or reset",
	        complete_action, valid_action);
	sub = reg(cli, NULL, "clear", NULL, P, MODE_EXEC, "Clear");
	reg(cli, sub, "counters", clear_counters, P, MODE_EXEC,
	    "Count from zero again (what show displays)");
	c = reg(cli, sub, "bgp", clear_bgp, P, MODE_EXEC,
	        "Reset a BGP session (or all)");
	con_arg(c, "neighbor", CLI_CMD_ARGUMENT, P,
	        "Its address, CONNECTION/N, or all", complete_tunnels, NULL);
	sub = reg(cli, NULL, "reload", NULL, P, MODE_EXEC, "Read again");
	reg(cli, sub, "pki", reload_pki, P, MODE_EXEC,
	    "appliance.pki's files (renewed certificates, CRLs); SAs up "
	    "stay");
	reg(cli, NULL, "write", write_cmd, P, MODE_ANY,
	    "Save the running configuration to its file (old one kept as "
	    ".bak)");

	/* libcli's configure needs "terminal": ours takes it or not. */
	cli_unregister_command(cli, "configure");
	c = reg(cli, NULL, "configure", con_configure, P, MODE_EXEC,
	        "Enter configuration mode");
	reg(cli, c, "terminal", con_configure, P, MODE_EXEC,
	    "Enter configuration mode");
	/* One exit for every mode (two would each need the full word). */
	cli_unregister_command(cli, "exit");
	reg(cli, NULL, "exit", con_exit, U, MODE_ANY,
	    "Leave this mode (configure mode: the uncommitted changes are "
	    "kept); disconnect at the top");
	for (int i = 0; i < 3; i++) {
		const int m[] = {MODE_CONFIG, MODE_CONN, MODE_CGW};

		reg(cli, NULL, "end", con_end, P, m[i],
		    "Leave configuration mode (uncommitted changes are kept)");
		c = reg(cli, NULL, "commit", commit_cmd, P, m[i],
		        "Check the changes as a whole and apply them (and "
		        "confirm a commit confirmed)");
		c = reg(cli, c, "confirmed", commit_confirmed_cmd, P, m[i],
		        "Apply them, rolled back unless a commit confirms "
		        "within SECONDS");
		con_arg(c, "seconds", CLI_CMD_OPTIONAL_FLAG, P,
		        "10-65535 seconds (default 600)", NULL, valid_seconds);
		reg(cli, NULL, "rollback", rollback_cmd, P, m[i],
		    "Discard the uncommitted changes (start again from the "
		    "running configuration)");
		reg(cli, NULL, "abort", abort_cmd, P, m[i],
		    "Discard the uncommitted changes and leave configuration "
		    "mode");
	}
	c = reg(cli, NULL, "connection", conn_cmd, P, MODE_CONFIG,
	        "Configure a VPN connection (created with customer-gateway)");
	con_arg(c, "name", CLI_CMD_ARGUMENT, P, "Connection name",
	        complete_conns, NULL);
	con_arg(c, "customer-gateway", CLI_CMD_OPTIONAL_ARGUMENT, P,
	        "Create it on this customer gateway", NULL, NULL);
	sub = reg(cli, NULL, "no", NULL, P, MODE_CONFIG, "Delete");
	c = reg(cli, sub, "connection", no_conn_cmd, P, MODE_CONFIG,
	        "Delete a VPN connection (its tunnels go down)");
	con_arg(c, "name", CLI_CMD_ARGUMENT, P, "Connection name",
	        complete_conns, NULL);
	c = reg(cli, sub, "customer-gateway", no_cgw_cmd, P, MODE_CONFIG,
	        "Delete a customer gateway no connection is on");
	con_arg(c, "name", CLI_CMD_ARGUMENT, P, "Customer gateway name",
	        complete_cgws, NULL);
	c = reg(cli, NULL, "customer-gateway", cgw_cmd, P, MODE_CONFIG,
	        "Configure a customer gateway (created when new)");
	con_arg(c, "name", CLI_CMD_ARGUMENT, P, "Customer gateway name",
	        complete_cgws, NULL);
	con_arg(c, "address", CLI_CMD_OPTIONAL_ARGUMENT, P,
	        "Its outside IPv4 address", NULL, NULL);
	c = reg(cli, NULL, "set", NULL, P, MODE_CGW,
	        "Set a customer gateway option (as in the file): its "
	        "connections' tunnels negotiate again");
	reg_opts(cli, c, VPN_OBJ_CGW, cgw_set_cmd, MODE_CGW);

	c = reg(cli, NULL, "static-route", route_add, P, MODE_CONN,
	        "Add a static route into this connection");
	con_arg(c, "prefix", CLI_CMD_ARGUMENT, P, "A.B.C.D/N", NULL, NULL);
	sub = reg(cli, NULL, "no", NULL, P, MODE_CONN, "Remove");
	c = reg(cli, sub, "static-route", route_del, P, MODE_CONN,
	        "Remove a static route");
	con_arg(c, "prefix", CLI_CMD_ARGUMENT, P, "A.B.C.D/N", NULL, NULL);
	c = reg(cli, NULL, "set", NULL, P, MODE_CONN,
	        "Set a connection option (as in the file)");
	reg_opts(cli, c, VPN_OBJ_CONN, set_cmd, MODE_CONN);
	c = reg(cli, NULL, "tunnel", NULL, P, MODE_CONN,
	        "Set a tunnel option (as in the file): only that tunnel "
	        "negotiates again");
	sub = reg(cli, c, "1", NULL, P, MODE_CONN, "The first tunnel");
	reg_opts(cli, sub, VPN_OBJ_TUNNEL, tunnel_set_cmd, MODE_CONN);
	sub = reg(cli, c, "2", NULL, P, MODE_CONN, "The second tunnel");
	reg_opts(cli, sub, VPN_OBJ_TUNNEL, tunnel_set_cmd, MODE_CONN);
}

static void
teardown(struct cli_def *cli, void *ctx)
{
	(void)ctx;
	if (cli_get_context(cli) == NULL)
		return;
	con_cand_free(cli_get_context(cli));
	free(cli_get_context(cli));
}

void
vpngw_console_start(const struct vpn_cfg *cfg)
{
	const struct vpn_cfg_console *c = &cfg->appliance.console;
	struct vpn_console_params p = {
	        .addr = c->listen_addr,
	        .port = c->listen_port,
	        .user = c->user,
	        .password_hash = c->password_hash,
	        .max_sessions = (unsigned int)c->max_sessions,
	        .idle_timeout = (unsigned int)c->idle_timeout,
	        .login_delay_ms = 2000,
	        .login_attempts = 3,
	        .login_timeout = (unsigned int)c->login_timeout,
	        .login_block = (unsigned int)c->login_block,
	        .hostname = cfg->appliance.name,
	        .banner = c->password_hash[0]
	                          ? "vpngw console"
	                          : "vpngw console (no password: loopback "
	                            "only)",
	        .setup = setup,
	        .teardown = teardown,
	};
	char err[128], b[16];

	con_started = time(NULL);
	if (c->listen_port == 0) {
		vpngw_log("console: off (listen port 0)");
		return;
	}
	con_console = vpn_console_start(&p, err, sizeof(err));
	if (con_console == NULL)
		vpngw_log("console: cannot listen on %s:%u: %s (vpngw runs "
		          "on without it)",
		          vpn_ipv4_format(c->listen_addr, b), c->listen_port,
		          err);
	else {
		vpngw_log_console(con_console);
		vpngw_log("console: listening on %s:%u (telnet), %s",
		          vpn_ipv4_format(c->listen_addr, b),
		          vpn_console_port(con_console),
		          c->password_hash[0] ? "login required"
		                              : "no password");
	}
}

void
vpngw_console_counters(struct vpn_console_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (con_console != NULL)
		vpn_console_stats(con_console, st);
}

void
vpngw_console_stop(void)
{
	vpngw_log_console(NULL);
	vpn_console_stop(con_console);
	con_console = NULL;
	free(con_cleared.sa);
	con_cleared.sa = NULL;
	con_cleared.nsa = 0;
	free(con_cleared.tun);
	con_cleared.tun = NULL;
	con_cleared.ntun = 0;
	vpn_cfg_free(con_confirm.prev);
	con_confirm.prev = NULL;
}
