"""Rewrites gateway.json every few seconds, cycling through valid changes and invalid files and
through the three reload triggers (file watch, SIGHUP, POST /reload), and checks that each one
had the effect operations.md promises: a valid file runs (its hash in /config, no stale route),
a broken file is rejected as a whole (the previous hash keeps running), a file with one invalid
route leaves that route stale and applies the rest."""

import hashlib
import os
import signal
import threading
import time

from soaklib import config
from soaklib.gateway import counter

# (what is written, how, which trigger) in turn; "valid" files carry a new version each time.
PLAN = [
    ("valid", "rename", "watch"),
    ("broken-syntax", "in-place", "watch"),
    ("valid", "in-place", "sighup"),
    ("invalid-route", "rename", "watch"),
    ("valid", "rename", "post"),
    ("unknown-key", "in-place", "post"),
    ("valid", "in-place", "watch"),
    ("invalid-route", "in-place", "sighup"),
]
SETTLE = 4.0  # seconds a reload may take to show: the watch needs two equal polls 250 ms apart


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Reloader(threading.Thread):
    def __init__(self, gateway, ports, stop_event, interval):
        super().__init__(name="reloader", daemon=True)
        self.gateway, self.ports, self.stop_event, self.interval = gateway, ports, stop_event, interval
        self.path = gateway.config_path
        self.version = 1                     # the version the file at start carries
        self.running_hash = sha256(open(self.path, "rb").read())
        self.lock = threading.Lock()
        self.counts = {}                     # "kind via trigger" -> times
        self.problems = []

    def newest_version(self):
        with self.lock:
            return self.version

    def run(self):
        step = 0
        while not self.stop_event.wait(self.interval):
            self.one(*PLAN[step % len(PLAN)])
            step += 1
        self.one("valid", "rename", "watch")  # end on a valid file that runs

    def write(self, data, how):
        if how == "rename":
            temporary = self.path + ".new"
            with open(temporary, "wb") as f:
                f.write(data)
            os.replace(temporary, self.path)
        else:
            with open(self.path, "r+b") as f:
                f.truncate(0)
                f.write(data)

    def one(self, kind, how, trigger):
        with self.lock:
            self.version += 1
            version = self.version
        make = {"valid": config.valid, "broken-syntax": config.broken_syntax,
                "unknown-key": config.unknown_top_level_key, "invalid-route": config.invalid_route}[kind]
        data = make(self.ports, version)
        if kind == "valid":
            data = config.render(data)
        try:
            before = self.gateway.metrics()
            self.write(data, how)
            if trigger == "sighup":
                self.gateway.proc.send_signal(signal.SIGHUP)
            elif trigger == "post":
                status, _ = self.gateway.admin("POST", "/reload")
                if status != (200 if kind in ("valid", "invalid-route") else 422):
                    self.problems.append(f"reload {kind} via POST: answered {status}")
            self.verify(kind, data, before)
        except Exception as error:
            self.problems.append(f"reload {kind} via {trigger}: {error!r}")
        key = f"{kind} via {trigger}"
        self.counts[key] = self.counts.get(key, 0) + 1

    def verify(self, kind, data, before):
        end = time.monotonic() + SETTLE
        while True:
            state = self.gateway.config()
            stale = sorted(route["name"] for route in state["routes"] if route["status"] == "stale")
            if kind == "valid":
                done = state["hash"] == sha256(data) and not stale
                what = f"hash {state['hash'][:19]}…, stale {stale}"
            elif kind == "invalid-route":
                partial = counter(self.gateway.metrics(), "cors_gateway_reloads_total", result="partial")
                done = state["hash"] == sha256(data) and stale == ["flaky"] and partial > counter(
                    before, "cors_gateway_reloads_total", result="partial")
                what = f"stale {stale}, partial reloads {partial}"
            else:
                rejected = counter(self.gateway.metrics(), "cors_gateway_reloads_total", result="rejected")
                done = state["hash"] == self.running_hash and rejected > counter(
                    before, "cors_gateway_reloads_total", result="rejected")
                what = f"hash {state['hash'][:19]}…, rejected reloads {rejected}"
            if done:
                if kind != "broken-syntax" and kind != "unknown-key":
                    self.running_hash = sha256(data)
                return
            if time.monotonic() > end:
                self.problems.append(f"reload {kind}: not seen within {SETTLE} s ({what})")
                if kind in ("valid", "invalid-route"):
                    self.running_hash = state["hash"]
                return
            time.sleep(0.1)
