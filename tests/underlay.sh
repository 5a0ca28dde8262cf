#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# underlay: a tunnel bound to an underlay device (`espctl set DEV ... dev
# UL`, ESPVTI_A_UNDERLAY_IFINDEX) follows it:
#   - the underlay's MTU changes: the tunnel's MTU follows (same overhead),
#     unless the user set the tunnel's MTU;
#   - the underlay is deleted: the tunnel unbinds (espctl show: underlay
#     none, a kernel log line) and its outer packets follow the routing
#     table; here that makes a tunnel bound to a dummy device work.
#
#   netns $a                                 netns $b
#   +------------------------------+         +------------------------------+
#   | esp0 10.99.0.1 bound to du   |         | esp0 10.99.0.2 bound to vb   |
#   |   (dummy: no way to $b)      |  veth   |   (vb's MTU changed)         |
#   | va 192.0.2.1/24              +=========+ vb 192.0.2.2/24              |
#   +------------------------------+         +------------------------------+
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

test_cleanup() {
	esp_cleanup
}

mtu_of() {
	ip -n "$1" -j link show "$2" | jq -r '.[0].mtu'
}

setup() {
	ip -n "$a" link add du type dummy &&
		ip -n "$a" link set du up || return 1
	ESP_UL[0]=du
	esp_espvti_pair 4
}

# follows_mtu: vb's MTU 1500 -> 1400 takes esp0 in $b down by 100.
follows_mtu() {
	local before after
	before=$(mtu_of "$b" esp0)
	ip -n "$b" link set vb mtu 1400 || return 1
	after=$(mtu_of "$b" esp0)
	echo "esp0 MTU $before -> $after"
	[ "$after" -eq $((before - 100)) ]
}

# user_mtu_kept: with esp0's MTU set by the user, vb's MTU change leaves it.
user_mtu_kept() {
	ip -n "$b" link set esp0 mtu 1300 &&
		ip -n "$b" link set vb mtu 1450 || return 1
	[ "$(mtu_of "$b" esp0)" = 1300 ]
}

underlay_of() {
	esp_show_json "$a" esp0 | jq -r "$ESP_JQ_DEFS"' devices | select(.ifname == "esp0") | .underlay'
}

# unbound: du deleted; esp0 in $a has no underlay and says so.
unbound() {
	ip -n "$a" link del du || return 1
	[ "$(underlay_of)" = null ] || { echo "underlay $(underlay_of)"; return 1; }
	dmesg | grep -q "esp0: underlay device du is gone" ||
		{ echo "no kernel log line"; return 1; }
}

esp_require_tools jq
ktap_plan 7
espvti_load
esp_topo
esp_keying gcm128 0

check "tunnel: esp0 in $a bound to dummy du, esp0 in $b bound to vb" setup
check "bound to du the tunnel carries nothing" \
	bash -c "! ip netns exec $a ping -c 1 -W 2 ${ESP_I4[1]}"
check "underlay MTU change: tunnel MTU follows" follows_mtu
check "user-set tunnel MTU kept on underlay MTU change" user_mtu_kept
check "ip link set vb mtu 1500 (the tunnel's 1300 stays)" ip -n "$b" link set vb mtu 1500
check "underlay du deleted: esp0 unbound" unbound
check "unbound: outer packets follow the routing table, tunnel works" \
	esp_ping "$a" "${ESP_I4[1]}"

ktap_finish
