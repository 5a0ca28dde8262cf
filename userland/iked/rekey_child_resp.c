// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * rekey_child_resp.c - rekeying a CHILD_SA as the responder of the
 * CREATE_CHILD_SA exchange (RFC 7296 1.3.3, 2.8): the CHILD_SA named by
 * REKEY_SA, our choice among the peer's ESP proposals (the KE group they
 * name, INVALID_KE_PAYLOAD otherwise), the new inbound SA installed before
 * we answer, the outbound SA switched when the peer deletes the old pair.
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

struct child_sa *rekey_child_named(struct ike_sa *sa, struct ike_msg *m)
{
	const struct ike_notify *rn = ike_msg_notify(m, IKE_N_REKEY_SA);
	struct child_sa *old;
	uint32_t spi = 0, be;

	if (!rn)
		return NULL;

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
	return old;
}

/* @old cannot be rekeyed now (@coll: the peer rekeys it already): TEMPORARY_FAILURE. */
static void child_rekey_busy(struct ike_sa *sa, struct ike_msg *m, struct child_sa *old,
			     bool coll)
{
	log_info(SA_FMT " peer asks to rekey CHILD_SA 0x%08x/0x%08x, which is %s%s (IKE SA %s): TEMPORARY_FAILURE",
		 SA_ARGS(sa), old->spi_in, old->spi_out, child_state_name(old->state),
		 coll ? " and already rekeyed by the peer" : "", ike_state_name(sa->state));
	rekey_notify_reply(sa, m, IKE_N_TEMPORARY_FAILURE, NULL, 0, 0, 0);
}

void rekey_child_refused(struct ike_sa *sa, struct ike_msg *m, struct child_sa *old)
{
	child_rekey_busy(sa, m, old, false);
}

/* Step 1: the payloads a rekey request must carry; INVALID_SYNTAX if not. */
static bool req_payloads_ok(struct ike_sa *sa, const struct ike_msg *m)
{
	if ((m->present & IKE_HAS(IKE_PL_SA)) && (m->present & IKE_HAS(IKE_PL_NONCE)) &&
	    (m->present & IKE_HAS(IKE_PL_TSI)) && (m->present & IKE_HAS(IKE_PL_TSR)) &&
	    m->nonce.len >= IKE_NONCE_MIN && m->nonce.len <= IKE_NONCE_MAX)
		return true;
	log_warn(SA_FMT " CHILD_SA rekey request lacks SA, Nonce (16 to 256 octets), TSi or TSr: INVALID_SYNTAX",
		 SA_ARGS(sa));
	rekey_notify_reply(sa, m, IKE_N_INVALID_SYNTAX, NULL, 0, 0, 0);
	return false;
}

/*
 * Step 2: with a DH group in the chosen proposal, the peer's KE must be of
 * that group (INVALID_KE_PAYLOAD naming ours otherwise); our key pair in
 * @kp and the shared secret in @gir. 0, or -1 answered.
 */
static int req_pfs(struct ike_sa *sa, const struct ike_msg *m, const struct ike_proposal *prop,
		   struct ike_dh **kp, uint8_t *gir, size_t cap, long *girlen)
{
	const struct ike_transform *dh = ike_proposal_get(prop, IKE_XF_DH);

	if (!dh || dh->id == IKE_DH_NONE)
		return 0;
	if (!(m->present & IKE_HAS(IKE_PL_KE)) || m->ke.group != dh->id) {
		uint8_t g[2] = { dh->id >> 8, dh->id & 0xff };

		log_info(SA_FMT " CHILD_SA rekey: peer sent %s KE, we chose PFS group %s: INVALID_KE_PAYLOAD",
			 SA_ARGS(sa), (m->present & IKE_HAS(IKE_PL_KE)) ?
			 (ike_dh_name(m->ke.group) ? ike_dh_name(m->ke.group) : "an unknown") : "no",
			 ike_dh_name(dh->id));
		rekey_notify_reply(sa, m, IKE_N_INVALID_KE_PAYLOAD, g, 2, 0, 0);
		return -1;
	}
	if (!(*kp = rekey_dh_new(sa, dh->id)) ||
	    (*girlen = rekey_dh_secret(sa, *kp, m, gir, cap)) < 0) {
		rekey_notify_reply(sa, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0, 0, 0);
		return -1;
	}
	return 0;
}

/*
 * Step 3: the peer's selectors narrowed to our policy, into @n and the
 * answer's @tsi/@tsr; TS_UNACCEPTABLE (recorded as the connection's last
 * failure) when nothing is left. 0, or -1 answered (@n wiped).
 */
static int req_selectors(struct ike_sa *sa, const struct ike_msg *m, struct child_sa *n,
			 struct ike_ts_payload *tsi, struct ike_ts_payload *tsr)
{
	char a1[600], a2[600], p1[600], p2[600];

	if (!ts_narrow(&m->tsi, sa->conn->remote_ts, sa->conn->nremote_ts, tsi, n->ts_remote,
		       &n->nts_remote) &&
	    !ts_narrow(&m->tsr, sa->conn->local_ts, sa->conn->nlocal_ts, tsr, n->ts_local,
		       &n->nts_local))
		return 0;
	ts_format(&m->tsi, a1, sizeof(a1));
	ts_format(&m->tsr, a2, sizeof(a2));
	kern_ts_format(sa->conn->remote_ts, sa->conn->nremote_ts, p1, sizeof(p1));
	kern_ts_format(sa->conn->local_ts, sa->conn->nlocal_ts, p2, sizeof(p2));
	conn_failure(sa->conn, SA_FMT " CHILD_SA rekey: TS_UNACCEPTABLE: peer proposed TSi %s TSr %s; our policy allows remote_ts %s local_ts %s",
		     SA_ARGS(sa), a1, a2, p1, p2);
	OPENSSL_cleanse(n, sizeof(*n));
	rekey_notify_reply(sa, m, IKE_N_TS_UNACCEPTABLE, NULL, 0, 0, 0);
	return -1;
}

/*
 * Step 4: the answer (SA with our new SPI, Nonce, KE with PFS, TSi, TSr)
 * built into @b first, then the new inbound SA installed: nothing is
 * installed or changed when the answer cannot be built. 0, or -1 answered
 * with NO_PROPOSAL_CHOSEN (@n out of the kernel and wiped).
 */
static int req_answer_install(struct ike_sa *sa, const struct ike_msg *m, struct child_sa *n,
			      struct ike_builder *b, uint8_t *chain, size_t cap,
			      const uint8_t *nr, size_t nr_len, const struct ike_dh *kp,
			      const struct ike_ts_payload *tsi, const struct ike_ts_payload *tsr)
{
	struct ike_sa_payload sap;
	uint32_t be;

	ike_build_chain(b, chain, cap);
	sap.nprops = 1;
	sap.prop[0] = n->prop;
	be = htonl(n->spi_in);
	memcpy(sap.prop[0].spi, &be, 4);
	ike_build_sa(b, &sap);
	ike_build_nonce(b, nr, nr_len);
	if (kp)
		rekey_add_ke(sa, b, kp);
	ike_build_ts(b, IKE_PL_TSI, tsi);
	ike_build_ts(b, IKE_PL_TSR, tsr);
	if (!b->failed && !child_install_in(sa, n))
		return 0;
	log_err(SA_FMT " CHILD_SA rekey could not be installed: refusing it", SA_ARGS(sa));
	if (n->state != CHILD_FREE)
		child_free(sa, n);
	else
		OPENSSL_cleanse(n, sizeof(*n));
	OPENSSL_cleanse(chain, cap);
	rekey_notify_reply(sa, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0, 0, 0);
	return -1;
}

/*
 * The peer rekeys @old, the CHILD_SA that REKEY_SA names (its state
 * checked by the dispatch table): the request checked, our proposal chosen, PFS, selectors, a new SPI and KEYMAT, the
 * answer built and the new inbound SA installed, then the old CHILD_SA
 * marked REKEYED (or, when we rekey it too, the collision noted for our own
 * answer, 2.8.1); the outbound SA switches when the peer deletes the old
 * pair (or after REKEY_OUT_WAIT_MS).
 */
void rekey_child_request(struct ike_sa *sa, struct ike_msg *m, struct child_sa *old)
{
	uint8_t chain[IKE_BUF_MAX], nr[REKEY_NONCE_LEN], gir[IKE_DH_MAX_SHARED];
	struct ike_ts_payload tsi, tsr;
	struct child_sa *n = NULL;
	struct ike_proposal prop;
	struct ike_dh *kp = NULL;
	struct ike_builder b;
	long girlen = 0;
	uint32_t be;

	/* A second rekey of the one both of us rekey: the first one stands. */
	if (old->state == CHILD_REKEYING && sa->pend.coll_spi &&
	    child_find_in(sa, sa->pend.coll_spi)) {
		child_rekey_busy(sa, m, old, true);
		return;
	}
	if (!req_payloads_ok(sa, m))
		return;
	if (child_choose(sa, m, &prop)) {
		rekey_notify_reply(sa, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0, 0, 0);
		return;
	}
	if (req_pfs(sa, m, &prop, &kp, gir, sizeof(gir), &girlen))
		goto wipe_secrets;
	n = child_new(sa);
	if (!n) {
		rekey_notify_reply(sa, m, IKE_N_NO_ADDITIONAL_SAS, NULL, 0, 0, 0);
		goto wipe_secrets;
	}
	if (req_selectors(sa, m, n, &tsi, &tsr))
		goto wipe_secrets;
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
	if (req_answer_install(sa, m, n, &b, chain, sizeof(chain), nr, sizeof(nr), kp, &tsi, &tsr))
		goto wipe_secrets;
	rekey_nonce_min(m->nonce.p, m->nonce.len, nr, sizeof(nr), n->nonce_min, &n->nonce_min_len);
	n->replaces = old->spi_in;
	n->out_at = timer_now() + REKEY_OUT_WAIT_MS;
	if (old->state == CHILD_REKEYING) {
		/* 2.8.1: both rekey it; settled when our own answer arrives. */
		log_info(SA_FMT " rekey collision: the peer rekeys CHILD_SA 0x%08x too", SA_ARGS(sa),
			 old->spi_in);
		sa->pend.coll_spi = n->spi_in;
	} else if (child_set_state(sa, old, CHILD_REKEYED)) {	/* the peer deletes it */
		log_warn(SA_FMT " CHILD_SA 0x%08x stays %s: its hard lifetime ends it if the peer does not",
			 SA_ARGS(sa), old->spi_in, child_state_name(old->state));
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
