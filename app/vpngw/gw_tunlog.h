/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_TUNLOG_H
#define GW_TUNLOG_H

/* The tunnels' activity log, JSON lines with AWS's fields (tunlog.c). */

#include "vpn_cfg.h"

/* Open appliance.tunnel_log and/or syslog, as configured (nothing when
 * neither is). */
void vpngw_tunlog_start(const struct vpn_cfg *cfg);
/* A log line (vpngw_log, any thread): queued when it is about a tunnel. */
void vpngw_tunlog_line(const char *line);
/* The control core's turn, under the control lock: write what is queued,
 * with each tunnel's state now. */
void vpngw_tunlog_flush(void);
/* SIGHUP: the file is opened again at the next turn (logrotate). */
void vpngw_tunlog_reopen(void);
void vpngw_tunlog_stop(void);

#endif /* GW_TUNLOG_H */
