// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * espctl set DEV OPTION...: the outer endpoints, underlay, TTL and UDP
 * encapsulation of a device, every option of one call in one
 * ESPVTI_CMD_DEV_SET request (applied atomically by the kernel).
 */

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <linux/espvti.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "espctl.h"
#include "nl.h"
#include "parse.h"

/**
 * struct set_seen - options already given, each allowed once
 * @bits: one bit per keyword of set_keywords
 */
struct set_seen {
	unsigned int bits;
};

static const char *const set_keywords[] = {
	"local", "remote", "dev", "ttl", "crypto", "encap", "sport", "dport",
	"keepalive", "float", "fd", "mss-clamp",
};

#define N_KEYWORDS (sizeof(set_keywords) / sizeof(set_keywords[0]))

static int keyword_index(const char *s)
{
	size_t i;

	for (i = 0; i < N_KEYWORDS; i++)
		if (!strcmp(set_keywords[i], s))
			return i;
	return -1;
}

static int put_addr(struct nl_msg *msg, int a4, int a6,
		    const struct espctl_addr *addr)
{
	if (addr->family == AF_INET6)
		return nla_put(msg, a6, sizeof(addr->v6), &addr->v6);
	return nla_put(msg, a4, sizeof(addr->v4), &addr->v4);
}

/* local or remote (@key) ADDR|any|none into @msg. Returns as set_option(). */
static int set_endpoint(struct nl_msg *msg, const char *key, const char *val,
			struct espctl_err *e)
{
	bool local = key[0] == 'l';
	struct espctl_addr addr;

	if (!strcmp(val, "any") || !strcmp(val, "none"))
		espctl_addr_zero(&addr, AF_INET);
	else if (espctl_parse_addr(local ? "local address" : "remote address",
				   val, &addr, e))
		return -1;
	return put_addr(msg, local ? ESPVTI_A_LOCAL_IPV4 : ESPVTI_A_REMOTE_IPV4,
			local ? ESPVTI_A_LOCAL_IPV6 : ESPVTI_A_REMOTE_IPV6, &addr);
}

/* dev UNDERLAY|none into @msg, as an ifindex. Returns as set_option(). */
static int set_underlay(struct nl_msg *msg, const char *val, struct espctl_err *e)
{
	unsigned int ifindex;

	if (!strcmp(val, "none")) {
		ifindex = 0;
	} else {
		if (espctl_parse_ifname("underlay device", val, e))
			return -1;
		ifindex = if_nametoindex(val);
		if (!ifindex) {
			espctl_err_set(e, "invalid underlay device '%s': %s", val,
				       strerror(errno == ENXIO ? ENODEV : errno));
			return -1;
		}
	}
	return nla_put_u32(msg, ESPVTI_A_UNDERLAY_IFINDEX, ifindex);
}

/* mss-clamp auto|off|MSS into @msg. Returns as set_option(). */
static int set_mss_clamp(struct nl_msg *msg, const char *val, struct espctl_err *e)
{
	uint64_t v;

	if (!strcmp(val, "off"))
		v = ESPVTI_MSS_CLAMP_OFF;
	else if (!strcmp(val, "auto"))
		v = ESPVTI_MSS_CLAMP_AUTO;
	else if (espctl_parse_num("mss-clamp (auto, off or an MSS)", val,
				  ESPVTI_MIN_MSS, 65535, &v, e))
		return -1;
	return nla_put_u16(msg, ESPVTI_A_MSS_CLAMP, v);
}

/* encap udp|none|off into @msg, noting in *@encap_udp which. Returns as set_option(). */
static int set_encap(struct nl_msg *msg, const char *val, bool *encap_udp,
		     struct espctl_err *e)
{
	if (!strcmp(val, "udp")) {
		*encap_udp = true;
		return nla_put_u8(msg, ESPVTI_A_ENCAP, ESPVTI_ENCAP_UDP);
	}
	if (!strcmp(val, "none") || !strcmp(val, "off")) {
		*encap_udp = false;
		return nla_put_u8(msg, ESPVTI_A_ENCAP, ESPVTI_ENCAP_NONE);
	}
	espctl_err_set(e, "invalid encap '%s': expected udp or none", val);
	return -1;
}

/*
 * One of the options of encap udp (@key: sport, dport, keepalive, float or
 * fd) into @msg. Returns as set_option().
 */
static int set_encap_param(struct nl_msg *msg, const char *key, const char *val,
			   struct espctl_err *e)
{
	uint64_t v;
	bool b;

	if (!strcmp(key, "sport") || !strcmp(key, "dport")) {
		if (espctl_parse_num(key[0] == 's' ? "sport" : "dport", val,
				     ESPVTI_MIN_PORT, ESPVTI_MAX_PORT, &v, e))
			return -1;
		return nla_put_u16(msg, key[0] == 's' ? ESPVTI_A_ENCAP_SPORT :
				   ESPVTI_A_ENCAP_DPORT, v);
	}
	if (!strcmp(key, "keepalive")) {
		if (!strcmp(val, "off"))
			v = 0;
		else if (espctl_parse_num("keepalive", val, 0, ESPVTI_MAX_KEEPALIVE, &v, e))
			return -1;
		return nla_put_u32(msg, ESPVTI_A_ENCAP_KEEPALIVE, v);
	}
	if (!strcmp(key, "float")) {
		if (espctl_parse_bool("float", val, &b, e))
			return -1;
		return nla_put_u8(msg, ESPVTI_A_ENCAP_FLOAT, b);
	}
	/* fd */
	if (espctl_parse_num("fd", val, 0, INT32_MAX, &v, e))
		return -1;
	return nla_put_s32(msg, ESPVTI_A_ENCAP_FD, (int32_t)v);
}

/*
 * One option and its value into @msg. Returns 0; -1 with @e set for a bad
 * value; or a negative libnl error (no room in @msg) with @e empty.
 */
static int set_option(struct nl_msg *msg, const char *key, const char *val,
		      bool *encap_udp, struct espctl_err *e)
{
	uint64_t v;

	if (!strcmp(key, "local") || !strcmp(key, "remote"))
		return set_endpoint(msg, key, val, e);
	if (!strcmp(key, "dev"))
		return set_underlay(msg, val, e);
	if (!strcmp(key, "ttl")) {
		if (espctl_parse_num("ttl", val, ESPVTI_MIN_TTL, ESPVTI_MAX_TTL, &v, e))
			return -1;
		return nla_put_u8(msg, ESPVTI_A_TTL, v);
	}
	if (!strcmp(key, "mss-clamp"))
		return set_mss_clamp(msg, val, e);
	if (!strcmp(key, "crypto")) {
		if (espctl_parse_crypto(val, &v, e))
			return -1;
		return nla_put_u8(msg, ESPVTI_A_CRYPTO, v);
	}
	if (!strcmp(key, "encap"))
		return set_encap(msg, val, encap_udp, e);
	return set_encap_param(msg, key, val, e);
}

/*
 * The OPTION VALUE pairs of argv[1..@argc - 1] into @msg: each a known option,
 * given once, with a value; the options of encap udp not with encap none.
 * Returns 0; -1 with the error reported (@what naming the command); or
 * -ENOMEM when @msg has no room (not reported).
 */
static int set_put_options(const struct espctl_cmd *cmd, struct nl_msg *msg, int argc,
			   char **argv, const char *what)
{
	bool encap_udp = false, encap_given = false;
	struct set_seen seen = { 0 };
	const char *udp_only = NULL;
	struct espctl_err e;
	int i, k, err;

	e.msg[0] = 0;
	for (i = 1; i < argc; i += 2) {
		k = keyword_index(argv[i]);
		if (k < 0) {
			espctl_usage_error(cmd, "unknown option '%s'", argv[i]);
			return -1;
		}
		if (seen.bits & (1u << k)) {
			espctl_usage_error(cmd, "option '%s' given twice", argv[i]);
			return -1;
		}
		seen.bits |= 1u << k;
		if (i + 1 >= argc) {
			espctl_usage_error(cmd, "option '%s' needs a value", argv[i]);
			return -1;
		}
		if (!strcmp(argv[i], "encap"))
			encap_given = true;
		else if (k >= keyword_index("sport"))
			udp_only = argv[i];
		err = set_option(msg, argv[i], argv[i + 1], &encap_udp, &e);
		if (err < 0 && e.msg[0]) {
			fprintf(stderr, "espctl: %s: %s\n", what, e.msg);
			return -1;
		}
		if (err)
			return -ENOMEM;
		e.msg[0] = 0;
	}
	if (encap_given && !encap_udp && udp_only) {
		espctl_usage_error(cmd, "'%s' applies to encap udp, not to encap none", udp_only);
		return -1;
	}
	return 0;
}

int espctl_set(int argc, char **argv)
{
	const struct espctl_cmd *cmd = &espctl_set_cmd;
	const char *dev;
	struct esplib_nl nl;
	struct espctl_err e;
	struct nl_msg *msg;
	char what[64];
	int err;

	if (argc < 1)
		return espctl_usage_error(cmd, "missing device");
	dev = argv[0];
	if (espctl_parse_ifname("device", dev, &e))
		return espctl_usage_error(cmd, "%s", e.msg);
	if (argc < 2)
		return espctl_usage_error(cmd, "nothing to set for %s", dev);
	snprintf(what, sizeof(what), "set %s", dev);
	/* Built before the family is known, so that bad values are reported
	 * even where the module is not loaded; the id is filled in below. */
	msg = nlmsg_alloc();
	if (!msg) {
		espctl_nl_nomem(what);
		return 1;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, 0, 0, 0,
			 ESPVTI_CMD_DEV_SET, ESPVTI_GENL_VERSION) ||
	    nla_put_string(msg, ESPVTI_A_IFNAME, dev))
		goto err_nomem;
	err = set_put_options(cmd, msg, argc, argv, what);
	if (err == -ENOMEM)
		goto err_nomem;
	if (err)
		goto err_free_msg;
	if (espctl_nl_open(&nl, what))
		goto err_free_msg;
	nlmsg_hdr(msg)->nlmsg_type = nl.family;
	err = esplib_nl_talk(&nl, msg, NULL, NULL);
	if (err) {
		espctl_nl_perror(&nl, what, err);
		esplib_nl_close(&nl);
		return 1;
	}
	esplib_nl_close(&nl);
	return 0;

err_nomem:
	espctl_nl_nomem(what);
err_free_msg:
	nlmsg_free(msg);
	return 1;
}

const struct espctl_cmd espctl_set_cmd = {
	.name = "set",
	.fn = espctl_set,
	.usage = "set DEV [local ADDR|any] [remote ADDR|none] [dev UNDERLAY|none] [ttl N]\n"
		 "                [crypto default|cryptd|pcrypt] [mss-clamp auto|off|MSS]\n"
		 "                [encap udp [sport PORT] [dport PORT] [keepalive SECONDS]\n"
		 "                           [float on|off] [fd FD] | encap none]",
	.help =
	"Configures the espvti device DEV. All options of one call are applied\n"
	"together or not at all; options not given keep their value.\n\n"
	"  local ADDR|any       outer source address (IPv4 or IPv6); any: unset\n"
	"  remote ADDR|none     outer destination address (the peer); none: unset\n"
	"  dev UNDERLAY|none    send outer packets through UNDERLAY only; none: unbind\n"
	"  ttl N                outer TTL / hop limit, 1..255 (default 64)\n"
	"  crypto default|cryptd|pcrypt\n"
	"                       implementation of the AEAD for SAs added from now\n"
	"                       on (existing SAs keep theirs): default, the kernel's\n"
	"                       choice; cryptd or pcrypt, that asynchronous wrapper\n"
	"                       around a synchronous implementation (same wire format)\n"
	"  mss-clamp auto|off|MSS\n"
	"                       lower the MSS option of TCP SYN and SYN-ACK segments\n"
	"                       entering or leaving the tunnel: auto (the default),\n"
	"                       to what fits the tunnel and the path; MSS, to at most\n"
	"                       MSS (88..65535); off, never\n"
	"  encap udp            ESP in UDP (RFC 3948, for NAT traversal), with:\n"
	"    sport PORT           local UDP port, 1..65535 (default 4500)\n"
	"    dport PORT           remote UDP port, 1..65535 (default 4500)\n"
	"    keepalive SECONDS    NAT keepalive interval, 0..3600; 0 or off: none\n"
	"                         (default 20)\n"
	"    float on|off         follow the peer to a new address/port (default on)\n"
	"    fd FD                share the UDP socket FD of this process (inherited\n"
	"                         from the caller, e.g. an IKE daemon's port 4500)\n"
	"  encap none           raw ESP (IP protocol 50), the default\n",
};
