/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>

#include "vpn_port.h"

#define RX_DESC 1024
#define TX_DESC 1024

int
vpn_port_start(uint16_t port_id, uint16_t nrxq, uint16_t ntxq,
               struct rte_mempool *pool, uint16_t mtu, struct vpn_port_conf *pc)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	uint16_t nrx = RX_DESC, ntx = TX_DESC;
	int rc;

	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0)
		return rc;
	if (mtu != 0 && (mtu < info.min_mtu || mtu > info.max_mtu)) {
		fprintf(stderr,
		        "vpngw: port %u (%s): mtu %u is outside what the "
		        "device takes (%u to %u)\n",
		        port_id, info.driver_name, mtu, info.min_mtu,
		        info.max_mtu);
		return -EINVAL;
	}
	conf.rxmode.mtu = mtu;
	/* Link changes as interrupts where the device has them (the caller
	 * registers RTE_ETH_EVENT_INTR_LSC); the others are polled. */
	if (info.dev_flags != NULL && (*info.dev_flags & RTE_ETH_DEV_INTR_LSC))
		conf.intr_conf.lsc = 1;
	if (nrxq > 1) {
		/* Spread flows over the workers' queues: inside, by
		 * addresses and ports; outside, ESP by addresses and SPI
		 * where the NIC hashes ESP (many tunnels between the same
		 * two addresses spread), ESP in UDP by addresses and ports
		 * (a NAT's source port). One SA stays on one queue. */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
		        (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP |
		         RTE_ETH_RSS_ESP) &
		        info.flow_type_rss_offloads;
	}
	/* A NIC that checks IPv4 header checksums saves us the work:
	 * lib/esp drops what it flags bad (RTE_MBUF_F_RX_IP_CKSUM_BAD). */
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	rc = rte_eth_dev_configure(port_id, nrxq, ntxq, &conf);
	/* Some devices take the MTU only this way (net_af_packet sets its
	 * interface's); one that has no say in it is fine. */
	if (rc == 0 && mtu != 0) {
		rc = rte_eth_dev_set_mtu(port_id, mtu);
		if (rc == -ENOTSUP)
			rc = 0;
	}
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nrx, &ntx);
	for (uint16_t q = 0; rc == 0 && q < nrxq; q++)
		rc = rte_eth_rx_queue_setup(port_id, q, nrx,
		                            rte_eth_dev_socket_id(port_id),
		                            NULL, pool);
	for (uint16_t q = 0; rc == 0 && q < ntxq; q++)
		rc = rte_eth_tx_queue_setup(
		        port_id, q, ntx, rte_eth_dev_socket_id(port_id), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		fprintf(stderr, "vpngw: port %u: cannot start: %s\n", port_id,
		        rte_strerror(-rc));
		return rc;
	}
	if (pc != NULL) {
		pc->rx_offloads = conf.rxmode.offloads;
		pc->tx_offloads = conf.txmode.offloads;
		pc->rss_hf = conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS
		                     ? conf.rx_adv_conf.rss_conf.rss_hf
		                     : 0;
		pc->lsc = conf.intr_conf.lsc != 0;
	}
	/* Not every virtual device has a promiscuous mode: that's fine. */
	(void)rte_eth_promiscuous_enable(port_id);
	return 0;
}

void
vpn_port_stop(uint16_t port_id)
{
	(void)rte_eth_dev_stop(port_id);
	(void)rte_eth_dev_close(port_id);
}
