/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_KERNEL_H
#define GW_KERNEL_H

/* The exception path's kernel side (kernel.c). */

#include "vpn_cfg.h"

/* Give the kernel interface ifname (the exception path's TAP) our
 * addresses and routes to what lies behind the data plane: outside and
 * inside port addresses, the other outside addresses, each tunnel's
 * remote endpoint and the static routes; no ARP on it. 0 or -EIO (logged). */
int vpngw_kernel_setup(const struct vpn_cfg *cfg, const char *ifname);
/* The kernel routes of one connection (its tunnels' remote endpoints and
 * static routes), for one made or changed while running. 0 or -EIO. */
int vpngw_kernel_conn(const char *ifname, const struct vpn_cfg_conn *c);
/* Take a connection's kernel routes (as it was before a change, or before
 * it was deleted) off ifname, those that no connection of the new model
 * now still routes. 0 or -EIO (logged). */
int vpngw_kernel_conn_withdraw(const char *ifname,
                               const struct vpn_cfg_conn *old,
                               const struct vpn_cfg *now);
/* The policy rules vpngw_kernel_setup made gone (at the end). */
void vpngw_kernel_teardown(void);
/* The loopback up (FRR's zebra feeds routes over it). */
void vpngw_kernel_lo_up(void);

#endif /* GW_KERNEL_H */
