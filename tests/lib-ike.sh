# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Copyright (C) 2026 The espvti authors.
#
# tests/lib-ike.sh: helpers for the IKE tests (ike-*.sh): espiked instances
# and strongSwan's charon, each in the network namespace of its side, with
# their configuration, logs and control sockets in $IKE_W. Source it after
# lib.sh and call ike_cleanup from test_cleanup; on a failed test it prints
# the tail of every log.
#
#   espiked_run SIDE NS        start espiked with $IKE_W/SIDE.conf in NS
#   espiked_ctl SIDE CMD...    espiked's control socket ("ctl list", ...)
#   ike_q SIDE JQ-ARGS...      jq on SIDE's `espctl ike list --json`
#   ike_sa_state SIDE CONN     the states of CONN's IKE SAs, one a line
#   ike_sa_count SIDE [CONN]   how many IKE SAs (of CONN)
#   child_count SIDE STATE [CONN]  how many CHILD_SAs in STATE (of CONN)
#   child_ids SIDE CONN        IKE SA id and SPIs of CONN's CHILD_SAs
#   espiked_child_up SIDE      a CHILD_SA is installed
#   espiked_stop               stop every espiked
#   sw_start NS                start charon in NS (one per test at a time)
#   sw_creds KEY CACERT...     charon's private key and CA certificates for
#                              the next sw_load (certificate authentication)
#   sw_load                    load $IKE_W/swanctl.conf (and those) into it
#   sw SWANCTL-ARGS...         swanctl talking to that charon
#   sw_child_up                charon has an INSTALLED CHILD_SA
#   sw_stop                    stop charon, flush its xfrm state and policies
#   ping_all NS DST            $PING_COUNT pings at 10/s through esp0 (summary)
#   no_loss SUMMARY            that summary says all $PING_COUNT came back
#   dev_spi_out NS             esp0's outbound SPI in NS

ESPIKED=${ESPIKED:-$REPO/userland/iked/espiked}
IKE_W=$(mktemp -d /tmp/espvti-ike.XXXXXX)
IKE_PIDS=()		# espiked processes
SW_PID=			# charon
SW_NS=			# its namespace
IKE_PSK="espvti interop test key"

ike_cleanup() {
	local f
	espiked_stop
	sw_stop
	if [ "$KTAP_FAIL" != 0 ]; then
		for f in "$IKE_W"/*.log; do
			[ -f "$f" ] || continue
			ktap_diag "--- $f"
			tail -n 60 "$f" | sed 's/^/# /'
		done
	fi
	[ -n "$IKE_KEEP" ] || rm -rf "$IKE_W"
}

ike_require() {
	[ -x "$ESPIKED" ] || ktap_skip_all "$ESPIKED not built (make -C userland/iked espiked)"
}

# ike_pair_topology: namespaces $a and $b joined by veth va (192.0.2.1) -
# vb (192.0.2.2), and esp0 up in each, 10.99.0.1 <-> 10.99.0.2 point to
# point.
# shellcheck disable=SC2154 # ns_add sets $a, $b
ike_pair_topology() {
	local ns
	ns_add a b
	ip link add va netns "$a" type veth peer name vb netns "$b"
	ip -n "$a" addr add 192.0.2.1/24 dev va
	ip -n "$b" addr add 192.0.2.2/24 dev vb
	ip -n "$a" link set va up
	ip -n "$b" link set vb up
	for ns in "$a" "$b"; do
		ip -n "$ns" link add esp0 type espvti
		ip -n "$ns" link set esp0 up
	done
	ip -n "$a" addr add 10.99.0.1 peer 10.99.0.2/32 dev esp0
	ip -n "$b" addr add 10.99.0.2 peer 10.99.0.1/32 dev esp0
}

# ike_conf SIDE LOCAL REMOTE IN_LOCAL IN_REMOTE START EXTRA...: writes
# $IKE_W/SIDE.conf, one connection "tun" keying esp0 between LOCAL and
# REMOTE with the host selectors IN_LOCAL/32 and IN_REMOTE/32, identity
# SIDE@espvti.test (any remote identity), $IKE_PSK; each EXTRA is one more
# line of the connection. With IKE_CONF_AUTH=extra the EXTRA lines give the
# authentication and the identities: no psk, local_id or remote_id line.
ike_conf() {
	local side=$1 l=$2 r=$3 il=$4 ir=$5 start=$6 x
	shift 6
	{
		echo "conn tun {"
		echo "    local $l; remote $r"
		if [ "${IKE_CONF_AUTH:-}" != extra ]; then
			echo "    local_id $side@espvti.test; remote_id %any"
			echo "    psk \"$IKE_PSK\""
		fi
		echo "    ike aes256gcm16-prfsha384-ecp384"
		echo "    local_ts $il/32; remote_ts $ir/32"
		echo "    device esp0; start $start"
		echo "    retransmit_timeout 1s; retransmit_tries 4"
		for x in "$@"; do echo "    $x"; done
		echo "}"
	} > "$IKE_W/$side.conf"
}

# ike_count LOG PATTERN: lines of LOG matching PATTERN (0 when none).
ike_count() { grep -c -- "$2" "$1" 2>/dev/null || true; }

# ike_dev_one_pair NS: esp0 in NS holds one inbound SA and an outbound SA.
ike_dev_one_pair() {
	ip netns exec "$1" "$ESPCTL" show esp0 --json |
		jq -e 'if type == "array" then .[0] else . end |
		       .sa_count_in == 1 and .out_spi != null' >/dev/null
}

espiked_run() {
	ip netns exec "$2" "$ESPIKED" -d -f "$IKE_W/$1.conf" -p "$IKE_W/$1.pid" \
		-s "$IKE_W/$1.sock" 2>> "$IKE_W/$1.log" &
	IKE_PIDS+=($!)
	wait_for 10 test -S "$IKE_W/$1.sock"
}

espiked_ctl() { "$ESPIKED" -s "$IKE_W/$1.sock" ctl "${@:2}"; }

# ike_q, ike_sa_state, ike_sa_count, child_count, child_ids: tests/lib-ike-state.sh,
# on the daemons' sockets $IKE_W/SIDE.sock.
IKE_SOCK_DIR=$IKE_W
# shellcheck source=tests/lib-ike-state.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-ike-state.sh"
# espiked_child_up SIDE [CONN]: an INSTALLED CHILD_SA (of CONN).
espiked_child_up() { [ "$(child_count "$1" INSTALLED "${2:-}")" -ge 1 ] 2>/dev/null; }
# espiked_no_child SIDE: the daemon answers, no CHILD_SA INSTALLED.
espiked_no_child() { [ "$(child_count "$1" INSTALLED)" = 0 ]; }

espiked_stop() {
	local p
	for p in "${IKE_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${IKE_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	IKE_PIDS=()
	rm -f "$IKE_W"/*.sock
}

# sw_start NS: charon with only the plugins the tests need, its vici socket
# and log in $IKE_W, no routes of its own (the tests add them). swanctl
# reads its credentials in the directories next to the swanctl.conf it is
# given ($IKE_W/x509ca, $IKE_W/private, ...), never in /etc/swanctl; it
# parses private keys itself (pem, pkcs1, pkcs8, openssl).
sw_start() {
	local plugins p d
	[ -x /usr/lib/ipsec/charon ] || ktap_skip_all "strongSwan's charon is not installed"
	plugins="random nonce openssl pem pkcs1 pkcs8 x509 pubkey kernel-netlink socket-default vici"
	for p in aes sha1 sha2 hmac gcm kdf; do
		[ -f "/usr/lib/ipsec/plugins/libstrongswan-$p.so" ] && plugins="$plugins $p"
	done
	cat > "$IKE_W/strongswan.conf" <<-EOF
	charon {
		load_modular = no
		load = $plugins
		install_routes = no
		install_virtual_ip = no
		retransmit_timeout = 1.0
		retransmit_tries = 4
		plugins {
			vici {
				socket = unix://$IKE_W/charon.vici
			}
		}
		filelog {
			sw {
				path = $IKE_W/charon.log
				default = 1
				ike = 2
				cfg = 2
				chd = 2
				time_format = %T
				flush_line = yes
			}
		}
		syslog {
			daemon {
				default = -1
			}
		}
	}
	swanctl {
		load = random nonce openssl pem pkcs1 pkcs8 x509
		socket = unix://$IKE_W/charon.vici
	}
	EOF
	# the directories swanctl --load-all reads (it complains of missing ones)
	for d in x509 x509ca x509aa x509ac x509crl x509ocsp pubkey private rsa ecdsa pkcs8 \
		 pkcs12 bliss; do
		mkdir -p "$IKE_W/$d"
	done
	SW_NS=$1
	ip netns exec "$SW_NS" env STRONGSWAN_CONF="$IKE_W/strongswan.conf" \
		/usr/lib/ipsec/charon >> "$IKE_W/charon-stderr.log" 2>&1 &
	SW_PID=$!
	wait_for 20 test -S "$IKE_W/charon.vici"
}

sw() {
	local cmd=$1
	shift
	ip netns exec "$SW_NS" env STRONGSWAN_CONF="$IKE_W/strongswan.conf" \
		swanctl "$cmd" --uri "unix://$IKE_W/charon.vici" "$@"
}

# sw_creds KEY CACERT...: the credentials the next sw_load gives charon,
# replacing those of an earlier round: private key KEY (of the certificate
# that swanctl.conf names in "certs") and the CA certificates CACERT... A
# self-signed one is a trust anchor; an intermediate is not, but charon
# sends it after its certificate when it issued it.
sw_creds() {
	rm -f "$IKE_W"/private/* "$IKE_W"/x509ca/*
	mkdir -p "$IKE_W/private" "$IKE_W/x509ca"
	install -m 600 "$1" "$IKE_W/private/"
	shift
	cp "$@" "$IKE_W/x509ca/"
}

sw_load() { sw --load-all --noprompt --file "$IKE_W/swanctl.conf"; }

# sw_round N ROLE ES_NS SW_NS [TIMEOUT]: one round's daemons, configured
# already: charon in SW_NS with $IKE_W/swanctl.conf loaded, espiked "a" in
# ES_NS, and when ROLE is charon, charon's initiation of child "tun" in the
# background (swanctl waits up to TIMEOUT s, default 30).
sw_round() {
	echo "=== round $1" >> "$IKE_W/a.log"
	sw_start "$4"
	sw_load >> "$IKE_W/swanctl.log" 2>&1
	espiked_run a "$3"
	if [ "$2" = charon ]; then
		sw --initiate --child tun --timeout "${5:-30}" >> "$IKE_W/swanctl.log" 2>&1 &
		IKE_PIDS+=($!)
	fi
}
sw_child_up() { sw --list-sas 2>/dev/null | grep -q INSTALLED; }
sw_no_child() { sw --list-sas >/dev/null 2>&1 && ! sw_child_up; }

sw_stop() {
	[ -n "$SW_PID" ] || return 0
	kill "$SW_PID" 2>/dev/null
	wait "$SW_PID" 2>/dev/null
	SW_PID=
	rm -f "$IKE_W/charon.vici"
	ip -n "$SW_NS" xfrm state flush 2>/dev/null
	ip -n "$SW_NS" xfrm policy flush 2>/dev/null
}

# sw_xfrm_packets NS: packets counted by the xfrm states of NS (both
# directions added up).
sw_xfrm_packets() {
	ip -n "$1" -s xfrm state | awk '/^[ \t]*lifetime current:/ { getline; n += $2 } END { print n + 0 }'
}

# wait_secs SECONDS CMD...: like wait_for, for commands that are slow
# themselves (swanctl takes seconds under emulation): polls until CMD
# succeeds or SECONDS of wall time have passed.
wait_secs() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}

# ping_all NS DST: PING_COUNT echoes (the test sets it) at 10 a second
# through esp0; prints ping's summary line.
ping_all() {
	timeout 120 ip netns exec "$1" ping -q -n -i 0.1 -c "$PING_COUNT" -W 2 -I esp0 "$2" 2>&1 |
		grep 'packets transmitted'
}

# no_loss SUMMARY: "N packets transmitted, N received, 0% packet loss" with
# N = PING_COUNT.
no_loss() {
	local tx rx
	tx=$(echo "$1" | awk '{ print $1 }')
	rx=$(echo "$1" | awk '{ print $4 }')
	[ -n "$tx" ] && [ "$tx" = "$PING_COUNT" ] && [ "$rx" = "$tx" ]
}

# dev_spi_out NS: the outbound SPI of esp0 in NS.
dev_spi_out() {
	ip netns exec "$1" "$ESPCTL" show esp0 --json |
		jq -r 'if type == "array" then .[0] else . end | .out_spi'
}

# ping_within SECONDS NS PING-ARGS...: one echo answered within SECONDS
# (ping sends one request a second until then).
ping_within() {
	local t=$1 ns=$2
	shift 2
	ip netns exec "$ns" ping -q -c 1 -w "$t" "$@" >/dev/null 2>&1
}

# esp0_rx NS / esp0_tx NS: packets espvti decrypted / encrypted in NS.
esp0_rx() { ip -n "$1" -s -j link show esp0 | jq '.[0].stats64.rx.packets'; }
esp0_tx() { ip -n "$1" -s -j link show esp0 | jq '.[0].stats64.tx.packets'; }
