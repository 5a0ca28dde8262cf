// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_dh_test.c - Diffie-Hellman against published vectors and the RFC 6989
 * peer value checks.
 *
 * ECP 256 and 384: RFC 5903 section 8.1 and 8.2 (KE data is gx || gy, the
 * shared secret is the x coordinate of g^ir). Curve25519: RFC 7748 section
 * 6.1. MODP 2048 has no published IKE vector: self-consistency and range
 * checks.
 */
#include <string.h>

#include <openssl/bn.h>

#include "dh.h"
#include "ike.h"
#include "ike_test.h"

#define P256_I	 "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433"
#define P256_GI	 "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180" \
		 "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3"
#define P256_R	 "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53"
#define P256_GR	 "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63" \
		 "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab"
#define P256_GIR "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de"

#define P384_I	 "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655" \
		 "e35b538041e649ee3faef896783ab194"
#define P384_GI	 "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6" \
		 "de3ac808acb4bdb4c88732aee95f41aa9482ed1fc0eeb9cafc4984625ccfc23f" \
		 "65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c"
#define P384_R	 "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942" \
		 "e0308312916b8ed2960e4bd55a7448fc"
#define P384_GR	 "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d" \
		 "0d1ac43a0336def96fda41d0774a3571dcfbec7aacf3196472169e838430367f" \
		 "66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c"
#define P384_GIR "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4" \
		 "d603135569b9e9d09cf5d4a270f59746"

#define X_A	"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
#define X_APUB	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
#define X_B	"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
#define X_BPUB	"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
#define X_K	"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"

/* Known-answer test for one ECP group, both directions. */
static void ecp_kat(uint16_t group, const char *name, const char *hi, const char *hgi,
		    const char *hr, const char *hgr, const char *hgir)
{
	uint8_t i[48], gi[96], r[48], gr[96], gir[48], pub[96], out[48];
	long il = t_hex(hi, i, sizeof(i)), gil = t_hex(hgi, gi, sizeof(gi));
	long rl = t_hex(hr, r, sizeof(r)), grl = t_hex(hgr, gr, sizeof(gr));
	long girl = t_hex(hgir, gir, sizeof(gir));
	char err[160] = "";
	struct ike_dh *di, *dr, *bad;

	di = ike_dh_from_private(group, i, (size_t)il, gi, (size_t)gil, err, sizeof(err));
	dr = ike_dh_from_private(group, r, (size_t)rl, gr, (size_t)grl, err, sizeof(err));
	t_ok(di && dr, "dh: %s RFC 5903 key pairs import (%s)", name, err);
	if (!di || !dr)
		goto out;
	t_ok(ike_dh_public(di, pub, sizeof(pub)) == gil && !memcmp(pub, gi, (size_t)gil),
	     "dh: %s KE encoding is x || y", name);
	t_ok(ike_dh_shared(di, gr, (size_t)grl, out, sizeof(out), err, sizeof(err)) == girl &&
	     t_memeq("g^ir", out, gir, (size_t)girl), "dh: %s initiator g^ir = RFC 5903 value", name);
	t_ok(ike_dh_shared(dr, gi, (size_t)gil, out, sizeof(out), err, sizeof(err)) == girl &&
	     t_memeq("g^ir", out, gir, (size_t)girl), "dh: %s responder g^ir = RFC 5903 value", name);
	bad = ike_dh_from_private(group, i, (size_t)il, gr, (size_t)grl, err, sizeof(err));
	t_ok(!bad && strstr(err, "invalid private/public key pair"),
	     "dh: %s private key with a foreign public value rejected", name);
	ike_dh_free(bad);

	gr[grl - 1] ^= 1;	/* y off the curve */
	t_ok(ike_dh_shared(di, gr, (size_t)grl, out, sizeof(out), err, sizeof(err)) == -1 &&
	     strstr(err, "not a point on the curve"), "dh: %s point off the curve rejected (%s)", name, err);
	memset(gr, 0, sizeof(gr));
	t_ok(ike_dh_check_peer(group, gr, (size_t)grl, err, sizeof(err)) == -1,
	     "dh: %s all-zero point rejected (%s)", name, err);
	t_ok(ike_dh_check_peer(group, gi, (size_t)gil - 1, err, sizeof(err)) == -1 &&
	     strstr(err, "expected"), "dh: %s short KE data rejected (%s)", name, err);
out:
	ike_dh_free(di);
	ike_dh_free(dr);
}

static void x25519_kat(void)
{
	uint8_t a[32], apub[32], b[32], bpub[32], k[32], pub[32], out[32], low[32];
	char err[160] = "";
	struct ike_dh *da, *db;

	t_hex(X_A, a, 32);
	t_hex(X_APUB, apub, 32);
	t_hex(X_B, b, 32);
	t_hex(X_BPUB, bpub, 32);
	t_hex(X_K, k, 32);
	da = ike_dh_from_private(IKE_DH_CURVE25519, a, 32, NULL, 0, err, sizeof(err));
	db = ike_dh_from_private(IKE_DH_CURVE25519, b, 32, NULL, 0, err, sizeof(err));
	t_ok(da && db, "dh: Curve25519 RFC 7748 private keys import");
	if (!da || !db)
		goto out;
	t_ok(ike_dh_public(da, pub, sizeof(pub)) == 32 && t_memeq("pub", pub, apub, 32) &&
	     ike_dh_public(db, pub, sizeof(pub)) == 32 && t_memeq("pub", pub, bpub, 32),
	     "dh: Curve25519 public values = RFC 7748 6.1");
	t_ok(ike_dh_shared(da, bpub, 32, out, sizeof(out), err, sizeof(err)) == 32 &&
	     t_memeq("K", out, k, 32) &&
	     ike_dh_shared(db, apub, 32, out, sizeof(out), err, sizeof(err)) == 32 &&
	     t_memeq("K", out, k, 32), "dh: Curve25519 shared secret = RFC 7748 6.1, both sides");
	memset(low, 0, sizeof(low));
	t_ok(ike_dh_shared(da, low, 32, out, sizeof(out), err, sizeof(err)) == -1,
	     "dh: Curve25519 peer u=0 (all-zero result) rejected (%s)", err);
	low[0] = 1;
	t_ok(ike_dh_shared(da, low, 32, out, sizeof(out), err, sizeof(err)) == -1,
	     "dh: Curve25519 low-order peer u=1 rejected (%s)", err);
	t_ok(ike_dh_shared(da, bpub, 31, out, sizeof(out), err, sizeof(err)) == -1,
	     "dh: Curve25519 31-octet KE data rejected (%s)", err);
out:
	ike_dh_free(da);
	ike_dh_free(db);
}

static void modp(void)
{
	uint8_t pa[256], pb[256], sa[256], sb[256], y[256];
	char err[160] = "";
	struct ike_dh *a = ike_dh_new(IKE_DH_MODP2048, err, sizeof(err));
	struct ike_dh *b = ike_dh_new(IKE_DH_MODP2048, err, sizeof(err));
	BIGNUM *p = BN_get_rfc3526_prime_2048(NULL);

	t_ok(a && b, "dh: MODP 2048 key generation (%s)", err);
	if (!a || !b || !p)
		goto out;
	t_ok(ike_dh_public(a, pa, sizeof(pa)) == 256 && ike_dh_public(b, pb, sizeof(pb)) == 256,
	     "dh: MODP 2048 public values are 256 octets");
	t_ok(ike_dh_shared(a, pb, 256, sa, sizeof(sa), err, sizeof(err)) == 256 &&
	     ike_dh_shared(b, pa, 256, sb, sizeof(sb), err, sizeof(err)) == 256 &&
	     !memcmp(sa, sb, 256), "dh: MODP 2048 both sides derive the same 256-octet g^ir");
	memset(y, 0, sizeof(y));
	y[255] = 1;
	t_ok(ike_dh_check_peer(IKE_DH_MODP2048, y, 256, err, sizeof(err)) == -1 &&
	     strstr(err, "1 < y < p-1"), "dh: MODP 2048 peer y = 1 rejected (%s)", err);
	y[255] = 0;
	t_ok(ike_dh_check_peer(IKE_DH_MODP2048, y, 256, err, sizeof(err)) == -1,
	     "dh: MODP 2048 peer y = 0 rejected");
	BN_sub_word(p, 1);
	BN_bn2binpad(p, y, 256);
	t_ok(ike_dh_shared(a, y, 256, sa, sizeof(sa), err, sizeof(err)) == -1,
	     "dh: MODP 2048 peer y = p-1 rejected");
	BN_add_word(p, 1);
	BN_bn2binpad(p, y, 256);
	t_ok(ike_dh_check_peer(IKE_DH_MODP2048, y, 256, err, sizeof(err)) == -1,
	     "dh: MODP 2048 peer y = p rejected");
	t_ok(ike_dh_check_peer(IKE_DH_MODP2048, pb, 255, err, sizeof(err)) == -1,
	     "dh: MODP 2048 255-octet KE data rejected");
	t_ok(ike_dh_check_peer(IKE_DH_MODP2048, pb, 256, err, sizeof(err)) == 0,
	     "dh: MODP 2048 generated value passes the peer check");
out:
	BN_free(p);
	ike_dh_free(a);
	ike_dh_free(b);
}

static void generated(void)
{
	static const uint16_t groups[] = { IKE_DH_ECP256, IKE_DH_ECP384, IKE_DH_CURVE25519 };
	char err[160] = "";

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		struct ike_dh *a = ike_dh_new(groups[g], err, sizeof(err));
		struct ike_dh *b = ike_dh_new(groups[g], err, sizeof(err));
		uint8_t pa[96], pb[96], sa[48], sb[48];
		long la = -1, lb = -1, s1 = -1, s2 = -2;

		if (a && b) {
			la = ike_dh_public(a, pa, sizeof(pa));
			lb = ike_dh_public(b, pb, sizeof(pb));
			s1 = ike_dh_shared(a, pb, (size_t)lb, sa, sizeof(sa), err, sizeof(err));
			s2 = ike_dh_shared(b, pa, (size_t)la, sb, sizeof(sb), err, sizeof(err));
		}
		t_ok(la == (long)ike_dh_pub_len(groups[g]) && s1 == s2 &&
		     s1 == (long)ike_dh_shared_len(groups[g]) && !memcmp(sa, sb, (size_t)s1),
		     "dh: %s fresh key pairs agree", ike_dh_name(groups[g]));
		ike_dh_free(a);
		ike_dh_free(b);
	}
	t_ok(ike_dh_new(5, err, sizeof(err)) == NULL && strstr(err, "group 5 is not supported"),
	     "dh: unsupported group named in the error (%s)", err);
}

void test_dh(void)
{
	ecp_kat(IKE_DH_ECP256, "ECP-256", P256_I, P256_GI, P256_R, P256_GR, P256_GIR);
	ecp_kat(IKE_DH_ECP384, "ECP-384", P384_I, P384_GI, P384_R, P384_GR, P384_GIR);
	x25519_kat();
	modp();
	generated();
}
