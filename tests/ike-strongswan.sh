#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# ike-strongswan: espiked against strongSwan's charon (swanctl, vici). Four
# rounds, each a fresh pair of daemons: espiked as initiator and as
# responder, an AES-GCM and an AES-CBC/HMAC-SHA2-256 IKE proposal, over
# outer IPv4 and IPv6, with FQDN, RFC822, address and KEY_ID identities.
# In each round the tunnel comes up, ping passes both ways, encrypted by
# espvti in $a and by the kernel's xfrm (policy based) in $b.
#
#   netns $a: espiked                              netns $b: charon (strongSwan)
#   +--------------------------------+             +---------------------------------+
#   | esp0 (espvti) 10.99.0.1 -------|- ESP -------|-> xfrm policy 10.99.0.2/32 <->  |
#   |   peer 10.99.0.2               |             |    10.99.0.1/32, lo 10.99.0.2   |
#   | va 192.0.2.1, 2001:db8:f::1 ===+=== veth ====+= vb 192.0.2.2, 2001:db8:f::2    |
#   +--------------------------------+             +---------------------------------+
#
#   round  IKE initiator  IKE proposal                 ESP                outer
#   1      espiked        aes256gcm16-prfsha384-ecp384  aes256gcm16        IPv4
#   2      charon         aes128-sha256-modp2048        aes128gcm16        IPv4
#   3      espiked        aes256-sha256-x25519          chacha20poly1305   IPv6
#   4      charon         aes128gcm16-prfsha256-ecp256  aes256gcm16-esn    IPv6
#
# vmtest-timeout: 400
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-ike.sh
. "$(dirname "$0")/lib-ike.sh"

test_cleanup() { ike_cleanup; }

# round N ROLE IKE ESP FAMILY ES_ID SW_ID: one handshake and ping both ways.
# ROLE is who initiates: espiked or charon. The identities are written
# the way each side's configuration writes them: ES_ID/SW_ID for espiked,
# $ES_SW_ID/$SW_SW_ID (set by the caller) for swanctl.conf.
round() {
	local n=$1 role=$2 ike=$3 esp=$4 fam=$5 es_id=$6 sw_id=$7
	local la=192.0.2.1 lb=192.0.2.2 start=listen tx0 rx0 xf0
	if [ "$fam" = 6 ]; then la=2001:db8:f::1; lb=2001:db8:f::2; fi
	[ "$role" = espiked ] && start=initiate
	cat > "$IKE_W/a.conf" <<-EOF
	conn tun {
		local $la; remote $lb
		local_id $es_id; remote_id $sw_id
		psk "$IKE_PSK"
		ike $ike
		esp $esp
		local_ts 10.99.0.1/32; remote_ts 10.99.0.2/32
		device esp0; start $start
		retransmit_timeout 1s; retransmit_tries 4
	}
	EOF
	cat > "$IKE_W/swanctl.conf" <<-EOF
	connections {
		tun {
			version = 2
			local_addrs = $lb
			remote_addrs = $la
			proposals = $ike
			local {
				auth = psk
				id = "$SW_SW_ID"
			}
			remote {
				auth = psk
				id = "$ES_SW_ID"
			}
			children {
				tun {
					local_ts = 10.99.0.2/32
					remote_ts = 10.99.0.1/32
					esp_proposals = $esp
					start_action = none
				}
			}
		}
	}
	secrets {
		ike-tun {
			id-1 = "$SW_SW_ID"
			id-2 = "$ES_SW_ID"
			secret = "$IKE_PSK"
		}
	}
	EOF
	sw_round "$n" "$role" "$a" "$b"
	ktap_result "round $n ($role initiates, $ike, IPv$fam): CHILD_SA up on both sides" \
		wait_secs 60 eval 'espiked_child_up a && sw_child_up'
	tx0=$(esp0_tx "$a"); rx0=$(esp0_rx "$a"); xf0=$(sw_xfrm_packets "$b")
	ktap_result "round $n: ping espvti -> xfrm" \
		ping_within 10 "$a" -I esp0 10.99.0.2
	ktap_result "round $n: ping xfrm -> espvti" \
		ping_within 10 "$b" -I 10.99.0.2 10.99.0.1
	ktap_result "round $n: espvti encrypted and decrypted, xfrm too" \
		eval '[ "$(esp0_tx "$a")" -gt "$tx0" ] && [ "$(esp0_rx "$a")" -gt "$rx0" ] &&
		      [ "$(sw_xfrm_packets "$b")" -gt "$xf0" ]'
	espiked_stop
	sw_stop
}

ktap_plan 16
ike_require
espvti_load
modprobe -q -a chacha20poly1305 chacha20_x86_64 poly1305_x86_64 2>/dev/null
ns_add a b
ip link add va netns "$a" type veth peer name vb netns "$b"
ip -n "$a" addr add 192.0.2.1/24 dev va
ip -n "$b" addr add 192.0.2.2/24 dev vb
ip -n "$a" addr add 2001:db8:f::1/64 dev va nodad
ip -n "$b" addr add 2001:db8:f::2/64 dev vb nodad
ip -n "$a" link set va up
ip -n "$b" link set vb up
ip -n "$a" link add esp0 type espvti
ip -n "$a" link set esp0 up
ip -n "$a" addr add 10.99.0.1 peer 10.99.0.2/32 dev esp0
ip -n "$b" addr add 10.99.0.2/32 dev lo
ip -n "$b" route add 10.99.0.1/32 dev vb src 10.99.0.2

ES_SW_ID=es.espvti.test SW_SW_ID=sw.espvti.test \
	round 1 espiked aes256gcm16-prfsha384-ecp384 aes256gcm16 4 \
	fqdn:es.espvti.test fqdn:sw.espvti.test
ES_SW_ID=es@espvti.test SW_SW_ID=sw@espvti.test \
	round 2 charon aes128-sha256-modp2048 aes128gcm16 4 es@espvti.test sw@espvti.test
ES_SW_ID=2001:db8:f::1 SW_SW_ID=2001:db8:f::2 \
	round 3 espiked aes256-sha256-x25519 chacha20poly1305 6 2001:db8:f::1 2001:db8:f::2
# "#" starts a comment in swanctl.conf: the identities above are quoted.
ES_SW_ID=@#65730a SW_SW_ID=@#73770a \
	round 4 charon aes128gcm16-prfsha256-ecp256 aes256gcm16-esn 6 keyid:65730a keyid:73770a
ktap_finish
