#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# vmtest-timeout: 300
#
# natt-many-devices: SA-less datagrams (NAT keepalive, unknown SPI, the
# non-ESP marker alone) arriving on the shared port 4500 are charged to the
# device whose peer sent them, found in the namespace's hash of remote
# addresses (not by walking every device), with 200 devices of distinct
# remotes in the namespace; a device created later, and one whose remote
# changed, are found too; a neighbour is charged nothing.
#
#   netns $a                                        netns $b
#   +-------------------------------------+         +----------------------+
#   | e0..e198 (espvti) remotes           |         |                      |
#   |   10.200.X.Y, encap none            |  veth   | python3 from         |
#   | e199 remote 192.0.2.2, encap udp    +=========+ 192.0.2.2:4500 to    |
#   |   4500 (the module's socket)        |         | 192.0.2.1:4500       |
#   | va 192.0.2.1/24                     |         | vb 192.0.2.2/24      |
#   +-------------------------------------+         +----------------------+
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

N=200

test_cleanup() {
	esp_cleanup
}

make_devices() {
	local i
	for i in $(seq 0 $((N - 1))); do
		echo "link add e$i type espvti"
	done | ip -n "$a" -batch - || return 1
	for i in $(seq 0 $((N - 2))); do
		ns_exec "$a" "$ESPCTL" set "e$i" local 192.0.2.1 \
			remote "10.200.$((i / 250)).$((i % 250 + 1))" || return 1
	done
	ns_exec "$a" "$ESPCTL" set "e$((N - 1))" local 192.0.2.1 remote 192.0.2.2 \
		dev va encap udp sport 4500 dport 4500 keepalive 0
}

# send HEX: one datagram from 192.0.2.2:4500 to 192.0.2.1:4500.
send() {
	ns_exec "$b" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.2", 4500))
s.sendto(bytes.fromhex(sys.argv[1]), ("192.0.2.1", 4500))' "$1"
}

stat_ge() {
	local v
	v=$(esp_dev_stat "$a" "$1" "$2") || return 1
	[ "$v" -ge "$3" ]
}

# counted_on DEV COUNTER HEX: sending HEX raises DEV's COUNTER by one.
counted_on() {
	local before
	before=$(esp_dev_stat "$a" "$1" "$2") || return 1
	send "$3" || return 1
	wait_for 10 stat_ge "$1" "$2" $((before + 1)) && return 0
	echo "$1 $2 stayed at $(esp_dev_stat "$a" "$1" "$2")"
	return 1
}

# untouched DEV: DEV counted no keepalive, no unknown SPI, no malformed.
untouched() {
	local k
	for k in rx_keepalive rx_no_sa rx_udp_malformed; do
		[ "$(esp_dev_stat "$a" "$1" "$k")" = 0 ] || { echo "$1 counted $k"; return 1; }
	done
}

# moved: e5 takes e199's place as the device talking to 192.0.2.2 (e199
# moves to another remote): e5 is found now.
moved() {
	ns_exec "$a" "$ESPCTL" set "e$((N - 1))" remote 10.201.0.1 &&
		ns_exec "$a" "$ESPCTL" set e5 remote 192.0.2.2 &&
		counted_on e5 rx_keepalive ff
}

# late_device: a device created after the others, remote 192.0.2.2, is
# found once e5 no longer has that remote.
late_device() {
	ip -n "$a" link add elate type espvti &&
		ns_exec "$a" "$ESPCTL" set e5 remote 10.201.0.2 &&
		ns_exec "$a" "$ESPCTL" set elate local 192.0.2.1 remote 192.0.2.2 &&
		counted_on elate rx_keepalive ff
}

esp_require_tools jq python3
ktap_plan 8
espvti_load
esp_topo

check "$N devices with distinct remotes" make_devices
check "keepalive counted on e$((N - 1)) (remote 192.0.2.2)" \
	counted_on "e$((N - 1))" rx_keepalive ff
check "unknown SPI counted on e$((N - 1))" \
	counted_on "e$((N - 1))" rx_no_sa "7eadbeef00000001$(printf '%032x' 0)"
check "non-ESP marker alone counted on e$((N - 1))" \
	counted_on "e$((N - 1))" rx_udp_malformed 00000000
check "neighbour e$((N - 2)) charged nothing" untouched "e$((N - 2))"
check "e5 given remote 192.0.2.2 (e$((N - 1)) moved away): e5 counts" moved
check "a device created later with remote 192.0.2.2 counts" late_device
check "deleting all $N devices" bash -c "for i in \$(seq 0 $((N - 1))); do echo \"link del e\$i\"; done | ip -n $a -batch -"

ktap_finish
