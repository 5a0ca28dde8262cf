// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * names.c - printable names of IKEv2 protocol numbers for logs and errors,
 * and the formatter of those errors.
 */
#include <stdarg.h>
#include <stdio.h>

#include "ike.h"

int ike_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

const char *ike_payload_name(uint8_t type)
{
	switch (type) {
	case IKE_PL_NONE:	return "NONE";
	case IKE_PL_SA:		return "SA";
	case IKE_PL_KE:		return "KE";
	case IKE_PL_IDI:	return "IDi";
	case IKE_PL_IDR:	return "IDr";
	case IKE_PL_CERT:	return "CERT";
	case IKE_PL_CERTREQ:	return "CERTREQ";
	case IKE_PL_AUTH:	return "AUTH";
	case IKE_PL_NONCE:	return "Nonce";
	case IKE_PL_NOTIFY:	return "Notify";
	case IKE_PL_DELETE:	return "Delete";
	case IKE_PL_VENDOR:	return "Vendor ID";
	case IKE_PL_TSI:	return "TSi";
	case IKE_PL_TSR:	return "TSr";
	case IKE_PL_SK:		return "SK";
	case IKE_PL_CP:		return "CP";
	case IKE_PL_EAP:	return "EAP";
	case IKE_PL_SKF:	return "SKF";
	default:		return "unknown";
	}
}

const char *ike_notify_name(uint16_t type)
{
	switch (type) {
	case IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD: return "UNSUPPORTED_CRITICAL_PAYLOAD";
	case IKE_N_INVALID_IKE_SPI:	return "INVALID_IKE_SPI";
	case IKE_N_INVALID_MAJOR_VERSION: return "INVALID_MAJOR_VERSION";
	case IKE_N_INVALID_SYNTAX:	return "INVALID_SYNTAX";
	case IKE_N_INVALID_MESSAGE_ID:	return "INVALID_MESSAGE_ID";
	case IKE_N_INVALID_SPI:		return "INVALID_SPI";
	case IKE_N_NO_PROPOSAL_CHOSEN:	return "NO_PROPOSAL_CHOSEN";
	case IKE_N_INVALID_KE_PAYLOAD:	return "INVALID_KE_PAYLOAD";
	case IKE_N_AUTHENTICATION_FAILED: return "AUTHENTICATION_FAILED";
	case IKE_N_SINGLE_PAIR_REQUIRED: return "SINGLE_PAIR_REQUIRED";
	case IKE_N_NO_ADDITIONAL_SAS:	return "NO_ADDITIONAL_SAS";
	case IKE_N_INTERNAL_ADDRESS_FAILURE: return "INTERNAL_ADDRESS_FAILURE";
	case IKE_N_FAILED_CP_REQUIRED:	return "FAILED_CP_REQUIRED";
	case IKE_N_TS_UNACCEPTABLE:	return "TS_UNACCEPTABLE";
	case IKE_N_INVALID_SELECTORS:	return "INVALID_SELECTORS";
	case IKE_N_TEMPORARY_FAILURE:	return "TEMPORARY_FAILURE";
	case IKE_N_CHILD_SA_NOT_FOUND:	return "CHILD_SA_NOT_FOUND";
	case IKE_N_INITIAL_CONTACT:	return "INITIAL_CONTACT";
	case IKE_N_SET_WINDOW_SIZE:	return "SET_WINDOW_SIZE";
	case IKE_N_ADDITIONAL_TS_POSSIBLE: return "ADDITIONAL_TS_POSSIBLE";
	case IKE_N_IPCOMP_SUPPORTED:	return "IPCOMP_SUPPORTED";
	case IKE_N_NAT_DETECTION_SOURCE_IP: return "NAT_DETECTION_SOURCE_IP";
	case IKE_N_NAT_DETECTION_DESTINATION_IP: return "NAT_DETECTION_DESTINATION_IP";
	case IKE_N_COOKIE:		return "COOKIE";
	case IKE_N_USE_TRANSPORT_MODE:	return "USE_TRANSPORT_MODE";
	case IKE_N_HTTP_CERT_LOOKUP_SUPPORTED: return "HTTP_CERT_LOOKUP_SUPPORTED";
	case IKE_N_REKEY_SA:		return "REKEY_SA";
	case IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED: return "ESP_TFC_PADDING_NOT_SUPPORTED";
	case IKE_N_NON_FIRST_FRAGMENTS_ALSO: return "NON_FIRST_FRAGMENTS_ALSO";
	case IKE_N_MOBIKE_SUPPORTED:	return "MOBIKE_SUPPORTED";
	case IKE_N_IKEV2_FRAGMENTATION_SUPPORTED: return "IKEV2_FRAGMENTATION_SUPPORTED";
	case IKE_N_SIGNATURE_HASH_ALGORITHMS: return "SIGNATURE_HASH_ALGORITHMS";
	default:
		return type <= IKE_N_ERROR_MAX ? "unknown error" : "unknown status";
	}
}

const char *ike_exchange_name(uint8_t exch)
{
	switch (exch) {
	case IKE_EXCH_SA_INIT:		return "IKE_SA_INIT";
	case IKE_EXCH_AUTH:		return "IKE_AUTH";
	case IKE_EXCH_CREATE_CHILD_SA:	return "CREATE_CHILD_SA";
	case IKE_EXCH_INFORMATIONAL:	return "INFORMATIONAL";
	default:			return "unknown exchange";
	}
}
