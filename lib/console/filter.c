/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The output filters `| include`, `| exclude`, `| grep`, `| egrep`, in
 * place of libcli's own. Debian's libcli 1.10.7 finds an abbreviated
 * filter (`| i`, `| inc`, `| ex`, `| gr`) in its command tree but its
 * one init function then tells the four apart by comparing the word the
 * user typed with the full names: an abbreviation matched nothing (and
 * leaked the regex it compiled for it). Each filter here has its own
 * init, so whatever abbreviation selected it, it knows what it is.
 * `begin`, `between` and `count` stay libcli's.
 */
#include <regex.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libcli.h>

#include "console_priv.h"

enum { F_INCLUDE, F_EXCLUDE, F_GREP, F_EGREP };

struct match {
	bool regex, invert;
	char *text; /* include/exclude: a substring */
	regex_t re;
};

static int
match_line(struct cli_def *cli, const char *line, void *data)
{
	struct match *m = data;
	bool hit;

	(void)cli;
	if (line == NULL) { /* the end: free what init made */
		if (m->regex)
			regfree(&m->re);
		free(m->text);
		free(m);
		return CLI_OK;
	}
	hit = m->regex ? regexec(&m->re, line, 0, NULL, 0) == 0
	               : strstr(line, m->text) != NULL;
	return hit != m->invert ? CLI_OK : CLI_ERROR;
}

static int
match_init(struct cli_def *cli, int kind, struct cli_filter *filt)
{
	const char *pattern = cli_get_optarg_value(cli, "search_pattern", NULL);
	const char *flags = cli_get_optarg_value(cli, "search_flags", NULL);
	struct match *m;
	int rflags = REG_NOSUB | (kind == F_EGREP ? REG_EXTENDED : 0);

	if (pattern == NULL) {
		cli_error(cli, "%% a pattern is needed");
		return CLI_ERROR;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return CLI_ERROR;
	m->invert = kind == F_EXCLUDE;
	m->regex = kind == F_GREP || kind == F_EGREP;
	for (const char *f = flags ? flags + 1 : ""; *f; f++) /* "-vi" */
		if (*f == 'v')
			m->invert = !m->invert;
		else if (*f == 'i')
			rflags |= REG_ICASE;
	if (m->regex && regcomp(&m->re, pattern, rflags) != 0) {
		cli_error(cli, "%% invalid pattern \"%s\"", pattern);
		free(m);
		return CLI_ERROR;
	}
	if (!m->regex && (m->text = strdup(pattern)) == NULL) {
		free(m);
		return CLI_ERROR;
	}
	filt->filter = match_line;
	filt->data = m;
	return CLI_OK;
}

static int
include_init(struct cli_def *cli, int argc, char **argv, struct cli_filter *f)
{
	(void)argc;
	(void)argv;
	return match_init(cli, F_INCLUDE, f);
}

static int
exclude_init(struct cli_def *cli, int argc, char **argv, struct cli_filter *f)
{
	(void)argc;
	(void)argv;
	return match_init(cli, F_EXCLUDE, f);
}

static int
grep_init(struct cli_def *cli, int argc, char **argv, struct cli_filter *f)
{
	(void)argc;
	(void)argv;
	return match_init(cli, F_GREP, f);
}

static int
egrep_init(struct cli_def *cli, int argc, char **argv, struct cli_filter *f)
{
	(void)argc;
	(void)argv;
	return match_init(cli, F_EGREP, f);
}

/* -v, -i (and -e, which only ends the flags). */
static int
flags_ok(struct cli_def *cli, const char *name, const char *value)
{
	(void)cli;
	(void)name;
	return value[0] == '-' && value[1] != '\0' &&
	                       strspn(value + 1, "vie") == strlen(value + 1)
	               ? CLI_OK
	               : CLI_ERROR;
}

void
console_filters_register(struct cli_def *cli)
{
	static const struct {
		const char *name, *help;
		int (*init)(struct cli_def *, int, char **,
		            struct cli_filter *);
		bool flags;
	} f[] = {
	        {"include", "Include lines that contain the text", include_init,
	         false},
	        {"exclude", "Exclude lines that contain the text", exclude_init,
	         false},
	        {"grep", "Include lines that match a regex (-v, -i)", grep_init,
	         true},
	        {"egrep", "Include lines that match an extended regex (-v, -i)",
	         egrep_init, true},
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		struct cli_command *c;

		cli_unregister_filter(cli, f[i].name);
		c = cli_register_filter(cli, f[i].name, f[i].init, match_line,
		                        PRIVILEGE_UNPRIVILEGED, MODE_ANY,
		                        f[i].help);
		if (c == NULL)
			continue;
		if (f[i].flags)
			cli_register_optarg(c, "search_flags",
			                    CLI_CMD_HYPHENATED_OPTION,
			                    PRIVILEGE_UNPRIVILEGED, MODE_ANY,
			                    "-v: lines that do not match, -i: "
			                    "any case",
			                    NULL, flags_ok, NULL);
		cli_register_optarg(c, "search_pattern",
		                    CLI_CMD_ARGUMENT |
		                            CLI_CMD_REMAINDER_OF_LINE,
		                    PRIVILEGE_UNPRIVILEGED, MODE_ANY,
		                    "Search pattern", NULL, NULL, NULL);
	}
}
