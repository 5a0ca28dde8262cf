#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# nl-ranges: every numeric attribute of the espvti family has its range in
# the kernel's attribute policy (limits in include/uapi/linux/espvti.h). A
# value just outside is refused with ERANGE and the kernel's extended ACK
# "integer out of range" pointing at that attribute; the value at each end
# is accepted. Values espctl cannot send are sent raw by
# tests/tools/genl-raw.py. espctl's own parser has the same limits: it
# refuses the same values before asking, naming the range, and accepts the
# ends, which the kernel accepts too.
#
#   initial netns
#   +------------------------------+
#   | esp0 (espvti), no endpoints  |   no traffic: only requests and answers
#   +------------------------------+
#
# vmtest-timeout: 240
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

GENL=$REPO/tests/tools/genl-raw.py
ALG='rfc4106(gcm(aes))'
KEY=0x0102030405060708090a0b0c0d0e0f1011121314
KEY_HEX=0102030405060708090a0b0c0d0e0f1011121314

test_cleanup() {
	ip link del esp0 2>/dev/null
	return 0
}

# out_of_range ATTR CMD ATTR_SPEC...: genl-raw.py's CMD is refused with
# ERANGE, "integer out of range", pointing at ESPVTI_ATTR.
out_of_range() {
	local want=ESPVTI_$1 out rc
	shift
	out=$(python3 "$GENL" cmd "$@" 2>&1)
	rc=$?
	echo "$out"
	[ $rc = 1 ] || { echo "exit $rc, want 1 (refused)"; return 1; }
	grep -q '^error ERANGE' <<<"$out" || { echo "not ERANGE"; return 1; }
	grep -q 'integer out of range' <<<"$out" || { echo "not the policy's message"; return 1; }
	grep -q "bad attribute $want\$" <<<"$out" || { echo "does not point at $want"; return 1; }
}

# accepted CMD ATTR_SPEC...: genl-raw.py's CMD succeeds.
accepted() {
	local out rc
	out=$(python3 "$GENL" cmd "$@" 2>&1)
	rc=$?
	echo "$out"
	[ $rc = 0 ] || { echo "refused"; return 1; }
}

# sa SPEC...: prints the arguments of an SA_NEW for esp0 with a complete
# outbound SA, SPEC first: where SPEC repeats an attribute, its value is the
# one validated first (and refused), the later default the one parsed.
sa() {
	echo SA_NEW A_IFNAME:str=esp0 'A_SA{' "$@" SA_A_DIR:u8=2 SA_A_SPI:u32=0x1000 \
		"SA_A_ALG:str=$ALG" "SA_A_KEY:hex=$KEY_HEX" SA_A_ICV_BITS:u32=128 '}'
}

# DEV: a DEV_SET of esp0, attributes to follow.
DEV=(DEV_SET A_IFNAME:str=esp0)

# shellcheck disable=SC2046 # sa prints one argument per word
dir_out() { out_of_range SA_A_DIR $(sa SA_A_DIR:u8=0) && out_of_range SA_A_DIR $(sa SA_A_DIR:u8=3); }
# shellcheck disable=SC2046
spi_out() { out_of_range SA_A_SPI $(sa SA_A_SPI:u32=255); }
# shellcheck disable=SC2046
icv_out() {
	out_of_range SA_A_ICV_BITS $(sa SA_A_ICV_BITS:u32=56) &&
		out_of_range SA_A_ICV_BITS $(sa SA_A_ICV_BITS:u32=136)
}
# shellcheck disable=SC2046
window_out() { out_of_range SA_A_REPLAY_WINDOW $(sa SA_A_REPLAY_WINDOW:u32=65537); }
# shellcheck disable=SC2046
plen_out() {
	out_of_range TS_A_PLEN \
		$(sa 'SA_A_TS_REMOTE{' 'TS_A_PREFIX{' TS_A_IPV6:ip6=fd00:: TS_A_PLEN:u8=129 '}' '}')
}

dev_ends() {
	accepted "${DEV[@]}" A_TTL:u8=1 && accepted "${DEV[@]}" A_TTL:u8=255 &&
		accepted "${DEV[@]}" A_ENCAP:u8=1 A_ENCAP_SPORT:u16=1 A_ENCAP_DPORT:u16=65535 \
			A_ENCAP_KEEPALIVE:u32=3600 A_ENCAP_FLOAT:u8=0 &&
		accepted "${DEV[@]}" A_ENCAP_SPORT:u16=65535 A_ENCAP_DPORT:u16=1 \
			A_ENCAP_KEEPALIVE:u32=0 A_ENCAP_FLOAT:u8=1 &&
		accepted "${DEV[@]}" A_ENCAP:u8=0 A_UNDERLAY_IFINDEX:u32=0 &&
		accepted DEV_GET A_IFINDEX:u32="$(cat /sys/class/net/esp0/ifindex)"
}

sa_ends() {
	accepted SA_NEW A_IFNAME:str=esp0 'A_SA{' SA_A_DIR:u8=1 SA_A_SPI:u32=256 \
		"SA_A_ALG:str=$ALG" "SA_A_KEY:hex=$KEY_HEX" SA_A_ICV_BITS:u32=64 \
		SA_A_REPLAY_WINDOW:u32=65536 \
		'SA_A_TS_REMOTE{' 'TS_A_PREFIX{' TS_A_IPV6:ip6=fd00::1 TS_A_PLEN:u8=128 '}' \
		'TS_A_PREFIX{' TS_A_IPV6:ip6=:: TS_A_PLEN:u8=0 '}' '}' '}'
}

# ipv4_plen_33: the IPv4 prefix length, which depends on the address family,
# is the handler's check, with its own message.
# shellcheck disable=SC2046
ipv4_plen_33() {
	local out
	out=$(python3 "$GENL" cmd $(sa 'SA_A_TS_REMOTE{' 'TS_A_PREFIX{' TS_A_IPV4:ip4=10.0.0.0 \
		TS_A_PLEN:u8=33 '}' '}') 2>&1)
	echo "$out"
	grep -q 'IPv4 prefix longer than 32' <<<"$out"
}

# espctl_refuses WHAT ARG...: espctl (set or sa add) refuses the value
# itself, naming its range WHAT, without asking the kernel.
espctl_refuses() {
	local range=$1 out rc
	shift
	out=$("$ESPCTL" "$@" 2>&1)
	rc=$?
	echo "$out"
	[ $rc -ne 0 ] || { echo "espctl accepted it"; return 1; }
	grep -q -- "expected $range" <<<"$out" || { echo "espctl does not give the range $range"; return 1; }
	grep -q 'ESPVTI_\|integer out of range' <<<"$out" && { echo "the kernel was asked"; return 1; }
	return 0
}

ktap_plan 24

espvti_load
[ -x "$ESPCTL" ] || ktap_skip_all "$ESPCTL not built (run: make userland)"
ip link add esp0 type espvti || ktap_bail "cannot create esp0"

# The kernel's policy: one check per attribute, the value just outside.
check "A_IFINDEX 0: out of range" out_of_range A_IFINDEX DEV_GET A_IFINDEX:u32=0
check "A_IFINDEX 2^31: out of range" out_of_range A_IFINDEX DEV_GET A_IFINDEX:u32=0x80000000
check "A_UNDERLAY_IFINDEX 2^31: out of range" \
	out_of_range A_UNDERLAY_IFINDEX "${DEV[@]}" A_UNDERLAY_IFINDEX:u32=0x80000000
check "A_TTL 0: out of range" out_of_range A_TTL "${DEV[@]}" A_TTL:u8=0
check "A_ENCAP 2: out of range" out_of_range A_ENCAP "${DEV[@]}" A_ENCAP:u8=2
check "A_ENCAP_SPORT 0: out of range" out_of_range A_ENCAP_SPORT "${DEV[@]}" A_ENCAP_SPORT:u16=0
check "A_ENCAP_DPORT 0: out of range" out_of_range A_ENCAP_DPORT "${DEV[@]}" A_ENCAP_DPORT:u16=0
check "A_ENCAP_KEEPALIVE 3601: out of range" \
	out_of_range A_ENCAP_KEEPALIVE "${DEV[@]}" A_ENCAP_KEEPALIVE:u32=3601
check "A_ENCAP_FLOAT 2: out of range" out_of_range A_ENCAP_FLOAT "${DEV[@]}" A_ENCAP_FLOAT:u8=2
check "A_ENCAP_FD -1: out of range" out_of_range A_ENCAP_FD "${DEV[@]}" A_ENCAP_FD:s32=-1
check "SA_A_DIR 0 and 3: out of range" dir_out
check "SA_A_SPI 255: out of range" spi_out
check "SA_A_ICV_BITS 56 and 136: out of range" icv_out
check "SA_A_REPLAY_WINDOW 65537: out of range" window_out
check "TS_A_PLEN 129: out of range" plen_out

# The ends of each range are accepted.
check "DEV_SET/GET at the ends: ttl 1, 255; ports 1, 65535; keepalive 0, 3600; float, encap 0, 1; underlay 0" \
	dev_ends
check "SA_NEW at the ends: SPI 256, ICV 64, replay window 65536, IPv6 prefix /128 and /0" sa_ends
check "a limit that depends on another attribute keeps its own message (IPv4 /33)" ipv4_plen_33

# espctl's parser has the same limits.
ctl_ttl() { espctl_refuses 1..255 set esp0 ttl 0 && espctl_refuses 1..255 set esp0 ttl 256; }
ctl_ports() {
	espctl_refuses 1..65535 set esp0 encap udp sport 0 &&
		espctl_refuses 1..65535 set esp0 encap udp dport 65536
}
ctl_sa() {
	espctl_refuses 256..0xffffffff sa add esp0 dir in spi 255 aead "$ALG" "$KEY" 128 &&
		espctl_refuses 64..128 sa add esp0 dir in spi 0x2000 aead "$ALG" "$KEY" 136 &&
		espctl_refuses 0..65536 sa add esp0 dir in spi 0x2000 aead "$ALG" "$KEY" 128 \
			replay-window 65537
}
ctl_ends() {
	"$ESPCTL" set esp0 ttl 255 &&
		"$ESPCTL" set esp0 encap udp sport 65535 dport 1 keepalive 3600 &&
		"$ESPCTL" set esp0 encap udp sport 1 dport 65535 keepalive 0 &&
		"$ESPCTL" set esp0 encap none
}
check "espctl set: ttl 0 and 256 refused by espctl (1..255)" ctl_ttl
check "espctl set: sport/dport 0 and 65536 refused by espctl (1..65535)" ctl_ports
check "espctl set: keepalive 3601 refused by espctl (0..3600)" \
	espctl_refuses 0..3600 set esp0 encap udp keepalive 3601
check "espctl sa add: SPI 255, ICV 136, replay-window 65537 refused by espctl" ctl_sa
check "espctl at the ends: ttl 255, ports 1 and 65535, keepalive 3600 accepted" ctl_ends
check "espctl sa add at the ends: replay-window 65536, ICV 64 accepted" \
	"$ESPCTL" sa add esp0 dir in spi 0x3000 aead "$ALG" "$KEY" 64 replay-window 65536

ktap_finish
