#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# fuzz-ike: the IKEv2 message parser, then the certificate payloads and AUTH
# signature parsers (fuzz/cert_fuzz.c), then the reassembly of IKE fragments
# (fuzz/frag_fuzz.c), under libFuzzer (ASan/UBSan) for a short, bounded time
# on the committed corpora (userland/iked/fuzz/corpus, fuzz/corpus-cert,
# fuzz/corpus-frag), as CI runs them; `make fuzz`, `make fuzz-cert` and
# `make fuzz-frag` run them longer (FUZZ_SECONDS, default 60). A crash, leak or sanitizer report
# fails the test and leaves the reproducer in userland/iked/build/ (crash-*,
# leak-*). FUZZ_SECONDS overrides the 30 s of the message parser here,
# FUZZ_CERT_SECONDS the 10 s of the certificate target, FUZZ_FRAG_SECONDS the
# 10 s of the fragment target.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib-ktap.sh
. "$REPO/tests/lib-ktap.sh"
ktap_plan 3
command -v clang >/dev/null || ktap_bail "fuzz: clang is not installed (run scripts/install-deps)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run TARGET WHAT SECONDS: one libFuzzer target of userland/iked/Makefile
run() {
	local runs

	if make -C "$REPO/userland/iked" "$1" FUZZ_SECONDS="$3" >"$log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
		if [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
			ktap_ok "$2: $runs inputs, no crash, leak or sanitizer report"
		else
			sed 's/^/# /' "$log" | tail -n 20
			ktap_fail "$2: the fuzzer ran no input"
		fi
	else
		sed 's/^/# /' "$log" | tail -n 40
		ktap_fail "$2: the fuzzer found a failure (see above)"
	fi
}

run fuzz "IKEv2 message parser" "${FUZZ_SECONDS:-30}"
# CERT, CERTREQ, AUTH AlgorithmIdentifier, SIGNATURE_HASH_ALGORITHMS: briefly
run fuzz-cert "certificate payloads and AUTH signatures" "${FUZZ_CERT_SECONDS:-10}"
# SKF fragments: parser, integrity check, reassembly limits: briefly
run fuzz-frag "IKE fragment reassembly" "${FUZZ_FRAG_SECONDS:-10}"
ktap_finish
