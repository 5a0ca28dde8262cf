#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# natt-float: the remote endpoint of a UDP-encapsulated tunnel (float on)
# moves only on a packet that passed every check and moved the replay
# window's top (like WireGuard's endpoint update after the counter check,
# and xfrm's NAT-T mapping after the replay check). Authentic ESP-in-UDP
# packets are crafted with chosen sequence numbers (tests/tools/espcraft.py
# --save, sent to a dead address, then carried in UDP from chosen sources):
#
#   1. seq 10 from 192.0.2.2:4500 (the configured peer): delivered.
#   2. seq 5 (older, inside the 64-packet window, authentic, never seen)
#      from 192.0.2.3:4600: delivered, but the endpoint must not move:
#   3. seq 11 from 192.0.2.4:4700 moves it there, and `espctl monitor`
#      reported no mapping to 192.0.2.3 on the way (floats run in order).
#   4. seq 12 from 192.0.2.3:4600: the endpoint moves there.
#   5. seq 13 from 192.0.2.5:4800 with a corrupted ICV: dropped (auth
#      failure); seq 14 from 192.0.2.2:4500 then moves the endpoint, with
#      no mapping to 192.0.2.5 reported.
#
#   netns $a                                   netns $b
#   +--------------------------------+         +---------------------------+
#   | esp0 (espvti) 192.0.2.1 ->     |         | vb 192.0.2.2/24 .. .5/24  |
#   |   192.0.2.2 encap udp 4500,    |  veth   |                           |
#   |   float on, SA in replay 64    +=========+ python3: UDP from chosen  |
#   | va 192.0.2.1/24                |         |   source address and port |
#   +--------------------------------+         +---------------------------+
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

CRAFT=$REPO/tests/tools/espcraft.py

test_cleanup() {
	esp_cleanup
}

setup() {
	ip -n "$b" addr add 192.0.2.3/24 dev vb &&
		ip -n "$b" addr add 192.0.2.4/24 dev vb &&
		ip -n "$b" addr add 192.0.2.5/24 dev vb &&
		ip -n "$a" link add esp0 type espvti &&
		ns_exec "$a" "$ESPCTL" set esp0 local 192.0.2.1 remote 192.0.2.2 dev va \
			encap udp sport 4500 dport 4500 keepalive 0 float on &&
		ns_exec "$a" "$ESPCTL" sa add esp0 dir out spi "$ESP_SPI_AB" \
			aead "$ESP_ALG" "$ESP_KEY_AB" "$ESP_ICV" &&
		ns_exec "$a" "$ESPCTL" sa add esp0 dir in spi "$ESP_SPI_BA" \
			aead "$ESP_ALG" "$ESP_KEY_BA" "$ESP_ICV" replay-window 64 &&
		ip -n "$a" addr add 10.99.0.1/24 dev esp0 &&
		ip -n "$a" link set esp0 up
}

# send SEQ SRC SPORT [CORRUPT]: an authentic ESP packet with sequence
# number SEQ (inner UDP 10.99.0.2 -> 10.99.0.1) in UDP from SRC:SPORT.
send() {
	local f=$ESP_TMP/esp-$1.bin
	ns_exec "$b" python3 "$CRAFT" send --dst 127.0.0.1 --spi "$ESP_SPI_BA" \
		--seq "$1" --key "$ESP_KEY_BA" --inner udp --isrc 10.99.0.2 \
		--idst 10.99.0.1 ${4:+--corrupt "$4"} --save "$f" || return 1
	ns_exec "$b" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.sendto(open(sys.argv[3], "rb").read(), ("192.0.2.1", 4500))' "$2" "$3" "$f"
}

rx_packets() {
	esp_sa_stat "$a" esp0 in "$ESP_SPI_BA" rx_packets
}

# rx_at_least N: the inbound SA delivered N packets.
rx_at_least() {
	[ "$(rx_packets)" -ge "$1" ]
}

# endpoint: "ADDR:PORT" esp0 in $a sends to.
endpoint() {
	esp_show_json "$a" esp0 | jq -r "$ESP_JQ_DEFS"' devices | select(.ifname == "esp0") | "\(.remote):\(.encap.dport)"'
}

endpoint_is() {
	[ "$(endpoint)" = "$1" ]
}

# sent_delivered SEQ SRC SPORT N: the packet is sent and the SA has then
# delivered N packets in all.
sent_delivered() {
	send "$1" "$2" "$3" || return 1
	wait_for 10 rx_at_least "$4" && return 0
	echo "rx_packets $(rx_packets), want $4"
	return 1
}

# never_to ADDR: the monitor reported no mapping of esp0 to ADDR.
never_to() {
	if jq -e -s --arg to "$1" 'map(select(.event == "mapping" and
		(.new | split(":") | .[0]) == $to)) | length > 0' "$MONITOR" >/dev/null; then
		echo "esp0 floated to $1:"
		cat "$MONITOR"
		return 1
	fi
	return 0
}

# moves_to AT: the endpoint becomes AT.
moves_to() {
	wait_for 10 endpoint_is "$1" && return 0
	echo "endpoint $(endpoint), want $1"
	return 1
}

# bad_icv: seq 13 with a corrupted ICV from 192.0.2.5:4800 is counted as
# an authentication failure.
bad_icv() {
	send 13 192.0.2.5 4800 icv || return 1
	wait_for 10 auth_failed && return 0
	echo "no rx_auth_fail counted"
	return 1
}

# back_home: seq 14 from the configured peer moves the endpoint back.
back_home() {
	sent_delivered 14 192.0.2.2 4500 5 && moves_to 192.0.2.2:4500
}

auth_failed() {
	[ "$(esp_sa_stat "$a" esp0 in "$ESP_SPI_BA" rx_auth_fail)" -ge 1 ]
}

MONITOR=$ESP_TMP/monitor.json

esp_require_tools jq python3
ktap_plan 11
espvti_load
esp_topo
esp_keying gcm128 0

check "esp0 in $a: encap udp, float on, SAs" setup
esp_bg ns_exec "$a" "$ESPCTL" monitor --json >"$MONITOR"
check "seq 10 from the configured peer 192.0.2.2:4500 delivered" \
	sent_delivered 10 192.0.2.2 4500 1
check "seq 5 (older, in window, authentic) from 192.0.2.3:4600 delivered" \
	sent_delivered 5 192.0.2.3 4600 2
check "seq 11 (fresh) from 192.0.2.4:4700 delivered" \
	sent_delivered 11 192.0.2.4 4700 3
check "the endpoint moved to 192.0.2.4:4700" moves_to 192.0.2.4:4700
check "the late packet (seq 5) did not move the endpoint" never_to 192.0.2.3
check "seq 12 (fresh) from 192.0.2.3:4600 delivered" \
	sent_delivered 12 192.0.2.3 4600 4
check "a fresh packet moves the endpoint to 192.0.2.3:4600" moves_to 192.0.2.3:4600
check "seq 13 with a bad ICV from 192.0.2.5:4800 dropped" bad_icv
check "seq 14 from 192.0.2.2:4500 moves the endpoint back" back_home
check "the forged packet did not move the endpoint" never_to 192.0.2.5
ktap_finish
