#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
"""udp-gso-send: one UDP GSO send (UDP_SEGMENT) with the DF bit set, so that
the stack hands a tunnel device one GSO packet of COUNT segments.

  udp-gso-send.py ADDR SIZE COUNT [PORT]
      sends SIZE * COUNT bytes in one send() on a socket connected to
      ADDR:PORT (IPv4 or IPv6, port 9 by default) with UDP_SEGMENT = SIZE
      and path MTU discovery on (IP_PMTUDISC_DO / IPV6_PMTUDISC_DO: no
      fragmentation). Prints "sent N bytes in COUNT segments of SIZE".

Exit status: 0 the socket accepted the send, 1 it refused it (the error is
printed), 2 usage error.
"""

import errno
import socket
import sys

UDP_SEGMENT = 103      # include/uapi/linux/udp.h
IP_MTU_DISCOVER = 10   # include/uapi/linux/in.h
IP_PMTUDISC_DO = 2
IPV6_MTU_DISCOVER = 23  # include/uapi/linux/in6.h
IPV6_PMTUDISC_DO = 2


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    addr = argv[1]
    try:
        size, count = int(argv[2]), int(argv[3])
        port = int(argv[4]) if len(argv) == 5 else 9
    except ValueError:
        print("udp-gso-send: SIZE, COUNT and PORT are numbers", file=sys.stderr)
        return 2
    if not 1 <= size <= 65000 or not 1 <= count <= 64 or size * count > 65000:
        print("udp-gso-send: SIZE 1..65000, COUNT 1..64, SIZE * COUNT at most 65000",
              file=sys.stderr)
        return 2
    if ":" in addr:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
    s.setsockopt(socket.IPPROTO_UDP, UDP_SEGMENT, size)
    s.connect((addr, port))
    try:
        n = s.send(b"\x5a" * (size * count))
    except OSError as e:
        print(f"udp-gso-send: send to {addr}:{port} refused: "
              f"{errno.errorcode.get(e.errno, e.errno)} ({e.strerror})")
        return 1
    print(f"sent {n} bytes in {count} segments of {size}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
