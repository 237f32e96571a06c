"""One lock per set of asv environments (and the results written with them).

Every command that installs a Cascade commit into asv's environments or writes
results holds it: ``nightly``, ``blame``, ``compare``, ``profile --commit``,
``merge`` and a ``shard`` (whose derived suite has its own environments, hence its
own lock). Two such commands at once would install one commit into the
environment the other is benchmarking and record wrong numbers without an error.
The lock file says who holds it; it is never truncated by a command that fails to
take it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .suite import SuiteError


@contextmanager
def hold(path: Path, command: str) -> Iterator[None]:
    """Hold the lock at ``path`` for ``command``, or fail at once with who holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_RDWR without O_TRUNC: a command that fails to take the lock must not erase
    # the holder's name from the file.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    with os.fdopen(fd, "r+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = fh.read().strip() or "another process"
            raise SuiteError(
                f"{holder} holds {path} (it installs into these asv environments or writes "
                "these results); run again when it has finished"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"cascade-bench {command} (PID {os.getpid()})\n")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
