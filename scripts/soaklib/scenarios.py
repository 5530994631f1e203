"""What the soak's clients do, one function per kind, and what each kind may get back.

Each kind states the outcomes it allows (a status of a whole response, "aborted" for a response
cut off after its head, "closed" for a connection ended before one, "vanished" for a client that
left on purpose) and the longest an exchange may take, derived from the soak config's timeouts.
Anything else, a body that does not match what was sent or asked for, or an error body whose
code does not fit its status, is a violation.
"""

import itertools
import json
import time

from soaklib import config
from soaklib.backend import ODD
from soaklib.bodies import MAX_BODY, body, digest, view
from soaklib.rawhttp import Client, Ended

S = 1 / 1000
LIMITS, BACKEND = config.LIMITS, config.BACKEND_TIMEOUTS
MARGIN = 2.0  # scheduling slack on a shared 2-core machine, on top of every bound
QUEUE, CONNECT = BACKEND["queueTimeoutMs"] * S, BACKEND["connectTimeoutMs"] * S
RESPONSE = max(config.FAULTY_RESPONSE_TIMEOUTS + (BACKEND["responseTimeoutMs"],)) * S
IDLE = BACKEND["idleTimeoutMs"] * S
# Whatever a backend does, a proxied exchange gets its head within queue + connect + response
# time, and its body never stands still longer than the backend idle timeout.
PROXIED = QUEUE + CONNECT + RESPONSE + IDLE + MARGIN
FLOOD_FILL = 4.0  # seconds a never-reading client's socket buffers may take to fill on a busy machine

# The error codes SPEC §7 and §11 give each status.
ERROR_CODES = {
    400: {"bad_request"}, 404: {"no_route"}, 405: {"method_not_allowed"},
    408: {"header_timeout", "body_timeout"}, 413: {"body_too_large"}, 431: {"headers_too_large"},
    502: {"upstream_unavailable", "upstream_invalid_response"}, 503: {"upstream_busy"},
    504: {"upstream_timeout"},
}
_ids = itertools.count(1)


class Kind:
    def __init__(self, name, weight, run, allowed, bound):
        self.name, self.weight, self.run, self.allowed, self.bound = name, weight, run, set(allowed), bound


class Exchange:
    """One exchange's result, for Soak.record."""

    def __init__(self, outcome, elapsed, problem=None, detail=""):
        self.outcome, self.elapsed, self.problem, self.detail = outcome, elapsed, problem, detail


def request_head(method, path, headers=(), length=None, chunked=False, request_id=None, version="1.1"):
    lines = [f"{method} {path} HTTP/{version}", "Host: soak.test",
             f"X-Request-Id: {request_id or 'soak-%d' % next(_ids)}"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def error_problem(response, codes=None):
    """None when an error response's JSON body carries a code its status allows."""
    allowed = codes or ERROR_CODES.get(response.status)
    if not allowed:
        return None
    try:
        code = json.loads(response.body)["error"]
    except (ValueError, KeyError, TypeError):
        return f"{response.status} without a JSON error body: {response.body[:80]!r}"
    return None if code in allowed else f"{response.status} with error {code!r}, expected {sorted(allowed)}"


def chunked(data, piece=65536):
    out = []
    for start in range(0, len(data), piece):
        part = data[start:start + piece]
        out += [b"%x\r\n" % len(part), bytes(part), b"\r\n"]
    return b"".join(out) + b"0\r\n\r\n"


class Kinds:
    """The client kinds, bound to one soak (its gateway port and its reloader)."""

    def __init__(self, soak):
        self.soak = soak

    def client(self, bound, rcvbuf=None):
        return Client(self.soak.port, time.monotonic() + bound, rcvbuf)

    def timed(self, bound, action, rcvbuf=None):
        """Runs action(client) on a new connection; its Exchange, with Ended turned into an outcome."""
        start = time.monotonic()
        client = None
        try:
            client = self.client(bound, rcvbuf)
            outcome, problem = action(client)
            return Exchange(outcome, time.monotonic() - start, problem)
        except Ended as ended:
            return Exchange(ended.outcome, time.monotonic() - start, detail=ended.detail)
        except ConnectionRefusedError as error:
            return Exchange("refused", time.monotonic() - start, detail=str(error))
        finally:
            if client:
                client.close()

    def config_problem(self, response):
        value = response.header("x-soak-config")
        newest = self.soak.newest_config_version()
        if value is None or not value.isdigit() or not 1 <= int(value) <= newest:
            return f"X-Soak-Config {value!r}, expected a version from 1 to {newest}"
        return None

    def checked(self, response, expected_body, steady=False):
        """(outcome, problem) for a response that should carry expected_body when it is a 200."""
        if response.status == 200:
            if response.body != expected_body:
                return "200", (f"corrupt body: {len(response.body)} bytes, sha256 {digest(response.body)[:12]}, "
                               f"expected {len(expected_body)} bytes, sha256 {digest(expected_body)[:12]}")
            return "200", self.config_problem(response) if steady else None
        return str(response.status), error_problem(response)

    # Edge-answered

    def preflights(self, rng, allowed_origin):
        origin = config.ORIGIN if allowed_origin else "https://evil.example"

        def action(client):
            for _ in range(rng.randint(1, 3)):
                client.send(request_head("OPTIONS", f"/steady/p{rng.randint(0, 99)}", [
                    ("Origin", origin), ("Access-Control-Request-Method", rng.choice(["POST", "PUT"])),
                    ("Access-Control-Request-Headers", "content-type")]))
                response = client.read_response("OPTIONS")
                if response.status == 204 and response.header("access-control-allow-origin") != origin:
                    return "204", f"Access-Control-Allow-Origin {response.header('access-control-allow-origin')!r}"
                if response.status == 403 and response.header("access-control-allow-origin"):
                    return "403", "a rejected preflight carries Access-Control-Allow-Origin"
                if response.status not in (204, 403):
                    return str(response.status), error_problem(response)
            return str(response.status), None
        return self.timed(MARGIN, action)

    def bad_request(self, rng):
        target, host = rng.choice([("/../steady/x", "soak.test"), ("/steady/%2e%2e/%2e%2e/x", "soak.test"),
                                   ("/steady/a%2Fb", "soak.test"), ("/steady/x", "admin.internal:@evil.com"),
                                   ("/steady/x", "x..example.com")])

        def action(client):
            client.send(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            response = client.read_response()
            return str(response.status), error_problem(response, {"bad_request"})
        return self.timed(MARGIN, action)

    def refused_head(self, rng):
        """A head the gateway refuses whole: CONNECT or TRACE (405), or headers over the limit (431)."""
        method = rng.choice(["CONNECT", "TRACE", "GET"])

        def action(client):
            if method == "GET":
                padding = [(f"X-Pad-{i}", "p" * 1000) for i in range(16)]  # past maxRequestHeaderBytes
                client.send(request_head("GET", "/steady/bytes?size=1", padding))
            else:
                client.send(request_head(method, "/steady/x"))
            response = client.read_response(method)
            return str(response.status), error_problem(response)
        return self.timed(MARGIN, action)

    def upgrade_then_get(self, rng):
        """`Upgrade: h2c` with a GET pipelined behind it: no upgrade, both answered in order (SPEC §11)."""
        seeds = rng.randrange(1 << 30), rng.randrange(1 << 30)

        def action(client):
            client.send(request_head("GET", f"/steady/bytes?size=10&seed={seeds[0]}",
                                     [("Connection", "Upgrade, HTTP2-Settings"), ("Upgrade", "h2c"),
                                      ("HTTP2-Settings", "AAMAAABkAAQAAP__")])
                        + request_head("GET", f"/steady/bytes?size=20&seed={seeds[1]}"))
            for size, seed in zip((10, 20), seeds):
                outcome, problem = self.checked(client.read_response(), body(size, seed), steady=True)
                if outcome != "200" or problem:
                    return outcome, problem
            return "200", None
        return self.timed(QUEUE + CONNECT + RESPONSE + MARGIN, action)

    def too_large(self, rng):
        declared = rng.random() < 0.5
        limit = LIMITS["maxRequestBodyBytes"]

        def action(client):
            if declared:
                client.send(request_head("POST", "/steady/echo", length=limit + 1))
            else:
                client.send(request_head("POST", "/steady/echo", chunked=True))
                piece = chunked(view(256 * 1024, 3))[:-5]  # 256 KiB chunks, no last chunk
                sent = 0
                while sent <= limit + len(piece) and not client.readable():
                    if not client.send(piece):
                        break
                    sent += 256 * 1024
            response = client.read_response("POST")
            return str(response.status), error_problem(response, {"body_too_large"})
        return self.timed(MARGIN, action)

    # Healthy backend

    def gets(self, rng, sizes):
        """One to four GETs (some HEAD, some answered chunked) on one keep-alive connection, or
        one HTTP/1.0 GET or one with `Connection: close`, after which the gateway must close."""
        closing = rng.choice([None, None, None, None, None, None, None, None, "http/1.0", "connection: close"])

        def action(client):
            outcome = None
            for _ in range(1 if closing else rng.randint(1, 4)):
                size, seed = rng.choice(sizes), rng.randrange(1 << 30)
                method = "HEAD" if rng.random() < 0.1 else "GET"
                client.send(request_head(method, f"/steady/bytes?size={size}&seed={seed}"
                                         + ("&chunked=1" if rng.random() < 0.3 else ""),
                                         [("Connection", "close")] if closing == "connection: close" else [],
                                         version="1.0" if closing == "http/1.0" else "1.1"))
                response = client.read_response(method)
                if method == "HEAD":
                    outcome, problem = self.checked(response, b"", steady=True)
                    length = response.header("content-length")
                    if response.status == 200 and length not in (None, str(size)):
                        problem = problem or f"HEAD answered Content-Length {length}, expected {size}"
                else:
                    outcome, problem = self.checked(response, body(size, seed), steady=True)
                if problem or outcome != "200":
                    return outcome, problem
            if closing:
                client.deadline = time.monotonic() + MARGIN
                if client.drain_until_end():
                    return outcome, f"bytes after the response to a request with {closing}"
            return outcome, None
        return self.timed(QUEUE + CONNECT + RESPONSE + MARGIN, action)

    def early_answer(self, rng):
        """A 512 KiB upload the backend answers (200, or 413 as a backend refusing it would) after
        the first 64 KiB; the client finishes its body and, unless told to close, sends a GET
        on the same connection, which must be answered (SPEC §11)."""
        status, size, seed = rng.choice([200, 413]), rng.choice([0, 100, 5000]), rng.randrange(1 << 30)
        upload = view(512 * 1024, seed)

        def action(client):
            client.send(request_head("POST", f"/steady/early?status={status}&size={size}&seed={seed}",
                                     length=len(upload)) + bytes(upload[:65536]))
            response = client.read_response("POST")
            if response.status != status or response.body != body(size, seed):
                return str(response.status), (f"expected the backend's {status} with {size} bytes, got "
                                              f"{len(response.body)} bytes")
            if "close" in (response.header("connection") or "").lower():
                return str(status), None
            if not client.send(bytes(upload[65536:])):
                return str(status), "connection closed while finishing a body, without Connection: close"
            next_seed = seed + 1
            client.send(request_head("GET", f"/steady/bytes?size=100&seed={next_seed}"))
            try:
                outcome, problem = self.checked(client.read_response(), body(100, next_seed), steady=True)
            except Ended as ended:
                return str(status), f"the request after an early answer: {ended}"
            return (str(status), problem) if outcome == "200" else (str(status), f"then {outcome}")
        return self.timed(QUEUE + CONNECT + RESPONSE + MARGIN, action)

    def upload(self, rng, route="steady", use_chunked=False):
        size, seed = rng.choice([0, 1, 1000, 65536, 300000, 1 << 20]), rng.randrange(1 << 30)
        data = body(size, seed)

        def action(client):
            expect = [("Expect", "100-continue")] if rng.random() < 0.2 else []
            if use_chunked:
                client.send(request_head("POST", f"/{route}/echo", expect, chunked=True) + chunked(data))
            else:
                client.send(request_head("PUT", f"/{route}/echo", expect, length=size) + data)
            return self.checked(client.read_response("POST"), data, steady=route == "steady")
        return self.timed(PROXIED, action)

    def slow_reader(self, rng):
        """Reads a 1 MiB body 16 KiB every 20 ms (about 1.3 s): slow, never still; must arrive whole."""
        size, seed = 1 << 20, rng.randrange(1 << 30)

        def action(client):
            client.send(request_head("GET", f"/steady/bytes?size={size}&seed={seed}"))
            return self.checked(client.read_response(read_size=16384, read_pause=0.02), body(size, seed), True)
        return self.timed(QUEUE + CONNECT + RESPONSE + 1.3 * 4 + MARGIN, action, rcvbuf=16384)

    def stopped_reader(self, rng):
        """Asks for 8 MiB and stops reading after the head for longer than the backend idle timeout:
        the gateway must give up on it (abort the connection), not keep the transfer."""
        size, seed = MAX_BODY, rng.randrange(1 << 30)

        def action(client):
            client.send(request_head("GET", f"/steady/bytes?size={size}&seed={seed}"))
            client.read_line(in_head=True)  # the status line: the response is under way
            time.sleep(IDLE + 1.0)
            client.deadline = time.monotonic() + MARGIN  # once resumed, the end must come at once
            client.drain_until_end()
            return "aborted", None
        return self.timed(QUEUE + CONNECT + RESPONSE + IDLE + 1.0 + MARGIN, action, rcvbuf=16384)

    def slow_writer(self, rng):
        """Sends a 20 KB upload in ten pieces 120 ms apart: within every timeout, so echoed whole."""
        size, seed = 20000, rng.randrange(1 << 30)
        data = body(size, seed)

        def action(client):
            client.send(request_head("POST", "/steady/echo", length=size))
            for start in range(0, size, 2000):
                time.sleep(0.12)
                client.send(data[start:start + 2000])
            return self.checked(client.read_response("POST"), data, steady=True)
        return self.timed(1.2 + QUEUE + CONNECT + RESPONSE + MARGIN, action)

    def trickler(self, rng):
        """Declares 100 kB (or a chunked body) and sends 10 bytes every 400 ms: 408 body_timeout
        once bodyTimeoutMs is up."""
        use_chunked = rng.random() < 0.5

        def action(client):
            if use_chunked:
                client.send(request_head("POST", "/steady/echo", chunked=True))
            else:
                client.send(request_head("POST", "/steady/echo", length=100000))
            while not client.readable():
                time.sleep(0.4)
                if not client.send(b"a\r\n0123456789\r\n" if use_chunked else b"0123456789"):
                    break
            response = client.read_response("POST")
            return str(response.status), error_problem(response, {"body_timeout"})
        return self.timed(LIMITS["bodyTimeoutMs"] * S + MARGIN, action)

    def slowloris(self, rng):
        """Sends a head a byte every 300 ms, as a first request or after one on the same
        connection: 408 header_timeout once headerTimeoutMs is up."""
        second = rng.random() < 0.5

        def action(client):
            if second:
                seed = rng.randrange(1 << 30)
                client.send(request_head("GET", f"/steady/bytes?size=10&seed={seed}"))
                outcome, problem = self.checked(client.read_response(), body(10, seed), steady=True)
                if outcome != "200" or problem:
                    return outcome, problem
            for byte in request_head("GET", "/steady/bytes?size=10", [("X-Padding", "p" * 200)]):
                if client.readable() or not client.send(bytes([byte])):
                    break
                time.sleep(0.3)
            response = client.read_response()
            return str(response.status), error_problem(response, {"header_timeout"})
        return self.timed(LIMITS["headerTimeoutMs"] * S + MARGIN + (QUEUE + CONNECT + RESPONSE if second else 0),
                          action)

    def idle_connection(self, rng):
        """A keep-alive connection left idle after one GET is closed after limits.idleTimeoutMs;
        one that never sends a byte, after headerTimeoutMs, without an answer (SPEC §7)."""
        silent = rng.random() < 0.5
        limit = (LIMITS["headerTimeoutMs"] if silent else LIMITS["idleTimeoutMs"]) * S

        def action(client):
            if not silent:
                seed = rng.randrange(1 << 30)
                client.send(request_head("GET", f"/steady/bytes?size=10&seed={seed}"))
                outcome, problem = self.checked(client.read_response(), body(10, seed), steady=True)
                if outcome != "200" or problem:
                    return outcome, problem
            idle_since = time.monotonic()
            if client.drain_until_end():
                return "answered", "bytes on an idle connection"
            if time.monotonic() - idle_since < limit - 0.25:
                return "closed", f"closed after {time.monotonic() - idle_since:.2f} s, before its {limit:.1f} s"
            return "closed", None
        return self.timed(limit + MARGIN + (0 if silent else QUEUE + CONNECT + RESPONSE), action)

    def pipeline_flood(self, rng):
        """Up to 60 GETs, small uploads and preflights pipelined at once, nothing read for a second, then every
        answer read: all whole, in order (each carries its own request id)."""
        count = rng.randint(20, 60)
        plan = []
        for index in range(count):
            request_id = f"flood-{next(_ids)}-{index}"
            draw = rng.random()
            if draw < 0.15:
                plan.append((request_id, None, request_head("OPTIONS", "/steady/x", [
                    ("Origin", config.ORIGIN), ("Access-Control-Request-Method", "POST")], request_id=request_id)))
            elif draw < 0.25:
                size, seed = rng.choice([0, 10, 3000]), rng.randrange(1 << 30)
                plan.append((request_id, (size, seed), request_head(
                    "POST", "/steady/echo", length=size, request_id=request_id) + body(size, seed)))
            else:
                size, seed = rng.choice([0, 100, 4096, 65536, 200000]), rng.randrange(1 << 30)
                plan.append((request_id, (size, seed), request_head(
                    "GET", f"/steady/bytes?size={size}&seed={seed}", request_id=request_id)))

        def action(client):
            client.send(b"".join(head for _, _, head in plan))
            time.sleep(1.0)
            for request_id, asked, _ in plan:
                response = client.read_response("OPTIONS" if asked is None else "POST")
                if response.header("x-request-id") != request_id:
                    return str(response.status), (f"out of order: got {response.header('x-request-id')!r} "
                                                  f"where {request_id!r} was due")
                if asked is None:
                    if response.status != 204:
                        return str(response.status), "a pipelined preflight was not 204"
                    continue
                outcome, problem = self.checked(response, body(*asked), steady=True)
                if outcome != "200" or problem:
                    return outcome, problem
            return "200", None
        return self.timed(1.0 + count * 0.1 + QUEUE + CONNECT + RESPONSE + MARGIN, action)

    def flood_never_read(self, rng):
        """200 pipelined GETs of 64 KiB from a client that reads nothing: the gateway stops
        reading it and, once the response under way stands still for the backend idle timeout,
        ends the connection, holding at most a bounded backlog (SPEC §11)."""
        def action(client):
            client.send(b"".join(request_head("GET", f"/steady/bytes?size=65536&seed={i}") for i in range(200)))
            # Bytes move until the socket buffers are full (a few MiB: up to 4 s allowed for it
            # on a busy machine), then stand still for the idle timeout.
            time.sleep(FLOOD_FILL + IDLE)
            client.deadline = time.monotonic() + MARGIN
            received = client.drain_until_end()
            if received >= 200 * 65536:
                return "200", "every response arrived although the client read nothing for longer than the idle timeout"
            return "aborted", None
        return self.timed(FLOOD_FILL + IDLE + MARGIN + 1.0, action, rcvbuf=16384)

    # Clients that leave

    def vanish(self, rng):
        reset = rng.random() < 0.5
        how = rng.choice(["mid-head", "mid-body", "mid-response", "after-pipeline", "waiting-for-head"])

        def action(client):
            if how == "mid-head":
                client.send(request_head("GET", "/steady/bytes?size=10")[:30])
            elif how == "mid-body":
                client.send(request_head("POST", "/steady/echo", length=50000) + bytes(view(10000, 5)))
                time.sleep(rng.uniform(0, 0.2))
            elif how == "mid-response":
                client.send(request_head("GET", f"/steady/bytes?size={4 << 20}&seed=11"))
                client.read_line(in_head=True)
                client.read_some()
            elif how == "after-pipeline":
                client.send(b"".join(request_head("GET", f"/steady/bytes?size=65536&seed={i}") for i in range(10)))
            else:  # gone while its request holds one of the faulty backend's slots (the probe checks it came back)
                client.send(request_head("GET", "/faulty/stall/head"))
                time.sleep(rng.uniform(0.1, 1.0))
            client.close(reset=reset)
            return "vanished", None
        return self.timed(QUEUE + CONNECT + RESPONSE + MARGIN, action)

    # Backends in trouble

    def flaky(self, rng):
        if rng.random() < 0.3:
            return self.upload(rng, route="flaky")
        size, seed = rng.choice([0, 100, 10000, 100000, 1 << 20]), rng.randrange(1 << 30)

        def action(client):
            client.send(request_head("GET", f"/flaky/bytes?size={size}&seed={seed}"))
            return self.checked(client.read_response(), body(size, seed))
        return self.timed(PROXIED, action)

    def faulty(self, rng, paths):
        path = rng.choice(paths)

        def action(client):
            client.send(request_head("GET", f"/faulty{path}"))
            response = client.read_response()
            return str(response.status), error_problem(response)
        return self.timed(PROXIED, action)

    def odd_response(self, rng):
        mode = rng.choice(sorted(ODD))

        def action(client):
            client.send(request_head("GET", f"/faulty/odd/{mode}"))
            response = client.read_response()
            if response.status != 200:
                return str(response.status), error_problem(response)
            if response.body != ODD[mode][1]:
                return "200", f"{mode}: body {response.body[:40]!r}, expected {ODD[mode][1]!r}"
            if mode == "obs-text" and response.header("x-obs") != "caf\xe9":
                return "200", f"obs-text: X-Obs {response.header('x-obs')!r}, expected the bytes caf\\xe9"
            return "200", None
        return self.timed(PROXIED, action)

    def extra(self, rng):
        size, seed = rng.choice([0, 100, 10000]), rng.randrange(1 << 30)

        def action(client):
            client.send(request_head("GET", f"/extra/bytes?size={size}&seed={seed}"))
            return self.checked(client.read_response(), body(size, seed))
        return self.timed(QUEUE + CONNECT + RESPONSE + MARGIN, action)


GARBAGE = ["/garbage/not-http", "/garbage/bad-status", "/garbage/conflicting-length",
           "/garbage/switching-protocols", "/garbage/space-before-colon", "/garbage/bare-cr",
           "/garbage/huge-head", "/garbage/empty-close", "/reset/head"]


def kinds(soak):
    k = Kinds(soak)
    busy = "503"  # upstream_busy: the faulty backend's 6 slots can all be held by stalls (SPEC §11)
    fault = ["200", "502", "503", "504", "aborted"]  # a killed or stopped backend: SPEC §7, §11
    return [
        Kind("preflight", 10, lambda rng: k.preflights(rng, True), ["204"], MARGIN),
        Kind("preflight-rejected", 3, lambda rng: k.preflights(rng, False), ["403"], MARGIN),
        Kind("get-small", 20, lambda rng: k.gets(rng, [0, 1, 100, 1000, 16384]), ["200"],
             QUEUE + CONNECT + RESPONSE + MARGIN),
        Kind("get-large", 4, lambda rng: k.gets(rng, [262144, 1 << 20, 4 << 20]), ["200"],
             QUEUE + CONNECT + RESPONSE + MARGIN),
        Kind("upload", 6, lambda rng: k.upload(rng), ["200"], PROXIED),
        Kind("upload-chunked", 3, lambda rng: k.upload(rng, use_chunked=True), ["200"], PROXIED),
        Kind("early-answer", 1, k.early_answer, ["200", "413"], QUEUE + CONNECT + RESPONSE + MARGIN),
        Kind("slow-reader", 1, k.slow_reader, ["200"], QUEUE + CONNECT + RESPONSE + 1.3 * 4 + MARGIN),
        Kind("stopped-reader", 0.5, k.stopped_reader, ["aborted"], QUEUE + CONNECT + RESPONSE + IDLE + 1.0 + MARGIN),
        Kind("slow-writer", 1, k.slow_writer, ["200"], 1.2 + QUEUE + CONNECT + RESPONSE + MARGIN),
        Kind("body-trickler", 0.5, k.trickler, ["408"], LIMITS["bodyTimeoutMs"] * S + MARGIN),
        Kind("slowloris", 0.5, k.slowloris, ["408"], LIMITS["headerTimeoutMs"] * S + QUEUE + CONNECT + RESPONSE + MARGIN),
        Kind("refused-head", 1, k.refused_head, ["405", "431"], MARGIN),
        Kind("upgrade-then-get", 1, k.upgrade_then_get, ["200"], QUEUE + CONNECT + RESPONSE + MARGIN),
        Kind("too-large", 1, k.too_large, ["413"], MARGIN),
        Kind("bad-request", 2, k.bad_request, ["400"], MARGIN),
        Kind("vanishing", 3, k.vanish, ["vanished"], QUEUE + CONNECT + RESPONSE + MARGIN),
        Kind("idle-connection", 1, k.idle_connection, ["closed"],
             LIMITS["idleTimeoutMs"] * S + QUEUE + CONNECT + RESPONSE + MARGIN),
        Kind("flood-never-read", 0.5, k.flood_never_read, ["aborted"], FLOOD_FILL + IDLE + MARGIN + 1.0),
        Kind("pipeline-flood", 1, k.pipeline_flood, ["200"], 1.0 + 60 * 0.1 + QUEUE + CONNECT + RESPONSE + MARGIN),
        Kind("flaky", 8, k.flaky, fault, PROXIED),
        Kind("garbage", 3, lambda rng: k.faulty(rng, GARBAGE), ["502", busy], PROXIED),
        Kind("odd-response", 2, k.odd_response, ["200", busy], PROXIED),
        Kind("reset-mid-body", 0.5, lambda rng: k.faulty(rng, ["/reset/body"]), ["aborted", busy], PROXIED),
        Kind("stall-head", 0.5, lambda rng: k.faulty(rng, ["/stall/head"]), ["504", busy], PROXIED),
        Kind("stall-body", 0.5, lambda rng: k.faulty(rng, ["/stall/body"]), ["aborted", busy], PROXIED),
        # The route `extra` comes and goes with the reloads: 404 no_route while it is gone.
        Kind("extra-route", 2, k.extra, ["200", "404"], QUEUE + CONNECT + RESPONSE + MARGIN),
    ]
