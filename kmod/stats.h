/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Per-CPU counters, indexed by enum espvti_stat_attrs, kept per device and
 * per SA. Writers are the data path (softirq or crypto callbacks); readers
 * sum over all CPUs.
 */
#ifndef _ESPVTI_STATS_H
#define _ESPVTI_STATS_H

#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>
#include <linux/skbuff.h>
#include <uapi/linux/espvti.h>

/**
 * struct espvti_pcpu_stats - one CPU's share of a set of counters
 * @syncp: makes the 64-bit counters readable on 32-bit machines.
 * @c: counters, indexed by enum espvti_stat_attrs (slot 0 unused).
 */
struct espvti_pcpu_stats {
	struct u64_stats_sync syncp;
	u64 c[__ESPVTI_STAT_MAX];
};

struct espvti_pcpu_stats __percpu *espvti_stats_alloc(void);
void espvti_stats_free(struct espvti_pcpu_stats __percpu *stats);
void espvti_stats_sum(struct espvti_pcpu_stats __percpu *stats,
		      u64 out[__ESPVTI_STAT_MAX]);
int espvti_stats_fill(struct sk_buff *skb, int attrtype,
		      const u64 c[__ESPVTI_STAT_MAX], bool rx, bool tx);
extern const struct ethtool_ops espvti_ethtool_ops;

/**
 * espvti_stats_add() - add to one counter on this CPU
 * @stats: per-CPU counters (may be NULL: nothing happens)
 * @idx: enum espvti_stat_attrs
 * @n: amount
 *
 * Callable from any context, including with preemption enabled.
 */
static inline void espvti_stats_add(struct espvti_pcpu_stats __percpu *stats,
				    unsigned int idx, u64 n)
{
	struct espvti_pcpu_stats *s;
	unsigned long flags;

	if (!stats)
		return;
	s = get_cpu_ptr(stats);
	flags = u64_stats_update_begin_irqsave(&s->syncp);
	s->c[idx] += n;
	u64_stats_update_end_irqrestore(&s->syncp, flags);
	put_cpu_ptr(stats);
}

#endif /* _ESPVTI_STATS_H */
