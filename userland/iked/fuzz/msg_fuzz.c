// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * msg_fuzz.c - libFuzzer target for the IKEv2 message parser: the header
 * and outer chain, the SK payload checks with fixed keys, the inner chain
 * (the SK body parsed as if it had been decrypted), re-encoding, proposal
 * selection and NAT/KE value checks on whatever was decoded.
 */
#include <stdlib.h>
#include <string.h>

#include "dh.h"
#include "msg.h"
#include "proposal.h"
#include "sk.h"

static struct ike_sk_ctx gcm, cbc;
static struct ike_sa_payload ike_mine, esp_mine;

static void setup(void)
{
	static int done;
	uint8_t key[64];
	char err[128];

	if (done)
		return;
	done = 1;
	memset(key, 0x42, sizeof(key));
	ike_sk_init(&gcm, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, key, 20, NULL, 0, NULL);
	ike_sk_init(&cbc, IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, key, 32, key, 32, NULL);
	ike_proposal_list_parse("aes256gcm16-prfsha384-ecp384,aes128-sha256-modp2048,aes128gcm16-prfsha256-x25519",
				IKE_PROTO_IKE, &ike_mine, err, sizeof(err));
	ike_proposal_list_parse("aes128gcm16-esn-noesn,chacha20poly1305-ecp256", IKE_PROTO_ESP,
				&esp_mine, err, sizeof(err));
}

static void exercise(struct ike_msg *m)
{
	static uint8_t out[70000];
	struct ike_proposal chosen;
	char err[512];
	struct ike_msg m2;
	struct ike_err e;
	long len;

	len = ike_msg_encode(m, out, sizeof(out));
	if (len < 0 || ike_msg_parse(out, (size_t)len, &m2, &e))
		abort();	/* an accepted message must re-encode and re-parse */
	if (m->present & IKE_HAS(IKE_PL_SA)) {
		ike_proposal_select(&ike_mine, &m->sa, 0, &chosen, err, sizeof(err));
		ike_proposal_select(&esp_mine, &m->sa, IKE_SEL_IGNORE_DH, &chosen, err, sizeof(err));
		ike_proposal_check_answer(&ike_mine, &m->sa, 0, err, sizeof(err));
		for (unsigned int i = 0; i < m->sa.nprops; i++)
			ike_proposal_format(&m->sa.prop[i], err, sizeof(err));
	}
	if ((m->present & IKE_HAS(IKE_PL_KE)) && ike_dh_pub_len(m->ke.group) == m->ke.data.len &&
	    m->ke.group != IKE_DH_MODP2048)
		ike_dh_check_peer(m->ke.group, m->ke.data.p, m->ke.data.len, err, sizeof(err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t plain[70000];
	struct ike_msg m;
	struct ike_err err;

	setup();
	if (ike_msg_parse(data, size, &m, &err))
		return 0;
	exercise(&m);
	if (!(m.present & IKE_HAS(IKE_PL_SK)))
		return 0;
	/* Integrity checks on garbage: must fail cleanly. */
	if (ike_sk_unprotect(&gcm, &m, plain, sizeof(plain), &err) >= 0 ||
	    ike_sk_unprotect(&cbc, &m, plain, sizeof(plain), &err) >= 0)
		abort();	/* a forged ICV was accepted */
	/* The SK body as a decrypted inner chain. */
	if (!ike_msg_parse_inner(&m, m.sk.first, m.sk.body.p, m.sk.body.len, &err))
		exercise(&m);
	return 0;
}
