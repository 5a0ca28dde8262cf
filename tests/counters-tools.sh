#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# counters-tools: espvti's named counters where the stock tools look for
# them. `ethtool -S esp0` lists every counter under the name `espctl show`
# prints, with the same value; `ip -s -s link show esp0` folds the named
# drops into rx/tx dropped and errors; `ethtool -i esp0` names the driver.
# Drops of each kind are provoked first so that nothing compares zeros.
#
#   netns $a                                         netns $b
#   +----------------------------+                   +----------------------------+
#   | espcraft.py (raw socket) --|-- crafted ESP --->| esp0 (espvti) 10.99.0.2    |
#   |   bad ICV, truncated,      |                   |   counters read with       |
#   |   replayed                 |                   |   ethtool, ip and espctl   |
#   | esp0 (espvti) 10.99.0.1    |<====== ESP ======>|                            |
#   | va 192.0.2.1               +===================+ vb 192.0.2.2               |
#   +----------------------------+       veth        +----------------------------+
#
# vmtest-timeout: 240
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

CRAFT=$REPO/tests/tools/espcraft.py
RX_DROPS=(rx_no_sa rx_replay rx_selector rx_expired rx_crypto_busy rx_link_local
	rx_hold_full rx_hold_expired rx_queue_full)
RX_ERRORS=(rx_auth_fail rx_bad_trailer rx_bad_inner rx_malformed rx_udp_malformed)
TX_DROPS=(tx_no_sa tx_seq_exhausted tx_too_big tx_selector tx_expired tx_crypto_busy
	tx_link_local tx_queue_full)
TX_ERRORS=(tx_errors tx_no_route)

test_cleanup() {
	esp_cleanup
}

# craft SEQ [ESPCRAFT OPTIONS...]: an ICMP echo request in ESP of side 0's
# outbound SA, sequence number SEQ, sent from $a to $b.
craft() {
	local seq=$1
	shift
	ns_exec "$a" python3 "$CRAFT" send --dst "${ESP_O4[1]}" --spi "$ESP_SPI_AB" \
		--key "$ESP_KEY_AB" --seq "$seq" --inner icmp --isrc "${ESP_I4[0]}" \
		--idst "${ESP_I4[1]}" "$@"
}

# stat_ge COUNTER N: esp0's COUNTER in $b (espctl) is at least N.
stat_ge() {
	local v
	v=$(esp_dev_stat "$b" esp0 "$1") || return 1
	[ "$v" -ge "$2" ] || { echo "$1 is $v, want >= $2"; return 1; }
}

# Counters only grow, and esp0 may send on its own meanwhile (IPv6 router
# solicitations, MLD reports): so one tool is read before and after the
# other, and the other's value must lie between the two.

# ethtool_stats: `ethtool -S esp0` in $b as sorted NAME=VALUE lines.
ethtool_stats() {
	ns_exec "$b" ethtool -S esp0 | awk -F': *' 'NR > 1 { gsub(/^ +/, "", $1); print $1 "=" $2 }' |
		sort
}

# ethtool_matches_espctl: the same names in `ethtool -S esp0` and in
# espctl's device counters, in $b, and each of espctl's values between
# ethtool's before and after.
ethtool_matches_espctl() {
	local e1 es e2
	e1=$(ethtool_stats) || return 1
	es=$(esp_show_json "$b" esp0 | jq -r "$ESP_JQ_DEFS"'devices | select(.ifname == "esp0")
		| .stats | to_entries[] | "\(.key)=\(.value)"' | sort) || return 1
	e2=$(ethtool_stats) || return 1
	[ -n "$e1" ] || { echo "ethtool -S printed no counter"; return 1; }
	if [ "$(sed 's/=.*//' <<<"$e1")" != "$(sed 's/=.*//' <<<"$es")" ]; then
		echo "ethtool -S and espctl show name different counters (< ethtool, > espctl):"
		diff <(sed 's/=.*//' <<<"$e1") <(sed 's/=.*//' <<<"$es")
		return 1
	fi
	# shellcheck disable=SC2016 # awk's $
	paste -d= <(echo "$e1") <(echo "$es" | sed 's/^[^=]*=//') <(echo "$e2" | sed 's/^[^=]*=//') |
		awk -F= '{ if ($2 > $3 || $3 > $4) { print $1 ": ethtool " $2 ", then espctl " $3 ", then ethtool " $4; bad = 1 } }
			END { exit bad }' || return 1
	echo "$(wc -l <<<"$e1") counters agree"
}

# sum NAME...: the sum of esp0's counters NAME... in $b (espctl).
sum() {
	local k t=0 v
	for k in "$@"; do
		v=$(esp_dev_stat "$b" esp0 "$k") || return 1
		t=$((t + v))
	done
	echo "$t"
}

# ip_link_stat DIR FIELD: stats64.DIR.FIELD of `ip -s -s link show esp0`.
ip_link_stat() {
	ns_exec "$b" ip -j -s -s link show dev esp0 | jq -r ".[0].stats64.$1.$2"
}

# ip_link_matches DIR FIELD NAME...: `ip -s -s link show esp0` in $b has
# stats64.DIR.FIELD equal to the sum of the named counters (read between
# two readings of ip).
ip_link_matches() {
	local dir=$1 field=$2 before want after
	shift 2
	before=$(ip_link_stat "$dir" "$field") && want=$(sum "$@") &&
		after=$(ip_link_stat "$dir" "$field") || return 1
	echo "ip: $dir $field $before..$after; espctl: ${*// /+} = $want"
	[ "$before" -le "$want" ] && [ "$want" -le "$after" ]
}

esp_require_tools jq python3 ethtool
python3 "$CRAFT" selftest >/dev/null || ktap_skip_all "espcraft.py selftest fails (python3-cryptography?)"
ktap_plan 16
espvti_load
esp_topo
esp_keying gcm128 0

check "espvti pair (outer IPv4)" esp_espvti_pair 4 || ktap_bail "no tunnel"
check "tunnel works" esp_ping "$a" "${ESP_I4[1]}"

# One drop of each kind that a peer can cause, and one of the sender's own.
# provoke SEQ COUNTER [ESPCRAFT OPTIONS...]: sends one crafted packet and
# waits until COUNTER of esp0 in $b reached 1.
provoke() {
	local seq=$1 k=$2
	shift 2
	craft "$seq" "$@" && wait_for 10 stat_ge "$k" 1
}
check "bad ICV counted in rx_auth_fail" provoke 1000 rx_auth_fail --corrupt icv
check "truncated packet counted in rx_malformed" provoke 1001 rx_malformed --corrupt truncate=16
check "valid packet delivered" provoke 1002 rx_packets
check "replayed packet counted in rx_replay" provoke 1002 rx_replay
check "outbound SA removed on side 1" \
	ns_exec "$b" "$ESPCTL" sa del esp0 dir out spi "$ESP_SPI_BA"
ns_exec "$b" ping -c 2 -i 0.2 -W 1 "${ESP_I4[0]}" >/dev/null 2>&1
check "ping without an outbound SA counted in tx_no_sa" wait_for 10 stat_ge tx_no_sa 1

check "ethtool -i names the driver" sh -c "ip netns exec $b ethtool -i esp0 | grep -qx 'driver: espvti'"
check "ethtool -S: every counter under espctl's name and value" ethtool_matches_espctl
check "ip -s link: rx dropped = ${RX_DROPS[*]}" ip_link_matches rx dropped "${RX_DROPS[@]}"
check "ip -s link: rx errors = ${RX_ERRORS[*]}" ip_link_matches rx errors "${RX_ERRORS[@]}"
check "ip -s link: tx dropped = ${TX_DROPS[*]}" ip_link_matches tx dropped "${TX_DROPS[@]}"
check "ip -s link: tx errors = ${TX_ERRORS[*]}" ip_link_matches tx errors "${TX_ERRORS[@]}"
check "ip -s link: rx packets = rx_packets" ip_link_matches rx packets rx_packets

esp_side_down 0
esp_side_down 1
check "rmmod espvti" espvti_unload
ktap_finish
