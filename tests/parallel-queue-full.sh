#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# parallel-queue-full: the CPUs' crypto queues of the parallel path
# (kmod/queue.c) are bounded, and a packet that finds its queue full is
# dropped in its turn and counted, on transmit and on receive. espvti is
# loaded with queue_len=4 (each CPU's crypto queue holds 4 packets), so
# that bursts overflow them. Checked:
#   - queue_len below 4 is refused at load, and cannot be changed later;
#   - transmit: a TCP transfer (GSO packets of dozens of segments queued at
#     once) overflows a's queues: tx_queue_full > 0, counted in ip -s link's
#     tx dropped; TCP retransmits and its data arrives intact; what left va
#     is still in sequence order (gaps where packets were dropped);
#   - receive: bursts of real ESP packets held by a plug qdisc on va and
#     released at once overflow b's queues: rx_queue_full > 0, counted in
#     rx dropped, never as an ICV failure; every ESP packet a sent during
#     the bursts is counted once by b (rx_packets + rx_queue_full +
#     rx_crypto_busy: a burst's packets hold their in-flight slots until the
#     ordered stage drops them, so the per-SA bound can be met too); the
#     numbered datagrams that got through arrive in order;
#   - nothing stays in flight after the bursts, and the tunnel works.
#
#   netns $a (sender)                              netns $b (receiver)
#   +---------------------------+                  +---------------------------+
#   | esp0 (espvti) 10.99.0.1   |  ESP bursts      | esp0 (espvti) 10.99.0.2   |
#   |   TCP, UDP numbered ------|----------------->|   queue_len=4 per CPU     |
#   | va 192.0.2.1 [plug qdisc] +==================+ vb 192.0.2.2              |
#   |   tcpdump: ESP on va      |      veth        |                           |
#   +---------------------------+                  +---------------------------+
#
# vmtest-cpus: 2
# vmtest-timeout: 420
# The queues' logic is the same on both kernels; parallel-order runs the
# parallel path on both. This one runs on 6.12 only, for make check's time.
# vmtest-kernels: ^6\.12\.
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

PARAMS=/sys/module/espvti/parameters
ESPSEQ=$REPO/tests/tools/espseq.py
UDPSEQ=$REPO/tests/tools/udpseq.py
CAP_PID=
BURST=300	# datagrams per burst: below netdev_max_backlog (1000)
ROUNDS=3

test_cleanup() {
	[ -n "$CAP_PID" ] && kill "$CAP_PID" 2>/dev/null
	esp_cleanup
}

# sysfs NS DEV STAT: /sys/class/net/DEV/statistics/STAT in NS.
sysfs() {
	ns_exec "$1" cat "/sys/class/net/$2/statistics/$3"
}

# udp_bursts: ROUNDS bursts of BURST numbered datagrams a -> b, each held
# on va by the plug qdisc and released at once; the receiver checks order.
udp_bursts() {
	local ready=$ESP_TMP/udp.ready port=$((40000 + RANDOM % 10000)) pid r rc
	rm -f "$ready"
	ns_exec "$b" python3 "$UDPSEQ" recv --bind "${ESP_I4[1]}" --port "$port" \
		--ready "$ready" --idle 5 --timeout 240 >"$ESP_TMP/udp.out" 2>&1 &
	pid=$!
	wait_for 30 test -e "$ready" || { echo "receiver never bound"; kill "$pid"; return 1; }
	for ((r = 0; r < ROUNDS; r++)); do
		tc -n "$a" qdisc change dev va root plug block || return 1
		ns_exec "$a" python3 "$UDPSEQ" send --to "${ESP_I4[1]}" --port "$port" \
			--start $((r * BURST)) --count "$BURST" || return 1
		# a's own workers finish the burst before it is let go
		wait_for 30 esp_inflight_is "$a" 0 || { echo "a: still in flight"; return 1; }
		tc -n "$a" qdisc change dev va root plug release_indefinite || return 1
		wait_for 60 esp_inflight_is "$b" 0 || { echo "b: still in flight"; return 1; }
	done
	wait "$pid"
	rc=$?
	cat "$ESP_TMP/udp.out"
	return $rc
}

# counts: a's packets sent on SPI_AB, and b's delivered + rx_queue_full +
# rx_crypto_busy on it, as "TX RX".
counts() {
	local tx rx full busy
	tx=$(esp_sa_stat "$a" esp0 out "$ESP_SPI_AB" tx_packets) &&
	rx=$(esp_sa_stat "$b" esp0 in "$ESP_SPI_AB" rx_packets) &&
	full=$(esp_sa_stat "$b" esp0 in "$ESP_SPI_AB" rx_queue_full) &&
	busy=$(esp_sa_stat "$b" esp0 in "$ESP_SPI_AB" rx_crypto_busy) || return 1
	echo "$tx $((rx + full + busy))"
}

# accounted: since COUNTS0 (taken with the plug in place, so that nothing
# of the earlier transfer is in the way: a packet sent while the qdisc was
# being replaced is dropped by the stack, not by espvti), every ESP packet
# a sent reached b's counters once: delivered, or dropped before
# decryption for a full crypto queue or (a whole burst charged at once)
# beyond the in-flight bound.
accounted() {
	local now tx0 got0 tx got
	now=$(counts) || return 1
	read -r tx0 got0 <<<"$COUNTS0"
	read -r tx got <<<"$now"
	echo "a sent $((tx - tx0)); b counted $((got - got0)) (rx_packets + rx_queue_full + rx_crypto_busy)"
	[ $((got - got0)) = $((tx - tx0)) ] && return 0
	esp_show_json "$b" esp0 | jq -c '.. | objects | select(has("rx_packets"))
		| with_entries(select(.value != 0))'
	# Drops without a named counter (out of memory, unexpected crypto
	# errors) are only in the device's rx_dropped, beside rx_queue_full.
	echo "b: esp0 rx_dropped $(sysfs "$b" esp0 rx_dropped); a: esp0 tx_dropped" \
		"$(sysfs "$a" esp0 tx_dropped)"
	ns_exec "$b" nstat -az IpInDiscards IpInHdrErrors IpInReceives 2>/dev/null | tail -n +2
	ip -n "$a" -s neigh show dev va
	cat /proc/net/stat/arp_cache
	ip -n "$a" -s -s link show va
	cat /proc/net/softnet_stat
	return 1
}

ktap_plan 13
[ "$(nproc)" -ge 2 ] || ktap_skip_all "one CPU online: the parallel path needs two (vmtest -c 2)"
esp_require_tools jq python3 tcpdump socat tc
check "queue_len=3 refused at load" \
	eval '! insmod "$(espvti_ko)" queue_len=3 2>/dev/null && [ ! -d /sys/module/espvti ]'
espvti_load queue_len=4 parallel=1
check "queue_len=4 set, and read-only once loaded" \
	eval '[ "$(cat $PARAMS/queue_len)" = 4 ] && ! echo 8 >$PARAMS/queue_len 2>/dev/null'
esp_topo
# Each side's neighbour entry for the other, permanent: while the plug
# qdisc holds va, an ARP request would wait behind the burst, and the
# burst's packets would wait in the neighbour's queue (unres_qlen_bytes),
# where the oldest are dropped without any counter of espvti's; in a guest
# slow enough for the entry to have gone stale and been dropped, that loses
# packets a counted as sent (check 12).
for i in 0 1; do
	ip -n "${ESP_NS[$i]}" neigh replace "${ESP_O4[$((1 - i))]}" dev "${ESP_UL[$i]}" nud permanent \
		lladdr "$(ip -n "${ESP_NS[$((1 - i))]}" -j link show "${ESP_UL[$((1 - i))]}" | jq -r '.[0].address')" ||
		ktap_bail "cannot set the permanent neighbour entries"
done
esp_keying gcm128 0
check "espvti pair (outer IPv4), ping through the tunnel" \
	eval 'esp_espvti_pair 4 && esp_ping "$a" "${ESP_I4[1]}"'

ip netns exec "$a" tcpdump -i va -s 96 -B 16384 -U --immediate-mode -w "$ESP_TMP/wire.pcap" \
	esp >/dev/null 2>"$ESP_TMP/tcpdump.log" &
CAP_PID=$!
wait_for 10 grep -q listening "$ESP_TMP/tcpdump.log" || ktap_bail "tcpdump did not start"

check "TCP 8 MiB a -> b arrives intact through full queues" \
	esp_tcp "$a" "$b" "${ESP_I4[1]}" $((8 << 20)) 300
full=$(esp_dev_stat "$a" esp0 tx_queue_full)
ktap_diag "a: tx_queue_full $full, tx_packets $(esp_dev_stat "$a" esp0 tx_packets)"
check "a: tx_queue_full counted packets beyond the queues" esp_ge "${full:-0}" 1
check "a: ip -s link tx dropped includes tx_queue_full" \
	eval 'esp_ge "$(sysfs "$a" esp0 tx_dropped)" "$full"'
sleep 1
kill -INT "$CAP_PID"
wait "$CAP_PID" 2>/dev/null
CAP_PID=
check "wire: SA a->b still in sequence order (gaps allowed)" \
	python3 "$ESPSEQ" "$ESP_TMP/wire.pcap" --spi "$ESP_SPI_AB"

check "plug qdisc on va" tc -n "$a" qdisc add dev va root plug limit 100000000
tc -n "$a" qdisc change dev va root plug release_indefinite
wait_for 10 esp_inflight_is "$a" 0 && wait_for 10 esp_inflight_is "$b" 0
COUNTS0=$(counts)
b_full0=$(esp_dev_stat "$b" esp0 rx_queue_full)
check "$ROUNDS bursts of $BURST datagrams: those delivered arrive in order" udp_bursts
rfull=$(esp_dev_stat "$b" esp0 rx_queue_full)
ktap_diag "b: rx_queue_full $b_full0 -> $rfull, rx_packets $(esp_dev_stat "$b" esp0 rx_packets)"
check "b: rx_queue_full counted packets beyond the queues, none as ICV failures" \
	eval 'esp_ge "${rfull:-0}" $((b_full0 + 1)) &&
	      [ "$(esp_dev_stat "$b" esp0 rx_auth_fail)" = 0 ]'
check "b: ip -s link rx dropped includes rx_queue_full" \
	eval 'esp_ge "$(sysfs "$b" esp0 rx_dropped)" "$rfull"'
check "every ESP packet a sent in the bursts counted once by b: rx_packets + rx_queue_full + rx_crypto_busy" \
	eval 'wait_for 10 accounted || accounted'
tc -n "$a" qdisc del dev va root
check "nothing in flight on either side; ping through the tunnel" \
	eval 'wait_for 30 esp_inflight_is "$a" 0 && wait_for 30 esp_inflight_is "$b" 0 &&
	      esp_ping "$a" "${ESP_I4[1]}"'
ktap_finish
