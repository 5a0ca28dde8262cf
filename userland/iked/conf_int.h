/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * conf_int.h - internals shared by conf.c (tokenizer, structure) and
 * conf_keys.c (one handler per key).
 */
#ifndef ESPIKED_CONF_INT_H
#define ESPIKED_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

#define MAX_VALUES	32
#define MAX_WORD	512

enum tok_type { T_EOF, T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_SEMI, T_COMMA, T_NL };

/**
 * struct parser - tokenizer and parser state
 * @file: file name for messages
 * @p: next character
 * @line: current line
 * @errors: number of errors logged
 * @tok: current token type
 * @tok_line: line of the current token
 * @word: text of a T_WORD or T_STRING token
 */
struct parser {
	const char *file;
	const char *p;
	unsigned int line;
	unsigned int errors;
	enum tok_type tok;
	unsigned int tok_line;
	char word[MAX_WORD];
};

/**
 * struct stmt - one statement "key value, value..."
 * @line: line of the key
 * @key: the key
 * @nval: number of values
 * @val: the values
 */
struct stmt {
	unsigned int line;
	char key[64];
	unsigned int nval;
	char val[MAX_VALUES][MAX_WORD];
};

#define CONF_MAX_KEYS	48	/* bound of the "seen" arrays of conf.c */

#define IN_GLOBAL	0x1
#define IN_CONN		0x2

/**
 * struct conf_key - a configuration key
 * @name: the key
 * @where: IN_GLOBAL and/or IN_CONN
 * @conn: handler inside a conn block
 * @global: handler at top level
 */
struct conf_key {
	const char *name;
	unsigned int where;
	int (*conn)(struct parser *ps, const struct stmt *st, struct conn *cn);
	int (*global)(struct parser *ps, const struct stmt *st, struct conf *cf);
};

extern const struct conf_key conf_keys[];
extern const size_t conf_nkeys;
/* Index of @name in conf_keys or -1. */
int conf_key_index(const char *name);

#define CONF_DEFAULT_IKE "aes256gcm16-prfsha256-ecp256,aes128-sha256-modp2048"
#define CONF_DEFAULT_ESP "aes256gcm16,aes128gcm16"

__attribute__((format(printf, 3, 4)))
void conf_perror_at(struct parser *ps, unsigned int line, const char *fmt, ...);
void conf_copy_str(char *dst, size_t size, const char *src);
int conf_one_value(struct parser *ps, const struct stmt *st);
int conf_parse_uint(struct parser *ps, const struct stmt *st, unsigned long min,
		    unsigned long max, unsigned long *out);
int conf_parse_duration(struct parser *ps, const struct stmt *st,
			unsigned long long max_ms, unsigned long long *ms);
int conf_parse_addr(const char *s, struct sockaddr_storage *ss);
int conf_join_values(struct parser *ps, const struct stmt *st, char *out, size_t len);
int conf_check_esp(struct parser *ps, const struct stmt *st, const struct ike_sa_payload *sa);
int conf_parse_ts(struct parser *ps, const struct stmt *st, struct ts_prefix *ts,
		  unsigned int *n);

#endif /* ESPIKED_CONF_INT_H */
