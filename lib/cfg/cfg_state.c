/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Generated values: a PSK or inside CIDR the file leaves out is generated
 * once (OpenSSL's RNG) and kept in STATE_DIR/generated.conf, so a restart
 * uses the same one. The file is written atomically (temporary file, fsync,
 * rename), mode 0600: it holds secrets.
 *
 *   tunnels = ( { connection = "vpn1"; tunnel = 1;
 *                 psk = "..."; inside_cidr = "169.254.77.8/30"; }, ... );
 */
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg_priv.h"

#define STATE_FILE  "generated.conf"
#define MAX_ENTRIES (VPN_MAX_CONNS * VPN_TUNNELS * 2)

struct entry {
	char conn[VPN_NAME_MAX + 1];
	int tunnel; /* 1 or 2 */
	char psk[VPN_PSK_MAX + 1];
	struct vpn_prefix inside;
	bool has_inside;
};

struct state {
	char path[VPN_PATH_MAX + 32];
	struct entry *e;
	unsigned int n;
	bool dirty;
	/* Entries by connection and tunnel: open addressing, -1 empty. */
	int *idx;
	unsigned int idx_mask;
};

/* The /30s of 169.254.0.0/16 (16,384 of them, the most tunnels there can
 * be, less AWS's reserved ones) in use: a bit each. */
#define LL_BASE   0xa9fe0000u
#define LL_BLOCKS 16384u
struct blocks {
	uint64_t used[LL_BLOCKS / 64];
};

int
vpn_psk_generate(char *out)
{
	/* 64 symbols, so 6 random bits pick one without bias. */
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
	                               "nopqrstuvwxyz0123456789._";
	unsigned char r[VPN_PSK_GEN_LEN * 2];
	int n = 0;

	while (n < VPN_PSK_GEN_LEN) {
		if (RAND_bytes(r, sizeof(r)) != 1)
			return -EIO;
		for (size_t i = 0; i < sizeof(r) && n < VPN_PSK_GEN_LEN; i++) {
			char ch = alphabet[r[i] & 63];

			if (n == 0 && ch == '0')
				continue; /* AWS: must not start with 0 */
			out[n++] = ch;
		}
	}
	out[n] = '\0';
	explicit_bzero(r, sizeof(r));
	return 0;
}

static unsigned int
entry_hash(const char *conn, int tunnel)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *conn; conn++)
		h = (h ^ (uint8_t)*conn) * 16777619u;
	return (h ^ (uint32_t)tunnel) * 16777619u;
}

/* Slot of conn/tunnel in st->idx: its entry's, or the empty one where
 * it would go. */
static unsigned int
slot_of(const struct state *st, const char *conn, int tunnel)
{
	unsigned int k = entry_hash(conn, tunnel) & st->idx_mask;

	while (st->idx[k] >= 0 && (st->e[st->idx[k]].tunnel != tunnel ||
	                           strcmp(st->e[st->idx[k]].conn, conn) != 0))
		k = (k + 1) & st->idx_mask;
	return k;
}

static struct entry *
find(struct state *st, const char *conn, int tunnel)
{
	int i = st->idx[slot_of(st, conn, tunnel)];

	return i >= 0 ? &st->e[i] : NULL;
}

/* Entry i into the index (its name and tunnel set; the first of equal
 * ones stays found, as a linear search would find it). */
static void
index_put(struct state *st, unsigned int i)
{
	unsigned int k = slot_of(st, st->e[i].conn, st->e[i].tunnel);

	if (st->idx[k] < 0)
		st->idx[k] = (int)i;
}

static int
read_state(struct state *st, struct vpn_diag *d)
{
	config_setting_t *list;
	config_t lc;
	int errs = 0;

	config_init(&lc);
	if (!config_read_file(&lc, st->path)) {
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO &&
		    errno == ENOENT) {
			config_destroy(&lc);
			return 0;
		}
		vpn_diag_add(d, VPN_DIAG_ERROR, st->path,
		             (unsigned int)config_error_line(&lc), "%s",
		             config_error_type(&lc) == CONFIG_ERR_FILE_IO
		                     ? strerror(errno)
		                     : config_error_text(&lc));
		config_destroy(&lc);
		return -EINVAL;
	}
	list = config_lookup(&lc, "tunnels");
	if (list == NULL || config_setting_type(list) != CONFIG_TYPE_LIST ||
	    config_setting_length(list) > MAX_ENTRIES) {
		vpn_diag_add(
		        d, VPN_DIAG_ERROR, st->path, 0,
		        "expected tunnels = ( ... ) with at most %d entries",
		        MAX_ENTRIES);
		config_destroy(&lc);
		return -EINVAL;
	}
	for (int i = 0; i < config_setting_length(list); i++) {
		config_setting_t *g =
		        config_setting_get_elem(list, (unsigned)i);
		unsigned int line = (unsigned int)config_setting_source_line(g);
		struct entry *e = &st->e[st->n];
		const char *conn = NULL, *psk = NULL, *cidr = NULL;
		int tunnel = 0;
		char why[200];

		memset(e, 0, sizeof(*e));
		if (config_setting_type(g) != CONFIG_TYPE_GROUP ||
		    !config_setting_lookup_string(g, "connection", &conn) ||
		    !config_setting_lookup_int(g, "tunnel", &tunnel) ||
		    vpn_check_name(conn, why, sizeof(why)) != 0 ||
		    (tunnel != 1 && tunnel != 2)) {
			vpn_diag_add(d, VPN_DIAG_ERROR, st->path, line,
			             "entry needs connection = \"NAME\" and "
			             "tunnel = 1 or 2");
			errs++;
			continue;
		}
		snprintf(e->conn, sizeof(e->conn), "%s", conn);
		e->tunnel = tunnel;
		if (config_setting_lookup_string(g, "psk", &psk)) {
			if (vpn_check_psk(psk, why, sizeof(why)) != 0) {
				vpn_diag_add(d, VPN_DIAG_ERROR, st->path, line,
				             "%s", why);
				errs++;
				continue;
			}
			snprintf(e->psk, sizeof(e->psk), "%s", psk);
		}
		if (config_setting_lookup_string(g, "inside_cidr", &cidr)) {
			if (vpn_prefix_parse(cidr, VPN_PREFIX_NET,
			                     &e->inside) ||
			    vpn_check_inside_cidr(&e->inside, why,
			                          sizeof(why))) {
				vpn_diag_add(d, VPN_DIAG_ERROR, st->path, line,
				             "bad inside_cidr '%s'", cidr);
				errs++;
				continue;
			}
			e->has_inside = true;
		}
		if (find(st, e->conn, e->tunnel) != NULL) {
			vpn_diag_add(d, VPN_DIAG_ERROR, st->path, line,
			             "tunnel %d of '%s' is listed twice",
			             e->tunnel, e->conn);
			errs++;
			continue;
		}
		index_put(st, st->n++);
	}
	config_destroy(&lc);
	return errs ? -EINVAL : 0;
}

static int
write_state(const struct state *st, struct vpn_diag *d)
{
	char tmp[sizeof(st->path) + 8], p[VPN_PREFIX_STRLEN];
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", st->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		vpn_diag_add(d, VPN_DIAG_ERROR, tmp, 0, "cannot write: %s",
		             strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	fprintf(f, "# Generated by vpngw: PSKs and inside CIDRs that the "
	           "configuration leaves out.\n# Keep this file private; "
	           "delete an entry to generate it anew.\ntunnels = (\n");
	for (unsigned int i = 0; i < st->n; i++) {
		const struct entry *e = &st->e[i];

		fprintf(f, "  { connection = \"%s\"; tunnel = %d;", e->conn,
		        e->tunnel);
		if (e->psk[0])
			fprintf(f, " psk = \"%s\";", e->psk);
		if (e->has_inside)
			fprintf(f, " inside_cidr = \"%s\";",
			        vpn_prefix_format(&e->inside, p));
		fprintf(f, " }%s\n", i + 1 < st->n ? "," : "");
	}
	fprintf(f, ");\n");
	if (fflush(f) != 0 || fsync(fd) != 0 || fclose(f) != 0 ||
	    rename(tmp, st->path) != 0) {
		vpn_diag_add(d, VPN_DIAG_ERROR, st->path, 0, "cannot save: %s",
		             strerror(errno));
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

/* Every /30 of 169.254.0.0/16 that p overlaps, marked (set) or looked
 * for (whether any is marked). */
static bool
blocks_do(struct blocks *b, const struct vpn_prefix *p, bool set)
{
	uint32_t mask, a, last;
	bool any = false;

	if (p->family != AF_INET)
		return false;
	mask = p->len ? ~0u << (32 - p->len) : 0;
	a = vpn_prefix_v4_addr(p) & mask;
	last = a | ~mask;
	if (last < LL_BASE || a > LL_BASE + (LL_BLOCKS << 2) - 1)
		return false;
	a = a < LL_BASE ? 0 : (a - LL_BASE) >> 2;
	last = last - LL_BASE > (LL_BLOCKS << 2) - 1 ? LL_BLOCKS - 1
	                                             : (last - LL_BASE) >> 2;
	for (uint32_t k = a; k <= last; k++) {
		any |= (b->used[k / 64] >> (k % 64)) & 1;
		if (set)
			b->used[k / 64] |= 1ull << (k % 64);
	}
	return any;
}

/* A free /30 in 169.254.0.0/16 outside the reserved ones: the first
 * from a random one on. */
static int
pick_inside_cidr(const struct blocks *b, struct vpn_prefix *out)
{
	char why[200];
	uint16_t r;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		return -EIO;
	for (uint32_t i = 0; i < LL_BLOCKS; i++) {
		uint32_t k = (r + i) % LL_BLOCKS;

		if ((b->used[k / 64] >> (k % 64)) & 1)
			continue;
		*out = vpn_prefix_v4(LL_BASE + (k << 2), 30);
		if (vpn_check_inside_cidr(out, why, sizeof(why)) == 0)
			return 0;
	}
	return -ENOSPC;
}

int
vpn_cfg_apply_state(struct vpn_cfg *cfg, const char *state_dir,
                    struct vpn_diag *d)
{
	int cidx = OPT_IDX(VPN_OBJ_TUNNEL, "inside_cidr");
	int pidx = OPT_IDX(VPN_OBJ_TUNNEL, "psk");
	struct state st = {0};
	struct blocks *used;
	unsigned int size = 64;
	int rc;

	if (mkdir(state_dir, 0700) != 0 && errno != EEXIST) {
		vpn_diag_add(d, VPN_DIAG_ERROR, state_dir, 0,
		             "cannot create state directory: %s",
		             strerror(errno));
		return -errno;
	}
	snprintf(st.path, sizeof(st.path), "%s/%s", state_dir, STATE_FILE);
	st.e = calloc(MAX_ENTRIES + (size_t)cfg->n_conns * VPN_TUNNELS,
	              sizeof(*st.e));
	used = calloc(1, sizeof(*used));
	while (size < 2 * (MAX_ENTRIES + cfg->n_conns * VPN_TUNNELS))
		size *= 2;
	st.idx = malloc(size * sizeof(*st.idx));
	if (st.e == NULL || st.idx == NULL || used == NULL) {
		free(st.e);
		free(st.idx);
		free(used);
		return -ENOMEM;
	}
	st.idx_mask = size - 1;
	memset(st.idx, 0xff, size * sizeof(*st.idx)); /* -1: empty */
	rc = read_state(&st, d);
	/* The inside CIDRs taken: written in the file, or filled in
	 * already (a model applied before). */
	for (unsigned int i = 0; i < cfg->n_conns; i++)
		for (int t = 0; t < VPN_TUNNELS; t++) {
			const struct vpn_cfg_tunnel *tu =
			        &cfg->conns[i].tunnels[t];

			if (opt_given(&tu->src, cidx) ||
			    tu->inside_cidr_generated)
				blocks_do(used, &tu->inside_cidr, true);
		}
	for (unsigned int i = 0; rc == 0 && i < cfg->n_conns; i++) {
		struct vpn_cfg_conn *c = &cfg->conns[i];
		bool cert =
		        c->cgw >= 0 && cfg->cgws[c->cgw].auth == VPN_AUTH_CERT;

		for (int t = 0; rc == 0 && t < VPN_TUNNELS; t++) {
			struct vpn_cfg_tunnel *tu = &c->tunnels[t];
			struct entry *e = find(&st, c->name, t + 1);

			if (e == NULL) {
				e = &st.e[st.n];
				snprintf(e->conn, sizeof(e->conn), "%s",
				         c->name);
				e->tunnel = t + 1;
				index_put(&st, st.n++);
			}
			/* Values already filled in (a model applied
			 * before, copied for a change) stay as they are. */
			if (!opt_given(&tu->src, pidx) && !cert &&
			    !tu->psk_generated) {
				if (e->psk[0] == '\0') {
					rc = vpn_psk_generate(e->psk);
					st.dirty = true;
				}
				memcpy(tu->psk, e->psk, sizeof(tu->psk));
				tu->psk_generated = true;
			}
			if (!opt_given(&tu->src, cidx) &&
			    !tu->inside_cidr_generated) {
				if (!e->has_inside ||
				    blocks_do(used, &e->inside, false)) {
					rc = pick_inside_cidr(used, &e->inside);
					e->has_inside = true;
					st.dirty = true;
				}
				blocks_do(used, &e->inside, true);
				tu->inside_cidr = e->inside;
				tu->inside_cidr_generated = true;
			}
		}
	}
	if (rc == 0 && st.dirty)
		rc = write_state(&st, d);
	else if (rc != 0 && rc != -EINVAL)
		vpn_diag_add(d, VPN_DIAG_ERROR, st.path, 0,
		             "cannot generate values: %s", strerror(-rc));
	explicit_bzero(st.e,
	               (MAX_ENTRIES + (size_t)cfg->n_conns * VPN_TUNNELS) *
	                       sizeof(*st.e));
	free(st.e);
	free(st.idx);
	free(used);
	return rc;
}
