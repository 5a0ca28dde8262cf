// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * json_test.c - espctl's JSON writer (userland/ctl/json.c): string escaping
 * (quotes, backslashes, control characters, valid and invalid UTF-8) and
 * whole documents, compact and pretty, written to memory streams and
 * compared byte for byte.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_test.h"
#include "json.h"

/* ---- espctl_json_escape ---- */

static void esc(const char *name, const char *in, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		t_ok(false, "escape %s: open_memstream failed", name);
		return;
	}
	espctl_json_escape(f, in);
	fclose(f);
	t_ok(t_streq(buf, want) && len == strlen(want), "escape %s", name);
	free(buf);
}

static void test_escape(void)
{
	esc("empty string", "", "\"\"");
	esc("plain ASCII", "esp0", "\"esp0\"");
	esc("printable ASCII untouched", " !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~",
	    "\" !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~\"");
	esc("double quote", "a\"b", "\"a\\\"b\"");
	esc("backslash", "a\\b", "\"a\\\\b\"");
	esc("quote and backslash pairs", "\\\"\\\"", "\"\\\\\\\"\\\\\\\"\"");
	esc("named control escapes", "\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
	esc("other control characters as \\u00XX", "\x01\x02\x1b\x1e\x1f",
	    "\"\\u0001\\u0002\\u001b\\u001e\\u001f\"");
	esc("DEL as \\u007f", "a\x7f" "b", "\"a\\u007fb\"");
	esc("terminal escape sequence", "\x1b[31mred", "\"\\u001b[31mred\"");
	esc("solidus not escaped", "a/b", "\"a/b\"");

	/* Valid UTF-8 passes through, at every length and boundary. */
	esc("U+0080 (2 bytes)", "\xc2\x80", "\"\xc2\x80\"");
	esc("U+00E9", "caf\xc3\xa9", "\"caf\xc3\xa9\"");
	esc("U+07FF", "\xdf\xbf", "\"\xdf\xbf\"");
	esc("U+0800 (3 bytes)", "\xe0\xa0\x80", "\"\xe0\xa0\x80\"");
	esc("U+20AC", "\xe2\x82\xac", "\"\xe2\x82\xac\"");
	esc("U+D7FF (below the surrogates)", "\xed\x9f\xbf", "\"\xed\x9f\xbf\"");
	esc("U+E000 (above the surrogates)", "\xee\x80\x80", "\"\xee\x80\x80\"");
	esc("U+FFFF", "\xef\xbf\xbf", "\"\xef\xbf\xbf\"");
	esc("U+10000 (4 bytes)", "\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");
	esc("U+1F600", "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
	esc("U+10FFFF", "\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");

	/* Invalid UTF-8: each bad byte becomes U+FFFD, the rest survives. */
	esc("lone continuation byte", "a\x80z", "\"a\\ufffdz\"");
	esc("byte 0xff", "\xff", "\"\\ufffd\"");
	esc("byte 0xfe", "\xfe", "\"\\ufffd\"");
	esc("overlong 2-byte (0xc0 0x80)", "\xc0\x80", "\"\\ufffd\\ufffd\"");
	esc("overlong 2-byte (0xc1 0xbf)", "\xc1\xbf", "\"\\ufffd\\ufffd\"");
	esc("overlong 3-byte", "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	esc("overlong 4-byte", "\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	esc("UTF-16 surrogate U+D800", "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	esc("UTF-16 surrogate U+DFFF", "\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");
	esc("beyond U+10FFFF", "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	esc("lead byte 0xf5", "\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	esc("truncated at the end", "a\xc3", "\"a\\ufffd\"");
	esc("truncated 3-byte at the end", "\xe2\x82", "\"\\ufffd\\ufffd\"");
	esc("truncated before ASCII", "\xe2\x82x", "\"\\ufffd\\ufffdx\"");
	esc("lead byte then a quote", "\xc3\"", "\"\\ufffd\\\"\"");
	esc("lead byte then a newline", "\xc3\n", "\"\\ufffd\\n\"");
	esc("valid then stray continuation", "\xc3\xa9\xa9", "\"\xc3\xa9\\ufffd\"");
	esc("mixed", "e\xcc\x81\x80\"\\\x01", "\"e\xcc\x81\\ufffd\\\"\\\\\\u0001\"");
}

/* ---- documents ---- */

/**
 * struct doc - a JSON document being written to memory
 * @j: the writer
 * @f: its stream
 * @buf: the text, once doc_done() has closed @f
 * @len: its length
 */
struct doc {
	struct espctl_json j;
	FILE *f;
	char *buf;
	size_t len;
};

static struct espctl_json *doc_open(struct doc *d, bool pretty)
{
	d->buf = NULL;
	d->len = 0;
	d->f = open_memstream(&d->buf, &d->len);
	if (!d->f) {
		perror("open_memstream");
		exit(2);
	}
	espctl_json_init(&d->j, d->f, pretty);
	return &d->j;
}

/* Closes the document and compares it with @want. */
static void doc_check(struct doc *d, const char *name, const char *want)
{
	fclose(d->f);
	t_ok(t_streq(d->buf, want) && d->len == strlen(want), "%s", name);
	free(d->buf);
}

static void write_scalars(struct espctl_json *j)
{
	espctl_json_obj_open(j, NULL);
	espctl_json_str(j, "s", "v");
	espctl_json_u64(j, "zero", 0);
	espctl_json_u64(j, "u32max", UINT32_MAX);
	espctl_json_u64(j, "max", UINT64_MAX);
	espctl_json_bool(j, "t", true);
	espctl_json_bool(j, "f", false);
	espctl_json_null(j, "n");
	espctl_json_obj_close(j);
	espctl_json_end(j);
}

static void write_nested(struct espctl_json *j)
{
	espctl_json_obj_open(j, NULL);
	espctl_json_arr_open(j, "a");
	espctl_json_u64(j, NULL, 1);
	espctl_json_u64(j, NULL, 2);
	espctl_json_obj_open(j, NULL);
	espctl_json_arr_open(j, "b");
	espctl_json_arr_close(j);
	espctl_json_obj_close(j);
	espctl_json_arr_close(j);
	espctl_json_obj_open(j, "c");
	espctl_json_obj_close(j);
	espctl_json_str(j, "d", "x");
	espctl_json_obj_close(j);
	espctl_json_end(j);
}

/* The shape of `espctl show --json`: an array of device objects. */
static void write_devices(struct espctl_json *j)
{
	espctl_json_arr_open(j, NULL);
	espctl_json_obj_open(j, NULL);
	espctl_json_str(j, "ifname", "esp0");
	espctl_json_null(j, "local");
	espctl_json_arr_open(j, "ts_local");
	espctl_json_str(j, NULL, "10.0.0.0/8");
	espctl_json_str(j, NULL, "2001:db8::/32");
	espctl_json_arr_close(j);
	espctl_json_arr_open(j, "sas");
	espctl_json_arr_close(j);
	espctl_json_obj_close(j);
	espctl_json_obj_open(j, NULL);
	espctl_json_str(j, "ifname", "esp1");
	espctl_json_obj_close(j);
	espctl_json_arr_close(j);
	espctl_json_end(j);
}

static void test_documents(void)
{
	struct espctl_json *j;
	struct doc d;
	char want[512], *p;
	int i, levels = ESPCTL_JSON_DEPTH - 1;

	j = doc_open(&d, false);
	espctl_json_obj_open(j, NULL);
	espctl_json_obj_close(j);
	espctl_json_end(j);
	doc_check(&d, "compact empty object", "{}\n");

	j = doc_open(&d, true);
	espctl_json_obj_open(j, NULL);
	espctl_json_obj_close(j);
	espctl_json_end(j);
	doc_check(&d, "pretty empty object", "{}\n");

	j = doc_open(&d, false);
	espctl_json_arr_open(j, NULL);
	espctl_json_arr_close(j);
	espctl_json_end(j);
	doc_check(&d, "compact empty array", "[]\n");

	j = doc_open(&d, true);
	espctl_json_arr_open(j, NULL);
	espctl_json_arr_close(j);
	espctl_json_end(j);
	doc_check(&d, "pretty empty array (show --json without devices)", "[]\n");

	j = doc_open(&d, false);
	write_scalars(j);
	doc_check(&d, "compact scalars: string, numbers up to 2^64-1, booleans, null",
		  "{\"s\":\"v\",\"zero\":0,\"u32max\":4294967295,"
		  "\"max\":18446744073709551615,\"t\":true,\"f\":false,\"n\":null}\n");

	j = doc_open(&d, true);
	write_scalars(j);
	doc_check(&d, "pretty scalars: one member per line, tab-indented, \": \"",
		  "{\n"
		  "\t\"s\": \"v\",\n"
		  "\t\"zero\": 0,\n"
		  "\t\"u32max\": 4294967295,\n"
		  "\t\"max\": 18446744073709551615,\n"
		  "\t\"t\": true,\n"
		  "\t\"f\": false,\n"
		  "\t\"n\": null\n"
		  "}\n");

	j = doc_open(&d, false);
	write_nested(j);
	doc_check(&d, "compact nesting and commas",
		  "{\"a\":[1,2,{\"b\":[]}],\"c\":{},\"d\":\"x\"}\n");

	j = doc_open(&d, true);
	write_nested(j);
	doc_check(&d, "pretty nesting: indentation follows depth, empty nests stay {} []",
		  "{\n"
		  "\t\"a\": [\n"
		  "\t\t1,\n"
		  "\t\t2,\n"
		  "\t\t{\n"
		  "\t\t\t\"b\": []\n"
		  "\t\t}\n"
		  "\t],\n"
		  "\t\"c\": {},\n"
		  "\t\"d\": \"x\"\n"
		  "}\n");

	j = doc_open(&d, false);
	write_devices(j);
	doc_check(&d, "compact array of objects",
		  "[{\"ifname\":\"esp0\",\"local\":null,"
		  "\"ts_local\":[\"10.0.0.0/8\",\"2001:db8::/32\"],\"sas\":[]},"
		  "{\"ifname\":\"esp1\"}]\n");

	j = doc_open(&d, true);
	write_devices(j);
	doc_check(&d, "pretty array of objects (the shape of show --json)",
		  "[\n"
		  "\t{\n"
		  "\t\t\"ifname\": \"esp0\",\n"
		  "\t\t\"local\": null,\n"
		  "\t\t\"ts_local\": [\n"
		  "\t\t\t\"10.0.0.0/8\",\n"
		  "\t\t\t\"2001:db8::/32\"\n"
		  "\t\t],\n"
		  "\t\t\"sas\": []\n"
		  "\t},\n"
		  "\t{\n"
		  "\t\t\"ifname\": \"esp1\"\n"
		  "\t}\n"
		  "]\n");

	/* Keys and values are escaped alike. */
	j = doc_open(&d, false);
	espctl_json_obj_open(j, NULL);
	espctl_json_str(j, "k\"\\\n", "v\"\\\x01\xff");
	espctl_json_obj_close(j);
	espctl_json_end(j);
	doc_check(&d, "keys and values escaped",
		  "{\"k\\\"\\\\\\n\":\"v\\\"\\\\\\u0001\\ufffd\"}\n");

	j = doc_open(&d, true);
	espctl_json_obj_open(j, NULL);
	espctl_json_str(j, "ifname", "a\tb");
	espctl_json_obj_close(j);
	espctl_json_end(j);
	doc_check(&d, "pretty output escapes a tab in a value (no raw tab inside a string)",
		  "{\n\t\"ifname\": \"a\\tb\"\n}\n");

	/* The shape of one `espctl monitor --json` line. */
	j = doc_open(&d, false);
	espctl_json_obj_open(j, NULL);
	espctl_json_str(j, "event", "soft-expire");
	espctl_json_str(j, "ifname", "esp0");
	espctl_json_u64(j, "ifindex", 7);
	espctl_json_str(j, "dir", "out");
	espctl_json_u64(j, "spi", 4097);
	espctl_json_str(j, "reason", "bytes");
	espctl_json_obj_close(j);
	espctl_json_end(j);
	doc_check(&d, "compact event line",
		  "{\"event\":\"soft-expire\",\"ifname\":\"esp0\",\"ifindex\":7,"
		  "\"dir\":\"out\",\"spi\":4097,\"reason\":\"bytes\"}\n");

	/* monitor re-initialises the writer for every event on one stream. */
	j = doc_open(&d, false);
	for (i = 1; i <= 3; i++) {
		espctl_json_init(j, d.f, false);
		espctl_json_obj_open(j, NULL);
		espctl_json_u64(j, "n", i);
		espctl_json_obj_close(j);
		espctl_json_end(j);
	}
	doc_check(&d, "re-initialised writer: one line per document, no stray comma",
		  "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");

	/* Two top-level values without re-initialising: separated by a comma. */
	j = doc_open(&d, false);
	espctl_json_u64(j, NULL, 1);
	espctl_json_u64(j, NULL, 2);
	espctl_json_end(j);
	doc_check(&d, "top-level values in one document are comma-separated", "1,2\n");

	/* The deepest nesting the writer tracks, with a member at each level. */
	j = doc_open(&d, false);
	p = want;
	for (i = 0; i < levels; i++) {
		espctl_json_arr_open(j, NULL);
		espctl_json_u64(j, NULL, i);
		p += sprintf(p, "[%d,", i);
	}
	espctl_json_str(j, NULL, "deep");
	p += sprintf(p, "\"deep\"");
	for (i = 0; i < levels; i++) {
		espctl_json_arr_close(j);
		*p++ = ']';
	}
	espctl_json_u64(j, NULL, 99);
	strcpy(p, ",99\n");
	espctl_json_end(j);
	doc_check(&d, "compact nesting ESPCTL_JSON_DEPTH - 1 levels deep", want);

	/* fmemopen: output into a fixed buffer. */
	{
		char fixed[64];
		FILE *f;

		memset(fixed, 0, sizeof(fixed));
		f = fmemopen(fixed, sizeof(fixed), "w");
		if (!f) {
			t_ok(false, "fmemopen");
		} else {
			struct espctl_json fj;

			espctl_json_init(&fj, f, false);
			espctl_json_arr_open(&fj, NULL);
			espctl_json_bool(&fj, NULL, true);
			espctl_json_null(&fj, NULL);
			espctl_json_str(&fj, NULL, "");
			espctl_json_arr_close(&fj);
			espctl_json_end(&fj);
			fclose(f);
			t_ok(t_streq(fixed, "[true,null,\"\"]\n"),
			     "array of true, null and an empty string (fmemopen)");
		}
	}
}

void test_json(void)
{
	test_escape();
	test_documents();
}
