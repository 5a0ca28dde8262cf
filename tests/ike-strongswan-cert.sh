#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# ike-strongswan-cert: certificate authentication (espiked's auth pubkey,
# swanctl's auth = pubkey) between espiked and strongSwan's charon, on a
# PKI that tests/tools/mkpki.sh makes for the run (root CA, intermediate CA,
# end entities signed by the intermediate). Each round is a fresh pair of
# daemons; rounds 1-7 bring the tunnel up and ping both ways through espvti
# in $a and the kernel's xfrm in $b, rounds 8-13 must be refused, rounds
# 14-15 mix a pre-shared key and a certificate and come up.
#
#   netns $a: espiked                              netns $b: charon (strongSwan)
#   +--------------------------------+             +---------------------------------+
#   | esp0 (espvti) 10.99.0.1 -------|- ESP -------|-> xfrm policy 10.99.0.2/32 <->  |
#   |   peer 10.99.0.2               |             |    10.99.0.1/32, lo 10.99.0.2   |
#   | va 192.0.2.1 ==================+=== veth ====+= vb 192.0.2.2                   |
#   +--------------------------------+             +---------------------------------+
#
#   round  initiator  espiked's key     charon's key      identities
#   1      espiked    RSA-2048 (PSS)    ECDSA P-256       FQDN (subjectAltName)
#   2      espiked    ECDSA P-256       Ed25519           DN (subject)
#   3      espiked    Ed25519           RSA-2048 (PSS)    RFC822 (subjectAltName)
#   4      charon     ECDSA P-256       RSA-2048 (PSS)    DN, espiked's remote_id a wildcard
#   5      charon     Ed25519           ECDSA P-256       FQDN
#   6      charon     RSA-2048 (PSS)    Ed25519           RFC822 / DN
#   7      charon     ECDSA P-256       ECDSA P-384       DN; the chain round
#
# charon signs RSA with RSASSA-PSS (local auth ike:rsa/pss-sha256) and
# demands it from espiked (remote auth ike:rsa/pss-sha256); its log names
# the scheme each side used. In rounds 1-6 espiked trusts the root only and
# charon sends the intermediate after its certificate; espiked sends its
# certificate alone, charon knows the intermediate. In round 7 it is the
# other way round: charon trusts the root only and has never seen the
# intermediate, which espiked sends after its certificate.
#
#   round  initiator  refused certificate               refused by  reason in its log
#   8      espiked    charon's, of an unknown CA        espiked     unknown CA
#   9      charon     charon's, expired                 espiked     expired
#   10     espiked    charon's, without its identity    espiked     identity not in the certificate
#   11     charon     espiked's, of an unknown CA       charon      no issuer certificate found
#   12     espiked    espiked's, expired                charon      subject certificate invalid
#   13     charon     espiked's, without its identity   charon      no trusted ECDSA public key
#
# The side refused logs the other's AUTHENTICATION_FAILED: in the IKE_AUTH
# response (rounds 9, 12) or, when the initiator refuses, in an
# INFORMATIONAL request (8, 10: charon's log; 11, 13: espiked's).
#
#   round  initiator  espiked                           charon
#   14     espiked    auth psk, remote_auth pubkey      local pubkey (P-256), remote psk
#   15     charon     auth pubkey (P-256), remote_auth  local psk, remote pubkey
#                     psk
#
# In the mixed rounds the end that authenticates with the pre-shared key
# has no certificate; its identity is its address. Round 14: espiked asks
# for charon's certificate with a CERTREQ in IKE_AUTH; round 15: charon
# asks espiked (send_cert ifasked).
#
# A refused round must leave nothing installed: no CHILD_SA in espiked
# (espctl ike list), no SA on esp0 (espctl show), no xfrm state in $b. When
# the responder has installed its CHILD_SA before the initiator refuses it,
# the initiator's INFORMATIONAL AUTHENTICATION_FAILED (RFC 7296 2.21.2)
# makes it remove it: charon in rounds 8 and 10, espiked in 11 and 13.
#
# vmtest-timeout: 300
# Certificate authentication is the daemons' behaviour, the same whatever
# the kernel; espvti against the kernel's xfrm runs on both kernels in
# interop-xfrm and ike-strongswan. This one runs on 6.12 only, to keep make
# check within CI's time.
# vmtest-kernels: ^6\.12\.
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-ike.sh
. "$(dirname "$0")/lib-ike.sh"

test_cleanup() { ike_cleanup; }

P=$IKE_W/pki
SUBJ="C=CH, O=espvti test, CN"	# the subject of NAME.crt is "$SUBJ=NAME.example.org"

# es_conf NAME START ID... : espiked's configuration, certificate and key
# NAME (- for none: auth psk), then one line per ID argument (local_id,
# remote_id, ...). ES_CERT (default $P/NAME.crt) and ES_CA (default the
# root, none for no ca) may be set.
es_conf() {
	local n=$1 start=$2 auth=("auth psk") ca=()
	shift 2
	[ "$n" = - ] || auth=("auth pubkey; cert ${ES_CERT:-$P/$n.crt}; key $P/$n.key")
	[ "${ES_CA:-}" = none ] || ca=("ca ${ES_CA:-$P/root.crt}")
	IKE_CONF_AUTH=extra ike_conf a 192.0.2.1 192.0.2.2 10.99.0.1 10.99.0.2 "$start" \
		"${auth[@]}" "${ca[@]}" "esp aes256gcm16" "$@"
}

# sw_conf NAME LOCAL_ID REMOTE_ID: swanctl.conf with certificate NAME
# (the key and CAs: sw_creds; empty NAME: none). An empty LOCAL_ID leaves
# charon's identity the certificate's subject (without one, its address).
# SW_LAUTH and SW_RAUTH (default pubkey) are the local and remote auth;
# SW_PSK, when set, is a pre-shared key for any identity.
sw_conf() {
	local n=$1 lid=$2 rid=$3
	cat > "$IKE_W/swanctl.conf" <<-EOF
	connections {
		tun {
			version = 2
			local_addrs = 192.0.2.2
			remote_addrs = 192.0.2.1
			proposals = aes256gcm16-prfsha384-ecp384
			local {
				auth = ${SW_LAUTH:-pubkey}
				${n:+certs = $P/$n.crt}
				${lid:+id = \"$lid\"}
			}
			remote {
				auth = ${SW_RAUTH:-pubkey}
				id = "$rid"
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
	[ -z "${SW_PSK:-}" ] || cat >> "$IKE_W/swanctl.conf" <<-EOF
	secrets {
		ike-mixed {
			secret = "$SW_PSK"
		}
	}
	EOF
}


end_round() {
	espiked_stop
	sw_stop
	cat "$IKE_W/charon.log" >> "$IKE_W/charon-all.log"
	rm -f "$IKE_W/charon.log"
}

# sw_said TEXT: charon's log of this round has a line with TEXT.
sw_said() { grep -qF -- "$1" "$IKE_W/charon.log"; }
# es_said N TEXT: espiked's log since "=== round N" has a line with TEXT.
es_said() { sed -n "/^=== round $1\$/,\$p" "$IKE_W/a.log" | grep -qF -- "$2"; }

# up N ROLE ES_AUTH SW_AUTH: one successful round (configurations written):
# the tunnel comes up, ping passes both ways, espvti and xfrm count
# packets, espiked logs ES_AUTH (how it authenticated charon) and charon
# logs SW_AUTH (how it authenticated espiked: identity and scheme).
up() {
	local n=$1 role=$2 es_auth=$3 sw_auth=$4 tx0 rx0 xf0
	sw_round "$n" "$role" "$a" "$b"
	ktap_result "round $n ($role initiates): CHILD_SA up on both sides" \
		wait_secs 60 eval 'espiked_child_up a && sw_child_up'
	ktap_result "round $n: espiked logs: $es_auth; charon: $sw_auth" \
		eval 'es_said "$n" "$es_auth" && sw_said "$sw_auth"'
	tx0=$(esp0_tx "$a"); rx0=$(esp0_rx "$a"); xf0=$(sw_xfrm_packets "$b")
	ktap_result "round $n: ping both ways, through espvti and xfrm" \
		eval 'ping_within 10 "$a" -I esp0 10.99.0.2 && ping_within 10 "$b" -I 10.99.0.2 10.99.0.1 &&
		      [ "$(esp0_tx "$a")" -gt "$tx0" ] && [ "$(esp0_rx "$a")" -gt "$rx0" ] &&
		      [ "$(sw_xfrm_packets "$b")" -gt "$xf0" ]'
}

# nothing_installed: espiked answers and has no CHILD_SA, esp0 holds no SA,
# charon's namespace no xfrm state, and charon no IKE SA.
nothing_installed() {
	local sas
	[ "$(child_count a INSTALLED)" = 0 ] &&
	ip netns exec "$a" "$ESPCTL" show esp0 --json |
		jq -e 'if type == "array" then .[0] else . end |
		       .sa_count_in == 0 and .out_spi == null' >/dev/null &&
	[ -z "$(ip -n "$b" xfrm state)" ] &&
	sas=$(sw --list-sas 2>/dev/null) && ! grep -q '^tun: #' <<<"$sas"
}

# refused N ROLE ES_LOG SW_LOG: a round that must fail: espiked logs ES_LOG
# (the reason, or the peer's AUTHENTICATION_FAILED), charon SW_LOG (the
# reason, or espiked's AUTHENTICATION_FAILED), and nothing stays installed
# on either side.
refused() {
	local n=$1 role=$2 es_log=$3 sw_log=$4
	sw_round "$n" "$role" "$a" "$b"
	ktap_result "round $n ($role initiates): espiked logs: $es_log" \
		wait_secs 60 es_said "$n" "$es_log"
	ktap_result "round $n: charon logs: $sw_log" wait_secs 30 sw_said "$sw_log"
	ktap_result "round $n: no SA installed on either side" wait_secs 30 nothing_installed
	end_round
}

ktap_plan 48
ike_require
command -v openssl >/dev/null || ktap_skip_all "openssl is not installed"
espvti_load
ns_add a b
ip link add va netns "$a" type veth peer name vb netns "$b"
ip -n "$a" addr add 192.0.2.1/24 dev va
ip -n "$b" addr add 192.0.2.2/24 dev vb
ip -n "$a" link set va up
ip -n "$b" link set vb up
ip -n "$a" link add esp0 type espvti
ip -n "$a" link set esp0 up
ip -n "$a" addr add 10.99.0.1 peer 10.99.0.2/32 dev esp0
ip -n "$b" addr add 10.99.0.2/32 dev lo
ip -n "$b" route add 10.99.0.1/32 dev vb src 10.99.0.2
"$REPO/tests/tools/mkpki.sh" "$P" || ktap_bail "tests/tools/mkpki.sh failed"
mkdir "$P/root-inter"
cp "$P/root.crt" "$P/inter.crt" "$P/root-inter/"

# 1-3: espiked initiates
es_conf rsa2048 initiate "local_id fqdn:rsa2048.example.org" "remote_id fqdn:p256.example.org"
SW_RAUTH=ike:rsa/pss-sha256 sw_conf p256 p256.example.org rsa2048.example.org
sw_creds "$P/p256.key" "$P/root.crt" "$P/inter.crt"
up 1 espiked "peer authenticated as fqdn:p256.example.org with certificate '$SUBJ=p256.example.org'" \
	"authentication of 'rsa2048.example.org' with RSA_EMSA_PSS_SHA2_256"
ktap_result "round 1: charon sent the intermediate, which espiked does not have" \
	sw_said "sending issuer cert \"$SUBJ=espvti test intermediate\""
end_round

es_conf p256 initiate "remote_id \"dn:$SUBJ=ed25519.example.org\""
sw_conf ed25519 "" "$SUBJ=p256.example.org"
sw_creds "$P/ed25519.key" "$P/root.crt" "$P/inter.crt"
up 2 espiked "peer authenticated as dn:$SUBJ=ed25519.example.org with certificate" \
	"authentication of '$SUBJ=p256.example.org' with ECDSA_WITH_SHA256_DER"
end_round

es_conf ed25519 initiate "local_id email:ed25519@example.org" "remote_id email:rsa2048@example.org"
SW_LAUTH=ike:rsa/pss-sha256 sw_conf rsa2048 rsa2048@example.org ed25519@example.org
sw_creds "$P/rsa2048.key" "$P/root.crt" "$P/inter.crt"
up 3 espiked "peer authenticated as email:rsa2048@example.org with certificate '$SUBJ=rsa2048.example.org'" \
	"authentication of 'rsa2048@example.org' (myself) with RSA_EMSA_PSS_SHA2_256"
ktap_result "round 3: charon authenticated espiked's Ed25519 signature" \
	sw_said "authentication of 'ed25519@example.org' with ED25519"
end_round

# 4-7: charon initiates
es_conf p256 listen "remote_id \"dn:C=CH, O=espvti test, CN=*.example.org\""
SW_LAUTH=ike:rsa/pss-sha256 sw_conf rsa2048 "" "$SUBJ=p256.example.org"
sw_creds "$P/rsa2048.key" "$P/root.crt" "$P/inter.crt"
up 4 charon "peer authenticated as dn:$SUBJ=rsa2048.example.org with certificate" \
	"authentication of '$SUBJ=rsa2048.example.org' (myself) with RSA_EMSA_PSS_SHA2_256"
end_round

es_conf ed25519 listen "local_id fqdn:ed25519.example.org" "remote_id fqdn:p256.example.org"
sw_conf p256 p256.example.org ed25519.example.org
sw_creds "$P/p256.key" "$P/root.crt" "$P/inter.crt"
up 5 charon "peer authenticated as fqdn:p256.example.org with certificate" \
	"authentication of 'ed25519.example.org' with ED25519"
end_round

es_conf rsa2048 listen "local_id email:rsa2048@example.org" \
	"remote_id \"dn:$SUBJ=ed25519.example.org\""
SW_RAUTH=ike:rsa/pss-sha256 sw_conf ed25519 "" rsa2048@example.org
sw_creds "$P/ed25519.key" "$P/root.crt" "$P/inter.crt"
up 6 charon "peer authenticated as dn:$SUBJ=ed25519.example.org with certificate" \
	"authentication of 'rsa2048@example.org' with RSA_EMSA_PSS_SHA2_256"
end_round

ES_CERT=$P/p256-full.pem ES_CA=$P/root-inter es_conf p256 listen "remote_id %any"
sw_conf p384 "" "$SUBJ=p256.example.org"
sw_creds "$P/p384.key" "$P/root.crt"
up 7 charon "peer authenticated as dn:$SUBJ=p384.example.org with certificate" \
	"authentication of '$SUBJ=p256.example.org' with ECDSA_WITH_SHA256_DER"
ktap_result "round 7: charon received the intermediate from espiked and built the chain with it" \
	eval 'sw_said "received issuer cert \"$SUBJ=espvti test intermediate\"" &&
	      sw_said "using untrusted intermediate certificate \"$SUBJ=espvti test intermediate\""'
end_round

# 8-10: espiked refuses charon's certificate
es_conf p256 initiate "remote_id %any"
sw_conf rogue "" "$SUBJ=p256.example.org"
sw_creds "$P/rogue.key" "$P/root.crt" "$P/inter.crt"
refused 8 espiked "AUTHENTICATION_FAILED: peer dn:$SUBJ=rogue.example.org: certificate '$SUBJ=rogue.example.org': unknown CA" \
	"parsed INFORMATIONAL request 2 [ N(AUTH_FAILED) ]"

es_conf p256 listen "remote_id %any"
sw_conf expired "" "$SUBJ=p256.example.org"
sw_creds "$P/expired.key" "$P/root.crt" "$P/inter.crt"
refused 9 charon "AUTHENTICATION_FAILED: peer dn:$SUBJ=expired.example.org: certificate '$SUBJ=expired.example.org': expired" \
	"received AUTHENTICATION_FAILED notify error"

es_conf p256 initiate "remote_id %any"
sw_conf wrongsan wrongsan.example.org "$SUBJ=p256.example.org"
sw_creds "$P/wrongsan.key" "$P/root.crt" "$P/inter.crt"
refused 10 espiked "AUTHENTICATION_FAILED: peer fqdn:wrongsan.example.org: certificate '$SUBJ=wrongsan.example.org': identity not in the certificate" \
	"parsed INFORMATIONAL request 2 [ N(AUTH_FAILED) ]"

# 11-13: charon refuses espiked's certificate
es_conf rogue listen "remote_id %any"
sw_conf p256 "" "$SUBJ=rogue.example.org"
sw_creds "$P/p256.key" "$P/root.crt" "$P/inter.crt"
refused 11 charon "AUTHENTICATION_FAILED: the initiator refused our authentication as dn:$SUBJ=rogue.example.org" \
	"no issuer certificate found for \"$SUBJ=rogue.example.org\""

es_conf expired initiate "remote_id %any"
sw_conf p256 "" "$SUBJ=expired.example.org"
sw_creds "$P/p256.key" "$P/root.crt" "$P/inter.crt"
refused 12 espiked "AUTHENTICATION_FAILED: the responder refused our authentication as dn:$SUBJ=expired.example.org" \
	"subject certificate invalid (valid from"

es_conf wrongsan listen "local_id fqdn:wrongsan.example.org" "remote_id %any"
sw_conf p256 "" wrongsan.example.org
sw_creds "$P/p256.key" "$P/root.crt" "$P/inter.crt"
refused 13 charon "AUTHENTICATION_FAILED: the initiator refused our authentication as fqdn:wrongsan.example.org" \
	"no trusted ECDSA public key found for 'wrongsan.example.org'"

# 14-15: mixed, one end with the pre-shared key, the other its certificate
K=mixed-secret-0123456789
es_conf - initiate "remote_auth pubkey" "psk $K" "remote_id fqdn:p256.example.org"
SW_RAUTH=psk SW_PSK=$K sw_conf p256 p256.example.org 192.0.2.1
sw_creds "$P/p256.key" "$P/root.crt" "$P/inter.crt"
up 14 espiked "peer authenticated as fqdn:p256.example.org with certificate '$SUBJ=p256.example.org'" \
	"authentication of '192.0.2.1' with pre-shared key successful"
end_round

ES_CA=none es_conf p256 listen "remote_auth psk" "psk $K" "local_id fqdn:p256.example.org"
SW_LAUTH=psk SW_PSK=$K sw_conf "" "" p256.example.org
sw_creds "$P/p384.key" "$P/root.crt" "$P/inter.crt"
up 15 charon "peer authenticated as 192.0.2.2 with the pre-shared key" \
	"authentication of 'p256.example.org' with ECDSA_WITH_SHA256_DER successful"
end_round
ktap_finish
