"""A filesystem fence for the child: everything read-only but its scratch folder, the answer key hidden.

On Linux the child gets a mount namespace of its own (and, when the grader is not root, a user
namespace to own it), in which

- the grader's project folder and the installed reference and grader packages are covered by an
  empty read-only ``tmpfs``: the reference cannot be read, only refused at import;
- every mount is read-only, except the child's scratch folder (its copy of the submission), so a
  submission cannot delete or change anything else, whoever runs the grader.

:func:`available` tries it once in a throw-away process; where the kernel or the container does not
allow it (macOS, a container without namespaces), the child runs without it and the grade says so.
The calls go to the C library through :mod:`ctypes`: Python 3.11 has no ``os.unshare``.
"""

import ctypes
import functools
import os
import subprocess
import sys

CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 4096, 16384, 1 << 18
SYS_MOUNT_SETATTR = 442  # the same number on x86-64 and arm64
AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = -100, 0x8000, 0x1


class MountAttr(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in ("set", "clear", "propagation", "userns")]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def _set_read_only(libc, path, read_only):
    attr = MountAttr(MOUNT_ATTR_RDONLY if read_only else 0, 0 if read_only else MOUNT_ATTR_RDONLY)
    _check(
        libc.syscall(
            SYS_MOUNT_SETATTR,
            AT_FDCWD,
            path.encode(),
            AT_RECURSIVE,
            ctypes.byref(attr),
            ctypes.sizeof(attr),
        ),
        f"making {path} {'read-only' if read_only else 'writable'}",
    )


def _write(path, text):
    with open(path, "w") as file:
        file.write(text)


def enter(writable, hidden):
    """Fence the calling process in: only ``writable`` (a folder) stays writable, and each folder
    of ``hidden`` looks empty. Called in the child between fork and exec."""
    libc = _libc()
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWNS if uid == 0 else CLONE_NEWNS | CLONE_NEWUSER
    _check(libc.unshare(flags), "unshare")
    if uid != 0:  # be root inside the new user namespace, as the same user outside
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/gid_map", f"0 {gid} 1")
    _check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "making mounts private")
    for path in hidden:
        if os.path.isdir(path):
            _check(
                libc.mount(
                    b"tmpfs", path.encode(), b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, b"size=4k"
                ),
                f"hiding {path}",
            )
    _check(
        libc.mount(writable.encode(), writable.encode(), None, MS_BIND | MS_REC, None), "binding"
    )
    _set_read_only(libc, "/", True)
    _set_read_only(libc, writable, False)
    os.chdir(
        os.getcwd()
    )  # a working folder entered before the mounts is still the old, read-only one


PROBE = """
import os, sys
from autograder import fence
scratch, secret = sys.argv[1], sys.argv[2]
fence.enter(scratch, [secret])
open(os.path.join(scratch, "written"), "w").close()
assert os.listdir(secret) == [], "a hidden folder shows its files"
try:
    open(os.path.join(os.path.dirname(scratch), "outside"), "w")
except OSError:
    print("fenced")
"""


@functools.cache
def available():
    """Whether :func:`enter` works here, tried once in a throw-away process: ``(True, "")`` or
    ``(False, why)``."""
    import tempfile

    if not sys.platform.startswith("linux"):
        return False, f"no mount namespaces on {sys.platform}"
    with tempfile.TemporaryDirectory() as folder:
        scratch, secret = os.path.join(folder, "scratch"), os.path.join(folder, "secret")
        os.mkdir(scratch)
        os.mkdir(secret)
        open(os.path.join(secret, "answer"), "w").close()
        try:
            run = subprocess.run(
                [sys.executable, "-c", PROBE, scratch, secret],
                capture_output=True,
                text=True,
                timeout=60,
                cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            )
        except (OSError, subprocess.SubprocessError) as error:
            return False, str(error)
        if run.stdout.strip() == "fenced" and os.path.exists(os.path.join(scratch, "written")):
            return True, ""
        lines = (run.stderr.strip() or run.stdout.strip() or "it did not run").splitlines()
        return False, lines[-1]
