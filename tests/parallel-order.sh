#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# parallel-order: with two CPUs online, espvti encrypts and decrypts on both
# (module parameter parallel, default 1: kmod/queue.c), and each SA's
# packets still leave in sequence order and are delivered in the order they
# arrived. Traffic in both directions at once (a TCP transfer each way and
# a stream of numbered UDP datagrams) while ESP is captured on va. Checked:
#   - every packet took the parallel path: tx_parallel = tx_packets and
#     rx_parallel = rx_packets on both sides;
#   - on the wire, each SA's sequence numbers only increase (none lower than
#     one already sent, none twice: tests/tools/espseq.py);
#   - the numbered datagrams reach the receiving socket in increasing order
#     (tests/tools/udpseq.py), no packet is refused as a replay, none is
#     dropped for a full queue, both TCP transfers arrive intact;
#   - parallel=0 sends through the inline path (tx_parallel stands still),
#     parallel=2 through the workers again; the tunnel works in both;
#   - a device deleted while a flood is in its queues goes (its queued
#     packets finished or dropped, nothing left in flight), and the module
#     unloads.
#
#   netns $a (side 0)                              netns $b (side 1)
#   +---------------------------+                  +---------------------------+
#   | esp0 (espvti) 10.99.0.1   |  ESP, both ways  | esp0 (espvti) 10.99.0.2   |
#   |   TCP a->b, UDP numbered  |<================>|   TCP b->a, UDP receiver  |
#   | va 192.0.2.1              +==================+ vb 192.0.2.2              |
#   |   tcpdump: ESP on va      |      veth        |                           |
#   +---------------------------+                  +---------------------------+
#
# vmtest-cpus: 2
# vmtest-timeout: 420
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

PARAMS=/sys/module/espvti/parameters
ESPSEQ=$REPO/tests/tools/espseq.py
UDPSEQ=$REPO/tests/tools/udpseq.py
CAP_PID=
UDP_COUNT=10000
TCP_BYTES=$((8 << 20))

test_cleanup() {
	[ -n "$CAP_PID" ] && kill "$CAP_PID" 2>/dev/null
	esp_cleanup
}

# stat_eq NS NAME1 NAME2: two device counters of esp0 in NS, read from one
# espctl show, are equal and not 0.
stat_eq() {
	local v
	v=$(esp_show_json "$1" esp0 | jq -r --arg x "$2" --arg y "$3" \
		"$ESP_JQ_DEFS"' devices | select(.ifname == "esp0") | "\(.stats[$x]) \(.stats[$y])"') || return 1
	echo "$1: $2 ${v% *}, $3 ${v#* }"
	[ "${v% *}" = "${v#* }" ] && [ "${v% *}" -gt 0 ] 2>/dev/null
}

# stats_eq NAME1 NAME2: stat_eq on both sides, retried for 10 s (a late
# packet, a TCP ACK say, may pass between the two counters' updates).
stats_eq() {
	local x=$1 y=$2
	wait_for 10 eval 'stat_eq "$a" "$x" "$y" && stat_eq "$b" "$x" "$y"' && return 0
	stat_eq "$a" "$x" "$y"
	stat_eq "$b" "$x" "$y"
	return 1
}

# stat_is NS NAME VALUE: a device counter of esp0 in NS has VALUE.
stat_is() {
	local v
	v=$(esp_dev_stat "$1" esp0 "$2") || return 1
	[ "$v" = "$3" ] || { echo "$1: $2 is $v, expected $3"; return 1; }
}

# both_stat_is NAME VALUE: on both sides.
both_stat_is() {
	stat_is "$a" "$1" "$2" && stat_is "$b" "$1" "$2"
}

# udp_numbered SRC DST ADDR: UDP_COUNT numbered datagrams from SRC to ADDR
# in DST, checked for order by the receiver.
udp_numbered() {
	local ready=$ESP_TMP/udp.ready port=$((40000 + RANDOM % 10000)) pid rc
	rm -f "$ready"
	ns_exec "$2" python3 "$UDPSEQ" recv --bind "$3" --port "$port" --ready "$ready" \
		--idle 3 --timeout 180 >"$ESP_TMP/udp.out" 2>&1 &
	pid=$!
	wait_for 30 test -e "$ready" || { echo "receiver never bound"; kill "$pid"; return 1; }
	ns_exec "$1" python3 "$UDPSEQ" send --to "$3" --port "$port" --count "$UDP_COUNT"
	wait "$pid"
	rc=$?
	cat "$ESP_TMP/udp.out"
	return $rc
}

# both_tcp: a TCP transfer each way at once, both intact.
both_tcp() {
	local pid rc
	esp_tcp "$b" "$a" "${ESP_I4[0]}" "$TCP_BYTES" 240 >"$ESP_TMP/tcp-ba.out" 2>&1 &
	pid=$!
	esp_tcp "$a" "$b" "${ESP_I4[1]}" "$TCP_BYTES" 240
	rc=$?
	wait "$pid" || { cat "$ESP_TMP/tcp-ba.out"; return 1; }
	return $rc
}

# wire_order SPI: the captured ESP packets of SPI, in order.
wire_order() {
	python3 "$ESPSEQ" "$ESP_TMP/wire.pcap" --spi "$1"
}

# tx_parallel_still N: esp0 in $a sent a burst of pings without tx_parallel moving from N.
tx_parallel_still() {
	esp_ping "$a" "${ESP_I4[1]}" && stat_is "$a" tx_parallel "$1"
}

# flood_and_delete: a UDP flood from $a through esp0; esp0 in $a is
# deleted while it runs.
flood_and_delete() {
	ns_exec "$a" python3 "$UDPSEQ" send --to "${ESP_I4[1]}" --port 9 --count 200000 \
		>/dev/null 2>&1 &
	local pid=$!
	wait_for 30 eval '[ "$(esp_dev_stat "$a" esp0 tx_parallel)" -gt 1000 ]'
	ip -n "$a" link del esp0 || { kill "$pid"; return 1; }
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	! ip -n "$a" link show esp0 >/dev/null 2>&1
}

ktap_plan 16
[ "$(nproc)" -ge 2 ] || ktap_skip_all "one CPU online: the parallel path needs two (vmtest -c 2)"
espvti_load parallel=1	# the default, whatever ESPVTI_TEST_PARALLEL says
esp_require_tools jq python3 tcpdump socat
esp_topo
esp_keying gcm128 0
check "module parameters: parallel 1, queue_len 1024" \
	eval '[ "$(cat $PARAMS/parallel)" = 1 ] && [ "$(cat $PARAMS/queue_len)" = 1024 ]'
check "espvti pair (outer IPv4), ping through the tunnel" \
	eval 'esp_espvti_pair 4 && esp_ping "$a" "${ESP_I4[1]}"'

ip netns exec "$a" tcpdump -i va -s 96 -B 16384 -U --immediate-mode -w "$ESP_TMP/wire.pcap" \
	esp >/dev/null 2>"$ESP_TMP/tcpdump.log" &
CAP_PID=$!
wait_for 10 grep -q listening "$ESP_TMP/tcpdump.log" || ktap_bail "tcpdump did not start"

check "TCP $((TCP_BYTES >> 20)) MiB each way at once, both intact" both_tcp
check "$UDP_COUNT numbered UDP datagrams a -> b arrive in order" \
	udp_numbered "$a" "$b" "${ESP_I4[1]}"
check "$UDP_COUNT numbered UDP datagrams b -> a arrive in order" \
	udp_numbered "$b" "$a" "${ESP_I4[0]}"
sleep 1
kill -INT "$CAP_PID"
wait "$CAP_PID" 2>/dev/null
CAP_PID=

check "wire: SA a->b ($ESP_SPI_AB) sequence numbers only increase" wire_order "$ESP_SPI_AB"
check "wire: SA b->a ($ESP_SPI_BA) sequence numbers only increase" wire_order "$ESP_SPI_BA"
check "every packet sent through the workers: tx_parallel = tx_packets (a, b)" \
	stats_eq tx_parallel tx_packets
check "every packet delivered by the ordered stage: rx_parallel = rx_packets (a, b)" \
	stats_eq rx_parallel rx_packets
check "no replay drops, no queue drops, nothing left in flight" \
	eval 'both_stat_is rx_replay 0 && both_stat_is rx_queue_full 0 &&
	      both_stat_is tx_queue_full 0 &&
	      wait_for 10 esp_inflight_is "$a" 0 && wait_for 10 esp_inflight_is "$b" 0'

txp=$(esp_dev_stat "$a" esp0 tx_parallel)
check "parallel=0: pings pass through the inline path (tx_parallel stays $txp)" \
	eval 'echo 0 >$PARAMS/parallel && tx_parallel_still "$txp"'
check "parallel=2: through the workers again" \
	eval 'echo 2 >$PARAMS/parallel && esp_ping "$a" "${ESP_I4[1]}" &&
	      esp_ge "$(esp_dev_stat "$a" esp0 tx_parallel)" $((txp + 3))'
check "parallel: 3 refused" eval '! echo 3 >$PARAMS/parallel 2>/dev/null'
echo 1 >$PARAMS/parallel

check "esp0 deleted under a UDP flood through the workers" flood_and_delete
check "b: its packets until then delivered in order, nothing in flight" \
	eval 'stat_is "$b" rx_replay 0 && wait_for 10 esp_inflight_is "$b" 0'
check "module unloads after the rest is deleted" \
	eval 'ip -n "$b" link del esp0 && rmmod_now'
ktap_finish
