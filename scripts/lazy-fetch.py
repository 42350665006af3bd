#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""lazy-fetch.py HOST PORT DIR: fetch every PE_LAZY page of the pagemaps in
DIR from a `criu dump --lazy-pages` with PS_IOV_GET (page-server-proto.h),
the way a lazy-pages daemon would, in pieces of at most 512 pages, 64 in
flight; then PS_IOV_FLUSH_N_CLOSE. Prints pages, bytes and seconds. For
benchmarks of the dump's serving side (scripts/bench-lazy-dump.sh)."""
import glob, json, os, socket, struct, subprocess, sys, time

PS_IOV_GET, PS_IOV_FLUSH_N_CLOSE, PS_TYPE_PID, PE_LAZY = 7, 0x1024, 1, 2
HDR = struct.Struct("<IIQQ")


def lazy_pieces(folder):
    for pm in sorted(glob.glob(os.path.join(folder, "pagemap-*.img"))):
        pid = int(pm.rsplit("-", 1)[1].split(".")[0])
        out = subprocess.run(["crit", "decode", "-i", pm], check=True,
                             capture_output=True, text=True).stdout
        for e in json.loads(out)["entries"][1:]:
            if not e.get("flags", 0) & PE_LAZY:
                continue
            va, n = e["vaddr"], e["nr_pages"]
            while n:
                k = min(n, 512)
                yield pid, va, k
                va += k * 4096
                n -= k


def recv_all(sk, n):
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        r = sk.recv_into(view[got:])
        if not r:
            sys.exit("lazy-fetch: the dump closed the connection")
        got += r
    return buf


def main():
    host, port, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    pieces = list(lazy_pieces(folder))
    sk = socket.create_connection((host, port))
    sk.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t0 = time.monotonic()
    sent = done = pages = 0
    while done < len(pieces):
        while sent < len(pieces) and sent - done < 64:
            pid, va, n = pieces[sent]
            sk.sendall(HDR.pack(PS_IOV_GET, n, va, pid << 8 | PS_TYPE_PID))
            sent += 1
        cmd, n, va, _ = HDR.unpack(recv_all(sk, HDR.size))
        if n != pieces[done][2]:
            sys.exit("lazy-fetch: GET at %x answered with %d pages" % (va, n))
        recv_all(sk, n * 4096)
        pages += n
        done += 1
    sk.sendall(HDR.pack(PS_IOV_FLUSH_N_CLOSE, 0, 0, 0))
    recv_all(sk, 4)
    print("fetched %d pages (%d bytes) in %d GETs, %.3f s" %
          (pages, pages * 4096, len(pieces), time.monotonic() - t0))


main()
