// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * The espvti net_device and its rtnetlink link type: creation with
 * `ip link add NAME type espvti`, removal, statistics and MTU.
 */

#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include <net/rtnetlink.h>

#include "device.h"
#include "netlink.h"
#include "reserve.h"
#include "sa.h"
#include "udp.h"

unsigned int espvti_net_id __read_mostly;

/* Largest outer header: IPv6 (40 bytes). */
#define ESPVTI_OUTER_MAX (sizeof(struct ipv6hdr))

/**
 * espvti_count() - count a data path event
 * @edev: the device
 * @sa: the SA involved, or NULL
 * @idx: enum espvti_stat_attrs
 */
void espvti_count(struct espvti_dev *edev, struct espvti_sa *sa,
		  unsigned int idx)
{
	espvti_stats_add(edev->stats, idx, 1);
	if (sa)
		espvti_stats_add(sa->stats, idx, 1);
}

/**
 * espvti_dev_get() - find an espvti device by index or name (RTNL held)
 * @net: namespace of the request
 * @ifindex: index, or 0 to use @ifname
 * @ifname: name, or NULL
 *
 * Return: the device's private part, or NULL when there is no such device or
 * it is not an espvti device.
 */
struct espvti_dev *espvti_dev_get(struct net *net, int ifindex,
				  const char *ifname)
{
	struct net_device *dev = NULL;

	ASSERT_RTNL();
	if (ifindex)
		dev = __dev_get_by_index(net, ifindex);
	else if (ifname)
		dev = __dev_get_by_name(net, ifname);
	if (!dev || dev->rtnl_link_ops != &espvti_link_ops ||
	    dev->reg_state != NETREG_REGISTERED)
		return NULL;
	return netdev_priv(dev);
}

static unsigned int espvti_underlay_mtu(struct espvti_dev *edev,
					const struct espvti_endpoint *ep)
{
	struct net *net = dev_net(edev->dev);
	struct net_device *udev;
	unsigned int mtu = ETH_DATA_LEN;

	if (ep->underlay_ifindex) {
		udev = __dev_get_by_index(net, ep->underlay_ifindex);
		if (udev)
			mtu = udev->mtu;
	}
	if (ep->family == AF_INET && ep->remote.s6_addr32[0]) {
		struct flowi4 fl4 = {
			.daddr = ep->remote.s6_addr32[0],
			.saddr = ep->local.s6_addr32[0],
			.flowi4_oif = ep->underlay_ifindex,
			.flowi4_proto = IPPROTO_ESP,
		};
		struct rtable *rt = ip_route_output_key(net, &fl4);

		if (!IS_ERR(rt)) {
			if (rt->dst.dev != edev->dev)
				mtu = min(mtu, dst_mtu(&rt->dst));
			ip_rt_put(rt);
		}
	} else if (ep->family == AF_INET6 && !ipv6_addr_any(&ep->remote)) {
		struct flowi6 fl6 = {
			.daddr = ep->remote,
			.saddr = ep->local,
			.flowi6_oif = ep->underlay_ifindex,
			.flowi6_proto = IPPROTO_ESP,
		};
		struct dst_entry *dst = ip6_route_output(net, NULL, &fl6);

		if (!dst->error && dst->dev != edev->dev)
			mtu = min(mtu, dst_mtu(dst));
		dst_release(dst);
	}
	return mtu;
}

/**
 * espvti_dev_update_mtu() - recompute the default MTU (RTNL held)
 * @edev: the device
 *
 * The MTU is the underlay path MTU less the outer header (with the UDP
 * header under UDP encapsulation) and the worst-case ESP overhead of the
 * current outbound SA. An MTU the user set explicitly is left alone.
 */
void espvti_dev_update_mtu(struct espvti_dev *edev)
{
	struct net_device *dev = edev->dev;
	struct espvti_endpoint *ep = rtnl_dereference(edev->ep);
	unsigned int outer = ESPVTI_OUTER_MAX, mtu;

	ASSERT_RTNL();
	if (edev->mtu_user)
		return;
	mtu = ETH_DATA_LEN;
	if (ep) {
		mtu = espvti_underlay_mtu(edev, ep);
		if (ep->family == AF_INET)
			outer = sizeof(struct iphdr);
		if (ep->encap == ESPVTI_ENCAP_UDP)
			outer += sizeof(struct udphdr);
	}
	mtu -= min(mtu, outer + espvti_sa_overhead(rtnl_dereference(edev->sa_out)));
	mtu = clamp(mtu, dev->min_mtu, dev->max_mtu);
	if (mtu != dev->mtu) {
		/* Tell ndo_change_mtu that this one is ours, not the user's. */
		edev->mtu_auto = true;
		dev_set_mtu(dev, mtu);
		edev->mtu_auto = false;
	}
}

static int espvti_change_mtu(struct net_device *dev, int new_mtu)
{
	struct espvti_dev *edev = netdev_priv(dev);

	if (!edev->mtu_auto)
		edev->mtu_user = true;
	WRITE_ONCE(dev->mtu, new_mtu);
	return 0;
}

static void espvti_get_stats64(struct net_device *dev,
			       struct rtnl_link_stats64 *s)
{
	struct espvti_dev *edev = netdev_priv(dev);
	u64 c[__ESPVTI_STAT_MAX];

	espvti_stats_sum(edev->stats, c);
	s->rx_packets = c[ESPVTI_STAT_RX_PACKETS];
	s->rx_bytes = c[ESPVTI_STAT_RX_BYTES];
	s->tx_packets = c[ESPVTI_STAT_TX_PACKETS];
	s->tx_bytes = c[ESPVTI_STAT_TX_BYTES];
	/* Packets that were not what they claimed to be. */
	s->rx_crc_errors = c[ESPVTI_STAT_RX_AUTH_FAIL];
	s->rx_frame_errors = c[ESPVTI_STAT_RX_BAD_TRAILER] +
			     c[ESPVTI_STAT_RX_BAD_INNER];
	s->rx_length_errors = c[ESPVTI_STAT_RX_MALFORMED] +
			      c[ESPVTI_STAT_RX_UDP_MALFORMED];
	s->rx_errors = s->rx_crc_errors + s->rx_frame_errors +
		       s->rx_length_errors;
	/* Authentic or unverifiable packets refused by policy. */
	s->rx_dropped = c[ESPVTI_STAT_RX_NO_SA] + c[ESPVTI_STAT_RX_REPLAY] +
			c[ESPVTI_STAT_RX_SELECTOR] + c[ESPVTI_STAT_RX_EXPIRED] +
			c[ESPVTI_STAT_RX_CRYPTO_BUSY] + c[ESPVTI_STAT_RX_LINK_LOCAL] +
			c[ESPVTI_STAT_RX_HOLD_FULL] + c[ESPVTI_STAT_RX_HOLD_EXPIRED] +
			c[ESPVTI_STAT_RX_QUEUE_FULL];
	s->tx_carrier_errors = c[ESPVTI_STAT_TX_NO_ROUTE];
	s->tx_errors = c[ESPVTI_STAT_TX_ERRORS] + c[ESPVTI_STAT_TX_NO_ROUTE];
	s->tx_dropped = c[ESPVTI_STAT_TX_NO_SA] + c[ESPVTI_STAT_TX_SEQ_EXHAUSTED] +
			c[ESPVTI_STAT_TX_TOO_BIG] + c[ESPVTI_STAT_TX_SELECTOR] +
			c[ESPVTI_STAT_TX_EXPIRED] + c[ESPVTI_STAT_TX_CRYPTO_BUSY] +
			c[ESPVTI_STAT_TX_LINK_LOCAL] + c[ESPVTI_STAT_TX_QUEUE_FULL];
}

static netdev_tx_t espvti_start_xmit(struct sk_buff *skb,
				     struct net_device *dev)
{
	return espvti_xmit(skb, dev);
}

static int espvti_dev_init(struct net_device *dev)
{
	struct espvti_dev *edev = netdev_priv(dev);
	int ret;

	edev->dev = dev;
	INIT_LIST_HEAD(&edev->resv_list);
	timer_setup(&edev->keepalive_timer, espvti_keepalive_timer, 0);
	INIT_WORK(&edev->float_work, espvti_float_work);
	edev->mss_clamp = ESPVTI_MSS_CLAMP_AUTO;
	spin_lock_init(&edev->float_lock);
	spin_lock_init(&edev->sel_lock);
	edev->stats = espvti_stats_alloc();
	if (!edev->stats)
		return -ENOMEM;
	ret = gro_cells_init(&edev->gro_cells, dev);
	if (ret)
		goto err_free_stats;
	INIT_WORK(&edev->tx_work, espvti_tx_work);
	edev->tx_cpu = espvti_queue_home_cpu();
	espvti_ordered_init(&edev->txq);
	espvti_ordered_init(&edev->rxq);
	netif_napi_add(dev, &edev->napi, espvti_rx_poll);
	napi_enable(&edev->napi);
	return 0;

err_free_stats:
	espvti_stats_free(edev->stats);
	edev->stats = NULL;
	return ret;
}

static void espvti_endpoint_free_rcu(struct rcu_head *head)
{
	struct espvti_endpoint *ep = container_of(head, struct espvti_endpoint,
						  rcu);

	dst_cache_destroy(&ep->dst_cache);
	kfree(ep);
}

/**
 * espvti_endpoint_dup() - a new endpoint to fill in (RTNL held)
 * @old: the endpoint to copy, or NULL for the defaults
 *
 * The copy has its own, empty route cache and shares @old's UDP socket.
 *
 * Return: the endpoint, or NULL when out of memory.
 */
struct espvti_endpoint *espvti_endpoint_dup(const struct espvti_endpoint *old)
{
	struct espvti_endpoint *ep;

	ASSERT_RTNL();
	ep = kzalloc(sizeof(*ep), GFP_KERNEL_ACCOUNT);
	if (!ep)
		return NULL;
	if (dst_cache_init(&ep->dst_cache, GFP_KERNEL_ACCOUNT)) {
		kfree(ep);
		return NULL;
	}
	if (!old) {
		ep->ttl = ESPVTI_DEFAULT_TTL;
		ep->sport = htons(ESPVTI_DEFAULT_ENCAP_PORT);
		ep->dport = htons(ESPVTI_DEFAULT_ENCAP_PORT);
		ep->keepalive = ESPVTI_DEFAULT_KEEPALIVE;
		ep->float_ok = true;
		return ep;
	}
	ep->family = old->family;
	ep->local = old->local;
	ep->remote = old->remote;
	ep->underlay_ifindex = old->underlay_ifindex;
	ep->ttl = old->ttl;
	ep->encap = old->encap;
	ep->sport = old->sport;
	ep->dport = old->dport;
	ep->keepalive = old->keepalive;
	ep->float_ok = old->float_ok;
	ep->esock = old->esock;
	if (ep->esock)
		ep->esock->users++;
	return ep;
}

/**
 * espvti_endpoint_release() - free an endpoint (RTNL held)
 * @ep: the endpoint, already unpublished (may be NULL)
 *
 * Its UDP socket reference goes now (the data path does not use it); the
 * memory and route cache after a grace period.
 */
void espvti_endpoint_release(struct espvti_endpoint *ep)
{
	if (!ep)
		return;
	espvti_sock_put(ep->esock);
	ep->esock = NULL;
	call_rcu(&ep->rcu, espvti_endpoint_free_rcu);
}

const struct rhashtable_params espvti_remote_params = {
	.key_len		= sizeof(struct espvti_remote_key),
	.key_offset		= offsetof(struct espvti_dev, remote_key),
	.head_offset		= offsetof(struct espvti_dev, remote_node),
	.automatic_shrinking	= true,
};

/* Takes the device out of the namespace's hash of remote addresses. RTNL. */
static void espvti_dev_unhash(struct espvti_dev *edev)
{
	struct espvti_net *en = espvti_pernet(dev_net(edev->dev));

	if (!edev->remote_hashed)
		return;
	rhltable_remove(&en->remote_hash, &edev->remote_node,
			espvti_remote_params);
	edev->remote_hashed = false;
}

/*
 * Files the device in the namespace's hash of remote addresses under its
 * current endpoint (or in none). A reader still on the entry it leaves may
 * compare against the new key as it is written: the lookups check the
 * endpoint itself, so that only costs a miss, a counter increment on no
 * device. When the table cannot take the entry (out of memory), the device
 * works on, but SA-less drops from its peer and ICMP errors about its ESP
 * are not matched to it: said in the kernel log. RTNL held.
 */
static void espvti_dev_rehash(struct espvti_dev *edev)
{
	struct espvti_net *en = espvti_pernet(dev_net(edev->dev));
	struct espvti_endpoint *ep = rtnl_dereference(edev->ep);
	int err;

	espvti_dev_unhash(edev);
	if (!ep || !ep->family || ipv6_addr_any(&ep->remote) ||
	    edev->dev->reg_state != NETREG_REGISTERED)
		return;
	espvti_remote_key_set(&edev->remote_key, ep->family, &ep->remote);
	err = rhltable_insert(&en->remote_hash, &edev->remote_node,
			      espvti_remote_params);
	if (err) {
		netdev_warn(edev->dev,
			    "cannot index the remote endpoint (%d): drops without an SA and ICMP errors are not counted on this device\n",
			    err);
		return;
	}
	edev->remote_hashed = true;
}

/**
 * espvti_dev_endpoint_changed() - follow a new endpoint (RTNL held)
 * @edev: the device
 *
 * Files the device under its remote address, recomputes the MTU and starts
 * or stops the keepalive timer. Every change of the endpoint calls it.
 */
void espvti_dev_endpoint_changed(struct espvti_dev *edev)
{
	struct espvti_endpoint *ep = rtnl_dereference(edev->ep);

	ASSERT_RTNL();
	espvti_dev_rehash(edev);
	espvti_dev_update_mtu(edev);
	if (ep && ep->encap == ESPVTI_ENCAP_UDP && ep->keepalive)
		mod_timer(&edev->keepalive_timer,
			  jiffies + (unsigned long)ep->keepalive * HZ);
	else
		timer_delete(&edev->keepalive_timer);
}

/* Unregistration, under RTNL: no new packets or requests find the device. */
static void espvti_dev_uninit(struct net_device *dev)
{
	struct espvti_dev *edev = netdev_priv(dev);
	struct espvti_endpoint *ep = rtnl_dereference(edev->ep);

	espvti_sa_flush(edev);
	espvti_resv_flush(edev);
	espvti_dev_unhash(edev);
	RCU_INIT_POINTER(edev->ep, NULL);
	/* The timer sees no endpoint now and does not come back. */
	timer_delete_sync(&edev->keepalive_timer);
	/*
	 * A queued float is dropped with its device reference. One already
	 * running waits for RTNL, then sees the device unregistered and drops
	 * its reference; one queued by a packet still in flight does the same
	 * (the device is not freed before). Not _sync: it takes RTNL.
	 */
	if (cancel_work(&edev->float_work))
		dev_put(dev);
	espvti_endpoint_release(ep);
}

/*
 * Last reference gone: no packet in flight uses the device any more, and
 * its ordered queues are empty (each packet on them held an SA reference,
 * and the SA one on the device). Their stages may still be finishing the
 * run that dropped the last packet: waited for here.
 */
static void espvti_dev_destruct(struct net_device *dev)
{
	struct espvti_dev *edev = netdev_priv(dev);

	napi_disable(&edev->napi);
	netif_napi_del(&edev->napi);
	cancel_work_sync(&edev->tx_work);
	WARN_ON_ONCE(!list_empty(&edev->txq.list) || !list_empty(&edev->rxq.list));
	gro_cells_destroy(&edev->gro_cells);
	espvti_stats_free(edev->stats);
}

static const struct net_device_ops espvti_netdev_ops = {
	.ndo_init		= espvti_dev_init,
	.ndo_uninit		= espvti_dev_uninit,
	.ndo_start_xmit		= espvti_start_xmit,
	.ndo_change_mtu		= espvti_change_mtu,
	.ndo_get_stats64	= espvti_get_stats64,
};

static void espvti_setup(struct net_device *dev)
{
	dev->netdev_ops = &espvti_netdev_ops;
	dev->ethtool_ops = &espvti_ethtool_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	/* The transmit path needs the inner route for PMTU and ICMP errors. */
	netif_keep_dst(dev);
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = LL_MAX_HEADER + ESPVTI_OUTER_MAX + 16;
	dev->needed_tailroom = 16 + 3 + 2;
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - ESPVTI_OUTER_MAX - espvti_sa_overhead(NULL);
	dev->mtu = ETH_DATA_LEN - ESPVTI_OUTER_MAX - espvti_sa_overhead(NULL);
	/* espvti_xmit() segments GSO packets and completes checksums itself. */
	dev->features |= NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA |
			 NETIF_F_GSO_SOFTWARE;
	dev->hw_features |= dev->features;
	dev->hw_enc_features |= dev->features;
	dev->needs_free_netdev = true;
	dev->priv_destructor = espvti_dev_destruct;
	espvti_set_lltx(dev);
	/* The SA table is per namespace: the device stays where it was made. */
	espvti_set_netns_local(dev);
}

static int espvti_newlink(struct net *src_net, struct net_device *dev,
			  struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	struct espvti_dev *edev = netdev_priv(dev);
	struct espvti_net *en = espvti_pernet(dev_net(dev));
	int ret;

	if (tb[IFLA_MTU])
		edev->mtu_user = true;
	ret = register_netdevice(dev);
	if (ret)
		return ret;
	list_add_rcu(&edev->list, &en->devs);
	return 0;
}

static void espvti_dellink(struct net_device *dev, struct list_head *head)
{
	struct espvti_dev *edev = netdev_priv(dev);

	list_del_rcu(&edev->list);
	/* Before unregistration's grace period, like the list entry. */
	espvti_dev_unhash(edev);
	unregister_netdevice_queue(dev, head);
}

struct rtnl_link_ops espvti_link_ops __read_mostly = {
	.kind		= "espvti",
	.priv_size	= sizeof(struct espvti_dev),
	.setup		= espvti_setup,
	.newlink	= espvti_newlink,
	.dellink	= espvti_dellink,
};

static int __net_init espvti_net_init(struct net *net)
{
	struct espvti_net *en = espvti_pernet(net);
	int ret;

	INIT_LIST_HEAD(&en->devs);
	ret = rhltable_init(&en->remote_hash, &espvti_remote_params);
	if (ret)
		return ret;
	ret = espvti_sa_table_init(en);
	if (ret)
		goto err_destroy_remote_hash;
	ret = espvti_resv_table_init(en);
	if (ret)
		goto err_destroy_sa_table;
	espvti_udp_net_init(en);
	return 0;

err_destroy_sa_table:
	espvti_sa_table_destroy(en);
err_destroy_remote_hash:
	rhltable_destroy(&en->remote_hash);
	return ret;
}

/*
 * The namespace's devices are gone (the core deleted them first), and with
 * them their SAs and reservations: the tables are empty.
 */
static void __net_exit espvti_net_exit(struct net *net)
{
	struct espvti_net *en = espvti_pernet(net);

	espvti_udp_net_exit(en);
	espvti_resv_table_destroy(en);
	espvti_sa_table_destroy(en);
	rhltable_destroy(&en->remote_hash);
}

static struct pernet_operations espvti_net_ops = {
	.init	= espvti_net_init,
	.exit	= espvti_net_exit,
	.id	= &espvti_net_id,
	.size	= sizeof(struct espvti_net),
};

/*
 * Follows the underlay devices of the namespace's tunnels
 * (ESPVTI_A_UNDERLAY_IFINDEX). An MTU change recomputes the tunnel's MTU
 * (unless the user set it). The underlay's deletion (or move to another
 * namespace) unbinds the tunnel: its outer packets then follow the routing
 * table, as with no underlay configured, rather than being bound to an index
 * that a later device may reuse. RTNL held.
 */
static int espvti_netdev_event(struct notifier_block *nb,
			       unsigned long event, void *ptr)
{
	struct net_device *udev = netdev_notifier_info_to_dev(ptr);
	struct espvti_endpoint *ep, *nep;
	struct espvti_dev *edev;
	struct espvti_net *en;

	if (event != NETDEV_CHANGEMTU && event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	if (udev->rtnl_link_ops == &espvti_link_ops)
		return NOTIFY_DONE;
	en = espvti_pernet(dev_net(udev));
	list_for_each_entry(edev, &en->devs, list) {
		ep = rtnl_dereference(edev->ep);
		if (!ep || !ep->underlay_ifindex ||
		    ep->underlay_ifindex != udev->ifindex)
			continue;
		if (event == NETDEV_UNREGISTER) {
			nep = espvti_endpoint_dup(ep);
			if (!nep) {
				netdev_warn(edev->dev,
					    "out of memory unbinding from the deleted underlay device %s\n",
					    udev->name);
				continue;
			}
			nep->underlay_ifindex = 0;
			rcu_assign_pointer(edev->ep, nep);
			espvti_endpoint_release(ep);
			netdev_info(edev->dev,
				    "underlay device %s is gone: outer packets follow the routing table\n",
				    udev->name);
		}
		espvti_dev_endpoint_changed(edev);
	}
	return NOTIFY_DONE;
}

static struct notifier_block espvti_netdev_notifier = {
	.notifier_call = espvti_netdev_event,
};

int espvti_device_init(void)
{
	int ret;

	/*
	 * A subsystem, so that the core's device cleanup (which deletes our
	 * devices through dellink) runs before our namespace state goes away.
	 */
	ret = register_pernet_subsys(&espvti_net_ops);
	if (ret)
		return ret;
	ret = rtnl_link_register(&espvti_link_ops);
	if (ret)
		goto err_pernet;
	ret = register_netdevice_notifier(&espvti_netdev_notifier);
	if (ret)
		goto err_link;
	return 0;

err_link:
	rtnl_link_unregister(&espvti_link_ops);
err_pernet:
	unregister_pernet_subsys(&espvti_net_ops);
	return ret;
}

void espvti_device_exit(void)
{
	unregister_netdevice_notifier(&espvti_netdev_notifier);
	rtnl_link_unregister(&espvti_link_ops);
	unregister_pernet_subsys(&espvti_net_ops);
}
