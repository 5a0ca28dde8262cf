#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# mss-clamp: built-in TCP MSS clamping ("small transfers work, large ones
# hang"). Two sites joined by a tunnel whose underlay is a 1280-byte link;
# the gateways' ICMP errors are dropped on their way back to the hosts (a
# firewall that eats ICMP), so path MTU discovery cannot work. The hosts
# have 1500-byte links and offer an MSS of 1460:
#   - with `mss-clamp off` on both gateways, a 5 MB transfer stalls: every
#     full-size segment is too big for the tunnel and refused, and the
#     sender never hears why;
#   - with the default `auto`, the SYN and SYN-ACK are clamped as they
#     enter and leave the tunnel to what fits the path (esp0's MTU is the
#     1280 that IPv6 needs, more than fits the path), and the transfer
#     completes;
# for IPv4 and for IPv6 inner traffic. A fixed `mss-clamp 1000` is seen by
# the server as MSS 1000, and the kernel refuses a value below 88.
#
#   netns $c (client)   netns $a (gateway)        netns $b (gateway)   netns $s (server)
#   +--------------+    +-----------------+       +-----------------+    +--------------+
#   | c0 10.1.0.2  |====| a0 10.1.0.1     |       |     10.2.0.1 b0 |====| s0 10.2.0.2  |
#   |   fd01::2    |1500|   fd01::1       |       |       fd02::1   |1500|   fd02::2    |
#   +--------------+    | esp0 ---------- ESP --------------- esp0  |    +--------------+
#                       | va 192.0.2.1    |=======| vb 192.0.2.2    |
#                       | nft: output ICMP| 1280  | nft: output ICMP|
#                       |  errors dropped |       |  errors dropped |
#                       +-----------------+       +-----------------+
#
# vmtest-timeout: 420
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b, $c, $s
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

BYTES=$((5 * 1024 * 1024))
STALL_SECONDS=20	# a stalled transfer is given this long to prove it stalls
XFER_SECONDS=180	# a working one must finish within this (the emulator is slow)

test_cleanup() {
	esp_cleanup
}

# topology: the four namespaces, links, routes and ICMP filters drawn above,
# and espvti esp0 on each gateway (esp_keying's SAs, any selectors).
topology() {
	esp_topo || return 1
	ns_add c s
	ip link add c0 netns "$c" type veth peer name a0 netns "$a" &&
		ip link add s0 netns "$s" type veth peer name b0 netns "$b" || return 1
	ip -n "$c" addr add 10.1.0.2/24 dev c0 && ip -n "$c" addr add fd01::2/64 dev c0 nodad &&
		ip -n "$a" addr add 10.1.0.1/24 dev a0 && ip -n "$a" addr add fd01::1/64 dev a0 nodad &&
		ip -n "$s" addr add 10.2.0.2/24 dev s0 && ip -n "$s" addr add fd02::2/64 dev s0 nodad &&
		ip -n "$b" addr add 10.2.0.1/24 dev b0 && ip -n "$b" addr add fd02::1/64 dev b0 nodad ||
		return 1
	for l in "$c c0" "$a a0" "$s s0" "$b b0"; do
		# shellcheck disable=SC2086 # two words
		set -- $l
		ip -n "$1" link set "$2" up || return 1
	done
	ip -n "$c" route add default via 10.1.0.1 && ip -n "$c" -6 route add default via fd01::1 &&
		ip -n "$s" route add default via 10.2.0.1 && ip -n "$s" -6 route add default via fd02::1 ||
		return 1
	for n in "$c" "$s"; do
		ns_exec "$n" sysctl -qw net.ipv4.tcp_mtu_probing=0 || return 1
	done
	for n in "$a" "$b"; do
		ns_exec "$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ||
			return 1
		ns_exec "$n" nft -f - <<-'EOF' || return 1
			table inet icmpfilter {
				chain out {
					type filter hook output priority 0;
					icmp type destination-unreachable drop
					icmpv6 type packet-too-big drop
				}
			}
		EOF
	done
	esp_espvti_pair 4 || return 1
	# The underlay between the gateways becomes a 1280-byte link. esp0
	# keeps IPv6's minimum MTU, 1280 (set by hand, so it does not follow the
	# underlay): larger than what fits the path, which only clamping
	# "auto" accounts for (IPv6 packets of up to 1280 bytes are sent in
	# fragmented outer packets).
	ip -n "$a" link set esp0 mtu 1280 && ip -n "$b" link set esp0 mtu 1280 &&
		ip -n "$a" link set va mtu 1280 && ip -n "$b" link set vb mtu 1280 || return 1
	ip -n "$a" route add 10.2.0.0/24 dev esp0 && ip -n "$a" -6 route add fd02::/64 dev esp0 &&
		ip -n "$b" route add 10.1.0.0/24 dev esp0 && ip -n "$b" -6 route add fd01::/64 dev esp0
}

# clamp MODE: sets mss-clamp MODE on both gateways.
clamp() {
	ns_exec "$a" "$ESPCTL" set esp0 mss-clamp "$1" &&
		ns_exec "$b" "$ESPCTL" set esp0 mss-clamp "$1"
}

# xfer ADDR SECONDS: sends $BYTES from $c to ADDR in $s over TCP; succeeds
# when all of them arrived within SECONDS.
xfer() {
	esp_tcp "$c" "$s" "$1" "$BYTES" "$2"
}

# clamped_ge N: the two gateways' tcp_mss_clamped counters add up to >= N.
clamped_ge() {
	local x y
	x=$(esp_dev_stat "$a" esp0 tcp_mss_clamped) && y=$(esp_dev_stat "$b" esp0 tcp_mss_clamped) ||
		return 1
	echo "tcp_mss_clamped: $a $x, $b $y"
	[ $((x + y)) -ge "$1" ]
}

# server_sees_mss ADDR MSS: a SYN from $c to ADDR reaches $s with MSS MSS.
server_sees_mss() {
	local out pid
	out=$ESP_TMP/syn.txt
	ns_exec "$s" timeout 30 tcpdump -l -n -v -c 1 -i s0 'tcp[tcpflags] & tcp-syn != 0' \
		>"$out" 2>/dev/null &
	pid=$!
	sleep 0.5
	wait_for 20 sh -c "ip netns exec $c socat -u /dev/null TCP4:$1:9,connect-timeout=1 2>/dev/null
		grep -q 'mss' $out"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	grep -o 'mss [0-9]*' "$out" | head -n 1
	grep -q "mss $2\b" "$out"
}

# clamp_auto_xfer ADDR: clamping back to auto, then the transfer to ADDR.
clamp_auto_xfer() {
	clamp auto && xfer "$1" "$XFER_SECONDS"
}

# kernel_refuses_50: DEV_SET with ESPVTI_A_MSS_CLAMP 50 (espctl would not
# send it) gets EINVAL with a message and a pointer to the attribute.
kernel_refuses_50() {
	local out
	out=$(ns_exec "$a" python3 "$REPO/tests/tools/genl-raw.py" cmd DEV_SET \
		A_IFNAME:str=esp0 A_MSS_CLAMP:u16=50 2>&1)
	echo "$out"
	grep -q '^error EINVAL' <<<"$out" && grep -q 'MSS of at least 88' <<<"$out" &&
		grep -q 'bad attribute ESPVTI_A_MSS_CLAMP$' <<<"$out"
}

teardown() {
	esp_side_down 0 && esp_side_down 1 && espvti_unload
}

esp_require_tools socat nft tcpdump jq python3
ktap_plan 15
espvti_load
esp_keying gcm128 0
# Not through check: the namespaces' names must reach this shell.
if topology; then
	ktap_ok "topology: two sites, a 1280-byte underlay, ICMP errors dropped"
else
	ktap_bail "no topology"
fi
check "new devices clamp by default (mss-clamp: auto)" \
	sh -c "[ \"\$(ip netns exec $a $ESPCTL show esp0 --json | jq -r '.mss_clamp // .[0].mss_clamp')\" = auto ]"
check "small transfer works through the tunnel" esp_ping "$c" 10.2.0.2

for fam in 4 6; do
	if [ "$fam" = 6 ]; then dst=fd02::2; else dst=10.2.0.2; fi
	check "IPv$fam inner, mss-clamp off: clamping off on both gateways" clamp off
	check_fails "IPv$fam inner, mss-clamp off: 5 MB transfer stalls" xfer "$dst" "$STALL_SECONDS"
	check "IPv$fam inner, mss-clamp auto: 5 MB transfer completes" clamp_auto_xfer "$dst"
done
check "SYN and SYN-ACK clamped, counted in tcp_mss_clamped" clamped_ge 4

check "mss-clamp 1000: set on both gateways" clamp 1000
check "mss-clamp 1000: the server sees MSS 1000" server_sees_mss 10.2.0.2 1000
check_fails "mss-clamp 50: refused by espctl" ns_exec "$a" "$ESPCTL" set esp0 mss-clamp 50
check "ESPVTI_A_MSS_CLAMP 50: refused by the kernel, naming the attribute" kernel_refuses_50
check "devices deleted, rmmod espvti" teardown
ktap_finish
