/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Options by name: parse a value given as text into the model, format it
 * back, fill defaults. The file loader and the console both come through
 * vpn_opt_set(), so a value means the same whichever way it arrives.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_priv.h"

#define FIELD(obj, o, type)  ((type *)((char *)(obj) + (o)->off))
#define CFIELD(obj, o, type) ((const type *)((const char *)(obj) + (o)->off))
#define COUNT(obj, o)        ((unsigned int *)((char *)(obj) + (o)->count_off))
#define CCOUNT(obj, o) \
	((const unsigned int *)((const char *)(obj) + (o)->count_off))

__attribute__((format(printf, 3, 4))) static int
fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int
vpn_opt_find(enum vpn_obj kind, const char *name)
{
	const struct opt_table *t = &vpn_opt_tables[kind];

	for (unsigned int i = 0; i < t->n; i++)
		if (strcmp(t->opts[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *
vpn_opt_name(enum vpn_obj kind, int idx)
{
	return vpn_opt_tables[kind].opts[idx].name;
}

unsigned int
vpn_opt_count(enum vpn_obj kind)
{
	return vpn_opt_tables[kind].n;
}

enum vpn_opt_shape
vpn_opt_shape(enum vpn_obj kind, int idx)
{
	switch (vpn_opt_tables[kind].opts[idx].kind) {
	case K_INT:
		return VPN_SHAPE_INT;
	case K_BOOL:
		return VPN_SHAPE_BOOL;
	case K_INT_LIST:
	case K_DH_SET:
		return VPN_SHAPE_LIST_INT;
	case K_PREFIX_LIST:
	case K_IPV4_LIST:
	case K_STR_LIST:
	case K_SET:
		return VPN_SHAPE_LIST_STRING;
	default:
		return VPN_SHAPE_STRING;
	}
}

void
vpn_opt_info(enum vpn_obj kind, int idx, struct vpn_opt_info *in)
{
	static const char *const bools[] = {"true", "false", NULL};
	static const char *const words[] = {
	        [K_IPV4] = "A.B.C.D",      [K_PREFIX] = "A.B.C.D/N",
	        [K_IFADDR] = "A.B.C.D/N",  [K_PREFIX_LIST] = "A.B.C.D/N",
	        [K_IPV4_LIST] = "A.B.C.D", [K_INT_LIST] = "N",
	        [K_STR_LIST] = "TEXT",     [K_HOSTPORT] = "A.B.C.D:PORT",
	        [K_STR] = "TEXT"};
	const struct opt *o = &vpn_opt_tables[kind].opts[idx];
	char *s = in->syntax;
	size_t len = sizeof(in->syntax), n = 0;

	*in = (struct vpn_opt_info){.help = o->help, .deflt = o->deflt};
	switch (o->kind) {
	case K_INT:
		snprintf(s, len, "%" PRId64 "-%" PRId64, o->min, o->max);
		break;
	case K_BOOL:
		in->names = bools;
		snprintf(s, len, "true or false");
		break;
	case K_ENUM:
	case K_SET:
		in->names = o->names;
		in->list = o->kind == K_SET;
		snprintf(s, len, "%s",
		         in->list ? "one or more of these" : "one of these");
		break;
	case K_DH_SET:
		/* The groups as runs: "2 5 14-24". */
		in->list = true;
		n = (size_t)snprintf(s, len, "DH groups");
		for (int g = 0; g < 32 && n < len; g++) {
			int e = g;

			if (!(o->mask & (1u << g)))
				continue;
			while (e + 1 < 32 && (o->mask & (1u << (e + 1))))
				e++;
			n += (size_t)snprintf(s + n, len - n,
			                      e > g ? " %d-%d" : " %d", g, e);
			g = e;
		}
		break;
	default: /* addresses, strings and lists of them */
		in->list = o->kind == K_PREFIX_LIST || o->kind == K_IPV4_LIST ||
		           o->kind == K_INT_LIST || o->kind == K_STR_LIST;
		if (in->list)
			snprintf(s, len, "%s ... (up to %" PRId64 ")",
			         words[o->kind], o->max);
		else
			snprintf(s, len, "%s", words[o->kind]);
		break;
	}
}

unsigned int
opt_line(enum vpn_obj kind, const void *obj, const char *name)
{
	const struct vpn_src *s = obj_src(kind, (void *)(uintptr_t)obj);
	int i = vpn_opt_find(kind, name);

	if (i >= 0 && s->opt_line[i] != 0)
		return s->opt_line[i];
	return s->line;
}

/* ---- value checks, shared with the console ---------------------------- */

int
vpn_check_name(const char *s, char *err, size_t len)
{
	size_t n = strlen(s);

	if (n == 0 || n > VPN_NAME_MAX)
		return fail(err, len, "name must be 1 to %d characters",
		            VPN_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY"
		           "Z"
		           "0123456789_.-",
		           s[i]) == NULL)
			return fail(err, len,
			            "name '%s' may only use letters, digits, "
			            "'_', '.' and '-'",
			            s);
	return 0;
}

static bool
psk_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_';
}

int
vpn_check_psk(const char *s, char *err, size_t len)
{
	size_t n = strlen(s);

	/* AWS's rules for a tunnel pre-shared key. */
	if (n < VPN_PSK_MIN || n > VPN_PSK_MAX)
		return fail(err, len,
		            "psk must be %d to %d characters long, not %zu",
		            VPN_PSK_MIN, VPN_PSK_MAX, n);
	for (size_t i = 0; i < n; i++)
		if (!psk_char(s[i]))
			return fail(err, len,
			            "psk may only use letters, digits, '.' and "
			            "'_' (character %zu is not one)",
			            i + 1);
	if (s[0] == '0')
		return fail(err, len, "psk must not start with '0'");
	return 0;
}

int
vpn_check_inside_cidr(const struct vpn_prefix *p, char *err, size_t len)
{
	/* AWS reserves these /30s for its own use. */
	static const char *const reserved[] = {
	        "169.254.0.0/30",     "169.254.1.0/30", "169.254.2.0/30",
	        "169.254.3.0/30",     "169.254.4.0/30", "169.254.5.0/30",
	        "169.254.169.252/30",
	};
	struct vpn_prefix ll, r;

	vpn_prefix_parse("169.254.0.0/16", VPN_PREFIX_NET, &ll);
	if (p->family != AF_INET || p->len != 30 ||
	    !vpn_prefix_contains(&ll, p))
		return fail(err, len,
		            "inside_cidr must be a /30 in 169.254.0.0/16");
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		vpn_prefix_parse(reserved[i], VPN_PREFIX_NET, &r);
		if (vpn_prefix_equal(p, &r))
			return fail(
			        err, len,
			        "inside_cidr %s is reserved (169.254.0.0/30 "
			        "to 169.254.5.0/30 and 169.254.169.252/30 "
			        "are)",
			        reserved[i]);
	}
	return 0;
}

bool
vpn_asn_reserved(int64_t asn)
{
	/* AWS reserves 7224, 9059, 10124 and 17943 for itself; 0, 23456
	 * (AS_TRANS, RFC 6793), 65535 and 4294967295 (RFC 7300) are never a
	 * peer's ASN. */
	static const int64_t reserved[] = {0,     7224,  9059,  10124,
	                                   17943, 23456, 65535, 4294967295LL};

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (asn == reserved[i])
			return true;
	return false;
}

/* A crypt(3) hash ("$id$...") as mkpasswd writes it, never a password. */
int
cfg_check_password_hash(const char *s, char *err, size_t len)
{
	static const char *const ids[] = {"$y$",  "$gy$", "$7$",
	                                  "$2b$", "$6$",  "$5$"};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (strncmp(s, ids[i], strlen(ids[i])) == 0 &&
		    strlen(s) > strlen(ids[i]) + 8 &&
		    strchr(s + strlen(ids[i]), ' ') == NULL)
			return 0;
	return fail(err, len,
	            "password_hash must be a crypt(3) hash such as "
	            "mkpasswd -m sha-512 or yescrypt writes ($6$..., $y$...), "
	            "not a password");
}

int
cfg_check_device(const char *s, char *err, size_t len)
{
	if (s[0] == '\0')
		return fail(err, len, "must not be empty");
	for (const char *c = s; *c; c++)
		if (*c <= ' ' || *c > '~')
			return fail(err, len,
			            "'%s' must be one word without spaces", s);
	return 0;
}

int
vpn_neighbor_parse(const char *s, uint32_t *ip, uint8_t mac[6])
{
	char addr[16];
	struct in_addr a;
	int n = -1;

	if (sscanf(s, "%15[0-9.] %2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx%n", addr,
	           &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5],
	           &n) != 7 ||
	    n < 0 || s[n] != '\0' || inet_pton(AF_INET, addr, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	return 0;
}

int
cfg_check_neighbor(const char *s, char *err, size_t len)
{
	uint8_t mac[6];
	uint32_t ip;

	if (vpn_neighbor_parse(s, &ip, mac) != 0)
		return fail(err, len,
		            "static_arp: '%s' must be \"A.B.C.D "
		            "xx:xx:xx:xx:xx:xx\"",
		            s);
	if (mac[0] & 1)
		return fail(err, len,
		            "static_arp: '%s': the MAC address is multicast",
		            s);
	return 0;
}

int
cfg_check_ifname(const char *s, char *err, size_t len)
{
	if (s[0] == '\0')
		return 0; /* none */
	if (strlen(s) > 15 || vpn_check_name(s, err, len) != 0 ||
	    strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return fail(err, len,
		            "exception_iface: '%s' is not an interface name "
		            "(1-15 of letters, digits, '_', '.', '-')",
		            s);
	return 0;
}

int
cfg_check_path(const char *s, char *err, size_t len)
{
	if (s[0] != '/')
		return fail(err, len, "'%s' must be an absolute path", s);
	return 0;
}

int
cfg_check_nonempty(const char *s, char *err, size_t len)
{
	if (s[0] == '\0')
		return fail(err, len, "must not be empty");
	return 0;
}

/* ---- parsing one value ------------------------------------------------- */

static int
parse_int(const struct opt *o, const char *s, int64_t *v, char *err, size_t len)
{
	char *end;
	long long x;

	if (s[0] == '\0' || !((s[0] >= '0' && s[0] <= '9') || s[0] == '-'))
		return fail(err, len, "%s must be a number, not '%s'", o->name,
		            s);
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return fail(err, len, "%s must be a number, not '%s'", o->name,
		            s);
	if (x < o->min || x > o->max)
		return fail(err, len,
		            "%s must be %" PRId64 " to %" PRId64 ", not %lld%s",
		            o->name, o->min, o->max, x,
		            x < 0 && o->min >= 0 && o->max > INT32_MAX
		                    ? " (libconfig reads numbers past "
		                      "2147483647 only with an L suffix, as in "
		                      "4200000000L)"
		                    : "");
	*v = x;
	return 0;
}

static int
parse_bool(const struct opt *o, const char *s, bool *v, char *err, size_t len)
{
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") ||
	    !strcasecmp(s, "on"))
		*v = true;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") ||
	         !strcasecmp(s, "off"))
		*v = false;
	else
		return fail(err, len, "%s must be true or false, not '%s'",
		            o->name, s);
	return 0;
}

/* Names are matched without regard to case: "aes128-gcm-16" is fine. */
static int
name_index(const struct opt *o, const char *s)
{
	for (int i = 0; o->names[i] != NULL; i++)
		if (strcasecmp(o->names[i], s) == 0)
			return i;
	return -1;
}

static void
names_list(const struct opt *o, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; o->names[i] != NULL && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		                         i ? ", " : "", o->names[i]);
}

static int
bad_name(const struct opt *o, const char *s, char *err, size_t len)
{
	char list[256];

	names_list(o, list, sizeof(list));
	return fail(err, len, "%s: unknown value '%s' (one of: %s)", o->name, s,
	            list);
}

static int
parse_ipv4(const struct opt *o, const char *s, uint32_t *v, char *err,
           size_t len)
{
	if (vpn_ipv4_parse(s, v) != 0)
		return fail(err, len, "%s: '%s' is not an IPv4 address",
		            o->name, s);
	return 0;
}

static int
parse_prefix(const struct opt *o, const char *s, enum vpn_prefix_mode mode,
             struct vpn_prefix *p, char *err, size_t len)
{
	int rc = vpn_prefix_parse(s, mode, p);

	if (rc == -EDOM)
		return fail(err, len,
		            "%s: '%s' has host bits set (did you mean the "
		            "network address?)",
		            o->name, s);
	if (rc != 0)
		return fail(err, len,
		            "%s: '%s' is not an address/length prefix", o->name,
		            s);
	return 0;
}

static int
parse_hostport(const struct opt *o, const char *s, uint32_t *addr,
               uint16_t *port, char *err, size_t len)
{
	char host[16];
	const char *colon = strrchr(s, ':');
	char *end;
	long p;

	if (colon == NULL || colon == s || (size_t)(colon - s) >= sizeof(host))
		return fail(err, len, "%s must be ADDRESS:PORT, not '%s'",
		            o->name, s);
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (vpn_ipv4_parse(host, addr) != 0 || colon[1] == '\0' ||
	    *end != '\0' || errno != 0 || p < 1 || p > 65535)
		return fail(err, len,
		            "%s must be IPV4ADDRESS:PORT (port 1-65535), not "
		            "'%s'",
		            o->name, s);
	*port = (uint16_t)p;
	return 0;
}

static int
set_scalar(const struct opt *o, void *obj, const char *s, char *err, size_t len)
{
	int64_t iv;
	int rc, i;

	switch (o->kind) {
	case K_INT:
		rc = parse_int(o, s, &iv, err, len);
		if (rc == 0)
			*FIELD(obj, o, int64_t) = iv;
		return rc;
	case K_BOOL:
		return parse_bool(o, s, FIELD(obj, o, bool), err, len);
	case K_ENUM:
		i = name_index(o, s);
		if (i < 0)
			return bad_name(o, s, err, len);
		*FIELD(obj, o, int) = i;
		return 0;
	case K_STR:
		/* The value's own check first: its message says more. */
		if (o->check != NULL) {
			char why[200];

			if (o->check(s, why, sizeof(why)) != 0)
				return fail(err, len, "%s", why);
		}
		if (strlen(s) >= o->size)
			return fail(err, len,
			            "%s is longer than %zu characters", o->name,
			            o->size - 1);
		strcpy(FIELD(obj, o, char), s);
		return 0;
	case K_IPV4:
		return parse_ipv4(o, s, FIELD(obj, o, uint32_t), err, len);
	case K_PREFIX:
		rc = parse_prefix(o, s, VPN_PREFIX_NET,
		                  FIELD(obj, o, struct vpn_prefix), err, len);
		if (rc == 0 && o->check != NULL)
			rc = o->check(s, err, len);
		return rc;
	case K_IFADDR:
		rc = parse_prefix(o, s, VPN_PREFIX_IFADDR,
		                  FIELD(obj, o, struct vpn_prefix), err, len);
		if (rc == 0 &&
		    FIELD(obj, o, struct vpn_prefix)->family != AF_INET)
			rc = fail(err, len, "%s must be an IPv4 address/length",
			          o->name);
		return rc;
	case K_HOSTPORT:
		return parse_hostport(o, s, FIELD(obj, o, uint32_t),
		                      (uint16_t *)((char *)obj + o->count_off),
		                      err, len);
	default:
		return fail(err, len, "%s: internal: not a scalar", o->name);
	}
}

static int
set_list(const struct opt *o, void *obj, const char *const *vals,
         unsigned int n, char *err, size_t len)
{
	uint32_t bits = 0;
	int64_t iv;
	int i;

	if (n > o->max && o->kind != K_SET && o->kind != K_DH_SET)
		return fail(err, len, "%s takes at most %" PRId64 " entries",
		            o->name, o->max);
	switch (o->kind) {
	case K_PREFIX_LIST: {
		struct vpn_prefix_list l = {.n = 0};

		for (unsigned int k = 0; k < n; k++) {
			if (parse_prefix(o, vals[k], VPN_PREFIX_NET, &l.v[k],
			                 err, len) != 0)
				return -EINVAL;
			for (unsigned int j = 0; j < k; j++)
				if (vpn_prefix_equal(&l.v[j], &l.v[k]))
					return fail(err, len,
					            "%s lists %s twice",
					            o->name, vals[k]);
		}
		l.n = n;
		*FIELD(obj, o, struct vpn_prefix_list) = l;
		return 0;
	}
	case K_IPV4_LIST: {
		uint32_t *a = FIELD(obj, o, uint32_t), tmp[VPN_MAX_OUTSIDE];

		for (unsigned int k = 0; k < n; k++) {
			if (parse_ipv4(o, vals[k], &tmp[k], err, len) != 0)
				return -EINVAL;
			for (unsigned int j = 0; j < k; j++)
				if (tmp[j] == tmp[k])
					return fail(err, len,
					            "%s lists %s twice",
					            o->name, vals[k]);
		}
		memcpy(a, tmp, n * sizeof(*a));
		*COUNT(obj, o) = n;
		return 0;
	}
	case K_INT_LIST: {
		int64_t *a = FIELD(obj, o, int64_t), tmp[VPN_MAX_WORKERS];
		struct opt item = *o;

		item.min = 0;
		item.max = VPN_MAX_LCORE;
		for (unsigned int k = 0; k < n; k++) {
			if (parse_int(&item, vals[k], &tmp[k], err, len) != 0)
				return -EINVAL;
			for (unsigned int j = 0; j < k; j++)
				if (tmp[j] == tmp[k])
					return fail(err, len,
					            "%s lists %s twice",
					            o->name, vals[k]);
		}
		memcpy(a, tmp, n * sizeof(*a));
		*COUNT(obj, o) = n;
		return 0;
	}
	case K_STR_LIST: {
		char *a = FIELD(obj, o, char);

		for (unsigned int k = 0; k < n; k++) {
			if (strlen(vals[k]) >= o->size)
				return fail(err, len,
				            "%s: entry %u is longer than %zu "
				            "characters",
				            o->name, k + 1, o->size - 1);
			if (o->check != NULL &&
			    o->check(vals[k], err, len) != 0)
				return -EINVAL;
		}
		for (unsigned int k = 0; k < n; k++)
			strcpy(a + k * o->size, vals[k]);
		*COUNT(obj, o) = n;
		return 0;
	}
	case K_SET:
		for (unsigned int k = 0; k < n; k++) {
			i = name_index(o, vals[k]);
			if (i < 0)
				return bad_name(o, vals[k], err, len);
			if (o->check != NULL &&
			    o->check(o->names[i], err, len) != 0)
				return -EINVAL;
			bits |= 1u << i;
		}
		break;
	case K_DH_SET: {
		struct opt item = *o;

		item.min = 1;
		item.max = 31;
		for (unsigned int k = 0; k < n; k++) {
			if (parse_int(&item, vals[k], &iv, err, len) != 0 ||
			    !(o->mask & VPN_DH(iv)))
				return fail(err, len,
				            "%s: %s is not an allowed DH group "
				            "(%s)",
				            o->name, vals[k], o->help);
			bits |= VPN_DH(iv);
		}
		break;
	}
	default:
		return fail(err, len, "%s: internal: not a list", o->name);
	}
	if (bits == 0 && !o->may_be_empty)
		return fail(err, len, "%s must not be empty", o->name);
	*FIELD(obj, o, uint32_t) = bits;
	return 0;
}

static bool
is_list(enum opt_kind k)
{
	return k == K_PREFIX_LIST || k == K_IPV4_LIST || k == K_INT_LIST ||
	       k == K_STR_LIST || k == K_SET || k == K_DH_SET;
}

int
vpn_opt_set(enum vpn_obj kind, void *obj, int idx, const char *const *vals,
            unsigned int n, char *err, size_t errlen)
{
	const struct opt *o = &vpn_opt_tables[kind].opts[idx];
	int rc;

	if (is_list(o->kind))
		rc = set_list(o, obj, vals, n, err, errlen);
	else if (n != 1)
		rc = fail(err, errlen, "%s takes one value, not a list",
		          o->name);
	else
		rc = set_scalar(o, obj, vals[0], err, errlen);
	if (rc == 0) {
		obj_src(kind, obj)->set |= 1ull << idx;
		obj_src(kind, obj)->derived &= ~(1ull << idx);
	}
	return rc;
}

/* ---- defaults ---------------------------------------------------------- */

/* Split a default "a,b,c" into its parts and set it. */
static void
set_default(enum vpn_obj kind, void *obj, int idx)
{
	const struct opt *o = &vpn_opt_tables[kind].opts[idx];
	char buf[512], err[256], *save, *tok;
	const char *vals[VPN_MAX_PREFIXES];
	unsigned int n = 0;

	snprintf(buf, sizeof(buf), "%s", o->deflt);
	if (is_list(o->kind)) {
		for (tok = strtok_r(buf, ",", &save);
		     tok && n < VPN_MAX_PREFIXES;
		     tok = strtok_r(NULL, ",", &save))
			vals[n++] = tok;
	} else {
		vals[n++] = buf;
	}
	if (vpn_opt_set(kind, obj, idx, vals, n, err, sizeof(err)) != 0) {
		/* A table with a bad default is a programming error. */
		fprintf(stderr, "vpngw: bad default for %s: %s\n", o->name,
		        err);
		abort();
	}
}

void
vpn_obj_defaults(enum vpn_obj kind, void *obj)
{
	const struct opt_table *t = &vpn_opt_tables[kind];
	struct vpn_src *s = obj_src(kind, obj);

	for (unsigned int i = 0; i < t->n; i++)
		if (t->opts[i].deflt != NULL)
			set_default(kind, obj, (int)i);
	/* Defaults are not "given". */
	s->set = 0;
}

/* ---- formatting -------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, used;
};

__attribute__((format(printf, 2, 3))) static void
sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->used >= b->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->used += (size_t)n;
}

/* A libconfig string literal: quotes and backslashes escaped. */
static void
sb_quoted(struct sbuf *b, const char *s)
{
	sb_add(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_add(b, "\\%c", *s);
		else if ((unsigned char)*s < ' ')
			sb_add(b, "\\x%02x", (unsigned char)*s);
		else
			sb_add(b, "%c", *s);
	}
	sb_add(b, "\"");
}

bool
vpn_opt_format(enum vpn_obj kind, const void *obj, int idx, char *buf,
               size_t len)
{
	const struct opt *o = &vpn_opt_tables[kind].opts[idx];
	const struct vpn_src *s = obj_src(kind, (void *)(uintptr_t)obj);
	struct sbuf b = {buf, len, 0};
	char tmp[VPN_PREFIX_STRLEN];
	unsigned int n;
	uint32_t bits;

	buf[0] = '\0';
	if (o->deflt == NULL && !opt_given(s, idx))
		return false;
	switch (o->kind) {
	case K_INT: {
		int64_t v = *CFIELD(obj, o, int64_t);

		/* libconfig needs the L to read a 64-bit number back. */
		sb_add(&b, "%" PRId64 "%s", v,
		       v > INT32_MAX || v < INT32_MIN ? "L" : "");
		break;
	}
	case K_BOOL:
		sb_add(&b, "%s", *CFIELD(obj, o, bool) ? "true" : "false");
		break;
	case K_ENUM:
		sb_quoted(&b, o->names[*CFIELD(obj, o, int)]);
		break;
	case K_STR:
		sb_quoted(&b, CFIELD(obj, o, char));
		break;
	case K_IPV4:
		sb_quoted(&b, vpn_ipv4_format(*CFIELD(obj, o, uint32_t), tmp));
		break;
	case K_PREFIX:
	case K_IFADDR:
		sb_quoted(&b, vpn_prefix_format(
		                      CFIELD(obj, o, struct vpn_prefix), tmp));
		break;
	case K_HOSTPORT:
		sb_add(&b, "\"%s:%u\"",
		       vpn_ipv4_format(*CFIELD(obj, o, uint32_t), tmp),
		       *(const uint16_t *)((const char *)obj + o->count_off));
		break;
	case K_PREFIX_LIST: {
		const struct vpn_prefix_list *l =
		        CFIELD(obj, o, struct vpn_prefix_list);

		sb_add(&b, "[");
		for (unsigned int k = 0; k < l->n; k++) {
			sb_add(&b, "%s", k ? ", " : "");
			sb_quoted(&b, vpn_prefix_format(&l->v[k], tmp));
		}
		sb_add(&b, "]");
		break;
	}
	case K_IPV4_LIST:
		n = *CCOUNT(obj, o);
		sb_add(&b, "[");
		for (unsigned int k = 0; k < n; k++) {
			sb_add(&b, "%s", k ? ", " : "");
			sb_quoted(&b,
			          vpn_ipv4_format(CFIELD(obj, o, uint32_t)[k],
			                          tmp));
		}
		sb_add(&b, "]");
		break;
	case K_INT_LIST:
		n = *CCOUNT(obj, o);
		sb_add(&b, "[");
		for (unsigned int k = 0; k < n; k++)
			sb_add(&b, "%s%" PRId64, k ? ", " : "",
			       CFIELD(obj, o, int64_t)[k]);
		sb_add(&b, "]");
		break;
	case K_STR_LIST:
		n = *CCOUNT(obj, o);
		sb_add(&b, "[");
		for (unsigned int k = 0; k < n; k++) {
			sb_add(&b, "%s", k ? ", " : "");
			sb_quoted(&b, CFIELD(obj, o, char) + k * o->size);
		}
		sb_add(&b, "]");
		break;
	case K_SET:
		bits = *CFIELD(obj, o, uint32_t);
		sb_add(&b, "[");
		for (int k = 0, first = 1; o->names[k] != NULL; k++)
			if (bits & (1u << k)) {
				sb_add(&b, "%s", first ? "" : ", ");
				sb_quoted(&b, o->names[k]);
				first = 0;
			}
		sb_add(&b, "]");
		break;
	case K_DH_SET:
		bits = *CFIELD(obj, o, uint32_t);
		sb_add(&b, "[");
		for (int k = 0, first = 1; k < 32; k++)
			if (bits & VPN_DH(k)) {
				sb_add(&b, "%s%d", first ? "" : ", ", k);
				first = 0;
			}
		sb_add(&b, "]");
		break;
	}
	return true;
}

int
vpn_hex_decode(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex);

	if (n == 0 || n % 2 || n / 2 > max)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)hex[i]))
			return -EINVAL;
	for (size_t i = 0; i < n / 2; i++)
		sscanf(hex + 2 * i, "%2hhx", &out[i]);
	return (int)(n / 2);
}
