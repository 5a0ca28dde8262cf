// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_mutate_test.c - the parser against truncated and mutated messages.
 * Built with ASan/UBSan by "make test": any out-of-bounds read, overflow or
 * leak aborts the run. Deterministic (fixed PRNG seed).
 */
#include <string.h>

#include "msg.h"
#include "sk.h"
#include "ike_test.h"
#include "ike_test_msgs.h"

#define MUTATIONS 10000

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void set_len(uint8_t *b, size_t len)
{
	b[24] = (uint8_t)(len >> 24);
	b[25] = (uint8_t)(len >> 16);
	b[26] = (uint8_t)(len >> 8);
	b[27] = (uint8_t)len;
}

/* Accepted messages must re-encode and the re-encoding must parse. */
static int consistent(const struct ike_msg *m)
{
	static uint8_t out[4096];
	struct ike_msg m2;
	struct ike_err err;
	long len = ike_msg_encode(m, out, sizeof(out));

	return len > 0 && !ike_msg_parse(out, (size_t)len, &m2, &err);
}

static void truncations(const char *name, const uint8_t *msg, size_t len)
{
	static uint8_t buf[4096];
	struct ike_msg m;
	struct ike_err err;
	unsigned int accepted = 0, accepted_fixed = 0;

	for (size_t cut = 0; cut < len; cut++) {
		memcpy(buf, msg, cut);
		accepted += ike_msg_parse(buf, cut, &m, &err) == 0;
		if (cut >= IKE_HDR_LEN) {
			/* also with a header Length that agrees */
			set_len(buf, cut);
			if (!ike_msg_parse(buf, cut, &m, &err)) {
				accepted_fixed++;
				if (!consistent(&m))
					accepted_fixed += 1000;
			}
		}
	}
	t_ok(accepted == 0, "mutate: %s: all %zu truncations rejected", name, len);
	/* only a cut right after the header of an empty chain could pass */
	t_ok(accepted_fixed == 0, "mutate: %s: truncations with a fixed-up Length rejected (%u accepted)",
	     name, accepted_fixed);
}

static void mutations(const char *name, const uint8_t *msg, size_t len)
{
	static uint8_t buf[4096];
	struct ike_msg m;
	struct ike_err err;
	unsigned int accepted = 0, bad = 0;

	for (int i = 0; i < MUTATIONS; i++) {
		unsigned int n = 1 + rnd() % 4;

		memcpy(buf, msg, len);
		for (unsigned int j = 0; j < n; j++) {
			size_t pos = rnd() % len;

			switch (rnd() % 4) {
			case 0: buf[pos] ^= (uint8_t)(1u << (rnd() % 8)); break;
			case 1: buf[pos] = 0; break;
			case 2: buf[pos] = 0xff; break;
			default: buf[pos] = (uint8_t)rnd(); break;
			}
		}
		if (i & 1)
			set_len(buf, len);	/* keep the header consistent */
		if (!ike_msg_parse(buf, len, &m, &err)) {
			accepted++;
			if (!consistent(&m))
				bad++;
			if (m.present & IKE_HAS(IKE_PL_SK))
				ike_msg_parse_inner(&m, m.sk.first, m.sk.body.p, m.sk.body.len, &err);
		}
	}
	t_ok(bad == 0, "mutate: %s: %d mutations, %u accepted, all of those re-encode and re-parse",
	     name, MUTATIONS, accepted);
}

/* Every single-bit change of a protected message must be caught. */
static void integrity(void)
{
	static uint8_t inner[1024], msg[2048], buf[2048], plain[2048];
	uint8_t ekey[20], first;
	struct ike_sk_ctx tx, rx;
	struct ike_builder b;
	struct ike_hdr h;
	struct ike_msg m;
	struct ike_err err;
	long ilen, len;
	unsigned int opened = 0, total = 0;

	memset(ekey, 0x21, sizeof(ekey));
	ike_sk_init(&tx, IKE_ENCR_AES_GCM_16, 128, 0, ekey, 20, NULL, 0, &err);
	ike_sk_init(&rx, IKE_ENCR_AES_GCM_16, 128, 0, ekey, 20, NULL, 0, &err);
	ilen = ike_test_auth_inner(inner, sizeof(inner), &first);
	ike_test_hdr(&h, IKE_EXCH_AUTH, IKE_FLAG_INITIATOR, 1);
	ike_build_init(&b, msg, sizeof(msg), &h);
	len = ike_sk_protect(&tx, &b, first, inner, (size_t)ilen, &err);
	for (long pos = 0; pos < len; pos++)
		for (int bit = 0; bit < 8; bit++) {
			memcpy(buf, msg, (size_t)len);
			buf[pos] ^= (uint8_t)(1u << bit);
			total++;
			if (!ike_msg_parse(buf, (size_t)len, &m, &err) &&
			    !ike_sk_open(&rx, &m, plain, sizeof(plain), &err))
				opened++;
		}
	t_ok(len > 0 && opened == 0, "mutate: none of %u one-bit changes of an AES-GCM IKE_AUTH opens", total);
	ike_sk_clear(&tx);
	ike_sk_clear(&rx);
}

void test_mutate(void)
{
	static uint8_t buf[2048], inner[1024];
	uint8_t first;
	long len;

	len = ike_test_sa_init(buf, sizeof(buf), 1);
	truncations("IKE_SA_INIT", buf, (size_t)len);
	mutations("IKE_SA_INIT", buf, (size_t)len);
	len = ike_test_informational(buf, sizeof(buf));
	truncations("INFORMATIONAL", buf, (size_t)len);
	mutations("INFORMATIONAL", buf, (size_t)len);
	/* the IKE_AUTH inner chain behind a header, as if in clear */
	len = ike_test_auth_inner(inner, sizeof(inner), &first);
	{
		struct ike_builder b;
		struct ike_hdr h;

		ike_test_hdr(&h, IKE_EXCH_AUTH, IKE_FLAG_INITIATOR, 1);
		ike_build_init(&b, buf, sizeof(buf), &h);
		memcpy(buf + IKE_HDR_LEN, inner, (size_t)len);
		buf[16] = first;
		len += IKE_HDR_LEN;
		set_len(buf, (size_t)len);
	}
	truncations("IKE_AUTH payloads", buf, (size_t)len);
	mutations("IKE_AUTH payloads", buf, (size_t)len);
	integrity();
}
