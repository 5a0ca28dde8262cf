#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# rtnl-crypto: the slow work of the control path runs without RTNL.
# crypto_alloc_aead() may load modules (pcrypt, cryptd, an AES driver) and
# run the algorithm's self-tests; synchronize_net() waits for a grace
# period. Under RTNL either would stall every other user of RTNL on the
# router (ip, routing daemons, DHCP clients) for that long.
#
# The test watches the kernel itself: kprobes on crypto_alloc_aead() and
# synchronize_net() record, at each call, the owner word of rtnl_mutex
# (non-zero while anyone holds RTNL); the calls made by espctl's requests
# and the module's own call at rmmod (found by its stack trace) must all
# see zero. A kprobe with the same fetch on
# espvti_sa_install(), which runs under RTNL by design, must see non-zero:
# it shows that the probe detects a held RTNL at all. Nothing else in the
# VM takes RTNL during the test, so a non-zero owner is ours.
#
#   initial netns
#   +------------------------------------------+
#   | esp0 (espvti), no endpoints              |   requests only, no traffic
#   | SAs: default AEAD, then crypto pcrypt    |
#   +------------------------------------------+
#
# vmtest-timeout: 180
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

TRACE=/sys/kernel/tracing
GROUP=espvti_rtnl
ALG='rfc4106(gcm(aes))'

test_cleanup() {
	if [ -w "$TRACE/kprobe_events" ]; then
		echo 0 >"$TRACE/tracing_on" 2>/dev/null
		echo '!stacktrace' >"$TRACE/events/$GROUP/sync/trigger" 2>/dev/null
		echo 0 >"$TRACE/events/$GROUP/enable" 2>/dev/null
		echo >"$TRACE/kprobe_events" 2>/dev/null
	fi
	ip link del esp0 2>/dev/null
	return 0
}

# probe NAME FUNC [FILTER]: a kprobe $GROUP/NAME on FUNC that records the
# owner word of rtnl_mutex, enabled, with FILTER when given.
probe() {
	echo "p:$GROUP/$1 $2 owner=@rtnl_mutex:x64" >>"$TRACE/kprobe_events" || return 1
	if [ -n "${3:-}" ]; then
		echo "$3" >"$TRACE/events/$GROUP/$1/filter" || return 1
	fi
	echo 1 >"$TRACE/events/$GROUP/$1/enable"
}

# hits NAME: the trace lines of probe NAME so far.
hits() {
	grep -E " $1: \(" "$TRACE/trace" || true
}

# rtnl_seen NAME MIN free|held: probe NAME fired at least MIN times, and
# every time with rtnl_mutex free (owner 0), or every time held.
rtnl_seen() {
	local lines n free
	lines=$(hits "$1")
	[ -n "$lines" ] || { echo "$1 never fired"; return 1; }
	n=$(grep -c . <<<"$lines")
	free=$(grep -c 'owner=0x0$' <<<"$lines")
	echo "$1: $n calls, $free with RTNL free, $((n - free)) with RTNL held"
	[ "$n" -ge "$2" ] || { echo "too few calls seen (want $2)"; return 1; }
	if [ "$3" = free ]; then [ "$free" = "$n" ]; else [ "$free" = 0 ]; fi
}

# exit_sync_free: the calls of synchronize_net() made by espvti_exit()
# itself saw rtnl_mutex free; there was at least one. The core also calls
# it under RTNL while rtnl_link_unregister() deletes the devices, and
# xfrm4_protocol_deregister() without: a call is ours when the frame under
# synchronize_net in the stack the trigger recorded lies in the module's
# .exit.text ($EXIT_TEXT, read before rmmod; the trace prints it as a bare
# address once the module is gone) or is named espvti_exit/cleanup_module.
exit_sync_free() {
	local start=$((EXIT_TEXT)) o="" under="" line addr owners=""
	while IFS= read -r line; do
		case $line in
		*" sync: ("*) o=${line##* } ;;
		*"=> synchronize_net") under=1; continue ;;
		*"=> "*)
			addr=${line##*=> }
			if [ -n "$under" ] && { [[ $addr == espvti_exit* || $addr == cleanup_module* ]] ||
				{ [[ $addr == 0x* ]] && ((addr >= start && addr < start + 4096)); }; }; then
				owners+="$o "
			fi ;;
		esac
		under=""
	done <"$TRACE/trace"
	echo "synchronize_net from espvti_exit: ${owners:-never}"
	[ -n "$owners" ] && [ -z "${owners//owner=0x0 /}" ] && return 0
	grep -A12 ' sync: (' "$TRACE/trace"
	return 1
}

# sa_add SPI: an outbound SA on esp0 (its transform allocated on the way).
sa_add() {
	"$ESPCTL" sa add esp0 dir out spi "$1" aead "$ALG" \
		0x0102030405060708090a0b0c0d0e0f1011121314 128
}

mountpoint -q "$TRACE" || mount -t tracefs nodev "$TRACE" 2>/dev/null
[ -w "$TRACE/kprobe_events" ] || ktap_skip_all "no kprobe events in $TRACE"
grep -qw rtnl_mutex /proc/kallsyms ||
	ktap_skip_all "rtnl_mutex is not in /proc/kallsyms (CONFIG_KALLSYMS_ALL)"

ktap_plan 9
espvti_load
echo >"$TRACE/trace"
echo 1 >"$TRACE/tracing_on"
check "kprobes on crypto_alloc_aead (from espctl), synchronize_net (from rmmod), espvti_sa_install" \
	eval 'probe alloc crypto_alloc_aead "comm == \"espctl\"" &&
	      probe sync synchronize_net "comm == \"rmmod\"" &&
	      echo stacktrace >"$TRACE/events/$GROUP/sync/trigger" &&
	      probe install espvti:espvti_sa_install'
check "ip link add esp0 type espvti" ip link add esp0 type espvti
check "espctl sa add: an SA on the default AEAD" sa_add 0x100
check "espctl set esp0 crypto pcrypt, then an SA on it (loads pcrypt)" \
	eval '"$ESPCTL" set esp0 crypto pcrypt && sa_add 0x101'
check "control: espvti_sa_install ran with RTNL held, and the probe saw it" \
	rtnl_seen install 1 held
check "crypto_alloc_aead never ran with RTNL held (espctl's requests)" \
	rtnl_seen alloc 2 free
# The probe on module code goes before the module does.
echo 0 >"$TRACE/events/$GROUP/install/enable"
echo "-:$GROUP/install" >>"$TRACE/kprobe_events"
EXIT_TEXT=$(cat /sys/module/espvti/sections/.exit.text 2>/dev/null) || EXIT_TEXT=0
check "rmmod espvti with esp0 and its SAs present" espvti_unload
check "espvti_exit's synchronize_net ran with RTNL free" exit_sync_free
check "no espvti device left" eval '! ip link show type espvti 2>/dev/null | grep -q .'
ktap_finish
