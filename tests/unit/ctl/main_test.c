// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * main_test.c - runs every espctl unit test (value parsing, the JSON writer,
 * the names of print.c). TAP output, the plan last; exit status 1 when any
 * test failed.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl_test.h"

static int t_n, t_failed;

bool t_ok(bool ok, const char *fmt, ...)
{
	const unsigned char *p;
	char name[512];
	va_list ap;

	t_n++;
	if (!ok)
		t_failed++;
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	/* One line per result: control bytes in a name are spelt out. */
	printf("%sok %d - ", ok ? "" : "not ", t_n);
	for (p = (const unsigned char *)name; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
	putchar('\n');
	fflush(stdout);
	return ok;
}

void t_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Prints @s with non-printable bytes as \xNN, so a diff is readable. */
static void diag_str(const char *label, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	printf("#   %s: ", label);
	if (!s) {
		puts("(null)");
		return;
	}
	putchar('"');
	for (; *p; p++) {
		if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '\t')
			fputs("\\t", stdout);
		else if (*p == '\\')
			fputs("\\\\", stdout);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
	puts("\"");
}

bool t_streq(const char *got, const char *want)
{
	if (got && want && !strcmp(got, want))
		return true;
	diag_str("got ", got);
	diag_str("want", want);
	return false;
}

bool t_has(const char *hay, const char *needle)
{
	if (hay && strstr(hay, needle))
		return true;
	diag_str("text   ", hay);
	diag_str("lacks  ", needle);
	return false;
}

bool t_lacks(const char *hay, const char *needle)
{
	if (hay && !strstr(hay, needle))
		return true;
	diag_str("text    ", hay);
	diag_str("contains", needle);
	return false;
}

int main(void)
{
	test_parse();
	test_json();
	test_print();
	printf("1..%d\n", t_n);
	if (t_failed)
		printf("# %d of %d tests failed\n", t_failed, t_n);
	return t_failed ? 1 : 0;
}
