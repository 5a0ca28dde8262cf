#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# netlink-spec-check.py SPEC HEADER [KMOD_DIR] [KERNEL_SRC]
#
# Checks the YAML netlink spec of the espvti family (Documentation/netlink/
# specs/espvti.yaml) against the uapi header, and prints the results as KTAP:
#
#   1. every constant of the header (#define and enum member) is rendered by
#      the spec with the same value, and every constant the spec renders is
#      in the header (names are formed as the kernel's ynl-gen-c does);
#   2. the type of every attribute that the header's kernel-doc states (u8,
#      be32, 16 bytes, nest of enum X, enum X...) is the spec's;
#   3. the ranges that the header states ("ESPVTI_A_TTL: 1..255") are the
#      spec's checks;
#   4. the attribute policies of KMOD_DIR/netlink*.c (types, ranges, lengths,
#      nests) and its operations (do, dump, flags) and multicast group are
#      the spec's;
#   5. the spec is valid against the kernel's genetlink-legacy schema and
#      resolves with the kernel's ynl library (KERNEL_SRC/tools/net/ynl);
#   6. the uapi header that the kernel's ynl-gen-c renders from the spec
#      defines the same constants, with the same values, as the header.
#
# 4 is skipped without KMOD_DIR, 5 and 6 without a kernel source tree that
# has them (or without python3-jsonschema for 5).

import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

results = []


def result(ok, desc, errors=(), skip=None):
    results.append((ok, desc, list(errors), skip))


def c_upper(name):
    return name.upper().replace('-', '_')


# --- the header ----------------------------------------------------------
INT_MAX = (1 << 31) - 1


def strip_comments(text):
    return re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), text, flags=re.S)


def parse_header(path):
    """Returns (constants {NAME: int or str}, enums {enum_name: [NAME...]})."""
    text = strip_comments(open(path).read())
    consts = {}
    enums = {}
    for m in re.finditer(r'^#define[ \t]+([A-Z_][A-Z0-9_]*)[ \t]+(.+?)[ \t]*$', text, re.M):
        name, val = m.group(1), m.group(2)
        if name.startswith('_UAPI_'):
            continue
        consts[name] = val
    for m in re.finditer(r'enum\s+(\w+)\s*\{(.*?)\}', text, re.S):
        members = []
        nxt = 0
        for item in m.group(2).split(','):
            item = item.strip()
            if not item:
                continue
            if '=' in item:
                name, expr = (s.strip() for s in item.split('=', 1))
                nxt = evaluate(expr, consts)
            else:
                name = item
            consts[name] = nxt
            members.append(name)
            nxt += 1
        enums[m.group(1)] = members
    for name, val in list(consts.items()):
        consts[name] = evaluate(val, consts)
    return consts, enums


class Str(str):
    """A string value (not an expression still to evaluate)."""


def evaluate(expr, consts):
    if not isinstance(expr, str) or isinstance(expr, Str):
        return expr
    expr = expr.strip()
    if expr.startswith('"'):
        return Str(expr.strip('"'))
    if expr in consts and isinstance(consts[expr], Str):
        return consts[expr]
    expr = re.sub(r'\bsizeof\(struct in6_addr\)', '16', expr)
    expr = re.sub(r'\bIFNAMSIZ\b', '16', expr)
    expr = re.sub(r'\bINT_MAX\b', str(INT_MAX), expr)
    expr = re.sub(r'\bU32_MAX\b', str((1 << 32) - 1), expr)
    expr = re.sub(r'\b2\^(\d+)', lambda m: str(1 << int(m.group(1))), expr)

    def const(m):
        v = evaluate(consts[m.group(0)], consts)
        if isinstance(v, Str):
            raise ValueError(f'{m.group(0)} is a string')
        return str(v)
    expr = re.sub(r'\b[A-Z_][A-Z0-9_]*\b', const, expr)
    if not re.fullmatch(r'[0-9 ()+\-]+', expr):
        raise ValueError(f'cannot evaluate {expr!r}')
    return eval(expr)  # digits, parentheses, + and - only


def header_docs(path):
    """The kernel-doc lines "@NAME: description" (joined with their
    continuation lines) of the header."""
    docs = {}
    for block in re.findall(r'/\*\*(.*?)\*/', open(path).read(), re.S):
        cur = None
        for line in block.split('\n'):
            line = re.sub(r'^\s*\*\s?', '', line)
            m = re.match(r'@([A-Z_][A-Z0-9_]*):\s*(.*)', line)
            if m:
                cur = m.group(1)
                docs[cur] = m.group(2)
            elif cur and line.strip():
                docs[cur] += ' ' + line.strip()
            else:
                cur = None
    return docs


def header_ranges(path, consts):
    """The ranges the header states in its block of limits, e.g.
    "ESPVTI_A_TTL: 1..255", "ESPVTI_A_ENCAP_SPORT/DPORT: 1..65535":
    {attribute: (min, max)}."""
    text = open(path).read()
    start = text.index('Ranges of the numeric attributes')
    end = text.index('AEAD algorithms')
    block = ' '.join(re.findall(r'/\*(.*?)\*/', text[start:end], re.S))
    block = re.sub(r'\s*\n\s*\*?', ' ', block)
    ranges = {}
    val = r'[0-9A-Z_^+\-]+'
    for m in re.finditer(r'(ESPVTI_[A-Z0-9_]+(?:/[A-Z0-9_]+)*):\s*(?:enum \w+,\s*)?'
                         rf'({val})(?:\s*\([^)]*\))?\.\.({val})', block):
        names = m.group(1).split('/')
        lo, hi = evaluate(m.group(2), consts), evaluate(m.group(3), consts)
        first = names[0]
        ranges[first] = (lo, hi)
        for alt in names[1:]:
            ranges[first[:first.rindex('_') + 1] + alt] = (lo, hi)
    return ranges


# --- the spec ------------------------------------------------------------
LIMITS = {'u8': (0, 255), 'u16': (0, 65535), 'u32': (0, (1 << 32) - 1),
          'u64': (0, (1 << 64) - 1), 's32': (-(1 << 31), (1 << 31) - 1),
          's64': (-(1 << 63), (1 << 63) - 1)}


def limit_to_number(name):
    m = re.fullmatch(r'([us])(8|16|32|64)-(min|max)', name)
    if not m:
        raise ValueError(f'unknown limit {name}')
    return LIMITS[m.group(1) + m.group(2)][0 if m.group(3) == 'min' else 1]


class Spec:
    def __init__(self, path):
        self.y = yaml.safe_load(open(path))
        self.family = self.y['name']
        self.consts = {}       # spec const name -> value
        self.enums = {}        # spec enum name -> definition
        self.sets = {}         # set name -> {attr name: attr (with value)}
        self.set_yaml = {}
        self.c = {}            # C name -> value, as ynl-gen-c renders them
        self.c_enums = {}      # C enum name -> [C names]
        self.attr_by_c = {}    # C attribute name -> (set name, attr)
        y = self.y
        if 'c-family-name' in y:
            self.c[c_upper(y['c-family-name'])] = self.family
        if 'c-version-name' in y:
            self.c[c_upper(y['c-version-name'])] = y.get('version', 1)
        for d in y.get('definitions', []):
            if d['type'] == 'const':
                self.consts[d['name']] = d['value']
                if 'header' not in d:
                    self.c[c_upper(f"{self.family}-{d['name']}")] = d['value']
            elif d['type'] in ('enum', 'flags'):
                self.enums[d['name']] = d
                prefix = d.get('name-prefix', f"{self.family}-{d['name']}-")
                v = d.get('value-start', 0)
                names = []
                for e in d['entries']:
                    if isinstance(e, str):
                        e = {'name': e}
                    v = e.get('value', v)
                    cname = c_upper(prefix + e['name'])
                    self.c[cname] = v if d['type'] == 'enum' else 1 << v
                    names.append(cname)
                    v += 1
                self.c_enums[d.get('enum-name', f"{self.family}-{d['name']}").replace('-', '_')] = names
        for s in y['attribute-sets']:
            self.set_yaml[s['name']] = s
        for s in y['attribute-sets']:
            attrs = {}
            if 'subset-of' in s:
                parent = self.sets[s['subset-of']]
                for a in s['attributes']:
                    attrs[a['name']] = dict(parent[a['name']], **a)
                self.sets[s['name']] = attrs
                continue
            prefix = s.get('name-prefix', f"{self.family}-{s['name']}-a-")
            v = 1
            names = []
            for a in s['attributes']:
                v = a.get('value', v)
                a = dict(a, value=v)
                attrs[a['name']] = a
                cname = c_upper(prefix + a['name'])
                self.c[cname] = v
                self.attr_by_c[cname] = (s['name'], a)
                names.append(cname)
                v += 1
            cnt = c_upper(s.get('attr-cnt-name', f'__{prefix}max'))
            self.c[cnt] = v
            self.c[c_upper(s.get('attr-max-name', f'{prefix}max'))] = v - 1
            self.c_enums[s.get('enum-name', f"{prefix}attrs").replace('-', '_')] = names + [cnt]
            self.sets[s['name']] = attrs
        ops = y['operations']
        prefix = ops.get('name-prefix', f'{self.family}-cmd-')
        self.ops = {}
        v = 1
        names = []
        for op in ops['list']:
            v = op.get('value', v)
            op = dict(op, value=v)
            self.ops[op['name']] = op
            cname = c_upper(prefix + op['name'])
            self.c[cname] = v
            names.append(cname)
            v += 1
        cnt = c_upper(ops.get('cmd-cnt-name', f'__{prefix}max'))
        self.c[cnt] = v
        self.c[c_upper(ops.get('cmd-max-name', f'{prefix}max'))] = v - 1
        self.c_enums[ops.get('enum-name', f'{self.family}-cmd').replace('-', '_')] = names + [cnt]
        self.mcgrps = {}
        for g in y.get('mcast-groups', {}).get('list', []):
            self.mcgrps[g['name']] = g
            self.c[c_upper(g.get('c-define-name', f"{self.family}-mcgrp-{g['name']}"))] = g['name']

    def limit(self, attr, which):
        """The effective min or max of an integer attribute."""
        v = attr.get('checks', {}).get(which)
        if v is None:
            return LIMITS[attr['type']][0 if which == 'min' else 1]
        if isinstance(v, int):
            return v
        if v in self.consts:
            return self.consts[v]
        return limit_to_number(v)

    def length(self, attr, which):
        v = attr.get('checks', {}).get(which)
        if v is None or isinstance(v, int):
            return v
        if v in self.consts:
            return self.consts[v]
        return evaluate(v.replace('IFNAMSIZ', '16'), {})


# --- 1. constants ----------------------------------------------------------
def check_constants(spec, hconsts, henums):
    errors = []
    for name, val in sorted(hconsts.items()):
        if name not in spec.c:
            errors.append(f'{name} = {val!r} is in the header, not in the spec')
        elif spec.c[name] != val:
            errors.append(f'{name}: header {val!r}, spec {spec.c[name]!r}')
    for name, val in sorted(spec.c.items()):
        if name not in hconsts:
            errors.append(f'{name} = {val!r} is in the spec, not in the header')
    for ename, members in henums.items():
        if ename not in spec.c_enums:
            errors.append(f'enum {ename} is not an enum of the spec')
        elif set(spec.c_enums[ename]) != set(members):
            errors.append(f'enum {ename}: only in the header '
                          f'{sorted(set(members) - set(spec.c_enums[ename]))}, only in the spec '
                          f'{sorted(set(spec.c_enums[ename]) - set(members))}')
    for ename in spec.c_enums:
        if ename not in henums:
            errors.append(f'enum {ename} of the spec is not in the header')
    n = len(hconsts)
    result(not errors, f'constants: the {n} commands, attributes, enum values and '
           'defines of the header are the spec\'s, and no others', errors)


# --- 2. types ------------------------------------------------------------
def check_types(spec, docs, henums):
    errors = []
    checked = 0
    set_of_enum = {s.get('enum-name'): n for n, s in spec.set_yaml.items()}
    enum_of = {d.get('enum-name'): n for n, d in spec.enums.items()}
    stats = henums.get('espvti_stat_attrs', [])
    for cname, (sname, attr) in sorted(spec.attr_by_c.items()):
        t = attr['type']
        where = f'{cname} ({sname}.{attr["name"]})'
        if cname.endswith('_UNSPEC'):
            if t != 'unused':
                errors.append(f'{where}: type {t}, not unused')
            checked += 1
            continue
        if cname.endswith('_PAD'):
            if t != 'pad':
                errors.append(f'{where}: type {t}, not pad')
            checked += 1
            continue
        if cname in stats:
            # "counters, all u64"
            if t != 'u64':
                errors.append(f'{where}: type {t}; the header says all counters are u64')
            checked += 1
            continue
        doc = docs.get(cname)
        if doc is None:
            errors.append(f'{where}: the header does not document it')
            continue
        checked += 1
        first = doc.split(',')[0].strip().rstrip('.')
        if first.startswith('be32'):
            if t != 'u32' or attr.get('byte-order') != 'big-endian':
                errors.append(f'{where}: the header says be32, spec {t} {attr.get("byte-order", "")}')
        elif first.startswith('16 bytes'):
            # An IPv6 address: exactly 16 bytes where the kernel checks it
            # (attributes it only sends have no checks).
            if t != 'binary' or attr.get('display-hint') != 'ipv6' or \
               spec.length(attr, 'exact-len') not in (16, None):
                errors.append(f'{where}: the header says 16 bytes, spec {t} {attr.get("checks")}')
        elif first.startswith('nest'):
            if t != 'nest':
                errors.append(f'{where}: the header says nest, spec {t}')
            m = re.match(r'nest of enum (\w+)', first)
            if m and set_of_enum.get(m.group(1)) != attr.get('nested-attributes'):
                errors.append(f'{where}: the header says nest of enum {m.group(1)}, '
                              f'spec nested-attributes {attr.get("nested-attributes")}')
            m = re.match(r'nest of (ESPVTI_[A-Z0-9_]+) entries', first)
            if m:
                inner = spec.attr_by_c.get(m.group(1))
                nested = spec.sets.get(attr.get('nested-attributes'), {})
                if not inner or inner[1]['name'] not in nested:
                    errors.append(f'{where}: the header says nest of {m.group(1)} entries, '
                                  f'spec nested-attributes {attr.get("nested-attributes")}')
        else:
            word = first.split()[0]
            if word != t:
                errors.append(f'{where}: the header says {word}, spec {t}')
        m = re.search(r'\benum (espvti_\w+)', doc)
        if m and not first.startswith('nest') and enum_of.get(m.group(1)) != attr.get('enum'):
            errors.append(f'{where}: the header says enum {m.group(1)}, spec enum {attr.get("enum")}')
    result(not errors, f'types: the {checked} attributes are typed as the header says', errors)


# --- 3. ranges stated in the header ----------------------------------------
def check_header_ranges(spec, ranges):
    errors = []
    for cname, (lo, hi) in sorted(ranges.items()):
        if cname not in spec.attr_by_c:
            errors.append(f'{cname}: range {lo}..{hi} in the header, no such attribute in the spec')
            continue
        attr = spec.attr_by_c[cname][1]
        if 'checks' not in attr:
            errors.append(f'{cname}: range {lo}..{hi} in the header, no checks in the spec')
            continue
        got = (spec.limit(attr, 'min'), spec.limit(attr, 'max'))
        if got != (lo, hi):
            errors.append(f'{cname}: header {lo}..{hi}, spec {got[0]}..{got[1]}')
    result(not errors and ranges, f'ranges: the {len(ranges)} ranges the header states are '
           'the spec\'s checks', errors or ([] if ranges else ['no range found in the header']))


# --- 4. the kernel's policies and operations -------------------------------
NLA_TYPES = {'NLA_U8': 'u8', 'NLA_U16': 'u16', 'NLA_U32': 'u32', 'NLA_U64': 'u64',
             'NLA_S32': 's32', 'NLA_S64': 's64', 'NLA_FLAG': 'flag',
             'NLA_NUL_STRING': 'string', 'NLA_BINARY': 'binary', 'NLA_NESTED': 'nest'}


def parse_policies(kmod, consts):
    """{policy array name: {C attribute name: description dict}}."""
    text = ''
    for f in sorted(os.listdir(kmod)):
        if re.fullmatch(r'netlink.*\.c', f):
            text += strip_comments(open(os.path.join(kmod, f)).read()) + '\n'
    ranges = {}
    for m in re.finditer(r'struct netlink_range_validation\s+(\w+)\s*=\s*\{(.*?)\}', text, re.S):
        body = m.group(2)
        lo = re.search(r'\.min\s*=\s*([^,}]+)', body)
        hi = re.search(r'\.max\s*=\s*([^,}]+)', body)
        ranges[m.group(1)] = (evaluate(lo.group(1), consts) if lo else None,
                              evaluate(hi.group(1), consts) if hi else None)
    policies = {}
    for m in re.finditer(r'struct nla_policy\s+(\w+)\s*\[[^\]]*\]\s*=\s*\{(.*?)\n\};', text, re.S):
        entries = {}
        for e in re.split(r'\[(?=ESPVTI_)', m.group(2))[1:]:
            name, rest = e.split(']', 1)
            rest = ' '.join(rest.split()).lstrip('= ').rstrip(', ')
            d = {}
            pm = re.match(r'NLA_POLICY_(\w+)\((.*)\)$', rest)
            if pm:
                kind, args = pm.group(1), [a.strip() for a in pm.group(2).split(',')]
                if kind == 'EXACT_LEN':
                    d = {'type': 'binary', 'exact-len': evaluate(args[0], consts)}
                elif kind == 'NESTED':
                    d = {'type': 'nest', 'policy': args[0]}
                else:
                    d = {'type': NLA_TYPES[args[0]]}
                    if kind == 'MIN':
                        d['min'] = evaluate(args[1], consts)
                    elif kind == 'MAX':
                        d['max'] = evaluate(args[1], consts)
                    elif kind == 'RANGE':
                        d['min'], d['max'] = evaluate(args[1], consts), evaluate(args[2], consts)
                    elif kind == 'FULL_RANGE':
                        d['min'], d['max'] = ranges[args[1].lstrip('&')]
                    else:
                        raise ValueError(f'policy {name}: {rest}')
            else:
                tm = re.search(r'\.type\s*=\s*(NLA_\w+)', rest)
                if not tm:
                    raise ValueError(f'policy {name}: {rest}')
                if tm.group(1) == 'NLA_BE32':
                    d = {'type': 'u32', 'byte-order': 'big-endian'}
                else:
                    d = {'type': NLA_TYPES[tm.group(1)]}
                lm = re.search(r'\.len\s*=\s*([^,}]+)', rest)
                if lm:
                    d['max-len'] = evaluate(lm.group(1), consts)
            entries[name.strip()] = d
        policies[m.group(1)] = entries
    ops = {}
    for m in re.finditer(r'\{([^{}]*\.cmd\s*=\s*(ESPVTI_CMD_\w+)[^{}]*)\}', text):
        body = m.group(1)
        flags = re.search(r'\.flags\s*=\s*([\w| ]+)', body)
        ops[m.group(2)] = {'do': '.doit' in body, 'dump': '.dumpit' in body,
                           'flags': set(f.strip() for f in flags.group(1).split('|')) if flags else set()}
    mcgrps = {}
    for m in re.finditer(r'struct genl_multicast_group\s+\w+\[\]\s*=\s*\{(.*?)\n\};', text, re.S):
        for g in re.finditer(r'\{\s*\.name\s*=\s*(\w+)\s*(?:,\s*\.flags\s*=\s*([\w| ]+))?\}', m.group(1)):
            mcgrps[evaluate(g.group(1), consts)] = set(
                f.strip() for f in (g.group(2) or '').split('|') if f.strip())
    return policies, ops, mcgrps


def check_policies(spec, kmod, consts):
    policies, kops, kmcgrps = parse_policies(kmod, consts)
    errors = []
    n = 0
    policy_set = {}
    for pname, entries in policies.items():
        sets = {spec.attr_by_c[c][0] for c in entries if c in spec.attr_by_c}
        if len(sets) == 1:
            policy_set[pname] = sets.pop()
    enforced = set()
    for pname, entries in sorted(policies.items()):
        for cname, d in sorted(entries.items()):
            n += 1
            enforced.add(cname)
            if cname not in spec.attr_by_c:
                errors.append(f'{pname}[{cname}]: no such attribute in the spec')
                continue
            sname, attr = spec.attr_by_c[cname]
            where = f'{pname}[{cname}]'
            if attr['type'] != d['type']:
                errors.append(f'{where}: kernel {d["type"]}, spec {attr["type"]}')
                continue
            if d.get('byte-order') != attr.get('byte-order') and attr['type'] != 'binary':
                errors.append(f'{where}: kernel byte order {d.get("byte-order")}, '
                              f'spec {attr.get("byte-order")}')
            if d['type'] in LIMITS:
                want = (d.get('min', LIMITS[d['type']][0]), d.get('max', LIMITS[d['type']][1]))
                got = (spec.limit(attr, 'min'), spec.limit(attr, 'max'))
                if want != got:
                    errors.append(f'{where}: kernel {want[0]}..{want[1]}, spec {got[0]}..{got[1]}')
            for k in ('exact-len', 'max-len'):
                if d.get(k) != spec.length(attr, k):
                    errors.append(f'{where}: kernel {k} {d.get(k)}, spec {spec.length(attr, k)}')
            if d['type'] == 'nest':
                target = policy_set.get(d['policy'])
                nested = attr.get('nested-attributes')
                nested_base = spec.set_yaml.get(nested, {}).get('subset-of', nested)
                if target not in (nested, nested_base):
                    errors.append(f'{where}: kernel nests {d["policy"]} (set {target}), '
                                  f'spec nested-attributes {nested}')
    for cname, (sname, attr) in sorted(spec.attr_by_c.items()):
        if 'checks' in attr and cname not in enforced:
            errors.append(f'{cname}: checks in the spec, no policy in the kernel')
    result(not errors, f'policies: the {n} policy entries of kmod/netlink*.c are the spec\'s '
           'types, ranges, lengths and nests', errors)

    errors = []
    flagmap = {'GENL_ADMIN_PERM': 'admin-perm', 'GENL_UNS_ADMIN_PERM': 'uns-admin-perm',
               'GENL_MCAST_CAP_SYS_ADMIN': 'admin-perm',
               'GENL_MCAST_CAP_NET_ADMIN': 'uns-admin-perm'}
    prefix = spec.y['operations'].get('name-prefix', f'{spec.family}-cmd-')
    for cname, k in sorted(kops.items()):
        op = spec.ops.get(c_upper(cname)[len(c_upper(prefix)):].lower().replace('_', '-'))
        if op is None:
            errors.append(f'{cname}: an operation of the kernel, not of the spec')
            continue
        for what in ('do', 'dump'):
            if k[what] != (what in op):
                errors.append(f'{cname}: {what} kernel {k[what]}, spec {what in op}')
        kflags = {flagmap.get(f, f) for f in k['flags']}
        if kflags != set(op.get('flags', [])):
            errors.append(f'{cname}: flags kernel {sorted(kflags)}, spec {op.get("flags", [])}')
    for name, op in spec.ops.items():
        cname = c_upper(prefix + name)
        if ('do' in op or 'dump' in op) and cname not in kops:
            errors.append(f'{cname}: a do/dump operation of the spec, not of the kernel')
        if 'event' in op:
            if cname in kops:
                errors.append(f'{cname}: a notification in the spec, an operation of the kernel')
            if op.get('mcgrp') not in spec.mcgrps:
                errors.append(f'{cname}: notification without a multicast group of the spec')
    for g, flags in kmcgrps.items():
        sg = spec.mcgrps.get(g)
        if sg is None:
            errors.append(f'multicast group {g}: in the kernel, not in the spec')
        elif {flagmap.get(f, f) for f in flags} != set(sg.get('flags', [])):
            errors.append(f'multicast group {g}: flags kernel {sorted(flags)}, spec {sg.get("flags")}')
    for g in spec.mcgrps:
        if g not in kmcgrps:
            errors.append(f'multicast group {g}: in the spec, not in the kernel')
    result(not errors and kops, f'operations: the {len(kops)} operations and {len(kmcgrps)} '
           'multicast group(s) of the kernel are the spec\'s (do, dump, flags)', errors)


# --- 5, 6. the kernel's schema, ynl library and ynl-gen-c ------------------
def check_ynl(spec_path, header_consts, ksrc):
    ynl = os.path.join(ksrc, 'tools/net/ynl') if ksrc else None
    schema = os.path.join(ksrc, 'Documentation/netlink/genetlink-legacy.yaml') if ksrc else None
    if not ynl or not os.path.exists(os.path.join(ynl, 'lib/nlspec.py')) or not os.path.exists(schema):
        why = 'no kernel source tree with tools/net/ynl (set KSRC)'
        result(True, 'schema: valid against the kernel\'s genetlink-legacy schema', skip=why)
        result(True, 'ynl-gen-c: the uapi header rendered from the spec', skip=why)
        return
    try:
        import jsonschema  # noqa: F401
        have_jsonschema = True
    except ImportError:
        have_jsonschema = False
    sys.path.insert(0, ynl)
    try:
        from lib.nlspec import SpecFamily
    except Exception as e:
        result(True, 'schema: valid against the kernel\'s genetlink-legacy schema',
               skip=f'the kernel\'s ynl library does not load: {e}')
        have_jsonschema = None
    if have_jsonschema is False:
        result(True, 'schema: valid against the kernel\'s genetlink-legacy schema',
               skip='python3-jsonschema is not installed')
    elif have_jsonschema:
        try:
            fam = SpecFamily(spec_path, schema)
            result(True, f'schema: valid against {schema} and resolved by the kernel\'s ynl '
                   f'library ({len(fam.ops)} operations, {len(fam.ntfs)} notifications, '
                   f'{len(fam.attr_sets)} attribute sets)')
        except Exception as e:
            result(False, 'schema: valid against the kernel\'s genetlink-legacy schema',
                   str(e).split('\n')[:20])
    gen = os.path.join(ynl, 'ynl-gen-c.py')
    if not os.path.exists(gen):
        result(True, 'ynl-gen-c: the uapi header rendered from the spec',
               skip='no tools/net/ynl/ynl-gen-c.py in the kernel source')
        return
    # ynl-gen-c finds the schema next to the spec's directory and wants a
    # MAINTAINERS file above it: a scratch tree that looks like the kernel's.
    tmp = tempfile.mkdtemp()
    try:
        specs = os.path.join(tmp, 'Documentation/netlink/specs')
        os.makedirs(specs)
        open(os.path.join(tmp, 'MAINTAINERS'), 'w').close()
        os.symlink(schema, os.path.join(tmp, 'Documentation/netlink/genetlink-legacy.yaml'))
        shutil.copy(spec_path, specs)
        out = os.path.join(tmp, 'espvti.h')
        p = subprocess.run([sys.executable, gen, '--spec', os.path.join(specs, os.path.basename(spec_path)),
                            '--mode', 'uapi', '--header', '-o', out],
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            result(False, 'ynl-gen-c: the uapi header rendered from the spec',
                   (p.stdout + p.stderr).strip().split('\n')[-20:])
            return
        gconsts, _ = parse_header(out)
        errors = []
        for name in sorted(set(gconsts) | set(header_consts)):
            g, h = gconsts.get(name), header_consts.get(name)
            if g != h:
                errors.append(f'{name}: header {h!r}, ynl-gen-c {g!r}')
        result(not errors, f'ynl-gen-c: the uapi header it renders from the spec defines the '
               f'{len(gconsts)} constants of the header, with the same values', errors)
    finally:
        shutil.rmtree(tmp)


def main():
    if len(sys.argv) < 3:
        print(__doc__ if __doc__ else 'usage: netlink-spec-check.py SPEC HEADER [KMOD] [KSRC]')
        sys.exit(2)
    spec_path, header = sys.argv[1], sys.argv[2]
    kmod = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
    ksrc = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
    spec = Spec(spec_path)
    hconsts, henums = parse_header(header)
    check_constants(spec, hconsts, henums)
    check_types(spec, header_docs(header), henums)
    check_header_ranges(spec, header_ranges(header, hconsts))
    if kmod and os.path.isdir(kmod):
        check_policies(spec, kmod, hconsts)
    else:
        result(True, 'policies: kmod/netlink*.c', skip='no kmod directory')
        result(True, 'operations: kmod/netlink*.c', skip='no kmod directory')
    check_ynl(os.path.abspath(spec_path), hconsts, ksrc)

    print('TAP version 13')
    print(f'1..{len(results)}')
    failed = 0
    for i, (ok, desc, errors, skip) in enumerate(results, 1):
        for e in errors:
            print(f'# {e}')
        if skip:
            print(f'ok {i} - {desc} # SKIP {skip}')
        elif ok:
            print(f'ok {i} - {desc}')
        else:
            failed += 1
            print(f'not ok {i} - {desc}')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
