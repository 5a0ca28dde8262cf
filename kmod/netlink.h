/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Generic netlink family "espvti": configuration and events.
 */
#ifndef _ESPVTI_NETLINK_H
#define _ESPVTI_NETLINK_H

#include <linux/types.h>

struct espvti_dev;
struct espvti_endpoint;
struct espvti_sa;
struct sk_buff;

int espvti_genl_init(void);
void espvti_genl_exit(void);
void espvti_nl_notify_expire(struct espvti_sa *sa, bool hard, u8 reason);
void espvti_nl_notify_acquire(struct espvti_dev *edev,
			      const struct sk_buff *skb);

void espvti_nl_notify_mapping(struct espvti_dev *edev,
			      const struct espvti_endpoint *old,
			      const struct espvti_endpoint *new);

#endif /* _ESPVTI_NETLINK_H */
