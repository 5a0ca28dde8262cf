/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * frag.h - IKE message fragmentation (RFC 7383): splitting a protected
 * message into Encrypted Fragment (SKF) messages, and reassembling the
 * fragments of a received message.
 *
 * Each fragment is a complete IKE message with the header of the whole
 * message, protected on its own with the IKE SA keys. A received fragment
 * is kept only after its integrity check passed, and only its plaintext is
 * kept. Reassembly is bounded: at most IKE_FRAG_MAX_COUNT fragments,
 * IKE_FRAG_MAX_BYTES octets of plaintext, IKE_FRAG_TIMEOUT_MS from the
 * first fragment kept.
 */
#ifndef ESPIKED_FRAG_H
#define ESPIKED_FRAG_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "msg.h"
#include "sk.h"

#define IKE_FRAG_MAX_COUNT	64	/* fragments of one message */
#define IKE_FRAG_MAX_BYTES	IKE_MAX_MSG	/* plaintext of one reassembled message */
#define IKE_FRAG_TIMEOUT_MS	30000	/* from the first fragment kept */

/**
 * struct ike_frag_rx - one message being reassembled
 * @active: fragments are kept
 * @msgid: their message ID
 * @total: their Total Fragments
 * @have: fragments kept
 * @first: first inner payload type (from fragment 1)
 * @bytes: plaintext octets kept
 * @started: when the first of them was kept (ms)
 * @part: plaintext of fragment i + 1, heap, NULL when not received
 * @len: octets in @part[i]
 */
struct ike_frag_rx {
	bool active;
	uint32_t msgid;
	uint16_t total, have;
	uint8_t first;
	size_t bytes;
	uint64_t started;
	uint8_t *part[IKE_FRAG_MAX_COUNT];
	size_t len[IKE_FRAG_MAX_COUNT];
};

/* What ike_frag_input() did with a fragment. */
enum ike_frag_result {
	IKE_FRAG_DROPPED = -1,	/* not kept: @err says why */
	IKE_FRAG_KEPT = 0,	/* kept, more to come */
	IKE_FRAG_DONE = 1,	/* the message is complete */
	IKE_FRAG_REPEAT = 2,	/* a duplicate or of an older transmission, as
				 * retransmissions bring: not kept, @err says which */
};

/*
 * Largest plaintext of one fragment whose message, header included, fits
 * in @msg_max octets under @c; 0 when none does.
 */
size_t ike_frag_plain_max(const struct ike_sk_ctx *c, size_t msg_max);

/*
 * Protect the payload chain @plain (first type @first) as SKF messages of
 * at most @msg_max octets each, all with header @h, one after the other in
 * @out (each message's header Length tells where the next starts). Returns
 * the octets written, with the fragment count in *@count, or -1 with @err.
 */
long ike_frag_protect(struct ike_sk_ctx *c, const struct ike_hdr *h, uint8_t first,
		      const uint8_t *plain, size_t plen, size_t msg_max,
		      uint8_t *out, size_t cap, unsigned int *count, struct ike_err *err);

/*
 * Length of the IKE message at @off in a run of them in @buf (@len
 * octets), as its header says; 0 at the end or when the rest is not a
 * whole message.
 */
size_t ike_frag_next(const uint8_t *buf, size_t len, size_t off);

/*
 * One received fragment: @m from ike_msg_parse() with an SKF payload, for
 * the message ID the caller expects. Checked in this order: no payload
 * before SKF, Total Fragments within the limit, a Total Fragments below
 * the kept ones (an older transmission) and a duplicate (both not kept,
 * IKE_FRAG_REPEAT), then the integrity check with @c; a verified fragment with more Total
 * Fragments than those kept replaces them (RFC 7383 2.6.1), so does one
 * of another message ID or after IKE_FRAG_TIMEOUT_MS from @now. On
 * IKE_FRAG_DONE the plaintext chain is in @out (*@outlen octets, first
 * payload type *@first) and @rx is empty again; over IKE_FRAG_MAX_BYTES
 * or @cap the kept fragments are discarded.
 */
enum ike_frag_result ike_frag_input(struct ike_frag_rx *rx, const struct ike_sk_ctx *c,
				    const struct ike_msg *m, uint64_t now, uint8_t *out,
				    size_t cap, size_t *outlen, uint8_t *first,
				    struct ike_err *err);

/*
 * Turn @m, the last fragment of a message, into that message: header
 * kept, the payloads those of the reassembled chain @plain (first type
 * @first), which must outlive @m. 0, or -1 with @err (an inner payload
 * is wrong: @err->notify says what to answer).
 */
int ike_frag_msg(struct ike_msg *m, uint8_t first, const uint8_t *plain, size_t len,
		 struct ike_err *err);

/* Free and wipe what @rx keeps. */
void ike_frag_rx_clear(struct ike_frag_rx *rx);

#endif /* ESPIKED_FRAG_H */
