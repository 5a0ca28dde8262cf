/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Names and formats shared by show and monitor: counters, directions,
 * expiry states and reasons, addresses carried in netlink attributes.
 */
#ifndef ESPCTL_PRINT_H
#define ESPCTL_PRINT_H

#include <stdint.h>

#include <linux/espvti.h>
#include <netlink/attr.h>

#include "parse.h"

/* Name of an ESPVTI_STAT_* counter ("rx_packets"), NULL for none. */
const char *espctl_stat_name(unsigned int stat);
const char *espctl_dir_name(uint8_t dir);
const char *espctl_expired_name(uint8_t expired);
const char *espctl_reason_name(uint8_t reason);

/* Address of a v4/v6 attribute pair; returns 0 when one is present. */
int espctl_attr_addr(const struct nlattr *v4, const struct nlattr *v6,
		     struct espctl_addr *addr);

#endif /* ESPCTL_PRINT_H */
