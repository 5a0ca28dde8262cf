/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * daemon.h - espiked's global state and the functions the daemon's files
 * call across: transport (net.c), exchanges (ike_sa_init.c, auth.c, info.c,
 * rekey.c, rekey_ike.c), CHILD_SA keying (child.c), traffic selectors
 * (ts.c), control socket (ctl.c).
 */
#ifndef ESPIKED_DAEMON_H
#define ESPIKED_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"
#include "kernel.h"
#include "log.h"
#include "sa.h"

#define IKE_BUF_MAX	8192	/* largest message espiked sends */
/* What one message may take on the wire: its SKF fragments with their headers. */
#define IKE_OUT_MAX	(2 * IKE_BUF_MAX)

/**
 * struct daemon - process-wide state
 * @conf: the configuration
 * @conf_path: its file, absolute (read again by a reload, after the chdir
 *	of daemon(3))
 * @retired: connections a reload removed or changed whose IKE SAs may
 *	still refer to them (linked by their @next; reload_reap() frees them)
 * @kern: kernel backend
 * @ike4: IPv4 socket on the IKE port (-1 none)
 * @ike6: IPv6 socket on the IKE port
 * @natt4: IPv4 socket on the NAT-T port (non-ESP marker)
 * @natt6: IPv6 socket on the NAT-T port
 * @cookie_secret: key of the COOKIE MAC (RFC 7296 2.6)
 * @sas: the IKE SA table
 * @next_id: next IKE SA id
 * @quit: leave the main loop
 */
struct daemon {
	struct conf *conf;
	const char *conf_path;
	struct conn *retired;
	struct kern *kern;
	int ike4, ike6, natt4, natt6;
	uint8_t cookie_secret[32];
	struct ike_sa *sas;
	unsigned int next_id;
	bool quit;
};

extern struct daemon ikd;

/* net.c: sockets, message IDs, retransmission, response cache */
int net_open(char *err, size_t errlen);
void net_close(void);
void net_input(int fd);
bool net_is_natt(int fd);
/* Send without keeping anything (stateless replies). */
int net_send(int fd, const struct sockaddr_storage *from, const struct sockaddr_storage *to,
	     const uint8_t *buf, size_t len);
/*
 * A message kept for sending may be a run of SKF fragments, each with its
 * own IKE header: send them all, one datagram each.
 */
int net_send_msgs(int fd, const struct sockaddr_storage *from,
		  const struct sockaddr_storage *to, const uint8_t *buf, size_t len);
/* Send a request and retransmit it until answered or given up. */
int net_request(struct ike_sa *sa, const uint8_t *buf, size_t len, uint32_t msgid,
		enum ike_req_kind kind);
/* Send a response and keep it for duplicate requests. */
int net_respond(struct ike_sa *sa, const uint8_t *buf, size_t len, uint32_t msgid);
/* Stop retransmitting the outstanding request. */
void net_request_done(struct ike_sa *sa);
/* Socket of @family on the IKE port. */
int net_ike_fd(int family);
/* Socket of @family on the NAT-T port, -1 when none. */
int net_natt_fd(int family);
void addr_format(const struct sockaddr_storage *ss, bool port, char *buf, size_t len);
/* Address octets and length of @ss; port in host order. */
const uint8_t *addr_bytes(const struct sockaddr_storage *ss, size_t *len);
uint16_t addr_port(const struct sockaddr_storage *ss);
void addr_set_port(struct sockaddr_storage *ss, uint16_t port);
bool addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b, bool port);

/* exch.c: helpers shared by the exchanges */
void exch_hdr(const struct ike_sa *sa, struct ike_hdr *h, uint8_t exch, bool response,
	      uint32_t msgid);
/*
 * Protect the payload chain @chain in an SK payload and send it: as our next
 * request (retransmitted until answered; -1 while another is outstanding),
 * or as the response to the peer's request @msgid (cached).
 */
int exch_request(struct ike_sa *sa, uint8_t exch, struct ike_builder *chain,
		 enum ike_req_kind kind);
int exch_respond(struct ike_sa *sa, uint8_t exch, uint32_t msgid, struct ike_builder *chain);
/*
 * IKE fragmentation (RFC 7383): add IKEV2_FRAGMENTATION_SUPPORTED to our
 * IKE_SA_INIT message when the connection allows it (the responder only
 * when the initiator offered it); note whether the peer's IKE_SA_INIT
 * message offered it; the largest IKE message that goes unfragmented.
 */
void exch_frag_init_add(struct ike_builder *b, const struct ike_sa *sa);
void exch_frag_init_peer(struct ike_sa *sa, const struct ike_msg *m);
size_t exch_frag_max(const struct ike_sa *sa);
/* Log the error notifies of @m; returns the first error type or 0. */
uint16_t exch_error_notify(const struct ike_sa *sa, const struct ike_msg *m, const char *what);

/*
 * dispatch.c: the one table of which decrypted message may reach which
 * handler in which IKE SA state; @kind is what our outstanding request was
 * for (responses).
 */
void exch_dispatch(struct ike_sa *sa, const struct ike_hdr *h, struct ike_msg *m,
		   enum ike_req_kind kind);

/* ike_sa_init.c: IKE_SA_INIT */
int init_start(struct conn *conn);
void init_request(int fd, const struct sockaddr_storage *local,
		  const struct sockaddr_storage *remote, const uint8_t *buf, size_t len);
void init_response(struct ike_sa *sa, const uint8_t *buf, size_t len);

/* nat.c: NAT traversal (RFC 7296 2.23, RFC 3948) */
/* A NAT between us: either side behind one (or claiming to be, encap yes). */
bool nat_found(const struct ike_sa *sa);
/* NAT_DETECTION_SOURCE_IP and _DESTINATION_IP for our IKE_SA_INIT message. */
void nat_notify_add(struct ike_builder *b, const struct ike_sa *sa);
/*
 * The peer's NAT detection in its IKE_SA_INIT message @m (@spi_r as it had
 * it); the initiator moves to the NAT-T port when there is a NAT.
 */
void nat_detect(struct ike_sa *sa, const struct ike_msg *m, const uint8_t *spi_r);
/* An authenticated message came from @remote to @local on @fd: follow the peer. */
void nat_peer_seen(struct ike_sa *sa, int fd, const struct sockaddr_storage *local,
		   const struct sockaddr_storage *remote);
/* Before installing the CHILD_SA: the device's UDP encapsulation, on or off. */
int nat_child_encap(struct ike_sa *sa);
/* The module's mapping event for @sa's device (@sa may be NULL). */
void nat_mapping(struct ike_sa *sa, const struct kern_event *ev);
/* Turn encapsulation off on every device we turned it on for. */
void nat_release(void);

/* auth.c: IKE_AUTH */
/*
 * The octets the AUTH payload of the initiator (@of_initiator) or of the
 * responder covers (RFC 7296 2.15): InitiatorSignedOctets or
 * ResponderSignedOctets, with RestOfIDPayload @idb, into a new buffer
 * *@out. The length, or -1. Both the pre-shared key MAC and signatures
 * are computed over it; release it with auth_octets_free().
 */
long auth_signed_octets(const struct ike_sa *sa, bool of_initiator, const uint8_t *idb,
			size_t idlen, uint8_t **out);
/* Wipe (it holds prf(SK_p, ID)) and free what auth_signed_octets() made. */
void auth_octets_free(uint8_t *oct, size_t len);
int auth_start(struct ike_sa *sa);

/* auth_cert.c: auth pubkey, remote_auth pubkey. */
/* SIGNATURE_HASH_ALGORITHMS (and, as responder, CERTREQ) into IKE_SA_INIT. */
void auth_cert_init_add(const struct ike_sa *sa, struct ike_builder *b);
/* As initiator with remote_auth pubkey: our CERTREQ into IKE_AUTH. */
void auth_cert_req_add(const struct ike_sa *sa, struct ike_builder *b);
/* What the peer's message @m says: its hashes (IKE_SA_INIT), a CERTREQ. */
void auth_cert_peer(struct ike_sa *sa, const struct ike_msg *m);
/* CERT, CERTREQ (initiator) and the signed AUTH after our ID payload @idb. */
int auth_cert_add(struct ike_sa *sa, struct ike_builder *b, const uint8_t *idb, size_t idlen);
/* The peer's chain, its identity @id in it and its AUTH; logs why not. */
int auth_cert_verify(struct ike_sa *sa, const struct ike_msg *m, const struct ike_id *id,
		     const struct ike_slice *body, const struct ike_auth *auth, const char *who);
void auth_request(struct ike_sa *sa, struct ike_msg *m);
void auth_response(struct ike_sa *sa, struct ike_msg *m);

/* info.c: INFORMATIONAL */
void info_request(struct ike_sa *sa, struct ike_msg *m);
void info_response(struct ike_sa *sa, struct ike_msg *m, enum ike_req_kind kind);
int info_delete_ike(struct ike_sa *sa);
/*
 * Initiator, the responder's IKE_AUTH did not authenticate it: tell it with
 * AUTHENTICATION_FAILED in an INFORMATIONAL request (RFC 7296 2.21.2), so
 * that it removes what it installed; the IKE SA closes on the answer.
 */
int info_auth_failed(struct ike_sa *sa);
void info_dpd_start(struct ike_sa *sa);
/* An outstanding request was given up on. */
void info_gave_up(struct ike_sa *sa, enum ike_req_kind kind);
/* Stop initiating @cn again after unanswered attempts (up, down, exit). */
void info_retry_cancel(struct conn *cn);
/* Delete the ESP SA pair @c with an INFORMATIONAL request. */
int info_delete_child(struct ike_sa *sa, struct child_sa *c);

/* child.c: CHILD_SA keys and kernel state */
uint32_t child_spi_alloc(void);
/* ESP proposals of @conn with our inbound SPI. */
/*
 * Our ESP proposals with the SPI @spi; for IKE_AUTH (@ike_auth) without
 * Diffie-Hellman transforms.
 */
void child_proposals(const struct conn *conn, uint32_t spi, bool ike_auth,
		     struct ike_sa_payload *out);
/* A free CHILD_SA slot of @sa (zeroed), NULL when all are in use. */
struct child_sa *child_new(struct ike_sa *sa);
/* The CHILD_SA of @sa with our inbound / outbound SPI @spi, or NULL. */
struct child_sa *child_find_in(struct ike_sa *sa, uint32_t spi);
struct child_sa *child_find_out(struct ike_sa *sa, uint32_t spi);
/*
 * The CHILD_SA of @sa whose outbound SA waits for the pair with inbound SPI
 * @spi to go (responder of its rekey), or NULL.
 */
struct child_sa *child_successor(struct ike_sa *sa, uint32_t spi);
/* KEYMAT of the IKE_AUTH CHILD_SA split into the two directions. */
int child_derive(struct ike_sa *sa, struct child_sa *c);
/* KEYMAT of a CREATE_CHILD_SA exchange (@gir NULL without PFS). */
int child_derive_keys(struct ike_sa *sa, struct child_sa *c, bool we_initiated,
		      const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t ni_len,
		      const uint8_t *nr, size_t nr_len);
/*
 * Reserve the inbound SPI @spi that our request offers (the module holds
 * ESP the peer sends there before the SA is installed); 0, or -1 logged
 * (not fatal). Release it when the exchange ends without the SA.
 */
int child_reserve_in(struct ike_sa *sa, uint32_t spi);
void child_release_in(struct ike_sa *sa, uint32_t spi);
/* True when the device sends with @c's outbound SA. */
bool child_out_active(const struct ike_sa *sa, const struct child_sa *c);
/*
 * Inbound SA (FREE -> INBOUND), outbound SA (INBOUND -> INSTALLED; it
 * replaces the device's), or both (FREE -> INSTALLED, FREE again when the
 * second step fails). 0, or -1 logged and nothing changed.
 */
int child_install_in(struct ike_sa *sa, struct child_sa *c);
int child_install_out(struct ike_sa *sa, struct child_sa *c);
int child_install(struct ike_sa *sa, struct child_sa *c);
/* Out of the kernel, keys wiped, slot freed. */
void child_free(struct ike_sa *sa, struct child_sa *c);
void child_free_all(struct ike_sa *sa);

/*
 * rekey.c: CREATE_CHILD_SA (dispatch, rekeying CHILD_SAs), CHILD_SA
 * lifetimes; rekey_ike.c: rekeying the IKE SA, its lifetime. What the two
 * share is in rekey.h, private to them.
 */
/*
 * The peer's CREATE_CHILD_SA requests, by kind (dispatch.c tells them
 * apart): a CHILD_SA rekey (REKEY_SA names @old: rekey_child_named() finds
 * it, or answers CHILD_SA_NOT_FOUND and returns NULL), refused with
 * TEMPORARY_FAILURE in states where it cannot be rekeyed; an IKE SA rekey;
 * an additional CHILD_SA (refused: NO_ADDITIONAL_SAS).
 */
struct child_sa *rekey_child_named(struct ike_sa *sa, struct ike_msg *m);
void rekey_child_request(struct ike_sa *sa, struct ike_msg *m, struct child_sa *old);
void rekey_child_refused(struct ike_sa *sa, struct ike_msg *m, struct child_sa *old);
void rekey_ike_request(struct ike_sa *sa, struct ike_msg *m);
void rekey_new_child_refused(struct ike_sa *sa, struct ike_msg *m);
void rekey_response(struct ike_sa *sa, struct ike_msg *m, enum ike_req_kind kind);
/* Lifetimes of a new CHILD_SA (rekey.c) / a new IKE SA (rekey_ike.c), and their timers. */
void rekey_child_times(struct ike_sa *sa, struct child_sa *c);
void rekey_ike_times(struct ike_sa *sa);
/* Re-arm the CHILD_SA timer of @sa at the earliest deadline. */
void rekey_timer_update(struct ike_sa *sa);
/* A soft or hard expire event of the espvti module. */
void rekey_kern_expire(const struct kern_event *ev);
/*
 * Our CREATE_CHILD_SA was given up on (or its IKE SA goes): forget what it
 * created, the IKE SA of a colliding rekey of the peer included.
 */
void rekey_abort(struct ike_sa *sa);

/* ts.c: traffic selectors */
void ts_from_prefixes(const struct ts_prefix *p, unsigned int n, struct ike_ts_payload *out);
/*
 * Responder's narrowing: @offered intersected with our policy @mine into
 * @out and @prefixes. -1 when nothing is left.
 */
int ts_narrow(const struct ike_ts_payload *offered, const struct ts_prefix *mine,
	      unsigned int nmine, struct ike_ts_payload *out, struct ts_prefix *prefixes,
	      unsigned int *nprefixes);
/* Initiator's check: every selector of @answer inside @mine; prefixes out. */
int ts_check_answer(const struct ike_ts_payload *answer, const struct ts_prefix *mine,
		    unsigned int nmine, struct ts_prefix *prefixes, unsigned int *nprefixes);
void ts_format(const struct ike_ts_payload *ts, char *buf, size_t len);

/* ctl.c: control socket */
int ctl_open(const char *path, char *err, size_t errlen);
/* Log a refused negotiation of @cn (a warning) and keep it for "status". */
__attribute__((format(printf, 2, 3)))
void conn_failure(struct conn *cn, const char *fmt, ...);
int ctl_fd(void);
void ctl_accept(void);
void ctl_close(void);
/* Client side: send @cmd to the daemon at @path, print the answer. */
int ctl_client(const char *path, int argc, char **argv);

/*
 * reload.c: read ikd.conf_path again and apply it (SIGHUP, "reload"). The
 * errors of the new file (logged as FILE:LINE) also go to @tap while it is
 * read; 0 with a one-line @summary, or -1 with nothing changed.
 */
int reload_run(void (*tap)(enum log_level lvl, const char *line, void *arg), void *arg,
	       char *summary, size_t len);
/* Free the retired connections no IKE SA refers to any more (main loop). */
void reload_reap(void);

/*
 * notify.c: a "KEY=VALUE" state for the service manager at $NOTIFY_SOCKET
 * (sd_notify(3) protocol; nothing without it): 0, or -1 logged.
 */
int notify(const char *state);
/* RELOADING=1 with the MONOTONIC_USEC systemd asks for. */
int notify_reloading(void);

#endif /* ESPIKED_DAEMON_H */
