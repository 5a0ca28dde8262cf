// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_sa_init.c - the IKE_SA_INIT exchange (RFC 7296 1.2) in both roles: SA
 * proposals, KE, nonces, NAT_DETECTION_*_IP (2.23, built and checked by
 * nat.c), COOKIE under load and in answer to the peer's (2.6),
 * INVALID_KE_PAYLOAD with a retry on the group the responder asks for
 * (1.2, 2.7), NO_PROPOSAL_CHOSEN; then SKEYSEED and SK_* (2.14).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "daemon.h"
#include "log.h"
#include "proposal.h"

#define INIT_MAX_TRIES	4	/* COOKIE and INVALID_KE_PAYLOAD restarts */
#define NONCE_LEN	32

/* SKEYSEED, SK_* and the SK contexts for both directions (2.14). */
static int derive(struct ike_sa *sa, const uint8_t *gir, size_t girlen)
{
	const struct ike_transform *encr = ike_proposal_get(&sa->prop, IKE_XF_ENCR);
	const struct ike_transform *prf = ike_proposal_get(&sa->prop, IKE_XF_PRF);
	const struct ike_transform *integ = ike_proposal_get(&sa->prop, IKE_XF_INTEG);
	uint16_t integ_id = integ ? integ->id : IKE_INTEG_NONE;
	uint8_t skeyseed[IKE_PRF_MAX_LEN];
	struct ike_err err = { 0 };
	size_t elen, alen;
	int ret = -1;

	sa->prf = prf ? ike_prf_get(prf->id) : NULL;
	if (!encr || !sa->prf) {
		log_err(SA_FMT " chosen proposal lacks an ENCR or a supported PRF", SA_ARGS(sa));
		return -1;
	}
	elen = ike_sk_encr_key_len(encr->id, encr->keylen);
	alen = integ_id == IKE_INTEG_NONE ? 0 : ike_sk_integ_key_len(integ_id);
	if (ike_skeyseed(sa->prf, sa->ni, sa->ni_len, sa->nr, sa->nr_len, gir, girlen, skeyseed) ||
	    ike_derive_keys(sa->prf, skeyseed, sa->ni, sa->ni_len, sa->nr, sa->nr_len, sa->spi_i,
			    sa->spi_r, alen, elen, &sa->keys)) {
		log_err(SA_FMT " key derivation failed", SA_ARGS(sa));
		goto wipe;
	}
	if (ike_sk_init(&sa->sk_out, encr->id, encr->keylen, integ_id,
			sa->initiator ? sa->keys.sk_ei : sa->keys.sk_er, elen,
			sa->initiator ? sa->keys.sk_ai : sa->keys.sk_ar, alen, &err) ||
	    ike_sk_init(&sa->sk_in, encr->id, encr->keylen, integ_id,
			sa->initiator ? sa->keys.sk_er : sa->keys.sk_ei, elen,
			sa->initiator ? sa->keys.sk_ar : sa->keys.sk_ai, alen, &err)) {
		log_err(SA_FMT " %s", SA_ARGS(sa), err.msg);
		goto wipe;
	}
	ret = 0;
wipe:
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	return ret;
}

/* Our DH public value and the shared secret with @m's KE, then derive. */
static int dh_finish(struct ike_sa *sa, const struct ike_msg *m)
{
	uint8_t gir[IKE_DH_MAX_SHARED];
	char err[200];
	long n;
	int ret;

	n = ike_dh_shared(sa->dh, m->ke.data.p, m->ke.data.len, gir, sizeof(gir), err, sizeof(err));
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	if (n < 0) {
		log_warn(SA_FMT " peer's KE payload (group %s) rejected: %s", SA_ARGS(sa),
			 ike_dh_name(m->ke.group) ? ike_dh_name(m->ke.group) : "?", err);
		return -1;
	}
	ret = derive(sa, gir, (size_t)n);
	OPENSSL_cleanse(gir, sizeof(gir));
	return ret;
}

/* Build and send our IKE_SA_INIT request (again after COOKIE/INVALID_KE). */
static int send_init(struct ike_sa *sa)
{
	uint8_t buf[IKE_BUF_MAX], pub[IKE_DH_MAX_PUB];
	struct ike_builder b;
	struct ike_hdr h;
	long publen, len;

	memset(&h, 0, sizeof(h));
	memcpy(h.spi_i, sa->spi_i, 8);
	h.exchange = IKE_EXCH_SA_INIT;
	h.flags = IKE_FLAG_INITIATOR;
	ike_build_init(&b, buf, sizeof(buf), &h);
	if (sa->cookie_len) {
		struct ike_notify n = { .type = IKE_N_COOKIE };

		n.data.p = sa->cookie;
		n.data.len = sa->cookie_len;
		ike_build_notify(&b, &n);	/* first payload (2.6) */
	}
	publen = ike_dh_public(sa->dh, pub, sizeof(pub));
	ike_build_sa(&b, &sa->conn->ike);
	ike_build_ke(&b, sa->dh_group, pub, publen < 0 ? 0 : (size_t)publen);
	ike_build_nonce(&b, sa->ni, sa->ni_len);
	nat_notify_add(&b, sa);
	auth_cert_init_add(sa, &b);
	exch_frag_init_add(&b, sa);
	len = ike_build_finish(&b);
	if (publen < 0 || len < 0) {
		log_err(SA_FMT " IKE_SA_INIT request could not be built", SA_ARGS(sa));
		return -1;
	}
	msgbuf_set(&sa->init_req, buf, (size_t)len);
	net_request_done(sa);
	return net_request(sa, buf, (size_t)len, 0, REQ_SA_INIT);
}

static int new_dh(struct ike_sa *sa, uint16_t group)
{
	char err[200];

	ike_dh_free(sa->dh);
	sa->dh = ike_dh_new(group, err, sizeof(err));
	sa->dh_group = group;
	if (!sa->dh)
		log_err(SA_FMT " DH group %u: %s", SA_ARGS(sa), group, err);
	return sa->dh ? 0 : -1;
}

int init_start(struct conn *conn)
{
	const struct ike_transform *dh = ike_proposal_get(&conn->ike.prop[0], IKE_XF_DH);
	struct ike_sa *sa;

	if ((sa = ike_sa_of_conn(conn))) {
		log_info("conn %s: IKE_SA [%u] already exists (%s)", conn->name, sa->id,
			 ike_state_name(sa->state));
		return -1;
	}
	sa = ike_sa_new(conn, true);
	if (!sa) {
		log_err("conn %s: cannot create an IKE SA", conn->name);
		return -1;
	}
	sa->local = conn->local;
	addr_set_port(&sa->local, ikd.conf->ike_port);
	sa->remote = conn->remote;
	addr_set_port(&sa->remote, conn->remote_port);
	sa->fd = net_ike_fd(conn->remote.ss_family);
	sa->req_next = 1;
	sa->ni_len = NONCE_LEN;
	if (!dh || RAND_bytes(sa->ni, NONCE_LEN) != 1 || new_dh(sa, dh->id) || send_init(sa)) {
		ike_sa_close(sa, "IKE_SA_INIT request could not be sent");
		return -1;
	}
	{
		char a[64];

		addr_format(&sa->remote, true, a, sizeof(a));
		log_info(SA_FMT " initiating to %s, IKE proposals %s", SA_ARGS(sa), a,
			 conn->ike_str);
	}
	return ike_sa_set_state(sa, IKE_STATE_INIT_SENT);
}


/*
 * Responder.
 */

/*
 * A reply that keeps no state: COOKIE, INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN,
 * UNSUPPORTED_CRITICAL_PAYLOAD, INVALID_MAJOR_VERSION; always version 2.0.
 */
static void reply_notify(int fd, const struct sockaddr_storage *local,
			 const struct sockaddr_storage *remote, const struct ike_hdr *req,
			 uint16_t type, const uint8_t *data, size_t len)
{
	uint8_t buf[256];
	struct ike_builder b;
	struct ike_hdr h;
	struct ike_notify n = { .type = type };
	long mlen;

	memset(&h, 0, sizeof(h));
	memcpy(h.spi_i, req->spi_i, 8);
	h.version = IKE_VERSION_2;
	h.exchange = IKE_EXCH_SA_INIT;
	h.flags = IKE_FLAG_RESPONSE;
	ike_build_init(&b, buf, sizeof(buf), &h);
	n.data.p = data;
	n.data.len = len;
	ike_build_notify(&b, &n);
	mlen = ike_build_finish(&b);
	if (mlen > 0)
		net_send(fd, local, remote, buf, (size_t)mlen);
}

/* COOKIE = prf(secret, Ni | IPi | SPIi) (RFC 7296 2.6). */
static void cookie_make(const struct ike_msg *m, const struct sockaddr_storage *remote,
			uint8_t out[IKE_PRF_MAX_LEN], size_t *len)
{
	const struct ike_prf_alg *prf = ike_prf_get(IKE_PRF_HMAC_SHA2_256);
	uint8_t data[IKE_NONCE_MAX + 16 + 8];
	size_t alen, off = 0;
	const uint8_t *a = addr_bytes(remote, &alen);

	memcpy(data, m->nonce.p, m->nonce.len);
	off += m->nonce.len;
	memcpy(data + off, a, alen);
	off += alen;
	memcpy(data + off, m->hdr.spi_i, 8);
	off += 8;
	ike_prf(prf, ikd.cookie_secret, sizeof(ikd.cookie_secret), data, off, out);
	*len = prf->len;
}

/* The connection for a peer: same addresses, the peer's port preferred. */
static struct conn *conn_for(const struct sockaddr_storage *local,
			     const struct sockaddr_storage *remote)
{
	struct conn *best = NULL;

	for (struct conn *cn = ikd.conf->conns; cn; cn = cn->next) {
		if (!addr_equal(&cn->remote, remote, false) ||
		    (local->ss_family && !addr_equal(&cn->local, local, false)))
			continue;
		if (cn->remote_port == addr_port(remote))
			return cn;
		if (!best)
			best = cn;
	}
	return best;
}

/*
 * Responder, step 1: a request that does not parse is dropped; two of the
 * errors are answered (RFC 7296 2.5) when a connection is configured for
 * the sender.
 */
static void init_unparsed(int fd, const struct sockaddr_storage *local,
			  const struct sockaddr_storage *remote, const struct ike_msg *m,
			  const struct ike_err *err, const char *a)
{
	static const uint8_t zero[8];

	log_warn("IKE_SA_INIT from %s dropped: %s", a, err->msg);
	if (!err->notify || m->hdr.msgid != 0 || !(m->hdr.flags & IKE_FLAG_INITIATOR) ||
	    !conn_for(local, remote))
		return;
	/* RFC 7296 2.5: the answer names the unknown critical payload type. */
	if (err->notify == IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD) {
		log_info("IKE_SA_INIT from %s: answering UNSUPPORTED_CRITICAL_PAYLOAD (type %u)",
			 a, err->data);
		reply_notify(fd, local, remote, &m->hdr, err->notify, &err->data, 1);
	}
	/*
	 * 2.5: a higher major version is dropped and answered with
	 * INVALID_MAJOR_VERSION; the reply's header (2.0) gives ours.
	 */
	if (err->notify == IKE_N_INVALID_MAJOR_VERSION && m->hdr.version >> 4 > 2 &&
	    memcmp(m->hdr.spi_i, zero, 8)) {
		log_info("IKE_SA_INIT from %s: version %u.%u, answering INVALID_MAJOR_VERSION (we speak 2.0)",
			 a, m->hdr.version >> 4, m->hdr.version & 0xf);
		reply_notify(fd, local, remote, &m->hdr, err->notify, NULL, 0);
	}
}

/* Step 2: the header and payloads of a first request, and its connection. */
static struct conn *init_request_conn(const struct sockaddr_storage *local,
				      const struct sockaddr_storage *remote,
				      const struct ike_msg *m, const char *a)
{
	static const uint8_t zero[8];
	struct conn *cn;

	if (memcmp(m->hdr.spi_r, zero, 8) || m->hdr.msgid != 0 ||
	    !(m->hdr.flags & IKE_FLAG_INITIATOR)) {
		log_warn("IKE_SA_INIT from %s dropped: responder SPI, message ID or Initiator flag wrong for a first request",
			 a);
		return NULL;
	}
	if (!(m->present & IKE_HAS(IKE_PL_SA)) || !(m->present & IKE_HAS(IKE_PL_KE)) ||
	    !(m->present & IKE_HAS(IKE_PL_NONCE))) {
		log_warn("IKE_SA_INIT from %s dropped: SA, KE and Nonce payloads are required", a);
		return NULL;
	}
	cn = conn_for(local, remote);
	if (!cn)
		log_warn("IKE_SA_INIT from %s dropped: no connection configured for this peer", a);
	return cn;
}

/*
 * Step 3: under load, only a request that returns our COOKIE (2.6), and
 * never more than half_open_max half-open IKE SAs. True to go on.
 */
static bool init_admit(int fd, const struct sockaddr_storage *local,
		       const struct sockaddr_storage *remote, const struct ike_msg *m,
		       const struct conn *cn, const char *a)
{
	uint8_t cookie[IKE_PRF_MAX_LEN];
	const struct ike_notify *cn_cookie;
	size_t clen;

	if (ike_sa_half_open() >= ikd.conf->cookie_threshold) {
		cookie_make(m, remote, cookie, &clen);
		cn_cookie = ike_msg_notify(m, IKE_N_COOKIE);
		if (!cn_cookie || cn_cookie->data.len != clen ||
		    ike_memeq_ct(cn_cookie->data.p, cookie, clen)) {
			log_info("conn %s: IKE_SA_INIT from %s %s a COOKIE (%u half-open IKE SAs, threshold %u): sending one",
				 cn->name, a, cn_cookie ? "with a wrong" : "without", ike_sa_half_open(),
				 ikd.conf->cookie_threshold);
			reply_notify(fd, local, remote, &m->hdr, IKE_N_COOKIE, cookie, clen);
			return false;
		}
	}
	if (ike_sa_half_open() >= ikd.conf->half_open_max) {
		log_warn("conn %s: IKE_SA_INIT from %s dropped: %u half-open IKE SAs (half_open_max)",
			 cn->name, a, ike_sa_half_open());
		return false;
	}
	return true;
}

/*
 * Step 4: our choice among the proposals, which the KE payload's group must
 * match (else INVALID_KE_PAYLOAD naming ours), and the nonce's length.
 * Returns the DH group, 0 when refused (answered or logged).
 */
static uint16_t init_choose(int fd, const struct sockaddr_storage *local,
			    const struct sockaddr_storage *remote, const struct ike_msg *m,
			    struct conn *cn, const char *a, struct ike_proposal *chosen)
{
	const struct ike_transform *dh;
	char e[600];

	if (ike_proposal_select(&cn->ike, &m->sa, 0, chosen, e, sizeof(e))) {
		conn_failure(cn, "conn %s: IKE_SA_INIT from %s: NO_PROPOSAL_CHOSEN: %s", cn->name, a, e);
		reply_notify(fd, local, remote, &m->hdr, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return 0;
	}
	dh = ike_proposal_get(chosen, IKE_XF_DH);
	if (!dh || dh->id != m->ke.group) {
		uint8_t g[2] = { dh ? dh->id >> 8 : 0, dh ? dh->id & 0xff : 0 };

		log_info("conn %s: IKE_SA_INIT from %s: KE payload of group %s but we chose %s: INVALID_KE_PAYLOAD",
			 cn->name, a, ike_dh_name(m->ke.group) ? ike_dh_name(m->ke.group) : "?",
			 dh && ike_dh_name(dh->id) ? ike_dh_name(dh->id) : "none");
		reply_notify(fd, local, remote, &m->hdr, IKE_N_INVALID_KE_PAYLOAD, g, 2);
		return 0;
	}
	if (m->nonce.len < IKE_NONCE_MIN || m->nonce.len > IKE_NONCE_MAX) {
		log_warn("conn %s: IKE_SA_INIT from %s dropped: nonce of %zu octets", cn->name, a,
			 m->nonce.len);
		return 0;
	}
	return dh->id;
}

/*
 * Step 5: our answer (SA, KE with our public value @pub, Nonce, NAT
 * detection), kept and sent.
 */
static void init_answer(struct ike_sa *sa, const uint8_t *pub, size_t publen, const char *a)
{
	uint8_t out[IKE_BUF_MAX];
	struct ike_sa_payload sap;
	struct ike_builder b;
	struct ike_hdr h;
	char prop[128];
	long mlen;

	memset(&h, 0, sizeof(h));
	memcpy(h.spi_i, sa->spi_i, 8);
	memcpy(h.spi_r, sa->spi_r, 8);
	h.exchange = IKE_EXCH_SA_INIT;
	h.flags = IKE_FLAG_RESPONSE;
	ike_build_init(&b, out, sizeof(out), &h);
	sap.nprops = 1;
	sap.prop[0] = sa->prop;
	sap.prop[0].spi_size = 0;
	ike_build_sa(&b, &sap);
	ike_build_ke(&b, sa->dh_group, pub, publen);
	ike_build_nonce(&b, sa->nr, sa->nr_len);
	nat_notify_add(&b, sa);
	auth_cert_init_add(sa, &b);
	exch_frag_init_add(&b, sa);
	mlen = ike_build_finish(&b);
	if (mlen < 0) {
		ike_sa_close(sa, "IKE_SA_INIT response could not be built");
		return;
	}
	msgbuf_set(&sa->init_resp, out, (size_t)mlen);
	ike_proposal_format(&sa->prop, prop, sizeof(prop));
	log_info(SA_FMT " IKE_SA_INIT from %s: chose %s", SA_ARGS(sa), a, prop);
	if (ike_sa_set_state(sa, IKE_STATE_INIT_DONE) == 0)
		net_respond(sa, out, (size_t)mlen, 0);
}

void init_request(int fd, const struct sockaddr_storage *local,
		  const struct sockaddr_storage *remote, const uint8_t *buf, size_t len)
{
	static const uint8_t zero[8];
	uint8_t pub[IKE_DH_MAX_PUB];
	struct ike_err err = { 0 };
	struct ike_proposal chosen;
	struct ike_msg m;
	struct ike_sa *sa;
	struct conn *cn;
	uint16_t group;
	long publen;
	char a[64];

	addr_format(remote, true, a, sizeof(a));
	if (ike_msg_parse(buf, len, &m, &err)) {
		init_unparsed(fd, local, remote, &m, &err, a);
		return;
	}
	cn = init_request_conn(local, remote, &m, a);
	if (!cn || !init_admit(fd, local, remote, &m, cn, a))
		return;
	group = init_choose(fd, local, remote, &m, cn, a, &chosen);
	if (!group)
		return;
	sa = ike_sa_new(cn, false);
	if (!sa) {
		log_err("conn %s: cannot create an IKE SA", cn->name);
		return;
	}
	memcpy(sa->spi_i, m.hdr.spi_i, 8);
	sa->local = *local;
	sa->remote = *remote;
	sa->fd = fd;
	sa->prop = chosen;
	sa->peer_next = 1;
	memcpy(sa->ni, m.nonce.p, m.nonce.len);
	sa->ni_len = m.nonce.len;
	sa->nr_len = NONCE_LEN;
	/* dh_finish() frees our key pair: its public value is taken first. */
	if (RAND_bytes(sa->nr, NONCE_LEN) != 1 || new_dh(sa, group) ||
	    (publen = ike_dh_public(sa->dh, pub, sizeof(pub))) < 0 || dh_finish(sa, &m)) {
		ike_sa_close(sa, "IKE_SA_INIT could not be answered");
		return;
	}
	nat_detect(sa, &m, zero);
	auth_cert_peer(sa, &m);
	exch_frag_init_peer(sa, &m);
	msgbuf_set(&sa->init_req, buf, len);
	init_answer(sa, pub, (size_t)publen, a);
}

/*
 * Initiator: the responder's answer.
 */

static bool our_group(const struct conn *cn, uint16_t group)
{
	for (unsigned int i = 0; i < cn->ike.nprops; i++)
		for (unsigned int j = 0; j < cn->ike.prop[i].ntransforms; j++)
			if (cn->ike.prop[i].xf[j].type == IKE_XF_DH &&
			    cn->ike.prop[i].xf[j].id == group)
				return true;
	return false;
}

/* COOKIE or INVALID_KE_PAYLOAD: start over. 1 when handled. */
static int init_restart(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_notify *n;

	if ((n = ike_msg_notify(m, IKE_N_COOKIE))) {
		if (!n->data.len || n->data.len > IKE_COOKIE_MAX || ++sa->init_tries > INIT_MAX_TRIES) {
			ike_sa_close(sa, "responder's COOKIE is invalid or keeps changing");
			return 1;
		}
		memcpy(sa->cookie, n->data.p, n->data.len);
		sa->cookie_len = n->data.len;
		log_info(SA_FMT " responder asked for a COOKIE: retrying IKE_SA_INIT with it",
			 SA_ARGS(sa));
		if (send_init(sa))
			ike_sa_close(sa, "IKE_SA_INIT could not be re-sent");
		return 1;
	}
	if ((n = ike_msg_notify(m, IKE_N_INVALID_KE_PAYLOAD))) {
		uint16_t g = n->data.len == 2 ? (uint16_t)(n->data.p[0] << 8 | n->data.p[1]) : 0;

		if (!our_group(sa->conn, g) || g == sa->dh_group || ++sa->init_tries > INIT_MAX_TRIES) {
			log_warn(SA_FMT " responder wants DH group %u (%s), we sent %s and propose %s",
				 SA_ARGS(sa), g, ike_dh_name(g) ? ike_dh_name(g) : "?",
				 ike_dh_name(sa->dh_group), sa->conn->ike_str);
			ike_sa_close(sa, "INVALID_KE_PAYLOAD for a group we cannot use");
			return 1;
		}
		log_info(SA_FMT " INVALID_KE_PAYLOAD: responder wants %s instead of %s, retrying",
			 SA_ARGS(sa), ike_dh_name(g), ike_dh_name(sa->dh_group));
		if (new_dh(sa, g) || send_init(sa))
			ike_sa_close(sa, "IKE_SA_INIT could not be re-sent");
		return 1;
	}
	return 0;
}

void init_response(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	struct ike_msg m;
	static const uint8_t zero[8];
	const struct ike_transform *dh;
	struct ike_err err = { 0 };
	char e[400], prop[128];
	uint16_t notify;

	if (ike_msg_parse(buf, len, &m, &err)) {
		log_warn(SA_FMT " IKE_SA_INIT response dropped: %s", SA_ARGS(sa), err.msg);
		return;
	}
	if (init_restart(sa, &m))
		return;
	notify = exch_error_notify(sa, &m, "IKE_SA_INIT");
	if (notify) {
		if (notify == IKE_N_NO_PROPOSAL_CHOSEN)
			conn_failure(sa->conn, SA_FMT " IKE_SA_INIT: NO_PROPOSAL_CHOSEN: responder accepts none of our IKE proposals %s", SA_ARGS(sa),
				 sa->conn->ike_str);
		ike_sa_close(sa, "IKE_SA_INIT rejected by the responder");
		return;
	}
	if (!(m.present & IKE_HAS(IKE_PL_SA)) || !(m.present & IKE_HAS(IKE_PL_KE)) ||
	    !(m.present & IKE_HAS(IKE_PL_NONCE)) || !memcmp(m.hdr.spi_r, zero, 8) ||
	    m.nonce.len < IKE_NONCE_MIN || m.nonce.len > IKE_NONCE_MAX) {
		log_warn(SA_FMT " IKE_SA_INIT response dropped: needs SA, KE, a nonce of 16 to 256 octets and a responder SPI",
			 SA_ARGS(sa));
		return;
	}
	if (ike_proposal_check_answer(&sa->conn->ike, &m.sa, 0, e, sizeof(e))) {
		log_warn(SA_FMT " IKE_SA_INIT response: %s", SA_ARGS(sa), e);
		ike_sa_close(sa, "responder chose a proposal we did not offer");
		return;
	}
	sa->prop = m.sa.prop[0];
	dh = ike_proposal_get(&sa->prop, IKE_XF_DH);
	if (!dh || dh->id != sa->dh_group || m.ke.group != sa->dh_group) {
		log_warn(SA_FMT " responder chose DH group %u with a KE of group %u, we sent %u",
			 SA_ARGS(sa), dh ? dh->id : 0, m.ke.group, sa->dh_group);
		ike_sa_close(sa, "DH group mismatch in IKE_SA_INIT");
		return;
	}
	net_request_done(sa);
	memcpy(sa->spi_r, m.hdr.spi_r, 8);
	memcpy(sa->nr, m.nonce.p, m.nonce.len);
	sa->nr_len = m.nonce.len;
	if (dh_finish(sa, &m)) {
		ike_sa_close(sa, "IKE_SA_INIT keys could not be derived");
		return;
	}
	msgbuf_set(&sa->init_resp, buf, len);
	nat_detect(sa, &m, sa->spi_r);
	auth_cert_peer(sa, &m);
	exch_frag_init_peer(sa, &m);
	ike_proposal_format(&sa->prop, prop, sizeof(prop));
	log_info(SA_FMT " IKE_SA_INIT done: responder chose %s", SA_ARGS(sa), prop);
	if (auth_start(sa))
		ike_sa_close(sa, "IKE_AUTH could not be sent");
}
