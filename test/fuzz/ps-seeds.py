#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# Seed sessions for ps-fuzz: what a dump sends a page server (CRIU's
# 24-byte headers, little-endian), written one file each into argv[1].
import os
import struct
import sys

PAGE = 4096
PID = 1234 << 8 | 1


def iov(cmd, nr=0, vaddr=0, dst=PID, flags=0):
    return struct.pack("<IIQQ", cmd | flags << 16, nr, vaddr, dst)


OPEN2, PARENT, ADD_F, ADD, HOLE, FLUSH, CLOSE = 4, 5, 6, 1, 2, 0x1023, 0x1024
seeds = {
    "plain": iov(OPEN2) + iov(ADD_F, 2, 0x10000, flags=4) + bytes(2 * PAGE) + iov(CLOSE),
    "parent": iov(PARENT) + iov(OPEN2) + iov(ADD_F, 4, 0x10000, flags=1) +
              iov(ADD_F, 1, 0x20000, flags=4) + b"\x55" * PAGE + iov(CLOSE),
    "old_cmds": iov(3) + iov(ADD, 1, 0x30000) + b"\xaa" * PAGE + iov(HOLE, 1, 0x20000) +
                iov(FLUSH) + iov(CLOSE),
    "lazy": iov(OPEN2) + iov(ADD_F, 3, 0x40000, flags=2) + iov(ADD_F, 1, 0x50000, flags=6) +
            bytes(PAGE) + iov(CLOSE),
    "two_pids": iov(OPEN2) + iov(ADD_F, 1, 0x1000, flags=4) + bytes(PAGE) +
                iov(OPEN2, dst=99 << 8 | 1) + iov(ADD_F, 1, 0x1000, dst=99 << 8 | 1, flags=4) +
                bytes(PAGE) + iov(FLUSH) + iov(CLOSE),
}
for name, data in seeds.items():
    with open(os.path.join(sys.argv[1], "ps-" + name), "wb") as f:
        f.write(data)
