# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# tests/lib-esp.sh: helpers shared by the ESP data path tests
# (interop-xfrm, tunnel-espvti, pmtu, teardown). Source it after lib.sh.
#
# The topology is always two namespaces joined by one veth pair, carrying
# both an IPv4 and an IPv6 outer (underlay) address on each side; a tunnel
# device on each side carries both an IPv4 and an IPv6 inner address:
#
#   netns $a  (side 0)                           netns $b  (side 1)
#   +---------------------------+                +---------------------------+
#   | esp0 or ipsec0            |  ESP, tunnel   | esp0 or ipsec0            |
#   |   10.99.0.1/24            |<-------------->|   10.99.0.2/24            |
#   |   fd00:99::1/64           |     mode       |   fd00:99::2/64           |
#   | va 192.0.2.1/24           |     veth       | vb 192.0.2.2/24           |
#   |    2001:db8:f::1/64       +================+    2001:db8:f::2/64       |
#   +---------------------------+                +---------------------------+
#
#   SPI $ESP_SPI_AB / key $ESP_KEY_AB: side 0 -> side 1
#   SPI $ESP_SPI_BA / key $ESP_KEY_BA: side 1 -> side 0
#
# Either side can be espvti (esp_espvti_up) or the kernel's own ESP behind
# an xfrm interface (esp_xfrmi_up), keyed with the same SPIs and keys
# (esp_keying), for either outer family and both inner families at once.
#
# ESPVTI_TEST_CRYPTO=cryptd|pcrypt in the environment makes every espvti
# device of these helpers (and of tests calling esp_crypto_opt) use that
# asynchronous AEAD implementation (espctl set DEV crypto ...) for its SAs;
# tests/*-async.sh run existing tests that way.

# Outer (underlay) and inner (tunnel) addresses, indexed by side 0 / 1.
ESP_O4=(192.0.2.1 192.0.2.2)
ESP_O6=(2001:db8:f::1 2001:db8:f::2)
ESP_I4=(10.99.0.1 10.99.0.2)
ESP_I6=(fd00:99::1 fd00:99::2)
ESP_UL=(va vb)		# underlay device of each side
ESP_NS=()		# namespace of each side, set by esp_topo
ESP_IF_ID=42		# if_id of the xfrm interfaces
ESP_BG_PIDS=()		# background jobs killed by esp_cleanup
ESP_TMP=$(mktemp -d /tmp/espvti-test.XXXXXX)

# esp_cleanup: kills the background jobs started through esp_bg and removes
# the temporary files. Tests call it from their test_cleanup.
esp_cleanup() {
	esp_stop "${ESP_BG_PIDS[@]}"
	ESP_BG_PIDS=()
	rm -rf "$ESP_TMP"
}

# esp_bg CMD...: runs CMD in the background, to be killed at cleanup; the
# process id is left in ESP_BG_PID.
esp_bg() {
	"$@" &
	ESP_BG_PID=$!
	ESP_BG_PIDS+=("$ESP_BG_PID")
}

# esp_craft_start NS: starts tests/tools/espcraft.py serve in namespace NS
# as this shell's coprocess (ESP_CRAFT), for esp_craft; it ends with
# esp_cleanup. One per test.
esp_craft_start() {
	coproc ESP_CRAFT { exec ip netns exec "$1" python3 "$REPO/tests/tools/espcraft.py" serve 2>&1; }
	ESP_BG_PIDS+=("$ESP_CRAFT_PID")
}

# esp_craft ARGS...: runs one espcraft.py send or replay command (its
# arguments as on the command line) in the process of esp_craft_start,
# without starting Python again; fails with espcraft's reason.
esp_craft() {
	local reply
	[ -n "${ESP_CRAFT[1]:-}" ] || { echo "esp_craft: no espcraft server (esp_craft_start)"; return 1; }
	printf '%s\0' $# "$@" >&"${ESP_CRAFT[1]}" ||
		{ echo "esp_craft: the espcraft server is gone"; return 1; }
	read -r -t 120 reply <&"${ESP_CRAFT[0]}" ||
		{ echo "esp_craft: no answer from the espcraft server"; return 1; }
	[ "$reply" = ok ] || { echo "espcraft: ${reply#fail: }"; return 1; }
}

# esp_stop PID...: ends background jobs (traffic generators) and waits for
# them.
esp_stop() {
	local p
	for p in "$@"; do
		kill "$p" 2>/dev/null
	done
	for p in "$@"; do
		wait "$p" 2>/dev/null
	done
	return 0
}

# esp_require_tools TOOL...: skips the whole test when a tool is missing.
esp_require_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || ktap_skip_all "$t is not installed"
	done
	[ -x "$ESPCTL" ] || ktap_skip_all "$ESPCTL not built (run: make userland)"
}

# esp_hex N: N random bytes as 0x-prefixed hex digits.
esp_hex() {
	printf '0x%s' "$(head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n')"
}

# esp_spi: a random SPI (hex) in 0x00001000..0x7fffffff.
esp_spi() {
	printf '0x%08x' $(( (((RANDOM << 15) | RANDOM) % 0x7fffe000) + 0x1000 ))
}

# esp_keying ALG ESN: chooses fresh random SPIs and keys for both directions.
#   ALG: gcm128, gcm256 (rfc4106(gcm(aes)), 128-bit ICV) or chacha
#        (rfc7539esp(chacha20,poly1305)); ESN: 1 for extended sequence numbers.
# Sets ESP_ALG, ESP_ICV, ESP_ESN, ESP_SPI_AB, ESP_SPI_BA, ESP_KEY_AB,
# ESP_KEY_BA, ESP_WIN (replay window), ESP_DESC (a label for results).
esp_keying() {
	local klen
	case $1 in
	gcm128) ESP_ALG='rfc4106(gcm(aes))' klen=20 ;;
	gcm256) ESP_ALG='rfc4106(gcm(aes))' klen=36 ;;
	chacha) ESP_ALG='rfc7539esp(chacha20,poly1305)' klen=36 ;;
	*) ktap_bail "esp_keying: unknown algorithm $1" ;;
	esac
	ESP_ICV=128
	ESP_ESN=${2:-0}
	ESP_KEY_AB=$(esp_hex $klen)
	ESP_KEY_BA=$(esp_hex $klen)
	ESP_SPI_AB=$(esp_spi)
	ESP_SPI_BA=$(esp_spi)
	while [ "$ESP_SPI_BA" = "$ESP_SPI_AB" ]; do ESP_SPI_BA=$(esp_spi); done
	if [ "$ESP_ESN" = 1 ]; then ESP_WIN=128; else ESP_WIN=32; fi
	ESP_DESC=$1
	[ "$ESP_ESN" = 1 ] && ESP_DESC+="+esn"
	return 0
}

# esp_topo: creates the two namespaces ($a, $b) and the veth pair with the
# outer addresses, and waits until each side reaches the other over IPv4
# and IPv6.
esp_topo() {
	ns_add a b
	ESP_NS=("$a" "$b")
	ip link add va netns "$a" type veth peer name vb netns "$b" ||
		ktap_bail "cannot create the veth pair"
	ip -n "$a" addr add "${ESP_O4[0]}/24" dev va
	ip -n "$b" addr add "${ESP_O4[1]}/24" dev vb
	ip -n "$a" addr add "${ESP_O6[0]}/64" dev va nodad
	ip -n "$b" addr add "${ESP_O6[1]}/64" dev vb nodad
	ip -n "$a" link set va up
	ip -n "$b" link set vb up
	wait_for 10 ns_exec "$a" ping -c 1 -W 1 "${ESP_O4[1]}" ||
		ktap_bail "underlay IPv4 ${ESP_O4[0]} -> ${ESP_O4[1]} does not work"
	wait_for 10 ns_exec "$a" ping -c 1 -W 1 "${ESP_O6[1]}" ||
		ktap_bail "underlay IPv6 ${ESP_O6[0]} -> ${ESP_O6[1]} does not work"
}

# esp_side_vars SIDE OFAM: sets the local variables of the esp_*_up
# functions (they must be declared local by the caller): ns me peer
# spi_out key_out spi_in key_in.
esp_side_vars() {
	local i=$1 j=$((1 - $1))
	ns=${ESP_NS[$i]}
	if [ "$2" = 6 ]; then me=${ESP_O6[$i]} peer=${ESP_O6[$j]}
	else me=${ESP_O4[$i]} peer=${ESP_O4[$j]}; fi
	if [ "$i" = 0 ]; then
		spi_out=$ESP_SPI_AB key_out=$ESP_KEY_AB spi_in=$ESP_SPI_BA key_in=$ESP_KEY_BA
	else
		spi_out=$ESP_SPI_BA key_out=$ESP_KEY_BA spi_in=$ESP_SPI_AB key_in=$ESP_KEY_AB
	fi
}

# esp_inner_addrs SIDE DEV: puts the inner addresses on DEV and brings it up.
esp_inner_addrs() {
	local ns=${ESP_NS[$1]}
	ip -n "$ns" addr add "${ESP_I4[$1]}/24" dev "$2" &&
		ip -n "$ns" addr add "${ESP_I6[$1]}/64" dev "$2" nodad &&
		ip -n "$ns" link set "$2" up
}

# esp_crypto_opt NS DEV: applies $ESPVTI_TEST_CRYPTO (if set) to the espvti
# device DEV in NS, before its SAs are added; fails when it cannot.
esp_crypto_opt() {
	[ -n "${ESPVTI_TEST_CRYPTO:-}" ] || return 0
	ns_exec "$1" "$ESPCTL" set "$2" crypto "$ESPVTI_TEST_CRYPTO" || {
		echo "cannot set crypto $ESPVTI_TEST_CRYPTO on $2 in $1"
		return 1
	}
}

# esp_espvti_up SIDE OFAM [DEV]: on SIDE (0 or 1), creates the espvti device
# DEV (default esp0) with outer family OFAM (4 or 6), the outbound and
# inbound SA of esp_keying, and the inner addresses. Prints what failed.
esp_espvti_up() {
	local ns me peer spi_out key_out spi_in key_in dev=${3:-esp0}
	local esn=()
	esp_side_vars "$1" "$2"
	[ "$ESP_ESN" = 1 ] && esn=(esn)
	ip -n "$ns" link add "$dev" type espvti || return 1
	esp_crypto_opt "$ns" "$dev" || return 1
	ns_exec "$ns" "$ESPCTL" set "$dev" local "$me" remote "$peer" dev "${ESP_UL[$1]}" ||
		return 1
	ns_exec "$ns" "$ESPCTL" sa add "$dev" dir out spi "$spi_out" \
		aead "$ESP_ALG" "$key_out" "$ESP_ICV" "${esn[@]}" || return 1
	ns_exec "$ns" "$ESPCTL" sa add "$dev" dir in spi "$spi_in" \
		aead "$ESP_ALG" "$key_in" "$ESP_ICV" "${esn[@]}" replay-window "$ESP_WIN" ||
		return 1
	esp_inner_addrs "$1" "$dev"
}

# esp_xfrmi_up SIDE OFAM [STATE-ARGS...]: on SIDE, creates the xfrm interface
# ipsec0 (if_id $ESP_IF_ID) over the underlay, the two xfrm states of
# esp_keying in tunnel mode (flag af-unspec: one state carries both inner
# families; STATE-ARGS added to both, e.g. "encap espinudp 4500 4500 ADDR"),
# the policies for both inner families and the inner addresses.
esp_xfrmi_up() {
	local ns me peer spi_out key_out spi_in key_in sel
	local flags=(flag af-unspec)
	esp_side_vars "$1" "$2"
	[ "$ESP_ESN" = 1 ] && flags+=(esn)
	ip -n "$ns" link add ipsec0 type xfrm dev "${ESP_UL[$1]}" if_id "$ESP_IF_ID" || return 1
	ip -n "$ns" xfrm state add src "$me" dst "$peer" proto esp spi "$spi_out" reqid 1 \
		mode tunnel if_id "$ESP_IF_ID" "${flags[@]}" replay-window "$ESP_WIN" \
		aead "$ESP_ALG" "$key_out" "$ESP_ICV" "${@:3}" || return 1
	ip -n "$ns" xfrm state add src "$peer" dst "$me" proto esp spi "$spi_in" reqid 1 \
		mode tunnel if_id "$ESP_IF_ID" "${flags[@]}" replay-window "$ESP_WIN" \
		aead "$ESP_ALG" "$key_in" "$ESP_ICV" "${@:3}" || return 1
	for sel in 0.0.0.0/0 ::/0; do
		ip -n "$ns" xfrm policy add src "$sel" dst "$sel" dir out if_id "$ESP_IF_ID" \
			tmpl src "$me" dst "$peer" proto esp reqid 1 mode tunnel || return 1
		ip -n "$ns" xfrm policy add src "$sel" dst "$sel" dir in if_id "$ESP_IF_ID" \
			tmpl src "$peer" dst "$me" proto esp reqid 1 mode tunnel || return 1
	done
	esp_inner_addrs "$1" ipsec0
}

# esp_side_down SIDE: removes every tunnel device, xfrm state and policy of
# SIDE (the namespaces and the underlay stay).
esp_side_down() {
	local ns=${ESP_NS[$1]} d
	for d in esp0 esp1 ipsec0; do
		ip -n "$ns" link del "$d" 2>/dev/null
	done
	ip -n "$ns" xfrm policy flush
	ip -n "$ns" xfrm state flush
	return 0
}

# esp_ping NS ADDR: three echo requests (0.2 s apart) must all be answered
# within 15 s.
esp_ping() {
	ns_exec "$1" ping -c 3 -i 0.2 -w 15 "$2"
}

# esp_payload BYTES: prints the name of a file of BYTES random bytes
# (made once per size and test run).
esp_payload() {
	local f=$ESP_TMP/payload.$1
	[ -s "$f" ] || head -c "$1" /dev/urandom >"$f"
	echo "$f"
}

# esp_tcp SRC_NS DST_NS DST_ADDR BYTES [SECONDS]: sends BYTES random bytes
# over TCP from SRC_NS to DST_ADDR (IPv4 or IPv6) in DST_NS with socat;
# succeeds when exactly those bytes arrived (length and SHA-256 compared)
# within SECONDS (default 120).
esp_tcp() {
	local src=$1 dst=$2 addr=$3 bytes=$4 secs=${5:-120} port f recv pid listen conn got
	port=$((20000 + RANDOM % 20000))
	f=$(esp_payload "$bytes")
	recv=$ESP_TMP/recv.$port
	if [[ $addr == *:* ]]; then
		listen=TCP6-LISTEN:$port,reuseaddr conn=TCP6:[$addr]:$port
	else
		listen=TCP4-LISTEN:$port,reuseaddr conn=TCP4:$addr:$port
	fi
	ns_exec "$dst" timeout "$secs" socat -u "$listen" "CREATE:$recv" &
	pid=$!
	if ! wait_for 10 esp_listening "$dst" "$port"; then
		echo "receiver in $dst never listened on port $port"
		kill "$pid" 2>/dev/null
		wait "$pid"
		return 1
	fi
	if ! ns_exec "$src" timeout "$secs" socat -u "OPEN:$f,rdonly" "$conn"; then
		echo "sender $src -> $addr:$port failed"
		kill "$pid" 2>/dev/null
		wait "$pid"
		return 1
	fi
	wait "$pid" || { echo "receiver in $dst failed (exit $?)"; return 1; }
	got=$(stat -c %s "$recv" 2>/dev/null || echo 0)
	if [ "$got" != "$bytes" ] || ! cmp -s "$f" "$recv"; then
		echo "received $got of $bytes bytes; sha256 sent $(sha256sum <"$f" | cut -c1-16)," \
			"received $(sha256sum <"$recv" | cut -c1-16)"
		return 1
	fi
	rm -f "$recv"
	return 0
}

# esp_listening NS PORT: a TCP socket listens on PORT in NS.
esp_listening() {
	ns_exec "$1" ss -Hltn "sport = :$2" | grep -q .
}

# esp_show_json NS [DEV]: `espctl show [DEV] --json` in NS.
esp_show_json() {
	ns_exec "$1" "$ESPCTL" show ${2:+"$2"} --json
}

# shellcheck disable=SC2016 # jq and awk programs: $ is theirs, not the shell's
# jq helpers: devices() yields every device object whether espctl printed an
# array or a single object; spinum turns an SPI given as a number, a decimal
# string or a 0x-prefixed hex string into a number.
ESP_JQ_DEFS='
def devices: if type == "array" then .[] else . end;
def hexval: ascii_downcase | explode
	| reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end));
def spinum: if type == "number" then .
	elif type == "string" then
		(if test("^0[xX]") then (.[2:] | hexval) else tonumber end)
	else -1 end;
'

# esp_dev_stat NS DEV COUNTER: prints the device counter COUNTER (e.g.
# tx_too_big) from espctl's JSON; fails when it is not there.
esp_dev_stat() {
	local v
	v=$(esp_show_json "$1" "$2" | jq -r --arg dev "$2" --arg k "$3" \
		"$ESP_JQ_DEFS"' devices | select(.ifname == $dev) | .stats[$k] // empty') || return 1
	[ -n "$v" ] || { echo "no device counter $3 for $2 in espctl show --json" >&2; return 1; }
	echo "$v"
}

# esp_dev_field NS DEV FIELD: prints the top-level FIELD (e.g. mtu) of DEV.
esp_dev_field() {
	local v
	v=$(esp_show_json "$1" "$2" | jq -r --arg dev "$2" --arg k "$3" \
		"$ESP_JQ_DEFS"' devices | select(.ifname == $dev) | .[$k] // empty') || return 1
	[ -n "$v" ] || { echo "no field $3 for $2 in espctl show --json" >&2; return 1; }
	echo "$v"
}

# esp_sa_rx_ge NS SPI N: the inbound SA SPI of esp0 in NS decrypted at
# least N packets.
esp_sa_rx_ge() {
	local v
	v=$(esp_sa_stat "$1" esp0 in "$2" rx_packets 2>/dev/null) && [ "$v" -ge "$3" ]
}

# esp_inflight_is NS N: esp0 in NS has N crypto requests in flight (the
# device's crypto_inflight).
esp_inflight_is() {
	local v
	v=$(esp_dev_field "$1" esp0 crypto_inflight) && [ "$v" = "$2" ]
}

# esp_sa_stat NS DEV DIR SPI COUNTER: prints the counter COUNTER (e.g.
# rx_packets) of the SA DIR (in/out) SPI of DEV; fails when absent.
esp_sa_stat() {
	local v
	v=$(esp_show_json "$1" "$2" | jq -r --arg dev "$2" --arg dir "$3" \
		--argjson spi "$(($4))" --arg k "$5" "$ESP_JQ_DEFS"'
		devices | select(.ifname == $dev) | .sas[]?
		| select(.dir == $dir and (.spi | spinum) == $spi) | .stats[$k] // empty') || return 1
	[ -n "$v" ] || { echo "no counter $5 for SA $3 $4 of $2 in espctl show --json" >&2; return 1; }
	echo "$v"
}

# esp_sa_present NS DEV DIR SPI: espctl lists the SA.
esp_sa_present() {
	local n
	n=$(esp_show_json "$1" "$2" | jq -r --arg dev "$2" --arg dir "$3" \
		--argjson spi "$(($4))" "$ESP_JQ_DEFS"'
		[devices | select(.ifname == $dev) | .sas[]?
		 | select(.dir == $dir and (.spi | spinum) == $spi)] | length') || return 1
	[ "$n" -gt 0 ]
}

# esp_xfrm_pkts NS SRC DST SPI: prints the packet count ("lifetime current")
# of an xfrm state.
esp_xfrm_pkts() {
	local out n
	out=$(ip -n "$1" -s xfrm state get src "$2" dst "$3" proto esp spi "$4") || return 1
	n=$(grep -A1 'lifetime current' <<<"$out" | grep -o '[0-9]*(packets)' | tr -dc 0-9)
	[ -n "$n" ] || { echo "no packet count in: $out" >&2; return 1; }
	echo "$n"
}

# esp_xfrm_failed NS SRC DST SPI: prints the "failed" (integrity) count of
# an xfrm state's stats.
esp_xfrm_failed() {
	local out n
	out=$(ip -n "$1" -s xfrm state get src "$2" dst "$3" proto esp spi "$4") || return 1
	n=$(grep -A1 '^[[:space:]]*stats:' <<<"$out" | grep -o 'failed [0-9]*' | tr -dc 0-9)
	echo "${n:-0}"
}

# esp_wire_counts OFAM: reads, for espvti on side 0 ($a) keyed against xfrm
# on side 1 ($b) by esp_keying, into the caller's variables: xin (packets
# xfrm received on $ESP_SPI_AB), etx (espvti's outbound SA tx_packets), erx
# (espvti's inbound SA rx_packets), xout (packets xfrm sent on
# $ESP_SPI_BA), xfail (xfrm's integrity failures on $ESP_SPI_AB). Each
# receiver's counter is read before its sender's, so that "sent >=
# received" holds whatever crosses in between (IPv6 on the tunnel devices
# sends packets of its own, router solicitations and MLD, at any time).
esp_wire_counts() {
	local me peer
	if [ "$1" = 6 ]; then me=${ESP_O6[1]} peer=${ESP_O6[0]}
	else me=${ESP_O4[1]} peer=${ESP_O4[0]}; fi
	xin=$(esp_xfrm_pkts "$b" "$peer" "$me" "$ESP_SPI_AB") || return 1
	etx=$(esp_sa_stat "$a" esp0 out "$ESP_SPI_AB" tx_packets) || return 1
	erx=$(esp_sa_stat "$a" esp0 in "$ESP_SPI_BA" rx_packets) || return 1
	xout=$(esp_xfrm_pkts "$b" "$me" "$peer" "$ESP_SPI_BA") || return 1
	xfail=$(esp_xfrm_failed "$b" "$peer" "$me" "$ESP_SPI_AB")
}

# esp_tunnel_ok: the espvti pair of esp_topo passes traffic both ways.
esp_tunnel_ok() {
	esp_ping "$a" "${ESP_I4[1]}" && esp_ping "$b" "${ESP_I6[0]}"
}

# esp_keepalives_arrive NS: esp0 in NS counted at least one NAT-T keepalive.
esp_keepalives_arrive() {
	local k
	k=$(esp_dev_stat "$1" esp0 rx_keepalive) && [ "$k" -ge 1 ]
}

# esp_ge A B: A >= B as numbers, else prints both.
esp_ge() {
	[ "$1" -ge "$2" ] 2>/dev/null || { echo "$1 is not >= $2"; return 1; }
}

# esp_snmp NS PROTO FIELD: prints a counter of /proc/net/snmp in NS, e.g.
# esp_snmp "$a" Ip FragCreates.
esp_snmp() {
	# shellcheck disable=SC2016 # awk's $
	ns_exec "$1" awk -v p="$2:" -v f="$3" '
		$1 == p && !hdr { for (i = 2; i <= NF; i++) col[$i] = i; hdr = 1; next }
		$1 == p && hdr { print $col[f]; exit }' /proc/net/snmp
}

# esp_espvti_pair OFAM: espvti devices esp0 on both sides (esp_espvti_up).
esp_espvti_pair() {
	esp_espvti_up 0 "$1" && esp_espvti_up 1 "$1"
}

# ---- counter deltas (replay.sh, malformed.sh) ----

# esp_rx_stats NS DEV: the counters of DEV as KEY=VALUE lines: those of its
# inbound SA $STAT_SPI when that is set (so that nothing else reaching the
# device can disturb a count), else the device totals.
esp_rx_stats() {
	esp_show_json "$1" "$2" | jq -r --arg dev "$2" --arg spi "$((${STAT_SPI:--1}))" \
		"$ESP_JQ_DEFS"' ($spi | tonumber) as $n | devices | select(.ifname == $dev)
		| if $n < 0 then .stats
		  else .sas[]? | select(.dir == "in" and (.spi | spinum) == $n) | .stats end
		| to_entries[] | "\(.key)=\(.value)"'
}

# esp_stat_in FILE KEY: the value of KEY in a esp_rx_stats snapshot.
esp_stat_in() {
	local k v
	while IFS='=' read -r k v; do
		[ "$k" = "$2" ] && { echo "$v"; return 0; }
	done <"$1"
}

# esp_stats_load FILE ARRAY: the esp_rx_stats snapshot FILE into the
# associative array named ARRAY (declared by the caller), without a fork:
# the checks that compare snapshots run dozens of times in a test, and
# every fork costs tens of milliseconds under TCG.
esp_stats_load() {
	local -n __esp_m=$2
	local __k __v
	__esp_m=()
	while IFS='=' read -r __k __v; do
		[ -n "$__k" ] && __esp_m[$__k]=$__v
	done <"$1"
}

# esp_deltas_reached BEFORE SPEC...: every counter given as NAME=+N with N > 0
# in SPEC has grown by at least N since the snapshot BEFORE.
esp_deltas_reached() {
	local before=$1 now=$ESP_TMP/now s k n v
	local -A __b=() __n=()
	shift
	esp_rx_stats "$b" esp0 >"$now" || return 1
	esp_stats_load "$before" __b
	esp_stats_load "$now" __n
	for s in "$@"; do
		k=${s%%=*} n=${s#*=+}
		[ "$n" -gt 0 ] || continue
		v=${__n[$k]:-}
		[ -n "$v" ] && [ "$v" -ge $((${__b[$k]:-0} + n)) ] || return 1
	done
}

# esp_expect_rx SPEC CMD...: runs CMD, then waits until the counters of esp0
# in $b (see esp_rx_stats) moved exactly as SPEC says: one NAME=+N per
# counter (the other counters of the test's RX_COUNTERS array must not move
# at all). At least one N must be positive.
esp_expect_rx() {
	local spec=$1 before=$ESP_TMP/before now=$ESP_TMP/now s k n w was v want ok=0
	local full=()
	local -A __b=() __n=()
	shift
	for k in "${RX_COUNTERS[@]}"; do
		n=0
		for w in $spec; do
			[ "${w%%=+*}" = "$k" ] && n=${w#*=+}
		done
		full+=("$k=+$n")
	done
	esp_rx_stats "$b" esp0 >"$before" || { echo "espctl show failed"; return 1; }
	"$@" || { echo "command failed: $*"; return 1; }
	# esp_deltas_reached leaves its last snapshot in $now: read again only
	# when the wait ran out (its last reading may have failed).
	wait_for 10 esp_deltas_reached "$before" "${full[@]}" ||
		esp_rx_stats "$b" esp0 >"$now" || return 1
	esp_stats_load "$before" __b
	esp_stats_load "$now" __n
	for s in "${full[@]}"; do
		k=${s%%=*} n=${s#*=+}
		was=${__b[$k]:-} v=${__n[$k]:-}
		want=$((${was:-0} + n))
		if [ "$v" != "$want" ]; then
			echo "$k: $was -> $v, expected +$n"
			ok=1
		elif [ "$n" -gt 0 ]; then
			echo "$k: $was -> $v"
		fi
	done
	return "$ok"
}
