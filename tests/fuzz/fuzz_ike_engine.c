/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the IKE engine as a responder, two ways in:
 *   first byte even: the rest is a datagram from the peer's address
 *                    (IKE_SA_INIT parsing, proposals, KE, cookies, SPI
 *                    lookup, message IDs, ICV checks);
 *   first byte odd:  the rest is the plaintext of an SK payload, sealed
 *                    with the established IKE SA's real keys as the next
 *                    request (second byte: exchange, third: the first
 *                    inner payload), so the fuzzer reaches what only an
 *                    authenticated peer can send: INFORMATIONAL (DELETE),
 *                    CREATE_CHILD_SA (rekeys, PFS, selectors), anything.
 * The pair (an initiator engine and the responder) is made once and made
 * again whenever the responder's IKE SA is gone. Nothing may crash, leak
 * or read out of bounds; the responder's answers go nowhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define I_ADDR 0xcb007101u
#define R_ADDR 0xcb007102u

static struct vpn_ike *ini, *resp;
static uint8_t q[8][IKE_MAX_MSG];
static size_t qlen[8];
static unsigned int nq;
static uint64_t now = 1;

static struct ike_sa *
established(void)
{
	struct ike_sa *sa = resp ? resp->peers[0].sa : NULL;

	return sa != NULL && sa->state == S_ESTABLISHED ? sa : NULL;
}

/* Only the initiator's messages are kept (for the responder). */
static void
f_send(void *ctx, uint32_t local, uint16_t lport, uint32_t remote,
       uint16_t rport, const uint8_t *msg, size_t len)
{
	(void)local;
	(void)lport;
	(void)remote;
	(void)rport;
	if (ctx == &ini && nq < 8 && len <= IKE_MAX_MSG) {
		memcpy(q[nq], msg, len);
		qlen[nq++] = len;
	}
}

static int
f_add(void *ctx, unsigned int peer, const struct vpn_ike_child *c)
{
	(void)ctx;
	(void)peer;
	(void)c;
	return 0;
}

static void
f_spi(void *ctx, unsigned int peer, uint32_t spi)
{
	(void)ctx;
	(void)peer;
	(void)spi;
}

static void
cfg(struct vpn_ike_peer *p, uint32_t local, uint32_t remote, bool init)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "fuzz");
	p->local = local;
	p->remote = remote;
	memcpy(p->psk, "fuzzing-psk", 11);
	p->psk_len = 11;
	p->ike.n_encr = p->esp.n_encr = 2;
	p->ike.encr[0].id = p->esp.encr[0].id = IKE_ENCR_AES_GCM_16;
	p->ike.encr[0].key_bits = p->esp.encr[0].key_bits = 128;
	p->ike.encr[1].id = p->esp.encr[1].id = IKE_ENCR_AES_CBC;
	p->ike.encr[1].key_bits = p->esp.encr[1].key_bits = 128;
	p->ike.n_integ = p->esp.n_integ = 1;
	p->ike.integ[0] = p->esp.integ[0] = IKE_AUTH_HMAC_SHA2_256_128;
	p->ike.n_dh = 1;
	p->ike.dh[0] = 19;
	p->esp.n_dh = 2;
	p->esp.dh[0] = 19;
	p->esp.dh[1] = 2;
	p->ike_lifetime = 28800;
	p->esp_lifetime = 3600;
	p->rekey_margin = 540;
	p->dpd_timeout = 30;
	p->initiate = init;
	p->replay_window = 64;
	p->n_lts = p->n_rts = 1;
	p->lts[0] = (struct vpn_ike_ts){0, 0xffffffff};
	p->rts[0] = (struct vpn_ike_ts){0, 0xffffffff};
}

/* Bring the pair up again: the responder ends with an established SA. */
static void
pair(void)
{
	static const struct vpn_ike_ops oi = {.send = f_send,
	                                      .child_add = f_add,
	                                      .child_route = f_spi,
	                                      .child_del = f_spi};
	struct vpn_ike_peer p;

	vpn_ike_free(ini);
	vpn_ike_free(resp);
	ini = vpn_ike_new(&oi, &ini);
	resp = vpn_ike_new(&oi, &resp);
	cfg(&p, I_ADDR, R_ADDR, true);
	vpn_ike_add_peer(ini, &p);
	cfg(&p, R_ADDR, I_ADDR, false);
	vpn_ike_add_peer(resp, &p);
	/* The responder's answers are taken from its cached response. */
	for (int round = 0; round < 4; round++) {
		struct ike_sa *rs;

		vpn_ike_tick(ini, now);
		for (unsigned int i = 0; i < nq; i++)
			vpn_ike_input(resp, now, R_ADDR, 500, I_ADDR, 500, q[i],
			              qlen[i]);
		nq = 0;
		rs = resp->peers[0].sa;
		/* resp: datagrams, each after its length (two bytes). */
		for (size_t off = 0; rs != NULL && rs->resp != NULL &&
		                     off + 2 <= rs->resp_len;) {
			uint16_t l;

			memcpy(&l, rs->resp + off, 2);
			if (l > rs->resp_len - off - 2)
				break;
			vpn_ike_input(ini, now, I_ADDR, 500, R_ADDR, 500,
			              rs->resp + off + 2, l);
			off += 2u + l;
		}
		now += 10;
	}
	nq = 0;
}

/* data as the plaintext of the peer's next request on the established
 * SA, sealed with its keys. */
static void
sealed(uint8_t exch, uint8_t first, const uint8_t *data, size_t size)
{
	static uint8_t m[IKE_MAX_MSG];
	struct ike_sa *sa = resp->peers[0].sa;
	const struct ike_sk_keys *k;
	struct ike_hdr h = {0};
	size_t total;

	if (sa == NULL || sa->state != S_ESTABLISHED)
		return;
	k = &sa->ki;
	total = IKE_HDR_LEN + ike_sk_overhead(k, size) + size;
	if (total > sizeof(m))
		return;
	h.spi_i = sa->spi_i;
	h.spi_r = sa->spi_r;
	h.next = IKE_PT_SK;
	h.version = 0x20;
	h.exchange = exch;
	h.flags = IKE_FLAG_INITIATOR;
	h.msg_id = sa->peer_id;
	h.length = (uint32_t)total;
	vpn_ike_hdr_write(m, &h);
	m[IKE_HDR_LEN] = first;
	m[IKE_HDR_LEN + 1] = 0;
	m[IKE_HDR_LEN + 2] = (uint8_t)((total - IKE_HDR_LEN) >> 8);
	m[IKE_HDR_LEN + 3] = (uint8_t)(total - IKE_HDR_LEN);
	if (size)
		memcpy(m + IKE_HDR_LEN + 4 + ike_sk_iv_len(k), data, size);
	if (ike_sk_seal(k, m, total, IKE_HDR_LEN, size) != 0)
		return;
	vpn_ike_input(resp, now, R_ADDR, 500, I_ADDR, 500, m, total);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (established() == NULL) {
		pair();
		if (established() == NULL)
			abort(); /* the harness itself is broken */
	}
	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0)
		vpn_ike_input(resp, now, R_ADDR, 500, I_ADDR, 500, data + 1,
		              size - 1);
	else if (size >= 3)
		sealed(data[1], data[2], data + 3, size - 3);
	now += 100;
	vpn_ike_tick(resp, now);
	return 0;
}
