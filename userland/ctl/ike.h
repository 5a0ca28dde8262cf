/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * espctl: the records of espiked's "status" answer (userland/iked/ctl.c),
 * read by `ike list` and `diagnose`.
 */
#ifndef ESPCTL_IKE_H
#define ESPCTL_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_DEFAULT_SOCK	"/run/espiked.sock"
#define IKE_MAX_FIELDS		32

/**
 * struct ike_rec - one record of the daemon's "status" answer
 * @type: "conn", "ike_sa" or "child_sa"
 * @nf: fields used
 * @key: field names
 * @val: field values, unescaped
 * @has_stats: @stats were read from the kernel
 * @stats: received bytes and packets, sent bytes and packets
 */
struct ike_rec {
	char *type;
	unsigned int nf;
	char *key[IKE_MAX_FIELDS];
	char *val[IKE_MAX_FIELDS];
	bool has_stats;
	uint64_t stats[4];
};

/**
 * struct ike_status - the whole answer
 * @recs: records in the daemon's order, @n of them
 * @n: count
 */
struct ike_status {
	struct ike_rec *recs;
	size_t n;
};

/* The value of field @key of @r ("" when absent). */
const char *espctl_ike_get(const struct ike_rec *r, const char *key);
/* Split a "status" answer (modified in place) into records; 1 after
 * printing why it is not one. Free s->recs. */
int espctl_ike_parse_status(char *answer, struct ike_status *s);

#endif /* ESPCTL_IKE_H */
