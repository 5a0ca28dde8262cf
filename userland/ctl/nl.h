/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * The generic netlink side of espctl: the socket to the "espvti" family is
 * the library's (userland/lib/esplib_nl.h); here are espctl's messages for
 * what fails.
 */
#ifndef ESPCTL_NL_H
#define ESPCTL_NL_H

#include "esplib_nl.h"

int espctl_nl_open(struct esplib_nl *nl, const char *what);
int espctl_nl_open_quiet(struct esplib_nl *nl);
int espctl_nl_perror(struct esplib_nl *nl, const char *what, int err);
void espctl_nl_nomem(const char *what);

#endif /* ESPCTL_NL_H */
