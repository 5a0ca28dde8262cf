#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# fuzz-ike: the IKEv2 message parser under libFuzzer (ASan/UBSan) for a short,
# bounded time on the committed corpus (userland/iked/fuzz/corpus), as CI
# runs it; `make fuzz` runs it longer (FUZZ_SECONDS, default 60). A crash,
# leak or sanitizer report fails the test and leaves the reproducer in
# userland/iked/build/ (crash-*, leak-*). FUZZ_SECONDS overrides the 30 s here.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib-ktap.sh
. "$REPO/tests/lib-ktap.sh"
ktap_plan 1
command -v clang >/dev/null || ktap_bail "fuzz: clang is not installed (run scripts/install-deps)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if make -C "$REPO/userland/iked" fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-30}" >"$log" 2>&1; then
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
	if [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
		ktap_ok "IKEv2 message parser: $runs inputs, no crash, leak or sanitizer report"
	else
		sed 's/^/# /' "$log" | tail -n 20
		ktap_fail "fuzz: the fuzzer ran no input"
	fi
else
	sed 's/^/# /' "$log" | tail -n 40
	ktap_fail "IKEv2 message parser: the fuzzer found a failure (see above)"
fi
ktap_finish
