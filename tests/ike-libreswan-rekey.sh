#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# ike-libreswan-rekey: CHILD_SA rekeys with PFS (ecp384) between espiked
# and Libreswan's pluto (tests/lib-libreswan.sh) while ping sends 10
# packets a second for 60 seconds: no ping may be lost, and the old SAs must
# be gone from the espvti device (espctl show --json), from pluto and from
# the kernel's xfrm states.
#
#   round 1: espiked rekeys (child_lifetime 5s, esp aes256gcm16-ecp384),
#            pluto answers (esp=aes_gcm256;ecp384, pfs=yes, its own
#            lifetime hours away)
#   round 2: pluto rekeys (whack --rekey-ipsec, again as soon as the
#            previous rekey is over, for as long as ping runs), espiked
#            answers (child_lifetime 0: never rekeys itself)
#
#   netns $a: espiked (initiator)              netns $b: pluto (Libreswan)
#   +-------------------------------+           +----------------------------------+
#   | esp0 (espvti) 10.99.0.1  <====|== ESP ====|==> xfrm policy, lo 10.99.0.2    |
#   |   ping -i 0.1 10.99.0.2       |           |                                  |
#   | va 192.0.2.1 UDP 500 (IKE) +==+== veth ===+== vb 192.0.2.2 UDP 500 (IKE)    |
#   +-------------------------------+           +----------------------------------+
#
# vmtest-timeout: 420
# IKE behaviour of the daemons, the same whatever the kernel; the module's
# side of rekeying runs on both kernels in tunnel-espvti, churn and
# parallel-rekey. This one runs on 6.1 (Debian 12's default kernel)
# only, to keep make check within CI's time.
# vmtest-kernels: ^6\.1\.
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-ike.sh
. "$(dirname "$0")/lib-ike.sh"
# shellcheck source=tests/lib-libreswan.sh
. "$(dirname "$0")/lib-libreswan.sh"

PING_COUNT=600		# 60 s at 10 per second
ES_IKE=aes256gcm16-prfsha384-ecp384 LSW_IKE='aes_gcm256-sha2_384;ecp384'

test_cleanup() { lsw_cleanup; ike_cleanup; }

# one_pair_everywhere: esp0 holds one SA pair, pluto one ESP SA, $b's xfrm
# two states: the rekeyed SAs are gone.
one_pair_everywhere() {
	ike_dev_one_pair "$a" &&
		[ "$(lsw_whack --trafficstatus | grep -c 'type=ESP')" = 1 ] &&
		[ "$(lsw_xfrm_states)" = 2 ]
}

# counters: the device's counters that are not zero (beside the packet and
# byte counts) and the xfrm error counters of both namespaces that are not.
# drops NAME BEFORE: prints them as diagnostics, with BEFORE (counters
# before the ping): where the packets lost went.
counters() {
	echo "esp0 $(ip netns exec "$a" "$ESPCTL" show esp0 --json |
		jq -c 'if type == "array" then .[0] else . end | .stats |
		       with_entries(select(.value != 0 and (.key | test("^(rx|tx)_(packets|bytes)$") | not)))')," \
		"xfrm errors in espiked's namespace: $(xfrm_errors "$a")pluto's: $(xfrm_errors "$b")"
}
xfrm_errors() { ip netns exec "$1" awk '$2 != 0 { printf "%s %s ", $1, $2 }' /proc/net/xfrm_stat; }
drops() {
	ktap_diag "$1: before the ping: $2"
	ktap_diag "$1: after the ping:  $(counters)"
}

# start: both daemons, the CHILD_SA up; EXTRA... are more lines of
# espiked's connection.
start() {
	lsw_es_conf initiate "$ES_IKE" aes256gcm16-ecp384 "$IKE_PSK" "$@"
	lsw_conf "$LSW_IKE" 'aes_gcm256;ecp384' "$IKE_PSK" pfs=yes
	lsw_start "$b" || ktap_bail "pluto did not start"
	espiked_run a "$a"
	wait_secs 60 eval 'espiked_child_up a && lsw_child_up'
}

ktap_plan 10
ike_require
lsw_require
espvti_load
lsw_topology

# Round 1: espiked rekeys
ktap_result "espiked rekeys: CHILD_SA up on both sides" start "child_lifetime 5s"
spi0=$(dev_spi_out "$a")
c0=$(counters)
sum=$(ping_all "$a" 10.99.0.2)
ktap_diag "espiked rekeys: $sum"
rk=$(ike_count "$IKE_W/a.log" 'rekeyed: new SPI.*with PFS')
ktap_diag "espiked rekeys: espiked rekeyed the CHILD_SA $rk times with PFS"
drops "espiked rekeys" "$c0"
ktap_result "espiked rekeys: 60 s of ping at 10/s across the rekeys, none lost" no_loss "$sum"
ktap_result "espiked rekeys: CHILD_SA rekeyed at least 8 times, with PFS" [ "$rk" -ge 8 ]
ktap_result "espiked rekeys: the device's outbound SPI changed" \
	eval '[ "$(dev_spi_out "$a")" != "$spi0" ]'
ktap_result "espiked rekeys: old SAs gone: one pair on esp0, in pluto, in xfrm" \
	wait_secs 30 one_pair_everywhere
espiked_stop
lsw_stop

# Round 2: pluto rekeys, by hand, one rekey after the other
: > "$IKE_W/a.log"
ktap_result "pluto rekeys: CHILD_SA up on both sides" start "child_lifetime 0"
spi0=$(dev_spi_out "$a")
c0=$(counters)
ping_all "$a" 10.99.0.2 > "$IKE_W/ping.out" &
ping_pid=$!
rk=0 rk_fail=
while kill -0 "$ping_pid" 2>/dev/null; do
	n=$(ike_count "$IKE_W/a.log" 'peer rekeys CHILD_SA')
	lsw_whack --name tun --rekey-ipsec --asynchronous >> "$IKE_W/whack.log" 2>&1
	if ! wait_secs 30 eval '[ "$(ike_count "$IKE_W/a.log" "peer rekeys CHILD_SA")" -gt "$n" ]' ||
		! wait_secs 30 one_pair_everywhere; then
		rk_fail="rekey $((rk + 1)) did not complete"
		break
	fi
	rk=$((rk + 1))
done
wait "$ping_pid"
sum=$(cat "$IKE_W/ping.out")
pfs=$(ike_count "$IKE_W/a.log" 'peer rekeys CHILD_SA.*with PFS')
ktap_diag "pluto rekeys: $sum"
ktap_diag "pluto rekeys: pluto rekeyed the CHILD_SA $rk times, $pfs with PFS ${rk_fail:+($rk_fail)}"
drops "pluto rekeys" "$c0"
ktap_result "pluto rekeys: 60 s of ping at 10/s across the rekeys, none lost" no_loss "$sum"
ktap_result "pluto rekeys: CHILD_SA rekeyed at least 5 times, all with PFS" \
	eval '[ -z "$rk_fail" ] && [ "$rk" -ge 5 ] && [ "$pfs" -ge "$rk" ]'
ktap_result "pluto rekeys: the device's outbound SPI changed" \
	eval '[ "$(dev_spi_out "$a")" != "$spi0" ]'
ktap_result "pluto rekeys: old SAs gone: one pair on esp0, in pluto, in xfrm" \
	wait_secs 30 one_pair_everywhere
ktap_finish
