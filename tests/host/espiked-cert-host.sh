#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# espiked-cert-host.sh ESPIKED: host test of certificate authentication
# (auth pubkey) between two espiked daemons on the loopback with the fake
# kernel interface, as espiked-host.sh, on a PKI made by
# tests/tools/mkpki.sh for this run.
#
#   [espiked A, initiator] 127.0.0.1:$PA  <--UDP-->  127.0.0.1:$PB [espiked B]
#     cert, key, ca                                  cert, key, ca (, crl)
#
# Cases: ECDSA P-256 both ways with FQDN identities from the
# subjectAltName, RFC 7427 Digital Signature, CERTREQ and send_cert ifasked;
# RSA-4096 against Ed25519 with DN identities (the certificates' subjects)
# and a DN wildcard remote_id; then refusals, each of which must leave no SA
# and be logged by B with the reason: no certificate sent (send_cert never),
# expired, revoked (CRL), unknown CA, identity not in the certificate,
# remote_id not matched; and the initiator refusing the responder's
# certificate, which the responder learns in an INFORMATIONAL request.
# Last, a reload with new contents under the same file names (A's renewed
# certificate and key, B's CA file now another CA's): the IKE SA and its
# CHILD_SA stay, the next authentication uses the new files.
# Then mixed authentication: A authenticates with the pre-shared key and
# requires a certificate of B (auth psk, remote_auth pubkey), B the reverse,
# up with either one initiating; a reload of A changing remote_auth to psk
# (B's signature then refused); refused: a wrong pre-shared key from A, and
# B using the pre-shared key where A requires a signature (either
# initiating).
# KTAP output; exit 0 pass, 1 fail.
set -u
E=$(readlink -f "${1:?usage: espiked-cert-host.sh PATH-TO-ESPIKED}")
HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=tests/host/lib-host.sh
. "$HERE/lib-host.sh" espiked-cert-host
PA=$((20000 + $$ % 20000))
PB=$((PA + 1))
P=$D/pki
"$HERE/../tools/mkpki.sh" "$P" || ktap_bail "tests/tools/mkpki.sh failed"
# Our certificate files are NAME-full.pem: the intermediate after the end entity.

# conf FILE PORT PEERPORT NAME EXTRA-LINES...: auth pubkey with NAME's certificate
conf() {
	local f=$1 port=$2 peer=$3 n=$4
	shift 4
	conf_tun "$f" "$port" 0 "local 127.0.0.1" "remote 127.0.0.1" "remote_port $peer" \
		"retransmit_timeout 200ms" "retransmit_tries 2" "auth pubkey" \
		"cert $P/$n-full.pem" "key $P/$n.key" "esp aes128gcm16" "$@"
}

stop_all() {
	stop_daemons
	cat "$D"/a.log "$D"/b.log >> "$D/history" 2>/dev/null
}

# refused NAME-OF-A WHY A-LINES -- B-LINES: A initiates with certificate
# NAME-OF-A; B must log AUTHENTICATION_FAILED with WHY, and no SA may appear.
# Both accept any identity of the peer unless B-LINES set remote_id.
refused() {
	local n=$1 why=$2 a=() b=() side=a
	shift 2
	for l in "$@"; do
		if [ "$l" = -- ]; then side=b; continue; fi
		if [ $side = a ]; then a+=("$l"); else b+=("$l"); fi
	done
	[ ${#b[@]} = 0 ] && b=("remote_id %any")
	conf "$D/a.conf" $PA $PB "$n" "device esp0" "start initiate" "remote_id %any" "${a[@]}"
	conf "$D/b.conf" $PB $PA p384 "device esp1" "ca $P/root.crt" "${b[@]}"
	start b
	start a
	wait_for 10 grep -q "AUTHENTICATION_FAILED.*$why" "$D/b.log" && sleep 0.3 && no_sas
	ok $? "refused ($why): B logs it, no SA on either side"
	stop_all
}

ktap_plan 22

# 1. ECDSA P-256 and P-384, FQDN identities in the subjectAltName
conf "$D/a.conf" $PA $PB p256 "ca $P/root.crt" "local_id fqdn:p256.example.org" \
	"remote_id fqdn:p384.example.org" "device esp0" "start initiate"
conf "$D/b.conf" $PB $PA p384 "ca $P/cadir" "local_id fqdn:p384.example.org" \
	"remote_id *.example.org" "crl $P/inter.crl" "device esp1"
start b
start a
wait_for 10 has_sas && keys_match
ok $? "ECDSA: both daemons installed a CHILD_SA pair with matching keys"
grep -q "peer authenticated as fqdn:p256.example.org with certificate 'C=CH, O=espvti test, CN=p256.example.org' (Digital Signature)" "$D/b.log" &&
	grep -q "peer authenticated as fqdn:p384.example.org with certificate 'C=CH, O=espvti test, CN=p384.example.org' (Digital Signature)" "$D/a.log"
ok $? "ECDSA: each side logs the peer's identity, certificate subject and RFC 7427 method"
stop_all

# 2. RSA-4096 (RSASSA-PSS) against Ed25519, the subjects as identities
conf "$D/a.conf" $PA $PB rsa4096 "ca $P/root.crt" \
	'remote_id "dn:C=CH, O=espvti test, CN=ed25519.example.org"' "device esp0" "start initiate"
conf "$D/b.conf" $PB $PA ed25519 "ca $P/root.crt" \
	'remote_id "dn:C=CH, O=*, CN=*.example.org"' "send_cert always" "device esp1"
start b
start a
wait_for 10 has_sas && keys_match
ok $? "RSA-4096 and Ed25519: CHILD_SA pair with matching keys"
grep -q "peer authenticated as dn:C=CH, O=espvti test, CN=rsa4096.example.org with certificate" "$D/b.log" &&
	grep -q "peer authenticated as dn:C=CH, O=espvti test, CN=ed25519.example.org" "$D/a.log"
ok $? "RSA-4096 and Ed25519: DN identities, B's remote_id a DN wildcard"
stop_all

# 3. refusals
refused p256 "sent no X.509 certificate" "ca $P/root.crt" "send_cert never"
refused expired "CN=expired.example.org': expired" "ca $P/root.crt"
refused revoked "CN=revoked.example.org': revoked" "ca $P/root.crt" -- "crl $P/inter.crl" \
	"remote_id %any"
refused rogue "CN=rogue.example.org': unknown CA" "ca $P/rogue-ca.crt"
refused wrongsan "identity not in the certificate" "ca $P/root.crt" \
	"local_id fqdn:wrongsan.example.org"
refused p256 "peer's identity is dn:C=CH, O=espvti test, CN=p256.example.org, expected" \
	"ca $P/root.crt" -- 'remote_id "dn:C=CH, O=espvti test, CN=*.example.net"'

# 4. the initiator refuses the responder, which has installed its CHILD_SA
# already: A tells B with AUTHENTICATION_FAILED in an INFORMATIONAL request
# (RFC 7296 2.21.2), B logs it and removes its SAs
conf "$D/a.conf" $PA $PB p256 "ca $P/rogue-ca.crt" "remote_id %any" "device esp0" \
	"start initiate"
conf "$D/b.conf" $PB $PA p384 "ca $P/root.crt" "remote_id %any" "device esp1"
start b
start a
wait_for 10 grep -q "AUTHENTICATION_FAILED: the initiator refused our authentication" "$D/b.log" &&
	grep -q "AUTHENTICATION_FAILED: peer dn:C=CH, O=espvti test, CN=p384.example.org: .*unknown CA" "$D/a.log" &&
	wait_for 5 grep -q "closing: authentication of the responder failed" "$D/a.log" && no_sas
ok $? "the initiator refuses the responder's certificate: both log it, no SA on either side"
stop_all

# 5. reload: renewed credentials under the same names take effect without a
# new IKE SA; the next authentication uses them
install -m 600 "$P/p256.key" "$D/a.key"
cp "$P/p256-full.pem" "$D/a.pem"
cp "$P/root.crt" "$D/b-ca.pem"
conf "$D/a.conf" $PA $PB p256 "ca $P/root.crt" "local_id fqdn:p256.example.org" \
	"remote_id %any" "device esp0" "start initiate"
sed -i "s|cert .*|cert $D/a.pem|; s|key .*|key $D/a.key|" "$D/a.conf"
conf "$D/b.conf" $PB $PA p384 "ca $D/b-ca.pem" "remote_id fqdn:p256.example.org" \
	"device esp1"
start b
start a
wait_for 10 has_sas && keys_match &&
	grep -q "with certificate 'C=CH, O=espvti test, CN=p256.example.org'" "$D/b.log"
ok $? "reload: A authenticated with its first certificate"
grep '^sa' "$D/a.kern" > "$D/a.kern.0"
install -m 600 "$P/renewed.key" "$D/a.key"
cp "$P/renewed-full.pem" "$D/a.pem"
"$ESPCTL" ike -s "$D/a.sock" reload > "$D/out" 2>&1 &&
	grep -q "1 unchanged" "$D/out" && grep '^sa' "$D/a.kern" | cmp -s - "$D/a.kern.0" &&
	"$ESPCTL" ike -s "$D/a.sock" down tun > /dev/null && wait_for 10 no_sas &&
	"$ESPCTL" ike -s "$D/a.sock" up tun > /dev/null && wait_for 10 has_sas &&
	grep -q "with certificate 'C=CH, O=espvti test, CN=renewed.example.org'" "$D/b.log"
ok $? "reload: a renewed certificate and key under the same names: SAs kept, used by the next IKE_AUTH"
cp "$P/rogue-ca.crt" "$D/b-ca.pem"
grep '^sa' "$D/b.kern" > "$D/b.kern.0"
"$ESPCTL" ike -s "$D/b.sock" reload > "$D/out" 2>&1 &&
	grep -q "1 unchanged" "$D/out" && grep '^sa' "$D/b.kern" | cmp -s - "$D/b.kern.0" &&
	"$ESPCTL" ike -s "$D/a.sock" down tun > /dev/null && wait_for 10 no_sas &&
	"$ESPCTL" ike -s "$D/a.sock" up tun > /dev/null &&
	wait_for 10 grep -q "AUTHENTICATION_FAILED: peer fqdn:p256.example.org: .*unknown CA" "$D/b.log" &&
	sleep 0.3 && no_sas
ok $? "reload: B's CA file with another CA under the same name: SAs kept, the next IKE_AUTH refused"
stop_all
# 6. mixed: A psk with B's certificate required, B its certificate with A's
# psk required
# mixed A-PSK B-AUTH INITIATOR [B-LINES...]: A "auth psk, remote_auth pubkey"
# with key A-PSK, B "auth B-AUTH, remote_auth psk" (and its certificate when
# B-AUTH is pubkey); INITIATOR (a or b) starts.
mixed() {
	local apsk=$1 bauth=$2 ini=$3 sa=() sb=()
	shift 3
	[ "$ini" = a ] && sa=("start initiate") || sb=("start initiate")
	conf_tun "$D/a.conf" $PA 0 "local 127.0.0.1" "remote 127.0.0.1" "remote_port $PB" \
		"retransmit_timeout 200ms" "retransmit_tries 2" "esp aes128gcm16" "device esp0" \
		"auth psk" "remote_auth pubkey" "psk $apsk" "ca $P/root.crt" \
		"remote_id fqdn:p384.example.org" "${sa[@]}"
	if [ "$bauth" = pubkey ]; then
		conf "$D/b.conf" $PB $PA p384 "device esp1" "remote_auth psk" "psk mixed-key" \
			"local_id fqdn:p384.example.org" "${sb[@]}" "$@"
	else
		conf_tun "$D/b.conf" $PB 0 "local 127.0.0.1" "remote 127.0.0.1" "remote_port $PA" \
			"retransmit_timeout 200ms" "retransmit_tries 2" "esp aes128gcm16" \
			"device esp1" "auth psk" "psk mixed-key" "local_id fqdn:p384.example.org" \
			"${sb[@]}" "$@"
	fi
	start b
	start a
}
mixed mixed-key pubkey a
wait_for 10 has_sas && keys_match
ok $? "mixed, A (psk) initiates: CHILD_SA pair with matching keys"
grep -q "peer authenticated as fqdn:p384.example.org with certificate 'C=CH, O=espvti test, CN=p384.example.org'" "$D/a.log" &&
	grep -q "peer authenticated as 127.0.0.1 with the pre-shared key" "$D/b.log"
ok $? "mixed: A verified B's certificate, B verified A's pre-shared key"
# A reloaded with remote_auth psk (and no ca): the connection changed; B's
# signature now refused
sed -i '/ ca /d; s/remote_auth pubkey/remote_auth psk/' "$D/a.conf"
"$ESPCTL" ike -s "$D/a.sock" reload > "$D/out" 2>&1 && grep -q "1 changed" "$D/out" &&
	grep -q "conn tun: remote_auth changed" "$D/a.log" &&
	wait_for 10 grep -q "AUTHENTICATION_FAILED: peer fqdn:p384.example.org used AUTH method .*, expected 2 (shared key; conn tun: remote_auth psk)" "$D/a.log" &&
	wait_for 5 no_sas
ok $? "mixed: a reload changing remote_auth re-establishes; B's signature refused where A now requires the PSK"
stop_all
mixed mixed-key pubkey b
wait_for 10 has_sas && keys_match &&
	grep -q "peer authenticated as fqdn:p384.example.org with certificate" "$D/a.log" &&
	grep -q "peer authenticated as 127.0.0.1 with the pre-shared key" "$D/b.log"
ok $? "mixed, B (certificate) initiates: CHILD_SA pair with matching keys, each end verified"
stop_all
mixed other-key pubkey a
wait_for 10 grep -q "AUTHENTICATION_FAILED: the AUTH payload of peer 127.0.0.1 does not verify with the pre-shared key" "$D/b.log" &&
	sleep 0.3 && no_sas
ok $? "mixed: a wrong pre-shared key from A refused by B, no SA"
stop_all
mixed mixed-key psk b
wait_for 10 grep -q "AUTHENTICATION_FAILED: peer fqdn:p384.example.org used AUTH method 2 (shared key), expected a signature" "$D/a.log" &&
	sleep 0.3 && no_sas
ok $? "mixed: B authenticates with the pre-shared key where A requires a signature (B initiates): A refuses, no SA"
stop_all
mixed mixed-key psk a
wait_for 10 grep -q "AUTHENTICATION_FAILED: peer fqdn:p384.example.org used AUTH method 2 (shared key), expected a signature" "$D/a.log" &&
	wait_for 5 no_sas
ok $? "mixed: the same with A initiating: A refuses B's response, B removes its SAs"
stop_all
daemons_clean
ktap_finish
