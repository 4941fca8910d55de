/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_CONSOLE_H
#define GW_CONSOLE_H

/* The admin console (console.c). */

#include "vpn_cfg.h"

/* ---- the console (console.c) ------------------------------------------ */
/* Start it as the configuration says (a failure is logged: the appliance
 * runs on without it). */
void vpngw_console_start(const struct vpn_cfg *cfg);
void vpngw_console_stop(void);

#endif /* GW_CONSOLE_H */
