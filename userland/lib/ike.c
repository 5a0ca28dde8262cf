// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * The client side of espiked's control socket (see esplib_ike.h).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "esplib_ike.h"

/**
 * esplib_ike_addr() - the address of the control socket at @path
 * @path: its file name
 * @sun: filled in
 *
 * Return: 0, or -1 when @path is too long for a Unix socket address
 * (longer than sizeof(sun->sun_path) - 1 characters).
 */
int esplib_ike_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -1;
	memcpy(sun->sun_path, path, strlen(path));
	return 0;
}

/**
 * esplib_ike_send() - connect to the control socket and send one command
 * @path: the socket's file name
 * @cmd: the command line, without the newline
 * @timeout: seconds a send or a receive on the socket may block (0: no limit)
 *
 * Sends @cmd and a newline, then shuts the writing side down: the daemon
 * answers and closes.
 *
 * Return: the connected socket, to read the answer from and close; or a
 * negative errno (-ENAMETOOLONG when @path is too long).
 */
int esplib_ike_send(const char *path, const char *cmd, int timeout)
{
	struct timeval tv = { timeout, 0 };
	struct sockaddr_un sun;
	size_t len = strlen(cmd), off = 0;
	char *line;
	ssize_t n;
	int fd, err;

	if (esplib_ike_addr(path, &sun))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		goto fail;
	if (timeout > 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	line = malloc(len + 2);
	if (!line) {
		errno = ENOMEM;
		goto fail;
	}
	memcpy(line, cmd, len);
	memcpy(line + len, "\n", 2);
	while (off < len + 1) {
		n = write(fd, line + off, len + 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			free(line);
			errno = err;
			goto fail;
		}
		off += (size_t)n;
	}
	free(line);
	shutdown(fd, SHUT_WR);
	return fd;
fail:
	err = errno;
	close(fd);
	return -err;
}

/**
 * esplib_ike_read() - read a whole answer
 * @fd: the socket of esplib_ike_send()
 * @max: the largest answer accepted, in octets
 * @answer: set to the NUL-terminated answer (free it), NULL on failure
 *
 * Return: 0; -ENOMEM; -EFBIG when the answer is @max octets or more; or
 * the negative errno of a failed read.
 */
int esplib_ike_read(int fd, size_t max, char **answer)
{
	size_t len = 0, cap = 4096;
	char *buf, *grown;
	ssize_t n;
	int err;

	*answer = NULL;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 < cap)
			continue;
		if (cap >= max) {
			err = -EFBIG;
			goto fail;
		}
		grown = realloc(buf, cap * 2);
		if (!grown) {
			err = -ENOMEM;
			goto fail;
		}
		buf = grown;
		cap *= 2;
	}
	if (n < 0) {
		err = -errno;
		goto fail;
	}
	buf[len] = 0;
	*answer = buf;
	return 0;
fail:
	free(buf);
	return err;
}
