# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# tests/lib-handover.sh: helpers for the tests of sockets handed over to
# espvti (`espctl set DEV encap udp fd N`) by tests/tools/udp-handover.py,
# which prints one JSON event per line (see its usage). Source after
# lib.sh and lib-esp.sh.
#
#   helper NS FILE PORT DEV [OPTION...]  a helper handing PORT to DEV
#   handed FILE                          its espctl succeeded
#   got FILE JQ_FILTER                   it printed an event matching
#   socket_of NS DEV, socket_is NS DEV WANT
#                                        the device's socket: user, own, none

HANDOVER=$REPO/tests/tools/udp-handover.py

# got FILE JQ_FILTER: the helper's output FILE has an event matching it.
got() {
	jq -e -s "map(select($2)) | length > 0" "$1" >/dev/null 2>&1
}

# socket_of NS DEV: "user", "own" or "none" (espctl show --json).
socket_of() {
	esp_show_json "$1" "$2" | jq -r --arg dev "$2" "$ESP_JQ_DEFS"' devices | select(.ifname == $dev) | .encap.socket'
}

# socket_is NS DEV WANT
socket_is() {
	local s
	s=$(socket_of "$1" "$2")
	[ "$s" = "$3" ] || { echo "$2 in $1: socket $s, want $3"; return 1; }
}

# helper NS FILE PORT DEV [HELPER-OPTION...]: starts udp-handover.py in NS
# on PORT handing the socket to DEV (made here); its pid in HELPER_PID.
helper() {
	local ns=$1 out=$2 port=$3 dev=$4
	shift 4
	ip -n "$ns" link add "$dev" type espvti || return 1
	ip netns exec "$ns" python3 "$HANDOVER" --port "$port" "$@" -- \
		"$ESPCTL" set "$dev" local 192.0.2.1 remote 192.0.2.2 \
		encap udp fd '{fd}' >"$out" 2>"$out.err" &
	HELPER_PID=$!
	ESP_BG_PIDS+=("$HELPER_PID")
	wait_for 10 got "$out" '.event == "ready"' || { echo "helper not ready"; return 1; }
}

# handed FILE: the helper's espctl succeeded.
handed() {
	got "$1" '.event == "ready" and .rc == 0' && return 0
	cat "$1" "$1.err"
	return 1
}

