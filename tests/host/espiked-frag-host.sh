#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# espiked-frag-host.sh ESPIKED: host test of IKE fragmentation (RFC 7383)
# between two espiked daemons on the loopback with the fake kernel
# interface, with RSA-4096 certificates and their intermediate (IKE_AUTH
# messages of about 2.4 KB each way), on a PKI made by tests/tools/mkpki.sh.
#
#   [espiked A] 127.0.0.1:$PA / [::1]:$PA  <--UDP-->  127.0.0.1:$PB / [::1]:$PB [espiked B]
#     rsa4096 + inter                                  rsa4096 + inter
#
# Cases: IPv4 with the default size (576-octet datagrams: IKE messages of
# at most 548 octets), A initiating; IPv6 with the default (1280: 1232),
# B initiating; fragment_size 900 on one side only (each side cuts to its
# own size); fragmentation no on the responder (not negotiated: both
# IKE_AUTH messages whole); through the relay of ike-peer.py, which loses
# fragment 2 once each way: A's retransmission completes B's reassembly (the
# fragments B holds are kept, the duplicates ignored), and of A's next
# retransmission fragment 1 alone brings B's cached response again (RFC
# 7383 2.6.1), which completes A's. Each case: a CHILD_SA pair with matching keys,
# the log lines of the fragments sent and reassembled, and the counters
# of `espctl ike list --json`.
# KTAP output; exit 0 pass, 1 fail.
set -u
E=$(readlink -f "${1:?usage: espiked-frag-host.sh PATH-TO-ESPIKED}")
HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=tests/host/lib-host.sh
. "$HERE/lib-host.sh" espiked-frag-host
PA=$((20000 + $$ % 20000))
PB=$((PA + 1))
PR=$((PA + 2))	# relay
PC=$((PA + 3))	# relay control
PEER="python3 $HERE/ike-peer.py"
P=$D/pki
"$HERE/../tools/mkpki.sh" "$P" || ktap_bail "tests/tools/mkpki.sh failed"

# conf FILE PORT PEERPORT ADDR EXTRA-LINES...: RSA-4096 with its intermediate
conf() {
	local f=$1 port=$2 peer=$3 addr=$4
	shift 4
	conf_tun "$f" "$port" 0 "local $addr" "remote $addr" "remote_port $peer" \
		"retransmit_timeout 300ms" "retransmit_tries 3" "auth pubkey" \
		"cert $P/rsa4096-full.pem" "key $P/rsa4096.key" "ca $P/root.crt" \
		"remote_id %any" "send_cert always" "esp aes128gcm16" "$@"
}

stop_all() {
	stop_daemons
	cat "$D"/a.log "$D"/b.log >> "$D/history" 2>/dev/null
}

# frags NAME FIELD: FIELD (fragments_sent, fragments_received, fragmentation)
# of NAME's IKE SA
frags() { ike_q "$1" -r --arg f "$2" '.[].ike_sas[0][$f]'; }

# up: both daemons installed a CHILD_SA pair with matching keys
up() { wait_for 20 has_sas && keys_match; }

ktap_plan 11

# 1. IPv4, default size: A initiates, both IKE_AUTH messages fragmented
conf "$D/a.conf" $PA $PB 127.0.0.1 "device esp0" "start initiate"
conf "$D/b.conf" $PB $PA 127.0.0.1 "device esp1"
start b
start a
up
ok $? "IPv4 default size: CHILD_SA pair with matching keys"
grep -Eq "IKE_AUTH request 1: [0-9]+ octets sent as [0-9]+ fragments of at most 548 octets" "$D/a.log" &&
	grep -Eq "IKE_AUTH request 1: reassembled [0-9]+ octets from [0-9]+ fragments" "$D/b.log" &&
	grep -Eq "IKE_AUTH response 1: [0-9]+ octets sent as [0-9]+ fragments of at most 548 octets" "$D/b.log" &&
	grep -Eq "IKE_AUTH response 1: reassembled [0-9]+ octets from [0-9]+ fragments" "$D/a.log"
ok $? "IPv4 default size: request and response cut into fragments of at most 548 octets and reassembled"
sa=$(frags a fragments_sent) rb=$(frags b fragments_received) sb=$(frags b fragments_sent) \
	ra=$(frags a fragments_received)
[ "$(frags a fragmentation)" = true ] && [ "$sa" -ge 4 ] && [ "$sa" = "$rb" ] &&
	[ "$sb" -ge 4 ] && [ "$sb" = "$ra" ]
ok $? "IPv4 default size: espctl counts agree (A sent $sa, B received $rb; B sent $sb, A received $ra)"
stop_all

# 2. IPv6, default size: B initiates
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	conf "$D/a.conf" $PA $PB ::1 "device esp0"
	conf "$D/b.conf" $PB $PA ::1 "device esp1" "start initiate"
	start a
	start b
	up &&
		grep -Eq "IKE_AUTH request 1: [0-9]+ octets sent as [0-9]+ fragments of at most 1232 octets" "$D/b.log" &&
		grep -Eq "IKE_AUTH response 1: [0-9]+ octets sent as [0-9]+ fragments of at most 1232 octets" "$D/a.log" &&
		[ "$(frags a fragments_received)" -ge 2 ] && [ "$(frags b fragments_received)" -ge 2 ]
	ok $? "IPv6 default size, B initiating: fragments of at most 1232 octets both ways"
	stop_all
else
	ktap_skip "IPv6 default size: no ::1 on lo"
fi

# 3. fragment_size 900 on A only: A cuts to 900 - 28, B to 548
conf "$D/a.conf" $PA $PB 127.0.0.1 "device esp0" "start initiate" "fragment_size 900"
conf "$D/b.conf" $PB $PA 127.0.0.1 "device esp1"
start b
start a
up &&
	grep -Eq "IKE_AUTH request 1: [0-9]+ octets sent as [0-9]+ fragments of at most 872 octets" "$D/a.log" &&
	grep -Eq "IKE_AUTH response 1: [0-9]+ octets sent as [0-9]+ fragments of at most 548 octets" "$D/b.log"
ok $? "fragment_size 900 on A: A's fragments at most 872 octets, B's at most 548"
stop_all

# 4. fragmentation no on B: not negotiated, the messages go whole
conf "$D/a.conf" $PA $PB 127.0.0.1 "device esp0" "start initiate"
conf "$D/b.conf" $PB $PA 127.0.0.1 "device esp1" "fragmentation no"
start b
start a
up
ok $? "fragmentation no on B: CHILD_SA pair with matching keys"
! grep -q "fragments" "$D/a.log" "$D/b.log" && [ "$(frags a fragmentation)" = false ] &&
	[ "$(frags b fragmentation)" = false ] && [ "$(frags a fragments_sent)" = 0 ]
ok $? "fragmentation no on B: not negotiated, no fragment sent"
stop_all

# 5. fragment 2 lost once each way on the relay
$PEER relay $PR $PB $PC --drop-frag 2 > "$D/relay.out" 2>&1 &
helpers="$helpers $!"
wait_for 10 eval '$PEER ctl $PC dropped | grep -q to=0'
conf "$D/a.conf" $PA $PR 127.0.0.1 "device esp0" "start initiate"
conf "$D/b.conf" $PB $PR 127.0.0.1 "device esp1"
start b
start a
up && [ "$($PEER ctl $PC dropped)" = "to=1 from=1" ]
ok $? "lost fragments: CHILD_SA pair with matching keys after one fragment lost each way"
grep -q "IKE_AUTH 1: SKF payload: Fragment Number 1 of [0-9]* is a duplicate" "$D/b.log" &&
	[ "$(grep -c "duplicate request 1: sending the cached response" "$D/b.log")" = 1 ] &&
	grep -Eq "IKE_AUTH response 1: reassembled [0-9]+ octets" "$D/a.log"
ok $? "lost fragments: B ignored the duplicates, resent its response once (on fragment 1), A reassembled it"
$PEER ctl $PC quit > /dev/null
stop_all

# 6. a configuration error names the file and line
conf "$D/a.conf" $PA $PB 127.0.0.1 "device esp0" "fragment_size 100"
"$E" -n -f "$D/a.conf" > "$D/out" 2>&1
grep -q "a.conf:[0-9]*: 'fragment_size': '100' is not a number from 512 to 65535" "$D/out"
ok $? "fragment_size 100 refused with FILE:LINE"
daemons_clean
ktap_finish
