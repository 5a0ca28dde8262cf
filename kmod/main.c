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

#include "device.h"
#include "input.h"
#include "netlink.h"
#include "replay.h"
#include "sa.h"

#define ESPVTI_VERSION "0.1"

static int __init espvti_init(void)
{
	int ret;

	if (!espvti_replay_selftest()) {
		pr_err("replay self-test failed, not loading\n");
		return -ENOTRECOVERABLE;
	}
	pr_info("replay self-test passed\n");

	ret = espvti_sa_module_init();
	if (ret)
		return ret;
	ret = espvti_device_init();
	if (ret)
		goto err_sa;
	ret = espvti_input_init();
	if (ret)
		goto err_device;
	ret = espvti_genl_init();
	if (ret)
		goto err_input;

	pr_info("espvti " ESPVTI_VERSION " loaded\n");
	return 0;

err_input:
	espvti_input_exit();
err_device:
	espvti_device_exit();
err_sa:
	espvti_sa_module_exit();
	return ret;
}

static void __exit espvti_exit(void)
{
	espvti_genl_exit();
	espvti_input_exit();
	espvti_device_exit();
	espvti_sa_module_exit();
}

module_init(espvti_init);
module_exit(espvti_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Route-based IPsec ESP tunnel device");
MODULE_AUTHOR("The espvti authors");
MODULE_VERSION(ESPVTI_VERSION);
MODULE_ALIAS_RTNL_LINK("espvti");
MODULE_ALIAS_GENL_FAMILY(ESPVTI_GENL_NAME);
