// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * vmtest_bugs: a module that commits one deliberate bug when it loads, so
 * that tests/debug/harness-selftest.sh can show that the debug kernel and
 * scripts/vmtest catch each kind (make check-debug runs it first). Never
 * load it anywhere else.
 *
 *   insmod vmtest_bugs.ko bug=NAME
 *
 * NAME: leak (kmemleak), kasan (slab out-of-bounds read), uaf (use after
 * free), lockdep (AB-BA lock order), rcu (rcu_dereference outside a read
 * section), sleep (sleeping with a spinlock held), ubsan (shift out of
 * bounds), warn (WARN_ON). The module stays loaded.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

static char *bug = "";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "the bug to commit: leak kasan uaf lockdep rcu sleep ubsan warn");

static DEFINE_MUTEX(vmtest_bugs_a);	/* taken before b, then after it */
static DEFINE_MUTEX(vmtest_bugs_b);	/* the other half of the inversion */
static DEFINE_SPINLOCK(vmtest_bugs_lock);	/* held across a sleep */
static int __rcu *vmtest_bugs_ptr;	/* read without rcu_read_lock() */
static int vmtest_bugs_shift = 40;	/* a shift too wide for an int */
module_param_named(shift, vmtest_bugs_shift, int, 0444);

static noinline void vmtest_bugs_leak(void)
{
	void *p = kmalloc(128, GFP_KERNEL);

	/* Forget the only pointer: kmemleak must report the object. */
	pr_info("vmtest_bugs: leaking %p\n", p);
}

static noinline void vmtest_bugs_kasan(void)
{
	char *p = kmalloc(16, GFP_KERNEL);
	volatile char *q = p;

	if (!p)
		return;
	pr_info("vmtest_bugs: read past the end: %d\n", q[16 + 8]);
	kfree(p);
}

static noinline void vmtest_bugs_uaf(void)
{
	char *p = kmalloc(32, GFP_KERNEL);
	volatile char *q = p;

	if (!p)
		return;
	kfree(p);
	pr_info("vmtest_bugs: read after free: %d\n", q[0]);
}

static noinline void vmtest_bugs_lockdep(void)
{
	mutex_lock(&vmtest_bugs_a);
	mutex_lock(&vmtest_bugs_b);
	mutex_unlock(&vmtest_bugs_b);
	mutex_unlock(&vmtest_bugs_a);
	mutex_lock(&vmtest_bugs_b);
	mutex_lock(&vmtest_bugs_a);
	mutex_unlock(&vmtest_bugs_a);
	mutex_unlock(&vmtest_bugs_b);
}

static noinline void vmtest_bugs_rcu(void)
{
	int *p = rcu_dereference(vmtest_bugs_ptr);

	pr_info("vmtest_bugs: unprotected rcu_dereference: %p\n", p);
}

static noinline void vmtest_bugs_sleep(void)
{
	/* A GFP_KERNEL allocation may sleep: not under a spinlock. */
	spin_lock(&vmtest_bugs_lock);
	kfree(kmalloc(64, GFP_KERNEL));
	spin_unlock(&vmtest_bugs_lock);
}

static noinline void vmtest_bugs_ubsan(void)
{
	volatile int one = 1;

	pr_info("vmtest_bugs: shifted: %d\n", one << vmtest_bugs_shift);
}

static int __init vmtest_bugs_init(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} bugs[] = {
		{ "leak", vmtest_bugs_leak },
		{ "kasan", vmtest_bugs_kasan },
		{ "uaf", vmtest_bugs_uaf },
		{ "lockdep", vmtest_bugs_lockdep },
		{ "rcu", vmtest_bugs_rcu },
		{ "sleep", vmtest_bugs_sleep },
		{ "ubsan", vmtest_bugs_ubsan },
	};
	int i;

	if (!strcmp(bug, "warn")) {
		WARN_ON(1);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(bugs); i++) {
		if (!strcmp(bug, bugs[i].name)) {
			bugs[i].fn();
			return 0;
		}
	}
	pr_err("vmtest_bugs: unknown bug '%s'\n", bug);
	return -EINVAL;
}

static void __exit vmtest_bugs_exit(void)
{
}

module_init(vmtest_bugs_init);
module_exit(vmtest_bugs_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Deliberate bugs to prove the debug-kernel test lane");
