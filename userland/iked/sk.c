// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * sk.c - Encrypted payload protection (RFC 7296 3.14, RFC 5282, RFC 7634).
 *
 * Layout of the SK payload body: IV | ciphertext | ICV, where the
 * plaintext is: inner payloads | padding | Pad Length (1 octet).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sk.h"

#define AEAD_SALT_LEN	4
#define AEAD_IV_LEN	8
#define AEAD_ICV_LEN	16

__attribute__((format(printf, 2, 3)))
static int sk_fail(struct ike_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->notify = 0;	/* never answer a message that fails here */
		err->data = 0;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const EVP_CIPHER *sk_cipher(uint16_t encr, uint16_t keylen)
{
	switch (encr) {
	case IKE_ENCR_AES_CBC:
		return keylen == 128 ? EVP_aes_128_cbc() :
		       keylen == 192 ? EVP_aes_192_cbc() :
		       keylen == 256 ? EVP_aes_256_cbc() : NULL;
	case IKE_ENCR_AES_GCM_16:
		return keylen == 128 ? EVP_aes_128_gcm() :
		       keylen == 192 ? EVP_aes_192_gcm() :
		       keylen == 256 ? EVP_aes_256_gcm() : NULL;
	case IKE_ENCR_CHACHA20_POLY1305:
		return keylen == 0 || keylen == 256 ? EVP_chacha20_poly1305() : NULL;
	default:
		return NULL;
	}
}

static int sk_is_aead(uint16_t encr)
{
	return encr == IKE_ENCR_AES_GCM_16 || encr == IKE_ENCR_CHACHA20_POLY1305;
}

size_t ike_sk_encr_key_len(uint16_t encr, uint16_t keylen)
{
	if (!sk_cipher(encr, keylen))
		return 0;
	if (encr == IKE_ENCR_CHACHA20_POLY1305)
		return 32 + AEAD_SALT_LEN;
	return keylen / 8 + (sk_is_aead(encr) ? AEAD_SALT_LEN : 0);
}

/* HMAC digest and truncated ICV length for an INTEG transform. */
static const char *integ_md(uint16_t integ, size_t *icv, size_t *keylen)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA2_256_128:
		*icv = 16, *keylen = 32;
		return "SHA256";
	case IKE_INTEG_HMAC_SHA2_384_192:
		*icv = 24, *keylen = 48;
		return "SHA384";
	case IKE_INTEG_HMAC_SHA2_512_256:
		*icv = 32, *keylen = 64;
		return "SHA512";
	default:
		return NULL;
	}
}

size_t ike_sk_integ_key_len(uint16_t integ)
{
	size_t icv, klen;

	return integ_md(integ, &icv, &klen) ? klen : 0;
}

int ike_sk_init(struct ike_sk_ctx *c, uint16_t encr, uint16_t keylen,
		uint16_t integ, const uint8_t *ekey, size_t ekey_len,
		const uint8_t *akey, size_t akey_len, struct ike_err *err)
{
	size_t want = ike_sk_encr_key_len(encr, keylen);

	memset(c, 0, sizeof(*c));
	if (!want)
		return sk_fail(err, "SK: ENCR transform %u with key length %u is not supported",
			       encr, keylen);
	if (ekey_len != want)
		return sk_fail(err, "SK: encryption key of %zu octets, expected %zu",
			       ekey_len, want);
	c->encr = encr;
	c->keylen = encr == IKE_ENCR_CHACHA20_POLY1305 ? 256 : keylen;
	c->integ = integ;
	c->aead = sk_is_aead(encr);
	if (c->aead) {
		if (integ != IKE_INTEG_NONE)
			return sk_fail(err, "SK: AEAD cipher with INTEG transform %u", integ);
		c->iv_len = AEAD_IV_LEN;
		c->icv_len = AEAD_ICV_LEN;
		c->block = 1;
	} else {
		size_t klen;

		if (!integ_md(integ, &c->icv_len, &klen))
			return sk_fail(err, "SK: INTEG transform %u is not supported", integ);
		if (akey_len != klen)
			return sk_fail(err, "SK: integrity key of %zu octets, expected %zu",
				       akey_len, klen);
		memcpy(c->akey, akey, akey_len);
		c->akey_len = akey_len;
		c->iv_len = 16;
		c->block = 16;
	}
	memcpy(c->ekey, ekey, ekey_len);
	c->ekey_len = ekey_len;
	return 0;
}

void ike_sk_clear(struct ike_sk_ctx *c)
{
	OPENSSL_cleanse(c, sizeof(*c));
}

static int hmac_icv(const struct ike_sk_ctx *c, const uint8_t *data,
		    size_t len, uint8_t *icv)
{
	uint8_t full[64];
	size_t icvlen, klen, outl = 0;
	const char *md = integ_md(c->integ, &icvlen, &klen);

	if (!md || !EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, c->akey,
			      c->akey_len, data, len, full, sizeof(full), &outl))
		return -1;
	memcpy(icv, full, c->icv_len);
	OPENSSL_cleanse(full, sizeof(full));
	return 0;
}

/*
 * One pass of the cipher. For AEAD: @aad is authenticated and @tag is
 * produced (encrypt) or checked (decrypt). For CBC: no padding by OpenSSL.
 */
static int cipher_run(const struct ike_sk_ctx *c, int enc, const uint8_t *iv,
		      const uint8_t *aad, size_t aadlen, const uint8_t *in,
		      size_t len, uint8_t *out, uint8_t *tag)
{
	const EVP_CIPHER *cipher = sk_cipher(c->encr, c->keylen);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t nonce[AEAD_SALT_LEN + AEAD_IV_LEN];
	const uint8_t *ivp = iv;
	int outl, ret = -1;

	if (!ctx || !cipher)
		goto free_ctx;
	if (c->aead) {
		memcpy(nonce, c->ekey + c->ekey_len - AEAD_SALT_LEN, AEAD_SALT_LEN);
		memcpy(nonce + AEAD_SALT_LEN, iv, AEAD_IV_LEN);
		ivp = nonce;
	}
	if (!EVP_CipherInit_ex(ctx, cipher, NULL, c->ekey, ivp, enc))
		goto free_ctx;
	if (!c->aead)
		EVP_CIPHER_CTX_set_padding(ctx, 0);
	if (c->aead && aadlen &&
	    !EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aadlen))
		goto free_ctx;
	if (len && !EVP_CipherUpdate(ctx, out, &outl, in, (int)len))
		goto free_ctx;
	if (c->aead && !enc &&
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, AEAD_ICV_LEN, (void *)tag))
		goto free_ctx;
	if (!EVP_CipherFinal_ex(ctx, out + len, &outl))
		goto free_ctx;	/* AEAD: tag mismatch */
	if (c->aead && enc &&
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, AEAD_ICV_LEN, tag))
		goto free_ctx;
	ret = 0;
free_ctx:
	OPENSSL_cleanse(nonce, sizeof(nonce));
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

/*
 * Encrypt and protect @plen octets of @plain into the body reserved at
 * @off of the message in @b (IV | ciphertext | ICV, @ctlen octets of
 * ciphertext with @padlen of padding); everything before @off is the
 * associated data. Returns the message length or -1 with @err.
 */
static long sk_seal(struct ike_sk_ctx *c, struct ike_builder *b, long off,
		    const uint8_t *plain, size_t plen, size_t padlen, struct ike_err *err)
{
	size_t ctlen = plen + padlen + 1;
	uint8_t *body, *iv, *ct, *icv;
	long total;

	if (off < 0)
		return sk_fail(err, "SK: message buffer too small for %zu octets of payloads",
			       plen);
	total = ike_build_finish(b);
	if (total < 0)
		return sk_fail(err, "SK: message could not be built");
	body = b->buf + off;
	iv = body;
	ct = body + c->iv_len;
	icv = ct + ctlen;

	if (c->aead) {
		uint64_t n = c->iv_counter++;

		for (int i = AEAD_IV_LEN - 1; i >= 0; i--, n >>= 8)
			iv[i] = n & 0xff;
	} else if (RAND_bytes(iv, (int)c->iv_len) != 1) {
		return sk_fail(err, "SK: no random IV");
	}
	memmove(ct, plain, plen);
	memset(ct + plen, 0, padlen);
	ct[plen + padlen] = (uint8_t)padlen;

	if (c->aead) {
		/* AAD: IKE header through the SK generic payload header (SKF: and its fields) */
		if (cipher_run(c, 1, iv, b->buf, (size_t)off, ct, ctlen, ct, icv))
			return sk_fail(err, "SK: encryption failed");
	} else {
		if (cipher_run(c, 1, iv, NULL, 0, ct, ctlen, ct, NULL) ||
		    hmac_icv(c, b->buf, (size_t)total - c->icv_len, icv))
			return sk_fail(err, "SK: encryption failed");
	}
	return total;
}

long ike_sk_protect(struct ike_sk_ctx *c, struct ike_builder *b,
		    uint8_t first, const uint8_t *plain, size_t plen,
		    struct ike_err *err)
{
	size_t padlen = (c->block - (plen + 1) % c->block) % c->block;

	if (!c->ekey_len)
		return sk_fail(err, "SK: no keys");
	return sk_seal(c, b, ike_build_sk_reserve(b, first, ike_sk_body_len(c, plen)),
		       plain, plen, padlen, err);
}

long ike_sk_protect_frag(struct ike_sk_ctx *c, struct ike_builder *b, uint8_t first,
			 uint16_t num, uint16_t total, const uint8_t *plain, size_t plen,
			 struct ike_err *err)
{
	size_t padlen = (c->block - (plen + 1) % c->block) % c->block;

	if (!c->ekey_len)
		return sk_fail(err, "SK: no keys");
	return sk_seal(c, b, ike_build_skf_reserve(b, first, num, total,
						   ike_sk_body_len(c, plen)),
		       plain, plen, padlen, err);
}

size_t ike_sk_body_len(const struct ike_sk_ctx *c, size_t plen)
{
	size_t padlen = (c->block - (plen + 1) % c->block) % c->block;

	return c->iv_len + plen + padlen + 1 + c->icv_len;
}

long ike_sk_unprotect(const struct ike_sk_ctx *c, const struct ike_msg *m,
		      uint8_t *out, size_t cap, struct ike_err *err)
{
	const uint8_t *body = m->sk.body.p, *iv, *ct, *icv;
	size_t blen = m->sk.body.len, ctlen, aadlen, padlen;
	const char *pl = m->sk.frag ? "SKF" : "SK";
	uint8_t mac[64];

	if (!(m->present & (IKE_HAS(IKE_PL_SK) | IKE_HAS(IKE_PL_SKF))) || !body)
		return sk_fail(err, "SK: message has no SK or SKF payload");
	if (!c->ekey_len)
		return sk_fail(err, "SK: no keys");
	if (blen < c->iv_len + c->icv_len + c->block)
		return sk_fail(err, "%s payload: %zu octets, too short for IV, one block and ICV", pl,
			       blen);
	iv = body;
	ct = body + c->iv_len;
	ctlen = blen - c->iv_len - c->icv_len;
	icv = ct + ctlen;
	if (ctlen % c->block)
		return sk_fail(err, "%s payload: ciphertext of %zu octets is not a multiple of the %zu-octet block", pl,
			       ctlen, c->block);
	if (ctlen > cap)
		return sk_fail(err, "%s payload: %zu octets of ciphertext exceed the %zu-octet buffer", pl,
			       ctlen, cap);
	aadlen = (size_t)(body - m->raw);

	if (c->aead) {
		if (cipher_run(c, 0, iv, m->raw, aadlen, ct, ctlen, out, (uint8_t *)icv)) {
			OPENSSL_cleanse(out, ctlen);
			return sk_fail(err, "%s payload: integrity check failed (%s ICV mismatch)", pl,
				       c->encr == IKE_ENCR_AES_GCM_16 ? "AES-GCM" : "ChaCha20-Poly1305");
		}
	} else {
		/* Integrity first, over everything up to the ICV. */
		if (hmac_icv(c, m->raw, m->rawlen - c->icv_len, mac))
			return sk_fail(err, "%s payload: HMAC failed", pl);
		if (CRYPTO_memcmp(mac, icv, c->icv_len)) {
			OPENSSL_cleanse(mac, sizeof(mac));
			return sk_fail(err, "%s payload: integrity check failed (HMAC ICV mismatch)", pl);
		}
		OPENSSL_cleanse(mac, sizeof(mac));
		if (cipher_run(c, 0, iv, NULL, 0, ct, ctlen, out, NULL)) {
			OPENSSL_cleanse(out, ctlen);
			return sk_fail(err, "%s payload: decryption failed", pl);
		}
	}
	padlen = out[ctlen - 1];
	if (padlen + 1 > ctlen) {
		OPENSSL_cleanse(out, ctlen);
		return sk_fail(err, "%s payload: Pad Length %zu exceeds the %zu octets of plaintext", pl,
			       padlen, ctlen);
	}
	return (long)(ctlen - padlen - 1);
}

int ike_sk_open(const struct ike_sk_ctx *c, struct ike_msg *m,
		uint8_t *out, size_t cap, struct ike_err *err)
{
	long len;

	if (m->sk.frag)
		return sk_fail(err, "SKF payload: fragment %u of %u is to be reassembled, not opened alone",
			       m->sk.frag_num, m->sk.frag_total);
	len = ike_sk_unprotect(c, m, out, cap, err);
	if (len < 0)
		return -1;
	return ike_msg_parse_inner(m, m->sk.first, out, (size_t)len, err);
}
