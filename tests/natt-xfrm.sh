#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# natt-xfrm: ESP in UDP (RFC 3948) between espvti and the kernel's own
# IPsec. One side is an espvti device with `encap udp` (the module's own
# socket on port 4500, keepalives every second; endpoint and encapsulation
# set in one `espctl set`), the other an xfrm interface
# whose states carry `encap espinudp 4500 4500`, with a UDP socket marked
# UDP_ENCAP_ESPINUDP on port 4500 (what an IKE daemon holds) so that xfrm
# receives. Ping both ways for both inner families and a TCP transfer each
# way go through, for an IPv4 and an IPv6 outer. nftables counters on the
# xfrm side prove that everything crossed as UDP to port 4500 (no raw ESP)
# and that espvti's keepalives arrived; the xfrm states verified every
# packet espvti sent.
#
#   netns $a (side 0)                               netns $b (side 1)
#   +---------------------------+                   +---------------------------+
#   | esp0 (espvti, encap udp)  |  UDP 4500 <-> 4500| ipsec0 (xfrm, if_id 42)   |
#   |   10.99.0.1  fd00:99::1   |<----------------->|   10.99.0.2  fd00:99::2   |
#   |   own socket *:4500       |  ESP + keepalives | states encap espinudp     |
#   |                           |                   | python socket *:4500      |
#   |                           |                   |   (UDP_ENCAP_ESPINUDP)    |
#   | va 192.0.2.1 2001:db8:f::1+===================+ vb 192.0.2.2 2001:db8:f::2|
#   +---------------------------+       veth        +---------------------------+
#
# vmtest-timeout: 300
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

TCP_BYTES=262144

test_cleanup() {
	esp_cleanup
}

# encap_sockets: in $b, IPv4 and IPv6 UDP sockets on port 4500 with
# UDP_ENCAP (100) = UDP_ENCAP_ESPINUDP (2), kept open in the background.
encap_sockets() {
	local fam
	for fam in 4 6; do
		esp_bg ns_exec "$b" python3 -c '
import socket, sys, time
fam = socket.AF_INET if sys.argv[1] == "4" else socket.AF_INET6
s = socket.socket(fam, socket.SOCK_DGRAM)
if fam == socket.AF_INET6:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(("", 4500))
s.setsockopt(socket.IPPROTO_UDP, 100, 2)
while True:
    time.sleep(3600)' "$fam"
	done
	wait_for 10 bash -c "[ \$(ip netns exec $b ss -Hlun 'sport = :4500' | wc -l) = 2 ]"
}

# counters: nftables counters at the input of $b: esp-in-udp (UDP
# 4500 -> 4500 longer than a keepalive), keepalive (one byte payload) and
# raw (IP protocol 50).
counters() {
	ns_exec "$b" nft -f - <<-'EOF'
	table inet natt {
		counter esp_in_udp { }
		counter keepalive { }
		counter raw { }
		chain input {
			type filter hook input priority 0;
			udp sport 4500 udp dport 4500 udp length > 9 counter name esp_in_udp
			udp sport 4500 udp dport 4500 udp length 9 @th,64,8 == 0xff counter name keepalive
			meta l4proto esp counter name raw
		}
	}
	EOF
}

# counter NAME: packets counted by the nftables counter NAME in $b.
counter() {
	ns_exec "$b" nft -j list counter inet natt "$1" |
		jq -r '.nftables[] | select(.counter) | .counter.packets'
}

# xfrm_encap_up OFAM: side 1 as in esp_xfrmi_up, states with espinudp.
xfrm_encap_up() {
	local oa=0.0.0.0
	[ "$1" = 6 ] && oa=::
	esp_xfrmi_up 1 "$1" encap espinudp 4500 4500 "$oa"
}

# espvti_encap_up OFAM: side 0 as in esp_espvti_up, with the endpoint and
# the UDP encapsulation set in one call, before any packet can leave.
espvti_encap_up() {
	local ns me peer spi_out key_out spi_in key_in
	esp_side_vars 0 "$1"
	ip -n "$ns" link add esp0 type espvti || return 1
	ns_exec "$ns" "$ESPCTL" set esp0 local "$me" remote "$peer" dev va \
		encap udp sport 4500 dport 4500 keepalive 1 || return 1
	ns_exec "$ns" "$ESPCTL" sa add esp0 dir out spi "$spi_out" \
		aead "$ESP_ALG" "$key_out" "$ESP_ICV" || return 1
	ns_exec "$ns" "$ESPCTL" sa add esp0 dir in spi "$spi_in" \
		aead "$ESP_ALG" "$key_in" "$ESP_ICV" replay-window "$ESP_WIN" || return 1
	esp_inner_addrs 0 esp0
}

# encap_shown: espctl show --json reports the encapsulation as set.
encap_shown() {
	local e
	e=$(esp_show_json "$a" esp0 | jq -c "$ESP_JQ_DEFS"' devices | select(.ifname == "esp0") | .encap')
	echo "encap: $e"
	[ "$(jq -r '"\(.type) \(.sport) \(.dport) \(.keepalive) \(.float) \(.socket)"' <<<"$e")" = \
		"udp 4500 4500 1 true kernel" ]
}

# wire_check OFAM: ESP crossed only as UDP 4500 -> 4500, xfrm verified all
# that espvti sent, keepalives arrived and were counted by espvti.
wire_check() {
	local xin xout xfail etx erx udp raw ka eka
	esp_wire_counts "$1" || return 1
	udp=$(counter esp_in_udp) raw=$(counter raw) ka=$(counter keepalive)
	eka=$(esp_dev_stat "$a" esp0 tx_keepalive) || return 1
	echo "xfrm in $xin (failed $xfail), out $xout; espvti tx $etx rx $erx;" \
		"at b: esp-in-udp $udp, raw esp $raw, keepalives $ka (espvti sent $eka)"
	[ "$xin" -ge 3 ] && [ "$xout" -ge 3 ] && [ "$xfail" = 0 ] &&
		[ "$etx" -ge "$xin" ] && [ "$erx" -ge 3 ] && [ "$xout" -ge "$erx" ] &&
		[ "$udp" -ge "$xin" ] && [ "$raw" = 0 ] && [ "$ka" -ge 1 ] && [ "$eka" -ge "$ka" ]
}

# keepalive_seen: at least one keepalive reached $b.
keepalive_seen() {
	[ "$(counter keepalive)" -ge 1 ]
}

esp_require_tools socat jq ss nft python3
ktap_plan 20
espvti_load
esp_topo
encap_sockets || ktap_bail "no UDP_ENCAP_ESPINUDP sockets on port 4500 in $b"
esp_keying gcm128 0

for ofam in 4 6; do
	esp_keying gcm128 0
	tag="outer IPv$ofam"
	ns_exec "$b" nft delete table inet natt 2>/dev/null
	counters || ktap_bail "nftables counters in $b"
	check "$tag: espvti side up with encap udp 4500 4500 keepalive 1" espvti_encap_up "$ofam"
	check "$tag: espctl show --json reports the UDP encapsulation" encap_shown
	check "$tag: xfrm interface side up, states encap espinudp 4500 4500" xfrm_encap_up "$ofam"
	for ifam in 4 6; do
		if [ "$ifam" = 6 ]; then ia=${ESP_I6[0]} ib=${ESP_I6[1]}
		else ia=${ESP_I4[0]} ib=${ESP_I4[1]}; fi
		check "$ifam-in-UDP-in-$ofam: ping espvti -> xfrm" esp_ping "$a" "$ib"
		check "$ifam-in-UDP-in-$ofam: ping xfrm -> espvti" esp_ping "$b" "$ia"
	done
	check "$tag: TCP espvti -> xfrm intact (inner IPv4)" \
		esp_tcp "$a" "$b" "${ESP_I4[1]}" $TCP_BYTES
	check "$tag: TCP xfrm -> espvti intact (inner IPv6)" \
		esp_tcp "$b" "$a" "${ESP_I6[0]}" $TCP_BYTES
	wait_for 10 keepalive_seen
	check "$tag: only ESP in UDP on the wire, verified by xfrm; keepalives arrive" \
		wire_check "$ofam"
	esp_side_down 0
	esp_side_down 1
done

ktap_finish
