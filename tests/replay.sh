#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# replay: the anti-replay window of an inbound espvti SA (RFC 4303 3.4.3,
# ESN per Appendix A), fed with ESP packets crafted by tests/tools/espcraft.py
# with the SA's key and sent from a raw socket in the peer namespace, and
# with a real ESP packet of a peer espvti captured off the wire and resent.
#
#   netns $a (sender)                               netns $b (receiver)
#   +---------------------------+                   +---------------------------+
#   | espcraft.py send/replay   |  crafted ESP      | esp0 (espvti) 10.99.0.2   |
#   |   (raw IPPROTO_ESP socket)|------------------>|   SA in $SPI_C  window 32 |
#   | esp0 (espvti) 10.99.0.1   |  real ESP         |   SA in $SPI_R  window 32 |
#   |   SA out $SPI_R ----------|------------------>|   SA in $SPI_E  esn, w 32 |
#   |                           |                   | socat: UDP 10.99.0.2:5555 |
#   | va 192.0.2.1              +===================+ vb 192.0.2.2 (capture)    |
#   +---------------------------+       veth        +---------------------------+
#
# Each crafted packet is a UDP datagram "mark-TAG" to 10.99.0.2:5555; the
# listener's file shows which ones were delivered, esp0's counters (espctl
# show --json) which were dropped, and why.
#
# vmtest-timeout: 480
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

CRAFT=$REPO/tests/tools/espcraft.py
WIN=32
RX_COUNTERS=(rx_packets rx_no_sa rx_replay rx_auth_fail rx_bad_trailer rx_bad_inner
	rx_selector rx_malformed rx_expired)

test_cleanup() {
	esp_cleanup
}

# craft SPI KEY TAG SEQ [ESPCRAFT OPTIONS...]: sends one crafted ESP packet
# from $a to $b carrying the UDP datagram "mark-TAG".
craft() {
	local spi=$1 key=$2 tag=$3 seq=$4
	shift 4
	esp_craft send --dst "${ESP_O4[1]}" --spi "$spi" --key "$key" \
		--seq "$seq" --isrc "${ESP_I4[0]}" --idst "${ESP_I4[1]}" --dport 5555 \
		--data "mark-$tag"$'\n' "$@"
}

# marks TAG: how many times "mark-TAG" reached the listener.
marks() {
	grep -cx "mark-$1" "$RECV"
}

# marks_are N TAG...: each TAG was received exactly N times (waiting for the
# listener to write them out when N > 0).
marks_are() {
	local n=$1 t c
	shift
	for t in "$@"; do
		[ "$n" -gt 0 ] && wait_for 10 eval '[ "$(marks "$t")" -ge "$n" ]'
		c=$(marks "$t")
		[ "$c" = "$n" ] || { echo "mark-$t received $c times, expected $n"; return 1; }
	done
}

# deliver SPI KEY [ESPCRAFT OPTIONS --] SEQ...: crafts one packet per SEQ
# (tag SPI-SEQ); all must be delivered: rx_packets grows by their number and
# every datagram arrives once.
deliver() {
	local spi=$1 key=$2 opts=() seqs=() s STAT_SPI=$1
	shift 2
	if [[ " $* " == *" -- "* ]]; then
		while [ "$1" != -- ]; do opts+=("$1"); shift; done
		shift
	fi
	seqs=("$@")
	send_all() {
		for s in "${seqs[@]}"; do craft "$spi" "$key" "$spi-$s" "$s" "${opts[@]}" || return 1; done
	}
	esp_expect_rx "rx_packets=+${#seqs[@]}" send_all || return 1
	for s in "${seqs[@]}"; do marks_are 1 "$spi-$s" || return 1; done
}

# refuse COUNTER SPI KEY [ESPCRAFT OPTIONS --] SEQ: crafts the packet SEQ
# (tag SPI-SEQ), which must be dropped and counted in COUNTER alone; the
# datagram must not arrive (again).
refuse() {
	local ctr=$1 spi=$2 key=$3 opts=() seq had STAT_SPI=$2
	shift 3
	if [[ " $* " == *" -- "* ]]; then
		while [ "$1" != -- ]; do opts+=("$1"); shift; done
		shift
	fi
	seq=$1
	had=$(marks "$spi-$seq")
	esp_expect_rx "$ctr=+1" craft "$spi" "$key" "$spi-$seq" "$seq" "${opts[@]}" || return 1
	marks_are "$had" "$spi-$seq"
}

# receiver_up: esp0 in $b with the three inbound SAs, its inner address
# and the UDP listener; esp0 in $a sending to $SPI_R.
receiver_up() {
	ip -n "$b" link add esp0 type espvti || return 1
	# No IPv6 on the devices: MLD reports and router solicitations would
	# cross the tunnel at random times and upset the packet counts.
	ns_exec "$b" sysctl -qw net.ipv6.conf.esp0.disable_ipv6=1 || return 1
	esp_crypto_opt "$b" esp0 || return 1
	ns_exec "$b" "$ESPCTL" set esp0 local "${ESP_O4[1]}" remote "${ESP_O4[0]}" || return 1
	ns_exec "$b" "$ESPCTL" sa add esp0 dir in spi "$SPI_C" aead "$ALG" "$KEY_C" 128 \
		replay-window "$WIN" || return 1
	ns_exec "$b" "$ESPCTL" sa add esp0 dir in spi "$SPI_R" aead "$ALG" "$KEY_R" 128 \
		replay-window "$WIN" || return 1
	ns_exec "$b" "$ESPCTL" sa add esp0 dir in spi "$SPI_E" aead "$ALG" "$KEY_E" 128 \
		esn replay-window "$WIN" || return 1
	ip -n "$b" addr add "${ESP_I4[1]}/24" dev esp0 || return 1
	ip -n "$b" link set esp0 up || return 1

	ip -n "$a" link add esp0 type espvti || return 1
	ns_exec "$a" sysctl -qw net.ipv6.conf.esp0.disable_ipv6=1 || return 1
	esp_crypto_opt "$a" esp0 || return 1
	ns_exec "$a" "$ESPCTL" set esp0 local "${ESP_O4[0]}" remote "${ESP_O4[1]}" || return 1
	ns_exec "$a" "$ESPCTL" sa add esp0 dir out spi "$SPI_R" aead "$ALG" "$KEY_R" 128 ||
		return 1
	ip -n "$a" addr add "${ESP_I4[0]}/24" dev esp0 || return 1
	ip -n "$a" link set esp0 up
}

# listener_up: the UDP listener in $b (started in the background, outside
# check, whose output capture would otherwise wait for it).
listener_up() {
	: >"$RECV"
	esp_bg ns_exec "$b" socat -u "UDP4-RECV:5555,bind=${ESP_I4[1]}" "OPEN:$RECV,append" \
		>"$ESP_TMP/socat.log" 2>&1
}

udp_listening() {
	ns_exec "$b" ss -Hlun "sport = :5555" | grep -q .
}

# capture_start: sniffs (on vb, incoming) for one ESP packet to $SPI_R, in
# the background.
capture_start() {
	rm -f "$CAP" "$CAP_READY"
	esp_bg ns_exec "$b" python3 "$CRAFT" capture --dev vb --incoming --spi "$SPI_R" \
		--out "$CAP" --ready "$CAP_READY" --timeout 120 >"$ESP_TMP/capture.log" 2>&1
}

# capture_real: sends one datagram through the tunnel from $a at a time,
# each time waiting for the capture to hold one of its ESP packets, and then
# for every datagram sent to have arrived: none is still in flight when the
# replay is counted.
capture_real() {
	local sent=0
	wait_for 30 test -e "$CAP_READY" || { echo "capture never started:"; cat "$ESP_TMP/capture.log"; return 1; }
	while [ $sent -lt 6 ] && [ ! -s "$CAP" ]; do
		ns_exec "$a" bash -c "printf 'mark-real\n' >/dev/udp/${ESP_I4[1]}/5555"
		sent=$((sent + 1))
		wait_for 5 test -s "$CAP"
	done
	[ -s "$CAP" ] || { echo "no ESP packet of SPI $SPI_R captured after $sent datagrams"; return 1; }
	echo "captured $(stat -c %s "$CAP") bytes of ESP after $sent datagram(s)"
	marks_are "$sent" real
}

# replay_real: the captured packet, sent again from $a as it is.
replay_real() {
	esp_craft replay --dst "${ESP_O4[1]}" "$CAP"
}

# real_replayed: that resent packet is dropped as a replay by $SPI_R.
real_replayed() {
	local STAT_SPI=$SPI_R
	esp_expect_rx "rx_replay=+1" replay_real
}

# replay_file FILE TAG: FILE (a packet that carried mark-TAG) resent as it
# is must be dropped as a replay, and mark-TAG not arrive again.
replay_file() {
	local STAT_SPI=$SPI_C
	esp_expect_rx "rx_replay=+1" esp_craft replay --dst "${ESP_O4[1]}" "$1" &&
		marks_are 1 "$2"
}

# esn_cross: the ESN SA accepts 2^32 - 16, then 2^32 + 5.
esn_cross() {
	deliver "${E[@]}" --seq-hi 0 -- 0xfffffff0 && deliver "${E[@]}" --seq-hi 1 -- 5
}

# sa_matches_dev COUNTER...: for each COUNTER, the sum over the inbound SAs
# of esp0 in $b equals the device total.
sa_matches_dev() {
	local k d s ok=0
	for k in "$@"; do
		d=$(esp_dev_stat "$b" esp0 "$k") || return 1
		s=$(esp_show_json "$b" esp0 | jq -r --arg k "$k" "$ESP_JQ_DEFS"'
			[devices | select(.ifname == "esp0") | .sas[]? | select(.dir == "in")
			 | .stats[$k] // 0] | add') || return 1
		echo "$k: device $d, sum of inbound SAs $s"
		[ "$d" = "$s" ] || ok=1
	done
	return "$ok"
}

esp_require_tools jq python3 socat ss
python3 "$CRAFT" selftest >/dev/null || ktap_skip_all "espcraft.py selftest fails (python3-cryptography?)"
ktap_plan 18
espvti_load
esp_topo
esp_craft_start "$a"

ALG='rfc4106(gcm(aes))'
SPI_C=$(esp_spi) SPI_R=$(esp_spi) SPI_E=$(esp_spi)
while [ "$SPI_R" = "$SPI_C" ] || [ "$SPI_E" = "$SPI_C" ] || [ "$SPI_E" = "$SPI_R" ]; do
	SPI_R=$(esp_spi) SPI_E=$(esp_spi)
done
KEY_C=$(esp_hex 20) KEY_R=$(esp_hex 20) KEY_E=$(esp_hex 20)
RECV=$ESP_TMP/recv
CAP=$ESP_TMP/captured.esp
CAP_READY=$ESP_TMP/capture.ready
SEQ1=$ESP_TMP/seq1.esp
C=("$SPI_C" "$KEY_C")
E=("$SPI_E" "$KEY_E")

check "receiver esp0: inbound SAs (window $WIN, one with ESN), sender esp0" receiver_up ||
	ktap_bail "no receiver"
listener_up
wait_for 20 udp_listening || ktap_bail "socat never listened on ${ESP_I4[1]}:5555"

# Plain 32-bit sequence numbers, window 32.
check "seq 1 is delivered" deliver "${C[@]}" --save "$SEQ1" -- 1
check "seq 1 again (the same bytes) is dropped as a replay" replay_file "$SEQ1" "$SPI_C-1"
check "seq 10, then 7, 8, 9 (reordered, inside the window) are all delivered" \
	deliver "${C[@]}" 10 7 8 9
check "seq 8 again is dropped as a replay" refuse rx_replay "${C[@]}" 8
check "seq 50 (a jump ahead) is delivered" deliver "${C[@]}" 50
check "seq 18 (top - window) is too old: dropped" refuse rx_replay "${C[@]}" 18
check "seq 19 (the oldest in the window) is delivered" deliver "${C[@]}" 19
check "seq 5 (far below the window) is dropped" refuse rx_replay "${C[@]}" 5

# A real packet from a peer espvti, captured and sent again.
capture_start
check "real ESP from the peer espvti is captured off the wire" capture_real
check "the captured packet resent as it is is dropped as a replay" real_replayed

# ESN (RFC 4304): high bits not on the wire, authenticated, inferred.
check "ESN: seq_hi 0, seq 1 is delivered" deliver "${E[@]}" --seq-hi 0 -- 1
check "ESN: seq_hi 0, seq 1 again is dropped as a replay" \
	refuse rx_replay "${E[@]}" --seq-hi 0 -- 1
check "ESN: seq 2^32 - 16, then 2^32 + 5 (across the boundary) are delivered" esn_cross
check "ESN: seq 2^32 - 8 (late, inside the window across the boundary) is delivered" \
	deliver "${E[@]}" --seq-hi 0 -- 0xfffffff8
check "ESN: seq 2^32 + 5 again is dropped as a replay" \
	refuse rx_replay "${E[@]}" --seq-hi 1 -- 5
check "ESN: seq 2^32 + 6 authenticated with the wrong high bits fails the ICV" \
	refuse rx_auth_fail "${E[@]}" --seq-hi 0 -- 6
check "per-SA counters add up to the device counters" \
	sa_matches_dev rx_packets rx_replay rx_auth_fail

ktap_finish
