/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_LOG_H
#define GW_LOG_H

/* The appliance's log (log.c). */

#include <stdint.h>
#include <stdio.h>

/* A log line (printf format, no newline): on stdout as "vpngw: ...",
 * and kept in memory for the console's show log (log.c). */
void vpngw_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The last up to max kept lines, oldest first, each with its time; with
 * match, only those containing it. How many. */
unsigned int vpngw_log_read(FILE *out, const char *match, unsigned int max);
/* The console whose terminal monitor sessions get each line (NULL: none;
 * set before it starts serving, cleared before it stops). */
struct vpn_console;
void vpngw_log_console(struct vpn_console *con);
/* The control core's clock: milliseconds, monotonic. */
uint64_t vpngw_now_ms(void);

#endif /* GW_LOG_H */
