"""A soak backend: one process, one port, threads per connection, HTTP/1.1 keep-alive.

Run as `python3 backend.py --port N` (0 picks one; the port is printed as `port N`). It serves
what the soak's clients ask for by path (after the gateway stripped the route's prefix):

  GET  /bytes?size=N&seed=S[&chunked=1]   the body `bodies.body(N, S)`
  POST /echo (or PUT)                     the request body back (Content-Length or chunked)
  POST /early?status=N&size=N&seed=S      that status and body at once, then the request body read
  ANY  /garbage/MODE                      a malformed response (MODES below)
  ANY  /odd/MODE                          an odd but valid response (ODD below), then a close
  ANY  /reset/head | /reset/body          a TCP reset before the head, or halfway through a body
  ANY  /stall/head | /stall/body          nothing, or a head and part of a body, then silence

Every way a response can go wrong is chosen by the client, so it knows what the gateway owes it.
"""

import argparse
import os
import select
import socket
import struct
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from soaklib.bodies import body, digest, view  # noqa: E402

STALL_LIMIT = 30.0  # a stalled exchange is given up by the backend after this, whatever the gateway does

# Each malformed response the gateway must refuse with 502 (SPEC §7, §11) before any byte of it
# reaches the client.
MODES = {
    "not-http": b"hello, this is not HTTP\r\n\r\n",
    "bad-status": b"HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok",
    "conflicting-length": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    "switching-protocols": (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: evil\r\nConnection: upgrade\r\n\r\n"
                            b"HTTP/1.1 200 OK\r\nSet-Cookie: forged=1\r\nContent-Length: 6\r\n\r\nforged"),
    "space-before-colon": b"HTTP/1.1 200 OK\r\nSet-Cookie : forged=1\r\nContent-Length: 2\r\n\r\nok",
    "bare-cr": b"HTTP/1.1 200 OK\r\nX-Split: a\rSet-Cookie: forged=1\r\nContent-Length: 2\r\n\r\nok",
    "huge-head": (b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Filler-%d: %s\r\n" % (i, b"f" * 200) for i in range(120))
                  + b"Content-Length: 2\r\n\r\nok"),
    "empty-close": b"",
}

# Odd but valid responses, each with the body the client must get (and, for `obs-text`, the
# header value byte for byte): a gateway that re-frames or filters them must not lose a byte.
ODD = {
    "te-and-cl": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
                  b"5\r\nhello\r\n0\r\n\r\n", b"hello"),
    "repeated-length": (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", b"hello"),
    "close-delimited": (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nframed by the close", b"framed by the close"),
    "chunk-extensions": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n", b"hello world"),
    "early-hints": (b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhints", b"hints"),
    "obs-text": (b"HTTP/1.1 200 OK\r\nX-Obs: caf\xe9\r\nContent-Length: 3\r\n\r\nobs", b"obs"),
    "excess-body": (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXCESS BYTES", b"hello"),
}


class Closed(Exception):
    pass


class Connection:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise Closed()
        self.buf += data

    def read_until(self, marker, limit=65536):
        while marker not in self.buf:
            if len(self.buf) > limit:
                raise Closed()
            self.fill()
        index = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:index], self.buf[index:]
        return out

    def read_exactly(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_body(self, headers):
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parts = []
            while True:
                size = int(self.read_until(b"\r\n").split(b";")[0].strip(), 16)
                if size == 0:
                    while self.read_until(b"\r\n") != b"\r\n":
                        pass  # trailer lines
                    return b"".join(parts)
                parts.append(self.read_exactly(size))
                self.read_exactly(2)
        return self.read_exactly(int(headers.get("content-length", "0") or 0))


def reset(sock):
    """Close with RST rather than FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def wait_for_peer_close(sock, limit=STALL_LIMIT):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        ready, _, _ = select.select([sock], [], [], 0.5)
        if ready:
            try:
                if not sock.recv(65536):
                    return
            except OSError:
                return


def head(status, length, extra=b""):
    return (b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\nContent-Type: application/octet-stream\r\n%s\r\n"
            % (status, b"OK" if status == 200 else b"Other", length, extra))


def serve_one(conn, method, target, headers):
    """Answer one request; returns False when the connection must end."""
    url = urlsplit(target)
    path, query = url.path, {k: v[-1] for k, v in parse_qs(url.query).items()}
    sock = conn.sock
    if path == "/early":
        # The answer before the request body, which is then read and dropped (SPEC §11).
        status, size, seed = int(query.get("status", "200")), int(query.get("size", "0")), int(query.get("seed", "0"))
        sock.sendall(head(status, size) + view(size, seed))
        conn.read_body(headers)
        return True
    request_body = conn.read_body(headers)
    if path == "/bytes":
        size, seed = int(query.get("size", "0")), int(query.get("seed", "0"))
        data = view(size, seed)
        extra = b"X-Body-Sha256: %s\r\n" % digest(data).encode()
        if query.get("chunked") == "1":
            sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n" + extra + b"\r\n")
            if method == "HEAD":
                return True
            for start in range(0, size, 65536):
                piece = data[start:start + 65536]
                sock.sendall(b"%x\r\n" % len(piece))
                sock.sendall(piece)
                sock.sendall(b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        else:
            sock.sendall(head(200, size, extra))
            if method != "HEAD":
                sock.sendall(data)
        return True
    if path == "/echo":
        sock.sendall(head(200, len(request_body), b"X-Body-Sha256: %s\r\n" % digest(request_body).encode()))
        sock.sendall(request_body)
        return True
    if path.startswith("/odd/"):
        sock.sendall(ODD[path[len("/odd/"):]][0])
        sock.close()
        return False
    if path.startswith("/garbage/"):
        sock.sendall(MODES.get(path[len("/garbage/"):], MODES["not-http"]))
        sock.close()
        return False
    if path == "/reset/head":
        reset(sock)
        return False
    if path == "/reset/body":
        sock.sendall(head(200, 1 << 20))
        sock.sendall(view(64 * 1024, 7))
        time.sleep(0.05)
        reset(sock)
        return False
    if path == "/stall/head":
        wait_for_peer_close(sock)
        sock.close()
        return False
    if path == "/stall/body":
        sock.sendall(head(200, 1 << 20))
        sock.sendall(view(16 * 1024, 9))
        wait_for_peer_close(sock)
        sock.close()
        return False
    sock.sendall(head(404, 9) + b"not found")
    return True


def handle(sock, keep_alive_timeout):
    conn = Connection(sock)
    try:
        while True:
            if not conn.buf and not select.select([sock], [], [], keep_alive_timeout)[0]:
                return  # idle too long between requests: closed, as servers do
            request_head = conn.read_until(b"\r\n\r\n").decode("latin-1")
            lines = request_head.split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            if not serve_one(conn, method, target, headers):
                return
            if headers.get("connection", "").lower() == "close":
                return
    except (Closed, OSError, ValueError):
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--keep-alive-timeout", type=float, default=5.0,
                        help="seconds an idle keep-alive connection is kept (default 5, as Node's)")
    args = parser.parse_args()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(512)
    print(f"port {listener.getsockname()[1]}", flush=True)
    while True:
        sock, _ = listener.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=handle, args=(sock, args.keep_alive_timeout), daemon=True).start()


if __name__ == "__main__":
    main()
