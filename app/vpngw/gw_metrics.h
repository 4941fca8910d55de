/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_METRICS_H
#define GW_METRICS_H

/* The Prometheus text endpoint (metrics.c). */

#include "vpn_cfg.h"

/* Listen on appliance.metrics_listen when set (a failure is logged: the
 * appliance runs on without it). */
void vpngw_metrics_start(const struct vpn_cfg *cfg);
void vpngw_metrics_stop(void);

#endif /* GW_METRICS_H */
