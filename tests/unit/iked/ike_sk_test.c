// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_sk_test.c - SK payload protect/open round trips and rejections.
 * strongSwan-made SK payloads are opened in ike_interop_test.c.
 */
#include <string.h>

#include "sk.h"
#include "ike_test.h"
#include "ike_test_msgs.h"

struct sk_case {
	const char *name;
	uint16_t encr, keylen, integ;
};

static void sk_roundtrip(const struct sk_case *c)
{
	uint8_t ekey[36], akey[64], inner[1024], msg[2048], out[2048], first = 0;
	struct ike_sk_ctx tx, rx, wrong;
	struct ike_builder b;
	struct ike_hdr h;
	struct ike_msg m;
	struct ike_err err = { 0 };
	size_t elen = ike_sk_encr_key_len(c->encr, c->keylen);
	size_t alen = ike_sk_integ_key_len(c->integ);
	long ilen, len;
	int ok;

	for (size_t i = 0; i < sizeof(ekey); i++)
		ekey[i] = (uint8_t)(i * 7 + 1);
	memset(akey, 0x5c, sizeof(akey));
	ok = elen && !ike_sk_init(&tx, c->encr, c->keylen, c->integ, ekey, elen, akey, alen, &err) &&
	     !ike_sk_init(&rx, c->encr, c->keylen, c->integ, ekey, elen, akey, alen, &err);
	t_ok(ok, "sk: %s contexts (%s)", c->name, ok ? "" : err.msg);
	if (!ok)
		return;
	ilen = ike_test_auth_inner(inner, sizeof(inner), &first);
	ike_test_hdr(&h, IKE_EXCH_AUTH, IKE_FLAG_INITIATOR, 1);
	ike_build_init(&b, msg, sizeof(msg), &h);
	len = ike_sk_protect(&tx, &b, first, inner, (size_t)ilen, &err);
	t_ok(len > 0 && !ike_msg_parse(msg, (size_t)len, &m, &err) &&
	     !ike_sk_open(&rx, &m, out, sizeof(out), &err) &&
	     m.idi.type == IKE_ID_FQDN && m.tsi.nts == 2 && m.auth.data.len == 32,
	     "sk: %s protect then open recovers the inner payloads%s%s", c->name,
	     err.msg[0] ? ": " : "", err.msg);
	err.msg[0] = 0;
	t_ok(ike_msg_encode_inner(&m, out + 1024, 1024, &first) == ilen &&
	     !memcmp(out + 1024, inner, (size_t)ilen), "sk: %s inner chain identical", c->name);

	msg[len - 20] ^= 0x01;	/* ciphertext or ICV */
	t_ok(!ike_msg_parse(msg, (size_t)len, &m, &err) &&
	     ike_sk_open(&rx, &m, out, sizeof(out), &err) == -1 && strstr(err.msg, "integrity check failed") &&
	     err.notify == 0, "sk: %s flipped ciphertext bit rejected (%s)", c->name, err.msg);
	msg[len - 20] ^= 0x01;
	msg[23] ^= 0x01;	/* message ID: authenticated, not encrypted */
	t_ok(!ike_msg_parse(msg, (size_t)len, &m, &err) &&
	     ike_sk_open(&rx, &m, out, sizeof(out), &err) == -1,
	     "sk: %s modified IKE header rejected", c->name);
	msg[23] ^= 0x01;
	ekey[0] ^= 1;
	akey[0] ^= 1;
	ike_sk_init(&wrong, c->encr, c->keylen, c->integ, ekey, elen, akey, alen, &err);
	t_ok(!ike_msg_parse(msg, (size_t)len, &m, &err) &&
	     ike_sk_open(&wrong, &m, out, sizeof(out), &err) == -1, "sk: %s wrong key rejected", c->name);
	t_ok(!ike_msg_parse(msg, (size_t)len, &m, &err) && !ike_sk_open(&rx, &m, out, sizeof(out), &err),
	     "sk: %s restored message opens again", c->name);
	ike_sk_clear(&tx);
	t_ok(tx.ekey_len == 0 && tx.ekey[0] == 0 && tx.akey[0] == 0, "sk: %s keys wiped", c->name);
	ike_sk_clear(&rx);
	ike_sk_clear(&wrong);
}

void test_sk(void)
{
	static const struct sk_case cases[] = {
		{ "AES-GCM-16-128", IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE },
		{ "AES-GCM-16-256", IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE },
		{ "AES-CBC-128/HMAC-SHA2-256-128", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128 },
		{ "AES-CBC-256/HMAC-SHA2-256-128", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128 },
		{ "ChaCha20-Poly1305", IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE },
	};
	struct ike_sk_ctx c;
	struct ike_err err;
	uint8_t key[36] = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		sk_roundtrip(&cases[i]);
	t_ok(ike_sk_encr_key_len(IKE_ENCR_AES_GCM_16, 128) == 20 &&
	     ike_sk_encr_key_len(IKE_ENCR_AES_GCM_16, 256) == 36 &&
	     ike_sk_encr_key_len(IKE_ENCR_AES_CBC, 256) == 32 &&
	     ike_sk_integ_key_len(IKE_INTEG_HMAC_SHA2_256_128) == 32,
	     "sk: key lengths (GCM includes the 4-octet salt)");
	t_ok(ike_sk_init(&c, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_HMAC_SHA2_256_128, key, 20,
			 key, 32, &err) == -1 && strstr(err.msg, "AEAD"),
	     "sk: AEAD with an INTEG transform refused (%s)", err.msg);
	t_ok(ike_sk_init(&c, IKE_ENCR_AES_CBC, 128, IKE_INTEG_NONE, key, 16, NULL, 0, &err) == -1,
	     "sk: AES-CBC without integrity refused (%s)", err.msg);
	t_ok(ike_sk_init(&c, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, key, 16, NULL, 0, &err) == -1 &&
	     strstr(err.msg, "expected 20"), "sk: GCM key without salt refused (%s)", err.msg);
}
