#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# fuzz-genl: tests/tools/genl-fuzz.py sends seeded random espvti generic
# netlink requests (every command, attributes of the wrong type, length and
# nesting, values at the edges of every range, interrupted dumps) from
# $FUZZ_PROCS processes at once for ${ESPVTI_TEST_FUZZ_SECONDS:-15} seconds,
# in $a, at the devices fz0 and fz1 and at a device fzx that a loop deletes
# and adds again meanwhile; $a has 24 more espvti devices so that a dump of
# every device takes several messages and can be cut short. Checked:
#   - every request got its answer (ACK, replies and ACK, end of dump, or
#     error): requests = replies, none missing;
#   - every error carried an extended ACK message, except those the
#     generic netlink core gives before any policy applies (unknown
#     command, dump of a command without one, genl header cut short);
#     espvti's own rejections ("espvti: ...") and the core's policy
#     rejections (e.g. "integer out of range") were both seen;
#   - afterwards espctl lists every device, fz0 configured by hand carries
#     a ping to $b, and the devices are deleted and espvti unloaded
#     cleanly; the kernel log stays clean (scripts/vmtest).
# The seed is printed ("# seed N") and set with ESPVTI_TEST_FUZZ_SEED; the
# same seed and number of processes replay the same requests (the kernel's
# answers may differ with timing).
#
#   netns $a                                           netns $b
#   +--------------------------------------+           +----------------------+
#   | genl-fuzz.py x $FUZZ_PROCS ---> genl |           |                      |
#   |   fz0 fz1 fzx (add/del loop)         |           |                      |
#   |   spare0..spare23                    |           |                      |
#   | fz0 after the fuzzing: 10.99.0.1 ----|-- ESP --->| esp0 10.99.0.2       |
#   | va 192.0.2.1                         +===========+ vb 192.0.2.2         |
#   +--------------------------------------+   veth    +----------------------+
#
# vmtest-timeout: 600
# shellcheck source=tests/lib.sh disable=SC2154 # ns_add sets $a, $b
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib-esp.sh
. "$(dirname "$0")/lib-esp.sh"

FUZZ=$REPO/tests/tools/genl-fuzz.py
GENL=$REPO/tests/tools/genl-raw.py
SECONDS_FUZZ=${ESPVTI_TEST_FUZZ_SECONDS:-15}
SEED=${ESPVTI_TEST_FUZZ_SEED:-$(( (RANDOM << 15 | RANDOM) + 1 ))}
FUZZ_PROCS=${ESPVTI_TEST_FUZZ_PROCS:-4}
SPARES=24
LOOP_PID=

test_cleanup() {
	[ -n "$LOOP_PID" ] && kill "$LOOP_PID" 2>/dev/null && wait "$LOOP_PID" 2>/dev/null
	esp_cleanup
}

# churn SECONDS: deletes and adds fzx in $a until SECONDS have passed.
churn() {
	local end=$((SECONDS + $1))
	while [ $SECONDS -lt $end ]; do
		ip -n "$a" link add fzx type espvti 2>/dev/null
		sleep 0.2
		ip -n "$a" link del fzx 2>/dev/null
	done
}

# fuzz_ok OUT: the fuzzer's verdict and totals in OUT.
fuzz_ok() {
	local out=$1 line
	line=$(grep '^total:' "$out")
	echo "$line"
	grep '^error ' "$out"
	grep '^  ' "$out" | head -20
	[ "$FUZZ_RC" = 0 ] || { echo "genl-fuzz.py exit $FUZZ_RC"; return 1; }
	[ -n "$line" ] || { echo "no totals"; return 1; }
	# shellcheck disable=SC2086 # fields
	set -- $line
	# total: requests R replies R acks A errors E dumps D interrupted_dumps I missing M no_extack X
	[ "$3" -gt 0 ] && [ "$3" = "$5" ] && [ "${15}" = 0 ] ||
		{ echo "requests $3, replies $5, missing ${15}"; return 1; }
}

no_extack_ok() {
	local x
	x=$(sed -n 's/^total:.* no_extack \([0-9]*\)$/\1/p' "$1")
	echo "errors without a message where one was due: ${x:-?}"
	[ "$x" = 0 ]
}

# both_origins OUT: espvti's own messages and the core's policy messages
# both occurred.
both_origins() {
	grep -q '^error .* espvti [0-9]*$' "$1" || { echo "no error from espvti itself"; return 1; }
	grep -q '^error .* core [0-9]*$' "$1" || { echo "no policy error of the core"; return 1; }
}

interrupted() {
	local i
	i=$(sed -n 's/^total:.* interrupted_dumps \([0-9]*\) .*/\1/p' "$1")
	echo "interrupted dumps: ${i:-?}"
	[ "${i:-0}" -gt 0 ]
}

# all_listed: espctl show in $a lists fz0, fz1 and every spare device, and
# a raw DEV_GET dump answers.
all_listed() {
	local names want=$((SPARES + 2)) got
	names=$(esp_show_json "$a" | jq -r "$ESP_JQ_DEFS"' devices | .ifname') || return 1
	got=$(grep -c '^fz[01]$\|^spare' <<<"$names")
	echo "espctl show: $got of $want devices"
	[ "$got" = "$want" ] && ns_exec "$a" python3 "$GENL" cmd --dump DEV_GET
}

# fz0_tunnel: fz0 configured again from whatever state the fuzzing left,
# carries a ping to esp0 in $b.
fz0_tunnel() {
	ns_exec "$a" "$ESPCTL" sa flush fz0 &&
		ns_exec "$a" "$ESPCTL" set fz0 local 192.0.2.1 remote 192.0.2.2 dev va ttl 64 \
			encap none crypto default &&
		ns_exec "$a" "$ESPCTL" sa add fz0 dir out spi "$ESP_SPI_AB" \
			aead "$ESP_ALG" "$ESP_KEY_AB" "$ESP_ICV" &&
		ns_exec "$a" "$ESPCTL" sa add fz0 dir in spi "$ESP_SPI_BA" \
			aead "$ESP_ALG" "$ESP_KEY_BA" "$ESP_ICV" &&
		ip -n "$a" addr add 10.99.0.1/24 dev fz0 &&
		ip -n "$a" link set fz0 up &&
		esp_ping "$a" 10.99.0.2
}

# unload: every espvti device deleted, then rmmod espvti.
unload() {
	local d
	for d in $(ip -n "$a" -o link show type espvti | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
		ip -n "$a" link del "$d" || return 1
	done
	ip -n "$b" link del esp0 || return 1
	espvti_unload
}

esp_require_tools jq python3
ktap_plan 10
espvti_load
esp_topo
esp_keying gcm128 0
ktap_diag "seed $SEED (ESPVTI_TEST_FUZZ_SEED), $FUZZ_PROCS processes, $SECONDS_FUZZ s"

setup() {
	local i
	ip -n "$a" link add fz0 type espvti && ip -n "$a" link add fz1 type espvti &&
		ip -n "$a" link add fzx type espvti || return 1
	for i in $(seq 0 $((SPARES - 1))); do
		ip -n "$a" link add "spare$i" type espvti || return 1
	done
	esp_espvti_up 1 4
}
check "fz0, fz1, fzx and $SPARES spare devices in \$a, esp0 in \$b" setup ||
	ktap_bail "no devices"

churn "$SECONDS_FUZZ" &
LOOP_PID=$!
OUT=$ESP_TMP/fuzz.out
ns_exec "$a" python3 "$FUZZ" --seed "$SEED" --seconds "$SECONDS_FUZZ" --procs "$FUZZ_PROCS" \
	--dev fz0 --dev fz1 --dev fzx --dev spare0 >"$OUT" 2>&1
FUZZ_RC=$?
wait "$LOOP_PID"
LOOP_PID=
ktap_diag "$(grep '^seed ' "$OUT") $(grep '^total:' "$OUT")"
sed -n 's/^\(error .*\|answer .*\)/# \1/p' "$OUT"

check "every request got its answer (requests = replies, none missing)" fuzz_ok "$OUT"
check "every error carried an extended ACK message (but the core's few without)" \
	no_extack_ok "$OUT"
check "espvti's own rejections and the core's policy rejections were both seen" \
	both_origins "$OUT"
check "dumps were interrupted (closed partly read or unread)" interrupted "$OUT"
check "espctl show lists every device, a raw DEV_GET dump answers" all_listed
check "fz0 set up by hand carries a ping through the tunnel" fz0_tunnel
check "espctl show fz0 after the ping" ns_exec "$a" "$ESPCTL" show fz0
check "the kernel's ESP and netlink still answer: DEV_GET of fz1" \
	ns_exec "$a" python3 "$GENL" cmd DEV_GET A_IFNAME:str=fz1
check "every device deleted and rmmod espvti succeeds" unload

ktap_finish
