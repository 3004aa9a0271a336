"""Atomic file writes: a temporary file beside the target, then a rename. A reader never sees a
partial file, and a failed write leaves nothing behind."""

from __future__ import annotations

import hashlib
import io
import os
import re
import socket
import tempfile
from pathlib import Path

import torch


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _read_umask()  # read once: setting it to read it races with other threads creating files


def _mode_for(path: Path) -> int:
    """What a plain open() would have given: the umask's default, or the mode of the file replaced."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~UMASK


# Temporary files are ".colorize-HOST-PID-XXXXXXXX.part": short, so that they fit wherever the
# final name fits, and telling which process on which machine made them (remove_stale_temporaries).
TEMP_PREFIX = ".colorize-"
TEMP_SUFFIX = ".part"
HOST_TAG = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]
_TEMP_NAME = re.compile(r"\.colorize-([0-9a-f]{6})-(\d+)-[A-Za-z0-9_]{8}\.part")


def temporary_path_owner(name: str) -> tuple[str, int] | None:
    """(host tag, pid) of a temporary file this module names, None for any other file."""
    m = _TEMP_NAME.fullmatch(name)
    return (m.group(1), int(m.group(2))) if m else None


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but another user's
        return True
    return True


def atomic_write_bytes(data: bytes, path: str | os.PathLike) -> None:
    path = Path(path)
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{HOST_TAG}-{os.getpid()}-", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):  # mkstemp makes 0600 files: others could not read the results
                os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_torch_save(obj, path: str | os.PathLike) -> None:
    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write_bytes(buf.getvalue(), path)
