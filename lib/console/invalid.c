/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Refusing a line as a router does: a caret under the word that is wrong
 * and "% Invalid input detected at '^' marker.", instead of libcli's own
 * wording ("Invalid command ...", "Problem parsing command setting ...").
 *
 * libcli prints its parse errors with cli_error() while it checks a line;
 * every line it prints goes through the session's print callback, which
 * turns those messages into ours (and writes everything else as libcli
 * would). The word to mark is found in the line as typed (the pipeline
 * libcli keeps while it checks and runs a line), so the caret sits under
 * it whatever abbreviations were used.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libcli.h>

#include "console_priv.h"
#include "vpn_console.h"

/* The column where each word of a line starts, splitting as libcli does
 * (whitespace, quotes, backslash escapes, '|' a word of its own). */
static int
word_columns(const char *line, int *col, int max)
{
	const char *p = line;
	int n = 0, inquote = 0;
	const char *start = NULL;

	while (*p && n < max) {
		if (*p == '\\' && p[1]) {
			if (start == NULL)
				start = p;
			p += 2;
			continue;
		}
		if (inquote) {
			if (*p == inquote)
				inquote = 0;
			p++;
			continue;
		}
		if (*p == '"' || *p == '\'') {
			if (start == NULL)
				start = p;
			inquote = *p++;
			continue;
		}
		if (isspace((unsigned char)*p) || *p == '|') {
			if (start != NULL)
				col[n++] = (int)(start - line);
			start = NULL;
			if (*p == '|' && n < max)
				col[n++] = (int)(p - line);
			p++;
			continue;
		}
		if (start == NULL)
			start = p;
		p++;
	}
	if (start != NULL && n < max)
		col[n++] = (int)(start - line);
	return n;
}

/* The prompt's width, as libcli shows it: hostname, mode, "> " or "# ". */
static size_t
prompt_len(const struct cli_def *cli)
{
	return (cli->hostname ? strlen(cli->hostname) : 0) +
	       (cli->modestring ? strlen(cli->modestring) : 0) +
	       (cli->promptchar ? strlen(cli->promptchar) : 0);
}

static void
out(struct cli_def *cli, const char *line)
{
	if (cli->client != NULL)
		fprintf(cli->client, "%s\r\n", line);
}

/* The caret under word w of the line being run (-1: none), then msg. */
static void
mark(struct cli_def *cli, int w, const char *msg)
{
	struct cli_pipeline *pl = cli->pipeline;
	int col[CLI_MAX_LINE_WORDS];
	char caret[CLI_MAX_LINE_LENGTH + 160];

	if (pl != NULL && pl->cmdline != NULL && w >= 0 &&
	    w < word_columns(pl->cmdline, col, CLI_MAX_LINE_WORDS)) {
		size_t pad = prompt_len(cli) + (size_t)col[w];

		/* Leading blanks were trimmed from cmdline. */
		if (pad + 2 < sizeof(caret)) {
			memset(caret, ' ', pad);
			caret[pad] = '^';
			caret[pad + 1] = '\0';
			out(cli, caret);
		}
	}
	out(cli, msg);
}

/* Word i of the current stage as a word of the whole line. */
static int
stage_word(struct cli_def *cli, int i)
{
	struct cli_pipeline *pl = cli->pipeline;

	if (pl == NULL || pl->current_stage == NULL ||
	    pl->current_stage->words == NULL)
		return -1;
	return (int)(pl->current_stage->words - pl->words) + i;
}

/* The first word of the current stage after word `from` that reads w. */
static int
find_word(struct cli_def *cli, int from, const char *w)
{
	struct cli_pipeline *pl = cli->pipeline;
	struct cli_pipeline_stage *st = pl ? pl->current_stage : NULL;

	if (st == NULL || st->words == NULL)
		return -1;
	for (int i = from; i < st->num_words; i++)
		if (st->words[i] != NULL && strcmp(st->words[i], w) == 0)
			return stage_word(cli, i);
	return -1;
}

static int
count_words(const char *s, size_t n)
{
	int w = 0;
	bool in = false;

	for (size_t i = 0; i < n; i++) {
		bool sp = isspace((unsigned char)s[i]);

		w += !sp && !in;
		in = !sp;
	}
	return w;
}

void
vpn_console_invalid(struct cli_def *cli, char **argv)
{
	struct cli_pipeline *pl = cli->pipeline;
	int w = -1;

	if (pl != NULL && argv >= pl->words && argv < pl->words + pl->num_words)
		w = (int)(argv - pl->words);
	mark(cli, w, "% Invalid input detected at '^' marker.");
}

static __thread bool output;

void
console_output(bool on)
{
	output = on;
}

/* libcli's messages, as its 1.10 series words them. */
static bool
rewrite(struct cli_def *cli, const char *line)
{
	static const char inv[] = "Invalid command \"";
	static const char parse[] = "Problem parsing command setting ";
	static const char missing[] =
	        "Incomplete command, missing required argument '";
	static const char optval[] = "Optional argument ";
	char msg[CLI_MAX_LINE_LENGTH + 64];
	const char *q;

	if (cli->pipeline == NULL || output)
		return false;
	if (strncmp(line, inv, sizeof(inv) - 1) == 0) {
		/* "Invalid command "show ipsec rout"": the last word is the
		 * one that matched nothing. */
		const char *s = line + sizeof(inv) - 1;
		size_t n = strlen(s);

		if (n > 0 && s[n - 1] == '"')
			n--;
		mark(cli, stage_word(cli, count_words(s, n) - 1),
		     "% Invalid input detected at '^' marker.");
		return true;
	}
	if (strncmp(line, parse, sizeof(parse) - 1) == 0 &&
	    (q = strstr(line, " with value ")) != NULL) {
		/* A validator refused the value (and said why, if ours). */
		mark(cli, find_word(cli, 1, q + 12),
		     "% Invalid input detected at '^' marker.");
		return true;
	}
	if (strncmp(line, missing, sizeof(missing) - 1) == 0) {
		const char *s = line + sizeof(missing) - 1;
		const char *e = strchr(s, '\'');

		snprintf(msg, sizeof(msg), "%% Incomplete command: %.*s needed",
		         e ? (int)(e - s) : 0, s);
		out(cli, msg);
		return true;
	}
	if (strcmp(line, "Incomplete command") == 0) {
		out(cli, "% Incomplete command.");
		return true;
	}
	if (strncmp(line, optval, sizeof(optval) - 1) == 0 &&
	    (q = strstr(line, " requires a value")) != NULL) {
		const char *s = line + sizeof(optval) - 1;

		snprintf(msg, sizeof(msg),
		         "%% Incomplete command: %.*s needs "
		         "a value",
		         (int)(q - s), s);
		out(cli, msg);
		return true;
	}
	if (strncmp(line, "Ambiguous ", 10) == 0) {
		out(cli, "% Ambiguous command.");
		return true;
	}
	if (strcmp(line, "Empty command given") == 0) {
		out(cli, "% Empty command before or after '|'.");
		return true;
	}
	return false;
}

void
console_print_line(struct cli_def *cli, const char *line)
{
	if (output) {
		if (console_page(cli))
			out(cli, line);
	} else if (!rewrite(cli, line))
		out(cli, line);
}

/* libcli's own commands take no words; a word after one is refused. */
#define STRICT(fn)                                                   \
	static int strict_##fn(struct cli_def *cli, const char *cmd, \
	                       char *argv[], int argc)               \
	{                                                            \
		if (argc > 0) {                                      \
			vpn_console_invalid(cli, argv);              \
			return CLI_ERROR;                            \
		}                                                    \
		return fn(cli, cmd, argv, argc);                     \
	}
STRICT(cli_help)
STRICT(cli_quit)
STRICT(cli_exit)
STRICT(cli_history)
STRICT(cli_enable)
STRICT(cli_disable)
#undef STRICT

void
console_builtins_register(struct cli_def *cli)
{
	static const struct {
		const char *name;
		int (*fn)(struct cli_def *, const char *, char **, int);
		int priv, mode;
		const char *help;
	} b[] = {
	        {"help", strict_cli_help, PRIVILEGE_UNPRIVILEGED, MODE_ANY,
	         "Show available commands"},
	        {"quit", strict_cli_quit, PRIVILEGE_UNPRIVILEGED, MODE_ANY,
	         "Disconnect"},
	        {"logout", strict_cli_quit, PRIVILEGE_UNPRIVILEGED, MODE_ANY,
	         "Disconnect"},
	        {"exit", strict_cli_exit, PRIVILEGE_UNPRIVILEGED, MODE_ANY,
	         "Leave the current mode (disconnect at the top)"},
	        {"history", strict_cli_history, PRIVILEGE_UNPRIVILEGED,
	         MODE_ANY, "The commands typed in this session"},
	        {"enable", strict_cli_enable, PRIVILEGE_UNPRIVILEGED, MODE_EXEC,
	         "Privileged commands (asks the password)"},
	        {"disable", strict_cli_disable, PRIVILEGE_PRIVILEGED, MODE_EXEC,
	         "Back to unprivileged commands"},
	};

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		cli_unregister_command(cli, b[i].name);
		cli_register_command(cli, NULL, b[i].name, b[i].fn, b[i].priv,
		                     b[i].mode, b[i].help);
	}
}
