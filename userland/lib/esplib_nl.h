/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * esplib_nl.h - the client of the espvti generic netlink family shared by
 * espctl and espiked: one socket to the family, requests with extended ACK,
 * and the kernel's error message (and the offset of the attribute at fault)
 * kept for the caller to print. Nothing here prints.
 */
#ifndef ESPLIB_NL_H
#define ESPLIB_NL_H

#include <stdint.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

/**
 * struct esplib_nl - a generic netlink socket bound to the espvti family
 * @sk: the libnl socket
 * @family: numeric id of the family
 * @ext_msg: the extended ACK message of the last failed request ("" if
 *	none); when @local_err is set, what failed on this side instead
 * @ext_offs: offset of the attribute at fault in the request (0 if none)
 * @local_err: 0, or the libnl error (NLE_*, positive) of the last request
 *	that failed on this side (sending it, reading the reply), not in the
 *	kernel
 */
struct esplib_nl {
	struct nl_sock *sk;
	int family;
	char ext_msg[256];
	unsigned int ext_offs;
	int local_err;
};

/**
 * enum esplib_nl_stage - the step of esplib_nl_open() that failed
 * @ESPLIB_NL_NOMEM: allocating the socket
 * @ESPLIB_NL_CONNECT: connecting it (the error is a libnl one)
 * @ESPLIB_NL_EXT_ACK: enabling extended ACK (the error is an errno)
 * @ESPLIB_NL_RESOLVE: resolving the family (the error is a libnl one;
 *	NLE_OBJ_NOTFOUND when the module is not loaded)
 */
enum esplib_nl_stage {
	ESPLIB_NL_NOMEM = 1,
	ESPLIB_NL_CONNECT,
	ESPLIB_NL_EXT_ACK,
	ESPLIB_NL_RESOLVE,
};

/* Called for every reply message; returns NL_OK, or a negative errno. */
typedef int (*esplib_nl_reply_fn)(struct nl_msg *msg, void *arg);

int esplib_nl_open(struct esplib_nl *nl, int *err);
void esplib_nl_close(struct esplib_nl *nl);
struct nl_msg *esplib_nl_msg(struct esplib_nl *nl, uint8_t cmd, int flags);
int esplib_nl_talk(struct esplib_nl *nl, struct nl_msg *msg,
		   esplib_nl_reply_fn fn, void *arg);

#endif /* ESPLIB_NL_H */
