"""Correctness checks with a plain HTTP client (nghttp for HTTPS + HTTP/2), before anything is
measured."""

import http.client
import re
import select
import shutil
import socket
import subprocess

from .contestants import BIG_BYTES
from .procs import BenchError

UPLOAD_BYTES = 256 * 1024
PREFLIGHT_VARY = {"origin", "access-control-request-method", "access-control-request-headers"}


def request(port, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.headers, data
    finally:
        conn.close()


# nghttp -v prints each received header field as `[  0.004] recv (stream_id=13) name: value`.
NGHTTP_HEADER = re.compile(r"^\[[ 0-9.]+\] recv \(stream_id=\d+[^)]*\) (:?[^:\s]+): (.*)$")


def h2_request(port, method, path, headers=None, body=None):
    """One request over HTTPS + HTTP/2 with nghttp (from nghttp2-client, as h2load); the body of
    the answer is not kept. Fails loudly when the server does not choose h2 by ALPN."""
    if body is not None:
        raise BenchError("h2_request sends no bodies")
    nghttp = shutil.which("nghttp")
    if nghttp is None:
        raise BenchError("the TLS scenarios need nghttp and h2load (apt-get install nghttp2-client)")
    argv = [nghttp, "-nv", "-t", "10", "-H", f":method: {method}"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name.lower()}: {value}"]
    argv.append(f"https://127.0.0.1:{port}{path}")
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=20)
    if "negotiated protocol: h2" not in result.stdout:
        raise BenchError(f"`{' '.join(argv)}` did not negotiate h2:\n{result.stdout[-2000:]}")
    answer = http.client.HTTPMessage()
    status = None
    for line in result.stdout.splitlines():
        m = NGHTTP_HEADER.match(line)
        if m and m.group(1) == ":status":
            status = int(m.group(2))
        elif m and not m.group(1).startswith(":"):
            answer[m.group(1)] = m.group(2)
    if status is None:
        raise BenchError(f"`{' '.join(argv)}` got no answer:\n{result.stdout[-2000:]}")
    return status, answer, b""


def vary_tokens(headers):
    tokens = set()
    for line in headers.get_all("Vary") or []:
        tokens |= {t.strip().lower() for t in line.split(",") if t.strip()}
    return tokens


class Checker:
    def __init__(self, name, port, send=request):
        self.name, self.port, self.send, self.failures = name, port, send, []

    def expect(self, check, condition, detail):
        if not condition:
            self.failures.append(f"{check}: {detail}")

    def preflight(self, check, origin, allowed, method="POST", req_headers="content-type"):
        headers = {"Origin": origin, "Access-Control-Request-Method": method}
        if req_headers:
            headers["Access-Control-Request-Headers"] = req_headers
        status, h, _ = self.send(self.port, "OPTIONS", "/fn/hello", headers)
        acao = h.get("Access-Control-Allow-Origin")
        self.expect(check, PREFLIGHT_VARY <= vary_tokens(h), f"Vary is {h.get_all('Vary')}")
        if not allowed:
            self.expect(check, acao is None, f"rejected preflight got ACAO {acao!r}")
            self.expect(check, status == 403, f"status {status}, want 403")
            return
        self.expect(check, status == 204, f"status {status}, want 204")
        self.expect(check, acao == origin, f"ACAO {acao!r}, want {origin!r}")
        self.expect(check, h.get("Access-Control-Allow-Credentials") == "true",
                    f"ACAC {h.get('Access-Control-Allow-Credentials')!r}")
        methods = {m.strip() for m in (h.get("Access-Control-Allow-Methods") or "").split(",")}
        self.expect(check, {"GET", "HEAD", "POST"} <= methods, f"ACAM {h.get('Access-Control-Allow-Methods')!r}")
        self.expect(check, "content-type" in (h.get("Access-Control-Allow-Headers") or "").lower(),
                    f"ACAH {h.get('Access-Control-Allow-Headers')!r}")
        self.expect(check, h.get("Access-Control-Max-Age") == "600", f"ACMA {h.get('Access-Control-Max-Age')!r}")

    def actual(self, check, method, path, origin, allowed, body=None, want_body=None, want_len=None):
        headers = {"Origin": origin}
        if body is not None:
            headers["Content-Type"] = "application/octet-stream"
        status, h, data = self.send(self.port, method, path, headers, body)
        acao = h.get("Access-Control-Allow-Origin")
        self.expect(check, status == 200, f"status {status}, want 200")
        self.expect(check, "origin" in vary_tokens(h), f"Vary is {h.get_all('Vary')}, want Origin")
        if want_body is not None:
            self.expect(check, data == want_body, f"body {data[:80]!r}, want {want_body!r}")
        if want_len is not None:
            self.expect(check, len(data) == want_len, f"body is {len(data)} bytes, want {want_len}")
        if not allowed:
            self.expect(check, acao is None, f"disallowed origin got ACAO {acao!r}")
            return
        self.expect(check, acao == origin, f"ACAO {acao!r}, want {origin!r}")
        self.expect(check, h.get("Access-Control-Allow-Credentials") == "true",
                    f"ACAC {h.get('Access-Control-Allow-Credentials')!r}")
        self.expect(check, (h.get("Access-Control-Expose-Headers") or "").lower() == "x-request-id",
                    f"ACEH {h.get('Access-Control-Expose-Headers')!r}")


def check_contestant(name, port, tls=False, only=None):
    """Every scenario answered as the policy says; raise BenchError naming contestant and checks.
    A TLS contestant runs only preflights (H, K) and A's GET (G), so only they are checked, over
    h2 (nghttp keeps no body, so G's is not compared). One that runs only A and C (`only`) is
    checked on A's GETs alone."""
    c = Checker(name, port, send=h2_request if tls else request)
    if only == "AC":
        _check_small_gets(c)
    elif tls:
        _check_preflights(c)
        c.actual("G GET /fn/hello", "GET", "/fn/hello", "https://x.example.org", True)
        c.actual("G GET /fn/hello from https://evil.example", "GET", "/fn/hello", "https://evil.example", False)
    else:
        _check_preflights(c)
        _check_actual_requests(c)
    if c.failures:
        raise BenchError(f"{name} answers incorrectly:\n  " + "\n  ".join(c.failures))


def _check_preflights(c):
    c.preflight("P preflight (allowed)", "https://app.example.com", True)
    c.preflight("P preflight, wildcard origin", "https://a.b.example.org", True)
    c.preflight("P preflight, no request headers", "https://admin.example.com", True, req_headers=None)
    c.preflight("preflight from https://evil.example", "https://evil.example", False)
    c.preflight("preflight from the apex https://example.org", "https://example.org", False)
    c.preflight("preflight from https://example.org.evil.com", "https://example.org.evil.com", False)
    c.preflight("preflight from https://APP.example.com", "https://APP.example.com", False)
    c.preflight("preflight asking for PUT", "https://app.example.com", False, method="PUT")
    c.preflight("preflight asking for x-api-key", "https://app.example.com", False, req_headers="x-api-key")


def _check_small_gets(c):
    c.actual("A GET /fn/hello", "GET", "/fn/hello", "https://x.example.org", True,
             want_body=b'{"hello":"world"}')
    c.actual("A GET /fn/hello from https://evil.example", "GET", "/fn/hello", "https://evil.example", False,
             want_body=b'{"hello":"world"}')


def _check_actual_requests(c):
    _check_small_gets(c)
    c.actual("L GET /fn/big", "GET", "/fn/big", "https://app.example.com", True, want_len=BIG_BYTES)
    c.actual("U POST /fn/upload", "POST", "/fn/upload", "https://app.example.com", True,
             body=b"u" * UPLOAD_BYTES, want_body=b'{"uploaded":true}')


def check_backend(port):
    """The backend serves every path, and reads a whole upload before it answers."""
    c = Checker("backend nginx", port)
    status, h, data = request(port, "GET", "/fn/hello")
    c.expect("GET /fn/hello", status == 200 and data == b'{"hello":"world"}'
             and h.get("Content-Type") == "application/json", f"{status} {h.get('Content-Type')} {data!r}")
    status, _, data = request(port, "GET", "/fn/big")
    c.expect("GET /fn/big", status == 200 and len(data) == BIG_BYTES, f"{status}, {len(data)} bytes")
    # Send half the body: no answer may come before the rest is sent.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        head = (f"POST /fn/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {UPLOAD_BYTES}\r\n"
                "Content-Type: application/octet-stream\r\n\r\n").encode()
        s.sendall(head + b"u" * (UPLOAD_BYTES // 2))
        early, _, _ = select.select([s], [], [], 0.3)
        c.expect("POST /fn/upload", not early, "answered before the whole body arrived")
        s.sendall(b"u" * (UPLOAD_BYTES - UPLOAD_BYTES // 2))
        answer = s.recv(4096)
        c.expect("POST /fn/upload", answer.startswith(b"HTTP/1.1 200") and answer.endswith(b'{"uploaded":true}'),
                 f"answer {answer[:120]!r}")
    if c.failures:
        raise BenchError("backend nginx answers incorrectly:\n  " + "\n  ".join(c.failures))

