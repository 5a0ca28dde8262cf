#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# ike-nat: espiked's NAT traversal (RFC 7296 2.23, RFC 3948). The client
# sits behind a namespace that masquerades it (UDP onto source ports
# 20000..20100). Three parts:
#
# 1. espiked (client, initiator) to espiked (server, responder) through the
#    NAT: NAT detected on both sides, IKE_AUTH and everything after on port
#    4500, both devices switched to "encap udp" on the daemon's own port
#    4500 socket (sport 4500; the server's dport is the NAT's port), pings
#    both ways, the client's keepalives cross the NAT. Then the NAT forgets
#    its mappings (new port range 30000..30100, conntrack flushed) while a
#    ping runs: the server's device floats, its mapping event moves the
#    server's IKE SA to the new port. The client's espiked is then killed
#    with SIGKILL and started again: it binds port 4500 again (the device
#    let go of the dead daemon's socket) and the tunnel comes back. Last, an
#    INFORMATIONAL Delete from the server reaches the client.
# 2. No NAT, from the NAT namespace's own address (not masqueraded): IKE
#    stays on port 500 and the devices on plain ESP; then "encap yes" on
#    that side forces encapsulation (both sides on 4500, encap udp).
# 3. espiked behind the NAT against strongSwan's charon as responder:
#    charon sees the NAT, its xfrm state is espinudp to the NAT's port, the
#    client's device is encap udp 4500 -> 4500, pings both ways; then the
#    client's device is set to plain ESP behind espiked's back: espctl
#    diagnose reports nat-no-encap.
#
#   netns $c (client)          netns $nat (NAT)                 netns $s (server)
#   +---------------------+    +---------------------------+    +----------------------+
#   | espiked, initiator  |    | masquerade 10.0.1.0/24,   |    | espiked or charon    |
#   | esp0 10.99.0.1      |    |   UDP to :20000-20100     |    | esp0 10.99.0.2       |
#   |   encap udp 4500    |    |   (later :30000-30100)    |    |  (charon: xfrm, lo   |
#   |                     |    | part 2: espiked, esp0     |    |   10.99.0.2)         |
#   | vc 10.0.1.2/24 =====+====+ vnc 10.0.1.1  vns 192.0.2.1+====+ vs 192.0.2.2/24      |
#   | default via .1      |    | ip_forward=1              |    | no route to 10.0.1/24|
#   +---------------------+    +---------------------------+    +----------------------+
#
# vmtest-timeout: 400
# shellcheck disable=SC2016,SC2034 # conditions given to eval expand (and use variables) when they run
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $c, $nat, $s
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-ike.sh
. "$(dirname "$0")/lib-ike.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

test_cleanup() {
	ike_cleanup
	esp_cleanup
}

# nat_rules LOW HIGH: the whole ruleset of $nat, replaced atomically: the
# client's network masqueraded, UDP onto source ports LOW..HIGH.
nat_rules() {
	ns_exec "$nat" nft -f - <<-EOF
	flush ruleset
	table ip nat {
		chain postrouting {
			type nat hook postrouting priority srcnat;
			oifname "vns" ip saddr 10.0.1.0/24 meta l4proto udp masquerade to :$1-$2
			oifname "vns" ip saddr 10.0.1.0/24 masquerade
		}
	}
	EOF
}

topology() {
	nat_topology || return 1
	nat_rules 20000 20100 || return 1
	for n in "$c" "$nat" "$s"; do
		ip -n "$n" link add esp0 type espvti || return 1
		ip -n "$n" link set esp0 up
	done
	ip -n "$c" addr add 10.99.0.1 peer 10.99.0.2/32 dev esp0
	ip -n "$nat" addr add 10.99.0.1 peer 10.99.0.2/32 dev esp0
	ip -n "$s" addr add 10.99.0.2 peer 10.99.0.1/32 dev esp0
	wait_for 10 ns_exec "$c" ping -c 1 -W 1 10.0.1.1 &&
		wait_for 10 ns_exec "$s" ping -c 1 -W 1 192.0.2.1
}

# es_conf SIDE LOCAL REMOTE LOCAL_ID REMOTE_ID LOCAL_TS REMOTE_TS START EXTRA...
es_conf() {
	local f=$IKE_W/$1.conf extra
	shift
	{
		echo "conn tun {"
		echo "	local $1; remote $2"
		echo "	local_id $3; remote_id $4"
		echo "	psk \"$IKE_PSK\""
		echo "	ike aes256gcm16-prfsha256-ecp256"
		echo "	esp aes256gcm16"
		echo "	local_ts $5; remote_ts $6"
		echo "	device esp0; start $7"
		echo "	retransmit_timeout 1s; retransmit_tries 4"
		shift 7
		for extra in "$@"; do echo "	$extra"; done
		echo "}"
	} > "$f"
}

# ike_sas SIDE: SIDE's IKE SAs as espctl ike list --json shows them, one
# compact object a line.
ike_sas() { ike_q "$1" -c '.[].ike_sas[]'; }

# ike_sa_is SIDE COND [JQ-ARGS...]: an IKE SA of SIDE meets COND (jq on the
# IKE SA: .local, .remote, .nat_local "we are behind a NAT", .nat_remote
# "the peer is behind a NAT"); prints SIDE's IKE SAs.
ike_sa_is() {
	local l cond=$2
	l=$(ike_sas "$1") || return 1
	shift 2
	echo "$l"
	jq -e -n "$@" "any(inputs; $cond)" <<<"$l" >/dev/null
}

# ike_ports SIDE LOCAL REMOTE-REGEX: the IKE SA runs between these
# endpoints ("ADDR:PORT"; the remote one an extended regular expression).
ike_ports() {
	ike_sa_is "$1" '.local == $l and (.remote | test("^(" + $r + ")$"))' --arg l "$2" --arg r "$3"
}

# encap NS: the encap object of esp0 in espctl's JSON, compact.
encap() {
	esp_show_json "$1" esp0 | jq -c "$ESP_JQ_DEFS"' devices | select(.ifname == "esp0") | .encap'
}

# encap_is NS SPORT DPORT-LOW DPORT-HIGH KEEPALIVE: esp0 in NS is UDP
# encapsulated on the daemon's socket with these ports and keepalive.
encap_is() {
	local e
	e=$(encap "$1") || return 1
	echo "esp0 in $1: encap $e"
	jq -e --argjson sp "$2" --argjson lo "$3" --argjson hi "$4" --argjson ka "$5" '
		.type == "udp" and .sport == $sp and .dport >= $lo and .dport <= $hi
		and .keepalive == $ka and .socket == "user"' <<<"$e" >/dev/null
}

# no_encap NS: esp0 in NS sends plain ESP.
no_encap() {
	local e
	e=$(encap "$1") || return 1
	echo "esp0 in $1: encap $e"
	[ "$e" = null ]
}

log_has() {	# log_has SIDE REGEX: the daemon's log matches
	grep -qE "$2" "$IKE_W/$1.log" || { echo "no line matching '$2' in $1.log"; return 1; }
}

# The client found itself behind a NAT and moved IKE to port 4500; the
# server found the peer behind a NAT, not itself, and followed the peer to
# port 4500, which it logs from where to where (espiked(8) NAT TRAVERSAL).
nat_detected() {
	ike_sa_is c '.nat_local and .local == "10.0.1.2:4500" and .remote == "192.0.2.2:4500"' &&
		ike_sa_is s '.nat_remote and (.nat_local | not)' &&
		log_has s 'peer moved to the NAT-T port'
}

# conntrack_4500 LOW HIGH: the NAT tracks the client's UDP 4500 flow to the
# server, translated to a source port in LOW..HIGH, and it has packets.
conntrack_4500() {
	local out
	out=$(ns_exec "$nat" conntrack -L -p udp --orig-port-dst 4500 2>/dev/null)
	echo "$out"
	awk -v lo="$1" -v hi="$2" '/src=10.0.1.2 dst=192.0.2.2 sport=4500 dport=4500/ {
		for (i = 1; i <= NF; i++) if ($i ~ /^dport=/) p = substr($i, 7)
		if (p + 0 >= lo && p + 0 <= hi) f = 1 } END { exit !f }' <<<"$out"
}

pings() {	# pings NS-A ADDR-A NS-B ADDR-B: one answered echo each way
	ping_within 10 "$1" -I esp0 "$2" && ping_within 10 "$3" "$4"
}

flush_nat() { nat_rules 30000 30100 && ns_exec "$nat" conntrack -F; }

esp_require_tools jq nft conntrack ping
ktap_plan 25
ike_require
espvti_load
topology || ktap_bail "client - NAT - server topology"

# --- 1. espiked to espiked through the NAT
es_conf c 10.0.1.2 192.0.2.2 fqdn:client.test fqdn:server.test 10.99.0.1/32 10.99.0.2/32 \
	initiate "natt_keepalive 1s"
es_conf s 192.0.2.2 192.0.2.1 fqdn:server.test fqdn:client.test 10.99.0.2/32 10.99.0.1/32 \
	listen
espiked_run s "$s"
espiked_run c "$c"
ktap_result "espiked <-> espiked: CHILD_SA up on both sides through the NAT" \
	wait_secs 30 eval 'espiked_child_up c && espiked_child_up s'
check "NAT detected by both, initiator moved to 4500, responder followed" nat_detected
check "both IKE SAs on port 4500 (server sees the NAT's port 20000..20100)" \
	eval 'ike_ports c 10.0.1.2:4500 192.0.2.2:4500 && ike_ports s 192.0.2.2:4500 "192.0.2.1:200[0-9][0-9]|192.0.2.1:20100"'
check "client esp0: encap udp 4500 -> 4500, keepalive 1, daemon's socket" \
	encap_is "$c" 4500 4500 4500 1
check "server esp0: encap udp 4500 -> NAT port 20000..20100, no keepalive" \
	encap_is "$s" 4500 20000 20100 0
check "ping client -> server" ping_within 10 "$c" -I esp0 10.99.0.2
check "ping server -> client" ping_within 10 "$s" -I esp0 10.99.0.1
check "NAT's conntrack: client 4500 -> server 4500 masqueraded to 20000..20100" \
	conntrack_4500 20000 20100
check "client keepalives reach the server" wait_for 10 esp_keepalives_arrive "$s"

esp_bg ns_exec "$c" ping -q -i 0.2 -w 120 10.99.0.2
check "NAT ruleset replaced (ports 30000..30100), conntrack flushed" flush_nat
check "server esp0 floated to 30000..30100, its IKE SA followed (mapping event)" \
	wait_for 30 eval 'encap_is "$s" 4500 30000 30100 0 &&
		ike_ports s 192.0.2.2:4500 "192.0.2.1:300[0-9][0-9]|192.0.2.1:30100" &&
		log_has s "mapping changed, IKE follows"'	# documented: from where to where
check "pings both ways after the mapping change" pings "$c" 10.99.0.2 "$s" 10.99.0.1
# A crash: the client's daemon dies with its port 4500 socket in esp0's
# hands. The device lets go of it, so a new espiked binds port 4500 again;
# its INITIAL_CONTACT replaces the server's old SAs.
kill -KILL "${IKE_PIDS[1]}"
wait "${IKE_PIDS[1]}" 2>/dev/null
unset 'IKE_PIDS[1]'
rm -f "$IKE_W/c.sock"
espiked_run c "$c"
ktap_result "client espiked killed (SIGKILL) and restarted: port 4500 bound again, CHILD_SA up" \
	wait_secs 30 eval 'espiked_child_up c && espiked_child_up s && ! log_has c "Address already in use"'
check "after the restart: esp0 on the new daemon's socket, pings both ways" \
	eval 'encap_is "$c" 4500 4500 4500 1 && pings "$c" 10.99.0.2 "$s" 10.99.0.1'
espiked_ctl s down tun >/dev/null
ktap_result "server's Delete reaches the client on the new mapping" \
	wait_for 15 eval 'espiked_no_child c && espiked_no_child s'
espiked_stop

# --- 2. no NAT between $nat and $s; then encap yes
nat_rules 20000 20100 && ns_exec "$nat" conntrack -F
es_conf n 192.0.2.1 192.0.2.2 fqdn:client.test fqdn:server.test 10.99.0.1/32 10.99.0.2/32 \
	initiate
espiked_run s "$s"
espiked_run n "$nat"
ktap_result "no NAT: CHILD_SA up, both IKE SAs on port 500, no NAT flagged" \
	wait_secs 30 eval 'espiked_child_up n && espiked_child_up s &&
		ike_ports n 192.0.2.1:500 192.0.2.2:500 && ike_ports s 192.0.2.2:500 192.0.2.1:500 &&
		ike_sa_is n "(.nat_local or .nat_remote) | not"'
check "no NAT: plain ESP on both devices, pings both ways" \
	eval 'no_encap "$nat" && no_encap "$s" && pings "$nat" 10.99.0.2 "$s" 10.99.0.1'
espiked_stop
es_conf n 192.0.2.1 192.0.2.2 fqdn:client.test fqdn:server.test 10.99.0.1/32 10.99.0.2/32 \
	initiate "encap yes" "natt_keepalive 5s"
espiked_run s "$s"
espiked_run n "$nat"
ktap_result "encap yes: CHILD_SA up, both IKE SAs on port 4500, NAT flagged" \
	wait_secs 30 eval 'espiked_child_up n && espiked_child_up s &&
		ike_ports n 192.0.2.1:4500 192.0.2.2:4500 && ike_ports s 192.0.2.2:4500 192.0.2.1:4500 &&
		ike_sa_is s ".nat_local or .nat_remote"'
check "encap yes: encap udp 4500 -> 4500 both sides (keepalive on the forcing side), pings" \
	eval 'encap_is "$nat" 4500 4500 4500 5 && encap_is "$s" 4500 4500 4500 0 &&
		pings "$nat" 10.99.0.2 "$s" 10.99.0.1'
espiked_stop
ip -n "$s" link del esp0

# --- 3. espiked behind the NAT, strongSwan's charon responding
nat_rules 20000 20100 && ns_exec "$nat" conntrack -F
ip -n "$s" addr add 10.99.0.2/32 dev lo
ip -n "$s" route add 10.99.0.1/32 dev vs src 10.99.0.2
cat > "$IKE_W/swanctl.conf" <<-EOF
connections {
	tun {
		version = 2
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		proposals = aes256gcm16-prfsha256-ecp256
		local {
			auth = psk
			id = server.test
		}
		remote {
			auth = psk
			id = client.test
		}
		children {
			tun {
				local_ts = 10.99.0.2/32
				remote_ts = 10.99.0.1/32
				esp_proposals = aes256gcm16
				start_action = none
			}
		}
	}
}
secrets {
	ike-tun {
		id-1 = server.test
		id-2 = client.test
		secret = "$IKE_PSK"
	}
}
EOF
sw_start "$s"
sw_load >> "$IKE_W/swanctl.log" 2>&1
: > "$IKE_W/c.log"
espiked_run c "$c"
ktap_result "espiked <-> charon: CHILD_SA up on both sides through the NAT" \
	wait_secs 60 eval 'espiked_child_up c && sw_child_up'
check "NAT seen by both: charon's remote host behind NAT, espiked behind a NAT" \
	eval 'ike_sa_is c .nat_local &&
		grep -q "remote host is behind NAT" "$IKE_W/charon.log" &&
		ike_ports c 10.0.1.2:4500 192.0.2.2:4500'
check "client esp0 encap udp 4500 -> 4500; charon's xfrm state espinudp 4500 -> 20000..20100" \
	eval 'encap_is "$c" 4500 4500 4500 1 &&
		ip -n "$s" xfrm state | grep -E "encap type espinudp sport 4500 dport (200[0-9][0-9]|20100) "'
xf0=$(sw_xfrm_packets "$s"); tx0=$(esp0_tx "$c"); rx0=$(esp0_rx "$c")
check "pings espvti <-> xfrm both ways" pings "$c" 10.99.0.2 "$s" 10.99.0.1
check "espvti encrypted and decrypted, charon's xfrm states too" \
	eval '[ "$(esp0_tx "$c")" -gt "$tx0" ] && [ "$(esp0_rx "$c")" -gt "$rx0" ] &&
		[ "$(sw_xfrm_packets "$s")" -gt "$xf0" ]'
# Someone turns encapsulation off behind espiked's back: diagnose says so.
ns_exec "$c" "$ESPCTL" set esp0 encap none
check "client esp0 set to encap none with a NAT found: espctl diagnose reports nat-no-encap" \
	eval 'ns_exec "$c" "$ESPCTL" diagnose esp0 --json -i 0 -s "$IKE_W/c.sock" |
		jq -e "[.findings[] | select(.id == \"nat-no-encap\" and .severity == \"error\")] | length == 1"'
ktap_finish
