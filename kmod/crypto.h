/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * AEAD algorithms and transforms of SAs (kernel crypto API).
 */
#ifndef _ESPVTI_CRYPTO_H
#define _ESPVTI_CRYPTO_H

#include <linux/types.h>

struct espvti_dev;
struct espvti_sa;

/* Default bounds on crypto requests in flight (module parameters). */
#define ESPVTI_CRYPTO_MAX_INFLIGHT	1024	/* per device */
#define ESPVTI_CRYPTO_MAX_INFLIGHT_SA	256	/* per SA */

/**
 * struct espvti_aead_alg - an AEAD algorithm espvti accepts
 * @name: kernel crypto API name, as in ESPVTI_SA_A_ALG.
 * @key_lens: accepted key lengths in bytes, salt included; 0 terminates.
 * @icv_lens: accepted ICV lengths in bytes; 0 terminates.
 * @salt_len: bytes of salt at the end of the key.
 * @iv_len: bytes of IV carried in each packet.
 * @align: the ESP payload (plus trailer) is padded to a multiple of this.
 * @lib: with the default implementation, packets go through espvti's own
 *	code on the library primitives (chachapoly.c) instead of the
 *	transform.
 */
struct espvti_aead_alg {
	const char *name;
	u8 key_lens[4];
	u8 icv_lens[4];
	u8 salt_len;
	u8 iv_len;
	u8 align;
	bool lib;
};

const struct espvti_aead_alg *espvti_crypto_find(const char *name);
bool espvti_crypto_key_len_ok(const struct espvti_aead_alg *alg,
			      unsigned int len);
bool espvti_crypto_icv_len_ok(const struct espvti_aead_alg *alg,
			      unsigned int len);
int espvti_crypto_init(struct espvti_sa *sa, u8 impl, const u8 *key,
		       unsigned int key_len, unsigned int icv_len);
void espvti_crypto_free(struct espvti_sa *sa);
bool espvti_crypto_charge(struct espvti_dev *edev, struct espvti_sa *sa);
void espvti_crypto_release(struct espvti_dev *edev, struct espvti_sa *sa);
bool espvti_crypto_busy(int err);
int espvti_crypto_module_init(void);
void espvti_crypto_module_exit(void);

#endif /* _ESPVTI_CRYPTO_H */
