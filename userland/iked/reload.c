// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * reload.c - reading the configuration file again while running (SIGHUP,
 * "reload" on the control socket; espiked(8), RELOADING).
 *
 * The new file is parsed whole first: with an error, or a global setting
 * that cannot change while running (ike_port, natt_port: the sockets are
 * open), nothing changes. Otherwise each connection is compared by name
 * and field by field with the running one:
 *
 *   unchanged  the running struct conn stays (its IKE SAs point to it),
 *              its SAs untouched;
 *   removed    its IKE SAs are deleted as "espctl ike down" does (an
 *              INFORMATIONAL Delete, its CHILD_SAs out of the kernel);
 *   changed    the same, then the new one starts if "start initiate";
 *   added      starts if "start initiate".
 *
 * A removed or changed struct conn is retired, not freed: its IKE SAs may
 * wait for the answer to their Delete, and they point to it. It is freed
 * by reload_reap() once no IKE SA refers to it.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "daemon.h"
#include "log.h"

static bool ident_equal(const struct ike_ident *a, const struct ike_ident *b)
{
	return a->any == b->any && a->type == b->type && a->len == b->len &&
	       !memcmp(a->data, b->data, a->len) && !strcmp(a->text, b->text);
}

static bool ts_equal(const struct ts_prefix *a, unsigned int na, const struct ts_prefix *b,
		     unsigned int nb)
{
	if (na != nb)
		return false;
	for (unsigned int i = 0; i < na; i++)
		if (a[i].family != b[i].family || a[i].plen != b[i].plen ||
		    memcmp(a[i].addr, b[i].addr, sizeof(a[i].addr)))
			return false;
	return true;
}

/*
 * The first configuration setting in which @a and @b differ, NULL when
 * they are the same connection. Every configuration field of struct conn
 * is here, in its order; the run-time ones (retry_timer, retries, out_spi,
 * last_failure, next) and @line are not. The proposals are compared as
 * written: the parsed ones follow from the text.
 */
static const char *conn_diff(const struct conn *a, const struct conn *b)
{
	if (!addr_equal(&a->local, &b->local, true))
		return "local";
	if (!addr_equal(&a->remote, &b->remote, true))
		return "remote";
	if (a->remote_port != b->remote_port)
		return "remote_port";
	if (!ident_equal(&a->local_id, &b->local_id))
		return "local_id";
	if (!ident_equal(&a->remote_id, &b->remote_id))
		return "remote_id";
	if (a->psk_len != b->psk_len || CRYPTO_memcmp(a->psk, b->psk, a->psk_len))
		return "psk";
	if (a->auth != b->auth)
		return "auth";
	if (a->remote_auth != b->remote_auth)
		return "remote_auth";
	/* the files as named; new contents under the same name: reload_creds() */
	if (strcmp(a->cert_file, b->cert_file))
		return "cert";
	if (strcmp(a->key_file, b->key_file))
		return "key";
	if (strcmp(a->ca, b->ca))
		return "ca";
	if (strcmp(a->crl, b->crl))
		return "crl";
	if (a->send_cert != b->send_cert)
		return "send_cert";
	if (strcmp(a->ike_str, b->ike_str))
		return "ike";
	if (strcmp(a->esp_str, b->esp_str))
		return "esp";
	if (!ts_equal(a->local_ts, a->nlocal_ts, b->local_ts, b->nlocal_ts))
		return "local_ts";
	if (!ts_equal(a->remote_ts, a->nremote_ts, b->remote_ts, b->nremote_ts))
		return "remote_ts";
	if (strcmp(a->device, b->device))
		return "device";
	if (a->start != b->start)
		return "start";
	if (a->ike_lifetime != b->ike_lifetime)
		return "ike_lifetime";
	if (a->child_lifetime != b->child_lifetime)
		return "child_lifetime";
	if (a->child_rekey_bytes != b->child_rekey_bytes ||
	    a->child_rekey_packets != b->child_rekey_packets)
		return "child_rekey_bytes/packets";
	if (a->child_life_bytes != b->child_life_bytes ||
	    a->child_life_packets != b->child_life_packets)
		return "child_life_bytes/packets";
	if (a->dpd_delay != b->dpd_delay || a->dpd_action != b->dpd_action)
		return "dpd_delay/dpd_action";
	if (a->retransmit_timeout != b->retransmit_timeout ||
	    a->retransmit_base != b->retransmit_base ||
	    a->retransmit_tries != b->retransmit_tries)
		return "retransmit_timeout/base/tries";
	if (a->encap != b->encap || a->natt_keepalive != b->natt_keepalive ||
	    a->remote_natt_port != b->remote_natt_port)
		return "encap/natt_keepalive/remote_natt_port";
	if (a->fragmentation != b->fragmentation || a->fragment_size != b->fragment_size)
		return "fragmentation/fragment_size";
	return NULL;
}

/*
 * A port of the new file @nc that differs from the open sockets' one: the
 * reload is refused (reported as FILE:LINE, or FILE for a default).
 */
static int port_check(const char *path, const char *key, uint16_t now, uint16_t want,
		      unsigned int line)
{
	if (now == want)
		return 0;
	if (line)
		log_err("%s:%u: %s %u: cannot change while espiked runs (its sockets use %u): restart espiked to apply it",
			path, line, key, want, now);
	else
		log_err("%s: %s: the default %u is not the %u espiked runs with: cannot change while espiked runs: restart espiked to apply it",
			path, key, want, now);
	return -1;
}

static struct conf *reload_load(const char *path)
{
	struct conf *nc = conf_load(path);

	if (!nc)
		return NULL;
	if (port_check(path, "ike_port", ikd.conf->ike_port, nc->ike_port, nc->ike_port_line) |
	    port_check(path, "natt_port", ikd.conf->natt_port, nc->natt_port, nc->natt_port_line)) {
		conf_free(nc);
		return NULL;
	}
	return nc;
}

/* Stop @cn: no new attempt, its IKE SAs deleted (their CHILD_SAs leave the kernel now). */
static void conn_stop(struct conn *cn)
{
	info_retry_cancel(cn);
	for (struct ike_sa *sa = ike_sa_first(); sa; sa = sa->next) {
		if (sa->dead || sa->conn != cn || sa->state == IKE_STATE_DELETING)
			continue;
		log_info(SA_FMT " deleted by the reload", SA_ARGS(sa));
		info_delete_ike(sa);
	}
}

/**
 * struct reload_count - what a reload did, for its summary
 * @added: connections new in the file
 * @changed: connections re-established with new settings
 * @removed: connections no longer in the file
 * @unchanged: connections kept as they run
 */
struct reload_count {
	unsigned int added, changed, removed, unchanged;
};

/*
 * Which connections of @nc are fresh objects (added or changed) into
 * @fresh, in file order; the running ones not kept are stopped and
 * retired to ikd.retired.
 */
static void reload_retire(struct conf *nc, bool *fresh, struct reload_count *n)
{
	struct conn **pp = &ikd.conf->conns, *o, *nw;
	unsigned int i = 0;

	for (nw = nc->conns; nw; nw = nw->next, i++) {
		o = conf_conn_find(ikd.conf, nw->name);
		fresh[i] = !o || conn_diff(o, nw);
		if (!o) {
			n->added++;
			log_info("conn %s: added", nw->name);
		}
	}
	while ((o = *pp)) {
		const char *what = NULL;

		nw = conf_conn_find(nc, o->name);
		if (nw && !(what = conn_diff(o, nw))) {
			pp = &o->next;
			continue;
		}
		if (nw) {
			n->changed++;
			log_info("conn %s: %s changed: its IKE SA is deleted, the connection loaded again",
				 o->name, what);
		} else {
			n->removed++;
			log_info("conn %s: removed: its IKE SA is deleted", o->name);
		}
		conn_stop(o);	/* while still listed: dev_out_set() sees every conn */
		*pp = o->next;
		o->next = ikd.retired;
		ikd.retired = o;
	}
}

/* The outbound SPI of device @dev as the running connections naming it know it. */
static uint32_t dev_out_spi(const struct conn *list, const bool *fresh, const char *dev)
{
	unsigned int i = 0;

	for (const struct conn *cn = list; cn; cn = cn->next, i++)
		if (!fresh[i] && !strcmp(cn->device, dev))
			return cn->out_spi;
	return 0;
}

/*
 * An unchanged connection @o takes the credentials its copy @nw read from
 * the same files now (a renewed certificate or key, new anchors, a newer
 * CRL): its SAs stay, its next authentication uses them. @nw gets the old
 * ones, freed (the key wiped) with it.
 */
static void reload_creds(struct conn *o, struct conn *nw)
{
	struct cert_own own = o->own;
	X509_STORE *store = o->store;

	o->own = nw->own;
	o->store = nw->store;
	nw->own = own;
	nw->store = store;
	if (o->own.cert || o->store)
		log_debug("conn %s: certificate, key, CAs and CRL read again", o->name);
}

/*
 * The connections of @nc in file order, the running object in place of
 * the copy of each unchanged one, become the running list; the fresh ones
 * start.
 */
static void reload_merge(struct conf *nc, const bool *fresh, struct reload_count *n)
{
	struct conn **pp = &nc->conns, *o, *nw;
	unsigned int i = 0;

	for (; (nw = *pp); pp = &(*pp)->next, i++) {
		if (fresh[i])
			continue;
		o = conf_conn_find(ikd.conf, nw->name);
		/* Unlinked from the running list, which holds only kept ones now. */
		for (struct conn **op = &ikd.conf->conns; *op; op = &(*op)->next)
			if (*op == o) {
				*op = o->next;
				break;
			}
		o->next = nw->next;
		o->line = nw->line;
		reload_creds(o, nw);
		*pp = o;
		conf_conn_free(nw);
		n->unchanged++;
	}
	ikd.conf->conns = nc->conns;
	nc->conns = NULL;
	i = 0;
	for (struct conn *cn = ikd.conf->conns; cn; cn = cn->next, i++) {
		if (!fresh[i])
			continue;
		cn->out_spi = dev_out_spi(ikd.conf->conns, fresh, cn->device);
		if (cn->start == START_INITIATE)
			init_start(cn);
		else if (cn->start == START_TRAP)
			log_info("conn %s: will initiate on traffic routed into %s", cn->name,
				 cn->device);
	}
}

/* Apply the checked configuration @nc (freed); -1 (logged, nothing changed) without memory. */
static int reload_apply(struct conf *nc, char *summary, size_t len)
{
	struct reload_count n = { 0 };
	unsigned int count = 0;
	bool *fresh;

	for (const struct conn *cn = nc->conns; cn; cn = cn->next)
		count++;
	fresh = calloc(count + 1, sizeof(*fresh));
	if (!fresh) {
		log_err("%s: not reloaded: out of memory; the running configuration is unchanged",
			ikd.conf_path);
		conf_free(nc);
		return -1;
	}
	reload_retire(nc, fresh, &n);
	reload_merge(nc, fresh, &n);
	free(fresh);
	ikd.conf->cookie_threshold = nc->cookie_threshold;
	ikd.conf->half_open_max = nc->half_open_max;
	ikd.conf->half_open_timeout = nc->half_open_timeout;
	ikd.conf->ike_port_line = nc->ike_port_line;
	ikd.conf->natt_port_line = nc->natt_port_line;
	conf_free(nc);
	snprintf(summary, len, "reloaded %s: %u added, %u changed, %u removed, %u unchanged",
		 ikd.conf_path, n.added, n.changed, n.removed, n.unchanged);
	log_info("%s", summary);
	return 0;
}

int reload_run(void (*tap)(enum log_level lvl, const char *line, void *arg), void *arg,
	       char *summary, size_t len)
{
	struct conf *nc;
	int ret;

	notify_reloading();
	log_info("reloading %s", ikd.conf_path);
	if (tap)
		log_set_tap(tap, arg);
	nc = reload_load(ikd.conf_path);
	if (!nc)
		log_err("%s: not reloaded: the running configuration is unchanged", ikd.conf_path);
	log_set_tap(NULL, NULL);
	ret = nc ? reload_apply(nc, summary, len) : -1;
	notify("READY=1");
	return ret;
}

void reload_reap(void)
{
	struct conn **pp = &ikd.retired, *cn;

	while ((cn = *pp)) {
		bool used = false;

		for (const struct ike_sa *sa = ike_sa_first(); sa && !used; sa = sa->next)
			used = sa->conn == cn;
		if (used) {
			pp = &cn->next;
			continue;
		}
		*pp = cn->next;
		info_retry_cancel(cn);
		log_debug("conn %s: retired, its last IKE SA gone: freed", cn->name);
		conf_conn_free(cn);
	}
}
