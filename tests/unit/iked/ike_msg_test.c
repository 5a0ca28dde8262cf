// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_msg_test.c - IKE message encode/decode round trips and rejections.
 */
#include <string.h>

#include "msg.h"
#include "proposal.h"
#include "ike_test.h"
#include "ike_test_msgs.h"

static const uint8_t nonce32[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				     17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

static void hdr_init(struct ike_hdr *h, uint8_t exch, uint8_t flags, uint32_t msgid)
{
	ike_test_hdr(h, exch, flags, msgid);
}

static void test_roundtrip(void)
{
	uint8_t buf[2048], out[2048], inner[1024];
	struct ike_msg m;
	struct ike_err err;
	uint8_t first = 0;
	long len, ilen, olen;
	const struct ike_notify *n;

	len = ike_test_sa_init(buf, sizeof(buf), 1);
	t_ok(len > 0, "msg: build IKE_SA_INIT request (%ld octets)", len);
	t_ok(!ike_msg_parse(buf, (size_t)len, &m, &err), "msg: parse IKE_SA_INIT request%s%s",
	     m.npayloads ? "" : ": ", m.npayloads ? "" : err.msg);
	t_ok(m.hdr.exchange == IKE_EXCH_SA_INIT && m.hdr.flags == IKE_FLAG_INITIATOR &&
	     m.hdr.msgid == 0 && m.hdr.length == (uint32_t)len, "msg: header fields decoded");
	t_ok(m.sa.nprops == 2 && m.sa.prop[0].ntransforms == 6 &&
	     m.sa.prop[0].xf[0].type == IKE_XF_ENCR && m.sa.prop[0].xf[0].id == IKE_ENCR_AES_GCM_16 &&
	     m.sa.prop[0].xf[0].keylen == 128 && m.sa.prop[0].xf[1].keylen == 256 &&
	     m.sa.prop[1].num == 2, "msg: SA proposals, transforms and Key Length decoded");
	t_ok(m.ke.group == IKE_DH_ECP256 && m.ke.data.len == 64, "msg: KE decoded");
	t_ok(m.nonce.len == 32 && !memcmp(m.nonce.p, nonce32, 32), "msg: Nonce decoded");
	n = ike_msg_notify(&m, IKE_N_COOKIE);
	t_ok(n && n->data.len == 16 && m.nnotify == 3, "msg: COOKIE and NATD notifies decoded");
	t_ok(m.nvendor == 1 && m.vendor[0].len == 6, "msg: Vendor ID kept (ignored)");
	olen = ike_msg_encode(&m, out, sizeof(out));
	t_ok(olen == len && !memcmp(out, buf, (size_t)len), "msg: IKE_SA_INIT re-encodes byte-identical");

	ilen = ike_test_auth_inner(inner, sizeof(inner), &first);
	memset(&m, 0, sizeof(m));
	m.present = IKE_HAS(IKE_PL_SK);
	t_ok(ilen > 0 && first == IKE_PL_IDI &&
	     !ike_msg_parse_inner(&m, first, inner, (size_t)ilen, &err),
	     "msg: parse IKE_AUTH inner payload chain");
	t_ok(m.idi.type == IKE_ID_FQDN && m.idi.data.len == 15 &&
	     !memcmp(m.idi.data.p, "gw1.example.net", 15) && m.idi_body.len == 19,
	     "msg: IDi FQDN decoded, RestOfIDPayload kept");
	t_ok(m.auth.method == IKE_AUTH_SHARED_KEY_MIC && m.auth.data.len == 32, "msg: AUTH decoded");
	t_ok(m.sa.nprops == 2 && m.sa.prop[0].proto == IKE_PROTO_ESP &&
	     m.sa.prop[0].spi_size == 4 && !memcmp(m.sa.prop[0].spi, "\xc0\x01\x02\x03", 4),
	     "msg: ESP proposal with SPI decoded");
	t_ok(m.tsi.nts == 2 && m.tsi.ts[1].type == IKE_TS_IPV6_ADDR_RANGE &&
	     m.tsi.ts[1].ipproto == 17 && m.tsi.ts[1].sport == 500 && m.tsi.ts[1].eaddr[15] == 0xff &&
	     m.tsr.nts == 1 && m.tsr.ts[0].sport == 80 && m.tsr.ts[0].eport == 443,
	     "msg: TSi/TSr IPv4 and IPv6 ranges with ports decoded");
	t_ok(ike_msg_notify(&m, IKE_N_USE_TRANSPORT_MODE) != NULL, "msg: USE_TRANSPORT_MODE recorded");
	olen = ike_msg_encode_inner(&m, out, sizeof(out), &first);
	t_ok(olen == ilen && first == IKE_PL_IDI && !memcmp(out, inner, (size_t)ilen),
	     "msg: inner chain re-encodes byte-identical");

	len = ike_test_informational(buf, sizeof(buf));
	t_ok(len > 0 && !ike_msg_parse(buf, (size_t)len, &m, &err) && m.ndelete == 2 &&
	     m.del[0].nspi == 2 && m.del[1].proto == IKE_PROTO_IKE &&
	     m.idr.type == IKE_ID_IPV6_ADDR && m.nother == 1 && m.other[0].type == 200,
	     "msg: Delete (ESP and IKE), IPv6 ID, unknown non-critical payload");
	olen = ike_msg_encode(&m, out, sizeof(out));
	t_ok(olen == len && !memcmp(out, buf, (size_t)len), "msg: INFORMATIONAL re-encodes byte-identical");
}

static void test_ids(void)
{
	static const struct { uint8_t type; const char *data; size_t len; } ids[] = {
		{ IKE_ID_IPV4_ADDR, "\xc0\x00\x02\x01", 4 },
		{ IKE_ID_FQDN, "vpn.example.org", 15 },
		{ IKE_ID_RFC822_ADDR, "a@test", 6 },
		{ IKE_ID_IPV6_ADDR, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16 },
		{ IKE_ID_KEY_ID, "\x00\x01\xfe\xff", 4 },
	};
	uint8_t buf[256], out[256];
	struct ike_msg m;
	struct ike_err err;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct ike_builder b;
		struct ike_id id = { .type = ids[i].type };
		long len, olen;
		int ok;

		ike_build_chain(&b, buf, sizeof(buf));
		id.data.p = (const uint8_t *)ids[i].data;
		id.data.len = ids[i].len;
		ike_build_id(&b, IKE_PL_IDR, &id);
		len = ike_build_finish(&b);
		memset(&m, 0, sizeof(m));
		m.present = IKE_HAS(IKE_PL_SK);
		ok = len > 0 && !ike_msg_parse_inner(&m, IKE_PL_IDR, buf, (size_t)len, &err) &&
		     m.idr.type == ids[i].type && m.idr.data.len == ids[i].len &&
		     !memcmp(m.idr.data.p, ids[i].data, ids[i].len);
		olen = ike_msg_encode_inner(&m, out, sizeof(out), &(uint8_t){ 0 });
		t_ok(ok && olen == len && !memcmp(out, buf, (size_t)len),
		     "msg: ID type %u round trip", ids[i].type);
	}
}

/* Apply @edit to a copy of a valid message; it must be rejected. */
static void expect_reject(const char *name, const uint8_t *msg, size_t len,
			  size_t off, const uint8_t *bytes, size_t n,
			  uint16_t notify, const char *needle)
{
	uint8_t buf[2048];
	struct ike_msg m;
	struct ike_err err = { 0 };
	int rc;

	memcpy(buf, msg, len);
	memcpy(buf + off, bytes, n);
	rc = ike_msg_parse(buf, len, &m, &err);
	if (!t_ok(rc == -1 && err.notify == notify && strstr(err.msg, needle),
		  "msg: reject %s", name))
		t_diag("rc %d notify %u msg '%s'", rc, err.notify, err.msg);
	else
		t_diag("  -> %s", err.msg);
}

static void test_rejects(void)
{
	uint8_t buf[2048], dup[2048];
	struct ike_msg m;
	struct ike_err err;
	long len = ike_test_sa_init(buf, sizeof(buf), 0);
	/* offsets: header 28, SA payload starts at 28 */
	size_t sa = IKE_HDR_LEN;
	size_t sa_len = (size_t)(buf[sa + 2] << 8 | buf[sa + 3]);
	size_t ke = sa + sa_len;
	size_t ke_len = (size_t)(buf[ke + 2] << 8 | buf[ke + 3]);
	size_t nonce = ke + ke_len;
	size_t natd = nonce + 4 + 32;

	t_ok(len > 0 && !ike_msg_parse(buf, (size_t)len, &m, &err), "msg: reference message parses");
	expect_reject("major version 3", buf, (size_t)len, 17, (const uint8_t *)"\x30", 1,
		      IKE_N_INVALID_MAJOR_VERSION, "major version 3");
	expect_reject("header Length larger than datagram", buf, (size_t)len, 26,
		      (const uint8_t *)"\x7f\xff", 2, 0, "Length");
	expect_reject("zero initiator SPI", buf, (size_t)len, 0,
		      (const uint8_t *)"\0\0\0\0\0\0\0\0", 8, IKE_N_INVALID_SYNTAX, "SPI is zero");
	expect_reject("proposal number 2 first", buf, (size_t)len, sa + 4 + 4,
		      (const uint8_t *)"\x02", 1, IKE_N_INVALID_SYNTAX, "Proposal Num 2");
	expect_reject("last proposal marked 'more'", buf, (size_t)len,
		      sa + 4 + (size_t)(buf[sa + 6] << 8 | buf[sa + 7]),
		      (const uint8_t *)"\x02", 1, IKE_N_INVALID_SYNTAX, "does not match its position");
	expect_reject("transform count too high", buf, (size_t)len, sa + 4 + 7,
		      (const uint8_t *)"\x07", 1, IKE_N_INVALID_SYNTAX, "announces 7 transforms");
	expect_reject("unknown protocol ID", buf, (size_t)len, sa + 4 + 5,
		      (const uint8_t *)"\x09", 1, IKE_N_INVALID_SYNTAX, "unknown Protocol ID 9");
	expect_reject("SA payload length past the end", buf, (size_t)len, sa + 2,
		      (const uint8_t *)"\xff\xff", 2, IKE_N_INVALID_SYNTAX, "Payload Length 65535");
	expect_reject("KE group 0", buf, (size_t)len, ke + 4,
		      (const uint8_t *)"\0\0", 2, IKE_N_INVALID_SYNTAX, "DH Group 0");
	(void)natd;
	/* unknown critical payload: change the KE payload's type to 99 */
	buf[sa] = 99;
	buf[ke + 1] = 0x80;
	expect_reject("unknown payload with critical bit", buf, (size_t)len, 0, buf, 0,
		      IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, "type 99");
	err.data = 0;
	ike_msg_parse(buf, (size_t)len, &m, &err);
	t_ok(err.data == 99, "msg: UNSUPPORTED_CRITICAL_PAYLOAD carries the payload type");
	buf[ke + 1] = 0;
	t_ok(!ike_msg_parse(buf, (size_t)len, &m, &err) && m.nother == 1 &&
	     m.other[0].type == 99 && !(m.present & IKE_HAS(IKE_PL_KE)),
	     "msg: unknown non-critical payload skipped");
	buf[sa] = IKE_PL_KE;

	/* duplicate Nonce: make the KE payload a Nonce (its 68 octets fit) */
	memcpy(dup, buf, (size_t)len);
	dup[sa] = IKE_PL_NONCE;
	expect_reject("duplicate Nonce payload", dup, (size_t)len, 0, dup, 0,
		      IKE_N_INVALID_SYNTAX, "duplicate Nonce");
	/* Nonce too short: shrink the nonce to 15 octets, drop the rest */
	memcpy(dup, buf, (size_t)len);
	dup[nonce] = 0;
	dup[nonce + 3] = 4 + 15;
	dup[27] = (uint8_t)(nonce + 19);
	dup[26] = (uint8_t)((nonce + 19) >> 8);
	t_ok(ike_msg_parse(dup, nonce + 19, &m, &err) == -1 && strstr(err.msg, "Nonce payload: 15 octets"),
	     "msg: reject 15-octet Nonce (%s)", err.msg);
	/* trailing garbage after the last payload */
	memcpy(dup, buf, (size_t)len);
	dup[(size_t)len] = 0;
	dup[27] = (uint8_t)(len + 1);
	dup[26] = (uint8_t)((len + 1) >> 8);
	t_ok(ike_msg_parse(dup, (size_t)len + 1, &m, &err) == -1 &&
	     strstr(err.msg, "after the last payload"), "msg: reject octets after the last payload");
}

static void test_sk_position(void)
{
	uint8_t buf[512];
	struct ike_builder b;
	struct ike_hdr h;
	struct ike_msg m;
	struct ike_err err;
	long off, len;

	hdr_init(&h, IKE_EXCH_AUTH, IKE_FLAG_INITIATOR, 1);
	ike_build_init(&b, buf, sizeof(buf), &h);
	off = ike_build_sk_reserve(&b, IKE_PL_IDI, 40);
	memset(buf + off, 0x33, 40);
	t_ok(ike_build_vendor(&b, (const uint8_t *)"x", 1) == -1,
	     "msg: builder refuses a payload after SK");
	ike_build_init(&b, buf, sizeof(buf), &h);
	off = ike_build_sk_reserve(&b, IKE_PL_IDI, 40);
	memset(buf + off, 0x33, 40);
	len = ike_build_finish(&b);
	t_ok(len > 0 && !ike_msg_parse(buf, (size_t)len, &m, &err) &&
	     m.sk.first == IKE_PL_IDI && m.sk.body.len == 40 && m.sk.hdr_off == IKE_HDR_LEN,
	     "msg: SK payload recorded opaque with its first inner type");
	/* SK followed by another payload: patch SK length short, add a V */
	buf[IKE_HDR_LEN + 3] = 4 + 30;
	buf[IKE_HDR_LEN + 4 + 30] = 0;	/* V payload header in what was body */
	buf[IKE_HDR_LEN + 4 + 31] = 0;
	buf[IKE_HDR_LEN + 4 + 32] = 0;
	buf[IKE_HDR_LEN + 4 + 33] = 10;
	t_ok(ike_msg_parse(buf, (size_t)len, &m, &err) == -1 &&
	     strstr(err.msg, "SK payload is not the last"), "msg: reject SK that is not last (%s)", err.msg);
}

/* A one-payload chain holding @n must be rejected with @needle. */
static void notify_reject(const char *name, const struct ike_notify *n, const char *needle)
{
	uint8_t buf[256];
	struct ike_builder b;
	struct ike_msg m;
	struct ike_err err = { 0 };
	long len;

	ike_build_chain(&b, buf, sizeof(buf));
	ike_build_notify(&b, n);
	len = ike_build_finish(&b);
	memset(&m, 0, sizeof(m));
	m.present = IKE_HAS(IKE_PL_SK);
	t_ok(len > 0 && ike_msg_parse_inner(&m, IKE_PL_NOTIFY, buf, (size_t)len, &err) == -1 &&
	     strstr(err.msg, needle), "msg: reject %s (%s)", name, err.msg);
}

static void test_notify_rejects(void)
{
	uint8_t data[80] = { 0 };
	struct ike_notify n = { .data = { data, 19 } };
	struct ike_delete d = { .proto = IKE_PROTO_ESP, .spi_size = 4, .nspi = 0 };
	struct ike_builder b;
	struct ike_msg m;
	struct ike_err err;
	uint8_t buf[64];
	long len;

	n.type = IKE_N_NAT_DETECTION_SOURCE_IP;
	notify_reject("NAT_DETECTION_SOURCE_IP with 19 octets", &n, "expected 20");
	n.type = IKE_N_COOKIE;
	n.data.len = 65;
	notify_reject("COOKIE of 65 octets", &n, "expected 1 to 64");
	n.type = IKE_N_INVALID_KE_PAYLOAD;
	n.data.len = 3;
	notify_reject("INVALID_KE_PAYLOAD with 3 octets", &n, "expected 2");
	n.type = IKE_N_REKEY_SA;
	n.data.len = 0;
	n.proto = IKE_PROTO_ESP;
	n.spi_size = 0;
	notify_reject("REKEY_SA without SPI", &n, "REKEY_SA");
	n.type = IKE_N_TS_UNACCEPTABLE;
	n.spi_size = 3;
	notify_reject("Notify SPI size 3", &n, "SPI Size 3");

	ike_build_chain(&b, buf, sizeof(buf));
	ike_build_delete(&b, &d);
	len = ike_build_finish(&b);
	memset(&m, 0, sizeof(m));
	m.present = IKE_HAS(IKE_PL_SK);
	t_ok(len > 0 && ike_msg_parse_inner(&m, IKE_PL_DELETE, buf, (size_t)len, &err) == -1 &&
	     strstr(err.msg, "expected 4-octet SPIs"), "msg: reject ESP Delete without SPIs (%s)", err.msg);
	buf[4 + 3] = 5;	/* claims 5 SPIs, holds none */
	t_ok(ike_msg_parse_inner(&m, IKE_PL_DELETE, buf, (size_t)len, &err) == -1 &&
	     strstr(err.msg, "5 SPIs of 4 octets"), "msg: reject Delete whose SPI count overruns (%s)", err.msg);
}

void test_msg(void)
{
	test_notify_rejects();
	test_roundtrip();
	test_ids();
	test_rejects();
	test_sk_position();
}
