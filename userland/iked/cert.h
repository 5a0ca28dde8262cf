/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * cert.h - X.509 certificates for IKEv2 authentication (RFC 7296 2.15,
 * 3.6, 3.7) on OpenSSL 3: our certificate, intermediates and private key;
 * the trust anchors and CRLs a peer's chain is verified against; the
 * peer's IKE identity matched against its certificate; and the remote_id
 * patterns of the configuration.
 *
 * Functions return 0 on success and -1 with @err saying what failed and
 * naming the file or the certificate's subject.
 */
#ifndef ESPIKED_CERT_H
#define ESPIKED_CERT_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include <openssl/x509.h>

#define CERT_HASH_LEN		20	/* CERTREQ: SHA-1 of a SubjectPublicKeyInfo */
#define CERT_MAX_CHAIN		4	/* end entity plus intermediates we send */
#define CERT_DN_MAX		1024	/* DER of a DN in an ID payload or config */

/**
 * struct cert_own - our own credentials
 * @cert: our end-entity certificate
 * @chain: intermediate certificates sent after it (possibly empty)
 * @key: the private key of @cert
 * @subject: @cert's subject as text, for messages
 */
struct cert_own {
	X509 *cert;
	STACK_OF(X509) *chain;
	EVP_PKEY *key;
	char subject[256];
};

/*
 * Our certificate (PEM, @certfile), optional intermediates (PEM, several
 * allowed, @chainfile or NULL) and private key (PEM, @keyfile), which
 * must match the certificate and must not be accessible by group or
 * others.
 */
int cert_own_load(struct cert_own *o, const char *certfile, const char *chainfile,
		  const char *keyfile, char *err, size_t errlen);
/* Frees everything in @o; the private key is wiped by EVP_PKEY_free. */
void cert_own_free(struct cert_own *o);

/* A PEM private key, refused when its mode gives group or others access. */
EVP_PKEY *cert_key_load(const char *path, char *err, size_t errlen);

/*
 * The trust anchors in @ca (a PEM file of one or more certificates, or a
 * directory of such files) and the CRLs in @crl (PEM, or NULL). With a CRL
 * the end-entity certificate of every peer is checked against it.
 */
X509_STORE *cert_store_load(const char *ca, const char *crl, char *err, size_t errlen);

/* A DER certificate from a CERT payload. */
X509 *cert_from_der(const uint8_t *der, size_t len, char *err, size_t errlen);

/*
 * Verify @ee with the intermediates in @untrusted (NULL: none) against
 * @store: chain to an anchor, validity, signatures, the CRL when one is
 * configured, and keyUsage digitalSignature on @ee when it has keyUsage.
 * @err reads "certificate 'SUBJECT': unknown CA", "...: expired",
 * "...: revoked", "...: signature invalid", ...
 */
int cert_verify(X509_STORE *store, X509 *ee, STACK_OF(X509) *untrusted,
		char *err, size_t errlen);

/*
 * The peer's IKE identity (IKE_ID_* @type, @data as in the ID payload)
 * must be in @c: ID_DER_ASN1_DN equal to the subject, ID_FQDN,
 * ID_RFC822_ADDR, ID_IPV4_ADDR, ID_IPV6_ADDR equal to a subjectAltName
 * of that kind (names without regard to case). Otherwise -1 with "identity
 * not in the certificate".
 */
int cert_id_match(X509 *c, uint8_t type, const uint8_t *data, size_t len,
		  char *err, size_t errlen);

/*
 * A DN in string form, "C=CH, O=Example, CN=gw.example.org" (RDNs in the
 * order they are encoded, separated by commas; "\," for a comma in a
 * value), into DER (@der, @cap octets) as sent in an ID_DER_ASN1_DN.
 */
int cert_dn_parse(const char *s, uint8_t *der, size_t cap, size_t *len,
		  char *err, size_t errlen);
/* DER @der of a DN as "C=CH, O=Example, CN=gw"; "(invalid DN)" if not. */
void cert_dn_format(const uint8_t *der, size_t len, char *buf, size_t buflen);
/* @c's subject as "C=CH, O=Example, CN=gw". */
void cert_subject(X509 *c, char *buf, size_t buflen);

/*
 * remote_id patterns. A DN pattern matches a DN with the same attributes
 * in the same order whose values are equal, where a pattern value "*"
 * matches any value and "*.rest" any value ending in ".rest" (at least one
 * more character before it). An FQDN pattern "*.example.org" matches the
 * names ending in ".example.org" in the same way; without "*" it must be
 * equal. Case is ignored in FQDNs, not in DN values.
 */
bool cert_dn_pattern_match(const char *pattern, const uint8_t *der, size_t len);
bool cert_fqdn_pattern_match(const char *pattern, const uint8_t *name, size_t len);

/*
 * CERTREQ Certification Authority data: the SHA-1 hash of the
 * SubjectPublicKeyInfo of each anchor in @store, @cap octets at most;
 * the length (a multiple of CERT_HASH_LEN) or -1.
 */
long cert_certreq_hashes(X509_STORE *store, uint8_t *out, size_t cap);
/* SHA-1 of @c's SubjectPublicKeyInfo. */
int cert_spki_hash(X509 *c, uint8_t out[CERT_HASH_LEN]);

#endif /* ESPIKED_CERT_H */
