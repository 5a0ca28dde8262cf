#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# crypto-flood: the crypto requests an espvti device has in flight are
# bounded before any ICV is checked. The SAs of both devices use an
# asynchronous AEAD ($ESPVTI_TEST_CRYPTO, default pcrypt: espctl set DEV
# crypto ...), the bounds are made small through the module parameters
# (crypto_max_inflight_sa=8, crypto_max_inflight=32), and $a floods a
# dedicated inbound SA of $b ($SPI_X) with forged packets: its SPI, fresh
# sequence numbers, random bytes for ciphertext and ICV. A plug qdisc on va
# holds each burst and lets it go at once, so that $b's softirq submits the
# whole burst before pcrypt's workers complete any of it. Checked:
#   - every forged packet is counted once, as rx_crypto_busy (beyond the
#     bound) or rx_auth_fail (decrypted, ICV wrong), and rx_crypto_busy > 0;
#     the device's rx_dropped includes rx_crypto_busy, and espctl diagnose
#     reports crypto-busy;
#   - the real SA of the tunnel never hits the bound, and a ping through the
#     tunnel passes between the bursts and after the flood (not during a
#     burst: the plug would hold the pings and release them together);
#   - after each burst the device has 0 requests in flight, and
#     MemAvailable after the last burst is within 32 MiB of what it was
#     after the first (which warms up python, pcrypt's workers and caches);
#   - transmit: with a bound of 1 per SA, a burst of pings beyond it is
#     counted as tx_crypto_busy and the tunnel still works.
#
#   netns $a (side 0)                               netns $b (side 1)
#   +---------------------------+                   +---------------------------+
#   | esp0 (espvti, pcrypt)     |   ESP tunnel mode | esp0 (espvti, pcrypt)     |
#   |   10.99.0.1               |<----------------->|   10.99.0.2               |
#   | espcraft.py flood --------|-- forged ESP ---->|   + SA in $SPI_X          |
#   | va 192.0.2.1 [plug qdisc] +===================+ vb 192.0.2.2              |
#   +---------------------------+       veth        +---------------------------+
#
# vmtest-timeout: 420
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

export ESPVTI_TEST_CRYPTO=${ESPVTI_TEST_CRYPTO:-pcrypt}
CRAFT=$REPO/tests/tools/espcraft.py
PARAMS=/sys/module/espvti/parameters
ROUNDS=4
BURST=800	# below net.core.netdev_max_backlog (1000): none lost on the way
SPI_X=0x00c0ffee

test_cleanup() {
	esp_cleanup
}

# sa_x_stat COUNTER: a counter of the flooded SA.
sa_x_stat() {
	esp_sa_stat "$b" esp0 in "$SPI_X" "$1"
}

# accounted N: the forged packets so far (N) are all counted, busy or not.
accounted() {
	local busy fail
	busy=$(sa_x_stat rx_crypto_busy) && fail=$(sa_x_stat rx_auth_fail) &&
		[ $((busy + fail)) -eq "$1" ] && return 0
	echo "rx_crypto_busy ${busy:-?} + rx_auth_fail ${fail:-?} != $1"
	# Where the others went: the way there, and esp0's uncounted drops.
	echo "va: $(ip -n "$a" -s -s link show va | tr -s ' \n' ' ')"
	echo "vb: $(ip -n "$b" -s -s link show vb | tr -s ' \n' ' ')"
	echo "esp0 (b) rx_dropped $(ns_exec "$b" cat /sys/class/net/esp0/statistics/rx_dropped)"
	echo "softnet_stat: $(cut -d' ' -f1-3 /proc/net/softnet_stat | tr '\n' ' ')"
	return 1
}

mem_avail_kb() {
	awk '/^MemAvailable:/ { print $2 }' /proc/meminfo
}

# flood_rounds FIRST LAST: bursts FIRST..LAST (from 0) of BURST forged
# packets, each held by the plug qdisc until complete, then released at once.
flood_rounds() {
	local r seq
	for ((r = $1; r <= $2; r++)); do
		seq=$((r * BURST + 1))
		tc -n "$a" qdisc change dev va root plug block || return 1
		ns_exec "$a" python3 "$CRAFT" flood --dst "${ESP_O4[1]}" --spi "$SPI_X" \
			--seq "$seq" --count "$BURST" || return 1
		tc -n "$a" qdisc change dev va root plug release_indefinite || return 1
		wait_for 60 esp_inflight_is "$b" 0 || { echo "requests still in flight"; return 1; }
		esp_ping "$a" "${ESP_I4[1]}" || { echo "no ping after burst $r"; return 1; }
	done
}

# tx_burst: 100 pings sent back to back (preload) through the tunnel.
tx_burst() {
	ns_exec "$a" ping -q -c 100 -l 100 -i 0.2 -W 2 "${ESP_I4[1]}" >/dev/null 2>&1
	return 0
}

ktap_plan 17
espvti_load
esp_require_tools jq python3 tc
esp_topo
esp_keying gcm128 0
check "espvti pair (outer IPv4), SAs on $ESPVTI_TEST_CRYPTO" esp_espvti_pair 4 ||
	ktap_bail "no tunnel"
check "inbound SA $SPI_X added for the flood" \
	ns_exec "$b" "$ESPCTL" sa add esp0 dir in spi "$SPI_X" aead "$ESP_ALG" \
		"$(esp_hex 20)" 128 replay-window 64
check "espctl show reports crypto $ESPVTI_TEST_CRYPTO and 0 in flight" \
	eval '[ "$(esp_dev_field "$b" esp0 crypto)" = "$ESPVTI_TEST_CRYPTO" ] &&
	      esp_inflight_is "$b" 0'
check "ping through the tunnel before the flood" esp_ping "$a" "${ESP_I4[1]}"
# cryptd's AEADs fail the kernel's own self-test (with a WARNING) before 6.3.
case $(uname -r) in
6.1.*)	check "crypto cryptd refused on $(uname -r), saying why" \
		eval 'out=$(ns_exec "$b" "$ESPCTL" set esp0 crypto cryptd 2>&1);
		      [ $? != 0 ] && echo "$out" | grep -q "self-test before Linux 6.3"' ;;
*)	check "crypto cryptd accepted on $(uname -r)" \
		eval 'ns_exec "$b" "$ESPCTL" set esp0 crypto cryptd &&
		      ns_exec "$b" "$ESPCTL" set esp0 crypto "$ESPVTI_TEST_CRYPTO"' ;;
esac
check "bounds lowered: 8 per SA, 32 per device" \
	eval 'echo 8 >"$PARAMS/crypto_max_inflight_sa" &&
	      echo 32 >"$PARAMS/crypto_max_inflight"'
check "plug qdisc on va" tc -n "$a" qdisc add dev va root plug limit 100000000

check "burst 1 of $BURST forged packets, in flight back to 0 and ping passing after it" \
	flood_rounds 0 0
mem_before=$(mem_avail_kb)
check "bursts 2..$ROUNDS of $BURST forged packets, in flight back to 0 and ping passing after each" \
	flood_rounds 1 $((ROUNDS - 1))
sent=$((ROUNDS * BURST))
# (each try runs espctl and jq twice: slow in the emulator, hence 10 s)
check "all $sent forged packets counted: rx_crypto_busy + rx_auth_fail" \
	eval 'wait_for 10 accounted "$sent" || accounted "$sent"'
busy=$(sa_x_stat rx_crypto_busy)
ktap_diag "rx_crypto_busy $busy, rx_auth_fail $(sa_x_stat rx_auth_fail)"
check "rx_crypto_busy counted packets beyond the bound" esp_ge "${busy:-0}" 1
check "espctl diagnose on b names it: crypto-busy" \
	eval 'ns_exec "$b" "$ESPCTL" diagnose esp0 --json -i 0 |
		jq -e "[.findings[] | select(.id == \"crypto-busy\")] | length == 1"'
check "device rx_dropped includes rx_crypto_busy" \
	eval 'esp_ge "$(ns_exec "$b" cat /sys/class/net/esp0/statistics/rx_dropped)" "$busy"'
check "the tunnel's own SA never hit the bound" \
	eval '[ "$(esp_sa_stat "$b" esp0 in "$ESP_SPI_AB" rx_crypto_busy)" = 0 ]'
check "ping through the tunnel after the flood" esp_ping "$a" "${ESP_I4[1]}"
mem_after=$(mem_avail_kb)
ktap_diag "MemAvailable before $mem_before kB, after $mem_after kB"
check "memory flat: MemAvailable after the last burst within 32 MiB of after the first" \
	esp_ge $((mem_after + 32768)) "$mem_before"

echo 1 >"$PARAMS/crypto_max_inflight_sa"
tx_burst
tx_busy=$(esp_dev_stat "$a" esp0 tx_crypto_busy)
ktap_diag "tx_crypto_busy $tx_busy after a burst of 100 pings with a bound of 1"
echo 256 >"$PARAMS/crypto_max_inflight_sa"
echo 1024 >"$PARAMS/crypto_max_inflight"
check "tx_crypto_busy counted the burst beyond the bound, ping passes after" \
	eval 'esp_ge "${tx_busy:-0}" 1 && esp_ping "$a" "${ESP_I4[1]}" &&
	      wait_for 30 esp_inflight_is "$a" 0'
ktap_finish
