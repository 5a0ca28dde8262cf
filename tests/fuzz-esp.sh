#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# fuzz-esp: tests/tools/esp-fuzz.py sends mutated ESP and ESP-in-UDP
# datagrams (cut at every length, random bytes, the fuzzer's own SA with
# fresh and stale sequence numbers, bad padding, bad next header, dummy
# packets, bad inner headers, selector violations, forgeries at the SPIs of
# the live tunnels, unknown SPIs, NAT-T keepalives, non-ESP markers; raw
# over IPv4 and IPv6, in UDP over IPv4 and IPv6; some cut into IP
# fragments, over IPv6 some behind hop-by-hop and destination options) at
# ~$RATE per second for ${ESPVTI_TEST_FUZZ_SECONDS:-15} seconds at $b,
# while two tunnels carry a ping flood from $a: esp0 (outer IPv4, raw ESP,
# inner IPv4) and esp1 (outer IPv6, ESP in UDP, inner IPv6). The fuzzer
# says where each datagram must be counted; checked afterwards, from the
# counters of $b (espctl show --json) and /proc/net/xfrm_stat:
#   - the fuzzer's SA ($SPI_X on esp2): each receive counter grew by exactly
#     what was sent of each kind;
#   - SA-less UDP drops (rx_no_sa, rx_udp_malformed, rx_keepalive,
#     rx_non_esp), charged by sender: over IPv4 from 192.0.2.3 to esp2, over
#     IPv6 from 2001:db8:f::1 to esp1; exactly;
#   - the live SAs: the sum of their drop counters grew by exactly the
#     forgeries sent at them, and rx_packets by what $a's outbound SA sent
#     (tx_packets), less at most 1% + 1 (emulator noise);
#   - raw ESP of no espvti SA, or too short for an SPI: the kernel's ESP
#     counts it (XfrmInNoStates, XfrmInHdrError), exactly;
#   - every datagram sent is in one of those; a counter may fall short only
#     by packets the emulated machine dropped for a full backlog
#     (/proc/net/softnet_stat), which the test then prints;
#   - the ping floods lost (nearly) nothing, the tunnels work afterwards,
#     the kernel log stays clean (scripts/vmtest).
# The seed is printed ("# seed N") and set with ESPVTI_TEST_FUZZ_SEED.
#
#   netns $a                                         netns $b
#   +------------------------------+                 +-------------------------------+
#   | esp0 10.99.0.1  (raw ESP) ---|---- IPv4 ------>| esp0 10.99.0.2                |
#   | esp1 fd00:98::1 (UDP 4500) --|---- IPv6 ------>| esp1 fd00:98::2 (UDP 4500)    |
#   | ping -f to both              |                 | esp2 10.97.0.2, remote        |
#   |                              |                 |   192.0.2.3 (UDP 4500),       |
#   | esp-fuzz.py (IPPROTO_RAW) ---|-- fuzz v4/v6 -->|   SA in $SPI_X (the fuzzer's) |
#   | va 192.0.2.1, 192.0.2.3      |                 | vb 192.0.2.2                  |
#   |    2001:db8:f::1             +=================+    2001:db8:f::2              |
#   +------------------------------+      veth       +-------------------------------+
#
# vmtest-timeout: 600
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

FUZZ=$REPO/tests/tools/esp-fuzz.py
SECONDS_FUZZ=${ESPVTI_TEST_FUZZ_SECONDS:-15}
SEED=${ESPVTI_TEST_FUZZ_SEED:-$(( (RANDOM << 15 | RANDOM) + 1 ))}
RATE=${ESPVTI_TEST_FUZZ_RATE:-800}
PING_RATE=50		# per second and tunnel
SPI_X=0x00f0220f
KEY_X=$(esp_hex 20)

test_cleanup() {
	esp_cleanup
}

# pair1_up SIDE: esp1 on SIDE, outer IPv6 in UDP (port 4500 both ends, no
# keepalives, no floating), the SAs of the current esp_keying, inner
# 10.98.0.x/24 and fd00:98::x/64.
pair1_up() {
	local ns me peer spi_out key_out spi_in key_in i=$(($1 + 1))
	esp_side_vars "$1" 6
	ip -n "$ns" link add esp1 type espvti || return 1
	ns_exec "$ns" "$ESPCTL" set esp1 local "$me" remote "$peer" dev "${ESP_UL[$1]}" \
		encap udp sport 4500 dport 4500 keepalive 0 float off || return 1
	ns_exec "$ns" "$ESPCTL" sa add esp1 dir out spi "$spi_out" \
		aead "$ESP_ALG" "$key_out" "$ESP_ICV" || return 1
	ns_exec "$ns" "$ESPCTL" sa add esp1 dir in spi "$spi_in" \
		aead "$ESP_ALG" "$key_in" "$ESP_ICV" replay-window "$ESP_WIN" || return 1
	ip -n "$ns" addr add "10.98.0.$i/24" dev esp1 &&
		ip -n "$ns" addr add "fd00:98::$i/64" dev esp1 nodad &&
		ip -n "$ns" link set esp1 up
}

# esp2_up: esp2 in $b, UDP encapsulation over IPv4 towards 192.0.2.3 (no
# peer device: it is the fuzzer's), with the fuzzer's inbound SA.
esp2_up() {
	ip -n "$a" addr add 192.0.2.3/24 dev va &&
		ip -n "$b" link add esp2 type espvti &&
		ns_exec "$b" "$ESPCTL" set esp2 local 192.0.2.2 remote 192.0.2.3 dev vb \
			encap udp sport 4500 dport 4500 keepalive 0 float off &&
		ns_exec "$b" "$ESPCTL" sa add esp2 dir in spi "$SPI_X" aead 'rfc4106(gcm(aes))' \
			"$KEY_X" 128 replay-window 64 ts-local 10.97.0.0/24,fd00:97::/64 \
			ts-remote 10.97.0.0/24,fd00:97::/64 &&
		ip -n "$b" addr add 10.97.0.2/24 dev esp2 &&
		ip -n "$b" addr add fd00:97::2/64 dev esp2 nodad &&
		ip -n "$b" link set esp2 up
}

pair1() {
	pair1_up 0 && pair1_up 1
}

# fuzz_ran RC: the fuzzer exited RC = 0 and sent something.
fuzz_ran() {
	grep -v '^{' "$ESP_TMP/fuzz.out"
	[ "$1" = 0 ] && jq -e '.sent > 0' "$ESP_TMP/fuzz.json" >/dev/null
}

tunnels_ok() {
	esp_ping "$a" 10.99.0.2 && esp_ping "$a" fd00:98::2 && esp_ping "$b" 10.99.0.1
}

# softnet_dropped: packets dropped for a full backlog, all CPUs (second
# column of /proc/net/softnet_stat, hexadecimal).
softnet_dropped() {
	local n=0 _p d _r
	while read -r _p d _r; do
		n=$((n + 16#$d))
	done </proc/net/softnet_stat
	echo "$n"
}

# snapshot FILE: espctl show --json of both sides and the xfrm counters of $b.
snapshot() {
	{
		echo '{"a":'
		esp_show_json "$a" || return 1
		echo ',"b":'
		esp_show_json "$b" || return 1
		echo ',"xfrm":{'
		ns_exec "$b" awk '{ printf "%s\"%s\":%s", (NR > 1 ? "," : ""), $1, $2 }' /proc/net/xfrm_stat
		# Packets the emulated machine dropped before any protocol saw
		# them (a CPU's backlog full), in every namespace.
		echo '},"softnet_dropped":'
		softnet_dropped
		echo '}'
	} >"$1"
}

# The accounting, in python: account.py BEFORE AFTER FUZZ_JSON CHECK.
cat >"$ESP_TMP/account.py" <<'EOF'
import json, sys

before, after, fz = (json.load(open(f)) for f in sys.argv[1:4])
check = sys.argv[4]
spis = {k: int(v, 0) for k, v in (a.split("=") for a in sys.argv[5:])}
exp = fz["expect"]
RX_DROPS = ["rx_no_sa", "rx_replay", "rx_auth_fail", "rx_bad_trailer", "rx_bad_inner",
            "rx_selector", "rx_malformed", "rx_expired", "rx_crypto_busy", "rx_dummy"]
SA_X = ["rx_packets"] + RX_DROPS
SALESS = ["rx_no_sa", "rx_udp_malformed", "rx_keepalive", "rx_non_esp"]

def devs(snap, side):
    d = snap[side]
    return {x["ifname"]: x for x in (d if isinstance(d, list) else [d])}

def spinum(v):
    return v if isinstance(v, int) else int(v, 0)

def sa(snap, side, dev, d, spi):
    for s in devs(snap, side)[dev].get("sas", []):
        if s["dir"] == d and spinum(s["spi"]) == spi:
            return s["stats"]
    raise SystemExit("no SA %s %#x on %s" % (d, spi, dev))

def delta(get, key):
    return get(after).get(key, 0) - get(before).get(key, 0)

bad = []
# Datagrams the emulated machine dropped before any protocol saw them (a
# CPU's backlog full): a counter may fall short by that much, never more,
# and never exceed what was sent.
lost = after.get("softnet_dropped", 0) - before.get("softnet_dropped", 0)
if lost:
    print("softnet_stat: %d packets dropped for a full backlog" % lost)
def expect(what, got, want):
    global lost
    line = "%s: %d (expected %d)" % (what, got, want)
    if got == want:
        print(line)
    elif got < want <= got + lost:
        print(line + ", short by what the backlog dropped")
        lost -= want - got
    else:
        print(line + "  <-- MISMATCH")
        bad.append(what)

if check == "sa_x":
    g = lambda s: sa(s, "b", "esp2", "in", spis["x"])
    for k in SA_X:
        expect("SA %#x %s" % (spis["x"], k), delta(g, k), exp.get("sa_x:" + k, 0))
elif check in ("udp4", "udp6"):
    dev = "esp2" if check == "udp4" else "esp1"
    g = lambda s: devs(s, "b")[dev]["stats"]
    for k in SALESS:
        want = exp.get(check + ":" + k, 0)
        if dev == "esp2":
            want += exp.get("sa_x:" + k, 0)
        expect("%s %s" % (dev, k), delta(g, k), want)
elif check in ("live0", "live1"):
    dev = "esp0" if check == "live0" else "esp1"
    spi_in, spi_out = spis[check + "_in"], spis[check + "_out"]
    g = lambda s: sa(s, "b", dev, "in", spi_in)
    drops = sum(delta(g, k) for k in RX_DROPS)
    expect("%s SA in %#x: sum of drop counters" % (dev, spi_in), drops,
           exp.get("live:%d" % spi_in, 0))
    sent = delta(lambda s: sa(s, "a", dev, "out", spi_out), "tx_packets")
    got = delta(g, "rx_packets")
    # Near zero loss: 1% + 1 of the tunnel's own packets (the emulator may
    # drop one, e.g. while a neighbour entry is probed), never more than sent.
    print("%s SA in %#x: rx_packets %d, the peer's tx_packets %d" % (dev, spi_in, got, sent))
    if not sent - sent // 100 - 1 <= got <= sent:
        print("  <-- MISMATCH: more lost than 1% + 1, or more received than sent")
        bad.append("rx_packets")
elif check == "xfrm":
    for k in ("XfrmInNoStates", "XfrmInHdrError"):
        expect(k, delta(lambda s: s["xfrm"], k), exp.get("xfrm:" + k, 0))
elif check == "total":
    n = sum(exp.values())
    expect("datagrams in a bucket", n, fz["sent"])
    print("kinds: " + json.dumps(fz["kinds"], sort_keys=True))
    print("transports: %s, fragmented %d, with IPv6 extension headers %d" % (
        json.dumps(fz["transports"], sort_keys=True), fz["fragmented"], fz["ext_headers"]))
sys.exit(1 if bad else 0)
EOF

# account CHECK: the named accounting check (account.py) on the snapshots.
account() {
	snapshot "$ESP_TMP/after" || return 1
	python3 "$ESP_TMP/account.py" "$ESP_TMP/before" "$ESP_TMP/after" "$ESP_TMP/fuzz.json" \
		"$1" x="$SPI_X" live0_in="$SPI0_AB" live0_out="$SPI0_AB" \
		live1_in="$SPI1_AB" live1_out="$SPI1_AB"
}

# settled: what the receiver counted no longer changes (nothing in flight).
settled() {
	snapshot "$ESP_TMP/s1" && sleep 0.5 && snapshot "$ESP_TMP/s2" &&
		cmp -s <(jq -S '.b, .xfrm' "$ESP_TMP/s1") <(jq -S '.b, .xfrm' "$ESP_TMP/s2")
}

# ping_loss FILE: the ping summary in FILE shows at most 1% + 1 lost.
ping_loss() {
	local tx rx
	tx=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$1")
	rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$1")
	echo "transmitted ${tx:-?}, received ${rx:-?}"
	[ -n "$tx" ] && [ -n "$rx" ] && [ "$tx" -gt 0 ] && [ $((tx - rx)) -le $((tx / 100 + 1)) ]
}

esp_require_tools jq python3
python3 -c 'import cryptography' 2>/dev/null || ktap_skip_all "python3-cryptography is not installed"
ktap_plan 15
espvti_load
# The kernel's own ESP counts the raw ESP that espvti leaves to it.
modprobe -q -a esp4 esp6 xfrm_user 2>/dev/null
esp_topo
ktap_diag "seed $SEED (ESPVTI_TEST_FUZZ_SEED), $SECONDS_FUZZ s at ~$RATE datagrams/s"

esp_keying gcm128 0
SPI0_AB=$ESP_SPI_AB
check "esp0: outer IPv4, raw ESP" esp_espvti_pair 4 || ktap_bail "no tunnel"
esp_keying gcm128 0
while [ "$ESP_SPI_AB" = "$SPI0_AB" ] || [ "$ESP_SPI_BA" = "$SPI0_AB" ]; do esp_keying gcm128 0; done
SPI1_AB=$ESP_SPI_AB
check "esp1: outer IPv6, ESP in UDP" pair1 || ktap_bail "no UDP tunnel"
check "esp2 in \$b: UDP over IPv4 from 192.0.2.3, the fuzzer's SA $SPI_X" esp2_up ||
	ktap_bail "no esp2"
check "tunnels work before" tunnels_ok

snapshot "$ESP_TMP/before" || ktap_bail "espctl show --json failed"
count=$((SECONDS_FUZZ * PING_RATE))
ns_exec "$a" ping -q -i 0.02 -c "$count" -w $((SECONDS_FUZZ * 6 + 60)) 10.99.0.2 \
	>"$ESP_TMP/ping0" 2>&1 &
ping0=$!
ns_exec "$a" ping -q -i 0.02 -c "$count" -w $((SECONDS_FUZZ * 6 + 60)) fd00:98::2 \
	>"$ESP_TMP/ping1" 2>&1 &
ping1=$!
ns_exec "$a" python3 "$FUZZ" --seed "$SEED" --seconds "$SECONDS_FUZZ" --rate "$RATE" \
	--spi-x "$SPI_X" --key-x "$KEY_X" --live "$SPI0_AB" --live "$SPI1_AB" \
	--out "$ESP_TMP/fuzz.json" >"$ESP_TMP/fuzz.out" 2>&1
fuzz_rc=$?
wait "$ping0"
wait "$ping1"
check "esp-fuzz.py ran" fuzz_ran "$fuzz_rc"
ktap_diag "$(cat "$ESP_TMP/fuzz.json" 2>/dev/null)"
wait_for 30 settled
ktap_diag "ping esp0: $(grep 'packets transmitted' "$ESP_TMP/ping0")"
ktap_diag "ping esp1: $(grep 'packets transmitted' "$ESP_TMP/ping1")"
check "ping flood through esp0 (outer IPv4, raw ESP): at most 1% + 1 lost" \
	ping_loss "$ESP_TMP/ping0"
check "ping flood through esp1 (outer IPv6, UDP): at most 1% + 1 lost" ping_loss "$ESP_TMP/ping1"
check "the fuzzer's SA: every receive counter moved by exactly what was sent" account sa_x
check "SA-less UDP over IPv4: counted exactly on esp2 (remote 192.0.2.3)" account udp4
check "SA-less UDP over IPv6: counted exactly on esp1 (remote 2001:db8:f::1)" account udp6
check "live SA of esp0: forgeries counted exactly as drops, its traffic delivered" \
	account live0
check "live SA of esp1: forgeries counted exactly as drops, its traffic delivered" \
	account live1
check "raw ESP no espvti SA owns, or too short: XfrmInNoStates, XfrmInHdrError exactly" \
	account xfrm
check "every datagram sent was counted in one place" account total
check "tunnels still work" tunnels_ok

ktap_finish
