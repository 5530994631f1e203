"""After the load: the gateway runs out of descriptors. It runs with RLIMIT_NOFILE 1024 (the
usual default soft limit); 2,500 silent clients take every descriptor it has and the rest wait
in its listen queue, accepted in waves as `headerTimeoutMs` closes the silent ones. Meanwhile
the gateway must not spin on accept(2) (its threads running or ready to run at most a tenth of
the time), and once the clients are gone it must serve again within its 1 s accept backoff
plus slack."""

import socket
import time

from soaklib.scenarios import MARGIN, request_head

OPEN_FILE_LIMIT = 1024
CLIENTS = 2500
RUNNABLE_LIMIT = 0.1  # of the wall-clock time, all threads together


def exhaust_descriptors(soak, kinds_, gateway):
    """A line for the summary; violations go to soak."""
    clients = []
    try:
        for _ in range(CLIENTS):
            clients.append(socket.create_connection(("127.0.0.1", gateway.port), timeout=5))
        # Measured before headerTimeoutMs (2 s) closes the first wave and the next is accepted.
        time.sleep(0.3)
        fds = gateway.open_fds()
        before, start = gateway.runnable_seconds(), time.monotonic()
        time.sleep(1.0)
        share = (gateway.runnable_seconds() - before) / (time.monotonic() - start)
    finally:
        for client in clients:
            client.close()
    if fds < OPEN_FILE_LIMIT - 8:
        soak.violation(f"descriptor exhaustion: {CLIENTS} clients left the gateway at {fds} descriptors, "
                       f"short of its limit {OPEN_FILE_LIMIT}: the phase tested nothing")
    if share > RUNNABLE_LIMIT:
        soak.violation(f"descriptor exhaustion: out of descriptors with nothing to serve, the gateway was running "
                       f"or ready to run {share * 100:.0f} % of the time (limit {RUNNABLE_LIMIT * 100:.0f} %): "
                       f"a busy loop")
    start = time.monotonic()
    served = None
    while served is None and time.monotonic() - start < 1.0 + MARGIN:
        def action(client):
            client.send(request_head("GET", "/steady/bytes?size=10&seed=1"))
            return str(client.read_response().status), None
        exchange = kinds_.timed(1.0 + MARGIN, action)
        if exchange.outcome == "200":
            served = time.monotonic() - start
        else:
            time.sleep(0.1)
    if served is None:
        soak.violation(f"descriptor exhaustion: no 200 within {1.0 + MARGIN:.0f} s once the clients left")
    return (f"descriptor exhaustion: {CLIENTS} silent clients, gateway at {fds} of {OPEN_FILE_LIMIT} descriptors, "
            f"running or ready to run {share * 100:.1f} % of the time while out of them; served again "
            + (f"{served:.2f} s after they left" if served is not None else "never"))
