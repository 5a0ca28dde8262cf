#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# natt-nat: espvti to espvti through a NAT (RFC 3948). The client sits
# behind a namespace doing nftables masquerade that rewrites the UDP source
# port (4500 -> 20000..20100). The server knows only the NAT's address and
# follows the client (peer floating) to the port the NAT picked, which
# `espctl monitor --json` reports as a mapping event. Mid-stream, with a
# ping running, the NAT's ruleset is replaced (ports 30000..30100) and its
# conntrack table flushed: the client's next packets get a new port, the
# server floats to it by itself (mapping event with old and new port) and
# the tunnel works both ways again. The client's keepalives cross the NAT.
#
#   netns $c (client)         netns $nat (NAT)                netns $s (server)
#   +--------------------+    +-------------------------+   +--------------------+
#   | esp0 10.99.0.1     |    | masquerade udp 4500     |   | esp0 10.99.0.2     |
#   |      fd00:99::1    |    |   to :20000-20100,      |   |      fd00:99::2    |
#   | encap udp 4500,    |    |   later :30000-30100    |   | encap udp 4500,    |
#   | keepalive 1        |    |                         |   | remote 192.0.2.1   |
#   |                    |    |                         |   | float on           |
#   | vc 10.0.1.2/24     +====+ vnc 10.0.1.1  vns 192.0.2.1 +=+ vs 192.0.2.2/24    |
#   | default via .1     |    | ip_forward=1            |   | (no route back     |
#   +--------------------+    +-------------------------+   |  to 10.0.1.0/24)   |
#                                                           +--------------------+
#
# vmtest-timeout: 240
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $c, $nat, $s
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

MONITOR=$ESP_TMP/monitor.json

test_cleanup() {
	esp_cleanup
}

# nat_rules LOW HIGH: (re)places the whole ruleset of $nat, atomically, with a
# masquerade of UDP to port 4500 onto source ports LOW..HIGH.
nat_rules() {
	ns_exec "$nat" nft -f - <<-EOF
	flush ruleset
	table ip nat {
		chain postrouting {
			type nat hook postrouting priority srcnat;
			oifname "vns" udp dport 4500 masquerade to :$1-$2
		}
	}
	EOF
}

topology() {
	nat_topology || return 1
	nat_rules 20000 20100 || return 1
	wait_for 10 ns_exec "$c" ping -c 1 -W 1 10.0.1.1 &&
		wait_for 10 ns_exec "$s" ping -c 1 -W 1 192.0.2.1
}

# tunnel_up: espvti on client and server, endpoint and encapsulation in one
# `espctl set` each.
tunnel_up() {
	ip -n "$c" link add esp0 type espvti &&
		ip -n "$s" link add esp0 type espvti || return 1
	ns_exec "$c" "$ESPCTL" set esp0 local 10.0.1.2 remote 192.0.2.2 dev vc \
		encap udp sport 4500 dport 4500 keepalive 1 float on || return 1
	ns_exec "$s" "$ESPCTL" set esp0 local 192.0.2.2 remote 192.0.2.1 dev vs \
		encap udp sport 4500 dport 4500 keepalive 0 float on || return 1
	ns_exec "$c" "$ESPCTL" sa add esp0 dir out spi "$ESP_SPI_AB" \
		aead "$ESP_ALG" "$ESP_KEY_AB" "$ESP_ICV" || return 1
	ns_exec "$c" "$ESPCTL" sa add esp0 dir in spi "$ESP_SPI_BA" \
		aead "$ESP_ALG" "$ESP_KEY_BA" "$ESP_ICV" replay-window 64 || return 1
	ns_exec "$s" "$ESPCTL" sa add esp0 dir out spi "$ESP_SPI_BA" \
		aead "$ESP_ALG" "$ESP_KEY_BA" "$ESP_ICV" || return 1
	ns_exec "$s" "$ESPCTL" sa add esp0 dir in spi "$ESP_SPI_AB" \
		aead "$ESP_ALG" "$ESP_KEY_AB" "$ESP_ICV" replay-window 64 || return 1
	ip -n "$c" addr add 10.99.0.1/24 dev esp0 &&
		ip -n "$c" addr add fd00:99::1/64 dev esp0 nodad &&
		ip -n "$s" addr add 10.99.0.2/24 dev esp0 &&
		ip -n "$s" addr add fd00:99::2/64 dev esp0 nodad &&
		ip -n "$c" link set esp0 up && ip -n "$s" link set esp0 up
}

# monitor_ready: the monitor's generic netlink socket in $s has joined a
# multicast group (the Groups column of /proc/net/netlink, protocol 16).
monitor_ready() {
	ns_exec "$s" awk '$2 == 16 && $4 != "00000000" { f = 1 } END { exit !f }' \
		/proc/net/netlink
}

# server_dport: the remote UDP port the server sends to.
server_dport() {
	esp_show_json "$s" esp0 | jq -r "$ESP_JQ_DEFS"' devices | select(.ifname == "esp0") | .encap.dport'
}

# dport_in LOW HIGH: the server sends to a port in LOW..HIGH.
dport_in() {
	local p
	p=$(server_dport)
	echo "server sends to port $p"
	[ "$p" -ge "$1" ] 2>/dev/null && [ "$p" -le "$2" ]
}

# mapping_seen OLD_LOW OLD_HIGH NEW_LOW NEW_HIGH: the monitor printed a
# mapping event for esp0 from 192.0.2.1:OLD to 192.0.2.1:NEW, ports in the
# given ranges.
mapping_seen() {
	jq -e -s --argjson ol "$1" --argjson oh "$2" --argjson nl "$3" --argjson nh "$4" '
		def port: split(":") | .[-1] | tonumber;
		def addr: split(":") | .[0];
		map(select(.event == "mapping" and .ifname == "esp0"
			and (.old | addr) == "192.0.2.1" and (.new | addr) == "192.0.2.1"
			and (.old | port) >= $ol and (.old | port) <= $oh
			and (.new | port) >= $nl and (.new | port) <= $nh)) | length > 0' \
		"$MONITOR" >/dev/null
}

# show_mapping OLD_LOW OLD_HIGH NEW_LOW NEW_HIGH: mapping_seen, printing
# the monitor's output when it fails.
show_mapping() {
	wait_for 30 mapping_seen "$@" && return 0
	echo "monitor output:"
	cat "$MONITOR"
	return 1
}

# flush_nat: new port range, all NAT mappings forgotten.
flush_nat() {
	nat_rules 30000 30100 && ns_exec "$nat" conntrack -F
}

# conntrack_new_port: the NAT's conntrack entry for the client's UDP 4500
# flow is translated to a port in 30000..30100.
conntrack_new_port() {
	local out
	out=$(ns_exec "$nat" conntrack -L -p udp --orig-port-dst 4500 2>/dev/null)
	echo "$out"
	grep -qE 'dport=(30[0-9][0-9][0-9]|30100) ' <<<"$out"
}

# server_clean: no authentication failure and no replay at the server.
server_clean() {
	local f r
	f=$(esp_dev_stat "$s" esp0 rx_auth_fail) && r=$(esp_dev_stat "$s" esp0 rx_replay) || return 1
	echo "rx_auth_fail $f, rx_replay $r"
	[ "$f" = 0 ] && [ "$r" = 0 ]
}

# recovered: both directions work again, fresh pings.
recovered() {
	esp_ping "$c" 10.99.0.2 && esp_ping "$s" fd00:99::1
}

esp_require_tools jq nft conntrack ping
ktap_plan 12
espvti_load
esp_keying gcm128 0
topology || ktap_bail "client - NAT - server topology"

esp_bg ns_exec "$s" "$ESPCTL" monitor --json >"$MONITOR"
wait_for 10 monitor_ready || ktap_diag "monitor subscription not seen in /proc/net/netlink"

check "client and server espvti up, encap udp, server only knows the NAT's address" tunnel_up
check "ping client -> server through the NAT" esp_ping "$c" 10.99.0.2
check "server floated to the NAT's port 20000..20100" dport_in 20000 20100
check "mapping event 192.0.2.1:4500 -> 192.0.2.1:20000..20100" show_mapping 4500 4500 20000 20100
check "ping server -> client (inner IPv6) through the NAT" esp_ping "$s" fd00:99::1
check "client keepalives cross the NAT" wait_for 10 esp_keepalives_arrive "$s"

# Mid-stream: a ping runs while the NAT forgets every mapping.
esp_bg ns_exec "$c" ping -q -i 0.2 -w 120 10.99.0.2 >/dev/null 2>&1
check "NAT ruleset replaced (ports 30000..30100), conntrack flushed" flush_nat
check "mapping event 192.0.2.1:20000..20100 -> 192.0.2.1:30000..30100" \
	show_mapping 20000 20100 30000 30100
check "server now sends to port 30000..30100" dport_in 30000 30100
check "tunnel recovered by itself: pings both ways" recovered
check "conntrack on the NAT maps the client to 30000..30100" conntrack_new_port
check "no authentication failure or replay on the server" server_clean

ktap_finish
