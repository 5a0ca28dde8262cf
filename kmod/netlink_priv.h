/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Shared between the files of the generic netlink family.
 */
#ifndef _ESPVTI_NETLINK_PRIV_H
#define _ESPVTI_NETLINK_PRIV_H

#include <net/genetlink.h>
#include <uapi/linux/espvti.h>

struct espvti_dev;

/* Reject with a message and point at the attribute at fault. */
#define ESPVTI_NL_ERR(extack, attr, msg) do {		\
	NL_SET_BAD_ATTR((extack), (attr));		\
	NL_SET_ERR_MSG_MOD((extack), msg);		\
} while (0)

extern struct genl_family espvti_family;
extern const struct nla_policy espvti_sa_policy[ESPVTI_SA_A_MAX + 1];

struct espvti_dev *espvti_nl_dev(struct net *net, struct nlattr **attrs,
				 struct netlink_ext_ack *extack);

int espvti_nl_sa_new_doit(struct sk_buff *skb, struct genl_info *info);
int espvti_nl_sa_del_doit(struct sk_buff *skb, struct genl_info *info);
int espvti_nl_sa_get_doit(struct sk_buff *skb, struct genl_info *info);
int espvti_nl_sa_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int espvti_nl_sa_flush_doit(struct sk_buff *skb, struct genl_info *info);
int espvti_nl_sa_reserve_doit(struct sk_buff *skb, struct genl_info *info);

#endif /* _ESPVTI_NETLINK_PRIV_H */
