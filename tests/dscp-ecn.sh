#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# dscp-ecn: the DS field across the tunnel, for outer IPv4 and IPv6 and
# inner IPv4 and IPv6. Encapsulation copies the inner DSCP and ECN field to
# the outer header (RFC 6040 normal mode: CE is copied too); the receiver
# delivers the inner packet with its DS field unchanged. With the outer
# header of the test's pings marked CE on the way (nftables in $b's
# prerouting), an ECN-capable inner packet comes out CE, and a not-ECT
# inner packet is dropped and counted as rx_bad_inner (RFC 6040 4.2).
#
#   netns $a (side 0)                               netns $b (side 1)
#   +---------------------------+                   +---------------------------+
#   | esp0 (espvti)             |   ESP tunnel mode | esp0 (espvti)  tcpdump    |
#   |   10.99.0.1  fd00:99::1   |<----------------->|   10.99.0.2  fd00:99::2   |
#   | va 192.0.2.1              +===================+ vb 192.0.2.2  tcpdump     |
#   |    2001:db8:f::1  ping -Q |       veth        |    2001:db8:f::2          |
#   +---------------------------+                   +---------------------------+
#                                            nft: outer ECN set to CE (later)
#
# vmtest-timeout: 400
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

# The pings are SIZE bytes of payload, and the captures take only packets
# longer than BIG: IPv6 neighbour discovery and MLD, which also cross the
# tunnel, are shorter.
SIZE=777 BIG=700

test_cleanup() {
	esp_cleanup
}

# first_bytes LOG: the first two bytes of the first packet of a `tcpdump -x`
# log, as four hex digits.
first_bytes() {
	awk '/^[[:space:]]*0x0000:/ { print $2; exit }' "$1"
}

# dsfield_of HEX4: the DS field of an IPv4 or IPv6 header whose first two
# bytes are HEX4.
dsfield_of() {
	local v=$((16#$1))
	if [ $((v >> 12)) = 4 ]; then
		printf '0x%02x' $((v & 0xff))
	else
		printf '0x%02x' $(((v >> 4) & 0xff))
	fi
}

# capture NS DEV FILTER LOG: starts tcpdump for one packet; waits until it
# listens. Leaves its pid in CAP_PID.
capture() {
	ns_exec "$1" timeout 30 tcpdump -n -x -l -i "$2" -c 1 "$3" >"$4" 2>"$4.err" &
	CAP_PID=$!
	wait_for 20 grep -q 'listening on' "$4.err" || { cat "$4.err"; kill "$CAP_PID"; return 1; }
}

# ds_copied OFAM IFAM TOS: a ping with DS field TOS from a to b over inner
# family IFAM shows on the wire (vb) with the outer DS field TOS, and comes
# out of b's esp0 with TOS.
ds_copied() {
	local ofam=$1 ifam=$2 tos=$3 out=$ESP_TMP/outer in=$ESP_TMP/inner p1 p2 o i dst
	local ofilter="esp and src ${ESP_O4[0]} and greater $BIG"
	[ "$ofam" = 6 ] && ofilter="esp and src ${ESP_O6[0]} and greater $BIG"
	if [ "$ifam" = 6 ]; then dst=${ESP_I6[1]}; else dst=${ESP_I4[1]}; fi
	capture "$b" vb "$ofilter" "$out" || return 1
	p1=$CAP_PID
	capture "$b" esp0 "(icmp or icmp6) and greater $BIG" "$in" || { kill "$p1"; return 1; }
	p2=$CAP_PID
	ns_exec "$a" ping -s "$SIZE" -"$ifam" -Q "$tos" -c 1 -W 5 "$dst" >/dev/null
	wait "$p1" && wait "$p2" || { echo "no packet captured"; cat "$out" "$in"; return 1; }
	o=$(dsfield_of "$(first_bytes "$out")") i=$(dsfield_of "$(first_bytes "$in")")
	echo "inner sent $tos: outer $o, delivered $i"
	[ "$o" = "$(printf '0x%02x' "$tos")" ] && [ "$i" = "$(printf '0x%02x' "$tos")" ]
}

# ce_marked OFAM IFAM: with the outer header marked CE on the way, an inner
# ECT(0) packet (DS 0xba) is delivered as CE (0xbb).
ce_marked() {
	local ifam=$2 in=$ESP_TMP/inner i dst
	if [ "$ifam" = 6 ]; then dst=${ESP_I6[1]}; else dst=${ESP_I4[1]}; fi
	capture "$b" esp0 "(icmp or icmp6) and greater $BIG" "$in" || return 1
	ns_exec "$a" ping -s "$SIZE" -"$ifam" -Q 0xba -c 1 -W 5 "$dst" >/dev/null
	wait "$CAP_PID" || { echo "no packet delivered"; cat "$in"; return 1; }
	i=$(dsfield_of "$(first_bytes "$in")")
	echo "inner sent 0xba (ECT(0)) under a CE outer header: delivered $i"
	[ "$i" = 0xbb ]
}

# not_ect_dropped OFAM IFAM: with the outer header marked CE, a not-ECT
# inner packet (DS 0xb8) is not delivered and rx_bad_inner goes up by one.
not_ect_dropped() {
	local ifam=$2 before after dst
	if [ "$ifam" = 6 ]; then dst=${ESP_I6[1]}; else dst=${ESP_I4[1]}; fi
	before=$(esp_dev_stat "$b" esp0 rx_bad_inner) || return 1
	if ns_exec "$a" ping -s "$SIZE" -"$ifam" -Q 0xb8 -c 1 -W 2 "$dst" >/dev/null; then
		echo "the not-ECT packet was answered"
		return 1
	fi
	wait_for 10 eval '[ "$(esp_dev_stat "$b" esp0 rx_bad_inner)" = $((before + 1)) ]'
	after=$(esp_dev_stat "$b" esp0 rx_bad_inner)
	echo "rx_bad_inner $before -> $after"
	[ "$after" = $((before + 1)) ]
}

# mark_ce OFAM on|off: nftables in $b sets the ECN field of arriving ESP
# packets longer than BIG to CE. Only the test's pings are that long: a CE
# mark on a small packet (neighbour discovery, MLD) would drop it too and
# add to rx_bad_inner behind the test's back.
mark_ce() {
	ns_exec "$b" nft delete table inet ce 2>/dev/null
	[ "$2" = off ] && return 0
	if [ "$1" = 6 ]; then
		ns_exec "$b" nft -f - <<-EOF
		table inet ce {
			chain pre {
				type filter hook prerouting priority -300;
				meta nfproto ipv6 ip6 nexthdr esp meta length > $BIG ip6 ecn set ce
			}
		}
		EOF
	else
		ns_exec "$b" nft -f - <<-EOF
		table inet ce {
			chain pre {
				type filter hook prerouting priority -300;
				meta nfproto ipv4 ip protocol esp meta length > $BIG ip ecn set ce
			}
		}
		EOF
	fi
}

esp_require_tools tcpdump ping nft jq
espvti_load || ktap_bail "cannot load espvti"
esp_topo
esp_keying gcm128 0

for ofam in 4 6; do
	check "outer IPv$ofam: espvti pair" esp_espvti_pair "$ofam"
	for ifam in 4 6; do
		for tos in 0x00 0xb8 0x28 0xb9 0xba 0xbb; do
			check "outer IPv$ofam, inner IPv$ifam: DS $tos copied to the outer header and delivered" \
				ds_copied "$ofam" "$ifam" "$tos"
		done
	done
	check "outer IPv$ofam: nftables marks arriving ESP CE" mark_ce "$ofam" on
	for ifam in 4 6; do
		check "outer IPv$ofam CE, inner IPv$ifam ECT(0): delivered as CE" ce_marked "$ofam" "$ifam"
		check "outer IPv$ofam CE, inner IPv$ifam not-ECT: dropped, rx_bad_inner" \
			not_ect_dropped "$ofam" "$ifam"
	done
	mark_ce "$ofam" off
	esp_side_down 0
	esp_side_down 1
done

ktap_finish
