/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inbound SAs by SPI: open addressing with linear probing, at most half
 * full. The control core is the only writer; workers read without locks
 * (an entry's SA is stored before its SPI is published). A deleted entry
 * keeps its SPI with no SA (a tombstone) so probes go on past it, until
 * an add reuses it; the SA itself may be freed only once no worker can
 * still hold it (RCU, in the data plane).
 */
#include <errno.h>
#include <stdlib.h>

#include "esp_priv.h"

struct sad_entry {
	uint32_t spi; /* 0: never used */
	struct vpn_esp_sa *sa;
};

struct vpn_esp_sad {
	uint32_t mask;
	uint32_t used; /* entries with an SPI, tombstones included */
	uint32_t max;
	struct sad_entry e[];
};

static inline uint32_t
slot(uint32_t spi, uint32_t mask)
{
	return (spi * 0x9e3779b1u) >> 7 & mask;
}

struct vpn_esp_sad *
vpn_esp_sad_new(unsigned int capacity)
{
	uint32_t size = 16;
	struct vpn_esp_sad *sad;

	if (capacity == 0 || capacity > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	while (size < 2 * capacity)
		size <<= 1;
	sad = calloc(1, sizeof(*sad) + size * sizeof(sad->e[0]));
	if (sad == NULL)
		return NULL;
	sad->mask = size - 1;
	sad->max = size / 2;
	return sad;
}

void
vpn_esp_sad_free(struct vpn_esp_sad *sad)
{
	free(sad);
}

void
esp_sad_prefetch(const struct vpn_esp_sad *sad, uint32_t spi, unsigned int wid)
{
	const struct sad_entry *e = &sad->e[slot(spi, sad->mask)];
	const struct vpn_esp_sa *sa;

	/* The first probe's entry only (a table at most half full: mostly
	 * the one); its SA, if any, is not checked: a hint. */
	if (__atomic_load_n(&e->spi, __ATOMIC_RELAXED) != spi)
		return;
	sa = __atomic_load_n(&e->sa, __ATOMIC_ACQUIRE);
	if (sa == NULL)
		return;
	__builtin_prefetch(sa, 0, 3);
	__builtin_prefetch(&sa->seq, 0, 3);
	esp_prefetch_write(&sa->replay);
	esp_prefetch_write(&sa->stats[wid]);
}

struct vpn_esp_sa *
vpn_esp_sad_lookup(const struct vpn_esp_sad *sad, uint32_t spi)
{
	for (uint32_t i = slot(spi, sad->mask);; i = (i + 1) & sad->mask) {
		uint32_t s = __atomic_load_n(&sad->e[i].spi, __ATOMIC_ACQUIRE);
		struct vpn_esp_sa *sa;

		if (s == 0)
			return NULL;
		if (s != spi)
			continue;
		/* A tombstone being reused may pair the SPI just read with
		 * another SA: only the SA's own SPI decides. */
		sa = __atomic_load_n(&sad->e[i].sa, __ATOMIC_ACQUIRE);
		return sa != NULL && sa->spi == spi ? sa : NULL;
	}
}

int
vpn_esp_sad_add(struct vpn_esp_sad *sad, struct vpn_esp_sa *sa)
{
	uint32_t spi = sa->spi;
	struct sad_entry *tomb = NULL;

	if (!sa->inbound || spi == 0)
		return -EINVAL;
	for (uint32_t i = slot(spi, sad->mask);; i = (i + 1) & sad->mask) {
		struct sad_entry *e = &sad->e[i];

		if (e->spi == spi) {
			if (e->sa != NULL)
				return -EEXIST;
			__atomic_store_n(&e->sa, sa, __ATOMIC_RELEASE);
			return 0;
		}
		if (e->spi != 0) {
			if (e->sa == NULL && tomb == NULL)
				tomb = e;
			continue;
		}
		/* Not here: into the first tombstone on the way (so deleted
		 * SPIs do not fill the table as SAs come and go), else into
		 * this empty slot. */
		if (tomb != NULL) {
			__atomic_store_n(&tomb->spi, spi, __ATOMIC_RELEASE);
			__atomic_store_n(&tomb->sa, sa, __ATOMIC_RELEASE);
			return 0;
		}
		if (sad->used >= sad->max)
			return -ENOSPC;
		e->sa = sa;
		__atomic_store_n(&e->spi, spi, __ATOMIC_RELEASE);
		sad->used++;
		return 0;
	}
}

uint32_t
vpn_esp_sad_spi_alloc(const struct vpn_esp_sad *sad, uint32_t (*rnd)(void))
{
	for (int tries = 0; tries < 4096; tries++) {
		uint32_t spi = rnd();
		const struct sad_entry *e = &sad->e[slot(spi, sad->mask)];

		/* Reserved (RFC 4303 2.1), or its home slot taken. */
		if (spi < 256 || (e->spi != 0 && e->sa != NULL))
			continue;
		if (e->spi == 0 && sad->used >= sad->max)
			continue;
		if (vpn_esp_sad_lookup(sad, spi) == NULL)
			return spi;
	}
	return 0;
}

int
vpn_esp_sad_del(struct vpn_esp_sad *sad, uint32_t spi)
{
	for (uint32_t i = slot(spi, sad->mask);; i = (i + 1) & sad->mask) {
		struct sad_entry *e = &sad->e[i];

		if (e->spi == 0)
			return -ENOENT;
		if (e->spi == spi) {
			if (e->sa == NULL)
				return -ENOENT;
			__atomic_store_n(&e->sa, NULL, __ATOMIC_RELEASE);
			return 0;
		}
	}
}
