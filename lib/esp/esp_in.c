/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inbound: outer IPv4 [UDP 4500] ESP -> inner IPv4/IPv6 packet
 * (RFC 4303 3.4, RFC 3948 4).
 *
 * Every length is untrusted: each one is checked against what the mbuf
 * holds before it is used, and a packet that lies fails with its own
 * counter. The passes over a burst:
 *   1. parse the outer headers, find the SA, check lengths, check the
 *      replay window (without the lock: it only saves crypto work);
 *   2. verify and decrypt, one engine call per run of packets of one SA
 *      (per eight packets for GCM), then check padding, next header and
 *      the inner header of each authenticated packet;
 *   3. per run, under the SA's replay lock: record each good packet's
 *      sequence number (a replay that raced through step 1 fails here).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_prefetch.h>

#include "esp_priv.h"
#include "esp_replay.h"

#define IP_MF          0x2000
#define IP_OFFMASK     0x1fff
#define NH_IPV4        4
#define NH_IPV6        41
#define NH_NONE        59 /* dummy packet, RFC 4303 2.6 */
#define NATT_KEEPALIVE 0xff

static inline uint16_t
get_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return rte_be_to_cpu_16(v);
}

static inline uint32_t
get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return rte_be_to_cpu_32(v);
}

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, 4);
}

/*
 * Outer IPv4 and UDP: the offset of the ESP header, or 0 with the reason.
 * Trims link-layer padding beyond the IPv4 total length.
 */
static unsigned int
parse_outer(struct rte_mbuf *m, uint8_t *why)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int len = rte_pktmbuf_data_len(m), ihl, tot, off;

	if (m->nb_segs != 1) {
		*why = VPN_ESP_CHAINED;
		return 0;
	}
	if (len < IPV4_HDR_LEN) {
		*why = VPN_ESP_TRUNCATED;
		return 0;
	}
	ihl = (p[0] & 0xf) * 4u;
	tot = get_be16(p + 2);
	/* Version 4, a header of 20-60 bytes, a total length that covers
	 * the header and that the frame holds. */
	if (p[0] >> 4 != 4 || ihl < IPV4_HDR_LEN || tot < ihl || tot > len ||
	    (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
	            RTE_MBUF_F_RX_IP_CKSUM_BAD) {
		*why = VPN_ESP_BAD_OUTER;
		return 0;
	}
	if (get_be16(p + 6) & (IP_MF | IP_OFFMASK)) {
		*why = VPN_ESP_OUTER_FRAGMENT;
		return 0;
	}
	if (tot < len)
		rte_pktmbuf_trim(m, (uint16_t)(len - tot));
	off = ihl;
	if (p[9] == 17) {
		unsigned int ulen, plen;

		if (tot < ihl + UDP_HDR_LEN) {
			*why = VPN_ESP_TRUNCATED;
			return 0;
		}
		if (get_be16(p + ihl + 2) != VPN_ESP_NATT_PORT) {
			*why = VPN_ESP_NOT_ESP;
			return 0;
		}
		ulen = get_be16(p + ihl + 4);
		if (ulen != tot - ihl) { /* UDP length must agree with IP's */
			*why = VPN_ESP_BAD_OUTER;
			return 0;
		}
		off += UDP_HDR_LEN;
		plen = tot - off;
		/* RFC 3948 2.2-2.3: a lone 0xff is a keepalive; four zero
		 * bytes (the non-ESP marker) start an IKE message. */
		if (plen == 1 && p[off] == NATT_KEEPALIVE) {
			*why = VPN_ESP_NATT_KEEPALIVE;
			return 0;
		}
		if (plen >= 4 && get_be32(p + off) == 0) {
			*why = VPN_ESP_NATT_IKE;
			return 0;
		}
	} else if (p[9] != 50) {
		*why = VPN_ESP_NOT_ESP;
		return 0;
	}
	if (tot < off + ESP_HDR_LEN) {
		*why = VPN_ESP_TRUNCATED;
		return 0;
	}
	*why = VPN_ESP_OK;
	return off;
}

/* Pass 1 for one packet with its SA known: lengths, replay, crypto op. */
static enum vpn_esp_reason
prepare(struct vpn_esp_worker *w, struct vpn_esp_sa *sa, struct rte_mbuf *m,
        unsigned int off, unsigned int i, unsigned int k)
{
	struct vpn_crypto_op *op = &w->ops[k];
	uint8_t *esp = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	unsigned int esp_len = rte_pktmbuf_data_len(m) - off;
	unsigned int fixed = ESP_HDR_LEN + sa->iv_len + sa->icv_len;
	unsigned int clen;
	enum vpn_esp_reason r;
	uint64_t seq;

	/* The ciphertext holds at least the 2-byte trailer and is whole
	 * blocks (CBC) or whole 4-byte words (GCM, RFC 4303 2.4). */
	if (esp_len < fixed + 2)
		return VPN_ESP_BAD_LENGTH;
	clen = esp_len - fixed;
	if (clen & (sa->align - 1u))
		return VPN_ESP_BAD_LENGTH;
	if (!esp_replay_infer(&sa->replay, sa->esn, get_be32(esp + 4), &seq))
		return VPN_ESP_TOO_OLD;
	r = esp_replay_check(&sa->replay, seq);
	if (r != VPN_ESP_OK)
		return r;
	w->seq[i] = seq;

	op->data = esp + ESP_HDR_LEN + sa->iv_len;
	op->len = clen;
	op->icv = op->data + clen;
	op->status = 0;
	if (sa->gcm) {
		memcpy(w->nonce[k], sa->salt, 4);
		memcpy(w->nonce[k] + 4, esp + ESP_HDR_LEN, 8);
		op->iv = w->nonce[k];
		if (sa->esn) {
			memcpy(w->aad[k], esp, 4);
			put_be32(w->aad[k] + 4, (uint32_t)(seq >> 32));
			memcpy(w->aad[k] + 8, esp + 4, 4);
			op->aad = w->aad[k];
			op->aad_len = 12;
		} else {
			op->aad = esp;
			op->aad_len = 8;
		}
		return VPN_ESP_OK;
	}
	op->iv = esp + ESP_HDR_LEN;
	op->auth = esp;
	op->auth_len = ESP_HDR_LEN + sa->iv_len + clen;
	if (sa->esn) {
		/* Hash seq hi after the payload, in the ICV's place; compare
		 * with the ICV saved first. */
		memcpy(w->icv[k], op->icv, sa->icv_len);
		put_be32(op->icv, (uint32_t)(seq >> 32));
		op->icv = w->icv[k];
		op->auth_len += 4;
	}
	return VPN_ESP_OK;
}

/* Pass 3 for one authenticated packet: trailer and inner header. Leaves
 * the mbuf holding just the inner packet. */
static enum vpn_esp_reason
finish(const struct vpn_esp_sa *sa, struct rte_mbuf *m, unsigned int off,
       const struct vpn_crypto_op *op, unsigned int *inner_len)
{
	const uint8_t *pt = op->data;
	unsigned int clen = op->len, pad = pt[clen - 2], nh = pt[clen - 1];
	unsigned int len, keep;

	/* After authentication: the padding is no secret to keep. It is
	 * 1, 2, 3, ... (RFC 4303 2.4), a few bytes: no library call. */
	if (pad + 2 > clen)
		return VPN_ESP_BAD_PADDING;
	for (unsigned int j = 0; j < pad; j++)
		if (pt[clen - 2 - pad + j] != j + 1u)
			return VPN_ESP_BAD_PADDING;
	if (nh == NH_NONE)
		return VPN_ESP_DUMMY;
	if (nh != NH_IPV4 && nh != NH_IPV6)
		return VPN_ESP_BAD_NEXT_HEADER;
	len = clen - 2 - pad;
	if (len == 0)
		return VPN_ESP_EMPTY;
	/* The inner header must agree with its next header and fit in the
	 * payload; what follows it is TFC padding (RFC 4303 2.7), cut. */
	if (nh == NH_IPV4) {
		if (len < IPV4_HDR_LEN || pt[0] >> 4 != 4 ||
		    (pt[0] & 0xf) * 4u < IPV4_HDR_LEN)
			return VPN_ESP_BAD_INNER;
		keep = get_be16(pt + 2);
		if (keep < (pt[0] & 0xf) * 4u || keep > len)
			return VPN_ESP_BAD_INNER;
		m->packet_type = RTE_PTYPE_L3_IPV4;
	} else {
		if (len < 40 || pt[0] >> 4 != 6)
			return VPN_ESP_BAD_INNER;
		keep = 40 + get_be16(pt + 4);
		if (keep > len)
			return VPN_ESP_BAD_INNER;
		m->packet_type = RTE_PTYPE_L3_IPV6;
	}
	/* One segment (parse_outer): cut the outer headers and the trailer
	 * in one go. */
	m->data_off += (uint16_t)(off + ESP_HDR_LEN + sa->iv_len);
	m->data_len = (uint16_t)keep;
	m->pkt_len = keep;
	*inner_len = keep;
	return VPN_ESP_OK;
}

/* GCM packets per engine call: their mbufs, headers and trailers are
 * still in L1 when they are checked, even with 1500-byte payloads. CBC and
 * HMAC go in one call: multi-buffer code wants all the lanes it can get. */
#define GCM_CHUNK 8

/* Steps 2 and 3 for ops[k0, k1) of one SA (packets idx[]); returns how
 * many succeeded. decrypted: step 2's engine call was made already. */
static unsigned int
run(struct vpn_esp_worker *w, struct vpn_esp_sa *sa, struct rte_mbuf **pkts,
    const uint8_t *idx, unsigned int k0, unsigned int k1, bool decrypted)
{
	struct vpn_esp_stats *st = &sa->stats[w->id].s;
	unsigned int good = 0;
	uint64_t bytes = 0;

	/* Verify and decrypt a chunk, then check what each packet carries
	 * while it is hot. */
	unsigned int chunk = sa->gcm ? GCM_CHUNK : VPN_ESP_MAX_BURST;

	for (unsigned int c = k0; c < k1; c += chunk) {
		unsigned int e = RTE_MIN(c + chunk, k1);

		if (!decrypted)
			vpn_crypto_decrypt(w->cw, sa->key, w->ops + c, e - c);
		for (unsigned int k = c; k < e; k++) {
			unsigned int i = idx[k];

			w->len[i] = 0;
			if (w->ops[k].status != 0)
				w->reason[i] = VPN_ESP_AUTH_FAILED;
			else
				w->reason[i] = finish(sa, pkts[i], w->off[i],
				                      &w->ops[k], &w->len[i]);
		}
	}
	/* Then record each authenticated number under the lock (a replay
	 * that raced through step 1 fails here): a few compares each. */
	rte_spinlock_lock(&sa->replay.lock);
	for (unsigned int k = k0; k < k1; k++) {
		unsigned int i = idx[k];
		uint8_t r;

		/* A dummy packet is recorded too: replayed, it must not
		 * pass for a sign of life. */
		if (w->reason[i] != VPN_ESP_OK && w->reason[i] != VPN_ESP_DUMMY)
			continue;
		r = esp_replay_update(&sa->replay, w->seq[i]);
		if (r != VPN_ESP_OK)
			w->reason[i] = r;
		if (w->reason[i] == VPN_ESP_OK) {
			good++;
			bytes += w->len[i];
		}
	}
	rte_spinlock_unlock(&sa->replay.lock);
	if (good != k1 - k0)
		for (unsigned int k = k0; k < k1; k++)
			if (w->reason[idx[k]] != VPN_ESP_OK)
				esp_count_drop(w, sa, w->reason[idx[k]]);
	st->packets += good;
	w->stats.packets += good;
	st->bytes += bytes;
	w->stats.bytes += bytes;
	if (sa->soft_bytes || sa->hard_bytes) {
		uint64_t before =
		        __atomic_fetch_add(&sa->bytes, bytes, __ATOMIC_RELAXED);

		if (sa->soft_bytes && before < sa->soft_bytes &&
		    before + bytes >= sa->soft_bytes)
			__atomic_fetch_or(&sa->events, VPN_ESP_EV_SOFT,
			                  __ATOMIC_RELEASE);
	}
	return good;
}

/* Where the CBC runs of one algorithm that start at ops[j] (the first SA's
 * run ends at k0) end: k0 when the next SA is not one of them. */
static unsigned int
cbc_runs(const struct vpn_esp_worker *w, const uint8_t *idx, unsigned int j,
         unsigned int k0, unsigned int k)
{
	const struct vpn_esp_sa *sa = w->sa[idx[j]];
	unsigned int e = k0;

	while (e < k && !w->sa[idx[e]]->gcm &&
	       vpn_crypto_key_same_alg(w->sa[idx[e]]->key, sa->key))
		e++;
	return e;
}

static uint16_t
inbound_burst(struct vpn_esp_worker *w, const struct vpn_esp_sad *sad,
              struct rte_mbuf **pkts, uint16_t n, uint8_t *why,
              struct vpn_esp_sa **sa_out)
{
	const struct vpn_crypto_key *keys[VPN_ESP_MAX_BURST];
	uint8_t idx[VPN_ESP_MAX_BURST];
	unsigned int k = 0, k0, good = 0;
	struct vpn_esp_sa *last = NULL;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct vpn_esp_sa *sa = NULL;

		if (i + 1 < n) /* its headers, while this one is parsed */
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		unsigned int off = parse_outer(m, &w->reason[i]);
		uint8_t r = w->reason[i];

		if (r == VPN_ESP_OK) {
			uint32_t spi = get_be32(rte_pktmbuf_mtod_offset(
			        m, const uint8_t *, off));

			/* A burst is mostly one SA's: try the last one. */
			if (last != NULL && last->spi == spi)
				sa = last;
			else
				sa = spi ? vpn_esp_sad_lookup(sad, spi) : NULL;
			last = sa;
			if (sa == NULL)
				r = VPN_ESP_UNKNOWN_SPI;
			else if (!sa->inbound)
				r = VPN_ESP_WRONG_DIRECTION;
			else if (sa->hard_bytes &&
			         __atomic_load_n(&sa->bytes,
			                         __ATOMIC_RELAXED) >=
			                 sa->hard_bytes)
				r = VPN_ESP_SA_EXPIRED;
			else
				r = prepare(w, sa, m, off, i, k);
		}
		w->sa[i] = sa;
		w->reason[i] = r;
		if (r != VPN_ESP_OK) {
			esp_count_drop(w, r == VPN_ESP_UNKNOWN_SPI ? NULL : sa,
			               r);
			continue;
		}
		w->off[i] = (uint16_t)off;
		idx[k++] = (uint8_t)i;
	}
	/* Runs of one SA: normally the whole burst. */
	for (unsigned int j = 0; j < k; j = k0) {
		struct vpn_esp_sa *sa = w->sa[idx[j]];

		for (k0 = j + 1; k0 < k && w->sa[idx[k0]] == sa; k0++)
			;
		unsigned int e = sa->gcm ? k0 : cbc_runs(w, idx, j, k0, k);

		if (e > k0) {
			/* Many SAs' CBC and HMAC: one engine call fills the
			 * lanes across them, then each run is checked. */
			unsigned int r1;

			for (unsigned int q = j; q < e; q++)
				keys[q] = w->sa[idx[q]]->key;
			vpn_crypto_decrypt_keys(w->cw, keys + j, w->ops + j,
			                        e - j);
			for (unsigned int r0 = j; r0 < e; r0 = r1) {
				for (r1 = r0 + 1;
				     r1 < e && w->sa[idx[r1]] == w->sa[idx[r0]];
				     r1++)
					;
				good += run(w, w->sa[idx[r0]], pkts, idx, r0,
				            r1, true);
			}
			k0 = e;
			continue;
		}
		good += run(w, sa, pkts, idx, j, k0, false);
	}
	if (good == n && sa_out == NULL)
		return n; /* all in order already */
	return esp_compact(pkts, w->reason, n, why, w->sa, sa_out);
}

uint16_t
vpn_esp_inbound(struct vpn_esp_worker *w, const struct vpn_esp_sad *sad,
                struct rte_mbuf **pkts, uint16_t n, uint8_t *why,
                struct vpn_esp_sa **sa_out)
{
	uint16_t done = 0, ok = 0;

	while (done < n) {
		uint16_t m = n - done > VPN_ESP_MAX_BURST ? VPN_ESP_MAX_BURST
		                                          : n - done;
		uint16_t got = inbound_burst(w, sad, pkts + done, m,
		                             why ? why + done : NULL,
		                             sa_out ? sa_out + done : NULL);

		ok = esp_merge(pkts, why, sa_out, ok, done, got);
		done += m;
	}
	return ok;
}
