#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# espctl-show: `espctl show` lists the espvti devices of its own network
# namespace, and only those, as text and as JSON, and refuses an unprivileged
# caller with a clear error.
#
#   netns $a                 netns $b            netns $c
#   +---------+ +---------+  +---------+         (no espvti device)
#   | esp0    | | esp1    |  | esp9    |
#   +---------+ +---------+  +---------+
#   espctl runs in $a (and in $c for the empty list).
#
# vmtest-timeout: 180
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b, $c
. "$(dirname "$0")/lib.sh"

test_cleanup() {
	[ -n "${tmpdir:-}" ] && rm -rf "$tmpdir"
	return 0
}

# show_lists NS WANT... -- UNWANTED...: `espctl show` in NS exits 0, names
# every WANT device and none of the UNWANTED ones.
show_lists() {
	local ns=$1 out rc d
	shift
	out=$(ns_exec "$ns" "$ESPCTL" show 2>&1)
	rc=$?
	echo "$out"
	[ $rc -eq 0 ] || { echo "espctl show exited $rc"; return 1; }
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		grep -qw -- "$1" <<<"$out" || { echo "$1 missing from the output"; return 1; }
		shift
	done
	[ "${1:-}" = -- ] && shift
	for d in "$@"; do
		grep -qw -- "$d" <<<"$out" && { echo "$d (another namespace) listed"; return 1; }
	done
	return 0
}

# json_names NS NAME...: `espctl show --json` in NS exits 0 and prints a JSON
# list of objects with an "ifname" key, whose names are exactly NAME...
json_names() {
	local ns=$1 out rc
	shift
	out=$(ns_exec "$ns" "$ESPCTL" show --json 2>/dev/null)
	rc=$?
	[ $rc -eq 0 ] || { echo "espctl show --json exited $rc"; echo "$out"; return 1; }
	python3 -c '
import json, sys
want = sorted(sys.argv[1:])
try:
    doc = json.loads(sys.stdin.read())
except ValueError as e:
    sys.exit("not JSON: %s" % e)
if not isinstance(doc, list):
    sys.exit("not a list but %s" % type(doc).__name__)
for d in doc:
    if not isinstance(d, dict) or "ifname" not in d:
        sys.exit("an element is not an object with \"ifname\": %r" % (d,))
got = sorted(d["ifname"] for d in doc)
if got != want:
    sys.exit("ifnames %s, want %s" % (got, want))
' "$@" <<<"$out" || { echo "output was:"; echo "$out"; return 1; }
}

# show_one NS DEV OTHER: `espctl show DEV` names DEV and not OTHER.
show_one() {
	local out rc
	out=$(ns_exec "$1" "$ESPCTL" show "$2" 2>&1)
	rc=$?
	echo "$out"
	[ $rc -eq 0 ] || { echo "exited $rc"; return 1; }
	grep -qw -- "$2" <<<"$out" || { echo "$2 missing"; return 1; }
	! grep -qw -- "$3" <<<"$out" || { echo "$3 listed too"; return 1; }
}

# show_missing NS DEV: `espctl show DEV` for a device that does not exist
# fails with a message naming it.
show_missing() {
	local out rc
	out=$(ns_exec "$1" "$ESPCTL" show "$2" 2>&1)
	rc=$?
	echo "$out"
	[ $rc -ne 0 ] || { echo "exited 0"; return 1; }
	[ $rc -lt 126 ] || { echo "exited $rc (crash or exec failure)"; return 1; }
	grep -q -- "$2" <<<"$out" || { echo "the message does not name $2"; return 1; }
}

# unprivileged NS: `espctl show` as nobody without capabilities fails with a
# permission error (not a crash, not silence).
unprivileged() {
	local out rc
	out=$(ns_exec "$1" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all "$tmpdir/espctl" show 2>&1)
	rc=$?
	echo "$out"
	echo "(exit $rc)"
	[ $rc -ne 0 ] || { echo "succeeded as nobody"; return 1; }
	[ $rc -lt 126 ] || { echo "exit $rc: a crash or an exec failure, not an error message"; return 1; }
	grep -q '^setpriv:' <<<"$out" && { echo "setpriv itself failed"; return 1; }
	grep -qiE 'ermission|not permitted' <<<"$out" || { echo "no permission error in the message"; return 1; }
}

ktap_plan 8

espvti_load
[ -x "$ESPCTL" ] || ktap_skip_all "$ESPCTL not built (run: make userland)"
ktap_ok "module loads, espctl present"

ns_add a b c
if ! ip -n "$a" link add esp0 type espvti || ! ip -n "$a" link add esp1 type espvti ||
	! ip -n "$b" link add esp9 type espvti; then
	ktap_bail "cannot create the espvti devices"
fi

check "espctl show lists esp0 and esp1, not netns b's esp9" show_lists "$a" esp0 esp1 -- esp9
check "espctl show in netns b lists only esp9" show_lists "$b" esp9 -- esp0 esp1
check "espctl show --json: list of objects with ifname esp0, esp1" json_names "$a" esp0 esp1
check "espctl show --json with no device: empty list" json_names "$c"
check "espctl show esp1 shows esp1 only" show_one "$a" esp1 esp0
check "espctl show nosuchdev fails naming the device" show_missing "$a" nosuchdev

# The repository may not be readable by nobody: run a copy.
tmpdir=$(mktemp -d)
chmod 755 "$tmpdir"
install -m 755 "$ESPCTL" "$tmpdir/espctl"
check "espctl show as nobody: permission error" unprivileged "$a"

ktap_finish
