"""The end of the soak: SIGTERM while exchanges are under way (SPEC §8, operations.md "Shutdown").

Started just before the signal: a client reading 8 MiB slowly (longer than the drain timeout,
so it must be cut off, never left hanging), a request to a stopped backend (its 504 must say
`Connection: close`, the head having gone out after the drain began), and an idle keep-alive
connection (closed at once). After the signal, a new connection must be refused. The gateway
must exit 0 within the drain timeout plus its one extra second."""

import signal
import threading
import time

from soaklib.bodies import MAX_BODY
from soaklib.scenarios import CONNECT, MARGIN, QUEUE, RESPONSE, Kind, request_head

DRAIN_TIMEOUT = 5.0  # --drain-timeout-ms of the soak's gateway
LEAD = 0.5           # the exchanges start this long before SIGTERM


def drain_kinds(kinds_, terminated):
    def slow_reader(rng):
        # Reads slowly until the drain must be over, then fast: what the kernel still holds
        # arrives at once, then the end, short of the body.
        def action(client):
            client.send(request_head("GET", f"/steady/bytes?size={MAX_BODY}&seed=5"))
            received = 0
            while not terminated.is_set() or time.monotonic() < terminated.at + DRAIN_TIMEOUT + 1:
                before = len(client.buf)
                client.read_some(16384, in_head=False)
                received += len(client.buf) - before
                client.buf = b""
                time.sleep(0.02)
            client.deadline = time.monotonic() + MARGIN
            received += client.drain_until_end()
            if received >= MAX_BODY:
                return "200", f"{received} bytes of an 8 MiB answer arrived: not cut off by the drain"
            return "aborted", None
        return kinds_.timed(LEAD + DRAIN_TIMEOUT + 1 + MARGIN, action, rcvbuf=16384)

    def stopped_backend(rng):
        def action(client):
            client.send(request_head("GET", "/flaky/bytes?size=10"))
            response = client.read_response()
            if "close" not in (response.header("connection") or "").lower():
                return str(response.status), "answered during the drain without Connection: close"
            client.deadline = time.monotonic() + MARGIN
            client.drain_until_end()
            return str(response.status), None
        return kinds_.timed(QUEUE + CONNECT + RESPONSE + MARGIN, action)

    def idle_keep_alive(rng):
        def action(client):
            client.send(request_head("GET", "/steady/bytes?size=10&seed=1"))
            client.read_response()
            terminated.wait(10)
            client.deadline = time.monotonic() + MARGIN
            client.drain_until_end()
            return "closed", None
        return kinds_.timed(LEAD + 10 + MARGIN, action)

    def new_connection(rng):
        terminated.wait(10)
        time.sleep(0.3)  # the listeners close as the drain starts

        def action(client):
            client.send(request_head("GET", "/steady/bytes?size=10"))
            response = client.read_response()
            return str(response.status), "a connection made during the drain was answered"
        return kinds_.timed(MARGIN, action)

    return [
        Kind("drain-slow-reader", 0, slow_reader, ["aborted"], LEAD + DRAIN_TIMEOUT + 1 + MARGIN),
        Kind("drain-stopped-backend", 0, stopped_backend, ["504"], QUEUE + CONNECT + RESPONSE + MARGIN),
        Kind("drain-idle-keepalive", 0, idle_keep_alive, ["closed"], LEAD + MARGIN),
        Kind("drain-new-connection", 0, new_connection, ["refused", "closed"], 0.3 + MARGIN),
    ]


def drain_under_load(soak, kinds_, gateway, flaky):
    """Returns (the drain kinds, the gateway's exit code or None, seconds from SIGTERM to exit)."""
    terminated = threading.Event()
    kinds = drain_kinds(kinds_, terminated)
    flaky.signal(signal.SIGSTOP)
    threads = [threading.Thread(target=lambda kind=kind: soak.record(kind, kind.run(None))) for kind in kinds]
    try:
        for thread in threads:
            thread.start()
        time.sleep(LEAD)
        gateway.proc.send_signal(signal.SIGTERM)
        signalled = terminated.at = time.monotonic()
        terminated.set()
        exit_code = gateway.wait(DRAIN_TIMEOUT + 1 + MARGIN)
        took = time.monotonic() - signalled
        for thread in threads:
            thread.join()
    finally:
        flaky.signal(signal.SIGCONT)
    return kinds, exit_code, took
