#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# vmtest-timeout: 360
#
# pmtu-path: path MTU learnt from a router in the middle, for plain ESP and
# for ESP in UDP (RFC 3948), with outer IPv4 and IPv6. Both sides' underlay
# is 1500 bytes, so $a's esp0 starts with an MTU for a 1500-byte path, but
# the router forwards at most 1300 bytes towards $b (rb's MTU; vb keeps 1500
# so that $b's esp0 can carry IPv6, and only $a sends large packets). A full-size inner packet
# that may not be fragmented (IPv4 with DF, IPv6):
#
#   1. leaves $a as an outer packet too big for the router's next link; the
#      router drops it and answers with ICMP "fragmentation needed" /
#      ICMPv6 "packet too big" (mtu 1300) to $a's outer address. espvti's
#      ESP error handler (plain ESP) or the UDP socket (ESP in UDP) records
#      the path MTU towards $b.
#   2. is then answered by esp0 itself with an ICMP error naming the MTU
#      usable inside the tunnel over that path, and counted as tx_too_big;
#   3. a packet of that size passes whole.
#
#   netns $a                 netns $r (router)               netns $b
#   +-------------------+    +----------------------------+    +-------------------+
#   | esp0 10.99.0.1    |    | ip_forward, forwarding     |    | esp0 10.99.0.2    |
#   |   fd00:99::1      |    |                            |    |   fd00:99::2      |
#   | va 192.0.2.1   ===+====+ ra 192.0.2.254  (mtu 1500) |    |                   |
#   |    2001:db8:1::1  |    |    2001:db8:1::fe          |    |                   |
#   |    (mtu 1500)     |    | rb 198.51.100.254 (mtu 1300)+===+ vb 198.51.100.2   |
#   +-------------------+    |    2001:db8:2::fe          |    |    2001:db8:2::2  |
#                            +----------------------------+    |    (mtu 1500)     |
#                                                              +-------------------+
#   ESP from $a to $b: rfc4106(gcm(aes)) 128-bit key, 128-bit ICV
#
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b, $r
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

PATH_MTU=1300
# Smallest ESP overhead with IPv4 outside, AES-GCM, 16-byte ICV: IPv4 20,
# ESP header 8, IV 8, pad length and next header 2, ICV 16 (no padding).
MIN_OVERHEAD=54

test_cleanup() {
	esp_cleanup
}

# topology: $a - $r - $b as drawn above; lib-esp's sides are $a and $b.
topology() {
	ns_add a r b
	ESP_NS=("$a" "$b")
	ESP_O4=(192.0.2.1 198.51.100.2)
	ESP_O6=(2001:db8:1::1 2001:db8:2::2)
	ip link add va netns "$a" type veth peer name ra netns "$r" &&
		ip link add vb netns "$b" type veth peer name rb netns "$r" || return 1
	ip -n "$r" link set rb mtu "$PATH_MTU"
	ip -n "$a" addr add 192.0.2.1/24 dev va
	ip -n "$a" addr add 2001:db8:1::1/64 dev va nodad
	ip -n "$r" addr add 192.0.2.254/24 dev ra
	ip -n "$r" addr add 2001:db8:1::fe/64 dev ra nodad
	ip -n "$r" addr add 198.51.100.254/24 dev rb
	ip -n "$r" addr add 2001:db8:2::fe/64 dev rb nodad
	ip -n "$b" addr add 198.51.100.2/24 dev vb
	ip -n "$b" addr add 2001:db8:2::2/64 dev vb nodad
	ip -n "$a" link set va up
	ip -n "$r" link set ra up
	ip -n "$r" link set rb up
	ip -n "$b" link set vb up
	ns_exec "$r" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	ip -n "$a" route add 198.51.100.0/24 via 192.0.2.254 &&
		ip -n "$a" route add 2001:db8:2::/64 via 2001:db8:1::fe &&
		ip -n "$b" route add 192.0.2.0/24 via 198.51.100.254 &&
		ip -n "$b" route add 2001:db8:1::/64 via 2001:db8:2::fe || return 1
	wait_for 10 ns_exec "$a" ping -c 1 -W 1 198.51.100.2 &&
		wait_for 10 ns_exec "$a" ping -c 1 -W 1 2001:db8:2::2
}

# pair OFAM ENCAP: esp0 on both sides with outer family OFAM; with ENCAP
# "udp" both send ESP in UDP from and to port 4500 (the module's own
# sockets), and esp0's MTU drops by the 8 bytes of the UDP header. $a
# forgets what it learnt of the path before.
pair() {
	local m0 m1
	esp_side_down 0
	esp_side_down 1
	ip -n "$a" route flush cache
	ip -n "$a" -6 route flush cache
	esp_espvti_pair "$1" || return 1
	m0=$(mtu_of "$a" esp0)
	echo "esp0 mtu in $a: $m0"
	if [ "$2" = udp ]; then
		ns_exec "$a" "$ESPCTL" set esp0 encap udp sport 4500 dport 4500 keepalive 0 &&
			ns_exec "$b" "$ESPCTL" set esp0 encap udp sport 4500 dport 4500 keepalive 0 ||
			return 1
		m1=$(mtu_of "$a" esp0)
		echo "esp0 mtu in $a with encap udp: $m1"
		[ "$m1" = $((m0 - 8)) ] || { echo "expected $((m0 - 8)) (UDP header)"; return 1; }
	fi
	esp_ping "$a" "${ESP_I4[1]}"
}

# learn: DF pings of esp0's full MTU until esp0 answers one with an ICMP
# error itself: the first ones die at the router, whose ICMP error teaches
# $a the path MTU. A ping refused locally (the inner route already knows a
# smaller MTU) is sent again at that size. Prints the MTU esp0 names;
# tx_too_big goes up.
learn() {
	local size out before after i got=
	size=$(mtu_of "$a" esp0) || return 1
	before=$(esp_dev_stat "$a" esp0 tx_too_big) || return 1
	for ((i = 0; i < 6; i++)); do
		out=$(ns_exec "$a" ping -M "do" -s $((size - 28)) -c 1 -W 2 "${ESP_I4[1]}" 2>&1)
		echo "$out" >&2
		got=$(grep -oiE 'frag needed.*mtu ?= ?[0-9]+' <<<"$out" | head -n 1 | grep -oE '[0-9]+$')
		[ -n "$got" ] && break
		# "local error: message too long, mtu=N": try N.
		size=$(grep -oiE 'message too long, mtu ?= ?[0-9]+' <<<"$out" | grep -oE '[0-9]+$' ||
			echo "$size")
	done
	after=$(esp_dev_stat "$a" esp0 tx_too_big) || return 1
	echo "tx_too_big $before -> $after" >&2
	[ -n "$got" ] || { echo "esp0 sent no ICMP error naming an MTU after $i pings" >&2; return 1; }
	[ "$after" -gt "$before" ] || return 1
	echo "$got"
}

# path_learnt OFAM ENCAP: the MTU esp0 names fits the 1300-byte path with
# the ESP (and UDP) overhead and is at most 80 bytes below it; a DF ping of
# that size passes and one byte more does not.
path_learnt() {
	local got over=$MIN_OVERHEAD
	[ "$1" = 6 ] && over=$((over + 20))
	[ "$2" = udp ] && over=$((over + 8))
	got=$(learn) || return 1
	echo "esp0 names mtu $got; path $PATH_MTU, overhead at least $over"
	[ "$got" -le $((PATH_MTU - over)) ] && [ "$got" -ge $((PATH_MTU - over - 24)) ] ||
		return 1
	ns_exec "$a" ping -M "do" -s $((got - 28)) -c 3 -i 0.2 -w 15 "${ESP_I4[1]}" || return 1
	! ns_exec "$a" ping -M "do" -s $((got - 27)) -c 1 -W 2 "${ESP_I4[1]}"
}

# router_errors OFAM: how many ICMP "destination unreachable" (IPv4) or
# "packet too big" (IPv6) errors the router has sent.
router_errors() {
	if [ "$1" = 6 ]; then
		ns_exec "$r" awk '$1 == "Icmp6OutPktTooBigs" { print $2 }' /proc/net/snmp6
	else
		ns_exec "$r" awk '$1 == "IcmpMsg:" && !h { for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next }
			$1 == "IcmpMsg:" && h { print (c["OutType3"] ? $c["OutType3"] : 0) }' /proc/net/snmp
	fi
}

# router_sent OFAM BEFORE: the router sent such errors since it had sent
# BEFORE.
router_sent() {
	local n
	n=$(router_errors "$1")
	echo "router's ICMP errors: ${2:-0} -> ${n:-0}"
	[ "${n:-0}" -gt "${2:-0}" ]
}

esp_require_tools ping jq
ktap_plan 12
espvti_load
topology || ktap_bail "a - r - b topology"
esp_keying gcm128 0

for ofam in 4 6; do
	for encap in none udp; do
		if [ "$encap" = udp ]; then tag="outer IPv$ofam, ESP in UDP"; else tag="outer IPv$ofam, ESP"; fi
		check "$tag: espvti pair across the router (MTU), ping" pair "$ofam" "$encap"
		R0=$(router_errors "$ofam")
		check "$tag: path MTU learnt from the router; esp0 names the usable MTU, which passes" \
			path_learnt "$ofam" "$encap"
		check "$tag: the router sent the ICMP errors" router_sent "$ofam" "$R0"
	done
done

ktap_finish
