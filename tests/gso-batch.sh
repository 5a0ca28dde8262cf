#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# gso-batch: the transmit path handles a GSO packet once (selectors, route,
# path MTU, SA reference, a block of sequence numbers) and then encrypts its
# segments one by one. Checked from the outside:
#   - esp0 is handed packets larger than its MTU (the stack uses GSO), and
#     what leaves va is ESP packets that fit, every one of the data SPI with
#     its own sequence number, consecutive with none repeated, and the SA
#     has sent a packet for every number it used; the data arrives intact;
#   - with the underlay's MTU lowered, the path MTU check of a whole GSO
#     packet (UDP GSO with DF, tests/tools/udp-gso-send.py) refuses it with
#     one count per segment (tx_too_big) and answers the sender; TCP still
#     gets its data through in segments that fit;
#   - an outbound SA started 20 numbers before the end of the 32-bit space
#     sends exactly the numbers that are left, up to 0xffffffff, never
#     wraps, and counts the rest as tx_seq_exhausted (a GSO batch meeting
#     the end gets what remains).
#
#   netns $a (sender)                              netns $b (receiver)
#   +---------------------------+                  +---------------------------+
#   | esp0 (espvti) 10.99.0.1   |  ESP, tunnel     | esp0 (espvti) 10.99.0.2   |
#   |   tcpdump: inner packets  |                  |   socat: TCP listener     |
#   |   socat: TCP sender ------|----------------->|                           |
#   | va 192.0.2.1              +==================+ vb 192.0.2.2              |
#   |   tcpdump: ESP leaving va |      veth        |                           |
#   +---------------------------+                  +---------------------------+
#
# vmtest-timeout: 420
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

CAP_PIDS=()
CAP_FILES=()

test_cleanup() {
	local p
	for p in "${CAP_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	esp_cleanup
}

# capture NAME DEV FILTER: starts tcpdump on DEV in $a, writing
# $ESP_TMP/NAME.pcap; waits until it listens. --immediate-mode: without it
# libpcap hands packets over in ring blocks that are only given to tcpdump
# when full or after a timeout, and the few large packets esp0 sees can sit
# in an unretired block when the capture is stopped (an empty file).
capture() {
	CAP_FILES+=("$ESP_TMP/$1.pcap")
	ip netns exec "$a" tcpdump -i "$2" -s 96 -B 8192 -U --immediate-mode \
		-w "$ESP_TMP/$1.pcap" ${3:+"$3"} >/dev/null 2>"$ESP_TMP/$1.log" &
	CAP_PIDS+=($!)
	wait_for 10 grep -q listening "$ESP_TMP/$1.log"
}

# captures_settled: no capture file grew over the last five calls (half a
# second under wait_for: tcpdump has written out what the kernel queued).
captures_settled() {
	local now
	now=$(stat -c %s "${CAP_FILES[@]}" 2>/dev/null | tr '\n' ' ')
	if [ "$now" = "${CAP_SIZES:-}" ]; then
		CAP_SAME=$((CAP_SAME + 1))
	else
		CAP_SIZES=$now CAP_SAME=0
	fi
	[ "$CAP_SAME" -ge 5 ]
}

# capture_stop: waits (bounded) until the captures have written what they
# were handed, then stops every capture and waits for the files to be
# complete.
capture_stop() {
	local p
	CAP_SIZES='' CAP_SAME=0
	wait_for 20 captures_settled || ktap_diag "captures still growing after 20 s"
	for p in "${CAP_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	CAP_PIDS=() CAP_FILES=()
}

# max_len PCAP: the largest original length of a packet in PCAP.
max_len() {
	python3 - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
e = '<' if d[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
off, m = 24, 0
while off + 16 <= len(d):
    _, _, incl, orig = struct.unpack(e + 'IIII', d[off:off + 16])
    m = max(m, orig)
    off += 16 + incl
print(m)
EOF
}

# seqs PCAP SPI: for the ESP packets of SPI in PCAP prints
# "COUNT FIRST LAST REPEATED MISSING MAXLEN": how many, the lowest and
# highest sequence number, how many numbers were seen twice, how many
# between FIRST and LAST were never seen, the largest packet.
seqs() {
	tcpdump -r "$1" -n -v 2>/dev/null | python3 -c '
import re, sys
spi = int(sys.argv[1], 0)
seen, rep, n, mx, length = set(), 0, 0, 0, 0
for line in sys.stdin:
    m = re.search(r"length (\d+)\)", line)
    if m:
        length = int(m.group(1))
    m = re.search(r"ESP\(spi=(0x[0-9a-f]+),seq=(0x[0-9a-f]+)\)", line)
    if not m or int(m.group(1), 16) != spi:
        continue
    s = int(m.group(2), 16)
    n += 1
    rep += s in seen
    seen.add(s)
    mx = max(mx, length)
lo, hi = (min(seen), max(seen)) if seen else (0, 0)
print(n, lo, hi, rep, (hi - lo + 1 - len(seen)) if seen else 0, mx)' "$2"
}

# sa_seq_is_sent NS SPI: the outbound SA SPI of esp0 in NS has sent as many
# packets as the sequence numbers it has used (it started at 0).
sa_seq_is_sent() {
	local j
	j=$(esp_show_json "$1" esp0 | jq -c --argjson spi "$(($2))" "$ESP_JQ_DEFS"'
		devices | .sas[]? | select(.dir == "out" and (.spi | spinum) == $spi)
		| [.seq, .stats.tx_packets]')
	echo "SA $2: [seq, tx_packets] = $j"
	jq -e '.[0] == .[1] and .[0] > 0' <<<"$j" >/dev/null
}

# run_tcp NAME BYTES: sends BYTES over TCP from $a to $b through esp0
# while capturing ESP on va (NAME-wire.pcap) and the inner packets on esp0
# in $a (NAME-inner.pcap).
run_tcp() {
	capture "$1-wire" va esp || return 1
	capture "$1-inner" esp0 "" || return 1
	esp_tcp "$a" "$b" "${ESP_I4[1]}" "$2" 240
	local rc=$?
	capture_stop
	return "$rc"
}

esp_require_tools tcpdump socat jq python3
ktap_plan 12
espvti_load
esp_topo
esp_keying gcm128 0
esp_espvti_pair 4 || ktap_bail "cannot bring the tunnel up"
esp_ping "$a" "${ESP_I4[1]}" || ktap_bail "no ping through the tunnel"
MTU=$(ip -n "$a" -j link show esp0 | jq '.[0].mtu')

# 1. GSO packets in, one ESP packet per segment out, consecutive numbers.
check "8 MiB over TCP arrive intact" run_tcp gso $((8 << 20))
inner=$(max_len "$ESP_TMP/gso-inner.pcap")
ktap_diag "largest inner packet handed to esp0: $inner bytes (MTU $MTU)"
# shellcheck disable=SC2016 # expanded by eval
check "esp0 was handed GSO packets (larger than its MTU $MTU)" eval '[ "$inner" -gt "$MTU" ]'
read -r n lo hi rep miss mx < <(seqs "$ESP_TMP/gso-wire.pcap" "$ESP_SPI_AB")
ktap_diag "SPI $ESP_SPI_AB on va: $n packets, seq $lo..$hi, $rep repeated, $miss missing, largest $mx"
# shellcheck disable=SC2016 # expanded by eval
check "every ESP packet has its own sequence number, consecutive, none repeated" \
	eval '[ "$n" -gt 1000 ] && [ "$rep" = 0 ] && [ "$miss" = 0 ]'
check "no sequence number was taken without a packet (SA seq = tx_packets)" \
	wait_for 10 sa_seq_is_sent "$a" "$ESP_SPI_AB"
check "nothing was dropped as too big or failed to leave (tx_too_big, tx_errors)" \
	eval '[ "$(esp_dev_stat "$a" esp0 tx_too_big)" = 0 ] && [ "$(esp_dev_stat "$a" esp0 tx_errors)" = 0 ]'
check "the receiver's ICV checks all passed" \
	eval '[ "$(esp_dev_stat "$b" esp0 rx_auth_fail)" = 0 ]'

# 2. Path MTU of whole GSO packets. With the underlay lowered to 1300, a
# UDP GSO send of 10 x 1300 bytes with DF (segments that fit esp0's MTU but
# not the path) is refused as a whole: 10 packets counted as tx_too_big,
# the sender told the path MTU. TCP then still gets its data through.
too_big0=$(esp_dev_stat "$a" esp0 tx_too_big)
errors0=$(esp_dev_stat "$a" esp0 tx_errors)
# Pinned (set by hand, to a value of its own: setting the current one is
# a no-op), so that it stays above what the lowered path carries.
ip -n "$a" link set esp0 mtu 1400
ip -n "$a" link set va mtu 1300
ip -n "$b" link set vb mtu 1300
check "a UDP GSO send of 10 x 1300 bytes with DF leaves the socket" \
	ns_exec "$a" python3 "$REPO/tests/tools/udp-gso-send.py" "${ESP_I4[1]}" 1300 10
too_big=$(esp_dev_stat "$a" esp0 tx_too_big)
ktap_diag "tx_too_big $too_big0 -> $too_big"
# shellcheck disable=SC2016 # expanded by eval
check "its 10 segments are refused together as too big for the path" \
	eval '[ "$too_big" = $((too_big0 + 10)) ]'
check "with the underlay at MTU 1300, 4 MiB over TCP arrive intact" run_tcp pmtu $((4 << 20))
errors=$(esp_dev_stat "$a" esp0 tx_errors)
read -r n lo hi rep miss mx < <(seqs "$ESP_TMP/pmtu-wire.pcap" "$ESP_SPI_AB")
ktap_diag "tx_errors $errors0 -> $errors; SPI $ESP_SPI_AB on va: $n packets, largest $mx bytes"
# shellcheck disable=SC2016 # expanded by eval
check "no ESP packet was too big for the underlay (tx_errors unchanged, all within 1300)" \
	eval '[ "$errors" = "$errors0" ] && [ "$n" -gt 100 ] && [ "$mx" -le 1300 ]'

# 3. The end of the sequence number space, met by GSO batches.
SPI2=$(esp_spi)
while [ "$SPI2" = "$ESP_SPI_AB" ] || [ "$SPI2" = "$ESP_SPI_BA" ]; do SPI2=$(esp_spi); done
KEY2=$(esp_hex 20)
ns_exec "$b" "$ESPCTL" sa add esp0 dir in spi "$SPI2" aead "$ESP_ALG" "$KEY2" 128 \
	replay-window 32 || ktap_bail "cannot add the inbound SA $SPI2"
# Capturing before the outbound SA exists: a late packet of the previous
# transfer (an ACK, a retransmission) may take its first number at once.
capture end-wire va esp || ktap_bail "no capture"
ns_exec "$a" "$ESPCTL" sa add esp0 dir out spi "$SPI2" aead "$ESP_ALG" "$KEY2" 128 \
	seq $((0xffffffff - 20)) || ktap_bail "cannot add the outbound SA $SPI2"
# The transfer cannot finish: the SA runs out after 20 packets.
esp_tcp "$a" "$b" "${ESP_I4[1]}" $((1 << 20)) 15 >/dev/null 2>&1 &
TCP_PID=$!
check "the outbound SA runs out of sequence numbers (tx_seq_exhausted)" \
	wait_for 30 eval '[ "$(esp_dev_stat "$a" esp0 tx_seq_exhausted)" -gt 0 ]'
wait "$TCP_PID" 2>/dev/null
capture_stop
read -r n lo hi rep miss mx < <(seqs "$ESP_TMP/end-wire.pcap" "$SPI2")
sent=$(esp_sa_stat "$a" esp0 out "$SPI2" tx_packets)
ktap_diag "SPI $SPI2 on va: $n packets, seq $lo..$hi, $rep repeated, $miss missing; SA tx_packets $sent"
# shellcheck disable=SC2016 # expanded by eval
check "it sent exactly the 20 numbers left, up to 0xffffffff, and never wrapped" \
	eval '[ "$n" = 20 ] && [ "$sent" = 20 ] && [ "$lo" = $((0xffffffff - 19)) ] && [ "$hi" = $((0xffffffff)) ] && [ "$rep" = 0 ] && [ "$miss" = 0 ]'

esp_side_down 0
esp_side_down 1
ktap_finish
