# shellcheck shell=bash disable=SC2034 # TUN_DEV, SERVER: the caller's arrays
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# bench/lib.sh: the guest side shared by bench/run and bench/sa-scale.
# Source it in the guest after tests/lib.sh and tests/lib-esp.sh. Tunnel I
# lives in the namespaces A$I and B$I joined by a veth pair (guest_topo);
# guest_tunnel brings one of the tunnels of bench/run up in them,
# guest_server starts iperf3 in B$I and guest_iperf makes one run from A$I
# to B$I, printing its numbers as a "BENCH-RUN {json}" line. The caller sets
# MTU (inner MTU of the tunnel devices), UDP_RATE (iperf3 -b of the UDP
# workloads) and SPREAD_N (devices of the espvti-spread tunnel), and the
# arrays TUN_DEV and SERVER.

# guest_ns I SIDE: the namespace of side SIDE (0: A, 1: B) of tunnel I.
guest_ns() {
	local v
	if [ "$2" = 0 ]; then v=A$1; else v=B$1; fi
	echo "${!v}"
}

# guest_topo I: the namespaces and the veth pair of tunnel I; ESP_NS set to
# them for the helpers of tests/lib-esp.sh.
guest_topo() {
	local na nb
	ns_add "A$1" "B$1"
	na=$(guest_ns "$1" 0) nb=$(guest_ns "$1" 1)
	ESP_NS=("$na" "$nb")
	ip link add va netns "$na" type veth peer name vb netns "$nb" || return 1
	ip -n "$na" addr add "${ESP_O4[0]}/24" dev va &&
		ip -n "$nb" addr add "${ESP_O4[1]}/24" dev vb &&
		ip -n "$na" link set va up && ip -n "$nb" link set vb up || return 1
	wait_for 10 ns_exec "$na" ping -c 1 -W 1 "${ESP_O4[1]}"
}

# guest_wg_up: WireGuard on both sides of ESP_NS with the inner IPv4
# addresses.
guest_wg_up() {
	local i ns peer_i
	for i in 0 1; do
		ns=${ESP_NS[$i]}
		ip netns exec "$ns" wg genkey >"$ESP_TMP/wg$i.key" || return 1
		ip netns exec "$ns" wg pubkey <"$ESP_TMP/wg$i.key" >"$ESP_TMP/wg$i.pub" || return 1
	done
	for i in 0 1; do
		ns=${ESP_NS[$i]} peer_i=$((1 - i))
		ip -n "$ns" link add wg0 type wireguard || return 1
		ip netns exec "$ns" wg set wg0 private-key "$ESP_TMP/wg$i.key" listen-port 51820 \
			peer "$(cat "$ESP_TMP/wg$peer_i.pub")" \
			endpoint "${ESP_O4[$peer_i]}:51820" allowed-ips "${ESP_I4[$peer_i]}/32" || return 1
		ip -n "$ns" addr add "${ESP_I4[$i]}/24" dev wg0 || return 1
		ip -n "$ns" link set wg0 up || return 1
	done
}

# guest_rps: Receive Packet Steering over every CPU on the veth ends of
# ESP_NS, which is what RSS does on a NIC: each outer flow (ESP in UDP:
# addresses and ports) goes to a CPU picked by its hash, different flows
# to different CPUs (or, by chance of the hash, the same one).
guest_rps() {
	local i mask
	mask=$(printf '%x' $(((1 << $(nproc)) - 1)))
	for i in 0 1; do
		ip netns exec "${ESP_NS[$i]}" sh -c \
			"echo $mask >/sys/class/net/${ESP_UL[$i]}/queues/rx-0/rps_cpus" || return 1
	done
}

# guest_espvti_natt N: N espvti devices esp0 .. esp(N-1) between the sides
# of ESP_NS, each with SAs of its own (espvti-gcm's algorithm) and ESP in
# UDP on a port pair of its own (4500+K both ends), so that each device is
# one outer flow; esp0 carries the inner addresses. With N > 1 the route to
# the peer's inner IPv4 address is an equal-cost multipath over all of them
# that hashes on the inner 5-tuple (fib_multipath_hash_policy 1): flows
# spread over the devices, hence over the outer flows, as several SAs or
# NAT-T source ports would spread them. RPS (guest_rps) on the veths.
guest_espvti_natt() {
	local n=$1 k i dev ns me peer spi_out key_out spi_in key_in nh
	for k in $(seq 0 $((n - 1))); do
		dev=esp$k
		esp_keying gcm128 0 || return 1
		for i in 0 1; do
			esp_side_vars "$i" 4
			ip -n "$ns" link add "$dev" type espvti || return 1
			ns_exec "$ns" "$ESPCTL" set "$dev" local "$me" remote "$peer" dev "${ESP_UL[$i]}" \
				encap udp sport $((4500 + k)) dport $((4500 + k)) keepalive 0 float off ||
				return 1
			ns_exec "$ns" "$ESPCTL" sa add "$dev" dir out spi "$spi_out" \
				aead "$ESP_ALG" "$key_out" "$ESP_ICV" || return 1
			ns_exec "$ns" "$ESPCTL" sa add "$dev" dir in spi "$spi_in" \
				aead "$ESP_ALG" "$key_in" "$ESP_ICV" replay-window "$ESP_WIN" || return 1
			if [ "$k" = 0 ]; then
				esp_inner_addrs "$i" "$dev" || return 1
			else
				ip -n "$ns" link set "$dev" up || return 1
			fi
		done
	done
	if [ "$n" -gt 1 ]; then
		for i in 0 1; do
			ns=${ESP_NS[$i]} nh=()
			for k in $(seq 0 $((n - 1))); do nh+=(nexthop dev "esp$k"); done
			ip netns exec "$ns" sysctl -qw net.ipv4.fib_multipath_hash_policy=1 || return 1
			ip -n "$ns" route add "${ESP_I4[$((1 - i))]}/32" "${nh[@]}" || return 1
		done
	fi
	guest_rps
}

# guest_tunnel NAME: brings tunnel NAME up on both sides of ESP_NS and sets
# the inner MTU of its devices to $MTU.
guest_tunnel() {
	local dev i k devs
	case $1 in
	espvti-gcm) dev=esp0; esp_keying gcm128 0 && esp_espvti_pair 4 ;;
	espvti-chacha) dev=esp0; esp_keying chacha 0 && esp_espvti_pair 4 ;;
	espvti-pcrypt) dev=esp0; esp_keying gcm128 0 && ESPVTI_TEST_CRYPTO=pcrypt esp_espvti_pair 4 ;;
	espvti-inline) dev=esp0; esp_keying gcm128 0 && esp_espvti_pair 4 ;;
	xfrm) dev=ipsec0; esp_keying gcm128 0 && esp_xfrmi_up 0 4 && esp_xfrmi_up 1 4 ;;
	wireguard) dev=wg0; guest_wg_up ;;
	espvti-natt) dev=esp0; guest_espvti_natt 1 ;;
	espvti-spread) dev=esp0; guest_espvti_natt "$SPREAD_N" ;;
	*) echo "unknown tunnel $1"; return 1 ;;
	esac || return 1
	devs=("$dev")
	if [ "$1" = espvti-spread ]; then
		for k in $(seq 1 $((SPREAD_N - 1))); do devs+=("esp$k"); done
	fi
	for i in 0 1; do
		for dev in "${devs[@]}"; do
			ip -n "${ESP_NS[$i]}" link set "$dev" mtu "$MTU" || return 1
		done
	done
	dev=${devs[0]}
	TUN_DEV[$2]=$dev
}

# guest_busy: the busy and the idle jiffies of all CPUs together (user,
# nice, system, irq, softirq, steal; idle and iowait), from /proc/stat.
guest_busy() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6; exit }' /proc/stat
}

# guest_server I: (re)starts the iperf3 server of tunnel I in B$i.
guest_server() {
	local nb
	nb=$(guest_ns "$1" 1)
	[ -n "${SERVER[$1]:-}" ] && esp_stop "${SERVER[$1]}"
	esp_bg ip netns exec "$nb" iperf3 -s
	SERVER[$1]=$ESP_BG_PID
	wait_for 10 esp_listening "$nb" 5201
}

# guest_iperf I TUNNEL WORKLOAD ROUND SECONDS: one iperf3 run through tunnel
# I; prints one line "BENCH-RUN {json}" with the raw numbers (round 0: the
# warm-up, not counted). The CPU time is read from /proc/stat just before
# the client starts and just after it ends (both iperf3 ends run in this
# guest, so it is the whole cost of moving the bytes, tools included).
guest_iperf() {
	local i=$1 t=$2 w=$3 r=$4 secs=$5 na out rc b0 i0 b1 i1 args=()
	na=$(guest_ns "$i" 0)
	case $w in
	tcp1) ;;
	tcp1-rev) args=(-R) ;;
	tcp4) args=(-P 4) ;;
	tcp4-rev) args=(-P 4 -R) ;;
	udp64) args=(-u -l 64 -b "$UDP_RATE") ;;
	udp512) args=(-u -l 512 -b "$UDP_RATE") ;;
	esac
	# espvti-inline: the same device without the parallel path (queue.c).
	if [ -w /sys/module/espvti/parameters/parallel ]; then
		if [ "$t" = espvti-inline ]; then
			echo 0 >/sys/module/espvti/parameters/parallel
		else
			echo 1 >/sys/module/espvti/parameters/parallel
		fi
	fi
	read -r b0 i0 < <(guest_busy)
	out=$(ip netns exec "$na" timeout $((secs + 30)) \
		iperf3 -c "${ESP_I4[1]}" -t "$secs" "${args[@]}" -J 2>&1)
	rc=$?
	read -r b1 i1 < <(guest_busy)
	if ! jq -e '.end.sum_received.bytes > 0' >/dev/null 2>&1 <<<"$out"; then
		jq -cn --arg t "$t" --arg w "$w" --argjson r "$r" --argjson c "$(nproc)" \
			--arg err "iperf3 exit $rc: $(tail -n 3 <<<"$out" | tr '\n' ' ')" \
			'{cpus: $c, tunnel: $t, workload: $w, round: $r, ok: false, error: $err}' |
			sed 's/^/BENCH-RUN /'
		guest_server "$i"
		return
	fi
	jq -c --arg t "$t" --arg w "$w" --argjson r "$r" --argjson c "$(nproc)" \
		--argjson busy $((b1 - b0)) --argjson idle $((i1 - i0)) \
		--argjson hz "$(getconf CLK_TCK)" --argjson mtu "$MTU" '
		.end.sum_received as $rx | .end.sum_sent as $tx |
		{cpus: $c, tunnel: $t, workload: $w, round: $r, ok: true, mtu: $mtu,
		 seconds: $rx.seconds, bytes: $rx.bytes,
		 mbit: ($rx.bits_per_second / 1e6),
		 busy_jiffies: $busy, idle_jiffies: $idle, user_hz: $hz}
		+ if ($w | startswith("udp")) then
			{packets_sent: $rx.packets, packets_lost: $rx.lost_packets,
			 pps: (($rx.packets - $rx.lost_packets) / $rx.seconds),
			 loss_pct: $rx.lost_percent}
		  else {retransmits: ($tx.retransmits // null)} end' <<<"$out" |
		sed 's/^/BENCH-RUN /'
}
