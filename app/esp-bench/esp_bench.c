/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * esp-bench: what the ESP library costs beside the raw crypto under it.
 *
 * For each algorithm, at 64 B, IMIX (7:4:1 of 64/594/1518) and 1420 B inner
 * packets, encrypt and decrypt: TSC cycles per packet of one
 * vpn_esp_outbound/vpn_esp_inbound burst call, and, on the same buffers in
 * the same run (interleaved window by window), of the bare intel-ipsec-mb
 * calls doing the same crypto (GCM: IMB_AES*_GCM_ENC/DEC per packet;
 * CBC+HMAC: IMB_SUBMIT_CIPHER_BURST and IMB_SUBMIT_HASH_BURST), and the
 * ratio. Buffers are restored between bursts outside the timed region, so
 * both sides find their data in cache. The figure is the best window's
 * mean (these VMs vary 15-35 % run to run).
 *
 *   esp-bench [--alg NAME] [--dir enc|dec] [--size 64|imix|1420|N]
 *             [--frames] [--windows N] [--bursts N] [--rounds N]
 *             [--engine imb|openssl]
 *
 * --size N (64 to 1518) measures that size alone. --frames takes the
 * sizes as Ethernet frames with their FCS, as RFC 2544 and the benchmark
 * runner name them (64 B: a 46-byte inner packet; IMIX 64/594/1518
 * frames): the inner packet is 18 bytes shorter.
 *
 * --rounds N measures every case N times over and keeps each side's best
 * (and the lowest paired median): the slow phases of a shared host last
 * seconds, longer than one case takes.
 *
 * VPNGW_IMB_ARCH=avx2 (or sse, avx, avx512) pins the intel-ipsec-mb code
 * path of both sides, to compare with machines that hide AVX-512.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "vpn_crypto_imb.h"
#include "vpn_esp.h"

#define BURST 32

/* The bench's own view of a transform: the IMB hash it runs bare. */
struct alg {
	const char *name;
	enum vpn_crypto_cipher cipher;
	unsigned int key_len;
	enum vpn_crypto_auth auth;
	unsigned int auth_key_len;
	IMB_HASH_ALG hash;
};

static struct alg
alg_of(const struct vpn_crypto_alg *v)
{
	static const IMB_HASH_ALG hashes[] = {
	        [VPN_AUTH_HMAC_SHA1_96] = IMB_AUTH_HMAC_SHA_1,
	        [VPN_AUTH_HMAC_SHA256_128] = IMB_AUTH_HMAC_SHA_256,
	        [VPN_AUTH_HMAC_SHA384_192] = IMB_AUTH_HMAC_SHA_384,
	        [VPN_AUTH_HMAC_SHA512_256] = IMB_AUTH_HMAC_SHA_512};

	return (struct alg){v->name, v->cipher,       v->key_len,
	                    v->auth, v->auth_key_len, hashes[v->auth]};
}

struct profile {
	const char *name;
	unsigned int sizes[12]; /* inner packet sizes, cycled over a burst */
	unsigned int n;
};

static const struct profile profiles[] = {
        {"64", {64}, 1},
        /* IMIX 7:4:1, interleaved as a link would carry it */
        {"imix", {64, 594, 64, 1518, 64, 594, 64, 594, 64, 64, 594, 64}, 12},
        {"1420", {1420}, 1},
};

/* The bare side: our own managers and keys, as the engine would use. */
struct bare {
	IMB_MGR *mgr, *hmgr;
	struct gcm_key_data gcm __attribute__((aligned(64)));
	struct gcm_context_data ctx;
	uint32_t enc[60] __attribute__((aligned(16)));
	uint32_t dec[60] __attribute__((aligned(16)));
	uint8_t ipad[64] __attribute__((aligned(16)));
	uint8_t opad[64] __attribute__((aligned(16)));
	IMB_JOB jobs[BURST];
	uint8_t tag[BURST][64];
};

static struct rte_mempool *pool;
static unsigned int windows = 15, bursts = 200, rounds = 1;

static void
bare_init(struct bare *b, const struct alg *a, const uint8_t *key,
          const uint8_t *akey)
{
	uint8_t ip[128], op[128];
	unsigned int bs = a->auth_key_len > 32 ? 128 : 64;

	memset(b, 0, sizeof(*b));
	b->mgr = vpn_imb_mgr_new(false);
	b->hmgr = vpn_imb_mgr_new(true);
	if (b->mgr == NULL || b->hmgr == NULL)
		abort();
	if (a->cipher == VPN_CIPHER_AES_GCM) {
		if (a->key_len == 16)
			IMB_AES128_GCM_PRE(b->mgr, key, &b->gcm);
		else
			IMB_AES256_GCM_PRE(b->mgr, key, &b->gcm);
		return;
	}
	if (a->key_len == 16)
		IMB_AES_KEYEXP_128(b->mgr, key, b->enc, b->dec);
	else
		IMB_AES_KEYEXP_256(b->mgr, key, b->enc, b->dec);
	memset(ip, 0x36, bs);
	memset(op, 0x5c, bs);
	for (unsigned int i = 0; i < a->auth_key_len; i++) {
		ip[i] ^= akey[i];
		op[i] ^= akey[i];
	}
	switch (a->hash) {
	case IMB_AUTH_HMAC_SHA_1:
		IMB_SHA1_ONE_BLOCK(b->hmgr, ip, b->ipad);
		IMB_SHA1_ONE_BLOCK(b->hmgr, op, b->opad);
		break;
	case IMB_AUTH_HMAC_SHA_256:
		IMB_SHA256_ONE_BLOCK(b->hmgr, ip, b->ipad);
		IMB_SHA256_ONE_BLOCK(b->hmgr, op, b->opad);
		break;
	case IMB_AUTH_HMAC_SHA_384:
		IMB_SHA384_ONE_BLOCK(b->hmgr, ip, b->ipad);
		IMB_SHA384_ONE_BLOCK(b->hmgr, op, b->opad);
		break;
	default:
		IMB_SHA512_ONE_BLOCK(b->hmgr, ip, b->ipad);
		IMB_SHA512_ONE_BLOCK(b->hmgr, op, b->opad);
		break;
	}
}

static void
bare_fini(struct bare *b)
{
	free_mb_mgr(b->mgr);
	free_mb_mgr(b->hmgr);
}

/* Where the crypto regions of an ESP packet lie (outer IPv4, no UDP). */
struct region {
	uint8_t *esp, *iv, *data, *icv;
	uint32_t len;
};

static struct region
regions(struct rte_mbuf *m, const struct alg *a)
{
	struct region r;
	unsigned int ivl = a->cipher == VPN_CIPHER_AES_GCM ? 8 : 16;
	unsigned int icv = vpn_crypto_icv_len(a->cipher, a->auth);

	r.esp = rte_pktmbuf_mtod_offset(m, uint8_t *, 20);
	r.iv = r.esp + 8;
	r.data = r.iv + ivl;
	r.len = rte_pktmbuf_data_len(m) - 20 - 8 - ivl - icv;
	r.icv = r.data + r.len;
	return r;
}

/* The same crypto as the library's, bare: enc or dec over the regions. */
static void
bare_run(struct bare *b, const struct alg *a, struct rte_mbuf **m, bool enc)
{
	static const uint8_t salt_iv[12];
	struct region r[BURST];

	for (int i = 0; i < BURST; i++)
		r[i] = regions(m[i], a);
	if (a->cipher == VPN_CIPHER_AES_GCM) {
		for (int i = 0; i < BURST; i++) {
			if (a->key_len == 16 && enc)
				IMB_AES128_GCM_ENC(b->mgr, &b->gcm, &b->ctx,
				                   r[i].data, r[i].data,
				                   r[i].len, salt_iv, r[i].esp,
				                   8, r[i].icv, 16);
			else if (a->key_len == 16)
				IMB_AES128_GCM_DEC(b->mgr, &b->gcm, &b->ctx,
				                   r[i].data, r[i].data,
				                   r[i].len, salt_iv, r[i].esp,
				                   8, b->tag[i], 16);
			else if (enc)
				IMB_AES256_GCM_ENC(b->mgr, &b->gcm, &b->ctx,
				                   r[i].data, r[i].data,
				                   r[i].len, salt_iv, r[i].esp,
				                   8, r[i].icv, 16);
			else
				IMB_AES256_GCM_DEC(b->mgr, &b->gcm, &b->ctx,
				                   r[i].data, r[i].data,
				                   r[i].len, salt_iv, r[i].esp,
				                   8, b->tag[i], 16);
		}
		return;
	}
	for (int pass = 0; pass < 2; pass++) {
		bool cipher = (pass == 0) == enc; /* enc: cipher, hash */

		for (int i = 0; i < BURST; i++) {
			IMB_JOB *j = &b->jobs[i];

			if (cipher) {
				j->enc_keys = b->enc;
				j->dec_keys = b->dec;
				j->key_len_in_bytes = a->key_len;
				j->src = j->dst = r[i].data;
				j->cipher_start_src_offset_in_bytes = 0;
				j->msg_len_to_cipher_in_bytes = r[i].len;
				j->iv = r[i].iv;
				j->iv_len_in_bytes = 16;
			} else {
				j->src = r[i].esp;
				j->hash_start_src_offset_in_bytes = 0;
				j->msg_len_to_hash_in_bytes = r[i].len + 24;
				j->auth_tag_output = enc ? r[i].icv : b->tag[i];
				j->auth_tag_output_len_in_bytes =
				        vpn_crypto_icv_len(a->cipher, a->auth);
				j->u.HMAC._hashed_auth_key_xor_ipad = b->ipad;
				j->u.HMAC._hashed_auth_key_xor_opad = b->opad;
				j->hash_alg = a->hash;
			}
		}
		if (cipher)
			IMB_SUBMIT_CIPHER_BURST_NOCHECK(
			        b->mgr, b->jobs, BURST, IMB_CIPHER_CBC,
			        enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT,
			        a->key_len == 16 ? IMB_KEY_128_BYTES
			                         : IMB_KEY_256_BYTES);
		else
			IMB_SUBMIT_HASH_BURST_NOCHECK(
			        vpn_imb_hash_on_sse(b->mgr, a->auth) ? b->hmgr
			                                             : b->mgr,
			        b->jobs, BURST, a->hash);
	}
}

/* Put saved packet bytes back into the burst's mbufs. */
static void
restore(struct rte_mbuf **m, uint8_t (*saved)[2048], const uint16_t *len,
        uint16_t off)
{
	for (int i = 0; i < BURST; i++) {
		rte_pktmbuf_reset(m[i]);
		m[i]->data_off = off;
		memcpy(rte_pktmbuf_append(m[i], len[i]), saved[i], len[i]);
	}
}

struct result {
	double lib, bare; /* best window, cycles per packet */
	double paired;    /* median over windows of lib / bare */
	uint64_t bytes;   /* inner bytes per burst */
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
run_case(struct vpn_crypto *eng, const struct alg *a, const struct profile *pr,
         bool enc, struct result *res)
{
	static uint8_t inner_bytes[BURST][2048], esp_bytes[BURST][2048];
	uint16_t inner_len[BURST], esp_len[BURST], esp_off;
	struct vpn_esp_sa_params p = {.spi = 0x1234,
	                              .cipher = a->cipher,
	                              .cipher_key_len = a->key_len,
	                              .auth = a->auth,
	                              .auth_key_len = a->auth_key_len,
	                              .tun_src = 0xcb007101,
	                              .tun_dst = 0xc0000201,
	                              .replay_window = 1024};
	struct vpn_esp_worker *w = vpn_esp_worker_new(eng, 0);
	struct vpn_esp_sa *out, *in;
	struct vpn_esp_sad *sad = vpn_esp_sad_new(2);
	struct rte_mbuf *m[BURST];
	struct bare b;

	for (unsigned int i = 0; i < 32; i++)
		p.cipher_key[i] = (uint8_t)(i * 3 + 1);
	for (unsigned int i = 0; i < 64; i++)
		p.auth_key[i] = (uint8_t)(i * 5 + 2);
	bare_init(&b, a, p.cipher_key, p.auth_key);
	out = vpn_esp_sa_new(eng, &p);
	p.inbound = true;
	in = vpn_esp_sa_new(eng, &p);
	vpn_esp_sad_add(sad, in);

	res->bytes = 0;
	for (int i = 0; i < BURST; i++) {
		unsigned int len = pr->sizes[i % pr->n];

		m[i] = rte_pktmbuf_alloc(pool);
		memset(inner_bytes[i], 0xab, len);
		inner_bytes[i][0] = 0x45;
		inner_bytes[i][2] = (uint8_t)(len >> 8);
		inner_bytes[i][3] = (uint8_t)len;
		inner_len[i] = (uint16_t)len;
		res->bytes += len;
	}
	/* The ESP packets the decrypt side replays. */
	restore(m, inner_bytes, inner_len, RTE_PKTMBUF_HEADROOM);
	vpn_esp_outbound(w, out, m, BURST, NULL);
	esp_off = m[0]->data_off;
	for (int i = 0; i < BURST; i++) {
		esp_len[i] = rte_pktmbuf_data_len(m[i]);
		memcpy(esp_bytes[i], rte_pktmbuf_mtod(m[i], void *),
		       esp_len[i]);
	}

	res->lib = res->bare = 1e30;
	double *ratios = calloc(windows, sizeof(*ratios));

	if (ratios == NULL)
		abort();
	for (unsigned int win = 0; win < windows; win++) {
		uint64_t lib = 0, bare = 0;

		for (unsigned int k = 0; k < bursts; k++) {
			uint64_t t0, t1;

			if (enc)
				restore(m, inner_bytes, inner_len,
				        RTE_PKTMBUF_HEADROOM);
			else {
				restore(m, esp_bytes, esp_len, esp_off);
				vpn_esp_sa_replay_reset(in);
			}
			t0 = rte_rdtsc_precise();
			if (enc)
				vpn_esp_outbound(w, out, m, BURST, NULL);
			else if (vpn_esp_inbound(w, sad, m, BURST, NULL,
			                         NULL) != BURST)
				abort();
			t1 = rte_rdtsc_precise();
			lib += t1 - t0;

			/* The same crypto, bare, on the same ESP layout. */
			restore(m, esp_bytes, esp_len, esp_off);
			t0 = rte_rdtsc_precise();
			bare_run(&b, a, m, enc);
			t1 = rte_rdtsc_precise();
			bare += t1 - t0;
		}
		if ((double)lib / bursts / BURST < res->lib)
			res->lib = (double)lib / bursts / BURST;
		if ((double)bare / bursts / BURST < res->bare)
			res->bare = (double)bare / bursts / BURST;
		/* Both sides of one window saw the same clock and caches. */
		ratios[win] = (double)lib / (double)bare;
	}
	qsort(ratios, windows, sizeof(*ratios), cmp_double);
	res->paired = ratios[windows / 2];
	free(ratios);
	for (int i = 0; i < BURST; i++)
		rte_pktmbuf_free(m[i]);
	bare_fini(&b);
	vpn_esp_sad_free(sad);
	vpn_esp_sa_free(in);
	vpn_esp_sa_free(out);
	vpn_esp_worker_free(w);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"alg", 1, 0, 'a'},    {"windows", 1, 0, 'w'},
	        {"bursts", 1, 0, 'b'}, {"engine", 1, 0, 'e'},
	        {"dir", 1, 0, 'd'},    {"size", 1, 0, 's'},
	        {"rounds", 1, 0, 'r'}, {"frames", 0, 0, 'f'},
	        {0, 0, 0, 0}};
	char *eal[] = {"esp-bench",   "--no-huge", "--no-shconf", "--no-pci",
	               "-l",          "0",         "-m",          "256",
	               "--log-level", "*:error",   NULL};
	enum vpn_crypto_kind kind = VPN_CRYPTO_IMB;
	const char *only = NULL, *only_dir = NULL, *only_size = NULL;
	struct profile prs[4];
	unsigned int nprs = 3;
	bool frames = false;
	struct vpn_crypto *eng;
	double hz;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			only = optarg;
			break;
		case 'w':
			windows = (unsigned int)atoi(optarg);
			break;
		case 'b':
			bursts = (unsigned int)atoi(optarg);
			break;
		case 'd':
			only_dir = optarg;
			break;
		case 's':
			only_size = optarg;
			break;
		case 'r':
			rounds = (unsigned int)atoi(optarg);
			break;
		case 'f':
			frames = true;
			break;
		case 'e':
			kind = strcmp(optarg, "openssl") == 0
			               ? VPN_CRYPTO_OPENSSL
			               : VPN_CRYPTO_IMB;
			break;
		default:
			fprintf(stderr,
			        "usage: esp-bench [--alg NAME] "
			        "[--dir enc|dec] [--size 64|imix|1420|N] "
			        "[--frames] [--windows N] [--bursts N] "
			        "[--rounds N] "
			        "[--engine imb|openssl]\n");
			return 2;
		}
	}
	memcpy(prs, profiles, sizeof(profiles));
	if (only_size != NULL && strcmp(only_size, "64") != 0 &&
	    strcmp(only_size, "imix") != 0 && strcmp(only_size, "1420") != 0) {
		char *end;
		unsigned long v = strtoul(only_size, &end, 10);

		if (*end != '\0' || v < 64 || v > 1518) {
			fprintf(stderr, "esp-bench: --size: 64|imix|1420 or "
			                "64 to 1518\n");
			return 2;
		}
		prs[nprs++] = (struct profile){
		        .name = only_size, .sizes = {(unsigned int)v}, .n = 1};
	}
	for (unsigned int s = 0; frames && s < nprs; s++)
		for (unsigned int j = 0; j < prs[s].n; j++)
			prs[s].sizes[j] -= 18; /* Ethernet header and FCS */
	if (windows == 0 || bursts == 0 || rounds == 0 ||
	    rte_eal_init(10, eal) < 0)
		return 2;
	pool = rte_pktmbuf_pool_create(
	        "bench", 255, 0, 0, RTE_PKTMBUF_HEADROOM + 2048, SOCKET_ID_ANY);
	eng = vpn_crypto_open(kind);
	if (pool == NULL || eng == NULL)
		return 2;
	hz = (double)rte_get_tsc_hz();
	printf("esp-bench: %s; TSC %.0f MHz; burst %d; best of %u windows x "
	       "%u bursts, %u round(s)\n",
	       vpn_crypto_name(eng), hz / 1e6, BURST, windows, bursts, rounds);
	printf("ratio: best window over best window; paired: median over "
	       "windows of lib/bare in the same window (lowest round)\n");
	printf("%-14s %-5s %-3s %12s %12s %6s %6s %9s %9s\n", "algorithm",
	       "size", "dir", "lib cyc/pkt", "bare cyc/pkt", "ratio", "paired",
	       "lib Mpps", "lib Gb/s");
	/* The cases, then rounds over all of them: these VMs have slow
	 * phases seconds long, and a case whose best window fell in one
	 * gets another chance a round later. */
	struct bench_case {
		struct alg a;
		const struct profile *pr;
		bool enc;
		struct result r;
	} cases[64];
	unsigned int ncases = 0;

	for (unsigned int i = 0; vpn_crypto_alg_at(i) != NULL; i++) {
		struct alg a = alg_of(vpn_crypto_alg_at(i));

		if (only && strcmp(only, a.name) != 0)
			continue;
		for (unsigned int s = 0; s < nprs; s++)
			for (int d = 0; d < 2; d++) {
				if ((only_dir &&
				     strcmp(only_dir,
				            d == 0 ? "enc" : "dec")) ||
				    (only_size &&
				     strcmp(only_size, prs[s].name)) ||
				    ncases == sizeof(cases) / sizeof(cases[0]))
					continue;
				cases[ncases++] = (struct bench_case){
				        .a = a, .pr = &prs[s], .enc = d == 0};
			}
	}
	for (unsigned int round = 0; round < rounds; round++)
		for (unsigned int ci = 0; ci < ncases; ci++) {
			struct bench_case *bc = &cases[ci];
			struct result r;

			run_case(eng, &bc->a, bc->pr, bc->enc, &r);
			if (round == 0 || r.lib < bc->r.lib)
				bc->r.lib = r.lib;
			if (round == 0 || r.bare < bc->r.bare)
				bc->r.bare = r.bare;
			if (round == 0 || r.paired < bc->r.paired)
				bc->r.paired = r.paired;
			bc->r.bytes = r.bytes;
			if (round + 1 < rounds)
				continue;
			double mpps = hz / bc->r.lib / 1e6;

			printf("%-14s %-5s %-3s %12.0f %12.0f %6.2f %6.2f "
			       "%9.2f %9.2f\n",
			       bc->a.name, bc->pr->name,
			       bc->enc ? "enc" : "dec", bc->r.lib, bc->r.bare,
			       bc->r.lib / bc->r.bare, bc->r.paired, mpps,
			       mpps * (double)bc->r.bytes / BURST * 8 / 1e3);
			fflush(stdout);
		}
	vpn_crypto_close(eng);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}
