// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * espctl show [DEV] [--json]: the espvti devices of the current network
 * namespace, their outer endpoints, encapsulation, counters and SAs.
 *
 * Everything is read first (a dump of ESPVTI_CMD_DEV_GET, then one dump of
 * ESPVTI_CMD_SA_GET per device) and printed afterwards, so that a failure in
 * the middle prints nothing half-way.
 */

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/espvti.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "espctl.h"
#include "json.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

/**
 * struct show_sa - one SA as the kernel reported it
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
struct show_sa {
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
 * struct show_dev - one device as the kernel reported it
 * @ifindex: interface index
 * @ifname: name
 * @mtu: MTU
 * @local: outer source (family 0: unset)
 * @remote: outer destination (family 0: unset)
 * @underlay: underlay ifindex, 0 if unbound
 * @ttl: outer TTL
 * @n_in: inbound SA count
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
 * @sas: its SAs, @n_sas of them
 * @n_sas: count
 */
struct show_dev {
	uint32_t ifindex;
	char ifname[ESPCTL_IFNAMSIZ];
	uint32_t mtu;
	struct espctl_addr local, remote;
	uint32_t underlay;
	uint8_t ttl;
	uint32_t n_in;
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
	struct show_sa *sas;
	size_t n_sas;
};

/**
 * struct show_list - what was read
 * @devs: devices, @n of them
 * @n: count
 */
struct show_list {
	struct show_dev *devs;
	size_t n;
};

static const char *const limit_names[4] = {
	"soft_bytes", "soft_packets", "hard_bytes", "hard_packets"
};

/* ESPVTI_A_ENCAP_SOCKET as espctl shows it. */
static const char *espctl_socket_str(uint8_t socket)
{
	return socket == 2 ? "user" : socket == 1 ? "kernel" : "none";
}

static void read_stats(const struct nlattr *nest, uint64_t *stats)
{
	const struct nlattr *a;
	int rem;

	memset(stats, 0, sizeof(uint64_t) * __ESPVTI_STAT_MAX);
	if (!nest)
		return;
	nla_for_each_nested(a, nest, rem) {
		int t = nla_type(a);

		if (t > 0 && t < __ESPVTI_STAT_MAX && nla_len(a) >= 8)
			stats[t] = nla_get_u64((struct nlattr *)a);
	}
}

static void read_ts(const struct nlattr *list, struct espctl_prefix *out,
		    size_t *n)
{
	const struct nlattr *entry, *a;
	int rem, rem2;

	*n = 0;
	if (!list)
		return;
	nla_for_each_nested(entry, list, rem) {
		struct espctl_prefix p = { 0 };

		if (*n == ESPVTI_MAX_TS)
			break;
		nla_for_each_nested(a, entry, rem2) {
			switch (nla_type(a)) {
			case ESPVTI_TS_A_IPV4:
				if (nla_len(a) >= 4) {
					p.addr.family = AF_INET;
					memcpy(&p.addr.v4, nla_data(a), 4);
				}
				break;
			case ESPVTI_TS_A_IPV6:
				if (nla_len(a) >= 16) {
					p.addr.family = AF_INET6;
					memcpy(&p.addr.v6, nla_data(a), 16);
				}
				break;
			case ESPVTI_TS_A_PLEN:
				p.plen = nla_get_u8((struct nlattr *)a);
				break;
			}
		}
		if (p.addr.family)
			out[(*n)++] = p;
	}
}

static int dev_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[ESPVTI_A_MAX + 1];
	struct show_list *list = arg;
	struct show_dev *d, *grown;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, ESPVTI_A_MAX, NULL) ||
	    !tb[ESPVTI_A_IFINDEX] || !tb[ESPVTI_A_IFNAME])
		return -EBADMSG;
	grown = realloc(list->devs, (list->n + 1) * sizeof(*d));
	if (!grown)
		return -ENOMEM;
	list->devs = grown;
	d = &list->devs[list->n++];
	memset(d, 0, sizeof(*d));
	d->ifindex = nla_get_u32(tb[ESPVTI_A_IFINDEX]);
	snprintf(d->ifname, sizeof(d->ifname), "%s", nla_get_string(tb[ESPVTI_A_IFNAME]));
	if (tb[ESPVTI_A_MTU])
		d->mtu = nla_get_u32(tb[ESPVTI_A_MTU]);
	espctl_attr_addr(tb[ESPVTI_A_LOCAL_IPV4], tb[ESPVTI_A_LOCAL_IPV6], &d->local);
	espctl_attr_addr(tb[ESPVTI_A_REMOTE_IPV4], tb[ESPVTI_A_REMOTE_IPV6], &d->remote);
	if (tb[ESPVTI_A_UNDERLAY_IFINDEX])
		d->underlay = nla_get_u32(tb[ESPVTI_A_UNDERLAY_IFINDEX]);
	d->ttl = tb[ESPVTI_A_TTL] ? nla_get_u8(tb[ESPVTI_A_TTL]) : ESPVTI_DEFAULT_TTL;
	if (tb[ESPVTI_A_SA_COUNT_IN])
		d->n_in = nla_get_u32(tb[ESPVTI_A_SA_COUNT_IN]);
	if (tb[ESPVTI_A_OUT_SPI]) {
		d->has_out = true;
		d->out_spi = nla_get_u32(tb[ESPVTI_A_OUT_SPI]);
	}
	if (tb[ESPVTI_A_ENCAP])
		d->encap = nla_get_u8(tb[ESPVTI_A_ENCAP]);
	if (tb[ESPVTI_A_ENCAP_SPORT])
		d->sport = nla_get_u16(tb[ESPVTI_A_ENCAP_SPORT]);
	if (tb[ESPVTI_A_ENCAP_DPORT])
		d->dport = nla_get_u16(tb[ESPVTI_A_ENCAP_DPORT]);
	if (tb[ESPVTI_A_ENCAP_KEEPALIVE])
		d->keepalive = nla_get_u32(tb[ESPVTI_A_ENCAP_KEEPALIVE]);
	if (tb[ESPVTI_A_ENCAP_FLOAT])
		d->floating = nla_get_u8(tb[ESPVTI_A_ENCAP_FLOAT]);
	if (tb[ESPVTI_A_ENCAP_SOCKET])
		d->socket = nla_get_u8(tb[ESPVTI_A_ENCAP_SOCKET]);
	if (tb[ESPVTI_A_CRYPTO]) {
		d->has_crypto = true;
		d->crypto = nla_get_u8(tb[ESPVTI_A_CRYPTO]);
	}
	if (tb[ESPVTI_A_MSS_CLAMP]) {
		d->has_mss_clamp = true;
		d->mss_clamp = nla_get_u16(tb[ESPVTI_A_MSS_CLAMP]);
	}
	if (tb[ESPVTI_A_CRYPTO_INFLIGHT])
		d->crypto_inflight = nla_get_u32(tb[ESPVTI_A_CRYPTO_INFLIGHT]);
	read_stats(tb[ESPVTI_A_STATS], d->stats);
	return 0;
}

static int sa_reply(struct nl_msg *msg, void *arg)
{
	static const int limit_attrs[4] = {
		ESPVTI_SA_A_SOFT_BYTES, ESPVTI_SA_A_SOFT_PACKETS,
		ESPVTI_SA_A_HARD_BYTES, ESPVTI_SA_A_HARD_PACKETS,
	};
	struct nlattr *tb[ESPVTI_A_MAX + 1], *sb[ESPVTI_SA_A_MAX + 1];
	struct show_dev *d = arg;
	struct show_sa *s, *grown;
	int i;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, ESPVTI_A_MAX, NULL) ||
	    !tb[ESPVTI_A_SA] ||
	    nla_parse_nested(sb, ESPVTI_SA_A_MAX, tb[ESPVTI_A_SA], NULL) ||
	    !sb[ESPVTI_SA_A_DIR] || !sb[ESPVTI_SA_A_SPI])
		return -EBADMSG;
	grown = realloc(d->sas, (d->n_sas + 1) * sizeof(*s));
	if (!grown)
		return -ENOMEM;
	d->sas = grown;
	s = &d->sas[d->n_sas++];
	memset(s, 0, sizeof(*s));
	s->dir = nla_get_u8(sb[ESPVTI_SA_A_DIR]);
	s->spi = nla_get_u32(sb[ESPVTI_SA_A_SPI]);
	if (sb[ESPVTI_SA_A_ALG])
		snprintf(s->alg, sizeof(s->alg), "%s", nla_get_string(sb[ESPVTI_SA_A_ALG]));
	if (sb[ESPVTI_SA_A_ICV_BITS])
		s->icv_bits = nla_get_u32(sb[ESPVTI_SA_A_ICV_BITS]);
	s->esn = !!sb[ESPVTI_SA_A_ESN];
	if (sb[ESPVTI_SA_A_REPLAY_WINDOW]) {
		s->has_window = true;
		s->replay_window = nla_get_u32(sb[ESPVTI_SA_A_REPLAY_WINDOW]);
	}
	if (sb[ESPVTI_SA_A_SEQ])
		s->seq = nla_get_u64(sb[ESPVTI_SA_A_SEQ]);
	for (i = 0; i < 4; i++)
		if (sb[limit_attrs[i]])
			s->limits[i] = nla_get_u64(sb[limit_attrs[i]]);
	if (sb[ESPVTI_SA_A_EXPIRED])
		s->expired = nla_get_u8(sb[ESPVTI_SA_A_EXPIRED]);
	if (sb[ESPVTI_SA_A_EXPIRE_REASON])
		s->reason = nla_get_u8(sb[ESPVTI_SA_A_EXPIRE_REASON]);
	read_ts(sb[ESPVTI_SA_A_TS_LOCAL], s->ts_local, &s->n_ts_local);
	read_ts(sb[ESPVTI_SA_A_TS_REMOTE], s->ts_remote, &s->n_ts_remote);
	read_stats(sb[ESPVTI_SA_A_STATS], s->stats);
	return 0;
}

static void free_list(struct show_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->devs[i].sas);
	free(list->devs);
}

/* Outbound first, then inbound, each by SPI: a stable order to read. */
static int sa_cmp(const void *a, const void *b)
{
	const struct show_sa *x = a, *y = b;

	if (x->dir != y->dir)
		return x->dir == ESPVTI_DIR_OUT ? -1 : 1;
	return x->spi < y->spi ? -1 : x->spi > y->spi;
}

static int dev_cmp(const void *a, const void *b)
{
	const struct show_dev *x = a, *y = b;

	return strcmp(x->ifname, y->ifname);
}

/* ---- text output ---- */

static void print_counters(const char *indent, const uint64_t *stats,
			   bool device)
{
	unsigned int i, shown = 0;

	printf("%stransfer: %" PRIu64 " packets, %" PRIu64 " bytes received; %"
	       PRIu64 " packets, %" PRIu64 " bytes sent\n", indent,
	       stats[ESPVTI_STAT_RX_PACKETS], stats[ESPVTI_STAT_RX_BYTES],
	       stats[ESPVTI_STAT_TX_PACKETS], stats[ESPVTI_STAT_TX_BYTES]);
	for (i = ESPVTI_STAT_TX_BYTES + 1; i < __ESPVTI_STAT_MAX; i++) {
		const char *name = espctl_stat_name(i);

		if (!name || !stats[i])
			continue;
		if (!shown)
			printf("%scounters: ", indent);
		printf("%s%s %" PRIu64, shown ? ", " : "", name, stats[i]);
		shown++;
	}
	if (shown)
		printf("\n");
	else if (device)
		printf("%scounters: all zero\n", indent);
}

static void print_ts(const char *label, const struct espctl_prefix *ts, size_t n)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t i;

	printf("    %s: ", label);
	if (!n)
		printf("any");
	for (i = 0; i < n; i++)
		printf("%s%s", i ? "," : "", espctl_prefix_str(&ts[i], buf, sizeof(buf)));
	printf("\n");
}

static void print_sa_text(const struct show_sa *s)
{
	const char *kind[2] = { "soft", "hard" };
	int k;

	printf("  sa %s spi 0x%08x: %s icv %u%s", espctl_dir_name(s->dir), s->spi,
	       s->alg, s->icv_bits, s->esn ? " esn" : "");
	if (s->has_window)
		printf(" replay-window %u", s->replay_window);
	printf("\n    seq: %" PRIu64 "%s\n", s->seq,
	       s->dir == ESPVTI_DIR_OUT ? " (last sent)" : " (highest received)");
	print_ts("ts-local", s->ts_local, s->n_ts_local);
	print_ts("ts-remote", s->ts_remote, s->n_ts_remote);
	for (k = 0; k < 2; k++) {
		if (!s->limits[2 * k] && !s->limits[2 * k + 1])
			continue;
		printf("    limit %s:", kind[k]);
		if (s->limits[2 * k])
			printf(" bytes %" PRIu64, s->limits[2 * k]);
		if (s->limits[2 * k + 1])
			printf(" packets %" PRIu64, s->limits[2 * k + 1]);
		printf("\n");
	}
	printf("    expired: %s", espctl_expired_name(s->expired));
	if (s->expired && s->reason)
		printf(" (%s)", espctl_reason_name(s->reason));
	printf("\n");
	print_counters("    ", s->stats, false);
}

static void print_dev_text(const struct show_dev *d)
{
	char a[INET6_ADDRSTRLEN], name[IF_NAMESIZE];
	size_t i;

	printf("interface: %s (ifindex %u)\n", d->ifname, d->ifindex);
	printf("  mtu: %u\n", d->mtu);
	printf("  local: %s\n", d->local.family ? espctl_addr_str(&d->local, a, sizeof(a)) : "any");
	printf("  remote: %s\n", d->remote.family ? espctl_addr_str(&d->remote, a, sizeof(a)) : "none");
	if (d->underlay)
		printf("  underlay: %s (ifindex %u)\n",
		       if_indextoname(d->underlay, name) ? name : "?", d->underlay);
	printf("  ttl: %u\n", d->ttl);
	if (d->encap == ESPVTI_ENCAP_UDP)
		printf("  encap: udp sport %u dport %u keepalive %u float %s socket %s\n",
		       d->sport, d->dport, d->keepalive, d->floating ? "on" : "off",
		       espctl_socket_str(d->socket));
	else
		printf("  encap: none\n");
	if (d->has_crypto)
		printf("  crypto: %s, %u in flight\n", espctl_crypto_name(d->crypto),
		       d->crypto_inflight);
	if (d->has_mss_clamp) {
		if (d->mss_clamp == ESPVTI_MSS_CLAMP_OFF)
			printf("  mss-clamp: off\n");
		else if (d->mss_clamp == ESPVTI_MSS_CLAMP_AUTO)
			printf("  mss-clamp: auto\n");
		else
			printf("  mss-clamp: %u\n", d->mss_clamp);
	}
	if (d->has_out)
		printf("  sas: %u inbound, outbound spi 0x%08x\n", d->n_in, d->out_spi);
	else
		printf("  sas: %u inbound, no outbound SA\n", d->n_in);
	print_counters("  ", d->stats, true);
	for (i = 0; i < d->n_sas; i++) {
		printf("\n");
		print_sa_text(&d->sas[i]);
	}
}

/* ---- JSON output ---- */

static void json_stats(struct espctl_json *j, const uint64_t *stats)
{
	unsigned int i;

	espctl_json_obj_open(j, "stats");
	for (i = 0; i < __ESPVTI_STAT_MAX; i++)
		if (espctl_stat_name(i))
			espctl_json_u64(j, espctl_stat_name(i), stats[i]);
	espctl_json_obj_close(j);
}

static void json_ts(struct espctl_json *j, const char *key,
		    const struct espctl_prefix *ts, size_t n)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t i;

	espctl_json_arr_open(j, key);
	for (i = 0; i < n; i++)
		espctl_json_str(j, NULL, espctl_prefix_str(&ts[i], buf, sizeof(buf)));
	espctl_json_arr_close(j);
}

static void json_addr(struct espctl_json *j, const char *key,
		      const struct espctl_addr *addr)
{
	char a[INET6_ADDRSTRLEN];

	if (addr->family)
		espctl_json_str(j, key, espctl_addr_str(addr, a, sizeof(a)));
	else
		espctl_json_null(j, key);
}

static void json_sa(struct espctl_json *j, const struct show_sa *s)
{
	int i;

	espctl_json_obj_open(j, NULL);
	espctl_json_str(j, "dir", espctl_dir_name(s->dir));
	espctl_json_u64(j, "spi", s->spi);
	espctl_json_str(j, "alg", s->alg);
	espctl_json_u64(j, "icv_bits", s->icv_bits);
	espctl_json_bool(j, "esn", s->esn);
	if (s->has_window)
		espctl_json_u64(j, "replay_window", s->replay_window);
	else
		espctl_json_null(j, "replay_window");
	espctl_json_u64(j, "seq", s->seq);
	json_ts(j, "ts_local", s->ts_local, s->n_ts_local);
	json_ts(j, "ts_remote", s->ts_remote, s->n_ts_remote);
	espctl_json_obj_open(j, "limits");
	for (i = 0; i < 4; i++)
		espctl_json_u64(j, limit_names[i], s->limits[i]);
	espctl_json_obj_close(j);
	espctl_json_str(j, "expired", espctl_expired_name(s->expired));
	if (s->expired && s->reason)
		espctl_json_str(j, "expire_reason", espctl_reason_name(s->reason));
	else
		espctl_json_null(j, "expire_reason");
	json_stats(j, s->stats);
	espctl_json_obj_close(j);
}

static void json_dev(struct espctl_json *j, const struct show_dev *d)
{
	char name[IF_NAMESIZE];
	size_t i;

	espctl_json_obj_open(j, NULL);
	espctl_json_str(j, "ifname", d->ifname);
	espctl_json_u64(j, "ifindex", d->ifindex);
	espctl_json_u64(j, "mtu", d->mtu);
	json_addr(j, "local", &d->local);
	json_addr(j, "remote", &d->remote);
	if (d->underlay) {
		espctl_json_u64(j, "underlay_ifindex", d->underlay);
		if (if_indextoname(d->underlay, name))
			espctl_json_str(j, "underlay", name);
		else
			espctl_json_null(j, "underlay");
	} else {
		espctl_json_null(j, "underlay_ifindex");
		espctl_json_null(j, "underlay");
	}
	espctl_json_u64(j, "ttl", d->ttl);
	if (d->encap == ESPVTI_ENCAP_UDP) {
		espctl_json_obj_open(j, "encap");
		espctl_json_str(j, "type", "udp");
		espctl_json_u64(j, "sport", d->sport);
		espctl_json_u64(j, "dport", d->dport);
		espctl_json_u64(j, "keepalive", d->keepalive);
		espctl_json_bool(j, "float", d->floating);
		espctl_json_str(j, "socket", espctl_socket_str(d->socket));
		espctl_json_obj_close(j);
	} else {
		espctl_json_null(j, "encap");
	}
	if (d->has_crypto) {
		espctl_json_str(j, "crypto", espctl_crypto_name(d->crypto));
		espctl_json_u64(j, "crypto_inflight", d->crypto_inflight);
	} else {
		espctl_json_null(j, "crypto");
		espctl_json_null(j, "crypto_inflight");
	}
	if (!d->has_mss_clamp)
		espctl_json_null(j, "mss_clamp");
	else if (d->mss_clamp == ESPVTI_MSS_CLAMP_OFF)
		espctl_json_str(j, "mss_clamp", "off");
	else if (d->mss_clamp == ESPVTI_MSS_CLAMP_AUTO)
		espctl_json_str(j, "mss_clamp", "auto");
	else
		espctl_json_u64(j, "mss_clamp", d->mss_clamp);
	espctl_json_u64(j, "sa_count_in", d->n_in);
	if (d->has_out)
		espctl_json_u64(j, "out_spi", d->out_spi);
	else
		espctl_json_null(j, "out_spi");
	json_stats(j, d->stats);
	espctl_json_arr_open(j, "sas");
	for (i = 0; i < d->n_sas; i++)
		json_sa(j, &d->sas[i]);
	espctl_json_arr_close(j);
	espctl_json_obj_close(j);
}

/* ---- the command ---- */

static int read_all(struct esplib_nl *nl, const char *dev, struct show_list *list,
		    const char *what)
{
	struct nl_msg *msg;
	size_t i;
	int err;

	msg = esplib_nl_msg(nl, ESPVTI_CMD_DEV_GET, dev ? 0 : NLM_F_DUMP);
	if (!msg || (dev && nla_put_string(msg, ESPVTI_A_IFNAME, dev))) {
		nlmsg_free(msg);
		espctl_nl_nomem(what);
		return 1;
	}
	err = esplib_nl_talk(nl, msg, dev_reply, list);
	if (err == -ENODEV && dev) {
		fprintf(stderr, "espctl: %s: no espvti device named '%s'%s%s\n",
			what, dev, nl->ext_msg[0] ? ": " : "", nl->ext_msg);
		return 1;
	}
	if (err)
		return espctl_nl_perror(nl, what, err);
	for (i = 0; i < list->n; i++) {
		struct show_dev *d = &list->devs[i];

		msg = esplib_nl_msg(nl, ESPVTI_CMD_SA_GET, NLM_F_DUMP);
		if (!msg || nla_put_u32(msg, ESPVTI_A_IFINDEX, d->ifindex)) {
			nlmsg_free(msg);
			espctl_nl_nomem(what);
			return 1;
		}
		err = esplib_nl_talk(nl, msg, sa_reply, d);
		/* The device may have gone since the first dump. */
		if (err == -ENODEV)
			continue;
		if (err)
			return espctl_nl_perror(nl, what, err);
		qsort(d->sas, d->n_sas, sizeof(*d->sas), sa_cmp);
	}
	qsort(list->devs, list->n, sizeof(*list->devs), dev_cmp);
	return 0;
}

int espctl_show(int argc, char **argv)
{
	struct show_list list = { 0 };
	const char *dev = NULL;
	struct esplib_nl nl;
	struct espctl_err e;
	char what[64];
	bool json = false;
	int i, ret;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			json = true;
		} else if (argv[i][0] == '-') {
			return espctl_usage_error(&espctl_show_cmd, "unknown option '%s'", argv[i]);
		} else if (dev) {
			return espctl_usage_error(&espctl_show_cmd, "unexpected argument '%s'",
						  argv[i]);
		} else {
			if (espctl_parse_ifname("device", argv[i], &e))
				return espctl_usage_error(&espctl_show_cmd, "%s", e.msg);
			dev = argv[i];
		}
	}
	snprintf(what, sizeof(what), "show%s%s", dev ? " " : "", dev ? dev : "");
	if (espctl_nl_open(&nl, what))
		return 1;
	ret = read_all(&nl, dev, &list, what);
	esplib_nl_close(&nl);
	if (ret)
		goto out_free;
	if (json) {
		struct espctl_json j;

		espctl_json_init(&j, stdout, true);
		if (dev) {
			json_dev(&j, &list.devs[0]);
		} else {
			espctl_json_arr_open(&j, NULL);
			for (i = 0; i < (int)list.n; i++)
				json_dev(&j, &list.devs[i]);
			espctl_json_arr_close(&j);
		}
		espctl_json_end(&j);
	} else {
		for (i = 0; i < (int)list.n; i++) {
			if (i)
				printf("\n");
			print_dev_text(&list.devs[i]);
		}
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "espctl: %s: cannot write the output: %s\n", what,
			strerror(errno));
		ret = 1;
	}
out_free:
	free_list(&list);
	return ret;
}

const struct espctl_cmd espctl_show_cmd = {
	.name = "show",
	.fn = espctl_show,
	.usage = "show [DEV] [--json]",
	.help =
	"Shows the espvti devices of this network namespace (or only DEV): MTU,\n"
	"outer endpoints, underlay, TTL, UDP encapsulation, counters, and each\n"
	"security association with its algorithm, sequence number, selectors,\n"
	"lifetimes, expiry state and counters. Keys are never shown.\n\n"
	"  --json, -j   one JSON document: an array of devices, or one device\n"
	"               object when DEV is given (see espctl(8) for the fields)\n",
};
