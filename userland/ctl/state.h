/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * espctl: the state of the espvti devices as the kernel reports it (a dump
 * of ESPVTI_CMD_DEV_GET, then ESPVTI_CMD_SA_GET per device), read by
 * `show` and `diagnose`.
 */
#ifndef ESPCTL_STATE_H
#define ESPCTL_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/espvti.h>

#include "nl.h"
#include "parse.h"

/**
 * struct espctl_sa_info - one SA as the kernel reported it
 * @dir: ESPVTI_DIR_IN or ESPVTI_DIR_OUT
 * @spi: the SPI
 * @alg: algorithm name
 * @icv_bits: ICV length in bits
 * @esn: extended sequence numbers
 * @replay_window: window in packets (inbound only), @has_window says if sent
 * @has_window: @replay_window was reported
 * @seq: last sequence number sent (out) or highest received (in)
 * @limits: soft bytes, soft packets, hard bytes, hard packets (0: none)
 * @expired: 0 live, 1 soft, 2 hard
 * @reason: why it expired (enum espvti_expire_reason), 0 if not
 * @ts_local: local traffic selectors, @n_ts_local of them
 * @n_ts_local: count
 * @ts_remote: remote traffic selectors, @n_ts_remote of them
 * @n_ts_remote: count
 * @stats: counters of this SA
 */
struct espctl_sa_info {
	uint8_t dir;
	uint32_t spi;
	char alg[64];
	uint32_t icv_bits;
	bool esn;
	uint32_t replay_window;
	bool has_window;
	uint64_t seq;
	uint64_t limits[4];
	uint8_t expired;
	uint8_t reason;
	struct espctl_prefix ts_local[ESPVTI_MAX_TS];
	size_t n_ts_local;
	struct espctl_prefix ts_remote[ESPVTI_MAX_TS];
	size_t n_ts_remote;
	uint64_t stats[__ESPVTI_STAT_MAX];
};

/**
 * struct espctl_dev_info - one device as the kernel reported it
 * @ifindex: interface index
 * @ifname: name
 * @mtu: MTU
 * @local: outer source (family 0: unset)
 * @remote: outer destination (family 0: unset)
 * @underlay: underlay ifindex, 0 if unbound
 * @ttl: outer TTL
 * @n_in: inbound SA count
 * @n_reserved: reserved inbound SPIs waiting for their SA
 * @n_held: packets held for them
 * @out_spi: SPI of the outbound SA, valid if @has_out
 * @has_out: an outbound SA exists
 * @encap: ESPVTI_ENCAP_*
 * @sport: UDP source port
 * @dport: UDP destination port
 * @keepalive: keepalive interval, seconds
 * @floating: peer floating on
 * @socket: 1 module socket, 2 user socket, 0 none (its process closed it)
 * @crypto: ESPVTI_CRYPTO_*, implementation for new SAs
 * @crypto_inflight: crypto requests in flight, valid if @has_crypto
 * @has_crypto: the module reported ESPVTI_A_CRYPTO (older ones do not)
 * @mss_clamp: ESPVTI_A_MSS_CLAMP, valid if @has_mss_clamp
 * @has_mss_clamp: the module reported it (older ones do not)
 * @stats: device totals
 * @sel_src: inner source of the last packet the inbound selectors refused
 *	(family 0: none yet)
 * @sel_dst: its inner destination
 * @sas: its SAs, @n_sas of them
 * @n_sas: count
 */
struct espctl_dev_info {
	uint32_t ifindex;
	char ifname[ESPCTL_IFNAMSIZ];
	uint32_t mtu;
	struct espctl_addr local, remote;
	uint32_t underlay;
	uint8_t ttl;
	uint32_t n_in;
	uint32_t n_reserved;
	uint32_t n_held;
	uint32_t out_spi;
	bool has_out;
	uint8_t encap;
	uint16_t sport, dport;
	uint32_t keepalive;
	bool floating;
	uint8_t socket;
	uint8_t crypto;
	uint32_t crypto_inflight;
	bool has_crypto;
	uint16_t mss_clamp;
	bool has_mss_clamp;
	uint64_t stats[__ESPVTI_STAT_MAX];
	struct espctl_addr sel_src, sel_dst;
	struct espctl_sa_info *sas;
	size_t n_sas;
};

/**
 * struct espctl_dev_list - what was read
 * @devs: devices, @n of them
 * @n: count
 */
struct espctl_dev_list {
	struct espctl_dev_info *devs;
	size_t n;
};

int espctl_dev_list_read(struct esplib_nl *nl, const char *dev,
			 struct espctl_dev_list *list, const char *what);
void espctl_dev_list_free(struct espctl_dev_list *list);

#endif /* ESPCTL_STATE_H */
