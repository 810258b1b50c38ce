"""The run lock: `python -m bot run` holds an exclusive `fcntl` lock on `<database>.lock` for
its whole life, so `restore` can refuse while the bot runs and `status` can say whether it
runs. The kernel drops the lock when the process ends, however it ends (even SIGKILL)."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path


class LockedByOther(RuntimeError):
    """Another process (the running bot) holds the lock; `pid` is what it wrote, if readable."""

    def __init__(self, path: Path, pid: str) -> None:
        super().__init__(f"{path} is held by process {pid or '?'}")
        self.path, self.pid = path, pid


def lock_path(database: Path) -> Path:
    return Path(f"{database}.lock")


class RunLock:
    def __init__(self, database: Path) -> None:
        self.path = lock_path(Path(database))
        self._fd: int | None = None

    def acquire(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            raise LockedByOther(self.path, pid) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder(database: Path) -> str | None:
    """The pid written by the process holding the run lock, or None when nobody holds it."""
    path = lock_path(Path(database))
    if not path.exists():
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
