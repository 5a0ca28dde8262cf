// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * espctl sa add|del|flush|reserve: manual keying. The syntax of "sa add" follows
 * `ip xfrm state add ... aead ALGO KEY ICVBITS` so that one line of key
 * material serves both.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/espvti.h>
#include <linux/netlink.h>
#include <netlink/attr.h>

#include "espctl.h"
#include "nl.h"
#include "parse.h"

/**
 * struct sa_args - "sa add" and "sa del" arguments once parsed
 * @dir: ESPVTI_DIR_IN or ESPVTI_DIR_OUT, 0 if not given
 * @spi: the SPI, valid when @has_spi
 * @has_spi: spi was given
 * @alg: kernel name of the AEAD, NULL if not given
 * @key: key material and salt (zeroed before the command returns)
 * @icv_bits: ICV length in bits
 * @esn: extended sequence numbers
 * @window: replay window, valid when @has_window
 * @has_window: replay-window was given
 * @seq: initial sequence number, valid when @has_seq
 * @has_seq: seq was given
 * @limits: soft bytes, soft packets, hard bytes, hard packets (0: none)
 * @ts_local: local selectors, @n_ts_local of them
 * @n_ts_local: count (0: not given)
 * @ts_remote: remote selectors, @n_ts_remote of them
 * @n_ts_remote: count (0: not given)
 * @reserve_ms: "sa reserve": how long, valid when @has_reserve
 * @has_reserve: the request is ESPVTI_CMD_SA_RESERVE ("time" may be absent)
 */
struct sa_args {
	uint8_t dir;
	uint32_t spi;
	bool has_spi;
	const char *alg;
	struct espctl_key key;
	uint32_t icv_bits;
	bool esn;
	uint32_t window;
	bool has_window;
	uint64_t seq;
	bool has_seq;
	uint64_t limits[4];
	struct espctl_prefix ts_local[ESPVTI_MAX_TS];
	size_t n_ts_local;
	struct espctl_prefix ts_remote[ESPVTI_MAX_TS];
	size_t n_ts_remote;
	uint32_t reserve_ms;
	bool has_reserve;
};

enum { LIM_SOFT_BYTES, LIM_SOFT_PACKETS, LIM_HARD_BYTES, LIM_HARD_PACKETS };

static void sa_args_wipe(struct sa_args *a)
{
	explicit_bzero(&a->key, sizeof(a->key));
}

/* KEY: 0x and hex digits, or @FILE holding them (so keys stay out of ps). */
static int parse_key_arg(const char *s, struct espctl_key *key,
			 struct espctl_err *e)
{
	char buf[2 * ESPCTL_MAX_KEY + 8];
	struct espctl_err sub;
	size_t n;
	FILE *f;
	int ret;

	if (s[0] != '@')
		return espctl_parse_key(s, key, e);
	f = fopen(s + 1, "re");
	if (!f) {
		espctl_err_set(e, "key file '%s': %s", s + 1, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	if (!feof(f)) {
		espctl_err_set(e, "key file '%s': %s", s + 1,
			       ferror(f) ? strerror(errno) : "longer than any key");
		fclose(f);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
		     buf[n - 1] == '\t'))
		n--;
	buf[n] = 0;
	ret = espctl_parse_key(buf, key, &sub);
	if (ret)
		espctl_err_set(e, "key file '%s': %s", s + 1, sub.msg);
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

/*
 * limit [soft|hard] [bytes N] [packets N], the words in any order (so that
 * both "limit soft packets 5" and "limit bytes 1000 packets 5 hard" read).
 * Returns the number of arguments used, or -1.
 */
static int parse_limit(int argc, char **argv, struct sa_args *a,
		       struct espctl_err *e)
{
	uint64_t bytes = 0, packets = 0;
	bool has_bytes = false, has_packets = false;
	int i = 0, kind = -1;

	while (i < argc) {
		if (!strcmp(argv[i], "soft") || !strcmp(argv[i], "hard")) {
			if (kind >= 0) {
				espctl_err_set(e, "limit: give soft or hard once per limit");
				return -1;
			}
			kind = argv[i][0] == 'h';
			i++;
		} else if (!strcmp(argv[i], "bytes") || !strcmp(argv[i], "packets")) {
			bool is_bytes = argv[i][0] == 'b';
			uint64_t *v = is_bytes ? &bytes : &packets;

			if (is_bytes ? has_bytes : has_packets) {
				espctl_err_set(e, "limit: '%s' given twice", argv[i]);
				return -1;
			}
			if (i + 1 >= argc) {
				espctl_err_set(e, "limit: '%s' needs a number", argv[i]);
				return -1;
			}
			if (espctl_parse_num(is_bytes ? "limit bytes" : "limit packets",
					     argv[i + 1], 1, UINT64_MAX, v, e))
				return -1;
			if (is_bytes)
				has_bytes = true;
			else
				has_packets = true;
			i += 2;
		} else {
			break;
		}
	}
	if (kind < 0) {
		espctl_err_set(e, "limit: say which: soft or hard");
		return -1;
	}
	if (!has_bytes && !has_packets) {
		espctl_err_set(e, "limit %s: give bytes N and/or packets N", kind ? "hard" : "soft");
		return -1;
	}
	if (has_bytes) {
		if (a->limits[kind ? LIM_HARD_BYTES : LIM_SOFT_BYTES]) {
			espctl_err_set(e, "limit %s bytes given twice", kind ? "hard" : "soft");
			return -1;
		}
		a->limits[kind ? LIM_HARD_BYTES : LIM_SOFT_BYTES] = bytes;
	}
	if (has_packets) {
		if (a->limits[kind ? LIM_HARD_PACKETS : LIM_SOFT_PACKETS]) {
			espctl_err_set(e, "limit %s packets given twice", kind ? "hard" : "soft");
			return -1;
		}
		a->limits[kind ? LIM_HARD_PACKETS : LIM_SOFT_PACKETS] = packets;
	}
	return i;
}

/* Key material is never echoed in a message: 0x and many hex digits. */
static bool looks_like_key(const char *s)
{
	return (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && strlen(s) > 12) ||
	       s[0] == '@';
}

static bool is_sa_keyword(const char *k, bool add)
{
	static const char *const words[] = {
		"dir", "spi", "aead", "esn", "replay-window", "seq", "ts-local",
		"ts-remote", "limit",
	};
	size_t i;

	for (i = 0; i < (add ? sizeof(words) / sizeof(words[0]) : 2); i++)
		if (!strcmp(k, words[i]))
			return true;
	return false;
}

/*
 * aead ALGO KEY ICVBITS, at @argv (argv[0] is "aead"; @argc counts from it).
 * Returns 0, or -1 with @e set.
 */
static int parse_aead(int argc, char **argv, struct sa_args *a, struct espctl_err *e)
{
	uint64_t v;

	if (a->alg) {
		espctl_err_set(e, "'aead' given twice");
		return -1;
	}
	if (argc <= 3) {
		espctl_err_set(e, "aead needs ALGO KEY ICVBITS");
		return -1;
	}
	if (looks_like_key(argv[1])) {
		espctl_err_set(e, "aead: ALGO missing before KEY (aead ALGO KEY ICVBITS)");
		return -1;
	}
	a->alg = espctl_parse_alg(argv[1], e);
	if (!a->alg || parse_key_arg(argv[2], &a->key, e) ||
	    espctl_parse_num("ICV length in bits", argv[3], ESPVTI_MIN_ICV_BITS,
			     ESPVTI_MAX_ICV_BITS, &v, e))
		return -1;
	if (v != 64 && v != 96 && v != 128) {
		espctl_err_set(e, "invalid ICV length in bits '%s': expected 64, 96 or 128",
			       argv[3]);
		return -1;
	}
	a->icv_bits = v;
	return 0;
}

/*
 * ts-local LIST or ts-remote LIST, keyword @k and its value @list, each given
 * once. Returns 0, or -1 with @e set.
 */
static int parse_ts_arg(const char *k, const char *list, struct sa_args *a,
			struct espctl_err *e)
{
	bool local = k[3] == 'l';

	if (local ? a->n_ts_local : a->n_ts_remote) {
		espctl_err_set(e, "'%s' given twice (give one comma-separated list)", k);
		return -1;
	}
	return espctl_parse_prefix_list(k, list, local ? a->ts_local : a->ts_remote,
					ESPVTI_MAX_TS,
					local ? &a->n_ts_local : &a->n_ts_remote, e) ? -1 : 0;
}

/*
 * One keyword at @argv (argv[0], accepted by is_sa_keyword(), @argc counting
 * from it) with its values; the caller made sure a keyword that takes a value
 * has one. Returns the number of arguments used, or -1 with @e set.
 */
static int parse_sa_arg(int argc, char **argv, struct sa_args *a, struct espctl_err *e)
{
	const char *k = argv[0];
	uint64_t v;
	int n;

	if (!strcmp(k, "dir")) {
		if (a->dir) {
			espctl_err_set(e, "'dir' given twice");
			return -1;
		}
		return espctl_parse_dir(argv[1], &a->dir, e) ? -1 : 2;
	}
	if (!strcmp(k, "spi")) {
		if (a->has_spi) {
			espctl_err_set(e, "'spi' given twice");
			return -1;
		}
		if (espctl_parse_spi(argv[1], &a->spi, e))
			return -1;
		a->has_spi = true;
		return 2;
	}
	if (!strcmp(k, "aead"))
		return parse_aead(argc, argv, a, e) ? -1 : 4;
	if (!strcmp(k, "esn")) {
		a->esn = true;
		return 1;
	}
	if (!strcmp(k, "replay-window")) {
		if (a->has_window) {
			espctl_err_set(e, "'replay-window' given twice");
			return -1;
		}
		if (espctl_parse_num("replay-window", argv[1], 0, ESPVTI_MAX_REPLAY_WINDOW, &v, e))
			return -1;
		a->window = v;
		a->has_window = true;
		return 2;
	}
	if (!strcmp(k, "seq")) {
		if (a->has_seq) {
			espctl_err_set(e, "'seq' given twice");
			return -1;
		}
		if (espctl_parse_num("seq", argv[1], 0, UINT64_MAX, &a->seq, e))
			return -1;
		a->has_seq = true;
		return 2;
	}
	if (!strcmp(k, "ts-local") || !strcmp(k, "ts-remote"))
		return parse_ts_arg(k, argv[1], a, e) ? -1 : 2;
	/* "limit", the last keyword is_sa_keyword() lets through */
	n = parse_limit(argc - 1, argv + 1, a, e);
	return n < 0 ? -1 : 1 + n;
}

/* dir and spi given, and aead too for @add. Returns 0, or -1 with @e set. */
static int sa_args_complete(bool add, const struct sa_args *a, struct espctl_err *e)
{
	if (!a->dir) {
		espctl_err_set(e, "missing 'dir in|out'");
		return -1;
	}
	if (!a->has_spi) {
		espctl_err_set(e, "missing 'spi SPI'");
		return -1;
	}
	if (add && !a->alg) {
		espctl_err_set(e, "missing 'aead ALGO KEY ICVBITS'");
		return -1;
	}
	return 0;
}

/*
 * The arguments after DEV. @add: all of "sa add", else only dir and spi.
 * Returns 0, or -1 with @e set.
 */
static int parse_sa_args(int argc, char **argv, bool add, struct sa_args *a,
			 struct espctl_err *e)
{
	int i = 0, n;

	while (i < argc) {
		const char *k = argv[i];
		bool takes_value = strcmp(k, "esn") && strcmp(k, "limit");

		if (!is_sa_keyword(k, add)) {
			if (looks_like_key(k))
				espctl_err_set(e, "unexpected key material (not shown)%s",
					       add && !a->alg ? ": give it as aead ALGO KEY ICVBITS" : "");
			else
				espctl_err_set(e, "unknown argument '%s'%s", k,
					       add ? "" : " (expected dir or spi)");
			return -1;
		}
		if (takes_value && i + 1 >= argc) {
			espctl_err_set(e, "'%s' needs a value", k);
			return -1;
		}
		n = parse_sa_arg(argc - i, argv + i, a, e);
		if (n < 0)
			return -1;
		i += n;
	}
	return sa_args_complete(add, a, e);
}

static int put_ts(struct nl_msg *msg, int type, const struct espctl_prefix *ts,
		  size_t n)
{
	struct nlattr *list, *one;
	size_t i;

	if (!n)
		return 0;
	list = nla_nest_start(msg, type | NLA_F_NESTED);
	if (!list)
		return -1;
	for (i = 0; i < n; i++) {
		one = nla_nest_start(msg, ESPVTI_TS_A_PREFIX | NLA_F_NESTED);
		if (!one)
			return -1;
		if (ts[i].addr.family == AF_INET) {
			if (nla_put(msg, ESPVTI_TS_A_IPV4, 4, &ts[i].addr.v4))
				return -1;
		} else if (nla_put(msg, ESPVTI_TS_A_IPV6, 16, &ts[i].addr.v6)) {
			return -1;
		}
		if (nla_put_u8(msg, ESPVTI_TS_A_PLEN, ts[i].plen))
			return -1;
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, list);
	return 0;
}

static int put_sa(struct nl_msg *msg, const struct sa_args *a, bool add)
{
	static const int limit_attrs[4] = {
		ESPVTI_SA_A_SOFT_BYTES, ESPVTI_SA_A_SOFT_PACKETS,
		ESPVTI_SA_A_HARD_BYTES, ESPVTI_SA_A_HARD_PACKETS,
	};
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(msg, ESPVTI_A_SA | NLA_F_NESTED);
	if (!nest || nla_put_u8(msg, ESPVTI_SA_A_DIR, a->dir) ||
	    nla_put_u32(msg, ESPVTI_SA_A_SPI, a->spi))
		return -1;
	if (a->has_reserve && a->reserve_ms &&
	    nla_put_u32(msg, ESPVTI_SA_A_RESERVE_MS, a->reserve_ms))
		return -1;
	if (add) {
		if (nla_put_string(msg, ESPVTI_SA_A_ALG, a->alg) ||
		    nla_put(msg, ESPVTI_SA_A_KEY, a->key.len, a->key.data) ||
		    nla_put_u32(msg, ESPVTI_SA_A_ICV_BITS, a->icv_bits) ||
		    (a->esn && nla_put_flag(msg, ESPVTI_SA_A_ESN)) ||
		    (a->has_window &&
		     nla_put_u32(msg, ESPVTI_SA_A_REPLAY_WINDOW, a->window)) ||
		    (a->has_seq && nla_put_u64(msg, ESPVTI_SA_A_SEQ, a->seq)) ||
		    put_ts(msg, ESPVTI_SA_A_TS_LOCAL, a->ts_local, a->n_ts_local) ||
		    put_ts(msg, ESPVTI_SA_A_TS_REMOTE, a->ts_remote, a->n_ts_remote))
			return -1;
		for (i = 0; i < 4; i++)
			if (a->limits[i] && nla_put_u64(msg, limit_attrs[i], a->limits[i]))
				return -1;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* One request naming DEV, with the SA of @a when given; prints failures. */
static int sa_request(const char *what, const char *dev, uint8_t cmd,
		      const struct sa_args *a, bool add)
{
	struct esplib_nl nl;
	struct nl_msg *msg;
	int err, ret = 1;

	if (espctl_nl_open(&nl, what))
		return 1;
	msg = esplib_nl_msg(&nl, cmd, 0);
	if (!msg || nla_put_string(msg, ESPVTI_A_IFNAME, dev) ||
	    (a && put_sa(msg, a, add))) {
		espctl_nl_nomem(what);
		goto out_free_msg;
	}
	err = esplib_nl_talk(&nl, msg, NULL, NULL);
	msg = NULL;	/* freed by esplib_nl_talk() */
	if (err)
		espctl_nl_perror(&nl, what, err);
	else
		ret = 0;
out_free_msg:
	if (msg) {
		/* The key may be in it. */
		explicit_bzero(nlmsg_data(nlmsg_hdr(msg)), nlmsg_datalen(nlmsg_hdr(msg)));
		nlmsg_free(msg);
	}
	esplib_nl_close(&nl);
	return ret;
}

/* "sa reserve DEV" arguments: spi SPI [time MS]. 0, or -1 with @e set. */
static int parse_reserve_args(int argc, char **argv, struct sa_args *a,
			      struct espctl_err *e)
{
	uint64_t v;
	int i;

	a->dir = ESPVTI_DIR_IN;
	a->has_reserve = true;
	for (i = 0; i < argc; i += 2) {
		if (strcmp(argv[i], "spi") && strcmp(argv[i], "time")) {
			espctl_err_set(e, "unknown argument '%s' (expected spi or time)", argv[i]);
			return -1;
		}
		if (i + 1 >= argc) {
			espctl_err_set(e, "'%s' needs a value", argv[i]);
			return -1;
		}
		if (!strcmp(argv[i], "spi")) {
			if (a->has_spi) {
				espctl_err_set(e, "'spi' given twice");
				return -1;
			}
			if (espctl_parse_spi(argv[i + 1], &a->spi, e))
				return -1;
			a->has_spi = true;
		} else {
			if (a->reserve_ms) {
				espctl_err_set(e, "'time' given twice");
				return -1;
			}
			if (espctl_parse_num("time (milliseconds)", argv[i + 1],
					     ESPVTI_MIN_RESERVE_MS, ESPVTI_MAX_RESERVE_MS, &v, e))
				return -1;
			a->reserve_ms = v;
		}
	}
	if (!a->has_spi) {
		espctl_err_set(e, "missing 'spi SPI'");
		return -1;
	}
	return 0;
}

int espctl_sa(int argc, char **argv)
{
	const struct espctl_cmd *cmd = &espctl_sa_cmd;
	struct sa_args a;
	struct espctl_err e;
	const char *op, *dev;
	char what[64];
	bool add;
	int ret;

	if (argc < 1)
		return espctl_usage_error(cmd, "missing add, del, flush or reserve");
	op = argv[0];
	if (espctl_wants_help(argc, argv) || !strcmp(op, "help")) {
		espctl_print_help(cmd);
		return 0;
	}
	if (strcmp(op, "add") && strcmp(op, "del") && strcmp(op, "flush") &&
	    strcmp(op, "reserve"))
		return espctl_usage_error(cmd,
					  "unknown sa command '%s' (expected add, del, flush or reserve)",
					  op);
	if (argc < 2)
		return espctl_usage_error(cmd, "%s: missing device", op);
	dev = argv[1];
	if (espctl_parse_ifname("device", dev, &e))
		return espctl_usage_error(cmd, "%s: %s", op, e.msg);
	snprintf(what, sizeof(what), "%s %s", op, dev);
	if (!strcmp(op, "flush")) {
		if (argc > 2)
			return espctl_usage_error(cmd, "flush: unexpected argument '%s'",
						  argv[2]);
		snprintf(what, sizeof(what), "sa %s %s", op, dev);
		return sa_request(what, dev, ESPVTI_CMD_SA_FLUSH, NULL, false);
	}
	add = !strcmp(op, "add");
	memset(&a, 0, sizeof(a));
	if (!strcmp(op, "reserve")) {
		if (parse_reserve_args(argc - 2, argv + 2, &a, &e))
			return espctl_usage_error(cmd, "%s: %s", what, e.msg);
		snprintf(what, sizeof(what), "sa %s %s", op, dev);
		return sa_request(what, dev, ESPVTI_CMD_SA_RESERVE, &a, false);
	}
	if (parse_sa_args(argc - 2, argv + 2, add, &a, &e)) {
		sa_args_wipe(&a);
		return espctl_usage_error(cmd, "%s: %s", what, e.msg);
	}
	snprintf(what, sizeof(what), "sa %s %s", op, dev);
	ret = sa_request(what, dev, add ? ESPVTI_CMD_SA_NEW : ESPVTI_CMD_SA_DEL, &a, add);
	sa_args_wipe(&a);
	return ret;
}

const struct espctl_cmd espctl_sa_cmd = {
	.name = "sa",
	.fn = espctl_sa,
	.usage = "sa add DEV dir in|out spi SPI aead ALGO KEY ICVBITS [esn]\n"
		 "                [replay-window N] [ts-local PREFIX,...] [ts-remote PREFIX,...]\n"
		 "                [seq N] [limit soft|hard [bytes N] [packets N]]...\n"
		 "       espctl sa del DEV dir in|out spi SPI\n"
		 "       espctl sa flush DEV\n"
		 "       espctl sa reserve DEV spi SPI [time MS]",
	.help =
	"Adds, deletes or flushes the security associations (SAs) of DEV.\n\n"
	"  dir in|out            in: decrypts what the peer sends; out: encrypts\n"
	"                        (a new outbound SA replaces the current one at once;\n"
	"                        one with the current one's SPI is refused: it would\n"
	"                        repeat nonces)\n"
	"  spi SPI               256..0xffffffff, decimal or 0x-hex\n"
	"  aead ALGO KEY ICVBITS as in `ip xfrm state`: ALGO rfc4106(gcm(aes))\n"
	"                        (alias aes-gcm) with a 16/24/32-byte key plus a 4-byte\n"
	"                        salt, or rfc7539esp(chacha20,poly1305) (alias\n"
	"                        chacha20-poly1305) with a 32-byte key plus salt; KEY\n"
	"                        is 0x and hex digits, or @FILE holding them;\n"
	"                        ICVBITS 64, 96 or 128 (ChaCha20-Poly1305: 128)\n"
	"  esn                   64-bit extended sequence numbers (RFC 4304)\n"
	"  replay-window N       inbound only: 0 (off) to 65536 packets (default 64)\n"
	"  ts-local PREFIX,...   inner prefixes on this side (default: any)\n"
	"  ts-remote PREFIX,...  inner prefixes on the peer's side (default: any);\n"
	"                        inbound packets from elsewhere are dropped\n"
	"  seq N                 initial sequence number (default 0; outbound: only\n"
	"                        with a new SPI, as every outbound SA)\n"
	"  limit soft|hard [bytes N] [packets N]\n"
	"                        lifetime: soft raises a soft-expire event (time to\n"
	"                        rekey), hard stops the SA; may be given twice\n\n"
	"`sa reserve` announces an inbound SPI whose SA is being negotiated: ESP\n"
	"that the peer sends on it before `sa add` installs the SA is held (at most\n"
	"64 packets) instead of dropped, and goes through the SA once it is added.\n"
	"  time MS               how long the reservation lasts: 100..120000 ms\n"
	"                        (default 10000); held packets are then dropped.\n"
	"                        `sa del DEV dir in spi SPI` releases it sooner.\n",
};
