# SPDX-License-Identifier: GPL-2.0
"""A minimal RPC client of criu's swrk/service, on python3-protobuf and the
rpc.proto of this tree compiled by protoc (into gen/, by the Makefile)."""
import array
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'gen'))
import rpc_pb2  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CRIU = os.environ.get('CRIU', os.path.join(TOP, 'criu', 'criu'))


class Swrk:
    """criu swrk on one end of a socketpair, as libcriu starts it."""

    def __init__(self, criu=CRIU):
        self.sk, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sk.settimeout(120)  # a session that never answers fails the test
        self.proc = subprocess.Popen([criu, 'swrk', str(theirs.fileno())],
                                     pass_fds=[theirs.fileno()])
        theirs.close()

    def send_raw(self, data):
        self.sk.send(data)

    def send(self, req):
        self.sk.send(req.SerializeToString())

    def recv(self, want_fd=False):
        fds = array.array('i')
        msg, anc, _, _ = self.sk.recvmsg(1 << 20, socket.CMSG_SPACE(4))
        for level, typ, data in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                fds.frombytes(data[:4])
        if not msg:
            raise EOFError('criu closed the session')
        resp = rpc_pb2.criu_resp()
        resp.ParseFromString(msg)
        if want_fd:
            return resp, (fds[0] if fds else -1)
        return resp

    def call(self, req, notify=None):
        """Send @req, answer NOTIFY replies with notify(script, pid, fd)."""
        self.send(req)
        while True:
            resp, fd = self.recv(want_fd=True)
            if resp.type != rpc_pb2.NOTIFY:
                return resp
            ok = notify(resp.notify.script, resp.notify.pid, fd) if notify else True
            ack = rpc_pb2.criu_req(type=rpc_pb2.NOTIFY, notify_success=ok)
            self.send(ack)

    def close(self):
        self.sk.close()
        return self.proc.wait(timeout=30)


def req(type_, **opts):
    r = rpc_pb2.criu_req(type=type_)
    if opts:
        for k, v in opts.items():
            setattr(r.opts, k, v)
        if 'images_dir_fd' not in opts:
            r.opts.images_dir_fd = -1
    return r
