/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libconfig file -> model. The walker knows the shape (which groups hold
 * which objects); every scalar or list goes through vpn_opt_set() as text.
 * Every problem is reported with its line; loading goes on after an error so
 * that one run shows all of them.
 */
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_priv.h"

#define MAX_VALS 128 /* entries read from one list; more is an error */
#define VAL_LEN  VPN_DEVICE_MAX

struct loader {
	struct vpn_cfg *cfg;
	struct vpn_diag *d;
	const char *file;
	char (*texts)[VAL_LEN]; /* MAX_VALS values of one option as text */
};

static const char *const kind_names[VPN_OBJ_COUNT] = {
        [VPN_OBJ_APPLIANCE] = "appliance",  [VPN_OBJ_PORT] = "port",
        [VPN_OBJ_CONSOLE] = "console",      [VPN_OBJ_PKI] = "pki",
        [VPN_OBJ_CGW] = "customer gateway", [VPN_OBJ_CONN] = "connection",
        [VPN_OBJ_TUNNEL] = "tunnel",        [VPN_OBJ_MANUAL] = "manual_keys",
        [VPN_OBJ_PROFILE] = "profile",
};

__attribute__((format(printf, 3, 4))) static void
err_at(struct loader *l, unsigned int line, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	vpn_diag_add(l->d, VPN_DIAG_ERROR, l->file, line, "%s", buf);
}

static unsigned int
line_of(const config_setting_t *s)
{
	return (unsigned int)config_setting_source_line(s);
}

/* Edit distance, to suggest the option a typo meant. */
static unsigned int
distance(const char *a, const char *b)
{
	unsigned int row[64], la = (unsigned int)strlen(a),
	                      lb = (unsigned int)strlen(b);

	if (la >= 64 || lb >= 64)
		return 99;
	for (unsigned int j = 0; j <= lb; j++)
		row[j] = j;
	for (unsigned int i = 1; i <= la; i++) {
		unsigned int prev = row[0]++;

		for (unsigned int j = 1; j <= lb; j++) {
			unsigned int cur = row[j];
			unsigned int best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

static void
unknown_option(struct loader *l, enum vpn_obj kind, const char *name,
               unsigned int line, const char *const *extra)
{
	const char *best = NULL;
	unsigned int bd = 3;

	for (unsigned int i = 0; i < vpn_opt_count(kind); i++) {
		unsigned int dd = distance(name, vpn_opt_name(kind, (int)i));

		if (dd < bd) {
			bd = dd;
			best = vpn_opt_name(kind, (int)i);
		}
	}
	for (; extra && *extra; extra++)
		if (distance(name, *extra) < bd) {
			bd = distance(name, *extra);
			best = *extra;
		}
	if (best)
		err_at(l, line, "unknown %s option '%s' (did you mean '%s'?)",
		       kind_names[kind], name, best);
	else
		err_at(l, line, "unknown %s option '%s'", kind_names[kind],
		       name);
}

static const char *
shape_text(enum vpn_opt_shape shape)
{
	switch (shape) {
	case VPN_SHAPE_INT:
		return "a number";
	case VPN_SHAPE_BOOL:
		return "true or false";
	case VPN_SHAPE_STRING:
		return "a string in double quotes";
	case VPN_SHAPE_LIST_STRING:
		return "a list of strings, like [\"a\", \"b\"]";
	case VPN_SHAPE_LIST_INT:
		return "a list of numbers, like [1, 2]";
	}
	return "?";
}

/* One scalar setting as text, if its type fits the shape wanted and it is
 * not longer than VAL_LEN. */
static bool
scalar_text(const config_setting_t *s, enum vpn_opt_shape want, char *buf)
{
	int type = config_setting_type(s);

	switch (want) {
	case VPN_SHAPE_INT:
	case VPN_SHAPE_LIST_INT:
		if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
			return false;
		snprintf(buf, VAL_LEN, "%lld", config_setting_get_int64(s));
		return true;
	case VPN_SHAPE_BOOL:
		if (type != CONFIG_TYPE_BOOL)
			return false;
		snprintf(buf, VAL_LEN, "%s",
		         config_setting_get_bool(s) ? "true" : "false");
		return true;
	case VPN_SHAPE_STRING:
	case VPN_SHAPE_LIST_STRING:
		if (type != CONFIG_TYPE_STRING)
			return false;
		return snprintf(buf, VAL_LEN, "%s",
		                config_setting_get_string(s)) < VAL_LEN;
	}
	return false;
}

static void
load_option(struct loader *l, enum vpn_obj kind, void *obj, int idx,
            const config_setting_t *s)
{
	char(*texts)[VAL_LEN] = l->texts;
	const char *vals[MAX_VALS];
	enum vpn_opt_shape shape = vpn_opt_shape(kind, idx);
	const char *name = vpn_opt_name(kind, idx);
	unsigned int line = line_of(s), n = 0;
	char err[512];
	int type = config_setting_type(s);

	if (shape == VPN_SHAPE_LIST_STRING || shape == VPN_SHAPE_LIST_INT) {
		if (type == CONFIG_TYPE_ARRAY || type == CONFIG_TYPE_LIST) {
			int len = config_setting_length(s);

			if (len > MAX_VALS) {
				err_at(l, line, "%s has %d entries; at most %d",
				       name, len, MAX_VALS);
				return;
			}
			for (int i = 0; i < len; i++) {
				const config_setting_t *e =
				        config_setting_get_elem(s, (unsigned)i);

				if (!scalar_text(e, shape, texts[n]))
					goto bad_shape;
				vals[n] = texts[n];
				n++;
			}
		} else if (scalar_text(s, shape, texts[0])) {
			vals[n] = texts[0]; /* one value for a list of one */
			n++;
		} else {
			goto bad_shape;
		}
	} else {
		if (!scalar_text(s, shape, texts[0]))
			goto bad_shape;
		vals[n] = texts[0];
		n++;
	}
	/* Its line is kept even when the value is bad: the option was
	 * there, so "has no ..." is not said of it too. */
	obj_src(kind, obj)->opt_line[idx] = line;
	if (vpn_opt_set(kind, obj, idx, vals, n, err, sizeof(err)) != 0)
		err_at(l, line, "%s", err);
	return;
bad_shape:
	obj_src(kind, obj)->opt_line[idx] = line;
	err_at(l, line, "%s must be %s%s", name, shape_text(shape),
	       shape == VPN_SHAPE_STRING || shape == VPN_SHAPE_LIST_STRING
	               ? " (at most 255 characters)"
	               : "");
}

/*
 * A child that is not an option: one of the object's groups or lists.
 * Returns true when handled.
 */
typedef bool (*child_fn)(struct loader *l, void *obj, config_setting_t *s);

static void
load_object(struct loader *l, enum vpn_obj kind, void *obj,
            config_setting_t *group, child_fn child,
            const char *const *child_names)
{
	struct vpn_src *src = obj_src(kind, obj);

	src->line = line_of(group);
	if (config_setting_type(group) != CONFIG_TYPE_GROUP) {
		err_at(l, src->line, "a %s must be a group { ... }",
		       kind_names[kind]);
		return;
	}
	for (int i = 0; i < config_setting_length(group); i++) {
		config_setting_t *s =
		        config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(s);
		int idx = vpn_opt_find(kind, name);

		if (idx >= 0)
			load_option(l, kind, obj, idx, s);
		else if (child == NULL || !child(l, obj, s))
			unknown_option(l, kind, name, line_of(s), child_names);
	}
	for (unsigned int i = 0; i < vpn_opt_count(kind); i++) {
		const struct opt *o = &vpn_opt_tables[kind].opts[i];

		if (o->required && !opt_given(src, (int)i) &&
		    src->opt_line[i] == 0)
			err_at(l, src->line, "%s has no %s", kind_names[kind],
			       o->name);
	}
}

/* A list ( {...}, {...} ) of objects; returns its length or -1. */
static int
list_length(struct loader *l, config_setting_t *s, const char *what, int max)
{
	int n;

	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		err_at(l, line_of(s), "%s must be a list ( { ... }, ... )",
		       what);
		return -1;
	}
	n = config_setting_length(s);
	if (n > max) {
		err_at(l, line_of(s), "%s has %d entries; at most %d", what, n,
		       max);
		return -1;
	}
	return n;
}

/* ---- appliance ----------------------------------------------------------- */

static const char *const appliance_children[] = {"ports", "console", "pki",
                                                 NULL};

static bool
appliance_child(struct loader *l, void *obj, config_setting_t *s)
{
	struct vpn_cfg_appliance *a = obj;
	const char *name = config_setting_name(s);
	int n;

	if (strcmp(name, "ports") == 0) {
		n = list_length(l, s, "ports", VPN_MAX_PORTS);
		for (int i = 0; i < n; i++) {
			struct vpn_cfg_port *p = &a->ports[a->n_ports++];

			memset(p, 0, sizeof(*p));
			vpn_obj_defaults(VPN_OBJ_PORT, p);
			load_object(l, VPN_OBJ_PORT, p,
			            config_setting_get_elem(s, (unsigned)i),
			            NULL, NULL);
		}
		return true;
	}
	if (strcmp(name, "console") == 0) {
		load_object(l, VPN_OBJ_CONSOLE, &a->console, s, NULL, NULL);
		return true;
	}
	if (strcmp(name, "pki") == 0) {
		load_object(l, VPN_OBJ_PKI, &a->pki, s, NULL, NULL);
		return true;
	}
	return false;
}

/* ---- tunnels --------------------------------------------------------------
 */

static const char *const tunnel_children[] = {"manual_keys", NULL};

static bool
tunnel_child(struct loader *l, void *obj, config_setting_t *s)
{
	struct vpn_cfg_tunnel *t = obj;

	if (strcmp(config_setting_name(s), "manual_keys") != 0)
		return false;
	vpn_obj_defaults(VPN_OBJ_MANUAL, &t->manual);
	t->manual.present = true;
	load_object(l, VPN_OBJ_MANUAL, &t->manual, s, NULL, NULL);
	return true;
}

/* ---- connections --------------------------------------------------------- */

static const char *const conn_children[] = {"tunnels", NULL};

static bool
conn_child(struct loader *l, void *obj, config_setting_t *s)
{
	struct vpn_cfg_conn *c = obj;
	int n;

	if (strcmp(config_setting_name(s), "tunnels") != 0)
		return false;
	n = list_length(l, s, "tunnels", 64);
	if (n < 0)
		return true;
	if (n != VPN_TUNNELS) {
		err_at(l, line_of(s),
		       "a VPN connection has exactly %d tunnels, not %d",
		       VPN_TUNNELS, n);
		if (n > VPN_TUNNELS)
			n = VPN_TUNNELS;
	}
	for (int i = 0; i < n; i++)
		load_object(l, VPN_OBJ_TUNNEL, &c->tunnels[i],
		            config_setting_get_elem(s, (unsigned)i),
		            tunnel_child, tunnel_children);
	/* An absent "tunnels" leaves both tunnels at their defaults. */
	return true;
}

static void
load_cgws(struct loader *l, config_setting_t *s)
{
	int n = list_length(l, s, "customer_gateways", VPN_MAX_CGWS);

	if (n <= 0)
		return;
	l->cfg->cgws = calloc((size_t)n, sizeof(*l->cfg->cgws));
	if (l->cfg->cgws == NULL) {
		err_at(l, line_of(s), "out of memory");
		return;
	}
	for (int i = 0; i < n; i++) {
		struct vpn_cfg_cgw *g = &l->cfg->cgws[l->cfg->n_cgws++];

		vpn_obj_defaults(VPN_OBJ_CGW, g);
		load_object(l, VPN_OBJ_CGW, g,
		            config_setting_get_elem(s, (unsigned)i), NULL,
		            NULL);
	}
}

static void
load_conns(struct loader *l, config_setting_t *s)
{
	int n = list_length(l, s, "vpn_connections", VPN_MAX_CONNS);

	if (n <= 0)
		return;
	l->cfg->conns = calloc((size_t)n, sizeof(*l->cfg->conns));
	if (l->cfg->conns == NULL) {
		err_at(l, line_of(s), "out of memory");
		return;
	}
	for (int i = 0; i < n; i++) {
		struct vpn_cfg_conn *c = &l->cfg->conns[l->cfg->n_conns++];
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		vpn_obj_defaults(VPN_OBJ_CONN, c);
		c->cgw = -1;
		c->slot = (unsigned int)i;
		for (int t = 0; t < VPN_TUNNELS; t++) {
			vpn_obj_defaults(VPN_OBJ_TUNNEL, &c->tunnels[t]);
			c->tunnels[t].src.line = line_of(e);
		}
		load_object(l, VPN_OBJ_CONN, c, e, conn_child, conn_children);
	}
}

/* ---- the file ----------------------------------------------------------- */

static struct vpn_cfg *
load(config_t *lc, const char *name, struct vpn_diag *d)
{
	struct loader l = {.d = d, .file = name};
	config_setting_t *root, *s;
	l.cfg = vpn_cfg_new();
	l.texts = malloc(MAX_VALS * sizeof(*l.texts));
	if (l.cfg == NULL || l.texts == NULL) {
		vpn_diag_add(d, VPN_DIAG_ERROR, name, 0, "out of memory");
		vpn_cfg_free(l.cfg);
		free(l.texts);
		return NULL;
	}
	l.cfg->file = strdup(name);
	root = config_root_setting(lc);
	for (int i = 0; i < config_setting_length(root); i++) {
		const char *n;

		s = config_setting_get_elem(root, (unsigned)i);
		n = config_setting_name(s);
		if (strcmp(n, "appliance") == 0)
			load_object(&l, VPN_OBJ_APPLIANCE, &l.cfg->appliance, s,
			            appliance_child, appliance_children);
		else if (strcmp(n, "customer_gateways") == 0)
			load_cgws(&l, s);
		else if (strcmp(n, "vpn_connections") == 0)
			load_conns(&l, s);
		else
			err_at(&l, line_of(s),
			       "unknown top-level setting '%s' (expected "
			       "appliance, customer_gateways, vpn_connections)",
			       n);
	}
	if (config_lookup(lc, "appliance") == NULL)
		vpn_diag_add(d, VPN_DIAG_ERROR, name, 0,
		             "no appliance { ... } group");
	free(l.texts);
	vpn_cfg_check(l.cfg, d);
	return l.cfg;
}

/* Refuse what libconfig would mishandle: @include (it reads any file,
 * and libconfig 1.5 exits the process on some of them) and NUL bytes
 * (they end the text early). Returns the number of problems. */
static unsigned int
screen(const char *text, size_t len, const char *name, struct vpn_diag *d)
{
	unsigned int line = 1, bad = 0;
	const char *p = text, *end = text + len;

	if (memchr(text, '\0', len) != NULL) {
		vpn_diag_add(d, VPN_DIAG_ERROR, name, 0,
		             "the file has a NUL byte: not a text file");
		return 1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *q = p;

		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(end - q) >= 8 && strncmp(q, "@include", 8) == 0) {
			vpn_diag_add(d, VPN_DIAG_ERROR, name, line,
			             "@include is not supported: keep the "
			             "configuration in one file");
			bad++;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
		line++;
	}
	return bad;
}

/* Screen and parse text (text[len] is a NUL; text may hold others,
 * which screen() refuses) into lc, a config_init()ed one; false with the
 * reason in d. lc is for config_destroy() either way. */
static bool
parse_text(config_t *lc, const char *text, size_t len, const char *name,
           struct vpn_diag *d)
{
	const char *f;

	if (screen(text, len, name, d) != 0)
		return false;
	if (config_read_string(lc, text))
		return true;
	f = config_error_file(lc);
	vpn_diag_add(d, VPN_DIAG_ERROR, f ? f : name,
	             (unsigned int)config_error_line(lc), "syntax: %s",
	             config_error_text(lc));
	return false;
}

static struct vpn_cfg *
load_text(const char *text, size_t len, const char *name, struct vpn_diag *d)
{
	struct vpn_cfg *cfg = NULL;
	config_t lc;

	config_init(&lc);
	if (parse_text(&lc, text, len, name, d))
		cfg = load(&lc, name, d);
	config_destroy(&lc);
	return cfg;
}

/* The file's text (NUL-terminated, at most VPN_CFG_MAX_SIZE bytes), or
 * NULL with the reason in d. *len is its length. */
static char *
read_text(const char *path, size_t *len, struct vpn_diag *d)
{
	FILE *f = fopen(path, "rb");
	char *text;

	if (f == NULL) {
		vpn_diag_add(d, VPN_DIAG_ERROR, path, 0, "cannot read: %s",
		             strerror(errno));
		return NULL;
	}
	text = malloc(VPN_CFG_MAX_SIZE + 1);
	*len = text ? fread(text, 1, VPN_CFG_MAX_SIZE + 1, f) : 0;
	if (text == NULL || ferror(f)) {
		vpn_diag_add(d, VPN_DIAG_ERROR, path, 0, "cannot read: %s",
		             strerror(errno));
		free(text);
		text = NULL;
	} else if (*len > VPN_CFG_MAX_SIZE) {
		vpn_diag_add(d, VPN_DIAG_ERROR, path, 0, "larger than %d bytes",
		             VPN_CFG_MAX_SIZE);
		free(text);
		text = NULL;
	} else {
		text[*len] = '\0';
	}
	fclose(f);
	return text;
}

struct vpn_cfg *
vpn_cfg_load(const char *path, struct vpn_diag *d)
{
	struct vpn_cfg *cfg = NULL;
	size_t len;
	char *text = read_text(path, &len, d);

	if (text != NULL)
		cfg = load_text(text, len, path, d);
	free(text);
	return cfg;
}

struct vpn_cfg *
vpn_cfg_load_string(const char *text, const char *name, struct vpn_diag *d)
{
	return load_text(text, strlen(text), name, d);
}

/* ---- benchmark profiles ------------------------------------------------ */

/* Rules between a profile's options: what each topology can run. */
static void
profile_check(struct loader *l, const struct vpn_bench_profile *p)
{
	const enum vpn_obj k = VPN_OBJ_PROFILE;

	if (p->tunnels > 1 && p->topology != VPN_BENCH_PCAP)
		err_at(l, opt_line(k, p, "tunnels"),
		       "tunnels: more than one tunnel needs topology \"pcap\"");
	if (p->scaling && p->topology != VPN_BENCH_PCAP)
		err_at(l, opt_line(k, p, "scaling"),
		       "scaling: needs topology \"pcap\" (each worker replays "
		       "its own queue; nothing else needs a core)");
	if (p->scaling && p->workers < 2)
		err_at(l, opt_line(k, p, "scaling"),
		       "scaling: needs workers of 2 or more (it runs 1 to "
		       "workers)");
	if ((p->peers & VPN_BENCH_STRONGSWAN) && p->topology != VPN_BENCH_NETNS)
		err_at(l, opt_line(k, p, "peers"),
		       "peers: strongswan runs only in topology \"netns\" "
		       "(its data path is the kernel's network stack)");
	if ((p->peers & VPN_BENCH_SECGW) && p->topology == VPN_BENCH_NETNS)
		err_at(l, opt_line(k, p, "peers"),
		       "peers: ipsec-secgw runs in topology \"memif\" or "
		       "\"pcap\"");
	if (p->n_sizes == 0)
		err_at(l, opt_line(k, p, "sizes"), "sizes: none given");
	if (p->n_algorithms == 0)
		err_at(l, opt_line(k, p, "algorithms"),
		       "algorithms: none given");
	if (p->directions == 0)
		err_at(l, opt_line(k, p, "directions"),
		       "directions: none given");
}

int
vpn_bench_profile_load(const char *path, struct vpn_bench_profile *p,
                       struct vpn_diag *d)
{
	unsigned int errors = d->errors;
	struct loader l = {.d = d, .file = path};
	config_setting_t *root;
	size_t len;
	char *text = read_text(path, &len, d);
	config_t lc;

	memset(p, 0, sizeof(*p));
	vpn_obj_defaults(VPN_OBJ_PROFILE, p);
	config_init(&lc);
	if (text == NULL || !parse_text(&lc, text, len, path, d))
		goto out;
	l.texts = malloc(MAX_VALS * sizeof(*l.texts));
	if (l.texts == NULL) {
		vpn_diag_add(d, VPN_DIAG_ERROR, path, 0, "out of memory");
		goto out;
	}
	root = config_root_setting(&lc);
	for (int i = 0; i < config_setting_length(root); i++) {
		config_setting_t *s =
		        config_setting_get_elem(root, (unsigned)i);

		if (strcmp(config_setting_name(s), "profile") == 0)
			load_object(&l, VPN_OBJ_PROFILE, p, s, NULL, NULL);
		else
			err_at(&l, line_of(s),
			       "unknown top-level setting '%s' (expected "
			       "profile)",
			       config_setting_name(s));
	}
	if (config_lookup(&lc, "profile") == NULL)
		vpn_diag_add(d, VPN_DIAG_ERROR, path, 0,
		             "no profile { ... } group");
	else
		profile_check(&l, p);
	free(l.texts);
out:
	config_destroy(&lc);
	free(text);
	return d->errors == errors ? 0 : -1;
}
