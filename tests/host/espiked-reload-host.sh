#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# espiked-reload-host.sh ESPIKED: host test of reading the configuration
# again while running (espiked(8) RELOADING) and of the service manager
# notifications (sd_notify protocol). No root, no module: two daemons on
# the loopback with the fake kernel interface, as espiked-host.sh. Each
# connection tunN has its own pair of addresses (the responder picks the
# connection by address) and device espN:
#
#   [espiked A, start initiate] 127.0.1.N:$PA  <--UDP-->  127.0.2.N:$PB [espiked B, listen]
#        -K fake:a.kern (espN)                                -K fake:b.kern (espN)
#
# Round 1 (SIGHUP, B first then A): tun1 unchanged, tun2 changed on A (its
# ESP proposal), tun3 removed, tun4 added. Round 2 (espctl ike reload):
# tun1 unchanged, tun2 changed on A (its local selectors), tun3 added
# again, tun4 removed. After each: tun1 keeps its IKE SA id and CHILD_SA
# SPIs and its kernel SAs are the same lines, tun2 runs on new SPIs with
# the new settings, a removed connection is gone on both sides with no SA
# left on its device, an added one is up. A file with an error at a known
# line, or a changed ike_port, changes nothing and says FILE:LINE, in the
# log (SIGHUP) and on espctl's stderr with exit 1. Two connections on one
# device (tun6, tun7 on A's esp6): the one changed is re-established, the
# other keeps its SAs on the device. A connection added next to one with
# the same identity and peer sends no INITIAL_CONTACT (the peer would
# close the other's IKE SA). Then a third daemon
# with NOTIFY_SOCKET: READY=1 only once its control socket exists,
# RELOADING=1 and READY=1 around a reload, STOPPING=1 on SIGTERM, on a
# path and on an abstract socket; systemd-analyze verify of the unit file.
# KTAP output; exit 0 pass, 1 fail.
set -u
E=$(readlink -f "${1:?usage: espiked-reload-host.sh PATH-TO-ESPIKED}")
HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=tests/host/lib-host.sh
. "$HERE/lib-host.sh" espiked-reload-host
UNIT=$HERE/../../userland/iked/espiked.service
PA=$((20000 + $$ % 20000))
PB=$((PA + 1))
PC=$((PA + 2))

# conn_block SIDE N [EXTRA]: connection tunN of SIDE (a or b), one statement
# a line; EXTRA ("key value; key value") replaces the defaults of its keys.
conn_block() {
	local side=$1 n=$2 extra=${3:-} l r lts rts start st
	if [ "$side" = a ]; then
		l=127.0.1.$n r=127.0.2.$n lts=10.1.$n.0/24 rts=10.2.$n.0/24 start=initiate
	else
		l=127.0.2.$n r=127.0.1.$n lts=10.2.$n.0/24 rts=10.1.$n.0/24 start=listen
	fi
	echo "conn tun$n {"
	for st in "local $l" "remote $r" "remote_port $([ "$side" = a ] && echo $PB || echo $PA)" \
		"psk \"reload secret $n\"" "local_ts $lts" "remote_ts $rts" "device esp$n" \
		"start $start" "retransmit_timeout 200ms" "retransmit_tries 3"; do
		[[ "; $extra" == *"; ${st%% *} "* ]] || echo "    $st"
	done
	[ -z "$extra" ] || tr ';' '\n' <<<"$extra" | sed 's/^ */    /'
	echo "}"
}

# conf SIDE BLOCKS...: SIDE.conf from conn blocks written as "N[:EXTRA]"
conf() {
	local side=$1 b
	shift
	{
		echo "ike_port $([ "$side" = a ] && echo $PA || echo $PB)"
		echo "natt_port 0"
		for b in "$@"; do
			if [ "${b#*:}" = "$b" ]; then conn_block "$side" "$b"
			else conn_block "$side" "${b%%:*}" "${b#*:}"; fi
		done
	} > "$D/$side.conf"
}

kern_lines() { grep "^sa esp$2 " "$D/$1.kern" 2>/dev/null; }	# kern_lines SIDE N
nsa_dev() { kern_lines "$1" "$2" | wc -l; }
up() {	# up N: tunN ESTABLISHED with one installed CHILD_SA on both, 2 SAs on each device
	[ "$(ike_sa_state a "tun$1")" = ESTABLISHED ] && [ "$(ike_sa_state b "tun$1")" = ESTABLISHED ] &&
	[ "$(child_count a INSTALLED "tun$1")" = 1 ] && [ "$(child_count b INSTALLED "tun$1")" = 1 ] &&
	[ "$(nsa_dev a "$1")" = 2 ] && [ "$(nsa_dev b "$1")" = 2 ]
}
gone() {	# gone N: tunN listed by neither daemon, no SA on espN on either side
	[ -z "$(ike_q a -r '.[] | select(.name == "tun'"$1"'") | .name')" ] &&
	[ -z "$(ike_q b -r '.[] | select(.name == "tun'"$1"'") | .name')" ] &&
	[ "$(nsa_dev a "$1")" = 0 ] && [ "$(nsa_dev b "$1")" = 0 ]
}
deleted() {	# deleted N: B (reloaded first) dropped tunN: A has no IKE SA of it, no SA on espN
	[ -z "$(ike_q b -r '.[] | select(.name == "tun'"$1"'") | .name')" ] &&
	[ "$(ike_sa_count a "tun$1")" = 0 ] && [ "$(nsa_dev a "$1")" = 0 ] && [ "$(nsa_dev b "$1")" = 0 ]
}
ids() { child_ids "$1" "tun$2"; }	# ids SIDE N: tunN's, lib-ike-state.sh
proposal() {	# proposal SIDE N: tunN's CHILD_SA proposal
	ike_q "$1" -r --arg c "tun$2" '.[] | select(.name == $c) | .ike_sas[].child_sas[].proposal'
}
names() { ike_q "$1" -r '[.[].name] | join(" ")'; }
snapshot() {	# snapshot: everything a refused reload must leave alone, into $D/snap
	{ ike_q a -c '[.[] | {name, ike: [.ike_sas[] | {id, state,
		c: [.child_sas[] | {spi_in, spi_out, state}]}]}]'
	  ike_q b -c '[.[] | {name, ike: [.ike_sas[] | {id, c: [.child_sas[] | .spi_in]}]}]'
	  cat "$D/a.kern" "$D/b.kern"; } > "$D/snap.$1"
}

ktap_plan 43

conf a 1 2:"esp aes256gcm16" 3
conf b 1 2:"esp aes256gcm16, aes128gcm16" 3
start b
start a
wait_for 15 eval 'up 1 && up 2 && up 3'
ok $? "start: tun1, tun2 and tun3 up on both daemons"
tun1_a=$(ids a 1) tun1_b=$(ids b 1) tun2_a=$(ids a 2)
kern1_a=$(kern_lines a 1) kern1_b=$(kern_lines b 1)

# ---- round 1: SIGHUP ---------------------------------------------------------
conf b 1 2:"esp aes256gcm16, aes128gcm16" 4
kill -HUP "$PID_b"
wait_for 10 eval '[ "$(names b)" = "tun1 tun2 tun4" ] && deleted 3'
ok $? "SIGHUP on B: tun3 deleted (INFORMATIONAL Delete): no SA of it on either side"
conf a 1 2:"esp aes128gcm16" 4
kill -HUP "$PID_a"
wait_for 15 eval 'up 2 && up 4 && [ "$(proposal a 2)" = aes128gcm16-noesn ]'
ok $? "SIGHUP on A: tun2 re-established with its new ESP proposal, tun4 up"
r=0
[ "$(ids a 2)" != "$tun2_a" ] && [ "${tun2_a#* }" != "$(ids a 2 | cut -d' ' -f2-)" ] || r=1
ok $r "SIGHUP: tun2 has a new IKE SA and new SPIs"
[ "$(ids a 1)" = "$tun1_a" ] && [ "$(ids b 1)" = "$tun1_b" ]
ok $? "SIGHUP: tun1 keeps its IKE SA id and CHILD_SA SPIs on both sides ($tun1_a)"
[ "$(kern_lines a 1)" = "$kern1_a" ] && [ "$(kern_lines b 1)" = "$kern1_b" ]
ok $? "SIGHUP: tun1's SAs in the kernel untouched on both sides"
gone 3 && [ "$(names a)" = "tun1 tun2 tun4" ]
ok $? "SIGHUP: tun3 gone on both sides, none of its SAs left"
grep -q "reloaded .*a.conf: 1 added, 1 changed, 1 removed, 1 unchanged" "$D/a.log" &&
	grep -q "reloaded .*b.conf: 1 added, 0 changed, 1 removed, 2 unchanged" "$D/b.log"
ok $? "SIGHUP: each log sums the reload up"
grep -q "conn tun2: esp changed" "$D/a.log" && grep -q "conn tun3: removed" "$D/a.log"
ok $? "SIGHUP: the log names what changed and what went"

# ---- round 2: espctl ike reload ----------------------------------------------
tun2_a=$(ids a 2)
conf b 1 2:"esp aes256gcm16, aes128gcm16" 3
"$ESPCTL" ike -s "$D/b.sock" reload > "$D/out" 2> "$D/err" && grep -q "^reloaded .*b.conf: 1 added, 0 changed, 1 removed, 2 unchanged$" "$D/out" &&
	[ ! -s "$D/err" ]
ok $? "espctl ike reload on B: exit 0, the summary on stdout"
wait_for 10 deleted 4
ok $? "espctl ike reload on B: tun4 deleted: no SA of it on either side"
conf a 1 2:"esp aes128gcm16; local_ts 10.1.2.0/25" 3
"$ESPCTL" ike -s "$D/a.sock" reload > "$D/out" 2> "$D/err" &&
	grep -q "1 added, 1 changed, 1 removed, 1 unchanged" "$D/out"
ok $? "espctl ike reload on A: exit 0, 1 added, 1 changed, 1 removed, 1 unchanged"
wait_for 15 eval 'up 2 && up 3 && [ "$(ike_q a -r ".[] | select(.name == \"tun2\") |
	.ike_sas[].child_sas[].ts_local | join(\",\")")" = 10.1.2.0/25 ]'
ok $? "espctl ike reload: tun2 re-established with its new selectors, tun3 up again"
[ "$(ids a 2)" != "$tun2_a" ]
ok $? "espctl ike reload: tun2 has a new IKE SA and new SPIs"
[ "$(ids a 1)" = "$tun1_a" ] && [ "$(ids b 1)" = "$tun1_b" ] &&
	[ "$(kern_lines a 1)" = "$kern1_a" ] && [ "$(kern_lines b 1)" = "$kern1_b" ]
ok $? "espctl ike reload: tun1 still on its first IKE SA, SPIs and kernel SAs"
gone 4 && [ "$(names a)" = "tun1 tun2 tun3" ] && [ "$(names b)" = "tun1 tun2 tun3" ]
ok $? "espctl ike reload: tun4 gone on both sides"

# ---- a file with an error changes nothing ------------------------------------
snapshot before
cp "$D/a.conf" "$D/a.good"
conf a 1 2:"esp aes128gcm16; local_ts 10.1.2.0/25" 3 5
# An unknown key in tun1's block: its line is known.
sed -i '4a\    frobnicate yes' "$D/a.conf"
kill -HUP "$PID_a"
wait_for 10 grep -q "a.conf: not reloaded: the running configuration is unchanged" "$D/a.log"
ok $? "SIGHUP with an error: the log says the configuration is unchanged"
grep -q "a.conf:5: conn 'tun1': unknown key 'frobnicate'" "$D/a.log"
ok $? "SIGHUP with an error: the log names FILE:LINE and what is wrong"
snapshot after
cmp -s "$D/snap.before" "$D/snap.after" && [ "$(names a)" = "tun1 tun2 tun3" ]
ok $? "SIGHUP with an error: nothing changed (connections, SAs, kernel)"
"$ESPCTL" ike -s "$D/a.sock" reload > "$D/out" 2> "$D/err"
r=$?
[ $r = 1 ] && grep -q "^espctl: ike: .*a.conf:5: conn 'tun1': unknown key 'frobnicate'$" "$D/err" &&
	grep -q "a.conf: not reloaded: the running configuration is unchanged" "$D/err"
ok $? "espctl ike reload with an error: exit 1 (was $r), FILE:LINE on stderr"
"$E" -s "$D/a.sock" ctl reload > "$D/out" 2>&1
[ $? = 1 ] && grep -q "a.conf:5:" "$D/out"
ok $? "espiked ctl reload with an error: exit 1, FILE:LINE"
{ echo "ike_port $PC"; sed 1d "$D/a.good"; } > "$D/a.conf"
"$ESPCTL" ike -s "$D/a.sock" reload > "$D/out" 2> "$D/err"
[ $? = 1 ] && grep -q "a.conf:1: ike_port $PC: cannot change while espiked runs (its sockets use $PA): restart espiked" "$D/err"
ok $? "espctl ike reload of a new ike_port: refused with FILE:LINE, exit 1"
snapshot after
cmp -s "$D/snap.before" "$D/snap.after"
ok $? "refused reloads: nothing changed"
cp "$D/a.good" "$D/a.conf"
"$ESPCTL" ike -s "$D/a.sock" reload > "$D/out" 2> "$D/err" &&
	grep -q "0 added, 0 changed, 0 removed, 3 unchanged" "$D/out"
ok $? "reload of the running file: every connection unchanged"
snapshot after
cmp -s "$D/snap.before" "$D/snap.after"
ok $? "reload of the running file: no SA touched"
stop_daemons
cat "$D"/a.log "$D"/b.log >> "$D/history"
! grep -q "sa esp" "$D/a.kern" && ! grep -q "sa esp" "$D/b.kern"
ok $? "SIGTERM after the reloads: every SA removed from the kernel on both sides"

# ---- two connections on one device -------------------------------------------
# On A, tun6 and tun7 key esp6 (two inbound SAs, one outbound: the newest).
# The one whose outbound SA is not the device's is changed: the other keeps
# its SAs, and the new one's outbound SA takes the device over.
conf a 6 7:"device esp6"
conf b 6 7
start b
start a
shared_up() {
	[ "$(child_count a INSTALLED tun6)" = 1 ] && [ "$(child_count a INSTALLED tun7)" = 1 ] &&
	[ "$(child_count b INSTALLED tun6)" = 1 ] && [ "$(child_count b INSTALLED tun7)" = 1 ] &&
	[ "$(grep -c '^sa esp6 in ' "$D/a.kern")" = 2 ] && [ "$(grep -c '^sa esp6 out ' "$D/a.kern")" = 1 ]
}
active() {	# active N: tunN's CHILD_SA on A sends for esp6 (true/false)
	ike_q a -r --arg c "tun$1" '.[] | select(.name == $c) | .ike_sas[].child_sas[].out_active'
}
wait_for 15 shared_up
ok $? "shared device: tun6 and tun7 up, esp6 with two inbound SAs and one outbound SA"
if [ "$(active 6)" = true ]; then keep=6 change=7; else keep=7 change=6; fi
keep_ids=$(ids a $keep) change_ids=$(ids a $change)
keep_in=$(grep "^sa esp6 in spi 0x$(printf %08x "$(cut -d' ' -f2 <<<"$keep_ids")") " "$D/a.kern")
if [ $change = 7 ]; then conf a 6 7:"device esp6; esp aes128gcm16"
else conf a 6:"esp aes128gcm16" 7:"device esp6"; fi
"$ESPCTL" ike -s "$D/a.sock" reload > "$D/out" 2> "$D/err"
wait_for 15 eval 'shared_up && [ "$(ids a $change)" != "$change_ids" ] && [ "$(active $change)" = true ]'
ok $? "shared device: tun$change (changed) re-established on esp6, its outbound SA the device's"
[ "$(ids a $keep)" = "$keep_ids" ] && [ -n "$keep_in" ] && grep -qxF "$keep_in" "$D/a.kern" &&
	[ "$(active $keep)" = false ]
ok $? "shared device: tun$keep (unchanged) keeps its IKE SA, SPIs and inbound SA on esp6"
stop_daemons
cat "$D"/a.log "$D"/b.log >> "$D/history"
! grep -q "sa esp" "$D/a.kern"
ok $? "shared device: SIGTERM removes every SA of esp6"

# ---- a second connection to the same peer, with the same identity ----------
# A adds tun9 next to tun8, both from 127.0.1.8 (its identity) to B's
# 127.0.2.8, where B's one connection tun8 takes both (selectors 10.x/16).
# tun9's IKE SA is not A's only one with B: its IKE_AUTH must not carry
# INITIAL_CONTACT, on which B would close tun8's IKE SA (RFC 7296 2.4).
conf a 8
conf b 8:"local_ts 10.2.0.0/16; remote_ts 10.1.0.0/16"
start b
start a
wait_for 15 eval '[ "$(child_count a INSTALLED tun8)" = 1 ] && [ "$(child_count b INSTALLED tun8)" = 1 ]'
ok $? "same peer: tun8 up"
tun8_a=$(ids a 8)
conf a 8 9:"local 127.0.1.8; remote 127.0.2.8; psk \"reload secret 8\""
"$ESPCTL" ike -s "$D/a.sock" reload > "$D/out" 2> "$D/err"
wait_for 15 eval '[ "$(child_count a INSTALLED tun9)" = 1 ] && [ "$(child_count b INSTALLED tun8)" = 2 ]'
ok $? "same peer: tun9 added, B holds both IKE SAs on its tun8"
[ "$(ids a 8)" = "$tun8_a" ] && [ "$(ike_sa_count b tun8)" = 2 ] &&
	! grep -q "INITIAL_CONTACT" "$D/b.log"
ok $? "same peer: no INITIAL_CONTACT from tun9, tun8 keeps its IKE SA on both sides"
stop_daemons
cat "$D"/a.log "$D"/b.log >> "$D/history"

# ---- sd_notify ---------------------------------------------------------------
# listen ADDR: record each datagram at ADDR (a path, or @NAME) as "STATE...
# control-socket-present" lines in $D/notify, until STOPPING=1.
listen() {
	rm -f "$D/notify" "$D/listening"
	python3 -c '
import os, socket, stat, sys
addr, sock, out, flag = sys.argv[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr[0] == "@" else addr)
open(flag, "w").close()
s.settimeout(60)
while True:
    msg = s.recv(4096).decode()
    try:
        present = stat.S_ISSOCK(os.stat(sock).st_mode)
    except OSError:
        present = False
    with open(out, "a") as f:
        f.write(msg.replace("\n", " ") + " sock=%d\n" % present)
    if "STOPPING=1" in msg:
        break
' "$1" "$D/c.sock" "$D/notify" "$D/listening" &
	helpers="$helpers $!"
	LISTENER=$!
	wait_for 10 test -e "$D/listening"
}
{ echo "ike_port $PC"; echo "natt_port 0"; conn_block b 1; } > "$D/c.conf"
notify_run() {	# notify_run ADDR: one daemon's life with NOTIFY_SOCKET=ADDR
	listen "$1"
	rm -f "$D/c.sock"
	NOTIFY_SOCKET=$1 "$E" -d -f "$D/c.conf" -p "$D/c.pid" -s "$D/c.sock" -K "fake:$D/c.kern" \
		2> "$D/c.log" &
	PID_c=$!
	wait_for 10 grep -q READY=1 "$D/notify"
	ok $? "sd_notify ($1): READY=1 received"
	[ "$(head -n1 "$D/notify")" = "READY=1 sock=1" ]
	ok $? "sd_notify ($1): READY=1 first, sent once the control socket exists"
	kill -HUP "$PID_c"
	wait_for 10 eval '[ "$(grep -c READY=1 "$D/notify")" = 2 ]'
	sed -n 2p "$D/notify" | grep -q "^RELOADING=1 MONOTONIC_USEC=[0-9]* sock=1$" &&
		[ "$(sed -n 3p "$D/notify")" = "READY=1 sock=1" ]
	ok $? "sd_notify ($1): SIGHUP sends RELOADING=1 (with MONOTONIC_USEC) then READY=1"
	kill "$PID_c"
	wait "$PID_c"
	r=$?
	wait "$LISTENER"
	[ $r = 0 ] && [ "$(tail -n1 "$D/notify" | cut -d' ' -f1)" = STOPPING=1 ]
	ok $? "sd_notify ($1): STOPPING=1 on SIGTERM, exit 0"
	cat "$D/c.log" >> "$D/history"
}
notify_run "$D/notify.sock"
notify_run "@espiked-reload-host-$$"

if command -v systemd-analyze > /dev/null; then
	# The unit as make install writes it, with this build's espiked; the
	# manual page need not be installed here (--man=no).
	sed "s|/usr/local/sbin/espiked|$E|g" "$UNIT" > "$D/espiked.service"
	systemd-analyze verify --man=no "$D/espiked.service" > "$D/out" 2>&1
	ok $? "systemd-analyze verify espiked.service"
else
	ktap_skip "systemd-analyze verify espiked.service" "systemd-analyze is not installed"
fi
daemons_clean
ktap_finish
