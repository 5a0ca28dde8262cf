// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * log.c - espiked logging.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static enum log_dest log_dest = LOG_DEST_PLAIN;
static bool log_debug_on;
static const char *log_ident = "espiked";
static void (*log_sink)(enum log_level lvl, const char *line);
static void (*log_tap)(enum log_level lvl, const char *line, void *arg);
static void *log_tap_arg;

void log_set_sink(void (*sink)(enum log_level lvl, const char *line))
{
	log_sink = sink;
}

void log_set_tap(void (*tap)(enum log_level lvl, const char *line, void *arg), void *arg)
{
	log_tap = tap;
	log_tap_arg = arg;
}

void log_setup(enum log_dest dest, bool debug, const char *ident)
{
	log_dest = dest;
	log_debug_on = debug;
	log_ident = ident;
	if (dest == LOG_DEST_SYSLOG)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char line[2048];
	struct timespec ts;
	va_list ap;

	if (lvl == LOG_LVL_DEBUG && !log_debug_on)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_tap)
		log_tap(lvl, line, log_tap_arg);
	if (log_sink) {
		log_sink(lvl, line);
		return;
	}
	if (log_dest == LOG_DEST_SYSLOG) {
		syslog(prio[lvl], "%s", line);
		return;
	}
	if (log_dest == LOG_DEST_PLAIN) {
		fprintf(stderr, "%s: %s%s%s\n", log_ident,
			lvl == LOG_LVL_INFO || lvl == LOG_LVL_DEBUG ? "" : names[lvl],
			lvl == LOG_LVL_INFO || lvl == LOG_LVL_DEBUG ? "" : ": ", line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%lld.%03ld %s: %s\n", (long long)ts.tv_sec,
		ts.tv_nsec / 1000000, names[lvl], line);
	fflush(stderr);
}
