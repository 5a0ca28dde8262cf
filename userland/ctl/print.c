// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Names and formats shared by show and monitor (see print.h).
 */

#include <string.h>
#include <sys/socket.h>

#include "print.h"

static const char *const stat_names[__ESPVTI_STAT_MAX] = {
	[ESPVTI_STAT_RX_PACKETS]	= "rx_packets",
	[ESPVTI_STAT_RX_BYTES]		= "rx_bytes",
	[ESPVTI_STAT_TX_PACKETS]	= "tx_packets",
	[ESPVTI_STAT_TX_BYTES]		= "tx_bytes",
	[ESPVTI_STAT_RX_NO_SA]		= "rx_no_sa",
	[ESPVTI_STAT_RX_REPLAY]		= "rx_replay",
	[ESPVTI_STAT_RX_AUTH_FAIL]	= "rx_auth_fail",
	[ESPVTI_STAT_RX_BAD_TRAILER]	= "rx_bad_trailer",
	[ESPVTI_STAT_RX_BAD_INNER]	= "rx_bad_inner",
	[ESPVTI_STAT_RX_SELECTOR]	= "rx_selector",
	[ESPVTI_STAT_RX_MALFORMED]	= "rx_malformed",
	[ESPVTI_STAT_RX_EXPIRED]	= "rx_expired",
	[ESPVTI_STAT_TX_NO_SA]		= "tx_no_sa",
	[ESPVTI_STAT_TX_SEQ_EXHAUSTED]	= "tx_seq_exhausted",
	[ESPVTI_STAT_TX_TOO_BIG]	= "tx_too_big",
	[ESPVTI_STAT_TX_NO_ROUTE]	= "tx_no_route",
	[ESPVTI_STAT_TX_SELECTOR]	= "tx_selector",
	[ESPVTI_STAT_TX_EXPIRED]	= "tx_expired",
	[ESPVTI_STAT_TX_ERRORS]		= "tx_errors",
	[ESPVTI_STAT_RX_UDP_MALFORMED]	= "rx_udp_malformed",
	[ESPVTI_STAT_RX_KEEPALIVE]	= "rx_keepalive",
	[ESPVTI_STAT_TX_KEEPALIVE]	= "tx_keepalive",
	[ESPVTI_STAT_RX_CRYPTO_BUSY]	= "rx_crypto_busy",
	[ESPVTI_STAT_TX_CRYPTO_BUSY]	= "tx_crypto_busy",
	[ESPVTI_STAT_RX_DUMMY]		= "rx_dummy",
	[ESPVTI_STAT_RX_NON_ESP]	= "rx_non_esp",
	[ESPVTI_STAT_TCP_MSS_CLAMPED]	= "tcp_mss_clamped",
	[ESPVTI_STAT_RX_CRYPTO_ASYNC]	= "rx_crypto_async",
	[ESPVTI_STAT_TX_CRYPTO_ASYNC]	= "tx_crypto_async",
	[ESPVTI_STAT_TX_LINK_LOCAL]	= "tx_link_local",
	[ESPVTI_STAT_RX_LINK_LOCAL]	= "rx_link_local",
	[ESPVTI_STAT_RX_HELD]		= "rx_held",
	[ESPVTI_STAT_RX_HOLD_FULL]	= "rx_hold_full",
	[ESPVTI_STAT_RX_HOLD_EXPIRED]	= "rx_hold_expired",
	[ESPVTI_STAT_RX_QUEUE_FULL]	= "rx_queue_full",
	[ESPVTI_STAT_TX_QUEUE_FULL]	= "tx_queue_full",
	[ESPVTI_STAT_RX_PARALLEL]	= "rx_parallel",
	[ESPVTI_STAT_TX_PARALLEL]	= "tx_parallel",
};

const char *espctl_stat_name(unsigned int stat)
{
	return stat < __ESPVTI_STAT_MAX ? stat_names[stat] : NULL;
}

const char *espctl_dir_name(uint8_t dir)
{
	switch (dir) {
	case ESPVTI_DIR_IN:
		return "in";
	case ESPVTI_DIR_OUT:
		return "out";
	default:
		return "unknown";
	}
}

const char *espctl_expired_name(uint8_t expired)
{
	switch (expired) {
	case 0:
		return "no";
	case 1:
		return "soft";
	case 2:
		return "hard";
	default:
		return "unknown";
	}
}

const char *espctl_reason_name(uint8_t reason)
{
	switch (reason) {
	case ESPVTI_EXPIRE_BYTES:
		return "bytes";
	case ESPVTI_EXPIRE_PACKETS:
		return "packets";
	case ESPVTI_EXPIRE_SEQ:
		return "seq";
	default:
		return "unknown";
	}
}

int espctl_attr_addr(const struct nlattr *v4, const struct nlattr *v6,
		     struct espctl_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (v4 && nla_len(v4) >= 4) {
		addr->family = AF_INET;
		memcpy(&addr->v4, nla_data(v4), 4);
		return 0;
	}
	if (v6 && nla_len(v6) >= 16) {
		addr->family = AF_INET6;
		memcpy(&addr->v6, nla_data(v6), 16);
		return 0;
	}
	return -1;
}
