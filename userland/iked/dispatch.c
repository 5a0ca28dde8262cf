// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * dispatch.c - which protected message may reach which handler, decided in
 * one place (RFC 7296 1.1-1.4): a table of (exchange type, request or
 * response, what the request asks for, the IKE SA states and the states of
 * the CHILD_SA it names that the row applies in, our role) -> handler,
 * consulted for every decrypted message before any handler runs, in the
 * spirit of OpenBSD iked's sa_state() and strongSwan's task list. A message
 * that no row allows is logged and dropped; a request of an exchange we do
 * not implement is answered (NO_ADDITIONAL_SAS, as before). The handlers
 * decide what depends on the rest of the message's content (a Delete's
 * SPIs, a rekey collision) and on our outstanding request.
 *
 * IKE_SA_INIT, which has no SK payload, is dispatched by net.c before this
 * (init_request / init_response).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon.h"
#include "log.h"

#define ST(s)		(1u << (s))
_Static_assert(IKE_STATE_COUNT <= 32, "enum ike_state outgrew the state masks");
/* Every state in which the IKE SA has keys and is not yet closed. */
#define ST_KEYED	(ST(IKE_STATE_INIT_DONE) | ST(IKE_STATE_AUTH_SENT) | \
			 ST(IKE_STATE_ESTABLISHED) | ST(IKE_STATE_REKEYING) | \
			 ST(IKE_STATE_REKEYED) | ST(IKE_STATE_DELETING))
/* Every state after IKE_AUTH completed. */
#define ST_AUTHED	(ST(IKE_STATE_ESTABLISHED) | ST(IKE_STATE_REKEYING) | \
			 ST(IKE_STATE_REKEYED) | ST(IKE_STATE_DELETING))

/* CHILD_SA states, as bits of the same kind. */
#define CH(s)		(1u << (s))
_Static_assert(CHILD_STATE_COUNT <= 32, "enum child_state outgrew the state masks");
/* A CHILD_SA that can be rekeyed: in use, or ours and being rekeyed (2.8.1). */
#define CH_REKEYABLE	(CH(CHILD_INBOUND) | CH(CHILD_INSTALLED) | CH(CHILD_REKEYING))
#define CH_ANY		(CH_REKEYABLE | CH(CHILD_REKEYED) | CH(CHILD_DELETING))

/**
 * enum exch_role - which end of the IKE SA may receive the message
 * @ROLE_ANY: either.
 * @ROLE_ORIGINAL_INITIATOR: the end that sent IKE_SA_INIT.
 * @ROLE_ORIGINAL_RESPONDER: the end that answered it.
 */
enum exch_role {
	ROLE_ANY,
	ROLE_ORIGINAL_INITIATOR,
	ROLE_ORIGINAL_RESPONDER,
};

/**
 * enum exch_kind - what a request asks for, where the exchange type does
 * not say it all (RFC 7296 1.3)
 * @KIND_ANY: the exchange type says it all (and every response).
 * @KIND_REKEY_CHILD: CREATE_CHILD_SA with REKEY_SA: rekey the CHILD_SA
 *	it names.
 * @KIND_REKEY_IKE: CREATE_CHILD_SA whose SA payload is for protocol IKE.
 * @KIND_NEW_CHILD: CREATE_CHILD_SA for an additional CHILD_SA.
 */
enum exch_kind {
	KIND_ANY,
	KIND_REKEY_CHILD,
	KIND_REKEY_IKE,
	KIND_NEW_CHILD,
};

/**
 * struct exch_rule - one row of the dispatch table
 * @exchange: IKE_EXCH_*
 * @response: the row is for responses (else requests)
 * @kind: what the request asks for
 * @states: bit (1 << enum ike_state) per IKE SA state the row applies in
 * @child_states: for a request that names a CHILD_SA (KIND_REKEY_CHILD),
 *	bit (1 << enum child_state) per state of that CHILD_SA the row
 *	applies in; 0 for the others
 * @role: which end of the IKE SA may receive it
 * @request: handler of a request
 * @child_request: handler of a request naming the CHILD_SA it gets
 * @answer: handler of a response; gets what our request was for
 *
 * The first row whose exchange, direction, kind, states and role match
 * the message takes it.
 */
struct exch_rule {
	uint8_t exchange;
	bool response;
	enum exch_kind kind;
	uint32_t states;
	uint32_t child_states;
	enum exch_role role;
	void (*request)(struct ike_sa *sa, struct ike_msg *m);
	void (*child_request)(struct ike_sa *sa, struct ike_msg *m, struct child_sa *c);
	void (*answer)(struct ike_sa *sa, struct ike_msg *m, enum ike_req_kind kind);
};

static void auth_answer(struct ike_sa *sa, struct ike_msg *m, enum ike_req_kind kind)
{
	(void)kind;
	auth_response(sa, m);
}

#define REQ(ex, kd, st, ch, ro, fn)	{ ex, false, kd, st, ch, ro, fn, NULL, NULL }
#define REQ_CHILD(ex, kd, st, ch, fn)	{ ex, false, kd, st, ch, ROLE_ANY, NULL, fn, NULL }
#define RESP(ex, st, ro, fn)		{ ex, true, KIND_ANY, st, 0, ro, NULL, NULL, fn }

static const struct exch_rule exch_rules[] = {
	/* 1.2: the responder gets IKE_AUTH once IKE_SA_INIT is done. */
	REQ(IKE_EXCH_AUTH, KIND_ANY, ST(IKE_STATE_INIT_DONE), 0, ROLE_ORIGINAL_RESPONDER,
	    auth_request),
	RESP(IKE_EXCH_AUTH, ST(IKE_STATE_AUTH_SENT), ROLE_ORIGINAL_INITIATOR, auth_answer),
	/* 1.4: INFORMATIONAL (Delete, DPD, errors) whenever there are keys. */
	REQ(IKE_EXCH_INFORMATIONAL, KIND_ANY, ST_KEYED, 0, ROLE_ANY, info_request),
	RESP(IKE_EXCH_INFORMATIONAL, ST_KEYED, ROLE_ANY, info_response),
	/*
	 * 1.3: CREATE_CHILD_SA only after IKE_AUTH (1.2: "MUST NOT" before).
	 * A CHILD_SA rekey (2.8) of one in use, while the IKE SA is neither
	 * replaced nor going; in any other state TEMPORARY_FAILURE (2.25).
	 */
	REQ_CHILD(IKE_EXCH_CREATE_CHILD_SA, KIND_REKEY_CHILD,
		  ST(IKE_STATE_ESTABLISHED) | ST(IKE_STATE_REKEYING), CH_REKEYABLE,
		  rekey_child_request),
	REQ_CHILD(IKE_EXCH_CREATE_CHILD_SA, KIND_REKEY_CHILD, ST_AUTHED, CH_ANY,
		  rekey_child_refused),
	REQ(IKE_EXCH_CREATE_CHILD_SA, KIND_REKEY_IKE, ST_AUTHED, 0, ROLE_ANY, rekey_ike_request),
	REQ(IKE_EXCH_CREATE_CHILD_SA, KIND_NEW_CHILD, ST_AUTHED, 0, ROLE_ANY,
	    rekey_new_child_refused),
	RESP(IKE_EXCH_CREATE_CHILD_SA, ST_AUTHED, ROLE_ANY, rekey_response),
};

/* What the request @m asks for (1.3: REKEY_SA, or the SA payload's protocol). */
static enum exch_kind kind_of(const struct ike_hdr *h, const struct ike_msg *m, bool response)
{
	if (response || h->exchange != IKE_EXCH_CREATE_CHILD_SA)
		return KIND_ANY;
	if (ike_msg_notify(m, IKE_N_REKEY_SA))
		return KIND_REKEY_CHILD;
	if ((m->present & IKE_HAS(IKE_PL_SA)) && m->sa.nprops &&
	    m->sa.prop[0].proto == IKE_PROTO_IKE)
		return KIND_REKEY_IKE;
	return KIND_NEW_CHILD;
}

static bool role_ok(const struct ike_sa *sa, enum exch_role role)
{
	switch (role) {
	case ROLE_ORIGINAL_INITIATOR:
		return sa->initiator;
	case ROLE_ORIGINAL_RESPONDER:
		return !sa->initiator;
	default:
		return true;
	}
}

/* An exchange we do not implement: its request gets NO_ADDITIONAL_SAS. */
static void exch_unsupported(struct ike_sa *sa, const struct ike_hdr *h, bool response)
{
	struct ike_notify n = { .type = IKE_N_NO_ADDITIONAL_SAS };
	struct ike_builder b;
	uint8_t chain[64];

	log_warn(SA_FMT " %s %s not supported", SA_ARGS(sa), ike_exchange_name(h->exchange),
		 response ? "response" : "request");
	if (response)
		return;
	ike_build_chain(&b, chain, sizeof(chain));
	ike_build_notify(&b, &n);
	exch_respond(sa, h->exchange, h->msgid, &b);
}

void exch_dispatch(struct ike_sa *sa, const struct ike_hdr *h, struct ike_msg *m,
		   enum ike_req_kind kind)
{
	bool response = h->flags & IKE_FLAG_RESPONSE, known = false, looked = false;
	enum exch_kind what = kind_of(h, m, response);
	struct child_sa *c = NULL;
	const struct exch_rule *r;
	size_t i;

	for (i = 0; i < sizeof(exch_rules) / sizeof(exch_rules[0]); i++) {
		r = &exch_rules[i];
		if (r->exchange != h->exchange || r->response != response || r->kind != what)
			continue;
		known = true;
		if (!(r->states & ST(sa->state)) || !role_ok(sa, r->role))
			continue;
		/* The CHILD_SA the request names, once; unknown: answered, done. */
		if (r->child_states && !looked) {
			looked = true;
			c = rekey_child_named(sa, m);
			if (!c)
				return;
		}
		if (r->child_states && !(r->child_states & CH(c->state)))
			continue;
		if (response)
			r->answer(sa, m, kind);
		else if (r->child_request)
			r->child_request(sa, m, c);
		else
			r->request(sa, m);
		return;
	}
	if (!known) {
		exch_unsupported(sa, h, response);
		return;
	}
	log_warn(SA_FMT " %s %s %u in state %s (%s of the IKE SA) not allowed: ignored",
		 SA_ARGS(sa), ike_exchange_name(h->exchange), response ? "response" : "request",
		 h->msgid, ike_state_name(sa->state),
		 sa->initiator ? "original initiator" : "original responder");
}
