/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * proposal.h - proposals written as strongSwan writes them
 * ("aes256gcm16-prfsha384-ecp384", "aes128-sha256-modp2048",
 * "aes128gcm16-esn") and proposal selection (RFC 7296 2.7).
 *
 * A proposal string is algorithm tokens joined by '-'; several tokens of
 * one transform type are alternatives. A list is proposals joined by ','.
 * IKE proposals without a PRF take it from their HMAC integrity algorithms
 * (as strongSwan does); AEAD IKE proposals must name a PRF. ESP proposals
 * without "esn"/"noesn" get "noesn".
 */
#ifndef ESPIKED_PROPOSAL_H
#define ESPIKED_PROPOSAL_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

/* Do not require or choose a DH transform (the CHILD_SA of IKE_AUTH). */
#define IKE_SEL_IGNORE_DH	0x1

/*
 * Parse one proposal for @proto (IKE_PROTO_IKE or IKE_PROTO_ESP) into
 * @out (num 1, no SPI). 0, or -1 with @err naming the bad token.
 */
int ike_proposal_parse(const char *str, uint8_t proto,
		       struct ike_proposal *out, char *err, size_t errlen);

/* Parse a ','-separated list; proposals are numbered from 1. */
int ike_proposal_list_parse(const char *str, uint8_t proto,
			    struct ike_sa_payload *out, char *err,
			    size_t errlen);

/*
 * Write @p in strongSwan notation into @buf ("aes128gcm16-prfsha256-ecp256").
 * Transforms espiked does not know are written as "TYPE:ID". Returns the
 * length that was needed (like snprintf).
 */
int ike_proposal_format(const struct ike_proposal *p, char *buf, size_t len);

/*
 * For the CHILD_SA of IKE_AUTH (RFC 7296 1.2: its SA payload cannot hold a
 * Diffie-Hellman transform other than NONE, and SHOULD omit it): removes
 * every DH transform from @sa's proposals, then proposals that became the
 * same as an earlier one, and numbers what is left from 1 again.
 */
void ike_proposal_strip_dh(struct ike_sa_payload *sa);

/*
 * Responder's choice (RFC 7296 2.7): the first of our proposals @mine
 * that the peer offered in @offered wins; per transform type our first
 * algorithm the peer offered is taken. @chosen gets one transform per
 * type, the peer's proposal number and SPI. On failure -1, and @err shows
 * both sides.
 */
int ike_proposal_select(const struct ike_sa_payload *mine,
			const struct ike_sa_payload *offered, unsigned int flags,
			struct ike_proposal *chosen, char *err, size_t errlen);

/*
 * Initiator's check of the responder's answer: @answer must hold exactly
 * one proposal whose transforms (one per type) were all in @mine.
 */
int ike_proposal_check_answer(const struct ike_sa_payload *mine,
			      const struct ike_sa_payload *answer,
			      unsigned int flags, char *err, size_t errlen);

/* The transform of @type in @p (first one), or NULL. */
const struct ike_transform *ike_proposal_get(const struct ike_proposal *p,
					     uint8_t type);

#endif /* ESPIKED_PROPOSAL_H */
