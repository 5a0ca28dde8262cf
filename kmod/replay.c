// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Anti-replay window (RFC 4303 section 3.4.3) and the rebuilding of extended
 * sequence numbers from their low 32 bits (RFC 4303 Appendix A).
 *
 * The window is a ring of bits indexed by (seq % nbits). Only @top and the
 * words of the ring are shared with the lockless check; the writer clears a
 * whole word when @top moves into it, so the bits of numbers above @top in
 * @top's word are always zero, and the numbers of the window never share a
 * word with numbers that are cleared. For that the ring must hold the window
 * plus one word: nbits >= window + BITS_PER_LONG (see espvti_replay_alloc()).
 */

#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <asm/barrier.h>
#include <uapi/linux/espvti.h>

#include "replay.h"

/* log2 of the bits in a word of the ring: seq >> this is a word number. */
#define ESPVTI_REPLAY_WORD_SHIFT	ilog2(BITS_PER_LONG)

/*
 * Window used to place an ESN when replay protection is off (window 0): the
 * number is taken as the one of the 2^32 candidates that lies in
 * [top - 2^31 + 1, top + 2^31], i.e. the nearest to @top.
 */
#define ESPVTI_REPLAY_ESN_INFER_WINDOW	(1U << 31)

/**
 * espvti_replay_alloc() - allocate an empty anti-replay window
 * @window: window size in packets, 0 (no replay protection) to
 *	ESPVTI_MAX_REPLAY_WINDOW; the caller has validated it.
 * @gfp: allocation flags.
 *
 * The ring gets nbits = the smallest power of two that is at least
 * @window + BITS_PER_LONG, and at least 2 * BITS_PER_LONG: one word more than
 * the window, because moving @top into a new word clears that whole word
 * (which also held numbers nbits lower), and those must all lie below the
 * window. A 64-packet window takes two words, a 65536-packet one 16 KiB.
 *
 * Return: the zeroed window (top 0: no packet accepted yet), or NULL when
 * @window is out of range or memory is short.
 */
struct espvti_replay *espvti_replay_alloc(u32 window, gfp_t gfp)
{
	struct espvti_replay *r;
	unsigned long nbits;

	if (window > ESPVTI_MAX_REPLAY_WINDOW)
		return NULL;
	nbits = max_t(unsigned long,
		      roundup_pow_of_two((unsigned long)window + BITS_PER_LONG),
		      2 * BITS_PER_LONG);
	r = kzalloc(struct_size(r, bitmap, BITS_TO_LONGS(nbits)), gfp);
	if (!r)
		return NULL;
	r->window = window;
	r->nbits = nbits;
	return r;
}

/**
 * espvti_replay_free() - free a window from espvti_replay_alloc()
 * @r: the window, or NULL.
 */
void espvti_replay_free(struct espvti_replay *r)
{
	kfree(r);
}

/**
 * espvti_replay_seq() - rebuild the full sequence number of a received packet
 * @r: the inbound SA's window.
 * @seq_lo: the sequence number field of the ESP header (host order).
 * @esn: whether the SA uses extended sequence numbers.
 *
 * Without ESN the number is @seq_lo. With ESN the high 32 bits are inferred
 * as in RFC 4303 Appendix A.2.2, from @top and the window W: the result is
 * the one number with low bits @seq_lo in [top - W + 1, top - W + 2^32].
 * When the window lies in one 2^32 subspace (Tl >= W - 1) a @seq_lo below the
 * window's bottom belongs to the next subspace; when the window spans a
 * subspace boundary (Tl < W - 1) a @seq_lo at or above the bottom (which has
 * wrapped) belongs to the previous one, if there is a previous one: with
 * Th = 0 (@top == 0 included) nothing lies below subspace 0, and the number
 * is taken in subspace 0, above @top. With window 0 the inference window is
 * 2^31, which picks the candidate nearest to @top. The ICV covers the high
 * bits, so a wrong guess fails authentication instead of being accepted.
 *
 * Lockless: reads @top once; a stale value only makes the guess older.
 *
 * Return: the 64-bit sequence number to check and record.
 */
u64 espvti_replay_seq(const struct espvti_replay *r, u32 seq_lo, bool esn)
{
	u64 top;
	u32 tl, th, w, bottom;

	if (!esn)
		return seq_lo;

	top = READ_ONCE(r->top);
	tl = lower_32_bits(top);
	th = upper_32_bits(top);
	w = r->window ?: ESPVTI_REPLAY_ESN_INFER_WINDOW;
	bottom = tl - w + 1;	/* modulo 2^32 */

	if (tl >= w - 1) {
		/* The window lies within subspace th. */
		if (seq_lo < bottom)
			th++;
	} else {
		/* The window starts in subspace th - 1, at bottom. */
		if (seq_lo >= bottom && th)
			th--;
	}
	return (u64)th << 32 | seq_lo;
}

/**
 * espvti_replay_check() - cheap replay check before decryption
 * @r: the inbound SA's window.
 * @seq: the full sequence number (from espvti_replay_seq()).
 *
 * A number above @top always passes, 0 never does; with window 0 every
 * other number passes; else a number at least W below @top is too old and
 * one whose bit is set is a replay.
 *
 * Lockless, on the per-packet path: reads @top and one word of the ring
 * racily (@top may even tear on 32-bit machines when it crosses 2^32). The
 * answer is therefore only a filter: the verdict is espvti_replay_advance()'s,
 * under the SA's replay lock, after the ICV has been verified.
 *
 * Return: true when the packet may be new, false when it must be dropped.
 */
bool espvti_replay_check(const struct espvti_replay *r, u64 seq)
{
	u64 top = READ_ONCE(r->top);
	u32 bit;

	if (likely(seq > top))
		return true;
	if (unlikely(!seq))
		return false;
	/*
	 * Pairs with the smp_wmb() in espvti_replay_advance(): the words
	 * cleared before @top moved are seen cleared, so a stale bit from a
	 * number one ring lower cannot reject a new number.
	 */
	smp_rmb();
	if (unlikely(top - seq >= r->window))
		return !r->window;	/* too old, unless there is no window */
	bit = (u32)seq & (r->nbits - 1);
	return !(READ_ONCE(r->bitmap[bit / BITS_PER_LONG]) &
		 BIT(bit % BITS_PER_LONG));
}

/**
 * espvti_replay_clear_to() - clear the ring words @top moves through
 * @r: the window.
 * @top: the current top.
 * @seq: the new top, above @top.
 *
 * Clears the words after @top's word up to and including @seq's word (each
 * of them, and the number of a word is taken modulo the ring), or the whole
 * ring when the jump is a full ring or more. The bits of @top's own word
 * above @top are already zero.
 */
static void espvti_replay_clear_to(struct espvti_replay *r, u64 top, u64 seq)
{
	u32 nwords = r->nbits / BITS_PER_LONG;
	u64 cur = top >> ESPVTI_REPLAY_WORD_SHIFT;
	u64 jump = (seq >> ESPVTI_REPLAY_WORD_SHIFT) - cur;
	u32 n = min_t(u64, jump, nwords);
	u32 i;

	for (i = 1; i <= n; i++)
		WRITE_ONCE(r->bitmap[(cur + i) & (nwords - 1)], 0);
}

/**
 * espvti_replay_advance() - check again and record an authenticated packet
 * @r: the inbound SA's window.
 * @seq: the full sequence number, whose ICV has verified.
 *
 * Context: the caller holds the SA's replay lock.
 *
 * Repeats espvti_replay_check() (another CPU may have recorded @seq since),
 * then records @seq: when it is above @top, the words of the ring skipped
 * over are cleared and @top moves to @seq; its bit is set. With window 0
 * only @top is tracked (for ESN) and every nonzero number is accepted.
 *
 * Return: true when @seq was recorded, false (nothing changed) when it is 0,
 * too old or a replay.
 */
bool espvti_replay_advance(struct espvti_replay *r, u64 seq)
{
	u64 top = r->top;
	unsigned long *word, mask;
	u32 bit;

	if (unlikely(!seq))
		return false;
	if (likely(seq > top)) {
		if (r->window)
			espvti_replay_clear_to(r, top, seq);
		/* Pairs with the smp_rmb() in espvti_replay_check(). */
		smp_wmb();
		WRITE_ONCE(r->top, seq);
		if (!r->window)
			return true;
	} else if (!r->window) {
		return true;
	} else if (top - seq >= r->window) {
		return false;
	}

	bit = (u32)seq & (r->nbits - 1);
	word = &r->bitmap[bit / BITS_PER_LONG];
	mask = BIT(bit % BITS_PER_LONG);
	if (*word & mask)
		return false;
	WRITE_ONCE(*word, *word | mask);
	return true;
}

/* Self-test, run at module load. */

/**
 * enum espvti_replay_op - one step of the self-test
 * @RT_NEW: replace the window by a new one of size @arg.
 * @RT_RX: receive @seq: check and advance must both answer @arg.
 * @RT_CHK: check only @seq (records nothing): must answer @arg.
 * @RT_ESN: espvti_replay_seq(@seq's low 32 bits, ESN) must give @arg.
 * @RT_SEQ: espvti_replay_seq(@seq's low 32 bits, no ESN) must give @arg.
 * @RT_TOP: @top must be @seq.
 */
enum espvti_replay_op { RT_NEW, RT_RX, RT_CHK, RT_ESN, RT_SEQ, RT_TOP };

/**
 * struct espvti_replay_case - a row of the self-test table
 * @op: what to do.
 * @seq: the sequence number (or its low bits) the step is about.
 * @arg: the window size, the expected answer or the expected number.
 */
struct espvti_replay_case {
	enum espvti_replay_op op;
	u64 seq;
	u64 arg;
};

#define NEW(w)		{ RT_NEW, 0, (w) }
#define RX(s, ok)	{ RT_RX, (s), (ok) }
#define CHK(s, ok)	{ RT_CHK, (s), (ok) }
#define ESN(lo, s)	{ RT_ESN, (lo), (s) }
#define SEQ(lo, s)	{ RT_SEQ, (lo), (s) }
#define TOP(s)		{ RT_TOP, (s), 0 }
#define Y		1
#define N		0

static const struct espvti_replay_case espvti_replay_cases[] __initconst = {
	/* 64 packets, the default: the edges, out of order, duplicates. */
	NEW(64),
	TOP(0),
	RX(0, N),			/* 0 is never valid */
	CHK(1, Y), CHK(1, Y),		/* checking records nothing */
	RX(1, Y),
	CHK(1, N),			/* duplicate of the top */
	RX(1, N),
	RX(9, Y), RX(8, Y), RX(7, Y),	/* out of order in the window */
	RX(7, N), RX(9, N),
	RX(0, N),
	RX(70, Y),			/* window now 7..70 */
	TOP(70),
	RX(6, N),			/* top - W: too old, never seen */
	RX(7, N),			/* top - W + 1, seen: duplicate */
	RX(8, N),			/* duplicate after advancing */
	RX(10, Y), RX(69, Y), RX(69, N),
	RX(71, Y),			/* window now 8..71 */
	RX(7, N), RX(8, N), RX(11, Y),
	RX(1071, Y),			/* jump > nbits (128): ring cleared */
	RX(1007, N),			/* too old */
	RX(1008, Y),			/* top - W + 1 */
	RX(1025, Y), RX(1031, Y),	/* slots of 1, 7: stale bits gone */
	RX(1032, Y), RX(1033, Y), RX(1034, Y), RX(1070, Y),
	RX(1025, N), RX(1071, N),
	RX(1199, Y),			/* jump of exactly nbits */
	RX(1136, Y),			/* slot of 1008 */
	RX(1153, Y), RX(1198, Y),	/* slots of 1025, 1070 */
	RX(1135, N), RX(1136, N),
	RX(1200, Y),			/* window now 1137..1200 */
	RX(1137, Y), RX(1137, N),
	CHK(1264, Y), CHK(1265, Y),	/* above the top */
	CHK(1137, N), CHK(1136, N),

	/* 1 packet: only the top itself can be a duplicate. */
	NEW(1),
	RX(0, N), RX(1, Y), RX(1, N), RX(3, Y),
	RX(2, N),			/* top - W */
	RX(3, N), RX(4, Y), RX(200, Y), RX(199, N), RX(200, N),

	/* 32 packets. */
	NEW(32),
	RX(40, Y),
	RX(8, N),			/* top - W */
	RX(9, Y),			/* top - W + 1 */
	RX(9, N), RX(20, Y), RX(20, N), RX(39, Y), RX(41, Y),
	RX(9, N), RX(10, Y),

	/*
	 * 100 packets, not a power of two: a ring of 128 bits would lose 29..63
	 * when 128 clears the word of 128..191 (= 0..63).
	 */
	NEW(100),
	RX(40, Y), RX(127, Y),
	RX(128, Y),			/* window 29..128 */
	RX(40, N),			/* still remembered */
	RX(28, N),			/* top - W */
	RX(29, Y), RX(29, N), RX(63, Y), RX(63, N), RX(64, Y),
	RX(256 + 40, Y),		/* window 197..296 */
	RX(196, N), RX(197, Y), RX(40 + 256 - 1, Y), RX(296, N),

	/* 4096 packets (nbits 8192). */
	NEW(4096),
	RX(5000, Y),
	RX(904, N),			/* top - W */
	RX(905, Y),			/* top - W + 1 */
	RX(905, N), RX(4999, Y), RX(4999, N),
	RX(5000 + 8192 + 1, Y),		/* jump > nbits */
	RX(905 + 8192, N),		/* top - W */
	RX(905 + 8193, Y),		/* top - W + 1 */
	RX(4999 + 8192, Y),		/* slot of 4999 */
	RX(4999 + 8192, N),

	/* 65536 packets, the largest (nbits 131072). */
	NEW(ESPVTI_MAX_REPLAY_WINDOW),
	RX(100000, Y),
	RX(34464, N),			/* top - W */
	RX(34465, Y),			/* top - W + 1 */
	RX(34465, N), RX(50000, Y), RX(99999, Y), RX(50000, N),
	RX(300000, Y),			/* jump > nbits */
	RX(234464, N), RX(234465, Y),
	RX(34465 + 2 * 131072, Y),	/* slot of 34465 */
	RX(50000 + 2 * 131072, Y), RX(50000 + 2 * 131072, N),
	RX(100000 + 131072, N),		/* too old */

	/* Window 0: no replay protection, but the top is tracked. */
	NEW(0),
	RX(0, N), CHK(0, N),
	RX(5, Y), RX(5, Y), RX(1, Y), CHK(3, Y), RX(5, Y),
	TOP(5),
	ESN(0xfffffff0, 0xfffffff0),	/* nothing below subspace 0 */
	ESN(6, 6), ESN(0x80000005, 0x80000005),
	RX(0x100000010ULL, Y),
	TOP(0x100000010ULL),
	ESN(0xfffffff0, 0xfffffff0),	/* nearest to the top */
	ESN(0x80000011, 0x80000011),	/* top - 2^31 + 1 */
	ESN(0x80000010, 0x180000010ULL),	/* top + 2^31 */
	ESN(0x10, 0x100000010ULL),
	ESN(0, 0x100000000ULL),
	RX(0x80000011, Y), TOP(0x100000010ULL),
	RX(0x1fffffff0ULL, Y),
	ESN(0x7ffffff1, 0x17ffffff1ULL),	/* window within subspace 1 */
	ESN(0x7ffffff0, 0x27ffffff0ULL),
	ESN(5, 0x200000005ULL),

	/* Sequence numbers without ESN are the 32 bits received. */
	NEW(64),
	SEQ(0, 0), SEQ(0xffffffff, 0xffffffff),
	RX(0xfffffff0, Y),
	SEQ(5, 5),
	RX(5, N),			/* too old, no wrap without ESN */
	RX(0xffffffff, Y), RX(0xffffffff, N),

	/* ESN, 64 packets: the top crosses 2^32. */
	NEW(64),
	ESN(0, 0), ESN(1, 1),		/* top 0: subspace 0 */
	ESN(0xffffffff, 0xffffffff),
	RX(0xfffffff0, Y),
	ESN(5, 0x100000005ULL),		/* below the window: next subspace */
	ESN(0, 0x100000000ULL),
	ESN(0xfffffff1, 0xfffffff1), ESN(0xffffffff, 0xffffffff),
	ESN(0xffffffb1, 0xffffffb1),	/* top - W + 1 */
	ESN(0xffffffb0, 0x1ffffffb0ULL),	/* top - W: next subspace */
	RX(0x100000005ULL, Y),
	TOP(0x100000005ULL),
	ESN(0xfffffff8, 0xfffffff8),	/* late, window spans 2^32 */
	RX(0xfffffff8, Y), RX(0xfffffff8, N),
	RX(0xfffffff0, N),		/* seen before the top crossed */
	ESN(0xffffffc6, 0xffffffc6),	/* top - W + 1 */
	RX(0xffffffc6, Y),
	ESN(0xffffffc5, 0x1ffffffc5ULL),	/* top - W: next subspace */
	RX(0xffffffc5, N),		/* and too old as 64 bits */
	ESN(0, 0x100000000ULL), ESN(5, 0x100000005ULL),
	ESN(6, 0x100000006ULL),
	RX(0x100000000ULL, Y),		/* low bits 0 are valid with ESN */
	RX(0x100000000ULL, N),
	RX(0x100000005ULL, N),

	/* ESN, 64 packets: the bottom of the window just at 2^32. */
	NEW(64),
	RX(0x10000003eULL, Y),		/* window 0xffffffff.. spans 2^32 */
	ESN(0xffffffff, 0xffffffff),	/* top - W + 1 */
	ESN(0xfffffffe, 0x1fffffffeULL),
	ESN(0, 0x100000000ULL),
	RX(0x10000003fULL, Y),		/* window 2^32.. within subspace 1 */
	ESN(0, 0x100000000ULL),		/* top - W + 1 */
	ESN(0xffffffff, 0x1ffffffffULL),	/* top - W: next subspace */
	ESN(0x40, 0x100000040ULL),
	RX(0xffffffff, N), RX(0x100000000ULL, Y),

	/* ESN, top 0 with windows 1 and 65536. */
	NEW(1),
	ESN(0, 0), ESN(7, 7), ESN(0xffffffff, 0xffffffff),
	RX(0x100000000ULL - 1, Y),
	ESN(0xfffffffe, 0x1fffffffeULL),	/* below the window of 1 */
	NEW(ESPVTI_MAX_REPLAY_WINDOW),
	ESN(0, 0), ESN(0xffff0001, 0xffff0001),
	RX(0x100000100ULL, Y),
	ESN(0xffff0101, 0xffff0101),	/* top - W + 1 */
	ESN(0xffff0100, 0x1ffff0100ULL),	/* top - W */
	ESN(0x100, 0x100000100ULL), ESN(0x200, 0x100000200ULL),
	RX(0xffff0101, Y), RX(0xffff0100, N), RX(0xffff0101, N),
};

#undef NEW
#undef RX
#undef CHK
#undef ESN
#undef SEQ
#undef TOP
#undef Y
#undef N

/**
 * espvti_replay_selftest_table() - run espvti_replay_cases[]
 *
 * Return: true when every row gave the expected answer.
 */
static bool __init espvti_replay_selftest_table(void)
{
	struct espvti_replay *r = NULL;
	bool success = true;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(espvti_replay_cases); i++) {
		const struct espvti_replay_case *c = &espvti_replay_cases[i];
		u64 got = 0, want = c->arg;

		if (c->op == RT_NEW) {
			espvti_replay_free(r);
			r = espvti_replay_alloc(c->arg, GFP_KERNEL);
			if (!r) {
				pr_err("replay self-test %u: allocation failed\n",
				       i + 1);
				return false;
			}
			continue;
		}
		if (!r) {	/* the table starts with RT_NEW */
			pr_err("replay self-test %u: no window\n", i + 1);
			return false;
		}

		switch (c->op) {
		case RT_RX: {
			bool chk = espvti_replay_check(r, c->seq);
			bool adv = espvti_replay_advance(r, c->seq);

			/* A disagreement shows as neither 0 nor 1. */
			got = chk == adv ? chk : 2;
			break;
		}
		case RT_CHK:
			got = espvti_replay_check(r, c->seq);
			break;
		case RT_ESN:
			got = espvti_replay_seq(r, c->seq, true);
			break;
		case RT_SEQ:
			got = espvti_replay_seq(r, c->seq, false);
			break;
		case RT_TOP:
			got = r->top;
			want = c->seq;
			break;
		default:
			break;
		}
		if (got != want) {
			pr_err("replay self-test %u: FAIL (window %u, seq %#llx: got %#llx, want %#llx)\n",
			       i + 1, r->window, (unsigned long long)c->seq,
			       (unsigned long long)got,
			       (unsigned long long)want);
			success = false;
		}
	}
	espvti_replay_free(r);
	return success;
}

/**
 * espvti_replay_selftest_sweep() - every number of a window, both ways
 * @window: the window size.
 * @num: the test number to report failures with.
 *
 * In order: 1 to past two rings, each accepted once; then the whole window
 * replayed is rejected, and top - W too. In reverse: from a top beyond three
 * rings, down to the bottom of the window each accepted, top - W rejected,
 * then all of them again rejected.
 *
 * Return: true when every answer was right.
 */
static bool __init espvti_replay_selftest_sweep(u32 window, unsigned int num)
{
	struct espvti_replay *r = espvti_replay_alloc(window, GFP_KERNEL);
	u64 seq, top, last;
	bool ok = true;

	if (!r) {
		pr_err("replay self-test %u: allocation failed\n", num);
		return false;
	}

#define SWEEP(s, want) do {						\
		bool __c = espvti_replay_check(r, s);			\
		bool __a = espvti_replay_advance(r, s);			\
									\
		if (__c != (want) || __a != (want)) {			\
			pr_err("replay self-test %u: FAIL (window %u, seq %llu: check %d, advance %d, want %d)\n", \
			       num, window, (unsigned long long)(s),	\
			       __c, __a, want);				\
			ok = false;					\
			goto out_free;					\
		}							\
	} while (0)

	last = window + 2ULL * r->nbits + 3;
	for (seq = 1; seq <= last; seq++)
		SWEEP(seq, true);
	for (seq = last - window + 1; seq <= last; seq++)
		SWEEP(seq, false);
	SWEEP(last - window, false);

	top = last + 3ULL * r->nbits + 17;
	SWEEP(top, true);
	for (seq = top - 1; seq > top - window; seq--)
		SWEEP(seq, true);
	SWEEP(top - window, false);
	for (seq = top; seq > top - window; seq--)
		SWEEP(seq, false);
#undef SWEEP

out_free:
	espvti_replay_free(r);
	return ok;
}

/**
 * espvti_replay_selftest() - test the window at module load
 *
 * Runs the table of cases, then sweeps whole windows of several sizes.
 * Prints each failure with its number; prints nothing on success.
 *
 * Return: true when all passed.
 */
bool __init espvti_replay_selftest(void)
{
	static const u32 windows[] __initconst = {
		1, 32, 64, 100, 4096, ESPVTI_MAX_REPLAY_WINDOW,
	};
	bool success = espvti_replay_selftest_table();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(windows); i++)
		if (!espvti_replay_selftest_sweep(windows[i],
				ARRAY_SIZE(espvti_replay_cases) + 1 + i))
			success = false;
	return success;
}
