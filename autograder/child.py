"""The child process that runs a submission: ``python -I child.py REQUESTS RESULTS FOLDER PACKAGE``.

It imports the submission's package from ``FOLDER``, then answers the grader's requests, read from
the file descriptor ``REQUESTS``: each request is one probe (see ``probes.py``) with its input
arrays, and the answer, written to ``RESULTS``, is the arrays the probe returned or the error it
raised. It decides nothing: the grader compares the answers with the reference.

It runs from a folder of its own, with ``probes.py``, ``protocol.py`` and ``stand_ins.py`` beside
it as the package ``grading``, so it needs nothing of the grader's package, which it refuses to
import, like the reference: a submission that tries gets an ``ImportError`` that says why.
"""

import importlib
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from grading import probes, protocol  # noqa: E402

FORBIDDEN = ("autodiff_numpy", "autograder")
MESSAGE_LIMIT = 2000  # characters of an error message


class Forbidden:
    """An import hook that refuses the reference and the grader."""

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in FORBIDDEN:
            raise ImportError(f"a submission may not import {name}: the grader runs your own code")
        return None


def describe(error, folder):
    """The error as a student can act on it: its type, its message, and the last line of their
    own code it went through."""
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if isinstance(error, SystemExit):
        text = f"the code called sys.exit({error.code!r}) (SystemExit)"
    elif isinstance(error, MemoryError):
        text = "MemoryError: the code asked for more memory than the grader allows"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(folder)]
    if frames:
        last = frames[-1]
        text += f" (at {os.path.relpath(last.filename, folder)}, line {last.lineno}: {last.line})"
    return text[:MESSAGE_LIMIT]


def plain(value):
    """A probe's output as a plain numeric array, or a TypeError that says what it was instead."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value
    if isinstance(value, (bool, int, float, np.number)):
        return np.asarray(value)
    if isinstance(value, (list, tuple)):
        array = np.asarray(value)
        if array.dtype.kind in "biuf":
            return array
    if isinstance(getattr(value, "data", None), np.ndarray):
        raise TypeError(
            f"returned a {type(value).__name__} where a plain array was expected: return its .data"
        )
    kind = (
        f"an array of dtype {value.dtype}"
        if isinstance(value, np.ndarray)
        else type(value).__name__
    )
    raise TypeError(f"returned {kind} where an array of numbers was expected")


def answer(probe, engine, arrays, folder):
    """Run one probe: ``(header, arrays)`` of its answer."""
    try:
        values = getattr(probes, probe["name"])(engine, arrays, **probe["params"])
        outputs = {name: plain(value) for name, value in values.items() if value is not None}
        return {"ok": True, "none": [name for name, v in values.items() if v is None]}, outputs
    except BaseException as error:  # SystemExit and KeyboardInterrupt too
        return {"ok": False, "error": describe(error, folder)}, {}


def serve(requests, results, folder, package):
    try:  # a group of its own: a signal to "its group" (pid 0) reaches no process of the grader's
        os.setsid()
    except PermissionError:  # it leads one already
        pass
    sys.meta_path.insert(0, Forbidden())
    for name in [m for m in sys.modules if m.partition(".")[0] in FORBIDDEN]:
        del sys.modules[name]
    sys.path.insert(0, folder)
    sys.stdin = open(os.devnull)
    try:
        engine = importlib.import_module(package)
        protocol.send(results, {"ready": True})
    except BaseException as error:  # SystemExit too
        protocol.send(results, {"ready": False, "error": describe(error, folder)})
        return
    while True:
        try:
            probe, arrays = protocol.receive(lambda n: protocol.read_exactly(requests, n))
        except EOFError:
            return
        protocol.send(results, *answer(probe, engine, arrays, folder))


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]), os.path.realpath(sys.argv[3]), sys.argv[4])
