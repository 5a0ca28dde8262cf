/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * tap.h - minimal TAP output for the espiked unit tests.
 */
#ifndef IKE_TEST_TAP_H
#define IKE_TEST_TAP_H

#include <stddef.h>
#include <stdint.h>

/* Record one test result: prints "ok N - name" or "not ok N - name". */
__attribute__((format(printf, 2, 3)))
int t_ok(int ok, const char *fmt, ...);
/* A "# ..." diagnostic line. */
__attribute__((format(printf, 1, 2)))
void t_diag(const char *fmt, ...);
/* Hex string to bytes; returns the length or -1 (bad hex or too long). */
long t_hex(const char *hex, uint8_t *out, size_t cap);
/* Compare and print both sides on mismatch; returns 1 when equal. */
int t_memeq(const char *what, const uint8_t *got, const uint8_t *want, size_t len);

void test_msg(void);
void test_crypto(void);
void test_dh(void);
void test_sk(void);
void test_proposal(void);
void test_interop(void);
void test_mutate(void);

#endif
