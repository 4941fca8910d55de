/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_EAL_H
#define GW_EAL_H

/* The EAL and its ports (eal.c). */

#include <stdint.h>
#include <stdio.h>

#include "vpn_cfg.h"

/*
 * Start the DPDK EAL for cfg: lcores from the control and worker lcores,
 * one -a (PCI) or --vdev per port, --no-pci when no port is PCI, then
 * appliance.eal_args and the n extra arguments from the command line.
 * Checks that every configured port exists. 0 or -errno (logged).
 */
int vpngw_eal_init(const struct vpn_cfg *cfg, int n, char **extra);
void vpngw_eal_cleanup(void);
/* The DPDK port of a configured device string. 0 or -errno. */
int vpngw_port_id(const char *device, uint16_t *id);
void vpngw_ports_summary(const struct vpn_cfg *cfg, FILE *out);

#endif /* GW_EAL_H */
