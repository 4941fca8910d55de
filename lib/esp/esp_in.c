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

/*
 * The common packet in one look, or 0: one segment; IPv4 without options,
 * its total length the frame's; not a fragment; ESP, or ESP in UDP 4500
 * with the UDP length agreeing and a non-zero SPI (neither IKE nor a
 * keepalive); room for the ESP header. The offset is what parse_outer
 * would return. Anything else, also what is only unusual, takes
 * parse_outer, which gives every refusal its reason.
 */
static inline unsigned int
parse_fast(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int len = rte_pktmbuf_data_len(m);

	if (m->nb_segs != 1 || len < IPV4_HDR_LEN + ESP_HDR_LEN ||
	    p[0] != 0x45 || get_be16(p + 2) != len ||
	    (get_be16(p + 6) & (IP_MF | IP_OFFMASK)) != 0 ||
	    (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
	            RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return 0;
	if (p[9] == 50)
		return IPV4_HDR_LEN;
	if (p[9] == 17 && len >= IPV4_HDR_LEN + UDP_HDR_LEN + ESP_HDR_LEN &&
	    get_be16(p + IPV4_HDR_LEN + 2) == VPN_ESP_NATT_PORT &&
	    get_be16(p + IPV4_HDR_LEN + 4) == len - IPV4_HDR_LEN &&
	    get_be32(p + IPV4_HDR_LEN + UDP_HDR_LEN) != 0)
		return IPV4_HDR_LEN + UDP_HDR_LEN;
	return 0;
}

/* Pass 1 for one packet with its SA known: lengths, replay, crypto op.
 * The SA's fields are read once, before anything is written: byte stores
 * may alias them. */
static inline enum vpn_esp_reason
prepare(struct vpn_esp_worker *w, const struct vpn_esp_sa *sa, uint8_t *esp,
        unsigned int esp_len, unsigned int i, unsigned int k)
{
	struct vpn_crypto_op *op = &w->ops[k];
	const unsigned int ivl = sa->iv_len, icvl = sa->icv_len;
	const bool gcm = sa->gcm, esn = sa->esn;
	const unsigned int fixed = ESP_HDR_LEN + ivl + icvl;
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
	if (!esn)
		seq = get_be32(esp + 4);
	else if (!esp_replay_infer(&sa->replay, true, get_be32(esp + 4), &seq))
		return VPN_ESP_TOO_OLD;
	r = esp_replay_check(&sa->replay, seq);
	if (r != VPN_ESP_OK)
		return r;
	w->seq[i] = seq;

	op->data = esp + ESP_HDR_LEN + ivl;
	op->len = clen;
	op->icv = op->data + clen;
	if (gcm) {
		uint8_t *nonce = w->nonce[k];

		memcpy(nonce, sa->salt, 4);
		memcpy(nonce + 4, esp + ESP_HDR_LEN, 8);
		op->iv = nonce;
		if (esn) {
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
	op->auth_len = ESP_HDR_LEN + ivl + clen;
	if (esn) {
		/* Hash seq hi after the payload, in the ICV's place; compare
		 * with the ICV saved first. */
		memcpy(w->icv[k], op->icv, icvl);
		put_be32(op->icv, (uint32_t)(seq >> 32));
		op->icv = w->icv[k];
		op->auth_len += 4;
	}
	return VPN_ESP_OK;
}

/* Pass 2 for one authenticated packet: trailer and inner header; the
 * plaintext is pt[0, clen) and the inner packet starts skip bytes into
 * the mbuf's data. Leaves the mbuf holding just the inner packet. */
static inline enum vpn_esp_reason
finish(struct rte_mbuf *m, const uint8_t *pt, unsigned int clen,
       unsigned int skip)
{
	unsigned int pad = pt[clen - 2], nh = pt[clen - 1], len, keep;

	/* After authentication: the padding is no secret to keep. It is
	 * 1, 2, 3, ... (RFC 4303 2.4). */
	if (pad + 2 > clen || !esp_pad_ok(pt + clen - 2, pad))
		return VPN_ESP_BAD_PADDING;
	len = clen - 2 - pad;
	/* The inner header must agree with its next header and fit in the
	 * payload; what follows it is TFC padding (RFC 4303 2.7), cut. The
	 * ICV follows the plaintext: reading its first 6 bytes stays in the
	 * packet even when len is shorter (keep > len then fails). */
	if (nh == NH_IPV4) {
		unsigned int ihl = (pt[0] & 0xf) * 4u;

		if (len == 0)
			return VPN_ESP_EMPTY;
		keep = get_be16(pt + 2);
		if (pt[0] >> 4 != 4 || ihl < IPV4_HDR_LEN || keep < ihl ||
		    keep > len)
			return VPN_ESP_BAD_INNER;
		m->packet_type = RTE_PTYPE_L3_IPV4;
	} else if (nh == NH_IPV6) {
		if (len == 0)
			return VPN_ESP_EMPTY;
		keep = 40 + get_be16(pt + 4);
		if (pt[0] >> 4 != 6 || keep > len)
			return VPN_ESP_BAD_INNER;
		m->packet_type = RTE_PTYPE_L3_IPV6;
	} else
		return nh == NH_NONE ? VPN_ESP_DUMMY : VPN_ESP_BAD_NEXT_HEADER;
	/* One segment (parse_outer): cut the outer headers and the trailer
	 * in one go. */
	m->data_off += (uint16_t)skip;
	m->data_len = (uint16_t)keep;
	m->pkt_len = keep;
	return VPN_ESP_OK;
}

/* GCM packets per engine call: their mbufs, headers and trailers are
 * still in L1 when they are checked, even with 1500-byte payloads. CBC and
 * HMAC go in one call: multi-buffer code wants all the lanes it can get. */
#define GCM_CHUNK 8

/* Passes 2 and 3 for ops[k0, k1) of one SA (packets idx[]); returns how
 * many succeeded. decrypted: the engine call was made already. */
static unsigned int
run(struct vpn_esp_worker *w, struct vpn_esp_sa *sa, struct rte_mbuf **pkts,
    const uint8_t *idx, unsigned int k0, unsigned int k1, bool decrypted)
{
	struct vpn_esp_stats *st = &sa->stats[w->id].s;
	const unsigned int chunk = sa->gcm ? GCM_CHUNK : VPN_ESP_MAX_BURST;
	unsigned int good = 0;
	uint64_t bytes = 0;

	/* Verify and decrypt a chunk, then check what each packet carries
	 * while it is hot. */
	for (unsigned int c = k0; c < k1; c += chunk) {
		unsigned int e = RTE_MIN(c + chunk, k1);

		if (!decrypted)
			vpn_crypto_decrypt(w->cw, sa->key, w->ops + c, e - c);
		for (unsigned int k = c; k < e; k++) {
			const struct vpn_crypto_op *op = &w->ops[k];
			unsigned int i = idx[k];

			w->reason[i] = op->status != 0
			                       ? VPN_ESP_AUTH_FAILED
			                       : finish(pkts[i], op->data,
			                                op->len, w->off[i]);
		}
	}
	/* Then record each authenticated number under the lock (a replay
	 * that raced through pass 1 fails here): a few compares each. */
	rte_spinlock_lock(&sa->replay.lock);
	for (unsigned int k = k0; k < k1; k++) {
		unsigned int i = idx[k];
		uint8_t r = w->reason[i];

		/* A dummy packet is recorded too: replayed, it must not
		 * pass for a sign of life. */
		if (r != VPN_ESP_OK && r != VPN_ESP_DUMMY)
			continue;
		uint8_t u = esp_replay_update(&sa->replay, w->seq[i]);

		if (u != VPN_ESP_OK)
			w->reason[i] = u;
		else if (r == VPN_ESP_OK) {
			good++;
			bytes += rte_pktmbuf_data_len(pkts[i]);
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

/* Where the runs of one algorithm that start at run r (packets from
 * ops[j], run r ending at ends[r]) end, holding at most max packets in
 * all: the run after the last of them. */
static unsigned int
alg_runs(const struct vpn_esp_worker *w, const uint8_t *idx,
         const uint8_t *ends, unsigned int r, unsigned int nruns,
         unsigned int j, unsigned int max)
{
	const struct vpn_esp_sa *sa = w->sa[idx[ends[r] - 1]];
	unsigned int q = r + 1;

	while (q < nruns && ends[q] - j <= max &&
	       w->sa[idx[ends[q] - 1]]->gcm == sa->gcm &&
	       vpn_crypto_key_same_alg(w->sa[idx[ends[q] - 1]]->key, sa->key))
		q++;
	return q;
}

static uint16_t
inbound_burst(struct vpn_esp_worker *w, const struct vpn_esp_sad *sad,
              struct rte_mbuf **pkts, uint16_t n, uint8_t *why,
              struct vpn_esp_sa **sa_out)
{
	const struct vpn_crypto_key *keys[VPN_ESP_MAX_BURST];
	uint8_t idx[VPN_ESP_MAX_BURST];
	/* Runs of packets of one SA in idx[]: run r is [ends[r - 1],
	 * ends[r]). A burst is mostly one run. */
	uint8_t ends[VPN_ESP_MAX_BURST];
	unsigned int k = 0, nruns = 0, good = 0;
	struct vpn_esp_sa *last = NULL, *prev = NULL;

	/* A burst over many SAs (a thousand do not stay in the cache):
	 * each packet's SA found first and its lines loaded while the
	 * others are, then the packets handled. A burst whose first eight
	 * packets are one SA's is taken for one tunnel's: no more looks. */
	for (uint32_t i = 0, seen = 0, changes = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];
		unsigned int off;
		uint32_t spi_be;

		if (i + 2 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void *));
		off = parse_fast(m);
		if (off == 0)
			continue;
		memcpy(&spi_be,
		       rte_pktmbuf_mtod_offset(m, const uint8_t *, off), 4);
		if (spi_be == 0 || spi_be == seen) {
			if (i == 7 && changes == 1)
				break;
			continue;
		}
		seen = spi_be;
		changes++;
		esp_sad_prefetch(sad, rte_be_to_cpu_32(spi_be), w->id);
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct vpn_esp_sa *sa = NULL;
		uint8_t r;

		if (i + 1 < n) /* its headers, while this one is parsed */
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		unsigned int off = parse_fast(m);

		if (off != 0)
			r = VPN_ESP_OK;
		else
			off = parse_outer(m, &r);

		if (r == VPN_ESP_OK) {
			uint8_t *esp =
			        rte_pktmbuf_mtod_offset(m, uint8_t *, off);
			uint32_t spi_be;

			/* A burst is mostly one SA's: try the last one, in
			 * network order. */
			memcpy(&spi_be, esp, 4);
			if (last != NULL && last->spi_be == spi_be)
				sa = last;
			else if (spi_be != 0)
				sa = vpn_esp_sad_lookup(sad, get_be32(esp));
			else
				sa = NULL;
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
				r = prepare(w, sa, esp,
				            rte_pktmbuf_data_len(m) - off, i,
				            k);
			if (r == VPN_ESP_OK)
				w->off[i] = (uint16_t)(off + ESP_HDR_LEN +
				                       sa->iv_len);
		}
		w->sa[i] = sa;
		w->reason[i] = r;
		if (r != VPN_ESP_OK) {
			esp_count_drop(w, r == VPN_ESP_UNKNOWN_SPI ? NULL : sa,
			               r);
			continue;
		}
		if (sa != prev && k > 0)
			ends[nruns++] = (uint8_t)k;
		prev = sa;
		idx[k++] = (uint8_t)i;
	}
	if (k > 0)
		ends[nruns++] = (uint8_t)k;
	for (unsigned int r = 0, j = 0; r < nruns;) {
		struct vpn_esp_sa *sa = w->sa[idx[j]];
		unsigned int q =
		        alg_runs(w, idx, ends, r, nruns, j,
		                 sa->gcm ? GCM_CHUNK : VPN_ESP_MAX_BURST);

		if (q == r + 1) {
			good += run(w, sa, pkts, idx, j, ends[r], false);
			j = ends[r++];
			continue;
		}
		/* Many SAs' CBC and HMAC: one engine call fills the lanes
		 * across them; GCM: a chunk of packets of many SAs, the
		 * engine loading each key while the one before runs. Then
		 * each run is checked. */
		for (unsigned int x = j; x < ends[q - 1]; x++)
			keys[x] = w->sa[idx[x]]->key;
		vpn_crypto_decrypt_keys(w->cw, keys + j, w->ops + j,
		                        ends[q - 1] - j);
		for (; r < q; j = ends[r++])
			good += run(w, w->sa[idx[j]], pkts, idx, j, ends[r],
			            true);
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
