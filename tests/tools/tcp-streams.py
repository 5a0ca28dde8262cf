#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
"""tcp-streams.py: TCP streams at a modest rate, for as long as a test wants,
checked end to end.

Usage:
    tcp-streams.py serve --bind ADDR [--port N] [--streams N] [--timeout S]
    tcp-streams.py send --to ADDR [--port N] [--streams N] [--rate BYTES/S]
                        --stop FILE [--timeout S]

send opens --streams connections to ADDR:PORT and writes a known byte
pattern on each (byte i of stream k is (i + k) mod 251) at --rate bytes a
second per stream, until FILE exists; then it shuts down its side of each
connection and waits for the receiver's report. serve accepts --streams
connections, checks every byte of each against the pattern, and when a
stream ends reports back the number of bytes it received and whether they
all matched. Both print one JSON line per stream and a summary line, and
exit 0 only if every stream delivered exactly what was sent, intact, within
--timeout seconds (default 600) in all.
"""

import argparse
import json
import os
import selectors
import socket
import struct
import sys
import time

PERIOD = 251
READ = 65536
BASE = bytes(i % PERIOD for i in range(READ + PERIOD))  # any read or write fits
CHUNK = READ


def pattern(off, length):
    start = off % PERIOD
    return BASE[start:start + length]


def serve(args):
    lsock = socket.socket(socket.AF_INET6 if ":" in args.bind else socket.AF_INET)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((args.bind, args.port))
    lsock.listen(args.streams)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ, None)
    streams = []
    done = 0
    ok = True
    deadline = time.monotonic() + args.timeout
    while done < args.streams:
        left = deadline - time.monotonic()
        if left <= 0:
            print(json.dumps({"error": "timeout", "done": done}), flush=True)
            return 1
        events = sel.select(min(left, 1.0))
        for key, _ in events:
            if key.data is None:
                conn, _ = key.fileobj.accept()
                conn.setblocking(False)
                st = {"sock": conn, "hdr": b"", "id": None, "bytes": 0, "intact": True}
                streams.append(st)
                sel.register(conn, selectors.EVENT_READ, st)
                if len(streams) == args.streams:
                    sel.unregister(lsock)
                    lsock.close()
                continue
            st = key.data
            try:
                data = st["sock"].recv(READ)
            except BlockingIOError:
                continue
            except OSError as e:
                print(json.dumps({"error": str(e)}), flush=True)
                return 1
            if st["id"] is None:
                st["hdr"] += data
                if len(st["hdr"]) < 4:
                    continue
                st["id"] = struct.unpack("!I", st["hdr"][:4])[0]
                data = st["hdr"][4:]
            if data:
                if data != pattern(st["bytes"] + st["id"], len(data)):
                    st["intact"] = False
                st["bytes"] += len(data)
                continue
            # End of the stream: report back, then close.
            sel.unregister(st["sock"])
            st["sock"].setblocking(True)
            st["sock"].settimeout(max(1.0, deadline - time.monotonic()))
            try:
                st["sock"].sendall(struct.pack("!QB", st["bytes"], st["intact"]))
            except OSError as e:
                print(json.dumps({"error": "report: " + str(e)}), flush=True)
                return 1
            st["sock"].close()
            ok = ok and st["intact"]
            print(json.dumps({"stream": st["id"], "received": st["bytes"],
                              "intact": st["intact"]}), flush=True)
            done += 1
        # Fewer, larger reads: the emulator has little CPU to spare.
        time.sleep(0.05)
    print(json.dumps({"streams": done, "ok": ok}), flush=True)
    return 0 if ok else 1


def send(args):
    family = socket.AF_INET6 if ":" in args.to else socket.AF_INET
    deadline = time.monotonic() + args.timeout
    streams = []
    for k in range(args.streams):
        while True:
            s = socket.socket(family)
            try:
                s.settimeout(10)
                s.connect((args.to, args.port))
                break
            except OSError:
                s.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        s.setblocking(False)
        streams.append({"sock": s, "id": k, "sent": 0, "hdr": struct.pack("!I", k),
                        "t0": time.monotonic()})
    sel = selectors.DefaultSelector()
    for st in streams:
        sel.register(st["sock"], selectors.EVENT_WRITE, st)
    while not os.path.exists(args.stop):
        if time.monotonic() > deadline:
            print(json.dumps({"error": "timeout while sending"}), flush=True)
            return 1
        now = time.monotonic()
        for key, _ in sel.select(0.1):
            st = key.data
            allowed = int((now - st["t0"]) * args.rate) - st["sent"]
            if allowed > args.rate:
                # After a stall: at most one second's worth at once.
                st["t0"] = now - (st["sent"] + args.rate) / args.rate
                allowed = args.rate
            if allowed <= 0:
                continue
            buf = st["hdr"] + pattern(st["sent"] + st["id"], min(allowed, CHUNK))
            try:
                n = st["sock"].send(buf)
            except BlockingIOError:
                continue
            if n <= len(st["hdr"]):
                st["hdr"] = st["hdr"][n:]
                continue
            st["sent"] += n - len(st["hdr"])
            st["hdr"] = b""
        time.sleep(0.05)
    ok = True
    for st in streams:
        s = st["sock"]
        s.setblocking(True)
        s.settimeout(max(1.0, deadline - time.monotonic()))
        try:
            if st["hdr"]:
                s.sendall(st["hdr"])
            s.shutdown(socket.SHUT_WR)
            rep = b""
            while len(rep) < 9:
                part = s.recv(9 - len(rep))
                if not part:
                    break
                rep += part
        except OSError as e:
            print(json.dumps({"stream": st["id"], "sent": st["sent"], "error": str(e)}),
                  flush=True)
            ok = False
            continue
        if len(rep) < 9:
            print(json.dumps({"stream": st["id"], "sent": st["sent"], "error": "no report"}),
                  flush=True)
            ok = False
            continue
        got, intact = struct.unpack("!QB", rep)
        good = got == st["sent"] and intact == 1 and st["sent"] > 0
        ok = ok and good
        print(json.dumps({"stream": st["id"], "sent": st["sent"], "received": got,
                          "intact": bool(intact), "ok": good}), flush=True)
        s.close()
    print(json.dumps({"streams": len(streams), "ok": ok,
                      "sent": sum(st["sent"] for st in streams)}), flush=True)
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sv = sub.add_parser("serve")
    sv.add_argument("--bind", required=True)
    sv.add_argument("--port", type=int, default=5201)
    sv.add_argument("--streams", type=int, default=4)
    sv.add_argument("--timeout", type=float, default=600)
    sd = sub.add_parser("send")
    sd.add_argument("--to", required=True)
    sd.add_argument("--port", type=int, default=5201)
    sd.add_argument("--streams", type=int, default=4)
    sd.add_argument("--rate", type=int, default=32768)
    sd.add_argument("--stop", required=True)
    sd.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    return serve(args) if args.cmd == "serve" else send(args)


if __name__ == "__main__":
    sys.exit(main())
