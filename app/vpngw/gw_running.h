/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_RUNNING_H
#define GW_RUNNING_H

/* The running configuration (apply.c). */

#include <stdbool.h>
#include <stdio.h>

#include "gw_dp.h"
#include "gw_sa.h"
#include "vpn_cfg.h"

/* ---- the running configuration (apply.c) ------------------------------
 * Under the control lock: the control core holds it for each turn of its
 * loop (main.c), the console for each command. */
void vpngw_ctl_lock(void);
void vpngw_ctl_unlock(void);

/* cfg runs: the data plane (started) takes its connections, manual
 * keys' SAs and routes. 0 or -errno (logged). */
int vpngw_running_init(struct vpn_cfg *cfg, const char *state_dir,
                       struct vpngw_sas *sas);
/* What the data plane starts with, from cfg. 0 or -EINVAL. */
int vpngw_dp_params_of(const struct vpn_cfg *cfg, struct vpngw_dp_params *p);
struct vpn_cfg *vpngw_running(void);
/* How many changes have been applied to it (a change made on a copy of
 * an older generation would undo the ones since). */
uint64_t vpngw_running_gen(void);
struct vpngw_sas *vpngw_running_sas(void);
/* Make cand (a changed copy of the running model, or a file read again)
 * the running configuration: checked like a file, what can't change
 * while running refused (acceleration of a connection, manual keys,
 * appliance settings are kept), connections created and deleted, only
 * the tunnels whose settings changed negotiate again, routes published.
 * Messages to msg, as FILE:LINE when placed (the file read again), else
 * as "% text" (a console change: the lines of the file read at start are
 * not where it came from). Takes cand (freed when refused). 0 or -errno. */
int vpngw_apply(struct vpn_cfg *cand, FILE *msg, bool placed);
/* The running configuration to its file, atomically; the old file is
 * kept as FILE.bak. 0 or -errno (message to msg). */
int vpngw_save(FILE *msg);
/* A tunnel "CONNECTION/N" of the running model. 0, -EINVAL, -ENOENT. */
int vpngw_tunnel_find(const char *name, unsigned int *slot, unsigned int *ti,
                      const struct vpn_cfg_conn **conn);
/* tunnel NAME up|down|reset (VPNGW_TUNNEL_*). 0 or -errno (msg). */
int vpngw_tunnel_admin(const char *name, int what, FILE *msg);
bool vpngw_tunnel_admin_down(unsigned int slot, unsigned int ti);
/* Once IKE and the data plane run: the tunnels the file has with
 * enabled = false go administratively down. */
void vpngw_running_start(void);

#endif /* GW_RUNNING_H */
