#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
"""esp-fuzz.py: send mutated ESP and ESP-in-UDP datagrams at an espvti
receiver for a given time, and say where each one must be counted.

Every datagram is built whole, outer IP header included, and sent from an
IPPROTO_RAW socket, so that it can be cut into IP fragments (in or out of
order) and, over IPv6, carry extension headers (hop-by-hop and destination
options) before ESP, UDP or the fragment header. Four transports, chosen at
random for each datagram: raw ESP over IPv4 (--raw4) and IPv6 (--raw6), ESP
in UDP to --port over IPv4 (--udp4) and IPv6 (--udp6).

The kinds of datagram (counted one by one):
  x_valid      ESP of the fuzzer's own SA (--spi-x, --key-x, AES-GCM, ICV 16,
               no ESN, replay window --window-x) with a fresh sequence number
  x_stale      the same with a sequence number already accepted (replayed)
  x_forged_stale  random ICV, sequence number already accepted
  x_forged     random ICV and ciphertext, fresh sequence number
  x_flip       one ciphertext byte flipped, fresh sequence number
  x_badpad     authentic, pad bytes not 1, 2, 3, ...
  x_padlen     authentic, pad length beyond the payload
  x_nexthdr    authentic, next header neither 4, 41 nor 59
  x_dummy      authentic, next header 59 (dummy packet, RFC 4303 2.6)
  x_badinner   authentic, next header 4 or 41 but the inner header is not
  x_selector   authentic, inner source outside the SA's remote selectors
               (--x-selector-src)
  x_trunc      a valid packet cut short: to 0 bytes, then 1, 2, ... in turn
  live_forged  random bytes behind the SPI of a live SA (--live SPI, its
               traffic flows meanwhile), fresh or stale sequence number,
               any length from 8 up
  unknown_spi  an SPI nobody has
  short        fewer than 8 bytes
  random       random bytes
  keepalive    one byte 0xff (NAT keepalive)
  non_esp      the non-ESP marker (four zero bytes) and more: IKE
  marker_only  the non-ESP marker alone

Where each must be counted (the "expect" object of the result):
  sa_x:COUNTER   the SA --spi-x (rx_packets, rx_replay, rx_auth_fail,
                 rx_bad_trailer, rx_bad_inner, rx_dummy, rx_selector,
                 rx_malformed)
  udp4:COUNTER, udp6:COUNTER   SA-less UDP drops (rx_no_sa,
                 rx_udp_malformed, rx_keepalive, rx_non_esp), charged to the
                 device whose remote address is the sender's (--udp4-src,
                 --udp6-src)
  live:SPI       the sum of the receive drop counters of that live SA
  xfrm:XfrmInNoStates, xfrm:XfrmInHdrError   raw ESP that no espvti SA owns,
                 or too short to have an SPI, goes on to the kernel's own
                 ESP (esp4/esp6 must be loaded), which counts it there
IP fragments are reassembled before ESP or UDP sees them, so a fragmented
datagram is counted as the datagram it carries.

Usage:
    esp-fuzz.py --spi-x SPI --key-x HEX --live SPI [--live SPI]...
                [--seconds S] [--rate PPS] [--seed N] [--window-x W]
                [--raw4 SRC,DST] [--raw6 SRC,DST] [--udp4 SRC,DST]
                [--udp6 SRC,DST] [--port P] [--x-inner4 SRC,DST]
                [--x-inner6 SRC,DST] [--x-selector-src ADDR]
                [--out FILE] [--transports raw4,raw6,udp4,udp6]
        Prints "seed N" first; at the end one JSON object (also written to
        --out): {"seed", "sent", "kinds": {KIND: N}, "transports": {...},
        "fragmented", "ext_headers", "expect": {BUCKET: N}}. Exit 0 when
        done, 2 on usage or local errors. The same seed and options send the
        same datagrams (their number depends on the time).
"""

import argparse
import importlib.util
import json
import os
import random
import socket
import struct
import sys
import time

_spec = importlib.util.spec_from_file_location(
    "espcraft", os.path.join(os.path.dirname(os.path.abspath(__file__)), "espcraft.py"))
espcraft = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(espcraft)

IPPROTO_ESP = 50
IPPROTO_UDP = 17
IPPROTO_RAW = 255
ICV = 16
HLEN = 16		# SPI, sequence number, 8-byte IV
ALIGN = 4

KINDS_X = ["x_valid", "x_stale", "x_forged_stale", "x_forged", "x_flip", "x_badpad",
           "x_padlen", "x_nexthdr", "x_dummy", "x_badinner", "x_selector", "x_trunc"]
KINDS_OTHER = ["live_forged", "unknown_spi", "short", "random", "keepalive", "non_esp",
               "marker_only"]


def addr_pair(text):
    s, d = text.split(",")
    return s.strip(), d.strip()


class Fuzzer:
    def __init__(self, a):
        self.a = a
        self.r = random.Random(a.seed)
        self.key = espcraft.parse_key(a.key_x)
        if len(self.key) != 20:
            raise ValueError("--key-x: AES-GCM-128, 20 bytes (key and salt)")
        self.spi_x = a.spi_x
        self.live = a.live
        self.known = set([self.spi_x] + self.live)
        self.next_seq = 1
        self.trunc_next = 0
        self.accepted = []	# sequence numbers that advanced the window
        self.expect = {}
        self.kinds = {}
        self.transports = {}
        self.fragmented = 0
        self.ext = 0
        self.sent = 0
        self.s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_RAW)
        self.s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, IPPROTO_RAW)
        for s in (self.s4, self.s6):
            s.setsockopt(socket.SOL_SOCKET, 32, 4 << 20)	# SO_SNDBUFFORCE
        self.tr = {}
        for t in a.transports.split(","):
            self.tr[t] = addr_pair(getattr(a, t))

    def count(self, bucket, n=1):
        self.expect[bucket] = self.expect.get(bucket, 0) + n

    # -- ESP of the fuzzer's SA ------------------------------------------
    def inner(self, src=None):
        r = self.r
        v6 = r.random() < 0.5
        s, d = addr_pair(self.a.x_inner6 if v6 else self.a.x_inner4)
        if src:
            s = src if (":" in src) == v6 else ("fd00:66::1" if v6 else "10.66.0.1")
        data = self.r.randbytes(r.choice([0, 1, 7, 64, 200, 600]))
        return espcraft.inner_packet("udp", s, d, r.randint(1024, 65535), 9, data)

    def x_packet(self, kind):
        """(ESP bytes, sa_x counter or None for truncations)."""
        r = self.r
        if kind in ("x_stale", "x_forged_stale") and len(self.accepted) < 16:
            kind = "x_valid"
        if kind in ("x_stale", "x_forged_stale"):
            # Accepted at least 8 datagrams ago: processed by now.
            seq = r.choice(self.accepted[:-8])
        else:
            seq = self.next_seq
            self.next_seq += 1
        inner, nh = self.inner(self.a.x_selector_src if kind == "x_selector" else None)
        corrupt = None
        ctr = "rx_packets"
        if kind == "x_stale":
            ctr = "rx_replay"
        elif kind == "x_forged_stale":
            ctr = "rx_replay"
            corrupt = "icv"
        elif kind in ("x_forged", "x_flip"):
            ctr = "rx_auth_fail"
            corrupt = "icv" if kind == "x_forged" else "flip"
        elif kind in ("x_badpad", "x_padlen"):
            ctr = "rx_bad_trailer"
            corrupt = "padding" if kind == "x_badpad" else "padlen"
        elif kind == "x_nexthdr":
            ctr = "rx_bad_inner"
            nh = r.choice([0, 1, 6, 17, 50, 58, 60, 255, r.randint(0, 255)])
            if nh in (4, 41, 59):
                nh = 99
        elif kind == "x_dummy":
            ctr = "rx_dummy"
            nh = 59
        elif kind == "x_badinner":
            ctr = "rx_bad_inner"
            if r.random() < 0.5:
                inner = self.r.randbytes(r.randint(0, 60))
                if inner and inner[0] >> 4 == (4 if nh == 4 else 6):
                    inner = bytes([inner[0] ^ 0x30]) + inner[1:]
                if nh == 4 and len(inner) >= 1 and inner[0] >> 4 == 4:
                    inner = b"\x00" + inner[1:]
            else:
                nh = 41 if nh == 4 else 4	# the other family's header
        elif kind == "x_selector":
            ctr = "rx_selector"
        pkt = espcraft.esp_build(self.key, self.spi_x, seq, None, ICV, inner, nh, corrupt)
        if kind == "x_forged":
            pkt = pkt[:16] + self.r.randbytes(len(pkt) - 16)
        if kind != "x_trunc" and ctr in ("rx_packets", "rx_bad_trailer", "rx_bad_inner",
                                         "rx_dummy", "rx_selector"):
            self.accepted.append(seq)
        if kind == "x_trunc":
            # Every length in turn: 0, 1, 2, ... (modulo the packet's).
            cut = self.trunc_next % len(pkt)
            self.trunc_next += 1
            pkt = pkt[:cut]
            ctr = None		# classified by length
        return pkt, ctr

    def esp_class(self, pkt):
        """Counter of a truncated packet of the fuzzer's SA (>= 8 bytes)."""
        plen = len(pkt) - HLEN - ICV
        if len(pkt) < HLEN or plen < 2 or plen % ALIGN:
            return "rx_malformed"
        return "rx_auth_fail"	# fresh, unique sequence number; ICV cut

    # -- the rest --------------------------------------------------------
    def other_payload(self, kind):
        r = self.r
        if kind == "live_forged":
            spi = r.choice(self.live)
            seq = r.choice([r.randint(1, 8), r.randint(1 << 31, (1 << 32) - 1)])
            return struct.pack("!II", spi, seq) + self.r.randbytes(r.randint(0, 200))
        if kind == "unknown_spi":
            while True:
                spi = r.choice([r.randint(1, 255), r.randint(256, (1 << 32) - 1)])
                if spi not in self.known:
                    break
            return struct.pack("!II", spi, r.randint(0, (1 << 32) - 1)) + \
                self.r.randbytes(r.choice([0, 8, 24, 100]))
        if kind == "short":
            return self.r.randbytes(r.randint(0, 7))
        if kind == "random":
            while True:
                b = self.r.randbytes(r.choice([1, 3, 4, 8, 9, 20, 64, 300]))
                if len(b) < 4 or struct.unpack("!I", b[:4])[0] not in self.known:
                    return b
        if kind == "keepalive":
            return b"\xff"
        if kind == "non_esp":
            return b"\0\0\0\0" + self.r.randbytes(r.randint(1, 100))
        if kind == "marker_only":
            return b"\0\0\0\0"
        raise ValueError(kind)

    def account(self, transport, payload, x_ctr):
        """Puts the datagram in its bucket."""
        udp = transport.startswith("udp")
        ln = len(payload)
        if udp:
            if ln == 1 and payload == b"\xff":
                return self.count(transport + ":rx_keepalive")
            if ln >= 4 and payload[:4] == b"\0\0\0\0":
                return self.count(transport + (":rx_udp_malformed" if ln == 4 else ":rx_non_esp"))
            if ln < 8:
                return self.count(transport + ":rx_udp_malformed")
        elif ln < 8:
            return self.count("xfrm:XfrmInHdrError")
        spi = struct.unpack("!I", payload[:4])[0]
        if spi == self.spi_x:
            return self.count("sa_x:" + (x_ctr or self.esp_class(payload)))
        if spi in self.live:
            return self.count("live:%d" % spi)
        if udp:
            return self.count(transport + ":rx_no_sa")
        return self.count("xfrm:XfrmInNoStates")

    # -- IP ----------------------------------------------------------------
    def ip4(self, src, dst, proto, payload, frag_id=0, off=0, more=False):
        flags = (0x2000 if more else 0) | (off >> 3)
        if not frag_id and not more and not off:
            frag_id = self.r.randint(1, 0xffff)
        return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), frag_id, flags, 64,
                           proto, 0, socket.inet_aton(src), socket.inet_aton(dst)) + payload

    def ip6(self, src, dst, nh, payload):
        return struct.pack("!IHBB", 6 << 28, len(payload), nh, 64) + \
            socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + \
            payload

    @staticmethod
    def opts(nh):
        return struct.pack("!BBBB4x", nh, 0, 1, 4)	# PadN of 4 bytes

    def udp_segment(self, transport, src, dst, payload):
        sport = self.r.choice([4500, 4501, self.r.randint(1024, 65535)])
        seg = struct.pack("!HHHH", sport, self.a.port, 8 + len(payload), 0) + payload
        if transport == "udp6":
            pseudo = socket.inet_pton(socket.AF_INET6, src) + \
                socket.inet_pton(socket.AF_INET6, dst) + struct.pack("!IxxxB", len(seg), 17)
            c = espcraft.csum(pseudo + seg) or 0xffff
            seg = seg[:6] + struct.pack("!H", c) + seg[8:]
        return seg

    def frag_points(self, length, first=8):
        """Offsets (multiples of 8, the first at least @first) where to cut
        @length bytes into fragments, or [] when it is too short. (An IPv6
        first fragment must hold the upper-layer header, RFC 7112.)"""
        if length <= first:
            return []
        return sorted(set(self.r.randrange(first, length, 8)
                          for _ in range(self.r.randint(1, 3))))

    def send(self, transport, payload):
        src, dst = self.tr[transport]
        proto = IPPROTO_UDP if transport.startswith("udp") else IPPROTO_ESP
        body = self.udp_segment(transport, src, dst, payload) if proto == IPPROTO_UDP \
            else payload
        r = self.r
        frag = r.random() < 0.2
        cuts = self.frag_points(len(body)) if frag else []
        pkts = []
        if transport.endswith("4"):
            if cuts:
                fid = r.randint(1, 0xffff)
                edges = [0] + cuts + [len(body)]
                for i in range(len(edges) - 1):
                    pkts.append(self.ip4(src, dst, proto, body[edges[i]:edges[i + 1]], fid,
                                         edges[i], i < len(edges) - 2))
                self.fragmented += 1
            else:
                pkts.append(self.ip4(src, dst, proto, body))
            sock, addr = self.s4, (dst, 0)
        else:
            hbh = r.random() < 0.3
            dstopt = r.random() < 0.3
            if hbh or dstopt:
                self.ext += 1
            frag_body = (self.opts(proto) if dstopt else b"") + body
            first = 60 if dstopt else proto
            cuts = self.frag_points(len(frag_body), (8 if dstopt else 0) + 8) if frag else []
            if cuts:
                fid = r.randint(1, (1 << 32) - 1)
                edges = [0] + cuts + [len(frag_body)]
                for i in range(len(edges) - 1):
                    more = i < len(edges) - 2
                    fh = struct.pack("!BBHI", first, 0, edges[i] | (1 if more else 0), fid)
                    p = fh + frag_body[edges[i]:edges[i + 1]]
                    nh = 44
                    if hbh:
                        p, nh = self.opts(44) + p, 0
                    pkts.append(self.ip6(src, dst, nh, p))
                self.fragmented += 1
            else:
                p, nh = frag_body, first
                if hbh:
                    p, nh = self.opts(first) + p, 0
                pkts.append(self.ip6(src, dst, nh, p))
            sock, addr = self.s6, (dst, 0)
        if len(pkts) > 1 and r.random() < 0.5:
            r.shuffle(pkts)
        for p in pkts:
            sock.sendto(p, addr)
        self.transports[transport] = self.transports.get(transport, 0) + 1

    def one(self):
        r = self.r
        transport = r.choice(sorted(self.tr))
        p = r.random()
        if p < 0.6:
            kind = r.choice(KINDS_X)
            payload, x_ctr = self.x_packet(kind)
        else:
            kind = r.choice(KINDS_OTHER)
            payload, x_ctr = self.other_payload(kind), None
        self.account(transport, payload, x_ctr)
        self.send(transport, payload)
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        self.sent += 1

    def run(self):
        # The window of the fuzzer's SA first gets some history.
        start = time.monotonic()
        end = start + self.a.seconds
        while time.monotonic() < end:
            self.one()
            if self.a.rate:
                ahead = start + self.sent / self.a.rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    num = lambda x: int(x, 0)
    ap.add_argument("--spi-x", type=num, required=True)
    ap.add_argument("--key-x", required=True)
    ap.add_argument("--window-x", type=int, default=64)
    ap.add_argument("--live", type=num, action="append", default=[])
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rate", type=float, default=1000)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--raw4", default="192.0.2.1,192.0.2.2")
    ap.add_argument("--raw6", default="2001:db8:f::1,2001:db8:f::2")
    ap.add_argument("--udp4", default="192.0.2.3,192.0.2.2")
    ap.add_argument("--udp6", default="2001:db8:f::1,2001:db8:f::2")
    ap.add_argument("--port", type=int, default=4500)
    ap.add_argument("--x-inner4", default="10.97.0.1,10.97.0.2")
    ap.add_argument("--x-inner6", default="fd00:97::1,fd00:97::2")
    ap.add_argument("--x-selector-src", default="10.66.0.1")
    ap.add_argument("--transports", default="raw4,raw6,udp4,udp6")
    ap.add_argument("--out")
    try:
        a = ap.parse_args()
    except SystemExit:
        return 2
    if a.seed is None:
        a.seed = random.SystemRandom().randint(1, 1 << 31)
    print("seed %d" % a.seed, flush=True)
    try:
        f = Fuzzer(a)
        f.run()
    except (ValueError, OSError) as e:
        print("esp-fuzz.py: %s" % e, file=sys.stderr)
        return 2
    res = {"seed": a.seed, "sent": f.sent, "kinds": f.kinds, "transports": f.transports,
           "fragmented": f.fragmented, "ext_headers": f.ext, "expect": f.expect}
    text = json.dumps(res, sort_keys=True)
    if a.out:
        with open(a.out, "w") as fh:
            fh.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
