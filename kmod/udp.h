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
#include <linux/udp.h>
#include <net/netlink.h>

struct espvti_dev;
struct espvti_net;
struct net;
struct sk_buff;
struct sock;
struct timer_list;
struct work_struct;

/**
 * struct espvti_sock_saved - what taking a handed-over socket over changed
 * @mc_loop: multicast loopback (setup_udp_tunnel_sock() clears it).
 * @encap_type: UDP encapsulation type.
 * @encap_rcv: encapsulation receive hook.
 * @encap_err_rcv: ICMP error hook.
 * @encap_err_lookup: ICMP error lookup hook.
 * @encap_destroy: close hook.
 * @gro_receive: GRO receive hook.
 * @gro_complete: GRO complete hook.
 *
 * Written when the socket is hooked and read when it is given back, both
 * under the socket's lock (and RTNL).
 */
struct espvti_sock_saved {
	bool mc_loop;
	u8 encap_type;
	typeof_member(struct udp_sock, encap_rcv) encap_rcv;
	typeof_member(struct udp_sock, encap_err_rcv) encap_err_rcv;
	typeof_member(struct udp_sock, encap_err_lookup) encap_err_lookup;
	typeof_member(struct udp_sock, encap_destroy) encap_destroy;
	typeof_member(struct udp_sock, gro_receive) gro_receive;
	typeof_member(struct udp_sock, gro_complete) gro_complete;
};

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
 * @closed: a handed-over socket whose process closed it
 *	(espvti_udp_destroy() ran); under the socket's lock.
 * @orphan: a handed-over socket that the last device let go of while its
 *	process was closing it: still hooked until espvti_udp_destroy();
 *	under the socket's lock.
 * @saved: a handed-over socket's state before we hooked it.
 * @rcu: frees the structure (and drops our socket reference) after the
 *	receivers that may still see it as sk_user_data are done.
 */
struct espvti_sock {
	struct list_head list;
	struct rcu_head rcu;
	struct espvti_sock_saved saved;
	struct socket *sock;
	struct sock *sk;
	unsigned int users;
	u8 family;
	__be16 port;
	bool user;
	bool closed;
	bool orphan;
};

struct espvti_sock *espvti_sock_kernel(struct net *net, u8 family,
				       __be16 port,
				       struct netlink_ext_ack *extack);
struct espvti_sock *espvti_sock_user(struct net *net, int fd,
				     const struct nlattr *attr,
				     struct netlink_ext_ack *extack);
void espvti_sock_put(struct espvti_sock *esock);
void espvti_udp_module_exit(void);
struct espvti_dev *espvti_dev_by_remote(struct net *net, u8 family,
					const void *addr);
void espvti_udp_net_init(struct espvti_net *en);
void espvti_udp_net_exit(struct espvti_net *en);
void espvti_keepalive_timer(struct timer_list *t);
void espvti_float_work(struct work_struct *work);

#endif /* _ESPVTI_UDP_H */
