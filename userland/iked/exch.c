// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * exch.c - what every exchange after IKE_SA_INIT shares: the header, the
 * SK payload around the payload chain, message IDs, and logging the
 * error notifications the peer sent.
 */
#include <string.h>

#include "daemon.h"
#include "log.h"

void exch_hdr(const struct ike_sa *sa, struct ike_hdr *h, uint8_t exch, bool response,
	      uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->spi_i, sa->spi_i, 8);
	memcpy(h->spi_r, sa->spi_r, 8);
	h->version = IKE_VERSION_2;
	h->exchange = exch;
	h->flags = (uint8_t)((sa->initiator ? IKE_FLAG_INITIATOR : 0) |
			     (response ? IKE_FLAG_RESPONSE : 0));
	h->msgid = msgid;
}

/* Wrap @chain in SK into @out; returns the message length or -1. */
static long protect(struct ike_sa *sa, uint8_t exch, bool response, uint32_t msgid,
		    struct ike_builder *chain, uint8_t *out, size_t cap)
{
	struct ike_builder b;
	struct ike_err err = { 0 };
	struct ike_hdr h;
	long clen = ike_build_finish(chain), len;

	if (clen < 0) {
		log_err(SA_FMT " %s: payloads do not fit in %zu octets", SA_ARGS(sa),
			ike_exchange_name(exch), chain->cap);
		return -1;
	}
	exch_hdr(sa, &h, exch, response, msgid);
	ike_build_init(&b, out, cap, &h);
	len = ike_sk_protect(&sa->sk_out, &b, ike_build_first(chain), chain->buf, (size_t)clen,
			     &err);
	explicit_bzero(chain->buf, (size_t)clen);
	if (len < 0)
		log_err(SA_FMT " %s: %s", SA_ARGS(sa), ike_exchange_name(exch), err.msg);
	return len;
}

int exch_request(struct ike_sa *sa, uint8_t exch, struct ike_builder *chain,
		 enum ike_req_kind kind)
{
	uint8_t out[IKE_BUF_MAX];
	long len;

	if (sa->req.buf) {
		log_warn(SA_FMT " cannot send %s: a request is still outstanding (window of one)",
			 SA_ARGS(sa), ike_exchange_name(exch));
		return -1;
	}
	len = protect(sa, exch, false, sa->req_next, chain, out, sizeof(out));
	if (len < 0)
		return -1;
	if (net_request(sa, out, (size_t)len, sa->req_next, kind))
		return -1;
	sa->req_next++;
	return 0;
}

int exch_respond(struct ike_sa *sa, uint8_t exch, uint32_t msgid, struct ike_builder *chain)
{
	uint8_t out[IKE_BUF_MAX];
	long len = protect(sa, exch, true, msgid, chain, out, sizeof(out));

	if (len < 0)
		return -1;
	return net_respond(sa, out, (size_t)len, msgid);
}

uint16_t exch_error_notify(const struct ike_sa *sa, const struct ike_msg *m, const char *what)
{
	uint16_t first = 0;

	for (unsigned int i = 0; i < m->nnotify; i++) {
		uint16_t t = m->notify[i].type;

		if (t > IKE_N_ERROR_MAX)
			continue;
		log_warn(SA_FMT " peer answered %s with %s (%u)", SA_ARGS(sa), what,
			 ike_notify_name(t), t);
		if (!first)
			first = t;
	}
	return first;
}
