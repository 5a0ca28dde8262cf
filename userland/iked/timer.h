/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * timer.h - one-shot timers for the poll() main loop, on CLOCK_MONOTONIC
 * in milliseconds. A timer is embedded in the object it serves; it must be
 * stopped before that object is freed.
 */
#ifndef ESPIKED_TIMER_H
#define ESPIKED_TIMER_H

#include <stdbool.h>
#include <stdint.h>

/**
 * struct timer - a one-shot timer
 * @when: expiry, in ms of CLOCK_MONOTONIC
 * @cb: called once at expiry (the timer is already stopped)
 * @arg: argument to @cb
 * @armed: on the list
 * @next: list link, kept sorted by @when
 */
struct timer {
	uint64_t when;
	void (*cb)(void *arg);
	void *arg;
	bool armed;
	struct timer *next;
};

uint64_t timer_now(void);
void timer_init(struct timer *t, void (*cb)(void *arg), void *arg);
/* (Re)arm @t to fire @ms milliseconds from now. */
void timer_start(struct timer *t, uint64_t ms);
void timer_stop(struct timer *t);
/* Milliseconds until the next expiry, -1 when no timer is armed. */
int timer_next_timeout(void);
/* Run every expired timer. */
void timer_run(void);

#endif /* ESPIKED_TIMER_H */
