"""Reading the suite's cProfile captures: finding them, and per-iteration costs
keyed by (file, function) — never by line number, which moves between commits."""

from __future__ import annotations

import io
import pstats
from dataclasses import dataclass
from pathlib import Path

from . import suite
from .suite import SuiteError

FuncKey = tuple[str, str]  # (file, function)


@dataclass(frozen=True)
class FuncCost:
    """Cost of one function per loop iteration."""

    calls: float
    primitive_calls: float
    own: float  # seconds of own time (tottime)
    cumulative: float  # seconds including callees (cumtime)


def short_file(path: str) -> str:
    """A profile's file as the environments name it (``benchmarks/_paths.py``, the
    one rule: bytecode counts name their files with it too)."""
    return suite.paths().short_file(path)


def is_cascade(key: FuncKey) -> bool:
    return suite.paths().is_cascade(key[0])


def per_iteration(stats: pstats.Stats, n: int) -> dict[FuncKey, FuncCost]:
    """Per-iteration costs, summing entries that differ only by line number."""
    table: dict[FuncKey, list[float]] = {}
    short = suite.paths().short_file
    for (file, _line, func), (prim, calls, own, cum, _callers) in stats.stats.items():
        key = (short(file), func)
        acc = table.setdefault(key, [0.0, 0.0, 0.0, 0.0])
        acc[0] += calls
        acc[1] += prim
        acc[2] += own
        acc[3] += cum
    return {k: FuncCost(*(x / n for x in v)) for k, v in table.items()}


def stored_path(root: Path, machine: str, commit: str, workload: str, n: int) -> Path:
    """The stored profile of ``workload`` at ``commit``; one-line error if absent."""
    store = suite.profile_store()
    runs = store.run_dir(root, machine, commit, "*")  # the layout's glob of every env
    matches = sorted(runs.parent.glob(f"{runs.name}/{workload}/n={n}{store.SUFFIX}"))
    if not matches:
        raise SuiteError(
            f"no stored profile of {workload} (n={n}) at {commit[:8]} on machine {machine} "
            f"under {root}"
        )
    return matches[0]


def load(path: Path) -> pstats.Stats:
    try:
        return suite.profile_store().load_stats(path)
    except (ValueError, OSError) as exc:
        raise SuiteError(str(exc).splitlines()[0]) from None


Bytecodes = dict[FuncKey, tuple[float, float]]  # (file, qualname) -> (own, charged)


def load_bytecodes(profile: Path) -> Bytecodes | None:
    """Bytecodes per function per iteration stored beside ``profile``; None if absent
    (older results) or unreadable (a corrupt file is not worth failing for)."""
    store = suite.profile_store()
    path = store.bytecodes_path(profile)
    if not path.is_file():
        return None
    try:
        doc = store.load_json_gz(path)
        return dict(_bytecode_entry(row) for row in doc["functions"].values())
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _bytecode_entry(row: object) -> tuple[FuncKey, tuple[float, float]]:
    """One function's counts: a named record (``_bytecodes.count``), or the
    positional ``[file, qualname, first_line, own, charged]`` of older files."""
    if isinstance(row, dict):
        return (row["file"], row["function"]), (float(row["own"]), float(row["charged"]))
    f, q, _line, o, c = row  # type: ignore[misc]
    return (f, q), (float(o), float(c))


def load_raw(path: Path) -> pstats.Stats:
    """An uncompressed ``.prof`` as cProfile and snakeviz write it."""
    try:
        return pstats.Stats(str(path))
    except (OSError, EOFError, ValueError, TypeError) as exc:
        raise SuiteError(f"cannot read profile {path}: {exc}") from None


def top_report(stats: pstats.Stats, limit: int = 20) -> str:
    """pstats' own listing, by cumulative and by own time (as profile_entry.py printed)."""
    out = io.StringIO()
    stats.stream = out
    for order, title in (("cumulative", "cumulative time"), ("tottime", "own time")):
        out.write(f"--- top {limit} by {title} ---\n")
        stats.sort_stats(order).print_stats(limit)
    return out.getvalue()
