// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * espctl's side of the generic netlink plumbing (userland/lib/nl.c): the
 * messages printed when the family cannot be reached or a request fails.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <linux/espvti.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>

#include "nl.h"

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
static int nl_open(struct esplib_nl *nl, const char *what, bool quiet)
{
	int err, stage = esplib_nl_open(nl, &err);

	if (!stage)
		return 0;
	if (stage == ESPLIB_NL_NOMEM) {
		espctl_nl_nomem(what);
		return -1;
	}
	if (quiet)
		return -1;
	switch (stage) {
	case ESPLIB_NL_CONNECT:
		fprintf(stderr, "espctl: %s: cannot open a generic netlink socket: %s\n",
			what, nl_geterror(err));
		break;
	case ESPLIB_NL_EXT_ACK:
		fprintf(stderr, "espctl: %s: cannot enable extended ACK: %s\n",
			what, strerror(err));
		break;
	default:
		if (err == -NLE_OBJ_NOTFOUND)
			fprintf(stderr, "espctl: the espvti module is not loaded (generic netlink family \"%s\" not found)\n",
				ESPVTI_GENL_NAME);
		else
			fprintf(stderr, "espctl: %s: cannot resolve the generic netlink family \"%s\": %s\n",
				what, ESPVTI_GENL_NAME, nl_geterror(err));
	}
	return -1;
}

int espctl_nl_open(struct esplib_nl *nl, const char *what)
{
	return nl_open(nl, what, false);
}

/* Same, printing nothing: for callers to whom the family is optional. */
int espctl_nl_open_quiet(struct esplib_nl *nl)
{
	return nl_open(nl, "", true);
}

/**
 * espctl_nl_perror() - print why a request failed
 * @nl: the socket that made it
 * @what: the command and its device, e.g. "sa add esp0"
 * @err: the negative errno
 *
 * Return: 1, the exit status for a failed command.
 */
int espctl_nl_perror(struct esplib_nl *nl, const char *what, int err)
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
