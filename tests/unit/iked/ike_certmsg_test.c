// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_certmsg_test.c - CERT and CERTREQ payloads (RFC 7296 3.6, 3.7):
 * build, decode, re-encode, and the refusals of the decoder (bounds,
 * counts, sizes) and of the builder.
 */
#include <string.h>

#include "msg.h"
#include "ike_test.h"

/* Inner chain: @ncert CERTs of @certlen octets, @nreq CERTREQs of @reqlen. */
static long chain(uint8_t *buf, size_t cap, unsigned int ncert, size_t certlen,
		  unsigned int nreq, size_t reqlen, uint8_t reqenc)
{
	static uint8_t data[IKE_CERT_MAX + 2];
	struct ike_builder b;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	ike_build_chain(&b, buf, cap);
	for (unsigned int i = 0; i < ncert; i++)
		ike_build_raw(&b, IKE_PL_CERT, false, data, 1 + certlen);
	for (unsigned int i = 0; i < nreq; i++) {
		uint8_t r[64] = { reqenc };

		ike_build_raw(&b, IKE_PL_CERTREQ, false, r, 1 + reqlen);
	}
	return ike_build_finish(&b);
}

static int parse(uint8_t first, const uint8_t *buf, long len, struct ike_msg *m,
		 struct ike_err *err)
{
	memset(m, 0, sizeof(*m));
	m->present = IKE_HAS(IKE_PL_SK);
	memset(err, 0, sizeof(*err));
	return ike_msg_parse_inner(m, first, buf, (size_t)len, err);
}

static void test_roundtrip(void)
{
	static uint8_t buf[70000], out[70000];
	const uint8_t hashes[40] = { 1, 2, 3, [39] = 9 };
	const uint8_t der[3] = { 0x30, 0x01, 0x00 };
	struct ike_cert c = { IKE_CERT_X509_SIG, { der, sizeof(der) } };
	struct ike_certreq cr = { IKE_CERT_X509_SIG, 0, { hashes, sizeof(hashes) } };
	struct ike_builder b;
	struct ike_msg m;
	struct ike_err err;
	uint8_t first = 0;
	long len, olen;

	ike_build_chain(&b, buf, sizeof(buf));
	ike_build_cert(&b, &c);
	ike_build_cert(&b, &c);
	ike_build_certreq(&b, &cr);
	len = ike_build_finish(&b);
	memset(&m, 0, sizeof(m));
	m.present = IKE_HAS(IKE_PL_SK);
	t_ok(len == 2 * 8 + 45 && !ike_msg_parse_inner(&m, IKE_PL_CERT, buf, (size_t)len, &err),
	     "certmsg: two CERTs and a CERTREQ built and parsed");
	t_ok(m.ncert == 2 && m.cert[0].encoding == IKE_CERT_X509_SIG && m.cert[1].data.len == 3 &&
	     !memcmp(m.cert[0].data.p, der, 3) && m.nother == 0,
	     "certmsg: CERT decoded into struct ike_cert, not kept as another payload");
	t_ok(m.ncertreq == 1 && m.certreq[0].ncas == 2 && m.certreq[0].cas.len == 40 &&
	     !memcmp(m.certreq[0].cas.p, hashes, 40), "certmsg: CERTREQ decoded with 2 CA hashes");
	olen = ike_msg_encode_inner(&m, out, sizeof(out), &first);
	t_ok(olen == len && first == IKE_PL_CERT && !memcmp(out, buf, (size_t)len),
	     "certmsg: CERT and CERTREQ re-encode byte-identical");
	c.data.len = 0;
	ike_build_chain(&b, buf, sizeof(buf));
	t_ok(ike_build_cert(&b, &c) == -1 && ike_build_finish(&b) == -1,
	     "certmsg: builder refuses an empty CERT");
	c.data.p = buf;
	c.data.len = IKE_CERT_MAX + 1;
	ike_build_chain(&b, out, sizeof(out));
	t_ok(ike_build_cert(&b, &c) == -1, "certmsg: builder refuses a CERT over %d octets",
	     IKE_CERT_MAX);
	cr.cas.len = 39;
	ike_build_chain(&b, out, sizeof(out));
	t_ok(ike_build_certreq(&b, &cr) == -1, "certmsg: builder refuses CERTREQ data of 39 octets");
	cr.encoding = 12;	/* Hash and URL: opaque */
	ike_build_chain(&b, out, sizeof(out));
	t_ok(!ike_build_certreq(&b, &cr), "certmsg: CERTREQ of another encoding built as given");
}

static void test_limits(void)
{
	static uint8_t buf[90000];
	static const struct {
		unsigned int ncert; size_t certlen; unsigned int nreq; size_t reqlen;
		uint8_t enc; const char *why, *what;
	} c[] = {
		{ 4, 100, 4, 20, 4, NULL, "4 CERTs and 4 CERTREQs accepted" },
		{ 1, IKE_CERT_MAX, 0, 0, 4, NULL, "CERT of 16 KiB accepted" },
		{ 5, 100, 0, 0, 4, "more than 4 CERT payloads", "a fifth CERT refused" },
		{ 1, IKE_CERT_MAX + 1, 0, 0, 4, "limit 16384", "CERT over 16 KiB refused" },
		{ 1, 0, 0, 0, 4, "without certificate data", "CERT without data refused" },
		{ 0, 0, 5, 20, 4, "more than 4 CERTREQ payloads", "a fifth CERTREQ refused" },
		{ 0, 0, 1, 21, 4, "not a multiple of 20", "CERTREQ of 21 octets refused" },
		{ 0, 0, 1, 0, 4, NULL, "CERTREQ without CA hashes accepted" },
		{ 0, 0, 1, 21, 12, NULL, "CERTREQ of another encoding kept opaque" },
	};
	struct ike_msg m;
	struct ike_err err;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		long len = chain(buf, sizeof(buf), c[i].ncert, c[i].certlen, c[i].nreq, c[i].reqlen,
				 c[i].enc);
		int r = len > 0 ? parse(c[i].ncert ? IKE_PL_CERT : IKE_PL_CERTREQ, buf, len, &m,
					 &err) : -2;

		if (!c[i].why)
			t_ok(!r, "certmsg: %s%s%s", c[i].what, r ? ": " : "", r ? err.msg : "");
		else
			t_ok(r == -1 && err.notify == IKE_N_INVALID_SYNTAX && t_has(err.msg, c[i].why),
			     "certmsg: %s", c[i].what);
	}
	/* A CERT whose generic header holds nothing. */
	memcpy(buf, "\0\0\0\4", 4);
	memset(&m, 0, sizeof(m));
	m.present = IKE_HAS(IKE_PL_SK);
	t_ok(ike_msg_parse_inner(&m, IKE_PL_CERT, buf, 4, &err) &&
	     t_has(err.msg, "shorter than its Cert Encoding octet"), "certmsg: empty CERT body refused");
	m.ncert = 0;
	t_ok(ike_msg_parse_inner(&m, IKE_PL_CERTREQ, buf, 4, &err) &&
	     t_has(err.msg, "CERTREQ payload: 0 octets"), "certmsg: empty CERTREQ body refused");
}

void test_certmsg(void)
{
	test_roundtrip();
	test_limits();
}
