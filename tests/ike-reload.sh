#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# ike-reload: espiked reads its configuration again (espiked(8) RELOADING)
# while a ping runs without pause through the one connection the reloads
# leave alone. The peer is strongSwan's charon, with both connections
# loaded from the start. Connection c1 is added (espiked ctl reload),
# changed (its ESP proposal; espctl ike reload), then a file with an error
# is refused (espctl ike reload: exit 1, FILE:LINE on stderr, nothing
# changed), then c1 is removed (SIGHUP: charon gets the Delete). c0 keeps
# its IKE SA and SPIs on both sides all along and its ping loses nothing.
#
#   netns $a: espiked                           netns $b: charon (strongSwan)
#   +-------------------------------+           +---------------------------------------+
#   | esp0 10.99.0.1 (conn c0) -----|-- ESP ----|-> xfrm policy 10.99.0.2 <-> 10.99.0.1 |
#   | esp1 10.99.1.1 (conn c1) -----|-- ESP ----|-> xfrm policy 10.99.1.2 <-> 10.99.1.1 |
#   | va 192.0.2.1 =================+== veth ===+= vb 192.0.2.2, lo 10.99.0.2 10.99.1.2 |
#   +-------------------------------+           +---------------------------------------+
#
#   step    how                  a.conf                 summary
#   start                        c0                     -
#   add     espiked ctl reload   c0, c1 aes128gcm16     1 added, 0 changed, 0 removed, 1 unchanged
#   change  espctl ike reload    c0, c1 aes256gcm16     0 added, 1 changed, 0 removed, 1 unchanged
#   error   espctl ike reload    c0 with an unknown     not reloaded (c1 stays)
#                                key at line 3
#   remove  SIGHUP               c0                     0 added, 0 changed, 1 removed, 1 unchanged
#
# vmtest-timeout: 420
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-ike.sh
. "$(dirname "$0")/lib-ike.sh"

PING_PID=
test_cleanup() {
	[ -z "$PING_PID" ] || kill "$PING_PID" 2>/dev/null
	ike_cleanup
}

# es_conn N ESP: espiked's connection cN keying espN, identity
# cN.a.espvti.test, initiating.
es_conn() {
	cat <<-EOF
	conn c$1 {
	    local 192.0.2.1; remote 192.0.2.2
	    local_id fqdn:c$1.a.espvti.test; remote_id fqdn:b.espvti.test
	    psk "$IKE_PSK"
	    ike aes256gcm16-prfsha384-ecp384
	    esp $2
	    local_ts 10.99.$1.1/32; remote_ts 10.99.$1.2/32
	    device esp$1; start initiate
	    retransmit_timeout 1s; retransmit_tries 4
	}
	EOF
}

# sw_conn N ESP: charon's connection and child cN, answering cN.a.espvti.test.
sw_conn() {
	cat <<-EOF
		c$1 {
			version = 2
			local_addrs = 192.0.2.2
			remote_addrs = 192.0.2.1
			proposals = aes256gcm16-prfsha384-ecp384
			local {
				auth = psk
				id = b.espvti.test
			}
			remote {
				auth = psk
				id = c$1.a.espvti.test
			}
			children {
				c$1 {
					local_ts = 10.99.$1.2/32
					remote_ts = 10.99.$1.1/32
					esp_proposals = $2
					start_action = none
				}
			}
		}
	EOF
}

# dev_sas DEV: the SAs of DEV in $a, "dir spi alg" each.
dev_sas() {
	ip netns exec "$a" "$ESPCTL" show "$1" --json | jq -r '.sas[] | "\(.dir) \(.spi) \(.alg)"'
}
# sw_spis: the SPIs of charon's ESP SAs in the kernel of $b, sorted.
sw_spis() { ip -n "$b" xfrm state | awk '$1 == "proto" && $2 == "esp" { print $4 }' | sort; }
# sw_has IDS / sw_has_none IDS: both / neither of the SPIs of a child_ids
# line are among charon's SAs.
sw_count() {
	local si so
	read -r _ si so <<<"$1"
	sw_spis | grep -cx -e "$(printf 0x%08x "$si")" -e "$(printf 0x%08x "$so")"
}
sw_has() { [ "$(sw_count "$1")" = 2 ]; }
sw_has_none() { [ "$(sw_count "$1")" = 0 ]; }
# sw_ike CONN: charon's IKE SAs of CONN, one a line.
sw_ike() { sw --list-sas --ike "$1" 2>/dev/null | grep "^$1: #"; }
# up N: cN has one IKE SA in charon, one INSTALLED CHILD_SA in espiked, its
# SPIs in charon's kernel SAs, and an SA pair on espN.
up() {
	[ "$(child_count a INSTALLED "c$1")" = 1 ] && [ "$(sw_ike "c$1" | wc -l)" = 1 ] &&
		sw_has "$(child_ids a "c$1")" && [ "$(dev_sas "esp$1" | wc -l)" = 2 ]
}
# c0_same: c0 on the IKE SA and SPIs it started with, on both sides.
c0_same() { [ "$(child_ids a c0)" = "$C0_IDS" ] && sw_has "$C0_IDS"; }
# snapshot: what a refused reload must leave alone.
snapshot() {
	ike_q a -c '[.[] | {name, ike: [.ike_sas[] | {id, state,
		c: [.child_sas[] | {spi_in, spi_out, state, proposal}]}]}]'
	dev_sas esp0
	dev_sas esp1
	sw_spis
}
# ping_lost FILE: the sequence numbers of the echo requests in ping's
# output FILE that got no reply, but for the last one sent (on its way when
# ping was stopped); fails without ping's summary.
ping_lost() {
	awk '/ bytes from .* icmp_seq=/ { s = $0; sub(/.*icmp_seq=/, "", s); got[s + 0] = 1 }
	     / packets transmitted/ { tx = $1 }
	     END { if (!tx) exit 1; for (i = 1; i < tx; i++) if (!(i in got)) print i }' "$1"
}
# ping_ok FILE: ping's output FILE has at least 100 replies and ping_lost
# finds nothing; if not, says what it found.
ping_ok() {
	local lost n
	lost=$(ping_lost "$1") || { ktap_diag "no ping summary in $1"; return 1; }
	n=$(grep -c " bytes from " "$1")
	[ -z "$lost" ] && [ "$n" -ge 100 ] && return 0
	ktap_diag "$n replies; unanswered icmp_seq: $(echo "$lost" | tr '\n' ' ')"
	return 1
}

ktap_plan 18
ike_require
espvti_load
ns_add a b
ip link add va netns "$a" type veth peer name vb netns "$b"
ip -n "$a" addr add 192.0.2.1/24 dev va
ip -n "$b" addr add 192.0.2.2/24 dev vb
links_up "$a va" "$b vb"
for n in 0 1; do
	ip -n "$a" link add "esp$n" type espvti
	ip -n "$a" link set "esp$n" up
	ip -n "$a" addr add "10.99.$n.1" peer "10.99.$n.2/32" dev "esp$n"
	ip -n "$b" addr add "10.99.$n.2/32" dev lo
	ip -n "$b" route add "10.99.$n.1/32" dev vb src "10.99.$n.2"
done

{
	echo "connections {"
	sw_conn 0 aes256gcm16
	sw_conn 1 aes128gcm16,aes256gcm16
	echo "}"
	cat <<-EOF
	secrets {
		ike-a {
			id-b = b.espvti.test
			id-c0 = c0.a.espvti.test
			id-c1 = c1.a.espvti.test
			secret = "$IKE_PSK"
		}
	}
	EOF
} > "$IKE_W/swanctl.conf"
CONF=$IKE_W/a.conf
es_conn 0 aes256gcm16 > "$CONF"
sw_start "$b"
sw_load >> "$IKE_W/swanctl.log" 2>&1
espiked_run a "$a"

ktap_result "start: c0 up in espiked and charon" wait_secs 60 up 0
ktap_result "start: ping through esp0" ping_within 10 "$a" -I esp0 10.99.0.2
C0_IDS=$(child_ids a c0)
ktap_diag "c0: IKE SA, SPI in, SPI out: $C0_IDS"
# 20 echoes a second through c0 until the end.
ip netns exec "$a" ping -n -i 0.05 -I esp0 10.99.0.2 > "$IKE_W/ping.out" 2>&1 &
PING_PID=$!

# ---- add c1: espiked ctl reload ---------------------------------------------
{ es_conn 0 aes256gcm16; es_conn 1 aes128gcm16; } > "$CONF"
ktap_result "add: espiked ctl reload answers 1 added, 0 changed, 0 removed, 1 unchanged" \
	eval 'espiked_ctl a reload > "$IKE_W/out" 2>&1 &&
	      grep -qx "ok: reloaded $CONF: 1 added, 0 changed, 0 removed, 1 unchanged" "$IKE_W/out"'
ktap_result "add: c1 up in espiked and charon" wait_secs 60 up 1
ktap_result "add: ping through esp1" ping_within 10 "$a" -I esp1 10.99.1.2
ktap_result "add: c0 keeps its IKE SA and SPIs on both sides" c0_same

# ---- change c1: espctl ike reload -------------------------------------------
C1_IDS=$(child_ids a c1)
{ es_conn 0 aes256gcm16; es_conn 1 aes256gcm16; } > "$CONF"
ktap_result "change: espctl ike reload: exit 0, 0 added, 1 changed, 0 removed, 1 unchanged" \
	eval '"$ESPCTL" ike -s "$IKE_W/a.sock" reload > "$IKE_W/out" 2> "$IKE_W/err" &&
	      grep -qx "reloaded $CONF: 0 added, 1 changed, 0 removed, 1 unchanged" "$IKE_W/out" &&
	      [ ! -s "$IKE_W/err" ]'
ktap_result "change: c1 on a new IKE SA and SPIs, with aes256gcm16 on both sides" \
	wait_secs 60 eval 'up 1 && [ "$(child_ids a c1)" != "$C1_IDS" ] &&
		[ "$(ike_q a -r ".[] | select(.name == \"c1\") | .ike_sas[].child_sas[].proposal")" = aes256gcm16-noesn ] &&
		sw --list-sas --ike c1 | grep -q "ESP:AES_GCM_16-256"'
ktap_result "change: charon got the Delete of c1's first IKE SA, its SAs left the kernel" \
	eval 'grep -q "received DELETE for IKE_SA c1\[" "$IKE_W/charon.log" && sw_has_none "$C1_IDS"'
ktap_result "change: c0 keeps its IKE SA and SPIs on both sides" c0_same
# shellcheck disable=SC2034 # read by the eval of "remove" below
C1_IDS=$(child_ids a c1)

# ---- a file with an error: espctl ike reload --------------------------------
# Applied, it would remove c1: it must not be.
snapshot > "$IKE_W/snap.before"
es_conn 0 aes256gcm16 | sed '2a\    frobnicate yes' > "$CONF"
"$ESPCTL" ike -s "$IKE_W/a.sock" reload > "$IKE_W/out" 2> "$IKE_W/err"
rc=$?
ktap_result "error: espctl ike reload exits 1 (was $rc), FILE:LINE and 'not reloaded' on stderr" \
	eval '[ $rc = 1 ] && [ ! -s "$IKE_W/out" ] &&
	      grep -q "$CONF:3: conn .c0.: unknown key .frobnicate." "$IKE_W/err" &&
	      grep -q "$CONF: not reloaded: the running configuration is unchanged" "$IKE_W/err"'
snapshot > "$IKE_W/snap.after"
ktap_result "error: nothing changed (connections, IKE SAs, SPIs, both kernels)" \
	eval 'cmp -s "$IKE_W/snap.before" "$IKE_W/snap.after" && up 0 && up 1'

# ---- remove c1: SIGHUP -------------------------------------------------------
es_conn 0 aes256gcm16 > "$CONF"
kill -HUP "$(cat "$IKE_W/a.pid")"
ktap_result "remove (SIGHUP): the log says reloaded: 0 added, 0 changed, 1 removed, 1 unchanged" \
	wait_secs 30 grep -q "reloaded $CONF: 0 added, 0 changed, 1 removed, 1 unchanged" "$IKE_W/a.log"
ktap_result "remove: c1 gone from espiked, no SA left on esp1" \
	wait_secs 30 eval '[ "$(ike_q a -r "[.[].name] | join(\" \")")" = c0 ] &&
		[ -z "$(dev_sas esp1)" ]'
ktap_result "remove: charon got the Delete, c1 gone from it and from its kernel SAs" \
	wait_secs 60 eval '[ "$(grep -c "received DELETE for IKE_SA c1\[" "$IKE_W/charon.log")" = 2 ] &&
		[ -z "$(sw_ike c1)" ] && sw_has_none "$C1_IDS"'
ktap_result "remove: c0 keeps its IKE SA and SPIs on both sides" c0_same

# ---- c0 through it all -------------------------------------------------------
kill -INT "$PING_PID"
wait "$PING_PID"
PING_PID=
ktap_diag "$(grep 'packets transmitted' "$IKE_W/ping.out")"
ktap_result "c0's ping lost nothing during the reloads" ping_ok "$IKE_W/ping.out"
ktap_result "c0 never re-established nor rekeyed: one IKE SA and CHILD_SA since the start" \
	eval 'c0_same && [ "$(sw_ike c0 | wc -l)" = 1 ] &&
	      [ "$(grep -c "c0\[[0-9]*\] .*-> ESTABLISHED" "$IKE_W/a.log")" = 1 ]'
ktap_finish
