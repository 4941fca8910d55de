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

#endif
