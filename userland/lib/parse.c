// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Text parsers shared by espctl and espiked (see esplib_parse.h).
 */

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "esplib_parse.h"

/* The value of the hex digit @c (either case), or -1. */
int esplib_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/**
 * esplib_unhex() - hex digits (no prefix) into bytes
 * @s: the text, an even number of hex digits, at least two
 * @out: receives the bytes
 * @cap: room in @out
 *
 * Return: the number of bytes, or -1 (empty, odd, a non-digit, or more
 * than @cap bytes).
 */
long esplib_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s), i;

	if (!n || n % 2 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		int h = esplib_hexval(s[2 * i]), l = esplib_hexval(s[2 * i + 1]);

		if (h < 0 || l < 0)
			return -1;
		out[i] = (uint8_t)(h << 4 | l);
	}
	return (long)i;
}

/**
 * esplib_parse_addr() - an IPv4 or IPv6 address in the usual notation
 * @s: the text
 * @addr: receives the address, network order: 4 bytes (struct in_addr)
 *	or 16 (struct in6_addr); room for 16
 *
 * Return: AF_INET or AF_INET6, or 0 when @s is neither.
 */
int esplib_parse_addr(const char *s, void *addr)
{
	if (inet_pton(AF_INET, s, addr) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, addr) == 1)
		return AF_INET6;
	return 0;
}
