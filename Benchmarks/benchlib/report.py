"""Medians over rounds, the Markdown tables, the target check and the error list."""

import statistics

BASELINE = "nginx"
TARGET = "cors-gateway"
DEFAULT_TARGET = "cors-gateway (default)"
LOGGING_BASELINE = "nginx (access log)"
TLS_TARGET = "cors-gateway (TLS)"
TLS_BASELINE = "nginx (TLS)"
# The peer each contestant's ratios are taken against: the gateway's default configuration (access
# log on) and the libcurl floor (which writes one too) against nginx with its access log on, the
# two-core and TLS gateways against nginx set up the same way, everyone else against nginx without
# an access log.
PEERS = {DEFAULT_TARGET: LOGGING_BASELINE, "cors-gateway (2 cores)": "nginx (2 workers)", TLS_TARGET: TLS_BASELINE,
         "libcurl floor": LOGGING_BASELINE}

# (column title, metric key, format)
COLUMNS = [
    ("req/s", "rps", "{:,.0f}"),
    ("p50 ms", "p50_ms", "{:.2f}"),
    ("p99 ms", "p99_ms", "{:.2f}"),
    ("CPU s", "cpu_s", "{:.2f}"),
    ("CPU µs/req", "cpu_us_per_req", "{:.1f}"),
    ("switches/req", "switches_per_req", "{:.2f}"),
    ("peak RSS MiB", "rss_mib", "{:.1f}"),
]
# Counts where a ratio says nothing (nginx's is near zero).
UNRATIOED = {"switches_per_req"}
DIAGNOSTICS = [
    ("wrk/h2load CPU %", "wrk_cpu_pct", "{:.0f}"),
    ("backend CPU %", "backend_cpu_pct", "{:.0f}"),
    ("CPU 1 busy %", "cpu1_busy_pct", "{:.0f}"),
    ("others on CPU 1 %", "cpu1_other_pct", "{:.0f}"),
    ("contestant CPU %", "contestant_cpu_pct", "{:.0f}"),
    ("CPU 0 softirq %", "cpu0_softirq_pct", "{:.0f}"),
    ("others on CPU 0 %", "cpu0_other_pct", "{:.0f}"),
]

# (scenario, contestant, peer, metric, comparison, factor, description)
TARGETS = [
    ("P", TARGET, BASELINE, "rps", ">=", 1.0, "req/s ≥ 1.0× nginx"),
    ("P", TARGET, BASELINE, "p99_ms", "<=", 1.5, "p99 ≤ 1.5× nginx"),
    ("A", TARGET, BASELINE, "rps", ">=", 0.8, "req/s ≥ 0.8× nginx"),
    ("A", TARGET, BASELINE, "p99_ms", "<=", 2.0, "p99 ≤ 2× nginx"),
    ("L", TARGET, BASELINE, "rps", ">=", 0.8, "throughput ≥ 0.8× nginx"),
    ("U", TARGET, BASELINE, "rps", ">=", 0.8, "throughput ≥ 0.8× nginx"),
    # The default configuration against nginx with its access log on (issue 15).
    ("P", DEFAULT_TARGET, LOGGING_BASELINE, "cpu_us_per_req", "<=", 1.2, "CPU/req ≤ 1.2× nginx (log on)"),
    ("A", DEFAULT_TARGET, LOGGING_BASELINE, "cpu_us_per_req", "<=", 1.5, "CPU/req ≤ 1.5× nginx (log on)"),
    ("A", DEFAULT_TARGET, LOGGING_BASELINE, "rps", ">=", 0.7, "req/s ≥ 0.7× nginx (log on)"),
    ("A", DEFAULT_TARGET, LOGGING_BASELINE, "p99_ms", "<=", 2.0, "p99 ≤ 2× nginx (log on)"),
    ("C", DEFAULT_TARGET, LOGGING_BASELINE, "rps", ">=", 0.8, "req/s ≥ 0.8× nginx (log on)"),
    # HTTPS + HTTP/2 preflights, handshakes excluded (issue 14); K, the handshakes, has no target.
    ("H", TLS_TARGET, TLS_BASELINE, "rps", ">=", 1.0, "req/s ≥ 1.0× nginx (TLS)"),
    ("H", TLS_TARGET, TLS_BASELINE, "cpu_us_per_req", "<=", 1.0, "CPU/preflight ≤ 1.0× nginx (TLS)"),
]
RSS_LIMIT_MIB = 128
RSS_SCENARIOS = ["C", "L"]


def medians(runs):
    """runs: list of dicts with scenario, contestant, and metrics -> {(scenario, contestant): medians}."""
    grouped = {}
    for run in runs:
        grouped.setdefault((run["scenario"], run["contestant"]), []).append(run)
    out = {}
    for key, group in grouped.items():
        numeric = [k for k, v in group[0].items() if isinstance(v, (int, float))]
        out[key] = {k: statistics.median(r[k] for r in group) for k in numeric}
        out[key]["rounds"] = len(group)
    return out


def _ratio(value, base):
    return value / base if base else float("nan")


def results_table(scenarios, contestants, med):
    head = ["Scenario", "Contestant"] + [c[0] for c in COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in scenarios:
        for name in contestants:
            m = med.get((s.key, name))
            if m is None:
                continue
            base = med.get((s.key, PEERS.get(name, BASELINE)))
            cells = [f"{s.key}: {s.title}", name]
            for _, key, fmt in COLUMNS:
                if key not in m:  # K has no per-request latency
                    cells.append("–")
                    continue
                cell = fmt.format(m[key])
                if base is not None and key not in UNRATIOED:
                    cell += f" ({_ratio(m[key], base[key]):.2f})"
                cells.append(cell)
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def rounds_table(scenarios, contestants, runs):
    rounds = sorted({r["round"] for r in runs})
    lines = ["| Scenario | Contestant | " + " | ".join(f"round {n}" for n in rounds) + " | peak RSS MiB by round |",
             "|" + "---|" * (len(rounds) + 3)]
    for s in scenarios:
        for name in contestants:
            mine = {r["round"]: r for r in runs if r["scenario"] == s.key and r["contestant"] == name}
            if mine:
                rps = [f"{mine[n]['rps']:,.0f}" if n in mine else "–" for n in rounds]
                rss = " / ".join(f"{mine[n]['rss_mib']:.0f}" for n in rounds if n in mine)
                lines.append(f"| {s.key} | {name} | " + " | ".join(rps) + f" | {rss} |")
    return "\n".join(lines)


def diagnostics_table(scenarios, contestants, med):
    head = ["Scenario", "Contestant"] + [c[0] for c in DIAGNOSTICS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in scenarios:
        for name in contestants:
            m = med.get((s.key, name))
            if m is not None:
                lines.append("| " + " | ".join([s.key, name] + [fmt.format(m[k]) for _, k, fmt in DIAGNOSTICS]) + " |")
    return "\n".join(lines)


def idle_table(idle):
    lines = ["| Contestant | CPU ms in 2 s idle (10 ms resolution) | RSS MiB idle |", "|---|---|---|"]
    for name, (cpu_s, rss) in idle.items():
        lines.append(f"| {name} | {cpu_s * 1000:.0f} | {rss / 2**20:.1f} |")
    return "\n".join(lines)


def target_check(med):
    """-> (markdown, all_passed)"""
    lines = ["| Scenario | Contestant | Target | value | peer's | ratio | verdict |", "|---|---|---|---|---|---|---|"]
    passed = True
    for scenario, name, peer, key, op, factor, text in TARGETS:
        mine, base = med.get((scenario, name)), med.get((scenario, peer))
        if mine is None or base is None:
            continue
        ratio = _ratio(mine[key], base[key])
        ok = ratio >= factor if op == ">=" else ratio <= factor
        passed &= ok
        lines.append(f"| {scenario} | {name} | {text} | {mine[key]:,.2f} | {base[key]:,.2f} | {ratio:.2f} | "
                     f"{'PASS' if ok else '**FAIL**'} |")
    for scenario in RSS_SCENARIOS:
        for name in (TARGET, DEFAULT_TARGET):
            mine = med.get((scenario, name))
            if mine is None:
                continue
            ok = mine["rss_mib"] <= RSS_LIMIT_MIB
            passed &= ok
            lines.append(f"| {scenario} | {name} | peak RSS ≤ {RSS_LIMIT_MIB} MiB | {mine['rss_mib']:.1f} MiB | – | – | "
                         f"{'PASS' if ok else '**FAIL**'} |")
    return "\n".join(lines), passed


def error_lines(runs):
    """Every run (warm-ups included) with a non-2xx response or a socket error."""
    out = []
    for r in runs:
        if r["non2xx"] or r["socket_errors"]:
            d = r["error_detail"]
            if "errored" in d:  # h2load
                detail = f"errored (resets, connection errors) {d['errored']}, of them timeouts {d['timeouts']}"
            else:
                detail = (f"socket errors connect {d['connect_errors']} read {d['read_errors']} "
                          f"write {d['write_errors']} timeout {d['timeouts']}")
            out.append(f"- {r['contestant']}, scenario {r['scenario']}, round {r['round']}"
                       f"{' (warm-up)' if r.get('warmup') else ''}: {d['non2xx']} non-2xx, {detail}")
    return out


LOAD_SIDE_BUSY_PCT = 90
NOISE_PCT = 10


def warnings(scenarios, names, med):
    """Medians that make a figure suspect: CPU 1 (wrk + backend) saturated, or other processes on either CPU."""
    out = []
    for s in scenarios:
        for name in names:
            m = med.get((s.key, name))
            if m is None:
                continue
            if m["cpu1_busy_pct"] >= LOAD_SIDE_BUSY_PCT:
                out.append(f"- {s.key} {name}: CPU 1 (load generator + backend) {m['cpu1_busy_pct']:.0f}% busy: the load "
                           f"side may be the limit; req/s is a lower bound for {name} here.")
            for cpu in (0, 1):
                if m[f"cpu{cpu}_other_pct"] >= NOISE_PCT:
                    out.append(f"- {s.key} {name}: other processes took {m[f'cpu{cpu}_other_pct']:.0f}% of "
                               f"CPU {cpu} (shared machine): figures are noisy.")
    return out
