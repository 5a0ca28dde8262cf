#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# tunnel-espvti: espvti to espvti. Ping and a 1 MiB TCP transfer (length
# and SHA-256 checked) both ways for 4-in-4 and 6-in-6 with AES-GCM-256 and
# ChaCha20-Poly1305, with and without ESN; then a rekey under a 20 packet/s
# ping: new inbound SAs on both sides, outbound SAs replaced, old inbound SAs
# deleted, and not one echo lost.
#
#   netns $a (side 0)                               netns $b (side 1)
#   +---------------------------+                   +---------------------------+
#   | esp0 (espvti)             |   ESP tunnel mode | esp0 (espvti)             |
#   |   10.99.0.1  fd00:99::1   |<----------------->|   10.99.0.2  fd00:99::2   |
#   | va 192.0.2.1 2001:db8:f::1+===================+ vb 192.0.2.2 2001:db8:f::2|
#   +---------------------------+       veth        +---------------------------+
#
#   rekey: SPI_AB -> SPI_AB2 (a to b), SPI_BA -> SPI_BA2 (b to a)
#
# vmtest-timeout: 300
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

TCP_BYTES=1048576
CONFIGS=("4 gcm256 0" "4 chacha 1" "6 gcm256 1" "6 chacha 0")
CONFIG_SUBTESTS=6
REKEY_SUBTESTS=10

test_cleanup() {
	esp_cleanup
}

# rx_check: each side's inbound SA decrypted at least 3 packets and neither
# device counted an authentication or replay failure.
rx_check() {
	local rxa rxb fa fb
	rxa=$(esp_sa_stat "$a" esp0 in "$ESP_SPI_BA" rx_packets) || return 1
	rxb=$(esp_sa_stat "$b" esp0 in "$ESP_SPI_AB" rx_packets) || return 1
	fa=$(esp_dev_stat "$a" esp0 rx_auth_fail) || return 1
	fb=$(esp_dev_stat "$b" esp0 rx_auth_fail) || return 1
	echo "rx_packets a $rxa, b $rxb; rx_auth_fail a $fa, b $fb"
	[ "$rxa" -ge 3 ] && [ "$rxb" -ge 3 ] && [ "$fa" = 0 ] && [ "$fb" = 0 ]
}

# both_rx SPI_AB SPI_BA N: b's inbound SA SPI_AB and a's inbound SA SPI_BA
# each decrypted at least N packets.
both_rx() {
	esp_sa_rx_ge "$b" "$1" "$3" && esp_sa_rx_ge "$a" "$2" "$3"
}

# both_do FN SPI_AB KEY_AB SPI_BA KEY_BA FIRST: FN NS SPI KEY on both
# sides, for the a-to-b SA (on a for out, on b for in) and the b-to-a SA;
# FIRST (a or b) says which namespace gets SPI_AB.
both_do() {
	local fn=$1 n1=$a n2=$b
	[ "$6" = b ] && n1=$b n2=$a
	"$fn" "$n1" "$2" ${3:+"$3"} && "$fn" "$n2" "$4" ${5:+"$5"}
}

# add_in NS SPI KEY / add_out NS SPI KEY / del_in NS SPI: SA changes on esp0.
add_in() {
	local esn=()
	[ "$ESP_ESN" = 1 ] && esn=(esn)
	ns_exec "$1" "$ESPCTL" sa add esp0 dir in spi "$2" aead "$ESP_ALG" "$3" "$ESP_ICV" \
		"${esn[@]}" replay-window "$ESP_WIN"
}
add_out() {
	local esn=()
	[ "$ESP_ESN" = 1 ] && esn=(esn)
	ns_exec "$1" "$ESPCTL" sa add esp0 dir out spi "$2" aead "$ESP_ALG" "$3" "$ESP_ICV" \
		"${esn[@]}"
}
del_in() {
	ns_exec "$1" "$ESPCTL" sa del esp0 dir in spi "$2"
}

# only_out NS SPI: the device lists exactly one outbound SA, SPI.
only_out() {
	local spis
	spis=$(esp_show_json "$1" esp0 | jq -r "$ESP_JQ_DEFS"'
		devices | select(.ifname == "esp0") | .sas[]? | select(.dir == "out") | .spi | spinum') ||
		return 1
	[ "$spis" = "$(($2))" ] || { echo "outbound SAs listed: ${spis:-none}, want $(($2)) only"; return 1; }
}

# gone PID: process PID has ended.
gone() {
	! kill -0 "$1" 2>/dev/null
}

# old_gone: neither side lists its old inbound SA.
old_gone() {
	if esp_sa_present "$a" esp0 in "$OLD_BA" || esp_sa_present "$b" esp0 in "$OLD_AB"; then
		echo "an old inbound SA is still listed"
		return 1
	fi
}

# ping_lossless LOG: the ping in LOG was answered without a gap: every
# icmp_seq from 1 to the highest answered, at most the last one sent (in
# flight when ping was stopped) unanswered.
ping_lossless() {
	local tx rx seqs n max
	tx=$(grep -o '[0-9]* packets transmitted' "$1" | cut -d' ' -f1)
	rx=$(grep -o '[0-9]* received' "$1" | cut -d' ' -f1)
	seqs=$(grep -o 'icmp_seq=[0-9]*' "$1" | cut -d= -f2 | sort -n | uniq)
	n=$(grep -c . <<<"$seqs")
	max=$(tail -n 1 <<<"$seqs")
	echo "ping: $tx transmitted, $rx received, $n distinct replies, highest icmp_seq $max"
	if [ -n "$tx" ] && [ -n "$max" ] && [ "$tx" -ge 20 ] &&
		[ "$n" = "$max" ] && [ $((tx - max)) -le 1 ]; then
		return 0
	fi
	grep -vE 'bytes from|^$' "$1" | head -n 20
	return 1
}

esp_require_tools socat jq ss
ktap_plan $((${#CONFIGS[@]} * CONFIG_SUBTESTS + REKEY_SUBTESTS))
espvti_load
esp_topo

# --- the matrix ---------------------------------------------------------
for c in "${CONFIGS[@]}"; do
	read -r fam alg esn <<<"$c"
	esp_keying "$alg" "$esn"
	if [ "$fam" = 6 ]; then ia=${ESP_I6[0]} ib=${ESP_I6[1]}
	else ia=${ESP_I4[0]} ib=${ESP_I4[1]}; fi
	t="$fam-in-$fam, $ESP_DESC"
	check "$t: espvti up on both sides" esp_espvti_pair "$fam"
	check "$t: ping a -> b" esp_ping "$a" "$ib"
	check "$t: ping b -> a" esp_ping "$b" "$ia"
	check "$t: TCP 1 MiB a -> b intact" esp_tcp "$a" "$b" "$ib" $TCP_BYTES
	check "$t: TCP 1 MiB b -> a intact" esp_tcp "$b" "$a" "$ia" $TCP_BYTES
	check "$t: inbound SA counters, no auth failures" rx_check
	esp_side_down 0
	esp_side_down 1
done

# --- rekey without loss -------------------------------------------------
esp_keying gcm128 1
check "rekey: espvti up on both sides (4-in-4, $ESP_DESC)" esp_espvti_pair 4
OLD_AB=$ESP_SPI_AB OLD_BA=$ESP_SPI_BA
NEW_AB=$(esp_spi)
while [ "$NEW_AB" = "$OLD_AB" ] || [ "$NEW_AB" = "$OLD_BA" ]; do NEW_AB=$(esp_spi); done
NEW_BA=$(esp_spi)
while [ "$NEW_BA" = "$OLD_AB" ] || [ "$NEW_BA" = "$OLD_BA" ] || [ "$NEW_BA" = "$NEW_AB" ]; do
	NEW_BA=$(esp_spi)
done
KEY_AB2=$(esp_hex 20) KEY_BA2=$(esp_hex 20)

PING_LOG=$ESP_TMP/rekey-ping.log
esp_bg ip netns exec "$a" ping -i 0.05 -w 300 "${ESP_I4[1]}" >"$PING_LOG" 2>&1
PING_PID=$ESP_BG_PID
check "rekey: ping flows over the old SAs" \
	wait_for 30 both_rx "$OLD_AB" "$OLD_BA" 10
check "rekey: new inbound SAs added on both sides" \
	both_do add_in "$NEW_AB" "$KEY_AB2" "$NEW_BA" "$KEY_BA2" b
check "rekey: outbound SAs replaced on both sides" \
	both_do add_out "$NEW_AB" "$KEY_AB2" "$NEW_BA" "$KEY_BA2" a
check "rekey: only the new outbound SA is listed on each side" \
	both_do only_out "$NEW_AB" "" "$NEW_BA" "" a
check "rekey: the new SAs carry the ping both ways" \
	wait_for 30 both_rx "$NEW_AB" "$NEW_BA" 10
check "rekey: old inbound SAs deleted" \
	both_do del_in "$OLD_BA" "" "$OLD_AB" "" a
check "rekey: deleted SAs are no longer listed" \
	old_gone
rx_now=$(esp_sa_stat "$b" esp0 in "$NEW_AB" rx_packets 2>/dev/null || echo 0)
check "rekey: ping still answered after the old SAs are gone" \
	wait_for 30 esp_sa_rx_ge "$b" "$NEW_AB" $((rx_now + 10))
kill -INT "$PING_PID" 2>/dev/null
if wait_for 10 gone "$PING_PID"; then
	wait "$PING_PID" 2>/dev/null
	check "rekey: no echo lost during the rekey" ping_lossless "$PING_LOG"
else
	ktap_fail "rekey: no echo lost during the rekey"
	ktap_diag "ping did not stop on SIGINT"
fi

ktap_finish
