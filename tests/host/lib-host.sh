# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # the variables are the tests'
# Copyright (C) 2026 The espvti authors.
#
# tests/host/lib-host.sh: what the host tests of espiked share. They
# run espiked daemons over 127.0.0.1 with the fake kernel backend and print
# KTAP. Set E (the espiked binary), then source this file with the test's
# name:
#
#   . lib-host.sh NAME   D (work directory /tmp/NAME.XXXXXX), N and FAILED
#                        (KTAP counts), pids and helpers (processes the
#                        exit trap stops), the exit trap itself
#   ok STATUS NAME       one KTAP result; on failure the daemons' logs,
#                        fake kernel files and command outputs follow
#   wait_for CMD...      CMD until it succeeds, up to 100 tries 0.1 s apart
#   start NAME           espiked with $D/NAME.conf, its fake kernel in
#                        $D/NAME.kern, log $D/NAME.log; PID_NAME is its pid
#   stop_daemons         SIGTERM to every daemon; one that does not exit 0
#                        (crash, sanitizer report, leak) goes into $D/bad

D=$(mktemp -d "/tmp/${1:?usage: . lib-host.sh NAME}.XXXXXX")
N=0
FAILED=0
pids=""
helpers=""

host_cleanup() {
	local p
	for p in $pids $helpers; do kill "$p" 2>/dev/null; done
	for p in $pids $helpers; do wait "$p" 2>/dev/null; done
	rm -rf "$D"
}
trap host_cleanup EXIT

ok() {	# ok STATUS NAME
	local f
	N=$((N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $N - $2"
	else
		echo "not ok $N - $2"
		FAILED=$((FAILED + 1))
		for f in "$D"/out "$D"/err "$D"/*.log "$D"/*.kern "$D"/*.out; do
			[ -f "$f" ] || continue
			echo "# --- $(basename "$f")"
			sed 's/^/# /' "$f"
		done
	fi
}

wait_for() {
	for _ in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

start() {	# start NAME
	rm -f "$D/$1.kern" "$D/$1.log"
	"$E" -d -f "$D/$1.conf" -p "$D/$1.pid" -s "$D/$1.sock" -K "fake:$D/$1.kern" \
		2> "$D/$1.log" &
	pids="$pids $!"
	eval "PID_$1=$!"
	wait_for test -S "$D/$1.sock"
}

stop_daemons() {
	local p st
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do
		wait "$p" 2>/dev/null
		st=$?
		[ $st = 0 ] || echo "pid $p exited with status $st" >> "$D/bad"
	done
	pids=""
}
