// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * frag_fuzz.c - libFuzzer target for the reassembly of IKE fragments
 * (RFC 7383, frag.c). The input is a run of records, each fed to one
 * reassembly:
 *   op (1 octet): bit 0 clear: a raw datagram follows, Length (2 octets,
 *	big-endian) then the octets, parsed and, if it is a fragment, fed as
 *	it is (the parser and the integrity check see fuzzed bytes);
 *	bit 0 set: a fragment made here, so that its integrity check passes
 *	and the reassembly logic itself is explored: Fragment Number (1),
 *	Total Fragments (1), message ID (1), seconds since the previous
 *	record (1), first payload type (1), Length (2), then that much
 *	plaintext, protected with the fixed keys;
 *   bit 1 picks the keys: AES-GCM-16 or AES-CBC with HMAC-SHA2-256.
 * A complete message is parsed as the inner payload chain. Nothing may
 * crash, leak or read out of bounds; the reassembly never holds more than
 * its limits.
 */
#include <stdlib.h>
#include <string.h>

#include "frag.h"
#include "ike.h"
#include "msg.h"
#include "sk.h"

static struct ike_sk_ctx ctx[2];
static int ready;

static void setup(void)
{
	uint8_t ekey[36], akey[32];
	struct ike_err err;

	if (ready)
		return;
	memset(ekey, 0x42, sizeof(ekey));
	memset(akey, 0x24, sizeof(akey));
	if (ike_sk_init(&ctx[0], IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, ekey, 20, NULL, 0,
			&err) ||
	    ike_sk_init(&ctx[1], IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, ekey, 16,
			akey, sizeof(akey), &err))
		abort();
	ready = 1;
}

static void feed(struct ike_frag_rx *rx, const struct ike_sk_ctx *c, const uint8_t *msg,
		 size_t len, uint64_t now, uint8_t *out)
{
	struct ike_err err;
	struct ike_msg m;
	size_t outlen = 0;
	uint8_t first = 0;

	if (ike_msg_parse(msg, len, &m, &err) || !m.sk.frag)
		return;
	if (ike_frag_input(rx, c, &m, now, out, IKE_MAX_MSG, &outlen, &first, &err) ==
	    IKE_FRAG_DONE)
		ike_frag_msg(&m, first, out, outlen, &err);
	if (rx->have > rx->total || rx->total > IKE_FRAG_MAX_COUNT ||
	    rx->bytes > IKE_FRAG_MAX_BYTES)
		abort();
}

/* A fragment made from the record at @p (@n octets left); returns octets used or 0. */
static size_t made(struct ike_frag_rx *rx, struct ike_sk_ctx *c, const uint8_t *p, size_t n,
		   uint64_t *now, uint8_t *msg, uint8_t *out)
{
	struct ike_builder b;
	struct ike_hdr h = { 0 };
	struct ike_err err;
	size_t plen;
	long len;

	if (n < 7)
		return 0;
	plen = (size_t)p[5] << 8 | p[6];
	if (plen > n - 7 || plen > 4096)
		return 0;
	memset(h.spi_i, 1, 8);
	memset(h.spi_r, 2, 8);
	h.exchange = IKE_EXCH_AUTH;
	h.flags = IKE_FLAG_INITIATOR;
	h.msgid = p[2] & 3;
	*now += (uint64_t)p[3] * 1000;
	ike_build_init(&b, msg, 8192, &h);
	len = ike_sk_protect_frag(c, &b, p[4], p[0], p[1], p + 7, plen, &err);
	if (len > 0)
		feed(rx, c, msg, (size_t)len, *now, out);
	return 7 + plen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[IKE_MAX_MSG], msg[8192];
	struct ike_frag_rx rx = { 0 };
	uint64_t now = 0;
	size_t off = 0;

	setup();
	while (off < size) {
		uint8_t op = data[off++];
		struct ike_sk_ctx *c = &ctx[(op >> 1) & 1];
		size_t used, len;

		if (op & 1) {
			used = made(&rx, c, data + off, size - off, &now, msg, out);
			if (!used)
				break;
			off += used;
			continue;
		}
		if (size - off < 2)
			break;
		len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		feed(&rx, c, data + off, len, now, out);
		off += len;
	}
	ike_frag_rx_clear(&rx);
	return 0;
}
