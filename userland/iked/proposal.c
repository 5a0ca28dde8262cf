// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * proposal.c - strongSwan-style proposal strings and proposal selection.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "proposal.h"

#define FOR_IKE	0x1
#define FOR_ESP	0x2

/**
 * struct alg_token - one algorithm keyword
 * @name: keyword as written in a proposal
 * @type: transform type
 * @id: transform ID
 * @keylen: Key Length attribute in bits, 0 for none
 * @protos: FOR_IKE and/or FOR_ESP
 */
struct alg_token {
	const char *name;
	uint8_t type;
	uint16_t id;
	uint16_t keylen;
	uint8_t protos;
};

/* The first entry for a (type, id, keylen) is the name used by format. */
static const struct alg_token tokens[] = {
	{ "aes128",	 IKE_XF_ENCR, IKE_ENCR_AES_CBC, 128, FOR_IKE | FOR_ESP },
	{ "aes192",	 IKE_XF_ENCR, IKE_ENCR_AES_CBC, 192, FOR_IKE | FOR_ESP },
	{ "aes256",	 IKE_XF_ENCR, IKE_ENCR_AES_CBC, 256, FOR_IKE | FOR_ESP },
	{ "aes",	 IKE_XF_ENCR, IKE_ENCR_AES_CBC, 128, FOR_IKE | FOR_ESP },
	{ "aes128gcm16", IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 128, FOR_IKE | FOR_ESP },
	{ "aes192gcm16", IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 192, FOR_IKE | FOR_ESP },
	{ "aes256gcm16", IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256, FOR_IKE | FOR_ESP },
	{ "aes128gcm128", IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 128, FOR_IKE | FOR_ESP },
	{ "aes192gcm128", IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 192, FOR_IKE | FOR_ESP },
	{ "aes256gcm128", IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256, FOR_IKE | FOR_ESP },
	{ "chacha20poly1305", IKE_XF_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0, FOR_IKE | FOR_ESP },
	{ "sha256",	 IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0, FOR_IKE | FOR_ESP },
	{ "sha2_256",	 IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0, FOR_IKE | FOR_ESP },
	{ "sha384",	 IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0, FOR_IKE | FOR_ESP },
	{ "sha2_384",	 IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0, FOR_IKE | FOR_ESP },
	{ "sha512",	 IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0, FOR_IKE | FOR_ESP },
	{ "sha2_512",	 IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0, FOR_IKE | FOR_ESP },
	{ "sha1",	 IKE_XF_INTEG, IKE_INTEG_HMAC_SHA1_96, 0, FOR_IKE | FOR_ESP },
	{ "prfsha1",	 IKE_XF_PRF, IKE_PRF_HMAC_SHA1, 0, FOR_IKE },
	{ "prfsha256",	 IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0, FOR_IKE },
	{ "prfsha384",	 IKE_XF_PRF, IKE_PRF_HMAC_SHA2_384, 0, FOR_IKE },
	{ "prfsha512",	 IKE_XF_PRF, IKE_PRF_HMAC_SHA2_512, 0, FOR_IKE },
	{ "modp2048",	 IKE_XF_DH, IKE_DH_MODP2048, 0, FOR_IKE | FOR_ESP },
	{ "ecp256",	 IKE_XF_DH, IKE_DH_ECP256, 0, FOR_IKE | FOR_ESP },
	{ "ecp384",	 IKE_XF_DH, IKE_DH_ECP384, 0, FOR_IKE | FOR_ESP },
	{ "x25519",	 IKE_XF_DH, IKE_DH_CURVE25519, 0, FOR_IKE | FOR_ESP },
	{ "curve25519",	 IKE_XF_DH, IKE_DH_CURVE25519, 0, FOR_IKE | FOR_ESP },
	{ "noesn",	 IKE_XF_ESN, IKE_ESN_NO, 0, FOR_ESP },
	{ "esn",	 IKE_XF_ESN, IKE_ESN_YES, 0, FOR_ESP },
};

#define NTOKENS (sizeof(tokens) / sizeof(tokens[0]))

static bool is_aead(uint16_t encr)
{
	return encr == IKE_ENCR_AES_GCM_16 || encr == IKE_ENCR_CHACHA20_POLY1305;
}

static bool same_xf(const struct ike_transform *a, const struct ike_transform *b)
{
	return a->type == b->type && a->id == b->id && a->keylen == b->keylen;
}

static bool has_xf(const struct ike_proposal *p, const struct ike_transform *t)
{
	for (unsigned int i = 0; i < p->ntransforms; i++)
		if (same_xf(&p->xf[i], t))
			return true;
	return false;
}

static unsigned int count_type(const struct ike_proposal *p, uint8_t type)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < p->ntransforms; i++)
		n += p->xf[i].type == type;
	return n;
}

const struct ike_transform *ike_proposal_get(const struct ike_proposal *p,
					     uint8_t type)
{
	for (unsigned int i = 0; i < p->ntransforms; i++)
		if (p->xf[i].type == type)
			return &p->xf[i];
	return NULL;
}

static int add_xf(struct ike_proposal *p, uint8_t type, uint16_t id,
		  uint16_t keylen)
{
	struct ike_transform t = { .type = type, .id = id, .keylen = keylen };

	if (has_xf(p, &t))
		return 0;
	if (p->ntransforms == IKE_MAX_TRANSFORMS)
		return -1;
	p->xf[p->ntransforms++] = t;
	return 0;
}

/* Put transforms in RFC order of types (ENCR, PRF, INTEG, DH, ESN). */
static void sort_types(struct ike_proposal *p)
{
	static const uint8_t order[] = { IKE_XF_ENCR, IKE_XF_PRF, IKE_XF_INTEG,
					 IKE_XF_DH, IKE_XF_ESN };
	struct ike_transform tmp[IKE_MAX_TRANSFORMS];
	unsigned int n = 0;

	for (unsigned int o = 0; o < sizeof(order); o++)
		for (unsigned int i = 0; i < p->ntransforms; i++)
			if (p->xf[i].type == order[o])
				tmp[n++] = p->xf[i];
	memcpy(p->xf, tmp, n * sizeof(tmp[0]));
	p->ntransforms = (uint8_t)n;
}

static uint16_t prf_for_integ(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:	  return IKE_PRF_HMAC_SHA1;
	case IKE_INTEG_HMAC_SHA2_256_128: return IKE_PRF_HMAC_SHA2_256;
	case IKE_INTEG_HMAC_SHA2_384_192: return IKE_PRF_HMAC_SHA2_384;
	case IKE_INTEG_HMAC_SHA2_512_256: return IKE_PRF_HMAC_SHA2_512;
	default:			  return 0;
	}
}

/* The algorithm named by the @len characters at @s, or NULL. */
static const struct alg_token *find_token(const char *s, size_t len)
{
	for (size_t i = 0; i < NTOKENS; i++)
		if (strlen(tokens[i].name) == len && !strncmp(tokens[i].name, s, len))
			return &tokens[i];
	return NULL;
}

/*
 * The dash-separated algorithm names of @str (a @pname proposal, of the
 * protocols in @mask) into @out, noting in *@aead and *@classic whether an
 * AEAD or a non-AEAD cipher was among them. 0, or -1 with the error in @err.
 */
static int parse_algs(const char *str, const char *pname, unsigned int mask,
		      struct ike_proposal *out, bool *aead, bool *classic, char *err,
		      size_t errlen)
{
	const char *s = str;

	while (*s) {
		const char *dash = strchr(s, '-');
		size_t len = dash ? (size_t)(dash - s) : strlen(s);
		const struct alg_token *tok;

		if (len == 0)
			return ike_errf(err, errlen, "%s proposal '%s': empty algorithm name", pname, str);
		tok = find_token(s, len);
		if (!tok)
			return ike_errf(err, errlen, "%s proposal '%s': unknown algorithm '%.*s'",
				    pname, str, (int)len, s);
		if (!(tok->protos & mask))
			return ike_errf(err, errlen, "%s proposal '%s': '%s' is not valid in an %s proposal",
				    pname, str, tok->name, pname);
		if (tok->type == IKE_XF_ENCR) {
			if (is_aead(tok->id))
				*aead = true;
			else
				*classic = true;
		}
		if (add_xf(out, tok->type, tok->id, tok->keylen))
			return ike_errf(err, errlen, "%s proposal '%s': more than %d algorithms",
				    pname, str, IKE_MAX_TRANSFORMS);
		s += len;
		if (*s == '-') {
			s++;
			if (!*s)
				return ike_errf(err, errlen, "%s proposal '%s': ends with '-'", pname, str);
		}
	}
	return 0;
}

/*
 * The cipher of @out (a @pname proposal @str): one at least, AEAD or not but
 * not both, with an integrity algorithm exactly when it is not AEAD. 0, or -1
 * with the error in @err.
 */
static int check_ciphers(const char *str, const char *pname, const struct ike_proposal *out,
			 bool aead, bool classic, char *err, size_t errlen)
{
	if (!count_type(out, IKE_XF_ENCR))
		return ike_errf(err, errlen, "%s proposal '%s': no encryption algorithm", pname, str);
	if (aead && classic)
		return ike_errf(err, errlen, "%s proposal '%s': AEAD and non-AEAD ciphers cannot be mixed in one proposal",
			    pname, str);
	if (aead && count_type(out, IKE_XF_INTEG))
		return ike_errf(err, errlen, "%s proposal '%s': an AEAD cipher takes no integrity algorithm",
			    pname, str);
	if (classic && !count_type(out, IKE_XF_INTEG))
		return ike_errf(err, errlen, "%s proposal '%s': no integrity algorithm for the non-AEAD cipher",
			    pname, str);
	return 0;
}

/*
 * What the protocol of @out (proposal @str) needs besides the cipher: for IKE a
 * PRF (the one of each integrity algorithm when none is given; an AEAD cipher
 * needs it explicit) and a DH group, for ESP an ESN transform (no ESN when none
 * is given). 0, or -1 with the error in @err.
 */
static int complete_for_proto(const char *str, uint8_t proto, struct ike_proposal *out,
			      bool aead, char *err, size_t errlen)
{
	if (proto == IKE_PROTO_IKE) {
		if (!count_type(out, IKE_XF_PRF)) {
			if (aead)
				return ike_errf(err, errlen, "IKE proposal '%s': an AEAD cipher needs an explicit PRF (e.g. prfsha256)",
					    str);
			for (unsigned int i = 0, n = out->ntransforms; i < n; i++)
				if (out->xf[i].type == IKE_XF_INTEG &&
				    add_xf(out, IKE_XF_PRF, prf_for_integ(out->xf[i].id), 0))
					return ike_errf(err, errlen, "IKE proposal '%s': too many algorithms", str);
		}
		if (!count_type(out, IKE_XF_DH))
			return ike_errf(err, errlen, "IKE proposal '%s': no Diffie-Hellman group", str);
	} else if (!count_type(out, IKE_XF_ESN) &&
		   add_xf(out, IKE_XF_ESN, IKE_ESN_NO, 0)) {
		return ike_errf(err, errlen, "ESP proposal '%s': too many algorithms", str);
	}
	return 0;
}

int ike_proposal_parse(const char *str, uint8_t proto,
		       struct ike_proposal *out, char *err, size_t errlen)
{
	const char *pname = proto == IKE_PROTO_IKE ? "IKE" : "ESP";
	unsigned int mask = proto == IKE_PROTO_IKE ? FOR_IKE : FOR_ESP;
	bool aead = false, classic = false;

	memset(out, 0, sizeof(*out));
	out->num = 1;
	out->proto = proto;
	if (proto != IKE_PROTO_IKE && proto != IKE_PROTO_ESP)
		return ike_errf(err, errlen, "proposal '%s': protocol %u is not IKE or ESP", str, proto);
	if (!*str)
		return ike_errf(err, errlen, "empty %s proposal", pname);
	if (parse_algs(str, pname, mask, out, &aead, &classic, err, errlen) ||
	    check_ciphers(str, pname, out, aead, classic, err, errlen) ||
	    complete_for_proto(str, proto, out, aead, err, errlen))
		return -1;
	sort_types(out);
	return 0;
}

int ike_proposal_list_parse(const char *str, uint8_t proto,
			    struct ike_sa_payload *out, char *err,
			    size_t errlen)
{
	char one[256];
	const char *s = str;

	memset(out, 0, sizeof(*out));
	do {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);

		if (len >= sizeof(one))
			return ike_errf(err, errlen, "proposal '%.40s...' is too long", s);
		if (out->nprops == IKE_MAX_PROPOSALS)
			return ike_errf(err, errlen, "more than %d proposals in '%s'",
				    IKE_MAX_PROPOSALS, str);
		memcpy(one, s, len);
		one[len] = 0;
		if (ike_proposal_parse(one, proto, &out->prop[out->nprops], err, errlen))
			return -1;
		out->prop[out->nprops].num = out->nprops + 1;
		out->nprops++;
		s = comma ? comma + 1 : NULL;
	} while (s);
	return 0;
}

int ike_proposal_format(const struct ike_proposal *p, char *buf, size_t len)
{
	size_t off = 0;
	int n;

	if (len)
		buf[0] = 0;
	for (unsigned int i = 0; i < p->ntransforms; i++) {
		const struct ike_transform *t = &p->xf[i];
		const char *name = NULL;
		char tmp[24];

		if (t->type == IKE_XF_INTEG && t->id == IKE_INTEG_NONE)
			continue;	/* AEAD peers sometimes send it */
		for (size_t k = 0; k < NTOKENS && !name; k++)
			if (tokens[k].type == t->type && tokens[k].id == t->id &&
			    tokens[k].keylen == t->keylen)
				name = tokens[k].name;
		if (!name) {
			if (t->keylen)
				snprintf(tmp, sizeof(tmp), "%u:%u/%u", t->type, t->id, t->keylen);
			else
				snprintf(tmp, sizeof(tmp), "%u:%u", t->type, t->id);
			name = tmp;
		}
		n = snprintf(off < len ? buf + off : NULL, off < len ? len - off : 0,
			     "%s%s", off ? "-" : "", name);
		if (n < 0)
			return n;
		off += (size_t)n;
	}
	return (int)off;
}

/*
 * Transforms of @type in @p that count for selection: INTEG NONE is
 * treated as absent, and a missing ESN in ESP means "no ESN".
 */
static unsigned int relevant(const struct ike_proposal *p, uint8_t type,
			     const struct ike_transform **out)
{
	static const struct ike_transform noesn = { IKE_XF_ESN, IKE_ESN_NO, 0, false };
	unsigned int n = 0;

	for (unsigned int i = 0; i < p->ntransforms; i++) {
		const struct ike_transform *t = &p->xf[i];

		if (t->type != type)
			continue;
		if (type == IKE_XF_INTEG && t->id == IKE_INTEG_NONE)
			continue;
		out[n++] = t;
	}
	if (n == 0 && type == IKE_XF_ESN && p->proto != IKE_PROTO_IKE)
		out[n++] = &noesn;
	return n;
}

/* Does @offered satisfy @mine? Fill @chosen with our preferred choice. */
static bool match(const struct ike_proposal *mine,
		  const struct ike_proposal *offered, unsigned int flags,
		  struct ike_proposal *chosen)
{
	const struct ike_transform *m[IKE_MAX_TRANSFORMS + 1];
	const struct ike_transform *o[IKE_MAX_TRANSFORMS + 1];

	if (mine->proto != offered->proto)
		return false;
	for (unsigned int i = 0; i < offered->ntransforms; i++)
		if (offered->xf[i].unknown_attr || offered->xf[i].type == 0 ||
		    offered->xf[i].type > IKE_XF_MAX)
			return false;	/* RFC 7296 3.3.6: reject the proposal */

	memset(chosen, 0, sizeof(*chosen));
	chosen->num = offered->num;
	chosen->proto = offered->proto;
	chosen->spi_size = offered->spi_size;
	memcpy(chosen->spi, offered->spi, sizeof(chosen->spi));
	for (uint8_t type = IKE_XF_ENCR; type <= IKE_XF_MAX; type++) {
		unsigned int nm = relevant(mine, type, m);
		unsigned int no = relevant(offered, type, o);
		bool found = false;

		if (type == IKE_XF_DH && (flags & IKE_SEL_IGNORE_DH))
			continue;
		if (nm == 0 && no == 0)
			continue;
		if (type == IKE_XF_DH && nm == 0) {
			/* Peer wants PFS, we don't: accept only if NONE offered. */
			for (unsigned int j = 0; j < no; j++)
				found |= o[j]->id == IKE_DH_NONE;
			if (!found)
				return false;
			continue;
		}
		for (unsigned int i = 0; i < nm && !found; i++)
			for (unsigned int j = 0; j < no && !found; j++)
				if (same_xf(m[i], o[j])) {
					chosen->xf[chosen->ntransforms++] = *m[i];
					found = true;
				}
		if (!found)
			return false;
	}
	return true;
}

static bool same_proposal(const struct ike_proposal *a, const struct ike_proposal *b)
{
	if (a->proto != b->proto || a->ntransforms != b->ntransforms)
		return false;
	for (unsigned int i = 0; i < a->ntransforms; i++)
		if (!same_xf(&a->xf[i], &b->xf[i]))
			return false;
	return true;
}

void ike_proposal_strip_dh(struct ike_sa_payload *sa)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < sa->nprops; i++) {
		struct ike_proposal p = sa->prop[i];
		unsigned int k = 0;
		bool dup = false;

		for (unsigned int j = 0; j < p.ntransforms; j++)
			if (p.xf[j].type != IKE_XF_DH)
				p.xf[k++] = p.xf[j];
		p.ntransforms = (uint8_t)k;
		for (unsigned int j = 0; j < n && !dup; j++)
			dup = same_proposal(&sa->prop[j], &p);
		if (dup)
			continue;
		p.num = (uint8_t)(n + 1);
		sa->prop[n++] = p;
	}
	sa->nprops = (uint8_t)n;
}

static void describe(const struct ike_sa_payload *sa, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < sa->nprops && off + 1 < len; i++) {
		if (off)
			buf[off++] = ',';
		buf[off] = 0;
		off += (size_t)ike_proposal_format(&sa->prop[i], buf + off, len - off);
		if (off >= len)
			off = len - 1;
	}
}

int ike_proposal_select(const struct ike_sa_payload *mine,
			const struct ike_sa_payload *offered, unsigned int flags,
			struct ike_proposal *chosen, char *err, size_t errlen)
{
	char ours[256], theirs[256];

	for (unsigned int i = 0; i < mine->nprops; i++)
		for (unsigned int j = 0; j < offered->nprops; j++)
			if (match(&mine->prop[i], &offered->prop[j], flags, chosen))
				return 0;
	describe(mine, ours, sizeof(ours));
	describe(offered, theirs, sizeof(theirs));
	return ike_errf(err, errlen, "no proposal chosen: peer offered %s, we accept %s",
		    theirs, ours);
}

int ike_proposal_check_answer(const struct ike_sa_payload *mine,
			      const struct ike_sa_payload *answer,
			      unsigned int flags, char *err, size_t errlen)
{
	const struct ike_proposal *a;
	struct ike_proposal chosen;
	char got[128];

	if (answer->nprops != 1)
		return ike_errf(err, errlen, "responder returned %u proposals, expected 1",
			    answer->nprops);
	a = &answer->prop[0];
	ike_proposal_format(a, got, sizeof(got));
	for (uint8_t type = IKE_XF_ENCR; type <= IKE_XF_MAX; type++)
		if (count_type(a, type) > 1)
			return ike_errf(err, errlen, "responder's proposal %s has several transforms of type %u",
				    got, type);
	for (unsigned int i = 0; i < mine->nprops; i++) {
		struct ike_proposal tmp = *a;

		/* The answer must match one of ours exactly, number aside. */
		tmp.num = mine->prop[i].num;
		if (mine->prop[i].num == a->num &&
		    match(&tmp, &mine->prop[i], flags, &chosen) &&
		    match(&mine->prop[i], &tmp, flags, &chosen))
			return 0;
	}
	return ike_errf(err, errlen, "responder chose %s (proposal %u), which we did not offer",
		    got, a->num);
}
