// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * sig.c - AUTH payload signatures (RFC 7427, RFC 8420, RFC 4754, RFC 7296
 * 3.8) on OpenSSL 3 EVP_DigestSign/EVP_DigestVerify.
 *
 * The AlgorithmIdentifiers are fixed DER strings: what we send is always
 * one of them, and what the peer sends must match one of them octet for
 * octet. For RSASSA-PSS and PKCS#1 v1.5 both encodings of the hash
 * parameters (NULL present, RFC 4055, or absent) are accepted.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "ike.h"
#include "sig.h"

#define OID_SHA(n)	0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, n
#define OID_PKCS1(n)	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, n
/* RSASSA-PSS, hash n, MGF1 with hash n, salt s octets; hash params NULL */
#define PSS(n, s) { 0x30, 0x41, OID_PKCS1(0x0a), 0x30, 0x34, \
	0xa0, 0x0f, 0x30, 0x0d, OID_SHA(n), 0x05, 0x00, \
	0xa1, 0x1c, 0x30, 0x1a, OID_PKCS1(0x08), 0x30, 0x0d, OID_SHA(n), 0x05, 0x00, \
	0xa2, 0x03, 0x02, 0x01, s }
/* the same with the hash parameters absent */
#define PSS_NOPARAM(n, s) { 0x30, 0x3d, OID_PKCS1(0x0a), 0x30, 0x30, \
	0xa0, 0x0d, 0x30, 0x0b, OID_SHA(n), \
	0xa1, 0x1a, 0x30, 0x18, OID_PKCS1(0x08), 0x30, 0x0b, OID_SHA(n), \
	0xa2, 0x03, 0x02, 0x01, s }
#define ECDSA(n)	{ 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, n }
#define PKCS1(n)	{ 0x30, 0x0d, OID_PKCS1(n), 0x05, 0x00 }
#define PKCS1_NOPARAM(n) { 0x30, 0x0b, OID_PKCS1(n) }

static const uint8_t pss256[] = PSS(1, 32), pss384[] = PSS(2, 48), pss512[] = PSS(3, 64);
static const uint8_t pss256b[] = PSS_NOPARAM(1, 32), pss384b[] = PSS_NOPARAM(2, 48),
		     pss512b[] = PSS_NOPARAM(3, 64);
static const uint8_t ec256[] = ECDSA(2), ec384[] = ECDSA(3), ec512[] = ECDSA(4);
static const uint8_t rsa256[] = PKCS1(0x0b), rsa384[] = PKCS1(0x0c), rsa512[] = PKCS1(0x0d);
static const uint8_t rsa256b[] = PKCS1_NOPARAM(0x0b), rsa384b[] = PKCS1_NOPARAM(0x0c),
		     rsa512b[] = PKCS1_NOPARAM(0x0d);
static const uint8_t ed25519[] = { 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70 };

#define ALG(n, h, k, p, md, d) { n, h, k, p, md, d, sizeof(d) }
/* The first of each name is what we send. */
static const struct ike_sig_alg sig_algs[] = {
	ALG("rsa-pss-sha256", IKE_HASH_SHA2_256, IKE_SIG_KEY_RSA, true, "SHA256", pss256),
	ALG("rsa-pss-sha384", IKE_HASH_SHA2_384, IKE_SIG_KEY_RSA, true, "SHA384", pss384),
	ALG("rsa-pss-sha512", IKE_HASH_SHA2_512, IKE_SIG_KEY_RSA, true, "SHA512", pss512),
	ALG("ecdsa-sha256", IKE_HASH_SHA2_256, IKE_SIG_KEY_EC, false, "SHA256", ec256),
	ALG("ecdsa-sha384", IKE_HASH_SHA2_384, IKE_SIG_KEY_EC, false, "SHA384", ec384),
	ALG("ecdsa-sha512", IKE_HASH_SHA2_512, IKE_SIG_KEY_EC, false, "SHA512", ec512),
	ALG("ed25519", IKE_HASH_IDENTITY, IKE_SIG_KEY_ED25519, false, NULL, ed25519),
	ALG("rsa-sha256", IKE_HASH_SHA2_256, IKE_SIG_KEY_RSA, false, "SHA256", rsa256),
	ALG("rsa-sha384", IKE_HASH_SHA2_384, IKE_SIG_KEY_RSA, false, "SHA384", rsa384),
	ALG("rsa-sha512", IKE_HASH_SHA2_512, IKE_SIG_KEY_RSA, false, "SHA512", rsa512),
	/* accepted, never sent */
	ALG("rsa-pss-sha256", IKE_HASH_SHA2_256, IKE_SIG_KEY_RSA, true, "SHA256", pss256b),
	ALG("rsa-pss-sha384", IKE_HASH_SHA2_384, IKE_SIG_KEY_RSA, true, "SHA384", pss384b),
	ALG("rsa-pss-sha512", IKE_HASH_SHA2_512, IKE_SIG_KEY_RSA, true, "SHA512", pss512b),
	ALG("rsa-sha256", IKE_HASH_SHA2_256, IKE_SIG_KEY_RSA, false, "SHA256", rsa256b),
	ALG("rsa-sha384", IKE_HASH_SHA2_384, IKE_SIG_KEY_RSA, false, "SHA384", rsa384b),
	ALG("rsa-sha512", IKE_HASH_SHA2_512, IKE_SIG_KEY_RSA, false, "SHA512", rsa512b),
};
#define NALGS (sizeof(sig_algs) / sizeof(sig_algs[0]))

const char *ike_auth_method_name(uint8_t method)
{
	switch (method) {
	case IKE_AUTH_RSA_SIG:		return "RSA Digital Signature";
	case IKE_AUTH_SHARED_KEY_MIC:	return "Shared Key MIC";
	case IKE_AUTH_DSS_SIG:		return "DSS Digital Signature";
	case IKE_AUTH_ECDSA_256:	return "ECDSA P-256/SHA-256";
	case IKE_AUTH_ECDSA_384:	return "ECDSA P-384/SHA-384";
	case IKE_AUTH_ECDSA_521:	return "ECDSA P-521/SHA-512";
	case IKE_AUTH_DIGITAL_SIG:	return "Digital Signature";
	default:			return "unknown AUTH method";
	}
}

int ike_sig_key_kind(EVP_PKEY *key, char *err, size_t errlen)
{
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		return IKE_SIG_KEY_RSA;
	case EVP_PKEY_EC:
		return IKE_SIG_KEY_EC;
	case EVP_PKEY_ED25519:
		return IKE_SIG_KEY_ED25519;
	default:
		return ike_errf(err, errlen, "key type %s cannot sign IKE AUTH payloads (RSA, ECDSA or Ed25519 only)",
				EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown");
	}
}

const struct ike_sig_alg *ike_sig_alg_by_name(const char *name)
{
	for (size_t i = 0; i < NALGS; i++)
		if (!strcmp(sig_algs[i].name, name))
			return &sig_algs[i];
	return NULL;
}

/* The hash that goes with the key size: P-384 with SHA2-384 and so on. */
static uint8_t preferred_hash(EVP_PKEY *key, int kind)
{
	if (kind == IKE_SIG_KEY_ED25519)
		return IKE_HASH_IDENTITY;
	if (kind == IKE_SIG_KEY_EC && EVP_PKEY_get_bits(key) > 384)
		return IKE_HASH_SHA2_512;
	if (kind == IKE_SIG_KEY_EC && EVP_PKEY_get_bits(key) > 256)
		return IKE_HASH_SHA2_384;
	return IKE_HASH_SHA2_256;
}

static const struct ike_sig_alg *alg_for(int kind, uint8_t hash)
{
	for (size_t i = 0; i < NALGS; i++)
		if ((int)sig_algs[i].key == kind && sig_algs[i].hash == hash &&
		    (kind != IKE_SIG_KEY_RSA || sig_algs[i].pss))
			return &sig_algs[i];
	return NULL;
}

const struct ike_sig_alg *ike_sig_choose(EVP_PKEY *key, unsigned int peer_hashes,
					 char *err, size_t errlen)
{
	static const uint8_t order[] = { IKE_HASH_SHA2_256, IKE_HASH_SHA2_384, IKE_HASH_SHA2_512 };
	int kind = ike_sig_key_kind(key, err, errlen);
	uint8_t pref;

	if (kind < 0)
		return NULL;
	pref = preferred_hash(key, kind);
	if (!peer_hashes || (peer_hashes & IKE_HASH_BIT(pref)))
		return alg_for(kind, pref);
	if (kind != IKE_SIG_KEY_ED25519)
		for (size_t i = 0; i < sizeof(order); i++)
			if (peer_hashes & IKE_HASH_BIT(order[i]))
				return alg_for(kind, order[i]);
	ike_errf(err, errlen, "the peer's SIGNATURE_HASH_ALGORITHMS (0x%x) holds no hash for a %s key",
		 peer_hashes, EVP_PKEY_get0_type_name(key));
	return NULL;
}

int ike_sig_auth_parse(const uint8_t *data, size_t len, const struct ike_sig_alg **alg,
		       const uint8_t **sig, size_t *siglen, char *err, size_t errlen)
{
	size_t alen;

	/* bounds */
	if (len < 1)
		return ike_errf(err, errlen, "AUTH Digital Signature: empty authentication data");
	alen = data[0];
	if (alen < 2 || alen >= len)
		return ike_errf(err, errlen, "AUTH Digital Signature: AlgorithmIdentifier length %zu does not fit the %zu octets of data",
				alen, len);
	if (data[1] != 0x30 || data[2] != alen - 2)
		return ike_errf(err, errlen, "AUTH Digital Signature: the %zu-octet AlgorithmIdentifier is not one DER SEQUENCE",
				alen);
	/* meaning */
	for (size_t i = 0; i < NALGS; i++) {
		if (sig_algs[i].derlen != alen || memcmp(sig_algs[i].der, data + 1, alen))
			continue;
		*alg = &sig_algs[i];
		*sig = data + 1 + alen;
		*siglen = len - 1 - alen;
		return 0;
	}
	return ike_errf(err, errlen, "AUTH Digital Signature: unsupported signature AlgorithmIdentifier (%zu octets, OID octets %02x%02x%02x...)",
			alen, alen > 6 ? data[5] : 0, alen > 7 ? data[6] : 0, alen > 8 ? data[7] : 0);
}

/* EVP_DigestSign/Verify context for @md (NULL: Ed25519), PSS when @pss. */
static EVP_MD_CTX *md_ctx(EVP_PKEY *key, const char *md, bool pss, bool sign)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok;

	if (!ctx)
		return NULL;
	ok = sign ? EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL, key, NULL) :
		    EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL, key, NULL);
	if (ok > 0 && pss)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
		     EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, md, NULL) > 0 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
	if (ok <= 0) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static int sign_raw(EVP_PKEY *key, const char *md, bool pss, const uint8_t *oct, size_t olen,
		    uint8_t *out, size_t *outlen)
{
	EVP_MD_CTX *ctx = md_ctx(key, md, pss, true);
	size_t need = 0;
	int ret = -1;

	if (!ctx)
		return -1;
	if (EVP_DigestSign(ctx, NULL, &need, oct, olen) > 0 && need <= *outlen &&
	    EVP_DigestSign(ctx, out, outlen, oct, olen) > 0)
		ret = 0;
	EVP_MD_CTX_free(ctx);
	return ret;
}

static int verify_raw(EVP_PKEY *key, const char *md, bool pss, const uint8_t *oct, size_t olen,
		      const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = md_ctx(key, md, pss, false);
	int ret;

	if (!ctx)
		return -1;
	ret = EVP_DigestVerify(ctx, sig, siglen, oct, olen) == 1 ? 0 : -1;
	EVP_MD_CTX_free(ctx);
	return ret;
}

/* RFC 4754: the curve and hash of methods 9, 10, 11; the r and s size. */
static int ecdsa_method(uint8_t method, const char **md, int *bits)
{
	switch (method) {
	case IKE_AUTH_ECDSA_256: *md = "SHA256"; *bits = 256; return 0;
	case IKE_AUTH_ECDSA_384: *md = "SHA384"; *bits = 384; return 0;
	case IKE_AUTH_ECDSA_521: *md = "SHA512"; *bits = 521; return 0;
	default: return -1;
	}
}

/* DER ECDSA-Sig-Value to r | s of 2 * @n octets, in place in @buf. */
static int ecdsa_der_to_rs(uint8_t *buf, size_t *len, size_t cap, size_t n)
{
	const uint8_t *p = buf;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)*len);
	const BIGNUM *r, *sv;
	int ret = -1;

	if (!s)
		return -1;
	ECDSA_SIG_get0(s, &r, &sv);
	if (2 * n <= cap && BN_bn2binpad(r, buf, (int)n) == (int)n &&
	    BN_bn2binpad(sv, buf + n, (int)n) == (int)n) {
		*len = 2 * n;
		ret = 0;
	}
	ECDSA_SIG_free(s);
	return ret;
}

/* r | s (2 * @n octets) to a DER ECDSA-Sig-Value in @out. */
static int ecdsa_rs_to_der(const uint8_t *rs, size_t n, uint8_t *out, size_t *outlen)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs, (int)n, NULL), *sv = BN_bin2bn(rs + n, (int)n, NULL);
	uint8_t *p = out;
	int ret = -1, l;

	if (!s || !r || !sv || !ECDSA_SIG_set0(s, r, sv)) {
		BN_free(r);
		BN_free(sv);
		ECDSA_SIG_free(s);
		return -1;
	}
	l = i2d_ECDSA_SIG(s, NULL);
	if (l > 0 && (size_t)l <= *outlen && i2d_ECDSA_SIG(s, &p) == l) {
		*outlen = (size_t)l;
		ret = 0;
	}
	ECDSA_SIG_free(s);
	return ret;
}

/* Methods 1, 9, 10, 11: key, digest and r|s size (0 for RSA). */
static int classic_params(EVP_PKEY *key, uint8_t method, const char **md, size_t *rslen,
			  char *err, size_t errlen)
{
	int bits;

	*rslen = 0;
	if (method == IKE_AUTH_RSA_SIG) {
		*md = "SHA1";
		if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
			return ike_errf(err, errlen, "%s needs an RSA key, not %s",
					ike_auth_method_name(method), EVP_PKEY_get0_type_name(key));
		return 0;
	}
	if (ecdsa_method(method, md, &bits))
		return ike_errf(err, errlen, "AUTH method %u (%s) is not a signature method espiked implements",
				method, ike_auth_method_name(method));
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC || EVP_PKEY_get_bits(key) != bits)
		return ike_errf(err, errlen, "%s needs an ECDSA P-%d key, not %s of %d bits",
				ike_auth_method_name(method), bits, EVP_PKEY_get0_type_name(key),
				EVP_PKEY_get_bits(key));
	*rslen = 2 * (((size_t)bits + 7) / 8);
	return 0;
}

int ike_sig_sign(EVP_PKEY *key, uint8_t method, const struct ike_sig_alg *alg,
		 const uint8_t *oct, size_t olen, uint8_t *out, size_t cap, size_t *outlen,
		 char *err, size_t errlen)
{
	const char *md;
	size_t rslen, l;

	if (method == IKE_AUTH_DIGITAL_SIG) {
		if (!alg || ike_sig_key_kind(key, err, errlen) != (int)alg->key)
			return ike_errf(err, errlen, "Digital Signature: algorithm %s does not fit a %s key",
					alg ? alg->name : "(none)", EVP_PKEY_get0_type_name(key));
		if (cap < 1 + alg->derlen)
			return ike_errf(err, errlen, "Digital Signature: %zu octets of room is too small",
					cap);
		out[0] = (uint8_t)alg->derlen;
		memcpy(out + 1, alg->der, alg->derlen);
		l = cap - 1 - alg->derlen;
		if (sign_raw(key, alg->md, alg->pss, oct, olen, out + 1 + alg->derlen, &l))
			return ike_errf(err, errlen, "Digital Signature %s: signing failed (%zu octets of room)",
					alg->name, cap);
		*outlen = 1 + alg->derlen + l;
		return 0;
	}
	if (classic_params(key, method, &md, &rslen, err, errlen))
		return -1;
	l = cap;
	if (sign_raw(key, md, false, oct, olen, out, &l) ||
	    (rslen && ecdsa_der_to_rs(out, &l, cap, rslen / 2)))
		return ike_errf(err, errlen, "%s: signing failed (%zu octets of room)",
				ike_auth_method_name(method), cap);
	*outlen = l;
	return 0;
}

/* Method 14 verification. */
static int verify_digital(EVP_PKEY *key, unsigned int accept, const uint8_t *auth, size_t alen,
			  const uint8_t *oct, size_t olen, char *err, size_t errlen)
{
	const struct ike_sig_alg *alg;
	const uint8_t *sig;
	size_t siglen;
	int kind = ike_sig_key_kind(key, err, errlen);

	if (kind < 0 || ike_sig_auth_parse(auth, alen, &alg, &sig, &siglen, err, errlen))
		return -1;
	if ((int)alg->key != kind)
		return ike_errf(err, errlen, "Digital Signature: the peer signed with %s but its certificate holds a %s key",
				alg->name, EVP_PKEY_get0_type_name(key));
	if (!(accept & IKE_HASH_BIT(alg->hash)))
		return ike_errf(err, errlen, "Digital Signature: %s uses a hash we do not accept",
				alg->name);
	if (verify_raw(key, alg->md, alg->pss, oct, olen, sig, siglen))
		return ike_errf(err, errlen, "signature invalid: Digital Signature %s does not verify with the peer's %s key",
				alg->name, EVP_PKEY_get0_type_name(key));
	return 0;
}

int ike_sig_verify(EVP_PKEY *key, uint8_t method, unsigned int accept,
		   const uint8_t *auth, size_t alen, const uint8_t *oct, size_t olen,
		   char *err, size_t errlen)
{
	uint8_t der[160];
	size_t rslen, dlen = sizeof(der);
	const char *md;

	if (method == IKE_AUTH_DIGITAL_SIG)
		return verify_digital(key, accept, auth, alen, oct, olen, err, errlen);
	if (classic_params(key, method, &md, &rslen, err, errlen))
		return -1;
	if (rslen) {
		if (alen != rslen)
			return ike_errf(err, errlen, "signature invalid: %s of %zu octets, expected %zu",
					ike_auth_method_name(method), alen, rslen);
		if (ecdsa_rs_to_der(auth, rslen / 2, der, &dlen))
			return ike_errf(err, errlen, "%s: r | s could not be encoded",
					ike_auth_method_name(method));
		auth = der;
		alen = dlen;
	}
	if (verify_raw(key, md, false, oct, olen, auth, alen))
		return ike_errf(err, errlen, "signature invalid: %s does not verify with the peer's %s key",
				ike_auth_method_name(method), EVP_PKEY_get0_type_name(key));
	return 0;
}

long ike_sig_hashes_build(unsigned int mask, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (unsigned int h = 1; h < 16; h++) {
		if (!(mask & IKE_HASH_BIT(h)))
			continue;
		if (cap - n < 2)
			return -1;
		out[n++] = 0;
		out[n++] = (uint8_t)h;
	}
	return (long)n;
}

int ike_sig_hashes_parse(const uint8_t *data, size_t len, unsigned int *mask,
			 char *err, size_t errlen)
{
	*mask = 0;
	if (len % 2)
		return ike_errf(err, errlen, "Notify SIGNATURE_HASH_ALGORITHMS: %zu octets of data, expected a multiple of 2",
				len);
	for (size_t i = 0; i < len; i += 2) {
		unsigned int h = (unsigned int)data[i] << 8 | data[i + 1];

		if (h >= 1 && h < 16)
			*mask |= IKE_HASH_BIT(h);
	}
	return 0;
}
