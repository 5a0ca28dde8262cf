#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# natt-malformed: malformed UDP-encapsulated input (RFC 3948) sent to the
# port 4500 socket of an espvti device from its peer's address is dropped
# and counted, for an IPv4 and an IPv6 outer:
#
#   too short for ESP (3 bytes), one byte that is not a keepalive,
#   the non-ESP marker alone (4 zero bytes)       -> rx_udp_malformed
#   the non-ESP marker and more (IKE), on the
#   module's own socket, which has no reader       -> rx_non_esp
#   ESP with an SPI no SA has                      -> rx_no_sa
#   ESP of the device's SA cut short (header only) -> rx_malformed
#   ESP of the device's SA with a forged ICV (sequence number ahead
#   of the window, so the replay check lets it through) -> rx_auth_fail
#
# After each burst the tunnel still carries traffic both ways; the kernel
# log staying clean (no WARN, no BUG) is checked by scripts/vmtest.
#
#   netns $a (side 0)                               netns $b (side 1)
#   +---------------------------+                   +---------------------------+
#   | esp0 (espvti, encap udp)  |     UDP 4500      | esp0 (espvti, encap udp)  |
#   |   10.99.0.1  fd00:99::1   |<----------------->|   10.99.0.2  fd00:99::2   |
#   |                           |  + crafted UDP    | python3 sender, port 4501 |
#   | va 192.0.2.1 2001:db8:f::1+===================+ vb 192.0.2.2 2001:db8:f::2|
#   +---------------------------+       veth        +---------------------------+
#
# vmtest-timeout: 240
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

test_cleanup() {
	esp_cleanup
}

# side_up SIDE OFAM: esp0 on SIDE with endpoint and UDP encapsulation set
# in one call, and the SAs of esp_keying.
side_up() {
	local ns me peer spi_out key_out spi_in key_in ul
	esp_side_vars "$1" "$2"
	ul=${ESP_UL[$1]}
	ip -n "$ns" link add esp0 type espvti || return 1
	ns_exec "$ns" "$ESPCTL" set esp0 local "$me" remote "$peer" dev "$ul" \
		encap udp sport 4500 dport 4500 keepalive 0 || return 1
	ns_exec "$ns" "$ESPCTL" sa add esp0 dir out spi "$spi_out" \
		aead "$ESP_ALG" "$key_out" "$ESP_ICV" || return 1
	ns_exec "$ns" "$ESPCTL" sa add esp0 dir in spi "$spi_in" \
		aead "$ESP_ALG" "$key_in" "$ESP_ICV" replay-window 64 || return 1
	esp_inner_addrs "$1" esp0
}

# both_up OFAM: esp0 on both sides.
both_up() {
	side_up 0 "$1" && side_up 1 "$1"
}

# send_from_b OFAM HEX...: one UDP datagram per HEX payload from $b (port
# 4501) to side 0's port 4500.
send_from_b() {
	local ofam=$1 dst
	shift
	if [ "$ofam" = 6 ]; then dst=${ESP_O6[0]}; else dst=${ESP_O4[0]}; fi
	ns_exec "$b" python3 -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind(("", 4501))
for h in sys.argv[2:]:
    s.sendto(bytes.fromhex(h), (sys.argv[1], 4500))' "$dst" "$@"
}

# counted COUNTER BEFORE N: esp0 in $a counted COUNTER at least N more than
# BEFORE.
counted() {
	local v
	v=$(esp_dev_stat "$a" esp0 "$1") || return 1
	[ "$v" -ge $(($2 + $3)) ]
}

# drop_case OFAM COUNTER N HEX...: sends the payloads, then waits until
# COUNTER grew by N.
drop_case() {
	local ofam=$1 ctr=$2 n=$3 before after
	shift 3
	before=$(esp_dev_stat "$a" esp0 "$ctr") || return 1
	send_from_b "$ofam" "$@" || return 1
	if wait_for 10 counted "$ctr" "$before" "$n"; then
		after=$(esp_dev_stat "$a" esp0 "$ctr")
		echo "$ctr: $before -> $after"
		return 0
	fi
	echo "$ctr stayed at $(esp_dev_stat "$a" esp0 "$ctr") (was $before, expected +$n)"
	return 1
}

rand_hex() {
	head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'
}

esp_require_tools jq python3
ktap_plan 16
espvti_load
esp_topo

for ofam in 4 6; do
	esp_keying gcm128 0
	tag="outer IPv$ofam"
	check "$tag: espvti pair with encap udp" both_up "$ofam"
	check "$tag: tunnel works before" esp_tunnel_ok
	spi_in=$(printf '%08x' "$ESP_SPI_BA")
	bad_spi=$(printf '%08x' $(( (ESP_SPI_BA ^ 0x5a5a5a) | 0x100 )))
	check "$tag: short (3 bytes), one non-keepalive byte, marker only -> rx_udp_malformed" \
		drop_case "$ofam" rx_udp_malformed 3 010203 7f 00000000
	check "$tag: non-ESP marker and more (IKE) on the module's socket -> rx_non_esp" \
		drop_case "$ofam" rx_non_esp 2 "00000000$(rand_hex 28)" 0000000001
	check "$tag: unknown SPI -> rx_no_sa" \
		drop_case "$ofam" rx_no_sa 2 "${bad_spi}00000001$(rand_hex 40)" "${bad_spi}00000002"
	check "$tag: known SPI, header only -> rx_malformed" \
		drop_case "$ofam" rx_malformed 1 "${spi_in}00000003"
	check "$tag: known SPI, forged ICV -> rx_auth_fail" \
		drop_case "$ofam" rx_auth_fail 1 "${spi_in}000186a0$(rand_hex 64)"
	check "$tag: tunnel still works" esp_tunnel_ok
	esp_side_down 0
	esp_side_down 1
done

ktap_finish
