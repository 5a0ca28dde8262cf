// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * auth_cert.c - IKE_AUTH with certificates: the SIGNATURE_HASH_ALGORITHMS
 * notify (RFC 7427 4) when either end signs; CERTREQ when the peer must
 * (remote_auth pubkey); our CERT payloads and signed AUTH payload (auth
 * pubkey); the peer's certificate chain, identity and signature checked
 * (RFC 7296 2.15, 3.6-3.8). Every refusal is logged with the peer's
 * identity and what failed.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cert.h"
#include "daemon.h"
#include "log.h"
#include "sig.h"

#define CERTREQ_MAX	(16 * CERT_HASH_LEN)	/* trust anchors named in a CERTREQ */

/* CERTREQ naming every trust anchor of the connection (remote_auth pubkey). */
static void add_certreq(const struct ike_sa *sa, struct ike_builder *b)
{
	uint8_t hashes[CERTREQ_MAX];
	struct ike_certreq cr = { .encoding = IKE_CERT_X509_SIG };
	long n;

	if (sa->conn->remote_auth != AUTH_PUBKEY || !sa->conn->store)
		return;
	n = cert_certreq_hashes(sa->conn->store, hashes, sizeof(hashes));
	if (n < 0) {
		log_warn(SA_FMT " CERTREQ: more than %d trust anchors in %s, none named", SA_ARGS(sa),
			 CERTREQ_MAX / CERT_HASH_LEN, sa->conn->ca);
		n = 0;
	}
	cr.cas.p = n ? hashes : NULL;
	cr.cas.len = (size_t)n;
	cr.ncas = (uint16_t)(n / CERT_HASH_LEN);
	ike_build_certreq(b, &cr);
}

void auth_cert_init_add(const struct ike_sa *sa, struct ike_builder *b)
{
	struct ike_notify n = { .type = IKE_N_SIGNATURE_HASH_ALGORITHMS };
	uint8_t data[32];
	long len;

	/* ours: the peer signs with one (remote_auth); theirs: we choose (auth) */
	if (sa->conn->auth != AUTH_PUBKEY && sa->conn->remote_auth != AUTH_PUBKEY)
		return;
	len = ike_sig_hashes_build(IKE_HASH_OURS, data, sizeof(data));
	if (len < 0)
		return;
	n.data.p = data;
	n.data.len = (size_t)len;
	ike_build_notify(b, &n);
	if (!sa->initiator)
		add_certreq(sa, b);	/* the responder asks in IKE_SA_INIT (3.7) */
}

void auth_cert_req_add(const struct ike_sa *sa, struct ike_builder *b)
{
	if (sa->initiator)
		add_certreq(sa, b);
}

void auth_cert_peer(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_notify *n = ike_msg_notify(m, IKE_N_SIGNATURE_HASH_ALGORITHMS);
	char err[200];

	if (m->ncertreq)
		sa->peer_certreq = true;
	if (!n || m->hdr.exchange != IKE_EXCH_SA_INIT)
		return;
	if (ike_sig_hashes_parse(n->data.p, n->data.len, &sa->peer_hashes, err, sizeof(err)))
		log_warn(SA_FMT " %s: ignored", SA_ARGS(sa), err);
	else if (!sa->peer_hashes)
		log_info(SA_FMT " SIGNATURE_HASH_ALGORITHMS names no hash we know", SA_ARGS(sa));
	sa->peer_hashes_sent = true;
}

/* Methods 1, 9, 10, 11 for a peer that did not announce RFC 7427. */
static uint8_t classic_method(EVP_PKEY *key)
{
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
		return IKE_AUTH_RSA_SIG;
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return 0;
	switch (EVP_PKEY_get_bits(key)) {
	case 256: return IKE_AUTH_ECDSA_256;
	case 384: return IKE_AUTH_ECDSA_384;
	case 521: return IKE_AUTH_ECDSA_521;
	default: return 0;
	}
}

/* Our CERT payloads: the certificate, then the intermediates. */
static void add_certs(const struct ike_sa *sa, struct ike_builder *b)
{
	const struct cert_own *o = &sa->conn->own;
	enum conn_send_cert when = sa->conn->send_cert;

	if (when == SEND_CERT_NEVER || (when == SEND_CERT_IFASKED && !sa->peer_certreq))
		return;
	for (int i = -1; i < sk_X509_num(o->chain); i++) {
		X509 *x = i < 0 ? o->cert : sk_X509_value(o->chain, i);
		unsigned char *der = NULL;
		int len = i2d_X509(x, &der);
		struct ike_cert c = { .encoding = IKE_CERT_X509_SIG };

		if (len > 0) {
			c.data.p = der;
			c.data.len = (size_t)len;
			ike_build_cert(b, &c);	/* failure is sticky in @b */
		}
		OPENSSL_free(der);
	}
}

int auth_cert_add(struct ike_sa *sa, struct ike_builder *b, const uint8_t *idb, size_t idlen)
{
	EVP_PKEY *key = sa->conn->own.key;
	const struct ike_sig_alg *alg = NULL;
	uint8_t sig[IKE_SIG_MAX], method, *oct;
	char err[300];
	size_t siglen;
	long olen;
	int ret;

	if (sa->peer_hashes_sent) {
		method = IKE_AUTH_DIGITAL_SIG;
		alg = ike_sig_choose(key, sa->peer_hashes, err, sizeof(err));
	} else {
		method = classic_method(key);
		snprintf(err, sizeof(err), "the peer sent no SIGNATURE_HASH_ALGORITHMS, and a %s key has no other AUTH method",
			 EVP_PKEY_get0_type_name(key));
	}
	if (!method || (method == IKE_AUTH_DIGITAL_SIG && !alg)) {
		log_warn(SA_FMT " AUTH: %s", SA_ARGS(sa), err);
		return -1;
	}
	olen = auth_signed_octets(sa, sa->initiator, idb, idlen, &oct);
	if (olen < 0)
		return -1;
	ret = ike_sig_sign(key, method, alg, oct, (size_t)olen, sig, sizeof(sig), &siglen, err,
			   sizeof(err));
	auth_octets_free(oct, (size_t)olen);
	if (ret) {
		log_err(SA_FMT " AUTH: %s", SA_ARGS(sa), err);
		return -1;
	}
	add_certs(sa, b);
	auth_cert_req_add(sa, b);
	log_debug(SA_FMT " AUTH: %s%s%s as '%s'", SA_ARGS(sa), ike_auth_method_name(method),
		  alg ? " " : "", alg ? alg->name : "", sa->conn->own.subject);
	return ike_build_auth(b, method, sig, siglen);
}

/*
 * The peer's end-entity certificate and intermediates from its CERT
 * payloads; NULL when there is none or one does not decode (logged).
 */
static X509 *peer_chain(const struct ike_sa *sa, const struct ike_msg *m, STACK_OF(X509) **sk,
			const char *who)
{
	char err[300];
	X509 *ee = NULL;

	*sk = sk_X509_new_null();
	for (unsigned int i = 0; *sk && i < m->ncert; i++) {
		X509 *x;

		if (m->cert[i].encoding != IKE_CERT_X509_SIG)
			continue;	/* other encodings are not used */
		x = cert_from_der(m->cert[i].data.p, m->cert[i].data.len, err, sizeof(err));
		if (!x) {
			log_warn(SA_FMT " AUTHENTICATION_FAILED: peer %s: CERT %u: %s", SA_ARGS(sa),
				 who, i + 1, err);
			X509_free(ee);
			return NULL;
		}
		if (!ee)
			ee = x;
		else if (!sk_X509_push(*sk, x))
			X509_free(x);
	}
	if (!ee)
		log_warn(SA_FMT " AUTHENTICATION_FAILED: peer %s sent no X.509 certificate (CERT payload)",
			 SA_ARGS(sa), who);
	return ee;
}

int auth_cert_verify(struct ike_sa *sa, const struct ike_msg *m, const struct ike_id *id,
		     const struct ike_slice *body, const struct ike_auth *auth, const char *who)
{
	STACK_OF(X509) *chain = NULL;
	char err[600], subj[256];
	X509 *ee = peer_chain(sa, m, &chain, who);
	uint8_t *oct = NULL;
	long olen = -1;
	int ret = -1;

	if (!ee)
		goto out;
	cert_subject(ee, subj, sizeof(subj));
	if (cert_verify(sa->conn->store, ee, chain, err, sizeof(err)) ||
	    cert_id_match(ee, id->type, id->data.p, id->data.len, err, sizeof(err))) {
		log_warn(SA_FMT " AUTHENTICATION_FAILED: peer %s: %s", SA_ARGS(sa), who, err);
		goto out;
	}
	olen = auth_signed_octets(sa, !sa->initiator, body->p, body->len, &oct);
	if (olen < 0) {
		log_err(SA_FMT " AUTH octets could not be computed", SA_ARGS(sa));
		goto out;
	}
	if (ike_sig_verify(X509_get0_pubkey(ee), auth->method, IKE_HASH_OURS, auth->data.p,
			   auth->data.len, oct, (size_t)olen, err, sizeof(err))) {
		log_warn(SA_FMT " AUTHENTICATION_FAILED: peer %s, certificate '%s': %s", SA_ARGS(sa),
			 who, subj, err);
		goto out;
	}
	log_info(SA_FMT " peer authenticated as %s with certificate '%s' (%s)", SA_ARGS(sa), who,
		 subj, ike_auth_method_name(auth->method));
	ret = 0;
out:
	if (oct)
		auth_octets_free(oct, (size_t)olen);
	X509_free(ee);
	sk_X509_pop_free(chain, X509_free);
	return ret;
}
