/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_PKI_H
#define GW_PKI_H

#include "vpn_pki.h"

/* appliance.pki as loaded at start (and again by a reload that changed
 * nothing else wrong): NULL when none is configured. Control core only
 * (the console runs under the control lock). */
const struct vpn_pki *vpngw_pki(void);

#endif
