"""The soak's backend processes, and the faults done to the flaky one: killed and restarted on the
same port, or stopped (SIGSTOP) for a few seconds so that it stalls with its connections open."""

import os
import random
import signal
import subprocess
import sys
import threading
import time

BACKEND = os.path.join(os.path.dirname(os.path.abspath(__file__)), "backend.py")


class Backend:
    def __init__(self, name, keep_alive_timeout):
        self.name, self.port, self.proc = name, 0, None
        self.keep_alive_timeout = keep_alive_timeout
        self.starts = 0

    def start(self, timeout=10.0):
        self.proc = subprocess.Popen([sys.executable, BACKEND, "--port", str(self.port),
                                      "--keep-alive-timeout", str(self.keep_alive_timeout)],
                                     stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("port "):
            self.proc.kill()
            raise RuntimeError(f"backend {self.name} did not start (said {line!r})")
        self.port, self.starts = int(line.split()[1]), self.starts + 1

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, signum):
        if self.alive():
            os.kill(self.proc.pid, signum)

    def stop(self):
        if self.proc is None:
            return
        self.signal(signal.SIGCONT)
        if self.alive():
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


class FaultInjector(threading.Thread):
    """Every few seconds, kills the backend (restarting it after a pause) or stops it for a while."""

    def __init__(self, backend, stop_event, seed, every=(5.0, 10.0)):
        super().__init__(name="faults", daemon=True)
        self.backend, self.stop_event, self.every = backend, stop_event, every
        self.rng = random.Random(seed)
        self.kills = self.stalls = 0
        self.errors = []

    def run(self):
        try:
            while not self.stop_event.wait(self.rng.uniform(*self.every)):
                if self.rng.random() < 0.5:
                    self.backend.signal(signal.SIGKILL)
                    self.backend.proc.wait()
                    self.backend.proc.stdout.close()
                    self.kills += 1
                    time.sleep(self.rng.uniform(0.5, 2.0))
                    self.backend.start()
                else:
                    self.backend.signal(signal.SIGSTOP)
                    self.stalls += 1
                    self.stop_event.wait(self.rng.uniform(2.0, 4.0))
                    self.backend.signal(signal.SIGCONT)
        except Exception as error:  # reported as a violation by the soak: the fault plan broke
            self.errors.append(f"fault injector: {error!r}")
        finally:
            self.backend.signal(signal.SIGCONT)
