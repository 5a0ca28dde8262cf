#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# tests/packages/guest-tunnel.sh: the VM half of check-packages.sh, run by
# scripts/vmtest in a guest that sees the host's root with espvti-dkms and
# espvti-tools installed. Nothing of the work tree is used: the module is
# the one DKMS installed (modprobe espvti finds it through the modules.dep
# that DKMS's depmod wrote on the host), the tools are /usr/sbin/espctl and
# /usr/sbin/espiked. Not a tests/*.sh, so that `make check` does not run it
# (it skips without the packages).
#
#   netns $a (side 0)                               netns $b (side 1)
#   +---------------------------+                   +---------------------------+
#   | esp0 (espvti)             |   ESP tunnel mode | esp0 (espvti)             |
#   |   10.99.0.1               |<----------------->|   10.99.0.2               |
#   | va 192.0.2.1              +===================+ vb 192.0.2.2              |
#   +---------------------------+       veth        +---------------------------+
#
#   1. keyed by hand with /usr/sbin/espctl (AES-GCM-256), ping both ways;
#   2. the same topology again, keyed by two /usr/sbin/espiked (IKEv2, PSK),
#      ping both ways.
#
# vmtest-timeout: 240
# shellcheck disable=SC2317 # functions run by check and the EXIT trap
ESPCTL=/usr/sbin/espctl
ESPIKED=/usr/sbin/espiked
export ESPCTL ESPIKED
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/../lib-esp.sh"
# shellcheck source=tests/lib-ike.sh
. "$(dirname "$0")/../lib-ike.sh"

test_cleanup() {
	ike_cleanup
	esp_cleanup
}

KVER=$(uname -r)
DKMS_DIR=/lib/modules/$KVER/updates/dkms

ping_ok() { ip netns exec "$1" ping -c 1 -W 1 -I esp0 "$2" >/dev/null 2>&1; }

# module_is_dkms: modprobe resolves espvti to DKMS's file.
module_is_dkms() {
	local f
	f=$(modinfo -n espvti) || return 1
	echo "modinfo -n espvti: $f"
	case "$f" in "$DKMS_DIR"/espvti.ko*) return 0 ;; esac
	return 1
}

# loaded_version: the module loaded reports the package's version.
loaded_version() {
	local v
	v=$(cat /sys/module/espvti/version) || return 1
	echo "loaded espvti $v, package ${PKG_VERSION:-?}"
	[ -z "${PKG_VERSION:-}" ] || [ "$v" = "$PKG_VERSION" ]
}

# confs_ok: the installed espiked finds no error in either configuration.
confs_ok() {
	"$ESPIKED" -n -f "$IKE_W/a.conf" && "$ESPIKED" -n -f "$IKE_W/b.conf"
}

ktap_plan 12
if [ ! -x "$ESPCTL" ] || [ ! -x "$ESPIKED" ]; then
	ktap_skip_all "espvti-tools is not installed"
fi
ls "$DKMS_DIR"/espvti.ko* >/dev/null 2>&1 || ktap_skip_all "no espvti module under $DKMS_DIR"
esp_require_tools jq

check "modprobe espvti resolves to the DKMS module under $DKMS_DIR" module_is_dkms
modprobe -q -a aesni_intel ghash_clmulni_intel 2>/dev/null
check "modprobe espvti" modprobe espvti
check "the loaded module is the package's version" loaded_version

# --- 1. keyed by hand with the installed espctl --------------------------
esp_topo
esp_keying gcm256 0
check "espctl: espvti up on both sides (4-in-4, $ESP_DESC)" esp_espvti_pair 4
check "espctl: ping a -> b through esp0" esp_ping "$a" "${ESP_I4[1]}"
check "espctl: ping b -> a through esp0" esp_ping "$b" "${ESP_I4[0]}"
check "espctl show: the inbound SA of b decrypted the pings" \
	esp_ge "$(esp_sa_stat "$b" esp0 in "$ESP_SPI_AB" rx_packets)" 3
ns_del "$a"
ns_del "$b"

# --- 2. keyed by the installed espiked -----------------------------------
ike_pair_topology
ike_conf a 192.0.2.1 192.0.2.2 10.99.0.1 10.99.0.2 initiate "esp aes256gcm16"
ike_conf b 192.0.2.2 192.0.2.1 10.99.0.2 10.99.0.1 listen "esp aes256gcm16"
check "espiked -n accepts both configurations" confs_ok
espiked_run b "$b"
espiked_run a "$a"
ktap_result "espiked: IKE SA established, CHILD_SA installed on both sides" \
	wait_for 60 eval 'espiked_child_up a && espiked_child_up b'
ktap_result "espiked: ping a -> b through esp0" wait_for 15 ping_ok "$a" 10.99.0.2
ktap_result "espiked: ping b -> a through esp0" wait_for 15 ping_ok "$b" 10.99.0.1
espiked_stop
ns_del "$a"
ns_del "$b"
check "rmmod espvti" rmmod_now

ktap_finish
