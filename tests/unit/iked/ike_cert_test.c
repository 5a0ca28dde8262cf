// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_cert_test.c - certificates with the test PKI of tests/tools/mkpki.sh:
 * loading (and the refusal of a private key others may read), chain
 * verification and each of its refusals (unknown CA, expired, revoked,
 * signature invalid, key usage), identities against subject and
 * subjectAltName, DN strings and remote_id patterns, CERTREQ hashes.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "cert.h"
#include "ike.h"
#include "ike_test.h"
#include "ike_pki.h"

static X509 *load_pem(const char *name)
{
	FILE *f = fopen(pki(name), "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	return x;
}

/* A copy of p256.key with mode @mode; its path. */
static const char *key_copy(mode_t mode)
{
	static char path[600];
	EVP_PKEY *k;
	FILE *f;
	char err[300];

	snprintf(path, sizeof(path), "%s", pki("p256-mode.key"));
	unlink(path);
	k = cert_key_load(pki("p256.key"), err, sizeof(err));
	f = fopen(path, "w");
	if (f && k)
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	if (f)
		fclose(f);
	EVP_PKEY_free(k);
	chmod(path, mode);
	return path;
}

static void test_load(void)
{
	struct cert_own o;
	char err[400], want[700];
	const char *path;
	X509_STORE *st;

	t_ok(!cert_own_load(&o, pki("p256.crt"), pki("chain.pem"), pki("p256.key"), err, sizeof(err)) &&
	     sk_X509_num(o.chain) == 1 && t_streq(o.subject, "C=CH, O=espvti test, CN=p256.example.org"),
	     "cert: certificate, intermediate and key loaded; subject as C=.., O=.., CN=..");
	cert_own_free(&o);
	path = key_copy(0644);
	snprintf(want, sizeof(want), "private key %s has mode 0644", path);
	t_ok(!cert_key_load(path, err, sizeof(err)) && t_has(err, want),
	     "cert: a private key readable by others is refused, naming the file and its mode");
	path = key_copy(0640);
	t_ok(cert_own_load(&o, pki("p256.crt"), NULL, path, err, sizeof(err)) &&
	     t_has(err, "mode 0640: group or others"), "cert: a private key readable by the group is refused");
	path = key_copy(0600);
	t_ok(!cert_own_load(&o, pki("p256.crt"), NULL, path, err, sizeof(err)),
	     "cert: the same key with mode 0600 is accepted");
	cert_own_free(&o);
	unlink(path);
	t_ok(cert_own_load(&o, pki("p256.crt"), NULL, pki("p384.key"), err, sizeof(err)) &&
	     t_has(err, "does not belong to certificate"), "cert: a key of another certificate is refused");
	t_ok(cert_own_load(&o, pki("missing.crt"), NULL, pki("p256.key"), err, sizeof(err)) &&
	     t_has(err, "missing.crt: No such file"), "cert: a missing certificate file is named");
	t_ok(cert_own_load(&o, pki("p256.key"), NULL, pki("p256.key"), err, sizeof(err)) &&
	     t_has(err, "holds no PEM certificate"), "cert: a file without a certificate is refused");
	st = cert_store_load(pki("ca.cnf"), NULL, err, sizeof(err));
	t_ok(!st && t_has(err, "ca.cnf: no PEM certificate"), "cert: trust anchors without a certificate refused");
	st = cert_store_load(pki("root.crt"), pki("root.crt"), err, sizeof(err));
	t_ok(!st && t_has(err, "holds no PEM CRL"), "cert: a CRL file without a CRL refused");
}

/* Verify end entity @name (with chain.pem unless @alone) against @st. */
static int verify(X509_STORE *st, const char *name, bool alone, char *err, size_t errlen)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509 *ee = load_pem(name), *inter = load_pem("chain.pem");
	int r;

	if (!alone)
		sk_X509_push(chain, inter);
	else
		X509_free(inter);
	r = ee ? cert_verify(st, ee, chain, err, errlen) : -1;
	X509_free(ee);
	sk_X509_pop_free(chain, X509_free);
	return r;
}

static void test_verify(void)
{
	static const char *const good[] = { "rsa2048.crt", "rsa4096.crt", "p256.crt", "p384.crt",
					    "p521.crt", "ed25519.crt", "wrongsan.crt" };
	X509_STORE *file = cert_store_load(pki("root.crt"), NULL, NULL, 0);
	X509_STORE *dir = cert_store_load(pki("cadir"), NULL, NULL, 0);
	X509_STORE *crl = cert_store_load(pki("root.crt"), pki("inter.crl"), NULL, 0);
	char err[400];

	if (!t_ok(file && dir && crl, "cert: trust anchors from a file, a directory, with a CRL"))
		goto out;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		t_ok(!verify(crl, good[i], false, err, sizeof(err)), "cert: %s chains to the root", good[i]);
	t_ok(!verify(dir, "p256.crt", false, err, sizeof(err)), "cert: p256.crt chains to the root of a CA directory");
	t_ok(verify(file, "p256.crt", true, err, sizeof(err)) && t_has(err, "unknown CA"),
	     "cert: without its intermediate: unknown CA");
	t_ok(verify(file, "rogue.crt", false, err, sizeof(err)) &&
	     t_has(err, "certificate 'C=CH, O=espvti test, CN=rogue.example.org': unknown CA"),
	     "cert: certificate of another CA: unknown CA, with its subject");
	t_ok(verify(file, "expired.crt", false, err, sizeof(err)) &&
	     t_has(err, "CN=expired.example.org': expired"), "cert: expired certificate refused");
	t_ok(verify(crl, "revoked.crt", false, err, sizeof(err)) &&
	     t_has(err, "CN=revoked.example.org': revoked"), "cert: revoked certificate refused with the CRL");
	t_ok(!verify(file, "revoked.crt", false, err, sizeof(err)),
	     "cert: revoked certificate passes without a CRL configured");
	t_ok(verify(file, "nodigsig.crt", false, err, sizeof(err)) &&
	     t_has(err, "does not allow digitalSignature"),
	     "cert: keyUsage without digitalSignature refused");
out:
	X509_STORE_free(file);
	X509_STORE_free(dir);
	X509_STORE_free(crl);
}

/* A certificate whose signature was altered; and DER decoding. */
static void test_der(void)
{
	X509_STORE *st = cert_store_load(pki("root.crt"), NULL, NULL, 0);
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509 *x = load_pem("p256.crt"), *y;
	unsigned char *der = NULL;
	char err[400];
	int len = x ? i2d_X509(x, &der) : -1;

	sk_X509_push(chain, load_pem("chain.pem"));
	y = len > 0 ? cert_from_der(der, (size_t)len, err, sizeof(err)) : NULL;
	t_ok(y && !X509_cmp(x, y), "cert: DER certificate of a CERT payload decoded");
	X509_free(y);
	t_ok(!cert_from_der(der, (size_t)len - 1, err, sizeof(err)) &&
	     t_has(err, "not a DER X.509 certificate"), "cert: truncated DER refused");
	t_ok(!cert_from_der(der, (size_t)len + 1, err, sizeof(err)) &&
	     t_has(err, "octets after the DER"), "cert: octets after the DER refused");
	der[len - 5] ^= 0x01;	/* inside the signature value */
	y = cert_from_der(der, (size_t)len, err, sizeof(err));
	t_ok(y && cert_verify(st, y, chain, err, sizeof(err)) &&
	     t_has(err, "CN=p256.example.org': signature invalid"),
	     "cert: certificate with an altered signature: signature invalid");
	X509_free(y);
	OPENSSL_free(der);
	X509_free(x);
	sk_X509_pop_free(chain, X509_free);
	X509_STORE_free(st);
}

static void test_ids(void)
{
	X509 *x = load_pem("p256.crt"), *w = load_pem("wrongsan.crt");
	uint8_t dn[CERT_DN_MAX];
	char err[400], buf[300];
	size_t dnlen = 0;

	t_ok(!cert_id_match(x, IKE_ID_FQDN, (const uint8_t *)"P256.example.org", 16, err, sizeof(err)),
	     "cert: ID_FQDN found among the subjectAltNames (case ignored)");
	t_ok(!cert_id_match(x, IKE_ID_RFC822_ADDR, (const uint8_t *)"p256@example.org", 16, err,
			    sizeof(err)), "cert: ID_RFC822_ADDR found");
	t_ok(!cert_id_match(x, IKE_ID_IPV4_ADDR, (const uint8_t *)"\xc0\x00\x02\x03", 4, err, sizeof(err)),
	     "cert: ID_IPV4_ADDR found");
	t_ok(!cert_id_match(x, IKE_ID_IPV6_ADDR,
			    (const uint8_t *)"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x03", 16, err,
			    sizeof(err)), "cert: ID_IPV6_ADDR found");
	t_ok(cert_id_match(x, IKE_ID_IPV4_ADDR, (const uint8_t *)"\xc0\x00\x02\x04", 4, err, sizeof(err)) &&
	     t_has(err, "identity not in the certificate"), "cert: another address refused");
	t_ok(cert_id_match(x, IKE_ID_FQDN, (const uint8_t *)"p256.example.or", 15, err, sizeof(err)),
	     "cert: a prefix of the name refused");
	t_ok(cert_id_match(w, IKE_ID_FQDN, (const uint8_t *)"wrongsan.example.org", 20, err, sizeof(err)) &&
	     t_has(err, "CN=wrongsan.example.org': identity not in the certificate"),
	     "cert: wrong subjectAltName: identity not in the certificate");
	t_ok(!cert_dn_parse("C=CH, O=espvti test, CN=p256.example.org", dn, sizeof(dn), &dnlen,
			    err, sizeof(err)) &&
	     !cert_id_match(x, IKE_ID_DER_ASN1_DN, dn, dnlen, err, sizeof(err)),
	     "cert: ID_DER_ASN1_DN from a DN string matches the subject");
	cert_dn_format(dn, dnlen, buf, sizeof(buf));
	t_ok(t_streq(buf, "C=CH, O=espvti test, CN=p256.example.org"), "cert: DN formatted back");
	t_ok(cert_id_match(w, IKE_ID_DER_ASN1_DN, dn, dnlen, err, sizeof(err)) &&
	     t_has(err, "not its subject"), "cert: another subject refused");
	t_ok(cert_id_match(x, IKE_ID_KEY_ID, (const uint8_t *)"k", 1, err, sizeof(err)) &&
	     t_has(err, "not matched against certificates"), "cert: ID_KEY_ID is not matched");
	t_ok(cert_dn_parse("C=CH, XX=y", dn, sizeof(dn), &dnlen, err, sizeof(err)) &&
	     t_has(err, "'XX=y' is not an attribute"), "cert: DN with an unknown attribute refused");
	t_ok(cert_dn_parse("CN", dn, sizeof(dn), &dnlen, err, sizeof(err)) &&
	     t_has(err, "ATTR=VALUE"), "cert: DN without '=' refused");
	t_ok(!cert_dn_parse("O=a\\, b, CN=c", dn, sizeof(dn), &dnlen, err, sizeof(err)) &&
	     (cert_dn_format(dn, dnlen, buf, sizeof(buf)), t_streq(buf, "O=a\\, b, CN=c")),
	     "cert: escaped comma in a DN value");
	X509_free(x);
	X509_free(w);
}

static void test_patterns(void)
{
	static const struct { const char *pat; bool match; } dn[] = {
		{ "C=CH, O=espvti test, CN=p256.example.org", true },
		{ "C=CH, O=espvti test, CN=*.example.org", true },
		{ "C=CH,O=espvti test,CN=*", true },
		{ "C=CH, O=*, CN=p256.example.org", true },
		{ "C=CH, O=espvti test, CN=*.example.net", false },
		{ "C=CH, O=espvti test", false },
		{ "C=CH, O=espvti test, CN=p256.example.org, OU=x", false },
		{ "O=espvti test, C=CH, CN=p256.example.org", false },
		{ "C=CH, O=ESPVTI test, CN=p256.example.org", false },
	};
	static const struct { const char *pat, *name; bool match; } fq[] = {
		{ "*.example.org", "gw.example.org", true },
		{ "*.example.org", "GW.Example.ORG", true },
		{ "*.example.org", "example.org", false },
		{ "*.example.org", ".example.org", false },
		{ "*.example.org", "gwexample.org", false },
		{ "gw.example.org", "gw.example.org", true },
		{ "gw.example.org", "gw.example.org.", false },
		{ "*", "anything", true },
	};
	X509 *x = load_pem("p256.crt");
	unsigned char *der = NULL;
	int len = i2d_X509_NAME(X509_get_subject_name(x), &der);

	for (size_t i = 0; i < sizeof(dn) / sizeof(dn[0]); i++)
		t_ok(cert_dn_pattern_match(dn[i].pat, der, (size_t)len) == dn[i].match,
		     "cert: DN pattern '%s' %s the subject", dn[i].pat,
		     dn[i].match ? "matches" : "does not match");
	for (size_t i = 0; i < sizeof(fq) / sizeof(fq[0]); i++)
		t_ok(cert_fqdn_pattern_match(fq[i].pat, (const uint8_t *)fq[i].name,
					     strlen(fq[i].name)) == fq[i].match,
		     "cert: FQDN pattern '%s' %s '%s'", fq[i].pat,
		     fq[i].match ? "matches" : "does not match", fq[i].name);
	OPENSSL_free(der);
	X509_free(x);
}

static void test_certreq(void)
{
	X509_STORE *st = cert_store_load(pki("root.crt"), NULL, NULL, 0);
	X509 *root = load_pem("root.crt");
	unsigned char *spki = NULL;
	uint8_t out[64], want[CERT_HASH_LEN];
	unsigned int wlen = 0;
	int l = i2d_PUBKEY(X509_get0_pubkey(root), &spki);

	EVP_Digest(spki, (size_t)l, want, &wlen, EVP_sha1(), NULL);
	t_ok(st && cert_certreq_hashes(st, out, sizeof(out)) == CERT_HASH_LEN &&
	     t_memeq("CERTREQ", out, want, sizeof(want)),
	     "cert: CERTREQ data is the SHA-1 of the root's SubjectPublicKeyInfo");
	t_ok(cert_certreq_hashes(st, out, CERT_HASH_LEN - 1) == -1,
	     "cert: CERTREQ hashes refused in too small a buffer");
	OPENSSL_free(spki);
	X509_free(root);
	X509_STORE_free(st);
}

void test_cert(void)
{
	X509 *x = load_pem("root.crt");

	if (!t_ok(x, "cert: test PKI found in %s (tests/tools/mkpki.sh)", pki("")))
		return;
	X509_free(x);
	test_load();
	test_verify();
	test_der();
	test_ids();
	test_patterns();
	test_certreq();
}
