/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_PKI_H
#define GW_PKI_H

#include <stdio.h>

#include "vpn_pki.h"

/* appliance.pki as loaded at start (and again by a reload that changed
 * nothing else wrong): NULL when none is configured. Control core only
 * (the console runs under the control lock). */
const struct vpn_pki *vpngw_pki(void);
/* The console's `reload pki`: the files the running appliance.pki names,
 * read and checked again; on success IKE signs with them from now on
 * (SAs up stay). What happened goes to out. 0 or -errno. */
int vpngw_pki_reload(FILE *out);

#endif
