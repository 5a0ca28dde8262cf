// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * rekey.c - the CREATE_CHILD_SA exchange (RFC 7296 1.3): its dispatch to
 * the CHILD_SA rekey (1.3.3, 2.8; rekey_child_init.c as initiator,
 * rekey_child_resp.c as responder: REKEY_SA, new SPI and nonces, a KE when
 * the ESP proposal has a DH group, KEYMAT of 2.17, simultaneous rekeys
 * resolved as 2.8.1 says) and to the IKE SA rekey (rekey_ike.c, 1.3.2 and
 * 2.18); CHILD_SA lifetimes and the espvti module's expire events; the
 * helpers the rekey files share, declared in rekey.h.
 *
 * Make-before-break, so that no packet is lost: the initiator of a CHILD_SA
 * rekey installs the new inbound SA, then the new outbound SA (the device
 * replaces its one outbound SA atomically), then deletes the old pair with
 * an INFORMATIONAL exchange; the old inbound SA leaves the device when the
 * peer answered. The responder installs the new inbound SA at once and the
 * new outbound SA only when the initiator deletes the old pair (by then
 * the initiator has the new inbound SA), or after REKEY_OUT_WAIT_MS.
 *
 * Lifetimes: child_lifetime and ike_lifetime are rekey times, as
 * strongSwan's rekey_time. The rekey starts at a random point of the last
 * tenth before it (so that the two peers rarely rekey at once). A SA that
 * could not be rekeyed expires (is deleted) a tenth of the lifetime after
 * it, REKEY_HARD_MIN_MS at least.
 *
 * Volumes: child_rekey_bytes and child_rekey_packets become the soft limits
 * of each SA in the module (less a random part of the last tenth); its
 * soft-expire event starts the rekey. child_life_bytes/_packets (default:
 * a tenth more) are the hard limits: the module removes the SA and its
 * hard-expire event removes the CHILD_SA.
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

#define REKEY_HARD_MIN_MS	10000	/* hard expiry at least this after the rekey time */

/*
 * Lifetimes.
 */

uint64_t rekey_random_below(uint64_t n)
{
	uint32_t r = 0;

	if (!n || RAND_bytes((uint8_t *)&r, sizeof(r)) != 1)
		return 0;
	return r % n;
}

uint64_t rekey_volume(uint64_t v)
{
	return v - rekey_random_below(v / 10 + 1);
}

void rekey_lifetime(unsigned int secs, uint64_t *rekey, uint64_t *hard)
{
	uint64_t l = (uint64_t)secs * 1000, tenth = l / 10;

	*rekey = l - rekey_random_below(tenth + 1);
	*hard = l + (tenth > REKEY_HARD_MIN_MS ? tenth : REKEY_HARD_MIN_MS);
}

void rekey_child_times(struct ike_sa *sa, struct child_sa *c)
{
	uint64_t now = timer_now(), r, h;

	if (!sa->conn->child_lifetime) {
		c->rekey_at = c->expire_at = 0;
		return;
	}
	rekey_lifetime(sa->conn->child_lifetime, &r, &h);
	c->rekey_at = now + r;
	c->expire_at = now + h;
	rekey_timer_update(sa);
}

static void child_tick(void *arg);

void rekey_timer_update(struct ike_sa *sa)
{
	uint64_t next = 0, now = timer_now();

	if (sa->dead)
		return;
	for (unsigned int i = 0; i < IKE_MAX_CHILD; i++) {
		const struct child_sa *c = &sa->child[i];
		uint64_t t[4] = {
			c->state == CHILD_INSTALLED ? c->rekey_at : 0,
			c->expire_at,
			c->state == CHILD_INBOUND ? c->out_at : 0,
			c->state == CHILD_REKEYED ? c->delete_at : 0,
		};

		if (c->state == CHILD_FREE)
			continue;
		for (int j = 0; j < 4; j++)
			if (t[j] && (!next || t[j] < next))
				next = t[j];
	}
	if (!next) {
		timer_stop(&sa->child_timer);
		return;
	}
	sa->child_timer.cb = child_tick;
	timer_start(&sa->child_timer, next > now ? next - now : 0);
}

/*
 * Helpers, shared with rekey_ike.c.
 */

int rekey_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

void rekey_nonce_min(const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		     uint8_t *out, size_t *out_len)
{
	bool i_low = rekey_nonce_cmp(ni, ni_len, nr, nr_len) < 0;

	memcpy(out, i_low ? ni : nr, i_low ? ni_len : nr_len);
	*out_len = i_low ? ni_len : nr_len;
}

void rekey_pend_clear(struct ike_sa *sa)
{
	/* The SPI we offered and reserved, if no CHILD_SA came of it. */
	if (sa->pend.new_spi && !child_find_in(sa, sa->pend.new_spi))
		child_release_in(sa, sa->pend.new_spi);
	ike_dh_free(sa->pend.dh);
	OPENSSL_cleanse(&sa->pend, sizeof(sa->pend));
}

void rekey_abort(struct ike_sa *sa)
{
	struct ike_sa *n = sa->pend.new_sa ? ike_sa_by_id(sa->pend.new_sa) : NULL;
	struct ike_sa *coll = sa->pend.coll_sa ? ike_sa_by_id(sa->pend.coll_sa) : NULL;

	if (n && n->state == IKE_STATE_NEW)
		ike_sa_close(n, "the rekey that was to create it was abandoned");
	/*
	 * The IKE SA the peer's colliding rekey created has not taken over
	 * anything yet: without us it would stay, with no timer, as the
	 * connection's IKE SA.
	 */
	if (coll && coll->state == IKE_STATE_ESTABLISHED)
		ike_sa_close(coll, "the rekey collision that created it was abandoned");
	rekey_pend_clear(sa);
}

void rekey_notify_reply(struct ike_sa *sa, const struct ike_msg *m, uint16_t type,
			const uint8_t *data, size_t len, uint8_t proto, uint32_t spi)
{
	uint8_t chain[128];
	struct ike_builder b;
	/* RFC 7296 3.10: the Protocol ID is zero when there is no SPI. */
	struct ike_notify n = { .type = type, .proto = spi ? proto : 0 };
	uint32_t be = htonl(spi);

	if (spi) {
		n.spi_size = 4;
		memcpy(n.spi, &be, 4);
	}
	n.data.p = data;
	n.data.len = len;
	ike_build_chain(&b, chain, sizeof(chain));
	ike_build_notify(&b, &n);
	exch_respond(sa, IKE_EXCH_CREATE_CHILD_SA, m->hdr.msgid, &b);
}

uint16_t rekey_first_group(const struct ike_sa_payload *p)
{
	const struct ike_transform *dh = p->nprops ? ike_proposal_get(&p->prop[0], IKE_XF_DH) :
					 NULL;

	return dh && dh->id != IKE_DH_NONE ? dh->id : 0;
}

bool rekey_offers_group(const struct ike_sa_payload *p, uint16_t group)
{
	for (unsigned int i = 0; i < p->nprops; i++)
		for (unsigned int j = 0; j < p->prop[i].ntransforms; j++)
			if (p->prop[i].xf[j].type == IKE_XF_DH && p->prop[i].xf[j].id == group)
				return true;
	return false;
}

uint16_t rekey_invalid_ke_group(const struct ike_msg *m)
{
	const struct ike_notify *n = ike_msg_notify(m, IKE_N_INVALID_KE_PAYLOAD);

	return n && n->data.len == 2 ? (uint16_t)(n->data.p[0] << 8 | n->data.p[1]) : 0;
}

long rekey_dh_secret(struct ike_sa *sa, struct ike_dh *dh, const struct ike_msg *m,
		     uint8_t *gir, size_t cap)
{
	char err[200];
	long n = ike_dh_shared(dh, m->ke.data.p, m->ke.data.len, gir, cap, err, sizeof(err));

	if (n < 0)
		log_warn(SA_FMT " peer's KE payload (group %u) rejected: %s", SA_ARGS(sa),
			 m->ke.group, err);
	return n;
}

int rekey_add_ke(struct ike_sa *sa, struct ike_builder *b, const struct ike_dh *dh)
{
	uint8_t pub[IKE_DH_MAX_PUB];
	long len = ike_dh_public(dh, pub, sizeof(pub));

	if (len < 0) {
		log_err(SA_FMT " our DH public value could not be encoded", SA_ARGS(sa));
		return -1;
	}
	return ike_build_ke(b, ike_dh_group(dh), pub, (size_t)len);
}

struct ike_dh *rekey_dh_new(struct ike_sa *sa, uint16_t group)
{
	char err[200];
	struct ike_dh *dh = ike_dh_new(group, err, sizeof(err));

	if (!dh)
		log_err(SA_FMT " DH group %u: %s", SA_ARGS(sa), group, err);
	return dh;
}

/*
 * Dispatch, timers, kernel events.
 */

void rekey_new_child_refused(struct ike_sa *sa, struct ike_msg *m)
{
	log_warn(SA_FMT " peer asks for an additional CHILD_SA (CREATE_CHILD_SA without REKEY_SA); espiked keeps one per connection: NO_ADDITIONAL_SAS",
		 SA_ARGS(sa));
	rekey_notify_reply(sa, m, IKE_N_NO_ADDITIONAL_SAS, NULL, 0, 0, 0);
}

void rekey_response(struct ike_sa *sa, struct ike_msg *m, enum ike_req_kind kind)
{
	if (kind == REQ_REKEY_CHILD)
		rekey_child_response(sa, m);
	else if (kind == REQ_REKEY_IKE)
		rekey_ike_response(sa, m);
	else
		log_warn(SA_FMT " CREATE_CHILD_SA response to a request that was not one", SA_ARGS(sa));
}

/* @c is over its hard lifetime (or the kernel says so): it goes. */
static void child_expired(struct ike_sa *sa, struct child_sa *c, const char *why)
{
	struct child_sa *n = child_successor(sa, c->spi_in);

	log_warn(SA_FMT " CHILD_SA 0x%08x/0x%08x (%s) %s: removing it", SA_ARGS(sa), c->spi_in,
		 c->spi_out, child_state_name(c->state), why);
	c->expire_at = 0;
	if (n)
		child_install_out(sa, n);
	if (c->state == CHILD_DELETING)
		return;		/* our Delete is outstanding; its answer or give-up ends it */
	if (c->state == CHILD_REKEYED && !c->delete_at) {
		child_free(sa, c);	/* the peer should have deleted it */
		return;
	}
	if (info_delete_child(sa, c))
		child_free(sa, c);
}

static void child_tick(void *arg)
{
	struct ike_sa *sa = arg;
	uint64_t now = timer_now();
	int r;

	for (unsigned int i = 0; i < IKE_MAX_CHILD && !sa->dead; i++) {
		struct child_sa *c = &sa->child[i];

		if (c->state == CHILD_FREE)
			continue;
		if (c->expire_at && now >= c->expire_at) {
			child_expired(sa, c, "reached its hard lifetime without being rekeyed");
			continue;
		}
		if (c->state == CHILD_INBOUND && c->out_at && now >= c->out_at) {
			log_warn(SA_FMT " the peer has not deleted the CHILD_SA that 0x%08x replaces within %d ms: switching the outbound SA now",
				 SA_ARGS(sa), c->spi_in, REKEY_OUT_WAIT_MS);
			child_install_out(sa, c);
		}
		if (c->state == CHILD_REKEYED && c->delete_at && now >= c->delete_at &&
		    info_delete_child(sa, c))
			c->delete_at = now + REKEY_RETRY_MS / 2;
		if (c->state == CHILD_INSTALLED && c->rekey_at && now >= c->rekey_at) {
			r = rekey_child_start(sa, c, 0);
			if (r)
				c->rekey_at = now + (r > 0 ? REKEY_RETRY_MS / 2 : REKEY_RETRY_MS);
		}
	}
	rekey_timer_update(sa);
}

void rekey_kern_expire(const struct kern_event *ev)
{
	for (struct ike_sa *sa = ike_sa_first(); sa; sa = sa->next) {
		if (sa->dead || strcmp(sa->conn->device, ev->dev))
			continue;
		for (unsigned int i = 0; i < IKE_MAX_CHILD; i++) {
			struct child_sa *c = &sa->child[i];
			bool in = ev->dir == ESPVTI_DIR_IN;

			if (c->state == CHILD_FREE || (in ? c->spi_in : c->spi_out) != ev->spi)
				continue;
			if (ev->type == KEV_HARD_EXPIRE) {
				child_expired(sa, c, "hard-expired in the kernel");
			} else if (c->state == CHILD_INSTALLED || c->state == CHILD_INBOUND) {
				log_info(SA_FMT " %s SA 0x%08x soft-expired in the kernel: rekeying its CHILD_SA",
					 SA_ARGS(sa), in ? "inbound" : "outbound", ev->spi);
				c->rekey_at = timer_now();
				rekey_timer_update(sa);
			}
			return;
		}
	}
}
