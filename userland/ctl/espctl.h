/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * espctl: the subcommands and what they share.
 */
#ifndef ESPCTL_H
#define ESPCTL_H

#include <stdbool.h>
#include <stdint.h>

#ifndef ESPCTL_VERSION
#define ESPCTL_VERSION "0.1.0"
#endif

/**
 * struct espctl_cmd - one subcommand
 * @name: what the user types
 * @fn: runs it with the arguments after @name; returns the exit status
 * @usage: one-line synopsis (after "espctl ")
 * @help: what it does, printed by "espctl CMD --help"
 */
struct espctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

int espctl_show(int argc, char **argv);
int espctl_set(int argc, char **argv);
int espctl_sa(int argc, char **argv);
int espctl_monitor(int argc, char **argv);
int espctl_ike(int argc, char **argv);
int espctl_diagnose(int argc, char **argv);

extern const struct espctl_cmd espctl_show_cmd;
extern const struct espctl_cmd espctl_set_cmd;
extern const struct espctl_cmd espctl_sa_cmd;
extern const struct espctl_cmd espctl_monitor_cmd;
extern const struct espctl_cmd espctl_ike_cmd;
extern const struct espctl_cmd espctl_diagnose_cmd;

/* Prints "espctl: CMD: usage: ..." to stderr; returns the exit status 1. */
int espctl_usage_error(const struct espctl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* True when the arguments ask for help (--help, -h, help). */
bool espctl_wants_help(int argc, char **argv);
void espctl_print_help(const struct espctl_cmd *cmd);

#endif /* ESPCTL_H */
