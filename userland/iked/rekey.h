/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * rekey.h - private to the files of the CREATE_CHILD_SA exchange: rekey.c
 * (dispatch, lifetimes, kernel events, and the helpers below),
 * rekey_child_init.c and rekey_child_resp.c (CHILD_SA rekey, as initiator
 * and as responder) and rekey_ike.c (IKE SA rekey). The rest of the daemon
 * uses the rekey_* functions declared in daemon.h.
 */
#ifndef ESPIKED_REKEY_H
#define ESPIKED_REKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon.h"

#define REKEY_NONCE_LEN		32
#define REKEY_RETRY_MS		2000	/* busy, TEMPORARY_FAILURE, refusals: try again */
#define REKEY_MAX_KE_TRIES	2
#define REKEY_OUT_WAIT_MS	10000	/* responder: outbound SA without the peer's Delete */

/* rekey.c: helpers of both halves */

/* Uniform random number below @n (0 for n == 0 or when RAND_bytes fails). */
uint64_t rekey_random_below(uint64_t n);
/* Soft limit of one SA for a rekey volume @v (bytes or packets, 0: none):
 * @v less a random part of its last tenth. */
uint64_t rekey_volume(uint64_t v);
/* Rekey and hard expiry, in ms from now, for a lifetime of @secs. */
void rekey_lifetime(unsigned int secs, uint64_t *rekey, uint64_t *hard);
/* Nonces compared as big-endian numbers of their common length, then by length. */
int rekey_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* The lower nonce of an exchange into @out (2.8.1 compares these). */
void rekey_nonce_min(const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		     uint8_t *out, size_t *out_len);
/* Free our DH key pair and wipe the state of our CREATE_CHILD_SA. */
void rekey_pend_clear(struct ike_sa *sa);
/* Answer the peer's CREATE_CHILD_SA request @m with a single Notify, naming the
 * SA @spi of protocol @proto when @spi is not 0. */
void rekey_notify_reply(struct ike_sa *sa, const struct ike_msg *m, uint16_t type,
			const uint8_t *data, size_t len, uint8_t proto, uint32_t spi);
/* First DH group of the first proposal in @p, 0 for none. */
uint16_t rekey_first_group(const struct ike_sa_payload *p);
/* Some proposal of @p has DH group @group. */
bool rekey_offers_group(const struct ike_sa_payload *p, uint16_t group);
/* The group an INVALID_KE_PAYLOAD notify asks for, 0 if malformed. */
uint16_t rekey_invalid_ke_group(const struct ike_msg *m);
/* Shared secret with the peer's KE into @gir (wiped by the caller); -1 logged. */
long rekey_dh_secret(struct ike_sa *sa, struct ike_dh *dh, const struct ike_msg *m,
		     uint8_t *gir, size_t cap);
/* Our KE payload from @dh; -1 logged. */
int rekey_add_ke(struct ike_sa *sa, struct ike_builder *b, const struct ike_dh *dh);
/* A new DH key pair of @group, NULL logged. */
struct ike_dh *rekey_dh_new(struct ike_sa *sa, uint16_t group);

/* rekey_child_init.c: rekeying a CHILD_SA, initiator */

/* Rekey @c (@group: the DH group to offer, 0 for the first of our ESP
 * proposals). 0 sent, 1 not now (an exchange is outstanding), -1 failed. */
int rekey_child_start(struct ike_sa *sa, struct child_sa *c, uint16_t group);
/* The answer to ours (REQ_REKEY_CHILD). */
void rekey_child_response(struct ike_sa *sa, struct ike_msg *m);

/* rekey_child_resp.c: rekeying a CHILD_SA, responder */

/* (rekey_child_named, rekey_child_request, rekey_child_refused: daemon.h) */

/* rekey_ike.c: the IKE SA rekey (RFC 7296 1.3.2, 2.18) */

/* (rekey_ike_request: daemon.h) */
/* The answer to ours (REQ_REKEY_IKE). */
void rekey_ike_response(struct ike_sa *sa, struct ike_msg *m);

#endif /* ESPIKED_REKEY_H */
