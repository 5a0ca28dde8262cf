/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * conf.h - the espiked configuration: global settings and connections,
 * parsed from the file described in espiked(8), CONFIGURATION.
 */
#ifndef ESPIKED_CONF_H
#define ESPIKED_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cert.h"
#include "msg.h"
#include "timer.h"

#define CONF_NAME_MAX		32
#define CONF_IFNAME_MAX		16	/* IFNAMSIZ */
#define CONF_ID_MAX		255
#define CONF_PSK_MAX		256
#define CONF_MAX_TS		16	/* ESPVTI_MAX_TS */
#define CONF_FRAG_SIZE_MIN	512	/* smallest fragment_size */

/**
 * struct ts_prefix - one traffic selector prefix
 * @family: AF_INET or AF_INET6
 * @addr: network address (4 or 16 octets used), host bits zero
 * @plen: prefix length
 */
struct ts_prefix {
	int family;
	uint8_t addr[16];
	uint8_t plen;
};

/**
 * struct ike_ident - an IKE identity (RFC 7296 3.5)
 * @any: accept any identity of the peer (remote_id %any)
 * @type: IKE_ID_IPV4_ADDR, _IPV6_ADDR, _FQDN, _RFC822_ADDR, _KEY_ID or
 *	_DER_ASN1_DN
 * @len: octets in @data
 * @data: identification data as sent on the wire (the DER of a DN)
 * @text: for a DN, the DN as written ("C=CH, O=Example, CN=gw"), which
 *	the peer's DN is matched against (a value may be a wildcard); for an
 *	FQDN with a wildcard ("*.example.org"), that pattern; else empty.
 *	See cert_dn_pattern_match() and cert_fqdn_pattern_match().
 * @pattern: @text holds a wildcard: a remote_id only, never sent
 */
struct ike_ident {
	bool any;
	uint8_t type;
	size_t len;
	uint8_t data[CONF_ID_MAX];
	char text[CONF_ID_MAX + 1];
	bool pattern;
};

/* How one end of a connection authenticates (auth, remote_auth). */
enum conn_auth {
	AUTH_PSK,		/* pre-shared key (AUTH method 2) */
	AUTH_PUBKEY,		/* certificates and signatures */
};

/* When our certificate goes into IKE_AUTH. */
enum conn_send_cert {
	SEND_CERT_IFASKED,	/* when the peer sent a CERTREQ */
	SEND_CERT_ALWAYS,
	SEND_CERT_NEVER,
};

/* start action */
enum conn_start {
	START_LISTEN,		/* wait for the peer */
	START_INITIATE,		/* initiate at startup */
	START_TRAP,		/* initiate on the first packet (acquire) */
};

/* DPD action */
enum conn_dpd_action {
	DPD_CLEAR,		/* delete the SAs and stay down */
	DPD_RESTART,		/* delete the SAs and initiate again */
};

/**
 * struct conn - one configured connection
 * @name: connection name
 * @line: line of the "conn" keyword (for messages)
 * @local: local outer address (port unused)
 * @remote: remote outer address
 * @remote_port: IKE port of the peer
 * @local_id: our identity
 * @remote_id: the identity the peer must prove
 * @psk: pre-shared key
 * @psk_len: octets in @psk
 * @auth: how we authenticate: pre-shared key or our certificate
 * @remote_auth: what the peer must authenticate with (default: @auth)
 * @cert_file: our certificate (PEM; more certificates after it are
 *	intermediates), for @auth AUTH_PUBKEY
 * @key_file: its private key (PEM, mode 0600 or stricter)
 * @ca: trust anchors, a PEM file or a directory of them (@remote_auth
 *	AUTH_PUBKEY)
 * @crl: CRL file (PEM), empty for none
 * @send_cert: when our certificate is sent
 * @own: @cert_file and @key_file as loaded when the file was parsed
 *	(empty for @auth AUTH_PSK)
 * @store: @ca and @crl as loaded, NULL for @remote_auth AUTH_PSK
 * @ike: IKE proposals (numbered from 1)
 * @ike_str: @ike as written, for messages
 * @esp: ESP proposals
 * @esp_str: @esp as written
 * @local_ts: local traffic selectors
 * @nlocal_ts: entries in @local_ts
 * @remote_ts: remote traffic selectors
 * @nremote_ts: entries in @remote_ts
 * @device: espvti device keyed by this connection
 * @start: start action
 * @ike_lifetime: IKE SA rekey time in seconds (0: never)
 * @child_lifetime: CHILD_SA rekey time in seconds (0: never)
 * @child_rekey_bytes: rekey the CHILD_SA when one of its SAs has carried
 *	this many bytes (0: never)
 * @child_rekey_packets: the same in packets (0: never)
 * @child_life_bytes: an SA that carried this many bytes is removed by the
 *	module (0: @child_rekey_bytes plus a tenth, or none)
 * @child_life_packets: the same in packets
 * @dpd_delay: seconds without traffic from the peer before a liveness
 *	check (0: off)
 * @dpd_action: what to do when the peer is found dead
 * @retransmit_timeout: first retransmission timeout in milliseconds
 * @retransmit_base: factor applied to the timeout at each retransmission
 * @retransmit_tries: retransmissions before giving up
 * @encap: force UDP encapsulation: claim to be behind a NAT (RFC 7296 2.23)
 * @natt_keepalive: seconds between NAT keepalives when we are behind a NAT
 *	(0: none)
 * @remote_natt_port: the peer's NAT-T port, where IKE moves when a NAT is
 *	found
 * @fragmentation: offer and accept IKE fragmentation (RFC 7383)
 * @fragment_size: largest IP datagram of an IKE message after IKE_SA_INIT;
 *	larger ones are fragmented (0: 1280 octets over IPv6, 576 over IPv4)
 * @retry_timer: run-time state, not configuration: initiates again after
 *	an attempt the peer never answered (info.c)
 * @retries: attempts in a row that got no answer
 * @out_spi: run-time state: the SPI of the outbound SA espiked last put on
 *	@device (0: none); the same in every connection naming that device,
 *	as the device has one outbound SA (set and read in child.c)
 * @last_failure: run-time state: the last negotiation of this connection
 *	that failed on a NO_PROPOSAL_CHOSEN or TS_UNACCEPTABLE, as logged
 *	(empty: none); shown by "status" (conn_failure())
 * @last_failure_ms: timer_now() when it was recorded
 * @next: next connection in the configuration
 *
 * A reload compares connections field by field (conn_diff() in reload.c):
 * a new configuration field goes there too.
 */
struct conn {
	char name[CONF_NAME_MAX];
	unsigned int line;
	struct sockaddr_storage local, remote;
	uint16_t remote_port;
	struct ike_ident local_id, remote_id;
	uint8_t psk[CONF_PSK_MAX];
	size_t psk_len;
	enum conn_auth auth, remote_auth;
	char cert_file[256], key_file[256], ca[256], crl[256];
	enum conn_send_cert send_cert;
	struct cert_own own;
	X509_STORE *store;
	struct ike_sa_payload ike, esp;
	char ike_str[256], esp_str[256];
	struct ts_prefix local_ts[CONF_MAX_TS];
	unsigned int nlocal_ts;
	struct ts_prefix remote_ts[CONF_MAX_TS];
	unsigned int nremote_ts;
	char device[CONF_IFNAME_MAX];
	enum conn_start start;
	unsigned int ike_lifetime;
	unsigned int child_lifetime;
	uint64_t child_rekey_bytes, child_rekey_packets;
	uint64_t child_life_bytes, child_life_packets;
	unsigned int dpd_delay;
	enum conn_dpd_action dpd_action;
	unsigned int retransmit_timeout;
	double retransmit_base;
	unsigned int retransmit_tries;
	bool encap;
	unsigned int natt_keepalive;
	uint16_t remote_natt_port;
	bool fragmentation;
	unsigned int fragment_size;
	struct timer retry_timer;
	unsigned int retries;
	uint32_t out_spi;
	char last_failure[640];
	uint64_t last_failure_ms;
	struct conn *next;
};

/**
 * struct conf - the whole configuration
 * @ike_port: local UDP port for IKE (500)
 * @natt_port: local UDP port for IKE with NAT traversal (4500; 0: none)
 * @ike_port_line: line of the ike_port setting (0: the default), for the
 *	message of a reload that would change it (reload.c)
 * @natt_port_line: the same for natt_port
 * @cookie_threshold: half-open IKE SAs from which a COOKIE is demanded
 * @half_open_max: half-open IKE SAs beyond which new ones are refused
 * @half_open_timeout: seconds a half-open IKE SA may wait for IKE_AUTH
 * @conns: connections in file order
 */
struct conf {
	uint16_t ike_port;
	uint16_t natt_port;
	unsigned int ike_port_line, natt_port_line;
	unsigned int cookie_threshold;
	unsigned int half_open_max;
	unsigned int half_open_timeout;
	struct conn *conns;
};

/*
 * Parse @path. NULL on error, with every problem logged as
 * "FILE:LINE: what was wrong".
 */
struct conf *conf_load(const char *path);
/* Same, from a string (@name stands for the file in messages). */
struct conf *conf_parse(const char *name, const char *text);
void conf_free(struct conf *c);
/*
 * Free one connection, its pre-shared key wiped and its private key freed;
 * its timers must be stopped.
 */
void conf_conn_free(struct conn *cn);

struct conn *conf_conn_find(const struct conf *c, const char *name);

/* Identity parsing/formatting, shared with the control socket. */
int conf_ident_parse(const char *s, struct ike_ident *id, char *err, size_t errlen);
void conf_ident_format(const struct ike_ident *id, char *buf, size_t len);
bool conf_ident_match(const struct ike_ident *want, uint8_t type,
		      const uint8_t *data, size_t len);
/* "10.0.0.0/24" into @p; 0 or -1 with @err. */
int conf_prefix_parse(const char *s, struct ts_prefix *p, char *err, size_t errlen);

#endif /* ESPIKED_CONF_H */
