// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * conf_test.c - espiked.conf parser: a full configuration read back field
 * by field, then one broken file per kind of mistake, each of which must be
 * rejected with "FILE:LINE: " and words naming the mistake. TAP output.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../tap.h"
#include "conf.h"
#include "log.h"
#include "ike_pki.h"

static char last[1024];

static void sink(enum log_level lvl, const char *line)
{
	(void)lvl;
	if (!last[0])	/* the first error is the one that matters */
		snprintf(last, sizeof(last), "%s", line);
}

static const char good[] =
	"# espiked test configuration\n"
	"ike_port 1500; natt_port 0\n"
	"cookie_threshold 3\n"
	"conn site-a {\n"
	"    local 192.0.2.1\n"
	"    remote 192.0.2.2; remote_port 4501\n"
	"    local_id @gw-a.example.net\n"
	"    remote_id keyid:0102ff\n"
	"    psk 0x00ff10\n"
	"    ike aes256gcm16-prfsha384-ecp384,\n"
	"        aes128-sha256-modp2048\n"
	"    esp aes128gcm16-esn, chacha20poly1305\n"
	"    local_ts 10.1.0.0/24, 2001:db8:1::/48\n"
	"    remote_ts 10.2.0.0/16\n"
	"    device esp0\n"
	"    start trap\n"
	"    ike_lifetime 3h; child_lifetime 20m\n"
	"    child_rekey_bytes 512m; child_life_bytes 1G; child_rekey_packets 1000\n"
	"    dpd_delay 10s; dpd_action restart\n"
	"    retransmit_timeout 1500ms; retransmit_tries 3; retransmit_base 2\n"
	"    encap yes; natt_keepalive 1m; remote_natt_port 4600\n"
	"    fragmentation no; fragment_size 1400\n"
	"}\n"
	"conn b { local ::1; remote ::2; psk \"a \\\"quoted\\\" key\"; device esp1 }\n";

static void test_good(void)
{
	struct conf *c;
	struct conn *a, *b;
	char buf[128];

	last[0] = 0;
	c = conf_parse("good.conf", good);
	t_ok(c != NULL, "a complete configuration parses (%s)", c ? "" : last);
	if (!c)
		return;
	a = conf_conn_find(c, "site-a");
	b = conf_conn_find(c, "b");
	t_ok(c->ike_port == 1500 && c->natt_port == 0 && c->cookie_threshold == 3 &&
	     c->half_open_max == 100, "global settings and defaults");
	t_ok(a && b && a->next == b && !b->next, "two connections in file order");
	if (!a || !b)
		goto out;
	t_ok(a->local.ss_family == AF_INET && a->remote_port == 4501 &&
	     ((struct sockaddr_in *)&a->remote)->sin_addr.s_addr == inet_addr("192.0.2.2"),
	     "addresses and remote_port");
	t_ok(a->local_id.type == IKE_ID_FQDN && a->local_id.len == 16 &&
	     !memcmp(a->local_id.data, "gw-a.example.net", 16), "@name is an FQDN identity");
	t_ok(a->remote_id.type == IKE_ID_KEY_ID && a->remote_id.len == 3 &&
	     !memcmp(a->remote_id.data, "\x01\x02\xff", 3), "keyid:hex identity");
	t_ok(a->psk_len == 3 && !memcmp(a->psk, "\x00\xff\x10", 3), "0x hex PSK");
	t_ok(b->psk_len == 14 && !memcmp(b->psk, "a \"quoted\" key", 14), "quoted PSK with escapes");
	t_ok(a->ike.nprops == 2 && a->esp.nprops == 2 && !strcmp(a->ike_str,
	     "aes256gcm16-prfsha384-ecp384,aes128-sha256-modp2048"),
	     "proposal lists, continued over a line ending in ','");
	t_ok(a->nlocal_ts == 2 && a->local_ts[1].family == AF_INET6 && a->local_ts[1].plen == 48 &&
	     a->nremote_ts == 1 && a->remote_ts[0].plen == 16, "selector prefix lists");
	t_ok(!strcmp(a->device, "esp0") && a->start == START_TRAP && a->ike_lifetime == 10800 &&
	     a->child_lifetime == 1200 && a->dpd_delay == 10 && a->dpd_action == DPD_RESTART,
	     "device, start, lifetimes, DPD");
	t_ok(a->child_rekey_bytes == 512ULL << 20 && a->child_life_bytes == 1ULL << 30 &&
	     a->child_rekey_packets == 1000 && a->child_life_packets == 1100 &&
	     !b->child_rekey_bytes && !b->child_life_bytes && !b->child_rekey_packets &&
	     !b->child_life_packets,
	     "rekey and life volumes: suffixes, life a tenth above rekey by default, none by default");
	t_ok(a->retransmit_timeout == 1500 && a->retransmit_tries == 3 && a->retransmit_base == 2.0,
	     "retransmit settings");
	t_ok(a->encap && a->natt_keepalive == 60 && a->remote_natt_port == 4600 && !b->encap &&
	     b->natt_keepalive == 20 && b->remote_natt_port == 4500,
	     "NAT traversal settings and their defaults");
	t_ok(!a->fragmentation && a->fragment_size == 1400 && b->fragmentation &&
	     !b->fragment_size, "fragmentation settings and their defaults");
	t_ok(b->local_id.type == IKE_ID_IPV6_ADDR && b->remote_id.type == IKE_ID_IPV6_ADDR &&
	     b->nlocal_ts == 2 && b->start == START_LISTEN && b->esp.nprops == 2,
	     "defaults: address identities, any selectors, listen, default proposals");
	conf_ident_format(&a->remote_id, buf, sizeof(buf));
	t_ok(!strcmp(buf, "keyid:0102ff"), "identity formatted back (%s)", buf);
out:
	conf_free(c);
}

/* Each file must fail with a message starting "bad.conf:LINE: " and containing WANT. */
static const struct {
	const char *text;
	unsigned int line;
	const char *want;
} bad[] = {
	{ "conn x {\n local 1.2.3.4\n remote 1.2.3.5\n psk k\n}\n", 5, "'device' is required" },
	{ "conn x {\n local 1.2.3.4\n remote 1.2.3.5\n psk k\n device e\n color red\n}\n", 6,
	  "unknown key 'color'" },
	{ "conn x {\n local 1.2.3.400\n}\n", 2, "'local': '1.2.3.400' is not an IPv4 or IPv6 address" },
	{ "conn x {\n local 1.2.3.4\n local 1.2.3.4\n}\n", 3, "'local' given twice (first on line 2)" },
	{ "conn x {\n ike aes256gcm16-prfsha384-ecp999\n}\n", 2, "'ike': " },
	{ "conn x {\n esp aes128-sha256\n}\n", 2, "espvti implements only AES-GCM-16" },
	{ "conn x {\n local_ts 10.0.0.1/24\n}\n", 2, "host bits set" },
	{ "conn x {\n remote_ts 10.0.0.0/33\n}\n", 2, "prefix length must be 0 to 32" },
	{ "conn x {\n remote_id keyid:abc\n}\n", 2, "even number of hex digits" },
	{ "conn x {\n psk 0x12g4\n}\n", 2, "'psk': 0x..." },
	{ "conn x {\n start sometimes\n}\n", 2, "'start': 'sometimes' is none of initiate, trap, listen" },
	{ "conn x {\n dpd_action panic\n}\n", 2, "neither clear nor restart" },
	{ "conn x {\n dpd_delay 5 fortnights\n}\n", 2, "takes one value, got 2" },
	{ "conn x {\n child_lifetime 10y\n}\n", 2, "is not a duration" },
	{ "conn x {\n child_rekey_bytes 10t\n}\n", 2, "'child_rekey_bytes': '10t' is not a count" },
	{ "conn x {\n child_life_packets -5\n}\n", 2, "is not a count" },
	{ "conn x {\n child_rekey_bytes 2000000000g\n}\n", 2, "at most 2^60" },
	{ "conn x {\n local 1.2.3.4\n remote 1.2.3.5\n psk k\n device e\n"
	  " child_rekey_packets 1k\n child_life_packets 1024\n}\n", 7,
	  "child_life_packets (1024) must be above child_rekey_packets (1024)" },
	{ "conn x {\n retransmit_tries 99\n}\n", 2, "not a number from 0 to 20" },
	{ "conn x {\n retransmit_base 9\n}\n", 2, "not a number from 1 to 4" },
	{ "conn x {\n encap maybe\n}\n", 2, "'encap': 'maybe' is neither yes nor no" },
	{ "conn x {\n fragmentation force\n}\n", 2,
	  "'fragmentation': 'force' is neither yes nor no" },
	{ "conn x {\n fragment_size 400\n}\n", 2, "not a number from 512 to 65535" },
	{ "conn x {\n fragment_size 70000\n}\n", 2, "not a number from 512 to 65535" },
	{ "conn x {\n natt_keepalive 1500ms\n}\n", 2, "'natt_keepalive': whole seconds only" },
	{ "conn x {\n natt_keepalive 2h\n}\n", 2, "is not a duration" },
	{ "conn x {\n remote_natt_port 0\n}\n", 2, "not a number from 1 to 65535" },
	{ "conn x {\n local 1.2.3.4\n remote ::1\n psk k\n device e\n}\n", 3, "different families" },
	{ "conn x {\n device this-name-is-too-long\n}\n", 2, "not a valid interface name" },
	{ "conn x {\n ike_port 500\n}\n", 2, "a global setting, not allowed in a conn block" },
	{ "device esp0\n", 1, "only allowed in a conn block" },
	{ "ike_port 70000\n", 1, "not a number from 1 to 65535" },
	{ "\n\nconn x {\n local 1.2.3.4\n", 3, "missing '}'" },
	{ "conn {\n}\n", 1, "'conn' needs a name" },
	{ "conn a { local 1.2.3.4; remote 1.2.3.5; psk k; device e }\nconn a {\n}\n", 2,
	  "conn 'a' is defined twice" },
	{ "conn x {\n psk \"unterminated\n}\n", 2, "unterminated string" },
	{ "conn x {\n local_ts 10.0.0.0/8,\n}\n", 3, "value expected after ','" },
	{ "}\n", 1, "expected a key" },
	{ "conn x {\n local_id %any\n local 1.2.3.4\n remote 1.2.3.5\n psk k\n device e\n}\n", 2,
	  "local_id cannot be %any" },
};

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct conf *c;
		char prefix[32];

		last[0] = 0;
		c = conf_parse("bad.conf", bad[i].text);
		snprintf(prefix, sizeof(prefix), "bad.conf:%u: ", bad[i].line);
		t_ok(!c && !strncmp(last, prefix, strlen(prefix)) && strstr(last, bad[i].want),
		     "rejected at line %u with \"%s\" (got: %s)", bad[i].line, bad[i].want, last);
		conf_free(c);
	}
}

/* A conn with auth pubkey and the lines @extra (line 8 on), parsed. */
static struct conf *pubkey_conf(const char *cert, const char *key, const char *ca,
				const char *extra)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "conn pk {\n local 192.0.2.1\n remote 192.0.2.2\n device esp0\n"
		 " auth pubkey\n cert \"%s\"\n key \"%s\"\n%s%s%s}\n",
		 pki(cert), pki(key), ca ? " ca \"" : "", ca ? pki(ca) : "", ca ? "\"\n" : "");
	if (extra)
		snprintf(text + strlen(text) - 2, sizeof(text) - strlen(text) + 2, "%s}\n", extra);
	last[0] = 0;
	return conf_parse("pk.conf", text);
}

static void test_pubkey_good(void)
{
	char crl[600], buf[300];
	struct conf *c;
	struct conn *cn;

	snprintf(crl, sizeof(crl), " crl \"%s\"\n send_cert always\n"
		 " remote_id \"dn:C=CH, O=espvti test, CN=*.example.org\"\n", pki("inter.crl"));
	c = pubkey_conf("p256.crt", "p256.key", "cadir", crl);
	cn = c ? c->conns : NULL;
	t_ok(cn && cn->auth == AUTH_PUBKEY && cn->own.cert && cn->own.key && cn->store &&
	     cn->send_cert == SEND_CERT_ALWAYS, "auth pubkey: certificate, key, CA directory and CRL loaded (%s)",
	     cn ? "" : last);
	if (!cn)
		goto out;
	conf_ident_format(&cn->local_id, buf, sizeof(buf));
	t_ok(cn->local_id.type == IKE_ID_DER_ASN1_DN &&
	     t_streq(buf, "dn:C=CH, O=espvti test, CN=p256.example.org"),
	     "auth pubkey: local_id defaults to the certificate's subject");
	t_ok(cn->remote_id.type == IKE_ID_DER_ASN1_DN && cn->remote_id.pattern &&
	     conf_ident_match(&cn->remote_id, IKE_ID_DER_ASN1_DN, cn->local_id.data, cn->local_id.len) &&
	     !conf_ident_match(&cn->remote_id, IKE_ID_FQDN, (const uint8_t *)"p256.example.org", 16),
	     "remote_id dn: with a wildcard matches a DN, not an FQDN");
out:
	conf_free(c);
	c = pubkey_conf("p256.crt", "p256.key", "root.crt",
			" remote_id *.example.org\n local_id \"dn:C=CH, O=espvti test, CN=p256.example.org\"\n");
	cn = c ? c->conns : NULL;
	t_ok(cn && cn->remote_id.pattern && cn->send_cert == SEND_CERT_IFASKED &&
	     conf_ident_match(&cn->remote_id, IKE_ID_FQDN, (const uint8_t *)"gw.Example.org", 14) &&
	     !conf_ident_match(&cn->remote_id, IKE_ID_FQDN, (const uint8_t *)"example.org", 11),
	     "remote_id *.example.org matches names under example.org; send_cert defaults to ifasked");
	t_ok(cn && cn->local_id.type == IKE_ID_DER_ASN1_DN && !cn->local_id.pattern,
	     "local_id dn:\"...\" given explicitly");
	conf_free(c);
}

static void test_pubkey_bad(void)
{
	static const struct {
		const char *cert, *key, *ca, *extra;
		unsigned int line;
		const char *want;
	} bad[] = {
		{ "p256.crt", "p256.key", NULL, NULL, 8, "'ca' is required with 'auth pubkey'" },
		{ "p256.crt", "p384.key", "root.crt", NULL, 7, "does not belong to certificate" },
		{ "p256.crt", "p256-0644.key", "root.crt", NULL, 7, "has mode 0644" },
		{ "p256.key", "p256.key", "root.crt", NULL, 6, "holds no PEM certificate" },
		{ "p256.crt", "p256.key", "nothere", NULL, 8, "trust anchors" },
		{ "p256.crt", "p256.key", "root.crt", " crl /dev/null\n", 9, "holds no PEM CRL" },
		{ "p256.crt", "p256.key", "root.crt", " psk k\n", 9, "'psk' with 'auth pubkey'" },
		{ "p256.crt", "p256.key", "root.crt", " send_cert maybe\n", 9, "none of always, ifasked, never" },
		{ "p256.crt", "p256.key", "root.crt", " local_id *.example.org\n", 9, "local_id cannot be a wildcard" },
		{ "p256.crt", "p256.key", "root.crt", " remote_id fqdn:gw*.example.org\n", 9, "a wildcard is '*' or '*.'" },
		{ "p256.crt", "p256.key", "root.crt", " remote_id \"dn:C=CH, XY=z\"\n", 9, "'XY=z' is not an attribute" },
	};
	char path[600], cmd[1400];
	struct conf *c;

	/* a copy of p256.key that others may read */
	snprintf(path, sizeof(path), "%s", pki("p256-0644.key"));
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && chmod 644 '%s'", pki("p256.key"), path, path);
	if (system(cmd))
		t_diag("could not make %s", path);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char prefix[32];

		c = pubkey_conf(bad[i].cert, bad[i].key, bad[i].ca, bad[i].extra);
		snprintf(prefix, sizeof(prefix), "pk.conf:%u: ", bad[i].line);
		t_ok(!c && !strncmp(last, prefix, strlen(prefix)) && strstr(last, bad[i].want),
		     "auth pubkey: rejected at line %u with \"%s\" (got: %s)", bad[i].line, bad[i].want,
		     last);
		conf_free(c);
	}
	unlink(path);
	last[0] = 0;
	c = conf_parse("pk.conf", "conn x {\n auth rsa\n}\n");
	t_ok(!c && t_has(last, "pk.conf:2: 'auth': 'rsa' is neither psk nor pubkey"),
	     "auth other than psk or pubkey rejected");
	conf_free(c);
	last[0] = 0;
	c = conf_parse("pk.conf", "conn x {\n local 1.2.3.4\n remote 1.2.3.5\n device e\n psk k\n"
			" cert /x\n}\n");
	t_ok(!c && t_has(last, "pk.conf:6: ") && t_has(last, "'cert' needs 'auth pubkey'"),
	     "cert without auth pubkey rejected");
	conf_free(c);
}

/*
 * A conn whose lines @lines start on line 5, where a value R, C, K or L
 * stands for the test PKI's root.crt, p256.crt, p256.key or inter.crl.
 */
static struct conf *mixed_conf(const char *lines)
{
	static const char *const files[] = { "R root.crt", "C p256.crt", "K p256.key", "L inter.crl" };
	char text[4096];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "conn m {\n local 192.0.2.1\n remote 192.0.2.2\n device esp0\n");
	for (const char *p = lines, *e; *p && n < sizeof(text); p = e + 1) {
		const char *v = NULL;
		int len;

		e = strchr(p, '\n');
		len = (int)(e - p);
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
			if (len > 2 && p[len - 2] == ' ' && p[len - 1] == files[i][0])
				v = pki(files[i] + 2);
		if (v)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%.*s\"%s\"\n", len - 1, p, v);
		else
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%.*s\n", len, p);
	}
	if (n < sizeof(text))
		snprintf(text + n, sizeof(text) - n, "}\n");
	last[0] = 0;
	return conf_parse("mx.conf", text);
}

/* auth and remote_auth apart: which keys each needs, what is loaded. */
static void test_mixed(void)
{
	static const struct {
		const char *lines;
		unsigned int line;
		const char *want;
	} bad[] = {
		{ " auth psk\n remote_auth pubkey\n psk k\n", 8, "'ca' is required with 'remote_auth pubkey'" },
		{ " auth psk\n remote_auth pubkey\n ca R\n", 8, "'psk' is required with 'auth psk'" },
		{ " auth psk\n remote_auth pubkey\n psk k\n ca R\n send_cert always\n", 9,
		  "'send_cert' needs 'auth pubkey'" },
		{ " auth psk\n remote_auth pubkey\n psk k\n ca R\n cert C\n", 9, "'cert' needs 'auth pubkey'" },
		{ " auth psk\n remote_auth pubkey\n psk k\n ca /nothere\n", 8, "trust anchors" },
		{ " auth pubkey\n remote_auth psk\n cert C\n key K\n", 9, "'psk' is required with 'remote_auth psk'" },
		{ " auth pubkey\n remote_auth psk\n psk k\n key K\n", 9, "'cert' is required with 'auth pubkey'" },
		{ " auth pubkey\n remote_auth psk\n cert C\n key K\n psk k\n ca R\n", 10,
		  "'ca' needs 'remote_auth pubkey'" },
		{ " auth pubkey\n remote_auth psk\n cert C\n key K\n psk k\n crl L\n", 10,
		  "'crl' needs 'remote_auth pubkey'" },
		{ " auth pubkey\n remote_auth pubkey\n cert C\n key K\n ca R\n psk k\n", 10,
		  "'psk' with 'auth pubkey' and 'remote_auth pubkey'" },
		{ " psk k\n ca R\n", 6, "'ca' needs 'remote_auth pubkey'" },
		{ " remote_auth rsa\n", 5, "'remote_auth': 'rsa' is neither psk nor pubkey" },
		{ " remote_auth psk\n remote_auth pubkey\n", 6, "given twice" },
	};
	struct conf *c;
	struct conn *cn;

	c = mixed_conf(" auth psk\n remote_auth pubkey\n psk k\n ca R\n crl L\n");
	cn = c ? c->conns : NULL;
	t_ok(cn && cn->auth == AUTH_PSK && cn->remote_auth == AUTH_PUBKEY && cn->store &&
	     !cn->own.cert && !cn->own.key && cn->psk_len == 1 && cn->local_id.type == IKE_ID_IPV4_ADDR,
	     "auth psk, remote_auth pubkey: psk, CA and CRL, no certificate of ours, local_id the address (%s)",
	     last);
	conf_free(c);
	c = mixed_conf(" auth pubkey\n remote_auth psk\n psk k\n cert C\n key K\n send_cert never\n");
	cn = c ? c->conns : NULL;
	t_ok(cn && cn->auth == AUTH_PUBKEY && cn->remote_auth == AUTH_PSK && !cn->store &&
	     cn->own.cert && cn->own.key && cn->psk_len == 1 && cn->local_id.type == IKE_ID_DER_ASN1_DN &&
	     cn->send_cert == SEND_CERT_NEVER,
	     "auth pubkey, remote_auth psk: certificate, key and psk, no CA, local_id the subject (%s)", last);
	conf_free(c);
	c = mixed_conf(" auth pubkey\n cert C\n key K\n ca R\n");
	cn = c ? c->conns : NULL;
	t_ok(cn && cn->remote_auth == AUTH_PUBKEY && cn->store, "remote_auth defaults to auth (pubkey) (%s)",
	     last);
	conf_free(c);
	c = mixed_conf(" remote_auth psk\n psk k\n");
	cn = c ? c->conns : NULL;
	t_ok(cn && cn->auth == AUTH_PSK && cn->remote_auth == AUTH_PSK,
	     "remote_auth psk with auth psk (the default) (%s)", last);
	conf_free(c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char prefix[32];

		c = mixed_conf(bad[i].lines);
		snprintf(prefix, sizeof(prefix), "mx.conf:%u: ", bad[i].line);
		t_ok(!c && !strncmp(last, prefix, strlen(prefix)) && strstr(last, bad[i].want),
		     "mixed: rejected at line %u with \"%s\" (got: %s)", bad[i].line, bad[i].want, last);
		conf_free(c);
	}
}

int main(void)
{
	log_set_sink(sink);
	printf("TAP version 13\n");
	test_good();
	test_bad();
	test_pubkey_good();
	test_pubkey_bad();
	test_mixed();
	printf("1..%d\n# espiked.conf parser: %d passed, %d failed\n", t_tests(),
	       t_tests() - t_failures(), t_failures());
	return t_failures() ? 1 : 0;
}
