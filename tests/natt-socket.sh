#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# vmtest-timeout: 420
#
# natt-socket: an espvti device sharing a process's UDP port 4500, as it
# does with an IKE daemon (RFC 3948). tests/tools/udp-handover.py binds the
# socket in $a and hands it over with `espctl set esp0 encap udp fd N`; the
# peer in $b uses the module's own socket and sends keepalives every second.
#
#   - ESP flows through the kernel both ways; datagrams with the non-ESP
#     marker (IKE) reach the process untouched; keepalives are seen on the
#     wire (tcpdump) and counted, but never reach the process.
#   - `espctl set esp0 encap none`: the socket is an ordinary UDP socket of
#     the process again and receives ESP-looking datagrams itself; handing it
#     over again restores the tunnel.
#   - The process closes its socket (as a crashing daemon does): the device
#     lets go at once (port 4500 free, `socket none`, a kernel log line); a
#     new process binds port 4500 and hands it over, and the tunnel works
#     again; deleting the device gives that socket back to its process.
#   - A namespace $c whose device holds the socket of a killed process goes
#     away when deleted (its veth peer in the root namespace disappears).
#   - rmmod with a handed-over socket: the module unloads and the process's
#     socket is an ordinary one again.
#
#   netns $a                                        netns $b
#   +-------------------------------+               +---------------------------+
#   | udp-handover.py *:4500 (and   |               |                           |
#   |   later *:4600) -> esp0, esp1 |  UDP 4500     | esp0 (espvti, own socket, |
#   | esp0 10.99.0.1 fd00:99::1     |<------------->|   keepalive 1) 10.99.0.2  |
#   | va 192.0.2.1                  +===============+ vb 192.0.2.2              |
#   +-------------------------------+     veth      +---------------------------+
#
#   root namespace: vq0 ===veth=== vq1 in netns $c: esp0 (espvti) sharing the
#   port 4500 socket of a helper that is then killed with SIGKILL
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b, $c
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"
# shellcheck source=tests/lib-handover.sh
. "$(dirname "$0")/lib-handover.sh"	# HANDOVER, got

H1=$ESP_TMP/h1.json	# what the process holding port 4500 received
H2=$ESP_TMP/h2.json	# the same for port 4600
H3=$ESP_TMP/h3.json	# the second process on port 4500
H4=$ESP_TMP/h4.json	# the process in $c, killed
PCAP=$ESP_TMP/keepalive.pcap

test_cleanup() {
	esp_cleanup
	ip link del vq0 2>/dev/null
}

# send_udp HEX PORT: one datagram with payload HEX from $b (port 4501) to
# 192.0.2.1:PORT.
send_udp() {
	ns_exec "$b" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", 4501))
s.sendto(bytes.fromhex(sys.argv[1]), ("192.0.2.1", int(sys.argv[2])))' "$1" "$2"
}

# lands_on FILE HEX PORT: one datagram with payload HEX sent from $b to
# port PORT in $a reaches the helper whose output is FILE, byte for byte.
lands_on() {
	send_udp "$2" "$3" || return 1
	wait_for 10 got "$1" ".event == \"datagram\" and .hex == \"$2\"" && return 0
	echo "sent $2; the process received:"
	cat "$1"
	return 1
}

# encap_of NS: the encap object of esp0 in NS (espctl show --json).
encap_of() {
	esp_show_json "$1" esp0 | jq -c "$ESP_JQ_DEFS"' devices | select(.ifname == "esp0") | .encap'
}

# side_a: esp0 in $a with endpoint and SAs, no encapsulation yet.
side_a() {
	ip -n "$a" link add esp0 type espvti &&
		ns_exec "$a" "$ESPCTL" set esp0 local 192.0.2.1 remote 192.0.2.2 dev va &&
		ns_exec "$a" "$ESPCTL" sa add esp0 dir out spi "$ESP_SPI_AB" \
			aead "$ESP_ALG" "$ESP_KEY_AB" "$ESP_ICV" &&
		ns_exec "$a" "$ESPCTL" sa add esp0 dir in spi "$ESP_SPI_BA" \
			aead "$ESP_ALG" "$ESP_KEY_BA" "$ESP_ICV" replay-window 64 &&
		esp_inner_addrs 0 esp0
}

# side_b: esp0 in $b, the module's own socket, keepalives every second.
side_b() {
	ip -n "$b" link add esp0 type espvti &&
		ns_exec "$b" "$ESPCTL" set esp0 local 192.0.2.2 remote 192.0.2.1 dev vb \
			encap udp sport 4500 dport 4500 keepalive 1 &&
		ns_exec "$b" "$ESPCTL" sa add esp0 dir out spi "$ESP_SPI_BA" \
			aead "$ESP_ALG" "$ESP_KEY_BA" "$ESP_ICV" &&
		ns_exec "$b" "$ESPCTL" sa add esp0 dir in spi "$ESP_SPI_AB" \
			aead "$ESP_ALG" "$ESP_KEY_AB" "$ESP_ICV" replay-window 64 &&
		esp_inner_addrs 1 esp0
}

# handed_over: the helper ran espctl successfully and espctl show reports a
# user socket on port 4500.
handed_over() {
	local e
	wait_for 10 got "$H1" '.event == "ready"' || { echo "helper not ready"; return 1; }
	got "$H1" '.event == "ready" and .rc == 0' || { cat "$H1"; return 1; }
	e=$(encap_of "$a")
	echo "encap: $e"
	[ "$(jq -r '"\(.type) \(.sport) \(.socket)"' <<<"$e")" = "udp 4500 user" ]
}

# ike_untouched: a datagram with the non-ESP marker reaches the process
# byte for byte.
ike_untouched() {
	lands_on "$H1" "00000000$(random_hex 40)" 4500
}

# keepalive_on_wire: tcpdump in $a saw a one-byte 0xff datagram to port
# 4500 from $b, and esp0 counted it.
keepalive_on_wire() {
	local n k
	n=$(ns_exec "$a" tcpdump -nr "$PCAP" 2>/dev/null | wc -l)
	k=$(esp_dev_stat "$a" esp0 rx_keepalive) || return 1
	echo "keepalives captured: $n, counted by esp0: $k"
	[ "$n" -ge 1 ] && [ "$k" -ge 1 ]
}

# only_ike_reached: every datagram the process got carries the non-ESP
# marker (no keepalive, no ESP).
only_ike_reached() {
	if got "$H1" '.event == "datagram" and (.hex | startswith("00000000") | not)'; then
		echo "the process received datagrams that were not IKE:"
		cat "$H1"
		return 1
	fi
	return 0
}

# encap_none_gives_back: after `encap none`, ESP with a valid inbound SPI
# sent to port 4500 lands on the process's socket.
encap_none_gives_back() {
	local e
	ns_exec "$a" "$ESPCTL" set esp0 encap none || return 1
	e=$(encap_of "$a")
	[ "$e" = null ] || { echo "encap still $e"; return 1; }
	lands_on "$H1" "$(printf '%08x' "$ESP_SPI_BA")00000001$(random_hex 32)" 4500
}

# handover_again: SIGHUP makes the helper run espctl again; the tunnel
# works again.
handover_again() {
	kill -HUP "$H1_PID" &&
		wait_for 10 got "$H1" '.event == "handover" and .rc == 0' &&
		esp_ping "$a" "${ESP_I4[1]}"
}

# port_bound NS PORT: some UDP socket is bound to PORT in NS.
port_bound() {
	ns_exec "$1" ss -Hlun "sport = :$2" | grep -q .
}

# closed_lets_go: the helper closes its socket; esp0 lets go of it at once:
# port 4500 is free, espctl show says socket none (encapsulation otherwise
# unchanged) and the kernel log says why.
closed_lets_go() {
	local e
	kill -USR1 "$H1_PID" && wait_for 10 got "$H1" '.event == "closed"' || return 1
	wait_for 10 bash -c "! ip netns exec $a ss -Hlun 'sport = :4500' | grep -q ." ||
		{ echo "port 4500 still bound"; return 1; }
	e=$(encap_of "$a")
	echo "encap: $e"
	[ "$(jq -r '"\(.type) \(.sport) \(.socket)"' <<<"$e")" = "udp 4500 none" ] || return 1
	dmesg | grep -q "esp0: the process that handed over UDP port 4500 closed its socket" ||
		{ echo "no kernel log line"; dmesg | tail -n 5; return 1; }
}

# new_process: a second process (started by the caller: check captures
# output) has bound port 4500 and handed it over; the tunnel works both ways
# again.
new_process() {
	wait_for 10 got "$H3" '.event == "ready"' || { echo "helper not ready"; return 1; }
	got "$H3" '.event == "ready" and .rc == 0' || { cat "$H3"; return 1; }
	[ "$(encap_of "$a" | jq -r .socket)" = user ] || return 1
	esp_ping "$a" "${ESP_I4[1]}" && esp_ping "$b" "${ESP_I6[0]}"
}

# delete_gives_back: deleting esp0 gives the second process its socket
# back: ESP-looking datagrams to port 4500 land on it.
delete_gives_back() {
	ip -n "$a" link del esp0 || return 1
	port_bound "$a" 4500 || { echo "port 4500 no longer bound"; return 1; }
	lands_on "$H3" "$(printf '%08x' "$ESP_SPI_BA")00000003$(random_hex 16)" 4500
}

# netns_freed: in a new namespace $c (veth vq0 in the root namespace, vq1
# in $c), esp0 shares a helper's port 4500 socket; the helper is killed
# with SIGKILL and $c deleted: the namespace really goes away, which takes
# vq0 with it.
netns_freed() {
	local pid
	ip link add vq0 type veth peer name vq1 netns "$c" &&
		ip -n "$c" addr add 198.51.100.1/24 dev vq1 &&
		ip -n "$c" link set vq1 up &&
		ip -n "$c" link add esp0 type espvti || return 1
	ip netns exec "$c" python3 "$HANDOVER" --port 4500 -- \
		"$ESPCTL" set esp0 local 198.51.100.1 remote 198.51.100.2 encap udp fd '{fd}' >"$H4" 2>"$H4.err" &
	pid=$!
	wait_for 10 got "$H4" '.event == "ready"' || { echo "helper not ready"; kill "$pid"; return 1; }
	got "$H4" '.event == "ready" and .rc == 0' || { cat "$H4"; kill "$pid"; return 1; }
	[ "$(encap_of "$c" | jq -r .socket)" = user ] || { kill "$pid"; return 1; }
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	ns_del "$c" || return 1
	wait_for 60 bash -c '! ip link show vq0' && return 0
	echo "vq0 still there 60 s after deleting $c: the namespace lingers"
	return 1
}

# rmmod_gives_back: with port 4600 handed to esp1, the module unloads and
# the socket then receives ESP-looking datagrams itself.
rmmod_gives_back() {
	espvti_unload || return 1
	[ ! -d /sys/module/espvti ] || { echo "espvti still loaded"; return 1; }
	lands_on "$H2" "$(printf '%08x' "$ESP_SPI_BA")00000002" 4600
}

esp_require_tools jq ss tcpdump python3
ktap_plan 16
espvti_load
esp_topo
ns_add c
esp_keying gcm128 0

check "esp0 in $a: endpoint and SAs" side_a
esp_bg ip netns exec "$a" python3 "$HANDOVER" --port 4500 -- \
	"$ESPCTL" set esp0 encap udp dport 4500 keepalive 0 fd '{fd}' >"$H1"
H1_PID=$ESP_BG_PID
check "port 4500 socket of a process handed over (espctl show: socket user)" handed_over
check "esp0 in $b: own socket, keepalive 1" side_b
esp_bg ns_exec "$a" tcpdump -i va -n -c 1 -U -w "$PCAP" \
	'udp dst port 4500 and udp[4:2] = 9 and udp[8] = 0xff' 2>/dev/null
check "ping $a -> $b (inner IPv4) over the shared socket" esp_ping "$a" "${ESP_I4[1]}"
check "ping $b -> $a (inner IPv6) over the shared socket" esp_ping "$b" "${ESP_I6[0]}"
check "IKE datagram (non-ESP marker) reaches the process untouched" ike_untouched
check "keepalive seen on the wire and counted by esp0" wait_for 15 keepalive_on_wire
check "the process never received a keepalive or ESP" only_ike_reached
check "encap none: the process's socket receives ESP-looking datagrams itself" \
	encap_none_gives_back
check "handed over again: tunnel works" handover_again
check "process closed its socket: esp0 lets go (port 4500 free, socket none, logged)" \
	closed_lets_go
esp_bg ip netns exec "$a" python3 "$HANDOVER" --port 4500 -- \
	"$ESPCTL" set esp0 encap udp dport 4500 keepalive 0 fd '{fd}' >"$H3" 2>"$H3.err"
check "a new process hands port 4500 over: tunnel works again" new_process
check "deleting esp0 gives the socket back to its process" delete_gives_back
check "namespace whose device shared a killed process's socket goes away" netns_freed

ip -n "$a" link add esp1 type espvti
esp_bg ip netns exec "$a" python3 "$HANDOVER" --port 4600 -- \
	"$ESPCTL" set esp1 local 192.0.2.1 remote 192.0.2.2 encap udp fd '{fd}' >"$H2"
check "port 4600 socket handed over to esp1" wait_for 10 got "$H2" '.event == "ready" and .rc == 0'
check "rmmod with a handed-over socket; the socket is ordinary again" rmmod_gives_back

ktap_finish
