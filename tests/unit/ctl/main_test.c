// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * main_test.c - runs every espctl unit test (value parsing, the JSON writer,
 * the names of print.c, the checks of diagnose). TAP output, the plan last; exit status 1 when any
 * test failed.
 */

#include <stdio.h>

#include "ctl_test.h"

int main(void)
{
	test_parse();
	test_json();
	test_print();
	test_diag();
	printf("1..%d\n", t_tests());
	if (t_failures())
		printf("# %d of %d tests failed\n", t_failures(), t_tests());
	return t_failures() ? 1 : 0;
}
