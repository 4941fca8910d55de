/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_SA_H
#define GW_SA_H

/* The appliance's SAs (sa.c). */

#include <pthread.h>
#include <stdio.h>

#include "vpn_cfg.h"
#include "vpn_esp.h"

/* Every SA of the appliance: the engine, the inbound SPI table, and the
 * SAs (both directions) to free at the end. The list changes on the
 * control core as IKE adds and removes SAs; lock is held for that and by
 * readers on other threads (telemetry). */
struct vpngw_sas {
	struct vpn_crypto *eng;
	struct vpn_esp_sad *sad;
	struct vpn_esp_sa **sas;
	unsigned int n, cap;
	pthread_mutex_t lock;
	/* The outbound and inbound SA of tunnel t of connection c at
	 * [c * 2 + t], or NULL (no SA yet: the tunnel is down). */
	struct vpn_esp_sa **out_by_tunnel;
	struct vpn_esp_sa **in_by_tunnel;
};

/* Install the SAs of every tunnel with manual keys (logged loudly on log).
 * 0 or -errno (message printed). */
int vpngw_sa_install_manual(const struct vpn_cfg *cfg, struct vpngw_sas *s,
                            FILE *log);
void vpngw_sa_free(struct vpngw_sas *s);
/* Add an SA to the list, or take one out of it (not freeing it). 0 or
 * -ENOMEM / -ENOENT. */
int vpngw_sa_track(struct vpngw_sas *s, struct vpn_esp_sa *sa);
int vpngw_sa_untrack(struct vpngw_sas *s, struct vpn_esp_sa *sa);
/* sa's counters (NULL: none) added to sum. */
void vpngw_sa_stats_add(struct vpn_esp_stats *sum, const struct vpn_esp_sa *sa);

#endif /* GW_SA_H */
