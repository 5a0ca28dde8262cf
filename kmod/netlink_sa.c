// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * SA commands of the "espvti" generic netlink family: add, delete, get, dump
 * and flush security associations. Values are checked here, each rejection
 * naming its attribute; sa.c does the rest.
 */

#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <uapi/linux/espvti.h>

#include "crypto.h"
#include "device.h"
#include "netlink_priv.h"
#include "input.h"
#include "replay.h"
#include "reserve.h"
#include "sa.h"

static const struct nla_policy espvti_ts_prefix_policy[ESPVTI_TS_A_MAX + 1] = {
	[ESPVTI_TS_A_IPV4]	= { .type = NLA_BE32 },
	[ESPVTI_TS_A_IPV6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[ESPVTI_TS_A_PLEN]	= NLA_POLICY_MAX(NLA_U8, ESPVTI_MAX_PLEN),
};

static const struct nla_policy espvti_ts_policy[ESPVTI_TS_A_MAX + 1] = {
	[ESPVTI_TS_A_PREFIX]	= NLA_POLICY_NESTED(espvti_ts_prefix_policy),
};

static struct netlink_range_validation espvti_spi_range = {
	.min = ESPVTI_MIN_SPI, .max = U32_MAX,
};
static struct netlink_range_validation espvti_replay_window_range = {
	.min = 0, .max = ESPVTI_MAX_REPLAY_WINDOW,
};

static struct netlink_range_validation espvti_reserve_ms_range = {
	.min = ESPVTI_MIN_RESERVE_MS, .max = ESPVTI_MAX_RESERVE_MS,
};

/*
 * Ranges of every number (limits in the uapi header); the 64-bit lifetimes
 * and ESPVTI_SA_A_SEQ take any value (ESPVTI_SA_A_SEQ is checked against
 * ESPVTI_SA_A_ESN by the handler).
 */
const struct nla_policy espvti_sa_policy[ESPVTI_SA_A_MAX + 1] = {
	[ESPVTI_SA_A_DIR]		= NLA_POLICY_RANGE(NLA_U8, ESPVTI_DIR_IN, ESPVTI_DIR_OUT),
	[ESPVTI_SA_A_SPI]		= NLA_POLICY_FULL_RANGE(NLA_U32, &espvti_spi_range),
	[ESPVTI_SA_A_ALG]		= { .type = NLA_NUL_STRING, .len = 64 },
	[ESPVTI_SA_A_KEY]		= { .type = NLA_BINARY, .len = 64 },
	[ESPVTI_SA_A_ICV_BITS]		= NLA_POLICY_RANGE(NLA_U32, ESPVTI_MIN_ICV_BITS,
							   ESPVTI_MAX_ICV_BITS),
	[ESPVTI_SA_A_ESN]		= { .type = NLA_FLAG },
	[ESPVTI_SA_A_REPLAY_WINDOW]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&espvti_replay_window_range),
	[ESPVTI_SA_A_TS_LOCAL]		= NLA_POLICY_NESTED(espvti_ts_policy),
	[ESPVTI_SA_A_TS_REMOTE]		= NLA_POLICY_NESTED(espvti_ts_policy),
	[ESPVTI_SA_A_SOFT_BYTES]	= { .type = NLA_U64 },
	[ESPVTI_SA_A_SOFT_PACKETS]	= { .type = NLA_U64 },
	[ESPVTI_SA_A_HARD_BYTES]	= { .type = NLA_U64 },
	[ESPVTI_SA_A_HARD_PACKETS]	= { .type = NLA_U64 },
	[ESPVTI_SA_A_SEQ]		= { .type = NLA_U64 },
	[ESPVTI_SA_A_RESERVE_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&espvti_reserve_ms_range),
};

static int espvti_nl_parse_ts(struct nlattr *list, struct espvti_ts *ts,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[ESPVTI_TS_A_MAX + 1];
	struct espvti_prefix *p;
	struct nlattr *entry;
	int rem, ret;

	ts->n = 0;
	if (!list)
		return 0;
	nla_for_each_nested(entry, list, rem) {
		if (nla_type(entry) != ESPVTI_TS_A_PREFIX) {
			ESPVTI_NL_ERR(extack, entry,
				      "ESPVTI_SA_A_TS_LOCAL/REMOTE: entries must be ESPVTI_TS_A_PREFIX");
			return -EINVAL;
		}
		if (ts->n == ESPVTI_MAX_TS) {
			ESPVTI_NL_ERR(extack, entry,
				      "ESPVTI_SA_A_TS_LOCAL/REMOTE: more than ESPVTI_MAX_TS (16) prefixes");
			return -E2BIG;
		}
		ret = nla_parse_nested(tb, ESPVTI_TS_A_MAX, entry,
				       espvti_ts_prefix_policy, extack);
		if (ret)
			return ret;
		if (!tb[ESPVTI_TS_A_IPV4] == !tb[ESPVTI_TS_A_IPV6]) {
			ESPVTI_NL_ERR(extack, entry,
				      "ESPVTI_TS_A_PREFIX: needs exactly one of ESPVTI_TS_A_IPV4 and ESPVTI_TS_A_IPV6");
			return -EINVAL;
		}
		if (!tb[ESPVTI_TS_A_PLEN]) {
			ESPVTI_NL_ERR(extack, entry,
				      "ESPVTI_TS_A_PREFIX: missing ESPVTI_TS_A_PLEN");
			return -EINVAL;
		}
		p = &ts->p[ts->n];
		memset(p, 0, sizeof(*p));
		p->plen = nla_get_u8(tb[ESPVTI_TS_A_PLEN]);
		if (tb[ESPVTI_TS_A_IPV4]) {
			__be32 a = nla_get_in_addr(tb[ESPVTI_TS_A_IPV4]);

			p->family = AF_INET;
			if (p->plen > 32) {
				ESPVTI_NL_ERR(extack, tb[ESPVTI_TS_A_PLEN],
					      "ESPVTI_TS_A_PLEN: IPv4 prefix longer than 32");
				return -EINVAL;
			}
			if (p->plen < 32 && (ntohl(a) & (~0U >> p->plen))) {
				ESPVTI_NL_ERR(extack, tb[ESPVTI_TS_A_IPV4],
					      "ESPVTI_TS_A_IPV4: host bits set beyond the prefix length");
				return -EINVAL;
			}
			p->addr.s6_addr32[0] = a;
		} else {
			struct in6_addr a = nla_get_in6_addr(tb[ESPVTI_TS_A_IPV6]);

			p->family = AF_INET6;	/* plen <= 128: the policy */
			ipv6_addr_prefix(&p->addr, &a, p->plen);
			if (!ipv6_addr_equal(&p->addr, &a)) {
				ESPVTI_NL_ERR(extack, tb[ESPVTI_TS_A_IPV6],
					      "ESPVTI_TS_A_IPV6: host bits set beyond the prefix length");
				return -EINVAL;
			}
		}
		ts->n++;
	}
	return 0;
}

/* DIR and SPI, which every SA command needs. */
static int espvti_nl_parse_sa_id(struct nlattr **tb, struct nlattr *nest,
				 u8 *dir, u32 *spi,
				 struct netlink_ext_ack *extack)
{
	if (!tb[ESPVTI_SA_A_DIR]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, ESPVTI_SA_A_DIR);
		NL_SET_ERR_MSG_MOD(extack, "missing ESPVTI_SA_A_DIR");
		return -EINVAL;
	}
	*dir = nla_get_u8(tb[ESPVTI_SA_A_DIR]);	/* 1 or 2: the policy */
	if (!tb[ESPVTI_SA_A_SPI]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, ESPVTI_SA_A_SPI);
		NL_SET_ERR_MSG_MOD(extack, "missing ESPVTI_SA_A_SPI");
		return -EINVAL;
	}
	/* 0..255, reserved by RFC 4303, are out of the policy's range. */
	*spi = nla_get_u32(tb[ESPVTI_SA_A_SPI]);
	return 0;
}

static int espvti_nl_parse_sa_nest(struct genl_info *info,
				   struct nlattr **tb)
{
	if (!info->attrs[ESPVTI_A_SA]) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing ESPVTI_A_SA");
		return -EINVAL;
	}
	return nla_parse_nested(tb, ESPVTI_SA_A_MAX, info->attrs[ESPVTI_A_SA],
				espvti_sa_policy, info->extack);
}

/* Checks one soft limit against its hard counterpart. */
static int espvti_nl_limit(struct nlattr **tb, int soft_type, int hard_type,
			   u64 *soft, u64 *hard, struct netlink_ext_ack *extack)
{
	*soft = tb[soft_type] ? nla_get_u64(tb[soft_type]) : 0;
	*hard = tb[hard_type] ? nla_get_u64(tb[hard_type]) : 0;
	if (*soft && *hard && *soft > *hard) {
		ESPVTI_NL_ERR(extack, tb[soft_type],
			      "ESPVTI_SA_A_SOFT_*: soft limit above the hard limit");
		return -EINVAL;
	}
	return 0;
}

static int espvti_nl_parse_sa(struct genl_info *info, struct nlattr **tb,
			      struct espvti_sa_config *cfg)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[ESPVTI_A_SA];
	u32 icv_bits;
	int ret;

	ret = espvti_nl_parse_sa_id(tb, nest, &cfg->dir, &cfg->spi, extack);
	if (ret)
		return ret;
	if (tb[ESPVTI_SA_A_RESERVE_MS]) {
		ESPVTI_NL_ERR(extack, tb[ESPVTI_SA_A_RESERVE_MS],
			      "ESPVTI_SA_A_RESERVE_MS: only for ESPVTI_CMD_SA_RESERVE");
		return -EINVAL;
	}

	if (!tb[ESPVTI_SA_A_ALG]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, ESPVTI_SA_A_ALG);
		NL_SET_ERR_MSG_MOD(extack, "missing ESPVTI_SA_A_ALG");
		return -EINVAL;
	}
	cfg->alg = espvti_crypto_find(nla_data(tb[ESPVTI_SA_A_ALG]));
	if (!cfg->alg) {
		ESPVTI_NL_ERR(extack, tb[ESPVTI_SA_A_ALG],
			      "ESPVTI_SA_A_ALG: unknown algorithm, expected rfc4106(gcm(aes)) or rfc7539esp(chacha20,poly1305)");
		return -EOPNOTSUPP;
	}

	if (!tb[ESPVTI_SA_A_KEY]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, ESPVTI_SA_A_KEY);
		NL_SET_ERR_MSG_MOD(extack, "missing ESPVTI_SA_A_KEY");
		return -EINVAL;
	}
	cfg->key_len = nla_len(tb[ESPVTI_SA_A_KEY]);
	if (!espvti_crypto_key_len_ok(cfg->alg, cfg->key_len)) {
		ESPVTI_NL_ERR(extack, tb[ESPVTI_SA_A_KEY],
			      "ESPVTI_SA_A_KEY: wrong length for this algorithm (key plus 4-byte salt: 20/28/36 bytes for AES-GCM, 36 for ChaCha20-Poly1305)");
		return -EINVAL;
	}
	memcpy(cfg->key, nla_data(tb[ESPVTI_SA_A_KEY]), cfg->key_len);

	if (!tb[ESPVTI_SA_A_ICV_BITS]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, ESPVTI_SA_A_ICV_BITS);
		NL_SET_ERR_MSG_MOD(extack, "missing ESPVTI_SA_A_ICV_BITS");
		return -EINVAL;
	}
	icv_bits = nla_get_u32(tb[ESPVTI_SA_A_ICV_BITS]);
	if (icv_bits % 8 || !espvti_crypto_icv_len_ok(cfg->alg, icv_bits / 8)) {
		ESPVTI_NL_ERR(extack, tb[ESPVTI_SA_A_ICV_BITS],
			      "ESPVTI_SA_A_ICV_BITS: not valid for this algorithm (AES-GCM: 64, 96 or 128; ChaCha20-Poly1305: 128)");
		return -EINVAL;
	}
	cfg->icv_len = icv_bits / 8;
	cfg->esn = nla_get_flag(tb[ESPVTI_SA_A_ESN]);

	cfg->replay_window = cfg->dir == ESPVTI_DIR_IN ? 64 : 0;
	if (tb[ESPVTI_SA_A_REPLAY_WINDOW]) {
		/* At most ESPVTI_MAX_REPLAY_WINDOW: the policy. */
		cfg->replay_window = nla_get_u32(tb[ESPVTI_SA_A_REPLAY_WINDOW]);
		if (cfg->dir == ESPVTI_DIR_OUT && cfg->replay_window) {
			ESPVTI_NL_ERR(extack, tb[ESPVTI_SA_A_REPLAY_WINDOW],
				      "ESPVTI_SA_A_REPLAY_WINDOW: only inbound SAs have a replay window");
			return -EINVAL;
		}
	}

	cfg->seq = tb[ESPVTI_SA_A_SEQ] ? nla_get_u64(tb[ESPVTI_SA_A_SEQ]) : 0;
	if (!cfg->esn && cfg->seq > U32_MAX) {
		ESPVTI_NL_ERR(extack, tb[ESPVTI_SA_A_SEQ],
			      "ESPVTI_SA_A_SEQ: above 2^32-1 without ESPVTI_SA_A_ESN");
		return -ERANGE;
	}

	ret = espvti_nl_parse_ts(tb[ESPVTI_SA_A_TS_LOCAL], &cfg->ts_local, extack);
	if (ret)
		return ret;
	ret = espvti_nl_parse_ts(tb[ESPVTI_SA_A_TS_REMOTE], &cfg->ts_remote, extack);
	if (ret)
		return ret;

	ret = espvti_nl_limit(tb, ESPVTI_SA_A_SOFT_BYTES, ESPVTI_SA_A_HARD_BYTES,
			      &cfg->soft_bytes, &cfg->hard_bytes, extack);
	if (ret)
		return ret;
	return espvti_nl_limit(tb, ESPVTI_SA_A_SOFT_PACKETS,
			       ESPVTI_SA_A_HARD_PACKETS, &cfg->soft_packets,
			       &cfg->hard_packets, extack);
}

/*
 * The transform is allocated and keyed before RTNL is taken:
 * crypto_alloc_aead() may load modules and run the algorithm's self-tests,
 * which must not stall every other RTNL user. Only the device lookup and the
 * install run under RTNL; an SA that is not installed is freed after it.
 */
int espvti_nl_sa_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[ESPVTI_SA_A_MAX + 1];
	struct espvti_sa_config *cfg;
	struct sk_buff_head held;
	struct espvti_dev *edev;
	struct espvti_sa *sa;
	int ret;

	__skb_queue_head_init(&held);
	ret = espvti_nl_parse_sa_nest(info, tb);
	if (ret)
		return ret;
	/* Too large for the stack; holds the key, so freed with kfree_sensitive(). */
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	ret = espvti_nl_parse_sa(info, tb, cfg);
	if (ret)
		goto out_free_cfg;
	/*
	 * The device's implementation choice, read now; the transform is then
	 * built without RTNL, and the device looked up again to install it.
	 */
	rtnl_lock();
	edev = espvti_nl_dev(genl_info_net(info), info->attrs, info->extack);
	if (!IS_ERR(edev))
		cfg->crypto = edev->crypto;
	rtnl_unlock();
	if (IS_ERR(edev)) {
		ret = PTR_ERR(edev);
		goto out_free_cfg;
	}
	sa = espvti_sa_create(cfg, info->extack);
	if (IS_ERR(sa)) {
		ret = PTR_ERR(sa);
		goto out_free_cfg;
	}

	rtnl_lock();
	edev = espvti_nl_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(edev)) {
		ret = PTR_ERR(edev);
	} else {
		ret = espvti_sa_install(edev, sa, info->extack);
		/* A full device points at the direction, any other refusal at the SPI. */
		if (ret)
			NL_SET_BAD_ATTR(info->extack, tb[ret == -ENOSPC ? ESPVTI_SA_A_DIR :
							 ESPVTI_SA_A_SPI]);
	}
	/*
	 * Packets held for the SPI (reserve.c): taken now that the SA is in
	 * the table, decrypted once RTNL is released. Our reference keeps the
	 * SA while they go through it.
	 */
	if (!ret && sa->dir == ESPVTI_DIR_IN) {
		espvti_resv_take(edev, sa->spi, &held);
		if (!skb_queue_empty(&held))
			espvti_sa_get_more(sa, 1);
	}
	rtnl_unlock();
	if (ret) {
		espvti_sa_kill(sa);
	} else if (!skb_queue_empty(&held)) {
		espvti_input_held(sa, &held);
		espvti_sa_put(sa);
	}
out_free_cfg:
	kfree_sensitive(cfg);
	return ret;
}

/* The SA nest of a request naming one SA (DIR and SPI), parsed into @tb. */
static int espvti_nl_sa_id_request(struct genl_info *info, struct nlattr **tb,
				   u8 *dir, u32 *spi)
{
	int ret = espvti_nl_parse_sa_nest(info, tb);

	if (ret)
		return ret;
	return espvti_nl_parse_sa_id(tb, info->attrs[ESPVTI_A_SA], dir, spi,
				     info->extack);
}

int espvti_nl_sa_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[ESPVTI_SA_A_MAX + 1];
	struct espvti_dev *edev;
	u32 spi;
	u8 dir;
	int ret;

	ret = espvti_nl_sa_id_request(info, tb, &dir, &spi);
	if (ret)
		return ret;

	rtnl_lock();
	edev = espvti_nl_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(edev)) {
		ret = PTR_ERR(edev);
		goto out_unlock;
	}
	ret = espvti_sa_remove(edev, dir, spi);
	/* An inbound SPI without SA may be a reservation: released. */
	if (ret == -ENOENT && dir == ESPVTI_DIR_IN && espvti_resv_remove(edev, spi))
		ret = 0;
	if (ret)
		ESPVTI_NL_ERR(info->extack, tb[ESPVTI_SA_A_SPI],
			      "ESPVTI_SA_A_SPI: the device has no SA with this direction and SPI");
out_unlock:
	rtnl_unlock();
	return ret;
}

int espvti_nl_sa_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct espvti_dev *edev;
	int ret = 0;

	rtnl_lock();
	edev = espvti_nl_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(edev))
		ret = PTR_ERR(edev);
	else {
		espvti_sa_flush(edev);
		espvti_resv_flush(edev);
	}
	rtnl_unlock();
	return ret;
}

/*
 * ESPVTI_CMD_SA_RESERVE: an inbound SPI whose SA is being negotiated; see
 * reserve.c and the uapi header.
 */
int espvti_nl_sa_reserve_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[ESPVTI_SA_A_MAX + 1];
	struct espvti_dev *edev;
	unsigned int ms;
	u32 spi;
	u8 dir;
	int ret;

	ret = espvti_nl_sa_id_request(info, tb, &dir, &spi);
	if (ret)
		return ret;
	if (dir != ESPVTI_DIR_IN) {
		ESPVTI_NL_ERR(info->extack, tb[ESPVTI_SA_A_DIR],
			      "ESPVTI_SA_A_DIR: only inbound SPIs can be reserved");
		return -EINVAL;
	}
	ms = tb[ESPVTI_SA_A_RESERVE_MS] ? nla_get_u32(tb[ESPVTI_SA_A_RESERVE_MS]) :
	     ESPVTI_DEFAULT_RESERVE_MS;

	rtnl_lock();
	edev = espvti_nl_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(edev)) {
		ret = PTR_ERR(edev);
		goto out_unlock;
	}
	ret = espvti_resv_add(edev, spi, ms, info->extack);
	if (ret)
		NL_SET_BAD_ATTR(info->extack, tb[ESPVTI_SA_A_SPI]);
out_unlock:
	rtnl_unlock();
	return ret;
}

static int espvti_nl_put_ts(struct sk_buff *skb, int type,
			    const struct espvti_ts *ts)
{
	struct nlattr *list, *entry;
	unsigned int i;

	if (!ts->n)
		return 0;
	list = nla_nest_start(skb, type);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < ts->n; i++) {
		const struct espvti_prefix *p = &ts->p[i];

		entry = nla_nest_start(skb, ESPVTI_TS_A_PREFIX);
		if (!entry)
			return -EMSGSIZE;
		if ((p->family == AF_INET ?
		     nla_put_in_addr(skb, ESPVTI_TS_A_IPV4, p->addr.s6_addr32[0]) :
		     nla_put_in6_addr(skb, ESPVTI_TS_A_IPV6, &p->addr)) ||
		    nla_put_u8(skb, ESPVTI_TS_A_PLEN, p->plen))
			return -EMSGSIZE;
		nla_nest_end(skb, entry);
	}
	nla_nest_end(skb, list);
	return 0;
}

static u8 espvti_sa_expired(const struct espvti_sa *sa)
{
	if (test_bit(ESPVTI_SA_HARD_EXPIRED, &sa->expire_state))
		return 2;
	return test_bit(ESPVTI_SA_SOFT_EXPIRED, &sa->expire_state) ? 1 : 0;
}

static int espvti_nl_put_u64_nz(struct sk_buff *skb, int type, u64 v)
{
	return v ? nla_put_u64_64bit(skb, type, v, ESPVTI_SA_A_PAD) : 0;
}

static int espvti_nl_fill_sa(struct sk_buff *skb, struct espvti_sa *sa,
			     u32 portid, u32 seq, int flags)
{
	bool in = sa->dir == ESPVTI_DIR_IN;
	u64 c[__ESPVTI_STAT_MAX];
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &espvti_family, flags,
			  ESPVTI_CMD_SA_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, ESPVTI_A_IFINDEX, sa->dev->ifindex))
		goto nla_put_failure;
	nest = nla_nest_start(skb, ESPVTI_A_SA);
	if (!nest)
		goto nla_put_failure;
	espvti_stats_sum(sa->stats, c);
	if (nla_put_u8(skb, ESPVTI_SA_A_DIR, sa->dir) ||
	    nla_put_u32(skb, ESPVTI_SA_A_SPI, sa->spi) ||
	    nla_put_string(skb, ESPVTI_SA_A_ALG, sa->alg->name) ||
	    nla_put_u32(skb, ESPVTI_SA_A_ICV_BITS, sa->icv_len * 8) ||
	    (sa->esn && nla_put_flag(skb, ESPVTI_SA_A_ESN)) ||
	    (in && nla_put_u32(skb, ESPVTI_SA_A_REPLAY_WINDOW, sa->replay->window)) ||
	    espvti_nl_put_ts(skb, ESPVTI_SA_A_TS_LOCAL, &sa->ts_local) ||
	    espvti_nl_put_ts(skb, ESPVTI_SA_A_TS_REMOTE, &sa->ts_remote) ||
	    espvti_nl_put_u64_nz(skb, ESPVTI_SA_A_SOFT_BYTES, sa->soft_bytes) ||
	    espvti_nl_put_u64_nz(skb, ESPVTI_SA_A_SOFT_PACKETS, sa->soft_packets) ||
	    espvti_nl_put_u64_nz(skb, ESPVTI_SA_A_HARD_BYTES, sa->hard_bytes) ||
	    espvti_nl_put_u64_nz(skb, ESPVTI_SA_A_HARD_PACKETS, sa->hard_packets) ||
	    nla_put_u64_64bit(skb, ESPVTI_SA_A_SEQ,
			      in ? READ_ONCE(sa->replay->top) :
				   (u64)atomic64_read(&sa->seq_out),
			      ESPVTI_SA_A_PAD) ||
	    nla_put_u8(skb, ESPVTI_SA_A_EXPIRED, espvti_sa_expired(sa)) ||
	    (espvti_sa_expired(sa) &&
	     nla_put_u8(skb, ESPVTI_SA_A_EXPIRE_REASON, sa->expire_reason)) ||
	    espvti_stats_fill(skb, ESPVTI_SA_A_STATS, c, in, !in))
		goto nla_put_failure;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

nla_put_failure:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

int espvti_nl_sa_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[ESPVTI_SA_A_MAX + 1];
	struct espvti_dev *edev;
	struct espvti_sa *sa;
	struct sk_buff *msg;
	u32 spi;
	u8 dir;
	int ret;

	ret = espvti_nl_sa_id_request(info, tb, &dir, &spi);
	if (ret)
		return ret;
	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	edev = espvti_nl_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(edev)) {
		ret = PTR_ERR(edev);
		goto err_unlock;
	}
	sa = espvti_sa_find(edev, dir, spi);
	if (!sa) {
		ESPVTI_NL_ERR(info->extack, tb[ESPVTI_SA_A_SPI],
			      "ESPVTI_SA_A_SPI: the device has no SA with this direction and SPI");
		ret = -ENOENT;
		goto err_unlock;
	}
	ret = espvti_nl_fill_sa(msg, sa, info->snd_portid, info->snd_seq, 0);
	if (ret)
		goto err_unlock;
	rtnl_unlock();
	return genlmsg_reply(msg, info);

err_unlock:
	rtnl_unlock();
	nlmsg_free(msg);
	return ret;
}

/*
 * SA dump of one device. cb->args[0]: the device's ifindex, resolved on the
 * first call; cb->args[1]: next slot (0 the outbound SA, 1.. inbound ones).
 */
int espvti_nl_sa_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct nlattr **attrs = espvti_dump_attrs(cb);
	struct espvti_dev *edev;
	struct espvti_sa *sa;
	long slot;
	int ret = 0;

	rtnl_lock();
	if (!cb->args[0]) {
		edev = espvti_nl_dev(net, attrs, cb->extack);
		if (IS_ERR(edev)) {
			ret = PTR_ERR(edev);
			goto out_unlock;
		}
		cb->args[0] = edev->dev->ifindex;
	} else {
		/* The device may be gone between two parts of the dump. */
		edev = espvti_dev_get(net, cb->args[0], NULL);
		if (!edev)
			goto out_unlock;
	}
	for (slot = cb->args[1]; slot <= ESPVTI_MAX_SA_IN; slot++) {
		sa = slot ? rtnl_dereference(edev->sa_in[slot - 1]) :
			    rtnl_dereference(edev->sa_out);
		if (!sa)
			continue;
		if (espvti_nl_fill_sa(skb, sa, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI))
			break;
	}
	cb->args[1] = slot;
	ret = skb->len;
out_unlock:
	rtnl_unlock();
	return ret;
}
