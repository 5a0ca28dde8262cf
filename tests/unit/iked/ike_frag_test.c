// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_frag_test.c - IKE fragmentation (RFC 7383, frag.c): a message cut
 * into SKF fragments and reassembled in order, out of order and with
 * duplicates; fragments with a bad ICV, too many fragments, too many
 * octets, older Total Fragments and stale reassemblies refused; the SKF
 * payload parser.
 */
#include <stdlib.h>
#include <string.h>

#include "frag.h"
#include "sk.h"
#include "ike_test.h"
#include "ike_test_msgs.h"

#define BIG	(IKE_FRAG_MAX_BYTES + 8192)

struct frag_set {
	uint8_t buf[16384];
	size_t off[IKE_FRAG_MAX_COUNT], len[IKE_FRAG_MAX_COUNT];
	unsigned int n;
};

static void keys(struct ike_sk_ctx *tx, struct ike_sk_ctx *rx, uint16_t encr, uint16_t keylen,
		 uint16_t integ, uint8_t seed)
{
	uint8_t ekey[36], akey[64];
	struct ike_err err;

	memset(ekey, seed, sizeof(ekey));
	memset(akey, seed ^ 0x5c, sizeof(akey));
	ike_sk_init(tx, encr, keylen, integ, ekey, ike_sk_encr_key_len(encr, keylen), akey,
		    ike_sk_integ_key_len(integ), &err);
	ike_sk_init(rx, encr, keylen, integ, ekey, ike_sk_encr_key_len(encr, keylen), akey,
		    ike_sk_integ_key_len(integ), &err);
}

/* An IKE_AUTH-like inner chain of about 3 KB: IDi, AUTH, three Vendor IDs. */
static long big_chain(uint8_t *buf, size_t cap, uint8_t *first)
{
	struct ike_id id = { .type = IKE_ID_FQDN };
	struct ike_builder b;
	uint8_t v[900];

	ike_build_chain(&b, buf, cap);
	id.data.p = (const uint8_t *)"gw1.example.net";
	id.data.len = 15;
	ike_build_id(&b, IKE_PL_IDI, &id);
	memset(v, 0xab, 32);
	ike_build_auth(&b, IKE_AUTH_SHARED_KEY_MIC, v, 32);
	for (int i = 0; i < 3; i++) {
		memset(v, 'a' + i, sizeof(v));
		ike_build_vendor(&b, v, sizeof(v));
	}
	*first = ike_build_first(&b);
	return ike_build_finish(&b);
}

static int cut(struct ike_sk_ctx *tx, const uint8_t *plain, size_t plen, uint8_t first,
	       uint32_t msgid, size_t max, struct frag_set *fs)
{
	struct ike_err err = { 0 };
	struct ike_hdr h;
	size_t off = 0, l;
	long len;

	ike_test_hdr(&h, IKE_EXCH_AUTH, IKE_FLAG_INITIATOR, msgid);
	len = ike_frag_protect(tx, &h, first, plain, plen, max, fs->buf, sizeof(fs->buf),
			       &fs->n, &err);
	if (len < 0) {
		t_diag("ike_frag_protect: %s", err.msg);
		return -1;
	}
	for (unsigned int i = 0; (l = ike_frag_next(fs->buf, (size_t)len, off)); i++) {
		fs->off[i] = off;
		fs->len[i] = l;
		off += l;
	}
	return off == (size_t)len ? 0 : -1;
}

/* Feed fragment @i of @fs to @rx at time @now. */
static enum ike_frag_result feed(struct ike_frag_rx *rx, const struct ike_sk_ctx *c,
				 struct frag_set *fs, unsigned int i, uint64_t now,
				 uint8_t *out, size_t *outlen, uint8_t *first,
				 struct ike_err *err)
{
	struct ike_msg m;

	if (ike_msg_parse(fs->buf + fs->off[i], fs->len[i], &m, err))
		return IKE_FRAG_DROPPED;
	return ike_frag_input(rx, c, &m, now, out, IKE_MAX_MSG, outlen, first, err);
}

static void t_split(const char *name, uint16_t encr, uint16_t keylen, uint16_t integ)
{
	static uint8_t out[IKE_MAX_MSG];
	static struct frag_set fs;
	uint8_t chain[4096], first = 0, got_first = 0;
	struct ike_frag_rx rx = { 0 };
	struct ike_sk_ctx tx, rc;
	struct ike_err err = { 0 };
	struct ike_msg m;
	size_t outlen = 0;
	bool ok = true;
	long clen;
	int r = 0;

	keys(&tx, &rc, encr, keylen, integ, 0x11);
	clen = big_chain(chain, sizeof(chain), &first);
	r = clen > 0 ? cut(&tx, chain, (size_t)clen, first, 1, 548, &fs) : -1;
	t_ok(clen > 2700 && !r && fs.n >= 6,
	     "frag: %s %ld octets cut into %u fragments", name, clen, fs.n);
	for (unsigned int i = 0; i < fs.n; i++) {
		ok &= fs.len[i] <= 548 && !ike_msg_parse(fs.buf + fs.off[i], fs.len[i], &m, &err) &&
		      m.sk.frag && m.sk.frag_num == i + 1 && m.sk.frag_total == fs.n &&
		      m.sk.first == (i ? 0 : first) && m.hdr.next == IKE_PL_SKF;
	}
	t_ok(ok, "frag: %s every fragment at most 548 octets, numbered, first type in fragment 1 only",
	     name);
	for (unsigned int i = 0; i < fs.n; i++)
		r = feed(&rx, &rc, &fs, i, 0, out, &outlen, &got_first, &err);
	t_ok(r == IKE_FRAG_DONE && outlen == (size_t)clen && !memcmp(out, chain, outlen) &&
	     got_first == first && !rx.active, "frag: %s in order: reassembled chain identical", name);
	t_ok(!ike_frag_msg(&m, got_first, out, outlen, &err) && m.idi.type == IKE_ID_FQDN &&
	     m.nvendor == 3 && m.vendor[2].len == 900 && m.hdr.msgid == 1,
	     "frag: %s reassembled message parsed (%s)", name, err.msg);

	for (unsigned int i = fs.n; i-- > 0;)
		r = feed(&rx, &rc, &fs, i, 0, out, &outlen, &got_first, &err);
	t_ok(r == IKE_FRAG_DONE && outlen == (size_t)clen && !memcmp(out, chain, outlen) &&
	     got_first == first, "frag: %s out of order: reassembled", name);

	r = feed(&rx, &rc, &fs, 2, 0, out, &outlen, &got_first, &err);
	r = feed(&rx, &rc, &fs, 2, 0, out, &outlen, &got_first, &err);
	t_ok(r == IKE_FRAG_REPEAT && strstr(err.msg, "Fragment Number 3") &&
	     strstr(err.msg, "duplicate") && rx.have == 1, "frag: %s duplicate dropped (%s)", name,
	     err.msg);
	fs.buf[fs.off[1] + fs.len[1] - 3] ^= 0x40;
	r = feed(&rx, &rc, &fs, 1, 0, out, &outlen, &got_first, &err);
	t_ok(r == IKE_FRAG_DROPPED && strstr(err.msg, "integrity check failed") && rx.have == 1 &&
	     !rx.part[1], "frag: %s fragment with a bad ICV not kept (%s)", name, err.msg);
	fs.buf[fs.off[1] + fs.len[1] - 3] ^= 0x40;
	for (unsigned int i = 0; i < fs.n; i++)
		if (i != 2)
			r = feed(&rx, &rc, &fs, i, 0, out, &outlen, &got_first, &err);
	t_ok(r == IKE_FRAG_DONE && outlen == (size_t)clen && !memcmp(out, chain, outlen),
	     "frag: %s the good copy completes the message", name);
	ike_frag_rx_clear(&rx);
	ike_sk_clear(&tx);
	ike_sk_clear(&rc);
}

/* Total Fragments: an older (smaller) one dropped, a newer one restarts (2.6.1). */
static void t_totals(void)
{
	static uint8_t out[IKE_MAX_MSG];
	static struct frag_set a, b;
	uint8_t chain[4096], first = 0, got = 0;
	struct ike_frag_rx rx = { 0 };
	struct ike_sk_ctx tx, rc;
	struct ike_err err = { 0 };
	size_t outlen = 0;
	long clen;
	int r = 0;

	keys(&tx, &rc, IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, 0x22);
	clen = big_chain(chain, sizeof(chain), &first);
	cut(&tx, chain, (size_t)clen, first, 1, 1200, &a);
	cut(&tx, chain, (size_t)clen, first, 1, 548, &b);
	t_ok(a.n < b.n, "frag: totals: %u fragments of 1200, %u of 548", a.n, b.n);
	feed(&rx, &rc, &a, 0, 0, out, &outlen, &got, &err);
	r = feed(&rx, &rc, &b, 1, 0, out, &outlen, &got, &err);
	t_ok(r == IKE_FRAG_KEPT && rx.total == b.n && rx.have == 1 && !rx.part[0],
	     "frag: totals: a larger Total Fragments discards the fragments kept");
	r = feed(&rx, &rc, &a, 1, 0, out, &outlen, &got, &err);
	t_ok(r == IKE_FRAG_REPEAT && strstr(err.msg, "Total Fragments") &&
	     strstr(err.msg, "older"), "frag: totals: a smaller Total Fragments dropped (%s)",
	     err.msg);
	for (unsigned int i = 0; i < b.n; i++)
		r = feed(&rx, &rc, &b, i, 1000, out, &outlen, &got, &err);
	t_ok(r == IKE_FRAG_DONE && outlen == (size_t)clen, "frag: totals: the newer set completes");

	/* Timeout: a fragment after IKE_FRAG_TIMEOUT_MS starts afresh. */
	feed(&rx, &rc, &b, 0, 5000, out, &outlen, &got, &err);
	r = feed(&rx, &rc, &b, 1, 5000 + IKE_FRAG_TIMEOUT_MS + 1, out, &outlen, &got, &err);
	t_ok(r == IKE_FRAG_KEPT && rx.have == 1 && !rx.part[0] && rx.part[1],
	     "frag: timeout: fragments older than %d ms discarded", IKE_FRAG_TIMEOUT_MS);
	/* Another message ID starts afresh too. */
	cut(&tx, chain, (size_t)clen, first, 2, 548, &a);
	r = feed(&rx, &rc, &a, 0, 5000 + IKE_FRAG_TIMEOUT_MS + 2, out, &outlen, &got, &err);
	t_ok(r == IKE_FRAG_KEPT && rx.msgid == 2 && rx.have == 1,
	     "frag: message ID 2 replaces the fragments of message ID 1");
	ike_frag_rx_clear(&rx);
	t_ok(!rx.active && !rx.part[0], "frag: reassembly cleared");
	ike_sk_clear(&tx);
	ike_sk_clear(&rc);
}

/* Limits: too many fragments, too many octets, wrong keys, payloads before SKF. */
static void t_limits(void)
{
	static uint8_t out[IKE_MAX_MSG], msg[2048];
	uint8_t *big = calloc(1, BIG), *frags = calloc(1, 2 * BIG), got = 0;
	struct ike_frag_rx rx = { 0 };
	struct ike_sk_ctx tx, rc, other, orc;
	struct ike_err err = { 0 };
	struct ike_builder b;
	unsigned int n = 0;
	size_t outlen = 0, off = 0, l;
	struct ike_hdr h;
	struct ike_msg m;
	long len;
	int r = 0;

	if (!big || !frags)
		abort();
	keys(&tx, &rc, IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 0x33);
	keys(&other, &orc, IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 0x34);
	ike_test_hdr(&h, IKE_EXCH_AUTH, IKE_FLAG_INITIATOR, 1);
	len = ike_frag_protect(&tx, &h, IKE_PL_VENDOR, big, BIG, 548, frags, 2 * BIG, &n, &err);
	t_ok(len < 0 && strstr(err.msg, "more than 64"), "frag: limit: no more than %d fragments sent (%s)",
	     IKE_FRAG_MAX_COUNT, err.msg);

	ike_build_init(&b, msg, sizeof(msg), &h);
	len = ike_sk_protect_frag(&tx, &b, 0, 1, IKE_FRAG_MAX_COUNT + 1, big, 100, &err);
	r = len > 0 && !ike_msg_parse(msg, (size_t)len, &m, &err) ?
	    (int)ike_frag_input(&rx, &rc, &m, 0, out, sizeof(out), &outlen, &got, &err) : 9;
	t_ok(r == IKE_FRAG_DROPPED && strstr(err.msg, "Total Fragments 65 exceeds"),
	     "frag: limit: Total Fragments above %d dropped (%s)", IKE_FRAG_MAX_COUNT, err.msg);

	len = ike_frag_protect(&tx, &h, IKE_PL_VENDOR, big, BIG, 1500, frags, 2 * BIG, &n, &err);
	r = IKE_FRAG_KEPT;
	for (; r == IKE_FRAG_KEPT && (l = ike_frag_next(frags, (size_t)len, off)); off += l) {
		if (ike_msg_parse(frags + off, l, &m, &err))
			break;
		r = ike_frag_input(&rx, &rc, &m, 0, out, sizeof(out), &outlen, &got, &err);
	}
	t_ok(len > 0 && n <= IKE_FRAG_MAX_COUNT && r == IKE_FRAG_DROPPED &&
	     strstr(err.msg, "past 65535 octets") && !rx.active,
	     "frag: limit: reassembly beyond %d octets discarded (%s)", IKE_FRAG_MAX_BYTES, err.msg);

	ike_build_init(&b, msg, sizeof(msg), &h);
	len = ike_sk_protect_frag(&other, &b, IKE_PL_VENDOR, 1, 2, big, 100, &err);
	r = len > 0 && !ike_msg_parse(msg, (size_t)len, &m, &err) ?
	    (int)ike_frag_input(&rx, &rc, &m, 0, out, sizeof(out), &outlen, &got, &err) : 9;
	t_ok(r == IKE_FRAG_DROPPED && strstr(err.msg, "integrity check failed") && !rx.active,
	     "frag: a fragment under other keys never starts a reassembly (%s)", err.msg);

	ike_build_init(&b, msg, sizeof(msg), &h);
	ike_build_vendor(&b, big, 10);
	len = ike_sk_protect_frag(&tx, &b, IKE_PL_VENDOR, 1, 2, big, 100, &err);
	r = len > 0 && !ike_msg_parse(msg, (size_t)len, &m, &err) ?
	    (int)ike_frag_input(&rx, &rc, &m, 0, out, sizeof(out), &outlen, &got, &err) : 9;
	t_ok(r == IKE_FRAG_DROPPED && strstr(err.msg, "before the SKF payload"),
	     "frag: an unprotected payload before SKF refused (%s)", err.msg);

	ike_build_init(&b, msg, sizeof(msg), &h);
	len = ike_sk_protect_frag(&tx, &b, IKE_PL_VENDOR, 1, 1, big, 100, &err);
	t_ok(len > 0 && !ike_msg_parse(msg, (size_t)len, &m, &err) &&
	     ike_sk_open(&rc, &m, out, sizeof(out), &err) == -1 && strstr(err.msg, "reassembled"),
	     "frag: ike_sk_open refuses a lone fragment (%s)", err.msg);
	ike_frag_rx_clear(&rx);
	ike_sk_clear(&tx);
	ike_sk_clear(&rc);
	ike_sk_clear(&other);
	ike_sk_clear(&orc);
	free(big);
	free(frags);
}

/* The SKF payload parser: Fragment Number and Total Fragments, position. */
static void t_parse(void)
{
	static const struct {
		uint16_t num, total;
		const char *want;
	} bad[] = {
		{ 0, 3, "Fragment Number 0 outside" },
		{ 4, 3, "Fragment Number 4 outside" },
		{ 1, 0, "Total Fragments is 0" },
	};
	uint8_t msg[256], body[40] = { 0 };
	struct ike_err err = { 0 };
	struct ike_builder b;
	struct ike_hdr h;
	struct ike_msg m;
	long off, len;

	ike_test_hdr(&h, IKE_EXCH_AUTH, IKE_FLAG_INITIATOR, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ike_build_init(&b, msg, sizeof(msg), &h);
		off = ike_build_skf_reserve(&b, IKE_PL_IDI, bad[i].num, bad[i].total, sizeof(body));
		len = ike_build_finish(&b);
		t_ok(off > 0 && len > 0 && ike_msg_parse(msg, (size_t)len, &m, &err) == -1 &&
		     strstr(err.msg, bad[i].want) && err.notify == IKE_N_INVALID_SYNTAX,
		     "frag: parse: SKF %u of %u refused (%s)", bad[i].num, bad[i].total, err.msg);
	}
	ike_build_init(&b, msg, sizeof(msg), &h);
	ike_build_skf_reserve(&b, IKE_PL_IDI, 2, 3, 0);
	len = ike_build_finish(&b);
	t_ok(ike_msg_parse(msg, (size_t)len, &m, &err) == -1 && strstr(err.msg, "SKF payload is empty"),
	     "frag: parse: SKF without a body refused (%s)", err.msg);
	ike_build_init(&b, msg, sizeof(msg), &h);
	ike_build_skf_reserve(&b, IKE_PL_IDI, 2, 3, sizeof(body));
	len = ike_build_finish(&b);
	t_ok(!ike_msg_parse(msg, (size_t)len, &m, &err) && m.sk.frag && m.sk.frag_num == 2 &&
	     m.sk.frag_total == 3 && m.sk.body.len == sizeof(body) &&
	     ike_msg_encode(&m, msg + 128, 128) == len && !memcmp(msg, msg + 128, (size_t)len),
	     "frag: parse: SKF 2 of 3 decoded and re-encoded identically");
	msg[31] -= 8;	/* SKF Payload Length: 8 octets follow it */
	t_ok(ike_msg_parse(msg, (size_t)len, &m, &err) == -1 &&
	     strstr(err.msg, "SKF payload is not the last payload"),
	     "frag: parse: SKF must be last (%s)", err.msg);
}

void test_frag(void)
{
	t_split("AES-GCM-16-256", IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE);
	t_split("AES-CBC-128/HMAC-SHA2-256", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128);
	t_split("ChaCha20-Poly1305", IKE_ENCR_CHACHA20_POLY1305, 256, IKE_INTEG_NONE);
	t_totals();
	t_limits();
	t_parse();
}
