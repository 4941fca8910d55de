/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_AUTH's authentication (RFC 7296 2.15), one place per method:
 *
 *   PSK: AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <signed octets>),
 *        ID_IPV4_ADDR of our outside address.
 *   Certificates: AUTH method 14, Digital Signature (RFC 7427), over the
 *        same signed octets with our key (lib/pki); ID_DER_ASN1_DN of our
 *        certificate's subject; our certificate and intermediates in CERT
 *        payloads, CERTREQ for our CA; SIGNATURE_HASH_ALGORITHMS in
 *        IKE_SA_INIT (RFC 7427 4).
 *
 * <signed octets> = the sender's IKE_SA_INIT message | the other side's
 * nonce | prf(SK_p, the sender's ID payload body).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_priv.h"
#include "vpn_pki.h"

#define IKE_ID_DER_ASN1_DN 9

/* prf(SK_p, ID') and where the message and nonce are: the octets the
 * AUTH of one side covers, in parts (msg, nonce, macid). */
static int
signed_octets(const struct ike_sa *sa, bool of_initiator, const uint8_t *id,
              size_t id_len, uint8_t *macid, struct ike_iov iov[3])
{
	size_t plen = ike_prf_len(sa->prf);

	iov[0] = (struct ike_iov){id, id_len};
	if (ike_prf(sa->prf, of_initiator ? sa->skpi : sa->skpr, plen, iov, 1,
	            macid) != 0)
		return -1;
	if (of_initiator) {
		iov[0] = (struct ike_iov){sa->msg1, sa->msg1_len};
		iov[1] = (struct ike_iov){sa->nr, sa->nr_len};
	} else {
		iov[0] = (struct ike_iov){sa->msg2, sa->msg2_len};
		iov[1] = (struct ike_iov){sa->ni, sa->ni_len};
	}
	iov[2] = (struct ike_iov){macid, plen};
	return 0;
}

static int
psk_auth(const struct vpn_ike_peer *cfg, const struct ike_sa *sa,
         bool of_initiator, const uint8_t *id, size_t id_len, uint8_t *out)
{
	static const char pad[] = "Key Pad for IKEv2";
	uint8_t key[IKE_MAX_PRF_LEN], macid[IKE_MAX_PRF_LEN];
	struct ike_iov iov[3], p = {pad, sizeof(pad) - 1};
	size_t plen = ike_prf_len(sa->prf);
	int rc;

	rc = signed_octets(sa, of_initiator, id, id_len, macid, iov);
	rc |= ike_prf(sa->prf, cfg->psk, cfg->psk_len, &p, 1, key);
	rc |= ike_prf(sa->prf, key, plen, iov, 3, out);
	explicit_bzero(key, sizeof(key));
	return rc;
}

static void
to_data(const struct ike_iov iov[3], struct vpn_pki_data *d)
{
	d->n = 3;
	for (int i = 0; i < 3; i++) {
		d->part[i] = iov[i].p;
		d->len[i] = iov[i].len;
	}
}

size_t
make_id(const struct vpn_ike *ike, const struct vpn_ike_peer *cfg,
        const struct ike_sa *sa, uint8_t *id, size_t max)
{
	if (cfg->cert)
		return ike->pki ? vpn_pki_id(ike->pki, id, max) : 0;
	if (max < 8)
		return 0;
	memset(id, 0, 8);
	id[0] = IKE_ID_IPV4_ADDR;
	put32(id + 4, sa->local);
	return 8;
}

size_t
auth_make(const struct vpn_ike *ike, const struct vpn_ike_peer *cfg,
          const struct ike_sa *sa, bool of_initiator, const uint8_t *id,
          size_t id_len, uint8_t *out, size_t max)
{
	uint8_t macid[IKE_MAX_PRF_LEN];
	struct vpn_pki_data d;
	struct ike_iov iov[3];
	size_t n;

	if (max < 4 + IKE_MAX_PRF_LEN)
		return 0;
	memset(out, 0, 4);
	if (!cfg->cert) {
		out[0] = IKE_AUTH_PSK;
		if (psk_auth(cfg, sa, of_initiator, id, id_len, out + 4) != 0)
			return 0;
		return 4 + ike_prf_len(sa->prf);
	}
	out[0] = IKE_AUTH_SIGNATURE;
	if (ike->pki == NULL ||
	    signed_octets(sa, of_initiator, id, id_len, macid, iov) != 0)
		return 0;
	to_data(iov, &d);
	n = vpn_pki_sign(ike->pki, &d, sa->sig_hashes, out + 4, max - 4);
	return n ? 4 + n : 0;
}

/* A signature AUTH (method 14) and the certificates that come with it,
 * checked by lib/pki against in's identity or identities. */
static bool
sig_verify(const struct vpn_ike *ike, const struct ike_sa *sa,
           bool of_initiator, const struct ike_payload *id,
           const struct ike_payload *auth, const struct ike_payload *pl,
           unsigned int n, struct vpn_pki_peer *in, struct auth_result *res)
{
	uint8_t macid[IKE_MAX_PRF_LEN];
	struct ike_iov iov[3];
	bool ok;

	if (auth->body[0] != IKE_AUTH_SIGNATURE) {
		snprintf(res->why, sizeof(res->why),
		         "AUTH method %u, not a digital signature (14)",
		         auth->body[0]);
		return false;
	}
	if (ike->pki == NULL) {
		snprintf(res->why, sizeof(res->why), "no PKI loaded");
		return false;
	}
	in->id = id->body;
	in->id_len = id->len;
	for (unsigned int i = 0; i < n; i++)
		if (pl[i].type == IKE_PT_CERT &&
		    in->n_certs < VPN_PKI_PEER_CERTS) {
			in->cert[in->n_certs] = pl[i].body;
			in->cert_len[in->n_certs++] = pl[i].len;
		}
	if (signed_octets(sa, of_initiator, id->body, id->len, macid, iov) !=
	    0) {
		snprintf(res->why, sizeof(res->why), "no PRF");
		return false;
	}
	to_data(iov, &in->data);
	in->auth = auth->body + 4;
	in->auth_len = auth->len - 4u;
	ok = vpn_pki_verify_peer(ike->pki, in, res->why, sizeof(res->why)) == 0;
	snprintf(res->subject, sizeof(res->subject), "%s", in->subject);
	snprintf(res->issuer, sizeof(res->issuer), "%s", in->issuer);
	snprintf(res->sig_alg, sizeof(res->sig_alg), "%s", in->sig_alg);
	memcpy(res->chain, in->chain, sizeof(res->chain));
	res->n_chain = in->n_chain;
	return ok;
}

bool
auth_verify(const struct vpn_ike *ike, const struct vpn_ike_peer *cfg,
            const struct ike_sa *sa, bool of_initiator,
            const struct ike_payload *id, const struct ike_payload *auth,
            const struct ike_payload *pl, unsigned int n,
            struct auth_result *res)
{
	uint8_t want[IKE_MAX_PRF_LEN];
	size_t plen = ike_prf_len(sa->prf);
	struct vpn_pki_peer in = {.identity = cfg->identity};
	bool ok;

	memset(res, 0, sizeof(*res));
	if (cfg->cert)
		return sig_verify(ike, sa, of_initiator, id, auth, pl, n, &in,
		                  res);
	ok = auth->len == 4 + plen && auth->body[0] == IKE_AUTH_PSK &&
	     psk_auth(cfg, sa, of_initiator, id->body, id->len, want) == 0 &&
	     ike_equal(want, auth->body + 4, plen);
	explicit_bzero(want, sizeof(want));
	if (!ok)
		snprintf(res->why, sizeof(res->why),
		         auth->body[0] == IKE_AUTH_PSK
		                 ? "AUTH did not verify (wrong PSK?)"
		                 : "AUTH method %u, not PSK",
		         auth->body[0]);
	return ok;
}

int
auth_verify_any(const struct vpn_ike *ike, const struct ike_sa *sa,
                const struct ike_payload *id, const struct ike_payload *auth,
                const struct ike_payload *pl, unsigned int n,
                const char *const *ids, unsigned int n_ids,
                struct auth_result *res)
{
	struct vpn_pki_peer in = {.identities = ids, .n_identities = n_ids};

	memset(res, 0, sizeof(*res));
	if (!sig_verify(ike, sa, true, id, auth, pl, n, &in, res))
		return -1;
	return in.matched;
}

/* Our certificate and its intermediates, then (certreq) a CERTREQ for
 * our CA: after the ID payload of IKE_AUTH (RFC 7296 1.2). */
void
add_certs(const struct vpn_ike *ike, const struct vpn_ike_peer *cfg,
          struct ike_writer *w, bool certreq)
{
	uint8_t b[VPN_PKI_CERT_MAX];
	size_t len;

	if (!cfg->cert || ike->pki == NULL)
		return;
	for (unsigned int i = 0;
	     (len = vpn_pki_cert(ike->pki, i, b, sizeof(b))) > 0; i++)
		vpn_ike_add(w, IKE_PT_CERT, false, b, len);
	if (certreq)
		add_certreq(ike, cfg, w);
}

void
add_certreq(const struct vpn_ike *ike, const struct vpn_ike_peer *cfg,
            struct ike_writer *w)
{
	uint8_t b[1 + 20 * VPN_PKI_CAS_MAX];
	size_t len;

	if (!cfg->cert || ike->pki == NULL)
		return;
	len = vpn_pki_certreq(ike->pki, b, sizeof(b));
	if (len > 0)
		vpn_ike_add(w, IKE_PT_CERTREQ, false, b, len);
}

/* RFC 7427 4: the hashes we verify signatures with (SHA2-256, -384,
 * -512), in IKE_SA_INIT, so the peer may sign with method 14. */
void
add_sig_hashes(const struct vpn_ike_peer *cfg, struct ike_writer *w)
{
	static const uint8_t hashes[] = {0, 2, 0, 3, 0, 4};

	if (cfg->cert)
		add_notify(w, 0, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, hashes,
		           sizeof(hashes));
}

/* The hashes the peer's SIGNATURE_HASH_ALGORITHMS names (2 bytes each),
 * as a mask of 1 << number; 0 when it sent none. */
unsigned int
peer_sig_hashes(const struct ike_payload *pl, unsigned int n)
{
	unsigned int mask = 0;

	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *d;
		size_t len;

		if (pl[i].type != IKE_PT_NOTIFY ||
		    notify_type(&pl[i], &d, &len) !=
		            IKE_N_SIGNATURE_HASH_ALGORITHMS)
			continue;
		for (size_t k = 0; k + 2 <= len; k += 2) {
			uint16_t h = get16(d + k);

			if (h < 32)
				mask |= 1u << h;
		}
	}
	return mask;
}

/* The peer's certificate, as it authenticated, for the console and the
 * log. */
void
note_peer(struct vpn_ike *ike, unsigned int peer, const struct auth_result *ar)
{
	struct peer *p = &ike->peers[peer];

	snprintf(p->subject, sizeof(p->subject), "%s", ar->subject);
	snprintf(p->issuer, sizeof(p->issuer), "%s", ar->issuer);
	memcpy(p->chain, ar->chain, sizeof(p->chain));
	p->n_chain = ar->n_chain;
	if (ar->subject[0])
		plog(ike, peer,
		     "IKE_AUTH: the peer is \"%s\" (issued by \"%s\"), "
		     "signature %s",
		     ar->subject, ar->issuer, ar->sig_alg);
}
