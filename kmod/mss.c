// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * TCP MSS clamping: the MSS option of SYN and SYN-ACK segments that enter
 * or leave the tunnel is lowered to what fits in it, so that TCP never
 * sends segments the tunnel must refuse, even where the ICMP errors of path
 * MTU discovery are filtered ("small transfers work, large ones hang").
 * What the iptables TCPMSS target does, without a rule to write.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/tcp.h>
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>	/* 6.12 */
#else
#include <asm/unaligned.h>
#endif

#include "device.h"

/*
 * Offset of the TCP header of an inner packet whose network header is set,
 * or -1 when it is not TCP or not the first fragment.
 */
static int espvti_mss_tcp_offset(struct sk_buff *skb)
{
	int noff = skb_network_offset(skb);

	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		if (iph->protocol != IPPROTO_TCP ||
		    (iph->frag_off & htons(IP_OFFSET)))
			return -1;
		return noff + iph->ihl * 4;
	}
	if (skb->protocol == htons(ETH_P_IPV6)) {
		u8 nexthdr = ipv6_hdr(skb)->nexthdr;
		__be16 frag_off;
		int off;

		off = ipv6_skip_exthdr(skb, noff + sizeof(struct ipv6hdr),
				       &nexthdr, &frag_off);
		if (off < 0 || nexthdr != IPPROTO_TCP ||
		    (frag_off & htons(IP6_OFFSET)))
			return -1;
		return off;
	}
	return -1;
}

static unsigned int espvti_mss_limit(const struct espvti_dev *edev,
				     u16 mode, bool ipv4, unsigned int mtu);

/**
 * espvti_mss_clamp() - lower the MSS option of a TCP SYN to what @edev allows
 * @edev: the device, whose ESPVTI_A_MSS_CLAMP applies
 * @skb: an inner IPv4 or IPv6 packet, network header and protocol set
 * @mtu: the inner MTU usable now (0: the device's MTU)
 *
 * Per packet this costs a look at the IP and TCP headers; the limit is
 * worked out only for a SYN that carries an MSS option.
 *
 * The TCP checksum is updated incrementally (left alone when it is still
 * to be computed, CHECKSUM_PARTIAL). A packet that is not a TCP SYN, has
 * no MSS option or an MSS already small enough, is malformed, or cannot be
 * made writable, is left as it is: clamping never drops a packet.
 *
 * Return: true when the option was lowered.
 */
bool espvti_mss_clamp(const struct espvti_dev *edev, struct sk_buff *skb,
		      unsigned int mtu)
{
	u16 mode = READ_ONCE(edev->mss_clamp);
	unsigned int optlen, i, mss;
	struct tcphdr *th;
	int thoff;
	u8 *opt;

	if (mode == ESPVTI_MSS_CLAMP_OFF)
		return false;
	thoff = espvti_mss_tcp_offset(skb);
	if (thoff < 0 || !pskb_may_pull(skb, thoff + sizeof(*th)))
		return false;
	th = (struct tcphdr *)(skb->data + thoff);
	if (!th->syn || th->doff * 4 < sizeof(*th) + TCPOLEN_MSS)
		return false;
	optlen = th->doff * 4;
	if (skb_ensure_writable(skb, thoff + optlen))
		return false;
	th = (struct tcphdr *)(skb->data + thoff);
	opt = (u8 *)(th + 1);
	optlen -= sizeof(*th);
	for (i = 0; i < optlen;) {
		u16 old;

		if (opt[i] == TCPOPT_EOL)
			break;
		if (opt[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= optlen || opt[i + 1] < 2 || i + opt[i + 1] > optlen)
			break;
		if (opt[i] != TCPOPT_MSS || opt[i + 1] != TCPOLEN_MSS) {
			i += opt[i + 1];
			continue;
		}
		old = get_unaligned_be16(opt + i + 2);
		mss = espvti_mss_limit(edev, mode, skb->protocol == htons(ETH_P_IP),
				       mtu);
		if (old <= mss)
			return false;
		put_unaligned_be16(mss, opt + i + 2);
		inet_proto_csum_replace2(&th->check, skb, htons(old), htons(mss),
					 false);
		return true;
	}
	return false;
}

/*
 * The largest MSS that clamping @mode (auto, or a fixed MSS) allows for an
 * inner IPv4 or IPv6 packet, @mtu being the inner MTU over the path (0: the
 * device's MTU).
 */
static unsigned int espvti_mss_limit(const struct espvti_dev *edev,
				     u16 mode, bool ipv4, unsigned int mtu)
{
	unsigned int hdrs;

	if (mode != ESPVTI_MSS_CLAMP_AUTO)
		return mode;
	if (!mtu || mtu > READ_ONCE(edev->dev->mtu))
		mtu = READ_ONCE(edev->dev->mtu);
	hdrs = (ipv4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr)) +
	       sizeof(struct tcphdr);
	return mtu > hdrs + ESPVTI_MIN_MSS ? mtu - hdrs : ESPVTI_MIN_MSS;
}
