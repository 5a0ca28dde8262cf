// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Generic netlink plumbing: the socket, resolution of the "espvti" family,
 * and a request/reply loop that reads the kernel's extended ACK (message and
 * attribute offset) from both NLMSG_ERROR and the NLMSG_DONE of a failed
 * dump. libnl 3.7 has no nl_socket_set_ext_ack(), so the socket option is
 * set directly.
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

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/**
 * struct espctl_talk - state of one request while its replies are read
 * @nl: the socket
 * @fn: called for each reply message
 * @arg: passed to @fn
 * @err: 0, or the negative errno of the request (or of @fn)
 * @done: the final ACK, error or NLMSG_DONE has arrived
 */
struct espctl_talk {
	struct espctl_nl *nl;
	espctl_nl_reply_fn fn;
	void *arg;
	int err;
	bool done;
};

void espctl_nl_nomem(const char *what)
{
	fprintf(stderr, "espctl: %s: out of memory\n", what);
}

/**
 * nl_open() - connect and resolve the espvti family
 * @nl: filled in
 * @what: the command, for messages
 * @quiet: print nothing
 *
 * Prints what went wrong unless @quiet.
 *
 * Return: 0, or -1.
 */
static int nl_open(struct espctl_nl *nl, const char *what, bool quiet)
{
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		espctl_nl_nomem(what);
		return -1;
	}
	ret = genl_connect(nl->sk);
	if (ret) {
		if (!quiet)
			fprintf(stderr, "espctl: %s: cannot open a generic netlink socket: %s\n",
				what, nl_geterror(ret));
		goto err_free_sock;
	}
	/* The kernel's reason for a rejection, without the request echoed back. */
	if (setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		       &one, sizeof(one)) ||
	    setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		       &one, sizeof(one))) {
		if (!quiet)
			fprintf(stderr, "espctl: %s: cannot enable extended ACK: %s\n",
				what, strerror(errno));
		goto err_free_sock;
	}
	nl_socket_enable_msg_peek(nl->sk);
	nl->family = genl_ctrl_resolve(nl->sk, ESPVTI_GENL_NAME);
	if (nl->family < 0 && quiet) {
		goto err_free_sock;
	} else if (nl->family < 0) {
		if (nl->family == -NLE_OBJ_NOTFOUND)
			fprintf(stderr, "espctl: the espvti module is not loaded (generic netlink family \"%s\" not found)\n",
				ESPVTI_GENL_NAME);
		else
			fprintf(stderr, "espctl: %s: cannot resolve the generic netlink family \"%s\": %s\n",
				what, ESPVTI_GENL_NAME, nl_geterror(nl->family));
		goto err_free_sock;
	}
	return 0;

err_free_sock:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return -1;
}

int espctl_nl_open(struct espctl_nl *nl, const char *what)
{
	return nl_open(nl, what, false);
}

/* Same, printing nothing: for callers to whom the family is optional. */
int espctl_nl_open_quiet(struct espctl_nl *nl)
{
	return nl_open(nl, "", true);
}

void espctl_nl_close(struct espctl_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

/**
 * espctl_nl_msg() - a new request of the espvti family
 * @nl: the socket
 * @cmd: enum espvti_cmd
 * @flags: netlink flags, e.g. NLM_F_DUMP
 *
 * Return: the message, or NULL when out of memory.
 */
struct nl_msg *espctl_nl_msg(struct espctl_nl *nl, uint8_t cmd, int flags)
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
static void parse_ext_ack(struct espctl_nl *nl, const struct nlmsghdr *nlh,
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
	struct espctl_talk *t = arg;
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
	struct espctl_talk *t = arg;
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
	struct espctl_talk *t = arg;

	(void)msg;
	t->done = true;
	return NL_STOP;
}

/* End of a dump: its payload is the dump's error code (0 on success). */
static int talk_finish(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct espctl_talk *t = arg;
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
 * espctl_nl_talk() - send a request and read every reply
 * @nl: the socket
 * @msg: the request, freed here
 * @fn: called for each reply (NULL: none expected)
 * @arg: passed to @fn
 *
 * On failure @nl->ext_msg holds the kernel's explanation, if it gave one.
 *
 * Return: 0, or a negative errno (the kernel's, or @fn's).
 */
int espctl_nl_talk(struct espctl_nl *nl, struct nl_msg *msg,
		   espctl_nl_reply_fn fn, void *arg)
{
	struct espctl_talk t = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *orig, *cb;
	int ret;

	nl->ext_msg[0] = 0;
	nl->ext_offs = 0;
	orig = nl_socket_get_cb(nl->sk);
	cb = nl_cb_clone(orig);
	nl_cb_put(orig);
	if (!cb) {
		nlmsg_free(msg);
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
		t.err = -EIO;
		goto out_put_cb;
	}
	while (!t.done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !t.done) {
			snprintf(nl->ext_msg, sizeof(nl->ext_msg), "reading the reply: %s",
				 nl_geterror(ret));
			t.err = -EIO;
			break;
		}
	}
out_put_cb:
	nl_cb_put(cb);
	return t.err;
}

/**
 * espctl_nl_perror() - print why a request failed
 * @nl: the socket that made it
 * @what: the command and its device, e.g. "sa add esp0"
 * @err: the negative errno
 *
 * Return: 1, the exit status for a failed command.
 */
int espctl_nl_perror(struct espctl_nl *nl, const char *what, int err)
{
	if (err == -EPERM && !nl->ext_msg[0])
		fprintf(stderr, "espctl: %s: %s (espctl needs CAP_NET_ADMIN)\n",
			what, strerror(EPERM));
	else if (nl->ext_msg[0])
		fprintf(stderr, "espctl: %s: %s (%s)\n", what, nl->ext_msg,
			strerror(-err));
	else
		fprintf(stderr, "espctl: %s: %s\n", what, strerror(-err));
	return 1;
}
