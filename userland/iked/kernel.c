// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * kernel.c - the "netlink" backend: keys espvti devices over the espvti
 * generic netlink family with libnl-genl-3, extended ACK messages passed
 * back to the caller, and a second socket on the "events" multicast group
 * for expire, acquire and mapping (NAT) notifications. UDP encapsulation
 * hands the daemon's NAT-T socket to the module (ESPVTI_A_ENCAP_FD): the
 * module holds its own reference, shares one socket among all the devices
 * given it (the SPI tells them apart) and leaves IKE datagrams on it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/espvti.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "esplib_nl.h"
#include "kernel.h"
#include "log.h"

/**
 * struct nl_kern - state of the netlink backend
 * @nl: request socket (userland/lib/esplib_nl.h)
 * @ev: event socket (multicast group "events")
 */
struct nl_kern {
	struct esplib_nl nl;
	struct nl_sock *ev;
};

/* Send @msg (freed here) and wait for the ACK; 0 or -1 with @err. */
static int nl_request(struct nl_kern *nk, struct nl_msg *msg, const char *what,
		      char *err, size_t errlen)
{
	int ret = esplib_nl_talk(&nk->nl, msg, NULL, NULL);

	if (!ret)
		return 0;
	if (nk->nl.local_err)
		snprintf(err, errlen, "%s: %s", what, nl_geterror(nk->nl.local_err));
	else
		snprintf(err, errlen, "%s: %s%s%s", what, nl_geterror(nl_syserr2nlerr(-ret)),
			 nk->nl.ext_msg[0] ? ": " : "", nk->nl.ext_msg);
	return -1;
}

static struct nl_msg *nl_new(struct nl_kern *nk, uint8_t cmd, const char *dev)
{
	struct nl_msg *msg = esplib_nl_msg(&nk->nl, cmd, 0);

	if (msg && nla_put_string(msg, ESPVTI_A_IFNAME, dev)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int put_addr(struct nl_msg *msg, int v4, int v6, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return nla_put(msg, v4, 4, &((const struct sockaddr_in *)ss)->sin_addr);
	return nla_put(msg, v6, 16, &((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static int nk_dev_set(struct kern *k, const char *dev, const struct sockaddr_storage *local,
		      const struct sockaddr_storage *remote, char *err, size_t errlen)
{
	struct nl_kern *nk = k->priv;
	struct nl_msg *msg = nl_new(nk, ESPVTI_CMD_DEV_SET, dev);

	if (!msg || put_addr(msg, ESPVTI_A_LOCAL_IPV4, ESPVTI_A_LOCAL_IPV6, local) ||
	    put_addr(msg, ESPVTI_A_REMOTE_IPV4, ESPVTI_A_REMOTE_IPV6, remote)) {
		nlmsg_free(msg);
		snprintf(err, errlen, "DEV_SET %s: message too large", dev);
		return -1;
	}
	return nl_request(nk, msg, "DEV_SET", err, errlen);
}

static int put_ts(struct nl_msg *msg, int attr, const struct ts_prefix *ts, unsigned int n)
{
	struct nlattr *list = nla_nest_start(msg, attr), *one;

	if (!list)
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		one = nla_nest_start(msg, ESPVTI_TS_A_PREFIX);
		if (!one ||
		    nla_put(msg, ts[i].family == AF_INET ? ESPVTI_TS_A_IPV4 : ESPVTI_TS_A_IPV6,
			    ts[i].family == AF_INET ? 4 : 16, ts[i].addr) ||
		    nla_put_u8(msg, ESPVTI_TS_A_PLEN, ts[i].plen))
			return -1;
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, list);
	return 0;
}

static int nk_sa_new(struct kern *k, const struct kern_sa *sa, char *err, size_t errlen)
{
	struct nl_kern *nk = k->priv;
	struct nl_msg *msg = nl_new(nk, ESPVTI_CMD_SA_NEW, sa->dev);
	struct nlattr *nest;
	int ret;

	if (!msg)
		goto too_large;
	nest = nla_nest_start(msg, ESPVTI_A_SA);
	if (!nest || nla_put_u8(msg, ESPVTI_SA_A_DIR, sa->dir) ||
	    nla_put_u32(msg, ESPVTI_SA_A_SPI, sa->spi) ||
	    nla_put_string(msg, ESPVTI_SA_A_ALG, sa->alg) ||
	    nla_put(msg, ESPVTI_SA_A_KEY, (int)sa->keylen, sa->key) ||
	    nla_put_u32(msg, ESPVTI_SA_A_ICV_BITS, sa->icv_bits) ||
	    (sa->esn && nla_put_flag(msg, ESPVTI_SA_A_ESN)) ||
	    (sa->dir == ESPVTI_DIR_IN &&
	     nla_put_u32(msg, ESPVTI_SA_A_REPLAY_WINDOW, sa->replay_window)) ||
	    (sa->soft_bytes && nla_put_u64(msg, ESPVTI_SA_A_SOFT_BYTES, sa->soft_bytes)) ||
	    (sa->soft_packets && nla_put_u64(msg, ESPVTI_SA_A_SOFT_PACKETS, sa->soft_packets)) ||
	    (sa->hard_bytes && nla_put_u64(msg, ESPVTI_SA_A_HARD_BYTES, sa->hard_bytes)) ||
	    (sa->hard_packets && nla_put_u64(msg, ESPVTI_SA_A_HARD_PACKETS, sa->hard_packets)) ||
	    put_ts(msg, ESPVTI_SA_A_TS_LOCAL, sa->ts_local, sa->nts_local) ||
	    put_ts(msg, ESPVTI_SA_A_TS_REMOTE, sa->ts_remote, sa->nts_remote))
		goto too_large;
	nla_nest_end(msg, nest);
	ret = nl_request(nk, msg, "SA_NEW", err, errlen);
	/* The key was copied into the message, which libnl has freed. */
	return ret;
too_large:
	if (msg) {
		explicit_bzero(nlmsg_data(nlmsg_hdr(msg)), nlmsg_datalen(nlmsg_hdr(msg)));
		nlmsg_free(msg);
	}
	snprintf(err, errlen, "SA_NEW %s: message too large", sa->dev);
	return -1;
}

static int nk_sa_del(struct kern *k, const char *dev, uint8_t dir, uint32_t spi,
		     char *err, size_t errlen)
{
	struct nl_kern *nk = k->priv;
	struct nl_msg *msg = nl_new(nk, ESPVTI_CMD_SA_DEL, dev);
	struct nlattr *nest;

	if (!msg || !(nest = nla_nest_start(msg, ESPVTI_A_SA)) ||
	    nla_put_u8(msg, ESPVTI_SA_A_DIR, dir) || nla_put_u32(msg, ESPVTI_SA_A_SPI, spi)) {
		nlmsg_free(msg);
		snprintf(err, errlen, "SA_DEL %s: message too large", dev);
		return -1;
	}
	nla_nest_end(msg, nest);
	return nl_request(nk, msg, "SA_DEL", err, errlen);
}

static int nk_sa_reserve(struct kern *k, const char *dev, uint32_t spi, uint32_t ms,
			 char *err, size_t errlen)
{
	struct nl_kern *nk = k->priv;
	struct nl_msg *msg = nl_new(nk, ESPVTI_CMD_SA_RESERVE, dev);
	struct nlattr *nest;

	if (!msg || !(nest = nla_nest_start(msg, ESPVTI_A_SA)) ||
	    nla_put_u8(msg, ESPVTI_SA_A_DIR, ESPVTI_DIR_IN) ||
	    nla_put_u32(msg, ESPVTI_SA_A_SPI, spi) ||
	    nla_put_u32(msg, ESPVTI_SA_A_RESERVE_MS, ms)) {
		nlmsg_free(msg);
		snprintf(err, errlen, "SA_RESERVE %s: message too large", dev);
		return -1;
	}
	nla_nest_end(msg, nest);
	return nl_request(nk, msg, "SA_RESERVE", err, errlen);
}

static int nk_flush(struct kern *k, const char *dev, char *err, size_t errlen)
{
	struct nl_kern *nk = k->priv;
	struct nl_msg *msg = nl_new(nk, ESPVTI_CMD_SA_FLUSH, dev);

	if (!msg) {
		snprintf(err, errlen, "SA_FLUSH %s: out of memory", dev);
		return -1;
	}
	return nl_request(nk, msg, "SA_FLUSH", err, errlen);
}

static int nk_encap_set(struct kern *k, const char *dev, const struct kern_encap *e,
			char *err, size_t errlen)
{
	struct nl_kern *nk = k->priv;
	struct nl_msg *msg = nl_new(nk, ESPVTI_CMD_DEV_SET, dev);

	if (!msg || nla_put_u8(msg, ESPVTI_A_ENCAP, e->udp ? ESPVTI_ENCAP_UDP : ESPVTI_ENCAP_NONE) ||
	    (e->udp && (nla_put_u16(msg, ESPVTI_A_ENCAP_DPORT, e->dport) ||
			nla_put_u32(msg, ESPVTI_A_ENCAP_KEEPALIVE, e->keepalive) ||
			nla_put_u8(msg, ESPVTI_A_ENCAP_FLOAT, 1) ||
			nla_put_s32(msg, ESPVTI_A_ENCAP_FD, e->fd)))) {
		nlmsg_free(msg);
		snprintf(err, errlen, "DEV_SET %s: message too large", dev);
		return -1;
	}
	return nl_request(nk, msg, "DEV_SET (encapsulation)", err, errlen);
}

static int nk_event_fd(struct kern *k)
{
	struct nl_kern *nk = k->priv;

	return nk->ev ? nl_socket_get_fd(nk->ev) : -1;
}

/**
 * struct ev_ctx - where parsed events go
 * @cb: the caller's callback
 * @arg: its argument
 */
struct ev_ctx {
	kern_event_cb cb;
	void *arg;
};

/* Address attribute @v4 or @v6 and port @port of an event into @ss. */
static int get_endpoint(struct nlattr **tb, int v4, int v6, int port,
			struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (tb[port] && nla_len(tb[port]) < 2)
		return -1;
	if (tb[v4] && nla_len(tb[v4]) == 4) {
		ss->ss_family = AF_INET;
		memcpy(&((struct sockaddr_in *)ss)->sin_addr, nla_data(tb[v4]), 4);
		((struct sockaddr_in *)ss)->sin_port = tb[port] ? htons(nla_get_u16(tb[port])) : 0;
	} else if (tb[v6] && nla_len(tb[v6]) == 16) {
		ss->ss_family = AF_INET6;
		memcpy(&((struct sockaddr_in6 *)ss)->sin6_addr, nla_data(tb[v6]), 16);
		((struct sockaddr_in6 *)ss)->sin6_port = tb[port] ? htons(nla_get_u16(tb[port])) : 0;
	} else {
		return -1;
	}
	return tb[port] ? 0 : -1;
}

static int ev_valid_cb(struct nl_msg *msg, void *arg)
{
	struct ev_ctx *ctx = arg;
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[ESPVTI_A_MAX + 1], *sa[ESPVTI_SA_A_MAX + 1];
	struct kern_event ev = { 0 };

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, ESPVTI_A_MAX, NULL) || !tb[ESPVTI_A_IFNAME])
		return NL_SKIP;
	snprintf(ev.dev, sizeof(ev.dev), "%s", (const char *)nla_data(tb[ESPVTI_A_IFNAME]));
	switch (g->cmd) {
	case ESPVTI_CMD_SA_EXPIRE_NTF:
		if (!tb[ESPVTI_A_SA] || nla_parse_nested(sa, ESPVTI_SA_A_MAX, tb[ESPVTI_A_SA], NULL) ||
		    !sa[ESPVTI_SA_A_DIR] || !sa[ESPVTI_SA_A_SPI] || !sa[ESPVTI_SA_A_EXPIRED])
			return NL_SKIP;
		ev.type = nla_get_u8(sa[ESPVTI_SA_A_EXPIRED]) == 2 ? KEV_HARD_EXPIRE : KEV_SOFT_EXPIRE;
		ev.dir = nla_get_u8(sa[ESPVTI_SA_A_DIR]);
		ev.spi = nla_get_u32(sa[ESPVTI_SA_A_SPI]);
		break;
	case ESPVTI_CMD_ACQUIRE_NTF:
		ev.type = KEV_ACQUIRE;
		break;
	case ESPVTI_CMD_MAPPING_NTF:
		ev.type = KEV_MAPPING;
		if (get_endpoint(tb, ESPVTI_A_REMOTE_IPV4, ESPVTI_A_REMOTE_IPV6,
				 ESPVTI_A_ENCAP_DPORT, &ev.remote)) {
			log_warn("espvti mapping event for %s without the new address and port: ignored",
				 ev.dev);
			return NL_SKIP;
		}
		/* The old endpoint is for logs only: missing is no reason to drop. */
		get_endpoint(tb, ESPVTI_A_OLD_REMOTE_IPV4, ESPVTI_A_OLD_REMOTE_IPV6,
			     ESPVTI_A_OLD_ENCAP_DPORT, &ev.old_remote);
		break;
	default:
		return NL_SKIP;
	}
	ctx->cb(&ev, ctx->arg);
	return NL_OK;
}

static void nk_event_read(struct kern *k, kern_event_cb cb, void *arg)
{
	struct nl_kern *nk = k->priv;
	struct ev_ctx ctx = { cb, arg };
	int ret;

	if (!nk->ev)
		return;
	nl_socket_modify_cb(nk->ev, NL_CB_VALID, NL_CB_CUSTOM, ev_valid_cb, &ctx);
	ret = nl_recvmsgs_default(nk->ev);
	if (ret < 0 && ret != -NLE_AGAIN)
		log_warn("espvti events: %s", nl_geterror(ret));
}

static void nk_close(struct kern *k)
{
	struct nl_kern *nk = k->priv;

	if (nk->ev)
		nl_socket_free(nk->ev);
	esplib_nl_close(&nk->nl);
	free(nk);
	free(k);
}

static const struct kern_ops nl_ops = {
	.dev_set = nk_dev_set,
	.sa_new = nk_sa_new,
	.sa_del = nk_sa_del,
	.sa_reserve = nk_sa_reserve,
	.flush = nk_flush,
	.encap_set = nk_encap_set,
	.event_fd = nk_event_fd,
	.event_read = nk_event_read,
	.close = nk_close,
};

static int events_open(struct nl_kern *nk, char *err, size_t errlen)
{
	int grp, ret;

	nk->ev = nl_socket_alloc();
	if (!nk->ev) {
		snprintf(err, errlen, "netlink: out of memory");
		return -1;
	}
	nl_socket_disable_seq_check(nk->ev);
	if ((ret = genl_connect(nk->ev)) < 0 ||
	    (grp = ret = genl_ctrl_resolve_grp(nk->nl.sk, ESPVTI_GENL_NAME, ESPVTI_MCGRP_EVENTS)) < 0 ||
	    (ret = nl_socket_add_membership(nk->ev, grp)) < 0 ||
	    (ret = nl_socket_set_nonblocking(nk->ev)) < 0) {
		snprintf(err, errlen, "netlink: espvti events group: %s", nl_geterror(ret));
		return -1;
	}
	return 0;
}

struct kern *kern_netlink_open(char *err, size_t errlen)
{
	struct kern *k = calloc(1, sizeof(*k));
	struct nl_kern *nk = calloc(1, sizeof(*nk));
	int ret;

	if (!k || !nk) {
		snprintf(err, errlen, "out of memory");
		goto free_mem;
	}
	switch (esplib_nl_open(&nk->nl, &ret)) {
	case 0:
		break;
	case ESPLIB_NL_NOMEM:
		snprintf(err, errlen, "netlink: out of memory");
		goto free_mem;
	case ESPLIB_NL_CONNECT:
		snprintf(err, errlen, "netlink: %s", nl_geterror(ret));
		goto free_mem;
	case ESPLIB_NL_EXT_ACK:
		snprintf(err, errlen, "netlink: cannot enable extended ACK: %s", strerror(ret));
		goto free_mem;
	default:
		snprintf(err, errlen, "generic netlink family '%s' not found (is espvti.ko loaded?): %s",
			 ESPVTI_GENL_NAME, nl_geterror(ret));
		goto free_mem;
	}
	if (events_open(nk, err, errlen))
		goto free_ev;
	k->ops = &nl_ops;
	k->priv = nk;
	return k;
free_ev:
	nl_socket_free(nk->ev);
	esplib_nl_close(&nk->nl);
free_mem:
	free(nk);
	free(k);
	return NULL;
}

struct kern *kern_open(const char *spec, char *err, size_t errlen)
{
	if (!strcmp(spec, "netlink"))
		return kern_netlink_open(err, errlen);
	if (!strncmp(spec, "fake:", 5) && spec[5])
		return kern_fake_open(spec + 5, err, errlen);
	snprintf(err, errlen, "kernel backend '%s': expected 'netlink' or 'fake:PATH'", spec);
	return NULL;
}

void kern_close(struct kern *k)
{
	if (k)
		k->ops->close(k);
}

void kern_ts_format(const struct ts_prefix *ts, unsigned int n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	if (!n) {
		snprintf(buf, len, "any");
		return;
	}
	for (unsigned int i = 0; i < n && off < len; i++) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(ts[i].family, ts[i].addr, a, sizeof(a));
		off += (size_t)snprintf(buf + off, len - off, "%s%s/%u", i ? "," : "", a, ts[i].plen);
	}
}
