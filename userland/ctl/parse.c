// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Parsing of command line values (see parse.h). Strict: no sign, no
 * leading blanks, no trailing garbage, no silent truncation.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/espvti.h>

#include "esplib_parse.h"
#include "parse.h"

void espctl_err_set(struct espctl_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

/**
 * espctl_parse_u64() - a decimal or 0x-prefixed hexadecimal number
 * @s: the text
 * @out: receives the value
 *
 * Return: 0, -EINVAL when @s is not such a number, -ERANGE when it does not
 * fit in 64 bits.
 */
int espctl_parse_u64(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		d = esplib_hexval(*s);
		if (d < 0 || (unsigned int)d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static void fmt_bound(char *buf, size_t len, uint64_t v)
{
	if (v == UINT64_MAX)
		snprintf(buf, len, "2^64-1");
	else if (v == UINT32_MAX)
		snprintf(buf, len, "0xffffffff");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

/**
 * espctl_parse_num() - a number within bounds
 * @what: name of the value for the message, e.g. "ttl"
 * @s: the text
 * @min: smallest value accepted
 * @max: largest value accepted
 * @out: receives the value
 * @e: receives the reason of a failure
 *
 * Return: 0, or -1 with @e set.
 */
int espctl_parse_num(const char *what, const char *s, uint64_t min,
		     uint64_t max, uint64_t *out, struct espctl_err *e)
{
	char lo[32], hi[32];
	uint64_t v;
	int ret;

	ret = espctl_parse_u64(s, &v);
	if (!ret && v >= min && v <= max) {
		*out = v;
		return 0;
	}
	fmt_bound(lo, sizeof(lo), min);
	fmt_bound(hi, sizeof(hi), max);
	espctl_err_set(e, "invalid %s '%s': expected %s..%s%s", what, s, lo, hi,
		       ret == -EINVAL ? "" : " (out of range)");
	return -1;
}

/* SPI: ESPVTI_MIN_SPI (256)..0xffffffff, 1..255 being reserved by RFC 4303. */
int espctl_parse_spi(const char *s, uint32_t *spi, struct espctl_err *e)
{
	uint64_t v;
	int ret;

	ret = espctl_parse_u64(s, &v);
	if (!ret && v >= ESPVTI_MIN_SPI && v <= UINT32_MAX) {
		*spi = v;
		return 0;
	}
	espctl_err_set(e, "invalid SPI '%s': expected 256..0xffffffff%s", s,
		       !ret && v < ESPVTI_MIN_SPI ? " (0 to 255 are reserved by RFC 4303)" : "");
	return -1;
}

static int parse_addr_raw(const char *s, struct espctl_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = esplib_parse_addr(s, &a->v6);	/* v4 and v6 share the bytes */
	return a->family ? 0 : -1;
}

/**
 * espctl_parse_addr() - an IPv4 or IPv6 address
 * @what: name of the value, e.g. "local address"
 * @s: the text
 * @addr: receives the address
 * @e: receives the reason of a failure
 *
 * Return: 0, or -1 with @e set.
 */
int espctl_parse_addr(const char *what, const char *s,
		      struct espctl_addr *addr, struct espctl_err *e)
{
	if (!parse_addr_raw(s, addr))
		return 0;
	espctl_err_set(e, "invalid %s '%s': expected an IPv4 or IPv6 address",
		       what, s);
	return -1;
}

/* Applies a prefix length: clears the host bits of @out. */
static void addr_mask(const struct espctl_addr *in, unsigned int plen,
		      struct espctl_addr *out)
{
	uint8_t *b;
	unsigned int i, n;

	*out = *in;
	if (in->family == AF_INET) {
		b = (uint8_t *)&out->v4;
		n = 4;
	} else {
		b = out->v6.s6_addr;
		n = 16;
	}
	for (i = 0; i < n; i++) {
		if (plen >= 8 * (i + 1))
			continue;
		if (plen <= 8 * i)
			b[i] = 0;
		else
			b[i] &= (uint8_t)(0xff00 >> (plen - 8 * i));
	}
}

static bool addr_equal(const struct espctl_addr *a, const struct espctl_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	return !memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

/**
 * espctl_parse_prefix() - ADDR/LEN, or a bare address (a host prefix)
 * @s: the text
 * @p: receives the prefix
 * @e: receives the reason of a failure
 *
 * Host bits beyond the length are refused (the message gives the network).
 *
 * Return: 0, or -1 with @e set.
 */
int espctl_parse_prefix(const char *s, struct espctl_prefix *p,
			struct espctl_err *e)
{
	char buf[INET6_ADDRSTRLEN + 8], net[INET6_ADDRSTRLEN];
	struct espctl_addr masked;
	const char *slash;
	unsigned int max;
	uint64_t plen;
	size_t alen;

	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (!alen || alen >= sizeof(buf)) {
		espctl_err_set(e, "invalid prefix '%s': expected ADDRESS/LENGTH", s);
		return -1;
	}
	memcpy(buf, s, alen);
	buf[alen] = 0;
	if (parse_addr_raw(buf, &p->addr)) {
		espctl_err_set(e, "invalid prefix '%s': '%s' is not an IPv4 or IPv6 address",
			       s, buf);
		return -1;
	}
	max = p->addr.family == AF_INET ? 32 : 128;
	if (!slash) {
		p->plen = max;
		return 0;
	}
	if (!slash[1] || strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
	    espctl_parse_u64(slash + 1, &plen)) {
		espctl_err_set(e, "invalid prefix '%s': length '%s' is not a number",
			       s, slash + 1);
		return -1;
	}
	if (plen > max) {
		espctl_err_set(e, "invalid prefix '%s': length %llu is longer than %u (%s)",
			       s, (unsigned long long)plen, max,
			       max == 32 ? "IPv4" : "IPv6");
		return -1;
	}
	p->plen = plen;
	addr_mask(&p->addr, p->plen, &masked);
	if (!addr_equal(&masked, &p->addr)) {
		espctl_err_set(e, "invalid prefix '%s': host bits set beyond /%u (the network is %s/%u)",
			       s, p->plen, espctl_addr_str(&masked, net, sizeof(net)),
			       p->plen);
		return -1;
	}
	return 0;
}

/**
 * espctl_parse_prefix_list() - comma-separated prefixes
 * @what: name of the list, e.g. "ts-local"
 * @s: the text
 * @list: receives the prefixes
 * @max: room in @list
 * @n: receives the number of prefixes
 * @e: receives the reason of a failure
 *
 * Return: 0, or -1 with @e set.
 */
int espctl_parse_prefix_list(const char *what, const char *s,
			     struct espctl_prefix *list, size_t max,
			     size_t *n, struct espctl_err *e)
{
	char item[128];
	struct espctl_err sub;
	const char *p = s, *end;
	size_t len, count = 0;

	for (;;) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		if (!len) {
			espctl_err_set(e, "invalid %s '%s': empty entry in the list", what, s);
			return -1;
		}
		if (len >= sizeof(item)) {
			espctl_err_set(e, "invalid %s '%s': entry too long", what, s);
			return -1;
		}
		if (count == max) {
			espctl_err_set(e, "invalid %s '%s': more than %zu prefixes", what, s, max);
			return -1;
		}
		memcpy(item, p, len);
		item[len] = 0;
		if (espctl_parse_prefix(item, &list[count], &sub)) {
			espctl_err_set(e, "%s: %s", what, sub.msg);
			return -1;
		}
		count++;
		if (!end)
			break;
		p = end + 1;
	}
	*n = count;
	return 0;
}

/**
 * espctl_parse_key() - key material as 0x-prefixed hex digits
 * @s: the text
 * @key: receives the bytes
 * @e: receives the reason of a failure (never quoting the key)
 *
 * Return: 0, or -1 with @e set.
 */
int espctl_parse_key(const char *s, struct espctl_key *key,
		     struct espctl_err *e)
{
	size_t i, digits;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
		espctl_err_set(e, "invalid key: expected 0x followed by hex digits");
		return -1;
	}
	s += 2;
	digits = strlen(s);
	for (i = 0; i < digits; i++) {
		if (esplib_hexval(s[i]) < 0) {
			espctl_err_set(e, "invalid key: character %zu after 0x is not a hex digit",
				       i + 1);
			return -1;
		}
	}
	if (!digits) {
		espctl_err_set(e, "invalid key: no hex digits after 0x");
		return -1;
	}
	if (digits % 2) {
		espctl_err_set(e, "invalid key: odd number of hex digits (%zu)", digits);
		return -1;
	}
	if (digits / 2 > ESPCTL_MAX_KEY) {
		espctl_err_set(e, "invalid key: too long (%zu bytes, at most %d)",
			       digits / 2, ESPCTL_MAX_KEY);
		return -1;
	}
	key->len = (size_t)esplib_unhex(s, key->data, sizeof(key->data));
	return 0;
}

/**
 * espctl_parse_alg() - an AEAD algorithm name or alias
 * @s: the text
 * @e: receives the reason of a failure
 *
 * Return: the kernel's name of the algorithm, or NULL with @e set.
 */
const char *espctl_parse_alg(const char *s, struct espctl_err *e)
{
	if (!strcmp(s, ESPVTI_ALG_AES_GCM) || !strcmp(s, "aes-gcm"))
		return ESPVTI_ALG_AES_GCM;
	if (!strcmp(s, ESPVTI_ALG_CHACHA20_POLY1305) ||
	    !strcmp(s, "chacha20-poly1305"))
		return ESPVTI_ALG_CHACHA20_POLY1305;
	espctl_err_set(e, "unknown algorithm '%s': expected %s (aes-gcm) or %s (chacha20-poly1305)",
		       s, ESPVTI_ALG_AES_GCM, ESPVTI_ALG_CHACHA20_POLY1305);
	return NULL;
}

/* A network device name: 1 to 15 bytes, no '/' and no blank. */
int espctl_parse_ifname(const char *what, const char *s, struct espctl_err *e)
{
	size_t len = strlen(s);

	if (!len || len >= ESPCTL_IFNAMSIZ) {
		espctl_err_set(e, "invalid %s '%s': expected 1 to %d characters",
			       what, s, ESPCTL_IFNAMSIZ - 1);
		return -1;
	}
	if (strpbrk(s, "/: \t\n")) {
		espctl_err_set(e, "invalid %s '%s': device names have no '/', ':' or blanks",
			       what, s);
		return -1;
	}
	return 0;
}

int espctl_parse_dir(const char *s, uint8_t *dir, struct espctl_err *e)
{
	if (!strcmp(s, "in")) {
		*dir = ESPVTI_DIR_IN;
		return 0;
	}
	if (!strcmp(s, "out")) {
		*dir = ESPVTI_DIR_OUT;
		return 0;
	}
	espctl_err_set(e, "invalid dir '%s': expected in or out", s);
	return -1;
}

int espctl_parse_bool(const char *what, const char *s, bool *out,
		      struct espctl_err *e)
{
	if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "1")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "0")) {
		*out = false;
		return 0;
	}
	espctl_err_set(e, "invalid %s '%s': expected on or off", what, s);
	return -1;
}

static const char *const crypto_names[] = {
	[ESPVTI_CRYPTO_DEFAULT] = "default",
	[ESPVTI_CRYPTO_CRYPTD] = "cryptd",
	[ESPVTI_CRYPTO_PCRYPT] = "pcrypt",
};

/* The name of an enum espvti_crypto value ("unknown" beyond the known). */
const char *espctl_crypto_name(unsigned int crypto)
{
	if (crypto < sizeof(crypto_names) / sizeof(crypto_names[0]))
		return crypto_names[crypto];
	return "unknown";
}

/* default, cryptd or pcrypt into an enum espvti_crypto value. */
int espctl_parse_crypto(const char *s, uint64_t *out, struct espctl_err *e)
{
	unsigned int i;

	for (i = 0; i < sizeof(crypto_names) / sizeof(crypto_names[0]); i++)
		if (!strcmp(s, crypto_names[i])) {
			*out = i;
			return 0;
		}
	espctl_err_set(e, "invalid crypto '%s': expected default, cryptd or pcrypt", s);
	return -1;
}

bool espctl_addr_is_zero(const struct espctl_addr *a)
{
	static const struct in6_addr any6;

	if (a->family == AF_INET)
		return !a->v4.s_addr;
	if (a->family == AF_INET6)
		return !memcmp(&a->v6, &any6, sizeof(any6));
	return true;
}

void espctl_addr_zero(struct espctl_addr *a, int family)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
}

const char *espctl_addr_str(const struct espctl_addr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, &a->v4, buf, len))
		snprintf(buf, len, "none");
	return buf;
}

const char *espctl_prefix_str(const struct espctl_prefix *p, char *buf,
			      size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", espctl_addr_str(&p->addr, a, sizeof(a)), p->plen);
	return buf;
}
