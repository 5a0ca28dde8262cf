// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * The "espvti" generic netlink family: registration, device commands and
 * event notifications (SA commands are in netlink_sa.c). The commands and attributes are documented
 * in include/uapi/linux/espvti.h.
 *
 * Every command that reads or changes a device runs under RTNL, which also
 * serialises it against device removal. Attribute types and the ranges of
 * numbers are checked by the policies below; what depends on other
 * attributes or on the device is checked by the handlers, and every
 * rejection names the attribute at fault in its extended ACK. Every command
 * needs CAP_NET_ADMIN in the user namespace owning the caller's network
 * namespace (GENL_UNS_ADMIN_PERM), and so does joining the events group.
 */

#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <uapi/linux/espvti.h>

#include "device.h"
#include "netlink.h"
#include "netlink_priv.h"
#include "reserve.h"
#include "udp.h"
#include "sa.h"

/*
 * Interface indexes are positive ints; an underlay of 0 unbinds. (Not const:
 * 6.1 declares the policy's range pointer without it.)
 */
static struct netlink_range_validation espvti_ifindex_range = {
	.min = 1, .max = INT_MAX,
};
static struct netlink_range_validation espvti_underlay_range = {
	.min = 0, .max = INT_MAX,
};

/*
 * Read-only attributes are left out: strict validation rejects them. Every
 * number has its range here (the limits are in the uapi header), so a value
 * outside it is refused by the core with "integer out of range" pointing at
 * the attribute, and the range can be read with CTRL_CMD_GETPOLICY.
 */
static const struct nla_policy espvti_policy[ESPVTI_A_MAX + 1] = {
	[ESPVTI_A_IFINDEX]		= NLA_POLICY_FULL_RANGE(NLA_U32, &espvti_ifindex_range),
	[ESPVTI_A_IFNAME]		= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[ESPVTI_A_LOCAL_IPV4]		= { .type = NLA_BE32 },
	[ESPVTI_A_LOCAL_IPV6]		= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[ESPVTI_A_REMOTE_IPV4]		= { .type = NLA_BE32 },
	[ESPVTI_A_REMOTE_IPV6]		= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[ESPVTI_A_UNDERLAY_IFINDEX]	= NLA_POLICY_FULL_RANGE(NLA_U32, &espvti_underlay_range),
	[ESPVTI_A_TTL]			= NLA_POLICY_MIN(NLA_U8, ESPVTI_MIN_TTL),
	[ESPVTI_A_SA]			= NLA_POLICY_NESTED(espvti_sa_policy),
	[ESPVTI_A_ENCAP]		= NLA_POLICY_MAX(NLA_U8, ESPVTI_MAX_ENCAP),
	[ESPVTI_A_ENCAP_SPORT]		= NLA_POLICY_MIN(NLA_U16, ESPVTI_MIN_PORT),
	[ESPVTI_A_ENCAP_DPORT]		= NLA_POLICY_MIN(NLA_U16, ESPVTI_MIN_PORT),
	[ESPVTI_A_ENCAP_KEEPALIVE]	= NLA_POLICY_MAX(NLA_U32, ESPVTI_MAX_KEEPALIVE),
	[ESPVTI_A_ENCAP_FLOAT]		= NLA_POLICY_MAX(NLA_U8, ESPVTI_MAX_FLOAT),
	[ESPVTI_A_ENCAP_FD]		= NLA_POLICY_MIN(NLA_S32, 0),
	[ESPVTI_A_CRYPTO]		= NLA_POLICY_MAX(NLA_U8, ESPVTI_CRYPTO_PCRYPT),
	[ESPVTI_A_MSS_CLAMP]		= { .type = NLA_U16 },
};


/**
 * espvti_nl_dev() - the device a request names (RTNL held)
 * @net: namespace of the requester
 * @attrs: the request's attributes
 * @extack: for the reason of a failure
 *
 * Return: the device, or an ERR_PTR().
 */
struct espvti_dev *espvti_nl_dev(struct net *net, struct nlattr **attrs,
				 struct netlink_ext_ack *extack)
{
	struct espvti_dev *edev;

	if (attrs[ESPVTI_A_IFINDEX]) {
		edev = espvti_dev_get(net, nla_get_u32(attrs[ESPVTI_A_IFINDEX]), NULL);
		if (!edev) {
			ESPVTI_NL_ERR(extack, attrs[ESPVTI_A_IFINDEX],
				      "ESPVTI_A_IFINDEX: no espvti device with this index in this namespace");
			return ERR_PTR(-ENODEV);
		}
		return edev;
	}
	if (attrs[ESPVTI_A_IFNAME]) {
		edev = espvti_dev_get(net, 0, nla_data(attrs[ESPVTI_A_IFNAME]));
		if (!edev) {
			ESPVTI_NL_ERR(extack, attrs[ESPVTI_A_IFNAME],
				      "ESPVTI_A_IFNAME: no espvti device with this name in this namespace");
			return ERR_PTR(-ENODEV);
		}
		return edev;
	}
	NL_SET_ERR_MSG_MOD(extack, "missing ESPVTI_A_IFINDEX or ESPVTI_A_IFNAME");
	return ERR_PTR(-EINVAL);
}

static int espvti_nl_put_addr(struct sk_buff *skb, int v4type, int v6type,
			      u8 family, const struct in6_addr *addr)
{
	if (family == AF_INET)
		return addr->s6_addr32[0] ?
		       nla_put_in_addr(skb, v4type, addr->s6_addr32[0]) : 0;
	return ipv6_addr_any(addr) ? 0 : nla_put_in6_addr(skb, v6type, addr);
}

static int espvti_nl_fill_dev(struct sk_buff *skb, struct espvti_dev *edev,
			      u32 portid, u32 seq, int flags)
{
	struct espvti_endpoint *ep = rtnl_dereference(edev->ep);
	struct espvti_sa *out = rtnl_dereference(edev->sa_out);
	struct in6_addr sel_src, sel_dst;
	u64 c[__ESPVTI_STAT_MAX];
	u8 sel_family;
	u32 n_in = 0;
	void *hdr;
	int i;

	hdr = genlmsg_put(skb, portid, seq, &espvti_family, flags,
			  ESPVTI_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;
	for (i = 0; i < ESPVTI_MAX_SA_IN; i++)
		if (rtnl_dereference(edev->sa_in[i]))
			n_in++;
	espvti_stats_sum(edev->stats, c);

	if (nla_put_u32(skb, ESPVTI_A_IFINDEX, edev->dev->ifindex) ||
	    nla_put_string(skb, ESPVTI_A_IFNAME, edev->dev->name) ||
	    nla_put_u32(skb, ESPVTI_A_MTU, edev->dev->mtu) ||
	    nla_put_u8(skb, ESPVTI_A_TTL, ep ? ep->ttl : ESPVTI_DEFAULT_TTL) ||
	    nla_put_u32(skb, ESPVTI_A_SA_COUNT_IN, n_in) ||
	    nla_put_u32(skb, ESPVTI_A_SA_COUNT_RESERVED, espvti_resv_count(edev)) ||
	    nla_put_u32(skb, ESPVTI_A_RESERVED_HELD, espvti_resv_held(edev)) ||
	    nla_put_u8(skb, ESPVTI_A_CRYPTO, edev->crypto) ||
	    nla_put_u32(skb, ESPVTI_A_CRYPTO_INFLIGHT,
			atomic_read(&edev->crypto_inflight)) ||
	    nla_put_u16(skb, ESPVTI_A_MSS_CLAMP, READ_ONCE(edev->mss_clamp)))
		goto nla_put_failure;
	if (ep && (espvti_nl_put_addr(skb, ESPVTI_A_LOCAL_IPV4, ESPVTI_A_LOCAL_IPV6,
				      ep->family, &ep->local) ||
		   espvti_nl_put_addr(skb, ESPVTI_A_REMOTE_IPV4, ESPVTI_A_REMOTE_IPV6,
				      ep->family, &ep->remote) ||
		   (ep->underlay_ifindex &&
		    nla_put_u32(skb, ESPVTI_A_UNDERLAY_IFINDEX, ep->underlay_ifindex))))
		goto nla_put_failure;
	if (out && nla_put_u32(skb, ESPVTI_A_OUT_SPI, out->spi))
		goto nla_put_failure;
	if (ep && ep->encap == ESPVTI_ENCAP_UDP &&
	    (nla_put_u8(skb, ESPVTI_A_ENCAP, ep->encap) ||
	     nla_put_u16(skb, ESPVTI_A_ENCAP_SPORT, ntohs(ep->sport)) ||
	     nla_put_u16(skb, ESPVTI_A_ENCAP_DPORT, ntohs(ep->dport)) ||
	     nla_put_u32(skb, ESPVTI_A_ENCAP_KEEPALIVE, ep->keepalive) ||
	     nla_put_u8(skb, ESPVTI_A_ENCAP_FLOAT, ep->float_ok) ||
	     (ep->esock && nla_put_u8(skb, ESPVTI_A_ENCAP_SOCKET,
				      ep->esock->user ? 2 : 1))))
		goto nla_put_failure;
	if (espvti_stats_fill(skb, ESPVTI_A_STATS, c, true, true))
		goto nla_put_failure;
	spin_lock_bh(&edev->sel_lock);
	sel_family = edev->sel_family;
	sel_src = edev->sel_src;
	sel_dst = edev->sel_dst;
	spin_unlock_bh(&edev->sel_lock);
	if (sel_family &&
	    (espvti_nl_put_addr(skb, ESPVTI_A_RX_SEL_SRC_IPV4, ESPVTI_A_RX_SEL_SRC_IPV6,
				sel_family, &sel_src) ||
	     espvti_nl_put_addr(skb, ESPVTI_A_RX_SEL_DST_IPV4, ESPVTI_A_RX_SEL_DST_IPV6,
				sel_family, &sel_dst)))
		goto nla_put_failure;
	genlmsg_end(skb, hdr);
	return 0;

nla_put_failure:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int espvti_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct espvti_dev *edev;
	struct sk_buff *msg;
	int ret;

	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	edev = espvti_nl_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(edev)) {
		ret = PTR_ERR(edev);
		goto err_unlock;
	}
	ret = espvti_nl_fill_dev(msg, edev, info->snd_portid, info->snd_seq, 0);
	if (ret)
		goto err_unlock;
	rtnl_unlock();
	return genlmsg_reply(msg, info);

err_unlock:
	rtnl_unlock();
	nlmsg_free(msg);
	return ret;
}

static int espvti_nl_dev_get_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct espvti_net *en = espvti_pernet(sock_net(skb->sk));
	struct espvti_dev *edev;
	long idx = 0, start = cb->args[0];

	rtnl_lock();
	list_for_each_entry(edev, &en->devs, list) {
		if (idx++ < start)
			continue;
		if (espvti_nl_fill_dev(skb, edev, NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI)) {
			idx--;
			break;
		}
	}
	rtnl_unlock();
	cb->args[0] = idx;
	return skb->len;
}

/* Family of an address attribute pair, and the address; 0 when absent. */
static int espvti_nl_get_addr(struct nlattr *v4, struct nlattr *v6,
			      struct in6_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (v4) {
		addr->s6_addr32[0] = nla_get_in_addr(v4);
		return AF_INET;
	}
	if (v6) {
		*addr = nla_get_in6_addr(v6);
		return AF_INET6;
	}
	return 0;
}

static bool espvti_addr_unset(u8 family, const struct in6_addr *a)
{
	return family == AF_INET ? !a->s6_addr32[0] : ipv6_addr_any(a);
}

/* Validates the attributes of DEV_SET that need no device. */
static int espvti_nl_dev_set_check(struct nlattr **attrs,
				   struct netlink_ext_ack *extack)
{
	if (attrs[ESPVTI_A_LOCAL_IPV4] && attrs[ESPVTI_A_LOCAL_IPV6]) {
		ESPVTI_NL_ERR(extack, attrs[ESPVTI_A_LOCAL_IPV6],
			      "ESPVTI_A_LOCAL_IPV6: give either ESPVTI_A_LOCAL_IPV4 or ESPVTI_A_LOCAL_IPV6");
		return -EINVAL;
	}
	if (attrs[ESPVTI_A_REMOTE_IPV4] && attrs[ESPVTI_A_REMOTE_IPV6]) {
		ESPVTI_NL_ERR(extack, attrs[ESPVTI_A_REMOTE_IPV6],
			      "ESPVTI_A_REMOTE_IPV6: give either ESPVTI_A_REMOTE_IPV4 or ESPVTI_A_REMOTE_IPV6");
		return -EINVAL;
	}
	/* TTL, encapsulation, ports, float and crypto: ranges in espvti_policy. */
	if (!ESPVTI_CRYPTD_AEAD_OK && attrs[ESPVTI_A_CRYPTO] &&
	    nla_get_u8(attrs[ESPVTI_A_CRYPTO]) == ESPVTI_CRYPTO_CRYPTD) {
		ESPVTI_NL_ERR(extack, attrs[ESPVTI_A_CRYPTO],
			      "ESPVTI_A_CRYPTO: cryptd AEADs fail the kernel's crypto self-test before Linux 6.3; use pcrypt");
		return -EOPNOTSUPP;
	}
	if (attrs[ESPVTI_A_MSS_CLAMP] &&
	    nla_get_u16(attrs[ESPVTI_A_MSS_CLAMP]) > ESPVTI_MSS_CLAMP_AUTO &&
	    nla_get_u16(attrs[ESPVTI_A_MSS_CLAMP]) < ESPVTI_MIN_MSS) {
		ESPVTI_NL_ERR(extack, attrs[ESPVTI_A_MSS_CLAMP],
			      "ESPVTI_A_MSS_CLAMP: 0 (off), 1 (auto) or an MSS of at least 88");
		return -EINVAL;
	}
	if (attrs[ESPVTI_A_ENCAP_FD] && attrs[ESPVTI_A_ENCAP_SPORT]) {
		ESPVTI_NL_ERR(extack, attrs[ESPVTI_A_ENCAP_SPORT],
			      "ESPVTI_A_ENCAP_SPORT: the port of a handed-over socket is the one it is bound to");
		return -EINVAL;
	}
	return 0;
}

/* Addresses of DEV_SET into @ep; checks that the families agree. */
static int espvti_nl_dev_set_addrs(struct nlattr **attrs,
				   const struct espvti_endpoint *old,
				   struct espvti_endpoint *ep,
				   struct netlink_ext_ack *extack)
{
	u8 lfam = 0, rfam = 0, fam;
	struct in6_addr addr;

	if (old && !espvti_addr_unset(old->family, &old->local))
		lfam = old->family;
	if (old && !espvti_addr_unset(old->family, &old->remote))
		rfam = old->family;

	fam = espvti_nl_get_addr(attrs[ESPVTI_A_LOCAL_IPV4],
				 attrs[ESPVTI_A_LOCAL_IPV6], &addr);
	if (fam) {
		ep->local = addr;
		lfam = espvti_addr_unset(fam, &addr) ? 0 : fam;
	}
	fam = espvti_nl_get_addr(attrs[ESPVTI_A_REMOTE_IPV4],
				 attrs[ESPVTI_A_REMOTE_IPV6], &addr);
	if (fam) {
		ep->remote = addr;
		rfam = espvti_addr_unset(fam, &addr) ? 0 : fam;
	}
	if (lfam && rfam && lfam != rfam) {
		ESPVTI_NL_ERR(extack,
			      attrs[ESPVTI_A_REMOTE_IPV4] ?: attrs[ESPVTI_A_REMOTE_IPV6] ?:
			      attrs[ESPVTI_A_LOCAL_IPV4] ?: attrs[ESPVTI_A_LOCAL_IPV6],
			      "ESPVTI_A_REMOTE_IPV4/IPV6: local and remote addresses must be of the same family");
		return -EINVAL;
	}
	ep->family = lfam ?: rfam;
	if (!lfam)
		memset(&ep->local, 0, sizeof(ep->local));
	if (!rfam)
		memset(&ep->remote, 0, sizeof(ep->remote));
	return 0;
}

/*
 * UDP encapsulation of DEV_SET into @ep, which holds @old's socket on entry:
 * keeps it when it still fits, else takes the right one.
 */
static int espvti_nl_dev_set_encap(struct net *net, struct nlattr **attrs,
				   struct espvti_endpoint *ep,
				   struct netlink_ext_ack *extack)
{
	struct espvti_sock *esock = ep->esock;
	u8 family = ep->family ?: AF_INET;

	if (attrs[ESPVTI_A_ENCAP])
		ep->encap = nla_get_u8(attrs[ESPVTI_A_ENCAP]);
	if (attrs[ESPVTI_A_ENCAP_SPORT])
		ep->sport = htons(nla_get_u16(attrs[ESPVTI_A_ENCAP_SPORT]));
	if (attrs[ESPVTI_A_ENCAP_DPORT])
		ep->dport = htons(nla_get_u16(attrs[ESPVTI_A_ENCAP_DPORT]));
	if (attrs[ESPVTI_A_ENCAP_KEEPALIVE])
		ep->keepalive = nla_get_u32(attrs[ESPVTI_A_ENCAP_KEEPALIVE]);
	if (attrs[ESPVTI_A_ENCAP_FLOAT])
		ep->float_ok = nla_get_u8(attrs[ESPVTI_A_ENCAP_FLOAT]);

	if (ep->encap != ESPVTI_ENCAP_UDP) {
		if (attrs[ESPVTI_A_ENCAP_FD]) {
			ESPVTI_NL_ERR(extack, attrs[ESPVTI_A_ENCAP_FD],
				      "ESPVTI_A_ENCAP_FD: only with ESPVTI_A_ENCAP set to ESPVTI_ENCAP_UDP");
			return -EINVAL;
		}
		ep->esock = NULL;
		espvti_sock_put(esock);
		return 0;
	}

	if (attrs[ESPVTI_A_ENCAP_FD]) {
		esock = espvti_sock_user(net, nla_get_s32(attrs[ESPVTI_A_ENCAP_FD]),
					 attrs[ESPVTI_A_ENCAP_FD], extack);
		if (IS_ERR(esock))
			return PTR_ERR(esock);
		if (ep->family && esock->family != ep->family) {
			ESPVTI_NL_ERR(extack, attrs[ESPVTI_A_ENCAP_FD],
				      "ESPVTI_A_ENCAP_FD: the socket's family differs from the endpoint addresses'");
			espvti_sock_put(esock);
			return -EINVAL;
		}
		ep->sport = esock->port;
	} else if (esock && esock->family == family && esock->port == ep->sport) {
		return 0;	/* the socket in use still fits */
	} else {
		esock = espvti_sock_kernel(net, family, ep->sport, extack);
		if (IS_ERR(esock)) {
			NL_SET_BAD_ATTR(extack, attrs[ESPVTI_A_ENCAP_SPORT] ?:
					attrs[ESPVTI_A_ENCAP]);
			return PTR_ERR(esock);
		}
	}
	espvti_sock_put(ep->esock);
	ep->esock = esock;
	return 0;
}

static int espvti_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct netlink_ext_ack *extack = info->extack;
	struct net *net = genl_info_net(info);
	struct espvti_endpoint *old, *ep;
	struct espvti_dev *edev;
	int ret;

	ret = espvti_nl_dev_set_check(attrs, extack);
	if (ret)
		return ret;

	rtnl_lock();
	edev = espvti_nl_dev(net, attrs, extack);
	if (IS_ERR(edev)) {
		ret = PTR_ERR(edev);
		goto out_unlock;
	}
	old = rtnl_dereference(edev->ep);
	ep = espvti_endpoint_dup(old);
	if (!ep) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	ret = espvti_nl_dev_set_addrs(attrs, old, ep, extack);
	if (ret)
		goto err_release_ep;

	if (attrs[ESPVTI_A_UNDERLAY_IFINDEX]) {
		int ifindex = nla_get_u32(attrs[ESPVTI_A_UNDERLAY_IFINDEX]);
		struct net_device *udev;

		udev = ifindex ? __dev_get_by_index(net, ifindex) : NULL;
		if (ifindex && !udev) {
			ESPVTI_NL_ERR(extack, attrs[ESPVTI_A_UNDERLAY_IFINDEX],
				      "ESPVTI_A_UNDERLAY_IFINDEX: no device with this index in this namespace");
			ret = -ENODEV;
			goto err_release_ep;
		}
		if (udev == edev->dev) {
			ESPVTI_NL_ERR(extack, attrs[ESPVTI_A_UNDERLAY_IFINDEX],
				      "ESPVTI_A_UNDERLAY_IFINDEX: a device cannot be its own underlay");
			ret = -EINVAL;
			goto err_release_ep;
		}
		ep->underlay_ifindex = ifindex;
	}
	if (attrs[ESPVTI_A_TTL])
		ep->ttl = nla_get_u8(attrs[ESPVTI_A_TTL]);

	ret = espvti_nl_dev_set_encap(net, attrs, ep, extack);
	if (ret)
		goto err_release_ep;

	/* Read by espvti_sa_create(), under RTNL too. */
	if (attrs[ESPVTI_A_CRYPTO])
		edev->crypto = nla_get_u8(attrs[ESPVTI_A_CRYPTO]);
	if (attrs[ESPVTI_A_MSS_CLAMP])
		WRITE_ONCE(edev->mss_clamp, nla_get_u16(attrs[ESPVTI_A_MSS_CLAMP]));
	rcu_assign_pointer(edev->ep, ep);
	espvti_endpoint_release(old);
	espvti_dev_endpoint_changed(edev);
	rtnl_unlock();
	return 0;

err_release_ep:
	espvti_endpoint_release(ep);
out_unlock:
	rtnl_unlock();
	return ret;
}

static const struct genl_small_ops espvti_nl_ops[] = {
	{
		.cmd = ESPVTI_CMD_DEV_GET,
		.doit = espvti_nl_dev_get_doit,
		.dumpit = espvti_nl_dev_get_dumpit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = ESPVTI_CMD_DEV_SET,
		.doit = espvti_nl_dev_set_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = ESPVTI_CMD_SA_NEW,
		.doit = espvti_nl_sa_new_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = ESPVTI_CMD_SA_DEL,
		.doit = espvti_nl_sa_del_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = ESPVTI_CMD_SA_GET,
		.doit = espvti_nl_sa_get_doit,
		.dumpit = espvti_nl_sa_get_dumpit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = ESPVTI_CMD_SA_FLUSH,
		.doit = espvti_nl_sa_flush_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = ESPVTI_CMD_SA_RESERVE,
		.doit = espvti_nl_sa_reserve_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group espvti_nl_mcgrps[] = {
	/*
	 * GENL_MCAST_CAP_NET_ADMIN: joining needs CAP_NET_ADMIN in the user
	 * namespace owning the socket's network namespace (the events name
	 * SPIs, inner addresses and peers' addresses). It is a multicast flag;
	 * GENL_UNS_ADMIN_PERM, an operation flag, means nothing here.
	 */
	{ .name = ESPVTI_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family espvti_family __ro_after_init = {
	.name		= ESPVTI_GENL_NAME,
	.version	= ESPVTI_GENL_VERSION,
	.maxattr	= ESPVTI_A_MAX,
	.policy		= espvti_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.small_ops	= espvti_nl_ops,
	.n_small_ops	= ARRAY_SIZE(espvti_nl_ops),
	.resv_start_op	= ESPVTI_CMD_DEV_GET,	/* all commands strictly validated */
	.mcgrps		= espvti_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(espvti_nl_mcgrps),
};

static void espvti_nl_multicast(struct net *net, struct sk_buff *msg)
{
	genlmsg_multicast_netns(&espvti_family, net, msg, 0, 0, GFP_ATOMIC);
}

/**
 * espvti_nl_notify_expire() - tell listeners an SA expired
 * @sa: the SA
 * @hard: hard (true) or soft expiry
 * @reason: enum espvti_expire_reason
 *
 * Callable from the data path (any context).
 */
void espvti_nl_notify_expire(struct espvti_sa *sa, bool hard, u8 reason)
{
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &espvti_family, 0, ESPVTI_CMD_SA_EXPIRE_NTF);
	if (!hdr)
		goto err_free_msg;
	if (nla_put_u32(msg, ESPVTI_A_IFINDEX, sa->dev->ifindex) ||
	    nla_put_string(msg, ESPVTI_A_IFNAME, sa->dev->name))
		goto err_free_msg;
	nest = nla_nest_start(msg, ESPVTI_A_SA);
	if (!nest ||
	    nla_put_u8(msg, ESPVTI_SA_A_DIR, sa->dir) ||
	    nla_put_u32(msg, ESPVTI_SA_A_SPI, sa->spi) ||
	    nla_put_u8(msg, ESPVTI_SA_A_EXPIRED, hard ? 2 : 1) ||
	    nla_put_u8(msg, ESPVTI_SA_A_EXPIRE_REASON, reason))
		goto err_free_msg;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	espvti_nl_multicast(dev_net(sa->dev), msg);
	return;

err_free_msg:
	nlmsg_free(msg);
}

/**
 * espvti_nl_notify_acquire() - ask a keyer for an outbound SA
 * @edev: the device without one
 * @skb: the inner packet that found no SA
 *
 * At most one notification per second and device. Any context.
 */
void espvti_nl_notify_acquire(struct espvti_dev *edev,
			      const struct sk_buff *skb)
{
	unsigned long now = jiffies, last = READ_ONCE(edev->acquire_at);
	struct sk_buff *msg;
	void *hdr;
	int ret;

	if (last && time_before(now, last + HZ))
		return;
	if (cmpxchg(&edev->acquire_at, last, now ?: 1) != last)
		return;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &espvti_family, 0, ESPVTI_CMD_ACQUIRE_NTF);
	if (!hdr)
		goto err_free_msg;
	if (nla_put_u32(msg, ESPVTI_A_IFINDEX, edev->dev->ifindex) ||
	    nla_put_string(msg, ESPVTI_A_IFNAME, edev->dev->name))
		goto err_free_msg;
	ret = 0;
	if (skb->protocol == htons(ETH_P_IP)) {
		struct iphdr _iph;
		const struct iphdr *iph = skb_header_pointer(skb, skb_network_offset(skb),
							     sizeof(_iph), &_iph);

		if (iph)
			ret = nla_put_in_addr(msg, ESPVTI_A_ACQUIRE_SRC_IPV4, iph->saddr) ||
			      nla_put_in_addr(msg, ESPVTI_A_ACQUIRE_DST_IPV4, iph->daddr);
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		struct ipv6hdr _ip6h;
		const struct ipv6hdr *ip6h = skb_header_pointer(skb, skb_network_offset(skb),
								sizeof(_ip6h), &_ip6h);

		if (ip6h)
			ret = nla_put_in6_addr(msg, ESPVTI_A_ACQUIRE_SRC_IPV6, &ip6h->saddr) ||
			      nla_put_in6_addr(msg, ESPVTI_A_ACQUIRE_DST_IPV6, &ip6h->daddr);
	}
	if (ret)
		goto err_free_msg;
	genlmsg_end(msg, hdr);
	espvti_nl_multicast(dev_net(edev->dev), msg);
	return;

err_free_msg:
	nlmsg_free(msg);
}

/**
 * espvti_nl_notify_mapping() - tell listeners the peer moved (RTNL held)
 * @edev: the device
 * @old: the previous endpoint
 * @new: the endpoint now in use
 */
void espvti_nl_notify_mapping(struct espvti_dev *edev,
			      const struct espvti_endpoint *old,
			      const struct espvti_endpoint *new)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &espvti_family, 0, ESPVTI_CMD_MAPPING_NTF);
	if (!hdr ||
	    nla_put_u32(msg, ESPVTI_A_IFINDEX, edev->dev->ifindex) ||
	    nla_put_string(msg, ESPVTI_A_IFNAME, edev->dev->name) ||
	    espvti_nl_put_addr(msg, ESPVTI_A_REMOTE_IPV4, ESPVTI_A_REMOTE_IPV6,
			       new->family, &new->remote) ||
	    nla_put_u16(msg, ESPVTI_A_ENCAP_DPORT, ntohs(new->dport)) ||
	    espvti_nl_put_addr(msg, ESPVTI_A_OLD_REMOTE_IPV4, ESPVTI_A_OLD_REMOTE_IPV6,
			       old->family, &old->remote) ||
	    nla_put_u16(msg, ESPVTI_A_OLD_ENCAP_DPORT, ntohs(old->dport))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&espvti_family, dev_net(edev->dev), msg, 0, 0,
				GFP_KERNEL);
}

int __init espvti_genl_init(void)
{
	return genl_register_family(&espvti_family);
}

void espvti_genl_exit(void)
{
	genl_unregister_family(&espvti_family);
}
