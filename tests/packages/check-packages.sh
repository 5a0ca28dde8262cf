#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# tests/packages/check-packages.sh: the Debian packages as a router admin
# gets them (`make check-packages`, as root, on the host, never beside
# make check; 10 to 16 minutes here under TCG):
#
#   1. scripts/build-deb: espvti-dkms and espvti-tools built by
#      dpkg-buildpackage, lintian without errors;
#   2. `dpkg -i` of both on this machine; DKMS builds the module for every
#      supported kernel with headers (6.1.*, 6.12.*): the package's
#      postinst, and for the kernels it left out (it builds only for the
#      running and the newest kernel when the running one is installed)
#      /etc/kernel/postinst.d/dkms KVER, what a kernel upgrade runs. The
#      newest kernel's module is then removed and rebuilt by that hook, as a
#      kernel upgrade would. `dkms status` must say installed for each;
#   3. every kernel at once, one CPU each, booted by scripts/vmtest (it sees
#      this machine's root read-only), runs tests/packages/guest-tunnel.sh: modprobe espvti
#      loads the DKMS module, /usr/sbin/espctl keys a tunnel by hand, two
#      /usr/sbin/espiked key it by IKEv2, pings pass both ways;
#   4. `dpkg --purge` of both, and the machine is as before: no package, no
#      /usr/src/espvti-*, no DKMS tree entry, no espvti.ko* under
#      /lib/modules/*/updates/dkms, no /usr/sbin/espctl or espiked, no unit
#      or its enablement, the same files under the directories the packages
#      touch, the same modules.dep and /boot.
#
# An EXIT trap purges the packages and removes what DKMS left whenever the
# test stops early. It refuses to run (skip) on a machine where espvti
# packages, DKMS entries or /usr/sbin/espctl exist already: it would remove
# them. KTAP output (tests/lib-ktap.sh); exit 0 pass, 1 fail, 4 skip.
# shellcheck disable=SC2317 # functions run by check, the EXIT trap
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib-ktap.sh
. "$REPO/tests/lib-ktap.sh"
cd "$REPO" || exit 1

PKGS=(espvti-tools espvti-dkms)
W=$(mktemp -d /tmp/espvti-packages.XXXXXX)
OUT=$W/deb
INSTALLED=0		# 1 once dpkg -i has run: cleanup must purge
MOK_BEFORE=$(ls /var/lib/dkms/mok.* 2>/dev/null)

# Where the packages, their maintainer scripts and DKMS write.
WATCH=(/usr/src /var/lib/dkms /usr/sbin /lib/systemd/system /etc/systemd/system
	/usr/share/man/man8 /usr/share/doc /etc/modprobe.d /etc/modules-load.d
	/var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked)

# snapshot FILE: the paths under $WATCH and /lib/modules/*/updates, and the
# checksums of every modules.dep and of /boot's files.
snapshot() {
	{
		find "${WATCH[@]}" /lib/modules/*/updates 2>/dev/null | sort
		sha256sum /lib/modules/*/modules.dep /lib/modules/*/modules.dep.bin 2>/dev/null
		find /boot -maxdepth 1 -type f -exec sha256sum {} + 2>/dev/null | sort -k2
	} >"$1"
}

# kernels: the supported kernels with headers and an image (as scripts/check).
kernels() {
	local k
	find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V |
		while read -r k; do
			case "$k" in 6.1.* | 6.12.*)
				[ -e "/lib/modules/$k/build/include" ] && [ -e "/boot/vmlinuz-$k" ] && echo "$k" ;;
			esac
		done
}

dkms_installed() { # KVER: dkms says espvti is installed for KVER
	dkms status -m espvti -v "$VERSION" -k "$1" 2>/dev/null | grep -q ': installed'
}

module_file() { # KVER: DKMS's espvti.ko (or .ko.xz etc.) for KVER
	find "/lib/modules/$1/updates/dkms" -maxdepth 1 -name 'espvti.ko*' 2>/dev/null | head -n 1
}


# remove_all: purges the packages and whatever DKMS and the postinst made.
remove_all() {
	local p
	for p in "${PKGS[@]}"; do
		if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv 'not-installed'; then
			dpkg --purge "$p" || true
		fi
	done
	if [ -d /var/lib/dkms/espvti ]; then
		dkms remove -m espvti --all || true
		rm -rf /var/lib/dkms/espvti
	fi
	rm -rf /usr/src/espvti-"$VERSION"
	rm -f /lib/modules/*/updates/dkms/espvti.ko*
	# DKMS makes a module signing key on its first signed build: only
	# when it was not there before the test.
	[ -n "$MOK_BEFORE" ] || rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
}

cleanup() {
	local rc=$?
	trap - EXIT
	if [ "$INSTALLED" = 1 ]; then
		ktap_diag "cleanup: purging the packages"
		remove_all >"$W/cleanup.log" 2>&1 || sed 's/^/# /' "$W/cleanup.log"
	fi
	rm -rf "$W"
	exit "$rc"
}
trap cleanup EXIT

# --- preconditions -------------------------------------------------------
[ "$(id -u)" = 0 ] || ktap_skip_all "needs root (dpkg -i, dkms): run as root"
for t in dpkg-buildpackage dh dh_dkms dkms lintian qemu-system-x86_64; do
	command -v "$t" >/dev/null || ktap_skip_all "$t is not installed (run scripts/install-deps)"
done
VERSION=$(dpkg-parsechangelog -S Version)
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv 'not-installed' &&
		ktap_skip_all "$p is installed on this machine: the test would purge it"
done
for f in /usr/src/espvti-* /var/lib/dkms/espvti /usr/sbin/espctl /usr/sbin/espiked \
	/lib/systemd/system/espiked.service; do
	[ -e "$f" ] && ktap_skip_all "$f exists on this machine: the test would remove it"
done
ls /lib/modules/*/updates/dkms/espvti.ko* >/dev/null 2>&1 &&
	ktap_skip_all "an espvti.ko exists under /lib/modules/*/updates/dkms: the test would remove it"
mapfile -t KERNELS < <(kernels)
[ ${#KERNELS[@]} -gt 0 ] || ktap_skip_all "no 6.1 or 6.12 kernel with headers and /boot/vmlinuz"
NEWEST=${KERNELS[-1]}

# build, dpkg -i, sources, tools; per kernel: dkms status, vermagic,
# modules.dep, VM; the rebuild by the hook; the purge and 7 checks after it.
ktap_plan $((4 + 4 * ${#KERNELS[@]} + 1 + 8))
ktap_diag "version $VERSION, kernels: ${KERNELS[*]}, work directory $W"
snapshot "$W/before"

# --- 1. build ------------------------------------------------------------
if scripts/build-deb "$OUT" >"$W/build.log" 2>&1; then
	ktap_ok "dpkg-buildpackage builds espvti-dkms and espvti-tools, lintian without errors"
	grep -E '^[EW]: ' "$OUT/lintian.txt" | sed 's/^/# lintian: /'
else
	ktap_fail "dpkg-buildpackage builds espvti-dkms and espvti-tools, lintian without errors"
	tail -n 40 "$W/build.log" | sed 's/^/# /'
	ktap_bail "no packages to test"
fi
DKMS_DEB=$OUT/espvti-dkms_${VERSION}_all.deb
TOOLS_DEB=$(ls "$OUT"/espvti-tools_"${VERSION}"_*.deb)

# --- 2. install, DKMS builds ---------------------------------------------
INSTALLED=1
check "dpkg -i espvti-dkms espvti-tools" dpkg -i "$DKMS_DEB" "$TOOLS_DEB"
ktap_diag "dkms status after dpkg -i: $(dkms status -m espvti 2>/dev/null | tr '\n' ';')"
check "the module's sources are in /usr/src/espvti-$VERSION with dkms.conf" \
	test -f "/usr/src/espvti-$VERSION/dkms.conf" -a -f "/usr/src/espvti-$VERSION/Kbuild"
check "espctl, espiked and espiked.service are installed" \
	test -x /usr/sbin/espctl -a -x /usr/sbin/espiked -a -f /lib/systemd/system/espiked.service

# hook KVER: what a kernel package's postinst runs for a new kernel.
hook() {
	/etc/kernel/postinst.d/dkms "$1" && dkms_installed "$1"
}
for k in "${KERNELS[@]}"; do
	if dkms_installed "$k"; then
		ktap_ok "dkms status: espvti/$VERSION installed for $k (by the package's postinst)"
	else
		check "dkms status: espvti/$VERSION installed for $k (by /etc/kernel/postinst.d/dkms)" hook "$k"
	fi
done
# upgrade KVER: the module removed for KVER, as for a kernel not seen yet,
# comes back through the kernel's postinst hook.
upgrade() {
	dkms remove -m espvti -v "$VERSION" -k "$1" || return 1
	if dkms_installed "$1" || [ -n "$(module_file "$1")" ]; then
		echo "dkms remove -k $1 left the module installed"
		return 1
	fi
	hook "$1"
}
# built_for KVER: DKMS's module for KVER has KVER's vermagic.
built_for() {
	local f v
	f=$(module_file "$1")
	[ -n "$f" ] || { echo "no espvti.ko* in /lib/modules/$1/updates/dkms"; return 1; }
	v=$(modinfo -F vermagic "$f" | cut -d' ' -f1)
	echo "$f: vermagic $v"
	[ "$v" = "$1" ]
}
check "after dkms remove -k $NEWEST, /etc/kernel/postinst.d/dkms $NEWEST rebuilds it" \
	upgrade "$NEWEST"
for k in "${KERNELS[@]}"; do
	check "$k: DKMS's module in /lib/modules/$k/updates/dkms is built for $k" built_for "$k"
	check "$k: modules.dep names updates/dkms/espvti" \
		grep -q '^updates/dkms/espvti\.ko' "/lib/modules/$k/modules.dep"
done

# --- 3. a tunnel in a VM of each kernel ----------------------------------
# The kernels' VMs boot at once, one CPU each (the host has two cores);
# their results are reported in kernel order.
declare -A VM_PID=()
for k in "${KERNELS[@]}"; do
	scripts/vmtest -k "$k" -c 1 -t 300 -o "$W/vm-$k" -- \
		env PKG_VERSION="$VERSION" bash tests/packages/guest-tunnel.sh >"$W/vm-$k.log" 2>&1 &
	VM_PID[$k]=$!
done
for k in "${KERNELS[@]}"; do
	log=$W/vm-$k.log
	if wait "${VM_PID[$k]}"; then
		ktap_ok "$k: in the VM, the DKMS module and the installed espctl and espiked carry a tunnel"
		grep -E '^(not )?ok ' "$log" | sed 's/^/#   /'
	else
		ktap_fail "$k: in the VM, the DKMS module and the installed espctl and espiked carry a tunnel"
		tail -n 60 "$log" | sed 's/^/# /'
	fi
done

# --- 4. purge: the machine as before -------------------------------------
check "dpkg --purge espvti-tools espvti-dkms" dpkg --purge "${PKGS[@]}"
INSTALLED=0
# none PATH...: none of PATH (globs expanded by the caller) exists.
none() {
	local f rc=0
	for f in "$@"; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		echo "$f is still there"
		rc=1
	done
	return "$rc"
}
# not_known: dpkg lists neither package as installed or with config files.
not_known() {
	local p st rc=0
	for p in "${PKGS[@]}"; do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || continue
		case "$st" in *not-installed) ;; *) echo "$p: $st"; rc=1 ;; esac
	done
	return "$rc"
}
# no_dkms_entry: dkms status knows no espvti, its tree has none.
no_dkms_entry() {
	local st
	st=$(dkms status -m espvti 2>&1)
	[ -z "$st" ] || { echo "dkms status: $st"; return 1; }
	none /var/lib/dkms/espvti
}
check "neither package is known to dpkg any more" not_known
check "no /usr/src/espvti-*" none /usr/src/espvti-*
check "no DKMS tree entry (dkms status, /var/lib/dkms/espvti)" no_dkms_entry
check "no espvti.ko* under /lib/modules/*/updates/dkms" none /lib/modules/*/updates/dkms/espvti.ko*
check "no /usr/sbin/espctl, /usr/sbin/espiked" none /usr/sbin/espctl /usr/sbin/espiked
check "no espiked.service, nor its enablement" \
	none /lib/systemd/system/espiked.service /etc/systemd/system/*/espiked.service
# DKMS's signing key, when its first build made one (kept by DKMS for the
# next module; the machine had none).
if [ -z "$MOK_BEFORE" ] && ls /var/lib/dkms/mok.* >/dev/null 2>&1; then
	ktap_diag "DKMS made a module signing key (/var/lib/dkms/mok.*): removed"
	rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
fi
snapshot "$W/after"
check "the watched directories, modules.dep and /boot are as before" \
	diff "$W/before" "$W/after"

ktap_finish
