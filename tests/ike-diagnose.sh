#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# ike-diagnose: `espctl diagnose -s SOCKET` next to espiked. The peers'
# traffic selectors differ (b accepts only 10.99.0.77 from a): a's CHILD_SA
# is refused with TS_UNACCEPTABLE; espiked keeps the failure of each
# connection ("status": last_failure, shown by espctl ike list) and
# diagnose names it on both sides (ike-failure, with the selectors in the
# evidence), and ike-down on the initiator while no IKE SA is up. With the
# selectors fixed the tunnel comes up and diagnose has nothing to fix (the
# old failure predates the IKE SA). espiked killed, its socket left
# behind: espiked-down. No socket at all: no IKE checks, nothing to fix.
# (A restarted espiked starts with no failure recorded.)
# (nat-no-encap is provoked by tests/ike-nat.sh.)
#
#   netns $a                                   netns $b
#   +-----------------------------+            +-----------------------------+
#   | espiked (initiate)          |  IKEv2     | espiked (listen)            |
#   | esp0 10.99.0.1 -> .2        |<---------->| esp0 10.99.0.2 -> .1        |
#   | va 192.0.2.1                +============+ vb 192.0.2.2                |
#   +-----------------------------+    veth    +-----------------------------+
#
# vmtest-timeout: 300
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-ike.sh
. "$(dirname "$0")/lib-ike.sh"

test_cleanup() { ike_cleanup; }

# diag NS SIDE [INTERVAL]: espctl diagnose esp0 --json -i INTERVAL
# (default 0) -s SIDE's socket in NS; output in $IKE_W/diag.json, exit
# status in $IKE_W/diag.rc.
diag() {
	ip netns exec "$1" "$ESPCTL" diagnose esp0 --json -i "${3:-0}" -s "$IKE_W/$2.sock" \
		>"$IKE_W/diag.json" 2>"$IKE_W/diag.err"
	echo $? >"$IKE_W/diag.rc"
}

# has_finding NS SIDE ID [JQ_TEST]: diagnose reports ID (for which JQ_TEST
# holds).
has_finding() {
	diag "$1" "$2"
	jq -e --arg id "$3" "[.findings[] | select(.id == \$id) | select(${4:-true})] | length > 0" \
		"$IKE_W/diag.json" >/dev/null && [ "$(cat "$IKE_W/diag.rc")" = 2 ] && return 0
	cat "$IKE_W/diag.json" "$IKE_W/diag.err"
	return 1
}

# nothing NS SIDE: diagnose finds nothing (exit 0), counters judged over 2 s
# (since creation, the IPv6 link-local packets the device sent before its
# SAs existed count as drops).
nothing() {
	diag "$1" "$2" 2
	[ "$(cat "$IKE_W/diag.rc")" = 0 ] && jq -e '.findings == []' "$IKE_W/diag.json" >/dev/null &&
		return 0
	cat "$IKE_W/diag.json" "$IKE_W/diag.err"
	return 1
}

# poll SECONDS CMD...: CMD, once a second until it succeeds or SECONDS have
# passed (a diagnose takes a while under TCG); its last output is shown.
poll() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >"$IKE_W/poll.out" 2>&1; do
		[ $SECONDS -lt "$end" ] || { cat "$IKE_W/poll.out"; return 1; }
		sleep 1
	done
}

ktap_plan 8
ike_require
espvti_load
ike_pair_topology

ike_conf a 192.0.2.1 192.0.2.2 10.99.0.1 10.99.0.2 initiate
ike_conf b 192.0.2.2 192.0.2.1 10.99.0.2 10.99.0.77 listen
espiked_run b "$b"
espiked_run a "$a"

check "TS_UNACCEPTABLE: diagnose on b names the refused negotiation (ike-failure)" \
	poll 40 has_finding "$b" b ike-failure \
	'(.evidence[0] | test("TS_UNACCEPTABLE")) and (.fix | test("local_ts"))'
check "TS_UNACCEPTABLE: diagnose on a too, with what a offered" \
	poll 40 has_finding "$a" a ike-failure '.evidence[0] | test("TS_UNACCEPTABLE")'
check "espctl ike list on a shows the last failure" \
	eval 'ip netns exec "$a" "$ESPCTL" ike -s "$IKE_W/a.sock" list --json |
		jq -e ".[0].last_failure.text | test(\"TS_UNACCEPTABLE\")"'
check "a has no IKE SA up meanwhile: ike-down" \
	poll 40 has_finding "$a" a ike-down '.severity == "error"'

espiked_stop
ike_conf b 192.0.2.2 192.0.2.1 10.99.0.2 10.99.0.1 listen
espiked_run b "$b"
espiked_run a "$a"
check "selectors fixed: the tunnel comes up" \
	wait_for 30 eval 'espiked_child_up a && espiked_child_up b'
check "diagnose on a and b: nothing to fix" eval 'nothing "$a" a && nothing "$b" b'

kill -KILL "${IKE_PIDS[1]}"
wait "${IKE_PIDS[1]}" 2>/dev/null
check "espiked killed, its socket left behind: espiked-down" \
	has_finding "$a" a espiked-down '.severity == "error"'
rm -f "$IKE_W/a.sock"
check "no control socket at all: no IKE checks, nothing to fix" nothing "$a" a
ktap_finish
