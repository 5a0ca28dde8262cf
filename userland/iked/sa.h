/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * sa.h - IKE SAs and their CHILD_SAs, the daemon's SA table, and the IKE SA
 * state machine. Every state change goes through ike_sa_set_state()
 * (state.c), which checks it against the transition table and logs it.
 */
#ifndef ESPIKED_SA_H
#define ESPIKED_SA_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"
#include "crypto.h"
#include "dh.h"
#include "frag.h"
#include "msg.h"
#include "sk.h"
#include "timer.h"

/*
 * IKE SA states. Initiator: NEW -> INIT_SENT -> AUTH_SENT -> ESTABLISHED;
 * responder: NEW -> INIT_DONE (half-open) -> ESTABLISHED; then DELETING
 * (our Delete is outstanding) and CLOSED (keys wiped, about to be freed).
 * Rekeying (RFC 7296 2.18): ESTABLISHED -> REKEYING while our
 * CREATE_CHILD_SA for a new IKE SA is outstanding (back to ESTABLISHED when
 * it fails), REKEYED once a new IKE SA took over its CHILD_SAs (then
 * DELETING or CLOSED); the new IKE SA goes NEW -> ESTABLISHED directly.
 */
enum ike_state {
	IKE_STATE_NEW,
	IKE_STATE_INIT_SENT,
	IKE_STATE_INIT_DONE,
	IKE_STATE_AUTH_SENT,
	IKE_STATE_ESTABLISHED,
	IKE_STATE_REKEYING,
	IKE_STATE_REKEYED,
	IKE_STATE_DELETING,
	IKE_STATE_CLOSED,
	IKE_STATE_COUNT
};

/* What our outstanding request is for (what to do when it fails). */
enum ike_req_kind {
	REQ_NONE,
	REQ_SA_INIT,
	REQ_AUTH,
	REQ_DELETE_IKE,
	REQ_DPD,
	REQ_REKEY_CHILD,	/* CREATE_CHILD_SA with REKEY_SA */
	REQ_REKEY_IKE,		/* CREATE_CHILD_SA for a new IKE SA */
	REQ_DELETE_CHILD,	/* INFORMATIONAL Delete of an ESP SA pair */
	REQ_AUTH_FAILED,	/* INFORMATIONAL AUTHENTICATION_FAILED to the responder */
};

#define IKE_MAX_CHILD	4	/* CHILD_SAs of one IKE SA, rekey overlap included */

/*
 * CHILD_SA states: FREE (slot unused, nothing in the kernel), INBOUND (its
 * inbound SA is in the kernel, its outbound SA not yet: between the two
 * steps of an install, or, as responder of a rekey, until the peer deletes
 * the pair it replaces), INSTALLED (both SAs in the kernel), REKEYING (our
 * CREATE_CHILD_SA replacing it is outstanding), REKEYED (replaced or
 * redundant: waiting for the Delete exchange), DELETING (our Delete of it
 * is outstanding). Changes go through child_set_state() (state.c).
 *
 * Whether the device sends with its outbound SA is not part of the state:
 * the device has one outbound SA, recorded per device (child_out_active()).
 */
enum child_state {
	CHILD_FREE,
	CHILD_INBOUND,
	CHILD_INSTALLED,
	CHILD_REKEYING,
	CHILD_REKEYED,
	CHILD_DELETING,
	CHILD_STATE_COUNT
};

/**
 * struct child_sa - a CHILD_SA of an IKE SA (one pair of ESP SAs)
 * @state: CHILD_FREE when the slot is unused; CHILD_INBOUND with @replaces
 *	set: responder of a rekey, the outbound SA goes in when the peer
 *	deletes the SA pair this one replaces (or at @out_at)
 * @replaces: inbound SPI of the CHILD_SA this one rekeyed (0: none)
 * @created: when it was installed (ms)
 * @rekey_at: when to rekey it (ms, 0: never)
 * @expire_at: hard expiry: removed without rekey (ms, 0: never)
 * @out_at: CHILD_INBOUND: latest time to install the outbound SA (ms)
 * @delete_at: REKEYED by us: when to (re)try our Delete of it (ms, 0: the
 *	peer deletes it)
 * @rekeys: how many times the CHILD_SA of this connection was rekeyed
 * @nonce_min: lowest nonce of the exchange that created it (2.8.1)
 * @nonce_min_len: octets in @nonce_min
 * @spi_in: our inbound SPI (host order), allocated by us
 * @spi_out: the peer's inbound SPI, our outbound
 * @alg: kernel AEAD name
 * @prop: the chosen ESP proposal
 * @keylen: octets of key plus salt per direction
 * @icv_bits: ICV length
 * @esn: extended sequence numbers negotiated
 * @key_in: inbound key and salt
 * @key_out: outbound key and salt
 * @ts_local: negotiated local selectors
 * @nts_local: entries in @ts_local
 * @ts_remote: negotiated remote selectors
 * @nts_remote: entries in @ts_remote
 */
struct child_sa {
	enum child_state state;
	uint32_t replaces;
	uint64_t created, rekey_at, expire_at, out_at, delete_at;
	unsigned int rekeys;
	uint8_t nonce_min[IKE_NONCE_MAX];
	size_t nonce_min_len;
	uint32_t spi_in, spi_out;
	const char *alg;
	struct ike_proposal prop;
	size_t keylen;
	uint32_t icv_bits;
	bool esn;
	uint8_t key_in[36], key_out[36];
	struct ts_prefix ts_local[CONF_MAX_TS];
	unsigned int nts_local;
	struct ts_prefix ts_remote[CONF_MAX_TS];
	unsigned int nts_remote;
};

/**
 * struct rekey_pend - our outstanding CREATE_CHILD_SA request
 * @dh: our DH key pair (IKE rekey, or CHILD rekey with PFS), else NULL
 * @dh_group: its group
 * @nonce: our nonce
 * @nonce_len: octets in @nonce
 * @old_spi: CHILD rekey: inbound SPI of the CHILD_SA being rekeyed
 * @new_spi: CHILD rekey: inbound SPI we offered for the new one
 * @new_sa: IKE rekey: id of the new IKE SA (state NEW until answered)
 * @coll_spi: CHILD rekey collision: inbound SPI of the CHILD_SA the peer's
 *	rekey of the same CHILD_SA created (0: no collision)
 * @coll_sa: IKE rekey collision: id of the IKE SA the peer's rekey
 *	created (0: none)
 * @del_spi: REQ_DELETE_CHILD: inbound SPI we asked the peer to delete
 * @tries: INVALID_KE_PAYLOAD retries
 */
struct rekey_pend {
	struct ike_dh *dh;
	uint16_t dh_group;
	uint8_t nonce[IKE_NONCE_MAX];
	size_t nonce_len;
	uint32_t old_spi, new_spi;
	unsigned int new_sa;
	uint32_t coll_spi;
	unsigned int coll_sa;
	uint32_t del_spi;
	unsigned int tries;
};

/**
 * struct msgbuf - a message kept for retransmission or as cached response
 * @buf: heap copy, NULL when none
 * @len: its length
 */
struct msgbuf {
	uint8_t *buf;
	size_t len;
};

/**
 * struct ike_sa - one IKE SA
 * @id: unique number for logs and the control socket
 * @conn: its connection
 * @initiator: we are the original initiator
 * @state: current state (change only with ike_sa_set_state)
 * @spi_i: initiator's SPI
 * @spi_r: responder's SPI
 * @local: our address and port
 * @remote: the peer's address and port
 * @fd: socket the SA talks on
 * @prop: chosen IKE proposal
 * @prf: its PRF
 * @dh: our DH key pair until the shared secret is computed
 * @dh_group: the group of @dh / of the KE we sent
 * @ni: initiator's nonce
 * @ni_len: octets in @ni
 * @nr: responder's nonce
 * @nr_len: octets in @nr
 * @init_req: the IKE_SA_INIT request (signed by the initiator's AUTH)
 * @init_resp: the IKE_SA_INIT response (signed by the responder's AUTH)
 * @cookie: responder's cookie to send back
 * @cookie_len: octets in @cookie (0: none)
 * @init_tries: IKE_SA_INIT restarts (COOKIE, INVALID_KE_PAYLOAD)
 * @peer_hashes: IKE_HASH_BIT mask of the peer's SIGNATURE_HASH_ALGORITHMS
 * @peer_hashes_sent: the peer sent SIGNATURE_HASH_ALGORITHMS (RFC 7427):
 *	our AUTH uses Digital Signature (14), else the older methods
 * @peer_certreq: the peer sent a CERTREQ (send_cert ifasked)
 * @frag: both sides sent IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 2.3):
 *	messages after IKE_SA_INIT larger than the path allows go as SKF
 *	fragments, and SKF fragments are accepted
 * @frag_rx: messages being reassembled: [0] the peer's request, [1] the
 *	response to ours
 * @frags_sent: fragments sent (first transmissions)
 * @frags_rcvd: fragments received that passed their integrity check
 * @keys: SK_* (wiped at close)
 * @sk_out: protects what we send
 * @sk_in: opens what we receive
 * @nat_local: we are behind a NAT
 * @nat_remote: the peer is behind a NAT
 * @req_next: message ID of our next request
 * @peer_next: message ID expected in the peer's next request
 * @req: our outstanding request
 * @req_msgid: its message ID
 * @req_kind: what it is for
 * @req_tries: retransmissions so far
 * @req_timeout: current retransmission timeout (ms)
 * @rtx_timer: retransmission timer
 * @resp: our last response (for duplicate requests)
 * @resp_msgid: its message ID
 * @child: the CHILD_SAs (slots in state CHILD_FREE are unused)
 * @pend: state of our outstanding CREATE_CHILD_SA or child Delete
 * @rekeyed_to: id of the IKE SA that replaced this one (0: none)
 * @nonce_min: IKE SA created by a rekey: lowest nonce of that exchange
 * @nonce_min_len: octets in @nonce_min
 * @rekey_at: when to rekey the IKE SA (ms, 0: never)
 * @expire_at: when to delete it if it was not rekeyed (ms, 0: never)
 * @child_timer: fires at the earliest deadline of a CHILD_SA
 * @last_rx: when the peer last sent an authenticated message (ms)
 * @established_at: when the SA became ESTABLISHED (ms, timer_now(); 0: not yet)
 * @dpd_timer: liveness check timer
 * @life_timer: half-open timeout, later IKE SA rekey and expiry
 * @dead: closed, to be freed by ike_sa_reap()
 * @next: table link
 */
struct ike_sa {
	unsigned int id;
	struct conn *conn;
	bool initiator;
	enum ike_state state;
	uint8_t spi_i[8], spi_r[8];
	struct sockaddr_storage local, remote;
	int fd;
	struct ike_proposal prop;
	const struct ike_prf_alg *prf;
	struct ike_dh *dh;
	uint16_t dh_group;
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t ni_len, nr_len;
	struct msgbuf init_req, init_resp;
	uint8_t cookie[IKE_COOKIE_MAX];
	size_t cookie_len;
	unsigned int init_tries;
	unsigned int peer_hashes;
	bool peer_hashes_sent, peer_certreq;
	bool frag;
	struct ike_frag_rx frag_rx[2];
	unsigned long frags_sent, frags_rcvd;
	struct ike_keys keys;
	struct ike_sk_ctx sk_out, sk_in;
	bool nat_local, nat_remote;
	uint32_t req_next, peer_next;
	struct msgbuf req;
	uint32_t req_msgid;
	enum ike_req_kind req_kind;
	unsigned int req_tries;
	uint64_t req_timeout;
	struct timer rtx_timer;
	struct msgbuf resp;
	uint32_t resp_msgid;
	struct child_sa child[IKE_MAX_CHILD];
	struct rekey_pend pend;
	unsigned int rekeyed_to;
	uint8_t nonce_min[IKE_NONCE_MAX];
	size_t nonce_min_len;
	uint64_t rekey_at, expire_at;
	struct timer child_timer;
	uint64_t last_rx;
	uint64_t established_at;
	struct timer dpd_timer;
	struct timer life_timer;
	bool dead;
	struct ike_sa *next;
};

/* state.c */
const char *ike_state_name(enum ike_state s);
/*
 * Checked and logged state change; -1 (and no change) if not allowed. The
 * caller must act on a refusal: the compiler enforces that it looks.
 */
int ike_sa_set_state(struct ike_sa *sa, enum ike_state new)
	__attribute__((warn_unused_result));
const char *child_state_name(enum child_state s);
/* Same for a CHILD_SA of @sa. */
int child_set_state(struct ike_sa *sa, struct child_sa *c, enum child_state new)
	__attribute__((warn_unused_result));

/* sa.c */
struct ike_sa *ike_sa_new(struct conn *conn, bool initiator);
/* By our own SPI: spi_i when we initiated, spi_r otherwise. */
struct ike_sa *ike_sa_find(const uint8_t spi[8], bool we_initiated);
/* Responder half-open SA for a retransmitted IKE_SA_INIT. */
struct ike_sa *ike_sa_find_init(const uint8_t spi_i[8], const struct sockaddr_storage *remote);
/*
 * Live (not closed) IKE SA of @conn, or NULL; an established one is
 * preferred over one that is being created by a rekey.
 */
struct ike_sa *ike_sa_of_conn(const struct conn *conn);
struct ike_sa *ike_sa_by_id(unsigned int id);
struct ike_sa *ike_sa_first(void);
unsigned int ike_sa_half_open(void);
/* Remove the CHILD_SAs from the kernel, wipe keys, go to CLOSED. */
void ike_sa_close(struct ike_sa *sa, const char *why);
/* Free closed SAs (called from the main loop, outside handlers). */
void ike_sa_reap(void);
void msgbuf_set(struct msgbuf *mb, const uint8_t *buf, size_t len);
void msgbuf_clear(struct msgbuf *mb);
/* Log line prefix "IKE_SA name[id]". */
#define SA_FMT		"IKE_SA %s[%u]"
#define SA_ARGS(sa)	(sa)->conn->name, (sa)->id

#endif /* ESPIKED_SA_H */
