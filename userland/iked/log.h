/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * log.h - espiked logging: to stderr in the foreground (-d), to syslog
 * otherwise. One line per event, prefixed with the level.
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

/* Log to stderr (true) or syslog (false); @debug enables LOG_LVL_DEBUG. */
void log_setup(bool to_stderr, bool debug, const char *ident);

/* Send every line to @sink instead (unit tests); NULL restores. */
void log_set_sink(void (*sink)(enum log_level lvl, const char *line));

__attribute__((format(printf, 2, 3)))
void log_msg(enum log_level lvl, const char *fmt, ...);

#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* ESPIKED_LOG_H */
