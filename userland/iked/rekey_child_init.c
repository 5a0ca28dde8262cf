// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * rekey_child_init.c - rekeying a CHILD_SA as the initiator of the
 * CREATE_CHILD_SA exchange (RFC 7296 1.3.3, 2.8): the request (REKEY_SA, a
 * new SPI, reserved in the module before it leaves, a nonce, a KE with
 * PFS), and the answer: INVALID_KE_PAYLOAD retried with the group the peer
 * wants, refusals retried later, a rekey collision resolved by the nonces
 * (2.8.1), the new pair installed inbound first, the old pair deleted.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <linux/espvti.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "daemon.h"
#include "log.h"
#include "proposal.h"
#include "rekey.h"

/*
 * CHILD_SA rekey, initiator.
 */

/* 0 sent, 1 not now (busy), -1 failed. */
int rekey_child_start(struct ike_sa *sa, struct child_sa *c, uint16_t group)
{
	uint8_t chain[IKE_BUF_MAX];
	struct ike_builder b;
	struct ike_sa_payload sap;
	struct ike_ts_payload tsi, tsr;
	struct ike_notify n = { .type = IKE_N_REKEY_SA, .proto = IKE_PROTO_ESP, .spi_size = 4 };
	uint32_t spi, be = htonl(c->spi_in);
	unsigned int tries = sa->pend.tries;

	if (sa->state != IKE_STATE_ESTABLISHED || sa->req.buf)
		return 1;
	rekey_pend_clear(sa);
	sa->pend.tries = tries;
	spi = child_spi_alloc();
	if (!spi || RAND_bytes(sa->pend.nonce, REKEY_NONCE_LEN) != 1)
		goto clear_pend;
	sa->pend.nonce_len = REKEY_NONCE_LEN;
	if (!group)
		group = rekey_first_group(&sa->conn->esp);
	if (group && !(sa->pend.dh = rekey_dh_new(sa, group)))
		goto clear_pend;
	sa->pend.dh_group = group;
	memcpy(n.spi, &be, 4);
	ike_build_chain(&b, chain, sizeof(chain));
	ike_build_notify(&b, &n);
	child_proposals(sa->conn, spi, false, &sap);
	ike_build_sa(&b, &sap);
	ike_build_nonce(&b, sa->pend.nonce, sa->pend.nonce_len);
	if (sa->pend.dh && rekey_add_ke(sa, &b, sa->pend.dh))
		goto clear_pend;
	ts_from_prefixes(sa->conn->local_ts, sa->conn->nlocal_ts, &tsi);
	ts_from_prefixes(sa->conn->remote_ts, sa->conn->nremote_ts, &tsr);
	ike_build_ts(&b, IKE_PL_TSI, &tsi);
	ike_build_ts(&b, IKE_PL_TSR, &tsr);
	/*
	 * Before the request leaves: the responder may send on the new SA as
	 * soon as it has answered (RFC 7296 2.8), and with PFS we cannot
	 * install it before the answer is here. The module holds that ESP.
	 */
	child_reserve_in(sa, spi);
	sa->pend.new_spi = spi;
	if (exch_request(sa, IKE_EXCH_CREATE_CHILD_SA, &b, REQ_REKEY_CHILD))
		goto clear_pend;
	sa->pend.old_spi = c->spi_in;
	log_info(SA_FMT " rekeying CHILD_SA 0x%08x/0x%08x%s%s", SA_ARGS(sa), c->spi_in,
		 c->spi_out, group ? " with PFS group " : "", group ? ike_dh_name(group) : "");
	if (c->state == CHILD_INSTALLED && child_set_state(sa, c, CHILD_REKEYING))
		log_warn(SA_FMT " CHILD_SA 0x%08x stays %s while its rekey is outstanding",
			 SA_ARGS(sa), c->spi_in, child_state_name(c->state));
	return 0;
clear_pend:
	rekey_pend_clear(sa);	/* our DH key pair and nonce */
	return -1;
}

/* Our rekey of the CHILD_SA failed or was refused: try again later. */
static void child_rekey_later(struct ike_sa *sa, struct child_sa *old, uint64_t ms)
{
	if (!old)
		return;
	if (old->state == CHILD_REKEYING && child_set_state(sa, old, CHILD_INSTALLED))
		return;		/* refused and logged: its hard lifetime still ends it */
	if (old->state == CHILD_INSTALLED) {
		old->rekey_at = timer_now() + ms;
		log_info(SA_FMT " CHILD_SA 0x%08x: next rekey attempt in %llu ms", SA_ARGS(sa),
			 old->spi_in, (unsigned long long)ms);
	}
	rekey_timer_update(sa);
}

/*
 * Our rekey of @old failed. When the peer rekeyed it too (@coll, its new
 * CHILD_SA, which we answered), that rekey stands (2.8.1): @old is
 * replaced and the peer deletes it. Otherwise we try again later.
 */
static void child_rekey_failed(struct ike_sa *sa, struct child_sa *old, struct child_sa *coll,
			       uint64_t ms)
{
	if (!old || !coll) {
		child_rekey_later(sa, old, ms);
		return;
	}
	log_info(SA_FMT " CHILD_SA 0x%08x: the peer's rekey of it stands (new 0x%08x); the peer deletes it",
		 SA_ARGS(sa), old->spi_in, coll->spi_in);
	if (old->state == CHILD_REKEYING && child_set_state(sa, old, CHILD_REKEYED))
		log_warn(SA_FMT " CHILD_SA 0x%08x stays %s: its hard lifetime ends it if the peer does not",
			 SA_ARGS(sa), old->spi_in, child_state_name(old->state));
	rekey_timer_update(sa);
}

/* The answer's SA, KE, TSi, TSr into the new CHILD_SA @n; -1 logged. */
static int child_answer_check(struct ike_sa *sa, const struct ike_msg *m, struct child_sa *n)
{
	char e[600], a1[600], a2[600];
	const struct ike_transform *dh;
	bool ke = m->present & IKE_HAS(IKE_PL_KE);
	uint16_t chosen;
	uint32_t be;

	if (ike_proposal_check_answer(&sa->conn->esp, &m->sa, 0, e, sizeof(e))) {
		log_warn(SA_FMT " CHILD_SA rekey: %s", SA_ARGS(sa), e);
		return -1;
	}
	if (m->sa.prop[0].spi_size != 4) {
		log_warn(SA_FMT " CHILD_SA rekey: %s", SA_ARGS(sa),
			 "responder's ESP SPI is not 4 octets");
		return -1;
	}
	dh = ike_proposal_get(&m->sa.prop[0], IKE_XF_DH);
	chosen = dh && dh->id != IKE_DH_NONE ? dh->id : 0;
	/*
	 * With our KE the responder must choose its group and send a KE of
	 * it; without one (PFS only in a later proposal of ours), a group
	 * would mean KEYMAT with a g^ir we do not have.
	 */
	if (sa->pend.dh ? (!dh || dh->id != sa->pend.dh_group || !ke ||
			   m->ke.group != sa->pend.dh_group) : chosen != 0) {
		log_warn(SA_FMT " CHILD_SA rekey: responder chose DH group %u with a KE of group %u, we sent %s",
			 SA_ARGS(sa), dh ? dh->id : 0, ke ? m->ke.group : 0,
			 sa->pend.dh ? ike_dh_name(sa->pend.dh_group) : "none");
		return -1;
	}
	if (ts_check_answer(&m->tsi, sa->conn->local_ts, sa->conn->nlocal_ts, n->ts_local,
			    &n->nts_local) ||
	    ts_check_answer(&m->tsr, sa->conn->remote_ts, sa->conn->nremote_ts, n->ts_remote,
			    &n->nts_remote)) {
		ts_format(&m->tsi, a1, sizeof(a1));
		ts_format(&m->tsr, a2, sizeof(a2));
		log_warn(SA_FMT " CHILD_SA rekey: responder's selectors TSi %s TSr %s are not within what we proposed",
			 SA_ARGS(sa), a1, a2);
		return -1;
	}
	n->prop = m->sa.prop[0];
	memcpy(&be, n->prop.spi, 4);
	n->spi_out = ntohl(be);
	return 0;
}

/*
 * Step 1 of the answer: an error notify or a malformed answer. An
 * INVALID_KE_PAYLOAD naming a group of ours is retried with it; a
 * CHILD_SA_NOT_FOUND removes the CHILD_SA; anything else keeps it and tries
 * again later. True when the answer was handled here.
 */
static bool resp_refused(struct ike_sa *sa, const struct ike_msg *m, struct child_sa *old,
			 struct child_sa *coll)
{
	uint16_t notify = exch_error_notify(sa, m, "our CHILD_SA rekey"), g;

	if (notify == IKE_N_INVALID_KE_PAYLOAD) {
		g = rekey_invalid_ke_group(m);
		if (old && !coll && rekey_offers_group(&sa->conn->esp, g) &&
		    g != sa->pend.dh_group && ++sa->pend.tries <= REKEY_MAX_KE_TRIES) {
			log_info(SA_FMT " INVALID_KE_PAYLOAD: responder wants %s for the CHILD_SA rekey, retrying",
				 SA_ARGS(sa), ike_dh_name(g) ? ike_dh_name(g) : "?");
			if (child_set_state(sa, old, CHILD_INSTALLED) == 0 &&
			    rekey_child_start(sa, old, g) == 0)
				return true;
		}
		log_warn(SA_FMT " CHILD_SA rekey: responder wants DH group %u, our ESP proposals are %s",
			 SA_ARGS(sa), g, sa->conn->esp_str);
	}
	if (notify == IKE_N_CHILD_SA_NOT_FOUND && old) {
		log_warn(SA_FMT " peer does not know CHILD_SA 0x%08x/0x%08x: removing it", SA_ARGS(sa),
			 old->spi_in, old->spi_out);
		child_free(sa, old);
		rekey_pend_clear(sa);
		return true;
	}
	if (!notify && (m->present & IKE_HAS(IKE_PL_SA)) && (m->present & IKE_HAS(IKE_PL_NONCE)) &&
	    (m->present & IKE_HAS(IKE_PL_TSI)) && (m->present & IKE_HAS(IKE_PL_TSR)) &&
	    m->nonce.len >= IKE_NONCE_MIN && m->nonce.len <= IKE_NONCE_MAX)
		return false;
	if (!notify)
		log_warn(SA_FMT " CHILD_SA rekey response lacks SA, Nonce (16 to 256 octets), TSi or TSr",
			 SA_ARGS(sa));
	log_info(SA_FMT " CHILD_SA 0x%08x not rekeyed (%s): keeping it", SA_ARGS(sa),
		 sa->pend.old_spi, notify ? ike_notify_name(notify) : "bad response");
	/* The peer knows ours failed only when it said so. */
	child_rekey_failed(sa, old, notify ? coll : NULL,
			   REKEY_RETRY_MS + rekey_random_below(REKEY_RETRY_MS));
	rekey_pend_clear(sa);
	return true;
}

/*
 * Step 3, when the peer rekeyed the same CHILD_SA and its exchange has the
 * lower nonce (2.8.1): ours is redundant and deleted, the peer's stays.
 */
static void resp_lost_collision(struct ike_sa *sa, struct child_sa *old, struct child_sa *n,
				const struct child_sa *coll)
{
	int refused;

	log_info(SA_FMT " rekey collision on CHILD_SA 0x%08x: ours has the lowest nonce and loses; deleting new 0x%08x, the peer's 0x%08x stays",
		 SA_ARGS(sa), sa->pend.old_spi, n->spi_in, coll->spi_in);
	/* The peer deletes @old; should it not, its hard lifetime does. */
	if (old && old->state == CHILD_REKEYING && child_set_state(sa, old, CHILD_REKEYED))
		log_warn(SA_FMT " CHILD_SA 0x%08x stays %s", SA_ARGS(sa), old->spi_in,
			 child_state_name(old->state));
	refused = child_set_state(sa, n, CHILD_REKEYED);
	rekey_pend_clear(sa);
	if (refused) {
		child_free(sa, n);	/* cannot wait for its Delete: out of the kernel now */
	} else if (info_delete_child(sa, n)) {
		n->delete_at = timer_now() + REKEY_RETRY_MS;
	}
	rekey_timer_update(sa);
}

/*
 * Step 3, otherwise: the new outbound SA is installed (the device switches
 * in one step), a colliding CHILD_SA of the peer's is marked for deletion,
 * and the old pair is deleted. -1 when the outbound SA could not be added.
 */
static int resp_switch(struct ike_sa *sa, struct child_sa *old, struct child_sa *n,
		       struct child_sa *coll, bool pfs)
{
	if (child_install_out(sa, n))
		return -1;
	n->replaces = sa->pend.old_spi;
	if (coll) {
		log_info(SA_FMT " rekey collision on CHILD_SA 0x%08x: ours wins, the peer deletes its 0x%08x",
			 SA_ARGS(sa), sa->pend.old_spi, coll->spi_in);
		if ((coll->state == CHILD_INBOUND || coll->state == CHILD_INSTALLED) &&
		    child_set_state(sa, coll, CHILD_REKEYED))
			log_warn(SA_FMT " CHILD_SA 0x%08x stays %s", SA_ARGS(sa), coll->spi_in,
				 child_state_name(coll->state));
	}
	log_info(SA_FMT " CHILD_SA 0x%08x/0x%08x rekeyed: new SPI in 0x%08x out 0x%08x%s (rekey %u)",
		 SA_ARGS(sa), sa->pend.old_spi, old ? old->spi_out : 0, n->spi_in, n->spi_out,
		 pfs ? " with PFS" : "", n->rekeys);
	rekey_pend_clear(sa);
	/* A refusal is logged; @old then stays as it is (its Delete may be out already). */
	if (old && (old->state == CHILD_REKEYED || child_set_state(sa, old, CHILD_REKEYED) == 0) &&
	    info_delete_child(sa, old))
		old->delete_at = timer_now() + REKEY_RETRY_MS;
	rekey_timer_update(sa);
	return 0;
}

/*
 * The answer to our CREATE_CHILD_SA rekey: refusals (step 1), else the new
 * CHILD_SA from the answer and our pending state (step 2: proposal and
 * selectors checked, PFS secret, KEYMAT, inbound SA installed, which passes
 * what the module held for its SPI), then the collision rule or the switch
 * (step 3).
 */
void rekey_child_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct child_sa *old = child_find_in(sa, sa->pend.old_spi), *n = NULL, *coll;
	uint8_t gir[IKE_DH_MAX_SHARED];
	long girlen = 0;
	bool lose;

	coll = sa->pend.coll_spi ? child_find_in(sa, sa->pend.coll_spi) : NULL;
	if (resp_refused(sa, m, old, coll))
		return;
	n = child_new(sa);
	if (!n || child_answer_check(sa, m, n) ||
	    (sa->pend.dh && (girlen = rekey_dh_secret(sa, sa->pend.dh, m, gir, sizeof(gir))) < 0))
		goto free_new;
	n->spi_in = sa->pend.new_spi;
	n->rekeys = old ? old->rekeys + 1 : 1;
	if (child_derive_keys(sa, n, true, girlen ? gir : NULL, (size_t)girlen, sa->pend.nonce,
			      sa->pend.nonce_len, m->nonce.p, m->nonce.len))
		goto free_new;
	OPENSSL_cleanse(gir, sizeof(gir));
	rekey_nonce_min(sa->pend.nonce, sa->pend.nonce_len, m->nonce.p, m->nonce.len, n->nonce_min,
			&n->nonce_min_len);
	lose = coll && rekey_nonce_cmp(n->nonce_min, n->nonce_min_len, coll->nonce_min,
				       coll->nonce_min_len) < 0;
	if (child_install_in(sa, n))
		goto free_new;
	if (lose) {
		resp_lost_collision(sa, old, n, coll);
		return;
	}
	if (resp_switch(sa, old, n, coll, girlen > 0) == 0)
		return;
free_new:
	OPENSSL_cleanse(gir, sizeof(gir));
	if (n && n->state != CHILD_FREE)
		child_free(sa, n);	/* out of the kernel, keys wiped */
	else if (n)
		OPENSSL_cleanse(n, sizeof(*n));	/* KEYMAT, never installed */
	log_warn(SA_FMT " CHILD_SA 0x%08x: the rekey response could not be used", SA_ARGS(sa),
		 sa->pend.old_spi);
	child_rekey_later(sa, old, REKEY_RETRY_MS);	/* the peer may think ours won */
	rekey_pend_clear(sa);
}
