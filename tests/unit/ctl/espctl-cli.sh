#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# espctl-cli.sh ESPCTL: host test of espctl's command line, no root and no
# module needed (where the espvti generic netlink family is absent, as on a
# build machine).
#
#   - --version, help, help CMD and CMD --help exit 0 and print the usage;
#   - unknown commands and options, missing and bad values exit 1 with a
#     message naming the bad value, and are reported before espctl opens
#     netlink (so never as "the espvti module is not loaded");
#   - valid commands get as far as netlink and exit 1 saying the module is
#     not loaded (skipped when the family exists: then they would act);
#   - no message ever contains key material.
#
# KTAP output (tests/lib-ktap.sh), plan last. Exit 0 when every test
# passed (a "# TODO" test, a known espctl bug, may fail without failing the
# run), 1 otherwise.
set -u
# shellcheck source=tests/lib-ktap.sh
. "$(dirname "$(readlink -f "$0")")/../../lib-ktap.sh"
E=$(readlink -f "${1:?usage: espctl-cli.sh PATH-TO-ESPCTL}")
[ -x "$E" ] || ktap_bail "$E is not an executable"
T=$(mktemp -d /tmp/espctl-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
TODO=""		# set for one test: a known bug, reported as "# TODO $TODO"
NOTLOADED='the espvti module is not loaded (generic netlink family "espvti" not found)'

# Key material used throughout: 20 bytes (AES-128 + salt), 28, 36 and 65.
K20=0x0102030405060708090a0b0c0d0e0f10c0ffee01
K28=0x1112131415161718191a1b1c1d1e1f2021222324252627286a1b2c3d
K36=0x3132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f50dec0de51
K65=0x$(printf 'ab%.0s' $(seq 65))
SECRET=c0ffee01			# the tail of $K20: must never be printed

# run ARG...: runs espctl (at most 10 s) and sets RC, OUT and ERR.
run() {
	timeout 10 "$E" "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# ok STATUS NAME: one KTAP result; STATUS 0 is a pass. A failure shows
# espctl's exit status and output; with $TODO set it is a known bug.
ok() {
	if [ "$1" = 0 ]; then
		ktap_ok "$2${TODO:+ # TODO $TODO}"
	else
		if [ -n "$TODO" ]; then ktap_todo "$2" "$TODO"; else ktap_fail "$2"; fi
		echo "#   exit status $RC"
		head -n 8 "$T/out" | sed 's/^/#   stdout: /'
		head -n 8 "$T/err" | sed 's/^/#   stderr: /'
	fi
	TODO=""
	return 0
}

skip() {	# skip NAME REASON
	ktap_skip "$1" "$2"
	TODO=""
}

has() { grep -qF -- "$2" <<<"$1"; }

# usage_ok NAME WANT ARG...: exit 0, WANT (fixed string) on stdout, nothing on
# stderr.
usage_ok() {
	local name=$1 want=$2 st=0
	shift 2
	run "$@"
	[ $RC -eq 0 ] && has "$OUT" "$want" && [ -z "$ERR" ] || st=1
	ok $st "$name"
}

# fails NAME WANT ARG...: exit 1 before any netlink access, WANT (a fixed
# string naming the bad value) on stderr, nothing on stdout.
fails() {
	local name=$1 want=$2 st=0
	shift 2
	run "$@"
	[ $RC -eq 1 ] && has "$ERR" "$want" && [ -z "$OUT" ] &&
		! has "$ERR" "module is not loaded" || st=1
	ok $st "$name"
}

# notloaded NAME ARG...: a valid command, which reaches netlink and exits 1
# because the family does not exist.
notloaded() {
	local name=$1 st=0
	shift
	if [ $FAMILY = present ]; then
		skip "$name" "the espvti family exists here"
		return
	fi
	run "$@"
	[ $RC -eq 1 ] && has "$ERR" "$NOTLOADED" && [ -z "$OUT" ] || st=1
	ok $st "$name"
}

# nokey NAME SECRET ARG...: whatever happens, neither SECRET nor the whole
# of any 0x-key argument appears on stdout or stderr (case-insensitively).
nokey() {
	local name=$1 secret=$2 a st=0
	shift 2
	run "$@"
	[ $RC -lt 126 ] || st=1
	grep -qiF -- "$secret" "$T/out" "$T/err" && st=1
	for a in "$@"; do
		case $a in
		0x????????*) grep -qiF -- "${a#0x}" "$T/out" "$T/err" && st=1 ;;
		esac
	done
	ok $st "$name"
}

run show
if has "$ERR" "$NOTLOADED"; then FAMILY=absent; else FAMILY=present; fi
echo "# espctl: $E; espvti family: $FAMILY"

# ---- version and help ------------------------------------------------------

for v in --version -V version; do
	run "$v"
	st=0
	[ $RC -eq 0 ] && [ -z "$ERR" ] &&
		grep -qE '^espctl [0-9][0-9a-z.+~-]* \(espvti generic netlink family version 1\)$' <<<"$OUT" ||
		st=1
	ok $st "espctl $v prints the version and the family version"
done

for h in help --help -h; do
	run "$h"
	st=0
	[ $RC -eq 0 ] && [ -z "$ERR" ] && has "$OUT" "Usage: espctl COMMAND" || st=1
	for c in "espctl show [DEV] [--json]" "espctl set DEV" "espctl sa add DEV" \
		"espctl sa del DEV" "espctl sa flush DEV" "espctl monitor [--json]" \
		"espctl ike [-s PATH] list [NAME] [--json]" \
		"espctl help [COMMAND]" "espctl --version"; do
		has "$OUT" "$c" || st=1
	done
	ok $st "espctl $h lists every command on stdout"
done

run
st=0
[ $RC -eq 1 ] && [ -z "$OUT" ] && has "$ERR" "Usage: espctl COMMAND" || st=1
ok $st "espctl without arguments prints the usage on stderr and exits 1"

for c in show set sa monitor ike; do
	usage_ok "espctl help $c" "Usage: espctl $c" help "$c"
	usage_ok "espctl --help $c" "Usage: espctl $c" --help "$c"
	usage_ok "espctl $c --help" "Usage: espctl $c" "$c" --help
	usage_ok "espctl $c -h" "Usage: espctl $c" "$c" -h
done
usage_ok "espctl sa help" "Usage: espctl sa add" sa help
usage_ok "espctl sa add --help" "Usage: espctl sa add" sa add --help
usage_ok "espctl sa add esp0 dir in -h" "Usage: espctl sa add" sa add esp0 dir in -h
usage_ok "espctl set esp0 ttl 5 --help" "Usage: espctl set" set esp0 ttl 5 --help
usage_ok "espctl show esp0 --help" "Usage: espctl show" show esp0 --help
usage_ok "espctl monitor --json -h" "Usage: espctl monitor" monitor --json -h
usage_ok "help sa names the algorithm aliases" "chacha20-poly1305" help sa
usage_ok "help sa names aes-gcm" "alias aes-gcm" help sa
usage_ok "help sa describes @FILE keys" "@FILE" help sa
usage_ok "help set describes keepalive" "keepalive SECONDS" help set
usage_ok "help show describes --json, -j" "--json, -j" help show
usage_ok "help monitor lists seq-near-exhaustion" "seq-near-exhaustion" help monitor
usage_ok "help ike names the default socket" "default /run/espiked.sock" help ike
usage_ok "espctl ike -s PATH up NAME --help" "Usage: espctl ike" ike -s /nonexistent up tun --help
fails "espctl help nosuch" "espctl: help: unknown command 'nosuch'" help nosuch

# ---- unknown commands and options --------------------------------------------

fails "unknown command" "unknown command 'frobnicate'" frobnicate
fails "unknown command that looks like an option" "unknown command '--bogus'" --bogus
fails "show: unknown option" "unknown option '--bogus'" show --bogus
fails "show: unknown short option" "unknown option '-x'" show -x
fails "show: two devices" "unexpected argument 'esp1'" show esp0 esp1
fails "show: device name with /" "invalid device 'a/b'" show a/b
fails "show: device name of 16 characters" "invalid device 'abcdefghijklmnop'" \
	show abcdefghijklmnop
fails "monitor: extra argument" "unexpected argument 'extra'" monitor extra
fails "monitor: unknown option" "unexpected argument '--bogus'" monitor --bogus

# ---- set -------------------------------------------------------------------

fails "set without device" "missing device" set
fails "set without option" "nothing to set for esp0" set esp0
fails "set: bad device name" "invalid device 'a:b'" set a:b ttl 5
fails "set: unknown option" "unknown option 'bogus'" set esp0 bogus 1
fails "set: option without value" "option 'ttl' needs a value" set esp0 ttl
fails "set: last option without value" "option 'remote' needs a value" \
	set esp0 local 192.0.2.1 remote
fails "set: ttl 0" "invalid ttl '0': expected 1..255" set esp0 ttl 0
fails "set: ttl 256" "invalid ttl '256': expected 1..255" set esp0 ttl 256
fails "set: ttl abc" "invalid ttl 'abc'" set esp0 ttl abc
fails "set: ttl -1" "invalid ttl '-1'" set esp0 ttl -1
fails "set: duplicate ttl" "option 'ttl' given twice" set esp0 ttl 5 ttl 6
fails "set: duplicate local" "option 'local' given twice" \
	set esp0 local 192.0.2.1 local 192.0.2.2
fails "set: duplicate encap" "option 'encap' given twice" set esp0 encap udp encap none
fails "set: bad local address" "invalid local address '192.0.2'" set esp0 local 192.0.2
fails "set: bad remote address" "invalid remote address 'peer.example'" \
	set esp0 remote peer.example
fails "set: remote with prefix length" "invalid remote address '192.0.2.1/32'" \
	set esp0 remote 192.0.2.1/32
fails "set: missing underlay" "invalid underlay device 'nosuchdev0'" set esp0 dev nosuchdev0
fails "set: bad underlay name" "invalid underlay device 'a/b'" set esp0 dev a/b
fails "set: encap tcp" "invalid encap 'tcp': expected udp or none" set esp0 encap tcp
fails "set: encap none sport 1" "'sport' applies to encap udp, not to encap none" \
	set esp0 encap none sport 1
fails "set: sport before encap off" "'sport' applies to encap udp, not to encap none" \
	set esp0 sport 1 encap off
fails "set: encap none dport" "'dport' applies to encap udp" set esp0 encap none dport 4500
fails "set: encap none keepalive" "'keepalive' applies to encap udp" \
	set esp0 encap none keepalive 5
fails "set: encap none float" "'float' applies to encap udp" set esp0 encap none float on
fails "set: encap none fd" "'fd' applies to encap udp" set esp0 encap none fd 3
fails "set: sport 0" "invalid sport '0': expected 1..65535" set esp0 encap udp sport 0
fails "set: dport 65536" "invalid dport '65536': expected 1..65535" set esp0 dport 65536
fails "set: keepalive 3601" "invalid keepalive '3601': expected 0..3600" \
	set esp0 keepalive 3601
fails "set: keepalive never" "invalid keepalive 'never'" set esp0 keepalive never
fails "set: float maybe" "invalid float 'maybe': expected on or off" set esp0 float maybe
fails "set: fd -1" "invalid fd '-1'" set esp0 encap udp fd -1
fails "set: fd 2^31" "invalid fd '2147483648'" set esp0 encap udp fd 2147483648
fails "set: a bad value after good ones" "invalid ttl '0'" \
	set esp0 local 192.0.2.1 remote 198.51.100.7 ttl 0

notloaded "set local and remote (IPv4)" set esp0 local 192.0.2.1 remote 198.51.100.7
notloaded "set local and remote (IPv6), ttl 255" \
	set esp0 local 2001:db8::1 remote 2001:db8::2 ttl 255
notloaded "set local any remote none" set esp0 local any remote none
notloaded "set local none remote any (either word unsets)" set esp0 local none remote any
notloaded "set dev lo" set esp0 dev lo
notloaded "set dev none" set esp0 dev none
notloaded "set ttl 0x40" set esp0 ttl 0x40
notloaded "set encap udp with every option" \
	set esp0 encap udp sport 4500 dport 4501 keepalive off float no
notloaded "set encap udp keepalive 0 float yes" set esp0 encap udp keepalive 0 float yes
notloaded "set encap udp float 1 keepalive 3600" set esp0 encap udp float 1 keepalive 3600
notloaded "set encap udp fd 0" set esp0 encap udp fd 0
notloaded "set sport without encap (changes the current setting)" set esp0 sport 4501
notloaded "set encap none" set esp0 encap none
notloaded "set encap off" set esp0 encap off

# ---- sa --------------------------------------------------------------------

fails "sa without subcommand" "missing add, del, flush or reserve" sa
fails "sa: unknown subcommand" "unknown sa command 'frob'" sa frob esp0
fails "sa add without device" "add: missing device" sa add
fails "sa flush without device" "flush: missing device" sa flush
fails "sa add: bad device" "invalid device 'a/b'" sa add a/b dir in spi 256
fails "sa add without dir" "missing 'dir in|out'" sa add esp0 spi 256 aead aes-gcm "$K20" 128
fails "sa add without spi" "missing 'spi SPI'" sa add esp0 dir in aead aes-gcm "$K20" 128
fails "sa add without aead" "missing 'aead ALGO KEY ICVBITS'" sa add esp0 dir in spi 256
fails "sa add: bad dir" "invalid dir 'sideways': expected in or out" \
	sa add esp0 dir sideways spi 256 aead aes-gcm "$K20" 128
fails "sa add: SPI 255 is reserved" "invalid SPI '255': expected 256..0xffffffff (0 to 255 are reserved by RFC 4303)" \
	sa add esp0 dir in spi 255 aead aes-gcm "$K20" 128
fails "sa add: SPI 0" "invalid SPI '0'" sa add esp0 dir in spi 0 aead aes-gcm "$K20" 128
fails "sa add: SPI above 32 bits" "invalid SPI '0x100000000': expected 256..0xffffffff" \
	sa add esp0 dir in spi 0x100000000 aead aes-gcm "$K20" 128
fails "sa add: SPI overflowing 64 bits" "invalid SPI '99999999999999999999999'" \
	sa add esp0 dir in spi 99999999999999999999999 aead aes-gcm "$K20" 128
fails "sa add: SPI abc" "invalid SPI 'abc'" sa add esp0 dir in spi abc aead aes-gcm "$K20" 128
fails "sa add: dir twice" "'dir' given twice" \
	sa add esp0 dir in dir out spi 256 aead aes-gcm "$K20" 128
fails "sa add: spi twice" "'spi' given twice" \
	sa add esp0 dir in spi 256 spi 257 aead aes-gcm "$K20" 128
fails "sa add: aead twice" "'aead' given twice" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 aead aes-gcm "$K20" 128
fails "sa add: ts-local twice" "'ts-local' given twice" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 ts-local 10.0.0.0/8 ts-local 10.1.0.0/16
fails "sa add: spi without value" "'spi' needs a value" sa add esp0 dir in spi
fails "sa add: aead without ICV" "aead needs ALGO KEY ICVBITS" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20"
fails "sa add: ICV 100" "invalid ICV length in bits '100': expected 64, 96 or 128" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 100
fails "sa add: ICV 32" "invalid ICV length in bits '32'" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 32
fails "sa add: ICV 256" "invalid ICV length in bits '256'" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 256
fails "sa add: unknown algorithm" "unknown algorithm 'des'" sa add esp0 dir in spi 256 aead des "$K20" 128
fails "sa add: algorithm names are case-sensitive" "unknown algorithm 'AES-GCM'" \
	sa add esp0 dir in spi 256 aead AES-GCM "$K20" 128
fails "sa add: key without 0x" "invalid key: expected 0x followed by hex digits" \
	sa add esp0 dir in spi 256 aead aes-gcm "${K20#0x}" 128
fails "sa add: key of odd length" "invalid key: odd number of hex digits (41)" \
	sa add esp0 dir in spi 256 aead aes-gcm "${K20}1" 128
fails "sa add: key with a non-hex digit" "invalid key: character 5 after 0x is not a hex digit" \
	sa add esp0 dir in spi 256 aead aes-gcm 0x0102g30405060708090a0b0c0d0e0f10c0ffee01 128
fails "sa add: key too long" "invalid key: too long (65 bytes, at most 64)" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K65" 128
fails "sa add: key 0x" "invalid key: no hex digits after 0x" \
	sa add esp0 dir in spi 256 aead aes-gcm 0x 128
fails "sa add: key file missing" "key file '$T/nokey': No such file or directory" \
	sa add esp0 dir in spi 256 aead aes-gcm "@$T/nokey" 128
printf '%s\n' "${K20}1" >"$T/oddkey"
fails "sa add: key file of odd length" \
	"key file '$T/oddkey': invalid key: odd number of hex digits (41)" \
	sa add esp0 dir in spi 256 aead aes-gcm "@$T/oddkey" 128
head -c 200 /dev/zero | tr '\0' 'a' >"$T/longkey"
fails "sa add: key file longer than any key" "key file '$T/longkey': longer than any key" \
	sa add esp0 dir in spi 256 aead aes-gcm "@$T/longkey" 128
fails "sa add: replay-window 65537" "invalid replay-window '65537': expected 0..65536" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 replay-window 65537
fails "sa add: seq x" "invalid seq 'x'" sa add esp0 dir out spi 256 aead aes-gcm "$K20" 128 seq x
fails "sa add: prefix with host bits" \
	"ts-local: invalid prefix '10.0.0.1/24': host bits set beyond /24 (the network is 10.0.0.0/24)" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 ts-local 10.0.0.1/24
fails "sa add: prefix /33" "ts-remote: invalid prefix '10.0.0.0/33': length 33 is longer than 32" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 ts-remote 10.0.0.0/33
fails "sa add: empty entry in a prefix list" "empty entry in the list" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 ts-remote 10.0.0.0/8,,10.1.0.0/16
many=$(for i in $(seq 0 16); do printf '10.%d.0.0/16,' "$i"; done)
fails "sa add: 17 prefixes" "more than 16 prefixes" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 ts-local "${many%,}"
fails "sa add: limit without soft or hard" "limit: say which: soft or hard" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 limit bytes 100
fails "sa add: limit at the end" "limit: say which: soft or hard" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 limit
fails "sa add: limit soft without amount" "limit soft: give bytes N and/or packets N" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 limit soft
fails "sa add: limit bytes 0" "invalid limit bytes '0': expected 1..2^64-1" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 limit soft bytes 0
fails "sa add: limit packets without number" "limit: 'packets' needs a number" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 limit hard packets
fails "sa add: limit bytes twice in one limit" "limit: 'bytes' given twice" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 limit soft bytes 1 bytes 2
fails "sa add: soft and hard in one limit" "limit: give soft or hard once per limit" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 limit soft hard bytes 1
fails "sa add: limit soft bytes twice" "limit soft bytes given twice" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 limit soft bytes 5 limit soft bytes 6
fails "sa add: unknown argument" "unknown argument 'bogus'" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 bogus 1
fails "sa add: unknown last argument" "unknown argument 'bogus'" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 bogus
fails "sa add: replay-window twice" "'replay-window' given twice" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 replay-window 5 replay-window 6
fails "sa add: seq twice" "'seq' given twice" \
	sa add esp0 dir out spi 256 aead aes-gcm "$K20" 128 seq 5 seq 6
fails "sa del without spi" "missing 'spi SPI'" sa del esp0 dir in
fails "sa del without dir" "missing 'dir in|out'" sa del esp0 spi 256
fails "sa del: aead refused" "unknown argument 'aead' (expected dir or spi)" \
	sa del esp0 dir in spi 256 aead aes-gcm "$K20" 128
fails "sa del: esn refused" "unknown argument 'esn' (expected dir or spi)" \
	sa del esp0 dir in spi 256 esn
fails "sa del: bad SPI" "invalid SPI '1'" sa del esp0 dir in spi 1
fails "sa flush: extra argument" "flush: unexpected argument 'extra'" sa flush esp0 extra

notloaded "sa add outbound rfc4106(gcm(aes)), 20-byte key" \
	sa add esp0 dir out spi 0x1001 aead 'rfc4106(gcm(aes))' "$K20" 128
notloaded "sa add inbound with every option" \
	sa add esp0 dir in spi 4097 aead aes-gcm "$K28" 96 esn replay-window 0 \
	ts-local 10.1.0.0/16 ts-remote 10.2.0.0/16,2001:db8::/32 seq 5 \
	limit soft bytes 1000 limit hard bytes 2000
notloaded "sa add: limit words in any order" \
	sa add esp0 dir out spi 256 aead aes-gcm "$K20" 64 limit bytes 1000 packets 5 hard \
	limit packets 3 soft
notloaded "sa add chacha20-poly1305, 36-byte key" \
	sa add esp0 dir in spi 0xffffffff aead chacha20-poly1305 "$K36" 128
notloaded "sa add rfc7539esp(chacha20,poly1305)" \
	sa add esp0 dir in spi 256 aead 'rfc7539esp(chacha20,poly1305)' "$K36" 128
notloaded "sa add: 16 prefixes" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 \
	ts-local "$(for i in $(seq 0 15); do printf '10.%d.0.0/16,' "$i"; done | sed 's/,$//')"
printf '%s\n' "$K20" >"$T/key"
notloaded "sa add with the key in @FILE (trailing newline)" \
	sa add esp0 dir in spi 256 aead aes-gcm "@$T/key" 128
notloaded "sa add: replay-window 65536" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 replay-window 65536
notloaded "sa del" sa del esp0 dir in spi 256
notloaded "sa del, hexadecimal SPI" sa del esp0 dir out spi 0x1001
notloaded "sa flush" sa flush esp0
notloaded "sa reserve" sa reserve esp0 spi 0x1001
notloaded "sa reserve with time" sa reserve esp0 spi 4097 time 2500
fails "sa reserve without spi" "missing 'spi SPI'" sa reserve esp0 time 1000
fails "sa reserve: time too short" "expected 100..120000" sa reserve esp0 spi 256 time 99
fails "sa reserve: time too long" "expected 100..120000" sa reserve esp0 spi 256 time 120001
fails "sa reserve: dir is implied" "unknown argument 'dir' (expected spi or time)" \
	sa reserve esp0 dir in spi 256
fails "sa reserve: time without value" "'time' needs a value" sa reserve esp0 spi 256 time
fails "sa reserve: spi twice" "'spi' given twice" sa reserve esp0 spi 256 spi 257

# ---- show and monitor ------------------------------------------------------

notloaded "show" show
notloaded "show DEV" show esp0
notloaded "show --json" show --json
notloaded "show -j DEV" show -j esp0
notloaded "monitor" monitor
notloaded "monitor --json" monitor --json
notloaded "monitor -j" monitor -j

# ---- ike ---------------------------------------------------------------------

fails "ike without subcommand" "ike: missing list, up, down or reload" ike
fails "ike: only a socket" "ike: missing list, up, down or reload" ike -s "$T/sock"
fails "ike: unknown subcommand" "unknown ike command 'frob' (expected list, up, down or reload)" ike frob
fails "ike: unknown option" "ike: unknown option '--bogus'" ike list --bogus
fails "ike: -s without a path" "option '-s' needs a path" ike list -s
fails "ike: --socket with an empty path" "option '--socket' needs a path" ike --socket "" list
fails "ike up without a name" "ike: up: missing connection name" ike up
fails "ike down without a name" "ike: down: missing connection name" ike -s "$T/sock" down
fails "ike up: bad name" "invalid connection name 'a/b'" ike up a/b
fails "ike reload with a name" "ike: reload takes no connection name, got 'tun'" ike reload tun
fails "ike reload --json" "ike: --json applies to list only" ike reload --json
fails "ike list: name of 32 characters" \
	"invalid connection name 'abcdefghijklmnopqrstuvwxyz012345'" \
	ike list abcdefghijklmnopqrstuvwxyz012345
fails "ike up: two names" "unexpected argument 'two'" ike up one two
fails "ike up --json" "--json applies to list only" ike up tun --json
fails "ike list: no daemon at the socket" "espctl: cannot reach espiked at $T/sock: " \
	ike -s "$T/sock" list
fails "ike up: no daemon (--socket=PATH)" "espctl: cannot reach espiked at $T/sock: " \
	ike --socket="$T/sock" up tun
fails "ike down: no daemon, -s after the command" "espctl: cannot reach espiked at $T/sock: " \
	ike down tun -s "$T/sock"

# ---- keys never appear in a message ----------------------------------------

nokey "no key in the message: bad ICV" "$SECRET" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 100
nokey "no key in the message: missing dir" "$SECRET" \
	sa add esp0 spi 256 aead aes-gcm "$K20" 128
nokey "no key in the message: bad SPI after the key" "$SECRET" \
	sa add esp0 dir in aead aes-gcm "$K20" 128 spi 1
nokey "no key in the message: odd key" "$SECRET" \
	sa add esp0 dir in spi 256 aead aes-gcm "${K20}1" 128
nokey "no key in the message: non-hex key" "$SECRET" \
	sa add esp0 dir in spi 256 aead aes-gcm "${K20}zz" 128
nokey "no key in the message: uppercase key" "${SECRET^^}" \
	sa add esp0 dir in spi 256 aead aes-gcm "${K20^^}" 100
nokey "no key in the message: key too long" "abababababababab" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K65" 128
nokey "no key in the message: unknown argument after the key" "$SECRET" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 bogus 1
nokey "no key in the message: valid command" "$SECRET" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128
nokey "no key in the message: key file of odd length" "$SECRET" \
	sa add esp0 dir in spi 256 aead aes-gcm "@$T/oddkey" 128
nokey "no key in the message: bad limit after the key" "$SECRET" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K36" 128 limit soft bytes 0
nokey "no key in the message: ALGO forgotten" "$SECRET" \
	sa add esp0 dir in spi 256 aead "$K20" 128 esn
nokey "no key in the message: stray key at the end" "dec0de51" \
	sa add esp0 dir in spi 256 aead aes-gcm "$K20" 128 "$K36"

ktap_finish
