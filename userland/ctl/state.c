// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * espctl: reads the state of the espvti devices (state.h). Everything is
 * read first (a dump of ESPVTI_CMD_DEV_GET, then one dump of
 * ESPVTI_CMD_SA_GET per device), so that a failure in the middle leaves the
 * caller nothing half-way to print.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "print.h"
#include "state.h"

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
	struct espctl_dev_list *list = arg;
	struct espctl_dev_info *d, *grown;

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
	if (tb[ESPVTI_A_RESERVED_HELD])
		d->n_held = nla_get_u32(tb[ESPVTI_A_RESERVED_HELD]);
	if (tb[ESPVTI_A_SA_COUNT_RESERVED])
		d->n_reserved = nla_get_u32(tb[ESPVTI_A_SA_COUNT_RESERVED]);
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
	espctl_attr_addr(tb[ESPVTI_A_RX_SEL_SRC_IPV4], tb[ESPVTI_A_RX_SEL_SRC_IPV6],
			 &d->sel_src);
	espctl_attr_addr(tb[ESPVTI_A_RX_SEL_DST_IPV4], tb[ESPVTI_A_RX_SEL_DST_IPV6],
			 &d->sel_dst);
	return 0;
}

static int sa_reply(struct nl_msg *msg, void *arg)
{
	static const int limit_attrs[4] = {
		ESPVTI_SA_A_SOFT_BYTES, ESPVTI_SA_A_SOFT_PACKETS,
		ESPVTI_SA_A_HARD_BYTES, ESPVTI_SA_A_HARD_PACKETS,
	};
	struct nlattr *tb[ESPVTI_A_MAX + 1], *sb[ESPVTI_SA_A_MAX + 1];
	struct espctl_dev_info *d = arg;
	struct espctl_sa_info *s, *grown;
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

void espctl_dev_list_free(struct espctl_dev_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->devs[i].sas);
	free(list->devs);
}

/* Outbound first, then inbound, each by SPI: a stable order to read. */
static int sa_cmp(const void *a, const void *b)
{
	const struct espctl_sa_info *x = a, *y = b;

	if (x->dir != y->dir)
		return x->dir == ESPVTI_DIR_OUT ? -1 : 1;
	return x->spi < y->spi ? -1 : x->spi > y->spi;
}

static int dev_cmp(const void *a, const void *b)
{
	const struct espctl_dev_info *x = a, *y = b;

	return strcmp(x->ifname, y->ifname);
}

int espctl_dev_list_read(struct esplib_nl *nl, const char *dev, struct espctl_dev_list *list,
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
		struct espctl_dev_info *d = &list->devs[i];

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
