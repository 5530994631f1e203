#!/usr/bin/env python3
"""Soak the release gateway on loopback: mixed clients, failing backends, reloads. See Docs/security.md#soak.

Starts three backends (steady; flaky, killed and stopped now and then; faulty, which answers
garbage, resets and stalls on request), the gateway on a config with short timeouts, then runs
client threads picking kinds of exchanges at random while the config is rewritten every few
seconds. Every exchange is checked against what its kind allows (scripts/soaklib/scenarios.py);
the gateway's RSS, descriptors and in-flight transfers are sampled throughout and must be back
to idle at the end. Prints a summary; exits 1 on any violation. Python 3 standard library only.
"""

import argparse
import collections
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from soaklib import config  # noqa: E402
from soaklib.backends import Backend, FaultInjector  # noqa: E402
from soaklib.gateway import Gateway, GatewayError, describe_fds, gauge  # noqa: E402
from soaklib.reloads import Reloader  # noqa: E402
from soaklib.drain import DRAIN_TIMEOUT, drain_under_load  # noqa: E402
from soaklib.exhaustion import CLIENTS, OPEN_FILE_LIMIT, exhaust_descriptors  # noqa: E402
from soaklib.scenarios import MARGIN, Kinds, kinds  # noqa: E402
from soaklib.slots import probe_slots  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MiB = 1024 * 1024
RSS_GROWTH_LIMIT = 0.10
ACCESS_STATUSES = {200, 204, 400, 403, 404, 405, 408, 413, 431, 499, 502, 503, 504}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gateway-bin", default=os.path.join(ROOT, ".build-soak", "release", "cors-gateway"))
    p.add_argument("--seconds", type=int, default=int(os.environ.get("SOAK_SECONDS", 600)),
                   help="how long the load runs (env SOAK_SECONDS, default 600)")
    p.add_argument("--warmup", type=int, help="seconds before the RSS baseline (default: a fifth, at most 60)")
    p.add_argument("--clients", type=int, default=12, help="client threads (default 12)")
    p.add_argument("--pause", type=float, default=0.02, help="most seconds a client rests between exchanges")
    p.add_argument("--reload-every", type=float, default=3.0, help="seconds between config rewrites")
    p.add_argument("--seed", type=int, default=int(time.time()))
    p.add_argument("--keep", action="store_true", help="keep the work directory (config, gateway log)")
    return p.parse_args()


class Stats:
    def __init__(self):
        self.count, self.outcomes, self.longest, self.violations = 0, collections.Counter(), 0.0, 0


class Soak:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.stats = collections.defaultdict(Stats)
        self.violations = []
        self.reloader = None
        self.port = None

    def newest_config_version(self):
        return self.reloader.newest_version() if self.reloader else 1

    def violation(self, text):
        with self.lock:
            self.violations.append(text)

    def record(self, kind, exchange):
        problems = []
        if exchange.outcome not in kind.allowed:
            problems.append(f"outcome {exchange.outcome} ({exchange.detail}) not in {sorted(kind.allowed)}")
        if exchange.elapsed > kind.bound:
            problems.append(f"took {exchange.elapsed:.2f} s, bound {kind.bound:.1f} s")
        if exchange.problem:
            problems.append(exchange.problem)
        with self.lock:
            stats = self.stats[kind.name]
            stats.count += 1
            stats.outcomes[exchange.outcome] += 1
            stats.longest = max(stats.longest, exchange.elapsed)
            if problems:
                stats.violations += 1
                self.violations.append(f"{time.strftime('%H:%M:%S')} {kind.name}: " + "; ".join(problems))


def client_loop(soak, all_kinds, rng, stop):
    weights = [kind.weight for kind in all_kinds]
    while not stop.is_set():
        kind = rng.choices(all_kinds, weights)[0]
        try:
            soak.record(kind, kind.run(rng))
        except Exception:
            soak.violation(f"{kind.name}: driver error\n{traceback.format_exc()}")
        stop.wait(rng.uniform(0, soak.args.pause))


class Sampler(threading.Thread):
    """RSS, descriptors, CPU and the gateway's gauges every few seconds; notices a dead gateway."""

    def __init__(self, gateway, stop_event, every=5.0):
        super().__init__(name="sampler", daemon=True)
        self.gateway, self.stop_event, self.every = gateway, stop_event, every
        self.start_time = time.monotonic()
        self.samples = []  # (seconds since start, rss, fds, in flight, open connections)
        self.died = False

    def sample(self):
        metrics = self.gateway.metrics()
        row = (time.monotonic() - self.start_time, self.gateway.rss_bytes(), self.gateway.open_fds(),
               gauge(metrics, "cors_gateway_upstream_transfers_in_flight"),
               gauge(metrics, "cors_gateway_open_connections"))
        self.samples.append(row)
        return row

    def run(self):
        while not self.stop_event.wait(self.every):
            if not self.gateway.alive():
                self.died = True
                return
            try:
                self.sample()
            except (OSError, GatewayError):
                if not self.gateway.alive():
                    self.died = True
                    return


def wait_until_idle(gateway, baseline_fds, timeout):
    """Waits for no transfer, no client connection and (when given) no more descriptors than the
    baseline; libcurl closes pooled backend connections within 4 s of idleness. The last reading."""
    end = time.monotonic() + timeout
    while True:
        metrics = gateway.metrics()
        reading = (gauge(metrics, "cors_gateway_upstream_transfers_in_flight"),
                   gauge(metrics, "cors_gateway_open_connections"), gateway.open_fds())
        idle = reading[0] == 0 and reading[1] == 0 and (baseline_fds is None or reading[2] <= baseline_fds)
        if idle or time.monotonic() > end:
            return idle, reading
        time.sleep(0.5)


def warm_up_exchanges(soak):
    """One exchange of each backend-facing sort, so that what the gateway creates once (libcurl's
    handles, resolver state) exists before the descriptor baseline is taken."""
    kinds_ = Kinds(soak)
    rng = random.Random(1)
    for run in (lambda: kinds_.gets(rng, [100]), lambda: kinds_.upload(rng), lambda: kinds_.preflights(rng, True),
                lambda: kinds_.flaky(rng), lambda: kinds_.faulty(rng, ["/garbage/not-http"])):
        run()


def access_log_summary(text):
    statuses, longest, incomplete, lines = collections.Counter(), (0.0, ""), 0, 0
    faults = collections.Counter()
    for line in text.splitlines():
        if "logger=cors-gateway.access" in line:
            lines += 1
            status = re.search(r" status=(\d+)", line)
            total = re.search(r" total_ms=([\d.]+)", line)
            statuses[int(status.group(1)) if status else 0] += 1
            if total and float(total.group(1)) > longest[0]:
                longest = (float(total.group(1)), line)
            incomplete += " completed=false" in line
        elif 'msg="upstream fault"' in line:
            error = re.search(r" error=(\w+)", line)
            faults[error.group(1) if error else "?"] += 1
    return lines, statuses, longest, incomplete, faults


def fmt_mib(n):
    return f"{n / MiB:.1f} MiB"


def run(args, workdir):
    soak = Soak(args)
    # Backends close idle keep-alive connections: steady after 5 s (Node's default), longer than
    # the 4 s a pooled connection may idle before the gateway stops reusing it, so no request
    # of its may fail for it; flaky after 1 s, so that the gateway does reuse connections the
    # backend is closing (a failure then is one of flaky's allowed outcomes).
    backends = {"steady": Backend("steady", 5.0), "flaky": Backend("flaky", 1.0), "faulty": Backend("faulty", 5.0)}
    gateway = None
    stop = threading.Event()
    threads = []
    try:
        for backend in backends.values():
            backend.start()
        ports = {name: backend.port for name, backend in backends.items()}
        config_path = os.path.join(workdir, "gateway.json")
        with open(config_path, "wb") as f:
            f.write(config.render(config.valid(ports, 1)))
        gateway = Gateway(args.gateway_bin, config_path, workdir, OPEN_FILE_LIMIT)
        gateway.check_config()
        gateway.start()
        soak.port = gateway.port
        print(f"soak: {args.seconds} s, {args.clients} clients, seed {args.seed}, gateway pid {gateway.proc.pid} "
              f"on port {gateway.port} (admin {gateway.admin_port}), work dir {workdir}", flush=True)

        rss_start = gateway.rss_bytes()
        warm_up_exchanges(soak)
        time.sleep(5.0)  # let libcurl's pooled connections age out (4 s)
        _, (_, _, baseline_fds) = wait_until_idle(gateway, None, 20.0)
        port_names = {gateway.port: "listener", gateway.admin_port: "admin",
                      **{backend.port: f"backend {name}" for name, backend in backends.items()}}
        baseline_described = describe_fds(gateway.proc.pid, port_names)
        print(f"idle after warm-up exchanges: {baseline_fds} descriptors, RSS {fmt_mib(gateway.rss_bytes())}",
              flush=True)

        sampler = Sampler(gateway, stop)
        faults = FaultInjector(backends["flaky"], stop, args.seed)
        soak.reloader = Reloader(gateway, ports, stop, args.reload_every)
        all_kinds = kinds(soak)
        clients = [threading.Thread(target=client_loop, name=f"client-{i}", daemon=True,
                                    args=(soak, all_kinds, random.Random(args.seed * 1000 + i), stop))
                   for i in range(args.clients)]
        threads = [sampler, faults, soak.reloader] + clients
        sampler.sample()
        started = time.monotonic()
        cpu_start = gateway.cpu_seconds()
        for thread in threads:
            thread.start()
        next_report = started + 60
        while time.monotonic() - started < args.seconds and gateway.alive():
            time.sleep(1.0)
            if time.monotonic() >= next_report:
                next_report += 60
                with soak.lock:
                    done = sum(s.count for s in soak.stats.values())
                _, rss, fds, inflight, conns = sampler.samples[-1]
                print(f"  {time.monotonic() - started:4.0f} s: {done} exchanges, {len(soak.violations)} violations, "
                      f"RSS {fmt_mib(rss)}, {fds} fds, {inflight:.0f} in flight, {conns:.0f} connections",
                      flush=True)
        load_seconds = time.monotonic() - started
        stop.set()
        longest_bound = max(kind.bound for kind in all_kinds)
        for thread in threads:
            thread.join(longest_bound + 10)
            if thread.is_alive():
                soak.violation(f"{thread.name} still running {longest_bound + 10:.0f} s after the stop")
        cpu_used = gateway.cpu_seconds() - cpu_start if gateway.alive() else float("nan")

        if not gateway.alive() or sampler.died:
            soak.violation(f"the gateway died (exit {gateway.proc.returncode}); its log ends:\n"
                           + gateway.log_text()[-3000:])
            idle, reading, rss_end, rss_after = False, (float("nan"),) * 3, 0, 0
            exhaustion = "descriptor exhaustion: not tried (the gateway died)"
        else:
            wait_until_idle(gateway, None, 30.0)
            rss_end = gateway.rss_bytes()  # the load's end; the probes below allocate for thousands of connections
            version = soak.reloader.newest_version()
            all_kinds += probe_slots(soak, Kinds(soak), backends,
                                     config.STEADY_MAX_CONNECTIONS[config.steady_slots_index(version)])
            wait_until_idle(gateway, None, 30.0)
            exhaustion = exhaust_descriptors(soak, Kinds(soak), gateway)
            wait_until_idle(gateway, None, 30.0)
            # The state the baseline was taken in: libcurl closes a pooled connection idle past
            # its maximum age (4 s) only when a transfer next looks into the pool, so age the
            # pool, run the same warm-up exchanges, and let their connections age again.
            time.sleep(5.0)
            warm_up_exchanges(soak)
            time.sleep(5.0)
            idle, reading = wait_until_idle(gateway, baseline_fds, 30.0)
            rss_after = gateway.rss_bytes()
            if not idle:
                soak.violation(f"not back to idle 30 s after the load: {reading[0]:.0f} transfers in flight, "
                               f"{reading[1]:.0f} client connections, {reading[2]} descriptors "
                               f"(idle baseline {baseline_fds}); descriptors not open at the baseline:\n    "
                               + "\n    ".join(sorted(set(describe_fds(gateway.proc.pid, port_names))
                                                      - set(baseline_described))))
        soak.violations += faults.errors + soak.reloader.problems

        samples = sampler.samples
        warmup = args.warmup if args.warmup is not None else min(60, args.seconds // 5)
        warm = next((s for s in samples if s[0] >= warmup), samples[-1])
        rss_max = max([s[1] for s in samples] + [rss_end])
        growth = rss_end / warm[1] - 1 if rss_end else float("nan")
        if rss_end and growth > RSS_GROWTH_LIMIT:
            soak.violation(f"RSS grew {growth * 100:.1f} % after warm-up ({fmt_mib(warm[1])} at {warm[0]:.0f} s "
                           f"→ {fmt_mib(rss_end)} at the end of the load), limit {RSS_GROWTH_LIMIT * 100:.0f} %")

        exit_code, drain_seconds = None, float("nan")
        if gateway.alive():
            drain, exit_code, drain_seconds = drain_under_load(soak, Kinds(soak), gateway, backends["flaky"])
            all_kinds += drain
        if exit_code != 0:
            soak.violation(f"the gateway did not exit 0 on SIGTERM within {DRAIN_TIMEOUT + 1 + MARGIN:.0f} s "
                           f"(exit {exit_code}, None: killed)")
        lines, statuses, (longest_ms, longest_line), incomplete, fault_lines = access_log_summary(gateway.log_text())
        if set(statuses) - ACCESS_STATUSES:
            soak.violation(f"access log statuses outside {sorted(ACCESS_STATUSES)}: "
                           f"{ {s: n for s, n in statuses.items() if s not in ACCESS_STATUSES} }")
        if longest_ms > longest_bound * 1000:
            soak.violation(f"an exchange lasted {longest_ms:.0f} ms by the access log, longer than any bound "
                           f"({longest_bound:.1f} s): {longest_line}")

        # Summary
        print()
        print(f"{'kind':<20}{'exchanges':>10}  {'outcomes':<44}{'longest':>9}{'bound':>8}{'bad':>5}")
        for kind in all_kinds:
            s = soak.stats[kind.name]
            outcomes = " ".join(f"{o}×{n}" for o, n in sorted(s.outcomes.items()))
            print(f"{kind.name:<20}{s.count:>10}  {outcomes:<44}{s.longest:>8.2f}s{kind.bound:>7.1f}s{s.violations:>5}")
        total = sum(s.count for s in soak.stats.values())
        print(f"{'total':<20}{total:>10}  ({total / load_seconds:.0f} exchanges/s over {load_seconds:.0f} s)")
        print()
        print(f"faults: flaky backend killed {faults.kills}×, stopped {faults.stalls}×; gateway fault lines: "
              + (", ".join(f"{k} {v}" for k, v in sorted(fault_lines.items())) or "none"))
        print("reloads: " + ", ".join(f"{k} {v}" for k, v in sorted(soak.reloader.counts.items()))
              + f"; {len(soak.reloader.problems)} not as expected")
        print(f"RSS: first {fmt_mib(rss_start)}, warm {fmt_mib(warm[1])} (at {warm[0]:.0f} s), "
              f"last {fmt_mib(rss_end)} ({growth * 100:+.1f} %), max {fmt_mib(rss_max)}; "
              f"after the slot, exhaustion and idle checks {fmt_mib(rss_after)}")
        print(f"idle at the end: {reading[0]:.0f} transfers in flight, {reading[1]:.0f} client connections, "
              f"{reading[2]} descriptors (baseline {baseline_fds}); max during the load: "
              f"{max(s[2] for s in samples)} descriptors, {max(s[3] for s in samples):.0f} in flight, "
              f"{max(s[4] for s in samples):.0f} connections")
        print(exhaustion)
        print(f"gateway CPU: {cpu_used:.0f} s over {load_seconds:.0f} s ({cpu_used / load_seconds * 100:.0f} % of a core); "
              f"exit on SIGTERM under load: {exit_code} after {drain_seconds:.1f} s")
        print(f"access log: {lines} lines, {incomplete} with completed=false, statuses "
              + " ".join(f"{k}×{v}" for k, v in sorted(statuses.items()))
              + f", longest total_ms {longest_ms:.0f}")
        print()
        if soak.violations:
            print(f"FAIL: {len(soak.violations)} violations")
            for text in soak.violations[:40]:
                print("  " + text)
            if len(soak.violations) > 40:
                print(f"  … and {len(soak.violations) - 40} more")
            return 1
        print("PASS: no violations")
        return 0
    finally:
        stop.set()
        if gateway and gateway.alive():
            gateway.stop()
        for backend in backends.values():
            backend.stop()


def raise_own_descriptor_limit():
    """The driver holds every client of the exhaustion phase at once."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < CLIENTS + 512:
        sys.exit(f"soak: needs {CLIENTS + 512} descriptors for its clients, the hard limit is {hard}")


def main():
    args = parse_args()
    raise_own_descriptor_limit()
    if not os.access(args.gateway_bin, os.X_OK):
        sys.exit(f"soak: no executable gateway at {args.gateway_bin} (make soak builds it)")
    workdir = tempfile.mkdtemp(prefix="cors-gateway-soak-")
    try:
        return run(args, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
