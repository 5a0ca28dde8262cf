#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# lifetime: SA lifetimes and the events of `espctl monitor --json`.
#
#   - acquire: traffic routed into esp9, which has no outbound SA, is
#     dropped (tx_no_sa) and raises an acquire event naming the packet's
#     inner addresses, at most one per second however much traffic comes.
#   - packet limits: an outbound SA with `limit soft packets 5 limit hard
#     packets 10` reports soft expiry (espctl show and a soft-expire event)
#     at the 5th packet, hard expiry at the 10th, then sends nothing more:
#     its tx_packets stays 10, the device counts the rest as tx_expired (or
#     tx_no_sa), the peer decrypts exactly 10 and an acquire event asks for
#     a new SA. Each event comes once.
#   - byte limits: the same with `limit soft bytes 300 limit hard bytes 700`
#     and 128-byte inner packets: the SA never carries more than 700 bytes
#     but carries every packet that fits (5).
#
#   netns $a                                        netns $b
#   +---------------------------+                   +---------------------------+
#   | espctl monitor --json     |                   |                           |
#   | esp0 (espvti) 10.99.0.1   |   ESP             | esp0 (espvti) 10.99.0.2   |
#   |   SA out $SPI_P, $SPI_B --|------------------>|   SA in $SPI_P, $SPI_B    |
#   | esp9 (espvti, no SA)      |                   |                           |
#   |   10.98.0.1/24            |                   |                           |
#   | va 192.0.2.1              +===================+ vb 192.0.2.2              |
#   +---------------------------+       veth        +---------------------------+
#
# The inner traffic is UDP datagrams of 100 bytes (128-byte IPv4 packets)
# written to bash's /dev/udp; IPv6 is off on the espvti devices so that
# nothing else uses the SAs.
#
# vmtest-timeout: 300
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

ALG='rfc4106(gcm(aes))'
PAYLOAD=$(printf '%0100d' 0)	# 100 bytes: inner packets of 128 bytes
INNER_LEN=128

test_cleanup() {
	esp_cleanup
}

# dev_up NS DEV INNER/LEN [LOCAL REMOTE]: an espvti device without SAs,
# IPv6 off, with an inner address (and endpoints), up.
dev_up() {
	ip -n "$1" link add "$2" type espvti || return 1
	ns_exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" || return 1
	if [ -n "${4:-}" ]; then
		ns_exec "$1" "$ESPCTL" set "$2" local "$4" remote "$5" || return 1
	fi
	ip -n "$1" addr add "$3" dev "$2" && ip -n "$1" link set "$2" up
}

setup() {
	dev_up "$a" esp0 "${ESP_I4[0]}/24" "${ESP_O4[0]}" "${ESP_O4[1]}" || return 1
	dev_up "$a" esp9 10.98.0.1/24 || return 1
	dev_up "$a" esp8 10.97.0.1/24 || return 1
	dev_up "$b" esp0 "${ESP_I4[1]}/24" "${ESP_O4[1]}" "${ESP_O4[0]}" || return 1
	ns_exec "$b" "$ESPCTL" sa add esp0 dir in spi "$SPI_P" aead "$ALG" "$KEY_P" 128 &&
		ns_exec "$b" "$ESPCTL" sa add esp0 dir in spi "$SPI_B" aead "$ALG" "$KEY_B" 128
}

# send NS DST N: N UDP datagrams of $PAYLOAD from NS to DST port 9.
send() {
	ns_exec "$1" bash -c 'for ((i = 0; i < $2; i++)); do
		printf %s "$3" >"/dev/udp/$1/9" || exit 1; done' - "$2" "$3" "$PAYLOAD"
}

# events SELECT: the events (one JSON object per line) matching the jq
# condition SELECT, compact, one per line.
events() {
	jq -c "$ESP_JQ_DEFS"' select('"$1"')' "$EV" 2>/dev/null
}

# n_events SELECT: how many events match SELECT.
n_events() {
	events "$1" | wc -l
}

has_event() {
	[ "$(n_events "$1")" -ge 1 ]
}

# expire_sel KIND SPI: jq condition for a KIND (soft/hard) expire event of
# the outbound SA SPI of esp0.
expire_sel() {
	echo '.event == "'"$1"'-expire" and .ifname == "esp0" and .dir == "out"' \
		'and (.spi | spinum) == '"$(($2))"
}

# acquire_sel DEV: jq condition for an acquire event of DEV.
acquire_sel() {
	echo '.event == "acquire" and .ifname == "'"$1"'"'
}

# poke_esp9: one datagram into esp9; true once its acquire event is listed.
poke_esp9() {
	send "$a" 10.98.0.2 1
	has_event "$(acquire_sel esp9)"
}

# sync_events: makes sure that every event raised so far has been printed
# by the monitor: sends packets into esp8 (no SA) until a new acquire event
# of esp8 shows up, which the kernel raises after all earlier events.
sync_events() {
	local n
	n=$(n_events "$(acquire_sel esp8)")
	wait_for 10 poke_esp8 "$n" || { echo "no new acquire event for esp8 (monitor stuck?)"; return 1; }
}

# poke_esp8 N: one datagram into esp8; true once esp8 has more than N
# acquire events listed.
poke_esp8() {
	send "$a" 10.97.0.2 1
	[ "$(n_events "$(acquire_sel esp8)")" -gt "$1" ]
}

# acquire_first: esp9 (no outbound SA) drops what it is asked to send and
# raises an acquire event with the inner addresses of the packet.
acquire_first() {
	local ev
	wait_for 30 poke_esp9 || { echo "no acquire event for esp9 in:"; cat "$EV"; return 1; }
	ev=$(events "$(acquire_sel esp9)" | head -n 1)
	echo "$ev"
	jq -e '.src == "10.98.0.1" and .dst == "10.98.0.2"' <<<"$ev" >/dev/null ||
		{ echo "acquire event does not name 10.98.0.1 -> 10.98.0.2"; return 1; }
}

# acquire_rate: a burst of 20 packets into esp9; all are counted as
# tx_no_sa, and esp9 raised no more acquire events than one per second
# since the first packet (sent at $T_START).
acquire_rate() {
	local n nosa secs
	send "$a" 10.98.0.2 20 || return 1
	secs=$(( $(date +%s) - T_START + 2 ))	# whole seconds: +1 each end
	sync_events || return 1
	n=$(n_events "$(acquire_sel esp9)")
	nosa=$(esp_dev_stat "$a" esp9 tx_no_sa) || return 1
	echo "esp9: $n acquire events within $secs s, tx_no_sa $nosa"
	[ "$n" -ge 1 ] && [ "$n" -le "$secs" ] && [ "$nosa" -ge 21 ]
}

# sa_field NS DIR SPI FIELD: FIELD (e.g. expired, seq) of the SA of esp0.
sa_field() {
	esp_show_json "$1" esp0 | jq -r --arg dir "$2" --argjson spi "$(($3))" --arg k "$4" \
		"$ESP_JQ_DEFS"' devices | select(.ifname == "esp0") | .sas[]?
		| select(.dir == $dir and (.spi | spinum) == $spi) | .[$k]'
}

# out_sa_is SPI PACKETS EXPIRED: the outbound SA SPI has sent PACKETS
# packets (waited for) and espctl shows it as EXPIRED (no, soft, hard).
out_sa_is() {
	local p e
	wait_for 10 tx_is "$1" "$2"
	p=$(esp_sa_stat "$a" esp0 out "$1" tx_packets) || return 1
	e=$(sa_field "$a" out "$1" expired)
	echo "SA out $1: tx_packets $p, expired $e"
	[ "$p" = "$2" ] && [ "$e" = "$3" ]
}

tx_is() {
	[ "$(esp_sa_stat "$a" esp0 out "$1" tx_packets)" = "$2" ]
}

# send_then SPI N PACKETS EXPIRED [EVENT-KIND REASON]: sends N datagrams
# through esp0, then the SA must be as out_sa_is says and, with
# EVENT-KIND, the monitor must show that expire event with REASON.
send_then() {
	local spi=$1 sel ev
	send "$a" "${ESP_I4[1]}" "$2" || return 1
	out_sa_is "$spi" "$3" "$4" || return 1
	[ -n "${5:-}" ] || return 0
	sel=$(expire_sel "$5" "$spi")
	wait_for 10 has_event "$sel" || { echo "no $5-expire event for $spi in:"; cat "$EV"; return 1; }
	ev=$(events "$sel" | head -n 1)
	echo "$ev"
	jq -e --arg r "$6" '.reason | tostring | test($r)' <<<"$ev" >/dev/null ||
		{ echo "reason is not $6"; return 1; }
}

# dev_tx_dropped: tx_expired + tx_no_sa of esp0 in $a.
dev_tx_dropped() {
	local e n
	e=$(esp_dev_stat "$a" esp0 tx_expired) && n=$(esp_dev_stat "$a" esp0 tx_no_sa) &&
		echo $((e + n))
}

# after_hard SPI SENT: 5 more datagrams are not sent with the hard-expired
# SA SPI (which sent SENT): its tx_packets stays, the device counts 5 more
# tx_expired/tx_no_sa, the peer decrypted exactly SENT and esp0 asks for a
# new SA (acquire).
after_hard() {
	local spi=$1 sent=$2 d0 d1 rx n0
	n0=$(n_events "$(acquire_sel esp0)")
	d0=$(dev_tx_dropped) || return 1
	send "$a" "${ESP_I4[1]}" 5 || return 1
	wait_for 10 test "$(dev_tx_dropped)" -ge $((d0 + 5))
	d1=$(dev_tx_dropped) || return 1
	out_sa_is "$spi" "$sent" hard || return 1
	echo "esp0 tx_expired + tx_no_sa: $d0 -> $d1"
	[ "$d1" = $((d0 + 5)) ] || return 1
	wait_for 10 rx_is "$spi" "$sent"
	rx=$(esp_sa_stat "$b" esp0 in "$spi" rx_packets) || return 1
	echo "peer's SA in $spi: rx_packets $rx"
	[ "$rx" = "$sent" ] || return 1
	wait_for 10 test "$(n_events "$(acquire_sel esp0)")" -gt "$n0" ||
		{ echo "no acquire event for esp0 after its SA hard-expired"; return 1; }
}

rx_is() {
	[ "$(esp_sa_stat "$b" esp0 in "$1" rx_packets)" = "$2" ]
}

# once_each SPI: one soft-expire and one hard-expire event for SPI.
once_each() {
	local s h
	sync_events || return 1
	s=$(n_events "$(expire_sel soft "$1")")
	h=$(n_events "$(expire_sel hard "$1")")
	echo "SA $1: $s soft-expire, $h hard-expire events"
	[ "$s" = 1 ] && [ "$h" = 1 ]
}

# bytes_hard SPI HARD: sends one datagram at a time until the SA reports
# hard expiry (at most 10); it must have carried every packet that fits
# in HARD bytes and never more than HARD bytes.
bytes_hard() {
	local spi=$1 hard=$2 i p by e
	for ((i = 0; i < 10; i++)); do
		e=$(sa_field "$a" out "$spi" expired)
		[ "$e" = hard ] && break
		send "$a" "${ESP_I4[1]}" 1 || return 1
	done
	wait_for 10 has_event "$(expire_sel hard "$spi")" ||
		{ echo "no hard-expire event for $spi in:"; cat "$EV"; return 1; }
	events "$(expire_sel hard "$spi")" | head -n 1
	p=$(esp_sa_stat "$a" esp0 out "$spi" tx_packets) &&
		by=$(esp_sa_stat "$a" esp0 out "$spi" tx_bytes) || return 1
	e=$(sa_field "$a" out "$spi" expired)
	echo "SA out $spi: expired $e, tx_packets $p, tx_bytes $by (hard limit $hard)"
	[ "$e" = hard ] && [ "$by" -le "$hard" ] && [ "$p" = $((hard / INNER_LEN)) ] &&
		[ "$by" = $((p * INNER_LEN)) ] &&
		events "$(expire_sel hard "$spi")" | head -n 1 | jq -e '.reason | tostring | test("byte")' >/dev/null
}

monitor_start() {
	: >"$EV"
	esp_bg ns_exec "$a" "$ESPCTL" monitor --json >"$EV" 2>"$ESP_TMP/monitor.err"
}

esp_require_tools jq
ktap_plan 15
espvti_load
esp_topo
SPI_P=$(esp_spi) SPI_B=$(esp_spi)
while [ "$SPI_B" = "$SPI_P" ]; do SPI_B=$(esp_spi); done
KEY_P=$(esp_hex 20) KEY_B=$(esp_hex 20)
EV=$ESP_TMP/events

check "esp0 on both sides (IPv6 off), esp8 and esp9 without SAs" setup || ktap_bail "no devices"
monitor_start
T_START=$(date +%s)
check "acquire: esp9 without an outbound SA raises an acquire event with the inner addresses" \
	acquire_first
[ -s "$EV" ] || ktap_bail "espctl monitor printed no event: $(cat "$ESP_TMP/monitor.err")"
check "acquire: a burst of 20 packets counts tx_no_sa, at most one acquire event per second" \
	acquire_rate

check "packets: outbound SA $SPI_P with limit soft packets 5 limit hard packets 10" \
	ns_exec "$a" "$ESPCTL" sa add esp0 dir out spi "$SPI_P" aead "$ALG" "$KEY_P" 128 \
	limit soft packets 5 limit hard packets 10
check "packets: 4 sent, not expired" send_then "$SPI_P" 4 4 no
check "packets: 5th sent, soft-expired, soft-expire event (reason packets)" \
	send_then "$SPI_P" 1 5 soft soft packet
check "packets: 10th sent, hard-expired, hard-expire event (reason packets)" \
	send_then "$SPI_P" 5 10 hard hard packet
check "packets: nothing more sent with it (tx_packets 10, peer got 10, tx_expired, acquire)" \
	after_hard "$SPI_P" 10
check "packets: one soft-expire and one hard-expire event" once_each "$SPI_P"

check "bytes: outbound SA $SPI_B with limit soft bytes 300 limit hard bytes 700 replaces it" \
	ns_exec "$a" "$ESPCTL" sa add esp0 dir out spi "$SPI_B" aead "$ALG" "$KEY_B" 128 \
	limit soft bytes 300 limit hard bytes 700
check "bytes: 2 packets (256 bytes) sent, not expired" send_then "$SPI_B" 2 2 no
check "bytes: 3rd packet (384 bytes) sent, soft-expired, soft-expire event (reason bytes)" \
	send_then "$SPI_B" 1 3 soft soft byte
check "bytes: hard expiry, every packet that fits in 700 bytes sent and no more" \
	bytes_hard "$SPI_B" 700
check "bytes: nothing more sent with it" after_hard "$SPI_B" 5
check "bytes: one soft-expire and one hard-expire event" once_each "$SPI_B"

ktap_finish
