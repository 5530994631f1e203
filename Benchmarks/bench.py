#!/usr/bin/env python3
"""Benchmark cors-gateway against nginx and HAProxy on loopback. See Docs/benchmarks.md.

Starts a backend nginx (CPU 1), the contestants (CPU 0) and wrk or h2load (CPU 1) in a temporary
directory, checks every contestant's answers, then runs each scenario round by round, the
contestants in turn, and prints medians as a Markdown table. Python 3 standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import report  # noqa: E402
from benchlib.checks import check_backend, check_contestant  # noqa: E402
from benchlib.contestants import (  # noqa: E402
    Backend, CurlFloor, DefaultGateway, Gateway, HAProxy, LoggingNginx, Nginx, TlsGateway, TlsNginx,
    TwoCoreGateway, TwoCoreNginx)
from benchlib.h2load import run_handshakes, run_streams  # noqa: E402
from benchlib.procs import BenchError, cpu_seconds, rss_bytes, stop_all  # noqa: E402
from benchlib.scenarios import run_wrk, scenarios  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def env_int(name, default):
    return int(os.environ.get(name, default))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=int, default=env_int("BENCH_DURATION", 5),
                   help="measured seconds per run (env BENCH_DURATION, default 5)")
    p.add_argument("--warmup", type=int, default=env_int("BENCH_WARMUP", 1),
                   help="warm-up seconds before each run (env BENCH_WARMUP, default 1; 0 = none)")
    p.add_argument("--rounds", type=int, default=env_int("BENCH_ROUNDS", 3),
                   help="rounds; medians are over these (env BENCH_ROUNDS, default 3)")
    p.add_argument("--connections", type=int, default=env_int("BENCH_CONNECTIONS", 50),
                   help="wrk connections for P, A, L, U (default 50)")
    p.add_argument("--many-connections", type=int, default=env_int("BENCH_MANY_CONNECTIONS", 1000),
                   help="wrk connections for C (default 1000)")
    p.add_argument("--h2-connections", type=int, default=env_int("BENCH_H2_CONNECTIONS", 4),
                   help="h2load connections for H (default 4)")
    p.add_argument("--h2-streams", type=int, default=env_int("BENCH_H2_STREAMS", 25),
                   help="h2load concurrent streams per connection for H (default 25; the gateway allows 100)")
    p.add_argument("--handshake-clients", type=int, default=env_int("BENCH_HANDSHAKE_CLIENTS", 100),
                   help="new connections per h2load run for K, one preflight each (default 100)")
    p.add_argument("--scenarios", default=os.environ.get("BENCH_SCENARIOS", "PALUCMHGK"),
                   help="which scenarios, as letters (default PALUCMHGK)")
    p.add_argument("--gateway-bin", default=os.environ.get(
        "BENCH_GATEWAY_BIN", os.path.join(ROOT, ".build-bench", "release", "cors-gateway")))
    p.add_argument("--curl-floor-bin", default=os.environ.get(
        "BENCH_CURL_FLOOR_BIN", os.path.join(ROOT, ".build-bench", "curl-floor")),
        help="Benchmarks/floor/curl-floor.c built (make bench builds it)")
    p.add_argument("--nginx-bin", default=shutil.which("nginx") or "/usr/sbin/nginx")
    p.add_argument("--haproxy-bin", default=shutil.which("haproxy") or "/usr/sbin/haproxy")
    p.add_argument("--wrk-bin", default=shutil.which("wrk") or "wrk")
    p.add_argument("--h2load-bin", default=shutil.which("h2load") or "h2load")
    p.add_argument("--contestants", default=os.environ.get(
        "BENCH_CONTESTANTS",
        "gateway,gateway-default,nginx,nginx-log,haproxy,curl-floor,gateway-2core,nginx-2core,gateway-tls,"
        "nginx-tls"),
        help="comma-separated keys: gateway (log and watch off), gateway-default (as users run it), "
             "nginx, nginx-log (access log on), haproxy; curl-floor (the least a proxy with libcurl in its "
             "data path spends) runs only A and C; gateway-2core and nginx-2core only scenario M; "
             "gateway-tls and nginx-tls (HTTPS + HTTP/2, access log off) only H, G and K. A contestant that "
             "no chosen scenario runs is not started")
    p.add_argument("--output", help="also write the Markdown report to this file")
    p.add_argument("--allow-errors", action="store_true",
                   help="exit 0 even when a run saw non-2xx responses or socket errors")
    p.add_argument("--keep-tmp", action="store_true", help="keep the 1 MiB file in the temp dir too")
    return p.parse_args()


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by everything we start
    return hard


def on_signal(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def log(msg):
    print(msg, flush=True)


def main():
    args = parse_args()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGINT too: it may arrive ignored
        signal.signal(sig, on_signal)
    if os.cpu_count() < 2:
        raise BenchError("needs two CPUs: contestants on CPU 0, backend and wrk on CPU 1")
    os.sched_setaffinity(0, {1})  # this script (RSS sampler) stays off the contestants' CPU
    fd_limit = raise_fd_limit()
    if fd_limit < args.many_connections * 2 + 100:
        raise BenchError(f"RLIMIT_NOFILE hard limit {fd_limit} is too low for {args.many_connections} connections")

    workdir = tempfile.mkdtemp(prefix="cors-bench-")
    os.chmod(workdir, 0o755)  # nginx workers run as nobody and read www/ from here
    runs_dir = os.path.join(workdir, "runs")
    os.makedirs(runs_dir)
    log(f"work dir: {workdir}")
    try:
        return run(args, workdir, runs_dir)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # let the clean-up finish
            signal.signal(sig, signal.SIG_IGN)
        stop_all()
        if not args.keep_tmp:
            shutil.rmtree(os.path.join(workdir, "www"), ignore_errors=True)
        log(f"logs, configs, wrk output and results: {workdir}")


def run(args, workdir, runs_dir):
    started = time.monotonic()
    backend = Backend(workdir, 1, args.nginx_bin)
    backend.start()
    check_backend(backend.port)
    log(f"backend nginx on {backend.url} (CPU 1)")

    everyone = [Gateway(workdir, 0, args.gateway_bin, backend.port),
                DefaultGateway(workdir, 0, args.gateway_bin, backend.port),
                Nginx(workdir, 0, args.nginx_bin, backend.port),
                LoggingNginx(workdir, 0, args.nginx_bin, backend.port),
                HAProxy(workdir, 0, args.haproxy_bin, backend.port),
                CurlFloor(workdir, 0, args.curl_floor_bin, backend.port),
                TwoCoreGateway(workdir, "0,1", args.gateway_bin, backend.port),
                TwoCoreNginx(workdir, "0,1", args.nginx_bin, backend.port),
                TlsGateway(workdir, 0, args.gateway_bin, backend.port),
                TlsNginx(workdir, 0, args.nginx_bin, backend.port)]
    wanted = {k.strip() for k in args.contestants.split(",")}
    unknown = wanted - {c.key for c in everyone}
    if unknown:
        raise BenchError(f"--contestants: no contestant {', '.join(sorted(unknown))} "
                         f"(known: {', '.join(c.key for c in everyone)})")
    chosen = [s for s in scenarios(args.connections, args.many_connections, args.h2_connections,
                                   args.h2_streams, args.handshake_clients) if s.key in args.scenarios.upper()]
    contestants = [c for c in everyone if c.key in wanted and any(runs_in(s, c) for s in chosen)]
    if any(c.tls for c in contestants) and shutil.which(args.h2load_bin) is None:
        raise BenchError(f"no h2load at {args.h2load_bin}: the TLS scenarios need nghttp2-client (make bench "
                         "installs it)")
    for c in contestants:
        c.start()
        log(f"{c.name} on {c.url} (CPU {c.cpu}, pids {c.pids})")
    for c in contestants:
        check_contestant(c.name, c.port, tls=c.tls, only=c.only)
    log("every contestant answers every scenario correctly")

    time.sleep(0.5)
    before = {c.name: cpu_seconds(c.pids) for c in contestants}
    time.sleep(2.0)
    idle = {c.name: (cpu_seconds(c.pids) - before[c.name], rss_bytes(c.pids)) for c in contestants}

    runs = []
    for rnd in range(1, args.rounds + 1):
        for s in chosen:
            for c in contestants:
                if runs_in(s, c):
                    runs.extend(one_run(args, s, c, backend, rnd, runs_dir, contestants))
    measured = [r for r in runs if not r["warmup"]]

    text = build_report(args, chosen, [c.name for c in contestants], measured, runs, idle,
                        time.monotonic() - started)
    print("\n" + text)
    for path in [os.path.join(workdir, "results.md")] + ([args.output] if args.output else []):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            f.write(text + "\n")
    with open(os.path.join(workdir, "results.json"), "w") as f:
        json.dump({"args": vars(args), "idle": idle, "runs": runs}, f, indent=1)

    errors = report.error_lines(runs)
    if errors:
        banner = "!" * 72
        print(f"\n{banner}\nERRORS: non-2xx responses or socket errors\n" + "\n".join(errors) + f"\n{banner}",
              file=sys.stderr)
        if not args.allow_errors:
            return 1
    return 0


def runs_in(scenario, contestant):
    """The two-core contestants run only M, the TLS ones only H, G and K, the libcurl floor A and C."""
    return (contestant.cores == scenario.cores and contestant.tls == scenario.tls
            and (contestant.only is None or scenario.key in contestant.only))


def load(args, s, c, backend, seconds, path):
    """One load-generator run of scenario s against contestant c."""
    if not s.tls:
        return run_wrk(s, c, backend, seconds, path, wrk=args.wrk_bin)
    if s.streams:
        return run_streams(s, c, backend, seconds, path, h2load=args.h2load_bin)
    return run_handshakes(s, c, backend, seconds, path, h2load=args.h2load_bin)


def settle(servers, quiet_ticks=0.011, timeout=5.0):
    """Wait until no server used more than one clock tick of CPU in 200 ms (a contestant may still
    be finishing the previous run's queued work). Returns how long that took."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        before = sum(cpu_seconds(x.pids) for x in servers)
        time.sleep(0.2)
        if sum(cpu_seconds(x.pids) for x in servers) - before < quiet_ticks:
            break
    return time.monotonic() - t0


def one_run(args, s, c, backend, rnd, runs_dir, everyone):
    waited = settle(everyone + [backend])
    if waited > 1.0:
        log(f"  (waited {waited:.1f} s for every server to go quiet before {s.key} {c.name})")
    out = []
    phases = ([("warmup", args.warmup)] if args.warmup > 0 else []) + [("run", args.duration)]
    for phase, seconds in phases:
        path = os.path.join(runs_dir, f"r{rnd}-{s.key}-{c.key}-{phase}.txt")
        r = load(args, s, c, backend, seconds, path)
        r.update(scenario=s.key, contestant=c.name, round=rnd, warmup=phase == "warmup")
        out.append(r)
    r = out[-1]
    flag = "  <-- ERRORS" if any(x["non2xx"] or x["socket_errors"] for x in out) else ""
    latency = (f"p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms" if "p50_ms" in r
               else f"cpu/req {r['cpu_us_per_req']:6.1f} µs")
    log(f"round {rnd} {s.key} {c.name:12s} {r['rps']:>10,.0f} req/s  {latency}  "
        f"cpu {r['cpu_s']:5.2f} s  rss {r['rss_mib']:6.1f} MiB  "
        f"wrk {r['wrk_cpu_pct']:3.0f}%  cpu1 {r['cpu1_busy_pct']:3.0f}%  "
        f"others@cpu0 {r['cpu0_other_pct']:3.0f}%  others@cpu1 {r['cpu1_other_pct']:3.0f}%{flag}")
    return out


def build_report(args, chosen, names, measured, runs, idle, elapsed):
    med = report.medians(measured)
    targets, passed = report.target_check(med)
    errors = report.error_lines(runs)
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    parts = [
        f"## Results ({now})",
        "",
        f"{args.rounds} rounds × {len(chosen)} scenarios × {len(names)} contestants, {args.duration} s per run "
        f"after {args.warmup} s warm-up; wrk -t1 -c{args.connections} (C: -c{args.many_connections})"
        + (f"; h2load -t1 -c{args.h2_connections} -m{args.h2_streams} (H, G), -c{args.handshake_clients} "
           f"-n{args.handshake_clients} repeated (K)" if any(s.tls for s in chosen) else "") + ". "
        f"Medians over rounds; (x.xx) = ratio to nginx, for cors-gateway (default) and the libcurl floor to nginx (access log), for cors-gateway (2 cores) to nginx (2 workers), for cors-gateway (TLS) to nginx (TLS). Host: {platform.node()}, {os.cpu_count()} CPUs, "
        f"load average at the end {os.getloadavg()[0]:.2f}. Took {elapsed / 60:.1f} min.",
        "",
        report.results_table(chosen, names, med),
        "",
        "### req/s per round",
        "",
        report.rounds_table(chosen, names, measured),
        "",
        "### Target check (each against its peer)",
        "",
        targets,
        "",
        f"All targets met: {'yes' if passed else 'no'}.",
        "",
        "### Errors",
        "",
        "\n".join(errors) if errors else "None: no non-2xx responses and no socket errors in any run or warm-up.",
        "",
        "### Load side and noise (medians)",
        "",
        "wrk or h2load, the backend and this script share CPU 1. CPU 0 softirq is loopback network work charged to "
        "no process. \"Others\" is a CPU's busy time spent in none of the processes measured and not in "
        "softirq: other processes on the machine (and, on CPU 1, this script).",
        "",
        report.diagnostics_table(chosen, names, med),
        "",
        "\n".join(report.warnings(chosen, names, med)) or "No saturated load side, no noise above 10%.",
        "",
        "### Idle (2 s, before the scenarios)",
        "",
        report.idle_table(idle),
    ]
    return "\n".join(parts)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"\nBENCH FAILED: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt as e:
        print(f"\ninterrupted ({e}); everything started was stopped", file=sys.stderr)
        sys.exit(130)
