#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# mkpki.sh OUTDIR: a small test PKI for espiked's certificate code, made
# with the openssl command line. OUTDIR is emptied first. File names are
# fixed, so that tests can name them:
#
#   root.crt root.key		root CA "C=CH, O=espvti test, CN=espvti test root"
#   inter.crt inter.key		intermediate CA, signed by root
#   chain.pem			inter.crt (the intermediates file of an end entity)
#   cadir/			root.crt under its OpenSSL hash name (c_rehash)
#   NAME.crt NAME.key		end entities signed by inter, for NAME in:
#   NAME-full.pem		NAME.crt then inter.crt, for every end entity
#				(rogue too): a cert file that sends the intermediate
#     rsa2048 rsa4096		RSA keys (used with RSASSA-PSS and PKCS#1 v1.5)
#     p256 p384 p521		ECDSA keys
#     ed25519			Ed25519 key
#   expired.crt/.key		P-256, valid 2020-01-01 to 2021-01-01
#   wrongsan.crt/.key		P-256, subjectAltName other.example.net only
#   revoked.crt/.key		P-256, listed in inter.crl
#   nodigsig.crt/.key		P-256, keyUsage keyEncipherment only
#   rogue.crt/.key		P-256 end entity of an unknown CA (rogue-ca.crt)
#   renewed.crt/.key		P-256, also DNS:p256.example.org (p256 renewed
#				with another subject, for reload tests)
#   inter.crl			CRL of inter revoking revoked.crt
#
# Every end entity NAME has the subject "C=CH, O=espvti test, CN=NAME.example.org"
# and subjectAltName DNS:NAME.example.org, IP:192.0.2.N, IP:2001:db8::N and
# email:NAME@example.org (wrongsan: DNS:other.example.net only); N is
# listed in sans below. Keys are mode 0600. Root and intermediate are P-256,
# so that only rsa4096 costs time.
set -eu
out=${1:?usage: mkpki.sh OUTDIR}
command -v openssl >/dev/null || { echo "mkpki.sh: openssl is not installed" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/db" "$out/cadir"
cd "$out"
umask 077
: >db/index.txt
echo 1000 >db/serial
echo 1000 >db/crlnumber

cat >ca.cnf <<'EOF'
[ca]
default_ca = inter
[inter]
dir = .
database = db/index.txt
serial = db/serial
crlnumber = db/crlnumber
new_certs_dir = db
certificate = inter.crt
private_key = inter.key
default_md = sha256
default_days = 3650
default_crl_days = 3650
policy = anything
unique_subject = no
copy_extensions = none
[anything]
countryName = optional
organizationName = optional
commonName = supplied
[ee]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectAltName = $ENV::SAN
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[nodigsig]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyEncipherment
subjectAltName = $ENV::SAN
[subca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

dn() { echo "/C=CH/O=espvti test/CN=$1"; }

# q CMD...: run CMD quietly, its messages shown only when it fails
q() {
	local log

	log=$("$@" 2>&1) && return 0
	echo "mkpki.sh: failed: $*" >&2
	echo "$log" >&2
	return 1
}

# key NAME TYPE: a private key in NAME.key
key() {
	case $2 in
	rsa*) q openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2#rsa}" -out "$1.key" ;;
	ed25519) q openssl genpkey -algorithm ED25519 -out "$1.key" ;;
	p*) q openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:P-${2#p}" \
		-pkeyopt ec_param_enc:named_curve -out "$1.key" ;;
	esac
	chmod 600 "$1.key"
}

# selfca NAME CN: a self-signed root CA
selfca() {
	key "$1" p256
	openssl req -new -x509 -key "$1.key" -subj "$(dn "$2")" -days 3650 -sha256 \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.crt"
}

# ee NAME TYPE N [EXT [SAN [START END]]]: an end entity signed by inter
ee() {
	local name=$1 type=$2 n=$3 ext=${4:-ee}
	local san=${5:-DNS:$name.example.org,IP:192.0.2.$n,IP:2001:db8::$n,email:$name@example.org}
	local dates=()

	[ $# -ge 7 ] && dates=(-startdate "$6" -enddate "$7")
	key "$name" "$type"
	openssl req -new -key "$name.key" -subj "$(dn "$name.example.org")" -out "$name.csr"
	SAN=$san q openssl ca -batch -notext -config ca.cnf -extensions "$ext" \
		"${dates[@]}" -in "$name.csr" -out "$name.crt"
	rm -f "$name.csr"
}

selfca root "espvti test root"
selfca rogue-ca "espvti rogue root"
key inter p256
openssl req -new -key inter.key -subj "$(dn "espvti test intermediate")" -out inter.csr
SAN=unused q openssl x509 -req -in inter.csr -CA root.crt -CAkey root.key -set_serial 2 \
	-days 3650 -sha256 -extfile ca.cnf -extensions subca -out inter.crt
rm -f inter.csr
cp inter.crt chain.pem
cp root.crt "cadir/$(openssl x509 -noout -hash -in root.crt).0"

ee rsa2048 rsa2048 1
ee rsa4096 rsa4096 2
ee p256 p256 3
ee p384 p384 4
ee p521 p521 5
ee ed25519 ed25519 6
ee expired p256 7 ee "" 20200101000000Z 20210101000000Z
ee wrongsan p256 8 ee DNS:other.example.net
ee revoked p256 9
ee nodigsig p256 10 nodigsig
ee renewed p256 12 ee DNS:renewed.example.org,DNS:p256.example.org,IP:192.0.2.12

# The rogue end entity: same names as the others, unknown issuer.
key rogue p256
openssl req -new -key rogue.key -subj "$(dn rogue.example.org)" -out rogue.csr
printf 'subjectAltName=DNS:rogue.example.org,IP:192.0.2.11\nkeyUsage=critical,digitalSignature\n' >rogue.ext
q openssl x509 -req -in rogue.csr -CA rogue-ca.crt -CAkey rogue-ca.key -set_serial 3 \
	-days 3650 -sha256 -extfile rogue.ext -out rogue.crt
rm -f rogue.csr rogue.ext

SAN=unused q openssl ca -batch -config ca.cnf -revoke revoked.crt
SAN=unused q openssl ca -batch -config ca.cnf -gencrl -out inter.crl
for f in rsa2048 rsa4096 p256 p384 p521 ed25519 expired wrongsan revoked nodigsig renewed rogue; do
	cat "$f.crt" chain.pem > "$f-full.pem"
done
chmod 644 ./*.crt ./*-full.pem chain.pem inter.crl cadir/*
