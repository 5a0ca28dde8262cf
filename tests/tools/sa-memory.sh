#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# sa-memory.sh [N_DEVICES]: measures what one espvti SA costs in kernel
# memory, in a VM (run as root, espvti loaded):
#
#   scripts/vmtest -- bash -c '. tests/lib.sh; espvti_load; tests/tools/sa-memory.sh'
#
# Adds 4 inbound SAs with replay window 64, then 4 with the largest window
# (65536), then one outbound SA to each of N_DEVICES devices (default 12), from
# a shell in a memory cgroup of its own, and prints per SA: what the cgroup
# was charged (kernel memory in memory.stat: what the GFP_KERNEL_ACCOUNT
# allocations cost)
# and what the kernel's slab, per-CPU and page-table-free memory grew by in
# total (/proc/meminfo: that includes the AEAD transform, which the crypto
# API allocates without accounting). Documentation/espvti.md quotes the
# results.
set -u

NDEV=${1:-12}
ESPCTL=${ESPCTL:-$(cd "$(dirname "$0")/../.." && pwd)/userland/espctl}
ALG='rfc4106(gcm(aes))'
KEY=0x0102030405060708090a0b0c0d0e0f1011121314
CG=/sys/fs/cgroup

mountpoint -q $CG || mount -t cgroup2 none $CG || exit 1
grep -qw memory $CG/cgroup.controllers || { echo "no memory controller"; exit 1; }
echo +memory >$CG/cgroup.subtree_control
mkdir -p $CG/sa-memory
echo $$ >$CG/sa-memory/cgroup.procs

meminfo() { awk -v k="$1:" '$1 == k { print $2 * 1024 }' /proc/meminfo; }
kmem() { echo $(( $(meminfo Slab) + $(meminfo Percpu) )); }
# charged: the cgroup's kernel memory (memory.stat "kernel": slab, per-CPU,
# large kmallocs; the espctl processes' stacks and page tables are freed when
# they exit), or slab + percpu where there is no "kernel" line.
charged() {
	awk '$1 == "kernel" { k = $2 } $1 == "slab" || $1 == "percpu" { s += $2 }
		END { print (k != "" ? k : s) }' $CG/sa-memory/memory.stat
}
settle() { sync; echo 3 >/proc/sys/vm/drop_caches; sleep 1; }

for ((d = 0; d < NDEV; d++)); do
	ip link add "m$d" type espvti || exit 1
done
# Warm up: espctl's own pages, the crypto modules and the first transform.
"$ESPCTL" sa add m0 dir in spi 0x100 aead "$ALG" $KEY 128 &&
	"$ESPCTL" sa del m0 dir in spi 0x100 || exit 1
sleep 2	# SAs are freed after an RCU grace period, from a work item

# measure LABEL N CMD...: runs CMD (which adds N SAs), prints per-SA deltas.
measure() {
	local label=$1 n=$2 c0 k0 c1 k1
	shift 2
	settle
	c0=$(charged) k0=$(kmem)
	"$@" || { echo "$label: failed"; exit 1; }
	settle
	c1=$(charged) k1=$(kmem)
	printf '%-38s charged %6d B/SA   slab+percpu %6d B/SA   (%d SAs, %d CPUs)\n' \
		"$label" $(((c1 - c0) / n)) $(((k1 - k0) / n)) "$n" "$(nproc)"
}

add_in() { # FIRST_SPI WINDOW
	local d i
	for ((d = 0; d < NDEV; d++)); do
		for ((i = 0; i < 4; i++)); do
			"$ESPCTL" sa add "m$d" dir in spi $(($1 + d * 16 + i)) aead "$ALG" $KEY 128 \
				replay-window "$2" || return 1
		done
	done
}
add_out() {
	local d
	for ((d = 0; d < NDEV; d++)); do
		"$ESPCTL" sa add "m$d" dir out spi $((0x9000 + d)) aead "$ALG" $KEY 128 || return 1
	done
}

measure "inbound, replay window 64" $((NDEV * 4)) add_in 0x1000 64
measure "inbound, replay window 65536" $((NDEV * 4)) add_in 0x5000 65536
measure "outbound" "$NDEV" add_out

for ((d = 0; d < NDEV; d++)); do
	ip link del "m$d"
done
echo $$ >$CG/cgroup.procs
rmdir $CG/sa-memory
