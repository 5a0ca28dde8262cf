#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# sa-scale: $ESPVTI_TEST_SA_SCALE (default 10000) inbound SAs in one
# namespace, the namespace's SPI table (an rhashtable) filled and emptied.
# In $b, esp0 carries a real tunnel from $a (one inbound SA) and the devices
# x0, x1, ... (link group 77) hold the other N-1 inbound SAs, 8 each (the
# most a device takes), SPIs 0x80000000 + I (above every SPI esp_spi
# picks), one key each. Checked: espctl show lists all N inbound SAs; ping
# passes through esp0 and its inbound SA counts it; the same SPI is refused
# on another device, both ways, with the extended ACK naming ESPVTI_SA_A_SPI,
# also on a full device (EEXIST before ENOSPC), and a ninth SA on a device
# is ENOSPC; an SPI deleted from the middle of the table can be installed
# again elsewhere (it left the table); once esp0's inbound SA is deleted,
# the pings for its SPI are dropped and left to xfrm, which counts them as
# XfrmInNoStates in $b; deleting the devices frees every SA (the 1 KiB slab
# comes back) and the module unloads (the tables are destroyed empty: a
# WARN there fails the run). Times are printed, never asserted.
# (esp4 is loaded, as in churn.sh, so that the kernel's ESP counts what
# espvti leaves.) Configuration is batched as in tests/many.sh (ip -batch,
# tests/tools/genl-raw.py batch): under TCG the 9,999 SAs and 1,250 devices
# took 5.4 s to add and 0.6 s to delete, the whole test 26 s (6.12, 2 vCPUs,
# December 2026), so it runs the full 10,000 that the bench uses.
#
#   netns $a                                  netns $b
#   +-------------------------------+        +-------------------------------+
#   | esp0 10.99.0.1                |  ESP   | esp0 10.99.0.2 (1 SA in)      |
#   |                               |<------>| x0 .. x1249 (8 SAs in each,   |
#   |                               |        |   never used)                 |
#   | va 192.0.2.1/24               +========+ vb 192.0.2.2/24               |
#   +-------------------------------+  veth  +-------------------------------+
#
# vmtest-timeout: 300
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

N=${ESPVTI_TEST_SA_SCALE:-10000}
GROUP=77
GENL=$REPO/tests/tools/genl-raw.py
SPI_BASE=$((0x80000000))
KEYBASE=$(esp_hex 16)	# SA key: KEYBASE then the SPI (20 bytes)

test_cleanup() {
	esp_cleanup
}

if ! [ "$N" -ge 17 ] 2>/dev/null || [ "$N" -gt 200000 ]; then
	ktap_skip_all "ESPVTI_TEST_SA_SCALE=$N: 17..200000 SAs"
fi
NX=$((N - 1))			# extra SAs
NDEV=$(((NX + 7) / 8))		# their devices

now() {
	echo "${EPOCHREALTIME/[.,]/}"	# microseconds
}

# secs T0 T1: T1 - T0 (microseconds) in seconds, 1 decimal.
secs() {
	local d=$((($2 - $1) / 100000))
	echo "$((d / 10)).$((d % 10))"
}

# sa_line DEV SPI: the genl-raw.py request adding inbound SA SPI to DEV.
sa_line() {
	printf 'SA_NEW A_IFNAME:str=%s A_SA{ SA_A_DIR:u8=1 SA_A_SPI:u32=%d SA_A_ALG:str=%s SA_A_KEY:hex=%s%08x SA_A_ICV_BITS:u32=128 }\n' \
		"$1" "$2" "$ESP_ALG" "$KEYBASE" "$(($2 & 0xffffffff))"
}

# sa_add NS DEV SPI: adds one inbound SA; prints genl-raw.py's answer.
sa_add() {
	sa_line "$2" "$3" | ns_exec "$1" python3 "$GENL" batch 2>&1
}

# extra: the devices x0.. and their SAs in $b.
extra() {
	local i
	for ((i = 0; i < NDEV; i++)); do
		echo "link add x$i group $GROUP type espvti"
	done | ip -n "$b" -batch - || return 1
	for ((i = 0; i < NX; i++)); do
		sa_line "x$((i / 8))" $((SPI_BASE + i))
	done >"$ESP_TMP/sas"
	ns_exec "$b" python3 "$GENL" batch <"$ESP_TMP/sas"
}

# in_sas NS: the inbound SAs espctl show lists in NS (one dump).
in_sas() {
	esp_show_json "$1" | jq "$ESP_JQ_DEFS"'[devices | .sas[]? | select(.dir == "in")] | length'
}

# all_listed: espctl lists N inbound SAs in $b, N distinct SPIs, the right ones.
all_listed() {
	local out
	out=$(esp_show_json "$b" | jq -r --argjson base "$SPI_BASE" --argjson nx "$NX" "$ESP_JQ_DEFS"'
		[devices | .sas[]? | select(.dir == "in") | .spi | spinum] as $s
		| [$s | length, (unique | length),
		   ([$s[] | select(. >= $base and . < $base + $nx)] | length)] | @tsv') || return 1
	[ "$out" = "$N	$N	$NX" ] ||
		{ echo "listed, distinct, extra inbound SAs: $out (want $N $N $NX)"; return 1; }
}

# refused OUT ERRNO: genl-raw.py's answer OUT is the refusal ERRNO naming
# ESPVTI_SA_A_SPI (or ESPVTI_SA_A_DIR for ENOSPC) in message and attribute.
refused() {
	local attr=SA_A_SPI
	[ "$2" = ENOSPC ] && attr=SA_A_DIR
	grep -q "error $2 .*ESPVTI_$attr: .*; bad attribute ESPVTI_$attr\$" <<<"$1" ||
		{ echo "not refused with $2 naming $attr: $1"; return 1; }
}

# dup_refused NS DEV SPI: adding inbound SPI to DEV is EEXIST, "an inbound SA
# with this SPI exists in this namespace".
dup_refused() {
	local out
	out=$(sa_add "$1" "$2" "$3")
	refused "$out" EEXIST || return 1
	grep -q "an inbound SA with this SPI exists in this namespace" <<<"$out" ||
		{ echo "other message: $out"; return 1; }
}

# nostates: XfrmInNoStates of $b.
nostates() {
	ns_exec "$b" awk '$1 == "XfrmInNoStates" { print $2 }' /proc/net/xfrm_stat
}

# slab_back: the 1 KiB slab holds at most N/10 + 32 more objects than before
# the extra SAs were made (the SAs alone would leave N).
slab_back() {
	local s
	s=$(slab1k)
	[ "$s" -le $((SLAB0 + N / 10 + 32)) ] ||
		{ echo "1 KiB slab: $s objects in use, $SLAB0 before"; return 1; }
}

# ping_counted: a ping through esp0 passes and its inbound SA in $b
# counts it (RX0: its count before).
ping_counted() {
	local rx
	esp_ping "$a" "${ESP_I4[1]}" >/dev/null || return 1
	rx=$(esp_sa_stat "$b" esp0 in "$ESP_SPI_AB" rx_packets) || return 1
	[ "$rx" -ge $((RX0 + 3)) ] || { echo "rx_packets $RX0 -> $rx"; return 1; }
}

# readd_mid: the SA MID of the middle of the table deleted from its device,
# added to esp0, then refused on its old device.
readd_mid() {
	local dev=x$(((MID - SPI_BASE) / 8)) out
	ns_exec "$b" "$ESPCTL" sa del "$dev" dir in spi "$MID" || return 1
	out=$(sa_add "$b" esp0 "$MID")
	[ "$out" = "ok 1" ] || { echo "not added again: $out"; return 1; }
	dup_refused "$b" "$dev" "$MID"
}

# nostates_up: XfrmInNoStates of $b went up by 3 or more since NS0.
nostates_up() {
	local n
	n=$(nostates)
	[ "$n" -ge $((NS0 + 3)) ] || { echo "XfrmInNoStates $NS0 -> $n"; return 1; }
}

# only_esp0: $b has esp0 alone, with one inbound SA.
only_esp0() {
	local n
	n=$(ip -n "$b" -o link show type espvti | wc -l)
	[ "$n" = 1 ] || { echo "$n espvti devices in $b"; return 1; }
	n=$(in_sas "$b")
	[ "$n" = 1 ] || { echo "$n inbound SAs in $b"; return 1; }
}

# freed: every SA freed (the slab is back), both esp0 deleted, espvti unloads.
freed() {
	wait_for 60 slab_back || slab_back || return 1
	esp_side_down 0 && esp_side_down 1 && espvti_unload
}

esp_require_tools jq python3
ktap_plan 14
espvti_load
# The kernel's ESP (xfrm4_rcv behind espvti in the ESP handler chain) counts
# what espvti leaves: without it a packet without SA is dropped uncounted.
modprobe -q esp4 || ktap_skip_all "esp4 does not load (raw ESP without an SA would not be counted)"
esp_topo
esp_keying gcm128 0
check "esp0 pair with its SAs, ping through it" \
	eval 'esp_espvti_pair 4 && esp_ping "$a" "${ESP_I4[1]}"' ||
	ktap_bail "no tunnel"
SLAB0=$(slab1k)
t0=$(now)
check "$NX more inbound SAs in $b on $NDEV devices ($N in all)" extra ||
	ktap_bail "the SAs could not be added"
t1=$(now)
ktap_diag "added $NDEV devices and $NX inbound SAs in $(secs "$t0" "$t1") s" \
	"($(((t1 - t0) / NX)) us per SA with its device share; $(nproc) CPUs, $(uname -r))"
t2=$(now)
check "espctl show lists all $N inbound SAs of $b, each SPI once" all_listed
ktap_diag "espctl show --json of $((NDEV + 1)) devices in $(secs "$t2" "$(now)") s"

RX0=$(esp_sa_stat "$b" esp0 in "$ESP_SPI_AB" rx_packets)
check "ping through esp0 among $N SAs; its inbound SA counts it" ping_counted

check "esp0's inbound SPI refused on x1 (EEXIST, ESPVTI_SA_A_SPI)" \
	dup_refused "$b" x1 "$ESP_SPI_AB"
check "the last extra SPI refused on esp0 (EEXIST, ESPVTI_SA_A_SPI)" \
	dup_refused "$b" esp0 $((SPI_BASE + NX - 1))
check "a ninth inbound SA on the full x0 is ENOSPC (ESPVTI_SA_A_DIR)" \
	refused "$(sa_add "$b" x0 $((SPI_BASE + NX + 100)))" ENOSPC
check "a duplicate SPI on the full x0 is still EEXIST, not ENOSPC" \
	dup_refused "$b" x0 $((SPI_BASE + NX / 2))
MID=$((SPI_BASE + NX / 2))
check "an SPI deleted from the middle of the table can be added again on esp0" readd_mid

NS0=$(nostates)
check "esp0's inbound SA deleted in $b" \
	ns_exec "$b" "$ESPCTL" sa del esp0 dir in spi "$ESP_SPI_AB"
check_fails "no ping passes any more" ns_exec "$a" ping -c 3 -i 0.2 -W 1 "${ESP_I4[1]}"
check "the pings for the deleted SPI were left to xfrm: XfrmInNoStates in $b went up by 3 or more" \
	nostates_up

t3=$(now)
check "ip link del group $GROUP in $b: only esp0 left, with one inbound SA" \
	eval 'ip -n "$b" link del group $GROUP && only_esp0'
ktap_diag "deleted $NDEV devices in $(secs "$t3" "$(now)") s"
check "no SA left: the 1 KiB slab is back (within $((N / 10 + 32)) objects); rmmod espvti" freed
ktap_finish
