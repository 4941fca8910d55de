/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CONSOLE_PRIV_H
#define CONSOLE_PRIV_H

/* Shared inside lib/console. */

#include <stdbool.h>

#include <libcli.h>

/* The output filters include, exclude, grep and egrep in place of
 * libcli's (filter.c), so that abbreviations of them work. */
void console_filters_register(struct cli_def *cli);

/* Every line a session prints (invalid.c): libcli's parse errors become
 * "% Invalid input" with a caret, the rest is written as libcli would. */
void console_print_line(struct cli_def *cli, const char *line);
/* A command's own output is being printed (true) or not: it is never
 * taken for libcli's messages. */
void console_output(bool on);
/* A command's output line is about to be written: false when the
 * operator quit at --More-- (the line and the rest are dropped). With
 * terminal length set, a full page waits for a key first. */
bool console_page(struct cli_def *cli);

/* libcli's help, quit, logout, exit, history, enable and disable again,
 * refusing words after them. */
void console_builtins_register(struct cli_def *cli);

#endif /* CONSOLE_PRIV_H */
