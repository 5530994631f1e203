"""Response bodies both sides can compute: a slice of one pseudo-random blob, chosen by size and
seed, so a client knows every byte a backend should have sent without trusting its headers."""

import hashlib
import random

MAX_BODY = 8 * 1024 * 1024
_SPREAD = 64 * 1024
_BLOB = random.Random(0x50A4).randbytes(MAX_BODY + _SPREAD)


def body(size, seed):
    """The bytes `GET /bytes?size=SIZE&seed=SEED` answers with."""
    if not 0 <= size <= MAX_BODY:
        raise ValueError(f"size {size} outside 0...{MAX_BODY}")
    start = seed % _SPREAD
    return _BLOB[start:start + size]


def view(size, seed):
    """The same bytes as `body`, without copying (for sending)."""
    start = seed % _SPREAD
    return memoryview(_BLOB)[start:start + size]


def digest(data):
    return hashlib.sha256(data).hexdigest()
