/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ESP_REPLAY_H
#define ESP_REPLAY_H
/*
 * Anti-replay (RFC 4303 3.4.3, with the bitmap of RFC 6479): a ring of
 * words one word larger than the window, so that moving the window right
 * clears whole words and never shifts bits. Checked before authentication
 * (to skip the crypto of an obvious replay) and again, with the update,
 * after it: only authenticated numbers move the window.
 */
/* Inline: the hot path calls these for every packet. */

#include "esp_priv.h"

static inline bool
esp_replay_infer(const struct esp_replay *r, bool esn, uint32_t lo,
                 uint64_t *seq)
{
	uint32_t tl = (uint32_t)r->top, th = (uint32_t)(r->top >> 32);
	uint32_t w = r->window ? r->window : 1u << 30;

	if (!esn) {
		*seq = lo;
		return true;
	}
	/* RFC 4303 Appendix A2.2. */
	if (tl >= w - 1) {
		*seq = ((uint64_t)(lo >= tl - w + 1 ? th : th + 1) << 32) | lo;
		return true;
	}
	if (lo >= tl - w + 1) { /* wrapped: from the previous epoch */
		if (th == 0)
			return false;
		*seq = ((uint64_t)(th - 1) << 32) | lo;
		return true;
	}
	*seq = ((uint64_t)th << 32) | lo;
	return true;
}

static inline bool
esp_replay_bit(const struct esp_replay *r, uint64_t seq)
{
	return (r->bits[(seq >> 6) & r->mask] >> (seq & 63)) & 1;
}

static inline enum vpn_esp_reason
esp_replay_check(const struct esp_replay *r, uint64_t seq)
{
	uint64_t top = r->top;

	if (seq == 0) /* never sent: the first number is 1 */
		return VPN_ESP_TOO_OLD;
	if (seq > top || r->window == 0)
		return VPN_ESP_OK;
	if (top - seq >= r->window)
		return VPN_ESP_TOO_OLD;
	return esp_replay_bit(r, seq) ? VPN_ESP_REPLAY : VPN_ESP_OK;
}

/* Record an authenticated number (the caller holds the lock); checks it
 * again first: a replay may have raced through esp_replay_check. */
static inline enum vpn_esp_reason
esp_replay_update(struct esp_replay *r, uint64_t seq)
{
	uint64_t top = r->top;

	if (seq > top) { /* the common case: the window moves right */
		uint64_t from = top >> 6, n = (seq >> 6) - from;

		if (n > (uint64_t)r->mask + 1)
			n = (uint64_t)r->mask + 1;
		for (uint64_t i = 1; i <= n; i++)
			r->bits[(from + i) & r->mask] = 0;
		r->top = seq;
	} else {
		enum vpn_esp_reason why = esp_replay_check(r, seq);

		if (why != VPN_ESP_OK)
			return why;
	}
	r->bits[(seq >> 6) & r->mask] |= 1ull << (seq & 63);
	return VPN_ESP_OK;
}

#endif /* ESP_REPLAY_H */
