/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_CONSOLE_H
#define GW_CONSOLE_H

/* The admin console (console.c). */

#include "vpn_cfg.h"
#include "vpn_console.h"

/* ---- the console (console.c) ------------------------------------------ */
/* Start it as the configuration says (a failure is logged: the appliance
 * runs on without it). */
void vpngw_console_start(const struct vpn_cfg *cfg);
void vpngw_console_stop(void);
/* Its counters (zero when it does not run). */
void vpngw_console_counters(struct vpn_console_stats *st);
/* The control core's turn (under the control lock): a `commit confirmed`
 * not confirmed in time is rolled back. */
void vpngw_console_tick(void);

#endif /* GW_CONSOLE_H */
