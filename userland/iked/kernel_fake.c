// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * kernel_fake.c - the "fake:PATH" backend for host tests: the devices'
 * endpoints and SAs are kept in memory with the module's rules (an inbound
 * SPI is unique, a new outbound SA replaces the old one, deleting a missing
 * SA fails; UDP encapsulation needs a bound UDP socket, whose port is the
 * source port) and the whole state is written to PATH after each change, one
 * line per object:
 *
 *   dev DEV local ADDR remote ADDR [encap udp sport PORT dport PORT keepalive SECONDS]
 *   sa DEV in|out spi 0xSPI alg ALG key HEX icv BITS esn 0|1 ts_local LIST ts_remote LIST
 *
 * The file holds keys: it is for tests only and created mode 0600.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/espvti.h>

#include "kernel.h"
#include "log.h"

#define FAKE_MAX_DEV	16
#define FAKE_MAX_SA	64

/**
 * struct fake_dev - endpoints of one device
 * @name: device name
 * @local: outer source
 * @remote: outer destination
 * @encap: UDP encapsulation (encap.fd not kept)
 * @sport: source port of the encapsulation (the handed socket's port)
 */
struct fake_dev {
	char name[CONF_IFNAME_MAX];
	struct sockaddr_storage local, remote;
	struct kern_encap encap;
	uint16_t sport;
};

/**
 * struct fake_kern - state of the fake backend
 * @path: file written after each change
 * @ndev: entries in @dev
 * @dev: devices that have been configured
 * @nsa: entries in @sa
 * @sa: SAs
 * @nresv: entries in @resv
 * @resv: reserved inbound SPIs (kept in memory only: they are consumed by
 *	the SA that follows, or released)
 */
struct fake_kern {
	char path[4096];
	unsigned int ndev;
	struct fake_dev dev[FAKE_MAX_DEV];
	unsigned int nsa;
	struct kern_sa sa[FAKE_MAX_SA];
	unsigned int nresv;
	struct {
		char dev[CONF_IFNAME_MAX];
		uint32_t spi;
	} resv[FAKE_MAX_SA];
};

/* Drops the reservation of @spi on @dev; true when there was one. */
static bool fake_unreserve(struct fake_kern *fk, const char *dev, uint32_t spi)
{
	for (unsigned int i = 0; i < fk->nresv; i++)
		if (fk->resv[i].spi == spi && !strcmp(fk->resv[i].dev, dev)) {
			fk->resv[i] = fk->resv[--fk->nresv];
			return true;
		}
	return false;
}

static void addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET ?
			(const void *)&((const struct sockaddr_in *)ss)->sin_addr :
			(const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (!inet_ntop(ss->ss_family, a, buf, (socklen_t)len))
		snprintf(buf, len, "none");
}

static int fake_write(struct fake_kern *fk, char *err, size_t errlen)
{
	char tmp[4200], l[64], r[64], tl[1200], tr[1200];
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", fk->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "fake kernel: %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (unsigned int i = 0; i < fk->ndev; i++) {
		addr_str(&fk->dev[i].local, l, sizeof(l));
		addr_str(&fk->dev[i].remote, r, sizeof(r));
		fprintf(f, "dev %s local %s remote %s", fk->dev[i].name, l, r);
		if (fk->dev[i].encap.udp)
			fprintf(f, " encap udp sport %u dport %u keepalive %u", fk->dev[i].sport,
				fk->dev[i].encap.dport, fk->dev[i].encap.keepalive);
		fprintf(f, "\n");
	}
	for (unsigned int i = 0; i < fk->nsa; i++) {
		const struct kern_sa *sa = &fk->sa[i];

		fprintf(f, "sa %s %s spi 0x%08x alg %s key ", sa->dev,
			sa->dir == ESPVTI_DIR_IN ? "in" : "out", sa->spi, sa->alg);
		for (size_t j = 0; j < sa->keylen; j++)
			fprintf(f, "%02x", sa->key[j]);
		kern_ts_format(sa->ts_local, sa->nts_local, tl, sizeof(tl));
		kern_ts_format(sa->ts_remote, sa->nts_remote, tr, sizeof(tr));
		fprintf(f, " icv %u esn %d ts_local %s ts_remote %s", sa->icv_bits, sa->esn,
			tl, tr);
		if (sa->soft_bytes || sa->hard_bytes)
			fprintf(f, " bytes %llu/%llu", (unsigned long long)sa->soft_bytes,
				(unsigned long long)sa->hard_bytes);
		if (sa->soft_packets || sa->hard_packets)
			fprintf(f, " packets %llu/%llu", (unsigned long long)sa->soft_packets,
				(unsigned long long)sa->hard_packets);
		fprintf(f, "\n");
	}
	if (fclose(f) || rename(tmp, fk->path)) {
		snprintf(err, errlen, "fake kernel: %s: %s", fk->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The device @dev, created when missing; NULL with @err when full. */
static struct fake_dev *fake_dev(struct fake_kern *fk, const char *dev, char *err,
				 size_t errlen)
{
	unsigned int i;

	for (i = 0; i < fk->ndev; i++)
		if (!strcmp(fk->dev[i].name, dev))
			return &fk->dev[i];
	if (fk->ndev == FAKE_MAX_DEV) {
		snprintf(err, errlen, "DEV_SET %s: fake kernel has no room", dev);
		return NULL;
	}
	fk->ndev++;
	memset(&fk->dev[i], 0, sizeof(fk->dev[i]));
	snprintf(fk->dev[i].name, sizeof(fk->dev[i].name), "%s", dev);
	return &fk->dev[i];
}

static int fake_dev_set(struct kern *k, const char *dev, const struct sockaddr_storage *local,
			const struct sockaddr_storage *remote, char *err, size_t errlen)
{
	struct fake_kern *fk = k->priv;
	struct fake_dev *d;

	if (local->ss_family != remote->ss_family) {
		snprintf(err, errlen, "DEV_SET %s: local and remote of different families", dev);
		return -1;
	}
	d = fake_dev(fk, dev, err, errlen);
	if (!d)
		return -1;
	d->local = *local;
	d->remote = *remote;
	return fake_write(fk, err, errlen);
}

static int fake_encap_set(struct kern *k, const char *dev, const struct kern_encap *e,
			  char *err, size_t errlen)
{
	struct fake_kern *fk = k->priv;
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);
	struct fake_dev *d;
	int type;
	socklen_t tlen = sizeof(type);

	if (e->udp && (getsockopt(e->fd, SOL_SOCKET, SO_TYPE, &type, &tlen) ||
		       type != SOCK_DGRAM ||
		       getsockname(e->fd, (struct sockaddr *)&ss, &len) ||
		       (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) ||
		       !((struct sockaddr_in *)&ss)->sin_port)) {
		snprintf(err, errlen, "DEV_SET %s: ESPVTI_A_ENCAP_FD: descriptor %d is not a bound UDP socket",
			 dev, e->fd);
		return -1;
	}
	if (e->udp && !e->dport) {
		snprintf(err, errlen, "DEV_SET %s: ESPVTI_A_ENCAP_SPORT/DPORT: port 0 is not valid", dev);
		return -1;
	}
	d = fake_dev(fk, dev, err, errlen);
	if (!d)
		return -1;
	d->encap = *e;
	d->encap.fd = -1;
	/* sin_port and sin6_port are at the same offset. */
	d->sport = e->udp ? ntohs(((struct sockaddr_in *)&ss)->sin_port) : 0;
	return fake_write(fk, err, errlen);
}

static void fake_remove(struct fake_kern *fk, unsigned int i)
{
	explicit_bzero(&fk->sa[i], sizeof(fk->sa[i]));
	memmove(&fk->sa[i], &fk->sa[i + 1], (fk->nsa - i - 1) * sizeof(fk->sa[0]));
	fk->nsa--;
}

static int fake_sa_new(struct kern *k, const struct kern_sa *sa, char *err, size_t errlen)
{
	struct fake_kern *fk = k->priv;

	if (sa->spi < 256) {
		snprintf(err, errlen, "SA_NEW %s: SPI %u is reserved", sa->dev, sa->spi);
		return -1;
	}
	for (unsigned int i = 0; i < fk->nsa; i++) {
		if (sa->dir == ESPVTI_DIR_IN && fk->sa[i].dir == ESPVTI_DIR_IN &&
		    fk->sa[i].spi == sa->spi) {
			snprintf(err, errlen, "SA_NEW %s: inbound SPI 0x%08x already in use", sa->dev,
				 sa->spi);
			return -1;
		}
		if (sa->dir == ESPVTI_DIR_OUT && fk->sa[i].dir == ESPVTI_DIR_OUT &&
		    !strcmp(fk->sa[i].dev, sa->dev)) {
			/* As the module: the same SPI again would repeat nonces. */
			if (fk->sa[i].spi == sa->spi) {
				snprintf(err, errlen,
					 "SA_NEW %s: outbound SPI 0x%08x is the current outbound SA's (File exists)",
					 sa->dev, sa->spi);
				return -1;
			}
			fake_remove(fk, i);	/* the new outbound SA replaces it */
			break;
		}
	}
	if (fk->nsa == FAKE_MAX_SA) {
		snprintf(err, errlen, "SA_NEW %s: fake kernel has no room", sa->dev);
		return -1;
	}
	if (sa->dir == ESPVTI_DIR_IN)
		fake_unreserve(fk, sa->dev, sa->spi);
	fk->sa[fk->nsa++] = *sa;
	return fake_write(fk, err, errlen);
}

static int fake_sa_del(struct kern *k, const char *dev, uint8_t dir, uint32_t spi,
		       char *err, size_t errlen)
{
	struct fake_kern *fk = k->priv;

	for (unsigned int i = 0; i < fk->nsa; i++)
		if (!strcmp(fk->sa[i].dev, dev) && fk->sa[i].dir == dir && fk->sa[i].spi == spi) {
			fake_remove(fk, i);
			return fake_write(fk, err, errlen);
		}
	if (dir == ESPVTI_DIR_IN && fake_unreserve(fk, dev, spi))
		return 0;
	snprintf(err, errlen, "SA_DEL %s: no %s SA with SPI 0x%08x", dev,
		 dir == ESPVTI_DIR_IN ? "inbound" : "outbound", spi);
	return -1;
}

static int fake_sa_reserve(struct kern *k, const char *dev, uint32_t spi, uint32_t ms,
			   char *err, size_t errlen)
{
	struct fake_kern *fk = k->priv;

	if (ms < ESPVTI_MIN_RESERVE_MS || ms > ESPVTI_MAX_RESERVE_MS) {
		snprintf(err, errlen, "SA_RESERVE %s: time %u ms out of range", dev, ms);
		return -1;
	}
	for (unsigned int i = 0; i < fk->nsa; i++)
		if (fk->sa[i].dir == ESPVTI_DIR_IN && fk->sa[i].spi == spi) {
			snprintf(err, errlen, "SA_RESERVE %s: inbound SPI 0x%08x in use", dev, spi);
			return -1;
		}
	if (fake_unreserve(fk, dev, spi) || fk->nresv < FAKE_MAX_SA) {
		snprintf(fk->resv[fk->nresv].dev, sizeof(fk->resv[0].dev), "%s", dev);
		fk->resv[fk->nresv++].spi = spi;
		return 0;
	}
	snprintf(err, errlen, "SA_RESERVE %s: fake kernel has no room", dev);
	return -1;
}

static int fake_flush(struct kern *k, const char *dev, char *err, size_t errlen)
{
	struct fake_kern *fk = k->priv;

	for (unsigned int i = 0; i < fk->nresv;)
		if (!strcmp(fk->resv[i].dev, dev))
			fk->resv[i] = fk->resv[--fk->nresv];
		else
			i++;

	for (unsigned int i = 0; i < fk->nsa;)
		if (!strcmp(fk->sa[i].dev, dev))
			fake_remove(fk, i);
		else
			i++;
	return fake_write(fk, err, errlen);
}

static int fake_event_fd(struct kern *k)
{
	(void)k;
	return -1;
}

static void fake_event_read(struct kern *k, kern_event_cb cb, void *arg)
{
	(void)k, (void)cb, (void)arg;
}

static void fake_close(struct kern *k)
{
	explicit_bzero(k->priv, sizeof(struct fake_kern));
	free(k->priv);
	free(k);
}

static const struct kern_ops fake_ops = {
	.dev_set = fake_dev_set,
	.sa_new = fake_sa_new,
	.sa_del = fake_sa_del,
	.sa_reserve = fake_sa_reserve,
	.flush = fake_flush,
	.encap_set = fake_encap_set,
	.event_fd = fake_event_fd,
	.event_read = fake_event_read,
	.close = fake_close,
};

struct kern *kern_fake_open(const char *path, char *err, size_t errlen)
{
	struct kern *k = calloc(1, sizeof(*k));
	struct fake_kern *fk = calloc(1, sizeof(*fk));

	if (!k || !fk || strlen(path) >= sizeof(fk->path) - 8) {
		snprintf(err, errlen, "fake kernel: %s", k && fk ? "path too long" : "out of memory");
		free(k);
		free(fk);
		return NULL;
	}
	snprintf(fk->path, sizeof(fk->path), "%s", path);
	k->ops = &fake_ops;
	k->priv = fk;
	if (fake_write(fk, err, errlen)) {
		fake_close(k);
		return NULL;
	}
	return k;
}
