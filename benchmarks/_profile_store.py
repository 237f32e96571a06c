"""Where the suite's cProfile captures live, and how they are read and written.

Stdlib only: used inside benchmark environments (writing) and by the host-side
tooling (reading). Layout, beside asv's ``results/`` but never inside it::

    <root>/<machine>/<commit[:8]>-<env_name>/<workload>/n=<n>.prof.gz

so pruning one commit is the glob ``<root>/*/<commit[:8]>-*``. Each file is the
gzip-compressed marshal dump that ``pstats`` and snakeviz read once unzipped
(``load_stats`` below does that in memory). Beside them, per workload,
``bytecodes.json.gz``: bytecodes executed per function per loop iteration (see
``_bytecodes``), the deterministic measure that ranks functions.
"""

from __future__ import annotations

import gzip
import json
import marshal
import os
import platform
import pstats
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path

ROOT_ENV = "CASCADE_BENCH_PROFILE_DIR"  # overrides <asv conf dir>/profiles
MACHINE_ENV = "CASCADE_BENCH_MACHINE"  # set by the suite's asv plugin (asv passes no --machine)
SUFFIX = ".prof.gz"


def root_for(conf_dir: Path) -> Path:
    """Profiles of the suite whose asv config lives in ``conf_dir``."""
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV])
    return Path(conf_dir) / "profiles"


def default_root() -> Path:
    return root_for(Path(os.environ.get("ASV_CONF_DIR", ".")))


def current_machine() -> str:
    # asv's own default machine name is the host name.
    return os.environ.get(MACHINE_ENV) or platform.uname().node


def run_dir(root: Path, machine: str, commit: str, env_name: str) -> Path:
    return root / machine / f"{commit[:8]}-{env_name}"


def profile_path(
    root: Path, machine: str, commit: str, env_name: str, workload: str, n: int
) -> Path:
    return run_dir(root, machine, commit, env_name) / workload / f"n={n}{SUFFIX}"


def current_profile_path(workload: str, n: int) -> Path:
    """The path for this benchmark process (asv sets ASV_COMMIT and ASV_ENV_NAME)."""
    return profile_path(
        default_root(),
        current_machine(),
        os.environ.get("ASV_COMMIT", "unknown"),
        os.environ.get("ASV_ENV_NAME", "unknown"),
        workload,
        n,
    )


BYTECODES = "bytecodes.json.gz"


def bytecodes_path(profile: Path) -> Path:
    """The bytecode counts stored beside a workload's profile."""
    return profile.parent / BYTECODES


def write_json_gz(doc: object, path: Path) -> None:
    """Atomically write ``doc`` as gzip-compressed JSON (see ``_replace_atomically``)."""
    with (
        _replace_atomically(path) as tmp,
        gzip.open(tmp, "wt", encoding="utf-8", compresslevel=6) as fh,
    ):
        json.dump(doc, fh)


def load_json_gz(path: Path) -> object:
    """Load what ``write_json_gz`` wrote; ValueError with a one-line reason if corrupt."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, EOFError, ValueError) as exc:
        raise ValueError(f"corrupt file {path}: {exc}") from None


def write_stats(stats: pstats.Stats, path: Path) -> None:
    """Atomically write ``stats`` (see ``_replace_atomically``)."""
    with _replace_atomically(path) as tmp, gzip.open(tmp, "wb", compresslevel=6) as fh:
        marshal.dump(stats.stats, fh)


_WRITES = count()  # with the pid: a temporary name no other writer uses


@contextmanager
def _replace_atomically(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` (same directory, so the rename is atomic)
    that replaces ``path`` only once it is complete: a re-profile that fails or is
    killed leaves the file stored before it untouched. Unique per writer, so two
    processes writing one path never write into each other's file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not mkstemp: its files are private (0600), profiles are read by others.
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{next(_WRITES)}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class _Dump:
    """Adapter so ``pstats.Stats`` accepts an already-loaded stats dict."""

    def __init__(self, raw: dict) -> None:
        self.stats = raw

    def create_stats(self) -> None:
        pass


def load_stats(path: Path) -> pstats.Stats:
    """Load a stored profile; raises ValueError with a one-line reason if corrupt."""
    try:
        with gzip.open(path, "rb") as fh:
            raw = marshal.load(fh)
    except (OSError, EOFError, ValueError, TypeError) as exc:
        raise ValueError(f"corrupt profile {path}: {exc}") from None
    if not isinstance(raw, dict):
        raise ValueError(f"corrupt profile {path}: not a pstats dump")
    return pstats.Stats(_Dump(raw))


def export_prof(path: Path, dest: Path) -> Path:
    """Write an uncompressed ``.prof`` that snakeviz opens."""
    load_stats(path).dump_stats(str(dest))
    return dest
