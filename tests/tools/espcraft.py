#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
"""espcraft: build, send, capture and replay ESP packets (RFC 4303, tunnel
mode) encrypted with AES-GCM as RFC 4106 specifies, for the VM tests.

  espcraft.py selftest
      checks the AES-GCM/ESP code against the GCM specification's test
      case 4 (in the RFC 4106 nonce layout), then a build/open round trip.
  espcraft.py send --dst ADDR --spi SPI --seq N --key HEX [options]
      builds one ESP packet around an inner packet and sends it from a raw
      IPPROTO_ESP socket (the kernel adds the outer IPv4/IPv6 header).
      --seq-hi N       ESN high 32 bits (authenticated, not sent; implies ESN)
      --icv BYTES      ICV length: 8, 12 or 16 (default 16)
      --inner udp|icmp --isrc A --idst B [--dport P] [--sport P] [--data TEXT]
      --nexthdr N      next header field (default 4 or 41, from --isrc)
      --corrupt KIND   truncate=N (cut the ESP packet to N bytes; N < 0: drop
                       -N bytes from its end), flip (one
                       ciphertext byte), icv (last ICV byte), padding (pad
                       bytes not 1,2,3,...), padlen (pad length 255, more
                       than the payload)
      --save FILE      also write the ESP packet (SPI onwards) to FILE
      --src ADDR       outer source address (one of the sender's own)
      --udp            send it in UDP (RFC 3948) from and to port 4500
      --count N        send N packets, sequence numbers N, N+1, ...; "{seq}"
                       in --data becomes each packet's sequence number
      --data-len N     pad --data with "x" to N bytes, ending in a newline
      --tap IF         write it instead as an Ethernet frame to the tap
                       device IF (made by the tap command), with an outer
                       IPv4/IPv6 header from --src (required) to --dst:
                       the kernel receives it as a paged skb
      --linear N       with --tap: bytes of the ESP packet in the skb's
                       head, after the Ethernet and outer IP headers
                       (default 8); the rest goes to page fragments of
      --frag N         bytes each (default 512, at most a page)
  espcraft.py tap --name IF
      creates the persistent tap device IF with IFF_NAPI|IFF_NAPI_FRAGS:
      each frame written to it is built in page fragments, one per iovec
      after the first (the head), and received through napi_gro_frags(),
      as a NIC driver's receive ring delivers. `ip link del IF` removes it.
  espcraft.py hold --dev IF --ready FILE
      opens a packet socket on IF and never reads it: every frame received
      on IF is then cloned for it and stays queued (up to its buffer), so
      the stack beyond sees cloned skbs. Runs until killed; touches FILE
      once bound.
  espcraft.py flood --dst ADDR --spi SPI --seq N --count C [--len BYTES]
      sends C forged ESP packets of SPI with the fresh sequence numbers
      N, N+1, ... and random bytes as IV, ciphertext and ICV (BYTES after
      the ESP header, default 64), from one raw socket as fast as it can:
      each one costs the receiver a decryption before its ICV fails.
  espcraft.py replay --dst ADDR FILE
      sends the ESP packet in FILE (from --save or capture) as it is.
  espcraft.py serve
      reads commands (send or replay, with their options) from standard
      input, each as its number of arguments and then the arguments, every
      one ended by a NUL byte (printf '%s\\0' $# "$@"), runs each and
      answers one line: "ok", or "fail: " and why. Saves the interpreter's
      start-up (seconds under TCG) on every packet of a test that sends
      many one by one (tests/lib-esp.sh: esp_craft_start, esp_craft).
  espcraft.py capture --dev IF --out FILE [--spi SPI] [--incoming]
                      [--ready FILE] [--timeout S]
      sniffs the first ESP packet (of SPI) seen on IF with an AF_PACKET
      socket and writes its ESP part to FILE; touches --ready once listening.

Keys are given as ip-xfrm takes them: AES key then 4-byte salt, in hex
(with or without 0x). Exit status: 0 done, 1 failure (message on stderr).
"""

import argparse
import fcntl
import ipaddress
import os
import signal
import socket
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

IPPROTO_ESP = 50
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
# <linux/if_tun.h>
TUNSETIFF = 0x400454CA
TUNSETPERSIST = 0x400454CB
IFF_TAP = 0x0002
IFF_NAPI = 0x0010
IFF_NAPI_FRAGS = 0x0020
IFF_NO_PI = 0x1000
TAP_FLAGS = IFF_TAP | IFF_NO_PI | IFF_NAPI | IFF_NAPI_FRAGS


def csum(data):
    """Internet checksum (RFC 1071) of data."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def inner_packet(kind, src, dst, sport, dport, data):
    """An inner IPv4 or IPv6 packet (UDP or ICMP echo request) with correct
    checksums. Returns (packet, next header value for ESP)."""
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if s.version != d.version:
        raise ValueError("inner source and destination differ in family")
    v6 = s.version == 6
    if kind == "udp":
        proto = 17
        l4 = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    elif kind == "icmp":
        proto = 58 if v6 else 1
        l4 = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, 0x4242, 1) + data
    else:
        raise ValueError("unknown inner packet kind %r" % kind)
    if v6:
        pseudo = s.packed + d.packed + struct.pack("!IxxxB", len(l4), proto)
    else:
        pseudo = s.packed + d.packed + struct.pack("!xBH", proto, len(l4))
    if proto == 1:
        c = csum(l4)  # ICMPv4 has no pseudo-header
    else:
        c = csum(pseudo + l4) or (0xFFFF if proto == 17 else 0)
    off = 6 if proto == 17 else 2
    l4 = l4[:off] + struct.pack("!H", c) + l4[off + 2:]
    if v6:
        hdr = struct.pack("!IHBB", 6 << 28, len(l4), proto, 64) + s.packed + d.packed
        return hdr + l4, 41
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64,
                      proto, 0, s.packed, d.packed)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + l4, 4


def parse_key(text):
    key = bytes.fromhex(text[2:] if text.lower().startswith("0x") else text)
    if len(key) not in (20, 28, 36):
        raise ValueError("key must be 20, 28 or 36 bytes (AES key + 4-byte salt), got %d"
                         % len(key))
    return key


def gcm_seal(key, iv8, aad, plain, icv_len):
    """RFC 4106: nonce = salt || explicit IV; returns ciphertext || ICV."""
    out = AESGCM(key[:-4]).encrypt(key[-4:] + iv8, plain, aad)
    return out[:len(plain) + icv_len]  # a shorter ICV is the tag's prefix


def gcm_open(key, iv8, aad, sealed, icv_len):
    """Inverse of gcm_seal (16-byte ICV only: AESGCM cannot check a prefix)."""
    if icv_len != 16:
        raise ValueError("open needs a 16-byte ICV")
    return AESGCM(key[:-4]).decrypt(key[-4:] + iv8, sealed, aad)


def esp_aad(spi, seq_lo, seq_hi):
    if seq_hi is None:
        return struct.pack("!II", spi, seq_lo)
    return struct.pack("!III", spi, seq_hi, seq_lo)


def esp_build(key, spi, seq_lo, seq_hi, icv_len, inner, nexthdr, corrupt=None):
    """The ESP packet (header, IV, ciphertext, ICV) carrying inner."""
    padlen = (2 - len(inner)) % 4
    if corrupt == "padding" and padlen == 0:
        padlen = 4  # need pad bytes to spoil
    pad = bytes(range(1, padlen + 1))
    if corrupt == "padding":
        pad = bytes([0xEE] * padlen)
    trailer = bytes([255 if corrupt == "padlen" else padlen, nexthdr])
    plain = inner + pad + trailer
    iv8 = struct.pack("!II", seq_hi or 0, seq_lo)
    hdr = struct.pack("!II", spi, seq_lo)
    pkt = bytearray(hdr + iv8 + gcm_seal(key, iv8, esp_aad(spi, seq_lo, seq_hi),
                                         plain, icv_len))
    if corrupt == "flip":
        pkt[16] ^= 0x01
    elif corrupt == "icv":
        pkt[-1] ^= 0x80
    elif corrupt and corrupt.startswith("truncate="):
        pkt = pkt[:int(corrupt.split("=", 1)[1])]
    elif corrupt not in (None, "padding", "padlen"):
        raise ValueError("unknown corruption %r" % corrupt)
    return bytes(pkt)


def esp_send(dst, pkt, src=None, udp=False):
    """Sends pkt as the payload of an IP packet of protocol 50 to dst, or
    in a UDP datagram from and to port 4500, from src when given."""
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    if udp:
        with socket.socket(fam, socket.SOCK_DGRAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((src or "", 4500))
            s.sendto(pkt, (dst, 4500))
        return
    with socket.socket(fam, socket.SOCK_RAW, IPPROTO_ESP) as s:
        if src:
            s.bind((src, 0))
        s.sendto(pkt, (dst, 0))


def tap_open(name, persist=None):
    """A file descriptor attached to the tap device name (created when it
    does not exist) with TAP_FLAGS; persist: set or clear its persistence."""
    fd = os.open("/dev/net/tun", os.O_RDWR)
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), TAP_FLAGS))
        if persist is not None:
            fcntl.ioctl(fd, TUNSETPERSIST, int(persist))
    except OSError:
        os.close(fd)
        raise
    return fd


def outer_header(src, dst, length):
    """Ethernet type and outer IPv4/IPv6 header of protocol 50 (ESP) for an
    ESP packet of length bytes."""
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if s.version != d.version:
        raise ValueError("outer source and destination differ in family")
    if s.version == 6:
        return 0x86DD, struct.pack("!IHBB", 6 << 28, length, IPPROTO_ESP, 64) + s.packed + d.packed
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + length, 1, 0x4000, 64,
                      IPPROTO_ESP, 0, s.packed, d.packed)
    return 0x0800, hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]


def tap_send(tap, src, dst, pkt, linear, frag):
    """Writes pkt, in an outer IP header from src to dst and an Ethernet
    frame addressed to the tap's own MAC address, to the tap device: one
    iovec for the head (Ethernet, outer IP, the first linear bytes of pkt),
    then one per page fragment of at most frag bytes."""
    if not 0 < frag <= 4096 or linear < 0:
        raise ValueError("--frag: 1..4096 bytes, --linear: 0 or more")
    with open("/sys/class/net/%s/address" % tap) as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))
    etype, ip = outer_header(src, dst, len(pkt))
    head = mac + bytes.fromhex("020000000001") + struct.pack("!H", etype) + ip + pkt[:linear]
    iov = [head] + [pkt[i:i + frag] for i in range(min(linear, len(pkt)), len(pkt), frag)]
    fd = tap_open(tap)
    try:
        n = os.writev(fd, iov)
    finally:
        os.close(fd)
    if n != sum(map(len, iov)):
        raise OSError("short write to %s: %d bytes" % (tap, n))


def hold(dev, ready):
    """Keeps a packet socket on dev open, never reading it."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((dev, ETH_P_ALL))
    open(ready, "w").close()
    signal.pause()


def esp_flood(dst, spi, seq, count, length):
    """Sends count forged ESP packets (random body) with fresh sequence numbers."""
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    body = os.urandom(length)
    with socket.socket(fam, socket.SOCK_RAW, IPPROTO_ESP) as s:
        # Room for the whole burst even while a qdisc holds it (root only).
        s.setsockopt(socket.SOL_SOCKET, 32, 64 << 20)  # SO_SNDBUFFORCE
        for i in range(count):
            s.sendto(struct.pack("!II", spi, (seq + i) & 0xffffffff) + body, (dst, 0))


def esp_from_ip(frame):
    """The ESP part of an IPv4/IPv6 packet of protocol 50, or None."""
    if len(frame) >= 20 and frame[0] >> 4 == 4 and frame[9] == IPPROTO_ESP:
        ihl, tot = (frame[0] & 15) * 4, struct.unpack("!H", frame[2:4])[0]
        return frame[ihl:tot]
    if len(frame) >= 40 and frame[0] >> 4 == 6 and frame[6] == IPPROTO_ESP:
        return frame[40:40 + struct.unpack("!H", frame[4:6])[0]]
    return None


def capture(dev, out, spi, incoming, ready, timeout):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
    s.bind((dev, ETH_P_ALL))
    s.settimeout(timeout)
    if ready:
        open(ready, "w").close()
    while True:
        try:
            frame, addr = s.recvfrom(65535)
        except socket.timeout:
            raise SystemExit("espcraft: no ESP packet%s on %s within %d s" %
                             (" of SPI 0x%x" % spi if spi else "", dev, timeout))
        if incoming and addr[2] == PACKET_OUTGOING:
            continue
        esp = esp_from_ip(frame)
        if esp is None or len(esp) < 8:
            continue
        if spi is not None and struct.unpack("!I", esp[:4])[0] != spi:
            continue
        with open(out + ".tmp", "wb") as f:
            f.write(esp)
        os.rename(out + ".tmp", out)  # appears complete or not at all
        print("captured SPI 0x%08x seq %d, %d bytes" %
              (struct.unpack("!I", esp[:4])[0], struct.unpack("!I", esp[4:8])[0], len(esp)))
        return


def selftest():
    ok = True

    def expect(name, got, want):
        nonlocal ok
        if got == want:
            print("ok - %s" % name)
        else:
            ok = False
            print("not ok - %s\n  got  %s\n  want %s" % (name, got.hex(), want.hex()))

    # GCM specification (McGrew, Viega), test case 4: AES-128, 96-bit IV
    # cafebabe facedbaddecaf888, which is RFC 4106's salt || explicit IV.
    key = bytes.fromhex("feffe9928665731c6d6a8f9467308308" "cafebabe")
    iv8 = bytes.fromhex("facedbaddecaf888")
    aad = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    plain = bytes.fromhex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
    cipher = bytes.fromhex(
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
        "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091")
    tag = bytes.fromhex("5bc94fbc3221a5db94fae95ae7121a47")
    expect("GCM test case 4, 128-bit ICV", gcm_seal(key, iv8, aad, plain, 16), cipher + tag)
    expect("GCM test case 4, 64-bit ICV", gcm_seal(key, iv8, aad, plain, 8), cipher + tag[:8])

    # Round trip through esp_build: header, IV, AAD with and without ESN,
    # RFC 4303 padding and trailer, inner checksums.
    for seq_hi in (None, 7):
        inner, nh = inner_packet("udp", "10.0.0.1", "10.0.0.2", 1000, 2000, b"hello")
        pkt = esp_build(key, 0x1234, 42, seq_hi, 16, inner, nh)
        spi, seq = struct.unpack("!II", pkt[:8])
        plain = gcm_open(key, pkt[8:16], esp_aad(spi, seq, seq_hi), pkt[16:], 16)
        padlen, nexthdr = plain[-2], plain[-1]
        good = (spi == 0x1234 and seq == 42 and nexthdr == 4 and len(plain) % 4 == 0 and
                plain[len(inner):-2] == bytes(range(1, padlen + 1)) and
                plain[:len(inner)] == inner and csum(inner[:20]) == 0)
        expect("ESP round trip, ESN %s" % ("off" if seq_hi is None else "on"),
               bytes([good]), b"\1")
    for fam in (("10.0.0.1", "10.0.0.2"), ("fd00::1", "fd00::2")):
        inner, _ = inner_packet("icmp", fam[0], fam[1], 0, 0, b"ping")
        hl = 40 if ":" in fam[0] else 20
        pseudo = b""
        if hl == 40:
            pseudo = inner[8:40] + struct.pack("!IxxxB", len(inner) - 40, 58)
        expect("ICMP echo checksum, inner IPv%d" % (6 if hl == 40 else 4),
               struct.pack("!H", csum(pseudo + inner[hl:])), b"\0\0")
    return 0 if ok else 1


class ArgError(Exception):
    """A command line serve could not parse (argparse would exit)."""


class ServeParser(argparse.ArgumentParser):
    """An ArgumentParser that raises ArgError instead of exiting."""

    def error(self, message):
        raise ArgError(message)


def read_token(f):
    """The next NUL-terminated string of f, or None at the end of f."""
    b = bytearray()
    while True:
        c = f.read(1)
        if not c:
            if b:
                raise ArgError("input ends inside an argument")
            return None
        if c == b"\0":
            return b.decode()
        b += c


def serve(ap):
    """Runs send and replay commands read from stdin (see serve above)."""
    f = sys.stdin.buffer
    while True:
        try:
            n = read_token(f)
            if n is None:
                return 0
            if not n.isdigit():
                raise ArgError("argument count %r is not a number" % n)
            args = [read_token(f) for _ in range(int(n))]
            if None in args:
                raise ArgError("input ends inside a command")
        except ArgError as e:
            print("fail: %s" % e, flush=True)
            return 1
        try:
            a = ap.parse_args(args)
            if a.cmd not in ("send", "replay"):
                raise ArgError("serve runs send and replay, not %s" % a.cmd)
            run(a)
            print("ok", flush=True)
        except (ArgError, ValueError, OSError) as e:
            print("fail: %s" % e, flush=True)


def parser(cls=argparse.ArgumentParser):
    """The command line parser: of the program, or (ServeParser) of serve."""
    ap = cls(description="ESP packet crafting for the espvti tests")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("selftest")
    sub.add_parser("serve")
    p = sub.add_parser("send")
    p.add_argument("--dst", required=True)
    p.add_argument("--spi", required=True, type=lambda x: int(x, 0))
    p.add_argument("--seq", required=True, type=lambda x: int(x, 0))
    p.add_argument("--seq-hi", type=lambda x: int(x, 0))
    p.add_argument("--key", required=True)
    p.add_argument("--icv", type=int, default=16, choices=(8, 12, 16))
    p.add_argument("--inner", default="udp", choices=("udp", "icmp"))
    p.add_argument("--isrc", required=True)
    p.add_argument("--idst", required=True)
    p.add_argument("--sport", type=int, default=40000)
    p.add_argument("--dport", type=int, default=5555)
    p.add_argument("--data", default="espcraft\n")
    p.add_argument("--nexthdr", type=int)
    p.add_argument("--corrupt")
    p.add_argument("--save")
    p.add_argument("--src")
    p.add_argument("--udp", action="store_true")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--data-len", type=int)
    p.add_argument("--tap")
    p.add_argument("--linear", type=int, default=8)
    p.add_argument("--frag", type=int, default=512)
    p = sub.add_parser("tap")
    p.add_argument("--name", required=True)
    p = sub.add_parser("hold")
    p.add_argument("--dev", required=True)
    p.add_argument("--ready", required=True)
    p = sub.add_parser("flood")
    p.add_argument("--dst", required=True)
    p.add_argument("--spi", required=True, type=lambda x: int(x, 0))
    p.add_argument("--seq", required=True, type=lambda x: int(x, 0))
    p.add_argument("--count", required=True, type=int)
    p.add_argument("--len", type=int, default=64)
    p = sub.add_parser("replay")
    p.add_argument("--dst", required=True)
    p.add_argument("file")
    p = sub.add_parser("capture")
    p.add_argument("--dev", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--spi", type=lambda x: int(x, 0))
    p.add_argument("--incoming", action="store_true")
    p.add_argument("--ready")
    p.add_argument("--timeout", type=int, default=60)
    return ap


def run(a):
    """Runs the command of the parsed arguments a; 0 when done, or raises."""
    if a.cmd == "selftest":
        return selftest()
    if a.cmd == "capture":
        capture(a.dev, a.out, a.spi, a.incoming, a.ready, a.timeout)
        return 0
    if a.cmd == "tap":
        os.close(tap_open(a.name, persist=True))
        return 0
    if a.cmd == "hold":
        hold(a.dev, a.ready)
        return 0
    if a.cmd == "flood":
        esp_flood(a.dst, a.spi, a.seq, a.count, a.len)
        return 0
    if a.cmd == "replay":
        with open(a.file, "rb") as f:
            esp_send(a.dst, f.read())
        return 0
    if not 0 <= a.seq < 1 << 32 or (a.seq_hi is not None and not 0 <= a.seq_hi < 1 << 32):
        raise ValueError("--seq and --seq-hi are 32-bit numbers")
    if a.count < 1 or a.seq + a.count > 1 << 32:
        raise ValueError("--count: 1 or more, within 32-bit sequence numbers")
    if a.tap and not a.src:
        raise ValueError("--tap needs --src")
    for seq in range(a.seq, a.seq + a.count):
        data = a.data.replace("{seq}", str(seq)).encode()
        if a.data_len is not None:
            data = data.rstrip(b"\n").ljust(a.data_len - 1, b"x") + b"\n"
        inner, nh = inner_packet(a.inner, a.isrc, a.idst, a.sport, a.dport, data)
        pkt = esp_build(parse_key(a.key), a.spi, seq, a.seq_hi, a.icv, inner,
                        nh if a.nexthdr is None else a.nexthdr, a.corrupt)
        if a.save:
            with open(a.save, "wb") as f:
                f.write(pkt)
        if a.tap:
            tap_send(a.tap, a.src, a.dst, pkt, a.linear, a.frag)
        else:
            esp_send(a.dst, pkt, a.src, a.udp)
    return 0


def main():
    a = parser().parse_args()
    try:
        if a.cmd == "serve":
            return serve(parser(ServeParser))
        return run(a)
    except (ValueError, OSError) as e:
        print("espcraft: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
