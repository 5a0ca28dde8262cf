// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * auth.c - the IKE_AUTH exchange (RFC 7296 1.2, 2.15): pre-shared keys
 * here, signatures in auth_cert.c, each end by its own setting (auth for
 * ours, remote_auth for the peer's); and the first CHILD_SA: identities
 * checked against the connection, AUTHENTICATION_FAILED on a wrong key,
 * ESP proposal selection, traffic selectors narrowed by the responder to
 * its policy (2.9) or refused with TS_UNACCEPTABLE. Every refusal is
 * logged with what the peer sent and what we expected.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "daemon.h"
#include "log.h"
#include "sig.h"
#include "proposal.h"

/* RestOfIDPayload: ID type, three reserved octets, data. */
static size_t id_body(const struct ike_ident *id, uint8_t *out)
{
	out[0] = id->type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, id->data, id->len);
	return 4 + id->len;
}

static void id_payload(const struct ike_ident *id, struct ike_id *p)
{
	memset(p, 0, sizeof(*p));
	p->type = id->type;
	p->data.p = id->data;
	p->data.len = id->len;
}

static void id_format(uint8_t type, const struct ike_slice *data, char *buf, size_t len)
{
	struct ike_ident id = { .type = type, .len = data->len };

	if (data->len > sizeof(id.data)) {
		snprintf(buf, len, "(ID type %u, %zu octets)", type, data->len);
		return;
	}
	memcpy(id.data, data->p, data->len);
	conf_ident_format(&id, buf, len);
}

long auth_signed_octets(const struct ike_sa *sa, bool of_initiator, const uint8_t *idb,
			size_t idlen, uint8_t **out)
{
	const struct msgbuf *msg = of_initiator ? &sa->init_req : &sa->init_resp;
	size_t cap = msg->len + IKE_NONCE_MAX + IKE_PRF_MAX_LEN;
	uint8_t *oct;
	long olen;

	*out = NULL;
	if (!msg->buf)
		return -1;
	oct = malloc(cap);
	if (!oct)
		return -1;
	olen = ike_auth_octets(sa->prf, msg->buf, msg->len,
			       of_initiator ? sa->nr : sa->ni, of_initiator ? sa->nr_len : sa->ni_len,
			       of_initiator ? sa->keys.sk_pi : sa->keys.sk_pr, sa->keys.prf_len,
			       idb, idlen, oct, cap);
	if (olen < 0) {
		auth_octets_free(oct, cap);
		return -1;
	}
	*out = oct;
	return olen;
}

void auth_octets_free(uint8_t *oct, size_t len)
{
	if (!oct)
		return;
	OPENSSL_cleanse(oct, len);	/* holds prf(SK_p, ID) */
	free(oct);
}

/*
 * AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <SignedOctets>) of the
 * initiator (@of_initiator) or the responder, into @out (prf->len octets);
 * only for an end that authenticates with the key (ours: auth psk, the
 * peer's: remote_auth psk).
 */
static int auth_psk(struct ike_sa *sa, bool of_initiator, const uint8_t *idb, size_t idlen,
		    uint8_t *out)
{
	enum conn_auth how = of_initiator == sa->initiator ? sa->conn->auth : sa->conn->remote_auth;
	uint8_t *oct;
	long olen;
	int ret;

	if (how != AUTH_PSK || !sa->conn->psk_len)
		return -1;	/* never an empty key, nor one the end does not use */
	olen = auth_signed_octets(sa, of_initiator, idb, idlen, &oct);
	if (olen < 0)
		return -1;
	ret = ike_psk_auth(sa->prf, sa->conn->psk, sa->conn->psk_len, oct, (size_t)olen, out);
	auth_octets_free(oct, (size_t)olen);
	return ret;
}

/* Check the peer's ID and AUTH payloads (and CERTs) in @m; logs why not. */
static int auth_verify(struct ike_sa *sa, const struct ike_msg *m, const struct ike_id *id,
		       const struct ike_slice *body, const struct ike_auth *auth)
{
	uint8_t want[IKE_PRF_MAX_LEN];
	char got[300], exp[300];
	int ret;

	id_format(id->type, &id->data, got, sizeof(got));
	if (!conf_ident_match(&sa->conn->remote_id, id->type, id->data.p, id->data.len)) {
		conf_ident_format(&sa->conn->remote_id, exp, sizeof(exp));
		log_warn(SA_FMT " AUTHENTICATION_FAILED: peer's identity is %s, expected %s",
			 SA_ARGS(sa), got, exp);
		return -1;
	}
	if (sa->conn->remote_auth == AUTH_PUBKEY) {
		if (auth->method == IKE_AUTH_SHARED_KEY_MIC) {
			log_warn(SA_FMT " AUTHENTICATION_FAILED: peer %s used AUTH method %u (shared key), expected a signature (conn %s: remote_auth pubkey)",
				 SA_ARGS(sa), got, auth->method, sa->conn->name);
			return -1;
		}
		return auth_cert_verify(sa, m, id, body, auth, got);
	}
	if (auth->method != IKE_AUTH_SHARED_KEY_MIC) {
		log_warn(SA_FMT " AUTHENTICATION_FAILED: peer %s used AUTH method %u (%s), expected %u (shared key; conn %s: remote_auth psk)",
			 SA_ARGS(sa), got, auth->method, ike_auth_method_name(auth->method),
			 IKE_AUTH_SHARED_KEY_MIC, sa->conn->name);
		return -1;
	}
	if (auth_psk(sa, !sa->initiator, body->p, body->len, want)) {
		log_err(SA_FMT " AUTH computation failed", SA_ARGS(sa));
		return -1;
	}
	ret = auth->data.len == sa->prf->len && !ike_memeq_ct(auth->data.p, want, sa->prf->len) ?
	      0 : -1;
	OPENSSL_cleanse(want, sizeof(want));
	if (ret)
		log_warn(SA_FMT " AUTHENTICATION_FAILED: the AUTH payload of peer %s does not verify with the pre-shared key of conn %s (the keys differ)",
			 SA_ARGS(sa), got, sa->conn->name);
	else
		log_info(SA_FMT " peer authenticated as %s with the pre-shared key", SA_ARGS(sa), got);
	return ret;
}

/* Our ID and AUTH payloads. */
static int add_id_auth(struct ike_sa *sa, struct ike_builder *b)
{
	uint8_t body[4 + CONF_ID_MAX], auth[IKE_PRF_MAX_LEN];
	size_t blen = id_body(&sa->conn->local_id, body);
	struct ike_id id;
	int ret;

	id_payload(&sa->conn->local_id, &id);
	if (sa->conn->auth == AUTH_PUBKEY) {
		ike_build_id(b, sa->initiator ? IKE_PL_IDI : IKE_PL_IDR, &id);
		return auth_cert_add(sa, b, body, blen);
	}
	if (auth_psk(sa, sa->initiator, body, blen, auth))
		return -1;
	ike_build_id(b, sa->initiator ? IKE_PL_IDI : IKE_PL_IDR, &id);
	auth_cert_req_add(sa, b);	/* remote_auth pubkey: the initiator asks here */
	ret = ike_build_auth(b, IKE_AUTH_SHARED_KEY_MIC, auth, sa->prf->len);
	OPENSSL_cleanse(auth, sizeof(auth));
	return ret;
}

static void dpd_and_life(struct ike_sa *sa)
{
	rekey_ike_times(sa);	/* half-open timeout off, IKE SA lifetime on */
	info_dpd_start(sa);
}

/*
 * Another live IKE SA between the same identities as @sa, or NULL: of its
 * connection, or of another one with our identity towards the same peer
 * address (several connections to one peer, one device each). INITIAL_CONTACT
 * would tell the peer to close those (RFC 7296 2.4), and a peer that keeps
 * one IKE SA per identity pair (strongSwan) does.
 */
static struct ike_sa *auth_sibling(const struct ike_sa *sa)
{
	const struct ike_ident *me = &sa->conn->local_id;

	for (struct ike_sa *o = ike_sa_first(); o; o = o->next) {
		const struct ike_ident *id = &o->conn->local_id;

		if (o == sa || o->dead)
			continue;
		if (o->conn == sa->conn)
			return o;
		if (id->type == me->type && id->len == me->len &&
		    !memcmp(id->data, me->data, me->len) && addr_equal(&o->remote, &sa->remote, false))
			return o;
	}
	return NULL;
}

/*
 * Responder: the peer says that this is its only IKE SA with us (RFC 7296
 * 2.4, INITIAL_CONTACT, sent after a restart): the IKE SAs of the
 * connection left from before are closed at once, with their CHILD_SAs,
 * instead of waiting for dead peer detection.
 */
static void auth_initial_contact(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_sa *o;
	bool found = false;

	for (unsigned int i = 0; i < m->nnotify; i++)
		found |= m->notify[i].type == IKE_N_INITIAL_CONTACT;
	if (!found)
		return;
	/* Established ones only: an exchange of ours still in progress stays. */
	for (o = ike_sa_first(); o; o = o->next) {
		if (o == sa || o->dead || o->conn != sa->conn || o->state < IKE_STATE_ESTABLISHED)
			continue;
		log_info(SA_FMT " INITIAL_CONTACT: the peer holds no other IKE SA; closing IKE_SA [%u]",
			 SA_ARGS(sa), o->id);
		ike_sa_close(o, "replaced after the peer's INITIAL_CONTACT");
	}
}

int auth_start(struct ike_sa *sa)
{
	uint8_t chain[IKE_BUF_MAX];
	struct ike_builder b;
	struct ike_sa_payload sap;
	struct ike_ts_payload tsi, tsr;
	struct ike_id idr;

	sa->child[0].spi_in = child_spi_alloc();
	if (!sa->child[0].spi_in)
		return -1;
	ike_build_chain(&b, chain, sizeof(chain));
	if (add_id_auth(sa, &b))
		return -1;
	/* Our only IKE SA with this peer: it may drop what it kept of older ones. */
	if (!auth_sibling(sa)) {
		struct ike_notify ic = { .type = IKE_N_INITIAL_CONTACT };

		ike_build_notify(&b, &ic);
	}
	/* IDr names the identity we want; a wildcard names none */
	if (!sa->conn->remote_id.any && !sa->conn->remote_id.pattern) {
		id_payload(&sa->conn->remote_id, &idr);
		ike_build_id(&b, IKE_PL_IDR, &idr);
	}
	child_proposals(sa->conn, sa->child[0].spi_in, true, &sap);
	ike_build_sa(&b, &sap);
	ts_from_prefixes(sa->conn->local_ts, sa->conn->nlocal_ts, &tsi);
	ts_from_prefixes(sa->conn->remote_ts, sa->conn->nremote_ts, &tsr);
	ike_build_ts(&b, IKE_PL_TSI, &tsi);
	ike_build_ts(&b, IKE_PL_TSR, &tsr);
	/* The responder may send ESP before its answer reaches us. */
	child_reserve_in(sa, sa->child[0].spi_in);
	if (exch_request(sa, IKE_EXCH_AUTH, &b, REQ_AUTH))
		return -1;
	return ike_sa_set_state(sa, IKE_STATE_AUTH_SENT);
}

/*
 * Responder: choose the CHILD_SA for the request @m; adds SA, TSi, TSr or an
 * error Notify to @b.
 */
static void child_respond(struct ike_sa *sa, const struct ike_msg *m, struct ike_builder *b)
{
	struct child_sa *c = &sa->child[0];	/* the first CHILD_SA */
	struct ike_notify n = { 0 };
	struct ike_ts_payload tsi, tsr;
	struct ike_sa_payload sap;
	char e[600], a1[600], a2[600], p1[600], p2[600];
	uint32_t be;

	if (!(m->present & IKE_HAS(IKE_PL_SA)) || !(m->present & IKE_HAS(IKE_PL_TSI)) ||
	    !(m->present & IKE_HAS(IKE_PL_TSR))) {
		log_info(SA_FMT " IKE_AUTH without SA, TSi and TSr: no CHILD_SA", SA_ARGS(sa));
		return;
	}
	if (ike_proposal_select(&sa->conn->esp, &m->sa, IKE_SEL_IGNORE_DH, &c->prop, e, sizeof(e))) {
		conn_failure(sa->conn, SA_FMT " CHILD_SA: NO_PROPOSAL_CHOSEN: ESP %s", SA_ARGS(sa), e);
		n.type = IKE_N_NO_PROPOSAL_CHOSEN;
		ike_build_notify(b, &n);
		return;
	}
	if (c->prop.spi_size != 4) {
		log_warn(SA_FMT " CHILD_SA: ESP proposal with a %u-octet SPI", SA_ARGS(sa),
			 c->prop.spi_size);
		n.type = IKE_N_NO_PROPOSAL_CHOSEN;
		ike_build_notify(b, &n);
		return;
	}
	/* TSi is the initiator's side: our remote; TSr our local. */
	if (ts_narrow(&m->tsi, sa->conn->remote_ts, sa->conn->nremote_ts, &tsi, c->ts_remote,
		      &c->nts_remote) ||
	    ts_narrow(&m->tsr, sa->conn->local_ts, sa->conn->nlocal_ts, &tsr, c->ts_local,
		      &c->nts_local)) {
		ts_format(&m->tsi, a1, sizeof(a1));
		ts_format(&m->tsr, a2, sizeof(a2));
		kern_ts_format(sa->conn->remote_ts, sa->conn->nremote_ts, p1, sizeof(p1));
		kern_ts_format(sa->conn->local_ts, sa->conn->nlocal_ts, p2, sizeof(p2));
		conn_failure(sa->conn, SA_FMT " CHILD_SA: TS_UNACCEPTABLE: peer proposed TSi %s TSr %s; our policy allows remote_ts %s local_ts %s",
			 SA_ARGS(sa), a1, a2, p1, p2);
		n.type = IKE_N_TS_UNACCEPTABLE;
		ike_build_notify(b, &n);
		return;
	}
	memcpy(&be, c->prop.spi, 4);
	c->spi_out = ntohl(be);
	c->spi_in = child_spi_alloc();
	if (!c->spi_in || child_derive(sa, c) || nat_child_encap(sa) || child_install(sa, c)) {
		log_err(SA_FMT " CHILD_SA could not be installed: refusing it", SA_ARGS(sa));
		n.type = IKE_N_NO_PROPOSAL_CHOSEN;
		ike_build_notify(b, &n);
		return;
	}
	sap.nprops = 1;
	sap.prop[0] = c->prop;
	be = htonl(c->spi_in);
	memcpy(sap.prop[0].spi, &be, 4);
	ike_build_sa(b, &sap);
	ike_build_ts(b, IKE_PL_TSI, &tsi);
	ike_build_ts(b, IKE_PL_TSR, &tsr);
	ts_format(&m->tsi, a1, sizeof(a1));
	ts_format(&tsi, a2, sizeof(a2));
	log_info(SA_FMT " CHILD_SA selectors: TSi %s -> %s", SA_ARGS(sa), a1, a2);
	ts_format(&m->tsr, a1, sizeof(a1));
	ts_format(&tsr, a2, sizeof(a2));
	log_info(SA_FMT " CHILD_SA selectors: TSr %s -> %s", SA_ARGS(sa), a1, a2);
}

void auth_request(struct ike_sa *sa, struct ike_msg *m)
{
	uint8_t chain[IKE_BUF_MAX];
	struct ike_builder b;
	struct ike_notify n = { .type = IKE_N_AUTHENTICATION_FAILED };
	char ours[300], want[300];

	/* Only as the original responder in INIT_DONE: dispatch.c. */
	ike_build_chain(&b, chain, sizeof(chain));
	if (!(m->present & IKE_HAS(IKE_PL_IDI)) || !(m->present & IKE_HAS(IKE_PL_AUTH))) {
		log_warn(SA_FMT " IKE_AUTH request without IDi or AUTH (EAP is not supported)",
			 SA_ARGS(sa));
		goto auth_failed;
	}
	if ((m->present & IKE_HAS(IKE_PL_IDR)) &&
	    !conf_ident_match(&sa->conn->local_id, m->idr.type, m->idr.data.p, m->idr.data.len)) {
		id_format(m->idr.type, &m->idr.data, want, sizeof(want));
		conf_ident_format(&sa->conn->local_id, ours, sizeof(ours));
		log_warn(SA_FMT " AUTHENTICATION_FAILED: peer asks for identity %s, ours is %s",
			 SA_ARGS(sa), want, ours);
		goto auth_failed;
	}
	if (auth_verify(sa, m, &m->idi, &m->idi_body, &m->auth))
		goto auth_failed;
	auth_cert_peer(sa, m);	/* its CERTREQ: send_cert ifasked */
	if (add_id_auth(sa, &b)) {
		ike_sa_close(sa, "AUTH payload could not be built");
		return;
	}
	if (ike_sa_set_state(sa, IKE_STATE_ESTABLISHED))
		return;
	auth_initial_contact(sa, m);
	child_respond(sa, m, &b);
	exch_respond(sa, IKE_EXCH_AUTH, m->hdr.msgid, &b);
	dpd_and_life(sa);
	return;
auth_failed:
	ike_build_chain(&b, chain, sizeof(chain));
	ike_build_notify(&b, &n);
	exch_respond(sa, IKE_EXCH_AUTH, m->hdr.msgid, &b);
	ike_sa_close(sa, "authentication of the peer failed");
}

/* Initiator: the CHILD_SA in the responder's answer. */
static int child_accept(struct ike_sa *sa, const struct ike_msg *m)
{
	struct child_sa *c = &sa->child[0];	/* the first CHILD_SA */
	char e[600], a1[600], a2[600];
	struct ike_sa_payload offered;
	uint32_t be;

	/* The answer numbers the proposals as we sent them: without DH. */
	child_proposals(sa->conn, c->spi_in, true, &offered);
	if (ike_proposal_check_answer(&offered, &m->sa, IKE_SEL_IGNORE_DH, e, sizeof(e)) ||
	    m->sa.prop[0].spi_size != 4) {
		log_warn(SA_FMT " CHILD_SA: %s", SA_ARGS(sa), m->sa.prop[0].spi_size != 4 ?
			 "responder's ESP SPI is not 4 octets" : e);
		return -1;
	}
	if (ts_check_answer(&m->tsi, sa->conn->local_ts, sa->conn->nlocal_ts, c->ts_local,
			    &c->nts_local) ||
	    ts_check_answer(&m->tsr, sa->conn->remote_ts, sa->conn->nremote_ts, c->ts_remote,
			    &c->nts_remote)) {
		ts_format(&m->tsi, a1, sizeof(a1));
		ts_format(&m->tsr, a2, sizeof(a2));
		kern_ts_format(sa->conn->local_ts, sa->conn->nlocal_ts, e, sizeof(e));
		log_warn(SA_FMT " CHILD_SA: responder's selectors TSi %s TSr %s are not within what we proposed (local_ts %s)",
			 SA_ARGS(sa), a1, a2, e);
		return -1;
	}
	c->prop = m->sa.prop[0];
	memcpy(&be, c->prop.spi, 4);
	c->spi_out = ntohl(be);
	ts_format(&m->tsi, a1, sizeof(a1));
	ts_format(&m->tsr, a2, sizeof(a2));
	log_info(SA_FMT " CHILD_SA selectors: TSi %s TSr %s", SA_ARGS(sa), a1, a2);
	if (child_derive(sa, c) || nat_child_encap(sa) || child_install(sa, c))
		return -1;
	return 0;
}

void auth_response(struct ike_sa *sa, struct ike_msg *m)
{
	char l[600], r[600], id[300];
	uint16_t notify;

	/* Only in AUTH_SENT: dispatch.c. */
	if (!(m->present & IKE_HAS(IKE_PL_IDR)) || !(m->present & IKE_HAS(IKE_PL_AUTH))) {
		notify = exch_error_notify(sa, m, "IKE_AUTH");
		conf_ident_format(&sa->conn->local_id, id, sizeof(id));
		if (notify == IKE_N_AUTHENTICATION_FAILED)
			log_warn(SA_FMT " AUTHENTICATION_FAILED: the responder refused our authentication as %s (%s)",
				 SA_ARGS(sa), id, sa->conn->auth == AUTH_PUBKEY ?
				 "it does not accept our certificate, or expects another identity" :
				 "different pre-shared key, or it expects another identity");
		else
			log_warn(SA_FMT " IKE_AUTH response without IDr or AUTH", SA_ARGS(sa));
		ike_sa_close(sa, "IKE_AUTH failed");
		return;
	}
	if (auth_verify(sa, m, &m->idr, &m->idr_body, &m->auth)) {
		info_auth_failed(sa);	/* 2.21.2: the responder may have installed a CHILD_SA */
		return;
	}
	if (ike_sa_set_state(sa, IKE_STATE_ESTABLISHED))
		return;
	info_retry_cancel(sa->conn);	/* the peer answers again */
	dpd_and_life(sa);
	notify = exch_error_notify(sa, m, "the CHILD_SA in IKE_AUTH");
	if (notify || !(m->present & IKE_HAS(IKE_PL_SA))) {
		kern_ts_format(sa->conn->local_ts, sa->conn->nlocal_ts, l, sizeof(l));
		kern_ts_format(sa->conn->remote_ts, sa->conn->nremote_ts, r, sizeof(r));
		if (notify == IKE_N_TS_UNACCEPTABLE)
			conn_failure(sa->conn, SA_FMT " CHILD_SA: TS_UNACCEPTABLE: responder accepts none of our selectors TSi %s (local_ts) TSr %s (remote_ts)",
				 SA_ARGS(sa), l, r);
		else if (notify == IKE_N_NO_PROPOSAL_CHOSEN)
			conn_failure(sa->conn, SA_FMT " CHILD_SA: NO_PROPOSAL_CHOSEN: responder accepts none of our ESP proposals %s",
				 SA_ARGS(sa), sa->conn->esp_str);
		info_delete_ike(sa);
		return;
	}
	if (child_accept(sa, m))
		info_delete_ike(sa);
}
