// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * espctl diagnose [DEV] [--interval SECONDS] [-s PATH] [--json]: reads the
 * devices twice, SECONDS apart (default 2; 0 reads once and judges the
 * counters since each device was created), with their link flags, the
 * routes into them and, when espiked's control socket exists, the
 * connections that key them; runs the checks of diag.c and prints each
 * finding with its evidence and fix. Exit status: 0 nothing found, 2
 * findings, 1 failure.
 */

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "diag.h"
#include "esplib_ike.h"
#include "espctl.h"
#include "ike.h"
#include "json.h"
#include "nl.h"
#include "parse.h"
#include "state.h"

/**
 * struct diagnose_routes - routes read for the devices being diagnosed
 * @list: the devices (their ifindex says which routes are theirs)
 * @in: one input per device of @list, whose routes are filled
 */
struct diagnose_routes {
	const struct espctl_dev_list *list;
	struct diag_input *in;
};

static int diagnose_route(struct nl_msg *msg, void *arg)
{
	struct diagnose_routes *ctx = arg;
	struct nlmsghdr *hdr = nlmsg_hdr(msg);
	struct nlattr *tb[RTA_MAX + 1];
	struct espctl_prefix p = { 0 };
	struct rtmsg *rtm;
	uint32_t oif;
	size_t i;

	if (hdr->nlmsg_type != RTM_NEWROUTE ||
	    hdr->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return NL_OK;
	rtm = nlmsg_data(hdr);
	if (rtm->rtm_type != RTN_UNICAST || rtm->rtm_table == RT_TABLE_LOCAL ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    nlmsg_parse(hdr, sizeof(*rtm), tb, RTA_MAX, NULL) || !tb[RTA_OIF])
		return NL_OK;
	oif = nla_get_u32(tb[RTA_OIF]);
	p.addr.family = rtm->rtm_family;
	p.plen = rtm->rtm_dst_len;
	if (tb[RTA_DST])
		memcpy(&p.addr.v6, nla_data(tb[RTA_DST]),
		       rtm->rtm_family == AF_INET ? 4 : 16);
	/* IPv6 link-local: the device's own, never sent through an SA. */
	if (rtm->rtm_family == AF_INET6 && p.plen >= 10 &&
	    p.addr.v6.s6_addr[0] == 0xfe && (p.addr.v6.s6_addr[1] & 0xc0) == 0x80)
		return NL_OK;
	for (i = 0; i < ctx->list->n; i++) {
		struct diag_input *in = &ctx->in[i];

		if (ctx->list->devs[i].ifindex != oif)
			continue;
		if (in->n_routes == DIAG_MAX_ROUTES)
			in->routes_truncated = true;
		else
			in->routes[in->n_routes++] = p;
	}
	return NL_OK;
}

/* Routes of every table but local whose output device is one of ours. */
static int diagnose_read_routes(struct diagnose_routes *ctx)
{
	struct rtmsg rtm = { .rtm_family = AF_UNSPEC };
	struct nl_sock *sk;
	int err;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	err = nl_connect(sk, NETLINK_ROUTE);
	if (!err)
		err = nl_send_simple(sk, RTM_GETROUTE, NLM_F_DUMP, &rtm, sizeof(rtm));
	if (err >= 0)
		err = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM,
					  diagnose_route, ctx);
	if (err >= 0)
		err = nl_recvmsgs_default(sk);
	nl_socket_free(sk);
	return err < 0 ? -EIO : 0;
}

/* IFF_UP of device @name; -1 when it cannot be read. */
static int diagnose_is_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd, up = -1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr))
		up = !!(ifr.ifr_flags & IFF_UP);
	close(fd);
	return up;
}

/* The connections of espiked's "status" whose device is one of @list. */
static void diagnose_conns(const struct ike_status *s,
			   const struct espctl_dev_list *list, struct diag_input *in)
{
	struct diag_conn *cn = NULL;
	size_t i, k;

	for (i = 0; i < s->n; i++) {
		const struct ike_rec *r = &s->recs[i];
		const char *state = espctl_ike_get(r, "state");

		if (!strcmp(r->type, "conn")) {
			cn = NULL;
			for (k = 0; k < list->n; k++) {
				if (strcmp(list->devs[k].ifname, espctl_ike_get(r, "device")) ||
				    in[k].n_conns == DIAG_MAX_CONNS)
					continue;
				cn = &in[k].conns[in[k].n_conns++];
				snprintf(cn->name, sizeof(cn->name), "%s", espctl_ike_get(r, "name"));
				snprintf(cn->last_failure, sizeof(cn->last_failure), "%s",
					 espctl_ike_get(r, "last_failure"));
				cn->failure_age = strtoull(espctl_ike_get(r, "last_failure_age"),
							   NULL, 10);
			}
		} else if (cn && !strcmp(r->type, "ike_sa") &&
			   (!strcmp(state, "ESTABLISHED") || !strcmp(state, "REKEYING"))) {
			unsigned long long age = strtoull(espctl_ike_get(r, "established"), NULL, 10);

			if (!cn->up || age < cn->up_age)
				cn->up_age = age;
			cn->up = true;
			cn->nat |= !strcmp(espctl_ike_get(r, "nat_local"), "1") ||
				   !strcmp(espctl_ike_get(r, "nat_remote"), "1");
		}
	}
}

/*
 * Asks espiked at @path for its connections. No socket file: no IKE
 * checks (keyed by hand); a socket that cannot be asked because of its
 * permissions (not root) neither.
 */
static void diagnose_read_ike(const char *path, const struct espctl_dev_list *list,
			      struct diag_input *in)
{
	struct ike_status s = { 0 };
	enum diag_ike state = DIAG_IKE_READ;
	char *answer = NULL;
	struct stat st;
	int fd, err = 0;
	size_t i;

	if (stat(path, &st)) {
		state = DIAG_IKE_NONE;
		goto out_set;
	}
	fd = esplib_ike_send(path, "status", 10);
	if (fd < 0) {
		err = -fd;
		state = err == EACCES || err == EPERM ? DIAG_IKE_NONE : DIAG_IKE_DEAD;
		goto out_set;
	}
	err = -esplib_ike_read(fd, 4 << 20, &answer);
	close(fd);
	if (err || !answer || !strncmp(answer, "error:", 6) ||
	    espctl_ike_parse_status(answer, &s)) {
		err = err ? err : EPROTO;
		state = DIAG_IKE_DEAD;
		goto out_set;
	}
	diagnose_conns(&s, list, in);
out_set:
	for (i = 0; i < list->n; i++) {
		in[i].ike = state;
		in[i].ike_path = path;
		in[i].ike_err = err;
	}
	free(s.recs);
	free(answer);
}

static const char *diagnose_severity(enum diag_severity s)
{
	return s == DIAG_ERROR ? "error" : "warning";
}

static void diagnose_text(const char *ifname, const struct diag_result *r,
			  const struct diag_input *in)
{
	const char *line, *nl;
	size_t i;

	if (!r->n) {
		printf("%s: nothing to fix (%u checks, %s)\n", ifname, r->checks,
		       in->before ? "counters over the interval" : "counters since creation");
		return;
	}
	printf("%s: %zu finding%s (%u checks)\n", ifname, r->n, r->n == 1 ? "" : "s",
	       r->checks);
	for (i = 0; i < r->n; i++) {
		const struct diag_finding *f = &r->f[i];

		printf("  %s: %s [%s]\n", diagnose_severity(f->severity), f->summary, f->id);
		for (line = f->evidence; *line; line = nl + 1) {
			nl = strchr(line, '\n');
			printf("    %s %.*s\n", line == f->evidence ? "seen:" : "     ",
			       nl ? (int)(nl - line) : (int)strlen(line), line);
			if (!nl)
				break;
		}
		printf("    fix:  %s\n", f->fix);
	}
}

static void diagnose_json(struct espctl_json *j, const char *ifname,
			  const struct diag_result *r, double interval)
{
	char buf[DIAG_TEXT];
	char *line, *save;
	size_t i;

	espctl_json_obj_open(j, NULL);
	espctl_json_str(j, "ifname", ifname);
	espctl_json_u64(j, "checks", r->checks);
	espctl_json_u64(j, "interval", (uint64_t)interval);
	espctl_json_arr_open(j, "findings");
	for (i = 0; i < r->n; i++) {
		const struct diag_finding *f = &r->f[i];

		espctl_json_obj_open(j, NULL);
		espctl_json_str(j, "id", f->id);
		espctl_json_str(j, "severity", diagnose_severity(f->severity));
		espctl_json_str(j, "summary", f->summary);
		espctl_json_arr_open(j, "evidence");
		snprintf(buf, sizeof(buf), "%s", f->evidence);
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			espctl_json_str(j, NULL, line);
		espctl_json_arr_close(j);
		espctl_json_str(j, "fix", f->fix);
		espctl_json_obj_close(j);
	}
	espctl_json_arr_close(j);
	espctl_json_obj_close(j);
}

static const struct espctl_dev_info *diagnose_find(const struct espctl_dev_list *l,
						   uint32_t ifindex)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->devs[i].ifindex == ifindex)
			return &l->devs[i];
	return NULL;
}

/* What "espctl diagnose" was asked. */
struct diagnose_opts {
	const char *dev;
	const char *ike_path;
	uint64_t interval;
	bool json;
};

/* The arguments of "diagnose" into @o. Returns 0, or the exit status of a usage error. */
static int diagnose_parse_args(int argc, char **argv, struct diagnose_opts *o)
{
	struct espctl_err e;
	size_t i;

	for (i = 0; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			o->json = true;
		} else if (!strcmp(argv[i], "--interval") || !strcmp(argv[i], "-i")) {
			if (++i == (size_t)argc)
				return espctl_usage_error(&espctl_diagnose_cmd,
							  "--interval needs a number of seconds");
			if (espctl_parse_num("--interval", argv[i], 0, 3600, &o->interval, &e))
				return espctl_usage_error(&espctl_diagnose_cmd, "%s", e.msg);
		} else if (!strcmp(argv[i], "--socket") || !strcmp(argv[i], "-s")) {
			if (++i == (size_t)argc)
				return espctl_usage_error(&espctl_diagnose_cmd,
							  "--socket needs the path of espiked's control socket");
			o->ike_path = argv[i];
		} else if (argv[i][0] == '-') {
			return espctl_usage_error(&espctl_diagnose_cmd, "unknown option '%s'",
						  argv[i]);
		} else if (o->dev) {
			return espctl_usage_error(&espctl_diagnose_cmd,
						  "unexpected argument '%s'", argv[i]);
		} else {
			if (espctl_parse_ifname("device", argv[i], &e))
				return espctl_usage_error(&espctl_diagnose_cmd, "%s", e.msg);
			o->dev = argv[i];
		}
	}
	return 0;
}

/*
 * The devices (@o->dev, or all), read into @list; with an interval, read into
 * @first before it and into @list after it. Returns 0, or the exit status
 * (reported, @what naming the command); the caller frees both lists.
 */
static int diagnose_read_devs(const struct diagnose_opts *o, struct espctl_dev_list *first,
			      struct espctl_dev_list *list, const char *what)
{
	struct esplib_nl nl;
	int ret;

	if (espctl_nl_open(&nl, what))
		return 1;
	ret = espctl_dev_list_read(&nl, o->dev, o->interval ? first : list, what);
	if (!ret && o->interval) {
		struct timespec ts = { .tv_sec = (time_t)o->interval };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		ret = espctl_dev_list_read(&nl, o->dev, list, what);
	}
	esplib_nl_close(&nl);
	return ret;
}

/* The findings @res of the devices of @list, as JSON or as text (@in says which counters). */
static void diagnose_print(const struct diagnose_opts *o, const struct espctl_dev_list *list,
			   const struct diag_result *res, const struct diag_input *in)
{
	size_t i;

	if (o->json) {
		struct espctl_json j;

		espctl_json_init(&j, stdout, true);
		if (o->dev) {
			diagnose_json(&j, list->devs[0].ifname, &res[0], (double)o->interval);
		} else {
			espctl_json_arr_open(&j, NULL);
			for (i = 0; i < list->n; i++)
				diagnose_json(&j, list->devs[i].ifname, &res[i],
					      (double)o->interval);
			espctl_json_arr_close(&j);
		}
		espctl_json_end(&j);
	} else {
		if (!list->n)
			printf("no espvti devices in this network namespace\n");
		for (i = 0; i < list->n; i++)
			diagnose_text(list->devs[i].ifname, &res[i], &in[i]);
	}
}

int espctl_diagnose(int argc, char **argv)
{
	struct diagnose_opts o = { .ike_path = IKE_DEFAULT_SOCK, .interval = 2 };
	struct espctl_dev_list first = { 0 }, list = { 0 };
	struct diagnose_routes routes;
	struct diag_input *in = NULL;
	struct diag_result *res = NULL;
	bool found = false;
	char what[64];
	size_t i;
	int ret;

	ret = diagnose_parse_args(argc, argv, &o);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "diagnose%s%s", o.dev ? " " : "", o.dev ? o.dev : "");
	ret = diagnose_read_devs(&o, &first, &list, what);
	if (ret)
		goto out_free_lists;
	ret = 1;
	in = calloc(list.n ? list.n : 1, sizeof(*in));
	res = calloc(list.n ? list.n : 1, sizeof(*res));
	if (!in || !res) {
		fprintf(stderr, "espctl: %s: out of memory\n", what);
		goto out_free_results;
	}
	for (i = 0; i < list.n; i++) {
		in[i].now = &list.devs[i];
		in[i].before = o.interval ? diagnose_find(&first, list.devs[i].ifindex) : NULL;
		in[i].seconds = (double)o.interval;
		in[i].up = diagnose_is_up(list.devs[i].ifname) == 1;
	}
	routes.list = &list;
	routes.in = in;
	if (diagnose_read_routes(&routes)) {
		fprintf(stderr, "espctl: %s: cannot read the routing tables (rtnetlink)\n", what);
		goto out_free_results;
	}
	diagnose_read_ike(o.ike_path, &list, in);
	for (i = 0; i < list.n; i++) {
		diag_device(&in[i], &res[i]);
		found |= res[i].n > 0;
	}
	diagnose_print(&o, &list, res, in);
	ret = found ? 2 : 0;
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "espctl: %s: cannot write the output: %s\n", what,
			strerror(errno));
		ret = 1;
	}
out_free_results:
	free(res);
	free(in);
out_free_lists:
	espctl_dev_list_free(&first);
	espctl_dev_list_free(&list);
	return ret;
}

const struct espctl_cmd espctl_diagnose_cmd = {
	.name = "diagnose",
	.fn = espctl_diagnose,
	.usage = "diagnose [DEV] [--interval SECONDS] [-s PATH] [--json]",
	.help =
	"Looks for the usual reasons why a tunnel does not work, on the espvti\n"
	"devices of this network namespace (or only DEV), and prints each finding\n"
	"with what was seen and what to do: device down, no endpoint, missing SAs,\n"
	"expired SAs or SAs near their limits, packets sent but none received\n"
	"(ESP dropped on the way), no route to the peer, integrity failures (wrong\n"
	"key), replayed packets, packets outside the traffic selectors, routes into\n"
	"the device that the outbound selectors do not cover, packets too big for\n"
	"the path, crypto overload; and, when espiked runs, its connections for the\n"
	"device: down, their last refused negotiation (TS_UNACCEPTABLE,\n"
	"NO_PROPOSAL_CHOSEN), a NAT found while the device sends plain ESP. Drop\n"
	"counters are judged by how they move over the interval.\n\n"
	"  --interval SECONDS, -i   time between the two readings (default 2, at\n"
	"                           most 3600); 0 reads once and judges the\n"
	"                           counters since the device was created\n"
	"  --socket PATH, -s        espiked's control socket (default\n"
	"                           " IKE_DEFAULT_SOCK "; absent: no IKE checks)\n"
	"  --json, -j               an array of devices (one object with DEV), each\n"
	"                           with its findings (see espctl(8))\n\n"
	"Exit status: 0 nothing found, 2 findings, 1 the check itself failed.\n",
};
