// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * parse_test.c - espctl's value parsing (userland/ctl/parse.c): numbers and
 * their bounds, SPIs, addresses, prefixes and prefix lists, keys (whose
 * messages must never quote the key), algorithm names, device names,
 * directions, booleans and the address helpers.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/espvti.h>

#include "ctl_test.h"
#include "parse.h"

#define SENTINEL64	0x5a5a5a5a5a5a5a5aull

/* ---- espctl_parse_u64 ---- */

static void u64_ok(const char *s, uint64_t want)
{
	uint64_t v = SENTINEL64;
	int ret = espctl_parse_u64(s, &v);

	if (!t_ok(ret == 0 && v == want, "parse_u64 '%s' = %llu", s,
		  (unsigned long long)want))
		t_diag("returned %d, value %llu", ret, (unsigned long long)v);
}

static void u64_bad(const char *s, int want_err)
{
	uint64_t v = SENTINEL64;
	int ret = espctl_parse_u64(s, &v);

	if (!t_ok(ret == want_err && v == SENTINEL64, "parse_u64 '%s' fails with %s", s,
		  want_err == -ERANGE ? "-ERANGE" : "-EINVAL"))
		t_diag("returned %d, value %llu", ret, (unsigned long long)v);
}

static void test_u64(void)
{
	static const char *const garbage[] = {
		"", "0x", "0X", "-1", "+1", " 1", "1 ", "1\n", "1a", "a1", "0x1g",
		"0b101", "1e3", "0x-1", "x10", "0xx1", "1.0", "1,000", "0o17", "٣",
	};
	size_t i;

	u64_ok("0", 0);
	u64_ok("42", 42);
	u64_ok("007", 7);	/* leading zeros are decimal, not octal */
	u64_ok("010", 10);
	u64_ok("0x0", 0);
	u64_ok("0x1f", 31);
	u64_ok("0X1F", 31);
	u64_ok("0xaBcD", 0xabcd);
	u64_ok("0x0000000000000000001", 1);
	u64_ok("18446744073709551615", UINT64_MAX);
	u64_ok("0xffffffffffffffff", UINT64_MAX);
	u64_ok("4294967296", 4294967296ull);
	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		u64_bad(garbage[i], -EINVAL);
	u64_bad("18446744073709551616", -ERANGE);
	u64_bad("18446744073709551620", -ERANGE);
	u64_bad("99999999999999999999", -ERANGE);
	u64_bad("0x10000000000000000", -ERANGE);
	u64_bad("0xfffffffffffffffff", -ERANGE);
}

/* ---- espctl_parse_num ---- */

static void num_ok(const char *s, uint64_t min, uint64_t max, uint64_t want)
{
	struct espctl_err e = { "" };
	uint64_t v = SENTINEL64;
	int ret = espctl_parse_num("value", s, min, max, &v, &e);

	if (!t_ok(ret == 0 && v == want, "parse_num '%s' in %llu..%llu = %llu", s,
		  (unsigned long long)min, (unsigned long long)max,
		  (unsigned long long)want))
		t_diag("returned %d, value %llu, message '%s'", ret,
		       (unsigned long long)v, e.msg);
}

/* Fails with exactly the message @want; the value is left alone. */
static void num_bad(const char *what, const char *s, uint64_t min, uint64_t max,
		    const char *want)
{
	struct espctl_err e = { "" };
	uint64_t v = SENTINEL64;
	int ret = espctl_parse_num(what, s, min, max, &v, &e);

	t_ok(ret == -1 && v == SENTINEL64 && t_streq(e.msg, want),
	     "parse_num %s '%s' rejected: %s", what, s, want);
}

static void test_num(void)
{
	num_ok("1", 1, 255, 1);
	num_ok("255", 1, 255, 255);
	num_ok("0x40", 1, 255, 64);
	num_ok("0XfF", 1, 255, 255);
	num_ok("5", 5, 5, 5);
	num_ok("0", 0, 0, 0);
	num_ok("0", 0, UINT64_MAX, 0);
	num_ok("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);
	num_ok("65536", 0, 65536, 65536);
	num_ok("86400", 0, 86400, 86400);
	num_ok("2147483647", 0, INT32_MAX, INT32_MAX);

	num_bad("ttl", "0", 1, 255, "invalid ttl '0': expected 1..255 (out of range)");
	num_bad("ttl", "256", 1, 255, "invalid ttl '256': expected 1..255 (out of range)");
	num_bad("ttl", "0x100", 1, 255, "invalid ttl '0x100': expected 1..255 (out of range)");
	num_bad("ttl", "abc", 1, 255, "invalid ttl 'abc': expected 1..255");
	num_bad("ttl", "", 1, 255, "invalid ttl '': expected 1..255");
	num_bad("ttl", "-1", 1, 255, "invalid ttl '-1': expected 1..255");
	num_bad("ttl", "64 ", 1, 255, "invalid ttl '64 ': expected 1..255");
	num_bad("ttl", "6.4", 1, 255, "invalid ttl '6.4': expected 1..255");
	/* A number too large for 64 bits is out of range, not truncated. */
	num_bad("ttl", "18446744073709551617", 1, 255,
		"invalid ttl '18446744073709551617': expected 1..255 (out of range)");
	num_bad("ttl", "18446744073709551680", 1, 255,
		"invalid ttl '18446744073709551680': expected 1..255 (out of range)");
	num_bad("sport", "0", 1, 65535, "invalid sport '0': expected 1..65535 (out of range)");
	num_bad("dport", "65536", 1, 65535,
		"invalid dport '65536': expected 1..65535 (out of range)");
	num_bad("keepalive", "86401", 0, 86400,
		"invalid keepalive '86401': expected 0..86400 (out of range)");
	num_bad("replay-window", "65537", 0, 65536,
		"invalid replay-window '65537': expected 0..65536 (out of range)");
	num_bad("fd", "2147483648", 0, INT32_MAX,
		"invalid fd '2147483648': expected 0..2147483647 (out of range)");
	num_bad("fd", "-1", 0, INT32_MAX, "invalid fd '-1': expected 0..2147483647");
	/* The bounds 2^64-1 and 2^32-1 are spelt for humans. */
	num_bad("limit bytes", "0", 1, UINT64_MAX,
		"invalid limit bytes '0': expected 1..2^64-1 (out of range)");
	num_bad("limit packets", "18446744073709551616", 1, UINT64_MAX,
		"invalid limit packets '18446744073709551616': expected 1..2^64-1 (out of range)");
	num_bad("seq", "x", 0, UINT64_MAX, "invalid seq 'x': expected 0..2^64-1");
	num_bad("n", "4294967296", 0, UINT32_MAX,
		"invalid n '4294967296': expected 0..0xffffffff (out of range)");
	num_bad("n", "4", 5, 5, "invalid n '4': expected 5..5 (out of range)");
	num_bad("ICV length in bits", "100", 64, 96,
		"invalid ICV length in bits '100': expected 64..96 (out of range)");
}

/* ---- espctl_parse_spi ---- */

static void spi_ok(const char *s, uint32_t want)
{
	struct espctl_err e = { "" };
	uint32_t spi = 0x5a5a5a5a;
	int ret = espctl_parse_spi(s, &spi, &e);

	if (!t_ok(ret == 0 && spi == want, "spi '%s' = 0x%x", s, want))
		t_diag("returned %d, spi 0x%x, message '%s'", ret, spi, e.msg);
}

/* Fails naming @s; @reserved: the message mentions RFC 4303's reservation. */
static void spi_bad(const char *s, bool reserved)
{
	struct espctl_err e = { "" };
	uint32_t spi = 0x5a5a5a5a;
	char want[128];
	int ret = espctl_parse_spi(s, &spi, &e);

	snprintf(want, sizeof(want), "invalid SPI '%s': expected 256..0xffffffff%s", s,
		 reserved ? " (0 to 255 are reserved by RFC 4303)" : "");
	t_ok(ret == -1 && spi == 0x5a5a5a5a && t_streq(e.msg, want),
	     "spi '%s' rejected%s", s, reserved ? " as reserved" : "");
}

static void test_spi(void)
{
	spi_ok("256", 256);
	spi_ok("0x100", 256);
	spi_ok("257", 257);
	spi_ok("0x1001", 0x1001);
	spi_ok("0XABCDEF01", 0xabcdef01);
	spi_ok("4294967295", UINT32_MAX);
	spi_ok("0xffffffff", UINT32_MAX);
	spi_ok("0x00000100", 256);

	spi_bad("0", true);
	spi_bad("1", true);
	spi_bad("255", true);
	spi_bad("0xff", true);
	spi_bad("0x0", true);
	spi_bad("4294967296", false);
	spi_bad("0x100000000", false);
	spi_bad("18446744073709551615", false);
	spi_bad("18446744073709551616", false);	/* overflows 64 bits */
	spi_bad("0x1000000000000000000", false);
	spi_bad("", false);
	spi_bad("0x", false);
	spi_bad("abc", false);
	spi_bad("-256", false);
	spi_bad(" 256", false);
	spi_bad("256 ", false);
	spi_bad("0x10g", false);
}

/* ---- espctl_parse_addr ---- */

static void addr_ok(const char *s, int family, const char *canonical)
{
	struct espctl_err e = { "" };
	struct espctl_addr a;
	char buf[INET6_ADDRSTRLEN];
	int ret;

	memset(&a, 0xa5, sizeof(a));
	ret = espctl_parse_addr("local address", s, &a, &e);
	t_ok(ret == 0 && a.family == family &&
	     t_streq(espctl_addr_str(&a, buf, sizeof(buf)), canonical),
	     "address '%s' is %s %s", s, family == AF_INET ? "IPv4" : "IPv6", canonical);
}

static void addr_bad(const char *s)
{
	struct espctl_err e = { "" };
	struct espctl_addr a;
	char want[600];
	int ret;

	ret = espctl_parse_addr("remote address", s, &a, &e);
	snprintf(want, sizeof(want),
		 "invalid remote address '%s': expected an IPv4 or IPv6 address", s);
	t_ok(ret == -1 && t_streq(e.msg, want), "address '%s' rejected", s);
}

static void test_addr(void)
{
	static const char *const bad[] = {
		"", "192.0.2", "192.0.2.256", "192.0.2.1.5", "192.0.2.1/24",
		"192.0.2.-1", "2001:db8::1::2", "2001:db8:::1", "fe80::1%eth0",
		"[2001:db8::1]", "host.example", " 192.0.2.1", "192.0.2.1 ",
		"0x01020304", "3232235521", "any", "none", "::g", "1:2:3:4:5:6:7:8:9",
	};
	struct espctl_err e;
	struct espctl_addr a;
	char huge[1000];
	size_t i;
	int ret;

	addr_ok("192.0.2.1", AF_INET, "192.0.2.1");
	addr_ok("0.0.0.0", AF_INET, "0.0.0.0");
	addr_ok("255.255.255.255", AF_INET, "255.255.255.255");
	addr_ok("2001:db8::1", AF_INET6, "2001:db8::1");
	addr_ok("2001:0DB8:0000:0000:0000:0000:0000:0001", AF_INET6, "2001:db8::1");
	addr_ok("::", AF_INET6, "::");
	addr_ok("::1", AF_INET6, "::1");
	addr_ok("fe80::1", AF_INET6, "fe80::1");
	addr_ok("::ffff:192.0.2.1", AF_INET6, "::ffff:192.0.2.1");

	memset(&a, 0, sizeof(a));
	ret = espctl_parse_addr("local address", "192.0.2.1", &a, &e);
	t_ok(ret == 0 && a.v4.s_addr == htonl(0xc0000201),
	     "IPv4 address stored in network byte order");
	ret = espctl_parse_addr("local address", "2001:db8::1", &a, &e);
	t_ok(ret == 0 && a.v6.s6_addr[0] == 0x20 && a.v6.s6_addr[1] == 0x01 &&
	     a.v6.s6_addr[2] == 0x0d && a.v6.s6_addr[3] == 0xb8 && a.v6.s6_addr[15] == 1,
	     "IPv6 address stored byte for byte");

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		addr_bad(bad[i]);

	/* A very long value: the message is cut, never overflows. */
	memset(huge, 'z', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = 0;
	ret = espctl_parse_addr("remote address", huge, &a, &e);
	t_ok(ret == -1 && strlen(e.msg) == sizeof(e.msg) - 1 &&
	     !strncmp(e.msg, "invalid remote address 'zzz", 27),
	     "a 999-byte address gives a message cut to %zu bytes", sizeof(e.msg) - 1);
}

/* ---- espctl_parse_prefix ---- */

static void prefix_ok(const char *s, int family, unsigned int plen, const char *canonical)
{
	struct espctl_err e = { "" };
	struct espctl_prefix p;
	char buf[INET6_ADDRSTRLEN + 8];
	int ret;

	memset(&p, 0xa5, sizeof(p));
	ret = espctl_parse_prefix(s, &p, &e);
	if (!t_ok(ret == 0 && p.addr.family == family && p.plen == plen &&
		  t_streq(espctl_prefix_str(&p, buf, sizeof(buf)), canonical),
		  "prefix '%s' is %s", s, canonical))
		t_diag("returned %d, message '%s'", ret, e.msg);
}

static void prefix_bad(const char *s, const char *want)
{
	struct espctl_err e = { "" };
	struct espctl_prefix p;
	int ret = espctl_parse_prefix(s, &p, &e);

	t_ok(ret == -1 && t_streq(e.msg, want), "prefix '%s' rejected: %s", s, want);
}

static void test_prefix(void)
{
	char longaddr[80];

	prefix_ok("10.0.0.0/8", AF_INET, 8, "10.0.0.0/8");
	prefix_ok("10.1.2.0/24", AF_INET, 24, "10.1.2.0/24");
	prefix_ok("10.0.0.128/25", AF_INET, 25, "10.0.0.128/25");
	prefix_ok("128.0.0.0/1", AF_INET, 1, "128.0.0.0/1");
	prefix_ok("0.0.0.0/0", AF_INET, 0, "0.0.0.0/0");
	prefix_ok("192.0.2.1/32", AF_INET, 32, "192.0.2.1/32");
	prefix_ok("10.0.0.0/08", AF_INET, 8, "10.0.0.0/8");
	/* A bare address is a host prefix. */
	prefix_ok("192.0.2.1", AF_INET, 32, "192.0.2.1/32");
	prefix_ok("0.0.0.0", AF_INET, 32, "0.0.0.0/32");
	prefix_ok("2001:db8::1", AF_INET6, 128, "2001:db8::1/128");
	prefix_ok("::", AF_INET6, 128, "::/128");
	prefix_ok("2001:db8::/32", AF_INET6, 32, "2001:db8::/32");
	prefix_ok("::/0", AF_INET6, 0, "::/0");
	prefix_ok("2001:db8::1/128", AF_INET6, 128, "2001:db8::1/128");
	prefix_ok("2001:db8:0:0:8000::/65", AF_INET6, 65, "2001:db8:0:0:8000::/65");
	prefix_ok("fe80::/10", AF_INET6, 10, "fe80::/10");

	/* Host bits beyond the length: refused, with the network to use. */
	prefix_bad("10.0.0.1/24",
		   "invalid prefix '10.0.0.1/24': host bits set beyond /24 (the network is 10.0.0.0/24)");
	prefix_bad("10.0.0.1/0",
		   "invalid prefix '10.0.0.1/0': host bits set beyond /0 (the network is 0.0.0.0/0)");
	prefix_bad("10.0.0.129/25",
		   "invalid prefix '10.0.0.129/25': host bits set beyond /25 (the network is 10.0.0.128/25)");
	prefix_bad("10.255.0.0/9",
		   "invalid prefix '10.255.0.0/9': host bits set beyond /9 (the network is 10.128.0.0/9)");
	prefix_bad("192.0.2.1/31",
		   "invalid prefix '192.0.2.1/31': host bits set beyond /31 (the network is 192.0.2.0/31)");
	prefix_bad("2001:db8::1/64",
		   "invalid prefix '2001:db8::1/64': host bits set beyond /64 (the network is 2001:db8::/64)");
	prefix_bad("2001:db8:0:0:c000::/65",
		   "invalid prefix '2001:db8:0:0:c000::/65': host bits set beyond /65 (the network is 2001:db8:0:0:8000::/65)");
	prefix_bad("::1/127",
		   "invalid prefix '::1/127': host bits set beyond /127 (the network is ::/127)");

	/* Lengths. */
	prefix_bad("10.0.0.0/33",
		   "invalid prefix '10.0.0.0/33': length 33 is longer than 32 (IPv4)");
	prefix_bad("::/129", "invalid prefix '::/129': length 129 is longer than 128 (IPv6)");
	/* 2^32 + 8 must not wrap to 8 */
	prefix_bad("10.0.0.0/4294967304",
		   "invalid prefix '10.0.0.0/4294967304': length 4294967304 is longer than 32 (IPv4)");
	prefix_bad("10.0.0.0/264",
		   "invalid prefix '10.0.0.0/264': length 264 is longer than 32 (IPv4)");
	prefix_bad("10.0.0.0/", "invalid prefix '10.0.0.0/': length '' is not a number");
	prefix_bad("10.0.0.0/x", "invalid prefix '10.0.0.0/x': length 'x' is not a number");
	prefix_bad("10.0.0.0/-1", "invalid prefix '10.0.0.0/-1': length '-1' is not a number");
	prefix_bad("10.0.0.0/+8", "invalid prefix '10.0.0.0/+8': length '+8' is not a number");
	prefix_bad("10.0.0.0/ 8", "invalid prefix '10.0.0.0/ 8': length ' 8' is not a number");
	prefix_bad("10.0.0.0/8 ", "invalid prefix '10.0.0.0/8 ': length '8 ' is not a number");
	prefix_bad("10.0.0.0/0x8", "invalid prefix '10.0.0.0/0x8': length '0x8' is not a number");
	prefix_bad("10.0.0.0/8/8", "invalid prefix '10.0.0.0/8/8': length '8/8' is not a number");
	prefix_bad("10.0.0.0/99999999999999999999999",
		   "invalid prefix '10.0.0.0/99999999999999999999999': length '99999999999999999999999' is not a number");

	/* Addresses. */
	prefix_bad("", "invalid prefix '': expected ADDRESS/LENGTH");
	prefix_bad("/24", "invalid prefix '/24': expected ADDRESS/LENGTH");
	prefix_bad("10.0.0/24", "invalid prefix '10.0.0/24': '10.0.0' is not an IPv4 or IPv6 address");
	prefix_bad("any", "invalid prefix 'any': 'any' is not an IPv4 or IPv6 address");
	prefix_bad("10.0.0.0.0/8",
		   "invalid prefix '10.0.0.0.0/8': '10.0.0.0.0' is not an IPv4 or IPv6 address");
	memset(longaddr, '1', 60);
	strcpy(longaddr + 60, "/8");
	{
		char want[160];

		snprintf(want, sizeof(want), "invalid prefix '%s': expected ADDRESS/LENGTH",
			 longaddr);
		prefix_bad(longaddr, want);
	}
}

/* ---- espctl_parse_prefix_list ---- */

static void list_ok(const char *s, size_t want_n, const char *const *want)
{
	struct espctl_prefix list[ESPVTI_MAX_TS];
	struct espctl_err e = { "" };
	char buf[INET6_ADDRSTRLEN + 8];
	size_t n = 99, i;
	bool ok;
	int ret;

	ret = espctl_parse_prefix_list("ts-local", s, list, ESPVTI_MAX_TS, &n, &e);
	ok = ret == 0 && n == want_n;
	for (i = 0; ok && i < n; i++)
		ok = t_streq(espctl_prefix_str(&list[i], buf, sizeof(buf)), want[i]);
	if (!t_ok(ok, "prefix list '%.60s%s' has %zu entries", s,
		  strlen(s) > 60 ? "..." : "", want_n))
		t_diag("returned %d, n %zu, message '%s'", ret, n, e.msg);
}

static void list_bad(const char *what, const char *s, size_t max, const char *want)
{
	struct espctl_prefix list[ESPVTI_MAX_TS + 1];
	struct espctl_err e = { "" };
	size_t n = 99;
	int ret;

	ret = espctl_parse_prefix_list(what, s, list, max, &n, &e);
	t_ok(ret == -1 && n == 99 && t_streq(e.msg, want), "prefix list '%.50s%s' rejected",
	     s, strlen(s) > 50 ? "..." : "");
}

static void test_prefix_list(void)
{
	static const char *const one[] = { "10.0.0.0/8" };
	static const char *const three[] = {
		"10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32",
	};
	static const char *const hosts[] = { "192.0.2.1/32", "2001:db8::1/128" };
	const char *sixteen[ESPVTI_MAX_TS];
	char names[ESPVTI_MAX_TS + 1][24], s[600], want[700];
	size_t i;

	list_ok("10.0.0.0/8", 1, one);
	list_ok("10.0.0.0/8,192.168.0.0/16,2001:db8::/32", 3, three);
	list_ok("192.0.2.1,2001:db8::1", 2, hosts);

	/* Exactly ESPVTI_MAX_TS (16) entries, then one more. */
	s[0] = 0;
	for (i = 0; i <= ESPVTI_MAX_TS; i++) {
		snprintf(names[i], sizeof(names[i]), "10.%zu.0.0/16", i);
		if (i < ESPVTI_MAX_TS) {
			sixteen[i] = names[i];
			if (i)
				strcat(s, ",");
			strcat(s, names[i]);
		}
	}
	list_ok(s, ESPVTI_MAX_TS, sixteen);
	strcat(s, ",");
	strcat(s, names[ESPVTI_MAX_TS]);
	snprintf(want, sizeof(want), "invalid ts-remote '%s': more than 16 prefixes", s);
	list_bad("ts-remote", s, ESPVTI_MAX_TS, want);
	list_bad("ts-local", "10.0.0.0/8,10.1.0.0/16,10.2.0.0/16", 2,
		 "invalid ts-local '10.0.0.0/8,10.1.0.0/16,10.2.0.0/16': more than 2 prefixes");

	/* Empty entries. */
	list_bad("ts-local", "", ESPVTI_MAX_TS, "invalid ts-local '': empty entry in the list");
	list_bad("ts-local", ",", ESPVTI_MAX_TS, "invalid ts-local ',': empty entry in the list");
	list_bad("ts-local", ",10.0.0.0/8", ESPVTI_MAX_TS,
		 "invalid ts-local ',10.0.0.0/8': empty entry in the list");
	list_bad("ts-local", "10.0.0.0/8,", ESPVTI_MAX_TS,
		 "invalid ts-local '10.0.0.0/8,': empty entry in the list");
	list_bad("ts-local", "10.0.0.0/8,,10.1.0.0/16", ESPVTI_MAX_TS,
		 "invalid ts-local '10.0.0.0/8,,10.1.0.0/16': empty entry in the list");

	/* A bad entry: the message is the prefix's, named after the list. */
	list_bad("ts-remote", "10.0.0.0/8,10.0.0.1/8", ESPVTI_MAX_TS,
		 "ts-remote: invalid prefix '10.0.0.1/8': host bits set beyond /8 (the network is 10.0.0.0/8)");
	list_bad("ts-local", "10.0.0.0/8, 10.1.0.0/16", ESPVTI_MAX_TS,
		 "ts-local: invalid prefix ' 10.1.0.0/16': ' 10.1.0.0' is not an IPv4 or IPv6 address");
	list_bad("ts-local", "10.0.0.0/8;10.1.0.0/16", ESPVTI_MAX_TS,
		 "ts-local: invalid prefix '10.0.0.0/8;10.1.0.0/16': length '8;10.1.0.0/16' is not a number");

	/* An entry of 128 bytes or more. */
	memset(s, '1', 130);
	s[130] = 0;
	snprintf(want, sizeof(want), "invalid ts-local '%s': entry too long", s);
	list_bad("ts-local", s, ESPVTI_MAX_TS, want);
}

/* ---- espctl_parse_key ---- */

static void key_ok(const char *s, size_t want_len, uint8_t first, uint8_t last)
{
	struct espctl_err e = { "" };
	struct espctl_key key;
	int ret;

	memset(&key, 0, sizeof(key));
	ret = espctl_parse_key(s, &key, &e);
	if (!t_ok(ret == 0 && key.len == want_len && key.data[0] == first &&
		  key.data[want_len - 1] == last,
		  "key of %zu bytes (%zu hex digits) accepted", want_len, strlen(s) - 2))
		t_diag("returned %d, len %zu, message '%s'", ret, key.len, e.msg);
}

/*
 * Fails with @want, and the message quotes no part of the key: neither the
 * whole text nor @secret, a run of its digits (NULL: nothing to hide).
 */
static void key_bad(const char *name, const char *s, const char *secret,
		    const char *want)
{
	struct espctl_err e = { "" };
	struct espctl_key key;
	int ret;

	memset(&key, 0, sizeof(key));
	ret = espctl_parse_key(s, &key, &e);
	t_ok(ret == -1 && key.len == 0 && t_streq(e.msg, want), "key %s rejected", name);
	if (secret)
		t_ok(t_lacks(e.msg, secret) && t_lacks(e.msg, s),
		     "key %s: the message does not quote the key", name);
}

static void test_key(void)
{
	char s[2 * ESPCTL_MAX_KEY + 16];
	struct espctl_err e;
	struct espctl_key key;
	size_t i;
	int ret;

	key_ok("0x0102030405060708090a0b0c0d0e0f1011121314", 20, 0x01, 0x14);
	key_ok("0X0102030405060708090A0B0C0D0E0F1011121314", 20, 0x01, 0x14);
	key_ok("0x00", 1, 0x00, 0x00);
	key_ok("0xfF", 1, 0xff, 0xff);
	/* 28 and 36 bytes (AES-192/256 + salt, ChaCha20 + salt). */
	strcpy(s, "0x");
	for (i = 0; i < 28; i++)
		sprintf(s + 2 + 2 * i, "%02x", (unsigned int)(0xa0 + i));
	key_ok(s, 28, 0xa0, 0xa0 + 27);
	strcpy(s, "0x");
	for (i = 0; i < 36; i++)
		sprintf(s + 2 + 2 * i, "%02X", (unsigned int)(0x10 + i));
	key_ok(s, 36, 0x10, 0x10 + 35);
	/* ESPCTL_MAX_KEY (64) bytes, the kernel's limit, then one more. */
	strcpy(s, "0x");
	for (i = 0; i < ESPCTL_MAX_KEY; i++)
		sprintf(s + 2 + 2 * i, "%02x", (unsigned int)(0xc0 - i));
	key_ok(s, ESPCTL_MAX_KEY, 0xc0, 0xc0 - (ESPCTL_MAX_KEY - 1));
	/* Every byte value, and the byte order. */
	memset(&key, 0, sizeof(key));
	ret = espctl_parse_key("0x00017f80feff5aa5", &key, &e);
	t_ok(ret == 0 && key.len == 8 && !memcmp(key.data, "\x00\x01\x7f\x80\xfe\xff\x5a\xa5", 8),
	     "key bytes decoded in order, high nibble first");

	strcpy(s, "0x");
	for (i = 0; i < ESPCTL_MAX_KEY + 1; i++)
		sprintf(s + 2 + 2 * i, "%s", i % 2 ? "be" : "de");
	key_bad("of 65 bytes", s, "dede",
		"invalid key: too long (65 bytes, at most 64)");
	key_bad("without 0x", "0102030405060708090a0b0c0d0e0f1011121314", "05060708",
		"invalid key: expected 0x followed by hex digits");
	key_bad("empty", "", NULL, "invalid key: expected 0x followed by hex digits");
	key_bad("'x...'", "xdeadbeefcafebabe", "deadbeef",
		"invalid key: expected 0x followed by hex digits");
	key_bad("'@file'", "@/etc/deadbeef", "deadbeef",
		"invalid key: expected 0x followed by hex digits");
	key_bad("0b...", "0bdeadbeef", "deadbeef",
		"invalid key: expected 0x followed by hex digits");
	key_bad("'0x'", "0x", NULL, "invalid key: no hex digits after 0x");
	key_bad("of odd length", "0xdeadbeefcafe1", "deadbeef",
		"invalid key: odd number of hex digits (13)");
	key_bad("of one digit", "0xd", "0xd", "invalid key: odd number of hex digits (1)");
	key_bad("with 'g'", "0xdeadbeefcafeg0", "deadbeef",
		"invalid key: character 13 after 0x is not a hex digit");
	key_bad("with a blank", "0xdeadbeef cafe", "deadbeef",
		"invalid key: character 9 after 0x is not a hex digit");
	key_bad("with a leading blank", "0x deadbeef", "deadbeef",
		"invalid key: character 1 after 0x is not a hex digit");
	key_bad("with a second 0x", "0x0xdeadbeef", "deadbeef",
		"invalid key: character 2 after 0x is not a hex digit");
	key_bad("with a newline", "0xdeadbeef\n", "deadbeef",
		"invalid key: character 9 after 0x is not a hex digit");
	key_bad("with a dash", "0xdeadbeef-cafe", "deadbeef",
		"invalid key: character 9 after 0x is not a hex digit");
	/* A non-hex digit is reported before the length. */
	key_bad("odd and with 'z'", "0xdeadbeefz", "deadbeef",
		"invalid key: character 9 after 0x is not a hex digit");
}

/* ---- espctl_parse_alg ---- */

static void alg_ok(const char *s, const char *want)
{
	struct espctl_err e = { "" };
	const char *alg = espctl_parse_alg(s, &e);

	t_ok(alg && t_streq(alg, want), "algorithm '%s' is %s", s, want);
}

static void alg_bad(const char *s)
{
	struct espctl_err e = { "" };
	const char *alg = espctl_parse_alg(s, &e);
	char want[256];

	snprintf(want, sizeof(want),
		 "unknown algorithm '%s': expected rfc4106(gcm(aes)) (aes-gcm) or rfc7539esp(chacha20,poly1305) (chacha20-poly1305)",
		 s);
	t_ok(!alg && t_streq(e.msg, want), "algorithm '%s' rejected", s);
}

static void test_alg(void)
{
	static const char *const bad[] = {
		"", "aes", "AES-GCM", "aes_gcm", "aesgcm", "gcm(aes)", "rfc4106(gcm(aes)) ",
		" aes-gcm", "RFC4106(GCM(AES))", "rfc4106", "chacha20", "chacha20poly1305",
		"chacha20_poly1305", "rfc7539(chacha20,poly1305)", "rfc7539esp(chacha20, poly1305)",
		"cbc(aes)", "aes-gcm-128",
	};
	size_t i;

	alg_ok("rfc4106(gcm(aes))", ESPVTI_ALG_AES_GCM);
	alg_ok("aes-gcm", ESPVTI_ALG_AES_GCM);
	alg_ok("rfc7539esp(chacha20,poly1305)", ESPVTI_ALG_CHACHA20_POLY1305);
	alg_ok("chacha20-poly1305", ESPVTI_ALG_CHACHA20_POLY1305);
	t_ok(!strcmp(ESPVTI_ALG_AES_GCM, "rfc4106(gcm(aes))") &&
	     !strcmp(ESPVTI_ALG_CHACHA20_POLY1305, "rfc7539esp(chacha20,poly1305)"),
	     "the uapi algorithm names are the kernel crypto API's");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		alg_bad(bad[i]);
}

/* ---- espctl_parse_ifname, espctl_parse_dir, espctl_parse_bool ---- */

static void ifname_check(const char *label, const char *s, const char *want)
{
	struct espctl_err e = { "" };
	int ret = espctl_parse_ifname("device", s, &e);

	if (!want)
		t_ok(ret == 0, "device name %s accepted", label);
	else
		t_ok(ret == -1 && t_streq(e.msg, want), "device name %s rejected", label);
}

static void test_ifname(void)
{
	ifname_check("'esp0'", "esp0", NULL);
	ifname_check("'a'", "a", NULL);
	ifname_check("of 15 characters", "abcdefghijklmno", NULL);
	ifname_check("'esp-0.1_x'", "esp-0.1_x", NULL);
	ifname_check("'eth0.100'", "eth0.100", NULL);
	ifname_check("empty", "", "invalid device '': expected 1 to 15 characters");
	ifname_check("of 16 characters", "abcdefghijklmnop",
		     "invalid device 'abcdefghijklmnop': expected 1 to 15 characters");
	ifname_check("with '/'", "a/b",
		     "invalid device 'a/b': device names have no '/', ':' or blanks");
	ifname_check("with ':'", "eth0:1",
		     "invalid device 'eth0:1': device names have no '/', ':' or blanks");
	ifname_check("with a space", "a b",
		     "invalid device 'a b': device names have no '/', ':' or blanks");
	ifname_check("with a tab", "a\tb",
		     "invalid device 'a\tb': device names have no '/', ':' or blanks");
	ifname_check("with a newline", "esp0\n",
		     "invalid device 'esp0\n': device names have no '/', ':' or blanks");
}

static void dir_check(const char *s, uint8_t want)
{
	struct espctl_err e = { "" };
	uint8_t dir = 0xa5;
	char msg[128];
	int ret = espctl_parse_dir(s, &dir, &e);

	if (want) {
		t_ok(ret == 0 && dir == want, "dir '%s' is %u", s, want);
		return;
	}
	snprintf(msg, sizeof(msg), "invalid dir '%s': expected in or out", s);
	t_ok(ret == -1 && dir == 0xa5 && t_streq(e.msg, msg), "dir '%s' rejected", s);
}

static void bool_check(const char *s, int want)
{
	struct espctl_err e = { "" };
	bool b = want != 1;
	char msg[128];
	int ret = espctl_parse_bool("float", s, &b, &e);

	if (want >= 0) {
		t_ok(ret == 0 && b == (want == 1), "bool '%s' is %s", s, want ? "true" : "false");
		return;
	}
	snprintf(msg, sizeof(msg), "invalid float '%s': expected on or off", s);
	t_ok(ret == -1 && t_streq(e.msg, msg), "bool '%s' rejected", s);
}

static void test_dir_bool(void)
{
	static const char *const bad_bool[] = {
		"", "true", "false", "ON", "Off", "YES", "2", "-1", "enable", "y", "n", "on ",
	};
	size_t i;

	dir_check("in", ESPVTI_DIR_IN);
	dir_check("out", ESPVTI_DIR_OUT);
	t_ok(ESPVTI_DIR_IN == 1 && ESPVTI_DIR_OUT == 2, "ESPVTI_DIR_IN is 1, ESPVTI_DIR_OUT 2");
	dir_check("IN", 0);
	dir_check("Out", 0);
	dir_check("inbound", 0);
	dir_check("outbound", 0);
	dir_check("", 0);
	dir_check("in ", 0);
	dir_check("1", 0);
	dir_check("both", 0);

	bool_check("on", 1);
	bool_check("yes", 1);
	bool_check("1", 1);
	bool_check("off", 0);
	bool_check("no", 0);
	bool_check("0", 0);
	for (i = 0; i < sizeof(bad_bool) / sizeof(bad_bool[0]); i++)
		bool_check(bad_bool[i], -1);
}

/* ---- address helpers ---- */

static void test_addr_helpers(void)
{
	struct espctl_prefix p;
	struct espctl_addr a;
	struct espctl_err e;
	char buf[INET6_ADDRSTRLEN + 8];

	memset(&a, 0xff, sizeof(a));
	espctl_addr_zero(&a, AF_INET);
	t_ok(a.family == AF_INET && !a.v4.s_addr && espctl_addr_is_zero(&a) &&
	     t_streq(espctl_addr_str(&a, buf, sizeof(buf)), "0.0.0.0"),
	     "espctl_addr_zero(AF_INET) is 0.0.0.0");
	memset(&a, 0xff, sizeof(a));
	espctl_addr_zero(&a, AF_INET6);
	t_ok(a.family == AF_INET6 && espctl_addr_is_zero(&a) &&
	     t_streq(espctl_addr_str(&a, buf, sizeof(buf)), "::"),
	     "espctl_addr_zero(AF_INET6) is ::");
	memset(&a, 0xff, sizeof(a));
	espctl_addr_zero(&a, 0);
	t_ok(a.family == 0 && espctl_addr_is_zero(&a) &&
	     t_streq(espctl_addr_str(&a, buf, sizeof(buf)), "none"),
	     "an address of no family is zero and prints as none");

	espctl_parse_addr("a", "192.0.2.1", &a, &e);
	t_ok(!espctl_addr_is_zero(&a), "192.0.2.1 is not zero");
	espctl_parse_addr("a", "0.0.0.1", &a, &e);
	t_ok(!espctl_addr_is_zero(&a), "0.0.0.1 is not zero");
	espctl_parse_addr("a", "::1", &a, &e);
	t_ok(!espctl_addr_is_zero(&a), "::1 is not zero");
	espctl_parse_addr("a", "8000::", &a, &e);
	t_ok(!espctl_addr_is_zero(&a), "8000:: is not zero");
	espctl_parse_addr("a", "::", &a, &e);
	t_ok(espctl_addr_is_zero(&a), ":: is zero");

	memset(&p, 0, sizeof(p));
	t_ok(t_streq(espctl_prefix_str(&p, buf, sizeof(buf)), "none/0"),
	     "a prefix of no family prints as none/0");
	espctl_parse_prefix("2001:db8:1:2:3:4:5:6/128", &p, &e);
	t_ok(t_streq(espctl_prefix_str(&p, buf, sizeof(buf)), "2001:db8:1:2:3:4:5:6/128"),
	     "the longest IPv6 prefix fits the printing buffer");
	espctl_parse_prefix("255.255.255.255/32", &p, &e);
	t_ok(t_streq(espctl_prefix_str(&p, buf, sizeof(buf)), "255.255.255.255/32"),
	     "the longest IPv4 prefix prints whole");
}

void test_parse(void)
{
	test_u64();
	test_num();
	test_spi();
	test_addr();
	test_prefix();
	test_prefix_list();
	test_key();
	test_alg();
	test_ifname();
	test_dir_bool();
	test_addr_helpers();
}
