# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # the variables are the tests'
# Copyright (C) 2026 The espvti authors.
#
# tests/host/lib-host.sh: what the host tests of espiked share. They
# run espiked daemons over 127.0.0.1 with the fake kernel backend and print
# KTAP through tests/lib-ktap.sh (ktap_plan, ktap_skip, ktap_finish,
# wait_for TIMEOUT_S CMD..., as the VM tests). Set E (the espiked binary),
# then source this file with the test's name:
#
#   . lib-host.sh NAME   D (work directory /tmp/NAME.XXXXXX), pids and
#                        helpers (processes the exit trap stops), the exit
#                        trap itself
#   ok STATUS NAME       one KTAP result; on failure the daemons' logs,
#                        fake kernel files and command outputs follow
#   start NAME           espiked with $D/NAME.conf, its fake kernel in
#                        $D/NAME.kern, log $D/NAME.log; PID_NAME is its pid
#   stop_daemons         SIGTERM to every daemon; one that does not exit 0
#                        (crash, sanitizer report, leak) goes into $D/bad
#   daemons_clean        one result: nothing in $D/bad, no sanitizer report
#                        in the logs the test kept in $D/history
#
# The daemons' state, read through `espctl ike list --json` (ESPCTL, default
# userland/espctl of this tree) on their control sockets:
#
#   ike_q NAME JQ-ARGS...          jq on the array of connections of NAME
#   ike_sa_state NAME CONN         the states of CONN's IKE SAs, one a line
#   ike_sa_count NAME [CONN]       how many IKE SAs (of CONN)
#   child_count NAME STATE [CONN]  how many CHILD_SAs in STATE (of CONN)

# shellcheck source=tests/lib-ktap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib-ktap.sh"

ESPCTL=${ESPCTL:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/userland/espctl}
[ -x "$ESPCTL" ] || ktap_bail "$ESPCTL not built (make -C userland espctl)"
command -v jq >/dev/null || ktap_bail "jq is not installed (scripts/install-deps)"
D=$(mktemp -d "/tmp/${1:?usage: . lib-host.sh NAME}.XXXXXX")
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
	if [ "$1" = 0 ]; then
		ktap_ok "$2"
	else
		ktap_fail "$2"
		for f in "$D"/out "$D"/err "$D"/*.log "$D"/*.kern "$D"/*.out; do
			[ -f "$f" ] || continue
			echo "# --- $(basename "$f")"
			sed 's/^/# /' "$f"
		done
	fi
}

start() {	# start NAME
	rm -f "$D/$1.kern" "$D/$1.log"
	"$E" -d -f "$D/$1.conf" -p "$D/$1.pid" -s "$D/$1.sock" -K "fake:$D/$1.kern" \
		2> "$D/$1.log" &
	pids="$pids $!"
	eval "PID_$1=$!"
	wait_for 10 test -S "$D/$1.sock"
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

# daemons_clean: one result, every daemon exited 0 on SIGTERM (nothing in
# $D/bad) and no log kept in $D/history has a sanitizer report.
daemons_clean() {
	local r
	! grep -qE 'Sanitizer|runtime error' "$D/history" && [ ! -s "$D/bad" ]
	r=$?
	[ $r = 0 ] || sed 's/^/# /' "$D/bad" 2>/dev/null
	ok $r "every daemon exited 0 on SIGTERM, no sanitizer report in any log"
}

# conf_tun FILE IKE_PORT NATT_PORT CONN-LINE...: a configuration with one
# connection "tun" made of CONN-LINEs (each test names its own).
conf_tun() {
	local f=$1 port=$2 natt=$3 line
	shift 3
	{
		echo "ike_port $port"
		echo "natt_port $natt"
		echo "conn tun {"
		for line in "$@"; do echo "    $line"; done
		echo "}"
	} > "$f"
}

# The SAs the fake kernel backend holds, one "sa ..." line each in
# $D/NAME.kern (espiked -K fake:FILE): nsa FILE counts them; has_sas: one
# pair on each side; no_sas: none on either side.
nsa() { awk '$1 == "sa" { n++ } END { print n + 0 }' "$1" 2>/dev/null || echo 0; }
has_sas() { [ "$(nsa "$D/a.kern")" = 2 ] && [ "$(nsa "$D/b.kern")" = 2 ]; }
no_sas() { [ "$(nsa "$D/a.kern")" = 0 ] && [ "$(nsa "$D/b.kern")" = 0 ]; }

# sa FILE DIR FIELD: a field of the SA of direction DIR in a fake kernel file
sa() {
	awk -v d="$2" -v f="$3" '$1 == "sa" && $3 == d {
		for (i = 4; i < NF; i++) if ($i == f) { print $(i + 1); exit } }' "$1"
}

# Keys and SPIs cross-match: A out = B in, B out = A in.
keys_match() {
	local a=$D/a.kern b=$D/b.kern
	[ -n "$(sa "$a" out key)" ] &&
	[ "$(sa "$a" out spi)" = "$(sa "$b" in spi)" ] &&
	[ "$(sa "$a" out key)" = "$(sa "$b" in key)" ] &&
	[ "$(sa "$b" out spi)" = "$(sa "$a" in spi)" ] &&
	[ "$(sa "$b" out key)" = "$(sa "$a" in key)" ] &&
	[ "$(sa "$a" out key)" != "$(sa "$a" in key)" ]
}

# ike_q, ike_sa_state, ike_sa_count, child_count: tests/lib-ike-state.sh,
# on the daemons' sockets $D/NAME.sock.
IKE_SOCK_DIR=$D
# shellcheck source=tests/lib-ike-state.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib-ike-state.sh"
