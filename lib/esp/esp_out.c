/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outbound: inner IPv4/IPv6 packet -> ESP tunnel mode in outer IPv4
 * (RFC 4303 3.3), optionally in UDP (RFC 3948 2.1, checksum zero).
 *
 *   [IPv4][UDP][SPI|seq][IV][inner packet|pad 1,2,..|pad len|next hdr][ICV]
 *
 * Three passes over each SA's run of a burst: check every packet and
 * count what fits; take that many sequence numbers with one atomic add;
 * build headers and trailers and describe the crypto. Then one engine
 * call for all the runs of one algorithm (vpn_esp_outbound_sas: a burst
 * spread over many SAs fills intel-ipsec-mb's CBC and HMAC lanes as one
 * SA's burst does).
 */
#include <arpa/inet.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "esp_priv.h"

#define IP_DF   0x4000
#define NH_NONE 59 /* no next header: a dummy packet */

/* Pass 1: the next header of a packet, or 0 with the reason set. */
static uint8_t
check_packet(const struct vpn_esp_sa *sa, struct rte_mbuf *m, uint8_t *why)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int len = rte_pktmbuf_data_len(m), tail;
	uint8_t nh;

	if (m->nb_segs != 1) {
		*why = VPN_ESP_CHAINED;
		return 0;
	}
	if (len == 0) /* a dummy packet (RFC 4303 2.6): a keepalive */
		nh = NH_NONE;
	else if (len >= 20 && p[0] >> 4 == 4)
		nh = IPPROTO_IPIP;
	else if (len >= 40 && p[0] >> 4 == 6)
		nh = IPPROTO_IPV6;
	else {
		*why = VPN_ESP_NOT_IP;
		return 0;
	}
	tail = sa->align + 1 + sa->icv_len; /* most padding + trailer + ICV */
	if (rte_pktmbuf_headroom(m) < sa->hdr_len + ESP_HDR_LEN + sa->iv_len ||
	    rte_pktmbuf_tailroom(m) < tail) {
		*why = VPN_ESP_NO_ROOM;
		return 0;
	}
	*why = VPN_ESP_OK;
	return nh;
}

/* DSCP and ECN (RFC 6040 normal mode: copied) and DF from the inner
 * header. */
static inline void
inner_tos(const uint8_t *in, uint8_t *tos, uint16_t *frag)
{
	if (in[0] >> 4 == 4) {
		uint16_t f;

		memcpy(&f, in + 6, 2);
		*tos = in[1];
		*frag = f & rte_cpu_to_be_16(IP_DF);
	} else {
		*tos = (uint8_t)((in[0] << 4) | (in[1] >> 4));
		*frag = 0;
	}
}

/* Pass 3 for one packet: headers, trailer and the crypto op. */
static void
build(struct vpn_esp_worker *w, const struct vpn_esp_sa *sa, struct rte_mbuf *m,
      uint8_t nh, uint64_t seq, unsigned int k)
{
	struct vpn_crypto_op *op = &w->ops[k];
	unsigned int len = rte_pktmbuf_data_len(m);
	unsigned int padded = (len + 2 + sa->align - 1) & ~(sa->align - 1u);
	unsigned int pad = padded - len - 2;
	unsigned int head = sa->hdr_len + ESP_HDR_LEN + sa->iv_len;
	unsigned int total = head + padded + sa->icv_len;
	uint8_t *tr, *h, *esp, *iv, tos;
	uint16_t frag;
	uint32_t sum;

	if (nh == NH_NONE) {
		tos = 0;
		frag = 0;
	} else
		inner_tos(rte_pktmbuf_mtod(m, const uint8_t *), &tos, &frag);
	/* One segment with the room for both ends (check_packet): the
	 * trailer and the headers go on without the library's checks. */
	h = rte_pktmbuf_mtod(m, uint8_t *) - head;
	tr = h + head + len;
	m->data_off = (uint16_t)(m->data_off - head);
	m->data_len = (uint16_t)total;
	m->pkt_len = total;
	esp_pad_write(tr); /* tailroom >= align + 1 + ICV >= 16 */
	tr[pad] = (uint8_t)pad;
	tr[pad + 1] = nh;

	/* Outer IPv4 (and UDP) from the template; the checksum adds the
	 * four fields that change to the template's sum (RFC 1624). */
	/* A fixed-size copy (no library call): without UDP its last 8
	 * bytes land where the ESP header is written next. */
	memcpy(h, sa->tmpl, sizeof(sa->tmpl));
	h[1] = tos;
	sum = sa->tmpl_sum + tos + (uint16_t)total + (uint16_t)seq +
	      __builtin_bswap16(frag);
	put_be16(h + 2, (uint16_t)total);
	put_be16(h + 4, (uint16_t)seq); /* ID: unique enough */
	memcpy(h + 6, &frag, 2);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	put_be16(h + 10, (uint16_t)~sum);
	if (sa->udp)
		put_be16(h + IPV4_HDR_LEN + 4,
		         (uint16_t)(total - IPV4_HDR_LEN));

	esp = h + sa->hdr_len;
	memcpy(esp, &sa->spi_be, 4);
	put_be32(esp + 4, (uint32_t)seq);
	iv = esp + ESP_HDR_LEN;

	op->data = iv + sa->iv_len;
	op->len = padded;
	op->icv = tr + pad + 2;
	if (sa->gcm) {
		/* RFC 4106: the IV is the 64-bit sequence number (unique per
		 * key); nonce = salt | IV; AAD = SPI | [seq hi] | seq lo. */
		put_be64(iv, seq);
		memcpy(w->nonce[k], sa->salt, 4);
		memcpy(w->nonce[k] + 4, iv, 8);
		op->iv = w->nonce[k];
		if (sa->esn) {
			memcpy(w->aad[k], esp, 4);
			put_be32(w->aad[k] + 4, (uint32_t)(seq >> 32));
			put_be32(w->aad[k] + 8, (uint32_t)seq);
			op->aad = w->aad[k];
			op->aad_len = 12;
		} else {
			op->aad = esp;
			op->aad_len = 8;
		}
		return;
	}
	/* CBC: the engine derives the IV from the sequence number. */
	op->iv = iv;
	put_be64(op->iv_seed, seq);
	memcpy(op->iv_seed + 8, &sa->spi_be, 4);
	memset(op->iv_seed + 12, 0, 4);
	op->auth = esp;
	op->auth_len = ESP_HDR_LEN + sa->iv_len + padded;
	if (sa->esn) {
		/* RFC 4303 2.2.1: seq hi is hashed after the payload; it sits
		 * where the ICV goes until the ICV overwrites it. */
		put_be32(op->icv, (uint32_t)(seq >> 32));
		op->auth_len += 4;
	}
}

/* Take k sequence numbers for the good packets of [base, base + n) and
 * return the first. When all k are within the SA's limits (the common
 * case) the good packets take first, first + 1, ... in order and *each is
 * false; else every good packet's number is in w->seq[] and those that
 * passed a limit are marked. */
static uint64_t
take_seqs(struct vpn_esp_worker *w, struct vpn_esp_sa *sa, unsigned int base,
          unsigned int n, unsigned int k, bool *each)
{
	uint64_t first = __atomic_fetch_add(&sa->seq, k, __ATOMIC_RELAXED) + 1;
	uint64_t last = first + k - 1;
	uint32_t ev = 0;
	unsigned int j = 0;

	if (sa->soft_packets && first <= sa->soft_packets &&
	    last >= sa->soft_packets)
		ev |= VPN_ESP_EV_SOFT;
	*each = last < first || last > sa->seq_max ||
	        (sa->hard_packets && last > sa->hard_packets);
	for (unsigned int i = base; *each && i < base + n; i++) {
		uint64_t s;

		if (w->reason[i] != VPN_ESP_OK)
			continue;
		s = first + j++;
		w->seq[i] = s;
		/* Without ESN the number must not wrap (RFC 4303 3.3.3). */
		if (s > sa->seq_max || s < first) {
			w->reason[i] = VPN_ESP_SEQ_OVERFLOW;
			ev |= VPN_ESP_EV_SEQ_OVERFLOW;
		} else if (sa->hard_packets && s > sa->hard_packets) {
			w->reason[i] = VPN_ESP_SA_EXPIRED;
			ev |= VPN_ESP_EV_HARD;
		}
	}
	if (ev)
		__atomic_fetch_or(&sa->events, ev, __ATOMIC_RELEASE);
	return first;
}

/*
 * One SA's run pkts[base, base + n) of a slice: checks, sequence numbers,
 * headers and trailers; the crypto ops go to w->ops[k0...] and, when keys
 * is given, their keys to keys[]. Returns the next free op. The SA counts
 * its packets here: encryption does not fail.
 */
static unsigned int
prepare_run(struct vpn_esp_worker *w, struct vpn_esp_sa *sa,
            struct rte_mbuf **pkts, unsigned int base, unsigned int n,
            unsigned int k0, const struct vpn_crypto_key **keys)
{
	struct vpn_esp_stats *st = &sa->stats[w->id].s;
	uint8_t nh[VPN_ESP_MAX_BURST];
	unsigned int good = 0, k = k0;
	uint64_t bytes = 0, before, seq = 0;
	bool each = false;

	for (unsigned int i = base; i < base + n; i++) {
		nh[i] = check_packet(sa, pkts[i], &w->reason[i]);
		if (w->reason[i] == VPN_ESP_OK && sa->inbound)
			w->reason[i] = VPN_ESP_WRONG_DIRECTION;
		good += w->reason[i] == VPN_ESP_OK;
	}
	if (good > 0 && sa->hard_bytes &&
	    __atomic_load_n(&sa->bytes, __ATOMIC_RELAXED) >= sa->hard_bytes) {
		for (unsigned int i = base; i < base + n; i++)
			if (w->reason[i] == VPN_ESP_OK)
				w->reason[i] = VPN_ESP_SA_EXPIRED;
		__atomic_fetch_or(&sa->events, VPN_ESP_EV_HARD,
		                  __ATOMIC_RELEASE);
		good = 0;
	}
	if (good > 0)
		seq = take_seqs(w, sa, base, n, good, &each);
	for (unsigned int i = base; i < base + n; i++) {
		if (w->reason[i] != VPN_ESP_OK) {
			esp_count_drop(w, sa, w->reason[i]);
			continue;
		}
		bytes += rte_pktmbuf_data_len(pkts[i]);
		if (keys != NULL) {
			keys[k] = sa->key;
			/* Read for the burst's crypto (its algorithm). */
			__builtin_prefetch(sa->key, 0, 3);
		}
		build(w, sa, pkts[i], nh[i], each ? w->seq[i] : seq + (k - k0),
		      k);
		k++;
		pkts[i]->packet_type = RTE_PTYPE_L3_IPV4 | RTE_PTYPE_TUNNEL_ESP;
		pkts[i]->l3_len = IPV4_HDR_LEN;
	}
	if (k == k0)
		return k;
	st->packets += k - k0;
	st->bytes += bytes;
	w->stats.packets += k - k0;
	w->stats.bytes += bytes;
	/* The shared byte count is for byte lifetimes only (a locked add
	 * per burst and SA: with a burst over many tunnels, per packet). */
	if (!sa->soft_bytes && !sa->hard_bytes)
		return k;
	before = __atomic_fetch_add(&sa->bytes, bytes, __ATOMIC_RELAXED);
	if (sa->soft_bytes && before < sa->soft_bytes &&
	    before + bytes >= sa->soft_bytes)
		__atomic_fetch_or(&sa->events, VPN_ESP_EV_SOFT,
		                  __ATOMIC_RELEASE);
	return k;
}

/* A slice of at most VPN_ESP_MAX_BURST packets, packet i for sas[i] (or
 * all for one, when sas is NULL): prepared run by run of one SA, then
 * encrypted in as few engine calls as there are algorithms in it. */
static uint16_t
outbound_slice(struct vpn_esp_worker *w, struct vpn_esp_sa *one,
               struct vpn_esp_sa *const *sas, struct rte_mbuf **pkts,
               uint16_t n, uint8_t *why)
{
	const struct vpn_crypto_key *keys[VPN_ESP_MAX_BURST];
	unsigned int k = 0, j, e;

	if (sas != NULL) { /* mostly one tunnel's burst after all */
		for (e = 1; e < n && sas[e] == sas[0]; e++)
			;
		if (e == n) {
			one = sas[0];
			sas = NULL;
		}
	}
	if (sas == NULL) {
		k = prepare_run(w, one, pkts, 0, n, 0, NULL);
		if (k > 0)
			vpn_crypto_encrypt(w->cw, one->key, w->ops, k);
		return k == n ? n
		              : esp_compact(pkts, w->reason, n, why, NULL,
		                            NULL);
	}
	for (j = 0; j < n; j = e) {
		for (e = j + 1; e < n && sas[e] == sas[j]; e++)
			;
		k = prepare_run(w, sas[j], pkts, j, e - j, k, keys);
	}
	for (j = 0; j < k; j = e) {
		bool same = true; /* one key: the common case, the plain call */

		for (e = j + 1; e < k; e++) {
			if (keys[e] == keys[j])
				continue;
			if (!vpn_crypto_key_same_alg(keys[e], keys[j]))
				break;
			same = false;
		}
		if (same)
			vpn_crypto_encrypt(w->cw, keys[j], w->ops + j, e - j);
		else
			vpn_crypto_encrypt_keys(w->cw, keys + j, w->ops + j,
			                        e - j);
	}
	return k == n ? n : esp_compact(pkts, w->reason, n, why, NULL, NULL);
}

/* Longer bursts go in slices; esp_merge keeps every success ahead of
 * every failure. */
static uint16_t
outbound(struct vpn_esp_worker *w, struct vpn_esp_sa *one,
         struct vpn_esp_sa *const *sas, struct rte_mbuf **pkts, uint16_t n,
         uint8_t *why)
{
	uint16_t done = 0, ok = 0;

	while (done < n) {
		uint16_t m = n - done > VPN_ESP_MAX_BURST ? VPN_ESP_MAX_BURST
		                                          : n - done;
		uint16_t got =
		        outbound_slice(w, one, sas ? sas + done : NULL,
		                       pkts + done, m, why ? why + done : NULL);

		ok = esp_merge(pkts, why, NULL, ok, done, got);
		done += m;
	}
	return ok;
}

uint16_t
vpn_esp_outbound(struct vpn_esp_worker *w, struct vpn_esp_sa *sa,
                 struct rte_mbuf **pkts, uint16_t n, uint8_t *why)
{
	return outbound(w, sa, NULL, pkts, n, why);
}

uint16_t
vpn_esp_outbound_sas(struct vpn_esp_worker *w, struct vpn_esp_sa *const *sas,
                     struct rte_mbuf **pkts, uint16_t n, uint8_t *why)
{
	return outbound(w, NULL, sas, pkts, n, why);
}
