/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * espctl diagnose: the findings about one device, worked out from what was
 * read (two readings of its state some seconds apart, its link flags, the
 * routes into it) without any I/O, so that unit tests can feed it.
 */
#ifndef ESPCTL_DIAG_H
#define ESPCTL_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

#define DIAG_MAX_FINDINGS	24
#define DIAG_MAX_ROUTES		64
#define DIAG_TEXT		1024

#define DIAG_MAX_CONNS		8

enum diag_severity { DIAG_WARNING, DIAG_ERROR };

/**
 * enum diag_ike - what espiked's control socket said
 * @DIAG_IKE_NONE: no socket: keyed by hand (or another daemon), no IKE checks
 * @DIAG_IKE_DEAD: the socket exists but nobody answers
 * @DIAG_IKE_READ: its connections were read
 */
enum diag_ike { DIAG_IKE_NONE, DIAG_IKE_DEAD, DIAG_IKE_READ };

/**
 * struct diag_conn - an espiked connection that keys the device
 * @name: its name
 * @up: it has an established IKE SA (ESTABLISHED or REKEYING)
 * @nat: that IKE SA found a NAT (either side)
 * @last_failure: its last refused negotiation, as espiked logged it ("": none)
 * @failure_age: seconds since then
 * @up_age: seconds since the newest established IKE SA came up (with @up)
 */
struct diag_conn {
	char name[64];
	bool up;
	bool nat;
	char last_failure[640];
	unsigned long long failure_age;
	unsigned long long up_age;
};

/**
 * struct diag_finding - one problem found
 * @id: stable name for scripts ("no-outbound-sa")
 * @severity: DIAG_ERROR (the tunnel cannot work) or DIAG_WARNING
 * @summary: one sentence
 * @evidence: what was seen, one or more lines separated by '\n'
 * @fix: what to do
 */
struct diag_finding {
	const char *id;
	enum diag_severity severity;
	char summary[256];
	char evidence[DIAG_TEXT];
	char fix[512];
};

/**
 * struct diag_input - what diagnose read about one device
 * @before: the device's state at the first reading (NULL: only one reading)
 * @now: its state at the last reading
 * @seconds: time between the readings
 * @up: the device is administratively up (IFF_UP)
 * @routes: routes whose output device is this one, @n_routes of them
 * @n_routes: count
 * @routes_truncated: more routes than @routes holds
 * @ike: whether espiked was asked, and what came of it
 * @ike_path: its control socket
 * @ike_err: errno of the failed attempt (DIAG_IKE_DEAD)
 * @conns: espiked's connections whose device this is, @n_conns of them
 * @n_conns: count
 */
struct diag_input {
	const struct espctl_dev_info *before;
	const struct espctl_dev_info *now;
	double seconds;
	bool up;
	struct espctl_prefix routes[DIAG_MAX_ROUTES];
	size_t n_routes;
	bool routes_truncated;
	enum diag_ike ike;
	const char *ike_path;
	int ike_err;
	struct diag_conn conns[DIAG_MAX_CONNS];
	size_t n_conns;
};

/**
 * struct diag_result - the findings about one device
 * @f: findings, @n of them, errors first
 * @n: count
 * @checks: how many checks ran
 */
struct diag_result {
	struct diag_finding f[DIAG_MAX_FINDINGS];
	size_t n;
	unsigned int checks;
};

void diag_device(const struct diag_input *in, struct diag_result *out);

/* Does selector @sel contain every address of prefix @p? */
bool diag_prefix_covers(const struct espctl_prefix *sel,
			const struct espctl_prefix *p);

#endif /* ESPCTL_DIAG_H */
