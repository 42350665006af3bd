#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A redis client whose connection lives through a checkpoint.

redis-conn.py PORT READY_FILE: connects to 127.0.0.1:PORT, checks PING,
creates READY_FILE, waits for SIGUSR1 (sent after the restore), then
sends DBSIZE on the same connection and prints the number. Exit 1 with
the reason on stdout if the connection broke.
"""
import signal
import socket
import sys


def reply(f):
    line = f.readline()
    if not line:
        raise ConnectionError("connection closed by the server")
    return line.decode().rstrip("\r\n")


def main():
    port, ready = int(sys.argv[1]), sys.argv[2]
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        f = s.makefile("rb")
        s.sendall(b"PING\r\n")
        if reply(f) != "+PONG":
            raise ConnectionError("no PONG")
        open(ready, "w").close()
        signal.sigwait([signal.SIGUSR1])
        s.sendall(b"DBSIZE\r\n")
        r = reply(f)
        if not r.startswith(":"):
            raise ConnectionError("DBSIZE answered " + r)
        print(r[1:])
    except (OSError, ConnectionError) as e:
        print("error:", e)
        return 1
    return 0


sys.exit(main())
