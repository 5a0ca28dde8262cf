// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Security associations. Configuration (create, install, remove) runs under
 * RTNL; the data path finds SAs under RCU and pins the ones it works on with a
 * reference, so an SA deleted while a packet is being encrypted or decrypted
 * lives until that packet is done. The last reference frees the SA after a
 * grace period, from a work item because freeing a transform may sleep.
 *
 * An SA is built (transform allocated and keyed) without RTNL, then installed
 * under it. Its memory is charged to the memory cgroup of the process that
 * adds it (GFP_KERNEL_ACCOUNT): root of a user namespace may add SAs to the
 * devices of its own network namespaces. The data path allocates nothing here.
 */

#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/rtnetlink.h>
#include <net/ipv6.h>
#include <crypto/aead.h>

#include "crypto.h"
#include "device.h"
#include "netlink.h"
#include "replay.h"
#include "reserve.h"
#include "sa.h"

/* Runs the deferred frees; flushed at module exit. */
static struct workqueue_struct *espvti_wq;

int espvti_sa_module_init(void)
{
	espvti_wq = alloc_workqueue("espvti", 0, 0);
	return espvti_wq ? 0 : -ENOMEM;
}

void espvti_sa_module_exit(void)
{
	/*
	 * A killed SA goes through two RCU callbacks before its free work is
	 * queued: percpu_ref's switch to atomic mode, which may call
	 * espvti_sa_release(), and then queue_rcu_work()'s. Wait for both
	 * levels, then for the work.
	 */
	rcu_barrier();
	rcu_barrier();
	destroy_workqueue(espvti_wq);
}

/*
 * The namespace's inbound SPI table (espvti_net::spi_hash). The remote
 * sender chooses the SPI of every ESP packet it sends, and each one is
 * looked up here before anything else is checked; the table hashes the SPI
 * with jhash and a seed drawn at random for every bucket table
 * (rhashtable), so a sender who does not know the seed cannot aim its SPIs
 * at one bucket, and the table grows with the number of SAs (and shrinks
 * again), so its chains stay short however many SAs a namespace has.
 * Namespaces without SAs are the common case: the table starts small.
 * Written under RTNL (so the table's own bucket locks are never contended);
 * read under RCU. The bucket tables are not charged to a memory cgroup:
 * about 16 bytes per SA, against the 1 KiB and the transform of the SA,
 * which are.
 */
static const struct rhashtable_params espvti_sa_table_params = {
	.key_len		= sizeof_field(struct espvti_sa, spi),
	.key_offset		= offsetof(struct espvti_sa, spi),
	.head_offset		= offsetof(struct espvti_sa, spi_node),
	.nelem_hint		= 8,
	.min_size		= 16,
	.automatic_shrinking	= true,
};

/**
 * espvti_sa_table_init() - set up a namespace's inbound SPI table
 * @en: the namespace's state, in its pernet init
 *
 * Return: 0 or a negative errno.
 */
int espvti_sa_table_init(struct espvti_net *en)
{
	return rhashtable_init(&en->spi_hash, &espvti_sa_table_params);
}

/**
 * espvti_sa_table_destroy() - free a namespace's inbound SPI table
 * @en: the namespace's state, in its pernet exit: every device of the
 *	namespace, and so every SA of the table, is gone.
 */
void espvti_sa_table_destroy(struct espvti_net *en)
{
	WARN_ON_ONCE(atomic_read(&en->spi_hash.nelems));
	rhashtable_destroy(&en->spi_hash);
}

static void espvti_sa_free_work(struct work_struct *work)
{
	struct espvti_sa *sa = container_of(to_rcu_work(work), struct espvti_sa,
					    rcu_free);

	espvti_crypto_free(sa);
	espvti_replay_free(sa->replay);
	espvti_stats_free(sa->stats);
	percpu_ref_exit(&sa->ref);
	netdev_put(sa->dev, &sa->dev_tracker);
	kfree_sensitive(sa);
}

/* The last reference of a killed SA is gone: free it (any context). */
static void espvti_sa_release(struct percpu_ref *ref)
{
	struct espvti_sa *sa = container_of(ref, struct espvti_sa, ref);

	queue_rcu_work(espvti_wq, &sa->rcu_free);
}

/**
 * espvti_sa_kill() - drop the reference of the SA's creator or table
 * @sa: the SA, no longer reachable by a new lookup (never installed, or
 *	unpublished from its device and the SPI table)
 *
 * Packets in flight keep their references; the last one frees the SA.
 */
void espvti_sa_kill(struct espvti_sa *sa)
{
	percpu_ref_kill(&sa->ref);
}

/**
 * espvti_sa_create() - build an SA from a validated configuration
 * @cfg: the configuration, checked by the netlink layer
 * @extack: for the reason of a failure
 *
 * Sleeps (allocates and keys the AEAD transform, which may load modules and
 * run self-tests): call it without RTNL. The SA belongs to no device yet and
 * is not visible to the data path; see espvti_sa_install(). A failed or
 * refused SA goes with espvti_sa_kill().
 *
 * Return: the SA with one reference, or an ERR_PTR().
 */
struct espvti_sa *espvti_sa_create(const struct espvti_sa_config *cfg,
				   struct netlink_ext_ack *extack)
{
	struct espvti_sa *sa;
	int ret;

	sa = kzalloc(sizeof(*sa), GFP_KERNEL_ACCOUNT);
	if (!sa)
		return ERR_PTR(-ENOMEM);

	INIT_RCU_WORK(&sa->rcu_free, espvti_sa_free_work);
	spin_lock_init(&sa->replay_lock);
	sa->spi = cfg->spi;
	sa->dir = cfg->dir;
	sa->esn = cfg->esn;
	sa->alg = cfg->alg;
	sa->icv_len = cfg->icv_len;
	sa->ts_local = cfg->ts_local;
	sa->ts_remote = cfg->ts_remote;
	sa->soft_bytes = cfg->soft_bytes;
	sa->soft_packets = cfg->soft_packets;
	sa->hard_bytes = cfg->hard_bytes;
	sa->hard_packets = cfg->hard_packets;
	atomic64_set(&sa->seq_out, cfg->dir == ESPVTI_DIR_OUT ? cfg->seq : 0);

	ret = percpu_ref_init(&sa->ref, espvti_sa_release, 0, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_free_sa;

	sa->stats = espvti_stats_alloc();
	if (!sa->stats) {
		ret = -ENOMEM;
		goto err_exit_ref;
	}

	if (cfg->dir == ESPVTI_DIR_IN) {
		sa->replay = espvti_replay_alloc(cfg->replay_window, GFP_KERNEL_ACCOUNT);
		if (!sa->replay) {
			ret = -ENOMEM;
			goto err_free_stats;
		}
		/* Not yet published: no lock needed. Records cfg->seq as seen. */
		if (cfg->seq)
			espvti_replay_advance(sa->replay, cfg->seq);
	}

	ret = espvti_crypto_init(sa, cfg->crypto, cfg->key, cfg->key_len,
				 cfg->icv_len);
	if (ret) {
		if (ret == -ENOENT)
			NL_SET_ERR_MSG_MOD(extack,
					   "ESPVTI_SA_A_ALG: the kernel has no implementation of this algorithm (in the device's ESPVTI_A_CRYPTO implementation)");
		else
			NL_SET_ERR_MSG_MOD(extack,
					   "ESPVTI_SA_A_KEY: the AEAD transform rejected this key or ICV length");
		goto err_free_replay;
	}
	return sa;

err_free_replay:
	espvti_replay_free(sa->replay);
err_free_stats:
	espvti_stats_free(sa->stats);
err_exit_ref:
	percpu_ref_exit(&sa->ref);
err_free_sa:
	kfree_sensitive(sa);
	return ERR_PTR(ret);
}

/**
 * espvti_sa_lookup_in() - find an inbound SA of a namespace by SPI
 * @net: the namespace the packet arrived in
 * @spi: SPI in host byte order
 *
 * Caller holds rcu_read_lock() (take a reference to keep the SA longer) or
 * RTNL (configuration). O(1) whatever the SPI (espvti_sa_table_params).
 *
 * Return: the SA or NULL.
 */
struct espvti_sa *espvti_sa_lookup_in(struct net *net, u32 spi)
{
	return rhashtable_lookup_fast(&espvti_pernet(net)->spi_hash, &spi,
				      espvti_sa_table_params);
}

/**
 * espvti_sa_find() - find an SA of a device (RTNL held)
 * @edev: the device
 * @dir: enum espvti_dir
 * @spi: SPI
 *
 * Return: the SA (no reference taken) or NULL.
 */
struct espvti_sa *espvti_sa_find(struct espvti_dev *edev, u8 dir, u32 spi)
{
	struct espvti_sa *sa;
	int i;

	ASSERT_RTNL();
	if (dir == ESPVTI_DIR_OUT) {
		sa = rtnl_dereference(edev->sa_out);
		return sa && sa->spi == spi ? sa : NULL;
	}
	for (i = 0; i < ESPVTI_MAX_SA_IN; i++) {
		sa = rtnl_dereference(edev->sa_in[i]);
		if (sa && sa->spi == spi)
			return sa;
	}
	return NULL;
}

/* The SA's reference on its device, taken before the data path can see it. */
static void espvti_sa_hold_dev(struct espvti_sa *sa, struct espvti_dev *edev)
{
	sa->dev = edev->dev;
	netdev_hold(sa->dev, &sa->dev_tracker, GFP_KERNEL);
}

/* Undoes espvti_sa_hold_dev() for an SA that did not join the device. */
static void espvti_sa_put_dev(struct espvti_sa *sa)
{
	netdev_put(sa->dev, &sa->dev_tracker);
	sa->dev = NULL;
}

/* A free inbound slot of the device, or -1 (RTNL held). */
static int espvti_sa_free_slot(struct espvti_dev *edev)
{
	int i;

	for (i = 0; i < ESPVTI_MAX_SA_IN; i++)
		if (!rtnl_dereference(edev->sa_in[i]))
			return i;
	return -1;
}

/*
 * Puts an inbound SA, device reference taken, into the namespace's SPI
 * table, where the data path finds it from now on (RTNL held). The table
 * refuses an SPI it has already; it may also fail to grow (allocations
 * under its bucket lock are atomic) or refuse to grow further.
 */
static int espvti_sa_hash_insert(struct espvti_net *en, struct espvti_sa *sa,
				 struct netlink_ext_ack *extack)
{
	int ret;

	ret = rhashtable_lookup_insert_fast(&en->spi_hash, &sa->spi_node,
					    espvti_sa_table_params);
	switch (ret) {
	case 0:
		break;
	case -EEXIST:
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_SA_A_SPI: an inbound SA with this SPI exists in this namespace");
		break;
	case -E2BIG:
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_SA_A_SPI: the namespace's SPI table is full");
		break;
	case -ENOMEM:
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_SA_A_SPI: out of memory growing the namespace's SPI table");
		break;
	default:	/* -EBUSY: a resize is under way */
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_SA_A_SPI: the namespace's SPI table is being resized; try again");
		break;
	}
	return ret;
}

/**
 * espvti_sa_install() - make a new SA live (RTNL held)
 * @edev: the device
 * @sa: the SA from espvti_sa_create(); its reference passes to the device
 *	on success
 * @extack: for the reason of a failure
 *
 * An inbound SA joins the namespace's SPI table; an outbound SA replaces the
 * current one in a single pointer update, so no packet finds the device
 * without an outbound SA during a rekey. The SA takes its reference on the
 * device here.
 *
 * An outbound SA with the SPI of the current one is refused: it would start
 * again from its initial sequence number, and with the same key (a restarted
 * keyer, a retried request) send the same AES-GCM or ChaCha20 nonces twice,
 * which gives the key away. xfrm refuses a duplicate state likewise.
 *
 * An inbound SPI this device reserved (ESPVTI_CMD_SA_RESERVE) may be
 * installed; the caller then takes the packets held for it
 * (espvti_resv_take()).
 *
 * An inbound SA joins the SPI table before its device's slot: should the
 * table refuse it, nothing of it is left anywhere.
 *
 * Return: 0; -EEXIST for an SPI in use (inbound: in the namespace or
 * reserved by another device; outbound:
 * by the device's current outbound SA); -ENOSPC when the device has
 * ESPVTI_MAX_SA_IN inbound SAs already; -ENOMEM, -E2BIG or -EBUSY when the
 * namespace's SPI table could not take it.
 */
int espvti_sa_install(struct espvti_dev *edev, struct espvti_sa *sa,
		      struct netlink_ext_ack *extack)
{
	struct espvti_net *en = espvti_pernet(dev_net(edev->dev));
	struct espvti_sa *old;
	int slot, ret;

	ASSERT_RTNL();
	if (sa->dir == ESPVTI_DIR_OUT) {
		old = rtnl_dereference(edev->sa_out);
		if (old && old->spi == sa->spi) {
			NL_SET_ERR_MSG_MOD(extack,
					   "ESPVTI_SA_A_SPI: the device's current outbound SA has this SPI; replacing it would restart its sequence numbers and repeat nonces (rekey with a new SPI and key)");
			return -EEXIST;
		}
		espvti_sa_hold_dev(sa, edev);
		rcu_assign_pointer(edev->sa_out, sa);
		if (old)
			espvti_sa_kill(old);
		espvti_dev_update_mtu(edev);
		return 0;
	}

	/*
	 * Before the slot, so that a full device reports a duplicate as such;
	 * the insert below checks again, in the same step as it inserts.
	 */
	if (espvti_sa_lookup_in(dev_net(edev->dev), sa->spi)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_SA_A_SPI: an inbound SA with this SPI exists in this namespace");
		return -EEXIST;
	}
	if (espvti_resv_busy(dev_net(edev->dev), sa->spi, edev)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_SA_A_SPI: another device of this namespace has reserved this SPI");
		return -EEXIST;
	}
	slot = espvti_sa_free_slot(edev);
	if (slot < 0) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_SA_A_DIR: the device already has the maximum number of inbound SAs");
		return -ENOSPC;
	}
	espvti_sa_hold_dev(sa, edev);
	ret = espvti_sa_hash_insert(en, sa, extack);
	if (ret)
		goto err_put_dev;
	rcu_assign_pointer(edev->sa_in[slot], sa);
	return 0;

err_put_dev:
	espvti_sa_put_dev(sa);
	return ret;
}

static void espvti_sa_unlink(struct espvti_dev *edev, struct espvti_sa *sa)
{
	struct espvti_net *en = espvti_pernet(dev_net(edev->dev));
	int i;

	if (sa->dir == ESPVTI_DIR_OUT) {
		RCU_INIT_POINTER(edev->sa_out, NULL);
	} else {
		/* Installed inbound SAs are in the table: cannot fail. */
		WARN_ON_ONCE(rhashtable_remove_fast(&en->spi_hash, &sa->spi_node,
						    espvti_sa_table_params));
		for (i = 0; i < ESPVTI_MAX_SA_IN; i++)
			if (rtnl_dereference(edev->sa_in[i]) == sa)
				RCU_INIT_POINTER(edev->sa_in[i], NULL);
	}
	espvti_sa_kill(sa);
}

/**
 * espvti_sa_remove() - delete one SA of a device (RTNL held)
 * @edev: the device
 * @dir: enum espvti_dir
 * @spi: SPI
 *
 * Return: 0 or -ENOENT.
 */
int espvti_sa_remove(struct espvti_dev *edev, u8 dir, u32 spi)
{
	struct espvti_sa *sa = espvti_sa_find(edev, dir, spi);

	if (!sa)
		return -ENOENT;
	espvti_sa_unlink(edev, sa);
	return 0;
}

/**
 * espvti_sa_flush() - delete every SA of a device (RTNL held)
 * @edev: the device
 */
void espvti_sa_flush(struct espvti_dev *edev)
{
	struct espvti_sa *sa;
	int i;

	ASSERT_RTNL();
	sa = rtnl_dereference(edev->sa_out);
	if (sa)
		espvti_sa_unlink(edev, sa);
	for (i = 0; i < ESPVTI_MAX_SA_IN; i++) {
		sa = rtnl_dereference(edev->sa_in[i]);
		if (sa)
			espvti_sa_unlink(edev, sa);
	}
}

static bool espvti_limit_hit(u64 limit, u64 value)
{
	return limit && value >= limit;
}

/**
 * espvti_sa_account() - count a packet against the SA's lifetimes
 * @sa: the SA
 * @bytes: inner length of the packet
 *
 * Sends the soft expire event once when a soft limit is reached and the hard
 * expire event once when a hard limit is reached; the packet that reaches a
 * hard limit still passes, later ones do not.
 *
 * Return: false when the packet must be dropped (SA hard-expired).
 */
bool espvti_sa_account(struct espvti_sa *sa, unsigned int bytes)
{
	u64 packets, total;
	u8 reason;

	if (unlikely(espvti_sa_hard_expired(sa)))
		return false;
	if (!(sa->soft_bytes | sa->soft_packets | sa->hard_bytes | sa->hard_packets))
		return true;

	packets = atomic64_inc_return(&sa->lft_packets);
	total = atomic64_add_return(bytes, &sa->lft_bytes);

	if (sa->hard_bytes && total > sa->hard_bytes) {
		/* This packet would cross the byte limit: it may not pass. */
		if (!test_and_set_bit(ESPVTI_SA_HARD_EXPIRED, &sa->expire_state)) {
			sa->expire_reason = ESPVTI_EXPIRE_BYTES;
			espvti_nl_notify_expire(sa, true, ESPVTI_EXPIRE_BYTES);
		}
		return false;
	}
	if (espvti_limit_hit(sa->hard_packets, packets) ||
	    espvti_limit_hit(sa->hard_bytes, total)) {
		reason = espvti_limit_hit(sa->hard_packets, packets) ?
			 ESPVTI_EXPIRE_PACKETS : ESPVTI_EXPIRE_BYTES;
		if (!test_and_set_bit(ESPVTI_SA_HARD_EXPIRED, &sa->expire_state)) {
			sa->expire_reason = reason;
			espvti_nl_notify_expire(sa, true, reason);
		}
		return true;
	}
	if (espvti_limit_hit(sa->soft_packets, packets) ||
	    espvti_limit_hit(sa->soft_bytes, total)) {
		reason = espvti_limit_hit(sa->soft_packets, packets) ?
			 ESPVTI_EXPIRE_PACKETS : ESPVTI_EXPIRE_BYTES;
		if (!test_and_set_bit(ESPVTI_SA_SOFT_EXPIRED, &sa->expire_state)) {
			sa->expire_reason = reason;
			espvti_nl_notify_expire(sa, false, reason);
		}
	}
	return true;
}

/**
 * espvti_ts_contains() - is an address inside a selector list?
 * @ts: the selectors; an empty list matches everything
 * @family: AF_INET or AF_INET6
 * @addr: a __be32 or a struct in6_addr
 *
 * Return: true when some prefix of @ts contains @addr.
 */
bool espvti_ts_contains(const struct espvti_ts *ts, int family,
			const void *addr)
{
	unsigned int i;

	if (!ts->n)
		return true;
	for (i = 0; i < ts->n; i++) {
		const struct espvti_prefix *p = &ts->p[i];

		if (p->family != family)
			continue;
		if (family == AF_INET) {
			__be32 mask = p->plen ? htonl(~0U << (32 - p->plen)) : 0;

			if (((*(const __be32 *)addr ^ p->addr.s6_addr32[0]) & mask) == 0)
				return true;
		} else if (ipv6_prefix_equal(addr, &p->addr, p->plen)) {
			return true;
		}
	}
	return false;
}

/**
 * espvti_sa_overhead() - worst-case bytes ESP adds to an inner packet
 * @sa: the SA (NULL: the worst case of every algorithm espvti supports)
 *
 * Header, IV, padding, pad length, next header and ICV; the outer IP header
 * is not included.
 */
unsigned int espvti_sa_overhead(const struct espvti_sa *sa)
{
	unsigned int iv = 8, align = 4, icv = 16;

	if (sa) {
		iv = sa->alg->iv_len;
		align = sa->alg->align;
		icv = sa->icv_len;
	}
	return 8 + iv + (align - 1) + 2 + icv;
}
