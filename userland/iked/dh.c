// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * dh.c - IKEv2 Diffie-Hellman on OpenSSL 3 EVP_PKEY: groups 14, 19, 20, 31.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "dh.h"
#include "ike.h"

/* How a group's public values are made and checked (RFC 6989). */
enum dh_kind { DH_MODP, DH_ECP, DH_X25519 };

/**
 * struct dh_group - a Diffie-Hellman group espiked supports
 * @group: IANA Transform ID (transform type 4)
 * @kind: MODP, ECP or X25519
 * @name: strongSwan's name, as written in proposals
 * @ossl: OpenSSL key type or group name
 * @pub_len: octets of a KE payload's key exchange data
 * @shared_len: octets of the shared secret g^ir
 */
struct dh_group {
	uint16_t group;
	enum dh_kind kind;
	const char *name;
	const char *ossl;
	size_t pub_len;
	size_t shared_len;
};

static const struct dh_group groups[] = {
	{ IKE_DH_MODP2048,   DH_MODP,	"modp2048", "modp_2048", 256, 256 },
	{ IKE_DH_ECP256,     DH_ECP,	"ecp256",   "P-256",	  64,  32 },
	{ IKE_DH_ECP384,     DH_ECP,	"ecp384",   "P-384",	  96,  48 },
	{ IKE_DH_CURVE25519, DH_X25519, "x25519",   "X25519",	  32,  32 },
};

/**
 * struct ike_dh - one Diffie-Hellman key pair
 * @g: its group
 * @pkey: OpenSSL key holding the private value
 */
struct ike_dh {
	const struct dh_group *g;
	EVP_PKEY *pkey;
};

static const struct dh_group *group_get(uint16_t group)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].group == group)
			return &groups[i];
	return NULL;
}

const char *ike_dh_name(uint16_t group)
{
	const struct dh_group *g = group_get(group);

	return g ? g->name : NULL;
}

size_t ike_dh_pub_len(uint16_t group)
{
	const struct dh_group *g = group_get(group);

	return g ? g->pub_len : 0;
}

size_t ike_dh_shared_len(uint16_t group)
{
	const struct dh_group *g = group_get(group);

	return g ? g->shared_len : 0;
}

uint16_t ike_dh_group(const struct ike_dh *dh)
{
	return dh->g->group;
}

static const char *key_type(const struct dh_group *g)
{
	return g->kind == DH_MODP ? "DH" : g->kind == DH_ECP ? "EC" : "X25519";
}

struct ike_dh *ike_dh_new(uint16_t group, char *err, size_t errlen)
{
	const struct dh_group *g = group_get(group);
	EVP_PKEY_CTX *ctx = NULL;
	struct ike_dh *dh = NULL;
	OSSL_PARAM params[2];

	if (!g) {
		ike_errf(err, errlen, "DH group %u is not supported", group);
		return NULL;
	}
	ctx = EVP_PKEY_CTX_new_from_name(NULL, key_type(g), NULL);
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0)
		goto fail;
	if (g->kind != DH_X25519) {
		params[0] = OSSL_PARAM_construct_utf8_string(
			OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->ossl, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (EVP_PKEY_CTX_set_params(ctx, params) <= 0)
			goto fail;
	}
	dh = calloc(1, sizeof(*dh));
	if (!dh)
		goto fail;
	dh->g = g;
	if (EVP_PKEY_generate(ctx, &dh->pkey) <= 0)
		goto fail;
	EVP_PKEY_CTX_free(ctx);
	return dh;
fail:
	ike_errf(err, errlen, "DH group %u (%s): key generation failed", group, g->name);
	ike_dh_free(dh);
	EVP_PKEY_CTX_free(ctx);
	return NULL;
}

/* EVP_PKEY from parameters: group name, optional private BN and public. */
static EVP_PKEY *pkey_fromdata(const struct dh_group *g, const BIGNUM *priv,
			       const BIGNUM *pub_bn, const uint8_t *pub_oct,
			       size_t pub_oct_len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if (!bld ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->ossl, 0) ||
	    (priv && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)) ||
	    (pub_bn && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub_bn)) ||
	    (pub_oct && !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
							  pub_oct, pub_oct_len)))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, key_type(g), NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0)
		goto out;
	if (EVP_PKEY_fromdata(ctx, &pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
			      params) <= 0)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);	/* may hold the private key: */
	OSSL_PARAM_BLD_free(bld);	/* both are cleansed by OpenSSL */
	return pkey;
}

/* MODP: 1 < y < p-1 (RFC 6989 2.1). */
static int modp_check(const uint8_t *peer, size_t len, char *err, size_t errlen)
{
	BIGNUM *y = BN_bin2bn(peer, (int)len, NULL);
	BIGNUM *p = BN_get_rfc3526_prime_2048(NULL);
	int ret = -1;

	if (!y || !p || !BN_sub_word(p, 1)) {
		ike_errf(err, errlen, "MODP 2048: out of memory");
		goto out;
	}
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, p) >= 0) {
		ike_errf(err, errlen, "MODP 2048: peer public value is not in 1 < y < p-1");
		goto out;
	}
	ret = 0;
out:
	BN_free(y);
	BN_free(p);
	return ret;
}

/* The peer's public value as an EVP_PKEY, validated; NULL with @err. */
static EVP_PKEY *peer_key(const struct dh_group *g, const uint8_t *peer,
			  size_t len, char *err, size_t errlen)
{
	uint8_t oct[1 + 2 * 48];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *y = NULL;

	if (len != g->pub_len) {
		ike_errf(err, errlen, "DH group %u (%s): KE data of %zu octets, expected %zu",
		       g->group, g->name, len, g->pub_len);
		return NULL;
	}
	switch (g->kind) {
	case DH_MODP:
		if (modp_check(peer, len, err, errlen))
			return NULL;
		y = BN_bin2bn(peer, (int)len, NULL);
		if (y)
			pkey = pkey_fromdata(g, NULL, y, NULL, 0);
		BN_free(y);
		break;
	case DH_ECP:
		oct[0] = 0x04;	/* uncompressed point */
		memcpy(oct + 1, peer, len);
		pkey = pkey_fromdata(g, NULL, NULL, oct, 1 + len);
		if (!pkey) {
			ike_errf(err, errlen, "DH group %u (%s): peer public value is not a point on the curve",
			       g->group, g->name);
			return NULL;
		}
		break;
	case DH_X25519:
		pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer, len);
		break;
	}
	if (!pkey) {
		ike_errf(err, errlen, "DH group %u (%s): cannot import peer public value",
		       g->group, g->name);
		return NULL;
	}
	if (g->kind != DH_X25519) {
		/* Full public key check: on the curve, not infinity, range. */
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
		if (!ctx || EVP_PKEY_public_check(ctx) <= 0) {
			ike_errf(err, errlen, "DH group %u (%s): peer public value fails validation",
			       g->group, g->name);
			EVP_PKEY_free(pkey);
			pkey = NULL;
		}
		EVP_PKEY_CTX_free(ctx);
	}
	return pkey;
}

int ike_dh_check_peer(uint16_t group, const uint8_t *peer, size_t len,
		      char *err, size_t errlen)
{
	const struct dh_group *g = group_get(group);
	EVP_PKEY *pkey;

	if (!g)
		return ike_errf(err, errlen, "DH group %u is not supported", group);
	pkey = peer_key(g, peer, len, err, errlen);
	if (!pkey)
		return -1;
	EVP_PKEY_free(pkey);
	return 0;
}

struct ike_dh *ike_dh_from_private(uint16_t group, const uint8_t *priv,
				   size_t privlen, const uint8_t *pub,
				   size_t publen, char *err, size_t errlen)
{
	const struct dh_group *g = group_get(group);
	uint8_t oct[1 + 2 * 48];
	struct ike_dh *dh;
	BIGNUM *x = NULL, *y = NULL;
	EVP_PKEY_CTX *ctx = NULL;

	if (!g) {
		ike_errf(err, errlen, "DH group %u is not supported", group);
		return NULL;
	}
	dh = calloc(1, sizeof(*dh));
	if (!dh)
		return NULL;
	dh->g = g;
	if (g->kind == DH_X25519) {
		dh->pkey = privlen == 32 ?
			EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, 32) : NULL;
		if (!dh->pkey)
			goto fail;
		return dh;
	}
	if (!pub || publen != g->pub_len)
		goto fail;
	x = BN_secure_new();
	if (!x || !BN_bin2bn(priv, (int)privlen, x))
		goto fail;
	if (g->kind == DH_MODP) {
		y = BN_bin2bn(pub, (int)publen, NULL);
		if (!y)
			goto fail;
		dh->pkey = pkey_fromdata(g, x, y, NULL, 0);
	} else {
		oct[0] = 0x04;
		memcpy(oct + 1, pub, publen);
		dh->pkey = pkey_fromdata(g, x, NULL, oct, 1 + publen);
	}
	if (!dh->pkey)
		goto fail;
	/* The public value must belong to the private one. */
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->pkey, NULL);
	if (!ctx || EVP_PKEY_pairwise_check(ctx) <= 0)
		goto fail;
	EVP_PKEY_CTX_free(ctx);
	BN_clear_free(x);
	BN_free(y);
	return dh;
fail:
	ike_errf(err, errlen, "DH group %u (%s): invalid private/public key pair",
	       group, g->name);
	EVP_PKEY_CTX_free(ctx);
	BN_clear_free(x);
	BN_free(y);
	ike_dh_free(dh);
	return NULL;
}

long ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t cap)
{
	const struct dh_group *g = dh->g;
	uint8_t oct[1 + 2 * 48];
	size_t len = 0;
	BIGNUM *y = NULL;
	long ret = -1;

	if (cap < g->pub_len)
		return -1;
	switch (g->kind) {
	case DH_MODP:
		if (EVP_PKEY_get_bn_param(dh->pkey, OSSL_PKEY_PARAM_PUB_KEY, &y) &&
		    BN_bn2binpad(y, out, (int)g->pub_len) == (int)g->pub_len)
			ret = (long)g->pub_len;
		BN_free(y);
		break;
	case DH_ECP:
		if (EVP_PKEY_get_octet_string_param(dh->pkey,
				OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
				oct, sizeof(oct), &len) &&
		    len == 1 + g->pub_len && oct[0] == 0x04) {
			memcpy(out, oct + 1, g->pub_len);
			ret = (long)g->pub_len;
		}
		break;
	case DH_X25519:
		len = cap;
		if (EVP_PKEY_get_raw_public_key(dh->pkey, out, &len) && len == 32)
			ret = 32;
		break;
	}
	return ret;
}

static int all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

long ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t len,
		   uint8_t *out, size_t cap, char *err, size_t errlen)
{
	const struct dh_group *g = dh->g;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey;
	size_t outl = cap;
	long ret = -1;

	if (cap < g->shared_len)
		return ike_errf(err, errlen, "DH group %u: output buffer too small", g->group);
	pkey = peer_key(g, peer, len, err, errlen);
	if (!pkey)
		return -1;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->pkey, NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) <= 0 ||
	    (g->kind == DH_MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0) ||
	    EVP_PKEY_derive_set_peer(ctx, pkey) <= 0 ||
	    EVP_PKEY_derive(ctx, out, &outl) <= 0 || outl != g->shared_len) {
		ike_errf(err, errlen, g->kind == DH_X25519 ?
		       "DH group %u (%s): cannot derive the shared secret (low-order peer value)" :
		       "DH group %u (%s): cannot derive the shared secret",
		       g->group, g->name);
		goto out;
	}
	if (all_zero(out, outl)) {
		/* RFC 7748 6.1 / RFC 8031 2.3: a low-order point. */
		ike_errf(err, errlen, "DH group %u (%s): shared secret is all zero",
		       g->group, g->name);
		OPENSSL_cleanse(out, outl);
		goto out;
	}
	ret = (long)outl;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ret;
}

void ike_dh_free(struct ike_dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->pkey);	/* private key material is cleansed */
	free(dh);
}
