// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * espctl monitor [--json]: prints the events of the "events" multicast group
 * of the espvti family, one line each, until interrupted: SA soft and hard
 * expiry, sequence number near exhaustion, acquire (a packet and no
 * outbound SA) and NAT mapping changes.
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/espvti.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "espctl.h"
#include "json.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/**
 * struct monitor - state of the monitor loop
 * @json: print JSON lines instead of text
 * @bad: events that could not be read
 */
struct monitor {
	bool json;
	unsigned long bad;
};

/* "ADDR:PORT", IPv6 as "[ADDR]:PORT"; "none" without an address. */
static const char *endpoint_str(const struct espctl_addr *a, uint16_t port,
				char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN];

	if (!a->family)
		snprintf(buf, len, "none");
	else if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", espctl_addr_str(a, s, sizeof(s)), port);
	else
		snprintf(buf, len, "%s:%u", espctl_addr_str(a, s, sizeof(s)), port);
	return buf;
}

static void begin(struct monitor *m, struct espctl_json *j, const char *event,
		  const char *ifname, uint32_t ifindex)
{
	if (m->json) {
		espctl_json_init(j, stdout, false);
		espctl_json_obj_open(j, NULL);
		espctl_json_str(j, "event", event);
		espctl_json_str(j, "ifname", ifname);
		espctl_json_u64(j, "ifindex", ifindex);
	} else {
		printf("%s: %s", ifname, event);
	}
}

static void end(struct monitor *m, struct espctl_json *j)
{
	if (m->json) {
		espctl_json_obj_close(j);
		espctl_json_end(j);
	} else {
		printf("\n");
	}
	fflush(stdout);
}

static int expire_event(struct monitor *m, struct nlattr **tb, const char *ifname,
			uint32_t ifindex)
{
	struct nlattr *sb[ESPVTI_SA_A_MAX + 1];
	struct espctl_json j;
	const char *event, *reason;
	uint8_t kind, why;
	uint32_t spi;
	uint8_t dir;

	if (!tb[ESPVTI_A_SA] ||
	    nla_parse_nested(sb, ESPVTI_SA_A_MAX, tb[ESPVTI_A_SA], NULL) ||
	    !sb[ESPVTI_SA_A_DIR] || !sb[ESPVTI_SA_A_SPI] || !sb[ESPVTI_SA_A_EXPIRED])
		return -1;
	dir = nla_get_u8(sb[ESPVTI_SA_A_DIR]);
	spi = nla_get_u32(sb[ESPVTI_SA_A_SPI]);
	kind = nla_get_u8(sb[ESPVTI_SA_A_EXPIRED]);
	why = sb[ESPVTI_SA_A_EXPIRE_REASON] ? nla_get_u8(sb[ESPVTI_SA_A_EXPIRE_REASON]) : 0;
	reason = espctl_reason_name(why);
	if (kind == 1 && why == ESPVTI_EXPIRE_SEQ)
		event = "seq-near-exhaustion";
	else if (kind == 1)
		event = "soft-expire";
	else
		event = "hard-expire";
	begin(m, &j, event, ifname, ifindex);
	if (m->json) {
		espctl_json_str(&j, "dir", espctl_dir_name(dir));
		espctl_json_u64(&j, "spi", spi);
		espctl_json_str(&j, "reason", reason);
	} else {
		printf(" sa %s spi 0x%08x reason %s", espctl_dir_name(dir), spi, reason);
	}
	end(m, &j);
	return 0;
}

static int acquire_event(struct monitor *m, struct nlattr **tb, const char *ifname,
			 uint32_t ifindex)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	struct espctl_addr src, dst;
	struct espctl_json j;

	if (espctl_attr_addr(tb[ESPVTI_A_ACQUIRE_SRC_IPV4], tb[ESPVTI_A_ACQUIRE_SRC_IPV6], &src) ||
	    espctl_attr_addr(tb[ESPVTI_A_ACQUIRE_DST_IPV4], tb[ESPVTI_A_ACQUIRE_DST_IPV6], &dst))
		return -1;
	espctl_addr_str(&src, s, sizeof(s));
	espctl_addr_str(&dst, d, sizeof(d));
	begin(m, &j, "acquire", ifname, ifindex);
	if (m->json) {
		espctl_json_str(&j, "src", s);
		espctl_json_str(&j, "dst", d);
	} else {
		printf(" src %s dst %s", s, d);
	}
	end(m, &j);
	return 0;
}

static int mapping_event(struct monitor *m, struct nlattr **tb, const char *ifname,
			 uint32_t ifindex)
{
	char o[INET6_ADDRSTRLEN + 10], n[INET6_ADDRSTRLEN + 10];
	struct espctl_addr old_addr, new_addr;
	uint16_t old_port, new_port;
	struct espctl_json j;

	espctl_attr_addr(tb[ESPVTI_A_OLD_REMOTE_IPV4], tb[ESPVTI_A_OLD_REMOTE_IPV6], &old_addr);
	if (espctl_attr_addr(tb[ESPVTI_A_REMOTE_IPV4], tb[ESPVTI_A_REMOTE_IPV6], &new_addr))
		return -1;
	old_port = tb[ESPVTI_A_OLD_ENCAP_DPORT] ? nla_get_u16(tb[ESPVTI_A_OLD_ENCAP_DPORT]) : 0;
	new_port = tb[ESPVTI_A_ENCAP_DPORT] ? nla_get_u16(tb[ESPVTI_A_ENCAP_DPORT]) : 0;
	endpoint_str(&old_addr, old_port, o, sizeof(o));
	endpoint_str(&new_addr, new_port, n, sizeof(n));
	begin(m, &j, "mapping", ifname, ifindex);
	if (m->json) {
		espctl_json_str(&j, "old", o);
		espctl_json_str(&j, "new", n);
	} else {
		printf(" old %s new %s", o, n);
	}
	end(m, &j);
	return 0;
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[ESPVTI_A_MAX + 1];
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct monitor *m = arg;
	const char *ifname = "?";
	uint32_t ifindex = 0;
	int ret;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, ESPVTI_A_MAX, NULL)) {
		m->bad++;
		return NL_SKIP;
	}
	if (tb[ESPVTI_A_IFNAME])
		ifname = nla_get_string(tb[ESPVTI_A_IFNAME]);
	if (tb[ESPVTI_A_IFINDEX])
		ifindex = nla_get_u32(tb[ESPVTI_A_IFINDEX]);
	switch (gh->cmd) {
	case ESPVTI_CMD_SA_EXPIRE_NTF:
		ret = expire_event(m, tb, ifname, ifindex);
		break;
	case ESPVTI_CMD_ACQUIRE_NTF:
		ret = acquire_event(m, tb, ifname, ifindex);
		break;
	case ESPVTI_CMD_MAPPING_NTF:
		ret = mapping_event(m, tb, ifname, ifindex);
		break;
	default:
		return NL_SKIP;	/* a newer kernel's event: not ours to guess */
	}
	if (ret) {
		m->bad++;
		fprintf(stderr, "espctl: monitor: ignored a malformed event (command %u) for %s\n",
			gh->cmd, ifname);
	}
	return NL_OK;
}

/*
 * Joins the "events" group of the espvti family on @nl, with on_event() and
 * @m as its callback. Returns 0, or -1 with the error reported.
 */
static int monitor_join(struct esplib_nl *nl, struct monitor *m)
{
	int grp;

	grp = genl_ctrl_resolve_grp(nl->sk, ESPVTI_GENL_NAME, ESPVTI_MCGRP_EVENTS);
	if (grp < 0) {
		fprintf(stderr, "espctl: monitor: no multicast group \"%s\" in the espvti family: %s\n",
			ESPVTI_MCGRP_EVENTS, nl_geterror(grp));
		return -1;
	}
	nl_socket_disable_seq_check(nl->sk);
	nl_socket_disable_auto_ack(nl->sk);
	/* Not nl_socket_add_membership(): its libnl error code hides errno. */
	if (setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		       &grp, sizeof(grp))) {
		if (errno == EPERM || errno == EACCES)
			fprintf(stderr, "espctl: monitor: joining the espvti events group needs CAP_NET_ADMIN (%s)\n",
				strerror(errno));
		else
			fprintf(stderr, "espctl: monitor: cannot join the espvti events group: %s\n",
				strerror(errno));
		return -1;
	}
	/* Bursts (an acquire per packet) must not overflow the socket. */
	nl_socket_set_buffer_size(nl->sk, 1 << 20, 0);
	nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, m);
	return 0;
}

/*
 * libnl retries a recvmsg() that a signal interrupts, so the monitor
 * waits in ppoll() instead, with the stop signals blocked everywhere
 * else: one arriving at any time ends the wait. Blocks SIGINT, SIGTERM
 * and SIGHUP, sets on_signal() for them, and leaves in @waitmask the mask
 * to wait with (the previous one, without them).
 */
static void monitor_stop_signals(sigset_t *waitmask)
{
	sigset_t stopsigs;
	struct sigaction sa;

	sigemptyset(&stopsigs);
	sigaddset(&stopsigs, SIGINT);
	sigaddset(&stopsigs, SIGTERM);
	sigaddset(&stopsigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &stopsigs, waitmask);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGHUP);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * Reads the events of @nl until a stop signal, waiting with @waitmask.
 * Returns 0 once stopped, or -1 with the error reported.
 */
static int monitor_loop(struct esplib_nl *nl, const sigset_t *waitmask)
{
	struct pollfd pfd;
	int ret;

	pfd.fd = nl_socket_get_fd(nl->sk);
	pfd.events = POLLIN;
	while (!stop) {
		if (ppoll(&pfd, 1, NULL, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "espctl: monitor: waiting for events: %s\n",
				strerror(errno));
			return -1;
		}
		ret = nl_recvmsgs_default(nl->sk);
		if (ret == -NLE_INTR || stop)
			continue;
		if (ret == -NLE_NOMEM && errno == ENOBUFS) {
			fprintf(stderr, "espctl: monitor: events were lost (socket buffer full)\n");
			continue;
		}
		if (ret < 0) {
			fprintf(stderr, "espctl: monitor: reading events: %s\n",
				nl_geterror(ret));
			return -1;
		}
	}
	return 0;
}

int espctl_monitor(int argc, char **argv)
{
	const struct espctl_cmd *cmd = &espctl_monitor_cmd;
	struct monitor m = { 0 };
	sigset_t waitmask;
	struct esplib_nl nl;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			m.json = true;
		else
			return espctl_usage_error(cmd, "unexpected argument '%s'", argv[i]);
	}
	if (espctl_nl_open(&nl, "monitor"))
		return 1;
	if (monitor_join(&nl, &m))
		goto err_close;
	monitor_stop_signals(&waitmask);
	if (monitor_loop(&nl, &waitmask))
		goto err_close;
	esplib_nl_close(&nl);
	return 0;

err_close:
	esplib_nl_close(&nl);
	return 1;
}

const struct espctl_cmd espctl_monitor_cmd = {
	.name = "monitor",
	.fn = espctl_monitor,
	.usage = "monitor [--json]",
	.help =
	"Prints the events of every espvti device of this network namespace, one\n"
	"line each, until interrupted:\n\n"
	"  soft-expire           an SA reached its soft lifetime (time to rekey)\n"
	"  hard-expire           an SA reached its hard lifetime or its last\n"
	"                        sequence number and is no longer used\n"
	"  seq-near-exhaustion   an outbound SA is close to its last sequence number\n"
	"  acquire               a packet arrived for a device with no usable\n"
	"                        outbound SA (src and dst: its inner addresses)\n"
	"  mapping               the peer moved to a new address or UDP port (NAT)\n\n"
	"  --json, -j   one JSON object per line, with \"event\", \"ifname\", \"ifindex\"\n"
	"               and the fields of the event\n\n"
	"Needs CAP_NET_ADMIN in the user namespace that owns the network namespace,\n"
	"like every other espctl command.\n",
};
