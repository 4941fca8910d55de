/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CONSOLE_PRIV_H
#define CONSOLE_PRIV_H

/* Shared inside lib/console. */

#include <libcli.h>

/* The output filters include, exclude, grep and egrep in place of
 * libcli's (filter.c), so that abbreviations of them work. */
void console_filters_register(struct cli_def *cli);

#endif /* CONSOLE_PRIV_H */
