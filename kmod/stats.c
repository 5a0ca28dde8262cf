// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Per-CPU counters of devices and SAs, and their netlink representation.
 */

#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "device.h"
#include "stats.h"

/**
 * espvti_stats_alloc() - allocate a zeroed set of per-CPU counters
 *
 * Charged to the caller's memory cgroup: devices and SAs are made by
 * processes that may be root of a user namespace only.
 *
 * Return: the counters, or NULL when out of memory.
 */
struct espvti_pcpu_stats __percpu *espvti_stats_alloc(void)
{
	struct espvti_pcpu_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu_gfp(struct espvti_pcpu_stats, GFP_KERNEL_ACCOUNT);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

void espvti_stats_free(struct espvti_pcpu_stats __percpu *stats)
{
	free_percpu(stats);
}

/**
 * espvti_stats_sum() - add up the counters of all CPUs
 * @stats: per-CPU counters
 * @out: receives the totals, indexed by enum espvti_stat_attrs
 */
void espvti_stats_sum(struct espvti_pcpu_stats __percpu *stats,
		      u64 out[__ESPVTI_STAT_MAX])
{
	int cpu, i;

	memset(out, 0, sizeof(u64) * __ESPVTI_STAT_MAX);
	for_each_possible_cpu(cpu) {
		const struct espvti_pcpu_stats *s = per_cpu_ptr(stats, cpu);
		u64 c[__ESPVTI_STAT_MAX];
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			memcpy(c, s->c, sizeof(c));
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (i = 1; i < __ESPVTI_STAT_MAX; i++)
			out[i] += c[i];
	}
}

static bool espvti_stat_is_rx(unsigned int i)
{
	switch (i) {
	case ESPVTI_STAT_RX_PACKETS:
	case ESPVTI_STAT_RX_BYTES:
	case ESPVTI_STAT_RX_NO_SA ... ESPVTI_STAT_RX_EXPIRED:
	case ESPVTI_STAT_RX_UDP_MALFORMED:
	case ESPVTI_STAT_RX_KEEPALIVE:
	case ESPVTI_STAT_RX_CRYPTO_BUSY:
	case ESPVTI_STAT_RX_DUMMY:
	case ESPVTI_STAT_RX_NON_ESP:
	case ESPVTI_STAT_RX_CRYPTO_ASYNC:
	case ESPVTI_STAT_RX_LINK_LOCAL:
	case ESPVTI_STAT_RX_HELD:
	case ESPVTI_STAT_RX_HOLD_FULL:
	case ESPVTI_STAT_RX_HOLD_EXPIRED:
	case ESPVTI_STAT_RX_QUEUE_FULL:
	case ESPVTI_STAT_RX_PARALLEL:
		return true;
	default:
		return false;
	}
}

/**
 * espvti_stats_fill() - put counters into a netlink message as a nest
 * @skb: the message
 * @attrtype: type of the nest (ESPVTI_A_STATS or ESPVTI_SA_A_STATS)
 * @c: the counters
 * @rx: include receive counters
 * @tx: include transmit counters
 *
 * Return: 0, or -EMSGSIZE when the message is full.
 */
int espvti_stats_fill(struct sk_buff *skb, int attrtype,
		      const u64 c[__ESPVTI_STAT_MAX], bool rx, bool tx)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, attrtype);
	if (!nest)
		return -EMSGSIZE;
	for (i = 1; i < __ESPVTI_STAT_MAX; i++) {
		if (i == ESPVTI_STAT_PAD)
			continue;
		if (espvti_stat_is_rx(i) ? !rx : !tx)
			continue;
		/* Counted per device only: not in an SA's counters. */
		if ((i == ESPVTI_STAT_TCP_MSS_CLAMPED || i == ESPVTI_STAT_RX_HELD ||
		     i == ESPVTI_STAT_RX_HOLD_FULL ||
		     i == ESPVTI_STAT_RX_HOLD_EXPIRED ||
		     i == ESPVTI_STAT_RX_PARALLEL ||
		     i == ESPVTI_STAT_TX_PARALLEL) && !(rx && tx))
			continue;
		if (nla_put_u64_64bit(skb, i, c[i], ESPVTI_STAT_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * The device's counters under the names `espctl show` prints, for
 * `ethtool -S`: one table, indexed by enum espvti_stat_attrs; an empty slot
 * (unspec, the netlink pad) is not a counter.
 */
static const char espvti_stat_names[__ESPVTI_STAT_MAX][ETH_GSTRING_LEN] = {
	[ESPVTI_STAT_RX_PACKETS]	= "rx_packets",
	[ESPVTI_STAT_RX_BYTES]		= "rx_bytes",
	[ESPVTI_STAT_TX_PACKETS]	= "tx_packets",
	[ESPVTI_STAT_TX_BYTES]		= "tx_bytes",
	[ESPVTI_STAT_RX_NO_SA]		= "rx_no_sa",
	[ESPVTI_STAT_RX_REPLAY]		= "rx_replay",
	[ESPVTI_STAT_RX_AUTH_FAIL]	= "rx_auth_fail",
	[ESPVTI_STAT_RX_BAD_TRAILER]	= "rx_bad_trailer",
	[ESPVTI_STAT_RX_BAD_INNER]	= "rx_bad_inner",
	[ESPVTI_STAT_RX_SELECTOR]	= "rx_selector",
	[ESPVTI_STAT_RX_MALFORMED]	= "rx_malformed",
	[ESPVTI_STAT_RX_EXPIRED]	= "rx_expired",
	[ESPVTI_STAT_TX_NO_SA]		= "tx_no_sa",
	[ESPVTI_STAT_TX_SEQ_EXHAUSTED]	= "tx_seq_exhausted",
	[ESPVTI_STAT_TX_TOO_BIG]	= "tx_too_big",
	[ESPVTI_STAT_TX_NO_ROUTE]	= "tx_no_route",
	[ESPVTI_STAT_TX_SELECTOR]	= "tx_selector",
	[ESPVTI_STAT_TX_EXPIRED]	= "tx_expired",
	[ESPVTI_STAT_TX_ERRORS]		= "tx_errors",
	[ESPVTI_STAT_RX_UDP_MALFORMED]	= "rx_udp_malformed",
	[ESPVTI_STAT_RX_KEEPALIVE]	= "rx_keepalive",
	[ESPVTI_STAT_TX_KEEPALIVE]	= "tx_keepalive",
	[ESPVTI_STAT_RX_CRYPTO_BUSY]	= "rx_crypto_busy",
	[ESPVTI_STAT_TX_CRYPTO_BUSY]	= "tx_crypto_busy",
	[ESPVTI_STAT_RX_DUMMY]		= "rx_dummy",
	[ESPVTI_STAT_RX_NON_ESP]	= "rx_non_esp",
	[ESPVTI_STAT_TCP_MSS_CLAMPED]	= "tcp_mss_clamped",
	[ESPVTI_STAT_RX_CRYPTO_ASYNC]	= "rx_crypto_async",
	[ESPVTI_STAT_TX_CRYPTO_ASYNC]	= "tx_crypto_async",
	[ESPVTI_STAT_TX_LINK_LOCAL]	= "tx_link_local",
	[ESPVTI_STAT_RX_LINK_LOCAL]	= "rx_link_local",
	[ESPVTI_STAT_RX_HELD]		= "rx_held",
	[ESPVTI_STAT_RX_HOLD_FULL]	= "rx_hold_full",
	[ESPVTI_STAT_RX_HOLD_EXPIRED]	= "rx_hold_expired",
	[ESPVTI_STAT_RX_QUEUE_FULL]	= "rx_queue_full",
	[ESPVTI_STAT_TX_QUEUE_FULL]	= "tx_queue_full",
	[ESPVTI_STAT_RX_PARALLEL]	= "rx_parallel",
	[ESPVTI_STAT_TX_PARALLEL]	= "tx_parallel",
};

/* A new counter must be named above: this fails to build until it is. */
static_assert(ESPVTI_STAT_TX_PARALLEL == __ESPVTI_STAT_MAX - 1,
	      "name the new counter in espvti_stat_names, then move this check");

static bool espvti_stat_named(unsigned int i)
{
	return espvti_stat_names[i][0] != '\0';
}

static int espvti_get_sset_count(struct net_device *dev, int sset)
{
	unsigned int i;
	int n = 0;

	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	for (i = 0; i < __ESPVTI_STAT_MAX; i++)
		n += espvti_stat_named(i);
	return n;
}

static void espvti_get_strings(struct net_device *dev, u32 sset, u8 *buf)
{
	unsigned int i;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < __ESPVTI_STAT_MAX; i++) {
		if (!espvti_stat_named(i))
			continue;
		memcpy(buf, espvti_stat_names[i], ETH_GSTRING_LEN);
		buf += ETH_GSTRING_LEN;
	}
}

static void espvti_get_ethtool_stats(struct net_device *dev,
				     struct ethtool_stats *stats, u64 *data)
{
	struct espvti_dev *edev = netdev_priv(dev);
	u64 c[__ESPVTI_STAT_MAX];
	unsigned int i;

	espvti_stats_sum(edev->stats, c);
	for (i = 0; i < __ESPVTI_STAT_MAX; i++)
		if (espvti_stat_named(i))
			*data++ = c[i];
}

static void espvti_get_drvinfo(struct net_device *dev,
			       struct ethtool_drvinfo *info)
{
	strscpy(info->driver, "espvti", sizeof(info->driver));
	strscpy(info->bus_info, "tunnel", sizeof(info->bus_info));
}

/* `ethtool -i` and `ethtool -S`: what the counters are called and hold. */
const struct ethtool_ops espvti_ethtool_ops = {
	.get_drvinfo		= espvti_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= espvti_get_sset_count,
	.get_strings		= espvti_get_strings,
	.get_ethtool_stats	= espvti_get_ethtool_stats,
};
