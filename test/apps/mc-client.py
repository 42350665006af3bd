#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A small client of memcached's text protocol, for the apps tier.

  mc-client.py fill  PORT MANIFEST N   set N keys, write MANIFEST
  mc-client.py churn PORT MANIFEST     rewrite and read back random keys
                                       until SIGTERM, then write MANIFEST
  mc-client.py check PORT MANIFEST     every key of MANIFEST returned with
                                       its value; exit 1 naming what is not
  mc-client.py break PORT MANIFEST     one key rewritten with a value that
                                       MANIFEST does not expect (run.sh --break)

Each value is a function of its key and generation (how many times it
was rewritten), so the manifest only keeps the generation of each key.
Values are 10 bytes to 4 KiB, some with flags, so that several slab
classes hold data.
"""
import hashlib
import json
import random
import signal
import socket
import sys


def value(key, gen):
    h = hashlib.sha256(("%s/%d" % (key, gen)).encode()).digest()
    size = 10 + int.from_bytes(h[:2], "little") % 4086
    return (h * (size // len(h) + 1))[:size]


def flags(key, gen):
    return (len(key) + gen) % 7


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.f = self.s.makefile("rb")

    def line(self):
        ln = self.f.readline()
        if not ln:
            raise ConnectionError("connection closed by memcached")
        return ln.rstrip(b"\r\n")

    def set(self, key, gen):
        v = value(key, gen)
        self.s.sendall(b"set %s %d 0 %d\r\n%s\r\n" %
                       (key.encode(), flags(key, gen), len(v), v))
        r = self.line()
        if r != b"STORED":
            raise ConnectionError("set %s: %s" % (key, r.decode()))

    def get_many(self, keys):
        """{key: (flags, value)} for those of keys memcached returns."""
        self.s.sendall(b"get " + b" ".join(k.encode() for k in keys) + b"\r\n")
        got = {}
        while True:
            r = self.line()
            if r == b"END":
                return got
            parts = r.split()
            if parts[0] != b"VALUE":
                raise ConnectionError("get: " + r.decode())
            data = self.f.read(int(parts[3]) + 2)[:-2]
            got[parts[1].decode()] = (int(parts[2]), data)


def fill(port, manifest, n):
    c = Conn(port)
    gens = {}
    for i in range(n):
        key = "key-%06d" % i
        c.set(key, 0)
        gens[key] = 0
    save(manifest, gens)


stop = False


def on_term(signum, frame):
    global stop
    stop = True


def churn(port, manifest):
    signal.signal(signal.SIGTERM, on_term)
    gens = load(manifest)
    keys = list(gens)
    c = Conn(port)
    ops = 0
    while not stop:
        key = random.choice(keys)
        c.set(key, gens[key] + 1)
        gens[key] += 1
        probe = random.choice(keys)
        got = c.get_many([probe])
        if got.get(probe) != (flags(probe, gens[probe]), value(probe, gens[probe])):
            print("churn: %s read back wrong" % probe)
            return 1
        ops += 2
    save(manifest, gens)
    print("churn: %d operations" % ops)
    return 0


def check(port, manifest):
    gens = load(manifest)
    keys = sorted(gens)
    c = Conn(port)
    missing, wrong = [], []
    for i in range(0, len(keys), 100):
        batch = keys[i:i + 100]
        got = c.get_many(batch)
        for k in batch:
            if k not in got:
                missing.append(k)
            elif got[k] != (flags(k, gens[k]), value(k, gens[k])):
                wrong.append(k)
    if missing or wrong:
        print("%d of %d keys missing (first %s), %d with a wrong value (first %s)" %
              (len(missing), len(keys), missing[:3], len(wrong), wrong[:3]))
        return 1
    print("all %d keys returned" % len(keys))
    return 0


def damage(port, manifest):
    gens = load(manifest)
    key = sorted(gens)[len(gens) // 2]
    Conn(port).set(key, gens[key] + 1)
    return 0


def save(path, gens):
    with open(path, "w") as f:
        json.dump(gens, f)


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    cmd, port, manifest = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    try:
        if cmd == "fill":
            fill(port, manifest, int(sys.argv[4]))
            return 0
        if cmd == "churn":
            return churn(port, manifest)
        if cmd == "check":
            return check(port, manifest)
        if cmd == "break":
            return damage(port, manifest)
    except (OSError, ConnectionError) as e:
        print("%s: %s" % (cmd, e))
        return 1
    print("usage: mc-client.py fill|churn|check|break PORT MANIFEST [N]")
    return 2


sys.exit(main())
