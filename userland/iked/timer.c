// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * timer.c - sorted list of one-shot timers. espiked has a few timers per
 * IKE SA, so a list is enough.
 */
#include <stddef.h>
#include <time.h>

#include "timer.h"

static struct timer *timers;	/* armed timers, earliest first */

uint64_t timer_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void timer_init(struct timer *t, void (*cb)(void *arg), void *arg)
{
	t->cb = cb;
	t->arg = arg;
	t->armed = false;
	t->next = NULL;
}

void timer_stop(struct timer *t)
{
	struct timer **pp;

	if (!t->armed)
		return;
	for (pp = &timers; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->armed = false;
	t->next = NULL;
}

void timer_start(struct timer *t, uint64_t ms)
{
	struct timer **pp;

	timer_stop(t);
	t->when = timer_now() + ms;
	for (pp = &timers; *pp && (*pp)->when <= t->when; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->armed = true;
}

int timer_next_timeout(void)
{
	uint64_t now;

	if (!timers)
		return -1;
	now = timer_now();
	if (timers->when <= now)
		return 0;
	return timers->when - now > 60000 ? 60000 : (int)(timers->when - now);
}

void timer_run(void)
{
	uint64_t now = timer_now();

	while (timers && timers->when <= now) {
		struct timer *t = timers;

		timers = t->next;
		t->armed = false;
		t->next = NULL;
		t->cb(t->arg);
	}
}
