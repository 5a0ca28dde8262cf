// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * dispatch.c - which protected message may reach which handler, decided in
 * one place (RFC 7296 1.1-1.4): a table of (exchange type, request or
 * response, the IKE SA states it is legal in, our role) -> handler,
 * consulted for every decrypted message before any handler runs, in the
 * spirit of OpenBSD iked's sa_state() and strongSwan's task list. A message
 * that no row allows is logged and dropped; a request of an exchange we do
 * not implement is answered (NO_ADDITIONAL_SAS, as before). The handlers
 * decide what depends on the message's content and on CHILD_SA states.
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
 * struct exch_rule - one row of the dispatch table
 * @exchange: IKE_EXCH_*
 * @response: the row is for responses (else requests)
 * @states: bit (1 << enum ike_state) per state the message is legal in
 * @role: which end of the IKE SA may receive it
 * @request: handler of a request
 * @answer: handler of a response; gets what our request was for
 */
struct exch_rule {
	uint8_t exchange;
	bool response;
	uint32_t states;
	enum exch_role role;
	void (*request)(struct ike_sa *sa, struct ike_msg *m);
	void (*answer)(struct ike_sa *sa, struct ike_msg *m, enum ike_req_kind kind);
};

static void auth_answer(struct ike_sa *sa, struct ike_msg *m, enum ike_req_kind kind)
{
	(void)kind;
	auth_response(sa, m);
}

static const struct exch_rule exch_rules[] = {
	/* 1.2: the responder gets IKE_AUTH once IKE_SA_INIT is done. */
	{ IKE_EXCH_AUTH, false, ST(IKE_STATE_INIT_DONE), ROLE_ORIGINAL_RESPONDER,
	  auth_request, NULL },
	{ IKE_EXCH_AUTH, true, ST(IKE_STATE_AUTH_SENT), ROLE_ORIGINAL_INITIATOR,
	  NULL, auth_answer },
	/* 1.4: INFORMATIONAL (Delete, DPD, errors) whenever there are keys. */
	{ IKE_EXCH_INFORMATIONAL, false, ST_KEYED, ROLE_ANY, info_request, NULL },
	{ IKE_EXCH_INFORMATIONAL, true, ST_KEYED, ROLE_ANY, NULL, info_response },
	/* 1.3: CREATE_CHILD_SA only after IKE_AUTH (1.2: "MUST NOT" before). */
	{ IKE_EXCH_CREATE_CHILD_SA, false, ST_AUTHED, ROLE_ANY, rekey_request, NULL },
	{ IKE_EXCH_CREATE_CHILD_SA, true, ST_AUTHED, ROLE_ANY, NULL, rekey_response },
};

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
	bool response = h->flags & IKE_FLAG_RESPONSE, known = false;
	const struct exch_rule *r;
	size_t i;

	for (i = 0; i < sizeof(exch_rules) / sizeof(exch_rules[0]); i++) {
		r = &exch_rules[i];
		if (r->exchange != h->exchange || r->response != response)
			continue;
		known = true;
		if (!(r->states & ST(sa->state)) || !role_ok(sa, r->role))
			continue;
		if (response)
			r->answer(sa, m, kind);
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
