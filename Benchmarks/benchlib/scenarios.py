"""The scenarios, what is measured around a load generator's run, and one wrk run against one
contestant (the h2load runs are in h2load.py)."""

import json
import os
import resource
import time
from dataclasses import dataclass

from .procs import BenchError, RssSampler, context_switches, cpu_seconds, cpu_times, run_to_end, tail

LUA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lua")


@dataclass
class Scenario:
    key: str
    title: str
    path: str
    script: str
    connections: int
    cores: int = 1
    # HTTPS + HTTP/2, loaded by h2load (benchlib/h2load.py); only the TLS contestants run these.
    tls: bool = False
    # h2load's concurrent streams per connection; 0: one request per connection (handshakes).
    streams: int = 0
    # h2load: a CORS preflight (H, K), or the actual GET of scenario A (G).
    preflight: bool = True


def scenarios(connections, many_connections, h2_connections=4, h2_streams=25, handshake_clients=100):
    return [
        Scenario("P", "preflight OPTIONS /fn/hello (edge)", "/fn/hello", "preflight.lua", connections),
        Scenario("A", "GET /fn/hello, proxied", "/fn/hello", "actual.lua", connections),
        Scenario("L", "GET /fn/big (1 MiB)", "/fn/big", "big.lua", connections),
        Scenario("U", "POST /fn/upload (256 KiB)", "/fn/upload", "upload.lua", connections),
        Scenario("C", f"{many_connections} keep-alive connections, GET /fn/hello", "/fn/hello", "actual.lua",
                 many_connections),
        # How the default configuration scales: both CPUs for the contestant, which shares CPU 1
        # with wrk and the backend; only the two-core contestants run it.
        Scenario("M", "GET /fn/hello, proxied, two cores", "/fn/hello", "actual.lua", connections, cores=2),
        # The preflight of P over HTTPS + HTTP/2 on a few long-lived connections, so that their
        # handshakes are a negligible part of the run; K measures the handshakes on their own.
        Scenario("H", f"preflight over HTTPS + HTTP/2 ({h2_connections} connections × {h2_streams} streams)",
                 "/fn/hello", "", h2_connections, tls=True, streams=h2_streams),
        # The actual GET of A over the same kind of connections as H: each stream is proxied.
        Scenario("G", f"GET /fn/hello, proxied, over HTTPS + HTTP/2 ({h2_connections} connections × {h2_streams} streams)",
                 "/fn/hello", "", h2_connections, tls=True, streams=h2_streams, preflight=False),
        Scenario("K", "TLS handshakes: one h2 preflight per new connection (req/s = handshakes/s)",
                 "/fn/hello", "", handshake_clients, tls=True),
    ]


class Probe:
    """What is measured around one load-generator run: the contestant's CPU time, context switches
    and peak RSS, the backend's CPU time, both CPUs' busy and softirq time, and the CPU of every
    child process waited for meanwhile (the load generator: they run one at a time)."""

    def __init__(self, contestant, backend, load_cpu=1):
        self.contestant, self.backend, self.load_cpu = contestant, backend, load_cpu

    def __enter__(self):
        c = self.contestant
        self.cpu0, self.cpu1 = cpu_times(0), cpu_times(self.load_cpu)
        self.own0, self.backend0 = cpu_seconds(c.pids), cpu_seconds(self.backend.pids)
        self.switches0 = context_switches(c.pids)
        self.children0 = _children_cpu()
        self.t0 = time.monotonic()
        self.rss = RssSampler(c.pids).__enter__()
        return self

    def __exit__(self, *exc):
        self.rss.__exit__(*exc)
        c = self.contestant
        self.wall = time.monotonic() - self.t0
        self.own = cpu_seconds(c.pids) - self.own0
        self.switches = context_switches(c.pids) - self.switches0
        self.backend_cpu = cpu_seconds(self.backend.pids) - self.backend0
        end0, end1 = cpu_times(0), cpu_times(self.load_cpu)
        self.busy0, self.soft0 = end0[0] - self.cpu0[0], end0[1] - self.cpu0[1]
        self.busy1, self.soft1 = end1[0] - self.cpu1[0], end1[1] - self.cpu1[1]
        self.load_cpu_s = _children_cpu() - self.children0

    def figures(self, requests):
        """The measured figures of a run that completed `requests` requests."""
        wall = self.wall
        return {
            "cpu_s": self.own,
            "cpu_us_per_req": self.own / requests * 1e6 if requests else 0.0,
            "switches_per_req": self.switches / requests if requests else 0.0,
            "rss_mib": self.rss.peak / 2**20,
            # Diagnostics: is the load side (wrk or h2load, and the backend, on CPU 1) or someone
            # else on CPU 0 the limit?
            "wrk_cpu_pct": 100 * self.load_cpu_s / wall,
            "backend_cpu_pct": 100 * self.backend_cpu / wall,
            "cpu1_busy_pct": 100 * self.busy1 / wall,
            "cpu1_other_pct": max(0.0, 100 * (self.busy1 - self.load_cpu_s - self.backend_cpu - self.soft1) / wall),
            "cpu0_softirq_pct": 100 * self.soft0 / wall,
            "cpu0_other_pct": max(0.0, 100 * (self.busy0 - self.own - self.soft0) / wall),
            "contestant_cpu_pct": 100 * self.own / wall,
        }


def run_wrk(scenario, contestant, backend, seconds, log_path, wrk="wrk", wrk_cpu=1):
    """Run wrk for `seconds` against `contestant`; return wrk's figures plus what was measured."""
    argv = [wrk, "-t1", f"-c{scenario.connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
            "-s", os.path.join(LUA_DIR, scenario.script), contestant.url + scenario.path]
    env = dict(os.environ, BENCH_LUA_DIR=LUA_DIR)
    with Probe(contestant, backend, wrk_cpu) as probe:
        run_to_end("wrk", argv, log_path, seconds, f"{contestant.name} ({scenario.key})", cpu=wrk_cpu, env=env)
    with open(log_path, errors="replace") as f:
        lines = [line for line in f if line.startswith("BENCH_JSON ")]
    if not lines:
        raise BenchError(f"wrk against {contestant.name} ({scenario.key}) printed no summary:\n" + tail(log_path))
    w = json.loads(lines[-1][len("BENCH_JSON "):])
    if not contestant.alive():
        raise BenchError(f"{contestant.name} died during {scenario.key}:\n" + tail(contestant.log))

    duration = w["duration_us"] / 1e6
    requests = w["requests"]
    return {
        "requests": requests,
        "rps": requests / duration if duration else 0.0,
        "mib_per_s": w["bytes"] / duration / 2**20 if duration else 0.0,
        "p50_ms": w["p50_us"] / 1000, "p90_ms": w["p90_us"] / 1000, "p99_ms": w["p99_us"] / 1000,
        "max_ms": w["max_us"] / 1000,
        **probe.figures(requests),
        "non2xx": w["non2xx"],
        "socket_errors": w["connect_errors"] + w["read_errors"] + w["write_errors"] + w["timeouts"],
        "error_detail": {k: w[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts", "non2xx")},
    }


def _children_cpu():
    """CPU time of waited-for children (load generators run one at a time, so the delta is theirs)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
