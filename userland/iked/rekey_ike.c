// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * rekey_ike.c - rekeying the IKE SA with a CREATE_CHILD_SA exchange
 * (RFC 7296 1.3.2, 2.18) in both roles: new SPIs, KE, nonces, SKEYSEED
 * from the old SK_d, the CHILD_SAs moved to the new IKE SA, the old one
 * deleted by the initiator of the rekey; simultaneous rekeys resolved as
 * 2.8.1 says; the IKE SA's lifetime (rekey time and hard expiry).
 *
 * The CHILD_SA rekey, the dispatch of CREATE_CHILD_SA and the helpers
 * both share are in rekey.c.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "daemon.h"
#include "log.h"
#include "proposal.h"
#include "rekey.h"

#define REKEY_OLD_IKE_MS	30000	/* rekeyed or redundant IKE SA the peer never deletes */

/*
 * Lifetime.
 */

static void ike_life_tick(void *arg);

static void ike_timer_update(struct ike_sa *sa)
{
	uint64_t now = timer_now(), next = 0;

	if (sa->dead)
		return;
	if (sa->rekey_at && sa->state == IKE_STATE_ESTABLISHED)
		next = sa->rekey_at;
	if (sa->expire_at && (!next || sa->expire_at < next))
		next = sa->expire_at;
	if (!next) {
		timer_stop(&sa->life_timer);
		return;
	}
	sa->life_timer.cb = ike_life_tick;
	timer_start(&sa->life_timer, next > now ? next - now : 0);
}

void rekey_ike_times(struct ike_sa *sa)
{
	uint64_t r, h;

	timer_stop(&sa->life_timer);	/* the half-open timeout */
	sa->rekey_at = sa->expire_at = 0;
	if (sa->conn->ike_lifetime) {
		rekey_lifetime(sa->conn->ike_lifetime, &r, &h);
		sa->rekey_at = timer_now() + r;
		sa->expire_at = timer_now() + h;
	}
	ike_timer_update(sa);
}

/*
 * Keys and hand-over.
 */

/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), then SK_* of @n (2.18). */
static int ike_derive(struct ike_sa *old, struct ike_sa *n, const uint8_t *gir, size_t girlen)
{
	const struct ike_transform *encr = ike_proposal_get(&n->prop, IKE_XF_ENCR);
	const struct ike_transform *prf = ike_proposal_get(&n->prop, IKE_XF_PRF);
	const struct ike_transform *integ = ike_proposal_get(&n->prop, IKE_XF_INTEG);
	uint16_t integ_id = integ ? integ->id : IKE_INTEG_NONE;
	uint8_t skeyseed[IKE_PRF_MAX_LEN];
	struct ike_err err = { 0 };
	size_t elen, alen;
	int ret = -1;

	n->prf = prf ? ike_prf_get(prf->id) : NULL;
	if (!encr || !n->prf) {
		log_err(SA_FMT " chosen proposal lacks an ENCR or a supported PRF", SA_ARGS(n));
		return -1;
	}
	elen = ike_sk_encr_key_len(encr->id, encr->keylen);
	alen = integ_id == IKE_INTEG_NONE ? 0 : ike_sk_integ_key_len(integ_id);
	if (ike_skeyseed_rekey(old->prf, old->keys.sk_d, old->keys.prf_len, gir, girlen, n->ni,
			       n->ni_len, n->nr, n->nr_len, skeyseed) ||
	    ike_derive_keys(n->prf, skeyseed, n->ni, n->ni_len, n->nr, n->nr_len, n->spi_i,
			    n->spi_r, alen, elen, &n->keys)) {
		log_err(SA_FMT " key derivation failed", SA_ARGS(n));
		goto wipe_skeyseed;
	}
	if (ike_sk_init(&n->sk_out, encr->id, encr->keylen, integ_id,
			n->initiator ? n->keys.sk_ei : n->keys.sk_er, elen,
			n->initiator ? n->keys.sk_ai : n->keys.sk_ar, alen, &err) ||
	    ike_sk_init(&n->sk_in, encr->id, encr->keylen, integ_id,
			n->initiator ? n->keys.sk_er : n->keys.sk_ei, elen,
			n->initiator ? n->keys.sk_ar : n->keys.sk_ai, alen, &err)) {
		log_err(SA_FMT " %s", SA_ARGS(n), err.msg);
		goto wipe_skeyseed;	/* SK_* of @n: ike_sa_close() by the caller */
	}
	ret = 0;
wipe_skeyseed:
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	return ret;
}

/* A new IKE SA next to @old, same peer, not yet keyed. */
static struct ike_sa *ike_sibling(struct ike_sa *old, bool initiator)
{
	struct ike_sa *n = ike_sa_new(old->conn, initiator);

	if (!n) {
		log_err(SA_FMT " cannot create an IKE SA", SA_ARGS(old));
		return NULL;
	}
	timer_stop(&n->life_timer);	/* not half-open: keyed by the old one */
	n->local = old->local;
	n->remote = old->remote;
	n->fd = old->fd;
	n->nat_local = old->nat_local;
	n->nat_remote = old->nat_remote;
	n->frag = old->frag;	/* RFC 7383 2.3: the rekeyed IKE SA keeps it */
	return n;
}

/* The CHILD_SAs of @from now belong to @to; @from is REKEYED. */
static void ike_handover(struct ike_sa *from, struct ike_sa *to)
{
	for (unsigned int i = 0; i < IKE_MAX_CHILD; i++) {
		struct child_sa *c = &from->child[i], *d;

		if (c->state == CHILD_FREE)
			continue;
		d = child_new(to);
		if (!d) {
			child_free(from, c);
			continue;
		}
		*d = *c;
		OPENSSL_cleanse(c, sizeof(*c));	/* moved, not freed: still in the kernel */
		log_info(SA_FMT " CHILD_SA 0x%08x/0x%08x (%s) moves to IKE_SA [%u]", SA_ARGS(from),
			 d->spi_in, d->spi_out, child_state_name(d->state), to->id);
	}
	timer_stop(&from->child_timer);
	timer_stop(&from->dpd_timer);
	from->rekeyed_to = to->id;
	from->rekey_at = 0;
	from->expire_at = timer_now() + REKEY_OLD_IKE_MS;
	if (from->state != IKE_STATE_REKEYED && ike_sa_set_state(from, IKE_STATE_REKEYED))
		log_warn(SA_FMT " keeps state %s: it goes at its expiry all the same", SA_ARGS(from),
			 ike_state_name(from->state));
	ike_timer_update(from);
	rekey_ike_times(to);
	info_dpd_start(to);
	rekey_timer_update(to);
}

/*
 * @red, created by the peer's rekey that lost a collision (2.8.1), is
 * redundant: the peer deletes it. Should it not, it goes after
 * REKEY_OLD_IKE_MS like an old IKE SA, instead of staying (without
 * timers) as the connection's IKE SA.
 */
static void ike_redundant(struct ike_sa *red, struct ike_sa *winner)
{
	red->rekeyed_to = winner->id;
	red->rekey_at = 0;
	red->expire_at = timer_now() + REKEY_OLD_IKE_MS;
	if (red->state != IKE_STATE_REKEYED && ike_sa_set_state(red, IKE_STATE_REKEYED))
		log_warn(SA_FMT " keeps state %s: it goes at its expiry all the same", SA_ARGS(red),
			 ike_state_name(red->state));
	ike_timer_update(red);
}

/*
 * IKE SA rekey, initiator.
 */

/* 0 sent, 1 not now, -1 failed. */
static int ike_rekey_start(struct ike_sa *sa, uint16_t group)
{
	uint8_t chain[IKE_BUF_MAX];
	struct ike_builder b;
	struct ike_sa_payload sap;
	struct ike_sa *n;
	unsigned int tries = sa->pend.tries;

	if (sa->state != IKE_STATE_ESTABLISHED || sa->req.buf)
		return 1;
	rekey_pend_clear(sa);
	sa->pend.tries = tries;
	if (!group)
		group = rekey_first_group(&sa->conn->ike);
	if (!(n = ike_sibling(sa, true)))
		return -1;
	if (RAND_bytes(sa->pend.nonce, REKEY_NONCE_LEN) != 1 ||
	    !(sa->pend.dh = rekey_dh_new(sa, group)))
		goto close_new;
	sa->pend.nonce_len = REKEY_NONCE_LEN;
	sa->pend.dh_group = group;
	sap = sa->conn->ike;
	for (unsigned int i = 0; i < sap.nprops; i++) {
		sap.prop[i].spi_size = 8;
		memcpy(sap.prop[i].spi, n->spi_i, 8);
	}
	ike_build_chain(&b, chain, sizeof(chain));
	ike_build_sa(&b, &sap);
	ike_build_nonce(&b, sa->pend.nonce, sa->pend.nonce_len);
	if (rekey_add_ke(sa, &b, sa->pend.dh) ||
	    exch_request(sa, IKE_EXCH_CREATE_CHILD_SA, &b, REQ_REKEY_IKE))
		goto close_new;
	sa->pend.new_sa = n->id;
	log_info(SA_FMT " rekeying the IKE SA (new IKE_SA [%u], %s)", SA_ARGS(sa), n->id,
		 ike_dh_name(group));
	return ike_sa_set_state(sa, IKE_STATE_REKEYING);
close_new:
	ike_sa_close(n, "the rekey request could not be sent");
	rekey_pend_clear(sa);	/* our DH key pair and nonce */
	return -1;
}

static void ike_rekey_later(struct ike_sa *sa, uint64_t ms)
{
	if (sa->state == IKE_STATE_REKEYING && ike_sa_set_state(sa, IKE_STATE_ESTABLISHED))
		return;		/* refused and logged: its hard lifetime still ends it */
	sa->rekey_at = timer_now() + ms;
	log_info(SA_FMT " next IKE SA rekey attempt in %llu ms", SA_ARGS(sa),
		 (unsigned long long)ms);
	ike_timer_update(sa);
}

/* The responder's SA payload, KE and nonce into the new IKE SA @n; -1 logged. */
static int ike_answer_check(struct ike_sa *sa, const struct ike_msg *m, struct ike_sa *n)
{
	static const uint8_t zero[8];
	const struct ike_transform *dh;
	char e[600];

	if (ike_proposal_check_answer(&sa->conn->ike, &m->sa, 0, e, sizeof(e))) {
		log_warn(SA_FMT " IKE SA rekey: %s", SA_ARGS(sa), e);
		return -1;
	}
	if (m->sa.prop[0].spi_size != 8 || !memcmp(m->sa.prop[0].spi, zero, 8)) {
		log_warn(SA_FMT " IKE SA rekey: responder's IKE SPI is %s", SA_ARGS(sa),
			 m->sa.prop[0].spi_size != 8 ? "not 8 octets" : "zero");
		return -1;
	}
	dh = ike_proposal_get(&m->sa.prop[0], IKE_XF_DH);
	if (!dh || dh->id != sa->pend.dh_group || m->ke.group != sa->pend.dh_group) {
		log_warn(SA_FMT " IKE SA rekey: responder chose DH group %u with a KE of group %u, we sent %u",
			 SA_ARGS(sa), dh ? dh->id : 0, m->ke.group, sa->pend.dh_group);
		return -1;
	}
	n->prop = m->sa.prop[0];
	memcpy(n->spi_r, n->prop.spi, 8);
	memcpy(n->ni, sa->pend.nonce, sa->pend.nonce_len);
	n->ni_len = sa->pend.nonce_len;
	memcpy(n->nr, m->nonce.p, m->nonce.len);	/* IKE_NONCE_MAX at most: checked */
	n->nr_len = m->nonce.len;
	return 0;
}

void rekey_ike_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_sa *n = ike_sa_by_id(sa->pend.new_sa);
	struct ike_sa *coll = sa->pend.coll_sa ? ike_sa_by_id(sa->pend.coll_sa) : NULL;
	uint8_t gir[IKE_DH_MAX_SHARED];
	char prop[128];
	uint16_t notify, g;
	long girlen;

	if (coll && coll->state != IKE_STATE_ESTABLISHED)
		coll = NULL;
	notify = exch_error_notify(sa, m, "our IKE SA rekey");
	if (notify == IKE_N_INVALID_KE_PAYLOAD && !coll) {
		g = rekey_invalid_ke_group(m);
		if (rekey_offers_group(&sa->conn->ike, g) && g != sa->pend.dh_group &&
		    ++sa->pend.tries <= REKEY_MAX_KE_TRIES) {
			log_info(SA_FMT " INVALID_KE_PAYLOAD: responder wants %s for the IKE SA rekey, retrying",
				 SA_ARGS(sa), ike_dh_name(g) ? ike_dh_name(g) : "?");
			if (n)
				ike_sa_close(n, "responder wants another DH group");
			sa->pend.new_sa = 0;
			if (ike_sa_set_state(sa, IKE_STATE_ESTABLISHED) == 0 && ike_rekey_start(sa, g) == 0)
				return;
		}
	}
	if (!n || notify || !(m->present & IKE_HAS(IKE_PL_SA)) || !(m->present & IKE_HAS(IKE_PL_KE)) ||
	    !(m->present & IKE_HAS(IKE_PL_NONCE)) || m->nonce.len < IKE_NONCE_MIN ||
	    m->nonce.len > IKE_NONCE_MAX) {
		if (!notify)
			log_warn(SA_FMT " IKE SA rekey response lacks SA, KE or a Nonce of 16 to 256 octets",
				 SA_ARGS(sa));
		goto close_new;
	}
	if (ike_answer_check(sa, m, n))
		goto close_new;
	girlen = rekey_dh_secret(sa, sa->pend.dh, m, gir, sizeof(gir));
	if (girlen < 0 || ike_derive(sa, n, gir, (size_t)girlen)) {
		OPENSSL_cleanse(gir, sizeof(gir));
		goto close_new;
	}
	OPENSSL_cleanse(gir, sizeof(gir));
	rekey_nonce_min(n->ni, n->ni_len, n->nr, n->nr_len, n->nonce_min, &n->nonce_min_len);
	n->last_rx = timer_now();
	if (ike_sa_set_state(n, IKE_STATE_ESTABLISHED))
		goto close_new;
	ike_proposal_format(&n->prop, prop, sizeof(prop));
	rekey_pend_clear(sa);
	if (coll && rekey_nonce_cmp(n->nonce_min, n->nonce_min_len, coll->nonce_min,
				    coll->nonce_min_len) < 0) {
		/* 2.8.1: ours has the lowest nonce: redundant, we delete it. */
		log_info(SA_FMT " IKE SA rekey collision: ours (IKE_SA [%u]) has the lowest nonce and loses to IKE_SA [%u]",
			 SA_ARGS(sa), n->id, coll->id);
		ike_handover(sa, coll);	/* the peer deletes the old one */
		info_delete_ike(n);
		return;
	}
	if (coll) {
		log_info(SA_FMT " IKE SA rekey collision: ours (IKE_SA [%u]) wins, the peer deletes IKE_SA [%u]",
			 SA_ARGS(sa), n->id, coll->id);
		ike_redundant(coll, n);
	}
	log_info(SA_FMT " IKE SA rekeyed: IKE_SA [%u] takes over, %s", SA_ARGS(sa), n->id, prop);
	ike_handover(sa, n);
	info_delete_ike(sa);
	return;
close_new:
	if (n)
		ike_sa_close(n, "the IKE SA rekey failed");
	rekey_pend_clear(sa);
	if (coll) {
		/* 2.8.1: the peer's rekey stands; the peer deletes the old IKE SA. */
		log_info(SA_FMT " IKE SA rekey failed, but the peer's rekey of it stands: IKE_SA [%u] takes over",
			 SA_ARGS(sa), coll->id);
		ike_handover(sa, coll);
		return;
	}
	ike_rekey_later(sa, REKEY_RETRY_MS + rekey_random_below(REKEY_RETRY_MS));
}

/*
 * IKE SA rekey, responder.
 */

/* Our choice among the peer's proposals @m->sa, and its DH group; 0, or an error notify. */
static uint16_t ike_choose(struct ike_sa *sa, const struct ike_msg *m, struct ike_proposal *chosen,
			   const struct ike_transform **dh)
{
	static const uint8_t zero[8];
	char e[600];

	if (ike_proposal_select(&sa->conn->ike, &m->sa, 0, chosen, e, sizeof(e))) {
		conn_failure(sa->conn, SA_FMT " IKE SA rekey: NO_PROPOSAL_CHOSEN: %s", SA_ARGS(sa), e);
		return IKE_N_NO_PROPOSAL_CHOSEN;
	}
	if (chosen->spi_size != 8 || !memcmp(chosen->spi, zero, 8)) {
		log_warn(SA_FMT " IKE SA rekey: NO_PROPOSAL_CHOSEN: proposal %s", SA_ARGS(sa),
			 chosen->spi_size != 8 ? "without an 8-octet SPI" : "with a zero SPI");
		return IKE_N_NO_PROPOSAL_CHOSEN;
	}
	*dh = ike_proposal_get(chosen, IKE_XF_DH);
	if (!*dh || (*dh)->id == IKE_DH_NONE) {
		log_warn(SA_FMT " IKE SA rekey: NO_PROPOSAL_CHOSEN: proposal without a DH group",
			 SA_ARGS(sa));
		return IKE_N_NO_PROPOSAL_CHOSEN;
	}
	return 0;
}

/*
 * Step 1 of the peer's IKE SA rekey: the moment (TEMPORARY_FAILURE while
 * our other requests or a rekey by the peer are under way), the payloads
 * (KE, Nonce), our proposal and the KE's group. Returns the chosen DH group
 * with @chosen filled in, or 0 when refused (answered).
 */
static uint16_t ike_req_check(struct ike_sa *sa, const struct ike_msg *m,
			      struct ike_proposal *chosen)
{
	const struct ike_transform *dh = NULL;
	struct ike_sa *coll = sa->pend.coll_sa ? ike_sa_by_id(sa->pend.coll_sa) : NULL;
	uint16_t notify;

	if ((sa->state != IKE_STATE_ESTABLISHED && sa->state != IKE_STATE_REKEYING) ||
	    (sa->req.buf && sa->req_kind != REQ_REKEY_IKE && sa->req_kind != REQ_DPD) || coll) {
		log_info(SA_FMT " peer asks to rekey the IKE SA while it is %s%s: TEMPORARY_FAILURE",
			 SA_ARGS(sa), ike_state_name(sa->state),
			 coll ? " and already rekeyed by the peer" :
			 sa->req.buf ? " with a request of ours outstanding" : "");
		rekey_notify_reply(sa, m, IKE_N_TEMPORARY_FAILURE, NULL, 0, 0, 0);
		return 0;
	}
	if (!(m->present & IKE_HAS(IKE_PL_KE)) || !(m->present & IKE_HAS(IKE_PL_NONCE)) ||
	    m->nonce.len < IKE_NONCE_MIN || m->nonce.len > IKE_NONCE_MAX) {
		log_warn(SA_FMT " IKE SA rekey request lacks KE or a Nonce of 16 to 256 octets: INVALID_SYNTAX",
			 SA_ARGS(sa));
		rekey_notify_reply(sa, m, IKE_N_INVALID_SYNTAX, NULL, 0, 0, 0);
		return 0;
	}
	notify = ike_choose(sa, m, chosen, &dh);
	if (notify) {
		rekey_notify_reply(sa, m, notify, NULL, 0, 0, 0);
		return 0;
	}
	if (dh->id != m->ke.group) {
		uint8_t g[2] = { dh->id >> 8, dh->id & 0xff };

		log_info(SA_FMT " IKE SA rekey: KE of group %s but we chose %s: INVALID_KE_PAYLOAD",
			 SA_ARGS(sa), ike_dh_name(m->ke.group) ? ike_dh_name(m->ke.group) : "?",
			 ike_dh_name(dh->id) ? ike_dh_name(dh->id) : "?");
		rekey_notify_reply(sa, m, IKE_N_INVALID_KE_PAYLOAD, g, 2, 0, 0);
		return 0;
	}
	return dh->id;
}

/*
 * Step 2: the new IKE SA @n keyed (its SPI_i and Ni from the request, our
 * Nr, SKEYSEED from the old SK_d and the new g^ir, RFC 7296 2.18) and our
 * answer (SA with its SPI_r, Nonce, KE) built into @b. 0, or -1.
 */
static int ike_req_keys_answer(struct ike_sa *sa, const struct ike_msg *m, struct ike_sa *n,
			       const struct ike_proposal *chosen, struct ike_dh *kp,
			       struct ike_builder *b, uint8_t *chain, size_t cap)
{
	uint8_t gir[IKE_DH_MAX_SHARED];
	struct ike_sa_payload sap;
	long girlen;

	memcpy(n->spi_i, chosen->spi, 8);
	n->prop = *chosen;
	memcpy(n->ni, m->nonce.p, m->nonce.len);	/* IKE_NONCE_MAX at most: checked */
	n->ni_len = m->nonce.len;
	n->nr_len = REKEY_NONCE_LEN;
	if (RAND_bytes(n->nr, REKEY_NONCE_LEN) != 1)
		return -1;
	girlen = rekey_dh_secret(sa, kp, m, gir, sizeof(gir));
	if (girlen < 0 || ike_derive(sa, n, gir, (size_t)girlen)) {
		OPENSSL_cleanse(gir, sizeof(gir));
		return -1;
	}
	OPENSSL_cleanse(gir, sizeof(gir));
	rekey_nonce_min(n->ni, n->ni_len, n->nr, n->nr_len, n->nonce_min, &n->nonce_min_len);
	n->last_rx = timer_now();
	ike_build_chain(b, chain, cap);
	sap.nprops = 1;
	sap.prop[0] = *chosen;
	memcpy(sap.prop[0].spi, n->spi_r, 8);
	ike_build_sa(b, &sap);
	ike_build_nonce(b, n->nr, n->nr_len);
	return rekey_add_ke(sa, b, kp);
}

/*
 * The peer rekeys the IKE SA (1.3.2): checked (step 1), the new IKE SA
 * keyed and answered (step 2), then it takes over the CHILD_SAs, unless we
 * are rekeying too: then the answer to ours settles it (2.8.1).
 */
void rekey_ike_request(struct ike_sa *sa, struct ike_msg *m)
{
	uint8_t chain[IKE_BUF_MAX];
	struct ike_proposal chosen;
	struct ike_dh *kp = NULL;
	struct ike_builder b;
	struct ike_sa *n;
	uint16_t group;
	char prop[128];

	group = ike_req_check(sa, m, &chosen);
	if (!group)
		return;
	if (!(n = ike_sibling(sa, false)))
		goto reply_refusal;
	if (!(kp = rekey_dh_new(sa, group)))
		goto close_new;
	if (ike_req_keys_answer(sa, m, n, &chosen, kp, &b, chain, sizeof(chain)) ||
	    ike_sa_set_state(n, IKE_STATE_ESTABLISHED))
		goto free_dh;
	ike_dh_free(kp);
	ike_proposal_format(&chosen, prop, sizeof(prop));
	exch_respond(sa, IKE_EXCH_CREATE_CHILD_SA, m->hdr.msgid, &b);
	if (sa->state == IKE_STATE_REKEYING) {
		/* 2.8.1: settled when the answer to our own rekey arrives. */
		log_info(SA_FMT " IKE SA rekey collision: the peer rekeys it too (IKE_SA [%u])",
			 SA_ARGS(sa), n->id);
		sa->pend.coll_sa = n->id;
		return;
	}
	log_info(SA_FMT " peer rekeyed the IKE SA: IKE_SA [%u] takes over, %s", SA_ARGS(sa), n->id,
		 prop);
	ike_handover(sa, n);
	return;
free_dh:
	ike_dh_free(kp);
close_new:
	ike_sa_close(n, "the peer's IKE SA rekey could not be answered");
reply_refusal:
	rekey_notify_reply(sa, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0, 0, 0);
}

/*
 * Lifetime timer.
 */

static void ike_life_tick(void *arg)
{
	struct ike_sa *sa = arg;
	uint64_t now = timer_now();
	int r;

	if (sa->expire_at && now >= sa->expire_at) {
		sa->expire_at = 0;
		if (sa->state == IKE_STATE_REKEYED) {
			ike_sa_close(sa, "rekeyed, and the peer did not delete it");
			return;
		}
		log_warn(SA_FMT " IKE SA reached its hard lifetime without being rekeyed: deleting it",
			 SA_ARGS(sa));
		info_delete_ike(sa);
		return;
	}
	if (sa->rekey_at && now >= sa->rekey_at && sa->state == IKE_STATE_ESTABLISHED) {
		r = ike_rekey_start(sa, 0);
		if (r == 0)
			sa->rekey_at = 0;
		else
			sa->rekey_at = now + (r > 0 ? REKEY_RETRY_MS / 2 : REKEY_RETRY_MS);
	}
	ike_timer_update(sa);
}
