// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * state.c - the IKE SA and CHILD_SA state machines: names, allowed
 * transitions, and the one function for each through which every state
 * change goes.
 */
#include "daemon.h"
#include "log.h"

static const char *const state_names[IKE_STATE_COUNT] = {
	[IKE_STATE_NEW] = "NEW",
	[IKE_STATE_INIT_SENT] = "INIT_SENT",
	[IKE_STATE_INIT_DONE] = "INIT_DONE",
	[IKE_STATE_AUTH_SENT] = "AUTH_SENT",
	[IKE_STATE_ESTABLISHED] = "ESTABLISHED",
	[IKE_STATE_REKEYING] = "REKEYING",
	[IKE_STATE_REKEYED] = "REKEYED",
	[IKE_STATE_DELETING] = "DELETING",
	[IKE_STATE_CLOSED] = "CLOSED",
};

#define TO(s)	(1u << (s))

/* For each state, the set of states it may move to. */
static const unsigned int transitions[IKE_STATE_COUNT] = {
	[IKE_STATE_NEW] = TO(IKE_STATE_INIT_SENT) | TO(IKE_STATE_INIT_DONE) |
			  TO(IKE_STATE_ESTABLISHED) | TO(IKE_STATE_CLOSED),
	[IKE_STATE_INIT_SENT] = TO(IKE_STATE_AUTH_SENT) | TO(IKE_STATE_CLOSED),
	[IKE_STATE_INIT_DONE] = TO(IKE_STATE_ESTABLISHED) | TO(IKE_STATE_CLOSED),
	[IKE_STATE_AUTH_SENT] = TO(IKE_STATE_ESTABLISHED) | TO(IKE_STATE_DELETING) |
				TO(IKE_STATE_CLOSED),
	[IKE_STATE_ESTABLISHED] = TO(IKE_STATE_REKEYING) | TO(IKE_STATE_REKEYED) |
				  TO(IKE_STATE_DELETING) | TO(IKE_STATE_CLOSED),
	[IKE_STATE_REKEYING] = TO(IKE_STATE_ESTABLISHED) | TO(IKE_STATE_REKEYED) |
			       TO(IKE_STATE_DELETING) | TO(IKE_STATE_CLOSED),
	[IKE_STATE_REKEYED] = TO(IKE_STATE_DELETING) | TO(IKE_STATE_CLOSED),
	[IKE_STATE_DELETING] = TO(IKE_STATE_CLOSED),
	[IKE_STATE_CLOSED] = 0,
};

const char *ike_state_name(enum ike_state s)
{
	return (unsigned int)s < IKE_STATE_COUNT ? state_names[s] : "?";
}

int ike_sa_set_state(struct ike_sa *sa, enum ike_state new)
{
	enum ike_state old = sa->state;

	if ((unsigned int)new >= IKE_STATE_COUNT || !(transitions[old] & TO(new))) {
		log_err(SA_FMT " refused state change %s -> %s (not in the transition table)",
			SA_ARGS(sa), ike_state_name(old), ike_state_name(new));
		return -1;
	}
	sa->state = new;
	if (new == IKE_STATE_ESTABLISHED && !sa->established_at)
		sa->established_at = timer_now();
	log_info(SA_FMT " %s -> %s", SA_ARGS(sa), ike_state_name(old), ike_state_name(new));
	return 0;
}

static const char *const child_names[CHILD_STATE_COUNT] = {
	[CHILD_FREE] = "FREE",
	[CHILD_INBOUND] = "INBOUND",
	[CHILD_INSTALLED] = "INSTALLED",
	[CHILD_REKEYING] = "REKEYING",
	[CHILD_REKEYED] = "REKEYED",
	[CHILD_DELETING] = "DELETING",
};

/* For each CHILD_SA state, the states it may move to. */
static const unsigned int child_transitions[CHILD_STATE_COUNT] = {
	[CHILD_FREE] = TO(CHILD_INBOUND),
	[CHILD_INBOUND] = TO(CHILD_INSTALLED) | TO(CHILD_REKEYED) | TO(CHILD_DELETING) |
			  TO(CHILD_FREE),
	[CHILD_INSTALLED] = TO(CHILD_REKEYING) | TO(CHILD_REKEYED) | TO(CHILD_DELETING) |
			    TO(CHILD_FREE),
	[CHILD_REKEYING] = TO(CHILD_INSTALLED) | TO(CHILD_REKEYED) | TO(CHILD_DELETING) |
			   TO(CHILD_FREE),
	[CHILD_REKEYED] = TO(CHILD_DELETING) | TO(CHILD_FREE),
	[CHILD_DELETING] = TO(CHILD_FREE),
};

const char *child_state_name(enum child_state s)
{
	return (unsigned int)s < CHILD_STATE_COUNT ? child_names[s] : "?";
}

int child_set_state(struct ike_sa *sa, struct child_sa *c, enum child_state new)
{
	enum child_state old = c->state;

	if ((unsigned int)new >= CHILD_STATE_COUNT || !(child_transitions[old] & TO(new))) {
		log_err(SA_FMT " CHILD_SA 0x%08x: refused state change %s -> %s", SA_ARGS(sa),
			c->spi_in, child_state_name(old), child_state_name(new));
		return -1;
	}
	c->state = new;
	log_info(SA_FMT " CHILD_SA 0x%08x/0x%08x %s -> %s", SA_ARGS(sa), c->spi_in, c->spi_out,
		 child_state_name(old), child_state_name(new));
	return 0;
}
