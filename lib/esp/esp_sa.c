/* SPDX-License-Identifier: BSD-3-Clause */
/* SAs, workers, counters: the control side of the ESP library. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "esp_priv.h"

static const char *const reason_names[] = {
#define _(n, d) #n,
        VPN_ESP_REASONS(_)
#undef _
};
static const char *const reason_texts[] = {
#define _(n, d) d,
        VPN_ESP_REASONS(_)
#undef _
};

const char *
vpn_esp_reason_name(enum vpn_esp_reason r)
{
	return r < VPN_ESP_REASON_MAX ? reason_names[r] : "?";
}

const char *
vpn_esp_reason_text(enum vpn_esp_reason r)
{
	return r < VPN_ESP_REASON_MAX ? reason_texts[r] : "?";
}

static int
check_params(const struct vpn_esp_sa_params *p)
{
	/* SPIs 1-255 are reserved by IANA; 0 is never sent (RFC 4303). */
	if (p->spi < 256)
		return -EINVAL;
	if (vpn_crypto_icv_len(p->cipher, p->auth) == 0)
		return -EINVAL;
	if (p->cipher_key_len != 16 && p->cipher_key_len != 32)
		return -EINVAL;
	if (p->replay_window > VPN_ESP_MAX_WINDOW)
		return -EINVAL;
	if (!p->esn && p->seq > UINT32_MAX)
		return -EINVAL;
	return 0;
}

static void
build_template(struct vpn_esp_sa *sa, const struct vpn_esp_sa_params *p)
{
	uint8_t *h = sa->tmpl;
	uint32_t src = htonl(p->tun_src), dst = htonl(p->tun_dst);
	uint16_t sport = htons(p->udp_sport ? p->udp_sport : VPN_ESP_NATT_PORT);
	uint16_t dport = htons(p->udp_dport ? p->udp_dport : VPN_ESP_NATT_PORT);

	memset(h, 0, sizeof(sa->tmpl));
	h[0] = 0x45;                   /* IPv4, 20-byte header */
	h[8] = p->ttl ? p->ttl : 64;   /* TTL */
	h[9] = p->udp_encap ? 17 : 50; /* UDP or ESP */
	memcpy(h + 12, &src, 4);
	memcpy(h + 16, &dst, 4);
	if (p->udp_encap) {
		memcpy(h + 20, &sport, 2);
		memcpy(h + 22, &dport, 2);
	}
	/* What every packet's header checksum starts from. */
	sa->tmpl_sum = 0;
	for (int i = 0; i < IPV4_HDR_LEN; i += 2)
		sa->tmpl_sum += (uint32_t)(h[i] << 8 | h[i + 1]);
}

struct vpn_esp_sa *
vpn_esp_sa_new(struct vpn_crypto *c, const struct vpn_esp_sa_params *p)
{
	struct vpn_crypto_key_params kp = {
	        .cipher = p->cipher,
	        .cipher_key = p->cipher_key,
	        .cipher_key_len = p->cipher_key_len,
	        .auth = p->auth,
	        .auth_key = p->auth_key,
	        .auth_key_len = p->auth_key_len,
	};
	uint8_t iv_key[16];
	struct vpn_esp_sa *sa;

	if (check_params(p) != 0) {
		errno = EINVAL;
		return NULL;
	}
	/* CBC IVs must be unpredictable (RFC 3602): each SA encrypts its
	 * sequence numbers under a random key of its own. */
	if (p->cipher == VPN_CIPHER_AES_CBC) {
		if (p->iv_key_set)
			memcpy(iv_key, p->iv_key, sizeof(iv_key));
		else if (RAND_bytes(iv_key, sizeof(iv_key)) != 1) {
			errno = EIO;
			return NULL;
		}
		kp.iv_key = iv_key;
	}
	sa = vpn_crypto_mem_alloc(c, sizeof(*sa));
	if (sa == NULL)
		return NULL;
	sa->c = c;
	sa->ckey = vpn_crypto_key_new(c, &kp);
	explicit_bzero(iv_key, sizeof(iv_key));
	if (sa->ckey == NULL) {
		vpn_crypto_mem_free(c, sa);
		return NULL;
	}
	sa->key = sa->ckey;
	sa->spi = p->spi;
	sa->spi_be = htonl(p->spi);
	sa->inbound = p->inbound;
	sa->esn = p->esn;
	sa->udp = p->udp_encap;
	sa->gcm = p->cipher == VPN_CIPHER_AES_GCM;
	sa->iv_len = sa->gcm ? 8 : 16;
	sa->icv_len = (uint8_t)vpn_crypto_icv_len(p->cipher, p->auth);
	sa->align = sa->gcm ? 4 : 16;
	sa->hdr_len = IPV4_HDR_LEN + (p->udp_encap ? UDP_HDR_LEN : 0);
	memcpy(sa->salt, p->salt, 4);
	sa->window = p->replay_window;
	build_template(sa, p);
	sa->soft_packets = p->soft_packets;
	sa->hard_packets = p->hard_packets;
	sa->soft_bytes = p->soft_bytes;
	sa->hard_bytes = p->hard_bytes;
	sa->seq_max = p->esn ? UINT64_MAX : UINT32_MAX;
	sa->tag = p->tag;
	sa->seq = p->seq;
	esp_replay_init(&sa->replay, p->replay_window);
	if (p->inbound)
		sa->replay.top = p->seq;
	sa->params = *p;
	explicit_bzero(sa->params.cipher_key, sizeof(sa->params.cipher_key));
	explicit_bzero(sa->params.auth_key, sizeof(sa->params.auth_key));
	explicit_bzero(sa->params.salt, sizeof(sa->params.salt));
	explicit_bzero(sa->params.iv_key, sizeof(sa->params.iv_key));
	return sa;
}

void
vpn_esp_sa_free(struct vpn_esp_sa *sa)
{
	const struct vpn_crypto *c;

	if (sa == NULL)
		return;
	c = sa->c;
	vpn_crypto_key_free(sa->ckey);
	explicit_bzero(sa, sizeof(*sa));
	vpn_crypto_mem_free(c, sa);
}

uint32_t
vpn_esp_sa_spi(const struct vpn_esp_sa *sa)
{
	return sa->spi;
}

void
vpn_esp_sa_prefetch(const struct vpn_esp_sa *sa, const struct vpn_esp_worker *w)
{
	__builtin_prefetch(sa, 0, 3);
	esp_prefetch_write(&sa->seq);
	esp_prefetch_write(&sa->stats[w->id]);
}

uint32_t
vpn_esp_sa_tag(const struct vpn_esp_sa *sa)
{
	return sa->tag;
}

/* One more than the highest worker id a context was made for: counter
 * slots past it were never written. Reading an SA's counters walked all
 * VPN_ESP_MAX_WORKERS slots (2 KiB), which the control core does for
 * every SA several times a second. */
static unsigned int workers_seen;

void
vpn_esp_sa_stats(const struct vpn_esp_sa *sa, struct vpn_esp_stats *s)
{
	unsigned int n = __atomic_load_n(&workers_seen, __ATOMIC_ACQUIRE);

	memset(s, 0, sizeof(*s));
	for (unsigned int w = 0; w < n; w++) {
		const struct vpn_esp_stats *x = &sa->stats[w].s;

		s->packets += x->packets;
		s->bytes += x->bytes;
		for (int r = 0; r < VPN_ESP_REASON_MAX; r++)
			s->drops[r] += x->drops[r];
	}
}

uint32_t
vpn_esp_sa_events(struct vpn_esp_sa *sa)
{
	/* Read first: the control core asks of every SA a hundred times
	 * a second, and an exchange would take the line from the worker
	 * each time. */
	if (__atomic_load_n(&sa->events, __ATOMIC_RELAXED) == 0)
		return 0;
	return __atomic_exchange_n(&sa->events, 0, __ATOMIC_ACQ_REL);
}

uint64_t
vpn_esp_sa_seq(const struct vpn_esp_sa *sa)
{
	if (sa->inbound)
		return __atomic_load_n(&sa->replay.top, __ATOMIC_RELAXED);
	return __atomic_load_n(&sa->seq, __ATOMIC_RELAXED);
}

const struct vpn_esp_sa_params *
vpn_esp_sa_params(const struct vpn_esp_sa *sa)
{
	return &sa->params;
}

uint64_t
vpn_esp_sa_bytes(const struct vpn_esp_sa *sa)
{
	return __atomic_load_n(&sa->bytes, __ATOMIC_RELAXED);
}

unsigned int
vpn_esp_sa_overhead(const struct vpn_esp_sa *sa, unsigned int len)
{
	unsigned int padded = (len + 2 + sa->align - 1) / sa->align * sa->align;

	return sa->hdr_len + ESP_HDR_LEN + sa->iv_len + (padded - len) +
	       sa->icv_len;
}

void
vpn_esp_sa_replay_reset(struct vpn_esp_sa *sa)
{
	rte_spinlock_lock(&sa->replay.lock);
	sa->replay.top = 0;
	memset(sa->replay.bits, 0, sizeof(sa->replay.bits));
	rte_spinlock_unlock(&sa->replay.lock);
}

struct vpn_esp_worker *
vpn_esp_worker_new(struct vpn_crypto *c, unsigned int id)
{
	struct vpn_esp_worker *w;

	if (id >= VPN_ESP_MAX_WORKERS) {
		errno = EINVAL;
		return NULL;
	}
	w = alloc64(sizeof(*w));
	if (w == NULL)
		return NULL;
	memset(w, 0, sizeof(*w));
	w->id = id;
	for (unsigned int seen =
	             __atomic_load_n(&workers_seen, __ATOMIC_RELAXED);
	     seen <= id &&
	     !__atomic_compare_exchange_n(&workers_seen, &seen, id + 1, false,
	                                  __ATOMIC_RELEASE, __ATOMIC_RELAXED);)
		;
	w->cw = vpn_crypto_worker_new(c);
	if (w->cw == NULL) {
		free(w);
		return NULL;
	}
	return w;
}

void
vpn_esp_worker_free(struct vpn_esp_worker *w)
{
	if (w == NULL)
		return;
	vpn_crypto_worker_free(w->cw);
	free(w);
}

void
vpn_esp_worker_stats(const struct vpn_esp_worker *w, struct vpn_esp_stats *s)
{
	*s = w->stats;
}

uint16_t
esp_compact(struct rte_mbuf **pkts, const uint8_t *reason, uint16_t n,
            uint8_t *why, struct vpn_esp_sa **sa_in, struct vpn_esp_sa **sa_out)
{
	struct rte_mbuf *bad[VPN_ESP_MAX_BURST];
	uint8_t badwhy[VPN_ESP_MAX_BURST];
	uint16_t ok = 0, nbad = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (reason[i] == VPN_ESP_OK) {
			if (sa_out != NULL)
				sa_out[ok] = sa_in[i];
			pkts[ok++] = pkts[i];
		} else {
			badwhy[nbad] = reason[i];
			bad[nbad++] = pkts[i];
		}
	}
	for (uint16_t i = 0; i < nbad; i++) {
		pkts[ok + i] = bad[i];
		if (why != NULL)
			why[ok + i] = badwhy[i];
	}
	return ok;
}

/* Reverse [a, b) of the arrays that are given. */
static void
reverse(struct rte_mbuf **pkts, uint8_t *why, struct vpn_esp_sa **sas,
        uint16_t a, uint16_t b)
{
	while (a + 1 < b) {
		struct rte_mbuf *m = pkts[a];

		b--;
		pkts[a] = pkts[b];
		pkts[b] = m;
		if (why) {
			uint8_t t = why[a];

			why[a] = why[b];
			why[b] = t;
		}
		if (sas) {
			struct vpn_esp_sa *t = sas[a];

			sas[a] = sas[b];
			sas[b] = t;
		}
		a++;
	}
}

uint16_t
esp_merge(struct rte_mbuf **pkts, uint8_t *why, struct vpn_esp_sa **sa_out,
          uint16_t ok, uint16_t done, uint16_t got)
{
	/* Rotate [ok, done + got) left by done - ok: three reversals. */
	if (done > ok && got > 0) {
		reverse(pkts, why, sa_out, ok, done);
		reverse(pkts, why, sa_out, done, done + got);
		reverse(pkts, why, sa_out, ok, done + got);
	}
	return ok + got;
}
