#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# espiked-host.sh ESPIKED: host test of the espiked daemon (no root, no
# module). Two instances run on this host and talk IKEv2 over UDP on the
# loopback, each with its own IKE port, pid file, control socket and the
# fake kernel interface (-K fake:FILE), which writes the SAs a daemon
# installed to FILE. The test compares the two files: A's outbound SA must
# be B's inbound SA (same SPI, same key) and the other way round.
#
#   [espiked A, initiator] 127.0.0.1:$PA  <--UDP-->  127.0.0.1:$PB [espiked B]
#        -K fake:a.kern                                     -K fake:b.kern
#
# Cases: PSK with AES-GCM and ESN; COOKIE demanded by the responder plus
# INVALID_KE_PAYLOAD and retry; ChaCha20-Poly1305; responder narrowing the
# selectors; IPv6; "ctl down" (INFORMATIONAL Delete); dead peer detection;
# wrong PSK (AUTHENTICATION_FAILED) and selector mismatch (TS_UNACCEPTABLE),
# where both logs must say why and no SA may be installed; CREATE_CHILD_SA
# rekeying of the CHILD_SA (with PFS) and of the IKE SA, both daemons
# rekeying on short lifetimes (collisions possible), keys matching after.
# KTAP output; exit 0 pass, 1 fail.
set -u
E=$(readlink -f "${1:?usage: espiked-host.sh PATH-TO-ESPIKED}")
# shellcheck source=tests/host/lib-host.sh
. "$(dirname "$(readlink -f "$0")")/lib-host.sh" espiked-host
PA=$((20000 + $$ % 20000))
PB=$((PA + 1))

# conf FILE PORT PEERPORT LOCALADDR REMOTEADDR EXTRA-LINES...
conf() {
	local f=$1 port=$2 peer=$3 l=$4 r=$5
	shift 5
	conf_tun "$f" "$port" 0 "local $l" "remote $r" "remote_port $peer" \
		"retransmit_timeout 200ms" "retransmit_tries 3" "$@"
}

# Stop the daemons; a daemon that does not exit 0 on SIGTERM (crash,
# sanitizer report, leak) is recorded in $D/bad.
stop_all() {
	stop_daemons
	cat "$D"/a.log "$D"/b.log >> "$D/history" 2>/dev/null
	pids=""
}

a_no_sas() { [ "$(nsa "$D/a.kern")" = 0 ]; }
established() { [ "$(ike_sa_state "$1" tun)" = ESTABLISHED ]; }

ktap_plan 34

# 1. AES-GCM-256 with ESN, FQDN and RFC822 identities
conf "$D/a.conf" $PA $PB 127.0.0.1 127.0.0.1 "local_id fqdn:a.example" \
	"remote_id b@example.net" 'psk "correct horse"' \
	"ike aes256gcm16-prfsha384-ecp384, aes128-sha256-modp2048" "esp aes256gcm16-esn" \
	"local_ts 10.1.0.0/24" "remote_ts 10.2.0.0/24, 2001:db8:2::/48" "device esp0" "start initiate"
conf "$D/b.conf" $PB $PA 127.0.0.1 127.0.0.1 "local_id b@example.net" \
	"remote_id fqdn:a.example" 'psk "correct horse"' "ike aes256gcm16-prfsha384-ecp384" \
	"esp aes256gcm16-esn" "local_ts 10.2.0.0/24, 2001:db8:2::/48" "remote_ts 10.1.0.0/24" \
	"device esp1" "start listen"
start b
start a
wait_for 10 has_sas
ok $? "PSK: both daemons installed a CHILD_SA pair"
keys_match
ok $? "PSK: A's outbound SPI and key are B's inbound ones and vice versa"
[ "$(sa "$D/a.kern" out alg)" = "rfc4106(gcm(aes))" ] && [ "$(sa "$D/a.kern" out esn)" = 1 ] &&
	[ "$(sa "$D/a.kern" out key | tr -d '\n' | wc -c)" = 72 ] && [ "$(sa "$D/a.kern" out icv)" = 128 ]
ok $? "PSK: AES-GCM-256 key with salt (36 octets), 128-bit ICV, ESN as negotiated"
[ "$(sa "$D/a.kern" out ts_local)" = "10.1.0.0/24" ] &&
	[ "$(sa "$D/a.kern" out ts_remote)" = "10.2.0.0/24,2001:db8:2::/48" ] &&
	[ "$(sa "$D/b.kern" in ts_local)" = "10.2.0.0/24,2001:db8:2::/48" ] &&
	[ "$(sa "$D/b.kern" in ts_remote)" = "10.1.0.0/24" ]
ok $? "PSK: selectors installed as negotiated, mirrored on both sides"
established a && established b
ok $? "PSK: espctl ike list --json shows the IKE SA ESTABLISHED on both"
# The state changes in the log are documented (espiked(8) LOGGING).
grep -q 'IKE_SA tun\[1\] AUTH_SENT -> ESTABLISHED' "$D/a.log" &&
	grep -q 'IKE_SA tun\[1\] INIT_DONE -> ESTABLISHED' "$D/b.log"
ok $? "PSK: state changes logged with named states"
grep -q '^dev esp0 local 127.0.0.1 remote 127.0.0.1$' "$D/a.kern"
ok $? "PSK: device endpoints set"

# 2. ctl down: INFORMATIONAL Delete removes the SAs on both sides
"$E" -s "$D/a.sock" ctl down tun > /dev/null
wait_for 10 eval 'no_sas && [ "$(ike_sa_count a)" = 0 ] && [ "$(ike_sa_count b)" = 0 ]'
ok $? "ctl down: both daemons removed their SAs"
# Why each side closed is in the log only.
grep -q 'closing: the peer deleted the IKE SA' "$D/b.log" && grep -q 'closing: deleted' "$D/a.log"
ok $? "ctl down: B logs the peer's Delete, A the answered Delete"
"$E" -s "$D/a.sock" ctl up tun > /dev/null && wait_for 10 has_sas && keys_match
ok $? "ctl up: the tunnel comes back with matching keys"
"$E" -s "$D/a.sock" ctl up nosuch > "$D/out" 2>&1
[ $? = 1 ] && grep -q "no connection named 'nosuch'" "$D/out"
ok $? "ctl up of an unknown connection fails and says so"

# 3. dead peer detection: B stops answering, A clears its SAs
stop_all
conf "$D/a.conf" $PA $PB 127.0.0.1 127.0.0.1 'psk "k1"' "esp aes128gcm16" \
	"local_ts 10.1.0.0/24" "remote_ts 10.2.0.0/24" "device esp0" "start initiate" \
	"dpd_delay 1s" "dpd_action clear"
conf "$D/b.conf" $PB $PA 127.0.0.1 127.0.0.1 'psk "k1"' "esp aes128gcm16" \
	"local_ts 10.2.0.0/24" "remote_ts 10.1.0.0/24" "device esp1"
start b
start a
wait_for 10 has_sas && keys_match
ok $? "DPD: tunnel up (AES-GCM-128, default IKE proposals, address identities)"
kill -STOP "$PID_b"
wait_for 10 a_no_sas
r=$?
kill -CONT "$PID_b"
# The reason is in the log only.
[ $r = 0 ] && grep -q 'dead peer' "$D/a.log"
ok $? "DPD: A detects the dead peer and clears the SAs from the device"

# 4. COOKIE and INVALID_KE_PAYLOAD, ChaCha20-Poly1305, narrowing by the responder
stop_all
conf "$D/a.conf" $PA $PB 127.0.0.1 127.0.0.1 "psk 0x00112233445566778899" \
	"ike aes128gcm16-prfsha256-ecp256-x25519" "esp chacha20poly1305, aes256gcm16" \
	"local_ts 10.1.0.0/16" "remote_ts 10.2.0.0/16" "device esp0" "start initiate"
conf "$D/b.conf" $PB $PA 127.0.0.1 127.0.0.1 "psk 0x00112233445566778899" \
	"ike aes128gcm16-prfsha256-x25519" "esp chacha20poly1305" \
	"local_ts 10.2.0.0/24" "remote_ts 10.1.2.0/24, 10.1.3.0/24" "device esp1"
sed -i '1i cookie_threshold 0' "$D/b.conf"
start b
start a
wait_for 10 has_sas && keys_match
ok $? "COOKIE + INVALID_KE: tunnel up with matching keys"
# The exchanges that led there are in the log only.
grep -q 'asked for a COOKIE' "$D/a.log" && grep -q 'without a COOKIE' "$D/b.log"
ok $? "COOKIE: B demanded one (threshold 0), A retried with it"
grep -q 'INVALID_KE_PAYLOAD: responder wants x25519 instead of ecp256' "$D/a.log" &&
	grep -q 'group ecp256 but we chose x25519: INVALID_KE_PAYLOAD' "$D/b.log"
ok $? "INVALID_KE_PAYLOAD: A retried with the group B asked for"
[ "$(sa "$D/a.kern" out alg)" = "rfc7539esp(chacha20,poly1305)" ] &&
	[ "$(sa "$D/a.kern" out key | tr -d '\n' | wc -c)" = 72 ]
ok $? "ChaCha20-Poly1305 chosen, 36-octet key"
[ "$(sa "$D/a.kern" out ts_local)" = "10.1.2.0/24,10.1.3.0/24" ] &&
	[ "$(sa "$D/a.kern" out ts_remote)" = "10.2.0.0/24" ] &&
	[ "$(sa "$D/b.kern" in ts_remote)" = "10.1.2.0/24,10.1.3.0/24" ]
ok $? "narrowing: B narrowed 10.1.0.0/16 to its 10.1.2.0/24+10.1.3.0/24, A installed that"

# 5. IPv6 outer addresses, KEY_ID identities
stop_all
conf "$D/a.conf" $PA $PB ::1 ::1 "local_id keyid:0a0b0c" "remote_id keyid:0d0e0f" \
	'psk "six"' "local_ts fd00:1::/64" "remote_ts fd00:2::/64" "device esp0" "start initiate"
conf "$D/b.conf" $PB $PA ::1 ::1 "local_id keyid:0d0e0f" "remote_id keyid:0a0b0c" \
	'psk "six"' "local_ts fd00:2::/64" "remote_ts fd00:1::/64" "device esp1"
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
	start b
	start a
	wait_for 10 has_sas && keys_match && grep -q '^dev esp0 local ::1 remote ::1$' "$D/a.kern"
	ok $? "IPv6: tunnel up over ::1 with KEY_ID identities"
else
	ktap_skip "IPv6" "no ::1 on lo"
fi

# 6. wrong PSK: no SA, both logs say why
stop_all
conf "$D/a.conf" $PA $PB 127.0.0.1 127.0.0.1 'psk "one key"' "local_ts 10.1.0.0/24" \
	"remote_ts 10.2.0.0/24" "device esp0" "start initiate"
conf "$D/b.conf" $PB $PA 127.0.0.1 127.0.0.1 'psk "another key"' "local_ts 10.2.0.0/24" \
	"remote_ts 10.1.0.0/24" "device esp1"
start b
start a
# A's IKE SA [1] is gone once A has logged the refusal; the refusal
# reasons below are documented log lines (espiked(8) LOGGING).
wait_for 10 eval 'grep -q "AUTHENTICATION_FAILED: the responder refused" "$D/a.log" &&
	[ "$(ike_q a "[.[].ike_sas[] | select(.id == 1)] | length")" = 0 ]'
ok $? "wrong PSK: A gives up the IKE SA"
grep -q 'AUTHENTICATION_FAILED: the AUTH payload of peer 127.0.0.1 does not verify with the pre-shared key' "$D/b.log"
ok $? "wrong PSK: B logs that the peer's AUTH does not verify with its key"
grep -q 'AUTHENTICATION_FAILED: the responder refused our authentication' "$D/a.log"
ok $? "wrong PSK: A logs that B refused its authentication"
[ "$(nsa "$D/a.kern")" = 0 ] && [ "$(nsa "$D/b.kern")" = 0 ]
ok $? "wrong PSK: no SA installed on either side"

# 7. selectors that do not meet: TS_UNACCEPTABLE, both logs show both sets
stop_all
conf "$D/a.conf" $PA $PB 127.0.0.1 127.0.0.1 'psk "k"' "local_ts 10.1.0.0/24" \
	"remote_ts 10.2.0.0/24" "device esp0" "start initiate"
conf "$D/b.conf" $PB $PA 127.0.0.1 127.0.0.1 'psk "k"' "local_ts 10.2.0.0/24" \
	"remote_ts 10.9.0.0/24" "device esp1"
start b
start a
# The refusals with the selectors are documented log lines (espiked(8)).
wait_for 10 eval 'grep -q "TS_UNACCEPTABLE: responder accepts none" "$D/a.log" &&
	[ "$(ike_sa_count a)" = 0 ] && [ "$(ike_sa_count b)" = 0 ]'
r=$?
grep -q 'TS_UNACCEPTABLE: peer proposed TSi 10.1.0.0/24 TSr 10.2.0.0/24; our policy allows remote_ts 10.9.0.0/24 local_ts 10.2.0.0/24' "$D/b.log"
ok $? "TS mismatch: B logs the peer's selectors and its own policy"
grep -q 'TS_UNACCEPTABLE: responder accepts none of our selectors TSi 10.1.0.0/24 (local_ts) TSr 10.2.0.0/24 (remote_ts)' "$D/a.log"
ok $? "TS mismatch: A logs the refusal with the selectors it proposed"
[ $r = 0 ] && [ "$(nsa "$D/a.kern")" = 0 ] && [ "$(nsa "$D/b.kern")" = 0 ]
ok $? "TS mismatch: no SA installed, the IKE SA is deleted"
# 8. rekeying: short lifetimes on both sides, ESP with PFS (ecp256)
stop_all
conf "$D/a.conf" $PA $PB 127.0.0.1 127.0.0.1 'psk "rk"' "esp aes128gcm16-ecp256" \
	"local_ts 10.1.0.0/24" "remote_ts 10.2.0.0/24" "device esp0" "start initiate" \
	"child_lifetime 2s" "ike_lifetime 3s"
conf "$D/b.conf" $PB $PA 127.0.0.1 127.0.0.1 'psk "rk"' "esp aes128gcm16-ecp256" \
	"local_ts 10.2.0.0/24" "remote_ts 10.1.0.0/24" "device esp1" \
	"child_lifetime 2s" "ike_lifetime 3s"
start b
start a
# rekeys LOG-PATTERN MIN: both logs together hold MIN lines matching it
rekeys() { [ "$(cat "$D/a.log" "$D/b.log" | grep -c "$1")" -ge "$2" ]; }
wait_rk() { for _ in 1 2 3 4; do wait_for 10 "$@" && return 0; done; return 1; }
# The rekeys are counted in the log, where espiked(8) REKEYING documents
# them: espctl ike list shows no count.
wait_rk rekeys 'CHILD_SA 0x[0-9a-f]*/0x[0-9a-f]* rekeyed: new SPI.*with PFS' 6
ok $? "rekey: CHILD_SA rekeyed with PFS at least 6 times"
wait_rk rekeys 'IKE SA rekeyed: IKE_SA \[[0-9]*\] takes over' 3
ok $? "rekey: IKE SA rekeyed at least 3 times, CHILD_SAs moved to the new one"
# Which daemon starts a rekey is random (jittered lifetimes): the responder
# role is checked in whichever log holds it.
cat "$D/a.log" "$D/b.log" | grep -q 'peer rekeys CHILD_SA' &&
	cat "$D/a.log" "$D/b.log" | grep -q 'peer rekeyed the IKE SA'
ok $? "rekey: the responder side logged the peer's CHILD_SA and IKE SA rekeys"
# quiet moment: every old pair deleted, one pair left, keys cross-match
wait_rk eval 'has_sas && keys_match'
ok $? "rekey: after rekeys one SA pair per side, keys and SPIs cross-match"
# A refused state change is logged as an error (espiked(8) LOGGING).
! grep -q 'refused state change' "$D/a.log" "$D/b.log" &&
	[ "$(ike_sa_count a)" -le 2 ]
ok $? "rekey: every state change allowed, old IKE SAs gone"

# 9. the CHILD_SA rekeyed on its own lifetime, the IKE SA's an hour away:
# nothing but the CHILD_SA timer starts these rekeys.
stop_all
: > "$D/a.log"
: > "$D/b.log"
conf "$D/a.conf" $PA $PB 127.0.0.1 127.0.0.1 'psk "rk"' "local_ts 10.1.0.0/24" \
	"remote_ts 10.2.0.0/24" "device esp0" "start initiate" "child_lifetime 2s" \
	"ike_lifetime 1h"
conf "$D/b.conf" $PB $PA 127.0.0.1 127.0.0.1 'psk "rk"' "local_ts 10.2.0.0/24" \
	"remote_ts 10.1.0.0/24" "device esp1" "child_lifetime 2s" "ike_lifetime 1h"
start b
start a
wait_rk rekeys 'CHILD_SA 0x[0-9a-f]*/0x[0-9a-f]* rekeyed: new SPI' 3
ok $? "child lifetime: CHILD_SA rekeyed at least 3 times on its own timer"
! grep -q 'IKE SA rekeyed\|hard lifetime' "$D/a.log" "$D/b.log" &&
	wait_rk eval 'has_sas && keys_match'
ok $? "child lifetime: no IKE SA rekey, no hard expiry, one SA pair per side, keys match"
stop_all
daemons_clean

ktap_finish
