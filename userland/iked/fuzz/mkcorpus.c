// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * mkcorpus.c - writes the fuzzer's seed corpus: well-formed messages from
 * the encoder, one file each. Usage: mkcorpus DIR
 */
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "ike_test_msgs.h"
#include "ike_sw_vectors.h"

static int put(const char *dir, const char *name, const uint8_t *buf, long len)
{
	char path[512];
	FILE *f;

	if (len < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

/* A strongSwan-made message from the interop vectors. */
static int put_hex(const char *dir, const char *name, const char *hex)
{
	static uint8_t buf[4096];
	size_t n = 0;
	unsigned int v;

	while (hex[0] && hex[1] && n < sizeof(buf) && sscanf(hex, "%2x", &v) == 1) {
		buf[n++] = (uint8_t)v;
		hex += 2;
	}
	return put(dir, name, buf, (long)n);
}

int main(int argc, char **argv)
{
	static uint8_t buf[4096], inner[2048];
	struct ike_builder b;
	struct ike_hdr h;
	uint8_t first;
	long len, ilen;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	rc |= put(argv[1], "sa_init", buf, ike_test_sa_init(buf, sizeof(buf), 0));
	rc |= put(argv[1], "sa_init_cookie", buf, ike_test_sa_init(buf, sizeof(buf), 1));
	rc |= put(argv[1], "informational", buf, ike_test_informational(buf, sizeof(buf)));

	/* IKE_AUTH with the inner chain as SK body (the fuzzer parses it) */
	ilen = ike_test_auth_inner(inner, sizeof(inner), &first);
	ike_test_hdr(&h, IKE_EXCH_AUTH, IKE_FLAG_INITIATOR, 1);
	ike_build_init(&b, buf, sizeof(buf), &h);
	len = ike_build_sk_reserve(&b, first, (size_t)ilen);
	if (len > 0)
		memcpy(buf + len, inner, (size_t)ilen);
	rc |= put(argv[1], "auth_sk", buf, ike_build_finish(&b));

	/* the same payloads in clear */
	ike_build_init(&b, buf, sizeof(buf), &h);
	memcpy(buf + IKE_HDR_LEN, inner, (size_t)ilen);
	buf[16] = first;
	len = IKE_HDR_LEN + ilen;
	buf[24] = 0;
	buf[25] = 0;
	buf[26] = (uint8_t)(len >> 8);
	buf[27] = (uint8_t)len;
	rc |= put(argv[1], "auth_clear", buf, len);

	rc |= put_hex(argv[1], "sw_init_req_gcm", sw_v1.init_req);
	rc |= put_hex(argv[1], "sw_init_resp_gcm", sw_v1.init_resp);
	rc |= put_hex(argv[1], "sw_auth_req_gcm", sw_v1.auth_req);
	rc |= put_hex(argv[1], "sw_init_req_modp", sw_v2.init_req);
	rc |= put_hex(argv[1], "sw_auth_resp_cbc", sw_v2.auth_resp);
	rc |= put_hex(argv[1], "sw_rekey_req_cbc", sw_v2.ike_rekey_req);
	return rc ? 1 : 0;
}
