#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
"""udp-handover.py: share a UDP socket with an espvti device, as a keyer does.

Usage:
    udp-handover.py [-4|-6] [--port N] [--bind ADDR] [--encap-before T]
                    [--encap-later T] [--sockmap] [--l2tp] [--l2tp-later]
                    -- CMD [ARG...]

Binds a UDP socket on ADDR:N (default: any address, port 4500, IPv4; with
-6 an IPv6-only socket) in the current network namespace, then runs CMD
with the socket inherited as a file descriptor: every argument "{fd}" of CMD
is replaced by its number, e.g.

    udp-handover.py --port 4500 -- espctl set esp0 encap udp fd {fd}

hands the socket to espvti, which then takes the ESP arriving on it while
IKE datagrams (non-ESP marker) and anything else it leaves stay on the
socket. The helper then reads the socket and prints one JSON object per line
on standard output (flushed at once):

    {"event": "ready", "fd": N, "port": N, "rc": RC}  CMD ran, exit status RC
    {"event": "datagram", "from": "ADDR:PORT", "len": N, "hex": "..."}
    {"event": "closed"}                  the helper closed its socket
    {"event": "handover", "rc": RC}      CMD ran again
    {"event": "encap", "type": T, "rc": 0|ERRNO}  setsockopt UDP_ENCAP T done

--encap-before T sets setsockopt(SOL_UDP, UDP_ENCAP, T) on the socket before
CMD runs (0 none, 2 UDP_ENCAP_ESPINUDP, as xfrm IKE daemons do);
--encap-later T does it when SIGUSR2 arrives, after the hand-over.
--sockmap puts the socket into a BPF sockmap (bpf(2), as root) before CMD
runs, so that another subsystem owns it (its sk_user_data):
    {"event": "sockmap", "rc": 0|ERRNO}

--l2tp makes the socket the socket of a new L2TPv3 tunnel (generic netlink
family "l2tp", L2TP_CMD_TUNNEL_CREATE with L2TP_ATTR_FD, as root) before CMD
runs, so that another tunnel driver owns it; --l2tp-later tries the same
when SIGUSR2 arrives, after the hand-over:
    {"event": "l2tp", "rc": 0|ERRNO}

Signals: SIGTERM or SIGINT stops it (exit 0); SIGUSR1 closes its own copy of
the socket (the device may still hold it) and stops reading; SIGHUP runs CMD
again (hand the socket over anew, e.g. after `espctl set DEV encap none`);
SIGUSR2 applies --encap-later and --l2tp-later.
With CMD failing the helper keeps running: the test decides from "rc".
"""

import argparse
import ctypes
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys

SOL_UDP = 17
UDP_ENCAP = 100


def emit(obj):
    print(json.dumps(obj), flush=True)


NR_BPF = 321                    # x86_64
BPF_MAP_CREATE = 0
BPF_MAP_UPDATE_ELEM = 2
BPF_MAP_TYPE_SOCKMAP = 15


def sockmap_insert(fd):
    """Puts socket fd into a new one-slot BPF sockmap. Returns (map fd, 0)
    or (None, errno)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    attr = ctypes.create_string_buffer(128)
    # union bpf_attr, map create: map_type, key_size, value_size, max_entries
    ctypes.memmove(attr, (ctypes.c_uint32 * 4)(BPF_MAP_TYPE_SOCKMAP, 4, 4, 1), 16)
    mfd = libc.syscall(NR_BPF, BPF_MAP_CREATE, attr, ctypes.c_uint(128))
    if mfd < 0:
        return None, ctypes.get_errno()
    key = ctypes.c_uint32(0)
    val = ctypes.c_uint32(fd)
    upd = ctypes.create_string_buffer(128)
    # map update: map_fd (u32), pad, key (u64 pointer), value (u64), flags
    ctypes.memmove(upd, (ctypes.c_uint32 * 2)(mfd, 0), 8)
    ctypes.memmove(ctypes.byref(upd, 8), (ctypes.c_uint64 * 3)(
        ctypes.addressof(key), ctypes.addressof(val), 0), 24)
    if libc.syscall(NR_BPF, BPF_MAP_UPDATE_ELEM, upd, ctypes.c_uint(128)) < 0:
        err = ctypes.get_errno()
        os.close(mfd)
        return None, err
    return mfd, 0


NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLMSG_ERROR = 0x2
# include/uapi/linux/l2tp.h
L2TP_CMD_TUNNEL_CREATE = 1
L2TP_ATTR_ENCAP_TYPE = 2        # u16, 0: UDP
L2TP_ATTR_PROTO_VERSION = 7     # u8
L2TP_ATTR_CONN_ID = 9           # u32
L2TP_ATTR_PEER_CONN_ID = 10     # u32
L2TP_ATTR_FD = 23               # u32


def nla(atype, payload):
    """One netlink attribute, padded to 4 bytes."""
    n = 4 + len(payload)
    return struct.pack("=HH", n, atype) + payload + b"\0" * (-n % 4)


def genl_request(nl, family, cmd, attrs, seq):
    """Sends one generic netlink request with an ACK asked for; returns
    (errno, payload of the first answer that is not the ACK)."""
    body = struct.pack("=BBH", cmd, 1, 0) + b"".join(attrs)
    nl.send(struct.pack("=IHHII", 16 + len(body), family,
                        NLM_F_REQUEST | NLM_F_ACK, seq, 0) + body)
    answer = None
    while True:
        data = nl.recv(65536)
        off = 0
        while off + 16 <= len(data):
            ln, mtype, _flags, mseq, _pid = struct.unpack_from("=IHHII", data, off)
            if mseq == seq:
                if mtype == NLMSG_ERROR:
                    return -struct.unpack_from("=i", data, off + 16)[0], answer
                answer = data[off + 16:off + ln]
            off += (ln + 3) & ~3


def l2tp_take(fd):
    """Makes socket fd the socket of a new L2TPv3-over-UDP tunnel. Returns
    (netlink socket, 0) or (None, errno): the tunnel lives as long as the
    UDP socket does."""
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    name = b"l2tp\0"
    err, answer = genl_request(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                               [nla(CTRL_ATTR_FAMILY_NAME, name)], 1)
    if err or not answer:
        nl.close()
        return None, err or 2
    family, off = None, 4
    while off + 4 <= len(answer):
        ln, atype = struct.unpack_from("=HH", answer, off)
        if atype == CTRL_ATTR_FAMILY_ID:
            family = struct.unpack_from("=H", answer, off + 4)[0]
        off += (ln + 3) & ~3
    err, _ = genl_request(nl, family, L2TP_CMD_TUNNEL_CREATE, [
        nla(L2TP_ATTR_CONN_ID, struct.pack("=I", 4242)),
        nla(L2TP_ATTR_PEER_CONN_ID, struct.pack("=I", 4243)),
        nla(L2TP_ATTR_PROTO_VERSION, struct.pack("=B", 3)),
        nla(L2TP_ATTR_ENCAP_TYPE, struct.pack("=H", 0)),
        nla(L2TP_ATTR_FD, struct.pack("=I", fd))], 2)
    if err:
        nl.close()
        return None, err
    return nl, 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-4", dest="family", action="store_const", const=4, default=4)
    ap.add_argument("-6", dest="family", action="store_const", const=6)
    ap.add_argument("--port", type=int, default=4500)
    ap.add_argument("--bind", default="")
    ap.add_argument("--encap-before", type=int)
    ap.add_argument("--encap-later", type=int)
    ap.add_argument("--sockmap", action="store_true")
    ap.add_argument("--l2tp", action="store_true")
    ap.add_argument("--l2tp-later", action="store_true")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("no command to hand the socket to")

    if args.family == 6:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.bind, args.port))
    fd = sock.fileno()

    def set_encap(value):
        try:
            sock.setsockopt(SOL_UDP, UDP_ENCAP, value)
            rc = 0
        except OSError as e:
            rc = e.errno
        emit({"event": "encap", "type": value, "rc": rc})

    if args.encap_before is not None:
        set_encap(args.encap_before)
    if args.sockmap:
        map_fd, err = sockmap_insert(fd)  # kept open: the map holds the socket
        emit({"event": "sockmap", "rc": err})

    def l2tp():
        _nl, err = l2tp_take(fd)
        emit({"event": "l2tp", "rc": err})

    if args.l2tp:
        l2tp()

    def handover():
        argv = [a.replace("{fd}", str(fd)) for a in cmd]
        return subprocess.run(argv, pass_fds=(fd,), check=False).returncode

    state = {"stop": False, "close": False, "again": False, "encap": False}

    def on_signal(signum, _frame):
        if signum == signal.SIGUSR1:
            state["close"] = True
        elif signum == signal.SIGHUP:
            state["again"] = True
        elif signum == signal.SIGUSR2:
            state["encap"] = True
        else:
            state["stop"] = True

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGHUP,
              signal.SIGUSR2):
        signal.signal(s, on_signal)

    emit({"event": "ready", "fd": fd, "port": args.port, "rc": handover()})
    while not state["stop"]:
        if state["encap"]:
            state["encap"] = False
            if sock is not None and args.encap_later is not None:
                set_encap(args.encap_later)
            if sock is not None and args.l2tp_later:
                l2tp()
        if state["close"] and sock is not None:
            sock.close()
            sock = None
            emit({"event": "closed"})
        if state["again"]:
            state["again"] = False
            if sock is not None:
                emit({"event": "handover", "rc": handover()})
        if sock is None:
            signal.pause()
            continue
        try:
            ready, _, _ = select.select([sock], [], [], 0.5)
        except InterruptedError:
            continue
        if not ready:
            continue
        data, peer = sock.recvfrom(65536)
        host = peer[0]
        where = ("[%s]:%d" if ":" in host else "%s:%d") % (host, peer[1])
        emit({"event": "datagram", "from": where, "len": len(data), "hex": data.hex()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
