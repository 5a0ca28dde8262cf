#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# bench/summary.py --kernel KVER --meta JSON --out PREFIX LOG...
#
# The statistics and the report of bench/run: reads the guest logs of the
# boots of one kernel (one log per vCPU count; the lines BENCH-RUN {json},
# BENCH-IKE, BENCH-IKE-WARMUP and BENCH-NOTE that bench/run --guest and
# bench/ike-rate print), and writes PREFIX.json (options, notes, every raw
# run, the medians with their spread, the ratios, the scaling from the
# smallest vCPU count to the others, the IKE rates) and PREFIX.txt (the same
# as text, ending with the raw numbers of every round), and prints the text.
# Python's standard library only. tests/unit/bench-report.sh feeds it fake
# logs.
import argparse
import json
import re
import statistics
import sys

TUNNELS = ["espvti-gcm", "xfrm", "espvti-chacha", "wireguard", "espvti-pcrypt",
           "espvti-inline", "espvti-natt", "espvti-spread"]
WORKLOADS = ["tcp1", "tcp1-rev", "tcp4", "tcp4-rev", "udp64", "udp512"]
# Ratios of medians: the first tunnel's over the second's, for every workload
# (Mbit/s for TCP, received packets per second for UDP).
RATIOS = [("espvti-gcm", "xfrm"), ("espvti-gcm", "wireguard"),
          ("espvti-chacha", "wireguard"), ("espvti-chacha", "xfrm"),
          ("espvti-pcrypt", "xfrm"), ("espvti-pcrypt", "wireguard"),
          ("espvti-gcm", "espvti-inline"), ("espvti-inline", "xfrm"),
          ("espvti-inline", "wireguard"), ("espvti-spread", "espvti-natt"),
          ("espvti-natt", "espvti-gcm")]
TUNNEL_DESC = {
    "espvti-gcm": "espvti esp0, rfc4106(gcm(aes)), 128-bit key, 128-bit ICV",
    "xfrm": "xfrm interface + xfrm states/policies (tunnel mode), rfc4106(gcm(aes)), "
            "128-bit key, 128-bit ICV",
    "espvti-chacha": "espvti esp0, rfc7539esp(chacha20,poly1305), 256-bit key, 128-bit ICV",
    "wireguard": "WireGuard wg0 (ChaCha20-Poly1305)",
    "espvti-pcrypt": "espvti esp0 as espvti-gcm, AEAD through pcrypt (espctl set esp0 "
                     "crypto pcrypt: padata spreads requests over the CPUs, order kept)",
    "espvti-inline": "espvti esp0 as espvti-gcm, with the module parameter parallel=0 "
                     "while it runs: each packet's crypto on the CPU that sent or "
                     "received it",
    "espvti-natt": "espvti esp0 as espvti-gcm, ESP in UDP (port 4500), RPS over all CPUs "
                   "on the veths (as RSS on a NIC)",
    "espvti-spread": "as espvti-natt with one device per vCPU (at least 2), each with its "
                     "own SAs and UDP port (4500+K), flows spread over them by an "
                     "equal-cost multipath route (inner 5-tuple hash)",
}
WORKLOAD_DESC = {
    "tcp1": "iperf3 TCP, 1 stream, A to B",
    "tcp1-rev": "iperf3 TCP, 1 stream, B to A (-R)",
    "tcp4": "iperf3 TCP, 4 streams (-P 4), A to B",
    "tcp4-rev": "iperf3 TCP, 4 streams (-P 4 -R), B to A",
    "udp64": "iperf3 UDP, 64-byte payloads (-l 64), packets received per second",
    "udp512": "iperf3 UDP, 512-byte payloads (-l 512), packets received per second",
}


def is_udp(workload):
    return workload.startswith("udp")


def metric(workload):
    return "pps" if is_udp(workload) else "mbit"


def unit(workload):
    return "pkt/s" if is_udp(workload) else "Mbit/s"


def cpu_s_per_gb(run):
    """Guest busy CPU seconds (all CPUs) per 10^9 bytes received."""
    if not run.get("bytes") or run.get("busy_jiffies") is None:
        return None
    return run["busy_jiffies"] / run.get("user_hz", 100) / (run["bytes"] / 1e9)


def spread(values):
    """Median, min, max and count of a list of numbers (None when empty)."""
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values), "n": len(values)}


def ratio(a, b):
    if a is None or b is None or a <= 0 or b <= 0:
        return None
    return a / b


def parse_logs(paths):
    """Raw runs, IKE lines and notes (per vCPU count) of the guest logs."""
    runs, ike, notes = [], [], {}
    for path in paths:
        cpus = None
        boot_notes = []
        boot_ike = []
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("BENCH-RUN "):
                    try:
                        run = json.loads(line[len("BENCH-RUN "):])
                    except json.JSONDecodeError:
                        boot_notes.append("unreadable run line: " + line[:200])
                        continue
                    runs.append(run)
                    cpus = run.get("cpus", cpus)
                elif line.startswith("BENCH-NOTE "):
                    note = line[len("BENCH-NOTE "):]
                    boot_notes.append(note)
                    m = re.match(r"kernel \S+, (\d+) CPUs", note)
                    if m:
                        cpus = int(m.group(1))
                elif line.startswith("BENCH-IKE ") or line.startswith("BENCH-IKE-WARMUP "):
                    f_ = line.split()
                    if len(f_) < 6:
                        continue
                    try:
                        boot_ike.append({
                            "warmup": f_[0] == "BENCH-IKE-WARMUP", "impl": f_[1],
                            "round": int(f_[2]), "handshakes": int(f_[3]),
                            "seconds": float(f_[4]), "wallclock": float(f_[5])})
                    except ValueError:
                        boot_notes.append("unreadable IKE line: " + line[:200])
        if cpus is None and not boot_notes and not boot_ike:
            boot_notes.append(f"{path}: no BENCH line (the VM run failed before the bench?)")
        for x in boot_ike:
            x["cpus"] = cpus
        ike += boot_ike
        key = "?" if cpus is None else str(cpus)
        notes[key] = notes.get(key, []) + boot_notes
    return runs, ike, notes


def summarize(runs, ike, notes, kernel, meta):
    cpus_list = sorted({r["cpus"] for r in runs if r.get("cpus") is not None})
    tunnels = [t for t in TUNNELS if any(r["tunnel"] == t for r in runs)]
    tunnels += sorted({r["tunnel"] for r in runs} - set(tunnels))
    # Round 0 is the warm-up: shown with the raw runs, never counted.
    counted = [r for r in runs if r.get("round", 0) >= 1]
    workloads = [w for w in WORKLOADS if any(r["workload"] == w for r in counted)]
    workloads += sorted({r["workload"] for r in counted} - set(workloads))
    results = []
    med = {}
    for c in cpus_list:
        for w in workloads:
            for t in tunnels:
                sel = [r for r in counted if r["cpus"] == c and r["tunnel"] == t
                       and r["workload"] == w]
                ok = [r for r in sel if r.get("ok")]
                vals = [r[metric(w)] for r in ok if r.get(metric(w)) is not None]
                cpu = [v for v in (cpu_s_per_gb(r) for r in ok) if v is not None]
                res = {"cpus": c, "tunnel": t, "workload": w, "metric": metric(w),
                       "unit": unit(w), "runs": len(sel), "failed": len(sel) - len(ok),
                       "value": spread(vals),
                       "mbit": spread([r["mbit"] for r in ok if r.get("mbit") is not None]),
                       "cpu_s_per_gb": spread(cpu)}
                if is_udp(w):
                    res["loss_pct"] = spread([r["loss_pct"] for r in ok
                                              if r.get("loss_pct") is not None])
                results.append(res)
                med[(c, t, w)] = res["value"]["median"] if res["value"] else None
    ratios = []
    for c in cpus_list:
        for w in workloads:
            for a, b in RATIOS:
                if a in tunnels and b in tunnels:
                    ratios.append({"cpus": c, "workload": w, "name": f"{a}/{b}",
                                   "metric": metric(w),
                                   "value": ratio(med.get((c, a, w)), med.get((c, b, w)))})
    scaling = []
    for c in cpus_list[1:]:
        for w in workloads:
            for t in tunnels:
                scaling.append({"tunnel": t, "workload": w, "from_cpus": cpus_list[0],
                                "to_cpus": c, "metric": metric(w),
                                "value": ratio(med.get((c, t, w)), med.get((cpus_list[0], t, w)))})
    ike_rates = {}
    for impl in sorted({x["impl"] for x in ike}):
        sel = [x for x in ike if x["impl"] == impl and not x["warmup"]]
        n = sum(x["handshakes"] for x in sel)
        s = sum(x["seconds"] for x in sel)
        ike_rates[impl] = {"handshakes": n, "seconds": s,
                           "per_second": n / s if n and s > 0 else None}
    ike_ratio = ratio((ike_rates.get("espiked") or {}).get("per_second"),
                      (ike_rates.get("strongswan") or {}).get("per_second"))
    return {
        "kernel": kernel, **meta, "vcpus": cpus_list, "tunnels": tunnels,
        "workloads": workloads,
        "tunnel_desc": {t: TUNNEL_DESC.get(t, t) for t in tunnels},
        "workload_desc": {w: WORKLOAD_DESC.get(w, w) for w in workloads},
        "notes": notes, "results": results, "ratios": ratios, "scaling": scaling,
        "ike": {"runs": ike, "rates": ike_rates, "espiked_per_strongswan": ike_ratio},
        "runs": runs,
    }


def fmt(v, digits=None):
    if v is None:
        return "n/a"
    if digits is None:
        digits = 1 if abs(v) < 1000 else 0
    return f"{v:.{digits}f}"


def cell(sp, digits=None):
    if sp is None:
        return "n/a"
    if sp["n"] == 1:
        return fmt(sp["median"], digits)
    return f"{fmt(sp['median'], digits)} ({fmt(sp['min'], digits)}..{fmt(sp['max'], digits)})"


def table(head, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    out = []
    for row in [head] + rows:
        out.append("  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w)
                             for i, (x, w) in enumerate(zip(row, widths))).rstrip())
    return out


def render(s):
    L = []
    get = {(r["cpus"], r["tunnel"], r["workload"]): r for r in s["results"]}
    L.append(f"espvti bench, kernel {s['kernel']}, {s.get('date', '')}, host "
             f"{s.get('host_cpus', '?')} CPUs, vCPUs {','.join(map(str, s['vcpus'])) or '-'} "
             f"(one boot each){' [quick]' if s.get('quick') else ''}")
    if s["workloads"]:
        L.append(f"{s.get('rounds', '?')} interleaved round(s) of {s.get('seconds', '?')} s per case, "
                 f"warm-up {s.get('warmup', '?')} s per tunnel, inner MTU {s.get('mtu', '?')} "
                 f"on every tunnel device")
        for t in s["tunnels"]:
            L.append(f"  {t:14} {s['tunnel_desc'][t]}")
        for w in s["workloads"]:
            L.append(f"  {w:14} {s['workload_desc'][w]}")
    for c, notes in sorted(s["notes"].items()):
        for n in notes:
            L.append(f"note ({c} vCPUs): {n}")
    for c in s["vcpus"]:
        L.append("")
        L.append(f"== {c} vCPU{'s' if c != 1 else ''}: median (min..max) over the rounds ==")
        rows = []
        for w in s["workloads"]:
            rows.append([w, unit(w)] + [cell(get[(c, t, w)]["value"]) +
                                        (f" [{get[(c, t, w)]['failed']} failed]"
                                         if get[(c, t, w)]["failed"] else "")
                                        for t in s["tunnels"]])
            if is_udp(w):
                rows.append(["", "loss %"] + [cell(get[(c, t, w)].get("loss_pct"), 1)
                                              for t in s["tunnels"]])
                rows.append(["", "Mbit/s"] + [cell(get[(c, t, w)]["mbit"])
                                              for t in s["tunnels"]])
        L += table(["workload", "unit"] + s["tunnels"], rows)
        L.append("")
        L.append("guest CPU seconds (busy, all CPUs) per GB received, median (min..max):")
        L += table(["workload"] + s["tunnels"],
                   [[w] + [cell(get[(c, t, w)]["cpu_s_per_gb"], 2) for t in s["tunnels"]]
                    for w in s["workloads"]])
        rat = [r for r in s["ratios"] if r["cpus"] == c]
        names = list(dict.fromkeys(r["name"] for r in rat))
        if names:
            L.append("")
            L.append("ratios of the medians (Mbit/s for tcp*, received pkt/s for udp*; "
                     "above 1: the first is faster):")
            L += table(["workload"] + names,
                       [[w] + [fmt(next(r["value"] for r in rat if r["workload"] == w
                                        and r["name"] == n), 2) for n in names]
                        for w in s["workloads"]])
    for c in s["vcpus"][1:]:
        c0 = s["vcpus"][0]
        L.append("")
        L.append(f"scaling from {c0} to {c} vCPUs (median at {c} / median at {c0}; separate boots):")
        L += table(["workload"] + s["tunnels"],
                   [[w] + [fmt(next(x["value"] for x in s["scaling"] if x["to_cpus"] == c
                                    and x["tunnel"] == t and x["workload"] == w), 2)
                           for t in s["tunnels"]] for w in s["workloads"]])
    ike = s["ike"]
    if ike["runs"]:
        L.append("")
        L.append("IKEv2 handshakes (IKE_SA_INIT + IKE_AUTH, CHILD_SA installed; PSK,")
        L.append("aes256gcm16-prfsha384-ecp384, ESP aes256gcm16), sequential, timed from the")
        L.append(f"initiator's log; {s.get('rounds', '?')} interleaved rounds of "
                 f"{s.get('ike_n', '?')} per implementation:")
        L += table(["impl", "vCPUs", "handshakes", "handshakes/s"],
                   [[i, ",".join(sorted({str(x["cpus"]) for x in ike["runs"] if x["impl"] == i})),
                     v["handshakes"], fmt(v["per_second"], 2)] for i, v in ike["rates"].items()])
        L.append(f"espiked/strongswan {fmt(ike['espiked_per_strongswan'], 2)}")
    if s["runs"]:
        L.append("")
        L.append("raw runs (round 0: warm-up, not counted; cpu-s/GB: busy jiffies / USER_HZ / GB):")
        rows = []
        for r in s["runs"]:
            if not r.get("ok"):
                rows.append([r.get("cpus"), r.get("round"), r.get("workload"), r.get("tunnel"),
                             "fail", "", "", "", "", r.get("error", "")[:60]])
                continue
            rows.append([r["cpus"], r["round"], r["workload"], r["tunnel"],
                         fmt(r.get(metric(r["workload"]))), unit(r["workload"]),
                         fmt(r.get("mbit")), r.get("bytes"), r.get("busy_jiffies"),
                         fmt(cpu_s_per_gb(r), 2) + (f" loss {fmt(r['loss_pct'], 1)} %"
                                                    if r.get("loss_pct") is not None else "")])
        L += table(["vcpus", "round", "workload", "tunnel", "value", "unit", "Mbit/s",
                    "bytes", "busy", "cpu-s/GB"], rows)
    if ike["runs"]:
        L.append("")
        L.append("raw IKE rounds (impl vcpus round handshakes seconds wallclock-seconds):")
        for x in ike["runs"]:
            L.append(f"  {x['impl']} {x['cpus']} {'warm-up' if x['warmup'] else x['round']} "
                     f"{x['handshakes']} {x['seconds']} {x['wallclock']}")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description="bench/run's statistics and report")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--meta", default="{}", help="options of the run, a JSON object")
    ap.add_argument("--out", required=True, help="writes OUT.json and OUT.txt")
    ap.add_argument("logs", nargs="+")
    a = ap.parse_args()
    runs, ike, notes = parse_logs(a.logs)
    s = summarize(runs, ike, notes, a.kernel, json.loads(a.meta))
    with open(a.out + ".json", "w", encoding="utf-8") as f:
        json.dump(s, f, indent=1)
        f.write("\n")
    text = render(s)
    with open(a.out + ".txt", "w", encoding="utf-8") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
