#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
"""genl-fuzz.py: a seeded fuzzer of the espvti generic netlink family.

Sends generated requests for a given time from several processes at once
and checks that every one gets its answer: an ACK, the reply messages and
their ACK or the end of the dump, or an error. An error must carry an
extended ACK message, except for the rejections the generic netlink core
makes before any policy is looked at (listed below); an error message of
espvti's own code starts with "espvti: ".

Attribute names and numbers, and the limits of every range, are read from
include/uapi/linux/espvti.h (through genl-raw.py, beside this script; or
$ESPVTI_UAPI); the types of the attributes are those of the kernel's
policies (kmod/netlink.c, kmod/netlink_sa.c), written out below.

What is generated, per request:
  - the command: every command of the family (DEV_GET .. SA_FLUSH), the
    notification commands (not requests), 0 and unknown numbers; do or dump;
  - the device: the index or name of an espvti device given with --dev (so
    that commands hit real objects), of a device of another kind, of none,
    names too long or without their NUL;
  - attributes mostly plausible (keys of the right length, SPIs from a small
    pool, so that SAs are created, found, deleted and flushed, endpoints
    and UDP encapsulation from small pools, the fuzzer's own UDP sockets as
    ESPVTI_A_ENCAP_FD), then mutated: each integer at the edges of its
    range (min-1, min, max, max+1, 0, all ones), payloads of the wrong
    length, a nest where a value is expected and the reverse, unknown and
    read-only attributes, repeated attributes, deep and overlong
    selector lists, NLA_F_NESTED/NLA_F_NET_BYTEORDER flags, attribute
    lengths beyond the message, trailing bytes, random bytes;
  - the header: a bad genl version or reserved field, a header cut short.
And, between requests, interrupted dumps: a dump of DEV_GET or SA_GET on a
socket with a small receive buffer that is read partly (or not at all) and
closed.

Usage:
    genl-fuzz.py [--seed N] [--seconds S] [--procs N] --dev NAME [--dev NAME]...
                 [--max-requests N] [--verbose]
        Prints "seed N" first (a run is replayed with --seed N and the same
        --procs; process i uses seed N+i), then one summary line per
        process and in total:
          requests R replies R acks A errors E dumps D interrupted_dumps I
          missing M no_extack X
        and, for each kind of error, "error CMD ENAME [espvti|core|none]
        count" (the origin of its message: espvti's, the core's or none),
        and for each kind of success "answer CMD [dump] ack|done count". Exit 0 when every request got its answer and every error
        that needed a message had one; 1 otherwise (the offending requests
        are printed in hex); 2 on usage errors.

Errors without a message that the core gives (allowed): an unknown command
or one the family has no handler for (EOPNOTSUPP), a dump of a command
without dump (EOPNOTSUPP), a genl header cut short (EINVAL).
"""

import argparse
import errno
import importlib.util
import json
import os
import random
import select
import socket
import struct
import sys
import time

_spec = importlib.util.spec_from_file_location(
    "genl_raw", os.path.join(os.path.dirname(os.path.abspath(__file__)), "genl-raw.py"))
genl_raw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(genl_raw)

N = genl_raw.NAMES
NLA_F_NESTED = 0x8000
NLA_F_NET_BYTEORDER = 0x4000
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLM_F_ACK_TLVS = 0x200
NLMSG_ERROR = 2
NLMSG_DONE = 3
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11
NETLINK_CAP_ACK = 10
INT_MAX = 0x7fffffff
REPLY_TIMEOUT = 60.0	# seconds; a slow emulator under load is slow


def n(name):
    return int(N["ESPVTI_" + name])


def c(name):
    v = N[name]
    return int(v, 0) if isinstance(v, str) else v


# The kernel's policies: attribute -> (type, min, max). Types: u8 u16 u32
# s32 u64 be32 ip6 str bin flag nest, "ro" for read-only (strictly refused).
TOP = {
    "A_IFINDEX": ("u32", 1, INT_MAX),
    "A_IFNAME": ("str", 0, 15),
    "A_MTU": ("ro",),
    "A_LOCAL_IPV4": ("be32",),
    "A_LOCAL_IPV6": ("ip6",),
    "A_REMOTE_IPV4": ("be32",),
    "A_REMOTE_IPV6": ("ip6",),
    "A_UNDERLAY_IFINDEX": ("u32", 0, INT_MAX),
    "A_TTL": ("u8", c("ESPVTI_MIN_TTL"), c("ESPVTI_MAX_TTL")),
    "A_SA": ("nest",),
    "A_SA_COUNT_IN": ("ro",),
    "A_OUT_SPI": ("ro",),
    "A_STATS": ("ro",),
    "A_ACQUIRE_SRC_IPV4": ("ro",),
    "A_ACQUIRE_SRC_IPV6": ("ro",),
    "A_ACQUIRE_DST_IPV4": ("ro",),
    "A_ACQUIRE_DST_IPV6": ("ro",),
    "A_ENCAP": ("u8", 0, c("ESPVTI_MAX_ENCAP")),
    "A_ENCAP_SPORT": ("u16", c("ESPVTI_MIN_PORT"), c("ESPVTI_MAX_PORT")),
    "A_ENCAP_DPORT": ("u16", c("ESPVTI_MIN_PORT"), c("ESPVTI_MAX_PORT")),
    "A_ENCAP_KEEPALIVE": ("u32", 0, c("ESPVTI_MAX_KEEPALIVE")),
    "A_ENCAP_FLOAT": ("u8", 0, c("ESPVTI_MAX_FLOAT")),
    "A_ENCAP_FD": ("s32", 0, INT_MAX),
    "A_ENCAP_SOCKET": ("ro",),
    "A_OLD_REMOTE_IPV4": ("ro",),
    "A_OLD_REMOTE_IPV6": ("ro",),
    "A_OLD_ENCAP_DPORT": ("ro",),
    "A_CRYPTO": ("u8", 0, n("CRYPTO_PCRYPT")),
    "A_CRYPTO_INFLIGHT": ("ro",),
    "A_SA_COUNT_RESERVED": ("ro",),
    "A_RESERVED_HELD": ("ro",),
}
SA = {
    "SA_A_DIR": ("u8", n("DIR_IN"), n("DIR_OUT")),
    "SA_A_SPI": ("u32", c("ESPVTI_MIN_SPI"), 0xffffffff),
    "SA_A_ALG": ("str", 0, 64),
    "SA_A_KEY": ("bin", 0, 64),
    "SA_A_ICV_BITS": ("u32", c("ESPVTI_MIN_ICV_BITS"), c("ESPVTI_MAX_ICV_BITS")),
    "SA_A_ESN": ("flag",),
    "SA_A_REPLAY_WINDOW": ("u32", 0, c("ESPVTI_MAX_REPLAY_WINDOW")),
    "SA_A_TS_LOCAL": ("nest",),
    "SA_A_TS_REMOTE": ("nest",),
    "SA_A_SOFT_BYTES": ("u64", 0, (1 << 64) - 1),
    "SA_A_SOFT_PACKETS": ("u64", 0, (1 << 64) - 1),
    "SA_A_HARD_BYTES": ("u64", 0, (1 << 64) - 1),
    "SA_A_HARD_PACKETS": ("u64", 0, (1 << 64) - 1),
    "SA_A_SEQ": ("u64", 0, (1 << 64) - 1),
    "SA_A_EXPIRED": ("ro",),
    "SA_A_EXPIRE_REASON": ("ro",),
    "SA_A_STATS": ("ro",),
    "SA_A_PAD": ("ro",),
    "SA_A_RESERVE_MS": ("u32", c("ESPVTI_MIN_RESERVE_MS"), c("ESPVTI_MAX_RESERVE_MS")),
}
TS = {
    "TS_A_IPV4": ("be32",),
    "TS_A_IPV6": ("ip6",),
    "TS_A_PLEN": ("u8", 0, c("ESPVTI_MAX_PLEN")),
}
SIZES = {"u8": 1, "u16": 2, "u32": 4, "s32": 4, "u64": 8, "be32": 4, "ip6": 16}
FMT = {"u8": "=B", "u16": "=H", "u32": "=I", "s32": "=i", "u64": "=Q", "be32": "!I"}
ALGS = [N["ESPVTI_ALG_AES_GCM"], N["ESPVTI_ALG_CHACHA20_POLY1305"]]
CMDS = ["DEV_GET", "DEV_SET", "SA_NEW", "SA_DEL", "SA_GET", "SA_FLUSH", "SA_RESERVE"]
DUMPABLE = ("DEV_GET", "SA_GET")
# The first number past the family's last command.
CMD_PAST = max(n("CMD_" + c) for c in CMDS + ["SA_EXPIRE_NTF", "ACQUIRE_NTF", "MAPPING_NTF"]) + 1
V4 = ["192.0.2.1", "192.0.2.2", "198.51.100.7", "0.0.0.0", "255.255.255.255", "127.0.0.1"]
V6 = ["2001:db8:f::1", "2001:db8:f::2", "::", "::1", "fe80::1", "ff02::1"]


def nla(atype, payload):
    return struct.pack("=HH", 4 + len(payload), atype) + payload + \
        b"\0" * ((4 - len(payload) % 4) % 4)


class Gen:
    """Builds one request at a time from a random.Random."""

    def __init__(self, rnd, devs, other_ifindex, fds):
        self.r = rnd
        self.devs = devs		# [(name, ifindex)]
        self.other = other_ifindex	# an interface that is not espvti
        self.fds = fds			# descriptors worth handing over
        self.spis = [256, 257, 0x1000, 0x1001, 0x1002, 0xfffffffe, 0xffffffff]

    # -- values ---------------------------------------------------------
    def edge(self, lo, hi, bits):
        top = (1 << bits) - 1
        cands = [lo, hi, 0, top, lo + 1 if lo < hi else lo, hi - 1 if hi > lo else hi]
        if lo > 0:
            cands.append(lo - 1)
        if hi < top:
            cands.append(hi + 1)
        cands.append(self.r.randint(0, top))
        cands.append(self.r.randint(lo, hi))
        return self.r.choice(cands)

    def value(self, spec, name):
        """A payload for an attribute of @spec: usually in range, often at
        or beyond an edge."""
        t = spec[0]
        r = self.r
        if t in ("u8", "u16", "u32", "u64"):
            bits = SIZES[t] * 8
            v = self.edge(spec[1], spec[2], bits) if r.random() < 0.5 else \
                r.randint(spec[1], spec[2])
            return struct.pack(FMT[t], v), "edge"
        if t == "s32":
            v = r.choice([-1, 0, 1, INT_MAX, -INT_MAX - 1, r.randint(-5, 40)] +
                         list(self.fds))
            return struct.pack("=i", v), "edge"
        if t == "be32":
            return socket.inet_aton(r.choice(V4)), "addr"
        if t == "ip6":
            return socket.inet_pton(socket.AF_INET6, r.choice(V6)), "addr"
        if t == "str":
            if name == "A_IFNAME":
                return self.ifname(), "name"
            if name == "SA_A_ALG":
                s = r.choice(ALGS + ["gcm(aes)", "", "x" * 64, "rfc4106(gcm(aes))x",
                                     "rfc4106(gcm(aes))\0junk"])
                return s.encode() + b"\0", "alg"
            return b"x" * r.randint(0, 80) + b"\0", "str"
        if t == "bin":
            return self.r.randbytes(r.choice([0, 1, 16, 20, 28, 32, 36, 40, 64, 65])), "key"
        if t == "flag":
            return b"", "flag"
        return self.r.randbytes(r.choice([0, 1, 4, 8, 16])), "ro"

    def ifname(self):
        r = self.r
        choice = r.random()
        if choice < 0.6 and self.devs:
            return r.choice(self.devs)[0].encode() + b"\0"
        return r.choice([b"lo\0", b"nosuchdev\0", b"\0", b"x" * 15 + b"\0",
                         b"x" * 16 + b"\0", b"esp0", b"a" * 40 + b"\0"])

    # -- attributes -----------------------------------------------------
    def device_attr(self, out):
        r = self.r
        p = r.random()
        if p < 0.45 and self.devs:
            out.append(nla(n("A_IFINDEX"), struct.pack("=I", r.choice(self.devs)[1])))
        elif p < 0.8:
            out.append(nla(n("A_IFNAME"), self.ifname()))
        elif p < 0.9:
            out.append(nla(n("A_IFINDEX"), struct.pack("=I", r.choice(
                [0, self.other, 0x7fffffff, 0x80000000, 99999]))))
        # else: no device at all

    def prefix(self):
        r = self.r
        body = []
        if r.random() < 0.5:
            body.append(nla(n("TS_A_IPV4"), socket.inet_aton(r.choice(
                ["10.0.0.0", "10.1.2.3", "0.0.0.0", "255.255.255.255"]))))
        if r.random() < 0.5 or not body:
            body.append(nla(n("TS_A_IPV6"), socket.inet_pton(socket.AF_INET6, r.choice(
                ["fd00::", "::", "fd00::1", "ffff::"]))))
        if r.random() < 0.9:
            body.append(nla(n("TS_A_PLEN"), struct.pack("=B", self.edge(0, 128, 8))))
        return b"".join(body)

    def ts_list(self):
        r = self.r
        entries = []
        for _ in range(r.choice([0, 1, 2, 16, 17, 40])):
            if r.random() < 0.05:
                entries.append(nla(r.randint(0, 8), self.prefix()))	# not a prefix
            else:
                entries.append(nla(n("TS_A_PREFIX") | NLA_F_NESTED, self.prefix()))
        return b"".join(entries)

    def sa_nest(self, cmd):
        r = self.r
        body = []
        if r.random() < 0.93:
            body.append(nla(n("SA_A_DIR"), struct.pack("=B", r.choice([1, 2, 1, 2, 0, 3]))))
        if r.random() < 0.93:
            spi = r.choice(self.spis) if r.random() < 0.85 else self.edge(256, 0xffffffff, 32)
            body.append(nla(n("SA_A_SPI"), struct.pack("=I", spi)))
        if cmd == "SA_RESERVE" and r.random() < 0.7:
            ms = r.choice([100, 1000, 120000]) if r.random() < 0.8 else self.edge(0, 1 << 32, 32)
            body.append(nla(n("SA_A_RESERVE_MS"), struct.pack("=I", ms & 0xffffffff)))
        if cmd == "SA_NEW" or r.random() < 0.1:
            alg = r.choice(ALGS) if r.random() < 0.9 else None
            if alg is not None:
                body.append(nla(n("SA_A_ALG"), alg.encode() + b"\0"))
            klen = 36 if alg == ALGS[1] else r.choice([20, 28, 36])
            if r.random() < 0.1:
                klen = r.choice([0, 1, 19, 21, 32, 64])
            if r.random() < 0.95:
                body.append(nla(n("SA_A_KEY"), self.r.randbytes(klen)))
            icv = 128 if alg == ALGS[1] else r.choice([64, 96, 128])
            if r.random() < 0.1:
                icv = self.edge(64, 128, 32)
            if r.random() < 0.95:
                body.append(nla(n("SA_A_ICV_BITS"), struct.pack("=I", icv)))
            for name in ("SA_A_REPLAY_WINDOW", "SA_A_SOFT_BYTES", "SA_A_SOFT_PACKETS",
                         "SA_A_HARD_BYTES", "SA_A_HARD_PACKETS", "SA_A_SEQ"):
                if r.random() < 0.15:
                    if r.random() < 0.4:	# anything, edges first
                        v = self.value(SA[name], name)[0]
                    elif name == "SA_A_REPLAY_WINDOW":
                        v = struct.pack("=I", r.choice([0, 32, 64, 1024]))
                    else:			# plausible
                        v = struct.pack("=Q", r.choice([0, 1000, 1 << 20, 1 << 30]))
                    body.append(nla(n(name), v))
            if r.random() < 0.3:
                body.append(nla(n("SA_A_ESN"), b""))
            for name in ("SA_A_TS_LOCAL", "SA_A_TS_REMOTE"):
                if r.random() < 0.2:
                    body.append(nla(n(name) | NLA_F_NESTED, self.ts_list()))
        return b"".join(body)

    def dev_set_attrs(self, out):
        r = self.r
        for name, spec in TOP.items():
            if spec[0] in ("ro", "nest") or name in ("A_IFINDEX", "A_IFNAME"):
                continue
            if r.random() < 0.15:
                if name == "A_ENCAP_FD" and self.fds and r.random() < 0.6:
                    out.append(nla(n(name), struct.pack("=i", r.choice(self.fds))))
                elif name == "A_ENCAP_SPORT" and r.random() < 0.6:
                    out.append(nla(n(name), struct.pack("=H", r.choice([4500, 4501, 4600]))))
                elif name == "A_CRYPTO" and r.random() < 0.8:
                    out.append(nla(n(name), struct.pack("=B", 0)))	# keep SA_NEW quick
                else:
                    out.append(nla(n(name), self.value(spec, name)[0]))

    # -- mutations ------------------------------------------------------
    def mutate(self, attrs, tags):
        """Damages the attribute list in one of many ways."""
        r = self.r
        m = r.randrange(11)
        whole = [i for i, a in enumerate(attrs) if len(a) >= 4]
        if m == 0:	# an attribute of the wrong length
            name, spec = r.choice(list(TOP.items()) + list(SA.items()))
            ln = r.choice([0, 1, 2, 3, 5, 7, 9, 15, 17, 300])
            table = "SA" if name.startswith("SA_") else "TOP"
            a = nla(n(name), self.r.randbytes(ln))
            if table == "SA":
                attrs.append(nla(n("A_SA") | NLA_F_NESTED, a))
            else:
                attrs.append(a)
            tags.append("badlen")
        elif m == 1:	# a value at an edge of its range
            name, spec = r.choice([(k, v) for k, v in list(TOP.items()) + list(SA.items())
                                   if v[0] in ("u8", "u16", "u32", "u64")])
            a = nla(n(name), struct.pack(FMT[spec[0]],
                                         self.edge(spec[1], spec[2], SIZES[spec[0]] * 8)))
            attrs.insert(r.randint(0, len(attrs)), a if not name.startswith("SA_") else
                         nla(n("A_SA") | NLA_F_NESTED, a))
            tags.append("edge")
        elif m == 2:	# unknown or read-only attribute
            t = r.choice([0, n("A_MTU"), n("A_STATS"), n("A_CRYPTO_INFLIGHT"),
                          int(N["ESPVTI_A_MAX"]) + 1 if "ESPVTI_A_MAX" in N else 40,
                          r.randint(30, 0x3fff)])
            attrs.append(nla(t, self.r.randbytes(r.choice([0, 4, 8]))))
            tags.append("unknown")
        elif m == 3:	# a nest flag on a value, or a value where a nest is
            if whole and r.random() < 0.5:
                i = r.choice(whole)
                t = struct.unpack_from("=H", attrs[i], 2)[0]
                attrs[i] = attrs[i][:2] + struct.pack("=H", t ^ NLA_F_NESTED) + attrs[i][4:]
            else:
                attrs.append(nla(n("A_SA"), self.r.randbytes(r.choice([0, 3, 8, 12]))))
            tags.append("nesting")
        elif m == 4:	# deep nesting
            body = nla(n("SA_A_DIR"), b"\1")
            for _ in range(r.randint(2, 40)):
                body = nla(r.choice([n("A_SA"), n("SA_A_TS_LOCAL"), n("TS_A_PREFIX")]) |
                           NLA_F_NESTED, body)
            attrs.append(body)
            tags.append("deep")
        elif m == 5:	# repeated attribute
            if attrs:
                attrs.append(r.choice(attrs))
            tags.append("repeat")
        elif m == 6:	# byte-order flag
            if whole:
                i = r.choice(whole)
                t = struct.unpack_from("=H", attrs[i], 2)[0]
                attrs[i] = attrs[i][:2] + struct.pack("=H", t | NLA_F_NET_BYTEORDER) + attrs[i][4:]
            tags.append("byteorder")
        elif m == 7:	# an attribute longer than what is left
            if whole:
                i = r.choice(whole)
                ln = struct.unpack_from("=H", attrs[i])[0]
                ln = (ln + r.choice([1, 4, 100, 0x7000])) & 0xffff
                attrs[i] = struct.pack("=H", ln) + attrs[i][2:]
            tags.append("overlong")
        elif m == 8:	# trailing bytes
            attrs.append(self.r.randbytes(r.choice([1, 2, 3, 5])))
            tags.append("trailing")
        elif m == 9:	# an attribute length below its header
            attrs.append(struct.pack("=HH", r.randint(0, 3), n("A_TTL")) + b"\0" * 4)
            tags.append("shortnla")
        else:		# random bytes
            attrs.append(self.r.randbytes(r.randint(1, 64)))
            tags.append("random")

    def request(self):
        """(command number, name, dump?, attribute bytes, genl header, tags)."""
        r = self.r
        tags = []
        p = r.random()
        if p < 0.85:
            # SAs made often and flushed rarely, so that SA_GET and SA_DEL
            # find some.
            name = r.choices(CMDS, weights=[3, 3, 6, 2, 3, 0.5, 1.5])[0]
            cmd = n("CMD_" + name)
        elif p < 0.92:
            name = r.choice(["SA_EXPIRE_NTF", "ACQUIRE_NTF", "MAPPING_NTF"])
            cmd = n("CMD_" + name)
            tags.append("nocmd")
        else:
            cmd = r.choice([0, CMD_PAST, r.randint(CMD_PAST, 255)])
            name = "CMD_%d" % cmd
            tags.append("nocmd")
        dump = r.random() < (0.5 if name in DUMPABLE else 0.05)
        if dump and name not in DUMPABLE:
            tags.append("nodump")
        attrs = []
        if not (dump and name == "DEV_GET" and r.random() < 0.7):
            self.device_attr(attrs)
        if name == "DEV_SET":
            self.dev_set_attrs(attrs)
        if name in ("SA_NEW", "SA_DEL", "SA_GET", "SA_RESERVE") and r.random() < 0.95:
            attrs.append(nla(n("A_SA") | (NLA_F_NESTED if r.random() < 0.9 else 0),
                             self.sa_nest(name)))
        if r.random() < 0.45:
            for _ in range(r.choice([1, 1, 1, 2, 3])):
                self.mutate(attrs, tags)
        r.shuffle(attrs) if r.random() < 0.1 else None
        version = int(N["ESPVTI_GENL_VERSION"])
        reserved = 0
        if r.random() < 0.03:
            version = r.choice([0, 2, 255])
            tags.append("version")
        if r.random() < 0.03:
            reserved = r.randint(1, 0xffff)
            tags.append("reserved")
        ghdr = struct.pack("=BBH", cmd, version, reserved)
        if r.random() < 0.01:
            ghdr = ghdr[:r.randint(0, 3)]
            attrs = []
            tags.append("shorthdr")
        return cmd, name, dump, b"".join(attrs), ghdr, tags


def open_sock(rcvbuf=None):
    sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    if rcvbuf:
        sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sk.bind((0, 0))
    sk.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sk.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    return sk


def ifindex_of(name):
    try:
        return socket.if_nametoindex(name)
    except OSError:
        return 0


class Worker:
    def __init__(self, seed, fid, devs, verbose):
        self.rnd = random.Random(seed)
        self.fid = fid
        self.verbose = verbose
        self.sk = open_sock()
        self.seq = self.rnd.randint(1, 1 << 30)
        # UDP sockets the fuzzer may hand over (bound, unbound, IPv6).
        self.udp = []
        for fam, bind in ((socket.AF_INET, True), (socket.AF_INET, False),
                          (socket.AF_INET6, True)):
            s = socket.socket(fam, socket.SOCK_DGRAM)
            if bind:
                s.bind(("0.0.0.0" if fam == socket.AF_INET else "::", 0))
            self.udp.append(s)
        fds = [s.fileno() for s in self.udp] + [self.sk.fileno(), 0]
        dlist = [(d, ifindex_of(d)) for d in devs if ifindex_of(d)]
        self.gen = Gen(self.rnd, dlist, ifindex_of("lo") or 1, fds)
        self.st = {"requests": 0, "replies": 0, "acks": 0, "errors": 0, "dumps": 0,
                   "interrupted_dumps": 0, "missing": 0, "no_extack": 0}
        self.kinds = {}
        self.bad = []

    def send(self, sk, cmd_name, dump, ghdr, attrs, seq):
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        body = ghdr + attrs
        hdr = struct.pack("=IHHII", 16 + len(body), self.fid, flags, seq, 0)
        sk.send(hdr + body)
        return hdr + body

    def wait_reply(self, sk, seq):
        """(kind, errno, message, n data messages): kind is ack, error,
        done or None when nothing came in time."""
        data_msgs = 0
        end = time.monotonic() + REPLY_TIMEOUT
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None, 0, "", data_msgs
            rd, _, _ = select.select([sk], [], [], left)
            if not rd:
                continue
            data = sk.recv(1 << 17)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, mflags, mseq, _ = struct.unpack_from("=IHHII", data, off)
                msg = data[off:off + mlen]
                off += (max(mlen, 16) + 3) & ~3
                if mseq != seq:
                    continue
                if mtype in (NLMSG_ERROR, NLMSG_DONE):
                    err = struct.unpack_from("=i", msg, 16)[0] if len(msg) >= 20 else 0
                    text = ""
                    if mflags & NLM_F_ACK_TLVS:
                        tlv_off = 20 + (16 if mtype == NLMSG_ERROR else 0)
                        tlvs = genl_raw.parse_attrs(msg[tlv_off:])
                        if 1 in tlvs:
                            text = tlvs[1].rstrip(b"\0").decode(errors="replace")
                    if err:
                        return "error", -err, text, data_msgs
                    return ("done" if mtype == NLMSG_DONE else "ack"), 0, text, data_msgs
                data_msgs += 1

    def one(self):
        cmd, name, dump, attrs, ghdr, tags = self.gen.request()
        self.seq += 1
        raw = self.send(self.sk, name, dump, ghdr, attrs, self.seq)
        self.st["requests"] += 1
        if dump:
            self.st["dumps"] += 1
        kind, err, text, _ = self.wait_reply(self.sk, self.seq)
        if kind is None:
            self.st["missing"] += 1
            self.bad.append("no answer within %ds: %s %s %s" % (REPLY_TIMEOUT, name,
                            ",".join(tags), raw.hex()))
            # A late answer must not be taken for the next one's.
            self.sk.close()
            self.sk = open_sock()
            return
        self.st["replies"] += 1
        if kind != "error":
            self.st["acks"] += 1
            key = "answer %s%s %s" % (name, " dump" if dump else "", kind)
            self.kinds[key] = self.kinds.get(key, 0) + 1
            return
        self.st["errors"] += 1
        origin = "espvti" if text.startswith("espvti: ") else ("core" if text else "none")
        key = "error %s %s %s" % (name, errno.errorcode.get(err, str(err)), origin)
        self.kinds[key] = self.kinds.get(key, 0) + 1
        if not text:
            allowed = (err == errno.EOPNOTSUPP and ("nocmd" in tags or "nodump" in tags)) or \
                      (err == errno.EINVAL and "shorthdr" in tags)
            if not allowed:
                self.st["no_extack"] += 1
                if len(self.bad) < 20:
                    self.bad.append("error %s without a message: %s %s %s" % (
                        errno.errorcode.get(err, err), name, ",".join(tags), raw.hex()))

    def interrupted_dump(self):
        """A dump on its own socket, read partly or not at all, then closed."""
        r = self.rnd
        sk = open_sock(rcvbuf=r.choice([1024, 2048, 4096]))
        name = r.choice(DUMPABLE)
        attrs = []
        if name == "SA_GET" or r.random() < 0.3:
            self.gen.device_attr(attrs)
        self.send(sk, name, True, struct.pack("=BBH", n("CMD_" + name),
                                               int(N["ESPVTI_GENL_VERSION"]), 0),
                  b"".join(attrs), 1)
        for _ in range(r.choice([0, 0, 1, 2])):
            rd, _, _ = select.select([sk], [], [], 1.0)
            if rd:
                sk.recv(r.choice([64, 1024, 1 << 16]))
        if r.random() < 0.3:
            time.sleep(r.random() * 0.2)
        sk.close()
        self.st["interrupted_dumps"] += 1

    def run(self, seconds, max_requests):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if max_requests and self.st["requests"] >= max_requests:
                break
            if self.rnd.random() < 0.05:
                self.interrupted_dump()
            else:
                self.one()
        return {"stats": self.st, "kinds": self.kinds, "bad": self.bad}


def summary(tag, st):
    return "%s: requests %d replies %d acks %d errors %d dumps %d interrupted_dumps %d " \
        "missing %d no_extack %d" % (tag, st["requests"], st["replies"], st["acks"],
                                      st["errors"], st["dumps"], st["interrupted_dumps"],
                                      st["missing"], st["no_extack"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--procs", type=int, default=1)
    ap.add_argument("--dev", action="append", default=[])
    ap.add_argument("--max-requests", type=int, default=0)
    ap.add_argument("--verbose", action="store_true")
    try:
        a = ap.parse_args()
    except SystemExit:
        return 2
    seed = a.seed if a.seed is not None else random.SystemRandom().randint(1, 1 << 31)
    print("seed %d" % seed, flush=True)
    try:
        fid, _ = genl_raw.Genl().family(N["ESPVTI_GENL_NAME"])
    except OSError as e:
        print("genl-fuzz.py: %s" % e, file=sys.stderr)
        return 2
    children = []
    for i in range(a.procs):
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            try:
                res = Worker(seed + i, fid, a.dev, a.verbose).run(a.seconds, a.max_requests)
            except Exception as e:	# pylint: disable=broad-except
                res = {"stats": None, "exception": repr(e)}
            with os.fdopen(wfd, "w") as f:
                json.dump(res, f)
            os._exit(0)
        os.close(wfd)
        children.append((pid, rfd))
    total = {}
    kinds = {}
    ok = True
    for i, (pid, rfd) in enumerate(children):
        with os.fdopen(rfd) as f:
            text = f.read()
        os.waitpid(pid, 0)
        try:
            res = json.loads(text)
        except ValueError:
            res = {"stats": None, "exception": "no result"}
        if res.get("stats") is None:
            print("process %d (seed %d) failed: %s" % (i, seed + i, res.get("exception")))
            ok = False
            continue
        st = res["stats"]
        print(summary("process %d seed %d" % (i, seed + i), st))
        for k, v in st.items():
            total[k] = total.get(k, 0) + v
        for k, v in res["kinds"].items():
            kinds[k] = kinds.get(k, 0) + v
        for b in res["bad"]:
            print("  " + b)
        if st["missing"] or st["no_extack"] or st["requests"] != st["replies"]:
            ok = False
    for k in sorted(kinds):
        print("%s %d" % (k, kinds[k]))
    if total:
        print(summary("total", total))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
