/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_CRYPTO_IMB_H
#define VPN_CRYPTO_IMB_H

#include <stdbool.h>

#include <intel-ipsec-mb.h>

/*
 * An intel-ipsec-mb manager as the engine makes them, for programs that
 * measure the bare library beside the engine (app/esp-bench). sse: the SSE
 * manager (SHA-NI); otherwise the best the CPU has, or the one named by the
 * environment variable VPNGW_IMB_ARCH (sse, avx, avx2, avx512), which pins
 * the code path for comparisons across machines. NULL on failure.
 */
IMB_MGR *vpn_imb_mgr_new(bool sse);

#endif /* VPN_CRYPTO_IMB_H */
