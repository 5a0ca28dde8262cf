#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# interop-xfrm: espvti talks ESP with the kernel's own IPsec. One side is an
# espvti device, the other an xfrm interface with xfrm states and policies
# (tunnel mode, if_id 42) keyed with the same SPIs and random keys. Ping and
# a 1 MiB TCP transfer (length and SHA-256 checked) go through the tunnel;
# the xfrm states' and espvti's per-SA counters show that real ESP crossed
# the wire and that the kernel's ESP verified every packet espvti sent.
#
#   netns $a (side 0)                               netns $b (side 1)
#   +---------------------------+                   +---------------------------+
#   | esp0 (espvti)             |   ESP tunnel mode | ipsec0 (xfrm, if_id 42)   |
#   |   10.99.0.1  fd00:99::1   |<----------------->|   10.99.0.2  fd00:99::2   |
#   |                           |                   | xfrm state/policy if_id 42|
#   | va 192.0.2.1 2001:db8:f::1+===================+ vb 192.0.2.2 2001:db8:f::2|
#   +---------------------------+       veth        +---------------------------+
#
# Matrix:
#   rfc4106(gcm(aes)) 128-bit key, no ESN: 4-in-4, 6-in-4, 4-in-6, 6-in-6,
#     ping both ways and TCP both ways;
#   4-in-4, ping and TCP one way (alternating): AES-GCM-256,
#     ChaCha20-Poly1305, and AES-GCM-128, AES-GCM-256, ChaCha20-Poly1305
#     with ESN (xfrm: flag esn replay-window 128).
#
# vmtest-timeout: 360
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

TCP_BYTES=1048576

test_cleanup() {
	esp_cleanup
}

# wire_check OFAM: the xfrm side (side 1) decrypted at least 3 packets from
# espvti with no integrity failure and sent at least 3 to it; espvti's SA
# counters agree (it sent at least what xfrm accepted, received no more
# than xfrm sent) and its device saw no authentication failure.
wire_check() {
	local xin xout xfail etx erx eauth
	esp_wire_counts "$1" || return 1
	eauth=$(esp_dev_stat "$a" esp0 rx_auth_fail) || return 1
	echo "xfrm in (spi $ESP_SPI_AB): $xin packets, $xfail failed; xfrm out (spi $ESP_SPI_BA): $xout;" \
		"espvti out tx_packets $etx, in rx_packets $erx, rx_auth_fail $eauth"
	[ "$xin" -ge 3 ] && [ "$xout" -ge 3 ] && [ "$xfail" = 0 ] &&
		[ "$etx" -ge "$xin" ] && [ "$erx" -ge 3 ] && [ "$xout" -ge "$erx" ] &&
		[ "$eauth" = 0 ]
}

# both_up OFAM: espvti on side 0, xfrm interface on side 1.
both_up() {
	esp_espvti_up 0 "$1" && esp_xfrmi_up 1 "$1"
}

FAMILY_SUBTESTS=12
VARIANTS=("gcm256 0" "chacha 0" "gcm128 1" "gcm256 1" "chacha 1")
VARIANT_SUBTESTS=4

esp_require_tools socat jq ss
ktap_plan $((2 * FAMILY_SUBTESTS + ${#VARIANTS[@]} * VARIANT_SUBTESTS))
espvti_load
esp_topo

# --- all four family combinations, AES-GCM-128, everything both ways ----
for ofam in 4 6; do
	esp_keying gcm128 0
	tag="outer IPv$ofam, $ESP_DESC"
	check "$tag: espvti side up (esp0 in $a)" esp_espvti_up 0 "$ofam"
	check "$tag: xfrm interface side up (ipsec0 in $b)" esp_xfrmi_up 1 "$ofam"
	for ifam in 4 6; do
		if [ "$ifam" = 6 ]; then ia=${ESP_I6[0]} ib=${ESP_I6[1]}
		else ia=${ESP_I4[0]} ib=${ESP_I4[1]}; fi
		t="$ifam-in-$ofam, $ESP_DESC"
		check "$t: ping espvti -> xfrm" esp_ping "$a" "$ib"
		check "$t: ping xfrm -> espvti" esp_ping "$b" "$ia"
		check "$t: TCP 1 MiB espvti -> xfrm intact" esp_tcp "$a" "$b" "$ib" $TCP_BYTES
		check "$t: TCP 1 MiB xfrm -> espvti intact" esp_tcp "$b" "$a" "$ia" $TCP_BYTES
	done
	check "$tag: ESP on the wire, verified by xfrm; espvti SA counters agree" wire_check "$ofam"
	check "$tag: espvti SA counters present in espctl show --json" \
		esp_sa_present "$a" esp0 out "$ESP_SPI_AB"
	esp_side_down 0
	esp_side_down 1
done

# --- algorithms and ESN, 4-in-4 -----------------------------------------
n=0
for v in "${VARIANTS[@]}"; do
	# shellcheck disable=SC2086 # "ALG ESN"
	esp_keying $v
	t="4-in-4, $ESP_DESC"
	check "$t: espvti and xfrm interface up" both_up 4
	check "$t: ping espvti -> xfrm" esp_ping "$a" "${ESP_I4[1]}"
	if [ $((n % 2)) = 0 ]; then
		check "$t: TCP 1 MiB espvti -> xfrm intact" esp_tcp "$a" "$b" "${ESP_I4[1]}" $TCP_BYTES
	else
		check "$t: TCP 1 MiB xfrm -> espvti intact" esp_tcp "$b" "$a" "${ESP_I4[0]}" $TCP_BYTES
	fi
	check "$t: ESP on the wire, verified by xfrm; espvti SA counters agree" wire_check 4
	esp_side_down 0
	esp_side_down 1
	n=$((n + 1))
done

ktap_finish
