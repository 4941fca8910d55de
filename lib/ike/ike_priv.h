/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IKE_PRIV_H
#define IKE_PRIV_H

/* The engine's records (ike_sa.c). */

#include "ike_crypto.h"
#include "vpn_ike.h"

/* Notify message types (RFC 7296 3.10.1, RFC 7383). */
enum {
	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	IKE_N_INVALID_SYNTAX = 7,
	IKE_N_INVALID_MESSAGE_ID = 9,
	IKE_N_NO_PROPOSAL_CHOSEN = 14,
	IKE_N_INVALID_KE_PAYLOAD = 17,
	IKE_N_AUTHENTICATION_FAILED = 24,
	IKE_N_NO_ADDITIONAL_SAS = 35,
	IKE_N_TS_UNACCEPTABLE = 38,
	IKE_N_TEMPORARY_FAILURE = 43,
	IKE_N_CHILD_SA_NOT_FOUND = 44,
	IKE_N_INITIAL_CONTACT = 16384,
	IKE_N_NAT_DETECTION_SOURCE_IP = 16388,
	IKE_N_NAT_DETECTION_DESTINATION_IP = 16389,
	IKE_N_COOKIE = 16390,
	IKE_N_USE_TRANSPORT_MODE = 16391,
	IKE_N_REKEY_SA = 16393,
	IKE_N_FRAGMENTATION_SUPPORTED = 16430, /* RFC 7383 */
};

#define IKE_ID_IPV4_ADDR 1
#define IKE_AUTH_PSK     2 /* Shared Key Message Integrity Code */
#define IKE_TS_IPV4      7
#define IKE_NONCE_LEN    32
#define IKE_PORT         500
#define IKE_NATT_PORT    4500
#define IKE_MAX_PAYLOADS 48
/* Cookies are asked for past this many half-open SAs, and from a peer
 * address that has one already (see init_request). */
#define IKE_COOKIE_HALF_OPEN 64
#define IKE_HALF_OPEN_MS     30000
#define IKE_SETUP_GIVE_UP_MS 30000
#define IKE_RETRY_MS         10000 /* an initiator's next try */
#define IKE_DPD_DELAY_MS     10000 /* idle before a liveness check */
#define IKE_KEEPALIVE_MS     20000 /* NAT keepalives (RFC 3948 4) */
#define IKE_RESEND_MS                                                  \
	500                    /* a cached response goes again at most \
	                        * this often (retransmissions come a   \
	                        * second apart; a spoofer can send the \
	                        * header of one much faster) */
#define IKE_MAX_CHILDREN  4    /* per tunnel: current, rekeyed, ... */
#define IKE_MAX_FRAGS     64   /* fragments of a message (RFC 7383) */
#define IKE_FRAG_SIZE     1200 /* largest fragment, unless configured */
#define IKE_ROUTE_WAIT_MS 5000 /* a rekey responder routes by then */

enum sa_state {
	S_INIT_SENT, /* initiator: IKE_SA_INIT sent */
	S_AUTH_SENT, /* initiator: IKE_AUTH sent */
	S_INIT_DONE, /* responder: IKE_SA_INIT answered */
	S_ESTABLISHED,
	S_DEAD, /* to be freed */
};

/* What our outstanding request is. */
enum req_kind {
	R_NONE, /* (a response) */
	R_INIT,
	R_AUTH,
	R_DPD,
	R_REKEY_CHILD,
	R_REKEY_IKE,
	R_DELETE_CHILD,
	R_DELETE_IKE,
};

/* A Child SA of a tunnel (its keys are only in the data plane). */
struct child {
	bool used;
	bool routed; /* the tunnel's traffic goes out on it */
	uint32_t spi_in, spi_out;
	uint16_t encr, key_bits, integ;
	bool esn;
	uint16_t dh; /* its PFS group; 0: none (made in IKE_AUTH) */
	uint64_t installed, rekey_at, expire_at;
	uint64_t route_at; /* responder of a rekey: route it by then */
	bool rekeyed;      /* a newer one replaces it */
};

/* A traffic selector as it travels: a range with protocol and ports. */
struct ts {
	uint8_t proto;
	uint16_t sport, eport;
	uint32_t start, end;
};

struct ts_set {
	unsigned int n;
	struct ts v[VPN_IKE_MAX_TS];
};

struct ike_sa {
	unsigned int peer;
	enum sa_state state;
	bool initiator;
	uint64_t spi_i, spi_r;
	/* The IKE SA's transforms. */
	uint16_t encr, key_bits, integ, prf, dh_group;
	struct ike_dh *dh;
	uint8_t ni[IKE_MAX_NONCE], nr[IKE_MAX_NONCE];
	size_t ni_len, nr_len;
	uint8_t skd[IKE_MAX_PRF_LEN], skpi[IKE_MAX_PRF_LEN],
	        skpr[IKE_MAX_PRF_LEN];
	struct ike_sk_keys ki, kr; /* initiator's and responder's keys */
	/* IKE_SA_INIT request and response, for the AUTH octets. */
	uint8_t *msg1, *msg2;
	size_t msg1_len, msg2_len;
	uint8_t cookie[64];
	size_t cookie_len;
	/* Message IDs: the next request we send, the next one we take. */
	uint32_t my_id, peer_id;
	/* Our outstanding request. */
	uint8_t *req;
	size_t req_len;
	uint8_t req_exch;
	enum req_kind req_kind;
	uint32_t req_spi; /* R_DELETE_CHILD: our inbound SPI of it */
	uint64_t req_first, req_next;
	unsigned int req_tries;
	/* The response to the peer's last request (duplicates). req and
	 * resp hold one or more datagrams (fragments), each after its
	 * length in two bytes (host order). */
	uint8_t *resp;
	size_t resp_len;
	/* Fragmentation (RFC 7383): both sides support it; the fragments of
	 * the message being reassembled. */
	bool frag;
	uint32_t rf_id;
	uint16_t rf_total, rf_have;
	uint8_t rf_first;
	uint8_t *rf_chunk[IKE_MAX_FRAGS];
	uint16_t rf_len[IKE_MAX_FRAGS];
	/* Where the peer is now (RFC 7296 2.11: answer where it asked). */
	uint32_t local, remote;
	uint16_t lport, rport;
	bool nat_local, nat_remote;
	uint64_t created, established, last_rx, last_keepalive;
	uint64_t last_resend; /* when the cached response last went again */
	uint64_t esp_rx;      /* inbound ESP at the last look */
	uint64_t rekey_at, expire_at; /* of this IKE SA */
	bool rekeyed;                 /* a newer IKE SA replaces it */
	/* Our CREATE_CHILD_SA in flight (R_REKEY_*). */
	uint32_t rk_old;     /* the Child SA being rekeyed: its spi_in */
	uint32_t rk_spi;     /* the new Child SA's spi_in */
	uint64_t rk_ike_spi; /* our SPI of the new IKE SA */
	uint8_t rk_n[IKE_MAX_NONCE];
	size_t rk_n_len;
	struct ike_dh *rk_dh;
	uint64_t rk_retry; /* no rekey before this (after a refusal) */
	/* The peer rekeyed rk_old while ours was in flight: the lower
	 * nonce of its exchange, and the Child SA it made (spi_in). */
	bool rk_collided;
	uint8_t rk_peer_n[IKE_MAX_NONCE];
	size_t rk_peer_n_len;
	uint32_t rk_peer_child;
};

struct peer {
	struct vpn_ike_peer cfg;
	struct ike_sa *sa;     /* current */
	struct ike_sa *nego;   /* a responder's new SA replacing sa */
	struct ike_sa *old;    /* rekeyed, until its DELETE is done */
	struct ike_sa *doomed; /* ours of colliding IKE SA rekeys: deleted */
	struct child ch[IKE_MAX_CHILDREN];
	struct ts_set ts_local, ts_remote; /* as agreed */
	uint64_t next_try; /* initiator: when to start; 0: not now */
	bool restart;      /* DPD restart: we start it, even as responder */
	bool down;         /* administratively down: no SA either way */
	uint16_t ke_group; /* the DH group the peer took or asked for last:
	                    * the next IKE_SA_INIT's KE (0: none yet) */
	char last[96];
};

struct vpn_ike {
	struct vpn_ike_ops ops;
	void *ctx;
	struct peer *peers;
	unsigned int n, cap;
	struct vpn_ike_stats st;
	uint64_t now;
	unsigned int half_open;
	uint8_t cookie_secret[32];
	uint8_t in[IKE_MAX_MSG];    /* a received message, decrypted in place */
	uint8_t out[IKE_MAX_MSG];   /* a message being built */
	uint8_t pt[IKE_MAX_MSG];    /* the payloads of an SK payload */
	uint8_t reasm[IKE_MAX_MSG]; /* a message put together from fragments */
};

#endif /* IKE_PRIV_H */
