#!/usr/bin/env python3
"""Runs the libFuzzer targets built by `make fuzz` (Docs/security.md, "Fuzzing").

Each target runs for --seconds, single process, at most --parallel at a time, on its
committed seeds (Fuzz/Corpus/<target>) plus a corpus it grows under Fuzz/Work/<target>/corpus
(not committed), with its dictionary when Fuzz/Dictionaries/<target>.dict exists. A finding
(a crash, a property violation, a timeout or an out-of-memory) is saved as
Fuzz/Work/<target>/crash-*|timeout-*|oom-* and fails the run. Prints a table: time, executions,
corpus size, findings.
"""
import argparse
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ["FuzzRequestHead", "FuzzResponseHead", "FuzzCORS", "FuzzCookies", "FuzzPathHost", "FuzzConfig", "FuzzPackageJSON"]


def run(target, args):
    binary = os.path.join(ROOT, args.build_dir, target)
    work = os.path.join(ROOT, "Fuzz", "Work", target)
    corpus = os.path.join(work, "corpus")
    os.makedirs(corpus, exist_ok=True)
    command = [
        binary, corpus, os.path.join(ROOT, "Fuzz", "Corpus", target),
        f"-max_total_time={args.seconds}", "-timeout=10", "-rss_limit_mb=2048", "-max_len=4096",
        "-print_final_stats=1", f"-artifact_prefix={work}/",
    ]
    dictionary = os.path.join(ROOT, "Fuzz", "Dictionaries", f"{target}.dict")
    if os.path.exists(dictionary):
        command.append(f"-dict={dictionary}")
    before = set(os.listdir(work))
    started = time.monotonic()
    # Leak detection off: NIO's embedded channels and Foundation keep memory LeakSanitizer
    # reports at exit (see the Makefile's test-sanitize); memory errors still stop a run.
    # Swift's own crash backtracer off: it reads the dying process's memory, which AddressSanitizer
    # then reports on top of the finding.
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:" + os.environ.get("ASAN_OPTIONS", ""), SWIFT_BACKTRACE="enable=no")
    with open(os.path.join(work, "log"), "w") as log:
        code = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    elapsed = time.monotonic() - started
    text = open(os.path.join(work, "log"), errors="replace").read()
    executions = re.findall(r"stat::number_of_executed_units:\s*(\d+)", text)
    if not executions:
        executions = re.findall(r"#(\d+)\s", text)
    findings = sorted(name for name in set(os.listdir(work)) - before if re.match(r"(crash|timeout|oom|leak|slow-unit)-", name))
    return {
        "target": target, "code": code, "seconds": elapsed,
        "executions": int(executions[-1]) if executions else 0,
        "corpus": len(os.listdir(corpus)),
        "findings": [f for f in findings if not f.startswith("slow-unit-")],
        "log": os.path.relpath(os.path.join(work, "log"), ROOT),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=600, help="run time per target")
    parser.add_argument("--parallel", type=int, default=2, help="targets running at a time")
    parser.add_argument("--build-dir", default=".build-fuzz/debug", help="where the target binaries are")
    parser.add_argument("targets", nargs="*", default=TARGETS)
    args = parser.parse_args()
    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        results = list(pool.map(lambda target: run(target, args), args.targets))
    print("| target | time (s) | executions | corpus (grown) | findings |")
    print("|---|---:|---:|---:|---|")
    failed = False
    for result in results:
        bad = result["code"] != 0 or result["findings"]
        failed = failed or bad
        findings = ", ".join(result["findings"]) or ("exit %d, see %s" % (result["code"], result["log"]) if bad else "none")
        print(f"| {result['target']} | {result['seconds']:.0f} | {result['executions']:,} | {result['corpus']} | {findings} |")
    if failed:
        print("fuzzing found something: inputs and logs under Fuzz/Work/<target>/", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
