#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# netlink-spec: Documentation/netlink/specs/espvti.yaml describes the family
# of include/uapi/linux/espvti.h exactly (every command, attribute, enum value
# and define with the same value, the types and ranges the header states) and
# the policies and operations of kmod/netlink*.c; and, with a kernel source
# tree (KSRC, default the newest $HOME/.cache/espvti/debug-kernel/*/src, or
# the needed parts of /usr/src/linux-source-6.12.tar.xz), it
# is valid against the kernel's genetlink-legacy schema and renders, with the
# kernel's ynl-gen-c, the constants of the header. The checks are in
# tests/tools/netlink-spec-check.py; they need python3-yaml (and
# python3-jsonschema for the schema; without it that check is skipped).
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
if ! python3 -c 'import yaml' 2>/dev/null; then
	echo "TAP version 13"
	echo "1..1"
	echo "not ok 1 - netlink spec: python3 with PyYAML (Debian: python3-yaml) is not installed"
	exit 1
fi
if [ -z "${KSRC:-}" ]; then
	for d in "${HOME:-/root}"/.cache/espvti/debug-kernel/*/src; do
		[ -d "$d/tools/net/ynl" ] && KSRC=$d
	done
fi
# Else the schema and the ynl tools from Debian's linux-source-6.12 package
# (scripts/install-deps installs it), unpacked for this run only.
TMPK=
if [ -z "${KSRC:-}" ] && [ -r /usr/src/linux-source-6.12.tar.xz ]; then
	TMPK=$(mktemp -d)
	trap 'rm -rf "$TMPK"' EXIT
	if tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$TMPK" --strip-components=1 \
		--wildcards '*/Documentation/netlink' '*/tools/net/ynl' 2>/dev/null; then
		KSRC=$TMPK
	fi
fi
python3 "$REPO/tests/tools/netlink-spec-check.py" \
	"$REPO/Documentation/netlink/specs/espvti.yaml" \
	"$REPO/include/uapi/linux/espvti.h" "$REPO/kmod" "${KSRC:-}"
