/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CFG_PRIV_H
#define CFG_PRIV_H

#include <stddef.h>

#include "vpn_cfg.h"

/* How an option's text is parsed and where its value lives. */
enum opt_kind {
	K_INT,         /* int64_t, min..max */
	K_BOOL,        /* bool */
	K_ENUM,        /* int, index into names */
	K_STR,         /* char[size], optional check */
	K_IPV4,        /* uint32_t host order */
	K_PREFIX,      /* struct vpn_prefix, a network */
	K_IFADDR,      /* struct vpn_prefix, an interface address */
	K_PREFIX_LIST, /* struct vpn_prefix_list */
	K_IPV4_LIST,   /* count at count_off, uint32_t[max] at off */
	K_INT_LIST,    /* count at count_off, int64_t[max] at off */
	K_STR_LIST,    /* count at count_off, char[max][size] at off */
	K_SET,         /* uint32_t bitmask, bit i = names[i] */
	K_DH_SET,      /* uint32_t bitmask, bit N = group N, within mask */
	K_HOSTPORT,    /* uint32_t at off, uint16_t at count_off */
};

struct opt {
	const char *name;
	enum opt_kind kind;
	size_t off;
	size_t count_off; /* lists: unsigned int count; hostport: port */
	size_t size;      /* K_STR/K_STR_LIST: bytes per string */
	int64_t min, max; /* K_INT: range; lists: max entries */
	uint32_t mask;    /* K_DH_SET: allowed groups */
	const char *const *names; /* K_ENUM, K_SET */
	const char *deflt;        /* default as text; NULL: none */
	int (*check)(const char *s, char *err, size_t len); /* K_STR */
	const char *help;
	bool required;     /* a file must give it */
	bool may_be_empty; /* K_SET: [] is a value */
};

struct opt_table {
	const struct opt *opts;
	unsigned int n;
	size_t src_off; /* offset of the struct vpn_src */
};

extern const struct opt_table vpn_opt_tables[VPN_OBJ_COUNT];

static inline struct vpn_src *
obj_src(enum vpn_obj kind, void *obj)
{
	return (struct vpn_src *)((char *)obj + vpn_opt_tables[kind].src_off);
}

static inline bool
opt_given(const struct vpn_src *s, int idx)
{
	return (s->set >> idx) & 1;
}

/* Line of option name on obj, or of obj itself when not given. */
unsigned int opt_line(enum vpn_obj kind, const void *obj, const char *name);

/* Value checks used by the option tables (cfg_opt.c). */
int cfg_check_password_hash(const char *s, char *err, size_t len);
int cfg_check_device(const char *s, char *err, size_t len);
int cfg_check_path(const char *s, char *err, size_t len);
int cfg_check_ifname(const char *s, char *err, size_t len);
int cfg_check_neighbor(const char *s, char *err, size_t len);
int cfg_check_nonempty(const char *s, char *err, size_t len);

/* Names of enumerated values, NULL-terminated (cfg_tables.c). */
extern const char *const cfg_role_names[];
extern const char *const cfg_routing_names[];
extern const char *const cfg_attach_names[];
extern const char *const cfg_steer_names[];
extern const char *const cfg_auth_names[];
extern const char *const cfg_dpd_names[];
extern const char *const cfg_startup_names[];
extern const char *const cfg_enc_names[];
extern const char *const cfg_integ_names[];
extern const char *const cfg_encap_names[];

#define OPT_IDX(kind, name) vpn_opt_find(kind, name)

#endif /* CFG_PRIV_H */
