# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Copyright (C) 2026 The espvti authors.
#
# tests/lib-ike-state.sh: espiked's state read through espctl, for the VM
# IKE tests (tests/lib-ike.sh) and the host daemon tests
# (tests/host/lib-host.sh) alike. The includer sets ESPCTL (the espctl
# binary) and IKE_SOCK_DIR (where each daemon SIDE has its control socket
# SIDE.sock); jq is a dependency (scripts/install-deps).
#
# The daemon's state as `espctl ike list --json` shows it (Documentation/
# espctl.8): an array of connections, each with its "ike_sas", each with
# its "child_sas". The tests read states there, not in the log.
#
# ike_q SIDE JQ-ARGS...: jq with JQ-ARGS on that array; fails, printing
# nothing, when SIDE's espiked does not answer.
ike_q() {
	local side=$1 out
	shift
	out=$("$ESPCTL" ike -s "${IKE_SOCK_DIR:?}/$side.sock" list --json) || return 1
	jq "$@" <<<"$out"
}
# ike_sa_state SIDE CONN: the state of each IKE SA of CONN, one a line.
ike_sa_state() {
	ike_q "$1" -r --arg c "$2" '.[] | select(.name == $c) | .ike_sas[].state'
}
# ike_sa_count SIDE [CONN]: the number of IKE SAs (of CONN only).
ike_sa_count() {
	ike_q "$1" --arg c "${2:-}" '[.[] | select($c == "" or .name == $c) | .ike_sas[]] | length'
}
# child_count SIDE STATE [CONN]: the number of CHILD_SAs in STATE (of CONN).
child_count() {
	ike_q "$1" --arg s "$2" --arg c "${3:-}" \
		'[.[] | select($c == "" or .name == $c) | .ike_sas[].child_sas[] |
		  select(.state == $s)] | length'
}
# child_ids SIDE CONN: "IKE-SA-ID SPI-IN SPI-OUT" (SPIs in decimal) of each
# INSTALLED CHILD_SA of CONN, one a line: what a rekey or a new IKE SA
# changes.
child_ids() {
	ike_q "$1" -r --arg c "$2" '.[] | select(.name == $c) | .ike_sas[] |
		"\(.id) " + (.child_sas[] | select(.state == "INSTALLED") | "\(.spi_in) \(.spi_out)")'
}
