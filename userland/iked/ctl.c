// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ctl.c - the control socket: a Unix stream socket taking one command
 * line per connection and answering in text, closed after the answer:
 * "list [NAME]" (for people), "status [NAME]" (records for espctl ike),
 * "up NAME", "down NAME", "reload". Failures answer "error: ..." lines
 * (one, or one per error of the file for "reload").
 * "espiked -s PATH ctl ..." is the raw client; espctl(8) "ike" the other.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"
#include "esplib_ike.h"
#include "log.h"
#include "proposal.h"
#include "timer.h"

#define CTL_LINE_MAX	512

static int ctl_sock = -1;
static char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static int path_addr(const char *path, struct sockaddr_un *sun, char *err, size_t errlen)
{
	if (esplib_ike_addr(path, sun)) {
		snprintf(err, errlen, "control socket path '%s' longer than %zu characters", path,
			 sizeof(sun->sun_path) - 1);
		return -1;
	}
	return 0;
}

int ctl_open(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int probe;

	if (path_addr(path, &sun, err, errlen))
		return -1;
	/* A live daemon answers on the socket: do not steal it. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && !connect(probe, (struct sockaddr *)&sun, sizeof(sun))) {
		close(probe);
		snprintf(err, errlen, "control socket %s: another espiked is listening on it", path);
		return -1;
	}
	if (probe >= 0)
		close(probe);
	unlink(path);
	ctl_sock = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl_sock < 0 || bind(ctl_sock, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(path, 0600) || listen(ctl_sock, 8)) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		if (ctl_sock >= 0)
			close(ctl_sock);
		ctl_sock = -1;
		return -1;
	}
	snprintf(ctl_path, sizeof(ctl_path), "%s", path);
	return 0;
}

int ctl_fd(void)
{
	return ctl_sock;
}

void ctl_close(void)
{
	if (ctl_sock < 0)
		return;
	close(ctl_sock);
	unlink(ctl_path);
	ctl_sock = -1;
}

/**
 * struct reply - text answer under construction
 * @buf: the text
 * @len: octets used
 * @cap: size of @buf
 */
struct reply {
	char *buf;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3)))
static void say(struct reply *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(r->buf + r->len, r->cap - r->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < r->cap - r->len) {
			r->len += (size_t)n;
			return;
		}
		char *nb = realloc(r->buf, r->cap * 2 + (size_t)n);

		if (!nb)
			return;
		r->buf = nb;
		r->cap = r->cap * 2 + (size_t)n;
	}
}

/* Seconds since @sa became ESTABLISHED, -1 when it has not. */
static long long sa_age(const struct ike_sa *sa)
{
	if (!sa->established_at)
		return -1;
	return (long long)((timer_now() - sa->established_at) / 1000);
}

static void spi_hex(const uint8_t spi[8], char *buf)
{
	for (int i = 0; i < 8; i++)
		sprintf(buf + 2 * i, "%02x", spi[i]);
}

static const char *start_name(enum conn_start s)
{
	return s == START_INITIATE ? "initiate" : s == START_TRAP ? "trap" : "listen";
}

/**
 * struct child_text - a CHILD_SA's proposal and selectors, printed
 * @prop: the chosen ESP proposal
 * @tl: local selectors
 * @tr: remote selectors
 */
struct child_text {
	char prop[128], tl[600], tr[600];
};

static void child_text(const struct child_sa *c, struct child_text *t)
{
	ike_proposal_format(&c->prop, t->prop, sizeof(t->prop));
	kern_ts_format(c->ts_local, c->nts_local, t->tl, sizeof(t->tl));
	kern_ts_format(c->ts_remote, c->nts_remote, t->tr, sizeof(t->tr));
}

/* ---- "list": text for people ---- */

static void list_sa(struct reply *r, const struct ike_sa *sa)
{
	char l[64], rm[64], prop[128], si[17], sr[17], age[48] = "";
	long long secs = sa_age(sa);
	struct child_text t;

	addr_format(&sa->local, true, l, sizeof(l));
	addr_format(&sa->remote, true, rm, sizeof(rm));
	ike_proposal_format(&sa->prop, prop, sizeof(prop));
	spi_hex(sa->spi_i, si);
	spi_hex(sa->spi_r, sr);
	if (secs >= 0)
		snprintf(age, sizeof(age), " established %llds ago", secs);
	say(r, "  IKE_SA [%u] %s %s %s <-> %s SPIs %s_i %s_r %s%s%s\n", sa->id,
	    ike_state_name(sa->state), sa->initiator ? "initiator" : "responder", l, rm, si, sr,
	    sa->prop.ntransforms ? prop : "(no proposal yet)",
	    sa->nat_local || sa->nat_remote ? " NAT" : "", age);
	for (const struct child_sa *c = sa->child; c < sa->child + IKE_MAX_CHILD; c++) {
		if (c->state == CHILD_FREE)
			continue;
		child_text(c, &t);
		say(r, "    CHILD_SA %s %s SPI in 0x%08x out 0x%08x%s local %s remote %s device %s\n",
		    child_state_name(c->state), t.prop, c->spi_in, c->spi_out,
		    child_out_active(sa, c) ? "" : " (outbound not active)", t.tl, t.tr,
		    sa->conn->device);
	}
}

static void list_conn(struct reply *r, const struct conn *cn)
{
	char l[64], rm[64];

	addr_format(&cn->local, false, l, sizeof(l));
	addr_format(&cn->remote, false, rm, sizeof(rm));
	say(r, "conn %s: %s -> %s:%u device %s ike %s esp %s\n", cn->name, l, rm,
	    cn->remote_port, cn->device, cn->ike_str, cn->esp_str);
	for (const struct ike_sa *sa = ike_sa_first(); sa; sa = sa->next)
		if (!sa->dead && sa->conn == cn)
			list_sa(r, sa);
}

/*
 * ---- "status": records for programs (espctl ike list) ----
 *
 * One record a line: a type word, then KEY=VALUE fields separated by
 * spaces. Octets below '!', above '~', '%' and '=' in a value are written
 * %XX. The first line is "status 1" (the format version), the last "end".
 *
 *   conn name= local= remote= remote_port= device= start= ike= esp=
 *        [last_failure= last_failure_age=SECONDS]  (conn_failure())
 *   ike_sa conn= id= state= role= local= remote= spi_i= spi_r= proposal=
 *          nat_local=0|1 nat_remote=0|1 frag=0|1 frags_sent=N frags_rcvd=N
 *          established=SECONDS|-
 *   child_sa conn= ike_sa= state=INSTALLED|REKEYING|... spi_in= spi_out=
 *          out_active=0|1 proposal= ts_local= ts_remote= device=
 *          installed=SECONDS|-
 *
 * Fields may be added; readers skip the ones they do not know.
 */
static void field(struct reply *r, const char *key, const char *val)
{
	say(r, " %s=", key);
	for (const unsigned char *c = (const unsigned char *)val; *c; c++) {
		if (*c <= ' ' || *c > '~' || *c == '%' || *c == '=')
			say(r, "%%%02X", *c);
		else
			say(r, "%c", *c);
	}
}

__attribute__((format(printf, 3, 4)))
static void fieldf(struct reply *r, const char *key, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	field(r, key, buf);
}

static void status_sa(struct reply *r, const struct ike_sa *sa)
{
	char a[64], prop[128], spi[17];
	long long secs = sa_age(sa);
	struct child_text t;

	say(r, "ike_sa");
	field(r, "conn", sa->conn->name);
	fieldf(r, "id", "%u", sa->id);
	field(r, "state", ike_state_name(sa->state));
	field(r, "role", sa->initiator ? "initiator" : "responder");
	addr_format(&sa->local, true, a, sizeof(a));
	field(r, "local", a);
	addr_format(&sa->remote, true, a, sizeof(a));
	field(r, "remote", a);
	spi_hex(sa->spi_i, spi);
	field(r, "spi_i", spi);
	spi_hex(sa->spi_r, spi);
	field(r, "spi_r", spi);
	ike_proposal_format(&sa->prop, prop, sizeof(prop));
	field(r, "proposal", sa->prop.ntransforms ? prop : "-");
	fieldf(r, "nat_local", "%d", sa->nat_local);
	fieldf(r, "nat_remote", "%d", sa->nat_remote);
	fieldf(r, "frag", "%d", sa->frag);
	fieldf(r, "frags_sent", "%lu", sa->frags_sent);
	fieldf(r, "frags_rcvd", "%lu", sa->frags_rcvd);
	if (secs >= 0)
		fieldf(r, "established", "%lld", secs);
	else
		field(r, "established", "-");
	say(r, "\n");
	for (const struct child_sa *c = sa->child; c < sa->child + IKE_MAX_CHILD; c++) {
		if (c->state == CHILD_FREE)
			continue;
		child_text(c, &t);
		say(r, "child_sa");
		field(r, "conn", sa->conn->name);
		fieldf(r, "ike_sa", "%u", sa->id);
		field(r, "state", child_state_name(c->state));
		fieldf(r, "spi_in", "0x%08x", c->spi_in);
		fieldf(r, "spi_out", "0x%08x", c->spi_out);
		fieldf(r, "out_active", "%d", child_out_active(sa, c));
		field(r, "proposal", t.prop);
		field(r, "ts_local", t.tl);
		field(r, "ts_remote", t.tr);
		field(r, "device", sa->conn->device);
		if (c->created)
			fieldf(r, "installed", "%llu",
			       (unsigned long long)((timer_now() - c->created) / 1000));
		else
			field(r, "installed", "-");
		say(r, "\n");
	}
}

/*
 * The negotiations that fail on the peer's or our choice of proposals or
 * selectors (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE) are logged here, and the
 * last one of each connection is kept for "status": espctl diagnose shows
 * it next to the device it keys.
 */
void conn_failure(struct conn *cn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cn->last_failure, sizeof(cn->last_failure), fmt, ap);
	va_end(ap);
	cn->last_failure_ms = timer_now();
	log_warn("%s", cn->last_failure);
}

static void status_conn(struct reply *r, const struct conn *cn)
{
	char a[64];

	say(r, "conn");
	field(r, "name", cn->name);
	addr_format(&cn->local, false, a, sizeof(a));
	field(r, "local", a);
	addr_format(&cn->remote, false, a, sizeof(a));
	field(r, "remote", a);
	fieldf(r, "remote_port", "%u", cn->remote_port);
	field(r, "device", cn->device);
	field(r, "start", start_name(cn->start));
	field(r, "ike", cn->ike_str);
	field(r, "esp", cn->esp_str);
	if (cn->last_failure[0]) {
		field(r, "last_failure", cn->last_failure);
		fieldf(r, "last_failure_age", "%llu",
		       (unsigned long long)((timer_now() - cn->last_failure_ms) / 1000));
	}
	say(r, "\n");
	for (const struct ike_sa *sa = ike_sa_first(); sa; sa = sa->next)
		if (!sa->dead && sa->conn == cn)
			status_sa(r, sa);
}

/* During a reload: each error the log gets becomes an "error:" line of the answer. */
static void reload_tap(enum log_level lvl, const char *line, void *arg)
{
	if (lvl == LOG_LVL_ERR)
		say(arg, "error: %s\n", line);
}

static void ctl_reload(struct reply *r)
{
	char summary[512];

	if (reload_run(reload_tap, r, summary, sizeof(summary))) {
		if (!r->len)
			say(r, "error: reload failed (see the log)\n");
		return;
	}
	say(r, "ok: %s\n", summary);
}

#define CTL_COMMANDS "list [NAME], status [NAME], up NAME, down NAME, reload"

static void ctl_command(char *line, struct reply *r)
{
	char *cmd = strtok(line, " \t\r\n"), *arg = strtok(NULL, " \t\r\n");
	struct conn *cn;
	struct ike_sa *sa;
	bool status, retrying;

	if (!cmd) {
		say(r, "error: empty command (" CTL_COMMANDS ")\n");
		return;
	}
	if (!strcmp(cmd, "reload")) {
		if (arg)
			say(r, "error: reload takes no argument, got '%s'\n", arg);
		else
			ctl_reload(r);
		return;
	}
	status = !strcmp(cmd, "status");
	if (status || !strcmp(cmd, "list")) {
		cn = arg ? conf_conn_find(ikd.conf, arg) : NULL;
		if (arg && !cn) {
			say(r, "error: %s: no connection named '%s'\n", cmd, arg);
			return;
		}
		if (status)
			say(r, "status 1\n");
		for (const struct conn *c = ikd.conf->conns; c; c = c->next)
			if (!cn || c == cn)
				(status ? status_conn : list_conn)(r, c);
		if (status)
			say(r, "end\n");
		return;
	}
	if (strcmp(cmd, "up") && strcmp(cmd, "down")) {
		say(r, "error: unknown command '%s' (" CTL_COMMANDS ")\n", cmd);
		return;
	}
	cn = arg ? conf_conn_find(ikd.conf, arg) : NULL;
	if (!cn) {
		say(r, "error: %s: %s '%s'\n", cmd, arg ? "no connection named" : "missing connection name",
		    arg ? arg : "");
		return;
	}
	sa = ike_sa_of_conn(cn);
	retrying = cn->retry_timer.armed;
	info_retry_cancel(cn);		/* the operator decides from here */
	if (!strcmp(cmd, "up")) {
		if (sa)
			say(r, "error: up %s: IKE_SA [%u] exists (%s)\n", cn->name, sa->id,
			    ike_state_name(sa->state));
		else if (init_start(cn))
			say(r, "error: up %s: could not initiate (see the log)\n", cn->name);
		else
			say(r, "ok: initiating %s\n", cn->name);
		return;
	}
	if (!sa && retrying) {
		say(r, "ok: %s no longer initiated again\n", cn->name);
		return;
	}
	if (!sa) {
		say(r, "error: down %s: no IKE SA\n", cn->name);
		return;
	}
	say(r, "ok: deleting IKE_SA %s[%u]\n", cn->name, sa->id);
	info_delete_ike(sa);
}

void ctl_accept(void)
{
	struct reply r = { malloc(1024), 0, 1024 };
	struct timeval tv = { 1, 0 };
	char line[CTL_LINE_MAX];
	size_t n = 0;
	ssize_t got;
	int fd = accept4(ctl_sock, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0 || !r.buf) {
		if (fd >= 0)
			close(fd);
		free(r.buf);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (n < sizeof(line) - 1 && (got = read(fd, line + n, sizeof(line) - 1 - n)) > 0) {
		n += (size_t)got;
		if (memchr(line, '\n', n))
			break;
	}
	line[n] = 0;
	r.buf[0] = 0;
	ctl_command(line, &r);
	if (r.len && write(fd, r.buf, r.len) < 0)
		log_debug("control socket: %s", strerror(errno));
	close(fd);
	free(r.buf);
}

int ctl_client(const char *path, int argc, char **argv)
{
	struct sockaddr_un sun;
	char line[CTL_LINE_MAX] = "", buf[4096], err[200];
	size_t off = 0;
	ssize_t n;
	int fd, status = 0;
	bool first = true;

	for (int i = 0; i < argc; i++) {
		int w = snprintf(line + off, sizeof(line) - off, "%s%s", i ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= sizeof(line) - off) {
			fprintf(stderr, "espiked ctl: command too long\n");
			return 2;
		}
		off += (size_t)w;
	}
	if (path_addr(path, &sun, err, sizeof(err))) {
		fprintf(stderr, "espiked ctl: %s\n", err);
		return 2;
	}
	fd = esplib_ike_send(path, line, 0);
	if (fd < 0) {
		fprintf(stderr, "espiked ctl: %s: %s\n", path, strerror(-fd));
		return 2;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (first && n >= 6 && !memcmp(buf, "error:", 6))
			status = 1;
		first = false;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(fd);
	return status;
}
