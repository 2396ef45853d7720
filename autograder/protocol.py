"""The messages between the grader and the child process that runs a submission.

A message is a JSON-able header and a set of named NumPy arrays, sent as one ``.npz`` archive with
a length in front. Arrays are read back with ``allow_pickle=False``: nothing that comes out of the
child can run code in the grader, and what it sends is plain numbers or an error.

Shipped into the child's folder beside ``child.py``: it imports nothing but the standard library
and NumPy.
"""

import io
import json
import os
import struct

import numpy as np

LENGTH = struct.Struct(">Q")
MAX_BYTES = 64 * 2**20  # a message larger than this is a broken or hostile child


class ProtocolError(Exception):
    """The other side sent something that is not a message."""


def encode(header, arrays=None):
    buffer = io.BytesIO()
    meta = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(buffer, __header__=meta, **(arrays or {}))
    payload = buffer.getvalue()
    return LENGTH.pack(len(payload)) + payload


def decode(payload):
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        header = json.loads(arrays.pop("__header__").tobytes().decode())
    except Exception as error:  # a corrupt archive can fail in many ways; all mean the same
        raise ProtocolError(f"not a message: {error}") from None
    return header, arrays


def send(fd, header, arrays=None):
    data = memoryview(encode(header, arrays))
    while data:
        data = data[os.write(fd, data) :]


def read_exactly(fd, n):
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 2**20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(read):
    """The next message, ``(header, arrays)``, read with ``read(n)`` (which returns ``n`` bytes or
    raises): ``read_exactly`` on a file descriptor, or a reader with a deadline."""
    (length,) = LENGTH.unpack(read(LENGTH.size))
    if length > MAX_BYTES:
        raise ProtocolError(f"a message of {length:,} bytes, more than the {MAX_BYTES:,} allowed")
    return decode(read(length))
