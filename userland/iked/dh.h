/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * dh.h - Diffie-Hellman groups 14 (MODP 2048, RFC 3526), 19 and 20 (ECP 256
 * and 384, RFC 5903) and 31 (Curve25519, RFC 8031) on OpenSSL 3.
 *
 * KE payload encodings: MODP: the public value left-padded to the prime
 * length; ECP: x || y, each padded to the field size (RFC 5903 section 7);
 * Curve25519: the 32-octet u-coordinate (RFC 8031). Shared secrets: MODP:
 * g^ir padded to the prime length; ECP: the x coordinate only; Curve25519:
 * the 32-octet result.
 *
 * Peer public values are validated (RFC 6989): MODP 1 < y < p-1, ECP point
 * on the curve, X25519 result not all zero.
 */
#ifndef ESPIKED_DH_H
#define ESPIKED_DH_H

#include <stdint.h>
#include <stddef.h>

#define IKE_DH_MAX_PUB		256	/* MODP 2048 */
#define IKE_DH_MAX_SHARED	256

struct ike_dh;

/* Name as strongSwan writes it ("ecp256"), or NULL for unsupported groups. */
const char *ike_dh_name(uint16_t group);
/* KE payload data length for @group, 0 when unsupported. */
size_t ike_dh_pub_len(uint16_t group);
/* Shared secret length for @group, 0 when unsupported. */
size_t ike_dh_shared_len(uint16_t group);

/*
 * New key pair for @group. On failure NULL, with the reason in @err
 * (at least 128 octets advised).
 */
struct ike_dh *ike_dh_new(uint16_t group, char *err, size_t errlen);

/*
 * Key pair from a known private value (tests, known-answer vectors).
 * @priv is the big-endian private scalar (MODP, ECP) or the 32-octet
 * private key (Curve25519). For MODP and ECP, @pub (KE encoding) is
 * required and must match @priv.
 */
struct ike_dh *ike_dh_from_private(uint16_t group, const uint8_t *priv,
				   size_t privlen, const uint8_t *pub,
				   size_t publen, char *err, size_t errlen);

uint16_t ike_dh_group(const struct ike_dh *dh);

/* Our public value in KE encoding; returns its length or -1. */
long ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t cap);

/*
 * Validate the peer's KE data for @group without computing anything else
 * (RFC 6989 checks that do not need the private key). 0 or -1 with @err.
 */
int ike_dh_check_peer(uint16_t group, const uint8_t *peer, size_t len,
		      char *err, size_t errlen);

/*
 * Shared secret with the peer's KE data; validates it first. Returns the
 * secret length (ike_dh_shared_len) or -1 with the reason in @err.
 */
long ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t len,
		   uint8_t *out, size_t cap, char *err, size_t errlen);

/* Free and wipe the private key. NULL is a no-op. */
void ike_dh_free(struct ike_dh *dh);

#endif /* ESPIKED_DH_H */
