// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * net.c - IKE transport: the UDP sockets on the IKE and NAT-T ports (the
 * latter with the 4-octet non-ESP marker, RFC 3948 2.2), routing of each
 * datagram to its IKE SA, message ID checks (window of one, RFC 7296 2.3),
 * retransmission of our requests with exponential back-off and give-up,
 * and replay of the cached response to a duplicate request; fragments
 * (RFC 7383) go to their reassembly (frag.c) first. Where an
 * authenticated message came from goes to nat.c, which decides whether the
 * IKE SA follows the peer there.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

static const uint8_t non_esp_marker[4];

void addr_format(const struct sockaddr_storage *ss, bool port, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	size_t alen;
	const uint8_t *p = addr_bytes(ss, &alen);

	if (p)
		inet_ntop(ss->ss_family, p, a, sizeof(a));
	if (!port)
		snprintf(buf, len, "%s", a);
	else if (ss->ss_family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, addr_port(ss));
	else
		snprintf(buf, len, "%s:%u", a, addr_port(ss));
}

const uint8_t *addr_bytes(const struct sockaddr_storage *ss, size_t *len)
{
	if (ss->ss_family == AF_INET) {
		*len = 4;
		return (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
	}
	if (ss->ss_family == AF_INET6) {
		*len = 16;
		return (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	}
	*len = 0;
	return NULL;
}

uint16_t addr_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port :
		     ((const struct sockaddr_in6 *)ss)->sin6_port);
}

void addr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

bool addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b, bool port)
{
	size_t la, lb;
	const uint8_t *pa = addr_bytes(a, &la), *pb = addr_bytes(b, &lb);

	return a->ss_family == b->ss_family && la == lb && pa && !memcmp(pa, pb, la) &&
	       (!port || addr_port(a) == addr_port(b));
}

static int sock_open(int family, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0) {
		if (family == AF_INET6 && errno == EAFNOSUPPORT)
			return -2;	/* no IPv6 on this host: not an error */
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	addr_set_port(&ss, port);
	if (family == AF_INET6 &&
	    (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ||
	     setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one))))
		goto fail;
	if (family == AF_INET && setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)))
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, family == AF_INET ? sizeof(struct sockaddr_in) :
		 sizeof(struct sockaddr_in6)))
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "UDP port %u (%s): %s", port, family == AF_INET ? "IPv4" : "IPv6",
		 strerror(errno));
	close(fd);
	return -1;
}

int net_open(char *err, size_t errlen)
{
	int *fds[4] = { &ikd.ike4, &ikd.ike6, &ikd.natt4, &ikd.natt6 };

	for (int i = 0; i < 4; i++) {
		uint16_t port = i < 2 ? ikd.conf->ike_port : ikd.conf->natt_port;
		int fd;

		*fds[i] = -1;
		if (!port)
			continue;
		fd = sock_open(i % 2 ? AF_INET6 : AF_INET, port, err, errlen);
		if (fd == -1)
			return -1;
		*fds[i] = fd < 0 ? -1 : fd;
	}
	return 0;
}

void net_close(void)
{
	int *fds[4] = { &ikd.ike4, &ikd.ike6, &ikd.natt4, &ikd.natt6 };

	nat_release();	/* the module gives the NAT-T sockets back */

	for (int i = 0; i < 4; i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

bool net_is_natt(int fd)
{
	return fd >= 0 && (fd == ikd.natt4 || fd == ikd.natt6);
}

int net_ike_fd(int family)
{
	return family == AF_INET ? ikd.ike4 : ikd.ike6;
}

int net_natt_fd(int family)
{
	return family == AF_INET ? ikd.natt4 : family == AF_INET6 ? ikd.natt6 : -1;
}

int net_send(int fd, const struct sockaddr_storage *from, const struct sockaddr_storage *to,
	     const uint8_t *buf, size_t len)
{
	union {
		char v4[CMSG_SPACE(sizeof(struct in_pktinfo))];
		char v6[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct iovec iov[2];
	struct msghdr mh = { 0 };
	struct cmsghdr *c;
	size_t alen;
	char a[64];
	int n = 0;

	if (fd < 0) {
		addr_format(to, true, a, sizeof(a));
		log_err("cannot send to %s: no socket of that address family", a);
		return -1;
	}
	if (net_is_natt(fd)) {
		iov[n].iov_base = (void *)non_esp_marker;
		iov[n++].iov_len = sizeof(non_esp_marker);
	}
	iov[n].iov_base = (void *)buf;
	iov[n++].iov_len = len;
	mh.msg_name = (void *)to;
	mh.msg_namelen = to->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
			 sizeof(struct sockaddr_in6);
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)n;
	if (from && addr_bytes(from, &alen)) {
		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = &cbuf;
		c = (struct cmsghdr *)&cbuf;
		if (from->ss_family == AF_INET) {
			struct in_pktinfo pi = { 0 };

			pi.ipi_spec_dst = ((const struct sockaddr_in *)from)->sin_addr;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi = { 0 };

			pi.ipi6_addr = ((const struct sockaddr_in6 *)from)->sin6_addr;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	if (sendmsg(fd, &mh, 0) < 0) {
		addr_format(to, true, a, sizeof(a));
		log_warn("send to %s: %s", a, strerror(errno));
		return -1;
	}
	return 0;
}

int net_send_msgs(int fd, const struct sockaddr_storage *from,
		  const struct sockaddr_storage *to, const uint8_t *buf, size_t len)
{
	size_t off = 0, l;
	int ret = 0;

	while ((l = ike_frag_next(buf, len, off))) {
		if (net_send(fd, from, to, buf + off, l))
			ret = -1;
		off += l;
	}
	return ret;
}

static void rtx_expired(void *arg)
{
	struct ike_sa *sa = arg;
	const struct conn *cn = sa->conn;
	enum ike_req_kind kind = sa->req_kind;

	if (!sa->req.buf)
		return;
	if (sa->req_tries >= cn->retransmit_tries) {
		log_warn(SA_FMT " no answer to our request (message ID %u) after %u retransmissions: giving up",
			 SA_ARGS(sa), sa->req_msgid, sa->req_tries);
		net_request_done(sa);
		info_gave_up(sa, kind);
		return;
	}
	sa->req_tries++;
	sa->req_timeout = (uint64_t)((double)sa->req_timeout * cn->retransmit_base);
	log_debug(SA_FMT " retransmission %u of message ID %u, next in %llu ms", SA_ARGS(sa),
		  sa->req_tries, sa->req_msgid, (unsigned long long)sa->req_timeout);
	net_send_msgs(sa->fd, &sa->local, &sa->remote, sa->req.buf, sa->req.len);
	timer_start(&sa->rtx_timer, sa->req_timeout);
}

int net_request(struct ike_sa *sa, const uint8_t *buf, size_t len, uint32_t msgid,
		enum ike_req_kind kind)
{
	msgbuf_set(&sa->req, buf, len);
	if (!sa->req.buf) {
		log_err(SA_FMT " out of memory", SA_ARGS(sa));
		return -1;
	}
	sa->req_msgid = msgid;
	sa->req_kind = kind;
	sa->req_tries = 0;
	sa->req_timeout = sa->conn->retransmit_timeout;
	sa->rtx_timer.cb = rtx_expired;
	timer_start(&sa->rtx_timer, sa->req_timeout);
	net_send_msgs(sa->fd, &sa->local, &sa->remote, buf, len);
	return 0;
}

void net_request_done(struct ike_sa *sa)
{
	timer_stop(&sa->rtx_timer);
	msgbuf_clear(&sa->req);
	sa->req_kind = REQ_NONE;
	ike_frag_rx_clear(&sa->frag_rx[1]);	/* fragments of its response */
}

int net_respond(struct ike_sa *sa, const uint8_t *buf, size_t len, uint32_t msgid)
{
	msgbuf_set(&sa->resp, buf, len);
	sa->resp_msgid = msgid;
	return net_send_msgs(sa->fd, &sa->local, &sa->remote, buf, len);
}

/*
 * Answer an authenticated request whose inner payloads were refused with
 * the error notify @err names (UNSUPPORTED_CRITICAL_PAYLOAD with the
 * payload type, INVALID_SYNTAX); the message ID is used up.
 */
static void sa_refuse(struct ike_sa *sa, const struct ike_hdr *h, const struct ike_err *err)
{
	struct ike_notify n = { .type = err->notify };
	struct ike_builder b;
	uint8_t chain[64];

	if (err->notify == IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD) {
		n.data.p = &err->data;
		n.data.len = 1;
	}
	sa->last_rx = timer_now();
	sa->peer_next++;
	ike_build_chain(&b, chain, sizeof(chain));
	ike_build_notify(&b, &n);
	if (n.data.len)
		log_info(SA_FMT " answering %s %u with %s (type %u)", SA_ARGS(sa),
			 ike_exchange_name(h->exchange), h->msgid, ike_notify_name(err->notify),
			 err->data);
	else
		log_info(SA_FMT " answering %s %u with %s", SA_ARGS(sa),
			 ike_exchange_name(h->exchange), h->msgid, ike_notify_name(err->notify));
	exch_respond(sa, h->exchange, h->msgid, &b);
}

/* @buf (@len octets, header @h) is not an SKF fragment, or is fragment 1. */
static bool frag_first(const struct ike_hdr *h, const uint8_t *buf, size_t len)
{
	size_t num = IKE_HDR_LEN + IKE_GENERIC_HDR_LEN;

	return h->next != IKE_PL_SKF || (len >= num + 2 && buf[num] == 0 && buf[num + 1] == 1);
}

/*
 * Decrypt @m into @plain: an SK payload at once, an SKF fragment into the
 * reassembly of its message. 0: @m holds the inner payloads (*@used
 * octets of @plain); 1: a fragment was kept, the message is not complete;
 * -1 with @err.
 */
static int sa_open(struct ike_sa *sa, struct ike_msg *m, uint8_t *plain, size_t *used,
		   struct ike_err *err)
{
	bool response = m->hdr.flags & IKE_FLAG_RESPONSE;
	enum ike_frag_result r;
	uint8_t first = 0;
	size_t len = 0;

	*used = m->rawlen;	/* the plaintext of an SK payload never exceeds it */
	if (!m->sk.frag)
		return ike_sk_open(&sa->sk_in, m, plain, IKE_MAX_MSG, err);
	if (!sa->frag) {
		err->notify = 0;
		snprintf(err->msg, sizeof(err->msg),
			 "SKF payload (fragment %u of %u) but fragmentation was not negotiated",
			 m->sk.frag_num, m->sk.frag_total);
		return -1;
	}
	r = ike_frag_input(&sa->frag_rx[response], &sa->sk_in, m, timer_now(), plain,
			   IKE_MAX_MSG, &len, &first, err);
	if (r == IKE_FRAG_DROPPED)
		return -1;
	if (r == IKE_FRAG_REPEAT) {
		log_debug(SA_FMT " %s %u: %s", SA_ARGS(sa), ike_exchange_name(m->hdr.exchange),
			  m->hdr.msgid, err->msg);
		return 1;
	}
	sa->frags_rcvd++;
	if (r == IKE_FRAG_KEPT) {
		log_debug(SA_FMT " %s %u: kept fragment %u of %u", SA_ARGS(sa),
			  ike_exchange_name(m->hdr.exchange), m->hdr.msgid, m->sk.frag_num,
			  m->sk.frag_total);
		return 1;
	}
	*used = len;
	log_info(SA_FMT " %s %s %u: reassembled %zu octets from %u fragments", SA_ARGS(sa),
		 ike_exchange_name(m->hdr.exchange), response ? "response" : "request",
		 m->hdr.msgid, len, m->sk.frag_total);
	return ike_frag_msg(m, first, plain, len, err);
}

/*
 * A protected message for an existing IKE SA, from @remote to @local on @fd.
 * The parsed message and its plaintext live on this call's stack and heap:
 * no handler sees a buffer that outlives the message.
 */
static void sa_input(struct ike_sa *sa, const struct ike_hdr *h, const uint8_t *buf,
		     size_t len, int fd, const struct sockaddr_storage *local,
		     const struct sockaddr_storage *remote)
{
	bool response = h->flags & IKE_FLAG_RESPONSE;
	enum ike_req_kind kind = sa->req_kind;
	struct ike_err err = { 0 };
	uint8_t *plain = NULL;
	size_t used = len;
	struct ike_msg m;
	int open;

	if (response && (!sa->req.buf || h->msgid != sa->req_msgid)) {
		log_debug(SA_FMT " dropped a response with message ID %u: %s", SA_ARGS(sa),
			  h->msgid, sa->req.buf ? "not the outstanding request" : "no request outstanding");
		return;
	}
	if (!response && h->msgid + 1 == sa->peer_next && sa->resp.buf &&
	    sa->resp_msgid == h->msgid) {
		/* Of a fragmented request, fragment 1 only brings it again (RFC 7383 2.6.1). */
		if (!frag_first(h, buf, len))
			return;
		log_debug(SA_FMT " duplicate request %u: sending the cached response", SA_ARGS(sa),
			  h->msgid);
		net_send_msgs(sa->fd, &sa->local, &sa->remote, sa->resp.buf, sa->resp.len);
		return;
	}
	if (!response && h->msgid != sa->peer_next) {
		log_warn(SA_FMT " dropped a request with message ID %u, expected %u", SA_ARGS(sa),
			 h->msgid, sa->peer_next);
		return;
	}
	if (!sa->sk_in.ekey_len) {
		log_warn(SA_FMT " dropped %s before keys exist", SA_ARGS(sa),
			 ike_exchange_name(h->exchange));
		return;
	}
	if (ike_msg_parse(buf, len, &m, &err)) {
		log_warn(SA_FMT " dropped %s %s %u: %s", SA_ARGS(sa), ike_exchange_name(h->exchange),
			 response ? "response" : "request", h->msgid, err.msg);
		return;
	}
	plain = malloc(IKE_MAX_MSG);
	if (!plain) {
		log_err(SA_FMT " dropped %s %s %u: out of memory", SA_ARGS(sa),
			ike_exchange_name(h->exchange), response ? "response" : "request", h->msgid);
		return;
	}
	open = sa_open(sa, &m, plain, &used, &err);
	if (open > 0)
		goto free_plain;
	if (open < 0) {
		log_warn(SA_FMT " dropped %s %s %u: %s", SA_ARGS(sa), ike_exchange_name(h->exchange),
			 response ? "response" : "request", h->msgid, err.msg);
		/*
		 * The integrity check passed but an inner payload is wrong (the SK
		 * layer never sets a notify): an authenticated request gets the
		 * error in an encrypted answer (RFC 7296 2.5, 3.10.1).
		 */
		if (!response && err.notify)
			sa_refuse(sa, h, &err);
		goto free_plain;
	}
	sa->last_rx = timer_now();
	nat_peer_seen(sa, fd, local, remote);
	if (response) {
		net_request_done(sa);
	} else {
		sa->peer_next++;
	}
	exch_dispatch(sa, h, &m, kind);
free_plain:
	explicit_bzero(plain, used < IKE_MAX_MSG ? used : IKE_MAX_MSG);
	free(plain);
	explicit_bzero(&m, sizeof(m));
}

/* Local address of a received datagram from its IP_PKTINFO/IPV6_PKTINFO. */
static void local_addr(struct msghdr *mh, int fd, struct sockaddr_storage *local)
{
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);

	memset(local, 0, sizeof(*local));
	if (getsockname(fd, (struct sockaddr *)&bound, &blen) == 0)
		*local = bound;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in *)local)->sin_addr = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in6 *)local)->sin6_addr = pi.ipi6_addr;
		}
	}
}

/*
 * On the NAT-T port, IKE comes behind the non-ESP marker, four zero octets (RFC
 * 3948 2.2): steps *@msg and *@len past it. 0, or -1 (logged) when the datagram
 * from @a is not ours.
 */
static int natt_unwrap(const uint8_t **msg, size_t *len, const char *a)
{
	if (*len < sizeof(non_esp_marker) || memcmp(*msg, non_esp_marker, 4)) {
		log_debug("NAT-T port: %zu octets from %s without the non-ESP marker, ignored",
			  *len, a);
		return -1;
	}
	*msg += 4;
	*len -= 4;
	return 0;
}

/*
 * A first IKE_SA_INIT request: a retransmission of one already answered gets
 * the cached response again, a new one goes to init_request().
 */
static void init_request_input(int fd, const struct ike_hdr *h, const uint8_t *msg, size_t len,
			       const struct sockaddr_storage *local,
			       const struct sockaddr_storage *remote)
{
	struct ike_sa *sa = ike_sa_find_init(h->spi_i, remote);

	if (sa) {
		if (h->msgid == 0 && sa->resp.buf && sa->state == IKE_STATE_INIT_DONE) {
			log_debug(SA_FMT " retransmitted IKE_SA_INIT: cached response sent",
				  SA_ARGS(sa));
			net_send(sa->fd, &sa->local, &sa->remote, sa->resp.buf, sa->resp.len);
		}
		return;
	}
	init_request(fd, local, remote, msg, len);
}

/*
 * Any message but a first IKE_SA_INIT request, from @remote (formatted in @a):
 * to the IKE SA its SPIs name, the IKE_SA_INIT response to init_response(),
 * the rest to sa_input(). Dropped (logged) when no IKE SA fits.
 */
static void known_sa_input(int fd, const struct ike_hdr *h, const uint8_t *msg, size_t len,
			   const struct sockaddr_storage *local,
			   const struct sockaddr_storage *remote, const char *a)
{
	bool we_initiated = !(h->flags & IKE_FLAG_INITIATOR);
	const uint8_t *our_spi = we_initiated ? h->spi_i : h->spi_r;
	struct ike_sa *sa;

	sa = ike_sa_find(our_spi, we_initiated);
	if (!sa) {
		log_debug("dropped %s from %s: no IKE SA with SPI %02x%02x%02x%02x...",
			  ike_exchange_name(h->exchange), a, our_spi[0], our_spi[1], our_spi[2],
			  our_spi[3]);
		return;
	}
	if (h->exchange == IKE_EXCH_SA_INIT) {
		if (sa->state != IKE_STATE_INIT_SENT || sa->req_kind != REQ_SA_INIT ||
		    h->msgid != 0) {
			log_debug(SA_FMT " dropped an unexpected IKE_SA_INIT response",
				  SA_ARGS(sa));
			return;
		}
		init_response(sa, msg, len);
		return;
	}
	if (memcmp(we_initiated ? h->spi_r : h->spi_i, we_initiated ? sa->spi_r : sa->spi_i, 8)) {
		log_debug(SA_FMT " dropped %s from %s: peer's SPI does not match", SA_ARGS(sa),
			  ike_exchange_name(h->exchange), a);
		return;
	}
	sa_input(sa, h, msg, len, fd, local, remote);
}

void net_input(int fd)
{
	static uint8_t buf[IKE_MAX_MSG + 4];
	char cbuf[256], a[64];
	struct sockaddr_storage remote, local;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = {
		.msg_name = &remote, .msg_namelen = sizeof(remote),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct ike_err err = { 0 };
	struct ike_hdr h;
	const uint8_t *msg = buf;
	ssize_t n;
	size_t len;

	n = recvmsg(fd, &mh, 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("receive: %s", strerror(errno));
		return;
	}
	len = (size_t)n;
	local_addr(&mh, fd, &local);
	addr_format(&remote, true, a, sizeof(a));
	if (net_is_natt(fd) && natt_unwrap(&msg, &len, a))
		return;
	if (ike_hdr_parse(msg, len, &h, &err)) {
		/* Another major version: init_request() may answer a first request (2.5). */
		if (err.notify == IKE_N_INVALID_MAJOR_VERSION && h.exchange == IKE_EXCH_SA_INIT &&
		    !(h.flags & IKE_FLAG_RESPONSE)) {
			init_request(fd, &local, &remote, msg, len);
			return;
		}
		log_debug("dropped %zu octets from %s: %s", len, a, err.msg);
		return;
	}
	if (h.exchange == IKE_EXCH_SA_INIT && !(h.flags & IKE_FLAG_RESPONSE)) {
		init_request_input(fd, &h, msg, len, &local, &remote);
		return;
	}
	known_sa_input(fd, &h, msg, len, &local, &remote, a);
}
