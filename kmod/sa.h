/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Security associations: creation, the per-namespace inbound SPI table and a
 * device's outbound slot, lifetimes and selectors.
 */
#ifndef _ESPVTI_SA_H
#define _ESPVTI_SA_H

#include <linux/in6.h>
#include <linux/netdevice.h>
#include <linux/percpu-refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/netlink.h>
#include <uapi/linux/espvti.h>

#include "chachapoly.h"
#include "stats.h"

struct espvti_dev;
struct espvti_net;
struct espvti_replay;
struct crypto_aead;
struct espvti_aead_alg;

/**
 * struct espvti_prefix - one traffic selector prefix
 * @addr: network address (host bits zero); IPv4 in @addr.s6_addr32[0].
 * @family: AF_INET or AF_INET6.
 * @plen: prefix length.
 */
struct espvti_prefix {
	struct in6_addr addr;
	u8 family;
	u8 plen;
};

/**
 * struct espvti_ts - a list of traffic selector prefixes
 * @n: entries used; 0 means "any address".
 * @p: the prefixes.
 */
struct espvti_ts {
	u8 n;
	struct espvti_prefix p[ESPVTI_MAX_TS];
};

/**
 * struct espvti_sa_config - an SA as requested over netlink, validated
 * @dir: enum espvti_dir.
 * @spi: SPI, host byte order.
 * @alg: the AEAD algorithm (from espvti_crypto_find()).
 * @key: key followed by the salt.
 * @key_len: bytes in @key.
 * @icv_len: ICV length in bytes.
 * @esn: extended sequence numbers.
 * @replay_window: window in packets (inbound).
 * @seq: initial sequence number.
 * @ts_local: local selectors.
 * @ts_remote: remote selectors.
 * @soft_bytes: soft byte limit (0: none).
 * @soft_packets: soft packet limit (0: none).
 * @hard_bytes: hard byte limit (0: none).
 * @hard_packets: hard packet limit (0: none).
 * @crypto: enum espvti_crypto: the device's ESPVTI_A_CRYPTO when the
 *	request arrived.
 *
 * Allocated by the SA_NEW handler; freed with kfree_sensitive() (holds the
 * key).
 */
struct espvti_sa_config {
	u8 dir;
	u32 spi;
	const struct espvti_aead_alg *alg;
	u8 key[64];
	unsigned int key_len;
	unsigned int icv_len;
	bool esn;
	u32 replay_window;
	u64 seq;
	struct espvti_ts ts_local;
	struct espvti_ts ts_remote;
	u64 soft_bytes, soft_packets, hard_bytes, hard_packets;
	u8 crypto;
};

/* Bits in espvti_sa::expire_state. */
enum {
	ESPVTI_SA_SOFT_EXPIRED,	/* soft expire event sent */
	ESPVTI_SA_HARD_EXPIRED,	/* no more packets pass */
	ESPVTI_SA_SEQ_WARNED,	/* sequence-near-exhaustion event sent */
};

/**
 * struct espvti_sa - one security association
 *
 * Laid out in three parts: what every packet reads, what every packet
 * writes (its own cache line), and what changes only at teardown.
 *
 * @spi_node: entry in espvti_net::spi_hash (inbound SAs), keyed by @spi;
 *	changed under RTNL, read under RCU.
 * @rcu_free: frees the SA a grace period after the last reference is gone.
 * @ref: one reference for the device's table (dropped by espvti_sa_kill()),
 *	one per packet in flight (espvti_sa_get(), espvti_sa_put()). Per CPU
 *	while the SA is live, so that CPUs sending or receiving on the same SA
 *	do not share a written counter; atomic once killed.
 * @dev: the espvti device; the SA holds a reference on it from
 *	espvti_sa_install() on (NULL before).
 * @dev_tracker: tracks that reference.
 * @spi: SPI, host byte order.
 * @dir: enum espvti_dir.
 * @esn: extended sequence numbers.
 * @icv_len: ICV length in bytes.
 * @alg: AEAD algorithm description.
 * @tfm: the AEAD transform, key set.
 * @lib: the packets are encrypted and decrypted by the library
 *	(chachapoly.c, with @cp) rather than by @tfm.
 * @cp: the key for @lib.
 * @seq_out: outbound: last sequence number used (atomic, lockless TX).
 * @replay_lock: protects the writes to @replay (inbound).
 * @replay: anti-replay window (inbound; also tracks the top for ESN).
 * @ts_local: local traffic selectors.
 * @ts_remote: remote traffic selectors.
 * @soft_bytes: soft byte limit (0: none).
 * @soft_packets: soft packet limit.
 * @hard_bytes: hard byte limit.
 * @hard_packets: hard packet limit.
 * @lft_bytes: bytes counted against the limits.
 * @lft_packets: packets counted against the limits.
 * @expire_state: ESPVTI_SA_SOFT_EXPIRED and ESPVTI_SA_HARD_EXPIRED bits.
 * @expire_reason: enum espvti_expire_reason of the last expiry.
 * @stats: per-CPU counters of this SA.
 * @crypto_inflight: requests of this SA submitted to @tfm and not yet done
 *	(atomic; bounded by espvti_crypto_charge()).
 */
struct espvti_sa {
	/* Read by every packet, written only when the SA changes state. */
	struct rhash_head spi_node;
	u32 spi;
	u8 dir;
	bool esn;
	u8 icv_len;
	u8 expire_reason;
	const struct espvti_aead_alg *alg;
	struct crypto_aead *tfm;
	bool lib;
	struct espvti_chachapoly cp;
	struct net_device *dev;
	struct espvti_pcpu_stats __percpu *stats;
	struct espvti_replay *replay;
	unsigned long expire_state;
	u64 soft_bytes, soft_packets, hard_bytes, hard_packets;
	struct espvti_ts ts_local;
	struct espvti_ts ts_remote;

	/*
	 * Written by every packet: on a cache line of their own, so that the
	 * CPUs counting them do not also evict the read-mostly part above.
	 */
	atomic_t crypto_inflight ____cacheline_aligned_in_smp;
	atomic64_t seq_out;
	atomic64_t lft_bytes, lft_packets;
	spinlock_t replay_lock;

	/*
	 * Written at teardown only; @ref's pointer to its per-CPU counter is
	 * read by every packet, which writes only that counter.
	 */
	struct percpu_ref ref ____cacheline_aligned_in_smp;
	netdevice_tracker dev_tracker;
	struct rcu_work rcu_free;
};

int espvti_sa_module_init(void);
void espvti_sa_module_exit(void);
int espvti_sa_table_init(struct espvti_net *en);
void espvti_sa_table_destroy(struct espvti_net *en);

struct espvti_sa *espvti_sa_create(const struct espvti_sa_config *cfg,
				   struct netlink_ext_ack *extack);
int espvti_sa_install(struct espvti_dev *edev, struct espvti_sa *sa,
		      struct netlink_ext_ack *extack);
struct espvti_sa *espvti_sa_find(struct espvti_dev *edev, u8 dir, u32 spi);
int espvti_sa_remove(struct espvti_dev *edev, u8 dir, u32 spi);
void espvti_sa_flush(struct espvti_dev *edev);
struct espvti_sa *espvti_sa_lookup_in(struct net *net, u32 spi);
void espvti_sa_kill(struct espvti_sa *sa);
bool espvti_sa_account(struct espvti_sa *sa, unsigned int bytes);
bool espvti_ts_contains(const struct espvti_ts *ts, int family,
			const void *addr);
unsigned int espvti_sa_overhead(const struct espvti_sa *sa);

/**
 * espvti_sa_get() - take a reference unless the SA is being freed
 * @sa: the SA, found under RCU
 *
 * Succeeds for any SA found under RCU: an SA is unpublished before its
 * table reference is dropped (espvti_sa_kill()), and the count can only
 * reach zero after the grace period that follows.
 *
 * Return: true when a reference was taken.
 */
static inline bool espvti_sa_get(struct espvti_sa *sa)
{
	return percpu_ref_tryget(&sa->ref);
}

/**
 * espvti_sa_get_more() - take @n more references on an SA already held
 * @sa: the SA, with a reference of the caller's
 * @n: how many
 */
static inline void espvti_sa_get_more(struct espvti_sa *sa, unsigned long n)
{
	percpu_ref_get_many(&sa->ref, n);
}

/**
 * espvti_sa_put() - drop a reference taken by espvti_sa_get()
 * @sa: the SA
 *
 * Once the SA is killed, the last reference frees it (after an RCU grace
 * period, from a work item).
 */
static inline void espvti_sa_put(struct espvti_sa *sa)
{
	percpu_ref_put(&sa->ref);
}

static inline bool espvti_sa_hard_expired(const struct espvti_sa *sa)
{
	return test_bit(ESPVTI_SA_HARD_EXPIRED, &sa->expire_state);
}

#endif /* _ESPVTI_SA_H */
