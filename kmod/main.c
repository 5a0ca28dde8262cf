// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * Module initialisation and removal.
 */

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include <uapi/linux/espvti.h>

#include "chachapoly.h"
#include "crypto.h"
#include "device.h"
#include "input.h"
#include "netlink.h"
#include "queue.h"
#include "replay.h"
#include "sa.h"
#include "udp.h"

#define ESPVTI_VERSION "0.1"

/*
 * Order: the cache of per-packet crypto state (crypto.c), the crypto
 * workers (queue.c), the SA machinery, then the generic netlink family
 * (every later part may send its events), then the devices, then
 * reception. Exit undoes it in reverse: reception stops, the devices go
 * (their timers, float work and sockets with them, each of which could send
 * an event; a handed-over socket that its process was closing at that
 * moment is waited for), and only then the family; then the SA machinery,
 * whose rcu_barrier() also waits for the sockets freed after a grace period
 * (udp.c); then the crypto workers, idle once every device is gone; last
 * the packet cache.
 */
static int __init espvti_init(void)
{
	int ret;

	if (!espvti_replay_selftest()) {
		pr_err("replay self-test failed, not loading\n");
		return -ENOTRECOVERABLE;
	}
	pr_info("replay self-test passed\n");
	if (!espvti_chachapoly_selftest()) {
		pr_err("ChaCha20-Poly1305 self-test failed, not loading\n");
		return -ENOTRECOVERABLE;
	}
	pr_info("ChaCha20-Poly1305 self-test passed\n");

	ret = espvti_crypto_module_init();
	if (ret)
		return ret;
	ret = espvti_queue_module_init();
	if (ret)
		goto err_crypto;
	ret = espvti_sa_module_init();
	if (ret)
		goto err_queue;
	ret = espvti_genl_init();
	if (ret)
		goto err_sa;
	ret = espvti_device_init();
	if (ret)
		goto err_genl;
	ret = espvti_input_init();
	if (ret)
		goto err_device;

	pr_info("espvti " ESPVTI_VERSION " loaded\n");
	return 0;

err_device:
	espvti_device_exit();
err_genl:
	espvti_genl_exit();
err_sa:
	espvti_sa_module_exit();
err_queue:
	espvti_queue_module_exit();
err_crypto:
	espvti_crypto_module_exit();
	return ret;
}

static void __exit espvti_exit(void)
{
	espvti_input_exit();
	espvti_device_exit();
	/* Sockets whose process was closing them as their device let go. */
	espvti_udp_module_exit();
	/* Receivers that saw a socket hook of ours are done. */
	synchronize_net();
	espvti_genl_exit();
	espvti_sa_module_exit();
	espvti_queue_module_exit();
	/* Last: the packet cache. */
	espvti_crypto_module_exit();
}

module_init(espvti_init);
module_exit(espvti_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Route-based IPsec ESP tunnel device");
MODULE_AUTHOR("The espvti authors");
MODULE_VERSION(ESPVTI_VERSION);
MODULE_ALIAS_RTNL_LINK("espvti");
MODULE_ALIAS_GENL_FAMILY(ESPVTI_GENL_NAME);
