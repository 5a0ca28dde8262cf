/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * sig.h - signatures of the IKEv2 AUTH payload on OpenSSL 3 EVP:
 * Digital Signature (method 14, RFC 7427) with RSASSA-PSS, PKCS#1 v1.5,
 * ECDSA and Ed25519 (RFC 8420), the SIGNATURE_HASH_ALGORITHMS notify
 * (RFC 7427 section 4), and the older methods RSA Digital Signature (1,
 * RFC 7296 3.8: PKCS#1 v1.5 with SHA-1) and ECDSA (9, 10, 11, RFC 4754:
 * r | s, fixed length).
 *
 * What is signed is the InitiatorSignedOctets or ResponderSignedOctets
 * of RFC 7296 2.15 (ike_auth_octets() in crypto.h). Functions return 0 on
 * success and -1 with @err naming what failed.
 */
#ifndef ESPIKED_SIG_H
#define ESPIKED_SIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include <openssl/evp.h>

/* AUTH methods of RFC 4754 (ike.h has 1, 2, 3 and 14) */
#define IKE_AUTH_ECDSA_256	9
#define IKE_AUTH_ECDSA_384	10
#define IKE_AUTH_ECDSA_521	11

/* Hash algorithms of SIGNATURE_HASH_ALGORITHMS (RFC 7427 4, RFC 8420) */
#define IKE_HASH_SHA1		1
#define IKE_HASH_SHA2_256	2
#define IKE_HASH_SHA2_384	3
#define IKE_HASH_SHA2_512	4
#define IKE_HASH_IDENTITY	5
#define IKE_HASH_BIT(h)		(1u << (h))
/* What espiked announces and accepts for method 14. */
#define IKE_HASH_OURS		(IKE_HASH_BIT(IKE_HASH_SHA2_256) | \
				 IKE_HASH_BIT(IKE_HASH_SHA2_384) | \
				 IKE_HASH_BIT(IKE_HASH_SHA2_512) | \
				 IKE_HASH_BIT(IKE_HASH_IDENTITY))

#define IKE_SIG_MAX		1100	/* AUTH data: RSA-8192 and the longest AlgId */

/* Key kinds a signature algorithm applies to. */
enum ike_sig_key {
	IKE_SIG_KEY_RSA,
	IKE_SIG_KEY_EC,
	IKE_SIG_KEY_ED25519,
};

/**
 * struct ike_sig_alg - a signature algorithm of method 14 (RFC 7427 3)
 * @name: name for messages ("rsa-pss-sha256")
 * @hash: IKE_HASH_* it uses (IKE_HASH_IDENTITY for Ed25519)
 * @key: the kind of key it signs with
 * @pss: RSASSA-PSS with MGF1 of the same hash, salt the hash length
 * @md: OpenSSL digest name, NULL for Ed25519 (which hashes itself)
 * @der: the DER AlgorithmIdentifier sent in the AUTH payload
 * @derlen: octets at @der
 */
struct ike_sig_alg {
	const char *name;
	uint8_t hash;
	enum ike_sig_key key;
	bool pss;
	const char *md;
	const uint8_t *der;
	size_t derlen;
};

/* The kind of @key, or -1 (with @err) when no method signs with it. */
int ike_sig_key_kind(EVP_PKEY *key, char *err, size_t errlen);

/*
 * Method 14: the algorithm for @key given the hashes the peer announced
 * (IKE_HASH_BIT mask; 0 when it sent no SIGNATURE_HASH_ALGORITHMS, then
 * SHA2-256 is assumed, or Identity for Ed25519). RSA keys use RSASSA-PSS.
 * NULL with @err when the peer accepts none that fits the key.
 */
const struct ike_sig_alg *ike_sig_choose(EVP_PKEY *key, unsigned int peer_hashes,
					 char *err, size_t errlen);
/* The algorithm of a given name ("ecdsa-sha384"), or NULL. */
const struct ike_sig_alg *ike_sig_alg_by_name(const char *name);

/*
 * Method 14 AUTH data: the AlgorithmIdentifier length octet and the
 * AlgorithmIdentifier are checked for bounds, then matched against the
 * algorithms espiked knows; *@alg and @sig (the signature value, pointing
 * into @data) are set. -1 with @err otherwise.
 */
int ike_sig_auth_parse(const uint8_t *data, size_t len, const struct ike_sig_alg **alg,
		       const uint8_t **sig, size_t *siglen, char *err, size_t errlen);

/*
 * The AUTH data for @method over @oct with @key into @out (@cap octets),
 * its length in *@outlen. @alg is used for method 14 only (see
 * ike_sig_choose()); methods 1, 9, 10, 11 need the matching key (RSA;
 * P-256, P-384, P-521).
 */
int ike_sig_sign(EVP_PKEY *key, uint8_t method, const struct ike_sig_alg *alg,
		 const uint8_t *oct, size_t olen, uint8_t *out, size_t cap, size_t *outlen,
		 char *err, size_t errlen);

/*
 * Verify AUTH data @auth of @method over @oct with the peer's public key
 * @key. Method 14 accepts only the hashes in @accept (IKE_HASH_BIT mask).
 * -1 with @err naming the method and algorithm when it does not verify.
 */
int ike_sig_verify(EVP_PKEY *key, uint8_t method, unsigned int accept,
		   const uint8_t *auth, size_t alen, const uint8_t *oct, size_t olen,
		   char *err, size_t errlen);

/* SIGNATURE_HASH_ALGORITHMS data for @mask, ascending; length or -1. */
long ike_sig_hashes_build(unsigned int mask, uint8_t *out, size_t cap);
/*
 * SIGNATURE_HASH_ALGORITHMS data into an IKE_HASH_BIT mask; unknown
 * values are ignored (RFC 7427 4). -1 with @err on an odd length.
 */
int ike_sig_hashes_parse(const uint8_t *data, size_t len, unsigned int *mask,
			 char *err, size_t errlen);

/* "RSA Digital Signature", "ECDSA P-256/SHA-256", ..., never NULL. */
const char *ike_auth_method_name(uint8_t method);

#endif /* ESPIKED_SIG_H */
