#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# espiked-nat-host.sh ESPIKED: host test of espiked's NAT traversal without
# a NAT (no root, no module). Two instances on the loopback, each with its
# own IKE and NAT-T ports and the fake kernel interface (-K fake:FILE). A
# claims to be behind a NAT ("encap yes"), so both find a NAT in
# IKE_SA_INIT: A moves IKE to the NAT-T ports, B follows it there, and both
# hand their NAT-T socket to their device for ESP in UDP, which the fake
# kernel writes as "encap udp sport S dport D keepalive K". Without
# "encap yes" nothing changes: IKE on the IKE ports, no encapsulation.
# When a daemon stops it turns encapsulation off again.
#
#   [espiked A] 127.0.0.1:$PA (IKE), :$NA (NAT-T)  <--UDP-->  :$PB, :$NB [espiked B]
#
# KTAP output; exit 0 pass, 1 fail.
set -u
E=$(readlink -f "${1:?usage: espiked-nat-host.sh PATH-TO-ESPIKED}")
# shellcheck source=tests/host/lib-host.sh
. "$(dirname "$(readlink -f "$0")")/lib-host.sh" espiked-nat-host
PA=$((20000 + ($$ + 7) % 20000))
PB=$((PA + 1))
NA=$((PA + 2))
NB=$((PA + 3))

# conf FILE PORT NATT PEERPORT PEERNATT EXTRA-LINES...
conf() {
	local f=$1 port=$2 natt=$3 peer=$4 peernatt=$5
	shift 5
	conf_tun "$f" "$port" "$natt" "local 127.0.0.1; remote 127.0.0.1" \
		"remote_port $peer; remote_natt_port $peernatt" "psk \"nat host test\"" \
		"device esp0" "retransmit_timeout 200ms; retransmit_tries 3" "$@"
}

# stop_all: SIGTERM; a daemon that does not exit 0 (crash, sanitizer
# report, leak) fails the next check through $D/bad.
stop_all() {
	stop_daemons
}

devline() { grep '^dev esp0 ' "$D/$1.kern"; }
# ike_sa_at NAME LOCAL REMOTE NAT: NAME has an IKE SA from LOCAL to REMOTE
# (ADDRESS:PORT) for which NAT, a jq condition on its nat_local and
# nat_remote (what espiked detected), holds; read in espctl ike list --json.
ike_sa_at() {
	ike_q "$1" -e --arg l "$2" --arg r "$3" \
		"any(.[].ike_sas[]; .local == \$l and .remote == \$r and ($4))" >/dev/null
}

ktap_plan 8

# 1. encap yes on A: both sides encapsulate on their NAT-T sockets.
conf "$D/a.conf" $PA $NA $PB $NB "start initiate" "encap yes" "natt_keepalive 7s"
conf "$D/b.conf" $PB $NB $PA $NA "start listen"
start b
start a
wait_for 10 has_sas
ok $? "encap yes: both daemons installed a CHILD_SA pair"
ike_sa_at a 127.0.0.1:$NA 127.0.0.1:$NB '.nat_local or .nat_remote' &&
	ike_sa_at b 127.0.0.1:$NB 127.0.0.1:$NA '.nat_local or .nat_remote'
ok $? "encap yes: both IKE SAs moved to the NAT-T ports and flag a NAT"
[ "$(devline a)" = "dev esp0 local 127.0.0.1 remote 127.0.0.1 encap udp sport $NA dport $NB keepalive 7" ] &&
	[ "$(devline b)" = "dev esp0 local 127.0.0.1 remote 127.0.0.1 encap udp sport $NB dport $NA keepalive 0" ]
ok $? "encap yes: devices encap udp between the NAT-T ports, keepalive on the claiming side only"
# What each found: A claims to be behind a NAT, B sees the peer behind one.
# That B followed its peer is logged "from where to where" (espiked(8) NAT
# TRAVERSAL).
ike_sa_at a 127.0.0.1:$NA 127.0.0.1:$NB '.nat_local and (.nat_remote | not)' &&
	ike_sa_at b 127.0.0.1:$NB 127.0.0.1:$NA '(.nat_local | not) and .nat_remote' &&
	grep -q 'peer moved to the NAT-T port' "$D/b.log"
ok $? "encap yes: A claims a NAT, B found the peer behind one and followed it to the NAT-T port"
"$E" -s "$D/a.sock" ctl down tun >/dev/null
wait_for 10 eval '[ "$(nsa "$D/a.kern")" = 0 ] && [ "$(nsa "$D/b.kern")" = 0 ]'
ok $? "encap yes: INFORMATIONAL Delete over the NAT-T ports removes both pairs"
stop_all
[ ! -e "$D/bad" ] && [ "$(devline a)" = "dev esp0 local 127.0.0.1 remote 127.0.0.1" ] &&
	[ "$(devline b)" = "dev esp0 local 127.0.0.1 remote 127.0.0.1" ]
ok $? "stopping: both daemons exit cleanly and turn encapsulation off"

# 2. no NAT, no encap: IKE stays on the IKE ports, plain ESP.
conf "$D/a.conf" $PA $NA $PB $NB "start initiate"
start b
start a
wait_for 10 has_sas
ok $? "no NAT: both daemons installed a CHILD_SA pair"
ike_sa_at a 127.0.0.1:$PA 127.0.0.1:$PB '(.nat_local or .nat_remote) | not' &&
	[ "$(devline a)" = "dev esp0 local 127.0.0.1 remote 127.0.0.1" ] &&
	[ "$(devline b)" = "dev esp0 local 127.0.0.1 remote 127.0.0.1" ]
ok $? "no NAT: IKE on the IKE ports, no encapsulation"
stop_all

[ ! -e "$D/bad" ] || { sed 's/^/# /' "$D/bad"; ktap_bail "a daemon did not exit 0"; }
ktap_finish
