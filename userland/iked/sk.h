/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * sk.h - the Encrypted (SK) payload (RFC 7296 3.14) with AES-CBC and
 * HMAC-SHA2 integrity, and with the AEAD ciphers AES-GCM-16 (RFC 5282) and
 * ChaCha20-Poly1305 (RFC 7634): 8-octet explicit IV, 4-octet salt taken
 * from the end of SK_e, associated data from the first octet of the IKE
 * header to the end of the SK generic payload header.
 *
 * Receiving: the integrity check value is verified before anything inside
 * the payload is looked at; the caller parses the inner payloads only after
 * ike_sk_unprotect() succeeded (ike_sk_open() does both).
 */
#ifndef ESPIKED_SK_H
#define ESPIKED_SK_H

#include <stdint.h>
#include <stddef.h>

#include "msg.h"

#define IKE_SK_MAX_EKEY	36	/* 32-octet key + 4-octet salt */
#define IKE_SK_MAX_AKEY	64

/**
 * struct ike_sk_ctx - one direction of SK payload protection
 * @encr: ENCR transform ID
 * @keylen: ENCR key length in bits (without salt)
 * @integ: INTEG transform ID, IKE_INTEG_NONE with AEAD
 * @aead: @encr is an AEAD cipher
 * @iv_len: explicit IV octets in the payload
 * @icv_len: integrity check value octets
 * @block: cipher block size for padding (1 for AEAD)
 * @ekey: encryption key followed, for AEAD, by the 4-octet salt
 * @ekey_len: octets in @ekey, salt included
 * @akey: integrity key (non-AEAD)
 * @akey_len: octets in @akey
 * @iv_counter: next AEAD IV (a counter never repeats under one key)
 */
struct ike_sk_ctx {
	uint16_t encr;
	uint16_t keylen;
	uint16_t integ;
	int aead;
	size_t iv_len;
	size_t icv_len;
	size_t block;
	uint8_t ekey[IKE_SK_MAX_EKEY];
	size_t ekey_len;
	uint8_t akey[IKE_SK_MAX_AKEY];
	size_t akey_len;
	uint64_t iv_counter;
};

/* Length of SK_e (salt included) for @encr/@keylen bits; 0 if unsupported. */
size_t ike_sk_encr_key_len(uint16_t encr, uint16_t keylen);
/* Length of SK_a for @integ; 0 for NONE or unsupported. */
size_t ike_sk_integ_key_len(uint16_t integ);

/*
 * Set up @c with copies of the keys. @integ must be IKE_INTEG_NONE for
 * AEAD ciphers and a supported HMAC otherwise. 0 or -1 with @err.
 */
int ike_sk_init(struct ike_sk_ctx *c, uint16_t encr, uint16_t keylen,
		uint16_t integ, const uint8_t *ekey, size_t ekey_len,
		const uint8_t *akey, size_t akey_len, struct ike_err *err);

/* Wipe the keys. */
void ike_sk_clear(struct ike_sk_ctx *c);

/*
 * Append an SK payload holding the payload chain @plain (first type
 * @first) to the message in @b, finish the message (header Length) and
 * protect it. Returns the message length or -1 with @err.
 */
long ike_sk_protect(struct ike_sk_ctx *c, struct ike_builder *b,
		    uint8_t first, const uint8_t *plain, size_t plen,
		    struct ike_err *err);

/*
 * The same with an Encrypted Fragment (SKF) payload, fragment @num of
 * @total (RFC 7383 2.5): @first is the first inner payload type of the
 * whole message in fragment 1 and 0 in the others; Fragment Number and
 * Total Fragments are authenticated with the header.
 */
long ike_sk_protect_frag(struct ike_sk_ctx *c, struct ike_builder *b, uint8_t first,
			 uint16_t num, uint16_t total, const uint8_t *plain, size_t plen,
			 struct ike_err *err);

/* Octets of SK/SKF body (IV, ciphertext with padding, ICV) for @plen of plaintext. */
size_t ike_sk_body_len(const struct ike_sk_ctx *c, size_t plen);

/*
 * Verify and decrypt the SK or SKF payload of @m (from ike_msg_parse) into @out.
 * Returns the length of the inner payload chain or -1 with @err (Notify 0:
 * the message is to be dropped). @out is wiped on failure.
 */
long ike_sk_unprotect(const struct ike_sk_ctx *c, const struct ike_msg *m,
		      uint8_t *out, size_t cap, struct ike_err *err);

/*
 * ike_sk_unprotect() then ike_msg_parse_inner(): @m then also points
 * into @out, which must outlive it. A fragment (SKF) is refused: it goes
 * to ike_frag_input() (frag.h).
 */
int ike_sk_open(const struct ike_sk_ctx *c, struct ike_msg *m,
		uint8_t *out, size_t cap, struct ike_err *err);

#endif /* ESPIKED_SK_H */
