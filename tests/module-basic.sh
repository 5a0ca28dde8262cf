#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# module-basic: load espvti, check its load-time self-test, create, change
# and delete devices with iproute2, unload with devices still present in two
# namespaces, and load again.
#
#   init netns          netns $a             netns $b
#   +-----------+       +-----------+        +-----------+
#   | esp0      |       | esp0      |        | esp1      |
#   | (espvti)  |       | (espvti)  |        | (espvti)  |
#   +-----------+       +-----------+        +-----------+
#   no wires: the devices have no endpoints or SAs; only their life cycle is
#   tested. The harness fails the run on any kernel warning.
#
# vmtest-timeout: 180
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b, $c
. "$(dirname "$0")/lib.sh"

# link_show NS DEV: `ip -d link show DEV` in NS ("" for the initial netns).
link_show() {
	if [ -n "$1" ]; then ip -n "$1" -d link show dev "$2"; else ip -d link show dev "$2"; fi
}

# is_espvti NS DEV: DEV exists in NS and its link kind is espvti.
is_espvti() {
	local out
	out=$(link_show "$1" "$2") || return 1
	grep -qw espvti <<<"$out" || { echo "kind is not espvti:"; echo "$out"; return 1; }
}

# has_flag DEV FLAG / lacks_flag DEV FLAG: DEV's <FLAGS> list (initial netns).
has_flag() { ip link show dev "$1" | grep -q "[<,]$2[,>]"; }
lacks_flag() { ! has_flag "$@"; }

# mtu_is DEV N: DEV's MTU is N (initial netns).
mtu_is() {
	local m
	m=$(cat "/sys/class/net/$1/mtu") || return 1
	[ "$m" = "$2" ] || { echo "mtu is $m, want $2"; return 1; }
}

# selftest_ok: the load-time self-tests (replay window, ChaCha20-Poly1305)
# say they passed and none failed.
selftest_ok() {
	local log
	log=$(dmesg | grep 'espvti: .*self-test')
	echo "$log"
	grep -q 'replay self-test passed' <<<"$log" &&
		grep -q 'ChaCha20-Poly1305 self-test passed' <<<"$log" &&
		! grep -qiE 'self-test.*fail' <<<"$log"
}

test_cleanup() {
	ip link del esp0 2>/dev/null
	return 0
}

ktap_plan 18

espvti_load
ktap_ok "module loads"

if dmesg | grep -q 'espvti: .*self-test'; then
	check "load-time self-test passed" selftest_ok
else
	ktap_skip "load-time self-test passed" "the module printed no self-test line"
fi

# One device in the initial namespace, through its life cycle.
check "ip link add esp0 type espvti" ip link add esp0 type espvti
check "ip -d link show: kind espvti" is_espvti "" esp0
check "ip link set esp0 up" ip link set esp0 up
check "esp0 is UP" has_flag esp0 UP
check "ip link set esp0 mtu 1400" ip link set esp0 mtu 1400
check "esp0 mtu is 1400" mtu_is esp0 1400
check_fails "mtu 60 (below the IPv4 minimum) rejected" ip link set esp0 mtu 60
check "ip link set esp0 down" bash -c 'ip link set esp0 down && ! ip link show dev esp0 | grep -q "[<,]UP[,>]"'
check "ip link del esp0" ip link del esp0
check "esp0 is gone" absent "" esp0

# Devices in two other namespaces, and in the initial one.
ns_add a b
check "device in netns a" ip -n "$a" link add esp0 type espvti
check "device in netns b" bash -c "ip -n '$b' link add esp1 type espvti && ip -n '$b' link set esp1 up"
check "netns a's esp0 is not in netns b or the initial netns" \
	bash -c "ip -n '$a' link show dev esp0 >/dev/null && ! ip -n '$b' link show dev esp0 2>/dev/null && ! ip link show dev esp0 2>/dev/null"

# Unload with devices present: they must go away with the module.
ip link add esp0 type espvti
check "rmmod espvti with devices in three namespaces" rmmod espvti
check "every device went away with the module" \
	bash -c "$(declare -f absent); absent '$a' esp0 && absent '$b' esp1 && absent '' esp0 && [ ! -d /sys/module/espvti ]"

# Load again: everything works as the first time.
espvti_load
check "reload: device add, up and del" \
	bash -c "ip -n '$a' link add esp0 type espvti && ip -n '$a' link set esp0 up && ip -n '$a' link del esp0"

ktap_finish
