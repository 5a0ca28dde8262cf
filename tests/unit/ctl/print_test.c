// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * print_test.c - the names espctl prints (userland/ctl/print.c): every
 * counter of enum espvti_stat_attrs has one, unique, spelt after its enum
 * name; directions, expiry states and reasons; and the address of a v4/v6
 * netlink attribute pair.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/espvti.h>

#include "ctl_test.h"
#include "print.h"

#define STAT(x) { ESPVTI_STAT_##x, #x }

/* Every counter of the uapi header, by its enum name. */
static const struct {
	unsigned int id;
	const char *enum_name;
} stats[] = {
	STAT(RX_PACKETS), STAT(RX_BYTES), STAT(TX_PACKETS), STAT(TX_BYTES),
	STAT(RX_NO_SA), STAT(RX_REPLAY), STAT(RX_AUTH_FAIL), STAT(RX_BAD_TRAILER),
	STAT(RX_BAD_INNER), STAT(RX_SELECTOR), STAT(RX_MALFORMED), STAT(RX_EXPIRED),
	STAT(TX_NO_SA), STAT(TX_SEQ_EXHAUSTED), STAT(TX_TOO_BIG), STAT(TX_NO_ROUTE),
	STAT(TX_SELECTOR), STAT(TX_EXPIRED), STAT(TX_ERRORS), STAT(RX_UDP_MALFORMED),
	STAT(RX_KEEPALIVE), STAT(TX_KEEPALIVE), STAT(RX_CRYPTO_BUSY), STAT(TX_CRYPTO_BUSY),
	STAT(RX_DUMMY), STAT(RX_NON_ESP),
	STAT(TCP_MSS_CLAMPED), STAT(RX_CRYPTO_ASYNC), STAT(TX_CRYPTO_ASYNC),
	STAT(TX_LINK_LOCAL), STAT(RX_LINK_LOCAL),
	STAT(RX_HELD), STAT(RX_HOLD_FULL), STAT(RX_HOLD_EXPIRED),
	STAT(RX_QUEUE_FULL), STAT(TX_QUEUE_FULL), STAT(RX_PARALLEL), STAT(TX_PARALLEL),
};

#define N_STATS (sizeof(stats) / sizeof(stats[0]))

static void test_stat_names(void)
{
	unsigned int i, k, named = 0, missing = 0, dup = 0, badchar = 0;
	char lower[64];

	for (i = ESPVTI_STAT_UNSPEC + 1; i <= ESPVTI_STAT_MAX; i++) {
		const char *n = espctl_stat_name(i);

		if (i == ESPVTI_STAT_PAD)
			continue;
		if (!n) {
			t_diag("counter %u has no name", i);
			missing++;
			continue;
		}
		named++;
		for (k = 0; n[k]; k++)
			if (!islower((unsigned char)n[k]) && n[k] != '_')
				badchar++;
		if (strncmp(n, "rx_", 3) && strncmp(n, "tx_", 3) && strncmp(n, "tcp_", 4)) {
			t_diag("counter %u: '%s' starts with neither rx_, tx_ nor tcp_", i, n);
			badchar++;
		}
		for (k = i + 1; k <= ESPVTI_STAT_MAX; k++) {
			const char *m = espctl_stat_name(k);

			if (m && !strcmp(n, m)) {
				t_diag("counters %u and %u are both '%s'", i, k, n);
				dup++;
			}
		}
	}
	t_ok(!missing, "every ESPVTI_STAT_* counter but PAD has a name (%u named)", named);
	t_ok(named == ESPVTI_STAT_MAX - 1, "%u names for %u counters (ESPVTI_STAT_MAX less PAD)",
	     named, ESPVTI_STAT_MAX - 1);
	t_ok(!dup, "counter names are unique");
	t_ok(!badchar, "counter names are lower case rx_..., tx_... or tcp_... identifiers");
	t_ok(!espctl_stat_name(ESPVTI_STAT_UNSPEC), "ESPVTI_STAT_UNSPEC has no name");
	t_ok(!espctl_stat_name(ESPVTI_STAT_PAD), "ESPVTI_STAT_PAD has no name");
	t_ok(!espctl_stat_name(__ESPVTI_STAT_MAX) && !espctl_stat_name(__ESPVTI_STAT_MAX + 1) &&
	     !espctl_stat_name(1000) && !espctl_stat_name(UINT_MAX),
	     "counters beyond ESPVTI_STAT_MAX have no name (a newer kernel's are skipped)");

	t_ok(N_STATS == ESPVTI_STAT_MAX - 1,
	     "this test knows every counter of the uapi header (%zu of %u)", N_STATS,
	     ESPVTI_STAT_MAX - 1);
	for (i = 0; i < N_STATS; i++) {
		for (k = 0; stats[i].enum_name[k] && k < sizeof(lower) - 1; k++)
			lower[k] = tolower((unsigned char)stats[i].enum_name[k]);
		lower[k] = 0;
		t_ok(espctl_stat_name(stats[i].id) && t_streq(espctl_stat_name(stats[i].id), lower),
		     "ESPVTI_STAT_%s is named %s", stats[i].enum_name, lower);
	}
}

static void test_enum_names(void)
{
	t_ok(t_streq(espctl_dir_name(ESPVTI_DIR_IN), "in"), "direction 1 is in");
	t_ok(t_streq(espctl_dir_name(ESPVTI_DIR_OUT), "out"), "direction 2 is out");
	t_ok(t_streq(espctl_dir_name(0), "unknown") && t_streq(espctl_dir_name(3), "unknown") &&
	     t_streq(espctl_dir_name(255), "unknown"), "directions 0, 3 and 255 are unknown");

	t_ok(t_streq(espctl_expired_name(0), "no"), "expired 0 is no");
	t_ok(t_streq(espctl_expired_name(1), "soft"), "expired 1 is soft");
	t_ok(t_streq(espctl_expired_name(2), "hard"), "expired 2 is hard");
	t_ok(t_streq(espctl_expired_name(3), "unknown") &&
	     t_streq(espctl_expired_name(255), "unknown"), "expired 3 and 255 are unknown");

	t_ok(t_streq(espctl_reason_name(ESPVTI_EXPIRE_BYTES), "bytes"), "reason 1 is bytes");
	t_ok(t_streq(espctl_reason_name(ESPVTI_EXPIRE_PACKETS), "packets"), "reason 2 is packets");
	t_ok(t_streq(espctl_reason_name(ESPVTI_EXPIRE_SEQ), "seq"), "reason 3 is seq");
	t_ok(t_streq(espctl_reason_name(0), "unknown") && t_streq(espctl_reason_name(4), "unknown") &&
	     t_streq(espctl_reason_name(255), "unknown"), "reasons 0, 4 and 255 are unknown");
}

/**
 * struct attr - one netlink attribute with room for an IPv6 address
 * @h: header
 * @d: payload
 */
struct attr {
	struct nlattr h;
	unsigned char d[20];
} __attribute__((aligned(4)));

static struct nlattr *mkattr(struct attr *a, int type, const void *data, int len)
{
	memset(a, 0, sizeof(*a));
	a->h.nla_type = type;
	a->h.nla_len = NLA_HDRLEN + len;
	memcpy(a->d, data, len);
	return &a->h;
}

static void test_attr_addr(void)
{
	static const unsigned char v4[5] = { 192, 0, 2, 1, 9 };
	static const unsigned char v6[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
	};
	struct nlattr *a4, *a6;
	struct attr b4, b6;
	struct espctl_addr addr;
	char s[INET6_ADDRSTRLEN];
	int ret;

	a4 = mkattr(&b4, ESPVTI_A_LOCAL_IPV4, v4, 4);
	a6 = mkattr(&b6, ESPVTI_A_LOCAL_IPV6, v6, 16);

	ret = espctl_attr_addr(a4, NULL, &addr);
	t_ok(ret == 0 && addr.family == AF_INET &&
	     t_streq(espctl_addr_str(&addr, s, sizeof(s)), "192.0.2.1"),
	     "attribute pair: IPv4 only");
	ret = espctl_attr_addr(NULL, a6, &addr);
	t_ok(ret == 0 && addr.family == AF_INET6 &&
	     t_streq(espctl_addr_str(&addr, s, sizeof(s)), "2001:db8::1"),
	     "attribute pair: IPv6 only");
	ret = espctl_attr_addr(a4, a6, &addr);
	t_ok(ret == 0 && addr.family == AF_INET, "attribute pair: IPv4 wins over IPv6");

	memset(&addr, 0xff, sizeof(addr));
	ret = espctl_attr_addr(NULL, NULL, &addr);
	t_ok(ret == -1 && addr.family == 0 && espctl_addr_is_zero(&addr),
	     "attribute pair: neither present gives -1 and no family");

	a4 = mkattr(&b4, ESPVTI_A_LOCAL_IPV4, v4, 3);
	ret = espctl_attr_addr(a4, NULL, &addr);
	t_ok(ret == -1 && addr.family == 0, "attribute pair: a 3-byte IPv4 attribute is ignored");
	ret = espctl_attr_addr(a4, a6, &addr);
	t_ok(ret == 0 && addr.family == AF_INET6,
	     "attribute pair: a short IPv4 attribute falls back to IPv6");
	a6 = mkattr(&b6, ESPVTI_A_LOCAL_IPV6, v6, 15);
	ret = espctl_attr_addr(NULL, a6, &addr);
	t_ok(ret == -1 && addr.family == 0, "attribute pair: a 15-byte IPv6 attribute is ignored");
	a4 = mkattr(&b4, ESPVTI_A_LOCAL_IPV4, v4, 5);
	ret = espctl_attr_addr(a4, NULL, &addr);
	t_ok(ret == 0 && addr.family == AF_INET && addr.v4.s_addr == htonl(0xc0000201),
	     "attribute pair: a long IPv4 attribute gives its first 4 bytes");
}

void test_print(void)
{
	test_stat_names();
	test_enum_names();
	test_attr_addr();
}
