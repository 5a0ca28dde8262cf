// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_proposal_test.c - proposal strings and selection.
 */
#include <string.h>

#include "proposal.h"
#include "ike_test.h"

static void roundtrip(const char *in, uint8_t proto, const char *want)
{
	struct ike_proposal p;
	char err[200] = "", out[200] = "";

	if (ike_proposal_parse(in, proto, &p, err, sizeof(err)) == 0)
		ike_proposal_format(&p, out, sizeof(out));
	t_ok(!strcmp(out, want), "proposal: '%s' -> '%s'%s%s", in, out, err[0] ? " " : "", err);
}

static void reject(const char *in, uint8_t proto, const char *needle)
{
	struct ike_proposal p;
	char err[200] = "";

	t_ok(ike_proposal_parse(in, proto, &p, err, sizeof(err)) == -1 && strstr(err, needle),
	     "proposal: reject '%s' (%s)", in, err);
}

static void test_strings(void)
{
	struct ike_proposal p;
	char err[200];

	roundtrip("aes256gcm16-prfsha384-ecp384", IKE_PROTO_IKE, "aes256gcm16-prfsha384-ecp384");
	roundtrip("aes128-sha256-modp2048", IKE_PROTO_IKE, "aes128-prfsha256-sha256-modp2048");
	roundtrip("aes256gcm16-x25519", IKE_PROTO_ESP, "aes256gcm16-x25519-noesn");
	roundtrip("aes128gcm16", IKE_PROTO_ESP, "aes128gcm16-noesn");
	roundtrip("chacha20poly1305", IKE_PROTO_ESP, "chacha20poly1305-noesn");
	roundtrip("aes128gcm16-esn", IKE_PROTO_ESP, "aes128gcm16-esn");
	roundtrip("aes128gcm16-esn-noesn", IKE_PROTO_ESP, "aes128gcm16-esn-noesn");
	roundtrip("aes256-sha256", IKE_PROTO_ESP, "aes256-sha256-noesn");
	roundtrip("aes128gcm16-aes256gcm16-prfsha256-ecp256-curve25519", IKE_PROTO_IKE,
		  "aes128gcm16-aes256gcm16-prfsha256-ecp256-x25519");
	t_ok(!ike_proposal_parse("aes256gcm16-prfsha384-ecp384", IKE_PROTO_IKE, &p, err, sizeof(err)) &&
	     p.ntransforms == 3 && p.xf[0].type == IKE_XF_ENCR && p.xf[0].id == IKE_ENCR_AES_GCM_16 &&
	     p.xf[0].keylen == 256 && p.xf[1].id == IKE_PRF_HMAC_SHA2_384 && p.xf[2].id == IKE_DH_ECP384,
	     "proposal: aes256gcm16-prfsha384-ecp384 transform IDs");
	reject("aes256gcm16-x25519", IKE_PROTO_IKE, "needs an explicit PRF");
	reject("aes128-sha256-modp2049", IKE_PROTO_IKE, "unknown algorithm 'modp2049'");
	reject("aes128--sha256", IKE_PROTO_IKE, "empty algorithm name");
	reject("aes128-sha256-", IKE_PROTO_IKE, "ends with '-'");
	reject("aes128-prfsha256-modp2048", IKE_PROTO_IKE, "no integrity algorithm");
	reject("aes128gcm16-sha256-prfsha256-ecp256", IKE_PROTO_IKE, "takes no integrity");
	reject("aes128gcm16-aes128-sha256-prfsha256-ecp256", IKE_PROTO_IKE, "cannot be mixed");
	reject("aes128gcm16-prfsha256", IKE_PROTO_IKE, "no Diffie-Hellman group");
	reject("aes128gcm16-prfsha256", IKE_PROTO_ESP, "'prfsha256' is not valid in an ESP proposal");
	reject("aes128gcm16-esn-ecp256", IKE_PROTO_IKE, "'esn' is not valid");
	reject("sha256-ecp256", IKE_PROTO_IKE, "no encryption algorithm");
	reject("", IKE_PROTO_ESP, "empty ESP proposal");
}

static void test_select(void)
{
	struct ike_sa_payload mine, peer;
	struct ike_proposal ch;
	char err[400];
	const struct ike_transform *t;

	ike_proposal_list_parse("aes256gcm16-prfsha384-ecp384,aes128-sha256-modp2048",
				IKE_PROTO_IKE, &mine, err, sizeof(err));
	ike_proposal_list_parse("aes128-sha256-modp2048,aes128gcm16-aes256gcm16-prfsha256-prfsha384-ecp256-ecp384",
				IKE_PROTO_IKE, &peer, err, sizeof(err));
	t_ok(!ike_proposal_select(&mine, &peer, 0, &ch, err, sizeof(err)) && ch.num == 2 &&
	     (t = ike_proposal_get(&ch, IKE_XF_ENCR)) && t->keylen == 256 &&
	     ike_proposal_get(&ch, IKE_XF_PRF)->id == IKE_PRF_HMAC_SHA2_384 &&
	     ike_proposal_get(&ch, IKE_XF_DH)->id == IKE_DH_ECP384 && ch.ntransforms == 3,
	     "proposal: responder's first proposal wins over the initiator's order (RFC 7296 2.7)");
	ike_proposal_list_parse("aes128gcm16-prfsha256-x25519", IKE_PROTO_IKE, &peer, err, sizeof(err));
	t_ok(ike_proposal_select(&mine, &peer, 0, &ch, err, sizeof(err)) == -1 &&
	     strstr(err, "peer offered aes128gcm16-prfsha256-x25519") &&
	     strstr(err, "we accept aes256gcm16-prfsha384-ecp384,aes128-prfsha256-sha256-modp2048"),
	     "proposal: no match names both sides (%s)", err);
	peer.prop[0].xf[0].unknown_attr = true;
	ike_proposal_list_parse("aes128gcm16-prfsha256-x25519", IKE_PROTO_IKE, &mine, err, sizeof(err));
	t_ok(ike_proposal_select(&mine, &peer, 0, &ch, err, sizeof(err)) == -1,
	     "proposal: a transform with an unknown attribute disqualifies the proposal");

	/* ESP: PFS group ignored in IKE_AUTH, ESN defaults to no */
	ike_proposal_list_parse("aes128gcm16-ecp256", IKE_PROTO_ESP, &mine, err, sizeof(err));
	ike_proposal_list_parse("aes256gcm16-aes128gcm16", IKE_PROTO_ESP, &peer, err, sizeof(err));
	t_ok(ike_proposal_select(&mine, &peer, 0, &ch, err, sizeof(err)) == -1,
	     "proposal: our PFS group required in CREATE_CHILD_SA");
	t_ok(!ike_proposal_select(&mine, &peer, IKE_SEL_IGNORE_DH, &ch, err, sizeof(err)) &&
	     ike_proposal_get(&ch, IKE_XF_ENCR)->keylen == 128 && !ike_proposal_get(&ch, IKE_XF_DH) &&
	     ike_proposal_get(&ch, IKE_XF_ESN)->id == IKE_ESN_NO,
	     "proposal: DH ignored for the IKE_AUTH CHILD_SA");
	ike_proposal_list_parse("aes128gcm16-esn", IKE_PROTO_ESP, &peer, err, sizeof(err));
	t_ok(ike_proposal_select(&mine, &peer, IKE_SEL_IGNORE_DH, &ch, err, sizeof(err)) == -1,
	     "proposal: ESN mismatch is no match");

	/* initiator's check of the answer */
	ike_proposal_list_parse("aes128gcm16-aes256gcm16-prfsha256-ecp256-x25519", IKE_PROTO_IKE,
				&mine, err, sizeof(err));
	ike_proposal_list_parse("aes256gcm16-prfsha256-x25519", IKE_PROTO_IKE, &peer, err, sizeof(err));
	t_ok(!ike_proposal_check_answer(&mine, &peer, 0, err, sizeof(err)),
	     "proposal: answer with one transform per type from our offer accepted");
	ike_proposal_list_parse("aes256gcm16-prfsha256-ecp384", IKE_PROTO_IKE, &peer, err, sizeof(err));
	t_ok(ike_proposal_check_answer(&mine, &peer, 0, err, sizeof(err)) == -1 &&
	     strstr(err, "did not offer"), "proposal: answer we did not offer refused (%s)", err);
	ike_proposal_list_parse("aes256gcm16-prfsha256-ecp256-x25519", IKE_PROTO_IKE, &peer, err, sizeof(err));
	t_ok(ike_proposal_check_answer(&mine, &peer, 0, err, sizeof(err)) == -1 &&
	     strstr(err, "several transforms"), "proposal: answer with two DH groups refused");
}

/* RFC 7296 1.2: no DH transform in the SA payload of IKE_AUTH. */
static void test_strip_dh(void)
{
	struct ike_sa_payload sa, ans;
	char err[400] = "", out[200];

	ike_proposal_list_parse("aes256gcm16-ecp384,aes256gcm16-modp2048,chacha20poly1305-x25519-esn",
				IKE_PROTO_ESP, &sa, err, sizeof(err));
	ike_proposal_strip_dh(&sa);
	t_ok(sa.nprops == 2 && sa.prop[0].num == 1 && sa.prop[1].num == 2 &&
	     !ike_proposal_get(&sa.prop[0], IKE_XF_DH) && !ike_proposal_get(&sa.prop[1], IKE_XF_DH),
	     "proposal: IKE_AUTH offer has no DH transform, duplicates merged, numbered from 1");
	ike_proposal_format(&sa.prop[0], out, sizeof(out));
	t_ok(!strcmp(out, "aes256gcm16-noesn"), "proposal: stripped 'aes256gcm16-ecp384' is '%s'", out);
	ike_proposal_format(&sa.prop[1], out, sizeof(out));
	t_ok(!strcmp(out, "chacha20poly1305-esn"), "proposal: stripped second proposal is '%s'", out);
	ike_proposal_list_parse("chacha20poly1305-esn", IKE_PROTO_ESP, &ans, err, sizeof(err));
	ans.prop[0].num = 2;
	t_ok(!ike_proposal_check_answer(&sa, &ans, IKE_SEL_IGNORE_DH, err, sizeof(err)),
	     "proposal: an answer numbered as in the stripped offer is accepted (%s)", err);
}

void test_proposal(void)
{
	test_strings();
	test_select();
	test_strip_dh();
}
