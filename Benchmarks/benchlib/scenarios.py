"""The scenarios, and one wrk run against one contestant with CPU and RSS measured around it."""

import json
import os
import resource
import subprocess
import time
from dataclasses import dataclass

from .procs import BenchError, RssSampler, context_switches, cpu_seconds, cpu_times, start, stop, tail

LUA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lua")


@dataclass
class Scenario:
    key: str
    title: str
    path: str
    script: str
    connections: int
    cores: int = 1


def scenarios(connections, many_connections):
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
    ]


def run_wrk(scenario, contestant, backend, seconds, log_path, wrk="wrk", wrk_cpu=1):
    """Run wrk for `seconds` against `contestant`; return wrk's figures plus what was measured."""
    argv = [wrk, "-t1", f"-c{scenario.connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
            "-s", os.path.join(LUA_DIR, scenario.script), contestant.url + scenario.path]
    env = dict(os.environ, BENCH_LUA_DIR=LUA_DIR)
    cpu0, cpu1 = cpu_times(0), cpu_times(wrk_cpu)
    own0, backend0 = cpu_seconds(contestant.pids), cpu_seconds(backend.pids)
    switches0 = context_switches(contestant.pids)
    children0 = _children_cpu()
    t0 = time.monotonic()
    with RssSampler(contestant.pids) as rss:
        proc = start("wrk", argv, log_path, cpu=wrk_cpu, env=env)
        try:
            proc.wait(seconds + 60)
        except subprocess.TimeoutExpired:
            stop(proc)
            raise BenchError(f"wrk against {contestant.name} ({scenario.key}) did not finish") from None
        stop(proc)  # already exited: only forgets it
    wall = time.monotonic() - t0
    own = cpu_seconds(contestant.pids) - own0
    switches = context_switches(contestant.pids) - switches0
    backend_cpu = cpu_seconds(backend.pids) - backend0
    end0, end1 = cpu_times(0), cpu_times(wrk_cpu)
    busy0, soft0 = end0[0] - cpu0[0], end0[1] - cpu0[1]
    busy1, soft1 = end1[0] - cpu1[0], end1[1] - cpu1[1]
    wrk_cpu_s = _children_cpu() - children0

    if proc.returncode != 0:
        raise BenchError(f"wrk against {contestant.name} ({scenario.key}) exited {proc.returncode}:\n"
                         + tail(log_path))
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
        "cpu_s": own,
        "cpu_us_per_req": own / requests * 1e6 if requests else 0.0,
        "switches_per_req": switches / requests if requests else 0.0,
        "rss_mib": rss.peak / 2**20,
        "non2xx": w["non2xx"],
        "socket_errors": w["connect_errors"] + w["read_errors"] + w["write_errors"] + w["timeouts"],
        "error_detail": {k: w[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts", "non2xx")},
        # Diagnostics: is the load side (wrk + backend on CPU 1) or someone else on CPU 0 the limit?
        "wrk_cpu_pct": 100 * wrk_cpu_s / wall,
        "backend_cpu_pct": 100 * backend_cpu / wall,
        "cpu1_busy_pct": 100 * busy1 / wall,
        "cpu1_other_pct": max(0.0, 100 * (busy1 - wrk_cpu_s - backend_cpu - soft1) / wall),
        "cpu0_softirq_pct": 100 * soft0 / wall,
        "cpu0_other_pct": max(0.0, 100 * (busy0 - own - soft0) / wall),
        "contestant_cpu_pct": 100 * own / wall,
    }


def _children_cpu():
    """CPU time of waited-for children (wrk runs one at a time, so the delta is wrk's)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
