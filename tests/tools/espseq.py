#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
"""espseq.py: the order of ESP sequence numbers in a capture.

Usage:
    espseq.py PCAP [--spi SPI]...

Reads a pcap file (Ethernet, Linux cooked or raw IP link types) and, for
every SPI of the ESP packets in it (IPv4 or IPv6, plain ESP or ESP in UDP
port 4500), prints one JSON line: the SPI, the number of packets, the
lowest and highest sequence number, how many packets came with a number
lower than one already seen for that SPI (out of order), how many numbers
came twice, and how many between the lowest and the highest were never
seen. With --spi, only those SPIs are reported, and a missing one counts as
an error. Exits 0 when no reported SPI has a packet out of order or a
repeated number, 1 otherwise, 2 on an unreadable file.
"""

import argparse
import json
import struct
import sys

ETH, RAW, SLL, RAW2 = 1, 101, 113, 12


def packets(path):
    """Yields (linktype, frame bytes) for each record of a pcap file."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError('not a pcap file (too short)')
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        end = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        end = '>'
    else:
        raise ValueError('not a pcap file (magic %s)' % magic.hex())
    linktype = struct.unpack(end + 'I', data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + 'I', data[off + 8:off + 12])[0]
        yield linktype, data[off + 16:off + 16 + incl]
        off += 16 + incl


def esp_of(linktype, frame):
    """(spi, seq) of an ESP packet, or None."""
    if linktype == ETH:
        if len(frame) < 14:
            return None
        etype, ip = struct.unpack('>H', frame[12:14])[0], frame[14:]
    elif linktype == SLL:
        if len(frame) < 16:
            return None
        etype, ip = struct.unpack('>H', frame[14:16])[0], frame[16:]
    elif linktype in (RAW, RAW2):
        etype, ip = None, frame
    else:
        raise ValueError('link type %d not supported' % linktype)
    if not ip:
        return None
    ver = ip[0] >> 4
    if ver == 4 and etype in (None, 0x0800):
        hl = (ip[0] & 15) * 4
        if len(ip) < hl:
            return None
        proto, payload = ip[9], ip[hl:]
    elif ver == 6 and etype in (None, 0x86dd):
        proto, payload = ip[6], ip[40:]
    else:
        return None
    if proto == 17:
        if len(payload) < 8 or struct.unpack('>H', payload[2:4])[0] != 4500:
            return None
        payload = payload[8:]
        if len(payload) < 8 or payload[:4] == b'\0\0\0\0':
            return None  # IKE (non-ESP marker) or a keepalive
    elif proto != 50:
        return None
    if len(payload) < 8:
        return None
    return struct.unpack('>II', payload[:8])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('pcap')
    ap.add_argument('--spi', action='append', default=[],
                    help='report only this SPI (repeatable)')
    args = ap.parse_args()
    want = [int(s, 0) for s in args.spi]
    stats = {}
    try:
        for lt, frame in packets(args.pcap):
            e = esp_of(lt, frame)
            if not e:
                continue
            spi, seq = e
            s = stats.setdefault(spi, {'n': 0, 'last': None, 'seen': set(),
                                       'out_of_order': 0, 'repeated': 0})
            s['n'] += 1
            if seq in s['seen']:
                s['repeated'] += 1
            elif s['last'] is not None and seq < s['last']:
                s['out_of_order'] += 1
            s['seen'].add(seq)
            s['last'] = seq if s['last'] is None else max(s['last'], seq)
    except (OSError, ValueError) as err:
        print('espseq: %s: %s' % (args.pcap, err), file=sys.stderr)
        return 2
    bad = 0
    for spi in want or sorted(stats):
        s = stats.get(spi)
        if not s:
            print(json.dumps({'spi': '0x%08x' % spi, 'packets': 0}))
            bad = 1
            continue
        lo, hi = min(s['seen']), max(s['seen'])
        print(json.dumps({'spi': '0x%08x' % spi, 'packets': s['n'],
                          'first': lo, 'last': hi,
                          'out_of_order': s['out_of_order'],
                          'repeated': s['repeated'],
                          'missing': hi - lo + 1 - len(s['seen'])}))
        if s['out_of_order'] or s['repeated']:
            bad = 1
    return bad


if __name__ == '__main__':
    sys.exit(main())
