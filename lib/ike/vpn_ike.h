/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VPN_IKE_H
#define VPN_IKE_H

/*
 * IKEv2 messages (RFC 7296 section 3): the header, the payload chain and
 * the SA payload, read with bounded readers and written into bounded
 * buffers. The first layer of lib/ike (issue 5): no state, no crypto.
 *
 * Reading never looks past the buffer it is given nor past the length a
 * parent (message, payload, proposal, transform) declares; every failure
 * has its own code. Payloads inside an SK payload are not visible here
 * until the caller has authenticated and decrypted it and walks the
 * plaintext with vpn_ike_payloads() again.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_HDR_LEN     28
#define IKE_PAYLOAD_HDR 4
#define IKE_MAX_MSG     65535 /* what one UDP datagram can carry */

enum ike_exchange {
	IKE_SA_INIT = 34,
	IKE_AUTH = 35,
	IKE_CREATE_CHILD_SA = 36,
	IKE_INFORMATIONAL = 37,
};

#define IKE_FLAG_INITIATOR 0x08
#define IKE_FLAG_VERSION   0x10
#define IKE_FLAG_RESPONSE  0x20

enum ike_payload_type {
	IKE_PT_NONE = 0,
	IKE_PT_SA = 33,
	IKE_PT_KE = 34,
	IKE_PT_IDI = 35,
	IKE_PT_IDR = 36,
	IKE_PT_CERT = 37,
	IKE_PT_CERTREQ = 38,
	IKE_PT_AUTH = 39,
	IKE_PT_NONCE = 40,
	IKE_PT_NOTIFY = 41,
	IKE_PT_DELETE = 42,
	IKE_PT_VENDOR = 43,
	IKE_PT_TSI = 44,
	IKE_PT_TSR = 45,
	IKE_PT_SK = 46,
	IKE_PT_CP = 47,
	IKE_PT_EAP = 48,
	IKE_PT_SKF = 53, /* RFC 7383 */
};

/* Why a message or payload was refused. */
#define IKE_ERRORS(_)                                                \
	_(OK, "ok")                                                  \
	_(SHORT, "shorter than its header")                          \
	_(BAD_LENGTH, "a length field disagrees with what holds it") \
	_(BAD_VERSION, "major version is not 2")                     \
	_(BAD_PAYLOAD, "a payload is malformed")                     \
	_(UNSUPPORTED_CRITICAL, "unknown payload marked critical")   \
	_(AFTER_SK, "a payload follows the SK payload")              \
	_(TOO_MANY, "more payloads or proposals than we take")       \
	_(BAD_PROPOSAL, "a proposal is malformed")                   \
	_(BAD_TRANSFORM, "a transform is malformed")                 \
	_(NO_ROOM, "the output buffer is full")

enum ike_err {
#define IKE_ERR_ENUM(e, s) IKE_ERR_##e,
	IKE_ERRORS(IKE_ERR_ENUM)
#undef IKE_ERR_ENUM
	        IKE_ERR_MAX
};

const char *vpn_ike_err_name(enum ike_err e);

struct ike_hdr {
	uint64_t spi_i, spi_r; /* host order */
	uint8_t next;          /* first payload */
	uint8_t version;       /* major << 4 | minor */
	uint8_t exchange;
	uint8_t flags;
	uint32_t msg_id;
	uint32_t length; /* of the whole message */
};

/* One payload of a chain: its body (after the generic header). */
struct ike_payload {
	uint8_t type;
	uint8_t next; /* SK: the type of the first payload inside it */
	bool critical;
	const uint8_t *body;
	uint16_t len;
};

/* The header of buf[0..len): the message must be exactly len bytes. */
enum ike_err vpn_ike_hdr_parse(const uint8_t *buf, size_t len,
                               struct ike_hdr *h);
/* Write h (length as given) into buf of at least IKE_HDR_LEN bytes. */
void vpn_ike_hdr_write(uint8_t *buf, const struct ike_hdr *h);

/*
 * Walk the payload chain in p[0..len) starting with type first: up to max
 * payloads into out, their count in *n. The chain must end exactly at len;
 * an SK (or SKF) payload must be the last one. A payload type we do not
 * know is skipped unless its critical bit is set (RFC 7296 2.5): then
 * IKE_ERR_UNSUPPORTED_CRITICAL with its type in *bad_type.
 */
enum ike_err vpn_ike_payloads(const uint8_t *p, size_t len, uint8_t first,
                              struct ike_payload *out, unsigned int max,
                              unsigned int *n, uint8_t *bad_type);

/* The first payload of a type, or NULL. */
const struct ike_payload *vpn_ike_find(const struct ike_payload *pl,
                                       unsigned int n, uint8_t type);

/* ---- SA payload (RFC 7296 3.3) ---------------------------------------- */

enum ike_transform_type {
	IKE_TT_ENCR = 1,
	IKE_TT_PRF = 2,
	IKE_TT_INTEG = 3,
	IKE_TT_DH = 4,
	IKE_TT_ESN = 5,
};

enum ike_protocol { IKE_PROTO_IKE = 1, IKE_PROTO_AH = 2, IKE_PROTO_ESP = 3 };

#define IKE_ATTR_KEY_LENGTH 14
#define IKE_MAX_TRANSFORMS  128 /* per proposal (strongSwan's default: 38) */
#define IKE_MAX_PROPOSALS   16

struct ike_transform {
	uint8_t type;
	uint16_t id;
	uint16_t key_bits; /* the Key Length attribute, 0 if absent */
};

struct ike_proposal {
	uint8_t num;
	uint8_t protocol;
	uint8_t spi_len;
	uint8_t spi[8];
	unsigned int n;
	struct ike_transform t[IKE_MAX_TRANSFORMS];
};

/* The proposals of an SA payload body; unknown transform attributes are
 * an error (RFC 7296 3.3.6: the proposal would be unusable anyway). */
enum ike_err vpn_ike_sa_parse(const uint8_t *body, size_t len,
                              struct ike_proposal *props, unsigned int max,
                              unsigned int *n);

/* ---- writing ---------------------------------------------------------- */

/* A message being built in a caller's buffer. */
struct ike_writer {
	uint8_t *buf;
	size_t cap, len;
	size_t last_hdr;  /* offset of the last payload header; 0: none */
	enum ike_err err; /* the first failure; later writes do nothing */
};

/* Start a message with header h (its next and length are filled in as
 * payloads are added and at vpn_ike_finish). */
void vpn_ike_begin(struct ike_writer *w, uint8_t *buf, size_t cap,
                   const struct ike_hdr *h);
/* Append a payload of type with body[0..len). */
void vpn_ike_add(struct ike_writer *w, uint8_t type, bool critical,
                 const void *body, size_t len);
/* Append an SA payload body holding props[0..n) to w as a payload. */
void vpn_ike_add_sa(struct ike_writer *w, const struct ike_proposal *props,
                    unsigned int n);
/* Fix the message length; the message's size, or 0 on error (w->err). */
size_t vpn_ike_finish(struct ike_writer *w);

/* ---- the IKE engine ----------------------------------------------------
 *
 * The IKEv2 protocol for every tunnel of the appliance: IKE_SA_INIT and
 * IKE_AUTH (both roles, PSK), the Child SA negotiated with them,
 * INFORMATIONAL (DELETE, liveness), NAT detection and floating to UDP
 * 4500, retransmission and duplicate requests, and DPD. It owns no socket
 * and no clock: the caller hands it each datagram (without the non-ESP
 * marker) and the time, and it calls back to send, to install and remove
 * Child SAs and to report a tunnel's state. Single-threaded (the control
 * core).
 */

#define VPN_IKE_MAX_ALGS 16
#define VPN_IKE_MAX_TS   8
#define VPN_IKE_PSK_MAX  64

/* An ordered algorithm list (most preferred first); IANA IDs. */
struct vpn_ike_algs {
	unsigned int n_encr, n_integ, n_dh;
	struct {
		uint16_t id, key_bits;
	} encr[VPN_IKE_MAX_ALGS];
	uint16_t integ[VPN_IKE_MAX_ALGS]; /* IKE: the PRFs follow these */
	uint16_t dh[VPN_IKE_MAX_ALGS];
};

/* An IPv4 address range of a traffic selector (any protocol and port),
 * host order. */
struct vpn_ike_ts {
	uint32_t start, end;
};

enum vpn_ike_dpd_action {
	VPN_IKE_DPD_CLEAR,
	VPN_IKE_DPD_NONE,
	VPN_IKE_DPD_RESTART
};

/* One tunnel's IKE settings. */
#define VPN_IKE_ID_MAX 256

struct vpn_ike_peer {
	char name[48];          /* for logs: connection/N */
	uint32_t local, remote; /* outside addresses, host order */
	uint8_t psk[VPN_IKE_PSK_MAX];
	size_t psk_len;
	struct vpn_ike_algs ike, esp;
	uint32_t ike_lifetime, esp_lifetime; /* seconds */
	uint32_t rekey_margin; /* rekey this long before a lifetime ends */
	uint32_t rekey_fuzz;   /* ... and up to this % of it earlier */
	uint32_t dpd_timeout;  /* seconds */
	enum vpn_ike_dpd_action dpd_action;
	bool initiate;    /* start the tunnel (else wait for the peer) */
	bool force_encap; /* ESP in UDP even without NAT (accelerated) */
	uint32_t replay_window;
	uint16_t frag_size;        /* largest IKE fragment we send; 0: 1200 */
	unsigned int n_lts, n_rts; /* ours and the peer's networks */
	struct vpn_ike_ts lts[VPN_IKE_MAX_TS], rts[VPN_IKE_MAX_TS];
	/* Certificate authentication instead of the PSK: we sign with the
	 * engine's PKI (vpn_ike_set_pki; RFC 7427) and the peer's
	 * certificate must chain to its CA and match identity (a DN, or a
	 * DNS name or email in its subjectAltName). */
	bool cert;
	char identity[VPN_IKE_ID_MAX];
	/* remote 0: a customer gateway without an address (cert only, never
	 * initiate). Its IKE_SA_INIT comes from anywhere to local; the
	 * tunnel is the one whose identity its IKE_AUTH proves, and the
	 * address it came from (and moves to, behind a NAT) is its remote. */
};

/* A negotiated Child SA, both directions (ours: in = the peer's
 * traffic). Keys are KEYMAT slices: the cipher key, then for GCM its
 * 4-byte salt. */
struct vpn_ike_child {
	uint32_t spi_in, spi_out;
	uint16_t encr, key_bits, integ; /* IANA IDs; integ 0 with GCM */
	bool esn;
	uint8_t ekey_in[36], ekey_out[36];
	uint8_t akey_in[64], akey_out[64];
	bool udp_encap;
	uint16_t sport, dport;  /* UDP ports when udp_encap */
	uint32_t local, remote; /* the endpoints, host order */
	uint32_t lifetime;      /* seconds */
	uint32_t replay_window;
};

struct vpn_ike_ops {
	/* Send msg from local:lport to remote:rport (the caller adds the
	 * non-ESP marker on port 4500). */
	void (*send)(void *ctx, uint32_t local, uint16_t lport, uint32_t remote,
	             uint16_t rport, const uint8_t *msg, size_t len);
	/* Install a Child SA of tunnel peer: its inbound half takes
	 * packets at once; its outbound half waits for child_route. 0, or
	 * -errno (the engine then refuses or deletes it). */
	int (*child_add)(void *ctx, unsigned int peer,
	                 const struct vpn_ike_child *c);
	/* Send the tunnel's traffic on the Child SA spi_in from now on
	 * (make-before-break: the one it replaces stays installed). */
	void (*child_route)(void *ctx, unsigned int peer, uint32_t spi_in);
	/* Remove the Child SA whose inbound SPI is spi_in; when it was the
	 * routed one and no other was routed first, the tunnel is down. */
	void (*child_del)(void *ctx, unsigned int peer, uint32_t spi_in);
	/* Inbound ESP packets the Child SA spi_in has taken so far (DPD
	 * skips a peer that is sending traffic); may be NULL. */
	uint64_t (*child_rx)(void *ctx, unsigned int peer, uint32_t spi_in);
	/* A free inbound SPI for a new Child SA (0: none); may be NULL
	 * (then a random one). */
	uint32_t (*spi_alloc)(void *ctx);
	/* A log line (no newline). */
	void (*log)(void *ctx, const char *line);
};

/* Why IKE messages were dropped, and what was sent. */
#define VPN_IKE_COUNTERS(_)                                                \
	_(rx, "messages received")                                         \
	_(tx, "messages sent")                                             \
	_(retransmits, "requests sent again")                              \
	_(resent_responses, "cached responses sent for duplicates")        \
	_(malformed, "malformed message or payload")                       \
	_(no_peer, "IKE_SA_INIT from an address with no tunnel")           \
	_(pending_full, "no-address SAs dropped for room (oldest)")        \
	_(peer_moves, "peers that moved (NAT), followed by a rekey")       \
	_(unknown_spi, "no IKE SA for the SPIs")                           \
	_(bad_msg_id, "message ID outside the window")                     \
	_(bad_icv, "SK payload did not verify")                            \
	_(unexpected, "message not valid in the SA's state")               \
	_(no_proposal, "no acceptable proposal")                           \
	_(auth_failed, "AUTH did not verify")                              \
	_(ts_unacceptable, "traffic selectors did not match")              \
	_(cookies_sent, "cookies asked for (half-open SAs)")               \
	_(cookies_busy, "of them asked for early: the engine under load")  \
	_(fragments_sent, "IKE fragments sent (RFC 7383)")                 \
	_(fragments_received, "IKE fragments received")                    \
	_(ip_fragmented, "accelerated: big messages unfragmented")         \
	_(bad_cookie, "IKE_SA_INIT with a wrong or no cookie")             \
	_(ike_up, "IKE SAs established")                                   \
	_(child_up, "Child SAs installed")                                 \
	_(child_rekeys, "Child SAs rekeyed")                               \
	_(ike_rekeys, "IKE SAs rekeyed")                                   \
	_(collisions, "simultaneous rekeys resolved by nonces")            \
	_(temporary_failures, "rekeys refused for now, retried")           \
	_(invalid_ke, "INVALID_KE: our KE guessed wrong")                  \
	_(expired, "SAs removed at their hard lifetime")                   \
	_(dpd_dead, "peers declared dead")                                 \
	_(init_paced, "setups of ours that waited for a place")            \
	_(init_limited, "IKE_SA_INITs from unknown addresses over budget") \
	_(dh_ready, "DH key pairs the helpers had made ahead")             \
	_(dh_inline, "DH key pairs made in the engine's loop")             \
	_(illegal_state, "state changes refused as illegal (a bug)")

struct vpn_ike_stats {
#define VPN_IKE_FIELD(f, d) uint64_t f;
	VPN_IKE_COUNTERS(VPN_IKE_FIELD)
#undef VPN_IKE_FIELD
};

struct vpn_ike;

struct vpn_pki;

/* An engine, or NULL. ops is copied; ctx goes to every callback. */
struct vpn_ike *vpn_ike_new(const struct vpn_ike_ops *ops, void *ctx);
void vpn_ike_free(struct vpn_ike *ike);
/* Our certificates and key for the peers with cert (NULL: none; their
 * authentication fails). The caller keeps pki until it gives another;
 * SAs already up stay, but for a peer whose certificate pki's CRLs
 * revoke: its SAs are deleted. */
void vpn_ike_set_pki(struct vpn_ike *ike, const struct vpn_pki *pki);
/* Add a tunnel; its index (the peer of the callbacks), or -errno. */
int vpn_ike_add_peer(struct vpn_ike *ike, const struct vpn_ike_peer *p);
/* New settings for a tunnel: its SAs are deleted and it negotiates
 * again under them (when it initiates). 0 or -errno. */
int vpn_ike_set_peer(struct vpn_ike *ike, unsigned int peer,
                     const struct vpn_ike_peer *p);
/* Administratively down (SAs deleted, nothing started, the peer's
 * IKE_SA_INIT unanswered) or up again. 0 or -ENOENT. */
int vpn_ike_set_admin(struct vpn_ike *ike, unsigned int peer, bool up);
/* A datagram from remote:rport to local:lport (marker stripped). */
void vpn_ike_input(struct vpn_ike *ike, uint64_t now_ms, uint32_t local,
                   uint16_t lport, uint32_t remote, uint16_t rport,
                   const uint8_t *msg, size_t len);
/* Timers: retransmissions, initiation, DPD, half-open expiry. Call it
 * every few milliseconds or so. */
void vpn_ike_tick(struct vpn_ike *ike, uint64_t now_ms);
/* Tear a tunnel's SAs down (DELETE to the peer) and, with restart, begin
 * again (when it initiates). */
void vpn_ike_reset(struct vpn_ike *ike, unsigned int peer, bool restart);
/* The data plane says Child SA spi_in of peer reached a packet or byte
 * limit (either direction): soft, it is rekeyed now (make-before-break);
 * hard, it can carry nothing more and is deleted. 0 or -ENOENT. */
int vpn_ike_child_expiring(struct vpn_ike *ike, unsigned int peer,
                           uint32_t spi_in, bool hard);
const struct vpn_ike_stats *vpn_ike_stats(const struct vpn_ike *ike);
/* n helper threads (at most 8; 0: none, the default) making ephemeral
 * DH key pairs ahead for the groups the tunnels use, at SCHED_IDLE (on
 * the CPUs the caller's thread may use): the engine then takes a ready
 * key instead of making one. The engine itself stays single-threaded.
 * 0 or -errno. */
int vpn_ike_set_helpers(struct vpn_ike *ike, unsigned int n);
/* Keys of group ready now (tests, telemetry). */
unsigned int vpn_ike_dh_ready(const struct vpn_ike *ike, uint16_t group);

/* A tunnel's IKE state, for logs, telemetry and the console. */
struct vpn_ike_peer_info {
	const char *ike_state; /* "down", "connecting", "established" */
	bool admin_down;
	uint32_t local, remote; /* the outside addresses (remote: where the
	                         * peer is now, when it has an SA) */
	uint16_t rport;         /* its IKE port then (0: none) */
	bool child_up;
	unsigned int children; /* installed, rekeyed ones included */
	bool nat;              /* NAT detected (or forced): ESP in UDP */
	uint64_t spi_i, spi_r;
	uint32_t spi_in, spi_out;
	uint16_t encr, key_bits, integ, dh; /* the IKE SA's */
	uint64_t established_ms;
	char last[96]; /* the last state change and why */
	/* Certificates: the peer's, as last presented (empty: none). */
	char peer_subject[VPN_IKE_ID_MAX], peer_issuer[VPN_IKE_ID_MAX];
};
int vpn_ike_peer_info(const struct vpn_ike *ike, unsigned int peer,
                      struct vpn_ike_peer_info *info);

#endif /* VPN_IKE_H */
