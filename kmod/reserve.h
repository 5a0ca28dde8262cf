/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Reserved inbound SPIs (ESPVTI_CMD_SA_RESERVE): ESP that arrives for an SA
 * still being negotiated is held, bounded, until the SA is installed.
 */
#ifndef _ESPVTI_RESERVE_H
#define _ESPVTI_RESERVE_H

#include <linux/list.h>
#include <linux/rhashtable-types.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <net/netlink.h>

struct espvti_dev;
struct espvti_net;
struct espvti_sa;
struct net;

/**
 * struct espvti_resv - one reserved inbound SPI of a device
 * @spi_node: entry in espvti_net::resv_hash, keyed by @spi; written under
 *	RTNL, read under RCU.
 * @dev_node: entry in espvti_dev::resv_list; under RTNL.
 * @rcu: frees the reservation a grace period after it left the hash.
 * @edev: the device; a reservation never outlives it (espvti_resv_flush()
 *	in the device's uninit).
 * @spi: the SPI, host byte order.
 * @lock: protects @queue, @bytes and @dead (taken in softirq: the receive
 *	path and @timer).
 * @queue: packets held, in order of arrival.
 * @bytes: truesize of the packets in @queue.
 * @dead: the reservation has ended (timed out, or being removed): nothing
 *	is queued any more; an expired one stays listed, holding its SPI,
 *	until the next configuration change of the device removes it.
 * @timer: ends the reservation when its time runs out.
 */
struct espvti_resv {
	struct rhash_head spi_node;
	struct list_head dev_node;
	struct rcu_head rcu;
	struct espvti_dev *edev;
	u32 spi;
	spinlock_t lock;
	struct sk_buff_head queue;
	unsigned int bytes;
	bool dead;
	struct timer_list timer;
};

/**
 * struct espvti_hold_cb - what the receive path needs of a held packet, kept
 *	in its skb->cb while it waits
 * @outer_family: AF_INET or AF_INET6.
 * @encap: the packet came in UDP.
 * @sport: its UDP source port.
 */
struct espvti_hold_cb {
	u8 outer_family;
	bool encap;
	__be16 sport;
};

#define ESPVTI_HOLD_CB(skb) ((struct espvti_hold_cb *)(skb)->cb)

int espvti_resv_table_init(struct espvti_net *en);
void espvti_resv_table_destroy(struct espvti_net *en);
int espvti_resv_add(struct espvti_dev *edev, u32 spi, unsigned int ms,
		    struct netlink_ext_ack *extack);
bool espvti_resv_busy(struct net *net, u32 spi, struct espvti_dev *edev);
bool espvti_resv_hold(struct net *net, u32 spi, struct sk_buff *skb,
		      u8 outer_family, bool encap, __be16 sport);
void espvti_resv_take(struct espvti_dev *edev, u32 spi,
		      struct sk_buff_head *held);
bool espvti_resv_remove(struct espvti_dev *edev, u32 spi);
void espvti_resv_flush(struct espvti_dev *edev);
unsigned int espvti_resv_count(struct espvti_dev *edev);
unsigned int espvti_resv_held(struct espvti_dev *edev);

#endif /* _ESPVTI_RESERVE_H */
