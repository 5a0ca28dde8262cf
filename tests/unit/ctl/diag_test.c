// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * diag_test.c - the checks of espctl diagnose (userland/ctl/diag.c) on
 * made-up device states: a healthy tunnel has no finding, each problem
 * gives its finding (by id), errors come first, selector coverage.
 */

#include <arpa/inet.h>
#include <string.h>

#include "ctl_test.h"
#include "diag.h"

static struct espctl_prefix pfx(const char *addr, uint8_t plen)
{
	struct espctl_prefix p = { 0 };

	p.addr.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	inet_pton(p.addr.family, addr, &p.addr.v6);
	p.plen = plen;
	return p;
}

/* A device up, with endpoints and one SA each way, selectors any. */
static void healthy(struct espctl_dev_info *d, struct espctl_sa_info sas[2])
{
	memset(d, 0, sizeof(*d));
	memset(sas, 0, 2 * sizeof(*sas));
	snprintf(d->ifname, sizeof(d->ifname), "esp0");
	d->ifindex = 7;
	d->mtu = 1438;
	d->remote = pfx("192.0.2.2", 32).addr;
	d->local = pfx("192.0.2.1", 32).addr;
	d->has_out = true;
	d->out_spi = 0x100;
	d->n_in = 1;
	sas[0].dir = ESPVTI_DIR_OUT;
	sas[0].spi = 0x100;
	sas[1].dir = ESPVTI_DIR_IN;
	sas[1].spi = 0x200;
	d->sas = sas;
	d->n_sas = 2;
}

/* Index of the finding @id in @r, or -1. */
static int has(const struct diag_result *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->f[i].id, id))
			return (int)i;
	return -1;
}

static void run(struct diag_input *in, const struct espctl_dev_info *before,
		const struct espctl_dev_info *now, struct diag_result *r)
{
	in->before = before;
	in->now = now;
	in->seconds = 2;
	diag_device(in, r);
}

void test_diag(void)
{
	struct espctl_sa_info sa0[2], sa1[2];
	struct espctl_dev_info d0, d1;
	struct diag_input in = { .up = true };
	struct diag_result r;
	struct espctl_prefix sel, p;

	healthy(&d0, sa0);
	healthy(&d1, sa1);
	d0.stats[ESPVTI_STAT_TX_PACKETS] = d1.stats[ESPVTI_STAT_TX_PACKETS] = 10;
	d1.stats[ESPVTI_STAT_TX_PACKETS] = 20;
	d1.stats[ESPVTI_STAT_RX_PACKETS] = 20;
	in.routes[0] = pfx("10.1.0.0", 16);
	in.n_routes = 1;
	run(&in, &d0, &d1, &r);
	t_ok(r.n == 0 && r.checks > 10, "healthy tunnel: no finding (%zu, %u checks)", r.n,
	     r.checks);

	d1.stats[ESPVTI_STAT_RX_PACKETS] = 0;
	run(&in, &d0, &d1, &r);
	t_ok(has(&r, "rx-silent") == 0 && t_has(r.f[0].fix, "encap udp"),
	     "sending, receiving nothing: rx-silent, suggests encap udp");
	run(&in, NULL, &d1, &r);
	t_ok(has(&r, "rx-silent") < 0, "one reading: no rx-silent (no interval)");
	d1.stats[ESPVTI_STAT_RX_PACKETS] = 20;

	in.up = false;
	d1.has_out = false;
	d1.sas = sa1 + 1;
	d1.n_sas = 1;
	d1.stats[ESPVTI_STAT_RX_REPLAY] = 5;
	run(&in, &d0, &d1, &r);
	t_ok(has(&r, "device-down") >= 0 && has(&r, "no-outbound-sa") >= 0 &&
	     has(&r, "replay-drops") == (int)r.n - 1,
	     "down, no outbound SA, replay drops: errors first (%zu findings)", r.n);
	in.up = true;
	healthy(&d1, sa1);

	d1.stats[ESPVTI_STAT_RX_AUTH_FAIL] = 3;
	d0.stats[ESPVTI_STAT_RX_AUTH_FAIL] = 3;
	run(&in, &d0, &d1, &r);
	t_ok(has(&r, "auth-failures") < 0, "auth failures that did not move: no finding");
	d1.stats[ESPVTI_STAT_RX_AUTH_FAIL] = 9;
	run(&in, &d0, &d1, &r);
	t_ok(has(&r, "auth-failures") >= 0 && t_has(r.f[0].evidence, "rx_auth_fail: 6 "),
	     "auth failures rising: auth-failures with the delta");
	d1.stats[ESPVTI_STAT_RX_AUTH_FAIL] = 3;

	sa1[0].ts_remote[0] = pfx("10.1.0.0", 16);
	sa1[0].n_ts_remote = 1;
	in.routes[1] = pfx("10.2.0.0", 24);
	in.routes[2] = pfx("10.0.0.0", 8);
	in.n_routes = 3;
	run(&in, &d0, &d1, &r);
	t_ok(has(&r, "routes-not-covered") >= 0 &&
	     t_has(r.f[0].evidence, "10.2.0.0/24") && t_has(r.f[0].evidence, "partly") &&
	     t_lacks(r.f[0].evidence, "10.1.0.0/16 "),
	     "routes outside the remote selectors: listed, the covered one not");
	in.n_routes = 1;

	sa1[0].seq = 0xf0000000ULL;
	sa1[1].limits[3] = 100;
	sa1[1].stats[ESPVTI_STAT_RX_PACKETS] = 95;
	sa1[1].expired = 0;
	run(&in, &d0, &d1, &r);
	t_ok(r.n == 2 && has(&r, "sa-near-limit") >= 0,
	     "sequence numbers and packet limit near the end: two sa-near-limit (%zu)", r.n);

	sel = pfx("10.0.0.0", 8);
	p = pfx("10.255.1.0", 24);
	t_ok(diag_prefix_covers(&sel, &p), "10.0.0.0/8 covers 10.255.1.0/24");
	p = pfx("11.0.0.0", 24);
	t_ok(!diag_prefix_covers(&sel, &p), "10.0.0.0/8 does not cover 11.0.0.0/24");
	sel = pfx("2001:db8::", 33);
	p = pfx("2001:db8:7fff::", 48);
	t_ok(diag_prefix_covers(&sel, &p), "2001:db8::/33 covers 2001:db8:7fff::/48");
	p = pfx("2001:db8:8000::", 48);
	t_ok(!diag_prefix_covers(&sel, &p), "2001:db8::/33 does not cover 2001:db8:8000::/48");
	sel = pfx("0.0.0.0", 0);
	p = pfx("2001:db8::", 32);
	t_ok(!diag_prefix_covers(&sel, &p), "an IPv4 selector never covers an IPv6 route");
}
