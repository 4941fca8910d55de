/* SPDX-License-Identifier: BSD-3-Clause */
/* Keys: SKEYSEED and the IKE SA's keys, Child SA keys (RFC 7296 2.13-2.18).
 * AUTH is ike_auth.c's. See ike_sa.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_priv.h"

/* ---- key derivation ---------------------------------------------------- */

/* SKEYSEED and the IKE SA's keys (RFC 7296 2.14) from g^ir; when old is
 * the IKE SA being rekeyed, SKEYSEED = prf(SK_d (old), g^ir | Ni | Nr)
 * with the old SA's PRF (2.18). */
int
derive_ike_keys(struct ike_sa *sa, const uint8_t *gir, size_t gir_len,
                const struct ike_sa *old)
{
	size_t plen = ike_prf_len(sa->prf),
	       ml = ike_sk_key_material(sa->encr, sa->key_bits, sa->integ),
	       el = sa->key_bits / 8u + (is_aead(sa->encr) ? 4 : 0),
	       al = ike_integ_key_len(sa->integ);
	uint8_t seed[IKE_MAX_PRF_LEN], km[3 * IKE_MAX_PRF_LEN + 2 * 100];
	uint8_t nn[2 * IKE_MAX_NONCE], spis[16];
	struct ike_iov iov[3];
	int rc = -1;
	uint8_t *k = km;

	memcpy(nn, sa->ni, sa->ni_len);
	memcpy(nn + sa->ni_len, sa->nr, sa->nr_len);
	put64(spis, sa->spi_i);
	put64(spis + 8, sa->spi_r);
	iov[0] = (struct ike_iov){gir, gir_len};
	iov[1] = (struct ike_iov){nn, sa->ni_len + sa->nr_len};
	if (old != NULL) {
		if (ike_prf_len(old->prf) != plen ||
		    ike_prf(old->prf, old->skd, ike_prf_len(old->prf), iov, 2,
		            seed) != 0)
			goto out;
	} else if (ike_prf(sa->prf, nn, sa->ni_len + sa->nr_len, iov, 1,
	                   seed) != 0) /* SKEYSEED = prf(Ni | Nr, g^ir) */
		goto out;
	/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
	 *   = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
	iov[0] = (struct ike_iov){nn, sa->ni_len + sa->nr_len};
	iov[1] = (struct ike_iov){spis, 16};
	if (3 * plen + ml * 2 > sizeof(km) ||
	    ike_prf_plus(sa->prf, seed, plen, iov, 2, km, 3 * plen + 2 * ml) !=
	            0)
		goto out;
	memcpy(sa->skd, k, plen);
	k += plen;
	sa->ki = (struct ike_sk_keys){
	        .encr = sa->encr, .key_bits = sa->key_bits, .integ = sa->integ};
	sa->kr = sa->ki;
	memcpy(sa->ki.ak, k, al);
	k += al;
	memcpy(sa->kr.ak, k, al);
	k += al;
	memcpy(sa->ki.ek, k, el);
	k += el;
	memcpy(sa->kr.ek, k, el);
	k += el;
	memcpy(sa->skpi, k, plen);
	k += plen;
	memcpy(sa->skpr, k, plen);
	rc = 0;
out:
	explicit_bzero(seed, sizeof(seed));
	explicit_bzero(km, sizeof(km));
	return rc;
}

/* The Child SA's keys: KEYMAT = prf+(SK_d, Ni | Nr), initiator-to-
 * responder first (RFC 7296 2.17). */
/* A Child SA's keys: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), from
 * the exchange's initiator to its responder first (RFC 7296 2.17); we_i
 * says whether we initiated the exchange. */
int
derive_child_keys(const struct ike_sa *sa, struct vpn_ike_child *c, bool we_i,
                  const uint8_t *gir, size_t gl, const uint8_t *ni,
                  size_t ni_len, const uint8_t *nr, size_t nr_len)
{
	size_t el = c->key_bits / 8u + (is_aead(c->encr) ? 4 : 0),
	       al = ike_integ_key_len(c->integ);
	uint8_t km[2 * (36 + 64)];
	struct ike_iov iov[3];
	unsigned int k = 0;
	uint8_t *ei, *ai, *er, *ar;
	int rc;

	if (gl > 0)
		iov[k++] = (struct ike_iov){gir, gl};
	iov[k++] = (struct ike_iov){ni, ni_len};
	iov[k++] = (struct ike_iov){nr, nr_len};
	rc = ike_prf_plus(sa->prf, sa->skd, ike_prf_len(sa->prf), iov, k, km,
	                  2 * (el + al));
	ei = km;
	ai = ei + el;
	er = ai + al;
	ar = er + el;
	memcpy(c->ekey_in, we_i ? er : ei, el);
	memcpy(c->akey_in, we_i ? ar : ai, al);
	memcpy(c->ekey_out, we_i ? ei : er, el);
	memcpy(c->akey_out, we_i ? ai : ar, al);
	explicit_bzero(km, sizeof(km));
	return rc;
}
