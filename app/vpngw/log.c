/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's log: each line goes to stdout (the journal, the test
 * logs) and into a ring of the last LOG_LINES lines with their times,
 * which the console shows (show log [tunnel NAME]).
 */
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "gw_log.h"
#include "gw_tunlog.h"
#include "vpn_console.h"

#define LOG_LINES 2048
#define LOG_LEN   240

static struct {
	pthread_mutex_t lock;
	char line[LOG_LINES][LOG_LEN];
	time_t when[LOG_LINES];
	unsigned long long n;    /* lines ever logged */
	struct vpn_console *con; /* terminal monitor's sessions */
} lg = {.lock = PTHREAD_MUTEX_INITIALIZER};

void
vpngw_log_console(struct vpn_console *con)
{
	pthread_mutex_lock(&lg.lock);
	lg.con = con;
	pthread_mutex_unlock(&lg.lock);
}

void
vpngw_log(const char *fmt, ...)
{
	char buf[LOG_LEN];
	va_list ap;
	unsigned int k;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&lg.lock);
	k = (unsigned int)(lg.n++ % LOG_LINES);
	memcpy(lg.line[k], buf, sizeof(buf));
	lg.when[k] = time(NULL);
	printf("vpngw: %s\n", buf);
	fflush(stdout);
	vpngw_tunlog_line(buf);
	if (lg.con != NULL) {
		char ts[16];
		char line[LOG_LEN + 20];
		struct tm tm;

		localtime_r(&lg.when[k], &tm);
		strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
		snprintf(line, sizeof(line), "%s %s", ts, buf);
		vpn_console_log(lg.con, line);
	}
	pthread_mutex_unlock(&lg.lock);
}

unsigned int
vpngw_log_read(FILE *out, const char *match, unsigned int max)
{
	unsigned long long first, i;
	unsigned int shown = 0, total = 0;

	pthread_mutex_lock(&lg.lock);
	first = lg.n > LOG_LINES ? lg.n - LOG_LINES : 0;
	/* Count the matches first, to show the last max of them. */
	for (i = first; i < lg.n; i++)
		total += match == NULL ||
		         strstr(lg.line[i % LOG_LINES], match) != NULL;
	for (i = first; i < lg.n; i++) {
		const char *l = lg.line[i % LOG_LINES];
		struct tm tm;
		char ts[32];

		if (match != NULL && strstr(l, match) == NULL)
			continue;
		if (total-- > max)
			continue;
		localtime_r(&lg.when[i % LOG_LINES], &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(out, "%s %s\n", ts, l);
		shown++;
	}
	pthread_mutex_unlock(&lg.lock);
	return shown;
}

uint64_t
vpngw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
