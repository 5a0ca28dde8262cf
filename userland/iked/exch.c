// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * exch.c - what every exchange after IKE_SA_INIT shares: the header, the
 * SK payload around the payload chain, message IDs, and logging the
 * error notifications the peer sent; and IKE fragmentation (RFC 7383):
 * its negotiation in IKE_SA_INIT, and the choice to send a message as
 * SKF fragments (frag.c cuts and protects them).
 */
#include <netinet/in.h>
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

void exch_frag_init_add(struct ike_builder *b, const struct ike_sa *sa)
{
	struct ike_notify n = { .type = IKE_N_IKEV2_FRAGMENTATION_SUPPORTED };

	/* The responder answers the initiator's offer only (RFC 7383 2.3). */
	if (sa->initiator ? sa->conn->fragmentation : sa->frag)
		ike_build_notify(b, &n);
}

void exch_frag_init_peer(struct ike_sa *sa, const struct ike_msg *m)
{
	sa->frag = sa->conn->fragmentation &&
		   ike_msg_notify(m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED);
	if (sa->frag)
		log_debug(SA_FMT " IKE fragmentation negotiated, fragments of at most %zu octets",
			  SA_ARGS(sa), exch_frag_max(sa));
}

size_t exch_frag_max(const struct ike_sa *sa)
{
	bool v6 = sa->remote.ss_family == AF_INET6;
	size_t ip = sa->conn->fragment_size ? sa->conn->fragment_size : v6 ? 1280 : 576;

	/* IP and UDP headers, and the non-ESP marker on the NAT-T port (2.5.1) */
	return ip - (v6 ? 40 : 20) - 8 - (net_is_natt(sa->fd) ? 4 : 0);
}

/*
 * The message in @out (@len octets) is larger than the path allows: cut
 * the chain @plain again into SKF fragments with header @h, in @out.
 * Returns their total length or -1.
 */
static long fragment(struct ike_sa *sa, const struct ike_hdr *h, uint8_t first,
		     const uint8_t *plain, size_t plen, long len, uint8_t *out, size_t cap)
{
	size_t max = exch_frag_max(sa);
	struct ike_err err = { 0 };
	unsigned int n = 0;
	long flen;

	flen = ike_frag_protect(&sa->sk_out, h, first, plain, plen, max, out, cap, &n, &err);
	if (flen < 0) {
		log_err(SA_FMT " %s: %s", SA_ARGS(sa), ike_exchange_name(h->exchange), err.msg);
		return -1;
	}
	sa->frags_sent += n;
	log_info(SA_FMT " %s %s %u: %ld octets sent as %u fragments of at most %zu octets",
		 SA_ARGS(sa), ike_exchange_name(h->exchange),
		 h->flags & IKE_FLAG_RESPONSE ? "response" : "request", h->msgid, len, n, max);
	return flen;
}

/*
 * Wrap @chain in SK into @out, or in SKF fragments one after the other
 * when fragmentation was negotiated and the message is too large for the
 * path; returns the octets in @out or -1.
 */
static long protect(struct ike_sa *sa, uint8_t exch, bool response, uint32_t msgid,
		    struct ike_builder *chain, uint8_t *out, size_t cap)
{
	struct ike_builder b;
	struct ike_err err = { 0 };
	struct ike_hdr h;
	long clen = ike_build_finish(chain), len;
	uint8_t first = ike_build_first(chain);

	if (clen < 0) {
		log_err(SA_FMT " %s: payloads do not fit in %zu octets", SA_ARGS(sa),
			ike_exchange_name(exch), chain->cap);
		return -1;
	}
	exch_hdr(sa, &h, exch, response, msgid);
	ike_build_init(&b, out, cap, &h);
	len = ike_sk_protect(&sa->sk_out, &b, first, chain->buf, (size_t)clen, &err);
	if (len < 0)
		log_err(SA_FMT " %s: %s", SA_ARGS(sa), ike_exchange_name(exch), err.msg);
	else if (sa->frag && (size_t)len > exch_frag_max(sa))
		len = fragment(sa, &h, first, chain->buf, (size_t)clen, len, out, cap);
	explicit_bzero(chain->buf, (size_t)clen);
	return len;
}

int exch_request(struct ike_sa *sa, uint8_t exch, struct ike_builder *chain,
		 enum ike_req_kind kind)
{
	uint8_t out[IKE_OUT_MAX];
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
	uint8_t out[IKE_OUT_MAX];
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
