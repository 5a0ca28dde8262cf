#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# sw-vectors-run.sh: records the IKEv2 test vectors of ike_interop_test.c.
# Two strongSwan charon instances (one per network namespace, PSK) bring up
# an IKE SA with a transport-mode CHILD_SA, rekey the CHILD_SA (with the PFS
# group of ESPP) and then the IKE SA, logging every message and derived key
# (ike=4 chd=4 enc=4 net=4) to $OUT/{a,b}/charon.log. Needs root and xfrm
# (run it in the VM harness: vmrun.sh -- bash sw-vectors-run.sh). Then:
# sw-vectors-extract.py $OUT... > ike_sw_vectors.h
#
#   192.0.2.1 [netns va$$: charon a, initiator] --veth-- [netns vb$$: charon b] 192.0.2.2
#
# The charon pid file is fixed: each instance gets a private /run, so OUT
# must not be under /run.
set -eu
S=$$
IKEP=${IKEP:-aes128gcm16-prfsha256-ecp256}
ESPP=${ESPP:-aes128gcm16-ecp256}
OUT=${OUT:-/tmp/ikevec/out1}
rm -rf $OUT; mkdir -p $OUT
A="ip netns exec va$S"; B="ip netns exec vb$S"
cleanup() { kill $pids 2>/dev/null || true; sleep 0.5; ip netns del va$S 2>/dev/null; ip netns del vb$S 2>/dev/null; true; }
pids=""
trap cleanup EXIT
ip netns add va$S; ip netns add vb$S
ip link add va netns va$S type veth peer name vb netns vb$S
$A ip link set lo up; $B ip link set lo up
$A ip addr add 192.0.2.1/24 dev va; $B ip addr add 192.0.2.2/24 dev vb
$A ip link set va up; $B ip link set vb up
mkconf() { # name me peer
  local d=$OUT/$1
  mkdir -p $d
  cat >$d/strongswan.conf <<EOC
charon {
  piddir = $d
  install_routes = no
  load = random nonce openssl kdf pem pkcs1 x509 pubkey kernel-netlink socket-default vici
  plugins { vici { socket = unix://$d/charon.vici } }
  filelog { log { path = $d/charon.log
                  default = 1
                  ike = 4
                  chd = 4
                  enc = 4
                  net = 4 } }
  syslog { daemon { default = -1 } }
}
swanctl { load = random openssl pem pkcs1 x509 pubkey }
EOC
  cat >$d/swanctl.conf <<EOC
connections {
  t {
    version = 2
    local_addrs = $2
    remote_addrs = $3
    proposals = $IKEP
    local { auth = psk
            id = $1@test }
    remote { auth = psk }
    children {
      c { local_ts = $2/32
          remote_ts = $3/32
          esp_proposals = $ESPP
          mode = transport } }
  }
}
secrets { ike-1 { id-1 = a@test
                  id-2 = b@test
                  secret = "espvti-test-psk" } }
EOC
}
mkconf a 192.0.2.1 192.0.2.2
mkconf b 192.0.2.2 192.0.2.1
for ns in a b; do STRONGSWAN_CONF=$OUT/$ns/strongswan.conf ip netns exec v$ns$S unshare -m sh -c 'mount -t tmpfs tmpfs /run && exec /usr/lib/ipsec/charon' >/dev/null 2>&1 & pids="$pids $!"; done
sw() { local ns=$1 op=$2; shift 2; STRONGSWAN_CONF=$OUT/$ns/strongswan.conf ip netns exec v$ns$S swanctl $op --uri unix://$OUT/$ns/charon.vici "$@"; }
for i in $(seq 50); do sw a --stats >/dev/null 2>&1 && sw b --stats >/dev/null 2>&1 && break; sleep 0.2; done
for ns in a b; do sw $ns --load-conns --file $OUT/$ns/swanctl.conf; sw $ns --load-creds --noprompt --file $OUT/$ns/swanctl.conf; done
sw a --initiate --child c > $OUT/initiate.log 2>&1
sw a --list-sas > $OUT/sas1.txt
sw a --rekey --child c > $OUT/rekey-child.log 2>&1 || true
sleep 1
sw a --rekey --ike t > $OUT/rekey-ike.log 2>&1 || true
sleep 1
sw a --list-sas > $OUT/sas2.txt
echo done
