/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_CONSOLE_H
#define VPN_CONSOLE_H

/*
 * The telnet-style admin console: a TCP listener, one libcli session per
 * connection, login against a crypt(3) hash, and the limits an appliance
 * needs (sessions, idle time, failed logins, line length).
 *
 * Threads: one console thread accepts connections and carries bytes
 * between each TCP socket and its session (it strips the telnet protocol,
 * turns a bare LF into the CR libcli ends lines on, and refuses lines
 * longer than libcli takes); each session runs libcli's blocking loop in
 * a thread of its own. Commands therefore run on session threads: the
 * owner's setup callback registers them and makes them take whatever lock
 * guards its state.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <libcli.h>

struct vpn_console_params {
	uint32_t addr; /* host order */
	uint16_t port; /* 0: any free port (tests; see vpn_console_port) */
	const char *user;
	const char *password_hash; /* crypt(3); NULL or "": no login */
	unsigned int max_sessions;
	unsigned int idle_timeout;   /* seconds; 0: never */
	unsigned int login_delay_ms; /* after a failed login */
	unsigned int login_attempts; /* from one address before a lockout */
	unsigned int login_timeout;  /* seconds from connect to logged in;
	                              * 0: none */
	unsigned int login_block;    /* seconds an address is refused after a
	                              * lockout, doubled for each further one
	                              * (at most 64 times); 0: none */
	const char *hostname;        /* the prompt */
	const char *banner;
	/* Register the commands of a new session. */
	void (*setup)(struct cli_def *cli, void *ctx);
	/* The session ends (free what setup gave it); may be NULL. */
	void (*teardown)(struct cli_def *cli, void *ctx);
	void *ctx;
};

#define VPN_CONSOLE_COUNTERS(_)                                   \
	_(accepted, "connections accepted")                       \
	_(refused, "connections refused: too many sessions")      \
	_(logins, "successful logins")                            \
	_(login_failures, "failed logins")                        \
	_(lockouts, "connections closed after failed logins")     \
	_(blocked, "connections refused: address blocked")        \
	_(login_timeouts, "connections closed: no login in time") \
	_(busy, "connections refused: logins in progress")        \
	_(idle_closed, "sessions closed when idle")               \
	_(stalled_closed, "sessions closed: client not reading")  \
	_(long_lines, "lines over the length limit, ignored")     \
	_(telnet_commands, "telnet commands from clients")        \
	_(bytes_in, "bytes received")                             \
	_(bytes_out, "bytes sent")

struct vpn_console_stats {
#define VPN_CONSOLE_FIELD(f, d) uint64_t f;
	VPN_CONSOLE_COUNTERS(VPN_CONSOLE_FIELD)
#undef VPN_CONSOLE_FIELD
	unsigned int sessions; /* open now */
};

struct vpn_console;

/* Listen and start the console thread, or NULL with a message in err
 * (address in use, no such address, ...). */
struct vpn_console *vpn_console_start(const struct vpn_console_params *p,
                                      char *err, size_t errlen);
/* Close every session and the listener, wait for their threads. */
void vpn_console_stop(struct vpn_console *con);
/* The port listened on (the one chosen when params.port was 0). */
uint16_t vpn_console_port(const struct vpn_console *con);
void vpn_console_stats(struct vpn_console *con, struct vpn_console_stats *st);

/* Whether password matches a crypt(3) hash (constant time compare). */
bool vpn_console_password_ok(const char *password, const char *hash);

/* Print text (lines ending in \n) on the session through libcli, so that
 * `| include` and the other filters apply to each line. */
void vpn_console_print(struct cli_def *cli, const char *text, size_t len);

/* terminal monitor [on|off] for the session a command runs in: log lines
 * given to vpn_console_log() are added to its output as they come. */
void vpn_console_monitor(struct cli_def *cli, bool on);
/* A log line (any thread) for the sessions with terminal monitor on (64
 * waiting at most; more are lost until the console thread takes them). */
void vpn_console_log(struct vpn_console *con, const char *line);

/* terminal length for the session a command runs in: a command's output
 * stops after lines - 1 lines at " --More-- " (space: a page more, Enter:
 * a line more, q: the rest dropped); 0: no paging (the default). */
void vpn_console_length(struct cli_def *cli, unsigned int lines);

/* The sessions, for show users. */
struct vpn_console_user {
	uint32_t addr; /* host order */
	uint16_t port;
	char user[64]; /* "" before login, or with no password */
	bool logged_in, monitor;
	bool self; /* the session asking */
	unsigned int connected_s, idle_s;
};
unsigned int vpn_console_users(struct vpn_console *con,
                               struct vpn_console_user *u, unsigned int max);

/* Refuse the line a command is running for: a caret under argv[0] (a
 * word of the line, as a callback's argv has them) and "% Invalid input
 * detected at '^' marker.". Commands call it for words they do not take. */
void vpn_console_invalid(struct cli_def *cli, char **argv);

#endif /* VPN_CONSOLE_H */
