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
 *                            socket for its process (dropped and counted
 *                            on our own)
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
 *
 * Also here, the rest of NAT traversal: keepalives (their timer and
 * datagram; the outer headers are built by espvti_output_udp() in output.c,
 * as for every other packet) and peer floating (espvti_udp_float(),
 * espvti_float_work()).
 */

#include <linux/module.h>

#include <linux/file.h>
#include <linux/workqueue.h>
#include <linux/net.h>
#include <linux/rtnetlink.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "device.h"
#include "input.h"
#include "netlink.h"
#include "reserve.h"
#include "sa.h"
#include "udp.h"

/**
 * espvti_dev_by_remote() - the device whose peer has this outer address
 * @net: namespace
 * @family: AF_INET or AF_INET6
 * @addr: __be32 or struct in6_addr
 *
 * Used to charge drops that have no SA to a device, and to find the device
 * an ICMP error is about. One bucket of the namespace's hash of remote
 * addresses (espvti_net::remote_hash) is walked: a sender cannot make the
 * lookup cost grow with the number of devices. Under RCU.
 *
 * Return: the first such device, or NULL.
 */
struct espvti_dev *espvti_dev_by_remote(struct net *net, u8 family,
					const void *addr)
{
	struct espvti_net *en = espvti_pernet(net);
	struct espvti_endpoint *ep;
	struct espvti_dev *edev;
	struct espvti_remote_key key;
	struct rhlist_head *list, *pos;

	espvti_remote_key_set(&key, family, addr);
	list = rhltable_lookup(&en->remote_hash, &key, espvti_remote_params);
	rhl_for_each_entry_rcu(edev, pos, list, remote_node) {
		ep = rcu_dereference(edev->ep);
		if (ep && espvti_ep_remote_is(ep, family, addr))
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
		rcu_read_lock();
		espvti_udp_count(skb, ESPVTI_STAT_RX_NON_ESP);
		rcu_read_unlock();
		consume_skb(skb);
		return 0;
	}
	/* Read, not pulled: see espvti_rx_in_place_ok() in input.c. */
	if (len < sizeof(struct ip_esp_hdr) ||
	    skb_copy_bits(skb, sizeof(struct udphdr), &word, sizeof(word)))
		goto malformed;

	sport = udp_hdr(skb)->source;
	spi = ntohl(word);
	rcu_read_lock();
	sa = espvti_sa_lookup_in(sock_net(sk), spi);
	if (sa && !espvti_sa_get(sa))
		sa = NULL;
	if (!sa) {
		__skb_pull(skb, sizeof(struct udphdr));
		skb_reset_transport_header(skb);
		if (espvti_resv_hold(sock_net(sk), spi, skb,
				     skb->protocol == htons(ETH_P_IP) ?
				     AF_INET : AF_INET6, true, sport)) {
			rcu_read_unlock();
			return 0;
		}
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
 * Every device of @en using @esock lets go of it, as if encapsulation were
 * turned off but keeping its settings: it sends ESP in UDP from the same
 * port and receives none until a socket is handed over again. The last one
 * gives the socket back. RTNL held.
 */
static void espvti_sock_abandon(struct espvti_net *en,
				struct espvti_sock *esock, const char *why)
{
	struct espvti_endpoint *ep;
	struct espvti_dev *edev;
	unsigned int n = esock->users;

	ASSERT_RTNL();
	list_for_each_entry(edev, &en->devs, list) {
		ep = rtnl_dereference(edev->ep);
		if (!ep || ep->esock != esock)
			continue;
		ep->esock = NULL;
		netdev_info(edev->dev,
			    "the process that handed over UDP port %u %s: no ESP in UDP is received until a socket is handed over again\n",
			    ntohs(esock->port), why);
		/* The last one unhooks and frees it. */
		espvti_sock_put(esock);
		if (!--n)
			break;
	}
}

static struct espvti_sock *espvti_sock_find_user(struct espvti_net *en,
						 struct sock *sk)
{
	struct espvti_sock *esock;

	list_for_each_entry(esock, &en->socks, list)
		if (esock->user && esock->sk == sk)
			return esock;
	return NULL;
}

/*
 * Handed-over sockets that a device let go of while their process was
 * closing them (espvti_sock_put()): the hooks stay until the closing
 * process's call of espvti_udp_destroy() gives them back. Module exit waits
 * until there are none (espvti_udp_module_exit()).
 */
static atomic_t espvti_orphans = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(espvti_orphans_wq);

static void espvti_sock_unhook(struct espvti_sock *esock);
static void espvti_sock_free_rcu(struct rcu_head *head);

/*
 * encap_destroy of a handed-over socket: its process closed it (last file
 * reference; also when the process dies). Process context, no lock held;
 * udp_destroy_sock() has marked the socket SOCK_DEAD under its lock, then
 * read this hook and called it without any lock.
 *
 * An orphan (no device holds it any more, see espvti_sock_put()) is given
 * back here and freed. Otherwise the esock is marked closed, so that a
 * device letting go later unhooks it at once, and every device lets go of
 * it. While the module is being unloaded try_module_get() fails: its exit
 * deletes every device and so gives every socket back (the socket stays
 * allocated, we hold a reference), and this function returns at once.
 */
static void espvti_udp_destroy(struct sock *sk)
{
	struct espvti_sock *esock;
	struct espvti_net *en;

	lock_sock(sk);
	rcu_read_lock();
	esock = rcu_dereference_sk_user_data(sk);
	rcu_read_unlock();
	/* Under the socket's lock, sk_user_data is ours while the hook is. */
	if (READ_ONCE(udp_sk(sk)->encap_destroy) != espvti_udp_destroy)
		esock = NULL;
	if (esock && esock->orphan) {
		espvti_sock_unhook(esock);
		release_sock(sk);
		call_rcu(&esock->rcu, espvti_sock_free_rcu);
		if (atomic_dec_and_test(&espvti_orphans))
			wake_up(&espvti_orphans_wq);
		return;
	}
	if (esock)
		esock->closed = true;
	release_sock(sk);

	if (!try_module_get(THIS_MODULE))
		return;
	rtnl_lock();
	en = espvti_pernet(sock_net(sk));
	/* Not found: a device let go of it while the process was closing it. */
	esock = espvti_sock_find_user(en, sk);
	if (esock)
		espvti_sock_abandon(en, esock, "closed its socket");
	rtnl_unlock();
	module_put(THIS_MODULE);
}

/**
 * espvti_udp_module_exit() - wait for the orphaned sockets (module exit)
 *
 * Called after every device is gone: a socket whose process was closing it
 * when its device let go still has our hooks until the process's call of
 * espvti_udp_destroy(), which is already on its way.
 */
void espvti_udp_module_exit(void)
{
	wait_event(espvti_orphans_wq, !atomic_read(&espvti_orphans));
}

/*
 * Handed-over sockets whose process closed them without our encap_destroy
 * being called (the core calls it only while an encapsulation type is set,
 * and the process may have reset it with setsockopt UDP_ENCAP 0), or whose
 * receive hook the process replaced (UDP_ENCAP_ESPINUDP gives the socket to
 * xfrm): let go of them. Without this a closed socket would stay pinned by
 * the devices, and with it its namespace. Runs every second while the
 * namespace has handed-over sockets.
 */
static void espvti_sock_reap_work(struct work_struct *work)
{
	struct espvti_net *en = container_of(to_delayed_work(work),
					     struct espvti_net, reap_work);
	struct espvti_sock *esock, *tmp;
	bool more = false;

	rtnl_lock();
	list_for_each_entry_safe(esock, tmp, &en->socks, list) {
		if (!esock->user)
			continue;
		if (sock_flag(esock->sk, SOCK_DEAD))
			espvti_sock_abandon(en, esock, "closed its socket");
		else if (READ_ONCE(udp_sk(esock->sk)->encap_rcv) != espvti_udp_rcv)
			espvti_sock_abandon(en, esock,
					    "changed its encapsulation (setsockopt UDP_ENCAP)");
		else
			more = true;
	}
	/* abandon() may have freed entries after tmp: look again. */
	list_for_each_entry(esock, &en->socks, list)
		more |= esock->user;
	if (more)
		schedule_delayed_work(&en->reap_work, HZ);
	rtnl_unlock();
}

/**
 * espvti_udp_net_init() - per-namespace state of udp.c
 * @en: the namespace's state
 */
void espvti_udp_net_init(struct espvti_net *en)
{
	INIT_LIST_HEAD(&en->socks);
	INIT_DELAYED_WORK(&en->reap_work, espvti_sock_reap_work);
}

/**
 * espvti_udp_net_exit() - the namespace goes (its devices are gone)
 * @en: the namespace's state
 */
void espvti_udp_net_exit(struct espvti_net *en)
{
	cancel_delayed_work_sync(&en->reap_work);
	WARN_ON_ONCE(!list_empty(&en->socks));
}

/* Multicast loopback of a socket: a bit field before 6.5, a flag since. */
static bool espvti_sk_mc_loop(struct sock *sk)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return inet_test_bit(MC_LOOP, sk);
#else
	return inet_sk(sk)->mc_loop;
#endif
}

static void espvti_sk_set_mc_loop(struct sock *sk, bool on)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	inet_assign_bit(MC_LOOP, sk, on);
#else
	inet_sk(sk)->mc_loop = on;
#endif
}

/*
 * Hooks a socket for reception (socket locked for a handed-over one),
 * saving what setup_udp_tunnel_sock() overwrites so that it can be restored.
 */
static void espvti_sock_hook(struct net *net, struct socket *sock,
			     struct espvti_sock *esock)
{
	struct udp_tunnel_sock_cfg cfg = {
		.sk_user_data = esock,
		.encap_type = UDP_ENCAP_ESPINUDP,
		.encap_rcv = espvti_udp_rcv,
		.encap_destroy = esock->user ? espvti_udp_destroy : NULL,
	};
	struct udp_sock *up = udp_sk(sock->sk);

	esock->saved.mc_loop = espvti_sk_mc_loop(sock->sk);
	esock->saved.encap_type = up->encap_type;
	esock->saved.encap_rcv = up->encap_rcv;
	esock->saved.encap_err_rcv = up->encap_err_rcv;
	esock->saved.encap_err_lookup = up->encap_err_lookup;
	esock->saved.encap_destroy = up->encap_destroy;
	esock->saved.gro_receive = up->gro_receive;
	esock->saved.gro_complete = up->gro_complete;
	setup_udp_tunnel_sock(net, sock, &cfg);
}

/*
 * Gives a handed-over socket back as it was (socket locked). Hooks the
 * process replaced since (setsockopt UDP_ENCAP) are its own: left alone.
 * The socket's "encapsulation enabled" flag stays set: it holds a count on
 * the core's encap static key that only the socket's destruction drops
 * (there is no exported way to drop the IPv6 one); it only makes reception
 * look at encap_type, which is restored.
 */
static void espvti_sock_unhook(struct espvti_sock *esock)
{
	struct sock *sk = esock->sk;
	struct udp_sock *up = udp_sk(sk);

	if (READ_ONCE(up->encap_rcv) == espvti_udp_rcv) {
		WRITE_ONCE(up->encap_rcv, esock->saved.encap_rcv);
		WRITE_ONCE(up->encap_type, esock->saved.encap_type);
		WRITE_ONCE(up->encap_err_rcv, esock->saved.encap_err_rcv);
		WRITE_ONCE(up->encap_err_lookup, esock->saved.encap_err_lookup);
		WRITE_ONCE(up->gro_receive, esock->saved.gro_receive);
		WRITE_ONCE(up->gro_complete, esock->saved.gro_complete);
	}
	if (READ_ONCE(up->encap_destroy) == espvti_udp_destroy)
		WRITE_ONCE(up->encap_destroy, esock->saved.encap_destroy);
	rcu_assign_sk_user_data(sk, NULL);
	espvti_sk_set_mc_loop(sk, esock->saved.mc_loop);
	inet_dec_convert_csum(sk);
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

	esock = kzalloc(sizeof(*esock), GFP_KERNEL_ACCOUNT);
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

/*
 * Is the socket in use by someone else? sk_user_data (another tunnel,
 * a sockmap/BPF psock, even one whose pointer flags mark it), an
 * encapsulation type or hooks (setsockopt UDP_ENCAP, another kernel user)
 * all say so, and @extack says which. Socket locked.
 */
static bool espvti_sock_busy(struct sock *sk, struct netlink_ext_ack *extack)
{
	const struct udp_sock *up = udp_sk(sk);

	if (rcu_access_pointer(sk->sk_user_data)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_A_ENCAP_FD: the socket is in use by another kernel subsystem (sk_user_data set: a tunnel, sockmap or BPF)");
		return true;
	}
	if (READ_ONCE(up->encap_type)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_A_ENCAP_FD: the socket already carries another encapsulation (setsockopt UDP_ENCAP or a kernel tunnel)");
		return true;
	}
	if (READ_ONCE(up->encap_rcv) || READ_ONCE(up->gro_receive) ||
	    READ_ONCE(up->encap_destroy)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ESPVTI_A_ENCAP_FD: the socket has encapsulation hooks of another user (setsockopt UDP_ENCAP was used on it)");
		return true;
	}
	return false;
}

/**
 * espvti_sock_user() - take over a process's UDP socket (RTNL held)
 * @net: namespace of the device; the socket must be in it
 * @fd: the caller's file descriptor
 * @attr: ESPVTI_A_ENCAP_FD, for error reports
 * @extack: for the reason of a failure
 *
 * Keeps a reference to the socket (struct sock), not to its file: the
 * socket stays the process's. The checks and the takeover run under the
 * socket's lock, like setsockopt(); a socket someone else uses is refused
 * with -EBUSY. espvti_sock_put() unhooks it and gives it back; the process
 * closing it makes every device let go of it (espvti_udp_destroy(), and
 * espvti_sock_reap_work() when it reset UDP_ENCAP first).
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
	esock = kzalloc(sizeof(*esock), GFP_KERNEL_ACCOUNT);
	if (!esock) {
		ret = -ENOMEM;
		goto err_put_sock;
	}
	lock_sock(sk);
	if (!inet_sk(sk)->inet_sport) {
		NL_SET_ERR_MSG_MOD(extack, "ESPVTI_A_ENCAP_FD: the socket is not bound to a port");
		goto err_release_sock;
	}
	if (espvti_sock_busy(sk, extack)) {
		ret = -EBUSY;
		goto err_release_sock;
	}
	esock->sk = sk;
	sock_hold(sk);
	esock->family = sk->sk_family;
	esock->port = inet_sk(sk)->inet_sport;
	esock->users = 1;
	esock->user = true;
	espvti_sock_hook(net, sock, esock);
	release_sock(sk);
	list_add(&esock->list, &en->socks);
	schedule_delayed_work(&en->reap_work, HZ);
	/* The process keeps its descriptor; the device needs only the sock. */
	sockfd_put(sock);
	return esock;

err_release_sock:
	release_sock(sk);
	kfree(esock);
err_put_sock:
	NL_SET_BAD_ATTR(extack, attr);
	sockfd_put(sock);
	return ERR_PTR(ret);
}

/* After a grace period: no receiver still sees the hook or the esock. */
static void espvti_sock_free_rcu(struct rcu_head *head)
{
	struct espvti_sock *esock = container_of(head, struct espvti_sock, rcu);

	if (esock->user)
		sock_put(esock->sk);
	kfree(esock);
}

/**
 * espvti_sock_put() - drop a reference; the last one unhooks (RTNL held)
 * @esock: the socket (may be NULL)
 *
 * The module's own socket is closed; a handed-over one is unhooked under
 * its lock and given back, so it is an ordinary UDP socket of its process
 * again (or, if the process closed it meanwhile, freed). Receivers may still
 * be in espvti_udp_rcv() with the old sk_user_data: the esock and our
 * socket reference go after a grace period (call_rcu), not by waiting here
 * with RTNL held. Module exit waits for those callbacks (rcu_barrier()).
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
		/* UDP sockets are freed after a grace period (SOCK_RCU_FREE). */
		rcu_assign_sk_user_data(sk, NULL);
		kernel_sock_shutdown(esock->sock, SHUT_RDWR);
		sock_release(esock->sock);
	} else {
		struct udp_sock *up = udp_sk(sk);

		lock_sock(sk);
		/*
		 * The process is closing the socket: udp_destroy_sock() has
		 * marked it dead under this lock and, seeing an encapsulation
		 * type, reads our encap_destroy and calls it without any lock
		 * (it may have read it already). Unhooking now would let the
		 * module go while that call is on its way into its code. The
		 * hooks stay; espvti_udp_destroy() gives them back and frees
		 * the orphan, and module exit waits for it.
		 */
		if (sock_flag(sk, SOCK_DEAD) && !esock->closed &&
		    READ_ONCE(up->encap_type) &&
		    READ_ONCE(up->encap_destroy) == espvti_udp_destroy) {
			esock->orphan = true;
			atomic_inc(&espvti_orphans);
			release_sock(sk);
			return;
		}
		espvti_sock_unhook(esock);
		release_sock(sk);
	}
	call_rcu(&esock->rcu, espvti_sock_free_rcu);
}

/*
 * Sends a NAT keepalive (RFC 3948 2.3): a one-byte 0xFF datagram from the
 * local to the remote encapsulation port keeps the NAT mapping open.
 * Called under rcu_read_lock_bh().
 */
static void espvti_send_keepalive(struct espvti_dev *edev,
				  struct espvti_endpoint *ep)
{
	static const u8 keepalive = 0xff;

	if (!ep->family || ipv6_addr_any(&ep->remote))
		return;
	if (!espvti_output_udp(edev, ep, &keepalive, sizeof(keepalive)))
		espvti_count(edev, NULL, ESPVTI_STAT_TX_KEEPALIVE);
}

/**
 * espvti_keepalive_timer() - send a NAT keepalive and re-arm
 * @t: espvti_dev::keepalive_timer
 */
void espvti_keepalive_timer(struct timer_list *t)
{
	struct espvti_dev *edev = from_timer(edev, t, keepalive_timer);
	struct espvti_endpoint *ep;

	rcu_read_lock_bh();
	ep = rcu_dereference_bh(edev->ep);
	if (ep && ep->encap == ESPVTI_ENCAP_UDP && ep->keepalive) {
		espvti_send_keepalive(edev, ep);
		mod_timer(&edev->keepalive_timer,
			  jiffies + (unsigned long)ep->keepalive * HZ);
	}
	rcu_read_unlock_bh();
}

/**
 * espvti_float_work() - move the remote endpoint (process context)
 * @work: espvti_dev::float_work
 *
 * Moves the remote endpoint to the address and port recorded by
 * espvti_udp_float(), and tells listeners. Holds a device reference taken
 * when it was queued; espvti_dev_uninit() cancels a queued one.
 */
void espvti_float_work(struct work_struct *work)
{
	struct espvti_dev *edev = container_of(work, struct espvti_dev,
					       float_work);
	struct espvti_endpoint *old, *ep;
	struct in6_addr addr;
	__be16 port;
	u8 family;

	rtnl_lock();
	spin_lock_bh(&edev->float_lock);
	family = edev->float_family;
	addr = edev->float_addr;
	port = edev->float_port;
	edev->float_family = 0;
	spin_unlock_bh(&edev->float_lock);

	old = rtnl_dereference(edev->ep);
	if (!family || edev->dev->reg_state != NETREG_REGISTERED || !old ||
	    old->encap != ESPVTI_ENCAP_UDP || !old->float_ok ||
	    old->family != family)
		goto out_unlock;
	if (ipv6_addr_equal(&old->remote, &addr) && old->dport == port)
		goto out_unlock;
	ep = espvti_endpoint_dup(old);
	if (!ep)
		goto out_unlock;
	ep->remote = addr;
	ep->dport = port;
	rcu_assign_pointer(edev->ep, ep);
	espvti_nl_notify_mapping(edev, old, ep);
	espvti_endpoint_release(old);
	espvti_dev_endpoint_changed(edev);
out_unlock:
	rtnl_unlock();
	dev_put(edev->dev);
}

/**
 * espvti_udp_float() - note where an authentic UDP-encapsulated packet came from
 * @edev: its device
 * @family: outer family
 * @saddr: outer source address (__be32 or struct in6_addr)
 * @sport: UDP source port
 *
 * Called by the receive path only for a packet that passed every check (ICV,
 * replay window, trailer, selectors) and moved the replay window's top: an
 * older packet completing late, or one replayed from elsewhere within the
 * window, never moves the endpoint. When the peer's address or port changed
 * and floating is on, the endpoint is updated from process context. Under
 * RCU (BH).
 */
void espvti_udp_float(struct espvti_dev *edev, u8 family, const void *saddr,
		      __be16 sport)
{
	struct espvti_endpoint *ep = rcu_dereference_bh(edev->ep);
	struct in6_addr addr = {};

	if (!ep || ep->encap != ESPVTI_ENCAP_UDP || !ep->float_ok ||
	    ep->family != family)
		return;
	if (family == AF_INET)
		addr.s6_addr32[0] = *(const __be32 *)saddr;
	else
		addr = *(const struct in6_addr *)saddr;
	if (likely(ipv6_addr_equal(&addr, &ep->remote) && sport == ep->dport))
		return;

	spin_lock(&edev->float_lock);
	edev->float_family = family;
	edev->float_addr = addr;
	edev->float_port = sport;
	spin_unlock(&edev->float_lock);
	dev_hold(edev->dev);
	if (!schedule_work(&edev->float_work))
		dev_put(edev->dev);
}
