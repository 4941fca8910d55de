/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_ESP_H
#define VPN_ESP_H

/*
 * ESP tunnel mode (RFC 4303) over IPv4, optionally UDP-encapsulated
 * (RFC 3948), with ESN and an RFC 6479-style anti-replay window, on bursts
 * of rte_mbufs.
 *
 * Mbufs are single-segment. Outbound takes inner IPv4/IPv6 packets (data at
 * the inner IP header) and leaves outer IPv4 packets (data at the outer IP
 * header; the caller adds L2). Inbound takes outer IPv4 packets and leaves
 * the inner packets, with packet_type set to RTE_PTYPE_L3_IPV4/IPV6.
 *
 * A burst call returns how many packets succeeded; those are first, in
 * their original order, and the failed ones follow with their reasons in
 * why[] (when given), for the caller to free or pass on (IKE, keepalives).
 * Every failure is counted per reason, per worker and per SA.
 *
 * Threads: SAs are made and freed by the control core; a worker is one
 * lcore's context. Several workers may process one SA at once: outbound
 * sequence numbers are taken atomically, a burst at a time; the inbound
 * replay window is updated under a per-SA lock taken once per burst, after
 * authentication (docs/ARCHITECTURE.md, "per-SA state").
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "vpn_crypto.h"

#define VPN_ESP_MAX_BURST   VPN_CRYPTO_MAX_BURST
#define VPN_ESP_MAX_WORKERS 16
#define VPN_ESP_MAX_WINDOW  4096 /* replay window, packets */
#define VPN_ESP_NATT_PORT   4500

/* Reasons a packet fails, each a counter. */
#define VPN_ESP_REASONS(_)                                              \
	_(OK, "processed")                                              \
	_(CHAINED, "multi-segment mbuf")                                \
	_(NO_ROOM, "no head- or tailroom for ESP")                      \
	_(NOT_IP, "outbound packet is not IPv4 or IPv6")                \
	_(SEQ_OVERFLOW, "sequence number would wrap: SA needs a rekey") \
	_(SA_EXPIRED, "SA past its hard lifetime")                      \
	_(WRONG_DIRECTION, "SA is not for this direction")              \
	_(TRUNCATED, "shorter than its headers")                        \
	_(BAD_OUTER, "outer IPv4 header invalid")                       \
	_(OUTER_FRAGMENT, "outer IPv4 fragment")                        \
	_(NOT_ESP, "neither ESP nor ESP-in-UDP")                        \
	_(NATT_IKE, "IKE on the NAT-T port (non-ESP marker)")           \
	_(NATT_KEEPALIVE, "NAT-T keepalive")                            \
	_(UNKNOWN_SPI, "no SA for the SPI")                             \
	_(BAD_LENGTH, "ESP length not valid for the cipher")            \
	_(REPLAY, "sequence number already received")                   \
	_(TOO_OLD, "sequence number left of the replay window")         \
	_(AUTH_FAILED, "ICV did not verify")                            \
	_(BAD_PADDING, "padding is not 1, 2, 3, ...")                   \
	_(DUMMY, "dummy packet (next header 59)")                       \
	_(BAD_NEXT_HEADER, "next header is not IPv4 or IPv6")           \
	_(EMPTY, "no inner packet")                                     \
	_(BAD_INNER, "inner IP header invalid or longer than the payload")

enum vpn_esp_reason {
#define _(n, d) VPN_ESP_##n,
	VPN_ESP_REASONS(_)
#undef _
	        VPN_ESP_REASON_MAX
};

const char *vpn_esp_reason_name(enum vpn_esp_reason r);
const char *vpn_esp_reason_text(enum vpn_esp_reason r);

struct vpn_esp_stats {
	uint64_t packets; /* processed */
	uint64_t bytes;   /* inner bytes processed */
	uint64_t drops[VPN_ESP_REASON_MAX];
};

/* Events a worker raises for the control plane. */
enum {
	VPN_ESP_EV_SOFT = 1u << 0,         /* soft lifetime reached: rekey */
	VPN_ESP_EV_HARD = 1u << 1,         /* hard lifetime reached: stopped */
	VPN_ESP_EV_SEQ_OVERFLOW = 1u << 2, /* no sequence numbers left */
};

struct vpn_esp_sa_params {
	uint32_t spi;
	bool inbound;
	enum vpn_crypto_cipher cipher;
	uint8_t cipher_key[32];
	unsigned int cipher_key_len; /* 16 or 32 */
	uint8_t salt[4];             /* GCM: the last 4 bytes of KEYMAT */
	enum vpn_crypto_auth auth;   /* NONE with GCM */
	uint8_t auth_key[64];
	unsigned int auth_key_len;
	bool esn;
	uint32_t tun_src, tun_dst;     /* outer IPv4, host order; outbound */
	bool udp_encap;                /* RFC 3948 */
	uint16_t udp_sport, udp_dport; /* default 4500 */
	uint8_t ttl;                   /* outer TTL; default 64 */
	uint32_t replay_window;        /* inbound; 0: no replay check */
	/* Outbound: the last sequence number used. Inbound: the highest one
	 * already received (both 0 for a new SA; tests start near a wrap). */
	uint64_t seq;
	/* CBC IVs are AES(iv_key, seq | spi); iv_key is random unless given
	 * (tests give one to compare engines packet for packet). */
	bool iv_key_set;
	uint8_t iv_key[16];
	/* Lifetimes; 0 is none. Packets count sequence numbers outbound. */
	uint64_t soft_bytes, hard_bytes, soft_packets, hard_packets;
	uint32_t tag; /* the owner's: vpn_esp_sa_tag() gives it back */
};

struct vpn_esp_sa;
struct vpn_esp_worker;
struct vpn_esp_sad;

/* An SA, or NULL with errno (EINVAL for bad parameters). Keys are copied
 * into the engine's key and wiped from the SA. */
struct vpn_esp_sa *vpn_esp_sa_new(struct vpn_crypto *c,
                                  const struct vpn_esp_sa_params *p);
void vpn_esp_sa_free(struct vpn_esp_sa *sa);
uint32_t vpn_esp_sa_spi(const struct vpn_esp_sa *sa);
/* Start loading what worker w's next packet on sa touches (the SA's hot
 * lines and its counters; not the key, whose address is in them) into
 * the cache: with a burst spread over many tunnels, called as each
 * packet's SA is known, well before vpn_esp_outbound_sas encrypts them. */
void vpn_esp_sa_prefetch(const struct vpn_esp_sa *sa,
                         const struct vpn_esp_worker *w);
/* The tag given in the parameters (the data plane keeps the connection's
 * index there, to check an inner packet against its networks). */
uint32_t vpn_esp_sa_tag(const struct vpn_esp_sa *sa);
/* Counters summed over the workers. */
void vpn_esp_sa_stats(const struct vpn_esp_sa *sa, struct vpn_esp_stats *s);
/* Events raised since the last call; clears them. */
uint32_t vpn_esp_sa_events(struct vpn_esp_sa *sa);
/* What the SA was made with (keys wiped): algorithms, endpoints,
 * window, lifetimes. */
const struct vpn_esp_sa_params *vpn_esp_sa_params(const struct vpn_esp_sa *sa);
/* Bytes counted against its byte lifetime so far (not counted without
 * one: vpn_esp_sa_stats has every byte). */
uint64_t vpn_esp_sa_bytes(const struct vpn_esp_sa *sa);
/* Outbound: the last sequence number handed out. Inbound: the highest
 * authenticated one. */
uint64_t vpn_esp_sa_seq(const struct vpn_esp_sa *sa);
/* Bytes of tunnel overhead a packet of inner length len gets. */
unsigned int vpn_esp_sa_overhead(const struct vpn_esp_sa *sa, unsigned int len);
/* Forget every received sequence number (benchmarks, tests). */
void vpn_esp_sa_replay_reset(struct vpn_esp_sa *sa);

/* A worker context for one lcore; id < VPN_ESP_MAX_WORKERS picks its
 * counter slot. NULL with errno. */
struct vpn_esp_worker *vpn_esp_worker_new(struct vpn_crypto *c,
                                          unsigned int id);
void vpn_esp_worker_free(struct vpn_esp_worker *w);
/* This worker's counters over every SA (and packets with no SA). */
void vpn_esp_worker_stats(const struct vpn_esp_worker *w,
                          struct vpn_esp_stats *s);

/* Inbound SAs by SPI. Written by the control core only. */
struct vpn_esp_sad *vpn_esp_sad_new(unsigned int capacity);
void vpn_esp_sad_free(struct vpn_esp_sad *sad);
int vpn_esp_sad_add(struct vpn_esp_sad *sad, struct vpn_esp_sa *sa);
int vpn_esp_sad_del(struct vpn_esp_sad *sad, uint32_t spi);
/* A new inbound SPI (from rnd, >= 256) that is not in use and whose home
 * slot is free or a deleted one: SAs that come and go through it (IKE)
 * never fill the table. 0 when none was found. */
uint32_t vpn_esp_sad_spi_alloc(const struct vpn_esp_sad *sad,
                               uint32_t (*rnd)(void));
struct vpn_esp_sa *vpn_esp_sad_lookup(const struct vpn_esp_sad *sad,
                                      uint32_t spi);

/* Encapsulate n packets with one outbound SA. An empty mbuf becomes a
 * dummy packet (next header 59, RFC 4303 2.6): the peer authenticates and
 * drops it (VPN_ESP_DUMMY), so it proves the tunnel alive. */
uint16_t vpn_esp_outbound(struct vpn_esp_worker *w, struct vpn_esp_sa *sa,
                          struct rte_mbuf **pkts, uint16_t n, uint8_t *why);

/* Encapsulate n packets, pkts[i] with sas[i] (outbound SAs, any mix):
 * as vpn_esp_outbound run by run of one SA, with one engine call for the
 * runs of one algorithm. Successes first, in order; failures after. */
uint16_t vpn_esp_outbound_sas(struct vpn_esp_worker *w,
                              struct vpn_esp_sa *const *sas,
                              struct rte_mbuf **pkts, uint16_t n, uint8_t *why);

/* Decapsulate n packets, finding each one's SA in sad. sa_out[i] (when
 * given) is the SA of each packet that succeeded. */
uint16_t vpn_esp_inbound(struct vpn_esp_worker *w,
                         const struct vpn_esp_sad *sad, struct rte_mbuf **pkts,
                         uint16_t n, uint8_t *why, struct vpn_esp_sa **sa_out);

#endif /* VPN_ESP_H */
