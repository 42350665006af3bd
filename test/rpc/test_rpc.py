#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""RPC tests through python3-protobuf: one line per test, then the counts."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import rpcclient as rc
from rpcclient import rpc_pb2 as pb

HERE = os.path.dirname(os.path.abspath(__file__))
VICTIM = os.path.join(HERE, 'victim')
results = []


class Fail(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Fail(what)


def one(req, notify=None):
    s = rc.Swrk()
    try:
        return s.call(req, notify)
    finally:
        s.close()


class Victim:
    def __init__(self, tmp):
        self.log = os.path.join(tmp, 'victim.log')
        self.proc = subprocess.Popen([VICTIM, self.log], start_new_session=True,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.pid = self.proc.pid
        try:
            self.wait_lines(3)
        except Exception:
            self.kill()
            raise

    def lines(self):
        try:
            with open(self.log) as f:
                return f.read().split()
        except FileNotFoundError:
            return []

    def wait_lines(self, n, after=0):
        for _ in range(500):
            ls = self.lines()
            if 'BAD' in ls:
                raise Fail('victim found a lost write: %s' % ls[-3:])
            nums = [int(x) for x in ls if x.isdigit()]
            if len(nums) >= n and nums[-1] > after:
                return nums[-1]
            time.sleep(0.01)
        raise Fail('victim log stopped at %s' % self.lines()[-3:])

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=5)
        except (ChildProcessError, subprocess.TimeoutExpired):
            pass


def dir_fd(path):
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY)


def test_version():
    r = one(rc.req(pb.VERSION))
    expect(r.success and r.type == pb.VERSION, 'VERSION failed: %s' % r)
    expect((r.version.major_number, r.version.minor_number) == (4, 2),
           'version %d.%d' % (r.version.major_number, r.version.minor_number))
    expect('criu-ooh' in r.version.gitid, 'gitid %r' % r.version.gitid)


def test_check():
    r = one(rc.req(pb.CHECK))
    expect(r.success and r.type == pb.CHECK, 'CHECK failed: %s' % r)


def kernel_tracks():
    out = subprocess.run([rc.CRIU, 'check', '--feature', 'mem_dirty_track'],
                         capture_output=True, text=True)
    return out.returncode == 0


def test_feature_check():
    q = rc.req(pb.FEATURE_CHECK)
    q.features.mem_track = True
    q.features.lazy_pages = True
    q.features.pidfd_store = True
    r = one(q)
    expect(r.success and r.type == pb.FEATURE_CHECK, 'FEATURE_CHECK failed: %s' % r)
    expect(r.features.HasField('mem_track') and r.features.mem_track == kernel_tracks(),
           'mem_track %s, criu check says %s' % (r.features.mem_track, kernel_tracks()))
    expect(r.features.HasField('lazy_pages') and not r.features.lazy_pages,
           'lazy_pages claimed')
    expect(r.features.HasField('pidfd_store') and not r.features.pidfd_store,
           'pidfd_store claimed')


def test_chain_restore(tmp):
    """pre-dump, pre-dump with parent_img, dump with parent_img, restore."""
    v = Victim(tmp)
    dirs = [os.path.join(tmp, d) for d in ('pre1', 'pre2', 'final')]
    for d in dirs:
        os.mkdir(d)
    notes = []
    try:
        s = rc.Swrk()
        fd = dir_fd(dirs[0])
        r = s.call(rc.req(pb.PRE_DUMP, pid=v.pid, images_dir_fd=fd, track_mem=True,
                          log_file='pre.log', log_level=4))
        os.close(fd)
        expect(r.success and r.type == pb.PRE_DUMP, 'first PRE_DUMP: %s' % r)
        v.wait_lines(0, v.wait_lines(1) + 2)
        # The same session goes on: PRE_DUMP again, then DUMP.
        fd = dir_fd(dirs[1])
        r = s.call(rc.req(pb.PRE_DUMP, pid=v.pid, images_dir_fd=fd, track_mem=True,
                          parent_img='../pre1', log_file='pre.log', log_level=4))
        os.close(fd)
        expect(r.success, 'second PRE_DUMP: %s' % r)
        expect(os.readlink(os.path.join(dirs[1], 'parent')) == '../pre1',
               'pre2 has no parent link')
        last = v.wait_lines(0, v.wait_lines(1) + 2)
        fd = dir_fd(dirs[2])
        r = s.call(rc.req(pb.DUMP, pid=v.pid, images_dir_fd=fd, track_mem=True,
                          parent_img='../pre2', log_file='dump.log', log_level=4),
                   notify=lambda sc, pid, f: notes.append(sc) or True)
        os.close(fd)
        expect(r.success and r.type == pb.DUMP, 'DUMP: %s' % r)
        s.close()
        v.proc.wait(timeout=5)
        last = v.wait_lines(1)
        expect(os.path.exists(os.path.join(dirs[2], 'pagemap-%d.img' % v.pid)),
               'no pagemap image')
        s = rc.Swrk()
        fd = dir_fd(dirs[2])
        r = s.call(rc.req(pb.RESTORE, images_dir_fd=fd, log_file='restore.log',
                          log_level=4))
        os.close(fd)
        expect(r.success and r.type == pb.RESTORE, 'RESTORE: %s' % r)
        expect(r.restore.pid == v.pid, 'restored pid %d, dumped %d' % (r.restore.pid, v.pid))
        s.close()
        after = v.wait_lines(1, last + 3)
        expect(after > last, 'restored process does not run on')
        with open('/proc/%d/cmdline' % v.pid) as f:
            expect(VICTIM in f.read(), 'pid %d is not the victim' % v.pid)
    finally:
        v.kill()
        try:
            os.kill(v.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def expect_refusal(r, type_, words):
    expect(not r.success, 'request succeeded: %s' % r)
    expect(r.type == type_, 'reply type %d, not %d' % (r.type, type_))
    expect(r.cr_errno != 0, 'no cr_errno')
    for w in words:
        expect(w in r.cr_errmsg, 'cr_errmsg %r does not name %r' % (r.cr_errmsg, w))


def test_unsupported_fields(tmp):
    v = Victim(tmp)
    try:
        fd = dir_fd(tmp)
        q = rc.req(pb.DUMP, pid=v.pid, images_dir_fd=fd, evasive_devices=True,
                   root='/', file_locks=False)
        q.opts.external.append('mnt[]:m')
        r = one(q)
        os.close(fd)
        expect_refusal(r, pb.DUMP, ['evasive_devices', 'root', 'external', '--evasive-devices'])
        expect('file_locks' not in r.cr_errmsg, 'a false bool counted as used')
        expect(os.path.exists('/proc/%d' % v.pid), 'victim gone after a refused dump')
        v.wait_lines(0, v.wait_lines(1) + 1)
        expect(not os.path.exists(os.path.join(tmp, 'inventory.img')), 'images written')
    finally:
        v.kill()


def test_refused_requests():
    for t, word in ((pb.PAGE_SERVER, 'page server'), (pb.PAGE_SERVER_CHLD, 'page server'),
                    (pb.CPUINFO_DUMP, 'CPU'), (pb.CPUINFO_CHECK, 'CPU')):
        r = one(rc.req(t))
        expect_refusal(r, t, [word])
    r = one(rc.req(pb.NOTIFY))
    expect_refusal(r, pb.EMPTY, ['NOTIFY'])
    q = rc.req(pb.DUMP)
    q.keep_open = True
    expect_refusal(one(q), pb.DUMP, ['keep_open'])


def test_bad_input():
    s = rc.Swrk()
    s.send_raw(b'\xff\x01garbage')
    expect_refusal(s.recv(), pb.EMPTY, ['not a criu_req'])
    s.close()
    whole = rc.req(pb.DUMP, pid=1, images_dir_fd=-1, log_file='x.log').SerializeToString()
    s = rc.Swrk()
    s.send_raw(whole[:len(whole) // 2])
    expect_refusal(s.recv(), pb.EMPTY, ['not a criu_req'])
    s.close()
    # A valid request with keep_open, then garbage: the session answers both.
    s = rc.Swrk()
    q = rc.req(pb.VERSION)
    q.keep_open = True
    r = s.call(q)
    expect(r.success, 'VERSION with keep_open failed')
    s.send_raw(b'\x08')
    expect_refusal(s.recv(), pb.EMPTY, ['not a criu_req'])
    s.close()


def test_bad_descriptor(tmp):
    r = one(rc.req(pb.DUMP, pid=1, images_dir_fd=987))
    expect_refusal(r, pb.DUMP, ['descriptor 987'])
    fd = dir_fd(tmp)
    r = one(rc.req(pb.DUMP, pid=1, images_dir_fd=fd, log_file='sub/dump.log'))
    os.close(fd)
    expect_refusal(r, pb.DUMP, ['sub/dump.log', 'no folders'])


def test_wait_pid():
    s = rc.Swrk()
    r = s.call(rc.req(pb.WAIT_PID))
    expect_refusal(r, pb.WAIT_PID, ['no pid'])
    s.close()


def test_service(tmp):
    sock = os.path.join(tmp, 'criu.sock')
    pidf = os.path.join(tmp, 'service.pid')
    subprocess.run([rc.CRIU, 'service', '--address', sock, '--daemon', '--pidfile', pidf],
                   check=True, timeout=10)
    try:
        spid = int(open(pidf).read())
    except (OSError, ValueError) as e:
        raise Fail('no pidfile from criu service -d: %s' % e)
    try:
        import socket
        def conn():
            c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            c.connect(sock)
            return c
        c = conn()
        c.send(b'\xde\xad\xbe\xef')
        r = pb.criu_resp()
        r.ParseFromString(c.recv(4096))
        expect_refusal(r, pb.EMPTY, ['not a criu_req'])
        c.close()
        c = conn()
        c.send(rc.req(pb.VERSION).SerializeToString())
        r = pb.criu_resp()
        r.ParseFromString(c.recv(4096))
        expect(r.success and r.version.major_number == 4, 'service VERSION: %s' % r)
        c.close()
        # The client's descriptors are found through its pid (SO_PEERCRED).
        v = Victim(tmp)
        try:
            c = conn()
            fd = dir_fd(tmp)
            c.send(rc.req(pb.DUMP, pid=v.pid, images_dir_fd=fd, leave_running=True,
                          log_file='dump.log').SerializeToString())
            r = pb.criu_resp()
            r.ParseFromString(c.recv(4096))
            os.close(fd)
            c.close()
            expect(r.success and r.type == pb.DUMP, 'service DUMP: %s' % r)
            expect(os.path.exists(os.path.join(tmp, 'pagemap-%d.img' % v.pid)),
                   'no images from the service')
            v.wait_lines(0, v.wait_lines(1) + 1)
        finally:
            v.kill()
        expect(os.path.exists('/proc/%d' % spid), 'service died')
    finally:
        os.kill(spid, signal.SIGTERM)


def test_notify_pid(tmp):
    v = Victim(tmp)
    got = []
    try:
        fd = dir_fd(tmp)
        r = one(rc.req(pb.DUMP, pid=v.pid, images_dir_fd=fd, notify_scripts=True),
                notify=lambda sc, pid, f: got.append(sc) or True)
        expect(r.success, 'DUMP: %s' % r)
        expect(got == ['pre-dump', 'post-dump'], 'dump notifications %s' % got)
        v.proc.wait(timeout=5)
        got.clear()
        pids = []
        r = one(rc.req(pb.RESTORE, images_dir_fd=fd, notify_scripts=True),
                notify=lambda sc, pid, f: got.append(sc) or pids.append(pid) or True)
        os.close(fd)
        expect(r.success and r.restore.pid == v.pid, 'RESTORE: %s' % r)
        # CRIU notifies every step, pre-resume too
        expect(got == ['pre-restore', 'post-restore', 'pre-resume', 'post-resume'],
               'restore notifications %s' % got)
        expect(pids[1] == v.pid, 'post-restore carries pid %d, not %d' % (pids[1], v.pid))
        # A client that answers a notification with failure fails the restore.
    finally:
        v.kill()


def test_single_pre_dump(tmp):
    v = Victim(tmp)
    try:
        s = rc.Swrk()
        fd = dir_fd(tmp)
        r = s.call(rc.req(pb.SINGLE_PRE_DUMP, pid=v.pid, images_dir_fd=fd, track_mem=True))
        os.close(fd)
        expect(r.success and r.type == pb.SINGLE_PRE_DUMP, 'SINGLE_PRE_DUMP: %s' % r)
        expect(os.path.exists(os.path.join(tmp, 'pagemap-%d.img' % v.pid)), 'no pagemap')
        s.sk.settimeout(10)
        try:
            s.recv()
            raise Fail('session still open after SINGLE_PRE_DUMP')
        except EOFError:
            pass
        except OSError as e:
            raise Fail('session still open after SINGLE_PRE_DUMP: %s' % e)
        s.close()
        v.wait_lines(0, v.wait_lines(1) + 1)
    finally:
        v.kill()


def page_pipes(folder):
    out = subprocess.run(['crit', 'decode', '-i', os.path.join(folder, 'stats-dump')],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)['entries'][0]['dump'].get('page_pipes', 0)


def test_pre_dump_mode(tmp):
    """pre_dump_mode VM_READ copies with process_vm_readv: no page pipes."""
    v = Victim(tmp)
    try:
        for mode, want_pipes in ((pb.SPLICE, True), (pb.VM_READ, False)):
            d = os.path.join(tmp, str(mode))
            os.mkdir(d)
            fd = dir_fd(d)
            r = one(rc.req(pb.SINGLE_PRE_DUMP, pid=v.pid, images_dir_fd=fd,
                           pre_dump_mode=mode))
            os.close(fd)
            expect(r.success, 'pre-dump with mode %d: %s' % (mode, r))
            n = page_pipes(d)
            expect((n > 0) == want_pipes, 'mode %d: %d page pipes' % (mode, n))
        v.wait_lines(0, v.wait_lines(1) + 1)
    finally:
        v.kill()


def test_notify_refusal(tmp):
    v = Victim(tmp)
    try:
        fd = dir_fd(tmp)
        r = one(rc.req(pb.PRE_DUMP, pid=v.pid, images_dir_fd=fd, notify_scripts=True),
                notify=lambda sc, pid, f: sc != 'pre-dump')
        os.close(fd)
        expect_refusal(r, pb.PRE_DUMP, ['pre-dump'])
        expect(not os.path.exists(os.path.join(tmp, 'inventory.img')), 'images written')
        v.wait_lines(0, v.wait_lines(1) + 1)
    finally:
        v.kill()


def main():
    tmp_root = tempfile.mkdtemp(prefix='rpc-test-')
    tests = [(n, f) for n, f in globals().items() if n.startswith('test_')]
    only = sys.argv[1:]
    passed = failed = 0
    for name, fn in tests:
        if only and name[5:] not in only:
            continue
        tmp = os.path.join(tmp_root, name)
        os.mkdir(tmp)
        try:
            fn(tmp) if fn.__code__.co_argcount else fn()
            print('PASS python/%s' % name[5:])
            passed += 1
        except Exception as e:  # noqa: BLE001 (a test's failure of any kind)
            print('FAIL python/%s: %s' % (name[5:], e))
            failed += 1
        sys.stdout.flush()
    shutil.rmtree(tmp_root, ignore_errors=True)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
