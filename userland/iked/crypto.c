// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * crypto.c - IKEv2 PRF, prf+ and key derivation on OpenSSL 3 EVP_MAC.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "ike.h"

static const struct ike_prf_alg prf_algs[] = {
	{ IKE_PRF_HMAC_SHA1,	 "prfsha1",   "SHA1",	20 },
	{ IKE_PRF_HMAC_SHA2_256, "prfsha256", "SHA256", 32 },
	{ IKE_PRF_HMAC_SHA2_384, "prfsha384", "SHA384", 48 },
	{ IKE_PRF_HMAC_SHA2_512, "prfsha512", "SHA512", 64 },
};

const struct ike_prf_alg *ike_prf_get(uint16_t id)
{
	for (size_t i = 0; i < sizeof(prf_algs) / sizeof(prf_algs[0]); i++)
		if (prf_algs[i].id == id)
			return &prf_algs[i];
	return NULL;
}

/* HMAC over the concatenation of up to four parts. */
struct part {
	const uint8_t *p;
	size_t len;
};

static EVP_MAC *hmac_mac(void)
{
	/* Fetched once, kept for the life of the process. */
	static EVP_MAC *mac;

	if (!mac)
		mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	return mac;
}

static int hmac_parts(const struct ike_prf_alg *a, const uint8_t *key,
		      size_t klen, const struct part *parts, unsigned int n,
		      uint8_t *out)
{
	static const uint8_t empty_key[1];
	OSSL_PARAM params[2];
	EVP_MAC *mac = hmac_mac();
	EVP_MAC_CTX *ctx;
	size_t outl = 0;
	int ret = -1;

	if (!a || !mac)
		return -1;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)a->md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, klen ? key : empty_key, klen, params))
		goto free_ctx;
	for (unsigned int i = 0; i < n; i++)
		if (parts[i].len && !EVP_MAC_update(ctx, parts[i].p, parts[i].len))
			goto free_ctx;
	if (!EVP_MAC_final(ctx, out, &outl, a->len) || outl != a->len)
		goto free_ctx;
	ret = 0;
free_ctx:
	EVP_MAC_CTX_free(ctx);	/* the context's key copy is cleansed */
	return ret;
}

int ike_prf(const struct ike_prf_alg *a, const uint8_t *key, size_t klen,
	    const uint8_t *data, size_t dlen, uint8_t *out)
{
	struct part p = { data, dlen };

	return hmac_parts(a, key, klen, &p, 1, out);
}

int ike_prf_plus(const struct ike_prf_alg *a, const uint8_t *key, size_t klen,
		 const uint8_t *seed, size_t slen, uint8_t *out, size_t outlen)
{
	uint8_t t[IKE_PRF_MAX_LEN];
	uint8_t counter;
	size_t done = 0;
	int ret = -1;

	if (!a || outlen > 255 * a->len)
		return -1;
	for (counter = 1; done < outlen; counter++) {
		/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n) */
		struct part parts[3] = {
			{ t, counter == 1 ? 0 : a->len },
			{ seed, slen },
			{ &counter, 1 },
		};
		size_t take;

		if (hmac_parts(a, key, klen, parts, 3, t))
			goto wipe;
		take = outlen - done < a->len ? outlen - done : a->len;
		memcpy(out + done, t, take);
		done += take;
	}
	ret = 0;
wipe:
	OPENSSL_cleanse(t, sizeof(t));
	if (ret)
		OPENSSL_cleanse(out, outlen);
	return ret;
}

int ike_skeyseed(const struct ike_prf_alg *a,
		 const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
		 const uint8_t *gir, size_t girlen, uint8_t *out)
{
	uint8_t key[2 * IKE_NONCE_MAX];
	struct part p = { gir, girlen };
	int ret;

	if (nilen > IKE_NONCE_MAX || nrlen > IKE_NONCE_MAX)
		return -1;
	memcpy(key, ni, nilen);
	memcpy(key + nilen, nr, nrlen);
	ret = hmac_parts(a, key, nilen + nrlen, &p, 1, out);
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

int ike_skeyseed_rekey(const struct ike_prf_alg *old_prf,
		       const uint8_t *sk_d, size_t sk_d_len,
		       const uint8_t *gir, size_t girlen,
		       const uint8_t *ni, size_t nilen,
		       const uint8_t *nr, size_t nrlen, uint8_t *out)
{
	struct part p[3] = { { gir, girlen }, { ni, nilen }, { nr, nrlen } };

	return hmac_parts(old_prf, sk_d, sk_d_len, p, 3, out);
}

int ike_derive_keys(const struct ike_prf_alg *a, const uint8_t *skeyseed,
		    const uint8_t *ni, size_t nilen,
		    const uint8_t *nr, size_t nrlen,
		    const uint8_t spi_i[8], const uint8_t spi_r[8],
		    size_t integ_len, size_t encr_len, struct ike_keys *k)
{
	uint8_t seed[2 * IKE_NONCE_MAX + 16];
	uint8_t km[3 * IKE_PRF_MAX_LEN + 4 * IKE_KEY_MAX_LEN];
	size_t slen, total, off = 0;
	int ret = -1;

	memset(k, 0, sizeof(*k));
	if (!a || nilen > IKE_NONCE_MAX || nrlen > IKE_NONCE_MAX ||
	    integ_len > IKE_KEY_MAX_LEN || encr_len > IKE_KEY_MAX_LEN)
		return -1;
	memcpy(seed, ni, nilen);
	memcpy(seed + nilen, nr, nrlen);
	memcpy(seed + nilen + nrlen, spi_i, 8);
	memcpy(seed + nilen + nrlen + 8, spi_r, 8);
	slen = nilen + nrlen + 16;
	total = 3 * a->len + 2 * integ_len + 2 * encr_len;
	if (ike_prf_plus(a, skeyseed, a->len, seed, slen, km, total))
		goto wipe;

	k->prf_len = a->len;
	k->integ_len = integ_len;
	k->encr_len = encr_len;
	memcpy(k->sk_d, km + off, a->len);	off += a->len;
	memcpy(k->sk_ai, km + off, integ_len);	off += integ_len;
	memcpy(k->sk_ar, km + off, integ_len);	off += integ_len;
	memcpy(k->sk_ei, km + off, encr_len);	off += encr_len;
	memcpy(k->sk_er, km + off, encr_len);	off += encr_len;
	memcpy(k->sk_pi, km + off, a->len);	off += a->len;
	memcpy(k->sk_pr, km + off, a->len);
	ret = 0;
wipe:
	OPENSSL_cleanse(km, sizeof(km));
	OPENSSL_cleanse(seed, sizeof(seed));
	return ret;
}

void ike_keys_clear(struct ike_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

int ike_child_keymat(const struct ike_prf_alg *a,
		     const uint8_t *sk_d, size_t sk_d_len,
		     const uint8_t *gir, size_t girlen,
		     const uint8_t *ni, size_t nilen,
		     const uint8_t *nr, size_t nrlen,
		     uint8_t *out, size_t outlen)
{
	/* g^ir is at most 512 octets (MODP 4096); we use up to 256. */
	uint8_t seed[512 + 2 * IKE_NONCE_MAX];
	size_t slen = 0;
	int ret;

	if (!gir)
		girlen = 0;
	if (girlen > 512 || nilen > IKE_NONCE_MAX || nrlen > IKE_NONCE_MAX)
		return -1;
	if (girlen)
		memcpy(seed, gir, girlen);
	slen = girlen;
	memcpy(seed + slen, ni, nilen);
	slen += nilen;
	memcpy(seed + slen, nr, nrlen);
	slen += nrlen;
	ret = ike_prf_plus(a, sk_d, sk_d_len, seed, slen, out, outlen);
	OPENSSL_cleanse(seed, sizeof(seed));
	return ret;
}

long ike_auth_octets(const struct ike_prf_alg *a,
		     const uint8_t *msg, size_t msglen,
		     const uint8_t *nonce, size_t noncelen,
		     const uint8_t *sk_p, size_t sk_p_len,
		     const uint8_t *id_body, size_t idlen,
		     uint8_t *out, size_t cap)
{
	if (!a || msglen > cap || noncelen > cap - msglen ||
	    a->len > cap - msglen - noncelen)
		return -1;
	memcpy(out, msg, msglen);
	memcpy(out + msglen, nonce, noncelen);
	if (ike_prf(a, sk_p, sk_p_len, id_body, idlen, out + msglen + noncelen))
		return -1;
	return (long)(msglen + noncelen + a->len);
}

int ike_psk_auth(const struct ike_prf_alg *a,
		 const uint8_t *psk, size_t psklen,
		 const uint8_t *octets, size_t olen, uint8_t *out)
{
	static const char keypad[] = "Key Pad for IKEv2";	/* no NUL */
	uint8_t inner[IKE_PRF_MAX_LEN];
	int ret;

	if (!a)
		return -1;
	ret = ike_prf(a, psk, psklen, (const uint8_t *)keypad,
		      sizeof(keypad) - 1, inner);
	if (!ret)
		ret = ike_prf(a, inner, a->len, octets, olen, out);
	OPENSSL_cleanse(inner, sizeof(inner));
	return ret;
}

int ike_nat_hash(const uint8_t spi_i[8], const uint8_t spi_r[8],
		 const uint8_t *addr, size_t alen, uint16_t port,
		 uint8_t out[20])
{
	uint8_t buf[16 + 16 + 2];
	unsigned int outl = 0;

	if (alen != 4 && alen != 16)
		return -1;
	memcpy(buf, spi_i, 8);
	memcpy(buf + 8, spi_r, 8);
	memcpy(buf + 16, addr, alen);
	buf[16 + alen] = port >> 8;
	buf[17 + alen] = port & 0xff;
	if (!EVP_Digest(buf, 18 + alen, out, &outl, EVP_sha1(), NULL) ||
	    outl != 20)
		return -1;
	return 0;
}

int ike_memeq_ct(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) ? -1 : 0;
}
