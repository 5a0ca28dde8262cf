/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ctl_test.h - the espctl unit tests (*_test.c in this directory, linked
 * into one binary with tests/unit/tap.c and userland/ctl/parse.c, json.c,
 * print.c and diag.c; main_test.c holds main()), TAP output with tests/unit/tap.h.
 */
#ifndef ESPCTL_CTL_TEST_H
#define ESPCTL_CTL_TEST_H

#include "../tap.h"

void test_parse(void);
void test_json(void);
void test_print(void);
void test_diag(void);

#endif /* ESPCTL_CTL_TEST_H */
