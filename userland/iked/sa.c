// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * sa.c - the IKE SA table: creation with a fresh SPI, lookup by SPI,
 * half-open accounting, closing (CHILD_SAs out of the kernel, secrets
 * wiped) and freeing outside of the handlers.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "daemon.h"
#include "log.h"

static void sa_half_open_expired(void *arg)
{
	struct ike_sa *sa = arg;

	if (sa->state == IKE_STATE_INIT_DONE || sa->state == IKE_STATE_INIT_SENT ||
	    sa->state == IKE_STATE_AUTH_SENT)
		ike_sa_close(sa, "not established in time (half-open timeout)");
}

void msgbuf_set(struct msgbuf *mb, const uint8_t *buf, size_t len)
{
	msgbuf_clear(mb);
	mb->buf = malloc(len);
	if (!mb->buf)
		return;
	memcpy(mb->buf, buf, len);
	mb->len = len;
}

void msgbuf_clear(struct msgbuf *mb)
{
	free(mb->buf);
	mb->buf = NULL;
	mb->len = 0;
}

struct ike_sa *ike_sa_new(struct conn *conn, bool initiator)
{
	static const uint8_t zero[8];
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	uint8_t *spi;

	if (!sa)
		return NULL;
	sa->id = ++ikd.next_id;
	sa->conn = conn;
	sa->initiator = initiator;
	sa->state = IKE_STATE_NEW;
	sa->fd = -1;
	spi = initiator ? sa->spi_i : sa->spi_r;
	do {
		if (RAND_bytes(spi, 8) != 1) {
			free(sa);
			return NULL;
		}
	} while (!memcmp(spi, zero, 8) || ike_sa_find(spi, initiator));
	timer_init(&sa->rtx_timer, NULL, sa);
	timer_init(&sa->dpd_timer, NULL, sa);
	timer_init(&sa->life_timer, sa_half_open_expired, sa);
	timer_init(&sa->child_timer, NULL, sa);
	timer_start(&sa->life_timer, (uint64_t)ikd.conf->half_open_timeout * 1000);
	sa->last_rx = timer_now();
	sa->next = ikd.sas;
	ikd.sas = sa;
	return sa;
}

struct ike_sa *ike_sa_find(const uint8_t spi[8], bool we_initiated)
{
	for (struct ike_sa *sa = ikd.sas; sa; sa = sa->next)
		if (!sa->dead && sa->initiator == we_initiated &&
		    !memcmp(we_initiated ? sa->spi_i : sa->spi_r, spi, 8))
			return sa;
	return NULL;
}

struct ike_sa *ike_sa_find_init(const uint8_t spi_i[8], const struct sockaddr_storage *remote)
{
	for (struct ike_sa *sa = ikd.sas; sa; sa = sa->next)
		if (!sa->dead && !sa->initiator && !memcmp(sa->spi_i, spi_i, 8) &&
		    addr_equal(&sa->remote, remote, true))
			return sa;
	return NULL;
}

struct ike_sa *ike_sa_of_conn(const struct conn *conn)
{
	struct ike_sa *any = NULL;

	for (struct ike_sa *sa = ikd.sas; sa; sa = sa->next) {
		if (sa->dead || sa->conn != conn)
			continue;
		if (sa->state == IKE_STATE_ESTABLISHED || sa->state == IKE_STATE_REKEYING)
			return sa;
		if (!any)
			any = sa;
	}
	return any;
}

struct ike_sa *ike_sa_by_id(unsigned int id)
{
	for (struct ike_sa *sa = ikd.sas; sa; sa = sa->next)
		if (!sa->dead && sa->id == id)
			return sa;
	return NULL;
}

struct ike_sa *ike_sa_first(void)
{
	return ikd.sas;
}

unsigned int ike_sa_half_open(void)
{
	unsigned int n = 0;

	for (struct ike_sa *sa = ikd.sas; sa; sa = sa->next)
		n += !sa->dead && !sa->initiator && sa->state == IKE_STATE_INIT_DONE;
	return n;
}

void ike_sa_close(struct ike_sa *sa, const char *why)
{
	if (sa->dead)
		return;
	log_info(SA_FMT " closing: %s", SA_ARGS(sa), why);
	rekey_abort(sa);
	/* Our IKE_AUTH offered (and reserved) an SPI that never got its SA. */
	if (sa->state == IKE_STATE_AUTH_SENT && sa->child[0].spi_in &&
	    sa->child[0].state == CHILD_FREE)
		child_release_in(sa, sa->child[0].spi_in);
	child_free_all(sa);
	timer_stop(&sa->rtx_timer);
	timer_stop(&sa->dpd_timer);
	timer_stop(&sa->life_timer);
	timer_stop(&sa->child_timer);
	/* Any state but CLOSED may close; sa->dead guards against a second close. */
	if (ike_sa_set_state(sa, IKE_STATE_CLOSED))
		log_err(SA_FMT " torn down regardless", SA_ARGS(sa));
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	ike_keys_clear(&sa->keys);
	ike_sk_clear(&sa->sk_in);
	ike_sk_clear(&sa->sk_out);
	ike_frag_rx_clear(&sa->frag_rx[0]);
	ike_frag_rx_clear(&sa->frag_rx[1]);
	OPENSSL_cleanse(sa->child, sizeof(sa->child));
	OPENSSL_cleanse(sa->nonce_min, sizeof(sa->nonce_min));
	OPENSSL_cleanse(sa->ni, sizeof(sa->ni));
	OPENSSL_cleanse(sa->nr, sizeof(sa->nr));
	sa->dead = true;
}

void ike_sa_reap(void)
{
	struct ike_sa **pp = &ikd.sas;

	while (*pp) {
		struct ike_sa *sa = *pp;

		if (!sa->dead) {
			pp = &sa->next;
			continue;
		}
		*pp = sa->next;
		msgbuf_clear(&sa->init_req);
		msgbuf_clear(&sa->init_resp);
		msgbuf_clear(&sa->req);
		msgbuf_clear(&sa->resp);
		OPENSSL_cleanse(sa, sizeof(*sa));
		free(sa);
	}
}
