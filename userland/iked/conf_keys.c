// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * conf_keys.c - the keys of espiked(8), CONFIGURATION, one handler each, and the
 * table the parser looks them up in.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"
#include "esplib_parse.h"
#include "proposal.h"

static int k_local(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	struct sockaddr_storage *ss = !strcmp(st->key, "local") ? &cn->local : &cn->remote;

	if (conf_one_value(ps, st))
		return -1;
	if (conf_parse_addr(st->val[0], ss)) {
		conf_perror_at(ps, st->line, "'%s': '%s' is not an IPv4 or IPv6 address", st->key,
			       st->val[0]);
		return -1;
	}
	return 0;
}

static int k_remote_port(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	unsigned long v;

	if (conf_parse_uint(ps, st, 1, 65535, &v))
		return -1;
	cn->remote_port = (uint16_t)v;
	return 0;
}

static int k_id(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	char err[200];

	if (conf_one_value(ps, st))
		return -1;
	if (conf_ident_parse(st->val[0], !strcmp(st->key, "local_id") ? &cn->local_id :
			     &cn->remote_id, err, sizeof(err))) {
		conf_perror_at(ps, st->line, "'%s': %s", st->key, err);
		return -1;
	}
	return 0;
}

static int k_psk(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	const char *v = st->val[0];
	long n;

	if (conf_one_value(ps, st))
		return -1;
	if (!strncmp(v, "0x", 2) || !strncmp(v, "0X", 2)) {
		n = esplib_unhex(v + 2, cn->psk, sizeof(cn->psk));
		if (n < 0) {
			conf_perror_at(ps, st->line, "'psk': 0x... must be followed by an even number of hex digits (at most %d octets)",
				       CONF_PSK_MAX);
			return -1;
		}
		cn->psk_len = (size_t)n;
		return 0;
	}
	if (!*v || strlen(v) > CONF_PSK_MAX) {
		conf_perror_at(ps, st->line, "'psk': the key must have 1 to %d characters", CONF_PSK_MAX);
		return -1;
	}
	cn->psk_len = strlen(v);
	memcpy(cn->psk, v, cn->psk_len);
	return 0;
}

/* auth psk|pubkey (how we authenticate), remote_auth psk|pubkey (the peer) */
static int k_auth(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	enum conn_auth *out = !strcmp(st->key, "auth") ? &cn->auth : &cn->remote_auth;

	if (conf_one_value(ps, st))
		return -1;
	if (!strcmp(st->val[0], "psk")) {
		*out = AUTH_PSK;
	} else if (!strcmp(st->val[0], "pubkey")) {
		*out = AUTH_PUBKEY;
	} else {
		conf_perror_at(ps, st->line, "'%s': '%s' is neither psk nor pubkey", st->key, st->val[0]);
		return -1;
	}
	return 0;
}

/* cert FILE, key FILE, ca FILE|DIR, crl FILE: read when the block ends */
static int k_file(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	char *out = !strcmp(st->key, "cert") ? cn->cert_file : !strcmp(st->key, "key") ?
		    cn->key_file : !strcmp(st->key, "ca") ? cn->ca : cn->crl;

	if (conf_one_value(ps, st))
		return -1;
	if (!st->val[0][0] || strlen(st->val[0]) >= sizeof(cn->cert_file)) {
		conf_perror_at(ps, st->line, "'%s': the path must have 1 to %zu characters", st->key,
			       sizeof(cn->cert_file) - 1);
		return -1;
	}
	conf_copy_str(out, sizeof(cn->cert_file), st->val[0]);
	return 0;
}

/* send_cert always|ifasked|never */
static int k_send_cert(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	if (conf_one_value(ps, st))
		return -1;
	if (!strcmp(st->val[0], "always"))
		cn->send_cert = SEND_CERT_ALWAYS;
	else if (!strcmp(st->val[0], "ifasked"))
		cn->send_cert = SEND_CERT_IFASKED;
	else if (!strcmp(st->val[0], "never"))
		cn->send_cert = SEND_CERT_NEVER;
	else {
		conf_perror_at(ps, st->line, "'send_cert': '%s' is none of always, ifasked, never",
			       st->val[0]);
		return -1;
	}
	return 0;
}

static int k_proposals(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	bool ike = !strcmp(st->key, "ike");
	char *str = ike ? cn->ike_str : cn->esp_str;
	struct ike_sa_payload *sa = ike ? &cn->ike : &cn->esp;
	char err[300];

	if (conf_join_values(ps, st, str, sizeof(cn->ike_str)))
		return -1;
	if (ike_proposal_list_parse(str, ike ? IKE_PROTO_IKE : IKE_PROTO_ESP, sa, err,
				    sizeof(err))) {
		conf_perror_at(ps, st->line, "'%s': %s", st->key, err);
		return -1;
	}
	return ike ? 0 : conf_check_esp(ps, st, sa);
}

static int k_ts(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	if (!strcmp(st->key, "local_ts"))
		return conf_parse_ts(ps, st, cn->local_ts, &cn->nlocal_ts);
	return conf_parse_ts(ps, st, cn->remote_ts, &cn->nremote_ts);
}

static int k_device(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	if (conf_one_value(ps, st))
		return -1;
	if (!st->val[0][0] || strlen(st->val[0]) >= CONF_IFNAME_MAX || strchr(st->val[0], '/')) {
		conf_perror_at(ps, st->line, "'device': '%s' is not a valid interface name (1 to %d characters)",
			       st->val[0], CONF_IFNAME_MAX - 1);
		return -1;
	}
	conf_copy_str(cn->device, sizeof(cn->device), st->val[0]);
	return 0;
}

static int k_start(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	if (conf_one_value(ps, st))
		return -1;
	if (!strcmp(st->val[0], "initiate"))
		cn->start = START_INITIATE;
	else if (!strcmp(st->val[0], "trap"))
		cn->start = START_TRAP;
	else if (!strcmp(st->val[0], "listen"))
		cn->start = START_LISTEN;
	else {
		conf_perror_at(ps, st->line, "'start': '%s' is none of initiate, trap, listen",
			       st->val[0]);
		return -1;
	}
	return 0;
}

static int k_lifetime(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	unsigned long long ms;
	unsigned int *out = !strcmp(st->key, "ike_lifetime") ? &cn->ike_lifetime :
			    !strcmp(st->key, "child_lifetime") ? &cn->child_lifetime :
			    &cn->dpd_delay;

	if (conf_parse_duration(ps, st, 30ULL * 86400 * 1000, &ms))
		return -1;
	if (ms % 1000) {
		conf_perror_at(ps, st->line, "'%s': whole seconds only", st->key);
		return -1;
	}
	*out = (unsigned int)(ms / 1000);
	return 0;
}

/* child_rekey_bytes, child_life_bytes, ..._packets: a count with an
 * optional binary suffix k, m or g (1024, 1024^2, 1024^3). */
static int k_volume(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	static const struct { char c; uint64_t mul; } units[] = {
		{ '\0', 1 }, { 'k', 1ULL << 10 }, { 'm', 1ULL << 20 }, { 'g', 1ULL << 30 },
	};
	const uint64_t max = 1ULL << 60;
	uint64_t *out = !strcmp(st->key, "child_rekey_bytes") ? &cn->child_rekey_bytes :
			!strcmp(st->key, "child_rekey_packets") ? &cn->child_rekey_packets :
			!strcmp(st->key, "child_life_bytes") ? &cn->child_life_bytes :
			&cn->child_life_packets;
	unsigned long long v;
	char *end;

	if (conf_one_value(ps, st))
		return -1;
	errno = 0;
	v = strtoull(st->val[0], &end, 10);
	if (!errno && end != st->val[0] && st->val[0][0] != '-' &&
	    (!end[0] || !end[1])) {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (tolower((unsigned char)end[0]) != units[i].c)
				continue;
			if (v > max / units[i].mul)
				break;
			*out = v * units[i].mul;
			return 0;
		}
	}
	conf_perror_at(ps, st->line, "'%s': '%s' is not a count (a number, optionally with k, m or g for 1024, 1024^2, 1024^3; at most 2^60)",
		       st->key, st->val[0]);
	return -1;
}

static int k_dpd_action(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	if (conf_one_value(ps, st))
		return -1;
	if (!strcmp(st->val[0], "clear"))
		cn->dpd_action = DPD_CLEAR;
	else if (!strcmp(st->val[0], "restart"))
		cn->dpd_action = DPD_RESTART;
	else {
		conf_perror_at(ps, st->line, "'dpd_action': '%s' is neither clear nor restart",
			       st->val[0]);
		return -1;
	}
	return 0;
}

static int k_retransmit(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	unsigned long long ms;
	unsigned long v;
	char *end;
	double d;

	if (!strcmp(st->key, "retransmit_timeout")) {
		if (conf_parse_duration(ps, st, 600ULL * 1000, &ms))
			return -1;
		if (ms < 10) {
			conf_perror_at(ps, st->line, "'retransmit_timeout': at least 10ms");
			return -1;
		}
		cn->retransmit_timeout = (unsigned int)ms;
		return 0;
	}
	if (!strcmp(st->key, "retransmit_tries")) {
		if (conf_parse_uint(ps, st, 0, 20, &v))
			return -1;
		cn->retransmit_tries = (unsigned int)v;
		return 0;
	}
	if (conf_one_value(ps, st))
		return -1;
	d = strtod(st->val[0], &end);
	if (end == st->val[0] || *end || !(d >= 1.0 && d <= 4.0)) {
		conf_perror_at(ps, st->line, "'retransmit_base': '%s' is not a number from 1 to 4",
			       st->val[0]);
		return -1;
	}
	cn->retransmit_base = d;
	return 0;
}

/* encap yes|no, natt_keepalive DURATION, remote_natt_port PORT */
static int k_natt(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	unsigned long long ms;
	unsigned long v;

	if (!strcmp(st->key, "remote_natt_port")) {
		if (conf_parse_uint(ps, st, 1, 65535, &v))
			return -1;
		cn->remote_natt_port = (uint16_t)v;
		return 0;
	}
	if (!strcmp(st->key, "natt_keepalive")) {
		if (conf_parse_duration(ps, st, 3600ULL * 1000, &ms))
			return -1;
		if (ms % 1000) {
			conf_perror_at(ps, st->line, "'natt_keepalive': whole seconds only");
			return -1;
		}
		cn->natt_keepalive = (unsigned int)(ms / 1000);
		return 0;
	}
	if (conf_one_value(ps, st))
		return -1;
	if (!strcmp(st->val[0], "yes")) {
		cn->encap = true;
	} else if (!strcmp(st->val[0], "no")) {
		cn->encap = false;
	} else {
		conf_perror_at(ps, st->line, "'encap': '%s' is neither yes nor no", st->val[0]);
		return -1;
	}
	return 0;
}

/* fragmentation yes|no, fragment_size OCTETS */
static int k_frag(struct parser *ps, const struct stmt *st, struct conn *cn)
{
	unsigned long v;

	if (!strcmp(st->key, "fragment_size")) {
		if (conf_parse_uint(ps, st, CONF_FRAG_SIZE_MIN, 65535, &v))
			return -1;
		cn->fragment_size = (unsigned int)v;
		return 0;
	}
	if (conf_one_value(ps, st))
		return -1;
	if (!strcmp(st->val[0], "yes")) {
		cn->fragmentation = true;
	} else if (!strcmp(st->val[0], "no")) {
		cn->fragmentation = false;
	} else {
		conf_perror_at(ps, st->line, "'fragmentation': '%s' is neither yes nor no",
			       st->val[0]);
		return -1;
	}
	return 0;
}

static int g_uint(struct parser *ps, const struct stmt *st, struct conf *cf)
{
	unsigned long v;

	if (!strcmp(st->key, "ike_port") || !strcmp(st->key, "natt_port")) {
		if (conf_parse_uint(ps, st, !strcmp(st->key, "ike_port"), 65535, &v))
			return -1;
		if (!strcmp(st->key, "ike_port")) {
			cf->ike_port = (uint16_t)v;
			cf->ike_port_line = st->line;
		} else {
			cf->natt_port = (uint16_t)v;
			cf->natt_port_line = st->line;
		}
		return 0;
	}
	if (conf_parse_uint(ps, st, !strcmp(st->key, "cookie_threshold") ? 0 : 1, 100000, &v))
		return -1;
	if (!strcmp(st->key, "cookie_threshold"))
		cf->cookie_threshold = (unsigned int)v;
	else if (!strcmp(st->key, "half_open_max"))
		cf->half_open_max = (unsigned int)v;
	else
		cf->half_open_timeout = (unsigned int)v;
	return 0;
}

const struct conf_key conf_keys[] = {
	{ "local", IN_CONN, k_local, NULL },
	{ "remote", IN_CONN, k_local, NULL },
	{ "remote_port", IN_CONN, k_remote_port, NULL },
	{ "local_id", IN_CONN, k_id, NULL },
	{ "remote_id", IN_CONN, k_id, NULL },
	{ "psk", IN_CONN, k_psk, NULL },
	{ "auth", IN_CONN, k_auth, NULL },
	{ "remote_auth", IN_CONN, k_auth, NULL },
	{ "cert", IN_CONN, k_file, NULL },
	{ "key", IN_CONN, k_file, NULL },
	{ "ca", IN_CONN, k_file, NULL },
	{ "crl", IN_CONN, k_file, NULL },
	{ "send_cert", IN_CONN, k_send_cert, NULL },
	{ "ike", IN_CONN, k_proposals, NULL },
	{ "esp", IN_CONN, k_proposals, NULL },
	{ "local_ts", IN_CONN, k_ts, NULL },
	{ "remote_ts", IN_CONN, k_ts, NULL },
	{ "device", IN_CONN, k_device, NULL },
	{ "start", IN_CONN, k_start, NULL },
	{ "ike_lifetime", IN_CONN, k_lifetime, NULL },
	{ "child_lifetime", IN_CONN, k_lifetime, NULL },
	{ "child_rekey_bytes", IN_CONN, k_volume, NULL },
	{ "child_rekey_packets", IN_CONN, k_volume, NULL },
	{ "child_life_bytes", IN_CONN, k_volume, NULL },
	{ "child_life_packets", IN_CONN, k_volume, NULL },
	{ "dpd_delay", IN_CONN, k_lifetime, NULL },
	{ "dpd_action", IN_CONN, k_dpd_action, NULL },
	{ "retransmit_timeout", IN_CONN, k_retransmit, NULL },
	{ "retransmit_tries", IN_CONN, k_retransmit, NULL },
	{ "retransmit_base", IN_CONN, k_retransmit, NULL },
	{ "encap", IN_CONN, k_natt, NULL },
	{ "natt_keepalive", IN_CONN, k_natt, NULL },
	{ "remote_natt_port", IN_CONN, k_natt, NULL },
	{ "fragmentation", IN_CONN, k_frag, NULL },
	{ "fragment_size", IN_CONN, k_frag, NULL },
	{ "ike_port", IN_GLOBAL, NULL, g_uint },
	{ "natt_port", IN_GLOBAL, NULL, g_uint },
	{ "cookie_threshold", IN_GLOBAL, NULL, g_uint },
	{ "half_open_max", IN_GLOBAL, NULL, g_uint },
	{ "half_open_timeout", IN_GLOBAL, NULL, g_uint },
};

const size_t conf_nkeys = sizeof(conf_keys) / sizeof(conf_keys[0]);
_Static_assert(sizeof(conf_keys) / sizeof(conf_keys[0]) <= CONF_MAX_KEYS, "raise CONF_MAX_KEYS");

int conf_key_index(const char *name)
{
	for (size_t i = 0; i < conf_nkeys; i++)
		if (!strcmp(conf_keys[i].name, name))
			return (int)i;
	return -1;
}
