// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * cert_fuzz.c - libFuzzer target for what a peer sends for certificate
 * authentication. The first octet chooses what the rest is:
 *   0, 1	an inner payload chain starting with CERT or CERTREQ; every
 *		X.509 CERT is decoded with cert_from_der() and matched
 *		against an identity taken from the input
 *   2		AUTH data of method 14 (RFC 7427): the AlgorithmIdentifier
 *		parser, then verification with fixed P-256 and Ed25519 keys
 *   3		AUTH data of methods 1, 9, 10, 11 against the P-256 key
 *   4		SIGNATURE_HASH_ALGORITHMS notify data
 * Nothing may crash, leak or verify.
 */
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "ike.h"
#include "msg.h"
#include "sig.h"

static EVP_PKEY *ec, *ed;
static const uint8_t octets[] = "InitiatorSignedOctets for the fuzzer";

static void setup(void)
{
	if (ec)
		return;
	ec = EVP_EC_gen("P-256");
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!ec || !ed)
		abort();
}

static void certs(uint8_t first, const uint8_t *data, size_t size)
{
	struct ike_msg m;
	struct ike_err err;
	char e[300];

	memset(&m, 0, sizeof(m));
	m.present = IKE_HAS(IKE_PL_SK);
	if (ike_msg_parse_inner(&m, first, data, size, &err))
		return;
	for (unsigned int i = 0; i < m.ncert; i++) {
		X509 *x;

		if (m.cert[i].encoding != IKE_CERT_X509_SIG)
			continue;
		x = cert_from_der(m.cert[i].data.p, m.cert[i].data.len, e, sizeof(e));
		if (!x)
			continue;
		cert_subject(x, e, sizeof(e));
		for (uint8_t t = IKE_ID_IPV4_ADDR; t <= IKE_ID_DER_ASN1_DN; t++)
			cert_id_match(x, t, data, size < 16 ? size : 16, e, sizeof(e));
		X509_free(x);
	}
	for (unsigned int i = 0; i < m.ncertreq; i++)
		if (m.certreq[i].encoding == IKE_CERT_X509_SIG &&
		    m.certreq[i].ncas * IKE_CERTREQ_HASH_LEN != m.certreq[i].cas.len)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ike_sig_alg *alg;
	const uint8_t *sig;
	unsigned int mask;
	size_t siglen;
	char e[300];

	setup();
	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0:
	case 1:
		certs(data[0] % 5 ? IKE_PL_CERTREQ : IKE_PL_CERT, data + 1, size - 1);
		break;
	case 2:
		if (!ike_sig_auth_parse(data + 1, size - 1, &alg, &sig, &siglen, e, sizeof(e)) &&
		    (sig < data + 1 || sig + siglen != data + size))
			abort();
		if (!ike_sig_verify(ec, IKE_AUTH_DIGITAL_SIG, IKE_HASH_OURS, data + 1, size - 1,
				    octets, sizeof(octets), e, sizeof(e)) ||
		    !ike_sig_verify(ed, IKE_AUTH_DIGITAL_SIG, IKE_HASH_OURS, data + 1, size - 1,
				    octets, sizeof(octets), e, sizeof(e)))
			abort();	/* a forged signature verified */
		break;
	case 3:
		if (size > 1 && !ike_sig_verify(ec, data[1], IKE_HASH_OURS, data + 2, size - 2,
						octets, sizeof(octets), e, sizeof(e)))
			abort();
		break;
	default:
		if (!ike_sig_hashes_parse(data + 1, size - 1, &mask, e, sizeof(e)) &&
		    (mask & 1))
			abort();	/* hash 0 is not a bit we set */
		break;
	}
	return 0;
}
