"""Child processes and what they leave: Run (every process, namespace and
DPDK file prefix a runner invocation started, undone at exit), waiting
for a line in a log, DPDK telemetry, shell commands, log tails for
failure messages."""
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

from .common import die, log


class Run:
    """Everything one runner invocation started, undone at exit."""

    def __init__(self, work, keep):
        self.work, self.keep = work, keep
        self.procs, self.netns, self.prefixes = [], [], []
        atexit.register(self.cleanup)
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, self._signal)

    def _signal(self, signum, frame):
        log("bench: interrupted")
        sys.exit(130)

    def start(self, cmd, logf, **kw):
        out = open(logf, "w")
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, **kw)
        out.close()
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGINT, wait=10):
        if p.poll() is None:
            try:
                p.send_signal(sig)
                p.wait(wait)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.procs:
            self.procs.remove(p)

    def prefix(self, name):
        pre = f"vpngw-bench-{os.getpid()}-{name}"
        self.prefixes.append(pre)
        return pre

    def cleanup(self):
        for p in list(self.procs):
            self.stop(p, signal.SIGTERM, 5)
        for ns in self.netns:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.netns = []
        for pre in self.prefixes:
            shutil.rmtree("/var/run/dpdk/" + pre, ignore_errors=True)
        if not self.keep:
            shutil.rmtree(self.work, ignore_errors=True)


def wait_for(path, text, p, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if p.poll() is not None:
            return False
        try:
            if text in open(path, errors="replace").read():
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


class Telemetry:
    """DPDK telemetry v2: JSON over SOCK_SEQPACKET."""

    def __init__(self, prefix, timeout):
        path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
        end = time.time() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > end:
                    raise
                time.sleep(0.1)
        self.s.recv(16384)

    def get(self, cmd):
        self.s.send(cmd.encode())
        return json.loads(self.s.recv(1 << 20).decode())[cmd.split(",")[0]]

    def close(self):
        self.s.close()


def log_tails(*paths, n=15):
    """The last n lines of each log, for a failure's message: the work
    directory is gone once the run ends (without --keep)."""
    out = []
    for p in paths:
        try:
            lines = open(p, errors="replace").read().splitlines()[-n:]
        except OSError as e:
            lines = [f"({e})"]
        out.append(f"--- {p}\n" + "\n".join(lines))
    return "\n".join(out)


def sh(*cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode != 0:
        die(" ".join(cmd) + ": " + r.stderr.strip())
    return r
