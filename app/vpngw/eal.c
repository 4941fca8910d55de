/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>

#include "gw_eal.h"
#include "gw_log.h"

#define MAX_ARGS (16 + 2 * VPN_MAX_PORTS + VPN_MAX_EAL_ARGS)

/* The DPDK device name of a port: the vdev name before its first comma, or
 * the PCI address in its long form. */
static void
dev_name(const char *device, char *out, size_t len)
{
	if (vpn_device_is_pci(device) && strlen(device) == 7)
		snprintf(out, len, "0000:%s", device);
	else
		snprintf(out, len, "%.*s", (int)strcspn(device, ","), device);
}

int
vpngw_port_id(const char *device, uint16_t *id)
{
	char name[RTE_ETH_NAME_MAX_LEN];

	dev_name(device, name, sizeof(name));
	return rte_eth_dev_get_port_by_name(name, id);
}

static bool
has_lcores_arg(const struct vpn_cfg_appliance *a)
{
	for (unsigned int i = 0; i < a->n_eal_args; i++)
		if (strncmp(a->eal_args[i], "--lcores", 8) == 0)
			return true;
	return false;
}

int
vpngw_eal_init(const struct vpn_cfg *cfg, int n, char **extra)
{
	const struct vpn_cfg_appliance *a = &cfg->appliance;
	char lcores[VPN_MAX_WORKERS * 4 + 8], main_lcore[8];
	char *argv[MAX_ARGS + 64];
	int argc = 0, pci = 0, rc;
	size_t used;

	used = (size_t)snprintf(lcores, sizeof(lcores), "%lld",
	                        (long long)a->control_lcore);
	for (unsigned int i = 0; i < a->n_workers && used < sizeof(lcores); i++)
		used += (size_t)snprintf(lcores + used, sizeof(lcores) - used,
		                         ",%lld", (long long)a->workers[i]);
	snprintf(main_lcore, sizeof(main_lcore), "%lld",
	         (long long)a->control_lcore);

	argv[argc++] = (char *)"vpngw";
	/* eal_args may map lcores to CPUs itself (--lcores 0@0,1@1,2@1):
	 * then it names the lcores, and -l would override it. */
	if (!has_lcores_arg(a)) {
		argv[argc++] = (char *)"-l";
		argv[argc++] = lcores;
	}
	argv[argc++] = (char *)"--main-lcore";
	argv[argc++] = main_lcore;
	for (unsigned int i = 0; i < a->n_ports; i++) {
		bool is_pci = vpn_device_is_pci(a->ports[i].device);

		pci += is_pci;
		argv[argc++] = (char *)(is_pci ? "-a" : "--vdev");
		argv[argc++] = (char *)a->ports[i].device;
	}
	/* Never probe NICs the configuration does not name. */
	if (pci == 0)
		argv[argc++] = (char *)"--no-pci";
	for (unsigned int i = 0; i < a->n_eal_args; i++)
		argv[argc++] = (char *)a->eal_args[i];
	for (int i = 0; i < n && argc < MAX_ARGS + 63; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;

	printf("vpngw: EAL");
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	fflush(stdout);

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		vpngw_log("EAL init failed: %s", rte_strerror(rte_errno));
		return rte_errno > 0 ? -rte_errno : -EINVAL;
	}
	for (unsigned int i = 0; i < a->n_ports; i++) {
		char name[RTE_ETH_NAME_MAX_LEN];
		uint16_t pid;

		dev_name(a->ports[i].device, name, sizeof(name));
		if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
			vpngw_log("port %s: no DPDK device '%s' (is it "
			          "bound to vfio-pci, or the vdev valid?)",
			          a->ports[i].name, name);
			rte_eal_cleanup();
			return -ENODEV;
		}
	}
	return 0;
}

void
vpngw_ports_summary(const struct vpn_cfg *cfg, FILE *out)
{
	const struct vpn_cfg_appliance *a = &cfg->appliance;

	for (unsigned int i = 0; i < a->n_ports; i++) {
		char name[RTE_ETH_NAME_MAX_LEN];
		struct rte_eth_dev_info info;
		struct rte_ether_addr mac;
		uint16_t pid;

		dev_name(a->ports[i].device, name, sizeof(name));
		if (vpngw_port_id(a->ports[i].device, &pid) != 0 ||
		    rte_eth_dev_info_get(pid, &info) != 0 ||
		    rte_eth_macaddr_get(pid, &mac) != 0)
			continue;
		fprintf(out,
		        "  dpdk port %u = %s (%s): driver %s, "
		        "mac " RTE_ETHER_ADDR_PRT_FMT
		        ", up to %u rx / %u tx queues\n",
		        pid, a->ports[i].name, name, info.driver_name,
		        RTE_ETHER_ADDR_BYTES(&mac), info.max_rx_queues,
		        info.max_tx_queues);
	}
}

void
vpngw_eal_cleanup(void)
{
	rte_eal_cleanup();
}
