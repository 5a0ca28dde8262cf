/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_pki.h - where the certificate tests find the test PKI that
 * tests/tools/mkpki.sh made (the Makefile runs it before the tests and
 * passes the directory in IKED_TEST_PKI; default build/pki).
 */
#ifndef IKE_PKI_H
#define IKE_PKI_H

#include <stdio.h>
#include <stdlib.h>

/* "DIR/NAME" of the test PKI, in a static buffer (one of four in turn). */
static inline const char *pki(const char *name)
{
	static char buf[4][512];
	static unsigned int i;
	const char *dir = getenv("IKED_TEST_PKI");
	char *b = buf[i++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", dir && *dir ? dir : "build/pki", name);
	return b;
}

#endif
