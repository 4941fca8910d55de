/* SPDX-License-Identifier: BSD-3-Clause */
/* Diagnostics: every problem, kept until printed as FILE:LINE: sev: text. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vpn_cfg.h"

void
vpn_diag_init(struct vpn_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void
vpn_diag_free(struct vpn_diag *d)
{
	for (unsigned int i = 0; i < d->n; i++) {
		free(d->msg[i].file);
		free(d->msg[i].text);
	}
	free(d->msg);
	memset(d, 0, sizeof(*d));
}

void
vpn_diag_add(struct vpn_diag *d, enum vpn_severity sev, const char *file,
             unsigned int line, const char *fmt, ...)
{
	struct vpn_diag_msg *m;
	va_list ap;
	char *text;

	if (sev == VPN_DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
	if (d->n == d->cap) {
		unsigned int cap = d->cap ? d->cap * 2 : 16;
		struct vpn_diag_msg *v = realloc(d->msg, cap * sizeof(*v));

		if (v == NULL)
			return; /* counted, not kept: the count still fails */
		d->msg = v;
		d->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (text == NULL)
		return;
	if (file != NULL && d->unplaced != NULL &&
	    strcmp(file, d->unplaced) == 0) {
		file = NULL;
		line = 0;
	}
	m = &d->msg[d->n];
	m->sev = sev;
	m->file = file ? strdup(file) : NULL;
	m->line = line;
	m->seq = d->n;
	m->text = text;
	d->n++;
}

static int
msg_cmp(const void *pa, const void *pb)
{
	const struct vpn_diag_msg *a = pa, *b = pb;
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");

	if (c != 0)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void
vpn_diag_print(struct vpn_diag *d, FILE *out)
{
	if (d->n == 0)
		return;
	qsort(d->msg, d->n, sizeof(d->msg[0]), msg_cmp);
	for (unsigned int i = 0; i < d->n; i++) {
		const struct vpn_diag_msg *m = &d->msg[i];
		const char *sev =
		        m->sev == VPN_DIAG_ERROR ? "error" : "warning";

		if (m->file && m->line)
			fprintf(out, "%s:%u: %s: %s\n", m->file, m->line, sev,
			        m->text);
		else if (m->file)
			fprintf(out, "%s: %s: %s\n", m->file, sev, m->text);
		else if (m->sev == VPN_DIAG_ERROR)
			fprintf(out, "%% %s\n", m->text);
		else
			fprintf(out, "%% warning: %s\n", m->text);
	}
}
