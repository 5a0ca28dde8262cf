// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Receive path. espvti puts a handler at the head of the kernel's ESP
 * handler chains (xfrm4_protocol / xfrm6_protocol), above ip_vti (100),
 * xfrm interfaces (10) and esp4/esp6 (0). A packet whose SPI is one of the
 * namespace's inbound espvti SAs is taken; any other goes on down the chain,
 * so the kernel's own IPsec keeps working beside espvti.
 *
 * A taken packet is checked (length, SA state, a lockless replay filter),
 * decrypted in place (in its own page fragments when no one else can see
 * them, else in a private copy), checked again (replay window, under the
 * SA's lock, only once the ICV has verified), stripped of ESP, checked
 * against the selectors and delivered on the espvti device through GRO. The
 * done function is shared by synchronous and asynchronous transforms; the
 * packet holds a reference on its SA until it is done. ESP carried in UDP
 * (RFC 3948) enters the same path through espvti_input_encap(), from the UDP
 * sockets of udp.c.
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/ndisc.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/xfrm.h>

#include "crypto.h"
#include "device.h"
#include "esp.h"
#include "input.h"
#include "queue.h"
#include "replay.h"
#include "reserve.h"
#include "sa.h"

/*
 * Position in the ESP handler chains: above ip_vti (100) and xfrm interfaces
 * (10), so espvti sees packets first; handlers of equal priority are refused
 * by the chain, which makes a collision visible at load time.
 */
#define ESPVTI_XFRM_PRIORITY	120

/* Drop reasons beyond the named counters (enum espvti_stat_attrs). */
enum {
	ESPVTI_RX_DELIVER = 0,
	/* Out of memory or an unexpected crypto error: the device's rx_dropped. */
	ESPVTI_RX_NOMEM = __ESPVTI_STAT_MAX,
};

static void espvti_rx_drop(struct espvti_dev *edev, struct espvti_sa *sa,
			   struct sk_buff *skb, unsigned int why)
{
	if (why == ESPVTI_RX_NOMEM)
		dev_core_stats_rx_dropped_inc(edev->dev);
	else
		espvti_count(edev, sa, why);
	kfree_skb(skb);
}

/* Checks the padding (RFC 4303 2.4: 1, 2, 3, ...) of a decrypted packet. */
static bool espvti_padding_ok(const struct sk_buff *skb, unsigned int off,
			      unsigned int padlen)
{
	u8 buf[32];
	unsigned int done = 0, n, i;

	while (done < padlen) {
		n = min_t(unsigned int, padlen - done, sizeof(buf));
		if (skb_copy_bits(skb, off + done, buf, n))
			return false;
		for (i = 0; i < n; i++)
			if (buf[i] != (u8)(done + i + 1))
				return false;
		done += n;
	}
	return true;
}

/*
 * Keeps the inner addresses of a packet that the inbound selectors refused,
 * for espctl diagnose (ESPVTI_A_RX_SEL_*): which traffic the peer sends
 * that this side does not accept. Only authentic packets get here.
 */
static void espvti_rx_sel_note(const struct espvti_sa *sa, u8 family,
			       const void *src, const void *dst)
{
	struct espvti_dev *edev = netdev_priv(sa->dev);
	size_t len = family == AF_INET ? 4 : 16;

	spin_lock(&edev->sel_lock);
	edev->sel_family = family;
	memset(&edev->sel_src, 0, sizeof(edev->sel_src));
	memset(&edev->sel_dst, 0, sizeof(edev->sel_dst));
	memcpy(&edev->sel_src, src, len);
	memcpy(&edev->sel_dst, dst, len);
	spin_unlock(&edev->sel_lock);
}

/*
 * Validates the inner IPv4 header at skb->data, drops any TFC padding after
 * the packet and checks the selectors.
 * Return: ESPVTI_RX_DELIVER or a drop reason.
 */
static unsigned int espvti_rx_inner4(struct sk_buff *skb,
				     const struct espvti_sa *sa, u8 *dsfield)
{
	const struct iphdr *iph;
	unsigned int ihl, len;

	if (!pskb_may_pull(skb, sizeof(*iph)))
		return ESPVTI_STAT_RX_BAD_INNER;
	iph = ip_hdr(skb);
	ihl = iph->ihl * 4;
	if (iph->version != 4 || ihl < sizeof(*iph))
		return ESPVTI_STAT_RX_BAD_INNER;
	if (!pskb_may_pull(skb, ihl))
		return ESPVTI_STAT_RX_BAD_INNER;
	len = ntohs(ip_hdr(skb)->tot_len);
	if (len < ihl || len > skb->len)
		return ESPVTI_STAT_RX_BAD_INNER;
	if (pskb_trim(skb, len))
		return ESPVTI_RX_NOMEM;
	iph = ip_hdr(skb);
	if (!espvti_ts_contains(&sa->ts_remote, AF_INET, &iph->saddr) ||
	    !espvti_ts_contains(&sa->ts_local, AF_INET, &iph->daddr)) {
		espvti_rx_sel_note(sa, AF_INET, &iph->saddr, &iph->daddr);
		return ESPVTI_STAT_RX_SELECTOR;
	}
	*dsfield = ipv4_get_dsfield(iph);
	skb->protocol = htons(ETH_P_IP);
	return ESPVTI_RX_DELIVER;
}

/* The same for an inner IPv6 packet. */
static unsigned int espvti_rx_inner6(struct sk_buff *skb,
				     const struct espvti_sa *sa, u8 *dsfield)
{
	const struct ipv6hdr *ip6h;
	unsigned int len;

	if (!pskb_may_pull(skb, sizeof(*ip6h)))
		return ESPVTI_STAT_RX_BAD_INNER;
	ip6h = ipv6_hdr(skb);
	if (ip6h->version != 6)
		return ESPVTI_STAT_RX_BAD_INNER;
	len = sizeof(*ip6h) + ntohs(ip6h->payload_len);
	if (len > skb->len)
		return ESPVTI_STAT_RX_BAD_INNER;
	if (pskb_trim(skb, len))
		return ESPVTI_RX_NOMEM;
	ip6h = ipv6_hdr(skb);
	if (!espvti_ts_contains(&sa->ts_remote, AF_INET6, &ip6h->saddr) ||
	    !espvti_ts_contains(&sa->ts_local, AF_INET6, &ip6h->daddr)) {
		/* The peer device's own link chatter (see tx_link_local). */
		if ((ipv6_addr_type(&ip6h->saddr) | ipv6_addr_type(&ip6h->daddr)) &
		    IPV6_ADDR_LINKLOCAL)
			return ESPVTI_STAT_RX_LINK_LOCAL;
		espvti_rx_sel_note(sa, AF_INET6, &ip6h->saddr, &ip6h->daddr);
		return ESPVTI_STAT_RX_SELECTOR;
	}
	*dsfield = ipv6_get_dsfield(ip6h);
	skb->protocol = htons(ETH_P_IPV6);
	return ESPVTI_RX_DELIVER;
}

/*
 * After the ICV verified and the replay window accepted the packet: checks
 * the trailer, removes ESP and checks the inner packet.
 * Return: ESPVTI_RX_DELIVER or a drop reason.
 */
static unsigned int espvti_rx_decap(struct sk_buff *skb, struct espvti_sa *sa,
				    u8 outer_tos)
{
	unsigned int hlen = ESPVTI_ESP_HLEN + sa->alg->iv_len;
	unsigned int plen = skb->len - hlen - sa->icv_len;
	unsigned int padlen, why;
	u8 tail[ESPVTI_ESP_TRAILER], inner_tos;

	if (skb_copy_bits(skb, hlen + plen - ESPVTI_ESP_TRAILER, tail,
			  sizeof(tail)))
		return ESPVTI_STAT_RX_BAD_TRAILER;
	padlen = tail[0];
	if (padlen + ESPVTI_ESP_TRAILER > plen ||
	    !espvti_padding_ok(skb, hlen + plen - ESPVTI_ESP_TRAILER - padlen,
			       padlen))
		return ESPVTI_STAT_RX_BAD_TRAILER;

	switch (tail[1]) {
	case ESPVTI_NEXTHDR_IPV4:
	case ESPVTI_NEXTHDR_IPV6:
		break;
	case ESPVTI_NEXTHDR_DUMMY:
		/* RFC 4303 2.6: dropped without complaint, but counted. */
		return ESPVTI_STAT_RX_DUMMY;
	default:
		return ESPVTI_STAT_RX_BAD_INNER;
	}

	if (pskb_trim(skb, hlen + plen - ESPVTI_ESP_TRAILER - padlen))
		return ESPVTI_RX_NOMEM;
	if (!pskb_pull(skb, hlen))
		return ESPVTI_STAT_RX_BAD_INNER;
	skb_reset_network_header(skb);

	if (tail[1] == ESPVTI_NEXTHDR_IPV4)
		why = espvti_rx_inner4(skb, sa, &inner_tos);
	else
		why = espvti_rx_inner6(skb, sa, &inner_tos);
	if (why)
		return why;

	if (!espvti_sa_account(sa, skb->len))
		return ESPVTI_STAT_RX_EXPIRED;

	/* RFC 6040: CE on a not-ECT inner packet cannot be passed on. */
	if (INET_ECN_decapsulate(skb, outer_tos, inner_tos) > 1)
		return ESPVTI_STAT_RX_BAD_INNER;
	return ESPVTI_RX_DELIVER;
}

/* The outer source address of a packet, before decapsulation. */
static void espvti_rx_outer_saddr(const struct sk_buff *skb, u8 outer_family,
				  struct in6_addr *from)
{
	if (outer_family == AF_INET) {
		ipv6_addr_set(from, ip_hdr(skb)->saddr, 0, 0, 0);
		return;
	}
	*from = ipv6_hdr(skb)->saddr;
}

/**
 * espvti_input_finish() - deliver a decrypted packet, or drop it
 * @pkt: the packet, its crypto over (@pkt->err says how)
 * @napi: the device's NAPI when called from its poll (parallel path,
 *	queue.c), else NULL (delivery through the device's GRO cells)
 *
 * Replay window, decapsulation, selectors, delivery. Releases the packet's
 * crypto state, its slot in the in-flight bounds and, last, its SA
 * reference. Bottom halves disabled.
 */
void espvti_input_finish(struct espvti_pkt *pkt, struct napi_struct *napi)
{
	struct in6_addr from = {};
	struct espvti_dev *edev;
	struct net_device *dev;
	struct espvti_sa *sa;
	struct sk_buff *skb;
	u8 outer_family, outer_tos;
	unsigned int why;
	bool fresh, top, full;
	__be16 sport;
	bool encap;
	u64 seq;
	int err;

	sa = pkt->sa;
	skb = pkt->skb;
	edev = netdev_priv(sa->dev);
	dev = edev->dev;
	outer_family = pkt->outer_family;
	outer_tos = pkt->outer_tos;
	sport = pkt->sport;
	encap = pkt->encap;
	seq = pkt->seq;
	err = pkt->err;
	full = pkt->queue_full;
	espvti_pkt_free(pkt);
	espvti_crypto_release(edev, sa);

	if (unlikely(full)) {
		why = ESPVTI_STAT_RX_QUEUE_FULL;
		goto drop;
	}
	if (unlikely(err)) {
		if (err == -EBADMSG) {
			why = ESPVTI_STAT_RX_AUTH_FAIL;
		} else if (espvti_crypto_busy(err)) {
			why = ESPVTI_STAT_RX_CRYPTO_BUSY;
		} else {
			net_dbg_ratelimited("%s: decryption failed: %d\n",
					    dev->name, err);
			why = ESPVTI_RX_NOMEM;
		}
		goto drop;
	}

	spin_lock(&sa->replay_lock);
	fresh = espvti_replay_advance(sa->replay, seq);
	top = fresh && espvti_replay_is_top(sa->replay, seq);
	spin_unlock(&sa->replay_lock);
	if (unlikely(!fresh)) {
		why = ESPVTI_STAT_RX_REPLAY;
		goto drop;
	}
	if (encap && top)
		espvti_rx_outer_saddr(skb, outer_family, &from);

	why = espvti_rx_decap(skb, sa, outer_tos);
	if (unlikely(why))
		goto drop;
	/*
	 * Authentic, the newest yet, and well formed: the peer may have moved
	 * behind its NAT. Not for an older packet completing late.
	 */
	if (encap && top)
		espvti_udp_float(edev, outer_family, &from, sport);

	skb_scrub_packet(skb, !net_eq(dev_net(skb->dev), dev_net(dev)));
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	/*
	 * The ICV covered every byte of the inner packet: it is what the peer
	 * sent, so its checksums, at every level, need no second look (as
	 * WireGuard does); TCP then copies to the reader without summing.
	 */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = ~0;
	skb_reset_mac_header(skb);
	skb_reset_transport_header(skb);
	skb_clear_hash(skb);
	if (espvti_mss_clamp(edev, skb, READ_ONCE(edev->mss_mtu)))
		espvti_stats_add(edev->stats, ESPVTI_STAT_TCP_MSS_CLAMPED, 1);
	espvti_stats_add_pb(edev->stats, ESPVTI_STAT_RX_PACKETS,
			    ESPVTI_STAT_RX_BYTES, skb->len);
	espvti_stats_add_pb(sa->stats, ESPVTI_STAT_RX_PACKETS,
			    ESPVTI_STAT_RX_BYTES, skb->len);
	if (!napi) {
		gro_cells_receive(&edev->gro_cells, skb);
	} else if (likely(dev->flags & IFF_UP)) {
		espvti_stats_add(edev->stats, ESPVTI_STAT_RX_PARALLEL, 1);
		napi_gro_receive(napi, skb);
	} else {
		/* As gro_cells_receive() does on a device that is down. */
		dev_core_stats_rx_dropped_inc(dev);
		kfree_skb(skb);
	}
	espvti_sa_put(sa);
	return;

drop:
	espvti_rx_drop(edev, sa, skb, why);
	espvti_sa_put(sa);
}

/*
 * Completion of the decryption, synchronous or not: called with the result
 * of crypto_aead_decrypt() (returns at once on -EINPROGRESS: the callback
 * follows) and from the callback. A packet of the parallel path goes back
 * to its ordered queue; any other is finished here.
 */
static void espvti_input_done(struct espvti_pkt *pkt, int err)
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
	espvti_input_finish(pkt, NULL);
}

static ESPVTI_CRYPTO_CB(espvti_input_cb)
{
	struct espvti_pkt *pkt = ESPVTI_CRYPTO_CB_DATA();

	/*
	 * Only a backlogged request reports -EINPROGRESS before completing;
	 * espvti never asks for the backlog, and espvti_input_done() ignores it.
	 * Any other call completes @pkt, which is still ours until then.
	 */
	local_bh_disable();
	if (err != -EINPROGRESS)
		espvti_count(netdev_priv(pkt->sa->dev), pkt->sa,
			     ESPVTI_STAT_RX_CRYPTO_ASYNC);
	espvti_input_done(pkt, err);
	local_bh_enable();
}

/**
 * espvti_rx_in_place_ok() - may a received packet be decrypted where it lies?
 * @skb: the ESP packet, held by the receive path alone (not shared)
 *
 * Decryption writes the plaintext over the ciphertext, so every byte it
 * writes must be this skb's alone. The head and the page fragments are when
 * the skb is not a clone and has none (a packet socket that took the packet,
 * tcpdump for one, holds a clone that must keep seeing the ciphertext), has
 * no frag_list (other skbs, which may be clones themselves), and has no page
 * marked shared (SKBFL_SHARED_FRAG: pages that user space or a file may still
 * read or write, from splice, sendpage or zero-copy transmit looped back).
 * What a NIC driver hands up from its receive ring (the payload in page
 * fragments, the headers in the head) normally passes, and is then decrypted
 * without a copy; anything else is copied by skb_cow_data() first.
 *
 * Ask before pulling anything into the head: __pskb_pull_tail() gives a
 * clone a private head, after which skb_cloned() is false, but leaves its
 * page fragments shared with the other clone. espvti therefore reads the
 * SPI with skb_header_pointer() (espvti_rcv(), espvti_udp_rcv()) and asks
 * first thing in espvti_input(). The headers before ESP were pulled by the
 * IP and UDP layers before espvti could look; drivers and GRO put those in
 * the head before any packet socket clones a packet, so no pull happens
 * there in practice, but a clone un-cloned by such a pull would not be seen.
 *
 * The skb stays the receive path's until the done function, whether the
 * transform is synchronous or not: nothing else holds it to write to it.
 *
 * Return: true when the scatterlist may map the head and fragments as they
 * are: at most skb_shinfo(skb)->nr_frags + 1 entries.
 */
static bool espvti_rx_in_place_ok(const struct sk_buff *skb)
{
	return !skb_cloned(skb) && !skb_has_frag_list(skb) &&
	       !skb_has_shared_frag(skb);
}

/*
 * Makes the packet writable for decryption in place, copying it unless
 * espvti_rx_in_place_ok() said, before the first pull, that it may be
 * decrypted where it lies.
 * Return: the number of scatterlist entries its data may need, or a negative
 * error when it could not be copied.
 */
static int espvti_rx_make_writable(struct sk_buff *skb, bool in_place)
{
	struct sk_buff *trailer;

	if (in_place)
		return skb_shinfo(skb)->nr_frags + 1;
	return skb_cow_data(skb, 0, &trailer);
}

/*
 * Processes an ESP packet of one of our SAs; skb->data is the ESP header,
 * the network header is the outer IP header. Consumes the packet and the SA
 * reference. @encap: the packet came in UDP from port @sport.
 */
static void espvti_input(struct sk_buff *skb, struct espvti_sa *sa,
			 u8 outer_family, bool encap, __be16 sport)
{
	struct espvti_dev *edev = netdev_priv(sa->dev);
	unsigned int hlen = ESPVTI_ESP_HLEN + sa->alg->iv_len;
	bool in_place = espvti_rx_in_place_ok(skb);	/* before any pull */
	struct espvti_pkt *pkt;
	unsigned int why;
	int plen, nfrags;
	u8 outer_tos;
	u64 seq;

	plen = (int)skb->len - (int)hlen - sa->icv_len;
	if (unlikely(plen < ESPVTI_ESP_TRAILER || plen % sa->alg->align ||
		     !pskb_may_pull(skb, hlen))) {
		why = ESPVTI_STAT_RX_MALFORMED;
		goto drop;
	}
	if (unlikely(espvti_sa_hard_expired(sa))) {
		why = ESPVTI_STAT_RX_EXPIRED;
		goto drop;
	}
	seq = espvti_replay_seq(sa->replay,
				ntohl(((struct ip_esp_hdr *)skb->data)->seq_no),
				sa->esn);
	if (!espvti_replay_check(sa->replay, seq)) {
		why = ESPVTI_STAT_RX_REPLAY;
		goto drop;
	}

	if (outer_family == AF_INET)
		outer_tos = ip_hdr(skb)->tos;
	else
		outer_tos = ipv6_get_dsfield(ipv6_hdr(skb));

	/* Bounded before any work is spent on a packet not yet authentic. */
	if (unlikely(!espvti_crypto_charge(edev, sa))) {
		why = ESPVTI_STAT_RX_CRYPTO_BUSY;
		goto drop;
	}
	nfrags = espvti_rx_make_writable(skb, in_place);
	if (unlikely(nfrags < 0)) {
		why = ESPVTI_RX_NOMEM;
		goto drop_release;
	}
	pkt = espvti_pkt_alloc(sa, skb, nfrags);
	if (unlikely(!pkt)) {
		why = ESPVTI_RX_NOMEM;
		goto drop_release;
	}
	pkt->seq = seq;
	pkt->outer_family = outer_family;
	pkt->outer_tos = outer_tos;
	pkt->encap = encap;
	pkt->sport = sport;
	if (unlikely(espvti_pkt_map(pkt, 0, plen, false, espvti_input_cb))) {
		espvti_pkt_free(pkt);
		why = ESPVTI_RX_NOMEM;
		goto drop_release;
	}
	if (espvti_parallel()) {
		/* In order of arrival; decrypted by whichever CPU (queue.c). */
		pkt->queued = true;
		pkt->state = ESPVTI_PKT_CRYPTING;
		spin_lock(&edev->rxq.lock);
		list_add_tail(&pkt->list, &edev->rxq.list);
		spin_unlock(&edev->rxq.lock);
		espvti_queue_submit(pkt);
		return;
	}
	espvti_input_done(pkt, espvti_pkt_decrypt(pkt));
	return;

drop_release:
	espvti_crypto_release(edev, sa);
drop:
	espvti_rx_drop(edev, sa, skb, why);
	espvti_sa_put(sa);
}

/*
 * The chain's .handler: takes the packet when its SPI belongs to an inbound
 * espvti SA of the namespace, or is reserved by a device waiting for its SA
 * (reserve.c), else returns -EINVAL to pass it on.
 */
static int espvti_rcv(struct sk_buff *skb, u8 outer_family)
{
	struct net *net = dev_net(skb->dev);
	const struct ip_esp_hdr *esph;
	struct ip_esp_hdr buf;
	struct espvti_sa *sa;
	bool held = false;
	u32 spi;

	/*
	 * Read, not pulled: see espvti_rx_in_place_ok(). Shorter than an ESP
	 * header, it is left to the rest of the chain (xfrm counts it).
	 */
	esph = skb_header_pointer(skb, 0, sizeof(buf), &buf);
	if (!esph)
		return -EINVAL;
	spi = ntohl(esph->spi);

	rcu_read_lock();
	sa = espvti_sa_lookup_in(net, spi);
	if (sa && !espvti_sa_get(sa))
		sa = NULL;
	if (!sa)
		held = espvti_resv_hold(net, spi, skb, outer_family, false, 0);
	rcu_read_unlock();
	if (held)
		return 0;
	if (!sa)
		return -EINVAL;

	espvti_input(skb, sa, outer_family, false, 0);
	return 0;
}

/**
 * espvti_input_encap() - receive an ESP packet that arrived in UDP
 * @skb: the packet; skb->data is the ESP header (UDP header pulled), the
 *	network header the outer IP header
 * @sa: the inbound SA of its SPI, with a reference that passes to the
 *	receive path
 * @outer_family: AF_INET or AF_INET6
 * @sport: UDP source port, for following the peer behind a NAT
 *
 * Called from the encap_rcv hook of the UDP sockets (udp.c), in softirq.
 * Consumes @skb and the reference on @sa.
 */
void espvti_input_encap(struct sk_buff *skb, struct espvti_sa *sa,
			u8 outer_family, __be16 sport)
{
	espvti_input(skb, sa, outer_family, true, sport);
}

/**
 * espvti_input_held() - pass the packets held for a reserved SPI to its SA
 * @sa: the inbound SA just installed with that SPI
 * @held: the packets, in order of arrival (espvti_resv_take()); emptied
 *
 * Called in process context without RTNL, with a reference on @sa that the
 * caller keeps. Each packet then goes the way of any packet of the SA (ICV,
 * replay window, selectors) and is counted in ESPVTI_STAT_RX_HELD.
 */
void espvti_input_held(struct espvti_sa *sa, struct sk_buff_head *held)
{
	struct espvti_dev *edev = netdev_priv(sa->dev);
	struct espvti_hold_cb cb;
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(held))) {
		cb = *ESPVTI_HOLD_CB(skb);
		if (!espvti_sa_get(sa)) {
			espvti_rx_drop(edev, NULL, skb, ESPVTI_STAT_RX_HOLD_EXPIRED);
			continue;
		}
		espvti_count(edev, NULL, ESPVTI_STAT_RX_HELD);
		local_bh_disable();
		espvti_input(skb, sa, cb.outer_family, cb.encap, cb.sport);
		local_bh_enable();
	}
}

static int espvti_rcv4(struct sk_buff *skb)
{
	return espvti_rcv(skb, AF_INET);
}

static int espvti_rcv6(struct sk_buff *skb)
{
	return espvti_rcv(skb, AF_INET6);
}

/* Packets that went through xfrm are never ours. */
static int espvti_rcv_cb(struct sk_buff *skb, int err)
{
	return 1;
}

/*
 * The chain's .input_handler. xfrm4_rcv_encap()/xfrm6_rcv_encap() call it
 * for encapsulated ESP that arrived on a socket xfrm owns: UDP whose process
 * set setsockopt(UDP_ENCAP, UDP_ENCAP_ESPINUDP) itself (or TCP, espintcp),
 * never a socket espvti hooked
 * (espvti's sockets deliver to espvti_input_encap() from udp.c before xfrm
 * sees anything). An espvti SPI there means a process took a handed-over
 * socket back for xfrm (udp.c then lets go of it): by its own choice the
 * socket is xfrm's, so the packet is left to the rest of the chain (esp4/
 * esp6, which count it in XfrmInNoStates) with -EINVAL, the chain's "not
 * mine". xfrm has also rewritten the packet by then (UDP header removed,
 * NAT-T state in the xfrm control block), which espvti's receive path does
 * not expect.
 */
static int espvti_input_handler(struct sk_buff *skb, int nexthdr, __be32 spi,
				int encap_type)
{
	return -EINVAL;
}

/*
 * Does an ICMP error about an ESP packet we sent concern one of our devices?
 * The quoted packet carries the outbound SPI (the peer's inbound one) and the
 * remote endpoint as destination: one bucket of the namespace's hash of
 * remote addresses is walked, never every device. Called under RCU.
 * Return: true, with the endpoint's underlay device in @oif, when it does.
 */
static bool espvti_err_find(struct net *net, int family, const void *daddr,
			    __be32 spi, int *oif)
{
	struct espvti_net *en = espvti_pernet(net);
	const struct espvti_endpoint *ep;
	const struct espvti_dev *edev;
	const struct espvti_sa *out;
	struct espvti_remote_key key;
	struct rhlist_head *list, *pos;

	espvti_remote_key_set(&key, family, daddr);
	list = rhltable_lookup(&en->remote_hash, &key, espvti_remote_params);
	rhl_for_each_entry_rcu(edev, pos, list, remote_node) {
		ep = rcu_dereference(edev->ep);
		if (!ep || ep->encap != ESPVTI_ENCAP_NONE ||
		    !espvti_ep_remote_is(ep, family, daddr))
			continue;
		out = rcu_dereference(edev->sa_out);
		if (!out || htonl(out->spi) != spi)
			continue;
		*oif = ep->underlay_ifindex;
		return true;
	}
	return false;
}

/* ICMP error quoting an IPv4 ESP packet; 0 when it was ours. */
static int espvti_err4(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const struct ip_esp_hdr *esph =
		(const struct ip_esp_hdr *)(skb->data + (iph->ihl << 2));
	struct net *net = dev_net(skb->dev);
	u8 type = icmp_hdr(skb)->type;
	bool ours;
	int oif;

	if (type != ICMP_REDIRECT &&
	    (type != ICMP_DEST_UNREACH || icmp_hdr(skb)->code != ICMP_FRAG_NEEDED))
		return -ENOENT;

	rcu_read_lock();
	ours = espvti_err_find(net, AF_INET, &iph->daddr, esph->spi, &oif);
	rcu_read_unlock();
	if (!ours)
		return -ENOENT;

	if (type == ICMP_DEST_UNREACH)
		ipv4_update_pmtu(skb, net, info, oif, IPPROTO_ESP);
	else
		ipv4_redirect(skb, net, oif, IPPROTO_ESP);
	return 0;
}

/* ICMPv6 error quoting an IPv6 ESP packet; 0 when it was ours. */
static int espvti_err6(struct sk_buff *skb, struct inet6_skb_parm *opt,
		       u8 type, u8 code, int offset, __be32 info)
{
	const struct ipv6hdr *ip6h = (const struct ipv6hdr *)skb->data;
	const struct ip_esp_hdr *esph =
		(const struct ip_esp_hdr *)(skb->data + offset);
	struct net *net = dev_net(skb->dev);
	bool ours;
	int oif;

	if (type != ICMPV6_PKT_TOOBIG && type != NDISC_REDIRECT)
		return -ENOENT;

	rcu_read_lock();
	ours = espvti_err_find(net, AF_INET6, &ip6h->daddr, esph->spi, &oif);
	rcu_read_unlock();
	if (!ours)
		return -ENOENT;

	if (type == NDISC_REDIRECT)
		ip6_redirect(skb, net, skb->dev->ifindex, 0,
			     sock_net_uid(net, NULL));
	else
		ip6_update_pmtu(skb, net, info, oif, 0, sock_net_uid(net, NULL));
	return 0;
}

static struct xfrm4_protocol espvti_esp4 __read_mostly = {
	.handler	= espvti_rcv4,
	.input_handler	= espvti_input_handler,
	.cb_handler	= espvti_rcv_cb,
	.err_handler	= espvti_err4,
	.priority	= ESPVTI_XFRM_PRIORITY,
};

static struct xfrm6_protocol espvti_esp6 __read_mostly = {
	.handler	= espvti_rcv6,
	.input_handler	= espvti_input_handler,
	.cb_handler	= espvti_rcv_cb,
	.err_handler	= espvti_err6,
	.priority	= ESPVTI_XFRM_PRIORITY,
};

/**
 * espvti_input_init() - join the IPv4 and IPv6 ESP handler chains
 *
 * Return: 0, or the error of the chain that refused (-EEXIST: another
 * handler has our priority).
 */
int espvti_input_init(void)
{
	int ret;

	ret = xfrm4_protocol_register(&espvti_esp4, IPPROTO_ESP);
	if (ret) {
		pr_err("cannot join the IPv4 ESP handler chain at priority %d: %d\n",
		       ESPVTI_XFRM_PRIORITY, ret);
		return ret;
	}
	ret = xfrm6_protocol_register(&espvti_esp6, IPPROTO_ESP);
	if (ret) {
		pr_err("cannot join the IPv6 ESP handler chain at priority %d: %d\n",
		       ESPVTI_XFRM_PRIORITY, ret);
		goto err_unregister4;
	}
	return 0;

err_unregister4:
	xfrm4_protocol_deregister(&espvti_esp4, IPPROTO_ESP);
	return ret;
}

/**
 * espvti_input_exit() - leave the ESP handler chains
 *
 * Deregistration waits for the handlers running on other CPUs.
 */
void espvti_input_exit(void)
{
	xfrm6_protocol_deregister(&espvti_esp6, IPPROTO_ESP);
	xfrm4_protocol_deregister(&espvti_esp4, IPPROTO_ESP);
}
