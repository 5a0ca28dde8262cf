// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ChaCha20-Poly1305 for ESP (RFC 7539 section 2.8 with the nonce of
 * RFC 7634) on the library primitives of lib/crypto (chacha_crypt(),
 * poly1305_update(), their SIMD versions where the CPU has them), in place
 * over a packet's scatterlist, synchronously.
 *
 * The crypto API's rfc7539esp template runs the cipher over the whole
 * packet, then the authenticator over it again, through a chain of
 * skcipher and ahash requests. Here each mapped chunk of the packet (a
 * page at most) is enciphered and authenticated while it is in the cache,
 * with no request and no callback. The wire format is the template's, so
 * a peer using it (the kernel's ESP, strongSwan) sees no difference.
 *
 * The layout is that of espvti_pkt_map() (crypto.c): sg[0] holds the
 * associated data (SPI, [seq high,] seq low); then come the 8-byte IV,
 * which is part of the nonce but, as RFC 7634 says, not authenticated;
 * then @len bytes of payload and trailer; then the 16-byte ICV.
 */

#include <linux/init.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/algapi.h>
#include <crypto/poly1305.h>
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>	/* 6.12 */
#else
#include <asm/unaligned.h>
#endif

#include "chachapoly.h"
#include "esp.h"

static const u8 espvti_zeros[CHACHA_BLOCK_SIZE];

/**
 * espvti_chachapoly_setkey() - key an SA for the library
 * @cp: the SA's key
 * @key: ESPVTI_CHACHAPOLY_KEY_LEN bytes: the 256-bit key, then the salt
 */
void espvti_chachapoly_setkey(struct espvti_chachapoly *cp, const u8 *key)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cp->key); i++)
		cp->key[i] = get_unaligned_le32(key + 4 * i);
	memcpy(cp->salt, key + CHACHA_KEY_SIZE, sizeof(cp->salt));
}

/**
 * struct espvti_chachapoly_run - the state of one packet's pass
 * @chacha: cipher state; its counter is the next block's.
 * @stream: keystream of the last block, of which @left bytes are unused
 *	(the last @left bytes).
 * @left: unused keystream bytes in @stream, 0..63.
 * @poly: the authenticator.
 */
struct espvti_chachapoly_run {
	u32 chacha[CHACHA_STATE_WORDS];
	u8 stream[CHACHA_BLOCK_SIZE];
	unsigned int left;
	struct poly1305_desc_ctx poly;
};

/* XORs @n bytes at @p with the keystream, carrying it across calls. */
static void espvti_chachapoly_xor(struct espvti_chachapoly_run *r, u8 *p,
				  unsigned int n)
{
	unsigned int k;

	if (r->left) {
		k = min(r->left, n);
		crypto_xor(p, r->stream + CHACHA_BLOCK_SIZE - r->left, k);
		r->left -= k;
		p += k;
		n -= k;
	}
	k = round_down(n, CHACHA_BLOCK_SIZE);
	if (k) {
		chacha20_crypt(r->chacha, p, p, k);
		p += k;
		n -= k;
	}
	if (n) {
		chacha20_crypt(r->chacha, r->stream, espvti_zeros,
			       CHACHA_BLOCK_SIZE);
		crypto_xor(p, r->stream, n);
		r->left = CHACHA_BLOCK_SIZE - n;
	}
}

/* Authenticates zeros up to the next multiple of 16 after @len bytes. */
static void espvti_chachapoly_pad(struct espvti_chachapoly_run *r,
				  unsigned int len)
{
	if (len % POLY1305_BLOCK_SIZE)
		poly1305_update(&r->poly, espvti_zeros,
				POLY1305_BLOCK_SIZE - len % POLY1305_BLOCK_SIZE);
}

/**
 * espvti_chachapoly_crypt() - encrypt or decrypt one ESP packet in place
 * @cp: the SA's key
 * @sg: sg[0] the associated data (@aad_len bytes); then the IV, @len bytes
 *	of payload and trailer, and the ICV (see the top of this file)
 * @aad_len: 8, or 12 with extended sequence numbers
 * @iv: the packet's 8-byte IV
 * @len: bytes to encrypt or decrypt (the ICV excluded)
 * @encrypt: encrypt and write the ICV; else check the ICV and decrypt
 *
 * Any context where the transmit and receive paths run; may use the FPU
 * (the library decides). On an ICV mismatch the payload is left partly or
 * wholly deciphered, as with the crypto API's in-place decryption: the
 * caller drops the packet.
 *
 * Return: 0; -EBADMSG when the ICV does not verify; -EINVAL when the
 * scatterlist is shorter than the packet.
 */
int espvti_chachapoly_crypt(const struct espvti_chachapoly *cp,
			    struct scatterlist *sg, unsigned int aad_len,
			    const u8 *iv, unsigned int len, bool encrypt)
{
	u8 tag[ESPVTI_CHACHAPOLY_TAG_LEN], want[ESPVTI_CHACHAPOLY_TAG_LEN];
	u8 nonce[CHACHA_IV_SIZE] __aligned(4);
	struct espvti_chachapoly_run r;
	struct sg_mapping_iter miter;
	unsigned int off = aad_len + ESPVTI_IV_LEN, done = 0, n;
	__le64 lens[2];
	int ret = 0;

	/* Block counter 0, then the nonce: salt and IV (RFC 7634 section 2). */
	put_unaligned_le32(0, nonce);
	memcpy(nonce + 4, cp->salt, 4);
	memcpy(nonce + 8, iv, ESPVTI_IV_LEN);
	chacha_init(r.chacha, cp->key, nonce);
	/* Block 0 keys Poly1305; the payload starts with block 1. */
	chacha20_crypt(r.chacha, r.stream, espvti_zeros, CHACHA_BLOCK_SIZE);
	poly1305_init(&r.poly, r.stream);
	r.left = 0;

	poly1305_update(&r.poly, sg_virt(sg), aad_len);
	espvti_chachapoly_pad(&r, aad_len);

	sg_miter_start(&miter, sg, sg_nents(sg),
		       SG_MITER_ATOMIC | SG_MITER_TO_SG | SG_MITER_FROM_SG);
	if (!sg_miter_skip(&miter, off)) {
		ret = -EINVAL;
		goto out;
	}
	while (done < len && sg_miter_next(&miter)) {
		n = min_t(unsigned int, miter.length, len - done);
		if (!encrypt)
			poly1305_update(&r.poly, miter.addr, n);
		espvti_chachapoly_xor(&r, miter.addr, n);
		if (encrypt)
			poly1305_update(&r.poly, miter.addr, n);
		miter.consumed = n;
		done += n;
	}
	sg_miter_stop(&miter);
	if (done < len) {
		ret = -EINVAL;
		goto out;
	}

	espvti_chachapoly_pad(&r, len);
	lens[0] = cpu_to_le64(aad_len);
	lens[1] = cpu_to_le64(len);
	poly1305_update(&r.poly, (const u8 *)lens, sizeof(lens));
	poly1305_final(&r.poly, tag);

	if (encrypt) {
		if (sg_pcopy_from_buffer(sg, sg_nents(sg), tag, sizeof(tag),
					 off + len) != sizeof(tag))
			ret = -EINVAL;
	} else if (sg_pcopy_to_buffer(sg, sg_nents(sg), want, sizeof(want),
				      off + len) != sizeof(want)) {
		ret = -EINVAL;
	} else if (crypto_memneq(tag, want, sizeof(tag))) {
		ret = -EBADMSG;
	}
out:
	memzero_explicit(&r, sizeof(r));
	memzero_explicit(tag, sizeof(tag));
	return ret;
}

/*
 * Known answer: RFC 7539 appendix A.5 (the AEAD test vector; its nonce is
 * a salt of 0 and the IV 01..08, its associated data 12 bytes as with
 * ESN), as the crypto API's own rfc7539esp test uses it.
 */
static const u8 espvti_cp_test_key[] __initconst = {
	0x1c, 0x92, 0x40, 0xa5, 0xeb, 0x55, 0xd3, 0x8a, 0xf3, 0x33, 0x88, 0x86,
	0x04, 0xf6, 0xb5, 0xf0, 0x47, 0x39, 0x17, 0xc1, 0x40, 0x2b, 0x80, 0x09,
	0x9d, 0xca, 0x5c, 0xbc, 0x20, 0x70, 0x75, 0xc0, 0x00, 0x00, 0x00, 0x00,
};

static const u8 espvti_cp_test_iv[] __initconst = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
};

static const u8 espvti_cp_test_aad[] __initconst = {
	0xf3, 0x33, 0x88, 0x86, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4e, 0x91,
};

static const u8 espvti_cp_test_ptext[] __initconst = {
	0x49, 0x6e, 0x74, 0x65, 0x72, 0x6e, 0x65, 0x74, 0x2d, 0x44, 0x72, 0x61,
	0x66, 0x74, 0x73, 0x20, 0x61, 0x72, 0x65, 0x20, 0x64, 0x72, 0x61, 0x66,
	0x74, 0x20, 0x64, 0x6f, 0x63, 0x75, 0x6d, 0x65, 0x6e, 0x74, 0x73, 0x20,
	0x76, 0x61, 0x6c, 0x69, 0x64, 0x20, 0x66, 0x6f, 0x72, 0x20, 0x61, 0x20,
	0x6d, 0x61, 0x78, 0x69, 0x6d, 0x75, 0x6d, 0x20, 0x6f, 0x66, 0x20, 0x73,
	0x69, 0x78, 0x20, 0x6d, 0x6f, 0x6e, 0x74, 0x68, 0x73, 0x20, 0x61, 0x6e,
	0x64, 0x20, 0x6d, 0x61, 0x79, 0x20, 0x62, 0x65, 0x20, 0x75, 0x70, 0x64,
	0x61, 0x74, 0x65, 0x64, 0x2c, 0x20, 0x72, 0x65, 0x70, 0x6c, 0x61, 0x63,
	0x65, 0x64, 0x2c, 0x20, 0x6f, 0x72, 0x20, 0x6f, 0x62, 0x73, 0x6f, 0x6c,
	0x65, 0x74, 0x65, 0x64, 0x20, 0x62, 0x79, 0x20, 0x6f, 0x74, 0x68, 0x65,
	0x72, 0x20, 0x64, 0x6f, 0x63, 0x75, 0x6d, 0x65, 0x6e, 0x74, 0x73, 0x20,
	0x61, 0x74, 0x20, 0x61, 0x6e, 0x79, 0x20, 0x74, 0x69, 0x6d, 0x65, 0x2e,
	0x20, 0x49, 0x74, 0x20, 0x69, 0x73, 0x20, 0x69, 0x6e, 0x61, 0x70, 0x70,
	0x72, 0x6f, 0x70, 0x72, 0x69, 0x61, 0x74, 0x65, 0x20, 0x74, 0x6f, 0x20,
	0x75, 0x73, 0x65, 0x20, 0x49, 0x6e, 0x74, 0x65, 0x72, 0x6e, 0x65, 0x74,
	0x2d, 0x44, 0x72, 0x61, 0x66, 0x74, 0x73, 0x20, 0x61, 0x73, 0x20, 0x72,
	0x65, 0x66, 0x65, 0x72, 0x65, 0x6e, 0x63, 0x65, 0x20, 0x6d, 0x61, 0x74,
	0x65, 0x72, 0x69, 0x61, 0x6c, 0x20, 0x6f, 0x72, 0x20, 0x74, 0x6f, 0x20,
	0x63, 0x69, 0x74, 0x65, 0x20, 0x74, 0x68, 0x65, 0x6d, 0x20, 0x6f, 0x74,
	0x68, 0x65, 0x72, 0x20, 0x74, 0x68, 0x61, 0x6e, 0x20, 0x61, 0x73, 0x20,
	0x2f, 0xe2, 0x80, 0x9c, 0x77, 0x6f, 0x72, 0x6b, 0x20, 0x69, 0x6e, 0x20,
	0x70, 0x72, 0x6f, 0x67, 0x72, 0x65, 0x73, 0x73, 0x2e, 0x2f, 0xe2, 0x80,
	0x9d,
};

static const u8 espvti_cp_test_ctext[] __initconst = {
	0x64, 0xa0, 0x86, 0x15, 0x75, 0x86, 0x1a, 0xf4, 0x60, 0xf0, 0x62, 0xc7,
	0x9b, 0xe6, 0x43, 0xbd, 0x5e, 0x80, 0x5c, 0xfd, 0x34, 0x5c, 0xf3, 0x89,
	0xf1, 0x08, 0x67, 0x0a, 0xc7, 0x6c, 0x8c, 0xb2, 0x4c, 0x6c, 0xfc, 0x18,
	0x75, 0x5d, 0x43, 0xee, 0xa0, 0x9e, 0xe9, 0x4e, 0x38, 0x2d, 0x26, 0xb0,
	0xbd, 0xb7, 0xb7, 0x3c, 0x32, 0x1b, 0x01, 0x00, 0xd4, 0xf0, 0x3b, 0x7f,
	0x35, 0x58, 0x94, 0xcf, 0x33, 0x2f, 0x83, 0x0e, 0x71, 0x0b, 0x97, 0xce,
	0x98, 0xc8, 0xa8, 0x4a, 0xbd, 0x0b, 0x94, 0x81, 0x14, 0xad, 0x17, 0x6e,
	0x00, 0x8d, 0x33, 0xbd, 0x60, 0xf9, 0x82, 0xb1, 0xff, 0x37, 0xc8, 0x55,
	0x97, 0x97, 0xa0, 0x6e, 0xf4, 0xf0, 0xef, 0x61, 0xc1, 0x86, 0x32, 0x4e,
	0x2b, 0x35, 0x06, 0x38, 0x36, 0x06, 0x90, 0x7b, 0x6a, 0x7c, 0x02, 0xb0,
	0xf9, 0xf6, 0x15, 0x7b, 0x53, 0xc8, 0x67, 0xe4, 0xb9, 0x16, 0x6c, 0x76,
	0x7b, 0x80, 0x4d, 0x46, 0xa5, 0x9b, 0x52, 0x16, 0xcd, 0xe7, 0xa4, 0xe9,
	0x90, 0x40, 0xc5, 0xa4, 0x04, 0x33, 0x22, 0x5e, 0xe2, 0x82, 0xa1, 0xb0,
	0xa0, 0x6c, 0x52, 0x3e, 0xaf, 0x45, 0x34, 0xd7, 0xf8, 0x3f, 0xa1, 0x15,
	0x5b, 0x00, 0x47, 0x71, 0x8c, 0xbc, 0x54, 0x6a, 0x0d, 0x07, 0x2b, 0x04,
	0xb3, 0x56, 0x4e, 0xea, 0x1b, 0x42, 0x22, 0x73, 0xf5, 0x48, 0x27, 0x1a,
	0x0b, 0xb2, 0x31, 0x60, 0x53, 0xfa, 0x76, 0x99, 0x19, 0x55, 0xeb, 0xd6,
	0x31, 0x59, 0x43, 0x4e, 0xce, 0xbb, 0x4e, 0x46, 0x6d, 0xae, 0x5a, 0x10,
	0x73, 0xa6, 0x72, 0x76, 0x27, 0x09, 0x7a, 0x10, 0x49, 0xe6, 0x17, 0xd9,
	0x1d, 0x36, 0x10, 0x94, 0xfa, 0x68, 0xf0, 0xff, 0x77, 0x98, 0x71, 0x30,
	0x30, 0x5b, 0xea, 0xba, 0x2e, 0xda, 0x04, 0xdf, 0x99, 0x7b, 0x71, 0x4d,
	0x6c, 0x6f, 0x2c, 0x29, 0xa6, 0xad, 0x5c, 0xb4, 0x02, 0x2b, 0x02, 0x70,
	0x9b, 0xee, 0xad, 0x9d, 0x67, 0x89, 0x0c, 0xbb, 0x22, 0x39, 0x23, 0x36,
	0xfe, 0xa1, 0x85, 0x1f, 0x38,
};

/*
 * Where the self-test cuts the IV, payload and ICV into scatterlist
 * entries: whole, and at offsets that split blocks of both ChaCha20 (64)
 * and Poly1305 (16), and a one-byte entry.
 */
static const unsigned int espvti_cp_test_cuts[][5] __initconst = {
	{ 0 },
	{ 13, 83, 84, 204, 0 },
};

/* One layout of the self-test; false (logged) when anything differs. */
static bool __init espvti_chachapoly_test_one(const struct espvti_chachapoly *cp,
					       u8 *buf, const unsigned int *cuts)
{
	unsigned int plen = sizeof(espvti_cp_test_ptext);
	unsigned int total = ESPVTI_IV_LEN + sizeof(espvti_cp_test_ctext);
	struct scatterlist sg[1 + ARRAY_SIZE(espvti_cp_test_cuts[0]) + 1];
	u8 aad[sizeof(espvti_cp_test_aad)];
	unsigned int i, n = 1, at = 0;

	memcpy(aad, espvti_cp_test_aad, sizeof(aad));
	memcpy(buf, espvti_cp_test_iv, ESPVTI_IV_LEN);
	memcpy(buf + ESPVTI_IV_LEN, espvti_cp_test_ptext, plen);
	memset(buf + ESPVTI_IV_LEN + plen, 0, ESPVTI_CHACHAPOLY_TAG_LEN);
	sg_init_table(sg, ARRAY_SIZE(sg));
	sg_set_buf(&sg[0], aad, sizeof(aad));
	for (i = 0; i < ARRAY_SIZE(espvti_cp_test_cuts[0]) && cuts[i]; i++) {
		sg_set_buf(&sg[n++], buf + at, cuts[i] - at);
		at = cuts[i];
	}
	sg_set_buf(&sg[n], buf + at, total - at);
	sg_mark_end(&sg[n]);

	if (espvti_chachapoly_crypt(cp, sg, sizeof(aad), espvti_cp_test_iv,
				    plen, true) ||
	    memcmp(buf + ESPVTI_IV_LEN, espvti_cp_test_ctext,
		   sizeof(espvti_cp_test_ctext))) {
		pr_err("ChaCha20-Poly1305 self-test: encryption differs from RFC 7539 A.5\n");
		return false;
	}
	if (espvti_chachapoly_crypt(cp, sg, sizeof(aad), espvti_cp_test_iv,
				    plen, false) ||
	    memcmp(buf + ESPVTI_IV_LEN, espvti_cp_test_ptext, plen)) {
		pr_err("ChaCha20-Poly1305 self-test: decryption of RFC 7539 A.5 failed\n");
		return false;
	}
	/* The ICV is still the right one: spoil it, and then the data. */
	espvti_chachapoly_crypt(cp, sg, sizeof(aad), espvti_cp_test_iv, plen, true);
	buf[total - 1] ^= 0x01;
	if (espvti_chachapoly_crypt(cp, sg, sizeof(aad), espvti_cp_test_iv,
				    plen, false) != -EBADMSG) {
		pr_err("ChaCha20-Poly1305 self-test: a wrong ICV was accepted\n");
		return false;
	}
	memcpy(buf + ESPVTI_IV_LEN, espvti_cp_test_ctext,
	       sizeof(espvti_cp_test_ctext));
	buf[ESPVTI_IV_LEN + 100] ^= 0x80;
	if (espvti_chachapoly_crypt(cp, sg, sizeof(aad), espvti_cp_test_iv,
				    plen, false) != -EBADMSG) {
		pr_err("ChaCha20-Poly1305 self-test: altered ciphertext was accepted\n");
		return false;
	}
	return true;
}

/**
 * espvti_chachapoly_selftest() - check the implementation at module load
 *
 * RFC 7539 A.5, encrypted and decrypted over scatterlists cut whole and at
 * block-splitting offsets; a wrong ICV and altered ciphertext must be
 * refused.
 *
 * Return: true when every check passed.
 */
bool __init espvti_chachapoly_selftest(void)
{
	struct espvti_chachapoly cp;
	unsigned int i;
	bool ok = true;
	u8 *buf;

	buf = kmalloc(ESPVTI_IV_LEN + sizeof(espvti_cp_test_ctext), GFP_KERNEL);
	if (!buf)
		return false;
	espvti_chachapoly_setkey(&cp, espvti_cp_test_key);
	for (i = 0; ok && i < ARRAY_SIZE(espvti_cp_test_cuts); i++)
		ok = espvti_chachapoly_test_one(&cp, buf, espvti_cp_test_cuts[i]);
	memzero_explicit(&cp, sizeof(cp));
	kfree(buf);
	return ok;
}
