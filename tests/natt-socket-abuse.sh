#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# vmtest-timeout: 300
#
# natt-socket-abuse: what the process owning a handed-over UDP socket
# (`espctl set DEV encap udp fd N`, tests/tools/udp-handover.py) can do to
# it, and that none of it leaves the device holding the socket, the socket
# holding its namespace, or module code reachable after rmmod.
#
#   - A socket that already carries an encapsulation (setsockopt UDP_ENCAP
#     ESPINUDP before the hand-over, as an xfrm IKE daemon does) is refused
#     with EBUSY and an extack message naming ESPVTI_A_ENCAP_FD; so is one
#     that a BPF sockmap holds (its sk_user_data is the sockmap's), and
#     one that an L2TPv3 tunnel uses (another tunnel driver's). The other
#     way round, l2tp refuses a socket handed over to espvti (EBUSY).
#   - After the hand-over the process sets UDP_ENCAP ESPINUDP itself (the
#     socket is xfrm's now): the device lets go of it (socket none, logged);
#     IKE datagrams still reach the process; deleting the device leaves the
#     process's hooks alone and closing the socket is harmless.
#   - After the hand-over the process sets UDP_ENCAP 0 and is killed: the
#     core never calls encap_destroy for a socket without an encapsulation
#     type, yet the device lets go and the namespace ($c) really goes away.
#   - The process exits normally (SIGTERM): the device lets go.
#   - rmmod with a handed-over socket; the process then receives datagrams
#     and closes the socket (nothing of the module is called); the module
#     loads again and makes a device.
#
#   netns $a                                 root namespace
#   +----------------------------------+     +-----------------------------+
#   | esp0..esp3 (espvti), endpoints   |     | vq0 (veth) === vq1 in $c:   |
#   | 192.0.2.1 -> 192.0.2.2, sockets  |     |   esp0 sharing the socket   |
#   | of udp-handover.py on 4500..4503 |     |   of a helper, UDP_ENCAP 0, |
#   | datagrams sent from $a to itself |     |   then SIGKILL; $c deleted  |
#   +----------------------------------+     +-----------------------------+
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $c
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"
# shellcheck source=tests/lib-handover.sh
. "$(dirname "$0")/lib-handover.sh"


test_cleanup() {
	esp_cleanup
	ip link del vq0 2>/dev/null
}

# send_to PORT HEX: one datagram from $a to 127.0.0.1:PORT.
send_to() {
	ns_exec "$a" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(bytes.fromhex(sys.argv[2]), ("127.0.0.1", int(sys.argv[1])))' "$1" "$2"
}

# lands_on FILE PORT HEX: a datagram sent to PORT reaches the helper
# whose output is FILE.
lands_on() {
	send_to "$2" "$3" || return 1
	wait_for 10 got "$1" ".event == \"datagram\" and .hex == \"$3\"" && return 0
	echo "sent $3; the process received:"
	cat "$1"
	return 1
}

# logged TEXT: the kernel log has TEXT.
logged() {
	dmesg | grep -q "$1" && return 0
	echo "no kernel log line: $1"
	dmesg | tail -n 5
	return 1
}

# refused_busy: a socket with UDP_ENCAP set is refused, EBUSY and extack.
refused_busy() {
	local rc=0
	helper "$a" "$ESP_TMP/h0.json" 4500 esp0 --encap-before 2 || return 1
	cat "$ESP_TMP/h0.json" "$ESP_TMP/h0.json.err"
	got "$ESP_TMP/h0.json" '.event == "ready" and .rc != 0' || rc=1
	grep -q "ESPVTI_A_ENCAP_FD" "$ESP_TMP/h0.json.err" || rc=1
	grep -qi "busy" "$ESP_TMP/h0.json.err" || rc=1
	[ "$(socket_of "$a" esp0)" != user ] || rc=1
	kill "$HELPER_PID"
	return $rc
}

# refused_sockmap: a socket in a BPF sockmap (whose sk_user_data is the
# sockmap's) is refused, EBUSY and extack. Skipped where bpf() cannot make
# a sockmap (a kernel without BPF_SYSCALL).
refused_sockmap() {
	local rc=0
	helper "$a" "$ESP_TMP/h5.json" 4505 esp5 --sockmap || return 1
	cat "$ESP_TMP/h5.json" "$ESP_TMP/h5.json.err"
	if ! got "$ESP_TMP/h5.json" '.event == "sockmap" and .rc == 0'; then
		kill "$HELPER_PID"
		return 4
	fi
	got "$ESP_TMP/h5.json" '.event == "ready" and .rc != 0' || rc=1
	grep -q "ESPVTI_A_ENCAP_FD" "$ESP_TMP/h5.json.err" || rc=1
	grep -qi "busy" "$ESP_TMP/h5.json.err" || rc=1
	[ "$(socket_of "$a" esp5)" != user ] || rc=1
	kill "$HELPER_PID"
	ip -n "$a" link del esp5
	return $rc
}

# refused_l2tp: a socket that an L2TPv3 tunnel uses (another tunnel driver:
# its sk_user_data and encapsulation are l2tp's) is refused, EBUSY and
# extack. Skipped where the kernel has no l2tp (l2tp_netlink).
refused_l2tp() {
	local rc=0
	helper "$a" "$ESP_TMP/h6.json" 4506 esp6 --l2tp || return 1
	cat "$ESP_TMP/h6.json" "$ESP_TMP/h6.json.err"
	if ! got "$ESP_TMP/h6.json" '.event == "l2tp" and .rc == 0'; then
		kill "$HELPER_PID"
		return 4
	fi
	got "$ESP_TMP/h6.json" '.event == "ready" and .rc != 0' || rc=1
	grep -q "ESPVTI_A_ENCAP_FD" "$ESP_TMP/h6.json.err" || rc=1
	grep -qi "busy" "$ESP_TMP/h6.json.err" || rc=1
	[ "$(socket_of "$a" esp6)" != user ] || rc=1
	kill "$HELPER_PID"
	ip -n "$a" link del esp6
	return $rc
}

# l2tp_refused_after: the other way round, a socket handed over to esp7 is
# refused by l2tp (EBUSY: espvti's sk_user_data marks it taken), esp7 keeps
# it, and lets go when the process exits.
l2tp_refused_after() {
	local out=$ESP_TMP/h7.json
	helper "$a" "$out" 4507 esp7 --l2tp-later || return 1
	handed "$out" || return 1
	kill -USR2 "$HELPER_PID" &&
		wait_for 10 got "$out" '.event == "l2tp"' || return 1
	cat "$out"
	got "$out" '.event == "l2tp" and .rc == 16' || { echo "l2tp was not refused with EBUSY"; return 1; }
	socket_is "$a" esp7 user || return 1
	kill -TERM "$HELPER_PID"
	wait "$HELPER_PID" 2>/dev/null
	wait_for 10 socket_is "$a" esp7 none && ip -n "$a" link del esp7
}

# xfrm_takes_it: the process sets UDP_ENCAP ESPINUDP after the hand-over.
xfrm_takes_it() {
	kill -USR2 "$H1_PID" &&
		wait_for 10 got "$H1" '.event == "encap" and .rc == 0' || return 1
	wait_for 15 socket_is "$a" esp1 none || return 1
	logged "esp1: the process that handed over UDP port 4501 changed its encapsulation"
}

# delete_leaves_xfrm: deleting esp1 leaves the process's own hooks (an IKE
# datagram still reaches it through xfrm's), and closing it is harmless.
delete_leaves_xfrm() {
	ip -n "$a" link del esp1 || return 1
	lands_on "$H1" 4501 "00000000$(random_hex 24)" || return 1
	kill -USR1 "$H1_PID" && wait_for 10 got "$H1" '.event == "closed"'
}

# encap0_killed_netns_freed: in $c (veth vq0/vq1 to the root namespace) a
# helper hands its socket over, sets UDP_ENCAP 0 and is killed; $c goes.
encap0_killed_netns_freed() {
	local out=$ESP_TMP/h3.json
	ip link add vq0 type veth peer name vq1 netns "$c" || return 1
	helper "$c" "$out" 4500 esp0 --encap-later 0 || return 1
	handed "$out" || return 1
	kill -USR2 "$HELPER_PID" &&
		wait_for 10 got "$out" '.event == "encap" and .rc == 0' || return 1
	kill -KILL "$HELPER_PID"
	wait "$HELPER_PID" 2>/dev/null
	wait_for 15 socket_is "$c" esp0 none || return 1
	ns_del "$c" || return 1
	wait_for 60 bash -c '! ip link show vq0 2>/dev/null' && return 0
	echo "vq0 still there 60 s after deleting $c: the namespace lingers"
	return 1
}

# exit_lets_go: the helper of esp2 exits (SIGTERM): esp2 lets go.
exit_lets_go() {
	kill -TERM "$H2_PID" || return 1
	wait "$H2_PID" 2>/dev/null
	wait_for 10 socket_is "$a" esp2 none
}

# rmmod_then_close: rmmod with esp3 holding a socket; the socket receives
# ESP-looking datagrams itself and closes without calling into the module.
rmmod_then_close() {
	espvti_unload || return 1
	[ ! -d /sys/module/espvti ] || { echo "espvti still loaded"; return 1; }
	lands_on "$H4" 4503 "$(random_hex 4)00000001$(random_hex 16)" || return 1
	kill -USR1 "$H4_PID" && wait_for 10 got "$H4" '.event == "closed"'
}

# loads_again: no namespace or socket kept the old module's state.
loads_again() {
	espvti_load &&
		ip link add espx type espvti &&
		ip link del espx &&
		espvti_unload
}

esp_require_tools jq python3
ktap_plan 14
espvti_load
ns_add a c
esp_keying gcm128 0

check "socket with UDP_ENCAP ESPINUDP: EBUSY with extack" refused_busy
refused_sockmap >"$ESP_TMP/sockmap.out" 2>&1
case $? in
0) ktap_ok "socket in a BPF sockmap: EBUSY with extack" ;;
4) ktap_skip "socket in a BPF sockmap" "bpf() cannot make a sockmap here" ;;
*) ktap_fail "socket in a BPF sockmap: EBUSY with extack"; sed 's/^/# /' "$ESP_TMP/sockmap.out" ;;
esac

refused_l2tp >"$ESP_TMP/l2tp.out" 2>&1
case $? in
0)
	ktap_ok "socket of an L2TPv3 tunnel: EBUSY with extack"
	check "socket handed over: l2tp refuses it (EBUSY), the device keeps it" l2tp_refused_after
	;;
4)
	ktap_skip "socket of an L2TPv3 tunnel" "no l2tp in this kernel"
	ktap_skip "socket handed over: l2tp refuses it" "no l2tp in this kernel"
	;;
*)
	ktap_fail "socket of an L2TPv3 tunnel: EBUSY with extack"
	sed 's/^/# /' "$ESP_TMP/l2tp.out"
	check "socket handed over: l2tp refuses it (EBUSY), the device keeps it" l2tp_refused_after
	;;
esac

H1=$ESP_TMP/h1.json
helper "$a" "$H1" 4501 esp1 --encap-later 2
H1_PID=$HELPER_PID
check "port 4501 handed over to esp1" handed "$H1"
check "process sets UDP_ENCAP ESPINUDP after the hand-over: esp1 lets go" xfrm_takes_it
check "esp1 deleted: the process's own encapsulation works, close harmless" \
	delete_leaves_xfrm
check "UDP_ENCAP 0 after the hand-over, process killed: namespace goes away" \
	encap0_killed_netns_freed

H2=$ESP_TMP/h2.json
helper "$a" "$H2" 4502 esp2
H2_PID=$HELPER_PID
check "port 4502 handed over to esp2" handed "$H2"
check "process exits: esp2 lets go" exit_lets_go

H4=$ESP_TMP/h4.json
helper "$a" "$H4" 4503 esp3
H4_PID=$HELPER_PID
check "port 4503 handed over to esp3" handed "$H4"
check "rmmod; the socket is ordinary again and closes cleanly" rmmod_then_close
check "namespace $a deleted" ns_del "$a"
check "module loads again, makes a device and unloads" loads_again

ktap_finish
