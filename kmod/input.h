/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Receive path: ESP packets claimed from the xfrm4/xfrm6 protocol handler
 * chain, decrypted, checked and delivered on the espvti device.
 */
#ifndef _ESPVTI_INPUT_H
#define _ESPVTI_INPUT_H

#include <linux/types.h>

struct sk_buff;
struct sk_buff_head;
struct espvti_sa;

int espvti_input_init(void);
void espvti_input_encap(struct sk_buff *skb, struct espvti_sa *sa,
			u8 outer_family, __be16 sport);
void espvti_input_held(struct espvti_sa *sa, struct sk_buff_head *held);
void espvti_input_exit(void);

#endif /* _ESPVTI_INPUT_H */
