#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# diagnose: `espctl diagnose` on a healthy tunnel reports nothing to fix
# (exit 0); then each problem it knows is provoked on a tunnel and must be
# recognised by its id in `--json` (exit 2), with the evidence or fix the
# user needs:
#   device-down, no-outbound-sa, no-inbound-sa, no-remote, rx-silent
#   (peer down: the fix suggests encap udp), auth-failures (wrong key on
#   b), replay-drops (old sequence numbers, forged by espcraft.py),
#   rx-selector-drops and tx-selector-drops, routes-not-covered (a route
#   outside the outbound selectors, shown in the table), no-route-to-peer,
#   too-big (underlay MTU 1280 under a 1400-byte tunnel MTU, DF set),
#   sa-near-limit (sequence numbers), sa-expired (hard packet limit);
#   crypto-busy is provoked by tests/crypto-flood.sh. IPv6 link-scope
#   traffic (ping ff02::1) outside the selectors counts in tx_link_local,
#   not tx_selector, and on the receiving side in rx_link_local, not
#   rx_selector, so the devices' own router solicitations do not look like
#   a selector mismatch.
#
#   netns $a (side 0)                          netns $b (side 1)
#   +--------------------------+               +--------------------------+
#   | esp0 10.99.0.1           |  ESP tunnel   | esp0 10.99.0.2           |
#   | esp1 (no endpoint)       |<------------->|                          |
#   | esp2 -> 203.0.113.9      |               |                          |
#   |   (no route)             |               |                          |
#   | va 192.0.2.1             +===============+ vb 192.0.2.2             |
#   +--------------------------+     veth      +--------------------------+
#
# vmtest-timeout: 300
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

CRAFT=$REPO/tests/tools/espcraft.py

test_cleanup() {
	esp_cleanup
}

# fresh: both sides torn down and brought up again with new keys, and a
# ping each way (check runs its command in a subshell: call it outside).
fresh() {
	esp_side_down 0
	esp_side_down 1
	esp_keying gcm128 0
	esp_espvti_pair 4 >"$ESP_TMP/fresh.out" 2>&1 &&
		esp_ping "$a" "${ESP_I4[1]}" >>"$ESP_TMP/fresh.out" 2>&1 ||
		{ ktap_diag "tunnel not up:"; sed 's/^/# /' "$ESP_TMP/fresh.out"; }
}

# diag NS DEV [ARG...]: espctl diagnose DEV --json [ARG...] in NS; the
# output in $ESP_TMP/diag.json, the exit status in $ESP_TMP/diag.rc.
diag() {
	local ns=$1 dev=$2 rc
	shift 2
	ns_exec "$ns" "$ESPCTL" diagnose "$dev" --json "$@" >"$ESP_TMP/diag.json" 2>"$ESP_TMP/diag.err"
	rc=$?
	echo "$rc" >"$ESP_TMP/diag.rc"
	return 0
}

# found ID [JQ_TEST]: the last diagnose exited 2 and reported finding ID
# (and, given JQ_TEST, a finding ID for which it holds; . is the finding).
found() {
	local rc
	rc=$(cat "$ESP_TMP/diag.rc")
	if [ "$rc" != 2 ] || ! jq -e --arg id "$1" \
		"[.findings[] | select(.id == \$id) | select(${2:-true})] | length > 0" \
		"$ESP_TMP/diag.json" >/dev/null; then
		echo "exit $rc; want 2 and finding $1${2:+ with $2}:"
		cat "$ESP_TMP/diag.json" "$ESP_TMP/diag.err"
		return 1
	fi
}

# diag_found NS DEV ID JQ_TEST [ARG...]: diag, then found.
diag_found() {
	local ns=$1 dev=$2 id=$3 test=$4
	shift 4
	diag "$ns" "$dev" "$@"
	found "$id" "$test"
}

# healthy NS: diagnose esp0 finds nothing, in text (exit 0) and JSON.
healthy() {
	local out rc
	out=$(ns_exec "$1" "$ESPCTL" diagnose esp0 -i 1)
	rc=$?
	echo "$out"
	[ "$rc" = 0 ] && grep -q "esp0: nothing to fix" <<<"$out" || return 1
	diag "$1" esp0 -i 1
	[ "$(cat "$ESP_TMP/diag.rc")" = 0 ] &&
		jq -e '.findings == [] and .checks > 10' "$ESP_TMP/diag.json" >/dev/null
}

# with_ping NS ADDR CMD...: CMD while NS pings ADDR 5 times a second.
with_ping() {
	local ns=$1 addr=$2 pid rc
	shift 2
	ip netns exec "$ns" ping -q -i 0.2 -w 30 "$addr" >/dev/null 2>&1 &
	pid=$!
	sleep 1
	"$@"
	rc=$?
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return $rc
}

# pings NS ADDR N [ARG...]: N pings, answered or not.
pings() {
	ns_exec "$1" ping -q -c "$3" -i 0.2 -W 1 "${@:4}" "$2" >/dev/null 2>&1
	return 0
}

esp_require_tools jq python3
ktap_plan 18
espvti_load
esp_topo
fresh

check "healthy tunnel: nothing to fix, on both sides (exit 0)" \
	eval 'healthy "$a" && healthy "$b"'

ip -n "$a" link set esp0 down
check "device down: device-down, fix ip link set esp0 up" \
	diag_found "$a" esp0 device-down '.severity == "error" and (.fix | contains("ip link set esp0 up"))' -i 0
ip -n "$a" link set esp0 up

ns_exec "$a" "$ESPCTL" sa del esp0 dir out spi "$ESP_SPI_AB"
check "outbound SA deleted: no-outbound-sa" diag_found "$a" esp0 no-outbound-sa true -i 0
ns_exec "$a" "$ESPCTL" sa del esp0 dir in spi "$ESP_SPI_BA"
check "inbound SA deleted: no-inbound-sa" diag_found "$a" esp0 no-inbound-sa true -i 0

ip -n "$a" link add esp1 type espvti
check "a device without endpoints: no-remote" diag_found "$a" esp1 no-remote true -i 0
ip -n "$a" link del esp1

fresh
ip -n "$b" link set esp0 down
check "peer silent (its esp0 down) while pings go out: rx-silent, fix says encap udp" \
	with_ping "$a" "${ESP_I4[1]}" diag_found "$a" esp0 rx-silent \
	'.severity == "error" and (.fix | contains("encap udp"))' -i 3
ip -n "$b" link set esp0 up

ns_exec "$b" "$ESPCTL" sa del esp0 dir in spi "$ESP_SPI_AB"
ns_exec "$b" "$ESPCTL" sa add esp0 dir in spi "$ESP_SPI_AB" aead "$ESP_ALG" \
	"$(esp_hex 20)" "$ESP_ICV" replay-window "$ESP_WIN"
check "b's inbound SA with another key: auth-failures on b, evidence counts them" \
	with_ping "$a" "${ESP_I4[1]}" diag_found "$b" esp0 auth-failures \
	'.evidence[0] | test("rx_auth_fail: [1-9]")' -i 3

fresh
pings "$a" "${ESP_I4[1]}" 60
ns_exec "$a" python3 "$CRAFT" flood --dst "${ESP_O4[1]}" --spi "$ESP_SPI_AB" --seq 1 --count 5
check "old sequence numbers (forged, seq 1..5 behind the window): replay-drops on b" \
	diag_found "$b" esp0 replay-drops true -i 0

fresh
ns_exec "$b" "$ESPCTL" sa del esp0 dir in spi "$ESP_SPI_AB"
ns_exec "$b" "$ESPCTL" sa add esp0 dir in spi "$ESP_SPI_AB" aead "$ESP_ALG" \
	"$ESP_KEY_AB" "$ESP_ICV" replay-window "$ESP_WIN" ts-remote 10.99.0.99/32
pings "$a" "${ESP_I4[1]}" 5
check "b accepts only 10.99.0.99 from a: rx-selector-drops, evidence shows the selectors and the packet" \
	diag_found "$b" esp0 rx-selector-drops \
	'([.evidence[] | select(test("remote 10.99.0.99/32"))] | length > 0) and
	 ([.evidence[] | select(. == "last refused packet: 10.99.0.1 -> 10.99.0.2")] | length > 0)' -i 0

# ll_from_a_apart: a's pings to ff02::1 reach b through the tunnel (a's
# selectors are any) and b's narrower inbound SA drops them as
# rx_link_local: not rx_selector, not the last refused packet.
ll_from_a_apart() {
	local before after
	before=$(esp_dev_stat "$b" esp0 rx_selector) || return 1
	pings "$a" ff02::1%esp0 2 -6
	wait_for 10 eval '[ "$(esp_dev_stat "$b" esp0 rx_link_local)" -ge 2 ]' || {
		echo "rx_link_local on b: $(esp_dev_stat "$b" esp0 rx_link_local)"; return 1; }
	after=$(esp_dev_stat "$b" esp0 rx_selector) || return 1
	[ "$before" = "$after" ] || { echo "rx_selector $before -> $after"; return 1; }
	diag_found "$b" esp0 rx-selector-drops \
		'[.evidence[] | select(. == "last refused packet: 10.99.0.1 -> 10.99.0.2")] | length > 0' -i 0
}
check "IPv6 link-scope traffic from the peer outside b's selectors: rx_link_local, not rx_selector" \
	ll_from_a_apart

SPI_SEL=0x00005e1e
ns_exec "$a" "$ESPCTL" sa add esp0 dir out spi "$SPI_SEL" aead "$ESP_ALG" \
	"$(esp_hex 20)" "$ESP_ICV" ts-remote 10.99.0.2/32
# link_local_apart: pings to ff02::1 on esp0 (link scope, outside the
# selectors) count in tx_link_local, not tx_selector.
link_local_apart() {
	local ll sel
	pings "$a" ff02::1%esp0 2 -6
	ll=$(esp_dev_stat "$a" esp0 tx_link_local) && sel=$(esp_dev_stat "$a" esp0 tx_selector) ||
		return 1
	echo "tx_link_local $ll, tx_selector $sel"
	[ "$ll" -ge 2 ] && [ "$sel" = 0 ]
}
check "IPv6 link-scope traffic outside the selectors: tx_link_local, not tx_selector" \
	link_local_apart
ip -n "$a" route add 10.50.0.0/16 dev esp0
pings "$a" 10.50.0.1 3
check "route 10.50.0.0/16 into esp0, outbound selector 10.99.0.2/32: routes-not-covered" \
	diag_found "$a" esp0 routes-not-covered \
	'[.evidence[] | select(test("^10.50.0.0/16 +no$"))] | length > 0' -i 0
check "pings to 10.50.0.1: tx-selector-drops" found tx-selector-drops
ip -n "$a" route del 10.50.0.0/16 dev esp0

ip -n "$a" link add esp2 type espvti
ns_exec "$a" "$ESPCTL" set esp2 local "${ESP_O4[0]}" remote 203.0.113.9
ns_exec "$a" "$ESPCTL" sa add esp2 dir out spi 0x00002222 aead "$ESP_ALG" "$(esp_hex 20)" "$ESP_ICV"
ip -n "$a" addr add 10.77.0.1/24 dev esp2
ip -n "$a" link set esp2 up
pings "$a" 10.77.0.2 3
check "peer 203.0.113.9 without a route: no-route-to-peer" \
	diag_found "$a" esp2 no-route-to-peer '.severity == "error"' -i 0
ip -n "$a" link del esp2

fresh
ip -n "$a" link set va mtu 1280
ip -n "$b" link set vb mtu 1280
ip -n "$a" link set esp0 mtu 1400
pings "$a" "${ESP_I4[1]}" 3 -M do -s 1300
check "tunnel MTU 1400 over a 1280-byte path, DF set: too-big" \
	diag_found "$a" esp0 too-big '.evidence[0] | test("tx_too_big: [1-9]")' -i 0
ip -n "$a" link set va mtu 1500
ip -n "$b" link set vb mtu 1500

fresh
ns_exec "$a" "$ESPCTL" sa add esp0 dir out spi 0x00007777 aead "$ESP_ALG" \
	"$(esp_hex 20)" "$ESP_ICV" seq 4000000000
check "outbound SA at sequence number 4000000000 without ESN: sa-near-limit" \
	diag_found "$a" esp0 sa-near-limit '.evidence[0] | test("4000000000")' -i 0

ns_exec "$a" "$ESPCTL" sa add esp0 dir out spi 0x00008888 aead "$ESP_ALG" \
	"$(esp_hex 20)" "$ESP_ICV" limit hard packets 5
pings "$a" "${ESP_I4[1]}" 8
check "outbound SA past its hard packet limit: sa-expired (error)" \
	diag_found "$a" esp0 sa-expired '.severity == "error"' -i 0

check "espctl diagnose without a device: every device, JSON array" \
	eval 'ns_exec "$a" "$ESPCTL" diagnose --json -i 0 | jq -e "type == \"array\" and length == 1"'
ktap_finish
