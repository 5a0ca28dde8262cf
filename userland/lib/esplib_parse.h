/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * esplib_parse.h - the text parsers that espctl (command line) and espiked
 * (configuration file) share: hex digits and IPv4/IPv6 addresses. Each
 * program keeps its own syntax around them (prefix lengths, key and
 * identity prefixes) and its own messages.
 */
#ifndef ESPLIB_PARSE_H
#define ESPLIB_PARSE_H

#include <stddef.h>
#include <stdint.h>

int esplib_hexval(char c);
long esplib_unhex(const char *s, uint8_t *out, size_t cap);
int esplib_parse_addr(const char *s, void *addr);

#endif /* ESPLIB_PARSE_H */
