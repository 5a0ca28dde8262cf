/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Kernel-version differences, in one place. Kbuild probes the target kernel's
 * headers for features and defines ESPVTI_HAVE_*; this header is force-included
 * before every source file so the rest of the module is written against one API.
 */
#ifndef _ESPVTI_COMPAT_H
#define _ESPVTI_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "espvti needs Linux 6.1 or newer"
#endif

/*
 * Crypto completion callbacks take the request's data pointer directly since
 * 6.3; before, they took the crypto_async_request. ESPVTI_CRYPTO_CB declares a
 * callback and ESPVTI_CRYPTO_CB_DATA() yields the data pointer in both cases.
 */
#ifdef ESPVTI_HAVE_CRYPTO_CB_VOID
#define ESPVTI_CRYPTO_CB(name) void name(void *__cb_data, int err)
#define ESPVTI_CRYPTO_CB_DATA() (__cb_data)
#else
#define ESPVTI_CRYPTO_CB(name) void name(struct crypto_async_request *__cb_req, int err)
#define ESPVTI_CRYPTO_CB_DATA() (__cb_req->data)
#endif

/*
 * cryptd's AEAD instances rewrite the caller's request header while they
 * work before the 6.3 rework of the crypto completion API (the same change
 * that the probe above detects); the kernel's crypto self-test then fails
 * them with a WARNING ("corrupted request struct", seen on 6.1.0-57).
 * espvti refuses ESPVTI_CRYPTO_CRYPTD there.
 */
#ifdef ESPVTI_HAVE_CRYPTO_CB_VOID
#define ESPVTI_CRYPTD_AEAD_OK 1
#else
#define ESPVTI_CRYPTD_AEAD_OK 0
#endif

/* Lockless TX became a netdev bit field (dev->lltx) in 6.12. */
#ifdef ESPVTI_HAVE_DEV_LLTX
#define espvti_set_lltx(dev) ((dev)->lltx = true)
#else
#define espvti_set_lltx(dev) ((dev)->features |= NETIF_F_LLTX)
#endif

/* Devices that may not change namespace: a flag bit until 6.12, a field since. */
#ifdef ESPVTI_HAVE_DEV_NETNS_IMMUTABLE
#define espvti_set_netns_local(dev) ((dev)->netns_immutable = true)
#else
#define espvti_set_netns_local(dev) ((dev)->features |= NETIF_F_NETNS_LOCAL)
#endif

/* The parsed attributes of a dump request moved into a genl_info in 6.2. */
#ifdef ESPVTI_HAVE_GENL_DUMPIT_INFO_INFO
#define espvti_dump_attrs(cb) (genl_dumpit_info(cb)->info.attrs)
#else
#define espvti_dump_attrs(cb) (genl_dumpit_info(cb)->attrs)
#endif

/*
 * Joining a multicast group that needs CAP_NET_ADMIN: genl_bind() tests the
 * group's GENL_MCAST_CAP_NET_ADMIN flag since mainline 6.7; stable kernels
 * got it as a backport in the same commit as the flag (Debian's 6.1.0-57 and
 * 6.12 have it). Before, every group of every family was open to any user,
 * and a 6.1 family has no bind hook to refuse a join itself: the events group
 * would tell any local user the SPIs, inner addresses and peers' addresses.
 * Refuse to build rather than leak them.
 */
#ifndef ESPVTI_HAVE_GENL_MCAST_CAP
#error "espvti needs a kernel whose genl_bind() checks GENL_MCAST_CAP_NET_ADMIN (mainline 6.7, or a stable kernel with that backport): its events group must not be open to every user"
#endif

#endif /* _ESPVTI_COMPAT_H */
