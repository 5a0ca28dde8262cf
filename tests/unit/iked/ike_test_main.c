// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_test_main.c - runs every espiked protocol-core unit test, TAP output,
 * exit status 1 if any test failed.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"

static int t_n, t_failed;

int t_ok(int ok, const char *fmt, ...)
{
	va_list ap;

	t_n++;
	if (!ok)
		t_failed++;
	printf("%sok %d - ", ok ? "" : "not ", t_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
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

long t_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (!hex)
		return -1;
	while (hex[0] && hex[1]) {
		unsigned int v;

		if (!isxdigit((unsigned char)hex[0]) || !isxdigit((unsigned char)hex[1]) ||
		    n == cap || sscanf(hex, "%2x", &v) != 1)
			return -1;
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return hex[0] ? -1 : (long)n;
}

static void dump(const char *label, const uint8_t *p, size_t len)
{
	printf("#   %s: ", label);
	for (size_t i = 0; i < len; i++)
		printf("%02x", p[i]);
	putchar('\n');
}

int t_memeq(const char *what, const uint8_t *got, const uint8_t *want, size_t len)
{
	if (!memcmp(got, want, len))
		return 1;
	t_diag("%s differs", what);
	dump("got ", got, len);
	dump("want", want, len);
	return 0;
}

int main(void)
{
	printf("TAP version 13\n");
	test_msg();
	test_crypto();
	test_dh();
	test_sk();
	test_proposal();
	test_interop();
	test_mutate();
	printf("1..%d\n", t_n);
	printf("# espiked unit tests: %d passed, %d failed\n", t_n - t_failed, t_failed);
	return t_failed ? 1 : 0;
}
