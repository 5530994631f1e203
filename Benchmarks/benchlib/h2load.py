"""The HTTPS + HTTP/2 scenarios, loaded by h2load (nghttp2-client): preflights (H) and proxied GETs
(G) over long-lived connections, and handshakes, one preflight per new connection (K)."""

import os
import re
import statistics
import time

from .procs import BenchError, run_to_end, tail
from .scenarios import Probe

# The preflight of scenario P (Benchmarks/lua/preflight.lua), as h2load header options.
PREFLIGHT = [":method: OPTIONS", "origin: https://app.example.com",
             "access-control-request-method: POST", "access-control-request-headers: content-type"]
# The actual request of scenario A (Benchmarks/lua/actual.lua).
ACTUAL = ["origin: https://x.example.org"]

FINISHED = re.compile(r"^finished in ([0-9.]+)(ms|s),", re.M)
REQUESTS = re.compile(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                      r"(\d+) errored, (\d+) timeout", re.M)
STATUSES = re.compile(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", re.M)
PROTOCOL = re.compile(r"^Application protocol: (\S+)", re.M)


def h2load_argv(h2load, scenario, contestant, *options):
    argv = [h2load, "-t1", f"-c{scenario.connections}", *options]
    for header in PREFLIGHT if scenario.preflight else ACTUAL:
        argv += ["-H", header]
    return argv + [contestant.url + scenario.path]


def parse(text, what):
    """h2load's summary -> dict; raises BenchError (naming `what`) when it is missing or not h2."""
    finished, requests, statuses = FINISHED.search(text), REQUESTS.search(text), STATUSES.search(text)
    if not (finished and requests and statuses):
        raise BenchError(f"h2load against {what} printed no summary:\n" + text[-2000:])
    protocol = PROTOCOL.search(text)
    if protocol is None or protocol.group(1) != "h2":
        raise BenchError(f"h2load against {what} did not negotiate h2 "
                         f"({protocol.group(1) if protocol else 'no protocol line'}):\n" + text[-2000:])
    seconds = float(finished.group(1)) / (1000 if finished.group(2) == "ms" else 1)
    _total, _started, done, _succeeded, _failed, errored, timeouts = (int(x) for x in requests.groups())
    _2xx, *not_2xx = (int(x) for x in statuses.groups())
    # h2load's `failed` counts both non-2xx/3xx answers and `errored` (resets, connection errors).
    return {"seconds": seconds, "done": done, "non2xx": sum(not_2xx), "errored": errored, "timeouts": timeouts}


def run_h2load(proc_name, argv, log_path, seconds, what, cpu):
    """One h2load run, waited for; -> its parsed summary."""
    run_to_end(proc_name, argv, log_path, seconds, what, cpu=cpu)
    with open(log_path, errors="replace") as f:
        return parse(f.read(), what)


def latency_ms(log_file):
    """p50, p90, p99, max in ms of h2load's --log-file (start µs, status, µs to the end of the answer)."""
    micros = []
    with open(log_file) as f:
        for line in f:
            fields = line.split("\t")
            if len(fields) >= 3 and fields[1] != "-1":
                micros.append(int(fields[2]))
    if len(micros) < 2:
        return {"p50_ms": 0.0, "p90_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    cuts = statistics.quantiles(micros, n=100, method="inclusive")
    return {"p50_ms": cuts[49] / 1000, "p90_ms": cuts[89] / 1000, "p99_ms": cuts[98] / 1000,
            "max_ms": max(micros) / 1000}


def run_streams(scenario, contestant, backend, seconds, log_path, h2load="h2load", load_cpu=1):
    """Scenarios H and G: `scenario.connections` connections × `scenario.streams` concurrent requests for
    `seconds`. The handshakes happen before h2load's measured duration starts (their CPU, a few
    hundred µs each, is inside the contestant's CPU figure, spread over the whole run's requests)."""
    what = f"{contestant.name} ({scenario.key})"
    latency_log = log_path + ".latency.tsv"
    argv = h2load_argv(h2load, scenario, contestant, f"-m{scenario.streams}", f"-D{seconds}",
                       "--log-file", latency_log)
    with Probe(contestant, backend, load_cpu) as probe:
        r = run_h2load("h2load", argv, log_path, seconds, what, load_cpu)
    _alive(contestant, scenario)
    latency = latency_ms(latency_log)
    os.remove(latency_log)  # a line per request: tens of MB per run
    return _figures(r["done"], r["seconds"], r, probe, latency)


def run_handshakes(scenario, contestant, backend, seconds, log_path, h2load="h2load", load_cpu=1):
    """Scenario K: h2load with `-c N -n N` (N = scenario.connections: N new connections at once, one
    preflight each, then closed) again and again for `seconds`. req/s is handshakes/s over the
    whole loop's wall time, h2load's start-up included; CPU per request is CPU per handshake,
    with its connection's one preflight, accept and close."""
    what = f"{contestant.name} ({scenario.key})"
    n = scenario.connections
    argv = h2load_argv(h2load, scenario, contestant, f"-n{n}")
    totals = {"done": 0, "non2xx": 0, "errored": 0, "timeouts": 0}
    part = log_path + ".part"
    with open(log_path, "w") as log, Probe(contestant, backend, load_cpu) as probe:
        t0 = time.monotonic()
        while True:
            r = run_h2load("h2load", argv, part, 30, what, load_cpu)
            with open(part, errors="replace") as f:
                log.write(f.read())
            for key in totals:
                totals[key] += r[key]
            if time.monotonic() - t0 >= seconds:
                break
        wall = time.monotonic() - t0
    os.remove(part)
    _alive(contestant, scenario)
    return _figures(totals["done"], wall, totals, probe, {})


def _alive(contestant, scenario):
    if not contestant.alive():
        raise BenchError(f"{contestant.name} died during {scenario.key}:\n" + tail(contestant.log))


def _figures(requests, seconds, r, probe, latency):
    return {
        "requests": requests,
        "rps": requests / seconds if seconds else 0.0,
        **latency,
        **probe.figures(requests),
        "non2xx": r["non2xx"],
        "socket_errors": r["errored"],
        "error_detail": {"non2xx": r["non2xx"], "errored": r["errored"], "timeouts": r["timeouts"]},
    }
