#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# ike-espiked: espiked to espiked over a veth pair, keying espvti devices
# through the espvti generic netlink family. IKE_SA_INIT + IKE_AUTH with a
# PSK bring up the CHILD_SA, ping flows through the tunnel both ways;
# "ctl down" deletes the SAs from both devices; a connection set to
# "start trap" comes up on the first packet (acquire event); dead peer
# detection clears the SAs when the peer's link is cut; "espctl ike list"
# shows the IKE SA and the CHILD_SA with the device's counters.
#
#   netns $a: espiked (initiator)                  netns $b: espiked (responder)
#   +-------------------------------+               +-------------------------------+
#   | esp0 (espvti) 10.99.0.1       |  ESP tunnel   | esp0 (espvti) 10.99.0.2       |
#   |   selectors 10.99.0.1/32  <===|===============|===>  10.99.0.2/32            |
#   | va 192.0.2.1  UDP 500 (IKE) +===== veth ======+ vb 192.0.2.2  UDP 500 (IKE)  |
#   +-------------------------------+               +-------------------------------+
#
# vmtest-timeout: 240
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"

# shellcheck source=tests/lib-ike.sh
. "$(dirname "$0")/lib-ike.sh"
W=$IKE_W

test_cleanup() { ike_cleanup; }

# conf SIDE LOCAL REMOTE IN_LOCAL IN_REMOTE START EXTRA...
conf() {
	local side=$1 l=$2 r=$3 il=$4 ir=$5 start=$6
	shift 6
	{
		echo "conn tun {"
		echo "    local $l; remote $r"
		echo "    local_id $side@espvti.test"
		echo "    remote_id %any"
		echo "    psk \"espiked vm test key\""
		echo "    ike aes256gcm16-prfsha384-ecp384"
		echo "    esp aes256gcm16"
		echo "    local_ts $il/32; remote_ts $ir/32"
		echo "    device esp0; start $start"
		echo "    retransmit_timeout 500ms; retransmit_tries 3"
		for x in "$@"; do echo "    $x"; done
		echo "}"
	} > "$W/$side.conf"
}

ping_ok() { ip netns exec "$1" ping -c 1 -W 1 -I esp0 "$2" >/dev/null 2>&1; }
rx_packets() { ip -n "$1" -s -j link show esp0 | jq '.[0].stats64.rx.packets'; }

ktap_plan 14
ike_require
espvti_load
ike_pair_topology

conf a 192.0.2.1 192.0.2.2 10.99.0.1 10.99.0.2 initiate
conf b 192.0.2.2 192.0.2.1 10.99.0.2 10.99.0.1 listen
espiked_run b "$b"
espiked_run a "$a"
ktap_result "espiked started in both namespaces" test -S "$W/a.sock" -a -S "$W/b.sock"
ktap_result "IKE SA established, CHILD_SA installed on both sides" \
	wait_for 30 eval 'espiked_child_up a && espiked_child_up b'
ktap_result "ping a -> b through esp0" wait_for 10 ping_ok "$a" 10.99.0.2
ktap_result "ping b -> a through esp0" wait_for 10 ping_ok "$b" 10.99.0.1
ktap_result "both devices decrypted packets" \
	eval '[ "$(rx_packets "$a")" -ge 1 ] && [ "$(rx_packets "$b")" -ge 1 ]'

check "ctl down" espiked_ctl a down tun
ktap_result "ctl down: CHILD_SAs gone on both sides" wait_for 15 eval 'espiked_no_child a && espiked_no_child b'
ktap_result "ctl down: ping no longer passes" eval '! ping_ok "$a" 10.99.0.2'

# start trap: the first packet routed into esp0 brings the tunnel up
espiked_stop
conf a 192.0.2.1 192.0.2.2 10.99.0.1 10.99.0.2 trap
espiked_run b "$b"
espiked_run a "$a"
ping_ok "$a" 10.99.0.2	# no SA yet: dropped, but raises the acquire event
ktap_result "start trap: traffic brings the tunnel up" wait_for 30 espiked_child_up a
ktap_result "start trap: ping passes afterwards" wait_for 10 ping_ok "$a" 10.99.0.2

# dead peer detection: cut b off, a clears its SAs
espiked_stop
conf a 192.0.2.1 192.0.2.2 10.99.0.1 10.99.0.2 initiate "dpd_delay 2s" "dpd_action clear"
espiked_run b "$b"
espiked_run a "$a"
wait_for 30 eval 'espiked_child_up a && espiked_child_up b'
ip -n "$b" link set vb down
ktap_result "DPD: a detects the dead peer and clears the device's SAs" wait_for 60 espiked_no_child a
ktap_result "DPD: a's log says why" grep -q 'dead peer' "$W/a.log"
espiked_stop

# espctl ike list: the daemon's SAs, counters from the espvti SAs by SPI
ip -n "$b" link set vb up
ESPCTL=${ESPCTL:-$REPO/userland/espctl}
ike_list() { ip netns exec "$a" "$ESPCTL" ike -s "$W/a.sock" list "$@"; }
conf a 192.0.2.1 192.0.2.2 10.99.0.1 10.99.0.2 initiate
espiked_run b "$b"
espiked_run a "$a"
wait_for 30 eval 'espiked_child_up a && espiked_child_up b'
wait_for 10 ping_ok "$a" 10.99.0.2
# espctl's text output is what this checks (espctl(8)); the state is read in
# its JSON everywhere else.
ktap_result "espctl ike list: ESTABLISHED IKE SA, CHILD_SA with packets both ways" \
	eval 'ike_list | grep -q "ike_sa #1: ESTABLISHED, initiator" &&
	ike_list tun | grep -qE "transfer: [1-9][0-9]* packets, [0-9]+ bytes received; [1-9][0-9]* packets"'
ktap_result "espctl ike list --json: the CHILD_SA's counters" \
	eval '[ "$(ike_list tun --json | jq ".ike_sas[0].child_sas[0].stats.tx_packets")" -ge 1 ]'
espiked_stop
ktap_finish
