// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * conf.c - the espiked configuration file (espiked(8), CONFIGURATION).
 *
 * The file is a list of statements "key value[, value...]" ended by ';' or
 * by the end of the line (a line ending in ',' continues), and blocks
 * "conn NAME { statements }". '#' starts a comment; values with spaces or
 * special characters are written in double quotes. Every error is logged
 * as "FILE:LINE: message" and the whole file is rejected.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "conf.h"
#include "log.h"
#include "proposal.h"
#include "conf_int.h"
#include "esplib_parse.h"

__attribute__((format(printf, 3, 4)))
void conf_perror_at(struct parser *ps, unsigned int line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("%s:%u: %s", ps->file, line, msg);
	ps->errors++;
}

void conf_copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = 0;
}

static bool special(char c)
{
	return c == '{' || c == '}' || c == ';' || c == ',' || c == '#' || c == '"';
}

static void next(struct parser *ps)
{
	size_t n = 0;

	for (;;) {
		while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r')
			ps->p++;
		if (*ps->p != '#')
			break;
		while (*ps->p && *ps->p != '\n')
			ps->p++;
	}
	ps->tok_line = ps->line;
	switch (*ps->p) {
	case 0:
		ps->tok = T_EOF;
		return;
	case '\n':
		ps->line++;
		ps->p++;
		ps->tok = T_NL;
		return;
	case '{':
		ps->p++;
		ps->tok = T_LBRACE;
		return;
	case '}':
		ps->p++;
		ps->tok = T_RBRACE;
		return;
	case ';':
		ps->p++;
		ps->tok = T_SEMI;
		return;
	case ',':
		ps->p++;
		ps->tok = T_COMMA;
		return;
	case '"':
		ps->p++;
		while (*ps->p && *ps->p != '"' && *ps->p != '\n') {
			if (*ps->p == '\\' && (ps->p[1] == '"' || ps->p[1] == '\\'))
				ps->p++;
			if (n + 1 < sizeof(ps->word))
				ps->word[n++] = *ps->p;
			ps->p++;
		}
		ps->word[n] = 0;
		if (*ps->p != '"')
			conf_perror_at(ps, ps->tok_line, "unterminated string \"%.40s\"", ps->word);
		else
			ps->p++;
		ps->tok = T_STRING;
		return;
	}
	while (*ps->p && !isspace((unsigned char)*ps->p) && !special(*ps->p)) {
		if (n + 1 < sizeof(ps->word))
			ps->word[n++] = *ps->p;
		ps->p++;
	}
	ps->word[n] = 0;
	ps->tok = T_WORD;
}

/* Read the values of a statement whose key was just read. */
static int read_values(struct parser *ps, struct stmt *st)
{
	bool after_comma = false;

	st->nval = 0;
	for (;;) {
		next(ps);
		if (ps->tok == T_WORD || ps->tok == T_STRING) {
			if (st->nval == MAX_VALUES) {
				conf_perror_at(ps, ps->tok_line, "'%s': more than %d values", st->key,
					       MAX_VALUES);
				return -1;
			}
			snprintf(st->val[st->nval++], MAX_WORD, "%s", ps->word);
			after_comma = false;
			continue;
		}
		if (ps->tok == T_COMMA) {
			if (!st->nval || after_comma) {
				conf_perror_at(ps, ps->tok_line, "'%s': empty value before ','", st->key);
				return -1;
			}
			after_comma = true;
			continue;
		}
		if (ps->tok == T_NL && after_comma)
			continue;
		if (after_comma) {
			conf_perror_at(ps, ps->tok_line, "'%s': value expected after ','", st->key);
			return -1;
		}
		if (ps->tok == T_SEMI || ps->tok == T_NL || ps->tok == T_RBRACE ||
		    ps->tok == T_EOF)
			break;
		conf_perror_at(ps, ps->tok_line, "'%s': unexpected '{' in a value", st->key);
		return -1;
	}
	if (!st->nval) {
		conf_perror_at(ps, st->line, "'%s' needs a value", st->key);
		return -1;
	}
	return 0;
}

int conf_one_value(struct parser *ps, const struct stmt *st)
{
	if (st->nval == 1)
		return 0;
	conf_perror_at(ps, st->line, "'%s' takes one value, got %u", st->key, st->nval);
	return -1;
}

int conf_parse_uint(struct parser *ps, const struct stmt *st, unsigned long min,
		      unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (conf_one_value(ps, st))
		return -1;
	errno = 0;
	v = strtoul(st->val[0], &end, 10);
	if (errno || end == st->val[0] || *end || st->val[0][0] == '-' || v < min || v > max) {
		conf_perror_at(ps, st->line, "'%s': '%s' is not a number from %lu to %lu", st->key,
			       st->val[0], min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* "30", "30s", "500ms", "5m", "4h", "1d" into milliseconds. */
int conf_parse_duration(struct parser *ps, const struct stmt *st,
			  unsigned long long max_ms, unsigned long long *ms)
{
	static const struct { const char *u; unsigned long long mul; } units[] = {
		{ "", 1000 }, { "s", 1000 }, { "ms", 1 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	char *end;
	unsigned long long v;

	if (conf_one_value(ps, st))
		return -1;
	errno = 0;
	v = strtoull(st->val[0], &end, 10);
	if (!errno && end != st->val[0] && st->val[0][0] != '-') {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strcmp(end, units[i].u))
				continue;
			if (v > max_ms / units[i].mul)
				break;
			*ms = v * units[i].mul;
			return 0;
		}
	}
	conf_perror_at(ps, st->line, "'%s': '%s' is not a duration (a number with unit ms, s, m, h or d, at most %llu s)",
		       st->key, st->val[0], max_ms / 1000);
	return -1;
}

int conf_parse_addr(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	uint8_t a[16];

	memset(ss, 0, sizeof(*ss));
	switch (esplib_parse_addr(s, a)) {
	case AF_INET:
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a, 4);
		return 0;
	case AF_INET6:
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a, 16);
		return 0;
	}
	return -1;
}

int conf_prefix_parse(const char *s, struct ts_prefix *p, char *err, size_t errlen)
{
	char buf[64], *slash, *end;
	unsigned long plen;
	unsigned int max, alen;

	memset(p, 0, sizeof(*p));
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	p->family = esplib_parse_addr(buf, p->addr);
	if (p->family == AF_INET) {
		max = 32;
	} else if (p->family == AF_INET6) {
		max = 128;
	} else {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 prefix", s);
		return -1;
	}
	plen = max;
	if (slash) {
		errno = 0;
		plen = strtoul(slash, &end, 10);
		if (errno || end == slash || *end || plen > max) {
			snprintf(err, errlen, "'%s': prefix length must be 0 to %u", s, max);
			return -1;
		}
	}
	p->plen = (uint8_t)plen;
	alen = max / 8;
	for (unsigned int bit = (unsigned int)plen; bit < alen * 8; bit++)
		if (p->addr[bit / 8] & (0x80 >> (bit % 8))) {
			snprintf(err, errlen, "'%s': host bits set beyond /%lu", s, plen);
			return -1;
		}
	return 0;
}

/* dn:C=.., O=.., CN=..: the DER to send and the text to match against. */
static int ident_dn(const char *s, struct ike_ident *id, char *err, size_t errlen)
{
	char e[200];

	if (strlen(s) > CONF_ID_MAX)
		return ike_errf(err, errlen, "identity 'dn:%s' is longer than %d characters", s,
				CONF_ID_MAX);
	if (cert_dn_parse(s, id->data, sizeof(id->data), &id->len, e, sizeof(e)))
		return ike_errf(err, errlen, "identity 'dn:%s': %s", s, e);
	id->type = IKE_ID_DER_ASN1_DN;
	snprintf(id->text, sizeof(id->text), "%s", s);
	id->pattern = strchr(s, '*') != NULL;
	return 0;
}

/* An FQDN "*" or "*.rest" is a pattern; any other '*' is refused. */
static int ident_fqdn_pattern(const char *v, struct ike_ident *id, char *err, size_t errlen)
{
	if (!strchr(v, '*'))
		return 0;
	if (strcmp(v, "*") && (strncmp(v, "*.", 2) || !v[2] || strchr(v + 1, '*')))
		return ike_errf(err, errlen, "identity '%s': a wildcard is '*' or '*.' followed by a domain, nothing else",
				v);
	snprintf(id->text, sizeof(id->text), "%s", v);
	id->pattern = true;
	return 0;
}

int conf_ident_parse(const char *s, struct ike_ident *id, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	const char *v = s;
	long n;

	memset(id, 0, sizeof(*id));
	if (!strcmp(s, "%any")) {
		id->any = true;
		return 0;
	}
	if (!strncmp(s, "dn:", 3))
		return ident_dn(s + 3, id, err, errlen);
	if (!strncmp(s, "keyid:", 6)) {
		n = esplib_unhex(s + 6, id->data, sizeof(id->data));
		if (n < 0) {
			snprintf(err, errlen, "identity '%s': keyid: needs an even number of hex digits (1 to %d octets)",
				 s, CONF_ID_MAX);
			return -1;
		}
		id->type = IKE_ID_KEY_ID;
		id->len = (size_t)n;
		return 0;
	}
	if (!strncmp(s, "fqdn:", 5)) {
		id->type = IKE_ID_FQDN;
		v = s + 5;
	} else if (!strncmp(s, "email:", 6)) {
		id->type = IKE_ID_RFC822_ADDR;
		v = s + 6;
	} else if (!conf_parse_addr(s, &ss)) {
		if (ss.ss_family == AF_INET) {
			id->type = IKE_ID_IPV4_ADDR;
			id->len = 4;
			memcpy(id->data, &((struct sockaddr_in *)&ss)->sin_addr, 4);
		} else {
			id->type = IKE_ID_IPV6_ADDR;
			id->len = 16;
			memcpy(id->data, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
		}
		return 0;
	} else if (s[0] == '@') {
		id->type = IKE_ID_FQDN;		/* strongSwan's "@name" */
		v = s + 1;
	} else if (strchr(s, '@')) {
		id->type = IKE_ID_RFC822_ADDR;
	} else {
		id->type = IKE_ID_FQDN;
	}
	if (!*v || strlen(v) > CONF_ID_MAX) {
		snprintf(err, errlen, "identity '%s' is empty or longer than %d octets", s,
			 CONF_ID_MAX);
		return -1;
	}
	id->len = strlen(v);
	memcpy(id->data, v, id->len);
	return id->type == IKE_ID_FQDN ? ident_fqdn_pattern(v, id, err, errlen) : 0;
}

void conf_ident_format(const struct ike_ident *id, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	size_t off;

	if (id->any) {
		snprintf(buf, len, "%%any");
		return;
	}
	switch (id->type) {
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		if ((id->type == IKE_ID_IPV4_ADDR && id->len == 4) || id->len == 16) {
			inet_ntop(id->type == IKE_ID_IPV4_ADDR ? AF_INET : AF_INET6, id->data,
				  a, sizeof(a));
			snprintf(buf, len, "%s", a);
			return;
		}
		break;
	case IKE_ID_DER_ASN1_DN:
		if (id->text[0]) {
			snprintf(buf, len, "dn:%s", id->text);
		} else {
			off = (size_t)snprintf(buf, len, "dn:");
			cert_dn_format(id->data, id->len, buf + off, len > off ? len - off : 0);
		}
		return;
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		snprintf(buf, len, "%s%.*s", id->type == IKE_ID_FQDN ? "fqdn:" : "email:",
			 (int)id->len, (const char *)id->data);
		for (char *c = buf; *c; c++)
			if (!isprint((unsigned char)*c))
				*c = '?';
		return;
	}
	off = (size_t)snprintf(buf, len, "%s:", id->type == IKE_ID_KEY_ID ? "keyid" : "id");
	for (size_t i = 0; i < id->len && off + 3 <= len; i++, off += 2)
		snprintf(buf + off, len - off, "%02x", id->data[i]);
}

bool conf_ident_match(const struct ike_ident *want, uint8_t type,
		      const uint8_t *data, size_t len)
{
	if (want->any)
		return true;
	if (want->type != type)
		return false;
	/* DNs by attribute and value (the string types may differ), with wildcards */
	if (type == IKE_ID_DER_ASN1_DN && want->text[0])
		return cert_dn_pattern_match(want->text, data, len);
	if (type == IKE_ID_FQDN && want->pattern)
		return cert_fqdn_pattern_match(want->text, data, len);
	return want->len == len && !memcmp(want->data, data, len);
}

struct conn *conf_conn_find(const struct conf *c, const char *name)
{
	for (struct conn *cn = c->conns; cn; cn = cn->next)
		if (!strcmp(cn->name, name))
			return cn;
	return NULL;
}

int conf_join_values(struct parser *ps, const struct stmt *st, char *out, size_t len)
{
	size_t off = 0;

	out[0] = 0;
	for (unsigned int i = 0; i < st->nval; i++) {
		int n = snprintf(out + off, len - off, "%s%s", i ? "," : "", st->val[i]);

		if (n < 0 || (size_t)n >= len - off) {
			conf_perror_at(ps, st->line, "'%s': list too long", st->key);
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* ESP proposals must use an AEAD the espvti module implements. */
int conf_check_esp(struct parser *ps, const struct stmt *st, const struct ike_sa_payload *sa)
{
	for (unsigned int i = 0; i < sa->nprops; i++)
		for (unsigned int j = 0; j < sa->prop[i].ntransforms; j++) {
			const struct ike_transform *t = &sa->prop[i].xf[j];

			if ((t->type == IKE_XF_ENCR && t->id != IKE_ENCR_AES_GCM_16 &&
			     t->id != IKE_ENCR_CHACHA20_POLY1305) ||
			    (t->type == IKE_XF_INTEG && t->id != IKE_INTEG_NONE)) {
				conf_perror_at(ps, st->line, "'esp': proposal %u: espvti implements only AES-GCM-16 (aes128gcm16, aes256gcm16) and chacha20poly1305",
					       i + 1);
				return -1;
			}
		}
	return 0;
}

int conf_parse_ts(struct parser *ps, const struct stmt *st, struct ts_prefix *ts,
		    unsigned int *n)
{
	char err[160];

	if (st->nval > CONF_MAX_TS) {
		conf_perror_at(ps, st->line, "'%s': %u prefixes, at most %d", st->key, st->nval,
			       CONF_MAX_TS);
		return -1;
	}
	for (unsigned int i = 0; i < st->nval; i++)
		if (conf_prefix_parse(st->val[i], &ts[i], err, sizeof(err))) {
			conf_perror_at(ps, st->line, "'%s': %s", st->key, err);
			return -1;
		}
	*n = st->nval;
	return 0;
}


static void conn_defaults(struct conn *cn)
{
	char err[160];

	cn->remote_port = 500;
	cn->start = START_LISTEN;
	cn->ike_lifetime = 4 * 3600;
	cn->child_lifetime = 3600;
	cn->dpd_delay = 30;
	cn->dpd_action = DPD_CLEAR;
	cn->retransmit_timeout = 4000;
	cn->retransmit_base = 1.8;
	cn->retransmit_tries = 5;
	cn->natt_keepalive = 20;
	cn->remote_natt_port = 4500;
	cn->fragmentation = true;
	snprintf(cn->ike_str, sizeof(cn->ike_str), "%s", CONF_DEFAULT_IKE);
	snprintf(cn->esp_str, sizeof(cn->esp_str), "%s", CONF_DEFAULT_ESP);
	ike_proposal_list_parse(cn->ike_str, IKE_PROTO_IKE, &cn->ike, err, sizeof(err));
	ike_proposal_list_parse(cn->esp_str, IKE_PROTO_ESP, &cn->esp, err, sizeof(err));
	conf_prefix_parse("0.0.0.0/0", &cn->local_ts[0], err, sizeof(err));
	conf_prefix_parse("::/0", &cn->local_ts[1], err, sizeof(err));
	cn->nlocal_ts = 2;
	memcpy(cn->remote_ts, cn->local_ts, sizeof(cn->local_ts));
	cn->nremote_ts = 2;
}

/* Checks that need the whole block. */
/*
 * child_life_UNIT must lie above child_rekey_UNIT (when both are set: the
 * rekey must come first); unset, it defaults to the rekey volume plus a
 * tenth.
 */
static int volume_check(struct parser *ps, const char *conn, uint64_t rekey, uint64_t *life,
			unsigned int life_line, const char *unit)
{
	if (!rekey)
		return 0;
	if (!life_line) {
		*life = rekey + (rekey / 10 ?: 1);
		return 0;
	}
	if (*life && *life <= rekey) {
		conf_perror_at(ps, life_line, "conn '%s': child_life_%s (%llu) must be above child_rekey_%s (%llu)",
			       conn, unit, (unsigned long long)*life, unit, (unsigned long long)rekey);
		return -1;
	}
	return 0;
}

/*
 * Our certificate and key (auth pubkey), the trust anchors and the CRL
 * (remote_auth pubkey) read now, so that a mistake is reported with the
 * line that names the file.
 */
static int conn_pubkey(struct parser *ps, struct conn *cn, const unsigned int *seen)
{
	char err[600];

	if (cn->auth == AUTH_PUBKEY &&
	    cert_own_load(&cn->own, cn->cert_file, NULL, cn->key_file, err, sizeof(err))) {
		conf_perror_at(ps, strstr(err, "private key") ? seen[conf_key_index("key")] :
			       seen[conf_key_index("cert")], "conn '%s': %s", cn->name, err);
		return -1;
	}
	if (cn->remote_auth == AUTH_PUBKEY) {
		cn->store = cert_store_load(cn->ca, cn->crl[0] ? cn->crl : NULL, err, sizeof(err));
		if (!cn->store) {
			conf_perror_at(ps, strncmp(err, "CRL", 3) ? seen[conf_key_index("ca")] :
				       seen[conf_key_index("crl")], "conn '%s': %s", cn->name, err);
			return -1;
		}
	}
	/* Our identity defaults to the subject of our certificate. */
	if (cn->auth == AUTH_PUBKEY && !seen[conf_key_index("local_id")]) {
		unsigned char *der = NULL;
		int l = i2d_X509_NAME(X509_get_subject_name(cn->own.cert), &der);

		if (l > 0 && (size_t)l <= sizeof(cn->local_id.data)) {
			memset(&cn->local_id, 0, sizeof(cn->local_id));
			cn->local_id.type = IKE_ID_DER_ASN1_DN;
			cn->local_id.len = (size_t)l;
			memcpy(cn->local_id.data, der, (size_t)l);
			snprintf(cn->local_id.text, sizeof(cn->local_id.text), "%s", cn->own.subject);
		}
		OPENSSL_free(der);
	}
	return 0;
}

/*
 * The keys of @keys (the first @nrequired of them required) belong to
 * '@setting pubkey': refused with @pubkey false, the required ones
 * missing refused with @pubkey true.
 */
static int conn_keys_for(struct parser *ps, const struct conn *cn, const unsigned int *seen,
			 unsigned int end_line, bool pubkey, const char *setting,
			 const char *const *keys, size_t nkeys, size_t nrequired)
{
	for (size_t i = 0; i < nkeys; i++) {
		unsigned int line = seen[conf_key_index(keys[i])];

		if (!pubkey && line) {
			conf_perror_at(ps, line, "conn '%s': '%s' needs '%s pubkey'", cn->name, keys[i],
				       setting);
			return -1;
		}
		if (pubkey && i < nrequired && !line) {
			conf_perror_at(ps, end_line, "conn '%s' (line %u): '%s' is required with '%s pubkey'",
				       cn->name, cn->line, keys[i], setting);
			return -1;
		}
	}
	return 0;
}

/*
 * The keys each authentication needs, and those it must not have: cert,
 * key, send_cert go with auth pubkey (ours); ca, crl with remote_auth
 * pubkey (the peer's); psk with either end psk.
 */
static int conn_auth_check(struct parser *ps, struct conn *cn, const unsigned int *seen,
			   unsigned int end_line)
{
	static const char *const ours[] = { "cert", "key", "send_cert" };
	static const char *const theirs[] = { "ca", "crl" };
	bool remote_set = seen[conf_key_index("remote_auth")] != 0;
	bool psk = seen[conf_key_index("psk")] != 0;

	if (!remote_set)
		cn->remote_auth = cn->auth;
	/* cert and key required, ca required */
	if (conn_keys_for(ps, cn, seen, end_line, cn->auth == AUTH_PUBKEY, "auth", ours,
			  sizeof(ours) / sizeof(ours[0]), 2) ||
	    conn_keys_for(ps, cn, seen, end_line, cn->remote_auth == AUTH_PUBKEY,
			  remote_set || cn->remote_auth == AUTH_PSK ? "remote_auth" : "auth",
			  theirs, sizeof(theirs) / sizeof(theirs[0]), 1))
		return -1;
	if (cn->auth == AUTH_PSK || cn->remote_auth == AUTH_PSK) {
		if (!psk) {
			conf_perror_at(ps, end_line, "conn '%s' (line %u): 'psk' is required%s", cn->name,
				       cn->line, cn->auth == AUTH_PUBKEY ? " with 'remote_auth psk'" :
				       cn->remote_auth == AUTH_PUBKEY ? " with 'auth psk'" : "");
			return -1;
		}
	} else if (psk) {
		conf_perror_at(ps, seen[conf_key_index("psk")], "conn '%s': 'psk' with 'auth pubkey'%s (no end uses it)",
			       cn->name, remote_set ? " and 'remote_auth pubkey'" : "");
		return -1;
	}
	return conn_pubkey(ps, cn, seen);
}

static int conn_finish(struct parser *ps, struct conn *cn, const unsigned int *seen,
		       unsigned int end_line)
{
	static const char *const required[] = { "local", "remote", "device" };
	char err[160];

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!seen[conf_key_index(required[i])]) {
			conf_perror_at(ps, end_line, "conn '%s' (line %u): '%s' is required", cn->name,
				       cn->line, required[i]);
			return -1;
		}
	if (conn_auth_check(ps, cn, seen, end_line))
		return -1;
	if (cn->local.ss_family != cn->remote.ss_family) {
		conf_perror_at(ps, seen[conf_key_index("remote")], "conn '%s': local and remote addresses are of different families",
			       cn->name);
		return -1;
	}
	if (!seen[conf_key_index("local_id")] && !cn->local_id.type) {
		inet_ntop(cn->local.ss_family, cn->local.ss_family == AF_INET ?
			  (void *)&((struct sockaddr_in *)&cn->local)->sin_addr :
			  (void *)&((struct sockaddr_in6 *)&cn->local)->sin6_addr, err, sizeof(err));
		conf_ident_parse(err, &cn->local_id, err, sizeof(err));
	}
	if (!seen[conf_key_index("remote_id")]) {
		inet_ntop(cn->remote.ss_family, cn->remote.ss_family == AF_INET ?
			  (void *)&((struct sockaddr_in *)&cn->remote)->sin_addr :
			  (void *)&((struct sockaddr_in6 *)&cn->remote)->sin6_addr, err, sizeof(err));
		conf_ident_parse(err, &cn->remote_id, err, sizeof(err));
	}
	if (cn->local_id.any || cn->local_id.pattern) {
		conf_perror_at(ps, seen[conf_key_index("local_id")], "conn '%s': local_id cannot be %s",
			       cn->name, cn->local_id.any ? "%any" : "a wildcard");
		return -1;
	}
	if (volume_check(ps, cn->name, cn->child_rekey_bytes, &cn->child_life_bytes,
			 seen[conf_key_index("child_life_bytes")], "bytes") ||
	    volume_check(ps, cn->name, cn->child_rekey_packets, &cn->child_life_packets,
			 seen[conf_key_index("child_life_packets")], "packets"))
		return -1;
	return 0;
}

/*
 * The name after 'conn' (the token after ps->tok, the keyword on @line): a word
 * or string of letters, digits, '-', '_' and '.', not too long and not a name
 * of @cf already. 0, or -1 (reported).
 */
static int conn_name_check(struct parser *ps, struct conf *cf, unsigned int line)
{
	if (ps->tok != T_WORD && ps->tok != T_STRING) {
		conf_perror_at(ps, line, "'conn' needs a name");
		return -1;
	}
	if (!ps->word[0] || strlen(ps->word) >= CONF_NAME_MAX) {
		conf_perror_at(ps, line, "conn name '%s' is empty or longer than %d characters",
			       ps->word, CONF_NAME_MAX - 1);
		return -1;
	}
	for (const char *c = ps->word; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.') {
			conf_perror_at(ps, line, "conn name '%s': only letters, digits, '-', '_' and '.'",
				       ps->word);
			return -1;
		}
	if (conf_conn_find(cf, ps->word)) {
		conf_perror_at(ps, line, "conn '%s' is defined twice", ps->word);
		return -1;
	}
	return 0;
}

/*
 * One statement of conn @cn at the current token: a key allowed in a conn
 * block and not given before (@seen holds the line each key was given on),
 * its values read into @st and applied to @cn. 0, or -1 (reported).
 */
static int parse_conn_stmt(struct parser *ps, struct conn *cn, unsigned int *seen,
			   struct stmt *st)
{
	int k;

	if (ps->tok != T_WORD) {
		conf_perror_at(ps, ps->tok_line, "conn '%s': expected a key", cn->name);
		return -1;
	}
	st->line = ps->tok_line;
	conf_copy_str(st->key, sizeof(st->key), ps->word);
	k = conf_key_index(st->key);
	if (k < 0 || !(conf_keys[k].where & IN_CONN)) {
		conf_perror_at(ps, st->line, "conn '%s': unknown key '%s'%s", cn->name, st->key,
			       k >= 0 ? " (a global setting, not allowed in a conn block)" : "");
		return -1;
	}
	if (seen[k]) {
		conf_perror_at(ps, st->line, "conn '%s': '%s' given twice (first on line %u)",
			       cn->name, st->key, seen[k]);
		return -1;
	}
	seen[k] = st->line;
	if (read_values(ps, st) || conf_keys[k].conn(ps, st, cn))
		return -1;
	return 0;
}

static int parse_conn_body(struct parser *ps, struct conf *cf, struct conn **tail,
			   struct stmt *stp)
{
	unsigned int seen[CONF_MAX_KEYS] = { 0 };
	struct conn *cn;
	unsigned int line = ps->tok_line;

	next(ps);
	if (conn_name_check(ps, cf, line))
		return -1;
	cn = calloc(1, sizeof(*cn));
	if (!cn) {
		conf_perror_at(ps, line, "out of memory");
		return -1;
	}
	conf_copy_str(cn->name, sizeof(cn->name), ps->word);
	cn->line = line;
	conn_defaults(cn);
	*tail = cn;
	do
		next(ps);
	while (ps->tok == T_NL);
	if (ps->tok != T_LBRACE) {
		conf_perror_at(ps, ps->tok_line, "conn '%s': expected '{' after the name", cn->name);
		return -1;
	}
	for (;;) {
		next(ps);
		if (ps->tok == T_NL || ps->tok == T_SEMI)
			continue;
		if (ps->tok == T_RBRACE)
			break;
		if (ps->tok == T_EOF) {
			conf_perror_at(ps, line, "conn '%s': missing '}'", cn->name);
			return -1;
		}
		if (parse_conn_stmt(ps, cn, seen, stp))
			return -1;
		if (ps->tok == T_RBRACE)
			break;
		if (ps->tok == T_EOF) {
			conf_perror_at(ps, line, "conn '%s': missing '}'", cn->name);
			return -1;
		}
	}
	return conn_finish(ps, cn, seen, ps->tok_line);
}

/* A conn block; the statement buffer (it held the PSK) is wiped after. */
static int parse_conn(struct parser *ps, struct conf *cf, struct conn **tail)
{
	struct stmt *st = malloc(sizeof(*st));
	int ret;

	if (!st) {
		conf_perror_at(ps, ps->tok_line, "out of memory");
		return -1;
	}
	ret = parse_conn_body(ps, cf, tail, st);
	explicit_bzero(st, sizeof(*st));
	free(st);
	return ret;
}

static struct conf *parse(struct parser *ps)
{
	static struct stmt st;
	unsigned int seen[CONF_MAX_KEYS] = { 0 };
	struct conf *cf = calloc(1, sizeof(*cf));
	struct conn **tail;

	if (!cf) {
		log_err("%s: out of memory", ps->file);
		return NULL;
	}
	cf->ike_port = 500;
	cf->natt_port = 4500;
	cf->cookie_threshold = 10;
	cf->half_open_max = 100;
	cf->half_open_timeout = 30;
	tail = &cf->conns;
	for (;;) {
		int k;

		next(ps);
		if (ps->tok == T_EOF)
			break;
		if (ps->tok == T_NL || ps->tok == T_SEMI)
			continue;
		if (ps->tok != T_WORD) {
			conf_perror_at(ps, ps->tok_line, "expected a key or 'conn NAME {'");
			goto fail;
		}
		if (!strcmp(ps->word, "conn")) {
			if (parse_conn(ps, cf, tail))
				goto fail;
			tail = &(*tail)->next;
			continue;
		}
		st.line = ps->tok_line;
		conf_copy_str(st.key, sizeof(st.key), ps->word);
		k = conf_key_index(st.key);
		if (k < 0 || !(conf_keys[k].where & IN_GLOBAL)) {
			conf_perror_at(ps, st.line, "unknown global key '%s'%s", st.key,
				       k >= 0 ? " (only allowed in a conn block)" : "");
			goto fail;
		}
		if (seen[k]) {
			conf_perror_at(ps, st.line, "'%s' given twice (first on line %u)", st.key, seen[k]);
			goto fail;
		}
		seen[k] = st.line;
		if (read_values(ps, &st) || conf_keys[k].global(ps, &st, cf))
			goto fail;
		if (ps->tok == T_RBRACE) {
			conf_perror_at(ps, ps->tok_line, "'}' without a 'conn' block");
			goto fail;
		}
		if (ps->tok == T_EOF)
			break;
	}
	if (!ps->errors)
		return cf;
fail:
	conf_free(cf);
	return NULL;
}

struct conf *conf_parse(const char *name, const char *text)
{
	struct parser ps = { .file = name, .p = text, .line = 1 };
	struct conf *cf = parse(&ps);

	explicit_bzero(ps.word, sizeof(ps.word));
	return cf;
}

struct conf *conf_load(const char *path)
{
	struct conf *cf;
	char *text;
	long len;
	FILE *f = fopen(path, "r");

	if (!f) {
		log_err("%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		log_err("%s: cannot read: %s", path, strerror(errno));
		fclose(f);
		return NULL;
	}
	if (len > 1 << 20) {
		log_err("%s: %ld bytes, larger than the 1 MiB limit", path, len);
		fclose(f);
		return NULL;
	}
	text = calloc(1, (size_t)len + 1);
	if (!text || fread(text, 1, (size_t)len, f) != (size_t)len) {
		log_err("%s: cannot read: %s", path, text ? strerror(errno) : "out of memory");
		free(text);
		fclose(f);
		return NULL;
	}
	fclose(f);
	if (memchr(text, 0, (size_t)len)) {
		log_err("%s: contains a NUL byte, not a text file", path);
		free(text);
		return NULL;
	}
	cf = conf_parse(path, text);
	explicit_bzero(text, (size_t)len);
	free(text);
	return cf;
}

void conf_conn_free(struct conn *cn)
{
	if (!cn)
		return;
	OPENSSL_cleanse(cn->psk, sizeof(cn->psk));
	cert_own_free(&cn->own);	/* EVP_PKEY_free wipes the private key */
	X509_STORE_free(cn->store);
	free(cn);
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	while (c->conns) {
		struct conn *cn = c->conns;

		c->conns = cn->next;
		conf_conn_free(cn);
	}
	free(c);
}
