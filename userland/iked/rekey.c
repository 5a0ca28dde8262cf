// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * rekey.c - the CREATE_CHILD_SA exchange (RFC 7296 1.3): its dispatch, and
 * rekeying a CHILD_SA in both roles (1.3.3, 2.8: REKEY_SA, new SPI and
 * nonces, a KE when the ESP proposal has a DH group, KEYMAT of 2.17);
 * simultaneous rekeys resolved as 2.8.1 says; CHILD_SA lifetimes and the
 * espvti module's expire events; the helpers that rekey_ike.c (the IKE SA
 * rekey, 1.3.2 and 2.18) shares, declared in rekey.h.
 *
 * Make-before-break, so that no packet is lost: the initiator of a CHILD_SA
 * rekey installs the new inbound SA, then the new outbound SA (the device
 * replaces its one outbound SA atomically), then deletes the old pair with
 * an INFORMATIONAL exchange; the old inbound SA leaves the device when the
 * peer answered. The responder installs the new inbound SA at once and the
 * new outbound SA only when the initiator deletes the old pair (by then
 * the initiator has the new inbound SA), or after REKEY_OUT_WAIT_MS.
 *
 * Lifetimes: child_lifetime and ike_lifetime are rekey times, as
 * strongSwan's rekey_time. The rekey starts at a random point of the last
 * tenth before it (so that the two peers rarely rekey at once). A SA that
 * could not be rekeyed expires (is deleted) a tenth of the lifetime after
 * it, REKEY_HARD_MIN_MS at least.
 *
 * Volumes: child_rekey_bytes and child_rekey_packets become the soft limits
 * of each SA in the module (less a random part of the last tenth); its
 * soft-expire event starts the rekey. child_life_bytes/_packets (default:
 * a tenth more) are the hard limits: the module removes the SA and its
 * hard-expire event removes the CHILD_SA.
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

#define REKEY_HARD_MIN_MS	10000	/* hard expiry at least this after the rekey time */
#define REKEY_OUT_WAIT_MS	10000	/* responder: outbound SA without the peer's Delete */

/*
 * Lifetimes.
 */

uint64_t rekey_random_below(uint64_t n)
{
	uint32_t r = 0;

	if (!n || RAND_bytes((uint8_t *)&r, sizeof(r)) != 1)
		return 0;
	return r % n;
}

uint64_t rekey_volume(uint64_t v)
{
	return v - rekey_random_below(v / 10 + 1);
}

void rekey_lifetime(unsigned int secs, uint64_t *rekey, uint64_t *hard)
{
	uint64_t l = (uint64_t)secs * 1000, tenth = l / 10;

	*rekey = l - rekey_random_below(tenth + 1);
	*hard = l + (tenth > REKEY_HARD_MIN_MS ? tenth : REKEY_HARD_MIN_MS);
}

void rekey_child_times(struct ike_sa *sa, struct child_sa *c)
{
	uint64_t now = timer_now(), r, h;

	if (!sa->conn->child_lifetime) {
		c->rekey_at = c->expire_at = 0;
		return;
	}
	rekey_lifetime(sa->conn->child_lifetime, &r, &h);
	c->rekey_at = now + r;
	c->expire_at = now + h;
	rekey_timer_update(sa);
}

static void child_tick(void *arg);

void rekey_timer_update(struct ike_sa *sa)
{
	uint64_t next = 0, now = timer_now();

	if (sa->dead)
		return;
	for (unsigned int i = 0; i < IKE_MAX_CHILD; i++) {
		const struct child_sa *c = &sa->child[i];
		uint64_t t[4] = {
			c->state == CHILD_INSTALLED ? c->rekey_at : 0,
			c->expire_at,
			c->out_pending ? c->out_at : 0,
			c->state == CHILD_REKEYED ? c->delete_at : 0,
		};

		if (c->state == CHILD_FREE)
			continue;
		for (int j = 0; j < 4; j++)
			if (t[j] && (!next || t[j] < next))
				next = t[j];
	}
	if (!next) {
		timer_stop(&sa->child_timer);
		return;
	}
	sa->child_timer.cb = child_tick;
	timer_start(&sa->child_timer, next > now ? next - now : 0);
}

/*
 * Helpers, shared with rekey_ike.c.
 */

int rekey_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

void rekey_nonce_min(const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		     uint8_t *out, size_t *out_len)
{
	bool i_low = rekey_nonce_cmp(ni, ni_len, nr, nr_len) < 0;

	memcpy(out, i_low ? ni : nr, i_low ? ni_len : nr_len);
	*out_len = i_low ? ni_len : nr_len;
}

void rekey_pend_clear(struct ike_sa *sa)
{
	/* The SPI we offered and reserved, if no CHILD_SA came of it. */
	if (sa->pend.new_spi && !child_find_in(sa, sa->pend.new_spi))
		child_release_in(sa, sa->pend.new_spi);
	ike_dh_free(sa->pend.dh);
	OPENSSL_cleanse(&sa->pend, sizeof(sa->pend));
}

void rekey_abort(struct ike_sa *sa)
{
	struct ike_sa *n = sa->pend.new_sa ? ike_sa_by_id(sa->pend.new_sa) : NULL;
	struct ike_sa *coll = sa->pend.coll_sa ? ike_sa_by_id(sa->pend.coll_sa) : NULL;

	if (n && n->state == IKE_STATE_NEW)
		ike_sa_close(n, "the rekey that was to create it was abandoned");
	/*
	 * The IKE SA the peer's colliding rekey created has not taken over
	 * anything yet: without us it would stay, with no timer, as the
	 * connection's IKE SA.
	 */
	if (coll && coll->state == IKE_STATE_ESTABLISHED)
		ike_sa_close(coll, "the rekey collision that created it was abandoned");
	rekey_pend_clear(sa);
}

void rekey_notify_reply(struct ike_sa *sa, const struct ike_msg *m, uint16_t type,
			const uint8_t *data, size_t len, uint8_t proto, uint32_t spi)
{
	uint8_t chain[128];
	struct ike_builder b;
	/* RFC 7296 3.10: the Protocol ID is zero when there is no SPI. */
	struct ike_notify n = { .type = type, .proto = spi ? proto : 0 };
	uint32_t be = htonl(spi);

	if (spi) {
		n.spi_size = 4;
		memcpy(n.spi, &be, 4);
	}
	n.data.p = data;
	n.data.len = len;
	ike_build_chain(&b, chain, sizeof(chain));
	ike_build_notify(&b, &n);
	exch_respond(sa, IKE_EXCH_CREATE_CHILD_SA, m->hdr.msgid, &b);
}

uint16_t rekey_first_group(const struct ike_sa_payload *p)
{
	const struct ike_transform *dh = p->nprops ? ike_proposal_get(&p->prop[0], IKE_XF_DH) :
					 NULL;

	return dh && dh->id != IKE_DH_NONE ? dh->id : 0;
}

bool rekey_offers_group(const struct ike_sa_payload *p, uint16_t group)
{
	for (unsigned int i = 0; i < p->nprops; i++)
		for (unsigned int j = 0; j < p->prop[i].ntransforms; j++)
			if (p->prop[i].xf[j].type == IKE_XF_DH && p->prop[i].xf[j].id == group)
				return true;
	return false;
}

uint16_t rekey_invalid_ke_group(const struct ike_msg *m)
{
	const struct ike_notify *n = ike_msg_notify(m, IKE_N_INVALID_KE_PAYLOAD);

	return n && n->data.len == 2 ? (uint16_t)(n->data.p[0] << 8 | n->data.p[1]) : 0;
}

long rekey_dh_secret(struct ike_sa *sa, struct ike_dh *dh, const struct ike_msg *m,
		     uint8_t *gir, size_t cap)
{
	char err[200];
	long n = ike_dh_shared(dh, m->ke.data.p, m->ke.data.len, gir, cap, err, sizeof(err));

	if (n < 0)
		log_warn(SA_FMT " peer's KE payload (group %u) rejected: %s", SA_ARGS(sa),
			 m->ke.group, err);
	return n;
}

int rekey_add_ke(struct ike_sa *sa, struct ike_builder *b, const struct ike_dh *dh)
{
	uint8_t pub[IKE_DH_MAX_PUB];
	long len = ike_dh_public(dh, pub, sizeof(pub));

	if (len < 0) {
		log_err(SA_FMT " our DH public value could not be encoded", SA_ARGS(sa));
		return -1;
	}
	return ike_build_ke(b, ike_dh_group(dh), pub, (size_t)len);
}

struct ike_dh *rekey_dh_new(struct ike_sa *sa, uint16_t group)
{
	char err[200];
	struct ike_dh *dh = ike_dh_new(group, err, sizeof(err));

	if (!dh)
		log_err(SA_FMT " DH group %u: %s", SA_ARGS(sa), group, err);
	return dh;
}

/* The CHILD_SA whose outbound SA waits for the one with inbound SPI @spi to go. */
static struct child_sa *successor_of(struct ike_sa *sa, uint32_t spi)
{
	for (unsigned int i = 0; i < IKE_MAX_CHILD; i++)
		if (sa->child[i].state != CHILD_FREE && sa->child[i].replaces == spi &&
		    sa->child[i].out_pending)
			return &sa->child[i];
	return NULL;
}

/*
 * CHILD_SA rekey, initiator.
 */

/* 0 sent, 1 not now (busy), -1 failed. */
static int child_rekey_start(struct ike_sa *sa, struct child_sa *c, uint16_t group)
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
	if (c->state == CHILD_INSTALLED)
		child_set_state(sa, c, CHILD_REKEYING);
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
	if (old->state == CHILD_REKEYING)
		child_set_state(sa, old, CHILD_INSTALLED);
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
	if (old->state == CHILD_REKEYING)
		child_set_state(sa, old, CHILD_REKEYED);
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

static void child_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct child_sa *old = child_find_in(sa, sa->pend.old_spi), *n = NULL, *coll;
	uint8_t gir[IKE_DH_MAX_SHARED];
	long girlen = 0;
	uint16_t notify, g;
	bool lose;

	coll = sa->pend.coll_spi ? child_find_in(sa, sa->pend.coll_spi) : NULL;
	notify = exch_error_notify(sa, m, "our CHILD_SA rekey");
	if (notify == IKE_N_INVALID_KE_PAYLOAD) {
		g = rekey_invalid_ke_group(m);
		if (old && !coll && rekey_offers_group(&sa->conn->esp, g) &&
		    g != sa->pend.dh_group && ++sa->pend.tries <= REKEY_MAX_KE_TRIES) {
			log_info(SA_FMT " INVALID_KE_PAYLOAD: responder wants %s for the CHILD_SA rekey, retrying",
				 SA_ARGS(sa), ike_dh_name(g) ? ike_dh_name(g) : "?");
			if (child_set_state(sa, old, CHILD_INSTALLED) == 0 &&
			    child_rekey_start(sa, old, g) == 0)
				return;
		}
		log_warn(SA_FMT " CHILD_SA rekey: responder wants DH group %u, our ESP proposals are %s",
			 SA_ARGS(sa), g, sa->conn->esp_str);
	}
	if (notify == IKE_N_CHILD_SA_NOT_FOUND && old) {
		log_warn(SA_FMT " peer does not know CHILD_SA 0x%08x/0x%08x: removing it", SA_ARGS(sa),
			 old->spi_in, old->spi_out);
		child_free(sa, old);
		rekey_pend_clear(sa);
		return;
	}
	if (notify || !(m->present & IKE_HAS(IKE_PL_SA)) || !(m->present & IKE_HAS(IKE_PL_NONCE)) ||
	    !(m->present & IKE_HAS(IKE_PL_TSI)) || !(m->present & IKE_HAS(IKE_PL_TSR)) ||
	    m->nonce.len < IKE_NONCE_MIN || m->nonce.len > IKE_NONCE_MAX) {
		if (!notify)
			log_warn(SA_FMT " CHILD_SA rekey response lacks SA, Nonce (16 to 256 octets), TSi or TSr",
				 SA_ARGS(sa));
		log_info(SA_FMT " CHILD_SA 0x%08x not rekeyed (%s): keeping it", SA_ARGS(sa),
			 sa->pend.old_spi, notify ? ike_notify_name(notify) : "bad response");
		/* The peer knows ours failed only when it said so. */
		child_rekey_failed(sa, old, notify ? coll : NULL,
				   REKEY_RETRY_MS + rekey_random_below(REKEY_RETRY_MS));
		rekey_pend_clear(sa);
		return;
	}
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
		/* 2.8.1: our exchange has the lowest nonce, its CHILD_SA is redundant. */
		log_info(SA_FMT " rekey collision on CHILD_SA 0x%08x: ours has the lowest nonce and loses; deleting new 0x%08x, the peer's 0x%08x stays",
			 SA_ARGS(sa), sa->pend.old_spi, n->spi_in, coll->spi_in);
		if (old && old->state == CHILD_REKEYING)
			child_set_state(sa, old, CHILD_REKEYED);	/* the peer deletes it */
		child_set_state(sa, n, CHILD_REKEYED);
		rekey_pend_clear(sa);
		if (info_delete_child(sa, n))
			n->delete_at = timer_now() + REKEY_RETRY_MS;
		rekey_timer_update(sa);
		return;
	}
	if (child_install_out(sa, n))
		goto free_new;
	n->replaces = sa->pend.old_spi;
	if (coll) {
		log_info(SA_FMT " rekey collision on CHILD_SA 0x%08x: ours wins, the peer deletes its 0x%08x",
			 SA_ARGS(sa), sa->pend.old_spi, coll->spi_in);
		coll->out_pending = false;
		if (coll->state == CHILD_INSTALLED)
			child_set_state(sa, coll, CHILD_REKEYED);
	}
	log_info(SA_FMT " CHILD_SA 0x%08x/0x%08x rekeyed: new SPI in 0x%08x out 0x%08x%s (rekey %u)",
		 SA_ARGS(sa), sa->pend.old_spi, old ? old->spi_out : 0, n->spi_in, n->spi_out,
		 girlen ? " with PFS" : "", n->rekeys);
	rekey_pend_clear(sa);
	if (old) {
		if (old->state != CHILD_REKEYED)
			child_set_state(sa, old, CHILD_REKEYED);
		if (info_delete_child(sa, old))
			old->delete_at = timer_now() + REKEY_RETRY_MS;
	}
	rekey_timer_update(sa);
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

/*
 * CHILD_SA rekey, responder.
 */

/* Our choice among the peer's ESP proposals; -1 logged. */
static int child_choose(struct ike_sa *sa, const struct ike_msg *m, struct ike_proposal *prop)
{
	char e[600];

	if (ike_proposal_select(&sa->conn->esp, &m->sa, 0, prop, e, sizeof(e))) {
		conn_failure(sa->conn, SA_FMT " CHILD_SA rekey: NO_PROPOSAL_CHOSEN: ESP %s", SA_ARGS(sa), e);
		return -1;
	}
	if (prop->spi_size != 4) {
		log_warn(SA_FMT " CHILD_SA rekey: NO_PROPOSAL_CHOSEN: ESP %s", SA_ARGS(sa),
			 "proposal without a 4-octet SPI");
		return -1;
	}
	return 0;
}

/* The CHILD_SA the peer asks to rekey (REKEY_SA @rn), NULL when refused (answered). */
static struct child_sa *child_to_rekey(struct ike_sa *sa, struct ike_msg *m,
				       const struct ike_notify *rn)
{
	struct child_sa *old, *coll;
	uint32_t spi = 0, be;

	if (rn->spi_size == 4) {
		memcpy(&be, rn->spi, 4);
		spi = ntohl(be);
	}
	if (rn->proto != IKE_PROTO_ESP || rn->spi_size != 4) {
		/* The answer names the SA the peer named (3.10.1), as below. */
		log_warn(SA_FMT " peer asks to rekey an SA of protocol %u with a %u-octet SPI (0x%08x); we have ESP SAs with 4-octet SPIs: CHILD_SA_NOT_FOUND",
			 SA_ARGS(sa), rn->proto, rn->spi_size, spi);
		rekey_notify_reply(sa, m, IKE_N_CHILD_SA_NOT_FOUND, NULL, 0, rn->proto, spi);
		return NULL;
	}
	old = child_find_out(sa, spi);
	if (!old) {
		log_warn(SA_FMT " peer asks to rekey ESP SA 0x%08x, which we do not have: CHILD_SA_NOT_FOUND",
			 SA_ARGS(sa), spi);
		rekey_notify_reply(sa, m, IKE_N_CHILD_SA_NOT_FOUND, NULL, 0, IKE_PROTO_ESP, spi);
		return NULL;
	}
	/* A second rekey of the one both of us rekey: the first one stands. */
	coll = old->state == CHILD_REKEYING && sa->pend.coll_spi ?
	       child_find_in(sa, sa->pend.coll_spi) : NULL;
	if (old->state == CHILD_REKEYED || old->state == CHILD_DELETING || coll ||
	    (sa->state != IKE_STATE_ESTABLISHED && sa->state != IKE_STATE_REKEYING)) {
		log_info(SA_FMT " peer asks to rekey CHILD_SA 0x%08x/0x%08x, which is %s%s (IKE SA %s): TEMPORARY_FAILURE",
			 SA_ARGS(sa), old->spi_in, spi, child_state_name(old->state),
			 coll ? " and already rekeyed by the peer" : "", ike_state_name(sa->state));
		rekey_notify_reply(sa, m, IKE_N_TEMPORARY_FAILURE, NULL, 0, 0, 0);
		return NULL;
	}
	return old;
}

static void child_request(struct ike_sa *sa, struct ike_msg *m, const struct ike_notify *rn)
{
	uint8_t chain[IKE_BUF_MAX], nr[REKEY_NONCE_LEN], gir[IKE_DH_MAX_SHARED];
	char a1[600], a2[600], p1[600], p2[600];
	struct ike_ts_payload tsi, tsr;
	struct ike_sa_payload sap;
	struct ike_builder b;
	struct child_sa *old, *n = NULL;
	struct ike_proposal prop;
	const struct ike_transform *dh;
	struct ike_dh *kp = NULL;
	long girlen = 0;
	uint32_t be;

	if (!(old = child_to_rekey(sa, m, rn)))
		return;
	if (!(m->present & IKE_HAS(IKE_PL_SA)) || !(m->present & IKE_HAS(IKE_PL_NONCE)) ||
	    !(m->present & IKE_HAS(IKE_PL_TSI)) || !(m->present & IKE_HAS(IKE_PL_TSR)) ||
	    m->nonce.len < IKE_NONCE_MIN || m->nonce.len > IKE_NONCE_MAX) {
		log_warn(SA_FMT " CHILD_SA rekey request lacks SA, Nonce (16 to 256 octets), TSi or TSr: INVALID_SYNTAX",
			 SA_ARGS(sa));
		rekey_notify_reply(sa, m, IKE_N_INVALID_SYNTAX, NULL, 0, 0, 0);
		return;
	}
	if (child_choose(sa, m, &prop)) {
		rekey_notify_reply(sa, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0, 0, 0);
		return;
	}
	dh = ike_proposal_get(&prop, IKE_XF_DH);
	if (dh && dh->id != IKE_DH_NONE) {
		if (!(m->present & IKE_HAS(IKE_PL_KE)) || m->ke.group != dh->id) {
			uint8_t g[2] = { dh->id >> 8, dh->id & 0xff };

			log_info(SA_FMT " CHILD_SA rekey: peer sent %s KE, we chose PFS group %s: INVALID_KE_PAYLOAD",
				 SA_ARGS(sa), (m->present & IKE_HAS(IKE_PL_KE)) ?
				 (ike_dh_name(m->ke.group) ? ike_dh_name(m->ke.group) : "an unknown") : "no",
				 ike_dh_name(dh->id));
			rekey_notify_reply(sa, m, IKE_N_INVALID_KE_PAYLOAD, g, 2, 0, 0);
			return;
		}
		if (!(kp = rekey_dh_new(sa, dh->id)) ||
		    (girlen = rekey_dh_secret(sa, kp, m, gir, sizeof(gir))) < 0) {
			rekey_notify_reply(sa, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0, 0, 0);
			goto wipe_secrets;
		}
	}
	n = child_new(sa);
	if (!n) {
		rekey_notify_reply(sa, m, IKE_N_NO_ADDITIONAL_SAS, NULL, 0, 0, 0);
		goto wipe_secrets;
	}
	if (ts_narrow(&m->tsi, sa->conn->remote_ts, sa->conn->nremote_ts, &tsi, n->ts_remote,
		      &n->nts_remote) ||
	    ts_narrow(&m->tsr, sa->conn->local_ts, sa->conn->nlocal_ts, &tsr, n->ts_local,
		      &n->nts_local)) {
		ts_format(&m->tsi, a1, sizeof(a1));
		ts_format(&m->tsr, a2, sizeof(a2));
		kern_ts_format(sa->conn->remote_ts, sa->conn->nremote_ts, p1, sizeof(p1));
		kern_ts_format(sa->conn->local_ts, sa->conn->nlocal_ts, p2, sizeof(p2));
		conn_failure(sa->conn, SA_FMT " CHILD_SA rekey: TS_UNACCEPTABLE: peer proposed TSi %s TSr %s; our policy allows remote_ts %s local_ts %s",
			 SA_ARGS(sa), a1, a2, p1, p2);
		OPENSSL_cleanse(n, sizeof(*n));
		rekey_notify_reply(sa, m, IKE_N_TS_UNACCEPTABLE, NULL, 0, 0, 0);
		goto wipe_secrets;
	}
	n->prop = prop;
	memcpy(&be, prop.spi, 4);
	n->spi_out = ntohl(be);
	n->spi_in = child_spi_alloc();
	n->rekeys = old->rekeys + 1;
	if (!n->spi_in || RAND_bytes(nr, sizeof(nr)) != 1 ||
	    child_derive_keys(sa, n, false, girlen ? gir : NULL, (size_t)girlen, m->nonce.p,
			      m->nonce.len, nr, sizeof(nr))) {
		log_err(SA_FMT " CHILD_SA rekey could not be installed: refusing it", SA_ARGS(sa));
		OPENSSL_cleanse(n, sizeof(*n));	/* KEYMAT, never installed */
		rekey_notify_reply(sa, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0, 0, 0);
		goto wipe_secrets;
	}
	/* The answer first: nothing is installed or changed when it cannot be built. */
	ike_build_chain(&b, chain, sizeof(chain));
	sap.nprops = 1;
	sap.prop[0] = prop;
	be = htonl(n->spi_in);
	memcpy(sap.prop[0].spi, &be, 4);
	ike_build_sa(&b, &sap);
	ike_build_nonce(&b, nr, sizeof(nr));
	if (kp)
		rekey_add_ke(sa, &b, kp);
	ike_build_ts(&b, IKE_PL_TSI, &tsi);
	ike_build_ts(&b, IKE_PL_TSR, &tsr);
	if (b.failed || child_install_in(sa, n)) {
		log_err(SA_FMT " CHILD_SA rekey could not be installed: refusing it", SA_ARGS(sa));
		if (n->state != CHILD_FREE)
			child_free(sa, n);
		else
			OPENSSL_cleanse(n, sizeof(*n));
		OPENSSL_cleanse(chain, sizeof(chain));
		rekey_notify_reply(sa, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0, 0, 0);
		goto wipe_secrets;
	}
	rekey_nonce_min(m->nonce.p, m->nonce.len, nr, sizeof(nr), n->nonce_min, &n->nonce_min_len);
	n->replaces = old->spi_in;
	n->out_pending = true;
	n->out_at = timer_now() + REKEY_OUT_WAIT_MS;
	if (old->state == CHILD_REKEYING) {
		/* 2.8.1: both rekey it; settled when our own answer arrives. */
		log_info(SA_FMT " rekey collision: the peer rekeys CHILD_SA 0x%08x too", SA_ARGS(sa),
			 old->spi_in);
		sa->pend.coll_spi = n->spi_in;
	} else {
		child_set_state(sa, old, CHILD_REKEYED);	/* the peer deletes it */
	}
	log_info(SA_FMT " peer rekeys CHILD_SA 0x%08x/0x%08x: new SPI in 0x%08x out 0x%08x%s (rekey %u); outbound switches when the peer deletes the old one",
		 SA_ARGS(sa), old->spi_in, old->spi_out, n->spi_in, n->spi_out,
		 girlen ? " with PFS" : "", n->rekeys);
	exch_respond(sa, IKE_EXCH_CREATE_CHILD_SA, m->hdr.msgid, &b);
	rekey_timer_update(sa);
wipe_secrets:
	OPENSSL_cleanse(nr, sizeof(nr));
	OPENSSL_cleanse(gir, sizeof(gir));
	ike_dh_free(kp);
}

/*
 * Dispatch, timers, kernel events.
 */

void rekey_request(struct ike_sa *sa, struct ike_msg *m)
{
	const struct ike_notify *rn = ike_msg_notify(m, IKE_N_REKEY_SA);

	if (rn) {
		child_request(sa, m, rn);
		return;
	}
	if ((m->present & IKE_HAS(IKE_PL_SA)) && m->sa.nprops &&
	    m->sa.prop[0].proto == IKE_PROTO_IKE) {
		rekey_ike_request(sa, m);
		return;
	}
	log_warn(SA_FMT " peer asks for an additional CHILD_SA (CREATE_CHILD_SA without REKEY_SA); espiked keeps one per connection: NO_ADDITIONAL_SAS",
		 SA_ARGS(sa));
	rekey_notify_reply(sa, m, IKE_N_NO_ADDITIONAL_SAS, NULL, 0, 0, 0);
}

void rekey_response(struct ike_sa *sa, struct ike_msg *m, enum ike_req_kind kind)
{
	if (kind == REQ_REKEY_CHILD)
		child_response(sa, m);
	else if (kind == REQ_REKEY_IKE)
		rekey_ike_response(sa, m);
	else
		log_warn(SA_FMT " CREATE_CHILD_SA response to a request that was not one", SA_ARGS(sa));
}

/* @c is over its hard lifetime (or the kernel says so): it goes. */
static void child_expired(struct ike_sa *sa, struct child_sa *c, const char *why)
{
	struct child_sa *n = successor_of(sa, c->spi_in);

	log_warn(SA_FMT " CHILD_SA 0x%08x/0x%08x (%s) %s: removing it", SA_ARGS(sa), c->spi_in,
		 c->spi_out, child_state_name(c->state), why);
	c->expire_at = 0;
	if (n)
		child_install_out(sa, n);
	if (c->state == CHILD_DELETING)
		return;		/* our Delete is outstanding; its answer or give-up ends it */
	if (c->state == CHILD_REKEYED && !c->delete_at) {
		child_free(sa, c);	/* the peer should have deleted it */
		return;
	}
	if (info_delete_child(sa, c))
		child_free(sa, c);
}

static void child_tick(void *arg)
{
	struct ike_sa *sa = arg;
	uint64_t now = timer_now();
	int r;

	for (unsigned int i = 0; i < IKE_MAX_CHILD && !sa->dead; i++) {
		struct child_sa *c = &sa->child[i];

		if (c->state == CHILD_FREE)
			continue;
		if (c->expire_at && now >= c->expire_at) {
			child_expired(sa, c, "reached its hard lifetime without being rekeyed");
			continue;
		}
		if (c->out_pending && c->out_at && now >= c->out_at) {
			log_warn(SA_FMT " the peer has not deleted the CHILD_SA that 0x%08x replaces within %d ms: switching the outbound SA now",
				 SA_ARGS(sa), c->spi_in, REKEY_OUT_WAIT_MS);
			child_install_out(sa, c);
		}
		if (c->state == CHILD_REKEYED && c->delete_at && now >= c->delete_at &&
		    info_delete_child(sa, c))
			c->delete_at = now + REKEY_RETRY_MS / 2;
		if (c->state == CHILD_INSTALLED && c->rekey_at && now >= c->rekey_at) {
			r = child_rekey_start(sa, c, 0);
			if (r)
				c->rekey_at = now + (r > 0 ? REKEY_RETRY_MS / 2 : REKEY_RETRY_MS);
		}
	}
	rekey_timer_update(sa);
}

void rekey_kern_expire(const struct kern_event *ev)
{
	for (struct ike_sa *sa = ike_sa_first(); sa; sa = sa->next) {
		if (sa->dead || strcmp(sa->conn->device, ev->dev))
			continue;
		for (unsigned int i = 0; i < IKE_MAX_CHILD; i++) {
			struct child_sa *c = &sa->child[i];
			bool in = ev->dir == ESPVTI_DIR_IN;

			if (c->state == CHILD_FREE || (in ? c->spi_in : c->spi_out) != ev->spi)
				continue;
			if (ev->type == KEV_HARD_EXPIRE) {
				child_expired(sa, c, "hard-expired in the kernel");
			} else if (c->state == CHILD_INSTALLED) {
				log_info(SA_FMT " %s SA 0x%08x soft-expired in the kernel: rekeying its CHILD_SA",
					 SA_ARGS(sa), in ? "inbound" : "outbound", ev->spi);
				c->rekey_at = timer_now();
				rekey_timer_update(sa);
			}
			return;
		}
	}
}
