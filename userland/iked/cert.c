// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * cert.c - certificates, private keys, trust anchors and CRLs; chain
 * verification with X509_STORE_CTX and identity matching against the
 * subject and subjectAltName (RFC 7296 2.15, 3.5, 3.6; RFC 5280).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cert.h"
#include "ike.h"

/* The reason of the last OpenSSL error, for messages; clears the queue. */
static const char *ossl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r ? r : "no reason given";
}

/* Never prompt for a pass phrase: encrypted keys are refused. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1;
}

EVP_PKEY *cert_key_load(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *key;
	struct stat st;
	FILE *f = fopen(path, "r");

	if (!f) {
		ike_errf(err, errlen, "private key %s: %s", path, strerror(errno));
		return NULL;
	}
	/* the mode of the file we read, not of whatever the name points to later */
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		ike_errf(err, errlen, "private key %s: not a regular file", path);
		goto close;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		ike_errf(err, errlen, "private key %s has mode %04o: group or others may access it; make it readable by its owner only (chmod 600)",
			 path, (unsigned int)(st.st_mode & 07777));
		goto close;
	}
	key = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	if (!key) {
		ike_errf(err, errlen, "private key %s: no PEM private key could be read (%s; encrypted keys are not supported)",
			 path, ossl_reason());
		goto close;
	}
	fclose(f);
	return key;
close:
	fclose(f);
	return NULL;
}

/* Every PEM certificate of @path onto @sk; how many, or -1. */
static int read_certs(const char *path, STACK_OF(X509) *sk, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	int n = 0;

	if (!f)
		return ike_errf(err, errlen, "certificate file %s: %s", path, strerror(errno));
	while ((x = PEM_read_X509(f, NULL, NULL, NULL))) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			break;
		}
		n++;
	}
	fclose(f);
	ERR_clear_error();	/* the end of the file reads as an error */
	if (!n)
		return ike_errf(err, errlen, "certificate file %s holds no PEM certificate", path);
	return n;
}

void cert_subject(X509 *c, char *buf, size_t buflen)
{
	BIO *b = BIO_new(BIO_s_mem());
	/* RFC 2253 escapes ("\,"), no quotes, no spaces around '=', UTF-8 kept */
	unsigned long flags = XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ & ~ASN1_STRFLGS_ESC_MSB &
			      ~ASN1_STRFLGS_ESC_QUOTE;
	int n = -1;

	if (b && X509_NAME_print_ex(b, X509_get_subject_name(c), 0, flags) >= 0)
		n = BIO_read(b, buf, (int)buflen - 1);
	buf[n > 0 ? n : 0] = '\0';
	if (n <= 0)
		snprintf(buf, buflen, "(no subject)");
	BIO_free(b);
}

int cert_own_load(struct cert_own *o, const char *certfile, const char *chainfile,
		  const char *keyfile, char *err, size_t errlen)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	memset(o, 0, sizeof(*o));
	if (!sk || read_certs(certfile, sk, err, errlen) < 0)
		goto fail;
	o->cert = sk_X509_shift(sk);
	cert_subject(o->cert, o->subject, sizeof(o->subject));
	/* more certificates in the same file are intermediates */
	if (chainfile && read_certs(chainfile, sk, err, errlen) < 0)
		goto fail;
	if (sk_X509_num(sk) > CERT_MAX_CHAIN - 1) {
		ike_errf(err, errlen, "certificate %s: %d intermediates, at most %d are sent",
			 certfile, sk_X509_num(sk), CERT_MAX_CHAIN - 1);
		goto fail;
	}
	o->chain = sk;
	sk = NULL;
	o->key = cert_key_load(keyfile, err, errlen);
	if (!o->key)
		goto fail;
	if (X509_check_private_key(o->cert, o->key) != 1) {
		ike_errf(err, errlen, "private key %s does not belong to certificate %s ('%s')",
			 keyfile, certfile, o->subject);
		ERR_clear_error();
		goto fail;
	}
	return 0;
fail:
	sk_X509_pop_free(sk, X509_free);
	cert_own_free(o);
	return -1;
}

void cert_own_free(struct cert_own *o)
{
	EVP_PKEY_free(o->key);	/* wipes the key material */
	X509_free(o->cert);
	sk_X509_pop_free(o->chain, X509_free);
	memset(o, 0, sizeof(*o));
}

/* Certificates and CRLs of one PEM file into @store; how many, or -1. */
static int store_file(X509_STORE *store, const char *path, char *err, size_t errlen)
{
	X509_LOOKUP *lu = X509_STORE_add_lookup(store, X509_LOOKUP_file());
	int n = lu ? X509_load_cert_crl_file(lu, path, X509_FILETYPE_PEM) : 0;

	if (n <= 0)
		return ike_errf(err, errlen, "trust anchors %s: no PEM certificate could be read (%s)",
				path, ossl_reason());
	return n;
}

/* Every regular file of directory @dir (not hidden) into @store. */
static int store_dir(X509_STORE *store, const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];
	struct stat st;
	int n = 0;

	if (!d)
		return ike_errf(err, errlen, "trust anchors %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (store_file(store, path, err, errlen) < 0) {
			closedir(d);
			return -1;
		}
		n++;
	}
	closedir(d);
	if (!n)
		return ike_errf(err, errlen, "trust anchors %s: the directory holds no certificate file",
				dir);
	return n;
}

/* Every PEM CRL of @path into @store. */
static int store_crl(X509_STORE *store, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	X509_CRL *crl;
	int n = 0;

	if (!f)
		return ike_errf(err, errlen, "CRL %s: %s", path, strerror(errno));
	while ((crl = PEM_read_X509_CRL(f, NULL, NULL, NULL))) {
		if (X509_STORE_add_crl(store, crl) == 1)
			n++;
		X509_CRL_free(crl);
	}
	fclose(f);
	ERR_clear_error();
	if (!n)
		return ike_errf(err, errlen, "CRL %s holds no PEM CRL", path);
	return n;
}

X509_STORE *cert_store_load(const char *ca, const char *crl, char *err, size_t errlen)
{
	X509_STORE *store = X509_STORE_new();
	struct stat st;

	if (!store) {
		ike_errf(err, errlen, "trust anchors %s: out of memory", ca);
		return NULL;
	}
	if (stat(ca, &st)) {
		ike_errf(err, errlen, "trust anchors %s: %s", ca, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode) ? store_dir(store, ca, err, errlen) < 0 :
				  store_file(store, ca, err, errlen) < 0)
		goto fail;
	if (crl) {
		if (store_crl(store, crl, err, errlen) < 0)
			goto fail;
		/* the end entity's issuer must have a CRL; CAs above it are not checked */
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	}
	return store;
fail:
	X509_STORE_free(store);
	return NULL;
}

X509 *cert_from_der(const uint8_t *der, size_t len, char *err, size_t errlen)
{
	const unsigned char *p = der;
	X509 *x = len <= 65535 ? d2i_X509(NULL, &p, (long)len) : NULL;

	if (!x || p != der + len) {
		ike_errf(err, errlen, "CERT payload: %s (%zu octets)",
			 x ? "octets after the DER certificate" : "not a DER X.509 certificate", len);
		X509_free(x);
		ERR_clear_error();
		return NULL;
	}
	return x;
}

/* What a verification error means, in the words of the configuration. */
static const char *verify_reason(int e)
{
	switch (e) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return "unknown CA";
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return "expired";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "not yet valid";
	case X509_V_ERR_CERT_REVOKED:
		return "revoked";
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
		return "signature invalid";
	case X509_V_ERR_UNABLE_TO_GET_CRL:
		return "no CRL of its issuer";
	case X509_V_ERR_CRL_HAS_EXPIRED:
		return "the CRL of its issuer has expired";
	default:
		return "not valid";
	}
}

int cert_verify(X509_STORE *store, X509 *ee, STACK_OF(X509) *untrusted,
		char *err, size_t errlen)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	char subj[256];
	X509 *bad;
	int e, ret = -1;

	cert_subject(ee, subj, sizeof(subj));
	if (!ctx || !X509_STORE_CTX_init(ctx, store, ee, untrusted)) {
		ike_errf(err, errlen, "certificate '%s': verification could not start (%s)",
			 subj, ossl_reason());
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		e = X509_STORE_CTX_get_error(ctx);
		bad = X509_STORE_CTX_get_current_cert(ctx);
		if (bad)
			cert_subject(bad, subj, sizeof(subj));
		ike_errf(err, errlen, "certificate '%s': %s (%s, at depth %d)", subj,
			 verify_reason(e), X509_verify_cert_error_string(e),
			 X509_STORE_CTX_get_error_depth(ctx));
		ERR_clear_error();
		goto out;
	}
	if ((X509_get_extension_flags(ee) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(ee) & KU_DIGITAL_SIGNATURE)) {
		ike_errf(err, errlen, "certificate '%s': key usage does not allow digitalSignature",
			 subj);
		goto out;
	}
	ret = 0;
out:
	X509_STORE_CTX_free(ctx);
	return ret;
}

/* A subjectAltName of @gentype equal to @data (names: case ignored). */
static bool san_has(X509 *c, int gentype, const uint8_t *data, size_t len)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(c, NID_subject_alt_name, NULL, NULL);
	bool found = false;

	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens) && !found; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;
		int type;

		s = GENERAL_NAME_get0_value(g, &type);
		if (type != gentype || (size_t)ASN1_STRING_length(s) != len)
			continue;
		if (gentype == GEN_IPADD)
			found = !memcmp(ASN1_STRING_get0_data(s), data, len);
		else
			found = !strncasecmp((const char *)ASN1_STRING_get0_data(s),
					     (const char *)data, len);
	}
	GENERAL_NAMES_free(gens);
	return found;
}

int cert_id_match(X509 *c, uint8_t type, const uint8_t *data, size_t len,
		  char *err, size_t errlen)
{
	const unsigned char *p = data;
	X509_NAME *dn;
	char subj[256];
	bool ok = false;

	switch (type) {
	case IKE_ID_DER_ASN1_DN:
		dn = d2i_X509_NAME(NULL, &p, (long)len);
		ok = dn && p == data + len && !X509_NAME_cmp(dn, X509_get_subject_name(c));
		X509_NAME_free(dn);
		ERR_clear_error();
		break;
	case IKE_ID_FQDN:
		ok = san_has(c, GEN_DNS, data, len);
		break;
	case IKE_ID_RFC822_ADDR:
		ok = san_has(c, GEN_EMAIL, data, len);
		break;
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		ok = san_has(c, GEN_IPADD, data, len);
		break;
	default:
		break;
	}
	if (ok)
		return 0;
	cert_subject(c, subj, sizeof(subj));
	return ike_errf(err, errlen, "certificate '%s': identity not in the certificate (ID type %u is %s)",
			subj, type, type == IKE_ID_DER_ASN1_DN ? "not its subject" :
			type == IKE_ID_KEY_ID || type == IKE_ID_DER_ASN1_GN ?
			"not matched against certificates" : "none of its subjectAltNames");
}

/* Next RDN "ATTR=VALUE" of @s into @attr and @val (unescaped); end of it or NULL. */
static const char *dn_next(const char *s, char *attr, size_t alen, char *val, size_t vlen)
{
	size_t a = 0, v = 0;

	while (*s == ' ')
		s++;
	while (*s && *s != '=' && a + 1 < alen)
		attr[a++] = *s++;
	while (a && attr[a - 1] == ' ')
		a--;
	attr[a] = '\0';
	if (*s++ != '=' || !a)
		return NULL;
	while (*s == ' ')
		s++;
	for (; *s && *s != ','; s++) {
		if (*s == '\\' && s[1])
			s++;
		if (v + 1 >= vlen)
			return NULL;
		val[v++] = *s;
	}
	while (v && val[v - 1] == ' ')
		v--;
	val[v] = '\0';
	return *s == ',' ? s + 1 : s;
}

int cert_dn_parse(const char *s, uint8_t *der, size_t cap, size_t *len,
		  char *err, size_t errlen)
{
	X509_NAME *n = X509_NAME_new();
	char attr[64], val[256];
	unsigned char *p = der;
	int l, ret = -1;

	while (n && *s) {
		s = dn_next(s, attr, sizeof(attr), val, sizeof(val));
		if (!s) {
			ike_errf(err, errlen, "DN: expected ATTR=VALUE, separated by commas");
			goto out;
		}
		if (!X509_NAME_add_entry_by_txt(n, attr, MBSTRING_UTF8, (const unsigned char *)val,
						-1, -1, 0)) {
			ike_errf(err, errlen, "DN: '%s=%s' is not an attribute OpenSSL knows (C, ST, L, O, OU, CN, emailAddress, ...)",
				 attr, val);
			ERR_clear_error();
			goto out;
		}
	}
	l = n ? i2d_X509_NAME(n, NULL) : -1;
	if (l <= 2 || (size_t)l > cap) {
		ike_errf(err, errlen, l <= 2 ? "DN: empty" : "DN: %d octets of DER, at most %zu",
			 l, cap);
		goto out;
	}
	*len = (size_t)i2d_X509_NAME(n, &p);
	ret = 0;
out:
	X509_NAME_free(n);
	return ret;
}

void cert_dn_format(const uint8_t *der, size_t len, char *buf, size_t buflen)
{
	const unsigned char *p = der;
	X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)len);
	X509 *x = X509_new();

	if (n && x && p == der + len && X509_set_subject_name(x, n))
		cert_subject(x, buf, buflen);
	else
		snprintf(buf, buflen, "(invalid DN)");
	ERR_clear_error();
	X509_free(x);
	X509_NAME_free(n);
}

/* @val against pattern @pat: "*", "*.rest" or literal (@icase: ignore case). */
static bool glob_match(const char *pat, const char *val, size_t vlen, bool icase)
{
	size_t plen = strlen(pat);

	if (!strcmp(pat, "*"))
		return true;
	if (pat[0] == '*' && pat[1] == '.') {
		plen--;
		pat++;
		return vlen > plen && (icase ? !strncasecmp(val + vlen - plen, pat, plen) :
					       !memcmp(val + vlen - plen, pat, plen));
	}
	return vlen == plen && (icase ? !strncasecmp(val, pat, plen) : !memcmp(val, pat, plen));
}

bool cert_fqdn_pattern_match(const char *pattern, const uint8_t *name, size_t len)
{
	if (memchr(name, 0, len))
		return false;
	return glob_match(pattern, (const char *)name, len, true);
}

bool cert_dn_pattern_match(const char *pattern, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)len);
	char attr[64], val[256];
	const char *s = pattern;
	bool ok = n && p == der + len;
	int i = 0;

	for (; ok && *s; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
		unsigned char *u = NULL;
		int ulen, nid;

		s = dn_next(s, attr, sizeof(attr), val, sizeof(val));
		nid = s ? OBJ_txt2nid(attr) : NID_undef;
		if (!e || nid == NID_undef ||
		    OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) != nid) {
			ok = false;
			break;
		}
		ulen = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e));
		ok = ulen >= 0 && !memchr(u, 0, (size_t)ulen) &&
		     glob_match(val, (const char *)u, (size_t)ulen, false);
		OPENSSL_free(u);
	}
	ok = ok && i == X509_NAME_entry_count(n);
	X509_NAME_free(n);
	ERR_clear_error();
	return ok;
}

int cert_spki_hash(X509 *c, uint8_t out[CERT_HASH_LEN])
{
	unsigned char *der = NULL;
	unsigned int olen = 0;
	int l = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c), &der);
	int ret = -1;

	if (l > 0 && EVP_Digest(der, (size_t)l, out, &olen, EVP_sha1(), NULL) &&
	    olen == CERT_HASH_LEN)
		ret = 0;
	OPENSSL_free(der);
	return ret;
}

long cert_certreq_hashes(X509_STORE *store, uint8_t *out, size_t cap)
{
	STACK_OF(X509) *certs = X509_STORE_get1_all_certs(store);
	size_t n = 0;
	long ret = -1;

	if (!certs)
		return -1;
	for (int i = 0; i < sk_X509_num(certs); i++) {
		if (cap - n < CERT_HASH_LEN || cert_spki_hash(sk_X509_value(certs, i), out + n))
			goto out;
		n += CERT_HASH_LEN;
	}
	ret = (long)n;
out:
	sk_X509_pop_free(certs, X509_free);
	return ret;
}
