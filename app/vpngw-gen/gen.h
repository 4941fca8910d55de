/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GEN_H
#define GEN_H

/* vpngw-gen's options (gen_opts.c) as the generator (gen.c, gen_tx.c,
 * gen_rx.c, gen_rfc2544.c, gen_report.c) uses them. */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "vpn_esp.h"

#define BURST     32
#define MAX_SIZES 16
#define GEN_MAGIC 0x7667u /* "vg" */
/* Learning packets (--warmup): same layout, never counted in a run. */
#define GEN_MAGIC_LEARN 0x766cu /* "vl" */
#define HDRS            (14 + 20 + 8)

/* What follows the UDP header of every packet: 18 bytes, so that it fits
 * a 64-byte frame (the flow is the UDP source port). */
struct gen_payload {
	uint16_t magic;
	uint64_t seq;
	uint64_t tsc;
} __attribute__((packed));

#define MIN_FRAME (HDRS + (int)sizeof(struct gen_payload) + 4)

struct opts {
	uint16_t tx, rx;
	bool rx_on;
	uint64_t count;
	double seconds, rate, bitrate;
	unsigned int nsizes;
	uint16_t size[MAX_SIZES];
	uint32_t weight[MAX_SIZES];
	uint32_t flows;
	uint32_t src, dst, nsrc, ndst, dst_step;
	bool line_rate;
	uint16_t sport, dport;
	struct rte_ether_addr dmac;
	int64_t gap, swap;
	bool rfc2544;
	unsigned int trials;
	double loss_pct;
	unsigned int drain_ms;
	unsigned int wait_link_s;
	unsigned int warmup_s;
	bool json;
	/* ESP: what is sent is encrypted with esp_out (to drive the
	 * inbound path), what comes back is decrypted with esp_in. */
	bool esp_out_on, esp_in_on, esp_udp;
	struct vpn_esp_sa_params esp_out, esp_in;
	uint32_t tun_src, tun_dst; /* esp_out's outer addresses */
};

/* The options after the EAL's: 0, or -1 with the reason printed. */
int gen_parse(int argc, char **argv, struct opts *o);
void gen_usage(void);

#endif /* GEN_H */
