// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Per-CPU counters of devices and SAs, and their netlink representation.
 */

#include <linux/slab.h>
#include <net/netlink.h>

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
		if (nla_put_u64_64bit(skb, i, c[i], ESPVTI_STAT_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}
