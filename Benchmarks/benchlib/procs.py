"""Processes and /proc: start, stop, find free ports, read CPU time and RSS."""

import os
import signal
import socket
import subprocess
import threading
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

_started = []  # every Popen this run created, stopped by stop_all()


class BenchError(Exception):
    """A loud failure: bench.py prints it and exits non-zero."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(name, argv, log_path, cpu=None, env=None):
    """Start argv in its own session (so its whole group can be stopped), pinned with taskset."""
    if cpu is not None:
        argv = ["taskset", "-c", str(cpu)] + list(argv)
    log = open(log_path, "wb")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, env=env)
    log.close()
    proc.bench_name = name
    _started.append(proc)
    return proc


def stop(proc, timeout=8.0):
    """SIGTERM the process group, then SIGKILL what is left after `timeout` seconds."""
    if proc.poll() is None:
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    _signal_group(proc, signal.SIGKILL)  # stragglers in the group (e.g. nginx workers)
    try:
        proc.wait(2)
    except subprocess.TimeoutExpired:
        pass
    if proc in _started:
        _started.remove(proc)


def run_to_end(name, argv, log_path, seconds, what, cpu=None, env=None):
    """Runs a load generator meant to stop after `seconds` and waits for it (60 s of grace);
    BenchError naming `what` when it does not finish or exits non-zero."""
    proc = start(name, argv, log_path, cpu=cpu, env=env)
    try:
        proc.wait(seconds + 60)
    except subprocess.TimeoutExpired:
        stop(proc)
        raise BenchError(f"{name} against {what} did not finish") from None
    stop(proc)  # already exited: only forgets it
    if proc.returncode != 0:
        raise BenchError(f"{name} against {what} exited {proc.returncode}:\n" + tail(log_path))


def stop_all():
    for proc in reversed(list(_started)):
        stop(proc)


def _signal_group(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def wait_for_port(proc, port, log_path, timeout=20.0, ready_line=None):
    """Wait until `port` accepts (and `ready_line` appeared in the log, if given)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"{proc.bench_name} exited with {proc.returncode} while starting:\n"
                             + tail(log_path))
        if ready_line is None or ready_line in _read(log_path):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                pass
        time.sleep(0.05)
    raise BenchError(f"{proc.bench_name} did not listen on 127.0.0.1:{port} within {timeout:.0f} s:\n"
                     + tail(log_path))


def _read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def tail(path, lines=15):
    return "\n".join(_read(path).splitlines()[-lines:])


# ---- /proc ----------------------------------------------------------------------------------

def process_tree(pid):
    """pid and all its descendants (nginx: master + worker)."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return pids


def cpu_seconds(pids):
    """utime + stime of these processes (all their threads), in seconds."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)
        except (OSError, IndexError):
            pass
    return total / CLOCK_TICKS


def context_switches(pids):
    """Voluntary + involuntary context switches of every thread of these processes. On one pinned
    core every hand-off between threads (event loop, curl thread, log writer) is one."""
    total = 0
    for p in pids:
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                with open(f"/proc/{p}/task/{t}/status") as f:
                    for line in f:
                        if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                            total += int(line.split()[1])
            except (OSError, ValueError):
                pass
    return total


def rss_bytes(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return total


def cpu_times(cpu):
    """(non-idle, softirq) seconds of one CPU since boot, all processes, from /proc/stat.

    Loopback TCP receive work runs in softirq on the sending CPU and is charged to no process.
    """
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith(f"cpu{cpu} "):
                v = [int(x) for x in line.split()[1:9]]  # user nice system idle iowait irq softirq steal
                return (sum(v) - v[3] - v[4]) / CLOCK_TICKS, v[6] / CLOCK_TICKS
    raise BenchError(f"cpu{cpu} not in /proc/stat")


class RssSampler:
    """Samples the summed VmRSS of `pids` every `interval` s in a thread; keeps the peak."""

    def __init__(self, pids, interval=0.1):
        self.pids, self.interval, self.peak = pids, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while True:
            self.peak = max(self.peak, rss_bytes(self.pids))
            if self._stop.wait(self.interval):
                return
