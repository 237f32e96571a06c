"""Reading the suite's cProfile captures: finding them, and per-iteration costs
keyed by (file, function) — never by line number, which moves between commits."""

from __future__ import annotations

import io
import pstats
import re
from dataclasses import dataclass
from pathlib import Path

from . import suite
from .suite import SuiteError

FuncKey = tuple[str, str]  # (file, function)

# Where installed code starts, most specific first: files then read the same in
# every environment ("cascade/runtime/engine.py", "asyncio/base_events.py").
_ROOTS = (
    re.compile(r"^.*/(?:site|dist)-packages/"),
    re.compile(r"^.*/lib/python3\.\d+/"),
    re.compile(r"^.*/src/(?=cascade/)"),
    re.compile(r"^.*/(?=benchmarks/)"),
)


@dataclass(frozen=True)
class FuncCost:
    """Cost of one function per loop iteration."""

    calls: float
    primitive_calls: float
    own: float  # seconds of own time (tottime)
    cumulative: float  # seconds including callees (cumtime)


def short_file(path: str) -> str:
    if path == "~":
        return "<built-in>"
    path = path.replace("\\", "/")
    for root in _ROOTS:
        if root.match(path):
            return root.sub("", path, count=1)
    return path


def is_cascade(key: FuncKey) -> bool:
    return key[0].startswith("cascade/")


def per_iteration(stats: pstats.Stats, n: int) -> dict[FuncKey, FuncCost]:
    """Per-iteration costs, summing entries that differ only by line number."""
    table: dict[FuncKey, list[float]] = {}
    for (file, _line, func), (prim, calls, own, cum, _callers) in stats.stats.items():
        key = (short_file(file), func)
        acc = table.setdefault(key, [0.0, 0.0, 0.0, 0.0])
        acc[0] += calls
        acc[1] += prim
        acc[2] += own
        acc[3] += cum
    return {k: FuncCost(*(x / n for x in v)) for k, v in table.items()}


def stored_path(root: Path, machine: str, commit: str, workload: str, n: int) -> Path:
    """The stored profile of ``workload`` at ``commit``; one-line error if absent."""
    store = suite.profile_store()
    matches = sorted(
        store.run_dir(root, machine, commit, "*").parent.glob(
            f"{commit[:8]}-*/{workload}/n={n}{store.SUFFIX}"
        )
    )
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
        return {(f, q): (float(o), float(c)) for f, q, _line, o, c in doc["functions"].values()}
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


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
