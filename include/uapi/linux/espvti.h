/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * espvti: route-based IPsec ESP tunnel device, generic netlink interface.
 *
 * Copyright (C) 2026 The espvti authors.
 *
 * Devices are created and removed with rtnetlink (ip link add NAME type espvti,
 * ip link del NAME). Everything else goes through the generic netlink family
 * ESPVTI_GENL_NAME, version ESPVTI_GENL_VERSION. Every command requires
 * CAP_NET_ADMIN in the user namespace that owns the device's network namespace,
 * dumps included (they reveal tunnel endpoints and counters, never keys), and
 * so does joining the multicast group ESPVTI_MCGRP_EVENTS (the events name
 * SPIs, inner addresses and the peers' addresses). Requests and events reach
 * only the devices of the caller's own network namespace.
 *
 * A request names its device with ESPVTI_A_IFINDEX or ESPVTI_A_IFNAME (one of
 * the two is required, except for a dump of ESPVTI_CMD_DEV_GET, which lists all
 * espvti devices of the caller's namespace). Rejections come with an extended
 * ACK message and, where one attribute is at fault, that attribute's offset.
 *
 * Commands
 * --------
 *
 * ESPVTI_CMD_DEV_GET
 *   do:   ESPVTI_A_IFINDEX or ESPVTI_A_IFNAME.
 *   dump: no attribute needed; one message per espvti device in the namespace.
 *   Reply (ESPVTI_CMD_DEV_GET), one per device:
 *     ESPVTI_A_IFINDEX, ESPVTI_A_IFNAME, ESPVTI_A_MTU,
 *     ESPVTI_A_LOCAL_IPV4 or ESPVTI_A_LOCAL_IPV6 (when set),
 *     ESPVTI_A_REMOTE_IPV4 or ESPVTI_A_REMOTE_IPV6 (when set),
 *     ESPVTI_A_UNDERLAY_IFINDEX (when bound), ESPVTI_A_TTL,
 *     ESPVTI_A_SA_COUNT_IN, ESPVTI_A_OUT_SPI (when an outbound SA exists),
 *     ESPVTI_A_STATS (nest of enum espvti_stat_attrs, device totals),
 *     ESPVTI_A_CRYPTO, ESPVTI_A_CRYPTO_INFLIGHT, ESPVTI_A_MSS_CLAMP,
 *     ESPVTI_A_SA_COUNT_RESERVED, ESPVTI_A_RESERVED_HELD.
 *
 * ESPVTI_CMD_DEV_SET
 *   ESPVTI_A_IFINDEX or ESPVTI_A_IFNAME, then any of:
 *     ESPVTI_A_LOCAL_IPV4 / ESPVTI_A_LOCAL_IPV6: outer source address.
 *     ESPVTI_A_REMOTE_IPV4 / ESPVTI_A_REMOTE_IPV6: outer destination address.
 *       Local and remote must be of the same family once both are set; an
 *       all-zero address unsets the endpoint.
 *     ESPVTI_A_UNDERLAY_IFINDEX: bind outer packets to this device; 0 unbinds.
 *     ESPVTI_A_TTL: outer TTL / hop limit, 1..255 (default 64).
 *     ESPVTI_A_ENCAP: ESPVTI_ENCAP_NONE or ESPVTI_ENCAP_UDP (RFC 3948).
 *     ESPVTI_A_ENCAP_SPORT, ESPVTI_A_ENCAP_DPORT: UDP ports (default 4500).
 *     ESPVTI_A_ENCAP_KEEPALIVE: NAT keepalive interval in seconds (default
 *       20, 0 off).
 *     ESPVTI_A_ENCAP_FLOAT: follow the peer to a new address/port (default 1).
 *     ESPVTI_A_MSS_CLAMP: TCP MSS clamping (default ESPVTI_MSS_CLAMP_AUTO).
 *     ESPVTI_A_CRYPTO: enum espvti_crypto, the AEAD implementation of the
 *       SAs added afterwards (existing SAs keep theirs).
 *     ESPVTI_A_ENCAP_FD: a UDP socket of the caller, bound to the local
 *       port, that the device shares (e.g. the IKE daemon's port 4500
 *       socket): ESP arriving on it is taken by the kernel, datagrams with the
 *       non-ESP marker (IKE) stay on the socket, keepalives are dropped. The
 *       socket stays the caller's: the device shares it until encapsulation
 *       is turned off or the device is deleted, and then gives it back
 *       unhooked. When the process closes it (or exits), every device
 *       sharing it lets go: it keeps its settings and sends ESP in UDP from
 *       the same port, but receives none (ESPVTI_A_ENCAP_SOCKET absent)
 *       until a socket is handed over again.
 *       Without it, the module opens its own UDP socket on the source port
 *       (shared by the devices of the namespace using that port).
 *   The change is atomic: either every attribute is applied or none is.
 *
 * ESPVTI_CMD_SA_NEW
 *   ESPVTI_A_IFINDEX or ESPVTI_A_IFNAME, ESPVTI_A_SA (nest) with:
 *     required: ESPVTI_SA_A_DIR, ESPVTI_SA_A_SPI, ESPVTI_SA_A_ALG,
 *               ESPVTI_SA_A_KEY, ESPVTI_SA_A_ICV_BITS;
 *     optional: ESPVTI_SA_A_ESN, ESPVTI_SA_A_REPLAY_WINDOW (inbound only),
 *               ESPVTI_SA_A_TS_LOCAL, ESPVTI_SA_A_TS_REMOTE,
 *               ESPVTI_SA_A_SOFT_BYTES, ESPVTI_SA_A_SOFT_PACKETS,
 *               ESPVTI_SA_A_HARD_BYTES, ESPVTI_SA_A_HARD_PACKETS,
 *               ESPVTI_SA_A_SEQ (initial sequence number, for tests and
 *               migrations; default 0, the first packet carries 1).
 *   Inbound: up to ESPVTI_MAX_SA_IN SAs per device may be live at once; the
 *   SPI must not be in use by another inbound espvti SA of the namespace.
 *   Outbound: the new SA atomically replaces the current outbound SA (the old
 *   one keeps no state; packets in flight finish with it), so a keyer rekeys
 *   by adding the new inbound SA, then the new outbound SA, then deleting the
 *   old inbound SA once the peer has switched. A new outbound SA with the
 *   SPI of the current one is refused with -EEXIST ("ESPVTI_SA_A_SPI: the
 *   device's current outbound SA has this SPI; ..."), ESPVTI_SA_A_SEQ or
 *   not: it would start the sequence numbers again and, with the same key
 *   (a restarted keyer, a retried request), repeat the AES-GCM or ChaCha20
 *   nonces of the packets already sent, which gives the key away. xfrm
 *   refuses a duplicate state likewise. So ESPVTI_SA_A_SEQ sets where a new
 *   SPI starts; it cannot resume or rewind an SA that is sending, because
 *   the kernel cannot know which sequence numbers a key was already used
 *   with. Rekey with a new SPI and a new key.
 *   The transform is allocated before RTNL is taken, and the SA's memory is
 *   charged to the caller's memory cgroup.
 *
 * ESPVTI_CMD_SA_DEL
 *   ESPVTI_A_IFINDEX or ESPVTI_A_IFNAME, ESPVTI_A_SA with ESPVTI_SA_A_DIR and
 *   ESPVTI_SA_A_SPI. -ENOENT (with a message) when no such SA exists. An
 *   inbound SPI that has no SA but is reserved (ESPVTI_CMD_SA_RESERVE) loses
 *   its reservation, and the packets held for it are dropped
 *   (ESPVTI_STAT_RX_HOLD_EXPIRED).
 *
 * ESPVTI_CMD_SA_GET
 *   do:   device and ESPVTI_A_SA with ESPVTI_SA_A_DIR and ESPVTI_SA_A_SPI.
 *   dump: device; one message per SA of that device.
 *   Reply (ESPVTI_CMD_SA_GET): ESPVTI_A_IFINDEX, ESPVTI_A_SA with every
 *   attribute given at creation except ESPVTI_SA_A_KEY, plus ESPVTI_SA_A_SEQ
 *   (outbound: last sequence number sent; inbound: highest accepted),
 *   ESPVTI_SA_A_EXPIRED (0 live, 1 soft-expired, 2 hard-expired) and
 *   ESPVTI_SA_A_STATS (nest of enum espvti_stat_attrs, this SA only).
 *
 * ESPVTI_CMD_SA_FLUSH
 *   device; deletes every SA and every SPI reservation of the device (used
 *   on dead peer detection).
 *
 * ESPVTI_CMD_SA_RESERVE
 *   ESPVTI_A_IFINDEX or ESPVTI_A_IFNAME, ESPVTI_A_SA with ESPVTI_SA_A_DIR
 *   (ESPVTI_DIR_IN), ESPVTI_SA_A_SPI and optionally
 *   ESPVTI_SA_A_RESERVE_MS (default ESPVTI_DEFAULT_RESERVE_MS).
 *   Reserves an inbound SPI whose SA is being negotiated, so that a peer
 *   that starts sending on it before the SA is installed loses nothing: a
 *   keyer that offers the SPI to its peer (IKE_AUTH, CREATE_CHILD_SA) may
 *   only be able to compute the keys once the answer arrives, and RFC 7296
 *   2.8 lets the peer send on its new SA as soon as it has answered.
 *   ESP for a reserved SPI, from the device's remote address, is held (at
 *   most ESPVTI_RESERVE_MAX_PACKETS packets and ESPVTI_RESERVE_MAX_BYTES
 *   bytes of buffer per SPI, and all reservations of the system together
 *   at most the module parameter reserve_max_bytes_total, default 16 MiB;
 *   beyond that dropped, ESPVTI_STAT_RX_HOLD_FULL)
 *   until ESPVTI_CMD_SA_NEW installs the inbound SA with that SPI on this
 *   device: the held packets then go through it in their order of arrival,
 *   with the usual ICV and replay checks (ESPVTI_STAT_RX_HELD). Nothing is
 *   decrypted or trusted before: the key is not known yet. When the
 *   reservation ends without an SA (its time runs out, ESPVTI_CMD_SA_DEL,
 *   ESPVTI_CMD_SA_FLUSH, device deleted), the held packets are dropped
 *   (ESPVTI_STAT_RX_HOLD_EXPIRED). ESP for an SPI that has neither an SA
 *   nor a reservation is dropped at once as before (ESPVTI_STAT_RX_NO_SA).
 *   A device has at most ESPVTI_MAX_RESERVED live reservations (-ENOSPC);
 *   the SPI must not be in use by an inbound SA or another device's
 *   reservation in the namespace (-EEXIST). Reserving an SPI this device
 *   has reserved already restarts its time. Reservations are counted in
 *   ESPVTI_A_SA_COUNT_RESERVED.
 *
 * Notifications (multicast group ESPVTI_MCGRP_EVENTS)
 * ----------------------------------------------------
 *
 * ESPVTI_CMD_SA_EXPIRE_NTF
 *   ESPVTI_A_IFINDEX, ESPVTI_A_IFNAME, ESPVTI_A_SA with ESPVTI_SA_A_DIR,
 *   ESPVTI_SA_A_SPI, ESPVTI_SA_A_EXPIRED (1 soft, 2 hard) and
 *   ESPVTI_SA_A_EXPIRE_REASON (enum espvti_expire_reason). Sent once per SA
 *   and kind. ESPVTI_EXPIRE_SEQ with kind soft is the "sequence number near
 *   exhaustion" warning (2^32 - 2^24 packets sent without ESN, 2^64 - 2^24
 *   with); with kind hard the outbound SA has stopped sending.
 *
 * ESPVTI_CMD_MAPPING_NTF
 *   ESPVTI_A_IFINDEX, ESPVTI_A_IFNAME, the new remote endpoint
 *   (ESPVTI_A_REMOTE_IPV4/IPV6, ESPVTI_A_ENCAP_DPORT) and the old one
 *   (ESPVTI_A_OLD_REMOTE_IPV4/IPV6, ESPVTI_A_OLD_ENCAP_DPORT): an
 *   authenticated, non-replayed UDP-encapsulated packet came from a new
 *   address or port and the device now sends there (peer floating, NAT
 *   mapping change).
 *
 * ESPVTI_CMD_ACQUIRE_NTF
 *   ESPVTI_A_IFINDEX, ESPVTI_A_IFNAME, and ESPVTI_A_ACQUIRE_SRC_IPV4/IPV6 and
 *   ESPVTI_A_ACQUIRE_DST_IPV4/IPV6 (the inner addresses of the packet): a
 *   packet was routed into a device that has no usable outbound SA. Sent at
 *   most once per second per device.
 */
#ifndef _UAPI_LINUX_ESPVTI_H
#define _UAPI_LINUX_ESPVTI_H

#define ESPVTI_GENL_NAME		"espvti"
#define ESPVTI_GENL_VERSION		1
#define ESPVTI_MCGRP_EVENTS		"events"

/* Limits enforced by the kernel (and by espctl before it asks). */
#define ESPVTI_MAX_SA_IN		8	/* live inbound SAs per device */
#define ESPVTI_MAX_TS			16	/* prefixes per selector list */
#define ESPVTI_MAX_REPLAY_WINDOW	65536	/* packets; 0 turns replay protection off */
#define ESPVTI_DEFAULT_TTL		64
#define ESPVTI_MAX_RESERVED		8	/* live SPI reservations per device */
#define ESPVTI_RESERVE_MAX_PACKETS	64	/* packets held per reserved SPI */
#define ESPVTI_RESERVE_MAX_BYTES	262144	/* bytes of buffer held per reserved SPI */
#define ESPVTI_DEFAULT_RESERVE_MS	10000

/*
 * Ranges of the numeric attributes, enforced by the kernel's attribute
 * policies (a value outside is rejected with -ERANGE and the extended ACK
 * "integer out of range" pointing at the attribute; the policy, with the
 * range, can be read with the generic netlink controller's
 * CTRL_CMD_GETPOLICY). Limits that depend on other attributes (ICV lengths
 * of each algorithm, the IPv4 prefix length, ESPVTI_SA_A_SEQ without ESN)
 * are checked by the command itself, with its own message.
 */
#define ESPVTI_MIN_TTL			1	/* ESPVTI_A_TTL: 1..255 */
#define ESPVTI_MAX_TTL			255
#define ESPVTI_MIN_PORT			1	/* ESPVTI_A_ENCAP_SPORT/DPORT: 1..65535 */
#define ESPVTI_MAX_PORT			65535
#define ESPVTI_MAX_KEEPALIVE		3600	/* ESPVTI_A_ENCAP_KEEPALIVE: 0 (off)..3600 s */
#define ESPVTI_MAX_ENCAP		1	/* ESPVTI_A_ENCAP: enum espvti_encap, 0..1 */
#define ESPVTI_MAX_FLOAT		1	/* ESPVTI_A_ENCAP_FLOAT: 0..1 */
#define ESPVTI_MSS_CLAMP_OFF		0	/* ESPVTI_A_MSS_CLAMP: 0 off, 1 auto, */
#define ESPVTI_MSS_CLAMP_AUTO		1	/* or a fixed MSS ESPVTI_MIN_MSS..65535 */
#define ESPVTI_MIN_MSS			88
#define ESPVTI_MIN_SPI			256	/* ESPVTI_SA_A_SPI: 256..2^32-1 (RFC 4303) */
#define ESPVTI_MIN_ICV_BITS		64	/* ESPVTI_SA_A_ICV_BITS: 64..128 */
#define ESPVTI_MAX_ICV_BITS		128
#define ESPVTI_MAX_PLEN			128	/* ESPVTI_TS_A_PLEN: 0..128 (IPv4: 0..32) */
#define ESPVTI_MIN_RESERVE_MS		100	/* ESPVTI_SA_A_RESERVE_MS: 100..120000 */
#define ESPVTI_MAX_RESERVE_MS		120000
/* ESPVTI_A_IFINDEX: 1..INT_MAX; ESPVTI_A_UNDERLAY_IFINDEX: 0..INT_MAX;
 * ESPVTI_A_ENCAP_FD: 0..INT_MAX; ESPVTI_SA_A_DIR: 1..2 (enum espvti_dir);
 * ESPVTI_SA_A_REPLAY_WINDOW: 0..ESPVTI_MAX_REPLAY_WINDOW. */

/* AEAD algorithms accepted in ESPVTI_SA_A_ALG (kernel crypto API names). */
#define ESPVTI_ALG_AES_GCM		"rfc4106(gcm(aes))"
#define ESPVTI_ALG_CHACHA20_POLY1305	"rfc7539esp(chacha20,poly1305)"

/**
 * enum espvti_cmd - generic netlink commands, see the top of this file.
 */
enum espvti_cmd {
	ESPVTI_CMD_UNSPEC,
	ESPVTI_CMD_DEV_GET,
	ESPVTI_CMD_DEV_SET,
	ESPVTI_CMD_SA_NEW,
	ESPVTI_CMD_SA_DEL,
	ESPVTI_CMD_SA_GET,
	ESPVTI_CMD_SA_FLUSH,
	ESPVTI_CMD_SA_EXPIRE_NTF,
	ESPVTI_CMD_ACQUIRE_NTF,
	ESPVTI_CMD_MAPPING_NTF,
	ESPVTI_CMD_SA_RESERVE,

	__ESPVTI_CMD_MAX
};
#define ESPVTI_CMD_MAX (__ESPVTI_CMD_MAX - 1)

/**
 * enum espvti_attrs - top-level attributes
 * @ESPVTI_A_IFINDEX: u32, the espvti device.
 * @ESPVTI_A_IFNAME: string, the espvti device (IFNAMSIZ - 1 bytes at most).
 * @ESPVTI_A_MTU: u32, current device MTU (read only).
 * @ESPVTI_A_LOCAL_IPV4: be32 (struct in_addr), outer source address.
 * @ESPVTI_A_LOCAL_IPV6: 16 bytes (struct in6_addr), outer source address.
 * @ESPVTI_A_REMOTE_IPV4: be32, outer destination address.
 * @ESPVTI_A_REMOTE_IPV6: 16 bytes, outer destination address.
 * @ESPVTI_A_UNDERLAY_IFINDEX: u32, device the outer packets are bound to
 *	(0: none, routing decides).
 * @ESPVTI_A_TTL: u8, outer TTL or hop limit, 1..255.
 * @ESPVTI_A_SA: nest of enum espvti_sa_attrs.
 * @ESPVTI_A_SA_COUNT_IN: u32, number of inbound SAs (read only).
 * @ESPVTI_A_OUT_SPI: u32, SPI of the current outbound SA (read only).
 * @ESPVTI_A_STATS: nest of enum espvti_stat_attrs (read only).
 * @ESPVTI_A_ACQUIRE_SRC_IPV4: be32, inner source of the packet that caused
 *	an acquire notification.
 * @ESPVTI_A_ACQUIRE_SRC_IPV6: 16 bytes, likewise for IPv6.
 * @ESPVTI_A_ACQUIRE_DST_IPV4: be32, inner destination of that packet.
 * @ESPVTI_A_ACQUIRE_DST_IPV6: 16 bytes, likewise for IPv6.
 * @ESPVTI_A_ENCAP: u8, enum espvti_encap.
 * @ESPVTI_A_ENCAP_SPORT: u16, UDP source (local) port, host order.
 * @ESPVTI_A_ENCAP_DPORT: u16, UDP destination (remote) port, host order.
 * @ESPVTI_A_ENCAP_KEEPALIVE: u32, seconds between NAT keepalives, 0 off.
 * @ESPVTI_A_ENCAP_FLOAT: u8, 1 to follow the peer's address and port.
 * @ESPVTI_A_ENCAP_FD: s32, file descriptor of a UDP socket to share.
 * @ESPVTI_A_ENCAP_SOCKET: u8, read only: 1 the module's own socket, 2 a
 *	socket handed over with ESPVTI_A_ENCAP_FD; absent when the process
 *	that handed it over has closed it.
 * @ESPVTI_A_OLD_REMOTE_IPV4: be32, previous remote address (mapping event).
 * @ESPVTI_A_OLD_REMOTE_IPV6: 16 bytes, likewise for IPv6.
 * @ESPVTI_A_OLD_ENCAP_DPORT: u16, previous remote port (mapping event).
 * @ESPVTI_A_CRYPTO: u8, enum espvti_crypto: which implementation of the
 *	AEAD algorithm the device's SAs added afterwards use (default
 *	ESPVTI_CRYPTO_DEFAULT). The wire format does not depend on it.
 * @ESPVTI_A_CRYPTO_INFLIGHT: u32, read only: encryptions and decryptions
 *	of the device submitted to the crypto API and not yet completed. It is
 *	bounded per device and per SA by the module parameters
 *	crypto_max_inflight (default 1024) and crypto_max_inflight_sa (default
 *	256); a packet beyond either bound is dropped before its ICV is
 *	checked and counted in ESPVTI_STAT_RX_CRYPTO_BUSY or
 *	ESPVTI_STAT_TX_CRYPTO_BUSY.
 * @ESPVTI_A_MSS_CLAMP: u16, TCP MSS clamping: the MSS option of every TCP
 *	SYN and SYN-ACK that enters or leaves the tunnel is lowered to at most
 *	this: ESPVTI_MSS_CLAMP_OFF (0) leaves them alone,
 *	ESPVTI_MSS_CLAMP_AUTO (1, the default of a new device) lowers it to
 *	what fits the tunnel (the device MTU, or the path MTU learnt for the
 *	remote endpoint when that is smaller, less the inner IPv4 or IPv6 and
 *	TCP headers), and ESPVTI_MIN_MSS..65535 is a fixed maximum. Segments
 *	changed are counted in ESPVTI_STAT_TCP_MSS_CLAMPED.
 * @ESPVTI_A_RX_SEL_SRC_IPV4: be32, read only: inner source of the last
 *	packet that an inbound SA's selectors refused (ESPVTI_STAT_RX_SELECTOR);
 *	absent before the first one.
 * @ESPVTI_A_RX_SEL_SRC_IPV6: 16 bytes, likewise for IPv6.
 * @ESPVTI_A_RX_SEL_DST_IPV4: be32, read only: its inner destination.
 * @ESPVTI_A_RX_SEL_DST_IPV6: 16 bytes, likewise for IPv6.
 * @ESPVTI_A_SA_COUNT_RESERVED: u32, read only: inbound SPIs reserved with
 *	ESPVTI_CMD_SA_RESERVE and not yet installed, expired or released.
 * @ESPVTI_A_RESERVED_HELD: u32, read only: packets held now for those
 *	SPIs, waiting for their SAs.
 */
enum espvti_attrs {
	ESPVTI_A_UNSPEC,
	ESPVTI_A_IFINDEX,
	ESPVTI_A_IFNAME,
	ESPVTI_A_MTU,
	ESPVTI_A_LOCAL_IPV4,
	ESPVTI_A_LOCAL_IPV6,
	ESPVTI_A_REMOTE_IPV4,
	ESPVTI_A_REMOTE_IPV6,
	ESPVTI_A_UNDERLAY_IFINDEX,
	ESPVTI_A_TTL,
	ESPVTI_A_SA,
	ESPVTI_A_SA_COUNT_IN,
	ESPVTI_A_OUT_SPI,
	ESPVTI_A_STATS,
	ESPVTI_A_ACQUIRE_SRC_IPV4,
	ESPVTI_A_ACQUIRE_SRC_IPV6,
	ESPVTI_A_ACQUIRE_DST_IPV4,
	ESPVTI_A_ACQUIRE_DST_IPV6,
	ESPVTI_A_ENCAP,
	ESPVTI_A_ENCAP_SPORT,
	ESPVTI_A_ENCAP_DPORT,
	ESPVTI_A_ENCAP_KEEPALIVE,
	ESPVTI_A_ENCAP_FLOAT,
	ESPVTI_A_ENCAP_FD,
	ESPVTI_A_ENCAP_SOCKET,
	ESPVTI_A_OLD_REMOTE_IPV4,
	ESPVTI_A_OLD_REMOTE_IPV6,
	ESPVTI_A_OLD_ENCAP_DPORT,
	ESPVTI_A_CRYPTO,
	ESPVTI_A_CRYPTO_INFLIGHT,
	ESPVTI_A_MSS_CLAMP,
	ESPVTI_A_RX_SEL_SRC_IPV4,
	ESPVTI_A_RX_SEL_SRC_IPV6,
	ESPVTI_A_RX_SEL_DST_IPV4,
	ESPVTI_A_RX_SEL_DST_IPV6,
	ESPVTI_A_SA_COUNT_RESERVED,
	ESPVTI_A_RESERVED_HELD,

	__ESPVTI_A_MAX
};
#define ESPVTI_A_MAX (__ESPVTI_A_MAX - 1)

/**
 * enum espvti_dir - direction of a security association
 * @ESPVTI_DIR_IN: decrypts packets received from the peer.
 * @ESPVTI_DIR_OUT: encrypts packets sent to the peer.
 */
enum espvti_dir {
	ESPVTI_DIR_IN = 1,
	ESPVTI_DIR_OUT = 2,
};

/**
 * enum espvti_encap - encapsulation of the ESP packets
 * @ESPVTI_ENCAP_NONE: raw ESP (IP protocol 50).
 * @ESPVTI_ENCAP_UDP: ESP in UDP (RFC 3948).
 */
enum espvti_encap {
	ESPVTI_ENCAP_NONE = 0,
	ESPVTI_ENCAP_UDP = 1,
};

/**
 * enum espvti_crypto - implementation of the AEAD transforms of new SAs
 * @ESPVTI_CRYPTO_DEFAULT: the kernel's preferred implementation of the
 *	algorithm (synchronous or not, as the kernel chooses).
 * @ESPVTI_CRYPTO_CRYPTD: the algorithm wrapped in cryptd(...): always
 *	asynchronous, requests complete from cryptd's per-CPU workers.
 * @ESPVTI_CRYPTO_PCRYPT: the algorithm wrapped in pcrypt(...) (module
 *	pcrypt): asynchronous, requests spread over CPUs by padata.
 *
 * Adding an SA fails (-ENOENT, extack names ESPVTI_SA_A_ALG) when the
 * kernel cannot instantiate the chosen wrapper around the algorithm.
 */
enum espvti_crypto {
	ESPVTI_CRYPTO_DEFAULT = 0,
	ESPVTI_CRYPTO_CRYPTD = 1,
	ESPVTI_CRYPTO_PCRYPT = 2,
};

#define ESPVTI_DEFAULT_ENCAP_PORT	4500
#define ESPVTI_DEFAULT_KEEPALIVE	20

/**
 * enum espvti_expire_reason - why an SA expired
 * @ESPVTI_EXPIRE_BYTES: the byte limit was reached.
 * @ESPVTI_EXPIRE_PACKETS: the packet limit was reached.
 * @ESPVTI_EXPIRE_SEQ: the sequence number space is (nearly) exhausted.
 */
enum espvti_expire_reason {
	ESPVTI_EXPIRE_BYTES = 1,
	ESPVTI_EXPIRE_PACKETS = 2,
	ESPVTI_EXPIRE_SEQ = 3,
};

/**
 * enum espvti_sa_attrs - attributes of a security association (in ESPVTI_A_SA)
 * @ESPVTI_SA_A_DIR: u8, enum espvti_dir.
 * @ESPVTI_SA_A_SPI: u32 in host byte order, non-zero; values 1..255 are
 *	reserved by RFC 4303 and rejected.
 * @ESPVTI_SA_A_ALG: string, ESPVTI_ALG_AES_GCM or ESPVTI_ALG_CHACHA20_POLY1305.
 * @ESPVTI_SA_A_KEY: binary, key material followed by the 4-byte salt, exactly
 *	as ip-xfrm takes it: 20, 28 or 36 bytes for AES-GCM-128/192/256, 36
 *	bytes for ChaCha20-Poly1305. Never reported back.
 * @ESPVTI_SA_A_ICV_BITS: u32, integrity check value length in bits: 64, 96
 *	or 128 for AES-GCM, 128 for ChaCha20-Poly1305.
 * @ESPVTI_SA_A_ESN: flag, extended (64-bit) sequence numbers, RFC 4304.
 * @ESPVTI_SA_A_REPLAY_WINDOW: u32, anti-replay window in packets, 0 (off) to
 *	ESPVTI_MAX_REPLAY_WINDOW; default 64 for inbound SAs. Outbound: must be 0
 *	or absent.
 * @ESPVTI_SA_A_TS_LOCAL: nest of ESPVTI_TS_A_PREFIX entries, the inner
 *	prefixes on this side. Empty or absent: any.
 * @ESPVTI_SA_A_TS_REMOTE: nest of ESPVTI_TS_A_PREFIX entries, the inner
 *	prefixes behind the peer. Inbound packets whose inner source is outside
 *	them are dropped (selector mismatch). Empty or absent: any.
 * @ESPVTI_SA_A_SOFT_BYTES: u64, soft lifetime in bytes (0: none).
 * @ESPVTI_SA_A_SOFT_PACKETS: u64, soft lifetime in packets (0: none).
 * @ESPVTI_SA_A_HARD_BYTES: u64, hard lifetime in bytes (0: none).
 * @ESPVTI_SA_A_HARD_PACKETS: u64, hard lifetime in packets (0: none).
 *	Soft limits must not exceed hard limits. When a hard limit is reached
 *	the SA stops passing packets; it stays listed until deleted.
 * @ESPVTI_SA_A_SEQ: u64, see ESPVTI_CMD_SA_NEW and ESPVTI_CMD_SA_GET; for a
 *	new outbound SA only with a new SPI (see ESPVTI_CMD_SA_NEW).
 * @ESPVTI_SA_A_EXPIRED: u8, 0 live, 1 soft-expired, 2 hard-expired.
 * @ESPVTI_SA_A_EXPIRE_REASON: u8, enum espvti_expire_reason.
 * @ESPVTI_SA_A_STATS: nest of enum espvti_stat_attrs.
 * @ESPVTI_SA_A_PAD: padding for 64-bit alignment.
 * @ESPVTI_SA_A_RESERVE_MS: u32, ESPVTI_CMD_SA_RESERVE only: how long the
 *	reservation lasts, ESPVTI_MIN_RESERVE_MS..ESPVTI_MAX_RESERVE_MS.
 */
enum espvti_sa_attrs {
	ESPVTI_SA_A_UNSPEC,
	ESPVTI_SA_A_DIR,
	ESPVTI_SA_A_SPI,
	ESPVTI_SA_A_ALG,
	ESPVTI_SA_A_KEY,
	ESPVTI_SA_A_ICV_BITS,
	ESPVTI_SA_A_ESN,
	ESPVTI_SA_A_REPLAY_WINDOW,
	ESPVTI_SA_A_TS_LOCAL,
	ESPVTI_SA_A_TS_REMOTE,
	ESPVTI_SA_A_SOFT_BYTES,
	ESPVTI_SA_A_SOFT_PACKETS,
	ESPVTI_SA_A_HARD_BYTES,
	ESPVTI_SA_A_HARD_PACKETS,
	ESPVTI_SA_A_SEQ,
	ESPVTI_SA_A_EXPIRED,
	ESPVTI_SA_A_EXPIRE_REASON,
	ESPVTI_SA_A_STATS,
	ESPVTI_SA_A_PAD,
	ESPVTI_SA_A_RESERVE_MS,

	__ESPVTI_SA_A_MAX
};
#define ESPVTI_SA_A_MAX (__ESPVTI_SA_A_MAX - 1)

/**
 * enum espvti_ts_attrs - one traffic selector prefix
 * @ESPVTI_TS_A_PREFIX: nest, one prefix (used as the type of every entry in
 *	ESPVTI_SA_A_TS_LOCAL and ESPVTI_SA_A_TS_REMOTE).
 * @ESPVTI_TS_A_IPV4: be32, IPv4 network address.
 * @ESPVTI_TS_A_IPV6: 16 bytes, IPv6 network address.
 * @ESPVTI_TS_A_PLEN: u8, prefix length (0..32 or 0..128). Host bits must be
 *	zero.
 */
enum espvti_ts_attrs {
	ESPVTI_TS_A_UNSPEC,
	ESPVTI_TS_A_PREFIX,
	ESPVTI_TS_A_IPV4,
	ESPVTI_TS_A_IPV6,
	ESPVTI_TS_A_PLEN,

	__ESPVTI_TS_A_MAX
};
#define ESPVTI_TS_A_MAX (__ESPVTI_TS_A_MAX - 1)

/**
 * enum espvti_stat_attrs - counters, all u64 (in ESPVTI_A_STATS and
 *	ESPVTI_SA_A_STATS). A counter that does not apply to an SA's direction
 *	is left out of that SA's nest.
 * @ESPVTI_STAT_RX_PACKETS: ESP packets decrypted and delivered.
 * @ESPVTI_STAT_RX_BYTES: inner bytes delivered.
 * @ESPVTI_STAT_TX_PACKETS: ESP packets sent.
 * @ESPVTI_STAT_TX_BYTES: inner bytes sent.
 * @ESPVTI_STAT_RX_NO_SA: dropped, no inbound SA for the SPI (device: only
 *	counted when the outer addresses match this device).
 * @ESPVTI_STAT_RX_REPLAY: dropped, replayed or too old.
 * @ESPVTI_STAT_RX_AUTH_FAIL: dropped, ICV did not verify.
 * @ESPVTI_STAT_RX_BAD_TRAILER: dropped, bad padding or pad length.
 * @ESPVTI_STAT_RX_BAD_INNER: dropped, next header not IPv4/IPv6 or the inner
 *	header is malformed.
 * @ESPVTI_STAT_RX_SELECTOR: dropped, inner source outside the remote
 *	selectors (or inner destination outside the local ones).
 * @ESPVTI_STAT_RX_MALFORMED: dropped, truncated ESP packet.
 * @ESPVTI_STAT_RX_EXPIRED: dropped, the SA has hard-expired.
 * @ESPVTI_STAT_TX_NO_SA: dropped, no usable outbound SA (acquire sent).
 * @ESPVTI_STAT_TX_SEQ_EXHAUSTED: dropped, sequence numbers exhausted.
 * @ESPVTI_STAT_TX_TOO_BIG: dropped, inner packet exceeds the path MTU and may
 *	not be fragmented (ICMP error sent).
 * @ESPVTI_STAT_TX_NO_ROUTE: dropped, no route to the remote endpoint or no
 *	endpoint configured.
 * @ESPVTI_STAT_TX_SELECTOR: dropped, inner packet outside the selectors of
 *	the outbound SA.
 * @ESPVTI_STAT_TX_EXPIRED: dropped, the outbound SA has hard-expired.
 * @ESPVTI_STAT_TX_ERRORS: dropped for any other reason (memory, crypto
 *	errors, bad inner header).
 * @ESPVTI_STAT_PAD: padding for 64-bit alignment.
 * @ESPVTI_STAT_RX_UDP_MALFORMED: dropped, UDP-encapsulated datagram too short
 *	for ESP, or a non-ESP marker with nothing behind it.
 * @ESPVTI_STAT_RX_KEEPALIVE: NAT keepalives received (and dropped).
 * @ESPVTI_STAT_TX_KEEPALIVE: NAT keepalives sent.
 * @ESPVTI_STAT_RX_CRYPTO_BUSY: dropped before decryption (so before the ICV
 *	check): the device or the SA already has as many requests in flight in
 *	the crypto API as its bound allows (see ESPVTI_A_CRYPTO_INFLIGHT), or
 *	the transform's queue is full (-EBUSY, -ENOSPC).
 * @ESPVTI_STAT_TX_CRYPTO_BUSY: likewise, dropped before encryption.
 * @ESPVTI_STAT_RX_DUMMY: dummy packets (next header 59, RFC 4303 2.6):
 *	authentic, and dropped as the RFC asks.
 * @ESPVTI_STAT_RX_NON_ESP: datagrams with the non-ESP marker (IKE) that
 *	arrived on the module's own UDP socket, which has no reader: dropped
 *	(on a socket handed over with ESPVTI_A_ENCAP_FD they stay on the
 *	socket for its process and are not counted).
 * @ESPVTI_STAT_TCP_MSS_CLAMPED: TCP SYN and SYN-ACK segments whose MSS
 *	option was lowered (ESPVTI_A_MSS_CLAMP), both directions.
 * @ESPVTI_STAT_RX_CRYPTO_ASYNC: decryptions that the crypto API completed
 *	asynchronously (a pcrypt, cryptd or hardware implementation; see
 *	ESPVTI_A_CRYPTO): not a drop. Zero while every request completes at
 *	once.
 * @ESPVTI_STAT_TX_CRYPTO_ASYNC: likewise, encryptions.
 * @ESPVTI_STAT_TX_LINK_LOCAL: dropped, IPv6 packets with a link-local
 *	source or a link-scope destination (router solicitations, MLD: the
 *	device's own traffic on its link) outside the outbound SA's selectors;
 *	not counted in ESPVTI_STAT_TX_SELECTOR.
 * @ESPVTI_STAT_RX_LINK_LOCAL: dropped, the same kind of IPv6 from the peer
 *	(decrypted, outside the inbound SA's selectors); not counted in
 *	ESPVTI_STAT_RX_SELECTOR.
 * @ESPVTI_STAT_RX_HELD: packets that arrived for a reserved SPI
 *	(ESPVTI_CMD_SA_RESERVE), were held, and went through the SA once it
 *	was installed (where they count like any other packet): not a drop.
 * @ESPVTI_STAT_RX_HOLD_FULL: dropped, a reserved SPI already held
 *	ESPVTI_RESERVE_MAX_PACKETS packets or ESPVTI_RESERVE_MAX_BYTES bytes, or all
 *	reservations together reserve_max_bytes_total (module parameter).
 * @ESPVTI_STAT_RX_HOLD_EXPIRED: dropped, held for a reserved SPI whose
 *	reservation ended (timed out, released or flushed) without an SA.
 * @ESPVTI_STAT_RX_QUEUE_FULL: dropped before decryption (so before the ICV
 *	was checked): on the parallel path, the crypto queue of the CPU the
 *	packet was handed to was full (module parameter queue_len).
 * @ESPVTI_STAT_TX_QUEUE_FULL: likewise, dropped before encryption.
 * @ESPVTI_STAT_RX_PARALLEL: packets delivered after decryption by a crypto
 *	worker and the device's ordered stage (the parallel path; module
 *	parameter parallel): not a drop, included in ESPVTI_STAT_RX_PACKETS.
 *	Device only.
 * @ESPVTI_STAT_TX_PARALLEL: likewise, packets sent after encryption by a
 *	crypto worker; included in ESPVTI_STAT_TX_PACKETS when sent. Device
 *	only.
 */
enum espvti_stat_attrs {
	ESPVTI_STAT_UNSPEC,
	ESPVTI_STAT_RX_PACKETS,
	ESPVTI_STAT_RX_BYTES,
	ESPVTI_STAT_TX_PACKETS,
	ESPVTI_STAT_TX_BYTES,
	ESPVTI_STAT_RX_NO_SA,
	ESPVTI_STAT_RX_REPLAY,
	ESPVTI_STAT_RX_AUTH_FAIL,
	ESPVTI_STAT_RX_BAD_TRAILER,
	ESPVTI_STAT_RX_BAD_INNER,
	ESPVTI_STAT_RX_SELECTOR,
	ESPVTI_STAT_RX_MALFORMED,
	ESPVTI_STAT_RX_EXPIRED,
	ESPVTI_STAT_TX_NO_SA,
	ESPVTI_STAT_TX_SEQ_EXHAUSTED,
	ESPVTI_STAT_TX_TOO_BIG,
	ESPVTI_STAT_TX_NO_ROUTE,
	ESPVTI_STAT_TX_SELECTOR,
	ESPVTI_STAT_TX_EXPIRED,
	ESPVTI_STAT_TX_ERRORS,
	ESPVTI_STAT_PAD,
	ESPVTI_STAT_RX_UDP_MALFORMED,
	ESPVTI_STAT_RX_KEEPALIVE,
	ESPVTI_STAT_TX_KEEPALIVE,
	ESPVTI_STAT_RX_CRYPTO_BUSY,
	ESPVTI_STAT_TX_CRYPTO_BUSY,
	ESPVTI_STAT_RX_DUMMY,
	ESPVTI_STAT_RX_NON_ESP,
	ESPVTI_STAT_TCP_MSS_CLAMPED,
	ESPVTI_STAT_RX_CRYPTO_ASYNC,
	ESPVTI_STAT_TX_CRYPTO_ASYNC,
	ESPVTI_STAT_TX_LINK_LOCAL,
	ESPVTI_STAT_RX_LINK_LOCAL,
	ESPVTI_STAT_RX_HELD,
	ESPVTI_STAT_RX_HOLD_FULL,
	ESPVTI_STAT_RX_HOLD_EXPIRED,
	ESPVTI_STAT_RX_QUEUE_FULL,
	ESPVTI_STAT_TX_QUEUE_FULL,
	ESPVTI_STAT_RX_PARALLEL,
	ESPVTI_STAT_TX_PARALLEL,

	__ESPVTI_STAT_MAX
};
#define ESPVTI_STAT_MAX (__ESPVTI_STAT_MAX - 1)

#endif /* _UAPI_LINUX_ESPVTI_H */
