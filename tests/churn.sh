#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# churn: everything at once, for ESPVTI_TEST_STRESS_SECONDS (default 20):
#   - 4 TCP streams each way (tests/tools/tcp-streams.py, 32 KB/s each)
#     through an espvti pair, every byte checked at the other end;
#   - both sides rekey by hand in a loop, 0.2 s apart: new inbound SA, then
#     (once the peer has its new inbound SA) new outbound SA, then (once
#     the peer sends with its new one) the old inbound SA deleted; fresh
#     SPIs and keys every round;
#   - a reader dumps both sides (espctl show, espctl show --json) in a loop:
#     every dump must succeed and show one outbound SA and one or two
#     inbound ones (a rekey never leaves a device without an SA);
#   - espctl monitor --json runs on both sides;
#   - the encapsulation flips between ESP and ESP in UDP (module socket,
#     keepalives every second), esp0 bounces (down, up) on one side or the
#     other, the underlay veth's MTU changes (both ends).
# Then: both TCP transfers finished; the monitors are alive (they report an
# acquire on a fresh device) and reported nothing about esp0; each device
# holds exactly the last round's two SAs; the counters add up in each
# direction (see balance()); no impossible drop (auth failure, bad trailer,
# ...) was counted; after the devices are deleted their SPIs are free, the
# per-CPU memory charged for the SAs to the rekeying loops' memory cgroup
# is back, and rmmod espvti succeeds.
#
#   netns $a                                    netns $b
#   +----------------------------------+        +----------------------------------+
#   | 4 TCP streams out, 4 in          |        | 4 TCP streams out, 4 in          |
#   | rekey loop a, espctl monitor     |        | rekey loop b, espctl monitor     |
#   | esp0 (espvti) 10.99.0.1/24       |  ESP / | esp0 (espvti) 10.99.0.2/24       |
#   |   SA out 0x1000RRRR  ------------|--ESP---|--> SA in 0x1000RRRR (+ previous) |
#   |   SA in  0x2000RRRR (+ previous)<|--in----|--- SA out 0x2000RRRR            |
#   |   encap none <-> udp 4500        |  UDP   |   encap none <-> udp 4500        |
#   | va 192.0.2.1/24, MTU 1280..1500  +========+ vb 192.0.2.2/24, MTU 1280..1500  |
#   +----------------------------------+  veth  +----------------------------------+
#   reader (espctl show) and flipper (encap, link, MTU) act on both namespaces.
#
# vmtest-timeout: 300
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

STRESS=${ESPVTI_TEST_STRESS_SECONDS:-20}
case "$STRESS" in '' | *[!0-9]* | 0) STRESS=20 ;; esac
MIN_ROUNDS=3		# the churn goes on until both sides rekeyed this often,
CHURN_MAX=$((STRESS * 4 > 120 ? STRESS * 4 : 120))	# but no longer than this
RATE=32768		# bytes per second and TCP stream
STREAMS=4
STREAMS_TOOL=$REPO/tests/tools/tcp-streams.py
MAX_ROUNDS=2000		# rekey rounds prepared (keys)
STOP=$ESP_TMP/stop	# created when the churn ends
KEYS=$ESP_TMP/keys	# line R: key a->b, key b->a of round R
CG=/sys/fs/cgroup
CG_DIR=			# the rekey loops' memory cgroup, when there is one
SIDE=(a b)

test_cleanup() {
	touch "$STOP"
	esp_cleanup
	if [ -n "$CG_DIR" ] && [ -d "$CG_DIR" ]; then
		rmdir "$CG_DIR" 2>/dev/null
	fi
}

# nx NS CMD...: runs CMD in namespace NS; only enters the network namespace
# (ip netns exec also remounts /sys, which costs under the emulator).
nx() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# spi_ab R, spi_ba R: the SPIs of round R (fresh every round).
spi_ab() { printf '0x%08x' $((0x10000000 + $1)); }
spi_ba() { printf '0x%08x' $((0x20000000 + $1)); }

# in_spi SIDE R, out_spi SIDE R: SIDE's inbound / outbound SPI of round R.
in_spi() { if [ "$1" = 0 ]; then spi_ba "$2"; else spi_ab "$2"; fi; }
out_spi() { if [ "$1" = 0 ]; then spi_ab "$2"; else spi_ba "$2"; fi; }

# make_keys: MAX_ROUNDS + 1 lines of two fresh 20-byte keys (AES-128 + salt).
make_keys() {
	head -c $(((MAX_ROUNDS + 1) * 40)) /dev/urandom | od -An -v -tx1 | tr -d ' \n' |
		fold -w 80 | awk '{ print "0x" substr($0, 1, 40) " 0x" substr($0, 41, 40) }' >"$KEYS"
	[ "$(wc -l <"$KEYS")" = $((MAX_ROUNDS + 1)) ]
}

# key_of KEYLINE SIDE DIR(in|out): the key of SIDE's SA of that direction
# in a line of $KEYS ("key_ab key_ba").
key_of() {
	local ab=${1%% *} ba=${1##* }
	if [ "$2$3" = 0out ] || [ "$2$3" = 1in ]; then echo "$ab"; else echo "$ba"; fi
}

# sa_add SIDE DIR R KEYLINE: adds SIDE's SA of direction DIR of round R.
sa_add() {
	local spi win=()
	if [ "$2" = in ]; then spi=$(in_spi "$1" "$3") win=(replay-window 128)
	else spi=$(out_spi "$1" "$3"); fi
	nx "${ESP_NS[$1]}" "$ESPCTL" sa add esp0 dir "$2" spi "$spi" \
		aead "$ESP_ALG" "$(key_of "$4" "$1" "$2")" 128 "${win[@]}"
}

# side_up SIDE KEYLINE: esp0 on SIDE with the SAs of round 0, IPv4 inside.
side_up() {
	local ns=${ESP_NS[$1]} i=$1 j=$((1 - $1))
	ip -n "$ns" link add esp0 type espvti &&
		ns_exec "$ns" sysctl -qw net.ipv6.conf.esp0.disable_ipv6=1 &&
		esp_crypto_opt "$ns" esp0 &&
		ns_exec "$ns" "$ESPCTL" set esp0 local "${ESP_O4[$i]}" remote "${ESP_O4[$j]}" \
			dev "${ESP_UL[$i]}" &&
		sa_add "$1" out 0 "$2" && sa_add "$1" in 0 "$2" &&
		ip -n "$ns" addr add "${ESP_I4[$i]}/24" dev esp0 &&
		ip -n "$ns" link set esp0 up
}

# static_neighbours: permanent neighbour entries for the underlay, both ways.
static_neighbours() {
	ip -n "$a" neigh replace "${ESP_O4[1]}" dev va nud permanent \
		lladdr "$(ip -n "$b" -j link show vb | jq -r '.[0].address')" &&
		ip -n "$b" neigh replace "${ESP_O4[0]}" dev vb nud permanent \
			lladdr "$(ip -n "$a" -j link show va | jq -r '.[0].address')"
}

# pair_up: esp0 on both sides with the SAs of round 0; pings both ways.
pair_up() {
	local keys
	keys=$(head -n 1 "$KEYS")
	side_up 0 "$keys" && side_up 1 "$keys" &&
		esp_ping "$a" "${ESP_I4[1]}" && esp_ping "$b" "${ESP_I4[0]}"
}

# listening: the TCP receivers of both sides listen.
listening() {
	esp_listening "$a" 5201 && esp_listening "$b" 5201
}

# rekey_loop SIDE: rekeys SIDE's esp0 until $STOP exists, in step with the
# peer's loop: round R adds the inbound SA of round R, waits until the peer
# has added its own, adds the outbound SA of round R (replacing R-1), waits
# until the peer sends with its round R SA, deletes the inbound SA of round
# R-1. (Each loop leaves a file in.SIDE.R / out.SIDE.R once espctl has
# added an SA: cheaper to wait for than dumps under the emulator; the
# reader checks what the kernel holds.) Only at the start of a round does a
# loop stop; the other one, waiting for the peer's new inbound SA, then
# deletes its own and stops too, so both end at the same round with one SA
# pair. Writes the last complete round to $ESP_TMP/rounds.SIDE; exits 1 at
# the first failure.
rekey_loop() {
	local s=$1 p=$((1 - $1)) ns=${ESP_NS[$1]} r=0 t0 keys
	local pdone=$ESP_TMP/done.$((1 - $1)) log=$ESP_TMP/rekey.$1
	trap 'touch "$ESP_TMP/done.$s"; echo "$r" >"$ESP_TMP/rounds.$s"' EXIT
	[ -n "$CG_DIR" ] && echo "$BASHPID" >"$CG_DIR/cgroup.procs"
	mapfile -t keys <"$KEYS"
	while [ ! -e "$STOP" ] && [ $((r + 1)) -le "$MAX_ROUNDS" ]; do
		r=$((r + 1))
		echo "$((r - 1))" >"$ESP_TMP/rounds.$s"
		sa_add "$s" in "$r" "${keys[$r]}" 2>>"$log" ||
			{ echo "round $r: sa add in $(in_spi "$s" "$r") failed" >>"$log"; exit 1; }
		touch "$ESP_TMP/in.$s.$r"
		t0=$SECONDS
		until [ -e "$ESP_TMP/in.$p.$r" ]; do
			if [ -e "$pdone" ] && [ ! -e "$ESP_TMP/in.$p.$r" ]; then
				# The peer stopped before this round: undo it.
				nx "$ns" "$ESPCTL" sa del esp0 dir in spi "$(in_spi "$s" "$r")" 2>>"$log" ||
					{ echo "round $r: undoing sa add in failed" >>"$log"; exit 1; }
				r=$((r - 1))
				exit 0
			fi
			[ $((SECONDS - t0)) -lt 60 ] ||
				{ echo "round $r: the peer never added its inbound SA" >>"$log"; exit 1; }
			sleep 0.05
		done
		sa_add "$s" out "$r" "${keys[$r]}" 2>>"$log" ||
			{ echo "round $r: sa add out $(out_spi "$s" "$r") failed" >>"$log"; exit 1; }
		touch "$ESP_TMP/out.$s.$r"
		t0=$SECONDS
		until [ -e "$ESP_TMP/out.$p.$r" ]; do
			[ ! -e "$pdone" ] || { echo "round $r: the peer's loop ended" >>"$log"; exit 1; }
			[ $((SECONDS - t0)) -lt 60 ] ||
				{ echo "round $r: the peer never sent with its new SA" >>"$log"; exit 1; }
			sleep 0.05
		done
		nx "$ns" "$ESPCTL" sa del esp0 dir in spi "$(in_spi "$s" $((r - 1)))" 2>>"$log" ||
			{ echo "round $r: sa del in $(in_spi "$s" $((r - 1))) failed" >>"$log"; exit 1; }
		sleep 0.2
	done
	exit 0
}

# dump_ok JSON: one device esp0, one outbound SA (also as out_spi), one or
# two inbound SAs (also as sa_count_in).
dump_ok() {
	jq -e "$ESP_JQ_DEFS"'[devices] | length == 1 and (.[0] |
		.ifname == "esp0" and .out_spi != null and
		.sa_count_in >= 1 and .sa_count_in <= 2 and
		([.sas[] | select(.dir == "out")] | length) == 1 and
		([.sas[] | select(.dir == "in")] | length) as $n | $n >= 1 and $n <= 2)' \
		<<<"$1" >/dev/null
}

# reader: dumps both sides until $STOP exists; every dump must succeed and
# pass dump_ok. Writes "DUMPS BAD" to $ESP_TMP/reader.count.
reader() {
	local n=0 bad=0 ns out log=$ESP_TMP/reader.log
	while [ ! -e "$STOP" ]; do
		for ns in "$a" "$b"; do
			if ! nx "$ns" "$ESPCTL" show >/dev/null 2>>"$log"; then
				echo "espctl show failed in $ns" >>"$log"
				bad=$((bad + 1))
			fi
			if ! out=$(nx "$ns" "$ESPCTL" show --json 2>>"$log"); then
				echo "espctl show --json failed in $ns" >>"$log"
				bad=$((bad + 1))
			elif ! dump_ok "$out"; then
				printf 'unexpected state in %s: %s\n' "$ns" "$out" >>"$log"
				bad=$((bad + 1))
			fi
			n=$((n + 1))
		done
		sleep 1
	done
	echo "$n $bad" >"$ESP_TMP/reader.count"
	[ "$bad" = 0 ]
}

# flipper: until $STOP exists, one change every 0.5 s, in turn: the
# encapsulation flips (ESP <-> ESP in UDP, both sides, in alternating
# order), esp0 of one side goes down and up, the veth's MTU changes (both
# ends). Writes "FLIPS BOUNCES MTUS" to $ESP_TMP/flipper.count; exits 1 at
# the first failed command.
flipper() {
	local i=0 udp=0 flips=0 bounces=0 mtus=0 first ns mtu args log=$ESP_TMP/flipper.log
	local mtu_list=(1400 1280 1500 1360 1440 1500)
	trap 'echo "$flips $bounces $mtus" >"$ESP_TMP/flipper.count"' EXIT
	while [ ! -e "$STOP" ]; do
		first=$(((i / 3) % 2))
		case $((i % 3)) in
		0)
			if [ $udp = 0 ]; then args=(encap udp sport 4500 dport 4500 keepalive 1)
			else args=(encap none); fi
			for ns in "${ESP_NS[$first]}" "${ESP_NS[$((1 - first))]}"; do
				nx "$ns" "$ESPCTL" set esp0 "${args[@]}" 2>>"$log" ||
					{ echo "espctl set esp0 ${args[*]} failed in $ns" >>"$log"; exit 1; }
			done
			udp=$((1 - udp)) flips=$((flips + 1))
			;;
		1)
			ns=${ESP_NS[$first]}
			{ ip -n "$ns" link set esp0 down && sleep 0.3 &&
				ip -n "$ns" link set esp0 up; } 2>>"$log" ||
				{ echo "bouncing esp0 in $ns failed" >>"$log"; exit 1; }
			bounces=$((bounces + 1))
			;;
		2)
			mtu=${mtu_list[$((mtus % ${#mtu_list[@]}))]}
			{ ip -n "$b" link set vb mtu "$mtu" && ip -n "$a" link set va mtu "$mtu"; } \
				2>>"$log" || { echo "setting the veth MTU to $mtu failed" >>"$log"; exit 1; }
			mtus=$((mtus + 1))
			;;
		esac
		i=$((i + 1))
		echo "$flips $bounces $mtus" >"$ESP_TMP/flipper.count"
		sleep 0.5
	done
	exit 0
}

# streams_ok SIDE: SIDE's sender and the peer's receiver exited 0: every
# stream delivered every byte sent, intact.
streams_ok() {
	local p=$((1 - $1))
	echo "sender in ${SIDE[$1]} (exit ${SEND_RC[$1]}):"
	cat "$ESP_TMP/send.$1"
	echo "receiver in ${SIDE[$p]} (exit ${SERVE_RC[$p]}):"
	cat "$ESP_TMP/serve.$p"
	[ "${SEND_RC[$1]}" = 0 ] && [ "${SERVE_RC[$p]}" = 0 ] &&
		jq -e -s --argjson n "$STREAMS" '[.[] | select(.ok == true and .received > 0)] | length == $n' \
			"$ESP_TMP/send.$1" >/dev/null
}

# progress: the churn has lasted STRESS seconds, both sides rekeyed
# MIN_ROUNDS times and the flipper did each of its changes twice.
progress() {
	local ra rb f bo m
	ra=$(cat "$ESP_TMP/rounds.0" 2>/dev/null) rb=$(cat "$ESP_TMP/rounds.1" 2>/dev/null)
	read -r f bo m 2>/dev/null <"$ESP_TMP/flipper.count"
	[ $((SECONDS - CHURN_T0)) -ge "$STRESS" ] &&
		[ "${ra:-0}" -ge "$MIN_ROUNDS" ] && [ "${rb:-0}" -ge "$MIN_ROUNDS" ] &&
		[ "${f:-0}" -ge 2 ] && [ "${bo:-0}" -ge 2 ] && [ "${m:-0}" -ge 2 ]
}

# flipper_ok: the flipper exited 0 after doing each of its changes.
flipper_ok() {
	local f bo m
	cat "$ESP_TMP/flipper.log" 2>/dev/null
	read -r f bo m <"$ESP_TMP/flipper.count" || return 1
	echo "$f encapsulation flips, $bo link bounces, $m MTU changes"
	[ "$RC_FLIPPER" = 0 ] && [ "$f" -ge 2 ] && [ "$bo" -ge 2 ] && [ "$m" -ge 2 ]
}

# reader_ok: the reader exited 0 after a few dumps, none of them bad.
reader_ok() {
	local n bad
	read -r n bad <"$ESP_TMP/reader.count" || return 1
	echo "$n dumps, $bad bad"
	head -c 4000 "$ESP_TMP/reader.log" 2>/dev/null
	[ "$RC_READER" = 0 ] && [ "$n" -ge 4 ]
}

# loops_ok: both rekey loops exited 0 after the same number of rounds (>= 3).
loops_ok() {
	local ra rb
	ra=$(cat "$ESP_TMP/rounds.0" 2>/dev/null) rb=$(cat "$ESP_TMP/rounds.1" 2>/dev/null)
	echo "rekey rounds: a $ra, b $rb"
	cat "$ESP_TMP/rekey.0" "$ESP_TMP/rekey.1" 2>/dev/null
	if [ "$RC_REKEY_A" != 0 ] || [ "$RC_REKEY_B" != 0 ]; then
		echo "loop exit status: a $RC_REKEY_A, b $RC_REKEY_B"
		return 1
	fi
	[ -n "$ra" ] && [ "$ra" = "$rb" ] && [ "$ra" -ge 3 ]
}

# both FUNC ARG...: FUNC 0 ARG... and FUNC 1 ARG... (each side) succeed.
both() {
	local f=$1
	shift
	"$f" 0 "$@" && "$f" 1 "$@"
}

# final_sas SIDE R: esp0 on SIDE holds exactly the two SAs of round R.
final_sas() {
	local want got
	want="out $(($(out_spi "$1" "$2"))) in $(($(in_spi "$1" "$2")))"
	got=$(esp_show_json "${ESP_NS[$1]}" esp0 | jq -r "$ESP_JQ_DEFS"'devices | .sas |
		map("\(.dir) \(.spi | spinum)") | join(" ")') || return 1
	[ "$got" = "$want" ] || { echo "${SIDE[$1]}: SAs '$got', want '$want'"; return 1; }
}

# stats_of NS: the counters of esp0 in NS as one JSON object.
stats_of() {
	nx "$1" "$ESPCTL" show esp0 --json | jq -c "$ESP_JQ_DEFS"'devices | select(.ifname == "esp0") | .stats'
}

# snmp NS PROTO FIELD: a counter of /proc/net/snmp in NS (as esp_snmp).
snmp() {
	# shellcheck disable=SC2016 # awk's $
	nx "$1" awk -v p="$2:" -v f="$3" '
		$1 == p && !hdr { for (i = 2; i <= NF; i++) col[$i] = i; hdr = 1; next }
		$1 == p && hdr { print $col[f]; exit }' /proc/net/snmp
}

# balance S R: every ESP packet and keepalive that side S's esp0 sent
# (tx_packets + tx_keepalive: the IP layer and the veth took it) is counted
# once on side R: by R's kernel before espvti saw it (Udp NoPorts: ESP in
# UDP while R had no socket on 4500; XfrmInNoStates: raw ESP with an SPI no
# espvti SA owns, R had not added it yet or deleted it already; esp4 is
# loaded) or by R's esp0 (rx_packets, rx_keepalive, every named drop).
# And every send that failed (tx_errors) is a drop by the veth pair, counted
# as rx_dropped on R's end (longer than its new MTU, backlog full; 6.1 and
# 6.12 report it to the sender as NET_XMIT_DROP), or a refusal by S's IP
# layer for growing beyond the underlay's new MTU between espvti's check and
# the output, of which there are at most Ip FragFails (which also counts the
# inner packets refused for esp0's new MTU). Static neighbour entries keep
# ARP (and its queue) out of the way.
balance() {
	local s=$1 r=$2 st rt tx txerr rx nostates noports fragfails vdrop
	st=$(stats_of "${ESP_NS[$s]}") && rt=$(stats_of "${ESP_NS[$r]}") || return 1
	read -r tx txerr st < <(jq -r '"\(.tx_packets + .tx_keepalive) \(.tx_errors) tx_packets \(.tx_packets), tx_keepalive \(.tx_keepalive)"' <<<"$st")
	read -r rx rt < <(jq -r '"\(.rx_packets + .rx_keepalive + .rx_no_sa + .rx_replay + .rx_auth_fail +
		.rx_bad_trailer + .rx_bad_inner + .rx_selector + .rx_malformed +
		.rx_expired + .rx_udp_malformed + .rx_crypto_busy) rx_packets \(.rx_packets), rx_keepalive \(.rx_keepalive), rx_no_sa \(.rx_no_sa), rx_replay \(.rx_replay), rx_crypto_busy \(.rx_crypto_busy)"' <<<"$rt")
	# shellcheck disable=SC2016 # awk's $
	nostates=$(nx "${ESP_NS[$r]}" awk '$1 == "XfrmInNoStates" { print $2 }' /proc/net/xfrm_stat)
	noports=$(snmp "${ESP_NS[$r]}" Udp NoPorts)
	fragfails=$(snmp "${ESP_NS[$s]}" Ip FragFails)
	vdrop=$(ip -n "${ESP_NS[$r]}" -s -j link show "${ESP_UL[$r]}" | jq '.[0].stats64.rx.dropped')
	BALANCE="${SIDE[$s]} sent $tx ($st) =?= XfrmInNoStates $nostates + Udp NoPorts $noports + ${SIDE[$r]}'s esp0 $rx ($rt); ${SIDE[$s]}'s tx_errors $txerr =?= ${ESP_UL[$r]} rx_dropped $vdrop + up to Ip FragFails $fragfails"
	[ -n "$tx" ] && [ -n "$rx" ] && [ -n "$vdrop" ] && [ -n "$nostates" ] && [ -n "$noports" ] &&
		[ -n "$fragfails" ] && [ "$tx" -gt 1000 ] &&
		[ "$tx" -eq $((nostates + noports + rx)) ] &&
		[ "$txerr" -ge "$vdrop" ] && [ "$txerr" -le $((vdrop + fragfails)) ]
}

# balanced S R: balance S R holds within 30 s (packets in flight land).
balanced() {
	local t0=$SECONDS
	BALANCE=
	while [ $((SECONDS - t0)) -lt 30 ]; do
		balance "$1" "$2" && { echo "$BALANCE" | tee "$ESP_TMP/balance.$1"; return 0; }
		sleep 0.5
	done
	echo "$BALANCE" | tee "$ESP_TMP/balance.$1"
	return 1
}

# no_bad_drops: counters that nothing in this test may move are zero.
no_bad_drops() {
	local s st bad=0 c
	for s in 0 1; do
		st=$(stats_of "${ESP_NS[$s]}") || return 1
		c=$(jq -r '[to_entries[] | select(.value != 0 and (.key | IN("rx_auth_fail",
			"rx_bad_trailer", "rx_bad_inner", "rx_selector", "rx_malformed",
			"rx_expired", "rx_udp_malformed", "tx_no_sa", "tx_seq_exhausted",
			"tx_no_route", "tx_selector", "tx_expired"))) | "\(.key) \(.value)"] | join(", ")' <<<"$st")
		[ -z "$c" ] || { echo "${SIDE[$s]}: $c"; bad=1; }
		echo "${SIDE[$s]}: $(jq -c 'with_entries(select(.value != 0))' <<<"$st")"
	done
	[ "$bad" = 0 ]
}

# ip_stats_agree SIDE: ip -s link's packet counts of esp0 are espctl's.
# A packet may still pass (an IPv6 router solicitation, a late
# retransmission) between two reads, so espctl's figures are read between
# two ip -s link reads and must lie between them; up to 5 tries.
ip_stats_agree() {
	local st before after ns=${ESP_NS[$1]} try
	for try in 1 2 3 4 5; do
		before=$(ip_link_counts "$ns") &&
			st=$(stats_of "$ns" | jq -r '"\(.rx_packets) \(.tx_packets)"') &&
			after=$(ip_link_counts "$ns") || return 1
		# shellcheck disable=SC2086 # three pairs of numbers
		between $before $st $after && return 0
		sleep 0.2
	done
	echo "${SIDE[$1]}: rx, tx packets: ip -s link $before, espctl $st, ip -s link $after"
	return 1
}

# ip_link_counts NS: "RX TX" packets of esp0 in NS, as ip -s link shows them.
ip_link_counts() {
	ip -n "$1" -s -j link show esp0 | jq -r '.[0].stats64 | "\(.rx.packets) \(.tx.packets)"'
}

# between R0 T0 R T R1 T1: R0 <= R <= R1 and T0 <= T <= T1.
between() {
	[ "$1" -le "$3" ] && [ "$3" -le "$5" ] && [ "$2" -le "$4" ] && [ "$4" -le "$6" ]
}

# monitors_alive: both monitors are still running, and reported nothing
# about esp0 (no acquire: it never lacked an outbound SA; no expiry, no
# mapping). A new device without SAs in each namespace, pinged through,
# makes each report an acquire.
monitors_alive() {
	local s ns f
	for s in 0 1; do
		kill -0 "${MON_PID[$s]}" 2>/dev/null || { echo "the monitor in ${SIDE[$s]} has died"; return 1; }
	done
	for s in 0 1; do
		ns=${ESP_NS[$s]}
		ip -n "$ns" link add esp9 type espvti &&
			ip -n "$ns" addr add "10.98.0.$((s + 1))/24" dev esp9 &&
			ip -n "$ns" link set esp9 up || return 1
	done
	for s in 0 1; do
		f=$ESP_TMP/monitor.$s
		wait_for 20 acquired "$s" ||
			{ echo "the monitor in ${SIDE[$s]} reported no acquire for esp9:"; cat "$f"; return 1; }
		if jq -e -s 'map(select(.ifname == "esp0")) | length > 0' "$f" >/dev/null; then
			echo "the monitor in ${SIDE[$s]} reported events of esp0:"
			cat "$f"
			return 1
		fi
		ip -n "${ESP_NS[$s]}" link del esp9 || return 1
	done
}

# acquired SIDE: a packet into esp9 of SIDE made its monitor report an acquire.
acquired() {
	ip netns exec "${ESP_NS[$1]}" ping -c 1 -W 1 10.98.0.9 >/dev/null 2>&1
	grep -q '"event":"acquire","ifname":"esp9"' "$ESP_TMP/monitor.$1"
}

# monitors_stopped: each monitor exited 0 on SIGTERM without a complaint
# (MON_RC, set by the main shell, which alone can wait for them).
monitors_stopped() {
	local s
	for s in 0 1; do
		[ "${MON_RC[$s]}" = 0 ] || { echo "the monitor in ${SIDE[$s]} exited ${MON_RC[$s]}"; return 1; }
		if [ -s "$ESP_TMP/monitor.$s.err" ]; then
			echo "the monitor in ${SIDE[$s]} complained:"
			cat "$ESP_TMP/monitor.$s.err"
			return 1
		fi
	done
}

# devices_gone: both esp0 deleted; their inbound SPIs (first, middle and
# last round) can be given to a new device: nothing kept them.
devices_gone() {
	local s ns r
	for s in 0 1; do
		ip -n "${ESP_NS[$s]}" link del esp0 || return 1
	done
	for s in 0 1; do
		ns=${ESP_NS[$s]}
		ip -n "$ns" link add esp8 type espvti || return 1
		for r in $(printf '%s\n' 0 $((ROUNDS / 2)) "$ROUNDS" | sort -un); do
			ns_exec "$ns" "$ESPCTL" sa add esp8 dir in spi "$(in_spi "$s" "$r")" \
				aead "$ESP_ALG" "$(esp_hex 20)" 128 || return 1
		done
		ip -n "$ns" link del esp8 || return 1
	done
}

# cg_percpu: the per-CPU memory charged to the rekey loops' cgroup (bytes).
cg_percpu() {
	awk '$1 == "percpu" { print $2 }' "$CG_DIR/memory.stat"
}

# percpu_below N: the cgroup's per-CPU memory is below N bytes.
percpu_below() {
	[ "$(cg_percpu)" -lt "$1" ]
}

# sa_memory_back: within 30 s (SAs are freed after a grace period), the
# loops' cgroup is charged less per-CPU memory than one SA's counters.
sa_memory_back() {
	[ "${PER_SA:-0}" -gt 0 ] && wait_for 30 percpu_below "$PER_SA" && return 0
	echo "per-CPU memory still charged: $(cg_percpu) bytes"
	return 1
}

esp_require_tools jq python3 nsenter ss
ktap_plan 17
espvti_load
modprobe -q esp4 || ktap_skip_all "esp4 does not load (raw ESP without an SA would not be counted)"
esp_topo
ESP_ALG='rfc4106(gcm(aes))'
make_keys || ktap_bail "cannot make the keys"
ktap_diag "keys made at ${SECONDS}s"

# The rekey loops' memory cgroup: what their SAs cost is charged there.
if { mountpoint -q "$CG" || mount -t cgroup2 none "$CG"; } 2>/dev/null &&
	grep -qw memory "$CG/cgroup.controllers" 2>/dev/null &&
	{ grep -qw memory "$CG/cgroup.subtree_control" || echo +memory >"$CG/cgroup.subtree_control"; } 2>/dev/null &&
	mkdir "$CG/churn-$$" 2>/dev/null; then
	CG_DIR=$CG/churn-$$
fi

static_neighbours || ktap_bail "cannot set the neighbour entries"
ktap_diag "topology at ${SECONDS}s"
check "espvti pair up (round 0 SAs), ping both ways" pair_up || ktap_bail "no tunnel"

for s in 0 1; do
	ns=${ESP_NS[$s]}
	ip netns exec "$ns" "$ESPCTL" monitor --json >"$ESP_TMP/monitor.$s" 2>"$ESP_TMP/monitor.$s.err" &
	MON_PID[s]=$!
	ESP_BG_PIDS+=("${MON_PID[$s]}")
	ip netns exec "$ns" python3 "$STREAMS_TOOL" serve --bind "${ESP_I4[$s]}" \
		--streams "$STREAMS" --timeout $((CHURN_MAX + 90)) >"$ESP_TMP/serve.$s" 2>&1 &
	SERVE_PID[s]=$!
	ESP_BG_PIDS+=("${SERVE_PID[$s]}")
done
check "TCP receivers listen on both sides" wait_for 20 listening

ktap_diag "churn for at least $STRESS s (ESPVTI_TEST_STRESS_SECONDS) from ${SECONDS}s"
for s in 0 1; do
	ip netns exec "${ESP_NS[$s]}" python3 "$STREAMS_TOOL" send --to "${ESP_I4[$((1 - s))]}" \
		--streams "$STREAMS" --rate "$RATE" --stop "$STOP" --timeout $((CHURN_MAX + 60)) >"$ESP_TMP/send.$s" 2>&1 &
	SEND_PID[s]=$!
	ESP_BG_PIDS+=("${SEND_PID[$s]}")
done
CHURN_T0=$SECONDS
rekey_loop 0 &
REKEY_A=$!
rekey_loop 1 &
REKEY_B=$!
reader &
READER=$!
flipper &
FLIPPER=$!
ESP_BG_PIDS+=("$REKEY_A" "$REKEY_B" "$READER" "$FLIPPER")

# At least STRESS seconds, and long enough for some of everything (the
# emulator is slow); at most 4 times as long (2 minutes at least), then the
# checks tell.
while ! progress && [ $((SECONDS - CHURN_T0)) -lt "$CHURN_MAX" ]; do
	sleep 0.5
done
touch "$STOP"
for s in 0 1; do
	wait "${SEND_PID[$s]}"
	SEND_RC[s]=$?
	wait "${SERVE_PID[$s]}"
	SERVE_RC[s]=$?
done
wait "$REKEY_A"; RC_REKEY_A=$?
wait "$REKEY_B"; RC_REKEY_B=$?
wait "$READER"; RC_READER=$?
wait "$FLIPPER"; RC_FLIPPER=$?
ROUNDS=$(cat "$ESP_TMP/rounds.0" 2>/dev/null || echo 0)
ktap_diag "churn over at ${SECONDS}s: $ROUNDS rekey rounds; flips, bounces, MTU changes:" \
	"$(cat "$ESP_TMP/flipper.count" 2>/dev/null); dumps, bad ones: $(cat "$ESP_TMP/reader.count" 2>/dev/null)"

check "TCP a -> b: $STREAMS streams survived the churn, every byte delivered" streams_ok 0
check "TCP b -> a: $STREAMS streams survived the churn, every byte delivered" streams_ok 1
check "both sides rekeyed in step, every espctl command succeeded" loops_ok
check "encapsulation flips, link bounces, MTU changes all done" flipper_ok
check "the reader's dumps all succeeded: always one outbound SA, 1 or 2 inbound" reader_ok
check "each device holds the last round's SAs only (round $ROUNDS)" \
	both final_sas "$ROUNDS"

# Quiet the tunnel (no keepalives) before adding up the counters.
for s in 0 1; do
	ns_exec "${ESP_NS[$s]}" "$ESPCTL" set esp0 encap none
done
check "counters add up a -> b" balanced 0 1
check "counters add up b -> a" balanced 1 0
ktap_diag "$(cat "$ESP_TMP/balance.0" 2>/dev/null)"
ktap_diag "$(cat "$ESP_TMP/balance.1" 2>/dev/null)"
check "no auth, trailer, inner, selector, expiry or routing drop on either side" no_bad_drops
check "ip -s link agrees with espctl show on both sides" both ip_stats_agree
check "the monitors kept working (acquire on a new device), nothing about esp0" monitors_alive
for s in 0 1; do
	kill -TERM "${MON_PID[$s]}" 2>/dev/null
	wait "${MON_PID[$s]}"
	MON_RC[s]=$?
done
check "the monitors exit 0 on SIGTERM" monitors_stopped

if [ -n "$CG_DIR" ]; then
	PERCPU_LIVE=$(cg_percpu)
	# The loops added the 4 SAs alive now (2 per side) and freed the rest.
	PER_SA=$((PERCPU_LIVE / 4))
	ktap_diag "per-CPU memory of the loops' cgroup with 4 of their SAs alive: $PERCPU_LIVE bytes"
fi
check "devices deleted; their SPIs are free again" devices_gone
if [ -n "$CG_DIR" ]; then
	check "the SAs' per-CPU memory is uncharged (below one SA's ${PER_SA:-?} bytes)" \
		sa_memory_back
else
	ktap_skip "the SAs' per-CPU memory is uncharged" "no memory cgroup"
fi
check "rmmod espvti" rmmod_now
ktap_diag "done at ${SECONDS}s"

ktap_finish
