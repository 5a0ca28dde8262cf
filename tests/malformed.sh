#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# malformed: raw ESP (IP protocol 50) that an espvti device must drop, each
# kind with its own counter moved by exactly one and no other receive
# counter moving, over an IPv4 and an IPv6 outer (inner family = outer):
#
#   cut to the ESP header and IV, cut by one byte   -> rx_malformed
#   one ciphertext byte flipped, ICV altered        -> rx_auth_fail
#   pad bytes not 1, 2, 3, ..., pad length 255      -> rx_bad_trailer
#   next header 99                                  -> rx_bad_inner
#   next header 59 (a dummy packet, RFC 4303 2.6)   -> rx_dummy
#   inner source outside the SA's remote selectors  -> rx_selector
#   an SPI no espvti SA owns                        -> left to xfrm (its
#        XfrmInNoStates counts it); espvti delivers nothing (rx_no_sa may
#        count it)
#
# The packets are made by tests/tools/espcraft.py with the key of a
# dedicated inbound SA ($SPI_X, selectors 10.99.0.0/24 and fd00:99::/64 on
# both sides) and sent from a raw socket in $a; a well-formed packet is
# delivered before and after each burst. Around all that, the espvti pair
# keeps passing real traffic (ping both ways), and ip -s -s link reports the
# drops as the documentation says. The kernel log staying clean (no WARN,
# no BUG) is checked by scripts/vmtest.
#
#   netns $a (side 0)                               netns $b (side 1)
#   +---------------------------+                   +---------------------------+
#   | esp0 (espvti)             |   ESP tunnel mode | esp0 (espvti)             |
#   |   10.99.0.1  fd00:99::1   |<----------------->|   10.99.0.2  fd00:99::2   |
#   | espcraft.py (raw socket) -|-- crafted ESP --->|   + SA in $SPI_X          |
#   | va 192.0.2.1 2001:db8:f::1+===================+ vb 192.0.2.2 2001:db8:f::2|
#   +---------------------------+       veth        +---------------------------+
#
# vmtest-timeout: 600
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

CRAFT=$REPO/tests/tools/espcraft.py
RX_COUNTERS=(rx_packets rx_no_sa rx_replay rx_auth_fail rx_bad_trailer rx_bad_inner
	rx_selector rx_malformed rx_expired rx_dummy)

test_cleanup() {
	esp_cleanup
}

# craft SEQ [ESPCRAFT OPTIONS...]: one ICMP echo request from side 0's
# inner address to side 1's in ESP of $SPI_X (sequence number SEQ), sent
# from $a to $b's outer address of family $OFAM.
craft() {
	local seq=$1 dst isrc idst
	shift
	if [ "$OFAM" = 6 ]; then
		dst=${ESP_O6[1]} isrc=${ESP_I6[0]} idst=${ESP_I6[1]}
	else
		dst=${ESP_O4[1]} isrc=${ESP_I4[0]} idst=${ESP_I4[1]}
	fi
	esp_craft send --dst "$dst" --spi "$SPI_X" --key "$KEY_X" \
		--seq "$seq" --inner icmp --isrc "$isrc" --idst "$idst" "$@"
}

# xfrm_nostates: XfrmInNoStates of $b.
xfrm_nostates() {
	ns_exec "$b" awk '$1 == "XfrmInNoStates" { print $2 }' /proc/net/xfrm_stat
}

xfrm_nostates_ge() {
	[ "$(xfrm_nostates)" -ge "$1" ]
}

# unknown_spi: ESP with an SPI that no espvti SA has goes on to xfrm, which
# counts it as XfrmInNoStates; esp0 counts nothing but (possibly) rx_no_sa
# (device totals; rx_packets is left out, as the real tunnel may carry
# something meanwhile) and $SPI_X delivers nothing.
unknown_spi() {
	local before=$ESP_TMP/before now=$ESP_TMP/now x k was v ok=0 spi STAT_SPI=
	local rx_x
	rx_x=$(esp_sa_stat "$b" esp0 in "$SPI_X" rx_packets) || return 1
	spi=$(printf '0x%08x' $(( (SPI_X ^ 0x5a5a5a) | 0x1000 )))
	x=$(xfrm_nostates)
	esp_rx_stats "$b" esp0 >"$before" || return 1
	SPI_X=$spi KEY_X=$(esp_hex 20) craft 1000 || return 1
	if ! wait_for 10 xfrm_nostates_ge $((x + 1)); then
		echo "XfrmInNoStates stayed at $(xfrm_nostates) (was $x): the packet went nowhere"
		ok=1
	fi
	esp_rx_stats "$b" esp0 >"$now" || return 1
	for k in "${RX_COUNTERS[@]:1}"; do
		was=$(esp_stat_in "$before" "$k") v=$(esp_stat_in "$now" "$k")
		if [ "$k" = rx_no_sa ] && [ "$v" = $((was + 1)) ]; then
			echo "rx_no_sa: $was -> $v (accepted)"
		elif [ "$v" != "$was" ]; then
			echo "$k: $was -> $v, expected no change"
			ok=1
		fi
	done
	v=$(esp_sa_stat "$b" esp0 in "$SPI_X" rx_packets) || return 1
	[ "$v" = "$rx_x" ] || { echo "SA $SPI_X rx_packets: $rx_x -> $v"; ok=1; }
	return "$ok"
}

# sa_x_up: the extra inbound SA on esp0 of $b, with selectors.
sa_x_up() {
	ns_exec "$b" "$ESPCTL" sa add esp0 dir in spi "$SPI_X" aead 'rfc4106(gcm(aes))' \
		"$KEY_X" 128 replay-window 64 ts-local 10.99.0.0/24,fd00:99::/64 \
		ts-remote 10.99.0.0/24,fd00:99::/64
}

# link_errors: ip -s -s link of esp0 in $b reports rx_auth_fail as CRC
# errors, rx_malformed as length errors and rx_bad_trailer + rx_bad_inner
# as frame errors.
link_errors() {
	local j crc len frame af mal bt bi
	j=$(ip -n "$b" -j -s -s link show esp0) || return 1
	crc=$(jq '.[0].stats64.rx.crc_errors' <<<"$j")
	len=$(jq '.[0].stats64.rx.length_errors' <<<"$j")
	frame=$(jq '.[0].stats64.rx.frame_errors' <<<"$j")
	af=$(esp_dev_stat "$b" esp0 rx_auth_fail) && mal=$(esp_dev_stat "$b" esp0 rx_malformed) &&
		bt=$(esp_dev_stat "$b" esp0 rx_bad_trailer) &&
		bi=$(esp_dev_stat "$b" esp0 rx_bad_inner) || return 1
	echo "crc $crc (rx_auth_fail $af), length $len (rx_malformed $mal)," \
		"frame $frame (rx_bad_trailer $bt + rx_bad_inner $bi)"
	[ "$crc" = "$af" ] && [ "$len" = "$mal" ] && [ "$frame" = $((bt + bi)) ]
}

esp_require_tools jq python3
python3 "$CRAFT" selftest >/dev/null || ktap_skip_all "espcraft.py selftest fails (python3-cryptography?)"
ktap_plan 29
espvti_load
# The kernel's own ESP, so that an SPI espvti passes on is taken by xfrm.
modprobe -q -a esp4 esp6 xfrm_user 2>/dev/null
esp_topo
esp_craft_start "$a"
esp_keying gcm128 0
SPI_X=$(esp_spi)
while [ "$SPI_X" = "$ESP_SPI_AB" ] || [ "$SPI_X" = "$ESP_SPI_BA" ]; do SPI_X=$(esp_spi); done
KEY_X=$(esp_hex 20)
STAT_SPI=$SPI_X		# esp_expect_rx looks at the counters of that SA

check "espvti pair (outer IPv4)" esp_espvti_pair 4 || ktap_bail "no tunnel"
check "tunnel works before" esp_tunnel_ok
check "inbound SA $SPI_X with selectors on side 1" sa_x_up || ktap_bail "no SA to craft for"

for OFAM in 4 6; do
	tag="outer IPv$OFAM"
	s=$((OFAM * 100))
	if [ "$OFAM" = 6 ]; then out_src=fd00:77::1; else out_src=10.77.0.1; fi
	check "$tag: well-formed packet is delivered" esp_expect_rx "rx_packets=+1" craft $((s + 1))
	check "$tag: cut to ESP header + IV -> rx_malformed" \
		esp_expect_rx "rx_malformed=+1" craft $((s + 2)) --corrupt truncate=16
	check "$tag: cut by one byte -> rx_malformed" \
		esp_expect_rx "rx_malformed=+1" craft $((s + 3)) --corrupt truncate=-1
	check "$tag: flipped ciphertext byte -> rx_auth_fail" \
		esp_expect_rx "rx_auth_fail=+1" craft $((s + 4)) --corrupt flip
	check "$tag: wrong ICV -> rx_auth_fail" \
		esp_expect_rx "rx_auth_fail=+1" craft $((s + 5)) --corrupt icv
	check "$tag: pad bytes not 1, 2, 3, ... -> rx_bad_trailer" \
		esp_expect_rx "rx_bad_trailer=+1" craft $((s + 6)) --corrupt padding
	check "$tag: pad length 255, more than the payload -> rx_bad_trailer" \
		esp_expect_rx "rx_bad_trailer=+1" craft $((s + 7)) --corrupt padlen
	check "$tag: next header 99 -> rx_bad_inner" \
		esp_expect_rx "rx_bad_inner=+1" craft $((s + 8)) --nexthdr 99
	check "$tag: next header 59 (dummy packet) -> rx_dummy" \
		esp_expect_rx "rx_dummy=+1" craft $((s + 11)) --nexthdr 59
	check "$tag: inner source $out_src outside the selectors -> rx_selector" \
		esp_expect_rx "rx_selector=+1" craft $((s + 9)) --isrc "$out_src"
	check "$tag: unknown SPI goes to xfrm, espvti delivers nothing" unknown_spi
	check "$tag: well-formed packet is still delivered" esp_expect_rx "rx_packets=+1" \
		craft $((s + 10))
done

check "tunnel still works" esp_tunnel_ok
check "ip -s -s link: CRC = rx_auth_fail, length = rx_malformed, frame = trailer + inner" \
	link_errors

ktap_finish
