/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Anti-replay (RFC 4303 3.4.3, with the bitmap of RFC 6479): a ring of
 * words one word larger than the window, so that moving the window right
 * clears whole words and never shifts bits. Checked before authentication
 * (to skip the crypto of an obvious replay) and again, with the update,
 * after it: only authenticated numbers move the window.
 */
#include <string.h>

#include "esp_priv.h"
#include "esp_replay.h"

void
esp_replay_init(struct esp_replay *r, uint32_t window)
{
	uint32_t words = 1;

	while (words * 64 < window + 64)
		words <<= 1;
	rte_spinlock_init(&r->lock);
	r->window = window;
	r->mask = words - 1;
	r->top = 0;
	memset(r->bits, 0, sizeof(r->bits));
}
