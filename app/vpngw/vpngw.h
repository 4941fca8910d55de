/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPNGW_H
#define VPNGW_H

#include <stdio.h>

#include "vpn_cfg.h"

/*
 * Start the DPDK EAL for cfg: lcores from the control and worker lcores,
 * one -a (PCI) or --vdev per port, --no-pci when no port is PCI, then
 * appliance.eal_args and the n extra arguments from the command line.
 * Checks that every configured port exists. 0 or -1 (message printed).
 */
int vpngw_eal_init(const struct vpn_cfg *cfg, int n, char **extra);
void vpngw_eal_cleanup(void);
void vpngw_ports_summary(const struct vpn_cfg *cfg, FILE *out);

#endif /* VPNGW_H */
