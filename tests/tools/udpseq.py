#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
"""udpseq.py: numbered UDP datagrams, and the order they arrive in.

Usage:
    udpseq.py recv --bind ADDR --port N --ready FILE [--idle S] [--timeout S]
    udpseq.py send --to ADDR --port N --count N [--start K] [--size BYTES]
                   [--rate PPS] [--stop-file FILE]

send writes --count datagrams of --size bytes (default 200) to ADDR:PORT as
fast as the socket takes them (a 16 MiB send buffer; it gives up if the
socket blocks for 10 s); each starts with its number (K, K + 1, ...;
K is --start, default 0) as 8 big-endian bytes; with --rate, at most PPS
datagrams a second, evenly spaced; with --stop-file, it stops early once
FILE exists (looked for every 50 datagrams). It prints one JSON line: datagrams sent,
and how many the socket refused (errors; their numbers are skipped). recv creates FILE once it is bound, then reads until no
datagram came for --idle seconds (default 3) after the first, or --timeout
seconds (default 120) in all, and prints one JSON line: datagrams received,
how many came with a number lower than one already received (out of order),
how many numbers came twice, the highest number. It exits 0 when at least
one datagram arrived and none came out of order or twice, else 1.
"""

import argparse
import json
import os
import socket
import struct
import sys
import time


def family_of(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def recv(args):
    s = socket.socket(family_of(args.bind), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((args.bind, args.port))
    open(args.ready, 'w').close()
    n = ooo = rep = 0
    top = -1
    seen = set()
    start = time.monotonic()
    s.settimeout(1.0)
    last = None
    while time.monotonic() - start < args.timeout:
        try:
            d = s.recv(65536)
        except socket.timeout:
            if last is not None and time.monotonic() - last >= args.idle:
                break
            continue
        last = time.monotonic()
        if len(d) < 8:
            continue
        k = struct.unpack('>Q', d[:8])[0]
        n += 1
        if k in seen:
            rep += 1
        elif k < top:
            ooo += 1
        seen.add(k)
        top = max(top, k)
    print(json.dumps({'received': n, 'out_of_order': ooo, 'repeated': rep,
                      'highest': top}))
    return 0 if n and not ooo and not rep else 1


def send(args):
    s = socket.socket(family_of(args.to), socket.SOCK_DGRAM)
    # Room for a whole burst held on the way (a plug qdisc): as root, past
    # net.core.wmem_max.
    try:
        s.setsockopt(socket.SOL_SOCKET, getattr(socket, 'SO_SNDBUFFORCE', 32), 16 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16 << 20)
    s.settimeout(10.0)
    pad = b'\xa5' * max(0, args.size - 8)
    sent = errors = 0
    t0 = time.monotonic()
    for i, k in enumerate(range(args.start, args.start + args.count)):
        if args.stop_file and i % 50 == 0 and os.path.exists(args.stop_file):
            break
        if args.rate:
            wait = t0 + i / args.rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        try:
            s.sendto(struct.pack('>Q', k) + pad, (args.to, args.port))
            sent += 1
        except socket.timeout:
            print('udpseq: send blocked for 10 s at datagram %d' % k,
                  file=sys.stderr)
            break
        except OSError:
            errors += 1  # a full queue or an ICMP error: the number is skipped
    print(json.dumps({'sent': sent, 'errors': errors}))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('recv')
    r.add_argument('--bind', required=True)
    r.add_argument('--port', type=int, required=True)
    r.add_argument('--ready', required=True)
    r.add_argument('--idle', type=float, default=3.0)
    r.add_argument('--timeout', type=float, default=120.0)
    t = sub.add_parser('send')
    t.add_argument('--to', required=True)
    t.add_argument('--port', type=int, required=True)
    t.add_argument('--count', type=int, required=True)
    t.add_argument('--start', type=int, default=0)
    t.add_argument('--size', type=int, default=200)
    t.add_argument('--rate', type=float, default=0.0)
    t.add_argument('--stop-file')
    args = ap.parse_args()
    return recv(args) if args.cmd == 'recv' else send(args)


if __name__ == '__main__':
    sys.exit(main())
