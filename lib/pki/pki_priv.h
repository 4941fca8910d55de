/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PKI_PRIV_H
#define PKI_PRIV_H

#include <openssl/x509.h>

#include "vpn_pki.h"

struct vpn_pki {
	STACK_OF(X509) * ca;    /* trust anchors (pki.ca) */
	STACK_OF(X509) * chain; /* ours first, then intermediates */
	EVP_PKEY *key;
	char key_desc[24];
	char subject[VPN_IDENTITY_MAX];
	STACK_OF(X509_CRL) * crls;  /* pki.crl: NULL when none */
	char path[4][VPN_PATH_MAX]; /* ca, certificate, private_key, crl */
};

#define PKI_CRLS_MAX 16 /* CRLs in the crl file */

/* "C=US, O=Example, CN=gw1": a name in the certificate's order. */
void pki_name_str(const X509_NAME *n, char *buf, size_t len);

#endif
