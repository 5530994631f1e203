"""A raw-socket HTTP/1.1 client that tells apart every way an exchange can end: a whole response
(framed by Content-Length, chunked, or close), a connection closed before a head ("closed") or
after one ("aborted": the gateway cut a response off, SPEC §7), a deadline passed ("timeout"),
or bytes that are not HTTP ("malformed")."""

import socket
import struct
import time

NO_BODY_STATUSES = {204, 304}


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name.lower())


class Ended(Exception):
    """The exchange ended without a whole response; `outcome` says how."""

    def __init__(self, outcome, detail=""):
        super().__init__(f"{outcome}: {detail}")
        self.outcome, self.detail = outcome, detail


class Client:
    def __init__(self, port, deadline, rcvbuf=None):
        """`deadline` is a time.monotonic() value after which any wait is a "timeout"."""
        self.deadline, self.buf = deadline, b""
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._timed(lambda: self.sock.connect(("127.0.0.1", port)), "connect")

    def _timed(self, action, what):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise Ended("timeout", what)
        self.sock.settimeout(remaining)
        try:
            return action()
        except socket.timeout:
            raise Ended("timeout", what)

    def send(self, data):
        """False when the gateway already closed or reset the connection."""
        try:
            self._timed(lambda: self.sock.sendall(data), "send")
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def readable(self):
        """Whether a byte (or the end) is waiting, without waiting for one."""
        self.sock.settimeout(0)
        try:
            self.sock.recv(1, socket.MSG_PEEK)  # a byte, or b"" for the end: either way, something to read
            return True
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True

    def read_some(self, size=65536, in_head=True):
        try:
            data = self._timed(lambda: self.sock.recv(size), "read")
        except ConnectionResetError:
            data = b""
        if not data:
            raise Ended("closed" if in_head else "aborted", "connection ended")
        self.buf += data

    def read_line(self, in_head):
        while b"\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise Ended("malformed", "line too long")
            self.read_some(in_head=in_head)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exactly(self, n, read_size, read_pause):
        parts, have = [], 0
        while True:
            take = min(n - have, len(self.buf))
            if take:
                parts.append(self.buf[:take])
                self.buf, have = self.buf[take:], have + take
            if have == n:
                return b"".join(parts)
            if read_pause:
                time.sleep(read_pause)
            self.read_some(read_size, in_head=False)

    def read_response(self, method="GET", read_size=65536, read_pause=0.0):
        """The next response, whole; raises Ended otherwise."""
        while True:
            status_line = self.read_line(in_head=True)
            parts = status_line.split(b" ", 2)
            if len(parts) < 2 or parts[0] not in (b"HTTP/1.1", b"HTTP/1.0") or not parts[1].isdigit() or len(parts[1]) != 3:
                raise Ended("malformed", f"status line {status_line[:80]!r}")
            status, headers = int(parts[1]), {}
            while True:
                line = self.read_line(in_head=True)
                if not line:
                    break
                name, sep, value = line.partition(b":")
                if not sep or name != name.strip() or not name:
                    raise Ended("malformed", f"header line {line[:80]!r}")
                key = name.decode("latin-1").lower()
                value = value.strip().decode("latin-1")
                headers[key] = headers[key] + ", " + value if key in headers else value
            if status >= 200:
                break
        if method == "HEAD" or status in NO_BODY_STATUSES:
            return Response(status, headers, b"")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            if "content-length" in headers:
                raise Ended("malformed", "Content-Length with Transfer-Encoding")
            chunks = []
            while True:
                size_line = self.read_line(in_head=False)
                try:
                    size = int(size_line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise Ended("malformed", f"chunk size {size_line[:40]!r}")
                if size == 0:
                    while self.read_line(in_head=False):
                        pass
                    return Response(status, headers, b"".join(chunks))
                chunks.append(self._exactly(size, read_size, read_pause))
                if self._exactly(2, read_size, 0) != b"\r\n":
                    raise Ended("malformed", "chunk not followed by CRLF")
        if "content-length" in headers:
            length = headers["content-length"]
            if not length.isdigit():
                raise Ended("malformed", f"Content-Length {length!r}")
            return Response(status, headers, self._exactly(int(length), read_size, read_pause))
        # Framed by close: every byte until the end is the body.
        while True:
            try:
                self.read_some(read_size, in_head=False)
            except Ended:
                body, self.buf = self.buf, b""
                return Response(status, headers, body)

    def drain_until_end(self):
        """Reads and drops everything until the gateway ends the connection; "timeout" past the
        deadline. How many bytes there were (the buffer's included)."""
        count, self.buf = len(self.buf), b""
        while True:
            try:
                data = self._timed(lambda: self.sock.recv(262144), "drain")
            except ConnectionResetError:
                return count
            if not data:
                return count
            count += len(data)

    def close(self, reset=False):
        try:
            if reset:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()
        except OSError:
            pass
