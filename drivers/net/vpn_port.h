/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_PORT_H
#define VPN_PORT_H

/*
 * Port bring-up: RX queues for the workers that poll the port (RSS across
 * them when there are several) and one TX queue per worker, on a PCI/VF
 * port or a virtual device (net_af_packet on a veth for tests, memif, pcap,
 * null, ring).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

/* What a started port was configured with (the device's means). */
struct vpn_port_conf {
	uint64_t rx_offloads, tx_offloads; /* RTE_ETH_{RX,TX}_OFFLOAD_* */
	uint64_t rss_hf;                   /* RTE_ETH_RSS_*; 0: no RSS */
	bool lsc;                          /* link changes interrupt */
};

/* Configure and start port_id with nrxq RX queues fed from pool and ntxq
 * TX queues and an MTU of mtu (0: the device's default; one the device
 * can't take is refused); promiscuous where the device supports it; what
 * it was given in *pc (may be NULL). 0 or -errno (logged). */
int vpn_port_start(uint16_t port_id, uint16_t nrxq, uint16_t ntxq,
                   struct rte_mempool *pool, uint16_t mtu,
                   struct vpn_port_conf *pc);
void vpn_port_stop(uint16_t port_id);

#endif /* VPN_PORT_H */
