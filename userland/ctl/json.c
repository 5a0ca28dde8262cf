// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Streaming JSON writer (see json.h).
 */

#include <inttypes.h>
#include <stddef.h>

#include "json.h"

void espctl_json_init(struct espctl_json *j, FILE *f, bool pretty)
{
	j->f = f;
	j->pretty = pretty;
	j->depth = 0;
	j->count[0] = 0;
}

/* Length of the valid UTF-8 sequence at @s, or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;	/* overlong, out of range or a surrogate */
	return n;
}

/**
 * espctl_json_escape() - write @s as a JSON string, quotes included
 * @f: destination
 * @s: NUL-terminated bytes
 *
 * Quotes, backslashes and control characters are escaped; bytes that are
 * not valid UTF-8 are written as U+FFFD so the output is always valid.
 */
void espctl_json_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	fputc('"', f);
	while (*p) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(f, "\\u%04x", *p);
				break;
			}
			n = utf8_len(p);
			if (!n) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(p, 1, n, f);
			p += n;
			continue;
		}
		p++;
	}
	fputc('"', f);
}

/* Comma, newline and indentation before a member, then its key. */
static void member(struct espctl_json *j, const char *key)
{
	int i;

	if (j->count[j->depth]++)
		fputc(',', j->f);
	if (j->pretty && j->depth) {
		fputc('\n', j->f);
		for (i = 0; i < j->depth; i++)
			fputc('\t', j->f);
	}
	if (key) {
		espctl_json_escape(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

static void open_nest(struct espctl_json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->f);
	if (j->depth < ESPCTL_JSON_DEPTH - 1)
		j->depth++;
	j->count[j->depth] = 0;
}

static void close_nest(struct espctl_json *j, char c)
{
	bool empty = !j->count[j->depth];
	int i;

	if (j->depth)
		j->depth--;
	if (j->pretty && !empty) {
		fputc('\n', j->f);
		for (i = 0; i < j->depth; i++)
			fputc('\t', j->f);
	}
	fputc(c, j->f);
}

void espctl_json_obj_open(struct espctl_json *j, const char *key)
{
	open_nest(j, key, '{');
}

void espctl_json_obj_close(struct espctl_json *j)
{
	close_nest(j, '}');
}

void espctl_json_arr_open(struct espctl_json *j, const char *key)
{
	open_nest(j, key, '[');
}

void espctl_json_arr_close(struct espctl_json *j)
{
	close_nest(j, ']');
}

void espctl_json_str(struct espctl_json *j, const char *key, const char *v)
{
	member(j, key);
	espctl_json_escape(j->f, v);
}

void espctl_json_u64(struct espctl_json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void espctl_json_bool(struct espctl_json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void espctl_json_null(struct espctl_json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

/* Ends the document with a newline. */
void espctl_json_end(struct espctl_json *j)
{
	fputc('\n', j->f);
}
