// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ts.c - traffic selectors: the configuration's prefixes become address
 * ranges on the wire (RFC 7296 3.13.1); the responder narrows the
 * initiator's ranges to its policy (2.9); negotiated ranges become prefix
 * lists again for the espvti module, which selects by address only (any
 * protocol, any port).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

static unsigned int ts_alen(uint8_t type)
{
	return type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
}

static bool ts_any_port(const struct ike_ts *t)
{
	return t->ipproto == 0 && t->sport == 0 && t->eport == 65535;
}

static void prefix_range(const struct ts_prefix *p, struct ike_ts *t)
{
	unsigned int alen = p->family == AF_INET ? 4 : 16;

	memset(t, 0, sizeof(*t));
	t->type = p->family == AF_INET ? IKE_TS_IPV4_ADDR_RANGE : IKE_TS_IPV6_ADDR_RANGE;
	t->eport = 65535;
	memcpy(t->saddr, p->addr, alen);
	memcpy(t->eaddr, p->addr, alen);
	for (unsigned int bit = p->plen; bit < alen * 8; bit++)
		t->eaddr[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
}

void ts_from_prefixes(const struct ts_prefix *p, unsigned int n, struct ike_ts_payload *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < n && i < IKE_MAX_TS; i++)
		prefix_range(&p[i], &out->ts[out->nts++]);
}

/* Does the prefix @plen starting at @a end at or before @end? Sets @last. */
static bool prefix_fits(const uint8_t *a, unsigned int plen, unsigned int alen,
			const uint8_t *end, uint8_t *last)
{
	for (unsigned int bit = plen; bit < alen * 8; bit++)
		if (a[bit / 8] & (0x80 >> (bit % 8)))
			return false;	/* @a is not aligned to /plen */
	memcpy(last, a, alen);
	for (unsigned int bit = plen; bit < alen * 8; bit++)
		last[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	return memcmp(last, end, alen) <= 0;
}

/* Smallest set of prefixes covering the range of @t; -1 if over @max. */
static int range_prefixes(const struct ike_ts *t, struct ts_prefix *out, unsigned int *n,
			  unsigned int max)
{
	unsigned int alen = ts_alen(t->type);
	uint8_t cur[16], last[16];

	if (memcmp(t->saddr, t->eaddr, alen) > 0)
		return -1;	/* empty range */
	memcpy(cur, t->saddr, alen);
	for (;;) {
		unsigned int plen;
		int i;

		for (plen = 0; plen <= alen * 8; plen++)
			if (prefix_fits(cur, plen, alen, t->eaddr, last))
				break;
		if (*n == max)
			return -1;
		out[*n].family = alen == 4 ? AF_INET : AF_INET6;
		memset(out[*n].addr, 0, sizeof(out[*n].addr));
		memcpy(out[*n].addr, cur, alen);
		out[*n].plen = (uint8_t)plen;
		(*n)++;
		if (!memcmp(last, t->eaddr, alen))
			return 0;
		/* cur = last + 1 (no overflow: last < end) */
		memcpy(cur, last, alen);
		for (i = (int)alen - 1; i >= 0 && ++cur[i] == 0; i--)
			;
	}
}

static bool intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out)
{
	unsigned int alen = ts_alen(a->type);

	if (a->type != b->type)
		return false;
	memset(out, 0, sizeof(*out));
	out->type = a->type;
	out->eport = 65535;
	memcpy(out->saddr, memcmp(a->saddr, b->saddr, alen) > 0 ? a->saddr : b->saddr, alen);
	memcpy(out->eaddr, memcmp(a->eaddr, b->eaddr, alen) < 0 ? a->eaddr : b->eaddr, alen);
	return memcmp(out->saddr, out->eaddr, alen) <= 0;
}

int ts_narrow(const struct ike_ts_payload *offered, const struct ts_prefix *mine,
	      unsigned int nmine, struct ike_ts_payload *out, struct ts_prefix *prefixes,
	      unsigned int *nprefixes)
{
	memset(out, 0, sizeof(*out));
	*nprefixes = 0;
	for (unsigned int i = 0; i < offered->nts; i++) {
		if (!ts_any_port(&offered->ts[i]))
			continue;	/* espvti cannot select by protocol or port */
		for (unsigned int j = 0; j < nmine; j++) {
			struct ike_ts r, x;

			prefix_range(&mine[j], &r);
			if (!intersect(&offered->ts[i], &r, &x) || out->nts == IKE_MAX_TS)
				continue;
			if (range_prefixes(&x, prefixes, nprefixes, CONF_MAX_TS))
				return -1;
			out->ts[out->nts++] = x;
		}
	}
	return out->nts ? 0 : -1;
}

int ts_check_answer(const struct ike_ts_payload *answer, const struct ts_prefix *mine,
		    unsigned int nmine, struct ts_prefix *prefixes, unsigned int *nprefixes)
{
	*nprefixes = 0;
	if (!answer->nts)
		return -1;
	for (unsigned int i = 0; i < answer->nts; i++) {
		const struct ike_ts *t = &answer->ts[i];
		unsigned int alen = ts_alen(t->type);
		bool inside = false;

		if (!ts_any_port(t))
			return -1;
		for (unsigned int j = 0; j < nmine && !inside; j++) {
			struct ike_ts r;

			prefix_range(&mine[j], &r);
			inside = r.type == t->type && memcmp(t->saddr, r.saddr, alen) >= 0 &&
				 memcmp(t->eaddr, r.eaddr, alen) <= 0;
		}
		if (!inside || range_prefixes(t, prefixes, nprefixes, CONF_MAX_TS))
			return -1;
	}
	return 0;
}

void ts_format(const struct ike_ts_payload *ts, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	if (!ts->nts)
		snprintf(buf, len, "(none)");
	for (unsigned int i = 0; i < ts->nts && off < len; i++) {
		const struct ike_ts *t = &ts->ts[i];
		int fam = t->type == IKE_TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;
		struct ts_prefix p[CONF_MAX_TS];
		char s[INET6_ADDRSTRLEN], e[INET6_ADDRSTRLEN];
		unsigned int n = 0;

		inet_ntop(fam, t->saddr, s, sizeof(s));
		inet_ntop(fam, t->eaddr, e, sizeof(e));
		if (!range_prefixes(t, p, &n, 1))
			off += (size_t)snprintf(buf + off, len - off, "%s%s/%u", i ? "," : "", s,
						p[0].plen);
		else
			off += (size_t)snprintf(buf + off, len - off, "%s%s-%s", i ? "," : "", s, e);
		if (off < len && !ts_any_port(t))
			off += (size_t)snprintf(buf + off, len - off, "[proto %u ports %u-%u]",
						t->ipproto, t->sport, t->eport);
	}
}
