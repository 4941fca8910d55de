/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_TELEMETRY_H
#define GW_TELEMETRY_H

/* DPDK telemetry commands (telemetry.c). */

#include "gw_sa.h"

/* Register the /vpngw/... telemetry commands (telemetry.c). */
void vpngw_telemetry_init(struct vpngw_sas *sas);
/* From now on every telemetry command is refused: the appliance stops
 * (call it without the control lock, before tearing anything down). */
void vpngw_telemetry_stop(void);

#endif /* GW_TELEMETRY_H */
