/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * A small streaming JSON writer: objects and arrays nest, commas and (when
 * pretty) indentation are handled here. Strings are escaped so that any
 * byte string (device names come from the kernel) gives valid JSON.
 */
#ifndef ESPCTL_JSON_H
#define ESPCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define ESPCTL_JSON_DEPTH	16

/**
 * struct espctl_json - state of one JSON document being written
 * @f: where it goes
 * @pretty: one member per line, tab-indented (else all on one line)
 * @depth: current nesting
 * @count: members written so far at each level (for the commas)
 */
struct espctl_json {
	FILE *f;
	bool pretty;
	int depth;
	unsigned int count[ESPCTL_JSON_DEPTH];
};

void espctl_json_init(struct espctl_json *j, FILE *f, bool pretty);
void espctl_json_escape(FILE *f, const char *s);

/* @key is the member name inside an object, NULL inside an array. */
void espctl_json_obj_open(struct espctl_json *j, const char *key);
void espctl_json_obj_close(struct espctl_json *j);
void espctl_json_arr_open(struct espctl_json *j, const char *key);
void espctl_json_arr_close(struct espctl_json *j);
void espctl_json_str(struct espctl_json *j, const char *key, const char *v);
void espctl_json_u64(struct espctl_json *j, const char *key, uint64_t v);
void espctl_json_bool(struct espctl_json *j, const char *key, bool v);
void espctl_json_null(struct espctl_json *j, const char *key);
void espctl_json_end(struct espctl_json *j);

#endif /* ESPCTL_JSON_H */
