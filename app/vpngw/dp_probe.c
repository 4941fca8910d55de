/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Health checks for customer gateways that don't speak BGP, on the
 * control core. Each tunnel of a connection with a health_check_target
 * gets an ICMP echo request to the target every interval, from the
 * tunnel's inside address (ours, .1 of its /30), encrypted with that
 * tunnel's outbound SA (so it goes through that tunnel, whatever
 * steering says) and sent as the keepalives are. The CGW routes the
 * answer to that address back into the same tunnel (its /30 is the
 * tunnel's), so an answer says the tunnel works both ways. It comes back
 * decrypted like any packet for the appliance, to the kernel over the
 * TAP (the address lives there); a raw ICMP socket here sees it and
 * finds the tunnel and the round in its payload. A probe unanswered
 * when the next is due is a miss; lib/health takes the tunnel down after
 * health_check_threshold misses in a row and back up after as many
 * answers, and steering moves traffic.
 */
#include <errno.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_random.h>

#include "dp_priv.h"
#include "gw_log.h"

#define PROBE_ID      0x5648      /* ICMP identifier of ours ("VH") */
#define PROBE_MAGIC   0x76706863u /* "vphc" */
#define PROBE_PAYLOAD 24          /* magic, slot, tunnel, round, cookie (8) */
#define PROBE_LEN     (20 + 8 + PROBE_PAYLOAD)

static int probe_fd = -1;
static uint64_t probe_retry; /* TSC: when to try the socket again */

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The Internet checksum of len bytes (RFC 1071). */
static uint16_t
csum(const uint8_t *p, unsigned int len)
{
	uint32_t s = 0;

	for (unsigned int i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An echo request for tunnel ti of connection slot, round r. */
static struct rte_mbuf *
probe_packet(uint32_t src, uint32_t target, unsigned int slot, unsigned int ti,
             uint32_t r, uint64_t cookie)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	uint8_t *ip, *icmp;
	uint16_t c;

	if (m == NULL)
		return NULL;
	ip = (uint8_t *)rte_pktmbuf_append(m, PROBE_LEN);
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(ip, 0, PROBE_LEN);
	ip[0] = 0x45;
	ip[3] = PROBE_LEN;
	ip[8] = 64;
	ip[9] = IPPROTO_ICMP;
	put32(ip + 12, src);
	put32(ip + 16, target);
	c = csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	icmp = ip + 20;
	icmp[0] = 8; /* echo request */
	icmp[4] = PROBE_ID >> 8;
	icmp[5] = PROBE_ID & 0xff;
	icmp[6] = (uint8_t)(r >> 8);
	icmp[7] = (uint8_t)r;
	put32(icmp + 8, PROBE_MAGIC);
	put32(icmp + 12, slot);
	put32(icmp + 16, ti);
	put32(icmp + 20, r);
	put32(icmp + 24, (uint32_t)(cookie >> 32));
	put32(icmp + 28, (uint32_t)cookie);
	c = csum(icmp, 8 + PROBE_PAYLOAD);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	m->packet_type = RTE_PTYPE_L3_IPV4;
	return m;
}

static void
probe_send(struct dp_conn *c, unsigned int slot, unsigned int ti, uint64_t now)
{
	struct dp_tunnel *t = &c->t[ti];
	struct rte_mbuf *m;

	t->probe_round++;
	t->probe_pending = true;
	/* Unguessable: an answer forged by someone who can reach the
	 * kernel can't keep a dead tunnel up. */
	t->probe_cookie = rte_rand();
	t->probe_sent_at = now;
	t->probes_sent++;
	/* From the tunnel's inside address: the CGW routes the answer
	 * back into this tunnel, so the answer says this tunnel works both
	 * ways, whatever the CGW's steering. */
	t->probe_src = t->inside ? t->inside : dp.in.addr;
	m = probe_packet(t->probe_src, c->probe_target, slot, ti,
	                 t->probe_round, t->probe_cookie);
	dp_ctl_esp_send(t->sa, m, now);
}

/* Answers the kernel got: each for the probe in flight of its tunnel. */
static void
probe_answers(uint64_t now)
{
	uint8_t b[256];
	ssize_t n;

	/* Bounded: a flood of ICMP waits for the next turn. */
	for (int k = 0;
	     k < 256 && (n = recv(probe_fd, b, sizeof(b), MSG_DONTWAIT)) > 0;
	     k++) {
		unsigned int hl = (b[0] & 0xf) * 4u, slot, ti;
		const uint8_t *icmp = b + hl;
		struct dp_tunnel *t;
		uint32_t r;

		if (n < 20 || (b[0] >> 4) != 4 || hl < 20 ||
		    (size_t)n < hl + 8 + PROBE_PAYLOAD)
			continue;
		if (icmp[0] != 0 || (icmp[4] << 8 | icmp[5]) != PROBE_ID ||
		    get32(icmp + 8) != PROBE_MAGIC)
			continue;
		slot = get32(icmp + 12);
		ti = get32(icmp + 16);
		r = get32(icmp + 20);
		if (slot >= dp.nconns || ti >= VPN_TUNNELS ||
		    dp.conns[slot].probe_target != get32(b + 12))
			continue;
		t = &dp.conns[slot].t[ti];
		if (!t->probe_pending || r != t->probe_round ||
		    get32(b + 16) != t->probe_src ||
		    ((uint64_t)get32(icmp + 24) << 32 | get32(icmp + 28)) !=
		            t->probe_cookie)
			continue; /* late, forged, or not ours any more */
		t->probe_pending = false;
		t->probes_answered++;
		t->probe_rtt_us =
		        (now - t->probe_sent_at) * 1000000 / rte_get_tsc_hz();
		dp_tunnel_settle(&dp.conns[slot], ti,
		                 vpn_health_probe(&t->h, true,
		                                  "health check answered",
		                                  now));
	}
}

static bool
probe_open(uint64_t now)
{
	/* Echo replies only: the kernel filters the rest out. */
	struct icmp_filter flt = {.data = ~(1u << ICMP_ECHOREPLY)};
	int rcvbuf = 1 << 20;

	if (probe_fd >= 0)
		return true;
	if (now < probe_retry)
		return false;
	probe_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	                  IPPROTO_ICMP);
	if (probe_fd < 0) {
		probe_retry = now + 10 * rte_get_tsc_hz();
		vpngw_log("health checks: no raw ICMP socket (%s): no answer "
		          "is seen (tunnels stay in use, failing open); tried "
		          "again in 10 s",
		          strerror(errno));
		return false;
	}
	setsockopt(probe_fd, SOL_RAW, ICMP_FILTER, &flt, sizeof(flt));
	setsockopt(probe_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return true;
}

void
dp_probes_run(uint64_t now)
{
	bool any = false;

	for (unsigned int i = 0; i < dp.nconns; i++)
		any |= dp.conns[i].probe_target != 0;
	if (!any || !probe_open(now))
		return;
	probe_answers(now);
	for (unsigned int i = 0; i < dp.nconns; i++) {
		struct dp_conn *c = &dp.conns[i];

		if (c->probe_target == 0)
			continue;
		for (unsigned int ti = 0; ti < VPN_TUNNELS; ti++) {
			struct dp_tunnel *t = &c->t[ti];
			char why[VPN_HEALTH_WHY], a[16];

			if (t->sa == NULL || t->h.p.hz == 0 ||
			    now < t->probe_next)
				continue;
			t->probe_next = now + c->probe_every;
			if (t->probe_pending) {
				snprintf(why, sizeof(why),
				         "health check: %s did not answer",
				         vpn_ipv4_format(c->probe_target, a));
				dp_tunnel_settle(c, ti,
				                 vpn_health_probe(&t->h, false,
				                                  why, now));
			}
			probe_send(c, i, ti, now);
		}
	}
}

void
dp_probes_stop(void)
{
	if (probe_fd >= 0)
		close(probe_fd);
	probe_fd = -1;
}
