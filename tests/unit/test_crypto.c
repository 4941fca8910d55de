/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Known-answer tests of both crypto engines, from published vectors:
 *  - AES-GCM: "The Galois/Counter Mode of Operation" (McGrew, Viega; the
 *    NIST submission), test cases 4 (AES-128) and 16 (AES-256);
 *  - AES-CBC: RFC 3602 section 4 case 2 (AES-128), NIST SP 800-38A F.2.5
 *    (AES-256, first two blocks);
 *  - HMAC: RFC 2202 test case 1 (SHA-1), RFC 4868 2.7.2 AUTH256-1,
 *    AUTH384-1, AUTH512-1 ("Hi There" under 0x0b keys of digest length),
 *    truncated to the ESP ICV lengths of RFC 2404 / RFC 4868.
 * The engine paths used are the ones ESP uses: a CBC decrypt verifies an
 * HMAC (here over the HMAC vector's data) before it decrypts.
 */
#include <string.h>

#include <CUnit/Basic.h>

#include "vpn_crypto.h"

static size_t
unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2)
		sscanf(h, "%2hhx", &out[n++]);
	return n;
}

static const char gcm_k[] = "feffe9928665731c6d6a8f9467308308";
static const char gcm_iv[] = "cafebabefacedbaddecaf888";
static const char gcm_p[] =
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
static const char gcm_a[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
static const char gcm_c4[] =
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
        "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091";
static const char gcm_t4[] = "5bc94fbc3221a5db94fae95ae7121a47";
static const char gcm_c16[] =
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662";
static const char gcm_t16[] = "76fc6ece0f4e1768cddf8853bb2d551b";

static void
gcm_case(enum vpn_crypto_kind kind, bool k256, const char *c_hex,
         const char *t_hex)
{
	uint8_t key[32], iv[12], p[64], a[20], c[64], t[16], buf[64], icv[16];
	struct vpn_crypto *eng = vpn_crypto_open(kind);
	struct vpn_crypto_worker *w;
	struct vpn_crypto_key *k;
	size_t plen, clen;

	CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
	w = vpn_crypto_worker_new(eng);
	unhex(gcm_k, key);
	unhex(gcm_k, key + 16); /* test case 16: the key twice */
	unhex(gcm_iv, iv);
	plen = unhex(gcm_p, p);
	unhex(gcm_a, a);
	clen = unhex(c_hex, c);
	unhex(t_hex, t);
	CU_ASSERT_EQUAL(plen, clen);
	k = vpn_crypto_key_new(eng, &(struct vpn_crypto_key_params){
	                                    .cipher = VPN_CIPHER_AES_GCM,
	                                    .cipher_key = key,
	                                    .cipher_key_len = k256 ? 32 : 16});
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);

	memcpy(buf, p, plen);
	struct vpn_crypto_op op = {.data = buf,
	                           .len = (uint32_t)plen,
	                           .iv = iv,
	                           .aad = a,
	                           .aad_len = 20,
	                           .icv = icv};
	vpn_crypto_encrypt(w, k, &op, 1);
	CU_ASSERT_EQUAL(memcmp(buf, c, clen), 0);
	CU_ASSERT_EQUAL(memcmp(icv, t, 16), 0);

	CU_ASSERT_EQUAL(vpn_crypto_decrypt(w, k, &op, 1), 0);
	CU_ASSERT_EQUAL(op.status, 0);
	CU_ASSERT_EQUAL(memcmp(buf, p, plen), 0);

	/* A flipped bit anywhere fails: ciphertext, AAD, tag. */
	memcpy(buf, c, clen);
	buf[7] ^= 1;
	CU_ASSERT_EQUAL(vpn_crypto_decrypt(w, k, &op, 1), 1);
	CU_ASSERT_EQUAL(op.status, VPN_CRYPTO_EAUTH);
	memcpy(buf, c, clen);
	a[19] ^= 0x80;
	CU_ASSERT_EQUAL(vpn_crypto_decrypt(w, k, &op, 1), 1);
	a[19] ^= 0x80;
	memcpy(buf, c, clen);
	icv[15] ^= 1;
	CU_ASSERT_EQUAL(vpn_crypto_decrypt(w, k, &op, 1), 1);

	vpn_crypto_key_free(k);
	vpn_crypto_worker_free(w);
	vpn_crypto_close(eng);
}

static void
test_gcm_imb(void)
{
	gcm_case(VPN_CRYPTO_IMB, false, gcm_c4, gcm_t4);
	gcm_case(VPN_CRYPTO_IMB, true, gcm_c16, gcm_t16);
}

static void
test_gcm_ossl(void)
{
	gcm_case(VPN_CRYPTO_OPENSSL, false, gcm_c4, gcm_t4);
	gcm_case(VPN_CRYPTO_OPENSSL, true, gcm_c16, gcm_t16);
}

struct hmac_vec {
	enum vpn_crypto_auth auth;
	unsigned int key_len;
	const char *mac; /* full HMAC of "Hi There" */
};

static const struct hmac_vec hmacs[] = {
        {VPN_AUTH_HMAC_SHA1_96, 20, "b617318655057264e28bc0b6fb378c8ef146be00"},
        {VPN_AUTH_HMAC_SHA256_128, 32,
         "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7"},
        {VPN_AUTH_HMAC_SHA384_192, 48,
         "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee9737a959796489bddbc"
         "4c5df61d5b3297b4fb68dab9f1b582c2"},
        {VPN_AUTH_HMAC_SHA512_256, 64,
         "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8"
         "ac2878ebd5803f6f0b61dbce5e251ff8789a4722c1be65aea45fd464e89f8f5b"},
};

struct cbc_vec {
	unsigned int key_len;
	const char *key, *iv, *p, *c;
};

static const struct cbc_vec cbcs[] = {
        {16, "c286696d887c9aa0611bbb3e2025a45a",
         "562e17996d093d28ddb3ba695a2e6f58",
         "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
         "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1"},
        {32, "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
         "000102030405060708090a0b0c0d0e0f",
         "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
         "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"},
};

static void
cbc_hmac_case(enum vpn_crypto_kind kind)
{
	struct vpn_crypto *eng = vpn_crypto_open(kind);
	struct vpn_crypto_worker *w = vpn_crypto_worker_new(eng);
	uint8_t hi[] = "Hi There";

	for (size_t v = 0; v < sizeof(cbcs) / sizeof(cbcs[0]); v++) {
		for (size_t h = 0; h < sizeof(hmacs) / sizeof(hmacs[0]); h++) {
			uint8_t key[32], iv[16], p[32], c[32], akey[64],
			        mac[64], ivkey[16] = {0}, buf[32], icv[32];
			unsigned int icv_len = vpn_crypto_icv_len(
			        VPN_CIPHER_AES_CBC, hmacs[h].auth);
			struct vpn_crypto_key *k;

			unhex(cbcs[v].key, key);
			unhex(cbcs[v].iv, iv);
			unhex(cbcs[v].p, p);
			unhex(cbcs[v].c, c);
			memset(akey, 0x0b, sizeof(akey));
			unhex(hmacs[h].mac, mac);
			k = vpn_crypto_key_new(
			        eng, &(struct vpn_crypto_key_params){
			                     .cipher = VPN_CIPHER_AES_CBC,
			                     .cipher_key = key,
			                     .cipher_key_len = cbcs[v].key_len,
			                     .auth = hmacs[h].auth,
			                     .auth_key = akey,
			                     .auth_key_len = hmacs[h].key_len,
			                     .iv_key = ivkey});
			CU_ASSERT_PTR_NOT_NULL_FATAL(k);

			/* Decrypt: verify the HMAC vector, then decrypt the
			 * CBC vector with its IV. */
			memcpy(buf, c, 32);
			memcpy(icv, mac, icv_len);
			struct vpn_crypto_op op = {.data = buf,
			                           .len = 32,
			                           .iv = iv,
			                           .auth = hi,
			                           .auth_len = 8,
			                           .icv = icv};
			CU_ASSERT_EQUAL(vpn_crypto_decrypt(w, k, &op, 1), 0);
			CU_ASSERT_EQUAL(memcmp(buf, p, 32), 0);

			/* A wrong ICV: nothing is decrypted. */
			memcpy(buf, c, 32);
			icv[icv_len - 1] ^= 1;
			CU_ASSERT_EQUAL(vpn_crypto_decrypt(w, k, &op, 1), 1);
			CU_ASSERT_EQUAL(op.status, VPN_CRYPTO_EAUTH);
			CU_ASSERT_EQUAL(memcmp(buf, c, 32), 0);

			/* Encrypt: the HMAC of a separate region is the
			 * vector's, truncated; the IV is AES(0-key, seed). */
			uint8_t seedkey_iv[16];
			memcpy(buf, p, 32);
			memset(icv, 0, sizeof(icv));
			struct vpn_crypto_op eo = {.data = buf,
			                           .len = 32,
			                           .iv = seedkey_iv,
			                           .auth = hi,
			                           .auth_len = 8,
			                           .icv = icv};
			memset(eo.iv_seed, 0, 16);
			vpn_crypto_encrypt(w, k, &eo, 1);
			CU_ASSERT_EQUAL(memcmp(icv, mac, icv_len), 0);
			/* and decrypting with that IV gives p back */
			memcpy(icv, mac, icv_len);
			struct vpn_crypto_op d2 = {.data = buf,
			                           .len = 32,
			                           .iv = seedkey_iv,
			                           .auth = hi,
			                           .auth_len = 8,
			                           .icv = icv};
			CU_ASSERT_EQUAL(vpn_crypto_decrypt(w, k, &d2, 1), 0);
			CU_ASSERT_EQUAL(memcmp(buf, p, 32), 0);
			vpn_crypto_key_free(k);
		}
	}
	vpn_crypto_worker_free(w);
	vpn_crypto_close(eng);
}

static void
test_cbc_hmac_imb(void)
{
	cbc_hmac_case(VPN_CRYPTO_IMB);
}

static void
test_cbc_hmac_ossl(void)
{
	cbc_hmac_case(VPN_CRYPTO_OPENSSL);
}

/* AES-128 of the zero block under the zero key (FIPS-197-derived value
 * 66e94bd4ef8a2c3b884cfa59ca342b2e): the CBC IV derivation. */
static void
test_iv_derivation(void)
{
	for (int e = 0; e < 2; e++) {
		struct vpn_crypto *eng = vpn_crypto_open(e);
		struct vpn_crypto_worker *w = vpn_crypto_worker_new(eng);
		uint8_t key[16] = {0}, akey[20] = {0}, ivkey[16] = {0}, iv[16],
		        buf[16] = {0}, icv[12], want[16];
		struct vpn_crypto_key *k = vpn_crypto_key_new(
		        eng, &(struct vpn_crypto_key_params){
		                     .cipher = VPN_CIPHER_AES_CBC,
		                     .cipher_key = key,
		                     .cipher_key_len = 16,
		                     .auth = VPN_AUTH_HMAC_SHA1_96,
		                     .auth_key = akey,
		                     .auth_key_len = 20,
		                     .iv_key = ivkey});
		struct vpn_crypto_op op = {.data = buf,
		                           .len = 16,
		                           .iv = iv,
		                           .auth = buf,
		                           .auth_len = 16,
		                           .icv = icv};

		memset(op.iv_seed, 0, 16);
		vpn_crypto_encrypt(w, k, &op, 1);
		unhex("66e94bd4ef8a2c3b884cfa59ca342b2e", want);
		CU_ASSERT_EQUAL(memcmp(iv, want, 16), 0);
		vpn_crypto_key_free(k);
		vpn_crypto_worker_free(w);
		vpn_crypto_close(eng);
	}
}

static void
test_bad_keys(void)
{
	struct vpn_crypto *eng = vpn_crypto_open(VPN_CRYPTO_IMB);
	uint8_t key[64] = {0};

	/* GCM with an HMAC, CBC without one, wrong lengths. */
	CU_ASSERT_PTR_NULL(vpn_crypto_key_new(
	        eng, &(struct vpn_crypto_key_params){
	                     .cipher = VPN_CIPHER_AES_GCM,
	                     .cipher_key = key,
	                     .cipher_key_len = 16,
	                     .auth = VPN_AUTH_HMAC_SHA1_96}));
	CU_ASSERT_PTR_NULL(vpn_crypto_key_new(
	        eng,
	        &(struct vpn_crypto_key_params){.cipher = VPN_CIPHER_AES_CBC,
	                                        .cipher_key = key,
	                                        .cipher_key_len = 16}));
	CU_ASSERT_PTR_NULL(vpn_crypto_key_new(
	        eng,
	        &(struct vpn_crypto_key_params){.cipher = VPN_CIPHER_AES_GCM,
	                                        .cipher_key = key,
	                                        .cipher_key_len = 24}));
	CU_ASSERT_PTR_NULL(vpn_crypto_key_new(
	        eng, &(struct vpn_crypto_key_params){
	                     .cipher = VPN_CIPHER_AES_CBC,
	                     .cipher_key = key,
	                     .cipher_key_len = 16,
	                     .auth = VPN_AUTH_HMAC_SHA256_128,
	                     .auth_key = key,
	                     .auth_key_len = 20,
	                     .iv_key = key}));
	CU_ASSERT_EQUAL(vpn_crypto_icv_len(VPN_CIPHER_AES_CBC, VPN_AUTH_NONE),
	                0);
	CU_ASSERT_EQUAL(vpn_crypto_memcmp("abc", "abd", 3), 1);
	CU_ASSERT_EQUAL(vpn_crypto_memcmp("abc", "abc", 3), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(vpn_crypto_name(eng), "intel-ipsec-mb"));
	vpn_crypto_close(eng);
}

void register_crypto_tests(void);

void
register_crypto_tests(void)
{
	CU_pSuite s = CU_add_suite("crypto", NULL, NULL);

	CU_add_test(s, "AES-GCM known answers, intel-ipsec-mb", test_gcm_imb);
	CU_add_test(s, "AES-GCM known answers, openssl", test_gcm_ossl);
	CU_add_test(s, "AES-CBC + HMAC known answers, intel-ipsec-mb",
	            test_cbc_hmac_imb);
	CU_add_test(s, "AES-CBC + HMAC known answers, openssl",
	            test_cbc_hmac_ossl);
	CU_add_test(s, "CBC IV derivation", test_iv_derivation);
	CU_add_test(s, "bad keys", test_bad_keys);
}
