/* SPDX-License-Identifier: BSD-3-Clause */
/* The table of ESP transforms by name: what the configuration checks
 * manual keys against. No engine here, so lib/cfg (and its fuzzer) links
 * this alone, without intel-ipsec-mb. */
#include <string.h>

#include "vpn_crypto.h"

static const struct vpn_crypto_alg algs[] = {
        {"aes128gcm16", VPN_CIPHER_AES_GCM, 16, VPN_AUTH_NONE, 0},
        {"aes256gcm16", VPN_CIPHER_AES_GCM, 32, VPN_AUTH_NONE, 0},
        {"aes128-sha1", VPN_CIPHER_AES_CBC, 16, VPN_AUTH_HMAC_SHA1_96, 20},
        {"aes256-sha1", VPN_CIPHER_AES_CBC, 32, VPN_AUTH_HMAC_SHA1_96, 20},
        {"aes128-sha256", VPN_CIPHER_AES_CBC, 16, VPN_AUTH_HMAC_SHA256_128, 32},
        {"aes256-sha256", VPN_CIPHER_AES_CBC, 32, VPN_AUTH_HMAC_SHA256_128, 32},
        {"aes128-sha384", VPN_CIPHER_AES_CBC, 16, VPN_AUTH_HMAC_SHA384_192, 48},
        {"aes256-sha384", VPN_CIPHER_AES_CBC, 32, VPN_AUTH_HMAC_SHA384_192, 48},
        {"aes128-sha512", VPN_CIPHER_AES_CBC, 16, VPN_AUTH_HMAC_SHA512_256, 64},
        {"aes256-sha512", VPN_CIPHER_AES_CBC, 32, VPN_AUTH_HMAC_SHA512_256, 64},
};

const struct vpn_crypto_alg *
vpn_crypto_alg_at(unsigned int i)
{
	return i < sizeof(algs) / sizeof(algs[0]) ? &algs[i] : NULL;
}

const struct vpn_crypto_alg *
vpn_crypto_alg_find(const char *name)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(algs[i].name, name) == 0)
			return &algs[i];
	return NULL;
}
