/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_TELEMETRY_H
#define GW_TELEMETRY_H

/* DPDK telemetry commands (telemetry.c). */

#include "gw_sa.h"

/* Register the /vpngw/... telemetry commands (telemetry.c). */
void vpngw_telemetry_init(struct vpngw_sas *sas);

#endif /* GW_TELEMETRY_H */
