// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * main.c - espiked(8): options, pid file, the poll() main loop over the
 * IKE sockets, the control socket, kernel events, signals (SIGHUP: reload)
 * and timers, and the service manager told when it is ready and stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "daemon.h"
#include "log.h"

#define DEFAULT_CONF	"/etc/espiked.conf"
#define DEFAULT_PID	"/run/espiked.pid"
#define DEFAULT_SOCK	"/run/espiked.sock"

struct daemon ikd = { .ike4 = -1, .ike6 = -1, .natt4 = -1, .natt6 = -1 };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: espiked [-d|-F] [-n] [-f CONFIG] [-p PIDFILE] [-s SOCKET] [-K netlink|fake:PATH]\n"
		"       espiked [-s SOCKET] ctl list [NAME]|status [NAME]|up NAME|down NAME|reload\n"
		"  -f  configuration file (default " DEFAULT_CONF ")\n"
		"  -p  pid file (default " DEFAULT_PID ")\n"
		"  -s  control socket (default " DEFAULT_SOCK ")\n"
		"  -K  kernel interface: netlink (default) or fake:PATH (tests)\n"
		"  -d  stay in the foreground, log to stderr with debug messages\n"
		"  -F  stay in the foreground, log to syslog (systemd: Type=notify)\n"
		"  -n  check the configuration and exit\n");
}

static int pidfile_fd = -1;
static const char *pidfile_path;

/* Open and lock the pid file: a second espiked with the same file fails. */
static int pidfile_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		log_err("pid file %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		log_err("pid file %s: locked, another espiked runs with it", path);
		close(fd);
		return -1;
	}
	pidfile_fd = fd;
	pidfile_path = path;
	return 0;
}

/* Write our pid, once in the background (the lock survives the fork). */
static int pidfile_write(void)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pidfile_fd, 0) || pwrite(pidfile_fd, buf, strlen(buf), 0) < 0) {
		log_err("pid file %s: %s", pidfile_path, strerror(errno));
		return -1;
	}
	return 0;
}

static void kern_event(const struct kern_event *ev, void *arg)
{
	(void)arg;
	for (struct conn *cn = ikd.conf->conns; cn; cn = cn->next) {
		struct ike_sa *sa;

		if (strcmp(cn->device, ev->dev))
			continue;
		sa = ike_sa_of_conn(cn);
		switch (ev->type) {
		case KEV_ACQUIRE:
			if (cn->start == START_TRAP && !sa) {
				log_info("conn %s: traffic on %s without an SA: initiating", cn->name,
					 ev->dev);
				init_start(cn);
			}
			break;
		case KEV_SOFT_EXPIRE:
		case KEV_HARD_EXPIRE:
			rekey_kern_expire(ev);	/* rekey, or remove the CHILD_SA */
			return;
		case KEV_MAPPING:
			nat_mapping(sa, ev);
			break;
		}
	}
}

static void shutdown_sas(void)
{
	for (struct ike_sa *sa = ike_sa_first(); sa; sa = sa->next) {
		if (sa->dead)
			continue;
		if (sa->state == IKE_STATE_ESTABLISHED)
			info_delete_ike(sa);	/* sent once, not waited for */
		ike_sa_close(sa, "espiked is stopping");
	}
	ike_sa_reap();
}

static void on_signal(uint32_t signo)
{
	char summary[512];

	if (signo == SIGHUP) {
		log_info("signal %u (SIGHUP): reloading the configuration", signo);
		reload_run(NULL, NULL, summary, sizeof(summary));
		return;
	}
	log_info("signal %u: stopping", signo);
	ikd.quit = true;
}

static int run(int sfd)
{
	for (;;) {
		struct pollfd p[8];
		int fds[8], n = 0, kfd = ikd.kern->ops->event_fd(ikd.kern);
		int cand[] = { ikd.ike4, ikd.ike6, ikd.natt4, ikd.natt6, ctl_fd(), kfd, sfd };

		for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++)
			if (cand[i] >= 0) {
				fds[n] = cand[i];
				p[n].fd = cand[i];
				p[n++].events = POLLIN;
			}
		if (poll(p, (nfds_t)n, timer_next_timeout()) < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			return -1;
		}
		for (int i = 0; i < n; i++) {
			if (!(p[i].revents & (POLLIN | POLLERR | POLLHUP)))
				continue;
			if (fds[i] == sfd) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) == sizeof(si))
					on_signal(si.ssi_signo);
			} else if (fds[i] == ctl_fd()) {
				ctl_accept();
			} else if (fds[i] == kfd) {
				ikd.kern->ops->event_read(ikd.kern, kern_event, NULL);
			} else {
				net_input(fds[i]);
			}
		}
		timer_run();
		ike_sa_reap();
		reload_reap();
		if (ikd.quit)
			return 0;
	}
}

/* SIGTERM, SIGINT and SIGHUP as a descriptor for the loop (SIGPIPE ignored); -1 logged. */
static int signals_fd(void)
{
	sigset_t mask;
	int sfd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		log_err("signalfd: %s", strerror(errno));
	return sfd;
}

/* The connections with "start initiate" begin; "start trap" ones wait. */
static void start_conns(void)
{
	for (struct conn *cn = ikd.conf->conns; cn; cn = cn->next) {
		if (cn->start == START_INITIATE)
			init_start(cn);
		else if (cn->start == START_TRAP)
			log_info("conn %s: will initiate on traffic routed into %s", cn->name,
				 cn->device);
	}
}

/* What the command line asks for. */
struct options {
	const char *conf, *pid, *sock, *kspec;
	bool fg, debug, check;
};

/*
 * The options of @argv into @o, optind left at the first operand. -1 to go
 * on, else the exit status: 0 after -h, 2 after an unknown option (usage
 * printed either way).
 */
static int parse_options(int argc, char **argv, struct options *o)
{
	int opt;

	while ((opt = getopt(argc, argv, "+f:p:s:K:dFnh")) != -1) {
		switch (opt) {
		case 'f': o->conf = optarg; break;
		case 'p': o->pid = optarg; break;
		case 's': o->sock = optarg; break;
		case 'K': o->kspec = optarg; break;
		case 'd': o->fg = o->debug = true; break;
		case 'F': o->fg = true; break;
		case 'n': o->check = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	return -1;
}

/*
 * The daemon once everything is open: into the background unless @o->fg, the
 * pid written, signals as a descriptor, the connections started, the
 * service manager told (READY=1), then the loop until a signal (STOPPING=1)
 * and the IKE SAs shut down. 0 on a clean stop, 1 (logged) otherwise; the
 * caller closes what it opened.
 */
static int serve(const struct options *o)
{
	int sfd, ret;

	if (!o->fg && daemon(0, 0)) {
		log_err("daemon: %s", strerror(errno));
		return 1;
	}
	if (!o->debug)
		log_setup(LOG_DEST_SYSLOG, false, "espiked");
	if (pidfile_write())
		return 1;
	sfd = signals_fd();
	if (sfd < 0)
		return 1;
	log_info("espiked started: configuration %s, control socket %s, IKE port %u, NAT-T port %u",
		 o->conf, o->sock, ikd.conf->ike_port, ikd.conf->natt_port);
	start_conns();
	notify("READY=1");
	ret = run(sfd) ? 1 : 0;
	notify("STOPPING=1");
	for (struct conn *cn = ikd.conf->conns; cn; cn = cn->next)
		info_retry_cancel(cn);
	shutdown_sas();
	reload_reap();		/* no IKE SA is left to refer to a retired conn */
	close(sfd);
	return ret;
}

int main(int argc, char **argv)
{
	struct options o = {
		.conf = DEFAULT_CONF, .pid = DEFAULT_PID, .sock = DEFAULT_SOCK,
		.kspec = "netlink",
	};
	char err[512], *conf_path;
	int status, ret = 1;

	status = parse_options(argc, argv, &o);
	if (status >= 0)
		return status;
	if (optind < argc) {
		if (strcmp(argv[optind], "ctl") || optind + 1 >= argc) {
			usage(stderr);
			return 2;
		}
		return ctl_client(o.sock, argc - optind - 1, argv + optind + 1);
	}
	/* Until the daemon is in the background, errors go to the terminal. */
	log_setup(o.debug ? LOG_DEST_STDERR : LOG_DEST_PLAIN, o.debug, "espiked");
	ikd.conf = conf_load(o.conf);
	if (!ikd.conf)
		return 1;
	/* A reload reads it again, after daemon(3) went to "/". */
	conf_path = realpath(o.conf, NULL);
	ikd.conf_path = conf_path ? conf_path : o.conf;
	if (o.check) {
		printf("%s: configuration OK\n", o.conf);
		conf_free(ikd.conf);
		free(conf_path);
		return 0;
	}
	if (RAND_bytes(ikd.cookie_secret, sizeof(ikd.cookie_secret)) != 1) {
		log_err("no random numbers");
		goto free_conf;
	}
	ikd.kern = kern_open(o.kspec, err, sizeof(err));
	if (!ikd.kern) {
		log_err("kernel interface: %s", err);
		goto free_conf;
	}
	if (net_open(err, sizeof(err))) {
		log_err("IKE sockets: %s", err);
		goto close_kern;
	}
	if (pidfile_open(o.pid))
		goto close_net;
	if (ctl_open(o.sock, err, sizeof(err))) {
		log_err("%s", err);
		goto close_pid;
	}
	ret = serve(&o);
	ctl_close();
close_pid:
	unlink(o.pid);
	close(pidfile_fd);
close_net:
	net_close();
close_kern:
	kern_close(ikd.kern);
free_conf:
	conf_free(ikd.conf);
	free(conf_path);
	OPENSSL_cleanse(ikd.cookie_secret, sizeof(ikd.cookie_secret));
	return ret;
}
