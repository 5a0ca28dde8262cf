#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# bench-report: bench/run's and bench/sa-scale's option parsing (--dry-run: the boots and guest
# commands it would run, and the usage errors) and its statistics and JSON
# (bench/summary.py fed with fake guest logs of two boots, 1 and 2 vCPUs,
# whose medians, spreads, ratios, scaling, CPU time per GB and IKE rates
# are known), so that a broken bench shows up without booting anything.
# Needs python3 and jq; runs as any user, no VM.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib-ktap.sh
. "$REPO/tests/lib-ktap.sh"
RUN=$REPO/bench/run
K=6.12.0-test-amd64
command -v python3 >/dev/null || ktap_skip_all "python3 is not installed"
command -v jq >/dev/null || ktap_skip_all "jq is not installed"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# --- option parsing ---------------------------------------------------------

# dry OUT ARGS...: bench/run --dry-run ARGS with one fake kernel, output in OUT.
# shellcheck disable=SC2317 # called through check
dry() {
	local out=$1
	shift
	"$RUN" --dry-run -k "$K" "$@" >"$T/$out" 2>&1
}

# boots OUT: the number of boots OUT plans.
boots() {
	grep -c '^boot ' "$T/$1"
}

check "--dry-run with defaults" dry default
check "defaults: a boot with 1 and one with 2 vCPUs (at least)" \
	grep -q "^boot $K cpus 2 .* --guest -r 3 -d 5 -W 2 -m 1400 -b all -n 5 " "$T/default"
check "defaults: the 1-vCPU boot runs the throughput part only" \
	grep -q "^boot $K cpus 1 .* -b throughput " "$T/default"
check "defaults: every tunnel and workload" \
	grep -q -- "-t espvti-gcm,xfrm,espvti-chacha,wireguard,espvti-pcrypt,espvti-inline -w tcp1,tcp1-rev,tcp4,tcp4-rev,udp64,udp512\$" \
	"$T/default"
check "--quick: 1 round of 2 s, 1 s warm-up, 1 handshake" \
	bash -c "'$RUN' --quick --dry-run -k $K -c 1,2 | grep -q -- '--guest -r 1 -d 2 -W 1 -m 1400 -b all -n 1 '"
check "options after --quick still apply" \
	bash -c "'$RUN' --quick -d 3 --dry-run -k $K -c 2 | grep -q -- '--guest -r 1 -d 3 '"
check "-c 1,2: two boots" bash -c "'$RUN' --dry-run -k $K -c 1,2 | grep -c '^boot ' | grep -qx 2"
check "-c 2 -k twice: one boot per kernel" \
	bash -c "'$RUN' --dry-run -k $K -k 6.1.0-test-amd64 -c 2 | grep -c '^boot ' | grep -qx 2"
check "-b ike: one boot only, the one with the most vCPUs" \
	bash -c "dry() { '$RUN' --dry-run -k $K \"\$@\"; }; out=\$(dry -c 1,2 -b ike) &&
		[ \$(grep -c '^boot ' <<<\"\$out\") = 1 ] && grep -q 'cpus 2 .* -b ike ' <<<\"\$out\""
check "-t/-w/-m subsets reach the guest" \
	bash -c "'$RUN' --dry-run -k $K -c 1 -b throughput -t espvti-gcm,xfrm -w udp64 -m 1300 |
		grep -q -- '-m 1300 -b throughput -n 5 -t espvti-gcm,xfrm -w udp64\$'"
check "the dry run names the options in its meta JSON" \
	bash -c "'$RUN' --dry-run -k $K -c 1 | sed -n 's/^bench: meta //p' | jq -e '.rounds == 3 and .mtu == 1400 and .quick == false'"
check_fails "fewer than 3 rounds without --quick" "$RUN" --dry-run -k "$K" -r 2
check_fails "an unknown tunnel" "$RUN" --dry-run -k "$K" -t espvti-gcm,ipip
check_fails "an unknown workload" "$RUN" --dry-run -k "$K" -w tcp1,tcp8
check_fails "0 vCPUs" "$RUN" --dry-run -k "$K" -c 1,0
check_fails "an inner MTU above what the veth carries" "$RUN" --dry-run -k "$K" -m 1500
check_fails "an unknown long option" "$RUN" --dry-run -k "$K" --fast
check_fails "a stray argument" "$RUN" --dry-run -k "$K" extra
check "at least two boots by default" test "$(boots default)" -ge 2

# bench/sa-scale's options (one boot, 10 and 10,000 SAs by default).
SCALE=$REPO/bench/sa-scale
check "sa-scale --dry-run with defaults: one boot, 1 vCPU, 3 rounds, 10 and 10000 SAs" \
	bash -c "'$SCALE' --dry-run -k $K | grep -qx 'boot $K cpus 1 timeout [0-9]*: env ESPVTI_KO=$REPO/build/$K/espvti.ko bash bench/sa-scale --guest -r 3 -d 5 -W 2 -s 10 -l 10000'"
check "sa-scale -K: the module named reaches the guest" \
	bash -c "'$SCALE' --dry-run -k $K -K /nonexistent/old.ko | grep -q 'ESPVTI_KO=/nonexistent/old.ko bash'"
check "sa-scale options reach the guest" \
	bash -c "'$SCALE' --dry-run -k $K -c 2 -r 4 -d 3 -W 1 -s 20 -l 5000 |
		grep -q 'cpus 2 .* --guest -r 4 -d 3 -W 1 -s 20 -l 5000\$'"
check_fails "sa-scale: fewer than 3 rounds" "$SCALE" --dry-run -k "$K" -r 2
check_fails "sa-scale: LARGE not above SMALL" "$SCALE" --dry-run -k "$K" -s 100 -l 100
check_fails "sa-scale: 0 SAs" "$SCALE" --dry-run -k "$K" -s 0
check_fails "sa-scale: an unknown long option" "$SCALE" --dry-run -k "$K" --quick
check_fails "sa-scale: a stray argument" "$SCALE" --dry-run -k "$K" extra

# --- statistics and JSON ----------------------------------------------------

# run CPUS TUNNEL WORKLOAD ROUND VALUE BUSY: a fake BENCH-RUN line of a run
# that moved 10^9 bytes (so that the CPU seconds per GB are BUSY / 100);
# VALUE is Mbit/s for tcp*, packets per second for udp* (2 % loss); VALUE
# "fail" for a failed run.
run() {
	if [ "$5" = fail ]; then
		jq -cn --argjson c "$1" --arg t "$2" --arg w "$3" --argjson r "$4" \
			'{cpus: $c, tunnel: $t, workload: $w, round: $r, ok: false, error: "iperf3 exit 1"}'
	elif [[ $3 == udp* ]]; then
		jq -cn --argjson c "$1" --arg t "$2" --arg w "$3" --argjson r "$4" \
			--argjson v "$5" --argjson busy "$6" \
			'{cpus: $c, tunnel: $t, workload: $w, round: $r, ok: true, mtu: 1400,
			  seconds: 1, bytes: 1e9, mbit: 8000, busy_jiffies: $busy, idle_jiffies: 0,
			  user_hz: 100, packets_sent: ($v / 0.98), packets_lost: ($v / 0.98 - $v),
			  pps: $v, loss_pct: 2}'
	else
		jq -cn --argjson c "$1" --arg t "$2" --arg w "$3" --argjson r "$4" \
			--argjson v "$5" --argjson busy "$6" \
			'{cpus: $c, tunnel: $t, workload: $w, round: $r, ok: true, mtu: 1400,
			  seconds: 1, bytes: 1e9, mbit: $v, busy_jiffies: $busy, idle_jiffies: 0,
			  user_hz: 100, retransmits: 0}'
	fi | sed 's/^/BENCH-RUN /'
}

# 1 vCPU: espvti-gcm tcp1 100/110/90, xfrm 50/60/50, espvti-chacha 40 x3,
# wireguard 80 x3; udp64 espvti-gcm 2000, xfrm 1000; round 0 (warm-up) far
# off, and one failed xfrm run in round 4 that must not count as a number.
{
	echo "BENCH-NOTE kernel $K, 1 CPUs"
	echo "some console noise"
	run 1 espvti-gcm tcp4 0 9999 1
	for r in 1 2 3; do
		run 1 espvti-gcm tcp1 "$r" $((90 + (r % 3) * 10)) 200
		run 1 xfrm tcp1 "$r" $((50 + (r == 2) * 10)) 400
		run 1 espvti-chacha tcp1 "$r" 40 300
		run 1 wireguard tcp1 "$r" 80 100
		run 1 espvti-gcm udp64 "$r" 2000 500
		run 1 xfrm udp64 "$r" 1000 500
	done
	run 1 xfrm tcp1 4 fail
} >"$T/c1.log"
# 2 vCPUs: espvti-gcm tcp1 150 x3 (scaling 1.5), and the IKE lines.
{
	echo "BENCH-NOTE kernel $K, 2 CPUs"
	echo "BENCH-IKE-WARMUP espiked 0 1 9.0 9.0"
	echo "BENCH-IKE espiked 1 5 2.5 4.0"
	echo "BENCH-IKE espiked 2 5 2.5 4.0"
	echo "BENCH-IKE strongswan 1 5 5.0 30.0"
	echo "BENCH-IKE strongswan 2 5 5.0 30.0"
	for r in 1 2 3; do
		run 2 espvti-gcm tcp1 "$r" 150 200
		run 2 xfrm tcp1 "$r" 100 400
	done
} >"$T/c2.log"

check "summary.py writes the report" python3 "$REPO/bench/summary.py" --kernel "$K" \
	--meta '{"rounds": 3, "seconds": 5, "mtu": 1400, "quick": false}' --out "$T/res" \
	"$T/c1.log" "$T/c2.log"
J=$T/res.json

# jqc NAME FILTER: passes when FILTER is true of the JSON report.
jqc() {
	check "$1" jq -e "$2" "$J"
}

# res CPUS TUNNEL WORKLOAD: jq filter selecting one result.
res() {
	echo "(.results[] | select(.cpus == $1 and .tunnel == \"$2\" and .workload == \"$3\"))"
}

jqc "the JSON keeps the options and the kernel" ".kernel == \"$K\" and .rounds == 3 and .mtu == 1400"
jqc "vCPU counts from the logs" '.vcpus == [1, 2]'
jqc "every raw run kept, warm-up and failures included" '(.runs | length) == 26'
jqc "median and spread of espvti-gcm tcp1 (100, 90..110)" \
	"$(res 1 espvti-gcm tcp1).value == {median: 100, min: 90, max: 110, n: 3}"
jqc "the warm-up (round 0) is not counted" "[$(res 1 espvti-gcm tcp4)] == []"
jqc "a failed run is counted as failed, not as a number" \
	"$(res 1 xfrm tcp1) | .failed == 1 and .runs == 4 and .value.n == 3 and .value.median == 50"
jqc "CPU seconds per GB: busy jiffies / USER_HZ / GB" \
	"$(res 1 espvti-gcm tcp1).cpu_s_per_gb.median == 2"
jqc "UDP: packets per second and loss" \
	"$(res 1 espvti-gcm udp64) | .metric == \"pps\" and .value.median == 2000 and .loss_pct.median == 2"
jqc "ratio espvti-gcm/xfrm, TCP" \
	'.ratios[] | select(.cpus == 1 and .workload == "tcp1" and .name == "espvti-gcm/xfrm") | .value == 2'
jqc "ratio espvti-gcm/wireguard" \
	'.ratios[] | select(.cpus == 1 and .workload == "tcp1" and .name == "espvti-gcm/wireguard") | .value == 1.25'
jqc "ratio espvti-chacha/wireguard" \
	'.ratios[] | select(.cpus == 1 and .workload == "tcp1" and .name == "espvti-chacha/wireguard") | .value == 0.5'
jqc "pps ratio espvti-gcm/xfrm" \
	'.ratios[] | select(.cpus == 1 and .workload == "udp64" and .name == "espvti-gcm/xfrm") | .value == 2'
jqc "a ratio without numbers is null" \
	'.ratios[] | select(.cpus == 1 and .workload == "udp64" and .name == "espvti-gcm/wireguard") | .value == null'
jqc "scaling of espvti-gcm from 1 to 2 vCPUs" \
	'.scaling[] | select(.tunnel == "espvti-gcm" and .workload == "tcp1") | .from_cpus == 1 and .to_cpus == 2 and .value == 1.5'
jqc "IKE rates (warm-up not counted) and their ratio" \
	'.ike.rates.espiked.per_second == 2 and .ike.rates.strongswan.per_second == 1 and .ike.espiked_per_strongswan == 2'
jqc "notes kept per vCPU count" '.notes["2"] == ["kernel '"$K"', 2 CPUs"]'
check "text: the median (min..max) cell" grep -q 'tcp1 .*Mbit/s .*100.0 (90.0..110.0)' "$T/res.txt"
check "text: the scaling table" grep -q '^scaling from 1 to 2 vCPUs' "$T/res.txt"
check "text: the raw runs" grep -q '^raw runs' "$T/res.txt"
check "the printed text is the .txt file" \
	bash -c "python3 '$REPO/bench/summary.py' --kernel $K --out '$T/res2' '$T/c1.log' '$T/c2.log' \
		>'$T/res2.stdout' && cmp '$T/res2.stdout' '$T/res2.txt'"
ktap_finish
