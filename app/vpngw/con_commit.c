/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configure mode's candidate configuration. `configure` gives a session a
 * copy of the running model; its changes collect there (each checked on
 * its own as the file's option is) until `commit` checks the whole and
 * applies it once through vpngw_apply(), so each tunnel renegotiates at
 * most once however many of its options changed. `rollback` starts the
 * candidate again from the running model, `abort` does that and leaves
 * configure mode; `end` keeps the candidate for the next `configure`.
 *
 * A candidate commits onto the generation of the running model it was
 * made from only: if another session committed (or SIGHUP reloaded, or a
 * commit confirmed rolled back) since, committing it would undo that, so
 * it is refused and the operator rolls back and makes the change again.
 *
 * `commit confirmed [SECONDS]` keeps the running model from before; unless
 * a `commit` (from any session) confirms within SECONDS, the control core
 * puts it back (vpngw_console_tick()): what lets an operator change a
 * remote appliance without locking themselves out. A rollback that fails
 * is tried again every 10 s (write stays refused); a reload that came
 * after the commit cancels it (rolling back would undo the reload).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "con_priv.h"

struct con_confirm con_confirm;

#define CONFIRM_MIN     10
#define CONFIRM_MAX     65535
#define CONFIRM_DEFAULT 600

static void
cand_reset(struct sess *ss)
{
	vpn_cfg_free(ss->cand);
	ss->cand = vpn_cfg_dup(vpngw_running());
	ss->base = vpngw_running_gen();
	ss->edits = 0;
}

struct vpn_cfg *
con_cand(struct cli_def *cli)
{
	struct sess *ss = con_sess_of(cli);

	/* Without edits it follows the running model. */
	if (ss->cand == NULL ||
	    (ss->edits == 0 && ss->base != vpngw_running_gen()))
		cand_reset(ss);
	return ss->cand;
}

void
con_cand_free(struct sess *ss)
{
	vpn_cfg_free(ss->cand);
	ss->cand = NULL;
	ss->edits = 0;
}

int
valid_seconds(struct cli_def *cli, const char *name, const char *value)
{
	char *end;
	long v;

	(void)cli;
	(void)name;
	errno = 0;
	v = strtol(value, &end, 10);
	return errno == 0 && end != value && *end == '\0' && v >= CONFIRM_MIN &&
	                       v <= CONFIRM_MAX
	               ? CLI_OK
	               : CLI_ERROR;
}

static void
confirm_pending(FILE *o)
{
	vpn_cfg_free(con_confirm.prev);
	con_confirm.prev = NULL;
	vpngw_log("commit confirmed: confirmed by the console");
	fprintf(o, "commit confirmed: confirmed, the configuration stays\n");
}

/* Commit the session's candidate; confirm_s > 0: roll back unless
 * confirmed within that many seconds. */
static void
commit(struct cli_def *cli, FILE *o, unsigned int confirm_s)
{
	struct sess *ss = con_sess_of(cli);
	struct vpn_cfg *next, *prev = NULL;
	unsigned int edits = ss->edits;

	if (con_confirm.prev != NULL) {
		if (confirm_s > 0) {
			uint64_t now = vpngw_now_ms();

			fprintf(o,
			        "%% a commit confirmed is pending (%llu s "
			        "left): commit to confirm it first\n",
			        (unsigned long long)(con_confirm.deadline > now
			                                     ? (con_confirm
			                                                .deadline -
			                                        now) / 1000
			                                     : 0));
			return;
		}
		/* With changes of its own, this commit confirms only once
		 * it has applied. */
		if (edits == 0) {
			confirm_pending(o);
			return;
		}
	}
	if (ss->cand == NULL || edits == 0) {
		fprintf(o, "%% no changes to commit\n");
		return;
	}
	if (ss->base != vpngw_running_gen()) {
		fprintf(o, "%% the running configuration changed since this "
		           "candidate was made (a commit from another "
		           "session, a reload or a rollback): committing it "
		           "would undo that. show configuration diff, then "
		           "rollback and make the changes again\n");
		return;
	}
	next = vpn_cfg_dup(ss->cand);
	if (confirm_s > 0)
		prev = vpn_cfg_dup(vpngw_running());
	if (next == NULL || (confirm_s > 0 && prev == NULL)) {
		vpn_cfg_free(next);
		vpn_cfg_free(prev);
		fprintf(o, "%% out of memory\n");
		return;
	}
	/* The whole candidate, checked and applied once. */
	if (vpngw_apply(next, o, false) != 0) {
		vpn_cfg_free(prev);
		fprintf(o, "%% nothing committed: the candidate stays as it is "
		           "(change it, or rollback)\n");
		return;
	}
	vpngw_log("configuration committed by the console: %u change(s)%s",
	          edits, confirm_s ? ", to be confirmed" : "");
	if (con_confirm.prev != NULL)
		confirm_pending(o);
	if (confirm_s > 0) {
		con_confirm.prev = prev;
		con_confirm.seconds = confirm_s;
		con_confirm.deadline = vpngw_now_ms() + confirm_s * 1000ull;
		con_confirm.gen = vpngw_running_gen();
		fprintf(o,
		        "commit confirmed: rolled back in %u s unless a commit "
		        "confirms it\n",
		        confirm_s);
	}
	cand_reset(ss);
}

CMD(commit_cmd)
{
	commit(cli, o, 0);
}

CMD(commit_confirmed_cmd)
{
	const char *s = cli_get_optarg_value(cli, "seconds", NULL);

	commit(cli, o, s ? (unsigned int)atoi(s) : CONFIRM_DEFAULT);
}

CMD(rollback_cmd)
{
	struct sess *ss = con_sess_of(cli);
	unsigned int n = ss->edits;

	cand_reset(ss);
	fprintf(o,
	        "candidate back to the running configuration: %u change(s) "
	        "discarded\n",
	        n);
}

CMD(abort_cmd)
{
	struct sess *ss = con_sess_of(cli);

	if (ss->edits > 0)
		fprintf(o, "%u uncommitted change(s) discarded\n", ss->edits);
	con_cand_free(ss);
	ss->next_mode = MODE_EXEC;
	ss->next_prompt[0] = '\0';
	ss->mode_change = true;
}

CMD(show_config_diff)
{
	struct sess *ss = con_sess_of(cli);

	if (ss->cand == NULL || ss->edits == 0) {
		fprintf(o, "no uncommitted changes\n");
		return;
	}
	if (ss->base != vpngw_running_gen())
		fprintf(o, "%% the running configuration changed since this "
		           "candidate was made: against it now\n");
	fprintf(o, "--- running\n+++ candidate (%u change(s))\n", ss->edits);
	if (vpn_cfg_diff(vpngw_running(), ss->cand, o) == 0)
		fprintf(o, "(the same as running)\n");
}

/* show startup-config [diff]: the file vpngw was started with (and
 * writes), as it is on disk; with diff, what differs from running. */
CMD(show_startup)
{
	const struct vpn_cfg *run = vpngw_running();
	struct vpn_diag d;
	struct vpn_cfg *file;
	char line[1024];
	FILE *f;

	if (run->file == NULL) {
		fprintf(o, "%% no configuration file\n");
		return;
	}
	if (!con_has_flag(cli, "diff")) {
		f = fopen(run->file, "r");
		if (f == NULL) {
			fprintf(o, "%% %s: %s\n", run->file, strerror(errno));
			return;
		}
		while (fgets(line, sizeof(line), f) != NULL)
			fputs(line, o);
		fclose(f);
		return;
	}
	vpn_diag_init(&d);
	file = vpn_cfg_load(run->file, &d);
	if (file == NULL || d.errors > 0) {
		vpn_diag_print(&d, o);
		fprintf(o, "%% %s does not load: no diff\n", run->file);
	} else {
		fprintf(o, "--- %s\n+++ running\n", run->file);
		if (vpn_cfg_diff(file, run, o) == 0)
			fprintf(o, "(the same: nothing to write)\n");
	}
	vpn_cfg_free(file);
	vpn_diag_free(&d);
}

void
vpngw_console_tick(void)
{
	struct vpn_cfg *back;
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int rc;

	if (con_confirm.prev == NULL || vpngw_now_ms() < con_confirm.deadline)
		return;
	if (vpngw_running_gen() != con_confirm.gen) {
		/* A reload came after the commit: rolling back would undo
		 * it too. */
		vpn_cfg_free(con_confirm.prev);
		con_confirm.prev = NULL;
		vpngw_log("commit confirmed: not confirmed, but the "
		          "configuration was reloaded since: not rolled back");
		return;
	}
	back = vpn_cfg_dup(con_confirm.prev);
	m = back ? open_memstream(&buf, &len) : NULL;
	rc = m ? vpngw_apply(back, m, false) : -ENOMEM;
	if (m != NULL)
		fclose(m);
	else
		vpn_cfg_free(back);
	for (char *l = buf ? strtok(buf, "\n") : NULL; l;
	     l = strtok(NULL, "\n"))
		vpngw_log("commit confirmed: %s", l);
	free(buf);
	if (rc == 0) {
		vpn_cfg_free(con_confirm.prev);
		con_confirm.prev = NULL;
		vpngw_log("commit confirmed: not confirmed within %u s: "
		          "rolled back",
		          con_confirm.seconds);
		return;
	}
	/* Kept: tried again, and write stays refused meanwhile. */
	con_confirm.deadline = vpngw_now_ms() + 10000;
	vpngw_log("commit confirmed: not confirmed within %u s: rolling "
	          "back FAILED (%d): trying again in 10 s",
	          con_confirm.seconds, rc);
}
