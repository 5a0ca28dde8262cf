/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * msg.h - IKEv2 message codec: the fixed header and the payload chain
 * (RFC 7296 section 3), decoded into plain structs and encoded back.
 *
 * Decoding never allocates: variable-length data is returned as slices
 * pointing into the caller's buffer, which must outlive the struct ike_msg.
 * Every payload is handled in two passes: a validate pass that checks only
 * lengths and bounds, then a decode pass that checks meaning.
 */
#ifndef ESPIKED_MSG_H
#define ESPIKED_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "ike.h"

#define IKE_MAX_PROPOSALS	16
#define IKE_MAX_TRANSFORMS	32	/* per proposal */
#define IKE_MAX_NOTIFY		24
#define IKE_MAX_DELETE		8
#define IKE_MAX_VENDOR		8
#define IKE_MAX_OTHER		8	/* CP, EAP, unknown */
#define IKE_MAX_CERT		4	/* CERT payloads: end entity and intermediates */
#define IKE_CERT_MAX		16384	/* octets of one certificate */
#define IKE_MAX_CERTREQ		4
#define IKE_MAX_TS		16	/* selectors per TS payload */
#define IKE_MAX_PAYLOADS	64

/**
 * struct ike_slice - a run of bytes inside a message buffer (not owned)
 * @p: first byte, NULL when @len is 0
 * @len: number of bytes
 */
struct ike_slice {
	const uint8_t *p;
	size_t len;
};

/**
 * struct ike_err - why a message was rejected
 * @notify: error Notify type the peer should get (IKE_N_INVALID_SYNTAX,
 *	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, IKE_N_INVALID_MAJOR_VERSION...),
 *	0 when the message is to be dropped silently
 * @data: notification data octet (the payload type for
 *	UNSUPPORTED_CRITICAL_PAYLOAD)
 * @msg: human-readable reason naming the field that was wrong
 */
struct ike_err {
	uint16_t notify;
	uint8_t data;
	char msg[200];
};

/**
 * struct ike_hdr - the fixed IKE header (RFC 7296 3.1)
 * @spi_i: initiator's SPI
 * @spi_r: responder's SPI (zero in the first IKE_SA_INIT request)
 * @next: first payload type
 * @version: major << 4 | minor
 * @exchange: exchange type (IKE_EXCH_*)
 * @flags: IKE_FLAG_* bits
 * @msgid: message ID
 * @length: total message length from the header
 */
struct ike_hdr {
	uint8_t spi_i[IKE_SPI_LEN];
	uint8_t spi_r[IKE_SPI_LEN];
	uint8_t next;
	uint8_t version;
	uint8_t exchange;
	uint8_t flags;
	uint32_t msgid;
	uint32_t length;
};

/**
 * struct ike_transform - one transform substructure (RFC 7296 3.3.2)
 * @type: IKE_XF_*
 * @id: transform ID within @type
 * @keylen: Key Length attribute in bits, 0 when absent
 * @unknown_attr: an attribute other than Key Length was present; the
 *	proposal holding it must not be chosen (RFC 7296 3.3.6)
 */
struct ike_transform {
	uint8_t type;
	uint16_t id;
	uint16_t keylen;
	bool unknown_attr;
};

/**
 * struct ike_proposal - one proposal substructure (RFC 7296 3.3.1)
 * @num: proposal number
 * @proto: IKE_PROTO_IKE, _AH or _ESP
 * @spi_size: 0 or 8 for IKE, 4 for AH/ESP
 * @spi: SPI, big-endian as on the wire, @spi_size octets used
 * @ntransforms: number of entries in @xf
 * @xf: transforms in wire order
 */
struct ike_proposal {
	uint8_t num;
	uint8_t proto;
	uint8_t spi_size;
	uint8_t spi[8];
	uint8_t ntransforms;
	struct ike_transform xf[IKE_MAX_TRANSFORMS];
};

/**
 * struct ike_sa_payload - Security Association payload
 * @nprops: number of proposals
 * @prop: proposals in wire order
 */
struct ike_sa_payload {
	uint8_t nprops;
	struct ike_proposal prop[IKE_MAX_PROPOSALS];
};

/**
 * struct ike_ke - Key Exchange payload
 * @group: Diffie-Hellman group number
 * @data: public value
 */
struct ike_ke {
	uint16_t group;
	struct ike_slice data;
};

/**
 * struct ike_id - Identification payload (IDi or IDr)
 * @type: IKE_ID_*
 * @reserved: the three reserved octets, kept because they are part of
 *	the octets the AUTH payload signs (RFC 7296 2.15)
 * @data: identification data
 */
struct ike_id {
	uint8_t type;
	uint8_t reserved[3];
	struct ike_slice data;
};

/**
 * struct ike_auth - Authentication payload
 * @method: IKE_AUTH_*
 * @data: authentication data
 */
struct ike_auth {
	uint8_t method;
	struct ike_slice data;
};

/**
 * struct ike_cert - Certificate payload (RFC 7296 3.6)
 * @encoding: certificate encoding; espiked uses IKE_CERT_X509_SIG only
 *	and keeps others for the caller to ignore
 * @data: the certificate (DER for IKE_CERT_X509_SIG), 1 to IKE_CERT_MAX
 *	octets
 */
struct ike_cert {
	uint8_t encoding;
	struct ike_slice data;
};

/**
 * struct ike_certreq - Certificate Request payload (RFC 7296 3.7)
 * @encoding: certificate encoding requested
 * @ncas: number of hashes in @cas (IKE_CERT_X509_SIG only, else 0)
 * @cas: Certification Authority data: for IKE_CERT_X509_SIG the SHA-1
 *	hashes of trusted CAs' SubjectPublicKeyInfo, IKE_CERTREQ_HASH_LEN
 *	octets each; opaque for other encodings
 */
struct ike_certreq {
	uint8_t encoding;
	uint16_t ncas;
	struct ike_slice cas;
};

/**
 * struct ike_notify - Notify payload
 * @proto: protocol ID the SPI belongs to, 0 when none
 * @spi_size: 0, 4 or 8
 * @type: notify message type (IKE_N_*)
 * @spi: SPI octets, @spi_size used
 * @data: notification data
 */
struct ike_notify {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t type;
	uint8_t spi[8];
	struct ike_slice data;
};

/**
 * struct ike_delete - Delete payload
 * @proto: IKE_PROTO_IKE (no SPIs) or IKE_PROTO_ESP/AH
 * @spi_size: 0 for IKE, 4 for ESP/AH
 * @nspi: number of SPIs
 * @spis: @nspi SPIs of @spi_size octets each
 */
struct ike_delete {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t nspi;
	struct ike_slice spis;
};

/**
 * struct ike_ts - one traffic selector (RFC 7296 3.13.1)
 * @type: IKE_TS_IPV4_ADDR_RANGE or IKE_TS_IPV6_ADDR_RANGE
 * @ipproto: IP protocol, 0 for any
 * @sport: start port
 * @eport: end port
 * @saddr: start address (4 or 16 octets used)
 * @eaddr: end address
 */
struct ike_ts {
	uint8_t type;
	uint8_t ipproto;
	uint16_t sport;
	uint16_t eport;
	uint8_t saddr[16];
	uint8_t eaddr[16];
};

/**
 * struct ike_ts_payload - TSi or TSr payload
 * @nts: number of selectors
 * @ts: selectors
 */
struct ike_ts_payload {
	uint8_t nts;
	struct ike_ts ts[IKE_MAX_TS];
};

/**
 * struct ike_sk - Encrypted (SK) or Encrypted Fragment (SKF, RFC 7383 2.5)
 *	payload as found in the outer message
 * @first: payload type of the first inner payload (SKF: of the whole
 *	message in fragment 1, 0 in the others)
 * @hdr_off: offset of the SK generic payload header in the message
 * @body: IV, ciphertext and ICV (opaque until sk_unprotect); for SKF the
 *	part after Fragment Number and Total Fragments
 * @frag: the payload is SKF
 * @frag_num: SKF Fragment Number, 1 to @frag_total
 * @frag_total: SKF Total Fragments, at least 1
 */
struct ike_sk {
	uint8_t first;
	size_t hdr_off;
	struct ike_slice body;
	bool frag;
	uint16_t frag_num, frag_total;
};

/**
 * struct ike_other - a payload espiked carries but does not interpret
 * @type: payload type
 * @critical: critical bit as received
 * @body: payload body after the generic header
 */
struct ike_other {
	uint8_t type;
	bool critical;
	struct ike_slice body;
};

/* Bits of ike_msg.present */
#define IKE_HAS(type)	(1ULL << ((type) - 32))

/**
 * struct ike_msg_order - where payload number i of the message was stored
 * @type: payload type
 * @idx: index into the array for repeatable payloads
 * @inner: the payload came from inside the SK payload
 */
struct ike_msg_order {
	uint8_t type;
	uint8_t idx;
	bool inner;
};

/**
 * struct ike_msg - a decoded IKEv2 message
 * @hdr: fixed header
 * @raw: the message as received (for AUTH octets and SK integrity)
 * @rawlen: bytes at @raw
 * @present: IKE_HAS(type) bits of payloads seen, outer and inner
 * @sa: SA payload
 * @ke: KE payload
 * @nonce: Ni or Nr data
 * @idi: IDi payload
 * @idr: IDr payload
 * @idi_body: IDi body after the generic header ("RestOfInitIDPayload")
 * @idr_body: IDr body after the generic header
 * @auth: AUTH payload
 * @tsi: TSi payload
 * @tsr: TSr payload
 * @sk: Encrypted or Encrypted Fragment payload (outer chain only)
 * @nnotify: entries in @notify
 * @notify: Notify payloads in order
 * @ndelete: entries in @del
 * @del: Delete payloads in order
 * @nvendor: entries in @vendor
 * @vendor: Vendor ID data (ignored by espiked)
 * @ncert: entries in @cert
 * @cert: CERT payloads in order (the first is the end entity's)
 * @ncertreq: entries in @certreq
 * @certreq: CERTREQ payloads in order
 * @nother: entries in @other
 * @other: CP, EAP and unknown non-critical payloads
 * @npayloads: entries in @order
 * @order: payloads in wire order, for re-encoding and logging
 */
struct ike_msg {
	struct ike_hdr hdr;
	const uint8_t *raw;
	size_t rawlen;
	uint64_t present;
	struct ike_sa_payload sa;
	struct ike_ke ke;
	struct ike_slice nonce;
	struct ike_id idi, idr;
	struct ike_slice idi_body, idr_body;
	struct ike_auth auth;
	struct ike_ts_payload tsi, tsr;
	struct ike_sk sk;
	uint8_t nnotify;
	struct ike_notify notify[IKE_MAX_NOTIFY];
	uint8_t ndelete;
	struct ike_delete del[IKE_MAX_DELETE];
	uint8_t nvendor;
	struct ike_slice vendor[IKE_MAX_VENDOR];
	uint8_t ncert;
	struct ike_cert cert[IKE_MAX_CERT];
	uint8_t ncertreq;
	struct ike_certreq certreq[IKE_MAX_CERTREQ];
	uint8_t nother;
	struct ike_other other[IKE_MAX_OTHER];
	uint8_t npayloads;
	struct ike_msg_order order[IKE_MAX_PAYLOADS];
};

/*
 * Decoding. All return 0 on success or -1 with @err filled in.
 */

/* Header only: length, version, SPI checks. Used to route a datagram. */
int ike_hdr_parse(const uint8_t *buf, size_t len, struct ike_hdr *h,
		  struct ike_err *err);

/*
 * Header and the outer payload chain. The SK payload, if any, must be the
 * last one; its contents stay opaque until ike_msg_parse_inner().
 */
int ike_msg_parse(const uint8_t *buf, size_t len, struct ike_msg *m,
		  struct ike_err *err);

/*
 * The payload chain recovered from the SK payload (after its integrity was
 * verified), added to @m. @buf must outlive @m.
 */
int ike_msg_parse_inner(struct ike_msg *m, uint8_t first,
			const uint8_t *buf, size_t len, struct ike_err *err);

/* Notify lookup: first Notify of @type, or NULL. */
const struct ike_notify *ike_msg_notify(const struct ike_msg *m,
					uint16_t type);

/*
 * Encoding: a builder appends payloads to a caller buffer and chains the
 * Next Payload fields. Errors (overflow, bad argument) are sticky: every
 * call after the first failure returns -1 and ike_build_finish() fails.
 */

/**
 * struct ike_builder - message or payload-chain under construction
 * @buf: output buffer
 * @cap: size of @buf
 * @len: bytes written
 * @next_off: offset of the Next Payload octet to patch next, or
 *	IKE_BUILD_NO_NEXT before the first payload of a bare chain,
 *	IKE_BUILD_CLOSED after the SK payload
 * @first: type of the first payload appended
 * @has_hdr: a fixed IKE header occupies the first IKE_HDR_LEN octets
 * @failed: an earlier call failed
 */
struct ike_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	size_t next_off;
	uint8_t first;
	bool has_hdr;
	bool failed;
};

#define IKE_BUILD_NO_NEXT	((size_t)-1)
#define IKE_BUILD_CLOSED	((size_t)-2)	/* after SK: nothing may follow */

/* Start a message with header @h (length is filled in by finish). */
void ike_build_init(struct ike_builder *b, uint8_t *buf, size_t cap,
		    const struct ike_hdr *h);
/* Start a bare payload chain (the plaintext of an SK payload). */
void ike_build_chain(struct ike_builder *b, uint8_t *buf, size_t cap);
/* Type of the first payload in the chain, IKE_PL_NONE when empty. */
uint8_t ike_build_first(const struct ike_builder *b);

int ike_build_sa(struct ike_builder *b, const struct ike_sa_payload *sa);
int ike_build_ke(struct ike_builder *b, uint16_t group,
		 const uint8_t *data, size_t len);
int ike_build_nonce(struct ike_builder *b, const uint8_t *n, size_t len);
/* @pltype is IKE_PL_IDI or IKE_PL_IDR. */
int ike_build_id(struct ike_builder *b, uint8_t pltype,
		 const struct ike_id *id);
int ike_build_auth(struct ike_builder *b, uint8_t method,
		   const uint8_t *data, size_t len);
int ike_build_notify(struct ike_builder *b, const struct ike_notify *n);
int ike_build_delete(struct ike_builder *b, const struct ike_delete *d);
/* @pltype is IKE_PL_TSI or IKE_PL_TSR. */
int ike_build_ts(struct ike_builder *b, uint8_t pltype,
		 const struct ike_ts_payload *ts);
int ike_build_vendor(struct ike_builder *b, const uint8_t *data, size_t len);
/* CERT of @c->encoding; data 1 to IKE_CERT_MAX octets. */
int ike_build_cert(struct ike_builder *b, const struct ike_cert *c);
/* CERTREQ; for IKE_CERT_X509_SIG @cr->cas.len must be a multiple of 20. */
int ike_build_certreq(struct ike_builder *b, const struct ike_certreq *cr);
/* Any payload given as raw body (CP, unknown...). */
int ike_build_raw(struct ike_builder *b, uint8_t type, bool critical,
		  const uint8_t *body, size_t len);
/*
 * Reserve an SK payload with @body_len octets of body whose first inner
 * payload is @first; returns the body offset or -1. Used by sk.c.
 */
long ike_build_sk_reserve(struct ike_builder *b, uint8_t first,
			  size_t body_len);
/*
 * The same for an SKF payload (RFC 7383 2.5): Fragment Number @num of
 * @total are written before the body; returns the offset of the IV.
 */
long ike_build_skf_reserve(struct ike_builder *b, uint8_t first, uint16_t num,
			   uint16_t total, size_t body_len);
/* Write the header length; returns the total length or -1. */
long ike_build_finish(struct ike_builder *b);

/*
 * Re-encode a decoded message payload by payload in the order received.
 * The SK payload is copied opaque and inner payloads are skipped, so a
 * message that was received in canonical form comes back byte-identical.
 * Returns the length or -1.
 */
long ike_msg_encode(const struct ike_msg *m, uint8_t *buf, size_t cap);
/* Re-encode the inner (decrypted) payloads of @m as a bare chain. */
long ike_msg_encode_inner(const struct ike_msg *m, uint8_t *buf, size_t cap,
			  uint8_t *first);

#endif /* ESPIKED_MSG_H */
