// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_interop_test.c - the protocol core against messages and keys recorded
 * from strongSwan 5.9.8 charon (ike_sw_vectors.h, made by
 * sw-vectors-run.sh and sw-vectors-extract.py). For each recorded IKE SA:
 * parse and re-encode strongSwan's messages, check its NAT detection
 * hashes, derive SKEYSEED and SK_* from the nonces, SPIs and g^ir, open
 * its SK payloads, recompute both PSK AUTH payloads, the CHILD_SA KEYMAT
 * (without and with PFS) and the rekeyed IKE SA's SKEYSEED and keys.
 */
#include <string.h>

#include "crypto.h"
#include "msg.h"
#include "proposal.h"
#include "sk.h"
#include "ike_test.h"

#include "ike_sw_vectors.h"

/* A decoded hex blob. */
struct blob {
	uint8_t b[2048];
	size_t len;
};

static int unhex(const char *h, struct blob *o)
{
	long n = t_hex(h, o->b, sizeof(o->b));

	o->len = n < 0 ? 0 : (size_t)n;
	return n < 0 ? -1 : 0;
}

static int eq(const char *what, const uint8_t *got, size_t len, const char *want_hex)
{
	struct blob w;

	return !unhex(want_hex, &w) && w.len == len && t_memeq(what, got, w.b, len);
}

/* Parse, then open with @sk into @plain. */
static int open_msg(const char *hex, struct blob *raw, struct ike_msg *m,
		    const struct ike_sk_ctx *sk, uint8_t *plain, size_t cap)
{
	struct ike_err err = { 0 };

	if (unhex(hex, raw) || ike_msg_parse(raw->b, raw->len, m, &err) ||
	    ike_sk_open(sk, m, plain, cap, &err)) {
		t_diag("open: %s", err.msg);
		return -1;
	}
	return 0;
}

static void one(const char *name, const struct sw_vector *v)
{
	static struct blob req, resp, areq, aresp, x, y;
	static struct ike_msg mi, mr, ai, ar, c1, c2;
	static uint8_t p1[2048], p2[2048], p3[2048], p4[2048], oct[2048];
	struct ike_sa_payload mine, esp;
	struct ike_proposal chosen;
	const struct ike_transform *encr, *integ;
	const struct ike_prf_alg *prf;
	struct ike_sk_ctx ski, skr;
	struct ike_keys k, nk;
	struct ike_err err = { 0 };
	uint8_t out[2048], skeyseed[64], seed[1024], hash[20], km[256];
	const struct ike_notify *n;
	size_t elen, alen;
	char e[400] = "";
	long len;

	t_diag("strongSwan IKE SA %s: %s / %s", name, v->ike_proposal, v->esp_proposal);
	/* IKE_SA_INIT */
	t_ok(!unhex(v->init_req, &req) && !ike_msg_parse(req.b, req.len, &mi, &err) &&
	     !unhex(v->init_resp, &resp) && !ike_msg_parse(resp.b, resp.len, &mr, &err),
	     "interop %s: parse strongSwan's IKE_SA_INIT request and response %s", name, err.msg);
	len = ike_msg_encode(&mi, out, sizeof(out));
	t_ok(len == (long)req.len && !memcmp(out, req.b, req.len) &&
	     ike_msg_encode(&mr, out, sizeof(out)) == (long)resp.len && !memcmp(out, resp.b, resp.len),
	     "interop %s: IKE_SA_INIT messages re-encode byte-identical", name);
	n = ike_msg_notify(&mi, IKE_N_NAT_DETECTION_SOURCE_IP);
	t_ok(n && !ike_nat_hash(mi.hdr.spi_i, mi.hdr.spi_r, (const uint8_t *)"\xc0\x00\x02\x01", 4,
				500, hash) && !memcmp(hash, n->data.p, 20),
	     "interop %s: NAT_DETECTION_SOURCE_IP = SHA-1(SPIs | 192.0.2.1 | 500)", name);
	t_ok(!ike_proposal_list_parse(v->ike_proposal, IKE_PROTO_IKE, &mine, e, sizeof(e)) &&
	     !ike_proposal_select(&mine, &mi.sa, 0, &chosen, e, sizeof(e)) &&
	     !ike_proposal_check_answer(&mine, &mr.sa, 0, e, sizeof(e)),
	     "interop %s: our parse of '%s' selects strongSwan's offer and accepts its answer %s",
	     name, v->ike_proposal, e);
	encr = ike_proposal_get(&mr.sa.prop[0], IKE_XF_ENCR);
	integ = ike_proposal_get(&mr.sa.prop[0], IKE_XF_INTEG);
	prf = ike_prf_get(ike_proposal_get(&mr.sa.prop[0], IKE_XF_PRF)->id);
	elen = ike_sk_encr_key_len(encr->id, encr->keylen);
	alen = integ ? ike_sk_integ_key_len(integ->id) : 0;

	/* SKEYSEED and the seven keys */
	unhex(v->gir, &x);
	t_ok(prf && !ike_skeyseed(prf, mi.nonce.p, mi.nonce.len, mr.nonce.p, mr.nonce.len,
				  x.b, x.len, skeyseed) &&
	     eq("SKEYSEED", skeyseed, prf->len, v->skeyseed),
	     "interop %s: SKEYSEED = prf(Ni | Nr, g^ir) matches charon", name);
	t_ok(!ike_derive_keys(prf, skeyseed, mi.nonce.p, mi.nonce.len, mr.nonce.p, mr.nonce.len,
			      mr.hdr.spi_i, mr.hdr.spi_r, alen, elen, &k) &&
	     eq("SK_d", k.sk_d, k.prf_len, v->sk_d) &&
	     (!alen || (eq("SK_ai", k.sk_ai, alen, v->sk_ai) && eq("SK_ar", k.sk_ar, alen, v->sk_ar))) &&
	     eq("SK_ei", k.sk_ei, elen, v->sk_ei) && eq("SK_er", k.sk_er, elen, v->sk_er) &&
	     eq("SK_pi", k.sk_pi, k.prf_len, v->sk_pi) && eq("SK_pr", k.sk_pr, k.prf_len, v->sk_pr),
	     "interop %s: SK_d, SK_a*, SK_e*, SK_p* = prf+(SKEYSEED, Ni|Nr|SPIi|SPIr) match charon", name);

	/* IKE_AUTH: open both, verify both AUTH payloads */
	ike_sk_init(&ski, encr->id, encr->keylen, integ ? integ->id : 0, k.sk_ei, elen, k.sk_ai, alen, &err);
	ike_sk_init(&skr, encr->id, encr->keylen, integ ? integ->id : 0, k.sk_er, elen, k.sk_ar, alen, &err);
	t_ok(!open_msg(v->auth_req, &areq, &ai, &ski, p1, sizeof(p1)) &&
	     (ai.present & IKE_HAS(IKE_PL_IDI)) && (ai.present & IKE_HAS(IKE_PL_AUTH)) &&
	     ai.idi.type == IKE_ID_RFC822_ADDR && ai.tsi.nts >= 1,
	     "interop %s: open strongSwan's IKE_AUTH request (IDi a@test, AUTH, SA, TSi, TSr)", name);
	t_ok(!open_msg(v->auth_resp, &aresp, &ar, &skr, p2, sizeof(p2)) &&
	     ar.idr.type == IKE_ID_RFC822_ADDR && ar.sa.nprops == 1,
	     "interop %s: open strongSwan's IKE_AUTH response", name);
	len = ike_auth_octets(prf, req.b, req.len, mr.nonce.p, mr.nonce.len, k.sk_pi, k.prf_len,
			      ai.idi_body.p, ai.idi_body.len, oct, sizeof(oct));
	t_ok(len > 0 && !ike_psk_auth(prf, (const uint8_t *)v->psk, strlen(v->psk), oct, (size_t)len, out) &&
	     ai.auth.method == IKE_AUTH_SHARED_KEY_MIC && ai.auth.data.len == prf->len &&
	     !memcmp(out, ai.auth.data.p, prf->len) && eq("AUTH_i", out, prf->len, v->auth_i),
	     "interop %s: initiator's PSK AUTH recomputed", name);
	len = ike_auth_octets(prf, resp.b, resp.len, mi.nonce.p, mi.nonce.len, k.sk_pr, k.prf_len,
			      ar.idr_body.p, ar.idr_body.len, oct, sizeof(oct));
	t_ok(len > 0 && !ike_psk_auth(prf, (const uint8_t *)v->psk, strlen(v->psk), oct, (size_t)len, out) &&
	     !memcmp(out, ar.auth.data.p, prf->len) && eq("AUTH_r", out, prf->len, v->auth_r),
	     "interop %s: responder's PSK AUTH recomputed", name);
	t_ok(ike_psk_auth(prf, (const uint8_t *)"wrong-psk", 9, oct, (size_t)len, out) == 0 &&
	     memcmp(out, ar.auth.data.p, prf->len), "interop %s: a wrong PSK gives another AUTH", name);
	t_ok(ike_msg_encode(&ai, out, sizeof(out)) == (long)areq.len && !memcmp(out, areq.b, areq.len),
	     "interop %s: IKE_AUTH request re-encodes byte-identical (SK opaque)", name);

	/* first CHILD_SA: KEYMAT = prf+(SK_d, Ni | Nr) */
	ike_proposal_list_parse(v->esp_proposal, IKE_PROTO_ESP, &esp, e, sizeof(e));
	t_ok(!ike_proposal_check_answer(&esp, &ar.sa, IKE_SEL_IGNORE_DH, e, sizeof(e)),
	     "interop %s: strongSwan's ESP answer matches our parse of '%s' %s", name, v->esp_proposal, e);
	encr = ike_proposal_get(&ar.sa.prop[0], IKE_XF_ENCR);
	elen = ike_sk_encr_key_len(encr->id, encr->keylen);
	memcpy(seed, mi.nonce.p, mi.nonce.len);
	memcpy(seed + mi.nonce.len, mr.nonce.p, mr.nonce.len);
	t_ok(eq("child seed", seed, mi.nonce.len + mr.nonce.len, v->child1_seed) &&
	     !ike_child_keymat(prf, k.sk_d, k.prf_len, NULL, 0, mi.nonce.p, mi.nonce.len,
			       mr.nonce.p, mr.nonce.len, km, 2 * elen) &&
	     eq("ESP key i", km, elen, v->child1_ei) && eq("ESP key r", km + elen, elen, v->child1_er),
	     "interop %s: CHILD_SA KEYMAT without PFS matches charon's ESP keys", name);

	/* CHILD_SA rekey with PFS */
	t_ok(!open_msg(v->child_rekey_req, &x, &c1, &ski, p3, sizeof(p3)) &&
	     !open_msg(v->child_rekey_resp, &y, &c2, &skr, p4, sizeof(p4)) &&
	     (c1.present & IKE_HAS(IKE_PL_KE)) && ike_msg_notify(&c1, IKE_N_REKEY_SA),
	     "interop %s: open CREATE_CHILD_SA (rekey CHILD_SA, REKEY_SA, KE) request and response", name);
	unhex(v->child2_gir, &x);
	memcpy(seed, x.b, x.len);
	memcpy(seed + x.len, c1.nonce.p, c1.nonce.len);
	memcpy(seed + x.len + c1.nonce.len, c2.nonce.p, c2.nonce.len);
	t_ok(eq("PFS seed", seed, x.len + c1.nonce.len + c2.nonce.len, v->child2_seed) &&
	     !ike_child_keymat(prf, k.sk_d, k.prf_len, x.b, x.len, c1.nonce.p, c1.nonce.len,
			       c2.nonce.p, c2.nonce.len, km, 2 * elen) &&
	     eq("ESP key i", km, elen, v->child2_ei) && eq("ESP key r", km + elen, elen, v->child2_er),
	     "interop %s: CHILD_SA KEYMAT with PFS = prf+(SK_d, g^ir | Ni | Nr) matches charon", name);

	/* IKE SA rekey */
	t_ok(!open_msg(v->ike_rekey_req, &x, &c1, &ski, p3, sizeof(p3)) &&
	     !open_msg(v->ike_rekey_resp, &y, &c2, &skr, p4, sizeof(p4)) &&
	     c1.sa.prop[0].proto == IKE_PROTO_IKE && c1.sa.prop[0].spi_size == 8 &&
	     c2.sa.nprops == 1 && c2.sa.prop[0].spi_size == 8,
	     "interop %s: open CREATE_CHILD_SA (rekey IKE SA) request and response", name);
	unhex(v->rekey_gir, &x);
	t_ok(!ike_skeyseed_rekey(prf, k.sk_d, k.prf_len, x.b, x.len, c1.nonce.p, c1.nonce.len,
				 c2.nonce.p, c2.nonce.len, skeyseed) &&
	     eq("SKEYSEED rekey", skeyseed, prf->len, v->rekey_skeyseed),
	     "interop %s: rekey SKEYSEED = prf(SK_d, g^ir | Ni | Nr) matches charon", name);
	encr = ike_proposal_get(&c2.sa.prop[0], IKE_XF_ENCR);
	integ = ike_proposal_get(&c2.sa.prop[0], IKE_XF_INTEG);
	elen = ike_sk_encr_key_len(encr->id, encr->keylen);
	alen = integ ? ike_sk_integ_key_len(integ->id) : 0;
	t_ok(!ike_derive_keys(prf, skeyseed, c1.nonce.p, c1.nonce.len, c2.nonce.p, c2.nonce.len,
			      c1.sa.prop[0].spi, c2.sa.prop[0].spi, alen, elen, &nk) &&
	     eq("SK_d", nk.sk_d, nk.prf_len, v->rekey_sk_d) &&
	     eq("SK_ei", nk.sk_ei, elen, v->rekey_sk_ei) && eq("SK_er", nk.sk_er, elen, v->rekey_sk_er) &&
	     eq("SK_pi", nk.sk_pi, nk.prf_len, v->rekey_sk_pi) &&
	     eq("SK_pr", nk.sk_pr, nk.prf_len, v->rekey_sk_pr),
	     "interop %s: new IKE SA keys with the new SPIs match charon", name);
	ike_keys_clear(&k);
	ike_keys_clear(&nk);
	ike_sk_clear(&ski);
	ike_sk_clear(&skr);
}

void test_interop(void)
{
	one("v1", &sw_v1);
	one("v2", &sw_v2);
	one("v3", &sw_v3);
	one("v4", &sw_v4);
}
