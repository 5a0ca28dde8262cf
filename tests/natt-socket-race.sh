#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# natt-socket-race: processes close the UDP sockets they handed over
# (`espctl set DEV encap udp fd N`) at the moment their devices let go of
# them: rmmod espvti, or the devices deleted, races the closes. The core's
# udp_destroy_sock() reads a socket's encap_destroy hook and calls it
# without any lock; a device that unhooked the socket in between must not
# let the module go while that call is on its way into module code (the
# device leaves the hooks of a socket being closed to that call, and module
# exit waits for it). The harness fails the run on any oops, warning or
# leak; a call into freed module code would oops.
#
# Rounds: 10 x $ESPVTI_TEST_STRESS_ROUNDS (default 1; make check-debug: 2).
# Each round: four devices esp0..esp3 in $a, each with the socket of its own
# helper (tests/tools/udp-handover.py, UDP ports 4500..4503); then, at the
# same time, the helpers close their sockets (SIGUSR1; SIGKILL in every
# third round: the process dies) and, in turn, rmmod espvti or
# `ip link del` of every device. After each round the module unloads
# within 10 s, every helper's socket closed, and the module loads again.
#
#   netns $a
#   +---------------------------------------------------+
#   | esp0..esp3 (espvti), endpoints 192.0.2.1 -> .2     |
#   | udp-handover.py x 4: sockets on 4500..4503, handed |
#   | over, then closed while rmmod / ip link del runs   |
#   +---------------------------------------------------+
#
# vmtest-timeout: 600
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"
# shellcheck source=tests/lib-handover.sh
. "$(dirname "$0")/lib-handover.sh"

ROUNDS=$((10 * ${ESPVTI_TEST_STRESS_ROUNDS:-1}))
PIDS=()			# the helpers of the round

test_cleanup() {
	esp_cleanup
}

# hand_over R: the module loaded, four devices each given a helper's socket.
hand_over() {
	local i
	PIDS=()
	[ -d /sys/module/espvti ] || espvti_load || return 1
	for i in 0 1 2 3; do
		helper "$a" "$ESP_TMP/r$1.$i.json" $((4500 + i)) "esp$i" || return 1
		PIDS+=("$HELPER_PID")
	done
	for i in 0 1 2 3; do
		handed "$ESP_TMP/r$1.$i.json" || return 1
	done
}

# rmmod_retry: rmmod espvti, retried for 10 s while the module is in use
# (a closing process's call may hold it briefly).
rmmod_retry() {
	local i
	for i in $(seq 1 40); do
		rmmod espvti 2>/dev/null && return 0
		[ -d /sys/module/espvti ] || return 0
		sleep 0.25
	done
	rmmod espvti
}

# race R: round R's closes against rmmod (odd R) or ip link del (even R),
# started together; then the module is unloaded and loaded again.
race() {
	local r=$1 sig=USR1 pid i
	[ $((r % 3)) = 0 ] && sig=KILL
	if [ $((r % 2)) = 1 ]; then
		rmmod_retry >"$ESP_TMP/rmmod.out" 2>&1 &
	else
		(for i in 0 1 2 3; do ip -n "$a" link del "esp$i"; done) &
	fi
	pid=$!
	kill -"$sig" "${PIDS[@]}"
	wait "$pid" || { echo "rmmod or ip link del failed:"; cat "$ESP_TMP/rmmod.out"; return 1; }
	if [ "$sig" = USR1 ]; then
		for i in 0 1 2 3; do
			wait_for 10 got "$ESP_TMP/r$r.$i.json" '.event == "closed"' ||
				{ echo "helper $i did not close its socket"; return 1; }
		done
		kill -TERM "${PIDS[@]}" 2>/dev/null
	fi
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	rmmod_retry || return 1
	[ ! -d /sys/module/espvti ] || { echo "espvti still loaded"; return 1; }
}

esp_require_tools jq python3
ktap_plan $((ROUNDS * 2 + 2))
ns_add a
ktap_diag "$ROUNDS rounds"
failed=
for ((r = 1; r <= ROUNDS; r++)); do
	if [ $((r % 2)) = 1 ]; then what="rmmod"; else what="ip link del"; fi
	sig=USR1
	[ $((r % 3)) = 0 ] && sig=KILL
	name="round $r: processes close (SIG$sig) while $what runs; module unloads"
	if [ -n "$failed" ]; then
		ktap_skip "round $r: four sockets handed over" "an earlier round failed"
		ktap_skip "$name" "an earlier round failed"
		continue
	fi
	if ! check_here "round $r: four sockets handed over" hand_over "$r"; then
		failed=1
		ktap_skip "$name" "no sockets handed over"
		continue
	fi
	check_here "$name" race "$r" || failed=1
done
check "the module loads again and makes a device" \
	eval 'espvti_load && ip link add espx type espvti && ip link del espx'
check "namespace $a deleted" ns_del "$a"
ktap_finish
