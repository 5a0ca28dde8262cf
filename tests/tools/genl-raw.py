#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
"""genl-raw.py: speak to the espvti generic netlink family byte by byte.

For what espctl cannot send (values outside its own limits, commands it never
makes) and for processes that must not depend on libnl. Attribute names and
numbers are read from include/uapi/linux/espvti.h (beside this script's
../../include, or the file named by $ESPVTI_UAPI), so the tool follows the
header.

Usage:
    genl-raw.py join [--wait SECONDS]
        Resolves the family's "events" group and joins it on a raw
        NETLINK_GENERIC socket (NETLINK_ADD_MEMBERSHIP). Prints "joined" or
        "error EPERM: ..." (exit 1). With --wait, then prints one line per
        event received within SECONDS ("event CMD_NAME ifname=...") and
        "no event" when none came; exit 0 either way.

    genl-raw.py cmd [--dump] COMMAND [ATTR...]
        Sends ESPVTI_CMD_COMMAND (e.g. DEV_GET) with the attributes, do or
        dump, and waits for the answer. ATTR is NAME:TYPE=VALUE with NAME an
        attribute without its ESPVTI_ prefix (A_TTL, SA_A_SPI, TS_A_PLEN),
        TYPE one of u8 u16 u32 u64 s32 be32 str hex flag ip4 ip6, or
        NAME{ ... } for a nest (the closing "}" is its own argument), e.g.
            cmd SA_NEW A_IFNAME:str=esp0 'A_SA{' SA_A_DIR:u8=2 SA_A_SPI:u32=0x100 '}'
        Prints "ok" and "reply N" (messages received), or
        "error ENAME (N): MESSAGE; bad attribute NAME" when the kernel
        refused, naming the attribute that its extended ACK points at
        (exit 1).

    genl-raw.py batch
        Reads requests from stdin, one per line, each written as the
        arguments of cmd (COMMAND ATTR..., words separated by blanks, no
        quoting; blank lines and lines starting with # are skipped), and
        sends them in order over one socket, each waiting for its ACK: for
        configuring hundreds of devices without starting a process for each.
        Stops at the first refusal, printing "line N: error ..." as cmd does
        (exit 1); prints "ok N" (requests sent) otherwise.

Exit status: 0 success, 1 refused (or join failed), 2 usage or local error.
"""

import errno
import os
import re
import select
import socket
import struct
import sys
import time

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_EXT_ACK = 11
NETLINK_CAP_ACK = 10
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2
NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLM_F_ACK_TLVS = 0x200
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
NLA_F_NESTED = 0x8000


def uapi():
    """Names of the header's enumerators and #defines, with their values."""
    path = os.environ.get("ESPVTI_UAPI") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..",
        "include", "uapi", "linux", "espvti.h")
    text = open(path).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    names = {}
    for body in re.findall(r"enum\s+\w+\s*\{(.*?)\}", text, flags=re.S):
        val = -1
        for item in body.split(","):
            item = item.strip()
            if not item:
                continue
            m = re.match(r"(\w+)\s*(?:=\s*(\w+))?$", item)
            if not m:
                continue
            val = int(m.group(2), 0) if m.group(2) else val + 1
            names[m.group(1)] = val
    for m in re.finditer(r'#define\s+(\w+)\s+("[^"]*"|\w+)', text):
        v = m.group(2)
        names[m.group(1)] = v.strip('"') if v.startswith('"') else v
    return names


NAMES = uapi()


def name_of(prefix, value):
    for k, v in NAMES.items():
        if k.startswith(prefix) and v == value and not k.startswith("__"):
            return k
    return "%s?%d" % (prefix, value)


def nla(atype, payload):
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def parse_attrs(data):
    attrs = {}
    off = 0
    while off + 4 <= len(data):
        alen, atype = struct.unpack_from("=HH", data, off)
        if alen < 4:
            break
        attrs.setdefault(atype & 0x3fff, data[off + 4:off + alen])
        off += (alen + 3) & ~3
    return attrs


class Attr:
    """One attribute of a request: its type, payload and children."""

    def __init__(self, name, atype, payload=b"", children=None):
        self.name, self.atype, self.payload = name, atype, payload
        self.children = children

    def encode(self, base, offsets):
        """Bytes of the attribute placed at offset @base of the message;
        records the offset of its header in @offsets."""
        offsets[base] = self.name
        if self.children is None:
            return nla(self.atype, self.payload)
        body = b""
        for c in self.children:
            body += c.encode(base + 4 + len(body), offsets)
        return nla(self.atype | NLA_F_NESTED, body)


def value(atype, text):
    if atype == "u8":
        return struct.pack("=B", int(text, 0))
    if atype == "u16":
        return struct.pack("=H", int(text, 0))
    if atype == "u32":
        return struct.pack("=I", int(text, 0))
    if atype == "u64":
        return struct.pack("=Q", int(text, 0))
    if atype == "s32":
        return struct.pack("=i", int(text, 0))
    if atype == "be32":
        return struct.pack("!I", int(text, 0))
    if atype == "str":
        return text.encode() + b"\0"
    if atype == "hex":
        return bytes.fromhex(text[2:] if text.startswith("0x") else text)
    if atype == "flag":
        return b""
    if atype == "ip4":
        return socket.inet_pton(socket.AF_INET, text)
    if atype == "ip6":
        return socket.inet_pton(socket.AF_INET6, text)
    raise ValueError("unknown type %s" % atype)


def attr_num(name):
    full = "ESPVTI_" + name
    if full not in NAMES:
        raise ValueError("no attribute %s in the uapi header" % full)
    return full, NAMES[full]


def parse_spec(args):
    """The attributes given on the command line, nests included."""
    stack = [[]]
    names = []
    for a in args:
        if a == "}":
            if len(stack) == 1:
                raise ValueError("'}' without a nest")
            children = stack.pop()
            full, num = names.pop()
            stack[-1].append(Attr(full, num, children=children))
        elif a.endswith("{"):
            names.append(attr_num(a[:-1]))
            stack.append([])
        else:
            m = re.match(r"(\w+):(\w+)=(.*)$", a, flags=re.S)
            if not m:
                m = re.match(r"(\w+):(flag)$", a)
                if not m:
                    raise ValueError("attribute '%s' is not NAME:TYPE=VALUE" % a)
            full, num = attr_num(m.group(1))
            payload = value(m.group(2), m.group(3) if m.lastindex >= 3 else "")
            stack[-1].append(Attr(full, num, payload))
    if len(stack) != 1:
        raise ValueError("nest not closed")
    return stack[0]


class Genl:
    def __init__(self):
        self.sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sk.bind((0, 0))
        self.sk.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sk.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.seq = int(time.time()) & 0xffff

    def request(self, family, cmd, version, attrs, flags):
        """Sends a request; returns (error, message, bad attribute name,
        replies) once its ACK, error or dump end has come."""
        self.seq += 1
        offsets = {}
        body = b""
        base = 16 + 4
        for a in attrs:
            body += a.encode(base + len(body), offsets)
        payload = struct.pack("=BBH", cmd, version, 0) + body
        hdr = struct.pack("=IHHII", 16 + len(payload), family,
                          NLM_F_REQUEST | NLM_F_ACK | flags, self.seq, 0)
        self.sk.send(hdr + payload)
        replies = []
        while True:
            data = self.sk.recv(1 << 16)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, mflags, mseq, _ = struct.unpack_from("=IHHII", data, off)
                msg = data[off:off + mlen]
                off += (mlen + 3) & ~3
                if mseq != self.seq:
                    continue
                if mtype in (NLMSG_ERROR, NLMSG_DONE):
                    err = struct.unpack_from("=i", msg, 16)[0] if len(msg) >= 20 else 0
                    text, bad = "", None
                    if mflags & NLM_F_ACK_TLVS:
                        # error: int + the request's header (NETLINK_CAP_ACK)
                        tlv_off = 16 + 4 + (16 if mtype == NLMSG_ERROR else 0)
                        tlvs = parse_attrs(msg[tlv_off:])
                        if NLMSGERR_ATTR_MSG in tlvs:
                            text = tlvs[NLMSGERR_ATTR_MSG].rstrip(b"\0").decode()
                        if NLMSGERR_ATTR_OFFS in tlvs:
                            o = struct.unpack("=I", tlvs[NLMSGERR_ATTR_OFFS][:4])[0]
                            bad = offsets.get(o, "offset %d" % o)
                    return err, text, bad, replies
                replies.append(msg)

    def family(self, name):
        """Family id and {group name: id}."""
        err, text, _, replies = self.request(
            GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1,
            [Attr("CTRL_ATTR_FAMILY_NAME", CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0")], 0)
        if err or not replies:
            raise OSError(-err or errno.ENOENT, "family %s: %s" % (name, text or os.strerror(-err or errno.ENOENT)))
        attrs = parse_attrs(replies[0][20:])
        fid = struct.unpack("=H", attrs[CTRL_ATTR_FAMILY_ID][:2])[0]
        groups = {}
        if CTRL_ATTR_MCAST_GROUPS in attrs:
            for g in parse_attrs(attrs[CTRL_ATTR_MCAST_GROUPS]).values():
                ga = parse_attrs(g)
                groups[ga[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()] = \
                    struct.unpack("=I", ga[CTRL_ATTR_MCAST_GRP_ID][:4])[0]
        return fid, groups


def describe_event(msg):
    cmd = msg[16]
    attrs = parse_attrs(msg[20:])
    out = "event " + name_of("ESPVTI_CMD_", cmd)
    ifname = attrs.get(NAMES["ESPVTI_A_IFNAME"])
    if ifname:
        out += " ifname=" + ifname.rstrip(b"\0").decode()
    return out


def do_join(args):
    wait = None
    if args[:1] == ["--wait"]:
        wait = float(args[1])
    g = Genl()
    fid, groups = g.family(NAMES["ESPVTI_GENL_NAME"])
    grp = groups[NAMES["ESPVTI_MCGRP_EVENTS"]]
    try:
        g.sk.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, grp)
    except OSError as e:
        print("error %s: joining group %d: %s" % (errno.errorcode.get(e.errno, e.errno),
                                                   grp, e.strerror))
        return 1
    print("joined group %d" % grp, flush=True)
    if wait is None:
        return 0
    end = time.time() + wait
    seen = 0
    while True:
        left = end - time.time()
        if left <= 0:
            break
        r, _, _ = select.select([g.sk], [], [], left)
        if not r:
            break
        data = g.sk.recv(1 << 16)
        off = 0
        while off + 16 <= len(data):
            mlen, mtype = struct.unpack_from("=IH", data, off)
            if mtype == fid:
                print(describe_event(data[off:off + mlen]), flush=True)
                seen += 1
            off += (mlen + 3) & ~3
    if not seen:
        print("no event")
    return 0


def do_cmd(args):
    flags = 0
    if args[:1] == ["--dump"]:
        flags = NLM_F_DUMP
        args = args[1:]
    if not args:
        raise ValueError("cmd needs a COMMAND")
    cmd = NAMES.get("ESPVTI_CMD_" + args[0])
    if cmd is None:
        raise ValueError("no command ESPVTI_CMD_%s" % args[0])
    attrs = parse_spec(args[1:])
    g = Genl()
    fid, _ = g.family(NAMES["ESPVTI_GENL_NAME"])
    err, text, bad, replies = g.request(fid, cmd, int(NAMES["ESPVTI_GENL_VERSION"]),
                                        attrs, flags)
    if err:
        print(format_error(err, text, bad))
        return 1
    print("ok")
    print("reply %d" % len(replies))
    return 0


def format_error(err, text, bad):
    line = "error %s (%d)" % (errno.errorcode.get(-err, "?"), err)
    if text:
        line += ": " + text
    if bad:
        line += "; bad attribute " + bad
    return line


def do_batch(args):
    if args:
        raise ValueError("batch takes no arguments (requests come on stdin)")
    g = Genl()
    fid, _ = g.family(NAMES["ESPVTI_GENL_NAME"])
    version = int(NAMES["ESPVTI_GENL_VERSION"])
    sent = 0
    for num, line in enumerate(sys.stdin, 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        cmd = NAMES.get("ESPVTI_CMD_" + words[0])
        if cmd is None:
            raise ValueError("line %d: no command ESPVTI_CMD_%s" % (num, words[0]))
        try:
            attrs = parse_spec(words[1:])
        except ValueError as e:
            raise ValueError("line %d: %s" % (num, e))
        err, text, bad, _ = g.request(fid, cmd, version, attrs, 0)
        if err:
            print("line %d: %s" % (num, format_error(err, text, bad)))
            return 1
        sent += 1
    print("ok %d" % sent)
    return 0


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        if sys.argv[1] == "join":
            return do_join(sys.argv[2:])
        if sys.argv[1] == "cmd":
            return do_cmd(sys.argv[2:])
        if sys.argv[1] == "batch":
            return do_batch(sys.argv[2:])
    except (ValueError, KeyError) as e:
        print("genl-raw.py: %s" % e, file=sys.stderr)
        return 2
    except OSError as e:
        print("genl-raw.py: %s" % e, file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
