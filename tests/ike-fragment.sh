#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# ike-fragment: IKE fragmentation (RFC 7383) between espiked and
# strongSwan's charon with RSA-4096 certificates and their intermediate
# (IKE_AUTH messages of about 2.4 KB each way), through a router whose link
# to charon has an MTU of 1280 and which drops every IPv4 fragment (nft,
# counted): an IKE_AUTH message gets through only as IKE fragments.
#
#   netns $c: espiked            netns $nat: router                  netns $s: charon
#   esp0 (espvti) 10.99.0.1      nft: IPv4 fragments dropped          xfrm 10.99.0.2/32 <->
#   vc 10.0.1.2 ---- veth ---- vnc 10.0.1.1  vns 192.0.2.1 ---- veth ---- vs 192.0.2.2
#     mtu 1500                   mtu 1500     mtu 1280                mtu 1280
#
# Rounds, each with fresh daemons: espiked initiates; charon initiates; then
# the control: espiked with "fragmentation no" initiates and must not get
# its IKE_AUTH through (the router drops its IP fragments), which shows
# that the path really needs IKE fragments. In the first two rounds the
# tunnel comes up, ping passes both ways, espiked sent and received
# fragments (espctl ike list --json) and the router dropped no IP fragment.
#
# vmtest-timeout: 600
# IKE fragmentation is the daemons' behaviour (UDP through the router), the
# same whatever the kernel; espiked keying the module runs on both kernels
# in ike-espiked and ike-strongswan. This one runs on 6.1 (Debian 12's
# default kernel) only, to keep make check within CI's time.
# vmtest-kernels: ^6\.1\.
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $c, $nat, $s
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-ike.sh
. "$(dirname "$0")/lib-ike.sh"

test_cleanup() { ike_cleanup; }

P=$IKE_W/pki

# pki: the test PKI (tests/tools/mkpki.sh) and a second RSA-4096 end entity
# for charon, signed by the same intermediate
pki() {
	"$REPO/tests/tools/mkpki.sh" "$P" >/dev/null 2>&1 || return 1
	openssl req -new -newkey rsa:4096 -nodes -keyout "$P/sw.key" \
		-subj "/C=CH/O=espvti test/CN=sw.example.org" -out "$P/sw.csr" 2>/dev/null &&
		openssl x509 -req -in "$P/sw.csr" -CA "$P/inter.crt" -CAkey "$P/inter.key" \
			-set_serial 4242 -days 30 -out "$P/sw.crt" 2>/dev/null || return 1
	cat "$P/root.crt" "$P/inter.crt" > "$P/trust.pem"
	sw_creds "$P/sw.key" "$P/root.crt" "$P/inter.crt"
}

topology() {
	nat_topology || return 1
	ip -n "$nat" link set vns mtu 1280
	ip -n "$s" link set vs mtu 1280
	ip -n "$s" route add 10.0.1.0/24 via 192.0.2.1
	ip -n "$c" link add esp0 type espvti
	ip -n "$c" link set esp0 up
	ip -n "$c" addr add 10.99.0.1 peer 10.99.0.2/32 dev esp0
	ip -n "$s" addr add 10.99.0.2/32 dev lo
	ip -n "$s" route add 10.99.0.1/32 via 192.0.2.1 src 10.99.0.2
	# any IPv4 fragment, first or later, is dropped and counted, before
	# defragmentation (priority -400) could hide it
	ns_exec "$nat" nft -f - <<-EOF
	table ip fragtest {
		chain prerouting {
			type filter hook prerouting priority -500;
			ip frag-off & 0x3fff != 0 counter drop
		}
	}
	EOF
	[ $? = 0 ] || return 1
	wait_for 10 ns_exec "$c" ping -c 1 -W 1 192.0.2.2
}

# frag_drops: IPv4 fragments the router dropped so far (fails when unknown)
frag_drops() {
	ns_exec "$nat" nft -j list table ip fragtest |
		jq -e '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) |
			.counter.packets] | if length == 1 then .[0] else null end'
}

# fragments SIDE FIELD: FIELD of SIDE's IKE SA in espctl ike list --json
fragments() { ike_q "$1" -r --arg f "$2" '.[].ike_sas[0][$f]'; }

# confs START ESPIKED-EXTRA...: espiked's a.conf (start START) and charon's swanctl.conf
confs() {
	local start=$1
	shift
	IKE_CONF_AUTH=extra ike_conf a 10.0.1.2 192.0.2.2 10.99.0.1 10.99.0.2 "$start" \
		"auth pubkey" "cert $P/rsa4096-full.pem" "key $P/rsa4096.key" "ca $P/trust.pem" \
		"remote_id %any" "send_cert always" "esp aes256gcm16" "$@"
	cat > "$IKE_W/swanctl.conf" <<-EOF
	connections {
		tun {
			version = 2
			local_addrs = 192.0.2.2
			remote_addrs = 10.0.1.2
			proposals = aes256gcm16-prfsha384-ecp384
			fragmentation = yes
			send_cert = always
			local {
				auth = pubkey
				certs = $P/sw.crt
			}
			remote {
				auth = pubkey
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
	EOF
}

# round N ROLE: one handshake through the router, ROLE (espiked or charon)
# initiating; the tunnel, ping both ways, fragments and no IP fragment.
round() {
	local n=$1 role=$2 start=listen drops0
	[ "$role" = espiked ] && start=initiate
	confs "$start"
	drops0=$(frag_drops)
	sw_round "$n" "$role" "$c" "$s" 60
	ktap_result "round $n ($role initiates): CHILD_SA up on both sides" \
		wait_secs 90 eval 'espiked_child_up a && sw_child_up'
	ktap_result "round $n: ping espvti -> xfrm" ping_within 10 "$c" -I esp0 10.99.0.2
	ktap_result "round $n: ping xfrm -> espvti" ping_within 10 "$s" -I 10.99.0.2 10.99.0.1
	ktap_result "round $n: espiked sent and received IKE fragments (espctl: fragmentation $(fragments a fragmentation), sent $(fragments a fragments_sent), received $(fragments a fragments_received))" \
		eval '[ "$(fragments a fragmentation)" = true ] &&
		      [ "$(fragments a fragments_sent)" -ge 2 ] &&
		      [ "$(fragments a fragments_received)" -ge 2 ] &&
		      grep -q "IKE_AUTH .* sent as [0-9]* fragments of at most 548 octets" "$IKE_W/a.log"'
	ktap_result "round $n: the router dropped no IP fragment ($drops0 before, $(frag_drops) after)" \
		eval '[ -n "$drops0" ] && [ "$(frag_drops)" = "$drops0" ]'
	espiked_stop
	sw_stop
}

ktap_plan 14
ike_require
for t in jq nft openssl; do
	command -v $t >/dev/null || ktap_skip_all "$t is not installed (scripts/install-deps)"
done
espvti_load
# at the top level: nat_topology sets $c, $nat and $s (check would run it in a subshell)
topology >/dev/null 2>&1
ktap_result "topology: router with a 1280-octet link that drops IPv4 fragments" test $? = 0
check "PKI: RSA-4096 end entities for espiked and charon, P-256 intermediate" pki

round 1 espiked
round 2 charon

# control: without IKE fragmentation the same IKE_AUTH does not get through
confs initiate "fragmentation no"
drops0=$(frag_drops)
sw_round "3 (fragmentation no)" espiked "$c" "$s"
ktap_result "fragmentation no: espiked's IKE_AUTH request goes unanswered, no CHILD_SA" \
	wait_secs 60 eval 'grep -q "no answer to our request (message ID 1)" "$IKE_W/a.log" &&
		! espiked_child_up a && ! sw_child_up'
ktap_result "fragmentation no: the router dropped its IP fragments ($drops0 before, $(frag_drops) after)" \
	eval '[ -n "$drops0" ] && [ "$(frag_drops)" -gt "$drops0" ]'
espiked_stop
sw_stop
ktap_finish
