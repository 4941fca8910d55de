/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A Prometheus text endpoint (appliance.metrics_listen, loopback only):
 * GET /metrics answers with the tunnels' metrics as the modelled service
 * publishes them (TunnelState, TunnelDataIn, TunnelDataOut), cumulative
 * over every SA a tunnel has had (rekeys do not reset them), its ESP
 * drops by direction and reason, and every counter of the appliance:
 *
 *   vpngw_tunnel_state{connection="c",tunnel="c/1"} 1
 *   vpngw_tunnel_data_in_bytes_total{connection="c",tunnel="c/1"} 123
 *   vpngw_tunnel_drops_total{...,direction="in",reason="REPLAY"} 2
 *   vpngw_counter{group="esp",name="AUTH_FAILED"} 0
 *
 * One thread; one request a connection (HTTP/1.0), read within 2 s and
 * at most 4 KiB; the answer is built under the control lock, as the
 * console and telemetry build theirs, then written without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gw_log.h"
#include "gw_metrics.h"
#include "gw_running.h"
#include "gw_view.h"
#include "con_priv.h"

static struct {
	int lfd, stop[2];
	pthread_t th;
	bool on;
	struct vpngw_tunnel_view *v;
} mx = {.lfd = -1, .stop = {-1, -1}};

struct prom {
	FILE *o;
	const char *labels; /* {connection=...,tunnel=...} without braces */
};

static void
labels(char *b, size_t len, const struct vpngw_tunnel_view *v)
{
	char conn[VPN_NAME_MAX + 8];

	snprintf(conn, sizeof(conn), "%s", v->name);
	if (strrchr(conn, '/') != NULL)
		*strrchr(conn, '/') = '\0';
	/* Names are [A-Za-z0-9_.-]: nothing to escape. */
	snprintf(b, len, "connection=\"%s\",tunnel=\"%s\"", conn, v->name);
}

static void
family(FILE *o, const char *name, const char *type, const char *help)
{
	fprintf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One family over every tunnel: value(v) each. */
static void
tunnel_family(FILE *o, const struct vpngw_tunnel_view *v, unsigned int n,
              const char *name, const char *type, const char *help,
              uint64_t (*value)(const struct vpngw_tunnel_view *))
{
	char l[2 * VPN_NAME_MAX + 48];

	family(o, name, type, help);
	for (unsigned int i = 0; i < n; i++) {
		labels(l, sizeof(l), &v[i]);
		fprintf(o, "%s{%s} %llu\n", name, l,
		        (unsigned long long)value(&v[i]));
	}
}

static uint64_t
v_state(const struct vpngw_tunnel_view *v)
{
	return v->up;
}
static uint64_t
v_in_bytes(const struct vpngw_tunnel_view *v)
{
	return v->in.bytes;
}
static uint64_t
v_out_bytes(const struct vpngw_tunnel_view *v)
{
	return v->out.bytes;
}
static uint64_t
v_in_packets(const struct vpngw_tunnel_view *v)
{
	return v->in.packets;
}
static uint64_t
v_out_packets(const struct vpngw_tunnel_view *v)
{
	return v->out.packets;
}
static uint64_t
v_changes(const struct vpngw_tunnel_view *v)
{
	return v->changes;
}

static void
drops(FILE *o, const struct vpngw_tunnel_view *v, unsigned int n)
{
	char l[2 * VPN_NAME_MAX + 48];

	family(o, "vpngw_tunnel_drops_total", "counter",
	       "ESP packets of the tunnel dropped, by direction and reason "
	       "(reasons with none are left out)");
	for (unsigned int i = 0; i < n; i++) {
		labels(l, sizeof(l), &v[i]);
		for (int d = 0; d < 2; d++) {
			const struct vpn_esp_stats *s =
			        d ? &v[i].out : &v[i].in;

			for (unsigned int r = 0; r < VPN_ESP_REASON_MAX; r++)
				if (s->drops[r])
					fprintf(o,
					        "vpngw_tunnel_drops_total{%s,"
					        "direction=\"%s\",reason=\"%"
					        "s\"} "
					        "%llu\n",
					        l, d ? "out" : "in",
					        vpn_esp_reason_name(
					                (enum vpn_esp_reason)r),
					        (unsigned long long)
					                s->drops[r]);
		}
	}
}

static void
counter_u64(void *ctx, const char *key, uint64_t v)
{
	FILE *o = ctx;
	const char *dot = strchr(key, '.');

	if (dot == NULL)
		return;
	fprintf(o, "vpngw_counter{group=\"%.*s\",name=\"%s\"} %llu\n",
	        (int)(dot - key), key, dot + 1, (unsigned long long)v);
}

/* Each port's link (names are [A-Za-z0-9_.-]: nothing to escape). */
static void
ports(FILE *o)
{
	const struct vpn_cfg_appliance *a = &vpngw_running()->appliance;
	struct vpngw_port_link l[VPN_MAX_PORTS];
	bool have[VPN_MAX_PORTS];

	for (unsigned int i = 0; i < a->n_ports; i++) {
		uint16_t id;

		have[i] = vpngw_port_id(a->ports[i].device, &id) == 0 &&
		          vpngw_dp_port_link(id, &l[i]);
	}
	for (int f = 0; f < 2; f++) {
		const char *name = f ? "vpngw_port_link_changes_total"
		                     : "vpngw_port_link_up";

		family(o, name, f ? "counter" : "gauge",
		       f ? "times the port's link went up or down"
		         : "1 when the port's link is up, as vpngw acts on it "
		           "(the device's, and over a kernel interface its "
		           "carrier)");
		for (unsigned int i = 0; i < a->n_ports; i++)
			if (have[i])
				fprintf(o, "%s{port=\"%s\",role=\"%s\"} %llu\n",
				        name, a->ports[i].name,
				        vpn_port_role_name(a->ports[i].role),
				        (unsigned long long)(f ? l[i].changes
				                               : l[i].up));
	}
}

/* The whole answer's body, under the control lock. */
static void
body(FILE *o)
{
	const struct vpngw_view_out out = {.u64 = counter_u64};
	struct vpngw_counters c;
	unsigned int n;

	vpngw_ctl_lock();
	n = vpngw_view_tunnels(mx.v, VPN_MAX_CONNS * VPN_TUNNELS);
	tunnel_family(o, mx.v, n, "vpngw_tunnel_state", "gauge",
	              "1 when the tunnel is up (AWS TunnelState)", v_state);
	tunnel_family(o, mx.v, n, "vpngw_tunnel_data_in_bytes_total", "counter",
	              "bytes received through the tunnel, over all its SAs "
	              "(AWS TunnelDataIn)",
	              v_in_bytes);
	tunnel_family(o, mx.v, n, "vpngw_tunnel_data_out_bytes_total",
	              "counter",
	              "bytes sent through the tunnel, over all its SAs (AWS "
	              "TunnelDataOut)",
	              v_out_bytes);
	tunnel_family(o, mx.v, n, "vpngw_tunnel_data_in_packets_total",
	              "counter", "ESP packets received through the tunnel",
	              v_in_packets);
	tunnel_family(o, mx.v, n, "vpngw_tunnel_data_out_packets_total",
	              "counter", "ESP packets sent through the tunnel",
	              v_out_packets);
	tunnel_family(o, mx.v, n, "vpngw_tunnel_state_changes_total", "counter",
	              "times the tunnel went up or down", v_changes);
	drops(o, mx.v, n);
	ports(o);
	vpngw_view_counters(&c);
	vpngw_ctl_unlock();
	family(o, "vpngw_counter", "untyped",
	       "every counter of the appliance (show counters), from the "
	       "start");
	vpngw_view_counters_fields(&c, &out, o);
}

static void
serve(int fd)
{
	static const char bad[] = "HTTP/1.0 404 Not Found\r\nContent-Type: "
	                          "text/plain\r\nContent-Length: 10\r\n\r\n"
	                          "not found\n";
	char req[4096], head[160], *buf = NULL;
	size_t got = 0, len = 0;
	FILE *o;

	/* The request line, within 2 s and 4 KiB (the rest is not read). */
	while (got < sizeof(req) - 1 && memchr(req, '\n', got) == NULL) {
		struct pollfd pf = {fd, POLLIN, 0};
		ssize_t n;

		if (poll(&pf, 1, 2000) <= 0)
			return;
		n = read(fd, req + got, sizeof(req) - 1 - got);
		if (n <= 0)
			return;
		got += (size_t)n;
	}
	req[got] = '\0';
	if (strncmp(req, "GET /metrics ", 13) != 0 &&
	    strncmp(req, "GET /metrics\r", 13) != 0 &&
	    strncmp(req, "GET / ", 6) != 0) {
		(void)!write(fd, bad, sizeof(bad) - 1);
		return;
	}
	o = open_memstream(&buf, &len);
	if (o == NULL)
		return;
	body(o);
	fclose(o);
	snprintf(head, sizeof(head),
	         "HTTP/1.0 200 OK\r\nContent-Type: text/plain; "
	         "version=0.0.4\r\nContent-Length: %zu\r\n\r\n",
	         len);
	if (write(fd, head, strlen(head)) > 0)
		for (size_t off = 0; off < len;) {
			ssize_t n = write(fd, buf + off, len - off);

			if (n <= 0)
				break;
			off += (size_t)n;
		}
	free(buf);
}

static void *
metrics_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd pf[2] = {{mx.stop[0], POLLIN, 0},
		                       {mx.lfd, POLLIN, 0}};
		struct timeval tv = {.tv_sec = 5};
		int fd;

		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[0].revents)
			break;
		if (!(pf[1].revents & POLLIN))
			continue;
		fd = accept4(mx.lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		/* A client that stops reading does not hold us long. */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		serve(fd);
		close(fd);
	}
	return NULL;
}

void
vpngw_metrics_start(const struct vpn_cfg *cfg)
{
	const struct vpn_cfg_appliance *a = &cfg->appliance;
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons(a->metrics_port),
	                          .sin_addr.s_addr = htonl(a->metrics_addr)};
	char b[16];
	int one = 1;

	if (a->metrics_port == 0)
		return;
	mx.v = calloc(VPN_MAX_CONNS * VPN_TUNNELS, sizeof(*mx.v));
	mx.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (mx.v == NULL || mx.lfd < 0 ||
	    setsockopt(mx.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) !=
	            0 ||
	    bind(mx.lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(mx.lfd, 8) != 0 || pipe2(mx.stop, O_CLOEXEC) != 0 ||
	    pthread_create(&mx.th, NULL, metrics_main, NULL) != 0) {
		vpngw_log("metrics: cannot listen on %s:%u: %s (vpngw runs on "
		          "without it)",
		          con_ip(a->metrics_addr, b), a->metrics_port,
		          strerror(errno));
		vpngw_metrics_stop();
		return;
	}
	mx.on = true;
	vpngw_log("metrics: Prometheus text on http://%s:%u/metrics",
	          con_ip(a->metrics_addr, b), a->metrics_port);
}

void
vpngw_metrics_stop(void)
{
	if (mx.on) {
		(void)!write(mx.stop[1], "", 1);
		pthread_join(mx.th, NULL);
		mx.on = false;
	}
	for (int i = 0; i < 2; i++)
		if (mx.stop[i] >= 0)
			close(mx.stop[i]);
	if (mx.lfd >= 0)
		close(mx.lfd);
	mx.lfd = mx.stop[0] = mx.stop[1] = -1;
	free(mx.v);
	mx.v = NULL;
}
