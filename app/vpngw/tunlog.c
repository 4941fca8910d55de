/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tunnels' activity log, as AWS Site-to-Site VPN publishes its tunnel
 * logs: for each log line about a tunnel (its state changes, IKE's
 * negotiation, rekeys, DPD, failures), one JSON line with AWS's fields,
 * the tunnel's state at that moment and the line as VpnLogDetail:
 *
 *   {"VpnLogCreationTimestamp": "2026-12-07T11:40:01Z",
 *    "VpnConnectionId": "e2e", "TunnelName": "e2e/1",
 *    "TunnelOutsideIPAddress": "203.0.113.1",
 *    "TunnelCGWOutsideIPAddress": "203.0.113.2",
 *    "TunnelDPDEnabled": true, "TunnelCGWNATTDetectionStatus": true,
 *    "TunnelIKEPhase1State": "Established",
 *    "TunnelIKEPhase2State": "Rekeying",
 *    "VpnLogDetail": "ike e2e/1: rekeying Child SA c1a2b3c4_i"}
 *
 * to appliance.tunnel_log (appended; FILE.1 when it reaches
 * tunnel_log_max_kb; reopened on SIGHUP, for logrotate) and/or syslog.
 *
 * vpngw_log() may run on any thread, with or without the control lock:
 * it only queues the line (bounded; what does not fit is counted). The
 * control core's turn, under the lock, takes the tunnels' views once and
 * writes the queued events.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "gw_log.h"
#include "gw_tunlog.h"
#include "gw_view.h"
#include "con_priv.h"

#define TL_QUEUE 1024
#define TL_LINE  240
#define TL_TURN  256 /* events written a turn */

struct tl_event {
	char name[VPN_NAME_MAX + 8];
	char detail[TL_LINE];
	time_t when;
};

static struct {
	pthread_mutex_t lock; /* the queue */
	struct tl_event q[TL_QUEUE];
	unsigned int head, n;
	uint64_t dropped;
	bool on;
	/* The control core's only: */
	FILE *f;
	char path[VPN_PATH_MAX];
	bool syslog;
	uint64_t max_bytes;
	bool reopen;
	struct vpngw_tunnel_view *v;
	struct tl_event batch[TL_TURN];
} tl = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* The tunnel a log line is about: the first "CONNECTION/1:" or "/2:"
 * word in it. */
static bool
tunnel_of(const char *line, char *name, size_t len)
{
	for (const char *p = strchr(line, '/'); p; p = strchr(p + 1, '/')) {
		const char *s = p;

		if ((p[1] != '1' && p[1] != '2') || p[2] != ':')
			continue;
		while (s > line && name_char(s[-1]))
			s--;
		if (s == p || (s > line && s[-1] != ' ') ||
		    (size_t)(p + 2 - s) >= len)
			continue;
		memcpy(name, s, (size_t)(p + 2 - s));
		name[p + 2 - s] = '\0';
		return true;
	}
	return false;
}

void
vpngw_tunlog_line(const char *line)
{
	struct tl_event *e;
	char name[VPN_NAME_MAX + 8];

	if (!__atomic_load_n(&tl.on, __ATOMIC_RELAXED) ||
	    !tunnel_of(line, name, sizeof(name)))
		return;
	pthread_mutex_lock(&tl.lock);
	if (tl.n == TL_QUEUE) {
		tl.dropped++;
	} else {
		e = &tl.q[(tl.head + tl.n++) % TL_QUEUE];
		snprintf(e->name, sizeof(e->name), "%s", name);
		snprintf(e->detail, sizeof(e->detail), "%s", line);
		e->when = time(NULL);
	}
	pthread_mutex_unlock(&tl.lock);
}

static void
open_file(void)
{
	if (tl.f != NULL)
		fclose(tl.f);
	tl.f = fopen(tl.path, "a");
	if (tl.f == NULL)
		vpngw_log("tunnel log: cannot open %s: %s", tl.path,
		          strerror(errno));
}

void
vpngw_tunlog_start(const struct vpn_cfg *cfg)
{
	const struct vpn_cfg_appliance *a = &cfg->appliance;

	if (a->tunnel_log[0] == '\0' && !a->tunnel_log_syslog)
		return;
	tl.v = calloc(VPN_MAX_CONNS * VPN_TUNNELS, sizeof(*tl.v));
	if (tl.v == NULL) {
		vpngw_log("tunnel log: out of memory: off");
		return;
	}
	snprintf(tl.path, sizeof(tl.path), "%s", a->tunnel_log);
	tl.max_bytes = (uint64_t)a->tunnel_log_max_kb * 1024;
	tl.syslog = a->tunnel_log_syslog;
	if (tl.syslog)
		openlog("vpngw", LOG_PID, LOG_DAEMON);
	if (tl.path[0])
		open_file();
	__atomic_store_n(&tl.on, true, __ATOMIC_RELAXED);
	vpngw_log("tunnel log: %s%s%s", tl.path[0] ? tl.path : "",
	          tl.path[0] && tl.syslog ? " and " : "",
	          tl.syslog ? "syslog" : "");
}

void
vpngw_tunlog_reopen(void)
{
	tl.reopen = true;
}

/* AWS's states: Established | Rekeying | Negotiating | Down. */
static const char *
phase1_state(const struct vpngw_tunnel_view *v, const char *detail)
{
	if (v == NULL)
		return "Down";
	if (v->manual)
		return v->up ? "Established" : "Down";
	if (strcmp(v->phase1, "established") == 0)
		return strstr(detail, "rekeying the IKE SA") ? "Rekeying"
		                                             : "Established";
	if (strcmp(v->phase1, "down") == 0 ||
	    strcmp(v->phase1, "admin-down") == 0 ||
	    strcmp(v->phase1, "no-ike") == 0)
		return "Down";
	return "Negotiating";
}

static const char *
phase2_state(const struct vpngw_tunnel_view *v, const char *p1,
             const char *detail)
{
	if (v != NULL && v->up)
		return strstr(detail, "rekeying Child SA") ? "Rekeying"
		                                           : "Established";
	return strcmp(p1, "Down") == 0 ? "Down" : "Negotiating";
}

static void
write_event(const struct tl_event *e, const struct vpngw_tunnel_view *v)
{
	char *buf = NULL, ts[32], a[16], b[16], conn[VPN_NAME_MAX + 8];
	size_t len = 0;
	struct tm tm;
	FILE *m = open_memstream(&buf, &len);
	const char *p1 = phase1_state(v, e->detail);

	if (m == NULL)
		return;
	gmtime_r(&e->when, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(conn, sizeof(conn), "%s", e->name);
	*strrchr(conn, '/') = '\0';
	fprintf(m,
	        "{\"VpnLogCreationTimestamp\": \"%s\", \"VpnConnectionId\": ",
	        ts);
	con_json_str(m, conn);
	fprintf(m, ", \"TunnelName\": ");
	con_json_str(m, e->name);
	fprintf(m,
	        ", \"TunnelOutsideIPAddress\": \"%s\", "
	        "\"TunnelCGWOutsideIPAddress\": \"%s\", "
	        "\"TunnelDPDEnabled\": %s, "
	        "\"TunnelCGWNATTDetectionStatus\": %s, "
	        "\"TunnelIKEPhase1State\": \"%s\", "
	        "\"TunnelIKEPhase2State\": \"%s\", \"VpnLogDetail\": ",
	        v ? con_ip(v->outside, a) : "", v ? con_ip(v->remote, b) : "",
	        v && !v->manual ? "true" : "false",
	        v && v->nat ? "true" : "false", p1,
	        phase2_state(v, p1, e->detail));
	con_json_str(m, e->detail);
	fprintf(m, "}");
	fclose(m);
	if (tl.f != NULL) {
		fprintf(tl.f, "%s\n", buf);
		fflush(tl.f);
	}
	if (tl.syslog)
		syslog(LOG_INFO, "%s", buf);
	free(buf);
}

/* The file at its size limit becomes FILE.1 (the one before goes). */
static void
rotate_if_full(void)
{
	char old[VPN_PATH_MAX + 4];
	struct stat st;

	if (tl.f == NULL || tl.max_bytes == 0 ||
	    fstat(fileno(tl.f), &st) != 0 ||
	    (uint64_t)st.st_size < tl.max_bytes)
		return;
	snprintf(old, sizeof(old), "%s.1", tl.path);
	if (rename(tl.path, old) != 0) {
		/* Said once: the file grows on. */
		vpngw_log("tunnel log: cannot rename %s: %s (no more "
		          "rotation by size)",
		          tl.path, strerror(errno));
		tl.max_bytes = 0;
		return;
	}
	open_file();
}

void
vpngw_tunlog_flush(void)
{
	unsigned int n, nv = 0;
	uint64_t dropped;

	if (!tl.on)
		return;
	if (tl.reopen) {
		tl.reopen = false;
		if (tl.path[0])
			open_file();
	}
	pthread_mutex_lock(&tl.lock);
	n = tl.n < TL_TURN ? tl.n : TL_TURN;
	for (unsigned int i = 0; i < n; i++)
		tl.batch[i] = tl.q[(tl.head + i) % TL_QUEUE];
	tl.head = (tl.head + n) % TL_QUEUE;
	tl.n -= n;
	dropped = tl.dropped;
	tl.dropped = 0;
	pthread_mutex_unlock(&tl.lock);
	if (dropped)
		vpngw_log("tunnel log: %llu event(s) lost (more than %u "
		          "waiting)",
		          (unsigned long long)dropped, TL_QUEUE);
	if (n == 0)
		return;
	nv = vpngw_view_tunnels(tl.v, VPN_MAX_CONNS * VPN_TUNNELS);
	for (unsigned int i = 0; i < n; i++) {
		const struct vpngw_tunnel_view *v = NULL;

		for (unsigned int k = 0; k < nv && v == NULL; k++)
			if (strcmp(tl.v[k].name, tl.batch[i].name) == 0)
				v = &tl.v[k];
		rotate_if_full();
		write_event(&tl.batch[i], v);
	}
}

void
vpngw_tunlog_stop(void)
{
	vpngw_tunlog_flush();
	__atomic_store_n(&tl.on, false, __ATOMIC_RELAXED);
	if (tl.f != NULL)
		fclose(tl.f);
	tl.f = NULL;
	if (tl.syslog)
		closelog();
	free(tl.v);
	tl.v = NULL;
}
