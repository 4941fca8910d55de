/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's SAs. Manual keys from the configuration are installed
 * here through the same calls the IKE daemon will use for negotiated Child
 * SAs: vpn_esp_sa_new() for each direction, the inbound one into the SPI
 * table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_memory.h>

#include "gw_log.h"
#include "gw_sa.h"

/* SAs and their keys in DPDK's memory (hugepages in production): the
 * workers touch a few lines of each SA and key per packet, and a
 * thousand of them in 4 KiB pages would cost a TLB miss each. Should
 * that memory run out, the heap's. */
static void *
sa_mem_alloc(size_t size)
{
	void *p = rte_malloc("vpngw_sa", size, 64);

	return p != NULL ? p : aligned_alloc(64, (size + 63) & ~(size_t)63);
}

static void
sa_mem_free(void *p)
{
	if (rte_mem_virt2memseg_list(p) != NULL)
		rte_free(p);
	else
		free(p);
}

/* The ESP parameters of one direction of a tunnel's manual keys. */
static int
manual_params(const struct vpn_cfg_conn *c, const struct vpn_cfg_tunnel *t,
              bool inbound, struct vpn_esp_sa_params *p)
{
	const struct vpn_cfg_manual *m = &t->manual;
	const struct vpn_crypto_alg *alg = vpn_crypto_alg_find(m->algorithm);
	uint8_t key[VPN_KEY_HEX_MAX / 2];
	int n;

	if (alg == NULL)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->inbound = inbound;
	p->spi = (uint32_t)(inbound ? m->spi_in : m->spi_out);
	p->cipher = alg->cipher;
	p->cipher_key_len = alg->key_len;
	p->auth = alg->auth;
	p->auth_key_len = alg->auth_key_len;
	n = vpn_hex_decode(inbound ? m->key_in : m->key_out, key, sizeof(key));
	if (n < (int)alg->key_len)
		return -EINVAL;
	memcpy(p->cipher_key, key, alg->key_len);
	if (alg->cipher == VPN_CIPHER_AES_GCM)
		memcpy(p->salt, key + alg->key_len, 4);
	else if (vpn_hex_decode(inbound ? m->auth_key_in : m->auth_key_out,
	                        p->auth_key,
	                        sizeof(p->auth_key)) != (int)alg->auth_key_len)
		return -EINVAL;
	explicit_bzero(key, sizeof(key));
	p->esn = m->esn;
	p->udp_encap = m->encapsulation == VPN_ENCAP_UDP || c->acceleration;
	p->tun_src = t->outside_address;
	p->tun_dst = t->remote_address;
	p->replay_window = m->replay_check ? (uint32_t)t->replay_window : 0;
	return 0;
}

int
vpngw_sa_install_manual(const struct vpn_cfg *cfg, struct vpngw_sas *s,
                        FILE *log)
{
	unsigned int max = cfg->n_conns * VPN_TUNNELS * 2;

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->eng = vpn_crypto_open(VPN_CRYPTO_IMB);
	if (s->eng != NULL)
		vpn_crypto_set_mem(s->eng, &(const struct vpn_crypto_mem){
		                                   .alloc = sa_mem_alloc,
		                                   .free = sa_mem_free});
	/* IKE keeps up to four Child SAs a tunnel while it replaces them,
	 * and the table stays at most half full; at least room for 2048
	 * inbound SAs (a 64 KiB table) for connections made while running. */
	s->sad = vpn_esp_sad_new(max * 4 > 2048 ? max * 4 : 2048);
	s->cap = max ? 2 * max : 1;
	s->sas = calloc(s->cap, sizeof(*s->sas));
	s->out_by_tunnel = calloc(max ? max : 1, sizeof(*s->out_by_tunnel));
	s->in_by_tunnel = calloc(max ? max : 1, sizeof(*s->in_by_tunnel));
	if (s->eng == NULL || s->sad == NULL || s->sas == NULL ||
	    s->out_by_tunnel == NULL || s->in_by_tunnel == NULL) {
		vpngw_log("cannot set up the SA tables");
		return -ENOMEM;
	}
	fprintf(log, "vpngw: crypto engine %s\n", vpn_crypto_name(s->eng));
	for (unsigned int i = 0; i < cfg->n_conns; i++)
		for (int ti = 0; ti < VPN_TUNNELS; ti++) {
			const struct vpn_cfg_conn *c = &cfg->conns[i];
			const struct vpn_cfg_tunnel *t = &c->tunnels[ti];
			struct vpn_esp_sa_params p;

			if (!t->manual.present)
				continue;
			for (int in = 0; in < 2; in++) {
				struct vpn_esp_sa *sa = NULL;

				if (manual_params(c, t, in, &p) == 0) {
					p.tag = i; /* the connection */
					sa = vpn_esp_sa_new(s->eng, &p);
				}
				explicit_bzero(&p, sizeof(p));
				if (sa == NULL ||
				    (in && vpn_esp_sad_add(s->sad, sa) != 0)) {
					vpngw_log("tunnel %d of %s: "
					          "cannot "
					          "install its manual SAs",
					          ti + 1, c->name);
					vpn_esp_sa_free(sa);
					return -EINVAL;
				}
				s->sas[s->n++] = sa;
				(in ? s->in_by_tunnel
				    : s->out_by_tunnel)[i * VPN_TUNNELS +
				                        (unsigned)ti] = sa;
			}
			fprintf(log,
			        "vpngw: tunnel %d of %s: MANUAL KEYS, for labs "
			        "and benchmarks only (no IKE, no rekey, replay "
			        "state lost on restart): %s, %s, spi in "
			        "0x%08llx "
			        "out 0x%08llx%s\n",
			        ti + 1, c->name, t->manual.algorithm,
			        vpn_encap_name(
			                c->acceleration
			                        ? VPN_ENCAP_UDP
			                        : t->manual.encapsulation),
			        (unsigned long long)t->manual.spi_in,
			        (unsigned long long)t->manual.spi_out,
			        t->manual.esn ? ", esn" : "");
		}
	return 0;
}

int
vpngw_sa_track(struct vpngw_sas *s, struct vpn_esp_sa *sa)
{
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	if (s->n == s->cap) {
		unsigned int cap = s->cap ? 2 * s->cap : 4;
		struct vpn_esp_sa **v = realloc(s->sas, cap * sizeof(*v));

		if (v == NULL)
			rc = -ENOMEM;
		else {
			s->sas = v;
			s->cap = cap;
		}
	}
	if (rc == 0)
		s->sas[s->n++] = sa;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int
vpngw_sa_untrack(struct vpngw_sas *s, struct vpn_esp_sa *sa)
{
	int rc = -ENOENT;

	pthread_mutex_lock(&s->lock);
	for (unsigned int i = 0; i < s->n; i++)
		if (s->sas[i] == sa) {
			s->sas[i] = s->sas[--s->n];
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void
vpngw_sa_free(struct vpngw_sas *s)
{
	for (unsigned int i = 0; i < s->n; i++)
		vpn_esp_sa_free(s->sas[i]);
	free(s->sas);
	free(s->out_by_tunnel);
	free(s->in_by_tunnel);
	vpn_esp_sad_free(s->sad);
	vpn_crypto_close(s->eng);
	pthread_mutex_destroy(&s->lock);
	memset(s, 0, sizeof(*s));
}

void
vpngw_sa_stats_add(struct vpn_esp_stats *sum, const struct vpn_esp_sa *sa)
{
	struct vpn_esp_stats s;

	if (sa == NULL)
		return;
	vpn_esp_sa_stats(sa, &s);
	sum->packets += s.packets;
	sum->bytes += s.bytes;
	for (int r = 0; r < VPN_ESP_REASON_MAX; r++)
		sum->drops[r] += s.drops[r];
}
