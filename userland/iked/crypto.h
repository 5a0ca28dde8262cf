/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * crypto.h - IKEv2 pseudo-random functions and key derivation
 * (RFC 7296 sections 2.13, 2.14, 2.15, 2.17, 2.18) on OpenSSL 3 EVP.
 *
 * Functions return 0 on success and -1 on failure (unknown algorithm,
 * output too long for prf+, OpenSSL error). Every intermediate secret is
 * wiped with OPENSSL_cleanse before returning; callers wipe their outputs
 * with ike_keys_clear() or OPENSSL_cleanse().
 */
#ifndef ESPIKED_CRYPTO_H
#define ESPIKED_CRYPTO_H

#include <stdint.h>
#include <stddef.h>

#define IKE_PRF_MAX_LEN	64	/* HMAC-SHA2-512 */
#define IKE_KEY_MAX_LEN	64	/* largest single key: SK_a for SHA2-512 */

/**
 * struct ike_prf_alg - a PRF transform
 * @id: IKE_PRF_* transform ID
 * @name: name as strongSwan writes it ("prfsha256")
 * @md: OpenSSL digest name
 * @len: output length, also the length of SK_d, SK_pi and SK_pr
 */
struct ike_prf_alg {
	uint16_t id;
	const char *name;
	const char *md;
	size_t len;
};

/* The PRF for a transform ID, or NULL when espiked does not implement it. */
const struct ike_prf_alg *ike_prf_get(uint16_t id);

/* out[0..a->len) = prf(key, data) */
int ike_prf(const struct ike_prf_alg *a, const uint8_t *key, size_t klen,
	    const uint8_t *data, size_t dlen, uint8_t *out);

/* out[0..outlen) = prf+(key, seed) (RFC 7296 2.13); outlen <= 255 * len */
int ike_prf_plus(const struct ike_prf_alg *a, const uint8_t *key, size_t klen,
		 const uint8_t *seed, size_t slen, uint8_t *out, size_t outlen);

/* SKEYSEED = prf(Ni | Nr, g^ir) (2.14); out holds a->len octets */
int ike_skeyseed(const struct ike_prf_alg *a,
		 const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
		 const uint8_t *gir, size_t girlen, uint8_t *out);

/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) (2.18) */
int ike_skeyseed_rekey(const struct ike_prf_alg *old_prf,
		       const uint8_t *sk_d, size_t sk_d_len,
		       const uint8_t *gir, size_t girlen,
		       const uint8_t *ni, size_t nilen,
		       const uint8_t *nr, size_t nrlen, uint8_t *out);

/**
 * struct ike_keys - the seven secrets of an IKE SA (RFC 7296 2.14)
 * @sk_d: key for deriving CHILD_SA keys
 * @sk_ai: integrity key, initiator to responder (unused with AEAD)
 * @sk_ar: integrity key, responder to initiator
 * @sk_ei: encryption key (plus salt for AEAD), initiator to responder
 * @sk_er: encryption key (plus salt for AEAD), responder to initiator
 * @sk_pi: key for the initiator's AUTH payload
 * @sk_pr: key for the responder's AUTH payload
 * @prf_len: length of sk_d, sk_pi and sk_pr
 * @integ_len: length of sk_ai and sk_ar (0 with AEAD)
 * @encr_len: length of sk_ei and sk_er
 */
struct ike_keys {
	uint8_t sk_d[IKE_KEY_MAX_LEN];
	uint8_t sk_ai[IKE_KEY_MAX_LEN];
	uint8_t sk_ar[IKE_KEY_MAX_LEN];
	uint8_t sk_ei[IKE_KEY_MAX_LEN];
	uint8_t sk_er[IKE_KEY_MAX_LEN];
	uint8_t sk_pi[IKE_KEY_MAX_LEN];
	uint8_t sk_pr[IKE_KEY_MAX_LEN];
	size_t prf_len;
	size_t integ_len;
	size_t encr_len;
};

/*
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *	= prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)		(2.14)
 * @integ_len and @encr_len are the key lengths of the negotiated INTEG and
 * ENCR transforms (ENCR including the AEAD salt).
 */
int ike_derive_keys(const struct ike_prf_alg *a, const uint8_t *skeyseed,
		    const uint8_t *ni, size_t nilen,
		    const uint8_t *nr, size_t nrlen,
		    const uint8_t spi_i[8], const uint8_t spi_r[8],
		    size_t integ_len, size_t encr_len, struct ike_keys *k);

/* Wipe all secrets in @k. */
void ike_keys_clear(struct ike_keys *k);

/*
 * KEYMAT = prf+(SK_d, Ni | Nr)			(2.17, no PFS)
 * KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)	(2.17, with PFS: @gir != NULL)
 */
int ike_child_keymat(const struct ike_prf_alg *a,
		     const uint8_t *sk_d, size_t sk_d_len,
		     const uint8_t *gir, size_t girlen,
		     const uint8_t *ni, size_t nilen,
		     const uint8_t *nr, size_t nrlen,
		     uint8_t *out, size_t outlen);

/*
 * <SignedOctets> = RealMessage | Nonce(peer) | prf(SK_p, RestOfIDPayload)
 * (2.15) into @out; returns the length or -1 when @cap is too small.
 */
long ike_auth_octets(const struct ike_prf_alg *a,
		     const uint8_t *msg, size_t msglen,
		     const uint8_t *nonce, size_t noncelen,
		     const uint8_t *sk_p, size_t sk_p_len,
		     const uint8_t *id_body, size_t idlen,
		     uint8_t *out, size_t cap);

/* AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>) */
int ike_psk_auth(const struct ike_prf_alg *a,
		 const uint8_t *psk, size_t psklen,
		 const uint8_t *octets, size_t olen, uint8_t *out);

/*
 * NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP address | port) (2.23);
 * @addr is 4 or 16 octets, @port in host order, @out 20 octets.
 */
int ike_nat_hash(const uint8_t spi_i[8], const uint8_t spi_r[8],
		 const uint8_t *addr, size_t alen, uint16_t port,
		 uint8_t out[20]);

/* Constant-time comparison: 0 when equal. */
int ike_memeq_ct(const void *a, const void *b, size_t len);

#endif /* ESPIKED_CRYPTO_H */
