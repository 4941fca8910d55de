/* SPDX-License-Identifier: BSD-3-Clause */
/* Tab completion and validation of the console's values (connections, tunnels,
 * options, actions). See console.c. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_version.h>

#include "con_priv.h"

/* ---- completions and validators ----------------------------------------- */

int
complete_tunnels(struct cli_def *cli, const char *name, const char *word,
                 struct cli_comphelp *ch)
{
	const struct vpn_cfg *cfg;

	(void)cli;
	(void)name;
	vpngw_ctl_lock();
	cfg = vpngw_running();
	for (unsigned int i = 0; i < cfg->n_conns; i++)
		for (int t = 1; t <= VPN_TUNNELS; t++) {
			char n[VPN_NAME_MAX + 8];

			snprintf(n, sizeof(n), "%s/%d", cfg->conns[i].name, t);
			if (word == NULL || strncmp(n, word, strlen(word)) == 0)
				cli_add_comphelp_entry(ch, n);
		}
	vpngw_ctl_unlock();
	return CLI_OK;
}

/* The names of the running model's connections, or of its customer
 * gateways, that start with word. */
static int
complete_names(const char *word, struct cli_comphelp *ch, bool cgws)
{
	const struct vpn_cfg *cfg;

	vpngw_ctl_lock();
	cfg = vpngw_running();
	for (unsigned int i = 0; i < (cgws ? cfg->n_cgws : cfg->n_conns); i++) {
		const char *n = cgws ? cfg->cgws[i].name : cfg->conns[i].name;

		if (word == NULL || strncmp(n, word, strlen(word)) == 0)
			cli_add_comphelp_entry(ch, n);
	}
	vpngw_ctl_unlock();
	return CLI_OK;
}

int
complete_conns(struct cli_def *cli, const char *name, const char *word,
               struct cli_comphelp *ch)
{
	(void)cli;
	(void)name;
	return complete_names(word, ch, false);
}

int
complete_cgws(struct cli_def *cli, const char *name, const char *word,
              struct cli_comphelp *ch)
{
	(void)cli;
	(void)name;
	return complete_names(word, ch, true);
}

static void
complete_words(const char *const *w, const char *word, struct cli_comphelp *ch)
{
	for (; *w; w++)
		if (word == NULL || strncmp(*w, word, strlen(word)) == 0)
			cli_add_comphelp_entry(ch, *w);
}

static const char *const actions[] = {"up", "down", "reset", NULL};

int
complete_action(struct cli_def *cli, const char *name, const char *word,
                struct cli_comphelp *ch)
{
	(void)cli;
	(void)name;
	complete_words(actions, word, ch);
	return CLI_OK;
}

static bool
in_words(const char *const *w, const char *value)
{
	for (; *w; w++)
		if (strcmp(*w, value) == 0)
			return true;
	return false;
}

int
valid_action(struct cli_def *cli, const char *name, const char *value)
{
	(void)cli;
	(void)name;
	return in_words(actions, value) ? CLI_OK : CLI_ERROR;
}

/* A BGP session as a word: an address or CONNECTION/N (which one is
 * looked up when the command runs). */
int
valid_neighbor(struct cli_def *cli, const char *name, const char *value)
{
	struct in_addr a;

	(void)cli;
	(void)name;
	return strchr(value, '/') != NULL || inet_pton(AF_INET, value, &a) == 1
	               ? CLI_OK
	               : CLI_ERROR;
}

/* show tunnels NAME: a word that is not (an abbreviation of) the command's
 * flags, and could be a connection or tunnel name. */
int
valid_tunnel_name(struct cli_def *cli, const char *name, const char *value)
{
	size_t n = strlen(value);

	(void)cli;
	(void)name;
	if (n == 0 || strncmp(value, "detail", n) == 0 ||
	    strncmp(value, "json", n) == 0)
		return CLI_ERROR;
	for (const char *p = value; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-/", *p))
			return CLI_ERROR;
	return CLI_OK;
}

/* terminal length: 0-512 lines. */
int
valid_lines(struct cli_def *cli, const char *name, const char *value)
{
	char *end;
	long v = strtol(value, &end, 10);

	(void)cli;
	(void)name;
	return end != value && *end == '\0' && v >= 0 && v <= 512 ? CLI_OK
	                                                          : CLI_ERROR;
}
