/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * ike.h - IKEv2 protocol numbers (RFC 7296 and the IANA "IKEv2 Parameters"
 * registry) used by espiked. Only values; no code.
 */
#ifndef ESPIKED_IKE_H
#define ESPIKED_IKE_H

#include <stdint.h>
#include <stddef.h>

#define IKE_HDR_LEN		28	/* fixed IKE header */
#define IKE_GENERIC_HDR_LEN	4	/* generic payload header */
#define IKE_SPI_LEN		8
#define IKE_VERSION_2		0x20	/* major 2, minor 0 */
#define IKE_MAX_MSG		65535	/* Length is a 32-bit field; UDP bounds it */

/* Exchange types (RFC 7296 3.1) */
#define IKE_EXCH_SA_INIT	34
#define IKE_EXCH_AUTH		35
#define IKE_EXCH_CREATE_CHILD_SA 36
#define IKE_EXCH_INFORMATIONAL	37

/* Header flags */
#define IKE_FLAG_INITIATOR	0x08
#define IKE_FLAG_VERSION	0x10
#define IKE_FLAG_RESPONSE	0x20

/* Payload types (RFC 7296 3.2) */
#define IKE_PL_NONE		0
#define IKE_PL_SA		33
#define IKE_PL_KE		34
#define IKE_PL_IDI		35
#define IKE_PL_IDR		36
#define IKE_PL_CERT		37
#define IKE_PL_CERTREQ		38
#define IKE_PL_AUTH		39
#define IKE_PL_NONCE		40
#define IKE_PL_NOTIFY		41
#define IKE_PL_DELETE		42
#define IKE_PL_VENDOR		43
#define IKE_PL_TSI		44
#define IKE_PL_TSR		45
#define IKE_PL_SK		46
#define IKE_PL_CP		47
#define IKE_PL_EAP		48
#define IKE_PL_SKF		53	/* RFC 7383 fragment */

#define IKE_PL_CRITICAL		0x80	/* critical bit in the flags octet */

/* Protocol IDs (RFC 7296 3.3.1) */
#define IKE_PROTO_NONE		0
#define IKE_PROTO_IKE		1
#define IKE_PROTO_AH		2
#define IKE_PROTO_ESP		3

/* Transform types (RFC 7296 3.3.2) */
#define IKE_XF_ENCR		1
#define IKE_XF_PRF		2
#define IKE_XF_INTEG		3
#define IKE_XF_DH		4
#define IKE_XF_ESN		5
#define IKE_XF_MAX		5

/* ENCR transform IDs */
#define IKE_ENCR_AES_CBC	12
#define IKE_ENCR_AES_GCM_8	18
#define IKE_ENCR_AES_GCM_12	19
#define IKE_ENCR_AES_GCM_16	20
#define IKE_ENCR_CHACHA20_POLY1305 28

/* PRF transform IDs */
#define IKE_PRF_HMAC_SHA1	2
#define IKE_PRF_HMAC_SHA2_256	5
#define IKE_PRF_HMAC_SHA2_384	6
#define IKE_PRF_HMAC_SHA2_512	7

/* INTEG transform IDs */
#define IKE_INTEG_NONE		0
#define IKE_INTEG_HMAC_SHA1_96	2
#define IKE_INTEG_HMAC_SHA2_256_128 12
#define IKE_INTEG_HMAC_SHA2_384_192 13
#define IKE_INTEG_HMAC_SHA2_512_256 14

/* DH groups */
#define IKE_DH_NONE		0
#define IKE_DH_MODP2048		14
#define IKE_DH_ECP256		19
#define IKE_DH_ECP384		20
#define IKE_DH_CURVE25519	31

/* ESN */
#define IKE_ESN_NO		0
#define IKE_ESN_YES		1

/* Transform attributes (RFC 7296 3.3.5) */
#define IKE_ATTR_AF		0x8000	/* TV format */
#define IKE_ATTR_KEY_LENGTH	14

/* Proposal / transform substructure "last" markers */
#define IKE_PROP_LAST		0
#define IKE_PROP_MORE		2
#define IKE_XF_LAST		0
#define IKE_XF_MORE		3

/* ID types (RFC 7296 3.5) */
#define IKE_ID_IPV4_ADDR	1
#define IKE_ID_FQDN		2
#define IKE_ID_RFC822_ADDR	3
#define IKE_ID_IPV6_ADDR	5
#define IKE_ID_DER_ASN1_DN	9
#define IKE_ID_DER_ASN1_GN	10
#define IKE_ID_KEY_ID		11

/* Certificate encodings of CERT and CERTREQ (RFC 7296 3.6) */
#define IKE_CERT_X509_SIG	4	/* X.509 Certificate - Signature */
#define IKE_CERTREQ_HASH_LEN	20	/* SHA-1 of a CA's SubjectPublicKeyInfo (3.7) */

/* AUTH methods (RFC 7296 3.8) */
#define IKE_AUTH_RSA_SIG	1
#define IKE_AUTH_SHARED_KEY_MIC	2
#define IKE_AUTH_DSS_SIG	3
#define IKE_AUTH_DIGITAL_SIG	14	/* RFC 7427 */

/* Notify message types: errors (RFC 7296 3.10.1) */
#define IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD 1
#define IKE_N_INVALID_IKE_SPI	4
#define IKE_N_INVALID_MAJOR_VERSION 5
#define IKE_N_INVALID_SYNTAX	7
#define IKE_N_INVALID_MESSAGE_ID 9
#define IKE_N_INVALID_SPI	11
#define IKE_N_NO_PROPOSAL_CHOSEN 14
#define IKE_N_INVALID_KE_PAYLOAD 17
#define IKE_N_AUTHENTICATION_FAILED 24
#define IKE_N_SINGLE_PAIR_REQUIRED 34
#define IKE_N_NO_ADDITIONAL_SAS	35
#define IKE_N_INTERNAL_ADDRESS_FAILURE 36
#define IKE_N_FAILED_CP_REQUIRED 37
#define IKE_N_TS_UNACCEPTABLE	38
#define IKE_N_INVALID_SELECTORS	39
#define IKE_N_TEMPORARY_FAILURE	43
#define IKE_N_CHILD_SA_NOT_FOUND 44
#define IKE_N_ERROR_MAX		16383	/* below: errors, above: status */

/* Notify message types: status */
#define IKE_N_INITIAL_CONTACT	16384
#define IKE_N_SET_WINDOW_SIZE	16385
#define IKE_N_ADDITIONAL_TS_POSSIBLE 16386
#define IKE_N_IPCOMP_SUPPORTED	16387
#define IKE_N_NAT_DETECTION_SOURCE_IP 16388
#define IKE_N_NAT_DETECTION_DESTINATION_IP 16389
#define IKE_N_COOKIE		16390
#define IKE_N_USE_TRANSPORT_MODE 16391
#define IKE_N_HTTP_CERT_LOOKUP_SUPPORTED 16392
#define IKE_N_REKEY_SA		16393
#define IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED 16394
#define IKE_N_NON_FIRST_FRAGMENTS_ALSO 16395
#define IKE_N_MOBIKE_SUPPORTED	16396
#define IKE_N_IKEV2_FRAGMENTATION_SUPPORTED 16430
#define IKE_N_SIGNATURE_HASH_ALGORITHMS 16431

#define IKE_NAT_HASH_LEN	20	/* SHA-1 (RFC 7296 2.23) */
#define IKE_COOKIE_MAX		64	/* RFC 7296 2.6 */
#define IKE_NONCE_MIN		16	/* RFC 7296 3.9 */
#define IKE_NONCE_MAX		256

/* Traffic selector types (RFC 7296 3.13.1) */
#define IKE_TS_IPV4_ADDR_RANGE	7
#define IKE_TS_IPV6_ADDR_RANGE	8

/* Printable names for logs and error messages; never NULL. */
const char *ike_payload_name(uint8_t type);
/* Format an error into @err (when given); returns -1 for the caller to return. */
int ike_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *ike_notify_name(uint16_t type);
const char *ike_exchange_name(uint8_t exch);

#endif /* ESPIKED_IKE_H */
