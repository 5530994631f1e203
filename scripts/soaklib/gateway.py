"""The gateway under test: its process, what /proc says about it, and its admin API."""

import http.client
import json
import os
import re
import resource
import subprocess
import time


class GatewayError(Exception):
    pass


class Gateway:
    def __init__(self, binary, config_path, workdir, open_file_limit):
        self.binary, self.config_path, self.open_file_limit = binary, config_path, open_file_limit
        self.log_path = os.path.join(workdir, "gateway.log")
        self.proc = None
        self.port = self.admin_port = None

    def check_config(self):
        done = subprocess.run([self.binary, "check", "--config", self.config_path],
                              capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise GatewayError(f"cors-gateway check refused the soak config:\n{done.stdout}{done.stderr}")

    def start(self, timeout=15.0):
        # One event loop and one curl thread: the gateway gets about one core, as the soak intends.
        argv = [self.binary, "serve", "--config", self.config_path, "--event-loops", "1",
                "--curl-threads", "1", "--drain-timeout-ms", "5000"]
        limit = self.open_file_limit
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit)))
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            text = self.log_text(limit=65536)
            listen = re.search(r"^listening on 127\.0\.0\.1:(\d+)$", text, re.M)
            admin = re.search(r"^admin listening on 127\.0\.0\.1:(\d+)$", text, re.M)
            if listen and admin:
                self.port, self.admin_port = int(listen.group(1)), int(admin.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise GatewayError(f"the gateway did not start:\n{self.log_text(limit=4000)}")

    def log_text(self, limit=None):
        with open(self.log_path, "rb") as f:
            return f.read(limit).decode("utf-8", "replace") if limit else f.read().decode("utf-8", "replace")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # /proc

    def rss_bytes(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise GatewayError("no VmRSS")

    def open_fds(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def runnable_seconds(self):
        """Seconds its threads spent running or waiting for a CPU: a busy loop accrues this at
        the wall-clock rate however busy the machine is (CPU time shrinks with contention)."""
        total = 0
        for task in os.listdir(f"/proc/{self.proc.pid}/task"):
            try:
                with open(f"/proc/{self.proc.pid}/task/{task}/schedstat") as f:
                    running, waiting = f.read().split()[:2]
            except OSError:
                continue  # a thread gone meanwhile
            total += int(running) + int(waiting)
        return total / 1e9

    # Admin API

    def admin(self, method, path, timeout=5.0):
        conn = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=timeout)
        try:
            conn.request(method, path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def metrics(self):
        """{(name, frozenset(labels)): value} from GET /metrics."""
        status, body = self.admin("GET", "/metrics")
        if status != 200:
            raise GatewayError(f"/metrics answered {status}")
        samples = {}
        for line in body.decode().splitlines():
            if not line or line.startswith("#"):
                continue
            match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$", line)
            if not match:
                continue
            labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(3) or ""))
            samples[(match.group(1), labels)] = float(match.group(4))
        return samples

    def config(self):
        status, body = self.admin("GET", "/config")
        if status != 200:
            raise GatewayError(f"/config answered {status}")
        return json.loads(body)

    def wait(self, timeout):
        """The exit code, or None when the process had to be killed after `timeout` seconds."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def stop(self, timeout=15.0):
        """SIGTERM; the exit code, or None when it had to be killed."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.terminate()
        return self.wait(timeout)


def gauge(samples, name):
    return samples.get((name, frozenset()), 0.0)


def counter(samples, name, **labels):
    want = set(labels.items())
    return sum(value for (n, ls), value in samples.items() if n == name and want <= set(ls))


TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2",
              "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN",
              "0B": "CLOSING"}


def describe_fds(pid, port_names):
    """What each open descriptor of `pid` is, sockets as `local → remote STATE` with known ports named."""
    sockets = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local, remote = (int(a.rsplit(":", 1)[1], 16) for a in fields[1:3])
                    sockets[fields[9]] = (local, remote, TCP_STATES.get(fields[3], fields[3]))
        except OSError:
            pass
    described = []
    for fd in sorted(os.listdir(f"/proc/{pid}/fd"), key=int):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        inode = re.match(r"socket:\[(\d+)\]", target)
        if inode and inode.group(1) in sockets:
            local, remote, state = sockets[inode.group(1)]
            target = (f"tcp {port_names.get(local, local)} → {port_names.get(remote, remote)} {state}")
        described.append(f"{fd}: {target}")
    return described
