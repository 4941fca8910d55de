/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_PKI_H
#define VPN_PKI_H

/*
 * The appliance's own PKI material (appliance.pki): the private CA's
 * certificate(s), our certificate with any intermediates after it, and
 * our private key, loaded and checked once, on OpenSSL 3.
 *
 * vpn_pki_load() reads the three files and checks what an operator gets
 * wrong: a file missing, unreadable or not PEM; a private key readable by
 * every user, encrypted, of a type IKE can't sign with (RSA and ECDSA
 * P-256/P-384 only) or not the certificate's; our certificate not
 * chaining to the CA (through the intermediates in its file), outside its
 * validity, or without digitalSignature in its key usage; a CA that is no
 * CA or has expired. Each problem is one FILE:LINE message (the line of
 * the option in the configuration); a certificate (ours, an intermediate
 * or the CA) that expires within warn_days is a warning.
 *
 * The result is what IKE authenticates with and what `show pki` shows.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "vpn_cfg.h"

struct vpn_pki;

struct vpn_pki_params {
	const struct vpn_cfg_pki *pki; /* paths, and their lines */
	const char *file;              /* the configuration's, for messages */
	time_t now;                    /* 0: the current time */
	unsigned int warn_days;        /* 0: 30 */
};

/* Load and check. Problems go to d (errors and warnings); returns NULL
 * (errno EINVAL) when there was an error, else the loaded material. A
 * pki with no file given loads nothing: NULL, errno ENOENT, no message. */
struct vpn_pki *vpn_pki_load(const struct vpn_pki_params *p,
                             struct vpn_diag *d);
void vpn_pki_free(struct vpn_pki *pki);

/* What `show pki` prints: ours (subject, issuer, serial, key, validity,
 * days left), the intermediates and the CA(s). json: one object. */
void vpn_pki_show(const struct vpn_pki *pki, time_t now, bool json, FILE *out);

/* Our certificate's subject (RFC 2253, as strongSwan's ID of type
 * DER_ASN1_DN is written) and its expiry. */
const char *vpn_pki_subject(const struct vpn_pki *pki);
time_t vpn_pki_not_after(const struct vpn_pki *pki);
/* The CRLs loaded (pki.crl): how many, the certificates they revoke,
 * and the earliest next update (0: none). */
unsigned int vpn_pki_crls(const struct vpn_pki *pki, unsigned int *revoked,
                          time_t *next);

/* ---- IKEv2 (pki_ike.c) ------------------------------------------------ */

/* The octets a signature covers (RFC 7296 2.15: the message, the other
 * side's nonce, prf(SK_p, ID')), in parts. */
struct vpn_pki_data {
	const uint8_t *part[4];
	size_t len[4];
	unsigned int n;
};

/* What IKE sends, bounded; vpn_pki_load refuses material beyond it. */
#define VPN_PKI_CERT_MAX 4096 /* a CERT payload body (DER + 1) */
#define VPN_PKI_ID_MAX   512  /* an ID payload body (DN DER + 4) */
#define VPN_PKI_CAS_MAX  16   /* certificates in one file (CAs too) */
#define VPN_PKI_RSA_MAX  8192 /* bits: the AUTH payload's room */

/* Payload bodies, each into out[0..max): its length, or 0 (no room).
 * Our ID (ID_DER_ASN1_DN of our subject, type and reserved bytes
 * first); CERT i (0: ours, then the intermediates; 0 past the last);
 * CERTREQ (the SHA-1 hashes of the CAs' public keys). */
size_t vpn_pki_id(const struct vpn_pki *pki, uint8_t *out, size_t max);
size_t vpn_pki_cert(const struct vpn_pki *pki, unsigned int i, uint8_t *out,
                    size_t max);
size_t vpn_pki_certreq(const struct vpn_pki *pki, uint8_t *out, size_t max);

/* The hashes of RFC 7427's SIGNATURE_HASH_ALGORITHMS, as a mask of
 * 1 << (its number): SHA2-256 (2), SHA2-384 (3), SHA2-512 (4). */
#define VPN_PKI_SHA256 (1u << 2)
#define VPN_PKI_SHA384 (1u << 3)
#define VPN_PKI_SHA512 (1u << 4)

/* AUTH data of method 14, Digital Signature (RFC 7427), after the
 * method and reserved bytes: ECDSA with SHA-256 (SHA-384 on P-384), RSA
 * PKCS#1 v1.5 with SHA-256, or the first of SHA-256/384/512 in hashes
 * (what the peer said it verifies; 0: it said nothing). Its length, or
 * 0. */
size_t vpn_pki_sign(const struct vpn_pki *pki, const struct vpn_pki_data *data,
                    unsigned int hashes, uint8_t *out, size_t max);

#define VPN_PKI_PEER_CERTS 4 /* CERT payloads taken: end entity + 3 */

/* A certificate as a CRL names it: its serial and its issuer's name
 * (DER); lengths 0 when it did not fit. */
struct vpn_pki_cert_ref {
	uint8_t serial[40], issuer[256];
	size_t serial_len, issuer_len;
};

/* What the peer sent, checked by vpn_pki_verify_peer. */
struct vpn_pki_peer {
	const uint8_t *cert[VPN_PKI_PEER_CERTS]; /* CERT payload bodies */
	size_t cert_len[VPN_PKI_PEER_CERTS];
	unsigned int n_certs;
	const uint8_t *id; /* its ID payload body */
	size_t id_len;
	const uint8_t *auth; /* AUTH data after method and reserved */
	size_t auth_len;
	struct vpn_pki_data data; /* what the signature covers */
	const char *identity;     /* certificate_identity */
	/* Or, for a customer gateway without an address, the identities of
	 * every such gateway it may be (identity NULL): the first that
	 * matches goes in matched. */
	const char *const *identities;
	unsigned int n_identities;
	int matched; /* out: its index, -1: none */
	time_t now;  /* 0: the current time */
	char subject[VPN_IDENTITY_MAX], issuer[VPN_IDENTITY_MAX]; /* out */
	char sig_alg[48]; /* out: the signature's algorithm, when checked */
	/* out, when it verified: its certificate and the intermediates of
	 * its chain (the CA's not), for vpn_pki_revoked later. */
	struct vpn_pki_cert_ref chain[VPN_PKI_PEER_CERTS];
	unsigned int n_chain;
};

/* 0 when the peer's certificate chains to our CA (through the
 * intermediates it sent), is valid now and may sign, its ID payload
 * names it, it matches identity (a DN as a set of attributes, or a DNS
 * name or email in its subjectAltName; or one of identities) and the AUTH
 * signature (ECDSA, RSA PKCS#1 v1.5 or RSASSA-PSS, with SHA-256, -384 or
 * -512) verifies with its key; else -EACCES and why ("certificate
 * expired", "unknown CA", "identity mismatch: ...", "bad signature",
 * ...). */
int vpn_pki_verify_peer(const struct vpn_pki *pki, struct vpn_pki_peer *in,
                        char *why, size_t wlen);

/* Whether a CRL of pki revokes one of the certificates of chain[0..n)
 * (as vpn_pki_verify_peer gave them): a peer up since before a CRL was
 * loaded. */
bool vpn_pki_revoked(const struct vpn_pki *pki,
                     const struct vpn_pki_cert_ref *chain, unsigned int n);

#endif
