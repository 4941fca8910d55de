/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The intel-ipsec-mb engine, with the fastest 1.3 API per algorithm as
 * measured on our machines (../shared/notes/intel-ipsec-mb-1.3.md):
 *
 *  - AES-GCM: the direct synchronous calls IMB_AES{128,256}_GCM_{ENC,DEC},
 *    one per packet, on key data precomputed by a manager of the same
 *    architecture as the workers' (the layout is arch-specific).
 *  - AES-CBC + HMAC-SHA: the burst calls IMB_SUBMIT_CIPHER_BURST and
 *    IMB_SUBMIT_HASH_BURST on our own job array; every job is complete on
 *    return, so nothing is held across bursts. Inbound hashes first and
 *    decrypts only what verified.
 *
 * Each worker owns its managers (they are not thread-safe): one picked by
 * init_mb_mgr_auto for AES and the hashes, and an SSE one for HMAC-SHA-1/256
 * when the best is not AVX-512: the SSE code uses SHA-NI, faster than the
 * AVX2 multi-buffer code but slower than AVX-512's 16 lanes
 * (vpn_imb_hash_on_sse; SHA-NI has no SHA-512). IMB never checks tags:
 * ICVs are computed into scratch and compared in constant time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>

#include "crypto_priv.h"
#include "vpn_crypto_imb.h"

struct imb_priv {
	IMB_MGR *mgr; /* same arch as the workers': for key setup */
	IMB_MGR *sse; /* for HMAC key setup */
};

struct imb_worker {
	IMB_MGR *mgr;
	IMB_MGR *hmgr;
	/* Cache-line aligned, as the vector code likes its state. */
	struct gcm_context_data ctx __attribute__((aligned(64)));
	IMB_JOB jobs[VPN_CRYPTO_MAX_BURST];
	uint8_t tag[VPN_CRYPTO_MAX_BURST][64] __attribute__((aligned(64)));
};

struct imb_key {
	struct vpn_crypto_key head;
	IMB_HASH_ALG hash;
	bool sha_ni; /* hash on the SSE manager, always */
	bool sse_ok; /* SHA-1/256: the SSE manager has SHA-NI for it */
	IMB_KEY_SIZE_BYTES ksize;
	struct gcm_key_data gcm __attribute__((aligned(64)));
	uint32_t enc[60] __attribute__((aligned(16)));
	uint32_t dec[60] __attribute__((aligned(16)));
	uint32_t ivk[60] __attribute__((aligned(16)));
	uint8_t ipad[64] __attribute__((aligned(16)));
	uint8_t opad[64] __attribute__((aligned(16)));
};

static const uint8_t zero16[16];

IMB_MGR *
vpn_imb_mgr_new(bool sse)
{
	const char *arch = getenv("VPNGW_IMB_ARCH");
	IMB_MGR *m = alloc_mb_mgr(0);

	if (m == NULL)
		return NULL;
	if (sse || (arch && strcmp(arch, "sse") == 0))
		init_mb_mgr_sse(m);
	else if (arch && strcmp(arch, "avx") == 0)
		init_mb_mgr_avx(m);
	else if (arch && strcmp(arch, "avx2") == 0)
		init_mb_mgr_avx2(m);
	else if (arch && strcmp(arch, "avx512") == 0)
		init_mb_mgr_avx512(m);
	else
		init_mb_mgr_auto(m, NULL);
	if (imb_get_errno(m) != 0) {
		free_mb_mgr(m);
		return NULL;
	}
	return m;
}

/* SHA-NI has SHA-1 and SHA-256, not SHA-512 (nor 384). */
static bool
sha_ni_has(enum vpn_crypto_auth auth)
{
	return auth == VPN_AUTH_HMAC_SHA1_96 ||
	       auth == VPN_AUTH_HMAC_SHA256_128;
}

bool
vpn_imb_hash_on_sse(const IMB_MGR *best, enum vpn_crypto_auth auth)
{
	return sha_ni_has(auth) && best->used_arch != IMB_ARCH_AVX512;
}

static const char *
arch_name(const IMB_MGR *m)
{
	switch (m->used_arch) {
	case IMB_ARCH_SSE:
		return "sse";
	case IMB_ARCH_AVX:
		return "avx";
	case IMB_ARCH_AVX2:
		return "avx2";
	case IMB_ARCH_AVX512:
		return "avx512";
	default:
		return "?";
	}
}

/* The pair of managers the engine and each worker hold: the best for the
 * CPU, and an SSE one (SHA-NI). 0, or -ENOMEM with neither made. */
static int
mgr_pair(IMB_MGR **best, IMB_MGR **sse)
{
	*best = vpn_imb_mgr_new(false);
	*sse = vpn_imb_mgr_new(true);
	if (*best != NULL && *sse != NULL)
		return 0;
	if (*best != NULL)
		free_mb_mgr(*best);
	if (*sse != NULL)
		free_mb_mgr(*sse);
	return -ENOMEM;
}

static int
imb_open(struct vpn_crypto *c)
{
	struct imb_priv *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return -ENOMEM;
	if (mgr_pair(&p->mgr, &p->sse) != 0) {
		free(p);
		return -ENOTSUP;
	}
	c->priv = p;
	snprintf(c->name, sizeof(c->name), "intel-ipsec-mb %s (%s, hmac %s)",
	         IMB_VERSION_STR, arch_name(p->mgr),
	         vpn_imb_hash_on_sse(p->mgr, VPN_AUTH_HMAC_SHA1_96)
	                 ? "sse"
	                 : arch_name(p->mgr));
	return 0;
}

static void
imb_close(struct vpn_crypto *c)
{
	struct imb_priv *p = c->priv;

	free_mb_mgr(p->mgr);
	free_mb_mgr(p->sse);
	free(p);
}

static int
imb_worker_init(struct vpn_crypto *c, struct vpn_crypto_worker *w)
{
	struct imb_worker *iw = alloc64(sizeof(*iw));

	(void)c;
	if (iw == NULL)
		return -ENOMEM;
	memset(iw, 0, sizeof(*iw));
	if (mgr_pair(&iw->mgr, &iw->hmgr) != 0) {
		free(iw);
		return -ENOMEM;
	}
	w->priv = iw;
	return 0;
}

static void
imb_worker_fini(struct vpn_crypto_worker *w)
{
	struct imb_worker *iw = w->priv;

	free_mb_mgr(iw->mgr);
	free_mb_mgr(iw->hmgr);
	explicit_bzero(iw, sizeof(*iw));
	free(iw);
}

/* HMAC: the hashed ipad and opad blocks (RFC 2104), as IMB's jobs want. */
static void
hmac_precompute(IMB_MGR *m, struct imb_key *k, const uint8_t *key,
                unsigned int len)
{
	unsigned int bs = crypto_hmac_block(k->head.auth);
	uint8_t ipad[128], opad[128];

	memset(ipad, 0x36, bs);
	memset(opad, 0x5c, bs);
	for (unsigned int i = 0; i < len; i++) {
		ipad[i] ^= key[i];
		opad[i] ^= key[i];
	}
	switch (k->head.auth) {
	case VPN_AUTH_HMAC_SHA1_96:
		IMB_SHA1_ONE_BLOCK(m, ipad, k->ipad);
		IMB_SHA1_ONE_BLOCK(m, opad, k->opad);
		k->hash = IMB_AUTH_HMAC_SHA_1;
		break;
	case VPN_AUTH_HMAC_SHA256_128:
		IMB_SHA256_ONE_BLOCK(m, ipad, k->ipad);
		IMB_SHA256_ONE_BLOCK(m, opad, k->opad);
		k->hash = IMB_AUTH_HMAC_SHA_256;
		break;
	case VPN_AUTH_HMAC_SHA384_192:
		IMB_SHA384_ONE_BLOCK(m, ipad, k->ipad);
		IMB_SHA384_ONE_BLOCK(m, opad, k->opad);
		k->hash = IMB_AUTH_HMAC_SHA_384;
		break;
	default:
		IMB_SHA512_ONE_BLOCK(m, ipad, k->ipad);
		IMB_SHA512_ONE_BLOCK(m, opad, k->opad);
		k->hash = IMB_AUTH_HMAC_SHA_512;
		break;
	}
	explicit_bzero(ipad, sizeof(ipad));
	explicit_bzero(opad, sizeof(opad));
}

static struct vpn_crypto_key *
imb_key_new(struct vpn_crypto *c, const struct vpn_crypto_key_params *p)
{
	struct imb_priv *pr = c->priv;
	struct imb_key *k = vpn_crypto_mem_alloc(c, sizeof(*k));
	uint32_t unused[60] __attribute__((aligned(16)));

	if (k == NULL)
		return NULL;
	crypto_key_check(p, &k->head);
	k->head.e = &crypto_imb_engine;
	k->head.size = sizeof(*k);
	k->ksize =
	        p->cipher_key_len == 16 ? IMB_KEY_128_BYTES : IMB_KEY_256_BYTES;
	if (p->cipher == VPN_CIPHER_AES_GCM) {
		if (p->cipher_key_len == 16)
			IMB_AES128_GCM_PRE(pr->mgr, p->cipher_key, &k->gcm);
		else
			IMB_AES256_GCM_PRE(pr->mgr, p->cipher_key, &k->gcm);
		return &k->head;
	}
	if (p->cipher_key_len == 16)
		IMB_AES_KEYEXP_128(pr->mgr, p->cipher_key, k->enc, k->dec);
	else
		IMB_AES_KEYEXP_256(pr->mgr, p->cipher_key, k->enc, k->dec);
	IMB_AES_KEYEXP_128(pr->mgr, p->iv_key, k->ivk, unused);
	explicit_bzero(unused, sizeof(unused));
	hmac_precompute(pr->sse, k, p->auth_key, p->auth_key_len);
	k->sse_ok = sha_ni_has(p->auth);
	k->sha_ni = vpn_imb_hash_on_sse(pr->mgr, p->auth);
	return &k->head;
}

/* ---- AES-GCM ------------------------------------------------------------ */

/* What the GCM code reads of key k for len bytes, loaded while the op
 * before it runs (a burst over many SAs: each key its own; 1000 of them
 * do not stay in the cache): the round keys, and the GHASH key powers
 * it multiplies by. The AVX-512 (VAES) code keeps H^48 .. H^1 in that
 * order, H^1 last, and uses H^n .. H^1 for the last n blocks; the SSE and
 * AVX2 code keeps H^1 .. H^8 first. */
static inline void
gcm_key_prefetch(const struct imb_key *k, unsigned int len)
{
	const char *rk = (const char *)k->gcm.expanded_keys;
	/* The powers start 240 bytes in (after 15 round keys): not on a
	 * line of their own; their last line ends past gl whole ones. */
	const uintptr_t g0 = (uintptr_t)&k->gcm.ghash_keys;
	const char *gh = (const char *)(g0 & ~(uintptr_t)63);
	const unsigned int gl = (unsigned int)((g0 + sizeof(k->gcm.ghash_keys) +
	                                        63 - (uintptr_t)gh) /
	                                       64);
	unsigned int n = (len / 16 + 2 + 3) / 4 + 1; /* blocks (+ AAD, tag) */

	__builtin_prefetch(rk, 0, 3);
	__builtin_prefetch(rk + 64, 0, 3);
	__builtin_prefetch(rk + 128, 0, 3);
	if (k->head.key_len == 32)
		__builtin_prefetch(rk + 192, 0, 3);
	__builtin_prefetch(gh, 0, 3);
	__builtin_prefetch(gh + 64, 0, 3);
	for (unsigned int l = gl - (n < gl ? n : gl); l < gl; l++)
		__builtin_prefetch(gh + 64 * l, 0, 3);
}

static void
gcm_encrypt(struct imb_worker *w, const struct imb_key *k,
            struct vpn_crypto_op *ops, unsigned int n)
{
	if (k->head.key_len == 16)
		for (unsigned int i = 0; i < n; i++)
			IMB_AES128_GCM_ENC(w->mgr, &k->gcm, &w->ctx,
			                   ops[i].data, ops[i].data, ops[i].len,
			                   ops[i].iv, ops[i].aad,
			                   ops[i].aad_len, ops[i].icv, 16);
	else
		for (unsigned int i = 0; i < n; i++)
			IMB_AES256_GCM_ENC(w->mgr, &k->gcm, &w->ctx,
			                   ops[i].data, ops[i].data, ops[i].len,
			                   ops[i].iv, ops[i].aad,
			                   ops[i].aad_len, ops[i].icv, 16);
}

static unsigned int
gcm_decrypt(struct imb_worker *w, const struct imb_key *k,
            struct vpn_crypto_op *ops, unsigned int n)
{
	unsigned int bad = 0;

	/* Tags into scratch first (one loop per key size), then compared. */
	if (k->head.key_len == 16)
		for (unsigned int i = 0; i < n; i++)
			IMB_AES128_GCM_DEC(w->mgr, &k->gcm, &w->ctx,
			                   ops[i].data, ops[i].data, ops[i].len,
			                   ops[i].iv, ops[i].aad,
			                   ops[i].aad_len, w->tag[i], 16);
	else
		for (unsigned int i = 0; i < n; i++)
			IMB_AES256_GCM_DEC(w->mgr, &k->gcm, &w->ctx,
			                   ops[i].data, ops[i].data, ops[i].len,
			                   ops[i].iv, ops[i].aad,
			                   ops[i].aad_len, w->tag[i], 16);
	for (unsigned int i = 0; i < n; i++) {
		ops[i].status = crypto_ct_differ(w->tag[i], ops[i].icv, 16)
		                        ? VPN_CRYPTO_EAUTH
		                        : 0;
		bad += ops[i].status != 0;
	}
	return bad;
}

/* ---- AES-CBC + HMAC-SHA -------------------------------------------------- */

/* Cipher jobs into jobs[0..n) for ops[idx[0..n)], or ops[0..n) when idx
 * is NULL; job i's key is ks[i]. */
static void
cbc_jobs(const struct imb_key *const *ks, struct vpn_crypto_op *opv,
         const uint8_t *idx, unsigned int n, IMB_JOB *jobs)
{
	for (unsigned int i = 0; i < n; i++) {
		IMB_JOB *j = &jobs[i];
		const struct vpn_crypto_op *op = &opv[idx ? idx[i] : i];

		j->enc_keys = ks[i]->enc;
		j->dec_keys = ks[i]->dec;
		j->key_len_in_bytes = ks[i]->head.key_len;
		j->src = op->data;
		j->dst = op->data;
		j->cipher_start_src_offset_in_bytes = 0;
		j->msg_len_to_cipher_in_bytes = op->len;
		j->iv = op->iv;
		j->iv_len_in_bytes = 16;
	}
}

static void
hash_jobs(const struct imb_key *const *ks, struct vpn_crypto_op *ops,
          unsigned int n, IMB_JOB *jobs, uint8_t (*out)[64])
{
	for (unsigned int i = 0; i < n; i++) {
		IMB_JOB *j = &jobs[i];

		j->src = ops[i].auth;
		j->hash_start_src_offset_in_bytes = 0;
		j->msg_len_to_hash_in_bytes = ops[i].auth_len;
		j->auth_tag_output = out ? out[i] : ops[i].icv;
		j->auth_tag_output_len_in_bytes = ks[i]->head.icv_len;
		j->u.HMAC._hashed_auth_key_xor_ipad = ks[i]->ipad;
		j->u.HMAC._hashed_auth_key_xor_opad = ks[i]->opad;
		j->hash_alg = ks[i]->hash;
	}
}

/* The manager for n HMAC jobs of k's kind: AVX-512's 16 lanes want company;
 * a few jobs go faster one at a time on SHA-NI. */
#define LANES_WORTH 8

static IMB_MGR *
hash_mgr(const struct imb_worker *w, const struct imb_key *k, unsigned int n)
{
	return k->sha_ni || (k->sse_ok && n < LANES_WORTH) ? w->hmgr : w->mgr;
}

/* One key for n jobs. */
static const struct imb_key *const *
one_key(const struct imb_key *k, const struct imb_key **ks, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		ks[i] = k;
	return ks;
}

static void
cbc_encrypt(struct imb_worker *w, const struct imb_key *const *ks,
            struct vpn_crypto_op *ops, unsigned int n)
{
	/* IV = AES(iv_key, seed): CFB of one zero block. */
	for (unsigned int i = 0; i < n; i++)
		IMB_AES128_CFB_ONE(w->mgr, ops[i].iv, zero16, ops[i].iv_seed,
		                   ks[i]->ivk, 16);
	cbc_jobs(ks, ops, NULL, n, w->jobs);
	IMB_SUBMIT_CIPHER_BURST_NOCHECK(w->mgr, w->jobs, n, IMB_CIPHER_CBC,
	                                IMB_DIR_ENCRYPT, ks[0]->ksize);
	hash_jobs(ks, ops, n, w->jobs, NULL);
	IMB_SUBMIT_HASH_BURST_NOCHECK(hash_mgr(w, ks[0], n), w->jobs, n,
	                              ks[0]->hash);
}

static unsigned int
cbc_decrypt(struct imb_worker *w, const struct imb_key *const *ks,
            struct vpn_crypto_op *ops, unsigned int n)
{
	const struct imb_key *k = ks[0], *gk[VPN_CRYPTO_MAX_BURST];
	uint8_t good[VPN_CRYPTO_MAX_BURST];
	unsigned int ngood = 0, bad = 0;

	/* Verify first; decrypt only what verified. */
	hash_jobs(ks, ops, n, w->jobs, w->tag);
	IMB_SUBMIT_HASH_BURST_NOCHECK(hash_mgr(w, k, n), w->jobs, n, k->hash);
	for (unsigned int i = 0; i < n; i++) {
		ops[i].status = crypto_ct_differ(w->tag[i], ops[i].icv,
		                                 ks[i]->head.icv_len)
		                        ? VPN_CRYPTO_EAUTH
		                        : 0;
		if (ops[i].status != 0) {
			bad++;
			continue;
		}
		gk[ngood] = ks[i];
		good[ngood++] = (uint8_t)i;
	}
	if (ngood == 0)
		return bad;
	cbc_jobs(gk, ops, good, ngood, w->jobs);
	IMB_SUBMIT_CIPHER_BURST_NOCHECK(w->mgr, w->jobs, ngood, IMB_CIPHER_CBC,
	                                IMB_DIR_DECRYPT, k->ksize);
	return bad;
}

static void
imb_encrypt(struct vpn_crypto_worker *cw, const struct vpn_crypto_key *ck,
            struct vpn_crypto_op *ops, unsigned int n)
{
	const struct imb_key *k = (const struct imb_key *)ck;
	const struct imb_key *kv[VPN_CRYPTO_MAX_BURST];

	if (k->head.cipher == VPN_CIPHER_AES_GCM)
		gcm_encrypt(cw->priv, k, ops, n);
	else
		cbc_encrypt(cw->priv, one_key(k, kv, n), ops, n);
}

/* Many keys of one algorithm: GCM goes op by op anyway (the direct
 * calls); CBC and HMAC fill their lanes across keys. */
static void
imb_encrypt_keys(struct vpn_crypto_worker *cw,
                 const struct vpn_crypto_key *const *keys,
                 struct vpn_crypto_op *ops, unsigned int n)
{
	const struct imb_key *ks[VPN_CRYPTO_MAX_BURST];

	if (n == 0)
		return;
	if (keys[0]->cipher == VPN_CIPHER_AES_GCM) {
		for (unsigned int i = 0; i < n; i++) {
			if (i + 1 < n && keys[i + 1] != keys[i])
				gcm_key_prefetch(
				        (const struct imb_key *)keys[i + 1],
				        ops[i + 1].len);
			gcm_encrypt(cw->priv, (const struct imb_key *)keys[i],
			            &ops[i], 1);
		}
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		ks[i] = (const struct imb_key *)keys[i];
	cbc_encrypt(cw->priv, ks, ops, n);
}

static unsigned int
imb_decrypt(struct vpn_crypto_worker *cw, const struct vpn_crypto_key *ck,
            struct vpn_crypto_op *ops, unsigned int n)
{
	const struct imb_key *k = (const struct imb_key *)ck;
	const struct imb_key *kv[VPN_CRYPTO_MAX_BURST];

	if (k->head.cipher == VPN_CIPHER_AES_GCM)
		return gcm_decrypt(cw->priv, k, ops, n);
	return cbc_decrypt(cw->priv, one_key(k, kv, n), ops, n);
}

static unsigned int
imb_decrypt_keys(struct vpn_crypto_worker *cw,
                 const struct vpn_crypto_key *const *keys,
                 struct vpn_crypto_op *ops, unsigned int n)
{
	const struct imb_key *ks[VPN_CRYPTO_MAX_BURST];
	unsigned int bad = 0;

	if (n == 0)
		return 0;
	if (keys[0]->cipher == VPN_CIPHER_AES_GCM) {
		for (unsigned int i = 0; i < n; i++) {
			if (i + 1 < n && keys[i + 1] != keys[i])
				gcm_key_prefetch(
				        (const struct imb_key *)keys[i + 1],
				        ops[i + 1].len);
			bad += gcm_decrypt(cw->priv,
			                   (const struct imb_key *)keys[i],
			                   &ops[i], 1);
		}
		return bad;
	}
	for (unsigned int i = 0; i < n; i++)
		ks[i] = (const struct imb_key *)keys[i];
	return cbc_decrypt(cw->priv, ks, ops, n);
}

const struct crypto_engine crypto_imb_engine = {
        .name = "intel-ipsec-mb",
        .open = imb_open,
        .close = imb_close,
        .worker_init = imb_worker_init,
        .worker_fini = imb_worker_fini,
        .key_new = imb_key_new,
        .encrypt = imb_encrypt,
        .decrypt = imb_decrypt,
        .encrypt_keys = imb_encrypt_keys,
        .decrypt_keys = imb_decrypt_keys,
};
