// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * notify.c - the service manager's readiness protocol (sd_notify(3)): when
 * $NOTIFY_SOCKET names a Unix datagram socket (a path, or an abstract name
 * written with a leading '@'), one datagram of "KEY=VALUE" lines tells
 * systemd that espiked is ready (READY=1), reloading (RELOADING=1) or
 * stopping (STOPPING=1). Without the variable nothing is sent.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

/* The address of $NOTIFY_SOCKET into @sun and @len; -1 when unusable (logged). */
static int notify_addr(const char *path, struct sockaddr_un *sun, socklen_t *len)
{
	size_t n = strlen(path);

	if ((path[0] != '/' && path[0] != '@') || n < 2 || n >= sizeof(sun->sun_path)) {
		log_warn("NOTIFY_SOCKET '%s': neither an absolute path nor an @abstract name of at most %zu characters: not notifying the service manager",
			 path, sizeof(sun->sun_path) - 1);
		return -1;
	}
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n);
	if (path[0] == '@')
		sun->sun_path[0] = 0;	/* abstract: no terminating NUL counted */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/'));
	return 0;
}

int notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	ssize_t n;
	int fd;

	if (!path || !*path)
		return 0;
	if (notify_addr(path, &sun, &len))
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("NOTIFY_SOCKET %s: socket: %s", path, strerror(errno));
		return -1;
	}
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun, len);
	if (n < 0)
		log_warn("NOTIFY_SOCKET %s: sending \"%.*s\": %s", path, (int)strcspn(state, "\n"),
			 state, strerror(errno));
	close(fd);
	return n < 0 ? -1 : 0;
}

int notify_reloading(void)
{
	struct timespec ts;
	char buf[64];

	/* systemd 253 and later want the time of the reload with it. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	return notify(buf);
}
