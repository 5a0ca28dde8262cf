/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike_test_msgs.h - sample messages built with the encoder.
 */
#ifndef IKE_TEST_MSGS_H
#define IKE_TEST_MSGS_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

void ike_test_hdr(struct ike_hdr *h, uint8_t exch, uint8_t flags, uint32_t msgid);
/* IKE_SA_INIT request: [N(COOKIE)] SA KE Ni N(NATD_S) N(NATD_D) V */
long ike_test_sa_init(uint8_t *buf, size_t cap, int with_cookie);
/* IKE_AUTH inner chain: IDi AUTH SA TSi TSr N(USE_TRANSPORT_MODE) */
long ike_test_auth_inner(uint8_t *buf, size_t cap, uint8_t *first);
/* INFORMATIONAL in clear: D(ESP) D(IKE) IDr(IPv6) unknown(200) */
long ike_test_informational(uint8_t *buf, size_t cap);

#endif
