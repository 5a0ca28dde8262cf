// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * msg_build.c - IKEv2 message encoder: appends payloads to a buffer and
 * chains their Next Payload fields (RFC 7296 section 3).
 */
#include <string.h>

#include "msg.h"

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

void ike_build_init(struct ike_builder *b, uint8_t *buf, size_t cap,
		    const struct ike_hdr *h)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = cap;
	b->has_hdr = true;
	if (cap < IKE_HDR_LEN) {
		b->failed = true;
		return;
	}
	memcpy(buf, h->spi_i, IKE_SPI_LEN);
	memcpy(buf + 8, h->spi_r, IKE_SPI_LEN);
	buf[16] = IKE_PL_NONE;
	buf[17] = h->version ? h->version : IKE_VERSION_2;
	buf[18] = h->exchange;
	buf[19] = h->flags;
	put32(buf + 20, h->msgid);
	put32(buf + 24, 0);
	b->len = IKE_HDR_LEN;
	b->next_off = 16;
}

void ike_build_chain(struct ike_builder *b, uint8_t *buf, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = cap;
	b->next_off = IKE_BUILD_NO_NEXT;
}

uint8_t ike_build_first(const struct ike_builder *b)
{
	return b->first;
}

/*
 * Append a generic payload header for a body of @body_len octets, link it
 * from the previous payload and return the body, or NULL.
 */
static uint8_t *payload(struct ike_builder *b, uint8_t type, bool critical,
			size_t body_len)
{
	size_t plen = IKE_GENERIC_HDR_LEN + body_len;
	uint8_t *p;

	if (b->failed || b->next_off == IKE_BUILD_CLOSED || plen > 0xffff ||
	    plen > b->cap - b->len) {
		b->failed = true;
		return NULL;
	}
	p = b->buf + b->len;
	p[0] = IKE_PL_NONE;
	p[1] = critical ? IKE_PL_CRITICAL : 0;
	put16(p + 2, (uint16_t)plen);
	if (b->next_off != IKE_BUILD_NO_NEXT)
		b->buf[b->next_off] = type;
	if (b->len == (b->has_hdr ? IKE_HDR_LEN : 0))
		b->first = type;
	b->next_off = b->len;
	b->len += plen;
	return p + IKE_GENERIC_HDR_LEN;
}

static size_t transform_len(const struct ike_transform *t)
{
	return 8 + (t->keylen ? 4 : 0);
}

int ike_build_sa(struct ike_builder *b, const struct ike_sa_payload *sa)
{
	size_t len = 0, off = 0;
	uint8_t *p;

	if (sa->nprops == 0 || sa->nprops > IKE_MAX_PROPOSALS)
		goto bad;
	for (unsigned int i = 0; i < sa->nprops; i++) {
		const struct ike_proposal *pr = &sa->prop[i];

		if (pr->ntransforms == 0 || pr->ntransforms > IKE_MAX_TRANSFORMS ||
		    pr->spi_size > sizeof(pr->spi))
			goto bad;
		len += 8 + pr->spi_size;
		for (unsigned int j = 0; j < pr->ntransforms; j++)
			len += transform_len(&pr->xf[j]);
	}
	p = payload(b, IKE_PL_SA, false, len);
	if (!p)
		return -1;
	for (unsigned int i = 0; i < sa->nprops; i++) {
		const struct ike_proposal *pr = &sa->prop[i];
		uint8_t *pp = p + off;
		size_t plen = 8 + pr->spi_size;

		for (unsigned int j = 0; j < pr->ntransforms; j++)
			plen += transform_len(&pr->xf[j]);
		if (plen > 0xffff)
			goto bad;
		pp[0] = i + 1 == sa->nprops ? IKE_PROP_LAST : IKE_PROP_MORE;
		pp[1] = 0;
		put16(pp + 2, (uint16_t)plen);
		pp[4] = pr->num;
		pp[5] = pr->proto;
		pp[6] = pr->spi_size;
		pp[7] = pr->ntransforms;
		memcpy(pp + 8, pr->spi, pr->spi_size);
		off += 8 + pr->spi_size;
		for (unsigned int j = 0; j < pr->ntransforms; j++) {
			const struct ike_transform *t = &pr->xf[j];
			uint8_t *tp = p + off;

			tp[0] = j + 1 == pr->ntransforms ? IKE_XF_LAST : IKE_XF_MORE;
			tp[1] = 0;
			put16(tp + 2, (uint16_t)transform_len(t));
			tp[4] = t->type;
			tp[5] = 0;
			put16(tp + 6, t->id);
			if (t->keylen) {
				put16(tp + 8, IKE_ATTR_AF | IKE_ATTR_KEY_LENGTH);
				put16(tp + 10, t->keylen);
			}
			off += transform_len(t);
		}
	}
	return 0;
bad:
	b->failed = true;
	return -1;
}

int ike_build_ke(struct ike_builder *b, uint16_t group,
		 const uint8_t *data, size_t len)
{
	uint8_t *p = payload(b, IKE_PL_KE, false, 4 + len);

	if (!p)
		return -1;
	put16(p, group);
	put16(p + 2, 0);
	memcpy(p + 4, data, len);
	return 0;
}

int ike_build_nonce(struct ike_builder *b, const uint8_t *n, size_t len)
{
	uint8_t *p = payload(b, IKE_PL_NONCE, false, len);

	if (!p)
		return -1;
	memcpy(p, n, len);
	return 0;
}

int ike_build_id(struct ike_builder *b, uint8_t pltype,
		 const struct ike_id *id)
{
	uint8_t *p;

	if (pltype != IKE_PL_IDI && pltype != IKE_PL_IDR) {
		b->failed = true;
		return -1;
	}
	p = payload(b, pltype, false, 4 + id->data.len);
	if (!p)
		return -1;
	p[0] = id->type;
	memcpy(p + 1, id->reserved, 3);
	memcpy(p + 4, id->data.p, id->data.len);
	return 0;
}

int ike_build_auth(struct ike_builder *b, uint8_t method,
		   const uint8_t *data, size_t len)
{
	uint8_t *p = payload(b, IKE_PL_AUTH, false, 4 + len);

	if (!p)
		return -1;
	p[0] = method;
	p[1] = p[2] = p[3] = 0;
	memcpy(p + 4, data, len);
	return 0;
}

int ike_build_notify(struct ike_builder *b, const struct ike_notify *n)
{
	uint8_t *p;

	if (n->spi_size > sizeof(n->spi)) {
		b->failed = true;
		return -1;
	}
	p = payload(b, IKE_PL_NOTIFY, false, 4 + n->spi_size + n->data.len);
	if (!p)
		return -1;
	p[0] = n->proto;
	p[1] = n->spi_size;
	put16(p + 2, n->type);
	memcpy(p + 4, n->spi, n->spi_size);
	if (n->data.len)
		memcpy(p + 4 + n->spi_size, n->data.p, n->data.len);
	return 0;
}

int ike_build_delete(struct ike_builder *b, const struct ike_delete *d)
{
	uint8_t *p;

	if ((size_t)d->spi_size * d->nspi != d->spis.len) {
		b->failed = true;
		return -1;
	}
	p = payload(b, IKE_PL_DELETE, false, 4 + d->spis.len);
	if (!p)
		return -1;
	p[0] = d->proto;
	p[1] = d->spi_size;
	put16(p + 2, d->nspi);
	if (d->spis.len)
		memcpy(p + 4, d->spis.p, d->spis.len);
	return 0;
}

int ike_build_ts(struct ike_builder *b, uint8_t pltype,
		 const struct ike_ts_payload *ts)
{
	size_t len = 4, off = 4;
	uint8_t *p;

	if ((pltype != IKE_PL_TSI && pltype != IKE_PL_TSR) ||
	    ts->nts == 0 || ts->nts > IKE_MAX_TS)
		goto bad;
	for (unsigned int i = 0; i < ts->nts; i++) {
		if (ts->ts[i].type == IKE_TS_IPV4_ADDR_RANGE)
			len += 16;
		else if (ts->ts[i].type == IKE_TS_IPV6_ADDR_RANGE)
			len += 40;
		else
			goto bad;
	}
	p = payload(b, pltype, false, len);
	if (!p)
		return -1;
	p[0] = ts->nts;
	p[1] = p[2] = p[3] = 0;
	for (unsigned int i = 0; i < ts->nts; i++) {
		const struct ike_ts *t = &ts->ts[i];
		size_t alen = t->type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
		uint8_t *sp = p + off;

		sp[0] = t->type;
		sp[1] = t->ipproto;
		put16(sp + 2, (uint16_t)(8 + 2 * alen));
		put16(sp + 4, t->sport);
		put16(sp + 6, t->eport);
		memcpy(sp + 8, t->saddr, alen);
		memcpy(sp + 8 + alen, t->eaddr, alen);
		off += 8 + 2 * alen;
	}
	return 0;
bad:
	b->failed = true;
	return -1;
}

int ike_build_vendor(struct ike_builder *b, const uint8_t *data, size_t len)
{
	return ike_build_raw(b, IKE_PL_VENDOR, false, data, len);
}

/* CERT and CERTREQ: encoding octet and data. */
static int build_cert(struct ike_builder *b, uint8_t type, uint8_t encoding,
		      const uint8_t *data, size_t len)
{
	uint8_t *p = payload(b, type, false, 1 + len);

	if (!p)
		return -1;
	p[0] = encoding;
	if (len)
		memcpy(p + 1, data, len);
	return 0;
}

int ike_build_cert(struct ike_builder *b, const struct ike_cert *c)
{
	if (c->data.len == 0 || c->data.len > IKE_CERT_MAX) {
		b->failed = true;
		return -1;
	}
	return build_cert(b, IKE_PL_CERT, c->encoding, c->data.p, c->data.len);
}

int ike_build_certreq(struct ike_builder *b, const struct ike_certreq *cr)
{
	if (cr->encoding == IKE_CERT_X509_SIG && cr->cas.len % IKE_CERTREQ_HASH_LEN) {
		b->failed = true;
		return -1;
	}
	return build_cert(b, IKE_PL_CERTREQ, cr->encoding, cr->cas.p, cr->cas.len);
}

int ike_build_raw(struct ike_builder *b, uint8_t type, bool critical,
		  const uint8_t *body, size_t len)
{
	uint8_t *p = payload(b, type, critical, len);

	if (!p)
		return -1;
	if (len)
		memcpy(p, body, len);
	return 0;
}

long ike_build_sk_reserve(struct ike_builder *b, uint8_t first,
			  size_t body_len)
{
	uint8_t *p = payload(b, IKE_PL_SK, false, body_len);

	if (!p)
		return -1;
	/* The SK payload's Next Payload names the first inner payload. */
	p[-IKE_GENERIC_HDR_LEN] = first;
	b->next_off = IKE_BUILD_CLOSED;	/* SK is always last */
	return (long)(p - b->buf);
}

long ike_build_skf_reserve(struct ike_builder *b, uint8_t first, uint16_t num,
			   uint16_t total, size_t body_len)
{
	uint8_t *p = payload(b, IKE_PL_SKF, false, 4 + body_len);

	if (!p)
		return -1;
	p[-IKE_GENERIC_HDR_LEN] = first;
	put16(p, num);
	put16(p + 2, total);
	b->next_off = IKE_BUILD_CLOSED;	/* SKF is always last */
	return (long)(p + 4 - b->buf);
}

long ike_build_finish(struct ike_builder *b)
{
	if (b->failed)
		return -1;
	if (b->has_hdr)
		put32(b->buf + 24, (uint32_t)b->len);
	return (long)b->len;
}

/*
 * Re-encoding of a decoded message.
 */
static int encode_one(struct ike_builder *b, const struct ike_msg *m,
		      const struct ike_msg_order *o)
{
	switch (o->type) {
	case IKE_PL_SA:
		return ike_build_sa(b, &m->sa);
	case IKE_PL_KE:
		return ike_build_ke(b, m->ke.group, m->ke.data.p, m->ke.data.len);
	case IKE_PL_NONCE:
		return ike_build_nonce(b, m->nonce.p, m->nonce.len);
	case IKE_PL_IDI:
		return ike_build_id(b, IKE_PL_IDI, &m->idi);
	case IKE_PL_IDR:
		return ike_build_id(b, IKE_PL_IDR, &m->idr);
	case IKE_PL_AUTH:
		return ike_build_auth(b, m->auth.method, m->auth.data.p,
				      m->auth.data.len);
	case IKE_PL_NOTIFY:
		return ike_build_notify(b, &m->notify[o->idx]);
	case IKE_PL_DELETE:
		return ike_build_delete(b, &m->del[o->idx]);
	case IKE_PL_TSI:
		return ike_build_ts(b, IKE_PL_TSI, &m->tsi);
	case IKE_PL_TSR:
		return ike_build_ts(b, IKE_PL_TSR, &m->tsr);
	case IKE_PL_VENDOR:
		return ike_build_vendor(b, m->vendor[o->idx].p,
					m->vendor[o->idx].len);
	case IKE_PL_CERT:
		return ike_build_cert(b, &m->cert[o->idx]);
	case IKE_PL_CERTREQ:
		return ike_build_certreq(b, &m->certreq[o->idx]);
	case IKE_PL_SK: {
		long off = ike_build_sk_reserve(b, m->sk.first, m->sk.body.len);

		if (off < 0)
			return -1;
		memcpy(b->buf + off, m->sk.body.p, m->sk.body.len);
		return 0;
	}
	case IKE_PL_SKF: {
		long off = ike_build_skf_reserve(b, m->sk.first, m->sk.frag_num,
						 m->sk.frag_total, m->sk.body.len);

		if (off < 0)
			return -1;
		memcpy(b->buf + off, m->sk.body.p, m->sk.body.len);
		return 0;
	}
	default:
		return ike_build_raw(b, m->other[o->idx].type,
				     m->other[o->idx].critical,
				     m->other[o->idx].body.p,
				     m->other[o->idx].body.len);
	}
}

long ike_msg_encode(const struct ike_msg *m, uint8_t *buf, size_t cap)
{
	struct ike_builder b;

	ike_build_init(&b, buf, cap, &m->hdr);
	for (unsigned int i = 0; i < m->npayloads; i++) {
		if (m->order[i].inner)
			continue;
		if (encode_one(&b, m, &m->order[i]))
			return -1;
	}
	return ike_build_finish(&b);
}

long ike_msg_encode_inner(const struct ike_msg *m, uint8_t *buf, size_t cap,
			  uint8_t *first)
{
	struct ike_builder b;

	ike_build_chain(&b, buf, cap);
	for (unsigned int i = 0; i < m->npayloads; i++) {
		if (!m->order[i].inner)
			continue;
		if (encode_one(&b, m, &m->order[i]))
			return -1;
	}
	*first = ike_build_first(&b);
	return ike_build_finish(&b);
}
