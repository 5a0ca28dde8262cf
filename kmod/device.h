/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * The espvti network device: a point-to-point L3 tunnel interface.
 */
#ifndef _ESPVTI_DEVICE_H
#define _ESPVTI_DEVICE_H

#include <linux/netdevice.h>
#include <linux/list.h>
#include <linux/rhashtable.h>
#include <linux/rhashtable-types.h>
#include <linux/workqueue.h>
#include <net/dst_cache.h>
#include <net/gro_cells.h>
#include <net/netns/generic.h>
#include <uapi/linux/espvti.h>

#include <net/ipv6.h>

#include "queue.h"
#include "stats.h"

struct espvti_sa;
struct espvti_sock;

/**
 * struct espvti_endpoint - outer addressing of a device, replaced as a whole
 * @rcu: frees the old copy after a grace period.
 * @family: AF_INET or AF_INET6 once an address is set, else 0.
 * @local: outer source (IPv4 in s6_addr32[0]); any when unset.
 * @remote: outer destination; unset (all zero) means "not configured".
 * @underlay_ifindex: device the outer packets are bound to, 0 for none.
 * @ttl: outer TTL / hop limit.
 * @dst_cache: cached route to @remote; belongs to this copy only.
 * @encap: enum espvti_encap.
 * @sport: UDP source port (network order) when @encap is UDP.
 * @dport: UDP destination port (network order).
 * @keepalive: seconds between NAT keepalives, 0 for none.
 * @float_ok: follow the peer to a new address or port.
 * @esock: the UDP socket receiving for this device (a reference), or NULL.
 *
 * Readers (the data path) use rcu_dereference(); writers hold RTNL.
 */
struct espvti_endpoint {
	struct rcu_head rcu;
	u8 family;
	struct in6_addr local;
	struct in6_addr remote;
	int underlay_ifindex;
	u8 ttl;
	struct dst_cache dst_cache;
	u8 encap;
	__be16 sport;
	__be16 dport;
	u32 keepalive;
	bool float_ok;
	struct espvti_sock *esock;
};

/**
 * struct espvti_remote_key - key of espvti_net::remote_hash
 * @family: AF_INET or AF_INET6.
 * @pad: zero (the key is hashed and compared as bytes).
 * @addr: the remote address (IPv4 in s6_addr32[0], the rest zero).
 */
struct espvti_remote_key {
	u8 family;
	u8 pad[3];
	struct in6_addr addr;
};

/**
 * struct espvti_dev - private part of an espvti net_device
 * @dev: the net_device.
 * @list: entry in espvti_net::devs, under RTNL.
 * @remote_node: entry in espvti_net::remote_hash while @remote_hashed;
 *	under RTNL.
 * @remote_key: the key @remote_node is filed under; written under RTNL
 *	while the device is not in the table.
 * @remote_hashed: the device is in espvti_net::remote_hash; under RTNL.
 * @ep: outer addressing, RCU; written under RTNL.
 * @sa_out: the outbound SA, RCU; replaced under RTNL.
 * @sa_in: the inbound SAs, RCU; slots written under RTNL.
 * @gro_cells: GRO for decrypted packets.
 * @stats: per-CPU counters of the device (all SAs and SA-less drops).
 * @acquire_at: jiffies of the last acquire notification (rate limit).
 * @mtu_user: the MTU was set by the user; do not recompute it.
 * @mtu_auto: set while espvti itself changes the MTU (RTNL held).
 * @keepalive_timer: sends NAT keepalives while UDP encapsulation is on.
 * @float_work: moves the remote endpoint to where the peer now sends from.
 * @float_lock: protects @float_family, @float_addr and @float_port.
 * @float_family: family of the pending new remote address, 0 for none.
 * @float_addr: the pending new remote address.
 * @float_port: the pending new remote port (network order).
 * @crypto: enum espvti_crypto for SAs added from now on; under RTNL.
 * @crypto_inflight: crypto requests of the device's SAs submitted and not
 *	yet done (atomic; bounded by espvti_crypto_charge()).
 * @mss_clamp: ESPVTI_A_MSS_CLAMP; written under RTNL, read locklessly.
 * @mss_mtu: the inner MTU over the path, as the transmit path last
 *	computed it (0 before the first packet); read by the receive path's
 *	clamping. Written and read locklessly: any recent value will do.
 * @sel_lock: protects @sel_family, @sel_src and @sel_dst.
 * @sel_family: family of the last packet an inbound SA's selectors
 *	refused (ESPVTI_STAT_RX_SELECTOR), 0 before the first one.
 * @sel_src: its inner source (IPv4 in s6_addr32[0]).
 * @sel_dst: its inner destination.
 * @resv_list: reserved inbound SPIs (struct espvti_resv); under RTNL.
 * @resv_count: entries in @resv_list; under RTNL.
 * @tx_work: the transmit ordered stage of the parallel path (queue.c).
 * @tx_cpu: the CPU @tx_work runs on (espvti_queue_home_cpu()); set once.
 * @txq: packets of the parallel path being encrypted, in sequence order.
 * @rxq: packets of the parallel path being decrypted, in arrival order.
 * @napi: the receive ordered stage of the parallel path: delivers @rxq's
 *	packets through GRO. Enabled from ndo_init to the destructor.
 */
struct espvti_dev {
	struct net_device *dev;
	struct list_head list;
	struct rhlist_head remote_node;
	struct espvti_remote_key remote_key;
	bool remote_hashed;
	struct espvti_endpoint __rcu *ep;
	struct espvti_sa __rcu *sa_out;
	struct espvti_sa __rcu *sa_in[ESPVTI_MAX_SA_IN];
	struct gro_cells gro_cells;
	struct espvti_pcpu_stats __percpu *stats;
	unsigned long acquire_at;
	bool mtu_user;
	bool mtu_auto;
	struct timer_list keepalive_timer;
	struct work_struct float_work;
	spinlock_t float_lock;
	u8 float_family;
	struct in6_addr float_addr;
	__be16 float_port;
	u8 crypto;
	u16 mss_clamp;
	spinlock_t sel_lock;
	u8 sel_family;
	struct in6_addr sel_src;
	struct in6_addr sel_dst;
	struct list_head resv_list;
	unsigned int resv_count;

	/*
	 * Written by every packet (crypto_inflight) or by the transmit path
	 * whenever the path MTU moves (mss_mtu): kept apart from the
	 * read-mostly fields above.
	 */
	atomic_t crypto_inflight ____cacheline_aligned_in_smp;
	unsigned int mss_mtu;

	/* The parallel path (queue.c): each queue's lock on its own line. */
	struct work_struct tx_work;
	int tx_cpu;
	struct espvti_ordered txq ____cacheline_aligned_in_smp;
	struct espvti_ordered rxq ____cacheline_aligned_in_smp;
	struct napi_struct napi ____cacheline_aligned_in_smp;
};

/**
 * struct espvti_net - per network namespace state
 * @devs: espvti devices of the namespace; changed under RTNL, also walked
 *	under RCU.
 * @spi_hash: inbound SAs of all devices of the namespace (struct espvti_sa),
 *	by SPI (sa.c); written under RTNL, read under RCU. A resizable hash:
 *	it grows and shrinks with the number of SAs, so a lookup stays O(1)
 *	from a few SAs to hundreds of thousands.
 * @remote_hash: devices by the remote address of their endpoint (struct
 *	espvti_remote_key; several devices may share one), so that SA-less
 *	drops and ICMP errors find their device in one bucket whatever the
 *	number of devices: resizable, with a random hash seed of its own;
 *	written under RTNL, read under RCU.
 * @resv_hash: reserved inbound SPIs (struct espvti_resv) of all devices of
 *	the namespace, by SPI (reserve.c); written under RTNL, read under RCU.
 *	Resizable like @spi_hash: a device may reserve ESPVTI_MAX_RESERVED SPIs
 *	and a namespace may have any number of devices.
 * @socks: UDP encapsulation sockets in use by devices of the namespace;
 *	under RTNL.
 * @reap_work: lets go of handed-over sockets whose process closed them or
 *	took them back (udp.c); runs while @socks has handed-over sockets.
 */
struct espvti_net {
	struct list_head devs;
	struct list_head socks;
	struct rhashtable spi_hash;
	struct rhltable remote_hash;
	struct rhashtable resv_hash;
	struct delayed_work reap_work;
};

/* Fills @key for a remote address (__be32 or struct in6_addr) of @family. */
static inline void espvti_remote_key_set(struct espvti_remote_key *key,
					 u8 family, const void *addr)
{
	memset(key, 0, sizeof(*key));
	key->family = family;
	if (family == AF_INET)
		key->addr.s6_addr32[0] = *(const __be32 *)addr;
	else
		key->addr = *(const struct in6_addr *)addr;
}

extern const struct rhashtable_params espvti_remote_params;

extern unsigned int espvti_net_id;
extern struct rtnl_link_ops espvti_link_ops;

static inline struct espvti_net *espvti_pernet(struct net *net)
{
	return net_generic(net, espvti_net_id);
}

/* Is the endpoint's remote address @addr (__be32 or struct in6_addr)? */
static inline bool espvti_ep_remote_is(const struct espvti_endpoint *ep,
				       u8 family, const void *addr)
{
	if (ep->family != family)
		return false;
	if (family == AF_INET)
		return ep->remote.s6_addr32[0] == *(const __be32 *)addr;
	return ipv6_addr_equal(&ep->remote, addr);
}

int espvti_device_init(void);
void espvti_device_exit(void);
struct espvti_dev *espvti_dev_get(struct net *net, int ifindex,
				  const char *ifname);
void espvti_dev_update_mtu(struct espvti_dev *edev);
struct espvti_endpoint *espvti_endpoint_dup(const struct espvti_endpoint *old);
void espvti_endpoint_release(struct espvti_endpoint *ep);
void espvti_dev_endpoint_changed(struct espvti_dev *edev);
void espvti_udp_float(struct espvti_dev *edev, u8 family, const void *saddr,
		      __be16 sport);
bool espvti_mss_clamp(const struct espvti_dev *edev, struct sk_buff *skb,
		      unsigned int mtu);
int espvti_output_udp(struct espvti_dev *edev, struct espvti_endpoint *ep,
		      const void *data, unsigned int len);
netdev_tx_t espvti_xmit(struct sk_buff *skb, struct net_device *dev);

/* Counts a data path event on the device and, if given, on the SA. */
void espvti_count(struct espvti_dev *edev, struct espvti_sa *sa,
		  unsigned int idx);

#endif /* _ESPVTI_DEVICE_H */
