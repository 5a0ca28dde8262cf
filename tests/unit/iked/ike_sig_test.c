// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_sig_test.c - AUTH payload signatures: sign and verify round trips
 * for every method and key type of the test PKI (tests/tools/mkpki.sh),
 * the AlgorithmIdentifiers decoded by OpenSSL, refusals of altered octets,
 * altered signatures, wrong keys and unaccepted hashes, and the
 * SIGNATURE_HASH_ALGORITHMS notify.
 */
#include <string.h>

#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "cert.h"
#include "ike.h"
#include "sig.h"
#include "ike_test.h"
#include "ike_pki.h"

/* Stands for the InitiatorSignedOctets. */
static uint8_t octets[300];

static const char *const keys[] = { "rsa2048", "rsa4096", "p256", "p384", "p521", "ed25519" };
#define NKEYS (sizeof(keys) / sizeof(keys[0]))
static struct cert_own own[NKEYS];

static EVP_PKEY *pub(unsigned int i)
{
	return X509_get0_pubkey(own[i].cert);
}

/* Sign with key @i, verify with its certificate, then alter and verify again. */
static void roundtrip(unsigned int i, uint8_t method, const char *algname)
{
	const struct ike_sig_alg *alg = algname ? ike_sig_alg_by_name(algname) : NULL;
	uint8_t sig[IKE_SIG_MAX];
	char err[300] = "";
	size_t len = 0;
	const char *what = algname ? algname : ike_auth_method_name(method);
	int r;

	r = ike_sig_sign(own[i].key, method, alg, octets, sizeof(octets), sig, sizeof(sig), &len,
			 err, sizeof(err));
	t_ok(!r && len > 0, "sig: %s signs with %s (%zu octets)%s%s", keys[i], what, len,
	     r ? ": " : "", err);
	r = ike_sig_verify(pub(i), method, IKE_HASH_OURS, sig, len, octets, sizeof(octets), err,
			   sizeof(err));
	t_ok(!r, "sig: %s %s verifies with the certificate's key%s%s", keys[i], what,
	     r ? ": " : "", r ? err : "");
	octets[7] ^= 1;
	r = ike_sig_verify(pub(i), method, IKE_HASH_OURS, sig, len, octets, sizeof(octets), err,
			   sizeof(err));
	octets[7] ^= 1;
	t_ok(r && t_has(err, "signature invalid"), "sig: %s %s: altered signed octets refused",
	     keys[i], what);
	sig[len - 1] ^= 0x10;
	r = ike_sig_verify(pub(i), method, IKE_HASH_OURS, sig, len, octets, sizeof(octets), err,
			   sizeof(err));
	t_ok(r && t_has(err, "signature invalid"), "sig: %s %s: altered signature refused",
	     keys[i], what);
}

static void test_roundtrips(void)
{
	static const char *const rsa[] = { "rsa-pss-sha256", "rsa-pss-sha384", "rsa-pss-sha512",
					   "rsa-sha256" };
	static const char *const ec[] = { "ecdsa-sha256", "ecdsa-sha384", "ecdsa-sha512" };

	for (unsigned int i = 0; i < 2; i++) {
		for (unsigned int a = 0; a < sizeof(rsa) / sizeof(rsa[0]); a++)
			roundtrip(i, IKE_AUTH_DIGITAL_SIG, rsa[a]);
		roundtrip(i, IKE_AUTH_RSA_SIG, NULL);
	}
	for (unsigned int i = 2; i < 5; i++)
		for (unsigned int a = 0; a < sizeof(ec) / sizeof(ec[0]); a++)
			roundtrip(i, IKE_AUTH_DIGITAL_SIG, ec[a]);
	roundtrip(2, IKE_AUTH_ECDSA_256, NULL);
	roundtrip(3, IKE_AUTH_ECDSA_384, NULL);
	roundtrip(4, IKE_AUTH_ECDSA_521, NULL);
	roundtrip(5, IKE_AUTH_DIGITAL_SIG, "ed25519");
}

/* Methods 9 to 11 carry r | s of fixed size; other key sizes are refused. */
static void test_classic(void)
{
	static const struct { unsigned int key; uint8_t method; size_t len; } rs[] = {
		{ 2, IKE_AUTH_ECDSA_256, 64 }, { 3, IKE_AUTH_ECDSA_384, 96 },
		{ 4, IKE_AUTH_ECDSA_521, 132 },
	};
	uint8_t sig[IKE_SIG_MAX];
	char err[300];
	size_t len;

	for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++) {
		t_ok(!ike_sig_sign(own[rs[i].key].key, rs[i].method, NULL, octets, sizeof(octets),
				   sig, sizeof(sig), &len, err, sizeof(err)) && len == rs[i].len,
		     "sig: %s is r | s of %zu octets (RFC 4754)", ike_auth_method_name(rs[i].method),
		     rs[i].len);
		t_ok(ike_sig_verify(pub(rs[i].key), rs[i].method, 0, sig, len - 1, octets,
				    sizeof(octets), err, sizeof(err)) && t_has(err, "octets, expected"),
		     "sig: %s of the wrong length refused", ike_auth_method_name(rs[i].method));
	}
	t_ok(ike_sig_sign(own[3].key, IKE_AUTH_ECDSA_256, NULL, octets, sizeof(octets), sig,
			  sizeof(sig), &len, err, sizeof(err)) && t_has(err, "needs an ECDSA P-256 key"),
	     "sig: method 9 with a P-384 key refused");
	t_ok(ike_sig_verify(pub(2), IKE_AUTH_RSA_SIG, 0, sig, 64, octets, sizeof(octets), err,
			    sizeof(err)) && t_has(err, "needs an RSA key"),
	     "sig: method 1 with an ECDSA key refused");
	t_ok(ike_sig_sign(own[0].key, IKE_AUTH_DIGITAL_SIG, ike_sig_alg_by_name("ecdsa-sha256"),
			  octets, sizeof(octets), sig, sizeof(sig), &len, err, sizeof(err)) &&
	     t_has(err, "does not fit"), "sig: method 14 ECDSA with an RSA key refused");
	t_ok(ike_sig_sign(own[0].key, IKE_AUTH_SHARED_KEY_MIC, NULL, octets, sizeof(octets), sig,
			  sizeof(sig), &len, err, sizeof(err)) && t_has(err, "AUTH method 2"),
	     "sig: method 2 is no signature method");
	t_ok(ike_sig_sign(own[1].key, IKE_AUTH_DIGITAL_SIG, ike_sig_alg_by_name("rsa-pss-sha256"),
			  octets, sizeof(octets), sig, 100, &len, err, sizeof(err)) &&
	     t_has(err, "signing failed"), "sig: RSA-4096 signature into 100 octets refused");
}

/* Method 14 against a peer's key of another type, and hashes not accepted. */
static void test_refusals(void)
{
	uint8_t sig[IKE_SIG_MAX];
	char err[300];
	size_t len;

	ike_sig_sign(own[2].key, IKE_AUTH_DIGITAL_SIG, ike_sig_alg_by_name("ecdsa-sha256"), octets,
		     sizeof(octets), sig, sizeof(sig), &len, err, sizeof(err));
	t_ok(ike_sig_verify(pub(0), IKE_AUTH_DIGITAL_SIG, IKE_HASH_OURS, sig, len, octets,
			    sizeof(octets), err, sizeof(err)) && t_has(err, "holds a RSA key"),
	     "sig: ECDSA signature against an RSA certificate refused");
	t_ok(ike_sig_verify(pub(3), IKE_AUTH_DIGITAL_SIG, IKE_HASH_OURS, sig, len, octets,
			    sizeof(octets), err, sizeof(err)) && t_has(err, "signature invalid"),
	     "sig: signature of another ECDSA key refused");
	t_ok(ike_sig_verify(pub(2), IKE_AUTH_DIGITAL_SIG, IKE_HASH_BIT(IKE_HASH_SHA2_384), sig, len,
			    octets, sizeof(octets), err, sizeof(err)) &&
	     t_has(err, "hash we do not accept"), "sig: a hash not accepted is refused");
	t_ok(ike_sig_verify(pub(2), IKE_AUTH_DSS_SIG, IKE_HASH_OURS, sig, len, octets,
			    sizeof(octets), err, sizeof(err)) && t_has(err, "DSS"),
	     "sig: DSS (method 3) refused");
}

/* RSASSA-PSS whose hash AlgorithmIdentifiers omit the NULL parameters. */
static void test_pss_noparam(void)
{
	static const char noparam[] =
		"303d06092a864886f70d01010a3030a00d300b0609608648016503040201"
		"a11a301806092a864886f70d010108300b0609608648016503040201a203020120";
	const struct ike_sig_alg *alg = ike_sig_alg_by_name("rsa-pss-sha256");
	uint8_t sig[IKE_SIG_MAX], alt[IKE_SIG_MAX];
	char err[300];
	size_t len;
	long n;

	ike_sig_sign(own[0].key, IKE_AUTH_DIGITAL_SIG, alg, octets, sizeof(octets), sig,
		     sizeof(sig), &len, err, sizeof(err));
	n = t_hex(noparam, alt + 1, sizeof(alt) - 1);
	alt[0] = (uint8_t)n;
	memcpy(alt + 1 + n, sig + 1 + alg->derlen, len - 1 - alg->derlen);
	t_ok(n == 63 && !ike_sig_verify(pub(0), IKE_AUTH_DIGITAL_SIG, IKE_HASH_OURS, alt,
					  len - alg->derlen + (size_t)n, octets, sizeof(octets), err,
					  sizeof(err)),
	     "sig: RSASSA-PSS AlgorithmIdentifier without NULL hash parameters accepted");
}

/* The DER we send, read back by OpenSSL: OID, and PSS parameters. */
static void test_algids(void)
{
	static const struct { const char *name; int nid, hnid; long salt; } a[] = {
		{ "rsa-pss-sha256", NID_rsassaPss, NID_sha256, 32 },
		{ "rsa-pss-sha384", NID_rsassaPss, NID_sha384, 48 },
		{ "rsa-pss-sha512", NID_rsassaPss, NID_sha512, 64 },
		{ "ecdsa-sha256", NID_ecdsa_with_SHA256, 0, 0 },
		{ "ecdsa-sha384", NID_ecdsa_with_SHA384, 0, 0 },
		{ "ecdsa-sha512", NID_ecdsa_with_SHA512, 0, 0 },
		{ "ed25519", NID_ED25519, 0, 0 },
		{ "rsa-sha256", NID_sha256WithRSAEncryption, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
		const struct ike_sig_alg *alg = ike_sig_alg_by_name(a[i].name);
		const unsigned char *p = alg ? alg->der : NULL;
		X509_ALGOR *x = p ? d2i_X509_ALGOR(NULL, &p, (long)alg->derlen) : NULL;
		const ASN1_OBJECT *obj = NULL;
		const void *pv = NULL;
		int ptype = 0;
		bool ok;

		if (x)
			X509_ALGOR_get0(&obj, &ptype, &pv, x);
		ok = x && p == alg->der + alg->derlen && OBJ_obj2nid(obj) == a[i].nid;
		if (ok && a[i].hnid) {
			RSA_PSS_PARAMS *pss = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS),
									ptype == V_ASN1_SEQUENCE ?
									x->parameter : NULL);
			const ASN1_OBJECT *h = NULL, *m = NULL;

			X509_ALGOR *mgfh = NULL;

			ok = pss && pss->hashAlgorithm && pss->maskGenAlgorithm && pss->saltLength &&
			     !pss->trailerField;
			if (ok) {
				X509_ALGOR_get0(&h, NULL, NULL, pss->hashAlgorithm);
				X509_ALGOR_get0(&m, NULL, NULL, pss->maskGenAlgorithm);
				ok = OBJ_obj2nid(h) == a[i].hnid && OBJ_obj2nid(m) == NID_mgf1 &&
				     ASN1_INTEGER_get(pss->saltLength) == a[i].salt;
				mgfh = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR),
								 pss->maskGenAlgorithm->parameter);
				if (mgfh)
					X509_ALGOR_get0(&h, NULL, NULL, mgfh);
				ok = ok && mgfh && OBJ_obj2nid(h) == a[i].hnid;
			}
			X509_ALGOR_free(mgfh);
			RSA_PSS_PARAMS_free(pss);
		}
		t_ok(ok, "sig: AlgorithmIdentifier of %s decodes in OpenSSL as %s%s", a[i].name,
		     OBJ_nid2sn(a[i].nid), a[i].hnid ? " with MGF1 and salt = hash length" : "");
		X509_ALGOR_free(x);
	}
}

static void test_auth_parse(void)
{
	static const struct { const char *hex, *why, *what; } bad[] = {
		{ "", "empty", "empty AUTH data" },
		{ "09300706032b6570", "does not fit", "AlgorithmIdentifier longer than the data" },
		{ "01300000", "does not fit", "AlgorithmIdentifier of 1 octet" },
		{ "0431050603", "not one DER SEQUENCE", "not a SEQUENCE" },
		{ "07300606032b657000", "not one DER SEQUENCE", "SEQUENCE length mismatch" },
		{ "07300506032b657100", "unsupported", "unknown OID (Ed448)" },
	};
	const struct ike_sig_alg *alg;
	const uint8_t *sig;
	uint8_t buf[64];
	size_t siglen;
	char err[300];
	long n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = t_hex(bad[i].hex, buf, sizeof(buf));
		t_ok(n >= 0 && ike_sig_auth_parse(buf, (size_t)n, &alg, &sig, &siglen, err,
						  sizeof(err)) && t_has(err, bad[i].why),
		     "sig: AUTH data refused: %s", bad[i].what);
	}
	n = t_hex("07300506032b6570aabb", buf, sizeof(buf));
	t_ok(!ike_sig_auth_parse(buf, (size_t)n, &alg, &sig, &siglen, err, sizeof(err)) &&
	     !strcmp(alg->name, "ed25519") && siglen == 2 && sig == buf + 8,
	     "sig: Ed25519 AlgorithmIdentifier and signature split");
}

static void test_hashes(void)
{
	uint8_t buf[32];
	unsigned int mask;
	char err[200];
	long n = ike_sig_hashes_build(IKE_HASH_OURS, buf, sizeof(buf));

	t_ok(n == 8 && !memcmp(buf, "\0\2\0\3\0\4\0\5", 8),
	     "sig: SIGNATURE_HASH_ALGORITHMS data SHA2-256, SHA2-384, SHA2-512, Identity");
	t_ok(ike_sig_hashes_build(IKE_HASH_OURS, buf, 7) == -1,
	     "sig: SIGNATURE_HASH_ALGORITHMS refused in too small a buffer");
	memcpy(buf, "\0\1\0\2\x12\x34\0\5", 8);
	t_ok(!ike_sig_hashes_parse(buf, 8, &mask, err, sizeof(err)) &&
	     mask == (IKE_HASH_BIT(1) | IKE_HASH_BIT(2) | IKE_HASH_BIT(5)),
	     "sig: SIGNATURE_HASH_ALGORITHMS parsed, unknown value 0x1234 ignored");
	t_ok(!ike_sig_hashes_parse((const uint8_t *)"\0\0\0\2", 4, &mask, err, sizeof(err)) &&
	     mask == IKE_HASH_BIT(2), "sig: SIGNATURE_HASH_ALGORITHMS value 0 (reserved) ignored");
	t_ok(ike_sig_hashes_parse(buf, 7, &mask, err, sizeof(err)) &&
	     t_has(err, "multiple of 2"), "sig: SIGNATURE_HASH_ALGORITHMS of odd length refused");
}

static void test_choose(void)
{
	const struct ike_sig_alg *a;
	char err[300];

	a = ike_sig_choose(own[3].key, 0, err, sizeof(err));
	t_ok(a && !strcmp(a->name, "ecdsa-sha384"), "sig: P-384 key signs with SHA2-384 by default");
	a = ike_sig_choose(own[3].key, IKE_HASH_BIT(IKE_HASH_SHA2_256), err, sizeof(err));
	t_ok(a && !strcmp(a->name, "ecdsa-sha256"), "sig: P-384 key uses SHA2-256 if the peer takes only that");
	a = ike_sig_choose(own[4].key, IKE_HASH_OURS, err, sizeof(err));
	t_ok(a && !strcmp(a->name, "ecdsa-sha512"), "sig: P-521 key signs with SHA2-512");
	a = ike_sig_choose(own[0].key, IKE_HASH_OURS, err, sizeof(err));
	t_ok(a && !strcmp(a->name, "rsa-pss-sha256"), "sig: RSA key signs with RSASSA-PSS SHA2-256");
	a = ike_sig_choose(own[5].key, IKE_HASH_OURS, err, sizeof(err));
	t_ok(a && !strcmp(a->name, "ed25519"), "sig: Ed25519 key signs with Identity");
	a = ike_sig_choose(own[5].key, IKE_HASH_BIT(IKE_HASH_SHA2_256), err, sizeof(err));
	t_ok(!a && t_has(err, "no hash for a ED25519 key"),
	     "sig: Ed25519 key refused by a peer without Identity");
}

void test_sig(void)
{
	char err[300];
	bool loaded = true;

	for (size_t i = 0; i < sizeof(octets); i++)
		octets[i] = (uint8_t)(i * 7);
	for (unsigned int i = 0; i < NKEYS; i++) {
		char crt[64], key[64];

		snprintf(crt, sizeof(crt), "%s.crt", keys[i]);
		snprintf(key, sizeof(key), "%s.key", keys[i]);
		if (cert_own_load(&own[i], pki(crt), NULL, pki(key), err, sizeof(err))) {
			t_diag("%s", err);
			loaded = false;
		}
	}
	if (!t_ok(loaded, "sig: test PKI keys loaded (run tests/tools/mkpki.sh)"))
		goto out;
	test_roundtrips();
	test_classic();
	test_refusals();
	test_algids();
	test_pss_noparam();
	test_auth_parse();
	test_hashes();
	test_choose();
out:
	for (unsigned int i = 0; i < NKEYS; i++)
		cert_own_free(&own[i]);
}
