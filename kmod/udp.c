// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ESP in UDP (RFC 3948) reception. A UDP socket, either the module's own or
 * one handed over by a process (an IKE daemon sharing its port 4500), is
 * hooked with an encapsulation receive function that sorts its datagrams:
 *
 *   one byte 0xff            NAT keepalive: dropped (counted)
 *   four zero bytes, more    non-ESP marker: IKE, left on a handed-over
 *                            socket for its process (dropped on our own)
 *   four zero bytes only     malformed: dropped (counted)
 *   anything else            ESP: SPI looked up among the namespace's inbound
 *                            espvti SAs and decrypted like raw ESP
 *
 * Sockets are shared by all the devices of a namespace that use them (the
 * SPI says which device a packet is for) and counted under RTNL. A
 * handed-over socket stays its process's: the devices hold its struct sock,
 * not its file, and let go of it when the process closes it (encap_destroy),
 * so that a restarted daemon can bind the port again and a namespace can go
 * away when its processes have.
 */

#include <linux/module.h>

#include <linux/file.h>
#include <linux/net.h>
#include <linux/rtnetlink.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "device.h"
#include "input.h"
#include "sa.h"
#include "udp.h"

/**
 * espvti_dev_by_remote() - the device whose peer has this outer address
 * @net: namespace
 * @family: AF_INET or AF_INET6
 * @addr: __be32 or struct in6_addr
 *
 * Used only to charge drops that have no SA to a device. Under RCU.
 *
 * Return: the first such device, or NULL.
 */
struct espvti_dev *espvti_dev_by_remote(struct net *net, u8 family,
					const void *addr)
{
	struct espvti_net *en = espvti_pernet(net);
	struct espvti_endpoint *ep;
	struct espvti_dev *edev;

	list_for_each_entry_rcu(edev, &en->devs, list) {
		ep = rcu_dereference(edev->ep);
		if (!ep || ep->family != family)
			continue;
		if (family == AF_INET ?
		    ep->remote.s6_addr32[0] == *(const __be32 *)addr :
		    ipv6_addr_equal(&ep->remote, addr))
			return edev;
	}
	return NULL;
}

/* Counts a drop (or keepalive) on the device talking to the sender. */
static void espvti_udp_count(struct sk_buff *skb, unsigned int idx)
{
	struct espvti_dev *edev;

	if (skb->protocol == htons(ETH_P_IP))
		edev = espvti_dev_by_remote(dev_net(skb->dev), AF_INET,
					    &ip_hdr(skb)->saddr);
	else
		edev = espvti_dev_by_remote(dev_net(skb->dev), AF_INET6,
					    &ipv6_hdr(skb)->saddr);
	if (edev)
		espvti_count(edev, NULL, idx);
}

/*
 * encap_rcv of our sockets; skb->data is the UDP header, checksum verified.
 * Return: 0 when the datagram was consumed, > 0 to queue it on the socket.
 */
static int espvti_udp_rcv(struct sock *sk, struct sk_buff *skb)
{
	unsigned int len = skb->len - sizeof(struct udphdr);
	struct espvti_sock *esock;
	struct espvti_sa *sa;
	__be32 word;
	__be16 sport;
	u8 byte;
	u32 spi;

	if (len == 1 && !skb_copy_bits(skb, sizeof(struct udphdr), &byte, 1) &&
	    byte == 0xff) {
		espvti_udp_count(skb, ESPVTI_STAT_RX_KEEPALIVE);
		consume_skb(skb);
		return 0;
	}
	if (len >= sizeof(word) &&
	    !skb_copy_bits(skb, sizeof(struct udphdr), &word, sizeof(word)) &&
	    !word) {
		if (len == sizeof(word))
			goto malformed;
		/* IKE: the socket's owner reads it; our own socket has none. */
		esock = rcu_dereference_sk_user_data(sk);
		if (esock && esock->user)
			return 1;
		consume_skb(skb);
		return 0;
	}
	if (len < sizeof(struct ip_esp_hdr) ||
	    !pskb_may_pull(skb, sizeof(struct udphdr) + sizeof(struct ip_esp_hdr)))
		goto malformed;

	sport = udp_hdr(skb)->source;
	spi = ntohl(((struct ip_esp_hdr *)(skb->data + sizeof(struct udphdr)))->spi);
	rcu_read_lock();
	sa = espvti_sa_lookup_in(sock_net(sk), spi);
	if (sa && !espvti_sa_get(sa))
		sa = NULL;
	if (!sa) {
		espvti_udp_count(skb, ESPVTI_STAT_RX_NO_SA);
		rcu_read_unlock();
		kfree_skb(skb);
		return 0;
	}
	rcu_read_unlock();

	__skb_pull(skb, sizeof(struct udphdr));
	skb_reset_transport_header(skb);
	espvti_input_encap(skb, sa, skb->protocol == htons(ETH_P_IP) ?
			   AF_INET : AF_INET6, sport);
	return 0;

malformed:
	rcu_read_lock();
	espvti_udp_count(skb, ESPVTI_STAT_RX_UDP_MALFORMED);
	rcu_read_unlock();
	kfree_skb(skb);
	return 0;
}

/*
 * encap_destroy of a handed-over socket: its process closed it (last file
 * reference; also when the process dies). Process context, no lock held.
 * Every device using it lets go, as if encapsulation were turned off but
 * keeping its settings: it sends ESP in UDP from the same port and receives
 * none until a socket is handed over again.
 */
static void espvti_udp_destroy(struct sock *sk)
{
	struct espvti_net *en;
	struct espvti_sock *esock, *found = NULL;
	struct espvti_endpoint *ep;
	struct espvti_dev *edev;
	unsigned int n;

	/* The module is going: its exit lets go of every socket anyway. */
	if (!try_module_get(THIS_MODULE))
		return;
	rtnl_lock();
	en = espvti_pernet(sock_net(sk));
	list_for_each_entry(esock, &en->socks, list) {
		if (esock->user && esock->sk == sk) {
			found = esock;
			break;
		}
	}
	/* Not found: a device let go of it while the process was closing it. */
	if (!found)
		goto out_unlock;
	n = found->users;
	list_for_each_entry(edev, &en->devs, list) {
		ep = rtnl_dereference(edev->ep);
		if (!ep || ep->esock != found)
			continue;
		ep->esock = NULL;
		netdev_info(edev->dev,
			    "the process that handed over UDP port %u closed its socket: no ESP in UDP is received until a socket is handed over again\n",
			    ntohs(found->port));
		/* The last one unhooks and frees it. */
		espvti_sock_put(found);
		if (!--n)
			break;
	}
out_unlock:
	rtnl_unlock();
	module_put(THIS_MODULE);
}

static void espvti_sock_hook(struct net *net, struct socket *sock,
			     struct espvti_sock *esock)
{
	struct udp_tunnel_sock_cfg cfg = {
		.sk_user_data = esock,
		.encap_type = UDP_ENCAP_ESPINUDP,
		.encap_rcv = espvti_udp_rcv,
		.encap_destroy = esock->user ? espvti_udp_destroy : NULL,
	};

	setup_udp_tunnel_sock(net, sock, &cfg);
}

/**
 * espvti_sock_kernel() - the module's own socket on a port (RTNL held)
 * @net: namespace
 * @family: AF_INET or AF_INET6
 * @port: local port, network order
 * @extack: for the reason of a failure
 *
 * Shares a socket already open for this family and port.
 *
 * Return: the socket with a reference, or an ERR_PTR().
 */
struct espvti_sock *espvti_sock_kernel(struct net *net, u8 family,
				       __be16 port,
				       struct netlink_ext_ack *extack)
{
	struct espvti_net *en = espvti_pernet(net);
	struct udp_port_cfg cfg = {
		.family = family,
		.local_udp_port = port,
		.ipv6_v6only = 1,
	};
	struct espvti_sock *esock;
	int ret;

	ASSERT_RTNL();
	list_for_each_entry(esock, &en->socks, list) {
		if (!esock->user && esock->family == family && esock->port == port) {
			esock->users++;
			return esock;
		}
	}

	esock = kzalloc(sizeof(*esock), GFP_KERNEL);
	if (!esock)
		return ERR_PTR(-ENOMEM);
	ret = udp_sock_create(net, &cfg, &esock->sock);
	if (ret) {
		if (ret == -EADDRINUSE)
			NL_SET_ERR_MSG_MOD(extack,
					   "ESPVTI_A_ENCAP_SPORT: the UDP port is in use by another socket (hand that socket over with ESPVTI_A_ENCAP_FD)");
		else
			NL_SET_ERR_MSG_MOD(extack,
					   "ESPVTI_A_ENCAP_SPORT: cannot open a UDP socket on this port");
		goto err_free_esock;
	}
	esock->sk = esock->sock->sk;
	esock->family = family;
	esock->port = port;
	esock->users = 1;
	espvti_sock_hook(net, esock->sock, esock);
	list_add(&esock->list, &en->socks);
	return esock;

err_free_esock:
	kfree(esock);
	return ERR_PTR(ret);
}

/**
 * espvti_sock_user() - take over a process's UDP socket (RTNL held)
 * @net: namespace of the device; the socket must be in it
 * @fd: the caller's file descriptor
 * @attr: ESPVTI_A_ENCAP_FD, for error reports
 * @extack: for the reason of a failure
 *
 * Keeps a reference to the socket (struct sock), not to its file: the
 * socket stays the process's. espvti_sock_put() unhooks it and gives it
 * back; the process closing it makes every device let go of it
 * (espvti_udp_destroy()).
 *
 * Return: the socket with a reference, or an ERR_PTR().
 */
struct espvti_sock *espvti_sock_user(struct net *net, int fd,
				     const struct nlattr *attr,
				     struct netlink_ext_ack *extack)
{
	struct espvti_net *en = espvti_pernet(net);
	struct espvti_sock *esock;
	struct socket *sock;
	struct sock *sk;
	int ret;

	ASSERT_RTNL();
	sock = sockfd_lookup(fd, &ret);
	if (!sock) {
		NL_SET_BAD_ATTR(extack, attr);
		NL_SET_ERR_MSG_MOD(extack, "ESPVTI_A_ENCAP_FD: not a socket of the caller");
		return ERR_PTR(ret);
	}
	sk = sock->sk;
	list_for_each_entry(esock, &en->socks, list) {
		if (esock->sk == sk) {
			/* Already ours: the lookup's reference is not needed. */
			sockfd_put(sock);
			esock->users++;
			return esock;
		}
	}
	ret = -EINVAL;
	if (sk->sk_type != SOCK_DGRAM || sk->sk_protocol != IPPROTO_UDP ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG_MOD(extack, "ESPVTI_A_ENCAP_FD: not a UDP socket");
		goto err_put_sock;
	}
	if (!net_eq(sock_net(sk), net)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_A_ENCAP_FD: the socket belongs to another network namespace");
		goto err_put_sock;
	}
	if (!inet_sk(sk)->inet_sport) {
		NL_SET_ERR_MSG_MOD(extack, "ESPVTI_A_ENCAP_FD: the socket is not bound to a port");
		goto err_put_sock;
	}
	if (READ_ONCE(udp_sk(sk)->encap_type)) {
		ret = -EBUSY;
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_A_ENCAP_FD: the socket already carries another encapsulation");
		goto err_put_sock;
	}
	esock = kzalloc(sizeof(*esock), GFP_KERNEL);
	if (!esock) {
		ret = -ENOMEM;
		goto err_put_sock;
	}
	esock->sk = sk;
	sock_hold(sk);
	esock->family = sk->sk_family;
	esock->port = inet_sk(sk)->inet_sport;
	esock->users = 1;
	esock->user = true;
	espvti_sock_hook(net, sock, esock);
	list_add(&esock->list, &en->socks);
	/* The process keeps its descriptor; the device needs only the sock. */
	sockfd_put(sock);
	return esock;

err_put_sock:
	NL_SET_BAD_ATTR(extack, attr);
	sockfd_put(sock);
	return ERR_PTR(ret);
}

/**
 * espvti_sock_put() - drop a reference; the last one unhooks (RTNL held)
 * @esock: the socket (may be NULL)
 *
 * The module's own socket is closed; a handed-over one is unhooked and its
 * reference dropped, so it is an ordinary UDP socket of its process again
 * (or, if the process closed it meanwhile, freed).
 */
void espvti_sock_put(struct espvti_sock *esock)
{
	struct sock *sk;

	ASSERT_RTNL();
	if (!esock || --esock->users)
		return;
	list_del(&esock->list);
	sk = esock->sk;
	if (!esock->user) {
		udp_tunnel_sock_release(esock->sock);
	} else {
		WRITE_ONCE(udp_sk(sk)->encap_destroy, NULL);
		WRITE_ONCE(udp_sk(sk)->encap_rcv, NULL);
		WRITE_ONCE(udp_sk(sk)->encap_type, 0);
		rcu_assign_sk_user_data(sk, NULL);
		/* Undo the rest of setup_udp_tunnel_sock() that reception sees. */
		inet_dec_convert_csum(sk);
		/* Receivers that saw the hook are done before the sock goes. */
		synchronize_net();
		sock_put(sk);
	}
	kfree(esock);
}
