#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# sa-reserve: reserved inbound SPIs (ESPVTI_CMD_SA_RESERVE, `espctl sa
# reserve`). ESP for a reserved SPI that arrives before its SA is held, and
# goes through the SA in order once it is added; ESP for an SPI nobody
# reserved is still dropped at once (rx_no_sa); what a reservation holds is
# bounded in packets (rx_hold_full) and time (rx_hold_expired), only packets
# from the device's remote address are held, and nothing held is trusted
# before its ICV verifies. Packets are crafted by tests/tools/espcraft.py
# with the SAs' keys and sent from $a, raw or in UDP.
#
#   netns $a (sender)                               netns $b (receiver)
#   +---------------------------+                   +------------------------------+
#   | espcraft.py send/flood    |  crafted ESP      | esp0 (espvti) 10.99.0.2      |
#   |   raw IPPROTO_ESP, or     |------------------>|   remote 192.0.2.1           |
#   |   UDP 4500 -> 4500        |                   |   sa reserve / sa add ...    |
#   |                           |                   | esp1 (espvti), no endpoint   |
#   | va 192.0.2.1, 192.0.2.3   +===================+ vb 192.0.2.2                 |
#   +---------------------------+       veth        | socat: UDP 10.99.0.2:5555    |
#                                                   +------------------------------+
#
# vmtest-timeout: 600
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

CRAFT=$REPO/tests/tools/espcraft.py
GENL=$REPO/tests/tools/genl-raw.py
ALG='rfc4106(gcm(aes))'
RX_COUNTERS=(rx_packets rx_no_sa rx_auth_fail rx_replay rx_held rx_hold_full
	rx_hold_expired)

test_cleanup() {
	esp_cleanup
}

# craft SPI KEY SEQ [ESPCRAFT OPTIONS...]: one ESP packet from $a to $b
# carrying the UDP datagram "mark-SPI-SEQ".
craft() {
	local spi=$1 key=$2 seq=$3
	shift 3
	esp_craft send --dst "${ESP_O4[1]}" --spi "$spi" --key "$key" \
		--seq "$seq" --isrc "${ESP_I4[0]}" --idst "${ESP_I4[1]}" --dport 5555 \
		--data "mark-$spi-$seq"$'\n' "$@"
}

# craft_seqs SPI KEY FIRST LAST [ESPCRAFT OPTIONS...]: packets FIRST..LAST,
# from one process.
craft_seqs() {
	local spi=$1 key=$2 first=$3 last=$4
	shift 4
	esp_craft send --dst "${ESP_O4[1]}" --spi "$spi" --key "$key" \
		--seq "$first" --count $((last - first + 1)) --isrc "${ESP_I4[0]}" \
		--idst "${ESP_I4[1]}" --dport 5555 --data "mark-$spi-{seq}"$'\n' "$@"
}

# marks SPI FIRST LAST: the datagrams SPI-FIRST..LAST were each received
# once, in this order.
marks_in_order() {
	local want got s m_spi=$1 m_n=$(($3 - $2 + 1))
	want=$(for ((s = $2; s <= $3; s++)); do echo "mark-$1-$s"; done)
	# shellcheck disable=SC2016 # evaluated by wait_for
	wait_for 10 eval '[ "$(grep -c "^mark-$m_spi-" "$RECV")" -ge "$m_n" ]'
	got=$(grep "^mark-$1-" "$RECV")
	[ "$got" = "$want" ] || { echo "received:"; echo "$got"; echo "expected:"; echo "$want"; return 1; }
}

# no_mark SPI SEQ: the datagram SPI-SEQ never arrived.
no_mark() {
	! grep -qx "mark-$1-$2" "$RECV" || { echo "mark-$1-$2 was delivered"; return 1; }
}

field() { esp_dev_field "$b" esp0 "$1"; }

# held_is N: esp0 in $b holds N packets for its reserved SPIs.
held_is() { [ "$(field reserved_held)" = "$1" ]; }
reserved_is() { [ "$(field sa_count_reserved)" = "$1" ]; }

# wait_held N: waits until esp0 holds N packets, printing what it holds.
wait_held() {
	wait_for 10 held_is "$1" || { echo "held: $(field reserved_held), expected $1"; return 1; }
}

add_in() {
	ns_exec "$b" "$ESPCTL" sa add "${2:-esp0}" dir in spi "$1" aead "$ALG" "$KEY" 128 \
		replay-window 128
}

# reserve SPI [time MS]: reserves SPI on esp0 in $b, for a minute unless
# told: the emulator can take seconds to start each sender.
reserve() {
	local t=(time 60000)
	[ $# -gt 1 ] && t=()
	ns_exec "$b" "$ESPCTL" sa reserve esp0 spi "$@" "${t[@]}"
}

# refused MESSAGE CMD...: CMD fails and prints MESSAGE.
refused() {
	local msg=$1 out
	shift
	if out=$("$@" 2>&1); then echo "accepted: $*"; return 1; fi
	grep -qF -- "$msg" <<<"$out" || { echo "expected '$msg' in: $out"; return 1; }
}

setup() {
	ip -n "$b" link add esp0 type espvti || return 1
	ns_exec "$b" sysctl -qw net.ipv6.conf.esp0.disable_ipv6=1 || return 1
	esp_crypto_opt "$b" esp0 || return 1
	ns_exec "$b" "$ESPCTL" set esp0 local "${ESP_O4[1]}" remote "${ESP_O4[0]}" || return 1
	ip -n "$b" addr add "${ESP_I4[1]}/24" dev esp0 || return 1
	ip -n "$b" link set esp0 up || return 1
	# UDP encapsulation on: ESP arrives both raw and in UDP port 4500.
	ns_exec "$b" "$ESPCTL" set esp0 encap udp keepalive 0 || return 1
	ip -n "$b" link add esp1 type espvti || return 1
	ip -n "$a" addr add 192.0.2.3/24 dev va || return 1
	: >"$RECV"
	esp_bg ns_exec "$b" socat -u "UDP4-RECV:5555,bind=${ESP_I4[1]}" "OPEN:$RECV,append" \
		>"$ESP_TMP/socat.log" 2>&1
	# shellcheck disable=SC2016 # evaluated by wait_for
	wait_for 20 eval 'ns_exec "$b" ss -Hlun "sport = :5555" | grep -q .'
}

# A fresh SPI for each case.
spi() { printf '0x%08x' $((0x10000 + $1)); }
S_NONE=$(spi 1) S_HOLD=$(spi 2) S_FULL=$(spi 3) S_EXP=$(spi 4) S_DEL=$(spi 5)
S_FROM=$(spi 6) S_UDP=$(spi 7) S_OTHER=$(spi 8) S_TOTAL=$(spi 9)
TOTAL=/sys/module/espvti/parameters/reserve_max_bytes_total

# 1: unreserved SPI, no SA: dropped at once, not held: in UDP counted as
# rx_no_sa; raw ESP is left to the rest of the kernel's ESP handlers (none
# here: the IP layer drops it).
case_unreserved() {
	craft_seqs "$S_NONE" "$KEY" 1 2 --udp && craft_seqs "$S_NONE" "$KEY" 3 4 &&
		no_mark "$S_NONE" 1 && no_mark "$S_NONE" 3 && held_is 0
}

# 2: held while reserved, delivered in order once the SA is added.
case_hold() {
	reserve "$S_HOLD" || return 1
	reserved_is 1 || return 1
	craft_seqs "$S_HOLD" "$KEY" 1 5 || return 1
	wait_held 5 || return 1
	no_mark "$S_HOLD" 1 || return 1
	add_in "$S_HOLD" || return 1
	marks_in_order "$S_HOLD" 1 5 && held_is 0 && reserved_is 0
}

# 3: once added, packets go straight to the SA.
case_after() {
	craft "$S_HOLD" "$KEY" 6 && marks_in_order "$S_HOLD" 1 6
}

# 4: 70 forged packets: 64 held, 6 dropped; when the SA comes, the 64 fail
# their ICV (nothing held is trusted); the reservation then delivers a real one.
case_full() {
	reserve "$S_FULL" || return 1
	ns_exec "$a" python3 "$CRAFT" flood --dst "${ESP_O4[1]}" --spi "$S_FULL" --seq 1 \
		--count 70 || return 1
	wait_held 64 || return 1
	add_in "$S_FULL" || return 1
	craft "$S_FULL" "$KEY" 100 && marks_in_order "$S_FULL" 100 100
}

# 5: a reservation that runs out: held packets are dropped, and it no longer
# counts; the SA added later gets none of them. (Reserved for a minute while
# the packets come, then again for 100 ms, which restarts its time.)
case_expire() {
	reserve "$S_EXP" || return 1
	craft_seqs "$S_EXP" "$KEY" 1 2 && wait_held 2 || return 1
	reserve "$S_EXP" time 100 || return 1
	wait_for 10 eval 'held_is 0 && reserved_is 0' || return 1
	add_in "$S_EXP" || return 1
	craft "$S_EXP" "$KEY" 3 && marks_in_order "$S_EXP" 3 3 && no_mark "$S_EXP" 1
}

# 6: released with `sa del`: its packet is dropped; a second del finds nothing.
case_del() {
	reserve "$S_DEL" || return 1
	craft "$S_DEL" "$KEY" 1 && wait_held 1 || return 1
	ns_exec "$b" "$ESPCTL" sa del esp0 dir in spi "$S_DEL" || return 1
	held_is 0 && reserved_is 0 || return 1
	refused "the device has no SA with this direction and SPI" \
		ns_exec "$b" "$ESPCTL" sa del esp0 dir in spi "$S_DEL"
}

# 7: a reserved SPI from another source address than the device's remote:
# not held (left to the kernel's ESP); from the remote it is.
case_from() {
	reserve "$S_FROM" || return 1
	craft "$S_FROM" "$KEY" 1 --src 192.0.2.3 || return 1
	craft "$S_FROM" "$KEY" 2 && wait_held 1 || return 1
	add_in "$S_FROM" && marks_in_order "$S_FROM" 2 2 && no_mark "$S_FROM" 1
}

# 8: ESP in UDP (RFC 3948) for a reserved SPI is held too.
case_udp() {
	reserve "$S_UDP" || return 1
	craft_seqs "$S_UDP" "$KEY" 1 3 --udp && wait_held 3 || return 1
	add_in "$S_UDP" && marks_in_order "$S_UDP" 1 3
}

# 9: the bound on all reservations together (reserve_max_bytes_total) set
# to 8 KiB: of 30 forged packets a few are held, the rest are rx_hold_full;
# sa del then drops those held. The bound goes back to its default.
case_total() {
	local was held full0 full
	was=$(cat "$TOTAL") || return 1
	echo 8192 >"$TOTAL" || return 1
	full0=$(esp_dev_stat "$b" esp0 rx_hold_full)
	reserve "$S_TOTAL" &&
		ns_exec "$a" python3 "$CRAFT" flood --dst "${ESP_O4[1]}" --spi "$S_TOTAL" --seq 1 \
			--count 30 &&
		wait_for 10 eval '[ $(( $(field reserved_held) + $(esp_dev_stat "$b" esp0 rx_hold_full) - full0 )) -ge 30 ]'
	held=$(field reserved_held) full=$(( $(esp_dev_stat "$b" esp0 rx_hold_full) - full0 ))
	echo "$was" >"$TOTAL"
	echo "held $held, dropped as rx_hold_full $full"
	[ "$held" -gt 0 ] && [ "$held" -lt 30 ] && [ $((held + full)) = 30 ] || return 1
	ns_exec "$b" "$ESPCTL" sa del esp0 dir in spi "$S_TOTAL" && held_is 0
}

# 10: what cannot be reserved, each refusal naming the attribute.
case_refusals() {
	refused "an inbound SA with this SPI exists" reserve "$S_HOLD" || return 1
	reserve "$S_OTHER" || return 1
	refused "another device of this namespace has reserved this SPI" \
		ns_exec "$b" "$ESPCTL" sa reserve esp1 spi "$S_OTHER" || return 1
	refused "another device of this namespace has reserved this SPI" add_in "$S_OTHER" esp1 ||
		return 1
	local i
	for i in 1 2 3 4 5 6 7; do reserve "$(spi $((100 + i)))" || return 1; done
	reserved_is 8 || return 1
	refused "the device already has the maximum number of reserved SPIs" \
		reserve "$(spi 200)" || return 1
	refused "only inbound SPIs can be reserved; bad attribute ESPVTI_SA_A_DIR" \
		ns_exec "$b" python3 "$GENL" cmd SA_RESERVE A_IFNAME:str=esp0 'A_SA{' \
		SA_A_DIR:u8=2 SA_A_SPI:u32=0x20000 '}' || return 1
	refused "bad attribute ESPVTI_SA_A_RESERVE_MS" \
		ns_exec "$b" python3 "$GENL" cmd SA_RESERVE A_IFNAME:str=esp0 'A_SA{' \
		SA_A_DIR:u8=1 SA_A_SPI:u32=0x20000 SA_A_RESERVE_MS:u32=99 '}' || return 1
	refused "only for ESPVTI_CMD_SA_RESERVE" \
		ns_exec "$b" python3 "$GENL" cmd SA_NEW A_IFNAME:str=esp0 'A_SA{' \
		SA_A_DIR:u8=1 SA_A_SPI:u32=0x20000 SA_A_ALG:str="$ALG" SA_A_KEY:hex="${KEY#0x}" \
		SA_A_ICV_BITS:u32=128 SA_A_RESERVE_MS:u32=1000 '}' || return 1
	# A flush ends them all.
	ns_exec "$b" "$ESPCTL" sa flush esp0 && reserved_is 0
}

esp_require_tools jq python3 socat ss
python3 "$CRAFT" selftest >/dev/null || ktap_skip_all "espcraft.py selftest fails (python3-cryptography?)"
ktap_plan 10
espvti_load
esp_topo
esp_craft_start "$a"
KEY=$(esp_hex 20)
RECV=$ESP_TMP/recv
setup || ktap_bail "no receiver"

check "an SPI nobody reserved: dropped at once (in UDP as rx_no_sa), nothing held" \
	esp_expect_rx "rx_no_sa=+2" case_unreserved
check "a reserved SPI: 5 packets held, then delivered in order when its SA is added" \
	esp_expect_rx "rx_held=+5 rx_packets=+5" case_hold
check "after the SA is added, its packets are not held" \
	esp_expect_rx "rx_packets=+1" case_after
check "70 forged packets: 64 held, 6 dropped as rx_hold_full, the 64 fail their ICV" \
	esp_expect_rx "rx_hold_full=+6 rx_held=+64 rx_auth_fail=+64 rx_packets=+1" case_full
check "a reservation that runs out drops what it held (rx_hold_expired)" \
	esp_expect_rx "rx_hold_expired=+2 rx_packets=+1" case_expire
check "sa del releases a reservation and drops what it held" \
	esp_expect_rx "rx_hold_expired=+1" case_del
check "only packets from the device's remote address are held" \
	esp_expect_rx "rx_held=+1 rx_packets=+1" case_from
check "ESP in UDP for a reserved SPI is held and delivered" \
	esp_expect_rx "rx_held=+3 rx_packets=+3" case_udp
check "reserve_max_bytes_total bounds all reservations together (rx_hold_full)" case_total
check "refusals: SPI in use, another device's SPI, a ninth, dir out, time range, SA_NEW" \
	case_refusals
ktap_finish
