#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# ike-libreswan: espiked against Libreswan's pluto (Debian's package,
# unpacked aside by scripts/install-deps; see tests/lib-libreswan.sh).
# Four rounds, each a fresh pair of daemons. In rounds 1 and 2 the tunnel
# comes up, ping passes both ways, encrypted by espvti in $a and by the
# kernel's xfrm (policy based, keyed by pluto) in $b, then one side deletes
# the IKE SA and the other removes its SAs. In rounds 3 and 4 the
# pre-shared keys differ: no CHILD_SA, and espiked logs the failure.
#
#   netns $a: espiked                            netns $b: pluto (Libreswan)
#   +-------------------------------+            +----------------------------------+
#   | esp0 (espvti) 10.99.0.1 ------|-- ESP -----|-> xfrm policy 10.99.0.2/32 <->   |
#   |   peer 10.99.0.2              |            |    10.99.0.1/32, lo 10.99.0.2    |
#   | va 192.0.2.1 =================+== veth ====+== vb 192.0.2.2                   |
#   +-------------------------------+            +----------------------------------+
#
#   round  IKE initiator  IKE proposal (espiked / Libreswan)  ESP (PFS group)            delete
#   1      espiked        aes256gcm16-prfsha384-ecp384        aes256gcm16-ecp384         espiked
#                         aes_gcm256-sha2_384;ecp384          aes_gcm256;ecp384
#   2      pluto          aes128-sha256-modp2048              chacha20poly1305-modp2048  pluto
#                         aes128-sha2_256;modp2048            chacha20_poly1305;modp2048
#
# The ESP proposals name a Diffie-Hellman group (for the rekeys' PFS): the
# IKE_AUTH SA payloads must carry none (RFC 7296 1.2), which Libreswan
# enforces; espiked must leave it out of its offer (round 1) and accept
# pluto's offer without it (round 2).
#   3      espiked        as round 1, different keys
#   4      pluto          as round 2, different keys
#
# vmtest-timeout: 400
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-ike.sh
. "$(dirname "$0")/lib-ike.sh"
# shellcheck source=tests/lib-libreswan.sh
. "$(dirname "$0")/lib-libreswan.sh"

ES_IKE1=aes256gcm16-prfsha384-ecp384 LSW_IKE1='aes_gcm256-sha2_384;ecp384'
ES_IKE2=aes128-sha256-modp2048 LSW_IKE2='aes128-sha2_256;modp2048'

test_cleanup() { lsw_cleanup; ike_cleanup; }

# since_round N PATTERN: espiked logged PATTERN in round N (prints the
# first such line).
since_round() { sed -n "/^=== round $1\$/,\$p" "$IKE_W/a.log" | grep -m 1 -- "$2"; }

# start_round N ROLE ES_IKE ES_ESP LSW_IKE LSW_ESP ES_KEY: writes both
# configurations (pluto's key is always $IKE_PSK), starts both daemons and
# has ROLE (espiked or pluto) initiate.
start_round() {
	local n=$1 role=$2 start=listen
	[ "$role" = espiked ] && start=initiate
	lsw_es_conf "$start" "$3" "$4" "$7"
	lsw_conf "$5" "$6" "$IKE_PSK"
	echo "=== round $n" >> "$IKE_W/a.log"
	lsw_start "$b" || ktap_bail "round $n: pluto did not start"
	espiked_run a "$a"
	[ "$role" = pluto ] && lsw_whack --name tun --initiate --asynchronous >> "$IKE_W/whack.log" 2>&1
	return 0
}

# round N ROLE ES_IKE ES_ESP LSW_IKE LSW_ESP: tunnel up, ping both ways,
# then ROLE deletes the IKE SA (espiked ctl down / whack --terminate).
round() {
	local n=$1 role=$2 tx0 rx0 xf0
	start_round "$@" "$IKE_PSK"
	ktap_result "round $n ($role initiates, IKE $3, ESP $4): CHILD_SA up on both sides" \
		wait_secs 60 eval 'espiked_child_up a && lsw_child_up'
	tx0=$(esp0_tx "$a"); rx0=$(esp0_rx "$a"); xf0=$(sw_xfrm_packets "$b")
	ktap_result "round $n: ping espvti -> xfrm" ping_within 10 "$a" -I esp0 10.99.0.2
	ktap_result "round $n: ping xfrm -> espvti" ping_within 10 "$b" -I 10.99.0.2 10.99.0.1
	ktap_result "round $n: espvti encrypted and decrypted, xfrm too" \
		eval '[ "$(esp0_tx "$a")" -gt "$tx0" ] && [ "$(esp0_rx "$a")" -gt "$rx0" ] &&
		      [ "$(sw_xfrm_packets "$b")" -gt "$xf0" ]'
	if [ "$role" = espiked ]; then
		espiked_ctl a down tun >> "$IKE_W/whack.log" 2>&1
	else
		lsw_whack --name tun --terminate >> "$IKE_W/whack.log" 2>&1
	fi
	ktap_result "round $n: $role deletes the IKE SA: no SA left on esp0, in espiked, pluto, xfrm" \
		wait_secs 30 eval 'lsw_dev_no_sa "$a" && espiked_no_child a && lsw_no_child &&
				   [ "$(lsw_xfrm_states)" = 0 ]'
	espiked_stop
	lsw_stop
}

# bad_key N ROLE ...: as round, with another key on espiked's side: the
# authentication fails (espiked logs AUTHENTICATION_FAILED, its own or the
# one pluto sent), no CHILD_SA anywhere.
bad_key() {
	local n=$1 role=$2
	start_round "$@" "not the $IKE_PSK"
	ktap_result "round $n ($role initiates, different keys): espiked logs AUTHENTICATION_FAILED" \
		wait_secs 60 since_round "$n" AUTHENTICATION_FAILED
	ktap_diag "round $n: $(since_round "$n" AUTHENTICATION_FAILED)"
	ktap_result "round $n: no CHILD_SA on either side, no SA on esp0 or in xfrm" \
		eval '! espiked_child_up a && lsw_no_child && lsw_dev_no_sa "$a" &&
		      [ "$(lsw_xfrm_states)" = 0 ]'
	espiked_stop
	lsw_stop
}

ktap_plan 14
ike_require
lsw_require
espvti_load
modprobe -q -a chacha20poly1305 chacha20_x86_64 poly1305_x86_64 2>/dev/null
lsw_topology

round 1 espiked "$ES_IKE1" aes256gcm16-ecp384 "$LSW_IKE1" 'aes_gcm256;ecp384'
round 2 pluto "$ES_IKE2" chacha20poly1305-modp2048 "$LSW_IKE2" 'chacha20_poly1305;modp2048'
bad_key 3 espiked "$ES_IKE1" aes256gcm16 "$LSW_IKE1" aes_gcm256
bad_key 4 pluto "$ES_IKE2" chacha20poly1305 "$LSW_IKE2" chacha20_poly1305
ktap_finish
