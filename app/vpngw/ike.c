/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE on the control core: the lib/ike engine for every tunnel without
 * manual keys, its UDP sockets on ports 500 and 4500 of our outside
 * addresses (which live on the exception path's kernel interface, so the
 * kernel does UDP and the data plane carries the datagrams), and the
 * Child SAs it negotiates installed the way manual ones are: an
 * vpn_esp_sa per direction, the inbound one in the SPI table, the
 * outbound one attached to the tunnel, which then joins steering.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "vpn_ike.h"
#include "gw_dp.h"
#include "gw_ike.h"
#include "gw_log.h"
#include "gw_pki.h"
#include "gw_sa.h"

#define CHILDREN 4 /* per tunnel, as the engine keeps them */

/* IKE's tunnels, by engine peer index, with their installed Child SAs
 * (the current one and those it is replacing). */
struct ike_tunnel {
	unsigned int conn, ti; /* slot, tunnel index */
	bool removed;          /* its connection was deleted */
	struct {
		struct vpn_esp_sa *in, *out;
		uint64_t added_ms; /* when it was installed */
		uint32_t lifetime; /* seconds */
	} ch[CHILDREN];
	int routed;             /* the one attached to the data plane, or -1 */
	uint64_t rekey_packets; /* lab_rekey_packets; 0: none */
	/* What its Child SAs that are gone carried (counters across
	 * rekeys: the ones still here are added when read). */
	struct vpn_esp_stats gone_in, gone_out;
};

#define MAX_PEERS (VPN_MAX_CONNS * VPN_TUNNELS)

struct ike_sock {
	uint32_t addr; /* host order */
	uint16_t port;
	int fd;
};

/* SAs out of use, freed once no worker can hold them. */
struct retired {
	uint64_t token;
	struct vpn_esp_sa *in, *out;
	unsigned int peer; /* its tunnel */
};

#define RETIRED_MAX 256

static struct {
	struct vpn_ike *ike;
	struct retired retired[RETIRED_MAX];
	unsigned int nretired;
	struct vpngw_sas *sas;
	struct ike_tunnel *tun;
	unsigned int n;
	struct ike_sock socks[2 * VPN_MAX_OUTSIDE];
	unsigned int nsocks;
	uint64_t last_tick, last_publish;
	/* What other threads read (vpngw_ike_read), under lock. */
	pthread_mutex_t lock;
	struct vpn_ike_stats pub_st;
	struct vpngw_ike_info *pub;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void
ike_log(void *ctx, const char *line)
{
	(void)ctx;
	vpngw_log("%s", line);
}

/* ---- sockets ------------------------------------------------------------ */

/* A bound UDP socket: its fd, or -errno. */
static int
sock_open(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons(port),
	                          .sin_addr.s_addr = htonl(addr)};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	int err;

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

static const struct ike_sock *
sock_find(uint32_t addr, uint16_t port)
{
	for (unsigned int i = 0; i < g.nsocks; i++)
		if (g.socks[i].addr == addr && g.socks[i].port == port)
			return &g.socks[i];
	return NULL;
}

/* IKE's sockets (500, 4500) on addr, once. 0 or -errno (logged). */
static int
socks_for(uint32_t addr)
{
	static const uint16_t ports[2] = {500, VPN_ESP_NATT_PORT};

	if (sock_find(addr, 500) != NULL)
		return 0;
	for (int k = 0; k < 2; k++) {
		int fd = sock_open(addr, ports[k]);

		if (fd < 0) {
			vpngw_log("IKE: cannot bind %u.%u.%u.%u:%u: %s",
			          addr >> 24, addr >> 16 & 255, addr >> 8 & 255,
			          addr & 255, ports[k], strerror(-fd));
			return fd;
		}
		g.socks[g.nsocks++] = (struct ike_sock){addr, ports[k], fd};
	}
	return 0;
}

/* The engine's send: on port 4500 behind the non-ESP marker (RFC 3948
 * 2.2), except a NAT keepalive (one 0xff byte). */
static void
ike_send(void *ctx, uint32_t local, uint16_t lport, uint32_t remote,
         uint16_t rport, const uint8_t *msg, size_t len)
{
	static const uint8_t marker[4];
	const struct ike_sock *s = sock_find(local, lport);
	struct sockaddr_in to = {.sin_family = AF_INET,
	                         .sin_port = htons(rport),
	                         .sin_addr.s_addr = htonl(remote)};
	struct iovec iov[2] = {{(void *)marker, 4}, {(void *)msg, len}};
	bool natt = lport == VPN_ESP_NATT_PORT && len > 1;
	struct msghdr mh = {.msg_name = &to,
	                    .msg_namelen = sizeof(to),
	                    .msg_iov = natt ? iov : iov + 1,
	                    .msg_iovlen = natt ? 2 : 1};

	(void)ctx;
	if (s != NULL)
		(void)sendmsg(s->fd, &mh, 0);
}

/* ---- Child SAs ------------------------------------------------------------
 */

static enum vpn_crypto_auth
esp_auth(uint16_t integ, unsigned int *key_len)
{
	switch (integ) {
	case 2: /* AUTH_HMAC_SHA1_96 */
		*key_len = 20;
		return VPN_AUTH_HMAC_SHA1_96;
	case 12: /* AUTH_HMAC_SHA2_256_128 */
		*key_len = 32;
		return VPN_AUTH_HMAC_SHA256_128;
	case 13:
		*key_len = 48;
		return VPN_AUTH_HMAC_SHA384_192;
	case 14:
		*key_len = 64;
		return VPN_AUTH_HMAC_SHA512_256;
	}
	*key_len = 0;
	return VPN_AUTH_NONE;
}

static void
esp_params(const struct ike_tunnel *t, const struct vpn_ike_child *c,
           bool inbound, struct vpn_esp_sa_params *p)
{
	const uint8_t *ek = inbound ? c->ekey_in : c->ekey_out;

	memset(p, 0, sizeof(*p));
	p->inbound = inbound;
	p->spi = inbound ? c->spi_in : c->spi_out;
	p->cipher = c->encr == 20 ? VPN_CIPHER_AES_GCM : VPN_CIPHER_AES_CBC;
	p->cipher_key_len = c->key_bits / 8u;
	memcpy(p->cipher_key, ek, p->cipher_key_len);
	if (p->cipher == VPN_CIPHER_AES_GCM)
		memcpy(p->salt, ek + p->cipher_key_len, 4);
	p->auth = esp_auth(c->integ, &p->auth_key_len);
	memcpy(p->auth_key, inbound ? c->akey_in : c->akey_out,
	       p->auth_key_len);
	p->esn = c->esn;
	p->tun_src = c->local;
	p->tun_dst = c->remote;
	p->udp_encap = c->udp_encap;
	p->udp_sport = c->sport;
	p->udp_dport = c->dport;
	p->replay_window = inbound ? c->replay_window : 0;
	p->tag = t->conn;
}

/*
 * The packet limits of an outbound Child SA. Without ESN its sequence
 * numbers run out after 2^32 packets, which no lifetime prevents at high
 * rates (under 5 minutes at 14.88 Mpps, while Child SAs live 900-3600 s):
 * it is rekeyed at 7/8 of them and stops at the last one, so the peer
 * never sees a wrapped number. lab_rekey_packets, when set, rekeys after
 * that many and stops at 1.25 times as many (or at the sequence space's
 * end, whichever is first).
 */
static void
esp_limits(uint64_t lab, bool esn, struct vpn_esp_sa_params *p)
{
	/* 0 is no limit; without ESN the sequence space is one. */
	uint64_t hard = esn ? 0 : UINT32_MAX, soft = esn ? 0 : hard - hard / 8;

	if (lab != 0) {
		if (hard == 0 || lab + lab / 4 < hard)
			hard = lab + lab / 4;
		if (soft == 0 || lab < soft)
			soft = lab;
	}
	p->hard_packets = hard;
	p->soft_packets = soft;
}

static void
sa_drop(struct vpn_esp_sa *sa)
{
	if (sa == NULL)
		return;
	vpngw_sa_untrack(g.sas, sa);
	vpn_esp_sa_free(sa);
}

static int
child_slot(const struct ike_tunnel *t, uint32_t spi_in)
{
	for (int i = 0; i < CHILDREN; i++)
		if (t->ch[i].in != NULL &&
		    vpn_esp_sa_spi(t->ch[i].in) == spi_in)
			return i;
	return -1;
}

static int
child_add(void *ctx, unsigned int peer, const struct vpn_ike_child *c)
{
	struct ike_tunnel *t = &g.tun[peer];
	struct vpn_esp_sa_params p;
	struct vpn_esp_sa *in, *out;
	int k;

	(void)ctx;
	for (k = 0; k < CHILDREN && t->ch[k].in != NULL; k++)
		;
	if (k == CHILDREN)
		return -ENOSPC;
	esp_params(t, c, true, &p);
	in = vpn_esp_sa_new(g.sas->eng, &p);
	esp_params(t, c, false, &p);
	esp_limits(t->rekey_packets, c->esn, &p);
	out = vpn_esp_sa_new(g.sas->eng, &p);
	explicit_bzero(&p, sizeof(p));
	/* The inbound half takes packets from now on; the outbound one
	 * waits for child_route. */
	if (in == NULL || out == NULL || vpn_esp_sad_add(g.sas->sad, in) != 0) {
		vpn_esp_sa_free(in);
		vpn_esp_sa_free(out);
		return -ENOMEM;
	}
	vpngw_sa_track(g.sas, in);
	vpngw_sa_track(g.sas, out);
	t->ch[k].in = in;
	t->ch[k].out = out;
	t->ch[k].added_ms = vpngw_now_ms();
	t->ch[k].lifetime = c->lifetime;
	return 0;
}

static void
child_route(void *ctx, unsigned int peer, uint32_t spi_in)
{
	struct ike_tunnel *t = &g.tun[peer];
	int k = child_slot(t, spi_in);

	(void)ctx;
	if (k < 0 || k == t->routed)
		return;
	/* The one it replaces stays installed (and owned by its slot). */
	vpngw_dp_tunnel_attach(t->conn, t->ti, t->ch[k].out, t->ch[k].in,
	                       "IKE: Child SA up");
	t->routed = k;
}

/* Free what no worker can hold any more (all of it, with wait). */
static void
retired_free(bool wait)
{
	unsigned int k = 0;

	if (wait && g.nretired > 0)
		vpngw_dp_sync();
	for (unsigned int i = 0; i < g.nretired; i++) {
		struct retired *r = &g.retired[i];

		if (wait || vpngw_dp_passed(r->token)) {
			/* Its counts stay the tunnel's. */
			vpngw_sa_stats_add(&g.tun[r->peer].gone_out, r->out);
			vpngw_sa_stats_add(&g.tun[r->peer].gone_in, r->in);
			sa_drop(r->out);
			sa_drop(r->in);
		} else
			g.retired[k++] = *r;
	}
	g.nretired = k;
}

static void
child_del(void *ctx, unsigned int peer, uint32_t spi_in)
{
	struct ike_tunnel *t = &g.tun[peer];
	int k = child_slot(t, spi_in);

	(void)ctx;
	if (k < 0)
		return;
	if (k == t->routed) {
		vpngw_dp_tunnel_detach(t->conn, t->ti, "IKE: no Child SA");
		t->routed = -1;
	}
	vpn_esp_sad_del(g.sas->sad, spi_in);
	/* Freed once every worker has passed a quiescent point: the control
	 * core does not wait for them. */
	if (g.nretired == RETIRED_MAX)
		retired_free(true);
	g.retired[g.nretired++] = (struct retired){
	        vpngw_dp_token(), t->ch[k].in, t->ch[k].out, peer};
	t->ch[k].in = t->ch[k].out = NULL;
}

static uint64_t
child_rx(void *ctx, unsigned int peer, uint32_t spi_in)
{
	struct ike_tunnel *t = &g.tun[peer];
	int k = child_slot(t, spi_in);
	struct vpn_esp_stats s;

	(void)ctx;
	if (k < 0)
		return 0;
	vpn_esp_sa_stats(t->ch[k].in, &s);
	return s.packets + s.drops[VPN_ESP_DUMMY];
}

static uint32_t
rnd32(void)
{
	uint32_t v;

	return getentropy(&v, sizeof(v)) == 0 ? v : 0;
}

static uint32_t
spi_alloc(void *ctx)
{
	(void)ctx;
	return vpn_esp_sad_spi_alloc(g.sas->sad, rnd32);
}

/* ---- configuration --------------------------------------------------------
 */

static void
algs_from(uint32_t enc, uint32_t integ, uint32_t dh, struct vpn_ike_algs *a)
{
	/* AWS's order, lowest first: the order of the option bits. */
	static const struct {
		uint32_t bit;
		uint16_t id, bits;
	} encs[] = {{VPN_ENC_AES128, 12, 128},
	            {VPN_ENC_AES256, 12, 256},
	            {VPN_ENC_AES128_GCM16, 20, 128},
	            {VPN_ENC_AES256_GCM16, 20, 256}};
	static const struct {
		uint32_t bit;
		uint16_t id;
	} integs[] = {{VPN_INTEG_SHA1, 2},
	              {VPN_INTEG_SHA2_256, 12},
	              {VPN_INTEG_SHA2_384, 13},
	              {VPN_INTEG_SHA2_512, 14}};

	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < 4; i++) {
		if (enc & encs[i].bit) {
			a->encr[a->n_encr].id = encs[i].id;
			a->encr[a->n_encr++].key_bits = encs[i].bits;
		}
		if (integ & integs[i].bit)
			a->integ[a->n_integ++] = integs[i].id;
	}
	for (unsigned int g2 = 1; g2 < 32 && a->n_dh < VPN_IKE_MAX_ALGS; g2++)
		if (dh & VPN_DH(g2))
			a->dh[a->n_dh++] = (uint16_t)g2;
}

/* A tunnel's local or remote selectors as ranges; false when it has too
 * many. */
static bool
ts_from(const struct vpn_cfg_conn *c, int ti, bool local, struct vpn_ike_ts *ts,
        unsigned int *n)
{
	struct vpn_prefix p[VPN_IKE_MAX_TS];
	int k = vpn_cfg_tunnel_ts(c, ti, local, p, VPN_IKE_MAX_TS);

	*n = 0;
	if (k < 0)
		return false;
	for (int i = 0; i < k; i++) {
		uint32_t mask = p[i].len ? ~0u << (32 - p[i].len) : 0;
		uint32_t a = vpn_prefix_v4_addr(&p[i]) & mask;

		ts[(*n)++] = (struct vpn_ike_ts){a, a | ~mask};
	}
	return true;
}

/* The engine's peer of tunnel ti of c. 0 or -E2BIG (logged). */
static int
peer_from(const struct vpn_cfg *cfg, const struct vpn_cfg_conn *c, int ti,
          struct vpn_ike_peer *p)
{
	const struct vpn_cfg_tunnel *t = &c->tunnels[ti];
	const struct vpn_cfg_cgw *cgw = c->cgw >= 0 ? &cfg->cgws[c->cgw] : NULL;

	memset(p, 0, sizeof(*p));
	/* Certificates: appliance.pki signs (vpn_ike_set_pki), the CGW's
	 * certificate must name certificate_identity. */
	if (cgw != NULL && cgw->auth == VPN_AUTH_CERT) {
		p->cert = true;
		snprintf(p->identity, sizeof(p->identity), "%s",
		         cgw->certificate_identity);
	}
	snprintf(p->name, sizeof(p->name), "%s/%d", c->name, ti + 1);
	p->local = t->outside_address;
	p->remote = t->remote_address;
	p->psk_len = strlen(t->psk);
	memcpy(p->psk, t->psk, p->psk_len);
	algs_from(t->phase1_encryption, t->phase1_integrity,
	          t->phase1_dh_groups, &p->ike);
	algs_from(t->phase2_encryption, t->phase2_integrity,
	          t->phase2_dh_groups, &p->esp);
	p->ike_lifetime = (uint32_t)t->phase1_lifetime;
	p->esp_lifetime = (uint32_t)t->phase2_lifetime;
	p->rekey_margin = (uint32_t)t->rekey_margin;
	p->rekey_fuzz = (uint32_t)t->rekey_fuzz;
	if (t->lab_phase1_lifetime || t->lab_phase2_lifetime ||
	    t->lab_rekey_margin) {
		if (t->lab_phase1_lifetime)
			p->ike_lifetime = (uint32_t)t->lab_phase1_lifetime;
		if (t->lab_phase2_lifetime)
			p->esp_lifetime = (uint32_t)t->lab_phase2_lifetime;
		if (t->lab_rekey_margin)
			p->rekey_margin = (uint32_t)t->lab_rekey_margin;
		vpngw_log("tunnel %s: LAB LIFETIMES, not for production: "
		          "IKE SA %u s, Child SA %u s, rekey margin %u s",
		          p->name, p->ike_lifetime, p->esp_lifetime,
		          p->rekey_margin);
	}
	p->dpd_timeout = (uint32_t)t->dpd_timeout;
	p->dpd_action = t->dpd_action == VPN_DPD_RESTART ? VPN_IKE_DPD_RESTART
	                : t->dpd_action == VPN_DPD_NONE  ? VPN_IKE_DPD_NONE
	                                                 : VPN_IKE_DPD_CLEAR;
	p->initiate = t->startup_action == VPN_STARTUP_START;
	p->force_encap = c->acceleration;
	p->replay_window = (uint32_t)t->replay_window;
	if (!ts_from(c, ti, true, p->lts, &p->n_lts) ||
	    !ts_from(c, ti, false, p->rts, &p->n_rts)) {
		vpngw_log("tunnel %s: more than %d local or remote "
		          "networks for traffic selectors",
		          p->name, VPN_IKE_MAX_TS - 1);
		return -E2BIG;
	}
	return 0;
}

/* The engine's peer of a tunnel, or -1. */
static int
peer_of(unsigned int slot, unsigned int ti)
{
	for (unsigned int i = 0; i < g.n; i++)
		if (!g.tun[i].removed && g.tun[i].conn == slot &&
		    g.tun[i].ti == ti)
			return (int)i;
	return -1;
}

int
vpngw_ike_tunnel_add(const struct vpn_cfg *cfg, const struct vpn_cfg_conn *c,
                     int ti)
{
	struct vpn_ike_peer p;
	int idx, rc;

	if (c->tunnels[ti].manual.present)
		return 0;
	if (g.n >= MAX_PEERS) {
		vpngw_log("tunnel %s/%d: IKE has no room for more tunnels",
		          c->name, ti + 1);
		return -ENOSPC;
	}
	rc = peer_from(cfg, c, ti, &p);
	if (rc == 0)
		rc = socks_for(p.local);
	if (rc != 0)
		return rc;
	idx = vpn_ike_add_peer(g.ike, &p);
	explicit_bzero(&p, sizeof(p));
	if (idx < 0) {
		vpngw_log("tunnel %s/%d: IKE cannot take it (%s)", c->name,
		          ti + 1, strerror(-idx));
		return idx;
	}
	pthread_mutex_lock(&g.lock);
	memset(&g.tun[idx], 0, sizeof(g.tun[idx]));
	g.tun[idx].conn = c->slot;
	g.tun[idx].ti = (unsigned int)ti;
	g.tun[idx].routed = -1;
	g.tun[idx].rekey_packets = (uint64_t)c->tunnels[ti].lab_rekey_packets;
	memset(&g.pub[idx], 0, sizeof(g.pub[idx]));
	g.pub[idx].conn = g.tun[idx].conn;
	g.pub[idx].ti = g.tun[idx].ti;
	g.pub[idx].peer = (unsigned int)idx;
	snprintf(g.pub[idx].name, sizeof(g.pub[idx].name), "%s/%c", c->name,
	         '1' + ti);
	g.n++;
	pthread_mutex_unlock(&g.lock);
	vpngw_log("tunnel %s/%d: IKEv2, %s, %s", c->name, ti + 1,
	          c->tunnels[ti].remote_address == 0
	                  ? "a customer gateway without an address: we wait "
	                    "for it from anywhere, and know it by its "
	                    "certificate"
	          : c->tunnels[ti].startup_action == VPN_STARTUP_START
	                  ? "we initiate"
	                  : "we wait for the peer",
	          c->acceleration ? "ESP in UDP (accelerated)"
	                          : "raw ESP, or ESP in UDP behind a NAT");
	return 0;
}

int
vpngw_ike_tunnel_update(const struct vpn_cfg *cfg, const struct vpn_cfg_conn *c,
                        int ti)
{
	struct vpn_ike_peer p;
	int idx = peer_of(c->slot, (unsigned int)ti), rc;

	/* One IKE did not take before (manual keys then) may run now. */
	if (idx < 0)
		return vpngw_ike_tunnel_add(cfg, c, ti);
	rc = peer_from(cfg, c, ti, &p);
	if (rc == 0)
		rc = socks_for(p.local);
	if (rc != 0)
		return rc;
	g.tun[idx].rekey_packets = (uint64_t)c->tunnels[ti].lab_rekey_packets;
	rc = vpn_ike_set_peer(g.ike, (unsigned int)idx, &p);
	explicit_bzero(&p, sizeof(p));
	pthread_mutex_lock(&g.lock);
	snprintf(g.pub[idx].name, sizeof(g.pub[idx].name), "%s/%c", c->name,
	         '1' + ti);
	pthread_mutex_unlock(&g.lock);
	return rc;
}

void
vpngw_ike_tunnel_remove(unsigned int slot, unsigned int ti)
{
	int idx = peer_of(slot, ti);

	if (idx < 0)
		return;
	/* DELETE to the peer, its Child SAs retired; the engine keeps the
	 * (down) peer, which nothing finds any more. */
	vpn_ike_set_admin(g.ike, (unsigned int)idx, false);
	pthread_mutex_lock(&g.lock);
	g.tun[idx].removed = true;
	pthread_mutex_unlock(&g.lock);
}

bool
vpngw_ike_tunnel_known(unsigned int slot, unsigned int ti)
{
	return peer_of(slot, ti) >= 0;
}

int
vpngw_ike_tunnel_admin(unsigned int slot, unsigned int ti, int what)
{
	int idx = peer_of(slot, ti);

	if (idx < 0)
		return -ENOENT;
	if (what == VPNGW_TUNNEL_RESET)
		vpn_ike_reset(g.ike, (unsigned int)idx, true);
	else
		vpn_ike_set_admin(g.ike, (unsigned int)idx,
		                  what == VPNGW_TUNNEL_UP);
	return 0;
}

int
vpngw_ike_sa_life(uint32_t spi, uint32_t *left_s)
{
	uint64_t now = vpngw_now_ms();

	for (unsigned int i = 0; i < g.n; i++)
		for (int k = 0; k < CHILDREN; k++) {
			const struct ike_tunnel *t = &g.tun[i];
			uint64_t end = t->ch[k].added_ms +
			               (uint64_t)t->ch[k].lifetime * 1000;

			if ((t->ch[k].in &&
			     vpn_esp_sa_spi(t->ch[k].in) == spi) ||
			    (t->ch[k].out &&
			     vpn_esp_sa_spi(t->ch[k].out) == spi)) {
				*left_s =
				        end > now
				                ? (uint32_t)((end - now) / 1000)
				                : 0;
				return 0;
			}
		}
	return -ENOENT;
}

void
vpngw_ike_pki(const struct vpn_pki *pki)
{
	if (g.ike != NULL)
		vpn_ike_set_pki(g.ike, pki);
}

int
vpngw_ike_start(const struct vpn_cfg *cfg, struct vpngw_sas *sas)
{
	static const struct vpn_ike_ops ops = {.send = ike_send,
	                                       .child_add = child_add,
	                                       .child_route = child_route,
	                                       .child_del = child_del,
	                                       .child_rx = child_rx,
	                                       .spi_alloc = spi_alloc,
	                                       .log = ike_log};

	pthread_mutex_lock(&g.lock);
	g.sas = sas;
	/* Room for every tunnel there can be: connections come and go. */
	g.tun = calloc(MAX_PEERS, sizeof(*g.tun));
	g.pub = calloc(MAX_PEERS, sizeof(*g.pub));
	pthread_mutex_unlock(&g.lock);
	g.ike = vpn_ike_new(&ops, NULL);
	if (g.tun == NULL || g.pub == NULL || g.ike == NULL) {
		vpngw_log("IKE: out of memory");
		return -ENOMEM;
	}
	vpn_ike_set_pki(g.ike, vpngw_pki());
	for (unsigned int i = 0; i < cfg->n_conns; i++)
		for (int ti = 0; ti < VPN_TUNNELS; ti++) {
			int rc = vpngw_ike_tunnel_add(cfg, &cfg->conns[i], ti);

			if (rc != 0)
				return rc;
		}
	return 0;
}

void
vpngw_ike_helpers_start(const struct vpn_cfg *cfg)
{
	int rc;

	if (g.ike == NULL || cfg->appliance.ike_helpers <= 0)
		return;
	rc = vpn_ike_set_helpers(g.ike,
	                         (unsigned int)cfg->appliance.ike_helpers);
	if (rc != 0)
		vpngw_log("IKE: no helper threads (%s): DH key pairs are made "
		          "as needed",
		          strerror(-rc));
}

/* A copy of the engine's state for other threads. */
static void
publish(void)
{
	pthread_mutex_lock(&g.lock);
	g.pub_st = *vpn_ike_stats(g.ike);
	/* ike_state points to a static string: safe to copy. */
	for (unsigned int i = 0; i < g.n; i++) {
		const struct ike_tunnel *t = &g.tun[i];
		struct vpngw_ike_info *p = &g.pub[i];

		vpn_ike_peer_info(g.ike, i, &p->ike);
		/* Every Child SA the tunnel had: gone, retired (waiting for
		 * the workers), installed. Never less than last time. */
		p->esp_in = t->gone_in;
		p->esp_out = t->gone_out;
		for (int k = 0; k < CHILDREN; k++) {
			vpngw_sa_stats_add(&p->esp_in, t->ch[k].in);
			vpngw_sa_stats_add(&p->esp_out, t->ch[k].out);
		}
	}
	for (unsigned int r = 0; r < g.nretired; r++)
		if (g.retired[r].peer < g.n) {
			struct vpngw_ike_info *p = &g.pub[g.retired[r].peer];

			vpngw_sa_stats_add(&p->esp_in, g.retired[r].in);
			vpngw_sa_stats_add(&p->esp_out, g.retired[r].out);
		}
	pthread_mutex_unlock(&g.lock);
}

unsigned int
vpngw_ike_read(struct vpn_ike_stats *st, struct vpngw_ike_info *info,
               unsigned int max)
{
	unsigned int n;

	n = 0;
	pthread_mutex_lock(&g.lock);
	if (st != NULL)
		*st = g.pub_st;
	for (unsigned int i = 0; g.pub != NULL && i < g.n && n < max; i++)
		if (!g.tun[i].removed)
			info[n++] = g.pub[i];
	pthread_mutex_unlock(&g.lock);
	return n;
}

/* The data plane's SA events (lib/esp raises them as a packet or byte
 * limit is crossed) to the engine: soft rekeys, hard deletes. */
static void
sa_events(void)
{
	for (unsigned int i = 0; i < g.n; i++) {
		struct ike_tunnel *t = &g.tun[i];

		for (int k = 0; k < CHILDREN; k++) {
			uint32_t ev;

			if (t->removed || t->ch[k].in == NULL)
				continue;
			ev = vpn_esp_sa_events(t->ch[k].out) |
			     vpn_esp_sa_events(t->ch[k].in);
			if (ev == 0)
				continue;
			vpn_ike_child_expiring(g.ike, i,
			                       vpn_esp_sa_spi(t->ch[k].in),
			                       ev & (VPN_ESP_EV_HARD |
			                             VPN_ESP_EV_SEQ_OVERFLOW));
		}
	}
}

void
vpngw_ike_poll(void)
{
	uint8_t buf[IKE_MAX_MSG];
	uint64_t now;

	if (g.ike == NULL || g.n == 0)
		return;
	now = vpngw_now_ms();
	for (unsigned int i = 0; i < g.nsocks; i++) {
		const struct ike_sock *s = &g.socks[i];

		for (int k = 0; k < 64; k++) {
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(s->fd, buf, sizeof(buf), 0,
			                     (struct sockaddr *)&from, &fl);
			const uint8_t *m = buf;

			if (n <= 0)
				break;
			/* On 4500: IKE behind four zero bytes; a lone 0xff is
			 * a NAT keepalive, and ESP never gets here (the data
			 * plane keeps it). */
			if (s->port == VPN_ESP_NATT_PORT) {
				if (n < 4 || memcmp(buf, "\0\0\0\0", 4) != 0)
					continue;
				m += 4;
				n -= 4;
			}
			vpn_ike_input(g.ike, now, s->addr, s->port,
			              ntohl(from.sin_addr.s_addr),
			              ntohs(from.sin_port), m, (size_t)n);
		}
	}
	if (now - g.last_tick >= 10) {
		g.last_tick = now;
		sa_events();
		vpn_ike_tick(g.ike, now);
		retired_free(false);
	}
	if (now - g.last_publish >= 100) {
		g.last_publish = now;
		publish();
	}
}

void
vpngw_ike_wait(int ms)
{
	struct pollfd pf[2 * VPN_MAX_OUTSIDE];

	if (g.nsocks == 0) {
		usleep((useconds_t)ms * 1000);
		return;
	}
	for (unsigned int i = 0; i < g.nsocks; i++)
		pf[i] = (struct pollfd){g.socks[i].fd, POLLIN, 0};
	(void)poll(pf, g.nsocks, ms);
}

void
vpngw_ike_stop(void)
{
	const struct vpn_ike_stats *st;

	if (g.ike == NULL)
		return;
	/* DELETE to every peer while the data plane still runs. */
	for (unsigned int i = 0; i < g.n; i++)
		vpn_ike_reset(g.ike, i, false);
	usleep(100 * 1000);
	st = vpn_ike_stats(g.ike);
	printf("vpngw: IKE:");
#define PRINT_IKE(f, d) printf(" %s %llu", #f, (unsigned long long)st->f);
	VPN_IKE_COUNTERS(PRINT_IKE)
#undef PRINT_IKE
	printf("\n");
	vpn_ike_free(g.ike);
	g.ike = NULL;
	retired_free(true);
	for (unsigned int i = 0; i < g.nsocks; i++)
		close(g.socks[i].fd);
	pthread_mutex_lock(&g.lock);
	free(g.tun);
	free(g.pub);
	g.tun = NULL;
	g.pub = NULL;
	g.n = g.nsocks = 0;
	pthread_mutex_unlock(&g.lock);
}
