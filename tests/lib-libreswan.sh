# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Copyright (C) 2026 The espvti authors.
#
# tests/lib-libreswan.sh: Libreswan's pluto as the IKEv2 peer of espiked
# (tests/ike-libreswan*.sh). Source it after lib.sh and lib-ike.sh and call
# lsw_cleanup from test_cleanup, before ike_cleanup (which prints the tail
# of every log of a failed test, pluto's included).
#
# Libreswan's package conflicts with strongSwan's, so scripts/install-deps
# installs only its libraries and unpacks the package itself into
# $LSW_ROOT (/opt/espvti/libreswan). pluto runs from there in the peer's
# namespace, in a mount namespace of its own where a tmpfs covers /run and
# the unpacked /usr/libexec/ipsec is bound over /usr/libexec/ipsec (where
# pluto looks for its helpers; the host's root is read-only in the guest),
# with its configuration, secrets, NSS database, run directory and log in
# $LSW_D. Its side uses the kernel's policy-based xfrm (leftupdown=%disabled:
# the default updown script would find strongSwan's `ipsec`; the tests add
# the route themselves).
#
#   lsw_require                 skip the test when Libreswan is not unpacked
#   lsw_topology                $a: va 192.0.2.1, esp0 10.99.0.1 peer
#                               10.99.0.2; $b: vb 192.0.2.2, lo 10.99.0.2
#   lsw_es_conf START IKE ESP KEY EXTRA...   espiked's $IKE_W/a.conf
#   lsw_conf IKE ESP KEY EXTRA...            pluto's ipsec.conf and secrets
#   lsw_start NS / lsw_stop     start pluto in NS, load conn "tun" / stop it
#   lsw_whack ARGS...           whack talking to that pluto
#   lsw_child_up / lsw_no_child pluto has an ESP SA / none
#   lsw_xfrm_states             xfrm states in pluto's namespace
#   lsw_dev_no_sa NS            esp0 in NS holds no SA at all

LSW_ROOT=${LSW_ROOT:-/opt/espvti/libreswan}
LSW_EXEC=$LSW_ROOT/usr/libexec/ipsec
LSW_D=$IKE_W/lsw
LSW_CTL=$LSW_D/run/pluto.ctl
LSW_PID=		# pluto
LSW_NS=			# its namespace
# The identities (FQDN) and addresses of both sides.
LSW_ES_ID=es.espvti.test
LSW_ID=lsw.espvti.test

lsw_require() {
	local t
	for t in pluto whack addconn; do
		[ -x "$LSW_EXEC/$t" ] ||
			ktap_skip_all "Libreswan is not unpacked in $LSW_ROOT (scripts/install-deps)"
	done
	command -v certutil >/dev/null || ktap_skip_all "certutil is not installed (libnss3-tools)"
}

lsw_cleanup() { lsw_stop; }

# lsw_topology: as ike-strongswan.sh, IPv4 only.
# shellcheck disable=SC2154 # ns_add sets $a, $b
lsw_topology() {
	ns_add a b
	ip link add va netns "$a" type veth peer name vb netns "$b"
	ip -n "$a" addr add 192.0.2.1/24 dev va
	ip -n "$b" addr add 192.0.2.2/24 dev vb
	links_up "$a va" "$b vb"
	ip -n "$a" link add esp0 type espvti
	ip -n "$a" link set esp0 up
	ip -n "$a" addr add 10.99.0.1 peer 10.99.0.2/32 dev esp0
	ip -n "$b" addr add 10.99.0.2/32 dev lo
	ip -n "$b" route add 10.99.0.1/32 dev vb src 10.99.0.2
}

# lsw_es_conf START IKE ESP KEY EXTRA...: espiked's connection "tun" to
# pluto, keying esp0, with the pre-shared KEY; each EXTRA is one more line.
lsw_es_conf() {
	local start=$1 ike=$2 esp=$3 key=$4 x
	shift 4
	{
		echo "conn tun {"
		echo "    local 192.0.2.1; remote 192.0.2.2"
		echo "    local_id fqdn:$LSW_ES_ID; remote_id fqdn:$LSW_ID"
		echo "    psk \"$key\""
		echo "    ike $ike"
		echo "    esp $esp"
		echo "    local_ts 10.99.0.1/32; remote_ts 10.99.0.2/32"
		echo "    device esp0; start $start"
		echo "    retransmit_timeout 1s; retransmit_tries 4"
		for x in "$@"; do echo "    $x"; done
		echo "}"
	} > "$IKE_W/a.conf"
}

# lsw_conf IKE ESP KEY EXTRA...: pluto's ipsec.conf (Libreswan's proposal
# syntax, e.g. IKE "aes128-sha2_256;modp2048", ESP "aes_gcm256;ecp384"),
# connection "tun" loaded but not started (auto=ignore: lsw_start loads it
# with addconn, the tests initiate with whack), and its secrets file.
lsw_conf() {
	local ike=$1 esp=$2 key=$3 x
	shift 3
	mkdir -p "$LSW_D"
	{
		echo "config setup"
		echo "    uniqueids=yes"
		echo "    dumpdir=$LSW_D/run"
		echo "conn tun"
		echo "    ikev2=insist"
		echo "    authby=secret"
		echo "    left=192.0.2.2"
		echo "    leftid=@$LSW_ID"
		echo "    leftsubnet=10.99.0.2/32"
		echo "    leftupdown=%disabled"
		echo "    right=192.0.2.1"
		echo "    rightid=@$LSW_ES_ID"
		echo "    rightsubnet=10.99.0.1/32"
		echo "    ike=$ike"
		echo "    esp=$esp"
		echo "    retransmit-timeout=10s"
		echo "    auto=ignore"
		for x in "$@"; do echo "    $x"; done
	} > "$LSW_D/ipsec.conf"
	echo "@$LSW_ID @$LSW_ES_ID : PSK \"$key\"" > "$LSW_D/ipsec.secrets"
	chmod 600 "$LSW_D/ipsec.secrets"
}

# lsw_start NS: pluto in NS (its mounts described above), waits for its
# control socket and loads conn "tun" of $LSW_D/ipsec.conf.
lsw_start() {
	LSW_NS=$1
	mkdir -p "$LSW_D/run"
	if [ ! -e "$LSW_D/nss/cert9.db" ]; then
		mkdir -p "$LSW_D/nss"
		certutil -N --empty-password -d "sql:$LSW_D/nss" >> "$IKE_W/pluto-stderr.log" 2>&1 ||
			return 1
	fi
	# ip netns exec gives a mount namespace already, a slave of the host's;
	# unshare makes it private so that nothing can reach the host's /run.
	# Without /usr/libexec/ipsec to mount on (the usual case: strongSwan
	# has /usr/lib/ipsec), a tmpfs over /usr/libexec gives one.
	# shellcheck disable=SC2016 # expanded by the inner shell
	ip netns exec "$LSW_NS" unshare -m --propagation private sh -c '
		mount -t tmpfs lsw-run /run || exit 1
		if [ ! -d /usr/libexec/ipsec ]; then
			mount -t tmpfs lsw-libexec /usr/libexec && mkdir /usr/libexec/ipsec || exit 1
		fi
		mount --bind "$1" /usr/libexec/ipsec || exit 1
		d=$2
		exec /usr/libexec/ipsec/pluto --nofork --config "$d/ipsec.conf" \
			--secretsfile "$d/ipsec.secrets" --nssdir "$d/nss" --ipsecdir "$d" \
			--rundir "$d/run" --logfile "$3"' \
		lsw "$LSW_EXEC" "$LSW_D" "$IKE_W/pluto.log" >> "$IKE_W/pluto-stderr.log" 2>&1 &
	LSW_PID=$!
	wait_for 30 test -S "$LSW_CTL" || return 1
	ip netns exec "$LSW_NS" "$LSW_EXEC/addconn" --config "$LSW_D/ipsec.conf" \
		--ctlsocket "$LSW_CTL" tun >> "$IKE_W/pluto.log" 2>&1
}

# lsw_whack ARGS...: whack on pluto's control socket (whack --name tun
# --initiate, --rekey-ipsec, --terminate, --trafficstatus...).
lsw_whack() { "$LSW_EXEC/whack" --ctlsocket "$LSW_CTL" "$@"; }

lsw_child_up() { lsw_whack --trafficstatus 2>/dev/null | grep -q 'type=ESP'; }
lsw_no_child() {
	local out
	out=$(lsw_whack --trafficstatus 2>&1) && ! echo "$out" | grep -q 'type=ESP'
}

# lsw_xfrm_states: number of xfrm states in pluto's namespace.
lsw_xfrm_states() { ip -n "$LSW_NS" xfrm state | grep -c '^src'; }

# lsw_dev_no_sa NS: esp0 in NS has neither inbound nor outbound SA.
lsw_dev_no_sa() {
	ip netns exec "$1" "$ESPCTL" show esp0 --json |
		jq -e 'if type == "array" then .[0] else . end |
		       .sa_count_in == 0 and .out_spi == null' >/dev/null
}

lsw_stop() {
	[ -n "$LSW_PID" ] || return 0
	kill "$LSW_PID" 2>/dev/null
	wait "$LSW_PID" 2>/dev/null
	LSW_PID=
	rm -f "$LSW_CTL"
	ip -n "$LSW_NS" xfrm state flush 2>/dev/null
	ip -n "$LSW_NS" xfrm policy flush 2>/dev/null
}
