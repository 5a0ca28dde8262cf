#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# tests/debug/harness-selftest.sh KVER KDIR
#
# Shows that the debug kernel KVER (built by scripts/build-debug-kernel, its
# build tree KDIR) and scripts/vmtest catch every kind of bug that
# `make check-debug` relies on them to catch: one boot per kind loads
# tests/debug/vmtest_bugs.ko, which commits that bug, and the run must fail
# with vmtest's exit 123 and the detector's own words. One clean boot first
# shows that the kernel itself reports nothing. KTAP on stdout; exit 1 when
# a detector stayed silent. scripts/check-debug runs it before the suite.
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 KVER KDIR" >&2; exit 2; }
KVER=$1
KDIR=$2
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

cp "$REPO/tests/debug/vmtest_bugs.c" "$REPO/tests/debug/Kbuild" "$W/"
if ! make -s -C "$KDIR" M="$W" modules >"$W/build.log" 2>&1; then
	echo "Bail out! vmtest_bugs.ko does not build against $KDIR"
	sed 's/^/# /' "$W/build.log"
	exit 1
fi

# bug : what the verdict line must contain
CASES=(
	"none:PASS"
	"leak:kmemleak"
	"kasan:KASAN: slab-out-of-bounds"
	"uaf:KASAN: slab-use-after-free"
	"lockdep:possible circular locking"
	"rcu:suspicious RCU usage"
	"sleep:sleeping function called from invalid context"
	"ubsan:UBSAN: shift-out-of-bounds"
	"warn:WARNING:"
)
echo "TAP version 13"
echo "1..${#CASES[@]}"
n=0
failed=0
for c in "${CASES[@]}"; do
	bug=${c%%:*}
	want=${c#*:}
	n=$((n + 1))
	if [ "$bug" = none ]; then
		cmd=(true)
		want_rc=0
	else
		cmd=(insmod "$W/vmtest_bugs.ko" "bug=$bug")
		want_rc=123
	fi
	"$REPO/scripts/vmtest" -k "$KVER" -t 120 -o "$W/run-$bug" -- "${cmd[@]}" \
		>"$W/$bug.log" 2>&1
	rc=$?
	verdict=$(grep -a '^vmtest: \(PASS\|FAIL\|SKIP\)' "$W/$bug.log" | tail -n 1)
	if [ "$rc" = "$want_rc" ] && grep -aqF -- "$want" "$W/$bug.log"; then
		echo "ok $n - $bug: caught (${verdict:0:150})"
	else
		failed=$((failed + 1))
		echo "not ok $n - $bug: vmtest exited $rc (want $want_rc and \"$want\")"
		tail -n 15 "$W/$bug.log" | sed 's/^/# /'
	fi
done
echo "# $((n - failed)) of $n detector checks held"
[ "$failed" = 0 ]
