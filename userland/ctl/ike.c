// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * espctl ike [-s PATH] list [NAME] [--json] | up NAME | down NAME | reload:
 * the connections of espiked(8) and their IKE SAs and CHILD_SAs, read from
 * the daemon's control socket, starting or deleting one, and reading the
 * daemon's configuration file again.
 *
 * "list" sends "status [NAME]" and reads the daemon's records (one a line:
 * a type, then KEY=VALUE fields, values %XX-escaped; see userland/iked/ctl.c).
 * The counters of each CHILD_SA come from the espvti family: the stats of
 * its inbound SA (received) and outbound SA (sent) on its device, matched
 * by SPI. Without the family (module not loaded, another network
 * namespace) the counters are shown as unknown.
 */

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/espvti.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "esplib_ike.h"
#include "ike.h"
#include "esplib_parse.h"
#include "espctl.h"
#include "json.h"
#include "nl.h"

#define IKE_ANSWER_MAX		(4 << 20)
#define IKE_NAME_MAX		32	/* as espiked's CONF_NAME_MAX */

enum { ST_RX_BYTES, ST_RX_PACKETS, ST_TX_BYTES, ST_TX_PACKETS };

const char *espctl_ike_get(const struct ike_rec *r, const char *key)
{
	for (unsigned int i = 0; i < r->nf; i++)
		if (!strcmp(r->key[i], key))
			return r->val[i];
	return "";
}

static const char *get(const struct ike_rec *r, const char *key)
{
	return espctl_ike_get(r, key);
}

/* Undo the %XX escapes in place; control characters become '?'. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '%' && esplib_hexval(s[1]) >= 0 && esplib_hexval(s[2]) >= 0) {
			*o = (char)(esplib_hexval(s[1]) << 4 | esplib_hexval(s[2]));
			s += 2;
		} else {
			*o = *s;
		}
		if ((unsigned char)*o < ' ' || *o == 0x7f)
			*o = '?';
		o++;
	}
	*o = 0;
}

/* Split @line (modified in place) into a record; -1 when malformed. */
static int parse_record(char *line, struct ike_rec *r)
{
	char *save = NULL, *w;

	memset(r, 0, sizeof(*r));
	r->type = strtok_r(line, " ", &save);
	if (!r->type)
		return -1;
	while ((w = strtok_r(NULL, " ", &save))) {
		char *eq = strchr(w, '=');

		if (!eq)
			return -1;
		if (r->nf == IKE_MAX_FIELDS)
			continue;
		*eq = 0;
		unescape(eq + 1);
		r->key[r->nf] = w;
		r->val[r->nf++] = eq + 1;
	}
	return 0;
}

/**
 * ike_talk() - send one command line to espiked, read the whole answer
 * @path: control socket
 * @cmd: the command, without the newline
 * @answer: set to the NUL-terminated answer (free it)
 *
 * Return: 0, or 1 after printing why.
 */
static int ike_talk(const char *path, const char *cmd, char **answer)
{
	struct sockaddr_un sun;
	int fd, ret;

	*answer = NULL;
	fd = esplib_ike_send(path, cmd, 10);
	if (fd == -ENAMETOOLONG) {
		fprintf(stderr, "espctl: cannot reach espiked at %s: path longer than %zu characters\n",
			path, sizeof(sun.sun_path) - 1);
		return 1;
	}
	if (fd < 0) {
		fprintf(stderr, "espctl: cannot reach espiked at %s: %s\n", path, strerror(-fd));
		return 1;
	}
	ret = esplib_ike_read(fd, IKE_ANSWER_MAX, answer);
	close(fd);
	if (ret == -ENOMEM)
		espctl_nl_nomem("ike");
	else if (ret == -EFBIG)
		fprintf(stderr, "espctl: ike: espiked's answer is larger than %d octets\n",
			IKE_ANSWER_MAX);
	else if (ret)
		fprintf(stderr, "espctl: ike: reading espiked's answer from %s: %s\n", path,
			strerror(-ret));
	return ret ? 1 : 0;
}

/*
 * An "error: ..." answer: print the daemon's message, every "error:" line
 * of it (a reload answers one per error of the file); returns 1.
 */
static int daemon_error(const char *answer)
{
	const char *line = answer;

	while (!strncmp(line, "error:", 6)) {
		const char *msg = line + strlen("error:");
		size_t len;

		while (*msg == ' ')
			msg++;
		len = strcspn(msg, "\n");
		fprintf(stderr, "espctl: ike: %.*s\n", (int)len, msg);
		if (!msg[len])
			break;
		line = msg + len + 1;
	}
	return 1;
}

static bool is_error(const char *answer)
{
	return !strncmp(answer, "error:", 6);
}

/* ---- counters from the espvti family ---- */

/**
 * struct sa_stats_req - looking for two SAs of one device
 * @spi_in: inbound SPI
 * @spi_out: outbound SPI
 * @found: bit 0 inbound, bit 1 outbound seen
 * @stats: as struct ike_rec
 */
struct sa_stats_req {
	uint32_t spi_in, spi_out;
	unsigned int found;
	uint64_t stats[4];
};

static int stats_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[ESPVTI_A_MAX + 1], *sb[ESPVTI_SA_A_MAX + 1];
	struct nlattr *st[__ESPVTI_STAT_MAX];
	struct sa_stats_req *q = arg;
	uint32_t spi;
	bool in;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, ESPVTI_A_MAX, NULL) || !tb[ESPVTI_A_SA] ||
	    nla_parse_nested(sb, ESPVTI_SA_A_MAX, tb[ESPVTI_A_SA], NULL) ||
	    !sb[ESPVTI_SA_A_DIR] || !sb[ESPVTI_SA_A_SPI] || !sb[ESPVTI_SA_A_STATS] ||
	    nla_parse_nested(st, __ESPVTI_STAT_MAX - 1, sb[ESPVTI_SA_A_STATS], NULL))
		return 0;	/* not one we can use: skip it */
	in = nla_get_u8(sb[ESPVTI_SA_A_DIR]) == ESPVTI_DIR_IN;
	spi = nla_get_u32(sb[ESPVTI_SA_A_SPI]);
	if (in && spi == q->spi_in) {
		q->found |= 1;
		if (st[ESPVTI_STAT_RX_BYTES])
			q->stats[ST_RX_BYTES] = nla_get_u64(st[ESPVTI_STAT_RX_BYTES]);
		if (st[ESPVTI_STAT_RX_PACKETS])
			q->stats[ST_RX_PACKETS] = nla_get_u64(st[ESPVTI_STAT_RX_PACKETS]);
	} else if (!in && spi == q->spi_out) {
		q->found |= 2;
		if (st[ESPVTI_STAT_TX_BYTES])
			q->stats[ST_TX_BYTES] = nla_get_u64(st[ESPVTI_STAT_TX_BYTES]);
		if (st[ESPVTI_STAT_TX_PACKETS])
			q->stats[ST_TX_PACKETS] = nla_get_u64(st[ESPVTI_STAT_TX_PACKETS]);
	}
	return 0;
}

/* Fill the counters of every CHILD_SA whose two SAs the kernel has. */
static void merge_stats(struct ike_status *s)
{
	struct esplib_nl nl;
	bool open = false;

	for (size_t i = 0; i < s->n; i++) {
		struct ike_rec *r = &s->recs[i];
		struct sa_stats_req q = { 0 };
		struct nl_msg *msg;
		unsigned int ifindex;

		if (strcmp(r->type, "child_sa"))
			continue;
		ifindex = if_nametoindex(get(r, "device"));
		if (!ifindex)
			continue;
		if (!open && espctl_nl_open_quiet(&nl))
			return;
		open = true;
		q.spi_in = (uint32_t)strtoul(get(r, "spi_in"), NULL, 0);
		q.spi_out = (uint32_t)strtoul(get(r, "spi_out"), NULL, 0);
		msg = esplib_nl_msg(&nl, ESPVTI_CMD_SA_GET, NLM_F_DUMP);
		if (!msg || nla_put_u32(msg, ESPVTI_A_IFINDEX, ifindex)) {
			nlmsg_free(msg);
			continue;
		}
		if (!esplib_nl_talk(&nl, msg, stats_reply, &q) && q.found == 3) {
			r->has_stats = true;
			memcpy(r->stats, q.stats, sizeof(r->stats));
		}
	}
	if (open)
		esplib_nl_close(&nl);
}

/* ---- output ---- */

/* "@what 5m 3s ago" from a number of seconds, "not @what" for "-". */
static void age_str(const char *what, const char *secs, char *buf, size_t len)
{
	unsigned long long t;
	char *end;

	t = strtoull(secs, &end, 10);
	if (!*secs || *end)
		snprintf(buf, len, "not %s", what);
	else if (t < 60)
		snprintf(buf, len, "%s %llus ago", what, t);
	else if (t < 3600)
		snprintf(buf, len, "%s %llum %llus ago", what, t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%s %lluh %llum ago", what, t / 3600, t / 60 % 60);
	else
		snprintf(buf, len, "%s %llud %lluh ago", what, t / 86400, t / 3600 % 24);
}

static const char *nat_str(const struct ike_rec *r)
{
	bool l = !strcmp(get(r, "nat_local"), "1"), rm = !strcmp(get(r, "nat_remote"), "1");

	return l && rm ? "both sides behind a NAT" : l ? "we are behind a NAT" :
	       rm ? "the peer is behind a NAT" : NULL;
}

static bool same(const struct ike_rec *r, const char *key, const char *v)
{
	return !strcmp(get(r, key), v);
}

static void text_child(const struct ike_rec *c)
{
	char age[64];

	age_str("installed", get(c, "installed"), age, sizeof(age));
	printf("    child_sa: %s, device %s, %s%s\n", get(c, "state"), get(c, "device"), age,
	       same(c, "out_active", "0") ? ", outbound SA not active" : "");
	printf("      spi: in %s, out %s\n", get(c, "spi_in"), get(c, "spi_out"));
	printf("      esp: %s\n", get(c, "proposal"));
	printf("      ts-local: %s\n", get(c, "ts_local"));
	printf("      ts-remote: %s\n", get(c, "ts_remote"));
	if (c->has_stats)
		printf("      transfer: %" PRIu64 " packets, %" PRIu64 " bytes received; %"
		       PRIu64 " packets, %" PRIu64 " bytes sent\n", c->stats[ST_RX_PACKETS],
		       c->stats[ST_RX_BYTES], c->stats[ST_TX_PACKETS], c->stats[ST_TX_BYTES]);
	else
		printf("      transfer: unknown (no espvti SAs %s/%s on %s here)\n",
		       get(c, "spi_in"), get(c, "spi_out"), get(c, "device"));
}

static void text_sa(const struct ike_status *s, size_t i)
{
	const struct ike_rec *r = &s->recs[i];
	const char *nat = nat_str(r);
	char age[64];

	age_str("established", get(r, "established"), age, sizeof(age));
	printf("  ike_sa #%s: %s, %s, %s\n", get(r, "id"), get(r, "state"), get(r, "role"), age);
	printf("    local: %s, remote: %s%s%s\n", get(r, "local"), get(r, "remote"),
	       nat ? ", " : "", nat ? nat : "");
	printf("    spi: %s_i %s_r\n", get(r, "spi_i"), get(r, "spi_r"));
	printf("    ike: %s\n", get(r, "proposal"));
	for (size_t k = i + 1; k < s->n && strcmp(s->recs[k].type, "conn"); k++)
		if (!strcmp(s->recs[k].type, "child_sa") && same(&s->recs[k], "ike_sa", get(r, "id")))
			text_child(&s->recs[k]);
}

static void text_conn(const struct ike_status *s, size_t i)
{
	const struct ike_rec *c = &s->recs[i];
	bool any = false;

	printf("connection: %s\n", get(c, "name"));
	printf("  local: %s, remote: %s port %s\n", get(c, "local"), get(c, "remote"),
	       get(c, "remote_port"));
	printf("  device: %s, start: %s\n", get(c, "device"), get(c, "start"));
	printf("  proposals: ike %s; esp %s\n", get(c, "ike"), get(c, "esp"));
	if (*get(c, "last_failure"))
		printf("  last failure, %s s ago: %s\n", get(c, "last_failure_age"),
		       get(c, "last_failure"));
	for (size_t k = i + 1; k < s->n && strcmp(s->recs[k].type, "conn"); k++)
		if (!strcmp(s->recs[k].type, "ike_sa")) {
			text_sa(s, k);
			any = true;
		}
	if (!any)
		printf("  no IKE SA\n");
}

static void json_num(struct espctl_json *j, const char *key, const char *v)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 0);

	if (*v && !*end)
		espctl_json_u64(j, key, n);
	else
		espctl_json_null(j, key);
}

static void json_list(struct espctl_json *j, const char *key, const char *v)
{
	char buf[1024], *save = NULL, *w;

	snprintf(buf, sizeof(buf), "%s", v);
	espctl_json_arr_open(j, key);
	if (strcmp(buf, "any"))
		for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save))
			espctl_json_str(j, NULL, w);
	espctl_json_arr_close(j);
}

static void json_child(struct espctl_json *j, const struct ike_rec *c)
{
	espctl_json_obj_open(j, NULL);
	espctl_json_str(j, "state", get(c, "state"));
	json_num(j, "spi_in", get(c, "spi_in"));
	json_num(j, "spi_out", get(c, "spi_out"));
	espctl_json_str(j, "proposal", get(c, "proposal"));
	json_list(j, "ts_local", get(c, "ts_local"));
	json_list(j, "ts_remote", get(c, "ts_remote"));
	espctl_json_str(j, "device", get(c, "device"));
	espctl_json_bool(j, "out_active", !same(c, "out_active", "0"));
	json_num(j, "installed_seconds", get(c, "installed"));
	if (c->has_stats) {
		espctl_json_obj_open(j, "stats");
		espctl_json_u64(j, "rx_bytes", c->stats[ST_RX_BYTES]);
		espctl_json_u64(j, "rx_packets", c->stats[ST_RX_PACKETS]);
		espctl_json_u64(j, "tx_bytes", c->stats[ST_TX_BYTES]);
		espctl_json_u64(j, "tx_packets", c->stats[ST_TX_PACKETS]);
		espctl_json_obj_close(j);
	} else {
		espctl_json_null(j, "stats");
	}
	espctl_json_obj_close(j);
}

static void json_sa(struct espctl_json *j, const struct ike_status *s, size_t i)
{
	const struct ike_rec *r = &s->recs[i];

	espctl_json_obj_open(j, NULL);
	json_num(j, "id", get(r, "id"));
	espctl_json_str(j, "state", get(r, "state"));
	espctl_json_str(j, "role", get(r, "role"));
	espctl_json_str(j, "local", get(r, "local"));
	espctl_json_str(j, "remote", get(r, "remote"));
	espctl_json_str(j, "spi_i", get(r, "spi_i"));
	espctl_json_str(j, "spi_r", get(r, "spi_r"));
	if (same(r, "proposal", "-"))
		espctl_json_null(j, "proposal");
	else
		espctl_json_str(j, "proposal", get(r, "proposal"));
	espctl_json_bool(j, "nat_local", same(r, "nat_local", "1"));
	espctl_json_bool(j, "nat_remote", same(r, "nat_remote", "1"));
	espctl_json_bool(j, "fragmentation", same(r, "frag", "1"));
	json_num(j, "fragments_sent", get(r, "frags_sent"));
	json_num(j, "fragments_received", get(r, "frags_rcvd"));
	json_num(j, "established_seconds", get(r, "established"));
	espctl_json_arr_open(j, "child_sas");
	for (size_t k = i + 1; k < s->n && strcmp(s->recs[k].type, "conn"); k++)
		if (!strcmp(s->recs[k].type, "child_sa") && same(&s->recs[k], "ike_sa", get(r, "id")))
			json_child(j, &s->recs[k]);
	espctl_json_arr_close(j);
	espctl_json_obj_close(j);
}

static void json_conn(struct espctl_json *j, const struct ike_status *s, size_t i)
{
	const struct ike_rec *c = &s->recs[i];

	espctl_json_obj_open(j, NULL);
	espctl_json_str(j, "name", get(c, "name"));
	espctl_json_str(j, "local", get(c, "local"));
	espctl_json_str(j, "remote", get(c, "remote"));
	json_num(j, "remote_port", get(c, "remote_port"));
	espctl_json_str(j, "device", get(c, "device"));
	espctl_json_str(j, "start", get(c, "start"));
	espctl_json_str(j, "ike_proposals", get(c, "ike"));
	espctl_json_str(j, "esp_proposals", get(c, "esp"));
	if (*get(c, "last_failure")) {
		espctl_json_obj_open(j, "last_failure");
		espctl_json_str(j, "text", get(c, "last_failure"));
		json_num(j, "age", get(c, "last_failure_age"));
		espctl_json_obj_close(j);
	} else {
		espctl_json_null(j, "last_failure");
	}
	espctl_json_arr_open(j, "ike_sas");
	for (size_t k = i + 1; k < s->n && strcmp(s->recs[k].type, "conn"); k++)
		if (!strcmp(s->recs[k].type, "ike_sa"))
			json_sa(j, s, k);
	espctl_json_arr_close(j);
	espctl_json_obj_close(j);
}

/* ---- the command ---- */

int espctl_ike_parse_status(char *answer, struct ike_status *s)
{
	char *save = NULL, *line;
	bool header = false, end = false;

	for (line = strtok_r(answer, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct ike_rec *grown;

		if (!header) {
			if (strcmp(line, "status 1"))
				break;
			header = true;
			continue;
		}
		if (!strcmp(line, "end")) {
			end = true;
			break;
		}
		grown = realloc(s->recs, (s->n + 1) * sizeof(*s->recs));
		if (!grown) {
			espctl_nl_nomem("ike list");
			return 1;
		}
		s->recs = grown;
		if (parse_record(line, &s->recs[s->n]))
			break;
		s->n++;
	}
	if (!header || !end) {
		fprintf(stderr, "espctl: ike list: espiked's answer is not a status listing%s\n",
			header ? " (cut short or malformed)" : " (an older espiked?)");
		return 1;
	}
	return 0;
}

static int ike_list(const char *path, const char *name, bool json)
{
	struct ike_status s = { 0 };
	char cmd[64], *answer;
	int ret;

	snprintf(cmd, sizeof(cmd), "status%s%s", name ? " " : "", name ? name : "");
	if (ike_talk(path, cmd, &answer))
		return 1;
	if (is_error(answer)) {
		ret = daemon_error(answer);
		goto out;
	}
	ret = espctl_ike_parse_status(answer, &s);
	if (ret)
		goto out;
	merge_stats(&s);
	if (json) {
		struct espctl_json j;
		bool first = true;

		espctl_json_init(&j, stdout, true);
		if (!name)
			espctl_json_arr_open(&j, NULL);
		for (size_t i = 0; i < s.n; i++)
			if (!strcmp(s.recs[i].type, "conn") && (!name || first)) {
				json_conn(&j, &s, i);
				first = false;
			}
		if (!name)
			espctl_json_arr_close(&j);
		else if (first)
			espctl_json_null(&j, NULL);
		espctl_json_end(&j);
	} else {
		bool first = true;

		for (size_t i = 0; i < s.n; i++) {
			if (strcmp(s.recs[i].type, "conn"))
				continue;
			if (!first)
				printf("\n");
			text_conn(&s, i);
			first = false;
		}
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "espctl: ike list: cannot write the output: %s\n", strerror(errno));
		ret = 1;
	}
out:
	free(s.recs);
	free(answer);
	return ret;
}

/* up NAME, down NAME, reload (@name NULL): the daemon's "ok: ..." line printed. */
static int ike_command(const char *path, const char *cmd, const char *name)
{
	char line[64], *answer;
	int ret = 0;

	snprintf(line, sizeof(line), "%s%s%s", cmd, name ? " " : "", name ? name : "");
	if (ike_talk(path, line, &answer))
		return 1;
	if (is_error(answer))
		ret = daemon_error(answer);
	else if (!strncmp(answer, "ok:", 3))
		printf("%.*s\n", (int)strcspn(answer + 3 + (answer[3] == ' '), "\n"),
		       answer + 3 + (answer[3] == ' '));
	else
		fputs(answer, stdout);
	free(answer);
	return ret;
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) >= IKE_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

int espctl_ike(int argc, char **argv)
{
	const char *path = IKE_DEFAULT_SOCK, *sub = NULL, *name = NULL;
	bool json = false;
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-s") || !strcmp(a, "--socket")) {
			if (i + 1 >= argc || !argv[i + 1][0])
				return espctl_usage_error(&espctl_ike_cmd, "option '%s' needs a path", a);
			path = argv[++i];
		} else if (!strncmp(a, "--socket=", 9) && a[9]) {
			path = a + 9;
		} else if (!strcmp(a, "--json") || !strcmp(a, "-j")) {
			json = true;
		} else if (a[0] == '-') {
			return espctl_usage_error(&espctl_ike_cmd, "unknown option '%s'", a);
		} else if (!sub) {
			if (strcmp(a, "list") && strcmp(a, "up") && strcmp(a, "down") &&
			    strcmp(a, "reload"))
				return espctl_usage_error(&espctl_ike_cmd,
							  "unknown ike command '%s' (expected list, up, down or reload)",
							  a);
			sub = a;
		} else if (!strcmp(sub, "reload")) {
			return espctl_usage_error(&espctl_ike_cmd,
						  "reload takes no connection name, got '%s'", a);
		} else if (!name) {
			if (!valid_name(a))
				return espctl_usage_error(&espctl_ike_cmd,
							  "invalid connection name '%s' (1 to %d letters, digits, '-', '_', '.')",
							  a, IKE_NAME_MAX - 1);
			name = a;
		} else {
			return espctl_usage_error(&espctl_ike_cmd, "unexpected argument '%s'", a);
		}
	}
	if (!sub)
		return espctl_usage_error(&espctl_ike_cmd, "missing list, up, down or reload");
	if (strcmp(sub, "list")) {
		if (json)
			return espctl_usage_error(&espctl_ike_cmd, "--json applies to list only");
		if (!name && strcmp(sub, "reload"))
			return espctl_usage_error(&espctl_ike_cmd, "%s: missing connection name", sub);
		return ike_command(path, sub, name);
	}
	return ike_list(path, name, json);
}

const struct espctl_cmd espctl_ike_cmd = {
	.name = "ike",
	.fn = espctl_ike,
	.usage = "ike [-s PATH] list [NAME] [--json] | up NAME | down NAME | reload",
	.help =
	"Talks to espiked(8), the IKEv2 daemon, over its control socket.\n\n"
	"  list [NAME]  every connection (or only NAME): its endpoints, device and\n"
	"               proposals; each IKE SA with its state, role, SPIs, addresses,\n"
	"               chosen IKE proposal and age; each CHILD_SA with its SPIs,\n"
	"               ESP proposal, selectors, device and counters (read from the\n"
	"               espvti SAs of the device, so run espctl in the daemon's\n"
	"               network namespace)\n"
	"  up NAME      initiate connection NAME (IKE_SA_INIT and IKE_AUTH)\n"
	"  down NAME    delete the IKE SA of NAME and its CHILD_SA (INFORMATIONAL)\n"
	"  reload       have espiked read its configuration file again: added,\n"
	"               removed and changed connections apply, unchanged ones keep\n"
	"               their SAs; a file with errors changes nothing, and each\n"
	"               error is printed as FILE:LINE (exit 1)\n\n"
	"  -s, --socket PATH  the control socket (default " IKE_DEFAULT_SOCK ")\n"
	"  --json, -j   list as JSON: an array of connections, or one connection\n"
	"               object when NAME is given (see espctl(8) for the fields)\n",
};
