#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# espctl-ike.sh ESPCTL ESPIKED: host test of "espctl ike" against two
# espiked daemons on the loopback (no root, no module): each runs with its
# own IKE port, pid file, control socket and the fake kernel interface
# (-K fake:FILE), A initiating connection "tun" at startup, B listening.
#
#   espctl ike -s a.sock ...
#          |
#   [espiked A] 127.0.0.1:$PA  <--IKEv2/UDP-->  127.0.0.1:$PB [espiked B]
#    -K fake:a.kern                                   -K fake:b.kern
#
# Checks "list" (text and --json: named states, role, SPIs matching the
# fake kernel's SAs, proposals, selectors, device, counters "unknown" as
# there is no espvti family), "list NAME", "down" and "up", the daemon's
# message for an unknown connection, and "cannot reach espiked" once the
# daemon is gone. TAP output; exit 0 pass, 1 fail.
set -u
C=$(readlink -f "${1:?usage: espctl-ike.sh ESPCTL ESPIKED}")
E=$(readlink -f "${2:?usage: espctl-ike.sh ESPCTL ESPIKED}")
# shellcheck source=tests/host/lib-host.sh
. "$(dirname "$(readlink -f "$0")")/lib-host.sh" espctl-ike
PA=$((20000 + ($$ + 7000) % 20000))
PB=$((PA + 1))

# ike SIDE ARGS...: espctl ike against SIDE's daemon; RC, $D/out, $D/err.
ike() {
	local side=$1
	shift
	timeout 10 "$C" ike -s "$D/$side.sock" "$@" >"$D/out" 2>"$D/err"
	RC=$?
}
out_has() { grep -qF -- "$1" "$D/out"; }
err_has() { grep -qF -- "$1" "$D/err"; }

# conf SIDE PORT PEERPORT LOCAL_TS REMOTE_TS START
conf() {
	cat >"$D/$1.conf" <<-EOT
	ike_port $2
	natt_port 0
	conn tun {
	    local 127.0.0.1; remote 127.0.0.1; remote_port $3
	    psk "espctl ike test"
	    ike aes256gcm16-prfsha384-ecp384
	    esp aes128gcm16
	    local_ts $4; remote_ts $5
	    device esp$1; start $6
	    retransmit_timeout 200ms; retransmit_tries 3
	}
	conn spare {
	    local 127.0.0.1; remote 127.0.0.2
	    psk "unused"
	    device espx
	}
	EOT
}

# kern SIDE DIR: SPI of the SA of direction DIR in SIDE's fake kernel file
kern() { awk -v d="$2" '$1 == "sa" && $3 == d { print $5; exit }' "$D/$1.kern" 2>/dev/null; }
# both_out: each side has an outbound SA (no_sas: tests/host/lib-host.sh).
both_out() { [ -n "$(kern a out)" ] && [ -n "$(kern b out)" ]; }
json_ok() { command -v jq >/dev/null || return 2; jq -e "$1" "$D/out" >/dev/null; }

ktap_plan 18

conf a $PA $PB 10.1.0.0/24 10.2.0.0/24 initiate
conf b $PB $PA 10.2.0.0/24 10.1.0.0/24 listen
start b
start a
wait_for 10 both_out
ok $? "tunnel up between the two daemons"

ike a list
ok $(( RC != 0 )) "list exits 0"
out_has "connection: tun" && out_has "connection: spare" &&
	out_has "  local: 127.0.0.1, remote: 127.0.0.1 port $PB" &&
	out_has "  device: espa, start: initiate" &&
	out_has "  proposals: ike aes256gcm16-prfsha384-ecp384; esp aes128gcm16"
ok $? "list: every connection with endpoints, device, start and proposals"
grep -qE '^  ike_sa #1: ESTABLISHED, initiator, established [0-9]+s ago$' "$D/out" &&
	out_has "    local: 127.0.0.1:$PA, remote: 127.0.0.1:$PB" &&
	grep -qE '^    spi: [0-9a-f]{16}_i [0-9a-f]{16}_r$' "$D/out" &&
	out_has "    ike: aes256gcm16-prfsha384-ecp384"
ok $? "list: IKE SA with named state, role, age, addresses, SPIs and proposal"
out_has "    child_sa: INSTALLED, device espa" &&
	out_has "      spi: in $(kern a in), out $(kern a out)" &&
	out_has "      esp: aes128gcm16-noesn" &&
	out_has "      ts-local: 10.1.0.0/24" && out_has "      ts-remote: 10.2.0.0/24"
ok $? "list: CHILD_SA with the SPIs the daemon installed, ESP proposal, selectors"
out_has "      transfer: unknown" && out_has "  no IKE SA"
ok $? "list: counters unknown without the espvti family; idle connection has no IKE SA"

ike b list tun
[ $RC = 0 ] && out_has "connection: tun" && ! out_has "connection: spare" &&
	grep -qE '^  ike_sa #1: ESTABLISHED, responder, ' "$D/out" &&
	out_has "      spi: in $(kern b in), out $(kern b out)"
ok $? "list NAME: only that connection; B is the responder, SPIs mirrored"

ike a list --json
if json_ok . ; then
	json_ok 'length == 2 and .[0].name == "tun" and .[0].remote_port == '"$PB"' and
		.[0].ike_sas[0].state == "ESTABLISHED" and .[0].ike_sas[0].role == "initiator" and
		(.[0].ike_sas[0].spi_i | test("^[0-9a-f]{16}$")) and
		.[0].ike_sas[0].proposal == "aes256gcm16-prfsha384-ecp384" and
		(.[0].ike_sas[0].established_seconds | type) == "number" and
		.[0].ike_sas[0].child_sas[0].spi_out == '"$(($(kern a out)))"' and
		.[0].ike_sas[0].child_sas[0].ts_remote == ["10.2.0.0/24"] and
		.[0].ike_sas[0].child_sas[0].device == "espa" and
		.[0].ike_sas[0].child_sas[0].stats == null and .[1].ike_sas == []'
	ok $? "list --json: connections, IKE SA and CHILD_SA fields"
else
	[ $? = 2 ] && ktap_skip "list --json" "no jq" ||
		ok 1 "list --json is valid JSON"
fi
ike a list spare -j
if json_ok . ; then
	json_ok 'type == "object" and .name == "spare" and .ike_sas == []'
	ok $? "list NAME --json: one object"
else
	[ $? = 2 ] && ktap_skip "list NAME --json" "no jq" ||
		ok 1 "list NAME --json is valid JSON"
fi

ike a list nosuch
[ $RC = 1 ] && [ ! -s "$D/out" ] && err_has "espctl: ike: status: no connection named 'nosuch'"
ok $? "list of an unknown connection: exit 1 with the daemon's message"
ike a up nosuch
[ $RC = 1 ] && err_has "espctl: ike: up: no connection named 'nosuch'"
ok $? "up of an unknown connection: exit 1 with the daemon's message"
ike a up tun
[ $RC = 1 ] && err_has "espctl: ike: up tun: IKE_SA [1] exists (ESTABLISHED)"
ok $? "up of an established connection: the daemon refuses, exit 1"

ike a down tun
[ $RC = 0 ] && out_has "deleting IKE_SA tun[1]" && wait_for 10 no_sas
ok $? "down: exit 0, both daemons remove their SAs"
ike a down tun
[ $RC = 1 ] && err_has "espctl: ike: down tun: no IKE SA"
ok $? "down again: no IKE SA, exit 1"
ike a up tun
[ $RC = 0 ] && out_has "initiating tun" && wait_for 10 both_out &&
	ike a list tun && grep -qE '^  ike_sa #2: ESTABLISHED, initiator' "$D/out"
ok $? "up: exit 0, a new IKE SA (#2) is established"

for p in $pids; do kill "$p" 2>/dev/null; done
for p in $pids; do wait "$p" 2>/dev/null; done
pids=""
ike a list
[ $RC = 1 ] && [ ! -s "$D/out" ] && err_has "espctl: cannot reach espiked at $D/a.sock: "
ok $? "daemon stopped: cannot reach espiked at PATH, exit 1"

# Selectors that do not match: the refusal is kept per connection.
conf b $PB $PA 10.2.0.0/24 10.9.0.0/24 listen
start b
start a
failed_ts() { ike "$1" list tun && out_has "last failure, " && out_has "TS_UNACCEPTABLE"; }
wait_for 10 failed_ts a && wait_for 10 failed_ts b && ! both_out
ok $? "selectors refused: list shows the last failure (TS_UNACCEPTABLE) on both sides"
ike b list tun --json
[ $RC = 0 ] && json_ok '.last_failure.text | test("TS_UNACCEPTABLE: peer proposed TSi 10.1.0.0/24 TSr 10.2.0.0/24")' &&
	json_ok '.last_failure.age >= 0'
ok $? "list --json: last_failure with the daemon's log line and its age"

ktap_finish
