// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Generic netlink plumbing of espctl and espiked: the socket, resolution of
 * the "espvti" family, and a request/reply loop that reads the kernel's
 * extended ACK (message and attribute offset) from both NLMSG_ERROR and the
 * NLMSG_DONE of a failed dump. libnl 3.7 has no nl_socket_set_ext_ack(), so
 * the socket option is set directly.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/espvti.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "esplib_nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/**
 * struct esplib_talk - state of one request while its replies are read
 * @nl: the socket
 * @fn: called for each reply message
 * @arg: passed to @fn
 * @err: 0, or the negative errno of the request (or of @fn)
 * @done: the final ACK, error or NLMSG_DONE has arrived
 */
struct esplib_talk {
	struct esplib_nl *nl;
	esplib_nl_reply_fn fn;
	void *arg;
	int err;
	bool done;
};

/**
 * esplib_nl_open() - connect and resolve the espvti family
 * @nl: filled in
 * @err: on failure, the error of the failed step (see enum esplib_nl_stage)
 *
 * Return: 0, or the enum esplib_nl_stage that failed.
 */
int esplib_nl_open(struct esplib_nl *nl, int *err)
{
	int one = 1, ret, stage;

	memset(nl, 0, sizeof(*nl));
	*err = 0;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return ESPLIB_NL_NOMEM;
	ret = genl_connect(nl->sk);
	if (ret) {
		*err = ret;
		stage = ESPLIB_NL_CONNECT;
		goto err_free_sock;
	}
	/* The kernel's reason for a rejection, without the request echoed back. */
	if (setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		       &one, sizeof(one)) ||
	    setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		       &one, sizeof(one))) {
		*err = errno;
		stage = ESPLIB_NL_EXT_ACK;
		goto err_free_sock;
	}
	nl_socket_enable_msg_peek(nl->sk);
	nl->family = genl_ctrl_resolve(nl->sk, ESPVTI_GENL_NAME);
	if (nl->family < 0) {
		*err = nl->family;
		stage = ESPLIB_NL_RESOLVE;
		goto err_free_sock;
	}
	return 0;

err_free_sock:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return stage;
}

void esplib_nl_close(struct esplib_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

/**
 * esplib_nl_msg() - a new request of the espvti family
 * @nl: the socket
 * @cmd: enum espvti_cmd
 * @flags: netlink flags, e.g. NLM_F_DUMP
 *
 * Return: the message, or NULL when out of memory.
 */
struct nl_msg *esplib_nl_msg(struct esplib_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, ESPVTI_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Reads the NLMSGERR_ATTR_* TLVs of an ACK from @off to the message end. */
static void parse_ext_ack(struct esplib_nl *nl, const struct nlmsghdr *nlh,
			  size_t off)
{
	const struct nlattr *a;
	int rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= nlh->nlmsg_len)
		return;
	a = (const struct nlattr *)((const char *)nlh + off);
	rem = nlh->nlmsg_len - off;
	for (; nla_ok(a, rem); a = nla_next(a, &rem)) {
		switch (nla_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (nla_len(a) > 0)
				snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%.*s",
					 nla_len(a), (const char *)nla_data(a));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (nla_len(a) >= 4)
				nl->ext_offs = *(const uint32_t *)nla_data(a);
			break;
		}
	}
}

static int talk_valid(struct nl_msg *msg, void *arg)
{
	struct esplib_talk *t = arg;
	int ret;

	if (!t->fn || t->err)
		return NL_OK;
	ret = t->fn(msg, t->arg);
	if (ret < 0)
		t->err = ret;
	return NL_OK;
}

static int talk_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct esplib_talk *t = arg;
	size_t off = sizeof(*e);

	(void)nla;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	parse_ext_ack(t->nl, nlh, NLMSG_HDRLEN + NLMSG_ALIGN(off));
	if (!t->err)
		t->err = e->error;
	t->done = true;
	return NL_STOP;
}

static int talk_ack(struct nl_msg *msg, void *arg)
{
	struct esplib_talk *t = arg;

	(void)msg;
	t->done = true;
	return NL_STOP;
}

/* End of a dump: its payload is the dump's error code (0 on success). */
static int talk_finish(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct esplib_talk *t = arg;
	int err = 0;

	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
		memcpy(&err, nlmsg_data(nlh), sizeof(int));
	if (err < 0) {
		parse_ext_ack(t->nl, nlh, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int)));
		if (!t->err)
			t->err = err;
	}
	t->done = true;
	return NL_STOP;
}

/**
 * esplib_nl_talk() - send a request and read every reply
 * @nl: the socket
 * @msg: the request, wiped (it may carry key material) and freed here
 * @fn: called for each reply (NULL: none expected)
 * @arg: passed to @fn
 *
 * On failure @nl->ext_msg holds the kernel's explanation, if it gave one,
 * or, with @nl->local_err set, what failed on this side.
 *
 * Return: 0, or a negative errno (the kernel's, @fn's, or -EIO).
 */
int esplib_nl_talk(struct esplib_nl *nl, struct nl_msg *msg,
		   esplib_nl_reply_fn fn, void *arg)
{
	struct esplib_talk t = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *orig, *cb;
	int ret;

	nl->ext_msg[0] = 0;
	nl->ext_offs = 0;
	nl->local_err = 0;
	orig = nl_socket_get_cb(nl->sk);
	cb = nl_cb_clone(orig);
	nl_cb_put(orig);
	if (!cb) {
		explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
		nlmsg_free(msg);
		nl->local_err = NLE_NOMEM;
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, talk_valid, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, talk_ack, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, talk_finish, &t);
	nl_cb_err(cb, NL_CB_CUSTOM, talk_error, &t);

	ret = nl_send_auto(nl->sk, msg);
	/* Requests may carry key material: wipe it before it is freed. */
	explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	if (ret < 0) {
		snprintf(nl->ext_msg, sizeof(nl->ext_msg), "sending the request: %s",
			 nl_geterror(ret));
		nl->local_err = -ret;
		t.err = -EIO;
		goto out_put_cb;
	}
	while (!t.done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !t.done) {
			snprintf(nl->ext_msg, sizeof(nl->ext_msg), "reading the reply: %s",
				 nl_geterror(ret));
			nl->local_err = -ret;
			t.err = -EIO;
			break;
		}
	}
out_put_cb:
	nl_cb_put(cb);
	return t.err;
}
