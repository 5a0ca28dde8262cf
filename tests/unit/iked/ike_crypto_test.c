// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_crypto_test.c - PRF, prf+, SKEYSEED, rekey SKEYSEED and KEYMAT
 * against published known-answer vectors.
 *
 * HMAC vectors: RFC 4231 test case 2.
 * IKEv2 KDF vectors: NIST CAVP "IKEv2 KDF" (SP 800-135) test data with
 * HMAC-SHA-1, as published in the CAVP component test files and carried
 * by the KAT suites of libreswan (programs/.../ike_alg_test_prf.c, vector
 * CAVP1 below) and Cisco's libacvp/FIPS KDF self test (vector CAVP2).
 * The same prf+ code runs for all HMACs, so these pin the construction;
 * SHA-2 PRFs are checked end to end against strongSwan in
 * ike_interop_test.c.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "ike.h"
#include "ike_test.h"

/* CAVP1: Ni, Nr 8 octets, g^ir 32 octets */
#define CAVP1_NI	"32b50d5f4a3763f3"
#define CAVP1_NR	"9206a04b26564cb1"
#define CAVP1_GIR	"4b2c1f971981a8ad8d0abeafabf38cf75fc8349c148142465ed9c8b516b8be52"
#define CAVP1_GIR_NEW	"863f3c9d06efd39d2b907b97f8699e5dd5251ef64a2a176f36ee40c87d4f9330"
#define CAVP1_SPII	"34c9e7c188868785"
#define CAVP1_SPIR	"3ff77d760d2b2199"
#define CAVP1_SKEYSEED	"a9a7b222b59f8f48645f28a1db5b5f5d7479cba7"
#define CAVP1_SKEYSEED_REKEY "63e81194946ebd05df7df5ebf5d8750056bf1f1d"
#define CAVP1_DKM \
	"a14293677cc80ff8f9cc0eee30d895da9d8f405666e30ef0dfcb63c634a46002" \
	"a2a63080e514a062768b76606f9fa5e992204fc5a670bde3f10d6b027113936a" \
	"5c55b648a194ae587b0088d52204b702c979fa280870d2ed41efa9c549fd1119" \
	"8af1670b143d384bd275c5f594cf266b05ebadca855e4249520a441a81157435" \
	"a7a56cc4"

/* CAVP2: Ni, Nr 8 octets, g^ir 128 octets, child DKM with and without DH */
#define CAVP2_NI	"3651fef5c9c35e93"
#define CAVP2_NR	"c09a8b90a3f04d59"
#define CAVP2_SPII	"8e5c3ae507221684"
#define CAVP2_SPIR	"b1f201bb155c3acd"
#define CAVP2_SKEYSEED	"cd2e8050137832245f1dbacc6e4f0a92f94d45d6"
#define CAVP2_SKEYSEED_REKEY "3b03bce748c96d5e8306918d2ff89b68f0648da3"
/* 128 octets */
#define CAVP2_GIR \
	"d084a30166a50fb7325c3960874a839449ef9741c2f4f947d0201dd8c1269273" \
	"d79509f37e3ca3eb4fa2fe2a28254e289cd3f34dad4eb4df1a07685a4b8a94fa" \
	"61e2491f7598b3ce65547ff133b3f63d1ac4175eaa695033f3cedb026a6873a3" \
	"6455172a8540b8a5d23a0143bed0390ee49b168269d75fffee9fb62be965993c"
/* 128 octets */
#define CAVP2_GIR_NEW \
	"52f00ab174c25d5b7139ae5ff4e8e9eddee5992d2e36adf8a559ffd90dab1442" \
	"e4fbe429d320c0f33552a17d1557fa41ea70e8fb916c4fa27ed52b5f8ebd8461" \
	"afa78f1159159a64055ac5f6319e29c28eae58cbc6847770f32c3fed1d047504" \
	"84f854790f95e9ec01bc5bc461f24966462e359511329305038e94deb6dd42c2"
/* 132 octets */
#define CAVP2_DKM \
	"6f1b12cad3cbe097b35430356d869d54cddb0198ec859174d53ceb92dddedbe2" \
	"436db69f60977c58fa63bbb667f8d36920b109baae8f6c61a9ac49feda018432" \
	"25d080ec5539d5881a25521ffb2a0a91874a9c0a27fcc2d717eb8963a9e3a89c" \
	"7ab264757284c28cf8c3ca40576f4220b052b1fb8e9ad60ba3c80557323331a8" \
	"cbb89f20"
/* 132 octets */
#define CAVP2_DKM_SA \
	"4727dc0ef94eb326ce131cf282fb652faa638ad0ddae3786a11bcc0309876009" \
	"f8c485de011ad962c5b1ca8a41ff8145445749079c5686e26ffebbc342f06981" \
	"f3da745e11ca0976424d1f8caec623d59dc7186deb20a27b411d1dcb70a36544" \
	"0bf7de905088b0692e8addc094e18d1939bdb67e89798ca6b239e2ccb81c2409" \
	"dac0106c"
/* 132 octets */
#define CAVP2_DKM_SA_DH \
	"b109c21ad4c0797768c1cec9e63554681e48f224bca7f23c20c4ea7041983451" \
	"e9aa1d5408656c8a975ff1b9d9a12c75ffeb64bdecb30174664cccb4e14f1c37" \
	"7b7f6d1525af77c7092aac3e47f917ebae8297fb5539d2008ce830823a09cc19" \
	"7361d4a289c72745f6ce9fefe812be5bf55b3200fbb82e41a4a40877d3fe106d" \
	"b909707b"

static void test_hmac(void)
{
	static const struct { uint16_t id; const char *out; } v[] = {
		{ IKE_PRF_HMAC_SHA2_256,
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ IKE_PRF_HMAC_SHA2_384,
		  "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
		  "8e2240ca5e69e2c78b3239ecfab21649" },
		{ IKE_PRF_HMAC_SHA2_512,
		  "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
		  "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	};
	const char *data = "what do ya want for nothing?";

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const struct ike_prf_alg *a = ike_prf_get(v[i].id);
		uint8_t want[64], got[64];
		long n = t_hex(v[i].out, want, sizeof(want));

		t_ok(a && (size_t)n == a->len &&
		     !ike_prf(a, (const uint8_t *)"Jefe", 4, (const uint8_t *)data,
			      strlen(data), got) &&
		     t_memeq("hmac", got, want, a->len),
		     "crypto: %s matches RFC 4231 test case 2", a ? a->name : "?");
	}
	t_ok(ike_prf_get(IKE_PRF_HMAC_SHA2_256 + 100) == NULL, "crypto: unknown PRF ID rejected");
}

static void test_prf_plus(void)
{
	const struct ike_prf_alg *a = ike_prf_get(IKE_PRF_HMAC_SHA2_256);
	uint8_t key[32], seed[40], long_out[255 * 32], short_out[100], t1[32], in[41];

	memset(key, 7, sizeof(key));
	memset(seed, 9, sizeof(seed));
	t_ok(!ike_prf_plus(a, key, 32, seed, 40, long_out, sizeof(long_out)) &&
	     !ike_prf_plus(a, key, 32, seed, 40, short_out, sizeof(short_out)) &&
	     !memcmp(long_out, short_out, sizeof(short_out)),
	     "crypto: prf+ output is a prefix of a longer prf+ output");
	/* T1 = prf(K, S | 0x01) */
	memcpy(in, seed, 40);
	in[40] = 1;
	t_ok(!ike_prf(a, key, 32, in, 41, t1) && !memcmp(t1, long_out, 32),
	     "crypto: prf+ T1 = prf(K, S | 0x01)");
	t_ok(ike_prf_plus(a, key, 32, seed, 40, long_out, sizeof(long_out) + 1) == -1,
	     "crypto: prf+ refuses more than 255 blocks");
}

static void test_cavp(void)
{
	const struct ike_prf_alg *a = ike_prf_get(IKE_PRF_HMAC_SHA1);
	uint8_t ni[8], nr[8], gir[128], gir_new[128], spii[8], spir[8];
	uint8_t skeyseed[20], want[132], got[132], seed[16];
	long girlen, girnewlen;
	struct ike_keys k;

	/* CAVP1 */
	t_hex(CAVP1_NI, ni, 8);
	t_hex(CAVP1_NR, nr, 8);
	t_hex(CAVP1_SPII, spii, 8);
	t_hex(CAVP1_SPIR, spir, 8);
	girlen = t_hex(CAVP1_GIR, gir, sizeof(gir));
	girnewlen = t_hex(CAVP1_GIR_NEW, gir_new, sizeof(gir_new));
	t_hex(CAVP1_SKEYSEED, want, sizeof(want));
	t_ok(!ike_skeyseed(a, ni, 8, nr, 8, gir, (size_t)girlen, skeyseed) &&
	     t_memeq("SKEYSEED", skeyseed, want, 20), "crypto: CAVP1 SKEYSEED (HMAC-SHA1)");
	t_hex(CAVP1_DKM, want, sizeof(want));
	memcpy(seed, ni, 8);
	memcpy(seed + 8, nr, 8);
	memcpy(got, seed, 0);
	{
		uint8_t s[32];

		memcpy(s, seed, 16);
		memcpy(s + 16, spii, 8);
		memcpy(s + 24, spir, 8);
		t_ok(!ike_prf_plus(a, skeyseed, 20, s, 32, got, 132) &&
		     t_memeq("DKM", got, want, 132), "crypto: CAVP1 DKM = prf+(SKEYSEED, Ni|Nr|SPIi|SPIr)");
	}
	/* the seven keys are consecutive slices of the DKM: 3*20 + 2*20 + 2*16 = 132 */
	t_ok(!ike_derive_keys(a, skeyseed, ni, 8, nr, 8, spii, spir, 20, 16, &k) &&
	     !memcmp(k.sk_d, want, 20) && !memcmp(k.sk_ai, want + 20, 20) &&
	     !memcmp(k.sk_ar, want + 40, 20) && !memcmp(k.sk_ei, want + 60, 16) &&
	     !memcmp(k.sk_er, want + 76, 16) && !memcmp(k.sk_pi, want + 92, 20) &&
	     !memcmp(k.sk_pr, want + 112, 20), "crypto: CAVP1 SK_d..SK_pr split of the DKM");
	t_hex(CAVP1_SKEYSEED_REKEY, want, sizeof(want));
	t_ok(!ike_skeyseed_rekey(a, k.sk_d, 20, gir_new, (size_t)girnewlen, ni, 8, nr, 8, got) &&
	     t_memeq("SKEYSEED rekey", got, want, 20),
	     "crypto: CAVP1 rekey SKEYSEED = prf(SK_d, g^ir new | Ni | Nr)");
	ike_keys_clear(&k);
	t_ok(k.prf_len == 0 && k.sk_d[0] == 0 && k.sk_pr[19] == 0, "crypto: ike_keys_clear wipes the keys");

	/* CAVP2 */
	t_hex(CAVP2_NI, ni, 8);
	t_hex(CAVP2_NR, nr, 8);
	t_hex(CAVP2_SPII, spii, 8);
	t_hex(CAVP2_SPIR, spir, 8);
	girlen = t_hex(CAVP2_GIR, gir, sizeof(gir));
	girnewlen = t_hex(CAVP2_GIR_NEW, gir_new, sizeof(gir_new));
	t_hex(CAVP2_SKEYSEED, want, sizeof(want));
	t_ok(girlen == 128 && !ike_skeyseed(a, ni, 8, nr, 8, gir, 128, skeyseed) &&
	     t_memeq("SKEYSEED", skeyseed, want, 20), "crypto: CAVP2 SKEYSEED (1024-bit g^ir)");
	t_hex(CAVP2_DKM, want, sizeof(want));
	t_ok(!ike_derive_keys(a, skeyseed, ni, 8, nr, 8, spii, spir, 20, 16, &k) &&
	     t_memeq("SK_d", k.sk_d, want, 20) && t_memeq("SK_pr", k.sk_pr, want + 112, 20),
	     "crypto: CAVP2 DKM split into SK_d..SK_pr");
	t_hex(CAVP2_DKM_SA, want, sizeof(want));
	t_ok(!ike_child_keymat(a, k.sk_d, 20, NULL, 0, ni, 8, nr, 8, got, 132) &&
	     t_memeq("KEYMAT", got, want, 132), "crypto: CAVP2 CHILD_SA KEYMAT = prf+(SK_d, Ni|Nr)");
	t_hex(CAVP2_DKM_SA_DH, want, sizeof(want));
	t_ok(girnewlen == 128 &&
	     !ike_child_keymat(a, k.sk_d, 20, gir_new, 128, ni, 8, nr, 8, got, 132) &&
	     t_memeq("KEYMAT PFS", got, want, 132),
	     "crypto: CAVP2 CHILD_SA KEYMAT with PFS = prf+(SK_d, g^ir|Ni|Nr)");
	t_hex(CAVP2_SKEYSEED_REKEY, want, sizeof(want));
	t_ok(!ike_skeyseed_rekey(a, k.sk_d, 20, gir_new, 128, ni, 8, nr, 8, got) &&
	     t_memeq("SKEYSEED rekey", got, want, 20), "crypto: CAVP2 rekey SKEYSEED");
	ike_keys_clear(&k);
}

static void test_psk_octets(void)
{
	const struct ike_prf_alg *a = ike_prf_get(IKE_PRF_HMAC_SHA2_256);
	uint8_t msg[40], nonce[16], skp[32], id[8], octets[128], inner[32], want[32], got[32];
	const char *pad = "Key Pad for IKEv2";
	long n;

	memset(msg, 1, sizeof(msg));
	memset(nonce, 2, sizeof(nonce));
	memset(skp, 3, sizeof(skp));
	memcpy(id, "\x02\0\0\0abcd", 8);
	n = ike_auth_octets(a, msg, 40, nonce, 16, skp, 32, id, 8, octets, sizeof(octets));
	ike_prf(a, skp, 32, id, 8, got);
	t_ok(n == 40 + 16 + 32 && !memcmp(octets, msg, 40) && !memcmp(octets + 40, nonce, 16) &&
	     !memcmp(octets + 56, got, 32), "crypto: signed octets = message | nonce | prf(SK_p, ID)");
	t_ok(ike_auth_octets(a, msg, 40, nonce, 16, skp, 32, id, 8, octets, 87) == -1,
	     "crypto: signed octets refuse a short buffer");
	ike_prf(a, (const uint8_t *)"secret", 6, (const uint8_t *)pad, strlen(pad), inner);
	ike_prf(a, inner, 32, octets, (size_t)n, want);
	t_ok(!ike_psk_auth(a, (const uint8_t *)"secret", 6, octets, (size_t)n, got) &&
	     !memcmp(got, want, 32), "crypto: PSK AUTH = prf(prf(PSK, \"Key Pad for IKEv2\"), octets)");
}

void test_crypto(void)
{
	test_hmac();
	test_prf_plus();
	test_cavp();
	test_psk_octets();
}
