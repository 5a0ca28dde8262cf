/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Parsing of command line values: numbers, SPIs, addresses, prefixes, keys,
 * algorithm names and device names. Nothing here talks to the kernel; every
 * function fills a struct espctl_err with a message naming the bad value
 * and what was expected, for the caller to prefix with its command.
 */
#ifndef ESPCTL_PARSE_H
#define ESPCTL_PARSE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ESPCTL_MAX_KEY		64	/* bytes, as the kernel's policy */
#define ESPCTL_IFNAMSIZ		16	/* IFNAMSIZ, with the NUL */

/**
 * struct espctl_err - the reason a value was rejected
 * @msg: one line, no trailing newline, e.g. "invalid ttl '0': expected 1..255"
 */
struct espctl_err {
	char msg[512];
};

/**
 * struct espctl_addr - an IPv4 or IPv6 address
 * @family: AF_INET or AF_INET6 (0: none)
 * @v4: the IPv4 address (network order) when @family is AF_INET
 * @v6: the IPv6 address when @family is AF_INET6
 */
struct espctl_addr {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/**
 * struct espctl_prefix - an address prefix (traffic selector entry)
 * @addr: network address, host bits zero
 * @plen: prefix length, 0..32 or 0..128
 */
struct espctl_prefix {
	struct espctl_addr addr;
	uint8_t plen;
};

/**
 * struct espctl_key - AEAD key material followed by its salt
 * @len: number of bytes in @data
 * @data: the bytes
 */
struct espctl_key {
	size_t len;
	uint8_t data[ESPCTL_MAX_KEY];
};

void espctl_err_set(struct espctl_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int espctl_parse_u64(const char *s, uint64_t *out);
int espctl_parse_num(const char *what, const char *s, uint64_t min,
		     uint64_t max, uint64_t *out, struct espctl_err *e);
int espctl_parse_spi(const char *s, uint32_t *spi, struct espctl_err *e);
int espctl_parse_addr(const char *what, const char *s,
		      struct espctl_addr *addr, struct espctl_err *e);
int espctl_parse_prefix(const char *s, struct espctl_prefix *p,
			struct espctl_err *e);
int espctl_parse_prefix_list(const char *what, const char *s,
			     struct espctl_prefix *list, size_t max,
			     size_t *n, struct espctl_err *e);
int espctl_parse_key(const char *s, struct espctl_key *key,
		     struct espctl_err *e);
const char *espctl_parse_alg(const char *s, struct espctl_err *e);
int espctl_parse_ifname(const char *what, const char *s, struct espctl_err *e);
int espctl_parse_dir(const char *s, uint8_t *dir, struct espctl_err *e);
int espctl_parse_bool(const char *what, const char *s, bool *out,
		      struct espctl_err *e);
int espctl_parse_crypto(const char *s, uint64_t *out, struct espctl_err *e);
const char *espctl_crypto_name(unsigned int crypto);

bool espctl_addr_is_zero(const struct espctl_addr *a);
void espctl_addr_zero(struct espctl_addr *a, int family);
const char *espctl_addr_str(const struct espctl_addr *a, char *buf, size_t len);
const char *espctl_prefix_str(const struct espctl_prefix *p, char *buf,
			      size_t len);

#endif /* ESPCTL_PARSE_H */
