// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * child.c - CHILD_SAs: inbound SPI allocation, the ESP proposals we offer,
 * KEYMAT (RFC 7296 2.17) split into the key of each direction, and the
 * pair of espvti SAs in the kernel.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <linux/espvti.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "daemon.h"
#include "log.h"
#include "proposal.h"

#define CHILD_REPLAY_WINDOW	128

static bool spi_in_use(uint32_t spi)
{
	for (struct ike_sa *sa = ike_sa_first(); sa; sa = sa->next)
		if (!sa->dead && sa->child.spi_in == spi)
			return true;
	return false;
}

uint32_t child_spi_alloc(void)
{
	uint32_t spi;

	do {
		if (RAND_bytes((uint8_t *)&spi, sizeof(spi)) != 1)
			return 0;
		spi |= 0xc0000000u;	/* never in the reserved 1..255 */
	} while (spi_in_use(spi));
	return spi;
}

void child_proposals(const struct conn *conn, uint32_t spi, struct ike_sa_payload *out)
{
	uint32_t be = htonl(spi);

	*out = conn->esp;
	for (unsigned int i = 0; i < out->nprops; i++) {
		out->prop[i].spi_size = 4;
		memcpy(out->prop[i].spi, &be, 4);
	}
}

int child_derive(struct ike_sa *sa, struct child_sa *c)
{
	const struct ike_transform *encr = ike_proposal_get(&c->prop, IKE_XF_ENCR);
	const struct ike_transform *esn = ike_proposal_get(&c->prop, IKE_XF_ESN);
	uint8_t km[2 * sizeof(c->key_in)];
	const uint8_t *i2r, *r2i;

	if (!encr || (encr->id != IKE_ENCR_AES_GCM_16 && encr->id != IKE_ENCR_CHACHA20_POLY1305)) {
		log_err(SA_FMT " CHILD_SA: ESP transform %u is not one espvti implements",
			SA_ARGS(sa), encr ? encr->id : 0);
		return -1;
	}
	c->alg = encr->id == IKE_ENCR_AES_GCM_16 ? ESPVTI_ALG_AES_GCM : ESPVTI_ALG_CHACHA20_POLY1305;
	c->icv_bits = 128;
	c->keylen = ike_sk_encr_key_len(encr->id, encr->keylen);
	c->esn = esn && esn->id == IKE_ESN_YES;
	if (!c->keylen || c->keylen > sizeof(c->key_in)) {
		log_err(SA_FMT " CHILD_SA: unsupported key length %u", SA_ARGS(sa), encr->keylen);
		return -1;
	}
	/* KEYMAT = prf+(SK_d, Ni | Nr): initiator-to-responder key first. */
	if (ike_child_keymat(sa->prf, sa->keys.sk_d, sa->keys.prf_len, NULL, 0, sa->ni,
			     sa->ni_len, sa->nr, sa->nr_len, km, 2 * c->keylen)) {
		log_err(SA_FMT " CHILD_SA: KEYMAT derivation failed", SA_ARGS(sa));
		return -1;
	}
	i2r = km;
	r2i = km + c->keylen;
	memcpy(c->key_out, sa->initiator ? i2r : r2i, c->keylen);
	memcpy(c->key_in, sa->initiator ? r2i : i2r, c->keylen);
	OPENSSL_cleanse(km, sizeof(km));
	return 0;
}

static void fill(const struct ike_sa *sa, const struct child_sa *c, uint8_t dir,
		 struct kern_sa *k)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->dev, sizeof(k->dev), "%s", sa->conn->device);
	k->dir = dir;
	k->spi = dir == ESPVTI_DIR_IN ? c->spi_in : c->spi_out;
	k->alg = c->alg;
	memcpy(k->key, dir == ESPVTI_DIR_IN ? c->key_in : c->key_out, c->keylen);
	k->keylen = c->keylen;
	k->icv_bits = c->icv_bits;
	k->esn = c->esn;
	k->replay_window = dir == ESPVTI_DIR_IN ? CHILD_REPLAY_WINDOW : 0;
	memcpy(k->ts_local, c->ts_local, sizeof(k->ts_local));
	k->nts_local = c->nts_local;
	memcpy(k->ts_remote, c->ts_remote, sizeof(k->ts_remote));
	k->nts_remote = c->nts_remote;
}

int child_install(struct ike_sa *sa, struct child_sa *c)
{
	struct sockaddr_storage l = sa->local, r = sa->remote;
	char err[512], tl[600], tr[600], prop[128];
	struct kern_sa k;
	int ret;

	addr_set_port(&l, 0);
	addr_set_port(&r, 0);
	if (ikd.kern->ops->dev_set(ikd.kern, sa->conn->device, &l, &r, err, sizeof(err))) {
		log_err(SA_FMT " device %s: %s", SA_ARGS(sa), sa->conn->device, err);
		return -1;
	}
	fill(sa, c, ESPVTI_DIR_IN, &k);
	ret = ikd.kern->ops->sa_new(ikd.kern, &k, err, sizeof(err));
	if (ret) {
		log_err(SA_FMT " inbound SA 0x%08x on %s: %s", SA_ARGS(sa), c->spi_in,
			sa->conn->device, err);
		goto wipe;
	}
	fill(sa, c, ESPVTI_DIR_OUT, &k);
	ret = ikd.kern->ops->sa_new(ikd.kern, &k, err, sizeof(err));
	if (ret) {
		log_err(SA_FMT " outbound SA 0x%08x on %s: %s", SA_ARGS(sa), c->spi_out,
			sa->conn->device, err);
		if (ikd.kern->ops->sa_del(ikd.kern, sa->conn->device, ESPVTI_DIR_IN, c->spi_in,
					  err, sizeof(err)))
			log_err(SA_FMT " removing inbound SA 0x%08x again: %s", SA_ARGS(sa),
				c->spi_in, err);
		goto wipe;
	}
	c->installed = true;
	kern_ts_format(c->ts_local, c->nts_local, tl, sizeof(tl));
	kern_ts_format(c->ts_remote, c->nts_remote, tr, sizeof(tr));
	ike_proposal_format(&c->prop, prop, sizeof(prop));
	log_info(SA_FMT " CHILD_SA installed on %s: %s, SPI in 0x%08x out 0x%08x, local %s remote %s",
		 SA_ARGS(sa), sa->conn->device, prop, c->spi_in, c->spi_out, tl, tr);
wipe:
	OPENSSL_cleanse(&k, sizeof(k));
	return ret ? -1 : 0;
}

void child_uninstall(struct ike_sa *sa, struct child_sa *c)
{
	char err[512];

	if (!c->installed)
		return;
	c->installed = false;
	if (ikd.kern->ops->sa_del(ikd.kern, sa->conn->device, ESPVTI_DIR_OUT, c->spi_out, err,
				  sizeof(err)))
		log_warn(SA_FMT " removing outbound SA: %s", SA_ARGS(sa), err);
	if (ikd.kern->ops->sa_del(ikd.kern, sa->conn->device, ESPVTI_DIR_IN, c->spi_in, err,
				  sizeof(err)))
		log_warn(SA_FMT " removing inbound SA: %s", SA_ARGS(sa), err);
	log_info(SA_FMT " CHILD_SA removed from %s (SPI in 0x%08x out 0x%08x)", SA_ARGS(sa),
		 sa->conn->device, c->spi_in, c->spi_out);
}
