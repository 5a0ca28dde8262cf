// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Transmit path: an inner IPv4 or IPv6 packet routed into an espvti device
 * becomes an ESP tunnel-mode packet (RFC 4303) inside an outer IPv4 or IPv6
 * header addressed to the device's remote endpoint, with a UDP header in
 * between when the endpoint uses ESP in UDP (RFC 3948).
 *
 * Per packet, with no lock taken: the outbound SA and the endpoint are read
 * under RCU, the route comes from the endpoint's per-CPU dst cache, the
 * sequence number from one atomic operation on the SA, and the counters are
 * per CPU. The packet pins the SA with a reference until it has been handed
 * to the IP layer, so a rekey or an SA deletion never waits for packets in
 * flight. The outer header is built before encryption; the done function,
 * shared by synchronous and asynchronous transforms, only sends. Requests in
 * flight are bounded per device and per SA (espvti_crypto_charge()).
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/dst_cache.h>
#include <net/dst_metadata.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/route.h>
#if __has_include(<net/gso.h>)
#include <net/gso.h>
#endif

#include "crypto.h"
#include "device.h"
#include "esp.h"
#include "netlink.h"
#include "queue.h"
#include "sa.h"

/**
 * struct espvti_tx - what the transmit path learns about one packet
 * @len: inner packet length.
 * @family: inner family, AF_INET or AF_INET6.
 * @nexthdr: ESP next header of the inner packet (4 or 41).
 * @dsfield: inner DS field (DSCP and ECN).
 * @df: the inner packet may not be fragmented (IPv4 DF, or IPv6).
 * @frag: the outer packet may be fragmented (see espvti_tx_pmtu()).
 * @outer_family: family of the endpoint, AF_INET or AF_INET6.
 * @outer_hlen: bytes of the outer IP header.
 * @encap_len: bytes of the UDP header with ESP in UDP (RFC 3948), else 0.
 * @sport: UDP source port (network order), with @encap_len.
 * @dport: UDP destination port (network order), with @encap_len.
 * @ttl: outer TTL or hop limit.
 * @flowlabel: outer IPv6 flow label.
 * @dst: route to the remote endpoint (a reference is held).
 * @saddr: outer source (IPv4 in s6_addr32[0]).
 * @daddr: outer destination (likewise).
 * @mtu: the largest inner packet that fits the path (espvti_tx_pmtu()).
 */
struct espvti_tx {
	unsigned int len;
	unsigned int mtu;
	u8 family;
	u8 nexthdr;
	u8 dsfield;
	bool df;
	bool frag;
	u8 outer_family;
	u8 outer_hlen;
	u8 encap_len;
	u8 ttl;
	__be16 sport;
	__be16 dport;
	__be32 flowlabel;
	struct dst_entry *dst;
	struct in6_addr saddr;
	struct in6_addr daddr;
};

/*
 * Checks the inner header and the SA's traffic selectors.
 * Return: 0, or the counter of the reason to drop the packet.
 */
static unsigned int espvti_tx_inner(struct sk_buff *skb,
				    const struct espvti_sa *sa,
				    struct espvti_tx *tx)
{
	const void *src, *dst;

	tx->len = skb->len;
	switch (skb->protocol) {
	case htons(ETH_P_IP): {
		const struct iphdr *iph;

		if (!pskb_network_may_pull(skb, sizeof(*iph)))
			return ESPVTI_STAT_TX_ERRORS;
		iph = ip_hdr(skb);
		if (iph->version != 4 || iph->ihl < 5)
			return ESPVTI_STAT_TX_ERRORS;
		tx->family = AF_INET;
		tx->nexthdr = ESPVTI_NEXTHDR_IPV4;
		tx->dsfield = ipv4_get_dsfield(iph);
		tx->df = !!(iph->frag_off & htons(IP_DF));
		src = &iph->saddr;
		dst = &iph->daddr;
		break;
	}
	case htons(ETH_P_IPV6): {
		const struct ipv6hdr *ip6h;

		if (!pskb_network_may_pull(skb, sizeof(*ip6h)))
			return ESPVTI_STAT_TX_ERRORS;
		ip6h = ipv6_hdr(skb);
		if (ip6h->version != 6)
			return ESPVTI_STAT_TX_ERRORS;
		tx->family = AF_INET6;
		tx->nexthdr = ESPVTI_NEXTHDR_IPV6;
		tx->dsfield = ipv6_get_dsfield(ip6h);
		tx->df = true;
		src = &ip6h->saddr;
		dst = &ip6h->daddr;
		break;
	}
	default:
		return ESPVTI_STAT_TX_ERRORS;
	}

	if (!espvti_ts_contains(&sa->ts_local, tx->family, src) ||
	    !espvti_ts_contains(&sa->ts_remote, tx->family, dst)) {
		/*
		 * IPv6 the device sends on its own link (router
		 * solicitations, MLD from its fe80:: address) outside the
		 * selectors: not the user's traffic, counted apart.
		 */
		if (tx->family == AF_INET6 &&
		    ((ipv6_addr_type(src) | ipv6_addr_type(dst)) & IPV6_ADDR_LINKLOCAL))
			return ESPVTI_STAT_TX_LINK_LOCAL;
		return ESPVTI_STAT_TX_SELECTOR;
	}
	return 0;
}

/* Tells the inner sender its destination is unreachable (route failure). */
static void espvti_tx_unreachable(struct sk_buff *skb, const struct espvti_tx *tx)
{
	if (tx->family == AF_INET)
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	else
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
}

/*
 * Finds the route to the remote endpoint, from the endpoint's dst cache when
 * it is still valid. Routes through the espvti device itself are refused:
 * they would loop. Called under rcu_read_lock_bh().
 */
static int espvti_tx_route(struct net_device *dev, struct espvti_endpoint *ep,
			   struct espvti_tx *tx)
{
	struct net *net = dev_net(dev);
	u8 proto = IPPROTO_ESP;

	tx->encap_len = 0;
	if (ep->encap == ESPVTI_ENCAP_UDP) {
		tx->encap_len = ESPVTI_UDP_HLEN;
		tx->sport = ep->sport;
		tx->dport = ep->dport;
		proto = IPPROTO_UDP;
	}
	tx->outer_family = ep->family;
	tx->ttl = ep->ttl ?: ESPVTI_DEFAULT_TTL;
	tx->daddr = ep->remote;
	memset(&tx->saddr, 0, sizeof(tx->saddr));

	if (ep->family == AF_INET) {
		struct rtable *rt;
		__be32 saddr;

		tx->outer_hlen = sizeof(struct iphdr);
		rt = dst_cache_get_ip4(&ep->dst_cache, &saddr);
		if (!rt) {
			struct flowi4 fl4 = {
				.daddr = ep->remote.s6_addr32[0],
				.saddr = ep->local.s6_addr32[0],
				.flowi4_oif = ep->underlay_ifindex,
				.flowi4_proto = proto,
				.fl4_sport = tx->sport,
				.fl4_dport = tx->dport,
			};

			rt = ip_route_output_key(net, &fl4);
			if (IS_ERR(rt))
				return PTR_ERR(rt);
			if (rt->dst.dev == dev) {
				ip_rt_put(rt);
				return -ELOOP;
			}
			saddr = fl4.saddr;
			dst_cache_set_ip4(&ep->dst_cache, &rt->dst, saddr);
		}
		tx->saddr.s6_addr32[0] = saddr;
		tx->dst = &rt->dst;
	} else {
		struct dst_entry *dst;

		tx->outer_hlen = sizeof(struct ipv6hdr);
		dst = dst_cache_get_ip6(&ep->dst_cache, &tx->saddr);
		if (!dst) {
			struct flowi6 fl6 = {
				.daddr = ep->remote,
				.saddr = ep->local,
				.flowi6_oif = ep->underlay_ifindex,
				.flowi6_proto = proto,
				.fl6_sport = tx->sport,
				.fl6_dport = tx->dport,
			};

			dst = ip6_dst_lookup_flow(net, NULL, &fl6, NULL);
			if (IS_ERR(dst))
				return PTR_ERR(dst);
			if (dst->dev == dev) {
				dst_release(dst);
				return -ELOOP;
			}
			tx->saddr = fl6.saddr;
			dst_cache_set_ip6(&ep->dst_cache, dst, &fl6.saddr);
		}
		tx->dst = dst;
	}
	return 0;
}

/* Largest inner packet whose ESP packet fits in @mtu bytes with its header. */
static unsigned int espvti_inner_mtu(const struct espvti_sa *sa,
				     unsigned int mtu, unsigned int outer_hlen)
{
	unsigned int over = outer_hlen + ESPVTI_ESP_HLEN + sa->alg->iv_len +
			    sa->icv_len;

	if (mtu < over + sa->alg->align + ESPVTI_ESP_TRAILER)
		return 0;
	return round_down(mtu - over, sa->alg->align) - ESPVTI_ESP_TRAILER;
}

/*
 * Path MTU: an inner packet that does not fit and may not be fragmented is
 * answered with an ICMP "fragmentation needed" / "packet too big" carrying
 * the MTU usable inside the tunnel. IPv4 packets without DF (and inner MTUs
 * below what the inner protocol can go down to) are sent anyway, and the
 * outer packet may then be fragmented. For a GSO packet the size that
 * counts is that of its segments.
 * Return: false when the packet must be dropped (ICMP sent).
 */
static bool espvti_tx_pmtu(struct sk_buff *skb, const struct espvti_sa *sa,
			   struct espvti_tx *tx)
{
	unsigned int mtu = espvti_inner_mtu(sa, dst_mtu(tx->dst),
					    tx->outer_hlen + tx->encap_len);
	unsigned int min = tx->family == AF_INET ? IPV4_MIN_MTU : IPV6_MIN_MTU;

	tx->mtu = mtu;

	tx->frag = !tx->df || mtu < min;
	if (mtu >= min && skb_valid_dst(skb) && mtu < dst_mtu(skb_dst(skb)))
		skb_dst_update_pmtu_no_confirm(skb, mtu);
	if (tx->frag)
		return true;
	/* A GSO packet fits when each of its segments does. */
	if (skb_is_gso(skb) ? skb_gso_validate_network_len(skb, mtu) :
	    tx->len <= mtu)
		return true;

	if (tx->family == AF_INET)
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
	else
		icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
	return false;
}

/*
 * Takes @n consecutive sequence numbers (one per segment of a GSO packet) in
 * one atomic operation, so that a batch costs one write to the SA's counter
 * and its packets leave with consecutive numbers. The counter never wraps: it
 * stops at the last valid number (2^32 - 1, or 2^64 - 1 with ESN) and the SA
 * then hard-expires; a batch that meets the end gets the numbers that are
 * left. The soft warning goes out once, 2^24 numbers before the end.
 * Return: how many numbers were taken (0 when exhausted), the first in *@seq.
 */
static unsigned int espvti_seq_take(struct espvti_sa *sa, unsigned int n,
				    u64 *seq)
{
	u64 last = sa->esn ? U64_MAX : U32_MAX;
	s64 old = atomic64_read(&sa->seq_out);
	u64 take;

	do {
		if (unlikely((u64)old >= last)) {
			if (!test_and_set_bit(ESPVTI_SA_HARD_EXPIRED,
					      &sa->expire_state)) {
				sa->expire_reason = ESPVTI_EXPIRE_SEQ;
				espvti_nl_notify_expire(sa, true,
							ESPVTI_EXPIRE_SEQ);
			}
			return 0;
		}
		take = min_t(u64, n, last - (u64)old);
	} while (!atomic64_try_cmpxchg(&sa->seq_out, &old, old + take));

	*seq = (u64)old + 1;
	if (unlikely((u64)old + take >= last - (1ULL << 24) + 1) &&
	    !test_and_set_bit(ESPVTI_SA_SEQ_WARNED, &sa->expire_state)) {
		if (!test_and_set_bit(ESPVTI_SA_SOFT_EXPIRED, &sa->expire_state))
			sa->expire_reason = ESPVTI_EXPIRE_SEQ;
		espvti_nl_notify_expire(sa, false, ESPVTI_EXPIRE_SEQ);
	}
	return take;
}

static void espvti_push_ip4(struct sk_buff *skb, const struct espvti_tx *tx)
{
	struct iphdr *iph;

	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) >> 2;
	/*
	 * The inner DS field is copied whole: DSCP, and ECN with CE included
	 * (RFC 6040 normal mode, as RFC 4301 5.1.2.1 asks of IPsec).
	 */
	iph->tos = tx->dsfield;
	iph->tot_len = htons(skb->len);
	iph->frag_off = tx->frag || ip_mtu_locked(skb_dst(skb)) ? 0 : htons(IP_DF);
	iph->ttl = tx->ttl;
	iph->protocol = tx->encap_len ? IPPROTO_UDP : IPPROTO_ESP;
	iph->check = 0;
	iph->saddr = tx->saddr.s6_addr32[0];
	iph->daddr = tx->daddr.s6_addr32[0];
	ip_select_ident(dev_net(skb_dst(skb)->dev), skb, NULL);
}

static void espvti_push_ip6(struct sk_buff *skb, const struct espvti_tx *tx)
{
	struct ipv6hdr *ip6h;

	ip6h = skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	/* The DS field is copied whole, as for IPv4. */
	ip6_flow_hdr(ip6h, tx->dsfield, tx->flowlabel);
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	ip6h->nexthdr = tx->encap_len ? IPPROTO_UDP : IPPROTO_ESP;
	ip6h->hop_limit = tx->ttl;
	ip6h->saddr = tx->saddr;
	ip6h->daddr = tx->daddr;
	/* Fragmenting the outer packet is allowed when the sender allowed it. */
	skb->ignore_df = tx->frag;
}

/*
 * Puts the UDP header (ESP in UDP) and the outer IP header in front of
 * skb->data; the skb already holds the route. The UDP checksum is left zero
 * (RFC 3948 for IPv4); IPv6 needs one, over the final bytes: see
 * espvti_send().
 */
static void espvti_push_outer(struct sk_buff *skb, const struct espvti_tx *tx)
{
	if (tx->encap_len) {
		struct udphdr *uh = skb_push(skb, sizeof(*uh));

		uh->source = tx->sport;
		uh->dest = tx->dport;
		uh->len = htons(skb->len);
		uh->check = 0;
	}
	skb_reset_transport_header(skb);
	if (tx->outer_family == AF_INET)
		espvti_push_ip4(skb, tx);
	else
		espvti_push_ip6(skb, tx);
}

/* Hands a finished outer packet to the IP layer. */
static int espvti_send(struct sk_buff *skb, u8 family, bool encap)
{
	struct net *net = dev_net(skb_dst(skb)->dev);

	memset(skb->cb, 0, sizeof(skb->cb));
	if (family == AF_INET)
		return ip_local_out(net, NULL, skb);
	if (encap)
		udp6_set_csum(false, skb, &ipv6_hdr(skb)->saddr,
			      &ipv6_hdr(skb)->daddr,
			      skb->len - skb_transport_offset(skb));
	return ip6_local_out(net, NULL, skb);
}

/**
 * espvti_output_finish() - send an encrypted packet, or drop it
 * @pkt: the packet, its crypto over (@pkt->err says how)
 *
 * Sends the ESP packet or drops it, then releases the packet's crypto state,
 * its slot in the in-flight bounds and its SA reference. Called by
 * espvti_output_done() and, for packets of the parallel path, by the
 * device's transmit ordered stage (queue.c), with bottom halves disabled.
 */
void espvti_output_finish(struct espvti_pkt *pkt)
{
	struct espvti_sa *sa = pkt->sa;
	struct sk_buff *skb = pkt->skb;
	struct espvti_dev *edev = netdev_priv(sa->dev);
	unsigned int len = pkt->len;
	u8 family = pkt->outer_family;
	bool encap = pkt->encap;
	bool queued = pkt->queued;
	bool full = pkt->queue_full;
	int err = pkt->err;

	espvti_pkt_free(pkt);
	espvti_crypto_release(edev, sa);

	if (unlikely(full)) {
		espvti_count(edev, sa, ESPVTI_STAT_TX_QUEUE_FULL);
		kfree_skb(skb);
		goto put_sa;
	}
	if (unlikely(err)) {
		if (espvti_crypto_busy(err)) {
			espvti_count(edev, sa, ESPVTI_STAT_TX_CRYPTO_BUSY);
		} else {
			net_dbg_ratelimited("%s: encryption failed: %d\n",
					    sa->dev->name, err);
			espvti_count(edev, sa, ESPVTI_STAT_TX_ERRORS);
		}
		kfree_skb(skb);
		goto put_sa;
	}
	if (queued)
		espvti_stats_add(edev->stats, ESPVTI_STAT_TX_PARALLEL, 1);

	err = espvti_send(skb, family, encap);
	if (likely(!net_xmit_eval(err))) {
		espvti_stats_add_pb(edev->stats, ESPVTI_STAT_TX_PACKETS,
				    ESPVTI_STAT_TX_BYTES, len);
		espvti_stats_add_pb(sa->stats, ESPVTI_STAT_TX_PACKETS,
				    ESPVTI_STAT_TX_BYTES, len);
	} else {
		espvti_count(edev, sa, ESPVTI_STAT_TX_ERRORS);
	}
put_sa:
	espvti_sa_put(sa);
}

/*
 * Completion of the encryption, synchronous or not: called with the result
 * of crypto_aead_encrypt() (returns at once on -EINPROGRESS: the callback
 * follows) and from the callback. A packet of the parallel path goes back
 * to its ordered queue; any other is finished here.
 */
static void espvti_output_done(struct espvti_pkt *pkt, int err)
{
	/*
	 * Before anything reads @pkt: with an asynchronous AEAD the callback
	 * may already have completed and freed it on another CPU.
	 */
	if (err == -EINPROGRESS)
		return;
	if (pkt->queued) {
		espvti_queue_done(pkt, err);
		return;
	}
	pkt->err = err;
	espvti_output_finish(pkt);
}

/* Drops a built packet that will not be encrypted, counted in @stat. */
static void espvti_output_abort(struct espvti_pkt *pkt, unsigned int stat)
{
	struct espvti_sa *sa = pkt->sa;
	struct sk_buff *skb = pkt->skb;
	struct espvti_dev *edev = netdev_priv(sa->dev);

	espvti_pkt_free(pkt);
	espvti_crypto_release(edev, sa);
	espvti_count(edev, sa, stat);
	kfree_skb(skb);
	espvti_sa_put(sa);
}

static ESPVTI_CRYPTO_CB(espvti_output_cb)
{
	struct espvti_pkt *pkt = ESPVTI_CRYPTO_CB_DATA();

	/*
	 * Only a backlogged request reports -EINPROGRESS before completing;
	 * espvti never asks for the backlog, and espvti_output_done() ignores it.
	 * Any other call completes @pkt, which is still ours until then.
	 */
	local_bh_disable();
	if (err != -EINPROGRESS)
		espvti_count(netdev_priv(pkt->sa->dev), pkt->sa,
			     ESPVTI_STAT_TX_CRYPTO_ASYNC);
	espvti_output_done(pkt, err);
	local_bh_enable();
}

/*
 * Builds the ESP packet around the inner packet (trailer, ESP header, IV,
 * outer header) and sets up its encryption, all but the sequence number
 * (espvti_pkt_set_seq()). On success the skb, the route and the SA
 * reference belong to the returned crypto state.
 * Return: the crypto state, or NULL (skb and route untouched by ownership:
 * the caller frees them).
 */
static struct espvti_pkt *espvti_tx_build(struct net_device *dev,
					  struct sk_buff *skb,
					  struct espvti_sa *sa,
					  struct espvti_tx *tx)
{
	unsigned int ivlen = sa->alg->iv_len, icv = sa->icv_len;
	unsigned int plen = ALIGN(tx->len + ESPVTI_ESP_TRAILER, sa->alg->align);
	unsigned int padlen = plen - tx->len - ESPVTI_ESP_TRAILER;
	unsigned int tailen = padlen + ESPVTI_ESP_TRAILER + icv;
	struct ip_esp_hdr *esph;
	struct espvti_pkt *pkt;
	struct sk_buff *trailer;
	unsigned int i;
	int nfrags;
	u8 *tail;

	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		return NULL;
	if (skb_cow_head(skb, tx->outer_hlen + tx->encap_len + ESPVTI_ESP_HLEN +
			 ivlen + LL_RESERVED_SPACE(tx->dst->dev)))
		return NULL;
	nfrags = skb_cow_data(skb, tailen, &trailer);
	if (nfrags < 0)
		return NULL;
	pkt = espvti_pkt_alloc(sa, skb, nfrags);
	if (!pkt)
		return NULL;

	/* Trailer: padding 1, 2, 3, ..., pad length, next header; ICV space. */
	tail = pskb_put(skb, trailer, tailen);
	for (i = 0; i < padlen; i++)
		tail[i] = i + 1;
	tail[padlen] = padlen;
	tail[padlen + 1] = tx->nexthdr;

	/*
	 * ESP header and IV; the sequence number, which is also the IV (unique
	 * under this key), is written when the packet is queued.
	 */
	esph = skb_push(skb, ESPVTI_ESP_HLEN + ivlen);
	esph->spi = htonl(sa->spi);

	skb_scrub_packet(skb, !net_eq(dev_net(dev), dev_net(tx->dst->dev)));
	skb_dst_set(skb, tx->dst);
	tx->dst = NULL;		/* the skb holds the route now */
	skb->ip_summed = CHECKSUM_NONE;
	espvti_push_outer(skb, tx);

	pkt->len = tx->len;
	pkt->outer_family = tx->outer_family;
	pkt->encap = tx->encap_len;
	if (espvti_pkt_map(pkt, tx->outer_hlen + tx->encap_len, plen, true,
			   espvti_output_cb)) {
		espvti_pkt_free(pkt);
		return NULL;
	}
	return pkt;
}

/* Counts a dropped packet as the number of segments it would have made. */
static void espvti_tx_count(struct espvti_dev *edev, struct espvti_sa *sa,
			    unsigned int stat, const struct sk_buff *skb)
{
	u64 n = skb_is_gso(skb) ? max_t(u16, skb_shinfo(skb)->gso_segs, 1) : 1;

	espvti_stats_add(edev->stats, stat, n);
	if (sa)
		espvti_stats_add(sa->stats, stat, n);
}

/*
 * The work done once per packet handed to the device, whole GSO packets
 * included: outbound SA, inner header and selectors (every segment has the
 * same addresses), route, path MTU (of the segments), MSS clamping and the
 * outer flow label. Called under rcu_read_lock_bh().
 * Return: the outbound SA (no reference taken), with @tx filled and
 * @tx->dst held; or NULL when the packet must be dropped (counted; @tx->dst
 * is then NULL or held, for the caller to release).
 */
static struct espvti_sa *espvti_xmit_prepare(struct espvti_dev *edev,
					     struct sk_buff *skb,
					     struct espvti_tx *tx)
{
	struct net_device *dev = edev->dev;
	struct espvti_endpoint *ep;
	struct espvti_sa *sa;
	unsigned int stat;
	int err;

	sa = rcu_dereference_bh(edev->sa_out);
	if (unlikely(!sa || espvti_sa_hard_expired(sa))) {
		espvti_tx_count(edev, sa, sa ? ESPVTI_STAT_TX_EXPIRED :
				ESPVTI_STAT_TX_NO_SA, skb);
		espvti_nl_notify_acquire(edev, skb);
		return NULL;
	}

	stat = espvti_tx_inner(skb, sa, tx);
	if (unlikely(stat)) {
		espvti_tx_count(edev, sa, stat, skb);
		return NULL;
	}

	ep = rcu_dereference_bh(edev->ep);
	if (unlikely(!ep || !ep->family || ipv6_addr_any(&ep->remote))) {
		espvti_tx_count(edev, sa, ESPVTI_STAT_TX_NO_ROUTE, skb);
		return NULL;
	}
	err = espvti_tx_route(dev, ep, tx);
	if (unlikely(err)) {
		net_dbg_ratelimited("%s: no route to the remote endpoint: %d\n",
				    dev->name, err);
		espvti_tx_count(edev, sa, ESPVTI_STAT_TX_NO_ROUTE, skb);
		espvti_tx_unreachable(skb, tx);
		return NULL;
	}
	if (unlikely(!espvti_tx_pmtu(skb, sa, tx))) {
		espvti_tx_count(edev, sa, ESPVTI_STAT_TX_TOO_BIG, skb);
		return NULL;
	}
	if (READ_ONCE(edev->mss_mtu) != tx->mtu)
		WRITE_ONCE(edev->mss_mtu, tx->mtu);
	if (espvti_mss_clamp(edev, skb, tx->mtu))
		espvti_count(edev, NULL, ESPVTI_STAT_TCP_MSS_CLAMPED);

	/* Flow label from the inner flow; the segments inherit the hash. */
	if (tx->outer_family == AF_INET6)
		tx->flowlabel = (__force __be32)rol32(skb_get_hash(skb), 16) &
				IPV6_FLOWLABEL_MASK;
	return sa;
}

/*
 * The work done for each ESP packet before its sequence number: lifetime,
 * in-flight bound and building. Consumes @tx->dst.
 * Return: the packet's crypto state, which owns @skb and one reference on
 * @sa; or NULL when it was dropped (counted; @skb and the reference gone).
 */
static struct espvti_pkt *espvti_xmit_seg(struct espvti_dev *edev,
					  struct sk_buff *skb,
					  struct espvti_sa *sa,
					  struct espvti_tx *tx)
{
	struct espvti_pkt *pkt;

	tx->len = skb->len;
	if (unlikely(!espvti_sa_account(sa, tx->len))) {
		espvti_count(edev, sa, ESPVTI_STAT_TX_EXPIRED);
		goto drop;
	}
	if (unlikely(!espvti_crypto_charge(edev, sa))) {
		espvti_count(edev, sa, ESPVTI_STAT_TX_CRYPTO_BUSY);
		goto drop;
	}
	pkt = espvti_tx_build(edev->dev, skb, sa, tx);
	if (unlikely(!pkt)) {
		espvti_crypto_release(edev, sa);
		espvti_count(edev, sa, ESPVTI_STAT_TX_ERRORS);
		goto drop;
	}
	return pkt;

drop:
	dst_release(tx->dst);
	espvti_sa_put(sa);
	kfree_skb(skb);
	return NULL;
}

/* The ESP header of a packet built by espvti_tx_build(). */
static u8 *espvti_tx_esp(const struct espvti_pkt *pkt)
{
	return skb_transport_header(pkt->skb) + (pkt->encap ? ESPVTI_UDP_HLEN : 0);
}

/*
 * Sends the packets of @list (one packet, or the segments of one GSO
 * packet) with the SA, route and checks of espvti_xmit_prepare(): one SA
 * reference per packet, taken together, and a block of sequence numbers
 * for those that were built. On the parallel path (queue.c) the numbers are
 * taken under the device's transmit queue lock and the packets queued in
 * the same breath, so that they reach the wire in sequence order whichever
 * CPU encrypts them; otherwise each is encrypted here.
 * Consumes @list; @tx->dst stays the caller's.
 */
static void espvti_xmit_list(struct espvti_dev *edev, struct sk_buff *list,
			     struct espvti_sa *sa, const struct espvti_tx *tx)
{
	struct espvti_pkt *pkt, *tmp;
	struct sk_buff *skb, *next;
	struct espvti_tx seg_tx;
	unsigned int n = 0, taken;
	LIST_HEAD(pkts);
	bool parallel;
	u64 seq = 0;

	skb_list_walk_safe(list, skb, next)
		n++;
	if (unlikely(!espvti_sa_get(sa))) {
		/* Replaced and released since we read the pointer. */
		skb_list_walk_safe(list, skb, next) {
			skb_mark_not_on_list(skb);
			espvti_count(edev, NULL, ESPVTI_STAT_TX_NO_SA);
			kfree_skb(skb);
		}
		return;
	}
	if (n > 1)
		espvti_sa_get_more(sa, n - 1);

	n = 0;
	skb_list_walk_safe(list, skb, next) {
		skb_mark_not_on_list(skb);
		seg_tx = *tx;
		seg_tx.dst = dst_clone(tx->dst);
		pkt = espvti_xmit_seg(edev, skb, sa, &seg_tx);
		if (pkt) {
			list_add_tail(&pkt->list, &pkts);
			n++;
		}
	}
	if (!n)
		return;

	parallel = espvti_parallel();
	if (parallel)
		spin_lock(&edev->txq.lock);
	taken = espvti_seq_take(sa, n, &seq);
	list_for_each_entry_safe(pkt, tmp, &pkts, list) {
		list_del(&pkt->list);
		if (unlikely(!taken)) {
			espvti_output_abort(pkt, ESPVTI_STAT_TX_SEQ_EXHAUSTED);
			continue;
		}
		taken--;
		espvti_pkt_set_seq(pkt, espvti_tx_esp(pkt), seq++);
		if (parallel) {
			pkt->queued = true;
			pkt->state = ESPVTI_PKT_CRYPTING;
			list_add_tail(&pkt->list, &edev->txq.list);
			espvti_queue_submit(pkt);
		} else {
			espvti_output_done(pkt, espvti_pkt_encrypt(pkt));
		}
	}
	if (parallel)
		spin_unlock(&edev->txq.lock);
}

/**
 * espvti_xmit() - transmit an inner packet through the tunnel
 * @skb: the inner IPv4 or IPv6 packet
 * @dev: the espvti device
 *
 * Called by ndo_start_xmit (LLTX, any CPU, concurrently). Every packet is
 * consumed: sent, or dropped with a counter saying why.
 *
 * The device advertises software GSO (device.c), so the stack hands over
 * large TCP and UDP packets unsegmented. The checks, the route and the path
 * MTU are done once for such a packet, which is then segmented here; each
 * segment becomes its own ESP packet, with consecutive sequence numbers.
 *
 * Return: NETDEV_TX_OK.
 */
netdev_tx_t espvti_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct espvti_dev *edev = netdev_priv(dev);
	struct espvti_tx tx = {};
	struct espvti_sa *sa;
	struct sk_buff *segs;

	/* No link-layer header: the packet starts with its IP header. */
	skb_reset_network_header(skb);
	rcu_read_lock_bh();
	sa = espvti_xmit_prepare(edev, skb, &tx);
	if (unlikely(!sa))
		goto drop;
	if (skb_is_gso(skb)) {
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			espvti_tx_count(edev, sa, ESPVTI_STAT_TX_ERRORS, skb);
			goto drop;
		}
		consume_skb(skb);
		skb = segs;
	}
	espvti_xmit_list(edev, skb, sa, &tx);
	dst_release(tx.dst);
	rcu_read_unlock_bh();
	return NETDEV_TX_OK;

drop:
	dst_release(tx.dst);
	rcu_read_unlock_bh();
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

/**
 * espvti_output_udp() - send a datagram of the device's own (not ESP) from
 * its encapsulation port to the peer's
 * @edev: the device
 * @ep: its endpoint, with UDP encapsulation
 * @data: the UDP payload
 * @len: its length
 *
 * Routes to the remote endpoint and builds the outer IP and UDP headers as
 * for ESP in UDP (RFC 3948); used for NAT keepalives (udp.c). A failure is
 * counted here (tx_no_route, tx_errors). Called under rcu_read_lock_bh().
 *
 * Return: 0 when the datagram was handed to the IP layer, else a negative
 * errno.
 */
int espvti_output_udp(struct espvti_dev *edev, struct espvti_endpoint *ep,
		      const void *data, unsigned int len)
{
	struct espvti_tx tx = {};
	struct sk_buff *skb;
	unsigned int room;
	int err;

	err = espvti_tx_route(edev->dev, ep, &tx);
	if (err) {
		espvti_count(edev, NULL, ESPVTI_STAT_TX_NO_ROUTE);
		return err;
	}
	room = LL_RESERVED_SPACE(tx.dst->dev) + tx.outer_hlen + tx.encap_len;
	skb = alloc_skb(room + len, GFP_ATOMIC);
	if (!skb) {
		dst_release(tx.dst);
		espvti_count(edev, NULL, ESPVTI_STAT_TX_ERRORS);
		return -ENOMEM;
	}
	skb_reserve(skb, room);
	skb_put_data(skb, data, len);
	skb_dst_set(skb, tx.dst);
	espvti_push_outer(skb, &tx);
	/* net_xmit_eval() reads its argument twice: not a call. */
	err = espvti_send(skb, tx.outer_family, true);
	err = net_xmit_eval(err);
	if (err)
		espvti_count(edev, NULL, ESPVTI_STAT_TX_ERRORS);
	return err;
}
