/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ESP in UDP (RFC 3948): the sockets that receive it, shared between the
 * devices of a namespace and, when handed over, with an IKE daemon.
 */
#ifndef _ESPVTI_UDP_H
#define _ESPVTI_UDP_H

#include <linux/types.h>
#include <net/netlink.h>

struct espvti_dev;
struct net;
struct sk_buff;

/**
 * struct espvti_sock - a UDP socket hooked for ESP-in-UDP reception
 * @list: entry in espvti_net::socks; under RTNL.
 * @sock: the module's own socket, which it closes; NULL for a handed-over
 *	one, whose struct socket belongs to the process's file.
 * @sk: the socket's struct sock; a handed-over one with a reference of
 *	ours (sock_hold()), the module's own one lives as long as @sock.
 * @users: endpoints (struct espvti_endpoint) holding it; under RTNL.
 * @family: AF_INET or AF_INET6.
 * @port: local port, network order.
 * @user: handed over by a process (ESPVTI_A_ENCAP_FD): unhooked and given
 *	back, not closed, when the last user lets go; and let go of by every
 *	device when the process closes it (exits, crashes).
 */
struct espvti_sock {
	struct list_head list;
	struct socket *sock;
	struct sock *sk;
	unsigned int users;
	u8 family;
	__be16 port;
	bool user;
};

struct espvti_sock *espvti_sock_kernel(struct net *net, u8 family,
				       __be16 port,
				       struct netlink_ext_ack *extack);
struct espvti_sock *espvti_sock_user(struct net *net, int fd,
				     const struct nlattr *attr,
				     struct netlink_ext_ack *extack);
void espvti_sock_put(struct espvti_sock *esock);
struct espvti_dev *espvti_dev_by_remote(struct net *net, u8 family,
					const void *addr);

#endif /* _ESPVTI_UDP_H */
