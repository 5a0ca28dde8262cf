#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
"""pingmany: one ICMP echo exchange with each of many IPv4 addresses, from a
single process (a raw socket), for tests with hundreds of tunnels where a
ping process per address would take minutes in the emulator.

  pingmany.py [--timeout S] [--retry S] ADDR... | -
      sends one echo request to each ADDR (or to each address read from
      stdin, one per line, with "-"), each with its own sequence number, and
      waits for the replies; an address that has not answered is sent
      another request every --retry seconds (default 2) until --timeout
      seconds (default 30) have passed. Prints "answered N of M" and, for
      each address that never answered, "no reply from ADDR".

Exit status: 0 every address answered, 1 some did not, 2 usage error.
"""

import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from espcraft import csum  # noqa: E402  (the Internet checksum, RFC 1071)


def echo(ident, seq):
    payload = b"pingmany" + struct.pack("!I", seq)
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq & 0xFFFF)
    c = csum(hdr + payload)
    return struct.pack("!BBHHH", 8, 0, c, ident, seq & 0xFFFF) + payload


def main(argv):
    timeout, retry = 30.0, 2.0
    args = argv[1:]
    while args and args[0].startswith("--"):
        if args[0] == "--timeout" and len(args) > 1:
            timeout = float(args[1])
        elif args[0] == "--retry" and len(args) > 1:
            retry = float(args[1])
        else:
            print(__doc__, file=sys.stderr)
            return 2
        args = args[2:]
    if args == ["-"]:
        args = [line.strip() for line in sys.stdin if line.strip()]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    addrs = list(dict.fromkeys(args))
    if len(addrs) > 65535:
        print("pingmany: at most 65535 addresses", file=sys.stderr)
        return 2
    ident = os.getpid() & 0xFFFF
    seq_of = {a: i + 1 for i, a in enumerate(addrs)}
    addr_of = {i + 1: a for i, a in enumerate(addrs)}
    sk = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    missing = set(addrs)
    end = time.monotonic() + timeout
    next_send = 0.0
    while missing:
        now = time.monotonic()
        if now >= end:
            break
        if now >= next_send:
            for a in addrs:
                if a in missing:
                    try:
                        sk.sendto(echo(ident, seq_of[a]), (a, 0))
                    except OSError:
                        pass	# e.g. ENOBUFS: sent again at the next round
            next_send = now + retry
        r, _, _ = select.select([sk], [], [], min(next_send, end) - now)
        while r:
            data, (src, _) = sk.recvfrom(2048)
            ihl = (data[0] & 0x0F) * 4
            if len(data) >= ihl + 8:
                typ, _, _, rid, rseq = struct.unpack_from("!BBHHH", data, ihl)
                if typ == 0 and rid == ident and addr_of.get(rseq) == src:
                    missing.discard(src)
            r, _, _ = select.select([sk], [], [], 0)
    print("answered %d of %d" % (len(addrs) - len(missing), len(addrs)))
    for a in addrs:
        if a in missing:
            print("no reply from %s" % a)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
