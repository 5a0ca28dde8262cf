#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# many: $ESPVTI_TEST_MANY (default 1000) espvti devices with an SA pair each
# in one namespace, their peers in another: created, each carrying a ping,
# and deleted. Prints the time taken to create and to delete them and the
# kernel memory per device (slab and per-CPU memory, /proc/meminfo; the 1 KiB
# slab that holds the SAs, /proc/slabinfo); times are printed, never
# asserted. Checked: every tunnel answers its own ping, every device's SAs
# count it, nothing is left once the devices are deleted (the 1 KiB slab
# and the kernel's slab and per-CPU memory come back) and the module unloads.
#
# Device eI (I = 0..N-1) has SPI 0x100000+I from a to b and 0x200000+I back,
# its own keys and the inner addresses 10.1.H.L (a) and 10.2.H.L (b), with
# H.L = I/250 . I%250+1, as a point-to-point pair (peer route). All devices
# of a side share the outer addresses: inbound packets find their SA by SPI.
# Configuration is batched: `ip -batch` for links and addresses, one netlink
# socket per namespace for endpoints and SAs (tests/tools/genl-raw.py batch:
# espctl has no batch mode, and 6N espctl processes take minutes under TCG),
# one process for the N pings (tests/tools/pingmany.py).
#
#   netns $a                                   netns $b
#   +----------------------------------+       +----------------------------------+
#   | e0   10.1.0.1 peer 10.2.0.1      |  ESP  | e0   10.2.0.1 peer 10.1.0.1      |
#   | e1   10.1.0.2 peer 10.2.0.2      |<----->| e1   10.2.0.2 peer 10.1.0.2      |
#   | ...  (N espvti, 2 SAs each)      |       | ...  (N espvti, 2 SAs each)      |
#   | e999 10.1.3.250 peer 10.2.3.250  |       | e999 10.2.3.250 peer 10.1.3.250  |
#   | va 192.0.2.1/24                  +=======+ vb 192.0.2.2/24                  |
#   +----------------------------------+ veth  +----------------------------------+
#
# vmtest-timeout: 420
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

N=${ESPVTI_TEST_MANY:-1000}
GROUP=77		# link group of the N devices (deleted at once)
GENL=$REPO/tests/tools/genl-raw.py
PINGMANY=$REPO/tests/tools/pingmany.py
KEYBASE=$(esp_hex 16)	# SA key: KEYBASE then the SPI (20 bytes)
SPI_AB=$((0x100000))
SPI_BA=$((0x200000))

test_cleanup() {
	esp_cleanup
}

if ! [ "$N" -ge 1 ] 2>/dev/null || [ "$N" -gt 64000 ]; then
	ktap_skip_all "ESPVTI_TEST_MANY=$N: 1..64000 devices"
fi

# inner SIDE I: the inner address of device eI on side 1 (a) or 2 (b).
inner() {
	echo "10.$1.$(($2 / 250)).$(($2 % 250 + 1))"
}

now() {
	echo "${EPOCHREALTIME/[.,]/}"	# microseconds
}

# secs T0 T1: T1 - T0 (microseconds) in seconds, 1 decimal.
secs() {
	local d=$((($2 - $1) / 100000))
	echo "$((d / 10)).$((d % 10))"
}

# per100 X: X / 100 with two decimals.
per100() {
	printf '%d.%02d' $(($1 / 100)) $(($1 % 100))
}

meminfo_kb() {
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}

# kmem_kb: the kernel's slab and per-CPU memory.
kmem_kb() {
	echo $(($(meminfo_kb Slab) + $(meminfo_kb Percpu)))
}

# settle: drops the page and dentry caches, so that memory readings compare.
settle() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# links SIDE NS: creates e0..eN-1 in NS, in link group GROUP.
links() {
	local i
	for ((i = 0; i < N; i++)); do
		echo "link add e$i group $GROUP type espvti"
	done | ip -n "$2" -batch -
}

# config SIDE NS: the endpoints and the SA pair of every device, over one
# netlink socket.
config() {
	local side=$1 i me peer out in
	if [ "$side" = 1 ]; then me=${ESP_O4[0]} peer=${ESP_O4[1]}
	else me=${ESP_O4[1]} peer=${ESP_O4[0]}; fi
	for ((i = 0; i < N; i++)); do
		if [ "$side" = 1 ]; then out=$((SPI_AB + i)) in=$((SPI_BA + i))
		else out=$((SPI_BA + i)) in=$((SPI_AB + i)); fi
		printf 'DEV_SET A_IFNAME:str=e%d A_LOCAL_IPV4:ip4=%s A_REMOTE_IPV4:ip4=%s\n' \
			"$i" "$me" "$peer"
		printf 'SA_NEW A_IFNAME:str=e%d A_SA{ SA_A_DIR:u8=2 SA_A_SPI:u32=%d SA_A_ALG:str=%s SA_A_KEY:hex=%s%08x SA_A_ICV_BITS:u32=128 }\n' \
			"$i" "$out" "$ESP_ALG" "$KEYBASE" "$out"
		printf 'SA_NEW A_IFNAME:str=e%d A_SA{ SA_A_DIR:u8=1 SA_A_SPI:u32=%d SA_A_ALG:str=%s SA_A_KEY:hex=%s%08x SA_A_ICV_BITS:u32=128 }\n' \
			"$i" "$in" "$ESP_ALG" "$KEYBASE" "$in"
	done >"$ESP_TMP/config.$side"
	ns_exec "$2" python3 "$GENL" batch <"$ESP_TMP/config.$side"
}

# addrs SIDE NS: the inner addresses; the devices go up.
addrs() {
	local side=$1 i hl other=$((3 - $1))
	for ((i = 0; i < N; i++)); do
		hl=$((i / 250)).$((i % 250 + 1))	# no $(inner): a fork each
		echo "addr add 10.$side.$hl peer 10.$other.$hl dev e$i"
		echo "link set e$i up"
	done | ip -n "$2" -batch -
}

# both FUNC: FUNC 1 $a and FUNC 2 $b, at the same time (two CPUs, when the
# guest has them); fails when either fails.
both() {
	local p
	"$1" 1 "$a" &
	p=$!
	"$1" 2 "$b" || { wait $p; return 1; }
	wait $p
}

# create: both sides; leaves the time of each phase in $ESP_TMP/phases.
create() {
	local t0 t1 t2 t3
	t0=$(now)
	both links || return 1
	t1=$(now)
	both config || return 1
	t2=$(now)
	both addrs || return 1
	t3=$(now)
	echo "links $(secs "$t0" "$t1") s, endpoints and SAs $(secs "$t1" "$t2") s," \
		"addresses $(secs "$t2" "$t3") s" >"$ESP_TMP/phases"
}

# listed NS: espctl show lists N devices with an outbound and an inbound SA.
listed() {
	local n
	n=$(esp_show_json "$1" | jq "$ESP_JQ_DEFS"'
		[devices | select(.out_spi != null and .sa_count_in == 1)] | length') || return 1
	[ "$n" = "$N" ] || { echo "$n of $N devices have their two SAs"; return 1; }
}

# pings: one echo exchange from a through each device.
pings() {
	local i
	for ((i = 0; i < N; i++)); do
		inner 2 $i
	done | ns_exec "$a" python3 "$PINGMANY" --timeout 60 --retry 5 -
}

# counted NS: every device's inbound SA in NS decrypted a packet and its
# outbound SA encrypted one.
counted() {
	local n
	n=$(esp_show_json "$1" | jq "$ESP_JQ_DEFS"'
		[devices | select(([.sas[]? | select(.dir == "in") | .stats.rx_packets] | add // 0) >= 1
			and ([.sas[]? | select(.dir == "out") | .stats.tx_packets] | add // 0) >= 1)]
		| length') || return 1
	[ "$n" = "$N" ] || { echo "$n of $N devices in $1 counted the ping both ways"; return 1; }
}

# none_left NS: espctl lists no device in NS, ip no espvti link.
none_left() {
	local n
	n=$(esp_show_json "$1" | jq "$ESP_JQ_DEFS"'[devices] | length') || return 1
	[ "$n" = 0 ] || { echo "espctl still lists $n devices in $1"; return 1; }
	n=$(ip -n "$1" -o link show type espvti | wc -l)
	[ "$n" = 0 ] || { echo "$n espvti links left in $1"; return 1; }
}

# slab_back: the 1 KiB slab holds at most N/10 + 32 more objects than before
# the devices were made (their 2N SAs alone would leave 2N).
slab_back() {
	local s
	settle
	s=$(slab1k)
	[ "$s" -le $((SLAB0 + N / 10 + 32)) ] ||
		{ echo "1 KiB slab: $s objects in use, $SLAB0 before"; return 1; }
}

# kmem_back: slab + per-CPU memory came back to within a quarter of what
# the devices took.
kmem_back() {
	local k
	settle
	k=$(kmem_kb)
	[ $((k - KMEM0)) -le $(((KMEM1 - KMEM0) / 4)) ] ||
		{ echo "slab + per-CPU $k kB, $KMEM0 kB before, $KMEM1 kB with the devices"; return 1; }
}

esp_require_tools jq python3
ktap_plan 11
espvti_load
esp_topo
esp_keying gcm128 0

# Warm up (crypto modules, the first transforms, python), then measure.
check "warm-up: one device with an SA, deleted" bash -c "
	ip -n $a link add w0 type espvti &&
	echo 'SA_NEW A_IFNAME:str=w0 A_SA{ SA_A_DIR:u8=1 SA_A_SPI:u32=0x300 SA_A_ALG:str=$ESP_ALG SA_A_KEY:hex=$(esp_hex 20) SA_A_ICV_BITS:u32=128 }' |
		ip netns exec $a python3 $GENL batch &&
	ip -n $a link del w0"
settle
KMEM0=$(kmem_kb) SLAB0=$(slab1k) AVAIL0=$(meminfo_kb MemAvailable)
t0=$(now)
check "$N devices in each namespace, with endpoints, an SA pair and inner addresses" create ||
	ktap_bail "the devices could not be made"
t1=$(now)
settle
KMEM1=$(kmem_kb) SLAB1=$(slab1k) AVAIL1=$(meminfo_kb MemAvailable)
ktap_diag "created $((2 * N)) devices, $((4 * N)) SAs in $(secs "$t0" "$t1") s" \
	"($(((t1 - t0) / (2 * N))) us per device with its SA pair): $(cat "$ESP_TMP/phases")"
ktap_diag "memory per device with its SA pair: slab+percpu $(((KMEM1 - KMEM0) * 1024 / (2 * N))) B," \
	"MemAvailable $(((AVAIL0 - AVAIL1) * 1024 / (2 * N))) B," \
	"1 KiB slab objects $(per100 $(((SLAB1 - SLAB0) * 100 / (2 * N))))" \
	"($(nproc) CPUs, $(uname -r))"
check "espctl show lists $N devices with their SA pair in $a" listed "$a"
check "espctl show lists $N devices with their SA pair in $b" listed "$b"
t2=$(now)
check "a ping through each of the $N tunnels" pings
ktap_diag "$N pings in $(secs "$t2" "$(now)") s"
check "every device of $a and of $b counted it in both SAs" \
	eval 'counted "$a" && counted "$b"'
t3=$(now)
check "ip link del group $GROUP in $a and in $b" \
	eval 'ip -n "$a" link del group $GROUP && ip -n "$b" link del group $GROUP'
t4=$(now)
ktap_diag "deleted $((2 * N)) devices in $(secs "$t3" "$t4") s"
check "no espvti device left in $a or $b (ip link, espctl show)" \
	eval 'none_left "$a" && none_left "$b"'
check "no SA left: the 1 KiB slab is back (within $((N / 10 + 32)) objects)" \
	eval 'wait_for 60 slab_back || slab_back'
check "slab + per-CPU memory back within a quarter of what the devices took" \
	eval 'wait_for 60 kmem_back || kmem_back'
ktap_diag "slab+percpu: $KMEM0 kB before, $KMEM1 kB with the devices, $(kmem_kb) kB after;" \
	"1 KiB slab: $SLAB0, $SLAB1, $(slab1k) objects"
check "rmmod espvti" espvti_unload
ktap_finish
