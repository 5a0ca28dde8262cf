// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * espctl diagnose: the checks (diag.h). Each looks at the device's
 * configuration, or at how a drop counter moved between the two readings
 * (or since the device was created, with one reading), and names the
 * problem with its evidence and its fix. The command itself (reading,
 * printing) is diagnose.c.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "print.h"

/* Appends formatted text to @buf (of DIAG_TEXT bytes), truncating. */
static void diag_cat(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void diag_cat(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

static struct diag_finding *diag_add(struct diag_result *out, const char *id,
				     enum diag_severity sev, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static struct diag_finding *diag_add(struct diag_result *out, const char *id,
				     enum diag_severity sev, const char *fmt, ...)
{
	static struct diag_finding spare;	/* beyond the table: dropped */
	struct diag_finding *f;
	va_list ap;

	f = out->n < DIAG_MAX_FINDINGS ? &out->f[out->n++] : &spare;
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->severity = sev;
	va_start(ap, fmt);
	vsnprintf(f->summary, sizeof(f->summary), fmt, ap);
	va_end(ap);
	return f;
}

/* How far counter @i moved: between the readings, or in all with one. */
static uint64_t diag_delta(const struct diag_input *in, unsigned int i)
{
	uint64_t now = in->now->stats[i];

	if (!in->before || in->before->stats[i] > now)
		return now;
	return now - in->before->stats[i];
}

static void diag_since(const struct diag_input *in, char *buf, size_t len)
{
	if (in->before)
		snprintf(buf, len, "in the last %.0f s", in->seconds);
	else
		snprintf(buf, len, "since the device was created");
}

static const struct espctl_sa_info *diag_out_sa(const struct espctl_dev_info *d)
{
	size_t i;

	for (i = 0; i < d->n_sas; i++)
		if (d->sas[i].dir == ESPVTI_DIR_OUT)
			return &d->sas[i];
	return NULL;
}

static unsigned int diag_count_dir(const struct espctl_dev_info *d, uint8_t dir)
{
	unsigned int i, n = 0;

	for (i = 0; i < d->n_sas; i++)
		n += d->sas[i].dir == dir;
	return n;
}

/* "10.0.0.0/8, 192.168.1.0/24" or "any" into @buf. */
static void diag_ts_str(const struct espctl_prefix *ts, size_t n, char *buf,
			size_t len)
{
	char p[64];
	size_t i;

	buf[0] = '\0';
	if (!n) {
		snprintf(buf, len, "any");
		return;
	}
	for (i = 0; i < n; i++)
		diag_cat(buf, len, "%s%s", i ? ", " : "",
			 espctl_prefix_str(&ts[i], p, sizeof(p)));
}

/* Each SA of direction @dir with its selectors, a line each, into @f. */
static void diag_sa_selectors(struct diag_finding *f,
			      const struct espctl_dev_info *d, uint8_t dir)
{
	char l[512], r[512];
	size_t i;

	for (i = 0; i < d->n_sas; i++) {
		const struct espctl_sa_info *s = &d->sas[i];

		if (s->dir != dir)
			continue;
		diag_ts_str(s->ts_local, s->n_ts_local, l, sizeof(l));
		diag_ts_str(s->ts_remote, s->n_ts_remote, r, sizeof(r));
		diag_cat(f->evidence, sizeof(f->evidence),
			 "\n%s SA spi 0x%08x: local %s, remote %s",
			 dir == ESPVTI_DIR_IN ? "inbound" : "outbound", s->spi, l, r);
	}
}

bool diag_prefix_covers(const struct espctl_prefix *sel,
			const struct espctl_prefix *p)
{
	const uint8_t *a, *b;
	unsigned int bits, i;

	if (sel->addr.family != p->addr.family || sel->plen > p->plen)
		return false;
	a = sel->addr.family == AF_INET ? (const uint8_t *)&sel->addr.v4 :
					   (const uint8_t *)&sel->addr.v6;
	b = p->addr.family == AF_INET ? (const uint8_t *)&p->addr.v4 :
					 (const uint8_t *)&p->addr.v6;
	bits = sel->plen;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (a[i] != b[i])
			return false;
	return !bits || !((a[i] ^ b[i]) & (0xff << (8 - bits)));
}

static void diag_config(const struct diag_input *in, struct diag_result *out)
{
	const struct espctl_dev_info *d = in->now;
	const char *n = d->ifname;
	struct diag_finding *f;
	unsigned int n_in = diag_count_dir(d, ESPVTI_DIR_IN);

	out->checks += 4;
	if (!in->up) {
		f = diag_add(out, "device-down", DIAG_ERROR, "%s is down", n);
		snprintf(f->evidence, sizeof(f->evidence),
			 "the link is administratively down (no UP flag)");
		snprintf(f->fix, sizeof(f->fix), "ip link set %s up", n);
	}
	if (!d->remote.family) {
		f = diag_add(out, "no-remote", DIAG_ERROR,
			     "%s has no remote endpoint: nothing can be sent", n);
		snprintf(f->evidence, sizeof(f->evidence), "remote: none");
		snprintf(f->fix, sizeof(f->fix),
			 "espctl set %s local ADDRESS remote PEER-ADDRESS", n);
	}
	if (!d->has_out) {
		f = diag_add(out, "no-outbound-sa", DIAG_ERROR,
			     "%s has no outbound SA: every packet routed into it is dropped", n);
		snprintf(f->evidence, sizeof(f->evidence),
			 "%u inbound SA(s), no outbound SA; tx_no_sa %llu", n_in,
			 (unsigned long long)d->stats[ESPVTI_STAT_TX_NO_SA]);
		snprintf(f->fix, sizeof(f->fix),
			 "add one (espctl sa add %s dir out ...), or bring the IKE connection up (espctl ike list; espctl ike up NAME)",
			 n);
	}
	if (!n_in) {
		f = diag_add(out, "no-inbound-sa", DIAG_ERROR,
			     "%s has no inbound SA: nothing from the peer can be decrypted", n);
		snprintf(f->evidence, sizeof(f->evidence),
			 "%s outbound SA, no inbound SA; rx_no_sa %llu",
			 d->has_out ? "an" : "no",
			 (unsigned long long)d->stats[ESPVTI_STAT_RX_NO_SA]);
		snprintf(f->fix, sizeof(f->fix),
			 "add one (espctl sa add %s dir in ...) with the SPI and key of the peer's outbound SA, or bring the IKE connection up",
			 n);
	}
}

static void diag_lifetimes(const struct diag_input *in, struct diag_result *out)
{
	static const unsigned int used[2][2] = {
		/* bytes, packets: inbound, outbound */
		{ ESPVTI_STAT_RX_BYTES, ESPVTI_STAT_RX_PACKETS },
		{ ESPVTI_STAT_TX_BYTES, ESPVTI_STAT_TX_PACKETS },
	};
	const struct espctl_dev_info *d = in->now;
	struct diag_finding *f;
	size_t i;
	int k;

	out->checks += 2;
	for (i = 0; i < d->n_sas; i++) {
		const struct espctl_sa_info *s = &d->sas[i];
		const char *dir = s->dir == ESPVTI_DIR_IN ? "inbound" : "outbound";
		int o = s->dir == ESPVTI_DIR_OUT;

		if (s->expired) {
			f = diag_add(out, "sa-expired",
				     s->expired == 2 ? DIAG_ERROR : DIAG_WARNING,
				     "the %s SA 0x%08x of %s has %s-expired", dir,
				     s->spi, d->ifname, s->expired == 2 ? "hard" : "soft");
			snprintf(f->evidence, sizeof(f->evidence), "reason: %s",
				 espctl_reason_name(s->reason));
			snprintf(f->fix, sizeof(f->fix), s->expired == 2 ?
				 "replace it with a new SA (new SPI and key), or let espiked rekey (espctl ike list)" :
				 "rekey before its hard limit: a new SA with a new SPI and key");
			continue;
		}
		if (o && !s->esn && s->seq >= 0xe6666666ULL) {
			f = diag_add(out, "sa-near-limit", DIAG_WARNING,
				     "the outbound SA 0x%08x of %s has used over 90%% of its sequence numbers",
				     s->spi, d->ifname);
			snprintf(f->evidence, sizeof(f->evidence),
				 "sequence number %llu of 4294967295, no ESN",
				 (unsigned long long)s->seq);
			snprintf(f->fix, sizeof(f->fix),
				 "rekey now (a new SA); with ESN (esn) a SA lasts 2^64 packets");
		}
		for (k = 0; k < 2; k++) {
			uint64_t hard = s->limits[2 + k], v = s->stats[used[o][k]];

			if (!hard || v < hard - hard / 10)
				continue;
			f = diag_add(out, "sa-near-limit", DIAG_WARNING,
				     "the %s SA 0x%08x of %s is close to its hard %s limit",
				     dir, s->spi, d->ifname, k ? "packets" : "bytes");
			snprintf(f->evidence, sizeof(f->evidence), "%llu of %llu %s",
				 (unsigned long long)v, (unsigned long long)hard,
				 k ? "packets" : "bytes");
			snprintf(f->fix, sizeof(f->fix),
				 "rekey before the limit (a new SA), or raise the limit");
		}
	}
}

static void diag_silence(const struct diag_input *in, struct diag_result *out)
{
	const struct espctl_dev_info *d = in->now;
	uint64_t tx = diag_delta(in, ESPVTI_STAT_TX_PACKETS);
	uint64_t rx = diag_delta(in, ESPVTI_STAT_RX_PACKETS);
	struct diag_finding *f;

	out->checks++;
	if (!in->before || tx < 3 || rx || !d->has_out)
		return;
	f = diag_add(out, "rx-silent", DIAG_ERROR,
		     "%s sends but receives nothing from its peer", d->ifname);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%llu packets sent and none received in the last %.0f s (outbound SA 0x%08x)",
		 (unsigned long long)tx, in->seconds, d->out_spi);
	if (d->encap == ESPVTI_ENCAP_UDP)
		snprintf(f->fix, sizeof(f->fix),
			 "check that UDP port %u reaches the peer and back, and that the peer has an inbound SA for 0x%08x and sends on its outbound SA",
			 d->dport, d->out_spi);
	else
		snprintf(f->fix, sizeof(f->fix),
			 "the peer sends nothing back, or ESP (IP protocol 50) is dropped on the way: a NAT or a firewall between the endpoints is the usual cause; use ESP in UDP on both sides (espctl set %s encap udp; espiked does it by itself when it detects a NAT), and check that the peer has an inbound SA for 0x%08x",
			 d->ifname, d->out_spi);
}

/* Finding no-route-to-peer: @v packets sent without a route to the peer, @since when. */
static void diag_no_route(const struct espctl_dev_info *d, uint64_t v, const char *since,
			  struct diag_result *out)
{
	struct diag_finding *f;
	char remote[64];

	espctl_addr_str(&d->remote, remote, sizeof(remote));
	f = diag_add(out, "no-route-to-peer", DIAG_ERROR,
		     "%s has no route to its peer %s", d->ifname, remote);
	snprintf(f->evidence, sizeof(f->evidence),
		 "tx_no_route: %llu packets dropped %s", (unsigned long long)v, since);
	snprintf(f->fix, sizeof(f->fix),
		 "check the route to the peer (ip route get %s)%s, and that the underlay is up",
		 remote, d->underlay ? " in the underlay's table" : "");
}

/* Finding auth-failures: @v packets received failed the integrity check, @since when. */
static void diag_auth_fail(const struct espctl_dev_info *d, uint64_t v, const char *since,
			   struct diag_result *out)
{
	struct diag_finding *f;

	f = diag_add(out, "auth-failures", DIAG_ERROR,
		     "packets for %s fail the integrity check", d->ifname);
	snprintf(f->evidence, sizeof(f->evidence),
		 "rx_auth_fail: %llu packets %s", (unsigned long long)v, since);
	diag_sa_selectors(f, d, ESPVTI_DIR_IN);
	snprintf(f->fix, sizeof(f->fix),
		 "the peer encrypts with another key or algorithm for this SPI (its outbound SA must have the key of this inbound SA), or someone forges packets: compare the keys on both sides, or rekey");
}

/* Finding replay-drops: @v packets received were replayed or too old, @since when. */
static void diag_replay(const struct espctl_dev_info *d, uint64_t v, const char *since,
			struct diag_result *out)
{
	struct diag_finding *f;

	f = diag_add(out, "replay-drops", DIAG_WARNING,
		     "%s drops replayed or too old packets", d->ifname);
	snprintf(f->evidence, sizeof(f->evidence),
		 "rx_replay: %llu packets %s", (unsigned long long)v, since);
	snprintf(f->fix, sizeof(f->fix),
		 "packets are duplicated on the way, or reordered deeper than the replay window: a larger replay-window on the inbound SA if the path reorders (espctl sa add ... replay-window N)");
}

/* Finding rx-selector-drops: @v packets decrypted outside the selectors, @since when. */
static void diag_rx_selector(const struct espctl_dev_info *d, uint64_t v, const char *since,
			     struct diag_result *out)
{
	struct diag_finding *f;

	f = diag_add(out, "rx-selector-drops", DIAG_WARNING,
		     "%s drops decrypted packets outside its traffic selectors", d->ifname);
	snprintf(f->evidence, sizeof(f->evidence),
		 "rx_selector: %llu packets %s", (unsigned long long)v, since);
	if (d->sel_src.family) {
		char s[64], t[64];

		diag_cat(f->evidence, sizeof(f->evidence), "\nlast refused packet: %s -> %s",
			 espctl_addr_str(&d->sel_src, s, sizeof(s)),
			 espctl_addr_str(&d->sel_dst, t, sizeof(t)));
	}
	diag_sa_selectors(f, d, ESPVTI_DIR_IN);
	snprintf(f->fix, sizeof(f->fix),
		 "the peer sends traffic that this side's SAs do not accept: make the selectors of both sides the same (local here = remote there), the Phase 2 (CHILD_SA) mismatch");
}

/* Finding tx-selector-drops: @v packets routed in outside the outbound SA, @since when. */
static void diag_tx_selector(const struct espctl_dev_info *d, uint64_t v, const char *since,
			     struct diag_result *out)
{
	struct diag_finding *f;

	f = diag_add(out, "tx-selector-drops", DIAG_WARNING,
		     "%s drops packets routed into it that its outbound SA does not cover",
		     d->ifname);
	snprintf(f->evidence, sizeof(f->evidence),
		 "tx_selector: %llu packets %s", (unsigned long long)v, since);
	diag_sa_selectors(f, d, ESPVTI_DIR_OUT);
	snprintf(f->fix, sizeof(f->fix),
		 "route into %s only what the outbound SA's selectors cover, or widen them (on both sides)",
		 d->ifname);
}

/* Finding too-big: @v packets larger than the path to the peer, @since when. */
static void diag_too_big(const struct espctl_dev_info *d, uint64_t v, const char *since,
			 struct diag_result *out)
{
	struct diag_finding *f;

	f = diag_add(out, "too-big", DIAG_WARNING,
		     "%s drops packets larger than the path to its peer", d->ifname);
	snprintf(f->evidence, sizeof(f->evidence),
		 "tx_too_big: %llu packets %s; MTU of %s %u; mss-clamp %s",
		 (unsigned long long)v, since, d->ifname, d->mtu,
		 !d->has_mss_clamp ? "unknown" : d->mss_clamp == ESPVTI_MSS_CLAMP_OFF ?
		 "off" : "on");
	snprintf(f->fix, sizeof(f->fix),
		 "lower the MTU of %s (ip link set %s mtu N) to what fits the path, or let ICMP \"fragmentation needed\" / \"packet too big\" reach the senders%s",
		 d->ifname, d->ifname,
		 d->has_mss_clamp && d->mss_clamp == ESPVTI_MSS_CLAMP_OFF ?
		 "; for TCP, turn clamping on (espctl set DEV mss-clamp auto)" : "");
}

/* Finding crypto-busy: @v packets dropped with too many crypto requests in flight, @since when. */
static void diag_crypto_busy(const struct espctl_dev_info *d, uint64_t v, const char *since,
			     struct diag_result *out)
{
	struct diag_finding *f;

	f = diag_add(out, "crypto-busy", DIAG_WARNING,
		     "%s drops packets because too many crypto requests are in flight",
		     d->ifname);
	snprintf(f->evidence, sizeof(f->evidence),
		 "rx_crypto_busy + tx_crypto_busy: %llu packets %s; crypto %s",
		 (unsigned long long)v, since,
		 d->has_crypto ? espctl_crypto_name(d->crypto) : "unknown");
	snprintf(f->fix, sizeof(f->fix),
		 "the crypto implementation cannot keep up (or a flood of forged packets for a known SPI): see the module parameters crypto_max_inflight and crypto_max_inflight_sa, and espctl set DEV crypto");
}

/**
 * struct diag_drop - a drop counter (or two, summed) and its finding
 * @stat: ESPVTI_STAT_* counter
 * @stat2: a second counter added to it, or DIAG_NO_STAT
 * @finding: adds the finding for @v packets dropped @since when
 */
struct diag_drop {
	unsigned int stat, stat2;
	void (*finding)(const struct espctl_dev_info *d, uint64_t v, const char *since,
			struct diag_result *out);
};

#define DIAG_NO_STAT	(~0u)

/* The drop counters checked, in the order their findings are listed. */
static const struct diag_drop diag_drop_table[] = {
	{ ESPVTI_STAT_TX_NO_ROUTE, DIAG_NO_STAT, diag_no_route },
	{ ESPVTI_STAT_RX_AUTH_FAIL, DIAG_NO_STAT, diag_auth_fail },
	{ ESPVTI_STAT_RX_REPLAY, DIAG_NO_STAT, diag_replay },
	{ ESPVTI_STAT_RX_SELECTOR, DIAG_NO_STAT, diag_rx_selector },
	{ ESPVTI_STAT_TX_SELECTOR, DIAG_NO_STAT, diag_tx_selector },
	{ ESPVTI_STAT_TX_TOO_BIG, DIAG_NO_STAT, diag_too_big },
	{ ESPVTI_STAT_RX_CRYPTO_BUSY, ESPVTI_STAT_TX_CRYPTO_BUSY, diag_crypto_busy },
};

/* The drop counters that moved, one finding each, in the table's order. */
static void diag_drops(const struct diag_input *in, struct diag_result *out)
{
	const size_t n = sizeof(diag_drop_table) / sizeof(diag_drop_table[0]);
	char since[64];
	uint64_t v;

	diag_since(in, since, sizeof(since));
	out->checks += n;
	for (size_t i = 0; i < n; i++) {
		const struct diag_drop *t = &diag_drop_table[i];

		v = diag_delta(in, t->stat);
		if (t->stat2 != DIAG_NO_STAT)
			v += diag_delta(in, t->stat2);
		if (v)
			t->finding(in->now, v, since, out);
	}
}

static void diag_routes(const struct diag_input *in, struct diag_result *out)
{
	const struct espctl_dev_info *d = in->now;
	const struct espctl_sa_info *o = diag_out_sa(d);
	struct diag_finding *f = NULL;
	char p[64], sel[512];
	size_t i, k;

	out->checks++;
	if (!o || !o->n_ts_remote)
		return;
	for (i = 0; i < in->n_routes; i++) {
		const struct espctl_prefix *r = &in->routes[i];
		bool covered = false, partly = false;

		for (k = 0; k < o->n_ts_remote; k++) {
			if (diag_prefix_covers(&o->ts_remote[k], r))
				covered = true;
			else if (diag_prefix_covers(r, &o->ts_remote[k]))
				partly = true;
		}
		if (covered)
			continue;
		if (!f) {
			f = diag_add(out, "routes-not-covered", DIAG_WARNING,
				     "routes into %s that its outbound SA's remote selectors do not cover",
				     d->ifname);
			diag_ts_str(o->ts_remote, o->n_ts_remote, sel, sizeof(sel));
			snprintf(f->evidence, sizeof(f->evidence),
				 "outbound SA 0x%08x, remote selectors: %s\n%-43s %s", o->spi,
				 sel, "route", "covered");
		}
		diag_cat(f->evidence, sizeof(f->evidence), "\n%-43s %s",
			 espctl_prefix_str(r, p, sizeof(p)), partly ? "partly" : "no");
	}
	if (f)
		snprintf(f->fix, sizeof(f->fix),
			 "packets to these destinations are dropped (tx_selector): route only what the selectors cover, or widen the selectors on both sides (the classic Phase 2 mismatch)%s",
			 in->routes_truncated ? "; more routes were not checked" : "");
}

static void diag_ike(const struct diag_input *in, struct diag_result *out)
{
	const struct espctl_dev_info *d = in->now;
	struct diag_finding *f;
	size_t i;

	if (in->ike == DIAG_IKE_NONE)
		return;
	out->checks++;
	if (in->ike == DIAG_IKE_DEAD) {
		f = diag_add(out, "espiked-down", DIAG_ERROR,
			     "espiked does not answer on %s", in->ike_path);
		snprintf(f->evidence, sizeof(f->evidence), "connecting to %s: %s",
			 in->ike_path, strerror(in->ike_err));
		snprintf(f->fix, sizeof(f->fix),
			 "start espiked (a socket left behind means it stopped without removing it); its log says why it stopped");
		return;
	}
	out->checks += 3;
	for (i = 0; i < in->n_conns; i++) {
		const struct diag_conn *cn = &in->conns[i];
		bool ts = strstr(cn->last_failure, "TS_UNACCEPTABLE") != NULL;

		if (!cn->up) {
			f = diag_add(out, "ike-down", DIAG_ERROR,
				     "espiked's connection %s for %s has no established IKE SA",
				     cn->name, d->ifname);
			snprintf(f->evidence, sizeof(f->evidence), "espctl ike list %s: no IKE SA up",
				 cn->name);
			snprintf(f->fix, sizeof(f->fix),
				 "espctl ike up %s, then read espiked's log: the peer's address and port, the identities and the PSK must match",
				 cn->name);
		}
		/* Older than the IKE SA that is up: resolved since. */
		if (cn->last_failure[0] && (!cn->up || cn->failure_age <= cn->up_age)) {
			f = diag_add(out, "ike-failure", DIAG_WARNING,
				     "the last negotiation of espiked's connection %s was refused, %llu s ago",
				     cn->name, cn->failure_age);
			snprintf(f->evidence, sizeof(f->evidence), "%s", cn->last_failure);
			snprintf(f->fix, sizeof(f->fix), "%s", ts ?
				 "the two sides' traffic selectors differ: local_ts here must be what the peer has as remote_ts, and remote_ts what it has as local_ts" :
				 "the two sides have no proposal in common: give both an ike (or esp) proposal that the other accepts");
		}
		if (cn->up && cn->nat && d->encap != ESPVTI_ENCAP_UDP) {
			f = diag_add(out, "nat-no-encap", DIAG_ERROR,
				     "espiked found a NAT on connection %s, but %s sends plain ESP",
				     cn->name, d->ifname);
			snprintf(f->evidence, sizeof(f->evidence),
				 "IKE SA of %s: NAT detected; %s: encap none", cn->name, d->ifname);
			snprintf(f->fix, sizeof(f->fix),
				 "espctl set %s encap udp (espiked sets it when it installs the CHILD_SA: something turned it off since)",
				 d->ifname);
		}
	}
}

void diag_device(const struct diag_input *in, struct diag_result *out)
{
	struct diag_finding tmp;
	size_t i, j;

	memset(out, 0, sizeof(*out));
	diag_config(in, out);
	diag_lifetimes(in, out);
	diag_silence(in, out);
	diag_drops(in, out);
	diag_routes(in, out);
	diag_ike(in, out);
	/* Errors first, otherwise in the order found. */
	for (i = 1; i < out->n; i++)
		for (j = i; j > 0 && out->f[j].severity > out->f[j - 1].severity; j--) {
			tmp = out->f[j];
			out->f[j] = out->f[j - 1];
			out->f[j - 1] = tmp;
		}
}
