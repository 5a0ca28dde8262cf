// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * info.c - the INFORMATIONAL exchange (RFC 7296 1.4): Delete payloads for
 * the IKE SA and its CHILD_SA in both directions, liveness checks (dead
 * peer detection, 2.4) with the connection's action, and what happens
 * when one of our requests is never answered.
 */
#include <arpa/inet.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

void info_request(struct ike_sa *sa, struct ike_msg *m)
{
	uint8_t chain[IKE_BUF_MAX], spis[4 * IKE_MAX_DELETE];
	struct ike_builder b;
	struct ike_delete d = { .proto = IKE_PROTO_ESP, .spi_size = 4 };
	bool delete_ike = false;

	ike_build_chain(&b, chain, sizeof(chain));
	for (unsigned int i = 0; i < m->ndelete; i++) {
		const struct ike_delete *del = &m->del[i];

		if (del->proto == IKE_PROTO_IKE) {
			delete_ike = true;
			continue;
		}
		if (del->proto != IKE_PROTO_ESP || del->spi_size != 4)
			continue;
		for (unsigned int j = 0; j < del->nspi; j++) {
			uint32_t be, spi;

			memcpy(&be, del->spis.p + 4 * j, 4);
			spi = ntohl(be);
			if (!sa->child.installed || spi != sa->child.spi_out) {
				log_info(SA_FMT " peer deletes ESP SPI 0x%08x, which we do not have",
					 SA_ARGS(sa), spi);
				continue;
			}
			log_info(SA_FMT " peer deletes its CHILD_SA (SPI 0x%08x)", SA_ARGS(sa), spi);
			child_uninstall(sa, &sa->child);
			be = htonl(sa->child.spi_in);
			if (d.nspi < IKE_MAX_DELETE)
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
	exch_respond(sa, IKE_EXCH_INFORMATIONAL, m->hdr.msgid, &b);
	if (delete_ike)
		ike_sa_close(sa, "the peer deleted the IKE SA");
}

void info_response(struct ike_sa *sa, struct ike_msg *m, enum ike_req_kind kind)
{
	(void)m;
	if (kind == REQ_DELETE_IKE)
		ike_sa_close(sa, "deleted");
	else if (kind == REQ_DPD)
		log_debug(SA_FMT " peer is alive", SA_ARGS(sa));
}

int info_delete_ike(struct ike_sa *sa)
{
	uint8_t chain[64];
	struct ike_builder b;
	struct ike_delete d = { .proto = IKE_PROTO_IKE };

	if (sa->state != IKE_STATE_ESTABLISHED && sa->state != IKE_STATE_AUTH_SENT) {
		ike_sa_close(sa, "deleted before it was established");
		return 0;
	}
	child_uninstall(sa, &sa->child);
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

	if (sa->state != IKE_STATE_ESTABLISHED)
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
	default:
		ike_sa_close(sa, kind == REQ_SA_INIT ? "no answer to IKE_SA_INIT" :
			     "no answer to IKE_AUTH");
		break;
	}
}
