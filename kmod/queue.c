// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Parallel crypto. With more than one CPU online (module parameter
 * parallel: 1, the default; 0 turns it off, 2 forces it), a packet is not encrypted or decrypted on the CPU that sent
 * or received it. That CPU does the cheap part (checks, SA, route, sequence
 * number, building the request), puts the packet at the tail of its
 * device's ordered queue (struct espvti_ordered) and hands it to the crypto
 * queue of an online CPU, round robin in runs of ESPVTI_QUEUE_RUN packets.
 * Each CPU's worker runs the
 * transform in process context and marks the packet done; the ordered stage
 * then takes packets off the head of the device's queue while they are
 * done, so they leave in the order they were queued, whichever CPU finished
 * first:
 *
 *   transmit: espvti_xmit() -> seq + tail of edev->txq -> worker(s) ->
 *             espvti_tx_work(), one at a time per device, always on the
 *             device's home CPU -> IP layer
 *   receive:  espvti_input() -> tail of edev->rxq -> worker(s) ->
 *             espvti_rx_poll(), the device's NAPI: replay window, decap,
 *             GRO
 *
 * Transmit takes its sequence numbers under the ordered queue's lock, so
 * each SA's packets reach the wire in sequence order; receive advances the
 * replay window in the ordered stage, in arrival order. The ordered queues
 * are bounded by the in-flight bounds (espvti_crypto_charge()); the CPUs'
 * crypto queues by their length (queue_len): a packet that finds its crypto
 * queue full stays on the ordered queue, marked, and is dropped there in
 * its turn (rx_queue_full, tx_queue_full).
 *
 * A packet holds a reference on its SA, and the SA on the device, until
 * the ordered stage has finished it, so neither goes away while packets
 * are queued; the device's destructor stops its NAPI and work last.
 */

#include <linux/cpumask.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/ptr_ring.h>
#include <linux/workqueue.h>

#include "device.h"
#include "esp.h"
#include "input.h"
#include "queue.h"
#include "sa.h"

/* Values of the module parameter parallel. */
enum {
	ESPVTI_PARALLEL_OFF,
	ESPVTI_PARALLEL_AUTO,	/* with more than one CPU online */
	ESPVTI_PARALLEL_ALWAYS,	/* even with one: for tests */
};

static unsigned int espvti_param_parallel = ESPVTI_PARALLEL_AUTO;
static int espvti_param_set_parallel(const char *val,
				     const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, ESPVTI_PARALLEL_OFF,
				     ESPVTI_PARALLEL_ALWAYS);
}

static const struct kernel_param_ops espvti_param_parallel_ops = {
	.set = espvti_param_set_parallel,
	.get = param_get_uint,
};

module_param_cb(parallel, &espvti_param_parallel_ops, &espvti_param_parallel,
		0644);
MODULE_PARM_DESC(parallel,
		 "Spread encryption and decryption over the CPUs, in order per device: 0 never, 1 with more than one CPU online (default), 2 always");

static unsigned int espvti_queue_len = ESPVTI_QUEUE_LEN;
static int espvti_param_set_qlen(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 4, 1U << 16);
}

static const struct kernel_param_ops espvti_param_qlen_ops = {
	.set = espvti_param_set_qlen,
	.get = param_get_uint,
};

module_param_cb(queue_len, &espvti_param_qlen_ops, &espvti_queue_len, 0444);
MODULE_PARM_DESC(queue_len,
		 "Packets each CPU's crypto queue holds, 4..65536, set at load (default 1024)");

/**
 * struct espvti_crypt_queue - one CPU's crypto queue and its worker
 * @ring: struct espvti_pkt waiting for the transform. Producers (any CPU,
 *	bottom halves disabled) take the ring's producer lock; the only
 *	consumer is @work.
 * @work: runs the transform on what @ring holds, on its CPU.
 */
struct espvti_crypt_queue {
	struct ptr_ring ring;
	struct work_struct work;
};

/*
 * Packets handed in a row to one CPU's worker before the next CPU's turn:
 * a worker then takes runs of consecutive packets (one wake-up, warm
 * caches), and the ordered stage finds runs completed together.
 */
#define ESPVTI_QUEUE_RUN	16

/**
 * struct espvti_rr - where this CPU hands its packets, round robin
 * @cpu: the CPU that gets them now.
 * @left: packets it still gets before the next online CPU's turn.
 */
struct espvti_rr {
	int cpu;
	unsigned int left;
};

static DEFINE_PER_CPU(struct espvti_crypt_queue, espvti_cq);
static DEFINE_PER_CPU(struct espvti_rr, espvti_rr);
static struct workqueue_struct *espvti_wq;

/**
 * espvti_parallel() - do packets go through the crypto workers now?
 *
 * Return: what the module parameter parallel says: with 1 (auto), true
 * when more than one CPU is online. Read per packet (or per GSO batch); a
 * change takes effect for the packets that follow it (those already queued
 * may then be overtaken once).
 */
bool espvti_parallel(void)
{
	switch (READ_ONCE(espvti_param_parallel)) {
	case ESPVTI_PARALLEL_OFF:
		return false;
	case ESPVTI_PARALLEL_AUTO:
		return num_online_cpus() > 1;
	default:
		return true;
	}
}

/**
 * espvti_queue_home_cpu() - a CPU for a new device's transmit ordered stage
 *
 * The online CPUs in turn, one per device created. A device sends all its
 * packets of the parallel path from this one CPU: sent from several, they
 * would enter the underlay's per-CPU queues (a NIC's transmit queues picked
 * by XPS, a veth peer's per-CPU backlogs) and could overtake each other
 * there, out of the order the ordered stage kept.
 *
 * Return: a CPU number.
 */
int espvti_queue_home_cpu(void)
{
	static atomic_t espvti_homes = ATOMIC_INIT(0);
	unsigned int i = (unsigned int)atomic_inc_return(&espvti_homes) %
			 num_online_cpus();
	int cpu;

	for_each_online_cpu(cpu)
		if (!i--)
			return cpu;
	return cpumask_first(cpu_online_mask);
}

/**
 * espvti_ordered_init() - initialise an empty ordered queue
 * @q: the queue
 */
void espvti_ordered_init(struct espvti_ordered *q)
{
	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->list);
}

/**
 * espvti_ordered_pop() - take the head of an ordered queue if it is done
 * @q: the queue
 *
 * Return: the head, removed, when its crypto is done; NULL when the queue
 * is empty or its head is still being processed.
 */
struct espvti_pkt *espvti_ordered_pop(struct espvti_ordered *q)
{
	struct espvti_pkt *pkt;

	spin_lock_bh(&q->lock);
	pkt = list_first_entry_or_null(&q->list, struct espvti_pkt, list);
	if (pkt && smp_load_acquire(&pkt->state) == ESPVTI_PKT_DONE)
		list_del(&pkt->list);
	else
		pkt = NULL;
	spin_unlock_bh(&q->lock);
	return pkt;
}

/*
 * The CPU for the next packet handed over from this CPU: the same as for
 * the previous one for ESPVTI_QUEUE_RUN packets, then the next online CPU.
 * Bottom halves disabled.
 */
static int espvti_next_cpu(void)
{
	struct espvti_rr *rr = this_cpu_ptr(&espvti_rr);
	int cpu = rr->cpu;

	if (rr->left && cpu_online(cpu)) {
		rr->left--;
		return cpu;
	}
	cpu = cpumask_next(cpu, cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	rr->cpu = cpu;
	rr->left = ESPVTI_QUEUE_RUN - 1;
	return cpu;
}

/**
 * espvti_queue_submit() - hand a packet on an ordered queue to a worker
 * @pkt: state ESPVTI_PKT_CRYPTING, request mapped, already at the tail of
 *	its device's ordered queue
 *
 * Called with bottom halves disabled. When the chosen CPU's crypto queue is
 * full, the packet is marked done with espvti_pkt::queue_full set, for the
 * ordered stage to drop and count in its turn. Either way the packet is no
 * longer the caller's.
 */
void espvti_queue_submit(struct espvti_pkt *pkt)
{
	int cpu = espvti_next_cpu();
	struct espvti_crypt_queue *cq = per_cpu_ptr(&espvti_cq, cpu);

	if (likely(!ptr_ring_produce(&cq->ring, pkt))) {
		queue_work_on(cpu, espvti_wq, &cq->work);
		return;
	}
	pkt->queue_full = true;
	espvti_queue_done(pkt, -ENOBUFS);
}

/**
 * espvti_queue_done() - crypto of a queued packet is over: let it leave
 * @pkt: a packet on its device's ordered queue
 * @err: the transform's result; -EINPROGRESS (the callback follows) does
 *	nothing
 *
 * Marks the packet done and schedules the ordered stage of its direction.
 * Once marked, the packet belongs to the ordered stage, which may finish
 * and free it (and with it the last reference on the SA, and the SA's on
 * the device) at once on another CPU: the device is held across the kick.
 * Called with bottom halves disabled.
 */
void espvti_queue_done(struct espvti_pkt *pkt, int err)
{
	struct espvti_dev *edev;
	bool encrypt;

	if (err == -EINPROGRESS)
		return;
	edev = netdev_priv(pkt->sa->dev);
	encrypt = pkt->encrypt;
	pkt->err = err;
	dev_hold(edev->dev);
	smp_store_release(&pkt->state, ESPVTI_PKT_DONE);
	if (!encrypt) {
		napi_schedule(&edev->napi);
	} else {
		int cpu = READ_ONCE(edev->tx_cpu);

		/* Its home CPU (espvti_queue_home_cpu()), or here if offline. */
		if (likely(cpu_online(cpu)))
			queue_work_on(cpu, espvti_wq, &edev->tx_work);
		else
			queue_work(espvti_wq, &edev->tx_work);
	}
	dev_put(edev->dev);
}

/*
 * A CPU's worker: runs the transform on the packets its queue holds, a run
 * of up to ESPVTI_QUEUE_RUN at a time, and then marks the run done with
 * bottom halves disabled once: the ordered stage (a NAPI poll on receive,
 * which runs when they are enabled again) then finds the run completed
 * together, and GRO can merge its packets.
 */
static void espvti_crypt_work(struct work_struct *work)
{
	struct espvti_crypt_queue *cq =
		container_of(work, struct espvti_crypt_queue, work);
	struct espvti_pkt *run[ESPVTI_QUEUE_RUN];
	int err[ESPVTI_QUEUE_RUN];
	struct espvti_pkt *pkt;
	unsigned int n, i;

	do {
		for (n = 0; n < ESPVTI_QUEUE_RUN; n++) {
			pkt = ptr_ring_consume(&cq->ring);
			if (!pkt)
				break;
			/*
			 * Process context: the SIMD implementations run here
			 * at once rather than deferring to cryptd as they may
			 * in softirq.
			 */
			if (pkt->encrypt)
				err[n] = espvti_pkt_encrypt(pkt);
			else
				err[n] = espvti_pkt_decrypt(pkt);
			run[n] = pkt;
		}
		local_bh_disable();
		for (i = 0; i < n; i++)
			espvti_queue_done(run[i], err[i]);
		local_bh_enable();
		cond_resched();
	} while (n == ESPVTI_QUEUE_RUN);
}

/**
 * espvti_tx_work() - the transmit ordered stage of a device
 * @work: espvti_dev::tx_work
 *
 * Sends the packets at the head of the device's transmit queue while their
 * encryption is done. A work item never runs twice at once, so the device's
 * packets are sent one after the other, in sequence order.
 */
void espvti_tx_work(struct work_struct *work)
{
	struct espvti_dev *edev = container_of(work, struct espvti_dev, tx_work);
	struct espvti_pkt *pkt;
	unsigned int n = 0;

	while ((pkt = espvti_ordered_pop(&edev->txq))) {
		local_bh_disable();
		espvti_output_finish(pkt);
		local_bh_enable();
		if (!(++n % 64))
			cond_resched();
	}
}

/**
 * espvti_rx_poll() - the receive ordered stage of a device (its NAPI poll)
 * @napi: espvti_dev::napi
 * @budget: most packets to deliver
 *
 * Delivers the packets at the head of the device's receive queue while
 * their decryption is done: replay window, decapsulation, GRO.
 *
 * Return: packets taken off the queue.
 */
int espvti_rx_poll(struct napi_struct *napi, int budget)
{
	struct espvti_dev *edev = container_of(napi, struct espvti_dev, napi);
	struct espvti_pkt *pkt;
	int done = 0;

	while (done < budget && (pkt = espvti_ordered_pop(&edev->rxq))) {
		espvti_input_finish(pkt, napi);
		done++;
	}
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

/* Nothing is queued when the module goes: every device waited for its own. */
static void espvti_cq_leftover(void *ptr)
{
	WARN_ONCE(1, "espvti: packet left in a crypto queue at unload\n");
}

/**
 * espvti_queue_module_init() - the workqueue and each CPU's crypto queue
 *
 * Return: 0 or -ENOMEM.
 */
int espvti_queue_module_init(void)
{
	unsigned int len = READ_ONCE(espvti_queue_len);
	int cpu, ret;

	espvti_wq = alloc_workqueue("espvti", WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM, 0);
	if (!espvti_wq)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct espvti_crypt_queue *cq = per_cpu_ptr(&espvti_cq, cpu);

		ret = ptr_ring_init(&cq->ring, len, GFP_KERNEL);
		if (ret)
			goto err_free_rings;
		INIT_WORK(&cq->work, espvti_crypt_work);
		per_cpu(espvti_rr, cpu).cpu = cpu;
	}
	return 0;

err_free_rings:
	for_each_possible_cpu(cpu) {
		struct espvti_crypt_queue *cq = per_cpu_ptr(&espvti_cq, cpu);

		if (!cq->ring.queue)
			break;
		ptr_ring_cleanup(&cq->ring, espvti_cq_leftover);
	}
	destroy_workqueue(espvti_wq);
	return ret;
}

/**
 * espvti_queue_module_exit() - after the last device is gone
 */
void espvti_queue_module_exit(void)
{
	int cpu;

	destroy_workqueue(espvti_wq);
	for_each_possible_cpu(cpu)
		ptr_ring_cleanup(&per_cpu_ptr(&espvti_cq, cpu)->ring,
				 espvti_cq_leftover);
}
