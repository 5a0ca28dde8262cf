/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Anti-replay window (RFC 4303 section 3.4.3 and Appendix A for ESN).
 *
 * The receive path uses it in three steps:
 *   1. seq = espvti_replay_seq(r, seq_lo, esn)  - rebuild the 64-bit number
 *   2. espvti_replay_check(r, seq)              - cheap, lockless, before
 *                                                 decryption
 *   3. espvti_replay_advance(r, seq)            - under the SA's replay lock,
 *                                                 after the ICV verified:
 *                                                 checks again, then records
 *   4. espvti_replay_is_top(r, seq)             - still under the lock: did
 *                                                 it move the top? (only
 *                                                 such a packet may move the
 *                                                 NAT-T endpoint)
 */
#ifndef _ESPVTI_REPLAY_H
#define _ESPVTI_REPLAY_H

#include <linux/types.h>
#include <linux/gfp.h>

/**
 * struct espvti_replay - sliding window of accepted sequence numbers
 * @top: highest sequence number accepted so far (0: none yet).
 * @window: window size in packets; 0 disables replay checks (the top is
 *	still tracked, for ESN).
 * @nbits: bits in @bitmap, a power of two larger than @window.
 * @bitmap: ring of bits; bit (seq % @nbits) is set when seq was accepted and
 *	is still inside the ring.
 *
 * Writers hold the owning SA's replay lock; the lockless check reads @top
 * and @bitmap racily and is therefore only a filter, repeated under the lock.
 */
struct espvti_replay {
	u64 top;
	u32 window;
	u32 nbits;
	unsigned long bitmap[];
};

struct espvti_replay *espvti_replay_alloc(u32 window, gfp_t gfp);
void espvti_replay_free(struct espvti_replay *r);
u64 espvti_replay_seq(const struct espvti_replay *r, u32 seq_lo, bool esn);
bool espvti_replay_check(const struct espvti_replay *r, u64 seq);
bool espvti_replay_advance(struct espvti_replay *r, u64 seq);
bool espvti_replay_selftest(void);

/**
 * espvti_replay_is_top() - is @seq the highest number accepted so far?
 * @r: the window.
 * @seq: a number espvti_replay_advance() has just accepted.
 *
 * Context: the caller holds the SA's replay lock, since that call.
 *
 * Return: true when accepting @seq moved the window's top (it is the newest
 * packet yet), false for an older packet accepted inside the window.
 */
static inline bool espvti_replay_is_top(const struct espvti_replay *r, u64 seq)
{
	return r->top == seq;
}

#endif /* _ESPVTI_REPLAY_H */
