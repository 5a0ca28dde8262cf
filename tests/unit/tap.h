/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * tap.h - TAP output for the C unit tests of espctl (tests/unit/ctl) and
 * espiked (tests/unit/iked), implemented in tap.c, linked into each test
 * binary. Every helper prints on stdout, so diagnostics stay next to their
 * test; main() prints the plan from t_tests().
 */
#ifndef ESPVTI_TEST_TAP_H
#define ESPVTI_TEST_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Records one result: prints "ok N - name" or "not ok N - name" (control
 * bytes of the name spelt out, so that it stays one line). */
__attribute__((format(printf, 2, 3)))
bool t_ok(bool ok, const char *fmt, ...);
/* A "# ..." diagnostic line. */
__attribute__((format(printf, 1, 2)))
void t_diag(const char *fmt, ...);
/* Prints both strings (escaped) when they differ; returns true if equal. */
bool t_streq(const char *got, const char *want);
/* True when @needle is in @hay; prints both when not. */
bool t_has(const char *hay, const char *needle);
/* True when @needle is not in @hay; prints both when it is. */
bool t_lacks(const char *hay, const char *needle);
/* Hex string to bytes; returns the length or -1 (bad hex or too long). */
long t_hex(const char *hex, uint8_t *out, size_t cap);
/* Compares @len bytes and prints both sides on mismatch; true when equal. */
bool t_memeq(const char *what, const uint8_t *got, const uint8_t *want, size_t len);
/* The number of results recorded so far, and of failed ones. */
int t_tests(void);
int t_failures(void);

#endif /* ESPVTI_TEST_TAP_H */
