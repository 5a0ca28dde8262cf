# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # KTAP_DONE: read by tests/lib.sh
# Copyright (C) 2026 The espvti authors.
#
# tests/lib-ktap.sh: the one KTAP library of every shell test, VM tests
# (through tests/lib.sh) and host tests (tests/host/lib-host.sh,
# tests/unit/*.sh) alike: results, plans, totals and exit codes as
# kselftest has them (0 passed, 1 failed, 4 skipped), checks that show a
# failed command's output, and bounded waits (wait_for TIMEOUT_S CMD...,
# wait_until SECONDS CMD...).
#
#	. "$(dirname "$0")/lib-ktap.sh"
#	ktap_plan 2                      # or none: ktap_finish prints it last
#	check "one" true
#	ktap_result "two" wait_for 10 test -e /tmp/x
#	ktap_finish

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

KTAP_PLAN=		# number of results announced by ktap_plan
KTAP_NUM=0		# results printed so far
KTAP_PASS=0
KTAP_FAIL=0
KTAP_SKIP=0
KTAP_DONE=0		# 1 once ktap_finish or ktap_skip_all has run
KTAP_TODO=0		# results reported as "# TODO" (known bugs, not failures)
KTAP_T0=${EPOCHREALTIME:-}	# when the previous result was printed

# ktap__time: with ESPVTI_TEST_TIMES=1 (scripts/check passes it to the
# guest), a diagnostic line after each result with the seconds it took since
# the previous one: where a slow test spends its time.
ktap__time() {
	[ "${ESPVTI_TEST_TIMES:-0}" = 1 ] && [ -n "$KTAP_T0" ] || return 0
	local now=$EPOCHREALTIME d
	d=$(( (10#${now//[!0-9]/} - 10#${KTAP_T0//[!0-9]/}) / 100000 ))	# tenths of a second
	echo "# time: $((d / 10)).$((d % 10)) s"
	KTAP_T0=$now
}

# ktap_plan N: prints the KTAP header and announces N results.
ktap_plan() {
	KTAP_PLAN=$1
	echo "TAP version 13"
	echo "1..$1"
}

# ktap_diag TEXT...: prints TEXT as a KTAP diagnostic ("# TEXT") line.
ktap_diag() {
	echo "# $*"
}

# ktap_ok NAME: reports the next result as passed.
ktap_ok() {
	KTAP_NUM=$((KTAP_NUM + 1))
	KTAP_PASS=$((KTAP_PASS + 1))
	echo "ok $KTAP_NUM - $*"
	ktap__time
}

# ktap_fail NAME: reports the next result as failed.
ktap_fail() {
	KTAP_NUM=$((KTAP_NUM + 1))
	KTAP_FAIL=$((KTAP_FAIL + 1))
	echo "not ok $KTAP_NUM - $*"
	ktap__time
}

# ktap_skip NAME REASON: reports the next result as skipped, saying why.
ktap_skip() {
	KTAP_NUM=$((KTAP_NUM + 1))
	KTAP_SKIP=$((KTAP_SKIP + 1))
	echo "ok $KTAP_NUM - $1 # SKIP ${2:-}"
	ktap__time
}

# ktap_todo NAME REASON: reports the next result as a known failure ("not
# ok ... # TODO REASON"), which does not fail the test.
ktap_todo() {
	KTAP_NUM=$((KTAP_NUM + 1))
	KTAP_TODO=$((KTAP_TODO + 1))
	echo "not ok $KTAP_NUM - $1 # TODO ${2:-}"
	ktap__time
}

# ktap_result NAME CMD...: runs CMD (its output untouched) and reports NAME
# as passed when it succeeds, failed otherwise.
ktap_result() {
	local name=$1
	shift
	if "$@"; then ktap_ok "$name"; else ktap_fail "$name"; fi
}

# check NAME CMD...: runs CMD with its output captured; reports NAME as
# passed on exit status 0, else failed with the command, its status and its
# output as diagnostic lines. Returns CMD's status.
check() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		ktap_ok "$name"
	else
		ktap_fail "$name"
		ktap_diag "command: $* (exit $rc)"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
	fi
	return $rc
}

# check_here NAME CMD...: like check, but CMD runs in this shell, not in a
# subshell, so that it may set variables and start background jobs; its
# output goes to a file and is shown only when it fails.
check_here() {
	local __name=$1 __rc __out
	shift
	__out=$(mktemp)
	"$@" >"$__out" 2>&1
	__rc=$?
	if [ $__rc -eq 0 ]; then
		ktap_ok "$__name"
	else
		ktap_fail "$__name"
		ktap_diag "command: $* (exit $__rc)"
		sed 's/^/# /' "$__out"
	fi
	rm -f "$__out"
	return $__rc
}

# check_fails NAME CMD...: like check, for a command that must fail: passed
# when CMD exits non-zero (its output is shown as diagnostics either way).
check_fails() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		ktap_ok "$name"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
		return 0
	fi
	ktap_fail "$name"
	ktap_diag "command succeeded but should have failed: $*"
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
	return 1
}

# ktap_finish: prints the totals and exits 1 if anything failed or the
# number of results differs from the plan, 4 if everything was skipped,
# 0 otherwise. Without a ktap_plan, the plan is printed here, last.
ktap_finish() {
	local rc=$KSFT_PASS
	KTAP_DONE=1
	[ -n "$KTAP_PLAN" ] || echo "1..$KTAP_NUM"
	if [ -n "$KTAP_PLAN" ] && [ "$KTAP_NUM" -ne "$KTAP_PLAN" ]; then
		ktap_diag "planned $KTAP_PLAN results but reported $KTAP_NUM"
		rc=$KSFT_FAIL
	fi
	if [ "$KTAP_TODO" -gt 0 ]; then
		ktap_diag "Totals: pass:$KTAP_PASS fail:$KTAP_FAIL skip:$KTAP_SKIP todo:$KTAP_TODO"
	else
		ktap_diag "Totals: pass:$KTAP_PASS fail:$KTAP_FAIL skip:$KTAP_SKIP"
	fi
	if [ "$KTAP_FAIL" -gt 0 ]; then
		rc=$KSFT_FAIL
	elif [ $rc -eq $KSFT_PASS ] && [ "$KTAP_PASS" -eq 0 ] && [ "$KTAP_SKIP" -gt 0 ]; then
		rc=$KSFT_SKIP
	fi
	exit $rc
}

# ktap_skip_all REASON: skips the whole test (every result not yet reported)
# and exits 4.
ktap_skip_all() {
	KTAP_DONE=1
	if [ -z "$KTAP_PLAN" ]; then
		echo "TAP version 13"
		echo "1..0 # SKIP $*"
	else
		while [ "$KTAP_NUM" -lt "$KTAP_PLAN" ]; do
			ktap_skip "not run" "$*"
		done
	fi
	exit $KSFT_SKIP
}

# ktap_bail REASON: stops the test as failed (when going on makes no sense),
# reporting every result not yet reported as failed.
ktap_bail() {
	ktap_diag "Bail out: $*"
	if [ -n "$KTAP_PLAN" ]; then
		while [ "$KTAP_NUM" -lt "$KTAP_PLAN" ]; do
			ktap_fail "not run"
		done
	fi
	KTAP_DONE=1
	exit $KSFT_FAIL
}

# wait_for TIMEOUT_S CMD...: runs CMD (output discarded) every 0.1 s until it
# succeeds; returns 1 if it still fails after TIMEOUT_S seconds.
wait_for() {
	local tries=$(($1 * 10))
	shift
	while [ $tries -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	"$@" >/dev/null 2>&1
}

# wait_until SECONDS CMD...: like wait_for, but bounded by the clock: CMD is
# retried every 0.2 s until it succeeds or SECONDS have passed, however long
# each try takes (wait_for counts tries, which a loaded emulator stretches).
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}
