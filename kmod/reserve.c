// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Reserved inbound SPIs. A keyer offers its peer an inbound SPI (IKE_AUTH,
 * CREATE_CHILD_SA) before it can know the SA's keys; RFC 7296 2.8 lets the
 * peer send on the new SA as soon as it has answered, so ESP for that SPI
 * can arrive before the answer has reached the keyer and the SA is in the
 * module. ESPVTI_CMD_SA_RESERVE announces the SPI: such packets are then
 * held here instead of dropped, and go through the SA, in their order of
 * arrival, once ESPVTI_CMD_SA_NEW installs it.
 *
 * Nothing held is trusted: it is not decrypted before the SA exists, and then
 * it passes the same ICV and replay checks as any packet. What a sender can
 * make the module hold is bounded: only SPIs a keyer with CAP_NET_ADMIN
 * reserved (ESPVTI_MAX_RESERVED per device), only from the device's remote
 * address, at most ESPVTI_RESERVE_MAX_PACKETS packets and
 * ESPVTI_RESERVE_MAX_BYTES of buffer per SPI, and only for the reservation's
 * time (at most ESPVTI_MAX_RESERVE_MS), and all reservations of all
 * namespaces together at most reserve_max_bytes_total: held packets are not
 * charged to anyone's memory cgroup, and root of a user namespace can make
 * devices and send to itself. ESP for any other SPI without an SA is
 * dropped at once, as before.
 *
 * The reservation lookup runs only for packets whose SPI has no SA, so the
 * receive path of established SAs does not pay for it.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "device.h"
#include "reserve.h"
#include "sa.h"
#include "stats.h"

/*
 * Buffer (truesize) held by every reservation of every namespace, and its
 * bound (module parameter reserve_max_bytes_total, changeable at run time).
 */
static atomic_long_t espvti_resv_total = ATOMIC_LONG_INIT(0);
static unsigned int espvti_resv_max_total = 16 << 20;

static int espvti_param_set_total(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 1U << 30);
}

static const struct kernel_param_ops espvti_param_total_ops = {
	.set = espvti_param_set_total,
	.get = param_get_uint,
};

module_param_cb(reserve_max_bytes_total, &espvti_param_total_ops,
		&espvti_resv_max_total, 0644);
MODULE_PARM_DESC(reserve_max_bytes_total,
		 "Most bytes of packets held for reserved SPIs, all namespaces together, 0..2^30 (default 16 MiB)");

/*
 * The namespace's reserved SPIs (espvti_net::resv_hash), looked up for
 * every ESP packet whose SPI has no SA: the sender chooses that SPI. A
 * resizable hash with a random seed, like the SA table (sa.c): a device
 * reserves at most ESPVTI_MAX_RESERVED SPIs, but a namespace may have any
 * number of devices, and a fixed table would then give long chains to walk
 * for each such packet, on which a sender who knows the hash could aim its
 * SPIs. Written under RTNL, read under RCU.
 */
static const struct rhashtable_params espvti_resv_table_params = {
	.key_len		= sizeof_field(struct espvti_resv, spi),
	.key_offset		= offsetof(struct espvti_resv, spi),
	.head_offset		= offsetof(struct espvti_resv, spi_node),
	.min_size		= 4,
	.automatic_shrinking	= true,
};

/**
 * espvti_resv_table_init() - set up a namespace's table of reserved SPIs
 * @en: the namespace's state, in its pernet init
 *
 * Return: 0 or a negative errno.
 */
int espvti_resv_table_init(struct espvti_net *en)
{
	return rhashtable_init(&en->resv_hash, &espvti_resv_table_params);
}

/**
 * espvti_resv_table_destroy() - free a namespace's table of reserved SPIs
 * @en: the namespace's state, in its pernet exit: its devices, and so their
 *	reservations, are gone.
 */
void espvti_resv_table_destroy(struct espvti_net *en)
{
	WARN_ON_ONCE(atomic_read(&en->resv_hash.nelems));
	rhashtable_destroy(&en->resv_hash);
}

/* RCU or RTNL held. */
static struct espvti_resv *espvti_resv_lookup(struct net *net, u32 spi)
{
	return rhashtable_lookup_fast(&espvti_pernet(net)->resv_hash, &spi,
				      espvti_resv_table_params);
}

/*
 * Ends a reservation's holding; returns its packets in @out (may be NULL:
 * they are dropped and counted). @timer: called by the reservation's timer,
 * which a refresh (espvti_resv_add()) may have re-armed meanwhile: then the
 * reservation lives on.
 */
static void espvti_resv_kill(struct espvti_resv *r, struct sk_buff_head *out, bool timer)
{
	struct sk_buff_head q;

	__skb_queue_head_init(&q);
	spin_lock_bh(&r->lock);
	if (timer && timer_pending(&r->timer)) {
		spin_unlock_bh(&r->lock);
		return;
	}
	WRITE_ONCE(r->dead, true);	/* read locklessly by espvti_resv_hold() */
	skb_queue_splice_init(&r->queue, &q);
	atomic_long_sub(r->bytes, &espvti_resv_total);
	r->bytes = 0;
	spin_unlock_bh(&r->lock);
	if (out) {
		skb_queue_splice_tail(&q, out);
		return;
	}
	if (!skb_queue_empty(&q))
		espvti_stats_add(r->edev->stats, ESPVTI_STAT_RX_HOLD_EXPIRED,
				 skb_queue_len(&q));
	__skb_queue_purge(&q);
}

static void espvti_resv_expire(struct timer_list *t)
{
	struct espvti_resv *r = from_timer(r, t, timer);

	espvti_resv_kill(r, NULL, true);
}

/* Out of the hash and the device's list, timer stopped, freed after RCU. */
static void espvti_resv_unlink(struct espvti_resv *r, struct sk_buff_head *out)
{
	ASSERT_RTNL();
	WARN_ON_ONCE(rhashtable_remove_fast(&espvti_pernet(dev_net(r->edev->dev))->resv_hash,
					    &r->spi_node, espvti_resv_table_params));
	list_del(&r->dev_node);
	r->edev->resv_count--;
	timer_delete_sync(&r->timer);
	espvti_resv_kill(r, out, false);
	kfree_rcu(r, rcu);
}

/* Removes the device's reservations whose time has run out (RTNL held). */
static void espvti_resv_reap(struct espvti_dev *edev)
{
	struct espvti_resv *r, *tmp;

	list_for_each_entry_safe(r, tmp, &edev->resv_list, dev_node)
		if (READ_ONCE(r->dead))
			espvti_resv_unlink(r, NULL);
}

/**
 * espvti_resv_busy() - is @spi reserved by another device? (RTNL held)
 * @net: the namespace
 * @spi: the SPI
 * @edev: the device asking (its own reservation does not count)
 *
 * An expired reservation of another device is removed on the way.
 *
 * Return: true when a live reservation of another device holds @spi.
 */
bool espvti_resv_busy(struct net *net, u32 spi, struct espvti_dev *edev)
{
	struct espvti_resv *r = espvti_resv_lookup(net, spi);

	if (!r || r->edev == edev)
		return false;
	if (READ_ONCE(r->dead)) {
		espvti_resv_unlink(r, NULL);
		return false;
	}
	return true;
}

/**
 * espvti_resv_add() - reserve an inbound SPI of a device (RTNL held)
 * @edev: the device
 * @spi: the SPI
 * @ms: how long the reservation lasts
 * @extack: for the reason of a refusal
 *
 * Return: 0 (a reservation of the same SPI by the same device restarts its
 * time); -EEXIST when an inbound SA or another device's reservation has the
 * SPI; -ENOSPC when the device has ESPVTI_MAX_RESERVED already; -ENOMEM,
 * -E2BIG or -EBUSY when the namespace's table could not take it.
 */
int espvti_resv_add(struct espvti_dev *edev, u32 spi, unsigned int ms,
		    struct netlink_ext_ack *extack)
{
	struct net *net = dev_net(edev->dev);
	struct espvti_resv *r;
	int ret;

	ASSERT_RTNL();
	espvti_resv_reap(edev);
	if (espvti_sa_lookup_in(net, spi)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_SA_A_SPI: an inbound SA with this SPI exists in this namespace");
		return -EEXIST;
	}
	if (espvti_resv_busy(net, spi, edev)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_SA_A_SPI: another device of this namespace has reserved this SPI");
		return -EEXIST;
	}
	r = espvti_resv_lookup(net, spi);
	if (r) {
		/*
		 * Restarted under the lock that its timer takes: either the
		 * timer has not ended it yet and sees itself re-armed, or it
		 * has, and a new reservation takes its place.
		 */
		spin_lock_bh(&r->lock);
		if (!r->dead) {
			mod_timer(&r->timer, jiffies + msecs_to_jiffies(ms));
			spin_unlock_bh(&r->lock);
			return 0;
		}
		spin_unlock_bh(&r->lock);
		espvti_resv_unlink(r, NULL);
	}
	if (edev->resv_count >= ESPVTI_MAX_RESERVED) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_SA_A_SPI: the device already has the maximum number of reserved SPIs");
		return -ENOSPC;
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	r->edev = edev;
	r->spi = spi;
	spin_lock_init(&r->lock);
	__skb_queue_head_init(&r->queue);
	timer_setup(&r->timer, espvti_resv_expire, 0);
	/* Complete before the receive path can find it; nothing to undo after. */
	ret = rhashtable_insert_fast(&espvti_pernet(net)->resv_hash, &r->spi_node,
				     espvti_resv_table_params);
	if (ret) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_SA_A_SPI: the namespace's table of reserved SPIs could not take it (out of memory, or being resized)");
		goto err_free;
	}
	list_add_tail(&r->dev_node, &edev->resv_list);
	edev->resv_count++;
	mod_timer(&r->timer, jiffies + msecs_to_jiffies(ms));
	return 0;

err_free:
	kfree(r);
	return ret;
}

/**
 * espvti_resv_hold() - hold a packet for a reserved SPI that has no SA yet
 * @net: the namespace the packet arrived in
 * @spi: its SPI (no inbound SA has it)
 * @skb: the packet; skb->data is the ESP header, the network header the
 *	outer IP header
 * @outer_family: AF_INET or AF_INET6
 * @encap: it came in UDP
 * @sport: its UDP source port
 *
 * Called in softirq, under RCU, by the receive paths when the SPI lookup
 * failed. Held packets get the espvti device as skb->dev (the underlay may
 * go while they wait) and lose their route and socket references.
 *
 * Return: true when the packet was taken (held, or dropped as
 * ESPVTI_STAT_RX_HOLD_FULL); false when the SPI is not reserved, its
 * reservation has ended or the packet is not from the device's remote
 * address: the caller treats it as a packet without SA.
 */
bool espvti_resv_hold(struct net *net, u32 spi, struct sk_buff *skb,
		      u8 outer_family, bool encap, __be16 sport)
{
	struct espvti_endpoint *ep;
	struct espvti_hold_cb *cb;
	struct espvti_resv *r;
	const void *saddr;

	r = espvti_resv_lookup(net, spi);
	if (!r || READ_ONCE(r->dead))
		return false;
	ep = rcu_dereference(r->edev->ep);
	if (outer_family == AF_INET)
		saddr = &ip_hdr(skb)->saddr;
	else
		saddr = &ipv6_hdr(skb)->saddr;
	if (!ep || !espvti_ep_remote_is(ep, outer_family, saddr))
		return false;

	skb_dst_drop(skb);
	skb_orphan(skb);
	skb->dev = r->edev->dev;
	cb = ESPVTI_HOLD_CB(skb);
	cb->outer_family = outer_family;
	cb->encap = encap;
	cb->sport = sport;

	spin_lock(&r->lock);
	if (unlikely(r->dead)) {
		/* Ended since the check: too late to hold, counted as such. */
		spin_unlock(&r->lock);
		espvti_count(r->edev, NULL, ESPVTI_STAT_RX_HOLD_EXPIRED);
		kfree_skb(skb);
		return true;
	}
	if (skb_queue_len(&r->queue) >= ESPVTI_RESERVE_MAX_PACKETS ||
	    r->bytes + skb->truesize > ESPVTI_RESERVE_MAX_BYTES)
		goto full;
	if (atomic_long_add_return(skb->truesize, &espvti_resv_total) >
	    READ_ONCE(espvti_resv_max_total)) {
		atomic_long_sub(skb->truesize, &espvti_resv_total);
		goto full;
	}
	r->bytes += skb->truesize;
	/* The lockless reader is espvti_resv_held(). */
	__skb_queue_tail(&r->queue, skb);
	spin_unlock(&r->lock);
	return true;

full:
	spin_unlock(&r->lock);
	espvti_count(r->edev, NULL, ESPVTI_STAT_RX_HOLD_FULL);
	kfree_skb(skb);
	return true;
}

/**
 * espvti_resv_take() - end the reservation of an SPI now installed (RTNL)
 * @edev: the device the inbound SA joined
 * @spi: its SPI
 * @held: receives the packets held for it, in order of arrival
 *
 * Called after the SA joined the SPI table, so no packet is held for the
 * SPI any more; the caller passes @held to espvti_input_held().
 */
void espvti_resv_take(struct espvti_dev *edev, u32 spi,
		      struct sk_buff_head *held)
{
	struct espvti_resv *r = espvti_resv_lookup(dev_net(edev->dev), spi);

	if (r && r->edev == edev)
		espvti_resv_unlink(r, held);
}

/**
 * espvti_resv_remove() - release a reserved SPI (RTNL held)
 * @edev: the device
 * @spi: the SPI
 *
 * The packets held for it are dropped (ESPVTI_STAT_RX_HOLD_EXPIRED).
 *
 * Return: true when the device had reserved @spi.
 */
bool espvti_resv_remove(struct espvti_dev *edev, u32 spi)
{
	struct espvti_resv *r = espvti_resv_lookup(dev_net(edev->dev), spi);

	if (!r || r->edev != edev)
		return false;
	espvti_resv_unlink(r, NULL);
	return true;
}

/**
 * espvti_resv_flush() - release every reservation of a device (RTNL held)
 * @edev: the device
 */
void espvti_resv_flush(struct espvti_dev *edev)
{
	struct espvti_resv *r, *tmp;

	list_for_each_entry_safe(r, tmp, &edev->resv_list, dev_node)
		espvti_resv_unlink(r, NULL);
}

/**
 * espvti_resv_count() - the device's live reservations (RTNL held)
 * @edev: the device
 *
 * Return: how many; expired ones are removed first.
 */
unsigned int espvti_resv_count(struct espvti_dev *edev)
{
	espvti_resv_reap(edev);
	return edev->resv_count;
}

/**
 * espvti_resv_held() - packets held now for the device's SPIs (RTNL held)
 * @edev: the device
 *
 * Return: their number (a snapshot: the receive path adds to it).
 */
unsigned int espvti_resv_held(struct espvti_dev *edev)
{
	struct espvti_resv *r;
	unsigned int n = 0;

	list_for_each_entry(r, &edev->resv_list, dev_node)
		n += skb_queue_len_lockless(&r->queue);
	return n;
}
