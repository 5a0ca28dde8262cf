#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
"""ike-peer.py: a scripted IKEv2 peer for espiked-proto-host.sh.

Python 3 standard library only (and the openssl command for AES-CBC). It
encodes just enough of IKEv2 (RFC 7296) to drive a responder through
IKE_SA_INIT: the header, an SA payload with one IKE proposal
(aes256gcm16-prfsha256-ecp256), a KE payload of group 19 whose public value
is the P-256 base point (a valid point: private key 1; nothing is ever
derived from it), a Nonce and optionally a COOKIE notify first. Only
"auth" and "rekey-errors" compute keys (modp2048, HMAC-SHA2-256, AES-CBC)
and go on with protected exchanges of their own; other later exchanges are
captured from a real espiked initiator by the relay and replayed unchanged.

  record PORT FILE            write "NS LEN SHA256" per datagram on PORT
                              (kernel receive time) until killed
  backoff FILE SENDS MINRATIO check FILE: SENDS identical datagrams, each
                              interval >= MINRATIO x the previous one
  init-dup PORT               one IKE_SA_INIT request sent twice (same
                              message ID, same socket): both responses
  critical PORT               IKE_SA_INIT with an unknown critical payload
  version PORT                IKE_SA_INIT requests of major version 3: as a
                              first request, with message ID 1, as a response
  auth PORT PSK               a real initiator (aes128-sha256-modp2048, PSK,
                              ESP aes128gcm16) up to an IKE SA, then
                              INFORMATIONAL requests with inner payloads that
                              are refused: an unknown critical payload, a
                              Notify of bad length, a bad ICV, each followed
                              by a liveness check with the next message ID
  rekey-errors PORT PSK       the same IKE SA towards a responder with ESP
                              PFS modp2048, then CREATE_CHILD_SA requests it
                              refuses: rekeys of an unknown SPI, of AH,
                              without an SPI, rekeys
                              with a KE of ecp256 (not the group proposed,
                              not one it accepts) or none, a new CHILD_SA;
                              each followed by a liveness check; then a
                              rekey with the right KE (its KEYMAT printed)
                              and the Delete of the old pair
  burst PORT COUNT            COUNT IKE_SA_INIT requests with distinct SPIs,
                              each again with its COOKIE when asked for one
  garbage PORT NATTPORT       malformed datagrams to both ports
  relay LISTEN TARGET CTRL [--hold EXCH] [--drop-frag N]
                              UDP relay: the initiator sends to LISTEN,
                              the relay forwards to 127.0.0.1:TARGET and
                              back; CTRL is its control port (see ctl);
                              --drop-frag drops, once each way, the first
                              IKE fragment (SKF) numbered N
  ctl CTRL COMMAND...         a command to the relay, prints the answer:
                              replay EXCH MSGID [NEWMSGID] | count EXCH
                              MSGID | dropped | release | quit

Every subcommand prints key=value lines the shell test greps.
"""
import hashlib
import hmac
import random
import select
import socket
import struct
import subprocess
import sys
import time

EXCH_SA_INIT, EXCH_AUTH, EXCH_CREATE_CHILD_SA, EXCH_INFORMATIONAL = 34, 35, 36, 37
FLAG_I, FLAG_R = 0x08, 0x20
PL_SA, PL_KE, PL_IDI, PL_IDR, PL_AUTH, PL_NONCE, PL_NOTIFY = 33, 34, 35, 36, 39, 40, 41
PL_DELETE, PL_TSI, PL_TSR, PL_SK, PL_SKF = 42, 44, 45, 46, 53
PROTO_AH, PROTO_ESP = 2, 3
N_COOKIE, N_REKEY_SA = 16390, 16393

# P-256 base point G (SEC 2, 2.4.2): a valid group 19 public value.
P256_GX = bytes.fromhex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296")
P256_GY = bytes.fromhex("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")

LOCAL = "127.0.0.1"


def out(**kv):
    print(" ".join("%s=%s" % (k, v) for k, v in kv.items()), flush=True)


# ---- encoder ------------------------------------------------------------

def payload(next_type, body):
    return struct.pack("!BBH", next_type, 0, 4 + len(body)) + body


def transform(last, ttype, tid, keylen=None):
    attrs = struct.pack("!HH", 0x800E, keylen) if keylen else b""
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0, tid) + attrs


def sa_body():
    xfs = (transform(False, 1, 20, 256) +    # ENCR_AES_GCM_16, 256 bits
           transform(False, 2, 5) +          # PRF_HMAC_SHA2_256
           transform(True, 4, 19))           # DH group 19 (ecp256)
    return struct.pack("!BBHBBBB", 0, 0, 8 + len(xfs), 1, 1, 0, 3) + xfs


def encode_chain(chain):
    """[(type, body)] as a payload chain; unknown types (>= 128) marked critical."""
    body = b""
    for i, (t, b) in enumerate(chain):
        nxt = chain[i + 1][0] if i + 1 < len(chain) else 0
        flags = 0x80 if t >= 128 else 0
        body += struct.pack("!BBH", nxt, flags, 4 + len(b)) + b
    return body


def init_request(spi_i, nonce, cookie=None, group=19, ke=P256_GX + P256_GY, sa=None,
                 extra=(), version=0x20, msgid=0, flags=FLAG_I):
    """IKE_SA_INIT request: [N(COOKIE)], SA, KE, Nonce, then EXTRA payloads."""
    chain = []
    if cookie is not None:
        chain.append((PL_NOTIFY, struct.pack("!BBH", 0, 0, N_COOKIE) + cookie))
    chain.append((PL_SA, sa if sa is not None else sa_body()))
    chain.append((PL_KE, struct.pack("!HH", group, 0) + ke))
    chain.append((PL_NONCE, nonce))
    chain += list(extra)
    body = encode_chain(chain)
    hdr = spi_i + bytes(8) + struct.pack("!BBBBII", chain[0][0], version, EXCH_SA_INIT, flags,
                                         msgid, 28 + len(body))
    return hdr + body


def parse(msg):
    """Header fields and the unprotected payload chain: dict or None."""
    if len(msg) < 28:
        return None
    nxt, ver, exch, flags, msgid, length = struct.unpack("!BBBBII", msg[16:28])
    r = {"spi_i": msg[:8], "spi_r": msg[8:16], "exch": exch, "flags": flags,
         "version": ver, "msgid": msgid, "length": length, "payloads": [], "notify": [],
         "body": {}}
    off = 28
    while nxt and off + 4 <= len(msg):
        n2, _, plen = struct.unpack("!BBH", msg[off:off + 4])
        if plen < 4 or off + plen > len(msg):
            break
        body = msg[off + 4:off + plen]
        r["payloads"].append(nxt)
        r["body"].setdefault(nxt, body)
        if nxt == PL_NOTIFY and len(body) >= 4:
            spisz = body[1]
            r["notify"].append((struct.unpack("!H", body[2:4])[0], body[4 + spisz:]))
        if nxt == 46:   # SK: the rest is encrypted
            break
        nxt, off = n2, off + plen
    return r


def udp(bind_port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((LOCAL, bind_port))
    return s


def recv_until(s, deadline, want):
    """Datagrams until want(parsed) or the deadline: the matching one or None."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([s], [], [], left)
        if not r:
            return None
        data = s.recv(65535)
        p = parse(data)
        if p and want(p):
            return data, p


# ---- record / backoff -----------------------------------------------------

def cmd_record(port, path):
    s = udp(int(port))
    so_ts = getattr(socket, "SO_TIMESTAMPNS", 35)
    s.setsockopt(socket.SOL_SOCKET, so_ts, 1)
    with open(path, "a") as f:
        while True:
            data, anc, _, _ = s.recvmsg(65535, 64)
            ns = None
            for level, typ, d in anc:
                if level == socket.SOL_SOCKET and typ == so_ts and len(d) >= 16:
                    sec, nsec = struct.unpack("qq", d[:16])
                    ns = sec * 1000000000 + nsec
            if ns is None:
                ns = time.time_ns()
            f.write("%d %d %s\n" % (ns, len(data), hashlib.sha256(data).hexdigest()))
            f.flush()


def cmd_backoff(path, sends, minratio):
    rows = [ln.split() for ln in open(path) if ln.strip()]
    times = [int(r[0]) for r in rows]
    iv = [(b - a) / 1e6 for a, b in zip(times, times[1:])]
    ratios = [b / a if a > 0 else 0 for a, b in zip(iv, iv[1:])]
    same = len({r[2] for r in rows}) == 1
    out(sends=len(rows), identical=int(same),
        intervals_ms=",".join("%.0f" % x for x in iv) or "-",
        ratios=",".join("%.2f" % x for x in ratios) or "-")
    ok = len(rows) == int(sends) and same and ratios and \
        all(x >= float(minratio) for x in ratios)
    return 0 if ok else 1


# ---- IKE_SA_INIT requests -------------------------------------------------

def is_resp_for(spi):
    return lambda p: p["spi_i"] == spi and p["flags"] & FLAG_R and p["exch"] == EXCH_SA_INIT


def cmd_init_dup(port):
    rnd = random.Random(7296)
    dst = (LOCAL, int(port))
    s = udp()
    spi = bytes([0x11]) + rnd.randbytes(7)
    req = init_request(spi, rnd.randbytes(32))
    got = []
    for _ in range(2):
        s.sendto(req, dst)
        r = recv_until(s, time.monotonic() + 20, is_resp_for(spi))
        got.append(r)
    ok = all(got)
    p = got[0][1] if got[0] else None
    out(responses=sum(1 for g in got if g),
        identical=int(ok and got[0][0] == got[1][0]),
        spi_r_nonzero=int(bool(p) and p["spi_r"] != bytes(8)),
        payloads=",".join(str(x) for x in p["payloads"]) if p else "-",
        spi_i=spi.hex())
    return 0


def cmd_critical(port):
    """A request with an unknown payload type (200) marked critical."""
    rnd = random.Random(25)
    s = udp()
    spi = bytes([0x55]) + rnd.randbytes(7)
    s.sendto(init_request(spi, rnd.randbytes(32), extra=[(200, b"x" * 8)]), (LOCAL, int(port)))
    r = recv_until(s, time.monotonic() + 10, is_resp_for(spi))
    p = r[1] if r else None
    out(response=int(bool(r)),
        notify=",".join("%d:%s" % (t, d.hex()) for t, d in p["notify"]) if p else "-",
        payloads=",".join(str(x) for x in p["payloads"]) if p else "-",
        spi_r_zero=int(bool(p) and p["spi_r"] == bytes(8)))
    return 0


def cmd_burst(port, count):
    """Each request waits for its answer; COOKIE answers are retried at the end."""
    rnd = random.Random(2006)
    dst = (LOCAL, int(port))
    s = udp()
    reqs, sa_ok, cookies, cookie_spi_r_zero = [], 0, {}, True
    for i in range(int(count)):
        spi = bytes([0x22, i]) + rnd.randbytes(6)
        nonce = rnd.randbytes(32)
        reqs.append((spi, nonce))
        s.sendto(init_request(spi, nonce), dst)
        r = recv_until(s, time.monotonic() + 20, is_resp_for(spi))
        if not r:
            continue
        p = r[1]
        ck = [d for t, d in p["notify"] if t == N_COOKIE]
        if ck:
            cookies[spi] = ck[0]
            cookie_spi_r_zero &= p["spi_r"] == bytes(8) and p["payloads"] == [PL_NOTIFY]
        elif PL_SA in p["payloads"] and p["spi_r"] != bytes(8):
            sa_ok += 1
    first_cookie = next((i for i, (spi, _) in enumerate(reqs) if spi in cookies), -1)
    # The same requests again, the COOKIE first (RFC 7296 2.6), all at once.
    with_cookie = 0
    for spi, nonce in reqs:
        if spi in cookies:
            s.sendto(init_request(spi, nonce, cookies[spi]), dst)
    answered = set()
    while True:     # until 1.5 s pass without an answer
        r = recv_until(s, time.monotonic() + 1.5, lambda p: p["flags"] & FLAG_R)
        if not r:
            break
        p = r[1]
        if p["spi_i"] in cookies and p["spi_i"] not in answered and \
                PL_SA in p["payloads"] and p["spi_r"] != bytes(8):
            answered.add(p["spi_i"])
            with_cookie += 1
    out(sent=count, sa_first=sa_ok, cookie=len(cookies), first_cookie_at=first_cookie + 1,
        cookie_only_notify=int(cookie_spi_r_zero), sa_with_cookie=with_cookie,
        half_open=sa_ok + with_cookie)
    return 0


def cmd_garbage(port, natt):
    """Malformed datagrams; each is named on stdout."""
    rnd = random.Random(4500)
    s = udp()
    ike, nat = (LOCAL, int(port)), (LOCAL, int(natt))
    good = init_request(bytes([0x33]) + rnd.randbytes(7), rnd.randbytes(32))
    cases = [("empty", ike, b"")]
    cases += [("random%d" % n, ike, rnd.randbytes(n)) for n in (1, 27, 28, 29, 100, 600)]
    cases += [("truncated%d" % n, ike, good[:n]) for n in (4, 27, 28, 40, len(good) - 1)]
    # Length field fixed up to the truncated size: the payload chain is cut.
    for n in (29, 45, 60, len(good) - 10):
        cases.append(("cut%d" % n, ike, good[:24] + struct.pack("!I", n) + good[28:n]))
    bad_ver = bytearray(good)
    bad_ver[17] = 0x30
    cases.append(("version3", ike, bytes(bad_ver)))
    zero_spi = bytes(8) + good[8:]
    cases.append(("zero-spi", ike, zero_spi))
    # Payload length pointing past the end.
    long_pl = bytearray(good)
    long_pl[30:32] = struct.pack("!H", 0xFFF0)
    cases.append(("payload-overrun", ike, bytes(long_pl)))
    # Unknown SPIs of a later exchange.
    other = bytearray(good)
    other[8:16] = rnd.randbytes(8)
    other[18] = EXCH_AUTH
    cases.append(("unknown-spi", ike, bytes(other)))
    resp = bytearray(good)
    resp[19] = FLAG_R
    cases.append(("stray-response", ike, bytes(resp)))
    # NAT-T port: no marker, marker only, NAT keepalive, short, garbage behind the marker.
    cases += [("natt-nomarker", nat, good), ("natt-marker-only", nat, bytes(4)),
              ("natt-keepalive", nat, b"\xff"), ("natt-short", nat, b"\0\0"),
              ("natt-esp", nat, rnd.randbytes(60))]
    cases += [("natt-random%d" % n, nat, bytes(4) + rnd.randbytes(n)) for n in (1, 28, 200)]
    cases += [("natt-truncated%d" % n, nat, bytes(4) + good[:n]) for n in (20, 28, 50)]
    cases.append(("natt-cut", nat, bytes(4) + good[:24] + struct.pack("!I", 50) + good[28:50]))
    # Well-formed requests with bad contents (fresh SPI each).
    def req(**kw):
        return init_request(bytes([0x44]) + rnd.randbytes(7), rnd.randbytes(32), **kw)
    bad_y = bytearray(P256_GY)
    bad_y[-1] ^= 1
    other_sa = struct.pack("!BBHBBBB", 0, 0, 8 + 24, 1, 1, 0, 3) + \
        transform(False, 1, 12, 128) + transform(False, 2, 2) + transform(True, 4, 2)
    cases += [("ke-short", ike, req(ke=b"\1" * 10)),
              ("ke-off-curve", ike, req(ke=P256_GX + bytes(bad_y))),
              ("ke-zero", ike, req(ke=bytes(64))),
              ("ke-other-group", ike, req(group=14, ke=b"\2" * 256)),
              ("ke-unknown-group", ike, req(group=999, ke=b"\3" * 8)),
              ("sa-unacceptable", ike, req(sa=other_sa)),
              ("sa-empty", ike, req(sa=b"")),
              ("nonce-short", ike, init_request(bytes([0x45]) + rnd.randbytes(7), b"n" * 8)),
              ("cookie-huge", ike, req(cookie=b"c" * 1000)),
              ("cookie-empty", ike, req(cookie=b"")),
              ("two-sa", ike, req(extra=[(PL_SA, sa_body())])),
              ("critical-unknown", ike, req(extra=[(200, b"x" * 8)])),
              ("notify-many", ike, req(extra=[(PL_NOTIFY, struct.pack("!BBH", 0, 0, 16388)
                                               + b"h" * 20)] * 40))]
    for _ in range(50):
        cases.append(("fuzz", rnd.choice((ike, nat)), rnd.randbytes(rnd.randrange(0, 300))))
    for _ in range(50):
        m = bytearray(good)
        for _ in range(rnd.randrange(1, 6)):
            m[rnd.randrange(len(m))] = rnd.randrange(256)
        dst = rnd.choice((ike, nat))
        cases.append(("flip", dst, (bytes(4) if dst == nat else b"") + bytes(m)))
    for name, dst, data in cases:
        s.sendto(data, dst)
        time.sleep(0.002)
    out(sent=len(cases))
    return 0


def cmd_version(port):
    """IKE_SA_INIT of major version 3 (RFC 7296 2.5): a first request is
    answered with INVALID_MAJOR_VERSION in a version 2.0 header; the same
    with message ID 1 or as a response is not answered."""
    rnd = random.Random(5)
    s = udp()
    dst = (LOCAL, int(port))
    spi = bytes([0x66]) + rnd.randbytes(7)
    s.sendto(init_request(spi, rnd.randbytes(32), version=0x30), dst)
    r = recv_until(s, time.monotonic() + 10, is_resp_for(spi))
    p = r[1] if r else None
    others = 0
    for kw in ({"msgid": 1}, {"flags": FLAG_I | FLAG_R}):
        spi2 = bytes([0x67]) + rnd.randbytes(7)
        s.sendto(init_request(spi2, rnd.randbytes(32), version=0x31, **kw), dst)
        others += bool(recv_until(s, time.monotonic() + 1, lambda q, x=spi2: q["spi_i"] == x))
    out(response=int(bool(r)),
        version="%02x" % p["version"] if p else "-",
        notify=",".join("%d:%s" % (t, d.hex()) for t, d in p["notify"]) if p else "-",
        payloads=",".join(str(x) for x in p["payloads"]) if p else "-",
        msgid=p["msgid"] if p else "-", flags="%02x" % p["flags"] if p else "-",
        spi_r_zero=int(bool(p) and p["spi_r"] == bytes(8)), others_answered=others)
    return 0


# ---- an authenticated initiator -------------------------------------------

# RFC 3526 group 14 (MODP 2048), generator 2.
MODP2048 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9"
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AACAA68FFFFFFFFFFFFFFFF", 16)


def prf(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def prf_plus(key, seed, n):
    """RFC 7296 2.13."""
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(key, t + seed + bytes([i]))
        out, i = out + t, i + 1
    return out[:n]


def aes_cbc(decrypt, key, iv, data):
    """AES-128-CBC without padding, by the openssl command."""
    cmd = ["openssl", "enc", "-aes-128-cbc", "-K", key.hex(), "-iv", iv.hex(), "-nopad"]
    if decrypt:
        cmd.append("-d")
    return subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=True).stdout


def decode_chain(first, buf):
    """[(type, flags, body)] of a payload chain, or None if the lengths do not add up."""
    r, off, t = [], 0, first
    while t:
        if len(buf) - off < 4:
            return None
        nxt, fl, plen = struct.unpack("!BBH", buf[off:off + 4])
        if plen < 4 or off + plen > len(buf):
            return None
        r.append((t, fl, buf[off + 4:off + plen]))
        off, t = off + plen, nxt
    return r if off == len(buf) else None


def ike_sa_cbc():
    """IKE proposal aes128-sha256-modp2048."""
    xfs = (transform(False, 1, 12, 128) +    # ENCR_AES_CBC, 128 bits
           transform(False, 2, 5) +          # PRF_HMAC_SHA2_256
           transform(False, 3, 12) +         # AUTH_HMAC_SHA2_256_128
           transform(True, 4, 14))           # DH group 14 (modp2048)
    return struct.pack("!BBHBBBB", 0, 0, 8 + len(xfs), 1, 1, 0, 4) + xfs


def esp_sa(spi, groups=()):
    """ESP proposal aes128gcm16, the DH groups @groups (PFS) in this order, no
    ESN, with our inbound SPI."""
    xfs = transform(False, 1, 20, 128)                          # ENCR_AES_GCM_16, 128 bits
    xfs += b"".join(transform(False, 4, g) for g in groups)     # D-H
    xfs += transform(True, 5, 0)                                # ESN: none
    return struct.pack("!BBHBBBB", 0, 0, 12 + len(xfs), 1, PROTO_ESP, 4, 2 + len(groups)) + \
        spi + xfs


def proposal_spi(sa):
    """The SPI of the first proposal of an SA payload body."""
    return sa[8:8 + sa[6]] if len(sa) >= 8 else b""


def notify(ntype, spi=b"", proto=0, data=b""):
    """Notify payload body: Protocol ID, SPI Size, Notify Message Type, SPI, data."""
    return struct.pack("!BBH", proto, len(spi), ntype) + spi + data


def notify_str(body):
    """TYPE:DATA of a Notify payload body in hex; TYPE/PROTO/SPI:DATA when it
    has a Protocol ID or an SPI."""
    spisz = body[1]
    sa = "/%d/%s" % (body[0], body[4:4 + spisz].hex()) if body[0] or spisz else ""
    return "%d%s:%s" % (struct.unpack("!H", body[2:4])[0], sa, body[4 + spisz:].hex())


def modp2048_key(rnd):
    """A group 14 key pair: (private x, public value g^x of 256 octets)."""
    x = rnd.getrandbits(2048) % (MODP2048 - 3) + 2
    return x, pow(2, x, MODP2048).to_bytes(256, "big")


def modp2048_shared(x, pub):
    return pow(int.from_bytes(pub, "big"), x, MODP2048).to_bytes(256, "big")


def ts_any4():
    """One selector: all of IPv4, any protocol and port."""
    return bytes([1, 0, 0, 0]) + struct.pack("!BBHHH", 7, 0, 16, 0, 65535) + \
        bytes(4) + b"\xff" * 4


class Initiator:
    """One IKE SA towards espiked: IKE_SA_INIT, IKE_AUTH, then requests."""

    def __init__(self, port, psk):
        self.rnd = random.SystemRandom()
        self.s = udp()
        self.dst = (LOCAL, int(port))
        self.psk = psk.encode()
        self.spi_i = bytes([0x77]) + self.rnd.randbytes(7)
        self.spi_r = bytes(8)
        self.msgid = 0

    def exchange(self, req, exch, msgid, timeout=5):
        """Send @req, return (raw, parsed) of the response to @exch/@msgid or None."""
        self.s.sendto(req, self.dst)
        return recv_until(self.s, time.monotonic() + timeout,
                          lambda p: p["spi_i"] == self.spi_i and p["flags"] & FLAG_R and
                          p["exch"] == exch and p["msgid"] == msgid)

    def sa_init(self):
        x, pub = modp2048_key(self.rnd)
        self.ni = self.rnd.randbytes(32)
        self.init_req = init_request(self.spi_i, self.ni, group=14, ke=pub, sa=ike_sa_cbc())
        r = self.exchange(self.init_req, EXCH_SA_INIT, 0)
        if not r or PL_KE not in r[1]["body"] or PL_NONCE not in r[1]["body"]:
            return "no SA, KE and Nonce in the response: %s" % (r[1]["notify"] if r else "none")
        self.init_resp, p = r
        ke = p["body"][PL_KE]
        if struct.unpack("!H", ke[:2])[0] != 14 or len(ke) != 4 + 256:
            return "KE of group %d, %d octets" % (struct.unpack("!H", ke[:2])[0], len(ke) - 4)
        self.spi_r, self.nr = p["spi_r"], p["body"][PL_NONCE]
        gir = modp2048_shared(x, ke[4:])
        skeyseed = prf(self.ni + self.nr, gir)
        km = prf_plus(skeyseed, self.ni + self.nr + self.spi_i + self.spi_r,
                      32 + 2 * 32 + 2 * 16 + 2 * 32)
        (self.sk_d, self.sk_ai, self.sk_ar, self.sk_ei, self.sk_er, self.sk_pi,
         self.sk_pr) = (km[0:32], km[32:64], km[64:96], km[96:112], km[112:128],
                        km[128:160], km[160:192])
        self.msgid = 1
        return None

    def protect(self, exch, msgid, first, inner, corrupt=False):
        """A request: header, SK {inner chain}, padded, encrypted, HMAC-SHA2-256-128."""
        padlen = (16 - (len(inner) + 1) % 16) % 16
        iv = self.rnd.randbytes(16)
        ct = aes_cbc(False, self.sk_ei, iv, inner + bytes(padlen) + bytes([padlen]))
        sk_len = 4 + 16 + len(ct) + 16
        msg = self.spi_i + self.spi_r + \
            struct.pack("!BBBBII", PL_SK, 0x20, exch, FLAG_I, msgid, 28 + sk_len) + \
            struct.pack("!BBH", first, 0, sk_len) + iv + ct
        icv = prf(self.sk_ai, msg)[:16]
        if corrupt:
            icv = bytes([icv[0] ^ 1]) + icv[1:]
        return msg + icv

    def open(self, msg):
        """(ICV good, inner payloads [(type, flags, body)] or None) of a response."""
        if len(msg) < 28 + 4 + 16 + 16 + 16 or msg[16] != PL_SK:
            return False, None
        good = hmac.compare_digest(prf(self.sk_ar, msg[:-16])[:16], msg[-16:])
        if not good:
            return False, None
        pt = aes_cbc(True, self.sk_er, msg[32:48], msg[48:-16])
        if pt[-1] + 1 > len(pt):
            return True, None
        return True, decode_chain(msg[28], pt[:len(pt) - pt[-1] - 1])

    def auth(self):
        """IKE_AUTH with PSK, IDi/IDr ID_IPV4_ADDR 127.0.0.1, one ESP CHILD_SA
        (its SPIs, ours inbound and the responder's, in child_spi_i/_r)."""
        idi = bytes([1, 0, 0, 0]) + socket.inet_aton(LOCAL)
        octets = self.init_req + self.nr + prf(self.sk_pi, idi)
        auth = prf(prf(self.psk, b"Key Pad for IKEv2"), octets)
        self.child_spi_i = bytes([0xc7]) + self.rnd.randbytes(3)
        chain = [(PL_IDI, idi), (PL_IDR, idi), (PL_AUTH, bytes([2, 0, 0, 0]) + auth),
                 (PL_SA, esp_sa(self.child_spi_i)), (PL_TSI, ts_any4()),
                 (PL_TSR, ts_any4())]
        r = self.exchange(self.protect(EXCH_AUTH, 1, chain[0][0], encode_chain(chain)),
                          EXCH_AUTH, 1)
        if not r:
            return "no IKE_AUTH response"
        good, inner = self.open(r[0])
        if not good or inner is None:
            return "IKE_AUTH response: ICV %s, inner payloads %s" % (good, inner)
        body = {t: b for t, _, b in inner}
        if PL_IDR not in body or PL_AUTH not in body:
            return "IKE_AUTH response without IDr and AUTH: payloads %s" % \
                ",".join(str(t) for t, _, _ in inner)
        octets = self.init_resp + self.ni + prf(self.sk_pr, body[PL_IDR])
        want = prf(prf(self.psk, b"Key Pad for IKEv2"), octets)
        if body[PL_AUTH][4:] != want:
            return "the responder's AUTH does not verify"
        self.msgid = 2
        self.child_spi_r = proposal_spi(body.get(PL_SA, b""))
        return "ok child=%d" % int(all(t in body for t in (PL_SA, PL_TSI, PL_TSR)))

    def request(self, name, inner_first, inner, msgid=None, corrupt=False, raw=None,
                exch=EXCH_INFORMATIONAL):
        """One request (INFORMATIONAL unless @exch); prints what came back.
        Returns the raw response; its inner payloads stay in last_inner."""
        msgid = self.msgid if msgid is None else msgid
        req = raw or self.protect(exch, msgid, inner_first, inner, corrupt)
        r = self.exchange(req, exch, msgid, timeout=1.5 if corrupt else 5)
        good, pl = self.open(r[0]) if r else (False, None)
        out(case=name, msgid=msgid, response=int(bool(r)), icv=int(good),
            flags="%02x" % r[1]["flags"] if r else "-",
            payloads=",".join(str(t) for t, _, _ in pl) if pl else "-",
            notify=",".join(notify_str(b) for t, _, b in pl or [] if t == PL_NOTIFY) or "-")
        self.last_req = req
        self.last_inner = pl or []
        return r[0] if r else None

    def create_child(self, rekey_spi, groups, ke_group=0, ke=b"", rekey_proto=PROTO_ESP):
        """CREATE_CHILD_SA payloads [N(REKEY_SA)], SA (ESP, DH @groups), Ni,
        [KEi], TSi, TSr; @rekey_spi None for a new CHILD_SA, @ke_group 0 for
        no KE. Returns (chain, our new inbound SPI, Ni)."""
        spi, ni = bytes([0xc8]) + self.rnd.randbytes(3), self.rnd.randbytes(32)
        chain = []
        if rekey_spi is not None:
            chain.append((PL_NOTIFY, notify(N_REKEY_SA, rekey_spi, rekey_proto)))
        chain += [(PL_SA, esp_sa(spi, groups)), (PL_NONCE, ni)]
        if ke_group:
            chain.append((PL_KE, struct.pack("!HH", ke_group, 0) + ke))
        chain += [(PL_TSI, ts_any4()), (PL_TSR, ts_any4())]
        return chain, spi, ni

    def request_chain(self, name, exch, chain):
        """request() with the payload chain @chain, then the next message ID."""
        r = self.request(name, chain[0][0] if chain else 0, encode_chain(chain), exch=exch)
        self.msgid += 1
        return r


def establish(port, psk):
    """IKE_SA_INIT and IKE_AUTH towards PORT, each result printed: the
    Initiator with its IKE SA, or None."""
    ini = Initiator(port, psk)
    err = ini.sa_init()
    out(sa_init=int(err is None), error=(err or "-").replace(" ", "_"))
    if err:
        return None
    res = ini.auth()
    out(ike_auth=int(res.startswith("ok")), result=res.replace(" ", "_"))
    if not res.startswith("ok"):
        return None
    out(child_spi_i=ini.child_spi_i.hex(), child_spi_r=ini.child_spi_r.hex() or "-")
    return ini


def cmd_auth(port, psk):
    ini = establish(port, psk)
    if not ini:
        return 1
    # An unknown payload type (200) marked critical; then the same request
    # again: the cached response, byte for byte.
    crit = encode_chain([(200, b"x" * 8)])
    first = ini.request("critical", 200, crit)
    again = ini.request("critical-again", 0, b"", raw=ini.last_req)
    out(case="critical-cached", identical=int(bool(first) and first == again))
    ini.msgid += 1
    ini.request("dpd-after-critical", 0, b"")
    ini.msgid += 1
    # A Notify whose Payload Length (6) leaves 2 octets for its 4-octet header.
    ini.request("notify-short", PL_NOTIFY, struct.pack("!BBH", 0, 0, 6) + b"\0\0")
    ini.msgid += 1
    ini.request("dpd-after-syntax", 0, b"")
    ini.msgid += 1
    # An unknown payload type without the critical bit is skipped (2.5).
    ini.request("noncritical", 201, struct.pack("!BBH", 0, 0, 12) + b"y" * 8)
    ini.msgid += 1
    # A broken ICV: dropped unanswered, the message ID stays free.
    ini.request("bad-icv", 0, b"", corrupt=True)
    ini.request("dpd-after-bad-icv", 0, b"")
    return 0


def refused(ini, name, chain):
    """A CREATE_CHILD_SA request espiked refuses, then a liveness check (an
    empty INFORMATIONAL request) with the next message ID."""
    ini.request_chain(name, EXCH_CREATE_CHILD_SA, chain)
    ini.request_chain("dpd-after-" + name, EXCH_INFORMATIONAL, [])


def rekey_accepted(ini, old, x, pub):
    """The rekey of the CHILD_SA @old with a KE of modp2048: prints the new
    SPIs and the KEYMAT (2.17, with g^ir) the responder's new SAs must have;
    then the INFORMATIONAL Delete of the old pair (1.4.1)."""
    chain, spi_i, ni = ini.create_child(old, [14], 14, pub)
    ini.request_chain("rekey", EXCH_CREATE_CHILD_SA, chain)
    body = {t: b for t, _, b in ini.last_inner}
    ke = body.get(PL_KE, b"")
    group = struct.unpack("!H", ke[:2])[0] if len(ke) >= 4 else 0
    if group != 14 or len(ke) != 4 + 256 or PL_SA not in body or PL_NONCE not in body:
        out(case="rekey-keymat", error="KE_of_group_%d,_%d_octets" % (group, len(ke)))
        return 1
    km = prf_plus(ini.sk_d, modp2048_shared(x, ke[4:]) + ni + body[PL_NONCE], 2 * 20)
    out(case="rekey-keymat", ke_group=group, new_spi_i=spi_i.hex(),
        new_spi_r=proposal_spi(body[PL_SA]).hex(), key_i2r=km[:20].hex(), key_r2i=km[20:].hex())
    # Delete (ESP, one 4-octet SPI): the old pair, named by our inbound SPI.
    ini.request_chain("delete-old", EXCH_INFORMATIONAL,
                      [(PL_DELETE, struct.pack("!BBH", PROTO_ESP, 4, 1) + old)])
    dels = [b[4:].hex() for t, _, b in ini.last_inner if t == PL_DELETE]
    out(case="delete-old-answer", deleted=",".join(dels) or "-")
    return 0


def cmd_rekey_errors(port, psk):
    """CREATE_CHILD_SA requests a responder with PFS group modp2048 on its
    ESP proposal refuses (1.3, 3.10.1), each followed by a liveness check,
    then a rekey it accepts."""
    ini = establish(port, psk)
    if not ini:
        return 1
    old = ini.child_spi_i       # REKEY_SA names our inbound SPI: its outbound SA
    unknown = bytes([old[0] ^ 1]) + old[1:]
    x, pub = modp2048_key(ini.rnd)
    g19 = P256_GX + P256_GY     # a valid ecp256 KE value
    # Rekey of an ESP SA the responder does not have, all else right.
    refused(ini, "rekey-unknown-spi", ini.create_child(unknown, [14], 14, pub)[0])
    # The same for an AH SA of the CHILD_SA's SPI, and for an ESP SA without an SPI.
    refused(ini, "rekey-ah", ini.create_child(old, [14], 14, pub, rekey_proto=PROTO_AH)[0])
    refused(ini, "rekey-no-spi", ini.create_child(b"", [14], 14, pub)[0])
    # Rekey of the CHILD_SA proposing modp2048 with a KE of ecp256.
    refused(ini, "rekey-ke-not-proposed", ini.create_child(old, [14], 19, g19)[0])
    # Rekey proposing ecp256 then modp2048, KE of ecp256: the responder accepts modp2048.
    refused(ini, "rekey-ke-unaccepted", ini.create_child(old, [19, 14], 19, g19)[0])
    # Rekey proposing modp2048 without a KE.
    refused(ini, "rekey-no-ke", ini.create_child(old, [14])[0])
    # A new CHILD_SA (no REKEY_SA) proposing modp2048 with a KE of ecp256.
    refused(ini, "new-child-ke-not-proposed", ini.create_child(None, [14], 19, g19)[0])
    return rekey_accepted(ini, old, x, pub)


# ---- relay ------------------------------------------------------------------

def cmd_relay(listen, target, ctrl, *opts):
    """Forward between the initiator and 127.0.0.1:TARGET, keep every datagram.

    Exchange types given with --hold are held back in the initiator's
    direction until "release". Replayed requests leave from the relay's
    socket, so the responder sees the same peer address as before.
    """
    hold = {int(opts[i + 1]) for i in range(len(opts) - 1) if opts[i] == "--hold"}
    drop = [int(opts[i + 1]) for i in range(len(opts) - 1) if opts[i] == "--drop-frag"]
    dropped = {"to": 0, "from": 0}     # to and from the target

    def drop_once(data, way):
        """The first SKF fragment numbered drop[0] each way is lost."""
        if not drop or dropped[way] or len(data) < 36 or data[16] != PL_SKF:
            return False
        if struct.unpack("!H", data[32:34])[0] != drop[0]:
            return False
        dropped[way] += 1
        return True
    s, c = udp(int(listen)), udp(int(ctrl))
    tgt = (LOCAL, int(target))
    peer = None
    reqs, resps, held = {}, {}, []
    replay_wait = None

    def answer(addr, text):
        c.sendto(text.encode(), addr)

    while True:
        r, _, _ = select.select([s, c], [], [], 0.1)
        if s in r:
            data, addr = s.recvfrom(65535)
            p = parse(data)
            if drop_once(data, "from" if addr == tgt else "to"):
                continue
            if addr == tgt:
                if p and p["flags"] & FLAG_R:
                    resps.setdefault((p["exch"], p["msgid"]), []).append(data)
                if peer:
                    s.sendto(data, peer)
                if replay_wait and p and (p["exch"], p["msgid"]) == replay_wait[1]:
                    orig = resps[replay_wait[1]][0]
                    answer(replay_wait[0], "response identical=%d len=%d" %
                           (int(orig == data), len(data)))
                    replay_wait = None
            else:
                peer = addr
                if p and not p["flags"] & FLAG_R:
                    reqs.setdefault((p["exch"], p["msgid"]), data)
                if p and p["exch"] in hold:
                    held.append(data)
                else:
                    s.sendto(data, tgt)
        if replay_wait and time.monotonic() > replay_wait[2]:
            answer(replay_wait[0], "none")
            replay_wait = None
        if c in r:
            data, addr = c.recvfrom(1024)
            cmd = data.decode().split()
            if cmd[0] == "replay":
                key = (int(cmd[1]), int(cmd[2]))
                req = reqs.get(key)
                if not req:
                    answer(addr, "error no request %d/%d captured" % key)
                    continue
                if len(cmd) > 3:
                    req = req[:20] + struct.pack("!I", int(cmd[3])) + req[24:]
                    key = (key[0], int(cmd[3]))
                s.sendto(req, tgt)
                if key in resps:
                    replay_wait = (addr, key, time.monotonic() + 5)
                else:
                    answer(addr, "sent")
            elif cmd[0] == "count":
                key = (int(cmd[1]), int(cmd[2]))
                answer(addr, "requests=%d responses=%d" %
                       (int(key in reqs), len(resps.get(key, []))))
            elif cmd[0] == "dropped":
                answer(addr, "to=%d from=%d" % (dropped["to"], dropped["from"]))
            elif cmd[0] == "release":
                for d in held:
                    s.sendto(d, tgt)
                answer(addr, "released=%d" % len(held))
                held, hold = [], set()
            elif cmd[0] == "quit":
                answer(addr, "bye")
                return 0
            else:
                answer(addr, "error unknown command")


def cmd_ctl(ctrl, *words):
    s = udp()
    s.connect((LOCAL, int(ctrl)))   # a refused port is reported at once
    try:
        s.send(" ".join(words).encode())
        r, _, _ = select.select([s], [], [], 30)
        print(s.recv(1024).decode() if r else "error relay does not answer", flush=True)
    except ConnectionRefusedError:
        print("error relay not listening", flush=True)
        return 1
    return 0


def main(argv):
    cmds = {"record": cmd_record, "backoff": cmd_backoff, "init-dup": cmd_init_dup,
            "burst": cmd_burst, "critical": cmd_critical, "version": cmd_version, "auth": cmd_auth,
            "rekey-errors": cmd_rekey_errors, "garbage": cmd_garbage, "relay": cmd_relay,
            "ctl": cmd_ctl}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.stderr.write(__doc__)
        return 2
    return cmds[argv[1]](*argv[2:])


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(0)
