#!/usr/bin/env python3
"""Request-smuggling and response-splitting differential (issue 13, Docs/security.md).

Runs the corpus in Tests/Corpus/differential through one or more reverse proxies, each in front
of a strict raw-socket backend, over real loopback sockets:

    scripts/differential.py --proxy gateway --gateway-bin .build/debug/cors-gateway
    scripts/differential.py --proxy gateway,nginx,haproxy --gateway-bin ... --markdown out.md

requests.jsonl: each case is raw client bytes and what they mean under RFC 9112 (the messages a
backend should receive, or null: the request is invalid and only a refusal is right).
responses.jsonl: each case is the raw bytes the backend answers `GET /r/<id>` with, and what
they mean (status and body, or null). A second, pipelined `GET /second` follows each response
case, so a forged response would be taken as its answer.

Verdicts (defined in Docs/security.md): `refused`, `normalized`, `lenient` or `FAIL`, each with
the reason. With --markdown, the summary and per-case tables go to a file. Exit status
1 when a proxy named by --require-pass has a case that is neither refused nor normalized,
except a case whose openGatewayDefect names the gateway defect that still fails it (for the
gateway; such a case that passes is an error too, so the mark cannot outlive its defect).
Python 3 standard library only.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Tests", "Corpus", "differential")

QUIET_AFTER_ANSWER = 0.25  # after the answers it expects, the client waits this long for more bytes
BACKEND_LINGER = 0.15  # after answering, the backend reads this long for bytes sent behind a message
SECOND_BODY = b"second-ok"
VERDICTS = ("refused", "normalized", "lenient", "FAIL")

TCHAR = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]"
FIELD_LINE = re.compile(rb"(" + TCHAR + rb"+):[ \t]*(.*?)[ \t]*")
FIELD_VALUE = re.compile(rb"[\t\x20-\x7e\x80-\xff]*")
REQUEST_LINE = re.compile(rb"(" + TCHAR + rb"+) ([!-~]+) HTTP/1\.([01])")
STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([1-5][0-9][0-9]) ([\t\x20-\x7e\x80-\xff]*)")
QUOTED = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
CHUNK_EXT = re.compile(rb"(?:[ \t]*;[ \t]*" + TCHAR + rb"+(?:[ \t]*=[ \t]*(?:" + TCHAR + rb"+|" + QUOTED + rb"))?)*")
CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,15})(.*)", re.S)


class ParseError(Exception):
    pass


class Incomplete(Exception):
    pass


# --- strict HTTP/1.1 parsing (RFC 9112, no leniency) -------------------------------------------

def parse_fields(lines):
    fields = []
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            raise ParseError(f"obs-fold or leading whitespace: {line[:60]!r}")
        m = FIELD_LINE.fullmatch(line)
        if not m:
            raise ParseError(f"invalid field line {line[:60]!r}")
        if not FIELD_VALUE.fullmatch(m.group(2)):
            raise ParseError(f"control byte in the value of {m.group(1)!r}")
        fields.append((m.group(1).decode("latin-1"), m.group(2).decode("latin-1")))
    return fields


def split_head(buf, start):
    end = buf.find(b"\r\n\r\n", start)
    if end < 0:
        if len(buf) - start > 1 << 20:
            raise ParseError("head larger than 1 MiB")
        if b"\n" in buf[start:] and not bare_lf_free(buf[start:]):
            raise ParseError("bare LF in the head")
        raise Incomplete()
    lines = buf[start:end].split(b"\r\n")
    for line in lines:
        if b"\r" in line or b"\n" in line or b"\x00" in line:
            raise ParseError(f"bare CR, LF or NUL in {line[:60]!r}")
    return lines, end + 4


def bare_lf_free(data):
    return all(i > 0 and data[i - 1:i] == b"\r" for i in range(len(data)) if data[i:i + 1] == b"\n")


def values(fields, name):
    return [v for n, v in fields if n.lower() == name]


def body_framing(fields, version_minor):
    """'chunked', an int length, or None (no framing field)."""
    te = values(fields, "transfer-encoding")
    cl = values(fields, "content-length")
    if te:
        if version_minor == 0:
            raise ParseError("Transfer-Encoding in an HTTP/1.0 message")
        if cl:
            raise ParseError("both Transfer-Encoding and Content-Length")
        codings = [c.strip().lower() for v in te for c in v.split(",") if c.strip()]  # empty elements do not count
        if codings != ["chunked"]:
            raise ParseError(f"Transfer-Encoding {', '.join(te)!r} is not exactly chunked")
        return "chunked"
    if cl:
        if any(not re.fullmatch(r"[0-9]{1,18}", v) for v in cl) or len(set(int(v) for v in cl)) != 1:
            raise ParseError(f"Content-Length {cl!r}")
        return int(cl[0])
    return None


def parse_chunked(buf, pos):
    body = bytearray()
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            if b"\n" in buf[pos:] or len(buf) - pos > 8192:
                raise ParseError("chunk-size line without CRLF")
            raise Incomplete()
        line = buf[pos:eol]
        m = CHUNK_SIZE.fullmatch(line)
        if not m or not CHUNK_EXT.fullmatch(m.group(2)):
            raise ParseError(f"chunk-size line {line[:60]!r}")
        size = int(m.group(1), 16)
        pos = eol + 2
        if size == 0:
            break
        if len(buf) < pos + size + 2:
            raise Incomplete()
        body += buf[pos:pos + size]
        if buf[pos + size:pos + size + 2] != b"\r\n":
            raise ParseError("chunk data not followed by CRLF")
        pos += size + 2
    if buf[pos:pos + 2] == b"\r\n":
        return bytes(body), pos + 2
    if len(buf) < pos + 2:
        raise Incomplete()
    lines, end = split_head(buf, pos)
    parse_fields(lines)
    return bytes(body), end


def parse_request(buf):
    """(message, bytes consumed); Incomplete or ParseError."""
    lines, pos = split_head(buf, 0)
    m = REQUEST_LINE.fullmatch(lines[0])
    if not m:
        raise ParseError(f"request line {lines[0][:80]!r}")
    target = m.group(2)
    if b"#" in target:
        raise ParseError("fragment in the target")
    fields = parse_fields(lines[1:])
    minor = int(m.group(3))
    if minor == 1 and len(values(fields, "host")) != 1:
        raise ParseError("not exactly one Host")
    framing = body_framing(fields, minor)
    if framing == "chunked":
        body, pos = parse_chunked(buf, pos)
    elif framing:
        if len(buf) < pos + framing:
            raise Incomplete()
        body, pos = buf[pos:pos + framing], pos + framing
    else:
        body = b""
    return {"method": m.group(1).decode("latin-1"), "target": target.decode("latin-1"),
            "version": f"1.{minor}", "headers": fields, "body": body.decode("latin-1")}, pos


def parse_response(buf, eof, bodiless=False):
    """(response, bytes consumed); Incomplete or ParseError. A close-delimited body needs eof;
    bodiless: the answer to a HEAD."""
    lines, pos = split_head(buf, 0)
    m = STATUS_LINE.fullmatch(lines[0])
    if not m:
        raise ParseError(f"status line {lines[0][:80]!r}")
    status = int(m.group(2))
    fields = parse_fields(lines[1:])
    response = {"status": status, "headers": fields, "body": ""}
    if status == 101:  # what follows is another protocol
        response["body"] = buf[pos:].decode("latin-1")
        return response, len(buf)
    if 100 <= status < 200 or status in (204, 304):
        return response, pos
    if bodiless:
        body_framing(fields, int(m.group(1)))
        return response, pos
    framing = body_framing(fields, int(m.group(1)))
    if framing == "chunked":
        body, pos = parse_chunked(buf, pos)
    elif framing is not None:
        if len(buf) < pos + framing:
            raise Incomplete()
        body, pos = buf[pos:pos + framing], pos + framing
    else:
        if not eof:
            raise Incomplete()
        body, pos = buf[pos:], len(buf)
    response["body"] = body.decode("latin-1")
    return response, pos


def parse_responses(buf, eof, head_first=False):
    """Every response in buf, then the state of what is left: 'end', 'incomplete' or an error.
    head_first: the first request was a HEAD."""
    responses = []
    pos = 0
    while pos < len(buf):
        bodiless = head_first and not any(r["status"] >= 200 for r in responses)
        try:
            response, used = parse_response(buf[pos:], eof, bodiless)
        except Incomplete:
            return responses, "incomplete"
        except ParseError as error:
            return responses, f"unparsable: {error}"
        responses.append(response)
        pos += used
        if response["status"] == 101:
            break
    return responses, "end"


# --- the strict backend ------------------------------------------------------------------------

class StrictBackend:
    """Accepts connections, parses every message strictly and records it. Request mode answers
    each message 200 "ok" with Connection: close; response mode answers GET /r/<id> with that
    case's raw bytes and GET /second with a plain 200."""

    def __init__(self, raw_responses=None):
        self.raw_responses = raw_responses or {}
        self.lock = threading.Lock()
        self.events = []
        self.open = 0
        self.connections = set()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def record(self, kind, detail):
        if kind == "error":  # the same words whatever port this run's backend had
            detail = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", detail)
        with self.lock:
            self.events.append((kind, detail))

    def take(self, timeout=1.5):
        """Waits until every backend connection has ended (at most timeout), then returns and
        clears the events; connections still open are closed and their unparsed bytes recorded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.open == 0:
                    break
            time.sleep(0.01)
        with self.lock:
            for conn in list(self.connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        time.sleep(0.02)
        with self.lock:
            events, self.events = self.events, []
        return events

    def accept_loop(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.open += 1
                self.connections.add(conn)
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        buf = b""
        conn.settimeout(5)
        try:
            while True:
                try:
                    message, used = parse_request(buf) if buf else (None, 0)
                except Incomplete:
                    message = None
                except ParseError as error:
                    self.record("error", f"{error} in {buf[:120]!r}")
                    return
                if message:
                    buf = buf[used:]
                    self.record("message", message)
                    try:
                        self.answer(conn, message)
                    except OSError:
                        pass  # the proxy went away; what it sent is recorded
                    conn.settimeout(BACKEND_LINGER)
                    continue
                try:
                    data = conn.recv(65536)
                except (socket.timeout, OSError):
                    data = b""
                if not data:
                    if buf:
                        self.record("partial", buf[:120])
                    return
                buf += data
        finally:
            with self.lock:
                self.open -= 1
                self.connections.discard(conn)
            conn.close()

    def answer(self, conn, message):
        target = message["target"]
        raw = None
        if target.startswith("/r/"):
            raw = self.raw_responses.get(target[3:])
        if raw is not None:
            conn.sendall(raw)
        elif target == "/second":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(SECOND_BODY), SECOND_BODY))
        else:
            body = b"" if message["method"] == "HEAD" else b"ok"
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n" + body)
        try:
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass


# --- proxies under test ------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, process, what):
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} is not listening on {port}")


class Proxy:
    def __init__(self, name, workdir, backend_port, args):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix=f"{name}-", dir=workdir)
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        log = open(os.path.join(self.dir, "output.log"), "wb")
        timeout_ms = max(1000, int(args.deadline * 1000) - 1000)  # the proxy gives up before the client
        if name == "gateway":
            config = {
                "listen": [f"127.0.0.1:{self.port}"], "admin": None,
                "limits": {"headerTimeoutMs": timeout_ms, "bodyTimeoutMs": timeout_ms},
                "backends": {"strict": {"url": f"http://127.0.0.1:{backend_port}", "responseTimeoutMs": timeout_ms,
                                        "idleTimeoutMs": timeout_ms}},
                "routes": [{"name": "all", "match": {"pathPrefix": "/"}, "backend": "strict"}],
            }
            path = os.path.join(self.dir, "gateway.json")
            with open(path, "w") as f:
                json.dump(config, f)
            command = [args.gateway_bin, "serve", "--config", path, "--no-access-log", "--log-level", "error"]
        elif name == "nginx":
            path = os.path.join(self.dir, "nginx.conf")
            with open(path, "w") as f:
                f.write(NGINX_CONF.replace("{{DIR}}", self.dir).replace("{{PORT}}", str(self.port))
                        .replace("{{BACKEND}}", str(backend_port)).replace("{{TIMEOUT}}", f"{timeout_ms}ms"))
            command = [args.nginx_bin, "-p", self.dir, "-e", os.path.join(self.dir, "error.log"), "-c", path]
        elif name == "haproxy":
            path = os.path.join(self.dir, "haproxy.cfg")
            with open(path, "w") as f:
                f.write(HAPROXY_CFG.replace("{{PORT}}", str(self.port)).replace("{{BACKEND}}", str(backend_port))
                        .replace("{{TIMEOUT}}", f"{timeout_ms}ms"))
            command = [args.haproxy_bin, "-db", "-f", path]
        else:
            raise ValueError(name)
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_listening(self.port, self.process, name)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# A plain reverse proxy: defaults, HTTP/1.1 upstream (as curl and HAProxy speak), no buffering
# changes. nginx 1.22 (Debian 12).
NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid {{DIR}}/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path {{DIR}}/body;
    proxy_temp_path {{DIR}}/proxy;
    fastcgi_temp_path {{DIR}}/fastcgi;
    uwsgi_temp_path {{DIR}}/uwsgi;
    scgi_temp_path {{DIR}}/scgi;
    client_header_timeout {{TIMEOUT}};
    client_body_timeout {{TIMEOUT}};
    server {
        listen 127.0.0.1:{{PORT}};
        location / {
            proxy_pass http://127.0.0.1:{{BACKEND}};
            proxy_http_version 1.1;
            proxy_read_timeout {{TIMEOUT}};
        }
    }
}
"""

# HAProxy 2.6 (Debian 12), HTTP mode, defaults.
HAPROXY_CFG = """global
    nbthread 1
defaults
    mode http
    timeout connect {{TIMEOUT}}
    timeout client {{TIMEOUT}}
    timeout server {{TIMEOUT}}
    timeout http-request {{TIMEOUT}}
frontend edge
    bind 127.0.0.1:{{PORT}}
    default_backend strict
backend strict
    server strict 127.0.0.1:{{BACKEND}}
"""


# --- one case ----------------------------------------------------------------------------------

def exchange(port, raw, halfclose, answers_expected, deadline_seconds, head_first=False):
    """Sends raw on a fresh connection; returns (bytes received, whether the proxy closed it)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=deadline_seconds)
    received = b""
    closed = False
    try:
        sock.sendall(raw)
        if halfclose:
            sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + deadline_seconds
        quiet_until = None
        while True:
            now = time.monotonic()
            limit = min(deadline, quiet_until) if quiet_until else deadline
            if now >= limit:
                break
            sock.settimeout(limit - now)
            try:
                data = sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not data:
                closed = True
                break
            received += data
            responses, _ = parse_responses(received, False, head_first)
            finals = [r for r in responses if r["status"] >= 200 or r["status"] == 101]
            if len(finals) >= answers_expected:
                quiet_until = time.monotonic() + QUIET_AFTER_ANSWER
    except OSError:
        closed = True
    finally:
        sock.close()
    return received, closed


def dot_segments_removed(path):
    out = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    trailing = path.endswith("/.") or path.endswith("/..")
    return "/" + "/".join(out) + ("/" if trailing else "")


def canonical_target(target):
    m = re.fullmatch(r"https?://[^/?#]*(.*)", target)
    if m:
        target = m.group(1) or "/"
    if target == "*":
        return target
    path, sep, query = target.partition("?")
    return dot_segments_removed(path) + sep + query


def same_value(found, value):
    """Runs of spaces and tabs count as one: an unfolded obs-fold may be one or more SP."""
    return re.sub(r"[ \t]+", " ", found) == re.sub(r"[ \t]+", " ", value)


def message_mismatch(got, want):
    if got["method"] != want["method"]:
        return f"method {got['method'][:20]!r} for {want['method'][:20]!r}"
    if canonical_target(got["target"]) != canonical_target(want["target"]):
        return f"target {got['target'][:60]!r} for {want['target'][:60]!r}"
    if got["body"] != want["body"] and not (want.get("bodyOptional") and got["body"] == ""):
        return f"body {got['body'][:40]!r} for {want['body'][:40]!r}"
    for name, value in want.get("headers", {}).items():
        found = values(got["headers"], name.lower())
        if len(found) != 1 or not same_value(found[0], value):
            return f"{name} {[v[:40] for v in found]!r} for {value[:40]!r}"
    for name in want.get("absent", []):
        if values(got["headers"], name.lower()):
            return f"{name} forwarded"
    return None


def answer_body(message):
    return "" if message["method"] == "HEAD" else "ok"


def describe_refusal(finals, closed, tail):
    status = str(finals[0]["status"]) if finals else ("no response" if tail == "end" else "cut-off response")
    return f"{status}, {'closed' if closed else 'kept open'}"


def judge_request(case, events, received, closed):
    errors = [d for k, d in events if k == "error"]
    messages = [d for k, d in events if k == "message"]
    expect = case["expect"]
    responses, tail = parse_responses(received, closed, head_first(case))
    finals = [r for r in responses if r["status"] >= 200 or r["status"] == 101]
    if errors:
        also = "".join(f"; then {m['method'][:20]} {m['target'][:40]} reached it" for m in messages)
        return "FAIL", f"strict backend could not parse what arrived: {errors[0][:160]}{also}"
    if tail.startswith("unparsable"):
        return "FAIL", f"client got a response it cannot parse ({tail[:100]})"
    if not messages:  # an upload cut off midway ("partial") is no message: the backend never acts on it
        if finals and finals[0]["status"] >= 400:
            if len(finals) > 1:
                return "FAIL", f"{len(finals)} answers to one request: the body was read as a request ({finals[1]['status']})"
            return "refused", describe_refusal(finals, closed, tail)
        if not finals and closed:
            return "refused", describe_refusal(finals, closed, tail)
        if finals:
            return "FAIL", f"answered {finals[0]['status']} without forwarding"
        return "FAIL", "no answer and the connection stayed open (stalled)"
    if expect is None:
        m = messages[0]
        if len(messages) > 1:
            return "FAIL", f"an invalid request reached the backend as {len(messages)} messages"
        if case.get("close") and not closed:
            return "FAIL", f"took its own reading of framing in doubt ({m['method'][:20]} {m['target'][:40]}, body {m['body'][:20]!r}) and kept the connection open"
        return "lenient", f"forwarded as {m['method'][:20]} {m['target'][:40]} with body {m['body'][:30]!r}, {'closed' if closed else 'kept open'}"
    if len(messages) > len(expect):
        extra = messages[len(expect)]
        return "FAIL", f"{len(messages)} messages reached the backend for {len(expect)}: {extra['method'][:20]} {extra['target'][:40]}"
    for got, want in zip(messages, expect):
        mismatch = message_mismatch(got, want)
        if mismatch:
            return "FAIL", "forwarded with a different meaning: " + mismatch
    backend_answers = finals[:len(messages)]
    if len(backend_answers) < len(messages) or any(r["status"] != 200 or r["body"] != answer_body(m) for r, m in zip(backend_answers, messages)):
        return "FAIL", f"the backend's answers did not reach the client ({[r['status'] for r in finals]})"
    rest = finals[len(messages):]
    if rest and not case.get("trailingOk") and not (len(messages) < len(expect)):
        return "FAIL", f"{len(finals)} answers for {len(expect)} requests"
    if any(r["status"] < 400 for r in rest):
        return "FAIL", f"a local {rest[0]['status']} after the forwarded request(s)"
    if case.get("close") and not closed:
        return "FAIL", "framing in doubt, yet the connection stayed open"
    note = ""
    if len(messages) < len(expect):
        if not closed and not rest:
            return "FAIL", f"forwarded {len(messages)} of {len(expect)} requests and left the rest unanswered"
        note = f", {len(messages)} of {len(expect)} pipelined requests forwarded, then {'closed' if closed else rest[0]['status']}"
    return "normalized", f"{len(messages)} message(s){note}"


def judge_response(case, events, received, closed):
    expect = case["expect"]
    errors = [d for k, d in events if k == "error"]
    if errors:
        return "FAIL", f"strict backend could not parse the forwarded request: {errors[0][:160]}"
    responses, tail = parse_responses(received, closed)
    finals = [r for r in responses if r["status"] >= 200 or r["status"] == 101]
    # Inside the body of the first response the forged bytes are content (judged below by what
    # the body should be); anywhere else a client may take them for a response or a header.
    in_first_body = finals[0]["body"].encode("latin-1").count(b"FORGED") if finals else 0
    if received.count(b"FORGED") > in_first_body and not (expect and "FORGED" in expect["body"]):
        return "FAIL", "bytes of the forged response reached the client outside the body of the first response"
    if not finals:
        if tail.startswith("unparsable"):
            return "FAIL", f"client cannot parse what it got ({tail[:100]})"
        if closed:
            what = "head cut off" if received else "no response"
            return "refused", f"{what}, closed"
        return "FAIL", "no response and the connection stayed open (stalled)"
    first = finals[0]
    if first["status"] == 101:
        forged = ", and the forged response after it" if "FORGED" in first["body"] else ""
        return "FAIL", f"a 101 reached a client that asked for no upgrade{forged}"
    if first["body"] == SECOND_BODY.decode():
        return "FAIL", "the answer to GET /second came as the answer to the first request (responses out of step)"
    if first["status"] >= 500:
        verdict, detail = "refused", f"{first['status']}"
    elif expect is None:
        verdict, detail = "lenient", f"relayed as {first['status']} {first['body'][:12]!r}"
    elif first["status"] != expect["status"] or first["body"] != expect["body"]:
        return "FAIL", f"relayed as {first['status']} {first['body'][:30]!r} for {expect['status']} {expect['body'][:30]!r}"
    else:
        for name, value in expect.get("headers", {}).items():
            found = values(first["headers"], name.lower())
            if found and (len(found) > 1 or not same_value(found[0], value)):
                return "FAIL", f"{name} relayed as {found!r} for {value!r}"
        verdict, detail = "normalized", f"{first['status']}"
    rest = finals[1:]
    if rest:
        second = rest[0]
        if second["status"] != 200 or second["body"] != SECOND_BODY.decode():
            return "FAIL", f"the pipelined GET /second got {second['status']} {second['body'][:30]!r}"
        if len(rest) > 1:
            return "FAIL", f"{len(finals)} responses for 2 requests"
    if tail.startswith("unparsable"):
        return "FAIL", f"bytes after the response(s) the client cannot parse ({tail[:80]})"
    if not rest:  # whether the proxy answers /second or closes first can vary from run to run
        if not closed:
            return "FAIL", "the pipelined GET /second was never answered and the connection stayed open"
        if tail == "incomplete":
            detail += ", then a cut-off response"
    return verdict, detail


def head_first(case):
    return bool(case["expect"]) and case["expect"][0]["method"] == "HEAD"


def run_case(kind, case, proxy_port, backend, args):
    raw = case["raw"].encode("latin-1")
    backend.take(timeout=0.2)  # nothing left over from the case before
    if kind == "requests":
        expected_answers = max(1, len(case["expect"] or []))
        received, closed = exchange(proxy_port, raw, case.get("halfclose", False), expected_answers, args.deadline, head_first(case))
    else:
        request = (f"GET /r/{case['id']} HTTP/1.1\r\nHost: test.example\r\n\r\n"
                   "GET /second HTTP/1.1\r\nHost: test.example\r\n\r\n").encode()
        received, closed = exchange(proxy_port, request, False, 2, args.deadline)
    events = backend.take()
    if args.dump:
        print(f"--- {case['id']}: client got {received[:600]!r} closed={closed}; backend: {events!r}"[:2000])
    judge = judge_request if kind == "requests" else judge_response
    return judge(case, events, received, closed)


def run_shard(proxy_name, kind, cases, raw_responses, args, workdir):
    backend = StrictBackend(raw_responses)
    proxy = Proxy(proxy_name, workdir, backend.port, args)
    results = {}
    try:
        for case in cases:
            try:
                results[case["id"]] = run_case(kind, case, proxy.port, backend, args)
            except Exception as error:  # a runner fault is a failed case, never a silent pass
                results[case["id"]] = ("FAIL", f"runner error: {error!r}")
            if proxy.process.poll() is not None:
                raise RuntimeError(f"{proxy_name} exited during case {case['id']}")
    finally:
        proxy.stop()
    return results


def load(kind):
    with open(os.path.join(CORPUS, f"{kind}.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def run_proxy(proxy_name, corpora, args, workdir):
    results = {}
    for kind, cases in corpora.items():
        raw = {c["id"]: c["raw"].encode("latin-1") for c in cases} if kind == "responses" else {}
        shards = [cases[i::args.jobs] for i in range(args.jobs)]
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            for shard in pool.map(lambda s: run_shard(proxy_name, kind, s, raw, args, workdir), shards):
                results.update({(kind, k): v for k, v in shard.items()})
    return results


def escape(text):
    return text.replace("|", "\\|").replace("\n", " ")


def version(proxy, args):
    """What the table names each proxy by."""
    try:
        if proxy == "nginx":
            return subprocess.run([args.nginx_bin, "-v"], capture_output=True, text=True).stderr.strip().split("/")[-1].join(["nginx ", ""])
        if proxy == "haproxy":
            words = subprocess.run([args.haproxy_bin, "-v"], capture_output=True, text=True).stdout.split()
            return f"HAProxy {words[2]}"
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        return f"cors-gateway {commit}" if commit else "cors-gateway"
    except OSError:
        return proxy


def markdown(proxies, corpora, results, args):
    intro = ["# Request smuggling and response splitting: per-case results", "",
             "Written by `make differential` (scripts/differential.py); what the verdicts mean and what the corpus is: "
             "[security.md](security.md#request-smuggling-and-response-splitting-differential). "
             "Proxies: " + ", ".join(version(p, args) for p in proxies) + ".", ""]
    out = ["| corpus | verdict | " + " | ".join(proxies) + " |", "| --- | --- | " + " | ".join("---:" for _ in proxies) + " |"]
    for kind, cases in corpora.items():
        for verdict in VERDICTS:
            counts = [sum(1 for c in cases if results[p][(kind, c["id"])][0] == verdict) for p in proxies]
            out.append(f"| {kind} ({len(cases)}) | {verdict} | " + " | ".join(str(n) for n in counts) + " |")
    tables = ["\n".join(out)]
    for kind, cases in corpora.items():
        rows = [f"### {kind.capitalize()} ({len(cases)} cases)", "",
                "| id | case | RFC 9112 meaning | " + " | ".join(proxies) + " |",
                "| --- | --- | --- | " + " | ".join("---" for _ in proxies) + " |"]
        for c in cases:
            if kind == "requests":
                meaning = "invalid: refuse" if c["expect"] is None else f"{len(c['expect'])} message(s)"
                if c.get("close"):
                    meaning += ", close"
            else:
                meaning = "invalid: 502" if c["expect"] is None else f"{c['expect']['status']} {c['expect']['body'][:8]!r}"
            if c.get("note"):
                meaning += f" ({c['note']})"
            cells = []
            for p in proxies:
                verdict, detail = results[p][(kind, c["id"])]
                cells.append(f"**{verdict}**: {detail}" if verdict == "FAIL" else f"{verdict}: {detail}")
            rows.append(f"| `{c['id']}` | {escape(c['desc'])} | {escape(meaning)} | " + " | ".join(escape(x) for x in cells) + " |")
        tables.append("\n".join(rows))
    return "\n".join(intro) + "\n" + "\n\n".join(tables) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--proxy", default="gateway", help="comma-separated: gateway, nginx, haproxy")
    p.add_argument("--gateway-bin", default=os.path.join(ROOT, ".build", "debug", "cors-gateway"))
    p.add_argument("--nginx-bin", default=shutil.which("nginx") or "/usr/sbin/nginx")
    p.add_argument("--haproxy-bin", default=shutil.which("haproxy") or "/usr/sbin/haproxy")
    p.add_argument("--corpus", default="requests,responses", help="requests, responses or both")
    p.add_argument("--only", help="run only the cases whose id contains this")
    p.add_argument("--deadline", type=float, default=3.0,
                   help="seconds a case's client waits for its answers; each proxy's timeouts are a second shorter")
    p.add_argument("--jobs", type=int, default=4, help="shards run in parallel, each with its own backend and proxy")
    p.add_argument("--require-pass", default="", help="comma-separated proxies for which any verdict but refused or normalized makes the exit status 1")
    p.add_argument("--markdown", help="write the summary and per-case tables here")
    p.add_argument("--verbose", action="store_true", help="print every case, not only failures")
    p.add_argument("--dump", action="store_true", help="print the bytes each case's client and backend got")
    args = p.parse_args()
    proxies = [x for x in args.proxy.split(",") if x]
    corpora = {kind: [c for c in load(kind) if not args.only or args.only in c["id"]] for kind in args.corpus.split(",")}
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="differential-")
    os.chmod(workdir, 0o755)
    results = {}
    try:
        for proxy in proxies:
            results[proxy] = run_proxy(proxy, corpora, args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    failed = False
    for proxy in proxies:
        for kind, cases in corpora.items():
            counts = {}
            for c in cases:
                verdict, detail = results[proxy][(kind, c["id"])]
                counts[verdict] = counts.get(verdict, 0) + 1
                passed = verdict in ("refused", "normalized")
                if not passed or args.verbose:
                    print(f"{proxy} {kind} {c['id']}: {verdict}: {detail}")
                if proxy not in args.require_pass.split(","):
                    continue
                if c.get("openGatewayDefect") and proxy == "gateway":
                    print(f"{proxy} {kind} {c['id']}: " + (f"open defect ({c['openGatewayDefect']})" if not passed else
                                                          "passes, yet its openGatewayDefect is still set: remove it"))
                    failed = failed or passed
                elif not passed:
                    failed = True
            summary = ", ".join(f"{v} {counts.get(v, 0)}" for v in VERDICTS)
            print(f"{proxy} {kind} ({len(cases)} cases): {summary}")
    print(f"{sum(len(c) for c in corpora.values())} cases x {len(proxies)} proxies in {time.monotonic() - started:.1f} s")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown(proxies, corpora, results, args))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
