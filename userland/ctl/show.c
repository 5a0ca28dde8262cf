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
#include "state.h"

static const char *const limit_names[4] = {
	"soft_bytes", "soft_packets", "hard_bytes", "hard_packets"
};

/* ESPVTI_A_ENCAP_SOCKET as espctl shows it. */
static const char *espctl_socket_str(uint8_t socket)
{
	return socket == 2 ? "user" : socket == 1 ? "kernel" : "none";
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

static void print_sa_text(const struct espctl_sa_info *s)
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

static void print_dev_text(const struct espctl_dev_info *d)
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
	if (d->n_reserved)
		printf("  reserved inbound spis: %u, holding %u packets until their SAs come\n",
		       d->n_reserved, d->n_held);
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

static void json_sa(struct espctl_json *j, const struct espctl_sa_info *s)
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

static void json_dev(struct espctl_json *j, const struct espctl_dev_info *d)
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
	espctl_json_u64(j, "sa_count_reserved", d->n_reserved);
	espctl_json_u64(j, "reserved_held", d->n_held);
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

int espctl_show(int argc, char **argv)
{
	struct espctl_dev_list list = { 0 };
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
	ret = espctl_dev_list_read(&nl, dev, &list, what);
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
	espctl_dev_list_free(&list);
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
