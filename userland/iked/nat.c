// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * nat.c - NAT traversal (RFC 7296 2.23, RFC 3948): the NAT_DETECTION_*_IP
 * notifies of IKE_SA_INIT and what they show; the initiator's move to the
 * NAT-T port (IKE behind the non-ESP marker) for IKE_AUTH and everything
 * after; following the peer to a new address or port, only on an
 * authenticated message or on the device's mapping event (which the module
 * sends for authenticated ESP only); and the device's UDP encapsulation,
 * which shares our NAT-T socket with the module so that ESP and IKE use the
 * same port, as the NAT mapping requires.
 *
 * One NAT-T socket per address family serves every connection: each device
 * that needs encapsulation is handed the same socket, the module keeps one
 * hook on it for all of them and finds the device of an ESP packet by its
 * SPI; IKE datagrams stay on the socket for us. The devices we switched are
 * switched back when the daemon stops, which gives the socket back.
 *
 * "encap yes" makes us claim to be behind a NAT: our NAT_DETECTION_SOURCE_IP
 * carries a random hash, so both sides find a NAT and encapsulate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "daemon.h"
#include "log.h"

/**
 * struct nat_dev - a device we turned UDP encapsulation on for
 * @name: the device
 * @dport: the peer's port the device was last given
 * @next: list link
 */
struct nat_dev {
	char name[CONF_IFNAME_MAX];
	uint16_t dport;
	struct nat_dev *next;
};

static struct nat_dev *nat_devs;

static struct nat_dev *nat_dev_find(const char *name)
{
	for (struct nat_dev *d = nat_devs; d; d = d->next)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

static void nat_dev_forget(const char *name)
{
	for (struct nat_dev **pp = &nat_devs; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->name, name)) {
			struct nat_dev *d = *pp;

			*pp = d->next;
			free(d);
			return;
		}
}

bool nat_found(const struct ike_sa *sa)
{
	return sa->nat_local || sa->nat_remote;
}

static void natd_hash(const uint8_t *spi_i, const uint8_t *spi_r,
		      const struct sockaddr_storage *ss, uint8_t out[IKE_NAT_HASH_LEN])
{
	size_t alen;
	const uint8_t *a = addr_bytes(ss, &alen);

	ike_nat_hash(spi_i, spi_r, a, alen, addr_port(ss), out);
}

void nat_notify_add(struct ike_builder *b, const struct ike_sa *sa)
{
	uint8_t hs[IKE_NAT_HASH_LEN], hd[IKE_NAT_HASH_LEN];
	struct ike_notify n = { .type = IKE_N_NAT_DETECTION_SOURCE_IP };

	natd_hash(sa->spi_i, sa->spi_r, &sa->local, hs);
	if (sa->conn->encap && RAND_bytes(hs, sizeof(hs)) != 1)
		hs[0] ^= 0xff;	/* any other value will do */
	natd_hash(sa->spi_i, sa->spi_r, &sa->remote, hd);
	n.data.p = hs;
	n.data.len = sizeof(hs);
	ike_build_notify(b, &n);
	n.type = IKE_N_NAT_DETECTION_DESTINATION_IP;
	n.data.p = hd;
	ike_build_notify(b, &n);
}

/* Initiator: IKE_AUTH and everything after from our NAT-T port to the peer's. */
static void nat_move_initiator(struct ike_sa *sa)
{
	int fd = net_natt_fd(sa->remote.ss_family);
	char from[64], to[64];

	if (fd < 0) {
		log_warn(SA_FMT " NAT detected but there is no NAT-T socket for this address family (natt_port %u): IKE stays on port %u and ESP is not encapsulated, which a NAT will likely not pass",
			 SA_ARGS(sa), ikd.conf->natt_port, addr_port(&sa->local));
		return;
	}
	addr_format(&sa->remote, true, from, sizeof(from));
	sa->fd = fd;
	addr_set_port(&sa->local, ikd.conf->natt_port);
	addr_set_port(&sa->remote, sa->conn->remote_natt_port);
	addr_format(&sa->remote, true, to, sizeof(to));
	log_info(SA_FMT " moving IKE to the NAT-T port: peer %s -> %s, from our port %u",
		 SA_ARGS(sa), from, to, ikd.conf->natt_port);
}

void nat_detect(struct ike_sa *sa, const struct ike_msg *m, const uint8_t *spi_r)
{
	uint8_t h[IKE_NAT_HASH_LEN];
	bool src_seen = false, src_ok = false, dst_seen = false, dst_ok = false;

	for (unsigned int i = 0; i < m->nnotify; i++) {
		const struct ike_notify *n = &m->notify[i];

		if (n->type == IKE_N_NAT_DETECTION_SOURCE_IP) {
			natd_hash(sa->spi_i, spi_r, &sa->remote, h);
			src_seen = true;
			src_ok |= n->data.len == sizeof(h) && !memcmp(n->data.p, h, sizeof(h));
		} else if (n->type == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			natd_hash(sa->spi_i, spi_r, &sa->local, h);
			dst_seen = true;
			dst_ok |= n->data.len == sizeof(h) && !memcmp(n->data.p, h, sizeof(h));
		}
	}
	if (!src_seen || !dst_seen) {
		log_info(SA_FMT " peer sent %s: it does not do NAT traversal, assuming no NAT%s",
			 SA_ARGS(sa), src_seen ? "no NAT_DETECTION_DESTINATION_IP" :
			 dst_seen ? "no NAT_DETECTION_SOURCE_IP" : "no NAT detection notifies",
			 sa->conn->encap ? " (encap yes cannot be honoured)" : "");
		return;
	}
	sa->nat_remote = !src_ok;
	sa->nat_local = !dst_ok || sa->conn->encap;
	if (!nat_found(sa)) {
		log_debug(SA_FMT " no NAT between us", SA_ARGS(sa));
		return;
	}
	log_info(SA_FMT " NAT detected: %s%s%s", SA_ARGS(sa),
		 !dst_ok ? "we are behind a NAT (the peer saw another address or port than ours)" :
		 sa->nat_local ? "we claim to be behind a NAT (encap yes)" : "",
		 sa->nat_local && sa->nat_remote ? ", " : "",
		 sa->nat_remote ? "the peer is behind a NAT (its packet came from another address or port than it sent from)" : "");
	if (sa->initiator)
		nat_move_initiator(sa);
}

/* Point the device at the peer's current port (and address). */
static int nat_device_follow(struct ike_sa *sa, struct nat_dev *d)
{
	struct sockaddr_storage l = sa->local, r = sa->remote;
	struct kern_encap e = {
		.udp = true,
		.dport = addr_port(&sa->remote),
		.keepalive = sa->nat_local ? sa->conn->natt_keepalive : 0,
		.fd = sa->fd,
	};
	char err[512];

	addr_set_port(&l, 0);
	addr_set_port(&r, 0);
	if (ikd.kern->ops->dev_set(ikd.kern, sa->conn->device, &l, &r, err, sizeof(err)) ||
	    ikd.kern->ops->encap_set(ikd.kern, sa->conn->device, &e, err, sizeof(err))) {
		log_err(SA_FMT " device %s: cannot follow the peer: %s", SA_ARGS(sa),
			sa->conn->device, err);
		return -1;
	}
	d->dport = e.dport;
	return 0;
}

void nat_peer_seen(struct ike_sa *sa, int fd, const struct sockaddr_storage *local,
		   const struct sockaddr_storage *remote)
{
	char was[64], now[64];
	bool to_natt = net_is_natt(fd) && !net_is_natt(sa->fd);
	struct nat_dev *d;

	if (fd == sa->fd && addr_equal(remote, &sa->remote, true))
		return;
	addr_format(&sa->remote, true, was, sizeof(was));
	addr_format(remote, true, now, sizeof(now));
	if (!to_natt && (!sa->nat_remote || fd != sa->fd)) {
		/* 2.23: only a peer behind a NAT is followed, and not off the NAT-T port. */
		log_debug(SA_FMT " authenticated message from %s on port %u, the IKE SA is with %s on port %u: not following (%s)",
			  SA_ARGS(sa), now, addr_port(local), was, addr_port(&sa->local),
			  fd != sa->fd ? "the IKE SA stays on the NAT-T port" :
			  "the peer is not behind a NAT");
		return;
	}
	log_info(SA_FMT " peer %s %s -> %s (authenticated message): following it", SA_ARGS(sa),
		 to_natt ? "moved to the NAT-T port," : "moved,", was, now);
	sa->fd = fd;
	sa->local = *local;
	sa->remote = *remote;
	d = nat_dev_find(sa->conn->device);
	if (d && d->dport != addr_port(remote))
		nat_device_follow(sa, d);
}

int nat_child_encap(struct ike_sa *sa)
{
	struct kern_encap e = { .fd = -1 };
	const char *dev = sa->conn->device;
	struct nat_dev *d = nat_dev_find(dev);
	char err[512], a[64];

	if (!nat_found(sa) || !net_is_natt(sa->fd)) {
		if (!d)
			return 0;	/* plain ESP, as the device already is */
		if (ikd.kern->ops->encap_set(ikd.kern, dev, &e, err, sizeof(err))) {
			log_err(SA_FMT " device %s: turning UDP encapsulation off: %s", SA_ARGS(sa),
				dev, err);
			return -1;
		}
		log_info(SA_FMT " no NAT: device %s back to plain ESP", SA_ARGS(sa), dev);
		nat_dev_forget(dev);
		return 0;
	}
	e.udp = true;
	e.dport = addr_port(&sa->remote);
	e.keepalive = sa->nat_local ? sa->conn->natt_keepalive : 0;
	e.fd = sa->fd;
	if (ikd.kern->ops->encap_set(ikd.kern, dev, &e, err, sizeof(err))) {
		log_err(SA_FMT " device %s: UDP encapsulation: %s", SA_ARGS(sa), dev, err);
		return -1;
	}
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d) {
			log_err(SA_FMT " out of memory", SA_ARGS(sa));
			return -1;
		}
		snprintf(d->name, sizeof(d->name), "%s", dev);
		d->next = nat_devs;
		nat_devs = d;
	}
	d->dport = e.dport;
	addr_format(&sa->remote, true, a, sizeof(a));
	log_info(SA_FMT " device %s: ESP in UDP from port %u to %s, keepalive %s%u s, on the IKE socket",
		 SA_ARGS(sa), dev, addr_port(&sa->local), a, e.keepalive ? "every " : "",
		 e.keepalive);
	return 0;
}

void nat_mapping(struct ike_sa *sa, const struct kern_event *ev)
{
	char was[64], now[64];
	struct nat_dev *d = nat_dev_find(ev->dev);

	addr_format(&ev->old_remote, true, was, sizeof(was));
	addr_format(&ev->remote, true, now, sizeof(now));
	if (d)
		d->dport = addr_port(&ev->remote);
	if (!sa) {
		log_info("device %s: the peer's NAT mapping changed (%s -> %s); no IKE SA to update",
			 ev->dev, was, now);
		return;
	}
	if (!net_is_natt(sa->fd) || ev->remote.ss_family != sa->remote.ss_family) {
		log_warn(SA_FMT " device %s reports the peer at %s (was %s), but the IKE SA is not on the NAT-T port of that family: not followed",
			 SA_ARGS(sa), ev->dev, now, was);
		return;
	}
	if (addr_equal(&ev->remote, &sa->remote, true))
		return;	/* IKE got there first */
	addr_format(&sa->remote, true, was, sizeof(was));
	log_info(SA_FMT " device %s: the peer's NAT mapping changed, IKE follows: %s -> %s",
		 SA_ARGS(sa), ev->dev, was, now);
	sa->remote = ev->remote;
}

void nat_release(void)
{
	struct kern_encap e = { .fd = -1 };
	char err[512];

	while (nat_devs) {
		struct nat_dev *d = nat_devs;

		nat_devs = d->next;
		if (ikd.kern && ikd.kern->ops->encap_set(ikd.kern, d->name, &e, err, sizeof(err)))
			log_warn("device %s: turning UDP encapsulation off: %s", d->name, err);
		else
			log_debug("device %s: UDP encapsulation off, NAT-T socket given back",
				  d->name);
		free(d);
	}
}
