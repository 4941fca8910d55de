/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ike-load: IKEv2 initiators that set tunnels up against a responder, as
 * fast as it answers, and print the rate: IKE SA + Child SA setups a
 * second. Each of N tunnels has a source address of its own (BASE, BASE+1,
 * ...) that must exist on this host, and the PSK PREFIX.i; once its Child
 * SA is in, the tunnel is deleted (an INFORMATIONAL exchange) and begun
 * again. The same program drives vpngw and strongSwan, so their figures
 * compare. Built on lib/ike; nothing is installed anywhere.
 *
 *   ike-load --remote A.B.C.D [--remote2 A.B.C.D] --base A.B.C.D
 *            --tunnels N (--psk PREFIX | --pki DIR) [--group 19]
 *            [--seconds 10] [--warmup 2]
 * With --remote2, odd-numbered tunnels go to that address (a vpngw
 * connection's second tunnel has the appliance's second address). With
 * --pki, certificates instead of PSKs: a PKI made by tools/vpngw-pki.sh
 * (DIR/ca.pem; every initiator is DIR/cgw.pem with DIR/cgw.key) and the
 * responder proves the identity "vpngw" (vpngw.pem's subjectAltName).
 *
 *   ike-load --respond --peers FILE [--group 19] [--seconds 60]
 * plays many customer gateways that answer: FILE has a line "LOCAL REMOTE
 * PSK" per tunnel (LOCAL: our address, which must exist on this host; up
 * to 16384 tunnels, any number to one address). It answers until every
 * tunnel has its Child SA, or SECONDS pass, and prints when the first
 * IKE_SA_INIT came and when the last tunnel came up (CLOCK_REALTIME), for
 * a gateway's cold start.
 *
 *   ike-load --flood RATE --flood-src A.B.C.D/N --remote A.B.C.D
 *            [--group 19] [--seconds 10]
 * sends RATE spoofed IKE_SA_INITs a second to REMOTE:500 from random
 * addresses of the prefix (a raw socket: no answer ever comes back to
 * them; a /32 spoofs one address, e.g. a real customer gateway's), each
 * with an SPI of its own, and never goes further.
 *
 * The initiators print their setup times too (IKE_SA_INIT sent to Child
 * SA up): median, 99th percentile and worst.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "vpn_ike.h"
#include "vpn_pki.h"

#define MAX_TUNNELS  256   /* initiators: a socket pair each */
#define MAX_ANSWERED 16384 /* --respond: two sockets for all */

static struct {
	struct vpn_ike *ike;
	int fd500[MAX_TUNNELS], fd4500[MAX_TUNNELS];
	uint32_t base;
	unsigned int n;
	uint64_t setups, counting_from;
	bool reset[MAX_TUNNELS];
	/* --respond */
	bool respond;
	int any500, any4500; /* 0.0.0.0:500 and :4500, with IP_PKTINFO */
	bool up[MAX_ANSWERED];
	unsigned int n_up;
	double first_init, all_up; /* CLOCK_REALTIME, s; 0: not yet */
	/* Setup times (initiators): when each tunnel began, and samples. */
	uint64_t began[MAX_TUNNELS];
	uint32_t *lat_us;
	size_t n_lat, cap_lat;
	/* --flood: the IKE_SA_INIT captured from an engine */
	uint8_t init[IKE_MAX_MSG];
	size_t init_len;
} g;

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static double
wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
l_send(void *ctx, uint32_t local, uint16_t lport, uint32_t remote,
       uint16_t rport, const uint8_t *msg, size_t len)
{
	static const uint8_t marker[4];
	unsigned int i = local - g.base;
	struct sockaddr_in to = {.sin_family = AF_INET,
	                         .sin_port = htons(rport),
	                         .sin_addr.s_addr = htonl(remote)};
	struct iovec iov[2] = {{(void *)marker, 4}, {(void *)msg, len}};
	bool natt = lport == 4500;
	struct msghdr mh = {.msg_name = &to,
	                    .msg_namelen = sizeof(to),
	                    .msg_iov = natt && len > 1 ? iov : iov + 1,
	                    .msg_iovlen = natt && len > 1 ? 2 : 1};

	(void)ctx;
	if (g.respond) {
		/* From the tunnel's own address (IP_PKTINFO). */
		union {
			char b[CMSG_SPACE(sizeof(struct in_pktinfo))];
			struct cmsghdr align;
		} cb = {0};
		struct cmsghdr *cm = (struct cmsghdr *)cb.b;
		struct in_pktinfo pi = {.ipi_spec_dst.s_addr = htonl(local)};

		mh.msg_control = cb.b;
		mh.msg_controllen = sizeof(cb.b);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		(void)sendmsg(natt ? g.any4500 : g.any500, &mh, 0);
		return;
	}
	if (i < g.n)
		(void)sendmsg(natt ? g.fd4500[i] : g.fd500[i], &mh, 0);
}

static int
l_add(void *ctx, unsigned int peer, const struct vpn_ike_child *c)
{
	(void)ctx;
	(void)c;
	if (g.respond) {
		if (peer < g.n && !g.up[peer]) {
			g.up[peer] = true;
			if (++g.n_up == g.n)
				g.all_up = wall_s();
		}
		return 0;
	}
	if (now_ms() >= g.counting_from) {
		g.setups++;
		if (g.n_lat == g.cap_lat) {
			size_t cap = g.cap_lat ? 2 * g.cap_lat : 4096;
			uint32_t *l = realloc(g.lat_us, cap * sizeof(*l));

			if (l != NULL) {
				g.lat_us = l;
				g.cap_lat = cap;
			}
		}
		if (g.n_lat < g.cap_lat && peer < MAX_TUNNELS)
			g.lat_us[g.n_lat++] =
			        (uint32_t)(now_us() - g.began[peer]);
	}
	g.reset[peer] = true; /* after this call returns */
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Setup times so far: median, 99th percentile, worst. */
static void
print_latency(void)
{
	if (g.n_lat == 0)
		return;
	qsort(g.lat_us, g.n_lat, sizeof(*g.lat_us), cmp_u32);
	printf("ike-load: setup time (IKE_SA_INIT sent to Child SA up) over "
	       "%zu setups: median %.2f ms, p99 %.2f ms, worst %.2f ms\n",
	       g.n_lat, g.lat_us[g.n_lat / 2] / 1000.0,
	       g.lat_us[g.n_lat * 99 / 100] / 1000.0,
	       g.lat_us[g.n_lat - 1] / 1000.0);
}

static void
l_nop(void *ctx, unsigned int peer, uint32_t spi)
{
	(void)ctx;
	(void)peer;
	(void)spi;
}

static int
bind_udp(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons(port),
	                          .sin_addr.s_addr = htonl(addr)};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		fprintf(stderr, "ike-load: bind %s:%u: %s\n",
		        inet_ntoa(sin.sin_addr), port, strerror(errno));
		exit(1);
	}
	return fd;
}

/* A wildcard socket on port that learns each datagram's destination. */
static int
bind_any(uint16_t port)
{
	int fd = bind_udp(0, port), on = 1;

	if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) != 0) {
		fprintf(stderr, "ike-load: IP_PKTINFO: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

/* One datagram from fd (port 500 or 4500) into the engine. */
static void
respond_input(int fd, bool natt, uint64_t now)
{
	uint8_t buf[IKE_MAX_MSG];
	union {
		char b[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} cb;
	struct sockaddr_in from;
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {.msg_name = &from,
	                    .msg_namelen = sizeof(from),
	                    .msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = cb.b,
	                    .msg_controllen = sizeof(cb.b)};
	ssize_t n;

	while ((n = recvmsg(fd, &mh, 0)) > 0) {
		const uint8_t *m = buf;
		uint32_t dst = 0;

		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL;
		     c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == IPPROTO_IP &&
			    c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				dst = ntohl(pi.ipi_addr.s_addr);
			}
		if (natt) {
			if (n < 4 || memcmp(buf, "\0\0\0\0", 4) != 0)
				goto next;
			m += 4;
			n -= 4;
		}
		if (g.first_init == 0)
			g.first_init = wall_s();
		if (dst != 0)
			vpn_ike_input(g.ike, now, dst, natt ? 4500 : 500,
			              ntohl(from.sin_addr.s_addr),
			              ntohs(from.sin_port), m, (size_t)n);
	next:
		mh.msg_namelen = sizeof(from);
		mh.msg_controllen = sizeof(cb.b);
	}
}

/* The algorithms both modes take: AES-128-GCM, PRF SHA2-256, group. */
static void
algs(struct vpn_ike_peer *p, unsigned int group)
{
	p->ike.n_encr = p->esp.n_encr = 1;
	p->ike.encr[0].id = p->esp.encr[0].id = 20;
	p->ike.encr[0].key_bits = p->esp.encr[0].key_bits = 128;
	p->ike.n_integ = p->esp.n_integ = 1;
	p->ike.integ[0] = p->esp.integ[0] = 12;
	p->ike.n_dh = 1;
	p->ike.dh[0] = (uint16_t)group;
	p->esp.n_dh = 1;
	p->esp.dh[0] = (uint16_t)group;
	p->ike_lifetime = 28800;
	p->esp_lifetime = 3600;
	p->rekey_margin = 540;
	p->dpd_timeout = 30;
	p->n_lts = p->n_rts = 1;
	p->lts[0] = (struct vpn_ike_ts){0, 0xffffffff};
	p->rts[0] = (struct vpn_ike_ts){0, 0xffffffff};
}

/* --respond: the tunnels of FILE answered until all are up. */
static int
respond(const char *file, unsigned int group, unsigned int seconds)
{
	FILE *f = fopen(file, "r");
	char line[256];
	uint64_t end;
	unsigned int lineno = 0;

	if (f == NULL) {
		fprintf(stderr, "ike-load: %s: %s\n", file, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		struct vpn_ike_peer p = {0};
		char l[32], r[32], psk[VPN_IKE_PSK_MAX];
		struct in_addr a, b;

		lineno++;
		if (sscanf(line, "%31s %31s %63s", l, r, psk) != 3 ||
		    inet_pton(AF_INET, l, &a) != 1 ||
		    inet_pton(AF_INET, r, &b) != 1 || g.n == MAX_ANSWERED) {
			fprintf(stderr,
			        "ike-load: %s:%u: want LOCAL REMOTE PSK "
			        "(at most %u lines)\n",
			        file, lineno, MAX_ANSWERED);
			fclose(f);
			return 1;
		}
		snprintf(p.name, sizeof(p.name), "cgw/%u", g.n);
		p.local = ntohl(a.s_addr);
		p.remote = ntohl(b.s_addr);
		p.psk_len = strlen(psk);
		memcpy(p.psk, psk, p.psk_len);
		algs(&p, group);
		if (vpn_ike_add_peer(g.ike, &p) < 0) {
			fprintf(stderr, "ike-load: %s:%u: refused\n", file,
			        lineno);
			fclose(f);
			return 1;
		}
		g.n++;
	}
	fclose(f);
	g.any500 = bind_any(500);
	g.any4500 = bind_any(4500);
	end = now_ms() + seconds * 1000ull;
	while (g.n_up < g.n && now_ms() < end) {
		struct pollfd pf[2] = {{g.any500, POLLIN, 0},
		                       {g.any4500, POLLIN, 0}};
		uint64_t now;

		(void)poll(pf, 2, 1);
		now = now_ms();
		if (pf[0].revents & POLLIN)
			respond_input(g.any500, false, now);
		if (pf[1].revents & POLLIN)
			respond_input(g.any4500, true, now);
		vpn_ike_tick(g.ike, now);
	}
	printf("ike-load: answered %u tunnels, DH group %u: %u up; first "
	       "IKE_SA_INIT at %.3f, all up at %.3f\n",
	       g.n, group, g.n_up, g.first_init, g.all_up);
	{
		const struct vpn_ike_stats *st = vpn_ike_stats(g.ike);

		printf("ike-load: received %llu, sent %llu, resent responses "
		       "%llu, cookies %llu, malformed %llu, no_peer %llu\n",
		       (unsigned long long)st->rx, (unsigned long long)st->tx,
		       (unsigned long long)st->resent_responses,
		       (unsigned long long)st->cookies_sent,
		       (unsigned long long)st->malformed,
		       (unsigned long long)st->no_peer);
	}
	return g.n_up == g.n ? 0 : 1;
}

/* --flood: keep the first IKE_SA_INIT the engine sends. */
static void
f_send(void *ctx, uint32_t local, uint16_t lport, uint32_t remote,
       uint16_t rport, const uint8_t *msg, size_t len)
{
	(void)ctx;
	(void)local;
	(void)lport;
	(void)remote;
	(void)rport;
	if (g.init_len == 0 && len <= sizeof(g.init)) {
		memcpy(g.init, msg, len);
		g.init_len = len;
	}
}

static uint64_t
xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* --flood: RATE spoofed IKE_SA_INITs a second for SECONDS. */
static int
flood(unsigned int rate, uint32_t net, unsigned int plen, uint32_t remote,
      unsigned int group, unsigned int seconds)
{
	static const struct vpn_ike_ops fops = {.send = f_send,
	                                        .child_add = l_add,
	                                        .child_route = l_nop,
	                                        .child_del = l_nop};
	struct vpn_ike *e = vpn_ike_new(&fops, NULL);
	struct vpn_ike_peer p = {0};
	uint8_t pkt[20 + 8 + IKE_MAX_MSG];
	struct sockaddr_in to = {.sin_family = AF_INET,
	                         .sin_addr.s_addr = htonl(remote)};
	uint64_t x = now_us() | 1, start, sent = 0, failed = 0;
	uint32_t span = plen >= 32 ? 1 : 1u << (32 - plen);
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);

	if (fd < 0) {
		fprintf(stderr, "ike-load: raw socket: %s\n", strerror(errno));
		return 1;
	}
	/* One IKE_SA_INIT as the engine writes it; each copy gets an SPI. */
	snprintf(p.name, sizeof(p.name), "flood");
	p.local = net;
	p.remote = remote;
	memcpy(p.psk, "flood", 5);
	p.psk_len = 5;
	algs(&p, group);
	p.initiate = true;
	if (e == NULL || vpn_ike_add_peer(e, &p) < 0) {
		vpn_ike_free(e);
		close(fd);
		return 1;
	}
	vpn_ike_tick(e, 1);
	vpn_ike_free(e);
	if (g.init_len == 0) {
		fprintf(stderr, "ike-load: no IKE_SA_INIT to flood with\n");
		return 1;
	}
	start = now_us();
	while (now_us() - start < seconds * 1000000ull) {
		uint64_t due = (now_us() - start) * rate / 1000000;

		while (sent + failed < due) {
			struct iphdr *ip = (struct iphdr *)pkt;
			struct udphdr *u = (struct udphdr *)(pkt + 20);
			uint32_t src =
			        net + (span > 1
			                       ? (uint32_t)(xorshift(&x) % span)
			                       : 0);
			uint64_t spi = xorshift(&x);
			size_t len = 20 + 8 + g.init_len;

			memset(pkt, 0, 28);
			ip->version = 4;
			ip->ihl = 5;
			ip->ttl = 64;
			ip->protocol = IPPROTO_UDP;
			ip->saddr = htonl(src);
			ip->daddr = htonl(remote);
			/* (the kernel fills in the checksum) */
			ip->tot_len = htons((uint16_t)len);
			u->source = htons(500);
			u->dest = htons(500);
			u->len = htons((uint16_t)(8 + g.init_len));
			memcpy(pkt + 28, g.init, g.init_len);
			memcpy(pkt + 28, &spi, 8);
			if (sendto(fd, pkt, len, 0, (struct sockaddr *)&to,
			           sizeof(to)) == (ssize_t)len)
				sent++;
			else
				failed++;
		}
		usleep(200);
	}
	printf("ike-load: flood: %llu spoofed IKE_SA_INITs in %u s (%.0f a "
	       "second; %llu not sent)\n",
	       (unsigned long long)sent, seconds, (double)sent / seconds,
	       (unsigned long long)failed);
	close(fd);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ike-load --remote ADDR --base ADDR --tunnels N "
	                "(--psk PREFIX | --pki DIR) [--group G] [--seconds S] "
	                "[--warmup S]\n"
	                "       ike-load --respond --peers FILE [--group G] "
	                "[--seconds S]\n"
	                "       ike-load --flood RATE --flood-src ADDR/LEN "
	                "--remote ADDR [--group G] [--seconds S]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"remote", required_argument, NULL, 'r'},
	        {"remote2", required_argument, NULL, 'R'},
	        {"base", required_argument, NULL, 'b'},
	        {"tunnels", required_argument, NULL, 'n'},
	        {"psk", required_argument, NULL, 'p'},
	        {"pki", required_argument, NULL, 'k'},
	        {"group", required_argument, NULL, 'g'},
	        {"seconds", required_argument, NULL, 's'},
	        {"warmup", required_argument, NULL, 'w'},
	        {"respond", no_argument, NULL, 'a'},
	        {"peers", required_argument, NULL, 'f'},
	        {"flood", required_argument, NULL, 'F'},
	        {"flood-src", required_argument, NULL, 'S'},
	        {NULL, 0, NULL, 0}};
	static const struct vpn_ike_ops ops = {.send = l_send,
	                                       .child_add = l_add,
	                                       .child_route = l_nop,
	                                       .child_del = l_nop};
	const char *psk = NULL, *pkidir = NULL, *peers = NULL;
	struct vpn_pki *pki = NULL;
	struct in_addr a;
	uint32_t remote = 0, remote2 = 0;
	unsigned int group = 19, seconds = 10, warmup = 2, rate = 0, flen = 0;
	uint32_t fnet = 0;
	uint64_t end, start;
	struct pollfd *pf;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'r':
		case 'R':
		case 'b':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				usage();
			if (o == 'r')
				remote = ntohl(a.s_addr);
			else if (o == 'R')
				remote2 = ntohl(a.s_addr);
			else
				g.base = ntohl(a.s_addr);
			break;
		case 'n':
			g.n = (unsigned int)atoi(optarg);
			break;
		case 'p':
			psk = optarg;
			break;
		case 'k':
			pkidir = optarg;
			break;
		case 'g':
			group = (unsigned int)atoi(optarg);
			break;
		case 's':
			seconds = (unsigned int)atoi(optarg);
			break;
		case 'w':
			warmup = (unsigned int)atoi(optarg);
			break;
		case 'a':
			g.respond = true;
			break;
		case 'f':
			peers = optarg;
			break;
		case 'F':
			rate = (unsigned int)atoi(optarg);
			break;
		case 'S': {
			char *slash = strchr(optarg, '/');

			if (slash == NULL)
				usage();
			*slash = '\0';
			if (inet_pton(AF_INET, optarg, &a) != 1)
				usage();
			fnet = ntohl(a.s_addr);
			flen = (unsigned int)atoi(slash + 1);
			if (flen < 8 || flen > 32)
				usage();
			fnet &= flen == 32 ? ~0u : ~((1u << (32 - flen)) - 1);
			break;
		}
		default:
			usage();
		}
	}
	if (rate != 0) {
		if (fnet == 0 || remote == 0 || seconds == 0)
			usage();
		return flood(rate, fnet, flen, remote, group, seconds);
	}
	if (g.respond) {
		if (peers == NULL || seconds == 0)
			usage();
		g.ike = vpn_ike_new(&ops, NULL);
		if (g.ike == NULL)
			return 1;
		o = respond(peers, group, seconds);
		vpn_ike_free(g.ike);
		return o;
	}
	if (remote == 0 || g.base == 0 || (psk == NULL) == (pkidir == NULL) ||
	    g.n == 0 || g.n > MAX_TUNNELS || seconds == 0)
		usage();
	if (pkidir != NULL) {
		struct vpn_cfg_pki c = {0};
		struct vpn_pki_params pp = {.pki = &c, .file = "--pki"};
		struct vpn_diag d;

		snprintf(c.ca, sizeof(c.ca), "%s/ca.pem", pkidir);
		snprintf(c.certificate, sizeof(c.certificate), "%s/cgw.pem",
		         pkidir);
		snprintf(c.private_key, sizeof(c.private_key), "%s/cgw.key",
		         pkidir);
		vpn_diag_init(&d);
		pki = vpn_pki_load(&pp, &d);
		vpn_diag_print(&d, stderr);
		vpn_diag_free(&d);
		if (pki == NULL)
			return 1;
	}
	g.ike = vpn_ike_new(&ops, NULL);
	if (g.ike != NULL)
		vpn_ike_set_pki(g.ike, pki);
	pf = calloc(2 * g.n, sizeof(*pf));
	if (g.ike == NULL || pf == NULL)
		return 1;
	for (unsigned int i = 0; i < g.n; i++) {
		struct vpn_ike_peer p = {0};

		snprintf(p.name, sizeof(p.name), "load/%u", i);
		p.local = g.base + i;
		p.remote = remote2 && (i & 1) ? remote2 : remote;
		if (pki != NULL) {
			p.cert = true;
			snprintf(p.identity, sizeof(p.identity), "vpngw");
		} else
			p.psk_len = (size_t)snprintf(
			        (char *)p.psk, sizeof(p.psk), "%s.%u", psk, i);
		algs(&p, group);
		p.esp.n_dh = 0; /* (as before: no PFS group asked) */
		p.initiate = true;
		if (vpn_ike_add_peer(g.ike, &p) < 0) {
			fprintf(stderr, "ike-load: cannot add tunnel %u\n", i);
			return 1;
		}
		g.fd500[i] = bind_udp(g.base + i, 500);
		g.fd4500[i] = bind_udp(g.base + i, 4500);
		pf[2 * i] = (struct pollfd){g.fd500[i], POLLIN, 0};
		pf[2 * i + 1] = (struct pollfd){g.fd4500[i], POLLIN, 0};
	}
	start = now_ms();
	for (unsigned int i = 0; i < g.n; i++)
		g.began[i] = now_us();
	g.counting_from = start + warmup * 1000ull;
	end = g.counting_from + seconds * 1000ull;
	while (now_ms() < end) {
		uint64_t now;

		(void)poll(pf, 2 * g.n, 1);
		now = now_ms();
		for (unsigned int k = 0; k < 2 * g.n; k++) {
			uint8_t buf[IKE_MAX_MSG];
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			unsigned int i = k / 2;
			bool natt = k & 1;
			ssize_t n;

			if (!(pf[k].revents & POLLIN))
				continue;
			while ((n = recvfrom(pf[k].fd, buf, sizeof(buf), 0,
			                     (struct sockaddr *)&from, &fl)) >
			       0) {
				const uint8_t *m = buf;

				if (natt) {
					if (n < 4 || memcmp(buf, "\0\0\0\0", 4))
						continue;
					m += 4;
					n -= 4;
				}
				vpn_ike_input(g.ike, now, g.base + i,
				              natt ? 4500 : 500,
				              ntohl(from.sin_addr.s_addr),
				              ntohs(from.sin_port), m,
				              (size_t)n);
				fl = sizeof(from);
			}
		}
		/* Each tunnel that came up: delete it and begin again. */
		for (unsigned int i = 0; i < g.n; i++)
			if (g.reset[i]) {
				g.reset[i] = false;
				vpn_ike_reset(g.ike, i, true);
				g.began[i] = now_us();
			}
		vpn_ike_tick(g.ike, now);
	}
	printf("ike-load: %u tunnels, DH group %u, %s: %llu IKE SA + Child SA "
	       "setups in %u s: %.1f setups/s\n",
	       g.n, group, pki ? "certificates" : "PSK",
	       (unsigned long long)g.setups, seconds,
	       (double)g.setups / seconds);
	{
		const struct vpn_ike_stats *st = vpn_ike_stats(g.ike);

		print_latency();
		printf("ike-load: sent %llu, received %llu, retransmits %llu, "
		       "auth_failed %llu, no_proposal %llu\n",
		       (unsigned long long)st->tx, (unsigned long long)st->rx,
		       (unsigned long long)st->retransmits,
		       (unsigned long long)st->auth_failed,
		       (unsigned long long)st->no_proposal);
	}
	vpn_ike_free(g.ike);
	vpn_pki_free(pki);
	free(pf);
	free(g.lat_us);
	return g.setups > 0 ? 0 : 1;
}
