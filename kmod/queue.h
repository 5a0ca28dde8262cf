/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Parallel crypto: per-CPU crypto workers and the per-device ordered queues
 * that put packets back in sequence after them (queue.c).
 */
#ifndef _ESPVTI_QUEUE_H
#define _ESPVTI_QUEUE_H

#include <linux/list.h>
#include <linux/spinlock.h>

struct napi_struct;
struct work_struct;

struct espvti_dev;
struct espvti_pkt;

/* Default length of each CPU's crypto queue (module parameter queue_len). */
#define ESPVTI_QUEUE_LEN	1024

/* espvti_pkt::state while it is on an ordered queue. */
enum {
	ESPVTI_PKT_CRYPTING,	/* handed to a worker or the transform */
	ESPVTI_PKT_DONE,	/* crypto done (espvti_pkt::err says how) */
};

/**
 * struct espvti_ordered - packets of a device in the order they must leave
 * @lock: protects @list. Taken with bottom halves disabled.
 * @list: struct espvti_pkt, linked by espvti_pkt::list: on transmit in
 *	sequence number order, on receive in order of arrival. Its length is
 *	bounded by the device's in-flight bound (espvti_crypto_charge()).
 */
struct espvti_ordered {
	spinlock_t lock;
	struct list_head list;
};

int espvti_queue_module_init(void);
void espvti_queue_module_exit(void);
bool espvti_parallel(void);
int espvti_queue_home_cpu(void);
void espvti_ordered_init(struct espvti_ordered *q);
void espvti_queue_submit(struct espvti_pkt *pkt);
void espvti_queue_done(struct espvti_pkt *pkt, int err);
struct espvti_pkt *espvti_ordered_pop(struct espvti_ordered *q);
void espvti_tx_work(struct work_struct *work);
int espvti_rx_poll(struct napi_struct *napi, int budget);

#endif /* _ESPVTI_QUEUE_H */
