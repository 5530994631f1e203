"""After the load: proof that no backend slot leaked. With each backend stopped (SIGSTOP), as
many concurrent requests as it has `maxConnections` must all get a slot and time out with 504;
a 503 `upstream_busy` would mean a slot some earlier exchange never gave back."""

import signal
import threading

from soaklib import config
from soaklib.scenarios import CONNECT, MARGIN, RESPONSE, Kind, error_problem, request_head


def probe_kinds(kinds_, steady_slots):
    def probe(path):
        def run(rng):
            def action(client):
                client.send(request_head("GET", path))
                response = client.read_response()
                return str(response.status), error_problem(response)
            return kinds_.timed(CONNECT + RESPONSE + MARGIN, action)
        return run
    bound = CONNECT + RESPONSE + MARGIN
    return [
        (Kind("slots-steady", 0, probe("/steady/bytes?size=1"), ["504"], bound), "steady", steady_slots),
        (Kind("slots-flaky", 0, probe("/flaky/bytes?size=1"), ["504"], bound), "flaky",
         config.MAX_CONNECTIONS["flaky"]),
        (Kind("slots-faulty", 0, probe("/faulty/stall/head"), ["504"], bound), None,
         config.MAX_CONNECTIONS["faulty"]),
    ]


def probe_slots(soak, kinds_, backends, steady_slots):
    """Runs the probes, recording each exchange; returns the probe kinds for the summary."""
    probes = probe_kinds(kinds_, steady_slots)
    for kind, backend_name, slots in probes:
        backend = backends[backend_name] if backend_name else None
        if backend:
            backend.signal(signal.SIGSTOP)
        try:
            threads = [threading.Thread(target=lambda: soak.record(kind, kind.run(None))) for _ in range(slots)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            if backend:
                backend.signal(signal.SIGCONT)
    return [kind for kind, _, _ in probes]
