/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpngw-gen's command line: every number checked (a whole number or a
 * finite one, in its range, nothing after it), every refusal said with
 * the option's name; ranges that would wrap past 255.255.255.255 or send
 * without bound refused. See gen.c for what the options do.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* optarg as a whole number in [min, max] for option name: 0, or -1
 * (said why). */
static int
num_u64(const char *name, const char *s, uint64_t min, uint64_t max,
        uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 || v < min ||
	    v > max) {
		fprintf(stderr,
		        "vpngw-gen: --%s: '%s' is not a whole number from %llu "
		        "to %llu\n",
		        name, s, (unsigned long long)min,
		        (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

/* The same into narrower types. */
#define NUM(name, s, min, max, dst)                        \
	({                                                 \
		uint64_t v_;                               \
		int rc_ = num_u64(name, s, min, max, &v_); \
		if (rc_ == 0)                              \
			(dst) = (__typeof__(dst))v_;       \
		rc_;                                       \
	})

/* optarg as a finite number in (above, max] (above < v) or [above, max]
 * with inclusive: 0, or -1 (said why). */
static int
num_double(const char *name, const char *s, double lo, bool lo_inclusive,
           double max, double *out)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !isfinite(v) ||
	    (lo_inclusive ? v < lo : v <= lo) || v > max) {
		if (lo_inclusive)
			fprintf(stderr,
			        "vpngw-gen: --%s: '%s' is not a number from %g "
			        "to %g\n",
			        name, s, lo, max);
		else
			fprintf(stderr,
			        "vpngw-gen: --%s: '%s' is not a number above "
			        "%g, "
			        "at most %g\n",
			        name, s, lo, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_ip(const char *s, uint32_t *out)
{
	unsigned int a, b, c, d;
	char x;

	if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &x) != 4 || a > 255 ||
	    b > 255 || c > 255 || d > 255)
		return -1;
	*out = a << 24 | b << 16 | c << 8 | d;
	return 0;
}

static int
add_size(struct opts *o, unsigned long sz, unsigned long w)
{
	if (o->nsizes == MAX_SIZES || sz < (unsigned long)MIN_FRAME ||
	    sz > 9018 || w == 0 || w > 1000)
		return -1;
	o->size[o->nsizes] = (uint16_t)sz;
	o->weight[o->nsizes++] = (uint32_t)w;
	return 0;
}

static int
hex_decode(const char *h, uint8_t *out, size_t max)
{
	size_t n = strlen(h) / 2;

	if (strlen(h) % 2 || n > max)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		if (sscanf(h + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (uint8_t)b;
	}
	return (int)n;
}

/* "ALG,SPI,KEY[,AUTHKEY]" (a manual_keys transform name, GCM keys with
 * their 4-byte salt at the end, as in the configuration). */
static int
parse_esp(const char *spec, bool inbound, struct vpn_esp_sa_params *p)
{
	char *dup = strdup(spec), *save = NULL;
	char *alg = strtok_r(dup, ",", &save),
	     *spi = strtok_r(NULL, ",", &save);
	char *key = strtok_r(NULL, ",", &save),
	     *ak = strtok_r(NULL, ",", &save);
	const struct vpn_crypto_alg *a = alg ? vpn_crypto_alg_find(alg) : NULL;
	uint8_t k[40];
	int n, rc = -1;

	memset(p, 0, sizeof(*p));
	if (a == NULL || spi == NULL || key == NULL)
		goto out;
	p->inbound = inbound;
	if (NUM("esp-out/esp-in: SPI", spi, 1, UINT32_MAX, p->spi) != 0)
		goto out;
	p->cipher = a->cipher;
	p->cipher_key_len = a->key_len;
	p->auth = a->auth;
	p->auth_key_len = a->auth_key_len;
	n = hex_decode(key, k, sizeof(k));
	if (n < (int)a->key_len)
		goto out;
	memcpy(p->cipher_key, k, a->key_len);
	if (a->cipher == VPN_CIPHER_AES_GCM) {
		if (n != (int)a->key_len + 4)
			goto out;
		memcpy(p->salt, k + a->key_len, 4);
	} else if (ak == NULL ||
	           hex_decode(ak, p->auth_key, sizeof(p->auth_key)) !=
	                   (int)a->auth_key_len)
		goto out;
	rc = 0;
out:
	explicit_bzero(k, sizeof(k));
	free(dup);
	return rc;
}

/* "B,B" (weight 1 each) or "B:W,B:W". */
static int
parse_sizes(struct opts *o, const char *s, bool weighted)
{
	char *dup = strdup(s), *save = NULL;
	int rc = 0;

	o->nsizes = 0;
	for (char *t = strtok_r(dup, ",", &save); t && rc == 0;
	     t = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long sz = strtoul(t, &end, 10), w = 1;

		if (weighted && *end == ':')
			w = strtoul(end + 1, &end, 10);
		rc = *end ? -1 : add_size(o, sz, w);
	}
	free(dup);
	return rc == 0 && o->nsizes > 0 ? 0 : -1;
}

void
gen_usage(void)
{
	fprintf(stderr,
	        "usage: vpngw-gen [EAL args] -- [--tx PORT] [--rx PORT|none] "
	        "[--count N] [--seconds S]\n"
	        "  [--rate PPS | --bitrate BPS] [--size B | --sizes B,... | "
	        "--imix | --mix B:W,...]\n"
	        "  [--flows N] [--src IP] [--dst IP] [--sport P] [--dport P] "
	        "[--dmac MAC]\n"
	        "  [--gap SEQ] [--swap SEQ] [--rfc2544 [--trials N] [--loss "
	        "PCT]] [--drain-ms MS] [--json]\n"
	        "  [--esp-out ALG,SPI,KEY[,AUTHKEY] --tunnel SRC,DST] "
	        "[--esp-in ALG,SPI,KEY[,AUTHKEY]] [--esp-udp] [--wait-link S]\n"
	        "  [--warmup S]"
	        " [--srcs N] [--dsts N [--dst-step S]] [--line-rate]\n");
}

int
gen_parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	        {"tx", 1, NULL, 't'},        {"rx", 1, NULL, 'r'},
	        {"count", 1, NULL, 'n'},     {"seconds", 1, NULL, 's'},
	        {"rate", 1, NULL, 'p'},      {"bitrate", 1, NULL, 'b'},
	        {"size", 1, NULL, 'z'},      {"sizes", 1, NULL, 'Z'},
	        {"imix", 0, NULL, 'I'},      {"mix", 1, NULL, 'M'},
	        {"flows", 1, NULL, 'f'},     {"src", 1, NULL, 'S'},
	        {"dst", 1, NULL, 'D'},       {"sport", 1, NULL, 'P'},
	        {"dport", 1, NULL, 'Q'},     {"dmac", 1, NULL, 'm'},
	        {"gap", 1, NULL, 'g'},       {"swap", 1, NULL, 'w'},
	        {"rfc2544", 0, NULL, 'R'},   {"trials", 1, NULL, 'T'},
	        {"loss", 1, NULL, 'L'},      {"drain-ms", 1, NULL, 'd'},
	        {"json", 0, NULL, 'j'},      {"help", 0, NULL, 'h'},
	        {"esp-out", 1, NULL, 'E'},   {"esp-in", 1, NULL, 'e'},
	        {"tunnel", 1, NULL, 'u'},    {"wait-link", 1, NULL, 'W'},
	        {"dsts", 1, NULL, 'X'},      {"dst-step", 1, NULL, 'Y'},
	        {"esp-udp", 0, NULL, 'U'},   {"srcs", 1, NULL, 'x'},
	        {"line-rate", 0, NULL, 'l'}, {"warmup", 1, NULL, 'A'},
	        {NULL, 0, NULL, 0}};
	int c;

	*o = (struct opts){.rx_on = true,
	                   .flows = 1,
	                   .nsrc = 1,
	                   .ndst = 1,
	                   .dst_step = 1,
	                   .src = 0xc633640a, /* 198.51.100.10 */
	                   .dst = 0xc0000282, /* 192.0.2.130 */
	                   .sport = 10000,
	                   .dport = 20000,
	                   .dmac = {{0x02, 0, 0, 0, 0, 0x02}},
	                   .gap = -1,
	                   .swap = -1,
	                   .trials = 8,
	                   .drain_ms = 300};
	add_size(o, 64, 1);
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			if (NUM("tx", optarg, 0, RTE_MAX_ETHPORTS - 1, o->tx) !=
			    0)
				return -1;
			break;
		case 'r':
			if (strcmp(optarg, "none") == 0)
				o->rx_on = false;
			else if (NUM("rx", optarg, 0, RTE_MAX_ETHPORTS - 1,
			             o->rx) != 0)
				return -1;
			break;
		case 'n':
			if (NUM("count", optarg, 1, UINT64_MAX >> 1,
			        o->count) != 0)
				return -1;
			break;
		case 's':
			if (num_double("seconds", optarg, 0, false, 86400,
			               &o->seconds) != 0)
				return -1;
			break;
		case 'p':
			if (num_double("rate", optarg, 0, false, 1e9,
			               &o->rate) != 0)
				return -1;
			break;
		case 'b':
			if (num_double("bitrate", optarg, 0, false, 1e13,
			               &o->bitrate) != 0)
				return -1;
			break;
		case 'z':
		case 'Z':
			if (parse_sizes(o, optarg, false) != 0)
				return -1;
			break;
		case 'I':
			parse_sizes(o, "64:7,594:4,1518:1", true);
			break;
		case 'M':
			if (parse_sizes(o, optarg, true) != 0)
				return -1;
			break;
		case 'f':
			if (NUM("flows", optarg, 1, 65535, o->flows) != 0)
				return -1;
			break;
		case 'S':
			if (parse_ip(optarg, &o->src) != 0)
				return -1;
			break;
		case 'D':
			if (parse_ip(optarg, &o->dst) != 0)
				return -1;
			break;
		case 'P':
			if (NUM("sport", optarg, 1, 65535, o->sport) != 0)
				return -1;
			break;
		case 'Q':
			if (NUM("dport", optarg, 1, 65535, o->dport) != 0)
				return -1;
			break;
		case 'm':
			if (rte_ether_unformat_addr(optarg, &o->dmac) != 0)
				return -1;
			break;
		case 'g':
			if (NUM("gap", optarg, 0, INT64_MAX, o->gap) != 0)
				return -1;
			break;
		case 'w':
			if (NUM("swap", optarg, 0, INT64_MAX - 1, o->swap) != 0)
				return -1;
			break;
		case 'R':
			o->rfc2544 = true;
			break;
		case 'T':
			if (NUM("trials", optarg, 1, 64, o->trials) != 0)
				return -1;
			break;
		case 'L':
			if (num_double("loss", optarg, 0, true, 100,
			               &o->loss_pct) != 0)
				return -1;
			break;
		case 'd':
			if (NUM("drain-ms", optarg, 0, 60000, o->drain_ms) != 0)
				return -1;
			break;
		case 'j':
			o->json = true;
			break;
		case 'E':
			if (parse_esp(optarg, false, &o->esp_out) != 0)
				return -1;
			o->esp_out_on = true;
			break;
		case 'e':
			if (parse_esp(optarg, true, &o->esp_in) != 0)
				return -1;
			o->esp_in_on = true;
			break;
		case 'u': {
			char a[32], b[32];

			if (sscanf(optarg, "%31[^,],%31s", a, b) != 2 ||
			    parse_ip(a, &o->tun_src) != 0 ||
			    parse_ip(b, &o->tun_dst) != 0)
				return -1;
			break;
		}
		case 'W':
			if (NUM("wait-link", optarg, 0, 3600, o->wait_link_s) !=
			    0)
				return -1;
			break;
		case 'A':
			if (NUM("warmup", optarg, 0, 3600, o->warmup_s) != 0)
				return -1;
			break;
		case 'X':
			if (NUM("dsts", optarg, 1, 65536, o->ndst) != 0)
				return -1;
			break;
		case 'Y':
			if (NUM("dst-step", optarg, 1, UINT32_MAX,
			        o->dst_step) != 0)
				return -1;
			break;
		case 'U':
			o->esp_udp = true;
			break;
		case 'x':
			if (NUM("srcs", optarg, 1, 65536, o->nsrc) != 0)
				return -1;
			break;
		case 'l':
			o->line_rate = true;
			break;
		default:
			return -1;
		}
	}
	if (o->flows == 0 || o->flows > 65535u - o->sport)
		return -1;
	if (o->nsrc == 0 || o->nsrc > 65536 ||
	    o->nsrc - 1 > UINT32_MAX - o->src)
		return -1;
	/* No address range may wrap past 255.255.255.255. */
	if (o->ndst == 0 || o->ndst > 65536 || o->dst_step == 0 ||
	    (uint64_t)(o->ndst - 1) * o->dst_step > UINT32_MAX - o->dst)
		return -1;
	/* Bounded: a count, a duration, or both. */
	if (o->count == 0 && o->seconds <= 0)
		return -1;
	if (o->rfc2544 && ((o->rate <= 0 && !o->line_rate) || o->seconds <= 0 ||
	                   o->trials == 0))
		return -1;
	if (o->esp_out_on && o->tun_dst == 0)
		return -1; /* --tunnel SRC,DST */
	if (o->warmup_s && !o->rx_on) {
		fprintf(stderr, "vpngw-gen: --warmup: learning waits for "
		                "packets back (not with --rx none)\n");
		return -1;
	}
	o->esp_out.tun_src = o->tun_src;
	o->esp_out.tun_dst = o->tun_dst;
	o->esp_in.replay_window = 1024;
	o->esp_out.udp_encap = o->esp_in.udp_encap = o->esp_udp;
	return 0;
}
