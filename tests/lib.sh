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

# shellcheck source=tests/lib-ktap.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-ktap.sh"

LIB_NETNS=()		# namespaces to delete on exit

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
# the module is loaded already. ESPVTI_TEST_PARALLEL, when set, is given as
# the module parameter parallel (2: every test on the parallel path even
# with one CPU) unless the test names parallel itself. Skips the whole test (exit 4) if the module
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
	if [ -n "${ESPVTI_TEST_PARALLEL:-}" ] && [[ " $* " != *" parallel="* ]]; then
		set -- "$@" "parallel=$ESPVTI_TEST_PARALLEL"
	fi
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

# random_hex N: N random bytes as hex digits.
random_hex() {
	head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# mtu_of NS DEV: the MTU of DEV in NS.
mtu_of() {
	ns_exec "$1" cat "/sys/class/net/$2/mtu"
}

# absent NS DEV: no device DEV in NS (the initial namespace when NS is
# empty); says which one is still there.
absent() {
	local ns=()
	[ -n "$1" ] && ns=(-n "$1")
	if ip "${ns[@]}" link show dev "$2" >/dev/null 2>&1; then
		echo "$2 still exists${1:+ in $1}"
		return 1
	fi
}

# slab1k: objects in use in the 1 KiB kmalloc caches (an SA is one of them),
# after SLUB has flushed its per-CPU slabs (so that freed objects count as
# free). many.sh and sa-scale.sh compare it before and after their SAs.
slab1k() {
	local c
	for c in /sys/kernel/slab/kmalloc-1k /sys/kernel/slab/kmalloc-cg-1k; do
		[ -w "$c/shrink" ] && echo 1 >"$c/shrink"
	done
	awk '$1 == "kmalloc-1k" || $1 == "kmalloc-cg-1k" { s += $2 } END { print s + 0 }' \
		/proc/slabinfo
}

# rmmod_now: rmmod espvti; a module still in use (packets or work in
# flight) is retried for at most 10 s.
rmmod_now() {
	local i
	for i in $(seq 1 20); do
		if rmmod espvti 2>/dev/null; then
			[ "$i" = 1 ] || ktap_diag "rmmod succeeded at attempt $i"
			return 0
		fi
		sleep 0.5
	done
	rmmod espvti && return 0	# its error said, this once
	lsmod | grep -w espvti
	return 1
}
