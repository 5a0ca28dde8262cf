#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# nl-privileges: what an unprivileged process may do with espvti, and what
# root of a user namespace may do (Documentation/espvti.md, "Privileges").
#
#   initial netns (root and nobody)          netns of nobody's user namespace
#   +-----------------------------+          (unshare -Urn, nobody is root)
#   | esp0 (espvti) 10.98.0.1/24  |          +-----------------------------+
#   |   no SA: a datagram to      |          | e1 (espvti) 10.97.0.1/24    |
#   |   10.98.0.2 raises acquire  |          |   its own acquire events    |
#   +-----------------------------+          +-----------------------------+
#
#   - nobody cannot join the "events" multicast group (EPERM on
#     NETLINK_ADD_MEMBERSHIP) and `espctl monitor` as nobody says that
#     CAP_NET_ADMIN is needed; root's monitor still sees events;
#   - every espvti generic netlink command, do and dump, is refused to nobody
#     with EPERM, and so are `ip link add/set/del` of espvti devices;
#   - nobody in a user namespace of its own but the initial netns
#     (unshare -Ur) is refused the same way;
#   - nobody as root of a user namespace with a netns of its own
#     (unshare -Urn) manages espvti devices and SAs there and sees their
#     events, but neither the initial namespace's devices nor its events.
#
# vmtest-timeout: 300
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a
. "$(dirname "$0")/lib.sh"

KEY=0x0102030405060708090a0b0c0d0e0f1011121314
ALG='rfc4106(gcm(aes))'

test_cleanup() {
	[ -n "${MON_PID:-}" ] && kill "$MON_PID" 2>/dev/null && wait "$MON_PID" 2>/dev/null
	ip link del esp0 2>/dev/null
	[ -n "${tmpdir:-}" ] && rm -rf "$tmpdir"
	return 0
}

# as_nobody CMD...: CMD as user nobody, group nogroup, no capabilities.
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$@"
}

# genl ARG...: tests/tools/genl-raw.py (a copy nobody can read).
genl() {
	ESPVTI_UAPI=$tmpdir/espvti.h python3 "$tmpdir/genl-raw.py" "$@"
}

# refused_eperm OUTPUT RC: a genl-raw.py answer is an EPERM refusal.
refused_eperm() {
	echo "$1"
	[ "$2" = 1 ] || { echo "exit $2, want 1 (refused)"; return 1; }
	grep -q '^error EPERM' <<<"$1" || { echo "not refused with EPERM"; return 1; }
}

# nobody_join: nobody's NETLINK_ADD_MEMBERSHIP to the events group fails
# with EPERM.
nobody_join() {
	local out rc
	out=$(as_nobody env ESPVTI_UAPI="$tmpdir/espvti.h" python3 "$tmpdir/genl-raw.py" join 2>&1)
	rc=$?
	refused_eperm "$out" "$rc"
}

# nobody_monitor: `espctl monitor` as nobody exits non-zero at once with a
# message saying that CAP_NET_ADMIN is needed.
nobody_monitor() {
	local out rc
	out=$(as_nobody timeout -k 3 10 "$tmpdir/espctl" monitor 2>&1)
	rc=$?
	echo "$out"
	echo "(exit $rc)"
	[ $rc -ne 0 ] || { echo "succeeded as nobody"; return 1; }
	[ $rc -ne 124 ] && [ $rc -ne 137 ] || { echo "still running after 10 s: it joined the group"; return 1; }
	[ $rc -lt 126 ] || { echo "exit $rc: a crash or an exec failure"; return 1; }
	grep -q 'needs CAP_NET_ADMIN' <<<"$out" || { echo "the message does not say CAP_NET_ADMIN is needed"; return 1; }
	grep -q 'not permitted' <<<"$out" || { echo "the message does not give the error"; return 1; }
}

# poke DST: one UDP datagram to DST (through a device without SA: acquire).
poke() {
	printf x >"/dev/udp/$1/9" 2>/dev/null
	return 0
}

# root_monitor_sees: a datagram into esp0 makes root's `espctl monitor`
# (started in the background, writing to $tmpdir/monitor.json) print an
# acquire event of esp0.
root_monitor_sees() {
	local ev=$tmpdir/monitor.json
	if ! wait_for 10 poke_and_look "$ev"; then
		echo "no acquire event of esp0; the monitor printed:"
		cat "$ev"
		return 1
	fi
	grep -m1 '"acquire"' "$ev"
}

# gone PID: the process has exited (a zombie not yet reaped counts).
gone() {
	local st
	st=$(ps -o stat= -p "$1")
	[ -z "$st" ] || [[ $st == Z* ]]
}

poke_and_look() {
	poke 10.98.0.2
	grep '"acquire"' "$1" | grep -q '"esp0"'
}

# nobody_cmd NAME [--dump] CMD ATTR...: the command as nobody is refused
# with EPERM.
nobody_cmd() {
	local out rc
	out=$(as_nobody env ESPVTI_UAPI="$tmpdir/espvti.h" python3 "$tmpdir/genl-raw.py" cmd "$@" 2>&1)
	rc=$?
	refused_eperm "$out" "$rc"
}

# esp0_untouched: esp0 still has TTL 64 and no SA (nothing nobody asked for
# was done).
esp0_untouched() {
	local out
	out=$("$ESPCTL" show esp0 --json) || return 1
	echo "$out"
	jq -e '(if type == "array" then .[0] else . end) | .ttl == 64 and ((.sas // []) | length) == 0' \
		<<<"$out" >/dev/null || { echo "esp0 was changed"; return 1; }
}

# nobody_ip_fails DESC CMD...: the ip command as nobody fails.
nobody_ip_fails() {
	local out rc
	out=$(as_nobody "$@" 2>&1)
	rc=$?
	echo "$out"
	[ $rc -ne 0 ] || { echo "succeeded as nobody"; return 1; }
	grep -qi 'not permitted' <<<"$out" || { echo "no permission error"; return 1; }
}

# links_intact: nobody's attempts left the devices as they were.
links_intact() {
	ip link show dev esp0 >/dev/null || { echo "esp0 is gone"; return 1; }
	[ "$(cat /sys/class/net/esp0/mtu)" != 1300 ] || { echo "esp0's MTU was changed"; return 1; }
	! ip link show dev x0 2>/dev/null || { echo "nobody created x0"; return 1; }
}

# userns_only: nobody as root of a user namespace but in the initial netns
# (unshare -Ur) is refused the group, the commands and device creation.
userns_only() {
	local out rc
	out=$(as_nobody unshare -Ur env ESPVTI_UAPI="$tmpdir/espvti.h" python3 "$tmpdir/genl-raw.py" join 2>&1)
	rc=$?
	refused_eperm "$out" "$rc" || return 1
	out=$(as_nobody unshare -Ur env ESPVTI_UAPI="$tmpdir/espvti.h" python3 "$tmpdir/genl-raw.py" cmd --dump DEV_GET 2>&1)
	rc=$?
	refused_eperm "$out" "$rc" || return 1
	out=$(as_nobody unshare -Ur ip link add x0 type espvti 2>&1)
	rc=$?
	echo "ip link add: $out (exit $rc)"
	[ $rc -ne 0 ] || { echo "created a device in the initial netns"; return 1; }
}

# The script nobody runs as root of its own user and network namespace; one
# line "ok NAME" or "not ok NAME: WHY" per step. genl-raw.py joins the events
# group first and listens for 6 s in the background.
write_userns_script() {
	cat >"$tmpdir/userns.sh" <<-EOF
	T=$tmpdir W=$tmpdir/nobody
	export ESPVTI_UAPI=\$T/espvti.h
	G="python3 \$T/genl-raw.py"
	step() { local n=\$1; shift; local o; if o=\$("\$@" 2>&1); then echo "ok \$n"; else echo "not ok \$n: \$(echo \$o)"; fi; }
	expect_err() { local n=\$1 e=\$2; shift 2; local o; o=\$("\$@" 2>&1); if grep -q "^error \$e" <<<"\$o"; then echo "ok \$n"; else echo "not ok \$n: \$(echo \$o)"; fi; }
	ip link set lo up
	\$G join --wait 6 >\$W/userns-events 2>&1 &
	sleep 1
	step link_add ip link add e1 type espvti
	step set \$T/espctl set e1 local 192.0.2.1 remote 192.0.2.2
	step sa_add_out \$T/espctl sa add e1 dir out spi 0x1000 aead '$ALG' $KEY 128
	step sa_add_in \$T/espctl sa add e1 dir in spi 0x2000 aead '$ALG' $KEY 128
	step sa_del \$T/espctl sa del e1 dir out spi 0x1000
	ip addr add 10.97.0.1/24 dev e1 && ip link set e1 up
	show=\$(\$T/espctl show 2>&1)
	if grep -qw e1 <<<"\$show" && ! grep -qw esp0 <<<"\$show"; then echo "ok show_own"; else echo "not ok show_own: \$(echo \$show)"; fi
	expect_err dev_get_esp0 ENODEV \$G cmd DEV_GET A_IFNAME:str=esp0
	expect_err sa_flush_esp0 ENODEV \$G cmd SA_FLUSH A_IFNAME:str=esp0
	for i in 1 2 3 4; do printf x >/dev/udp/10.97.0.2/9 2>/dev/null; sleep 1; done
	wait
	if grep -q '^joined' \$W/userns-events; then echo "ok join"; else echo "not ok join: \$(cat \$W/userns-events)"; fi
	if grep -q 'ACQUIRE_NTF ifname=e1' \$W/userns-events; then echo "ok own_event"; else echo "not ok own_event: \$(cat \$W/userns-events)"; fi
	if grep -q '^joined' \$W/userns-events && ! grep -q 'ifname=esp0' \$W/userns-events; then echo "ok foreign_event"; else echo "not ok foreign_event: \$(cat \$W/userns-events)"; fi
	EOF
}

# userns_step NAME: the userns script reported "ok NAME".
userns_step() {
	grep -q "^ok $1\$" "$tmpdir/userns.out" && return 0
	if ! grep "$1" "$tmpdir/userns.out"; then
		echo "step $1 did not run; the script printed:"
		cat "$tmpdir/userns.out"
	fi
	return 1
}

ktap_plan 26

espvti_load
[ -x "$ESPCTL" ] || ktap_skip_all "$ESPCTL not built (run: make userland)"
command -v jq >/dev/null || ktap_skip_all "jq is not installed"

# The repository may not be readable by nobody: run copies.
tmpdir=$(mktemp -d)
chmod 755 "$tmpdir"
install -m 755 "$ESPCTL" "$tmpdir/espctl"
install -m 755 "$REPO/tests/tools/genl-raw.py" "$tmpdir/genl-raw.py"
install -m 644 "$REPO/include/uapi/linux/espvti.h" "$tmpdir/espvti.h"
install -d -m 700 -o nobody "$tmpdir/nobody"	# nobody's files

ip link add esp0 type espvti &&
	sysctl -qw net.ipv6.conf.esp0.disable_ipv6=1 &&
	ip addr add 10.98.0.1/24 dev esp0 && ip link set esp0 up ||
	ktap_bail "cannot create esp0"

# The events group.
check "nobody cannot join the events group (EPERM)" nobody_join
check "espctl monitor as nobody fails: needs CAP_NET_ADMIN" nobody_monitor
"$ESPCTL" monitor --json >"$tmpdir/monitor.json" 2>&1 &
MON_PID=$!
check "root's espctl monitor still sees an acquire event" root_monitor_sees
kill -TERM "$MON_PID"
check "espctl monitor stops on SIGTERM while waiting" wait_for 5 gone "$MON_PID"
kill -KILL "$MON_PID" 2>/dev/null
wait "$MON_PID" 2>/dev/null
MON_PID=

# Every command, do and dump, as nobody.
SA_OUT=('A_SA{' SA_A_DIR:u8=2 SA_A_SPI:u32=0x1000 "SA_A_ALG:str=$ALG" "SA_A_KEY:hex=$KEY"
	SA_A_ICV_BITS:u32=128 '}')
SA_ID=('A_SA{' SA_A_DIR:u8=2 SA_A_SPI:u32=0x1000 '}')
check "DEV_GET as nobody: EPERM" nobody_cmd DEV_GET A_IFNAME:str=esp0
check "DEV_GET dump as nobody: EPERM" nobody_cmd --dump DEV_GET
check "DEV_SET as nobody: EPERM" nobody_cmd DEV_SET A_IFNAME:str=esp0 A_TTL:u8=5
check "SA_NEW as nobody: EPERM" nobody_cmd SA_NEW A_IFNAME:str=esp0 "${SA_OUT[@]}"
check "SA_DEL as nobody: EPERM" nobody_cmd SA_DEL A_IFNAME:str=esp0 "${SA_ID[@]}"
check "SA_GET as nobody: EPERM" nobody_cmd SA_GET A_IFNAME:str=esp0 "${SA_ID[@]}"
check "SA_GET dump as nobody: EPERM" nobody_cmd --dump SA_GET A_IFNAME:str=esp0
check "SA_FLUSH as nobody: EPERM" nobody_cmd SA_FLUSH A_IFNAME:str=esp0
check "SA_RESERVE as nobody: EPERM" nobody_cmd SA_RESERVE A_IFNAME:str=esp0 \
	'A_SA{' SA_A_DIR:u8=1 SA_A_SPI:u32=0x1000 '}'
check "esp0 unchanged by nobody's requests" esp0_untouched

# rtnetlink: newlink, setlink, dellink.
check "ip link add type espvti as nobody fails" nobody_ip_fails ip link add x0 type espvti
check "ip link set esp0 mtu as nobody fails" nobody_ip_fails ip link set esp0 mtu 1300
check "ip link del esp0 as nobody fails" nobody_ip_fails ip link del esp0
check "the devices are as they were" links_intact

# User namespaces.
if ! as_nobody unshare -Urn true 2>/dev/null; then
	for n in "unshare -Ur: still refused" link_add "set, sa add, sa del" show_own \
		"DEV_GET, SA_FLUSH of esp0" join own_event foreign_event; do
		ktap_skip "user namespace: $n" "nobody cannot create a user namespace here"
	done
	ktap_finish
fi
check "nobody in a user namespace, initial netns: group, dump and link add refused" userns_only

write_userns_script
as_nobody unshare -Urn bash "$tmpdir/userns.sh" >"$tmpdir/userns.out" 2>&1 &
userns_pid=$!
# Meanwhile the initial namespace raises events that nobody must not see.
for _ in 1 2 3 4 5 6 7; do
	poke 10.98.0.2
	sleep 1
done
wait "$userns_pid"
sed 's/^/# /' "$tmpdir/userns.out"
check "userns root: ip link add type espvti in its own netns" userns_step link_add
check "userns root: espctl set, sa add in/out, sa del" \
	bash -c "$(declare -f userns_step); tmpdir=$tmpdir; for s in set sa_add_out sa_add_in sa_del; do userns_step \$s || exit 1; done"
check "userns root: espctl show lists its device, not the initial netns' esp0" userns_step show_own
check "userns root: the initial netns' esp0 is not found (DEV_GET, SA_FLUSH)" \
	bash -c "$(declare -f userns_step); tmpdir=$tmpdir; userns_step dev_get_esp0 && userns_step sa_flush_esp0"
check "userns root: joins the events group of its own netns" userns_step join
check "userns root: sees its own device's acquire event" userns_step own_event
check "userns root: sees no event of the initial netns" userns_step foreign_event

ktap_finish
