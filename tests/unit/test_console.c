/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/console over real TCP on 127.0.0.1 (a free port): login, failed
 * logins delayed, counted and locked out, LF-only lines (nc), the telnet
 * protocol stripped (option storms, subnegotiations), a 1 MB line,
 * binary garbage, the session limit, a client gone mid-answer, the idle
 * timeout, and no password off loopback. The interactive parts (help,
 * completion, the real telnet client) are in tests/e2e/console.sh.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "vpn_console.h"

/* openssl passwd -6 -salt testsalt secret */
static const char hash[] =
        "$6$testsalt$51yaaBMXXXt5vK522YOlIMZ267vqHtMIzc2klcsu3EEv/"
        "bkRDU9g3UmkypXf.NvlpPpIPK1nX5zdbCeJBiQbB/";

static int
hello(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	(void)argv;
	(void)argc;
	cli_print(cli, "hello-answer");
	return CLI_OK;
}

/* 4 MB of output: more than the buffers hold, for clients that go. */
static int
flood(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	static char line[1024];

	(void)cmd;
	(void)argv;
	(void)argc;
	memset(line, 'x', sizeof(line) - 1);
	for (int i = 0; i < 4096; i++)
		cli_print(cli, "%s", line);
	return CLI_OK;
}

static void
setup(struct cli_def *cli, void *ctx)
{
	(void)ctx;
	cli_register_command(cli, NULL, "hello", hello, PRIVILEGE_UNPRIVILEGED,
	                     MODE_EXEC, "say hello");
	cli_register_command(cli, NULL, "flood", flood, PRIVILEGE_UNPRIVILEGED,
	                     MODE_EXEC, "a lot of output");
}

static struct vpn_console *
start_login(const char *h, unsigned int max, unsigned int idle,
            unsigned int login_timeout, unsigned int login_block)
{
	struct vpn_console_params p = {.addr = 0x7f000001,
	                               .port = 0,
	                               .user = "admin",
	                               .password_hash = h,
	                               .max_sessions = max,
	                               .idle_timeout = idle,
	                               .login_delay_ms = 50,
	                               .login_attempts = 3,
	                               .login_timeout = login_timeout,
	                               .login_block = login_block,
	                               .hostname = "t",
	                               .setup = setup};
	char err[128];
	struct vpn_console *c = vpn_console_start(&p, err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

static struct vpn_console *
start(const char *h, unsigned int max, unsigned int idle)
{
	return start_login(h, max, idle, 0, 0);
}

static int
dial(struct vpn_console *c)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons(vpn_console_port(c)),
	                          .sin_addr.s_addr = htonl(0x7f000001)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	return fd;
}

static void
say(int fd, const char *s)
{
	size_t n = strlen(s);

	CU_ASSERT(send(fd, s, n, MSG_NOSIGNAL) == (ssize_t)n);
}

/* Until fewer than n sessions are open (2 s at most). */
static void
sessions_below(struct vpn_console *c, unsigned int n)
{
	struct vpn_console_stats st;

	for (int i = 0; i < 100; i++) {
		vpn_console_stats(c, &st);
		if (st.sessions < n)
			return;
		usleep(20000);
	}
	CU_FAIL("sessions did not end");
}

static char wait_buf[65536]; /* what wait_for read last */

/* Read until want shows up (true) or ms pass or the peer closes. The
 * buffer keeps the last 64 KB seen. */
static bool
wait_for(int fd, const char *want, int ms)
{
	char *buf = wait_buf;
	size_t len = 0;
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pf = {fd, POLLIN, 0};
		long el;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (t.tv_sec - t0.tv_sec) * 1000 +
		     (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (el >= ms || poll(&pf, 1, (int)(ms - el)) <= 0)
			return false;
		if (len > sizeof(wait_buf) - 4097) {
			memmove(buf, buf + len - 4096, 4096);
			len = 4096;
		}
		n = read(fd, buf + len, sizeof(wait_buf) - 1 - len);
		if (n <= 0)
			return false;
		len += (size_t)n;
		buf[len] = '\0';
		/* Telnet commands and NULs would end the string early. */
		for (size_t i = len - (size_t)n; i < len; i++)
			if (buf[i] == '\0')
				buf[i] = '.';
		if (strstr(buf, want) != NULL)
			return true;
	}
}

/* Whether the peer has closed (read gives 0) within ms. */
static bool
closed(int fd, int ms)
{
	char b[4096];
	struct pollfd pf = {fd, POLLIN, 0};

	while (poll(&pf, 1, ms) > 0) {
		ssize_t n = read(fd, b, sizeof(b));

		if (n <= 0)
			return true;
	}
	return false;
}

static void
login(int fd)
{
	CU_ASSERT(wait_for(fd, "Username:", 2000));
	say(fd, "admin\r\n");
	CU_ASSERT(wait_for(fd, "Password:", 2000));
	say(fd, "secret\r\n");
	CU_ASSERT(wait_for(fd, "t> ", 2000));
}

static void
test_password(void)
{
	CU_ASSERT(vpn_console_password_ok("secret", hash));
	CU_ASSERT(!vpn_console_password_ok("secret2", hash));
	CU_ASSERT(!vpn_console_password_ok("", hash));
	CU_ASSERT(!vpn_console_password_ok("secret", ""));
	CU_ASSERT(!vpn_console_password_ok("secret", "not-a-hash"));
}

static void
test_login(void)
{
	struct vpn_console *c = start(hash, 4, 0);
	struct vpn_console_stats st;
	int fd = dial(c);

	/* One wrong password, then the right one; LF-only lines. */
	CU_ASSERT(wait_for(fd, "Username:", 2000));
	say(fd, "admin\n");
	CU_ASSERT(wait_for(fd, "Password:", 2000));
	say(fd, "wrong\n");
	CU_ASSERT(wait_for(fd, "Access denied", 2000));
	say(fd, "admin\n");
	CU_ASSERT(wait_for(fd, "Password:", 2000));
	say(fd, "secret\n");
	CU_ASSERT(wait_for(fd, "t> ", 2000));
	say(fd, "hello\n");
	CU_ASSERT(wait_for(fd, "hello-answer", 2000));
	/* Privileged level needs the password again. */
	say(fd, "enable\r\n");
	CU_ASSERT(wait_for(fd, "Password:", 2000));
	say(fd, "secret\r\n");
	CU_ASSERT(wait_for(fd, "t# ", 2000));
	say(fd, "quit\r\n");
	CU_ASSERT(closed(fd, 2000));
	close(fd);
	vpn_console_stats(c, &st);
	CU_ASSERT_EQUAL(st.logins, 1);
	CU_ASSERT_EQUAL(st.login_failures, 1);
	vpn_console_stop(c);
}

static void
test_lockout(void)
{
	struct vpn_console *c = start(hash, 4, 0);
	struct vpn_console_stats st;
	struct timespec t0, t1;
	int fd = dial(c);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT(wait_for(fd, "Username:", 2000));
		say(fd, "admin\r\n");
		CU_ASSERT(wait_for(fd, "Password:", 2000));
		say(fd, "guess\r\n");
	}
	/* The third failure closes the connection. */
	CU_ASSERT(closed(fd, 3000));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(fd);
	/* Each failure cost the delay (50 ms here). */
	CU_ASSERT((t1.tv_sec - t0.tv_sec) * 1000 +
	                  (t1.tv_nsec - t0.tv_nsec) / 1000000 >=
	          150);
	vpn_console_stats(c, &st);
	CU_ASSERT_EQUAL(st.login_failures, 3);
	CU_ASSERT_EQUAL(st.lockouts, 1);
	CU_ASSERT_EQUAL(st.logins, 0);

	/* Guesses sent ahead in one write: still three delays, then the
	 * connection closes (the rest are not waited for). */
	fd = dial(c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 200; i++)
		say(fd, "admin\r\nguess\r\n");
	CU_ASSERT(closed(fd, 3000));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(fd);
	CU_ASSERT((t1.tv_sec - t0.tv_sec) * 1000 +
	                  (t1.tv_nsec - t0.tv_nsec) / 1000000 <
	          2000);
	sessions_below(c, 1);
	vpn_console_stats(c, &st);
	CU_ASSERT_EQUAL(st.lockouts, 2);
	vpn_console_stop(c);
}

static void
test_telnet_storm(void)
{
	struct vpn_console *c = start(hash, 4, 0);
	struct vpn_console_stats st;
	static uint8_t storm[30000];
	int fd = dial(c);
	size_t n = 0;

	login(fd);
	/* WILL/WONT/DO/DONT of every option, and subnegotiations whose
	 * bytes would otherwise be typed text. */
	while (n + 16 < sizeof(storm)) {
		uint8_t k = (uint8_t)(n / 10);

		storm[n++] = 255;
		storm[n++] = (uint8_t)(251 + k % 4);
		storm[n++] = k;
		storm[n++] = 255;
		storm[n++] = 250;
		storm[n++] = 31;
		storm[n++] = 'h';
		storm[n++] = 'x';
		storm[n++] = 255;
		storm[n++] = 240;
	}
	CU_ASSERT(write(fd, storm, n) == (ssize_t)n);
	say(fd, "hello\r\n");
	CU_ASSERT(wait_for(fd, "hello-answer", 3000));
	vpn_console_stats(c, &st);
	CU_ASSERT(st.telnet_commands >= n / 10 * 2);
	close(fd);
	vpn_console_stop(c);
}

static void
test_long_line_and_garbage(void)
{
	struct vpn_console *c = start(hash, 4, 0);
	struct vpn_console_stats st;
	size_t big = 1 << 20;
	char *line = malloc(big);
	uint8_t junk[8192];
	int fd = dial(c);
	size_t off = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	login(fd);
	memset(line, 'a', big);
	/* Written while reading, so neither side's buffers fill. */
	while (off < big) {
		ssize_t w = write(fd, line + off,
		                  big - off > 65536 ? 65536 : big - off);
		char b[65536];

		CU_ASSERT_FATAL(w > 0);
		off += (size_t)w;
		/* Whatever the echo has sent so far, without waiting. */
		while (recv(fd, b, sizeof(b), MSG_DONTWAIT) > 0)
			;
	}
	say(fd, "\r\n");
	CU_ASSERT(wait_for(fd, "line too long", 5000));
	say(fd, "hello\r\n");
	CU_ASSERT(wait_for(fd, "hello-answer", 3000));
	/* Random bytes (no Ctrl-D at a line start: that is "quit"). */
	srand(7);
	for (size_t i = 0; i < sizeof(junk); i++) {
		junk[i] = (uint8_t)rand();
		if (junk[i] == 4)
			junk[i] = 5;
	}
	CU_ASSERT(write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
	say(fd, "\x15\r\nhello\r\n");
	CU_ASSERT(wait_for(fd, "hello-answer", 3000));
	vpn_console_stats(c, &st);
	CU_ASSERT_EQUAL(st.long_lines, 1);
	close(fd);
	free(line);
	vpn_console_stop(c);
}

static void
test_session_limit(void)
{
	struct vpn_console *c = start(hash, 2, 0);
	struct vpn_console_stats st;
	int a = dial(c), b, x;

	/* One logged in, one logging in (of 2 sessions, 1 may be). */
	login(a);
	b = dial(c);
	CU_ASSERT(wait_for(b, "Username:", 2000));
	for (int i = 0; i < 5; i++) {
		x = dial(c);
		CU_ASSERT(wait_for(x, "too many console sessions", 2000));
		CU_ASSERT(closed(x, 2000));
		close(x);
	}
	close(b);
	/* A place is free again once a session is gone. */
	sessions_below(c, 2);
	x = dial(c);
	CU_ASSERT(wait_for(x, "Username:", 2000));
	close(x);
	close(a);
	vpn_console_stats(c, &st);
	CU_ASSERT_EQUAL(st.refused, 5);
	vpn_console_stop(c);
}

static void
test_gone_mid_answer(void)
{
	struct vpn_console *c = start(hash, 4, 0);
	struct vpn_console_stats st;

	for (int i = 0; i < 20; i++) {
		int fd;

		sessions_below(c, 4);
		fd = dial(c);

		login(fd);
		say(fd, "flood\r\n");
		CU_ASSERT(wait_for(fd, "xxxx", 2000));
		close(fd);
	}
	/* Every one of them ends; the console still answers. */
	sessions_below(c, 1);
	vpn_console_stats(c, &st);
	CU_ASSERT_EQUAL(st.sessions, 0);
	CU_ASSERT_EQUAL(st.accepted, 20);
	{
		int fd = dial(c);

		login(fd);
		say(fd, "hello\r\n");
		CU_ASSERT(wait_for(fd, "hello-answer", 2000));
		close(fd);
	}
	vpn_console_stop(c);
}

static void
test_busy(void)
{
	struct vpn_console *c = start(hash, 4, 0);
	struct vpn_console_stats st;
	int a = dial(c), b = dial(c), x;

	/* Clients that never log in hold at most half the sessions from
	 * one address: the administrator still gets in. */
	CU_ASSERT(wait_for(a, "Username:", 2000));
	CU_ASSERT(wait_for(b, "Username:", 2000));
	x = dial(c);
	CU_ASSERT(wait_for(x, "too many logins in progress", 2000));
	CU_ASSERT(closed(x, 2000));
	close(x);
	say(a, "admin\r\n");
	CU_ASSERT(wait_for(a, "Password:", 2000));
	say(a, "secret\r\n");
	CU_ASSERT(wait_for(a, "t> ", 2000));
	x = dial(c);
	CU_ASSERT(wait_for(x, "Username:", 2000));
	close(x);
	close(a);
	close(b);
	vpn_console_stats(c, &st);
	CU_ASSERT_EQUAL(st.busy, 1);
	CU_ASSERT_EQUAL(st.refused, 0);
	vpn_console_stop(c);
}

static void
test_login_deadline(void)
{
	struct vpn_console *c = start_login(hash, 4, 0, 1, 0);
	struct vpn_console_stats st;
	int a = dial(c), b;

	/* a types its name a byte at a time and never finishes. */
	CU_ASSERT(wait_for(a, "Username:", 2000));
	say(a, "a");
	CU_ASSERT(wait_for(a, "no login within 1 s", 4000));
	CU_ASSERT(closed(a, 2000));
	close(a);
	/* b logged in in time: the deadline is over for it. */
	b = dial(c);
	login(b);
	usleep(1500 * 1000);
	say(b, "hello\r\n");
	CU_ASSERT(wait_for(b, "hello-answer", 2000));
	close(b);
	vpn_console_stats(c, &st);
	CU_ASSERT_EQUAL(st.login_timeouts, 1);
	vpn_console_stop(c);
}

/* Three failed logins from one address: in one connection or across
 * reconnects. */
static void
fail_logins(struct vpn_console *c, int n)
{
	int fd = -1;

	for (int i = 0; i < n; i++) {
		if (fd < 0) {
			fd = dial(c);
			CU_ASSERT(wait_for(fd, "Username:", 2000));
		}
		say(fd, "admin\r\n");
		CU_ASSERT(wait_for(fd, "Password:", 2000));
		say(fd, "guess\r\n");
		/* Refused and asked again, or locked out. */
		CU_ASSERT(
		        wait_for(fd, i + 1 < n ? "Username:" : "failed", 3000));
		if (i == 0) { /* a new connection for each further guess */
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0) {
		CU_ASSERT(closed(fd, 3000));
		close(fd);
	}
}

static void
test_block(void)
{
	struct vpn_console *c = start_login(hash, 4, 0, 0, 1);
	struct vpn_console_stats st;
	int fd;

	/* 1 guess, reconnect, 2 more: the third closes the connection and
	 * blocks the address for 1 s. */
	fail_logins(c, 3);
	fd = dial(c);
	CU_ASSERT(wait_for(fd, "try again in 1 s", 2000));
	CU_ASSERT(closed(fd, 2000));
	close(fd);
	usleep(1100 * 1000);
	/* Three more after the block: 2 s this time. */
	fail_logins(c, 3);
	fd = dial(c);
	CU_ASSERT(wait_for(fd, "try again in 2 s", 2000));
	close(fd);
	usleep(2100 * 1000);
	/* A login clears it: three more failures block for 1 s again. */
	fd = dial(c);
	login(fd);
	close(fd);
	fail_logins(c, 3);
	fd = dial(c);
	CU_ASSERT(wait_for(fd, "try again in 1 s", 2000));
	close(fd);
	vpn_console_stats(c, &st);
	CU_ASSERT_EQUAL(st.lockouts, 3);
	CU_ASSERT_EQUAL(st.blocked, 3);
	CU_ASSERT_EQUAL(st.login_failures, 9);
	CU_ASSERT_EQUAL(st.logins, 1);
	vpn_console_stop(c);
}

/* Guesses sent ahead of a lockout, the right password among them, are
 * refused unchecked: no login, and the block stays as it was (a login
 * would clear the address's record and shorten the next block). */
static void
test_guesses_ahead(void)
{
	/* A 4 s block: room for a loaded machine between the lockout and
	 * the next connection. */
	struct vpn_console *c = start_login(hash, 4, 0, 0, 4);
	struct vpn_console_stats st;
	unsigned int left = 0;
	const char *m;
	int fd = dial(c);

	CU_ASSERT(wait_for(fd, "Username:", 2000));
	for (int i = 0; i < 3; i++)
		say(fd, "admin\r\nguess\r\n");
	for (int i = 0; i < 50; i++)
		say(fd, "admin\r\nsecret\r\n");
	CU_ASSERT(closed(fd, 5000));
	close(fd);
	sessions_below(c, 1);
	vpn_console_stats(c, &st);
	CU_ASSERT_EQUAL(st.logins, 0);
	CU_ASSERT_EQUAL(st.lockouts, 1);
	fd = dial(c);
	CU_ASSERT(wait_for(fd, "try again in ", 2000));
	close(fd);
	/* Until the block is over (a deadline, not a guess of its end). */
	for (int i = 0; i < 50; i++) {
		bool open;

		fd = dial(c);
		open = wait_for(fd, "Username:", 1000);
		close(fd);
		if (open)
			break;
		usleep(200 * 1000);
	}
	/* The next lockout doubles to 8 s: the right guesses cleared
	 * nothing (cleared, it would be 4 s again). */
	fail_logins(c, 3);
	fd = dial(c);
	CU_ASSERT(wait_for(fd, "try again in ", 2000));
	m = strstr(wait_buf, "try again in ");
	if (m != NULL && sscanf(m, "try again in %u s", &left) != 1)
		left = 0;
	CU_ASSERT(left > 4 && left <= 8);
	close(fd);
	vpn_console_stop(c);
}

static void
test_idle(void)
{
	struct vpn_console *c = start(hash, 4, 1);
	struct vpn_console_stats st;
	int fd = dial(c);

	login(fd);
	CU_ASSERT(wait_for(fd, "idle", 4000));
	CU_ASSERT(closed(fd, 2000));
	close(fd);
	vpn_console_stats(c, &st);
	CU_ASSERT_EQUAL(st.idle_closed, 1);
	vpn_console_stop(c);
}

static void
test_no_password(void)
{
	struct vpn_console_params p = {.addr = 0, /* 0.0.0.0 */
	                               .port = 0,
	                               .max_sessions = 1,
	                               .setup = setup};
	char err[128];
	struct vpn_console *c = vpn_console_start(&p, err, sizeof(err));
	int fd;

	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT(strstr(err, "loopback") != NULL);
	vpn_console_stop(c);
	/* On loopback, no login at all. */
	c = start("", 1, 0);
	fd = dial(c);
	CU_ASSERT(wait_for(fd, "t> ", 2000));
	say(fd, "hello\n");
	CU_ASSERT(wait_for(fd, "hello-answer", 2000));
	close(fd);
	vpn_console_stop(c);
}

/* A port already taken: no console, a message saying why. */
static void
test_port_in_use(void)
{
	struct vpn_console *a = start(hash, 1, 0);
	struct vpn_console_params p = {.addr = 0x7f000001,
	                               .port = vpn_console_port(a),
	                               .password_hash = hash,
	                               .max_sessions = 1,
	                               .setup = setup};
	char err[128] = "";

	CU_ASSERT_PTR_NULL(vpn_console_start(&p, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "in use"));
	vpn_console_stop(a);
}

void register_console_tests(void);

void
register_console_tests(void)
{
	CU_pSuite s = CU_add_suite("console", NULL, NULL);

	CU_add_test(s, "password hashes", test_password);
	CU_add_test(s, "login, LF lines, enable", test_login);
	CU_add_test(s, "failed logins: delay, count, lockout", test_lockout);
	CU_add_test(s, "telnet option storm", test_telnet_storm);
	CU_add_test(s, "1 MB line, binary garbage", test_long_line_and_garbage);
	CU_add_test(s, "session limit", test_session_limit);
	CU_add_test(s, "client gone mid-answer", test_gone_mid_answer);
	CU_add_test(s, "idle timeout", test_idle);
	CU_add_test(s, "logins in progress: half the sessions", test_busy);
	CU_add_test(s, "login deadline", test_login_deadline);
	CU_add_test(s, "lockout across reconnects, doubling block", test_block);
	CU_add_test(s, "guesses sent ahead of a lockout are not checked",
	            test_guesses_ahead);
	CU_add_test(s, "no password: loopback only", test_no_password);
	CU_add_test(s, "port in use", test_port_in_use);
}
