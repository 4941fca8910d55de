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
 *                    CREATE_CHILD_SA (rekeys, PFS, selectors), anything;
 *   first byte 3 mod 4: a certificate initiator's real IKE_AUTH request
 *                    (IDi, CERT, CERTREQ, AUTH by ECDSA, SA, TS) with the
 *                    rest written over it at an offset (next two bytes),
 *                    sealed to a responder that authenticates by
 *                    certificate (lib/pki: the CERT's DER, the ID, the
 *                    RFC 7427 AlgorithmIdentifier and signature); with
 *                    bit 2 set, the responder's tunnels are of customer
 *                    gateways without an address (two identities), so
 *                    the SA is pending and IKE_AUTH picks its tunnel.
 * The pair (an initiator engine and the responder) is made once and made
 * again whenever the responder's IKE SA is gone; the certificate pair
 * for every input of its mode. Nothing may crash, leak or read out of
 * bounds; the responder's answers go nowhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_priv.h"
#include "vpn_pki.h"

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

/* data as the plaintext of the peer's request msg_id on sa of engine
 * to, sealed with the initiator's keys. */
static void
seal_to(struct vpn_ike *to, struct ike_sa *sa, uint8_t exch, uint32_t msg_id,
        uint8_t first, const uint8_t *data, size_t size)
{
	static uint8_t m[IKE_MAX_MSG];
	const struct ike_sk_keys *k = &sa->ki;
	struct ike_hdr h = {0};
	size_t total;

	total = IKE_HDR_LEN + ike_sk_overhead(k, size) + size;
	if (total > sizeof(m))
		return;
	h.spi_i = sa->spi_i;
	h.spi_r = sa->spi_r;
	h.next = IKE_PT_SK;
	h.version = 0x20;
	h.exchange = exch;
	h.flags = IKE_FLAG_INITIATOR;
	h.msg_id = msg_id;
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
	vpn_ike_input(to, now, R_ADDR, 500, I_ADDR, 500, m, total);
}

static void
sealed(uint8_t exch, uint8_t first, const uint8_t *data, size_t size)
{
	struct ike_sa *sa = resp->peers[0].sa;

	if (sa != NULL && sa->state == S_ESTABLISHED)
		seal_to(resp, sa, exch, sa->peer_id, first, data, size);
}

/* ---- certificates ------------------------------------------------------ */

static struct vpn_pki *pki_i, *pki_r;
static uint8_t auth_pt[IKE_MAX_MSG];
static size_t auth_len;
static uint8_t auth_first;

static struct vpn_pki *
load_pki(const char *dir, const char *name)
{
	struct vpn_cfg_pki c = {0};
	struct vpn_pki_params p = {.pki = &c, .file = "fuzz"};
	struct vpn_diag d;
	struct vpn_pki *k;

	snprintf(c.ca, sizeof(c.ca), "%s/ca.pem", dir);
	snprintf(c.certificate, sizeof(c.certificate), "%s/%s.pem", dir, name);
	snprintf(c.private_key, sizeof(c.private_key), "%s/%s.key", dir, name);
	vpn_diag_init(&d);
	k = vpn_pki_load(&p, &d);
	vpn_diag_free(&d);
	return k;
}

/* The length of a payload chain of plaintext p (what send_sk sealed). */
static size_t
chain_len(const uint8_t *p, uint8_t first)
{
	size_t off = 0;
	uint8_t next = first;

	while (next != 0 && off + 4 <= IKE_MAX_MSG - IKE_HDR_LEN) {
		size_t l = (size_t)p[off + 2] << 8 | p[off + 3];

		if (l < 4)
			return 0;
		next = p[off];
		off += l;
	}
	return off;
}

/* A certificate pair through IKE_SA_INIT: the responder half-open, the
 * initiator's IKE_AUTH plaintext kept (the first time). */
static struct vpn_ike *cini, *cresp;

static struct ike_sa *
cert_pair(bool roam)
{
	static const struct vpn_ike_ops oi = {.send = f_send,
	                                      .child_add = f_add,
	                                      .child_route = f_spi,
	                                      .child_del = f_spi};
	struct vpn_ike_peer p;
	struct ike_sa *rs;

	if (pki_i == NULL) {
		char dir[] = "/tmp/vpngw-fuzz-pki-XXXXXX", cmd[256];

		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(cmd, sizeof(cmd),
		         "%s/tools/vpngw-pki.sh %s gw-i gw-r >/dev/null",
		         VPNGW_SRCDIR, dir);
		if (system(cmd) != 0)
			abort();
		pki_i = load_pki(dir, "gw-i");
		pki_r = load_pki(dir, "gw-r");
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (pki_i == NULL || pki_r == NULL || system(cmd) != 0)
			abort();
	}
	vpn_ike_free(cini);
	vpn_ike_free(cresp);
	cini = vpn_ike_new(&oi, &ini); /* its datagrams are queued */
	cresp = vpn_ike_new(&oi, &cresp);
	vpn_ike_set_pki(cini, pki_i);
	vpn_ike_set_pki(cresp, pki_r);
	cfg(&p, I_ADDR, R_ADDR, true);
	p.cert = true;
	snprintf(p.identity, sizeof(p.identity), "C=US, O=vpngw, CN=gw-r");
	vpn_ike_add_peer(cini, &p);
	cfg(&p, R_ADDR, roam ? 0 : I_ADDR, false);
	p.cert = true;
	if (roam) {
		snprintf(p.identity, sizeof(p.identity), "someone.example");
		vpn_ike_add_peer(cresp, &p);
	}
	snprintf(p.identity, sizeof(p.identity), "C=US, O=vpngw, CN=gw-i");
	vpn_ike_add_peer(cresp, &p);
	nq = 0;
	vpn_ike_tick(cini, now);
	for (unsigned int i = 0; i < nq; i++)
		vpn_ike_input(cresp, now, R_ADDR, 500, I_ADDR, 500, q[i],
		              qlen[i]);
	nq = 0;
	rs = roam ? (cresp->n_pend == 1 ? cresp->pend[0] : NULL)
	          : cresp->peers[0].sa;
	if (rs == NULL || rs->state != S_INIT_DONE)
		abort(); /* the harness itself is broken */
	if (auth_len == 0 && rs->resp != NULL && rs->resp_len > 2) {
		uint16_t l;

		/* The answer to the initiator: it derives its keys and
		 * builds its IKE_AUTH, whose plaintext is kept. */
		memcpy(&l, rs->resp, 2);
		vpn_ike_input(cini, now, I_ADDR, 500, R_ADDR, 500, rs->resp + 2,
		              l);
		auth_first = cini->pt[16];
		auth_len = chain_len(cini->pt + IKE_HDR_LEN, auth_first);
		if (auth_len == 0 || auth_first != IKE_PT_IDI)
			abort();
		memcpy(auth_pt, cini->pt + IKE_HDR_LEN, auth_len);
		nq = 0;
	}
	return rs;
}

/* The real IKE_AUTH plaintext with data written over it at off. */
static void
cert_auth(bool roam, uint16_t off, const uint8_t *data, size_t size)
{
	static uint8_t pt[IKE_MAX_MSG];
	struct ike_sa *rs = cert_pair(roam);
	size_t len = auth_len;

	memcpy(pt, auth_pt, auth_len);
	off %= (uint16_t)auth_len;
	if (size > auth_len - off)
		size = auth_len - off;
	memcpy(pt + off, data, size);
	seal_to(cresp, rs, IKE_AUTH, 1, auth_first, pt, len);
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
	else if ((data[0] & 3) == 3 && size >= 3)
		cert_auth(data[0] & 4, (uint16_t)(data[1] << 8 | data[2]),
		          data + 3, size - 3);
	else if (size >= 3)
		sealed(data[1], data[2], data + 3, size - 3);
	now += 100;
	vpn_ike_tick(resp, now);
	return 0;
}
