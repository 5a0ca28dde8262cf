/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * log.h - espiked logging: to stderr while starting (so that a bad
 * configuration is reported on the terminal), then to syslog once the
 * daemon is in the background, or to stderr with a time stamp in the
 * foreground (-d). One line per event, prefixed with the level.
 */
#ifndef ESPIKED_LOG_H
#define ESPIKED_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/**
 * enum log_dest - where log lines go
 * @LOG_DEST_PLAIN: stderr as "IDENT: level: text" (start-up, -n)
 * @LOG_DEST_STDERR: stderr as "SECONDS.MS level: text" (foreground, -d)
 * @LOG_DEST_SYSLOG: syslog, facility daemon
 */
enum log_dest {
	LOG_DEST_PLAIN,
	LOG_DEST_STDERR,
	LOG_DEST_SYSLOG,
};

/* Send log lines to @dest as @ident; @debug enables LOG_LVL_DEBUG. */
void log_setup(enum log_dest dest, bool debug, const char *ident);

/* Send every line to @sink instead (unit tests); NULL restores. */
void log_set_sink(void (*sink)(enum log_level lvl, const char *line));

/*
 * Also hand every line to @tap (with @arg), wherever it goes: the control
 * socket's "reload" copies the errors into its answer. NULL removes it.
 */
void log_set_tap(void (*tap)(enum log_level lvl, const char *line, void *arg), void *arg);

__attribute__((format(printf, 2, 3)))
void log_msg(enum log_level lvl, const char *fmt, ...);

#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* ESPIKED_LOG_H */
