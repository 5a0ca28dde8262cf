// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * msg.c - IKEv2 message decoder (RFC 7296 section 3).
 *
 * Untrusted input. For every payload a validate step checks only that the
 * lengths and counts of the payload and of its substructures add up inside
 * the bytes that are there; only then a decode step reads the fields and
 * checks what they mean. Nothing is allocated: the decoded struct points
 * into the caller's buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

__attribute__((format(printf, 3, 4)))
static int fail(struct ike_err *err, uint16_t notify, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->notify = notify;
	err->data = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

#define SYNTAX(err, ...) fail(err, IKE_N_INVALID_SYNTAX, __VA_ARGS__)

int ike_hdr_parse(const uint8_t *buf, size_t len, struct ike_hdr *h,
		  struct ike_err *err)
{
	static const uint8_t zero[IKE_SPI_LEN];

	if (len < IKE_HDR_LEN)
		return fail(err, 0, "message of %zu octets is shorter than the %d-octet IKE header",
			    len, IKE_HDR_LEN);
	memcpy(h->spi_i, buf, IKE_SPI_LEN);
	memcpy(h->spi_r, buf + 8, IKE_SPI_LEN);
	h->next = buf[16];
	h->version = buf[17];
	h->exchange = buf[18];
	h->flags = buf[19];
	h->msgid = get32(buf + 20);
	h->length = get32(buf + 24);

	if (h->version >> 4 != 2)
		return fail(err, IKE_N_INVALID_MAJOR_VERSION,
			    "IKE header: major version %u, expected 2",
			    h->version >> 4);
	if (h->length != len)
		return fail(err, 0, "IKE header: Length %u but the datagram holds %zu octets",
			    h->length, len);
	if (!memcmp(h->spi_i, zero, IKE_SPI_LEN))
		return SYNTAX(err, "IKE header: initiator SPI is zero");
	return 0;
}

/*
 * SA payload.
 */

/* Bounds of the attributes of one transform: [p, p+len). */
static int validate_attrs(const uint8_t *p, size_t len, unsigned int pn,
			  unsigned int tn, struct ike_err *err)
{
	size_t off = 0;

	while (off < len) {
		uint16_t at;
		size_t alen;

		if (len - off < 4)
			return SYNTAX(err, "SA payload: proposal %u transform %u: truncated attribute (%zu octets left)",
				      pn, tn, len - off);
		at = get16(p + off);
		alen = at & IKE_ATTR_AF ? 4 : 4 + (size_t)get16(p + off + 2);
		if (alen > len - off)
			return SYNTAX(err, "SA payload: proposal %u transform %u: attribute length %zu exceeds the %zu octets left",
				      pn, tn, alen, len - off);
		off += alen;
	}
	return 0;
}

/* Bounds of the transforms of one proposal: [p, p+len), @count announced. */
static int validate_transforms(const uint8_t *p, size_t len, unsigned int pn,
			       unsigned int count, struct ike_err *err)
{
	unsigned int n = 0;
	size_t off = 0;

	while (off < len) {
		uint8_t last;
		uint16_t tlen;

		n++;
		if (len - off < 8)
			return SYNTAX(err, "SA payload: proposal %u transform %u: truncated header (%zu octets left)",
				      pn, n, len - off);
		last = p[off];
		tlen = get16(p + off + 2);
		if (tlen < 8 || tlen > len - off)
			return SYNTAX(err, "SA payload: proposal %u transform %u: Transform Length %u invalid (%zu octets left)",
				      pn, n, tlen, len - off);
		if (last != IKE_XF_LAST && last != IKE_XF_MORE)
			return SYNTAX(err, "SA payload: proposal %u transform %u: Last Substruc %u, expected 0 or 3",
				      pn, n, last);
		if ((last == IKE_XF_LAST) != (off + tlen == len))
			return SYNTAX(err, "SA payload: proposal %u transform %u: Last Substruc %u does not match its position",
				      pn, n, last);
		if (validate_attrs(p + off + 8, tlen - 8, pn, n, err))
			return -1;
		off += tlen;
	}
	if (n != count)
		return SYNTAX(err, "SA payload: proposal %u announces %u transforms but holds %u",
			      pn, count, n);
	return 0;
}

static int validate_sa(const uint8_t *p, size_t len, struct ike_err *err)
{
	unsigned int n = 0;
	size_t off = 0;

	if (len == 0)
		return SYNTAX(err, "SA payload: no proposal");
	while (off < len) {
		uint8_t last, spisize;
		uint16_t plen;

		n++;
		if (len - off < 8)
			return SYNTAX(err, "SA payload: proposal %u: truncated header (%zu octets left)",
				      n, len - off);
		last = p[off];
		plen = get16(p + off + 2);
		spisize = p[off + 6];
		if (plen < 8 + spisize || plen > len - off)
			return SYNTAX(err, "SA payload: proposal %u: Proposal Length %u invalid (SPI size %u, %zu octets left)",
				      n, plen, spisize, len - off);
		if (last != IKE_PROP_LAST && last != IKE_PROP_MORE)
			return SYNTAX(err, "SA payload: proposal %u: Last Substruc %u, expected 0 or 2",
				      n, last);
		if ((last == IKE_PROP_LAST) != (off + plen == len))
			return SYNTAX(err, "SA payload: proposal %u: Last Substruc %u does not match its position",
				      n, last);
		if (validate_transforms(p + off + 8 + spisize,
					plen - 8 - spisize, n, p[off + 7], err))
			return -1;
		off += plen;
	}
	return 0;
}

static int decode_transform(const uint8_t *p, struct ike_transform *t,
			    unsigned int pn, unsigned int tn,
			    struct ike_err *err)
{
	uint16_t tlen = get16(p + 2);
	size_t off = 8;
	bool have_keylen = false;

	t->type = p[4];
	t->id = get16(p + 6);
	t->keylen = 0;
	t->unknown_attr = false;
	while (off < tlen) {
		uint16_t at = get16(p + off);

		if (at & IKE_ATTR_AF) {
			if ((at & ~IKE_ATTR_AF) == IKE_ATTR_KEY_LENGTH) {
				if (have_keylen)
					return SYNTAX(err, "SA payload: proposal %u transform %u: duplicate Key Length attribute",
						      pn, tn);
				have_keylen = true;
				t->keylen = get16(p + off + 2);
				if (t->keylen == 0)
					return SYNTAX(err, "SA payload: proposal %u transform %u: Key Length 0",
						      pn, tn);
			} else {
				t->unknown_attr = true;
			}
			off += 4;
		} else {
			/* Key Length is TV only; any TLV attribute is unknown. */
			t->unknown_attr = true;
			off += 4 + get16(p + off + 2);
		}
	}
	return 0;
}

static int decode_sa(const uint8_t *p, size_t len, struct ike_sa_payload *sa,
		     struct ike_err *err)
{
	size_t off = 0;

	sa->nprops = 0;
	while (off < len) {
		struct ike_proposal *pr;
		uint16_t plen = get16(p + off + 2);
		unsigned int pn = sa->nprops + 1;
		size_t toff;

		if (sa->nprops == IKE_MAX_PROPOSALS)
			return SYNTAX(err, "SA payload: more than %d proposals",
				      IKE_MAX_PROPOSALS);
		pr = &sa->prop[sa->nprops];
		pr->num = p[off + 4];
		pr->proto = p[off + 5];
		pr->spi_size = p[off + 6];
		pr->ntransforms = 0;
		memset(pr->spi, 0, sizeof(pr->spi));
		if (pr->num != pn)
			return SYNTAX(err, "SA payload: proposal %u has Proposal Num %u, expected %u",
				      pn, pr->num, pn);
		switch (pr->proto) {
		case IKE_PROTO_IKE:
			if (pr->spi_size != 0 && pr->spi_size != 8)
				return SYNTAX(err, "SA payload: proposal %u: IKE SPI size %u, expected 0 or 8",
					      pn, pr->spi_size);
			break;
		case IKE_PROTO_AH:
		case IKE_PROTO_ESP:
			if (pr->spi_size != 4)
				return SYNTAX(err, "SA payload: proposal %u: %s SPI size %u, expected 4",
					      pn, pr->proto == IKE_PROTO_ESP ? "ESP" : "AH",
					      pr->spi_size);
			break;
		default:
			return SYNTAX(err, "SA payload: proposal %u: unknown Protocol ID %u",
				      pn, pr->proto);
		}
		memcpy(pr->spi, p + off + 8, pr->spi_size);
		if (p[off + 7] == 0)
			return SYNTAX(err, "SA payload: proposal %u has no transforms", pn);
		if (p[off + 7] > IKE_MAX_TRANSFORMS)
			return SYNTAX(err, "SA payload: proposal %u has %u transforms, limit %d",
				      pn, p[off + 7], IKE_MAX_TRANSFORMS);
		toff = off + 8 + pr->spi_size;
		while (toff < off + plen) {
			struct ike_transform *t = &pr->xf[pr->ntransforms];

			if (decode_transform(p + toff, t, pn,
					     pr->ntransforms + 1u, err))
				return -1;
			pr->ntransforms++;
			toff += get16(p + toff + 2);
		}
		sa->nprops++;
		off += plen;
	}
	return 0;
}

/*
 * Traffic selectors.
 */
static int validate_ts(const uint8_t *p, size_t len, const char *name,
		       struct ike_err *err)
{
	unsigned int n = 0, count;
	size_t off = 4;

	if (len < 4)
		return SYNTAX(err, "%s payload: %zu octets, shorter than its 4-octet header",
			      name, len);
	count = p[0];
	while (off < len) {
		uint16_t slen;

		n++;
		if (len - off < 4)
			return SYNTAX(err, "%s payload: selector %u: truncated header", name, n);
		slen = get16(p + off + 2);
		if (slen < 4 || slen > len - off)
			return SYNTAX(err, "%s payload: selector %u: Selector Length %u invalid (%zu octets left)",
				      name, n, slen, len - off);
		off += slen;
	}
	if (n != count)
		return SYNTAX(err, "%s payload: Number of TSs is %u but %u selectors follow",
			      name, count, n);
	return 0;
}

static int decode_ts(const uint8_t *p, size_t len, struct ike_ts_payload *tsp,
		     const char *name, struct ike_err *err)
{
	size_t off = 4, alen;

	(void)len;
	if (p[0] == 0)
		return SYNTAX(err, "%s payload: no traffic selector", name);
	if (p[0] > IKE_MAX_TS)
		return SYNTAX(err, "%s payload: %u traffic selectors, limit %d",
			      name, p[0], IKE_MAX_TS);
	tsp->nts = 0;
	while (tsp->nts < p[0]) {
		struct ike_ts *ts = &tsp->ts[tsp->nts];
		uint16_t slen = get16(p + off + 2);

		memset(ts, 0, sizeof(*ts));
		ts->type = p[off];
		switch (ts->type) {
		case IKE_TS_IPV4_ADDR_RANGE:
			alen = 4;
			break;
		case IKE_TS_IPV6_ADDR_RANGE:
			alen = 16;
			break;
		default:
			return SYNTAX(err, "%s payload: selector %u: unsupported TS Type %u",
				      name, tsp->nts + 1, ts->type);
		}
		if (slen != 8 + 2 * alen)
			return SYNTAX(err, "%s payload: selector %u: Selector Length %u, expected %zu for TS Type %u",
				      name, tsp->nts + 1, slen, 8 + 2 * alen, ts->type);
		ts->ipproto = p[off + 1];
		ts->sport = get16(p + off + 4);
		ts->eport = get16(p + off + 6);
		memcpy(ts->saddr, p + off + 8, alen);
		memcpy(ts->eaddr, p + off + 8 + alen, alen);
		tsp->nts++;
		off += slen;
	}
	return 0;
}

/*
 * Notify and Delete.
 */
static int validate_notify(const uint8_t *p, size_t len, struct ike_err *err)
{
	if (len < 4)
		return SYNTAX(err, "Notify payload: %zu octets, shorter than its 4-octet header", len);
	if ((size_t)4 + p[1] > len)
		return SYNTAX(err, "Notify payload: SPI Size %u exceeds the %zu octets left",
			      p[1], len - 4);
	return 0;
}

static int decode_notify(const uint8_t *p, size_t len, struct ike_notify *n,
			 struct ike_err *err)
{
	const char *name;

	n->proto = p[0];
	n->spi_size = p[1];
	n->type = get16(p + 2);
	name = ike_notify_name(n->type);
	memset(n->spi, 0, sizeof(n->spi));
	if (n->spi_size != 0 && n->spi_size != 4 && n->spi_size != 8)
		return SYNTAX(err, "Notify %s: SPI Size %u, expected 0, 4 or 8",
			      name, n->spi_size);
	if (n->proto > IKE_PROTO_ESP)
		return SYNTAX(err, "Notify %s: unknown Protocol ID %u", name, n->proto);
	memcpy(n->spi, p + 4, n->spi_size);
	n->data.p = len > 4u + n->spi_size ? p + 4 + n->spi_size : NULL;
	n->data.len = len - 4 - n->spi_size;

	switch (n->type) {
	case IKE_N_COOKIE:
		if (n->data.len < 1 || n->data.len > IKE_COOKIE_MAX)
			return SYNTAX(err, "Notify COOKIE: %zu octets of data, expected 1 to %d",
				      n->data.len, IKE_COOKIE_MAX);
		break;
	case IKE_N_INVALID_KE_PAYLOAD:
		if (n->data.len != 2)
			return SYNTAX(err, "Notify INVALID_KE_PAYLOAD: %zu octets of data, expected 2",
				      n->data.len);
		break;
	case IKE_N_NAT_DETECTION_SOURCE_IP:
	case IKE_N_NAT_DETECTION_DESTINATION_IP:
		if (n->data.len != IKE_NAT_HASH_LEN)
			return SYNTAX(err, "Notify %s: %zu octets of data, expected %d",
				      name, n->data.len, IKE_NAT_HASH_LEN);
		break;
	case IKE_N_REKEY_SA:
		if (n->spi_size != 4 || (n->proto != IKE_PROTO_ESP &&
					 n->proto != IKE_PROTO_AH))
			return SYNTAX(err, "Notify REKEY_SA: Protocol ID %u SPI Size %u, expected ESP or AH with a 4-octet SPI",
				      n->proto, n->spi_size);
		break;
	default:
		break;
	}
	return 0;
}

static int validate_delete(const uint8_t *p, size_t len, struct ike_err *err)
{
	size_t want;

	if (len < 4)
		return SYNTAX(err, "Delete payload: %zu octets, shorter than its 4-octet header", len);
	want = 4 + (size_t)p[1] * get16(p + 2);
	if (want != len)
		return SYNTAX(err, "Delete payload: %u SPIs of %u octets need %zu octets, payload has %zu",
			      get16(p + 2), p[1], want, len);
	return 0;
}

static int decode_delete(const uint8_t *p, size_t len, struct ike_delete *d,
			 struct ike_err *err)
{
	d->proto = p[0];
	d->spi_size = p[1];
	d->nspi = get16(p + 2);
	d->spis.p = len > 4 ? p + 4 : NULL;
	d->spis.len = len - 4;
	switch (d->proto) {
	case IKE_PROTO_IKE:
		if (d->spi_size != 0 || d->nspi != 0)
			return SYNTAX(err, "Delete payload for the IKE SA: SPI Size %u and %u SPIs, expected none",
				      d->spi_size, d->nspi);
		break;
	case IKE_PROTO_ESP:
	case IKE_PROTO_AH:
		if (d->spi_size != 4 || d->nspi == 0)
			return SYNTAX(err, "Delete payload for %s: SPI Size %u and %u SPIs, expected 4-octet SPIs",
				      d->proto == IKE_PROTO_ESP ? "ESP" : "AH",
				      d->spi_size, d->nspi);
		break;
	default:
		return SYNTAX(err, "Delete payload: unknown Protocol ID %u", d->proto);
	}
	return 0;
}

/*
 * Identification.
 */
static int decode_id(const uint8_t *p, size_t len, struct ike_id *id,
		     const char *name, struct ike_err *err)
{
	if (len < 5)
		return SYNTAX(err, "%s payload: %zu octets, needs a 4-octet header and data",
			      name, len);
	id->type = p[0];
	memcpy(id->reserved, p + 1, 3);
	id->data.p = p + 4;
	id->data.len = len - 4;
	switch (id->type) {
	case IKE_ID_IPV4_ADDR:
		if (id->data.len != 4)
			return SYNTAX(err, "%s payload: ID_IPV4_ADDR of %zu octets, expected 4",
				      name, id->data.len);
		break;
	case IKE_ID_IPV6_ADDR:
		if (id->data.len != 16)
			return SYNTAX(err, "%s payload: ID_IPV6_ADDR of %zu octets, expected 16",
				      name, id->data.len);
		break;
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		if (memchr(id->data.p, 0, id->data.len))
			return SYNTAX(err, "%s payload: %s contains a NUL octet", name,
				      id->type == IKE_ID_FQDN ? "ID_FQDN" : "ID_RFC822_ADDR");
		break;
	default:
		/* KEY_ID, DNs and others are opaque here. */
		break;
	}
	return 0;
}

/*
 * Certificates.
 */
static int validate_cert(const uint8_t *p, size_t len, const char *name, struct ike_err *err)
{
	(void)p;
	if (len < 1)
		return SYNTAX(err, "%s payload: %zu octets, shorter than its Cert Encoding octet",
			      name, len);
	return 0;
}

static int decode_cert(const uint8_t *p, size_t len, struct ike_cert *c, struct ike_err *err)
{
	c->encoding = p[0];
	c->data.p = len > 1 ? p + 1 : NULL;
	c->data.len = len - 1;
	if (c->data.len == 0)
		return SYNTAX(err, "CERT payload: encoding %u without certificate data", c->encoding);
	if (c->data.len > IKE_CERT_MAX)
		return SYNTAX(err, "CERT payload: certificate of %zu octets, limit %d",
			      c->data.len, IKE_CERT_MAX);
	return 0;
}

static int decode_certreq(const uint8_t *p, size_t len, struct ike_certreq *cr,
			  struct ike_err *err)
{
	cr->encoding = p[0];
	cr->cas.p = len > 1 ? p + 1 : NULL;
	cr->cas.len = len - 1;
	cr->ncas = 0;
	if (cr->encoding != IKE_CERT_X509_SIG)
		return 0;	/* other encodings: opaque, ignored by the caller */
	if (cr->cas.len % IKE_CERTREQ_HASH_LEN)
		return SYNTAX(err, "CERTREQ payload: %zu octets of Certification Authority data, not a multiple of %d (SHA-1 hashes)",
			      cr->cas.len, IKE_CERTREQ_HASH_LEN);
	cr->ncas = (uint16_t)(cr->cas.len / IKE_CERTREQ_HASH_LEN);
	return 0;
}

/* One more CERT payload: bounds, room, then meaning. */
static int add_cert(struct ike_msg *m, const uint8_t *p, size_t len, int *idx,
		    struct ike_err *err)
{
	if (validate_cert(p, len, "CERT", err))
		return -1;
	if (m->ncert == IKE_MAX_CERT)
		return SYNTAX(err, "more than %d CERT payloads", IKE_MAX_CERT);
	if (decode_cert(p, len, &m->cert[m->ncert], err))
		return -1;
	*idx = m->ncert++;
	return 0;
}

/* One more CERTREQ payload: bounds, room, then meaning. */
static int add_certreq(struct ike_msg *m, const uint8_t *p, size_t len, int *idx,
		       struct ike_err *err)
{
	if (validate_cert(p, len, "CERTREQ", err))
		return -1;
	if (m->ncertreq == IKE_MAX_CERTREQ)
		return SYNTAX(err, "more than %d CERTREQ payloads", IKE_MAX_CERTREQ);
	if (decode_certreq(p, len, &m->certreq[m->ncertreq], err))
		return -1;
	*idx = m->ncertreq++;
	return 0;
}

/*
 * The payload chain.
 */

/* Payloads that may appear at most once in a message. */
static bool unique_payload(uint8_t type)
{
	switch (type) {
	case IKE_PL_SA: case IKE_PL_KE: case IKE_PL_IDI: case IKE_PL_IDR:
	case IKE_PL_AUTH: case IKE_PL_NONCE: case IKE_PL_TSI:
	case IKE_PL_TSR: case IKE_PL_SK: case IKE_PL_CP: case IKE_PL_SKF:
		return true;
	default:
		return false;
	}
}

static bool known_payload(uint8_t type)
{
	return (type >= IKE_PL_SA && type <= IKE_PL_EAP) || type == IKE_PL_SKF;
}

/* KE payload: DH Group and public value. 0, or -1 with @err set. */
static int decode_ke(const uint8_t *p, size_t len, struct ike_ke *ke, struct ike_err *err)
{
	if (len < 5)
		return SYNTAX(err, "KE payload: %zu octets, needs a 4-octet header and a public value", len);
	ke->group = get16(p);
	if (ke->group == IKE_DH_NONE)
		return SYNTAX(err, "KE payload: DH Group 0");
	ke->data.p = p + 4;
	ke->data.len = len - 4;
	return 0;
}

/* AUTH payload: method and data. 0, or -1 with @err set. */
static int decode_auth(const uint8_t *p, size_t len, struct ike_auth *auth,
		       struct ike_err *err)
{
	if (len < 5)
		return SYNTAX(err, "AUTH payload: %zu octets, needs a 4-octet header and data", len);
	auth->method = p[0];
	auth->data.p = p + 4;
	auth->data.len = len - 4;
	return 0;
}

/*
 * One more Notify payload into m->notify[], checked for size before room and
 * meaning. 0 with its index in *@idx, or -1 with @err set.
 */
static int add_notify(struct ike_msg *m, const uint8_t *p, size_t len, int *idx,
		      struct ike_err *err)
{
	if (validate_notify(p, len, err))
		return -1;
	if (m->nnotify == IKE_MAX_NOTIFY)
		return SYNTAX(err, "more than %d Notify payloads", IKE_MAX_NOTIFY);
	if (decode_notify(p, len, &m->notify[m->nnotify], err))
		return -1;
	*idx = m->nnotify++;
	return 0;
}

/*
 * One more Delete payload into m->del[], checked for size before room and
 * meaning. 0 with its index in *@idx, or -1 with @err set.
 */
static int add_delete(struct ike_msg *m, const uint8_t *p, size_t len, int *idx,
		      struct ike_err *err)
{
	if (validate_delete(p, len, err))
		return -1;
	if (m->ndelete == IKE_MAX_DELETE)
		return SYNTAX(err, "more than %d Delete payloads", IKE_MAX_DELETE);
	if (decode_delete(p, len, &m->del[m->ndelete], err))
		return -1;
	*idx = m->ndelete++;
	return 0;
}

/* One more Vendor ID payload into m->vendor[]. 0 with its index in *@idx, or -1 with @err set. */
static int add_vendor(struct ike_msg *m, struct ike_slice body, int *idx, struct ike_err *err)
{
	if (m->nvendor == IKE_MAX_VENDOR)
		return SYNTAX(err, "more than %d Vendor ID payloads", IKE_MAX_VENDOR);
	m->vendor[m->nvendor] = body;
	*idx = m->nvendor++;
	return 0;
}

/*
 * One more payload carried but not interpreted (CP, EAP
 * and unknown non-critical ones) into m->other[]. 0 with its index in *@idx,
 * or -1 with @err set.
 */
static int add_other(struct ike_msg *m, uint8_t type, bool critical, struct ike_slice body,
		     const char *name, int *idx, struct ike_err *err)
{
	if (m->nother == IKE_MAX_OTHER)
		return SYNTAX(err, "more than %d uninterpreted payloads (last: %s)",
			      IKE_MAX_OTHER, name);
	m->other[m->nother].type = type;
	m->other[m->nother].critical = critical;
	m->other[m->nother].body = body;
	*idx = m->nother++;
	return 0;
}

static int decode_payload(struct ike_msg *m, uint8_t type, bool critical,
			  const uint8_t *p, size_t len, struct ike_err *err)
{
	const char *name = ike_payload_name(type);
	struct ike_slice body = { len ? p : NULL, len };
	int idx = 0;

	switch (type) {
	case IKE_PL_SA:
		if (validate_sa(p, len, err) || decode_sa(p, len, &m->sa, err))
			return -1;
		break;
	case IKE_PL_KE:
		if (decode_ke(p, len, &m->ke, err))
			return -1;
		break;
	case IKE_PL_NONCE:
		if (len < IKE_NONCE_MIN || len > IKE_NONCE_MAX)
			return SYNTAX(err, "Nonce payload: %zu octets, expected %d to %d",
				      len, IKE_NONCE_MIN, IKE_NONCE_MAX);
		m->nonce = body;
		break;
	case IKE_PL_IDI:
		if (decode_id(p, len, &m->idi, name, err))
			return -1;
		m->idi_body = body;
		break;
	case IKE_PL_IDR:
		if (decode_id(p, len, &m->idr, name, err))
			return -1;
		m->idr_body = body;
		break;
	case IKE_PL_AUTH:
		if (decode_auth(p, len, &m->auth, err))
			return -1;
		break;
	case IKE_PL_NOTIFY:
		if (add_notify(m, p, len, &idx, err))
			return -1;
		break;
	case IKE_PL_DELETE:
		if (add_delete(m, p, len, &idx, err))
			return -1;
		break;
	case IKE_PL_TSI:
	case IKE_PL_TSR:
		if (validate_ts(p, len, name, err) ||
		    decode_ts(p, len, type == IKE_PL_TSI ? &m->tsi : &m->tsr,
			      name, err))
			return -1;
		break;
	case IKE_PL_VENDOR:
		if (add_vendor(m, body, &idx, err))
			return -1;
		break;
	case IKE_PL_CERT:
		if (add_cert(m, p, len, &idx, err))
			return -1;
		break;
	case IKE_PL_CERTREQ:
		if (add_certreq(m, p, len, &idx, err))
			return -1;
		break;
	default:
		/* CP, EAP and unknown non-critical ones */
		if (add_other(m, type, critical, body, name, &idx, err))
			return -1;
		break;
	}
	m->order[m->npayloads].type = type;
	m->order[m->npayloads].idx = (uint8_t)idx;
	return 0;
}

/*
 * The SK or SKF payload of @plen octets at @off, whose Next Payload is
 * @next: always the last payload of the outer chain, its body opaque. SKF
 * (RFC 7383 2.5) starts with Fragment Number and Total Fragments.
 */
static int decode_sk(struct ike_msg *m, uint8_t type, uint8_t next, const uint8_t *buf,
		     size_t off, uint16_t plen, size_t end, bool inner, struct ike_err *err)
{
	const char *name = ike_payload_name(type);
	size_t hdr = IKE_GENERIC_HDR_LEN + (type == IKE_PL_SKF ? 4 : 0);

	if (inner)
		return SYNTAX(err, "%s payload inside an SK payload", name);
	if (off + plen != end)
		return SYNTAX(err, "%s payload is not the last payload (%zu octets follow)",
			      name, end - off - plen);
	if (plen <= hdr)
		return SYNTAX(err, "%s payload is empty (Payload Length %u)", name, plen);
	m->sk.first = next;
	m->sk.hdr_off = off;
	m->sk.body.p = buf + off + hdr;
	m->sk.body.len = plen - hdr;
	m->sk.frag = type == IKE_PL_SKF;
	if (m->sk.frag) {
		m->sk.frag_num = get16(buf + off + IKE_GENERIC_HDR_LEN);
		m->sk.frag_total = get16(buf + off + IKE_GENERIC_HDR_LEN + 2);
		if (!m->sk.frag_total)
			return SYNTAX(err, "SKF payload: Total Fragments is 0");
		if (!m->sk.frag_num || m->sk.frag_num > m->sk.frag_total)
			return SYNTAX(err, "SKF payload: Fragment Number %u outside 1 to Total Fragments %u",
				      m->sk.frag_num, m->sk.frag_total);
	}
	m->order[m->npayloads].type = type;
	m->order[m->npayloads].idx = 0;
	return 0;
}

static int parse_chain(struct ike_msg *m, uint8_t type, const uint8_t *buf,
		       size_t off, size_t end, bool inner, struct ike_err *err)
{
	while (type != IKE_PL_NONE) {
		const char *name = ike_payload_name(type);
		uint8_t next;
		uint16_t plen;
		bool critical;

		if (end - off < IKE_GENERIC_HDR_LEN)
			return SYNTAX(err, "%s payload: truncated generic header (%zu octets left)",
				      name, end - off);
		next = buf[off];
		critical = buf[off + 1] & IKE_PL_CRITICAL;
		plen = get16(buf + off + 2);
		if (plen < IKE_GENERIC_HDR_LEN || plen > end - off)
			return SYNTAX(err, "%s payload: Payload Length %u invalid (%zu octets left)",
				      name, plen, end - off);
		if (!known_payload(type)) {
			if (critical) {
				fail(err, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD,
				     "unsupported payload type %u has the critical bit set",
				     type);
				if (err)
					err->data = type;
				return -1;
			}
		} else if (unique_payload(type) && (m->present & IKE_HAS(type))) {
			return SYNTAX(err, "duplicate %s payload", name);
		}
		if (m->npayloads == IKE_MAX_PAYLOADS)
			return SYNTAX(err, "more than %d payloads", IKE_MAX_PAYLOADS);

		if (type == IKE_PL_SK || type == IKE_PL_SKF) {
			if (decode_sk(m, type, next, buf, off, plen, end, inner, err))
				return -1;
			next = IKE_PL_NONE;
		} else if (decode_payload(m, type, critical,
					  buf + off + IKE_GENERIC_HDR_LEN,
					  plen - IKE_GENERIC_HDR_LEN, err)) {
			return -1;
		}
		if (known_payload(type))
			m->present |= IKE_HAS(type);
		m->order[m->npayloads].inner = inner;
		m->npayloads++;
		off += plen;
		type = next;
	}
	if (off != end)
		return SYNTAX(err, "%zu octets after the last payload", end - off);
	return 0;
}

int ike_msg_parse(const uint8_t *buf, size_t len, struct ike_msg *m,
		  struct ike_err *err)
{
	memset(m, 0, sizeof(*m));
	if (ike_hdr_parse(buf, len, &m->hdr, err))
		return -1;
	m->raw = buf;
	m->rawlen = len;
	return parse_chain(m, m->hdr.next, buf, IKE_HDR_LEN, len, false, err);
}

int ike_msg_parse_inner(struct ike_msg *m, uint8_t first,
			const uint8_t *buf, size_t len, struct ike_err *err)
{
	if (!(m->present & IKE_HAS(IKE_PL_SK)))
		return SYNTAX(err, "inner payloads given for a message without an SK payload");
	return parse_chain(m, first, buf, 0, len, true, err);
}

const struct ike_notify *ike_msg_notify(const struct ike_msg *m,
					uint16_t type)
{
	for (unsigned int i = 0; i < m->nnotify; i++)
		if (m->notify[i].type == type)
			return &m->notify[i];
	return NULL;
}
