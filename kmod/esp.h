/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ESP packet processing shared by the transmit (output.c) and receive
 * (input.c) paths: the wire format constants and the per-packet crypto
 * state, built by crypto.c.
 */
#ifndef _ESPVTI_ESP_H
#define _ESPVTI_ESP_H

#include <linux/skbuff.h>
#include <linux/scatterlist.h>
#include <crypto/aead.h>

#include "stats.h"

struct espvti_sa;

/* ESP header: SPI and the low 32 bits of the sequence number (RFC 4303). */
#define ESPVTI_ESP_HLEN		8
/* Pad length and next header bytes that end every ESP payload. */
#define ESPVTI_ESP_TRAILER	2
/* Associated data: SPI, [high 32 bits of the ESN,] low 32 bits. */
#define ESPVTI_AAD_MAX		12
/* UDP header of ESP in UDP (RFC 3948). */
#define ESPVTI_UDP_HLEN		8
/* IV of both algorithms: the 64-bit sequence number, big endian. */
#define ESPVTI_IV_LEN		8

/* Next header values of the ESP trailer. */
#define ESPVTI_NEXTHDR_IPV4	IPPROTO_IPIP
#define ESPVTI_NEXTHDR_IPV6	IPPROTO_IPV6
#define ESPVTI_NEXTHDR_DUMMY	59	/* RFC 4303 2.6: no next header */

/**
 * struct espvti_pkt - crypto state of one packet, head of a single allocation
 * @skb: the packet being encrypted or decrypted.
 * @sa: the SA; the packet holds a reference on it until its done function
 *	has finished.
 * @seq: full 64-bit sequence number of the packet.
 * @len: transmit: inner bytes to count once sent; receive: unused.
 * @outer_family: AF_INET or AF_INET6, family of the outer header.
 * @outer_tos: receive: DS field of the outer header (for RFC 6040).
 * @encap: the ESP packet is (to be) carried in UDP (RFC 3948).
 * @sport: receive, with @encap: UDP source port of the packet.
 * @aad_len: bytes used in @aad.
 * @aad: the associated data, mapped as the first scatterlist entry.
 * @iv: the IV given to the transform (points into this allocation).
 * @sg: scatterlist (points into this allocation): @aad, then the packet from
 *	its IV through its ICV.
 * @req: the AEAD request (points into this allocation).
 * @list: entry in the device's ordered queue (queue.c) while @queued, or
 *	in a list of packets being built on transmit.
 * @state: ESPVTI_PKT_CRYPTING or ESPVTI_PKT_DONE (queue.c): written with
 *	release by whoever ends the crypto, read with acquire by the ordered
 *	stage.
 * @err: result of the transform, valid once @state is ESPVTI_PKT_DONE.
 * @encrypt: transmit (else receive).
 * @queued: the packet goes through the parallel path (queue.c).
 * @queue_full: it found its CPU's crypto queue full and was not processed.
 * @cached: the allocation is an object of the per-packet cache (crypto.c),
 *	else from kmalloc().
 *
 * One allocation per packet, from a per-CPU cache (crypto.c), holds this
 * structure, the request with the transform's private context, the
 * scatterlist array and the IV; it is freed with espvti_pkt_free() by the
 * done function, whether the transform completed synchronously or from its
 * callback.
 */
struct espvti_pkt {
	struct sk_buff *skb;
	struct espvti_sa *sa;
	u64 seq;
	unsigned int len;
	u8 outer_family;
	u8 outer_tos;
	bool encap;
	__be16 sport;
	u8 aad_len;
	__be32 aad[ESPVTI_AAD_MAX / 4];
	u8 *iv;
	struct scatterlist *sg;
	struct aead_request *req;
	struct list_head list;
	int state;
	int err;
	bool encrypt;
	bool queued;
	bool queue_full;
	bool cached;
};

void espvti_pkt_set_seq(struct espvti_pkt *pkt, u8 *esph, u64 seq);
void espvti_output_finish(struct espvti_pkt *pkt);
void espvti_input_finish(struct espvti_pkt *pkt, struct napi_struct *napi);

struct espvti_pkt *espvti_pkt_alloc(struct espvti_sa *sa, struct sk_buff *skb,
				    unsigned int nfrags);
int espvti_pkt_map(struct espvti_pkt *pkt, unsigned int esp_off,
		   unsigned int plen, bool encrypt, crypto_completion_t done);
void espvti_pkt_free(struct espvti_pkt *pkt);
int espvti_pkt_encrypt(struct espvti_pkt *pkt);
int espvti_pkt_decrypt(struct espvti_pkt *pkt);

/**
 * espvti_stats_add_pb() - count a packet and its bytes in one update
 * @stats: per-CPU counters (may be NULL)
 * @pkts: counter index of the packets
 * @bytes: counter index of the bytes
 * @len: bytes of the packet
 *
 * The hot path variant of two espvti_stats_add() calls.
 */
static inline void espvti_stats_add_pb(struct espvti_pcpu_stats __percpu *stats,
				       unsigned int pkts, unsigned int bytes,
				       unsigned int len)
{
	struct espvti_pcpu_stats *s;
	unsigned long flags;

	if (!stats)
		return;
	s = get_cpu_ptr(stats);
	flags = u64_stats_update_begin_irqsave(&s->syncp);
	s->c[pkts]++;
	s->c[bytes] += len;
	u64_stats_update_end_irqrestore(&s->syncp, flags);
	put_cpu_ptr(stats);
}

#endif /* _ESPVTI_ESP_H */
