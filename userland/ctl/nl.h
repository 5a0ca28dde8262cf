/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * The generic netlink side of espctl: one socket to the "espvti" family,
 * requests with extended ACK, and the kernel's error message kept for the
 * caller to print.
 */
#ifndef ESPCTL_NL_H
#define ESPCTL_NL_H

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

/**
 * struct espctl_nl - a generic netlink socket bound to the espvti family
 * @sk: the libnl socket
 * @family: numeric id of the family
 * @ext_msg: the extended ACK message of the last failed request ("" if none)
 * @ext_offs: offset of the attribute at fault in the request (0 if none)
 */
struct espctl_nl {
	struct nl_sock *sk;
	int family;
	char ext_msg[256];
	unsigned int ext_offs;
};

/* Called for every reply message; returns NL_OK, NL_SKIP or NL_STOP. */
typedef int (*espctl_nl_reply_fn)(struct nl_msg *msg, void *arg);

int espctl_nl_open(struct espctl_nl *nl, const char *what);
int espctl_nl_open_quiet(struct espctl_nl *nl);
void espctl_nl_close(struct espctl_nl *nl);
struct nl_msg *espctl_nl_msg(struct espctl_nl *nl, uint8_t cmd, int flags);
int espctl_nl_talk(struct espctl_nl *nl, struct nl_msg *msg,
		   espctl_nl_reply_fn fn, void *arg);
int espctl_nl_perror(struct espctl_nl *nl, const char *what, int err);
void espctl_nl_nomem(const char *what);

#endif /* ESPCTL_NL_H */
