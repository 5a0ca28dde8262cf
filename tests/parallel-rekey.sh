#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# parallel-rekey: a rekey on the parallel path loses no packet. With two
# CPUs online, numbered UDP datagrams (tests/tools/udpseq.py) flow both
# ways at a steady rate through the crypto workers while both sides rekey
# by hand ROUNDS times, make-before-break as an IKE daemon does it: the new
# inbound SAs first, then the new outbound SAs (packets already queued keep
# the SA they were built with), then, once each new inbound SA has
# received, the old inbound SAs are deleted. Checked:
#   - every rekey happened while the datagrams were flowing (the senders
#     stop only once the last round's SAs have carried datagrams too);
#   - every datagram sent arrived, once and in order, on both sides;
#   - nothing refused or dropped on the way: rx_no_sa, rx_replay,
#     rx_auth_fail, rx_queue_full and tx_queue_full stay 0 on both sides;
#   - the datagrams went through the workers (tx_parallel, rx_parallel);
#   - each side holds only the last round's SAs.
#
#   netns $a (side 0)                              netns $b (side 1)
#   +---------------------------+                  +---------------------------+
#   | esp0 (espvti) 10.99.0.1   |  ESP, both ways  | esp0 (espvti) 10.99.0.2   |
#   |   udpseq send -> / recv   |<================>|   udpseq recv / <- send   |
#   |   SA out AB(r), in BA(r)  |  rekeyed ROUNDS  |   SA in AB(r), out BA(r)  |
#   | va 192.0.2.1              +==================+ vb 192.0.2.2              |
#   +---------------------------+      veth        +---------------------------+
#
# vmtest-cpus: 2
# vmtest-timeout: 420
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

UDPSEQ=$REPO/tests/tools/udpseq.py
ROUNDS=3
RATE=500		# datagrams per second, each way
COUNT=500000		# at most, each way: the senders stop when told (STOP)
# The receivers end 5 s after the last datagram; this bound only catches a
# receiver that never hears one. It must outlast the whole flow, which on
# a debug kernel (KASAN, lockdep) takes several times the 120 s or so it
# takes here: a receiver that gave up at 240 s there missed the tail of the
# datagrams the tunnel had delivered. The test's own time-out (vmtest,
# scaled for slow kernels) bounds the rest.
RECV_TIMEOUT=3000
STOP=			# the senders stop once this file exists
DROPS=(rx_no_sa rx_replay rx_auth_fail rx_queue_full tx_queue_full)
SENDERS=()		# udpseq send, by the side it sends to
RECV_PID=()		# udpseq recv, by side

test_cleanup() {
	[ -n "$STOP" ] && touch "$STOP"
	esp_cleanup
}

# add_in NS SPI KEY / add_out NS SPI KEY / del_in NS SPI: SA changes on esp0.
add_in() {
	ns_exec "$1" "$ESPCTL" sa add esp0 dir in spi "$2" aead "$ESP_ALG" "$3" "$ESP_ICV" \
		replay-window 128
}
add_out() {
	ns_exec "$1" "$ESPCTL" sa add esp0 dir out spi "$2" aead "$ESP_ALG" "$3" "$ESP_ICV"
}
del_in() {
	ns_exec "$1" "$ESPCTL" sa del esp0 dir in spi "$2"
}

# fresh_spi SPI...: an SPI none of SPI... is.
fresh_spi() {
	local s x
	while :; do
		s=$(esp_spi)
		for x in "$@"; do [ "$(($x))" = "$((s))" ] && continue 2; done
		echo "$s"
		return
	done
}

# flows_start: receivers on both sides, then the paced senders.
flows_start() {
	local side ns dst port
	for side in 0 1; do
		ns=${ESP_NS[$side]} port=$((41000 + side))
		rm -f "$ESP_TMP/ready$side"
		esp_bg ns_exec "$ns" python3 "$UDPSEQ" recv --bind "${ESP_I4[$side]}" --port "$port" \
			--ready "$ESP_TMP/ready$side" --idle 5 --timeout "$RECV_TIMEOUT" >"$ESP_TMP/recv$side" 2>&1
		RECV_PID[side]=$ESP_BG_PID
	done
	wait_for 30 test -e "$ESP_TMP/ready0" -a -e "$ESP_TMP/ready1" ||
		{ echo "receivers never bound"; return 1; }
	for side in 0 1; do
		ns=${ESP_NS[$((1 - side))]} dst=${ESP_I4[$side]} port=$((41000 + side))
		esp_bg ns_exec "$ns" python3 "$UDPSEQ" send --to "$dst" --port "$port" \
			--count "$COUNT" --rate "$RATE" --stop-file "$STOP" >"$ESP_TMP/send$side" 2>&1
		SENDERS[side]=$ESP_BG_PID
	done
	wait_until 60 eval 'esp_sa_rx_ge "$b" "$ESP_SPI_AB" 100 && esp_sa_rx_ge "$a" "$ESP_SPI_BA" 100' ||
		{ echo "the datagrams do not flow through the tunnel"; return 1; }
}

# rekey R: round R, both directions, make-before-break.
rekey() {
	local ab ba kab kba
	ab=$(fresh_spi "$ESP_SPI_AB" "$ESP_SPI_BA")
	ba=$(fresh_spi "$ESP_SPI_AB" "$ESP_SPI_BA" "$ab")
	kab=$(esp_hex 20) kba=$(esp_hex 20)
	add_in "$b" "$ab" "$kab" && add_in "$a" "$ba" "$kba" || { echo "round $1: sa add in"; return 1; }
	add_out "$a" "$ab" "$kab" && add_out "$b" "$ba" "$kba" || { echo "round $1: sa add out"; return 1; }
	wait_until 60 eval 'esp_sa_rx_ge "$b" "$ab" 50 && esp_sa_rx_ge "$a" "$ba" 50' ||
		{ echo "round $1: the new SAs carry nothing"; return 1; }
	del_in "$b" "$ESP_SPI_AB" && del_in "$a" "$ESP_SPI_BA" || { echo "round $1: sa del in"; return 1; }
	echo "round $1: a->b $ESP_SPI_AB -> $ab, b->a $ESP_SPI_BA -> $ba"
	ESP_SPI_AB=$ab ESP_SPI_BA=$ba
}

# rekeys: ROUNDS rounds, all while both senders run; once the last round's
# SAs carried 200 more datagrams each way, the senders are told to stop.
rekeys() {
	local r rx_ab rx_ba
	for ((r = 1; r <= ROUNDS; r++)); do
		kill -0 "${SENDERS[0]}" 2>/dev/null && kill -0 "${SENDERS[1]}" 2>/dev/null ||
			{ echo "round $r: a sender stopped"; return 1; }
		rekey "$r" || return 1
	done
	rx_ab=$(esp_sa_stat "$b" esp0 in "$ESP_SPI_AB" rx_packets) &&
		rx_ba=$(esp_sa_stat "$a" esp0 in "$ESP_SPI_BA" rx_packets) || return 1
	wait_until 60 eval 'esp_sa_rx_ge "$b" "$ESP_SPI_AB" $((rx_ab + 200)) &&
		esp_sa_rx_ge "$a" "$ESP_SPI_BA" $((rx_ba + 200))' ||
		{ echo "the last SAs stopped carrying datagrams"; return 1; }
	touch "$STOP"
}

# all_arrived SIDE: the datagrams sent to SIDE all arrived there, once and
# in order.
all_arrived() {
	local sent errors got ooo rep
	wait "${SENDERS[$1]}" 2>/dev/null
	wait "${RECV_PID[$1]}" 2>/dev/null
	cat "$ESP_TMP/send$1" "$ESP_TMP/recv$1"
	read -r sent errors < <(grep '^{' "$ESP_TMP/send$1" | tail -n 1 |
		jq -r '"\(.sent // -1) \(.errors // -1)"')
	read -r got ooo rep < <(grep '^{' "$ESP_TMP/recv$1" | tail -n 1 |
		jq -r '"\(.received // -1) \(.out_of_order // -1) \(.repeated // -1)"')
	[ "$sent" -gt 0 ] && [ "$errors" = 0 ] && [ "$got" = "$sent" ] &&
		[ "$ooo" = 0 ] && [ "$rep" = 0 ]
}

# no_drops NS: none of DROPS counted on esp0 in NS; every packet went
# through the workers (tx_parallel = tx_packets, rx_parallel = rx_packets,
# from one espctl show: the traffic has stopped).
no_drops() {
	local k v rc=0 j tp tx rp rx
	j=$(esp_show_json "$1" esp0) || return 1
	for k in "${DROPS[@]}"; do
		v=$(jq -r --arg k "$k" "$ESP_JQ_DEFS"' devices | select(.ifname == "esp0") | .stats[$k]' <<<"$j")
		[ "$v" = 0 ] || { echo "$1: $k $v"; rc=1; }
	done
	v=$(jq -r "$ESP_JQ_DEFS"' devices | select(.ifname == "esp0") | .stats
		| "\(.tx_parallel) \(.tx_packets) \(.rx_parallel) \(.rx_packets)"' <<<"$j")
	echo "$1: tx_parallel tx_packets rx_parallel rx_packets: $v"
	read -r tp tx rp rx <<<"$v"
	if ! { [ "$tp" = "$tx" ] && [ "$rp" = "$rx" ] && [ "$tx" -gt 0 ] && [ "$rx" -gt 0 ]; }; then
		# Which other counters moved, and whether the counts still move.
		jq -c "$ESP_JQ_DEFS"' devices | select(.ifname == "esp0") | .stats
			| with_entries(select(.value != 0))' <<<"$j"
		sleep 2
		esp_show_json "$1" esp0 | jq -r "$ESP_JQ_DEFS"' devices | select(.ifname == "esp0")
			| .stats | "2 s later: \(.tx_parallel) \(.tx_packets) \(.rx_parallel) \(.rx_packets)"'
		rc=1
	fi
	return "$rc"
}

# last_sas NS IN OUT: esp0 in NS lists exactly inbound SA IN and outbound OUT.
last_sas() {
	local got
	got=$(esp_show_json "$1" esp0 | jq -r "$ESP_JQ_DEFS"'
		[devices | select(.ifname == "esp0") | .sas[]? | "\(.dir) \(.spi | spinum)"]
		| sort | join(",")') || return 1
	[ "$got" = "in $(($2)),out $(($3))" ] || { echo "$1 lists $got"; return 1; }
}

ktap_plan 8
[ "$(nproc)" -ge 2 ] || ktap_skip_all "one CPU online: the parallel path needs two (vmtest -c 2)"
espvti_load parallel=1	# the default, whatever ESPVTI_TEST_PARALLEL says
esp_require_tools jq python3
esp_topo
esp_keying gcm128 0
STOP=$ESP_TMP/stop
check "espvti pair (outer IPv4), ping through the tunnel" \
	eval 'esp_espvti_pair 4 && esp_ping "$a" "${ESP_I4[1]}"'
check_here "numbered UDP datagrams both ways, $RATE a second each" flows_start ||
	ktap_bail "no traffic to rekey under"
# check_here: rekeys sets ESP_SPI_AB/BA, all_arrived waits for this shell's jobs.
check_here "$ROUNDS rekeys of both directions under the traffic" rekeys
touch "$STOP"	# whatever became of the rekeys
check_here "a -> b: every datagram sent arrived, once and in order" all_arrived 1
check_here "b -> a: every datagram sent arrived, once and in order" all_arrived 0
check "a: nothing refused or dropped, all through the workers" no_drops "$a"
check "b: nothing refused or dropped, all through the workers" no_drops "$b"
check "each side holds only the last round's SAs" \
	eval 'last_sas "$a" "$ESP_SPI_BA" "$ESP_SPI_AB" && last_sas "$b" "$ESP_SPI_AB" "$ESP_SPI_BA"'
ktap_finish
