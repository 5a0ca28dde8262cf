#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# teardown-load: the stress version of tests/teardown.sh (and -async): the
# device, its namespace or the module goes away while a load keeps packets
# and crypto requests in flight both ways, for several rounds, on the
# default (synchronous) AEAD and on an asynchronous one. The load, all at
# once:
#   - iperf3 UDP, 4 streams each way (--bidir), unlimited rate, a <-> b;
#   - iperf3 TCP, 2 streams b -> a (GSO packets that espvti segments);
#   - a flood ping a -> b;
#   - forged ESP (espcraft.py flood) from a to an extra inbound SA of b,
#     $SPI_X: b decrypts each packet before its ICV fails.
# The generators run at nice 10: the packets they cause are handled in
# softirq context whatever their niceness, and the test's own commands
# (espctl, jq, ip) keep a share of the guest's CPU.
# Each round runs, first with the SAs on the default AEAD (synchronous in
# round 1; once a pcrypt or cryptd instance of the algorithm exists, the
# kernel may hand its higher priority to default SAs too, see espvti.md) and
# then on an asynchronous one (espctl set DEV crypto pcrypt; on Linux 6.3
# and later every second round uses cryptd, which earlier kernels refuse),
# three teardowns, each in fresh namespaces with a fresh tunnel:
#   1. link:  ip link del esp0 in a and in b;
#   2. netns: ip netns del b (its processes stopped, the namespace goes with
#      esp0 and the veth while a still sends), then the same for a;
#   3. rmmod: rmmod espvti with both devices up.
# After each one rmmod must succeed (at once, or within 10 s while the module
# is briefly in use), the module load again and the next tunnel work. The
# rounds: $ESPVTI_TEST_STRESS_ROUNDS (default 1; make check-debug: 2). The harness fails the run on
# any kernel warning, oops, refcount or leak report; the scenarios are what
# is tested here.
#
#   netns $a (side 0)                               netns $b (side 1)
#   +---------------------------+                   +---------------------------+
#   | esp0 (espvti)             |   ESP tunnel mode | esp0 (espvti)             |
#   |   10.99.0.1               |<----------------->|   10.99.0.2 + SA $SPI_X   |
#   |   iperf3 -c -u --bidir -> |                   |   iperf3 -s               |
#   |   iperf3 -s (TCP)         |                   |   <- iperf3 -c (TCP)      |
#   |   ping -f ->              |                   |                           |
#   |   espcraft.py flood ------|-- forged ESP ---->|                           |
#   | va 192.0.2.1              +===================+ vb 192.0.2.2              |
#   +---------------------------+       veth        +---------------------------+
#
# vmtest-timeout: 1800
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

ROUNDS=${ESPVTI_TEST_STRESS_ROUNDS:-1}
CRAFT=$REPO/tests/tools/espcraft.py
SPI_X=0x00c0ffee
EVENTS=(link netns rmmod)
CHECKS_PER_EVENT=4
LOAD_A=()		# load generators running in $a
LOAD_B=()		# and in $b

test_cleanup() {
	esp_cleanup
}

# kernel_ge MAJOR MINOR: the running kernel is MAJOR.MINOR or newer.
kernel_ge() {
	local maj min
	IFS=. read -r maj min _ <<<"$(uname -r)"
	min=${min%%[!0-9]*}
	[ "$maj" -gt "$1" ] || { [ "$maj" -eq "$1" ] && [ "$min" -ge "$2" ]; }
}

# async_impl ROUND: the asynchronous implementation of round ROUND (from 1).
async_impl() {
	# cryptd's AEADs fail the kernel's own self-test before 6.3: refused.
	if kernel_ge 6 3 && [ $(($1 % 2)) = 0 ]; then echo cryptd; else echo pcrypt; fi
}

# up: fresh namespaces, espvti on both sides (new keys; the implementation
# from ESPVTI_TEST_CRYPTO), the flood target SA on b, and a ping each way.
up() {
	esp_topo
	esp_keying gcm128 0
	esp_espvti_pair 4 || return 1
	ns_exec "$b" "$ESPCTL" sa add esp0 dir in spi "$SPI_X" aead "$ESP_ALG" \
		"$(esp_hex 20)" 128 replay-window 64 || return 1
	esp_ping "$a" "${ESP_I4[1]}" && esp_ping "$b" "${ESP_I4[0]}"
}

# load_start: the generators of the opening comment, in LOAD_A and LOAD_B.
load_start() {
	LOAD_A=() LOAD_B=()
	ESP_BG_PIDS=()
	# First the flood, alone: Python takes long to start in a busy guest.
	# Forged packets never advance the replay window: sequence numbers
	# 1.. stay fresh for every run.
	esp_bg nice -n 10 ip netns exec "$a" bash -c '
		trap "kill \$c 2>/dev/null; exit 0" TERM
		while :; do
			python3 "$1" flood --dst "$2" --spi "$3" --seq 1 --count 100000 &
			c=$!
			wait $c
		done' flood "$CRAFT" "${ESP_O4[1]}" "$SPI_X" >/dev/null 2>&1
	LOAD_A+=("$ESP_BG_PID")
	# ... and counted by b before the rest of the load slows everything.
	wait_for 60 forged_refused 100 ||
		{ ktap_diag "forged ESP not refused by b: $(forged_refused 0) so far"; return 1; }
	esp_bg nice -n 10 ip netns exec "$b" iperf3 -s -p 5201 >/dev/null 2>&1
	LOAD_B+=("$ESP_BG_PID")
	esp_bg nice -n 10 ip netns exec "$a" iperf3 -s -p 5202 >/dev/null 2>&1
	LOAD_A+=("$ESP_BG_PID")
	wait_for 20 esp_listening "$b" 5201 && wait_for 20 esp_listening "$a" 5202 ||
		{ echo "iperf3 servers not listening"; return 1; }
	esp_bg nice -n 10 ip netns exec "$a" iperf3 -c "${ESP_I4[1]}" -p 5201 -u -b 0 -l 1200 \
		-P 4 --bidir -t 600 >/dev/null 2>&1
	LOAD_A+=("$ESP_BG_PID")
	esp_bg nice -n 10 ip netns exec "$b" iperf3 -c "${ESP_I4[0]}" -p 5202 -P 2 -t 600 \
		>/dev/null 2>&1
	LOAD_B+=("$ESP_BG_PID")
	esp_bg nice -n 10 ip netns exec "$a" ping -f -q -w 600 "${ESP_I4[1]}" >/dev/null 2>&1
	LOAD_A+=("$ESP_BG_PID")
	return 0
}

# sa_sum JSON DIR SPI COUNTER...: the sum of counters of an SA of esp0 in
# the output of espctl show --json (0 when absent).
sa_sum() {
	jq -r --arg dir "$2" --argjson spi "$(($3))" --args "$ESP_JQ_DEFS"'
		[devices | select(.ifname == "esp0") | .sas[]?
		 | select(.dir == $dir and (.spi | spinum) == $spi)
		 | .stats[$ARGS.positional[]] // 0] | add // 0' "${@:4}" <<<"$1"
}

# forged_refused N: b refused (rx_auth_fail, rx_crypto_busy) at least N
# forged packets of $SPI_X; prints how many.
forged_refused() {
	local n
	n=$(sa_sum "$(esp_show_json "$b" esp0 2>/dev/null || echo '[]')" in "$SPI_X" \
		rx_auth_fail rx_crypto_busy)
	echo "$n"
	[ "${n:-0}" -ge "$1" ]
}

INFLIGHT_MAX=0
# flowing MODE: ESP flows both ways and b decrypted forged packets; with an
# asynchronous MODE, b's crypto API also completed decryptions
# asynchronously (rx_crypto_async, a running total: sampling
# crypto_inflight alone can miss requests that complete within
# microseconds; the most seen is kept in INFLIGHT_MAX and shown). One
# espctl per namespace.
flowing() {
	local ja jb ab ba x y v
	ja=$(esp_show_json "$a" esp0 2>/dev/null) || ja='[]'
	jb=$(esp_show_json "$b" esp0 2>/dev/null) || jb='[]'
	ba=$(sa_sum "$ja" in "$ESP_SPI_BA" rx_packets)
	# b's numbers in one jq: a loaded guest makes every fork slow.
	read -r ab x y v <<<"$(jq -r --argjson ab "$((ESP_SPI_AB))" --argjson x "$((SPI_X))" \
		"$ESP_JQ_DEFS"'
		def sum($s; $k): [devices | select(.ifname == "esp0") | .sas[]?
			| select(.dir == "in" and (.spi | spinum) == $s) | .stats[$k] // 0] | add // 0;
		"\(sum($ab; "rx_packets"))
		 \(sum($x; "rx_auth_fail") + sum($x; "rx_crypto_busy"))
		 \(sum($ab; "rx_crypto_async") + sum($x; "rx_crypto_async"))
		 \([devices | .crypto_inflight // 0] | max // 0)"' <<<"$jb" | tr '\n' ' ')"
	[ "${v:-0}" -gt "$INFLIGHT_MAX" ] && INFLIGHT_MAX=$v
	FLOW="a->b $ab, b->a $ba decrypted, forged $x refused, $y decryptions asynchronous on b, in flight on b at most $INFLIGHT_MAX"
	[ "${ab:-0}" -ge 500 ] && [ "${ba:-0}" -ge 500 ] && [ "${x:-0}" -ge 100 ] &&
		{ [ "$1" = default ] || [ "${y:-0}" -gt 0 ]; }
}

# load_flowing MODE: waits (bounded) until flowing MODE holds.
load_flowing() {
	local tries=120
	INFLIGHT_MAX=0
	until flowing "$1"; do
		tries=$((tries - 1))
		[ $tries -gt 0 ] || { echo "load not flowing: $FLOW"; return 1; }
		sleep 0.5
	done
}

# reload: rmmod (unless gone already), then load the module again.
reload() {
	if [ -d /sys/module/espvti ]; then
		rmmod_now || return 1
	fi
	espvti_load && [ -d /sys/module/espvti ]
}

# namespaces_gone: delete whatever namespace of ours is left (after the load
# has been stopped).
namespaces_gone() {
	local ns
	for ns in "${LIB_NETNS[@]}"; do
		ns_del "$ns"
	done
	return 0
}

# teardown_link: both devices deleted under the load, and gone.
teardown_link() {
	ip -n "$a" link del esp0 && ip -n "$b" link del esp0 &&
		absent "$a" esp0 && absent "$b" esp0
}

# teardown_netns: b deleted under the load; once its own processes are
# stopped the kernel tears it down (the veth peer va disappears from a)
# while a still sends into its tunnel; then a likewise.
teardown_netns() {
	ns_del "$b" || return 1
	esp_stop "${LOAD_B[@]}"
	wait_for 60 absent "$a" va || { echo "namespace $b never went away"; return 1; }
	ns_del "$a" || return 1
	esp_stop "${LOAD_A[@]}"
}

# teardown_rmmod: the module removed under the load, its devices with it.
teardown_rmmod() {
	rmmod_now || return 1
	[ ! -d /sys/module/espvti ] || { echo "/sys/module/espvti still exists"; return 1; }
	absent "$a" esp0 && absent "$b" esp0
}

declare -A WHAT=(
	[link]="ip link del esp0 in a and b"
	[netns]="ip netns del b, then a"
	[rmmod]="rmmod espvti with both devices up"
)

# event R MODE EV: one teardown EV (link, netns, rmmod) with the SAs on
# MODE (default, pcrypt, cryptd), in round R.
event() {
	local r=$1 mode=$2 ev=$3 tag="round $1, $2, $3" t0=$SECONDS
	if [ "$mode" = default ]; then unset ESPVTI_TEST_CRYPTO
	else export ESPVTI_TEST_CRYPTO=$mode; fi
	check_here "$tag: fresh namespaces and tunnel, ping both ways" up ||
		ktap_bail "no tunnel to tear down"
	load_start || ktap_bail "load generators did not start"
	check_here "$tag: load flowing through the tunnel" load_flowing "$mode"
	ktap_diag "$FLOW"
	check_here "$tag: ${WHAT[$ev]} under load" "teardown_$ev"
	esp_stop "${LOAD_A[@]}" "${LOAD_B[@]}"
	ESP_BG_PIDS=()
	namespaces_gone
	if [ "$ev" = rmmod ]; then
		check_here "$tag: module loaded again" reload
	else
		check_here "$tag: rmmod espvti, module loaded again" reload
	fi
	ktap_diag "$tag: $((SECONDS - t0)) s"
}

if ! [ "$ROUNDS" -ge 1 ] 2>/dev/null; then
	ktap_skip_all "ESPVTI_TEST_STRESS_ROUNDS=$ROUNDS: at least 1"
fi
esp_require_tools jq iperf3 python3 ss
ktap_plan $((ROUNDS * 2 * ${#EVENTS[@]} * CHECKS_PER_EVENT + 1))
espvti_load
ktap_diag "$ROUNDS rounds; asynchronous AEAD: $(async_impl 1) in odd rounds, $(async_impl 2) in even ones"
for ((r = 1; r <= ROUNDS; r++)); do
	for mode in default "$(async_impl "$r")"; do
		for ev in "${EVENTS[@]}"; do
			event "$r" "$mode" "$ev"
		done
	done
done
unset ESPVTI_TEST_CRYPTO
check_here "after the last reload: a fresh tunnel works" up
ktap_finish
