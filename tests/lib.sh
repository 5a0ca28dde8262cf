# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Copyright (C) 2026 The espvti authors.
#
# tests/lib.sh: sourced by every VM test (tests/NAME.sh), which runs as root
# inside a scripts/vmtest guest. Gives KTAP output, bounded waits, module
# loading and network namespaces that clean up after themselves.
#
# A test looks like this:
#
#	. "$(dirname "$0")/lib.sh"
#	ktap_plan 2
#	espvti_load
#	ns_add a                        # $a is now a netns name such as a-1234
#	check "link add" ip -n "$a" link add esp0 type espvti
#	check "link up" ns_exec "$a" ip link set esp0 up
#	ktap_finish
#
# and exits 0 (all passed), 1 (something failed) or 4 (skipped), as kselftest
# does. Cleanup (trap cleanup EXIT) deletes the namespaces and calls the
# test's own test_cleanup function when it defines one.

# REPO: the repository root. ESPCTL: the espctl binary (default
# userland/espctl; set ESPCTL to test another one).
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ESPCTL=${ESPCTL:-$REPO/userland/espctl}
export REPO ESPCTL

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

KTAP_PLAN=		# number of results announced by ktap_plan
KTAP_NUM=0		# results printed so far
KTAP_PASS=0
KTAP_FAIL=0
KTAP_SKIP=0
KTAP_DONE=0		# 1 once ktap_finish or ktap_skip_all has run
LIB_NETNS=()		# namespaces to delete on exit

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
}

# ktap_fail NAME: reports the next result as failed.
ktap_fail() {
	KTAP_NUM=$((KTAP_NUM + 1))
	KTAP_FAIL=$((KTAP_FAIL + 1))
	echo "not ok $KTAP_NUM - $*"
}

# ktap_skip NAME REASON: reports the next result as skipped, saying why.
ktap_skip() {
	KTAP_NUM=$((KTAP_NUM + 1))
	KTAP_SKIP=$((KTAP_SKIP + 1))
	echo "ok $KTAP_NUM - $1 # SKIP ${2:-}"
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
# 0 otherwise.
ktap_finish() {
	local rc=$KSFT_PASS
	KTAP_DONE=1
	if [ -n "$KTAP_PLAN" ] && [ "$KTAP_NUM" -ne "$KTAP_PLAN" ]; then
		ktap_diag "planned $KTAP_PLAN results but reported $KTAP_NUM"
		rc=$KSFT_FAIL
	fi
	ktap_diag "Totals: pass:$KTAP_PASS fail:$KTAP_FAIL skip:$KTAP_SKIP"
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

# nat_topology: three namespaces, a client behind a router that will do NAT
# and a server (the NAT rules are the test's own):
#   $c vc 10.0.1.2 (default via 10.0.1.1) -- vnc 10.0.1.1 $nat vns 192.0.2.1 -- vs 192.0.2.2 $s
# with forwarding on in $nat.
nat_topology() {
	ns_add c nat s
	ip link add vc netns "$c" type veth peer name vnc netns "$nat" &&
		ip link add vns netns "$nat" type veth peer name vs netns "$s" || return 1
	ip -n "$c" addr add 10.0.1.2/24 dev vc
	ip -n "$nat" addr add 10.0.1.1/24 dev vnc
	ip -n "$nat" addr add 192.0.2.1/24 dev vns
	ip -n "$s" addr add 192.0.2.2/24 dev vs
	links_up "$c vc" "$nat vnc" "$nat vns" "$s vs"
	ip -n "$c" route add default via 10.0.1.1
	ns_exec "$nat" sysctl -qw net.ipv4.ip_forward=1
}

# links_up "NS DEV"...: sets each DEV in namespace NS up.
links_up() {
	local l
	for l in "$@"; do
		# shellcheck disable=SC2086 # "NS DEV"
		set -- $l
		ip -n "$1" link set "$2" up
	done
}

# espvti_ko: prints the path of espvti.ko for the running kernel (ESPVTI_KO,
# when set, names another one: e.g. an older build, to see a new test fail).
espvti_ko() {
	echo "${ESPVTI_KO:-$REPO/build/$(uname -r)/espvti.ko}"
}

# espvti_load [PARAM=VALUE...]: loads espvti.ko built for the running kernel
# (after the modules it depends on, and the accelerated AES-GCM and GHASH
# drivers, which nothing else loads in a guest without udev). Does nothing if
# the module is loaded already. Skips the whole test (exit 4) if the module
# was not built for this kernel; fails it (exit 1) if it does not load.
espvti_load() {
	local ko deps out
	ko=$(espvti_ko)
	[ -d /sys/module/espvti ] && return 0
	[ -f "$ko" ] || ktap_skip_all "$ko not built (run: make modules-all)"
	deps=$(modinfo -F depends "$ko" | tr , ' ')
	if [ -n "$deps" ]; then
		# shellcheck disable=SC2086 # one word per module
		out=$(modprobe -a $deps 2>&1) || ktap_bail "modprobe -a $deps: $out"
	fi
	modprobe -q -a aesni_intel ghash_clmulni_intel 2>/dev/null
	out=$(insmod "$ko" "$@" 2>&1) || ktap_bail "insmod $ko: $out"
	return 0
}

# espvti_unload: removes espvti; returns rmmod's status (0 if not loaded).
espvti_unload() {
	[ -d /sys/module/espvti ] || return 0
	rmmod espvti
}

# ns_add NAME...: creates one network namespace per NAME, called NAME-PID
# (unique per test run), stores that name in the shell variable NAME when
# NAME is a valid variable name, brings its lo up and deletes it on exit.
ns_add() {
	local n ns
	for n in "$@"; do
		ns=$n-$$
		ip netns add "$ns" || ktap_bail "ip netns add $ns failed"
		LIB_NETNS+=("$ns")
		ip -n "$ns" link set lo up
		case "$n" in [A-Za-z_]*[!A-Za-z0-9_]*) ;; [A-Za-z_]*) printf -v "$n" %s "$ns" ;; esac
	done
}

# ns_del NS: deletes namespace NS now (the full name, as in $NAME).
ns_del() {
	local i
	ip netns del "$1" || return 1
	for i in "${!LIB_NETNS[@]}"; do
		[ "${LIB_NETNS[$i]}" = "$1" ] && unset 'LIB_NETNS[i]'
	done
	return 0
}

# ns_exec NS CMD...: runs CMD inside namespace NS (the full name, as in $NAME).
ns_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# cleanup: the EXIT trap. Calls test_cleanup if the test defines it, then
# deletes the namespaces made by ns_add. A test that exits without reaching
# ktap_finish after ktap_plan fails (exit 1), so that a script that dies
# half-way is never read as a pass.
cleanup() {
	local rc=$? ns
	trap - EXIT
	if declare -F test_cleanup >/dev/null; then
		test_cleanup
	fi
	for ns in "${LIB_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	LIB_NETNS=()
	if [ -n "$KTAP_PLAN" ] && [ "$KTAP_DONE" = 0 ]; then
		ktap_diag "test exited (status $rc) after $KTAP_NUM of $KTAP_PLAN results, without ktap_finish"
		[ $rc -eq 0 ] && rc=$KSFT_FAIL
	fi
	exit $rc
}
trap cleanup EXIT

# The guest has no udev and no login environment: make sure that tools find
# what they need.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
