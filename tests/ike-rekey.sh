#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# ike-rekey: CREATE_CHILD_SA rekeying under traffic. CHILD_SA and IKE SA
# lifetimes of a few seconds while ping sends 10 packets a second for 60
# seconds: no ping may be lost (make-before-break), the CHILD_SA and the IKE
# SA must have been rekeyed several times, and the old SAs must be gone from
# the espvti device (espctl show --json), from espiked and from charon.
#
#   round 1: espiked <-> espiked, both rekey (CHILD_SA 5 s with PFS
#            ecp256, IKE SA 9 s, on both sides): both roles, collisions
#            possible
#   round 2: espiked <-> charon (strongSwan, swanctl): espiked rekeys the
#            CHILD_SA (5 s, with PFS ecp384), charon the IKE SA (rekey_time
#            8s)
#   round 3: espiked <-> charon: charon rekeys the CHILD_SA (rekey_time 5s,
#            PFS ecp384), espiked answers and never rekeys itself
#
#   netns $a: espiked (initiator)              netns $b: espiked, then charon
#   +-------------------------------+           +----------------------------------+
#   | esp0 (espvti) 10.99.0.1  <====|== ESP ====|==> round 1: esp0 10.99.0.2      |
#   |   ping -i 0.1 10.99.0.2       |           |    round 2: xfrm policy, lo     |
#   | va 192.0.2.1 UDP 500 (IKE) +==+== veth ===+== vb 192.0.2.2 UDP 500 (IKE)    |
#   +-------------------------------+           +----------------------------------+
#
# vmtest-timeout: 600
# IKE behaviour of the daemons, the same whatever the kernel; the module's
# side of rekeying runs on both kernels in tunnel-espvti, churn and
# parallel-rekey. This one runs on 6.1 (Debian 12's default kernel)
# only, to keep make check within CI's time.
# vmtest-kernels: ^6\.1\.
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-ike.sh
. "$(dirname "$0")/lib-ike.sh"

PING_COUNT=600		# 60 s at 10 per second

test_cleanup() { ike_cleanup; }

# es_one_child SIDE: espiked lists one IKE SA with one CHILD_SA, INSTALLED
# (espctl ike list --json)
es_one_child() {
	ike_q "$1" -e '[.[].ike_sas[]] | length == 1 and (.[0].child_sas | length == 1) and
		.[0].child_sas[0].state == "INSTALLED"' >/dev/null
}

# es_child_spis SIDE: the SPIs (in, out; 8 hex digits) of SIDE's first CHILD_SA
es_child_spis() {
	local spis
	spis=$(ike_q "$1" -r 'first(.[].ike_sas[].child_sas[]) | "\(.spi_in) \(.spi_out)"') &&
		[ -n "$spis" ] || return 1
	# shellcheck disable=SC2086 # two numbers
	printf '%08x %08x\n' $spis
}


# gone_everywhere IN OUT: the SA pair with espiked's SPIs IN/OUT (hex, no
# 0x) is neither on esp0, nor in charon's list, nor in $b's xfrm states.
# (charon keeps a rekeyed inbound SA for delete_rekeyed_delay, 5 s, so with
# rekeys every 5 s there is never a moment with only one pair.)
gone_everywhere() {
	! ip netns exec "$a" "$ESPCTL" show esp0 --json | grep -qiE "$1|$2" &&
		ike_q a -e --argjson i $((16#$1)) --argjson o $((16#$2)) \
			'any(.[].ike_sas[].child_sas[]; [.spi_in, .spi_out] - [$i, $o] | length < 2) | not' \
			>/dev/null &&
		! timeout 20 ip netns exec "$SW_NS" env STRONGSWAN_CONF="$IKE_W/strongswan.conf" \
			swanctl --list-sas --uri "unix://$IKE_W/charon.vici" 2>/dev/null | grep -qiE "$1|$2" &&
		! ip -n "$b" xfrm state | grep -qiE "spi 0x($1|$2)"
}

ktap_plan 17
ike_require
espvti_load
ike_pair_topology

# Round 1: espiked <-> espiked
ike_conf a 192.0.2.1 192.0.2.2 10.99.0.1 10.99.0.2 initiate "esp aes256gcm16-ecp256" \
	"child_lifetime 5s" "ike_lifetime 9s"
ike_conf b 192.0.2.2 192.0.2.1 10.99.0.2 10.99.0.1 listen "esp aes256gcm16-ecp256" \
	"child_lifetime 5s" "ike_lifetime 9s"
espiked_run b "$b"
espiked_run a "$a"
ktap_result "espiked: CHILD_SA up on both sides" \
	wait_for 30 eval 'espiked_child_up a && espiked_child_up b'
spi0=$(dev_spi_out "$a")
sum=$(ping_all "$a" 10.99.0.2)
ktap_diag "espiked: $sum"
ktap_result "espiked: 60 s of ping at 10/s across rekeys, none lost" no_loss "$sum"
# Rekeys are counted in the log, where espiked(8) REKEYING documents them:
# espctl ike list --json shows no count.
child_rk=$(($(ike_count "$IKE_W/a.log" 'rekeyed: new SPI') + $(ike_count "$IKE_W/b.log" 'rekeyed: new SPI')))
ike_rk=$(($(ike_count "$IKE_W/a.log" 'IKE SA rekeyed: IKE_SA') + $(ike_count "$IKE_W/b.log" 'IKE SA rekeyed: IKE_SA')))
ktap_diag "espiked: $child_rk CHILD_SA rekeys, $ike_rk IKE SA rekeys"
ktap_result "espiked: CHILD_SA rekeyed at least 8 times, with PFS" \
	eval '[ "$child_rk" -ge 8 ] && grep -q "rekeyed: new SPI.*with PFS" "$IKE_W/a.log"'
ktap_result "espiked: IKE SA rekeyed at least 4 times" [ "$ike_rk" -ge 4 ]
ktap_result "espiked: both sides initiated and answered CHILD_SA rekeys" \
	eval 'grep -q "peer rekeys CHILD_SA" "$IKE_W/a.log" && grep -q "peer rekeys CHILD_SA" "$IKE_W/b.log"'
ktap_diag "espiked: $(cat "$IKE_W/a.log" "$IKE_W/b.log" | grep -c 'collision') log lines about rekey collisions"
ktap_result "espiked: the devices' outbound SPI changed" \
	eval '[ "$(dev_spi_out "$a")" != "$spi0" ]'
ktap_result "espiked: old SAs deleted: one SA pair per device, one IKE SA and CHILD_SA per daemon" \
	wait_for 20 eval 'ike_dev_one_pair "$a" && ike_dev_one_pair "$b" && es_one_child a && es_one_child b'
espiked_stop
ip -n "$b" link del esp0

# Round 2: espiked <-> charon
ip -n "$b" addr add 10.99.0.2/32 dev lo
ip -n "$b" route add 10.99.0.1/32 dev vb src 10.99.0.2
: > "$IKE_W/a.log"
ike_conf a 192.0.2.1 192.0.2.2 10.99.0.1 10.99.0.2 initiate "esp aes256gcm16-ecp384" \
	"child_lifetime 5s" "ike_lifetime 60s"
# sw_conf CHILD_REKEY: swanctl.conf for rounds 2 and 3, the CHILD_SA's
# rekey_time CHILD_REKEY (life_time twice that).
sw_conf() {
	cat > "$IKE_W/swanctl.conf" <<-EOF
connections {
	tun {
		version = 2
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		proposals = aes256gcm16-prfsha384-ecp384
		rekey_time = 8s
		over_time = 30s
		rand_time = 1s
		local {
			auth = psk
			id = sw@espvti.test
		}
		remote {
			auth = psk
			id = a@espvti.test
		}
		children {
			tun {
				local_ts = 10.99.0.2/32
				remote_ts = 10.99.0.1/32
				esp_proposals = aes256gcm16-ecp384
				rekey_time = ${1}s
				life_time = $(($1 * 2))s
				rand_time = 1s
				start_action = none
			}
		}
	}
}
secrets {
	ike-tun {
		id-1 = sw@espvti.test
		id-2 = a@espvti.test
		secret = "$IKE_PSK"
	}
}
EOF
}
sw_conf 20
sw_start "$b"
sw_load >> "$IKE_W/swanctl.log" 2>&1
espiked_run a "$a"
ktap_result "strongSwan: CHILD_SA up on both sides" \
	wait_secs 60 eval 'espiked_child_up a && sw_child_up'
spi0=$(dev_spi_out "$a")
first=$(es_child_spis a)
ktap_diag "strongSwan: first CHILD_SA SPIs (espiked in, out): $first"
sum=$(ping_all "$a" 10.99.0.2)
ktap_diag "strongSwan: $sum"
ktap_result "strongSwan: 60 s of ping at 10/s across rekeys, none lost" no_loss "$sum"
ktap_diag "strongSwan: counting rekeys"
child_rk=$(ike_count "$IKE_W/a.log" 'rekeyed: new SPI')
ike_rk=$(ike_count "$IKE_W/a.log" 'peer rekeyed the IKE SA')
ktap_diag "strongSwan: espiked rekeyed the CHILD_SA $child_rk times, charon the IKE SA $ike_rk times"
ktap_result "strongSwan: espiked rekeyed the CHILD_SA at least 8 times" [ "$child_rk" -ge 8 ]
ktap_result "strongSwan: charon rekeyed the IKE SA at least 4 times, espiked answered" \
	[ "$ike_rk" -ge 4 ]
ktap_result "strongSwan: the device's outbound SPI changed" \
	eval '[ "$(dev_spi_out "$a")" != "$spi0" ]'
# shellcheck disable=SC2086 # two SPIs
ktap_result "strongSwan: the first SA pair is gone from esp0, espiked, charon and xfrm" \
	eval '[ -n "$first" ] && wait_secs 30 gone_everywhere $first'

# Round 3: charon rekeys the CHILD_SA with PFS, espiked answers.
espiked_stop
sw_stop
: > "$IKE_W/a.log"
ike_conf a 192.0.2.1 192.0.2.2 10.99.0.1 10.99.0.2 initiate "esp aes256gcm16-ecp384" \
	"child_lifetime 0" "ike_lifetime 0"
sw_conf 5
sw_start "$b"
sw_load >> "$IKE_W/swanctl.log" 2>&1
espiked_run a "$a"
ktap_result "strongSwan rekeys: CHILD_SA up on both sides" \
	wait_secs 60 eval 'espiked_child_up a && sw_child_up'
spi0=$(dev_spi_out "$a")
sum=$(ping_all "$a" 10.99.0.2)
ktap_diag "strongSwan rekeys: $sum"
ktap_result "strongSwan rekeys: 60 s of ping at 10/s across charon's rekeys, none lost" \
	no_loss "$sum"
peer_rk=$(ike_count "$IKE_W/a.log" 'peer rekeys CHILD_SA')
ktap_diag "strongSwan rekeys: charon rekeyed the CHILD_SA $peer_rk times"
ktap_result "strongSwan rekeys: charon rekeyed the CHILD_SA at least 8 times, espiked never" \
	eval '[ "$peer_rk" -ge 8 ] && ! grep -q "rekeying CHILD_SA" "$IKE_W/a.log"'
ktap_result "strongSwan rekeys: the device's outbound SPI changed" \
	eval '[ "$(dev_spi_out "$a")" != "$spi0" ]'
ktap_finish
