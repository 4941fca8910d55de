/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_CRYPTO_IMB_H
#define VPN_CRYPTO_IMB_H

#include <stdbool.h>

#include <intel-ipsec-mb.h>

#include "vpn_crypto.h"

/*
 * An intel-ipsec-mb manager as the engine makes them, for programs that
 * measure the bare library beside the engine (app/esp-bench). sse: the SSE
 * manager (SHA-NI); otherwise the best the CPU has, or the one named by the
 * environment variable VPNGW_IMB_ARCH (sse, avx, avx2, avx512), which pins
 * the code path for comparisons across machines. NULL on failure.
 */
IMB_MGR *vpn_imb_mgr_new(bool sse);

/*
 * Whether HMAC with auth runs on the SSE manager rather than on best:
 * SHA-NI (SSE code, SHA-1 and SHA-256 only) beats the AVX2 multi-buffer
 * code, but the AVX-512 code's 16 lanes beat SHA-NI (this machine, 1420 B
 * AES-128-CBC + HMAC-SHA-1: 2400 -> 1000 cycles per packet).
 */
bool vpn_imb_hash_on_sse(const IMB_MGR *best, enum vpn_crypto_auth auth);

#endif /* VPN_CRYPTO_IMB_H */
