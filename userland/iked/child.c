// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * child.c - CHILD_SAs: the slots of an IKE SA, inbound SPI allocation, the
 * ESP proposals we offer, KEYMAT (RFC 7296 2.17) split into the key of each
 * direction, and the pair of espvti SAs in the kernel: the inbound SA and
 * the outbound SA go in separately, because a rekey installs the new
 * inbound SA first and switches the device's one outbound SA later.
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
#include "rekey.h"

#define CHILD_REPLAY_WINDOW	128

static bool spi_in_use(uint32_t spi)
{
	for (struct ike_sa *sa = ike_sa_first(); sa; sa = sa->next)
		for (unsigned int i = 0; !sa->dead && i < IKE_MAX_CHILD; i++)
			if (sa->child[i].state != CHILD_FREE && sa->child[i].spi_in == spi)
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

void child_proposals(const struct conn *conn, uint32_t spi, bool ike_auth,
		     struct ike_sa_payload *out)
{
	uint32_t be = htonl(spi);

	*out = conn->esp;
	/* The PFS groups are for CREATE_CHILD_SA only (RFC 7296 1.2). */
	if (ike_auth)
		ike_proposal_strip_dh(out);
	for (unsigned int i = 0; i < out->nprops; i++) {
		out->prop[i].spi_size = 4;
		memcpy(out->prop[i].spi, &be, 4);
	}
}

struct child_sa *child_new(struct ike_sa *sa)
{
	for (unsigned int i = 0; i < IKE_MAX_CHILD; i++)
		if (sa->child[i].state == CHILD_FREE) {
			OPENSSL_cleanse(&sa->child[i], sizeof(sa->child[i]));
			return &sa->child[i];
		}
	log_warn(SA_FMT " no room for another CHILD_SA (%d at most)", SA_ARGS(sa), IKE_MAX_CHILD);
	return NULL;
}

struct child_sa *child_find_in(struct ike_sa *sa, uint32_t spi)
{
	for (unsigned int i = 0; i < IKE_MAX_CHILD; i++)
		if (sa->child[i].state != CHILD_FREE && sa->child[i].spi_in == spi)
			return &sa->child[i];
	return NULL;
}

struct child_sa *child_find_out(struct ike_sa *sa, uint32_t spi)
{
	for (unsigned int i = 0; i < IKE_MAX_CHILD; i++)
		if (sa->child[i].state != CHILD_FREE && sa->child[i].spi_out == spi)
			return &sa->child[i];
	return NULL;
}

struct child_sa *child_successor(struct ike_sa *sa, uint32_t spi)
{
	for (unsigned int i = 0; i < IKE_MAX_CHILD; i++)
		if (sa->child[i].state == CHILD_INBOUND && sa->child[i].replaces == spi)
			return &sa->child[i];
	return NULL;
}

int child_derive_keys(struct ike_sa *sa, struct child_sa *c, bool we_initiated,
		      const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t ni_len,
		      const uint8_t *nr, size_t nr_len)
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
	/*
	 * KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), the nonces of the
	 * exchange that creates the CHILD_SA: the key from the initiator of
	 * that exchange to its responder first.
	 */
	if (ike_child_keymat(sa->prf, sa->keys.sk_d, sa->keys.prf_len, gir, girlen, ni, ni_len,
			     nr, nr_len, km, 2 * c->keylen)) {
		log_err(SA_FMT " CHILD_SA: KEYMAT derivation failed", SA_ARGS(sa));
		return -1;
	}
	i2r = km;
	r2i = km + c->keylen;
	memcpy(c->key_out, we_initiated ? i2r : r2i, c->keylen);
	memcpy(c->key_in, we_initiated ? r2i : i2r, c->keylen);
	OPENSSL_cleanse(km, sizeof(km));
	return 0;
}

int child_derive(struct ike_sa *sa, struct child_sa *c)
{
	return child_derive_keys(sa, c, sa->initiator, NULL, 0, sa->ni, sa->ni_len, sa->nr,
				 sa->nr_len);
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
	k->soft_bytes = rekey_volume(sa->conn->child_rekey_bytes);
	k->soft_packets = rekey_volume(sa->conn->child_rekey_packets);
	k->hard_bytes = sa->conn->child_life_bytes;
	k->hard_packets = sa->conn->child_life_packets;
	memcpy(k->ts_local, c->ts_local, sizeof(k->ts_local));
	k->nts_local = c->nts_local;
	memcpy(k->ts_remote, c->ts_remote, sizeof(k->ts_remote));
	k->nts_remote = c->nts_remote;
}

/*
 * How long a reserved SPI waits: as long as our request can go unanswered
 * (every retransmission), plus a little for the answer to be processed;
 * within what the module accepts.
 */
static uint32_t reserve_ms(const struct conn *cn)
{
	double t = cn->retransmit_timeout, span = 0;

	for (unsigned int i = 0; i <= cn->retransmit_tries && span < ESPVTI_MAX_RESERVE_MS; i++) {
		span += t;
		t *= cn->retransmit_base;
	}
	span += 2000;
	return span > ESPVTI_MAX_RESERVE_MS ? ESPVTI_MAX_RESERVE_MS : (uint32_t)span;
}

int child_reserve_in(struct ike_sa *sa, uint32_t spi)
{
	char err[512];

	if (ikd.kern->ops->sa_reserve(ikd.kern, sa->conn->device, spi, reserve_ms(sa->conn), err,
				      sizeof(err))) {
		/* Not fatal: without it, ESP that outruns the answer is dropped. */
		log_warn(SA_FMT " reserving inbound SPI 0x%08x on %s: %s", SA_ARGS(sa), spi,
			 sa->conn->device, err);
		return -1;
	}
	log_debug(SA_FMT " inbound SPI 0x%08x reserved on %s until its SA is installed",
		  SA_ARGS(sa), spi, sa->conn->device);
	return 0;
}

void child_release_in(struct ike_sa *sa, uint32_t spi)
{
	char err[512];

	/* Gone already (timed out, or taken by its SA): nothing to say. */
	if (ikd.kern->ops->sa_del(ikd.kern, sa->conn->device, ESPVTI_DIR_IN, spi, err,
				  sizeof(err)) == 0)
		log_debug(SA_FMT " inbound SPI 0x%08x released on %s", SA_ARGS(sa), spi,
			  sa->conn->device);
}

/* Undo the first step of an install: the inbound SA leaves the kernel. */
static void del_in(struct ike_sa *sa, const struct child_sa *c)
{
	char err[512];

	if (ikd.kern->ops->sa_del(ikd.kern, sa->conn->device, ESPVTI_DIR_IN, c->spi_in, err,
				  sizeof(err)))
		log_warn(SA_FMT " removing inbound SA 0x%08x: %s", SA_ARGS(sa), c->spi_in, err);
}

int child_install_in(struct ike_sa *sa, struct child_sa *c)
{
	struct sockaddr_storage l = sa->local, r = sa->remote;
	char err[512];
	struct kern_sa k;
	int ret;

	if (c->state != CHILD_FREE) {
		log_err(SA_FMT " CHILD_SA 0x%08x is %s: its inbound SA is in already", SA_ARGS(sa),
			c->spi_in, child_state_name(c->state));
		return -1;
	}
	addr_set_port(&l, 0);
	addr_set_port(&r, 0);
	if (ikd.kern->ops->dev_set(ikd.kern, sa->conn->device, &l, &r, err, sizeof(err))) {
		log_err(SA_FMT " device %s: %s", SA_ARGS(sa), sa->conn->device, err);
		return -1;
	}
	fill(sa, c, ESPVTI_DIR_IN, &k);
	ret = ikd.kern->ops->sa_new(ikd.kern, &k, err, sizeof(err));
	OPENSSL_cleanse(&k, sizeof(k));
	if (ret) {
		log_err(SA_FMT " inbound SA 0x%08x on %s: %s", SA_ARGS(sa), c->spi_in,
			sa->conn->device, err);
		return -1;
	}
	if (child_set_state(sa, c, CHILD_INBOUND)) {
		del_in(sa, c);
		return -1;
	}
	c->created = timer_now();
	rekey_child_times(sa, c);
	log_info(SA_FMT " inbound SA 0x%08x installed on %s", SA_ARGS(sa), c->spi_in,
		 sa->conn->device);
	return 0;
}

bool child_out_active(const struct ike_sa *sa, const struct child_sa *c)
{
	return c->state != CHILD_FREE && c->state != CHILD_INBOUND &&
	       sa->conn->out_spi == c->spi_out;
}

/* The device sends with @spi now (0: with none of ours), whichever connection names it. */
static void dev_out_set(const char *dev, uint32_t spi)
{
	for (struct conn *cn = ikd.conf->conns; cn; cn = cn->next)
		if (!strcmp(cn->device, dev))
			cn->out_spi = spi;
}

int child_install_out(struct ike_sa *sa, struct child_sa *c)
{
	char err[512], tl[600], tr[600], prop[128];
	struct kern_sa k;
	int ret;

	if (c->state != CHILD_INBOUND) {
		log_err(SA_FMT " CHILD_SA 0x%08x is %s: its outbound SA is not waiting", SA_ARGS(sa),
			c->spi_in, child_state_name(c->state));
		return -1;
	}
	fill(sa, c, ESPVTI_DIR_OUT, &k);
	ret = ikd.kern->ops->sa_new(ikd.kern, &k, err, sizeof(err));
	OPENSSL_cleanse(&k, sizeof(k));
	if (ret) {
		log_err(SA_FMT " outbound SA 0x%08x on %s: %s", SA_ARGS(sa), c->spi_out,
			sa->conn->device, err);
		return -1;
	}
	/* INBOUND -> INSTALLED is in the table: this cannot be refused. */
	if (child_set_state(sa, c, CHILD_INSTALLED))
		return -1;
	c->out_at = 0;
	rekey_timer_update(sa);		/* its rekey time counts from now on */
	dev_out_set(sa->conn->device, c->spi_out);
	kern_ts_format(c->ts_local, c->nts_local, tl, sizeof(tl));
	kern_ts_format(c->ts_remote, c->nts_remote, tr, sizeof(tr));
	ike_proposal_format(&c->prop, prop, sizeof(prop));
	log_info(SA_FMT " CHILD_SA installed on %s: %s, SPI in 0x%08x out 0x%08x, local %s remote %s",
		 SA_ARGS(sa), sa->conn->device, prop, c->spi_in, c->spi_out, tl, tr);
	return 0;
}

int child_install(struct ike_sa *sa, struct child_sa *c)
{
	if (child_install_in(sa, c))
		return -1;
	if (child_install_out(sa, c) == 0)
		return 0;
	del_in(sa, c);
	/* INBOUND -> FREE: allowed; on a refusal the slot still goes. */
	if (child_set_state(sa, c, CHILD_FREE))
		c->state = CHILD_FREE;
	return -1;
}

/* Both SAs out of the kernel (the outbound one only while the device sends with it). */
static void child_uninstall(struct ike_sa *sa, struct child_sa *c)
{
	char err[512];
	bool out = child_out_active(sa, c);

	if (c->state == CHILD_FREE)
		return;
	if (out) {
		dev_out_set(sa->conn->device, 0);
		if (ikd.kern->ops->sa_del(ikd.kern, sa->conn->device, ESPVTI_DIR_OUT, c->spi_out,
					  err, sizeof(err)))
			log_warn(SA_FMT " removing outbound SA: %s", SA_ARGS(sa), err);
	}
	if (ikd.kern->ops->sa_del(ikd.kern, sa->conn->device, ESPVTI_DIR_IN, c->spi_in, err,
				  sizeof(err)))
		log_warn(SA_FMT " removing inbound SA: %s", SA_ARGS(sa), err);
	log_info(SA_FMT " CHILD_SA removed from %s (SPI in 0x%08x out 0x%08x%s)", SA_ARGS(sa),
		 sa->conn->device, c->spi_in, c->spi_out, out ? "" : ", outbound already replaced");
}

void child_free(struct ike_sa *sa, struct child_sa *c)
{
	if (c->state == CHILD_FREE)
		return;
	child_uninstall(sa, c);
	/* Every state may go to FREE; were it refused, the slot is wiped anyway. */
	if (child_set_state(sa, c, CHILD_FREE))
		log_err(SA_FMT " CHILD_SA 0x%08x slot freed regardless", SA_ARGS(sa), c->spi_in);
	OPENSSL_cleanse(c, sizeof(*c));
	rekey_timer_update(sa);
}

void child_free_all(struct ike_sa *sa)
{
	for (unsigned int i = 0; i < IKE_MAX_CHILD; i++)
		child_free(sa, &sa->child[i]);
}
