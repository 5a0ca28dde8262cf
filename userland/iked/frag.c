// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * frag.c - IKE message fragmentation (RFC 7383): the sending side cuts the
 * plaintext payload chain into pieces and protects each as one SKF message
 * (2.5); the receiving side verifies each fragment before it keeps its
 * plaintext, and hands the chain on once every fragment is there (2.6).
 *
 * Untrusted input: the counts and sizes of a fragment are checked against
 * the limits before anything is decrypted or allocated, and the state of
 * a reassembly changes only for a fragment whose integrity check passed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "frag.h"

__attribute__((format(printf, 2, 3)))
static int frag_fail(struct ike_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->notify = 0;	/* a bad fragment is dropped, never answered */
		err->data = 0;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* IKE header, SKF generic header, Fragment Number and Total Fragments. */
#define SKF_HDRS	(IKE_HDR_LEN + IKE_GENERIC_HDR_LEN + 4)

size_t ike_frag_plain_max(const struct ike_sk_ctx *c, size_t msg_max)
{
	size_t over = SKF_HDRS + c->iv_len + c->icv_len, ct;

	if (!c->block || msg_max <= over + c->block)
		return 0;
	ct = msg_max - over;
	ct -= ct % c->block;
	return ct - 1;	/* the Pad Length octet */
}

long ike_frag_protect(struct ike_sk_ctx *c, const struct ike_hdr *h, uint8_t first,
		      const uint8_t *plain, size_t plen, size_t msg_max,
		      uint8_t *out, size_t cap, unsigned int *count, struct ike_err *err)
{
	size_t pmax = ike_frag_plain_max(c, msg_max), n, off = 0;

	if (!pmax)
		return frag_fail(err, "SKF: fragments of %zu octets leave no room for payloads",
				 msg_max);
	n = plen ? (plen + pmax - 1) / pmax : 1;
	if (n > IKE_FRAG_MAX_COUNT)
		return frag_fail(err, "SKF: %zu octets of payloads need %zu fragments of %zu octets, more than %d",
				 plen, n, msg_max, IKE_FRAG_MAX_COUNT);
	for (size_t i = 0; i < n; i++) {
		size_t chunk = i + 1 < n ? pmax : plen - i * pmax;
		struct ike_builder b;
		long len;

		ike_build_init(&b, out + off, cap - off, h);
		len = ike_sk_protect_frag(c, &b, i ? IKE_PL_NONE : first, (uint16_t)(i + 1),
					  (uint16_t)n, plain + i * pmax, chunk, err);
		if (len < 0)
			return -1;
		off += (size_t)len;
	}
	*count = (unsigned int)n;
	return (long)off;
}

size_t ike_frag_next(const uint8_t *buf, size_t len, size_t off)
{
	size_t l;

	if (off >= len || len - off < IKE_HDR_LEN)
		return 0;
	l = (size_t)buf[off + 24] << 24 | (size_t)buf[off + 25] << 16 |
	    (size_t)buf[off + 26] << 8 | buf[off + 27];
	return l < IKE_HDR_LEN || l > len - off ? 0 : l;
}

void ike_frag_rx_clear(struct ike_frag_rx *rx)
{
	for (unsigned int i = 0; i < IKE_FRAG_MAX_COUNT; i++) {
		if (rx->part[i]) {
			OPENSSL_cleanse(rx->part[i], rx->len[i]);
			free(rx->part[i]);
		}
	}
	memset(rx, 0, sizeof(*rx));
}

/*
 * The checks that need no key: 0 when the fragment may be verified, -1
 * with @err when it is dropped as it is, 1 with @err for a duplicate or a
 * fragment of an older transmission.
 */
static int frag_precheck(struct ike_frag_rx *rx, const struct ike_msg *m, uint64_t now,
			 struct ike_err *err)
{
	const struct ike_sk *sk = &m->sk;

	if (!sk->frag || !(m->present & IKE_HAS(IKE_PL_SKF)))
		return frag_fail(err, "SKF: message has no SKF payload");
	if (m->npayloads != 1)
		return frag_fail(err, "SKF: %u payloads before the SKF payload (unprotected payloads in fragments are not supported)",
				 m->npayloads - 1u);
	if (sk->frag_total > IKE_FRAG_MAX_COUNT)
		return frag_fail(err, "SKF payload: Total Fragments %u exceeds the limit of %d",
				 sk->frag_total, IKE_FRAG_MAX_COUNT);
	if (rx->active && (rx->msgid != m->hdr.msgid || now - rx->started > IKE_FRAG_TIMEOUT_MS))
		ike_frag_rx_clear(rx);	/* stale: start again with this one */
	if (!rx->active)
		return 0;
	if (sk->frag_total < rx->total)
		return -frag_fail(err, "SKF payload: Total Fragments %u below the %u of the fragments kept (an older transmission)",
				  sk->frag_total, rx->total);
	if (sk->frag_total == rx->total && rx->part[sk->frag_num - 1])
		return -frag_fail(err, "SKF payload: Fragment Number %u of %u is a duplicate",
				  sk->frag_num, sk->frag_total);
	return 0;
}

/* Concatenate the fragments of a complete @rx into @out; -1 if they do not fit. */
static int frag_join(struct ike_frag_rx *rx, uint8_t *out, size_t cap, size_t *outlen,
		     uint8_t *first, struct ike_err *err)
{
	size_t off = 0;

	if (rx->bytes > cap) {
		ike_frag_rx_clear(rx);
		return frag_fail(err, "SKF: reassembled message of %zu octets exceeds the %zu-octet buffer",
				 rx->bytes, cap);
	}
	for (unsigned int i = 0; i < rx->total; i++) {
		memcpy(out + off, rx->part[i], rx->len[i]);
		off += rx->len[i];
	}
	*outlen = off;
	*first = rx->first;
	ike_frag_rx_clear(rx);
	return 0;
}

enum ike_frag_result ike_frag_input(struct ike_frag_rx *rx, const struct ike_sk_ctx *c,
				    const struct ike_msg *m, uint64_t now, uint8_t *out,
				    size_t cap, size_t *outlen, uint8_t *first,
				    struct ike_err *err)
{
	const struct ike_sk *sk = &m->sk;
	int pre = frag_precheck(rx, m, now, err);
	uint8_t *plain;
	long len;

	if (pre)
		return pre > 0 ? IKE_FRAG_REPEAT : IKE_FRAG_DROPPED;
	/* The plaintext is never longer than the ciphertext. */
	plain = malloc(sk->body.len ? sk->body.len : 1);
	if (!plain) {
		frag_fail(err, "SKF: out of memory for fragment %u of %u", sk->frag_num,
			  sk->frag_total);
		return IKE_FRAG_DROPPED;
	}
	len = ike_sk_unprotect(c, m, plain, sk->body.len, err);
	if (len < 0) {
		free(plain);
		return IKE_FRAG_DROPPED;
	}
	/* Verified: from here on the fragment changes the reassembly. */
	if (rx->active && sk->frag_total > rx->total)
		ike_frag_rx_clear(rx);	/* a later transmission, cut smaller (2.6.1) */
	if (!rx->active) {
		rx->active = true;
		rx->msgid = m->hdr.msgid;
		rx->total = sk->frag_total;
		rx->started = now;
	}
	if (rx->bytes + (size_t)len > IKE_FRAG_MAX_BYTES) {
		OPENSSL_cleanse(plain, (size_t)len);
		free(plain);
		frag_fail(err, "SKF: fragment %u of %u would take the message past %d octets: all fragments discarded",
			  sk->frag_num, sk->frag_total, IKE_FRAG_MAX_BYTES);
		ike_frag_rx_clear(rx);
		return IKE_FRAG_DROPPED;
	}
	rx->part[sk->frag_num - 1] = plain;
	rx->len[sk->frag_num - 1] = (size_t)len;
	rx->bytes += (size_t)len;
	rx->have++;
	if (sk->frag_num == 1)
		rx->first = sk->first;
	if (rx->have < rx->total)
		return IKE_FRAG_KEPT;
	return frag_join(rx, out, cap, outlen, first, err) ? IKE_FRAG_DROPPED : IKE_FRAG_DONE;
}

int ike_frag_msg(struct ike_msg *m, uint8_t first, const uint8_t *plain, size_t len,
		 struct ike_err *err)
{
	struct ike_hdr h = m->hdr;

	memset(m, 0, sizeof(*m));
	m->hdr = h;
	m->hdr.next = IKE_PL_SK;
	m->present = IKE_HAS(IKE_PL_SK);
	m->sk.first = first;
	m->order[0].type = IKE_PL_SK;
	m->npayloads = 1;
	return ike_msg_parse_inner(m, first, plain, len, err);
}
