/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * esplib_ike.h - the client side of espiked's control socket, shared by
 * "espctl ike" and "espiked ctl": a Unix stream socket that takes one
 * command line per connection and closes after its text answer (the
 * protocol is in userland/iked/ctl.c). Nothing here prints.
 */
#ifndef ESPLIB_IKE_H
#define ESPLIB_IKE_H

#include <stddef.h>
#include <sys/un.h>

int esplib_ike_addr(const char *path, struct sockaddr_un *sun);
int esplib_ike_send(const char *path, const char *cmd, int timeout);
int esplib_ike_read(int fd, size_t max, char **answer);

#endif /* ESPLIB_IKE_H */
