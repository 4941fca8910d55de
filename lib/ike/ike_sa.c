/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKEv2 engine (RFC 7296): IKE SAs and their first Child SA, both
 * roles, PSK authentication.
 *
 *   initiator                            responder
 *   IKE_SA_INIT  SA KE Ni N(NAT_D)x2  ->
 *                                    <-  SA KE Nr N(NAT_D)x2
 *                                        (or N(COOKIE), N(INVALID_KE))
 *   IKE_AUTH SK{IDi AUTH SA TSi TSr}  ->
 *                                    <-  SK{IDr AUTH SA TSi TSr}
 *   INFORMATIONAL SK{} (liveness), SK{D} (delete), both ways.
 *
 * Messages are read into one buffer, decrypted in place and walked with
 * the bounded readers of ike_msg.c; payloads inside SK are looked at only
 * after it verified. Every change of an SA's state goes through
 * sa_state(), which logs old -> new and why.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_priv.h"

/* The same as single words, for key=value lines. */
static const char *const state_keys[] = {
        [S_INIT_SENT] = "ike_sa_init_sent",
        [S_AUTH_SENT] = "ike_auth_sent",
        [S_INIT_DONE] = "ike_sa_init_answered",
        [S_ESTABLISHED] = "established",
        [S_DEAD] = "down",
};

static const char *const state_names[] = {
        [S_INIT_SENT] = "IKE_SA_INIT sent",
        [S_AUTH_SENT] = "IKE_AUTH sent",
        [S_INIT_DONE] = "IKE_SA_INIT answered",
        [S_ESTABLISHED] = "established",
        [S_DEAD] = "down",
};

/* ---- small helpers ------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) static void
plog(struct vpn_ike *ike, unsigned int peer, const char *fmt, ...)
{
	char line[512];
	int n;
	va_list ap;

	n = snprintf(line, sizeof(line), "ike %s: ", ike->peers[peer].cfg.name);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (ike->ops.log)
		ike->ops.log(ike->ctx, line);
}

static void *
dup_bytes(const void *p, size_t len)
{
	void *d = malloc(len ? len : 1);

	if (d != NULL)
		memcpy(d, p, len);
	return d;
}

static uint64_t
rand64(void)
{
	uint64_t v = 0;

	while (v == 0)
		if (ike_random(&v, sizeof(v)) != 0)
			return 0;
	return v;
}

static uint32_t
rand_spi(void)
{
	uint32_t v = 0;

	/* SPIs 1-255 are reserved (RFC 4303 2.1). */
	while (v < 256)
		if (ike_random(&v, sizeof(v)) != 0)
			return 0;
	return v;
}

static uint32_t
new_spi(struct vpn_ike *ike)
{
	return ike->ops.spi_alloc ? ike->ops.spi_alloc(ike->ctx) : rand_spi();
}

static uint16_t
integ_to_prf(uint16_t integ)
{
	switch (integ) {
	case IKE_AUTH_HMAC_SHA1_96:
		return IKE_PRF_HMAC_SHA1;
	case IKE_AUTH_HMAC_SHA2_256_128:
		return IKE_PRF_HMAC_SHA2_256;
	case IKE_AUTH_HMAC_SHA2_384_192:
		return IKE_PRF_HMAC_SHA2_384;
	case IKE_AUTH_HMAC_SHA2_512_256:
		return IKE_PRF_HMAC_SHA2_512;
	}
	return 0;
}

/* ---- SAs ---------------------------------------------------------------- */

/*
 * The tunnel's status line, with the fields of AWS's tunnel logs: phase
 * 1 and 2 state, whether DPD runs, what NAT-T detection found, and what
 * just happened.
 */
static void
status_log(struct vpn_ike *ike, unsigned int peer, const char *details)
{
	const struct peer *p = &ike->peers[peer];
	const struct ike_sa *sa = p->sa;
	bool up = false;

	for (int i = 0; i < IKE_MAX_CHILDREN; i++)
		up |= p->ch[i].used && p->ch[i].routed;
	plog(ike, peer,
	     "status: ike_phase1_state=%s ike_phase2_state=%s "
	     "dpd_enabled=%s nat_t_detection=%s details=\"%s\"",
	     sa ? state_keys[sa->state] : "down", up ? "up" : "down",
	     p->cfg.dpd_action == VPN_IKE_DPD_NONE ? "false" : "true",
	     sa == NULL           ? "-"
	     : sa->nat_local      ? "local"
	     : sa->nat_remote     ? "remote"
	     : p->cfg.force_encap ? "forced"
	                          : "none",
	     details);
}

static void
sa_state(struct vpn_ike *ike, struct ike_sa *sa, enum sa_state to,
         const char *why)
{
	struct peer *p = &ike->peers[sa->peer];

	if (sa->state == to)
		return;
	plog(ike, sa->peer, "IKE SA %016llx_i %016llx_r: %s -> %s (%s)",
	     (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
	     state_names[sa->state], state_names[to], why);
	snprintf(p->last, sizeof(p->last), "%s -> %s (%s)",
	         state_names[sa->state], state_names[to], why);
	if (sa->state == S_INIT_DONE && ike->half_open > 0)
		ike->half_open--;
	if (to == S_INIT_DONE)
		ike->half_open++;
	sa->state = to;
	if (p->sa == sa || p->sa == NULL)
		status_log(ike, sa->peer, p->last);
}

static struct ike_sa *
sa_new(struct vpn_ike *ike, unsigned int peer, bool initiator)
{
	const struct vpn_ike_peer *c = &ike->peers[peer].cfg;
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (sa == NULL)
		return NULL;
	sa->peer = peer;
	sa->initiator = initiator;
	sa->state = S_DEAD;
	sa->local = c->local;
	sa->remote = c->remote;
	sa->lport = sa->rport = c->force_encap ? IKE_NATT_PORT : IKE_PORT;
	sa->created = sa->last_rx = ike->now;
	return sa;
}

/* ---- Child SAs (the tunnel's, across IKE SA rekeys) ------------------------
 */

/* The Child SA whose inbound (or outbound) SPI is spi, or NULL. */
static struct child *
child_spi(struct peer *p, uint32_t spi, bool out)
{
	for (int i = 0; i < IKE_MAX_CHILDREN; i++)
		if (p->ch[i].used &&
		    (out ? p->ch[i].spi_out : p->ch[i].spi_in) == spi)
			return &p->ch[i];
	return NULL;
}

static struct child *
child_find(struct peer *p, uint32_t spi_in)
{
	return child_spi(p, spi_in, false);
}

static struct child *
child_by_out(struct peer *p, uint32_t spi_out)
{
	return child_spi(p, spi_out, true);
}

/* The newest Child SA but not x, preferring ones not yet replaced. */
static struct child *
child_newest(struct peer *p, const struct child *x)
{
	struct child *best = NULL;

	for (int i = 0; i < IKE_MAX_CHILDREN; i++) {
		struct child *c = &p->ch[i];

		if (!c->used || c == x)
			continue;
		if (best == NULL || (best->rekeyed && !c->rekeyed) ||
		    (best->rekeyed == c->rekeyed &&
		     c->installed >= best->installed))
			best = c;
	}
	return best;
}

static void
child_route(struct vpn_ike *ike, unsigned int peer, struct child *c)
{
	struct peer *p = &ike->peers[peer];

	c->route_at = 0;
	if (c->routed)
		return;
	for (int i = 0; i < IKE_MAX_CHILDREN; i++)
		p->ch[i].routed = false;
	c->routed = true;
	ike->ops.child_route(ike->ctx, peer, c->spi_in);
	status_log(ike, peer, "Child SA routed");
}

static void
child_remove(struct vpn_ike *ike, unsigned int peer, struct child *c,
             const char *why)
{
	struct peer *p = &ike->peers[peer];

	if (!c->used)
		return;
	/* Traffic moves to the newest other one first. */
	if (c->routed) {
		struct child *n = child_newest(p, c);

		if (n != NULL)
			child_route(ike, peer, n);
	}
	plog(ike, peer, "Child SA %08x_i %08x_o: removed (%s)", c->spi_in,
	     c->spi_out, why);
	ike->ops.child_del(ike->ctx, peer, c->spi_in);
	memset(c, 0, sizeof(*c));
	status_log(ike, peer, why);
}

/* Every Child SA of the tunnel goes (its IKE SA ended). */
static void
children_clear(struct vpn_ike *ike, unsigned int peer, const char *why)
{
	struct peer *p = &ike->peers[peer];

	for (int i = 0; i < IKE_MAX_CHILDREN; i++)
		p->ch[i].routed = false;
	for (int i = 0; i < IKE_MAX_CHILDREN; i++)
		child_remove(ike, peer, &p->ch[i], why);
}

/* When to rekey what has a lifetime of life seconds from now: the
 * margin before its end, and up to fuzz % of the margin earlier. */
static uint64_t
rekey_time(const struct vpn_ike_peer *cfg, uint32_t life_s, uint64_t now)
{
	uint64_t life = life_s * 1000ull, margin = cfg->rekey_margin * 1000ull;
	uint64_t fuzz = 0, at;
	uint32_t r = 0;

	if (margin > life / 2)
		margin = life / 2;
	if (cfg->rekey_fuzz > 0 && margin > 0 && ike_random(&r, sizeof(r)) == 0)
		fuzz = r % (margin * cfg->rekey_fuzz / 100 + 1);
	at = life - margin - fuzz;
	return now + (at < life / 4 ? life / 4 : at);
}

static void
sa_free(struct vpn_ike *ike, struct ike_sa *sa, const char *why)
{
	if (sa == NULL)
		return;
	sa_state(ike, sa, S_DEAD, why);
	ike_dh_free(sa->dh);
	ike_dh_free(sa->rk_dh);
	free(sa->msg1);
	free(sa->msg2);
	free(sa->req);
	free(sa->resp);
	for (int i = 0; i < IKE_MAX_FRAGS; i++)
		free(sa->rf_chunk[i]);
	explicit_bzero(sa, sizeof(*sa));
	free(sa);
}

/* ---- sending ------------------------------------------------------------ */

/* Datagrams as one buffer: each after its length in two bytes. */
static uint8_t *
pack_append(uint8_t *pk, size_t *len, const uint8_t *m, size_t ml)
{
	uint8_t *n = ml <= 0xffff ? realloc(pk, *len + 2 + ml) : NULL;
	uint16_t l = (uint16_t)ml;

	if (n == NULL) {
		free(pk);
		*len = 0;
		return NULL;
	}
	memcpy(n + *len, &l, 2);
	memcpy(n + *len + 2, m, ml);
	*len += 2 + ml;
	return n;
}

static void
wire(struct vpn_ike *ike, struct ike_sa *sa, const uint8_t *pk, size_t len)
{
	for (size_t off = 0; off + 2 <= len;) {
		uint16_t l;

		memcpy(&l, pk + off, 2);
		off += 2;
		if (l > len - off)
			return;
		ike->st.tx++;
		ike->ops.send(ike->ctx, sa->local, sa->lport, sa->remote,
		              sa->rport, pk + off, l);
		off += l;
	}
}

/* Keep msg as the outstanding request of sa and send it. */
/* Keep the datagrams pk (pack_append's; ours now) as the outstanding
 * request of sa and send them. */
static void
send_request(struct vpn_ike *ike, struct ike_sa *sa, uint8_t exch, uint8_t *pk,
             size_t len, enum req_kind kind)
{
	free(sa->req);
	sa->req = pk;
	sa->req_len = pk ? len : 0;
	sa->req_exch = exch;
	sa->req_kind = kind;
	sa->req_first = ike->now;
	sa->req_tries = 0;
	sa->req_next = ike->now + 1000;
	wire(ike, sa, sa->req, sa->req_len);
}

static void
send_response(struct vpn_ike *ike, struct ike_sa *sa, uint8_t *pk, size_t len)
{
	free(sa->resp);
	sa->resp = pk;
	sa->resp_len = pk ? len : 0;
	wire(ike, sa, sa->resp, sa->resp_len);
}

/* The cached response again, for a retransmitted request. The header
 * that asks for it is not authenticated, so it goes at most once in
 * IKE_RESEND_MS: nobody can make us send many answers for one. */
static void
resend(struct vpn_ike *ike, struct ike_sa *sa)
{
	if (sa->last_resend != 0 &&
	    ike->now - sa->last_resend < IKE_RESEND_MS) {
		ike->st.unexpected++;
		return;
	}
	sa->last_resend = ike->now;
	ike->st.resent_responses++;
	wire(ike, sa, sa->resp, sa->resp_len);
}

/* The keys a message from us is protected with. */
static const struct ike_sk_keys *
keys_out(const struct ike_sa *sa)
{
	return sa->initiator ? &sa->ki : &sa->kr;
}

static const struct ike_sk_keys *
keys_in(const struct ike_sa *sa)
{
	return sa->initiator ? &sa->kr : &sa->ki;
}

/* Start the inner payloads of an SK payload (ike->pt). */
static void
inner_begin(struct vpn_ike *ike, struct ike_writer *w)
{
	struct ike_hdr h = {.version = 0x20};

	vpn_ike_begin(w, ike->pt, sizeof(ike->pt), &h);
}

/*
 * Wrap the inner payloads of w in an SK payload of a message of exch and
 * send it: as a request (kept for retransmission) or as the response to
 * msg_id (kept for duplicates). 0 or -1.
 */
static int
send_sk(struct vpn_ike *ike, struct ike_sa *sa, uint8_t exch, bool response,
        uint32_t msg_id, struct ike_writer *w, enum req_kind kind)
{
	const struct vpn_ike_peer *cfg = &ike->peers[sa->peer].cfg;
	const struct ike_sk_keys *k = keys_out(sa);
	size_t max = cfg->frag_size ? cfg->frag_size : IKE_FRAG_SIZE;
	size_t ptlen, total, room, off = 0, pklen = 0;
	const uint8_t *pt = ike->pt + IKE_HDR_LEN;
	unsigned int nfrag = 1;
	struct ike_hdr h = {0};
	uint8_t *m = ike->out, *pk = NULL;

	if (w->err != IKE_ERR_OK)
		return -1;
	ptlen = w->len - IKE_HDR_LEN;
	total = IKE_HDR_LEN + ike_sk_overhead(k, ptlen) + ptlen;
	/* Too big for one datagram and the peer takes fragments (RFC 7383
	 * 2.5): SKF payloads, each with as much of the plaintext as fits. */
	room = max > IKE_HDR_LEN + 8 + 64 + 16 + 32
	               ? max - IKE_HDR_LEN - 8 - ike_sk_iv_len(k) -
	                         ike_sk_icv_len(k) - 16
	               : 64;
	if (sa->frag && total > max) {
		nfrag = (unsigned int)((ptlen + room - 1) / room);
		if (nfrag > IKE_MAX_FRAGS)
			return -1;
	} else if (total > sizeof(ike->out))
		return -1;
	h.spi_i = sa->spi_i;
	h.spi_r = sa->spi_r;
	h.version = 0x20;
	h.exchange = exch;
	h.flags = (sa->initiator ? IKE_FLAG_INITIATOR : 0) |
	          (response ? IKE_FLAG_RESPONSE : 0);
	h.msg_id = msg_id;
	for (unsigned int f = 1; f <= nfrag; f++) {
		size_t chunk = nfrag == 1           ? ptlen
		               : ptlen - off < room ? ptlen - off
		                                    : room;
		/* SKF carries the fragment number and count after its
		 * generic header; they are part of what is authenticated. */
		size_t hl = nfrag == 1 ? 4 : 8;
		size_t len = IKE_HDR_LEN + hl - 4 + ike_sk_overhead(k, chunk) +
		             chunk;

		h.next = nfrag == 1 ? IKE_PT_SK : IKE_PT_SKF;
		h.length = (uint32_t)len;
		vpn_ike_hdr_write(m, &h);
		m[IKE_HDR_LEN] = f == 1 ? w->buf[16] : 0; /* first inner */
		m[IKE_HDR_LEN + 1] = 0;
		put16(m + IKE_HDR_LEN + 2, (uint16_t)(len - IKE_HDR_LEN));
		if (nfrag > 1) {
			put16(m + IKE_HDR_LEN + 4, (uint16_t)f);
			put16(m + IKE_HDR_LEN + 6, (uint16_t)nfrag);
		}
		memcpy(m + IKE_HDR_LEN + hl + ike_sk_iv_len(k), pt + off,
		       chunk);
		if (ike_sk_seal(k, m, len, IKE_HDR_LEN + hl - 4, chunk) != 0) {
			free(pk);
			return -1;
		}
		pk = pack_append(pk, &pklen, m, len);
		if (pk == NULL)
			return -1;
		off += chunk;
	}
	if (nfrag > 1)
		ike->st.fragments_sent += nfrag;
	if (response)
		send_response(ike, sa, pk, pklen);
	else
		send_request(ike, sa, exch, pk, pklen, kind);
	return 0;
}

/* A notify payload body: protocol, SPI, type, data. */
static void
add_notify(struct ike_writer *w, uint8_t proto, uint32_t spi, uint16_t type,
           const void *data, size_t len)
{
	uint8_t b[8 + 64];
	size_t spi_len = spi ? 4 : 0;

	if (len > 64) {
		w->err = IKE_ERR_NO_ROOM;
		return;
	}
	b[0] = proto;
	b[1] = (uint8_t)spi_len;
	put16(b + 2, type);
	if (spi_len)
		put32(b + 4, spi);
	if (len)
		memcpy(b + 4 + spi_len, data, len);
	vpn_ike_add(w, IKE_PT_NOTIFY, false, b, 4 + spi_len + len);
}

/* An unencrypted IKE_SA_INIT response carrying only an error notify, to
 * the initiator (no SA is kept). */
static void
send_init_error(struct vpn_ike *ike, const struct ike_hdr *req, uint32_t local,
                uint16_t lport, uint32_t remote, uint16_t rport, uint16_t type,
                const void *data, size_t len)
{
	struct ike_hdr h = {.spi_i = req->spi_i,
	                    .version = 0x20,
	                    .exchange = IKE_SA_INIT,
	                    .flags = IKE_FLAG_RESPONSE,
	                    .msg_id = 0};
	struct ike_writer w;
	size_t n;

	vpn_ike_begin(&w, ike->out, sizeof(ike->out), &h);
	add_notify(&w, 0, 0, type, data, len);
	n = vpn_ike_finish(&w);
	if (n == 0)
		return;
	ike->st.tx++;
	ike->ops.send(ike->ctx, local, lport, remote, rport, ike->out, n);
}

/* ---- proposals ---------------------------------------------------------- */

static bool
is_aead(uint16_t encr)
{
	return encr == IKE_ENCR_AES_GCM_16;
}

/* Our proposals from an algorithm list: one for the AEAD ciphers, one for
 * the others (RFC 7296 3.3: they can't share a proposal). */
/*
 * Which SA payload: an IKE SA's (IKE_SA_INIT; CREATE_CHILD_SA rekeying
 * it, with our new 8-byte SPI), or a Child SA's (IKE_AUTH, where DH is
 * left out; CREATE_CHILD_SA, where it is PFS).
 */
enum pmode { PM_IKE, PM_IKE_REKEY, PM_ESP_AUTH, PM_ESP_CCS };

static bool
pm_ike(enum pmode m)
{
	return m == PM_IKE || m == PM_IKE_REKEY;
}

/* Our proposals from an algorithm list: one for the AEAD ciphers, one for
 * the others (RFC 7296 3.3: they can't share a proposal). */
static unsigned int
build_proposals(const struct vpn_ike_algs *a, enum pmode m, uint64_t spi,
                struct ike_proposal *props)
{
	bool ike_sa = pm_ike(m);
	unsigned int n = 0;

	for (int aead = 0; aead < 2; aead++) {
		struct ike_proposal *p = &props[n];
		unsigned int k = 0;

		memset(p, 0, sizeof(*p));
		for (unsigned int i = 0; i < a->n_encr; i++)
			if (is_aead(a->encr[i].id) == (aead == 1))
				p->t[k++] = (struct ike_transform){
				        IKE_TT_ENCR, a->encr[i].id,
				        a->encr[i].key_bits};
		if (k == 0)
			continue;
		if (ike_sa)
			for (unsigned int i = 0; i < a->n_integ; i++)
				p->t[k++] = (struct ike_transform){
				        IKE_TT_PRF, integ_to_prf(a->integ[i]),
				        0};
		if (!aead)
			for (unsigned int i = 0; i < a->n_integ; i++)
				p->t[k++] = (struct ike_transform){
				        IKE_TT_INTEG, a->integ[i], 0};
		if (m != PM_ESP_AUTH)
			for (unsigned int i = 0; i < a->n_dh; i++)
				p->t[k++] = (struct ike_transform){IKE_TT_DH,
				                                   a->dh[i], 0};
		if (!ike_sa) {
			/* ESN or not: the peer chooses. */
			p->t[k++] = (struct ike_transform){IKE_TT_ESN, 1, 0};
			p->t[k++] = (struct ike_transform){IKE_TT_ESN, 0, 0};
		}
		p->n = k;
		p->protocol = ike_sa ? IKE_PROTO_IKE : IKE_PROTO_ESP;
		if (m == PM_IKE_REKEY) {
			p->spi_len = 8;
			put64(p->spi, spi);
		} else if (!ike_sa) {
			p->spi_len = 4;
			put32(p->spi, (uint32_t)spi);
		}
		n++;
	}
	return n;
}

/* What a proposal was chosen to be. */
struct choice {
	uint8_t num;
	uint16_t encr, key_bits, integ, prf, dh; /* dh 0: none (no PFS) */
	bool esn;
	uint64_t spi; /* ESP, IKE rekey: the proposer's SPI */
};

static bool
allowed(const struct vpn_ike_algs *a, const struct ike_transform *t,
        enum pmode m)
{
	switch (t->type) {
	case IKE_TT_ENCR:
		for (unsigned int i = 0; i < a->n_encr; i++)
			if (a->encr[i].id == t->id &&
			    a->encr[i].key_bits == t->key_bits)
				return true;
		return false;
	case IKE_TT_PRF:
		for (unsigned int i = 0; i < a->n_integ; i++)
			if (integ_to_prf(a->integ[i]) == t->id)
				return true;
		return false;
	case IKE_TT_INTEG:
		for (unsigned int i = 0; i < a->n_integ; i++)
			if (a->integ[i] == t->id)
				return true;
		return false;
	case IKE_TT_DH:
		if (m == PM_ESP_AUTH)
			return true; /* no PFS in IKE_AUTH: ignored */
		if (m == PM_ESP_CCS && t->id == 0)
			return true; /* NONE: a rekey without PFS */
		for (unsigned int i = 0; i < a->n_dh; i++)
			if (a->dh[i] == t->id)
				return true;
		return false;
	case IKE_TT_ESN:
		return t->id <= 1;
	}
	return false;
}

/*
 * Pick from a proposal: for each transform type the first one we allow,
 * in the proposer's order. false when a type we need has none.
 */
static bool
choose_one(const struct vpn_ike_algs *a, const struct ike_proposal *p,
           enum pmode m, struct choice *c)
{
	bool ike_sa = pm_ike(m), have[6] = {false}, any_dh = false;

	memset(c, 0, sizeof(*c));
	c->num = p->num;
	if (p->protocol != (ike_sa ? IKE_PROTO_IKE : IKE_PROTO_ESP) ||
	    p->spi_len != (m == PM_IKE         ? 0
	                   : m == PM_IKE_REKEY ? 8
	                                       : 4))
		return false;
	if (m == PM_IKE_REKEY)
		c->spi = get64(p->spi);
	else if (!ike_sa)
		c->spi = get32(p->spi);
	for (unsigned int i = 0; i < p->n; i++) {
		const struct ike_transform *t = &p->t[i];

		any_dh |= t->type == IKE_TT_DH;
		if (t->type > IKE_TT_ESN || have[t->type] || !allowed(a, t, m))
			continue;
		/* INTEG "none" (0) is only for AEAD; skip it. */
		if (t->type == IKE_TT_INTEG && t->id == 0)
			continue;
		have[t->type] = true;
		switch (t->type) {
		case IKE_TT_ENCR:
			c->encr = t->id;
			c->key_bits = t->key_bits;
			break;
		case IKE_TT_PRF:
			c->prf = t->id;
			break;
		case IKE_TT_INTEG:
			c->integ = t->id;
			break;
		case IKE_TT_DH:
			c->dh = t->id;
			break;
		case IKE_TT_ESN:
			c->esn = t->id == 1;
			break;
		}
	}
	if (!have[IKE_TT_ENCR])
		return false;
	if (is_aead(c->encr))
		c->integ = 0;
	else if (!have[IKE_TT_INTEG])
		return false;
	if (ike_sa && (!have[IKE_TT_PRF] || !have[IKE_TT_DH]))
		return false;
	/* A rekey that offers groups must get one we take. */
	if (m == PM_ESP_CCS && any_dh && !have[IKE_TT_DH])
		return false;
	if (m == PM_ESP_AUTH)
		c->dh = 0;
	return true;
}

/* The first acceptable proposal of an SA payload, as the initiator
 * ordered them. */
static bool
choose(const struct vpn_ike_algs *a, const struct ike_payload *sa, enum pmode m,
       struct choice *c, struct vpn_ike *ike)
{
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	unsigned int n;

	if (vpn_ike_sa_parse(sa->body, sa->len, props, IKE_MAX_PROPOSALS, &n) !=
	    IKE_ERR_OK) {
		ike->st.malformed++;
		return false;
	}
	for (unsigned int i = 0; i < n; i++)
		if (choose_one(a, &props[i], m, c))
			return true;
	return false;
}

/* The one proposal a responder answers with. */
static void
add_choice(struct ike_writer *w, const struct choice *c, enum pmode m,
           uint64_t spi)
{
	bool ike_sa = pm_ike(m);
	struct ike_proposal p = {.num = c->num,
	                         .protocol = ike_sa ? IKE_PROTO_IKE
	                                            : IKE_PROTO_ESP};
	unsigned int k = 0;

	p.t[k++] = (struct ike_transform){IKE_TT_ENCR, c->encr, c->key_bits};
	if (ike_sa)
		p.t[k++] = (struct ike_transform){IKE_TT_PRF, c->prf, 0};
	if (c->integ)
		p.t[k++] = (struct ike_transform){IKE_TT_INTEG, c->integ, 0};
	if (ike_sa || c->dh)
		p.t[k++] = (struct ike_transform){IKE_TT_DH, c->dh, 0};
	if (!ike_sa) {
		p.t[k++] = (struct ike_transform){IKE_TT_ESN, c->esn, 0};
		p.spi_len = 4;
		put32(p.spi, (uint32_t)spi);
	} else if (m == PM_IKE_REKEY) {
		p.spi_len = 8;
		put64(p.spi, spi);
	}
	p.n = k;
	vpn_ike_add_sa(w, &p, 1);
}

/* The responder's answer must be one of our proposals, reduced to one
 * transform of each type. */
static bool
check_answer(const struct vpn_ike_algs *a, const struct ike_payload *sa,
             enum pmode m, struct choice *c, struct vpn_ike *ike)
{
	struct ike_proposal p;
	unsigned int n, count[6] = {0};

	if (vpn_ike_sa_parse(sa->body, sa->len, &p, 1, &n) != IKE_ERR_OK ||
	    n != 1) {
		ike->st.malformed++;
		return false;
	}
	for (unsigned int i = 0; i < p.n; i++)
		if (p.t[i].type <= IKE_TT_ESN)
			count[p.t[i].type]++;
	for (int t = 1; t <= IKE_TT_ESN; t++)
		if (count[t] > 1)
			return false;
	return choose_one(a, &p, m, c);
}

/* ---- key derivation ---------------------------------------------------- */

/* SKEYSEED and the IKE SA's keys (RFC 7296 2.14) from g^ir; when old is
 * the IKE SA being rekeyed, SKEYSEED = prf(SK_d (old), g^ir | Ni | Nr)
 * with the old SA's PRF (2.18). */
static int
derive_ike_keys(struct ike_sa *sa, const uint8_t *gir, size_t gir_len,
                const struct ike_sa *old)
{
	size_t plen = ike_prf_len(sa->prf),
	       ml = ike_sk_key_material(sa->encr, sa->key_bits, sa->integ),
	       el = sa->key_bits / 8u + (is_aead(sa->encr) ? 4 : 0),
	       al = ike_integ_key_len(sa->integ);
	uint8_t seed[IKE_MAX_PRF_LEN], km[3 * IKE_MAX_PRF_LEN + 2 * 100];
	uint8_t nn[2 * IKE_MAX_NONCE], spis[16];
	struct ike_iov iov[3];
	int rc = -1;
	uint8_t *k = km;

	memcpy(nn, sa->ni, sa->ni_len);
	memcpy(nn + sa->ni_len, sa->nr, sa->nr_len);
	put64(spis, sa->spi_i);
	put64(spis + 8, sa->spi_r);
	iov[0] = (struct ike_iov){gir, gir_len};
	iov[1] = (struct ike_iov){nn, sa->ni_len + sa->nr_len};
	if (old != NULL) {
		if (ike_prf_len(old->prf) != plen ||
		    ike_prf(old->prf, old->skd, ike_prf_len(old->prf), iov, 2,
		            seed) != 0)
			goto out;
	} else if (ike_prf(sa->prf, nn, sa->ni_len + sa->nr_len, iov, 1,
	                   seed) != 0) /* SKEYSEED = prf(Ni | Nr, g^ir) */
		goto out;
	/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
	 *   = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
	iov[0] = (struct ike_iov){nn, sa->ni_len + sa->nr_len};
	iov[1] = (struct ike_iov){spis, 16};
	if (3 * plen + ml * 2 > sizeof(km) ||
	    ike_prf_plus(sa->prf, seed, plen, iov, 2, km, 3 * plen + 2 * ml) !=
	            0)
		goto out;
	memcpy(sa->skd, k, plen);
	k += plen;
	sa->ki = (struct ike_sk_keys){
	        .encr = sa->encr, .key_bits = sa->key_bits, .integ = sa->integ};
	sa->kr = sa->ki;
	memcpy(sa->ki.ak, k, al);
	k += al;
	memcpy(sa->kr.ak, k, al);
	k += al;
	memcpy(sa->ki.ek, k, el);
	k += el;
	memcpy(sa->kr.ek, k, el);
	k += el;
	memcpy(sa->skpi, k, plen);
	k += plen;
	memcpy(sa->skpr, k, plen);
	rc = 0;
out:
	explicit_bzero(seed, sizeof(seed));
	explicit_bzero(km, sizeof(km));
	return rc;
}

/* The Child SA's keys: KEYMAT = prf+(SK_d, Ni | Nr), initiator-to-
 * responder first (RFC 7296 2.17). */
/* A Child SA's keys: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), from
 * the exchange's initiator to its responder first (RFC 7296 2.17); we_i
 * says whether we initiated the exchange. */
static int
derive_child_keys(const struct ike_sa *sa, struct vpn_ike_child *c, bool we_i,
                  const uint8_t *gir, size_t gl, const uint8_t *ni,
                  size_t ni_len, const uint8_t *nr, size_t nr_len)
{
	size_t el = c->key_bits / 8u + (is_aead(c->encr) ? 4 : 0),
	       al = ike_integ_key_len(c->integ);
	uint8_t km[2 * (36 + 64)];
	struct ike_iov iov[3];
	unsigned int k = 0;
	uint8_t *ei, *ai, *er, *ar;
	int rc;

	if (gl > 0)
		iov[k++] = (struct ike_iov){gir, gl};
	iov[k++] = (struct ike_iov){ni, ni_len};
	iov[k++] = (struct ike_iov){nr, nr_len};
	rc = ike_prf_plus(sa->prf, sa->skd, ike_prf_len(sa->prf), iov, k, km,
	                  2 * (el + al));
	ei = km;
	ai = ei + el;
	er = ai + al;
	ar = er + el;
	memcpy(c->ekey_in, we_i ? er : ei, el);
	memcpy(c->akey_in, we_i ? ar : ai, al);
	memcpy(c->ekey_out, we_i ? ei : er, el);
	memcpy(c->akey_out, we_i ? ai : ar, al);
	explicit_bzero(km, sizeof(km));
	return rc;
}

/* AUTH for PSK (RFC 7296 2.15): prf(prf(PSK, "Key Pad for IKEv2"),
 * <message> | <nonce> | prf(SK_p, <ID payload body>)). */
static int
psk_auth(const struct vpn_ike_peer *cfg, const struct ike_sa *sa,
         bool of_initiator, const uint8_t *id, size_t id_len, uint8_t *out)
{
	static const char pad[] = "Key Pad for IKEv2";
	uint8_t key[IKE_MAX_PRF_LEN], macid[IKE_MAX_PRF_LEN];
	struct ike_iov iov[3];
	size_t plen = ike_prf_len(sa->prf);
	int rc;

	iov[0] = (struct ike_iov){id, id_len};
	rc = ike_prf(sa->prf, of_initiator ? sa->skpi : sa->skpr, plen, iov, 1,
	             macid);
	iov[0] = (struct ike_iov){pad, sizeof(pad) - 1};
	rc |= ike_prf(sa->prf, cfg->psk, cfg->psk_len, iov, 1, key);
	if (of_initiator) {
		iov[0] = (struct ike_iov){sa->msg1, sa->msg1_len};
		iov[1] = (struct ike_iov){sa->nr, sa->nr_len};
	} else {
		iov[0] = (struct ike_iov){sa->msg2, sa->msg2_len};
		iov[1] = (struct ike_iov){sa->ni, sa->ni_len};
	}
	iov[2] = (struct ike_iov){macid, plen};
	rc |= ike_prf(sa->prf, key, plen, iov, 3, out);
	explicit_bzero(key, sizeof(key));
	return rc;
}

/*
 * The AUTH step, one place per method: PSK today; certificates will be a
 * second method behind the same two calls.
 */

/* Our AUTH payload body (method, reserved, data) as the initiator or the
 * responder, over our ID payload body id: its length, or 0. */
static size_t
auth_make(const struct vpn_ike_peer *cfg, const struct ike_sa *sa,
          bool of_initiator, const uint8_t *id, size_t id_len, uint8_t *out)
{
	memset(out, 0, 4);
	out[0] = IKE_AUTH_PSK;
	if (psk_auth(cfg, sa, of_initiator, id, id_len, out + 4) != 0)
		return 0;
	return 4 + ike_prf_len(sa->prf);
}

/* Whether the peer's AUTH payload verifies over its ID payload body. */
static bool
auth_verify(const struct vpn_ike_peer *cfg, const struct ike_sa *sa,
            bool of_initiator, const struct ike_payload *id,
            const struct ike_payload *auth)
{
	uint8_t want[IKE_MAX_PRF_LEN];
	size_t plen = ike_prf_len(sa->prf);
	bool ok =
	        auth->len == 4 + plen && auth->body[0] == IKE_AUTH_PSK &&
	        psk_auth(cfg, sa, of_initiator, id->body, id->len, want) == 0 &&
	        ike_equal(want, auth->body + 4, plen);

	explicit_bzero(want, sizeof(want));
	return ok;
}

/* Our ID payload body: ID_IPV4_ADDR of our outside address. */
static size_t
make_id(const struct ike_sa *sa, uint8_t id[8])
{
	memset(id, 0, 8);
	id[0] = IKE_ID_IPV4_ADDR;
	put32(id + 4, sa->local);
	return 8;
}

/* ---- NAT detection (RFC 7296 2.23) --------------------------------------- */

static void
nat_hash(uint64_t spi_i, uint64_t spi_r, uint32_t ip, uint16_t port,
         uint8_t out[20])
{
	uint8_t b[22];
	struct ike_iov iov = {b, sizeof(b)};

	put64(b, spi_i);
	put64(b + 8, spi_r);
	put32(b + 16, ip);
	put16(b + 20, port);
	ike_sha1(&iov, 1, out);
}

static void
add_nat_d(struct vpn_ike *ike, struct ike_writer *w, const struct ike_sa *sa,
          uint64_t spi_r)
{
	uint8_t h[20];

	nat_hash(sa->spi_i, spi_r, sa->local, sa->lport, h);
	/* Accelerated: a source hash that can't match makes the peer see a
	 * NAT, so both sides put ESP in UDP. */
	if (ike->peers[sa->peer].cfg.force_encap)
		ike_random(h, sizeof(h));
	add_notify(w, 0, 0, IKE_N_NAT_DETECTION_SOURCE_IP, h, 20);
	nat_hash(sa->spi_i, spi_r, sa->remote, sa->rport, h);
	add_notify(w, 0, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, h, 20);
}

/* A notify's type, and its data. */
static uint16_t
notify_type(const struct ike_payload *p, const uint8_t **data, size_t *len)
{
	size_t spi_len;

	if (p->len < 4)
		return 0;
	spi_len = p->body[1];
	if (4 + spi_len > p->len)
		return 0;
	if (data) {
		*data = p->body + 4 + spi_len;
		*len = p->len - 4 - spi_len;
	}
	return get16(p->body + 2);
}

static bool
has_notify(const struct ike_payload *pl, unsigned int n, uint16_t type)
{
	for (unsigned int i = 0; i < n; i++)
		if (pl[i].type == IKE_PT_NOTIFY &&
		    notify_type(&pl[i], NULL, NULL) == type)
			return true;
	return false;
}

/* Compare the peer's NAT_D notifies with what we see: sets nat_local
 * (our address was changed) and nat_remote (the peer's). */
static void
nat_check(struct ike_sa *sa, const struct ike_payload *pl, unsigned int n,
          uint64_t spi_r)
{
	uint8_t src[20], dst[20];
	bool saw_src = false, src_ok = false, saw_dst = false, dst_ok = false;

	nat_hash(sa->spi_i, spi_r, sa->remote, sa->rport, src);
	nat_hash(sa->spi_i, spi_r, sa->local, sa->lport, dst);
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *d;
		size_t len;
		uint16_t t;

		if (pl[i].type != IKE_PT_NOTIFY)
			continue;
		t = notify_type(&pl[i], &d, &len);
		if (t == IKE_N_NAT_DETECTION_SOURCE_IP) {
			saw_src = true;
			src_ok |= len == 20 && memcmp(d, src, 20) == 0;
		} else if (t == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			saw_dst = true;
			dst_ok |= len == 20 && memcmp(d, dst, 20) == 0;
		}
	}
	sa->nat_remote = saw_src && !src_ok;
	sa->nat_local = saw_dst && !dst_ok;
}

static bool
udp_encap(const struct vpn_ike *ike, const struct ike_sa *sa)
{
	return sa->nat_local || sa->nat_remote ||
	       ike->peers[sa->peer].cfg.force_encap;
}

/* ---- traffic selectors --------------------------------------------------- */

static void
add_ts(struct ike_writer *w, uint8_t type, const struct ts_set *s)
{
	uint8_t b[4 + VPN_IKE_MAX_TS * 16];
	uint8_t *p = b + 4;

	memset(b, 0, 4);
	b[0] = (uint8_t)s->n;
	for (unsigned int i = 0; i < s->n; i++, p += 16) {
		p[0] = IKE_TS_IPV4;
		p[1] = s->v[i].proto;
		put16(p + 2, 16);
		put16(p + 4, s->v[i].sport);
		put16(p + 6, s->v[i].eport);
		put32(p + 8, s->v[i].start);
		put32(p + 12, s->v[i].end);
	}
	vpn_ike_add(w, type, false, b, 4 + s->n * 16u);
}

/* The IPv4 selectors of a TS payload (IPv6 ones are skipped). false when
 * it is malformed. */
static bool
parse_ts(const struct ike_payload *pl, struct ts_set *s)
{
	size_t off = 4;
	unsigned int count;

	s->n = 0;
	if (pl == NULL || pl->len < 4)
		return false;
	count = pl->body[0];
	for (unsigned int i = 0; i < count; i++) {
		uint16_t len;

		if (pl->len - off < 4)
			return false;
		len = get16(pl->body + off + 2);
		if (len < 8 || len > pl->len - off)
			return false;
		if (pl->body[off] == IKE_TS_IPV4) {
			const uint8_t *p = pl->body + off;

			if (len != 16)
				return false;
			if (s->n < VPN_IKE_MAX_TS)
				s->v[s->n++] = (struct ts){
				        p[1], get16(p + 4), get16(p + 6),
				        get32(p + 8), get32(p + 12)};
		}
		off += len;
	}
	return off == pl->len;
}

static void
ts_from_cfg(const struct vpn_ike_ts *v, unsigned int n, struct ts_set *s)
{
	s->n = 0;
	for (unsigned int i = 0; i < n && i < VPN_IKE_MAX_TS; i++)
		s->v[s->n++] = (struct ts){0, 0, 65535, v[i].start, v[i].end};
}

/* theirs narrowed to ours (RFC 7296 2.9): the intersections. */
static void
ts_narrow(const struct ts_set *theirs, const struct ts_set *ours,
          struct ts_set *out)
{
	out->n = 0;
	for (unsigned int i = 0; i < theirs->n; i++)
		for (unsigned int j = 0; j < ours->n; j++) {
			const struct ts *a = &theirs->v[i], *b = &ours->v[j];
			uint32_t s = a->start > b->start ? a->start : b->start;
			uint32_t e = a->end < b->end ? a->end : b->end;

			if (s <= e && a->sport <= a->eport &&
			    out->n < VPN_IKE_MAX_TS)
				out->v[out->n++] = (struct ts){
				        a->proto, a->sport, a->eport, s, e};
		}
}

/* ---- the Child SA -------------------------------------------------------- */

/* The keys of a new Child SA: from which exchange, with which nonces. */
struct keysrc {
	bool we_i; /* we initiated the exchange */
	const uint8_t *gir;
	size_t gl;
	const uint8_t *ni, *nr;
	size_t ni_len, nr_len;
};

/* Install a negotiated Child SA; route it at once, or (a rekey's
 * responder) once the peer deleted the one it replaces. NULL when it
 * could not be installed. */
static struct child *
child_install(struct vpn_ike *ike, struct ike_sa *sa, const struct choice *c,
              uint32_t spi_in, const struct keysrc *ks, bool route)
{
	const struct vpn_ike_peer *cfg = &ike->peers[sa->peer].cfg;
	struct peer *p = &ike->peers[sa->peer];
	struct vpn_ike_child ch;
	struct child *slot = NULL;
	int rc;

	for (int i = 0; i < IKE_MAX_CHILDREN && slot == NULL; i++)
		if (!p->ch[i].used)
			slot = &p->ch[i];
	if (slot == NULL) {
		/* Full of replaced ones the peer never deleted: the oldest
		 * goes. */
		for (int i = 0; i < IKE_MAX_CHILDREN; i++)
			if (p->ch[i].rekeyed && !p->ch[i].routed &&
			    (slot == NULL ||
			     p->ch[i].installed < slot->installed))
				slot = &p->ch[i];
		if (slot == NULL)
			return NULL;
		child_remove(ike, sa->peer, slot, "room for a new one");
	}
	memset(&ch, 0, sizeof(ch));
	ch.spi_in = spi_in;
	ch.spi_out = (uint32_t)c->spi;
	ch.encr = c->encr;
	ch.key_bits = c->key_bits;
	ch.integ = c->integ;
	ch.esn = c->esn;
	ch.udp_encap = udp_encap(ike, sa);
	ch.sport = IKE_NATT_PORT;
	ch.dport = sa->rport == IKE_PORT ? IKE_NATT_PORT : sa->rport;
	ch.local = sa->local;
	ch.remote = sa->remote;
	ch.lifetime = cfg->esp_lifetime;
	ch.replay_window = cfg->replay_window;
	rc = derive_child_keys(sa, &ch, ks->we_i, ks->gir, ks->gl, ks->ni,
	                       ks->ni_len, ks->nr, ks->nr_len);
	if (rc == 0)
		rc = ike->ops.child_add(ike->ctx, sa->peer, &ch);
	explicit_bzero(&ch, sizeof(ch));
	if (rc != 0) {
		plog(ike, sa->peer, "Child SA %08x_i: cannot install it (%s)",
		     spi_in, strerror(rc < 0 ? -rc : rc));
		return NULL;
	}
	*slot = (struct child){
	        .used = true,
	        .spi_in = spi_in,
	        .spi_out = (uint32_t)c->spi,
	        .encr = c->encr,
	        .key_bits = c->key_bits,
	        .integ = c->integ,
	        .esn = c->esn,
	        .dh = c->dh,
	        .installed = ike->now,
	        .rekey_at = rekey_time(cfg, cfg->esp_lifetime, ike->now),
	        .expire_at = ike->now + cfg->esp_lifetime * 1000ull};
	ike->st.child_up++;
	sa->esp_rx = 0;
	plog(ike, sa->peer,
	     "Child SA %08x_i %08x_o: installed (ESP encr %u/%u integ %u%s%s, "
	     "%s, NAT-T %s)",
	     spi_in, (uint32_t)c->spi, c->encr, c->key_bits, c->integ,
	     c->esn ? " esn" : "", ks->gl ? " pfs" : "",
	     udp_encap(ike, sa) ? "UDP 4500" : "protocol 50",
	     sa->nat_local      ? "we are behind a NAT"
	     : sa->nat_remote   ? "peer behind a NAT"
	     : cfg->force_encap ? "forced (accelerated)"
	                        : "no NAT");
	if (route)
		child_route(ike, sa->peer, slot);
	else
		slot->route_at = ike->now + IKE_ROUTE_WAIT_MS;
	return slot;
}

/* A new SA for the peer is up: the old one goes (its Child SA first, so
 * the new one's is the only one installed). */
/* A new SA for the peer is up: the old one goes (with its Child SAs, so
 * the new one's are the only ones installed). */
static void
sa_established(struct vpn_ike *ike, struct ike_sa *sa, const char *why)
{
	struct peer *p = &ike->peers[sa->peer];

	sa->established = ike->now;
	sa->rekey_at = rekey_time(&p->cfg, p->cfg.ike_lifetime, ike->now);
	sa->expire_at = ike->now + p->cfg.ike_lifetime * 1000ull;
	sa_state(ike, sa, S_ESTABLISHED, why);
	ike->st.ike_up++;
	p->restart = false;
	p->ke_group = sa->dh_group; /* a new IKE SA with this peer guesses it */
	if (p->nego == sa) {
		children_clear(ike, sa->peer, "replaced by a new IKE SA");
		sa_free(ike, p->sa, "replaced by a new IKE SA");
		sa_free(ike, p->old, "replaced by a new IKE SA");
		sa_free(ike, p->doomed, "replaced by a new IKE SA");
		p->old = p->doomed = NULL;
		p->sa = sa;
		p->nego = NULL;
	}
	p->next_try = 0;
}

/* ---- initiator ----------------------------------------------------------- */

static void
init_send(struct vpn_ike *ike, struct ike_sa *sa)
{
	const struct vpn_ike_peer *cfg = &ike->peers[sa->peer].cfg;
	struct ike_proposal props[2];
	struct ike_hdr h = {.spi_i = sa->spi_i,
	                    .version = 0x20,
	                    .exchange = IKE_SA_INIT,
	                    .flags = IKE_FLAG_INITIATOR};
	uint8_t ke[4 + IKE_MAX_DH_LEN];
	struct ike_writer w;
	size_t n, kl = ike_dh_len(sa->dh_group), pklen;
	uint8_t *pk;
	unsigned int np = build_proposals(&cfg->ike, PM_IKE, 0, props);

	vpn_ike_begin(&w, ike->out, sizeof(ike->out), &h);
	if (sa->cookie_len)
		add_notify(&w, 0, 0, IKE_N_COOKIE, sa->cookie, sa->cookie_len);
	vpn_ike_add_sa(&w, props, np);
	put16(ke, sa->dh_group);
	put16(ke + 2, 0);
	memcpy(ke + 4, ike_dh_public(sa->dh), kl);
	vpn_ike_add(&w, IKE_PT_KE, false, ke, 4 + kl);
	vpn_ike_add(&w, IKE_PT_NONCE, false, sa->ni, sa->ni_len);
	add_nat_d(ike, &w, sa, 0);
	add_notify(&w, 0, 0, IKE_N_FRAGMENTATION_SUPPORTED, NULL, 0);
	n = vpn_ike_finish(&w);
	if (n == 0)
		return;
	free(sa->msg1);
	sa->msg1 = dup_bytes(ike->out, n);
	sa->msg1_len = sa->msg1 ? n : 0;
	sa->my_id = 1;
	pklen = 0;
	pk = pack_append(NULL, &pklen, ike->out, n);
	if (pk != NULL)
		send_request(ike, sa, IKE_SA_INIT, pk, pklen, R_INIT);
}

static bool
dh_allowed(const struct vpn_ike_algs *a, uint16_t group)
{
	for (unsigned int i = 0; i < a->n_dh; i++)
		if (a->dh[i] == group)
			return true;
	return false;
}

/*
 * How strong a DH group is, in bits of security (NIST SP 800-57 part 1
 * table 2 for MODP and ECP; RFC 5114's groups by their prime), and at
 * equal strength elliptic curves first (cheaper). A first KE is a guess:
 * the strongest group allowed is the one to guess (a peer that wants
 * another says INVALID_KE once, and is remembered).
 */
static unsigned int
dh_strength(uint16_t g)
{
	static const uint16_t bits[32] = {
	        [2] = 800,   [5] = 900,   [14] = 1120, [15] = 1280, [16] = 1520,
	        [17] = 1760, [18] = 2000, [19] = 1281, [20] = 1921, [21] = 2561,
	        [22] = 800,  [23] = 1120, [24] = 1121,
	};

	return g < 32 ? bits[g] : 0;
}

/* Sort a's groups strongest first (stable for equals). */
static void
dh_order(struct vpn_ike_algs *a)
{
	for (unsigned int i = 1; i < a->n_dh && i < VPN_IKE_MAX_ALGS; i++) {
		uint16_t g = a->dh[i];
		unsigned int j = i;

		for (; j > 0 && dh_strength(a->dh[j - 1]) < dh_strength(g); j--)
			a->dh[j] = a->dh[j - 1];
		a->dh[j] = g;
	}
}

/* Begin (or begin again) a tunnel we initiate. */
static void
initiate(struct vpn_ike *ike, unsigned int peer)
{
	struct peer *p = &ike->peers[peer];
	struct ike_sa *sa;

	sa_free(ike, p->sa, "starting again");
	p->sa = NULL;
	sa = sa_new(ike, peer, true);
	if (sa == NULL)
		return;
	sa->spi_i = rand64();
	/* The group this peer took or asked for last, else our strongest
	 * (the list is in that order: dh_order). */
	sa->dh_group = dh_allowed(&p->cfg.ike, p->ke_group) ? p->ke_group
	                                                    : p->cfg.ike.dh[0];
	sa->dh = ike_dh_new(sa->dh_group);
	sa->ni_len = IKE_NONCE_LEN;
	if (sa->dh == NULL || ike_random(sa->ni, sa->ni_len) != 0) {
		plog(ike, peer, "cannot start: no DH key for group %u",
		     sa->dh_group);
		sa_free(ike, sa, "no DH key");
		p->next_try = ike->now + IKE_RETRY_MS;
		return;
	}
	p->sa = sa;
	p->next_try = 0;
	sa_state(ike, sa, S_INIT_SENT, "initiating");
	init_send(ike, sa);
}

/* Whether we (re)start the tunnel: we initiate it, or DPD's restart. */
static bool
starts(const struct peer *p)
{
	return !p->down && (p->cfg.initiate || p->restart);
}

static void
give_up(struct vpn_ike *ike, unsigned int peer, const char *why)
{
	struct peer *p = &ike->peers[peer];

	sa_free(ike, p->sa, why);
	p->sa = NULL;
	if (starts(p))
		p->next_try = ike->now + IKE_RETRY_MS;
}

static void
auth_send(struct vpn_ike *ike, struct ike_sa *sa)
{
	size_t alen;
	const struct vpn_ike_peer *cfg = &ike->peers[sa->peer].cfg;
	uint8_t id[8], auth[4 + IKE_MAX_PRF_LEN];
	struct ike_proposal props[2];
	struct ts_set tsi, tsr;
	struct ike_writer w;
	unsigned int np;

	sa->req_spi = new_spi(ike);
	np = build_proposals(&cfg->esp, PM_ESP_AUTH, sa->req_spi, props);
	make_id(sa, id);
	alen = auth_make(cfg, sa, true, id, 8, auth);
	if (alen == 0)
		return;
	ts_from_cfg(cfg->lts, cfg->n_lts, &tsi);
	ts_from_cfg(cfg->rts, cfg->n_rts, &tsr);
	inner_begin(ike, &w);
	vpn_ike_add(&w, IKE_PT_IDI, false, id, 8);
	vpn_ike_add(&w, IKE_PT_AUTH, false, auth, alen);
	add_notify(&w, 0, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	vpn_ike_add_sa(&w, props, np);
	add_ts(&w, IKE_PT_TSI, &tsi);
	add_ts(&w, IKE_PT_TSR, &tsr);
	explicit_bzero(auth, sizeof(auth));
	if (send_sk(ike, sa, IKE_AUTH, false, sa->my_id, &w, R_AUTH) == 0) {
		sa->my_id++;
		sa_state(ike, sa, S_AUTH_SENT, "keys derived");
	}
}

/* The response to our IKE_SA_INIT. */
static void
init_response(struct vpn_ike *ike, struct ike_sa *sa, const struct ike_hdr *h,
              const struct ike_payload *pl, unsigned int n, const uint8_t *msg)
{
	const struct vpn_ike_peer *cfg = &ike->peers[sa->peer].cfg;
	const struct ike_payload *psa, *ke, *nonce;
	uint8_t gir[IKE_MAX_DH_LEN];
	struct choice c;
	size_t gl;

	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *d;
		size_t len;
		uint16_t t;

		if (pl[i].type != IKE_PT_NOTIFY)
			continue;
		t = notify_type(&pl[i], &d, &len);
		if (t == IKE_N_COOKIE && len >= 1 &&
		    len <= sizeof(sa->cookie)) {
			/* RFC 7296 2.6: the same request with the cookie. */
			memcpy(sa->cookie, d, len);
			sa->cookie_len = len;
			plog(ike, sa->peer, "the responder asks for a cookie");
			init_send(ike, sa);
			return;
		}
		if (t == IKE_N_INVALID_KE_PAYLOAD && len == 2) {
			uint16_t g = get16(d);

			ike->st.invalid_ke++;
			for (unsigned int k = 0; k < cfg->ike.n_dh; k++)
				if (cfg->ike.dh[k] == g && g != sa->dh_group) {
					plog(ike, sa->peer,
					     "the responder wants DH group %u",
					     g);
					ike_dh_free(sa->dh);
					sa->dh_group = g;
					ike->peers[sa->peer].ke_group = g;
					sa->dh = ike_dh_new(g);
					if (sa->dh == NULL)
						break;
					init_send(ike, sa);
					return;
				}
			give_up(ike, sa->peer, "INVALID_KE_PAYLOAD");
			return;
		}
		if (t != 0 && t < 16384) {
			char why[48];

			snprintf(why, sizeof(why), "IKE_SA_INIT refused: %u",
			         t);
			give_up(ike, sa->peer, why);
			return;
		}
	}
	psa = vpn_ike_find(pl, n, IKE_PT_SA);
	ke = vpn_ike_find(pl, n, IKE_PT_KE);
	nonce = vpn_ike_find(pl, n, IKE_PT_NONCE);
	if (psa == NULL || ke == NULL || nonce == NULL || ke->len < 4 ||
	    nonce->len < 16 || nonce->len > IKE_MAX_NONCE || h->spi_r == 0) {
		ike->st.malformed++;
		return;
	}
	if (!check_answer(&cfg->ike, psa, PM_IKE, &c, ike) ||
	    c.dh != sa->dh_group || get16(ke->body) != sa->dh_group) {
		ike->st.no_proposal++;
		give_up(ike, sa->peer,
		        "the responder chose what we did not offer");
		return;
	}
	gl = ike_dh_shared(sa->dh, ke->body + 4, ke->len - 4u, gir);
	if (gl == 0) {
		ike->st.malformed++;
		give_up(ike, sa->peer, "bad KE payload");
		return;
	}
	sa->spi_r = h->spi_r;
	sa->encr = c.encr;
	sa->key_bits = c.key_bits;
	sa->integ = c.integ;
	sa->prf = c.prf;
	memcpy(sa->nr, nonce->body, nonce->len);
	sa->nr_len = nonce->len;
	free(sa->msg2);
	sa->msg2 = dup_bytes(msg, h->length);
	sa->msg2_len = sa->msg2 ? h->length : 0;
	nat_check(sa, pl, n, sa->spi_r);
	sa->frag = has_notify(pl, n, IKE_N_FRAGMENTATION_SUPPORTED);
	free(sa->req);
	sa->req = NULL;
	if (derive_ike_keys(sa, gir, gl, NULL) != 0) {
		explicit_bzero(gir, sizeof(gir));
		give_up(ike, sa->peer, "key derivation failed");
		return;
	}
	explicit_bzero(gir, sizeof(gir));
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	/* Float to 4500 when there is a NAT (RFC 7296 2.23). */
	if (udp_encap(ike, sa))
		sa->lport = sa->rport = IKE_NATT_PORT;
	auth_send(ike, sa);
}

/* The response to our IKE_AUTH (decrypted payloads). */
static void
auth_response(struct vpn_ike *ike, struct ike_sa *sa,
              const struct ike_payload *pl, unsigned int n)
{
	const struct vpn_ike_peer *cfg = &ike->peers[sa->peer].cfg;
	struct peer *p = &ike->peers[sa->peer];
	const struct ike_payload *id, *auth, *psa;
	struct ts_set tsi, tsr;
	struct keysrc ks;
	struct choice c;

	for (unsigned int i = 0; i < n; i++) {
		uint16_t t = pl[i].type == IKE_PT_NOTIFY
		                     ? notify_type(&pl[i], NULL, NULL)
		                     : 0;

		if (t == IKE_N_AUTHENTICATION_FAILED) {
			ike->st.auth_failed++;
			give_up(ike, sa->peer, "the peer refused our AUTH");
			return;
		}
	}
	id = vpn_ike_find(pl, n, IKE_PT_IDR);
	auth = vpn_ike_find(pl, n, IKE_PT_AUTH);
	if (id == NULL || auth == NULL || id->len < 4 || auth->len < 4) {
		ike->st.malformed++;
		give_up(ike, sa->peer, "IKE_AUTH response without IDr/AUTH");
		return;
	}
	if (!auth_verify(cfg, sa, false, id, auth)) {
		ike->st.auth_failed++;
		give_up(ike, sa->peer, "the responder's AUTH did not verify");
		return;
	}
	free(sa->req);
	sa->req = NULL;
	sa_established(ike, sa, "PSK authenticated");
	psa = vpn_ike_find(pl, n, IKE_PT_SA);
	for (unsigned int i = 0; i < n; i++) {
		uint16_t t = pl[i].type == IKE_PT_NOTIFY
		                     ? notify_type(&pl[i], NULL, NULL)
		                     : 0;

		if (t != 0 && t < 16384) {
			plog(ike, sa->peer, "no Child SA: the peer said %u", t);
			if (t == IKE_N_TS_UNACCEPTABLE)
				ike->st.ts_unacceptable++;
			if (t == IKE_N_NO_PROPOSAL_CHOSEN)
				ike->st.no_proposal++;
			return;
		}
	}
	if (psa == NULL ||
	    !check_answer(&cfg->esp, psa, PM_ESP_AUTH, &c, ike) ||
	    !parse_ts(vpn_ike_find(pl, n, IKE_PT_TSI), &tsi) ||
	    !parse_ts(vpn_ike_find(pl, n, IKE_PT_TSR), &tsr) || tsi.n == 0 ||
	    tsr.n == 0) {
		plog(ike, sa->peer, "no Child SA: a bad SA or TS answer");
		ike->st.malformed++;
		return;
	}
	p->ts_local = tsi;
	p->ts_remote = tsr;
	ks = (struct keysrc){true,   NULL,       0,         sa->ni,
	                     sa->nr, sa->ni_len, sa->nr_len};
	if (child_install(ike, sa, &c, sa->req_spi, &ks, true) == NULL)
		plog(ike, sa->peer, "Child SA could not be installed");
}

/* ---- responder ----------------------------------------------------------- */

/* The cookie for an initiator (RFC 7296 2.6): prf of its nonce, address
 * and SPI under our secret. */
static size_t
make_cookie(struct vpn_ike *ike, const uint8_t *ni, size_t ni_len, uint32_t ip,
            uint64_t spi_i, uint8_t *out)
{
	uint8_t b[12];
	struct ike_iov iov[2] = {{ni, ni_len}, {b, sizeof(b)}};

	put32(b, ip);
	put64(b + 4, spi_i);
	return ike_prf(IKE_PRF_HMAC_SHA2_256, ike->cookie_secret,
	               sizeof(ike->cookie_secret), iov, 2, out) == 0
	               ? 16
	               : 0;
}

static int
find_peer(const struct vpn_ike *ike, uint32_t local, uint32_t remote)
{
	/* A tunnel that is administratively down is not there. */
	for (unsigned int i = 0; i < ike->n; i++)
		if (ike->peers[i].cfg.local == local &&
		    ike->peers[i].cfg.remote == remote && !ike->peers[i].down)
			return (int)i;
	return -1;
}

/* Whether the peer has a half-open SA we answered already. */
static bool
half_open_at(const struct peer *p)
{
	return (p->nego != NULL && p->nego->state == S_INIT_DONE) ||
	       (p->sa != NULL && !p->sa->initiator &&
	        p->sa->state == S_INIT_DONE);
}

static void
init_request(struct vpn_ike *ike, const struct ike_hdr *h,
             const struct ike_payload *pl, unsigned int n, const uint8_t *msg,
             uint32_t local, uint16_t lport, uint32_t remote, uint16_t rport)
{
	const struct ike_payload *psa, *ke, *nonce, *first = pl;
	uint8_t gir[IKE_MAX_DH_LEN], ked[4 + IKE_MAX_DH_LEN];
	struct ike_writer w;
	struct ike_hdr rh;
	struct ike_sa *sa;
	struct peer *p;
	struct choice c;
	int pi = find_peer(ike, local, remote);
	size_t gl, rn, pklen;
	uint8_t *pk;

	if (pi < 0) {
		ike->st.no_peer++;
		return;
	}
	p = &ike->peers[pi];
	/* A retransmitted request: answer it again. */
	for (int k = 0; k < 2; k++) {
		struct ike_sa *o = k ? p->nego : p->sa;

		if (o && !o->initiator && o->spi_i == h->spi_i &&
		    o->state == S_INIT_DONE && o->resp) {
			resend(ike, o);
			return;
		}
	}
	psa = vpn_ike_find(pl, n, IKE_PT_SA);
	ke = vpn_ike_find(pl, n, IKE_PT_KE);
	nonce = vpn_ike_find(pl, n, IKE_PT_NONCE);
	if (psa == NULL || ke == NULL || nonce == NULL || ke->len < 4 ||
	    nonce->len < 16 || nonce->len > IKE_MAX_NONCE || h->msg_id != 0) {
		ike->st.malformed++;
		return;
	}
	/* Both ends starting the tunnel at once: the lower initiator nonce
	 * gives way, so both end up with the same one IKE SA. */
	if (p->sa != NULL && p->sa->initiator &&
	    (p->sa->state == S_INIT_SENT || p->sa->state == S_AUTH_SENT)) {
		size_t l =
		        p->sa->ni_len < nonce->len ? p->sa->ni_len : nonce->len;

		if (memcmp(p->sa->ni, nonce->body, l) > 0) {
			ike->st.unexpected++;
			return; /* ours goes on; the peer gives way */
		}
		sa_free(ike, p->sa, "the peer initiates too, and goes first");
		p->sa = NULL;
	}
	/* Many half-open SAs, or one of this peer's that a new SA would
	 * replace (a flood spoofing the peer's address would replace the
	 * real one's again and again): only initiators that return our
	 * cookie, which needs the address to be theirs. */
	if (ike->half_open >= IKE_COOKIE_HALF_OPEN || half_open_at(p)) {
		uint8_t want[IKE_MAX_PRF_LEN];
		size_t wl = make_cookie(ike, nonce->body, nonce->len, remote,
		                        h->spi_i, want);
		const uint8_t *d = NULL;
		size_t dl = 0;

		if (n == 0 || first->type != IKE_PT_NOTIFY ||
		    notify_type(first, &d, &dl) != IKE_N_COOKIE || dl != wl ||
		    !ike_equal(d, want, wl)) {
			if (dl)
				ike->st.bad_cookie++;
			ike->st.cookies_sent++;
			send_init_error(ike, h, local, lport, remote, rport,
			                IKE_N_COOKIE, want, wl);
			return;
		}
	}
	if (!choose(&p->cfg.ike, psa, PM_IKE, &c, ike)) {
		ike->st.no_proposal++;
		plog(ike, (unsigned)pi, "IKE_SA_INIT: no acceptable proposal");
		send_init_error(ike, h, local, lport, remote, rport,
		                IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (get16(ke->body) != c.dh) {
		uint8_t g[2];

		put16(g, c.dh);
		send_init_error(ike, h, local, lport, remote, rport,
		                IKE_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	sa = sa_new(ike, (unsigned)pi, false);
	if (sa == NULL)
		return;
	sa->spi_i = h->spi_i;
	sa->spi_r = rand64();
	sa->lport = lport;
	sa->rport = rport;
	sa->encr = c.encr;
	sa->key_bits = c.key_bits;
	sa->integ = c.integ;
	sa->prf = c.prf;
	sa->dh_group = c.dh;
	sa->peer_id = 1;
	memcpy(sa->ni, nonce->body, nonce->len);
	sa->ni_len = nonce->len;
	sa->nr_len = IKE_NONCE_LEN;
	sa->dh = ike_dh_new(c.dh);
	gl = sa->dh ? ike_dh_shared(sa->dh, ke->body + 4, ke->len - 4u, gir)
	            : 0;
	if (gl == 0 || ike_random(sa->nr, sa->nr_len) != 0 ||
	    derive_ike_keys(sa, gir, gl, NULL) != 0) {
		ike->st.malformed++;
		explicit_bzero(gir, sizeof(gir));
		sa_free(ike, sa, "bad KE payload");
		return;
	}
	explicit_bzero(gir, sizeof(gir));
	nat_check(sa, pl, n, 0);
	sa->frag = has_notify(pl, n, IKE_N_FRAGMENTATION_SUPPORTED);
	sa->msg1 = dup_bytes(msg, h->length);
	sa->msg1_len = sa->msg1 ? h->length : 0;

	rh = (struct ike_hdr){.spi_i = sa->spi_i,
	                      .spi_r = sa->spi_r,
	                      .version = 0x20,
	                      .exchange = IKE_SA_INIT,
	                      .flags = IKE_FLAG_RESPONSE};
	vpn_ike_begin(&w, ike->out, sizeof(ike->out), &rh);
	add_choice(&w, &c, PM_IKE, 0);
	put16(ked, c.dh);
	put16(ked + 2, 0);
	memcpy(ked + 4, ike_dh_public(sa->dh), ike_dh_len(c.dh));
	vpn_ike_add(&w, IKE_PT_KE, false, ked, 4 + ike_dh_len(c.dh));
	vpn_ike_add(&w, IKE_PT_NONCE, false, sa->nr, sa->nr_len);
	add_nat_d(ike, &w, sa, sa->spi_r);
	if (sa->frag)
		add_notify(&w, 0, 0, IKE_N_FRAGMENTATION_SUPPORTED, NULL, 0);
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	rn = vpn_ike_finish(&w);
	if (rn == 0) {
		sa_free(ike, sa, "response too big");
		return;
	}
	sa->msg2 = dup_bytes(ike->out, rn);
	sa->msg2_len = sa->msg2 ? rn : 0;
	/* It replaces the current SA only once it authenticates. */
	if (p->sa == NULL)
		p->sa = sa;
	else {
		sa_free(ike, p->nego, "superseded");
		p->nego = sa;
	}
	sa_state(ike, sa, S_INIT_DONE, "IKE_SA_INIT from the peer");
	pklen = 0;
	pk = pack_append(NULL, &pklen, ike->out, rn);
	if (pk != NULL)
		send_response(ike, sa, pk, pklen);
}

/* The IKE_AUTH request (decrypted payloads). */
static void
auth_request(struct vpn_ike *ike, struct ike_sa *sa, uint32_t msg_id,
             const struct ike_payload *pl, unsigned int n)
{
	const struct vpn_ike_peer *cfg = &ike->peers[sa->peer].cfg;
	struct peer *p = &ike->peers[sa->peer];
	const struct ike_payload *idi, *auth, *psa;
	uint8_t id[8], rauth[4 + IKE_MAX_PRF_LEN];
	struct ts_set tsi, tsr, ours, tsi_n, tsr_n;
	struct ike_writer w;
	struct choice c;
	uint16_t err = 0;

	idi = vpn_ike_find(pl, n, IKE_PT_IDI);
	auth = vpn_ike_find(pl, n, IKE_PT_AUTH);
	if (idi == NULL || auth == NULL || idi->len < 4 || auth->len < 4) {
		ike->st.malformed++;
		return;
	}
	inner_begin(ike, &w);
	if (!auth_verify(cfg, sa, true, idi, auth)) {
		ike->st.auth_failed++;
		plog(ike, sa->peer,
		     "IKE_AUTH: the initiator's AUTH did not "
		     "verify (wrong PSK?)");
		add_notify(&w, 0, 0, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
		send_sk(ike, sa, IKE_AUTH, true, msg_id, &w, R_NONE);
		sa_state(ike, sa, S_DEAD, "authentication failed");
		return;
	}
	make_id(sa, id);
	vpn_ike_add(&w, IKE_PT_IDR, false, id, 8);
	vpn_ike_add(&w, IKE_PT_AUTH, false, rauth,
	            auth_make(cfg, sa, false, id, 8, rauth));
	explicit_bzero(rauth, sizeof(rauth));

	psa = vpn_ike_find(pl, n, IKE_PT_SA);
	if (psa == NULL || !parse_ts(vpn_ike_find(pl, n, IKE_PT_TSI), &tsi) ||
	    !parse_ts(vpn_ike_find(pl, n, IKE_PT_TSR), &tsr)) {
		ike->st.malformed++;
		err = IKE_N_INVALID_SYNTAX;
	} else if (!choose(&cfg->esp, psa, PM_ESP_AUTH, &c, ike)) {
		ike->st.no_proposal++;
		err = IKE_N_NO_PROPOSAL_CHOSEN;
	} else {
		/* TSi are the initiator's networks: the peer's, ours remote;
		 * TSr ours. */
		ts_from_cfg(cfg->rts, cfg->n_rts, &ours);
		ts_narrow(&tsi, &ours, &tsi_n);
		ts_from_cfg(cfg->lts, cfg->n_lts, &ours);
		ts_narrow(&tsr, &ours, &tsr_n);
		if (tsi_n.n == 0 || tsr_n.n == 0) {
			ike->st.ts_unacceptable++;
			err = IKE_N_TS_UNACCEPTABLE;
		}
	}
	sa_established(ike, sa, "PSK authenticated");
	if (err == 0) {
		uint32_t spi_in = new_spi(ike);

		struct keysrc ks = {false,  NULL,       0,         sa->ni,
		                    sa->nr, sa->ni_len, sa->nr_len};

		p->ts_local = tsr_n;
		p->ts_remote = tsi_n;
		if (spi_in == 0 ||
		    child_install(ike, sa, &c, spi_in, &ks, true) == NULL)
			err = IKE_N_NO_ADDITIONAL_SAS;
		else {
			add_choice(&w, &c, PM_ESP_AUTH, spi_in);
			add_ts(&w, IKE_PT_TSI, &tsi_n);
			add_ts(&w, IKE_PT_TSR, &tsr_n);
		}
	}
	if (err != 0) {
		plog(ike, sa->peer, "IKE_AUTH: no Child SA (notify %u)", err);
		add_notify(&w, 0, 0, err, NULL, 0);
	}
	send_sk(ike, sa, IKE_AUTH, true, msg_id, &w, R_NONE);
}

/* ---- INFORMATIONAL ---------------------------------------------------------
 */

static void
info_request(struct vpn_ike *ike, struct ike_sa *sa, uint32_t msg_id,
             const struct ike_payload *pl, unsigned int n)
{
	struct peer *p = &ike->peers[sa->peer];
	struct ike_writer w;
	bool delete_ike = false;

	inner_begin(ike, &w);
	for (unsigned int i = 0; i < n; i++) {
		const struct ike_payload *d = &pl[i];

		if (d->type != IKE_PT_DELETE || d->len < 4)
			continue;
		if (d->body[0] == IKE_PROTO_IKE) {
			delete_ike = true;
			continue;
		}
		if (d->body[0] != IKE_PROTO_ESP || d->body[1] != 4 ||
		    d->len != 4 + 4u * get16(d->body + 2)) {
			ike->st.malformed++;
			continue;
		}
		for (unsigned int k = 0; k < get16(d->body + 2); k++) {
			struct child *c =
			        child_by_out(p, get32(d->body + 4 + 4 * k));
			uint8_t b[8];

			if (c == NULL)
				continue;
			/* Answer with our half (RFC 7296 1.4.1). */
			b[0] = IKE_PROTO_ESP;
			b[1] = 4;
			put16(b + 2, 1);
			put32(b + 4, c->spi_in);
			vpn_ike_add(&w, IKE_PT_DELETE, false, b, 8);
			child_remove(ike, sa->peer, c, "the peer deleted it");
		}
	}
	send_sk(ike, sa, IKE_INFORMATIONAL, true, msg_id, &w, R_NONE);
	if (delete_ike) {
		if (sa->rekeyed) {
			/* The old one of a rekey: its Child SAs live on. */
			sa_state(ike, sa, S_DEAD,
			         "rekeyed, deleted by the peer");
			return;
		}
		plog(ike, sa->peer, "the peer deleted the IKE SA");
		sa_state(ike, sa, S_DEAD, "deleted by the peer");
		if (p->cfg.dpd_action == VPN_IKE_DPD_RESTART) {
			p->restart = true;
			p->next_try = ike->now + 1000;
		}
	}
}

/* Send an INFORMATIONAL request: a DELETE of the IKE SA, or empty (DPD). */
/* An INFORMATIONAL request: empty (DPD), or a DELETE of the IKE SA or of
 * the Child SA whose inbound SPI is spi. */
static void
send_info(struct vpn_ike *ike, struct ike_sa *sa, enum req_kind kind,
          uint32_t spi)
{
	struct ike_writer w;
	uint8_t b[8] = {IKE_PROTO_IKE, 0, 0, 0};

	inner_begin(ike, &w);
	if (kind == R_DELETE_IKE)
		vpn_ike_add(&w, IKE_PT_DELETE, false, b, 4);
	else if (kind == R_DELETE_CHILD) {
		b[0] = IKE_PROTO_ESP;
		b[1] = 4;
		put16(b + 2, 1);
		put32(b + 4, spi);
		vpn_ike_add(&w, IKE_PT_DELETE, false, b, 8);
	}
	if (send_sk(ike, sa, IKE_INFORMATIONAL, false, sa->my_id, &w, kind) ==
	    0) {
		sa->my_id++;
		sa->req_spi = spi;
	}
}

/* ---- CREATE_CHILD_SA: rekeying (RFC 7296 1.3, 2.8)
 * ---------------------------
 *
 * A Child SA is rekeyed make-before-break: the new one is installed
 * (inbound at once), the exchange's initiator routes traffic onto it as
 * soon as the response is in and then deletes the old one; the responder
 * routes onto it when that DELETE arrives (or after IKE_ROUTE_WAIT_MS), so
 * neither side sends on an SA the other cannot yet take. Both sides
 * rekeying one Child SA at once both finish; the SA made with the lowest
 * of the four nonces is then deleted by its maker (2.8.1). An IKE SA is
 * rekeyed into a new one with new SPIs, and the Child SAs stay; colliding
 * IKE SA rekeys are answered with TEMPORARY_FAILURE and retried after a
 * random delay.
 */

/* The lower of two nonces, as byte strings. */
static const uint8_t *
nonce_min(const uint8_t *a, size_t al, const uint8_t *b, size_t bl, size_t *len)
{
	size_t l = al < bl ? al : bl;
	int c = memcmp(a, b, l);

	if (c < 0 || (c == 0 && al <= bl)) {
		*len = al;
		return a;
	}
	*len = bl;
	return b;
}

/* Refuse a request in one notify. */
static void
ccs_refuse(struct vpn_ike *ike, struct ike_sa *sa, uint32_t msg_id,
           uint16_t type, const void *data, size_t len)
{
	struct ike_writer w;

	inner_begin(ike, &w);
	add_notify(&w, 0, 0, type, data, len);
	send_sk(ike, sa, IKE_CREATE_CHILD_SA, true, msg_id, &w, R_NONE);
}

/* The DH of a CREATE_CHILD_SA: our key for the group the proposal chose
 * and g^ir from the peer's KE. 0, or the notify to refuse with. */
static uint16_t
ccs_dh(const struct ike_payload *ke, uint16_t group, struct ike_dh **dh,
       uint8_t *gir, size_t *gl)
{
	*gl = 0;
	if (group == 0)
		return ke == NULL ? 0 : IKE_N_INVALID_SYNTAX;
	if (ke == NULL || ke->len < 4 || get16(ke->body) != group)
		return IKE_N_INVALID_KE_PAYLOAD;
	if (*dh == NULL)
		*dh = ike_dh_new(group);
	if (*dh != NULL)
		*gl = ike_dh_shared(*dh, ke->body + 4, ke->len - 4u, gir);
	return *gl ? 0 : IKE_N_INVALID_SYNTAX;
}

static void
add_ke(struct ike_writer *w, const struct ike_dh *dh)
{
	uint8_t ke[4 + IKE_MAX_DH_LEN];
	size_t kl = ike_dh_len(ike_dh_group(dh));

	put16(ke, (uint16_t)ike_dh_group(dh));
	put16(ke + 2, 0);
	memcpy(ke + 4, ike_dh_public(dh), kl);
	vpn_ike_add(w, IKE_PT_KE, false, ke, 4 + kl);
}

/* A new IKE SA from a rekey of old: the exchange's nonces, the chosen
 * transforms, its SPIs. NULL when keys can't be made. */
static struct ike_sa *
ike_from_rekey(struct vpn_ike *ike, struct ike_sa *old, bool we_i,
               const struct choice *c, uint64_t spi_i, uint64_t spi_r,
               const uint8_t *ni, size_t ni_len, const uint8_t *nr,
               size_t nr_len, const uint8_t *gir, size_t gl)
{
	struct ike_sa *ns = sa_new(ike, old->peer, we_i);

	if (ns == NULL)
		return NULL;
	ns->spi_i = spi_i;
	ns->spi_r = spi_r;
	ns->encr = c->encr;
	ns->key_bits = c->key_bits;
	ns->integ = c->integ;
	ns->prf = c->prf;
	ns->dh_group = c->dh;
	memcpy(ns->ni, ni, ni_len);
	ns->ni_len = ni_len;
	memcpy(ns->nr, nr, nr_len);
	ns->nr_len = nr_len;
	ns->local = old->local;
	ns->remote = old->remote;
	ns->lport = old->lport;
	ns->rport = old->rport;
	ns->nat_local = old->nat_local;
	ns->nat_remote = old->nat_remote;
	ns->frag = old->frag;
	ns->my_id = ns->peer_id = 0;
	if (derive_ike_keys(ns, gir, gl, old) != 0) {
		sa_free(ike, ns, "key derivation failed");
		return NULL;
	}
	return ns;
}

/* The new IKE SA takes over from old (which waits for its DELETE). */
static void
ike_switch(struct vpn_ike *ike, struct ike_sa *old, struct ike_sa *ns)
{
	struct peer *p = &ike->peers[old->peer];

	sa_free(ike, p->old, "superseded by another rekey");
	old->rekeyed = true;
	p->old = old;
	p->sa = ns;
	sa_established(ike, ns, "rekeyed");
	ike->st.ike_rekeys++;
}

/* The peer's CREATE_CHILD_SA. */
static void
ccs_request(struct vpn_ike *ike, struct ike_sa *sa, uint32_t msg_id,
            const struct ike_payload *pl, unsigned int n)
{
	struct peer *p = &ike->peers[sa->peer];
	const struct ike_payload *psa = vpn_ike_find(pl, n, IKE_PT_SA),
	                         *nonce = vpn_ike_find(pl, n, IKE_PT_NONCE),
	                         *ke = vpn_ike_find(pl, n, IKE_PT_KE);
	struct ike_proposal props[IKE_MAX_PROPOSALS];
	uint8_t gir[IKE_MAX_DH_LEN], nr[IKE_NONCE_LEN], g[2];
	struct ike_dh *dh = NULL;
	struct child *old = NULL;
	struct ike_writer w;
	unsigned int np;
	struct choice c;
	size_t gl = 0;
	uint16_t err;

	if (psa == NULL || nonce == NULL || nonce->len < 16 ||
	    nonce->len > IKE_MAX_NONCE ||
	    vpn_ike_sa_parse(psa->body, psa->len, props, IKE_MAX_PROPOSALS,
	                     &np) != IKE_ERR_OK) {
		ike->st.malformed++;
		ccs_refuse(ike, sa, msg_id, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (sa->rekeyed || ike_random(nr, sizeof(nr)) != 0) {
		ccs_refuse(ike, sa, msg_id, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	inner_begin(ike, &w);
	if (props[0].protocol == IKE_PROTO_IKE) {
		struct ike_sa *ns;

		/* Ours in flight too: the IKE SA's initiator's goes on,
		 * the responder's waits (see above). */
		if (sa->req != NULL && sa->req_kind == R_REKEY_IKE &&
		    sa->initiator) {
			ike->st.collisions++;
			ccs_refuse(ike, sa, msg_id, IKE_N_TEMPORARY_FAILURE,
			           NULL, 0);
			return;
		}
		if (!choose(&p->cfg.ike, psa, PM_IKE_REKEY, &c, ike)) {
			ike->st.no_proposal++;
			ccs_refuse(ike, sa, msg_id, IKE_N_NO_PROPOSAL_CHOSEN,
			           NULL, 0);
			return;
		}
		err = ccs_dh(ke, c.dh, &dh, gir, &gl);
		if (err == 0 && gl == 0)
			err = IKE_N_INVALID_KE_PAYLOAD;
		if (err != 0) {
			put16(g, c.dh);
			ccs_refuse(ike, sa, msg_id, err, g,
			           err == IKE_N_INVALID_KE_PAYLOAD ? 2 : 0);
			ike_dh_free(dh);
			return;
		}
		ns = ike_from_rekey(ike, sa, false, &c, c.spi, rand64(),
		                    nonce->body, nonce->len, nr, sizeof(nr),
		                    gir, gl);
		explicit_bzero(gir, sizeof(gir));
		if (ns == NULL) {
			ike_dh_free(dh);
			ccs_refuse(ike, sa, msg_id, IKE_N_NO_PROPOSAL_CHOSEN,
			           NULL, 0);
			return;
		}
		add_choice(&w, &c, PM_IKE_REKEY, ns->spi_r);
		vpn_ike_add(&w, IKE_PT_NONCE, false, nr, sizeof(nr));
		add_ke(&w, dh);
		ike_dh_free(dh);
		send_sk(ike, sa, IKE_CREATE_CHILD_SA, true, msg_id, &w, R_NONE);
		plog(ike, sa->peer,
		     "IKE SA rekeyed by the peer: %016llx_i "
		     "%016llx_r",
		     (unsigned long long)ns->spi_i,
		     (unsigned long long)ns->spi_r);
		ike_switch(ike, sa, ns);
		return;
	}

	/* A Child SA: only rekeys (one tunnel, one Child SA). */
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *d;
		size_t dl;

		if (pl[i].type == IKE_PT_NOTIFY &&
		    notify_type(&pl[i], &d, &dl) == IKE_N_REKEY_SA &&
		    pl[i].len >= 8 && pl[i].body[0] == IKE_PROTO_ESP &&
		    pl[i].body[1] == 4)
			old = child_by_out(p, get32(pl[i].body + 4));
	}
	if (old == NULL) {
		ccs_refuse(ike, sa, msg_id,
		           vpn_ike_find(pl, n, IKE_PT_NOTIFY)
		                   ? IKE_N_CHILD_SA_NOT_FOUND
		                   : IKE_N_NO_ADDITIONAL_SAS,
		           NULL, 0);
		return;
	}
	{
		struct ts_set tsi, tsr, tsi_n, tsr_n;
		struct keysrc ks;
		struct child *nc;
		uint32_t spi_in;

		if (!choose(&p->cfg.esp, psa, PM_ESP_CCS, &c, ike)) {
			ike->st.no_proposal++;
			ccs_refuse(ike, sa, msg_id, IKE_N_NO_PROPOSAL_CHOSEN,
			           NULL, 0);
			return;
		}
		err = ccs_dh(ke, c.dh, &dh, gir, &gl);
		if (err != 0) {
			put16(g, c.dh);
			ccs_refuse(ike, sa, msg_id, err, g,
			           err == IKE_N_INVALID_KE_PAYLOAD ? 2 : 0);
			ike_dh_free(dh);
			return;
		}
		if (!parse_ts(vpn_ike_find(pl, n, IKE_PT_TSI), &tsi) ||
		    !parse_ts(vpn_ike_find(pl, n, IKE_PT_TSR), &tsr)) {
			ike->st.malformed++;
			ike_dh_free(dh);
			ccs_refuse(ike, sa, msg_id, IKE_N_INVALID_SYNTAX, NULL,
			           0);
			return;
		}
		ts_narrow(&tsi, &p->ts_remote, &tsi_n);
		ts_narrow(&tsr, &p->ts_local, &tsr_n);
		spi_in = new_spi(ike);
		ks = (struct keysrc){false, gir,        gl,        nonce->body,
		                     nr,    nonce->len, sizeof(nr)};
		nc = tsi_n.n && tsr_n.n && spi_in
		             ? child_install(ike, sa, &c, spi_in, &ks, false)
		             : NULL;
		explicit_bzero(gir, sizeof(gir));
		if (nc == NULL) {
			ike_dh_free(dh);
			ccs_refuse(ike, sa, msg_id,
			           tsi_n.n && tsr_n.n ? IKE_N_NO_ADDITIONAL_SAS
			                              : IKE_N_TS_UNACCEPTABLE,
			           NULL, 0);
			return;
		}
		old->rekeyed = true;
		ike->st.child_rekeys++;
		/* We are rekeying it too: remember this exchange's lower
		 * nonce and what it made. */
		if (sa->req != NULL && sa->req_kind == R_REKEY_CHILD &&
		    sa->rk_old == old->spi_in) {
			const uint8_t *m;
			size_t ml;

			m = nonce_min(nonce->body, nonce->len, nr, sizeof(nr),
			              &ml);
			memcpy(sa->rk_peer_n, m, ml);
			sa->rk_peer_n_len = ml;
			sa->rk_collided = true;
			sa->rk_peer_child = spi_in;
		}
		add_choice(&w, &c, PM_ESP_CCS, spi_in);
		vpn_ike_add(&w, IKE_PT_NONCE, false, nr, sizeof(nr));
		if (dh != NULL)
			add_ke(&w, dh);
		add_ts(&w, IKE_PT_TSI, &tsi_n);
		add_ts(&w, IKE_PT_TSR, &tsr_n);
		ike_dh_free(dh);
		send_sk(ike, sa, IKE_CREATE_CHILD_SA, true, msg_id, &w, R_NONE);
	}
}

/* Offer every group, the one our KE is for first (RFC 7296 1.3). */
static void
dh_first(struct vpn_ike_algs *a, uint16_t group)
{
	unsigned int k = 1;
	uint16_t rest[VPN_IKE_MAX_ALGS];

	for (unsigned int i = 0; i < a->n_dh && k < VPN_IKE_MAX_ALGS; i++)
		if (a->dh[i] != group)
			rest[k++] = a->dh[i];
	rest[0] = group;
	memcpy(a->dh, rest, k * sizeof(rest[0]));
	a->n_dh = k;
}

/* Start rekeying Child SA c (we are the exchange's initiator). */
static void
rekey_child(struct vpn_ike *ike, struct ike_sa *sa, struct child *c,
            uint16_t group)
{
	struct peer *p = &ike->peers[sa->peer];
	struct ike_proposal props[2];
	struct vpn_ike_algs esp = p->cfg.esp;
	struct ike_writer w;
	unsigned int np;

	ike_dh_free(sa->rk_dh);
	sa->rk_dh = NULL;
	/* PFS with the group asked for (INVALID_KE), else the one in use:
	 * the Child SA's own, the IKE SA's for the first rekey of one made
	 * in IKE_AUTH, else our strongest. Offering another group first
	 * costs an INVALID_KE round trip at every rekey. */
	if (group != 0 && !dh_allowed(&esp, group)) {
		sa->rk_retry = ike->now + IKE_RETRY_MS;
		return;
	}
	if (group == 0 && dh_allowed(&esp, c->dh))
		group = c->dh;
	else if (group == 0 && dh_allowed(&esp, sa->dh_group))
		group = sa->dh_group;
	else if (group == 0 && esp.n_dh > 0)
		group = esp.dh[0];
	if (group != 0) {
		dh_first(&esp, group);
		sa->rk_dh = ike_dh_new(group);
		if (sa->rk_dh == NULL)
			return;
	}
	sa->rk_old = c->spi_in;
	sa->rk_spi = new_spi(ike);
	sa->rk_n_len = IKE_NONCE_LEN;
	sa->rk_collided = false;
	if (sa->rk_spi == 0 || ike_random(sa->rk_n, sa->rk_n_len) != 0)
		return;
	np = build_proposals(&esp, PM_ESP_CCS, sa->rk_spi, props);
	inner_begin(ike, &w);
	add_notify(&w, IKE_PROTO_ESP, c->spi_in, IKE_N_REKEY_SA, NULL, 0);
	vpn_ike_add_sa(&w, props, np);
	vpn_ike_add(&w, IKE_PT_NONCE, false, sa->rk_n, sa->rk_n_len);
	if (sa->rk_dh != NULL)
		add_ke(&w, sa->rk_dh);
	add_ts(&w, IKE_PT_TSI, &p->ts_local);
	add_ts(&w, IKE_PT_TSR, &p->ts_remote);
	plog(ike, sa->peer, "rekeying Child SA %08x_i", c->spi_in);
	if (send_sk(ike, sa, IKE_CREATE_CHILD_SA, false, sa->my_id, &w,
	            R_REKEY_CHILD) == 0)
		sa->my_id++;
}

/* Start rekeying the IKE SA. */
static void
rekey_ike(struct vpn_ike *ike, struct ike_sa *sa, uint16_t group)
{
	struct peer *p = &ike->peers[sa->peer];
	struct vpn_ike_algs algs = p->cfg.ike;
	struct ike_proposal props[2];
	struct ike_writer w;
	unsigned int np;

	if (group != 0 && !dh_allowed(&algs, group)) {
		sa->rk_retry = ike->now + IKE_RETRY_MS;
		return;
	}
	ike_dh_free(sa->rk_dh);
	dh_first(&algs, group ? group : sa->dh_group);
	sa->rk_dh = ike_dh_new(algs.dh[0]);
	sa->rk_ike_spi = rand64();
	sa->rk_n_len = IKE_NONCE_LEN;
	if (sa->rk_dh == NULL || ike_random(sa->rk_n, sa->rk_n_len) != 0)
		return;
	np = build_proposals(&algs, PM_IKE_REKEY, sa->rk_ike_spi, props);
	inner_begin(ike, &w);
	vpn_ike_add_sa(&w, props, np);
	vpn_ike_add(&w, IKE_PT_NONCE, false, sa->rk_n, sa->rk_n_len);
	add_ke(&w, sa->rk_dh);
	plog(ike, sa->peer, "rekeying the IKE SA");
	if (send_sk(ike, sa, IKE_CREATE_CHILD_SA, false, sa->my_id, &w,
	            R_REKEY_IKE) == 0)
		sa->my_id++;
}

/* A refusal of our rekey: try again later (or now, with the group the
 * peer wants). true when it was one. */
static bool
rekey_refused(struct vpn_ike *ike, struct ike_sa *sa,
              const struct ike_payload *pl, unsigned int n, bool ike_sa)
{
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *d;
		size_t dl;
		uint16_t t;
		uint32_t r = 0;

		if (pl[i].type != IKE_PT_NOTIFY)
			continue;
		t = notify_type(&pl[i], &d, &dl);
		if (t == 0 || t >= 16384)
			continue;
		if (t == IKE_N_INVALID_KE_PAYLOAD && dl == 2) {
			struct child *c =
			        child_find(&ike->peers[sa->peer], sa->rk_old);

			ike->st.invalid_ke++;
			if (ike_sa)
				rekey_ike(ike, sa, get16(d));
			else if (c != NULL)
				rekey_child(ike, sa, c, get16(d));
			return true;
		}
		/* TEMPORARY_FAILURE: the peer is busy (a collision); the rest
		 * are failures: a later try may fare better. */
		ike_random(&r, sizeof(r));
		if (t == IKE_N_TEMPORARY_FAILURE)
			ike->st.temporary_failures++;
		sa->rk_retry = ike->now + 1000 + r % 2000 +
		               (t == IKE_N_TEMPORARY_FAILURE ? 0 : 8000);
		plog(ike, sa->peer, "%s rekey refused (notify %u): again later",
		     ike_sa ? "IKE SA" : "Child SA", t);
		return true;
	}
	return false;
}

static void
rekey_child_response(struct vpn_ike *ike, struct ike_sa *sa,
                     const struct ike_payload *pl, unsigned int n)
{
	struct peer *p = &ike->peers[sa->peer];
	const struct ike_payload *psa = vpn_ike_find(pl, n, IKE_PT_SA),
	                         *nonce = vpn_ike_find(pl, n, IKE_PT_NONCE),
	                         *ke = vpn_ike_find(pl, n, IKE_PT_KE);
	uint8_t gir[IKE_MAX_DH_LEN];
	struct child *old, *nc;
	struct keysrc ks;
	struct choice c;
	size_t gl = 0;

	if (rekey_refused(ike, sa, pl, n, false))
		return;
	if (psa == NULL || nonce == NULL || nonce->len < 16 ||
	    nonce->len > IKE_MAX_NONCE ||
	    !check_answer(&p->cfg.esp, psa, PM_ESP_CCS, &c, ike) ||
	    (sa->rk_dh ? c.dh != ike_dh_group(sa->rk_dh) : c.dh != 0) ||
	    ccs_dh(ke, c.dh, &sa->rk_dh, gir, &gl) != 0) {
		ike->st.malformed++;
		sa->rk_retry = ike->now + 10000;
		return;
	}
	ks = (struct keysrc){true,        gir,          gl,        sa->rk_n,
	                     nonce->body, sa->rk_n_len, nonce->len};
	/* Routed at once (the responder takes it already), unless the
	 * peer rekeyed it too and ours may be the one to go. */
	nc = child_install(ike, sa, &c, sa->rk_spi, &ks, !sa->rk_collided);
	explicit_bzero(gir, sizeof(gir));
	ike_dh_free(sa->rk_dh);
	sa->rk_dh = NULL;
	if (nc == NULL) {
		sa->rk_retry = ike->now + 10000;
		return;
	}
	ike->st.child_rekeys++;
	old = child_find(p, sa->rk_old);
	if (old != NULL)
		old->rekeyed = true;
	if (sa->rk_collided) {
		const uint8_t *ours;
		size_t ol, ml;

		/* RFC 7296 2.8.1: the SA made with the lowest of the four
		 * nonces goes, closed by its maker. */
		ike->st.collisions++;
		ours = nonce_min(sa->rk_n, sa->rk_n_len, nonce->body,
		                 nonce->len, &ol);
		if (nonce_min(ours, ol, sa->rk_peer_n, sa->rk_peer_n_len,
		              &ml) == ours) {
			/* Traffic stays on the old one until the peer deletes
			 * it; then it moves to the peer's new one. */
			plog(ike, sa->peer,
			     "rekey collision: ours has the "
			     "lowest nonce and goes");
			nc->rekeyed = true;
			nc->route_at = 0;
			send_info(ike, sa, R_DELETE_CHILD, nc->spi_in);
			return;
		}
		plog(ike, sa->peer, "rekey collision: the peer's goes");
		child_route(ike, sa->peer, nc);
	}
	if (old != NULL)
		send_info(ike, sa, R_DELETE_CHILD, old->spi_in);
}

static void
rekey_ike_response(struct vpn_ike *ike, struct ike_sa *sa,
                   const struct ike_payload *pl, unsigned int n)
{
	struct peer *p = &ike->peers[sa->peer];
	const struct ike_payload *psa = vpn_ike_find(pl, n, IKE_PT_SA),
	                         *nonce = vpn_ike_find(pl, n, IKE_PT_NONCE),
	                         *ke = vpn_ike_find(pl, n, IKE_PT_KE);
	uint8_t gir[IKE_MAX_DH_LEN];
	struct ike_sa *ns;
	struct choice c;
	size_t gl = 0;

	if (rekey_refused(ike, sa, pl, n, true))
		return;
	if (psa == NULL || nonce == NULL || nonce->len < 16 ||
	    nonce->len > IKE_MAX_NONCE || sa->rk_dh == NULL ||
	    !check_answer(&p->cfg.ike, psa, PM_IKE_REKEY, &c, ike) ||
	    c.dh != ike_dh_group(sa->rk_dh) ||
	    ccs_dh(ke, c.dh, &sa->rk_dh, gir, &gl) != 0 || gl == 0) {
		ike->st.malformed++;
		sa->rk_retry = ike->now + 10000;
		return;
	}
	ns = ike_from_rekey(ike, sa, true, &c, sa->rk_ike_spi, c.spi, sa->rk_n,
	                    sa->rk_n_len, nonce->body, nonce->len, gir, gl);
	explicit_bzero(gir, sizeof(gir));
	ike_dh_free(sa->rk_dh);
	sa->rk_dh = NULL;
	if (ns == NULL) {
		sa->rk_retry = ike->now + 10000;
		return;
	}
	if (sa->rekeyed) {
		/* The peer's rekey of it went first (we answered it) and the
		 * peer took ours as well: ours is redundant, and we close
		 * what we made. */
		ike->st.collisions++;
		plog(ike, sa->peer, "IKE SA rekey collision: deleting ours");
		sa_free(ike, p->doomed, "superseded");
		p->doomed = ns;
		sa_state(ike, ns, S_ESTABLISHED, "redundant rekey");
		ns->rekeyed = true;
		send_info(ike, ns, R_DELETE_IKE, 0);
		return;
	}
	plog(ike, sa->peer, "IKE SA rekeyed: %016llx_i %016llx_r",
	     (unsigned long long)ns->spi_i, (unsigned long long)ns->spi_r);
	ike_switch(ike, sa, ns);
	/* The old one is deleted by us, the rekey's initiator. */
	send_info(ike, sa, R_DELETE_IKE, 0);
}

/* ---- input ------------------------------------------------------------------
 */

static struct ike_sa *
find_sa(struct vpn_ike *ike, const struct ike_hdr *h)
{
	bool from_initiator = h->flags & IKE_FLAG_INITIATOR;

	for (unsigned int i = 0; i < ike->n; i++)
		for (int k = 0; k < 4; k++) {
			struct ike_sa *sa = k == 0   ? ike->peers[i].sa
			                    : k == 1 ? ike->peers[i].nego
			                    : k == 2 ? ike->peers[i].old
			                             : ike->peers[i].doomed;

			if (sa == NULL || sa->state == S_DEAD ||
			    sa->spi_i != h->spi_i)
				continue;
			/* We answer what the initiator sends, and the other
			 * way round; the responder's SPI is known once its
			 * IKE_SA_INIT response is in. */
			if (from_initiator
			            ? !sa->initiator && sa->spi_r == h->spi_r
			            : sa->initiator &&
			                      (sa->state == S_INIT_SENT ||
			                       sa->spi_r == h->spi_r))
				return sa;
		}
	return NULL;
}

static void
fragments_drop(struct ike_sa *sa)
{
	for (int i = 0; i < IKE_MAX_FRAGS; i++) {
		free(sa->rf_chunk[i]);
		sa->rf_chunk[i] = NULL;
	}
	sa->rf_have = sa->rf_total = 0;
}

/*
 * One fragment (RFC 7383 2.6): verified and decrypted alone, kept until
 * all of its message are in. 1 with the whole plaintext in *pt (and the
 * first inner payload's type in *first), 0 while waiting, -1 dropped.
 */
static int
fragment_in(struct vpn_ike *ike, struct ike_sa *sa, const struct ike_hdr *h,
            const struct ike_payload *skf, size_t len, uint8_t **pt,
            size_t *ptlen, uint8_t *first)
{
	uint16_t num, total;
	uint8_t *chunk;
	size_t clen, sum = 0;

	if (!sa->frag || skf->len < 4) {
		ike->st.malformed++;
		return -1;
	}
	num = get16(skf->body);
	total = get16(skf->body + 2);
	if (num == 0 || num > total || total > IKE_MAX_FRAGS) {
		ike->st.malformed++;
		return -1;
	}
	/* The SKF header is four bytes longer than SK's: what follows it is
	 * sealed the same way (and those four bytes authenticated). */
	if (ike_sk_open(keys_in(sa), ike->in, len,
	                (size_t)(skf->body - ike->in), &chunk, &clen) != 0) {
		ike->st.bad_icv++;
		return -1;
	}
	ike->st.fragments_received++;
	if (sa->rf_total == 0 || sa->rf_id != h->msg_id ||
	    sa->rf_total != total) {
		fragments_drop(sa);
		sa->rf_id = h->msg_id;
		sa->rf_total = total;
	}
	if (sa->rf_chunk[num - 1] != NULL)
		return 0; /* a duplicate */
	sa->rf_chunk[num - 1] = dup_bytes(chunk, clen);
	if (sa->rf_chunk[num - 1] == NULL)
		return -1;
	sa->rf_len[num - 1] = (uint16_t)clen;
	if (num == 1)
		sa->rf_first = skf->next;
	if (++sa->rf_have < total)
		return 0;
	for (unsigned int i = 0; i < total; i++)
		sum += sa->rf_len[i];
	if (sum > sizeof(ike->reasm)) {
		ike->st.malformed++;
		fragments_drop(sa);
		return -1;
	}
	sum = 0;
	for (unsigned int i = 0; i < total; i++) {
		memcpy(ike->reasm + sum, sa->rf_chunk[i], sa->rf_len[i]);
		sum += sa->rf_len[i];
	}
	*pt = ike->reasm;
	*ptlen = sum;
	*first = sa->rf_first;
	fragments_drop(sa);
	return 1;
}

void
vpn_ike_input(struct vpn_ike *ike, uint64_t now_ms, uint32_t local,
              uint16_t lport, uint32_t remote, uint16_t rport,
              const uint8_t *msg, size_t len)
{
	struct ike_payload pl[IKE_MAX_PAYLOADS], inner[IKE_MAX_PAYLOADS];
	const struct ike_payload *sk;
	unsigned int n, ni;
	struct ike_hdr h;
	struct ike_sa *sa;
	uint8_t bad, *pt, first;
	size_t ptlen;
	bool response;

	ike->now = now_ms;
	ike->st.rx++;
	if (len > sizeof(ike->in) ||
	    vpn_ike_hdr_parse(msg, len, &h) != IKE_ERR_OK) {
		ike->st.malformed++;
		return;
	}
	memcpy(ike->in, msg, len);
	if (vpn_ike_payloads(ike->in + IKE_HDR_LEN, len - IKE_HDR_LEN, h.next,
	                     pl, IKE_MAX_PAYLOADS, &n, &bad) != IKE_ERR_OK) {
		ike->st.malformed++;
		return;
	}
	response = h.flags & IKE_FLAG_RESPONSE;
	if (h.exchange == IKE_SA_INIT && !response) {
		if (h.spi_r != 0 || !(h.flags & IKE_FLAG_INITIATOR)) {
			ike->st.malformed++;
			return;
		}
		init_request(ike, &h, pl, n, ike->in, local, lport, remote,
		             rport);
		return;
	}
	sa = find_sa(ike, &h);
	if (sa == NULL) {
		ike->st.unknown_spi++;
		return;
	}
	if (response) {
		if (sa->req == NULL || h.msg_id != sa->my_id - 1 ||
		    h.exchange != sa->req_exch) {
			ike->st.bad_msg_id++;
			return;
		}
	} else if (h.msg_id == sa->peer_id - 1 && sa->resp != NULL &&
	           sa->state != S_INIT_DONE) {
		/* A retransmission: the same answer, from where it came; for a
		 * fragmented one, on its first fragment only (RFC 7383
		 * 2.6.1), so fragments do not multiply answers. */
		const struct ike_payload *l = n ? &pl[n - 1] : NULL;

		if (l != NULL && l->type == IKE_PT_SKF &&
		    (l->len < 4 || get16(l->body) != 1))
			return;
		resend(ike, sa);
		return;
	} else if (h.msg_id != sa->peer_id) {
		ike->st.bad_msg_id++;
		return;
	}
	if (h.exchange == IKE_SA_INIT) {
		if (sa->state != S_INIT_SENT) {
			ike->st.unexpected++;
			return;
		}
		sa->last_rx = now_ms;
		init_response(ike, sa, &h, pl, n, ike->in);
		return;
	}
	/* Everything after IKE_SA_INIT is in one SK payload, or in the SKF
	 * payloads of its fragments. */
	sk = n ? &pl[n - 1] : NULL;
	if (sk == NULL || (sk->type != IKE_PT_SK && sk->type != IKE_PT_SKF) ||
	    sa->state == S_INIT_SENT) {
		ike->st.unexpected++;
		return;
	}
	first = sk->next;
	if (sk->type == IKE_PT_SKF) {
		int r = fragment_in(ike, sa, &h, sk, len, &pt, &ptlen, &first);

		if (r <= 0)
			return; /* dropped (counted), or waiting for more */
	} else if (ike_sk_open(keys_in(sa), ike->in, len,
	                       (size_t)(sk->body - IKE_PAYLOAD_HDR - ike->in),
	                       &pt, &ptlen) != 0) {
		ike->st.bad_icv++;
		return;
	}
	if (vpn_ike_payloads(pt, ptlen, first, inner, IKE_MAX_PAYLOADS, &ni,
	                     &bad) != IKE_ERR_OK) {
		ike->st.malformed++;
		return;
	}
	/* Authenticated: this is where the peer is now (RFC 7296 2.11). */
	sa->last_rx = now_ms;
	sa->remote = remote;
	sa->rport = rport;
	sa->lport = lport;
	if (response) {
		enum req_kind kind = sa->req_kind;
		struct child *c;

		free(sa->req);
		sa->req = NULL;
		switch (kind) {
		case R_AUTH:
			if (sa->state == S_AUTH_SENT)
				auth_response(ike, sa, inner, ni);
			break;
		case R_REKEY_CHILD:
			rekey_child_response(ike, sa, inner, ni);
			break;
		case R_REKEY_IKE:
			rekey_ike_response(ike, sa, inner, ni);
			break;
		case R_DELETE_CHILD:
			c = child_find(&ike->peers[sa->peer], sa->req_spi);
			if (c != NULL)
				child_remove(ike, sa->peer, c, "deleted");
			break;
		case R_DELETE_IKE:
			sa_state(ike, sa, S_DEAD, "deleted");
			break;
		default:
			break; /* DPD: last_rx is now */
		}
		return;
	}
	sa->peer_id++;
	switch (h.exchange) {
	case IKE_AUTH:
		if (sa->state != S_INIT_DONE) {
			ike->st.unexpected++;
			return;
		}
		auth_request(ike, sa, h.msg_id, inner, ni);
		break;
	case IKE_INFORMATIONAL:
		if (sa->state != S_ESTABLISHED) {
			ike->st.unexpected++;
			return;
		}
		info_request(ike, sa, h.msg_id, inner, ni);
		break;
	case IKE_CREATE_CHILD_SA:
		if (sa->state != S_ESTABLISHED) {
			ike->st.unexpected++;
			return;
		}
		ccs_request(ike, sa, h.msg_id, inner, ni);
		break;
	default:
		ike->st.unexpected++;
	}
}

/* ---- timers ---------------------------------------------------------------
 */

/* The DPD timeout ran out: the configured action. */
static void
peer_dead(struct vpn_ike *ike, struct ike_sa *sa)
{
	struct peer *p = &ike->peers[sa->peer];

	ike->st.dpd_dead++;
	plog(ike, sa->peer, "DPD: no answer for %u s: peer dead, action %s",
	     p->cfg.dpd_timeout,
	     p->cfg.dpd_action == VPN_IKE_DPD_RESTART ? "restart" : "clear");
	sa_state(ike, sa, S_DEAD, "DPD timeout");
	/* restart: we bring it up again, whoever started it first. */
	if (p->cfg.dpd_action == VPN_IKE_DPD_RESTART) {
		p->restart = true;
		p->next_try = ike->now + 1000;
	}
}

/* An outstanding request due again: resend it, or give up on it. */
static void
req_tick(struct vpn_ike *ike, struct ike_sa *sa)
{
	const struct vpn_ike_peer *cfg = &ike->peers[sa->peer].cfg;
	uint64_t now = ike->now;
	/* Liveness: the DPD timeout; setup: its own; the rest alike. */
	uint64_t limit = sa->req_kind == R_INIT || sa->req_kind == R_AUTH
	                         ? IKE_SETUP_GIVE_UP_MS
	                         : cfg->dpd_timeout * 1000ull;

	if (now - sa->req_first < limit) {
		/* 1, 2, 4, 8 s ... between tries, at most 8. */
		sa->req_tries++;
		sa->req_next =
		        now +
		        (1000ull << (sa->req_tries < 3 ? sa->req_tries : 3));
		ike->st.retransmits++;
		wire(ike, sa, sa->req, sa->req_len);
		return;
	}
	free(sa->req);
	sa->req = NULL;
	if (sa->req_kind == R_INIT || sa->req_kind == R_AUTH) {
		plog(ike, sa->peer, "no answer to %s",
		     sa->req_kind == R_INIT ? "IKE_SA_INIT" : "IKE_AUTH");
		sa_state(ike, sa, S_DEAD, "no answer");
		if (starts(&ike->peers[sa->peer]))
			ike->peers[sa->peer].next_try = now + IKE_RETRY_MS;
	} else if (sa->rekeyed || sa->req_kind == R_DELETE_IKE)
		sa_state(ike, sa, S_DEAD, "no answer to its DELETE");
	else if (cfg->dpd_action != VPN_IKE_DPD_NONE)
		peer_dead(ike, sa);
}

static void
sa_tick(struct vpn_ike *ike, struct ike_sa *sa)
{
	struct peer *p = &ike->peers[sa->peer];
	const struct vpn_ike_peer *cfg = &p->cfg;
	uint64_t now = ike->now;
	struct child *routed = NULL;

	if (sa->state == S_INIT_DONE && now - sa->created > IKE_HALF_OPEN_MS) {
		sa_state(ike, sa, S_DEAD, "no IKE_AUTH: half-open SA expired");
		return;
	}
	if (sa->req != NULL) {
		if (now >= sa->req_next)
			req_tick(ike, sa);
		return;
	}
	if (sa->state != S_ESTABLISHED || sa->rekeyed || p->sa != sa)
		return;
	/* NAT keepalives from the side behind the NAT. */
	if (sa->nat_local && now - sa->last_keepalive >= IKE_KEEPALIVE_MS) {
		static const uint8_t ka = 0xff;

		sa->last_keepalive = now;
		ike->ops.send(ike->ctx, sa->local, IKE_NATT_PORT, sa->remote,
		              sa->rport, &ka, 1);
	}
	if (now >= sa->expire_at) {
		ike->st.expired++;
		sa_state(ike, sa, S_DEAD, "IKE SA lifetime over");
		return;
	}
	/* One request at a time: rekeys first, then liveness. */
	if (now >= sa->rk_retry) {
		if (now >= sa->rekey_at) {
			rekey_ike(ike, sa, 0);
			return;
		}
		for (int i = 0; i < IKE_MAX_CHILDREN; i++) {
			struct child *c = &p->ch[i];

			if (c->used && !c->rekeyed && now >= c->rekey_at) {
				rekey_child(ike, sa, c, 0);
				return;
			}
		}
	}
	for (int i = 0; i < IKE_MAX_CHILDREN; i++)
		if (p->ch[i].routed)
			routed = &p->ch[i];
	/* DPD: idle (nothing from the peer, no ESP in) for the delay. */
	if (cfg->dpd_action != VPN_IKE_DPD_NONE) {
		if (routed != NULL && ike->ops.child_rx) {
			uint64_t rx = ike->ops.child_rx(ike->ctx, sa->peer,
			                                routed->spi_in);

			if (rx != sa->esp_rx) {
				sa->esp_rx = rx;
				sa->last_rx = now;
			}
		}
		if (now - sa->last_rx >= IKE_DPD_DELAY_MS)
			send_info(ike, sa, R_DPD, 0);
	}
}

/* The tunnel's Child SAs: routes a rekey responder waits for, lifetimes. */
static void
children_tick(struct vpn_ike *ike, unsigned int peer)
{
	struct peer *p = &ike->peers[peer];

	for (int i = 0; i < IKE_MAX_CHILDREN; i++) {
		struct child *c = &p->ch[i];

		if (!c->used)
			continue;
		if (c->route_at != 0 && ike->now >= c->route_at)
			child_route(ike, peer, c);
		if (ike->now >= c->expire_at) {
			ike->st.expired++;
			child_remove(ike, peer, c, "lifetime over");
		}
	}
}

void
vpn_ike_tick(struct vpn_ike *ike, uint64_t now_ms)
{
	ike->now = now_ms;
	for (unsigned int i = 0; i < ike->n; i++) {
		struct peer *p = &ike->peers[i];

		if (p->nego) {
			sa_tick(ike, p->nego);
			if (p->nego->state == S_DEAD) {
				sa_free(ike, p->nego, "gone");
				p->nego = NULL;
			}
		}
		if (p->old) {
			sa_tick(ike, p->old);
			if (p->old->state == S_DEAD) {
				sa_free(ike, p->old, "rekeyed and deleted");
				p->old = NULL;
			}
		}
		if (p->doomed) {
			sa_tick(ike, p->doomed);
			if (p->doomed->state == S_DEAD) {
				sa_free(ike, p->doomed, "deleted");
				p->doomed = NULL;
			}
		}
		if (p->sa) {
			sa_tick(ike, p->sa);
			if (p->sa->state == S_DEAD) {
				children_clear(ike, i, "its IKE SA is gone");
				sa_free(ike, p->sa, "gone");
				p->sa = NULL;
			}
		}
		children_tick(ike, i);
		if (p->sa == NULL && starts(p) && p->next_try != 0 &&
		    now_ms >= p->next_try)
			initiate(ike, i);
	}
}

/* ---- the engine -------------------------------------------------------------
 */

struct vpn_ike *
vpn_ike_new(const struct vpn_ike_ops *ops, void *ctx)
{
	struct vpn_ike *ike;

	if (ops == NULL || ops->send == NULL || ops->child_add == NULL ||
	    ops->child_route == NULL || ops->child_del == NULL) {
		errno = EINVAL;
		return NULL;
	}
	ike = calloc(1, sizeof(*ike));
	if (ike == NULL)
		return NULL;
	ike->ops = *ops;
	ike->ctx = ctx;
	if (ike_random(ike->cookie_secret, sizeof(ike->cookie_secret)) != 0) {
		free(ike);
		errno = EIO;
		return NULL;
	}
	return ike;
}

void
vpn_ike_free(struct vpn_ike *ike)
{
	if (ike == NULL)
		return;
	for (unsigned int i = 0; i < ike->n; i++) {
		children_clear(ike, i, "shutting down");
		sa_free(ike, ike->peers[i].nego, "shutting down");
		sa_free(ike, ike->peers[i].old, "shutting down");
		sa_free(ike, ike->peers[i].doomed, "shutting down");
		sa_free(ike, ike->peers[i].sa, "shutting down");
	}
	if (ike->peers)
		explicit_bzero(ike->peers, ike->cap * sizeof(*ike->peers));
	free(ike->peers);
	explicit_bzero(ike, sizeof(*ike));
	free(ike);
}

static int
peer_check(const struct vpn_ike_peer *p)
{
	if (p->psk_len == 0 || p->psk_len > VPN_IKE_PSK_MAX ||
	    p->ike.n_encr == 0 || p->ike.n_integ == 0 || p->ike.n_dh == 0 ||
	    p->esp.n_encr == 0 || p->n_lts > VPN_IKE_MAX_TS ||
	    p->n_rts > VPN_IKE_MAX_TS)
		return -EINVAL;
	for (unsigned int i = 0; i < p->ike.n_dh; i++)
		if (!ike_dh_supported(p->ike.dh[i]))
			return -ENOTSUP;
	return 0;
}

int
vpn_ike_add_peer(struct vpn_ike *ike, const struct vpn_ike_peer *p)
{
	struct peer *np;
	int rc = peer_check(p);

	if (rc != 0)
		return rc;
	if (ike->n == ike->cap) {
		unsigned int cap = ike->cap ? 2 * ike->cap : 4;

		np = calloc(cap, sizeof(*np));
		if (np == NULL)
			return -ENOMEM;
		if (ike->n)
			memcpy(np, ike->peers, ike->n * sizeof(*np));
		free(ike->peers);
		ike->peers = np;
		ike->cap = cap;
	}
	np = &ike->peers[ike->n];
	memset(np, 0, sizeof(*np));
	np->cfg = *p;
	np->cfg.name[sizeof(np->cfg.name) - 1] = '\0';
	dh_order(&np->cfg.ike);
	dh_order(&np->cfg.esp);
	snprintf(np->last, sizeof(np->last), "configured");
	if (p->initiate)
		np->next_try = 1; /* at the first tick */
	return (int)ike->n++;
}

int
vpn_ike_set_peer(struct vpn_ike *ike, unsigned int peer,
                 const struct vpn_ike_peer *p)
{
	struct peer *np;
	int rc = peer_check(p);

	if (rc != 0)
		return rc;
	if (peer >= ike->n)
		return -ENOENT;
	np = &ike->peers[peer];
	/* Whatever was agreed was agreed under the old settings. */
	vpn_ike_reset(ike, peer, false);
	explicit_bzero(&np->cfg, sizeof(np->cfg));
	np->cfg = *p;
	np->cfg.name[sizeof(np->cfg.name) - 1] = '\0';
	dh_order(&np->cfg.ike);
	dh_order(&np->cfg.esp);
	np->ke_group = 0;
	np->restart = false;
	snprintf(np->last, sizeof(np->last), "reconfigured");
	status_log(ike, peer, "settings changed: negotiating again");
	if (starts(np))
		np->next_try = ike->now + 1;
	return 0;
}

int
vpn_ike_set_admin(struct vpn_ike *ike, unsigned int peer, bool up)
{
	struct peer *p;

	if (peer >= ike->n)
		return -ENOENT;
	p = &ike->peers[peer];
	if (!up) {
		vpn_ike_reset(ike, peer, false);
		p->down = true;
		p->restart = false;
		snprintf(p->last, sizeof(p->last), "administratively down");
		status_log(ike, peer, "administratively down");
		return 0;
	}
	if (!p->down)
		return 0;
	p->down = false;
	snprintf(p->last, sizeof(p->last), "administratively up");
	status_log(ike, peer, "administratively up");
	if (starts(p))
		p->next_try = ike->now + 1;
	return 0;
}

int
vpn_ike_child_expiring(struct vpn_ike *ike, unsigned int peer, uint32_t spi_in,
                       bool hard)
{
	struct child *c;

	if (peer >= ike->n)
		return -ENOENT;
	c = child_find(&ike->peers[peer], spi_in);
	if (c == NULL)
		return -ENOENT;
	/* Soft: rekeyed at the next tick (make-before-break, as at its soft
	 * lifetime); hard: it carries nothing any more, so it goes. */
	if (!c->rekeyed && c->rekey_at > ike->now) {
		c->rekey_at = ike->now;
		plog(ike, peer, "Child SA %08x_i: %s packet/byte limit reached",
		     spi_in, hard ? "hard" : "soft");
	}
	if (hard && c->expire_at > ike->now)
		c->expire_at = ike->now;
	return 0;
}

void
vpn_ike_reset(struct vpn_ike *ike, unsigned int peer, bool restart)
{
	struct peer *p;

	if (peer >= ike->n)
		return;
	p = &ike->peers[peer];
	if (p->sa && p->sa->state == S_ESTABLISHED)
		send_info(ike, p->sa, R_DELETE_IKE, 0);
	children_clear(ike, peer, "reset");
	sa_free(ike, p->nego, "reset");
	sa_free(ike, p->old, "reset");
	sa_free(ike, p->doomed, "reset");
	sa_free(ike, p->sa, "reset");
	p->sa = p->nego = p->old = p->doomed = NULL;
	p->next_try = restart && starts(p) ? ike->now + 1 : 0;
}

const struct vpn_ike_stats *
vpn_ike_stats(const struct vpn_ike *ike)
{
	return &ike->st;
}

int
vpn_ike_peer_info(const struct vpn_ike *ike, unsigned int peer,
                  struct vpn_ike_peer_info *info)
{
	const struct peer *p;
	const struct ike_sa *sa;

	if (peer >= ike->n)
		return -ENOENT;
	p = &ike->peers[peer];
	sa = p->sa;
	memset(info, 0, sizeof(*info));
	snprintf(info->last, sizeof(info->last), "%s", p->last);
	info->admin_down = p->down;
	info->local = p->cfg.local;
	info->remote = p->cfg.remote;
	if (sa == NULL || sa->state == S_DEAD) {
		info->ike_state = "down";
		return 0;
	}
	info->ike_state =
	        sa->state == S_ESTABLISHED ? "established" : "connecting";
	for (int i = 0; i < IKE_MAX_CHILDREN; i++) {
		const struct child *c = &p->ch[i];

		if (!c->used)
			continue;
		info->children++;
		if (c->routed) {
			info->child_up = true;
			info->spi_in = c->spi_in;
			info->spi_out = c->spi_out;
		}
	}
	info->nat = udp_encap(ike, sa);
	info->spi_i = sa->spi_i;
	info->spi_r = sa->spi_r;
	info->encr = sa->encr;
	info->key_bits = sa->key_bits;
	info->integ = sa->integ;
	info->dh = sa->dh_group;
	info->established_ms = sa->established;
	return 0;
}
