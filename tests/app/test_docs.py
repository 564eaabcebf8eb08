#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The docs name what the code has: a check that is cheap to keep, run with the unit suites.

- Every counter of every X-macro .def file (the names telemetry, yardctl and the *stat structs
  use) is a row of the counter table the docs give for that file, in the .def's order, and
  that table names no counter the .def does not have. A new .def must be given a table here.
- Every telemetry command yard registers (app/telemetry.c, app/control.c) is a row of a
  command table in docs/running.md or docs/yardctl.md, and every /yard/ command those tables
  name is registered.
- Every key the telemetry code writes by name (rte_tel_data_add_dict_*(d, "name", ...), in
  any source file outside tests/ and perf/) is named in docs/*.md, in backticks or in a code
  block. Keys made with snprintf (lcore<N>, netem_rd_<counter>) are the docs' to spell out.

Configuration keys are checked against docs/config.md by tests/app/test_config.c, from the
parser's own table. Prints TAP. Usage: test_docs.py SOURCE_ROOT
"""
import glob
import os
import re
import sys

# .def file -> (doc, the heading line the table follows, which table after it (0 = first))
DEF_TABLES = {
    'pmd_glue/pmd.def': ('docs/pmd.md', '## Counters', 0),
    'protocols/arp/arp.def': ('docs/protocols.md', '#### arp ', 0),
    'protocols/ip/ip.def': ('docs/protocols.md', '#### ip ', 0),
    'protocols/ip/icmp.def': ('docs/protocols.md', '#### icmp ', 0),
    'protocols/udp/udp.def': ('docs/xti.md', "### udp's counters", 0),
    'protocols/udp/udp_clients.def': ('docs/xti.md', '## UDP clients', 0),
    'protocols/tcp/tcp.def': ('docs/tcp.md', '## Counters', 0),
    'protocols/netem/netem.def': ('docs/netem.md', '## Counters', 0),
    'protocols/socket/socket.def': ('docs/sockets.md', '## Counters', 0),
    'protocols/sockmod/sockmod.def': ('docs/sockets.md', '## Counters', 1),
    'app/memcache/mc_service.def': ('docs/memcached.md', '## Counters', 0),
    'app/memcache/mc_stats.def': ('docs/memcached.md', '## Counters', 1),
}
CMD_SOURCES = ['app/telemetry.c', 'app/control.c']
CMD_DOCS = ['docs/running.md', 'docs/yardctl.md']


def read(root, path):
    with open(os.path.join(root, path), encoding='utf-8') as f:
        return f.read()


def def_names(text):
    """The first argument of each X(name, "help") line, comments aside."""
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    return re.findall(r'^\s*[A-Z][A-Z0-9_]*\(\s*([a-z][a-z0-9_]*)\s*,', text, re.M)


def counter_table(doc, heading, nth):
    """The names in the nth '| counter | meaning |' table after the heading line, or None."""
    lines = doc.splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith(heading)), None)
    if start is None:
        return None
    seen = -1
    i = start + 1
    while i < len(lines):
        if lines[i].startswith('#') and not lines[i].startswith('#' * (heading.count('#') + 1)):
            return None  # the next section of the same or a higher level
        if re.match(r'\| counter \| meaning \|', lines[i]):
            seen += 1
            if seen == nth:
                names = []
                i += 1
                while i < len(lines) and lines[i].startswith('|'):
                    m = re.match(r'\| `([a-z0-9_]+)` \|', lines[i])
                    if m:
                        names.append(m.group(1))
                    i += 1
                return names
        i += 1
    return None


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else '.'
    results = []

    defs = sorted(os.path.relpath(p, root) for p in
                  glob.glob(os.path.join(root, '**', '*.def'), recursive=True)
                  if not os.path.relpath(p, root).startswith(('build', '.')))
    for d in defs:
        if d not in DEF_TABLES:
            results.append((False, '%s has a counter table in the docs' % d,
                            ['no entry in DEF_TABLES: give it a table and add it there']))
            continue
        doc, heading, nth = DEF_TABLES[d]
        names = def_names(read(root, d))
        rows = counter_table(read(root, doc), heading, nth)
        why = []
        if not names:
            why.append('no counters parsed from %s' % d)
        if rows is None:
            why.append('%s: no counter table %d after "%s"' % (doc, nth, heading))
        else:
            missing = [n for n in names if n not in rows]
            extra = [n for n in rows if n not in names]
            if missing:
                why.append('%s lacks rows for: %s' % (doc, ' '.join(missing)))
            if extra:
                why.append('%s has rows for counters %s does not have: %s' %
                           (doc, d, ' '.join(extra)))
            if not missing and not extra and rows != names:
                why.append('%s lists them in another order than %s' % (doc, d))
        results.append((not why, '%s: every counter in %s, and no other' % (d, doc), why))

    for d in DEF_TABLES:
        if d not in defs:
            results.append((False, '%s exists' % d, ['DEF_TABLES names a .def that is gone']))

    registered = set()
    for src in CMD_SOURCES:
        registered |= set(re.findall(r'\{\s*"(/yard/[a-z_]+)",', read(root, src)))
    documented = set()
    for doc in CMD_DOCS:
        documented |= set(re.findall(r'^\| `(/yard/[a-z_]+)` \|', read(root, doc), re.M))
    why = []
    if len(registered) < 10:
        why.append('only %d commands parsed from %s' % (len(registered), ' '.join(CMD_SOURCES)))
    if registered - documented:
        why.append('not in a command table of %s: %s' %
                   (' or '.join(CMD_DOCS), ' '.join(sorted(registered - documented))))
    if documented - registered:
        why.append('documented but not registered: %s' % ' '.join(sorted(documented - registered)))
    results.append((not why, 'every /yard/ telemetry command is documented, and no other', why))

    names = set()
    for path in glob.glob(os.path.join(root, '**', '*.c'), recursive=True):
        rel = os.path.relpath(path, root)
        if rel.startswith(('build', 'tests', 'perf', '.')):
            continue
        names |= set(re.findall(r'rte_tel_data_add_dict_[a-z0-9_]+\(\s*\w+\s*,\s*"([a-z_][a-z0-9_]*)"',
                                read(root, rel)))
    named = set()
    for doc in glob.glob(os.path.join(root, 'docs', '*.md')):
        text = read(root, os.path.relpath(doc, root))
        blocks = re.findall(r'```[a-z]*\n(.*?)```', text, re.S)
        prose = re.sub(r'```[a-z]*\n.*?```', '', text, flags=re.S)
        for code in blocks + re.findall(r'`([^`]+)`', prose):  # inline code may wrap
            named |= set(re.findall(r'[a-z_][a-z0-9_]*', code))
    why = []
    if len(names) < 100:
        why.append('only %d telemetry keys parsed from the sources' % len(names))
    if names - named:
        why.append('not named in docs/*.md: %s' % ' '.join(sorted(names - named)))
    results.append((not why, 'every telemetry key written by name is in the docs', why))

    print('TAP version 13')
    print('1..%d' % len(results))
    failed = 0
    for n, (ok, name, why) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', n, name))
        for w in why:
            print('# ' + w)
        failed += not ok
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
