#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# vmtest-timeout: 300
#
# ike-rekey-volume: CHILD_SAs rekeyed by volume instead of time. espiked
# gives each SA it installs soft and hard limits from child_rekey_packets /
# child_life_packets or child_rekey_bytes / child_life_bytes; the module's
# soft-expire event starts a CREATE_CHILD_SA rekey. With no time-based
# rekeying at all (child_lifetime 0), 10 s of ping at 10 a second must
# rekey the CHILD_SA several times, lose no packet and never reach a hard
# limit, and the old SAs must leave the devices. Two rounds:
#
#   round 1 (packets): $a, the initiator, has child_rekey_packets 20 and
#            child_life_packets 100000; $b no volume limits
#   round 2 (bytes):   $b, the responder, has child_rekey_bytes 2k and
#            child_life_bytes 10m; $a no volume limits
#   round 3 (hard limit): $a has child_rekey_packets 20 and
#            child_life_packets 30, and IKE is cut (nftables in $b drops
#            UDP 500) once the CHILD_SA is up: the rekey is never answered,
#            the SAs reach their hard limit and espiked removes the CHILD_SA
#
#   netns $a: espiked (initiator)               netns $b: espiked (responder)
#   +-------------------------------+           +-------------------------------+
#   | esp0 (espvti) 10.99.0.1  <====|== ESP ====|==> esp0 (espvti) 10.99.0.2    |
#   |   ping -i 0.1 10.99.0.2       |           |                               |
#   | va 192.0.2.1 UDP 500 (IKE) +==+== veth ===+== vb 192.0.2.2 UDP 500 (IKE)  |
#   +-------------------------------+           +-------------------------------+
#
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-ike.sh
. "$(dirname "$0")/lib-ike.sh"

PING_COUNT=100		# 10 s at 10 per second

test_cleanup() { ike_cleanup; }

# limits_are NS JQ: every SA of esp0 in NS has limits satisfying the jq
# condition JQ (over .limits), and there is at least one SA.
limits_are() {
	local l
	l=$(ip netns exec "$1" "$ESPCTL" show esp0 --json |
		jq -c '[.. | objects | select(has("limits")) | {dir, spi, limits}]') || return 1
	echo "$l"
	jq -e "length > 0 and all(.[]; .limits | $2)" <<<"$l" >/dev/null
}

# no_sa_left NS: esp0 in NS has no SA left and counted packets it could not
# send (tx_expired, tx_no_sa).
no_sa_left() {
	local j
	j=$(ip netns exec "$1" "$ESPCTL" show esp0 --json) || return 1
	jq -c 'if type == "array" then .[0] else . end |
		{sa_count_in, out_spi, tx_expired: .stats.tx_expired, tx_no_sa: .stats.tx_no_sa}' <<<"$j"
	jq -e 'if type == "array" then .[0] else . end |
		.sa_count_in == 0 and .out_spi == null and
		(.stats.tx_expired + .stats.tx_no_sa) > 0' <<<"$j" >/dev/null
}

ktap_plan 17
ike_require
espvti_load
ike_pair_topology

# round NAME SIDE JQ_SIDE JQ_OTHER A_EXTRA B_EXTRA: one round, SIDE (a or b)
# rekeying by volume; JQ_SIDE and JQ_OTHER are the limits expected on the
# SAs of SIDE's and of the other side's device.
round() {
	local name=$1 side=$2 other sum rk
	if [ "$side" = a ]; then other=b; else other=a; fi
	rm -f "$IKE_W/a.log" "$IKE_W/b.log"
	ike_conf a 192.0.2.1 192.0.2.2 10.99.0.1 10.99.0.2 initiate "child_lifetime 0" "$5"
	ike_conf b 192.0.2.2 192.0.2.1 10.99.0.2 10.99.0.1 listen "child_lifetime 0" "$6"
	espiked_run b "$b"
	espiked_run a "$a"
	ktap_result "$name: CHILD_SA up on both sides" \
		wait_for 30 eval 'espiked_child_up a && espiked_child_up b'
	check "$name: SA limits on $side's device: $3" limits_are "${!side}" "$3"
	check "$name: SA limits on $other's device: $4" limits_are "${!other}" "$4"
	sum=$(timeout 60 ip netns exec "$a" ping -q -n -i 0.1 -c "$PING_COUNT" -W 2 -I esp0 10.99.0.2 2>&1 |
		grep 'packets transmitted')
	ktap_diag "$name: $sum"
	ktap_result "$name: 10 s of ping at 10/s across the rekeys, none lost" \
		eval '[ "$(awk "{ print \$1 }" <<<"$sum")" = "$PING_COUNT" ] &&
			[ "$(awk "{ print \$4 }" <<<"$sum")" = "$PING_COUNT" ]'
	rk=$(ike_count "$IKE_W/$side.log" 'rekeyed: new SPI')
	ktap_diag "$name: $side rekeyed $rk times, soft-expire events: $(ike_count "$IKE_W/$side.log" 'soft-expired in the kernel')"
	ktap_result "$name: $side rekeyed the CHILD_SA at least 3 times, each on a soft-expire event" \
		eval '[ "$rk" -ge 3 ] && [ "$(ike_count "$IKE_W/$side.log" "soft-expired in the kernel: rekeying")" -ge "$rk" ]'
	ktap_result "$name: no SA reached a hard limit, no time-based rekey" \
		eval '! grep -qE "hard-expired|hard lifetime" "$IKE_W/a.log" "$IKE_W/b.log" &&
			[ "$(ike_count "$IKE_W/$other.log" "rekeyed: new SPI")" = 0 ]'
	ktap_result "$name: old SAs deleted: one SA pair per device" \
		wait_for 20 eval 'ike_dev_one_pair "$a" && ike_dev_one_pair "$b"'
	espiked_stop
}

round packets a \
	'.soft_packets >= 18 and .soft_packets <= 20 and .hard_packets == 100000 and .soft_bytes == 0 and .hard_bytes == 0' \
	'.soft_packets == 0 and .hard_packets == 0 and .soft_bytes == 0 and .hard_bytes == 0' \
	"child_rekey_packets 20; child_life_packets 100000" ""
round bytes b \
	'.soft_bytes >= 1844 and .soft_bytes <= 2048 and .hard_bytes == 10485760 and .soft_packets == 0 and .hard_packets == 0' \
	'.soft_packets == 0 and .hard_packets == 0 and .soft_bytes == 0 and .hard_bytes == 0' \
	"" "child_rekey_bytes 2k; child_life_bytes 10m"

# Round 3 (hard limit): $a rekeys at 20 packets and may use an SA for 30;
# IKE between the sides is then cut (nftables in $b drops UDP 500), so the
# rekey is never answered, ESP still flows, and the SAs reach their hard
# limit: the module stops using them and espiked removes the CHILD_SA.
rm -f "$IKE_W/a.log" "$IKE_W/b.log"
ike_conf a 192.0.2.1 192.0.2.2 10.99.0.1 10.99.0.2 initiate "child_lifetime 0" \
	"child_rekey_packets 20; child_life_packets 30"
ike_conf b 192.0.2.2 192.0.2.1 10.99.0.2 10.99.0.1 listen "child_lifetime 0" ""
espiked_run b "$b"
espiked_run a "$a"
ktap_result "hard: CHILD_SA up on both sides" \
	wait_for 30 eval 'espiked_child_up a && espiked_child_up b'
ip netns exec "$b" nft -f - <<-EOF
	table inet cut {
		chain in {
			type filter hook input priority 0;
			udp dport 500 drop
		}
	}
EOF
timeout 60 ip netns exec "$a" ping -q -n -i 0.1 -c 60 -W 1 -I esp0 10.99.0.2 >/dev/null 2>&1
ktap_result "hard: $a's SAs hard-expired in the module and espiked removed the CHILD_SA" \
	eval 'grep -q "hard-expired in the kernel: removing it" "$IKE_W/a.log" &&
		espiked_no_child a'	# the reason is in the log only
check "hard: no SA left on $a's esp0; it counted what it could not send" no_sa_left "$a"
espiked_stop

ktap_finish
