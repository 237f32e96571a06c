"""Files a command writes for a person (``--summary``, ``--json``, ``--markdown``,
``-o``): checked before any work, never a directory created for them, and a
failed write named in one line after the content reached the terminal."""

from __future__ import annotations

import os
from pathlib import Path

from .suite import SuiteError

FLAGS = {"summary": "--summary", "json": "--json", "markdown": "--markdown", "output": "-o"}


def check(path: str, flag: str) -> None:
    """That ``path`` can be written: its directory exists and is writable, and it is
    not a directory itself. A one-line error naming the option and the path."""
    p = Path(path)
    parent = p.parent
    if p.is_dir():
        raise SuiteError(f"{flag} {path}: is a directory")
    if not parent.is_dir():
        raise SuiteError(f"{flag} {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise SuiteError(f"{flag} {path}: not writable")


def write(path: str | Path, data: str | bytes, flag: str, *, append: bool = False) -> None:
    """Write (or append) ``data``; a failure (a full disk) is one line naming the path."""
    mode = ("a" if append else "w") + ("b" if isinstance(data, bytes) else "")
    try:
        with open(path, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})) as fh:
            fh.write(data)
    except OSError as exc:
        raise SuiteError(f"{flag} {path}: cannot write: {exc.strerror or exc}") from None
