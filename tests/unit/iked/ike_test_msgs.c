// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_test_msgs.c - well-formed sample messages built with the encoder, for
 * the unit tests and the fuzzer's seed corpus.
 */
#include <string.h>

#include "msg.h"
#include "proposal.h"
#include "ike_test_msgs.h"

static const uint8_t nonce32[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
			       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

void ike_test_hdr(struct ike_hdr *h, uint8_t exch, uint8_t flags, uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->spi_i, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	if (exch != IKE_EXCH_SA_INIT)
		memcpy(h->spi_r, "\x99\xaa\xbb\xcc\xdd\xee\xff\x01", 8);
	h->exchange = exch;
	h->flags = flags;
	h->msgid = msgid;
}

long ike_test_sa_init(uint8_t *buf, size_t cap, int with_cookie)
{
	struct ike_builder b;
	struct ike_hdr h;
	struct ike_sa_payload sa;
	struct ike_notify n = { 0 };
	uint8_t ke[64], natd[20], cookie[16];
	char err[128];

	ike_test_hdr(&h, IKE_EXCH_SA_INIT, IKE_FLAG_INITIATOR, 0);
	ike_build_init(&b, buf, cap, &h);
	if (with_cookie) {
		memset(cookie, 0xc0, sizeof(cookie));
		n.type = IKE_N_COOKIE;
		n.data.p = cookie;
		n.data.len = sizeof(cookie);
		ike_build_notify(&b, &n);
	}
	if (ike_proposal_list_parse("aes128gcm16-aes256gcm16-prfsha256-prfsha384-ecp256-x25519,aes128-sha256-modp2048",
				    IKE_PROTO_IKE, &sa, err, sizeof(err)))
		return -1;
	ike_build_sa(&b, &sa);
	memset(ke, 0x42, sizeof(ke));
	ike_build_ke(&b, IKE_DH_ECP256, ke, sizeof(ke));
	ike_build_nonce(&b, nonce32, sizeof(nonce32));
	memset(natd, 0x5a, sizeof(natd));
	n.type = IKE_N_NAT_DETECTION_SOURCE_IP;
	n.data.p = natd;
	n.data.len = sizeof(natd);
	ike_build_notify(&b, &n);
	n.type = IKE_N_NAT_DETECTION_DESTINATION_IP;
	ike_build_notify(&b, &n);
	ike_build_vendor(&b, (const uint8_t *)"espvti", 6);
	return ike_build_finish(&b);
}

/* Inner payloads of an IKE_AUTH request: IDi, AUTH, SA, TSi, TSr, N. */
long ike_test_auth_inner(uint8_t *buf, size_t cap, uint8_t *first)
{
	struct ike_builder b;
	struct ike_sa_payload sa;
	struct ike_ts_payload tsi = { 0 }, tsr = { 0 };
	struct ike_id id = { .type = IKE_ID_FQDN };
	struct ike_notify n = { 0 };
	uint8_t authdata[32];
	char err[128];
	long len;

	ike_build_chain(&b, buf, cap);
	id.data.p = (const uint8_t *)"gw1.example.net";
	id.data.len = 15;
	ike_build_id(&b, IKE_PL_IDI, &id);
	memset(authdata, 0xab, sizeof(authdata));
	ike_build_auth(&b, IKE_AUTH_SHARED_KEY_MIC, authdata, sizeof(authdata));
	if (ike_proposal_list_parse("aes128gcm16-esn-noesn,chacha20poly1305", IKE_PROTO_ESP,
				    &sa, err, sizeof(err)))
		return -1;
	memcpy(sa.prop[0].spi, "\xc0\x01\x02\x03", 4);
	memcpy(sa.prop[1].spi, "\xc0\x01\x02\x03", 4);
	sa.prop[0].spi_size = sa.prop[1].spi_size = 4;
	ike_build_sa(&b, &sa);
	tsi.nts = 2;
	tsi.ts[0] = (struct ike_ts){ IKE_TS_IPV4_ADDR_RANGE, 0, 0, 65535,
				     { 10, 0, 0, 0 }, { 10, 0, 0, 255 } };
	tsi.ts[1] = (struct ike_ts){ IKE_TS_IPV6_ADDR_RANGE, 17, 500, 500,
				     { 0x20, 0x01, 0x0d, 0xb8 },
				     { 0x20, 0x01, 0x0d, 0xb8, [4 ... 15] = 0xff } };
	tsr.nts = 1;
	tsr.ts[0] = (struct ike_ts){ IKE_TS_IPV4_ADDR_RANGE, 6, 80, 443,
				     { 192, 0, 2, 1 }, { 192, 0, 2, 1 } };
	ike_build_ts(&b, IKE_PL_TSI, &tsi);
	ike_build_ts(&b, IKE_PL_TSR, &tsr);
	n.type = IKE_N_USE_TRANSPORT_MODE;
	ike_build_notify(&b, &n);
	len = ike_build_finish(&b);
	*first = ike_build_first(&b);
	return len;
}

/* An INFORMATIONAL with Delete payloads in clear (as if decrypted). */
long ike_test_informational(uint8_t *buf, size_t cap)
{
	struct ike_builder b;
	struct ike_hdr h;
	struct ike_delete d = { .proto = IKE_PROTO_ESP, .spi_size = 4, .nspi = 2 };
	struct ike_delete dike = { .proto = IKE_PROTO_IKE };
	struct ike_id id = { .type = IKE_ID_IPV6_ADDR };
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	ike_test_hdr(&h, IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR, 7);
	ike_build_init(&b, buf, cap, &h);
	d.spis.p = (const uint8_t *)"\xc1\x00\x00\x01\xc1\x00\x00\x02";
	d.spis.len = 8;
	ike_build_delete(&b, &d);
	ike_build_delete(&b, &dike);
	id.data.p = v6;
	id.data.len = 16;
	ike_build_id(&b, IKE_PL_IDR, &id);
	ike_build_raw(&b, 200, false, (const uint8_t *)"unknown", 7);
	return ike_build_finish(&b);
}

