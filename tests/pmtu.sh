#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# pmtu: MTU and path MTU of espvti. The default MTU is the underlay MTU less
# the tunnel overhead; a packet of exactly that size passes with DF, its
# outer packet carries DF and is not fragmented; a 5 MiB TCP transfer
# completes intact; the MTU follows the underlay after `espctl set`; with an
# MTU set by hand above what the path allows, DF IPv4 and IPv6 packets are
# answered with ICMP "fragmentation needed" / "packet too big" naming a
# usable MTU, and counted as tx_too_big.
#
#   netns $a (side 0)                               netns $b (side 1)
#   +---------------------------+                   +---------------------------+
#   | esp0 (espvti)             |   ESP tunnel mode | esp0 (espvti)             |
#   |   10.99.0.1  fd00:99::1   |<----------------->|   10.99.0.2  fd00:99::2   |
#   | va 192.0.2.1 (mtu 1500,   +===================+ vb 192.0.2.2  (tcpdump)   |
#   |    later 1400)            |       veth        |                           |
#   +---------------------------+                   +---------------------------+
#   outer IPv4, rfc4106(gcm(aes)) 128-bit key, 128-bit ICV
#
# vmtest-timeout: 300
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

# Smallest ESP overhead with IPv4 outside, AES-GCM, 16-byte ICV: IPv4 20,
# ESP header 8, IV 8, pad length and next header 2, ICV 16 (no padding).
MIN_OVERHEAD=54

test_cleanup() {
	esp_cleanup
}

# mtu_sane NS: esp0's MTU is below the underlay's 1500 by at most 80 bytes
# and at least the smallest overhead, and espctl reports the same value.
mtu_sane() {
	local m j
	m=$(mtu_of "$1" esp0) || return 1
	j=$(esp_dev_field "$1" esp0 mtu) || return 1
	echo "esp0 mtu $m (espctl show: $j), underlay 1500"
	[ "$m" -lt $((1500 - MIN_OVERHEAD + 1)) ] && [ "$m" -ge $((1500 - 80)) ] && [ "$j" = "$m" ]
}

# df_ping NS ADDR SIZE: three pings of SIZE bytes payload with DF (IPv4) /
# no fragmentation (IPv6), all answered.
df_ping() {
	ns_exec "$1" ping -M "do" -s "$3" -c 3 -i 0.2 -w 15 "$2"
}

# wire_df: a DF ping of the full device MTU from a to b shows on vb as ESP
# with DF set, each packet whole (no fragment offset, no more-fragments).
wire_df() {
	local log=$ESP_TMP/tcpdump.df err=$ESP_TMP/tcpdump.df.err pid m n
	m=$(mtu_of "$a" esp0) || return 1
	ns_exec "$b" timeout 60 tcpdump -nv -l -i vb -c 3 "esp and src ${ESP_O4[0]}" >"$log" 2>"$err" &
	pid=$!
	wait_for 20 grep -q 'listening on' "$err" || { cat "$err"; kill "$pid"; return 1; }
	df_ping "$a" "${ESP_I4[1]}" $((m - 28)) || { kill "$pid"; return 1; }
	wait "$pid" || { echo "tcpdump did not see 3 ESP packets"; cat "$log" "$err"; return 1; }
	cat "$log"
	n=$(grep -c 'proto ESP' "$log")
	[ "$n" = 3 ] && [ "$(grep 'proto ESP' "$log" | grep -c 'flags \[DF\]')" = 3 ] &&
		! grep 'proto ESP' "$log" | grep -qE 'offset [1-9]|flags \[\+'
}

# frags_unchanged BEFORE4 BEFORE6: no IPv4 or IPv6 fragment was created in
# $a since the counters read BEFORE4 and BEFORE6.
frags_unchanged() {
	local f4 f6
	f4=$(esp_snmp "$a" Ip FragCreates)
	f6=$(ns_exec "$a" awk '$1 == "Ip6FragCreates" { print $2 }' /proc/net/snmp6)
	echo "Ip FragCreates $1 -> $f4, Ip6FragCreates $2 -> $f6"
	[ "$f4" = "$1" ] && [ "$f6" = "$2" ]
}

# mtu_follows NS UL OLD: after the underlay UL went from 1500 to 1400 and
# espctl set was given again, esp0's MTU is OLD - 100.
mtu_follows() {
	local m
	m=$(mtu_of "$1" esp0) || return 1
	echo "esp0 mtu $m, was $3 with the underlay at 1500"
	[ "$m" = $(($3 - 100)) ]
}

# too_big NS ADDR SIZE UNDERLAY_MTU AUTO_MTU: a ping of SIZE bytes payload
# that may not be fragmented gets an ICMP error naming an MTU between
# AUTO_MTU (which passes) and what fits in UNDERLAY_MTU, and tx_too_big of
# esp0 goes up.
too_big() {
	local out before after m
	before=$(esp_dev_stat "$1" esp0 tx_too_big) || return 1
	out=$(ns_exec "$1" ping -M "do" -s "$3" -c 2 -i 0.5 -w 10 "$2" 2>&1)
	echo "$out"
	after=$(esp_dev_stat "$1" esp0 tx_too_big) || return 1
	echo "tx_too_big $before -> $after"
	grep -qiE 'frag needed|too long|too big' <<<"$out" ||
		{ echo "no fragmentation-needed / packet-too-big error"; return 1; }
	m=$(grep -oiE 'mtu ?[=:] ?[0-9]+' <<<"$out" | head -n 1 | tr -dc 0-9)
	[ -n "$m" ] || { echo "the error names no MTU"; return 1; }
	echo "reported mtu $m, expected $5 .. $(($4 - MIN_OVERHEAD))"
	[ "$m" -ge "$5" ] && [ "$m" -le $(($4 - MIN_OVERHEAD)) ] && [ "$after" -gt "$before" ]
}

esp_require_tools socat jq ss tcpdump
ktap_plan 14
espvti_load
esp_topo
esp_keying gcm128 0

check "espvti up on both sides (outer IPv4, $ESP_DESC)" \
	esp_espvti_pair 4
check "default MTU = underlay 1500 less the overhead (side a)" mtu_sane "$a"
MTU0=$(mtu_of "$a" esp0)
FRAG4=$(esp_snmp "$a" Ip FragCreates)
FRAG6=$(ns_exec "$a" awk '$1 == "Ip6FragCreates" { print $2 }' /proc/net/snmp6)
check "IPv4 with DF, exactly the MTU ($MTU0), passes" df_ping "$a" "${ESP_I4[1]}" $((MTU0 - 28))
check "IPv6, exactly the MTU ($MTU0), passes" df_ping "$a" "${ESP_I6[1]}" $((MTU0 - 48))
check "outer packets of DF traffic carry DF and are whole (tcpdump on vb)" wire_df
check "TCP 5 MiB a -> b with a 1500-byte underlay, intact" \
	esp_tcp "$a" "$b" "${ESP_I4[1]}" $((5 * 1048576))
check "no fragment created by the sender (Ip/Ip6 FragCreates unchanged)" \
	frags_unchanged "$FRAG4" "$FRAG6"

# The underlay shrinks: the MTU follows once the endpoints are set again.
ip -n "$a" link set va mtu 1400
ip -n "$b" link set vb mtu 1400
check "espctl set again after the underlay MTU went to 1400" \
	ns_exec "$a" "$ESPCTL" set esp0 local "${ESP_O4[0]}" remote "${ESP_O4[1]}" dev va
check "esp0 MTU follows the underlay (1500 -> 1400)" mtu_follows "$a" va "$MTU0"
MTU1=$(mtu_of "$a" esp0)
check "IPv4 with DF, exactly the new MTU ($MTU1), passes" df_ping "$a" "${ESP_I4[1]}" $((MTU1 - 28))

# An MTU set by hand above what the path allows: espvti must say so.
check "ip link set esp0 mtu 1500 (larger than the path allows)" ip -n "$a" link set esp0 mtu 1500
check "IPv4 DF 1500 bytes: ICMP frag needed with the MTU, tx_too_big counted" \
	too_big "$a" "${ESP_I4[1]}" 1472 1400 "$MTU1"
check "IPv6 1500 bytes: ICMPv6 packet too big with the MTU, tx_too_big counted" \
	too_big "$a" "${ESP_I6[1]}" 1452 1400 "$MTU1"
check "TCP 1 MiB a -> b still completes after the ICMP errors" \
	esp_tcp "$a" "$b" "${ESP_I4[1]}" 1048576

ktap_finish
