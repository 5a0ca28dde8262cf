#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# debian-packages: the fast, host-only half of the package test (run by
# `make check`; tests/packages/check-packages.sh installs the packages and
# boots them, `make check-packages`). scripts/build-deb builds espvti-dkms
# and espvti-tools with dpkg-buildpackage into a temporary directory and
# runs lintian (no error; its warnings are printed as diagnostics); then
# the packages' control fields, contents, dkms.conf, unit and maintainer
# scripts are checked, and that the build left the work tree as it was.
# No root needed. Skips (exit 4, which scripts/check counts as a failure:
# scripts/install-deps installs them) when dpkg-buildpackage, debhelper,
# dh-dkms or lintian are missing.
# shellcheck disable=SC2317 # functions run by check
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib-ktap.sh
. "$REPO/tests/lib-ktap.sh"
cd "$REPO" || exit 1

for t in dpkg-buildpackage dh dh_dkms lintian; do
	command -v "$t" >/dev/null ||
		ktap_skip_all "$t is not installed (Debian: dpkg-dev, debhelper, dh-dkms, lintian; run scripts/install-deps)"
done

W=$(mktemp -d /tmp/espvti-deb-unit.XXXXXX)
trap 'rm -rf "$W"' EXIT
VERSION=$(dpkg-parsechangelog -S Version)

# tree_state: what git sees of the work tree (nothing outside git).
tree_state() {
	git status --porcelain --untracked-files=all 2>/dev/null
}

ktap_plan 10
before=$(tree_state)

if scripts/build-deb "$W/deb" >"$W/build.log" 2>&1; then
	ktap_ok "dpkg-buildpackage -b builds both packages, lintian reports no error"
else
	ktap_fail "dpkg-buildpackage -b builds both packages, lintian reports no error"
	tail -n 40 "$W/build.log" | sed 's/^/# /'
	ktap_bail "no packages to check"
fi
grep -E '^[EWI]: ' "$W/deb/lintian.txt" | sed 's/^/# lintian: /'
DKMS_DEB=$W/deb/espvti-dkms_${VERSION}_all.deb
TOOLS_DEB=$(find "$W/deb" -maxdepth 1 -name "espvti-tools_${VERSION}_*.deb" | head -n 1)

field() { dpkg-deb -f "$1" "$2"; }
contents() { dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./|/|'; }
# has LIST PATH...: every PATH is in LIST (the contents of a package).
has() {
	local list=$1 p rc=0
	shift
	for p in "$@"; do
		grep -qxF "$p" <<<"$list" || { echo "missing: $p"; rc=1; }
	done
	return "$rc"
}

# dkms_fields: espvti-dkms is Architecture all and depends on dkms.
dkms_fields() {
	local arch dep
	arch=$(field "$DKMS_DEB" Architecture) dep=$(field "$DKMS_DEB" Depends)
	echo "Architecture: $arch; Depends: $dep"
	[ "$arch" = all ] && grep -qE '(^|, )dkms( |,|$)' <<<"$dep"
}

# dkms_files: /usr/src/espvti-VERSION holds Kbuild, dkms.conf, the uapi
# header and every kmod/*.[ch] of the tree.
dkms_files() {
	local list s=/usr/src/espvti-$VERSION f want=()
	list=$(contents "$DKMS_DEB")
	for f in kmod/*.c kmod/*.h; do want+=("$s/$f"); done
	has "$list" "$s/Kbuild" "$s/dkms.conf" "$s/include/uapi/linux/espvti.h" "${want[@]}"
}

# dkms_conf: the installed dkms.conf names this version, the module, the
# /updates/dkms location and AUTOINSTALL, and builds with the Kbuild file.
# shellcheck disable=SC2016 # dkms.conf's own variables, literally
dkms_conf() {
	local c
	c=$(dpkg-deb --fsys-tarfile "$DKMS_DEB" | tar -xOf - "./usr/src/espvti-$VERSION/dkms.conf") ||
		return 1
	has "$c" "PACKAGE_NAME=\"espvti\"" "PACKAGE_VERSION=\"$VERSION\"" \
		'BUILT_MODULE_NAME[0]="espvti"' 'DEST_MODULE_LOCATION[0]="/updates/dkms"' \
		'AUTOINSTALL="yes"' &&
		grep -q '^MAKE\[0\]="make -C ${kernel_source_dir} M=' <<<"$c"
}

# dkms_scripts: the maintainer scripts add and build the module through
# DKMS (postinst) and remove it from every kernel (prerm).
# shellcheck disable=SC2016 # the script's variables, literally
dkms_scripts() {
	dpkg-deb -e "$DKMS_DEB" "$W/dkms-ctl" &&
		grep -q /usr/lib/dkms/common.postinst "$W/dkms-ctl/postinst" &&
		grep -q 'dkms remove -m $DKMS_NAME -v $DKMS_VERSION --all' "$W/dkms-ctl/prerm"
}

# tools_fields: espvti-tools is built per architecture, with the libraries
# of shlibs:Depends.
tools_fields() {
	local arch dep
	[ -n "$TOOLS_DEB" ] || { echo "no espvti-tools .deb"; return 1; }
	arch=$(field "$TOOLS_DEB" Architecture) dep=$(field "$TOOLS_DEB" Depends)
	echo "Architecture: $arch; Depends: $dep"
	[ "$arch" = "$(dpkg --print-architecture)" ] &&
		grep -q libnl-genl-3-200 <<<"$dep" && grep -q libssl3 <<<"$dep"
}

tools_files() {
	has "$(contents "$TOOLS_DEB")" /usr/sbin/espctl /usr/sbin/espiked \
		/usr/share/man/man8/espctl.8.gz /usr/share/man/man8/espiked.8.gz \
		/lib/systemd/system/espiked.service
}

# tools_unit: the packaged unit runs /usr/sbin/espiked, only once
# /etc/espiked.conf exists; the postinst enables it.
tools_unit() {
	local u
	u=$(dpkg-deb --fsys-tarfile "$TOOLS_DEB" | tar -xOf - ./lib/systemd/system/espiked.service) ||
		return 1
	has "$u" 'ExecStart=/usr/sbin/espiked -F -f /etc/espiked.conf' \
		'ConditionPathExists=/etc/espiked.conf' || return 1
	if grep -q /usr/local <<<"$u"; then echo "the unit names /usr/local"; return 1; fi
	dpkg-deb -e "$TOOLS_DEB" "$W/tools-ctl" &&
		grep -q "deb-systemd-helper enable 'espiked.service'" "$W/tools-ctl/postinst"
}

# no_lintian_error: lintian's output has no E: line.
no_lintian_error() {
	! grep '^E: ' "$W/deb/lintian.txt"
}

check "espvti-dkms: Architecture all, Depends dkms" dkms_fields
check "espvti-dkms: Kbuild, kmod/, the uapi header and dkms.conf in /usr/src/espvti-$VERSION" dkms_files
check "espvti-dkms: dkms.conf (version, module, /updates/dkms, AUTOINSTALL, Kbuild make)" dkms_conf
check "espvti-dkms: postinst builds through DKMS, prerm removes" dkms_scripts
check "espvti-tools: architecture-dependent, shlibs Depends (libnl-genl, libssl)" tools_fields
check "espvti-tools: /usr/sbin/espctl, /usr/sbin/espiked, man pages, espiked.service" tools_files
check "espvti-tools: the unit runs /usr/sbin/espiked once /etc/espiked.conf exists, enabled" tools_unit
after=$(tree_state)
check "the build left the work tree as it was" test "$before" = "$after"
check "lintian: no error" no_lintian_error

ktap_finish
