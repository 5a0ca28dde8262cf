#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# sa-nonce: an outbound SA is never replaced by one with the same SPI. That
# would start its sequence numbers again and, with the same key (a restarted
# keyer, a retried request, a replayed script), send the same AES-GCM nonces
# twice. SA_NEW refuses it with EEXIST and a message naming the SPI, with or
# without an explicit initial sequence number; the SA in use keeps its
# sequence numbers: the next packet on the wire carries the next one and the
# tunnel keeps working. A new SPI may start at any sequence number.
#
#   netns $a                                         netns $b
#   +------------------------------+                 +------------------------------+
#   | esp0 (espvti) 10.99.0.1/24   |  ESP            | esp0 (espvti) 10.99.0.2/24   |
#   |   SA out $ESP_SPI_AB  --------|---------------->|   SA in $ESP_SPI_AB          |
#   |   SA in  $ESP_SPI_BA  <-------|-----------------|   SA out $ESP_SPI_BA         |
#   | va 192.0.2.1                 +=================+ vb 192.0.2.2 (capture)       |
#   +------------------------------+      veth       +------------------------------+
#   IPv6 off on the tunnel devices: nothing but the test's packets uses the SA.
#
# vmtest-timeout: 240
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

CRAFT=$REPO/tests/tools/espcraft.py

test_cleanup() {
	esp_cleanup
}

# side_up SIDE: esp0 on SIDE with its two SAs, IPv4 inside only.
side_up() {
	local ns me peer spi_out key_out spi_in key_in
	esp_side_vars "$1" 4
	ip -n "$ns" link add esp0 type espvti &&
		ns_exec "$ns" sysctl -qw net.ipv6.conf.esp0.disable_ipv6=1 &&
		ns_exec "$ns" "$ESPCTL" set esp0 local "$me" remote "$peer" dev "${ESP_UL[$1]}" &&
		ns_exec "$ns" "$ESPCTL" sa add esp0 dir out spi "$spi_out" \
			aead "$ESP_ALG" "$key_out" "$ESP_ICV" &&
		ns_exec "$ns" "$ESPCTL" sa add esp0 dir in spi "$spi_in" \
			aead "$ESP_ALG" "$key_in" "$ESP_ICV" replay-window "$ESP_WIN" &&
		ip -n "$ns" addr add "${ESP_I4[$1]}/24" dev esp0 &&
		ip -n "$ns" link set esp0 up
}

# out_seq: the sequence number of $a's outbound SA (last one sent), and
# checks that its SPI is SPI (default $ESP_SPI_AB).
out_seq() {
	esp_show_json "$a" esp0 | jq -e -r --argjson spi "$((${1:-$ESP_SPI_AB}))" "$ESP_JQ_DEFS"'
		devices | .sas[] | select(.dir == "out" and (.spi | spinum) == $spi) | .seq'
}

# readd_refused SPI KEY [ARG...]: adding $a's outbound SA SPI with KEY (and
# ARG...) again fails with EEXIST's text and the kernel's message.
readd_refused() {
	local out rc spi=$1 key=$2
	shift 2
	out=$(ns_exec "$a" "$ESPCTL" sa add esp0 dir out spi "$spi" \
		aead "$ESP_ALG" "$key" "$ESP_ICV" "$@" 2>&1)
	rc=$?
	echo "$out"
	[ $rc -ne 0 ] || { echo "accepted: the outbound SA was replaced"; return 1; }
	grep -q "current outbound SA has this SPI" <<<"$out" ||
		{ echo "the message does not say the current outbound SA has this SPI"; return 1; }
	grep -q "ESPVTI_SA_A_SPI" <<<"$out" || { echo "the message does not name ESPVTI_SA_A_SPI"; return 1; }
	grep -qi "exists" <<<"$out" || { echo "not EEXIST"; return 1; }
}

# seq_kept N: $a's outbound SA still has sequence number N.
seq_kept() {
	local now
	now=$(out_seq) || { echo "no outbound SA $ESP_SPI_AB"; return 1; }
	[ "$now" = "$1" ] || { echo "sequence number $now, was $1: the SA was replaced"; return 1; }
}

# next_on_wire N: the next ESP packet of $ESP_SPI_AB on the wire (captured
# on vb) carries sequence number N.
next_on_wire() {
	local cap=$ESP_TMP/next.esp ready=$ESP_TMP/next.ready log=$ESP_TMP/next.log got i pid
	# In the background of check's subshell: waited for below (it stops
	# after one packet, or after 30 s).
	ns_exec "$b" python3 "$CRAFT" capture --dev vb --incoming --spi "$ESP_SPI_AB" \
		--out "$cap" --ready "$ready" --timeout 30 >"$log" 2>&1 &
	pid=$!
	wait_for 20 test -e "$ready" || { echo "capture did not start:"; cat "$log"; return 1; }
	# One datagram; another only if it got lost before reaching vb.
	for i in 1 2 3; do
		ns_exec "$a" bash -c 'printf nonce >/dev/udp/10.99.0.2/9'
		wait_for 5 test -s "$cap" && break
	done
	wait "$pid" || { echo "no ESP packet captured:"; cat "$log"; return 1; }
	cat "$log"
	got=$(sed -n 's/.* seq \([0-9]*\),.*/\1/p' "$log")
	[ "$got" = "$1" ] || { echo "sequence number $got on the wire, want $1"; return 1; }
}

# no_replay_drops: $b dropped nothing of $ESP_SPI_AB as a replay.
no_replay_drops() {
	local n
	n=$(esp_sa_stat "$b" esp0 in "$ESP_SPI_AB" rx_replay) || return 1
	[ "$n" = 0 ] || { echo "$n packets dropped as replays by the peer"; return 1; }
}

# new_spi_with_seq SPI KEY: a new outbound SA (new SPI and key) with an
# explicit initial sequence number is accepted and starts there.
new_spi_with_seq() {
	local spi=$1 key=$2 seq
	ns_exec "$a" "$ESPCTL" sa add esp0 dir out spi "$spi" aead "$ESP_ALG" "$key" "$ESP_ICV" \
		seq 1000 || return 1
	seq=$(out_seq "$spi") || { echo "no outbound SA $spi"; return 1; }
	[ "$seq" = 1000 ] || { echo "sequence number $seq, want 1000"; return 1; }
}

ktap_plan 10

espvti_load
esp_require_tools jq
esp_keying gcm128
esp_topo
side_up 0 && side_up 1 || ktap_bail "cannot set up the tunnel"

check "tunnel works" esp_ping "$a" "${ESP_I4[1]}"
SEQ=$(out_seq) || ktap_bail "no outbound SA in espctl show --json"
ktap_diag "outbound SA $ESP_SPI_AB has sent $SEQ packets"
check "re-adding the outbound SA (same SPI and key) is refused" \
	readd_refused "$ESP_SPI_AB" "$ESP_KEY_AB"
check "... also with an explicit seq" readd_refused "$ESP_SPI_AB" "$ESP_KEY_AB" seq "$((SEQ + 100))"
check "the outbound SA keeps its sequence number ($SEQ)" seq_kept "$SEQ"
if python3 "$CRAFT" selftest >/dev/null 2>&1; then
	check "the next packet on the wire carries sequence number $((SEQ + 1))" \
		next_on_wire "$((SEQ + 1))"
else
	ktap_skip "the next packet on the wire carries the next sequence number" \
		"espcraft.py does not work here (python3-cryptography?)"
fi
check "tunnel still works" esp_ping "$a" "${ESP_I4[1]}"
check "the peer dropped nothing as a replay" no_replay_drops
NEW_SPI=$(esp_spi)
while [ $((NEW_SPI)) = $((ESP_SPI_AB)) ] || [ $((NEW_SPI)) = $((ESP_SPI_BA)) ]; do NEW_SPI=$(esp_spi); done
NEW_KEY=$(esp_hex 20)
check "a new SPI with an explicit seq is accepted and starts there" \
	new_spi_with_seq "$NEW_SPI" "$NEW_KEY"
check "that SA, re-added with its SPI and key, is refused too" readd_refused "$NEW_SPI" "$NEW_KEY"
check "the inbound SA, re-added with its SPI, is refused (SPI in use)" \
	bash -c "! ip netns exec '$b' '$ESPCTL' sa add esp0 dir in spi '$ESP_SPI_AB' \
		aead '$ESP_ALG' '$ESP_KEY_AB' '$ESP_ICV'"

ktap_finish
