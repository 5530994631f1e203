"""The backend and the contestants: render their configs, validate, start, stop."""

import json
import os
import re
import subprocess

from .procs import BenchError, free_port, process_tree, start, stop, wait_for_port
from .tls import certificate

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "config")

BIG_BYTES = 1024 * 1024


def render(template, out_path, **values):
    """Copy config/<template> to out_path with every {{NAME}} replaced; all must be given."""
    with open(os.path.join(CONFIG_DIR, template)) as f:
        text = f.read()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", str(value))
    left = sorted(set(re.findall(r"\{\{([A-Z_]+)\}\}", text)))
    if left:
        raise BenchError(f"{template}: no value for {', '.join(left)}")
    with open(out_path, "w") as f:
        f.write(text)
    return out_path


def validate(name, argv):
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise BenchError(f"{name}: config check `{' '.join(argv)}` failed:\n{result.stdout}")


class Server:
    """One started server: `pids` (whole process tree) are what CPU and RSS are measured on.
    `cores` is how many CPUs it may use: 1 (pinned to CPU 0) for every scenario but M, 2 for M.
    `tls`: it listens for HTTPS + HTTP/2 only, and runs only the TLS scenarios (H, K)."""

    name = "?"
    cores = 1
    tls = False
    # The scenario letters it runs, when not every scenario of its kind.
    only = None

    def __init__(self, workdir, cpu):
        self.dir = os.path.join(workdir, self.key)
        os.makedirs(self.dir, exist_ok=True)
        self.cpu, self.port, self.proc, self.pids = cpu, free_port(), None, []
        self.log = os.path.join(self.dir, "output.log")

    @property
    def url(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def certificate(self):
        """(chain, key): the one certificate all TLS contestants share, in the run's temp dir."""
        return certificate(os.path.dirname(self.dir))

    def launch(self, argv, ready_line=None):
        self.proc = start(self.name, argv, self.log, cpu=self.cpu)
        wait_for_port(self.proc, self.port, self.log, ready_line=ready_line)
        self.pids = process_tree(self.proc.pid)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is not None:
            stop(self.proc)


class Backend(Server):
    name, key = "backend nginx", "backend"

    def __init__(self, workdir, cpu, nginx):
        super().__init__(workdir, cpu)
        self.workdir, self.nginx = workdir, nginx

    def start(self):
        www = os.path.join(self.workdir, "www", "fn")
        os.makedirs(www, exist_ok=True)
        with open(os.path.join(www, "big"), "wb") as f:
            f.write(os.urandom(BIG_BYTES))
        conf = render("backend-nginx.conf", os.path.join(self.dir, "nginx.conf"),
                      DIR=self.workdir, PORT=self.port, SINK_PORT=free_port())
        argv = [self.nginx, "-p", self.dir, "-e", os.path.join(self.dir, "error.log"), "-c", conf]
        validate(self.name, argv + ["-t", "-q"])
        self.launch(argv)


class Proxy(Server):
    """A contestant: `binary` in front of the backend nginx on `backend_port`."""

    def __init__(self, workdir, cpu, binary, backend_port):
        super().__init__(workdir, cpu)
        self.binary, self.backend_port = binary, backend_port

    def require_built(self):
        """BenchError unless `binary` is an executable (`make bench` builds ours)."""
        if not os.access(self.binary, os.X_OK):
            raise BenchError(f"{self.name}: no executable at {self.binary} (build it first: make bench)")


class Gateway(Proxy):
    """cors-gateway as `make bench` has always measured it: access log and config watch off."""
    name, key = "cors-gateway", "gateway"
    flags = ["--no-access-log", "--no-watch-config"]

    def start(self):
        self.require_built()
        conf = render("gateway.json", os.path.join(self.dir, "gateway.json"),
                      LISTEN=json.dumps(self.listen_entry()), BACKEND_PORT=self.backend_port)
        validate(self.name, [self.binary, "check", "--config", conf])
        kind = "tls " if self.tls else ""
        self.launch([self.binary, "serve", "--config", conf] + self.flags,
                    ready_line=f"{kind}listening on 127.0.0.1:{self.port}")

    def listen_entry(self):
        return f"127.0.0.1:{self.port}"


class DefaultGateway(Gateway):
    """cors-gateway as users run it: no flags, so the access log (to stdout, here a file) and the
    config watch are on."""
    name, key = "cors-gateway (default)", "gateway-default"
    flags = []


class TwoCoreGateway(DefaultGateway):
    """The default configuration on both CPUs (two event loops), for scenario M."""
    name, key = "cors-gateway (2 cores)", "gateway-2core"
    flags = ["--event-loops", "2"]
    cores = 2


class TlsGateway(Gateway):
    """cors-gateway as measured in P (access log and config watch off, so no certificate watch
    either) behind a TLS listener offering h2, then http/1.1: for scenarios H and K."""
    name, key = "cors-gateway (TLS)", "gateway-tls"
    tls = True

    def listen_entry(self):
        chain, key = self.certificate()
        return {"address": f"127.0.0.1:{self.port}",
                "tls": {"certificates": [{"certificateChain": chain, "privateKey": key}],
                        "minimumVersion": "1.2", "alpn": ["h2", "http/1.1"]}}


class Nginx(Proxy):
    """nginx with `access_log off`, the fastest it goes."""
    name, key = "nginx", "nginx"
    access_log = "off"
    workers = 1

    def __init__(self, workdir, cpu, binary, backend_port):
        super().__init__(workdir, cpu, binary, backend_port)
        self.workdir = workdir

    def start(self):
        conf = render("nginx.conf", os.path.join(self.dir, "nginx.conf"),
                      DIR=self.dir, PORT=self.port, BACKEND_PORT=self.backend_port,
                      ACCESS_LOG=self.access_log.replace("{DIR}", self.dir), WORKERS=self.workers,
                      LISTEN_TLS=" ssl http2" if self.tls else "", TLS=self.tls_directives())
        argv = [self.binary, "-p", self.dir, "-e", os.path.join(self.dir, "error.log"), "-c", conf]
        validate(self.name, argv + ["-t", "-q"])
        self.launch(argv)

    def tls_directives(self):
        return ""


class LoggingNginx(Nginx):
    """nginx with its access log on (combined format, unbuffered: one write per request), the fair
    peer for the gateway's default configuration."""
    name, key = "nginx (access log)", "nginx-log"
    access_log = "{DIR}/access.log"


class TwoCoreNginx(LoggingNginx):
    """nginx with its access log and two workers on both CPUs, the peer of cors-gateway (2 cores)."""
    name, key = "nginx (2 workers)", "nginx-2core"
    workers = 2
    cores = 2


class TlsNginx(Nginx):
    """nginx (access log off) on `listen … ssl http2` with the gateway's certificate, TLS versions
    and stream limit: the peer of cors-gateway (TLS)."""
    name, key = "nginx (TLS)", "nginx-tls"
    tls = True

    def tls_directives(self):
        chain, key = self.certificate()
        return "\n".join(f"        {line}" for line in [
            f"ssl_certificate {chain};",
            f"ssl_certificate_key {key};",
            "ssl_protocols TLSv1.2 TLSv1.3;",
            "http2_max_concurrent_streams 100;",
        ])


class CurlFloor(Proxy):
    """Benchmarks/floor/curl-floor.c: a minimal proxy that forwards through libcurl's multi
    interface on one thread, with the access log on. What it spends is the floor for any proxy with
    libcurl in its data path; it runs only the small proxied GETs (A, C) it was written for."""
    name, key = "libcurl floor", "curl-floor"
    only = "AC"

    def start(self):
        self.require_built()
        self.launch([self.binary, str(self.port), str(self.backend_port)],
                    ready_line=f"listening on 127.0.0.1:{self.port}")


class HAProxy(Proxy):
    name, key = "haproxy", "haproxy"

    def start(self):
        conf = render("haproxy.cfg", os.path.join(self.dir, "haproxy.cfg"),
                      PORT=self.port, BACKEND_PORT=self.backend_port)
        validate(self.name, [self.binary, "-c", "-q", "-f", conf])
        self.launch([self.binary, "-db", "-f", conf])
