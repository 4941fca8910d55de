/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpngw-gen: the bundled DPDK traffic generator. It sends IPv4/UDP
 * packets on one port and counts what comes back on another (or the
 * same), on one lcore: any DPDK port (net_ring and net_memif on one
 * machine, PCI/VF ports for real tests).
 *
 * Each packet carries, after its UDP header, a magic word, a sequence
 * number and the TSC when it was sent. The receive side counts
 * packets and bytes, and from the sequence numbers: lost (missing ones),
 * reordered (arriving after a higher one), duplicated; from the TSC:
 * latency percentiles (p50, p99, p99.9, max; sender and receiver share
 * the clock). A rate is kept by the TSC (packets due by now, sent in
 * bursts); every packet asked for is sent, exactly: a full TX ring is
 * retried, never dropped.
 *
 *   vpngw-gen [EAL args] -- [--tx PORT] [--rx PORT|none]
 *       [--count N] [--seconds S] [--rate PPS | --bitrate BPS]
 *       [--size B | --sizes B,B,... | --imix | --mix B:W,B:W,...]
 *       [--flows N] [--src A.B.C.D] [--dst A.B.C.D] [--sport P]
 *       [--srcs N] [--dsts N [--dst-step S]] [--esp-udp] [--line-rate]
 *       [--dport P] [--dmac XX:..] [--gap SEQ] [--swap SEQ]
 *       [--rfc2544 [--trials N] [--loss PCT]] [--drain-ms MS] [--json]
 *       [--wait-link S] [--warmup S]
 *
 * Sizes are Ethernet frames with their FCS (RFC 2544's 64 B is 60 bytes
 * in the mbuf); IMIX is 7:4:1 of 64/594/1518, interleaved. --flows N
 * varies the UDP source port over N values, --dsts N the destination
 * address over N addresses S apart (packet i goes to dst + (i % N) * S:
 * one destination behind each of N tunnels), --srcs N the source address
 * over N consecutive ones. --line-rate: the tx port's link speed in
 * frames of these sizes (with preamble and gap: 20 bytes more each);
 * without a rate the generator sends as fast as the port takes them.
 * --esp-udp puts the ESP of --esp-out in UDP 4500 (RFC 3948) and expects
 * it so from --esp-in. --gap SEQ never sends that sequence number, --swap
 * SEQ sends SEQ+1 before SEQ: the receive side must find them
 * (tests/app/gen.sh). --rfc2544 searches for the highest rate (up to
 * --rate) whose trial of --seconds loses nothing (or at most --loss %), by
 * bisection over --trials trials (below what came back in the first trial
 * at --rate, when that one loses; nothing back ends the search).
 * --wait-link S waits up to S seconds for the ports' links (a memif
 * peer connected). --warmup S is RFC 2544's learning phase: a device
 * under test forwards only once it is ready (a router learns its link,
 * its neighbours, its routes), so before the first run one packet every
 * 10 ms, marked as learning and never counted, until one comes back (up
 * to S seconds; then quiet for --drain-ms). One back says one path is
 * ready: with --dsts/--srcs over many tunnels, the first packets of the
 * others may still meet a gateway that is not.
 *
 * This file: main (EAL, ports, the ESP SAs, links, one run or a search);
 * gen_priv.h says what the others hold.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "gen_priv.h"

static struct vpn_crypto *eng;
struct vpn_esp_worker *gen_esp_w;
struct vpn_esp_sa *gen_sa_out;
struct vpn_esp_sad *gen_sad_in;
struct rte_mempool *gen_pool;

static int
port_start(uint16_t port)
{
	struct rte_eth_conf conf = {0};
	int rc;

	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, 1024,
		                            rte_eth_dev_socket_id(port), NULL,
		                            gen_pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, 1024,
		                            rte_eth_dev_socket_id(port), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc == 0)
		rte_eth_promiscuous_enable(port);
	return rc;
}

/* The end, whatever it is: stdout flushed (the results are out), the
 * ports stopped and closed before the EAL goes (net_memif's interrupt
 * thread used to race rte_eal_cleanup's unmapping: a crash at exit in
 * about 1 of 15 memif runs, and with it the buffered result line). */
static int
finish(const struct opts *o, int rc)
{
	fflush(stdout);
	if (rte_eth_dev_is_valid_port(o->tx)) {
		rte_eth_dev_stop(o->tx);
		rte_eth_dev_close(o->tx);
	}
	if (o->rx_on && o->rx != o->tx && rte_eth_dev_is_valid_port(o->rx)) {
		rte_eth_dev_stop(o->rx);
		rte_eth_dev_close(o->rx);
	}
	rte_eal_cleanup();
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct run r = {0};
	int n = rte_eal_init(argc, argv);

	if (n < 0) {
		fprintf(stderr, "vpngw-gen: EAL: %s\n",
		        rte_strerror(rte_errno));
		return 1;
	}
	argc -= n;
	argv += n;
	if (gen_parse(argc, argv, &o) != 0) {
		gen_usage();
		rte_eal_cleanup();
		return 2;
	}
	gen_build_pattern(&o);
	if (o.bitrate > 0)
		o.rate = o.bitrate / (gen_mean_frame() * 8);
	gen_pool = rte_pktmbuf_pool_create("gen", 8191, 256, 0,
	                                   RTE_PKTMBUF_HEADROOM + 9216,
	                                   rte_socket_id());
	if (gen_pool == NULL || !rte_eth_dev_is_valid_port(o.tx) ||
	    (o.rx_on && !rte_eth_dev_is_valid_port(o.rx)) ||
	    port_start(o.tx) != 0 ||
	    (o.rx_on && o.rx != o.tx && port_start(o.rx) != 0)) {
		fprintf(stderr, "vpngw-gen: cannot start ports %u/%u\n", o.tx,
		        o.rx);
		return finish(&o, 1);
	}
	if (o.esp_out_on || o.esp_in_on) {
		eng = vpn_crypto_open(VPN_CRYPTO_IMB);
		gen_esp_w = eng ? vpn_esp_worker_new(eng, 0) : NULL;
		gen_sa_out = o.esp_out_on && gen_esp_w
		                     ? vpn_esp_sa_new(eng, &o.esp_out)
		                     : NULL;
		gen_sad_in =
		        o.esp_in_on && gen_esp_w ? vpn_esp_sad_new(16) : NULL;
		if (gen_esp_w == NULL || (o.esp_out_on && gen_sa_out == NULL) ||
		    (o.esp_in_on &&
		     (gen_sad_in == NULL ||
		      vpn_esp_sad_add(gen_sad_in,
		                      vpn_esp_sa_new(eng, &o.esp_in)) != 0))) {
			fprintf(stderr,
			        "vpngw-gen: cannot set up the ESP SAs\n");
			return finish(&o, 1);
		}
	}
	explicit_bzero(&o.esp_out, sizeof(o.esp_out));
	explicit_bzero(&o.esp_in, sizeof(o.esp_in));
	if (o.wait_link_s) {
		printf("vpngw-gen: ports started, waiting up to %u s for their "
		       "links\n",
		       o.wait_link_s);
		fflush(stdout);
	}
	/* Links (memif: once the peer has connected), up to wait_link_s. */
	for (unsigned int i = 0; i < o.wait_link_s * 10; i++) {
		struct rte_eth_link a = {0}, b = {0};

		rte_eth_link_get_nowait(o.tx, &a);
		if (o.rx_on)
			rte_eth_link_get_nowait(o.rx, &b);
		if (a.link_status && (!o.rx_on || b.link_status))
			break;
		rte_delay_ms(100);
	}
	if (o.warmup_s) {
		int64_t ms = gen_warmup(&o);

		if (ms < -1) {
			fprintf(stderr, "vpngw-gen: the learning packets "
			                "could not be built\n");
			return finish(&o, 1);
		}
		if (ms >= 0)
			printf("vpngw-gen: learning: the first packet came "
			       "back after %" PRId64 " ms\n",
			       ms);
		else
			printf("vpngw-gen: learning: nothing came back in %u "
			       "s\n",
			       o.warmup_s);
		fflush(stdout);
	}
	if (o.line_rate) {
		struct rte_eth_link l = {0};

		rte_eth_link_get_nowait(o.tx, &l);
		if (l.link_speed != RTE_ETH_SPEED_NUM_NONE &&
		    l.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN)
			o.rate = l.link_speed * 1e6 /
			         ((gen_mean_frame() + 20) * 8);
		else
			o.rate = 0;
		printf("vpngw-gen: line rate of port %u: %s%.0f pps\n", o.tx,
		       o.rate > 0 ? "" : "unknown, as fast as it takes: ",
		       o.rate);
		if (o.rfc2544 && o.rate <= 0) {
			fprintf(stderr, "vpngw-gen: no link speed for an RFC "
			                "2544 search: give --rate\n");
			return finish(&o, 2);
		}
	}
	if (o.rfc2544)
		n = gen_rfc2544(&o);
	else if ((n = gen_run_once(&o, o.rate, &r)) == 0)
		gen_report(&o, "run", o.rate, &r);
	free(r.rx.seen);
	return finish(&o, n == 0 ? 0 : 1);
}
