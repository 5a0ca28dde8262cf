// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * espctl: configure espvti devices and their security associations over
 * the "espvti" generic netlink family, and query espiked(8) ("ike"). This file holds the subcommand table
 * and the help; each subcommand lives in its own file.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/espvti.h>

#include "espctl.h"

static const struct espctl_cmd *const commands[] = {
	&espctl_show_cmd,
	&espctl_set_cmd,
	&espctl_sa_cmd,
	&espctl_monitor_cmd,
	&espctl_ike_cmd,
	&espctl_diagnose_cmd,
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_version(void)
{
	printf("espctl %s (espvti generic netlink family version %d)\n",
	       ESPCTL_VERSION, ESPVTI_GENL_VERSION);
}

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: espctl COMMAND [ARGUMENTS...]\n\n"
		   "Configures espvti route-based IPsec (ESP tunnel) devices. Devices are\n"
		   "created with `ip link add NAME type espvti`.\n\nCommands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  espctl %s\n", commands[i]->usage);
	fprintf(f, "  espctl help [COMMAND]\n"
		   "  espctl --version\n\n"
		   "`espctl COMMAND --help` describes a command; see also espctl(8).\n");
}

void espctl_print_help(const struct espctl_cmd *cmd)
{
	printf("Usage: espctl %s\n\n%s", cmd->usage, cmd->help);
}

bool espctl_wants_help(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return argc > 0 && !strcmp(argv[0], "help");
}

int espctl_usage_error(const struct espctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "espctl: %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nUsage: espctl %s\n", cmd->usage);
	return 1;
}

static const struct espctl_cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct espctl_cmd *cmd;

	if (argc < 2) {
		print_usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V") ||
	    !strcmp(argv[1], "version")) {
		print_version();
		return 0;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		if (argc > 2) {
			cmd = find_command(argv[2]);
			if (!cmd) {
				fprintf(stderr, "espctl: help: unknown command '%s'\n", argv[2]);
				return 1;
			}
			espctl_print_help(cmd);
			return 0;
		}
		print_usage(stdout);
		return 0;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "espctl: unknown command '%s' (try: espctl help)\n",
			argv[1]);
		return 1;
	}
	if (espctl_wants_help(argc - 2, argv + 2) && strcmp(cmd->name, "sa")) {
		espctl_print_help(cmd);
		return 0;
	}
	return cmd->fn(argc - 2, argv + 2);
}
