// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_test_main.c - runs every espiked protocol-core unit test, TAP output,
 * exit status 1 if any test failed.
 */
#include <stdio.h>

#include "ike_test.h"

int main(void)
{
	printf("TAP version 13\n");
	test_msg();
	test_crypto();
	test_dh();
	test_sk();
	test_frag();
	test_proposal();
	test_interop();
	test_mutate();
	test_certmsg();
	test_sig();
	test_cert();
	printf("1..%d\n", t_tests());
	printf("# espiked unit tests: %d passed, %d failed\n", t_tests() - t_failures(),
	       t_failures());
	return t_failures() ? 1 : 0;
}
