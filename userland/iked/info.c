// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * info.c - the INFORMATIONAL exchange (RFC 7296 1.4): Delete payloads for
 * the IKE SA and its CHILD_SAs in both directions (the old pair of a
 * rekeyed CHILD_SA included: its successor's outbound SA goes in when the
 * peer deletes it, crossed Deletes as 1.4.1 says), liveness checks (dead
 * peer detection, 2.4) with the connection's action, and what happens
 * when one of our requests is never answered.
 */
#include <arpa/inet.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

/* The IKE SA that took over the CHILD_SAs of @sa, or NULL. */
static struct ike_sa *successor(struct ike_sa *sa)
{
	return sa->rekeyed_to ? ike_sa_by_id(sa->rekeyed_to) : NULL;
}

/*
 * The peer deletes its inbound ESP SA @spi, our outbound SA: its pair goes.
 * Returns our inbound SPI of the pair for the Delete of the response, 0
 * when there is none to name.
 */
static uint32_t peer_deletes(struct ike_sa *sa, uint32_t spi)
{
	struct ike_sa *owner = sa;
	struct child_sa *c = child_find_out(sa, spi), *n;
	uint32_t in;

	if (!c && (owner = successor(sa)))
		c = child_find_out(owner, spi);
	if (!c) {
		log_info(SA_FMT " peer deletes ESP SPI 0x%08x, which we do not have", SA_ARGS(sa),
			 spi);
		return 0;
	}
	/*
	 * Make-before-break, responder side: the peer switched to the new
	 * CHILD_SA before deleting the old one, so our outbound SA of the new
	 * one goes in now, before the old inbound SA leaves the device.
	 */
	n = child_successor(owner, c->spi_in);
	if (n && child_install_out(owner, n))
		log_err(SA_FMT " outbound SA 0x%08x of the rekeyed CHILD_SA not installed",
			SA_ARGS(owner), n->spi_out);
	if (c->state == CHILD_DELETING) {
		/* Deletes crossed (1.4.1): our request's answer removes it, not named here. */
		log_info(SA_FMT " peer deletes CHILD_SA 0x%08x/0x%08x, which we are deleting too",
			 SA_ARGS(owner), c->spi_in, spi);
		return 0;
	}
	in = c->spi_in;
	log_info(SA_FMT " peer deletes its CHILD_SA (SPI 0x%08x, ours 0x%08x)%s", SA_ARGS(owner),
		 spi, in, n ? ": rekeyed, switched to the new one" : "");
	child_free(owner, c);
	return in;
}

void info_request(struct ike_sa *sa, struct ike_msg *m)
{
	uint8_t chain[IKE_BUF_MAX], spis[4 * IKE_MAX_DELETE];
	struct ike_builder b;
	struct ike_delete d = { .proto = IKE_PROTO_ESP, .spi_size = 4 };
	bool delete_ike = false, refused;
	char id[300];

	ike_build_chain(&b, chain, sizeof(chain));
	for (unsigned int i = 0; i < m->ndelete; i++) {
		const struct ike_delete *del = &m->del[i];

		if (del->proto == IKE_PROTO_IKE) {
			delete_ike = true;
			continue;
		}
		if (del->proto != IKE_PROTO_ESP || del->spi_size != 4) {
			log_info(SA_FMT " peer deletes SAs of protocol %u with %u-octet SPIs; we have only ESP SAs with 4-octet SPIs",
				 SA_ARGS(sa), del->proto, del->spi_size);
			continue;
		}
		for (unsigned int j = 0; j < del->nspi; j++) {
			uint32_t be, spi;

			memcpy(&be, del->spis.p + 4 * j, 4);
			spi = peer_deletes(sa, ntohl(be));
			be = htonl(spi);
			if (spi && d.nspi < IKE_MAX_DELETE)
				memcpy(spis + 4 * d.nspi++, &be, 4);
		}
	}
	if (d.nspi) {
		d.spis.p = spis;
		d.spis.len = 4u * d.nspi;
		ike_build_delete(&b, &d);
	}
	if (!m->ndelete && !m->nnotify)
		log_debug(SA_FMT " liveness check from the peer answered", SA_ARGS(sa));
	refused = ike_msg_notify(m, IKE_N_AUTHENTICATION_FAILED) != NULL;
	if (refused) {
		conf_ident_format(&sa->conn->local_id, id, sizeof(id));
		log_warn(SA_FMT " AUTHENTICATION_FAILED: the %s refused our authentication as %s after IKE_AUTH (INFORMATIONAL): %s",
			 SA_ARGS(sa), sa->initiator ? "responder" : "initiator", id,
			 sa->conn->auth == AUTH_PUBKEY ?
			 "it does not accept our certificate, or expects another identity" :
			 "different pre-shared key, or it expects another identity");
	}
	exch_respond(sa, IKE_EXCH_INFORMATIONAL, m->hdr.msgid, &b);
	/* 2.21.2: the peer failed to authenticate us; the IKE SA and its CHILD_SAs go */
	if (refused)
		ike_sa_close(sa, "the peer refused our authentication");
	else if (delete_ike)
		ike_sa_close(sa, "the peer deleted the IKE SA");
}

void info_response(struct ike_sa *sa, struct ike_msg *m, enum ike_req_kind kind)
{
	struct child_sa *c;

	(void)m;
	if (kind == REQ_DELETE_IKE) {
		ike_sa_close(sa, "deleted");
	} else if (kind == REQ_AUTH_FAILED) {
		ike_sa_close(sa, "authentication of the responder failed");
	} else if (kind == REQ_DPD) {
		log_debug(SA_FMT " peer is alive", SA_ARGS(sa));
	} else if (kind == REQ_DELETE_CHILD) {
		c = child_find_in(sa, sa->pend.del_spi);
		sa->pend.del_spi = 0;
		if (!c)
			return;
		log_info(SA_FMT " peer answered our Delete of CHILD_SA 0x%08x/0x%08x", SA_ARGS(sa),
			 c->spi_in, c->spi_out);
		child_free(sa, c);
	}
}

int info_delete_child(struct ike_sa *sa, struct child_sa *c)
{
	uint8_t chain[64];
	struct ike_builder b;
	struct ike_delete d = { .proto = IKE_PROTO_ESP, .spi_size = 4, .nspi = 1 };
	uint32_t be = htonl(c->spi_in);

	if (sa->req.buf || (sa->state != IKE_STATE_ESTABLISHED && sa->state != IKE_STATE_REKEYED) ||
	    c->state == CHILD_FREE || c->state == CHILD_DELETING)
		return -1;
	d.spis.p = (const uint8_t *)&be;
	d.spis.len = 4;
	ike_build_chain(&b, chain, sizeof(chain));
	ike_build_delete(&b, &d);
	if (exch_request(sa, IKE_EXCH_INFORMATIONAL, &b, REQ_DELETE_CHILD))
		return -1;
	sa->pend.del_spi = c->spi_in;
	c->delete_at = 0;
	/* Every state but FREE and DELETING (refused above) may go to DELETING. */
	if (child_set_state(sa, c, CHILD_DELETING))
		log_err(SA_FMT " CHILD_SA 0x%08x: Delete sent in state %s", SA_ARGS(sa), c->spi_in,
			child_state_name(c->state));
	return 0;
}

int info_auth_failed(struct ike_sa *sa)
{
	uint8_t chain[64];
	struct ike_builder b;
	struct ike_notify n = { .type = IKE_N_AUTHENTICATION_FAILED };
	struct child_sa *c = &sa->child[0];

	/* The inbound SPI our IKE_AUTH reserved will never get its SA. */
	if (c->state == CHILD_FREE && c->spi_in) {
		child_release_in(sa, c->spi_in);
		c->spi_in = 0;
	}
	ike_build_chain(&b, chain, sizeof(chain));
	ike_build_notify(&b, &n);
	if (exch_request(sa, IKE_EXCH_INFORMATIONAL, &b, REQ_AUTH_FAILED) ||
	    ike_sa_set_state(sa, IKE_STATE_DELETING)) {
		ike_sa_close(sa, "authentication of the responder failed");
		return -1;
	}
	log_info(SA_FMT " AUTHENTICATION_FAILED sent to the responder in an INFORMATIONAL request",
		 SA_ARGS(sa));
	return 0;
}

int info_delete_ike(struct ike_sa *sa)
{
	uint8_t chain[64];
	struct ike_builder b;
	struct ike_delete d = { .proto = IKE_PROTO_IKE };

	if (sa->state != IKE_STATE_ESTABLISHED && sa->state != IKE_STATE_AUTH_SENT &&
	    sa->state != IKE_STATE_REKEYING && sa->state != IKE_STATE_REKEYED) {
		ike_sa_close(sa, "deleted before it was established");
		return 0;
	}
	rekey_abort(sa);
	child_free_all(sa);
	ike_build_chain(&b, chain, sizeof(chain));
	ike_build_delete(&b, &d);
	net_request_done(sa);	/* a Delete supersedes anything outstanding */
	if (exch_request(sa, IKE_EXCH_INFORMATIONAL, &b, REQ_DELETE_IKE) ||
	    ike_sa_set_state(sa, IKE_STATE_DELETING)) {
		ike_sa_close(sa, "Delete could not be sent");
		return -1;
	}
	return 0;
}

static void dpd_tick(void *arg)
{
	struct ike_sa *sa = arg;
	uint64_t delay = (uint64_t)sa->conn->dpd_delay * 1000, idle;
	uint8_t chain[16];
	struct ike_builder b;

	if (sa->state != IKE_STATE_ESTABLISHED && sa->state != IKE_STATE_REKEYING)
		return;
	idle = timer_now() - sa->last_rx;
	if (idle < delay) {
		timer_start(&sa->dpd_timer, delay - idle);
		return;
	}
	timer_start(&sa->dpd_timer, delay);
	if (sa->req.buf)
		return;		/* that request is already a liveness check */
	log_debug(SA_FMT " nothing from the peer for %llu ms: liveness check", SA_ARGS(sa),
		  (unsigned long long)idle);
	ike_build_chain(&b, chain, sizeof(chain));
	exch_request(sa, IKE_EXCH_INFORMATIONAL, &b, REQ_DPD);
}

void info_dpd_start(struct ike_sa *sa)
{
	if (!sa->conn->dpd_delay)
		return;
	sa->dpd_timer.cb = dpd_tick;
	timer_start(&sa->dpd_timer, (uint64_t)sa->conn->dpd_delay * 1000);
}

#define RETRY_FIRST_MS	2000	/* first new attempt after an unanswered one */
#define RETRY_MAX_MS	30000	/* back-off limit */

static void retry_fire(void *arg)
{
	struct conn *cn = arg;

	if (!ike_sa_of_conn(cn))
		init_start(cn);
}

/*
 * A connection that should be up (start initiate, or dpd_action restart)
 * whose initiation got no answer tries again, with a back-off doubling from
 * 2 s to 30 s, until the peer answers or "down" is asked for.
 */
static void retry_arm(struct conn *cn)
{
	uint64_t ms = RETRY_FIRST_MS;
	char a[64];

	for (unsigned int i = 0; i < cn->retries && ms < RETRY_MAX_MS; i++)
		ms *= 2;
	if (ms > RETRY_MAX_MS)
		ms = RETRY_MAX_MS;
	cn->retries++;
	if (!cn->retry_timer.cb)
		timer_init(&cn->retry_timer, retry_fire, cn);
	addr_format(&cn->remote, false, a, sizeof(a));
	log_info("conn %s: no answer from %s; initiating again in %llu s (attempt %u)", cn->name,
		 a, (unsigned long long)(ms / 1000), cn->retries + 1);
	timer_start(&cn->retry_timer, ms);
}

void info_retry_cancel(struct conn *cn)
{
	if (cn->retry_timer.cb)
		timer_stop(&cn->retry_timer);
	cn->retries = 0;
}

void info_gave_up(struct ike_sa *sa, enum ike_req_kind kind)
{
	struct conn *cn = sa->conn;

	switch (kind) {
	case REQ_DPD:
		log_warn(SA_FMT " dead peer: no answer to the liveness check, action %s",
			 SA_ARGS(sa), cn->dpd_action == DPD_RESTART ? "restart" : "clear");
		ike_sa_close(sa, "dead peer detected");
		if (cn->dpd_action == DPD_RESTART)
			init_start(cn);
		break;
	case REQ_DELETE_IKE:
		ike_sa_close(sa, "no answer to our Delete");
		break;
	case REQ_AUTH_FAILED:
		ike_sa_close(sa, "authentication of the responder failed (no answer to our AUTHENTICATION_FAILED)");
		break;
	case REQ_REKEY_CHILD:
	case REQ_REKEY_IKE:
	case REQ_DELETE_CHILD:
		log_warn(SA_FMT " dead peer: no answer to our %s, action %s", SA_ARGS(sa),
			 kind == REQ_DELETE_CHILD ? "Delete of a CHILD_SA" : "CREATE_CHILD_SA",
			 cn->dpd_action == DPD_RESTART ? "restart" : "clear");
		rekey_abort(sa);
		ike_sa_close(sa, "dead peer detected");
		if (cn->dpd_action == DPD_RESTART)
			init_start(cn);
		break;
	default:
		ike_sa_close(sa, kind == REQ_SA_INIT ? "no answer to IKE_SA_INIT" :
			     "no answer to IKE_AUTH");
		if (sa->initiator &&
		    (cn->start == START_INITIATE || cn->dpd_action == DPD_RESTART))
			retry_arm(cn);
		break;
	}
}
