#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# teardown: espvti goes away while packets are in flight. A device is
# deleted under a flood ping; the module is removed while a flood ping and a
# TCP stream run through devices in two namespaces, then loaded again and a
# new tunnel works; a namespace holding a device is deleted under traffic.
# The harness fails the run on any kernel warning, oops or leak report, so
# the scenarios themselves are what is tested here.
#
#   netns $a (side 0)                               netns $b (side 1)
#   +---------------------------+                   +---------------------------+
#   | esp0 (espvti)             |   ESP tunnel mode | esp0 (espvti)             |
#   |   10.99.0.1               |<----------------->|   10.99.0.2               |
#   |   ping -f ->, iperf3 -s   |                   |   <- iperf3 -c            |
#   | va 192.0.2.1              +===================+ vb 192.0.2.2              |
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

# rx_ge NS SPI N: the inbound SA SPI of esp0 in NS decrypted >= N packets.
rx_ge() {
	local v
	v=$(esp_sa_stat "$1" esp0 in "$2" rx_packets 2>/dev/null) && [ "$v" -ge "$3" ]
}

# flood NS ADDR: a flood ping in the background (ESP_BG_PID), up to 120 s.
flood() {
	esp_bg ip netns exec "$1" ping -f -q -w 120 "$2" >/dev/null 2>&1
}

# not_listed NS: espctl show --json in NS lists no esp0.
not_listed() {
	local n
	n=$(esp_show_json "$1" | jq -r "$ESP_JQ_DEFS"'[devices | select(.ifname == "esp0")] | length') ||
		return 1
	[ "$n" = 0 ] || { echo "espctl still lists esp0 in $1"; return 1; }
}

# unloaded: the module and every espvti device are gone.
unloaded() {
	[ ! -d /sys/module/espvti ] || { echo "/sys/module/espvti still exists"; return 1; }
	absent "$a" esp0 && absent "$b" esp0
}

# gone_from_a: esp0 no longer exists in a, nor in espctl's listing.
gone_from_a() {
	absent "$a" esp0 && not_listed "$a"
}

# both_rx N_AB N_BA: b's inbound SA decrypted >= N_AB packets, a's >= N_BA.
both_rx() {
	rx_ge "$b" "$ESP_SPI_AB" "$1" && rx_ge "$a" "$ESP_SPI_BA" "$2"
}

# works: espvti on both sides (keys from esp_keying, called beforehand:
# check runs this in a subshell), ping both ways and 1 MiB of TCP.
works() {
	esp_espvti_pair 4 &&
		esp_ping "$a" "${ESP_I4[1]}" && esp_ping "$b" "${ESP_I4[0]}" &&
		esp_tcp "$a" "$b" "${ESP_I4[1]}" 1048576
}

# crypto_async NS DIR SPI: the SA's decryptions (in) or encryptions (out)
# that completed asynchronously, printed; fails when there were none.
crypto_async() {
	local k=rx_crypto_async v
	[ "$2" = out ] && k=tx_crypto_async
	v=$(esp_sa_stat "$1" esp0 "$2" "$3" "$k") || return 1
	echo "$k of $2 SA $3 in $1: $v"
	[ "$v" -gt 0 ]
}

# both_async: a encrypted and b decrypted a -> b packets asynchronously.
both_async() {
	crypto_async "$a" out "$ESP_SPI_AB" && crypto_async "$b" in "$ESP_SPI_AB"
}

esp_require_tools jq iperf3 socat ss
# With an asynchronous implementation (teardown-async), one more check: the
# crypto API really completed requests asynchronously.
ktap_plan $((17 + ${ESPVTI_TEST_CRYPTO:+1}))
espvti_load
esp_topo

# --- device deleted under a flood ping ----------------------------------
esp_keying gcm128 0
check "espvti up on both sides (4-in-4, $ESP_DESC)" esp_espvti_pair 4
flood "$a" "${ESP_I4[1]}"
F1=$ESP_BG_PID
check "flood ping a -> b flows through the tunnel" wait_for 30 rx_ge "$b" "$ESP_SPI_AB" 200
if [ -n "${ESPVTI_TEST_CRYPTO:-}" ]; then
	check "$ESPVTI_TEST_CRYPTO completed requests asynchronously (tx_crypto_async on a, rx_crypto_async on b)" \
		both_async
fi
check "ip link del esp0 in a while the flood runs" ip -n "$a" link del esp0
check "esp0 is gone from a and from espctl show" gone_from_a
esp_stop "$F1"
check "b's esp0 is untouched and still reports its SAs" esp_sa_present "$b" esp0 in "$ESP_SPI_AB"
esp_side_down 0
esp_side_down 1
esp_keying gcm128 0
check "new keys, new devices: the tunnel works again" works

# --- module removed under traffic, devices in two namespaces ------------
flood "$a" "${ESP_I4[1]}"
F2=$ESP_BG_PID
esp_bg ip netns exec "$a" iperf3 -s -1 >/dev/null 2>&1
S2=$ESP_BG_PID
wait_for 10 esp_listening "$a" 5201
esp_bg ip netns exec "$b" iperf3 -c "${ESP_I4[0]}" -t 100 >/dev/null 2>&1
C2=$ESP_BG_PID
check "flood ping a -> b and TCP b -> a flow through the tunnel" \
	wait_for 30 both_rx 200 500
check "rmmod espvti while traffic flows (devices in $a and $b)" rmmod_now
check "the module and both devices are gone" unloaded
esp_stop "$F2" "$C2" "$S2"
espvti_load
check "module loaded again" test -d /sys/module/espvti
esp_side_down 0
esp_side_down 1
esp_keying chacha 1
check "after the reload: new devices, the tunnel works again ($ESP_DESC)" works

# --- namespace deleted under traffic ------------------------------------
flood "$a" "${ESP_I4[1]}"
F3=$ESP_BG_PID
flood "$b" "${ESP_I4[0]}"
F4=$ESP_BG_PID
check "flood pings both ways flow through the tunnel" \
	wait_for 30 both_rx 200 200
check "ip netns del $b (holding esp0) while traffic flows" ns_del "$b"
# b's own flood ping kept the namespace alive: ending it lets the kernel
# tear the namespace down, its esp0 and the veth pair with it, while a's
# flood still sends into the tunnel.
esp_stop "$F4"
check "b's namespace is torn down under a's flood (the veth peer va goes)" \
	wait_for 30 absent "$a" va
check "a's esp0 survives its peer's namespace and still lists its SAs" \
	esp_sa_present "$a" esp0 out "$ESP_SPI_AB"
esp_stop "$F3"
check "ip link del esp0 in a" ip -n "$a" link del esp0
check "rmmod espvti after the namespace deletion" rmmod_now

ktap_finish
