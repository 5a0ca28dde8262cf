// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * tap.c - the TAP helpers of tap.h.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"

static int t_n, t_failed;

int t_tests(void)
{
	return t_n;
}

int t_failures(void)
{
	return t_failed;
}

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

bool t_memeq(const char *what, const uint8_t *got, const uint8_t *want, size_t len)
{
	if (!memcmp(got, want, len))
		return true;
	t_diag("%s differs", what);
	dump("got ", got, len);
	dump("want", want, len);
	return false;
}
