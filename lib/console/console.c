/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console's listener and sessions (see vpn_console.h).
 *
 * Bytes from a client go through the console thread before libcli sees
 * them, for three reasons: libcli ends a line on CR only (nc and scripts
 * send LF), it takes telnet subnegotiations (IAC SB ... IAC SE) for typed
 * text, and it answers every character past its 4 KiB line with a bell,
 * one write each. So the console thread speaks the telnet protocol's
 * receiving side itself (commands and subnegotiations are dropped;
 * libcli's own offer to echo and suppress go-ahead stands), hands libcli
 * plain lines ending in CR, and turns a line over the limit into a
 * Ctrl-U (libcli clears its buffer) and a message. Everything is bounded:
 * 16 KiB buffered each way per session, and a session whose client stops
 * reading for STALL_S seconds is closed.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "console_priv.h"
#include "vpn_console.h"

#define IOBUF    16384
#define LINE_MAX (CLI_MAX_LINE_LENGTH - 2) /* what libcli keeps of a line */
#define STALL_S  30
#define CTRL_U   0x15

#define SRC_MAX    64   /* addresses whose failed logins are remembered */
#define SRC_FORGET 3600 /* s after a block ends: its doubling is forgotten */

#define MON_LINES 64 /* log lines waiting for monitoring sessions */
#define MON_LEN   256

#define TELNET_IAC  255
#define TELNET_IP   244 /* interrupt process: a telnet client's Ctrl-C */
#define CTRL_C      0x03
#define TELNET_SB   250
#define TELNET_SE   240
#define TELNET_WILL 251
#define TELNET_DONT 254

enum tstate { T_DATA, T_IAC, T_OPT, T_SB, T_SB_IAC };

struct session {
	struct vpn_console *con;
	uint32_t addr; /* the client's, host order */
	uint16_t port;
	time_t born;
	atomic_llong last_in; /* time of the client's last byte */
	atomic_bool monitor;  /* terminal monitor: log lines come too */
	/* terminal length (the session thread's): a page of output, then
	 * --More--; 0: no paging. */
	unsigned int page_len, page_lines;
	bool page_quit;     /* q at --More--: the rest of this output goes */
	char user[64];      /* logged in as (under con->lock) */
	atomic_bool authed; /* logged in (or no login asked) */
	bool expired;       /* no login in time: closing */
	int tcp;            /* the client */
	int sp;             /* our end of the socketpair to libcli */
	int sp_cli;         /* libcli's end: its loop closes it */
	pthread_t th;
	atomic_bool cli_done;
	atomic_bool locked; /* too many failed logins: closing */
	bool client_gone, cli_eof;
	enum tstate ts;
	bool cr;      /* the last byte handed on was a CR */
	size_t line;  /* bytes of the current line */
	bool discard; /* the line is over the limit */
	uint8_t in[IOBUF];
	size_t in_len; /* for libcli */
	uint8_t out[IOBUF];
	size_t out_off, out_len; /* for the client */
	time_t stall_since;      /* 0: the client reads */
	struct session *next;
};

struct vpn_console {
	struct vpn_console_params p;
	char user[64], hash[256], hostname[64], banner[512];
	int lfd, wake[2];
	uint16_t port;
	pthread_t th;
	atomic_bool stop;
	pthread_mutex_t lock; /* st */
	struct vpn_console_stats st;
	struct session *sessions; /* changed under lock */
	/* Log lines for sessions with terminal monitor on (under lock): the
	 * console thread adds them to those sessions' output. */
	char mon[MON_LINES][MON_LEN];
	unsigned int mon_n;
	uint64_t mon_lost;
	atomic_uint monitors; /* sessions with terminal monitor on */
	/* Failed logins by address, under lock: they add up across
	 * connections, so reconnecting does not give a guesser new tries. */
	struct src_rec {
		uint32_t addr;
		unsigned int fails;    /* since the last lockout or login */
		unsigned int lockouts; /* in a row: each doubles the block */
		time_t last, blocked_until;
	} src[SRC_MAX];
};

/* The session a libcli thread serves: libcli's login callbacks carry no
 * context of their own. */
static __thread struct session *cur;

static void
count(struct vpn_console *con, uint64_t *field, uint64_t n)
{
	pthread_mutex_lock(&con->lock);
	*field += n;
	pthread_mutex_unlock(&con->lock);
}

bool
vpn_console_password_ok(const char *password, const char *hash)
{
	struct crypt_data *cd;
	const char *h;
	size_t n = strlen(hash);
	bool ok = false;

	if (n == 0 || password == NULL)
		return false;
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return false;
	h = crypt_r(password, hash, cd);
	/* crypt_r gives "*..." for a hash it cannot use. */
	if (h != NULL && h[0] != '*' && strlen(h) == n) {
		unsigned char d = 0;

		for (size_t i = 0; i < n; i++)
			d |= (unsigned char)(h[i] ^ hash[i]);
		ok = d == 0;
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

/* The record of addr (under lock), or NULL; with make, a new one in place
 * of a free one or the least recently used (a blocked one last). */
static struct src_rec *
src_find(struct vpn_console *con, uint32_t addr, bool make, time_t now)
{
	struct src_rec *victim = NULL;

	for (unsigned int i = 0; i < SRC_MAX; i++) {
		struct src_rec *r = &con->src[i];
		bool r_blocked = r->blocked_until > now;

		if (r->last != 0 && r->addr == addr)
			return r;
		if (victim == NULL || r->last == 0 ||
		    (victim->last != 0 &&
		     ((victim->blocked_until > now) != r_blocked
		              ? !r_blocked
		              : r->last < victim->last)))
			victim = r;
	}
	if (!make)
		return NULL;
	*victim = (struct src_rec){.addr = addr, .last = now};
	return victim;
}

/* Seconds addr must still wait (under lock); 0: it may log in. */
static long
src_blocked(struct vpn_console *con, uint32_t addr, time_t now)
{
	struct src_rec *r = src_find(con, addr, false, now);

	return r != NULL && r->blocked_until > now ? r->blocked_until - now : 0;
}

static void
login_failed(struct session *s)
{
	struct vpn_console *con = s->con;
	struct src_rec *r;
	time_t now;
	bool lock;

	count(con, &con->st.login_failures, 1);
	/* Past the limit (lines the client sent ahead): no more waiting,
	 * the session is closing. */
	if (atomic_load(&s->locked))
		return;
	/* Slow a guesser down: this session's thread only. */
	usleep(con->p.login_delay_ms * 1000u);
	pthread_mutex_lock(&con->lock);
	now = time(NULL);
	r = src_find(con, s->addr, true, now);
	if (r->blocked_until != 0 && now > r->blocked_until + SRC_FORGET)
		r->lockouts = 0;
	/* Failures an hour apart are typos, not a guesser's run. */
	if (now - r->last > SRC_FORGET)
		r->fails = 0;
	r->last = now;
	/* Blocked meanwhile by another connection's failures: this one
	 * goes too. */
	lock = ++r->fails >= con->p.login_attempts || r->blocked_until > now;
	if (lock) {
		con->st.lockouts++;
		r->fails = 0;
		if (con->p.login_block && r->blocked_until <= now) {
			unsigned int k = r->lockouts < 6 ? r->lockouts : 6;

			r->blocked_until =
			        now + (time_t)con->p.login_block * (1 << k);
			r->lockouts++;
		}
	}
	pthread_mutex_unlock(&con->lock);
	if (lock) {
		atomic_store(&s->locked, true);
		/* The console thread closes the client and ends libcli's
		 * input. */
		(void)!write(con->wake[1], "", 1);
	}
}

/* A right password: the address's failures are forgotten. */
static void
src_clear(struct session *s)
{
	struct src_rec *r;

	pthread_mutex_lock(&s->con->lock);
	r = src_find(s->con, s->addr, false, time(NULL));
	if (r != NULL)
		r->fails = r->lockouts = 0;
	pthread_mutex_unlock(&s->con->lock);
}

static void
login_ok(struct session *s, const char *user)
{
	struct vpn_console *con = s->con;

	pthread_mutex_lock(&con->lock);
	snprintf(s->user, sizeof(s->user), "%s", user);
	con->st.logins++;
	pthread_mutex_unlock(&con->lock);
	src_clear(s);
	atomic_store(&s->authed, true);
}

/* A session locked out, or from an address blocked since it connected:
 * its guesses (sent ahead, queued for libcli) are refused unchecked, so
 * they cost no time and a right one does not log in (nor clear the
 * address's record, which would tell the guesser). */
static bool
may_try(struct session *s)
{
	long wait;

	if (atomic_load(&s->locked))
		return false;
	pthread_mutex_lock(&s->con->lock);
	wait = src_blocked(s->con, s->addr, time(NULL));
	pthread_mutex_unlock(&s->con->lock);
	if (wait > 0) {
		atomic_store(&s->locked, true);
		(void)!write(s->con->wake[1], "", 1);
		return false;
	}
	return true;
}

static int
auth_cb(const char *user, const char *password)
{
	struct session *s = cur;
	struct vpn_console *con = s->con;
	bool ok;

	if (!may_try(s)) {
		count(con, &con->st.login_failures, 1);
		return CLI_ERROR;
	}
	ok = vpn_console_password_ok(password, con->hash);
	/* Both compared, whichever is wrong. */
	ok = (strcmp(user, con->user) == 0) & ok;
	if (!ok) {
		login_failed(s);
		return CLI_ERROR;
	}
	login_ok(s, user);
	return CLI_OK;
}

static int
enable_cb(const char *password)
{
	struct session *s = cur;

	if (!may_try(s)) {
		count(s->con, &s->con->st.login_failures, 1);
		return 0;
	}
	if (vpn_console_password_ok(password, s->con->hash)) {
		src_clear(s);
		return 1;
	}
	login_failed(s);
	return 0;
}

static int
idle_cb(struct cli_def *cli)
{
	struct session *s = cur;

	cli_error(cli, "%% idle for %u s: closing the session",
	          s->con->p.idle_timeout);
	count(s->con, &s->con->st.idle_closed, 1);
	return CLI_QUIT;
}

static void *
session_main(void *arg)
{
	struct session *s = arg;
	struct vpn_console *con = s->con;
	struct cli_def *cli;
	sigset_t pipe;

	/* libcli writes with write(): a client gone mid-answer must be an
	 * EPIPE, not the end of the process. */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, NULL);
	cur = s;
	cli = cli_init();
	if (cli != NULL) {
		cli_set_hostname(cli, con->hostname);
		if (con->banner[0])
			cli_set_banner(cli, con->banner);
		cli_telnet_protocol(cli, 1);
		cli_print_callback(cli, console_print_line);
		console_filters_register(cli);
		console_builtins_register(cli);
		if (con->hash[0]) {
			cli_set_auth_callback(cli, auth_cb);
			cli_set_enable_callback(cli, enable_cb);
		}
		if (con->p.idle_timeout)
			cli_set_idle_timeout_callback(cli, con->p.idle_timeout,
			                              idle_cb);
		if (con->p.setup != NULL)
			con->p.setup(cli, con->p.ctx);
		/* It closes sp_cli when it returns. */
		cli_loop(cli, s->sp_cli);
		if (con->p.teardown != NULL)
			con->p.teardown(cli, con->p.ctx);
		cli_done(cli);
	} else
		close(s->sp_cli);
	atomic_store(&s->cli_done, true);
	/* Wake the console thread to reap us. */
	(void)!write(con->wake[1], "", 1);
	return NULL;
}

static void
nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void
out_add(struct session *s, const char *msg)
{
	size_t n = strlen(msg);

	if (s->out_off > 0) {
		memmove(s->out, s->out + s->out_off, s->out_len - s->out_off);
		s->out_len -= s->out_off;
		s->out_off = 0;
	}
	if (n <= sizeof(s->out) - s->out_len) {
		memcpy(s->out + s->out_len, msg, n);
		s->out_len += n;
	}
}

/* Sessions from addr still logging in (the console thread's list). */
static unsigned int
logging_in(struct vpn_console *con, uint32_t addr)
{
	unsigned int n = 0;

	for (struct session *s = con->sessions; s; s = s->next)
		n += s->addr == addr && !atomic_load(&s->authed) &&
		     !s->client_gone;
	return n;
}

static void
session_new(struct vpn_console *con, int fd, uint32_t addr, uint16_t port)
{
	/* At most half the sessions may be logging in from one address, so
	 * clients that never log in cannot hold every slot. */
	unsigned int busy_max =
	        con->p.max_sessions > 1 ? con->p.max_sessions / 2 : 1;
	bool login = con->hash[0] != '\0';
	char msg[128] = "";
	struct session *s;
	int sp[2], one = 1;
	time_t now = time(NULL);
	long wait;

	pthread_mutex_lock(&con->lock);
	if (login && (wait = src_blocked(con, addr, now)) > 0) {
		con->st.blocked++;
		snprintf(msg, sizeof(msg),
		         "%% too many failed logins from this address; try "
		         "again in %ld s\r\n",
		         wait);
	} else if (con->st.sessions >= con->p.max_sessions) {
		con->st.refused++;
		snprintf(msg, sizeof(msg),
		         "%% too many console sessions; try later\r\n");
	} else if (login && logging_in(con, addr) >= busy_max) {
		con->st.busy++;
		snprintf(msg, sizeof(msg),
		         "%% too many logins in progress from this address; "
		         "try later\r\n");
	}
	pthread_mutex_unlock(&con->lock);
	if (msg[0]) {
		(void)!send(fd, msg, strlen(msg), MSG_NOSIGNAL);
		close(fd);
		return;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0) {
		free(s);
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	nonblock(fd);
	nonblock(sp[0]);
	s->con = con;
	s->addr = addr;
	s->port = port;
	s->born = now;
	atomic_store(&s->last_in, (long long)now);
	atomic_store(&s->authed, !login);
	s->tcp = fd;
	s->sp = sp[0];
	s->sp_cli = sp[1];
	if (pthread_create(&s->th, NULL, session_main, s) != 0) {
		close(sp[0]);
		close(sp[1]);
		close(fd);
		free(s);
		return;
	}
	pthread_mutex_lock(&con->lock);
	s->next = con->sessions;
	con->sessions = s;
	con->st.sessions++;
	con->st.accepted++;
	pthread_mutex_unlock(&con->lock);
}

static void
session_free(struct vpn_console *con, struct session *s)
{
	if (atomic_load(&s->monitor))
		atomic_fetch_sub(&con->monitors, 1);
	/* libcli's loop ends on the end of its input, if it has not. */
	shutdown(s->sp, SHUT_RDWR);
	pthread_join(s->th, NULL);
	close(s->sp);
	close(s->tcp);
	pthread_mutex_lock(&con->lock);
	con->st.sessions--;
	pthread_mutex_unlock(&con->lock);
	free(s);
}

/* One byte of the line for libcli (room is checked by the caller). */
static void
in_put(struct session *s, uint8_t c)
{
	s->in[s->in_len++] = c;
}

/* Ctrl-C: the line typed so far is dropped (libcli clears it on Ctrl-U)
 * and a fresh prompt comes (an empty line). Before login it is only
 * dropped: an empty line there would be a failed login. */
static void
abandon_line(struct session *s)
{
	s->line = 0;
	s->discard = false;
	s->cr = false;
	in_put(s, CTRL_U);
	if (atomic_load(&s->authed))
		in_put(s, '\r');
}

/* Bytes from the client: the telnet protocol out, lines bounded, each
 * ending in one CR. Writes at most 2 bytes per byte given. */
static void
filter_in(struct session *s, const uint8_t *b, size_t n)
{
	unsigned int cmds = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = b[i];

		switch (s->ts) {
		case T_IAC:
			cmds++;
			if (c == TELNET_IP) { /* Ctrl-C, as telnet sends it */
				s->ts = T_DATA;
				abandon_line(s);
				continue;
			}
			s->ts = c >= TELNET_WILL && c <= TELNET_DONT ? T_OPT
			        : c == TELNET_SB                     ? T_SB
			                                             : T_DATA;
			/* IAC IAC is a data byte 255: no use in a command
			 * line, dropped with the rest. */
			continue;
		case T_OPT: /* the option of WILL/WONT/DO/DONT */
			s->ts = T_DATA;
			continue;
		case T_SB: /* a subnegotiation runs to IAC SE */
			if (c == TELNET_IAC)
				s->ts = T_SB_IAC;
			continue;
		case T_SB_IAC:
			s->ts = c == TELNET_SE ? T_DATA : T_SB;
			continue;
		case T_DATA:
			if (c == TELNET_IAC) {
				s->ts = T_IAC;
				continue;
			}
			if (c == CTRL_C) {
				abandon_line(s);
				continue;
			}
			break;
		}
		/* Telnet ends a line with CR LF or CR NUL; nc with LF. */
		if (s->cr && (c == '\n' || c == '\0')) {
			s->cr = false;
			continue;
		}
		s->cr = c == '\r';
		if (c == '\r' || c == '\n') {
			if (s->discard) {
				in_put(s, CTRL_U);
				s->discard = false;
				count(s->con, &s->con->st.long_lines, 1);
				out_add(s, "\r\n% line too long (over 4094 "
				           "characters): ignored");
			}
			s->line = 0;
			in_put(s, '\r');
			continue;
		}
		if (s->discard)
			continue;
		if (++s->line > LINE_MAX) {
			s->discard = true;
			continue;
		}
		in_put(s, c);
	}
	if (cmds)
		count(s->con, &s->con->st.telnet_commands, cmds);
}

/* Move what can move for one session; false when it is finished. */
static bool
session_io(struct session *s, short tcp_ev, short sp_ev, time_t now)
{
	struct vpn_console *con = s->con;
	ssize_t n;

	if (atomic_load(&s->locked) && !s->client_gone) {
		static const char bye[] = "\r\n% too many failed logins\r\n";

		(void)!send(s->tcp, bye, sizeof(bye) - 1, MSG_NOSIGNAL);
		s->client_gone = true;
		s->in_len = 0;
		shutdown(s->sp, SHUT_WR);
	}
	if (con->p.login_timeout && !s->client_gone && !s->expired &&
	    !atomic_load(&s->authed) &&
	    now - s->born >= (time_t)con->p.login_timeout) {
		char bye[96];

		snprintf(bye, sizeof(bye),
		         "\r\n%% no login within %u s: closing\r\n",
		         con->p.login_timeout);
		(void)!send(s->tcp, bye, strlen(bye), MSG_NOSIGNAL);
		count(con, &con->st.login_timeouts, 1);
		s->expired = s->client_gone = true;
		s->in_len = 0;
		shutdown(s->sp, SHUT_WR);
	}
	if (!s->client_gone && (tcp_ev & (POLLIN | POLLHUP | POLLERR)) &&
	    s->in_len < sizeof(s->in) / 2) {
		uint8_t buf[IOBUF / 4];
		size_t room = (sizeof(s->in) - s->in_len) / 2;

		n = read(s->tcp, buf, room < sizeof(buf) ? room : sizeof(buf));
		if (n > 0) {
			count(con, &con->st.bytes_in, (uint64_t)n);
			atomic_store(&s->last_in, (long long)now);
			filter_in(s, buf, (size_t)n);
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			s->client_gone = true;
			/* libcli sees the end of its input and quits, even
			 * in the middle of a command's output. */
			shutdown(s->sp, SHUT_WR);
		}
	}
	if (s->in_len > 0 && !s->cli_eof) {
		n = send(s->sp, s->in, s->in_len, MSG_NOSIGNAL);
		if (n > 0) {
			memmove(s->in, s->in + n, s->in_len - (size_t)n);
			s->in_len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR)
			s->in_len = 0;
	}
	if (!s->cli_eof && (sp_ev & (POLLIN | POLLHUP | POLLERR))) {
		if (s->out_off > 0) {
			memmove(s->out, s->out + s->out_off,
			        s->out_len - s->out_off);
			s->out_len -= s->out_off;
			s->out_off = 0;
		}
		if (s->out_len < sizeof(s->out)) {
			n = read(s->sp, s->out + s->out_len,
			         sizeof(s->out) - s->out_len);
			if (n > 0)
				s->out_len += (size_t)n;
			else if (n == 0 || (errno != EAGAIN && errno != EINTR))
				s->cli_eof = true;
		}
	}
	if (s->client_gone)
		s->out_off = s->out_len = 0;
	else if (s->out_len > s->out_off) {
		n = send(s->tcp, s->out + s->out_off, s->out_len - s->out_off,
		         MSG_NOSIGNAL);
		if (n > 0) {
			count(con, &con->st.bytes_out, (uint64_t)n);
			s->out_off += (size_t)n;
			s->stall_since = 0;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			s->client_gone = true;
			shutdown(s->sp, SHUT_WR);
		} else if (s->stall_since == 0)
			s->stall_since = now;
		else if (now - s->stall_since > STALL_S) {
			count(con, &con->st.stalled_closed, 1);
			s->client_gone = true;
			shutdown(s->sp, SHUT_WR);
		}
	}
	if (s->out_off == s->out_len)
		s->out_off = s->out_len = 0;
	/* Done when libcli has quit and its last words are out (or nobody
	 * is there to read them). */
	return !(s->cli_eof && atomic_load(&s->cli_done) && s->out_len == 0);
}

/* Log lines waiting for monitoring sessions: into their output. */
static void
monitor_deliver(struct vpn_console *con)
{
	static char lines[MON_LINES][MON_LEN];
	unsigned int n;

	pthread_mutex_lock(&con->lock);
	n = con->mon_n;
	memcpy(lines, con->mon, sizeof(lines[0]) * n);
	con->mon_n = 0;
	pthread_mutex_unlock(&con->lock);
	for (struct session *s = con->sessions; n && s; s = s->next) {
		if (!atomic_load(&s->monitor) || s->client_gone)
			continue;
		for (unsigned int i = 0; i < n; i++) {
			out_add(s, "\r\n");
			out_add(s, lines[i]);
		}
		out_add(s, "\r\n");
	}
}

static void *
console_main(void *arg)
{
	struct vpn_console *con = arg;

	while (!atomic_load(&con->stop)) {
		struct pollfd pf[2 + 2 * 256];
		struct session *ss[256];
		unsigned int n = 2, k = 0;
		time_t now;

		pf[0] = (struct pollfd){con->wake[0], POLLIN, 0};
		pf[1] = (struct pollfd){con->lfd, POLLIN, 0};
		for (struct session *s = con->sessions; s && k < 256;
		     s = s->next, k++) {
			short te = 0, se = 0;

			if (!s->client_gone && s->in_len < sizeof(s->in) / 2)
				te |= POLLIN;
			if (s->out_len > s->out_off)
				te |= POLLOUT;
			if (!s->cli_eof && s->out_len < sizeof(s->out))
				se |= POLLIN;
			if (s->in_len > 0 && !s->cli_eof)
				se |= POLLOUT;
			ss[k] = s;
			pf[n++] = (struct pollfd){s->client_gone ? -1 : s->tcp,
			                          te, 0};
			pf[n++] = (struct pollfd){s->sp, se, 0};
		}
		if (poll(pf, n, 1000) < 0 && errno != EINTR)
			break;
		if (pf[0].revents & POLLIN) {
			char b[64];

			while (read(con->wake[0], b, sizeof(b)) > 0)
				;
		}
		if (pf[1].revents & POLLIN)
			for (int i = 0; i < 16; i++) {
				struct sockaddr_in sin;
				socklen_t sl = sizeof(sin);
				int fd = accept4(con->lfd,
				                 (struct sockaddr *)&sin, &sl,
				                 SOCK_CLOEXEC);

				if (fd < 0)
					break;
				session_new(con, fd, ntohl(sin.sin_addr.s_addr),
				            ntohs(sin.sin_port));
			}
		if (atomic_load(&con->monitors))
			monitor_deliver(con);
		now = time(NULL);
		for (unsigned int i = 0; i < k; i++) {
			struct session *s = ss[i];

			if (session_io(s, pf[2 + 2 * i].revents,
			               pf[3 + 2 * i].revents, now))
				continue;
			pthread_mutex_lock(&con->lock);
			for (struct session **pp = &con->sessions; *pp;
			     pp = &(*pp)->next)
				if (*pp == s) {
					*pp = s->next;
					break;
				}
			pthread_mutex_unlock(&con->lock);
			session_free(con, s);
		}
	}
	for (;;) {
		struct session *s;

		pthread_mutex_lock(&con->lock);
		s = con->sessions;
		if (s != NULL)
			con->sessions = s->next;
		pthread_mutex_unlock(&con->lock);
		if (s == NULL)
			break;
		session_free(con, s);
	}
	return NULL;
}

static void
copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

struct vpn_console *
vpn_console_start(const struct vpn_console_params *p, char *err, size_t errlen)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons(p->port),
	                          .sin_addr.s_addr = htonl(p->addr)};
	socklen_t sl = sizeof(sin);
	struct vpn_console *con;
	int one = 1;

	if ((p->password_hash == NULL || p->password_hash[0] == '\0') &&
	    (p->addr >> 24) != 127) {
		snprintf(err, errlen,
		         "no password: the console listens on loopback only");
		return NULL;
	}
	con = calloc(1, sizeof(*con));
	if (con == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	con->p = *p;
	if (con->p.max_sessions == 0)
		con->p.max_sessions = 1;
	if (con->p.max_sessions > 256)
		con->p.max_sessions = 256;
	if (con->p.login_attempts == 0)
		con->p.login_attempts = 3;
	copy(con->user, sizeof(con->user), p->user);
	copy(con->hash, sizeof(con->hash), p->password_hash);
	copy(con->hostname, sizeof(con->hostname),
	     p->hostname ? p->hostname : "vpngw");
	copy(con->banner, sizeof(con->banner), p->banner);
	con->p.user = con->p.password_hash = con->p.hostname = con->p.banner =
	        NULL;
	pthread_mutex_init(&con->lock, NULL);
	con->wake[0] = con->wake[1] = -1;
	con->lfd =
	        socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (con->lfd < 0 ||
	    setsockopt(con->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) !=
	            0 ||
	    bind(con->lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(con->lfd, 16) != 0 ||
	    getsockname(con->lfd, (struct sockaddr *)&sin, &sl) != 0 ||
	    pipe2(con->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	con->port = ntohs(sin.sin_port);
	if (pthread_create(&con->th, NULL, console_main, con) != 0) {
		snprintf(err, errlen, "cannot start its thread");
		goto fail;
	}
	return con;
fail:
	if (con->lfd >= 0)
		close(con->lfd);
	if (con->wake[0] >= 0) {
		close(con->wake[0]);
		close(con->wake[1]);
	}
	explicit_bzero(con->hash, sizeof(con->hash));
	free(con);
	return NULL;
}

void
vpn_console_stop(struct vpn_console *con)
{
	if (con == NULL)
		return;
	atomic_store(&con->stop, true);
	(void)!write(con->wake[1], "", 1);
	pthread_join(con->th, NULL);
	close(con->lfd);
	close(con->wake[0]);
	close(con->wake[1]);
	pthread_mutex_destroy(&con->lock);
	explicit_bzero(con->hash, sizeof(con->hash));
	free(con);
}

uint16_t
vpn_console_port(const struct vpn_console *con)
{
	return con->port;
}

void
vpn_console_stats(struct vpn_console *con, struct vpn_console_stats *st)
{
	pthread_mutex_lock(&con->lock);
	*st = con->st;
	pthread_mutex_unlock(&con->lock);
}

void
vpn_console_print(struct cli_def *cli, const char *text, size_t len)
{
	size_t i = 0;

	if (cur != NULL) {
		cur->page_lines = 0;
		cur->page_quit = false;
	}
	console_output(true);
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;

		cli_print(cli, "%.*s", (int)n, text + i);
		i += n + 1;
	}
	console_output(false);
}

void
vpn_console_monitor(struct cli_def *cli, bool on)
{
	struct session *s = cur;

	(void)cli;
	if (s == NULL || atomic_exchange(&s->monitor, on) == on)
		return;
	if (on)
		atomic_fetch_add(&s->con->monitors, 1);
	else
		atomic_fetch_sub(&s->con->monitors, 1);
}

void
vpn_console_log(struct vpn_console *con, const char *line)
{
	if (con == NULL || atomic_load(&con->monitors) == 0)
		return;
	pthread_mutex_lock(&con->lock);
	if (con->mon_n < MON_LINES)
		snprintf(con->mon[con->mon_n++], MON_LEN, "%s", line);
	else
		con->mon_lost++;
	pthread_mutex_unlock(&con->lock);
	(void)!write(con->wake[1], "", 1);
}

unsigned int
vpn_console_users(struct vpn_console *con, struct vpn_console_user *u,
                  unsigned int max)
{
	time_t now = time(NULL);
	unsigned int n = 0;

	pthread_mutex_lock(&con->lock);
	for (struct session *s = con->sessions; s && n < max; s = s->next) {
		struct vpn_console_user *x = &u[n++];

		*x = (struct vpn_console_user){
		        .addr = s->addr,
		        .port = s->port,
		        .logged_in = atomic_load(&s->authed),
		        .monitor = atomic_load(&s->monitor),
		        .self = s == cur,
		        .connected_s = (unsigned int)(now - s->born),
		        .idle_s = (unsigned int)(now - (time_t)atomic_load(
		                                               &s->last_in)),
		};
		snprintf(x->user, sizeof(x->user), "%s", s->user);
	}
	pthread_mutex_unlock(&con->lock);
	return n;
}

void
vpn_console_length(struct cli_def *cli, unsigned int lines)
{
	(void)cli;
	if (cur != NULL)
		cur->page_len = lines;
}

/* One byte typed at --More-- (the session's own end of the socketpair:
 * libcli is not reading while a command prints); -1: gone. */
static int
more_key(struct session *s, int ms)
{
	struct pollfd pf = {s->sp_cli, POLLIN, 0};
	uint8_t c;

	if (poll(&pf, 1, ms) <= 0 || read(s->sp_cli, &c, 1) != 1)
		return -1;
	return c;
}

bool
console_page(struct cli_def *cli)
{
	static const char more[] = " --More-- ", erase[] = "\r          \r";
	struct session *s = cur;
	int c;

	if (s == NULL || s->page_quit)
		return s == NULL;
	if (s->page_len == 0 || ++s->page_lines < s->page_len)
		return true;
	fflush(cli->client);
	(void)!write(s->sp_cli, more, sizeof(more) - 1);
	/* Space: a page more; Enter: a line more; q or Ctrl-C: no more. */
	c = more_key(s, 600 * 1000);
	(void)!write(s->sp_cli, erase, sizeof(erase) - 1);
	if (c == ' ')
		s->page_lines = 1;
	else if (c == '\r' || c == '\n')
		s->page_lines = s->page_len - 1;
	else {
		s->page_quit = true;
		/* Ctrl-C comes as Ctrl-U and CR (filter_in): both taken. */
		if (c == CTRL_U)
			(void)more_key(s, 50);
		return false;
	}
	return true;
}
