"""A child process that runs a submission, fenced in: its own copy, limits, a clean environment.

The grader never runs student code in its own process: code that runs beside a check can defeat
it. :class:`Sandbox` makes a throw-away copy of the submission and a folder with the child's own
code (``child.py``, and ``probes.py``, ``protocol.py`` and ``stand_ins.py`` as its package
``grading``), and starts ``child.py`` there:

- with an environment holding nothing of the grader's (no ``PYTHONPATH``, a ``HOME`` of its own,
  one BLAS thread) and Python's isolated mode, and an import hook that refuses the reference and
  the grader;
- in a session of its own, so that everything it starts is killed with it;
- with a memory limit (the address space), a limit on the size of files it writes, no core dumps;
- behind a filesystem fence where the kernel allows it (:mod:`autograder.fence`): everything
  read-only but its copy, the reference, the grader and the solutions hidden; and then in a PID
  namespace of its own, where it can see and signal no process of the grader's;
- as the unprivileged user ``nobody`` when the grader runs as root and Python allows it;
- with its output captured up to a cap, the rest read and dropped, so a flood cannot fill memory.

:meth:`Sandbox.call` sends one request and waits for the answer until a deadline; a child that
misses it is killed, and the next call starts a new one. Only arrays come back (``protocol``).
"""

import functools
import os
import pwd
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import fence, protocol
from .spec import CACHES, REFERENCE, SOLUTIONS

HERE = Path(__file__).resolve().parent
# The child's code: child.py, and beside it the package ``grading`` of the modules it uses.
CHILD_PACKAGE = ("probes.py", "protocol.py", "stand_ins.py")
UNSHARE = shutil.which("unshare")  # util-linux's, to give the child a PID namespace
IGNORED = shutil.ignore_patterns(*CACHES, "*.pyc")


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 1024  # address space, which NumPy and its BLAS reserve more of than they use
    file_mb: int = 16  # the largest file the child may write
    output_kb: int = 64  # of stdout and of stderr kept for the feedback
    start_seconds: float = 20.0  # to import the submission


class Uncopyable(Exception):
    """The submission cannot be copied (a special file, say), so it cannot be run."""


def _first(error):
    """The first of a copy's failures: shutil.Error holds a list of (source, target, why)."""
    if isinstance(error, shutil.Error) and error.args and isinstance(error.args[0], list):
        source, _, why = error.args[0][0]
        return f"{Path(source).name}: {why}"
    return str(error)


class ChildFailed(Exception):
    """The child did not answer: it timed out, died, or sent something that is not an answer."""


class OutputTail(threading.Thread):
    """Reads a pipe to its end, keeping the first ``limit`` bytes and counting the rest."""

    def __init__(self, pipe, limit):
        super().__init__(daemon=True)
        self.pipe, self.limit, self.kept, self.dropped = pipe, limit, bytearray(), 0

    def run(self):
        while chunk := self.pipe.read1(65536):
            room = self.limit - len(self.kept)
            self.kept += chunk[:room]
            self.dropped += max(0, len(chunk) - room)

    def text(self):
        text = self.kept.decode(errors="replace")
        if self.dropped:
            text += f"\n[... {self.dropped:,} more bytes of output dropped]"
        return text


class Sandbox:
    """A submission's throw-away copy, and the child process that runs it (started on demand)."""

    def __init__(self, submission, package, limits=None, extra=None):
        """``extra`` maps file names to files of the grader's to put beside the child's code."""
        self.package, self.limits = package, limits or Limits()
        self.scratch = Path(tempfile.mkdtemp(prefix="grade-"))
        self.folder = self.scratch / "submission"
        try:  # links are copied as the files they point to; a dangling one is left out
            shutil.copytree(
                submission,
                self.folder,
                ignore=IGNORED,
                symlinks=False,
                ignore_dangling_symlinks=True,
            )
        except (shutil.Error, OSError) as error:
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise Uncopyable(
                f"the submission's files could not be copied: {_first(error)}"
            ) from None
        self.harness = self.scratch / "harness"
        (self.harness / "grading").mkdir(parents=True)
        shutil.copyfile(HERE / "child.py", self.harness / "child.py")
        (self.harness / "grading" / "__init__.py").touch()
        for name in CHILD_PACKAGE:
            shutil.copyfile(HERE / name, self.harness / "grading" / name)
        for name, source in (extra or {}).items():
            shutil.copyfile(source, self.harness / name)
        (self.scratch / "tmp").mkdir()
        self.fenced, why = fence.available()
        if not self.fenced:
            self.isolation = f"a child process without a filesystem fence ({why})"
        elif UNSHARE:
            self.isolation = "a child process behind a filesystem fence, in a PID namespace"
        else:
            self.isolation = "a child process behind a filesystem fence (no unshare program)"
        self.user = _unprivileged_user()
        if self.user is not None:
            _hand_over(self.scratch, self.user)
        self.process = None
        self.import_error = None
        self.outputs = []  # (stdout, stderr) readers of every child started

    # -- the child's life -----------------------------------------------------------------------

    def start(self):
        """Start a child, without waiting for it to import the submission: the grader can prepare
        its cases meanwhile. The first :meth:`send` waits for it."""
        self.launched = time.monotonic()
        requests_read, self.requests = os.pipe()
        self.results, results_write = os.pipe()
        command = [
            sys.executable,
            "-I",
            str(self.harness / "child.py"),
            str(requests_read),
            str(results_write),
            str(self.folder),
            self.package,
        ]
        if self.fenced and UNSHARE:
            # A PID namespace of its own: the child sees no process of the grader's, cannot signal
            # one, and is its namespace's first process, which its own signals cannot kill.
            command = [UNSHARE, "--pid", "--fork", "--kill-child", "--mount-proc", *command]
        self.process = subprocess.Popen(
            command,
            cwd=self.folder,
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(requests_read, results_write),
            preexec_fn=self._fence,
        )
        os.close(requests_read)
        os.close(results_write)
        readers = [
            OutputTail(p, self.limits.output_kb * 1024)
            for p in (self.process.stdout, self.process.stderr)
        ]
        for reader in readers:
            reader.start()
        self.outputs.append(readers)
        self.ready = False

    def call(self, header, arrays, deadline, doing="running your code"):
        """Send one request to the child and wait for its answer ``(header, arrays)``.

        ``doing`` says what the request is, for the message if it fails. Raises
        :class:`ChildFailed` if the child times out, dies or answers garbage; it is then stopped,
        and the next call starts a new one."""
        self.send(header, arrays)
        return self.receive(deadline, doing)

    def send(self, header, arrays):
        """Send one request, starting a child first if none is running. A submission that does not
        import is tried once: every later request fails at once with the same message."""
        if self.import_error is not None:
            raise ChildFailed(self.import_error)
        if self.process is None:
            self.start()
        if not self.ready:
            try:
                ready, _ = self.receive(
                    self.launched + self.limits.start_seconds, "importing your code"
                )
                error = None if ready.get("ready") else ready.get("error", "it did not start")
            except ChildFailed as failure:
                error = str(failure)
            if error is not None:
                self.stop()
                self.import_error = f"your code does not import: {error}"
                raise ChildFailed(self.import_error)
            self.ready = True
        try:
            protocol.send(self.requests, header, arrays)
        except OSError:
            pass  # the child is gone: receive() says how

    def receive(self, deadline, doing="running your code"):
        """The answer to the request sent last (see :meth:`call`)."""
        try:
            return protocol.receive(lambda n: self._read(n, deadline, doing))
        except protocol.ProtocolError as error:
            self.stop()
            raise ChildFailed(
                f"the process running your code sent a broken answer ({error})"
            ) from None

    def _read(self, n, deadline, doing):
        data = bytearray()
        while len(data) < n:
            left = deadline - time.monotonic()
            ready = select.select([self.results], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                self.stop()
                raise ChildFailed(
                    f"time limit: {doing} did not finish in time (an endless loop, or memory "
                    "filling up?)"
                )
            chunk = os.read(self.results, n - len(data))
            if not chunk:
                code = self.stop()
                raise ChildFailed(
                    f"the process running your code ended while {doing} ({_ending(code)})"
                )
            data += chunk
        return bytes(data)

    def stop(self):
        """Kill the child and everything it started; its exit code (None if none was running)."""
        if self.process is None:
            return None
        process, self.process = self.process, None
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        code = process.wait()
        for fd in (self.requests, self.results):
            os.close(fd)
        for reader in self.outputs[-1]:
            reader.join(timeout=5)
        return code

    def close(self):
        self.stop()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def output(self):
        """What every child printed on stdout and stderr, each capped."""
        out = "".join(r[0].text() for r in self.outputs)
        err = "".join(r[1].text() for r in self.outputs)
        return out, err

    # -- the fence --------------------------------------------------------------------------------

    def _environment(self):
        return {
            "PATH": os.defpath,
            "HOME": str(self.folder),
            "LANG": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "MPLBACKEND": "Agg",
            "PYTHONDONTWRITEBYTECODE": "1",
            "TMPDIR": str(self.scratch / "tmp"),
        }

    def _fence(self):
        """Runs in the child between fork and exec."""
        os.setsid()
        memory = self.limits.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        size = self.limits.file_mb * 2**20
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self.fenced:
            answer_key = [REFERENCE, Path(__file__).resolve().parent, SOLUTIONS]
            fence.enter(str(self.scratch), [str(path) for path in answer_key])
        if self.user is not None:
            os.setgroups([])
            os.setgid(self.user.pw_gid)
            os.setuid(self.user.pw_uid)


@functools.cache
def _unprivileged_user():
    """``nobody``, when the grader runs as root and Python runs as ``nobody``; else None (the
    child runs as the grader's user: Python may sit in a folder only root can enter)."""
    if os.geteuid() != 0:
        return None
    try:
        user = pwd.getpwnam("nobody")
    except KeyError:
        return None

    def become():
        os.setgroups([])
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    try:
        subprocess.run(
            [sys.executable, "-I", "-c", "import numpy"],
            preexec_fn=become,
            cwd="/",
            capture_output=True,
            check=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return user


def _hand_over(folder, user):
    """Give the child's user its scratch folder, and nothing else."""
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)
    folder.chmod(0o700)


def _ending(code):
    if code is None:
        return "no exit code"
    if code < 0:
        name = signal.Signals(-code).name
        hint = " (the memory limit?)" if name in ("SIGKILL", "SIGSEGV") else ""
        return f"killed by {name}{hint}"
    return f"exit code {code}: the code called os._exit() or crashed"
