/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ChaCha20-Poly1305 for ESP (RFC 7634) on the library primitives.
 */
#ifndef _ESPVTI_CHACHAPOLY_H
#define _ESPVTI_CHACHAPOLY_H

#include <linux/types.h>
#include <crypto/chacha.h>

struct scatterlist;

/* Key material of rfc7539esp(chacha20,poly1305): key, then salt. */
#define ESPVTI_CHACHAPOLY_KEY_LEN	(CHACHA_KEY_SIZE + 4)
#define ESPVTI_CHACHAPOLY_TAG_LEN	16

/**
 * struct espvti_chachapoly - key of an SA that uses the library
 * @key: the ChaCha20 key, as the cipher's eight little-endian words.
 * @salt: the first 4 bytes of every nonce (RFC 7634 section 2).
 *
 * Lives in the SA, which is freed with kfree_sensitive().
 */
struct espvti_chachapoly {
	u32 key[CHACHA_KEY_SIZE / sizeof(u32)];
	u8 salt[4];
};

void espvti_chachapoly_setkey(struct espvti_chachapoly *cp, const u8 *key);
int espvti_chachapoly_crypt(const struct espvti_chachapoly *cp,
			    struct scatterlist *sg, unsigned int aad_len,
			    const u8 *iv, unsigned int len, bool encrypt);
bool espvti_chachapoly_selftest(void);

#endif /* _ESPVTI_CHACHAPOLY_H */
