/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ctl_test.h - TAP helpers shared by the espctl unit tests (*_test.c in
 * this directory, linked into one binary with userland/ctl/parse.c, json.c
 * and print.c; main_test.c holds main()).
 */
#ifndef ESPCTL_CTL_TEST_H
#define ESPCTL_CTL_TEST_H

#include <stdbool.h>
#include <stddef.h>

/* Records one result: prints "ok N - name" or "not ok N - name". */
__attribute__((format(printf, 2, 3)))
bool t_ok(bool ok, const char *fmt, ...);
/* A "# ..." diagnostic line (on stdout, so it stays next to its test). */
__attribute__((format(printf, 1, 2)))
void t_diag(const char *fmt, ...);
/* Prints both strings (escaped) when they differ; returns true if equal. */
bool t_streq(const char *got, const char *want);
/* True when @needle is in @hay; prints both when not. */
bool t_has(const char *hay, const char *needle);
/* True when @needle is not in @hay; prints both when it is. */
bool t_lacks(const char *hay, const char *needle);

void test_parse(void);
void test_json(void);
void test_print(void);

#endif /* ESPCTL_CTL_TEST_H */
