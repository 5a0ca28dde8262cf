/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * kernel.h - how espiked keys espvti devices. Two backends behind one
 * interface: "netlink", the espvti generic netlink family
 * (include/uapi/linux/espvti.h) through libnl-genl-3, and "fake:PATH", which
 * keeps the same state in memory and writes it to PATH after every change
 * (host tests compare two daemons' files).
 */
#ifndef ESPIKED_KERNEL_H
#define ESPIKED_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"

#define KERN_KEY_MAX	36	/* AES-256 or ChaCha20 key + 4-octet salt */

/**
 * struct kern_sa - one ESP SA of an espvti device
 * @dev: device name
 * @dir: ESPVTI_DIR_IN or ESPVTI_DIR_OUT
 * @spi: SPI, host order
 * @alg: ESPVTI_ALG_AES_GCM or ESPVTI_ALG_CHACHA20_POLY1305
 * @key: key followed by the 4-octet salt
 * @keylen: octets in @key
 * @icv_bits: ICV length in bits
 * @esn: extended sequence numbers
 * @replay_window: inbound replay window (packets)
 * @soft_bytes: the module sends a soft-expire event after this many bytes
 *	(0: none); likewise @soft_packets
 * @soft_packets: see @soft_bytes
 * @hard_bytes: the module removes the SA after this many bytes (0: none);
 *	likewise @hard_packets
 * @hard_packets: see @hard_bytes
 * @ts_local: local selectors (empty: any)
 * @nts_local: entries in @ts_local
 * @ts_remote: remote selectors (empty: any)
 * @nts_remote: entries in @ts_remote
 */
struct kern_sa {
	char dev[CONF_IFNAME_MAX];
	uint8_t dir;
	uint32_t spi;
	const char *alg;
	uint8_t key[KERN_KEY_MAX];
	size_t keylen;
	uint32_t icv_bits;
	bool esn;
	uint32_t replay_window;
	uint64_t soft_bytes, soft_packets, hard_bytes, hard_packets;
	struct ts_prefix ts_local[CONF_MAX_TS];
	unsigned int nts_local;
	struct ts_prefix ts_remote[CONF_MAX_TS];
	unsigned int nts_remote;
};

/**
 * struct kern_encap - UDP encapsulation of a device's ESP (RFC 3948)
 * @udp: ESP in UDP; false turns encapsulation off (other fields unused)
 * @dport: the peer's UDP port as we see it (its NAT's, when it has one)
 * @keepalive: seconds between NAT keepalives, 0 none
 * @fd: our UDP socket on the NAT-T port, handed to the module so that ESP
 *	and IKE share the port; the module takes ESP off it, IKE stays
 */
struct kern_encap {
	bool udp;
	uint16_t dport;
	uint32_t keepalive;
	int fd;
};

/**
 * enum kern_event_type - notifications espiked acts on
 * @KEV_SOFT_EXPIRE: an SA reached a soft limit: rekey its CHILD_SA
 * @KEV_HARD_EXPIRE: an SA reached a hard limit: remove its CHILD_SA
 * @KEV_ACQUIRE: a packet found no outbound SA: start a "trap" connection
 * @KEV_MAPPING: the peer's NAT mapping changed: follow it
 */
enum kern_event_type {
	KEV_SOFT_EXPIRE,
	KEV_HARD_EXPIRE,
	KEV_ACQUIRE,
	KEV_MAPPING,
};

/**
 * struct kern_event - a notification from the espvti module
 * @type: what happened
 * @dev: device name
 * @dir: SA direction (expire events)
 * @spi: SA SPI (expire events)
 * @remote: mapping events: the peer's new address and UDP port
 * @old_remote: mapping events: the address and port it had before
 */
struct kern_event {
	enum kern_event_type type;
	char dev[CONF_IFNAME_MAX];
	uint8_t dir;
	uint32_t spi;
	struct sockaddr_storage remote, old_remote;
};

typedef void (*kern_event_cb)(const struct kern_event *ev, void *arg);

struct kern;

/**
 * struct kern_ops - one backend; every function returns 0 or -1 with the
 *	reason (the kernel's extended ACK message when there is one) in @err
 * @dev_set: set the outer endpoints of @dev
 * @sa_new: add an SA
 * @sa_del: delete an SA (an inbound SPI that only has a reservation loses it)
 * @sa_reserve: reserve an inbound SPI offered to the peer, so that ESP it
 *	sends there before the SA is installed is held, not dropped
 *	(ESPVTI_CMD_SA_RESERVE); lasts @ms milliseconds
 * @flush: delete every SA of @dev
 * @encap_set: set or clear the UDP encapsulation of @dev
 * @event_fd: descriptor to poll for events, -1 when the backend has none
 * @event_read: read pending events and call @cb for each
 * @close: release the backend
 */
struct kern_ops {
	int (*dev_set)(struct kern *k, const char *dev, const struct sockaddr_storage *local,
		       const struct sockaddr_storage *remote, char *err, size_t errlen);
	int (*sa_new)(struct kern *k, const struct kern_sa *sa, char *err, size_t errlen);
	int (*sa_del)(struct kern *k, const char *dev, uint8_t dir, uint32_t spi,
		      char *err, size_t errlen);
	int (*sa_reserve)(struct kern *k, const char *dev, uint32_t spi, uint32_t ms,
			  char *err, size_t errlen);
	int (*flush)(struct kern *k, const char *dev, char *err, size_t errlen);
	int (*encap_set)(struct kern *k, const char *dev, const struct kern_encap *e,
			 char *err, size_t errlen);
	int (*event_fd)(struct kern *k);
	void (*event_read)(struct kern *k, kern_event_cb cb, void *arg);
	void (*close)(struct kern *k);
};

/**
 * struct kern - an open backend
 * @ops: its functions
 * @priv: its state
 */
struct kern {
	const struct kern_ops *ops;
	void *priv;
};

/* "netlink" or "fake:PATH". NULL with @err on failure. */
struct kern *kern_open(const char *spec, char *err, size_t errlen);
void kern_close(struct kern *k);

/* Backends (kernel.c, kernel_fake.c). */
struct kern *kern_netlink_open(char *err, size_t errlen);
struct kern *kern_fake_open(const char *path, char *err, size_t errlen);

/* "10.0.0.0/24,..." for logs; "any" when @n is 0. */
void kern_ts_format(const struct ts_prefix *ts, unsigned int n, char *buf, size_t len);

#endif /* ESPIKED_KERNEL_H */
