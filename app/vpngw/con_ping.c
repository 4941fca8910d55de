/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ping and traceroute from the console, as a router's:
 *
 *   ping A.B.C.D [source A.B.C.D] [count N] [size N] [timeout S]
 *   traceroute A.B.C.D [source A.B.C.D] [maxttl N] [timeout S]
 *
 * The echo requests leave from the kernel's side of the exception path:
 * a raw ICMP socket bound to the TAP (appliance.exception_iface, which
 * they need), so they only ever go into the data plane, never out of
 * another of the host's interfaces, and to the source address when one
 * is given (the inside port's address, a tunnel's inside address, an
 * outside address). The data plane forwards them as any packet from the
 * appliance itself:
 * into the tunnel its route takes, encrypted. Answers come back the same
 * way. So `ping 192.0.2.130 source 198.51.100.1` tests the path through a
 * tunnel both ways, as traffic from the inside network takes it.
 *
 * They run on the session's thread without the control lock (a ping
 * takes seconds; the control core goes on), bounded: 100 echoes, 10 s a
 * wait, 30 hops.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_ip.h>

#include "con_priv.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_UNREACH    3
#define ICMP_ECHO       8
#define ICMP_TIMXCEED   11
#define PING_MAX_SIZE   1472 /* ICMP data that fits 1500 bytes */

struct pinger {
	int fd;
	char dev[16];            /* the exception path's TAP */
	uint32_t target, source; /* host order; source 0: the kernel's */
	uint16_t id;
	unsigned int size;
	int timeout_ms;
};

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Append to a line of len bytes at *k, cut at its end. */
__attribute__((format(printf, 4, 5))) static void
add(char *line, size_t len, size_t *k, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*k + 1 >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line + *k, len - *k, fmt, ap);
	va_end(ap);
	if (n > 0)
		*k = *k + (size_t)n < len ? *k + (size_t)n : len - 1;
}

static const char *
ip(uint32_t a, char *b)
{
	return con_ip(a, b);
}

static int
pinger_open(struct cli_def *cli, struct pinger *p)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};

	vpngw_ctl_lock();
	snprintf(p->dev, sizeof(p->dev), "%s",
	         vpngw_running()->appliance.exception_iface);
	vpngw_ctl_unlock();
	if (p->dev[0] == '\0') {
		cli_error(cli, "%% ping and traceroute need the exception path "
		               "(appliance.exception_iface)");
		return -1;
	}
	p->fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (p->fd < 0) {
		cli_error(cli, "%% no ICMP socket: %s", strerror(errno));
		return -1;
	}
	/* Into the data plane only. */
	if (setsockopt(p->fd, SOL_SOCKET, SO_BINDTODEVICE, p->dev,
	               (socklen_t)strlen(p->dev)) != 0) {
		cli_error(cli, "%% cannot use %s: %s", p->dev, strerror(errno));
		close(p->fd);
		return -1;
	}
	if (p->source != 0) {
		char b[16];

		sin.sin_addr.s_addr = htonl(p->source);
		if (bind(p->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
			cli_error(cli,
			          "%% source %s: %s (it must be an address of "
			          "this appliance)",
			          ip(p->source, b), strerror(errno));
			close(p->fd);
			return -1;
		}
	}
	return 0;
}

static int
echo_send(struct pinger *p, uint16_t seq, int ttl)
{
	uint8_t pkt[8 + PING_MAX_SIZE];
	struct sockaddr_in to = {.sin_family = AF_INET,
	                         .sin_addr.s_addr = htonl(p->target)};
	uint16_t c;

	if (ttl > 0 &&
	    setsockopt(p->fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) != 0)
		return -1;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = ICMP_ECHO;
	pkt[4] = (uint8_t)(p->id >> 8);
	pkt[5] = (uint8_t)p->id;
	pkt[6] = (uint8_t)(seq >> 8);
	pkt[7] = (uint8_t)seq;
	for (unsigned int i = 0; i < p->size; i++)
		pkt[8 + i] = (uint8_t)(0xab + i);
	/* In memory as read (RFC 1071): stored as it comes. */
	c = (uint16_t)~rte_raw_cksum(pkt, 8 + p->size);
	memcpy(pkt + 2, &c, 2);
	return sendto(p->fd, pkt, 8 + p->size, 0, (struct sockaddr *)&to,
	              sizeof(to)) == (ssize_t)(8 + p->size)
	               ? 0
	               : -1;
}

/* Wait for the answer to seq: its ICMP type (ECHO_REPLY, TIMXCEED,
 * UNREACH) and who sent it, or -1 on timeout. Other packets (others'
 * pings, health probes) are skipped. */
static int
answer_wait(struct pinger *p, uint16_t seq, double deadline, uint32_t *from)
{
	uint8_t b[2048];

	for (;;) {
		double left = deadline - now_ms();
		struct pollfd pf = {p->fd, POLLIN, 0};
		struct sockaddr_in sin;
		socklen_t sl = sizeof(sin);
		ssize_t n;
		size_t ihl;
		const uint8_t *icmp, *inner;

		if (left <= 0 || poll(&pf, 1, (int)left + 1) <= 0)
			return -1;
		n = recvfrom(p->fd, b, sizeof(b), 0, (struct sockaddr *)&sin,
		             &sl);
		if (n < 20)
			continue;
		ihl = (size_t)(b[0] & 0xf) * 4;
		if (ihl < 20 || (size_t)n < ihl + 8)
			continue;
		icmp = b + ihl;
		if (icmp[0] == ICMP_ECHO_REPLY) {
			if ((icmp[4] << 8 | icmp[5]) != p->id ||
			    (icmp[6] << 8 | icmp[7]) != seq ||
			    ntohl(sin.sin_addr.s_addr) != p->target)
				continue;
		} else if (icmp[0] == ICMP_TIMXCEED ||
		           icmp[0] == ICMP_UNREACH) {
			/* The packet that failed: its IP header, then the
			 * first 8 bytes of our echo. */
			size_t iihl;

			inner = icmp + 8;
			if ((size_t)n < ihl + 8 + 20)
				continue;
			iihl = (size_t)(inner[0] & 0xf) * 4;
			if (iihl < 20 || (size_t)n < ihl + 8 + iihl + 8 ||
			    inner[9] != IPPROTO_ICMP ||
			    (inner[iihl + 4] << 8 | inner[iihl + 5]) != p->id ||
			    (inner[iihl + 6] << 8 | inner[iihl + 7]) != seq)
				continue;
		} else
			continue;
		*from = ntohl(sin.sin_addr.s_addr);
		return icmp[0];
	}
}

static bool
arg_num(struct cli_def *cli, const char *name, long lo, long hi, long *v)
{
	const char *s = cli_get_optarg_value(cli, name, NULL);
	char *end;

	if (s == NULL)
		return true;
	*v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || *v < lo || *v > hi) {
		cli_error(cli, "%% %s must be %ld to %ld", name, lo, hi);
		return false;
	}
	return true;
}

/* The common arguments; false when one is wrong (said). */
static bool
pinger_args(struct cli_def *cli, struct pinger *p, long *timeout_s)
{
	const char *t = cli_get_optarg_value(cli, "target", NULL);
	const char *s = cli_get_optarg_value(cli, "source", NULL);
	struct in_addr a;

	if (t == NULL || inet_pton(AF_INET, t, &a) != 1) {
		cli_error(cli, "%% %s is not an IPv4 address", t ? t : "");
		return false;
	}
	p->target = ntohl(a.s_addr);
	if (s != NULL) {
		if (inet_pton(AF_INET, s, &a) != 1) {
			cli_error(cli, "%% source %s is not an IPv4 address",
			          s);
			return false;
		}
		p->source = ntohl(a.s_addr);
	}
	if (!arg_num(cli, "timeout", 1, 10, timeout_s))
		return false;
	p->timeout_ms = (int)*timeout_s * 1000;
	p->id = (uint16_t)(getpid() ^ (uintptr_t)cli ^ (uint16_t)now_ms());
	return true;
}

int
ping_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct pinger p = {.size = 100};
	long count = 5, size = 100, timeout_s = 2;
	unsigned int ok = 0;
	double min = 0, max = 0, sum = 0;
	char line[128], a[16], b[16];
	size_t k = 0;

	(void)cmd;
	if (argc > 0) {
		vpn_console_invalid(cli, argv);
		return CLI_ERROR;
	}
	if (!pinger_args(cli, &p, &timeout_s) ||
	    !arg_num(cli, "count", 1, 100, &count) ||
	    !arg_num(cli, "size", 0, PING_MAX_SIZE, &size))
		return CLI_ERROR;
	p.size = (unsigned int)size;
	if (pinger_open(cli, &p) != 0)
		return CLI_ERROR;
	cli_print(cli,
	          "Sending %ld, %ld-byte ICMP Echos to %s%s%s, timeout is "
	          "%ld seconds:",
	          count, size + 8, ip(p.target, a), p.source ? " from " : "",
	          p.source ? ip(p.source, b) : "", timeout_s);
	for (long i = 0; i < count; i++) {
		double t0 = now_ms(), rtt;
		uint32_t from;
		int r = -1;

		if (echo_send(&p, (uint16_t)i, 0) == 0)
			r = answer_wait(&p, (uint16_t)i, t0 + p.timeout_ms,
			                &from);
		else if (i == 0) {
			cli_print(cli, "%% %s", strerror(errno));
			break;
		}
		if (k + 2 < sizeof(line))
			line[k++] = r == ICMP_ECHO_REPLY ? '!'
			            : r == ICMP_UNREACH  ? 'U'
			            : r < 0              ? '.'
			                                 : '?';
		if (r != ICMP_ECHO_REPLY)
			continue;
		rtt = now_ms() - t0;
		min = ok == 0 || rtt < min ? rtt : min;
		max = rtt > max ? rtt : max;
		sum += rtt;
		ok++;
		/* Not faster than one a second after the first answers. */
		if (i + 1 < count && rtt < 200)
			usleep((useconds_t)((200 - rtt) * 1000));
	}
	line[k] = '\0';
	close(p.fd);
	cli_print(cli, "%s", line);
	if (ok > 0)
		cli_print(cli,
		          "Success rate is %u percent (%u/%ld), round-trip "
		          "min/avg/max = %.3f/%.3f/%.3f ms",
		          (unsigned int)(ok * 100 / count), ok, count, min,
		          sum / ok, max);
	else
		cli_print(cli, "Success rate is 0 percent (0/%ld)", count);
	return CLI_OK;
}

int
traceroute_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct pinger p = {.size = 32};
	long maxttl = 30, timeout_s = 2;
	char a[16], b[16];
	uint16_t seq = 0;

	(void)cmd;
	if (argc > 0) {
		vpn_console_invalid(cli, argv);
		return CLI_ERROR;
	}
	if (!pinger_args(cli, &p, &timeout_s) ||
	    !arg_num(cli, "maxttl", 1, 30, &maxttl))
		return CLI_ERROR;
	if (pinger_open(cli, &p) != 0)
		return CLI_ERROR;
	cli_print(cli,
	          "Tracing the route to %s%s%s (ICMP echo, 3 probes a hop)",
	          ip(p.target, a), p.source ? " from " : "",
	          p.source ? ip(p.source, b) : "");
	for (int ttl = 1; ttl <= maxttl; ttl++) {
		char line[160];
		size_t k = 0;
		uint32_t hop = 0;
		bool done = false;

		add(line, sizeof(line), &k, "%2d ", ttl);
		for (int probe = 0; probe < 3; probe++) {
			double t0 = now_ms();
			uint32_t from = 0;
			int r = -1;

			if (echo_send(&p, ++seq, ttl) == 0)
				r = answer_wait(&p, seq, t0 + p.timeout_ms,
				                &from);
			if (r < 0) {
				add(line, sizeof(line), &k, " *");
				continue;
			}
			if (from != hop) {
				hop = from;
				add(line, sizeof(line), &k, " %s", ip(from, a));
			}
			add(line, sizeof(line), &k, " %.3f ms%s", now_ms() - t0,
			    r == ICMP_UNREACH ? " !U" : "");
			done |= r == ICMP_ECHO_REPLY || r == ICMP_UNREACH;
		}
		cli_print(cli, "%s", line);
		if (done)
			break;
	}
	close(p.fd);
	return CLI_OK;
}
