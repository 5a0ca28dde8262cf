#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# ike-multi: one espiked with two connections, each bound to its own espvti
# device, as on a hub router with two sites. Both tunnels come up; taking
# one down and up again leaves the other passing traffic; when a site's
# link is cut, dead peer detection with "dpd_action restart" clears that
# tunnel and, initiating again with a back-off while the peer does not
# answer, brings it up by itself once the link is back, while the
# other tunnel keeps working; the site, which never noticed the cut, drops
# its stale IKE SA on the hub's INITIAL_CONTACT.
#
#   netns $a: espiked (site a)   netns $h: espiked (hub), 2 connections   netns $b: espiked (site b)
#   +----------------------+     +-------------------------------------+   +----------------------+
#   | esp0 10.99.1.2       |<===>| esp0 10.99.1.1       esp1 10.99.2.1 |<=>| esp0 10.99.2.2       |
#   |   conn hub (listen)  |     |  conn site-a          conn site-b   |   |   conn hub (listen)  |
#   | wa 192.0.2.2  ======= veth == wha 192.0.2.1    whb 198.51.100.1 == veth == wb 198.51.100.2 |
#   +----------------------+     +-------------------------------------+   +----------------------+
#
# vmtest-timeout: 420
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b, $h
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-ike.sh
. "$(dirname "$0")/lib-ike.sh"

test_cleanup() { ike_cleanup; }

# spoke_conf SIDE LOCAL HUB INNER HUB_INNER IKE ESP: a site that waits for
# the hub.
spoke_conf() {
	cat > "$IKE_W/$1.conf" <<-EOF
	conn hub {
	    local $2; remote $3
	    local_id fqdn:$1.espvti.test; remote_id fqdn:hub.espvti.test
	    psk "$IKE_PSK"
	    ike $6
	    esp $7
	    local_ts $4/32; remote_ts $5/32
	    device esp0; start listen
	    retransmit_timeout 500ms; retransmit_tries 3
	}
	EOF
}

# The hub initiates both; site-b's tunnel restarts when its peer is dead.
hub_conf() {
	cat > "$IKE_W/h.conf" <<-EOF
	conn site-a {
	    local 192.0.2.1; remote 192.0.2.2
	    local_id fqdn:hub.espvti.test; remote_id fqdn:a.espvti.test
	    psk "$IKE_PSK"
	    ike aes256gcm16-prfsha384-ecp384
	    esp aes256gcm16
	    local_ts 10.99.1.1/32; remote_ts 10.99.1.2/32
	    device esp0; start initiate
	    retransmit_timeout 500ms; retransmit_tries 3
	}
	conn site-b {
	    local 198.51.100.1; remote 198.51.100.2
	    local_id fqdn:hub.espvti.test; remote_id fqdn:b.espvti.test
	    psk "$IKE_PSK"
	    ike aes128-sha256-x25519
	    esp aes128gcm16
	    local_ts 10.99.2.1/32; remote_ts 10.99.2.2/32
	    device esp1; start initiate
	    dpd_delay 2s; dpd_action restart
	    retransmit_timeout 500ms; retransmit_tries 3
	}
	EOF
}

# The hub's connection NAME has an installed CHILD_SA (hub_up) or the hub
# answers and it has none (hub_down), in espctl ike list --json.
hub_up() { espiked_child_up h "$1"; }
hub_down() { [ "$(child_count h INSTALLED "$1")" = 0 ]; }
ping_dev() { ip netns exec "$h" ping -q -c 1 -W 1 -I "$1" "$2" >/dev/null 2>&1; }
n_sas() { ip netns exec "$1" "$REPO/userland/espctl" show "$2" --json | jq '.sas | length'; }

ktap_plan 13
ike_require
espvti_load
ns_add a h b
ip link add wha netns "$h" type veth peer name wa netns "$a"
ip link add whb netns "$h" type veth peer name wb netns "$b"
ip -n "$h" addr add 192.0.2.1/24 dev wha
ip -n "$a" addr add 192.0.2.2/24 dev wa
ip -n "$h" addr add 198.51.100.1/24 dev whb
ip -n "$b" addr add 198.51.100.2/24 dev wb
links_up "$h wha" "$h whb" "$a wa" "$b wb"
ip -n "$h" link add esp0 type espvti
ip -n "$h" link add esp1 type espvti
ip -n "$a" link add esp0 type espvti
ip -n "$b" link add esp0 type espvti
ip -n "$h" addr add 10.99.1.1 peer 10.99.1.2/32 dev esp0
ip -n "$h" addr add 10.99.2.1 peer 10.99.2.2/32 dev esp1
ip -n "$a" addr add 10.99.1.2 peer 10.99.1.1/32 dev esp0
ip -n "$b" addr add 10.99.2.2 peer 10.99.2.1/32 dev esp0
for d in "$h esp0" "$h esp1" "$a esp0" "$b esp0"; do
	# shellcheck disable=SC2086 # "NS DEV"
	set -- $d
	ip -n "$1" link set "$2" up
done

spoke_conf a 192.0.2.2 192.0.2.1 10.99.1.2 10.99.1.1 aes256gcm16-prfsha384-ecp384 aes256gcm16
spoke_conf b 198.51.100.2 198.51.100.1 10.99.2.2 10.99.2.1 aes128-sha256-x25519 aes128gcm16
hub_conf
espiked_run a "$a"
espiked_run b "$b"
espiked_run h "$h"

ktap_result "hub: both connections have a CHILD_SA" \
	wait_secs 60 eval 'hub_up site-a && hub_up site-b'
ktap_result "hub: each CHILD_SA on its own device (esp0 site-a, esp1 site-b)" \
	eval '[ "$(n_sas "$h" esp0)" = 2 ] && [ "$(n_sas "$h" esp1)" = 2 ] &&
	      ike_q h -e "any(.[] | select(.name == \"site-b\") | .ike_sas[].child_sas[];
			      .device == \"esp1\")" >/dev/null'
ktap_result "ping site a through esp0 and site b through esp1" \
	eval 'wait_for 10 ping_dev esp0 10.99.1.2 && wait_for 10 ping_dev esp1 10.99.2.2'

check "hub: ctl down site-a" espiked_ctl h down site-a
ktap_result "down site-a: its SAs gone from the hub and from site a" \
	wait_secs 30 eval 'hub_down site-a && espiked_no_child a && [ "$(n_sas "$h" esp0)" = 0 ]'
ktap_result "down site-a: site b's tunnel still passes traffic" \
	eval 'hub_up site-b && wait_for 10 ping_dev esp1 10.99.2.2'
check "hub: ctl up site-a" espiked_ctl h up site-a
ktap_result "up site-a: the tunnel is back and passes traffic" \
	eval 'wait_secs 60 hub_up site-a && wait_for 10 ping_dev esp0 10.99.1.2'

# Cut site b off until the hub has declared it dead, then reconnect it: the
# restart brings the tunnel back without anyone asking.
ip -n "$b" link set wb down
# Why the hub dropped site-b's IKE SA, and how often it was established
# (the documented state changes, espiked(8) LOGGING), are in its log only.
ktap_result "link to b cut: the hub detects the dead peer" \
	wait_secs 60 grep -q "site-b.*dead peer" "$IKE_W/h.log"
ktap_result "link to b cut: site a's tunnel still passes traffic" \
	wait_for 10 ping_dev esp0 10.99.1.2
ip -n "$b" link set wb up
ktap_result "link to b back: dpd_action restart brings site-b up again" \
	wait_secs 150 eval 'hub_up site-b && ping_dev esp1 10.99.2.2'
ktap_result "hub log shows site-b re-established by the restart" \
	eval '[ "$(grep -c "site-b\[[0-9]*\] .*-> ESTABLISHED" "$IKE_W/h.log")" -ge 2 ]'
# Why site b closed its stale IKE SA is in its log only.
ktap_result "site b: INITIAL_CONTACT closed its stale IKE SA, esp0 holds one SA pair" \
	eval 'grep -q "INITIAL_CONTACT: the peer holds no other IKE SA" "$IKE_W/b.log" &&
	      [ "$(ike_sa_count b)" = 1 ] && [ "$(n_sas "$b" esp0)" = 2 ]'
ktap_finish
