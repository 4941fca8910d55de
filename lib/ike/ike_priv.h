/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IKE_PRIV_H
#define IKE_PRIV_H

/* The engine's records (ike_sa.c). */

#include "ike_crypto.h"
#include "vpn_ike.h"
#include "vpn_pki.h"

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
	IKE_N_FRAGMENTATION_SUPPORTED = 16430,   /* RFC 7383 */
	IKE_N_SIGNATURE_HASH_ALGORITHMS = 16431, /* RFC 7427 */
};

#define IKE_ID_IPV4_ADDR   1
#define IKE_AUTH_PSK       2  /* Shared Key Message Integrity Code */
#define IKE_AUTH_SIGNATURE 14 /* Digital Signature (RFC 7427) */
#define IKE_TS_IPV4        7
#define IKE_NONCE_LEN      32
#define IKE_PORT           500
#define IKE_NATT_PORT      4500
#define IKE_MAX_PAYLOADS   48
/* Cookies are asked for past this many half-open SAs, and from a peer
 * address that has one already (see init_request); past fewer while the
 * engine is under load: it spent IKE_BUSY_PERMILLE of the last second
 * answering IKE_SA_INITs (their DH and keys), so that what it does next
 * goes to initiators that have shown their address is theirs. */
#define IKE_COOKIE_HALF_OPEN      64
#define IKE_COOKIE_HALF_OPEN_BUSY 8
#define IKE_BUSY_PERMILLE         500
/* A cookie is <version of the secret> | prf(secret, Ni | IPi | SPIi),
 * 17 bytes (RFC 7296 2.6). The secret changes every
 * IKE_COOKIE_SECRET_MS, or after IKE_COOKIE_SECRET_USES cookies under a
 * flood once it is IKE_COOKIE_SECRET_MIN_MS old (so that a flood cannot
 * change it twice within an initiator's round trip); a cookie made with
 * the one before is still taken (made just before the change), older
 * ones are not. */
#define IKE_COOKIE_LEN           17
#define IKE_COOKIE_SECRET_MS     60000
#define IKE_COOKIE_SECRET_MIN_MS 5000
#define IKE_COOKIE_SECRET_USES   10000
/* SAs from addresses no tunnel has, for the tunnels of customer gateways
 * without an address, until IKE_AUTH names their identity: at most this
 * many (the oldest goes for a new one), and past half of it only
 * initiators that return our cookie; from one source at most
 * IKE_PENDING_PER_SOURCE (two behind a NAT with retransmissions and some
 * to spare), and past two only with a cookie. */
#define IKE_MAX_PENDING        64
#define IKE_PENDING_PER_SOURCE 8
/* The DH exchanges spent on them (senders that returned a cookie, so
 * whose address is theirs, but are not yet anyone): at most
 * IKE_PENDING_PER_S a second, IKE_PENDING_BURST at once; past that an
 * IKE_SA_INIT from an address no tunnel has is dropped (init_limited)
 * and its sender tries again. The tunnels with addresses are not
 * charged: a cookie ties each to its own peer's address. */
#define IKE_PENDING_PER_S    100
#define IKE_PENDING_BURST    32
#define IKE_HALF_OPEN_MS     30000
#define IKE_SETUP_GIVE_UP_MS 30000
#define IKE_RETRY_MS         10000 /* an initiator's next try */
/* Our setups waiting for their first answer: at most IKE_INIT_WINDOW at
 * once, so thousands of tunnels starting together (a restart) go as fast
 * as the peers answer, without a herd of retransmissions. A request
 * older than IKE_INIT_YOUNG_MS (its first retransmission is due) stops
 * counting: a peer that never answers holds a place for a second. */
#define IKE_INIT_WINDOW   64
#define IKE_INIT_YOUNG_MS 1000
#define IKE_DPD_DELAY_MS  10000 /* idle before a liveness check */
#define IKE_RX_LOOK_MS    250   /* how often DPD looks at a tunnel's ESP */
#define IKE_KEEPALIVE_MS  20000 /* NAT keepalives (RFC 3948 4) */
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
	S_NEW,  /* just made: moves at once to one of the above */
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
	/* A responder's SA from an address no tunnel has (in the engine's
	 * pend[]): peer is only the tunnel whose proposals it was answered
	 * with; its own is the one whose identity its IKE_AUTH proves. */
	bool pending;
	uint64_t spi_i, spi_r;
	struct ike_sa *hnext; /* in the engine's SPI index (ike_index.c) */
	bool indexed;
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
	unsigned int sig_hashes; /* the peer's SIGNATURE_HASH_ALGORITHMS */
	bool warned_ip_frag;     /* said that a message went as IP fragments */
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
	uint64_t esp_looked;  /* when that was (every IKE_RX_LOOK_MS) */
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
	bool paced;        /* due, waiting for a place (IKE_INIT_WINDOW) */
	bool down;         /* administratively down: no SA either way */
	uint16_t ke_group; /* the DH group the peer took or asked for last:
	                    * the next IKE_SA_INIT's KE (0: none yet) */
	char last[96];
	/* Certificates: the peer's subject and issuer, as last seen, and
	 * its chain as CRLs name it, for a CRL loaded later. */
	char subject[VPN_IKE_ID_MAX], issuer[VPN_IKE_ID_MAX];
	struct vpn_pki_cert_ref chain[VPN_PKI_PEER_CERTS];
	unsigned int n_chain;
};

struct vpn_ike {
	struct vpn_ike_ops ops;
	void *ctx;
	struct peer *peers;
	unsigned int n, cap;
	struct vpn_ike_stats st;
	const struct vpn_pki *pki; /* certificates: vpn_ike_set_pki */
	uint64_t now;
	unsigned int half_open;
	struct ike_sa *pend[IKE_MAX_PENDING]; /* see ike_sa.pending */
	unsigned int n_pend;
	uint64_t pend_milli, pend_at; /* IKE_PENDING_PER_S: 1000 a token */
	uint8_t cookie_secret[2][32]; /* version v's is [v & 1] */
	uint8_t cookie_ver;
	uint64_t cookie_since; /* when cookie_ver's secret was made (0: not
	                        * yet used: the first use starts its age) */
	unsigned int cookie_uses;
	/* ike_index.c: SAs by initiator SPI, tunnels by address pair
	 * (rebuilt at the next lookup once peers_changed). */
	struct ike_sa **sa_hash;
	uint64_t hash_key;
	struct ike_dhpool *pool; /* NULL: no helpers */
	/* IKE_SA_INIT work (CLOCK_MONOTONIC ns) in the window that began at
	 * init_win, and its share of the window before (per mille). */
	uint64_t init_ns, init_win;
	unsigned int init_busy_pm;
	int *peer_hash, *peer_next;
	unsigned int peer_mask;
	int *roam; /* the tunnels without an address, in index order */
	unsigned int n_roam;
	bool peers_changed;
	uint8_t in[IKE_MAX_MSG];    /* a received message, decrypted in place */
	uint8_t out[IKE_MAX_MSG];   /* a message being built */
	uint8_t pt[IKE_MAX_MSG];    /* the payloads of an SK payload */
	uint8_t reasm[IKE_MAX_MSG]; /* a message put together from fragments */
};

/* ---- shared by the engine's files (ike_*.c) ------------------------- */

/*
 * Which SA payload: an IKE SA's (IKE_SA_INIT; CREATE_CHILD_SA rekeying
 * it, with our new 8-byte SPI), or a Child SA's (IKE_AUTH, where DH is
 * left out; CREATE_CHILD_SA, where it is PFS).
 */
enum pmode { PM_IKE, PM_IKE_REKEY, PM_ESP_AUTH, PM_ESP_CCS };

/* What a proposal was chosen to be. */
struct choice {
	uint8_t num;
	uint16_t encr, key_bits, integ, prf, dh; /* dh 0: none (no PFS) */
	bool esn;
	uint64_t spi; /* ESP, IKE rekey: the proposer's SPI */
};

/* The keys of a new Child SA: from which exchange, with which nonces. */
struct keysrc {
	bool we_i; /* we initiated the exchange */
	const uint8_t *gir;
	size_t gl;
	const uint8_t *ni, *nr;
	size_t ni_len, nr_len;
};

/* ike_dhpool.c: DH keys made ahead by helper threads. */
#define IKE_MAX_HELPERS 8
/* A fresh key pair of group: a ready one, else made now. */
struct ike_dh *dh_take(struct vpn_ike *ike, uint16_t group);
/* The engine uses group: helpers keep keys of it ready. */
void dh_want(struct vpn_ike *ike, uint16_t group);
void dh_pool_free(struct vpn_ike *ike);

/* ike_index.c */
int index_init(struct vpn_ike *ike);
void index_free(struct vpn_ike *ike);
/* Into the SPI index once its spi_i is set (again: moved), out of it. */
void sa_index_add(struct vpn_ike *ike, struct ike_sa *sa);
void sa_index_del(struct vpn_ike *ike, struct ike_sa *sa);
/* The SA a message with header h is for, or NULL. */
struct ike_sa *sa_index_find(const struct vpn_ike *ike,
                             const struct ike_hdr *h);
/* The tunnel (not down) between local and remote (not 0), or -1. */
int peer_index_find(struct vpn_ike *ike, uint32_t local, uint32_t remote);
/* The tunnels without an address (any state), *n of them; NULL when
 * out of memory (then walk them all). */
const int *roaming_index(struct vpn_ike *ike, unsigned int *n);

/* ike_sa.c */
__attribute__((format(printf, 3, 4))) void
plog(struct vpn_ike *ike, unsigned int peer, const char *fmt, ...);
/* As plog, for an SA: a pending one is named by where it came from. */
__attribute__((format(printf, 3, 4))) void
salog(struct vpn_ike *ike, const struct ike_sa *sa, const char *fmt, ...);
/* A tunnel of a customer gateway without an address (cfg.remote 0). */
bool roaming(const struct peer *p);
/* A pending SA out of pend[] (it is not freed). */
void pend_drop(struct vpn_ike *ike, struct ike_sa *sa);
void *dup_bytes(const void *p, size_t len);
uint64_t rand64(void);
uint32_t new_spi(struct vpn_ike *ike);
uint16_t integ_to_prf(uint16_t integ);
void status_log(struct vpn_ike *ike, unsigned int peer, const char *details);
void sa_state(struct vpn_ike *ike, struct ike_sa *sa, enum sa_state to,
              const char *why);
struct ike_sa *sa_new(struct vpn_ike *ike, unsigned int peer, bool initiator);
struct child *child_find(struct peer *p, uint32_t spi_in);
struct child *child_by_out(struct peer *p, uint32_t spi_out);
void child_route(struct vpn_ike *ike, unsigned int peer, struct child *c);
void child_remove(struct vpn_ike *ike, unsigned int peer, struct child *c,
                  const char *why);
void children_clear(struct vpn_ike *ike, unsigned int peer, const char *why);
uint64_t rekey_time(const struct vpn_ike_peer *cfg, uint32_t life_s,
                    uint64_t now);
void sa_free(struct vpn_ike *ike, struct ike_sa *sa, const char *why);

/* ike_send.c */
uint8_t *pack_append(uint8_t *pk, size_t *len, const uint8_t *m, size_t ml);
void wire(struct vpn_ike *ike, struct ike_sa *sa, const uint8_t *pk,
          size_t len);
void send_request(struct vpn_ike *ike, struct ike_sa *sa, uint8_t exch,
                  uint8_t *pk, size_t len, enum req_kind kind);
void send_response(struct vpn_ike *ike, struct ike_sa *sa, uint8_t *pk,
                   size_t len);
void resend(struct vpn_ike *ike, struct ike_sa *sa);
const struct ike_sk_keys *keys_in(const struct ike_sa *sa);
void inner_begin(struct vpn_ike *ike, struct ike_writer *w);
int send_sk(struct vpn_ike *ike, struct ike_sa *sa, uint8_t exch, bool response,
            uint32_t msg_id, struct ike_writer *w, enum req_kind kind);
void add_notify(struct ike_writer *w, uint8_t proto, uint32_t spi,
                uint16_t type, const void *data, size_t len);
void send_init_error(struct vpn_ike *ike, const struct ike_hdr *req,
                     uint32_t local, uint16_t lport, uint32_t remote,
                     uint16_t rport, uint16_t type, const void *data,
                     size_t len);

/* ike_prop.c */
bool dh_allowed(const struct vpn_ike_algs *a, uint16_t group);
bool takes_choice(const struct vpn_ike_algs *a, const struct choice *c);
bool takes_ike_sa(const struct vpn_ike_algs *a, const struct ike_sa *sa);
void dh_order(struct vpn_ike_algs *a);
bool is_aead(uint16_t encr);
unsigned int build_proposals(const struct vpn_ike_algs *a, enum pmode m,
                             uint64_t spi, struct ike_proposal *props);
bool choose(const struct vpn_ike_algs *a, const struct ike_payload *sa,
            enum pmode m, struct choice *c, struct vpn_ike *ike);
void add_choice(struct ike_writer *w, const struct choice *c, enum pmode m,
                uint64_t spi);
bool check_answer(const struct vpn_ike_algs *a, const struct ike_payload *sa,
                  enum pmode m, struct choice *c, struct vpn_ike *ike);

/* ike_keys.c */
int derive_ike_keys(struct ike_sa *sa, const uint8_t *gir, size_t gir_len,
                    const struct ike_sa *old);
int derive_child_keys(const struct ike_sa *sa, struct vpn_ike_child *c,
                      bool we_i, const uint8_t *gir, size_t gl,
                      const uint8_t *ni, size_t ni_len, const uint8_t *nr,
                      size_t nr_len);

/* ike_auth.c: AUTH by PSK or by signature (RFC 7427) */
#define IKE_MAX_ID   VPN_PKI_ID_MAX /* an ID payload body we send */
#define IKE_MAX_AUTH 1100           /* an AUTH payload body we send */
struct auth_result {
	char why[160]; /* when it did not verify */
	char subject[VPN_IKE_ID_MAX], issuer[VPN_IKE_ID_MAX]; /* the peer's */
	char sig_alg[48]; /* its signature's algorithm */
	struct vpn_pki_cert_ref chain[VPN_PKI_PEER_CERTS]; /* its chain */
	unsigned int n_chain;
};
size_t make_id(const struct vpn_ike *ike, const struct vpn_ike_peer *cfg,
               const struct ike_sa *sa, uint8_t *id, size_t max);
size_t auth_make(const struct vpn_ike *ike, const struct vpn_ike_peer *cfg,
                 const struct ike_sa *sa, bool of_initiator, const uint8_t *id,
                 size_t id_len, uint8_t *out, size_t max);
bool auth_verify(const struct vpn_ike *ike, const struct vpn_ike_peer *cfg,
                 const struct ike_sa *sa, bool of_initiator,
                 const struct ike_payload *id, const struct ike_payload *auth,
                 const struct ike_payload *pl, unsigned int n,
                 struct auth_result *res);
/* An initiator's certificate AUTH checked against several identities
 * (customer gateways without an address): the index of the one its
 * certificate names, or -1 (why in res). */
int auth_verify_any(const struct vpn_ike *ike, const struct ike_sa *sa,
                    const struct ike_payload *id,
                    const struct ike_payload *auth,
                    const struct ike_payload *pl, unsigned int n,
                    const char *const *ids, unsigned int n_ids,
                    struct auth_result *res);
void add_certs(const struct vpn_ike *ike, const struct vpn_ike_peer *cfg,
               struct ike_writer *w, bool certreq);
void add_certreq(const struct vpn_ike *ike, const struct vpn_ike_peer *cfg,
                 struct ike_writer *w);
void add_sig_hashes(const struct vpn_ike_peer *cfg, struct ike_writer *w);
unsigned int peer_sig_hashes(const struct ike_payload *pl, unsigned int n);
void note_peer(struct vpn_ike *ike, unsigned int peer,
               const struct auth_result *ar);

/* ike_nat.c */
void add_nat_d(struct vpn_ike *ike, struct ike_writer *w,
               const struct ike_sa *sa, uint64_t spi_r);
uint16_t notify_type(const struct ike_payload *p, const uint8_t **data,
                     size_t *len);
bool has_notify(const struct ike_payload *pl, unsigned int n, uint16_t type);
void nat_check(struct ike_sa *sa, const struct ike_payload *pl, unsigned int n,
               uint64_t spi_r);
bool udp_encap(const struct vpn_ike *ike, const struct ike_sa *sa);

/* ike_ts.c */
void add_ts(struct ike_writer *w, uint8_t type, const struct ts_set *s);
bool parse_ts(const struct ike_payload *pl, struct ts_set *s);
void ts_from_cfg(const struct vpn_ike_ts *v, unsigned int n, struct ts_set *s);
void ts_narrow(const struct ts_set *theirs, const struct ts_set *ours,
               struct ts_set *out);

/* ike_child.c */
struct child *child_install(struct vpn_ike *ike, struct ike_sa *sa,
                            const struct choice *c, uint32_t spi_in,
                            const struct keysrc *ks, bool route);
void sa_established(struct vpn_ike *ike, struct ike_sa *sa, const char *why);

/* ike_initiator.c */
void initiate(struct vpn_ike *ike, unsigned int peer);
bool starts(const struct peer *p);
void init_response(struct vpn_ike *ike, struct ike_sa *sa,
                   const struct ike_hdr *h, const struct ike_payload *pl,
                   unsigned int n, const uint8_t *msg);
void auth_response(struct vpn_ike *ike, struct ike_sa *sa,
                   const struct ike_payload *pl, unsigned int n);

/* ike_responder.c */
void init_request(struct vpn_ike *ike, const struct ike_hdr *h,
                  const struct ike_payload *pl, unsigned int n,
                  const uint8_t *msg, uint32_t local, uint16_t lport,
                  uint32_t remote, uint16_t rport);
void auth_request(struct vpn_ike *ike, struct ike_sa *sa, uint32_t msg_id,
                  const struct ike_payload *pl, unsigned int n);

/* ike_info.c */
void info_request(struct vpn_ike *ike, struct ike_sa *sa, uint32_t msg_id,
                  const struct ike_payload *pl, unsigned int n);
void send_info(struct vpn_ike *ike, struct ike_sa *sa, enum req_kind kind,
               uint32_t spi);

/* ike_rekey.c */
void ccs_request(struct vpn_ike *ike, struct ike_sa *sa, uint32_t msg_id,
                 const struct ike_payload *pl, unsigned int n);
void rekey_child(struct vpn_ike *ike, struct ike_sa *sa, struct child *c,
                 uint16_t group);
void rekey_ike(struct vpn_ike *ike, struct ike_sa *sa, uint16_t group);
void rekey_child_response(struct vpn_ike *ike, struct ike_sa *sa,
                          const struct ike_payload *pl, unsigned int n);
void rekey_ike_response(struct vpn_ike *ike, struct ike_sa *sa,
                        const struct ike_payload *pl, unsigned int n);

#endif /* IKE_PRIV_H */
