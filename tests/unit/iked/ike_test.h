/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_test.h - the espiked protocol-core unit tests (one function per
 * file, run by ike_test_main.c); TAP output with tests/unit/tap.h.
 */
#ifndef IKE_TEST_H
#define IKE_TEST_H

#include "../tap.h"

void test_msg(void);
void test_crypto(void);
void test_dh(void);
void test_sk(void);
void test_frag(void);
void test_proposal(void);
void test_interop(void);
void test_mutate(void);
void test_certmsg(void);
void test_sig(void);
void test_cert(void);

#endif
