/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the inbound ESP path. The first input byte picks
 * how the rest is used:
 *   bit 0 clear: the rest is an outer packet as received (outer header
 *                parsing, SPI lookup, lengths, replay, ICV checks);
 *   bit 0 set:   the rest is an ESP plaintext (inner packet, padding, pad
 *                length, next header; zero-filled to whole blocks) that is
 *                encrypted with a valid ICV first, so the code after
 *                authentication meets hostile plaintext;
 *   bits 1-2:    the SA: AES-GCM, AES-GCM in UDP, AES-CBC/HMAC-SHA256,
 *                AES-CBC/HMAC-SHA256 in UDP with ESN (crafted packets use
 *                the SA without ESN).
 * Every outcome is a counted reason; the fuzzer looks for crashes, leaks
 * and sanitizer reports, and checks that a decrypted packet stays inside
 * its mbuf.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "vpn_esp.h"

static struct rte_mempool *pool;
static struct vpn_crypto *eng;
static struct vpn_esp_worker *w;
static struct vpn_esp_sad *sad;
static struct vpn_esp_sa *in[4];
static struct vpn_crypto_key *key[4]; /* the same keys, for crafting */
static struct vpn_crypto_worker *cw;
static uint32_t next_seq = 1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = {"fuzz",        "--no-huge", "--no-shconf", "--no-pci",
	               "-l",          "0",         "-m",          "128",
	               "--log-level", "*:error",   NULL};

	(void)argc;
	(void)argv;
	if (rte_eal_init(10, eal) < 0)
		abort();
	pool = rte_pktmbuf_pool_create(
	        "fuzz", 63, 0, 0, RTE_PKTMBUF_HEADROOM + 4096, SOCKET_ID_ANY);
	eng = vpn_crypto_open(VPN_CRYPTO_IMB);
	w = vpn_esp_worker_new(eng, 0);
	sad = vpn_esp_sad_new(8);
	cw = vpn_crypto_worker_new(eng);
	if (pool == NULL || w == NULL || sad == NULL || cw == NULL)
		abort();
	for (int k = 0; k < 4; k++) {
		struct vpn_esp_sa_params p = {
		        .spi = 0x1000 + (uint32_t)k,
		        .cipher =
		                k & 2 ? VPN_CIPHER_AES_CBC : VPN_CIPHER_AES_GCM,
		        .cipher_key_len = 16,
		        .auth = k & 2 ? VPN_AUTH_HMAC_SHA256_128
		                      : VPN_AUTH_NONE,
		        .auth_key_len = k & 2 ? 32 : 0,
		        .udp_encap = k & 1,
		        .esn = k == 3,
		        .replay_window = 64,
		        .tun_src = 0xcb007101,
		        .tun_dst = 0xc0000201,
		};

		memset(p.cipher_key, 0x42, sizeof(p.cipher_key));
		memset(p.auth_key, 0x24, sizeof(p.auth_key));
		key[k] = vpn_crypto_key_new(
		        eng, &(struct vpn_crypto_key_params){
		                     .cipher = p.cipher,
		                     .cipher_key = p.cipher_key,
		                     .cipher_key_len = 16,
		                     .auth = p.auth,
		                     .auth_key = p.auth_key,
		                     .auth_key_len = p.auth_key_len,
		                     .iv_key = p.auth_key});
		p.inbound = true;
		in[k] = vpn_esp_sa_new(eng, &p);
		if (in[k] == NULL || key[k] == NULL ||
		    vpn_esp_sad_add(sad, in[k]) != 0)
			abort();
	}
	return 0;
}

/* An outer packet for SA k carrying plaintext pt with a valid ICV. */
static struct rte_mbuf *
craft(int k, const uint8_t *pt, size_t len)
{
	bool gcm = k < 2, udp = k & 1;
	unsigned int hdr = 20 + (udp ? 8 : 0), ivl = gcm ? 8 : 16;
	unsigned int icv = 16, block = gcm ? 4 : 16;
	size_t clen = (len + block - 1) / block * block, tot;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p, *esp, nonce[12] = {0};
	uint32_t seq = next_seq++;

	if (clen == 0)
		clen = block;
	tot = hdr + 8 + ivl + clen + icv;
	if (m == NULL || rte_pktmbuf_append(m, (uint16_t)tot) == NULL)
		abort();
	p = rte_pktmbuf_mtod(m, uint8_t *);
	memset(p, 0, tot);
	p[0] = 0x45;
	p[2] = (uint8_t)(tot >> 8);
	p[3] = (uint8_t)tot;
	p[8] = 64;
	p[9] = udp ? 17 : 50;
	if (udp) {
		p[20] = p[22] = 0x11; /* 4500 */
		p[21] = p[23] = 0x94;
		p[24] = (uint8_t)((tot - 20) >> 8);
		p[25] = (uint8_t)(tot - 20);
	}
	esp = p + hdr;
	esp[2] = 0x10; /* SPI 0x1000 + k */
	esp[3] = (uint8_t)k;
	esp[4] = (uint8_t)(seq >> 24);
	esp[5] = (uint8_t)(seq >> 16);
	esp[6] = (uint8_t)(seq >> 8);
	esp[7] = (uint8_t)seq;
	memcpy(esp + 8 + ivl, pt, len);
	memcpy(nonce + 4, esp + 8, 8); /* salt 0 | IV */
	struct vpn_crypto_op op = {.data = esp + 8 + ivl,
	                           .len = (uint32_t)clen,
	                           .iv = gcm ? nonce : esp + 8,
	                           .aad = esp,
	                           .aad_len = 8,
	                           .auth = esp,
	                           .auth_len = (uint32_t)(8 + ivl + clen),
	                           .icv = esp + 8 + ivl + clen};
	vpn_crypto_encrypt(cw, key[k], &op, 1);
	return m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *m;
	uint8_t mode, why;
	int k;

	if (size < 1 || size > 4000)
		return 0;
	mode = data[0];
	data++;
	size--;
	k = (mode >> 1) & 3;
	m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		abort();
	if (mode & 1) {
		rte_pktmbuf_free(m);
		m = craft(k == 3 ? 2 : k, data, size);
	} else {
		memcpy(rte_pktmbuf_append(m, (uint16_t)size), data, size);
	}
	if (vpn_esp_inbound(w, sad, &m, 1, &why, NULL) == 1) {
		/* What comes out is an inner packet inside the mbuf. */
		if (rte_pktmbuf_data_len(m) > 4096 + RTE_PKTMBUF_HEADROOM ||
		    rte_pktmbuf_data_len(m) < 20)
			abort();
	} else if (why >= VPN_ESP_REASON_MAX || why == VPN_ESP_OK) {
		abort();
	}
	rte_pktmbuf_free(m);
	return 0;
}
